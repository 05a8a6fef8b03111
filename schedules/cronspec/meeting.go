package cronspec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/robfig/cron/v3"
)

// Schedule is a stored meeting schedule.
type Schedule interface {
	// Next returns the first occurrence strictly after t, in the
	// schedule's zone; zero if there is none within five years.
	Next(t time.Time) time.Time
}

// maxScheduleText bounds what ParseMeeting reads.
const maxScheduleText = 200

var (
	// everyWeeks is `every 2 weeks on tue,thu at 10:00 [from DATE]` as typed.
	everyWeeks = regexp.MustCompile(`^(?:every (\d{1,3}) weeks?|every other week|every second week|biweekly|fortnightly)(?: on)? (.+?) at (.+?)(?: (?:from|starting on|starting|beginning) (.+))?$`)
	// nthWeekday is `first mon of the month at 10:00` as typed.
	nthWeekday = regexp.MustCompile(`^(?:every |on the |the )?(first|second|third|fourth|last|1st|2nd|3rd|4th|fifth|5th) ([a-z]+)(?: of (?:the|every|each) month| monthly| of the month)? at (.+)$`)

	// The canonical forms, as stored.
	storedWeeks = regexp.MustCompile(`^every (\d{1,2}) weeks on ([a-z,]+) at (\d{2}):(\d{2}) from (\d{4}-\d{2}-\d{2})$`)
	storedNth   = regexp.MustCompile(`^(first|second|third|fourth|last) ([a-z]{3}) of the month at (\d{2}):(\d{2})$`)
)

var ordinals = map[string]int{"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "last": -1}
var ordinalNames = map[int]string{1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
var shortDays = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseMeeting reads the SCHEDULE of `/meeting add` and returns the spec
// to store: a five-field cron spec (`every tue at 10:00` is `0 10 * * TUE`),
// a descriptor, `every N weeks on DAYS at HH:MM from DATE` (DATE: the first
// occurrence, strictly after now unless a from-date was given, which is
// kept even if past so that a stored spec reads as itself), or `ORDINAL DAY
// of the month at HH:MM`. now (in loc) anchors "every N weeks". Errors are
// *Error.
func ParseMeeting(text string, now time.Time, loc *time.Location) (string, error) {
	if !utf8.ValidString(text) {
		return "", errorf("The schedule is not valid UTF-8 text; please retype it.")
	}
	if strings.IndexFunc(text, func(r rune) bool { return unicode.IsControl(r) && !unicode.IsSpace(r) }) >= 0 {
		return "", errorf("The schedule holds control characters; please retype it.\nSchedules that work: %s.", scheduleExamples)
	}
	if utf8.RuneCountInString(text) > maxScheduleText {
		return "", errorf("That schedule is too long (%d characters).\nSchedules that work: %s.", utf8.RuneCountInString(text), scheduleExamples)
	}
	lower := strings.ToLower(strings.Join(strings.Fields(text), " "))
	if m := everyWeeks.FindStringSubmatch(lower); m != nil {
		return parseEveryWeeks(m, now, loc)
	}
	if m := nthWeekday.FindStringSubmatch(lower); m != nil {
		return parseNth(m)
	}
	return parseWeekly(text)
}

func parseEveryWeeks(m []string, now time.Time, loc *time.Location) (string, error) {
	fail := func(format string, args ...any) (string, error) {
		return "", errorf(format+"\nSchedules that work: "+scheduleExamples+".", args...)
	}
	n := 2
	if m[1] != "" {
		n, _ = strconv.Atoi(m[1])
	}
	if n < 1 || n > 52 {
		return fail("Every %d weeks? Give 1 to 52 weeks, e.g. `every 2 weeks on tue at 10:00`.", n)
	}
	dow, err := ParseDays(m[2])
	if err != nil {
		return fail("%s", err.Error())
	}
	hour, minute, err := ParseClock(m[3])
	if err != nil {
		return fail("%s", err.Error())
	}
	if n == 1 {
		return fmt.Sprintf("%d %d * * %s", minute, hour, dow), nil
	}
	days, _ := dowSet(dow)
	var names []string
	for i := 1; i <= 7; i++ {
		if days[i%7] {
			names = append(names, shortDays[i%7])
		}
	}
	var first Date
	if m[4] != "" {
		from, err := ParseDate(m[4], DateOf(now.In(loc)))
		if err != nil {
			return fail("%s", err.Error())
		}
		first = from
		for !days[first.Weekday()] {
			first = first.AddDays(1)
		}
	} else {
		first = DateOf(now.In(loc))
		for !days[first.Weekday()] || !first.At(hour, minute, loc).After(now) {
			first = first.AddDays(1)
		}
	}
	return fmt.Sprintf("every %d weeks on %s at %02d:%02d from %s", n, strings.Join(names, ","), hour, minute, first), nil
}

func parseNth(m []string) (string, error) {
	fail := func(format string, args ...any) (string, error) {
		return "", errorf(format+"\nSchedules that work: "+scheduleExamples+".", args...)
	}
	if m[1] == "fifth" || m[1] == "5th" {
		return fail("Not every month has a fifth %s: say `last %s of the month` instead.", quote(m[2], 20), quote(m[2], 20))
	}
	wd, ok := weekdayWords[m[2]]
	if !ok {
		wd, ok = weekdayWords[strings.TrimSuffix(m[2], "s")]
	}
	if !ok {
		return fail("I don't know the day “%s”: give one day, mon … sun, e.g. `first mon of the month at 10:00`.", quote(m[2], 20))
	}
	hour, minute, err := ParseClock(m[3])
	if err != nil {
		return fail("%s", err.Error())
	}
	return fmt.Sprintf("%s %s of the month at %02d:%02d", ordinalNames[ordinals[m[1]]], shortDays[wd], hour, minute), nil
}

// Meeting returns the schedule of a stored spec (what [ParseMeeting]
// returned, or what older versions stored: five-field cron, descriptors,
// `@every D`, which counts from created truncated to the minute). Times
// are read in loc.
func Meeting(spec string, loc *time.Location, created time.Time) (Schedule, error) {
	if m := storedWeeks.FindStringSubmatch(spec); m != nil {
		n, _ := strconv.Atoi(m[1])
		hour, _ := strconv.Atoi(m[3])
		minute, _ := strconv.Atoi(m[4])
		anchor, err := ParseISODate(m[5])
		if err != nil || n < 2 || hour > 23 || minute > 59 {
			return nil, fmt.Errorf("schedule %q is not valid", spec)
		}
		s := weeks{n: n, hour: hour, minute: minute, anchor: anchor, loc: loc}
		for _, d := range strings.Split(m[2], ",") {
			wd, ok := weekdayWords[d]
			if !ok {
				return nil, fmt.Errorf("schedule %q: unknown day %q", spec, d)
			}
			s.days[wd] = true
		}
		return s, nil
	}
	if m := storedNth.FindStringSubmatch(spec); m != nil {
		wd, ok := weekdayWords[m[2]]
		hour, _ := strconv.Atoi(m[3])
		minute, _ := strconv.Atoi(m[4])
		if !ok || hour > 23 || minute > 59 {
			return nil, fmt.Errorf("schedule %q is not valid", spec)
		}
		return nth{ord: ordinals[m[1]], wd: wd, hour: hour, minute: minute, loc: loc}, nil
	}
	sched, err := Parse(spec)
	if err != nil {
		return nil, err
	}
	if every, ok := sched.(cron.ConstantDelaySchedule); ok {
		if every.Delay < time.Minute {
			return nil, fmt.Errorf("schedule %q is too frequent", spec)
		}
		return constant{every: every.Delay, anchor: created.Truncate(time.Minute), loc: loc}, nil
	}
	return zoned{s: sched, loc: loc}, nil
}

// zoned is a cron schedule read in loc.
type zoned struct {
	s   cron.Schedule
	loc *time.Location
}

func (z zoned) Next(t time.Time) time.Time {
	next := z.s.Next(t.In(z.loc))
	if next.IsZero() {
		return next
	}
	return next.In(z.loc)
}

// constant is `@every D`, counted from anchor.
type constant struct {
	every  time.Duration
	anchor time.Time
	loc    *time.Location
}

func (c constant) Next(t time.Time) time.Time {
	k := int64(1)
	if t.After(c.anchor) {
		k = int64(t.Sub(c.anchor)/c.every) + 1
	}
	return c.anchor.Add(time.Duration(k) * c.every).In(c.loc)
}

// horizon is how far Next looks: five years, as robfig/cron does.
const horizon = 5 * 366

// weeks is `every N weeks on DAYS at HH:MM from DATE`: the days of the
// Monday-based weeks a multiple of N weeks after the anchor's, from the
// anchor on.
type weeks struct {
	n            int
	days         [7]bool
	hour, minute int
	anchor       Date
	loc          *time.Location
}

// dayNumber counts days since 1970-01-01.
func dayNumber(d Date) int64 { return d.noon().Unix() / 86400 }

// monday is the Monday of d's week, as a day number.
func monday(d Date) int64 { return dayNumber(d) - int64((d.Weekday()+6)%7) }

func (w weeks) Next(t time.Time) time.Time {
	d := DateOf(t.In(w.loc)).AddDays(-1) // a time late on one day may be early on the next in loc
	if d.Before(w.anchor) {
		d = w.anchor
	}
	start := monday(w.anchor)
	for i := 0; i < horizon; i, d = i+1, d.AddDays(1) {
		if !w.days[d.Weekday()] || ((monday(d)-start)/7)%int64(w.n) != 0 {
			continue
		}
		if at := d.At(w.hour, w.minute, w.loc); at.After(t) {
			return at
		}
	}
	return time.Time{}
}

// nth is `ORDINAL DAY of the month at HH:MM` (ord -1: the last).
type nth struct {
	ord          int
	wd           time.Weekday
	hour, minute int
	loc          *time.Location
}

func (n nth) Next(t time.Time) time.Time {
	lt := t.In(n.loc)
	y, m := lt.Year(), lt.Month()
	for i := 0; i < 61; i++ {
		month := time.Date(y, m+time.Month(i), 1, 12, 0, 0, 0, time.UTC)
		var d Date
		if n.ord > 0 {
			first := DateOf(month)
			d = first.AddDays((int(n.wd)-int(first.Weekday())+7)%7 + 7*(n.ord-1))
		} else {
			last := DateOf(month.AddDate(0, 1, -1))
			d = last.AddDays(-((int(last.Weekday()) - int(n.wd) + 7) % 7))
		}
		if at := d.At(n.hour, n.minute, n.loc); at.After(t) {
			return at
		}
	}
	return time.Time{}
}

// Describe says a stored spec in words (mrkdwn): "every Tue and Thu at
// 10:00", "every 2 weeks on Tue at 10:00", "on the first Monday of the
// month at 10:00"; one it cannot put simply is shown as "cron `…`".
func Describe(spec string) string {
	if m := storedWeeks.FindStringSubmatch(spec); m != nil {
		var names []string
		for _, d := range strings.Split(m[2], ",") {
			if wd, ok := weekdayWords[d]; ok {
				names = append(names, weekdayNames[wd][:3])
			}
		}
		days := strings.Join(names, ", ")
		if len(names) > 1 {
			days = strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
		}
		return fmt.Sprintf("every %s weeks on %s at %s:%s", m[1], days, m[3], m[4])
	}
	if m := storedNth.FindStringSubmatch(spec); m != nil {
		if wd, ok := weekdayWords[m[2]]; ok {
			return fmt.Sprintf("on the %s %s of the month at %s:%s", m[1], weekdayNames[wd], m[3], m[4])
		}
	}
	return describeCron(spec)
}
