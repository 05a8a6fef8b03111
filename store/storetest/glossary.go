package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"smarketing/store"
)

var glossaryTests = []subtest{
	{"AddReturnsStored", testAddTermReturnsStored},
	{"AddStoresUTC", testAddTermStoresUTC},
	{"Lookup", testTermLookup},
	{"LookupFinalSigma", testTermLookupFinalSigma},
	{"ByID", testTermByID},
	{"AddConflict", testAddTermConflict},
	{"AddDuplicateLabels", testAddTermDuplicateLabels},
	{"Update", testUpdateTerm},
	{"UpdateExplicitTime", testUpdateTermExplicitTime},
	{"UpdateUnchanged", testUpdateTermUnchanged},
	{"UpdateNotFound", testUpdateTermNotFound},
	{"UpdateConflict", testUpdateTermConflict},
	{"UpdateOwnKeys", testUpdateTermOwnKeys},
	{"RenameKeepsHistory", testRenameKeepsHistory},
	{"HistoryUnknown", testTermHistoryUnknown},
	{"Delete", testDeleteTerm},
	{"DeleteIDReuse", testDeleteTermIDReuse},
	{"TermsOrder", testTermsOrder},
	{"TermsOrderUnicodeCase", testTermsOrderUnicodeCase},
	{"TermKeys", testTermKeys},
	{"Search", testSearchTerms},
	{"SearchNameOutranksDefinition", testSearchNameOutranksDefinition},
	{"SearchAliasOutranksDefinition", testSearchAliasOutranksDefinition},
	{"SearchUnicode", testSearchUnicode},
	{"SearchInertSyntax", testSearchInertSyntax},
	{"SearchEmpty", testSearchEmpty},
	{"SearchAfterUpdate", testSearchAfterUpdate},
	{"AddConcurrentDistinct", testAddTermConcurrentDistinct},
	{"AddConcurrentSameName", testAddTermConcurrentSameName},
}

func (db *tdb) mustAdd(tb testing.TB, t store.Term, by store.Actor) store.Term {
	tb.Helper()
	saved, err := db.AddTerm(ctx, t, by)
	if err != nil {
		tb.Fatalf("AddTerm(%q): %v", t.Name, err)
	}
	return saved
}

func (db *tdb) mustUpdate(tb testing.TB, t store.Term, by store.Actor) store.Term {
	tb.Helper()
	saved, err := db.UpdateTerm(ctx, t, by)
	if err != nil {
		tb.Fatalf("UpdateTerm(%d %q): %v", t.ID, t.Name, err)
	}
	return saved
}

func (db *tdb) mustHistory(tb testing.TB, id int64) []store.Revision[store.Term] {
	tb.Helper()
	h, err := db.TermHistory(ctx, id)
	if err != nil {
		tb.Fatalf("TermHistory(%d): %v", id, err)
	}
	return h
}

func (db *tdb) mustTerms(tb testing.TB) []store.Term {
	tb.Helper()
	ts, err := db.Terms(ctx)
	if err != nil {
		tb.Fatalf("Terms: %v", err)
	}
	return ts
}

func (db *tdb) mustSearch(tb testing.TB, q string, limit int) []store.Term {
	tb.Helper()
	got, err := db.SearchTerms(ctx, q, limit)
	if err != nil {
		tb.Fatalf("SearchTerms(%q, %d): %v", q, limit, err)
	}
	return got
}

// lookup looks name up, failing the test on any error but not found.
func (db *tdb) lookup(tb testing.TB, name string) (store.Term, bool) {
	tb.Helper()
	t, err := db.Term(ctx, name)
	if isNotFound(err) {
		return store.Term{}, false
	}
	if err != nil {
		tb.Fatalf("Term(%q): %v", name, err)
	}
	return t, true
}

func mqlTerm() store.Term {
	return store.Term{
		Name:       "Marketing Qualified Lead",
		Aliases:    []string{"MQL", "M.Q.L."},
		Category:   "Funnel",
		Definition: "A lead marketing judges ready for sales to contact.",
	}
}

func termNames(ts []store.Term) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return out
}

func testAddTermReturnsStored(t *testing.T, s *suite) {
	db := s.open(t)
	got := db.mustAdd(t, mqlTerm(), ann)
	if got.ID == 0 {
		t.Fatalf("ID = 0, want a database id")
	}
	want := mqlTerm()
	if got.Name != want.Name || !slices.Equal(got.Aliases, want.Aliases) || got.Category != want.Category || got.Definition != want.Definition {
		t.Errorf("AddTerm = %q %q %q %q, want %q %q %q %q", got.Name, got.Aliases, got.Category, got.Definition,
			want.Name, want.Aliases, want.Category, want.Definition)
	}
	if got.CreatedBy != "UANN" || got.CreatedByName != "Ann" || got.UpdatedBy != "UANN" || got.UpdatedByName != "Ann" {
		t.Errorf("authors = %q %q / %q %q, want UANN Ann for both", got.CreatedBy, got.CreatedByName, got.UpdatedBy, got.UpdatedByName)
	}
	if !got.CreatedAt.Equal(Start) || !got.UpdatedAt.Equal(Start) {
		t.Errorf("CreatedAt, UpdatedAt = %v, %v, want the store's clock %v", got.CreatedAt, got.UpdatedAt, Start)
	}
	if got.CreatedAt.Location() != time.UTC || got.UpdatedAt.Location() != time.UTC {
		t.Errorf("times in %v, %v; want UTC", got.CreatedAt.Location(), got.UpdatedAt.Location())
	}
	// What AddTerm returned is what a lookup finds.
	again, err := db.TermByID(ctx, got.ID)
	if err != nil || !reflect.DeepEqual(again, got) {
		t.Errorf("TermByID = %+v, %v; want %+v", again, err, got)
	}
}

func testAddTermStoresUTC(t *testing.T, s *suite) {
	db := s.open(t)
	local := time.Date(2024, 3, 5, 15, 30, 0, 123, time.FixedZone("CET", 3600))
	db.set(local)
	got := db.mustAdd(t, store.Term{Name: "ARR", Definition: "Annual recurring revenue"}, ann)
	if !got.CreatedAt.Equal(local) || got.CreatedAt.Location() != time.UTC {
		t.Fatalf("CreatedAt = %v, want %v in UTC, to the nanosecond", got.CreatedAt, local.UTC())
	}
	hist := db.mustHistory(t, got.ID)
	if len(hist) != 1 || !hist[0].EditedAt.Equal(local) || hist[0].EditedAt.Location() != time.UTC {
		t.Fatalf("TermHistory = %+v, want one version at %v UTC", hist, local.UTC())
	}
}

func testTermLookup(t *testing.T, s *suite) {
	db := s.open(t)
	mql := db.mustAdd(t, mqlTerm(), ann)
	etude := db.mustAdd(t, store.Term{Name: "étude de marché", Definition: "Market research"}, ann)
	greek := db.mustAdd(t, store.Term{Name: "Ωμέγα", Aliases: []string{"ΣΥΝΕΡΓΑΣΙΑ"}, Definition: "Greek"}, ann)
	pct := db.mustAdd(t, store.Term{Name: "100%_done", Definition: "LIKE wildcards in a name"}, ann)

	tests := []struct {
		query  string
		wantID int64
	}{
		{"Marketing Qualified Lead", mql.ID},
		{"marketing qualified lead", mql.ID},
		{"  MARKETING   qualified\tLEAD  ", mql.ID},
		{"MQL", mql.ID},
		{"mql", mql.ID},
		{"m.q.l.", mql.ID},
		{"étude de marché", etude.ID},
		{"ÉTUDE DE MARCHÉ", etude.ID},
		{"Étude  De Marché", etude.ID},
		{"ωμέγα", greek.ID},
		{"ΩΜΈΓΑ", greek.ID},
		{"συνεργασια", greek.ID},
		{"100%_DONE", pct.ID},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			got, ok := db.lookup(t, tc.query)
			if !ok || got.ID != tc.wantID {
				t.Fatalf("Term(%q) = %d %q (found %v), want id %d", tc.query, got.ID, got.Name, ok, tc.wantID)
			}
		})
	}
	for _, miss := range []string{"", "   ", "MQ", "Marketing", "etude de marche", "Marketing Qualified Leads", "100x_done", "100%%done", "%", "_"} {
		t.Run("miss "+miss, func(t *testing.T) {
			if got, ok := db.lookup(t, miss); ok {
				t.Fatalf("Term(%q) = %q, want ErrNotFound", miss, got.Name)
			}
		})
	}
}

// Greek capital sigma lower-cases to σ, but a word-final sigma is written
// ς; the store must treat them as one letter, as Unicode case folding does.
func testTermLookupFinalSigma(t *testing.T, s *suite) {
	db := s.open(t)
	road := db.mustAdd(t, store.Term{Name: "ΟΔΟΣ", Definition: "road"}, ann)
	if !strings.EqualFold("ΟΔΟΣ", "οδος") {
		t.Fatalf("strings.EqualFold(ΟΔΟΣ, οδος) = false; the premise of this test is wrong")
	}
	for _, q := range []string{"οδος", "οδοσ", "ΟΔΟΣ", "Οδος"} {
		if got, ok := db.lookup(t, q); !ok || got.ID != road.ID {
			t.Errorf("Term(%q) = %+v (found %v), want ΟΔΟΣ", q, got, ok)
		}
	}
	// And so they clash as names.
	_, err := db.AddTerm(ctx, store.Term{Name: "οδος", Definition: "again"}, bob)
	if ce := (*store.ConflictError)(nil); !errors.As(err, &ce) || ce.Owner != "ΟΔΟΣ" {
		t.Fatalf("AddTerm(οδος) err = %v, want a *ConflictError with ΟΔΟΣ", err)
	}
}

func testTermByID(t *testing.T, s *suite) {
	db := s.open(t)
	added := db.mustAdd(t, mqlTerm(), ann)
	got, err := db.TermByID(ctx, added.ID)
	if err != nil || !reflect.DeepEqual(got, added) {
		t.Fatalf("TermByID = %+v, %v; want %+v", got, err, added)
	}
	for _, id := range []int64{added.ID + 100, 0, -1} {
		if _, err := db.TermByID(ctx, id); !isNotFound(err) {
			t.Errorf("TermByID(%d) err = %v, want ErrNotFound", id, err)
		}
	}
}

func testAddTermConflict(t *testing.T, s *suite) {
	tests := []struct {
		name      string
		term      store.Term
		wantKey   string
		wantOwner string
	}{
		{"same name", store.Term{Name: "Marketing Qualified Lead", Definition: "x"}, "Marketing Qualified Lead", "Marketing Qualified Lead"},
		{"same name other case and spacing", store.Term{Name: "marketing  QUALIFIED lead", Definition: "x"}, "marketing  QUALIFIED lead", "Marketing Qualified Lead"},
		{"name equals an alias", store.Term{Name: "mql", Definition: "x"}, "mql", "Marketing Qualified Lead"},
		{"alias equals a name", store.Term{Name: "Lead", Aliases: []string{"Prospect", "marketing qualified lead"}, Definition: "x"}, "marketing qualified lead", "Marketing Qualified Lead"},
		{"alias equals an alias", store.Term{Name: "Lead", Aliases: []string{"M.Q.L."}, Definition: "x"}, "M.Q.L.", "Marketing Qualified Lead"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := s.open(t)
			db.mustAdd(t, mqlTerm(), ann)
			_, err := db.AddTerm(ctx, tc.term, bob)
			var ce *store.ConflictError
			if !errors.As(err, &ce) {
				t.Fatalf("AddTerm(%q) err = %v, want a *ConflictError", tc.term.Name, err)
			}
			if ce.Key != tc.wantKey || ce.Owner != tc.wantOwner {
				t.Errorf("ConflictError = {Key: %q, Owner: %q}, want {%q, %q}", ce.Key, ce.Owner, tc.wantKey, tc.wantOwner)
			}
			if !strings.Contains(err.Error(), tc.wantOwner) {
				t.Errorf("Error() = %q, want it to name %q", err, tc.wantOwner)
			}
			// Nothing of the rejected term was kept.
			if terms := db.mustTerms(t); len(terms) != 1 {
				t.Fatalf("Terms after a conflict = %q, want 1", termNames(terms))
			}
			keys, err := db.TermKeys(ctx)
			if err != nil || len(keys) != 3 {
				t.Fatalf("TermKeys after a conflict = %+v, %v; want 3 keys", keys, err)
			}
			for _, name := range []string{"Lead", "Prospect"} {
				if _, ok := db.lookup(t, name); ok {
					t.Fatalf("Term(%q) found after a conflict", name)
				}
			}
			if hits := db.mustSearch(t, "x", 10); len(hits) != 0 {
				t.Fatalf("SearchTerms(x) after a conflict = %q, want none", termNames(hits))
			}
		})
	}
}

// A term naming the same key twice clashes with itself, and nothing is kept.
func testAddTermDuplicateLabels(t *testing.T, s *suite) {
	db := s.open(t)
	for _, tm := range []store.Term{
		{Name: "CAC", Aliases: []string{"cac"}, Definition: "x"},
		{Name: "CAC", Aliases: []string{"Cost", "COST"}, Definition: "x"},
	} {
		_, err := db.AddTerm(ctx, tm, ann)
		if ce := (*store.ConflictError)(nil); !errors.As(err, &ce) {
			t.Errorf("AddTerm(%q %q) err = %v, want a *ConflictError", tm.Name, tm.Aliases, err)
		}
	}
	if terms := db.mustTerms(t); len(terms) != 0 {
		t.Fatalf("Terms = %q, want none", termNames(terms))
	}
}

func testUpdateTerm(t *testing.T, s *suite) {
	db := s.open(t)
	added := db.mustAdd(t, mqlTerm(), ann)
	later := Start.Add(time.Hour)
	db.set(later)
	change := added
	change.UpdatedAt = time.Time{} // zero: the edit happens now
	change.Definition = "A lead that fits the ICP and showed intent."
	change.Category = "Funnel stages"
	change.Aliases = []string{"MQL"}
	got := db.mustUpdate(t, change, bob)
	if got.Definition != change.Definition || got.Category != "Funnel stages" || !slices.Equal(got.Aliases, []string{"MQL"}) {
		t.Errorf("UpdateTerm = %q %q %q, want the change", got.Definition, got.Category, got.Aliases)
	}
	if got.UpdatedBy != "UBOB" || got.UpdatedByName != "Bob" || !got.UpdatedAt.Equal(later) {
		t.Errorf("updated by %q %q at %v, want UBOB Bob at %v", got.UpdatedBy, got.UpdatedByName, got.UpdatedAt, later)
	}
	if got.CreatedBy != "UANN" || got.CreatedByName != "Ann" || !got.CreatedAt.Equal(Start) {
		t.Errorf("created by %q %q at %v; want UANN Ann at %v (unchanged)", got.CreatedBy, got.CreatedByName, got.CreatedAt, Start)
	}
	if byID, err := db.TermByID(ctx, added.ID); err != nil || !reflect.DeepEqual(byID, got) {
		t.Errorf("TermByID after update = %+v, %v; want %+v", byID, err, got)
	}
	// The dropped alias is free again.
	if _, ok := db.lookup(t, "M.Q.L."); ok {
		t.Errorf("Term(dropped alias) found")
	}
	db.mustAdd(t, store.Term{Name: "M.Q.L.", Definition: "reuse of a dropped alias"}, ann)
}

// UpdateTerm takes a set UpdatedAt as the time of the edit (for imports).
func testUpdateTermExplicitTime(t *testing.T, s *suite) {
	db := s.open(t)
	added := db.mustAdd(t, mqlTerm(), ann)
	db.set(Start.Add(48 * time.Hour))
	when := Start.Add(time.Hour)
	change := added
	change.Definition = "imported edit"
	change.UpdatedAt = when
	got := db.mustUpdate(t, change, bob)
	if !got.UpdatedAt.Equal(when) {
		t.Fatalf("UpdatedAt = %v, want the given %v", got.UpdatedAt, when)
	}
	hist := db.mustHistory(t, added.ID)
	if len(hist) != 2 || !hist[0].EditedAt.Equal(when) {
		t.Fatalf("TermHistory = %+v; want 2 versions, the newest at %v", hist, when)
	}
}

func testUpdateTermUnchanged(t *testing.T, s *suite) {
	db := s.open(t)
	added := db.mustAdd(t, mqlTerm(), ann)
	db.set(Start.Add(time.Hour))
	got, err := db.UpdateTerm(ctx, added, bob)
	if !errors.Is(err, store.ErrUnchanged) {
		t.Fatalf("UpdateTerm(identical) err = %v, want ErrUnchanged", err)
	}
	if !reflect.DeepEqual(got, added) {
		t.Fatalf("UpdateTerm(identical) = %+v, want the stored term %+v", got, added)
	}
	if hist := db.mustHistory(t, added.ID); len(hist) != 1 {
		t.Fatalf("TermHistory after an unchanged update = %d versions, want 1", len(hist))
	}
	if stored, _ := db.TermByID(ctx, added.ID); stored.UpdatedBy != "UANN" || !stored.UpdatedAt.Equal(Start) {
		t.Fatalf("after an unchanged update: updated by %q at %v, want UANN at %v", stored.UpdatedBy, stored.UpdatedAt, Start)
	}
	// Only the times differ: still unchanged.
	other := added
	other.UpdatedAt, other.CreatedAt = Start.Add(time.Minute), time.Time{}
	if _, err := db.UpdateTerm(ctx, other, bob); !errors.Is(err, store.ErrUnchanged) {
		t.Fatalf("UpdateTerm(same content, other times) err = %v, want ErrUnchanged", err)
	}
}

func testUpdateTermNotFound(t *testing.T, s *suite) {
	db := s.open(t)
	added := db.mustAdd(t, mqlTerm(), ann)
	ghost := added
	ghost.ID = added.ID + 42
	ghost.Name = "Ghost"
	ghost.Aliases = nil
	if _, err := db.UpdateTerm(ctx, ghost, bob); !isNotFound(err) {
		t.Fatalf("UpdateTerm(unknown id) err = %v, want ErrNotFound", err)
	}
	if _, ok := db.lookup(t, "Ghost"); ok {
		t.Fatalf("the failed update created a term")
	}
}

func testUpdateTermConflict(t *testing.T, s *suite) {
	tests := []struct {
		name      string
		edit      func(t *store.Term)
		wantKey   string
		wantOwner string
	}{
		{"alias taken from another term", func(t *store.Term) { t.Aliases = []string{"CPL", "MQL"} }, "MQL", "Marketing Qualified Lead"},
		{"renamed to another term's name", func(t *store.Term) { t.Name = "MARKETING QUALIFIED LEAD" }, "MARKETING QUALIFIED LEAD", "Marketing Qualified Lead"},
		{"renamed to another term's alias", func(t *store.Term) { t.Name = "m.q.l." }, "m.q.l.", "Marketing Qualified Lead"},
		{"alias twice", func(t *store.Term) { t.Aliases = []string{"CPL", "cpl"} }, "cpl", "Cost per Lead"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := s.open(t)
			db.mustAdd(t, mqlTerm(), ann)
			cpl := db.mustAdd(t, store.Term{Name: "Cost per Lead", Aliases: []string{"CPL"}, Definition: "Spend / leads"}, bob)
			change := cpl
			change.Definition = "Changed too"
			tc.edit(&change)
			_, err := db.UpdateTerm(ctx, change, bob)
			var ce *store.ConflictError
			if !errors.As(err, &ce) {
				t.Fatalf("UpdateTerm err = %v, want a *ConflictError", err)
			}
			if ce.Key != tc.wantKey || ce.Owner != tc.wantOwner {
				t.Fatalf("ConflictError = {Key: %q, Owner: %q}, want {%q, %q}", ce.Key, ce.Owner, tc.wantKey, tc.wantOwner)
			}
			// The failed update changed nothing.
			got, err := db.TermByID(ctx, cpl.ID)
			if err != nil || !reflect.DeepEqual(got, cpl) {
				t.Fatalf("term after a failed update = %+v, %v; want %+v", got, err, cpl)
			}
			if owner, ok := db.lookup(t, "MQL"); !ok || owner.Name != "Marketing Qualified Lead" {
				t.Fatalf("Term(MQL) = %q, want Marketing Qualified Lead", owner.Name)
			}
			if hist := db.mustHistory(t, cpl.ID); len(hist) != 1 {
				t.Fatalf("TermHistory after a failed update = %d versions, want 1", len(hist))
			}
			if hits := db.mustSearch(t, "changed", 10); len(hits) != 0 {
				t.Fatalf("search finds the failed update: %q", termNames(hits))
			}
		})
	}
}

// A term may swap its name and an alias, or change the case of its name:
// its own keys never conflict with it.
func testUpdateTermOwnKeys(t *testing.T, s *suite) {
	db := s.open(t)
	added := db.mustAdd(t, mqlTerm(), ann)
	swap := added
	swap.Name, swap.Aliases = "MQL", []string{"Marketing Qualified Lead", "M.Q.L."}
	got := db.mustUpdate(t, swap, bob)
	if got.Name != "MQL" || !slices.Equal(got.Aliases, swap.Aliases) {
		t.Fatalf("after the swap: %q %q, want MQL %q", got.Name, got.Aliases, swap.Aliases)
	}
	recase := got
	recase.Name = "mql"
	got = db.mustUpdate(t, recase, bob)
	if got.Name != "mql" {
		t.Fatalf("Name = %q, want mql", got.Name)
	}
	if found, ok := db.lookup(t, "MQL"); !ok || found.Name != "mql" {
		t.Fatalf("Term(MQL) = %q, want mql", found.Name)
	}
}

func testRenameKeepsHistory(t *testing.T, s *suite) {
	db := s.open(t)
	added := db.mustAdd(t, store.Term{Name: "SAL", Definition: "Sales accepted lead"}, ann)
	t1 := Start.Add(time.Hour)
	db.set(t1)
	rename := added
	rename.UpdatedAt = time.Time{}
	rename.Name, rename.Aliases = "Sales Accepted Lead", []string{"SAL"}
	db.mustUpdate(t, rename, bob)
	t2 := t1.Add(time.Hour)
	db.set(t2)
	redefine := rename
	redefine.Definition = "A lead sales agreed to work."
	db.mustUpdate(t, redefine, ann)

	hist := db.mustHistory(t, added.ID)
	type row struct {
		Action, Name, Aliases, Definition, EditedBy, EditedByName string
		EditedAt                                                  time.Time
	}
	var got []row
	for _, r := range hist {
		got = append(got, row{r.Action, r.Value.Name, strings.Join(r.Value.Aliases, ","), r.Value.Definition, r.EditedBy, r.EditedByName, r.EditedAt.UTC()})
	}
	want := []row{
		{"edited", "Sales Accepted Lead", "SAL", "A lead sales agreed to work.", "UANN", "Ann", t2},
		{"edited", "Sales Accepted Lead", "SAL", "Sales accepted lead", "UBOB", "Bob", t1},
		{"created", "SAL", "", "Sales accepted lead", "UANN", "Ann", Start},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("TermHistory =\n%+v\nwant\n%+v", got, want)
	}
	// A revision keeps the content only, not the bookkeeping of the term.
	if v := hist[0].Value; v.ID != 0 || v.CreatedBy != "" || !v.CreatedAt.IsZero() || v.UpdatedBy != "" || !v.UpdatedAt.IsZero() {
		t.Errorf("TermHistory[0].Value = %+v, want only name, aliases, category and definition", v)
	}
	// The renamed term is found by its new name and the old one, now an alias.
	for _, q := range []string{"sales accepted lead", "sal"} {
		if got, ok := db.lookup(t, q); !ok || got.ID != added.ID {
			t.Errorf("Term(%q) = %+v (found %v), want the renamed term", q, got, ok)
		}
	}
}

func testTermHistoryUnknown(t *testing.T, s *suite) {
	db := s.open(t)
	if hist := db.mustHistory(t, 12345); len(hist) != 0 {
		t.Fatalf("TermHistory(unknown) = %d versions, want 0", len(hist))
	}
}

func testDeleteTerm(t *testing.T, s *suite) {
	db := s.open(t)
	mql := db.mustAdd(t, mqlTerm(), ann)
	other := db.mustAdd(t, store.Term{Name: "Lead", Definition: "Someone who might buy; not yet qualified."}, ann)
	edit := mql
	edit.Definition = "A qualified lead, marketing side."
	db.mustUpdate(t, edit, bob)

	if err := db.DeleteTerm(ctx, mql.ID); err != nil {
		t.Fatalf("DeleteTerm: %v", err)
	}
	for _, name := range []string{"Marketing Qualified Lead", "MQL", "M.Q.L."} {
		if _, ok := db.lookup(t, name); ok {
			t.Errorf("Term(%q) found after delete", name)
		}
	}
	if _, err := db.TermByID(ctx, mql.ID); !isNotFound(err) {
		t.Errorf("TermByID after delete err = %v, want ErrNotFound", err)
	}
	keys, err := db.TermKeys(ctx)
	if err != nil || len(keys) != 1 || keys[0].TermID != other.ID {
		t.Errorf("TermKeys after delete = %+v, %v; want only the key of %q", keys, err, other.Name)
	}
	if hist := db.mustHistory(t, mql.ID); len(hist) != 0 {
		t.Errorf("TermHistory after delete = %d versions, want 0", len(hist))
	}
	if hits := db.mustSearch(t, "qualified", 10); len(hits) != 1 || hits[0].ID != other.ID {
		t.Errorf("SearchTerms(qualified) after delete = %q, want only %q", termNames(hits), other.Name)
	}
	if terms := db.mustTerms(t); len(terms) != 1 || terms[0].ID != other.ID {
		t.Errorf("Terms after delete = %q, want only %q", termNames(terms), other.Name)
	}
	if err := db.DeleteTerm(ctx, mql.ID); !isNotFound(err) {
		t.Fatalf("second DeleteTerm err = %v, want ErrNotFound", err)
	}
	// Its names are free again, and the new term has a history of its own.
	again := db.mustAdd(t, store.Term{Name: "MQL", Aliases: []string{"Marketing Qualified Lead"}, Definition: "again"}, bob)
	if hist := db.mustHistory(t, again.ID); len(hist) != 1 {
		t.Fatalf("TermHistory of the re-added term = %d versions, want 1", len(hist))
	}
}

// A backend may hand a deleted term's id to the next new term; nothing of
// the deleted one (history, search index) may show up under the new one.
func testDeleteTermIDReuse(t *testing.T, s *suite) {
	db := s.open(t)
	db.mustAdd(t, store.Term{Name: "Alpha", Definition: "first"}, ann)
	gone := db.mustAdd(t, store.Term{Name: "Bounce rate", Aliases: []string{"Bounces"}, Definition: "Visitors leaving after one page"}, ann)
	edit := gone
	edit.Definition = "Share of visitors leaving after one page"
	db.mustUpdate(t, edit, bob)
	if err := db.DeleteTerm(ctx, gone.ID); err != nil {
		t.Fatalf("DeleteTerm: %v", err)
	}
	fresh := db.mustAdd(t, store.Term{Name: "Churn", Definition: "Customers lost"}, bob)
	hist := db.mustHistory(t, fresh.ID)
	if len(hist) != 1 || hist[0].Value.Name != "Churn" {
		t.Fatalf("TermHistory(new term, id %d; deleted id %d) = %+v, want only its own creation", fresh.ID, gone.ID, hist)
	}
	for _, q := range []string{"visitors", "bounce", "bounces"} {
		if hits := db.mustSearch(t, q, 10); len(hits) != 0 {
			t.Fatalf("SearchTerms(%q) = %q, want nothing", q, termNames(hits))
		}
	}
	if got, err := db.TermByID(ctx, fresh.ID); err != nil || len(got.Aliases) != 0 {
		t.Fatalf("TermByID(new term) = %+v, %v; want no aliases", got, err)
	}
}

func testTermsOrder(t *testing.T, s *suite) {
	db := s.open(t)
	for _, tm := range []store.Term{
		{Name: "zeta", Definition: "d"},
		{Name: "SQL", Category: "funnel", Definition: "d", Aliases: []string{"Sales Qualified Lead"}},
		{Name: "Alpha", Definition: "d"},
		{Name: "CAC", Category: "Finance", Definition: "d"},
		{Name: "mql", Category: "Funnel", Definition: "d", Aliases: []string{"Marketing Qualified Lead", "M.Q.L."}},
		{Name: "arr", Category: "Finance", Definition: "d"},
		{Name: "Beta", Definition: "d"},
	} {
		db.mustAdd(t, tm, ann)
	}
	var got []string
	for _, tm := range db.mustTerms(t) {
		got = append(got, fmt.Sprintf("%s/%s%q", tm.Category, tm.Name, tm.Aliases))
	}
	want := []string{
		`Finance/arr[]`,
		`Finance/CAC[]`,
		`Funnel/mql["Marketing Qualified Lead" "M.Q.L."]`,
		`funnel/SQL["Sales Qualified Lead"]`,
		`/Alpha[]`,
		`/Beta[]`,
		`/zeta[]`,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Terms =\n%q\nwant\n%q", got, want)
	}
}

// Names sort case-insensitively beyond ASCII too: "öffnen" before "Öko".
func testTermsOrderUnicodeCase(t *testing.T, s *suite) {
	db := s.open(t)
	for _, name := range []string{"Öko", "öffnen", "Ärger", "ärgern"} {
		db.mustAdd(t, store.Term{Name: name, Definition: "d"}, ann)
	}
	if got, want := termNames(db.mustTerms(t)), []string{"Ärger", "ärgern", "öffnen", "Öko"}; !slices.Equal(got, want) {
		t.Fatalf("Terms = %q, want %q", got, want)
	}
}

// TermKeys returns every name and alias (in no promised order).
func testTermKeys(t *testing.T, s *suite) {
	db := s.open(t)
	mql := db.mustAdd(t, mqlTerm(), ann)
	cac := db.mustAdd(t, store.Term{Name: "CAC", Definition: "d"}, ann)
	keys, err := db.TermKeys(ctx)
	if err != nil {
		t.Fatalf("TermKeys: %v", err)
	}
	slices.SortFunc(keys, func(a, b store.TermKey) int { return strings.Compare(a.Label, b.Label) })
	want := []store.TermKey{
		{Label: "CAC", TermID: cac.ID, Name: "CAC"},
		{Label: "M.Q.L.", TermID: mql.ID, Name: "Marketing Qualified Lead"},
		{Label: "MQL", TermID: mql.ID, Name: "Marketing Qualified Lead"},
		{Label: "Marketing Qualified Lead", TermID: mql.ID, Name: "Marketing Qualified Lead"},
	}
	if !slices.Equal(keys, want) {
		t.Fatalf("TermKeys =\n%+v\nwant\n%+v", keys, want)
	}
	// After a rename, each key names the term by its new name.
	ren := mql
	ren.Name, ren.Aliases = "MQLs", []string{"MQL"}
	db.mustUpdate(t, ren, ann)
	keys, _ = db.TermKeys(ctx)
	for _, k := range keys {
		if k.TermID == mql.ID && k.Name != "MQLs" {
			t.Errorf("TermKeys after rename: %+v, want Name MQLs", k)
		}
	}
	if len(keys) != 3 {
		t.Errorf("TermKeys after rename = %+v, want 3", keys)
	}
}

func searchFixture(tb testing.TB, s *suite) (*tdb, map[string]int64) {
	tb.Helper()
	db := s.open(tb)
	ids := map[string]int64{}
	for _, tm := range []store.Term{
		{Name: "Marketing Qualified Lead", Aliases: []string{"MQL"}, Definition: "A lead marketing judges ready for sales to contact."},
		{Name: "Sales Accepted Lead", Aliases: []string{"SAL"}, Definition: "A qualified lead that sales agreed to work."},
		{Name: "Pipeline", Definition: "Open opportunities, each with an amount and a stage."},
		{Name: "Churn", Definition: "Customers who leave in a period."},
		{Name: "Cost per Lead", Aliases: []string{"CPL"}, Definition: "Spend divided by new leads."},
	} {
		ids[tm.Name] = db.mustAdd(tb, tm, ann).ID
	}
	return db, ids
}

func testSearchTerms(t *testing.T, s *suite) {
	db, ids := searchFixture(t, s)
	tests := []struct {
		name  string
		query string
		want  []string // in order
	}{
		{"name hit above definition hit", "qualified", []string{"Marketing Qualified Lead", "Sales Accepted Lead"}},
		{"prefix", "qual", []string{"Marketing Qualified Lead", "Sales Accepted Lead"}},
		{"case-insensitive", "QUALIFIED", []string{"Marketing Qualified Lead", "Sales Accepted Lead"}},
		{"words are ANDed", "qualified contact", []string{"Marketing Qualified Lead"}},
		{"ANDed narrows", "qualified agreed", []string{"Sales Accepted Lead"}},
		{"alias", "cpl", []string{"Cost per Lead"}},
		{"definition only", "opportunities", []string{"Pipeline"}},
		{"no match", "zebra", []string{}},
		{"one matching word is not enough", "churn zebra", []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if names := termNames(db.mustSearch(t, tc.query, 10)); !slices.Equal(names, tc.want) {
				t.Fatalf("SearchTerms(%q) = %q, want %q", tc.query, names, tc.want)
			}
		})
	}
	// "lead" is in the names of three terms (and in the definitions of
	// two of them): a limit cuts the list, none returns them all, the
	// best first.
	if got := db.mustSearch(t, "lead", 2); len(got) != 2 {
		t.Fatalf("SearchTerms(lead, 2) = %q, want 2", termNames(got))
	}
	all := db.mustSearch(t, "lead", 0)
	if len(all) != 3 {
		t.Fatalf("SearchTerms(lead, 0) = %q, want 3 terms", termNames(all))
	}
	if top := db.mustSearch(t, "lead", 1); len(top) != 1 || top[0].ID != all[0].ID {
		t.Fatalf("SearchTerms(lead, 1) = %q, want the first of %q", termNames(top), termNames(all))
	}
	for _, tm := range all {
		if tm.ID == ids["Pipeline"] || tm.ID == ids["Churn"] {
			t.Fatalf("SearchTerms(lead) = %q: a term without the word", termNames(all))
		}
	}
	// Full terms come back, with aliases.
	got := db.mustSearch(t, "mql", 10)
	if len(got) != 1 || !slices.Equal(got[0].Aliases, []string{"MQL"}) || got[0].Definition == "" || got[0].CreatedBy != "UANN" {
		t.Fatalf("SearchTerms(mql) = %+v, want the full term with aliases", got)
	}
}

func testSearchNameOutranksDefinition(t *testing.T, s *suite) {
	db := s.open(t)
	// The definition-only hit is added first and mentions the word twice.
	db.mustAdd(t, store.Term{Name: "Nurture", Definition: "Emails that warm a webinar lead; every webinar counts."}, ann)
	db.mustAdd(t, store.Term{Name: "Webinar", Definition: "An online talk."}, ann)
	if names := termNames(db.mustSearch(t, "webinar", 10)); !slices.Equal(names, []string{"Webinar", "Nurture"}) {
		t.Fatalf("SearchTerms(webinar) = %q, want [Webinar Nurture]", names)
	}
}

func testSearchAliasOutranksDefinition(t *testing.T, s *suite) {
	db := s.open(t)
	db.mustAdd(t, store.Term{Name: "Nurture", Definition: "Emails that warm a webinar lead; every webinar counts."}, ann)
	db.mustAdd(t, store.Term{Name: "Online talk", Aliases: []string{"Webinar"}, Definition: "A talk given on line."}, ann)
	if names := termNames(db.mustSearch(t, "webinar", 10)); !slices.Equal(names, []string{"Online talk", "Nurture"}) {
		t.Fatalf("SearchTerms(webinar) = %q, want [Online talk, Nurture]", names)
	}
}

func testSearchUnicode(t *testing.T, s *suite) {
	db := s.open(t)
	db.mustAdd(t, store.Term{Name: "Étude de marché", Definition: "Recherche sur les clients."}, ann)
	db.mustAdd(t, store.Term{Name: "Straße", Definition: "Eine Übersicht der Kanäle."}, ann)
	for q, want := range map[string]string{
		"étude": "Étude de marché", "ÉTUDE": "Étude de marché", "marché": "Étude de marché", "march": "Étude de marché",
		"recherche": "Étude de marché", "übersicht": "Straße", "ÜBERSICHT": "Straße", "kanäle": "Straße",
	} {
		if got := termNames(db.mustSearch(t, q, 10)); !slices.Equal(got, []string{want}) {
			t.Errorf("SearchTerms(%q) = %q, want [%s]", q, got, want)
		}
	}
}

func testSearchInertSyntax(t *testing.T, s *suite) {
	db, _ := searchFixture(t, s)
	tests := []struct {
		query string
		want  int // -1: any count, only no error
	}{
		{`"`, 0},
		{`*`, 0},
		{`OR`, -1},
		{`NEAR`, -1},
		{`-foo`, 0},
		{`lead AND`, -1},
		{`(`, 0},
		{`)`, 0},
		{`lead OR zebra`, 0}, // ANDed words, not an OR query
		{`lead NOT sales`, 0},
		{`"qualified lead"`, 2},
		{`qual*`, 2},
		{`name:pipeline`, 0}, // not a column filter: "name" is not in any term
		{`lead NEAR/2 sales`, 0},
		{`^lead`, 3},
		{`'; DROP TABLE terms; --`, 0},
		{`lead -sales`, 2}, // a minus is not NOT: both words must match
		{`lead & | ! : < > sales`, 2},
		{`\`, 0},
		{strings.Repeat("a", 5000), 0},
		{strings.Repeat("lead ", 1000), 3},
		{strings.Repeat(`"(* `, 1500), 0},
	}
	for _, tc := range tests {
		name := tc.query
		if len(name) > 30 {
			name = name[:30] + "…"
		}
		t.Run(name, func(t *testing.T) {
			got, err := db.SearchTerms(ctx, tc.query, 10)
			if err != nil {
				t.Fatalf("SearchTerms(%q) err = %v, want nil", name, err)
			}
			if tc.want >= 0 && len(got) != tc.want {
				t.Fatalf("SearchTerms(%q) = %q, want %d results", name, termNames(got), tc.want)
			}
		})
	}
	if terms := db.mustTerms(t); len(terms) != 5 {
		t.Fatalf("Terms after odd searches = %d, want 5", len(terms))
	}
}

func testSearchEmpty(t *testing.T, s *suite) {
	db, _ := searchFixture(t, s)
	for _, q := range []string{"", "   ", "!!!", "- * ( ) \" '", "…"} {
		got, err := db.SearchTerms(ctx, q, 10)
		if len(got) != 0 || err != nil {
			t.Fatalf("SearchTerms(%q) = %q, %v; want nothing", q, termNames(got), err)
		}
	}
}

func testSearchAfterUpdate(t *testing.T, s *suite) {
	db := s.open(t)
	added := db.mustAdd(t, store.Term{Name: "Pipeline", Aliases: []string{"Funnel"}, Definition: "Open opportunities"}, ann)
	change := added
	change.Definition = "Deals in progress"
	change.Aliases = []string{"Deal flow"}
	db.mustUpdate(t, change, bob)
	for _, q := range []string{"opportunities", "funnel"} {
		if got := db.mustSearch(t, q, 10); len(got) != 0 {
			t.Fatalf("SearchTerms(%q) after update = %q, want nothing", q, termNames(got))
		}
	}
	for _, q := range []string{"deals", "progress", "flow", "pipeline"} {
		if got := db.mustSearch(t, q, 10); len(got) != 1 || got[0].ID != added.ID || got[0].Definition != change.Definition {
			t.Fatalf("SearchTerms(%q) after update = %+v, want the updated Pipeline", q, got)
		}
	}
	// A rename too.
	ren := change
	ren.Name = "Sales funnel"
	db.mustUpdate(t, ren, bob)
	if got := db.mustSearch(t, "pipeline", 10); len(got) != 0 {
		t.Fatalf("SearchTerms(pipeline) after rename = %q, want nothing", termNames(got))
	}
	if got := db.mustSearch(t, "sales", 10); len(got) != 1 {
		t.Fatalf("SearchTerms(sales) after rename = %q, want the term", termNames(got))
	}
}

func testAddTermConcurrentDistinct(t *testing.T, s *suite) {
	db := s.open(t)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = db.AddTerm(ctx, store.Term{
				Name:       fmt.Sprintf("Term %d", i),
				Aliases:    []string{fmt.Sprintf("T%d", i)},
				Definition: fmt.Sprintf("Definition number %d", i),
			}, store.Actor{ID: fmt.Sprintf("U%d", i)})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("AddTerm(Term %d) err = %v, want nil", i, err)
		}
	}
	if terms := db.mustTerms(t); len(terms) != n {
		t.Fatalf("Terms = %d terms, want %d", len(terms), n)
	}
	for i := range n {
		if got, ok := db.lookup(t, fmt.Sprintf("t%d", i)); !ok || got.Name != fmt.Sprintf("Term %d", i) {
			t.Fatalf("Term(t%d) = %q (found %v); want Term %d", i, got.Name, ok, i)
		}
	}
	if hits := db.mustSearch(t, "definition", 0); len(hits) != n {
		t.Fatalf("SearchTerms(definition) = %d hits, want %d", len(hits), n)
	}
}

func testAddTermConcurrentSameName(t *testing.T, s *suite) {
	db := s.open(t)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = db.AddTerm(ctx, store.Term{Name: "MQL", Definition: fmt.Sprintf("version %d", i)},
				store.Actor{ID: fmt.Sprintf("U%d", i)})
		})
	}
	wg.Wait()
	ok, conflicts := 0, 0
	for i, err := range errs {
		var ce *store.ConflictError
		switch {
		case err == nil:
			ok++
		case errors.As(err, &ce):
			conflicts++
			if ce.Key != "MQL" || ce.Owner != "MQL" {
				t.Errorf("goroutine %d: ConflictError = %+v, want Key and Owner MQL", i, *ce)
			}
		default:
			t.Errorf("goroutine %d: AddTerm err = %v, want nil or a *ConflictError", i, err)
		}
	}
	if ok != 1 || conflicts != n-1 {
		t.Fatalf("successes, conflicts = %d, %d; want 1, %d", ok, conflicts, n-1)
	}
	terms := db.mustTerms(t)
	if len(terms) != 1 {
		t.Fatalf("Terms = %d terms, want 1", len(terms))
	}
	if hist := db.mustHistory(t, terms[0].ID); len(hist) != 1 {
		t.Fatalf("TermHistory = %d versions, want 1", len(hist))
	}
}
