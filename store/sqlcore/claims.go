package sqlcore

import (
	"context"
	"fmt"
	"time"

	"smarketing/store"
)

// Claim takes key for owner for lease; see [store.Claims]. One statement
// decides: the insert of a new claim, or the takeover of a held claim whose
// lease ran out; a done or live claim stays as it is. On PostgreSQL two
// instances racing for the same key are serialized by the key's unique
// index (the second waits for the first to commit, then — its snapshot
// older than the row — fails to serialize and runs again, seeing the claim
// taken); on SQLite the one writer does it: exactly one wins.
func (db *DB) Claim(ctx context.Context, key, owner string, lease time.Duration) (store.Claim, bool, error) {
	var c store.Claim
	won := false
	err := db.write(ctx, func(tx *Tx) error {
		now := Nanos(tx.Now)
		c, won = store.Claim{Key: key}, false // afresh if the write runs again
		var claimed, expires int64
		err := tx.QueryRow(ctx, `INSERT INTO claims (key, owner, state, claimed_at, expires_at, attempts, updated_at)
			VALUES (?, ?, 'held', ?, ?, 1, ?)
			ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, claimed_at = excluded.claimed_at,
				expires_at = excluded.expires_at, attempts = claims.attempts + 1, updated_at = excluded.updated_at
			WHERE claims.state = 'held' AND claims.expires_at <= excluded.claimed_at
			RETURNING owner, state, claimed_at, expires_at, attempts`,
			key, owner, now, Nanos(tx.Now.Add(lease)), now).Scan(&c.Owner, &c.State, &claimed, &expires, &c.Attempts)
		switch {
		case err == nil:
			won = true
			c.ClaimedAt, c.Expires = FromNanos(claimed), FromNanos(expires)
		case IsNoRows(err): // done, or held by a live lease
			if c, err = readClaim(ctx, tx, key); err != nil {
				return err
			}
		default:
			return fmt.Errorf("claim %s: %w", key, err)
		}
		if won {
			// Now and then is enough; done claims are only looked up by key.
			_, err = tx.Exec(ctx, "DELETE FROM claims WHERE state = 'done' AND updated_at < ?", Nanos(tx.Now.Add(-store.ClaimsKept)))
		}
		return err
	})
	return c, won, err
}

func readClaim(ctx context.Context, q Querier, key string) (store.Claim, error) {
	c := store.Claim{Key: key}
	var claimed, expires int64
	err := q.QueryRow(ctx, "SELECT owner, state, claimed_at, expires_at, attempts FROM claims WHERE key = ?", key).
		Scan(&c.Owner, &c.State, &claimed, &expires, &c.Attempts)
	if IsNoRows(err) {
		return c, store.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("read claim %s: %w", key, err)
	}
	c.ClaimedAt, c.Expires = FromNanos(claimed), FromNanos(expires)
	return c, nil
}

// Release gives a claim up whose work surely failed; see [store.Claims].
func (db *DB) Release(ctx context.Context, key, owner string) error {
	return db.write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM claims WHERE key = ? AND owner = ? AND state = 'held'", key, owner); err != nil {
			return fmt.Errorf("release %s: %w", key, err)
		}
		return nil
	})
}

// ReleaseUnsure gives a claim up whose work may have been done; see
// [store.Claims]. The lease ends now, so the next Claim is a takeover
// and counts the attempt.
func (db *DB) ReleaseUnsure(ctx context.Context, key, owner string) error {
	return db.write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, "UPDATE claims SET expires_at = ?, updated_at = ? WHERE key = ? AND owner = ? AND state = 'held'",
			Nanos(tx.Now), Nanos(tx.Now), key, owner)
		if err != nil {
			return fmt.Errorf("release %s: %w", key, err)
		}
		return nil
	})
}

// Renew extends owner's lease of key; see [store.Claims]. Like Done, it
// succeeds after the lease ran out if nobody took the claim over.
func (db *DB) Renew(ctx context.Context, key, owner string, lease time.Duration) error {
	return db.write(ctx, func(tx *Tx) error {
		n, err := tx.Exec(ctx, "UPDATE claims SET expires_at = ?, updated_at = ? WHERE key = ? AND owner = ? AND state = 'held'",
			Nanos(tx.Now.Add(lease)), Nanos(tx.Now), key, owner)
		if err != nil {
			return fmt.Errorf("renew %s: %w", key, err)
		}
		if n == 0 {
			return store.ErrLeaseLost
		}
		return nil
	})
}

// Done records the work of a claim as done; see [store.Claims].
func (db *DB) Done(ctx context.Context, key, owner string) error {
	return db.write(ctx, func(tx *Tx) error {
		n, err := tx.Exec(ctx, "UPDATE claims SET state = 'done', updated_at = ? WHERE key = ? AND owner = ? AND state = 'held'",
			Nanos(tx.Now), key, owner)
		if err != nil {
			return fmt.Errorf("finish %s: %w", key, err)
		}
		if n == 0 {
			return store.ErrLeaseLost
		}
		return nil
	})
}
