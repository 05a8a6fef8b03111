package store_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"smarketing/store"
)

// fixedTime is the clock tests set on a DB where times matter.
var fixedTime = time.Date(2024, 3, 5, 14, 30, 0, 0, time.UTC)

// MustOpenDB opens a fresh database file in tb.TempDir(), with its clock
// fixed at fixedTime, and closes it when the test ends.
func MustOpenDB(tb testing.TB) *store.DB {
	tb.Helper()
	return mustOpenFile(tb, filepath.Join(tb.TempDir(), "smarketing.db"))
}

func mustOpenFile(tb testing.TB, file string) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), file)
	if err != nil {
		tb.Fatalf("Open(%q): %v", file, err)
	}
	db.Now = func() time.Time { return fixedTime }
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return db
}

// latestMigration is the highest version among the migrations/NNNN_*.sql
// files, which Open must bring a database up to.
func latestMigration(tb testing.TB) int {
	tb.Helper()
	entries, err := os.ReadDir("migrations")
	if err != nil {
		tb.Fatalf("read migrations: %v", err)
	}
	latest := 0
	for _, e := range entries {
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			tb.Fatalf("migration file %q: want NNNN_name.sql", e.Name())
		}
		latest = max(latest, v)
	}
	if latest == 0 {
		tb.Fatalf("no migrations found")
	}
	return latest
}

func TestOpenCreatesSchema(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		t.Fatalf("SchemaVersion: %v", err)
	}
	if want := latestMigration(t); v != want {
		t.Fatalf("SchemaVersion = %d, want %d", v, want)
	}
	// The schema is really there: the tables the migration creates work.
	terms, err := db.Terms(ctx)
	if err != nil {
		t.Fatalf("Terms on a new database: %v", err)
	}
	if len(terms) != 0 {
		t.Fatalf("Terms on a new database = %d terms, want 0", len(terms))
	}
	res, err := db.IntegrityCheck(ctx)
	if err != nil {
		t.Fatalf("IntegrityCheck: %v", err)
	}
	if res != "ok" {
		t.Fatalf("IntegrityCheck = %q, want %q", res, "ok")
	}
}

func TestOpenTwiceIsNoOp(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "twice.db")
	db, err := store.Open(ctx, file)
	if err != nil {
		t.Fatalf("first Open: %v", err)
	}
	if _, err := db.AddTerm(ctx, store.Term{Name: "MQL", Definition: "Marketing qualified lead"}, store.Actor{ID: "U1", Name: "Ann"}); err != nil {
		t.Fatalf("AddTerm: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	migrated := func() (n int, lastApplied int64) {
		t.Helper()
		raw := openRaw(t, file)
		defer raw.Close()
		if err := raw.QueryRow("SELECT COUNT(*), MAX(applied_at) FROM schema_migrations").Scan(&n, &lastApplied); err != nil {
			t.Fatalf("read schema_migrations: %v", err)
		}
		return n, lastApplied
	}
	n1, applied1 := migrated()

	db2 := mustOpenFile(t, file)
	v, err := db2.SchemaVersion(ctx)
	if err != nil {
		t.Fatalf("SchemaVersion after reopen: %v", err)
	}
	if want := latestMigration(t); v != want {
		t.Fatalf("SchemaVersion after reopen = %d, want %d", v, want)
	}
	got, err := db2.Term(ctx, "mql")
	if err != nil {
		t.Fatalf("Term after reopen: %v", err)
	}
	if got.Definition != "Marketing qualified lead" {
		t.Fatalf("Definition after reopen = %q, want %q", got.Definition, "Marketing qualified lead")
	}
	// No migration was applied a second time.
	if n2, applied2 := migrated(); n2 != n1 || applied2 != applied1 {
		t.Fatalf("schema_migrations after reopen = %d rows, last applied %d; want %d, %d (unchanged)", n2, applied2, n1, applied1)
	}
}

func TestOpenSameFileTwiceConcurrently(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "shared.db")
	a := mustOpenFile(t, file)
	b := mustOpenFile(t, file)
	if _, err := a.AddTerm(ctx, store.Term{Name: "SQL", Definition: "Sales qualified lead"}, store.Actor{ID: "U1"}); err != nil {
		t.Fatalf("AddTerm via first handle: %v", err)
	}
	got, err := b.Term(ctx, "SQL")
	if err != nil {
		t.Fatalf("Term via second handle: %v", err)
	}
	if got.Name != "SQL" {
		t.Fatalf("Name via second handle = %q, want %q", got.Name, "SQL")
	}
}

func TestOpenUsesWAL(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "wal.db")
	db := mustOpenFile(t, file)
	if _, err := db.AddTerm(ctx, store.Term{Name: "CAC", Definition: "Customer acquisition cost"}, store.Actor{ID: "U1"}); err != nil {
		t.Fatalf("AddTerm: %v", err)
	}
	// In WAL mode the write-ahead log sits next to the database while it is
	// open; in rollback-journal mode there is no -wal file at all.
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(file + suffix); err != nil {
			t.Fatalf("Stat(%s) after a write: %v, want the file to exist (WAL mode)", filepath.Base(file+suffix), err)
		}
	}
	if _, err := os.Stat(file + "-journal"); !os.IsNotExist(err) {
		t.Fatalf("Stat(-journal) err = %v, want not-exist (WAL mode keeps no rollback journal)", err)
	}
}

func TestOpenPathWithSpecialCharacters(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "my dir #1 %20 ?x")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatalf("Mkdir: %v", err)
	}
	file := filepath.Join(dir, "data base.db")
	db := mustOpenFile(t, file)
	if _, err := db.AddTerm(ctx, store.Term{Name: "ICP", Definition: "Ideal customer profile"}, store.Actor{ID: "U1"}); err != nil {
		t.Fatalf("AddTerm: %v", err)
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("Stat(%q): %v, want the database at exactly that path", file, err)
	}
}

func TestOpenEmptyName(t *testing.T) {
	db, err := store.Open(context.Background(), "")
	if err == nil {
		db.Close()
		t.Fatalf("Open(\"\") err = nil, want an error")
	}
}

func TestOpenRejectsNewerSchema(t *testing.T) {
	file := filepath.Join(t.TempDir(), "future.db")
	raw := openRaw(t, file)
	if _, err := raw.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);
		INSERT INTO schema_migrations (version, applied_at) VALUES (1, 0), (99, 0);`); err != nil {
		t.Fatalf("prepare future schema: %v", err)
	}
	if err := raw.Close(); err != nil {
		t.Fatalf("close raw: %v", err)
	}

	db, err := store.Open(context.Background(), file)
	if err == nil {
		db.Close()
		t.Fatalf("Open of a schema version 99 database err = nil, want an error")
	}
	for _, want := range []string{"99", "newer", "upgrade"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Open error = %q, want it to mention %q", err, want)
		}
	}
}

// openRaw opens file with database/sql directly, bypassing store.Open.
func openRaw(tb testing.TB, file string) *sql.DB {
	tb.Helper()
	raw, err := sql.Open("sqlite3", file)
	if err != nil {
		tb.Fatalf("sql.Open: %v", err)
	}
	tb.Cleanup(func() { raw.Close() })
	return raw
}

func TestKey(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"MQL", "mql"},
		{"  Marketing   Qualified\tLead \n", "marketing qualified lead"},
		{"ÉTUDE", "étude"},
		{"Straße", "straße"},
		{"", ""},
		{"   ", ""},
		{"A\u00a0B", "a b"}, // no-break space is white space too
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := store.Key(tc.in); got != tc.want {
				t.Fatalf("Key(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
