package businesshours

import (
	"testing"
	"time"
)

// slaClock is the interface package store declares; *Hours must satisfy it.
type slaClock interface {
	Add(t time.Time, d time.Duration) time.Time
	Between(from, to time.Time) time.Duration
}

var _ slaClock = (*Hours)(nil)

func loadLocation(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return loc
}

func mustParse(tb testing.TB, spec string, loc *time.Location, holidays Holidays) *Hours {
	tb.Helper()
	h, err := Parse(spec, loc, holidays)
	if err != nil {
		tb.Fatalf("Parse(%q): %v", spec, err)
	}
	return h
}

func mustHolidays(tb testing.TB, value string) Holidays {
	tb.Helper()
	h, err := ParseHolidays(value)
	if err != nil {
		tb.Fatalf("ParseHolidays(%q): %v", value, err)
	}
	return h
}

// at reads "2006-01-02 15:04" in loc.
func at(tb testing.TB, loc *time.Location, s string) time.Time {
	tb.Helper()
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		tb.Fatalf("ParseInLocation(%q): %v", s, err)
	}
	return t
}

func TestParse(t *testing.T) {
	// 2026-11-23 is a Monday; no clock changes that week.
	monday := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		spec string
		want string        // String()
		week time.Duration // open time in a week
	}{
		{"single range", "mon-fri 09:00-17:30", "mon-fri 09:00-17:30", 42*time.Hour + 30*time.Minute},
		{"per-day hours", "mon-thu 09:00-17:30, fri 09:00-15:00", "mon-thu 09:00-17:30, fri 09:00-15:00", 40 * time.Hour},
		{"two ranges in two groups", "mon-fri 09:00-12:00, mon-fri 13:00-17:00", "mon-fri 09:00-12:00 13:00-17:00", 35 * time.Hour},
		{"two ranges in one group", "mon-fri 09:00-12:00 13:00-17:00", "mon-fri 09:00-12:00 13:00-17:00", 35 * time.Hour},
		{"group of times only", "mon-fri 09:00-12:00, 13:00-17:00", "mon-fri 09:00-12:00 13:00-17:00", 35 * time.Hour},
		{"overlaps merged", "mon-fri 09:00-13:00, mon-fri 12:00-17:00", "mon-fri 09:00-17:00", 40 * time.Hour},
		{"touching merged", "mon-fri 09:00-12:00 12:00-17:00", "mon-fri 09:00-17:00", 40 * time.Hour},
		{"contained merged", "mon 09:00-17:00 10:00-11:00", "mon 09:00-17:00", 8 * time.Hour},
		{"full names and case", "Monday-FRIDAY 09:00-17:30", "mon-fri 09:00-17:30", 42*time.Hour + 30*time.Minute},
		{"extra spaces", "  mon - fri   09:00 -  17:30 ,  sat  10:00-12:00 ", "mon-fri 09:00-17:30, sat 10:00-12:00", 44*time.Hour + 30*time.Minute},
		{"en dash", "mon–fri 09:00–17:30", "mon-fri 09:00-17:30", 42*time.Hour + 30*time.Minute},
		{"one-digit hour", "mon-fri 9:00-17:30", "mon-fri 09:00-17:30", 42*time.Hour + 30*time.Minute},
		{"24:00", "sat 10:00-24:00", "sat 10:00-24:00", 14 * time.Hour},
		{"daily all day", "daily 00:00-24:00", "mon-sun 00:00-24:00", 7 * 24 * time.Hour},
		{"list of days", "mon+wed+fri 08:00-12:00", "mon+wed+fri 08:00-12:00", 12 * time.Hour},
		{"list and range", "mon-wed+fri 09:00-17:00", "mon-wed+fri 09:00-17:00", 32 * time.Hour},
		{"range over the weekend", "fri-mon 10:00-11:00", "mon+fri-sun 10:00-11:00", 4 * time.Hour},
		{"a day added to", "mon-fri 09:00-17:00, sat 10:00-12:00, mon 17:00-18:00", "mon 09:00-18:00, tue-fri 09:00-17:00, sat 10:00-12:00", 43 * time.Hour},
		{"night shift", "mon-fri 22:00-24:00, tue-sat 00:00-06:00", "mon 22:00-24:00, tue-fri 00:00-06:00 22:00-24:00, sat 00:00-06:00", 40 * time.Hour},
		{"same day twice", "mon+mon 09:00-10:00", "mon 09:00-10:00", time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := Parse(tc.spec, time.UTC, Holidays{})
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.spec, err)
			}
			if got := h.String(); got != tc.want {
				t.Fatalf("String() = %q, want %q", got, tc.want)
			}
			if got := h.Between(monday, monday.AddDate(0, 0, 7)); got != tc.week {
				t.Fatalf("Between over a week = %v, want %v", got, tc.week)
			}
			again, err := Parse(h.String(), time.UTC, Holidays{})
			if err != nil {
				t.Fatalf("Parse(String()) = %v", err)
			}
			if again.String() != tc.want {
				t.Fatalf("Parse(String()).String() = %q, want %q", again.String(), tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		spec string
		want string
	}{
		{"", `empty (e.g. "mon-fri 09:00-17:30")`},
		{"   ", `empty (e.g. "mon-fri 09:00-17:30")`},
		{"mon-fry 09:00-17:30", `"mon-fry 09:00-17:30": unknown day "fry" (use mon, tue, wed, thu, fri, sat, sun, e.g. "mon-fri 09:00-17:30")`},
		{"hello world", `"hello world": unknown day "hello" (use mon, tue, wed, thu, fri, sat, sun, e.g. "mon-fri 09:00-17:30")`},
		{"mon-thu 09:00-17:30, Fryday 09:00-15:00", `"Fryday 09:00-15:00": unknown day "Fryday" (use mon, tue, wed, thu, fri, sat, sun, e.g. "mon-fri 09:00-17:30")`},
		{"mon-fri 9am-5pm", `"mon-fri 9am-5pm": bad time "9am" (use HH:MM on the 24-hour clock, 00:00 to 24:00, e.g. "mon-fri 09:00-17:30")`},
		{"mon-fri 9am", `"mon-fri 9am": bad time "9am" (use HH:MM on the 24-hour clock, 00:00 to 24:00, e.g. "mon-fri 09:00-17:30")`},
		{"mon-fri 0900-1730", `"mon-fri 0900-1730": bad time "0900" (use HH:MM on the 24-hour clock, 00:00 to 24:00, e.g. "mon-fri 09:00-17:30")`},
		{"mon-fri 09:00-25:00", `"mon-fri 09:00-25:00": bad time "25:00" (use HH:MM on the 24-hour clock, 00:00 to 24:00, e.g. "mon-fri 09:00-17:30")`},
		{"mon-fri 09:00-24:30", `"mon-fri 09:00-24:30": bad time "24:30" (use HH:MM on the 24-hour clock, 00:00 to 24:00, e.g. "mon-fri 09:00-17:30")`},
		{"mon-fri 09:60-17:00", `"mon-fri 09:60-17:00": bad time "09:60" (use HH:MM on the 24-hour clock, 00:00 to 24:00, e.g. "mon-fri 09:00-17:30")`},
		{"mon-fri 09:00-17:00-18:00", `"mon-fri 09:00-17:00-18:00": bad time "17:00-18:00" (use HH:MM on the 24-hour clock, 00:00 to 24:00, e.g. "mon-fri 09:00-17:30")`},
		{"mon-fri 17:30-09:00", `"mon-fri 17:30-09:00": end 09:00 is not after start 17:30 (a range cannot cross midnight: split it, e.g. "mon-fri 22:00-24:00, tue-sat 00:00-06:00")`},
		{"mon-fri 09:00-09:00", `"mon-fri 09:00-09:00": end 09:00 is not after start 09:00 (a range cannot cross midnight: split it, e.g. "mon-fri 22:00-24:00, tue-sat 00:00-06:00")`},
		{"mon-fri", `"mon-fri": missing hours (e.g. "mon-fri 09:00-17:30")`},
		{"mon-fri 09:00", `"mon-fri 09:00": "09:00" has no end time (use HH:MM-HH:MM, e.g. "mon-fri 09:00-17:30")`},
		{"09:00-17:30", `"09:00-17:30": missing days before "09:00-17:30" (e.g. "mon-fri 09:00-17:30")`},
		{"mon-fri 09:00-17:30,", `"mon-fri 09:00-17:30,": empty group between commas (e.g. "mon-thu 09:00-17:30, fri 09:00-15:00")`},
		{"mon--fri 09:00-17:30", `"mon--fri 09:00-17:30": bad days "mon--fri" (use a day, a range of days or a list, e.g. "sat", "mon-fri" or "mon+wed+fri")`},
		{"mon-wed-fri 09:00-17:30", `"mon-wed-fri 09:00-17:30": bad days "mon-wed-fri" (use a day, a range of days or a list, e.g. "sat", "mon-fri" or "mon+wed+fri")`},
		{"!!", `"!!": unknown day "!!" (use mon, tue, wed, thu, fri, sat, sun, e.g. "mon-fri 09:00-17:30")`},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			h, err := Parse(tc.spec, time.UTC, Holidays{})
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want an error", tc.spec, h)
			}
			if err.Error() != tc.want {
				t.Fatalf("Parse(%q) error\n got %s\nwant %s", tc.spec, err, tc.want)
			}
		})
	}
}

func TestNilAndZeroHours(t *testing.T) {
	paris := loadLocation(t, "Europe/Paris")
	t0 := at(t, paris, "2026-11-21 12:00") // a Saturday
	for name, h := range map[string]*Hours{"nil": nil, "zero": {}, "Always without holidays": Always(paris, Holidays{})} {
		t.Run(name, func(t *testing.T) {
			if got, want := h.Add(t0, 90*time.Minute), t0.Add(90*time.Minute); !got.Equal(want) {
				t.Fatalf("Add = %v, want %v", got, want)
			}
			if got, want := h.Add(t0, -90*time.Minute), t0.Add(-90*time.Minute); !got.Equal(want) {
				t.Fatalf("Add back = %v, want %v", got, want)
			}
			if got := h.Between(t0, t0.Add(time.Hour)); got != time.Hour {
				t.Fatalf("Between = %v, want 1h", got)
			}
			if got := h.Between(t0.Add(time.Hour), t0); got != 0 {
				t.Fatalf("Between backwards = %v, want 0", got)
			}
			if !h.Open(t0) {
				t.Fatalf("Open = false, want true")
			}
			if got := h.String(); got != "always" {
				t.Fatalf("String() = %q, want always", got)
			}
		})
	}
}

func TestAlways(t *testing.T) {
	paris := loadLocation(t, "Europe/Paris")
	h := Always(paris, mustHolidays(t, "2026-12-25"))
	if got, want := h.String(), "mon-sun 00:00-24:00"; got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
	eve := at(t, paris, "2026-12-24 22:00")
	tests := []struct {
		name string
		got  time.Time
		want time.Time
	}{
		{"runs on the eve", h.Add(eve, 2*time.Hour), at(t, paris, "2026-12-25 00:00")},
		{"stops over the holiday", h.Add(eve, 3*time.Hour), at(t, paris, "2026-12-26 01:00")},
		{"backwards over the holiday", h.Add(at(t, paris, "2026-12-26 01:00"), -3*time.Hour), eve},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.got.Equal(tc.want) {
				t.Fatalf("Add = %v, want %v", tc.got, tc.want)
			}
		})
	}
	if got := h.Between(eve, at(t, paris, "2026-12-27 00:00")); got != 26*time.Hour {
		t.Fatalf("Between = %v, want 26h", got)
	}
	if h.Open(at(t, paris, "2026-12-25 12:00")) {
		t.Fatalf("Open on the holiday = true, want false")
	}
}
