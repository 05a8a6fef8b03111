package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	"smarketing/store"
)

var leadLoopTests = []subtest{
	{"OfficeHoursClock", testOfficeHoursClock},
	{"OriginsOfEvents", testOriginsOfEvents},
	{"OriginsOfVerifyAndImport", testOriginsOfVerifyAndImport},
	{"StatsBy", testLeadStatsBy},
	{"StatsOnBusinessClock", testLeadStatsOnBusinessClock},
	{"ReturnedLeads", testReturnedLeads},
	{"DueNudges", testLoopNudges},
	{"DueNudgesOnBusinessClock", testLoopNudgesOnBusinessClock},
	{"Commitments", testCommitments},
	{"RoundTrip", testLeadLoopRoundTrip},
	{"ImportSLARecords", testImportSLARecords},
}

// officeHours is an SLA clock that runs 09:00–17:00 UTC, Monday to
// Friday: a stand-in for business hours (schedules/businesshours), exact
// to the nanosecond and simple enough to check by hand.
type officeHours struct{}

var _ store.SLAClock = officeHours{}

// open returns the clock's hours on the day of t: [09:00, 17:00), or
// false on a weekend.
func (officeHours) open(day time.Time) (start, end time.Time, ok bool) {
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return time.Time{}, time.Time{}, false
	}
	return day.Add(9 * time.Hour), day.Add(17 * time.Hour), true
}

func (c officeHours) Add(t time.Time, d time.Duration) time.Time {
	t = t.UTC()
	step, left := 1, d
	if d < 0 {
		step, left = -1, -d
	}
	for day := t; left > 0; day = day.AddDate(0, 0, step) {
		start, end, ok := c.open(day)
		if !ok {
			continue
		}
		if step > 0 {
			start = later(start, t)
		} else {
			end = earlier(end, t)
		}
		open := end.Sub(start)
		switch {
		case open <= 0:
		case left <= open && step > 0:
			return start.Add(left)
		case left <= open:
			return end.Add(-left)
		default:
			left -= open
		}
	}
	return t
}

func (c officeHours) Between(from, to time.Time) time.Duration {
	var total time.Duration
	for day := from.UTC(); day.Before(to.Add(24 * time.Hour)); day = day.AddDate(0, 0, 1) {
		if start, end, ok := c.open(day); ok {
			if lo, hi := later(start, from), earlier(end, to); lo.Before(hi) {
				total += hi.Sub(lo)
			}
		}
	}
	return total
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// friday is the Friday before [Start], at midnight UTC.
var friday = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

// The test clock itself, so that what the tests below expect of the store
// rests on a clock that is right.
func testOfficeHoursClock(t *testing.T, _ *suite) {
	c := officeHours{}
	fri16, mon10 := friday.Add(16*time.Hour), Start.Add(time.Hour)
	for _, tc := range []struct {
		from time.Time
		d    time.Duration
		want time.Time
	}{
		{fri16, 2 * time.Hour, mon10},
		{fri16, time.Hour, friday.Add(17 * time.Hour)},
		{friday.Add(17 * time.Hour), time.Hour, mon10},
		{friday.Add(24 * time.Hour), time.Hour, mon10}, // Saturday
		{mon10, -2 * time.Hour, fri16},
		{Start, -time.Hour, fri16},
		{mon10, 0, mon10},
		{fri16, 24 * time.Hour, Start.AddDate(0, 0, 2).Add(7 * time.Hour)}, // 1 + 8 + 8 + 7 hours: Wednesday 16:00
	} {
		if got := c.Add(tc.from, tc.d); !got.Equal(tc.want) {
			t.Errorf("Add(%v, %v) = %v, want %v", tc.from, tc.d, got, tc.want)
		}
	}
	for _, tc := range []struct {
		from, to time.Time
		want     time.Duration
	}{
		{fri16, mon10, 2 * time.Hour},
		{mon10, fri16, 0},
		{friday, friday.AddDate(0, 0, 7), 40 * time.Hour},
		{friday.Add(18 * time.Hour), Start, 0},
	} {
		if got := c.Between(tc.from, tc.to); got != tc.want {
			t.Errorf("Between(%v, %v) = %v, want %v", tc.from, tc.to, got, tc.want)
		}
	}
}

// post records a lead in CL at ts with the origin given, and returns when
// it was posted.
func (db *tdb) post(tb testing.TB, ts, text, by string, origin store.Origin) time.Time {
	tb.Helper()
	posted, ok := store.TSTime(ts)
	if !ok {
		tb.Fatalf("bad ts %q", ts)
	}
	db.mustRecord(tb, store.Event{Lead: &store.Lead{Channel: "CL", TS: ts, Text: text, PostedBy: by, PostedAt: posted,
		Source: origin.Source, Campaign: origin.Campaign}})
	return posted
}

func (db *tdb) mustLeadByID(tb testing.TB, id int64) store.Lead {
	tb.Helper()
	l, err := db.LeadByID(ctx, id)
	if err != nil {
		tb.Fatalf("LeadByID(%d): %v", id, err)
	}
	return l
}

func originOf(l store.Lead) store.Origin { return store.Origin{Source: l.Source, Campaign: l.Campaign} }

// A lead keeps the source and campaign its post and edits give, and one
// given none gets the one OriginOf finds (SPEC §9): Source is never "".
func testOriginsOfEvents(t *testing.T, s *suite) {
	db := s.open(t)
	for i, tc := range []struct {
		text, by string
		given    store.Origin
		want     store.Origin
	}{
		{"Acme wants a demo", "UMKT", store.Origin{Source: "Webinar", Campaign: "q4-launch"}, store.Origin{Source: "Webinar", Campaign: "q4-launch"}},
		{"Acme wants a demo", "UMKT", store.Origin{}, store.Origin{Source: store.ManualSource}},
		{"New lead\nCampaign: spring", "HubSpot", store.Origin{}, store.Origin{Source: "HubSpot", Campaign: "spring"}},
		{"*Source:* Trade show", "UMKT", store.Origin{}, store.Origin{Source: "Trade show"}},
		{"cleaned", "UMKT", store.Origin{Source: "  Web\tform \x00 ", Campaign: " q1\n"}, store.Origin{Source: "Web form", Campaign: "q1"}},
		// A campaign given stays when the source is found.
		{"Campaign: from the text", "UMKT", store.Origin{Campaign: "given"}, store.Origin{Source: store.ManualSource, Campaign: "given"}},
	} {
		ts := tsAt(Start, i+1)
		db.post(t, ts, tc.text, tc.by, tc.given)
		if got := originOf(db.leadOf(t, "CL", ts)); got != tc.want {
			t.Errorf("lead %d (%q by %s, given %+v) has origin %+v, want %+v", i+1, tc.text, tc.by, tc.given, got, tc.want)
		}
	}

	// An edit sets the text and the origin together, found the same way.
	for _, tc := range []struct {
		n    int
		edit store.LeadEdit
		want store.Origin
	}{
		{1, store.LeadEdit{Text: "Acme, edited", Source: "LinkedIn"}, store.Origin{Source: "LinkedIn"}},
		// Posted by HubSpot: the text's line wins over the integration.
		{3, store.LeadEdit{Text: "Source: Partner\nCampaign: fall"}, store.Origin{Source: "Partner", Campaign: "fall"}},
		{3, store.LeadEdit{Text: "no source now"}, store.Origin{Source: "HubSpot"}},
		{2, store.LeadEdit{Text: "plain", Campaign: "c2"}, store.Origin{Source: store.ManualSource, Campaign: "c2"}},
	} {
		e := tc.edit
		e.Channel, e.TS = "CL", tsAt(Start, tc.n)
		db.mustRecord(t, store.Event{Edit: &e})
		l := db.leadOf(t, "CL", e.TS)
		if got := originOf(l); got != tc.want || l.Text != e.Text {
			t.Errorf("lead %d after the edit %+v: %q, %+v; want %q, %+v", tc.n, tc.edit, l.Text, got, e.Text, tc.want)
		}
	}

	// Posted and edited in one batch, or edited before any post: the
	// batch's statements leave what one event at a time leaves.
	ts := tsAt(Start, 7)
	posted, _ := store.TSTime(ts)
	res, err := db.applier(t).ApplyEvents(ctx, []store.Event{
		{ID: "p7", Lead: &store.Lead{Channel: "CL", TS: ts, Text: "Source: A", PostedBy: "UMKT", PostedAt: posted}},
		{ID: "e7", Edit: &store.LeadEdit{Channel: "CL", TS: ts, Text: "Source: B"}},
		{ID: "e8", Edit: &store.LeadEdit{Channel: "CL", TS: tsAt(Start, 8), Text: "never posted", Source: "X"}},
	})
	if err != nil || len(res) != 3 || !res[0].Applied || !res[1].Applied {
		t.Fatalf("ApplyEvents = %+v, %v", res, err)
	}
	if got := originOf(db.leadOf(t, "CL", ts)); got != (store.Origin{Source: "B"}) {
		t.Errorf("a lead posted and edited in one batch has origin %+v, want B", got)
	}
	if w, _ := db.WaitingLeads(ctx, Start.Add(-time.Hour), Start.Add(time.Hour), 100); len(w) != 7 {
		t.Errorf("WaitingLeads = %d leads, want 7 (an edit posts nothing)", len(w))
	}
	// A lead posted again (a post delivered anew under another event id)
	// takes the origin of the new post.
	db.post(t, tsAt(Start, 1), "Acme wants a demo", "UMKT", store.Origin{Source: "Webinar", Campaign: "again"})
	if got := originOf(db.leadOf(t, "CL", tsAt(Start, 1))); got != (store.Origin{Source: "Webinar", Campaign: "again"}) {
		t.Errorf("origin after a post again = %+v", got)
	}
}

// VerifyLead and an import keep the origin as the events do.
func testOriginsOfVerifyAndImport(t *testing.T, s *suite) {
	db := s.open(t)
	verify := func(n int, l store.Lead) store.Lead {
		t.Helper()
		ts := tsAt(Start, n)
		r := db.mustReact(t, fmt.Sprint("r", n), store.Reaction{Channel: "CL", TS: ts, User: "UANA", Emoji: "+1", Rating: store.Good, Added: true, At: Start})
		l.PostedAt, _ = store.TSTime(ts)
		id, _, err := db.VerifyLead(ctx, "CL", ts, &l)
		if err != nil || id != r.LeadID {
			t.Fatalf("VerifyLead = %d, %v; want %d", id, err, r.LeadID)
		}
		if got, stored := originOf(l), originOf(db.mustLeadByID(t, id)); got != stored {
			t.Errorf("VerifyLead left the lead it was given with %+v, the store holds %+v", got, stored)
		}
		return db.mustLeadByID(t, id)
	}
	if got := verify(1, store.Lead{Text: "Source: Zapier form", PostedBy: "Zapier"}); originOf(got) != (store.Origin{Source: "Zapier form"}) {
		t.Errorf("verified lead found through its text = %+v", got)
	}
	if got := verify(2, store.Lead{Text: "x", PostedBy: "Zapier", Source: "Given", Campaign: "c"}); originOf(got) != (store.Origin{Source: "Given", Campaign: "c"}) {
		t.Errorf("verified lead with its origin given = %+v", got)
	}
	if got := verify(3, store.Lead{Text: "x", PostedBy: "UMKT"}); originOf(got) != (store.Origin{Source: store.ManualSource}) {
		t.Errorf("verified lead of a person = %+v", got)
	}

	link := "Form <https://x.com/?utm_source=linkedin&utm_campaign=q4%20launch|Form>"
	rep := db.mustImport(t, store.Dataset{Leads: []store.LeadRecord{
		{Channel: "CL", TS: tsAt(Start, 4), Text: link, PostedBy: "UMKT"},
		{Channel: "CL", TS: tsAt(Start, 5), Text: "x", PostedBy: "UMKT", Source: " Partner ", Campaign: "c\x01"},
		{Channel: "CL", TS: tsAt(Start, 6), Text: "x", PostedBy: "HubSpot"},
	}})
	if rep.Created != 3 || len(rep.Rejected) != 0 {
		t.Fatalf("Import = %+v, want 3 created", rep)
	}
	for n, want := range map[int]store.Origin{
		4: {Source: "linkedin", Campaign: "q4 launch"},
		5: {Source: "Partner", Campaign: "c"},
		6: {Source: "HubSpot"},
	} {
		if got := originOf(db.leadOf(t, "CL", tsAt(Start, n))); got != want {
			t.Errorf("imported lead %d has origin %+v, want %+v", n, got, want)
		}
	}
	// The same records again change nothing: they are compared as stored.
	again := db.mustImport(t, store.Dataset{Leads: []store.LeadRecord{
		{Channel: "CL", TS: tsAt(Start, 4), Text: link, PostedBy: "UMKT"},
		{Channel: "CL", TS: tsAt(Start, 5), Text: "x", PostedBy: "UMKT", Source: " Partner ", Campaign: "c\x01"},
		{Channel: "CL", TS: tsAt(Start, 6), Text: "x", PostedBy: "HubSpot", Source: "HubSpot"},
	}})
	if again.Unchanged != 3 {
		t.Errorf("second Import = %+v, want 3 unchanged", again)
	}
	// Another source or campaign is another lead record: updated.
	rep = db.mustImport(t, store.Dataset{Leads: []store.LeadRecord{
		{Channel: "CL", TS: tsAt(Start, 6), Text: "x", PostedBy: "HubSpot", Source: "HubSpot", Campaign: "new"},
	}})
	if rep.Updated != 1 || originOf(db.leadOf(t, "CL", tsAt(Start, 6))) != (store.Origin{Source: "HubSpot", Campaign: "new"}) {
		t.Errorf("Import of another campaign = %+v, lead %+v", rep, db.leadOf(t, "CL", tsAt(Start, 6)))
	}
}

// statsLine is the figures of s that leadStatsBy tests compare, in one
// line.
func statsLine(s store.LeadStats) string {
	med, _ := s.MedianFirstFeedback()
	return fmt.Sprintf("%q posted=%d rated=%d hot=%d ratings=%d good=%d poor=%d hotvote=%d reasons=%v first=%v median=%v due=%d within=%d",
		s.Value, s.Posted, s.Rated, s.Hot, s.Ratings, s.Good, s.Poor, s.HotVote, s.Reasons, s.FirstFeedback, med, s.SLADue, s.WithinSLA)
}

func (db *tdb) mustStatsBy(tb testing.TB, by store.LeadField, from, to time.Time, sla store.SLA, now time.Time) []store.LeadStats {
	tb.Helper()
	groups, err := db.LeadStatsBy(ctx, by, from, to, sla, now)
	if err != nil {
		tb.Fatalf("LeadStatsBy(%s): %v", by, err)
	}
	return groups
}

// seedStatsBy posts the leads of the StatsBy test (in a window [Start,
// Start+24h), seen at its end, with a 2h SLA).
func seedStatsBy(t *testing.T, db *tdb) {
	t.Helper()
	h := func(n float64) time.Duration { return time.Duration(n * float64(time.Hour)) }
	type rating struct {
		user   string
		emoji  string
		rating store.Rating
		after  time.Duration
		reason string
	}
	n := 0
	lead := func(at time.Duration, source, campaign string, ratings ...rating) int64 {
		n++
		ts := tsAt(Start.Add(at), 0)
		posted := db.post(t, ts, "lead", "UMKT", store.Origin{Source: source, Campaign: campaign})
		var id int64
		for i, r := range ratings {
			res := db.mustReact(t, fmt.Sprintf("s%d-%d", n, i), store.Reaction{Channel: "CL", TS: ts, User: r.user, Emoji: r.emoji,
				Rating: r.rating, Added: true, At: posted.Add(r.after)})
			id = res.LeadID
			if r.reason != "" {
				if err := db.SetReason(ctx, id, r.user, r.reason); err != nil {
					t.Fatal(err)
				}
			}
		}
		return id
	}
	lead(0, "Webinar", "q4", rating{"UANA", "+1", store.Good, h(1), ""}, rating{"UBEN", "-1", store.Poor, h(3), "no_budget"}) // a
	lead(h(1), "Webinar", "q4", rating{"UANA", "fire", store.Hot, h(3), ""})                                                  // b: late
	lead(h(2), "Webinar", "")                                                                                                 // c: due, unrated
	lead(h(3), "HubSpot", "q4", rating{"UANA", "-1", store.Poor, h(0.5), "wrong_persona"}, rating{"UBEN", "x", store.Poor, h(1), "wrong_persona"})
	lead(h(4), "HubSpot", "", rating{"UANA", "fire", store.Hot, h(1), ""}, rating{"UBEN", "fire", store.Hot, h(2), ""}) // e: one hot lead, two hot votes
	lead(h(23), store.ManualSource, "")                                                                                 // f: not due yet
	gone := tsAt(Start.Add(h(5)), 0)
	db.post(t, gone, "deleted", "UMKT", store.Origin{Source: "Webinar"})
	db.mustDelete(t, "CL", gone)
	db.post(t, tsAt(Start.Add(-h(1)), 0), "before the window", "UMKT", store.Origin{Source: "Webinar"})
	// i: rated at +1h and the rating taken back: not rated now, but it had
	// its first feedback (due, within).
	withdrawn := tsAt(Start.Add(h(6)), 0)
	posted := db.post(t, withdrawn, "withdrawn", "UMKT", store.Origin{Source: "HubSpot"})
	db.mustReact(t, "w1", store.Reaction{Channel: "CL", TS: withdrawn, User: "UANA", Emoji: "+1", Rating: store.Good, Added: true, At: posted.Add(h(1))})
	db.mustReact(t, "w2", store.Reaction{Channel: "CL", TS: withdrawn, User: "UANA", Emoji: "+1", Rating: store.Good, At: posted.Add(h(2))})
	// An unverified message counts nowhere.
	db.mustReact(t, "u", store.Reaction{Channel: "CX", TS: tsAt(Start.Add(h(7)), 0), User: "UANA", Emoji: "+1", Rating: store.Good, Added: true, At: Start.Add(h(7))})
}

// LeadStatsBy gives the figures of LeadStats per source or campaign, each
// worked out by hand: most leads first, then by value.
func testLeadStatsBy(t *testing.T, s *suite) {
	db := s.open(t)
	seedStatsBy(t, db)
	from, to, now := Start, Start.Add(24*time.Hour), Start.Add(24*time.Hour)
	sla := store.SLA{Within: 2 * time.Hour}
	h := time.Hour
	check := func(by store.LeadField, want []string) {
		t.Helper()
		groups := db.mustStatsBy(t, by, from, to, sla, now)
		var got []string
		for _, g := range groups {
			got = append(got, statsLine(g))
			if !g.From.Equal(from) || !g.To.Equal(to) || !g.Now.Equal(now) || g.SLA != sla.Within {
				t.Errorf("group %q: period %v–%v at %v, SLA %v", g.Value, g.From, g.To, g.Now, g.SLA)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("LeadStatsBy(%s) =\n  %s\nwant\n  %s", by, join(got), join(want))
		}
	}
	check(store.BySource, []string{
		`"HubSpot" posted=3 rated=2 hot=1 ratings=4 good=0 poor=2 hotvote=2 reasons=[{wrong_persona 2}] first=[30m0s 1h0m0s 1h0m0s] median=1h0m0s due=3 within=3`,
		`"Webinar" posted=3 rated=2 hot=1 ratings=3 good=1 poor=1 hotvote=1 reasons=[{no_budget 1}] first=[1h0m0s 3h0m0s] median=2h0m0s due=3 within=1`,
		`"manual" posted=1 rated=0 hot=0 ratings=0 good=0 poor=0 hotvote=0 reasons=[] first=[] median=0s due=0 within=0`,
	})
	check(store.ByCampaign, []string{
		`"" posted=4 rated=1 hot=1 ratings=2 good=0 poor=0 hotvote=2 reasons=[] first=[1h0m0s 1h0m0s] median=1h0m0s due=3 within=2`,
		`"q4" posted=3 rated=3 hot=1 ratings=5 good=1 poor=3 hotvote=1 reasons=[{wrong_persona 2} {no_budget 1}] first=[30m0s 1h0m0s 3h0m0s] median=1h0m0s due=3 within=2`,
	})
	// The top reason of a group is its first.
	if g := db.mustStatsBy(t, store.ByCampaign, from, to, sla, now); g[1].Reasons[0].Reason != "wrong_persona" {
		t.Errorf("top reason of q4 = %+v", g[1].Reasons)
	}
	// All leads: the same figures in one group.
	all := db.mustStatsOn(t, from, to, sla, now)
	want := `"" posted=7 rated=4 hot=2 ratings=7 good=1 poor=3 hotvote=3 reasons=[{wrong_persona 2} {no_budget 1}] first=[30m0s 1h0m0s 1h0m0s 1h0m0s 3h0m0s] median=1h0m0s due=6 within=4`
	if got := statsLine(all); got != want {
		t.Errorf("LeadStats =\n  %s\nwant\n  %s", got, want)
	}
	// An empty window, and one of a single lead.
	if g := db.mustStatsBy(t, store.BySource, now, now.Add(h), sla, now); len(g) != 0 {
		t.Errorf("LeadStatsBy of an empty window = %+v, want none", g)
	}
	if g := db.mustStatsBy(t, store.BySource, Start.Add(3*h), Start.Add(4*h), sla, now); len(g) != 1 || statsLine(g[0]) !=
		`"HubSpot" posted=1 rated=1 hot=0 ratings=2 good=0 poor=2 hotvote=0 reasons=[{wrong_persona 2}] first=[30m0s] median=30m0s due=1 within=1` {
		t.Errorf("LeadStatsBy of [3h, 4h) = %s", join(mapStats(g)))
	}
	if _, err := db.LeadStatsBy(ctx, "channel", from, to, sla, now); err == nil {
		t.Error("LeadStatsBy(channel): no error")
	}
}

func mapStats(gs []store.LeadStats) []string {
	var out []string
	for _, g := range gs {
		out = append(out, statsLine(g))
	}
	return out
}

func join(lines []string) string {
	out := ""
	for i, l := range lines {
		if i > 0 {
			out += "\n  "
		}
		out += l
	}
	return out
}

// On a business clock, time runs only in business hours: a lead posted on
// Friday at 16:00 and rated on Monday at 10:00 waited 2 hours, within a
// 4-hour SLA, and a lead posted on Saturday is not due on Monday at noon.
func testLeadStatsOnBusinessClock(t *testing.T, s *suite) {
	db := s.open(t)
	rate := func(ts string, at time.Time) {
		db.mustReact(t, "r"+ts, store.Reaction{Channel: "CL", TS: ts, User: "UANA", Emoji: "+1", Rating: store.Good, Added: true, At: at})
	}
	p, q := tsAt(friday.Add(16*time.Hour), 0), tsAt(friday.Add(10*time.Hour), 0)
	db.post(t, p, "p", "UMKT", store.Origin{})
	db.post(t, q, "q", "UMKT", store.Origin{})
	db.post(t, tsAt(friday.Add(15*time.Hour), 0), "r: due", "UMKT", store.Origin{})
	db.post(t, tsAt(friday.Add(34*time.Hour), 0), "u: Saturday", "UMKT", store.Origin{})
	rate(p, Start.Add(time.Hour))                  // Monday 10:00
	rate(q, Start.Add(2*time.Hour+30*time.Minute)) // Monday 11:30
	from, now := friday, Start.Add(3*time.Hour)

	office := store.SLA{Within: 4 * time.Hour, Clock: officeHours{}}
	want := `"" posted=4 rated=2 hot=0 ratings=2 good=2 poor=0 hotvote=0 reasons=[] first=[2h0m0s 9h30m0s] median=5h45m0s due=3 within=1`
	if got := statsLine(db.mustStatsOn(t, from, now, office, now)); got != want {
		t.Errorf("LeadStats on office hours =\n  %s\nwant\n  %s", got, want)
	}
	if g := db.mustStatsBy(t, store.BySource, from, now, office, now); len(g) != 1 || statsLine(g[0]) != `"manual"`+want[2:] {
		t.Errorf("LeadStatsBy on office hours = %s", join(mapStats(g)))
	}
	// The wall clock: 66 and 73.5 hours, and every lead due.
	want = `"" posted=4 rated=2 hot=0 ratings=2 good=2 poor=0 hotvote=0 reasons=[] first=[66h0m0s 73h30m0s] median=69h45m0s due=4 within=0`
	if got := statsLine(db.mustStatsOn(t, from, now, store.SLA{Within: 4 * time.Hour}, now)); got != want {
		t.Errorf("LeadStats on the wall clock =\n  %s\nwant\n  %s", got, want)
	}
}

func (db *tdb) mustReturned(tb testing.TB, from, to time.Time, limit int) ([]store.Returned, int) {
	tb.Helper()
	rs, total, err := db.ReturnedLeads(ctx, from, to, limit)
	if err != nil {
		tb.Fatalf("ReturnedLeads: %v", err)
	}
	return rs, total
}

func returnedLines(rs []store.Returned) []string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%s %s %s %s at %v", r.Lead.Text, r.User, r.Reason, r.Lead.Source, r.At.Sub(Start)))
	}
	return out
}

// ReturnedLeads lists the poor ratings with a reason of the leads posted
// in a window, latest first, with the lead.
func testReturnedLeads(t *testing.T, s *suite) {
	db := s.open(t)
	poor := func(ts, user string, at time.Duration, reason string) {
		r := db.mustReact(t, ts+user, store.Reaction{Channel: "CL", TS: ts, User: user, Emoji: "-1", Rating: store.Poor, Added: true, At: Start.Add(at)})
		if reason != "" {
			if err := db.SetReason(ctx, r.LeadID, user, reason); err != nil {
				t.Fatal(err)
			}
		}
	}
	a, b, c, d := tsAt(Start, 0), tsAt(Start.Add(time.Hour), 0), tsAt(Start.Add(2*time.Hour), 0), tsAt(Start.Add(3*time.Hour), 0)
	f, old := tsAt(Start.Add(4*time.Hour), 0), tsAt(Start.Add(-time.Hour), 0)
	db.post(t, a, "a", "UMKT", store.Origin{Source: "Webinar", Campaign: "q4"})
	db.post(t, b, "b", "HubSpot", store.Origin{})
	db.post(t, c, "c", "UMKT", store.Origin{})
	db.post(t, d, "d", "UMKT", store.Origin{})
	db.post(t, f, "f", "UMKT", store.Origin{})
	db.post(t, old, "old", "UMKT", store.Origin{})
	poor(a, "UBEN", time.Hour, "wrong_persona")
	poor(a, "UANA", time.Hour, "no_budget") // the same time: by lead, then rater
	poor(b, "UANA", 3*time.Hour, "other: a student")
	db.mustReact(t, "good", store.Reaction{Channel: "CL", TS: b, User: "UBEN", Emoji: "+1", Rating: store.Good, Added: true, At: Start.Add(5 * time.Hour)})
	poor(c, "UANA", 4*time.Hour, "") // no reason: not returned
	poor(d, "UANA", 4*time.Hour, "duplicate")
	db.mustDelete(t, "CL", d)
	poor(f, "UANA", 5*time.Hour, "not_ready")
	poor(old, "UANA", 5*time.Hour, "duplicate")

	day := Start.Add(24 * time.Hour)
	rs, total := db.mustReturned(t, Start, day, -1)
	want := []string{"f UANA not_ready manual at 5h0m0s", "b UANA other: a student HubSpot at 3h0m0s",
		"a UANA no_budget Webinar at 1h0m0s", "a UBEN wrong_persona Webinar at 1h0m0s"}
	if got := returnedLines(rs); !slices.Equal(got, want) || total != 4 {
		t.Fatalf("ReturnedLeads = %q, %d; want %q, 4", got, total, want)
	}
	if l := rs[2].Lead; l.ID == 0 || l.Channel != "CL" || l.TS != a || l.PostedBy != "UMKT" || l.Campaign != "q4" || !l.PostedAt.Equal(Start) || l.Deleted {
		t.Errorf("returned lead = %+v, want a as stored", l)
	}
	if rs, total := db.mustReturned(t, Start, day, 2); !slices.Equal(returnedLines(rs), want[:2]) || total != 4 {
		t.Errorf("ReturnedLeads(limit 2) = %q, %d; want the first two of 4", returnedLines(rs), total)
	}
	// [from, to): a, posted at from, is in; f, posted at to, is out.
	if rs, total := db.mustReturned(t, Start, Start.Add(4*time.Hour), 10); total != 3 || len(rs) != 3 || rs[0].Lead.Text != "b" {
		t.Errorf("ReturnedLeads([0h, 4h)) = %q, %d", returnedLines(rs), total)
	}
	if rs, total := db.mustReturned(t, day, day.Add(time.Hour), 10); len(rs) != 0 || total != 0 {
		t.Errorf("ReturnedLeads of an empty window = %q, %d", returnedLines(rs), total)
	}
}

func (db *tdb) dueTexts(tb testing.TB, n store.Nudge, now time.Time) []string {
	tb.Helper()
	due, err := db.DueNudges(ctx, n, now, 10)
	if err != nil {
		tb.Fatalf("DueNudges(%s): %v", n.Prefix, err)
	}
	out := []string{}
	for _, l := range due {
		out = append(out, l.Text)
	}
	return out
}

func (db *tdb) nextDue(tb testing.TB, n store.Nudge, now time.Time) time.Time {
	tb.Helper()
	at, err := db.NextNudgeDue(ctx, n, now)
	if err != nil {
		tb.Fatalf("NextNudgeDue(%s): %v", n.Prefix, err)
	}
	return at
}

// The reminder falls due at the SLA, the escalation at twice the SLA, each
// once per lead (its own claim key), each for NudgeMaxAge after it fell
// due; rated, deleted and unverified leads get neither.
func testLoopNudges(t *testing.T, s *suite) {
	db := s.open(t)
	sla := store.SLA{Within: time.Hour}
	reminder, escalation := sla.Reminder(), sla.Escalation()
	now := Start.Add(3 * time.Hour) // 12:00
	db.set(now)
	if at := db.nextDue(t, reminder, now); !at.IsZero() {
		t.Fatalf("NextNudgeDue with no leads = %v, want zero", at)
	}
	post := func(at time.Time, text string) string {
		ts := tsAt(at, 0)
		db.post(t, ts, text, "UMKT", store.Origin{})
		return ts
	}
	post(Start, "a")                                                 // reminder 10:00, escalation 11:00
	post(Start.Add(90*time.Minute), "b")                             // 11:30, 12:30
	post(Start.Add(160*time.Minute), "c")                            // 12:40
	post(now.Add(-time.Hour), "d")                                   // due exactly now; escalation 13:00
	post(now.Add(-time.Hour-store.NudgeMaxAge), "too old to remind") // its reminder fell due NudgeMaxAge ago, its escalation since
	post(now.Add(-time.Hour-store.NudgeMaxAge+time.Minute), "old")   // still within the age, both
	rated := post(Start.Add(-10*time.Minute), "rated")
	db.mustReact(t, "r", store.Reaction{Channel: "CL", TS: rated, User: "UANA", Emoji: "+1", Rating: store.Good, Added: true, At: Start})
	gone := post(Start.Add(-20*time.Minute), "deleted")
	db.mustDelete(t, "CL", gone)
	db.mustReact(t, "u", store.Reaction{Channel: "CL", TS: tsAt(Start.Add(-30*time.Minute), 0), User: "UANA", Emoji: "+1", Rating: store.Good, Added: true, At: Start})

	if got, want := db.dueTexts(t, reminder, now), []string{"old", "a", "b", "d"}; !slices.Equal(got, want) {
		t.Fatalf("due reminders = %q, want %q (oldest first)", got, want)
	}
	if got, want := db.dueTexts(t, escalation, now), []string{"too old to remind", "old", "a"}; !slices.Equal(got, want) {
		t.Fatalf("due escalations = %q, want %q", got, want)
	}
	if lim, err := db.DueNudges(ctx, reminder, now, 1); err != nil || len(lim) != 1 || lim[0].Text != "old" || lim[0].Source != store.ManualSource {
		t.Fatalf("DueNudges(limit 1) = %+v, %v", lim, err)
	}
	b, _ := store.TSTime(tsAt(Start.Add(90*time.Minute), 0))
	c, _ := store.TSTime(tsAt(Start.Add(160*time.Minute), 0))
	if at := db.nextDue(t, reminder, now); !at.Equal(c.Add(time.Hour)) {
		t.Errorf("next reminder = %v, want c's at 12:40", at)
	}
	if at := db.nextDue(t, escalation, now); !at.Equal(b.Add(2 * time.Hour)) {
		t.Errorf("next escalation = %v, want b's at 12:30", at)
	}

	// The two nudges of a lead have claims of their own.
	due, _ := db.DueNudges(ctx, reminder, now, 10)
	ids := map[string]int64{}
	for _, l := range due {
		ids[l.Text] = l.ID
	}
	if _, ok, _ := db.Claim(ctx, reminder.Key(ids["a"]), "bot-1", 10*time.Minute); !ok {
		t.Fatal("claim of a's reminder failed")
	}
	if _, ok, _ := db.Claim(ctx, escalation.Key(ids["old"]), "bot-1", 10*time.Minute); !ok {
		t.Fatal("claim of old's escalation failed")
	}
	if err := db.Done(ctx, escalation.Key(ids["old"]), "bot-1"); err != nil {
		t.Fatal(err)
	}
	if got, want := db.dueTexts(t, reminder, now), []string{"old", "b", "d"}; !slices.Equal(got, want) {
		t.Errorf("due reminders while a's is held = %q, want %q", got, want)
	}
	if got, want := db.dueTexts(t, escalation, now), []string{"too old to remind", "a"}; !slices.Equal(got, want) {
		t.Errorf("due escalations with old's done = %q, want %q", got, want)
	}
	// The lease ran out: due again (c's reminder fell due meanwhile, old's
	// is too old by then).
	if got, want := db.dueTexts(t, reminder, now.Add(41*time.Minute)), []string{"a", "b", "d", "c"}; !slices.Equal(got, want) {
		t.Errorf("due reminders once the lease ran out = %q, want %q", got, want)
	}
	// Rated now: neither nudge.
	db.mustReact(t, "rb", store.Reaction{Channel: "CL", TS: tsAt(Start.Add(90*time.Minute), 0), User: "UANA", Emoji: "-1", Rating: store.Poor, Added: true, At: now})
	if got := db.dueTexts(t, reminder, now); slices.Contains(got, "b") {
		t.Errorf("due reminders after b was rated = %q", got)
	}
	if at := db.nextDue(t, escalation, now); !at.Equal(now.Add(time.Hour)) {
		t.Errorf("next escalation after b was rated = %v, want d's at 13:00", at)
	}
}

// On a business clock the nudges fall due in business time.
func testLoopNudgesOnBusinessClock(t *testing.T, s *suite) {
	db := s.open(t)
	sla := store.SLA{Within: 2 * time.Hour, Clock: officeHours{}}
	reminder, escalation := sla.Reminder(), sla.Escalation()
	now := Start.Add(time.Hour) // Monday 10:00
	db.set(now)
	db.post(t, tsAt(friday.Add(16*time.Hour), 0), "p: Friday 16:00", "UMKT", store.Origin{}) // 2h at Monday 10:00
	db.post(t, tsAt(friday.Add(12*time.Hour), 0), "q: Friday 12:00", "UMKT", store.Origin{}) // reminder 14:00, escalation 16:00
	db.post(t, tsAt(friday.Add(35*time.Hour), 0), "r: Saturday", "UMKT", store.Origin{})     // 1h at Monday 10:00
	db.post(t, tsAt(Start.Add(30*time.Minute), 0), "s: Monday 09:30", "UMKT", store.Origin{})
	if got, want := db.dueTexts(t, reminder, now), []string{"q: Friday 12:00", "p: Friday 16:00"}; !slices.Equal(got, want) {
		t.Errorf("due reminders = %q, want %q", got, want)
	}
	if got, want := db.dueTexts(t, escalation, now), []string{"q: Friday 12:00"}; !slices.Equal(got, want) {
		t.Errorf("due escalations = %q, want %q", got, want)
	}
	if at := db.nextDue(t, reminder, now); !at.Equal(Start.Add(2 * time.Hour)) {
		t.Errorf("next reminder = %v, want r's on Monday at 11:00", at)
	}
	if at := db.nextDue(t, escalation, now); !at.Equal(Start.Add(3 * time.Hour)) {
		t.Errorf("next escalation = %v, want p's on Monday at 12:00", at)
	}
	// On the wall clock r, posted 47 hours ago, is overdue too.
	if got := db.dueTexts(t, store.SLA{Within: 2 * time.Hour}.Reminder(), now); len(got) != 3 {
		t.Errorf("due reminders on the wall clock = %q, want p, q and r", got)
	}
}

func (db *tdb) mustSetSLA(tb testing.TB, name string, target float64, by store.Actor) store.SLATarget {
	tb.Helper()
	got, err := db.SetSLATarget(ctx, store.SLATarget{Name: name, Target: target, SetBy: by.ID, SetByName: by.Name})
	if err != nil {
		tb.Fatalf("SetSLATarget(%s %v): %v", name, target, err)
	}
	return got
}

func targetLines(ts []store.SLATarget) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, fmt.Sprintf("%s %v by %s (%s) at %v", t.Name, t.Target, t.SetBy, t.SetByName, t.SetAt.Sub(Start)))
	}
	return out
}

// The commitments of the two-way SLA: targets checked, the latest in
// force, the history kept.
func testCommitments(t *testing.T, s *suite) {
	db := s.open(t)
	for _, bad := range []store.SLATarget{
		{Name: "bogus", Target: 1}, {Name: store.SLALeads, Target: 1.5}, {Name: store.SLALeads, Target: -1},
		{Name: store.SLAGood, Target: 101}, {Name: store.SLAWithin, Target: -0.5}, {Name: store.SLAGood, Target: math.NaN()},
	} {
		if _, err := db.SetSLATarget(ctx, bad); !errors.As(err, new(*store.RecordError)) || store.IsDBError(err) {
			t.Errorf("SetSLATarget(%+v) = %v, want a RecordError", bad, err)
		}
	}
	if h, err := db.SLAHistory(ctx); err != nil || len(h) != 0 {
		t.Fatalf("SLAHistory after refused targets = %+v, %v", h, err)
	}
	if cur, err := db.SLATargets(ctx); err != nil || len(cur) != 0 {
		t.Fatalf("SLATargets of none = %+v, %v", cur, err)
	}
	got := db.mustSetSLA(t, store.SLALeads, 40, ann)
	if want := (store.SLATarget{Name: store.SLALeads, Target: 40, SetBy: ann.ID, SetByName: ann.Name, SetAt: Start}); !reflect.DeepEqual(got, want) {
		t.Errorf("SetSLATarget = %+v, want %+v (set at the store's now)", got, want)
	}
	db.set(Start.Add(time.Hour))
	db.mustSetSLA(t, store.SLAGood, 70, bob)
	db.set(Start.Add(2 * time.Hour))
	db.mustSetSLA(t, store.SLALeads, 50, bob)
	db.mustSetSLA(t, store.SLAWithin, 90, ann) // the same time: set after
	db.set(Start.Add(3 * time.Hour))
	db.mustSetSLA(t, store.SLAGood, 75, ann)

	check := func(what string, ts []store.SLATarget, err error, want ...string) {
		t.Helper()
		if got := targetLines(ts); err != nil || !slices.Equal(got, want) {
			t.Errorf("%s = %q, %v; want %q", what, got, err, want)
		}
	}
	cur, err := db.SLATargets(ctx)
	check("SLATargets", cur, err, "leads 50 by UBOB (Bob) at 2h0m0s", "good 75 by UANN (Ann) at 3h0m0s", "within 90 by UANN (Ann) at 2h0m0s")
	at, err := db.SLATargetsAt(ctx, Start.Add(-time.Second))
	check("SLATargetsAt(before any)", at, err)
	at, err = db.SLATargetsAt(ctx, Start)
	check("SLATargetsAt(0h)", at, err, "leads 40 by UANN (Ann) at 0s")
	at, err = db.SLATargetsAt(ctx, Start.Add(90*time.Minute))
	check("SLATargetsAt(1h30m)", at, err, "leads 40 by UANN (Ann) at 0s", "good 70 by UBOB (Bob) at 1h0m0s")
	at, err = db.SLATargetsAt(ctx, Start.Add(2*time.Hour))
	check("SLATargetsAt(2h)", at, err, "leads 50 by UBOB (Bob) at 2h0m0s", "good 70 by UBOB (Bob) at 1h0m0s", "within 90 by UANN (Ann) at 2h0m0s")
	h, err := db.SLAHistory(ctx)
	check("SLAHistory", h, err, "good 75 by UANN (Ann) at 3h0m0s", "within 90 by UANN (Ann) at 2h0m0s", "leads 50 by UBOB (Bob) at 2h0m0s",
		"good 70 by UBOB (Bob) at 1h0m0s", "leads 40 by UANN (Ann) at 0s")
}

// An export holds the origin of every lead and every change of a
// commitment, oldest first; imported, it exports the same, and a second
// import changes nothing, through JSON too.
func testLeadLoopRoundTrip(t *testing.T, s *suite) {
	src := s.open(t)
	src.post(t, tsAt(Start, 1), "a", "UMKT", store.Origin{Source: "Webinar", Campaign: "q4"})
	src.post(t, tsAt(Start, 2), "Source: LinkedIn", "UMKT", store.Origin{})
	src.mustSetSLA(t, store.SLALeads, 40, ann)
	src.set(Start.Add(time.Hour + 123*time.Nanosecond))
	src.mustSetSLA(t, store.SLAGood, 62.5, bob)
	src.mustSetSLA(t, store.SLALeads, 45, bob)

	ds := src.mustExport(t)
	if len(ds.Leads) != 2 || ds.Leads[0].Source != "Webinar" || ds.Leads[0].Campaign != "q4" || ds.Leads[1].Source != "LinkedIn" {
		t.Fatalf("exported leads = %s", jsonOf(t, ds.Leads))
	}
	later := Start.Add(time.Hour + 123*time.Nanosecond)
	wantSLA := []store.SLARecord{
		{Name: store.SLALeads, Target: 40, SetBy: ann.ID, SetAt: Start},
		{Name: store.SLAGood, Target: 62.5, SetBy: bob.ID, SetAt: later},
		{Name: store.SLALeads, Target: 45, SetBy: bob.ID, SetAt: later},
	}
	if !reflect.DeepEqual(ds.SLA, wantSLA) || ds.SLA[0].SetAt.Location() != time.UTC {
		t.Fatalf("exported sla = %s, want %s (oldest first, UTC)", jsonOf(t, ds.SLA), jsonOf(t, wantSLA))
	}
	// Through JSON, as the export file has it.
	var file store.Dataset
	if err := json.Unmarshal([]byte(jsonOf(t, ds)), &file); err != nil {
		t.Fatalf("read the export back: %v", err)
	}
	dst := s.openAt(t, Start.Add(48*time.Hour))
	if rep := dst.mustImport(t, file); rep.Created != 5 || rep.Updated+rep.Unchanged+len(rep.Rejected) != 0 {
		t.Fatalf("Import = %+v, want 5 created", rep)
	}
	if got, want := jsonOf(t, dst.mustExport(t)), jsonOf(t, ds); got != want {
		t.Fatalf("round trip changed the data:\n%s\nwant\n%s", got, want)
	}
	if rep := dst.mustImport(t, file); rep.Unchanged != 5 || rep.Created+rep.Updated+len(rep.Rejected) != 0 {
		t.Fatalf("second Import = %+v, want 5 unchanged", rep)
	}
	if cur, err := dst.SLATargets(ctx); err != nil || !slices.Equal(targetLines(cur), []string{
		"leads 45 by UBOB () at 1h0m0.000000123s", "good 62.5 by UBOB () at 1h0m0.000000123s"}) {
		t.Errorf("SLATargets after the import = %q, %v", targetLines(cur), err)
	}
	// An export made before sources and commitments imports: the source
	// found in its text, no sla section.
	old := `{"version": 1, "leads": [{"channel": "CL", "ts": "` + tsAt(Start, 3) + `", "text": "Source: Webinar", "posted_by": "UMKT",
		"posted_at": "` + Start.Add(3*time.Microsecond).Format(time.RFC3339Nano) + `", "deleted": false, "feedback": []}]}`
	var oldDS store.Dataset
	if err := json.Unmarshal([]byte(old), &oldDS); err != nil {
		t.Fatal(err)
	}
	if rep := dst.mustImport(t, oldDS); rep.Created != 1 {
		t.Fatalf("Import of an old export = %+v", rep)
	}
	if l := dst.leadOf(t, "CL", tsAt(Start, 3)); l.Source != "Webinar" || l.Campaign != "" {
		t.Errorf("lead of an old export = %+v, want its source Webinar", l)
	}
	if rep := dst.mustImport(t, oldDS); rep.Unchanged != 1 {
		t.Errorf("second Import of an old export = %+v, want unchanged", rep)
	}
}

// An sla record is checked, and added unless a change of its name at its
// set_at is stored; one with neither set_at nor set_by is the importer's,
// now.
func testImportSLARecords(t *testing.T, s *suite) {
	db := s.open(t)
	db.mustSetSLA(t, store.SLALeads, 40, ann)
	db.set(Start.Add(time.Hour))
	rep := db.mustImport(t, store.Dataset{SLA: []store.SLARecord{
		{Name: "bogus", Target: 1, SetAt: Start},
		{Name: store.SLALeads, Target: 2.5, SetAt: Start},
		{Name: store.SLAGood, Target: 101},
		{Name: store.SLALeads, Target: 99, SetBy: "UOTHER", SetAt: Start}, // the change stored at Start: the same
		{Name: store.SLAWithin, Target: 80},                               // now, by the importer
		{Name: store.SLAGood, Target: 60, SetBy: "UKIM", SetAt: Start.Add(-time.Hour).In(time.FixedZone("CET", 3600))},
	}})
	var rejected []string
	for _, r := range rep.Rejected {
		rejected = append(rejected, fmt.Sprintf("%s[%d]", r.Section, r.Index))
		if !errors.As(r.Err, new(*store.RecordError)) {
			t.Errorf("rejection %s[%d] = %v, want a RecordError", r.Section, r.Index, r.Err)
		}
	}
	if want := []string{"sla[0]", "sla[1]", "sla[2]"}; !slices.Equal(rejected, want) || rep.Created != 2 || rep.Unchanged != 1 {
		t.Fatalf("Import = %+v, rejected %q; want %q, 2 created, 1 unchanged", rep, rejected, want)
	}
	h, err := db.SLAHistory(ctx)
	if want := []string{"within 80 by import (import) at 1h0m0s", "leads 40 by UANN (Ann) at 0s", "good 60 by UKIM () at -1h0m0s"}; err != nil || !slices.Equal(targetLines(h), want) {
		t.Errorf("SLAHistory after the import = %q, %v; want %q", targetLines(h), err, want)
	}
}
