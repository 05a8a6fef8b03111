package cronspec

import (
	"testing"
	"time"
)

// FuzzParseMeeting: any text is refused with an *Error or gives a spec
// that Meeting reads, Describe says, and ParseMeeting reads as itself.
func FuzzParseMeeting(f *testing.F) {
	for _, s := range []string{"every tue at 10:00", "every mon,thu at 16:30", "every 2 weeks on tue at 10:00",
		"every other week on tue,thu at 9:30am from 2027-01-05", "last fri of the month at 16:00", "first mon at 10:00",
		"fifth mon of the month at 10:00", "0 10 * * TUE", "@weekly", "@every 168h", "every 53 weeks on mon at 10:00"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		spec, err := ParseMeeting(s, now, time.UTC)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("ParseMeeting(%q): %v, want an *Error", s, err)
			}
			return
		}
		sched, err := Meeting(spec, time.UTC, now)
		if err != nil {
			t.Fatalf("ParseMeeting(%q) = %q, which Meeting refuses: %v", s, spec, err)
		}
		sched.Next(now)
		Describe(spec)
		if again, err := ParseMeeting(spec, now, time.UTC); err != nil || again != spec {
			t.Fatalf("ParseMeeting(%q) = %q; read again = %q, %v", s, spec, again, err)
		}
	})
}

// FuzzParseDate: any text gives a date or an *Error, never a panic.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"fri", "tomorrow", "in 3 days", "15 dec", "dec 15, 2027", "2026-02-29", "in 9999 weeks"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s, Date{2026, 11, 30})
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("ParseDate(%q): %v, want an *Error", s, err)
			}
			return
		}
		if _, err := ParseISODate(d.String()); err != nil {
			t.Fatalf("ParseDate(%q) = %v, not a valid date", s, d)
		}
	})
}
