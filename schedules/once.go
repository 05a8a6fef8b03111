package schedules

import (
	"context"
	"errors"
	"fmt"
	"time"

	"smarketing/commands"
	"smarketing/store"
)

// DefaultLease is how long a claim is held while its post is made: an
// instance that dies holding one is replaced for that post after it. It
// is renewed while the work runs, so a slow post is never taken over from
// a live instance; short, so that another instance (or a restart) takes
// the work of a dead one over well within SPEC §12's 30 s.
const DefaultLease = 20 * time.Second

// claimer is what [Once] needs from the database.
type claimer interface {
	Claim(ctx context.Context, key, owner string, lease time.Duration) (store.Claim, bool, error)
	Release(ctx context.Context, key, owner string) error
	ReleaseUnsure(ctx context.Context, key, owner string) error
	Renew(ctx context.Context, key, owner string, lease time.Duration) error
	Done(ctx context.Context, key, owner string) error
}

var _ claimer = store.Store(nil)

// Once does each piece of timed work once, however many instances run
// and however often they restart: the work runs only for the instance that
// wins its claim (store/claims.go), which renews its lease while the work
// runs; done, the claim is marked done; failed, it is released for a later
// run to try again — as unsure if the work may have been done (see
// [unsure]), so that the next try checks first.
type Once struct {
	Store claimer
	Owner string        // this instance
	Lease time.Duration // DefaultLease if 0
	// Posts, if set, counts every timed post made through [Once.post].
	Posts PostCounter
}

// PostCounter counts timed posts by kind (recap, meeting_reminder,
// sla_reminder, escalation, review_dm, action_dm) and result (posted, failed, already: found in Slack by its
// mark); *probes.Metrics is the real one.
type PostCounter interface {
	Post(kind, result string)
}

// The kinds of timed posts, as counted.
const (
	kindRecap           = "recap"
	kindMeetingReminder = "meeting_reminder"
	kindSLAReminder     = "sla_reminder"
	kindEscalation      = "escalation"
	kindReviewDM        = "review_dm"
	kindActionDM        = "action_dm"
)

// Do runs work under the claim of key, and returns the claim as it stands
// and whether this instance won it. work is told the claim (Attempts > 1:
// an earlier attempt may have done the work, so check first). Once the
// scheduler is stopping (see [Scheduler.Run]) Do claims nothing more.
func (o Once) Do(ctx context.Context, key string, work func(ctx context.Context, c store.Claim) error) (store.Claim, bool, error) {
	if stopping(ctx) {
		return store.Claim{Key: key}, false, nil
	}
	lease := o.Lease
	if lease <= 0 {
		lease = DefaultLease
	}
	c, won, err := o.Store.Claim(ctx, key, o.Owner, lease)
	if err != nil || !won {
		return c, false, err
	}
	workErr := o.renewing(ctx, key, lease, func(ctx context.Context) error { return work(ctx, c) })
	// Whatever happened, the claim is settled even if ctx ended.
	settle := context.WithoutCancel(ctx)
	switch {
	case workErr != nil && isUnsure(workErr):
		return c, true, errors.Join(workErr, o.Store.ReleaseUnsure(settle, key, o.Owner))
	case workErr != nil:
		return c, true, errors.Join(workErr, o.Store.Release(settle, key, o.Owner))
	}
	if err := o.Store.Done(settle, key, o.Owner); err != nil {
		return c, true, fmt.Errorf("record %s done: %w", key, err)
	}
	return c, true, nil
}

// renewing runs work while renewing the lease of key every third of it.
// A lost lease (another instance took the claim over, the database was
// unreachable for a whole lease) cancels work: the new owner does it.
func (o Once) renewing(ctx context.Context, key string, lease time.Duration, work func(ctx context.Context) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	done := make(chan struct{})
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		t := time.NewTicker(lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				err := o.Store.Renew(context.WithoutCancel(ctx), key, o.Owner, lease)
				if errors.Is(err, store.ErrLeaseLost) {
					cancel(fmt.Errorf("renew %s: %w", key, err))
					return
				}
				// Any other failure: try again at the next tick, within the lease.
			}
		}
	}()
	err := work(ctx)
	close(done)
	<-renewed
	if cause := context.Cause(ctx); err != nil && cause != nil && !errors.Is(cause, context.Canceled) {
		err = errors.Join(err, cause)
	}
	return err
}

// unsureError is a failure of work that may have been done all the same.
type unsureError struct{ err error }

func (e unsureError) Error() string { return e.err.Error() }
func (e unsureError) Unwrap() error { return e.err }

func isUnsure(err error) bool {
	var u unsureError
	return errors.As(err, &u)
}

// unsure marks err, from a post, as leaving the post's outcome unknown
// unless it proves the post did not reach Slack (NotPosted, as
// [Poster.PostMarked] errors tell).
func unsure(err error) error {
	var np interface{ NotPosted() bool }
	if err == nil || (errors.As(err, &np) && np.NotPosted()) {
		return err
	}
	return unsureError{err}
}

// lookBack and lookAhead widen a look-up's window for clock skew between
// the bot and Slack.
const (
	lookBack  = time.Minute
	lookAhead = time.Minute
)

// post is where a timed post (of kind) is made for claim c, and counted: in channel (in the
// thread threadTS if set), marked with the claim's key. If an earlier
// attempt's outcome is unknown (c.Attempts > 1), it first looks the mark up
// among the messages since since (no earlier attempt posted before it) and
// reports found, without posting, if it is there. An error leaves the
// outcome unknown unless the post surely did not reach Slack.
func (o Once) post(ctx context.Context, kind string, p Poster, c store.Claim, channel, threadTS string, since time.Time, msg commands.Response) (found bool, err error) {
	if o.Posts != nil {
		defer func() {
			switch {
			case err != nil:
				o.Posts.Post(kind, "failed")
			case found:
				o.Posts.Post(kind, "already")
			default:
				o.Posts.Post(kind, "posted")
			}
		}()
	}
	if c.Attempts > 1 {
		_, found, err := p.FindMarked(ctx, channel, threadTS, c.Key, since.Add(-lookBack), time.Now().Add(lookAhead))
		if err != nil {
			return false, unsureError{err}
		}
		if found {
			return true, nil
		}
	}
	_, err = p.PostMarked(ctx, channel, threadTS, c.Key, msg)
	return false, unsure(err)
}
