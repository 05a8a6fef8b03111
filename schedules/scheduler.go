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
	ctx    context.Context
	stop   context.CancelFunc
}

// New returns a Scheduler for the zone loc.
func New(loc *time.Location, log *slog.Logger) *Scheduler {
	log = log.With("component", "schedules")
	l := cronLogger{log}
	ctx, stop := context.WithCancel(context.Background())
	return &Scheduler{
		cron: cron.New(cron.WithLocation(loc), cron.WithChain(cron.Recover(l), cron.SkipIfStillRunning(l))),
		now:  time.Now,
		log:  log,
		ctx:  ctx,
		stop: stop,
	}
}

// Add schedules job under name at spec (see [Parse]).
func (s *Scheduler) Add(name, spec string, job Job) error {
	sched, err := cronspec.Parse(spec)
	if err != nil {
		return err
	}
	s.cron.Schedule(sched, cron.FuncJob(func() {
		at := scheduledTime(sched, time.Now())
		if err := job(s.ctx, at); err != nil {
			s.log.Error("job failed", "job", name, "err", err)
		}
	}))
	return nil
}

// Run starts the jobs and blocks until ctx is done, then stops them and
// waits for any still running.
func (s *Scheduler) Run(ctx context.Context) error {
	s.cron.Start()
	stopTimers := make(chan struct{})
	var timers sync.WaitGroup
	for _, t := range s.timers {
		timers.Go(func() { s.runTimer(stopTimers, t) })
	}
	<-ctx.Done()
	s.stop()
	close(stopTimers)
	done := s.cron.Stop()
	timersDone := make(chan struct{})
	go func() {
		timers.Wait()
		close(timersDone)
	}()
	deadline := time.After(30 * time.Second)
	for _, c := range []<-chan struct{}{done.Done(), timersDone} {
		select {
		case <-c:
		case <-deadline:
			return fmt.Errorf("schedules: jobs still running after 30s")
		}
	}
	return nil
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
