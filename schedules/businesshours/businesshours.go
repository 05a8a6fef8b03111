// Package businesshours is the SLA clock: when it runs
// (SMARKETING_BUSINESS_HOURS in SMARKETING_TIMEZONE, minus
// SMARKETING_HOLIDAYS) and the one business-time arithmetic that reminders,
// escalation, "% within SLA" and median time to first feedback share. It
// imports nothing of the project.
//
// # Business hours
//
// SMARKETING_BUSINESS_HOURS says when the clock runs each week, on the wall
// clock of SMARKETING_TIMEZONE:
//
//	mon-fri 09:00-17:30
//	mon-thu 09:00-17:30, fri 09:00-15:00
//	mon-fri 09:00-12:00 13:00-17:30
//	mon-fri 09:00-12:00, 13:00-17:30
//	mon+wed+fri 08:00-12:00, sat-sun 10:00-14:00
//	daily 00:00-24:00
//
// The value is one or more groups separated by commas. A group is days
// followed by one or more time ranges separated by spaces; a group that
// starts with a time range has the days of the group before it.
//
//   - Days: one day (mon, tue, wed, thu, fri, sat, sun, or the full name,
//     monday to sunday, in any case), a range of days (mon-fri, sat-sun;
//     fri-mon runs over the weekend), several of those joined with "+"
//     (mon+wed+fri, mon-wed+fri), or daily for every day.
//   - Time range: HH:MM-HH:MM on the 24-hour clock (9:00 is fine too). The
//     end may be 24:00, the midnight that ends the day, and must be after the
//     start, so a range cannot cross midnight: split a night shift in two,
//     "mon-fri 22:00-24:00, tue-sat 00:00-06:00".
//
// Spaces around "-" and "+" are ignored. Ranges on the same day may overlap
// or touch; they are merged. [Hours.String] gives the normalised form, such
// as "mon-fri 09:00-12:00 13:00-17:30".
//
// # Holidays
//
// SMARKETING_HOLIDAYS lists whole days on which the clock does not run (and
// meetings are skipped): ISO dates separated by commas,
// "2026-12-24,2026-12-25", or the path of a file with one date per line,
// where blank lines and everything after a "#" are ignored:
//
//	# 2026
//	2026-12-24 # Christmas Eve
//	2026-12-25
//
// # Daylight saving time
//
// The clock runs whenever the wall clock of the zone shows an open time on
// an open day that is not a holiday. So a range keeps its wall-clock times on
// the days the clocks change, whatever its length in real time: on the day
// they go forward, a range over the skipped hour is an hour shorter; on the
// day they go back, a range over the repeated hour is an hour longer. A range
// that starts or ends inside the repeated hour runs in each pass through it
// for the part of it that lies in the range.
package businesshours

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	daySec = 24 * 60 * 60
	dayNs  = int64(24 * time.Hour)

	example     = "mon-fri 09:00-17:30"
	dayNames    = "mon, tue, wed, thu, fri, sat, sun"
	nightSample = "mon-fri 22:00-24:00, tue-sat 00:00-06:00"
)

// span is an open range of one day, in nanoseconds since the local
// midnight: 0 <= start < end <= dayNs.
type span struct{ start, end int64 }

// Hours is when the SLA clock runs: weekly opening ranges on the wall clock
// of a time zone, minus holidays. A nil *Hours, like the zero Hours, runs
// always: Add is t.Add(d) and Between is to.Sub(from), or 0 when to is not
// after from. An *Hours is safe for concurrent use.
type Hours struct {
	loc      *time.Location
	week     [7][]span // index 0 is Monday
	dayOpen  [7]int64  // open nanoseconds of each weekday
	weekOpen int64     // 0 only in the zero Hours
	holidays Holidays
	holCum   []int64 // holCum[i] is the open time the first i holidays take away
}

// Parse reads a SMARKETING_BUSINESS_HOURS value such as
// "mon-fri 09:00-17:30" (the grammar is in the package documentation). The
// ranges are on the wall clock of loc (UTC when loc is nil), and the clock
// does not run on holidays. An empty value, an unknown day, a bad time or a
// range whose end is not after its start is an error that says what is wrong
// and gives an example; it does not name the variable.
func Parse(spec string, loc *time.Location, holidays Holidays) (*Hours, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, fmt.Errorf("empty (e.g. %q)", example)
	}
	var week [7][]span
	var days []int // of the group before, for a group that starts with a time
	for _, group := range strings.Split(spec, ",") {
		group = strings.TrimSpace(group)
		if group == "" {
			return nil, fmt.Errorf("%q: empty group between commas (e.g. %q)", spec, "mon-thu 09:00-17:30, fri 09:00-15:00")
		}
		fields := strings.Fields(glue(group))
		if isDigit(fields[0][0]) {
			if days == nil {
				return nil, fmt.Errorf("%q: missing days before %q (e.g. %q)", group, fields[0], example)
			}
		} else {
			var err error
			if days, err = parseDays(fields[0]); err != nil {
				return nil, fmt.Errorf("%q: %w", group, err)
			}
			fields = fields[1:]
			if len(fields) == 0 {
				return nil, fmt.Errorf("%q: missing hours (e.g. %q)", group, example)
			}
		}
		for _, f := range fields {
			s, err := parseRange(f)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", group, err)
			}
			for _, d := range days {
				week[d] = append(week[d], s)
			}
		}
	}
	return newHours(loc, week, holidays), nil
}

// Always returns the Hours that run all day, every day, except on holidays
// in loc (UTC when loc is nil): the SLA clock when SMARKETING_HOLIDAYS is set
// without SMARKETING_BUSINESS_HOURS. With no holidays it returns nil, which
// runs always.
func Always(loc *time.Location, holidays Holidays) *Hours {
	if len(holidays.days) == 0 {
		return nil
	}
	var week [7][]span
	for d := range week {
		week[d] = []span{{0, dayNs}}
	}
	return newHours(loc, week, holidays)
}

func newHours(loc *time.Location, week [7][]span, holidays Holidays) *Hours {
	if loc == nil {
		loc = time.UTC
	}
	h := &Hours{loc: loc, holidays: holidays}
	for d, spans := range week {
		h.week[d] = merge(spans)
		for _, s := range h.week[d] {
			h.dayOpen[d] += s.end - s.start
		}
		h.weekOpen += h.dayOpen[d]
	}
	h.holCum = make([]int64, len(holidays.days)+1)
	for i, day := range holidays.days {
		h.holCum[i+1] = h.holCum[i] + h.dayOpen[weekday(day)]
	}
	return h
}

// merge sorts spans and joins those that overlap or touch.
func merge(spans []span) []span {
	spans = slices.Clone(spans)
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	var out []span
	for _, s := range spans {
		if n := len(out); n > 0 && s.start <= out[n-1].end {
			out[n-1].end = max(out[n-1].end, s.end)
			continue
		}
		out = append(out, s)
	}
	return out
}

// glue joins "-" and "+" to their neighbours, so "mon - fri" reads as
// "mon-fri", and collapses the other runs of spaces.
func glue(s string) string {
	s = strings.ReplaceAll(s, "\u2013", "-") // an en dash, as pasted from a document
	s = strings.Join(strings.Fields(s), " ")
	for _, sep := range []string{"-", "+"} {
		s = strings.ReplaceAll(s, " "+sep, sep)
		s = strings.ReplaceAll(s, sep+" ", sep)
	}
	return s
}

var dayIndex = map[string]int{
	"mon": 0, "monday": 0,
	"tue": 1, "tuesday": 1,
	"wed": 2, "wednesday": 2,
	"thu": 3, "thursday": 3,
	"fri": 4, "friday": 4,
	"sat": 5, "saturday": 5,
	"sun": 6, "sunday": 6,
}

var shortDay = [7]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// parseDays reads the days of a group: "mon", "mon-fri", "mon+wed-fri" or
// "daily". It returns the weekday indexes, Monday being 0.
func parseDays(tok string) ([]int, error) {
	if strings.EqualFold(tok, "daily") {
		return []int{0, 1, 2, 3, 4, 5, 6}, nil
	}
	var days []int
	for _, item := range strings.Split(tok, "+") {
		ends := strings.Split(item, "-")
		if len(ends) > 2 || slices.Contains(ends, "") {
			return nil, fmt.Errorf("bad days %q (use a day, a range of days or a list, e.g. %q, %q or %q)", tok, "sat", "mon-fri", "mon+wed+fri")
		}
		var idx [2]int
		for i, name := range ends {
			d, ok := dayIndex[strings.ToLower(name)]
			if !ok {
				return nil, fmt.Errorf("unknown day %q (use %s, e.g. %q)", name, dayNames, example)
			}
			idx[i] = d
		}
		last := idx[0]
		if len(ends) == 2 {
			last = idx[1]
		}
		for d := idx[0]; ; d = (d + 1) % 7 {
			days = append(days, d)
			if d == last {
				break
			}
		}
	}
	return days, nil
}

// parseRange reads "HH:MM-HH:MM".
func parseRange(tok string) (span, error) {
	a, b, ok := strings.Cut(tok, "-")
	start, err := parseClock(a)
	if err != nil {
		return span{}, err
	}
	if !ok {
		return span{}, fmt.Errorf("%q has no end time (use HH:MM-HH:MM, e.g. %q)", tok, example)
	}
	end, err := parseClock(b)
	if err != nil {
		return span{}, err
	}
	if end <= start {
		return span{}, fmt.Errorf("end %s is not after start %s (a range cannot cross midnight: split it, e.g. %q)", clock(end), clock(start), nightSample)
	}
	return span{start, end}, nil
}

// parseClock reads "HH:MM" (or "H:MM"), 00:00 to 24:00, as nanoseconds
// since midnight.
func parseClock(s string) (int64, error) {
	hh, mm, ok := strings.Cut(s, ":")
	bad := !ok || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 || !allDigits(hh) || !allDigits(mm)
	var h, m int
	if !bad {
		h, _ = strconv.Atoi(hh)
		m, _ = strconv.Atoi(mm)
		bad = h > 24 || m > 59 || h == 24 && m != 0
	}
	if bad {
		return 0, fmt.Errorf("bad time %q (use HH:MM on the 24-hour clock, 00:00 to 24:00, e.g. %q)", s, example)
	}
	return int64(h)*int64(time.Hour) + int64(m)*int64(time.Minute), nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func allDigits(s string) bool {
	for i := range len(s) {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// clock formats nanoseconds since midnight as "HH:MM".
func clock(ns int64) string {
	m := ns / int64(time.Minute)
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}

// String returns the normalised spec, such as "mon-fri 09:00-17:30" or
// "mon-thu 09:00-17:30, fri 09:00-15:00", which Parse reads back to the same
// hours; holidays are not part of it. A nil or zero Hours gives "always".
func (h *Hours) String() string {
	if h.always() {
		return "always"
	}
	// Group the days that have the same ranges, in the order of their first day.
	var keys []string
	byKey := map[string][]int{}
	for d, spans := range h.week {
		if len(spans) == 0 {
			continue
		}
		parts := make([]string, len(spans))
		for i, s := range spans {
			parts[i] = clock(s.start) + "-" + clock(s.end)
		}
		key := strings.Join(parts, " ")
		if _, ok := byKey[key]; !ok {
			keys = append(keys, key)
		}
		byKey[key] = append(byKey[key], d)
	}
	groups := make([]string, len(keys))
	for i, key := range keys {
		groups[i] = dayList(byKey[key]) + " " + key
	}
	return strings.Join(groups, ", ")
}

// dayList writes sorted weekday indexes as runs: "mon-wed+fri".
func dayList(days []int) string {
	var runs []string
	for i := 0; i < len(days); {
		j := i
		for j+1 < len(days) && days[j+1] == days[j]+1 {
			j++
		}
		run := shortDay[days[i]]
		if j > i {
			run += "-" + shortDay[days[j]]
		}
		runs = append(runs, run)
		i = j + 1
	}
	return strings.Join(runs, "+")
}
