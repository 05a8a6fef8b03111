package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"smarketing/bot/slackfake"
	"smarketing/commands"
	"smarketing/commands/sides"
	"smarketing/store"
)

// homeView waits for the n-th views.publish for user and returns its
// blocks as a list of types and everything it says.
func (e *env) homeView(tb testing.TB, user string, n int) (blocks []json.RawMessage, text string) {
	tb.Helper()
	seen := 0
	call, err := e.fake.WaitCall(e.ctx, "views.publish", func(c slackfake.Call) bool {
		if c.Params["user_id"] != user {
			return false
		}
		seen++
		return seen == n
	})
	if err != nil {
		tb.Fatalf("views.publish #%d for %s: %v", n, user, err)
	}
	var v struct {
		Type   string            `json:"type"`
		Blocks []json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(call.Params["view"]), &v); err != nil || v.Type != "home" {
		tb.Fatalf("published view %s: %v", call.Params["view"], err)
	}
	if len(v.Blocks) == 0 || len(v.Blocks) > 100 {
		tb.Fatalf("home view has %d blocks, want 1..100", len(v.Blocks))
	}
	return v.Blocks, slackfake.Strings([]byte(call.Params["view"]))
}

// homeButton returns the value of the button labelled label (the first,
// or the one whose value contains want) on a home view.
func homeButton(tb testing.TB, blocks []json.RawMessage, label, want string) (actionID, value string) {
	tb.Helper()
	for _, raw := range blocks {
		var b struct {
			Type     string `json:"type"`
			Elements []struct {
				ActionID string `json:"action_id"`
				Value    string `json:"value"`
				Text     struct {
					Text string `json:"text"`
				} `json:"text"`
			} `json:"elements"`
		}
		if json.Unmarshal(raw, &b) != nil || b.Type != "actions" {
			continue
		}
		for _, el := range b.Elements {
			if strings.Contains(el.Text.Text, label) && strings.Contains(el.Value, want) {
				return el.ActionID, el.Value
			}
		}
	}
	tb.Fatalf("no %q button (value with %q) on the home view", label, want)
	return "", ""
}

// pressHome presses a button of user's home view.
func (e *env) pressHome(tb testing.TB, user, actionID, value string) {
	tb.Helper()
	id := e.fake.SendInteraction(map[string]any{
		"type":       "block_actions",
		"user":       map[string]any{"id": user, "name": strings.ToLower(user)},
		"trigger_id": "trig-home-" + value,
		"container":  map[string]any{"type": "view", "view_id": "VHOME"},
		"view":       map[string]any{"id": "VHOME", "type": "home"},
		"actions":    []map[string]any{{"action_id": actionID, "block_id": "b1", "type": "button", "value": value}},
	})
	if _, err := e.fake.WaitAck(e.ctx, id); err != nil {
		tb.Fatal(err)
	}
}

// TestAppHome: opening the Home tab publishes the viewer's home with every
// part (a waiting lead with the SLA left, a term waiting for their side,
// their open action, the next meeting, the SLA, the top gap); its buttons
// rate the lead as a reaction would (a poor one asks why in a DM),
// approve the term and close the action, each publishing the home again.
func TestAppHome(t *testing.T) {
	e := start(t, func(o *commands.Options) {
		o.Sides = sides.NewRoster(sides.List{Users: []string{"UANA"}}, sides.List{Users: []string{"UMO"}}, nil, sides.Options{})
	})
	lead := ts(10, 1)
	e.event(t, "EvHomeLead", message(leadsChannel, lead, "UMKT", "Acme Corp <wants> a demo", nil))
	e.slash(t, "UMO", "add Marketing Qualified Lead (MQL) = A lead with a score over 50")
	e.slash(t, "UANA", "lead velocity") // a gap
	e.command(t, "/meeting", "UMO", `add "Pipeline review" every tue at 10:00 <#CMEET|sales-marketing>`)
	e.command(t, "/meeting", "UMO", "action 1 <@UANA|ana> Call Acme back")

	e.event(t, "EvHome1", map[string]any{"type": "app_home_opened", "user": "UANA", "channel": "DANA", "tab": "home", "event_ts": ts(0, 1)})
	blocks, text := e.homeView(t, "UANA", 1)
	mustContain(t, "home", text, "Leads waiting for a rating", "Acme Corp &lt;wants&gt; a demo", "left in the SLA",
		"Marketing Qualified Lead", "waits", "Call Acme back", "Pipeline review", "This week's SLA", "lead velocity")
	mustNotContain(t, "home", text, "<wants>")
	// The Messages tab opening publishes nothing.
	e.event(t, "EvHome2", map[string]any{"type": "app_home_opened", "user": "UANA", "channel": "DANA", "tab": "messages", "event_ts": ts(0, 2)})

	action, value := homeButton(t, blocks, "Poor", "")
	e.pressHome(t, "UANA", action, value)
	blocks, text = e.homeView(t, "UANA", 2)
	mustContain(t, "home after rating", text, "You rated", "poor")
	mustNotContain(t, "home after rating", text, "Acme Corp &lt;wants&gt; a demo posted")
	if _, err := e.fake.WaitCall(e.ctx, "chat.postMessage", func(c slackfake.Call) bool {
		return c.Params["channel"] == "UANA" && strings.Contains(c.Params["text"], "poor")
	}); err != nil {
		t.Fatalf("no DM asking why poor: %v", err)
	}
	l, err := e.db.LeadByID(context.Background(), 1)
	if err != nil || l.TS != lead {
		t.Fatalf("lead = %+v, %v", l, err)
	}
	e.checkRatings(t, map[rater]store.Rating{{lead, "UANA"}: store.Poor})

	action, value = homeButton(t, blocks, "Approve", "")
	e.pressHome(t, "UANA", action, value)
	blocks, text = e.homeView(t, "UANA", 3)
	mustContain(t, "home after approving", text, "You approved version 1")
	term, err := e.db.Term(context.Background(), "MQL")
	if err != nil || len(term.Signoffs) != 1 || term.Signoffs[0].User != "UANA" || term.Signoffs[0].Dispute {
		t.Fatalf("sign-offs after approving from home = %+v, %v", term.Signoffs, err)
	}

	action, value = homeButton(t, blocks, "Done", fmt.Sprintf("/meeting done %d", 1))
	e.pressHome(t, "UANA", action, value)
	_, text = e.homeView(t, "UANA", 4)
	mustContain(t, "home after done", text, "Done: *#1*", "Your open action items*\nNone")
	if open, _ := e.db.OpenActions(context.Background(), store.ActionFilter{Owner: "UANA"}); len(open) != 0 {
		t.Fatalf("open actions = %+v", open)
	}
	if n := len(e.fake.Calls("views.publish")); n != 4 {
		t.Fatalf("%d home views published, want 4", n)
	}
}
