package commands

import (
	"strings"
	"testing"
	"time"
)

func TestParseReactions(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]string
		wantErr string
	}{
		{in: "+1=good,-1=poor,fire=hot", want: map[string]string{"+1": "good", "-1": "poor", "fire": "hot"}},
		{in: " :thumbsup: = GOOD , x=poor ", want: map[string]string{"thumbsup": "good", "x": "poor"}},
		{in: DefaultReactions, want: map[string]string{"+1": "good", "thumbsup": "good", "white_check_mark": "good", "-1": "poor", "thumbsdown": "poor", "x": "poor", "fire": "hot"}},
		{in: "+1=great", wantErr: "must be good, poor or hot"},
		{in: "+1", wantErr: "not emoji=rating"},
		{in: "=good", wantErr: "not emoji=rating"},
		{in: "thumbs up=good", wantErr: "not an emoji name"},
		{in: "+1=good,+1=poor", wantErr: "mapped twice"},
		{in: " , ", wantErr: "no emoji"},
	}
	for _, tc := range tests {
		got, err := ParseReactions(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseReactions(%q) error = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || len(got) != len(tc.want) {
			t.Errorf("ParseReactions(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			continue
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("ParseReactions(%q)[%q] = %q, want %q", tc.in, k, got[k], v)
			}
		}
	}
}

func TestParseWindow(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	h := &Handler{loc: berlin}
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC) // a Wednesday
	monday := time.Date(2026, 11, 23, 0, 0, 0, 0, berlin)
	tests := []struct {
		in      string
		from    time.Time
		label   string
		wantErr bool
	}{
		{in: "", from: monday, label: "this week (since Mon 23 Nov)"},
		{in: "week", from: monday, label: "this week (since Mon 23 Nov)"},
		{in: "7d", from: now.Add(-7 * 24 * time.Hour), label: "the last 7 days"},
		{in: "1d", from: now.Add(-24 * time.Hour), label: "the last 1 day"},
		{in: "2W", from: now.Add(-14 * 24 * time.Hour), label: "the last 2 weeks"},
		{in: "24h", from: now.Add(-24 * time.Hour), label: "the last 24 hours"},
		{in: "0d", wantErr: true},
		{in: "400d", wantErr: true},
		{in: "last month", wantErr: true},
		{in: "<!channel>", wantErr: true},
	}
	for _, tc := range tests {
		w, err := h.parseWindow(tc.in, now)
		if tc.wantErr {
			if err == nil {
				t.Errorf("parseWindow(%q) = %+v, want an error", tc.in, w)
			} else if strings.Contains(err.Error(), "<!") {
				t.Errorf("parseWindow(%q) error echoes unescaped input: %v", tc.in, err)
			}
			continue
		}
		if err != nil || !w.from.Equal(tc.from) || w.label != tc.label {
			t.Errorf("parseWindow(%q) = %v %q, %v; want %v %q", tc.in, w.from, w.label, err, tc.from, tc.label)
		}
	}
}

func TestHumanDurationAndDelta(t *testing.T) {
	durations := map[time.Duration]string{
		30 * time.Second:            "1m",
		45 * time.Minute:            "45m",
		2 * time.Hour:               "2h",
		2*time.Hour + 5*time.Minute: "2h 5m",
		50 * time.Hour:              "2d 2h",
		72 * time.Hour:              "3d",
	}
	for d, want := range durations {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%v) = %q, want %q", d, got, want)
		}
	}
	deltas := []struct {
		cur, old float64
		want     string
	}{
		{10, 10, "(=)"}, {12, 10, "(▲ 20%)"}, {5, 10, "(▼ 50%)"}, {3, 0, "(▲ new)"},
	}
	for _, tc := range deltas {
		if got := delta(tc.cur, tc.old); got != tc.want {
			t.Errorf("delta(%v, %v) = %q, want %q", tc.cur, tc.old, got, tc.want)
		}
	}
}
