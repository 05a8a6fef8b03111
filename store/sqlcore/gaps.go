package sqlcore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"smarketing/store"
)

// CountGap counts one lookup of key that found nothing on day; see
// [store.Gaps]. Days older than [store.GapsKept] before it are dropped on
// the way: nothing reads them.
func (db *DB) CountGap(ctx context.Context, key, day string) error {
	d, err := time.Parse(store.DayLayout, day)
	if err != nil {
		return fmt.Errorf("count gap: day %q: %w", day, err)
	}
	if !gapKey(key) {
		return nil // nothing anyone could add a term for
	}
	oldest := d.Add(-store.GapsKept).Format(store.DayLayout)
	return db.write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO term_gaps (key, day, asked) VALUES (?, ?, 1)
			ON CONFLICT (key, day) DO UPDATE SET asked = term_gaps.asked + 1`, key, day); err != nil {
			return fmt.Errorf("count gap: %w", err)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM term_gaps WHERE day < ?", oldest); err != nil {
			return fmt.Errorf("prune gaps: %w", err)
		}
		return nil
	})
}

// gapKey reports whether key could name a term on either backend: not
// empty, valid UTF-8, no NUL (PostgreSQL stores neither of the last two,
// and SQLite should count what PostgreSQL would).
func gapKey(key string) bool {
	return key != "" && utf8.ValidString(key) && !strings.ContainsRune(key, 0)
}

// Gaps returns the most-asked keys of the days from..to that name no term
// now, and how many there are; see [store.Gaps].
func (db *DB) Gaps(ctx context.Context, from, to string, limit int) ([]store.Gap, int, error) {
	var gaps []store.Gap
	var total int
	const missing = `FROM term_gaps g WHERE g.day >= ? AND g.day <= ?
		AND NOT EXISTS (SELECT 1 FROM term_keys k WHERE k.key = g.key)`
	err := db.read(ctx, func(tx *Tx) error {
		gaps = nil
		if err := tx.QueryRow(ctx, "SELECT COUNT(DISTINCT g.key) "+missing, from, to).Scan(&total); err != nil {
			return fmt.Errorf("count gaps: %w", err)
		}
		rows, err := tx.Query(ctx, "SELECT g.key, CAST(SUM(g.asked) AS BIGINT) AS n "+missing+
			" GROUP BY g.key ORDER BY n DESC, g.key LIMIT ?", from, to, db.d.Limit(limit))
		if err != nil {
			return fmt.Errorf("list gaps: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var g store.Gap
			if err := rows.Scan(&g.Key, &g.Asked); err != nil {
				return fmt.Errorf("list gaps: %w", err)
			}
			gaps = append(gaps, g)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	return gaps, total, nil
}

// RequestDefinition records user's request for a term named key; see
// [store.Gaps].
func (db *DB) RequestDefinition(ctx context.Context, key, user string) (bool, error) {
	if !gapKey(key) || !db.d.Storable(user) {
		return false, fmt.Errorf("request definition: key %q or user %q cannot be stored", key, user)
	}
	var n int64
	err := db.write(ctx, func(tx *Tx) (err error) {
		n, err = tx.Exec(ctx, `INSERT INTO gap_requests (key, user_id, requested_at) VALUES (?, ?, ?)
			ON CONFLICT (key, user_id) DO NOTHING`, key, user, Nanos(tx.Now))
		if err != nil {
			return fmt.Errorf("request definition: %w", err)
		}
		return nil
	})
	return n > 0, err
}

// TakeAnswered removes and returns the requests whose key now names a
// term; see [store.Gaps]. A look on the pool first keeps the common case
// (nothing answered) a read: the bot asks after every change to the terms
// and every so often.
func (db *DB) TakeAnswered(ctx context.Context) ([]store.DefinitionRequest, error) {
	var one int
	err := db.pool().QueryRow(ctx, `SELECT 1 FROM gap_requests r
		WHERE EXISTS (SELECT 1 FROM term_keys k WHERE k.key = r.key) LIMIT 1`).Scan(&one)
	if IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look for answered requests: %w", err)
	}
	var out []store.DefinitionRequest
	err = db.write(ctx, func(tx *Tx) error {
		out = nil // afresh if the write runs again
		// One statement both takes and returns them: two instances taking
		// at once get each request once (SQLite's one writer; PostgreSQL's
		// row locks, then a serialization failure and a rerun that finds
		// them gone).
		rows, err := tx.Query(ctx, `DELETE FROM gap_requests
			WHERE key IN (SELECT key FROM term_keys) RETURNING key, user_id, requested_at`)
		if err != nil {
			return fmt.Errorf("take answered requests: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r store.DefinitionRequest
			var at int64
			if err := rows.Scan(&r.Key, &r.User, &at); err != nil {
				return fmt.Errorf("take answered requests: %w", err)
			}
			r.At = FromNanos(at)
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b store.DefinitionRequest) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return strings.Compare(a.User, b.User)
	})
	return out, nil
}
