package store_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"smarketing/store"
)

func week(tb testing.TB, s string) store.ISOWeek {
	tb.Helper()
	w, err := store.ParseISOWeek(s)
	if err != nil {
		tb.Fatalf("ParseISOWeek(%q): %v", s, err)
	}
	return w
}

func berlin(tb testing.TB) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		tb.Skip("no tzdata:", err)
	}
	return loc
}

func TestWeekOf(t *testing.T) {
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC), "2026-W53"},
		{time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC), "2026-W53"},
		{time.Date(2027, 1, 3, 23, 59, 0, 0, time.UTC), "2026-W53"},
		{time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC), "2027-W01"},
		{time.Date(2024, 12, 30, 0, 0, 0, 0, time.UTC), "2025-W01"},
		{time.Date(2024, 12, 29, 23, 59, 0, 0, time.UTC), "2024-W52"},
		{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "2026-W01"}, // a Thursday
		{time.Date(2021, 1, 3, 0, 0, 0, 0, time.UTC), "2020-W53"},
		// Sunday 23:30 UTC is already Monday in Berlin: the zone t carries counts.
		{time.Date(2026, 11, 29, 23, 30, 0, 0, time.UTC), "2026-W48"},
		{time.Date(2026, 11, 29, 23, 30, 0, 0, time.UTC).In(berlin(t)), "2026-W49"},
	}
	for _, tc := range tests {
		if got := store.WeekOf(tc.t).String(); got != tc.want {
			t.Errorf("WeekOf(%v) = %s, want %s", tc.t, got, tc.want)
		}
	}
}

func TestParseISOWeek(t *testing.T) {
	tests := []struct {
		in      string
		want    store.ISOWeek
		wantErr string
	}{
		{in: "2026-W48", want: store.ISOWeek{Year: 2026, Week: 48}},
		{in: "2026-w48", want: store.ISOWeek{Year: 2026, Week: 48}},
		{in: "2026W48", want: store.ISOWeek{Year: 2026, Week: 48}},
		{in: " 2026-W05 ", want: store.ISOWeek{Year: 2026, Week: 5}},
		{in: "2026-W5", want: store.ISOWeek{Year: 2026, Week: 5}},
		{in: "2026-W53", want: store.ISOWeek{Year: 2026, Week: 53}},
		{in: "2020-W53", want: store.ISOWeek{Year: 2020, Week: 53}},
		{in: "9999-W52", want: store.ISOWeek{Year: 9999, Week: 52}},
		{in: "2025-W53", wantErr: "2025 has no week 53: its last week is W52"},
		{in: "2026-W54", wantErr: "2026 has no week 54"},
		{in: "2026-W00", wantErr: "from W01"},
		{in: "0000-W01", wantErr: "out of range"},
		{in: "26-W48", wantErr: "not an ISO week"},
		{in: "2026-48", wantErr: "not an ISO week"},
		{in: "2026-W048", wantErr: "not an ISO week"},
		{in: "2026-W48x", wantErr: "not an ISO week"},
		{in: "2026-W48-1", wantErr: "not an ISO week"},
		{in: "", wantErr: "not an ISO week"},
	}
	for _, tc := range tests {
		got, err := store.ParseISOWeek(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseISOWeek(%q) = %v, %v; want error %q", tc.in, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseISOWeek(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	if s := (store.ISOWeek{Year: 2026, Week: 5}).String(); s != "2026-W05" {
		t.Errorf("String = %q, want 2026-W05", s)
	}
	// String and ParseISOWeek are each other's inverse.
	for w := (store.ISOWeek{Year: 2019, Week: 1}); w.Year < 2030; w = w.Next() {
		if back, err := store.ParseISOWeek(w.String()); err != nil || back != w {
			t.Fatalf("ParseISOWeek(%s) = %v, %v", w, back, err)
		}
	}
}

func TestWeeksIn(t *testing.T) {
	for year, want := range map[int]int{2015: 53, 2020: 53, 2024: 52, 2025: 52, 2026: 53, 2027: 52, 2032: 53} {
		if got := store.WeeksIn(year); got != want {
			t.Errorf("WeeksIn(%d) = %d, want %d", year, got, want)
		}
	}
}

func TestISOWeekStartPrevNext(t *testing.T) {
	loc := berlin(t)
	tests := []struct {
		week       string
		start      time.Time // in Berlin
		prev, next string
	}{
		{"2026-W53", time.Date(2026, 12, 28, 0, 0, 0, 0, loc), "2026-W52", "2027-W01"},
		{"2027-W01", time.Date(2027, 1, 4, 0, 0, 0, 0, loc), "2026-W53", "2027-W02"},
		{"2025-W01", time.Date(2024, 12, 30, 0, 0, 0, 0, loc), "2024-W52", "2025-W02"},
		{"2026-W01", time.Date(2025, 12, 29, 0, 0, 0, 0, loc), "2025-W52", "2026-W02"},
		// The week the clocks go forward (29 March 2026).
		{"2026-W13", time.Date(2026, 3, 23, 0, 0, 0, 0, loc), "2026-W12", "2026-W14"},
	}
	for _, tc := range tests {
		w := week(t, tc.week)
		if got := w.Start(loc); !got.Equal(tc.start) || got.Location() != loc {
			t.Errorf("%s.Start(Berlin) = %v, want %v", w, got, tc.start)
		}
		if got := w.Prev().String(); got != tc.prev {
			t.Errorf("%s.Prev() = %s, want %s", w, got, tc.prev)
		}
		if got := w.Next().String(); got != tc.next {
			t.Errorf("%s.Next() = %s, want %s", w, got, tc.next)
		}
	}
	// Every week of 40 years: Start lies in the week, a week's Next is the
	// week seven days on, and Prev undoes Next.
	for _, zone := range []*time.Location{loc, time.UTC, time.FixedZone("Kiritimati", 14*3600), time.FixedZone("Baker", -12*3600)} {
		w := store.ISOWeek{Year: 2000, Week: 1}
		for w.Year < 2040 {
			start := w.Start(zone)
			if start.Weekday() != time.Monday || store.WeekOf(start) != w || start.Hour() != 0 {
				t.Fatalf("%s.Start(%s) = %v (%s), want Monday 00:00 of %s", w, zone, start, store.WeekOf(start), w)
			}
			n := w.Next()
			if store.WeekOf(start.AddDate(0, 0, 7)) != n || n.Prev() != w || w.Compare(n) != -1 || n.Compare(w) != 1 || w.Compare(w) != 0 {
				t.Fatalf("around %s: Next = %s, Prev(Next) = %s", w, n, n.Prev())
			}
			w = n
		}
	}
}

func TestMetricCheck(t *testing.T) {
	ok := store.Metric{Name: "visits", Week: store.ISOWeek{Year: 2026, Week: 48}, Value: 1, Unit: "%"}
	if err := ok.Check(); err != nil {
		t.Fatalf("Check(ok) = %v", err)
	}
	for name, edit := range map[string]func(m *store.Metric){
		"no name":    func(m *store.Metric) { m.Name = " \t" },
		"NaN":        func(m *store.Metric) { m.Value = math.NaN() },
		"+Inf":       func(m *store.Metric) { m.Value = math.Inf(1) },
		"unit":       func(m *store.Metric) { m.Unit = "EUR" },
		"week 53":    func(m *store.Metric) { m.Week = store.ISOWeek{Year: 2025, Week: 53} },
		"zero week":  func(m *store.Metric) { m.Week = store.ISOWeek{} },
		"year 10000": func(m *store.Metric) { m.Week = store.ISOWeek{Year: 10000, Week: 1} },
	} {
		m := ok
		edit(&m)
		if err := m.Check(); err == nil {
			t.Errorf("Check(%s) = nil, want an error", name)
		}
	}
}

func TestMergeMetric(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	by := store.Actor{ID: "UIMP"}
	stored := &store.Metric{Name: "visits", Week: store.ISOWeek{Year: 2026, Week: 48}, Value: 4210, SetBy: "UANN"}
	tests := []struct {
		name   string
		rec    store.MetricRecord
		stored *store.Metric
		want   store.Outcome
		setBy  string
	}{
		{"new, no author: the importer's", store.MetricRecord{Name: "visits", Week: "2026-W47", Value: 1}, nil, store.Created, "UIMP"},
		{"new, its author", store.MetricRecord{Name: "visits", Week: "2026-w47", Value: 1, SetBy: "UBOB"}, nil, store.Created, "UBOB"},
		{"same", store.MetricRecord{Name: "visits", Week: "2026-W48", Value: 4210, SetBy: "UANN"}, stored, store.Unchanged, "UANN"},
		{"no author keeps the stored one", store.MetricRecord{Name: "visits", Week: "2026-W48", Value: 4210}, stored, store.Unchanged, "UANN"},
		{"other value", store.MetricRecord{Name: "visits", Week: "2026-W48", Value: 4211}, stored, store.Updated, "UANN"},
		{"other unit", store.MetricRecord{Name: "visits", Week: "2026-W48", Value: 4210, Unit: "%"}, stored, store.Updated, "UANN"},
		{"other author", store.MetricRecord{Name: "visits", Week: "2026-W48", Value: 4210, SetBy: "UBOB"}, stored, store.Updated, "UBOB"},
	}
	for _, tc := range tests {
		m, out, err := store.MergeMetric(tc.rec, tc.stored, by, now)
		if err != nil || out != tc.want || m.SetBy != tc.setBy || !m.SetAt.Equal(now) || m.Value != tc.rec.Value || m.Unit != tc.rec.Unit {
			t.Errorf("MergeMetric(%s) = %+v, %v, %v; want outcome %v, set by %s at %v", tc.name, m, out, err, tc.want, tc.setBy, now)
		}
	}
	for _, bad := range []store.MetricRecord{
		{Name: "visits", Week: "2025-W53", Value: 1},
		{Name: "visits", Week: "week 48", Value: 1},
		{Name: "", Week: "2026-W48", Value: 1},
		{Name: "visits", Week: "2026-W48", Value: math.NaN()},
		{Name: "visits", Week: "2026-W48", Value: 1, Unit: "EUR"},
	} {
		var re *store.RecordError
		if _, _, err := store.MergeMetric(bad, stored, by, now); !errors.As(err, &re) {
			t.Errorf("MergeMetric(%+v) err = %v, want a *RecordError", bad, err)
		}
	}
}
