package sqlcore

import (
	"context"
	"fmt"

	"smarketing/store"
)

// SetMetric stores m's value for its name and week, replacing any value set
// before: the latest set wins. A zero SetAt means now.
func (db *DB) SetMetric(ctx context.Context, m store.Metric) error {
	if err := m.Check(); err != nil {
		return fmt.Errorf("set metric: %w", err)
	}
	return db.write(ctx, func(tx *Tx) error {
		if m.SetAt.IsZero() {
			m.SetAt = tx.Now
		}
		if err := upsertMetric(ctx, tx, m); err != nil {
			return fmt.Errorf("set metric: %w", err)
		}
		return nil
	})
}

func upsertMetric(ctx context.Context, tx *Tx, m store.Metric) error {
	_, err := tx.Exec(ctx, `INSERT INTO metrics (name, year, week, value, unit, set_by, set_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (name, year, week) DO UPDATE SET
			value = excluded.value, unit = excluded.unit, set_by = excluded.set_by, set_at = excluded.set_at`,
		m.Name, m.Week.Year, m.Week.Week, m.Value, m.Unit, m.SetBy, Nanos(m.SetAt))
	return err
}

const metricColumns = "name, year, week, value, unit, set_by, set_at"

// Metrics returns the metrics set for the weeks from to to, both included,
// ordered by name, then week.
func (db *DB) Metrics(ctx context.Context, from, to store.ISOWeek) ([]store.Metric, error) {
	ms, err := ListMetrics(ctx, db.pool(), "WHERE (year, week) >= (?, ?) AND (year, week) <= (?, ?)",
		from.Year, from.Week, to.Year, to.Week)
	if err != nil {
		return nil, fmt.Errorf("metrics %s to %s: %w", from, to, err)
	}
	return ms, nil
}

// AllMetrics returns every metric ever set, ordered by name, then week.
func (db *DB) AllMetrics(ctx context.Context) ([]store.Metric, error) {
	ms, err := ListMetrics(ctx, db.pool(), "")
	if err != nil {
		return nil, fmt.Errorf("all metrics: %w", err)
	}
	return ms, nil
}

// ListMetrics reads the metrics where says, ordered by name (bytes: SQLite
// compares so, and PostgreSQL's columns are COLLATE "C"), then week.
func ListMetrics(ctx context.Context, q Querier, where string, args ...any) ([]store.Metric, error) {
	rows, err := q.Query(ctx, "SELECT "+metricColumns+" FROM metrics "+where+" ORDER BY name, year, week", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Metric
	for rows.Next() {
		var m store.Metric
		var at int64
		if err := rows.Scan(&m.Name, &m.Week.Year, &m.Week.Week, &m.Value, &m.Unit, &m.SetBy, &at); err != nil {
			return nil, err
		}
		m.SetAt = FromNanos(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// ImportMetric applies one metric record of an import by the rules of
// [store.MergeMetric].
func ImportMetric(ctx context.Context, tx *Tx, r store.MetricRecord, by store.Actor) (store.Outcome, error) {
	var stored *store.Metric
	var old store.Metric
	if w, err := store.ParseISOWeek(r.Week); err == nil {
		err = tx.QueryRow(ctx, "SELECT value, unit, set_by FROM metrics WHERE name = ? AND year = ? AND week = ?",
			r.Name, w.Year, w.Week).Scan(&old.Value, &old.Unit, &old.SetBy)
		switch {
		case err == nil:
			stored = &old
		case !IsNoRows(err):
			return 0, fmt.Errorf("find metric %q %s: %w", r.Name, w, err)
		}
	}
	m, out, err := store.MergeMetric(r, stored, by, tx.Now)
	if err != nil || out == store.Unchanged {
		return out, err
	}
	if err := upsertMetric(ctx, tx, m); err != nil {
		return 0, fmt.Errorf("import metric %q %s: %w", m.Name, m.Week, err)
	}
	return out, nil
}
