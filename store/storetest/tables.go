package storetest

import (
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"smarketing/store"
)

var tablesTests = []subtest{
	{"NewStoreIsEmpty", testNewStoreIsEmpty},
	{"ReadTables", testReadTables},
	{"CopyReproducesExport", testCopyReproducesExport},
	{"CopyRebuildsDerived", testCopyRebuildsDerived},
	{"CopyRefusesNonEmpty", testCopyRefusesNonEmpty},
	{"CopyFromSQLite", testCopyFromSQLite},
	{"CopyToSQLite", testCopyToSQLite},
}

func schemaTable(tb testing.TB, name string) store.Table {
	tb.Helper()
	for _, t := range store.Schema() {
		if t.Name == name {
			return t
		}
	}
	tb.Fatalf("no table %q in store.Schema()", name)
	return store.Table{}
}

func (db *tdb) countRows(tb testing.TB, table string) int64 {
	tb.Helper()
	n, err := db.CountRows(ctx, schemaTable(tb, table))
	if err != nil {
		tb.Fatalf("CountRows(%s): %v", table, err)
	}
	return n
}

func (db *tdb) allCounts(tb testing.TB) []int64 {
	tb.Helper()
	var out []int64
	for _, t := range store.Schema() {
		out = append(out, db.countRows(tb, t.Name))
	}
	return out
}

func testNewStoreIsEmpty(t *testing.T, s *suite) {
	db := s.open(t)
	for i, n := range db.allCounts(t) {
		if n != 0 {
			t.Errorf("a new store's %s holds %d rows, want 0", store.Schema()[i].Name, n)
		}
	}
}

// ReadTables sends every row of each table, table by table in order, with
// values of the Go types the columns' kinds promise.
func testReadTables(t *testing.T, s *suite) {
	db := s.open(t)
	seed(t, db)
	tables := store.Schema()
	index := map[*store.Table]int{}
	for i := range tables {
		index[&tables[i]] = i
	}
	counts := make([]int64, len(tables))
	last := 0
	err := db.ReadTables(ctx, tables, func(r store.Row) error {
		i, ok := index[r.Table]
		if !ok {
			t.Fatalf("row of table %p %+v: not one of the tables passed", r.Table, r.Table)
		}
		if i < last {
			t.Fatalf("row of %s after rows of %s: want the tables in order", tables[i].Name, tables[last].Name)
		}
		last = i
		counts[i]++
		if len(r.Values) != len(r.Table.Columns) {
			t.Fatalf("%s row has %d values, want %d", r.Table.Name, len(r.Values), len(r.Table.Columns))
		}
		for j, c := range r.Table.Columns {
			var ok bool
			switch c.Kind {
			case store.Int:
				_, ok = r.Values[j].(int64)
			case store.NullInt:
				_, ok = r.Values[j].(*int64)
			case store.Text:
				_, ok = r.Values[j].(string)
			case store.Real:
				_, ok = r.Values[j].(float64)
			case store.Bool:
				_, ok = r.Values[j].(bool)
			}
			if !ok {
				t.Fatalf("%s.%s = %#v (%T), not of kind %d", r.Table.Name, c.Name, r.Values[j], r.Values[j], c.Kind)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("ReadTables: %v", err)
	}
	if want := db.allCounts(t); !slices.Equal(counts, want) {
		t.Fatalf("rows read per table = %v, CountRows = %v", counts, want)
	}
	for _, name := range []string{"terms", "term_keys", "personas", "insights", "revisions", "signoffs", "leads", "lead_reactions", "feedback",
		"seen_events", "failed_events", "metrics", "sla_targets", "meetings", "meeting_agenda", "claims", "term_gaps", "gap_requests"} {
		if counts[slices.IndexFunc(tables, func(t store.Table) bool { return t.Name == name })] == 0 {
			t.Errorf("the seeded store has no rows in %s: the seed misses something", name)
		}
	}
	// An error from fn ends the read and is returned.
	stop := errors.New("stop")
	if err := db.ReadTables(ctx, tables, func(store.Row) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("ReadTables with a failing fn = %v, want its error", err)
	}
}

// checkCopy copies src into dst, which must be empty, and checks that dst
// then holds what src does.
func checkCopy(t *testing.T, src, dst *tdb) {
	t.Helper()
	rep, err := store.Copy(ctx, src, dst)
	if err != nil {
		t.Fatalf("Copy: %v", err)
	}
	want := src.allCounts(t)
	if !slices.Equal(rep.Rows, want) || len(rep.Tables) != len(store.Schema()) || rep.Tables[0] != "terms" {
		t.Fatalf("CopyReport = %+v, want the source's counts %v", rep, want)
	}
	if got := dst.allCounts(t); !slices.Equal(got, want) {
		t.Fatalf("destination counts = %v, want %v", got, want)
	}
	if got, want := jsonOf(t, dst.mustExport(t)), jsonOf(t, src.mustExport(t)); got != want {
		t.Fatalf("Export after Copy:\n%s\nwant\n%s", got, want)
	}
	// What the export leaves out came too: history, changes, claims, the
	// events seen, the unverified leads.
	for _, tm := range src.mustTerms(t) {
		if got, want := dst.mustHistory(t, tm.ID), src.mustHistory(t, tm.ID); !reflect.DeepEqual(got, want) {
			t.Errorf("TermHistory(%d) after Copy = %+v, want %+v", tm.ID, got, want)
		}
		if got, err := dst.TermByID(ctx, tm.ID); err != nil || !reflect.DeepEqual(got, tm) {
			t.Errorf("TermByID(%d) after Copy = %+v, %v; want %+v", tm.ID, got, err, tm)
		}
	}
	if got, want := dst.mustPersonas(t), src.mustPersonas(t); !reflect.DeepEqual(got, want) {
		t.Errorf("Personas after Copy = %+v, want %+v", got, want)
	}
	for _, p := range src.mustPersonas(t) {
		got, _ := dst.PersonaHistory(ctx, p.ID)
		want, _ := src.PersonaHistory(ctx, p.ID)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("PersonaHistory(%d) after Copy = %+v, want %+v", p.ID, got, want)
		}
	}
	period := [2]time.Time{Start.Add(-time.Hour), Start.Add(24 * time.Hour)}
	gotC, _ := dst.Changes(ctx, period[0], period[1])
	wantC, _ := src.Changes(ctx, period[0], period[1])
	if !reflect.DeepEqual(gotC, wantC) {
		t.Errorf("Changes after Copy = %+v, want %+v", gotC, wantC)
	}
	// Sign-offs came with their ids, sides and agreed_at: the same reviews
	// fall due.
	later := Start.Add(store.DefaultReviewEvery + time.Hour)
	gotD, _ := dst.DueReviews(ctx, later, store.DefaultReviewEvery, 10)
	wantD, _ := src.DueReviews(ctx, later, store.DefaultReviewEvery, 10)
	if !reflect.DeepEqual(gotD, wantD) || (len(wantD) == 0 && src.countRows(t, "signoffs") > 0) {
		t.Errorf("DueReviews after Copy = %+v, want %+v", gotD, wantD)
	}
	gotU, _ := dst.UnverifiedLeads(ctx)
	wantU, _ := src.UnverifiedLeads(ctx)
	if len(gotU) != len(wantU) || len(gotU) == 0 || gotU[0].TS != wantU[0].TS {
		t.Errorf("UnverifiedLeads after Copy = %+v, want %+v", gotU, wantU)
	}
	gotS := dst.mustStats(t, period[0], period[1], time.Hour, period[1])
	wantS := src.mustStats(t, period[0], period[1], time.Hour, period[1])
	if !reflect.DeepEqual(gotS, wantS) {
		t.Errorf("LeadStats after Copy = %+v, want %+v", gotS, wantS)
	}
	// The insights came with their ids and the names of who shared them
	// (not exported).
	gotI, _, _ := dst.Insights(ctx, store.InsightFilter{})
	wantI, _, _ := src.Insights(ctx, store.InsightFilter{})
	if !reflect.DeepEqual(gotI, wantI) || len(wantI) == 0 || wantI[0].ByName == "" {
		t.Errorf("Insights after Copy = %+v, want %+v", gotI, wantI)
	}
	// The commitments came with the names of who set them (not exported).
	gotH, _ := dst.SLAHistory(ctx)
	wantH, _ := src.SLAHistory(ctx)
	if !reflect.DeepEqual(gotH, wantH) || len(wantH) == 0 || wantH[0].SetByName == "" {
		t.Errorf("SLAHistory after Copy = %+v, want %+v", gotH, wantH)
	}
	gotB := dst.mustStatsBy(t, store.BySource, period[0], period[1], store.SLA{Within: time.Hour}, period[1])
	wantB := src.mustStatsBy(t, store.BySource, period[0], period[1], store.SLA{Within: time.Hour}, period[1])
	if !reflect.DeepEqual(gotB, wantB) || len(wantB) == 0 || wantB[0].Value != "Webinar" {
		t.Errorf("LeadStatsBy after Copy = %+v, want %+v", gotB, wantB)
	}
}

func testCopyReproducesExport(t *testing.T, s *suite) {
	src := s.open(t)
	held := seed(t, src)
	dst := s.open(t)
	checkCopy(t, src, dst)
	// Claims keep their state: done stays done, held stays held by its owner.
	if c, ok := dst.mustClaim(t, store.RecapKey(Start), "bot-9"); ok || c.State != store.ClaimDone {
		t.Errorf("done claim after Copy = %+v, %v; want done", c, ok)
	}
	if c, ok := dst.mustClaim(t, held, "bot-9"); ok || c.Owner != "bot-2" || c.State != store.ClaimHeld {
		t.Errorf("held claim after Copy = %+v, %v; want held by bot-2", c, ok)
	}
	// The events applied before stay applied: a redelivery changes nothing.
	for _, id := range []string{"ev1", "ev4"} {
		r := store.Reaction{Channel: "CL", TS: tsAt(Start, 1), User: "UZED", Emoji: "+1", Rating: store.Good, Added: true, At: Start}
		if res := dst.mustRecord(t, store.Event{ID: id, React: &r}); res.Applied {
			t.Errorf("event %s redelivered after Copy was applied", id)
		}
	}
}

// The destination rebuilds what derives from the rows: lookups, search,
// ids for new records.
func testCopyRebuildsDerived(t *testing.T, s *suite) {
	src := s.open(t)
	seed(t, src)
	dst := s.open(t)
	// Looked up before the copy: a miss the glossary copy must forget.
	if _, ok := dst.lookup(t, "MQL"); ok {
		t.Fatal("MQL in an empty store")
	}
	if _, err := store.Copy(ctx, src, dst); err != nil {
		t.Fatalf("Copy: %v", err)
	}
	mql, ok := dst.lookup(t, "m.q.l.")
	if !ok || mql.Definition != "Edited." {
		t.Fatalf("Term(m.q.l.) after Copy = %+v, %v", mql, ok)
	}
	if hits := dst.mustSearch(t, "customers", 10); len(hits) != 1 || hits[0].Name != "Churn" {
		t.Fatalf("SearchTerms(customers) after Copy = %q, want [Churn]", termNames(hits))
	}
	if hits := dst.mustSearch(t, "mql", 10); len(hits) != 1 {
		t.Fatalf("SearchTerms(mql) after Copy = %q: aliases not indexed", termNames(hits))
	}
	// New records get new ids, past the copied ones (an id the source
	// has was copied, and is taken).
	added := dst.mustAdd(t, store.Term{Name: "New", Definition: "after the copy"}, ann)
	if _, err := src.TermByID(ctx, added.ID); err == nil {
		t.Fatalf("AddTerm after Copy got id %d, a copied term's", added.ID)
	}
	if h := dst.mustHistory(t, added.ID); len(h) != 1 {
		t.Fatalf("history of the new term = %+v, want its creation only", h)
	}
	if hits := dst.mustSearch(t, "after copy", 10); len(hits) != 1 {
		t.Fatalf("SearchTerms of the new term = %q", termNames(hits))
	}
	p := dst.mustAddPersona(t, store.Persona{Name: "New persona"}, ann)
	if _, err := src.PersonaByID(ctx, p.ID); err == nil {
		t.Fatalf("AddPersona after Copy got id %d, a copied persona's", p.ID)
	}
	m := dst.mustAddMeeting(t, "New", "@daily", "C9")
	if _, err := src.Meeting(ctx, m.ID); err == nil {
		t.Fatalf("AddMeeting after Copy got id %d, a copied meeting's", m.ID)
	}
	ms, _ := src.Meetings(ctx)
	it := dst.mustAddItem(t, ms[0].ID, "new item", ann)
	if items, _ := dst.Agenda(ctx, ms[0].ID); len(items) != 2 || items[1].ID != it.ID {
		t.Fatalf("agenda after adding to a copied meeting = %+v", items)
	}
	in, err := dst.AddInsight(ctx, store.Insight{Text: "after the copy"}, ann)
	if err != nil {
		t.Fatalf("AddInsight after Copy: %v", err)
	}
	if got, _, _ := src.Insights(ctx, store.InsightFilter{}); slices.ContainsFunc(got, func(c store.Insight) bool { return c.ID == in.ID }) {
		t.Fatalf("AddInsight after Copy got id %d, a copied insight's", in.ID)
	}
	ts := tsAt(Start, 77)
	dst.mustLead(t, "CL", ts, "after the copy")
	if _, err := dst.SetSLATarget(ctx, store.SLATarget{Name: store.SLAWithin, Target: 90, SetBy: ann.ID}); err != nil {
		t.Fatalf("SetSLATarget after Copy: %v", err)
	}
	if l := dst.leadOf(t, "CL", ts); l.ID == 0 {
		t.Fatal("no id for a new lead")
	} else if _, err := src.LeadByID(ctx, l.ID); err == nil {
		t.Fatalf("a new lead after Copy got id %d, a copied lead's", l.ID)
	}
	// And new revisions: an edit of a copied term is its newest version.
	mql.Definition, mql.UpdatedAt = "Edited after the copy.", time.Time{}
	dst.mustUpdate(t, mql, ann)
	if h := dst.mustHistory(t, mql.ID); len(h) != 3 || h[0].Value.Definition != mql.Definition {
		t.Fatalf("history after an edit in the destination = %+v", h)
	}
}

func testCopyRefusesNonEmpty(t *testing.T, s *suite) {
	tests := []struct {
		name string
		fill func(t *testing.T, db *tdb)
	}{
		{"a term", func(t *testing.T, db *tdb) { db.mustAdd(t, store.Term{Name: "Mine", Definition: "d"}, ann) }},
		{"a metric", func(t *testing.T, db *tdb) {
			if err := db.SetMetric(ctx, store.Metric{Name: "m", Week: store.ISOWeek{Year: 2026, Week: 1}, Value: 1}); err != nil {
				t.Fatal(err)
			}
		}},
		{"a claim", func(t *testing.T, db *tdb) { db.mustClaim(t, "k", "me") }},
		{"only an event seen", func(t *testing.T, db *tdb) {
			db.mustRecord(t, store.Event{ID: "only", Edit: &store.LeadEdit{Channel: "C", TS: "1.0", Text: "x"}})
		}},
	}
	src := s.open(t)
	seed(t, src)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := s.open(t)
			tc.fill(t, dst)
			before, counts := jsonOf(t, dst.mustExport(t)), dst.allCounts(t)
			if _, err := store.Copy(ctx, src, dst); !errors.Is(err, store.ErrNotEmpty) {
				t.Fatalf("Copy into a store with %s = %v, want ErrNotEmpty", tc.name, err)
			}
			if after := jsonOf(t, dst.mustExport(t)); after != before {
				t.Fatalf("a refused Copy changed the destination:\n%s\nwas\n%s", after, before)
			}
			if got := dst.allCounts(t); !slices.Equal(got, counts) {
				t.Fatalf("a refused Copy changed the counts: %v, was %v", got, counts)
			}
		})
	}
}

// sqliteStore opens a SQLite store in a temporary directory, the other
// end of a move between backends.
func (s *suite) sqliteStore(tb testing.TB) *tdb {
	tb.Helper()
	return openWith(tb, store.Open, filepath.Join(tb.TempDir(), "other.db"), Start)
}

func testCopyFromSQLite(t *testing.T, s *suite) {
	src := s.sqliteStore(t)
	seed(t, src)
	checkCopy(t, src, s.open(t))
}

func testCopyToSQLite(t *testing.T, s *suite) {
	src := s.open(t)
	seed(t, src)
	checkCopy(t, src, s.sqliteStore(t))
}
