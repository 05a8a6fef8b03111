package schedules

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"smarketing/commands"
	"smarketing/store"
)

// Poster posts messages to Slack; *bot.Bot is the real one.
type Poster interface {
	Post(ctx context.Context, channel, threadTS string, msg commands.Response) (string, error)
}

type reminderStore interface {
	DueReminders(ctx context.Context, now time.Time, sla time.Duration, limit int) ([]store.Lead, error)
	NextReminderDue(ctx context.Context, now time.Time, sla time.Duration) (time.Time, error)
}

var _ reminderStore = store.Store(nil)

// SLAReminders posts one reminder in the thread of each lead nobody rated
// within the SLA. A reminder is claimed in the database before it is
// posted, so it goes out at most once, across restarts and overlapping
// runs; a failed post releases the claim for the next run.
type SLAReminders struct {
	Store   reminderStore
	Once    Once
	Poster  Poster
	Message commands.Response // what the reminder says
	SLA     time.Duration
	Log     *slog.Logger
}

// Next returns when the next reminder falls due after now (zero: none
// waiting), for [Scheduler.AddTimer].
func (j *SLAReminders) Next(ctx context.Context, now time.Time) (time.Time, error) {
	return j.Store.NextReminderDue(ctx, now, j.SLA)
}

// Run sends the reminders due at now.
func (j *SLAReminders) Run(ctx context.Context, now time.Time) error {
	const batch = 50
	due, err := j.Store.DueReminders(ctx, now, j.SLA, batch)
	if err != nil {
		return err
	}
	var errs []error
	for _, l := range due {
		sent, err := j.Once.Do(ctx, store.SLAReminderKey(l.ID), func(ctx context.Context, _ store.Claim) error {
			_, err := j.Poster.Post(ctx, l.Channel, l.TS, j.Message)
			return err
		})
		if err != nil {
			errs = append(errs, err)
		}
		if sent && err == nil && j.Log != nil {
			j.Log.Info("sla reminder sent", "channel", l.Channel, "ts", l.TS)
		}
	}
	return errors.Join(errs...)
}
