package store_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"smarketing/store"
)

func TestSearchWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Marketing Qualified", []string{"marketing", "qualified"}},
		{`"qualified lead"`, []string{"qualified", "lead"}},
		{"qual*", []string{"qual"}},
		{"lead -sales", []string{"lead", "sales"}},
		{"name:pipeline", []string{"name", "pipeline"}},
		{"lead NEAR/2 sales", []string{"lead", "near", "2", "sales"}},
		{"'; DROP TABLE terms; --", []string{"drop", "table", "terms"}},
		{"ÉTUDE de marché", []string{"étude", "de", "marché"}},
		{"Ωμέγα_2026", []string{"ωμέγα", "2026"}},
		{"日本語の用語", []string{"日本語の用語"}},
		{"", []string{}},
		{"!!! … - * ( )", []string{}},
	}
	for _, tc := range tests {
		got := store.SearchWords(tc.in)
		if len(got) == 0 {
			got = []string{}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("SearchWords(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := store.SearchWords(strings.Repeat("word ", 100)); len(got) != store.MaxSearchWords {
		t.Errorf("SearchWords of 100 words = %d words, want at most %d", len(got), store.MaxSearchWords)
	}
}

func TestSortTerms(t *testing.T) {
	terms := []store.Term{
		{ID: 1, Name: "zeta"}, {ID: 2, Name: "SQL", Category: "funnel"}, {ID: 3, Name: "Alpha"},
		{ID: 4, Name: "CAC", Category: "Finance"}, {ID: 5, Name: "mql", Category: "Funnel"}, {ID: 6, Name: "arr", Category: "Finance"},
		{ID: 7, Name: "Öko"}, {ID: 8, Name: "öffnen"}, {ID: 10, Name: "same"}, {ID: 9, Name: "Same"},
	}
	store.SortTerms(terms)
	var got []string
	for _, tm := range terms {
		got = append(got, tm.Category+"/"+tm.Name)
	}
	want := []string{"Finance/arr", "Finance/CAC", "Funnel/mql", "funnel/SQL", "/Alpha", "/Same", "/same", "/zeta", "/öffnen", "/Öko"}
	if !slices.Equal(got, want) {
		t.Fatalf("SortTerms = %q, want %q (uncategorised last, by Key, then id)", got, want)
	}
}

func TestSortedByKey(t *testing.T) {
	in := []string{"beta", "Alpha", "alpha", "Épée", "zeta"}
	got := store.SortedByKey(in, func(s string) string { return s })
	if want := []string{"Alpha", "alpha", "beta", "zeta", "Épée"}; !slices.Equal(got, want) {
		t.Fatalf("SortedByKey = %q, want %q", got, want)
	}
	if in[0] != "beta" {
		t.Fatal("SortedByKey sorted its input in place")
	}
}

func TestTermLabelsAndContent(t *testing.T) {
	tm := store.Term{ID: 3, Name: "MQL", Aliases: []string{"Marketing Qualified Lead"}, Category: "Funnel", Definition: "d", CreatedBy: "U1"}
	if got := tm.Labels(); !slices.Equal(got, []string{"MQL", "Marketing Qualified Lead"}) {
		t.Errorf("Labels = %q", got)
	}
	if c := tm.Content(); c.ID != 0 || c.CreatedBy != "" || !c.SameContent(tm) {
		t.Errorf("Content = %+v", c)
	}
	for _, other := range []store.Term{
		{Name: "mql", Aliases: tm.Aliases, Category: tm.Category, Definition: "d"},
		{Name: "MQL", Category: tm.Category, Definition: "d"},
		{Name: "MQL", Aliases: tm.Aliases, Category: "funnel", Definition: "d"},
		{Name: "MQL", Aliases: tm.Aliases, Category: tm.Category, Definition: "d "},
	} {
		if tm.SameContent(other) {
			t.Errorf("SameContent(%+v) = true", other)
		}
	}
	if err := tm.CheckLabels(); err != nil {
		t.Errorf("CheckLabels = %v", err)
	}
	for _, bad := range []store.Term{
		{Name: "MQL", Aliases: []string{"mql"}},
		{Name: "A", Aliases: []string{"B", " b "}},
		{Name: "ΟΔΟΣ", Aliases: []string{"οδος"}},
	} {
		var ce *store.ConflictError
		if err := bad.CheckLabels(); !errors.As(err, &ce) || ce.Owner != bad.Name {
			t.Errorf("CheckLabels(%q %q) = %v, want a *ConflictError owned by the term", bad.Name, bad.Aliases, err)
		}
	}
}

func TestPersonaContent(t *testing.T) {
	p := store.Persona{ID: 1, Name: "Sally", Role: "CMO", Goals: "g", CreatedBy: "U1", UpdatedByName: "Ann"}
	if c := p.Content(); c.ID != 0 || c.CreatedBy != "" || c.UpdatedByName != "" || c.Name != "Sally" || c.Goals != "g" {
		t.Errorf("Content = %+v", c)
	}
	q := p
	q.ID, q.CreatedBy = 2, "U2"
	if !p.SameContent(q) {
		t.Error("SameContent differs on bookkeeping")
	}
	q.Questions = "?"
	if p.SameContent(q) {
		t.Error("SameContent ignores Questions")
	}
}
