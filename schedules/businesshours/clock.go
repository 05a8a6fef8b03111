package businesshours

import (
	"math"
	"slices"
	"time"
)

// The arithmetic works on the wall clock of the zone. Between two changes of
// UTC offset (a zone period, from time.Time.ZoneBounds) the wall clock is the
// instant plus a fixed offset, so there the open time between two instants
// is the open time between their wall-clock readings. That is a sum over the
// weekly ranges: whole weeks at once, then the days at the ends, then minus
// the holidays in between (a binary search). A span of time is cut at each
// change of offset, twice a year in most zones, and so costs O(log holidays)
// per zone period it crosses, however long it is.

// horizonDays is how far past the latest answer it could have without
// holidays Add searches before it gives up: ten years.
const horizonDays = 3653

// pos is a reading of the wall clock: a day (days since 1970-01-01) and the
// nanoseconds since its midnight, 0 to dayNs.
type pos struct{ day, ns int64 }

func (h *Hours) always() bool { return h == nil || h.weekOpen == 0 }

// zone returns the UTC offset in seconds at t in h.loc, and the bounds of a
// period around t in which it holds (zero when unbounded).
//
// The bounds come from time.Time.ZoneBounds, which past a zone's last listed
// change (the TZ rule of the zone file, so in a few years for most zones)
// also cuts periods at the turn of each UTC year: harmless, the offset is
// the same on both sides. But there, on the last day of a leap year, it gives
// an end before t (golang/go#81583, Go 1.26), which would walk the arithmetic
// backwards for ever; that end is replaced with the turn of the year, where
// the same bug cuts the period.
func (h *Hours) zone(t time.Time) (off int64, start, end time.Time) {
	t = t.In(h.loc)
	_, o := t.Zone()
	start, end = t.ZoneBounds()
	if !end.IsZero() && !end.After(t) {
		end = time.Date(t.UTC().Year()+1, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if start.After(t) { // never seen; keeps the walk back going back
		start = time.Date(t.UTC().Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return int64(o), start, end
}

// wall returns the reading of the wall clock at t for the offset off.
func wall(t time.Time, off int64) pos {
	sec := t.Unix() + off
	day := sec / daySec
	if sec%daySec < 0 {
		day--
	}
	return pos{day, (sec-day*daySec)*int64(time.Second) + int64(t.Nanosecond())}
}

// instant is the inverse of wall.
func instant(p pos, off int64) time.Time {
	return time.Unix(p.day*daySec-off, p.ns)
}

// weekday returns the weekday of day, Monday being 0 (1970-01-01 was a
// Thursday).
func weekday(day int64) int {
	return int(((day+3)%7 + 7) % 7)
}

// Open reports whether the clock runs at t.
func (h *Hours) Open(t time.Time) bool {
	if h.always() {
		return true
	}
	t = t.In(h.loc)
	_, off := t.Zone()
	p := wall(t, int64(off))
	if h.holidays.has(p.day) {
		return false
	}
	for _, s := range h.week[weekday(p.day)] {
		if s.start <= p.ns && p.ns < s.end {
			return true
		}
	}
	return false
}

// Between returns the SLA time from from to to: how long the clock runs in
// [from, to); 0 when to is not after from. Results past 290 years saturate at
// the largest Duration.
func (h *Hours) Between(from, to time.Time) time.Duration {
	if h.always() {
		return max(to.Sub(from), 0)
	}
	// Compare on the wall clock, as the arithmetic does, not the monotonic one.
	from, to = from.Round(0), to.Round(0)
	if !to.After(from) {
		return 0
	}
	var total int64
	for cur := from; ; {
		off, _, end := h.zone(cur)
		next := to
		if !end.IsZero() && end.Before(to) {
			next = end
		}
		total = satAdd(total, h.between(wall(cur, off), wall(next, off)))
		if next.Equal(to) {
			return time.Duration(total)
		}
		cur = next
	}
}

// Add returns the time d of SLA time after t, in t's location: walking
// forward from t (backward when d < 0) and counting only the time the clock
// runs, the first instant at which |d| has been counted. So for d > 0 an
// answer that falls when the clock stops is that closing instant, not the
// next opening, and for d < 0 it is the latest instant s with
// Between(s, t) == -d, an opening instant when the count ends at one.
// Add(t, 0) is t.
//
// Add never loops forever: if holidays keep the clock stopped so long that
// the answer lies more than ten years beyond the latest it could be without
// them, Add gives up and returns that point, ten years beyond.
func (h *Hours) Add(t time.Time, d time.Duration) time.Time {
	switch {
	case d == 0:
		return t
	case h.always():
		return t.Add(d)
	case d > 0:
		return h.forward(t.Round(0), int64(d)).In(t.Location())
	case d == math.MinInt64:
		d++ // so that -d fits
	}
	return h.backward(t.Round(0), -int64(d)).In(t.Location())
}

// forward walks from t, zone period by zone period, until rem > 0 has been
// counted.
func (h *Hours) forward(t time.Time, rem int64) time.Time {
	off, _, end := h.zone(t)
	limit := wall(t, off).day + 7*(rem/h.weekOpen+2) + horizonDays
	for cur := t; ; {
		p := wall(cur, off)
		if p.day > limit {
			break
		}
		if !end.IsZero() {
			if avail := h.between(p, wall(end, off)); avail < rem {
				rem -= avail
				cur = end
				off, _, end = h.zone(cur)
				continue
			}
		}
		if x, ok := h.seekForward(p, rem, limit); ok {
			return instant(x, off)
		}
		break
	}
	return instant(pos{limit, 0}, off)
}

// backward walks back from t, zone period by zone period, until rem > 0 has
// been counted.
func (h *Hours) backward(t time.Time, rem int64) time.Time {
	// The period that ends at t is the one just before it.
	off, start, _ := h.zone(t.Add(-1))
	limit := wall(t, off).day - 7*(rem/h.weekOpen+2) - horizonDays
	for cur := t; ; {
		p := wall(cur, off)
		if p.day < limit {
			break
		}
		if !start.IsZero() {
			if avail := h.between(wall(start, off), p); avail < rem {
				rem -= avail
				cur = start
				off, start, _ = h.zone(cur.Add(-1))
				continue
			}
		}
		if x, ok := h.seekBackward(p, rem, limit); ok {
			return instant(x, off)
		}
		break
	}
	return instant(pos{limit, 0}, off)
}

// seekForward returns the first wall-clock reading at which rem > 0 of open
// time has been counted from p, or false if it lies past the day limit.
func (h *Hours) seekForward(p pos, rem, limit int64) (pos, bool) {
	day := p.day
	if !h.holidays.has(day) {
		for _, s := range h.week[weekday(day)] {
			if s.end <= p.ns {
				continue
			}
			from := max(s.start, p.ns)
			if n := s.end - from; rem > n {
				rem -= n
			} else {
				return pos{day, from + rem}, true
			}
		}
	}
	for day++; day <= limit; {
		if rem > h.weekOpen {
			// Skip whole weeks, leaving some of rem to find day by day.
			k := (rem - 1) / h.weekOpen
			rem -= k*h.weekOpen - h.holidayOpen(day, day+7*k)
			day += 7 * k
			continue
		}
		if !h.holidays.has(day) {
			for _, s := range h.week[weekday(day)] {
				if n := s.end - s.start; rem > n {
					rem -= n
				} else {
					return pos{day, s.start + rem}, true
				}
			}
		}
		day++
	}
	return pos{}, false
}

// seekBackward returns the last wall-clock reading before p from which rem >
// 0 of open time is counted up to p, or false if it lies before the day
// limit.
func (h *Hours) seekBackward(p pos, rem, limit int64) (pos, bool) {
	day := p.day
	if !h.holidays.has(day) {
		spans := h.week[weekday(day)]
		for i := len(spans) - 1; i >= 0; i-- {
			s := spans[i]
			if s.start >= p.ns {
				continue
			}
			to := min(s.end, p.ns)
			if n := to - s.start; rem > n {
				rem -= n
			} else {
				return pos{day, to - rem}, true
			}
		}
	}
	for day--; day >= limit; {
		if rem > h.weekOpen {
			k := (rem - 1) / h.weekOpen
			rem -= k*h.weekOpen - h.holidayOpen(day-7*k+1, day+1)
			day -= 7 * k
			continue
		}
		if !h.holidays.has(day) {
			spans := h.week[weekday(day)]
			for i := len(spans) - 1; i >= 0; i-- {
				s := spans[i]
				if n := s.end - s.start; rem > n {
					rem -= n
				} else {
					return pos{day, s.end - rem}, true
				}
			}
		}
		day--
	}
	return pos{}, false
}

// between returns the open time from p to q on the wall clock, p <= q.
func (h *Hours) between(p, q pos) int64 {
	if p.day == q.day {
		return h.openIn(p.day, p.ns, q.ns)
	}
	first := h.openIn(p.day, p.ns, dayNs)
	last := h.openIn(q.day, 0, q.ns)
	return satAdd(satAdd(first, h.daysOpen(p.day+1, q.day)), last)
}

// openIn returns the open time of day in [a, b), nanoseconds since midnight.
func (h *Hours) openIn(day, a, b int64) int64 {
	if a >= b || h.holidays.has(day) {
		return 0
	}
	var n int64
	for _, s := range h.week[weekday(day)] {
		if lo, hi := max(s.start, a), min(s.end, b); lo < hi {
			n += hi - lo
		}
	}
	return n
}

// daysOpen returns the open time of the whole days [d1, d2).
func (h *Hours) daysOpen(d1, d2 int64) int64 {
	n := d2 - d1
	if n <= 0 {
		return 0
	}
	weeks := n / 7
	if weeks > math.MaxInt64/4/h.weekOpen {
		return math.MaxInt64 / 2 // saturated: far beyond any Duration
	}
	total := weeks * h.weekOpen
	wd := weekday(d1)
	for i := range int(n % 7) {
		total += h.dayOpen[(wd+i)%7]
	}
	return total - h.holidayOpen(d1, d2)
}

// holidayOpen returns the open time the holidays of the days [d1, d2) take
// away.
func (h *Hours) holidayOpen(d1, d2 int64) int64 {
	if len(h.holidays.days) == 0 {
		return 0
	}
	i, _ := slices.BinarySearch(h.holidays.days, d1)
	j, _ := slices.BinarySearch(h.holidays.days, d2)
	return h.holCum[j] - h.holCum[i]
}

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
