package businesshours

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// Holidays are whole days, dates on the wall clock of the zone, on which the
// SLA clock stops and meetings are skipped. The zero Holidays has none.
type Holidays struct {
	days []int64 // sorted, without duplicates; days since 1970-01-01
}

// ParseHolidays reads a SMARKETING_HOLIDAYS value: ISO dates separated by
// commas ("2026-12-24, 2026-12-25"), or the path of a file with one date per
// line, where blank lines and everything after a "#" are ignored. The value
// is a path when it contains a "/", does not start with a digit, or names an
// existing file. Duplicates are fine; an empty value gives no holidays. An
// error names the bad date and, in a file, its file:line.
func ParseHolidays(value string) (Holidays, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return Holidays{}, nil
	}
	if isPath(value) {
		return readHolidays(value)
	}
	var days []int64
	for _, f := range strings.Split(value, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		day, err := parseDate(f)
		if err != nil {
			return Holidays{}, err
		}
		days = append(days, day)
	}
	return newHolidays(days), nil
}

func isPath(value string) bool {
	if strings.Contains(value, "/") || !isDigit(value[0]) {
		return true
	}
	fi, err := os.Stat(value)
	return err == nil && !fi.IsDir()
}

func readHolidays(path string) (Holidays, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Holidays{}, fmt.Errorf("read holidays: %w", err)
	}
	var days []int64
	for i, line := range strings.Split(string(data), "\n") {
		line, _, _ = strings.Cut(line, "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		day, err := parseDate(line)
		if err != nil {
			return Holidays{}, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		days = append(days, day)
	}
	return newHolidays(days), nil
}

func parseDate(s string) (int64, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, fmt.Errorf("bad date %q (use YYYY-MM-DD, e.g. 2026-12-25)", s)
	}
	return t.Unix() / daySec, nil
}

func newHolidays(days []int64) Holidays {
	slices.Sort(days)
	return Holidays{days: slices.Compact(days)}
}

// Has reports whether the date of t, in t's location, is a holiday.
func (h Holidays) Has(t time.Time) bool {
	y, m, d := t.Date()
	return h.has(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / daySec)
}

func (h Holidays) has(day int64) bool {
	_, found := slices.BinarySearch(h.days, day)
	return found
}

// Dates returns the holidays in order, as "2006-01-02".
func (h Holidays) Dates() []string {
	out := make([]string, len(h.days))
	for i, day := range h.days {
		out[i] = time.Unix(day*daySec, 0).UTC().Format(time.DateOnly)
	}
	return out
}
