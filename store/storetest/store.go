package storetest

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"smarketing/store"
)

var storeTests = []subtest{
	{"PingAndBackend", testPingAndBackend},
	{"Reopen", testReopen},
	{"SecondInstanceSeesWrites", testSecondInstanceSeesWrites},
	{"Backup", testBackup},
	{"RecordAfterClose", testRecordAfterClose},
}

func testPingAndBackend(t *testing.T, s *suite) {
	db := s.open(t)
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if b := db.Backend(); b == "" {
		t.Fatal("Backend() is empty")
	}
	// Backend goes to logs: no password in it.
	if strings.Contains(db.Backend(), "@") && !strings.Contains(db.Backend(), store.Redact(db.DSN)) {
		t.Fatalf("Backend() = %q: want the redacted DSN", db.Backend())
	}
}

// Everything survives closing the store and opening it again.
func testReopen(t *testing.T, s *suite) {
	db := s.open(t)
	held := seed(t, db)
	want := jsonOf(t, db.mustExport(t))
	mql, _ := db.lookup(t, "MQL")
	hist := db.mustHistory(t, mql.ID)
	if err := db.close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	again := s.reopen(t, db.DSN, Start.Add(time.Hour))
	if got := jsonOf(t, again.mustExport(t)); got != want {
		t.Fatalf("Export after reopening:\n%s\nwant\n%s", got, want)
	}
	if got, ok := again.lookup(t, "MQL"); !ok || got.ID != mql.ID || got.Definition != mql.Definition {
		t.Fatalf("Term(MQL) after reopening = %+v, %v", got, ok)
	}
	if got := again.mustHistory(t, mql.ID); len(got) != len(hist) {
		t.Fatalf("history after reopening = %+v, want %+v", got, hist)
	}
	if c, ok := again.mustClaim(t, held, "bot-3"); ok || c.Owner != "bot-2" {
		t.Fatalf("held claim after reopening = %+v, %v; want still bot-2's", c, ok)
	}
	r := store.Reaction{Channel: "CL", TS: tsAt(Start, 1), User: "UANA", Emoji: "+1", Rating: store.Good, Added: true, At: Start}
	if res := again.mustRecord(t, store.Event{ID: "ev1", React: &r}); res.Applied {
		t.Fatal("an event applied before the restart was applied again")
	}
}

// Writes through one instance are read at once through another on the
// same data (the glossary copy aside, which has its own test).
func testSecondInstanceSeesWrites(t *testing.T, s *suite) {
	a := s.open(t)
	b := s.reopen(t, a.DSN, Start)
	a.mustAddPersona(t, sally(), ann)
	if _, err := b.Persona(ctx, "sally supermom"); err != nil {
		t.Fatalf("Persona via the second instance: %v", err)
	}
	a.mustLead(t, "CL", tsAt(Start, 1), "lead")
	if st := b.mustStats(t, Start.Add(-time.Hour), Start.Add(time.Hour), time.Hour, Start); st.Posted != 1 {
		t.Fatalf("LeadStats via the second instance = %+v, want the lead", st)
	}
	r := store.Reaction{Channel: "CL", TS: tsAt(Start, 1), User: "UANA", Emoji: "+1", Rating: store.Good, Added: true, At: Start}
	a.mustRecord(t, store.Event{ID: "shared", React: &r})
	if res := b.mustRecord(t, store.Event{ID: "shared", React: &r}); res.Applied {
		t.Fatal("an event applied through one instance was applied again through the other")
	}
	if err := b.SetMetric(ctx, store.Metric{Name: "m", Week: store.ISOWeek{Year: 2026, Week: 48}, Value: 1}); err != nil {
		t.Fatal(err)
	}
	if all, _ := a.AllMetrics(ctx); len(all) != 1 {
		t.Fatalf("AllMetrics via the first instance = %+v", all)
	}
	if hits := b.mustSearch(t, "x", 1); len(hits) != 0 {
		t.Fatalf("search = %q", termNames(hits))
	}
	a.mustAdd(t, store.Term{Name: "Shared", Definition: "seen by search at once"}, ann)
	if hits := b.mustSearch(t, "shared", 1); len(hits) != 1 {
		t.Fatalf("SearchTerms via the second instance = %q, want the new term", termNames(hits))
	}
	if terms := b.mustTerms(t); len(terms) != 1 {
		t.Fatalf("Terms via the second instance = %q, want the new term", termNames(terms))
	}
}

// Backup writes a SQLite file that opens as a store holding the same data,
// and never overwrites a file.
func testBackup(t *testing.T, s *suite) {
	db := s.open(t)
	seed(t, db)
	dir := t.TempDir()
	file := filepath.Join(dir, "backup.db")
	if err := db.Backup(ctx, file); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	copyDB := openWith(t, store.Open, file, Start)
	if got, want := jsonOf(t, copyDB.mustExport(t)), jsonOf(t, db.mustExport(t)); got != want {
		t.Fatalf("the backup's export:\n%s\nwant\n%s", got, want)
	}
	if got, want := copyDB.allCounts(t), db.allCounts(t); !slices.Equal(got, want) {
		t.Fatalf("the backup's row counts = %v, want %v", got, want)
	}
	if hits := copyDB.mustSearch(t, "customers", 10); len(hits) != 1 {
		t.Fatalf("search in the backup = %q", termNames(hits))
	}
	copyDB.close()
	info, _ := os.Stat(file)
	if err := db.Backup(ctx, file); err == nil {
		t.Fatal("Backup over an existing file: no error")
	}
	if after, _ := os.Stat(file); after.Size() != info.Size() || !after.ModTime().Equal(info.ModTime()) {
		t.Fatal("a refused Backup changed the existing file")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("the backup directory holds %d files, want only the backup", len(entries))
	}
}

func testRecordAfterClose(t *testing.T, s *suite) {
	db := s.open(t)
	if err := db.close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	_, err := db.Record(ctx, store.Event{Lead: &store.Lead{Channel: "CL", TS: tsAt(Start, 1), PostedAt: Start}})
	if !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Record after Close = %v, want ErrClosed", err)
	}
}
