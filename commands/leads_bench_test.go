package commands

import (
	"context"
	"fmt"
	"testing"
	"time"

	"smarketing/store"
	"smarketing/store/storetest"
)

// benchLeads builds a database of n leads spread over the year before now,
// each rated by up to ratersPerLead people, in one import.
func benchLeads(tb testing.TB, n, ratersPerLead int, now time.Time) *storetest.DB {
	tb.Helper()
	ctx := context.Background()
	db := storetest.Open(tb, time.Time{})
	ratings := []store.Rating{store.Good, store.Good, store.Poor, store.Hot}
	reasons := []string{"", "no_budget", "wrong_persona", "not_ready"}
	ds := store.Dataset{Version: 1, Leads: make([]store.LeadRecord, n)}
	span := 365 * 24 * time.Hour
	for i := range ds.Leads {
		posted := now.Add(-span + span/time.Duration(n)*time.Duration(i)).Truncate(time.Microsecond)
		l := store.LeadRecord{Channel: "CLEADS", TS: fmt.Sprintf("%d.%06d", posted.Unix(), posted.Nanosecond()/1000),
			Text: fmt.Sprintf("Lead %d from a web form", i), PostedBy: "BFORMS", PostedAt: posted, Feedback: []store.FeedbackRecord{},
			Source: benchSources[i%len(benchSources)], Campaign: fmt.Sprintf("campaign-%d", i%17)}
		for r := 0; r < (i % (ratersPerLead + 1)); r++ {
			rating := ratings[(i+r)%len(ratings)]
			f := store.FeedbackRecord{User: fmt.Sprintf("U%03d", r), Rating: rating, At: posted.Add(time.Duration(1+i%50) * time.Hour)}
			if rating == store.Poor {
				f.Reason = reasons[i%len(reasons)]
			}
			l.Feedback = append(l.Feedback, f)
		}
		ds.Leads[i] = l
	}
	if _, err := db.Import(ctx, ds, store.ImportOptions{}); err != nil {
		tb.Fatal(err)
	}
	return db
}

// benchSources are the sources of the benchmark's leads.
var benchSources = []string{"webinar", "linkedin", "google", "HubSpot", "Zapier", "trade show", "referral", "manual", "newsletter", "partner", "g2", "content"}

// BenchmarkLeadsBySource30d answers `/leads by source 30d` over 100,000
// leads spread over a year (about 8,200 in the window) and about 150,000
// ratings, in 12 sources. Target (issue 13): under 50 ms on SQLite.
func BenchmarkLeadsBySource30d(b *testing.B) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	db := benchLeads(b, 100_000, 3, now)
	h := New(db, Options{LeadsChannels: []string{"CLEADS"}, SLA: 24 * time.Hour, Now: func() time.Time { return now }})
	ctx := context.Background()
	for b.Loop() {
		resp, err := h.Slash(ctx, Request{Command: "/leads", Text: "by source 30d", UserID: "UHEAD"})
		if err != nil || len(resp.Blocks) < 12 {
			b.Fatalf("/leads by source 30d: %d blocks, %v", len(resp.Blocks), err)
		}
	}
}

// BenchmarkLeadsWeek answers `/leads` (this week) over 100,000 leads and
// about 150,000 ratings. Target: well under 50 ms.
func BenchmarkLeadsWeek(b *testing.B) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	db := benchLeads(b, 100_000, 3, now)
	h := New(db, Options{LeadsChannels: []string{"CLEADS"}, SLA: 24 * time.Hour, Now: func() time.Time { return now }})
	ctx := context.Background()
	for b.Loop() {
		resp, err := h.Slash(ctx, Request{Command: "/leads", UserID: "UHEAD"})
		if err != nil || len(resp.Blocks) == 0 {
			b.Fatalf("/leads: %v", err)
		}
	}
}

// BenchmarkLeads30d answers `/leads 30d` over the same data.
func BenchmarkLeads30d(b *testing.B) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	db := benchLeads(b, 100_000, 3, now)
	h := New(db, Options{LeadsChannels: []string{"CLEADS"}, SLA: 24 * time.Hour, Now: func() time.Time { return now }})
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Slash(ctx, Request{Command: "/leads", Text: "30d", UserID: "UHEAD"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecordReaction applies one rating reaction (the work done before
// the ack) on a database of 100,000 leads; run with -benchtime=100000x to
// record 100,000 reactions.
func BenchmarkRecordReaction(b *testing.B) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	db := benchLeads(b, 100_000, 3, now)
	h := New(db, Options{LeadsChannels: []string{"CLEADS"}, Reactions: map[string]string{"+1": "good", "-1": "poor", "fire": "hot"}, Now: func() time.Time { return now }})
	ctx := context.Background()
	emoji := []string{"+1", "-1", "fire"}
	span := 365 * 24 * time.Hour
	i := 0
	for b.Loop() {
		posted := now.Add(-span + span/100_000*time.Duration(i%100_000)).Truncate(time.Microsecond)
		_, err := h.Event(ctx, ReactionEvent{
			EventID: fmt.Sprintf("Ev%d", i), Channel: "CLEADS", TS: fmt.Sprintf("%d.%06d", posted.Unix(), posted.Nanosecond()/1000),
			User: fmt.Sprintf("UB%04d", i%5000), Emoji: emoji[i%3], Added: true, At: now,
		})
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkRecap builds the weekly recap (figures for this week and the
// seven before, the chart, the glossary changes) over 100,000 leads and
// about 1,000,000 ratings. Target: under 200 ms.
func BenchmarkRecap(b *testing.B) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	db := benchLeads(b, 100_000, 20, now)
	h := New(db, Options{LeadsChannels: []string{"CLEADS"}, SLA: 24 * time.Hour, Now: func() time.Time { return now }})
	ctx := context.Background()
	for b.Loop() {
		r, err := h.Recap(ctx, now)
		if err != nil || r.Chart == nil {
			b.Fatalf("recap: %v (chart error %v)", err, r.ChartErr)
		}
	}
}
