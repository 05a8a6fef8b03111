package businesshours

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

type namedClock struct {
	name  string
	hours *Hours
	loc   *time.Location // where the random times are drawn near the clock changes
	wall  bool           // runs always: Add and Between are wall time
}

// clocks returns fixed clocks over zones with and without clock changes,
// ranges over and inside the skipped and repeated hours, and holidays, then
// random ones from a seeded generator.
func clocks(tb testing.TB) []namedClock {
	tb.Helper()
	paris := loadLocation(tb, "Europe/Paris")
	ny := loadLocation(tb, "America/New_York")
	lordHowe := loadLocation(tb, "Australia/Lord_Howe")
	tokyo := loadLocation(tb, "Asia/Tokyo")
	// Mondays, a Sunday with a clock change, Christmas and the new year.
	hol := mustHolidays(tb, "2025-12-25,2026-01-01,2026-03-30,2026-10-25,2026-11-23,2026-12-25,2027-01-01,2027-03-28")
	out := []namedClock{
		{name: "paris office", hours: mustParse(tb, "mon-fri 09:00-17:30", paris, hol), loc: paris},
		{name: "new york shifts", hours: mustParse(tb, "mon-thu 08:00-12:00 13:00-18:00, fri 08:00-15:00, sun 00:30-03:30", ny, hol), loc: ny},
		{name: "new york inside the changed hours", hours: mustParse(tb, "sun 01:15-01:45 02:30-03:00, sat 23:00-24:00", ny, Holidays{}), loc: ny},
		{name: "paris inside the changed hours", hours: mustParse(tb, "sun 02:10-02:50, mon 00:00-00:01", paris, Holidays{}), loc: paris},
		{name: "lord howe nights", hours: mustParse(tb, "daily 01:00-03:00", lordHowe, Holidays{}), loc: lordHowe},
		{name: "tokyo lunch", hours: mustParse(tb, "mon-fri 09:00-12:00 13:00-18:00", tokyo, hol), loc: tokyo},
		{name: "utc", hours: mustParse(tb, "mon-fri 09:00-17:00", time.UTC, hol), loc: time.UTC},
		{name: "always with holidays", hours: Always(paris, hol), loc: paris},
		{name: "paris all day", hours: mustParse(tb, "daily 00:00-24:00", paris, Holidays{}), loc: paris, wall: true},
		{name: "new york all day", hours: mustParse(tb, "mon-fri 00:00-24:00, sat-sun 00:00-12:00 12:00-24:00", ny, Holidays{}), loc: ny, wall: true},
		{name: "nil", hours: nil, loc: paris, wall: true},
	}
	r := rand.New(rand.NewPCG(1, 2))
	zones := []*time.Location{paris, ny, lordHowe, tokyo}
	for i := range 12 {
		spec := randomSpec(r)
		loc := zones[i%len(zones)]
		h := hol
		if i%3 == 0 {
			h = Holidays{}
		}
		out = append(out, namedClock{name: fmt.Sprintf("random %q in %v", spec, loc), hours: mustParse(tb, spec, loc, h), loc: loc})
	}
	return out
}

// randomSpec returns a spec of one to four groups of random days and one or
// two ranges on a 15-minute grid.
func randomSpec(r *rand.Rand) string {
	var groups []string
	for range 1 + r.IntN(4) {
		first := r.IntN(7)
		days := shortDay[first]
		if r.IntN(2) == 0 {
			days += "-" + shortDay[r.IntN(7)]
		}
		var ranges []string
		for range 1 + r.IntN(2) {
			start := r.IntN(95)
			end := start + 1 + r.IntN(96-start)
			ranges = append(ranges, clock(int64(start)*int64(15*time.Minute))+"-"+clock(int64(end)*int64(15*time.Minute)))
		}
		groups = append(groups, days+" "+strings.Join(ranges, " "))
	}
	return strings.Join(groups, ", ")
}

// sampler draws times in 2025 to 2028, often on a 15-minute grid or near a
// clock change, and durations of up to 60 days.
type sampler struct {
	r       *rand.Rand
	changes []time.Time
	locs    []*time.Location
}

func newSampler(seed uint64, loc *time.Location) *sampler {
	s := &sampler{r: rand.New(rand.NewPCG(seed, 7)), locs: []*time.Location{loc, time.UTC, time.FixedZone("", -(3*3600 + 1800))}}
	for t := time.Date(2025, 1, 1, 0, 0, 0, 0, loc); t.Year() < 2029; {
		_, end := t.ZoneBounds()
		if end.IsZero() {
			break
		}
		s.changes = append(s.changes, end)
		t = end
	}
	return s
}

func (s *sampler) time() time.Time {
	lo := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	var t time.Time
	switch n := s.r.IntN(10); {
	case n < 3 && len(s.changes) > 0:
		c := s.changes[s.r.IntN(len(s.changes))]
		t = c.Add(time.Duration(s.r.IntN(49)-24) * 15 * time.Minute)
	case n < 7:
		t = time.Unix(lo+int64(s.r.IntN(4*365*96))*15*60, 0)
	default:
		t = time.Unix(lo+s.r.Int64N(4*365*86400), s.r.Int64N(1e9))
	}
	return t.In(s.locs[s.r.IntN(len(s.locs))])
}

func (s *sampler) duration() time.Duration {
	const most = 60 * 24 * time.Hour
	switch s.r.IntN(4) {
	case 0:
		return time.Duration(s.r.IntN(int(most/time.Minute)+1)) * time.Minute
	case 1:
		return time.Duration(s.r.IntN(40*4+1)) * 15 * time.Minute
	case 2:
		return time.Duration(s.r.IntN(10)) * time.Nanosecond
	}
	return time.Duration(s.r.Int64N(int64(most) + 1))
}

func TestProperties(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 500
	}
	for i, c := range clocks(t) {
		t.Run(c.name, func(t *testing.T) {
			s := newSampler(uint64(i), c.loc)
			h := c.hours
			for range n {
				t0, d := s.time(), s.duration()
				u := t0.Add(s.duration())

				// Add then Between gives d back; Add is the first such instant.
				a := h.Add(t0, d)
				if got := h.Between(t0, a); got != d {
					t.Fatalf("Between(t, Add(t, d)) = %v, want d = %v (t = %v, Add = %v)", got, d, t0, a)
				}
				if a.Location() != t0.Location() {
					t.Fatalf("Add(%v, %v) location = %v, want %v", t0, d, a.Location(), t0.Location())
				}
				if d > 0 {
					if got := h.Between(t0, a.Add(-1)); got != d-1 {
						t.Fatalf("Between(t, Add(t, d)-1ns) = %v, want d-1ns: Add(%v, %v) = %v is not the first", got, t0, d, a)
					}
				}

				// Backwards: the latest instant with d before t0, where the clock runs.
				b := h.Add(t0, -d)
				if got := h.Between(b, t0); got != d {
					t.Fatalf("Between(Add(t, -d), t) = %v, want %v (t = %v, Add = %v)", got, d, t0, b)
				}
				if d > 0 {
					if !h.Open(b) {
						t.Fatalf("Add(%v, -%v) = %v, where the clock does not run", t0, d, b)
					}
					if got := h.Between(b.Add(1), t0); got != d-1 {
						t.Fatalf("Add(%v, -%v) = %v is not the latest", t0, d, b)
					}
				}

				// Add of Between does not overshoot, and leaves nothing to count.
				bu := h.Between(t0, u)
				au := h.Add(t0, bu)
				if au.After(u) || h.Between(au, u) != 0 {
					t.Fatalf("Add(t, Between(t, u)) = %v, u = %v, Between(that, u) = %v", au, u, h.Between(au, u))
				}

				// Between adds up.
				mid := t0.Add(time.Duration(s.r.Int64N(int64(u.Sub(t0)) + 1)))
				if ab, bc, ac := h.Between(t0, mid), h.Between(mid, u), h.Between(t0, u); ab+bc != ac {
					t.Fatalf("Between(a, b) + Between(b, c) = %v + %v, Between(a, c) = %v (a = %v, b = %v, c = %v)", ab, bc, ac, t0, mid, u)
				}

				// Add is monotone in t, and adds up.
				if later := h.Add(mid, d); later.Before(a) { // mid is not before t0
					t.Fatalf("Add(%v, %v) = %v is before Add(%v, %v) = %v", mid, d, later, t0, d, a)
				}
				if d > 0 && bu > 0 {
					if got, want := h.Add(a, bu), h.Add(t0, d+bu); !got.Equal(want) {
						t.Fatalf("Add(Add(t, %v), %v) = %v, want Add(t, sum) = %v", d, bu, got, want)
					}
				}

				// Open agrees with Between.
				if open, got := h.Open(t0), h.Between(t0, t0.Add(1)); open != (got == 1) {
					t.Fatalf("Open(%v) = %v, but Between over the next nanosecond = %v", t0, open, got)
				}

				if c.wall {
					if !a.Equal(t0.Add(d)) || !b.Equal(t0.Add(-d)) || bu != u.Sub(t0) || h.Between(u, t0) != 0 {
						t.Fatalf("%s is not wall time at %v + %v: Add = %v, Add back = %v, Between = %v", c.name, t0, d, a, b, bu)
					}
				}
			}
		})
	}
}

// TestStringRoundTrip checks that Parse reads String back to the same clock.
func TestStringRoundTrip(t *testing.T) {
	for i, c := range clocks(t) {
		if c.hours == nil || c.hours.String() == "always" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			again, err := Parse(c.hours.String(), c.hours.loc, c.hours.holidays)
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.hours.String(), err)
			}
			if again.String() != c.hours.String() {
				t.Fatalf("String() = %q, then %q", c.hours.String(), again.String())
			}
			s := newSampler(uint64(i), c.loc)
			for range 200 {
				t0, u := s.time(), s.time()
				if got, want := again.Between(t0, u), c.hours.Between(t0, u); got != want {
					t.Fatalf("Between(%v, %v) = %v after the round trip, want %v", t0, u, got, want)
				}
			}
		})
	}
}

func FuzzAddBetween(f *testing.F) {
	paris := loadLocation(f, "Europe/Paris")
	for _, seed := range []struct {
		t     time.Time
		d     time.Duration
		clock uint8
	}{
		{at(f, paris, "2026-11-20 17:00"), 24 * time.Hour, 0},
		{at(f, paris, "2026-03-28 12:00"), 3 * time.Hour, 3},
		{at(f, paris, "2026-10-25 02:30"), time.Hour, 3},
		{time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), 90 * time.Minute, 2},
		{time.Date(2026, 3, 8, 6, 59, 59, 999999999, time.UTC), time.Nanosecond, 1},
		{time.Date(2026, 4, 4, 14, 0, 0, 0, time.UTC), 30 * time.Minute, 4},
		{at(f, paris, "2026-12-24 17:29"), 60 * 24 * time.Hour, 7},
	} {
		f.Add(seed.t.Unix(), int64(seed.t.Nanosecond()), int64(seed.d), seed.clock)
	}
	cs := clocks(f)
	f.Fuzz(func(t *testing.T, sec, nsec, d int64, which uint8) {
		// Keep to 1950 to 2100 and to durations of up to 60 days.
		const lo, span = -631152000, 150 * 365 * 86400
		sec = lo + (sec%span+span)%span
		nsec = (nsec%1e9 + 1e9) % 1e9
		const most = int64(60 * 24 * time.Hour)
		d = (d%(most+1) + most + 1) % (most + 1)
		c := cs[int(which)%len(cs)]
		t0, dur := time.Unix(sec, nsec).In(c.loc), time.Duration(d)

		a := c.hours.Add(t0, dur)
		if got := c.hours.Between(t0, a); got != dur {
			t.Fatalf("%s: Between(t, Add(t, d)) = %v, want %v (t = %v, Add = %v)", c.name, got, dur, t0, a)
		}
		b := c.hours.Add(t0, -dur)
		if got := c.hours.Between(b, t0); got != dur {
			t.Fatalf("%s: Between(Add(t, -d), t) = %v, want %v (t = %v, Add = %v)", c.name, got, dur, t0, b)
		}
		if dur > 0 {
			if got := c.hours.Between(t0, a.Add(-1)); got != dur-1 {
				t.Fatalf("%s: Add(%v, %v) = %v is not the first", c.name, t0, dur, a)
			}
			if got := c.hours.Between(b.Add(1), t0); got != dur-1 {
				t.Fatalf("%s: Add(%v, -%v) = %v is not the latest", c.name, t0, dur, b)
			}
		}
	})
}
