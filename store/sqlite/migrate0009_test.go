package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"smarketing/store"
)

// TestMigrationToClaims opens a database as migration 0008 left it, with a
// recap run, meeting reminders and SLA reminders recorded the old way
// (posted or still 'posting' when the bot died), and checks that 0009
// carries each over as a claim: done ones stay done, a 'posting' one
// becomes a held claim whose lease has run out, so it can be taken over.
func TestMigrationToClaims(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite3", "file:"+file+"?_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.version > 8 {
			break
		}
		if _, err := raw.ExecContext(ctx, m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		if _, err := raw.ExecContext(ctx, "INSERT INTO schema_migrations VALUES (?, 0)", m.version); err != nil {
			t.Fatal(err)
		}
	}
	recapAt := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	occurrence := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	posted := occurrence.UnixNano() // recent: done claims are pruned after store.ClaimsKept
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"INSERT INTO runs VALUES ('recap', ?, 'posted', ?)", []any{recapAt.UnixNano(), recapAt.UnixNano()}},
		{"INSERT INTO meetings (id, title, schedule, channel, created_by, created_at) VALUES (3, 'Pipeline', '0 10 * * TUE', 'C1', 'U1', 0)", nil},
		{"INSERT INTO meeting_runs VALUES (3, ?, 'posting', ?)", []any{occurrence.UnixNano(), occurrence.UnixNano()}},
		{"INSERT INTO leads (id, channel, ts, status, posted_at, reminder) VALUES (7, 'C', '1.000001', 'lead', ?, 'sent'), (8, 'C', '1.000002', 'lead', ?, 'sending'), (9, 'C', '1.000003', 'lead', ?, '')", []any{posted, posted, posted}},
	} {
		if _, err := raw.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	db, err := Open(ctx, file, store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatalf("Open after 0008: %v", err)
	}
	defer db.Close()
	tests := []struct {
		key     string
		wantWon bool // a claim now by someone else
	}{
		{store.RecapKey(recapAt), false},                // posted: done
		{store.MeetingReminderKey(3, occurrence), true}, // posting: expired, taken over
		{store.SLAReminderKey(7), false},                // sent: done
		{store.SLAReminderKey(8), true},                 // sending: expired, taken over
		{store.SLAReminderKey(9), true},                 // never reminded: new
	}
	for _, tc := range tests {
		c, won, err := db.Claim(ctx, tc.key, "new-owner", time.Minute)
		if err != nil || won != tc.wantWon {
			t.Errorf("Claim(%s) = %+v, %v, %v; want won %v", tc.key, c, won, err, tc.wantWon)
		}
		if won && tc.key != store.SLAReminderKey(9) && c.Attempts != 2 {
			t.Errorf("Claim(%s) took over with Attempts %d, want 2", tc.key, c.Attempts)
		}
	}
	for _, table := range []string{"runs", "meeting_runs", "inbox_applied"} {
		var n int
		if err := db.sql.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_master WHERE name = ?", table).Scan(&n); err != nil || n != 0 {
			t.Errorf("table %s still there after 0009 (%d, %v)", table, n, err)
		}
	}
}
