package store_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"testing/synctest"

	"smarketing/store"
)

// fakeApply is an ApplyBatch whose behaviour a test sets: it records each
// batch, may wait on a gate, and answers each event by its id.
type fakeApply struct {
	mu      sync.Mutex
	batches [][]string
	gate    chan struct{} // if set, each batch waits for a value or close
	fail    int           // fail this many batches first
	err     error
	skip    map[string]bool // answered Skipped
	dup     map[string]bool // answered not Applied: applied before
	short   bool            // answer one result too few
}

func (f *fakeApply) apply(_ context.Context, events []store.Event) ([]store.EventResult, error) {
	f.mu.Lock()
	ids := make([]string, len(events))
	for i, ev := range events {
		ids[i] = ev.ID
	}
	f.batches = append(f.batches, ids)
	gate := f.gate
	f.mu.Unlock()
	if gate != nil {
		<-gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail > 0 {
		f.fail--
		return nil, f.err
	}
	out := make([]store.EventResult, len(events))
	for i, ev := range events {
		switch {
		case f.skip[ev.ID]:
			out[i] = store.EventResult{Skipped: true}
		case f.dup[ev.ID]:
			out[i] = store.EventResult{}
		default:
			out[i] = store.EventResult{Applied: true, React: store.ReactResult{LeadID: int64(i + 1)}}
		}
	}
	if f.short {
		out = out[1:]
	}
	return out, nil
}

func (f *fakeApply) seen() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.batches)
}

func ev(id string) store.Event {
	return store.Event{ID: id, Lead: &store.Lead{Channel: "C", TS: id}}
}

type recorded struct {
	id  string
	res store.EventResult
	err error
}

// record calls Record in a goroutine and sends what it returned to out.
func record(b *store.Batcher, ctx context.Context, id string, out chan<- recorded) {
	go func() {
		res, err := b.Record(ctx, ev(id))
		out <- recorded{id, res, err}
	}()
}

// Events that arrive while a batch commits are committed together, in
// the next batch, and nobody is answered before its batch committed.
func TestBatcherGroupCommit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeApply{gate: make(chan struct{})}
		b := store.NewBatcher(f.apply, nil, nil)
		defer b.Close()
		out := make(chan recorded, 10)
		record(b, context.Background(), "e1", out)
		synctest.Wait() // e1's batch is committing
		for i := 2; i <= 5; i++ {
			record(b, context.Background(), fmt.Sprintf("e%d", i), out)
		}
		synctest.Wait()
		if len(out) != 0 {
			t.Fatalf("%d callers answered before their batch committed", len(out))
		}
		f.gate <- struct{}{} // e1's batch commits
		first := <-out
		if first.id != "e1" || first.err != nil || !first.res.Applied {
			t.Fatalf("first answer = %+v, want e1 applied", first)
		}
		synctest.Wait()
		if len(out) != 0 {
			t.Fatal("the second batch answered before it committed")
		}
		f.gate <- struct{}{}
		for range 4 {
			if r := <-out; r.err != nil || !r.res.Applied {
				t.Fatalf("answer = %+v, want applied", r)
			}
		}
		got := f.seen()
		if len(got) != 2 || !slices.Equal(got[0], []string{"e1"}) || len(got[1]) != 4 {
			t.Fatalf("batches = %q, want [e1] then the four that waited, together", got)
		}
		slices.Sort(got[1])
		if !slices.Equal(got[1], []string{"e2", "e3", "e4", "e5"}) {
			t.Fatalf("second batch = %q", got[1])
		}
	})
}

// Each caller gets its own event's result.
func TestBatcherAnswersEachCaller(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeApply{gate: make(chan struct{})}
		b := store.NewBatcher(f.apply, nil, nil)
		defer b.Close()
		out := make(chan recorded, 10)
		record(b, context.Background(), "first", out)
		synctest.Wait()
		for _, id := range []string{"a", "b", "c"} {
			record(b, context.Background(), id, out)
			synctest.Wait() // in this order
		}
		close(f.gate)
		for range 4 {
			r := <-out
			want := int64(map[string]int{"first": 1, "a": 1, "b": 2, "c": 3}[r.id])
			if r.res.React.LeadID != want {
				t.Errorf("%s got result %+v, want the one for position %d", r.id, r.res, want)
			}
		}
	})
}

// A batch that fails to commit is retried; its callers wait and then get
// the results of the commit that worked.
func TestBatcherRetriesTransientErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeApply{fail: 2, err: errors.New("disk I/O error")}
		b := store.NewBatcher(f.apply, nil, nil)
		defer b.Close()
		res, err := b.Record(context.Background(), ev("e1"))
		if err != nil || !res.Applied {
			t.Fatalf("Record = %+v, %v; want applied after the retries", res, err)
		}
		if got := f.seen(); len(got) != 3 {
			t.Fatalf("batches = %q, want 3 attempts", got)
		}
	})
}

// A batch that keeps failing is given up: its callers get the error, and
// leave their events unacknowledged for Slack to deliver again.
func TestBatcherGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		disk := errors.New("disk full")
		f := &fakeApply{fail: 1000, err: disk}
		b := store.NewBatcher(f.apply, nil, nil)
		defer b.Close()
		_, err := b.Record(context.Background(), ev("e1"))
		if !errors.Is(err, disk) {
			t.Fatalf("Record = %v, want the commit's error", err)
		}
		attempts := len(f.seen())
		if attempts < 2 {
			t.Fatalf("%d attempts, want retries first", attempts)
		}
		// The next event gets a fresh try.
		f.mu.Lock()
		f.fail = 0
		f.mu.Unlock()
		if res, err := b.Record(context.Background(), ev("e2")); err != nil || !res.Applied {
			t.Fatalf("Record after a failed batch = %+v, %v", res, err)
		}
	})
}

func TestBatcherPoisonSkipped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeApply{gate: make(chan struct{}), skip: map[string]bool{"bad": true}}
		b := store.NewBatcher(f.apply, nil, nil)
		defer b.Close()
		out := make(chan recorded, 10)
		record(b, context.Background(), "first", out)
		synctest.Wait()
		record(b, context.Background(), "bad", out)
		record(b, context.Background(), "good", out)
		synctest.Wait()
		close(f.gate)
		for range 3 {
			r := <-out
			switch {
			case r.err != nil:
				t.Errorf("%s: %v, want no error (a poison event is acknowledged)", r.id, r.err)
			case r.id == "bad" && (!r.res.Skipped || r.res.Applied):
				t.Errorf("bad = %+v, want Skipped", r.res)
			case r.id != "bad" && !r.res.Applied:
				t.Errorf("%s = %+v, want applied beside the poison event", r.id, r.res)
			}
		}
	})
}

func TestBatcherWrongResultCount(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeApply{short: true}
		b := store.NewBatcher(f.apply, nil, nil)
		defer b.Close()
		if _, err := b.Record(context.Background(), ev("e1")); err == nil {
			t.Fatal("Record with no result for its event: no error")
		}
	})
}

func TestBatcherRefusesMalformedEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeApply{}
		b := store.NewBatcher(f.apply, nil, nil)
		defer b.Close()
		for _, e := range []store.Event{{ID: "none"}, {ID: "two", Lead: &store.Lead{}, React: &store.Reaction{}}} {
			if _, err := b.Record(context.Background(), e); err == nil {
				t.Errorf("Record(%+v): no error", e)
			}
		}
		if got := f.seen(); len(got) != 0 {
			t.Fatalf("malformed events were applied: %q", got)
		}
	})
}

// Close applies what is queued, then Record answers ErrClosed.
func TestBatcherClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeApply{gate: make(chan struct{})}
		b := store.NewBatcher(f.apply, nil, nil)
		out := make(chan recorded, 10)
		record(b, context.Background(), "e1", out)
		synctest.Wait()
		record(b, context.Background(), "e2", out)
		synctest.Wait()
		closed := make(chan struct{})
		go func() {
			b.Close()
			close(closed)
		}()
		synctest.Wait()
		select {
		case <-closed:
			t.Fatal("Close returned with events still queued")
		default:
		}
		close(f.gate)
		<-closed
		for range 2 {
			if r := <-out; r.err != nil || !r.res.Applied {
				t.Errorf("%s queued before Close = %+v, %v; want applied", r.id, r.res, r.err)
			}
		}
		if _, err := b.Record(context.Background(), ev("late")); !errors.Is(err, store.ErrClosed) {
			t.Fatalf("Record after Close = %v, want ErrClosed", err)
		}
		b.Close() // twice is fine
		if got := f.seen(); len(got) != 2 {
			t.Fatalf("batches = %q", got)
		}
	})
}

// A caller that gave up (its context ended) is told so, and its event is
// not applied later: it was not acknowledged, so Slack delivers it again.
func TestBatcherCancelledNotApplied(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeApply{gate: make(chan struct{})}
		b := store.NewBatcher(f.apply, nil, nil)
		defer b.Close()
		out := make(chan recorded, 10)
		record(b, context.Background(), "e1", out)
		synctest.Wait()
		ctx, cancel := context.WithCancel(context.Background())
		record(b, ctx, "gave-up", out)
		record(b, context.Background(), "e3", out)
		synctest.Wait()
		cancel()
		if r := <-out; r.id != "gave-up" || !errors.Is(r.err, context.Canceled) {
			t.Fatalf("answer = %+v, want gave-up told context.Canceled at once", r)
		}
		close(f.gate)
		<-out
		<-out
		// Already cancelled before Record: not applied either.
		done, stop := context.WithCancel(context.Background())
		stop()
		if _, err := b.Record(done, ev("never")); !errors.Is(err, context.Canceled) {
			t.Fatalf("Record with a cancelled context = %v", err)
		}
		synctest.Wait()
		for _, batch := range f.seen() {
			if slices.Contains(batch, "gave-up") || slices.Contains(batch, "never") {
				t.Fatalf("batches = %q: a cancelled event was applied", f.seen())
			}
		}
		if got := f.seen(); len(got) != 2 || !slices.Equal(got[1], []string{"e3"}) {
			t.Fatalf("batches = %q, want [e1] [e3]", got)
		}
	})
}

// countObserver counts what a store.Observer is told.
type countObserver struct {
	mu     sync.Mutex
	counts map[string]int // "event:applied", "db:commit_events", …
}

var _ store.Observer = (*countObserver)(nil)

func (o *countObserver) add(k string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.counts == nil {
		o.counts = map[string]int{}
	}
	o.counts[k]++
}

func (o *countObserver) EventDone(result string) { o.add("event:" + result) }
func (o *countObserver) DBError(op string)       { o.add("db:" + op) }

func (o *countObserver) snapshot() map[string]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return maps.Clone(o.counts)
}

// The observer is told each event's result and each failed commit.
func TestBatcherObserver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		disk := errors.New("disk full")
		f := &fakeApply{skip: map[string]bool{"bad": true}, dup: map[string]bool{"again": true}}
		obs := &countObserver{}
		b := store.NewBatcher(f.apply, nil, obs)
		defer b.Close()
		for _, id := range []string{"new", "again", "bad"} {
			if _, err := b.Record(context.Background(), ev(id)); err != nil {
				t.Fatalf("Record(%s) = %v", id, err)
			}
		}
		f.mu.Lock()
		f.fail, f.err = 1000, disk
		f.mu.Unlock()
		if _, err := b.Record(context.Background(), ev("lost")); !errors.Is(err, disk) {
			t.Fatalf("Record(lost) = %v, want %v", err, disk)
		}
		attempts := len(f.seen()) - 3
		want := map[string]int{
			"event:applied": 1, "event:duplicate": 1, "event:skipped": 1, "event:failed": 1,
			"db:commit_events": attempts,
		}
		if got := obs.snapshot(); !maps.Equal(got, want) {
			t.Fatalf("observed %v, want %v", got, want)
		}
	})
}
