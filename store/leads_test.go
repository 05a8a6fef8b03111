package store_test

import (
	"errors"
	"testing"
	"time"

	"smarketing/store"
)

func TestTSTime(t *testing.T) {
	tests := []struct {
		ts   string
		want time.Time
		ok   bool
	}{
		{"1732400000.000100", time.Unix(1732400000, 100_000).UTC(), true},
		{"1732400000", time.Unix(1732400000, 0).UTC(), true},
		{"1732400000.5", time.Unix(1732400000, 500_000_000).UTC(), true},
		{"1732400000.1234567", time.Unix(1732400000, 123_456_000).UTC(), true}, // microseconds, as Slack writes them
		{"0.000001", time.Unix(0, 1000).UTC(), true},
		{"", time.Time{}, false},
		{"abc.def", time.Time{}, false},
		{"1732400000.abc", time.Time{}, false},
		{"-5.0", time.Time{}, false},
		{".5", time.Time{}, false},
	}
	for _, tc := range tests {
		got, ok := store.TSTime(tc.ts)
		if ok != tc.ok || !got.Equal(tc.want) || (ok && got.Location() != time.UTC) {
			t.Errorf("TSTime(%q) = %v, %v; want %v, %v", tc.ts, got, ok, tc.want, tc.ok)
		}
	}
}

func TestEventCheck(t *testing.T) {
	lead, ref := &store.Lead{}, &store.LeadRef{}
	for _, tc := range []struct {
		ev store.Event
		ok bool
	}{
		{store.Event{Lead: lead}, true},
		{store.Event{Edit: &store.LeadEdit{}}, true},
		{store.Event{Delete: ref}, true},
		{store.Event{React: &store.Reaction{}}, true},
		{store.Event{ID: "x"}, false},
		{store.Event{Lead: lead, Delete: ref}, false},
		{store.Event{Lead: lead, Edit: &store.LeadEdit{}, Delete: ref, React: &store.Reaction{}}, false},
	} {
		if err := tc.ev.Check(); (err == nil) != tc.ok {
			t.Errorf("Check(%+v) = %v, want ok %v", tc.ev, err, tc.ok)
		}
	}
}

func TestLeadStatsFigures(t *testing.T) {
	var none store.LeadStats
	if _, ok := none.MedianFirstFeedback(); ok {
		t.Error("MedianFirstFeedback of no feedback: ok")
	}
	if _, ok := none.GoodShare(); ok {
		t.Error("GoodShare of no ratings: ok")
	}
	if _, ok := none.SLAShare(); ok {
		t.Error("SLAShare with nothing due: ok")
	}
	s := store.LeadStats{Posted: 5, Rated: 3, Ratings: 8, Good: 3, HotVote: 1, Poor: 4, SLADue: 4, WithinSLA: 3,
		FirstFeedback: []time.Duration{time.Minute, 3 * time.Minute, 10 * time.Minute}}
	if s.Waiting() != 2 {
		t.Errorf("Waiting = %d, want 2", s.Waiting())
	}
	if m, ok := s.MedianFirstFeedback(); !ok || m != 3*time.Minute {
		t.Errorf("median of 3 = %v, %v", m, ok)
	}
	s.FirstFeedback = append(s.FirstFeedback, 20*time.Minute)
	if m, _ := s.MedianFirstFeedback(); m != 6*time.Minute+30*time.Second {
		t.Errorf("median of 4 = %v, want the mean of the middle two", m)
	}
	if g, ok := s.GoodShare(); !ok || g != 0.5 {
		t.Errorf("GoodShare = %v, %v; want 0.5 (good and hot count)", g, ok)
	}
	if v, ok := s.SLAShare(); !ok || v != 0.75 {
		t.Errorf("SLAShare = %v, %v; want 0.75", v, ok)
	}
}

func TestLeadRecordCheck(t *testing.T) {
	ok := store.LeadRecord{Channel: "CL", TS: "1732400000.000100", Feedback: []store.FeedbackRecord{{User: "U1", Rating: store.Good}, {User: "U2", Rating: store.Hot}}}
	if err := ok.Check(); err != nil {
		t.Fatalf("Check(good record) = %v", err)
	}
	for name, edit := range map[string]func(r *store.LeadRecord){
		"no channel":    func(r *store.LeadRecord) { r.Channel = "" },
		"no ts":         func(r *store.LeadRecord) { r.TS = "" },
		"bad ts":        func(r *store.LeadRecord) { r.TS = "yesterday" },
		"bad rating":    func(r *store.LeadRecord) { r.Feedback[0].Rating = "meh" },
		"no user":       func(r *store.LeadRecord) { r.Feedback[0].User = "" },
		"user twice":    func(r *store.LeadRecord) { r.Feedback[1].User = "U1" },
		"empty rating":  func(r *store.LeadRecord) { r.Feedback[1].Rating = "" },
		"capital POOR ": func(r *store.LeadRecord) { r.Feedback[1].Rating = "POOR" },
	} {
		r := ok
		r.Feedback = append([]store.FeedbackRecord(nil), ok.Feedback...)
		edit(&r)
		var re *store.RecordError
		if err := r.Check(); !errors.As(err, &re) {
			t.Errorf("Check(%s) = %v, want a *RecordError", name, err)
		}
	}
}

func TestSameLead(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	stored := store.LeadRecord{Channel: "CL", TS: "1.0", Text: "t", PostedBy: "U", PostedAt: at,
		Feedback: []store.FeedbackRecord{{User: "UB", Rating: store.Good, At: at}, {User: "UA", Rating: store.Poor, Reason: "r", At: at.Add(time.Minute)}}}
	// The stored lead has its feedback by time, then user; a record may
	// have it in any order, and times in any zone.
	rec := stored
	rec.PostedAt = at.In(time.FixedZone("X", 3600))
	rec.Feedback = []store.FeedbackRecord{stored.Feedback[1], stored.Feedback[0]}
	if !store.SameLead(stored, rec) {
		t.Fatal("SameLead of the same lead, feedback reordered = false")
	}
	if rec.Feedback[0].User != "UA" {
		t.Fatal("SameLead reordered the record's feedback")
	}
	for name, edit := range map[string]func(r *store.LeadRecord){
		"text":     func(r *store.LeadRecord) { r.Text = "u" },
		"author":   func(r *store.LeadRecord) { r.PostedBy = "V" },
		"posted":   func(r *store.LeadRecord) { r.PostedAt = at.Add(time.Second) },
		"deleted":  func(r *store.LeadRecord) { r.Deleted = true },
		"one less": func(r *store.LeadRecord) { r.Feedback = r.Feedback[:1] },
		"rating":   func(r *store.LeadRecord) { r.Feedback[0].Rating = store.Hot },
		"reason":   func(r *store.LeadRecord) { r.Feedback[1].Reason = "" },
		"time":     func(r *store.LeadRecord) { r.Feedback[0].At = at.Add(time.Hour) },
		"user":     func(r *store.LeadRecord) { r.Feedback[0].User = "UC" },
	} {
		r := stored
		r.Feedback = append([]store.FeedbackRecord(nil), stored.Feedback...)
		edit(&r)
		if store.SameLead(stored, r) {
			t.Errorf("SameLead with another %s = true", name)
		}
	}
}
