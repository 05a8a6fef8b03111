package commands

import (
	"context"
	"strings"
	"testing"
	"time"

	"smarketing/store"
)

func insightSlash(tb testing.TB, h *Handler, user, text string) Response {
	tb.Helper()
	resp, err := h.Slash(context.Background(), Request{Command: "/insight", Text: text, UserID: user, UserName: nameOf(user), ChannelID: "CCHAN"})
	if err != nil {
		tb.Fatalf("/insight %s: %v", text, err)
	}
	return resp
}

// TestInsights: /insight TEXT opens the form prefilled, with the personas
// to pick from; the submission stores it, posts a card to the insights
// channel by name (nobody pinged, everything escaped), and it shows in
// /insight list, on the persona's card and in the recap by persona.
func TestInsights(t *testing.T) {
	h, db := newMeetingHandler(t, func(o *Options) { o.InsightsChannel = "CINSIGHT"; o.WorkspaceURL = "https://acme.slack.com/" })
	ctx := context.Background()
	mustContainAll(t, joined(insightSlash(t, h, "UBOB", "list")), "No customer insights yet")
	mustContainAll(t, joined(insightSlash(t, h, "UBOB", "help")), "/insight list PERSONA")

	// No personas: the form has no picker.
	resp := insightSlash(t, h, "UBOB", "They compare us with <Acme> on price")
	if resp.Modal == nil || len(resp.Modal.Inputs) != 2 || resp.Modal.Inputs[0].Value != "They compare us with <Acme> on price" {
		t.Fatalf("form without personas = %+v", resp.Modal)
	}
	sally, err := db.AddPersona(ctx, store.Persona{Name: "Sally Supermom", Summary: "Busy"}, store.Actor{ID: "UANN"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddPersona(ctx, store.Persona{Name: "Ivan IT", Summary: "Admin"}, store.Actor{ID: "UANN"}); err != nil {
		t.Fatal(err)
	}
	m := insightSlash(t, h, "UBOB", "They compare us with <Acme> on price").Modal
	if m == nil || len(m.Inputs) != 3 || len(m.Inputs[1].Options) != 2 || !m.Inputs[1].Optional || !m.Inputs[2].Optional {
		t.Fatalf("form = %+v", m)
	}
	submit := func(user string, meta string, values map[string]string) SubmitResult {
		t.Helper()
		res, err := h.Submit(ctx, Submission{CallbackID: m.CallbackID, Metadata: meta, UserID: user, UserName: nameOf(user), Values: values})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := submit("UBOB", m.Metadata, map[string]string{inputInsightText: "They compare us with <Acme> on price <!channel>", inputInsightPersona: "1", inputInsightSource: "Call with Globex"})
	if len(res.Errors) != 0 || len(res.Reply.Posts) != 1 || res.Reply.Posts[0].Channel != "CINSIGHT" {
		t.Fatalf("submit = %+v", res)
	}
	card := res.Reply.Posts[0].Message
	mustContainAll(t, joined(card), "Customer insight", nameOf("UBOB"), "Sally Supermom", "&lt;Acme&gt;", "&lt;!channel&gt;", "Call with Globex")
	noMentions(t, "insight card", card)
	mustContainAll(t, joined(res.Reply), "<#CINSIGHT>")

	// Bad submissions keep the form open with what is wrong.
	res = submit("UBOB", "", map[string]string{inputInsightText: " ", inputInsightPersona: "nobody", inputInsightSource: strings.Repeat("s", MaxInsightSource+1)})
	for _, f := range []string{inputInsightText, inputInsightPersona, inputInsightSource} {
		if res.Errors[f] == "" {
			t.Errorf("bad submission: no error on %s: %+v", f, res.Errors)
		}
	}
	// A persona typed by name (the shell), and from a message: linked, and
	// not shared twice by the same person.
	sm, err := h.Shortcut(ctx, Shortcut{CallbackID: ShortcutShareInsight, UserID: "UCARL", ChannelID: "CSALES", MessageTS: "1700000000.000200", MessageText: "Globex asks for SSO"})
	if err != nil || sm.Modal == nil || sm.Modal.Inputs[0].Value != "Globex asks for SSO" || sm.Modal.Metadata == "" {
		t.Fatalf("shortcut = %+v, %v", sm.Modal, err)
	}
	values := map[string]string{inputInsightText: "Globex asks for SSO", inputInsightPersona: "ivan"}
	if res = submit("UCARL", sm.Modal.Metadata, values); len(res.Errors) != 0 || len(res.Reply.Posts) != 1 {
		t.Fatalf("from a message: %+v", res)
	}
	mustContainAll(t, joined(res.Reply.Posts[0].Message), "Ivan IT", "https://acme.slack.com/archives/CSALES/p1700000000000200")
	if res = submit("UCARL", sm.Modal.Metadata, values); len(res.Reply.Posts) != 0 || !strings.Contains(res.Reply.Text, "already") {
		t.Fatalf("shared twice: %+v", res)
	}

	list := joined(insightSlash(t, h, "UBOB", "list"))
	mustContainAll(t, list, "(2, newest first)", "Globex asks for SSO", "&lt;Acme&gt;")
	if strings.Index(list, "Globex") > strings.Index(list, "Acme") {
		t.Fatalf("not newest first:\n%s", list)
	}
	list = joined(insightSlash(t, h, "UBOB", "list sally"))
	mustContainAll(t, list, "about Sally Supermom", "&lt;Acme&gt;")
	if strings.Contains(list, "Globex asks") {
		t.Fatalf("list sally shows Ivan's insight:\n%s", list)
	}
	cardText := joined(personaSlash(t, h, "UBOB", "Sally Supermom"))
	mustContainAll(t, cardText, "Latest customer insights", "&lt;Acme&gt;")

	recap, err := h.Recap(ctx, meetingNow.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	r := joined(recap.Message)
	mustContainAll(t, r, "Customer insights this week", "Sally Supermom", "Ivan IT", "Globex asks for SSO")
	noMentions(t, "recap", recap.Message)
	_ = sally
}

func personaSlash(tb testing.TB, h *Handler, user, text string) Response {
	tb.Helper()
	resp, err := h.Slash(context.Background(), Request{Command: "/persona", Text: text, UserID: user, UserName: nameOf(user), ChannelID: "CCHAN"})
	if err != nil {
		tb.Fatalf("/persona %s: %v", text, err)
	}
	return resp
}

// TestDefineFromMessage: the define_term shortcut opens the add-term form
// named after the message's first line, without its formatting marks.
func TestDefineFromMessage(t *testing.T) {
	h, _ := newHandler(t)
	for _, tc := range []struct{ text, name string }{
		{"*Lead velocity*\nhow fast leads come in", "Lead velocity"},
		{"  MQL  ", "MQL"},
		{strings.Repeat("x", MaxTermName+20), strings.Repeat("x", MaxTermName-1) + "…"},
		{"", ""},
	} {
		resp, err := h.Shortcut(context.Background(), Shortcut{CallbackID: ShortcutDefineTerm, UserID: "UBOB", ChannelID: "C1", MessageTS: "1.2", MessageText: tc.text})
		if err != nil || resp.Modal == nil || resp.Modal.CallbackID != modalTermAdd {
			t.Fatalf("%q: %+v, %v; want the add-term form", tc.text, resp, err)
		}
		if got := resp.Modal.Inputs[0].Value; got != tc.name {
			t.Errorf("%q: name %q, want %q", tc.text, got, tc.name)
		}
	}
}
