package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"smarketing/store"
	"smarketing/store/postgres"
	"smarketing/store/sqlite"
	"smarketing/store/storetest"
)

var ctx = context.Background()

// open opens the PostgreSQL store at dsn, closed when the test ends.
func open(t *testing.T, dsn string, opt store.Options) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(ctx, dsn, opt)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return db
}

// conn connects to dsn directly, for looking at what the store wrote.
func conn(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(ctx) })
	return c
}

func openSQLite(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var alice = store.Actor{ID: "U1", Name: "alice"}

// opener opens PostgreSQL stores, each test on a database of its own.
var opener = storetest.Opener{
	DSN: storetest.PostgresDSN,
	Open: func(ctx context.Context, dsn string, opt store.Options) (store.Store, error) {
		return postgres.Open(ctx, dsn, opt)
	},
}

// TestStore runs the conformance suite on PostgreSQL.
func TestStore(t *testing.T) { storetest.Run(t, opener) }

// BenchmarkStore runs the suite's benchmarks on PostgreSQL.
func BenchmarkStore(b *testing.B) { storetest.Bench(b, opener) }

func TestConnectionSettings(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	c := conn(t, dsn)
	// Even where the database's default is off, the store's connections
	// commit synchronously: the store sets it on every connection.
	var name string
	if err := c.QueryRow(ctx, "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" SET synchronous_commit = off"); err != nil {
		t.Fatal(err)
	}
	db := open(t, dsn, store.Options{})
	if got := db.Backend(); got != "postgres "+store.Redact(dsn)+" (synchronous_commit=on)" {
		t.Errorf("Backend() = %q", got)
	}
	for setting, want := range map[string]string{"synchronous_commit": "on", "application_name": "smarketing"} {
		got, err := db.SettingOfEveryConnection(ctx, setting)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			t.Fatal("no connection")
		}
		for i, v := range got {
			if v != want {
				t.Errorf("connection %d: %s = %q, want %q", i, setting, v, want)
			}
		}
	}
}

func TestPasswordNotShown(t *testing.T) {
	db, err := postgres.Open(ctx, "postgres://smk:s3cret@127.0.0.1:1/x?connect_timeout=1&password=s3cret2", store.Options{})
	if err == nil {
		db.Close()
		t.Fatal("opened a database on port 1")
	}
	if msg := err.Error(); strings.Contains(msg, "s3cret") {
		t.Errorf("the error shows the password: %s", msg)
	}
}

func TestMigrationsConcurrently(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	var wg sync.WaitGroup
	dbs := make([]*postgres.DB, 4)
	errs := make([]error, len(dbs))
	for i := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = postgres.Open(ctx, dsn, store.Options{})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		dbs[i].Close()
	}
	var n, max int
	if err := conn(t, dsn).QueryRow(ctx, "SELECT COUNT(*), MAX(version) FROM schema_migrations").Scan(&n, &max); err != nil {
		t.Fatal(err)
	}
	if n != max {
		t.Fatalf("%d migrations recorded, the latest %d", n, max)
	}
	// And again, on a database that is up to date.
	db := open(t, dsn, store.Options{})
	if v, err := db.SchemaVersion(ctx); err != nil || v != max {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, max)
	}
}

// A database made before agreed definitions (migration 0003) numbers the
// versions it has, as SQLite's migration 0011 does: each revision its
// place in its record's history, each record as many versions as
// revisions (at least one).
func TestMigrationNumbersVersions(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	c := conn(t, dsn)
	if _, err := c.Exec(ctx, `CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for v, name := range map[int]string{1: "0001_init.sql", 2: "0002_gaps.sql"} {
		body, err := os.ReadFile(filepath.Join("migrations", name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Exec(ctx, string(body)); err != nil {
			t.Fatalf("migration %s: %v", name, err)
		}
		if _, err := c.Exec(ctx, "INSERT INTO schema_migrations VALUES ($1, 0)", v); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		`INSERT INTO terms (id, name, definition, created_by, created_at, updated_by, updated_at) VALUES
			(1, 'Edited', 'd3', 'U1', 0, 'U1', 0), (2, 'Once', 'd', 'U1', 0, 'U1', 0), (3, 'Bare', 'd', 'U1', 0, 'U1', 0)`,
		`INSERT INTO term_keys (key, term_id, label, position) VALUES ('edited', 1, 'Edited', 0), ('once', 2, 'Once', 0), ('bare', 3, 'Bare', 0)`,
		`INSERT INTO personas (id, name, key, created_by, created_at, updated_by, updated_at) VALUES (1, 'Sally', 'sally', 'U1', 0, 'U1', 0)`,
		`INSERT INTO revisions (id, kind, record_id, action, data, edited_by, edited_at) VALUES
			(1, 'term', 1, 'created', '{"Name":"Edited","Definition":"d1"}', 'U1', 0),
			(2, 'term', 2, 'created', '{"Name":"Once","Definition":"d"}', 'U1', 0),
			(3, 'persona', 1, 'created', '{"Name":"Sally"}', 'U1', 0),
			(4, 'term', 1, 'edited', '{"Name":"Edited","Definition":"d2"}', 'U1', 1),
			(5, 'persona', 1, 'edited', '{"Name":"Sally","Goals":"g"}', 'U1', 1),
			(6, 'term', 1, 'edited', '{"Name":"Edited","Definition":"d3"}', 'U1', 2)`,
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db := open(t, dsn, store.Options{})
	for _, tc := range []struct {
		id      int64
		version int
		history string
	}{{1, 3, "[3 2 1]"}, {2, 1, "[1]"}, {3, 1, "[]"}} {
		tm, err := db.TermByID(ctx, tc.id)
		if err != nil || tm.Version != tc.version {
			t.Errorf("term %d after the migration = %+v, %v; want version %d", tc.id, tm.Agreement, err, tc.version)
		}
		h, err := db.TermHistory(ctx, tc.id)
		versions := []int{}
		for _, r := range h {
			versions = append(versions, r.Version)
		}
		if err != nil || fmt.Sprint(versions) != tc.history {
			t.Errorf("term %d history versions = %v, %v; want %s", tc.id, versions, err, tc.history)
		}
	}
	if p, err := db.PersonaByID(ctx, 1); err != nil || p.Version != 2 {
		t.Errorf("persona after the migration = %+v, %v; want version 2", p.Agreement, err)
	}
}

// A database made before the lead loop (migration 0004) gets the origin
// of every lead at Open, as SQLite's does.
func TestMigrationBackfillsOrigins(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	c := conn(t, dsn)
	if _, err := c.Exec(ctx, `CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for v, name := range []string{"0001_init.sql", "0002_gaps.sql", "0003_agreements.sql"} {
		body, err := os.ReadFile(filepath.Join("migrations", name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Exec(ctx, string(body)); err != nil {
			t.Fatalf("migration %s: %v", name, err)
		}
		if _, err := c.Exec(ctx, "INSERT INTO schema_migrations VALUES ($1, 0)", v+1); err != nil {
			t.Fatal(err)
		}
	}
	leads := storetest.OldLeads()
	batch := &pgx.Batch{}
	for _, l := range leads {
		batch.Queue("INSERT INTO leads (id, channel, ts, status, text, posted_by, posted_at) VALUES ($1, 'CL', $2, $3, $4, $5, $6)",
			l.ID, l.TS, l.Status, l.Text, l.PostedBy, l.PostedAt)
	}
	if err := c.SendBatch(ctx, batch).Close(); err != nil {
		t.Fatal(err)
	}
	log, logged := storetest.BackfillLog()
	db := open(t, dsn, store.Options{Log: log})
	storetest.CheckBackfill(t, db, leads, logged())
	log, logged = storetest.BackfillLog()
	open(t, dsn, store.Options{Log: log})
	if strings.Contains(logged(), "backfilled") {
		t.Errorf("opened again, the store logged %q: nothing was left to fill in", logged())
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	open(t, dsn, store.Options{}).Close()
	if _, err := conn(t, dsn).Exec(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)"); err != nil {
		t.Fatal(err)
	}
	if db, err := postgres.Open(ctx, dsn, store.Options{}); err == nil {
		db.Close()
		t.Fatal("opened a database with a newer schema")
	}
}

func TestClaimRace(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	instances := []*postgres.DB{open(t, dsn, store.Options{}), open(t, dsn, store.Options{})}
	for round := range 10 {
		key := fmt.Sprintf("recap:%d", round)
		var wins atomic.Int32
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, won, err := instances[i%2].Claim(ctx, key, fmt.Sprintf("owner-%d", i), time.Minute)
				if err != nil {
					errs <- err
				}
				if won {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if n := wins.Load(); n != 1 {
			t.Fatalf("round %d: %d claims won, want 1", round, n)
		}
	}
}

func TestClaimTakeoverRace(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	clock := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	a := open(t, dsn, store.Options{Now: clock.Now})
	b := open(t, dsn, store.Options{Now: clock.Now})
	if _, won, err := a.Claim(ctx, "k", "dead", time.Second); err != nil || !won {
		t.Fatalf("first claim: %v %v", won, err)
	}
	clock.Set(clock.Now().Add(time.Minute)) // the lease ran out
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db := []*postgres.DB{a, b}[i%2]
			c, won, err := db.Claim(ctx, "k", fmt.Sprintf("o%d", i), time.Hour)
			if err != nil {
				t.Error(err)
			}
			if won {
				wins.Add(1)
				if c.Attempts != 2 {
					t.Errorf("takeover: attempts %d, want 2", c.Attempts)
				}
			}
		}()
	}
	wg.Wait()
	if n := wins.Load(); n != 1 {
		t.Fatalf("%d takeovers won, want 1", n)
	}
	if err := a.Done(ctx, "k", "dead"); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("Done by the dead owner: %v, want ErrLeaseLost", err)
	}
}

func TestDueNudgesSkipClaimed(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	db := open(t, dsn, store.Options{Now: func() time.Time { return now }})
	var ids []int64
	for i := range 3 {
		ts := fmt.Sprintf("%d.000100", now.Add(-time.Duration(5+i)*time.Hour).Unix())
		if _, err := db.Record(ctx, store.Event{ID: "e" + ts, Lead: &store.Lead{Channel: "C", TS: ts, Text: "x", PostedBy: "U", PostedAt: mustTS(t, ts)}}); err != nil {
			t.Fatal(err)
		}
	}
	reminder := store.SLA{Within: 4 * time.Hour}.Reminder()
	due, err := db.DueNudges(ctx, reminder, now, 10)
	if err != nil || len(due) != 3 {
		t.Fatalf("DueNudges = %v, %v; want 3", due, err)
	}
	for _, l := range due {
		ids = append(ids, l.ID)
	}
	if _, _, err := db.Claim(ctx, reminder.Key(ids[0]), "me", time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.Claim(ctx, reminder.Key(ids[1]), "me", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := db.Done(ctx, reminder.Key(ids[1]), "me"); err != nil {
		t.Fatal(err)
	}
	due, err = db.DueNudges(ctx, reminder, now, 10)
	if err != nil || len(due) != 1 || due[0].ID != ids[2] {
		t.Fatalf("DueNudges = %v, %v; want only lead %d", due, err, ids[2])
	}
}

func mustTS(t *testing.T, ts string) time.Time {
	t.Helper()
	at, ok := store.TSTime(ts)
	if !ok {
		t.Fatalf("bad ts %q", ts)
	}
	return at
}

func TestPoisonEventSkipped(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	db := open(t, dsn, store.Options{})
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ts := fmt.Sprintf("%d.000100", at.Unix())
	good := store.Event{ID: "good", React: &store.Reaction{Channel: "C", TS: ts, User: "U1", Emoji: "fire", Rating: store.Hot, Added: true, At: at}}
	poison := []store.Event{
		{ID: "bad-rating", React: &store.Reaction{Channel: "C", TS: ts, User: "U2", Emoji: "meh", Rating: "meh", Added: true, At: at}},
		{ID: "nul", Lead: &store.Lead{Channel: "C", TS: "1.000001", Text: "a\x00b", PostedAt: at}},
	}
	var wg sync.WaitGroup
	results := make([]store.EventResult, 1+len(poison))
	errs := make([]error, len(results))
	for i, ev := range append([]store.Event{good}, poison...) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = db.Record(ctx, ev)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	if !results[0].Applied || results[0].React.Rating != store.Hot {
		t.Errorf("good event: %+v", results[0])
	}
	for i := range poison {
		if r := results[1+i]; !r.Skipped || r.Applied {
			t.Errorf("poison event %s: %+v, want skipped", poison[i].ID, r)
		}
	}
	// A redelivery is skipped too, and the failure is kept.
	if r, err := db.Record(ctx, poison[0]); err != nil || r.Applied {
		t.Errorf("redelivered poison event: %+v, %v", r, err)
	}
	var n int
	if err := conn(t, dsn).QueryRow(ctx, "SELECT COUNT(*) FROM failed_events").Scan(&n); err != nil || n != len(poison) {
		t.Errorf("failed_events holds %d rows (%v), want %d", n, err, len(poison))
	}
	// Nothing of the poison events stayed: U2 has no rating.
	st, err := db.LeadStats(ctx, at.Add(-time.Hour), at.Add(time.Hour), store.SLA{Within: time.Hour}, at)
	if err != nil {
		t.Fatal(err)
	}
	if st.Ratings != 0 { // the lead is unverified: no stats
		t.Errorf("ratings %d", st.Ratings)
	}
	var reactions int
	if err := conn(t, dsn).QueryRow(ctx, `SELECT COUNT(*) FROM lead_reactions WHERE "user" = 'U2'`).Scan(&reactions); err != nil || reactions != 0 {
		t.Errorf("U2's reactions: %d (%v)", reactions, err)
	}
}

func TestEventCountedOnceAcrossInstances(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	a, b := open(t, dsn, store.Options{}), open(t, dsn, store.Options{})
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ts := fmt.Sprintf("%d.000100", at.Unix())
	if _, err := a.Record(ctx, store.Event{ID: "lead", Lead: &store.Lead{Channel: "C", TS: ts, Text: "x", PostedAt: at}}); err != nil {
		t.Fatal(err)
	}
	ev := store.Event{ID: "Ev1", React: &store.Reaction{Channel: "C", TS: ts, User: "U1", Emoji: "+1", Rating: store.Good, Added: true, At: at}}
	var applied atomic.Int32
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := []*postgres.DB{a, b}[i%2].Record(ctx, ev)
			if err != nil {
				t.Error(err)
			}
			if r.Applied {
				applied.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := applied.Load(); n != 1 {
		t.Fatalf("event applied %d times, want once", n)
	}
}

// searchFixture is a glossary both backends must rank alike.
var searchFixture = []store.Term{
	{Name: "MQL", Aliases: []string{"Marketing Qualified Lead"}, Category: "Funnel", Definition: "A lead that marketing judged likely to buy, from its engagement."},
	{Name: "SQL", Aliases: []string{"Sales Qualified Lead"}, Category: "Funnel", Definition: "A lead that sales accepted after a first call."},
	{Name: "Lead", Definition: "A person or company that showed interest."},
	{Name: "Lead scoring", Definition: "Points given to each lead for what they did and who they are, to rank them."},
	{Name: "Churn", Aliases: []string{"attrition"}, Definition: "Customers who stop paying, as a share of all customers in a period."},
	{Name: "CAC", Aliases: []string{"customer acquisition cost"}, Definition: "What marketing and sales spend to win one customer."},
	{Name: "Café au lait", Definition: "Coffee with milk; the e-mail newsletter's name."},
	{Name: "Pipeline", Definition: "The deals in progress, by stage; see lead and opportunity."},
	{Name: "Opportunity", Aliases: []string{"Oppty", "deal"}, Definition: "A qualified lead with a budget, a need and a date."},
	{Name: "North-star metric", Definition: "The one number the team steers by; marketing's is qualified pipeline."},
}

func TestSearchTopAgreesWithSQLite(t *testing.T) {
	pg := open(t, storetest.PostgresDSN(t), store.Options{})
	lite := openSQLite(t)
	for _, term := range searchFixture {
		for _, s := range []store.Glossary{pg, lite} {
			if _, err := s.AddTerm(ctx, term, alice); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, q := range []string{"lead", "lea", "qualified", "qualified lead", "marketing", "sales", "cafe", "café", "mail",
		"customer", "cust", "deal", "oppty", "pipeline", "north star", "star", "LEAD scoring", "scor", "a", "nothing-like-it",
		"lead'); DROP TABLE terms; --", "lead & !sales | x:*", "\\", "'"} {
		p, err := pg.SearchTerms(ctx, q, 5)
		if err != nil {
			t.Fatalf("postgres %q: %v", q, err)
		}
		l, err := lite.SearchTerms(ctx, q, 5)
		if err != nil {
			t.Fatalf("sqlite %q: %v", q, err)
		}
		// Not only the best: both rank by store.SearchScore, so every
		// place agrees.
		if names(p) != names(l) {
			t.Errorf("%q: postgres found %s, sqlite %s", q, names(p), names(l))
		}
	}
	// The same set, all of it.
	if p, err := pg.SearchTerms(ctx, "lead", 0); err != nil || len(p) != 6 {
		t.Errorf("lead, no limit: %s, %v", names(p), err)
	}
}

func names(ts []store.Term) string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return fmt.Sprintf("%q", out)
}

func TestGlossaryOfAnotherInstance(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	a, b := open(t, dsn, store.Options{}), open(t, dsn, store.Options{})
	if _, err := b.Term(ctx, "ARR"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Term before: %v", err)
	}
	added, err := a.AddTerm(ctx, store.Term{Name: "ARR", Definition: "Annual recurring revenue."}, alice)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Second)
	for {
		got, err := b.Term(ctx, "arr")
		if err == nil {
			if got.ID != added.ID {
				t.Fatalf("got %+v", got)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("another instance's term not seen within 1 s: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fill writes a bit of everything through s.
func fill(t *testing.T, s store.Store, at time.Time) {
	t.Helper()
	for _, term := range searchFixture[:4] {
		if _, err := s.AddTerm(ctx, term, alice); err != nil {
			t.Fatal(err)
		}
	}
	mql, err := s.Term(ctx, "mql")
	if err != nil {
		t.Fatal(err)
	}
	mql.Definition += " Edited."
	if _, err := s.UpdateTerm(ctx, mql, alice); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddPersona(ctx, store.Persona{Name: "Sally Supermom", Role: "CMO"}, alice); err != nil {
		t.Fatal(err)
	}
	m, err := s.AddMeeting(ctx, store.Meeting{Title: "Weekly", Schedule: "0 9 * * 1", Channel: "C1"}, alice)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddAgendaItem(ctx, m.ID, "pipeline review", "", alice); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMetric(ctx, store.Metric{Name: "visits", Week: store.ISOWeek{Year: 2026, Week: 10}, Value: 1234.5, SetBy: "U1"}); err != nil {
		t.Fatal(err)
	}
	ts := fmt.Sprintf("%d.000100", at.Unix())
	for _, ev := range []store.Event{
		{ID: "E1", Lead: &store.Lead{Channel: "C", TS: ts, Text: "Acme wants a demo", PostedBy: "U2", PostedAt: at}},
		{ID: "E2", React: &store.Reaction{Channel: "C", TS: ts, User: "U1", Emoji: "thumbsdown", Rating: store.Poor, Added: true, At: at.Add(time.Minute)}},
		{ID: "E3", React: &store.Reaction{Channel: "C", TS: "1.000001", User: "U1", Emoji: "fire", Rating: "bogus", Added: true, At: at}},
	} {
		if _, err := s.Record(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.Claim(ctx, "recap:x", "me", time.Hour); err != nil {
		t.Fatal(err)
	}
}

func TestTablesRoundTrip(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	src := openSQLite(t)
	fill(t, src, at)
	pg := open(t, storetest.PostgresDSN(t), store.Options{})
	rep, err := store.Copy(ctx, src, pg)
	if err != nil {
		t.Fatalf("copy to postgres: %v", err)
	}
	back := openSQLite(t)
	if _, err := store.Copy(ctx, pg, back); err != nil {
		t.Fatalf("copy back: %v", err)
	}
	// Every row made the trip, the same.
	want, got := dump(t, src), dump(t, back)
	if !reflect.DeepEqual(want, got) {
		t.Errorf("rows after the round trip differ:\nwant %v\ngot  %v", want, got)
	}
	for i, table := range rep.Tables {
		if n, _ := pg.CountRows(ctx, store.Schema()[i]); n != rep.Rows[i] {
			t.Errorf("%s: %d rows, report says %d", table, n, rep.Rows[i])
		}
	}
	// Derived data was rebuilt: search, the glossary copy, the sequences.
	if r, err := pg.SearchTerms(ctx, "scoring", 5); err != nil || len(r) != 1 || r[0].Name != "Lead scoring" {
		t.Errorf("search after copy: %s, %v", names(r), err)
	}
	if _, err := pg.Term(ctx, "Sales Qualified Lead"); err != nil {
		t.Errorf("glossary copy after copy: %v", err)
	}
	if _, err := pg.AddTerm(ctx, store.Term{Name: "New", Definition: "d"}, alice); err != nil {
		t.Errorf("add after copy: %v", err)
	}
	if _, err := pg.AddMeeting(ctx, store.Meeting{Title: "Another", Schedule: "@daily", Channel: "C2"}, alice); err != nil {
		t.Errorf("add meeting after copy: %v", err)
	}
	// A destination that holds data is refused.
	if _, err := store.Copy(ctx, src, pg); !errors.Is(err, store.ErrNotEmpty) {
		t.Errorf("copy into a full store: %v, want ErrNotEmpty", err)
	}
}

// dump reads every row of s, table by table.
func dump(t *testing.T, s store.Tables) map[string][][]any {
	t.Helper()
	out := map[string][][]any{}
	err := s.ReadTables(ctx, store.Schema(), func(r store.Row) error {
		vals := make([]any, len(r.Values))
		for i, v := range r.Values {
			if p, ok := v.(*int64); ok && p != nil {
				v = *p
			}
			vals[i] = v
		}
		out[r.Table.Name] = append(out[r.Table.Name], vals)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBackupIsSQLite(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	pg := open(t, storetest.PostgresDSN(t), store.Options{})
	fill(t, pg, at)
	file := filepath.Join(t.TempDir(), "backup.db")
	if err := pg.Backup(ctx, file); err != nil {
		t.Fatal(err)
	}
	if err := pg.Backup(ctx, file); err == nil {
		t.Fatal("a second backup overwrote the first")
	}
	copyDB, err := sqlite.Open(ctx, file, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	want, err := pg.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := copyDB.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("the backup exports differently:\nwant %+v\ngot  %+v", want, got)
	}
}

func TestExportMatchesSQLite(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clockPG, clockLite := storetest.NewClock(at), storetest.NewClock(at)
	pg := open(t, storetest.PostgresDSN(t), store.Options{Now: clockPG.Now})
	lite, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"), store.Options{Now: clockLite.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	fill(t, pg, at)
	fill(t, lite, at)
	a, err := pg.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := lite.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("exports differ:\npostgres %+v\nsqlite   %+v", a, b)
	}
	// Importing it into each other changes nothing.
	for _, s := range []store.Store{pg, lite} {
		rep, err := s.Import(ctx, a, store.ImportOptions{By: alice})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created+rep.Updated != 0 || len(rep.Rejected) != 0 {
			t.Errorf("%s: import of its own export: %+v", s.Backend(), rep)
		}
	}
}

func TestStoreOpenPicksPostgres(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	for _, d := range []string{dsn, "postgresql://" + strings.TrimPrefix(dsn, "postgres://")} {
		s, err := store.Open(ctx, d, store.Options{})
		if err != nil {
			t.Fatalf("store.Open(%q): %v", store.Redact(d), err)
		}
		if got := s.Backend(); !strings.HasPrefix(got, "postgres ") {
			t.Errorf("Backend() = %q", got)
		}
		if err := s.Ping(ctx); err != nil {
			t.Errorf("Ping: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDoneClaimsPruned(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	db := open(t, storetest.PostgresDSN(t), store.Options{Now: clock})
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
	advance(store.ClaimsKept - time.Hour)
	claim("recent")
	if err := db.Done(ctx, "recent", "me"); err != nil {
		t.Fatal(err)
	}
	advance(2 * time.Hour) // "old" is past ClaimsKept, "recent" is not
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

func TestSearchTermsFromCopyOrDatabase(t *testing.T) {
	db := open(t, storetest.PostgresDSN(t), store.Options{})
	ds := store.Dataset{}
	for i := range 700 {
		ds.Terms = append(ds.Terms, store.TermRecord{Name: fmt.Sprintf("Lead %03d", i), Aliases: []string{fmt.Sprintf("L%03d", i), fmt.Sprintf("Lx%03d", i)},
			Category: "c", Definition: "A lead."})
	}
	if _, err := db.Import(ctx, ds, store.ImportOptions{By: alice}); err != nil {
		t.Fatal(err)
	}
	fromCopy, err := db.SearchTerms(ctx, "lead", 0)
	if err != nil || len(fromCopy) != 700 {
		t.Fatalf("SearchTerms = %d, %v", len(fromCopy), err)
	}
	var ids []int64
	for _, tm := range fromCopy {
		ids = append(ids, tm.ID)
	}
	fromDB, err := db.TermsByID(ctx, append(ids, 99999))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%+v", fromDB) != fmt.Sprintf("%+v", fromCopy) {
		t.Fatalf("the database's terms differ from the copy's")
	}
}
