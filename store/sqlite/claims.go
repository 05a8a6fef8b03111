package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"smarketing/store"
)

// Claim takes key for owner for lease; see [store.Claims].
func (db *DB) Claim(ctx context.Context, key, owner string, lease time.Duration) (store.Claim, bool, error) {
	var c store.Claim
	won := false
	err := db.write(ctx, func(tx *Tx) error {
		now := nanos(tx.Now)
		res, err := tx.ExecContext(ctx, `INSERT INTO claims (key, owner, state, claimed_at, expires_at, attempts, updated_at)
			VALUES (?, ?, 'held', ?, ?, 1, ?)
			ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, claimed_at = excluded.claimed_at,
				expires_at = excluded.expires_at, attempts = attempts + 1, updated_at = excluded.updated_at
			WHERE state = 'held' AND expires_at <= excluded.claimed_at`,
			key, owner, now, nanos(tx.Now.Add(lease)), now)
		if err != nil {
			return fmt.Errorf("claim %s: %w", key, err)
		}
		n, _ := res.RowsAffected()
		won = n == 1
		if c, err = readClaim(ctx, tx, key); err != nil {
			return err
		}
		if won {
			// Now and then is enough; done claims are only looked up by key.
			_, err = tx.ExecContext(ctx, "DELETE FROM claims WHERE state = 'done' AND updated_at < ?", nanos(tx.Now.Add(-store.ClaimsKept)))
		}
		return err
	})
	return c, won, err
}

func readClaim(ctx context.Context, q queryer, key string) (store.Claim, error) {
	c := store.Claim{Key: key}
	var claimed, expires int64
	err := q.QueryRowContext(ctx, "SELECT owner, state, claimed_at, expires_at, attempts FROM claims WHERE key = ?", key).
		Scan(&c.Owner, &c.State, &claimed, &expires, &c.Attempts)
	if errors.Is(err, sql.ErrNoRows) {
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
		if _, err := tx.ExecContext(ctx, "DELETE FROM claims WHERE key = ? AND owner = ? AND state = 'held'", key, owner); err != nil {
			return fmt.Errorf("release %s: %w", key, err)
		}
		return nil
	})
}

// Done records the work of a claim as done; see [store.Claims].
func (db *DB) Done(ctx context.Context, key, owner string) error {
	return db.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE claims SET state = 'done', updated_at = ? WHERE key = ? AND owner = ? AND state = 'held'",
			nanos(tx.Now), key, owner)
		if err != nil {
			return fmt.Errorf("finish %s: %w", key, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrLeaseLost
		}
		return nil
	})
}
