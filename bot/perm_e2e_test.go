package bot_test

import (
	"fmt"
	"strings"
	"testing"

	"smarketing/bot/slackfake"
	"smarketing/commands"
	"smarketing/commands/sides"
	"smarketing/store"
)

// withSides puts UANA on the sales side and UMO on the marketing side.
func withSides(o *commands.Options) {
	o.Sides = sides.NewRoster(sides.List{Users: []string{"UANA"}}, sides.List{Users: []string{"UMO"}}, nil, sides.Options{})
}

// notesTo returns the ephemeral messages posted to user that say their
// rating does not count.
func (e *env) notesTo(user string) []slackfake.Call {
	var out []slackfake.Call
	for _, c := range e.fake.Calls("chat.postEphemeral") {
		if c.Params["user"] == user && strings.Contains(c.Params["text"], "does not count") {
			out = append(out, c)
		}
	}
	return out
}

// ownReaction is user reacting to a message they posted, as Slack says it
// (item_user); without item_user if noItemUser.
func ownReaction(user, emoji, msgTS string, noItemUser bool) map[string]any {
	r := reaction(true, user, emoji, leadsChannel, msgTS)
	r["item_user"] = user
	if noItemUser {
		delete(r, "item_user")
	}
	return r
}

// A marketer reacting to the lead they posted rates nothing, however often
// and in whatever way the reaction arrives (retried, another emoji, an
// event without item_user that only the store can judge), and is told so
// once, in the lead's thread. Sales' rating counts.
func TestOwnLeadReactionNotCounted(t *testing.T) {
	e := start(t, withSides)
	lead := ts(30, 1)
	e.event(t, "EvLead", message(leadsChannel, lead, "UMO", "Acme wants a demo", nil))

	e.event(t, "EvOwn1", ownReaction("UMO", "+1", lead, false))
	e.event(t, "EvOwn1", ownReaction("UMO", "+1", lead, false)) // Slack's retry
	e.event(t, "EvOwn2", ownReaction("UMO", "fire", lead, false))
	e.event(t, "EvOwn3", ownReaction("UMO", "-1", lead, true))
	note, err := e.fake.WaitCall(e.ctx, "chat.postEphemeral", func(c slackfake.Call) bool { return c.Params["user"] == "UMO" })
	if err != nil {
		t.Fatal(err)
	}
	if note.Params["channel"] != leadsChannel || note.Params["thread_ts"] != lead {
		t.Fatalf("note went to %q thread %q, want the lead's thread", note.Params["channel"], note.Params["thread_ts"])
	}
	mustContain(t, "note", note.Params["text"], "You posted this lead", "the sales side")
	e.checkRatings(t, map[rater]store.Rating{})
	mustContain(t, "/leads", e.leadsSays(t), "Rated*\n0 of 1", "of 0 ratings")

	e.event(t, "EvSales", reaction(true, "UANA", "+1", leadsChannel, lead))
	e.checkRatings(t, map[rater]store.Rating{{lead, "UANA"}: store.Good})
	mustContain(t, "/leads", e.leadsSays(t), "Good*\n100% of 1 rating")

	e.stop() // every follow-up done: no note can still be on its way
	if n := len(e.notesTo("UMO")); n != 1 {
		t.Fatalf("%d notes to the poster, want exactly 1", n)
	}
	if n := len(e.fake.Calls("chat.postEphemeral")); n != 1 {
		t.Fatalf("%d ephemeral messages, want only the note", n)
	}
}

// Reactions to a message the bot never saw are judged once it is fetched:
// the rating its poster (on the sales side, so the store keeps it until
// then) gave it is dropped, someone off the sales side is not counted, and
// each is told once.
func TestReactionsOnUnseenLeadJudgedAfterFetch(t *testing.T) {
	e := start(t, withSides)
	missed := ts(60, 1)
	e.fake.AddMessage(leadsChannel, slackfake.Message{TS: missed, User: "UANA", Text: "Lead posted while the bot was down"})

	e.event(t, "EvOwn", ownReaction("UANA", "+1", missed, true))
	e.event(t, "EvEve", reaction(true, "UEVE", "fire", leadsChannel, missed))
	e.event(t, "EvEve2", reaction(true, "UEVE", "+1", leadsChannel, missed))
	for _, user := range []string{"UANA", "UEVE"} {
		if _, err := e.fake.WaitCall(e.ctx, "chat.postEphemeral", func(c slackfake.Call) bool { return c.Params["user"] == user }); err != nil {
			t.Fatalf("no note to %s: %v", user, err)
		}
	}
	e.stop()
	mo, eve := e.notesTo("UANA"), e.notesTo("UEVE")
	if len(mo) != 1 || len(eve) != 1 {
		t.Fatalf("notes: %d to the poster, %d to UEVE; want one each", len(mo), len(eve))
	}
	mustContain(t, "poster's note", mo[0].Params["text"], "You posted this lead")
	mustContain(t, "UEVE's note", eve[0].Params["text"], "Only the sales side rates leads")
	e.checkRatings(t, map[rater]store.Rating{})
	if un, err := e.db.UnverifiedLeads(e.ctx); err != nil || len(un) != 0 {
		t.Fatalf("unverified leads = %+v, %v; want the message settled", un, err)
	}
}

// The Home tab offers no rating buttons to someone off the sales side, and
// a press anyway (an old view, a crafted payload) counts nowhere: the
// answer to the click says who rates.
func TestHomeRatingByNonSalesNotCounted(t *testing.T) {
	e := start(t, withSides)
	lead := ts(10, 1)
	e.event(t, "EvLead", message(leadsChannel, lead, "UMKT", "Acme wants a demo", nil))
	e.event(t, "EvHome", map[string]any{"type": "app_home_opened", "user": "UEVE", "channel": "DEVE", "tab": "home", "event_ts": ts(0, 1)})
	_, text := e.homeView(t, "UEVE", 1)
	mustContain(t, "home", text, "Acme wants a demo")
	mustNotContain(t, "home", text, "1 good", "1 poor", "1 hot")

	for i, user := range []string{"UEVE", "UMO"} {
		e.pressHome(t, user, "rate", "1 good")
		n := 1
		if user == "UEVE" {
			n = 2
		}
		_, text = e.homeView(t, user, n)
		mustContain(t, fmt.Sprintf("home after press %d", i), text, "Only the sales side rates leads")
	}
	e.checkRatings(t, map[rater]store.Rating{})
	mustContain(t, "/leads", e.leadsSays(t), "Rated*\n0 of 1")

	e.pressHome(t, "UANA", "rate", "1 good")
	_, text = e.homeView(t, "UANA", 1)
	mustContain(t, "home after a sales rating", text, "You rated")
	e.checkRatings(t, map[rater]store.Rating{{lead, "UANA"}: store.Good})
}

// Only a member of a channel schedules a meeting there, by command or by
// form, as conversations.members says (read page by page); a private
// channel the bot is not in is refused with how to fix it.
func TestMeetingAddNeedsChannelMembership(t *testing.T) {
	e := start(t, func(o *commands.Options) { o.Members = checkMembers })
	crowd := make([]string, 0, 2500)
	for i := range 2500 {
		crowd = append(crowd, fmt.Sprintf("U%05d", i))
	}
	e.fake.SetChannelMembers("C0MEET1", append(crowd, "UANN")...) // UANN sorts after every U0…: on the last page
	e.fake.SetChannelMembers("GSECRET", "UEXEC")                  // private, without the bot

	r, _ := e.command(t, "/meeting", "UBOB", `add "Sync" every tue at 10:00 <#C0MEET1|sales-marketing>`)
	mustContain(t, "refusal", r.all(), "you are not a member of", "Join it first")
	r, _ = e.command(t, "/meeting", "UEXEC", `add "Sync" every tue at 10:00 <#GSECRET|secret-exec>`)
	mustContain(t, "hidden channel", r.all(), "I can't see who is in", "Add me to it first")
	if ms, err := e.db.Meetings(e.ctx); err != nil || len(ms) != 0 {
		t.Fatalf("meetings after refusals = %+v, %v; want none", ms, err)
	}

	r, _ = e.command(t, "/meeting", "UANN", `add "Sync" every tue at 10:00 <#C0MEET1|sales-marketing>`)
	mustContain(t, "accepted", r.all(), "Scheduled *Sync*")
	pages := 0
	for _, c := range e.fake.Calls("conversations.members") {
		if c.Params["channel"] == "C0MEET1" {
			pages++
		}
	}
	if pages < 3 {
		t.Fatalf("%d conversations.members pages read for 2,501 members, want every page", pages)
	}

	// The form: refused next to the channel field, then accepted.
	id := e.fake.SendSlash(slackfake.Slash{Command: "/meeting", Text: "add", UserID: "UBOB", TriggerID: "trig-meet", ResponseURL: e.fake.ResponseURL("meet")})
	if _, err := e.fake.WaitAck(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	v := e.openedView(t, "trig-meet")
	values := map[string]string{"title": "Pipeline", "days": "tue", "time": "10:00", "channel": "C0MEET1"}
	if got := e.submit(t, "UBOB", v, values); got.ResponseAction != "errors" || !strings.Contains(got.Errors["channel"], "not a member") {
		t.Fatalf("form by a non-member = %+v, want an error on the channel", got)
	}
	if got := e.submit(t, "UANN", v, values); got.ResponseAction != "" {
		t.Fatalf("form by a member = %+v, want it saved", got)
	}
	if ms, err := e.db.Meetings(e.ctx); err != nil || len(ms) != 2 {
		t.Fatalf("meetings = %+v, %v; want the two UANN scheduled", ms, err)
	}
}
