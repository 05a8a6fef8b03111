package schedules

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"smarketing/commands"
	"smarketing/store"
)

type reviewStore interface {
	DueReviews(ctx context.Context, now time.Time, every time.Duration, limit int) ([]store.DueReview, error)
	NextReviewDue(ctx context.Context, now time.Time, every time.Duration) (time.Time, error)
}

var _ reviewStore = store.Store(nil)

// reviewMessages builds the DM to an owner; *commands.Handler is the real one.
type reviewMessages interface {
	ReviewDue(ctx context.Context, r store.DueReview) (msg commands.Response, user string, ok bool, err error)
}

var _ reviewMessages = (*commands.Handler)(nil)

// Reviews tells the owner of each agreed term or persona, once, when it
// becomes due for review (SPEC §8), in a direct message. The message is
// claimed in the database before it is sent ([store.ReviewKey]), so it
// goes out once across restarts and instances. A DM cannot be looked for
// afterwards the way a channel post is (that would take the im:history
// scope), so a DM whose first attempt may have reached Slack is not sent
// again: at most once for those, logged.
type Reviews struct {
	Store    reviewStore
	Once     Once
	Messages reviewMessages
	Poster   Poster
	Every    time.Duration // SMARKETING_REVIEW_EVERY
	Log      *slog.Logger
}

// Next returns when the next agreed version falls due for review after
// now (zero: none will), for [Scheduler.AddTimer].
func (j *Reviews) Next(ctx context.Context, now time.Time) (time.Time, error) {
	return j.Store.NextReviewDue(ctx, now, j.Every)
}

// Run sends the DMs due at now.
func (j *Reviews) Run(ctx context.Context, now time.Time) error {
	const batch = 50
	due, err := j.Store.DueReviews(ctx, now, j.Every, batch)
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range due {
		if stopping(ctx) {
			break
		}
		key := store.ReviewKey(r.Ref, r.Version, r.AgreedAt)
		_, _, err := j.Once.Do(ctx, key, func(ctx context.Context, c store.Claim) error {
			msg, user, ok, err := j.Messages.ReviewDue(ctx, r)
			if err != nil || !ok {
				return err // nobody to tell: done
			}
			if c.Attempts > 1 {
				if j.Log != nil {
					j.Log.Warn("review DM may have been sent before; not sent again", "key", key, "user", user)
				}
				return nil
			}
			_, err = j.Once.post(ctx, kindReviewDM, j.Poster, c, user, "", r.DueAt, msg)
			if err == nil && j.Log != nil {
				j.Log.Info("review DM sent", "kind", r.Kind, "id", r.ID, "user", user)
			}
			return err
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
