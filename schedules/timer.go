package schedules

import (
	"context"
	"time"
)

// DefaultPoll is how often a timer's job runs when nothing is due sooner:
// what it cannot be told of (another instance's change, a claim whose
// lease ran out, a post that failed) is picked up within this.
const DefaultPoll = 10 * time.Second

// A timer runs a job when the job's next due time comes — a timer set to
// that time, not a poll — at least every poll, and at once when woken.
type timer struct {
	name string
	poll time.Duration
	next func(ctx context.Context, now time.Time) (time.Time, error)
	job  Job
	wake chan struct{}
}

// AddTimer runs job under name whenever next says something falls due
// (next returns the earliest due time after now, zero for none), at least
// every poll as well (DefaultPoll if 0), and at once when the returned wake
// is called, say because a change may have moved the next due time. job is
// told the time it runs at. Timers start and stop with [Scheduler.Run].
func (s *Scheduler) AddTimer(name string, poll time.Duration, next func(ctx context.Context, now time.Time) (time.Time, error), job Job) (wake func()) {
	if poll <= 0 {
		poll = DefaultPoll
	}
	t := &timer{name: name, poll: poll, next: next, job: job, wake: make(chan struct{}, 1)}
	s.timers = append(s.timers, t)
	return func() {
		select {
		case t.wake <- struct{}{}:
		default: // a wake is pending already
		}
	}
}

// wakeSettle is how long a woken timer waits before it looks at its next
// due time again, so that a burst of changes (a thousand reactions a
// second) costs one look, not one each.
const wakeSettle = 100 * time.Millisecond

// runTimer runs t until the scheduler stops (a job in flight then
// finishes: see [Scheduler.Run]). Its job and next get the scheduler's job
// context. The job runs at start, when the timer fires (something is due,
// or a poll), and after a wake if what was due came meanwhile; a wake
// itself only sets the timer again.
func (s *Scheduler) runTimer(t *timer) {
	run := true
	var due time.Time
	for {
		if stopping(s.ctx) {
			return
		}
		now := s.now()
		if run || (!due.IsZero() && !now.Before(due)) {
			if err := t.job(s.ctx, now); err != nil {
				s.log.Error("job failed", "job", t.name, "err", err)
			}
		}
		wait := t.poll
		var err error
		due, err = t.next(s.ctx, now)
		switch {
		case err != nil:
			s.log.Error("next due time", "job", t.name, "err", err)
		case !due.IsZero():
			wait = min(wait, max(due.Sub(s.now()), 0))
		}
		tm := time.NewTimer(wait)
		select {
		case <-s.stop:
			tm.Stop()
			return
		case <-tm.C:
			run = true
		case <-t.wake:
			tm.Stop()
			run = false
			select {
			case <-s.stop:
				return
			case <-time.After(wakeSettle):
			}
		}
	}
}
