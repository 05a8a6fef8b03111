package cronspec

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseMeetingWeekly(t *testing.T) {
	now := time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ in, spec string }{
		{"every tue at 10:00", "0 10 * * TUE"},
		{"every mon,thu at 16:30", "30 16 * * MON,THU"},
		{"every thu, mon at 16:30", "30 16 * * MON,THU"},
		{"Every Monday and Thursday at 4:30pm", "30 16 * * MON,THU"},
		{"every  TUESDAYS   at  9:05", "5 9 * * TUE"},
		{"every weekday at 9:30", "30 9 * * MON-FRI"},
		{"every weekdays at 09:30am", "30 9 * * MON-FRI"},
		{"every mon,tue,wed,thu,fri at 8:00", "0 8 * * MON-FRI"},
		{"every day at 12am", "0 0 * * *"},
		{"every sun,sat at 12pm", "0 12 * * SAT,SUN"},
		{"every weekend at noon", "0 12 * * SAT,SUN"},
		{"every fri at 2 pm", "0 14 * * FRI"},
		{"every wed at 11:59 p.m.", "59 23 * * WED"},
		{"every sunday at 23:59", "59 23 * * SUN"},
		{"every thurs at 0:00", "0 0 * * THU"},
		{"every tue & thu at midnight", "0 0 * * TUE,THU"},
		{"0 10 * * TUE", "0 10 * * TUE"},
		{"  30   8 * *   1-5 ", "30 8 * * 1-5"},
		{"0 * * * *", "0 * * * *"},
		{"0 9 1 * *", "0 9 1 * *"},
		{"@weekly", "@weekly"},
		{"@WEEKLY", "@weekly"},
		{"@daily", "@daily"},
		{"@hourly", "@hourly"},
		{"@every 168h", "@every 168h0m0s"},
		{"@every 1h", "@every 1h0m0s"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			spec, err := ParseMeeting(tc.in, now, time.UTC)
			if err != nil || spec != tc.spec {
				t.Fatalf("ParseMeeting(%q) = %q, %v; want %q", tc.in, spec, err, tc.spec)
			}
			if _, err := Meeting(spec, time.UTC, now); err != nil {
				t.Fatalf("stored spec %q does not read back: %v", spec, err)
			}
		})
	}
}

// TestParseMeetingErrors: every schedule that cannot be read says what is
// wrong and shows examples of every form that works.
func TestParseMeetingErrors(t *testing.T) {
	now := time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ in, want string }{
		{"", "Add a schedule"},
		{"every funday at 10:00", "funday"},
		{"every tue at 25:00", "“25:00” is not a time of day"},
		{"every tue at 10:60", "not a time of day"},
		{"every tue at 13pm", "not a time of day"},
		{"every tue at 0am", "not a time of day"},
		{"every tue at 10", "give the minutes"},
		{"every tue at", "What time?"},
		{"every at 10:00", "Which days?"},
		{"every", "can't read"},
		{"every tue 10:00", "Put `at` before the time: `every tue at 10:00`"},
		{"every mon-fri at 9:00", "mon-fri"},
		{"every tue at 10:00 sharp", "not a time of day"},
		{"tomorrow at 10", "can't read"},
		{"@every 5m", "at most once an hour"},
		{"@every 59m59s", "at most once an hour"},
		{"@every banana", "needs a duration"},
		{"@every -2h", "needs a duration"},
		{"@every", "needs a duration"},
		{"@fortnightly", "not a schedule I know"},
		{"CRON_TZ=UTC", "time zone"},
		{"CRON_TZ=UTC 0 10 * * TUE", "time zone"},
		{"TZ=", "time zone"},
		{"*/5 * * * *", "several times an hour"},
		{"* 10 * * *", "several times an hour"},
		{"0,30 10 * * *", "several times an hour"},
		{"0 0 30 2 *", "never happens"},
		{"0 10 * * FUNDAY", "not a schedule I know"},
		{"61 10 * * *", "not a schedule I know"},
		{"0 0 9 * * MON", "can't read"},
		{"<@U123> 1 2 3 4", "not a schedule I know"},
		{"fifth mon of the month at 10:00", "say `last mon of the month`"},
		{"first funday of the month at 10:00", "funday"},
		{"first mon of the month at 25:00", "not a time of day"},
		{"every 2 weeks on funday at 10:00", "funday"},
		{"every 2 weeks on tue at 25:00", "not a time of day"},
		{"every 60 weeks on tue at 10:00", "weeks"},
		{"every 2 weeks on tue at 10:00 from someday", "someday"},
		{"every tue at 10:00\x00", "control characters"},
		{strings.Repeat("every tue ", 30) + "at 10:00", "too long"},
		{"every tue at 10:00 \xff", "UTF-8"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			spec, err := ParseMeeting(tc.in, now, time.UTC)
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("ParseMeeting(%q) = %q, %v; want an *Error", tc.in, spec, err)
			}
			if !strings.Contains(ce.Msg, tc.want) {
				t.Errorf("error = %q, want it to contain %q", ce.Msg, tc.want)
			}
			if tc.want == "UTF-8" {
				return // nothing of it can be quoted back
			}
			for _, example := range []string{"`every tue at 10:00`", "`every 2 weeks on tue at 10:00`", "`first mon of the month at 10:00`", "`@weekly`"} {
				if !strings.Contains(ce.Msg, example) {
					t.Errorf("error = %q, want the example %s", ce.Msg, example)
				}
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"0 10 * * TUE", "every Tuesday at 10:00"},
		{"30 16 * * MON,THU", "every Mon and Thu at 16:30"},
		{"0 9 * * MON,WED,FRI", "every Mon, Wed and Fri at 09:00"},
		{"30 9 * * MON-FRI", "every weekday at 09:30"},
		{"30 9 * * 1-5", "every weekday at 09:30"},
		{"0 12 * * SAT,SUN", "every Sat and Sun at 12:00"},
		{"0 0 * * *", "every day at 00:00"},
		{"0 8 * * 0-6", "every day at 08:00"},
		{"0 8 * * 7", "every Sunday at 08:00"},
		{"@weekly", "every Sunday at 00:00"},
		{"@every 168h0m0s", "every 7 days"},
		{"@every 1h30m0s", "every 1 hour 30 minutes"},
		{"0 9 1 * *", "cron `0 9 1 * *`"},
		{"0 * * * *", "cron `0 * * * *`"},
		{"0 9 * * */2", "cron `0 9 * * */2`"},
		{"every 2 weeks on tue at 10:00 from 2026-12-08", "every 2 weeks on Tue at 10:00"},
		{"every 3 weeks on mon,thu at 09:00 from 2026-12-03", "every 3 weeks on Mon and Thu at 09:00"},
		{"every 2 weeks on mon,wed,fri at 09:00 from 2026-12-02", "every 2 weeks on Mon, Wed and Fri at 09:00"},
		{"first mon of the month at 10:00", "on the first Monday of the month at 10:00"},
		{"last fri of the month at 16:00", "on the last Friday of the month at 16:00"},
		{"0 9 * * <!here>", "cron `0 9 * * &lt;!here&gt;`"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			if got := Describe(tc.spec); got != tc.want {
				t.Fatalf("Describe(%q) = %q, want %q", tc.spec, got, tc.want)
			}
		})
	}
}
