package schedules

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"smarketing/commands"
	"smarketing/store"
)

// Uploader posts a file to a channel; *bot.Bot is the real one.
type Uploader interface {
	Upload(ctx context.Context, channel, filename, title, altText string, data []byte) error
}

// Recap posts the weekly recap and its chart to the recap channel. Each
// scheduled run is claimed in the database before anything is posted, so
// it posts once: not again after a restart, not twice when runs race, and
// not again after a post whose outcome is unknown if Slack has it.
type Recap struct {
	Once     Once
	Build    func(ctx context.Context, at time.Time) (commands.Recap, error)
	Poster   Poster
	Uploader Uploader
	Channel  string
	Log      *slog.Logger
}

// Run posts the recap scheduled for at, unless that run was posted already.
func (j *Recap) Run(ctx context.Context, at time.Time) error {
	_, err := j.run(ctx, at)
	return err
}

// run is [Recap.Run]; it returns the claim of the run as it stands.
func (j *Recap) run(ctx context.Context, at time.Time) (store.Claim, error) {
	var chart []byte
	var chartErr error
	found := false
	c, won, err := j.Once.Do(ctx, store.RecapKey(at), func(ctx context.Context, c store.Claim) error {
		r, err := j.Build(ctx, at)
		if err != nil {
			return fmt.Errorf("build recap: %w", err)
		}
		if found, err = j.Once.post(ctx, kindRecap, j.Poster, c, j.Channel, "", at, r.Message); err != nil {
			return fmt.Errorf("post recap: %w", err)
		}
		chart, chartErr = r.Chart, r.ChartErr
		return nil
	})
	if err != nil || !won {
		return c, err
	}
	if found {
		// Its chart may be missing; a second recap would be worse.
		j.Log.Info("recap found in slack, not posted again", "channel", j.Channel, "scheduled", at)
		return c, nil
	}
	j.Log.Info("recap posted", "channel", j.Channel, "scheduled", at)
	if chart == nil {
		j.Log.Warn("recap chart", "err", chartErr)
		return c, nil
	}
	// The text is out; a failed upload is logged, not retried as a whole.
	name := fmt.Sprintf("recap-%s.png", at.Format("2006-01-02"))
	if err := j.Uploader.Upload(ctx, j.Channel, name, "Leads posted and % good, last 8 weeks",
		"Bar chart of leads posted per week and line chart of the share of good ratings, for the last 8 weeks", chart); err != nil {
		j.Log.Error("upload recap chart", "err", err)
	}
	return c, nil
}

// CatchUp posts the recap of the last scheduled time before now if it was
// missed (the bot was down) by less than a day. While another owner holds
// its claim — alive and posting, or dead with its lease running out — it
// waits and tries again, so a recap an instance died posting is posted
// (or found in Slack) once the lease runs out. It returns when the recap
// is done, on a failure, or when the scheduler stops.
func (j *Recap) CatchUp(ctx context.Context, sched cron.Schedule, now time.Time) error {
	last := Previous(sched, now, 8*24*time.Hour)
	if last.IsZero() || now.Sub(last) >= 24*time.Hour {
		return nil
	}
	for {
		c, err := j.run(ctx, last)
		if err != nil || c.State != store.ClaimHeld || c.Owner == j.Once.Owner || stopping(ctx) {
			j.Log.Debug("recap catch-up over", "scheduled", last, "state", c.State)
			return err
		}
		wait := time.NewTimer(time.Until(c.Expires) + 100*time.Millisecond)
		select {
		case <-wait.C:
		case <-stopped(ctx):
			wait.Stop()
			return nil
		case <-ctx.Done():
			wait.Stop()
			return ctx.Err()
		}
	}
}
