package commands

import (
	"fmt"
	"slices"
	"testing"

	"smarketing/store"
)

// suggestKeys is a small glossary as TermKeys returns it.
var suggestKeys = []store.TermKey{
	{Label: "Marketing Qualified Lead", TermID: 1, Name: "Marketing Qualified Lead"},
	{Label: "MQL", TermID: 1, Name: "Marketing Qualified Lead"},
	{Label: "Sales Qualified Lead", TermID: 2, Name: "Sales Qualified Lead"},
	{Label: "SQL", TermID: 2, Name: "Sales Qualified Lead"},
	{Label: "Churn", TermID: 3, Name: "Churn"},
	{Label: "Pipeline", TermID: 4, Name: "Pipeline"},
	{Label: "Customer Acquisition Cost", TermID: 5, Name: "Customer Acquisition Cost"},
	{Label: "CAC", TermID: 5, Name: "Customer Acquisition Cost"},
	{Label: "Étude de marché", TermID: 6, Name: "Étude de marché"},
}

func labels(keys []store.TermKey) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k.Label)
	}
	return out
}

func TestSuggest(t *testing.T) {
	tests := []struct {
		name  string
		typed string
		n     int
		want  []string // labels, in order
	}{
		{"extra letter", "mqll", 5, []string{"MQL"}},
		{"missing letter", "pipelin", 5, []string{"Pipeline"}},
		{"wrong letter", "Chutn", 5, []string{"Churn"}},
		{"transposition", "chrun", 5, []string{"Churn"}},
		{"transposition in an acronym", "mlq", 5, []string{"MQL"}},
		{"extra letter containing another key", "msql", 5, []string{"SQL", "MQL"}},
		{"prefix", "pipe", 5, []string{"Pipeline"}},
		{"prefix any case", "PIPE", 5, []string{"Pipeline"}},
		{"prefix of a later word", "qual", 5, []string{"Sales Qualified Lead", "Marketing Qualified Lead"}},
		{"substring", "ified", 5, []string{"Sales Qualified Lead", "Marketing Qualified Lead"}},
		{"typed text contains a key", "our CAC figure", 5, []string{"CAC"}},
		{"accents", "etude de marché", 5, []string{"Étude de marché"}},
		{"accent case", "ÉTUDE", 5, []string{"Étude de marché"}},
		{"spacing", "  sales   qualified  ", 5, []string{"Sales Qualified Lead"}},
		{"one per term", "m", 5, []string{"MQL"}},
		{"at most n", "qual", 1, []string{"Sales Qualified Lead"}},
		{"n zero", "qual", 0, nil},
		{"unrelated", "zebra", 5, nil},
		{"unrelated short", "xy", 5, nil},
		{"empty", "", 5, nil},
		{"blank", "   ", 5, nil},
		{"far typo", "chxxn", 5, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := suggest(tc.typed, suggestKeys, tc.n)
			if gotLabels := labels(got); !slices.Equal(gotLabels, tc.want) {
				t.Fatalf("suggest(%q, %d) = %q, want %q", tc.typed, tc.n, gotLabels, tc.want)
			}
			for _, k := range got {
				if !slices.Contains(suggestKeys, k) {
					t.Fatalf("suggest(%q) returned %+v, which is not one of the keys", tc.typed, k)
				}
			}
		})
	}
}

func TestSuggestLimitAndUniqueness(t *testing.T) {
	var keys []store.TermKey
	for i := range 20 {
		id := int64(i + 1)
		keys = append(keys,
			store.TermKey{Label: fmt.Sprintf("Lead stage %02d", i), TermID: id, Name: fmt.Sprintf("Lead stage %02d", i)},
			store.TermKey{Label: fmt.Sprintf("LS%02d", i), TermID: id, Name: fmt.Sprintf("Lead stage %02d", i)},
			store.TermKey{Label: fmt.Sprintf("Lead-stage-%02d", i), TermID: id, Name: fmt.Sprintf("Lead stage %02d", i)},
		)
	}
	for _, n := range []int{1, 5, 19} {
		got := suggest("lead", keys, n)
		if len(got) != n {
			t.Fatalf("suggest(lead, %d) = %d results, want %d", n, len(got), n)
		}
		seen := map[int64]bool{}
		for _, k := range got {
			if seen[k.TermID] {
				t.Fatalf("suggest(lead, %d) = %q, want one entry per term", n, labels(got))
			}
			seen[k.TermID] = true
		}
	}
	// Equally close keys come in a stable, alphabetical order.
	got := labels(suggest("lead", keys, 3))
	want := []string{"Lead stage 00", "Lead stage 01", "Lead stage 02"}
	if !slices.Equal(got, want) && !slices.Equal(got, []string{"Lead-stage-00", "Lead-stage-01", "Lead-stage-02"}) {
		t.Fatalf("suggest(lead, 3) = %q, want %q", got, want)
	}
	if len(suggest("lead", nil, 5)) != 0 {
		t.Fatalf("suggest with no keys returned something")
	}
}
