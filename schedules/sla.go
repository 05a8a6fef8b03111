package schedules

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"smarketing/commands"
	"smarketing/store"
)

// Poster makes the timed posts in Slack and finds them again; *bot.Bot is
// the real one.
type Poster interface {
	// PostMarked posts msg to channel (in the thread threadTS, if set),
	// marked with key, and returns its ts. An error whose NotPosted()
	// reports true proves the post did not reach Slack; after any other
	// error it may have.
	PostMarked(ctx context.Context, channel, threadTS, key string, msg commands.Response) (string, error)
	// FindMarked returns the ts of the bot's message marked key in channel
	// (among the replies to threadTS, if set) posted in [oldest, latest],
	// and false if there is none.
	FindMarked(ctx context.Context, channel, threadTS, key string, oldest, latest time.Time) (string, bool, error)
}

type reminderStore interface {
	DueReminders(ctx context.Context, now time.Time, sla time.Duration, limit int) ([]store.Lead, error)
	NextReminderDue(ctx context.Context, now time.Time, sla time.Duration) (time.Time, error)
}

var _ reminderStore = store.Store(nil)

// SLAReminders posts one reminder in the thread of each lead nobody rated
// within the SLA. A reminder is claimed in the database before it is
// posted, so it goes out once, across restarts and overlapping runs; a
// failed post releases the claim for the next run, which looks for the
// reminder in the thread first if the failed post may have reached Slack.
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
		if stopping(ctx) {
			break
		}
		found := false
		_, sent, err := j.Once.Do(ctx, store.SLAReminderKey(l.ID), func(ctx context.Context, c store.Claim) error {
			var err error
			found, err = j.Once.post(ctx, kindSLAReminder, j.Poster, c, l.Channel, l.TS, l.PostedAt, j.Message)
			return err
		})
		if err != nil {
			errs = append(errs, err)
		}
		if sent && err == nil && j.Log != nil {
			if found {
				j.Log.Info("sla reminder found in slack, not posted again", "channel", l.Channel, "ts", l.TS)
			} else {
				j.Log.Info("sla reminder sent", "channel", l.Channel, "ts", l.TS)
			}
		}
	}
	return errors.Join(errs...)
}
