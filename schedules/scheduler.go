// Package schedules runs the bot's timed jobs: the weekly recap on
// robfig/cron, and meeting and SLA reminders on timers set to the next
// reminder due. Jobs call the same command and store code as everything
// else.
package schedules

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"smarketing/schedules/cronspec"
)

// Job is one timed task. at is the time it was scheduled for.
type Job func(ctx context.Context, at time.Time) error

// Scheduler runs jobs on cron schedules in one time zone. A job that fails
// is logged and runs again at its next time; one still running when its
// next time comes is skipped; a panic in one does not stop the others.
type Scheduler struct {
	cron   *cron.Cron
	timers []*timer
	now    func() time.Time
	log    *slog.Logger
	// ctx is the jobs' context. A stop does not cancel it at once — a post
	// in flight finishes — only StopGrace later; until then it tells the
	// jobs to take no new work (see [stopping]).
	ctx    context.Context
	cancel context.CancelFunc
	stop   chan struct{} // closed when Run's context is done
	wg     sync.WaitGroup
}

// StopGrace bounds how long [Scheduler.Run] lets work in flight finish
// after its context is done.
const StopGrace = 25 * time.Second

// stopKey is the context key of the scheduler's stop channel.
type stopKey struct{}

// stopping reports whether the scheduler that runs the job of ctx is
// stopping: the job must take no new work, but may finish what it holds.
func stopping(ctx context.Context) bool {
	stop, _ := ctx.Value(stopKey{}).(chan struct{})
	select {
	case <-stop: // a nil stop (no scheduler) never closes
		return true
	default:
		return false
	}
}

// stopped returns a channel closed when the scheduler that runs the job of
// ctx is stopping; nil (never closed) outside a scheduler.
func stopped(ctx context.Context) <-chan struct{} {
	stop, _ := ctx.Value(stopKey{}).(chan struct{})
	return stop
}

// New returns a Scheduler for the zone loc.
func New(loc *time.Location, log *slog.Logger) *Scheduler {
	log = log.With("component", "schedules")
	l := cronLogger{log}
	stop := make(chan struct{})
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), stopKey{}, stop))
	return &Scheduler{
		cron:   cron.New(cron.WithLocation(loc), cron.WithChain(cron.Recover(l), cron.SkipIfStillRunning(l))),
		now:    time.Now,
		log:    log,
		ctx:    ctx,
		cancel: cancel,
		stop:   stop,
	}
}

// Add schedules job under name at spec (see [Parse]).
func (s *Scheduler) Add(name, spec string, job Job) error {
	sched, err := cronspec.Parse(spec)
	if err != nil {
		return err
	}
	s.cron.Schedule(sched, cron.FuncJob(func() {
		if stopping(s.ctx) {
			return
		}
		at := scheduledTime(sched, time.Now())
		if err := job(s.ctx, at); err != nil {
			s.log.Error("job failed", "job", name, "err", err)
		}
	}))
	return nil
}

// Go runs job once, now, as one of the scheduler's jobs: it gets their
// context and [Scheduler.Run] waits for it as for them. Call it before Run.
func (s *Scheduler) Go(name string, job func(ctx context.Context) error) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := job(s.ctx); err != nil {
			s.log.Error("job failed", "job", name, "err", err)
		}
	}()
}

// Run starts the jobs and blocks until ctx is done. Then it starts no more
// jobs and tells those running to take no new work, lets the work in flight
// finish for up to [StopGrace], and only then cancels it.
func (s *Scheduler) Run(ctx context.Context) error {
	defer s.cancel()
	s.cron.Start()
	for _, t := range s.timers {
		s.wg.Go(func() { s.runTimer(t) })
	}
	<-ctx.Done()
	s.log.Info("stopping: letting work in flight finish", "grace", StopGrace)
	close(s.stop)
	idle := make(chan struct{})
	go func() {
		<-s.cron.Stop().Done()
		s.wg.Wait()
		close(idle)
	}()
	grace := time.NewTimer(StopGrace)
	defer grace.Stop()
	select {
	case <-idle:
		return nil
	case <-grace.C:
	}
	// Cancelled, a post's outcome is unknown: its claim is released as
	// unsure, so the next run looks for it in Slack before posting again.
	s.cancel()
	settle := time.NewTimer(2 * time.Second)
	defer settle.Stop()
	select {
	case <-idle:
		s.log.Warn("work cancelled at stop", "grace", StopGrace)
		return nil
	case <-settle.C:
		return fmt.Errorf("schedules: jobs still running %v after the stop", StopGrace+2*time.Second)
	}
}

// scheduledTime is the time a run firing at now was scheduled for: cron
// fires a little late, and a run is recorded under its exact time.
func scheduledTime(sched cron.Schedule, now time.Time) time.Time {
	if _, every := sched.(cron.ConstantDelaySchedule); every {
		return now.Truncate(time.Second)
	}
	if at := sched.Next(now.Add(-time.Minute)); !at.After(now) {
		return at
	}
	return now
}

// Previous returns the last time sched fired at or before now, looking back
// at most window; zero if none.
func Previous(sched cron.Schedule, now time.Time, window time.Duration) time.Time {
	var last time.Time
	for t := sched.Next(now.Add(-window)); !t.IsZero() && !t.After(now); t = sched.Next(t) {
		last = t
	}
	return last
}

// cronLogger sends robfig/cron's messages to slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
