package store

import (
	"context"
	"fmt"
	"time"
)

// ClaimRun records that job is running for the time it was scheduled at and
// reports whether this caller won: a run already claimed or done is not
// claimed again, so it never posts twice.
func (db *DB) ClaimRun(ctx context.Context, job string, scheduled time.Time) (bool, error) {
	res, err := db.w.ExecContext(ctx, `INSERT OR IGNORE INTO runs (job, scheduled_at, state, updated_at)
		VALUES (?, ?, 'posting', ?)`, job, nanos(scheduled), nanos(db.Now()))
	if err != nil {
		return false, fmt.Errorf("claim run: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// FinishRun records a claimed run as posted, or releases the claim when it
// failed so it can be tried again.
func (db *DB) FinishRun(ctx context.Context, job string, scheduled time.Time, posted bool) error {
	var err error
	if posted {
		_, err = db.w.ExecContext(ctx, "UPDATE runs SET state = 'posted', updated_at = ? WHERE job = ? AND scheduled_at = ?",
			nanos(db.Now()), job, nanos(scheduled))
	} else {
		_, err = db.w.ExecContext(ctx, "DELETE FROM runs WHERE job = ? AND scheduled_at = ? AND state = 'posting'", job, nanos(scheduled))
	}
	if err != nil {
		return fmt.Errorf("finish run: %w", err)
	}
	return nil
}

// Change is a term or persona created or edited in a period.
type Change struct {
	Kind   string // "term" or "persona"
	Name   string // as it is now
	Action string // "created" (perhaps edited since too) or "edited"
}

// Changes returns the terms and personas created or edited in [from, to)
// that still exist, terms first, by name.
func (db *DB) Changes(ctx context.Context, from, to time.Time) ([]Change, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT r.kind, COALESCE(t.name, p.name), MIN(r.action)
		FROM revisions r
		LEFT JOIN terms t ON r.kind = 'term' AND t.id = r.record_id
		LEFT JOIN personas p ON r.kind = 'persona' AND p.id = r.record_id
		WHERE r.edited_at >= ? AND r.edited_at < ? AND COALESCE(t.id, p.id) IS NOT NULL
		GROUP BY r.kind, r.record_id
		ORDER BY r.kind DESC, 2`, nanos(from), nanos(to))
	if err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		if err := rows.Scan(&c.Kind, &c.Name, &c.Action); err != nil {
			return nil, fmt.Errorf("changes: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
