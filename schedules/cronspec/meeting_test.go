package cronspec

import (
	"testing"
	"time"
)

// TestMeetingOccurrences checks the recurrences against dates worked out
// by hand (cal): month ends, a year end with ISO week 53, DST changes.
func TestMeetingOccurrences(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	for _, tc := range []struct {
		typed string
		loc   *time.Location
		now   time.Time
		want  []string // RFC 3339 instants
	}{
		{"last fri of the month at 16:00", time.UTC, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
			[]string{"2026-02-27T16:00:00Z", "2026-03-27T16:00:00Z"}},
		{"last fri of the month at 16:00", time.UTC, time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC),
			[]string{"2027-02-26T16:00:00Z"}},
		{"last fri of the month at 16:00", time.UTC, time.Date(2028, 2, 1, 0, 0, 0, 0, time.UTC),
			[]string{"2028-02-25T16:00:00Z"}},
		{"last mon of the month at 10:00", time.UTC, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), // 30 Nov 2026 is a Monday
			[]string{"2026-11-30T10:00:00Z", "2026-12-28T10:00:00Z"}},
		{"first mon of the month at 10:00", time.UTC, time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC),
			[]string{"2027-01-04T10:00:00Z", "2027-02-01T10:00:00Z"}},
		{"fourth thu of the month at 9:00", time.UTC, time.Date(2026, 9, 20, 0, 0, 0, 0, time.UTC), // 1 Oct 2026 is a Thursday
			[]string{"2026-09-24T09:00:00Z", "2026-10-22T09:00:00Z"}},
		// 2026 has 53 ISO weeks: every 2 weeks counts real weeks.
		{"every 2 weeks on tue at 10:00", time.UTC, time.Date(2026, 12, 14, 12, 0, 0, 0, time.UTC),
			[]string{"2026-12-15T10:00:00Z", "2026-12-29T10:00:00Z", "2027-01-12T10:00:00Z"}},
		{"every 3 weeks on mon,thu at 9:00", time.UTC, time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC), // a Wednesday
			[]string{"2026-12-03T09:00:00Z", "2026-12-21T09:00:00Z", "2026-12-24T09:00:00Z", "2027-01-11T09:00:00Z"}},
		// DST: 10:00 stays 10:00 local.
		{"every tue at 10:00", berlin, time.Date(2026, 3, 23, 0, 0, 0, 0, time.UTC),
			[]string{"2026-03-24T09:00:00Z", "2026-03-31T08:00:00Z"}},
		{"last sun of the month at 10:00", berlin, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
			[]string{"2026-10-25T09:00:00Z", "2026-11-29T09:00:00Z"}},
		{"every 2 weeks on sun at 10:00", ny, time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC),
			[]string{"2026-03-01T15:00:00Z", "2026-03-15T14:00:00Z"}},
		{"first sun of the month at 10:00", ny, time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC),
			[]string{"2026-11-01T15:00:00Z"}},
		// A time in the spring-forward gap moves on by the gap.
		{"last sun of the month at 2:30", berlin, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
			[]string{"2026-03-29T01:30:00Z"}},
		{"second sun of the month at 2:30", ny, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), // 03:30 EDT, as in Berlin
			[]string{"2026-03-08T07:30:00Z", "2026-04-12T06:30:00Z"}},
		{"every 2 weeks on sun at 2:30 from 2026-03-08", ny, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
			[]string{"2026-03-08T07:30:00Z", "2026-03-22T06:30:00Z"}},
		// A time that happens twice when clocks go back is the first, once.
		{"last sun of the month at 2:30", berlin, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
			[]string{"2026-10-25T00:30:00Z", "2026-11-29T01:30:00Z"}},
		{"first sun of the month at 1:30", ny, time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC),
			[]string{"2026-11-01T05:30:00Z", "2026-12-06T06:30:00Z"}},
		{"every 2 weeks on sun at 1:30 from 2026-11-01", ny, time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC),
			[]string{"2026-11-01T05:30:00Z", "2026-11-15T06:30:00Z"}},
		// The weekly forms: a time in the gap is skipped that night (as
		// robfig/cron does), a repeated one happens once (robfig/cron
		// would fire twice).
		{"every sun at 2:30", berlin, time.Date(2026, 3, 22, 12, 0, 0, 0, time.UTC),
			[]string{"2026-04-05T00:30:00Z"}},
		{"every sun at 2:30", berlin, time.Date(2026, 10, 18, 12, 0, 0, 0, time.UTC),
			[]string{"2026-10-25T00:30:00Z", "2026-11-01T01:30:00Z"}},
		{"0 * * * *", berlin, time.Date(2026, 10, 24, 23, 30, 0, 0, time.UTC),
			[]string{"2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z"}}, // 02:00 CEST, then 03:00 CET
		// An every-N-weeks meeting is on its anchor day itself.
		{"every 2 weeks on tue at 10:00 from 2026-12-08", time.UTC, time.Date(2026, 12, 8, 9, 59, 0, 0, time.UTC),
			[]string{"2026-12-08T10:00:00Z", "2026-12-22T10:00:00Z"}},
	} {
		t.Run(tc.typed, func(t *testing.T) {
			spec, err := ParseMeeting(tc.typed, tc.now, tc.loc)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Meeting(spec, tc.loc, tc.now)
			if err != nil {
				t.Fatal(err)
			}
			at := tc.now
			for _, want := range tc.want {
				at = s.Next(at)
				if got := at.UTC().Format(time.RFC3339); got != want {
					t.Fatalf("%q (%q): got %s, want %s", tc.typed, spec, got, want)
				}
			}
		})
	}
}

func TestParseMeetingCanonical(t *testing.T) {
	now := time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC) // Tue 11:00
	for _, tc := range []struct{ in, want string }{
		{"every tue at 10:00", "0 10 * * TUE"},
		{"every 2 weeks on tue at 10:00", "every 2 weeks on tue at 10:00 from 2026-12-08"},
		{"every 2 weeks on tue at 12:00", "every 2 weeks on tue at 12:00 from 2026-12-01"},
		{"every other week on thu,tue at 9:30am", "every 2 weeks on tue,thu at 09:30 from 2026-12-03"},
		{"biweekly tue at 10:00 from 2027-01-05", "every 2 weeks on tue at 10:00 from 2027-01-05"},
		{"every 1 week on mon at 9:00", "0 9 * * MON"},
		{"Last Friday of the month at 4pm", "last fri of the month at 16:00"},
		{"every 1st mon at 10:00", "first mon of the month at 10:00"},
	} {
		if got, err := ParseMeeting(tc.in, now, time.UTC); err != nil || got != tc.want {
			t.Errorf("ParseMeeting(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"fifth mon of the month at 10:00", "every 60 weeks on mon at 10:00", "first mon,tue of the month at 10:00", "every funday at 10:00", ""} {
		if got, err := ParseMeeting(in, now, time.UTC); err == nil {
			t.Errorf("ParseMeeting(%q) = %q, want an error", in, got)
		}
	}
}

func TestParseDate(t *testing.T) {
	fri := Date{2026, 12, 4}
	for _, tc := range []struct {
		in    string
		today Date
		want  string
	}{
		{"today", fri, "2026-12-04"}, {"tomorrow", fri, "2026-12-05"}, {"fri", fri, "2026-12-11"}, {"Monday", fri, "2026-12-07"},
		{"next fri", fri, "2026-12-11"}, {"in 0 days", fri, "2026-12-04"}, {"in 3 days", fri, "2026-12-07"}, {"in a week", fri, "2026-12-11"},
		{"in 2 weeks", fri, "2026-12-18"}, {"2026-12-15", fri, "2026-12-15"}, {"15 dec", fri, "2026-12-15"}, {"dec 2", fri, "2027-12-02"},
		{"jan 2", fri, "2027-01-02"}, {"15 december 2027", fri, "2027-12-15"}, {"december 15, 2027", fri, "2027-12-15"},
		{"feb 29", fri, "2028-02-29"},
	} {
		if got, err := ParseDate(tc.in, tc.today); err != nil || got.String() != tc.want {
			t.Errorf("ParseDate(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"2027-02-29", "29 feb 2027", "someday", "", "in 99999 days"} {
		if got, err := ParseDate(in, fri); err == nil {
			t.Errorf("ParseDate(%q) = %v, want an error", in, got)
		}
	}
}
