package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

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
