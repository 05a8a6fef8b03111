package schedules

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// timerRig runs one timer on a scheduler; next answers what due holds.
type timerRig struct {
	mu    sync.Mutex
	due   time.Time
	looks atomic.Int64
	runs  chan time.Time
	wake  func()
	stop  func() error
}

func startTimer(t *testing.T, poll time.Duration, due time.Time) *timerRig {
	t.Helper()
	r := &timerRig{due: due, runs: make(chan time.Time, 100)}
	s := New(time.UTC, slog.New(slog.DiscardHandler))
	r.wake = s.AddTimer("test", poll, func(_ context.Context, now time.Time) (time.Time, error) {
		r.looks.Add(1)
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.due.After(now) {
			return r.due, nil
		}
		return time.Time{}, nil
	}, func(_ context.Context, at time.Time) error {
		r.runs <- at
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	var err error
	r.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the scheduler did not stop")
			}
		})
		return err
	}
	t.Cleanup(func() { _ = r.stop() })
	return r
}

func (r *timerRig) set(due time.Time) {
	r.mu.Lock()
	r.due = due
	r.mu.Unlock()
}

// run waits for the job's next run, failing after within.
func (r *timerRig) run(t *testing.T, within time.Duration) time.Time {
	t.Helper()
	select {
	case at := <-r.runs:
		return at
	case <-time.After(within):
		t.Fatalf("the job did not run within %v", within)
		return time.Time{}
	}
}

func (r *timerRig) noRun(t *testing.T, during time.Duration) {
	t.Helper()
	select {
	case at := <-r.runs:
		t.Fatalf("the job ran at %v with nothing due", at)
	case <-time.After(during):
	}
}

// The job runs at start, then when its next due time comes — not at the
// next poll, which is an hour away here.
func TestTimerRunsWhenDue(t *testing.T) {
	due := time.Now().Add(200 * time.Millisecond)
	r := startTimer(t, time.Hour, due)
	r.run(t, 5*time.Second) // at start
	at := r.run(t, 5*time.Second)
	if at.Before(due) {
		t.Fatalf("the job ran at %v, before its due time %v", at, due)
	}
	if late := at.Sub(due); late > time.Second {
		t.Fatalf("the job ran %v after its due time, want well within 5 s", late)
	}
	r.noRun(t, 300*time.Millisecond) // nothing due after that
	if err := r.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// With nothing due, a wake sets the timer again at once: a change (a lead
// posted) that brings a due time forward is not left to the poll.
func TestTimerWakeSetsItAgain(t *testing.T) {
	r := startTimer(t, time.Hour, time.Time{})
	r.run(t, 5*time.Second)
	r.noRun(t, 200*time.Millisecond)
	due := time.Now().Add(300 * time.Millisecond)
	r.set(due)
	r.wake()
	if at := r.run(t, 5*time.Second); at.Before(due) {
		t.Fatalf("the job ran at %v after the wake, before the new due time %v: a wake only sets the timer", at, due)
	}
}

// A burst of wakes costs a few looks at the next due time, not one each.
func TestTimerWakeBurstSettles(t *testing.T) {
	r := startTimer(t, time.Hour, time.Time{})
	r.run(t, 5*time.Second)
	before := r.looks.Load()
	for range 1000 {
		r.wake()
	}
	time.Sleep(3 * wakeSettle) // let the burst settle: the count is what is measured
	if n := r.looks.Load() - before; n < 1 || n > 3 {
		t.Fatalf("1000 wakes made %d looks at the next due time, want 1–3", n)
	}
}

// The poll runs the job even when nothing says it is due (another
// instance's change, a claim whose lease ran out).
func TestTimerPolls(t *testing.T) {
	r := startTimer(t, 100*time.Millisecond, time.Time{})
	r.run(t, 5*time.Second)
	r.run(t, 5*time.Second)
	r.run(t, 5*time.Second)
}
