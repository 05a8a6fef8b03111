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
	ClaimReminder(ctx context.Context, id int64) (bool, error)
	FinishReminder(ctx context.Context, id int64, sent bool) error
}

var _ reminderStore = (*store.DB)(nil)

// SLAReminders posts one reminder in the thread of each lead nobody rated
// within the SLA. A reminder is claimed in the database before it is
// posted, so it goes out at most once, across restarts and overlapping
// runs; a failed post releases the claim for the next run.
type SLAReminders struct {
	Store   reminderStore
	Poster  Poster
	Message commands.Response // what the reminder says
	SLA     time.Duration
	Log     *slog.Logger
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
		won, err := j.Store.ClaimReminder(ctx, l.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !won {
			continue
		}
		_, postErr := j.Poster.Post(ctx, l.Channel, l.TS, j.Message)
		if postErr != nil {
			errs = append(errs, postErr)
		}
		if err := j.Store.FinishReminder(context.WithoutCancel(ctx), l.ID, postErr == nil); err != nil {
			errs = append(errs, err)
		}
		if postErr == nil && j.Log != nil {
			j.Log.Info("sla reminder sent", "channel", l.Channel, "ts", l.TS)
		}
	}
	return errors.Join(errs...)
}
