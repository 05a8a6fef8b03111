package postgres

import (
	"context"
	"fmt"
	"time"

	"smarketing/store"
)

// Claim takes key for owner for lease; see [store.Claims]. One statement
// decides: the insert of a new claim, or the takeover of a held claim whose
// lease ran out; a done or live claim stays as it is. Two instances racing
// for the same key are serialized by the key's unique index (the second
// waits for the first to commit, then — its snapshot older than the row —
// fails to serialize and runs again, seeing the claim taken): exactly one
// wins.
func (db *DB) Claim(ctx context.Context, key, owner string, lease time.Duration) (store.Claim, bool, error) {
	var c store.Claim
	won := false
	err := db.write(ctx, func(tx *Tx) error {
		now := nanos(tx.Now)
		c, won = store.Claim{Key: key}, false
		var claimed, expires int64
		err := tx.QueryRow(ctx, `INSERT INTO claims (key, owner, state, claimed_at, expires_at, attempts, updated_at)
			VALUES ($1, $2, 'held', $3, $4, 1, $3)
			ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, claimed_at = excluded.claimed_at,
				expires_at = excluded.expires_at, attempts = claims.attempts + 1, updated_at = excluded.updated_at
			WHERE claims.state = 'held' AND claims.expires_at <= excluded.claimed_at
			RETURNING owner, state, claimed_at, expires_at, attempts`,
			key, owner, now, nanos(tx.Now.Add(lease))).Scan(&c.Owner, &c.State, &claimed, &expires, &c.Attempts)
		switch {
		case err == nil:
			won = true
			c.ClaimedAt, c.Expires = fromNanos(claimed), fromNanos(expires)
		case isNoRows(err): // done, or held by a live lease
			if c, err = readClaim(ctx, tx, key); err != nil {
				return err
			}
		default:
			return fmt.Errorf("claim %s: %w", key, err)
		}
		if won {
			// Now and then is enough; done claims are only looked up by key.
			_, err = tx.Exec(ctx, "DELETE FROM claims WHERE state = 'done' AND updated_at < $1", nanos(tx.Now.Add(-store.ClaimsKept)))
		}
		return err
	})
	return c, won, err
}

func readClaim(ctx context.Context, q queryer, key string) (store.Claim, error) {
	c := store.Claim{Key: key}
	var claimed, expires int64
	err := q.QueryRow(ctx, "SELECT owner, state, claimed_at, expires_at, attempts FROM claims WHERE key = $1", key).
		Scan(&c.Owner, &c.State, &claimed, &expires, &c.Attempts)
	if isNoRows(err) {
		return c, store.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("read claim %s: %w", key, err)
	}
	c.ClaimedAt, c.Expires = fromNanos(claimed), fromNanos(expires)
	return c, nil
}

// Release gives a claim up; see [store.Claims].
func (db *DB) Release(ctx context.Context, key, owner string) error {
	return db.write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM claims WHERE key = $1 AND owner = $2 AND state = 'held'", key, owner); err != nil {
			return fmt.Errorf("release %s: %w", key, err)
		}
		return nil
	})
}

// Done records the work of a claim as done; see [store.Claims].
func (db *DB) Done(ctx context.Context, key, owner string) error {
	return db.write(ctx, func(tx *Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE claims SET state = 'done', updated_at = $1 WHERE key = $2 AND owner = $3 AND state = 'held'",
			nanos(tx.Now), key, owner)
		if err != nil {
			return fmt.Errorf("finish %s: %w", key, err)
		}
		if tag.RowsAffected() == 0 {
			return store.ErrLeaseLost
		}
		return nil
	})
}
