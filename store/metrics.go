package store

import (
	"cmp"
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
	if err := w.Check(); err != nil {
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
func (w ISOWeek) Check() error {
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
func (m Metric) Check() error {
	switch {
	case strings.TrimSpace(m.Name) == "":
		return errors.New("metric has no name")
	case math.IsNaN(m.Value) || math.IsInf(m.Value, 0):
		return fmt.Errorf("metric %q: %v is not a number", m.Name, m.Value)
	case m.Unit != "" && m.Unit != "%":
		return fmt.Errorf("metric %q: unit %q is not %q or empty", m.Name, m.Unit, "%")
	}
	if err := m.Week.Check(); err != nil {
		return fmt.Errorf("metric %q: %w", m.Name, err)
	}
	return nil
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
