package sqlite_test

// Tests of what is SQLite's own: the file, its schema and migrations, WAL,
// backups. The behaviour every backend shares is in storetest (TestStore).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"smarketing/store"
	"smarketing/store/sqlite"
	"smarketing/store/storetest"
)

var ann = store.Actor{ID: "UANN", Name: "Ann"}

var fixedTime = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// mustOpen opens file with the clock at fixedTime and closes it when the
// test ends.
func mustOpen(tb testing.TB, file string) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), file, store.Options{Now: func() time.Time { return fixedTime }})
	if err != nil {
		tb.Fatalf("Open(%q): %v", file, err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return db
}

// reminderKey is the claim key of the SLA reminder of a lead.
func reminderKey(leadID int64) string { return store.SLA{}.Reminder().Key(leadID) }

func tempFile(tb testing.TB) string { return filepath.Join(tb.TempDir(), "smarketing.db") }

// migratedBefore opens file with database/sql directly, as openRaw does,
// with the migrations before version applied: a database an older
// smarketing made.
func migratedBefore(tb testing.TB, file string, version int) *sql.DB {
	tb.Helper()
	raw := openRaw(tb, file)
	if _, err := raw.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		tb.Fatal(err)
	}
	for _, m := range migrationFiles(tb) {
		if m.version >= version {
			break
		}
		if _, err := raw.Exec(m.sql); err != nil {
			tb.Fatalf("migration %d: %v", m.version, err)
		}
		if _, err := raw.Exec("INSERT INTO schema_migrations VALUES (?, 0)", m.version); err != nil {
			tb.Fatal(err)
		}
	}
	return raw
}

// openRaw opens file with database/sql directly, bypassing the store.
func openRaw(tb testing.TB, file string) *sql.DB {
	tb.Helper()
	raw, err := sql.Open("sqlite3", file)
	if err != nil {
		tb.Fatalf("sql.Open: %v", err)
	}
	tb.Cleanup(func() { raw.Close() })
	return raw
}

type migrationFile struct {
	version int
	sql     string
}

// migrationFiles reads migrations/NNNN_*.sql, in order.
func migrationFiles(tb testing.TB) []migrationFile {
	tb.Helper()
	entries, err := os.ReadDir("migrations")
	if err != nil {
		tb.Fatalf("read migrations: %v", err)
	}
	var out []migrationFile
	for _, e := range entries {
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			tb.Fatalf("migration file %q: want NNNN_name.sql", e.Name())
		}
		body, err := os.ReadFile(filepath.Join("migrations", e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		if len(out) > 0 && out[len(out)-1].version >= v {
			tb.Fatalf("migration %s: versions must increase", e.Name())
		}
		out = append(out, migrationFile{v, string(body)})
	}
	if len(out) == 0 {
		tb.Fatal("no migrations found")
	}
	return out
}

func TestOpenCreatesSchema(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, tempFile(t))
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		t.Fatalf("SchemaVersion: %v", err)
	}
	ms := migrationFiles(t)
	if want := ms[len(ms)-1].version; v != want {
		t.Fatalf("SchemaVersion = %d, want %d", v, want)
	}
	if terms, err := db.Terms(ctx); err != nil || len(terms) != 0 {
		t.Fatalf("Terms on a new database = %v, %v; want none", terms, err)
	}
	if res, err := db.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Fatalf("IntegrityCheck = %q, %v; want ok", res, err)
	}
}

func TestOpenTwiceIsNoOp(t *testing.T) {
	ctx := context.Background()
	file := tempFile(t)
	db, err := sqlite.Open(ctx, file, store.Options{})
	if err != nil {
		t.Fatalf("first Open: %v", err)
	}
	if _, err := db.AddTerm(ctx, store.Term{Name: "MQL", Definition: "Marketing qualified lead"}, ann); err != nil {
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
	if n1 != len(migrationFiles(t)) {
		t.Fatalf("schema_migrations has %d rows, want one per migration (%d)", n1, len(migrationFiles(t)))
	}
	db2 := mustOpen(t, file)
	if got, err := db2.Term(ctx, "mql"); err != nil || got.Definition != "Marketing qualified lead" {
		t.Fatalf("Term after reopen = %+v, %v", got, err)
	}
	if n2, applied2 := migrated(); n2 != n1 || applied2 != applied1 {
		t.Fatalf("schema_migrations after reopen = %d rows, last applied %d; want %d, %d (unchanged)", n2, applied2, n1, applied1)
	}
}

func TestOpenUsesWAL(t *testing.T) {
	ctx := context.Background()
	file := tempFile(t)
	db := mustOpen(t, file)
	if _, err := db.AddTerm(ctx, store.Term{Name: "CAC", Definition: "Customer acquisition cost"}, ann); err != nil {
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
	// WAL is written into the file: any connection finds it.
	var mode string
	if err := openRaw(t, file).QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode of the file = %q, %v; want wal", mode, err)
	}
}

func TestOpenPathWithSpecialCharacters(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "my dir #1 %20 ?x&y=z")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatalf("Mkdir: %v", err)
	}
	file := filepath.Join(dir, "data base.db")
	db := mustOpen(t, file)
	if _, err := db.AddTerm(ctx, store.Term{Name: "ICP", Definition: "Ideal customer profile"}, ann); err != nil {
		t.Fatalf("AddTerm: %v", err)
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("Stat(%q): %v, want the database at exactly that path", file, err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(dir)); len(entries) != 1 {
		t.Fatalf("the parent directory holds %d entries, want only %q", len(entries), filepath.Base(dir))
	}
}

func TestOpenEmptyName(t *testing.T) {
	if db, err := sqlite.Open(context.Background(), "", store.Options{}); err == nil {
		db.Close()
		t.Fatalf("Open(\"\") err = nil, want an error")
	}
}

// store.Open sends a file path (with or without "sqlite:") to this backend.
func TestStoreOpenPicksSQLite(t *testing.T) {
	ctx := context.Background()
	for _, prefix := range []string{"", "sqlite:"} {
		file := tempFile(t)
		s, err := store.Open(ctx, prefix+file, store.Options{})
		if err != nil {
			t.Fatalf("store.Open(%q): %v", prefix+file, err)
		}
		if got, want := s.Backend(), "sqlite "+file+" (WAL, synchronous=FULL)"; got != want {
			t.Errorf("Backend() = %q, want %q", got, want)
		}
		if err := s.Ping(ctx); err != nil {
			t.Errorf("Ping: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(file); err != nil {
			t.Errorf("store.Open(%q) made no file at %s: %v", prefix+file, file, err)
		}
	}
}

func TestOpenRejectsNewerSchema(t *testing.T) {
	file := tempFile(t)
	raw := openRaw(t, file)
	if _, err := raw.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);
		INSERT INTO schema_migrations (version, applied_at) VALUES (1, 0), (99, 0);`); err != nil {
		t.Fatalf("prepare future schema: %v", err)
	}
	if err := raw.Close(); err != nil {
		t.Fatalf("close raw: %v", err)
	}
	db, err := sqlite.Open(context.Background(), file, store.Options{})
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

// A database made before the claims (migration 0009) keeps what its runs,
// meeting runs and lead reminders recorded, under the keys the Go code
// makes: posted is done, posting (perhaps a crash) is held by a lease that
// has run out, so that it is taken over and told so.
func TestMigrationCarriesOverRuns(t *testing.T) {
	ctx := context.Background()
	file := tempFile(t)
	raw := migratedBefore(t, file, 9)
	recapAt, posting := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	occ := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	posted := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"INSERT INTO runs (job, scheduled_at, state, updated_at) VALUES ('recap', ?, 'posted', ?)", []any{recapAt.UnixNano(), recapAt.UnixNano()}},
		{"INSERT INTO runs (job, scheduled_at, state, updated_at) VALUES ('recap', ?, 'posting', ?)", []any{posting.UnixNano(), posting.UnixNano()}},
		{"INSERT INTO meetings (id, title, schedule, channel, created_by, created_at) VALUES (7, 'Review', '@weekly', 'C1', 'U1', 0)", nil},
		{"INSERT INTO meeting_runs (meeting_id, occurrence, state, updated_at) VALUES (7, ?, 'posted', ?)", []any{occ.UnixNano(), occ.UnixNano()}},
		{"INSERT INTO leads (id, channel, ts, status, posted_at, reminder) VALUES (3, 'CL', ?, 'lead', ?, 'sent')", []any{fmt.Sprintf("%d.000001", posted.Unix()), posted.UnixNano()}},
		{"INSERT INTO leads (id, channel, ts, status, posted_at, reminder) VALUES (4, 'CL', ?, 'lead', ?, 'sending')", []any{fmt.Sprintf("%d.000002", posted.Unix()), posted.UnixNano()}},
		{"INSERT INTO leads (id, channel, ts, status, posted_at) VALUES (5, 'CL', ?, 'lead', ?)", []any{fmt.Sprintf("%d.000003", posted.Unix()), posted.UnixNano()}},
	} {
		if _, err := raw.Exec(q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	raw.Close()

	db := mustOpen(t, file)
	tests := []struct {
		key      string
		won      bool
		state    string
		attempts int
	}{
		{store.RecapKey(recapAt), false, store.ClaimDone, 1},
		{store.RecapKey(posting), true, store.ClaimHeld, 2},
		{store.MeetingReminderKey(7, occ), false, store.ClaimDone, 1},
		{reminderKey(3), false, store.ClaimDone, 1},
		{reminderKey(4), true, store.ClaimHeld, 2},
		{reminderKey(5), true, store.ClaimHeld, 1},
	}
	for _, tc := range tests {
		c, won, err := db.Claim(ctx, tc.key, "new", time.Minute)
		if err != nil || won != tc.won || c.State != tc.state || c.Attempts != tc.attempts {
			t.Errorf("Claim(%s) after the migration = %+v, %v, %v; want won %v, %s, attempt %d", tc.key, c, won, err, tc.won, tc.state, tc.attempts)
		}
	}
	if res, err := db.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Fatalf("IntegrityCheck = %q, %v", res, err)
	}
}

// TestBackupWhileWriting takes a backup while another goroutine keeps adding
// terms: the copy opens, passes the integrity check, and holds one
// consistent moment, at least every term written before the backup began.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, tempFile(t))
	const total, before = 200, 50
	started := make(chan struct{}) // closed once `before` terms are in
	stop := make(chan struct{})    // closed when the backup is done
	done := make(chan error, 1)
	go func() {
		defer close(done)
		for i := range total {
			if _, err := db.AddTerm(ctx, store.Term{Name: fmt.Sprintf("Term %03d", i), Definition: "Written during a backup"}, ann); err != nil {
				done <- err
				return
			}
			if i == before-1 {
				close(started)
			}
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("writer stopped early: %v", err)
	}
	file := filepath.Join(t.TempDir(), "backup.db")
	err := db.Backup(ctx, file)
	close(stop)
	if werr := <-done; werr != nil {
		t.Fatalf("writer: %v", werr)
	}
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	copyDB := mustOpen(t, file)
	if res, err := copyDB.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Fatalf("integrity_check of the copy = %q, %v", res, err)
	}
	terms, err := copyDB.Terms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(terms) < before {
		t.Fatalf("copy has %d terms, want at least the %d written before the backup", len(terms), before)
	}
	for i, term := range terms { // a snapshot: the first n terms, no gaps
		if want := fmt.Sprintf("Term %03d", i); term.Name != want {
			t.Fatalf("copy's term %d is %q, want %q", i, term.Name, want)
		}
	}
	if hits, err := copyDB.SearchTerms(ctx, "backup", 0); err != nil || len(hits) != len(terms) {
		t.Fatalf("search in the copy = %d hits, %v; want %d", len(hits), err, len(terms))
	}
	err = db.Backup(ctx, file)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("Backup over the existing copy: %v", err)
	}
}

func TestBackupFailureLeavesNoFile(t *testing.T) {
	db := mustOpen(t, tempFile(t))
	if _, err := db.AddTerm(context.Background(), store.Term{Name: "MQL", Definition: "Marketing qualified lead"}, ann); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := db.Backup(ctx, filepath.Join(dir, "backup.db")); err == nil {
		t.Fatal("Backup with a cancelled context: no error")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a failed backup left %v", entries)
	}
	// Into a directory that does not exist: an error, and nothing made.
	if err := db.Backup(context.Background(), filepath.Join(dir, "no", "such", "backup.db")); err == nil {
		t.Fatal("Backup into a missing directory: no error")
	}
	if err := db.Backup(context.Background(), filepath.Join(dir, "backup.db")); err != nil {
		t.Fatalf("Backup after a failed one: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 || entries[0].Name() != "backup.db" {
		t.Fatalf("backup left %v, want backup.db alone", entries)
	}
	if _, err := os.Stat(filepath.Join(dir, "backup.db-wal")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the backup has a WAL beside it (%v): it must be one file", err)
	}
}

// Done claims are pruned once older than store.ClaimsKept, as new claims
// are won; held ones and recent ones stay.
func TestDoneClaimsPruned(t *testing.T) {
	ctx := context.Background()
	now := fixedTime
	db, err := sqlite.Open(ctx, tempFile(t), store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	claim := func(key string) {
		t.Helper()
		if _, ok, err := db.Claim(ctx, key, "me", time.Minute); err != nil || !ok {
			t.Fatalf("Claim(%s) = %v, %v", key, ok, err)
		}
	}
	claim("old")
	if err := db.Done(ctx, "old", "me"); err != nil {
		t.Fatal(err)
	}
	claim("held")
	now = now.Add(store.ClaimsKept - time.Hour)
	claim("recent")
	if err := db.Done(ctx, "recent", "me"); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Hour) // "old" is past ClaimsKept, "recent" is not
	claim("new")
	var claims store.Table
	for _, tbl := range store.Schema() {
		if tbl.Name == "claims" {
			claims = tbl
		}
	}
	if n, err := db.CountRows(ctx, claims); err != nil || n != 3 {
		t.Fatalf("claims rows = %d, %v; want 3 (held, recent, new)", n, err)
	}
	if c, ok, _ := db.Claim(ctx, "recent", "other", time.Minute); ok || c.State != store.ClaimDone {
		t.Fatalf("recent done claim = %+v, %v; want kept", c, ok)
	}
}

// A database made before agreed definitions (migration 0011) numbers the
// versions it has: each revision its place in its record's history, each
// record as many versions as revisions (at least one), none agreed yet.
func TestMigrationNumbersVersions(t *testing.T) {
	ctx := context.Background()
	file := tempFile(t)
	raw := migratedBefore(t, file, 11)
	for _, q := range []string{
		`INSERT INTO terms (id, name, definition, created_by, created_at, updated_by, updated_at) VALUES
			(1, 'Edited', 'd3', 'U1', 0, 'U1', 0), (2, 'Once', 'd', 'U1', 0, 'U1', 0), (3, 'Bare', 'd', 'U1', 0, 'U1', 0)`,
		`INSERT INTO term_keys (key, term_id, label, position) VALUES ('edited', 1, 'Edited', 0), ('once', 2, 'Once', 0), ('bare', 3, 'Bare', 0)`,
		`INSERT INTO personas (id, name, key, created_by, created_at, updated_by, updated_at) VALUES (1, 'Sally', 'sally', 'U1', 0, 'U1', 0)`,
		// Interleaved, as edits of different records are.
		`INSERT INTO revisions (id, kind, record_id, action, data, edited_by, edited_at) VALUES
			(1, 'term', 1, 'created', '{"Name":"Edited","Definition":"d1"}', 'U1', 0),
			(2, 'term', 2, 'created', '{"Name":"Once","Definition":"d"}', 'U1', 0),
			(3, 'persona', 1, 'created', '{"Name":"Sally"}', 'U1', 0),
			(4, 'term', 1, 'edited', '{"Name":"Edited","Definition":"d2"}', 'U1', 1),
			(5, 'persona', 1, 'edited', '{"Name":"Sally","Goals":"g"}', 'U1', 1),
			(6, 'term', 1, 'edited', '{"Name":"Edited","Definition":"d3"}', 'U1', 2)`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()

	db := mustOpen(t, file)
	for _, tc := range []struct {
		id      int64
		version int
		history []int
	}{{1, 3, []int{3, 2, 1}}, {2, 1, []int{1}}, {3, 1, nil}} {
		tm, err := db.TermByID(ctx, tc.id)
		if err != nil || tm.Version != tc.version || tm.Signoffs != nil {
			t.Errorf("term %d after the migration = %+v, %v; want version %d", tc.id, tm.Agreement, err, tc.version)
		}
		h, err := db.TermHistory(ctx, tc.id)
		var versions []int
		for _, r := range h {
			versions = append(versions, r.Version)
		}
		if err != nil || fmt.Sprint(versions) != fmt.Sprint(tc.history) {
			t.Errorf("term %d history versions = %v, %v; want %v", tc.id, versions, err, tc.history)
		}
	}
	p, err := db.PersonaByID(ctx, 1)
	if err != nil || p.Version != 2 {
		t.Errorf("persona after the migration = %+v, %v; want version 2", p.Agreement, err)
	}
	if h, err := db.PersonaHistory(ctx, 1); err != nil || len(h) != 2 || h[0].Version != 2 || h[1].Version != 1 {
		t.Errorf("persona history = %+v, %v", h, err)
	}
	// The next edit is the next version.
	tm, _ := db.TermByID(ctx, 1)
	tm.Definition = "d4"
	if got, err := db.UpdateTerm(ctx, tm, ann); err != nil || got.Version != 4 {
		t.Errorf("an edit after the migration = %+v, %v; want version 4", got.Agreement, err)
	}
	if due, err := db.DueReviews(ctx, fixedTime.Add(1000*24*time.Hour), time.Hour, 10); err != nil || len(due) != 0 {
		t.Errorf("DueReviews after the migration = %+v, %v; want none", due, err)
	}
}

// A database made before the lead loop (migration 0012) gets the origin
// of every lead at Open, in chunks, logged once; opening it again finds
// nothing more to do.
func TestMigrationBackfillsOrigins(t *testing.T) {
	ctx := context.Background()
	file := tempFile(t)
	raw := migratedBefore(t, file, 12)
	leads := storetest.OldLeads()
	tx, err := raw.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range leads {
		if _, err := tx.Exec("INSERT INTO leads (id, channel, ts, status, text, posted_by, posted_at) VALUES (?, 'CL', ?, ?, ?, ?, ?)",
			l.ID, l.TS, l.Status, l.Text, l.PostedBy, l.PostedAt); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	log, logged := storetest.BackfillLog()
	db, err := sqlite.Open(ctx, file, store.Options{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	storetest.CheckBackfill(t, db, leads, logged())
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	log, logged = storetest.BackfillLog()
	again := mustOpenWith(t, file, store.Options{Log: log})
	if strings.Contains(logged(), "backfilled") {
		t.Errorf("opened again, the store logged %q: nothing was left to fill in", logged())
	}
	if l, err := again.LeadByID(ctx, 1); err != nil || l.Source != "Webinar" {
		t.Errorf("lead 1 after opening again = %+v, %v", l, err)
	}
}

// mustOpenWith opens file with opt and closes it when the test ends.
func mustOpenWith(tb testing.TB, file string, opt store.Options) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), file, opt)
	if err != nil {
		tb.Fatalf("Open(%q): %v", file, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
