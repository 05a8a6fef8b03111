package storetest

import (
	"math"
	"strings"
	"testing"
	"time"

	"smarketing/store"
)

var metricTests = []subtest{
	{"Upserts", testSetMetricUpserts},
	{"RefusesBad", testSetMetricRefusesBad},
	{"RangeAndOrder", testMetricsRangeAndOrder},
	{"Values", testMetricValues},
}

func week(tb testing.TB, s string) store.ISOWeek {
	tb.Helper()
	w, err := store.ParseISOWeek(s)
	if err != nil {
		tb.Fatalf("ParseISOWeek(%q): %v", s, err)
	}
	return w
}

func sameMetric(a, b store.Metric) bool {
	return a.Name == b.Name && a.Week == b.Week && a.Value == b.Value && a.Unit == b.Unit && a.SetBy == b.SetBy && a.SetAt.Equal(b.SetAt)
}

func metricNames(ms []store.Metric) string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Name+"@"+m.Week.String())
	}
	return strings.Join(out, " ")
}

func testSetMetricUpserts(t *testing.T, s *suite) {
	db := s.open(t)
	w48 := week(t, "2026-W48")
	at := time.Date(2026, 11, 24, 9, 0, 0, 123, time.UTC)
	if err := db.SetMetric(ctx, store.Metric{Name: "website-visits", Week: w48, Value: 4210, SetBy: "UANN", SetAt: at}); err != nil {
		t.Fatalf("SetMetric: %v", err)
	}
	if got, _ := db.Metrics(ctx, w48, w48); len(got) != 1 || !got[0].SetAt.Equal(at) {
		t.Fatalf("Metrics = %+v, want one set at %v", got, at)
	}
	// Set again, by someone else, without a time: replaced, stamped now.
	if err := db.SetMetric(ctx, store.Metric{Name: "website-visits", Week: w48, Value: 12.5, Unit: "%", SetBy: "UBOB"}); err != nil {
		t.Fatalf("SetMetric again: %v", err)
	}
	got, err := db.Metrics(ctx, w48, w48)
	if err != nil {
		t.Fatalf("Metrics: %v", err)
	}
	want := store.Metric{Name: "website-visits", Week: w48, Value: 12.5, Unit: "%", SetBy: "UBOB", SetAt: Start}
	if len(got) != 1 || !sameMetric(got[0], want) {
		t.Fatalf("Metrics = %+v, want [%+v]", got, want)
	}
	// Times survive with nanoseconds, in UTC; names are kept apart.
	if err := db.SetMetric(ctx, store.Metric{Name: "mqls", Week: w48, Value: -3, SetBy: "UANN", SetAt: at.In(time.FixedZone("X", 3600))}); err != nil {
		t.Fatalf("SetMetric: %v", err)
	}
	got, err = db.Metrics(ctx, w48, w48)
	if err != nil || len(got) != 2 || got[0].Name != "mqls" || !got[0].SetAt.Equal(at) || got[0].SetAt.Location() != time.UTC || got[0].Value != -3 {
		t.Fatalf("Metrics = %+v, %v; want mqls first, set at %v UTC", got, err, at)
	}
	// The same name in another week is another metric.
	if err := db.SetMetric(ctx, store.Metric{Name: "mqls", Week: w48.Next(), Value: 7, SetBy: "UANN"}); err != nil {
		t.Fatal(err)
	}
	if all, _ := db.AllMetrics(ctx); len(all) != 3 {
		t.Fatalf("AllMetrics = %+v, want 3", all)
	}
}

func testSetMetricRefusesBad(t *testing.T, s *suite) {
	db := s.open(t)
	ok := store.Metric{Name: "visits", Week: store.ISOWeek{Year: 2026, Week: 48}, Value: 1}
	tests := []struct {
		name string
		edit func(m *store.Metric)
	}{
		{"no name", func(m *store.Metric) { m.Name = "" }},
		{"blank name", func(m *store.Metric) { m.Name = " " }},
		{"NaN", func(m *store.Metric) { m.Value = math.NaN() }},
		{"infinity", func(m *store.Metric) { m.Value = math.Inf(-1) }},
		{"unit", func(m *store.Metric) { m.Unit = "EUR" }},
		{"week 53 of a short year", func(m *store.Metric) { m.Week = store.ISOWeek{Year: 2025, Week: 53} }},
		{"week 0", func(m *store.Metric) { m.Week = store.ISOWeek{Year: 2026, Week: 0} }},
		{"zero week", func(m *store.Metric) { m.Week = store.ISOWeek{} }},
	}
	for _, tc := range tests {
		m := ok
		tc.edit(&m)
		if err := db.SetMetric(ctx, m); err == nil {
			t.Errorf("SetMetric(%s) = nil, want an error", tc.name)
		}
	}
	if all, err := db.AllMetrics(ctx); err != nil || len(all) != 0 {
		t.Fatalf("AllMetrics after refused sets = %+v, %v; want none", all, err)
	}
	if err := db.SetMetric(ctx, ok); err != nil {
		t.Fatalf("SetMetric(ok): %v", err)
	}
}

func testMetricsRangeAndOrder(t *testing.T, s *suite) {
	db := s.open(t)
	set := func(name, w string, v float64) {
		t.Helper()
		if err := db.SetMetric(ctx, store.Metric{Name: name, Week: week(t, w), Value: v, SetBy: "UANN"}); err != nil {
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
	set("visits", "2026-W09", 0)  // week 9 sorts before week 51, not after
	set("visits", "2025-W52", -1) // an earlier year with a higher week

	got, err := db.Metrics(ctx, week(t, "2026-W52"), week(t, "2027-W01"))
	if err != nil {
		t.Fatalf("Metrics: %v", err)
	}
	want := "ad-spend@2026-W53 signups@2027-W01 visits@2026-W52 visits@2026-W53 visits@2027-W01"
	if metricNames(got) != want {
		t.Fatalf("Metrics(2026-W52, 2027-W01) = %s\nwant %s", metricNames(got), want)
	}
	if got, _ := db.Metrics(ctx, week(t, "2026-W53"), week(t, "2026-W53")); metricNames(got) != "ad-spend@2026-W53 visits@2026-W53" {
		t.Fatalf("Metrics of one week = %s", metricNames(got))
	}
	if got, err := db.Metrics(ctx, week(t, "2027-W03"), week(t, "2027-W10")); err != nil || len(got) != 0 {
		t.Fatalf("Metrics of empty weeks = %s, %v; want none", metricNames(got), err)
	}
	if got, _ := db.Metrics(ctx, week(t, "2025-W50"), week(t, "2026-W10")); metricNames(got) != "visits@2025-W52 visits@2026-W09" {
		t.Fatalf("Metrics(2025-W50, 2026-W10) = %s", metricNames(got))
	}
	all, err := db.AllMetrics(ctx)
	if err != nil {
		t.Fatalf("AllMetrics: %v", err)
	}
	want = "ad-spend@2026-W53 signups@2027-W01 visits@2025-W52 visits@2026-W09 visits@2026-W51 visits@2026-W52 visits@2026-W53 visits@2027-W01 visits@2027-W02"
	if metricNames(all) != want {
		t.Fatalf("AllMetrics = %s\nwant %s", metricNames(all), want)
	}
}

// Values come back exactly as set.
func testMetricValues(t *testing.T, s *suite) {
	db := s.open(t)
	values := []float64{0, -0.5, 0.035, 1e15, 1e-9, math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, 4210}
	for i, v := range values {
		if err := db.SetMetric(ctx, store.Metric{Name: "m", Week: store.ISOWeek{Year: 2026, Week: i + 1}, Value: v, SetBy: "UANN"}); err != nil {
			t.Fatalf("SetMetric(%v): %v", v, err)
		}
	}
	all, err := db.AllMetrics(ctx)
	if err != nil || len(all) != len(values) {
		t.Fatalf("AllMetrics = %+v, %v", all, err)
	}
	for i, m := range all {
		if m.Value != values[i] || m.Week.Week != i+1 {
			t.Errorf("metric %d = %v in %s, want %v", i, m.Value, m.Week, values[i])
		}
	}
}
