package schedules

import (
	"context"
	"errors"
	"fmt"
	"time"

	"smarketing/store"
)

// DefaultLease is how long a claim is held while its post is made: an
// instance that dies holding one is replaced for that post after it.
const DefaultLease = time.Minute

// claimer is what [Once] needs from the database.
type claimer interface {
	Claim(ctx context.Context, key, owner string, lease time.Duration) (store.Claim, bool, error)
	Release(ctx context.Context, key, owner string) error
	Done(ctx context.Context, key, owner string) error
}

var _ claimer = store.Store(nil)

// Once does each piece of timed work once, however many instances run and
// however often they restart: the work runs only for the instance that
// wins its claim (store/claims.go); done, the claim is marked done;
// failed, it is released for a later run to try again.
type Once struct {
	Store claimer
	Owner string        // this instance
	Lease time.Duration // DefaultLease if 0
}

// Do runs work under the claim of key, and reports whether this instance
// won the claim. work is told the claim (Attempts > 1: taken over after a
// lease ran out, so the work may have been done already).
func (o Once) Do(ctx context.Context, key string, work func(ctx context.Context, c store.Claim) error) (bool, error) {
	lease := o.Lease
	if lease <= 0 {
		lease = DefaultLease
	}
	c, won, err := o.Store.Claim(ctx, key, o.Owner, lease)
	if err != nil || !won {
		return false, err
	}
	workErr := work(ctx, c)
	// Whatever happened, the claim is settled even if ctx ended.
	settle := context.WithoutCancel(ctx)
	if workErr != nil {
		return true, errors.Join(workErr, o.Store.Release(settle, key, o.Owner))
	}
	if err := o.Store.Done(settle, key, o.Owner); err != nil {
		return true, fmt.Errorf("record %s done: %w", key, err)
	}
	return true, nil
}
