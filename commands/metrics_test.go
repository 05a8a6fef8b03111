package commands

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"smarketing/store"
	"smarketing/store/storetest"
)

// metricsNow is a Wednesday in 2026-W48 (23 – 29 Nov).
var metricsNow = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// newMetricsHandler returns a Handler over a fresh database whose clock
// reads *now, in Berlin time.
func newMetricsHandler(tb testing.TB, now *time.Time) (*Handler, *storetest.DB) {
	tb.Helper()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		tb.Skip("no tzdata:", err)
	}
	db := MustOpenDB(tb)
	return New(db, Options{Location: berlin, Now: func() time.Time { return *now }}), db
}

func metricsSlash(tb testing.TB, h *Handler, user, text string) Response {
	tb.Helper()
	resp, err := h.Slash(context.Background(), Request{Command: "/metrics", Text: text, UserID: user, UserName: nameOf(user), ChannelID: "CCHAN"})
	if err != nil {
		tb.Fatalf("/metrics %s: %v", text, err)
	}
	checkNoUserMarkup(tb, "/metrics "+text, resp, "UANN", "UBOB")
	return resp
}

func metricsUserError(tb testing.TB, h *Handler, user, text string) *UserError {
	tb.Helper()
	resp, err := h.Slash(context.Background(), Request{Command: "/metrics", Text: text, UserID: user, UserName: nameOf(user), ChannelID: "CCHAN"})
	var ue *UserError
	if !errors.As(err, &ue) {
		tb.Fatalf("/metrics %s = %q, %v; want a *UserError", text, resp.Text, err)
	}
	checkNoUserMarkup(tb, "/metrics "+text, textResponse(ue.Msg))
	return ue
}

func mustSetMetric(tb testing.TB, db *storetest.DB, m store.Metric) {
	tb.Helper()
	if m.SetBy == "" {
		m.SetBy = "UANN"
	}
	if err := db.SetMetric(context.Background(), m); err != nil {
		tb.Fatalf("SetMetric(%+v): %v", m, err)
	}
}

func TestNormaliseMetricName(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  string
	}{
		{in: "website-visits", want: "website-visits"},
		{in: "Website Visits", want: "website-visits"},
		{in: "  MQL_to_SQL   rate ", want: "mql-to-sql-rate"},
		{in: "--a--b__c--", want: "a-b-c"},
		{in: "Customer's visits", want: "customers-visits"},
		{in: `"website visits"`, want: "website-visits"},
		{in: "cost/lead (EUR)", want: "cost-lead-eur"},
		{in: "web\u00a0visits", want: "web-visits"},
		{in: "Q4 2026", want: "q4-2026"},
		{in: "<!channel>", want: "channel"},
		{in: strings.Repeat("a", 40), want: strings.Repeat("a", 40)},
		{in: strings.Repeat("a", 41), wantErr: "at most 40 characters"},
		{in: "Café visits", wantErr: "é can't be part"},
		{in: "visits 🚀", wantErr: "🚀"},
		{in: "---", wantErr: "no letters or digits"},
		{in: "", wantErr: "name before its number"},
	}
	for _, tc := range tests {
		got, err := normaliseMetricName(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("normaliseMetricName(%q) = %q, %v; want error %q", tc.in, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("normaliseMetricName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// Decisions the table documents: a comma only ever groups thousands ("4,5"
// and "1,2,3" are refused, not read as decimals or digits), spaces may group
// too but not mixed with commas, exponents are refused, and at most 15
// significant digits are kept.
func TestParseMetricValue(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		unit    string
		wantErr string
	}{
		{in: "4210", want: 4210},
		{in: "4,210", want: 4210},
		{in: "4 210", want: 4210},
		{in: "4\u00a0210", want: 4210}, // no-break space
		{in: "4\u202f210", want: 4210}, // narrow no-break space
		{in: "1,234,567.89", want: 1234567.89},
		{in: "1 234 567.5", want: 1234567.5},
		{in: "-5", want: -5},
		{in: "+5", want: 5},
		{in: "−5", want: -5}, // U+2212
		{in: "12.5%", want: 12.5, unit: "%"},
		{in: "12.5 %", want: 12.5, unit: "%"},
		{in: "-0.5%", want: -0.5, unit: "%"},
		{in: ".5", want: 0.5},
		{in: "007", want: 7},
		{in: "0", want: 0},
		{in: "-0", want: 0},
		{in: "123456789012345", want: 123456789012345},
		{in: "0.000000000000001", want: 1e-15},
		{in: "1.50000000000000000", want: 1.5}, // trailing zeros are not significant
		{in: "1234567890123456", wantErr: "16 significant digits"},
		{in: "1,000,000,000,000,000", wantErr: "16 significant digits"},
		{in: "", wantErr: "Give a number"},
		{in: "abc", wantErr: "is not a number"},
		{in: "NaN", wantErr: "is not a number"},
		{in: "Inf", wantErr: "is not a number"},
		{in: "-Infinity", wantErr: "is not a number"},
		{in: "1e400", wantErr: "without an exponent"},
		{in: "1e3", wantErr: "without an exponent"},
		{in: "12abc", wantErr: "is not a number"},
		{in: "--5", wantErr: "is not a number"},
		{in: "5-", wantErr: "is not a number"},
		{in: "1,2,3", wantErr: "comma may only separate thousands"},
		{in: "4,5", wantErr: "comma may only separate thousands"},
		{in: "12,34,567", wantErr: "comma may only separate thousands"},
		{in: "1,234 567", wantErr: "comma may only separate thousands"},
		{in: "4 21", wantErr: "is not a number"},
		{in: "%", wantErr: "is not a number"},
		{in: "5%%", wantErr: "is not a number"},
		{in: "0x10", wantErr: "is not a number"},
		{in: "1_000", wantErr: "is not a number"},
		{in: "<!here>", wantErr: "_&lt;!here&gt;_ is not a number"},
	}
	for _, tc := range tests {
		got, unit, err := parseMetricValue(tc.in)
		if tc.wantErr != "" {
			var ue *UserError
			if !errors.As(err, &ue) || !strings.Contains(ue.Msg, tc.wantErr) {
				t.Errorf("parseMetricValue(%q) = %v, %v; want a UserError %q", tc.in, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want || unit != tc.unit || math.Signbit(got) != math.Signbit(tc.want) {
			t.Errorf("parseMetricValue(%q) = %v %q, %v; want %v %q", tc.in, got, unit, err, tc.want, tc.unit)
		}
	}
}

func TestParseSetArgs(t *testing.T) {
	tests := []struct {
		in      string
		want    setArgs
		wantErr string
	}{
		{in: "website-visits 4210", want: setArgs{name: "website-visits", typed: "website-visits", value: 4210}},
		{in: "Website Visits 4,210", want: setArgs{name: "website-visits", typed: "Website Visits", value: 4210}},
		{in: "website visits 4 210", want: setArgs{name: "website-visits", typed: "website visits", value: 4210}},
		// Space grouping is greedy; quoting the name gives the other reading.
		{in: "leads 1 200", want: setArgs{name: "leads", typed: "leads", value: 1200}},
		{in: `"leads 1" 200`, want: setArgs{name: "leads-1", typed: "leads 1", value: 200}},
		{in: "“Leads 1” 200", want: setArgs{name: "leads-1", typed: "Leads 1", value: 200}},
		{in: "top 10 pages 250", want: setArgs{name: "top-10-pages", typed: "top 10 pages", value: 250}},
		{in: "mql-rate 12.5% 2026-W47", want: setArgs{name: "mql-rate", typed: "mql-rate", value: 12.5, unit: "%", week: "2026-W47"}},
		{in: "mql-rate 12.5 % 2026-w47", want: setArgs{name: "mql-rate", typed: "mql-rate", value: 12.5, unit: "%", week: "2026-w47"}},
		{in: `"ad spend" -300 W47`, want: setArgs{name: "ad-spend", typed: "ad spend", value: -300, week: "W47"}},
		{in: "visits = 4210", want: setArgs{name: "visits", typed: "visits =", value: 4210}},
		{in: "visits 2026 4210", want: setArgs{name: "visits-2026", typed: "visits 2026", value: 4210}},
		{in: "", wantErr: "metric and its number"},
		{in: "visits", wantErr: "Give a number after the name"},
		{in: "4210", wantErr: "name before its number"},
		{in: "visits 2026-W47", wantErr: "is not a number"},
		{in: "visits abc", wantErr: "_abc_ is not a number"},
		{in: "visits four thousand", wantErr: "_thousand_ is not a number"},
		{in: "visits 1,2,3", wantErr: "comma may only separate thousands"},
		{in: "Café 5", wantErr: "é can't be part"},
		{in: "--- 5", wantErr: "no letters or digits"},
	}
	for _, tc := range tests {
		got, err := parseSetArgs(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseSetArgs(%q) = %+v, %v; want error %q", tc.in, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseSetArgs(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseWeekArg(t *testing.T) {
	w48 := store.ISOWeek{Year: 2026, Week: 48}
	w2701 := store.ISOWeek{Year: 2027, Week: 1}
	tests := []struct {
		in      string
		this    store.ISOWeek
		want    string
		wantErr string
	}{
		{in: "2026-W48", this: w48, want: "2026-W48"},
		{in: "2026-w49", this: w48, want: "2026-W49"},
		{in: "2026W01", this: w48, want: "2026-W01"},
		{in: "2019-W10", this: w48, want: "2019-W10"},
		{in: "2026-W50", this: w48, wantErr: "more than a week ahead"},
		{in: "2027-W01", this: w48, wantErr: "more than a week ahead"},
		{in: "2025-W53", this: w48, wantErr: "2025 has no week 53"},
		{in: "2026-W00", this: w48, wantErr: "from W01"},
		{in: "W47", this: w48, want: "2026-W47"},
		{in: "w49", this: w48, want: "2026-W49"},
		{in: "W50", this: w48, want: "2025-W50"},
		{in: "W53", this: w2701, want: "2026-W53"},
		{in: "W02", this: w2701, want: "2027-W02"},
		{in: "2026-W53", this: w2701, want: "2026-W53"},
	}
	for _, tc := range tests {
		got, err := parseWeekArg(tc.in, tc.this)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseWeekArg(%q, %s) = %v, %v; want error %q", tc.in, tc.this, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got.String() != tc.want {
			t.Errorf("parseWeekArg(%q, %s) = %v, %v; want %s", tc.in, tc.this, got, err, tc.want)
		}
	}
}

func TestFormatMetric(t *testing.T) {
	tests := []struct {
		v    float64
		unit string
		want string
	}{
		{4210, "", "4,210"},
		{-4210, "", "-4,210"},
		{123, "", "123"},
		{1234567.891, "", "1,234,567.89"},
		{123456789012345, "", "123,456,789,012,345"},
		{0, "", "0"},
		{0.5, "", "0.5"},
		{999.999, "", "1,000"},
		{12.5, "%", "12.5%"},
		{-0.25, "%", "-0.25%"},
		{0.035, "", "0.035"},
		{0.05, "", "0.05"},
		{0.0012345, "", "0.0012"},
		{-0.004, "", "-0.004"},
		{1e-15, "", "0.000000000000001"},
	}
	for _, tc := range tests {
		if got := formatMetric(tc.v, tc.unit); got != tc.want {
			t.Errorf("formatMetric(%v, %q) = %q, want %q", tc.v, tc.unit, got, tc.want)
		}
	}
}

func TestMetricChange(t *testing.T) {
	m := func(v float64, unit string) store.Metric { return store.Metric{Value: v, Unit: unit} }
	tests := []struct {
		cur, prev store.Metric
		want      string
	}{
		{m(4300, ""), m(3900, ""), "(▲ 10%)"},
		{m(3900, ""), m(4300, ""), "(▼ 9%)"},
		{m(5, ""), m(5, ""), "(=)"},
		{m(5, ""), m(0, ""), "(▲ from 0)"},
		{m(-5, ""), m(0, ""), "(▼ from 0)"},
		{m(0, ""), m(0, ""), "(=)"},
		{m(-5, ""), m(-10, ""), "(▲ 50%)"},
		{m(-10, ""), m(-5, ""), "(▼ 100%)"},
		{m(5, ""), m(-5, ""), "(▲ 200%)"},
		{m(12, "%"), m(10, "%"), "(▲ 20%)"},
		{m(12, "%"), m(10, ""), ""},
	}
	for _, tc := range tests {
		if got := metricChange(tc.cur, tc.prev); got != tc.want {
			t.Errorf("metricChange(%v%s, %v%s) = %q, want %q", tc.cur.Value, tc.cur.Unit, tc.prev.Value, tc.prev.Unit, got, tc.want)
		}
	}
}

func TestMetricsSetAndOverwrite(t *testing.T) {
	ctx := context.Background()
	now := metricsNow
	h, db := newMetricsHandler(t, &now)

	resp := metricsSlash(t, h, "UANN", "set website-visits 4210")
	want := ":white_check_mark: Recorded *website-visits* = *4,210* for this week (2026-W48, 23 – 29 Nov 2026)."
	if resp.Text != want {
		t.Fatalf("set: Text = %q\nwant %q", resp.Text, want)
	}
	if b := findButtons(resp); len(b) != 1 || b[0].ActionID != ActionRun || b[0].Value != "/metrics 2026-W48" {
		t.Fatalf("set: buttons = %+v, want one that runs /metrics", b)
	}

	now = metricsNow.Add(time.Hour)
	resp = metricsSlash(t, h, "UBOB", "set Website Visits 4,300")
	want = ":white_check_mark: Updated *website-visits* for this week (2026-W48, 23 – 29 Nov 2026): *4,300* (was 4,210).\nSaved under the name `website-visits`."
	if resp.Text != want {
		t.Fatalf("overwrite: Text = %q\nwant %q", resp.Text, want)
	}
	ms, err := db.Metrics(ctx, store.ISOWeek{Year: 2026, Week: 48}, store.ISOWeek{Year: 2026, Week: 48})
	if err != nil {
		t.Fatalf("Metrics: %v", err)
	}
	wantM := store.Metric{Name: "website-visits", Week: store.ISOWeek{Year: 2026, Week: 48}, Value: 4300, SetBy: "UBOB", SetAt: now}
	if len(ms) != 1 || ms[0] != wantM {
		t.Fatalf("stored = %+v, want [%+v]", ms, wantM)
	}

	// Last week's figure: the answer compares with the week before it.
	mustSetMetric(t, db, store.Metric{Name: "website-visits", Week: store.ISOWeek{Year: 2026, Week: 46}, Value: 5000})
	resp = metricsSlash(t, h, "UANN", "set website-visits 3900 2026-w47")
	want = ":white_check_mark: Recorded *website-visits* = *3,900* for last week (2026-W47, 16 – 22 Nov 2026).\n▼ 22% against 2026-W46 (5,000)."
	if resp.Text != want {
		t.Fatalf("set last week: Text = %q\nwant %q", resp.Text, want)
	}
	if b := findButtons(resp); len(b) != 1 || b[0].Value != "/metrics 2026-W47" {
		t.Fatalf("set last week: buttons = %+v, want one for /metrics 2026-W47", b)
	}

	resp = metricsSlash(t, h, "UANN", "set MQL rate 12.5% W49")
	if !strings.Contains(resp.Text, "Recorded *mql-rate* = *12.5%* for next week (2026-W49, 30 Nov – 6 Dec 2026).") {
		t.Fatalf("set next week: Text = %q", resp.Text)
	}

	for text, wantErr := range map[string]string{
		"set website-visits 4210 2026-W50": "2026-W50 is more than a week ahead (this week is 2026-W48)",
		"set website-visits 4210 2025-W53": "There is no week _2025-W53_: 2025 has no week 53",
		"set website-visits lots":          "_lots_ is not a number",
		"set website-visits":               "Give a number after the name",
		"set":                              "metric and its number",
		"set <!channel> <!here>":           "_&lt;!here&gt;_ is not a number",
		"set Café 5":                       "é can't be part",
	} {
		ue := metricsUserError(t, h, "UANN", text)
		if !strings.Contains(ue.Msg, wantErr) {
			t.Errorf("/metrics %s: error %q, want %q", text, ue.Msg, wantErr)
		}
	}
	all, err := db.AllMetrics(ctx)
	if err != nil || len(all) != 4 {
		t.Fatalf("AllMetrics = %+v, %v; want 4 (refused sets store nothing)", all, err)
	}
}

func TestMetricsWeekFollowsZone(t *testing.T) {
	// Sunday 23:30 UTC is Monday 00:30 in Berlin: the next week there.
	now := time.Date(2026, 11, 29, 23, 30, 0, 0, time.UTC)
	h, db := newMetricsHandler(t, &now)
	resp := metricsSlash(t, h, "UANN", "set visits 1")
	if !strings.Contains(resp.Text, "this week (2026-W49, 30 Nov – 6 Dec 2026)") {
		t.Fatalf("Text = %q, want week 2026-W49", resp.Text)
	}
	all, err := db.AllMetrics(context.Background())
	if err != nil || len(all) != 1 || all[0].Week != (store.ISOWeek{Year: 2026, Week: 49}) {
		t.Fatalf("stored = %+v, %v; want 2026-W49", all, err)
	}
}

func TestMetricsList(t *testing.T) {
	now := metricsNow
	h, db := newMetricsHandler(t, &now)
	resp := metricsSlash(t, h, "UANN", "list")
	if !strings.Contains(resp.Text, "No marketing metrics recorded in the last 8 weeks (2026-W41 to 2026-W48)") ||
		!strings.Contains(resp.Text, metricsExample) {
		t.Fatalf("empty list: %q", resp.Text)
	}

	at := func(d int) time.Time { return time.Date(2026, 11, d, 9, 0, 0, 0, time.UTC) }
	mustSetMetric(t, db, store.Metric{Name: "website-visits", Week: store.ISOWeek{Year: 2026, Week: 48}, Value: 4210, SetBy: "UANN", SetAt: at(24)})
	mustSetMetric(t, db, store.Metric{Name: "website-visits", Week: store.ISOWeek{Year: 2026, Week: 47}, Value: 3900, SetBy: "UBOB", SetAt: at(25)})
	mustSetMetric(t, db, store.Metric{Name: "website-visits", Week: store.ISOWeek{Year: 2026, Week: 45}, Value: 3100.5, SetAt: at(1)})
	mustSetMetric(t, db, store.Metric{Name: "website-visits", Week: store.ISOWeek{Year: 2026, Week: 40}, Value: 1}) // 9 weeks ago: not listed
	mustSetMetric(t, db, store.Metric{Name: "mql-rate", Week: store.ISOWeek{Year: 2026, Week: 41}, Value: 12.5, Unit: "%", SetBy: "UBOB", SetAt: at(2)})

	resp = metricsSlash(t, h, "UANN", "list")
	got := joined(resp)
	for _, want := range []string{
		"*Marketing metrics* — 2 in the last 8 weeks (2026-W41 to 2026-W48), newest first",
		"• *mql-rate* — W41 *12.5%*  _(last set by <@UBOB>, 2 Nov 2026 10:00 CET)_\n" +
			"• *website-visits* — W48 *4,210* · W47 3,900 · W45 3,100.5  _(last set by <@UBOB>, 25 Nov 2026 10:00 CET)_",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("list lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "W40") {
		t.Errorf("list shows a week older than 8 weeks:\n%s", got)
	}
	if b := findButtons(resp); len(b) != 1 || b[0].ActionID != ActionShare || b[0].Value != "/metrics list" {
		t.Fatalf("list buttons = %+v, want Share /metrics list", b)
	}

	// Shared: in the channel, nobody is mentioned and there is no button.
	shared, err := h.Act(context.Background(), Action{ActionID: ActionShare, Value: "/metrics list", UserID: "UANN", ChannelID: "CCHAN"})
	if err != nil {
		t.Fatalf("share: %v", err)
	}
	if !shared.InChannel || strings.Contains(joined(shared), "<@UBOB>") || strings.Contains(joined(shared), "last set by") {
		t.Fatalf("shared list = %+v", shared)
	}
	for _, b := range shared.Blocks {
		if _, ok := b.(Actions); ok {
			t.Fatalf("shared list has buttons: %+v", shared.Blocks)
		}
	}
}

func TestMetricsListAcrossYearEnd(t *testing.T) {
	now := time.Date(2027, 1, 6, 12, 0, 0, 0, time.UTC) // 2027-W01
	h, db := newMetricsHandler(t, &now)
	mustSetMetric(t, db, store.Metric{Name: "visits", Week: store.ISOWeek{Year: 2026, Week: 53}, Value: 10})
	mustSetMetric(t, db, store.Metric{Name: "visits", Week: store.ISOWeek{Year: 2027, Week: 1}, Value: 20})
	mustSetMetric(t, db, store.Metric{Name: "visits", Week: store.ISOWeek{Year: 2027, Week: 2}, Value: 30}) // next week
	got := joined(metricsSlash(t, h, "UANN", "list"))
	if !strings.Contains(got, "(2026-W47 to 2027-W01)") || !strings.Contains(got, "• *visits* — W02 *30* · W01 20 · 2026-W53 10") {
		t.Fatalf("list across the year end:\n%s", got)
	}
}

func TestMetricsListFitsSlack(t *testing.T) {
	now := metricsNow
	h, db := newMetricsHandler(t, &now)
	for i := range 400 {
		for _, wk := range []int{41, 42, 43, 44, 45, 46, 47, 48} {
			mustSetMetric(t, db, store.Metric{Name: fmt.Sprintf("metric-%03d-%s", i, strings.Repeat("x", 26)),
				Week: store.ISOWeek{Year: 2026, Week: wk}, Value: -123456789012.25})
		}
	}
	resp := metricsSlash(t, h, "UANN", "list")
	if len(resp.Blocks) > 50 {
		t.Fatalf("%d blocks, Slack allows 50", len(resp.Blocks))
	}
	for _, b := range resp.Blocks {
		if s, ok := b.(Section); ok && utf8.RuneCountInString(s.Text) > 3000 {
			t.Fatalf("section of %d characters, Slack allows 3000", utf8.RuneCountInString(s.Text))
		}
	}
	if n := utf8.RuneCountInString(resp.Text); n > 3900 {
		t.Fatalf("fallback text of %d characters", n)
	}
	if !strings.Contains(joined(resp), "more metrics that did not fit") {
		t.Fatalf("no note about the metrics left out")
	}
}

func TestMetricsPreview(t *testing.T) {
	now := metricsNow
	h, db := newMetricsHandler(t, &now)
	resp := metricsSlash(t, h, "UANN", "2026-W48")
	if !strings.Contains(joined(resp), "No marketing metrics recorded for 2026-W48 yet. Record one with "+metricsExample) {
		t.Fatalf("empty preview:\n%s", joined(resp))
	}

	w := func(n int) store.ISOWeek { return store.ISOWeek{Year: 2026, Week: n} }
	mustSetMetric(t, db, store.Metric{Name: "website-visits", Week: w(48), Value: 4300})
	mustSetMetric(t, db, store.Metric{Name: "website-visits", Week: w(47), Value: 3900})
	mustSetMetric(t, db, store.Metric{Name: "mql-rate", Week: w(48), Value: 12.5, Unit: "%"})
	mustSetMetric(t, db, store.Metric{Name: "ad-spend", Week: w(47), Value: 1500})
	mustSetMetric(t, db, store.Metric{Name: "old", Week: w(46), Value: 1}) // neither week

	resp = metricsSlash(t, h, "UANN", "2026-W48")
	if hd, ok := resp.Blocks[0].(Header); !ok || hd.Text != "Marketing metrics — 2026-W48" {
		t.Fatalf("first block = %+v, want the header", resp.Blocks[0])
	}
	var fields []string
	for _, b := range resp.Blocks {
		if s, ok := b.(Section); ok {
			fields = append(fields, s.Fields...)
		}
	}
	wantFields := []string{
		"*ad-spend*\n– not set yet (2026-W47: 1,500)",
		"*mql-rate*\n12.5%",
		"*website-visits*\n4,300 (▲ 10%)",
	}
	if strings.Join(fields, "|") != strings.Join(wantFields, "|") {
		t.Fatalf("fields = %q\nwant %q", fields, wantFields)
	}
	if got := joined(resp); !strings.Contains(got, "▲/▼: change against 2026-W47 (16 – 22 Nov 2026).") ||
		!strings.Contains(got, "this week (2026-W48, 23 – 29 Nov 2026)") {
		t.Fatalf("preview:\n%s", got)
	}
	if b := findButtons(resp); len(b) != 1 || b[0].ActionID != ActionShare || b[0].Value != "/metrics 2026-W48" {
		t.Fatalf("preview buttons = %+v, want Share /metrics 2026-W48", b)
	}

	// Bare /metrics previews the whole weekly recap, metrics included.
	resp = metricsSlash(t, h, "UANN", "")
	if hd, ok := resp.Blocks[0].(Header); !ok || !strings.HasPrefix(hd.Text, "Weekly recap") {
		t.Fatalf("bare /metrics first block = %+v, want the recap header", resp.Blocks[0])
	}
	if got := joined(resp); !strings.Contains(got, "Preview") || !strings.Contains(got, "*Marketing numbers*") ||
		!strings.Contains(got, "*mql-rate*\n12.5%") || !strings.Contains(got, "*Lead feedback*") {
		t.Fatalf("recap preview:\n%s", got)
	}
	if b := findButtons(resp); len(b) != 1 || b[0].Value != "/metrics" {
		t.Fatalf("recap preview buttons = %+v, want Share /metrics", b)
	}

	// Another week, by name.
	resp = metricsSlash(t, h, "UANN", "2026-W47")
	if got := joined(resp); !strings.Contains(got, "*website-visits*\n3,900") || !strings.Contains(got, "last week (2026-W47") {
		t.Fatalf("preview of 2026-W47:\n%s", got)
	}
	if b := findButtons(resp); len(b) != 1 || b[0].Value != "/metrics 2026-W47" {
		t.Fatalf("preview buttons = %+v, want Share /metrics 2026-W47", b)
	}
	metricsUserError(t, h, "UANN", "2026-W51")
}

func TestMetricsWeekManyMetrics(t *testing.T) {
	now := metricsNow
	h, db := newMetricsHandler(t, &now)
	wk := store.ISOWeek{Year: 2026, Week: 48}
	for i := range 45 {
		mustSetMetric(t, db, store.Metric{Name: fmt.Sprintf("m%02d", i), Week: wk, Value: float64(i)})
	}
	blocks, err := h.metricsWeek(context.Background(), wk)
	if err != nil {
		t.Fatalf("metricsWeek: %v", err)
	}
	n := 0
	for _, b := range blocks {
		if s, ok := b.(Section); ok {
			if len(s.Fields) > 10 {
				t.Fatalf("section with %d fields, Slack allows 10", len(s.Fields))
			}
			n += len(s.Fields)
		}
	}
	if n != maxWeekFigures || !strings.Contains(blockText(blocks), "…and 5 more metrics: see `/metrics list`.") {
		t.Fatalf("%d fields, text:\n%s", n, blockText(blocks))
	}
}

func TestMetricsHelpAndUnknown(t *testing.T) {
	now := metricsNow
	h, db := newMetricsHandler(t, &now)
	for _, text := range []string{"help", "HELP", "?", "--help"} {
		if resp := metricsSlash(t, h, "UANN", text); resp.Text != metricsUsage {
			t.Errorf("/metrics %s = %q, want the usage", text, resp.Text)
		}
	}
	resp := metricsSlash(t, h, "UANN", "website-visits 4210")
	if !strings.Contains(resp.Text, "I don't know `/metrics website-visits 4210`. To record a number, start with *set*: `/metrics set website-visits 4210`.") ||
		!strings.Contains(resp.Text, metricsUsage) {
		t.Fatalf("unknown subcommand: %q", resp.Text)
	}
	resp = metricsSlash(t, h, "UANN", "<!channel> <@U123> &")
	if !strings.Contains(resp.Text, "`/metrics &lt;!channel&gt; &lt;@U123&gt; &amp;`") {
		t.Fatalf("unknown subcommand not escaped: %q", resp.Text)
	}
	// A share button can only ever carry a read-only line.
	_, err := h.Act(context.Background(), Action{ActionID: ActionShare, Value: "/metrics set visits 5", UserID: "UANN", ChannelID: "CCHAN"})
	var ue *UserError
	if !errors.As(err, &ue) {
		t.Fatalf("shared set: err = %v, want a UserError", err)
	}
	if all, err := db.AllMetrics(context.Background()); err != nil || len(all) != 0 {
		t.Fatalf("after a shared set: %+v, %v; want nothing stored", all, err)
	}
}

func TestValidateMetric(t *testing.T) {
	tests := []struct {
		in      store.MetricRecord
		want    store.MetricRecord
		wantErr string
	}{
		{in: store.MetricRecord{Name: "Website Visits", Week: "2026-w48", Value: 4210, SetBy: "UANN"},
			want: store.MetricRecord{Name: "website-visits", Week: "2026-W48", Value: 4210, SetBy: "UANN"}},
		{in: store.MetricRecord{Name: "ctr", Week: "2026-W05", Value: 2.5, Unit: "%"},
			want: store.MetricRecord{Name: "ctr", Week: "2026-W05", Value: 2.5, Unit: "%"}},
		{in: store.MetricRecord{Name: "ctr", Week: "2030-W01", Value: -0.000001}, // any week
			want: store.MetricRecord{Name: "ctr", Week: "2030-W01", Value: -0.000001}},
		{in: store.MetricRecord{Name: "", Week: "2026-W48", Value: 1}, wantErr: "name"},
		{in: store.MetricRecord{Name: "visits", Week: "2025-W53", Value: 1}, wantErr: "2025 has no week 53"},
		{in: store.MetricRecord{Name: "visits", Week: "<!here>", Value: 1}, wantErr: "_&lt;!here&gt;_"},
		{in: store.MetricRecord{Name: "visits", Week: "2026-W48", Value: 1, Unit: "EUR"}, wantErr: "unit"},
		{in: store.MetricRecord{Name: "visits", Week: "2026-W48", Value: 1e20}, wantErr: "more than 15 significant digits"},
		{in: store.MetricRecord{Name: "visits", Week: "2026-W48", Value: 0.30000000000000004}, wantErr: "more than 15 significant digits"},
		{in: store.MetricRecord{Name: "visits", Week: "2026-W48", Value: math.NaN()}, wantErr: "not a number"},
	}
	for _, tc := range tests {
		got, err := ValidateMetric(tc.in)
		if tc.wantErr != "" {
			var ue *UserError
			if !errors.As(err, &ue) || !strings.Contains(ue.Msg, tc.wantErr) || strings.Contains(ue.Msg, "<!") {
				t.Errorf("ValidateMetric(%+v) = %+v, %v; want a UserError %q", tc.in, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ValidateMetric(%+v) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}
