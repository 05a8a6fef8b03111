package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"smarketing/store"
)

// Opener is how the suite opens stores of the backend under test.
type Opener struct {
	// DSN returns where a new, empty store is: a file in tb.TempDir(), a
	// new database dropped when tb ends.
	DSN func(tb testing.TB) string
	// Open opens the store at dsn, creating its schema if needed, with
	// the options given (the suite's clock in opt.Now). Opening the same
	// dsn twice gives two instances on the same data. The suite closes
	// what it opens.
	Open func(ctx context.Context, dsn string, opt store.Options) (store.Store, error)
}

// Default returns the Opener of [Open] and [OpenDSN]: [DSN] on [Backend],
// opened with [store.Open].
func Default() Opener { return Opener{DSN: DSN, Open: store.Open} }

// Start is when the suite's clocks start: a Monday, 09:00 UTC.
var Start = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// Run runs the conformance suite: every behaviour of [store.Store] that
// any backend must have, one subtest per behaviour, grouped by area.
func Run(t *testing.T, o Opener) {
	if o.DSN == nil || o.Open == nil {
		t.Fatal("storetest.Run: the Opener needs DSN and Open")
	}
	s := &suite{o: o}
	for _, area := range []struct {
		name  string
		tests []subtest
	}{
		{"Glossary", glossaryTests},
		{"Gaps", gapTests},
		{"GlossaryCopy", glossaryCopyTests},
		{"Personas", personaTests},
		{"Agreements", agreementTests},
		{"Changes", changesTests},
		{"Leads", leadTests},
		{"Posters", posterTests},
		{"LeadLoop", leadLoopTests},
		{"Batch", batchTests},
		{"Meetings", meetingTests},
		{"MeetingOutcomes", outcomeTests},
		{"Insights", insightTests},
		{"Metrics", metricTests},
		{"Claims", claimTests},
		{"Dataset", datasetTests},
		{"Tables", tablesTests},
		{"Store", storeTests},
		{"Edges", edgeTests},
	} {
		t.Run(area.name, func(t *testing.T) {
			for _, st := range area.tests {
				t.Run(st.name, func(t *testing.T) { st.fn(t, s) })
			}
		})
	}
}

type subtest struct {
	name string
	fn   func(t *testing.T, s *suite)
}

type suite struct{ o Opener }

// tdb is a store the suite opened, with its clock and where it is.
type tdb struct {
	store.Store
	Clock *Clock
	DSN   string
	once  sync.Once
	err   error
}

// open opens a new, empty store with its clock at [Start].
func (s *suite) open(tb testing.TB) *tdb {
	tb.Helper()
	return s.openAt(tb, Start)
}

// openAt opens a new, empty store with its clock at now.
func (s *suite) openAt(tb testing.TB, now time.Time) *tdb {
	tb.Helper()
	return s.reopen(tb, s.o.DSN(tb), now)
}

// reopen opens the store at dsn, another instance on the same data, with a
// clock of its own at now.
func (s *suite) reopen(tb testing.TB, dsn string, now time.Time) *tdb {
	tb.Helper()
	return openWith(tb, s.o.Open, dsn, now)
}

func openWith(tb testing.TB, open func(context.Context, string, store.Options) (store.Store, error), dsn string, now time.Time) *tdb {
	tb.Helper()
	clock := NewClock(now)
	st, err := open(context.Background(), dsn, store.Options{Now: clock.Now})
	if err != nil {
		tb.Fatalf("open store %s: %v", store.Redact(dsn), err)
	}
	db := &tdb{Store: st, Clock: clock, DSN: dsn}
	tb.Cleanup(func() {
		if err := db.close(); err != nil {
			tb.Errorf("close store %s: %v", store.Redact(dsn), err)
		}
	})
	return db
}

// close closes the store once; the cleanup then does nothing.
func (db *tdb) close() error {
	db.once.Do(func() { db.err = db.Store.Close() })
	return db.err
}

// set moves the store's clock to t.
func (db *tdb) set(t time.Time) { db.Clock.Set(t) }

var (
	ann = store.Actor{ID: "UANN", Name: "Ann"}
	bob = store.Actor{ID: "UBOB", Name: "Bob"}
)

var ctx = context.Background()

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
