package bot_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"smarketing/bot/slackfake"
	"smarketing/commands"
	"smarketing/schedules"
	"smarketing/store"
)

// ts makes a Slack message timestamp minutes ago.
func ts(minutesAgo, n int) string {
	return fmt.Sprintf("%d.%06d", time.Now().Add(-time.Duration(minutesAgo)*time.Minute).Unix(), n)
}

// event sends one Events API event and waits for its ack.
func (e *env) event(tb testing.TB, eventID string, ev map[string]any) {
	tb.Helper()
	id := e.fake.SendEvent(eventID, ev)
	if _, err := e.fake.WaitAck(e.ctx, id); err != nil {
		tb.Fatalf("event %s not acked: %v", eventID, err)
	}
}

func message(channel, ts, user, text string, extra map[string]any) map[string]any {
	m := map[string]any{"type": "message", "channel": channel, "ts": ts, "text": text, "event_ts": ts, "channel_type": "channel"}
	if user != "" {
		m["user"] = user
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func reaction(added bool, user, emoji, channel, msgTS string) map[string]any {
	typ := "reaction_removed"
	if added {
		typ = "reaction_added"
	}
	return map[string]any{"type": typ, "user": user, "reaction": emoji, "item_user": "UPOSTER",
		"item":     map[string]any{"type": "message", "channel": channel, "ts": msgTS},
		"event_ts": fmt.Sprintf("%d.%06d", time.Now().Unix(), time.Now().Nanosecond()/1000)}
}

// leadsSays runs /leads for the last 7 days and returns everything it says.
func (e *env) leadsSays(tb testing.TB) string {
	tb.Helper()
	r, _ := e.command(tb, "/leads", "UHEAD", "7d")
	return r.all()
}

func TestLeadsAreTopLevelPostsInLeadsChannels(t *testing.T) {
	e := start(t)
	integ, person := ts(60, 1), ts(50, 2)
	e.event(t, "Ev1", message(leadsChannel, integ, "", "New lead: Ana <ana@example.com> & co", map[string]any{
		"subtype": "bot_message", "bot_id": "BZAPIER", "username": "Zapier"}))
	e.event(t, "Ev2", message(leadsChannel, person, "UMKT", "Inbound demo request from Bo", nil))
	e.event(t, "Ev3", message(leadsChannel, ts(40, 3), "USALES", "Thread reply", map[string]any{"thread_ts": person}))
	e.event(t, "Ev4", message("COTHER", ts(30, 4), "UMKT", "Not a leads channel", nil))
	e.event(t, "Ev5", message(leadsChannel, ts(20, 5), "UBOT", "The bot's own post", map[string]any{"bot_id": slackfake.BotID}))
	e.event(t, "Ev6", message(leadsChannel, ts(10, 6), "UNEW", "", map[string]any{"subtype": "channel_join"}))

	says := e.leadsSays(t)
	mustContain(t, "/leads", says, "Leads posted*\n2", "Still waiting for feedback* (2)", "New lead: Ana &lt;ana@example.com&gt; &amp; co", "Inbound demo request")
	mustNotContain(t, "/leads", says, "Thread reply", "Not a leads channel", "own post")

	// An edit updates the text; a deletion drops it from the figures.
	e.event(t, "Ev7", map[string]any{"type": "message", "subtype": "message_changed", "channel": leadsChannel, "hidden": true,
		"message":          map[string]any{"type": "message", "user": "UMKT", "text": "Inbound demo request from Bo (CFO)", "ts": person},
		"previous_message": map[string]any{"type": "message", "user": "UMKT", "text": "Inbound demo request from Bo", "ts": person},
		"event_ts":         ts(0, 7), "ts": ts(0, 7)})
	mustContain(t, "/leads after edit", e.leadsSays(t), "Bo (CFO)")
	e.event(t, "Ev8", map[string]any{"type": "message", "subtype": "message_deleted", "channel": leadsChannel, "hidden": true,
		"deleted_ts": integ, "event_ts": ts(0, 8), "ts": ts(0, 8)})
	says = e.leadsSays(t)
	mustContain(t, "/leads after delete", says, "Leads posted*\n1")
	mustNotContain(t, "/leads after delete", says, "Ana")
}

func TestRatingsByReaction(t *testing.T) {
	e := start(t)
	lead := ts(90, 1)
	e.event(t, "EvL", message(leadsChannel, lead, "UMKT", "Lead one", nil))

	e.event(t, "Ra1", reaction(true, "UALICE", "+1", leadsChannel, lead))
	mustContain(t, "after +1", e.leadsSays(t), "Rated*\n1 of 1", "Good*\n100% of 1 rating")

	// Latest wins: the same user's -1 replaces the +1, and she is asked why.
	e.event(t, "Ra2", reaction(true, "UALICE", "-1", leadsChannel, lead))
	mustContain(t, "after -1", e.leadsSays(t), "Good*\n0% of 1 rating", "no reason given — 1")
	ask, err := e.fake.WaitCall(e.ctx, "chat.postEphemeral", func(c slackfake.Call) bool { return c.Params["user"] == "UALICE" })
	if err != nil {
		t.Fatal(err)
	}
	if ask.Params["thread_ts"] != lead || ask.Params["channel"] != leadsChannel {
		t.Fatalf("reason question went to channel %q thread %q, want %s thread %s", ask.Params["channel"], ask.Params["thread_ts"], leadsChannel, lead)
	}
	mustContain(t, "reason question", slackfake.Strings([]byte(ask.Params["blocks"])), "No budget or authority", "Other…")

	// A duplicate delivery of a reaction (same event id) counts once.
	e.event(t, "Rb1", reaction(true, "UBOB", "fire", leadsChannel, lead))
	e.event(t, "Rb1", reaction(true, "UBOB", "fire", leadsChannel, lead))
	mustContain(t, "after duplicate", e.leadsSays(t), "Hot leads*\n1", "of 2 ratings")

	// Removing the -1 falls back to Alice's +1, still on the post.
	e.event(t, "Ra3", reaction(false, "UALICE", "-1", leadsChannel, lead))
	mustContain(t, "after removing -1", e.leadsSays(t), "Good*\n100% of 2 ratings")
	// Removing the +1 too withdraws her rating.
	e.event(t, "Ra4", reaction(false, "UALICE", "+1", leadsChannel, lead))
	mustContain(t, "after removing +1", e.leadsSays(t), "Good*\n100% of 1 rating")

	// Unknown emoji, the bot's own reactions and reactions elsewhere are ignored.
	e.event(t, "Rx1", reaction(true, "UCAROL", "tada", leadsChannel, lead))
	e.event(t, "Rx2", reaction(true, slackfake.BotUserID, "+1", leadsChannel, lead))
	e.event(t, "Rx3", reaction(true, "UCAROL", "+1", "COTHER", lead))
	mustContain(t, "after ignored", e.leadsSays(t), "of 1 rating")
}

func TestPoorReasonButtonStoresReason(t *testing.T) {
	e := start(t)
	lead := ts(30, 1)
	e.event(t, "EvL", message(leadsChannel, lead, "UMKT", "Lead two", nil))
	e.event(t, "Rp1", reaction(true, "UDAN", "-1", leadsChannel, lead))
	ask, err := e.fake.WaitCall(e.ctx, "chat.postEphemeral", nil)
	if err != nil {
		t.Fatal(err)
	}
	e.clickReason(t, ask, "UDAN", "no_budget")
	thanks, err := e.fake.WaitCall(e.ctx, "response_url", func(c slackfake.Call) bool { return c.Path == "reason" })
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "thanks", string(thanks.Body), `"replace_original":true`, "No budget or authority")
	mustContain(t, "/leads", e.leadsSays(t), "Why leads were poor", "No budget or authority — 1")
}

// clickReason presses, as user, the reason button of the question ask
// whose value ends in "|"+reason, and waits for its ack.
func (e *env) clickReason(tb testing.TB, ask slackfake.Call, user, reason string) {
	tb.Helper()
	var value string
	for _, line := range strings.Split(slackfake.Strings([]byte(ask.Params["blocks"])), "\n") {
		if strings.HasSuffix(line, "|"+reason) {
			value = line
		}
	}
	if value == "" {
		tb.Fatalf("no %s button in %s", reason, ask.Params["blocks"])
	}
	id := e.fake.SendInteraction(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user, "name": strings.ToLower(user)},
		"channel": map[string]any{"id": leadsChannel}, "trigger_id": "trig-r", "response_url": e.fake.ResponseURL("reason"),
		"actions": []map[string]any{{"action_id": "reason#1", "block_id": "b", "type": "button", "value": value}},
	})
	if _, err := e.fake.WaitAck(e.ctx, id); err != nil {
		tb.Fatal(err)
	}
}

func TestReactionOnUnseenMessageFetchesIt(t *testing.T) {
	e := start(t)
	missed, reply := ts(120, 1), ts(100, 2)
	e.fake.AddMessage(leadsChannel, slackfake.Message{TS: missed, BotID: "BHUB", Username: "HubSpot", Subtype: "bot_message", Text: "Lead posted while the bot was down"})
	e.fake.AddMessage(leadsChannel, slackfake.Message{TS: reply, ThreadTS: missed, User: "USALES", Text: "a reply, not a lead"})

	e.event(t, "Rm1", reaction(true, "UALICE", "fire", leadsChannel, missed))
	if _, err := e.fake.WaitCall(e.ctx, "conversations.history", nil); err != nil {
		t.Fatal(err)
	}
	e.event(t, "Rm2", reaction(true, "UALICE", "+1", leadsChannel, reply))
	if _, err := e.fake.WaitCall(e.ctx, "conversations.replies", nil); err != nil {
		t.Fatal(err)
	}
	// The fetches run after the acks; poll the figures until both settled.
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		says := e.leadsSays(t)
		pending, err := e.db.UnverifiedLeads(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) == 0 && strings.Contains(says, "Leads posted*\n1") {
			mustContain(t, "/leads", says, "Hot leads*\n1")
			mustNotContain(t, "/leads", says, "a reply")
			return
		}
		select {
		case <-e.ctx.Done():
			t.Fatalf("fetched lead never settled: %d unverified; /leads says %s", len(pending), says)
		case <-tick.C:
		}
	}
}

func TestSLAReminderPostedOnceInThread(t *testing.T) {
	e := start(t)
	lead, rated := ts(120, 1), ts(110, 2)
	e.event(t, "EvS1", message(leadsChannel, lead, "UMKT", "Nobody looked at me", nil))
	e.event(t, "EvS2", message(leadsChannel, rated, "UMKT", "Rated in time", nil))
	e.event(t, "EvS3", reaction(true, "UALICE", "+1", leadsChannel, rated))

	h := commands.New(e.db, commands.Options{SLA: time.Hour, Reactions: map[string]string{"+1": "good", "-1": "poor", "fire": "hot"}})
	job := func() *schedules.Nudges {
		return schedules.SLAReminders(schedules.Nudges{Store: e.db, Once: schedules.Once{Store: e.db, Owner: "test"}, Poster: e.bot, Message: h.SLAReminder()}, store.SLA{Within: time.Hour})
	}
	now := time.Now()
	for i := 0; i < 3; i++ {
		// A fresh job each time, as after a restart: the claim is in the database.
		if err := job().Run(e.ctx, now.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	posts := e.fake.Calls("chat.postMessage")
	if len(posts) != 1 {
		t.Fatalf("%d reminders posted, want exactly 1: %+v", len(posts), posts)
	}
	p := posts[0]
	if p.Params["channel"] != leadsChannel || p.Params["thread_ts"] != lead {
		t.Fatalf("reminder went to %s thread %s, want %s thread %s", p.Params["channel"], p.Params["thread_ts"], leadsChannel, lead)
	}
	text := p.Params["text"] + slackfake.Strings([]byte(p.Params["blocks"]))
	mustContain(t, "reminder", text, "No feedback on this lead yet", ":+1: good", ":-1: poor", ":fire: hot")
	mustNotContain(t, "reminder", text, "<!channel>", "<!here>", "<@")
}

func TestSLAReminderRetriedAfterSlackError(t *testing.T) {
	e := start(t)
	lead := ts(120, 1)
	e.event(t, "EvT1", message(leadsChannel, lead, "UMKT", "A lead", nil))
	e.fake.Handle("chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":false,"error":"fatal_error"}`))
	})
	job := schedules.SLAReminders(schedules.Nudges{Store: e.db, Once: schedules.Once{Store: e.db, Owner: "test"}, Poster: e.bot, Message: commands.Response{Text: "remind"}}, store.SLA{Within: time.Hour})
	if err := job.Run(e.ctx, time.Now()); err == nil {
		t.Fatal("Run succeeded while Slack failed")
	}
	e.fake.Handle("chat.postMessage", nil)
	if err := job.Run(e.ctx, time.Now()); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if n := len(e.fake.Calls("chat.postMessage")); n != 2 {
		t.Fatalf("%d posts, want 2 (one failed, one sent)", n)
	}
	if err := job.Run(e.ctx, time.Now()); err != nil || len(e.fake.Calls("chat.postMessage")) != 2 {
		t.Fatalf("a third run posted again (err %v)", err)
	}
}
