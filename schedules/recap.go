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
// it posts once: not again after a restart, not twice when runs race.
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
	var chart []byte
	var chartErr error
	posted, err := j.Once.Do(ctx, store.RecapKey(at), func(ctx context.Context, _ store.Claim) error {
		r, err := j.Build(ctx, at)
		if err != nil {
			return fmt.Errorf("build recap: %w", err)
		}
		if _, err := j.Poster.Post(ctx, j.Channel, "", r.Message); err != nil {
			return fmt.Errorf("post recap: %w", err)
		}
		chart, chartErr = r.Chart, r.ChartErr
		return nil
	})
	if err != nil || !posted {
		return err
	}
	j.Log.Info("recap posted", "channel", j.Channel, "scheduled", at)
	if chart == nil {
		j.Log.Warn("recap chart", "err", chartErr)
		return nil
	}
	// The text is out; a failed upload is logged, not retried as a whole.
	name := fmt.Sprintf("recap-%s.png", at.Format("2006-01-02"))
	if err := j.Uploader.Upload(ctx, j.Channel, name, "Leads posted and % good, last 8 weeks",
		"Bar chart of leads posted per week and line chart of the share of good ratings, for the last 8 weeks", chart); err != nil {
		j.Log.Error("upload recap chart", "err", err)
	}
	return nil
}

// CatchUp posts the recap of the last scheduled time before now if it was
// missed (the bot was down) by less than a day.
func (j *Recap) CatchUp(ctx context.Context, sched cron.Schedule, now time.Time) error {
	last := Previous(sched, now, 8*24*time.Hour)
	if last.IsZero() || now.Sub(last) >= 24*time.Hour {
		return nil
	}
	return j.Run(ctx, last)
}
