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

type nudgeStore interface {
	DueNudges(ctx context.Context, n store.Nudge, now time.Time, limit int) ([]store.Lead, error)
	NextNudgeDue(ctx context.Context, n store.Nudge, now time.Time) (time.Time, error)
}

var _ nudgeStore = store.Store(nil)

// Nudges posts one message in the thread of each lead nobody has rated
// once its time on the SLA clock has come: the SLA reminder (when the SLA
// runs out, [SLAReminders]) and the escalation (at twice the SLA,
// [Escalations]). A nudge is claimed in the database before it is posted,
// so it goes out once, across restarts, overlapping runs and instances; a
// failed post releases the claim for the next run, which looks for the
// nudge in the thread first if the failed post may have reached Slack.
type Nudges struct {
	Store   nudgeStore
	Once    Once
	Poster  Poster
	Message commands.Response // what the nudge says
	Log     *slog.Logger

	nudge store.Nudge
	kind  string
}

// SLAReminders returns j posting the SLA reminder of sla.
func SLAReminders(j Nudges, sla store.SLA) *Nudges {
	j.nudge, j.kind = sla.Reminder(), kindSLAReminder
	return &j
}

// Escalations returns j posting the escalation of sla.
func Escalations(j Nudges, sla store.SLA) *Nudges {
	j.nudge, j.kind = sla.Escalation(), kindEscalation
	return &j
}

// Next returns when the next nudge falls due after now (zero: none
// waiting), for [Scheduler.AddTimer].
func (j *Nudges) Next(ctx context.Context, now time.Time) (time.Time, error) {
	return j.Store.NextNudgeDue(ctx, j.nudge, now)
}

// Run sends the nudges due at now.
func (j *Nudges) Run(ctx context.Context, now time.Time) error {
	const batch = 50
	due, err := j.Store.DueNudges(ctx, j.nudge, now, batch)
	if err != nil {
		return err
	}
	var errs []error
	for _, l := range due {
		if stopping(ctx) {
			break
		}
		found := false
		_, sent, err := j.Once.Do(ctx, j.nudge.Key(l.ID), func(ctx context.Context, c store.Claim) error {
			var err error
			found, err = j.Once.post(ctx, j.kind, j.Poster, c, l.Channel, l.TS, l.PostedAt, j.Message)
			return err
		})
		if err != nil {
			errs = append(errs, err)
		}
		if sent && err == nil && j.Log != nil {
			if found {
				j.Log.Info(j.kind+" found in slack, not posted again", "channel", l.Channel, "ts", l.TS)
			} else {
				j.Log.Info(j.kind+" sent", "channel", l.Channel, "ts", l.TS)
			}
		}
	}
	return errors.Join(errs...)
}
