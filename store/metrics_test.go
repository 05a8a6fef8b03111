package store

// An internal test: importMetric is unexported and is exercised here with a
// real transaction on a real database file.

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var metricsTestNow = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// mustOpenMetricsDB opens a fresh database file in tb.TempDir() with its
// clock at metricsTestNow.
func mustOpenMetricsDB(tb testing.TB) *DB {
	tb.Helper()
	db, err := Open(context.Background(), filepath.Join(tb.TempDir(), "metrics.db"))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	db.Now = func() time.Time { return metricsTestNow }
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return db
}

func week(tb testing.TB, s string) ISOWeek {
	tb.Helper()
	w, err := ParseISOWeek(s)
	if err != nil {
		tb.Fatalf("ParseISOWeek(%q): %v", s, err)
	}
	return w
}

func TestWeekOf(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
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
		{time.Date(2026, 11, 29, 23, 30, 0, 0, time.UTC).In(berlin), "2026-W49"},
	}
	for _, tc := range tests {
		if got := WeekOf(tc.t).String(); got != tc.want {
			t.Errorf("WeekOf(%v) = %s, want %s", tc.t, got, tc.want)
		}
	}
}

func TestParseISOWeek(t *testing.T) {
	tests := []struct {
		in      string
		want    ISOWeek
		wantErr string
	}{
		{in: "2026-W48", want: ISOWeek{2026, 48}},
		{in: "2026-w48", want: ISOWeek{2026, 48}},
		{in: "2026W48", want: ISOWeek{2026, 48}},
		{in: " 2026-W05 ", want: ISOWeek{2026, 5}},
		{in: "2026-W5", want: ISOWeek{2026, 5}},
		{in: "2026-W53", want: ISOWeek{2026, 53}},
		{in: "2020-W53", want: ISOWeek{2020, 53}},
		{in: "2025-W53", wantErr: "2025 has no week 53: its last week is W52"},
		{in: "2026-W54", wantErr: "2026 has no week 54"},
		{in: "2026-W00", wantErr: "from W01"},
		{in: "0000-W01", wantErr: "out of range"},
		{in: "26-W48", wantErr: "not an ISO week"},
		{in: "2026-48", wantErr: "not an ISO week"},
		{in: "2026-W048", wantErr: "not an ISO week"},
		{in: "2026-W48x", wantErr: "not an ISO week"},
		{in: "", wantErr: "not an ISO week"},
	}
	for _, tc := range tests {
		got, err := ParseISOWeek(tc.in)
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
	if s := (ISOWeek{2026, 5}).String(); s != "2026-W05" {
		t.Errorf("String = %q, want 2026-W05", s)
	}
}

func TestWeeksIn(t *testing.T) {
	for year, want := range map[int]int{2015: 53, 2020: 53, 2024: 52, 2025: 52, 2026: 53, 2027: 52, 2032: 53} {
		if got := WeeksIn(year); got != want {
			t.Errorf("WeeksIn(%d) = %d, want %d", year, got, want)
		}
	}
}

func TestISOWeekStartPrevNext(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	tests := []struct {
		week       string
		start      time.Time // in Berlin
		prev, next string
	}{
		{"2026-W53", time.Date(2026, 12, 28, 0, 0, 0, 0, berlin), "2026-W52", "2027-W01"},
		{"2027-W01", time.Date(2027, 1, 4, 0, 0, 0, 0, berlin), "2026-W53", "2027-W02"},
		{"2025-W01", time.Date(2024, 12, 30, 0, 0, 0, 0, berlin), "2024-W52", "2025-W02"},
		{"2026-W01", time.Date(2025, 12, 29, 0, 0, 0, 0, berlin), "2025-W52", "2026-W02"},
		// The week the clocks go forward (29 March 2026).
		{"2026-W13", time.Date(2026, 3, 23, 0, 0, 0, 0, berlin), "2026-W12", "2026-W14"},
	}
	for _, tc := range tests {
		w := week(t, tc.week)
		if got := w.Start(berlin); !got.Equal(tc.start) || got.Location() != berlin {
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
	w := ISOWeek{2000, 1}
	for w.Year < 2040 {
		start := w.Start(berlin)
		if start.Weekday() != time.Monday || WeekOf(start) != w {
			t.Fatalf("%s.Start = %v (%s), want the Monday of %s", w, start, WeekOf(start), w)
		}
		n := w.Next()
		if WeekOf(start.AddDate(0, 0, 7)) != n || n.Prev() != w || w.Compare(n) != -1 || n.Compare(w) != 1 || w.Compare(w) != 0 {
			t.Fatalf("around %s: Next = %s, Prev(Next) = %s", w, n, n.Prev())
		}
		w = n
	}
}

func TestSetMetricUpserts(t *testing.T) {
	ctx := context.Background()
	db := mustOpenMetricsDB(t)
	w48 := week(t, "2026-W48")
	at := time.Date(2026, 11, 24, 9, 0, 0, 123, time.UTC)
	if err := db.SetMetric(ctx, Metric{Name: "website-visits", Week: w48, Value: 4210, SetBy: "UANN", SetAt: at}); err != nil {
		t.Fatalf("SetMetric: %v", err)
	}
	// Set again, by someone else, without a time: replaced, stamped now.
	if err := db.SetMetric(ctx, Metric{Name: "website-visits", Week: w48, Value: 12.5, Unit: "%", SetBy: "UBOB"}); err != nil {
		t.Fatalf("SetMetric again: %v", err)
	}
	got, err := db.Metrics(ctx, w48, w48)
	if err != nil {
		t.Fatalf("Metrics: %v", err)
	}
	want := Metric{Name: "website-visits", Week: w48, Value: 12.5, Unit: "%", SetBy: "UBOB", SetAt: metricsTestNow}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("Metrics = %+v, want [%+v]", got, want)
	}
	// Times survive with nanoseconds, in UTC.
	if err := db.SetMetric(ctx, Metric{Name: "mqls", Week: w48, Value: -3, SetBy: "UANN", SetAt: at.In(time.FixedZone("X", 3600))}); err != nil {
		t.Fatalf("SetMetric: %v", err)
	}
	got, err = db.Metrics(ctx, w48, w48)
	if err != nil || len(got) != 2 || got[0].Name != "mqls" || got[0].SetAt != at || got[0].Value != -3 {
		t.Fatalf("Metrics = %+v, %v; want mqls first, set at %v", got, err, at)
	}
}

func TestSetMetricRefusesBadMetrics(t *testing.T) {
	ctx := context.Background()
	db := mustOpenMetricsDB(t)
	ok := Metric{Name: "visits", Week: ISOWeek{2026, 48}, Value: 1}
	tests := []struct {
		name string
		edit func(m *Metric)
	}{
		{"no name", func(m *Metric) { m.Name = " " }},
		{"NaN", func(m *Metric) { m.Value = math.NaN() }},
		{"infinity", func(m *Metric) { m.Value = math.Inf(-1) }},
		{"unit", func(m *Metric) { m.Unit = "EUR" }},
		{"week 53 of a short year", func(m *Metric) { m.Week = ISOWeek{2025, 53} }},
		{"week 0", func(m *Metric) { m.Week = ISOWeek{2026, 0} }},
		{"zero week", func(m *Metric) { m.Week = ISOWeek{} }},
	}
	for _, tc := range tests {
		m := ok
		tc.edit(&m)
		if err := db.SetMetric(ctx, m); err == nil {
			t.Errorf("SetMetric(%s) = nil, want an error", tc.name)
		}
	}
	all, err := db.AllMetrics(ctx)
	if err != nil || len(all) != 0 {
		t.Fatalf("AllMetrics after refused sets = %+v, %v; want none", all, err)
	}
}

func TestMetricsRangeAndOrder(t *testing.T) {
	ctx := context.Background()
	db := mustOpenMetricsDB(t)
	set := func(name, w string, v float64) {
		t.Helper()
		if err := db.SetMetric(ctx, Metric{Name: name, Week: week(t, w), Value: v, SetBy: "UANN"}); err != nil {
			t.Fatalf("SetMetric(%s %s): %v", name, w, err)
		}
	}
	// Out of order on purpose, across a year end with a week 53.
	set("visits", "2027-W02", 5)
	set("visits", "2026-W52", 2)
	set("signups", "2027-W01", 40)
	set("visits", "2027-W01", 4)
	set("visits", "2026-W53", 3)
	set("visits", "2026-W51", 1)
	set("ad-spend", "2026-W53", 900)

	names := func(ms []Metric) string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Name+"@"+m.Week.String())
		}
		return strings.Join(out, " ")
	}
	got, err := db.Metrics(ctx, week(t, "2026-W52"), week(t, "2027-W01"))
	if err != nil {
		t.Fatalf("Metrics: %v", err)
	}
	want := "ad-spend@2026-W53 signups@2027-W01 visits@2026-W52 visits@2026-W53 visits@2027-W01"
	if names(got) != want {
		t.Fatalf("Metrics(2026-W52, 2027-W01) = %s\nwant %s", names(got), want)
	}
	got, err = db.Metrics(ctx, week(t, "2027-W03"), week(t, "2027-W10"))
	if err != nil || len(got) != 0 {
		t.Fatalf("Metrics of empty weeks = %s, %v; want none", names(got), err)
	}
	all, err := db.AllMetrics(ctx)
	if err != nil {
		t.Fatalf("AllMetrics: %v", err)
	}
	want = "ad-spend@2026-W53 signups@2027-W01 visits@2026-W51 visits@2026-W52 visits@2026-W53 visits@2027-W01 visits@2027-W02"
	if names(all) != want {
		t.Fatalf("AllMetrics = %s\nwant %s", names(all), want)
	}
}

func TestMetricRecordsAndImport(t *testing.T) {
	ctx := context.Background()
	db := mustOpenMetricsDB(t)
	if err := db.SetMetric(ctx, Metric{Name: "visits", Week: ISOWeek{2026, 48}, Value: 4210, SetBy: "UANN"}); err != nil {
		t.Fatalf("SetMetric: %v", err)
	}
	if err := db.SetMetric(ctx, Metric{Name: "ctr", Week: ISOWeek{2026, 5}, Value: 2.5, Unit: "%", SetBy: "UBOB"}); err != nil {
		t.Fatalf("SetMetric: %v", err)
	}
	recs, err := db.MetricRecords(ctx)
	if err != nil {
		t.Fatalf("MetricRecords: %v", err)
	}
	want := []MetricRecord{
		{Name: "ctr", Week: "2026-W05", Value: 2.5, Unit: "%", SetBy: "UBOB"},
		{Name: "visits", Week: "2026-W48", Value: 4210, SetBy: "UANN"},
	}
	if len(recs) != len(want) || recs[0] != want[0] || recs[1] != want[1] {
		t.Fatalf("MetricRecords = %+v, want %+v", recs, want)
	}

	importOne := func(r MetricRecord) (outcome, error) {
		t.Helper()
		tx, err := db.sql.BeginTx(ctx, nil)
		if err != nil {
			t.Fatalf("begin: %v", err)
		}
		defer tx.Rollback()
		out, err := db.importMetric(ctx, tx, r, Actor{ID: "UIMPORT", Name: "Importer"})
		if err != nil {
			return out, err
		}
		if err := tx.Commit(); err != nil {
			t.Fatalf("commit: %v", err)
		}
		return out, nil
	}
	tests := []struct {
		name string
		rec  MetricRecord
		want outcome
	}{
		{"same as exported", want[1], unchanged},
		{"no author: keeps the stored one", MetricRecord{Name: "visits", Week: "2026-W48", Value: 4210}, unchanged},
		{"new value", MetricRecord{Name: "visits", Week: "2026-W48", Value: 4300, SetBy: "UANN"}, updated},
		{"unit dropped", MetricRecord{Name: "ctr", Week: "2026-W05", Value: 2.5, SetBy: "UBOB"}, updated},
		{"new week, lower-case w", MetricRecord{Name: "visits", Week: "2026-w47", Value: 3900}, created},
		{"again", MetricRecord{Name: "visits", Week: "2026-W47", Value: 3900}, unchanged},
	}
	for _, tc := range tests {
		got, err := importOne(tc.rec)
		if err != nil || got != tc.want {
			t.Errorf("importMetric(%s) = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	for _, bad := range []MetricRecord{
		{Name: "visits", Week: "2025-W53", Value: 1},
		{Name: "visits", Week: "week 48", Value: 1},
		{Name: "", Week: "2026-W48", Value: 1},
		{Name: "visits", Week: "2026-W48", Value: 1, Unit: "EUR"},
	} {
		if _, err := importOne(bad); err == nil {
			t.Errorf("importMetric(%+v) = nil error, want one", bad)
		}
	}
	all, err := db.AllMetrics(ctx)
	if err != nil {
		t.Fatalf("AllMetrics: %v", err)
	}
	wantAll := []Metric{
		{Name: "ctr", Week: ISOWeek{2026, 5}, Value: 2.5, SetBy: "UBOB", SetAt: metricsTestNow},
		{Name: "visits", Week: ISOWeek{2026, 47}, Value: 3900, SetBy: "UIMPORT", SetAt: metricsTestNow},
		{Name: "visits", Week: ISOWeek{2026, 48}, Value: 4300, SetBy: "UANN", SetAt: metricsTestNow},
	}
	if len(all) != len(wantAll) {
		t.Fatalf("AllMetrics = %+v, want %+v", all, wantAll)
	}
	for i := range all {
		if all[i] != wantAll[i] {
			t.Errorf("AllMetrics[%d] = %+v, want %+v", i, all[i], wantAll[i])
		}
	}
}

func TestMetricsSurviveReopen(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "reopen.db")
	db, err := Open(ctx, file)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := db.SetMetric(ctx, Metric{Name: "visits", Week: ISOWeek{2026, 53}, Value: 0.035, SetBy: "UANN"}); err != nil {
		t.Fatalf("SetMetric: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	db = mustOpenMetricsDBFile(t, file)
	all, err := db.AllMetrics(ctx)
	if err != nil || len(all) != 1 || all[0].Value != 0.035 || all[0].Week != (ISOWeek{2026, 53}) {
		t.Fatalf("AllMetrics after reopen = %+v, %v", all, err)
	}
}

func mustOpenMetricsDBFile(tb testing.TB, file string) *DB {
	tb.Helper()
	db, err := Open(context.Background(), file)
	if err != nil {
		tb.Fatalf("Open(%q): %v", file, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
