package storetest

import (
	"maps"
	"slices"
	"testing"
	"time"

	"smarketing/store"
)

// posterTests: nobody rates a lead they posted, and a reaction marked
// Ignore (a rater not on the sales side) is stored nowhere.
var posterTests = []subtest{
	{"PosterReactionIgnored", testPosterReactionIgnored},
	{"PosterRatingDroppedOnVerify", testPosterRatingDroppedOnVerify},
	{"PosterRatingDroppedByLatePost", testPosterRatingDroppedByLatePost},
	{"IgnoredReactionStoredNowhere", testIgnoredReactionStoredNowhere},
}

// week is the figures of the leads posted around Start.
func (db *tdb) week(tb testing.TB) store.LeadStats {
	tb.Helper()
	return db.mustStats(tb, Start.Add(-time.Hour), Start.Add(time.Hour), time.Hour, Start.Add(2*time.Hour))
}

// ratingsOf is every rating of the lead at channel/ts, by user.
func (db *tdb) ratingsOf(tb testing.TB, channel, ts string) map[string]store.Rating {
	tb.Helper()
	out := map[string]store.Rating{}
	ds, err := db.Export(ctx)
	if err != nil {
		tb.Fatalf("Export: %v", err)
	}
	for _, l := range ds.Leads {
		if l.Channel == channel && l.TS == ts {
			for _, f := range l.Feedback {
				out[f.User] = f.Rating
			}
		}
	}
	return out
}

// A lead's poster reacting to it is not a rating: not stored, not counted,
// and removing that reaction withdraws nothing.
func testPosterReactionIgnored(t *testing.T, s *suite) {
	db := s.open(t)
	ts := tsAt(Start, 1)
	db.mustLead(t, "CL", ts, "Acme wants a demo") // posted by UMKT
	at := Start.Add(time.Minute)
	own := store.Reaction{Channel: "CL", TS: ts, User: "UMKT", Emoji: "+1", Rating: store.Good, Added: true, At: at}
	res := db.mustReact(t, "own", own)
	if !res.Ignored || !res.ByPoster || !res.Verified || res.LeadID == 0 || res.Rating != "" || res.AskReason {
		t.Fatalf("the poster's reaction = %+v, want ignored (by the poster) on the verified lead", res)
	}
	if st := db.week(t); st.Ratings != 0 || st.Rated != 0 || len(st.FirstFeedback) != 0 {
		t.Fatalf("stats after the poster's reaction = %+v, want nothing counted", st)
	}
	if got := db.leadOf(t, "CL", ts); got.ID != res.LeadID {
		t.Fatalf("waiting lead = %+v, want lead %d still waiting", got, res.LeadID)
	}
	// A redelivery is not applied; a poor one asks nothing.
	if r, err := db.Record(ctx, store.Event{ID: "own", React: &own}); err != nil || r.Applied {
		t.Fatalf("redelivered = %+v, %v; want not applied", r, err)
	}
	poor := own
	poor.Emoji, poor.Rating = "-1", store.Poor
	if r := db.mustReact(t, "own-poor", poor); !r.Ignored || r.AskReason {
		t.Fatalf("the poster's poor reaction = %+v, want ignored, no question", r)
	}
	other := store.Reaction{Channel: "CL", TS: ts, User: "UANA", Emoji: "+1", Rating: store.Good, Added: true, At: at.Add(time.Minute)}
	if r := db.mustReact(t, "ana", other); r.Ignored || r.Rating != store.Good {
		t.Fatalf("someone else's reaction = %+v, want a good rating", r)
	}
	removed := own
	removed.Added = false
	if r := db.mustReact(t, "own-removed", removed); r.Ignored || r.Rating != "" {
		t.Fatalf("the poster removing their reaction = %+v, want nothing", r)
	}
	if got := db.ratingsOf(t, "CL", ts); !maps.Equal(got, map[string]store.Rating{"UANA": store.Good}) {
		t.Fatalf("ratings = %v, want UANA's good only", got)
	}
	posted, _ := store.TSTime(ts)
	if st := db.week(t); st.Ratings != 1 || st.Good != 1 || len(st.FirstFeedback) != 1 || st.FirstFeedback[0] != other.At.Sub(posted) {
		t.Fatalf("stats = %+v, want UANA's rating, the first feedback hers", st)
	}
}

// Reactions on a message not verified yet are stored; once VerifyLead
// learns who posted it, that person's are dropped: not counted, not asked
// why, and the first feedback is the others' (none if nobody else rated).
func testPosterRatingDroppedOnVerify(t *testing.T, s *suite) {
	db := s.open(t)
	ts, alone := tsAt(Start, 1), tsAt(Start, 2)
	posted, _ := store.TSTime(ts)
	react := func(id, msg, user, emoji string, r store.Rating, after time.Duration) store.ReactResult {
		return db.mustReact(t, id, store.Reaction{Channel: "CL", TS: msg, User: user, Emoji: emoji, Rating: r, Added: true, At: Start.Add(after)})
	}
	first := react("a", ts, "UMKT", "-1", store.Poor, time.Minute)
	if first.Verified || first.Ignored || first.LeadID == 0 {
		t.Fatalf("the poster's reaction on an unknown message = %+v, want stored, unverified", first)
	}
	react("a2", ts, "UMKT", "fire", store.Hot, 2*time.Minute)
	react("b", ts, "UBEN", "-1", store.Poor, 5*time.Minute)
	react("c", ts, "UCAT", "+1", store.Good, 7*time.Minute)
	id, ask, err := db.VerifyLead(ctx, "CL", ts, &store.Lead{Text: "Acme", PostedBy: "UMKT", PostedAt: posted})
	if err != nil || id != first.LeadID || !slices.Equal(ask, []string{"UBEN"}) {
		t.Fatalf("VerifyLead = %d, %q, %v; want %d and only UBEN asked", id, ask, err, first.LeadID)
	}
	if got := db.ratingsOf(t, "CL", ts); !maps.Equal(got, map[string]store.Rating{"UBEN": store.Poor, "UCAT": store.Good}) {
		t.Fatalf("ratings after VerifyLead = %v, want UBEN's and UCAT's", got)
	}
	st := db.week(t)
	if st.Ratings != 2 || st.Poor != 1 || st.Good != 1 || st.HotVote != 0 || st.Hot != 0 ||
		len(st.FirstFeedback) != 1 || st.FirstFeedback[0] != Start.Add(5*time.Minute).Sub(posted) {
		t.Fatalf("stats after VerifyLead = %+v, want 2 ratings, first feedback UBEN's", st)
	}
	// The poster alone rated it: it still waits for feedback.
	lone := react("d", alone, "UMKT", "+1", store.Good, time.Minute)
	postedAlone, _ := store.TSTime(alone)
	if _, ask, err := db.VerifyLead(ctx, "CL", alone, &store.Lead{Text: "Beta", PostedBy: "UMKT", PostedAt: postedAlone}); err != nil || len(ask) != 0 {
		t.Fatalf("VerifyLead(alone) = %q, %v", ask, err)
	}
	if got := db.leadOf(t, "CL", alone); got.ID != lone.LeadID {
		t.Fatalf("waiting lead = %+v, want %d", got, lone.LeadID)
	}
	// Removing the dropped reaction later withdraws nothing.
	db.mustReact(t, "e", store.Reaction{Channel: "CL", TS: ts, User: "UMKT", Emoji: "-1", Rating: store.Poor, At: Start.Add(9 * time.Minute)})
	if got := db.ratingsOf(t, "CL", ts); len(got) != 2 {
		t.Fatalf("ratings after the poster removed a dropped reaction = %v", got)
	}
}

// A post that arrives after reactions to it (events out of order) drops its
// poster's ratings too, whether it comes in the batch of those reactions
// or a later one, and reactions after it in the batch are judged with the
// poster known.
func testPosterRatingDroppedByLatePost(t *testing.T, s *suite) {
	db := s.open(t)
	one, two := tsAt(Start, 1), tsAt(Start, 2)
	post := func(id, ts string) store.Event {
		posted, _ := store.TSTime(ts)
		return store.Event{ID: id, Lead: &store.Lead{Channel: "CL", TS: ts, Text: "late", PostedBy: "UMKT", PostedAt: posted}}
	}
	react := func(id, ts, user string, r store.Rating, added bool, after time.Duration) store.Event {
		emoji := map[store.Rating]string{store.Good: "+1", store.Poor: "-1", store.Hot: "fire"}[r]
		return store.Event{ID: id, React: &store.Reaction{Channel: "CL", TS: ts, User: user, Emoji: emoji, Rating: r, Added: added, At: Start.Add(after)}}
	}
	// A later batch.
	db.mustRecord(t, react("a", one, "UMKT", store.Good, true, time.Minute))
	db.mustRecord(t, post("p1", one))
	if got := db.ratingsOf(t, "CL", one); len(got) != 0 {
		t.Fatalf("ratings after the late post = %v, want none", got)
	}
	if st := db.week(t); st.Posted != 1 || st.Ratings != 0 || len(st.FirstFeedback) != 0 {
		t.Fatalf("stats = %+v, want the lead, unrated", st)
	}
	// The same batch, with reactions before and after the post.
	results, err := db.applier(t).ApplyEvents(ctx, []store.Event{
		react("b", two, "UMKT", store.Poor, true, time.Minute),
		react("c", two, "UANA", store.Good, true, 2*time.Minute),
		post("p2", two),
		react("d", two, "UMKT", store.Hot, true, 3*time.Minute),
		react("e", two, "UBEN", store.Good, true, 4*time.Minute),
		react("f", two, "UBEN", store.Good, false, 5*time.Minute),
	})
	if err != nil || len(results) != 6 {
		t.Fatalf("ApplyEvents = %+v, %v", results, err)
	}
	if r := results[3].React; !r.Ignored || !r.ByPoster || !r.Verified || r.LeadID == 0 {
		t.Fatalf("the poster's reaction after the post = %+v, want ignored", r)
	}
	if r := results[0].React; r.LeadID == 0 || r.LeadID != results[4].React.LeadID {
		t.Fatalf("results = %+v, want the same lead throughout", results)
	}
	if got := db.ratingsOf(t, "CL", two); !maps.Equal(got, map[string]store.Rating{"UANA": store.Good}) {
		t.Fatalf("ratings = %v, want UANA's alone", got)
	}
	posted, _ := store.TSTime(two)
	if st := db.week(t); st.Posted != 2 || st.Ratings != 1 || len(st.FirstFeedback) != 1 || st.FirstFeedback[0] != Start.Add(2*time.Minute).Sub(posted) {
		t.Fatalf("stats = %+v, want UANA's rating first", st)
	}
}

// A reaction marked Ignore is stored nowhere: not on a lead, and an unknown
// message is not made a lead for it; a redelivery is not applied.
func testIgnoredReactionStoredNowhere(t *testing.T, s *suite) {
	db := s.open(t)
	ts, unknown := tsAt(Start, 1), tsAt(Start, 2)
	db.mustLead(t, "CL", ts, "Acme")
	ev := store.Event{ID: "ign", React: &store.Reaction{Channel: "CL", TS: ts, User: "UEVE", Emoji: "+1", Rating: store.Good, Added: true, At: Start, Ignore: true}}
	res := db.mustRecord(t, ev)
	if !res.Applied || !res.React.Ignored || res.React.ByPoster || !res.React.Verified || res.React.LeadID == 0 {
		t.Fatalf("an ignored reaction on a lead = %+v", res)
	}
	if r, err := db.Record(ctx, ev); err != nil || r.Applied {
		t.Fatalf("redelivered = %+v, %v; want not applied", r, err)
	}
	res = db.mustRecord(t, store.Event{ID: "ign2", React: &store.Reaction{Channel: "CL", TS: unknown, User: "UEVE", Emoji: "-1", Rating: store.Poor, Added: true, At: Start, Ignore: true}})
	if !res.React.Ignored || res.React.Verified || res.React.LeadID != 0 {
		t.Fatalf("an ignored reaction on an unknown message = %+v, want no lead", res)
	}
	if un, err := db.UnverifiedLeads(ctx); err != nil || len(un) != 0 {
		t.Fatalf("UnverifiedLeads = %+v, %v; want none", un, err)
	}
	// Removing it withdraws nothing; a rating kept from before stays
	// until its own reaction goes.
	db.mustReact(t, "ana", store.Reaction{Channel: "CL", TS: ts, User: "UANA", Emoji: "+1", Rating: store.Good, Added: true, At: Start})
	db.mustReact(t, "ana-ign", store.Reaction{Channel: "CL", TS: ts, User: "UANA", Emoji: "fire", Rating: store.Hot, Added: true, At: Start.Add(time.Minute), Ignore: true})
	db.mustReact(t, "ana-ign-off", store.Reaction{Channel: "CL", TS: ts, User: "UANA", Emoji: "fire", Rating: store.Hot, At: Start.Add(2 * time.Minute)})
	if got := db.ratingsOf(t, "CL", ts); !maps.Equal(got, map[string]store.Rating{"UANA": store.Good}) {
		t.Fatalf("ratings = %v, want UANA's good", got)
	}
	if st := db.week(t); st.Ratings != 1 || st.Good != 1 || st.HotVote != 0 {
		t.Fatalf("stats = %+v", st)
	}
}
