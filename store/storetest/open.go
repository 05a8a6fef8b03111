// Package storetest opens stores for tests on every backend, and holds the
// conformance suite (Run) that every backend of [store] must pass.
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
