package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ISOWeek is a week as ISO 8601 numbers them: weeks start on Monday and
// week 1 is the one with the year's first Thursday, so the last days of
// December can belong to week 1 of the next year and the first days of
// January to week 52 or 53 of the one before.
type ISOWeek struct{ Year, Week int }

// String writes w like "2026-W48".
func (w ISOWeek) String() string { return fmt.Sprintf("%04d-W%02d", w.Year, w.Week) }

// WeekOf returns the ISO week of t, in the zone t carries.
func WeekOf(t time.Time) ISOWeek {
	y, wk := t.ISOWeek()
	return ISOWeek{Year: y, Week: wk}
}

var isoWeekText = regexp.MustCompile(`^(\d{4})-?[Ww](\d{1,2})$`)

// ParseISOWeek reads a week written like "2026-W48" (also "2026-w48" and
// "2026W48"). It returns an error if s is not written that way or names a
// week its year does not have, such as 2025-W53.
func ParseISOWeek(s string) (ISOWeek, error) {
	m := isoWeekText.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return ISOWeek{}, fmt.Errorf("%q is not an ISO week such as 2026-W48", s)
	}
	year, _ := strconv.Atoi(m[1])
	week, _ := strconv.Atoi(m[2])
	w := ISOWeek{Year: year, Week: week}
	if err := w.check(); err != nil {
		return ISOWeek{}, err
	}
	return w, nil
}

// WeeksIn returns how many ISO weeks year has: 52, or 53 in "long" years
// such as 2020 and 2026.
func WeeksIn(year int) int {
	// 28 December is always in the year's last week.
	_, w := time.Date(year, 12, 28, 12, 0, 0, 0, time.UTC).ISOWeek()
	return w
}

// check returns an error unless w exists.
func (w ISOWeek) check() error {
	switch {
	case w.Year < 1 || w.Year > 9999:
		return fmt.Errorf("year %d is out of range", w.Year)
	case w.Week < 1:
		return fmt.Errorf("weeks are numbered from W01, not W%02d", w.Week)
	case w.Week > WeeksIn(w.Year):
		return fmt.Errorf("%d has no week %d: its last week is W%02d", w.Year, w.Week, WeeksIn(w.Year))
	}
	return nil
}

// monday returns noon on the Monday of w, in UTC: a calendar day that
// arithmetic in days cannot push across a date line.
func (w ISOWeek) monday() time.Time {
	jan4 := time.Date(w.Year, 1, 4, 12, 0, 0, 0, time.UTC)
	back := (int(jan4.Weekday()) + 6) % 7 // days since Monday
	return jan4.AddDate(0, 0, 7*(w.Week-1)-back)
}

// Start returns Monday 00:00 of w in loc (or the first instant of that day,
// where a clock change skips midnight).
func (w ISOWeek) Start(loc *time.Location) time.Time {
	y, m, d := w.monday().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// Prev returns the week before w.
func (w ISOWeek) Prev() ISOWeek { return WeekOf(w.monday().AddDate(0, 0, -7)) }

// Next returns the week after w.
func (w ISOWeek) Next() ISOWeek { return WeekOf(w.monday().AddDate(0, 0, 7)) }

// Compare returns -1 if w is before o, +1 if after, and 0 if they are the
// same week.
func (w ISOWeek) Compare(o ISOWeek) int {
	return cmp.Or(cmp.Compare(w.Year, o.Year), cmp.Compare(w.Week, o.Week))
}

// Metric is a marketing number set with /metrics for one ISO week.
type Metric struct {
	Name  string // normalised by the caller, e.g. "website-visits"
	Week  ISOWeek
	Value float64
	Unit  string // "%" or ""
	SetBy string // user ID
	SetAt time.Time
}

// check returns an error if m cannot be stored.
func (m Metric) check() error {
	switch {
	case strings.TrimSpace(m.Name) == "":
		return errors.New("metric has no name")
	case math.IsNaN(m.Value) || math.IsInf(m.Value, 0):
		return fmt.Errorf("metric %q: %v is not a number", m.Name, m.Value)
	case m.Unit != "" && m.Unit != "%":
		return fmt.Errorf("metric %q: unit %q is not %q or empty", m.Name, m.Unit, "%")
	}
	if err := m.Week.check(); err != nil {
		return fmt.Errorf("metric %q: %w", m.Name, err)
	}
	return nil
}

// SetMetric stores m's value for its name and week, replacing any value set
// before: the latest set wins. A zero SetAt means now.
func (db *DB) SetMetric(ctx context.Context, m Metric) error {
	if err := m.check(); err != nil {
		return fmt.Errorf("set metric: %w", err)
	}
	if m.SetAt.IsZero() {
		m.SetAt = db.Now()
	}
	if err := upsertMetric(ctx, db.w, m); err != nil {
		return fmt.Errorf("set metric: %w", err)
	}
	return nil
}

func upsertMetric(ctx context.Context, tx execer, m Metric) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO metrics (name, year, week, value, unit, set_by, set_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (name, year, week) DO UPDATE SET
			value = excluded.value, unit = excluded.unit, set_by = excluded.set_by, set_at = excluded.set_at`,
		m.Name, m.Week.Year, m.Week.Week, m.Value, m.Unit, m.SetBy, nanos(m.SetAt))
	return err
}

const metricColumns = "name, year, week, value, unit, set_by, set_at"

// Metrics returns the metrics set for the weeks from to to, both included,
// ordered by name, then week.
func (db *DB) Metrics(ctx context.Context, from, to ISOWeek) ([]Metric, error) {
	ms, err := listMetrics(ctx, db.sql, "WHERE (year, week) >= (?, ?) AND (year, week) <= (?, ?)",
		from.Year, from.Week, to.Year, to.Week)
	if err != nil {
		return nil, fmt.Errorf("metrics %s to %s: %w", from, to, err)
	}
	return ms, nil
}

// AllMetrics returns every metric ever set, ordered by name, then week.
func (db *DB) AllMetrics(ctx context.Context) ([]Metric, error) {
	ms, err := listMetrics(ctx, db.sql, "")
	if err != nil {
		return nil, fmt.Errorf("all metrics: %w", err)
	}
	return ms, nil
}

func listMetrics(ctx context.Context, q queryer, where string, args ...any) ([]Metric, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+metricColumns+" FROM metrics "+where+" ORDER BY name, year, week", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Metric
	for rows.Next() {
		var m Metric
		var at int64
		if err := rows.Scan(&m.Name, &m.Week.Year, &m.Week.Week, &m.Value, &m.Unit, &m.SetBy, &at); err != nil {
			return nil, err
		}
		m.SetAt = fromNanos(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// MetricRecord is a metric in the export format (SPEC §7). Unit goes
// beyond §7: without it a percentage would come back from an export as a
// plain number; it is left out for plain numbers.
type MetricRecord struct {
	Name  string  `json:"name"`
	Week  string  `json:"week"` // "2026-W48"
	Value float64 `json:"value"`
	Unit  string  `json:"unit,omitempty"` // "%" or ""
	SetBy string  `json:"set_by"`
}

// MetricRecords returns every metric in the export format, ordered by name,
// then week.
func (db *DB) MetricRecords(ctx context.Context) ([]MetricRecord, error) {
	rs, err := metricRecords(ctx, db.sql)
	if err != nil {
		return nil, fmt.Errorf("metric records: %w", err)
	}
	return rs, nil
}

// metricRecords reads the export records through q, so that [DB.Export]
// can read them inside its snapshot.
func metricRecords(ctx context.Context, q queryer) ([]MetricRecord, error) {
	ms, err := listMetrics(ctx, q, "")
	if err != nil {
		return nil, err
	}
	var out []MetricRecord
	for _, m := range ms {
		out = append(out, MetricRecord{Name: m.Name, Week: m.Week.String(), Value: m.Value, Unit: m.Unit, SetBy: m.SetBy})
	}
	return out, nil
}

// importMetric applies one metric record of an import: a name and week not
// yet set is created, a different value, unit or author updates it (set
// now), and the same one is left alone. A record without set_by keeps the
// stored author, or is by's when new. The caller validates names; an
// unreadable week or a value that is not a number is an error.
func (db *DB) importMetric(ctx context.Context, tx txer, r MetricRecord, by Actor) (outcome, error) {
	// A bad record is reported and skipped, not the end of the import.
	w, err := ParseISOWeek(r.Week)
	if err != nil {
		return 0, &RecordError{fmt.Sprintf("metric %q: %v", r.Name, err)}
	}
	m := Metric{Name: r.Name, Week: w, Value: r.Value, Unit: r.Unit, SetBy: r.SetBy, SetAt: db.Now()}
	if err := m.check(); err != nil {
		return 0, &RecordError{err.Error()}
	}
	var old Metric
	err = tx.QueryRowContext(ctx, "SELECT value, unit, set_by FROM metrics WHERE name = ? AND year = ? AND week = ?",
		m.Name, w.Year, w.Week).Scan(&old.Value, &old.Unit, &old.SetBy)
	out := updated
	switch {
	case errors.Is(err, sql.ErrNoRows):
		out = created
		if m.SetBy == "" {
			m.SetBy = by.ID
		}
	case err != nil:
		return 0, fmt.Errorf("find metric %q %s: %w", m.Name, w, err)
	default:
		if m.SetBy == "" {
			m.SetBy = old.SetBy
		}
		if old.Value == m.Value && old.Unit == m.Unit && old.SetBy == m.SetBy {
			return unchanged, nil
		}
	}
	if err := upsertMetric(ctx, tx, m); err != nil {
		return 0, fmt.Errorf("import metric %q %s: %w", m.Name, w, err)
	}
	return out, nil
}
