package bot_test

import (
	"strings"
	"testing"
	"time"

	"smarketing/bot/slackfake"
	"smarketing/commands"
	"smarketing/schedules"
	"smarketing/store"
)

// The lead loop of SPEC §9 end to end: sources and campaigns from each of
// the four origins, returned leads, the escalation, the two-way SLA.

func TestLeadSourcesFromEveryOrigin(t *testing.T) {
	e := start(t)
	meta, lines, utm, integ, manual := ts(50, 1), ts(40, 2), ts(30, 3), ts(20, 4), ts(10, 5)
	// (1) The integration's metadata wins over its text and its name.
	e.event(t, "Ev1", message(leadsChannel, meta, "", "New lead: Ana\nSource: ignored", map[string]any{
		"subtype": "bot_message", "bot_id": "BHUB", "username": "HubSpot",
		"metadata": map[string]any{"event_type": "lead_created", "event_payload": map[string]any{"source": "webinar", "campaign": "q4-launch"}}}))
	// (2) Source:/Campaign: lines, or utm_ parameters of a link.
	e.event(t, "Ev2", message(leadsChannel, lines, "UMKT", "Inbound: Bo\n*Source:* LinkedIn Ads\ncampaign: Spring", nil))
	e.event(t, "Ev3", message(leadsChannel, utm, "UMKT", "Form fill <https://acme.example/demo?utm_source=google&utm_campaign=brand%20search|demo>", nil))
	// (3) An integration's post without either: its name.
	e.event(t, "Ev4", message(leadsChannel, integ, "", "Lead: Cy", map[string]any{"subtype": "bot_message", "bot_id": "BZAP", "username": "Zapier"}))
	// (4) A person's post with neither.
	e.event(t, "Ev5", message(leadsChannel, manual, "UMKT", "Met Di at the fair", nil))

	r, _ := e.command(t, "/leads", "UHEAD", "by source 7d")
	says := r.all()
	for _, src := range []string{"*webinar* — 1 posted", "*LinkedIn Ads* — 1 posted", "*google* — 1 posted", "*Zapier* — 1 posted", "*manual* — 1 posted"} {
		mustContain(t, "/leads by source", says, src)
	}
	mustNotContain(t, "/leads by source", says, "ignored", "HubSpot")
	r, _ = e.command(t, "/leads", "UHEAD", "by campaign 7d")
	mustContain(t, "/leads by campaign", r.all(), "*q4-launch* — 1 posted", "*Spring* — 1 posted", "*brand search* — 1 posted", "_(no campaign)_ — 2 posted")

	// An edit reads the source again.
	e.event(t, "Ev6", map[string]any{"type": "message", "subtype": "message_changed", "channel": leadsChannel, "hidden": true,
		"message":          map[string]any{"type": "message", "user": "UMKT", "text": "Met Di at the fair\nSource: Trade show", "ts": manual},
		"previous_message": map[string]any{"type": "message", "user": "UMKT", "text": "Met Di at the fair", "ts": manual},
		"event_ts":         ts(0, 6), "ts": ts(0, 6)})
	r, _ = e.command(t, "/leads", "UHEAD", "by source 7d")
	mustContain(t, "/leads by source after the edit", r.all(), "*Trade show* — 1 posted")
	mustNotContain(t, "/leads by source after the edit", r.all(), "*manual*")

	// The export carries both fields.
	ds, err := e.db.Export(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, l := range ds.Leads {
		got[l.TS] = l.Source + "/" + l.Campaign
	}
	want := map[string]string{meta: "webinar/q4-launch", lines: "LinkedIn Ads/Spring", utm: "google/brand search", integ: "Zapier/", manual: "Trade show/"}
	for ts, w := range want {
		if got[ts] != w {
			t.Errorf("export: lead %s source/campaign = %q, want %q", ts, got[ts], w)
		}
	}
}

func TestPoorLeadWithReasonIsReturned(t *testing.T) {
	e := start(t)
	lead := ts(30, 1)
	e.event(t, "EvL", message(leadsChannel, lead, "UMKT", "Lead: a student\nSource: webinar", nil))
	e.event(t, "Rp1", reaction(true, "UDAN", "-1", leadsChannel, lead))
	ask, err := e.fake.WaitCall(e.ctx, "chat.postEphemeral", nil)
	if err != nil {
		t.Fatal(err)
	}
	blocks := slackfake.Strings([]byte(ask.Params["blocks"]))
	mustContain(t, "reason question", blocks, "Not our lead (rejected)", "Real prospect, not now (disqualified)",
		"Spam, student or competitor", "No need", "Other…")
	e.clickReason(t, ask, "UDAN", "spam")
	if _, err := e.fake.WaitCall(e.ctx, "response_url", func(c slackfake.Call) bool { return c.Path == "reason" }); err != nil {
		t.Fatal(err)
	}
	r, _ := e.command(t, "/leads", "UHEAD", "returned 7d")
	mustContain(t, "/leads returned", r.all(), "*1 returned* — rejected 1 · disqualified 0 · other 0",
		"Lead: a student", "*Spam, student or competitor* (rejected)", "by <@UDAN>", "source webinar")
}

func TestEscalationAtTwiceTheSLAOnce(t *testing.T) {
	e := start(t)
	old, young, rated := ts(150, 1), ts(90, 2), ts(150, 3)
	e.event(t, "EvE1", message(leadsChannel, old, "UMKT", "Nobody looked at me for 2.5 hours", nil))
	e.event(t, "EvE2", message(leadsChannel, young, "UMKT", "Only 1.5 hours old", nil))
	e.event(t, "EvE3", message(leadsChannel, rated, "UMKT", "Rated", nil))
	e.event(t, "EvE4", reaction(true, "UALICE", "+1", leadsChannel, rated))

	sla := store.SLA{Within: time.Hour}
	h := commands.New(e.db, commands.Options{SLA: time.Hour, Escalate: "SESCALATE", Reactions: map[string]string{"+1": "good", "-1": "poor"}})
	job := func() *schedules.Nudges {
		return schedules.Escalations(schedules.Nudges{Store: e.db, Once: schedules.Once{Store: e.db, Owner: "test"}, Poster: e.bot, Message: h.Escalation()}, sla)
	}
	now := time.Now()
	for i := 0; i < 3; i++ {
		if err := job().Run(e.ctx, now.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	posts := e.fake.Calls("chat.postMessage")
	if len(posts) != 1 {
		t.Fatalf("%d escalations posted, want exactly 1: %+v", len(posts), posts)
	}
	if p := posts[0]; p.Params["channel"] != leadsChannel || p.Params["thread_ts"] != old {
		t.Fatalf("escalation went to %s thread %s, want %s thread %s", p.Params["channel"], p.Params["thread_ts"], leadsChannel, old)
	}
	text := posts[0].Params["text"] + slackfake.Strings([]byte(posts[0].Params["blocks"]))
	mustContain(t, "escalation", text, "<!subteam^SESCALATE>", "twice the SLA", "2h after it was posted")
	mustNotContain(t, "escalation", text, "<!channel>", "<!here>", "<@")

	// The next one falls due when the young lead is two hours old.
	youngAt, _ := store.TSTime(young)
	next, err := job().Next(e.ctx, now)
	if err != nil || !next.Equal(youngAt.Add(2*time.Hour)) {
		t.Fatalf("next escalation at %v, %v; want %v", next, err, youngAt.Add(2*time.Hour))
	}

	// Without SMARKETING_SLA_ESCALATE it mentions nobody.
	quiet := commands.New(e.db, commands.Options{SLA: time.Hour}).Escalation()
	mustNotContain(t, "escalation without SMARKETING_SLA_ESCALATE", quiet.Text, "<!", "<@")
	user := commands.New(e.db, commands.Options{SLA: time.Hour, Escalate: "UHEADSALES"}).Escalation()
	mustContain(t, "escalation to a user", user.Text, "<@UHEADSALES>")
}

func TestTwoWaySLA(t *testing.T) {
	e := start(t)
	sla := func(user, text string) string {
		t.Helper()
		r, _ := e.command(t, "/sla", user, text)
		return r.all()
	}
	mustContain(t, "/sla before any target", sla("UHEAD", ""), "Leads delivered a week: _not set_", "`/sla set leads 40`")
	mustContain(t, "/sla set by a non-admin", sla("UMKT", "set leads 2"), "Only admins")
	for text, want := range map[string]string{
		"set good 120%": "percentage from 0% to 100%",
		"set leads 4.5": "whole number of leads",
		"set speed 3":   "There is no commitment _speed_",
		"set leads":     "Say which commitment",
		"set good lots": "_lots_ is not a number",
		"frobnicate":    "I don't know `/sla frobnicate`",
	} {
		mustContain(t, "/sla "+text, sla(admin, text), want)
	}
	mustContain(t, "/sla set leads", sla(admin, "set leads 3"), "The *leads* target is now *3*")
	mustContain(t, "/sla set leads again", sla(admin, "set leads 2"), "now *2* (was 3)")
	mustContain(t, "/sla set good", sla(admin, "set good 50%"), "The *good* target is now *50%*")
	mustContain(t, "/sla set within", sla(admin, "set within 90"), "The *within* target is now *90%*")
	mustContain(t, "/sla set within unchanged", sla(admin, "set within 90%"), "already *90%*")

	// Two leads this week, one rated good at once: 2 of 2 leads, 100%
	// good, and the only lead due (the rated one) rated within the hour.
	a, b := ts(10, 1), ts(5, 2)
	e.event(t, "EvA", message(leadsChannel, a, "UMKT", "Lead A", nil))
	e.event(t, "EvB", message(leadsChannel, b, "UMKT", "Lead B", nil))
	e.event(t, "RaA", reaction(true, "UALICE", "+1", leadsChannel, a))
	says := sla("UHEAD", "")
	mustContain(t, "/sla standing", says,
		"Leads delivered a week: *2* — this week 2 :white_check_mark:",
		"Ratings good or hot: *50%* — this week 100% :white_check_mark:",
		"Leads rated within the SLA: *90%* — this week 100% :white_check_mark:")
	mustContain(t, "/sla set leads 5", sla(admin, "set leads 5"), "now *5* (was 2)")
	mustContain(t, "/sla standing below target", sla("UHEAD", ""), "Leads delivered a week: *5* — this week 2 :x: (so far")

	hist := sla("UHEAD", "history")
	mustContain(t, "/sla history", hist, "*leads* set to *5* (was 2) by <@UADMIN>", "*within* set to *90%* by", "*leads* set to *3* by")
	if i, j := strings.Index(hist, "set to *5*"), strings.Index(hist, "set to *3*"); i < 0 || j < 0 || i > j {
		t.Fatalf("/sla history is not newest first:\n%s", hist)
	}
	// The export has every change.
	ds, err := e.db.Export(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.SLA) != 5 || ds.SLA[0].Name != store.SLALeads || ds.SLA[0].Target != 3 || ds.SLA[0].SetBy != admin || ds.SLA[0].SetAt.IsZero() {
		t.Fatalf("export sla = %+v, want the 5 changes, oldest first", ds.SLA)
	}
}
