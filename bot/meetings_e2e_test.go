package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"smarketing/bot/slackfake"
	"smarketing/commands"
	"smarketing/schedules"
	"smarketing/schedules/cronspec"
	"smarketing/store"
)

// TestAddToAgendaShortcut: the message shortcut opens a form with a menu
// of the meetings and the message's text; submitting it adds an item
// linked to the message. Past 100 meetings the menu is external, and its
// options come in the ack of a block_suggestion.
func TestAddToAgendaShortcut(t *testing.T) {
	e := start(t)
	e.command(t, "/meeting", "UANN", `add "Pipeline review" every tue at 10:00 <#C0SALES1|sales>`)
	shortcut := func(trigger string) view {
		e.fake.SendInteraction(map[string]any{
			"type": "message_action", "callback_id": "add_to_agenda", "trigger_id": trigger,
			"user":    map[string]any{"id": "UBOB", "name": "bob"},
			"channel": map[string]any{"id": leadsChannel},
			"message": map[string]any{"type": "message", "ts": "1700000000.000100", "text": "Acme asks about &lt;pricing&gt;"},
		})
		return e.openedView(t, trigger)
	}
	v := shortcut("T-AGENDA-1")
	if v.CallbackID == "" || !strings.Contains(v.raw, `"static_select"`) || !strings.Contains(v.raw, "Pipeline review") || !strings.Contains(v.raw, "Acme asks about \\u003cpricing\\u003e") && !strings.Contains(v.raw, "Acme asks about <pricing>") {
		t.Fatalf("view = %s", v.raw)
	}
	id := e.fake.SendInteraction(map[string]any{
		"type": "view_submission",
		"user": map[string]any{"id": "UBOB", "name": "bob"},
		"view": map[string]any{"id": "V1", "type": "modal", "callback_id": v.CallbackID, "private_metadata": v.PrivateMetadata,
			"state": map[string]any{"values": map[string]any{
				"meeting": map[string]any{"meeting": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "1", "text": map[string]any{"type": "plain_text", "text": "Pipeline review"}}}},
				"text":    map[string]any{"text": map[string]any{"type": "plain_text_input", "value": "Acme asks about pricing"}},
			}}},
	})
	if ack, err := e.fake.WaitAck(e.ctx, id); err != nil || strings.Contains(string(ack.Payload), "errors") {
		t.Fatalf("submission ack %s, %v", ack.Payload, err)
	}
	items, err := e.db.Agenda(context.Background(), 1)
	if err != nil || len(items) != 1 || items[0].Text != "Acme asks about pricing" || !strings.HasSuffix(items[0].Link, "/archives/"+leadsChannel+"/p1700000000000100") {
		t.Fatalf("agenda = %+v, %v", items, err)
	}

	for i := 0; i < 100; i++ {
		if _, err := e.db.AddMeeting(context.Background(), store.Meeting{Title: "Sync", Schedule: "0 10 * * TUE", Channel: "C0SALES1"}, store.Actor{ID: "UANN"}); err != nil {
			t.Fatal(err)
		}
	}
	v = shortcut("T-AGENDA-2")
	if !strings.Contains(v.raw, `"external_select"`) {
		t.Fatalf("with 101 meetings: view = %s", v.raw)
	}
	id = e.fake.SendInteraction(map[string]any{
		"type": "block_suggestion", "action_id": "meeting", "block_id": "meeting", "value": "pipe",
		"user": map[string]any{"id": "UBOB"},
		"view": map[string]any{"id": "V2", "type": "modal", "callback_id": v.CallbackID},
	})
	ack, err := e.fake.WaitAck(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var opts struct {
		Options []struct {
			Value string `json:"value"`
			Text  struct {
				Text string `json:"text"`
			} `json:"text"`
		} `json:"options"`
	}
	if err := json.Unmarshal(ack.Payload, &opts); err != nil || len(opts.Options) != 1 || opts.Options[0].Value != "1" || !strings.Contains(opts.Options[0].Text.Text, "Pipeline review") {
		t.Fatalf("block_suggestion ack %s, %v", ack.Payload, err)
	}
}

// TestActionItemsEndToEnd: an action given to someone else DMs them; the
// meeting's reminder lists it under *Open actions* by name; the owner gets
// one DM at 09:00 on the due day and one the day after, however often the
// job runs; the DM's "Mark done" button closes it, and a closed action
// gets no more reminders.
func TestActionItemsEndToEnd(t *testing.T) {
	e := start(t)
	e.command(t, "/meeting", "UALICE", `add "Joint pipeline review" every tue at 10:00 <#CMEET|sales-marketing>`)
	due := cronspec.DateOf(time.Now().UTC()).AddDays(2)
	r, _ := e.command(t, "/meeting", "UALICE", "action 1 <@UBOB|bob> Send the <!channel> pricing deck by "+due.String())
	mustContain(t, "action", r.all(), "#1", "Send the &lt;!channel&gt; pricing deck")
	// The DM goes out after the ack.
	if _, err := e.fake.WaitCall(e.ctx, "chat.postMessage", func(c slackfake.Call) bool { return c.Params["channel"] == "UBOB" }); err != nil {
		t.Fatal(err)
	}
	assigned := e.dms("UBOB")
	if len(assigned) != 1 {
		t.Fatalf("%d DMs to the owner on assignment, want 1", len(assigned))
	}
	mustContain(t, "assignment DM", assigned[0].Params["text"], "Joint pipeline review", "Send the &lt;!channel&gt; pricing deck")
	mustNotContain(t, "assignment DM", assigned[0].Params["text"], "<!channel>")

	h := commands.New(e.db, commands.Options{Location: time.UTC, MeetingReminder: 15 * time.Minute})
	next, err := h.UpcomingMeetings(e.ctx, time.Now(), time.Now().AddDate(0, 0, 8), 1)
	if err != nil || len(next) != 1 {
		t.Fatalf("upcoming = %+v, %v", next, err)
	}
	meetings := &schedules.MeetingReminders{Store: e.db, Once: schedules.Once{Store: e.db, Owner: "test"}, Messages: h, Poster: e.bot, Before: 15 * time.Minute}
	if err := meetings.Run(e.ctx, next[0].At.Add(-15*time.Minute)); err != nil {
		t.Fatal(err)
	}
	reminder := postsIn(e.fake, "CMEET")
	if len(reminder) != 1 {
		t.Fatalf("%d reminders in CMEET, want 1", len(reminder))
	}
	text := reminder[0].Params["text"] + slackfake.Strings([]byte(reminder[0].Params["blocks"]))
	mustContain(t, "reminder", text, "Open actions", "Send the &lt;!channel&gt; pricing deck", "bob")
	mustNotContain(t, "reminder", text, "<@UBOB", "<!channel>")

	actions := &schedules.ActionReminders{Store: e.db, Once: schedules.Once{Store: e.db, Owner: "test"}, Messages: h, Poster: e.bot, Location: time.UTC}
	nine := due.At(schedules.ActionReminderHour, 0, time.UTC)
	if at, err := actions.Next(e.ctx, time.Now()); err != nil || !at.Equal(nine) {
		t.Fatalf("next action reminder at %v, %v; want %v", at, err, nine)
	}
	for _, at := range []time.Time{nine.Add(-time.Minute), nine, nine.Add(time.Minute), nine.Add(3 * time.Hour)} {
		if err := actions.Run(e.ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	dms := e.dms("UBOB")
	if len(dms) != 2 {
		t.Fatalf("%d DMs to the owner after the due day's runs, want 2 (assignment, due day)", len(dms))
	}
	mustContain(t, "due-day DM", dms[1].Params["text"]+slackfake.Strings([]byte(dms[1].Params["blocks"])), "Send the &lt;!channel&gt; pricing deck", "Mark done")
	for _, at := range []time.Time{nine.AddDate(0, 0, 1), nine.AddDate(0, 0, 1).Add(time.Minute)} {
		if err := actions.Run(e.ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	if dms = e.dms("UBOB"); len(dms) != 3 {
		t.Fatalf("%d DMs to the owner after the day after, want 3", len(dms))
	}

	done := e.click(t, "UBOB", commands.ActionRun, "/meeting done 1", "done-1")
	mustContain(t, "Mark done", done, "#1")
	if open, err := e.db.OpenActions(e.ctx, store.ActionFilter{MeetingID: 1}); err != nil || len(open) != 0 {
		t.Fatalf("open actions after done = %+v, %v", open, err)
	}
	if at, err := actions.Next(e.ctx, nine.AddDate(0, 0, 1).Add(time.Hour)); err != nil || !at.IsZero() {
		t.Fatalf("next action reminder after done at %v, %v; want none", at, err)
	}
}
