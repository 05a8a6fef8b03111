package businesshours

import (
	"strings"
	"testing"
	"time"
)

// In November 2026, the 20th is a Friday and the 23rd a Monday; no clock
// changes that month.

func TestAdd(t *testing.T) {
	paris := loadLocation(t, "Europe/Paris")
	office := mustParse(t, "mon-fri 09:00-17:30", paris, Holidays{})
	mondayOff := mustParse(t, "mon-fri 09:00-17:30", paris, mustHolidays(t, "2026-11-23"))
	lunch := mustParse(t, "mon-fri 09:00-12:00 13:00-17:30", paris, Holidays{})
	short := mustParse(t, "mon-thu 09:00-17:30, fri 09:00-15:00", paris, Holidays{})
	tests := []struct {
		name  string
		hours *Hours
		from  string
		d     time.Duration
		want  string
	}{
		{"fri to the closing instant", office, "2026-11-20 17:00", 30 * time.Minute, "2026-11-20 17:30"},
		{"fri over the weekend", office, "2026-11-20 17:00", time.Hour, "2026-11-23 09:30"},
		{"fri to mon closing", office, "2026-11-20 17:00", 9 * time.Hour, "2026-11-23 17:30"},
		{"fri to mon closing and a bit", office, "2026-11-20 17:00", 9*time.Hour + time.Minute, "2026-11-24 09:01"},
		{"the SPEC's 24h is wed 15:30", office, "2026-11-20 17:00", 24 * time.Hour, "2026-11-25 15:30"},
		{"tue 16:30 is 16h30m", office, "2026-11-20 17:00", 16*time.Hour + 30*time.Minute, "2026-11-24 16:30"},
		{"from the closing instant", office, "2026-11-20 17:30", time.Hour, "2026-11-23 10:00"},
		{"sat starts at mon opening", office, "2026-11-21 12:00", time.Hour, "2026-11-23 10:00"},
		{"sun evening to mon closing", office, "2026-11-22 20:00", 8*time.Hour + 30*time.Minute, "2026-11-23 17:30"},
		{"before opening", office, "2026-11-23 07:00", time.Minute, "2026-11-23 09:01"},
		{"zero when closed", office, "2026-11-21 12:00", 0, "2026-11-21 12:00"},
		{"zero when open", office, "2026-11-23 10:00", 0, "2026-11-23 10:00"},
		{"one week", office, "2026-11-20 17:00", 42*time.Hour + 30*time.Minute, "2026-11-27 17:00"},
		{"two weeks", office, "2026-11-20 17:00", 85 * time.Hour, "2026-12-04 17:00"},
		{"ten weeks and a bit", office, "2026-11-20 17:00", 425*time.Hour + 30*time.Minute, "2027-01-29 17:30"},
		{"mon holiday", mondayOff, "2026-11-20 17:00", time.Hour, "2026-11-24 09:30"},
		{"mon holiday, from sat", mondayOff, "2026-11-21 12:00", 8*time.Hour + 30*time.Minute, "2026-11-24 17:30"},
		{"lunch: to the break", lunch, "2026-11-23 11:30", 30 * time.Minute, "2026-11-23 12:00"},
		{"lunch: over the break", lunch, "2026-11-23 11:30", time.Hour, "2026-11-23 13:30"},
		{"lunch: from inside the break", lunch, "2026-11-23 12:30", time.Hour, "2026-11-23 14:00"},
		{"short friday: to closing", short, "2026-11-19 17:00", 6*time.Hour + 30*time.Minute, "2026-11-20 15:00"},
		{"short friday: past closing", short, "2026-11-19 17:00", 7 * time.Hour, "2026-11-23 09:30"},

		{"back: over the weekend", office, "2026-11-23 09:30", -time.Hour, "2026-11-20 17:00"},
		{"back: from opening", office, "2026-11-23 09:00", -30 * time.Minute, "2026-11-20 17:00"},
		{"back: to the opening instant", office, "2026-11-23 10:00", -time.Hour, "2026-11-23 09:00"},
		{"back: from sat", office, "2026-11-21 12:00", -30 * time.Minute, "2026-11-20 17:00"},
		{"back: the SPEC's 24h", office, "2026-11-25 15:30", -24 * time.Hour, "2026-11-20 17:00"},
		{"back: a whole week", office, "2026-11-27 17:00", -(42*time.Hour + 30*time.Minute), "2026-11-20 17:00"},
		{"back: two weeks from sun", office, "2026-12-06 12:00", -85 * time.Hour, "2026-11-23 09:00"},
		{"back: over the holiday", mondayOff, "2026-11-24 09:30", -time.Hour, "2026-11-20 17:00"},
		{"back: lunch", lunch, "2026-11-23 13:30", -time.Hour, "2026-11-23 11:30"},
		{"back: lunch to the afternoon opening", lunch, "2026-11-23 14:00", -time.Hour, "2026-11-23 13:00"},
		{"back: from inside the break", lunch, "2026-11-23 12:30", -time.Hour, "2026-11-23 11:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			from, want := at(t, paris, tc.from), at(t, paris, tc.want)
			got := tc.hours.Add(from, tc.d)
			if !got.Equal(want) {
				t.Fatalf("Add(%s, %v) = %v, want %v", tc.from, tc.d, got, want)
			}
			if got.Location() != paris {
				t.Fatalf("Add location = %v, want %v", got.Location(), paris)
			}
			if tc.d >= 0 {
				if b := tc.hours.Between(from, got); b != tc.d {
					t.Fatalf("Between(from, Add(from, d)) = %v, want %v", b, tc.d)
				}
			} else if b := tc.hours.Between(got, from); b != -tc.d {
				t.Fatalf("Between(Add(from, d), from) = %v, want %v", b, -tc.d)
			}
		})
	}
}

func TestAddKeepsLocation(t *testing.T) {
	paris := loadLocation(t, "Europe/Paris")
	office := mustParse(t, "mon-fri 09:00-17:30", paris, Holidays{})
	from := time.Date(2026, 11, 20, 16, 0, 0, 0, time.UTC) // Friday 17:00 in Paris
	got := office.Add(from, time.Hour)
	if want := time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC); !got.Equal(want) || got.Location() != time.UTC {
		t.Fatalf("Add = %v, want %v", got, want)
	}
	tokyo := loadLocation(t, "Asia/Tokyo")
	got = office.Add(from.In(tokyo), -30*time.Minute)
	if want := time.Date(2026, 11, 20, 15, 30, 0, 0, time.UTC); !got.Equal(want) || got.Location() != tokyo {
		t.Fatalf("Add back = %v, want %v in Asia/Tokyo", got, want)
	}
}

func TestBetween(t *testing.T) {
	paris := loadLocation(t, "Europe/Paris")
	office := mustParse(t, "mon-fri 09:00-17:30", paris, Holidays{})
	mondayOff := mustParse(t, "mon-fri 09:00-17:30", paris, mustHolidays(t, "2026-11-23"))
	lunch := mustParse(t, "mon-fri 09:00-12:00 13:00-17:30", paris, Holidays{})
	tests := []struct {
		name     string
		hours    *Hours
		from, to string
		want     time.Duration
	}{
		{"fri to mon", office, "2026-11-20 17:00", "2026-11-23 10:00", 90 * time.Minute},
		{"fri to the SPEC's tue 16:30", office, "2026-11-20 17:00", "2026-11-24 16:30", 16*time.Hour + 30*time.Minute},
		{"backwards", office, "2026-11-23 10:00", "2026-11-20 17:00", 0},
		{"empty", office, "2026-11-23 10:00", "2026-11-23 10:00", 0},
		{"weekend", office, "2026-11-21 00:00", "2026-11-23 00:00", 0},
		{"within a day", office, "2026-11-23 10:00", "2026-11-23 11:15", 75 * time.Minute},
		{"night", office, "2026-11-23 17:30", "2026-11-24 09:00", 0},
		{"a week", office, "2026-11-20 17:00", "2026-11-27 17:00", 42*time.Hour + 30*time.Minute},
		{"a week from sunday", office, "2026-11-22 12:00", "2026-11-29 12:00", 42*time.Hour + 30*time.Minute},
		{"mon holiday", mondayOff, "2026-11-20 17:00", "2026-11-24 10:00", 90 * time.Minute},
		{"holiday alone", mondayOff, "2026-11-23 00:00", "2026-11-24 00:00", 0},
		{"lunch", lunch, "2026-11-23 11:00", "2026-11-23 14:00", 2 * time.Hour},
		{"inside the break", lunch, "2026-11-23 12:10", "2026-11-23 12:50", 0},
		// 2026 has 261 weekdays; 2026-12-25 and 2027-01-01 are Fridays.
		{"a year", office, "2026-01-01 00:00", "2027-01-01 00:00", 261 * (8*time.Hour + 30*time.Minute)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.hours.Between(at(t, paris, tc.from), at(t, paris, tc.to)); got != tc.want {
				t.Fatalf("Between(%s, %s) = %v, want %v", tc.from, tc.to, got, tc.want)
			}
		})
	}
}

func TestOpen(t *testing.T) {
	paris := loadLocation(t, "Europe/Paris")
	lunch := mustParse(t, "mon-fri 09:00-12:00 13:00-17:30", paris, mustHolidays(t, "2026-11-24"))
	tests := []struct {
		at   string
		want bool
	}{
		{"2026-11-23 08:59", false},
		{"2026-11-23 09:00", true},
		{"2026-11-23 11:59", true},
		{"2026-11-23 12:00", false},
		{"2026-11-23 13:00", true},
		{"2026-11-23 17:30", false},
		{"2026-11-24 10:00", false}, // a holiday
		{"2026-11-21 10:00", false}, // a Saturday
	}
	for _, tc := range tests {
		t.Run(tc.at, func(t *testing.T) {
			if got := lunch.Open(at(t, paris, tc.at)); got != tc.want {
				t.Fatalf("Open(%s) = %v, want %v", tc.at, got, tc.want)
			}
		})
	}
	// 11:00 in Paris is 10:00 in UTC.
	if !lunch.Open(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("Open(10:00 UTC) = false, want true")
	}
}

// TestDST checks ranges over the hour the clocks skip or repeat, by hand:
// Paris goes from 02:00 CET to 03:00 CEST on 2026-03-29 (01:00 UTC) and back
// from 03:00 CEST to 02:00 CET on 2026-10-25 (01:00 UTC); New York from
// 02:00 EST to 03:00 EDT on 2026-03-08 (07:00 UTC) and back from 02:00 EDT to
// 01:00 EST on 2026-11-01 (06:00 UTC). All those days are Sundays.
func TestDST(t *testing.T) {
	paris := loadLocation(t, "Europe/Paris")
	ny := loadLocation(t, "America/New_York")
	parisSun := mustParse(t, "sun 00:00-06:00 09:00-17:00", paris, Holidays{})
	nySun := mustParse(t, "sun 01:00-04:00 09:00-17:00", ny, Holidays{})
	utc := func(s string) time.Time { return at(t, time.UTC, s) }

	between := []struct {
		name     string
		hours    *Hours
		from, to time.Time
		want     time.Duration
	}{
		{"paris spring: 00:00-06:00 is 5h", parisSun, at(t, paris, "2026-03-28 12:00"), at(t, paris, "2026-03-29 08:00"), 5 * time.Hour},
		{"paris spring: 09:00-17:00 is 8h", parisSun, at(t, paris, "2026-03-29 08:00"), at(t, paris, "2026-03-30 00:00"), 8 * time.Hour},
		{"paris autumn: 00:00-06:00 is 7h", parisSun, at(t, paris, "2026-10-24 12:00"), at(t, paris, "2026-10-25 08:00"), 7 * time.Hour},
		{"paris autumn: 09:00-17:00 is 8h", parisSun, at(t, paris, "2026-10-25 08:00"), at(t, paris, "2026-10-26 00:00"), 8 * time.Hour},
		{"paris autumn: the repeated hour", parisSun, utc("2026-10-25 00:00"), utc("2026-10-25 02:00"), 2 * time.Hour},
		{"new york spring: 01:00-04:00 is 2h", nySun, at(t, ny, "2026-03-07 12:00"), at(t, ny, "2026-03-08 08:00"), 2 * time.Hour},
		{"new york autumn: 01:00-04:00 is 4h", nySun, at(t, ny, "2026-10-31 12:00"), at(t, ny, "2026-11-01 08:00"), 4 * time.Hour},
		{"new york autumn: the day", nySun, at(t, ny, "2026-10-31 12:00"), at(t, ny, "2026-11-02 00:00"), 12 * time.Hour},
		{"new york autumn: first pass", nySun, utc("2026-11-01 05:00"), utc("2026-11-01 06:00"), time.Hour},
	}
	for _, tc := range between {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.hours.Between(tc.from, tc.to); got != tc.want {
				t.Fatalf("Between(%v, %v) = %v, want %v", tc.from, tc.to, got, tc.want)
			}
		})
	}

	add := []struct {
		name  string
		hours *Hours
		from  time.Time
		d     time.Duration
		want  time.Time
	}{
		{"paris spring: to the skipped hour", parisSun, at(t, paris, "2026-03-28 12:00"), 2 * time.Hour, utc("2026-03-29 01:00")}, // 03:00 CEST
		{"paris spring: after it", parisSun, at(t, paris, "2026-03-28 12:00"), 3 * time.Hour, at(t, paris, "2026-03-29 04:00")},
		{"paris spring: to closing", parisSun, at(t, paris, "2026-03-28 12:00"), 5 * time.Hour, at(t, paris, "2026-03-29 06:00")},
		{"paris spring: the afternoon", parisSun, at(t, paris, "2026-03-28 12:00"), 6 * time.Hour, at(t, paris, "2026-03-29 10:00")},
		{"paris spring: back over the skipped hour", parisSun, at(t, paris, "2026-03-29 04:00"), -2 * time.Hour, utc("2026-03-29 00:00")}, // 01:00 CET
		{"paris autumn: first 03:00", parisSun, at(t, paris, "2026-10-24 12:00"), 3 * time.Hour, utc("2026-10-25 01:00")},                 // 03:00 CEST = 02:00 CET
		{"paris autumn: second 02:30", parisSun, at(t, paris, "2026-10-24 12:00"), 3*time.Hour + 30*time.Minute, utc("2026-10-25 01:30")},
		{"paris autumn: to closing", parisSun, at(t, paris, "2026-10-24 12:00"), 7 * time.Hour, at(t, paris, "2026-10-25 06:00")},
		{"paris autumn: back to opening", parisSun, at(t, paris, "2026-10-25 06:00"), -7 * time.Hour, at(t, paris, "2026-10-25 00:00")},
		{"new york spring: over the skipped hour", nySun, at(t, ny, "2026-03-07 12:00"), 90 * time.Minute, utc("2026-03-08 07:30")}, // 03:30 EDT
		{"new york spring: to closing", nySun, at(t, ny, "2026-03-07 12:00"), 2 * time.Hour, at(t, ny, "2026-03-08 04:00")},
		{"new york autumn: end of the first pass", nySun, at(t, ny, "2026-10-31 12:00"), time.Hour, utc("2026-11-01 06:00")},
		{"new york autumn: 02:00 EST", nySun, at(t, ny, "2026-10-31 12:00"), 2 * time.Hour, utc("2026-11-01 07:00")},
		{"new york autumn: to closing", nySun, at(t, ny, "2026-10-31 12:00"), 4 * time.Hour, utc("2026-11-01 09:00")},
		{"new york autumn: back to the first 01:00", nySun, utc("2026-11-01 09:00"), -4 * time.Hour, utc("2026-11-01 05:00")},
	}
	for _, tc := range add {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.hours.Add(tc.from, tc.d); !got.Equal(tc.want) {
				t.Fatalf("Add(%v, %v) = %v, want %v", tc.from, tc.d, got, tc.want.In(tc.from.Location()))
			}
		})
	}
}

// TestDSTWeek checks that Between over a week with a clock change is the sum
// of the real lengths of the week's ranges, each from time.Date on its own
// day. No range starts or ends in a skipped or repeated hour, where
// time.Date has to choose.
func TestDSTWeek(t *testing.T) {
	type rng struct{ from, to int } // hours
	ranges := map[time.Weekday][]rng{
		time.Monday: {{9, 17}}, time.Tuesday: {{9, 17}}, time.Wednesday: {{9, 17}},
		time.Thursday: {{9, 17}}, time.Friday: {{9, 17}},
		time.Saturday: {{12, 24}},
		time.Sunday:   {{0, 6}, {9, 17}},
	}
	spec := "mon-fri 09:00-17:00, sat 12:00-24:00, sun 00:00-06:00 09:00-17:00"
	tests := []struct {
		zone   string
		wed    string // the Wednesday before the change
		change time.Duration
	}{
		{"Europe/Paris", "2026-03-25", -time.Hour},
		{"Europe/Paris", "2026-10-21", time.Hour},
		{"Europe/Paris", "2026-11-18", 0},
		{"America/New_York", "2026-03-04", -time.Hour},
		{"America/New_York", "2026-10-28", time.Hour},
		{"Australia/Lord_Howe", "2026-04-01", 30 * time.Minute}, // back half an hour at 02:00 on 2026-04-05
		{"Australia/Lord_Howe", "2026-09-30", -30 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.zone+" "+tc.wed, func(t *testing.T) {
			loc := loadLocation(t, tc.zone)
			h := mustParse(t, spec, loc, Holidays{})
			from := at(t, loc, tc.wed+" 12:00")
			to := from.AddDate(0, 0, 7)
			var want time.Duration
			for day := at(t, loc, tc.wed+" 00:00"); day.Before(to); day = day.AddDate(0, 0, 1) {
				y, m, d := day.Date()
				for _, r := range ranges[day.Weekday()] {
					start := time.Date(y, m, d, r.from, 0, 0, 0, loc)
					end := time.Date(y, m, d, r.to, 0, 0, 0, loc) // 24:00 is the next midnight
					start, end = later(start, from), earlier(end, to)
					if end.After(start) {
						want += end.Sub(start)
					}
				}
			}
			if got := h.Between(from, to); got != want {
				t.Fatalf("Between over the week = %v, want %v", got, want)
			}
			// 5×8h + 12h + 14h, then what the change adds.
			if nominal := 66*time.Hour + tc.change; want != nominal {
				t.Fatalf("sum of the ranges = %v, want %v", want, nominal)
			}
		})
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// TestLeapYearZoneBounds crosses the last day of leap years far enough
// ahead that the zone's TZ rule applies, where time.Time.ZoneBounds gives an
// end before the instant (golang/go#81583).
func TestLeapYearZoneBounds(t *testing.T) {
	for _, zone := range []string{"America/New_York", "Europe/Paris", "Australia/Sydney"} {
		t.Run(zone, func(t *testing.T) {
			loc := loadLocation(t, zone)
			h := mustParse(t, "daily 00:00-24:00", loc, mustHolidays(t, "2041-01-01"))
			office := mustParse(t, "mon-fri 09:00-17:00", loc, Holidays{})
			for _, year := range []int{2040, 2044, 2096} {
				eve := time.Date(year, 12, 31, 12, 0, 0, 0, loc)
				from, to := eve.AddDate(0, 0, -2), eve.AddDate(0, 0, 3)
				want := to.Sub(from)
				if year == 2040 {
					want -= 24 * time.Hour
				}
				if got := h.Between(from, to); got != want {
					t.Fatalf("Between(%v, %v) = %v, want %v", from, to, got, want)
				}
				if got := h.Add(from, want); !got.Equal(to) {
					t.Fatalf("Add(%v, %v) = %v, want %v", from, want, got, to)
				}
				if got := h.Add(to, -want); !got.Equal(from) {
					t.Fatalf("Add(%v, -%v) = %v, want %v", to, want, got, from)
				}
				if d := office.Between(from, to); office.Between(from, office.Add(from, d)) != d || office.Between(office.Add(to, -d), to) != d {
					t.Fatalf("office over the end of %d: Add does not give Between back", year)
				}
			}
		})
	}
}

// TestAddGivesUp uses a clock that only runs on Mondays, and Mondays that
// are holidays for years: Add finds the first Monday after them, or gives up
// when they last more than ten years.
func TestAddGivesUp(t *testing.T) {
	mondays := func(from, to int) Holidays {
		var dates []string
		for d := time.Date(from, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < to; d = d.AddDate(0, 0, 1) {
			if d.Weekday() == time.Monday {
				dates = append(dates, d.Format(time.DateOnly))
			}
		}
		return mustHolidays(t, strings.Join(dates, ","))
	}
	start, end := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2046, 1, 1, 0, 0, 0, 0, time.UTC)

	five := mustParse(t, "mon 09:00-10:00", time.UTC, mondays(2026, 2031))
	if got, want := five.Add(start, time.Hour), time.Date(2031, 1, 6, 10, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("Add over five years of holidays = %v, want %v", got, want)
	}
	if got, want := five.Add(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC), -time.Hour), time.Date(2025, 12, 29, 9, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("Add back over five years of holidays = %v, want %v", got, want)
	}

	twenty := mustParse(t, "mon 09:00-10:00", time.UTC, mondays(2026, 2046))
	// Without holidays the answer is within a week; the horizon is a few
	// weeks and ten years beyond.
	if got, lo, hi := twenty.Add(start, time.Hour), start.AddDate(10, 0, 0), start.AddDate(10, 1, 0); got.Before(lo) || got.After(hi) {
		t.Fatalf("Add = %v, want a give-up between %v and %v", got, lo, hi)
	}
	if got, lo, hi := twenty.Add(end, -time.Hour), end.AddDate(-10, -1, 0), end.AddDate(-10, 0, 0); got.Before(lo) || got.After(hi) {
		t.Fatalf("Add back = %v, want a give-up between %v and %v", got, lo, hi)
	}
}

func BenchmarkBetween(b *testing.B) {
	paris := loadLocation(b, "Europe/Paris")
	h := mustParse(b, "mon-thu 09:00-12:00 13:00-17:30, fri 09:00-15:00", paris,
		mustHolidays(b, "2026-01-01,2026-04-06,2026-05-01,2026-05-08,2026-05-14,2026-05-25,2026-07-14,2026-08-15,2026-11-01,2026-11-11,2026-12-25"))
	for _, bc := range []struct {
		name     string
		from, to time.Time
	}{
		{"30 days", at(b, paris, "2026-11-20 17:00"), at(b, paris, "2026-12-20 17:00")},
		{"30 days over a clock change", at(b, paris, "2026-03-15 17:00"), at(b, paris, "2026-04-14 17:00")},
		{"a year", at(b, paris, "2026-01-01 00:00"), at(b, paris, "2027-01-01 00:00")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				h.Between(bc.from, bc.to)
			}
		})
	}
}

func BenchmarkAdd(b *testing.B) {
	paris := loadLocation(b, "Europe/Paris")
	h := mustParse(b, "mon-thu 09:00-12:00 13:00-17:30, fri 09:00-15:00", paris,
		mustHolidays(b, "2026-01-01,2026-04-06,2026-05-01,2026-05-08,2026-05-14,2026-05-25,2026-07-14,2026-08-15,2026-11-01,2026-11-11,2026-12-25"))
	from := at(b, paris, "2026-11-20 17:00")
	for _, bc := range []struct {
		name string
		d    time.Duration
	}{
		{"24h", 24 * time.Hour},
		{"2 weeks", 14 * 24 * time.Hour},
		{"back 24h", -24 * time.Hour},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				h.Add(from, bc.d)
			}
		})
	}
}
