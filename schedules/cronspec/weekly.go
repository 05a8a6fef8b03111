package cronspec

import (
	"fmt"
	"math/bits"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Error is a schedule or date the package cannot read. Msg is plain text
// (not Slack-escaped: the caller escapes it), saying what is wrong and
// showing examples that work, in backticks.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// scheduleExamples are shown whenever a schedule cannot be read.
const scheduleExamples = "`every tue at 10:00`, `every mon,thu at 16:30`, `every 2 weeks on tue at 10:00`, " +
	"`first mon of the month at 10:00`, `last fri of the month at 16:00`, `0 10 * * TUE` (cron) or `@weekly`"

func errorf(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// quote makes user text safe to show in a message: at most n characters,
// backticks replaced (they would open code).
func quote(s string, n int) string {
	s = strings.ReplaceAll(s, "`", "'")
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func escape(s string) string { return escaper.Replace(s) }

// human says a duration in words: "2 days", "1h30m" as "1 hour 30 minutes".
func human(d time.Duration) string {
	d = d.Round(time.Minute)
	days, hours, mins := int(d.Hours())/24, int(d.Hours())%24, int(d.Minutes())%60
	var parts []string
	for _, p := range []struct {
		n    int
		unit string
	}{{days, "day"}, {hours, "hour"}, {mins, "minute"}} {
		if p.n == 0 {
			continue
		}
		w := p.unit
		if p.n != 1 {
			w += "s"
		}
		parts = append(parts, fmt.Sprintf("%d %s", p.n, w))
	}
	if len(parts) == 0 {
		return "0 minutes"
	}
	return strings.Join(parts, " ")
}

// parseWeekly reads the weekly forms of a meeting schedule: a five-field
// cron spec, a descriptor (`@every` at least an hour), or `every DAY[,DAY]
// at HH:MM`, and returns the cron spec to store. Its error is an [*Error]
// that says what is wrong and shows examples that work.
func parseWeekly(text string) (string, error) {
	text = strings.Join(strings.Fields(text), " ")
	lower := strings.ToLower(text)
	fail := func(format string, args ...any) (string, error) {
		return "", errorf(format+"\nSchedules that work: "+scheduleExamples+".", args...)
	}
	var spec string
	switch {
	case text == "":
		return fail("Add a schedule after the title.")
	case lower == "every" || strings.HasPrefix(lower, "every "):
		days, clock, ok := strings.Cut(lower[len("every"):]+" ", " at ")
		if !ok {
			fields := strings.Fields(lower)
			if _, _, err := ParseClock(fields[len(fields)-1]); err == nil && len(fields) > 2 {
				return fail("Put `at` before the time: `every %s at %s`.",
					quote(strings.Join(fields[1:len(fields)-1], " "), 40), quote(fields[len(fields)-1], 10))
			}
			return fail("I can't read the schedule `%s`: say the days, then `at` and the time.", quote(text, 80))
		}
		dow, err := ParseDays(days)
		if err != nil {
			return fail("%s", err.Error())
		}
		hour, minute, err := ParseClock(clock)
		if err != nil {
			return fail("%s", err.Error())
		}
		spec = fmt.Sprintf("%d %d * * %s", minute, hour, dow)
	case strings.HasPrefix(text, "CRON_TZ=") || strings.HasPrefix(text, "TZ="):
		return fail("Leave out the time zone: meetings use the bot's zone (SMARKETING_TIMEZONE).")
	case strings.HasPrefix(lower, "@every"):
		d, err := time.ParseDuration(strings.TrimSpace(text[len("@every"):]))
		if err != nil || d <= 0 {
			return fail("`%s` needs a duration such as `@every 168h`.", quote(text, 40))
		}
		if d < time.Hour {
			return fail("`%s` would remind the channel every %s: a meeting repeats at most once an hour.", quote(text, 40), human(d))
		}
		if d > 365*24*time.Hour {
			return fail("`%s` is more than a year apart: a joint meeting should come round at least once a year.", quote(text, 40))
		}
		spec = "@every " + d.String()
	case strings.HasPrefix(text, "@"):
		spec = lower
	case len(strings.Fields(text)) == 5:
		spec = text
	default:
		return fail("I can't read the schedule `%s`.", quote(text, 80))
	}
	sched, err := Parse(spec)
	if err != nil {
		return fail("`%s` is not a schedule I know.", quote(text, 80))
	}
	if s, ok := sched.(wallOnce); ok {
		// One minute value means consecutive times are an hour or more apart.
		if bits.OnesCount64(s.Minute&^(1<<63)) > 1 {
			return fail("`%s` happens several times an hour: a meeting repeats at most once an hour. Give one minute, e.g. `0 10 * * TUE`.", quote(text, 80))
		}
	}
	if sched.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return fail("`%s` never happens (no such date).", quote(text, 80))
	}
	return spec, nil
}

// weekdays in cron's spelling, Sunday first as cron counts them.
var weekdays = [7]string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

// dayWords are the day names parseDays reads, as cron weekday numbers.
var dayWords = map[string][]int{
	"mon": {1}, "monday": {1},
	"tue": {2}, "tues": {2}, "tuesday": {2},
	"wed": {3}, "weds": {3}, "wednesday": {3},
	"thu": {4}, "thur": {4}, "thurs": {4}, "thursday": {4},
	"fri": {5}, "friday": {5},
	"sat": {6}, "saturday": {6},
	"sun": {0}, "sunday": {0},
	"weekday": {1, 2, 3, 4, 5},
	"weekend": {0, 6},
	"day":     {0, 1, 2, 3, 4, 5, 6}, "daily": {0, 1, 2, 3, 4, 5, 6},
}

// parseDays reads a list of days ("tue", "mon, thu", "Monday and Friday",
// "weekdays") and returns the cron day-of-week field. Its errors are plain
// text, in a [*UserError].
func ParseDays(s string) (string, error) {
	words := strings.Fields(strings.NewReplacer(",", " ", ";", " ", "&", " ", "+", " ").Replace(strings.ToLower(s)))
	var set [7]bool
	n := 0
	for _, w := range words {
		if w == "and" {
			continue
		}
		days, ok := dayWords[w]
		if !ok {
			// Plurals: "tuesdays", "weekdays", "days".
			days, ok = dayWords[strings.TrimSuffix(w, "s")]
		}
		if !ok {
			return "", errorf("I don't know the day “%s”. Use mon, tue, wed, thu, fri, sat, sun (or full names), weekdays or day.", quote(w, 20))
		}
		for _, d := range days {
			set[d] = true
		}
		n++
	}
	if n == 0 {
		return "", errorf("Which days? For example “tue” or “mon, thu”.")
	}
	var names []string
	for i := 1; i <= 7; i++ { // Monday first
		if set[i%7] {
			names = append(names, weekdays[i%7])
		}
	}
	switch {
	case len(names) == 7:
		return "*", nil
	case slices.Equal(names, []string{"MON", "TUE", "WED", "THU", "FRI"}):
		return "MON-FRI", nil
	}
	return strings.Join(names, ","), nil
}

var clockPattern = regexp.MustCompile(`^(\d{1,2})(?::(\d{2}))?(am|pm|a\.m\.|p\.m\.)?$`)

// parseClock reads a time of day: 24-hour "16:30" or "9:30", or 12-hour
// "9:30am", "4pm", also "noon" and "midnight". Its errors are plain text, in a [*UserError].
func ParseClock(s string) (hour, minute int, err error) {
	s = strings.ToLower(strings.Join(strings.Fields(s), ""))
	switch s {
	case "noon", "midday":
		return 12, 0, nil
	case "midnight":
		return 0, 0, nil
	case "":
		return 0, 0, errorf("What time? For example “10:00” or “4:30pm”.")
	}
	bad := errorf("“%s” is not a time of day: use 24-hour HH:MM such as 16:30, or 4:30pm.", quote(s, 20))
	m := clockPattern.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, bad
	}
	hour, _ = strconv.Atoi(m[1])
	if m[2] != "" {
		minute, _ = strconv.Atoi(m[2])
	}
	switch ampm := m[3]; {
	case minute > 59:
		return 0, 0, bad
	case ampm == "" && m[2] == "":
		return 0, 0, errorf("“%s”: give the minutes (%s:00) or say am or pm.", quote(s, 20), quote(s, 20))
	case ampm == "":
		if hour > 23 {
			return 0, 0, bad
		}
	default:
		if hour < 1 || hour > 12 {
			return 0, 0, bad
		}
		hour %= 12
		if ampm[0] == 'p' {
			hour += 12
		}
	}
	return hour, minute, nil
}

// DescribeSchedule says a stored meeting schedule in words ("every Tue and
// Thu at 10:00"); specs it cannot put simply are shown as they are.
func describeCron(spec string) string {
	switch strings.ToLower(spec) {
	case "@yearly", "@annually":
		return "every year on 1 Jan at 00:00"
	case "@monthly":
		return "on the 1st of every month at 00:00"
	case "@weekly":
		return "every Sunday at 00:00"
	case "@daily", "@midnight":
		return "every day at 00:00"
	case "@hourly":
		return "every hour, on the hour"
	}
	if d, ok := strings.CutPrefix(spec, "@every "); ok {
		if every, err := time.ParseDuration(d); err == nil {
			return "every " + human(every)
		}
	}
	raw := "cron `" + escape(spec) + "`"
	f := strings.Fields(spec)
	if len(f) != 5 || f[2] != "*" || f[3] != "*" {
		return raw
	}
	minute, err1 := strconv.Atoi(f[0])
	hour, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || minute > 59 || hour > 23 {
		return raw
	}
	at := fmt.Sprintf(" at %02d:%02d", hour, minute)
	days, ok := dowSet(f[4])
	if !ok {
		return raw
	}
	var names []string
	for i := 1; i <= 7; i++ {
		if days[i%7] {
			names = append(names, weekdayNames[i%7])
		}
	}
	switch {
	case len(names) == 7:
		return "every day" + at
	case len(names) == 5 && !days[0] && !days[6]:
		return "every weekday" + at
	case len(names) == 1:
		return "every " + names[0] + at
	}
	for i, n := range names {
		names[i] = n[:3]
	}
	return "every " + strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1] + at
}

var weekdayNames = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// dowSet reads a simple cron day-of-week field: "*", names or numbers,
// lists and ranges, no steps.
func dowSet(field string) (set [7]bool, ok bool) {
	if field == "*" || field == "?" {
		return [7]bool{true, true, true, true, true, true, true}, true
	}
	day := func(s string) (int, bool) {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 7 {
			return n % 7, true
		}
		for i, w := range weekdays {
			if strings.EqualFold(s, w) {
				return i, true
			}
		}
		return 0, false
	}
	for _, part := range strings.Split(field, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, ok1 := day(lo)
		b, ok2 := a, true
		if isRange {
			b, ok2 = day(hi)
			if hi == "7" {
				b = 7
			}
		}
		if !ok1 || !ok2 || b < a {
			return set, false
		}
		for d := a; d <= b; d++ {
			set[d%7] = true
		}
	}
	return set, true
}
