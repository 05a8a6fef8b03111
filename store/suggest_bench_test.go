package store

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// BenchmarkSuggest times one did-you-mean search over 10,000 terms for
// each of the costliest inputs (up to 8,000 characters), with the index
// and with the scan that serves when no index is at hand, and reports the
// median and the 99th percentile of the single searches.
func BenchmarkSuggest(b *testing.B) {
	keys := glossaryKeys(10_000, 10)
	x := NewSuggestIndex(keys)
	ref := slices.Clone(keys)
	slices.SortStableFunc(ref, func(a, b TermKey) int { return strings.Compare(Key(a.Label), Key(b.Label)) })
	queries := adversarialQueries(keys)
	names := make([]string, 0, len(queries))
	for name := range queries {
		names = append(names, name)
	}
	sort.Strings(names)
	ctx := context.Background()
	for _, how := range []struct {
		name string
		run  func(q string) []TermKey
	}{
		{"index", func(q string) []TermKey { return x.Suggest(ctx, q, 5) }},
		{"scan", func(q string) []TermKey { return SuggestScan(ctx, q, ref, 5) }},
	} {
		for _, name := range names {
			q := queries[name]
			b.Run(how.name+"/"+strings.ReplaceAll(name, " ", "_"), func(b *testing.B) {
				took := make([]time.Duration, 0, b.N)
				for b.Loop() {
					start := time.Now()
					how.run(q)
					took = append(took, time.Since(start))
				}
				reportPercentiles(b, took)
			})
		}
	}
}

// reportPercentiles adds the median and the 99th percentile of took, in
// milliseconds, to the benchmark's figures.
func reportPercentiles(b *testing.B, took []time.Duration) {
	if len(took) == 0 {
		return
	}
	slices.Sort(took)
	at := func(p float64) float64 {
		return float64(took[min(len(took)-1, int(p*float64(len(took))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}
