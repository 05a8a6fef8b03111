package bot_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"smarketing/bot/slackfake"
	"smarketing/commands"
	"smarketing/store"
)

const insightsChannel = "CINSIGHT"

// messageShortcut uses the message shortcut callbackID on a message in
// the leads channel and returns the form it opens.
func (e *env) messageShortcut(tb testing.TB, callbackID, trigger, user, ts, text string) view {
	tb.Helper()
	e.fake.SendInteraction(map[string]any{
		"type": "message_action", "callback_id": callbackID, "trigger_id": trigger,
		"user":    map[string]any{"id": user, "name": strings.ToLower(user)},
		"channel": map[string]any{"id": leadsChannel},
		"message": map[string]any{"type": "message", "ts": ts, "text": text},
	})
	return e.openedView(tb, trigger)
}

// submitInsight submits the insight form v as UBOB: text, persona 1
// (Sally Supermom) picked from the menu, and source unless it is "".
func (e *env) submitInsight(tb testing.TB, v view, text, source string) {
	tb.Helper()
	values := map[string]any{
		"text":    map[string]any{"text": map[string]any{"type": "plain_text_input", "value": text}},
		"persona": map[string]any{"persona": map[string]any{"type": "static_select", "selected_option": map[string]any{"value": "1", "text": map[string]any{"type": "plain_text", "text": "Sally Supermom"}}}},
	}
	if source != "" {
		values["source"] = map[string]any{"source": map[string]any{"type": "plain_text_input", "value": source}}
	}
	id := e.fake.SendInteraction(map[string]any{
		"type": "view_submission",
		"user": map[string]any{"id": "UBOB", "name": "bob"},
		"view": map[string]any{"id": "V1", "type": "modal", "callback_id": v.CallbackID, "private_metadata": v.PrivateMetadata,
			"state": map[string]any{"values": values}},
	})
	if ack, err := e.fake.WaitAck(e.ctx, id); err != nil || strings.Contains(string(ack.Payload), "errors") {
		tb.Fatalf("submission ack %s, %v", ack.Payload, err)
	}
}

// TestInsightCardRetriedWhenRateLimited: a card that Slack refuses for its
// rate limit (429, Retry-After) is posted again after the wait, once
// (slack-go's retry as bot.New configures it).
func TestInsightCardRetriedWhenRateLimited(t *testing.T) {
	e := start(t, func(o *commands.Options) { o.InsightsChannel = insightsChannel })
	if _, err := e.db.AddPersona(context.Background(), store.Persona{Name: "Sally Supermom", Summary: "Busy"}, store.Actor{ID: "UANN"}); err != nil {
		t.Fatal(err)
	}
	var tries atomic.Int32
	posted := make(chan struct{})
	e.fake.Handle("chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body)) // for ServeDefault
		if form, err := url.ParseQuery(string(body)); err != nil || form.Get("channel") != insightsChannel {
			e.fake.ServeDefault(w, r)
			return
		}
		if tries.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"ok":false,"error":"ratelimited"}`)
			return
		}
		e.fake.ServeDefault(w, r)
		close(posted)
	})
	v := e.messageShortcut(t, commands.ShortcutShareInsight, "T-INSIGHT-RL", "UBOB", "1700000000.000400", "Initech wants an EU region")
	e.submitInsight(t, v, "Initech wants an EU region", "")
	select {
	case <-posted:
	case <-time.After(15 * time.Second): // Slack asked for 1 s
		t.Fatalf("the card was not posted again after the rate limit (%d tries)", tries.Load())
	}
	msgs := e.fake.Messages(insightsChannel)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text+slackfake.Strings(msgs[0].Blocks), "Initech wants an EU region") {
		t.Fatalf("insights channel holds %+v, want the one card", msgs)
	}
}

// TestShareInsightShortcut: the share_insight shortcut opens the form with
// the message's text and the personas; submitting it (a persona picked
// from the menu) stores the insight linked to the message and posts its
// card to the insights channel, once.
func TestShareInsightShortcut(t *testing.T) {
	e := start(t, func(o *commands.Options) { o.InsightsChannel = insightsChannel })
	if _, err := e.db.AddPersona(context.Background(), store.Persona{Name: "Sally Supermom", Summary: "Busy"}, store.Actor{ID: "UANN"}); err != nil {
		t.Fatal(err)
	}
	v := e.messageShortcut(t, commands.ShortcutShareInsight, "T-INSIGHT-1", "UBOB", "1700000000.000300", "Globex asks for SSO &amp; SAML")
	mustContain(t, "insight form", slackfake.Strings([]byte(v.raw)), "Globex asks for SSO & SAML", "Sally Supermom", "static_select")
	submit := func() { e.submitInsight(t, v, "Globex asks for SSO & SAML <!here>", "Discovery call") }
	submit()
	card, err := e.fake.WaitCall(e.ctx, "chat.postMessage", func(c slackfake.Call) bool { return c.Params["channel"] == insightsChannel })
	if err != nil {
		t.Fatal(err)
	}
	text := card.Params["text"] + slackfake.Strings([]byte(card.Params["blocks"]))
	mustContain(t, "insight card", text, "Globex asks for SSO &amp; SAML &lt;!here&gt;", "Sally Supermom", "Discovery call", "/archives/"+leadsChannel+"/p1700000000000300")
	mustNotContain(t, "insight card", text, "<!here>", "<@UBOB")
	list, total, err := e.db.Insights(context.Background(), store.InsightFilter{})
	if err != nil || total != 1 || list[0].TS != "1700000000.000300" || list[0].Channel != leadsChannel || list[0].PersonaName != "Sally Supermom" {
		t.Fatalf("insights = %+v, %d, %v", list, total, err)
	}
	// The same form submitted again (a double click) posts nothing more.
	submit()
	if _, err := e.fake.WaitCall(e.ctx, "chat.postEphemeral", func(c slackfake.Call) bool { return strings.Contains(c.Params["text"], "already") }); err != nil {
		t.Fatalf("no word that it was shared already: %v", err)
	}
	r, _ := e.command(t, "/insight", "UBOB", "list")
	mustContain(t, "/insight list", r.all(), "Globex asks for SSO")
	if posts := len(postsIn(e.fake, insightsChannel)); posts != 1 {
		t.Fatalf("%d cards in the insights channel, want 1", posts)
	}

	// The weekly recap lists it under its persona.
	if err := e.recapJob(t).Run(e.ctx, time.Now().Add(time.Minute).Truncate(time.Minute)); err != nil {
		t.Fatal(err)
	}
	recap := recapPosts(e.fake)
	if len(recap) != 1 {
		t.Fatalf("%d recaps, want 1", len(recap))
	}
	mustContain(t, "recap", slackfake.Strings([]byte(recap[0].Params["blocks"])), "Customer insights this week", "Sally Supermom", "Globex asks for SSO &amp; SAML")

	// /insight TEXT opens the same form, prefilled.
	id := e.fake.SendSlash(slackfake.Slash{Command: "/insight", Text: "They compare us with Acme on price", UserID: "UBOB", TriggerID: "T-INSIGHT-2"})
	if _, err := e.fake.WaitAck(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	v = e.openedView(t, "T-INSIGHT-2")
	mustContain(t, "/insight form", slackfake.Strings([]byte(v.raw)), "They compare us with Acme on price")
}

// TestDefineTermShortcut: define_term opens the add-term form named after
// the message's first line, and submitting it adds the term.
func TestDefineTermShortcut(t *testing.T) {
	e := start(t)
	v := e.messageShortcut(t, commands.ShortcutDefineTerm, "T-DEFINE-1", "UBOB", "1700000000.000400", "*Lead velocity*\nWhat is it exactly?")
	mustContain(t, "define form", slackfake.Strings([]byte(v.raw)), "Lead velocity")
	e.submit(t, "UBOB", v, map[string]string{"name": "Lead velocity", "definition": "New qualified leads per month, month over month"})
	r, _ := e.slash(t, "UALICE", "Lead velocity")
	mustContain(t, "term", r.all(), "New qualified leads per month")
}
