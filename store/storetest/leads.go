package storetest

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"smarketing/store"
)

var leadTests = []subtest{
	{"PostedAtFromTS", testLeadPostedAt},
	{"LeadEvents", testLeadEvents},
	{"RefusesMalformedEvents", testRecordRefusesMalformed},
	{"LatestWinsAndFallback", testReactLatestWinsAndFallback},
	{"FallbackOrder", testReactFallbackOrder},
	{"ReasonKeptOnlyWhilePoor", testReasonKeptOnlyWhilePoor},
	{"StatsHandComputed", testLeadStatsHandComputed},
	{"RedeliveredCountedOnce", testRedeliveredCountedOnce},
	{"ConcurrentReactionsLoseNothing", testConcurrentReactionsLoseNothing},
	{"PoisonEventSkipped", testPoisonEventSkipped},
	{"SeenEventsPruned", testSeenEventsPruned},
	{"VerifyLead", testVerifyLead},
	{"VerifyNotALead", testVerifyNotALead},
	{"WaitingLeads", testWaitingLeads},
	{"DueNudges", testDueNudges},
	{"DueNudgesHonourClaims", testDueNudgesHonourClaims},
	{"NextNudgeDue", testNextNudgeDue},
}

// reminderKey is the claim key of the SLA reminder of a lead.
func reminderKey(leadID int64) string { return store.SLA{}.Reminder().Key(leadID) }

// tsAt is the Slack timestamp of the n-th message at t.
func tsAt(t time.Time, n int) string { return fmt.Sprintf("%d.%06d", t.Unix(), n) }

func (db *tdb) mustRecord(tb testing.TB, ev store.Event) store.EventResult {
	tb.Helper()
	res, err := db.Record(ctx, ev)
	if err != nil {
		tb.Fatalf("Record(%+v): %v", ev, err)
	}
	return res
}

// mustLead records a lead posted at its ts by UMKT.
func (db *tdb) mustLead(tb testing.TB, channel, ts, text string) {
	tb.Helper()
	posted, ok := store.TSTime(ts)
	if !ok {
		tb.Fatalf("bad ts %q", ts)
	}
	db.mustRecord(tb, store.Event{Lead: &store.Lead{Channel: channel, TS: ts, Text: text, PostedBy: "UMKT", PostedAt: posted}})
}

func (db *tdb) mustReact(tb testing.TB, eventID string, r store.Reaction) store.ReactResult {
	tb.Helper()
	return db.mustRecord(tb, store.Event{ID: eventID, React: &r}).React
}

func (db *tdb) mustDelete(tb testing.TB, channel, ts string) {
	tb.Helper()
	db.mustRecord(tb, store.Event{Delete: &store.LeadRef{Channel: channel, TS: ts}})
}

// mustStats is LeadStats with sla on the wall clock.
func (db *tdb) mustStats(tb testing.TB, from, to time.Time, sla time.Duration, now time.Time) store.LeadStats {
	tb.Helper()
	return db.mustStatsOn(tb, from, to, store.SLA{Within: sla}, now)
}

func (db *tdb) mustStatsOn(tb testing.TB, from, to time.Time, sla store.SLA, now time.Time) store.LeadStats {
	tb.Helper()
	s, err := db.LeadStats(ctx, from, to, sla, now)
	if err != nil {
		tb.Fatalf("LeadStats: %v", err)
	}
	return s
}

// leadOf returns the lead at channel/ts through WaitingLeads (it must be
// unrated and not deleted).
func (db *tdb) leadOf(tb testing.TB, channel, ts string) store.Lead {
	tb.Helper()
	posted, _ := store.TSTime(ts)
	ls, err := db.WaitingLeads(ctx, posted, posted.Add(time.Microsecond), 100)
	if err != nil {
		tb.Fatalf("WaitingLeads: %v", err)
	}
	for _, l := range ls {
		if l.Channel == channel && l.TS == ts {
			return l
		}
	}
	tb.Fatalf("no waiting lead %s/%s among %+v", channel, ts, ls)
	return store.Lead{}
}

func leadTSs(ls []store.Lead) []string {
	out := []string{}
	for _, l := range ls {
		out = append(out, l.TS)
	}
	return out
}

// A lead is posted at the time its Slack timestamp says, to the microsecond.
func testLeadPostedAt(t *testing.T, s *suite) {
	db := s.open(t)
	ts := "1764000000.123456"
	db.mustLead(t, "CL", ts, "lead")
	l := db.leadOf(t, "CL", ts)
	if want := time.Unix(1764000000, 123456000).UTC(); !l.PostedAt.Equal(want) || l.PostedAt.Location() != time.UTC {
		t.Fatalf("PostedAt = %v, want %v UTC", l.PostedAt, want)
	}
}

func testLeadEvents(t *testing.T, s *suite) {
	db := s.open(t)
	ts := tsAt(Start, 1)
	posted, _ := store.TSTime(ts)
	res := db.mustRecord(t, store.Event{ID: "EvLead", Lead: &store.Lead{Channel: "CL", TS: ts, Text: "Acme wants a demo", PostedBy: "UMKT", PostedAt: posted}})
	if !res.Applied || res.Skipped {
		t.Fatalf("Record(lead) = %+v, want applied", res)
	}
	l := db.leadOf(t, "CL", ts)
	want := store.Lead{ID: l.ID, Channel: "CL", TS: ts, Text: "Acme wants a demo", PostedBy: "UMKT", PostedAt: posted}
	if l.ID == 0 || !sameLead(l, want) {
		t.Fatalf("lead = %+v, want %+v", l, want)
	}
	if got, err := db.LeadByID(ctx, l.ID); err != nil || !sameLead(got, want) {
		t.Fatalf("LeadByID = %+v, %v; want %+v", got, err, want)
	}
	if _, err := db.LeadByID(ctx, l.ID+100); !isNotFound(err) {
		t.Fatalf("LeadByID(unknown) err = %v, want ErrNotFound", err)
	}

	// An edit changes the text; an edit of an unknown message records nothing.
	db.mustRecord(t, store.Event{ID: "EvEdit", Edit: &store.LeadEdit{Channel: "CL", TS: ts, Text: "Acme wants two demos"}})
	if got, _ := db.LeadByID(ctx, l.ID); got.Text != "Acme wants two demos" {
		t.Fatalf("text after an edit = %q", got.Text)
	}
	db.mustRecord(t, store.Event{Edit: &store.LeadEdit{Channel: "CL", TS: tsAt(Start, 2), Text: "never posted"}})
	db.mustRecord(t, store.Event{Delete: &store.LeadRef{Channel: "CL", TS: tsAt(Start, 3)}})
	week := func() store.LeadStats {
		return db.mustStats(t, Start.Add(-time.Hour), Start.Add(time.Hour), time.Hour, Start)
	}
	if st := week(); st.Posted != 1 {
		t.Fatalf("Posted = %d after edits and deletes of unknown messages, want 1", st.Posted)
	}
	if un, err := db.UnverifiedLeads(ctx); err != nil || len(un) != 0 {
		t.Fatalf("UnverifiedLeads = %+v, %v; want none", un, err)
	}

	// A redelivered event changes nothing, even one whose change differs.
	if res := db.mustRecord(t, store.Event{ID: "EvEdit", Edit: &store.LeadEdit{Channel: "CL", TS: ts, Text: "redelivered"}}); res.Applied {
		t.Fatalf("redelivered edit applied: %+v", res)
	}
	if got, _ := db.LeadByID(ctx, l.ID); got.Text != "Acme wants two demos" {
		t.Fatalf("text after a redelivered edit = %q", got.Text)
	}

	// A delete marks the lead deleted: it no longer counts.
	db.mustRecord(t, store.Event{ID: "EvDel", Delete: &store.LeadRef{Channel: "CL", TS: ts}})
	got, err := db.LeadByID(ctx, l.ID)
	if err != nil || !got.Deleted {
		t.Fatalf("LeadByID after delete = %+v, %v; want it, deleted", got, err)
	}
	if st := week(); st.Posted != 0 {
		t.Fatalf("Posted = %d after the delete, want 0", st.Posted)
	}
	if w, _ := db.WaitingLeads(ctx, Start.Add(-time.Hour), Start.Add(time.Hour), 10); len(w) != 0 {
		t.Fatalf("WaitingLeads after the delete = %+v, want none", w)
	}
}

func sameLead(a, b store.Lead) bool {
	return a.ID == b.ID && a.Channel == b.Channel && a.TS == b.TS && a.Text == b.Text && a.PostedBy == b.PostedBy &&
		a.PostedAt.Equal(b.PostedAt) && a.Deleted == b.Deleted
}

func testRecordRefusesMalformed(t *testing.T, s *suite) {
	db := s.open(t)
	ts := tsAt(Start, 1)
	for _, ev := range []store.Event{
		{ID: "none"},
		{ID: "two", Lead: &store.Lead{Channel: "CL", TS: ts}, Delete: &store.LeadRef{Channel: "CL", TS: ts}},
	} {
		if res, err := db.Record(ctx, ev); err == nil || res.Applied {
			t.Errorf("Record(%+v) = %+v, %v; want an error", ev, res, err)
		}
	}
	if st := db.mustStats(t, Start.Add(-time.Hour), Start.Add(time.Hour), time.Hour, Start); st.Posted != 0 {
		t.Fatalf("a malformed event recorded a lead: %+v", st)
	}
	// The id of a refused event is not spent.
	if res := db.mustRecord(t, store.Event{ID: "two", Lead: &store.Lead{Channel: "CL", TS: ts, PostedAt: Start}}); !res.Applied {
		t.Fatalf("a good event under the id of a refused one: %+v, want applied", res)
	}
}

// When the reaction behind a rating goes, the rating falls back to the
// latest reaction left, by the later of the times it was added at (an old
// event delivered late does not make it older), and among equal times to
// the first emoji by name.
func testReactFallbackOrder(t *testing.T, s *suite) {
	db := s.open(t)
	lead := tsAt(Start, 1)
	db.mustLead(t, "CL", lead, "lead")
	at := func(m int) time.Time { return Start.Add(time.Duration(m) * time.Minute) }
	n := 0
	react := func(emoji string, r store.Rating, added bool, m int) store.Rating {
		n++
		res := db.mustRecord(t, store.Event{ID: fmt.Sprint("fb", n), React: &store.Reaction{Channel: "CL", TS: lead,
			User: "UANA", Emoji: emoji, Rating: r, Added: added, At: at(m)}})
		return res.React.Rating
	}
	react("+1", store.Good, true, 5)
	react("fire", store.Hot, true, 6)
	react("+1", store.Good, true, 3) // late: +1 still counts from minute 5
	react("-1", store.Poor, true, 4) // older than fire: hot stays
	if got := react("fire", store.Hot, false, 7); got != store.Good {
		t.Fatalf("after fire is removed the rating is %q, want good (+1, minute 5, beats -1, minute 4)", got)
	}
	react("thumbsdown", store.Poor, true, 5) // the same minute as +1
	react("heart", store.Good, true, 8)
	if got := react("heart", store.Good, false, 9); got != store.Good {
		t.Fatalf("with +1 and thumbsdown both from minute 5 the rating is %q, want good (+1 sorts first)", got)
	}
}

func testReactLatestWinsAndFallback(t *testing.T, s *suite) {
	db := s.open(t)
	lead := tsAt(Start, 1)
	db.mustLead(t, "CL", lead, "lead")
	at := func(m int) time.Time { return Start.Add(time.Duration(m) * time.Minute) }
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
	var leadID int64
	for i, st := range steps {
		st.r.Channel, st.r.TS, st.r.User = "CL", lead, "UANA"
		res := db.mustRecord(t, store.Event{ID: st.event, React: &st.r})
		if res.React.Rating != st.rating || res.React.AskReason != st.ask {
			t.Fatalf("step %d (%s %v %s): rating %q ask %v, want %q ask %v", i, st.event, st.r.Added, st.r.Emoji,
				res.React.Rating, res.React.AskReason, st.rating, st.ask)
		}
		last := i == len(steps)-1
		if res.Applied == last {
			t.Fatalf("step %d: Applied = %v, want %v", i, res.Applied, !last)
		}
		if !last {
			if !res.React.Verified || res.React.LeadID == 0 || (leadID != 0 && res.React.LeadID != leadID) {
				t.Fatalf("step %d: %+v, want the verified lead %d", i, res.React, leadID)
			}
			leadID = res.React.LeadID
		}
	}
	stats := db.mustStats(t, Start.Add(-time.Hour), Start.Add(time.Hour), time.Hour, Start.Add(2*time.Hour))
	if stats.Posted != 1 || stats.Rated != 0 || stats.Ratings != 0 {
		t.Fatalf("stats = %+v, want 1 posted, none rated now", stats)
	}
	// The first feedback happened, even though it was withdrawn later.
	if len(stats.FirstFeedback) != 1 || stats.FirstFeedback[0] != 0 || stats.SLADue != 1 || stats.WithinSLA != 1 {
		t.Fatalf("FirstFeedback = %v, SLA %d/%d; want [0s] (the late fire event at the post), 1/1", stats.FirstFeedback, stats.WithinSLA, stats.SLADue)
	}
}

func testReasonKeptOnlyWhilePoor(t *testing.T, s *suite) {
	db := s.open(t)
	lead := tsAt(Start, 1)
	db.mustLead(t, "CL", lead, "lead")
	react := func(id, emoji string, r store.Rating, m int) store.ReactResult {
		return db.mustReact(t, id, store.Reaction{Channel: "CL", TS: lead, User: "UANA", Emoji: emoji, Rating: r, Added: true, At: Start.Add(time.Duration(m) * time.Minute)})
	}
	reasons := func() []store.ReasonCount {
		return db.mustStats(t, Start.Add(-time.Hour), Start.Add(time.Hour), time.Hour, Start.Add(time.Hour)).Reasons
	}
	res := react("p1", "-1", store.Poor, 0)
	if !res.AskReason {
		t.Fatalf("first poor rating: %+v, want AskReason", res)
	}
	if err := db.SetReason(ctx, res.LeadID, "UANA", "no_budget"); err != nil {
		t.Fatal(err)
	}
	if err := db.SetReason(ctx, res.LeadID, "UBEN", "no_budget"); !isNotFound(err) {
		t.Fatalf("SetReason for a user without a poor rating: %v, want ErrNotFound", err)
	}
	if err := db.SetReason(ctx, res.LeadID+100, "UANA", "no_budget"); !isNotFound(err) {
		t.Fatalf("SetReason for an unknown lead: %v, want ErrNotFound", err)
	}
	// Another poor emoji: still poor, the reason stays.
	if r := react("p2", "x", store.Poor, 1); r.AskReason || r.Rating != store.Poor {
		t.Fatalf("second poor emoji: %+v, want poor without a second question", r)
	}
	if got := reasons(); !slices.Equal(got, []store.ReasonCount{{Reason: "no_budget", Count: 1}}) {
		t.Fatalf("Reasons while still poor = %+v, want no_budget", got)
	}
	// Good: the reason goes, and cannot be set.
	react("p3", "+1", store.Good, 2)
	if err := db.SetReason(ctx, res.LeadID, "UANA", "duplicate"); !isNotFound(err) {
		t.Fatalf("SetReason on a good rating: %v, want ErrNotFound", err)
	}
	if got := reasons(); len(got) != 0 {
		t.Fatalf("Reasons after a good rating = %+v, want none", got)
	}
	// Poor again: asked again, the old reason is not back.
	if r := react("p4", "thumbsdown", store.Poor, 3); !r.AskReason {
		t.Fatalf("poor again: %+v, want AskReason", r)
	}
	if got := reasons(); !slices.Equal(got, []store.ReasonCount{{Reason: "", Count: 1}}) {
		t.Fatalf("Reasons when poor again = %+v, want one without a reason", got)
	}
}

// TestLeadStatsHandComputed checks every figure against values worked out
// by hand for a small week.
func testLeadStatsHandComputed(t *testing.T, s *suite) {
	db := s.open(t)
	t0 := Start
	sla := 4 * time.Hour
	now := t0.Add(3 * 24 * time.Hour)
	// Five leads this week, one last week, one deleted, one unverified.
	l1, l2, l3, l4, l5 := tsAt(t0, 1), tsAt(t0.Add(time.Hour), 2), tsAt(t0.Add(2*time.Hour), 3), tsAt(t0.Add(3*time.Hour), 4), tsAt(now.Add(-time.Hour), 5)
	old, gone := tsAt(t0.Add(-48*time.Hour), 6), tsAt(t0.Add(5*time.Hour), 7)
	for _, ts := range []string{l1, l2, l3, l4, l5, old, gone} {
		db.mustLead(t, "CL", ts, "lead "+ts)
	}
	db.mustDelete(t, "CL", gone)
	react := func(id, ts, user, emoji string, r store.Rating, after time.Duration) store.ReactResult {
		posted, _ := store.TSTime(ts)
		return db.mustReact(t, id, store.Reaction{Channel: "CL", TS: ts, User: user, Emoji: emoji, Rating: r, Added: true, At: posted.Add(after)})
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
	// The deleted, the old and the unverified lead count nowhere.
	react("f", gone, "UANA", "+1", store.Good, time.Minute)
	react("g", tsAt(t0.Add(30*time.Minute), 8), "UANA", "+1", store.Good, time.Minute)
	react("h", old, "UANA", "-1", store.Poor, time.Minute)

	st := db.mustStats(t, t0, now, sla, now)
	check := func(name string, got, want any) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("Posted", st.Posted, 5)
	check("Rated", st.Rated, 3)
	check("Waiting", st.Waiting(), 2)
	check("Hot", st.Hot, 1)
	check("Ratings", st.Ratings, 5)
	check("Good", st.Good, 1)
	check("Poor", st.Poor, 3)
	check("HotVote", st.HotVote, 1)
	good, _ := st.GoodShare()
	check("GoodShare", good, 0.4) // (1 good + 1 hot) / 5
	check("Reasons", st.Reasons, []store.ReasonCount{{Reason: "no_budget", Count: 2}, {Reason: "", Count: 1}})
	check("FirstFeedback", st.FirstFeedback, []time.Duration{time.Hour, 2 * time.Hour, 6 * time.Hour})
	med, _ := st.MedianFirstFeedback()
	check("Median", med, 2*time.Hour)
	// Due: l1, l2, l3 (rated) and l4 (SLA passed) = 4; within SLA: l1, l3.
	check("SLADue", st.SLADue, 4)
	check("WithinSLA", st.WithinSLA, 2)
	share, _ := st.SLAShare()
	check("SLAShare", share, 0.5)
	check("period", []time.Time{st.From, st.To, st.Now}, []time.Time{t0, now, now})
	check("SLA", st.SLA, sla)

	waiting, err := db.WaitingLeads(ctx, t0, now, 10)
	if err != nil {
		t.Fatal(err)
	}
	check("WaitingLeads", leadTSs(waiting), []string{l4, l5})

	// An empty period.
	empty := db.mustStats(t, now, now.Add(time.Hour), sla, now)
	if empty.Posted != 0 || empty.Ratings != 0 || len(empty.FirstFeedback) != 0 || len(empty.Reasons) != 0 || empty.SLADue != 0 {
		t.Errorf("LeadStats of an empty period = %+v", empty)
	}
}

func testRedeliveredCountedOnce(t *testing.T, s *suite) {
	db := s.open(t)
	lead := tsAt(Start, 1)
	db.mustLead(t, "CL", lead, "lead")
	r := store.Reaction{Channel: "CL", TS: lead, User: "UANA", Emoji: "-1", Rating: store.Poor, Added: true, At: Start.Add(time.Minute)}
	first := db.mustRecord(t, store.Event{ID: "Ev1", React: &r})
	again := db.mustRecord(t, store.Event{ID: "Ev1", React: &r})
	if !first.Applied || !first.React.AskReason || again.Applied || again.React.AskReason {
		t.Fatalf("first = %+v, redelivery = %+v; want applied once, asked once", first, again)
	}
	// A second add of the same emoji under a new id (Slack sends it when
	// the reaction is removed and added back) is still one rating.
	r.At = Start.Add(2 * time.Minute)
	db.mustRecord(t, store.Event{ID: "Ev2", React: &r})
	st := db.mustStats(t, Start.Add(-time.Hour), Start.Add(time.Hour), time.Hour, Start.Add(time.Hour))
	if st.Ratings != 1 || st.Poor != 1 {
		t.Fatalf("stats = %+v, want one poor rating", st)
	}
	// A redelivered removal removes nothing twice: the removal of -1 and a
	// redelivery of it leave the rating gone, not broken.
	rm := r
	rm.Added, rm.At = false, Start.Add(3*time.Minute)
	db.mustRecord(t, store.Event{ID: "Ev3", React: &rm})
	db.mustRecord(t, store.Event{ID: "Ev3", React: &rm})
	if st := db.mustStats(t, Start.Add(-time.Hour), Start.Add(time.Hour), time.Hour, Start.Add(time.Hour)); st.Ratings != 0 {
		t.Fatalf("ratings after the removal = %d, want 0", st.Ratings)
	}
}

func testConcurrentReactionsLoseNothing(t *testing.T, s *suite) {
	db := s.open(t)
	lead := tsAt(Start, 1)
	db.mustLead(t, "CL", lead, "lead")
	var applied atomic.Int64
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			r := store.Reaction{Channel: "CL", TS: lead, User: fmt.Sprintf("U%02d", i), Emoji: "+1", Rating: store.Good, Added: true, At: Start.Add(time.Minute)}
			// Each event twice, concurrently: the duplicate must not count.
			var twice sync.WaitGroup
			for range 2 {
				twice.Go(func() {
					res, err := db.Record(ctx, store.Event{ID: fmt.Sprintf("ev-%d", i), React: &r})
					if err != nil {
						t.Error(err)
					}
					if res.Applied {
						applied.Add(1)
					}
				})
			}
			twice.Wait()
		})
	}
	wg.Wait()
	st := db.mustStats(t, Start.Add(-time.Hour), Start.Add(time.Hour), time.Hour, Start.Add(time.Hour))
	if st.Ratings != 20 || st.Good != 20 || st.Rated != 1 {
		t.Fatalf("ratings = %d (good %d), want 20", st.Ratings, st.Good)
	}
	if n := applied.Load(); n != 20 {
		t.Fatalf("%d events applied, want 20 (each id once)", n)
	}
}

// Event ids are remembered for store.SeenEventsKept, then forgotten (by
// the next batch after that).
func testSeenEventsPruned(t *testing.T, s *suite) {
	db := s.open(t)
	post := func(id string, n int) store.EventResult {
		return db.mustRecord(t, store.Event{ID: id, Lead: &store.Lead{Channel: "CL", TS: tsAt(Start, n), PostedAt: Start}})
	}
	post("old", 1)
	db.set(Start.Add(store.SeenEventsKept - time.Minute))
	post("recent", 2)
	if n := db.countRows(t, "seen_events"); n != 2 {
		t.Fatalf("seen_events holds %d ids within the time kept, want 2", n)
	}
	db.set(Start.Add(store.SeenEventsKept + 2*time.Minute))
	post("new", 3)
	if n := db.countRows(t, "seen_events"); n != 2 {
		t.Fatalf("seen_events holds %d ids after the time kept, want 2 (old forgotten)", n)
	}
	if res := post("recent", 2); res.Applied {
		t.Fatalf("a redelivery within the time kept was applied again")
	}
}

// An event the database refuses is answered Skipped, leaves nothing
// behind, and does not stop the events after it.
func testPoisonEventSkipped(t *testing.T, s *suite) {
	db := s.open(t)
	lead := tsAt(Start, 1)
	db.mustLead(t, "CL", lead, "lead")
	bad := store.Reaction{Channel: "CL", TS: lead, User: "UANA", Emoji: "shrug", Rating: "meh", Added: true, At: Start}
	res, err := db.Record(ctx, store.Event{ID: "EvBad", React: &bad})
	if err != nil || !res.Skipped || res.Applied {
		t.Fatalf("Record(rating meh) = %+v, %v; want Skipped, no error", res, err)
	}
	unknown := bad
	unknown.TS = tsAt(Start, 2) // would create an unverified lead
	if res, err := db.Record(ctx, store.Event{ID: "EvBad2", React: &unknown}); err != nil || !res.Skipped {
		t.Fatalf("Record(rating meh, unknown message) = %+v, %v; want Skipped", res, err)
	}
	if un, _ := db.UnverifiedLeads(ctx); len(un) != 0 {
		t.Fatalf("a skipped event left an unverified lead: %+v", un)
	}
	good := bad
	good.Emoji, good.Rating = "+1", store.Good
	if res := db.mustRecord(t, store.Event{ID: "EvGood", React: &good}); !res.Applied || res.React.Rating != store.Good {
		t.Fatalf("the event after a poison one = %+v, want applied", res)
	}
	st := db.mustStats(t, Start.Add(-time.Hour), Start.Add(time.Hour), time.Hour, Start.Add(time.Hour))
	if st.Ratings != 1 || st.Good != 1 {
		t.Fatalf("stats = %+v, want just the good rating", st)
	}
	// A redelivery of the poison event is not applied either.
	if res, err := db.Record(ctx, store.Event{ID: "EvBad", React: &bad}); err != nil || res.Applied {
		t.Fatalf("redelivered poison event = %+v, %v; want not applied, no error", res, err)
	}
}

// A reaction on a message the store has not seen makes an unverified lead
// that counts nowhere until VerifyLead settles it.
func testVerifyLead(t *testing.T, s *suite) {
	db := s.open(t)
	ts := tsAt(Start, 1)
	posted, _ := store.TSTime(ts)
	react := func(id, user, emoji string, r store.Rating) store.ReactResult {
		return db.mustReact(t, id, store.Reaction{Channel: "CL", TS: ts, User: user, Emoji: emoji, Rating: r, Added: true, At: Start.Add(time.Minute)})
	}
	first := react("a", "UBEN", "-1", store.Poor)
	if first.Verified || first.LeadID == 0 || first.Rating != store.Poor || !first.AskReason {
		t.Fatalf("reaction on an unknown message = %+v, want an unverified lead, poor", first)
	}
	react("b", "UANA", "-1", store.Poor)
	react("c", "UCAT", "+1", store.Good)
	un, err := db.UnverifiedLeads(ctx)
	if err != nil || len(un) != 1 || un[0].ID != first.LeadID || un[0].Channel != "CL" || un[0].TS != ts || !un[0].PostedAt.Equal(posted) {
		t.Fatalf("UnverifiedLeads = %+v, %v; want the message at %v", un, err, posted)
	}
	week := func() store.LeadStats {
		return db.mustStats(t, Start.Add(-time.Hour), Start.Add(time.Hour), time.Hour, Start.Add(time.Hour))
	}
	if st := week(); st.Posted != 0 || st.Ratings != 0 {
		t.Fatalf("stats with an unverified lead = %+v, want nothing counted", st)
	}
	if err := db.SetReason(ctx, first.LeadID, "UANA", "student"); err != nil {
		t.Fatalf("SetReason on an unverified lead: %v", err)
	}
	id, ask, err := db.VerifyLead(ctx, "CL", ts, &store.Lead{Text: "Acme wants a demo", PostedBy: "UMKT", PostedAt: posted})
	if err != nil || id != first.LeadID || !slices.Equal(ask, []string{"UBEN"}) {
		t.Fatalf("VerifyLead = %d, %q, %v; want %d and UBEN (poor without a reason)", id, ask, err, first.LeadID)
	}
	got, err := db.LeadByID(ctx, id)
	if err != nil || got.Text != "Acme wants a demo" || got.PostedBy != "UMKT" || got.Channel != "CL" || got.TS != ts || got.Deleted {
		t.Fatalf("LeadByID after VerifyLead = %+v, %v", got, err)
	}
	if un, _ := db.UnverifiedLeads(ctx); len(un) != 0 {
		t.Fatalf("UnverifiedLeads after VerifyLead = %+v, want none", un)
	}
	if st := week(); st.Posted != 1 || st.Ratings != 3 || st.Poor != 2 || st.Good != 1 || len(st.FirstFeedback) != 1 {
		t.Fatalf("stats after VerifyLead = %+v, want the lead with its 3 ratings", st)
	}
	if r := react("d", "UDAN", "fire", store.Hot); !r.Verified || r.LeadID != id {
		t.Fatalf("reaction after VerifyLead = %+v, want verified", r)
	}
	// A lead event for a message first seen through a reaction verifies it too.
	ts2 := tsAt(Start, 2)
	r := db.mustReact(t, "e", store.Reaction{Channel: "CL", TS: ts2, User: "UANA", Emoji: "+1", Rating: store.Good, Added: true, At: Start})
	db.mustLead(t, "CL", ts2, "posted late")
	if un, _ := db.UnverifiedLeads(ctx); len(un) != 0 {
		t.Fatalf("UnverifiedLeads after the lead event = %+v, want none", un)
	}
	if got, _ := db.LeadByID(ctx, r.LeadID); got.Text != "posted late" {
		t.Fatalf("lead after its event = %+v", got)
	}
}

func testVerifyNotALead(t *testing.T, s *suite) {
	db := s.open(t)
	ts := tsAt(Start, 1)
	res := db.mustReact(t, "a", store.Reaction{Channel: "CL", TS: ts, User: "UANA", Emoji: "+1", Rating: store.Good, Added: true, At: Start})
	if _, _, err := db.VerifyLead(ctx, "CL", ts, nil); err != nil {
		t.Fatalf("VerifyLead(not a lead): %v", err)
	}
	if un, _ := db.UnverifiedLeads(ctx); len(un) != 0 {
		t.Fatalf("UnverifiedLeads = %+v, want none", un)
	}
	if _, err := db.LeadByID(ctx, res.LeadID); !isNotFound(err) {
		t.Fatalf("LeadByID(dropped) err = %v, want ErrNotFound", err)
	}
	// Removing a reaction from a message never rated records nothing.
	if r := db.mustReact(t, "b", store.Reaction{Channel: "CL", TS: tsAt(Start, 2), User: "UANA", Emoji: "+1", Rating: store.Good, At: Start}); r.LeadID != 0 || r.Rating != "" {
		t.Fatalf("removal on an unknown message = %+v, want nothing", r)
	}
	if un, _ := db.UnverifiedLeads(ctx); len(un) != 0 {
		t.Fatalf("UnverifiedLeads = %+v, want none", un)
	}
	// VerifyLead(nil) never drops a real lead.
	ts3 := tsAt(Start, 3)
	db.mustLead(t, "CL", ts3, "real")
	if _, _, err := db.VerifyLead(ctx, "CL", ts3, nil); err != nil {
		t.Fatal(err)
	}
	if l := db.leadOf(t, "CL", ts3); l.Text != "real" {
		t.Fatalf("lead after VerifyLead(nil) = %+v", l)
	}
}

func testWaitingLeads(t *testing.T, s *suite) {
	db := s.open(t)
	var all []string
	for i := range 5 {
		ts := tsAt(Start.Add(time.Duration(4-i)*time.Hour), i) // posted newest first
		all = append([]string{ts}, all...)
		db.mustLead(t, "CL", ts, "lead")
	}
	// all is oldest first: rate one, delete one.
	db.mustReact(t, "r", store.Reaction{Channel: "CL", TS: all[1], User: "UANA", Emoji: "+1", Rating: store.Good, Added: true, At: Start.Add(5 * time.Hour)})
	db.mustDelete(t, "CL", all[2])
	db.mustReact(t, "u", store.Reaction{Channel: "CL", TS: tsAt(Start.Add(time.Hour), 9), User: "UANA", Emoji: "+1", Rating: store.Good, Added: true, At: Start})
	got, err := db.WaitingLeads(ctx, Start, Start.Add(24*time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{all[0], all[3], all[4]}; !slices.Equal(leadTSs(got), want) {
		t.Fatalf("WaitingLeads = %q, want %q (oldest first)", leadTSs(got), want)
	}
	if got, _ := db.WaitingLeads(ctx, Start, Start.Add(24*time.Hour), 2); !slices.Equal(leadTSs(got), []string{all[0], all[3]}) {
		t.Fatalf("WaitingLeads(limit 2) = %q", leadTSs(got))
	}
	// [from, to): the lead at from is in, the one at to is out.
	if got, _ := db.WaitingLeads(ctx, Start.Add(3*time.Hour), Start.Add(4*time.Hour), 10); !slices.Equal(leadTSs(got), []string{all[3]}) {
		t.Fatalf("WaitingLeads([3h, 4h)) = %q, want %q", leadTSs(got), all[3])
	}
	if got, _ := db.NewestWaitingLeads(ctx, Start, Start.Add(24*time.Hour), 2); !slices.Equal(leadTSs(got), []string{all[4], all[3]}) {
		t.Fatalf("NewestWaitingLeads(limit 2) = %q, want the two newest unrated, newest first", leadTSs(got))
	}
}

func testDueNudges(t *testing.T, s *suite) {
	db := s.open(t)
	sla := time.Hour
	now := Start.Add(2 * time.Hour)
	db.set(now)
	db.mustLead(t, "CL", tsAt(Start, 1), "due")
	db.mustLead(t, "CL", tsAt(Start.Add(-time.Minute), 2), "due, older")
	db.mustLead(t, "CL", tsAt(now.Add(-sla), 0), "due just now") // its SLA ran out at now
	db.mustLead(t, "CL", tsAt(Start.Add(90*time.Minute), 4), "not due yet")
	db.mustLead(t, "CL", tsAt(now.Add(-sla-7*24*time.Hour), 0), "too old to nag about") // a week before that
	db.mustLead(t, "CL", tsAt(Start.Add(-30*24*time.Hour), 6), "much too old")
	rated := tsAt(Start.Add(-2*time.Minute), 7)
	db.mustLead(t, "CL", rated, "rated")
	db.mustReact(t, "r", store.Reaction{Channel: "CL", TS: rated, User: "UANA", Emoji: "+1", Rating: store.Good, Added: true, At: Start})
	// Rated and withdrawn: it had feedback, so no reminder either.
	withdrawn := tsAt(Start.Add(-3*time.Minute), 8)
	db.mustLead(t, "CL", withdrawn, "rated, withdrawn")
	db.mustReact(t, "w1", store.Reaction{Channel: "CL", TS: withdrawn, User: "UANA", Emoji: "+1", Rating: store.Good, Added: true, At: Start})
	db.mustReact(t, "w2", store.Reaction{Channel: "CL", TS: withdrawn, User: "UANA", Emoji: "+1", Rating: store.Good, At: Start.Add(time.Minute)})
	deleted := tsAt(Start.Add(-4*time.Minute), 9)
	db.mustLead(t, "CL", deleted, "deleted")
	db.mustDelete(t, "CL", deleted)
	db.mustReact(t, "u", store.Reaction{Channel: "CL", TS: tsAt(Start.Add(-5*time.Minute), 10), User: "UANA", Emoji: "+1", Rating: store.Good, At: Start, Added: true})

	due, err := db.DueNudges(ctx, store.SLA{Within: sla}.Reminder(), now, 10)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, l := range due {
		texts = append(texts, l.Text)
	}
	if want := []string{"due, older", "due", "due just now"}; !slices.Equal(texts, want) {
		t.Fatalf("DueNudges = %q, want %q (oldest first)", texts, want)
	}
	if due[0].ID == 0 || due[0].Channel != "CL" || due[0].TS != tsAt(Start.Add(-time.Minute), 2) {
		t.Fatalf("DueNudges[0] = %+v, want the lead as stored", due[0])
	}
	if lim, _ := db.DueNudges(ctx, store.SLA{Within: sla}.Reminder(), now, 1); len(lim) != 1 || lim[0].Text != "due, older" {
		t.Fatalf("DueNudges(limit 1) = %+v", lim)
	}
}

// NextNudgeDue is the earliest SLA deadline still ahead among the
// unrated leads: rated, deleted and already due leads do not count.
func testNextNudgeDue(t *testing.T, s *suite) {
	db := s.open(t)
	sla := time.Hour
	next := func(now time.Time) time.Time {
		t.Helper()
		at, err := db.NextNudgeDue(ctx, store.SLA{Within: sla}.Reminder(), now)
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	if at := next(Start); !at.IsZero() {
		t.Fatalf("NextNudgeDue with no leads = %v, want zero", at)
	}
	db.mustLead(t, "CL", tsAt(Start.Add(-2*time.Hour), 1), "overdue")
	db.mustLead(t, "CL", tsAt(Start.Add(20*time.Minute), 2), "later")
	db.mustLead(t, "CL", tsAt(Start.Add(10*time.Minute), 3), "next, but rated")
	db.mustReact(t, "r", store.Reaction{Channel: "CL", TS: tsAt(Start.Add(10*time.Minute), 3), User: "UANA", Emoji: "+1",
		Rating: store.Good, Added: true, At: Start.Add(11 * time.Minute)})
	db.mustLead(t, "CL", tsAt(Start.Add(5*time.Minute), 4), "next, but deleted")
	db.mustDelete(t, "CL", tsAt(Start.Add(5*time.Minute), 4))
	later, _ := store.TSTime(tsAt(Start.Add(20*time.Minute), 2))
	for _, tc := range []struct {
		now, want time.Time
	}{
		{Start, later.Add(sla)},
		{later.Add(sla - time.Nanosecond), later.Add(sla)},
		{later.Add(sla), time.Time{}}, // due now: DueNudges has it, nothing after
	} {
		if got := next(tc.now); !got.Equal(tc.want) {
			t.Errorf("NextNudgeDue(%v) = %v, want %v", tc.now.Sub(Start), got, tc.want)
		}
	}
}

func testDueNudgesHonourClaims(t *testing.T, s *suite) {
	db := s.open(t)
	sla := time.Hour
	now := Start.Add(2 * time.Hour)
	db.set(now)
	db.mustLead(t, "CL", tsAt(Start, 1), "due")
	db.mustLead(t, "CL", tsAt(Start.Add(-time.Minute), 2), "other")
	dueTexts := func(at time.Time) []string {
		t.Helper()
		due, err := db.DueNudges(ctx, store.SLA{Within: sla}.Reminder(), at, 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range due {
			out = append(out, l.Text)
		}
		return out
	}
	due, _ := db.DueNudges(ctx, store.SLA{Within: sla}.Reminder(), now, 10)
	if len(due) != 2 || due[1].Text != "due" {
		t.Fatalf("DueNudges = %+v, want other and due", due)
	}
	key := reminderKey(due[1].ID)
	// Many runs race for the same reminder: exactly one wins.
	const n = 8
	var wins atomic.Int64
	var winner atomic.Value
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			owner := fmt.Sprintf("run-%d", i)
			_, ok, err := db.Claim(ctx, key, owner, 10*time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
				winner.Store(owner)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d claims won, want 1", wins.Load())
	}
	owner := winner.Load().(string)
	// Held: not due; the other lead still is.
	if got := dueTexts(now); !slices.Equal(got, []string{"other"}) {
		t.Fatalf("due while the reminder is claimed = %q, want [other]", got)
	}
	// The lease ran out (its owner died): due again.
	if got := dueTexts(now.Add(11 * time.Minute)); !slices.Equal(got, []string{"other", "due"}) {
		t.Fatalf("due once the lease ran out = %q, want both", got)
	}
	// A failed post releases the claim: due again at once.
	if err := db.Release(ctx, key, owner); err != nil {
		t.Fatal(err)
	}
	if got := dueTexts(now); !slices.Equal(got, []string{"other", "due"}) {
		t.Fatalf("due after a release = %q, want both", got)
	}
	if _, ok, _ := db.Claim(ctx, key, "run-x", 10*time.Minute); !ok {
		t.Fatal("claim after release failed")
	}
	// A sent one is never due again.
	if err := db.Done(ctx, key, "run-x"); err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{now, now.Add(time.Hour), now.Add(24 * time.Hour)} {
		if got := dueTexts(at); slices.Contains(got, "due") {
			t.Fatalf("due at %v after sending = %q, want it gone", at, got)
		}
	}
	// Other keys do not hide it: a claim on a longer id with the same prefix.
	other := due[0].ID
	if _, ok, _ := db.Claim(ctx, reminderKey(other)+"0", "x", time.Hour); !ok {
		t.Fatal("claim of an unrelated key failed")
	}
	if got := dueTexts(now); !slices.Equal(got, []string{"other"}) {
		t.Fatalf("due with an unrelated claim = %q, want [other]", got)
	}
}
