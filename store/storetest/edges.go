package storetest

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"smarketing/store"
)

var edgeTests = []subtest{
	{"UnicodeNames", testUnicodeNames},
	{"EmptyStrings", testEmptyStrings},
	{"LongText", testLongText},
	{"QuotesAndSQL", testQuotesAndSQL},
}

func testUnicodeNames(t *testing.T, s *suite) {
	db := s.open(t)
	names := []string{"日本語の用語", "🚀 Launch", "עברית", "Ελληνικά", "ﬁnance", "Zürich — Straße", "e\u0301tude"}
	ids := map[string]int64{}
	for _, n := range names {
		ids[n] = db.mustAdd(t, store.Term{Name: n, Aliases: []string{n + " alias"}, Category: "Ünïcode", Definition: "Ⓓefinition of " + n}, ann).ID
		db.mustAddPersona(t, store.Persona{Name: n, Summary: n}, ann)
	}
	for _, n := range names {
		for _, q := range []string{n, strings.ToUpper(n), strings.ToLower(n) + " alias"} {
			if got, ok := db.lookup(t, q); !ok || got.ID != ids[n] || got.Name != n {
				t.Errorf("Term(%q) = %+v (found %v), want %q as written", q, got, ok, n)
			}
		}
		if p, err := db.Persona(ctx, strings.ToUpper(n)); err != nil || p.Name != n || p.Summary != n {
			t.Errorf("Persona(%q) = %+v, %v", strings.ToUpper(n), p, err)
		}
	}
	// Composed and decomposed forms are different names (no normalisation).
	if _, ok := db.lookup(t, "étude"); ok {
		t.Errorf("Term(étude, composed) found the decomposed e\u0301tude")
	}
	if got := db.mustSearch(t, "日本語の用語", 10); len(got) != 1 {
		t.Errorf("SearchTerms(日本語の用語) = %q, want the term", termNames(got))
	}
	if got := db.mustSearch(t, "launch", 10); len(got) != 1 || got[0].Name != "🚀 Launch" {
		t.Errorf("SearchTerms(launch) = %q, want the rocket", termNames(got))
	}
	rec := db.mustExport(t)
	dst := s.open(t)
	dst.mustImport(t, rec)
	if got, want := jsonOf(t, dst.mustExport(t)), jsonOf(t, rec); got != want {
		t.Errorf("unicode round trip:\n%s\nwant\n%s", got, want)
	}
}

// Empty fields are kept as empty, never confused with absent records.
func testEmptyStrings(t *testing.T, s *suite) {
	db := s.open(t)
	tm := db.mustAdd(t, store.Term{Name: "Bare", Aliases: []string{}}, store.Actor{})
	if tm.Definition != "" || tm.Category != "" || len(tm.Aliases) != 0 || tm.CreatedBy != "" || tm.CreatedByName != "" {
		t.Errorf("bare term = %+v", tm)
	}
	if got, ok := db.lookup(t, "bare"); !ok || !reflect.DeepEqual(got, tm) {
		t.Errorf("Term(bare) = %+v, %v; want %+v", got, ok, tm)
	}
	p := db.mustAddPersona(t, store.Persona{Name: "Nobody"}, store.Actor{ID: "U1"})
	if !reflect.DeepEqual(p.Content(), store.Persona{Name: "Nobody"}) || p.CreatedBy != "U1" || p.CreatedByName != "" {
		t.Errorf("bare persona = %+v", p)
	}
	db.mustLead(t, "CL", tsAt(Start, 1), "")
	if l := db.leadOf(t, "CL", tsAt(Start, 1)); l.Text != "" || l.PostedBy != "UMKT" {
		t.Errorf("lead without text = %+v", l)
	}
	posted, _ := store.TSTime(tsAt(Start, 2))
	db.mustRecord(t, store.Event{Lead: &store.Lead{Channel: "CL", TS: tsAt(Start, 2), PostedAt: posted}})
	if l := db.leadOf(t, "CL", tsAt(Start, 2)); l.PostedBy != "" {
		t.Errorf("lead without author = %+v", l)
	}
	m := db.mustAddMeeting(t, "Sync", "@daily", "C1")
	if it := db.mustAddItem(t, m.ID, "", store.Actor{}); it.Text != "" {
		t.Errorf("empty agenda item = %+v", it)
	}
	if err := db.SetMetric(ctx, store.Metric{Name: "m", Week: store.ISOWeek{Year: 2026, Week: 1}, Value: 0}); err != nil {
		t.Fatal(err)
	}
	if all, _ := db.AllMetrics(ctx); len(all) != 1 || all[0].Value != 0 || all[0].Unit != "" || all[0].SetBy != "" {
		t.Errorf("zero metric = %+v", all)
	}
	// An empty search, a reason set to empty, an empty Changes: no errors.
	r := db.mustReact(t, "r", store.Reaction{Channel: "CL", TS: tsAt(Start, 1), User: "U1", Emoji: "-1", Rating: store.Poor, Added: true, At: Start})
	if err := db.SetReason(ctx, r.LeadID, "U1", ""); err != nil {
		t.Errorf("SetReason(empty) = %v", err)
	}
	// Imported by nobody, so that no author fills the empty ones.
	rec := db.mustExport(t)
	dst := s.open(t)
	if _, err := dst.Import(ctx, rec, store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, want := jsonOf(t, dst.mustExport(t)), jsonOf(t, rec); got != want {
		t.Errorf("round trip of empty fields:\n%s\nwant\n%s", got, want)
	}
}

// Very long text is stored and read back whole, and searched.
func testLongText(t *testing.T, s *suite) {
	db := s.open(t)
	long := strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", 2000) + "needle"
	name := strings.Repeat("N", 1000)
	tm := db.mustAdd(t, store.Term{Name: name, Aliases: []string{strings.Repeat("a", 500)}, Definition: long}, ann)
	got, ok := db.lookup(t, strings.ToLower(name))
	if !ok || got.Definition != long || got.Name != name {
		t.Fatalf("long term: found %v, definition %d bytes, want %d", ok, len(got.Definition), len(long))
	}
	if hits := db.mustSearch(t, "needle", 10); len(hits) != 1 || hits[0].ID != tm.ID {
		t.Fatalf("SearchTerms(needle) = %d hits, want the long term", len(hits))
	}
	h := db.mustHistory(t, tm.ID)
	if len(h) != 1 || h[0].Value.Definition != long {
		t.Fatalf("history of the long term is not whole")
	}
	p := db.mustAddPersona(t, store.Persona{Name: "Long", Summary: long, Questions: long}, ann)
	if back, _ := db.PersonaByID(ctx, p.ID); back.Summary != long || back.Questions != long {
		t.Fatal("long persona fields not kept whole")
	}
	db.mustLead(t, "CL", tsAt(Start, 1), long)
	if l := db.leadOf(t, "CL", tsAt(Start, 1)); l.Text != long {
		t.Fatal("long lead text not kept whole")
	}
	m := db.mustAddMeeting(t, strings.Repeat("T", 2000), "@daily", "C1")
	if it := db.mustAddItem(t, m.ID, long, ann); it.Text != long {
		t.Fatal("long agenda item not returned whole")
	}
	if items, _ := db.Agenda(ctx, m.ID); len(items) != 1 || items[0].Text != long {
		t.Fatal("long agenda item not kept whole")
	}
	rec := db.mustExport(t)
	dst := s.openAt(t, Start.Add(time.Hour))
	dst.mustImport(t, rec)
	if a, b := jsonOf(t, dst.mustExport(t)), jsonOf(t, rec); a != b {
		t.Fatalf("round trip of long text differs (%d vs %d bytes)", len(a), len(b))
	}
}

// Text that looks like SQL or holds quotes is only text.
func testQuotesAndSQL(t *testing.T, s *suite) {
	db := s.open(t)
	names := []string{`Robert'); DROP TABLE terms;--`, `"quoted"`, `back\slash`, `50% off_sale`, `a' OR '1'='1`, "tab\there"}
	for _, n := range names {
		db.mustAdd(t, store.Term{Name: n, Definition: n}, ann)
		db.mustAddPersona(t, store.Persona{Name: n, Goals: n}, ann)
	}
	for _, n := range names {
		if got, ok := db.lookup(t, n); !ok || got.Name != n || got.Definition != n {
			t.Errorf("Term(%q) = %+v, %v", n, got, ok)
		}
		if p, err := db.Persona(ctx, n); err != nil || p.Goals != n {
			t.Errorf("Persona(%q) = %+v, %v", n, p, err)
		}
	}
	if terms := db.mustTerms(t); len(terms) != len(names) {
		t.Fatalf("Terms = %q, want %d", termNames(terms), len(names))
	}
	if _, ok := db.lookup(t, `50x off_sale`); ok {
		t.Fatal("a % in a name matched like a wildcard")
	}
	if _, err := db.Persona(ctx, `50% offxsale`); !isNotFound(err) {
		t.Fatalf("Persona with _ as a wildcard: %v, want ErrNotFound", err)
	}
}
