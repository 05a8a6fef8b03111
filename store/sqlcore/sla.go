package sqlcore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"smarketing/store"
)

// SetSLATarget records t as the target of its commitment from the
// transaction's now on, and returns it as stored; a [*store.RecordError]
// for a target [store.SLATarget.Check] refuses.
func (db *DB) SetSLATarget(ctx context.Context, t store.SLATarget) (store.SLATarget, error) {
	if err := t.Check(); err != nil {
		return store.SLATarget{}, err
	}
	err := db.write(ctx, func(tx *Tx) error {
		t.SetAt = tx.Now
		return insertSLATarget(ctx, tx, t)
	})
	if err != nil {
		return store.SLATarget{}, fmt.Errorf("set sla %s: %w", t.Name, err)
	}
	return t, nil
}

func insertSLATarget(ctx context.Context, tx *Tx, t store.SLATarget) error {
	_, err := tx.Exec(ctx, "INSERT INTO sla_targets (name, target, set_by, set_by_name, set_at) VALUES (?, ?, ?, ?, ?)",
		t.Name, t.Target, t.SetBy, t.SetByName, Nanos(t.SetAt))
	return err
}

// SLATargets returns the target in force of each commitment ever set, in
// the order of [store.SLANames].
func (db *DB) SLATargets(ctx context.Context) ([]store.SLATarget, error) {
	history, err := SLAHistory(ctx, db.pool(), "")
	if err != nil {
		return nil, fmt.Errorf("sla targets: %w", err)
	}
	return store.LatestTargets(history), nil
}

// SLATargetsAt returns the targets in force at t: of each commitment, the
// latest set at or before t.
func (db *DB) SLATargetsAt(ctx context.Context, t time.Time) ([]store.SLATarget, error) {
	history, err := SLAHistory(ctx, db.pool(), "WHERE set_at <= ?", Nanos(t))
	if err != nil {
		return nil, fmt.Errorf("sla targets at %v: %w", t, err)
	}
	return store.LatestTargets(history), nil
}

// SLAHistory returns every change of a commitment, newest first.
func (db *DB) SLAHistory(ctx context.Context) ([]store.SLATarget, error) {
	history, err := SLAHistory(ctx, db.pool(), "")
	if err != nil {
		return nil, fmt.Errorf("sla history: %w", err)
	}
	return history, nil
}

// SLAHistory reads the changes of the commitments where says, newest
// first (of two at the same time, the one added last).
func SLAHistory(ctx context.Context, q Querier, where string, args ...any) ([]store.SLATarget, error) {
	rows, err := q.Query(ctx, "SELECT name, target, set_by, set_by_name, set_at FROM sla_targets "+where+
		" ORDER BY set_at DESC, id DESC", args...)
	if err != nil {
		return nil, err
	}
	var out []store.SLATarget
	err = scanEach(rows, func(r Rows) error {
		var t store.SLATarget
		var at int64
		err := r.Scan(&t.Name, &t.Target, &t.SetBy, &t.SetByName, &at)
		t.SetAt = FromNanos(at)
		out = append(out, t)
		return err
	})
	return out, err
}

// slaRecords returns the history of the commitments oldest first, as an
// export has it.
func slaRecords(ctx context.Context, q Querier) ([]store.SLATarget, error) {
	history, err := SLAHistory(ctx, q, "")
	if err != nil {
		return nil, fmt.Errorf("export sla: %w", err)
	}
	slices.Reverse(history)
	return history, nil
}

// ImportSLA adds the change r records, unless it is stored already; see
// [store.SLARecord.Change].
func ImportSLA(ctx context.Context, tx *Tx, r store.SLARecord, by store.Actor) (store.Outcome, error) {
	t, err := r.Change(by, tx.Now)
	if err != nil {
		return 0, err
	}
	var n int
	if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM sla_targets WHERE name = ? AND set_at = ?", t.Name, Nanos(t.SetAt)).Scan(&n); err != nil {
		return 0, fmt.Errorf("find sla %s change: %w", t.Name, err)
	}
	if n > 0 {
		return store.Unchanged, nil
	}
	if err := insertSLATarget(ctx, tx, t); err != nil {
		return 0, fmt.Errorf("import sla %s: %w", t.Name, err)
	}
	return store.Created, nil
}
