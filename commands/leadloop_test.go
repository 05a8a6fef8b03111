package commands

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"smarketing/schedules/businesshours"
	"smarketing/store"
	"smarketing/store/storetest"
)

// loopEnv drives a handler through leads, ratings and reasons at given
// times, as the bot would.
type loopEnv struct {
	tb  testing.TB
	h   *Handler
	db  *storetest.DB
	seq int
}

func newLoopEnv(tb testing.TB, now time.Time, opt Options) *loopEnv {
	db := storetest.Open(tb, now)
	opt.LeadsChannels = []string{"CLEADS"}
	opt.Reactions = map[string]string{"+1": "good", "-1": "poor", "fire": "hot"}
	opt.Admins = []string{"UADMIN"}
	if opt.SLA == 0 {
		opt.SLA = 24 * time.Hour
	}
	opt.Now = func() time.Time { return now }
	return &loopEnv{tb: tb, h: New(db, opt), db: db}
}

func tsOf(t time.Time) string { return fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000) }

// post records a lead posted at; m says who posted it and what.
func (e *loopEnv) post(at time.Time, m Message) string {
	e.tb.Helper()
	e.seq++
	m.EventID, m.Channel, m.TS = fmt.Sprintf("Ev%d", e.seq), "CLEADS", tsOf(at)
	if _, err := e.h.Event(context.Background(), m); err != nil {
		e.tb.Fatal(err)
	}
	return m.TS
}

// rate reacts to the lead ts with emoji at, and, for a poor rating, gives
// reason (a reason id) by the button the bot offered.
func (e *loopEnv) rate(ts, user, emoji string, at time.Time, reason string) {
	e.tb.Helper()
	e.seq++
	f, err := e.h.Event(context.Background(), ReactionEvent{EventID: fmt.Sprintf("Ev%d", e.seq), Channel: "CLEADS", TS: ts, User: user, Emoji: emoji, Added: true, At: at})
	if err != nil {
		e.tb.Fatal(err)
	}
	if reason == "" {
		return
	}
	if len(f.Ask) != 1 {
		e.tb.Fatalf("poor rating asked %d questions, want 1", len(f.Ask))
	}
	for _, b := range f.Ask[0].Message.Blocks {
		if a, ok := b.(Actions); ok {
			for _, btn := range a.Buttons {
				if strings.HasSuffix(btn.Value, "|"+reason) {
					if _, err := e.h.Act(context.Background(), Action{ActionID: btn.ActionID, Value: btn.Value, UserID: user}); err != nil {
						e.tb.Fatal(err)
					}
					return
				}
			}
		}
	}
	e.tb.Fatalf("no button for reason %q", reason)
}

// TestRecapLeadLoop checks the recap's lead loop against figures worked
// out by hand: the returned leads by group, the per-source table and the
// SLA scorecard with its change.
func TestRecapLeadLoop(t *testing.T) {
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC) // Monday: the week is [Mon 23 09:00, Mon 30 09:00)
	e := newLoopEnv(t, at, Options{Location: time.UTC})
	ctx := context.Background()
	day := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }

	// The week before: one webinar lead, rated good after 1h.
	p1 := e.post(day(17, 10), Message{User: "UMKT", Text: "Lead P1\nSource: webinar"})
	e.rate(p1, "UA", "+1", day(17, 11), "")
	// This week.
	l1 := e.post(day(24, 10), Message{User: "UMKT", Text: "Lead L1\nSource: webinar"})
	e.rate(l1, "UA", "+1", day(24, 12), "") // good after 2h: within
	l2 := e.post(day(25, 10), Message{User: "UMKT", Text: "Lead L2\nSource: webinar"})
	e.rate(l2, "UB", "-1", day(26, 16), "no_budget") // poor after 30h: late; disqualified
	l3 := e.post(day(26, 10), Message{Subtype: "bot_message", BotID: "BZAP", Username: "Zapier", Text: "Lead L3"})
	e.rate(l3, "UC", "-1", day(26, 11), "spam")                 // poor after 1h; rejected
	e.post(day(29, 20), Message{User: "UMKT", Text: "Lead L4"}) // unrated, its SLA not run out yet

	for name, target := range map[string]float64{store.SLALeads: 3, store.SLAGood: 50, store.SLAWithin: 100} {
		if _, err := e.db.SetSLATarget(ctx, store.SLATarget{Name: name, Target: target, SetBy: "UADMIN"}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := e.h.Recap(ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	text := blockText(r.Message.Blocks)
	for _, want := range []string{
		// Returned: L3 rejected, L2 disqualified; none the week before.
		"*Returned to marketing* (rated poor, with a reason)\nNot our lead (rejected): 1 (▲ new)\nReal prospect, not now (disqualified): 1 (▲ new)\nOther: 0 (=)",
		// webinar: L1, L2 rated; 1 good of 2; median of 2h and 30h.
		"*webinar* — 2 posted · 2 rated · 50% good · 0 hot\nTop poor reason: No budget or authority (1) · median time to first feedback: 16h",
		"*Zapier* — 1 posted · 1 rated · 0% good · 0 hot\nTop poor reason: Spam, student or competitor (1) · median time to first feedback: 1h",
		"*manual* — 1 posted · 0 rated · – good · 0 hot\nTop poor reason: none · median time to first feedback: –",
		// 4 leads (1 before); 1 good of 3 ratings (1 of 1); within: L1 and
		// L3 of the three due (1 of 1).
		":white_check_mark: Leads delivered a week (marketing): target 3, got *4* (▲ 300%)",
		":x: Ratings good or hot (marketing): target 50%, got *33%* (▼ 67%)",
		":x: Leads rated within the SLA (sales): target 100%, got *67%* (▼ 33%)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("recap lacks %q:\n%s", want, text)
		}
	}
	if i, j := strings.Index(text, "*webinar*"), strings.Index(text, "*manual*"); i < 0 || j < i {
		t.Errorf("the source with the most leads is not first:\n%s", text)
	}

	// /sla this week (since Mon 30 00:00): nothing posted yet.
	resp, err := e.h.Slash(ctx, Request{Command: "/sla", UserID: "UHEAD"})
	if err != nil {
		t.Fatal(err)
	}
	says := blockText(resp.Blocks)
	for _, want := range []string{
		"Leads delivered a week: *3* — this week 0 :x: (so far; the week ends Sunday)",
		"Ratings good or hot: *50%* — this week no ratings yet :heavy_minus_sign:",
		// Last week, Mon 23 00:00 to Mon 30 00:00: the same four leads.
		"Last week: leads 4 :white_check_mark: · good 33% :x: · within 67% :x:",
	} {
		if !strings.Contains(says, want) {
			t.Errorf("/sla lacks %q:\n%s", want, says)
		}
	}
}

func TestReasonGroups(t *testing.T) {
	tests := []struct{ reason, group, label string }{
		{"wrong_persona", groupRejected, "Wrong persona / ICP"},
		{"bad_contact", groupRejected, "Bad contact data"},
		{"duplicate", groupRejected, "Duplicate"},
		{"spam", groupRejected, "Spam, student or competitor"},
		{"no_budget", groupDisqualified, "No budget or authority"},
		{"not_ready", groupDisqualified, "Not ready to buy"},
		{"no_need", groupDisqualified, "No need"},
		{"other: a student", groupOther, "a student"},
		{"imported free text", groupOther, "imported free text"},
	}
	for _, tc := range tests {
		if g, l := reasonGroup(tc.reason), reasonLabel(tc.reason); g != tc.group || l != tc.label {
			t.Errorf("reason %q: group %q label %q, want %q %q", tc.reason, g, l, tc.group, tc.label)
		}
	}
	got := groupCounts([]store.ReasonCount{{Reason: "spam", Count: 2}, {Reason: "no_budget", Count: 1}, {Reason: "", Count: 5}, {Reason: "other: x", Count: 1}, {Reason: "duplicate", Count: 1}})
	if want := "rejected 3 · disqualified 1 · other 1"; got != want {
		t.Errorf("groupCounts = %q, want %q", got, want)
	}
}

func TestParseTarget(t *testing.T) {
	tests := []struct {
		name, in string
		want     float64
		wantErr  string
	}{
		{store.SLALeads, "40", 40, ""},
		{store.SLALeads, "0", 0, ""},
		{store.SLALeads, "40%", 0, "whole number"},
		{store.SLALeads, "4.5", 0, "whole number"},
		{store.SLALeads, "-1", 0, "whole number"},
		{store.SLALeads, "100001", 0, "whole number"},
		{store.SLAGood, "70%", 70, ""},
		{store.SLAGood, "70", 70, ""},
		{store.SLAGood, "92.5%", 92.5, ""},
		{store.SLAWithin, "100%", 100, ""},
		{store.SLAWithin, "101%", 0, "percentage"},
		{store.SLAWithin, "NaN", 0, "not a number"},
		{store.SLAWithin, "1e2", 0, "not a number"},
		{store.SLAWithin, "0x10", 0, "not a number"},
		{store.SLAWithin, "%", 0, "not a number"},
		{store.SLAWithin, "<!channel>", 0, "&lt;!channel&gt;"},
	}
	for _, tc := range tests {
		got, err := parseTarget(tc.name, tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseTarget(%s, %q) = %v, %v; want error %q", tc.name, tc.in, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseTarget(%s, %q) = %v, %v; want %v", tc.name, tc.in, got, err, tc.want)
		}
	}
}

func TestParseEscalate(t *testing.T) {
	for in, want := range map[string]string{"": "", " U0HEAD1 ": "U0HEAD1", "S0SALES": "S0SALES", "W0ENT1": "W0ENT1"} {
		if got, err := ParseEscalate(in); err != nil || got != want {
			t.Errorf("ParseEscalate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"<!channel>", "@sales", "C0LEADS", "u0head", "U0HEAD,S0SALES", "!here"} {
		if _, err := ParseEscalate(in); err == nil {
			t.Errorf("ParseEscalate(%q) accepted it", in)
		}
	}
}

// TestLeadsOnBusinessHours: a week of leads across a weekend, measured on
// mon-fri 09:00-17:30 with a 4h SLA, against figures worked out by hand.
func TestLeadsOnBusinessHours(t *testing.T) {
	hours, err := businesshours.Parse("mon-fri 09:00-17:30", time.UTC, businesshours.Holidays{})
	if err != nil {
		t.Fatal(err)
	}
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, time.UTC) }
	now := at(30, 16, 0) // Monday
	for _, tc := range []struct {
		name                 string
		clock                store.SLAClock
		median, sla, slaText string
	}{
		// A 1h30 (Fri 17:00-17:30, Mon 09:00-10:00), B 3h30 (Mon
		// 09:00-12:30), C 5h: median 3h30; within 4h: A and B of A, B, C
		// and D (due Fri 11:30) — 50%.
		{"business hours", hours, "3h 30m", "50%", "4h of business hours"},
		// Around the clock: A 65h, B 48h30, C 5h: median 2d; within: none
		// of A, B, C, D, and E (posted 2h ago) is not due: 0%.
		{"always", nil, "2d", "0%", "4h"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newLoopEnv(t, now, Options{Location: time.UTC, SLA: 4 * time.Hour, SLAClock: tc.clock})
			a := e.post(at(27, 17, 0), Message{User: "UMKT", Text: "A: Friday 17:00"})
			e.rate(a, "UA", "+1", at(30, 10, 0), "")
			b := e.post(at(28, 12, 0), Message{User: "UMKT", Text: "B: Saturday noon"})
			e.rate(b, "UA", "+1", at(30, 12, 30), "")
			c := e.post(at(27, 9, 0), Message{User: "UMKT", Text: "C: Friday 09:00"})
			e.rate(c, "UA", "+1", at(27, 14, 0), "")
			e.post(at(26, 16, 0), Message{User: "UMKT", Text: "D: Thursday 16:00, unrated"})
			e.post(at(30, 14, 0), Message{User: "UMKT", Text: "E: Monday 14:00, unrated"})
			resp, err := e.h.Slash(context.Background(), Request{Command: "/leads", Text: "7d", UserID: "UHEAD"})
			if err != nil {
				t.Fatal(err)
			}
			says := blockText(resp.Blocks)
			for _, want := range []string{"Median time to first feedback*: " + tc.median, "Feedback within SLA (" + tc.slaText + ")*: " + tc.sla} {
				if !strings.Contains(says, want) {
					t.Errorf("/leads lacks %q:\n%s", want, says)
				}
			}
		})
	}
}
