package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"smarketing/store"
)

// Bench runs the suite's benchmarks on the backend o opens:
//
//	func BenchmarkStore(b *testing.B) { storetest.Bench(b, opener) }
func Bench(b *testing.B, o Opener) {
	s := &suite{o: o}
	b.Run("React", func(b *testing.B) { benchReact(b, s, 1) })
	b.Run("React16", func(b *testing.B) { benchReact(b, s, 16) })
	b.Run("TermLookup", func(b *testing.B) { benchTermLookup(b, s) })
	b.Run("SearchTerms", func(b *testing.B) { benchSearchTerms(b, s) })
}

// benchReact records rating reactions on 1,000 leads that are rated
// already, so most change a rating: one at a time (a batch of one each,
// the costliest case), or from inFlight goroutines at once, which group
// commit puts in shared batches. It reports the latency of Record.
func benchReact(b *testing.B, s *suite, inFlight int) {
	db := s.open(b)
	ds := store.Dataset{}
	var leads []string
	for i := range 1000 {
		ts := tsAt(Start, i)
		posted, _ := store.TSTime(ts)
		ds.Leads = append(ds.Leads, store.LeadRecord{Channel: "CL", TS: ts, Text: "A lead", PostedBy: "UMKT", PostedAt: posted})
		leads = append(leads, ts)
	}
	db.mustImport(b, ds)
	// The seed ratings as reactions (so that they can be taken back),
	// concurrently: group commit makes it a few transactions.
	var wg sync.WaitGroup
	for i, ts := range leads {
		wg.Go(func() {
			r := store.Reaction{Channel: "CL", TS: ts, User: "USEED", Emoji: "+1", Rating: store.Good, Added: true, At: Start}
			if _, err := db.Record(ctx, store.Event{ID: fmt.Sprintf("EvSeed%d", i), React: &r}); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
	emoji := []string{"+1", "-1", "fire"}
	ratings := []store.Rating{store.Good, store.Poor, store.Hot}
	var mu sync.Mutex
	var took []time.Duration
	var n atomic.Int64
	b.ResetTimer()
	for range inFlight {
		wg.Go(func() {
			for {
				i := int(n.Add(1)) - 1
				if i >= b.N {
					return
				}
				r := store.Reaction{Channel: "CL", TS: leads[i%len(leads)], User: fmt.Sprintf("U%03d", i%300), Emoji: emoji[i%3],
					Rating: ratings[i%3], Added: true, At: Start.Add(time.Duration(i) * time.Second)}
				start := time.Now()
				if _, err := db.Record(ctx, store.Event{ID: fmt.Sprintf("EvB%d", i), React: &r}); err != nil {
					b.Error(err)
					return
				}
				d := time.Since(start)
				mu.Lock()
				took = append(took, d)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	slices.Sort(took)
	if len(took) > 0 {
		b.ReportMetric(float64(took[len(took)/2])/1e6, "p50_ms")
		b.ReportMetric(float64(took[len(took)*99/100])/1e6, "p99_ms")
	}
}

func glossaryOf(n int) store.Dataset {
	ds := store.Dataset{}
	for i := range n {
		ds.Terms = append(ds.Terms, store.TermRecord{Name: fmt.Sprintf("Term %04d", i), Aliases: []string{fmt.Sprintf("T%04d", i)},
			Definition: "A lead that marketing judges ready for sales to contact, long enough to look like a real one."})
	}
	return ds
}

// benchTermLookup looks up one term of 1,000 as /term does, with a
// request's cancellable context.
func benchTermLookup(b *testing.B, s *suite) {
	db := s.open(b)
	db.mustImport(b, glossaryOf(1000))
	c, cancel := context.WithTimeout(ctx, time.Hour)
	defer cancel()
	for b.Loop() {
		if _, err := db.Term(c, "t0500"); err != nil {
			b.Fatal(err)
		}
	}
}

// benchSearchTerms searches 1,000 terms for a word in every definition and
// a prefix of one name, as /term search does, for the first ten.
func benchSearchTerms(b *testing.B, s *suite) {
	db := s.open(b)
	db.mustImport(b, glossaryOf(1000))
	for b.Loop() {
		if hits, err := db.SearchTerms(ctx, "term 050 lead", 10); err != nil || len(hits) == 0 {
			b.Fatal(hits, err)
		}
	}
}
