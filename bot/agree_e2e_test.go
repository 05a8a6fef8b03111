package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"smarketing/bot/slackfake"
	"smarketing/commands"
	"smarketing/commands/sides"
)

// approveValue finds the Approve button's value in a reply.
func approveValue(tb testing.TB, r reply) string {
	tb.Helper()
	for _, raw := range r.Blocks {
		var b struct {
			Type     string `json:"type"`
			Elements []struct {
				Text  json.RawMessage `json:"text"`
				Value string          `json:"value"`
			} `json:"elements"`
		}
		if err := json.Unmarshal(raw, &b); err != nil {
			tb.Fatal(err)
		}
		for _, el := range b.Elements {
			var text struct{ Text string }
			if b.Type == "actions" && json.Unmarshal(el.Text, &text) == nil && text.Text == "Approve" {
				return el.Value
			}
		}
	}
	return ""
}

func TestAgreementEndToEnd(t *testing.T) {
	e := start(t, func(o *commands.Options) {
		o.Sides = sides.NewRoster(sides.List{Users: []string{"UANA", "UBO"}}, sides.List{Users: []string{"UMO"}}, nil, sides.Options{})
		o.ReviewEvery = 90 * 24 * time.Hour
	})
	e.slash(t, "UEVE", "add Marketing Qualified Lead (MQL) = A lead with a score over 50")

	// Sales approves with the card's button.
	card, _ := e.slash(t, "UANA", "MQL")
	mustContain(t, "card for sales", card.all(), "Draft: nobody approved version 1 yet", "owner <@UEVE>")
	old := approveValue(t, card)
	if old == "" {
		t.Fatalf("no Approve button for sales:\n%s", card.all())
	}
	got := e.click(t, "UANA", "run", old, "ana-approve")
	mustContain(t, "approve click", got, "You approved version 1 of *Marketing Qualified Lead* for sales", "Waiting for marketing: approved by <@UANA> (sales)")

	// Someone on neither side gets no button and a polite no.
	none, _ := e.slash(t, "UEVE", "MQL")
	if v := approveValue(t, none); v != "" {
		t.Fatalf("Approve button for someone on neither side: %q", v)
	}
	no, _ := e.slash(t, "UEVE", "approve MQL")
	mustContain(t, "neither side", no.all(), "only people on the sales or the marketing side can approve")

	// Marketing approves by command: agreed.
	agreed, _ := e.slash(t, "UMO", "approve mql")
	mustContain(t, "agreed", agreed.all(), "Both sides agree on it now", "Agreed by <@UANA> (sales) and <@UMO> (marketing) on")

	// An edit: back to draft, and both approvers are told (the editor is Eve).
	e.slash(t, "UEVE", "edit MQL = A lead with a score over 70")
	for _, u := range []string{"UANA", "UMO"} {
		if _, err := e.fake.WaitCall(e.ctx, "chat.postMessage", func(c slackfake.Call) bool { return c.Params["channel"] == u }); err != nil {
			t.Fatalf("no DM to %s after the edit: %v", u, err)
		}
		dm := e.dms(u)
		mustContain(t, "edit DM to "+u, dm[0].Params["text"]+slackfake.Strings([]byte(dm[0].Params["blocks"])),
			"<@UEVE> edited the term *Marketing Qualified Lead*, whose version 1 you approved", "score over 70", "Approve")
	}

	// The old card's button approves nothing.
	stale := e.click(t, "UANA", "run", old, "ana-stale")
	mustContain(t, "stale click", stale, "That button was for version 1", "version 2 now", "Nothing was approved", "Draft: nobody approved version 2 yet")

	// A dispute tells the owner, once, with the reason (escaped).
	d, _ := e.slash(t, "UBO", "dispute MQL sales never agreed to 70 <!here>")
	mustContain(t, "dispute", d.all(), "Disputed by <@UBO>", "sales never agreed to 70 &lt;!here&gt;")
	if _, err := e.fake.WaitCall(e.ctx, "chat.postMessage", func(c slackfake.Call) bool { return c.Params["channel"] == "UEVE" }); err != nil {
		t.Fatalf("no DM to the owner: %v", err)
	}
	owner := e.dms("UEVE")
	mustContain(t, "dispute DM", owner[0].Params["text"], "<@UBO> disputed the term *Marketing Qualified Lead*, which you own")
	for _, c := range e.fake.Calls("chat.postMessage") {
		if text := c.Params["text"] + c.Params["blocks"]; strings.Contains(text, "<!here>") || strings.Contains(text, "<!channel>") {
			t.Fatalf("a DM pings: %s", text)
		}
	}

	// History shows the approvals among the versions.
	hist, _ := e.slash(t, "UEVE", "history MQL")
	mustContain(t, "history", hist.all(), "Version 2", "disputed by <@UBO>", "Version 1", "approved by <@UANA> (sales)", "approved by <@UMO> (marketing)")

	// No stray DMs.
	ctx, cancel := context.WithTimeout(e.ctx, 200*time.Millisecond)
	defer cancel()
	<-ctx.Done()
	if n := len(e.dms("UANA")) + len(e.dms("UMO")) + len(e.dms("UEVE")) + len(e.dms("UBO")); n != 3 {
		t.Fatalf("%d DMs in all, want 3 (two after the edit, one after the dispute)", n)
	}
}
