// Package storetest opens stores for tests on every backend, and holds the
// conformance suite ([Run]) that every backend of [store] must pass, and
// its benchmarks ([Bench]).
//
// A backend's test runs the suite with an [Opener]: where a new, empty
// store is (DSN) and how to open the store at a DSN (Open, with the
// signature of [store.Open]):
//
//	var opener = storetest.Opener{
//		DSN: func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "smarketing.db") },
//		Open: func(ctx context.Context, dsn string, opt store.Options) (store.Store, error) {
//			return sqlite.Open(ctx, dsn, opt)
//		},
//	}
//
//	func TestStore(t *testing.T)      { storetest.Run(t, opener) }
//	func BenchmarkStore(b *testing.B) { storetest.Bench(b, opener) }
//
// The suite, not the Opener, owns the clocks and the closing: every store
// it opens gets a [*Clock] of its own (passed as Options.Now, starting at
// [Start]) that the subtest moves with Set, so that leases expire and edits
// happen later without sleeping, and it is closed when the subtest ends.
// Opening the same DSN twice gives a second instance on the same data, as
// another process of the bot (or the CLI beside it) would have: the suite
// does so to test what one instance must see of another's changes.
//
// Tests run on SQLite unless SMARKETING_TEST_BACKEND=postgres, which uses
// the server at SMARKETING_TEST_POSTGRES (a postgres:// URL whose role may
// create databases): each test gets a database of its own. A test that
// needs PostgreSQL and finds none skips, except in CI (SMARKETING_CI set),
// where it fails.
package storetest

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"smarketing/store"
	_ "smarketing/store/postgres" // the backends tests can run on
	_ "smarketing/store/sqlite"
)

// Clock is a clock a test sets.
type Clock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

// NewClock returns a clock that reads t until set otherwise.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the time the clock is set to.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(c.step)
	return c.t
}

// Step makes every reading of the clock move it on by d first.
func (c *Clock) Step(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.step = d
}

// Set sets the clock.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// DB is a store opened for a test, with the clock it reads.
type DB struct {
	store.Store
	Clock *Clock
	DSN   string // where it is, to open it again
}

// Backend returns the backend tests run on: "sqlite" or "postgres".
func Backend() string {
	if b := os.Getenv("SMARKETING_TEST_BACKEND"); b != "" {
		return b
	}
	return "sqlite"
}

// InCI reports whether the tests run in CI, where a missing service is a
// failure rather than a skip.
func InCI() bool { return os.Getenv("SMARKETING_CI") != "" }

// Open opens a new, empty store on [Backend] with its clock at now (the
// real time if now is zero), and closes it when the test ends.
func Open(tb testing.TB, now time.Time) *DB {
	tb.Helper()
	return OpenDSN(tb, DSN(tb), now)
}

// OpenDSN opens the store at dsn with its clock at now (the real time if
// zero), and closes it when the test ends.
func OpenDSN(tb testing.TB, dsn string, now time.Time) *DB {
	tb.Helper()
	db := &DB{DSN: dsn}
	opt := store.Options{}
	if !now.IsZero() {
		db.Clock = NewClock(now)
		opt.Now = db.Clock.Now
	}
	s, err := store.Open(context.Background(), dsn, opt)
	if err != nil {
		tb.Fatalf("open store %s: %v", store.Redact(dsn), err)
	}
	db.Store = s
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("close store: %v", err)
		}
	})
	return db
}

// DSN returns where a new, empty store on [Backend] is: a file in
// tb.TempDir(), or a new PostgreSQL database dropped when the test ends.
func DSN(tb testing.TB) string {
	tb.Helper()
	switch b := Backend(); b {
	case "sqlite":
		return filepath.Join(tb.TempDir(), "smarketing.db")
	case "postgres":
		return postgresDSN(tb)
	default:
		tb.Fatalf("SMARKETING_TEST_BACKEND=%q: want sqlite or postgres", b)
		return ""
	}
}
