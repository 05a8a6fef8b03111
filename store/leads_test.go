package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"smarketing/store"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) // a Monday

func tsAt(t time.Time, n int) string { return fmt.Sprintf("%d.%06d", t.Unix(), n) }

func mustLead(tb testing.TB, db *store.DB, channel, ts, text string) {
	tb.Helper()
	posted, ok := store.TSTime(ts)
	if !ok {
		tb.Fatalf("bad ts %q", ts)
	}
	if _, err := db.RecordLead(context.Background(), "", store.Lead{Channel: channel, TS: ts, Text: text, PostedBy: "UMKT", PostedAt: posted}); err != nil {
		tb.Fatal(err)
	}
}

func mustReact(tb testing.TB, db *store.DB, eventID string, r store.Reaction) store.ReactResult {
	tb.Helper()
	res, err := db.React(context.Background(), eventID, r)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

func TestTSTime(t *testing.T) {
	tests := []struct {
		ts   string
		want time.Time
		ok   bool
	}{
		{"1732400000.000100", time.Unix(1732400000, 100_000).UTC(), true},
		{"1732400000", time.Unix(1732400000, 0).UTC(), true},
		{"1732400000.5", time.Unix(1732400000, 500_000_000).UTC(), true},
		{"", time.Time{}, false},
		{"abc.def", time.Time{}, false},
		{"-5.0", time.Time{}, false},
	}
	for _, tc := range tests {
		got, ok := store.TSTime(tc.ts)
		if ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("TSTime(%q) = %v, %v; want %v, %v", tc.ts, got, ok, tc.want, tc.ok)
		}
	}
}

func TestReactLatestWinsAndFallback(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	lead := tsAt(t0, 1)
	mustLead(t, db, "CL", lead, "lead")
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	steps := []struct {
		event  string
		r      store.Reaction
		rating store.Rating
		ask    bool
	}{
		{"e1", store.Reaction{Emoji: "+1", Rating: store.Good, Added: true, At: at(1)}, store.Good, false},
		{"e2", store.Reaction{Emoji: "-1", Rating: store.Poor, Added: true, At: at(2)}, store.Poor, true},
		{"e3", store.Reaction{Emoji: "x", Rating: store.Poor, Added: true, At: at(3)}, store.Poor, false}, // still poor: no second question
		{"e4", store.Reaction{Emoji: "x", Rating: store.Poor, Added: false, At: at(4)}, store.Poor, false},
		{"e5", store.Reaction{Emoji: "-1", Rating: store.Poor, Added: false, At: at(5)}, store.Good, false}, // falls back to +1
		// An old event delivered late does not override a newer rating.
		{"e6", store.Reaction{Emoji: "fire", Rating: store.Hot, Added: true, At: at(0)}, store.Good, false},
		{"e7", store.Reaction{Emoji: "+1", Rating: store.Good, Added: false, At: at(7)}, store.Hot, false}, // fire is still on it
		{"e8", store.Reaction{Emoji: "fire", Rating: store.Hot, Added: false, At: at(8)}, "", false},
		{"e8", store.Reaction{Emoji: "fire", Rating: store.Hot, Added: true, At: at(9)}, "", false}, // duplicate id: ignored
	}
	for i, s := range steps {
		s.r.Channel, s.r.TS, s.r.User = "CL", lead, "UANA"
		res := mustReact(t, db, s.event, s.r)
		if res.Rating != s.rating || res.AskReason != s.ask {
			t.Fatalf("step %d (%s %v %s): rating %q ask %v, want %q ask %v", i, s.event, s.r.Added, s.r.Emoji, res.Rating, res.AskReason, s.rating, s.ask)
		}
		if i == len(steps)-1 && res.Applied {
			t.Fatalf("duplicate event applied")
		}
	}
	stats, err := db.LeadStats(ctx, t0.Add(-time.Hour), t0.Add(time.Hour), time.Hour, t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if stats.Posted != 1 || stats.Rated != 0 || stats.Ratings != 0 {
		t.Fatalf("stats = %+v, want 1 posted, none rated now", stats)
	}
	// The first feedback happened, even though it was withdrawn later.
	if len(stats.FirstFeedback) != 1 || stats.FirstFeedback[0] != 0 {
		t.Fatalf("FirstFeedback = %v, want [0s] (the late fire event at t0)", stats.FirstFeedback)
	}
}

func TestReasonKeptOnlyWhilePoor(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	lead := tsAt(t0, 1)
	mustLead(t, db, "CL", lead, "lead")
	res := mustReact(t, db, "p1", store.Reaction{Channel: "CL", TS: lead, User: "UANA", Emoji: "-1", Rating: store.Poor, Added: true, At: t0})
	if err := db.SetReason(ctx, res.LeadID, "UANA", "no_budget"); err != nil {
		t.Fatal(err)
	}
	if err := db.SetReason(ctx, res.LeadID, "UBEN", "no_budget"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("SetReason for a user without a poor rating: %v, want ErrNotFound", err)
	}
	mustReact(t, db, "p2", store.Reaction{Channel: "CL", TS: lead, User: "UANA", Emoji: "+1", Rating: store.Good, Added: true, At: t0.Add(time.Minute)})
	if err := db.SetReason(ctx, res.LeadID, "UANA", "duplicate"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("SetReason on a good rating: %v, want ErrNotFound", err)
	}
}

// TestLeadStatsHandComputed checks every figure against values worked out
// by hand for a small week.
func TestLeadStatsHandComputed(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	sla := 4 * time.Hour
	now := t0.Add(3 * 24 * time.Hour)
	// Five leads this week, one last week, one deleted, one unverified.
	l1, l2, l3, l4, l5 := tsAt(t0, 1), tsAt(t0.Add(time.Hour), 2), tsAt(t0.Add(2*time.Hour), 3), tsAt(t0.Add(3*time.Hour), 4), tsAt(now.Add(-time.Hour), 5)
	old, gone := tsAt(t0.Add(-48*time.Hour), 6), tsAt(t0.Add(5*time.Hour), 7)
	for _, ts := range []string{l1, l2, l3, l4, l5, old, gone} {
		mustLead(t, db, "CL", ts, "lead "+ts)
	}
	if _, err := db.DeleteLead(ctx, "", "CL", gone); err != nil {
		t.Fatal(err)
	}
	react := func(id, ts, user, emoji string, r store.Rating, after time.Duration) store.ReactResult {
		posted, _ := store.TSTime(ts)
		return mustReact(t, db, id, store.Reaction{Channel: "CL", TS: ts, User: user, Emoji: emoji, Rating: r, Added: true, At: posted.Add(after)})
	}
	// l1: good at +1h (within SLA) and hot by a second rater.
	react("a", l1, "UANA", "+1", store.Good, time.Hour)
	react("b", l1, "UBEN", "fire", store.Hot, 2*time.Hour)
	// l2: poor at +6h (late), reason no_budget.
	r2 := react("c", l2, "UANA", "-1", store.Poor, 6*time.Hour)
	if err := db.SetReason(ctx, r2.LeadID, "UANA", "no_budget"); err != nil {
		t.Fatal(err)
	}
	// l3: poor at +2h by two raters, one with a reason, one without.
	r3 := react("d", l3, "UANA", "-1", store.Poor, 2*time.Hour)
	react("e", l3, "UBEN", "-1", store.Poor, 3*time.Hour)
	if err := db.SetReason(ctx, r3.LeadID, "UANA", "no_budget"); err != nil {
		t.Fatal(err)
	}
	// l4: never rated, SLA long gone. l5: not rated, SLA not yet due.
	// The deleted and the unverified lead count nowhere.
	react("f", gone, "UANA", "+1", store.Good, time.Minute)
	react("g", tsAt(t0.Add(30*time.Minute), 8), "UANA", "+1", store.Good, time.Minute)

	s, err := db.LeadStats(ctx, t0, now, sla, now)
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, got, want any) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("Posted", s.Posted, 5)
	check("Rated", s.Rated, 3)
	check("Waiting", s.Waiting(), 2)
	check("Hot", s.Hot, 1)
	check("Ratings", s.Ratings, 5)
	check("Good", s.Good, 1)
	check("Poor", s.Poor, 3)
	check("HotVote", s.HotVote, 1)
	good, _ := s.GoodShare()
	check("GoodShare", good, 0.4) // (1 good + 1 hot) / 5
	check("Reasons", s.Reasons, []store.ReasonCount{{Reason: "no_budget", Count: 2}, {Reason: "", Count: 1}})
	check("FirstFeedback", s.FirstFeedback, []time.Duration{time.Hour, 2 * time.Hour, 6 * time.Hour})
	med, _ := s.MedianFirstFeedback()
	check("Median", med, 2*time.Hour)
	// Due: l1, l2, l3 (rated) and l4 (SLA passed) = 4; within SLA: l1, l3.
	check("SLADue", s.SLADue, 4)
	check("WithinSLA", s.WithinSLA, 2)
	share, _ := s.SLAShare()
	check("SLAShare", share, 0.5)

	waiting, err := db.WaitingLeads(ctx, t0, now, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range waiting {
		got = append(got, l.TS)
	}
	check("WaitingLeads", got, []string{l4, l5})
}

func TestSLARemindersClaimedOnce(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	sla := time.Hour
	mustLead(t, db, "CL", tsAt(t0, 1), "due")
	mustLead(t, db, "CL", tsAt(t0.Add(90*time.Minute), 2), "not due yet")
	mustLead(t, db, "CL", tsAt(t0.Add(-30*24*time.Hour), 3), "too old to nag about")
	rated := tsAt(t0.Add(-time.Minute), 4)
	mustLead(t, db, "CL", rated, "rated")
	mustReact(t, db, "r", store.Reaction{Channel: "CL", TS: rated, User: "UANA", Emoji: "+1", Rating: store.Good, Added: true, At: t0})

	now := t0.Add(2 * time.Hour)
	due, err := db.DueReminders(ctx, now, sla, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 1 || due[0].Text != "due" {
		t.Fatalf("DueReminders = %+v, want just the due lead", due)
	}
	// Many runs race for the same reminder: exactly one wins.
	var wins sync.WaitGroup
	results := make(chan bool, 8)
	for range 8 {
		wins.Add(1)
		go func() {
			defer wins.Done()
			ok, err := db.ClaimReminder(ctx, due[0].ID)
			if err != nil {
				t.Error(err)
			}
			results <- ok
		}()
	}
	wins.Wait()
	close(results)
	var won []bool
	for ok := range results {
		won = append(won, ok)
	}
	if n := len(slices.DeleteFunc(won, func(b bool) bool { return !b })); n != 1 {
		t.Fatalf("%d claims won, want 1", n)
	}
	// A failed post releases the claim; a sent one is never due again.
	if err := db.FinishReminder(ctx, due[0].ID, false); err != nil {
		t.Fatal(err)
	}
	if again, _ := db.DueReminders(ctx, now, sla, 10); len(again) != 1 {
		t.Fatalf("after a failed post, due = %d, want 1", len(again))
	}
	if ok, _ := db.ClaimReminder(ctx, due[0].ID); !ok {
		t.Fatal("claim after release failed")
	}
	if err := db.FinishReminder(ctx, due[0].ID, true); err != nil {
		t.Fatal(err)
	}
	if again, _ := db.DueReminders(ctx, now, sla, 10); len(again) != 0 {
		t.Fatalf("after sending, due = %+v, want none", again)
	}
}

func TestConcurrentReactionsLoseNothing(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	lead := tsAt(t0, 1)
	mustLead(t, db, "CL", lead, "lead")
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := store.Reaction{Channel: "CL", TS: lead, User: fmt.Sprintf("U%02d", i), Emoji: "+1", Rating: store.Good, Added: true, At: t0.Add(time.Minute)}
			// Each event twice, concurrently: the duplicate must not count.
			for range 2 {
				if _, err := db.React(ctx, fmt.Sprintf("ev-%d", i), r); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	s, err := db.LeadStats(ctx, t0.Add(-time.Hour), t0.Add(time.Hour), time.Hour, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if s.Ratings != 20 || s.Good != 20 {
		t.Fatalf("ratings = %d (good %d), want 20", s.Ratings, s.Good)
	}
}

func TestLeadsExportImportRoundTrip(t *testing.T) {
	src := MustOpenDB(t)
	ctx := context.Background()
	l1, l2, l3 := tsAt(t0, 1), tsAt(t0.Add(time.Hour), 2), tsAt(t0.Add(2*time.Hour), 3)
	for _, ts := range []string{l1, l2, l3} {
		mustLead(t, src, "CL", ts, "lead <!here> "+ts)
	}
	if _, err := src.DeleteLead(ctx, "", "CL", l3); err != nil {
		t.Fatal(err)
	}
	r := mustReact(t, src, "a", store.Reaction{Channel: "CL", TS: l1, User: "UANA", Emoji: "-1", Rating: store.Poor, Added: true, At: t0.Add(time.Minute)})
	if err := src.SetReason(ctx, r.LeadID, "UANA", "other: a student"); err != nil {
		t.Fatal(err)
	}
	mustReact(t, src, "b", store.Reaction{Channel: "CL", TS: l1, User: "UBEN", Emoji: "fire", Rating: store.Hot, Added: true, At: t0.Add(2 * time.Minute)})
	mustReact(t, src, "c", store.Reaction{Channel: "CL", TS: "999.000001", User: "UBEN", Emoji: "fire", Rating: store.Hot, Added: true, At: t0}) // unverified: not exported

	first, err := src.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Leads) != 3 || len(first.Leads[0].Feedback) != 2 || first.Leads[0].Feedback[0].Reason != "other: a student" || !first.Leads[2].Deleted {
		t.Fatalf("exported leads = %+v", first.Leads)
	}
	dst := MustOpenDB(t)
	rep, err := dst.Import(ctx, first, store.ImportOptions{})
	if err != nil || rep.Created != 3 {
		t.Fatalf("import: %+v, %v; want 3 created", rep, err)
	}
	second, err := dst.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%+v", second.Leads) != fmt.Sprintf("%+v", first.Leads) {
		t.Fatalf("round trip changed leads:\n%+v\n%+v", first.Leads, second.Leads)
	}
	again, err := dst.Import(ctx, first, store.ImportOptions{})
	if err != nil || again.Unchanged != 3 {
		t.Fatalf("second import: %+v, %v; want 3 unchanged", again, err)
	}
	stats, err := dst.LeadStats(ctx, t0.Add(-time.Hour), t0.Add(time.Hour*5), time.Hour, t0.Add(time.Hour*5))
	if err != nil || stats.Posted != 2 || stats.Rated != 1 || stats.Hot != 1 {
		t.Fatalf("stats after import = %+v, %v", stats, err)
	}
	bad := store.Dataset{Version: 1, Leads: []store.LeadRecord{{Channel: "CL", TS: "x"}, {Channel: "CL", TS: tsAt(t0, 9), Feedback: []store.FeedbackRecord{{User: "U1", Rating: "meh"}}}}}
	rep, err = dst.Import(ctx, bad, store.ImportOptions{})
	if err != nil || len(rep.Rejected) != 2 {
		t.Fatalf("bad leads: %+v, %v; want 2 rejected", rep, err)
	}
}

// BenchmarkReact records rating reactions one at a time (accepted, then
// applied; a batch of one each, the costliest case) on 1,000 leads that
// are rated already, so most change a rating.
func BenchmarkReact(b *testing.B) {
	db := MustOpenDB(b)
	ctx := context.Background()
	var leads []string
	for i := range 1000 {
		ts := tsAt(t0, i)
		mustLead(b, db, "CL", ts, "A lead")
		mustReact(b, db, fmt.Sprintf("EvSeed%d", i), store.Reaction{Channel: "CL", TS: ts, User: "USEED", Emoji: "+1", Rating: store.Good, Added: true, At: t0})
		leads = append(leads, ts)
	}
	emoji := []string{"+1", "-1", "fire"}
	ratings := []store.Rating{store.Good, store.Poor, store.Hot}
	i := 0
	for b.Loop() {
		r := store.Reaction{Channel: "CL", TS: leads[i%len(leads)], User: fmt.Sprintf("U%03d", i%300), Emoji: emoji[i%3], Rating: ratings[i%3],
			Added: true, At: t0.Add(time.Duration(i) * time.Second)}
		if _, err := db.React(ctx, fmt.Sprintf("EvB%d", i), r); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
