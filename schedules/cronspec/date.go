package cronspec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Date is a day on the wall clock of a zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is t's date in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

func (d Date) noon() time.Time { return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC) }

// String is the ISO date: "2026-12-15".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// AddDays is the date n days later (earlier if n < 0).
func (d Date) AddDays(n int) Date { return DateOf(d.noon().AddDate(0, 0, n)) }

// Weekday is the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.noon().Weekday() }

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.noon().Before(e.noon()) }

// At is the wall time hour:min on d in loc, the same in every zone where
// the clocks change: a time that does not exist (in the hour skipped when
// clocks go forward) is moved on by the gap (02:30 becomes 03:30 in Berlin
// and in New York alike), and a time that happens twice (when they go
// back) is the first of the two. time.Date leaves both choices open.
func (d Date) At(hour, min int, loc *time.Location) time.Time {
	wall := time.Date(d.Year, d.Month, d.Day, hour, min, 0, 0, time.UTC)
	// The offsets in effect around that day: zones change at most once
	// within two days, so these are the one before and the one after.
	_, before := wall.Add(-26 * time.Hour).In(loc).Zone()
	_, after := wall.Add(26 * time.Hour).In(loc).Zone()
	first, second := wall.Add(-time.Duration(before)*time.Second), wall.Add(-time.Duration(after)*time.Second)
	if second.Before(first) {
		first, second = second, first
	}
	for _, t := range []time.Time{first, second} {
		if y, m, dd := t.In(loc).Date(); y == d.Year && m == d.Month && dd == d.Day && t.In(loc).Hour() == hour && t.In(loc).Minute() == min {
			return t.In(loc)
		}
	}
	// In the gap: read the wall time with the offset from before it.
	return wall.Add(-time.Duration(before) * time.Second).In(loc)
}

// ParseISODate reads "2026-12-15", a valid day.
func ParseISODate(s string) (Date, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return Date{}, errorf("“%s” is not a date: use YYYY-MM-DD, e.g. 2026-12-15.", quote(s, 30))
	}
	return DateOf(t), nil
}

// dateExamples are shown whenever a date cannot be read.
const dateExamples = "`fri`, `tomorrow`, `in 3 days`, `15 dec` or `2026-12-15`"

var (
	inDays   = regexp.MustCompile(`^in (\d{1,4}|a|an|one) (day|days|week|weeks)$`)
	dayMonth = regexp.MustCompile(`^(\d{1,2})(?:st|nd|rd|th)? ([a-z]+)\.?(?:,? (\d{4}))?$`)
	monthDay = regexp.MustCompile(`^([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?(?:,? (\d{4}))?$`)
)

var monthWords = map[string]time.Month{}

func init() {
	for m := time.January; m <= time.December; m++ {
		name := strings.ToLower(m.String())
		monthWords[name] = m
		monthWords[name[:3]] = m
	}
	monthWords["sept"] = time.September
}

// weekdayWords are the single days ParseDate and the recurrences read.
var weekdayWords = map[string]time.Weekday{
	"mon": time.Monday, "monday": time.Monday,
	"tue": time.Tuesday, "tues": time.Tuesday, "tuesday": time.Tuesday,
	"wed": time.Wednesday, "weds": time.Wednesday, "wednesday": time.Wednesday,
	"thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "thursday": time.Thursday,
	"fri": time.Friday, "friday": time.Friday,
	"sat": time.Saturday, "saturday": time.Saturday,
	"sun": time.Sunday, "sunday": time.Sunday,
}

// ParseDate reads a date as people type it, relative to today: `today`,
// `tomorrow`, a weekday (`fri`, `friday`, `next fri`: the next such day
// after today, a week on if today is that day), `in 3 days`, `in 2 weeks`,
// `in a week`, `2026-12-15`, `15 dec`, `dec 15`, `15 december 2027`,
// `december 15, 2027` (without a year: the next such date from today on).
// Past dates are not refused; the caller decides.
func ParseDate(text string, today Date) (Date, error) {
	s := strings.ToLower(strings.Join(strings.Fields(text), " "))
	fail := func() (Date, error) {
		return Date{}, errorf("I can't read the date “%s”. Dates that work: %s.", quote(strings.TrimSpace(text), 40), dateExamples)
	}
	if s == "" {
		return Date{}, errorf("Which date? For example %s.", dateExamples)
	}
	if len(s) > 40 {
		return fail()
	}
	switch s {
	case "today":
		return today, nil
	case "tomorrow", "tmrw", "tmr":
		return today.AddDays(1), nil
	}
	if wd, ok := weekdayWords[strings.TrimPrefix(s, "next ")]; ok {
		n := (int(wd) - int(today.Weekday()) + 7) % 7
		if n == 0 {
			n = 7
		}
		return today.AddDays(n), nil
	}
	if m := inDays.FindStringSubmatch(s); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil {
			n = 1 // a, an, one
		}
		if strings.HasPrefix(m[2], "week") {
			n *= 7
		}
		if n > 3650 {
			return Date{}, errorf("“%s” is more than ten years away.", quote(text, 40))
		}
		return today.AddDays(n), nil
	}
	if len(s) == 10 && s[4] == '-' {
		return ParseISODate(s)
	}
	var day, year int
	var month time.Month
	var ok bool
	if m := dayMonth.FindStringSubmatch(s); m != nil {
		day, _ = strconv.Atoi(m[1])
		month, ok = monthWords[m[2]]
		year, _ = strconv.Atoi(m[3])
	} else if m := monthDay.FindStringSubmatch(s); m != nil {
		month, ok = monthWords[m[1]]
		day, _ = strconv.Atoi(m[2])
		year, _ = strconv.Atoi(m[3])
	}
	if !ok {
		return fail()
	}
	valid := func(y int) (Date, bool) {
		d := Date{y, month, day}
		return d, day >= 1 && DateOf(d.noon()) == d
	}
	if year != 0 {
		d, good := valid(year)
		if !good {
			return Date{}, errorf("%s has no day %d.", time.Date(year, month, 1, 0, 0, 0, 0, time.UTC).Format("January 2006"), day)
		}
		return d, nil
	}
	for y := today.Year; y <= today.Year+4; y++ {
		if d, good := valid(y); good && !d.Before(today) {
			return d, nil
		}
	}
	return Date{}, errorf("%s has no day %d.", month, day)
}
