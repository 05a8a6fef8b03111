package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"smarketing/bot/slackfake"
)

// click presses the button with action id action (and value) as user and
// returns the answer posted to its response_url.
func (e *env) click(tb testing.TB, user, action, value, key string) string {
	tb.Helper()
	id := e.fake.SendInteraction(map[string]any{
		"type":         "block_actions",
		"user":         map[string]any{"id": user, "name": strings.ToLower(user)},
		"channel":      map[string]any{"id": "CSALES"},
		"trigger_id":   "trig-" + key,
		"response_url": e.fake.ResponseURL(key),
		"actions":      []map[string]any{{"action_id": action + "#2", "block_id": "b1", "type": "button", "value": value}},
	})
	if _, err := e.fake.WaitAck(e.ctx, id); err != nil {
		tb.Fatal(err)
	}
	post, err := e.fake.WaitCall(e.ctx, slackfake.MethodResponseURL, func(c slackfake.Call) bool { return c.Path == key })
	if err != nil {
		tb.Fatal(err)
	}
	return slackfake.Strings(post.Body)
}

// dms returns the chat.postMessage calls to user's DM.
func (e *env) dms(user string) []slackfake.Call { return postsIn(e.fake, user) }

// postsIn returns the chat.postMessage calls to channel (a user ID: the
// DM), in order.
func postsIn(f *slackfake.Server, channel string) []slackfake.Call {
	var out []slackfake.Call
	for _, c := range f.Calls("chat.postMessage") {
		if c.Params["channel"] == channel {
			out = append(out, c)
		}
	}
	return out
}

func TestGlossaryGapsEndToEnd(t *testing.T) {
	e := start(t)
	// Three lookups of one text, however typed, and one of another.
	var miss reply
	for _, typed := range []string{"Lead Velocity", "lead   velocity ", "LEAD VELOCITY?"} {
		miss, _ = e.slash(t, "UALICE", typed)
	}
	mustContain(t, "no match", miss.all(), "No term", "Request a definition", "request_definition")
	e.slash(t, "UBOB", "<!channel> pipeline")
	// Counting happens after the ack: wait until /term gaps shows it.
	var gaps reply
	deadline := time.Now().Add(10 * time.Second)
	for {
		gaps, _ = e.slash(t, "UALICE", "gaps")
		if strings.Contains(gaps.all(), "lead velocity* — 3 lookups") && strings.Contains(gaps.all(), "pipeline") || time.Now().After(deadline) {
			break
		}
		select {
		case <-e.ctx.Done():
			t.Fatal(e.ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	mustContain(t, "/term gaps", gaps.all(), "Most-asked missing terms", "1. *lead velocity* — 3 lookups", "2. *&lt;!channel&gt; pipeline* — 1 lookup")
	mustNotContain(t, "/term gaps", gaps.all(), "<!channel>")

	// Two people ask for a definition; one of them twice.
	for i, u := range []string{"UCARL", "UDANA", "UCARL"} {
		got := e.click(t, u, "request_definition", "lead velocity", "req"+string(rune('0'+i)))
		mustContain(t, "request answer", got, "Noted", "DM when someone defines *lead velocity*")
	}

	// The term is added (with the text as an alias): one DM each, with the card.
	e.slash(t, "UALICE", "add Pipeline velocity (Lead velocity) = How fast leads move through the funnel")
	for _, u := range []string{"UCARL", "UDANA"} {
		if _, err := e.fake.WaitCall(e.ctx, "chat.postMessage", func(c slackfake.Call) bool { return c.Params["channel"] == u }); err != nil {
			t.Fatalf("no DM to %s: %v", u, err)
		}
	}
	// Another add of a term naming another alias of it, and an edit: no more DMs.
	e.slash(t, "UBOB", "add Velocity = Speed")
	e.slash(t, "UALICE", "edit Pipeline velocity (Lead velocity, Funnel speed) = How fast leads move")
	ctx, cancel := context.WithTimeout(e.ctx, 300*time.Millisecond)
	defer cancel()
	// A second DM would come within the follow-ups of those commands;
	// none may (the match is called under the fake's lock: count here).
	seen := map[string]int{}
	_, _ = e.fake.WaitCall(ctx, "chat.postMessage", func(c slackfake.Call) bool {
		seen[c.Params["channel"]]++
		return seen["UCARL"] > 1 || seen["UDANA"] > 1
	})
	for _, u := range []string{"UCARL", "UDANA"} {
		got := e.dms(u)
		if len(got) != 1 {
			t.Fatalf("DMs to %s = %d, want exactly 1", u, len(got))
		}
		mustContain(t, "DM to "+u, got[0].Params["text"]+"\n"+slackfake.Strings([]byte(got[0].Params["blocks"])), "lead velocity", "Pipeline velocity", "How fast leads move through the funnel")
	}
	if n := len(e.dms("UALICE")) + len(e.dms("UBOB")); n != 0 {
		t.Fatalf("%d DMs to people who asked for nothing", n)
	}
	// Defined now: no longer a gap.
	gaps, _ = e.slash(t, "UALICE", "gaps")
	mustNotContain(t, "/term gaps after the add", gaps.all(), "lead velocity")
	mustContain(t, "/term gaps after the add", gaps.all(), "pipeline")
}
