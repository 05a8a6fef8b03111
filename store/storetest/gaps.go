package storetest

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"smarketing/store"
)

var gapTests = []subtest{
	{"Count", testGapCount},
	{"Window", testGapWindow},
	{"ExistsNow", testGapExistsNow},
	{"Limit", testGapLimit},
	{"RequestOncePerUser", testGapRequestOnce},
	{"TakeOnAdd", testGapTakeOnAdd},
	{"TakeOnAlias", testGapTakeOnAlias},
	{"TakeOnImport", testGapTakeOnImport},
	{"TakeTwoInstances", testGapTakeTwoInstances},
}

func (db *tdb) mustCount(tb testing.TB, key, day string, times int) {
	tb.Helper()
	for range times {
		if err := db.CountGap(ctx, key, day); err != nil {
			tb.Fatalf("CountGap(%q, %s): %v", key, day, err)
		}
	}
}

func (db *tdb) mustGaps(tb testing.TB, from, to string, limit int) ([]store.Gap, int) {
	tb.Helper()
	gaps, total, err := db.Gaps(ctx, from, to, limit)
	if err != nil {
		tb.Fatalf("Gaps(%s, %s, %d): %v", from, to, limit, err)
	}
	return gaps, total
}

func (db *tdb) mustRequest(tb testing.TB, key, user string) bool {
	tb.Helper()
	added, err := db.RequestDefinition(ctx, key, user)
	if err != nil {
		tb.Fatalf("RequestDefinition(%q, %q): %v", key, user, err)
	}
	return added
}

func (db *tdb) mustTake(tb testing.TB) []store.DefinitionRequest {
	tb.Helper()
	reqs, err := db.TakeAnswered(ctx)
	if err != nil {
		tb.Fatalf("TakeAnswered: %v", err)
	}
	return reqs
}

func gap(key string, asked int64) store.Gap { return store.Gap{Key: key, Asked: asked} }

// pairs is what requests name: key and user.
func pairs(reqs []store.DefinitionRequest) [][2]string {
	var out [][2]string
	for _, r := range reqs {
		out = append(out, [2]string{r.Key, r.User})
	}
	return out
}

// Counts add up per key over the days asked about, most asked first, ties
// by key.
func testGapCount(t *testing.T, s *suite) {
	db := s.open(t)
	db.mustCount(t, "mql", "2026-11-20", 2)
	db.mustCount(t, "mql", "2026-11-21", 1)
	db.mustCount(t, "sal", "2026-11-21", 3)
	db.mustCount(t, "icp", "2026-11-21", 1)
	db.mustCount(t, "ärger", "2026-11-21", 1)
	gaps, total := db.mustGaps(t, "2026-11-01", "2026-11-30", -1)
	want := []store.Gap{gap("mql", 3), gap("sal", 3), gap("icp", 1), gap("ärger", 1)}
	if !reflect.DeepEqual(gaps, want) || total != 4 {
		t.Fatalf("Gaps = %v, %d; want %v, 4", gaps, total, want)
	}
	// An empty or unstorable key names nothing and is not counted.
	if err := db.CountGap(ctx, "", "2026-11-21"); err != nil {
		t.Fatalf("CountGap of an empty key: %v", err)
	}
	if err := db.CountGap(ctx, "a\x00b", "2026-11-21"); err != nil {
		t.Fatalf("CountGap of a NUL: %v", err)
	}
	if err := db.CountGap(ctx, "mql", "21 Nov"); err == nil {
		t.Fatal("CountGap with a malformed day: no error")
	}
	if _, total := db.mustGaps(t, "2026-11-01", "2026-11-30", -1); total != 4 {
		t.Fatalf("Gaps total after empty keys = %d, want 4", total)
	}
}

// Only the days from..to count, both included.
func testGapWindow(t *testing.T, s *suite) {
	db := s.open(t)
	db.mustCount(t, "old", "2026-10-24", 5) // the day before the window
	db.mustCount(t, "first", "2026-10-25", 1)
	db.mustCount(t, "last", "2026-11-23", 2)
	db.mustCount(t, "later", "2026-11-24", 9)
	db.mustCount(t, "first", "2026-11-24", 9)
	gaps, total := db.mustGaps(t, "2026-10-25", "2026-11-23", 10)
	want := []store.Gap{gap("last", 2), gap("first", 1)}
	if !reflect.DeepEqual(gaps, want) || total != 2 {
		t.Fatalf("Gaps = %v, %d; want %v, 2", gaps, total, want)
	}
	// Counts far older than the window are dropped when a new day is counted.
	db.mustCount(t, "ancient", "2026-01-01", 1)
	db.mustCount(t, "new", "2026-11-24", 1)
	if gaps, _ := db.mustGaps(t, "2025-01-01", "2026-06-01", -1); len(gaps) != 0 {
		t.Fatalf("Gaps of a long-gone day = %v, want none (pruned)", gaps)
	}
}

// A key that names a term now (a name or an alias, added since) is left
// out, and comes back if the term is deleted.
func testGapExistsNow(t *testing.T, s *suite) {
	db := s.open(t)
	for _, k := range []string{"mql", "marketing qualified lead", "sal"} {
		db.mustCount(t, k, "2026-11-21", 1)
	}
	tm := db.mustAdd(t, store.Term{Name: "Marketing Qualified Lead", Aliases: []string{"MQL"}, Definition: "d"}, ann)
	gaps, total := db.mustGaps(t, "2026-11-01", "2026-11-30", -1)
	if want := []store.Gap{gap("sal", 1)}; !reflect.DeepEqual(gaps, want) || total != 1 {
		t.Fatalf("Gaps = %v, %d; want %v, 1", gaps, total, want)
	}
	if err := db.DeleteTerm(ctx, tm.ID); err != nil {
		t.Fatal(err)
	}
	if _, total := db.mustGaps(t, "2026-11-01", "2026-11-30", -1); total != 3 {
		t.Fatalf("Gaps total after the term was deleted = %d, want 3", total)
	}
}

// A limit returns the first ones; the total counts them all.
func testGapLimit(t *testing.T, s *suite) {
	db := s.open(t)
	db.mustCount(t, "a", "2026-11-21", 1)
	db.mustCount(t, "b", "2026-11-21", 3)
	db.mustCount(t, "c", "2026-11-21", 2)
	gaps, total := db.mustGaps(t, "2026-11-21", "2026-11-21", 2)
	if want := []store.Gap{gap("b", 3), gap("c", 2)}; !reflect.DeepEqual(gaps, want) || total != 3 {
		t.Fatalf("Gaps(limit 2) = %v, %d; want %v, 3", gaps, total, want)
	}
	if gaps, total := db.mustGaps(t, "2026-12-01", "2026-12-31", 5); len(gaps) != 0 || total != 0 {
		t.Fatalf("Gaps of an empty period = %v, %d; want none", gaps, total)
	}
}

// A user's request for a key is kept once.
func testGapRequestOnce(t *testing.T, s *suite) {
	db := s.open(t)
	if !db.mustRequest(t, "mql", "UANN") {
		t.Fatal("first request: added = false")
	}
	if db.mustRequest(t, "mql", "UANN") {
		t.Fatal("second request by the same user: added = true")
	}
	if !db.mustRequest(t, "mql", "UBOB") || !db.mustRequest(t, "sal", "UANN") {
		t.Fatal("another user's or another key's request: added = false")
	}
	if got := db.countRows(t, "gap_requests"); got != 3 {
		t.Fatalf("gap_requests rows = %d, want 3", got)
	}
	if reqs := db.mustTake(t); len(reqs) != 0 {
		t.Fatalf("TakeAnswered with no such term = %v, want none", reqs)
	}
}

// Adding a term answers the requests for its name and aliases, once: they
// are taken, oldest first, and a second take finds none.
func testGapTakeOnAdd(t *testing.T, s *suite) {
	db := s.open(t)
	db.mustRequest(t, "mql", "UANN")
	db.set(Start.Add(time.Minute))
	db.mustRequest(t, "mql", "UBOB")
	db.mustRequest(t, "marketing qualified lead", "UCAT")
	db.mustRequest(t, "sal", "UANN")
	db.mustAdd(t, store.Term{Name: "Marketing Qualified Lead", Aliases: []string{"MQL"}, Definition: "d"}, ann)
	got := pairs(db.mustTake(t))
	want := [][2]string{{"mql", "UANN"}, {"marketing qualified lead", "UCAT"}, {"mql", "UBOB"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("TakeAnswered = %v, want %v", got, want)
	}
	if reqs := db.mustTake(t); len(reqs) != 0 {
		t.Fatalf("second TakeAnswered = %v, want none", reqs)
	}
	if got := db.countRows(t, "gap_requests"); got != 1 {
		t.Fatalf("gap_requests rows = %d, want 1 (sal)", got)
	}
}

// An edit that gives a term the requested text as an alias answers it too.
func testGapTakeOnAlias(t *testing.T, s *suite) {
	db := s.open(t)
	tm := db.mustAdd(t, store.Term{Name: "Sales Accepted Lead", Definition: "d"}, ann)
	db.mustRequest(t, "sal", "UBOB")
	if reqs := db.mustTake(t); len(reqs) != 0 {
		t.Fatalf("TakeAnswered before the alias = %v, want none", reqs)
	}
	tm.Aliases = []string{"SAL"}
	db.mustUpdate(t, tm, ann)
	if got, want := pairs(db.mustTake(t)), [][2]string{{"sal", "UBOB"}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("TakeAnswered = %v, want %v", got, want)
	}
}

// A term that arrives by import answers requests as well.
func testGapTakeOnImport(t *testing.T, s *suite) {
	db := s.open(t)
	db.mustRequest(t, "icp", "UANN")
	db.mustImport(t, store.Dataset{Terms: []store.TermRecord{{Name: "Ideal customer profile", Aliases: []string{"ICP"}, Definition: "d"}}})
	if got, want := pairs(db.mustTake(t)), [][2]string{{"icp", "UANN"}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("TakeAnswered = %v, want %v", got, want)
	}
}

// Two instances taking at once get each request once between them.
func testGapTakeTwoInstances(t *testing.T, s *suite) {
	a := s.open(t)
	b := s.reopen(t, a.DSN, Start)
	for i := range 20 {
		a.mustRequest(t, "mql", fmt.Sprintf("U%03d", i))
	}
	a.mustAdd(t, store.Term{Name: "MQL", Definition: "d"}, ann)
	var wg sync.WaitGroup
	got := make([][]store.DefinitionRequest, 2)
	for i, db := range []*tdb{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = db.TakeAnswered(ctx)
		}()
	}
	wg.Wait()
	seen := map[string]int{}
	for _, reqs := range got {
		for _, r := range reqs {
			seen[r.User]++
		}
	}
	if len(seen) != 20 {
		t.Fatalf("taken by the two instances: %d users, want 20", len(seen))
	}
	for u, n := range seen {
		if n != 1 {
			t.Fatalf("request of %s taken %d times, want once", u, n)
		}
	}
}
