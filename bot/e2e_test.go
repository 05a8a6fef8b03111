package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"smarketing/bot"
	"smarketing/bot/slackfake"
	"smarketing/commands"
	"smarketing/store"
)

// env is a running bot wired to a fake Slack and a real database.
type env struct {
	fake *slackfake.Server
	db   *store.DB
	ctx  context.Context
}

const admin = "UADMIN"

func start(tb testing.TB) *env {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	tb.Cleanup(cancel)
	fake := slackfake.New()
	tb.Cleanup(fake.Close)
	db, err := store.Open(ctx, filepath.Join(tb.TempDir(), "e2e.db"))
	if err != nil {
		tb.Fatalf("open db: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	h := commands.New(db, commands.Options{Admins: []string{admin}, Location: time.UTC})
	b := bot.New(bot.Options{
		BotToken: slackfake.BotToken,
		AppToken: slackfake.AppToken,
		APIURL:   fake.APIURL(),
		Log:      slog.New(slog.NewTextHandler(testWriter{tb}, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}, h)
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(runCtx) }()
	tb.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			tb.Errorf("Run returned %v, want nil after shutdown", err)
		}
	})
	if err := fake.WaitConnected(ctx); err != nil {
		tb.Fatalf("bot never connected: %v", err)
	}
	return &env{fake: fake, db: db, ctx: ctx}
}

type testWriter struct{ tb testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// reply is what the tests read from an ack payload or a response_url post.
type reply struct {
	ResponseType    string            `json:"response_type"`
	Text            string            `json:"text"`
	Blocks          []json.RawMessage `json:"blocks"`
	ReplaceOriginal bool              `json:"replace_original"`
	DeleteOriginal  bool              `json:"delete_original"`
	ResponseAction  string            `json:"response_action"`
	Errors          map[string]string `json:"errors"`
}

// all returns every string in the reply (text, block texts, button values),
// decoded from JSON, one per line.
func (r reply) all() string {
	var b strings.Builder
	b.WriteString(r.Text + "\n")
	for _, bl := range r.Blocks {
		b.WriteString(slackfake.Strings(bl))
	}
	return b.String()
}

// slash sends a slash command and returns the answer carried in its ack.
func (e *env) slash(tb testing.TB, user, text string) (reply, slackfake.Ack) {
	tb.Helper()
	id := e.fake.SendSlash(slackfake.Slash{Command: "/term", Text: text, UserID: user})
	ack, err := e.fake.WaitAck(e.ctx, id)
	if err != nil {
		tb.Fatalf("no ack for %q: %v", text, err)
	}
	var r reply
	if ack.Payload != nil {
		if err := json.Unmarshal(ack.Payload, &r); err != nil {
			tb.Fatalf("ack payload %s: %v", ack.Payload, err)
		}
	}
	return r, ack
}

func mustContain(tb testing.TB, what, got string, wants ...string) {
	tb.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			tb.Fatalf("%s = %s\nwant it to contain %q", what, got, w)
		}
	}
}

func mustNotContain(tb testing.TB, what, got string, bad ...string) {
	tb.Helper()
	for _, w := range bad {
		if strings.Contains(got, w) {
			tb.Fatalf("%s = %s\nwant no %q in it", what, got, w)
		}
	}
}

func TestTermAddLookupEscaping(t *testing.T) {
	e := start(t)
	r, _ := e.slash(t, "UALICE", "add Marketing Qualified Lead (MQL, M.Q.L.) = Ready for sales <!channel> <@U999> & co")
	if r.ResponseType != "ephemeral" {
		t.Fatalf("response_type = %q, want ephemeral", r.ResponseType)
	}
	mustContain(t, "add reply", r.all(), "Added", "Marketing Qualified Lead")

	tests := []struct{ name, lookup string }{
		{"by name", "marketing qualified lead"},
		{"by alias", "mql"},
		{"alias other case", "M.Q.L."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := e.slash(t, "UBOB", tc.lookup)
			all := r.all()
			mustContain(t, "card", all, "Marketing Qualified Lead", "Ready for sales", "&lt;!channel&gt;", "&lt;@U999&gt;", "&amp; co", "Share in channel", "<@UALICE>")
			mustNotContain(t, "card", all, "<!channel>", "<@U999>")
			if len(r.Blocks) == 0 || r.Text == "" {
				t.Fatalf("want blocks and a text fallback, got %+v", r)
			}
		})
	}
}

func TestTermSuggestions(t *testing.T) {
	e := start(t)
	e.slash(t, "UALICE", "add Sales Qualified Lead (SQL) = Sales accepted it")
	r, _ := e.slash(t, "UALICE", "sqll")
	mustContain(t, "miss", r.all(), "No term", "Did you mean", "SQL", "/term add sqll")
}

func TestTermDeletePermissions(t *testing.T) {
	e := start(t)
	e.slash(t, "UALICE", "add ICP = Ideal customer profile")
	r, _ := e.slash(t, "UBOB", "delete icp")
	mustContain(t, "refusal", r.all(), "Sorry, only", "or an admin")
	if _, err := e.db.Term(e.ctx, "ICP"); err != nil {
		t.Fatalf("term after refused delete: %v", err)
	}
	r, _ = e.slash(t, admin, "delete icp")
	mustContain(t, "admin delete", r.all(), "Deleted")
	if _, err := e.db.Term(e.ctx, "ICP"); err != store.ErrNotFound {
		t.Fatalf("Term after delete err = %v, want ErrNotFound", err)
	}
}

func TestTermModalAddAndSubmit(t *testing.T) {
	e := start(t)
	id := e.fake.SendSlash(slackfake.Slash{Command: "/term", Text: "add", UserID: "UALICE", ChannelID: "CSALES", TriggerID: "trig-1", ResponseURL: e.fake.ResponseURL("modal-add")})
	ack, err := e.fake.WaitAck(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if ack.Payload != nil {
		t.Fatalf("ack payload = %s, want none (the modal answers)", ack.Payload)
	}
	call, err := e.fake.WaitCall(e.ctx, "views.open", nil)
	if err != nil {
		t.Fatal(err)
	}
	if call.Params["trigger_id"] != "trig-1" {
		t.Fatalf("views.open trigger_id = %q, want trig-1", call.Params["trigger_id"])
	}
	var view struct {
		CallbackID      string `json:"callback_id"`
		PrivateMetadata string `json:"private_metadata"`
		Blocks          []struct {
			BlockID string `json:"block_id"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(call.Params["view"]), &view); err != nil {
		t.Fatalf("view %s: %v", call.Params["view"], err)
	}
	if view.CallbackID != "term_add" || len(view.Blocks) != 4 {
		t.Fatalf("view = %+v, want callback term_add and 4 inputs", view)
	}

	submit := func(values map[string]string) reply {
		t.Helper()
		state := map[string]any{}
		for k, v := range values {
			state[k] = map[string]any{k: map[string]any{"type": "plain_text_input", "value": v}}
		}
		id := e.fake.SendInteraction(map[string]any{
			"type": "view_submission",
			"user": map[string]any{"id": "UALICE", "name": "alice"},
			"view": map[string]any{
				"id": "V1", "type": "modal", "callback_id": view.CallbackID,
				"private_metadata": view.PrivateMetadata,
				"state":            map[string]any{"values": state},
			},
		})
		ack, err := e.fake.WaitAck(e.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var r reply
		if ack.Payload != nil {
			json.Unmarshal(ack.Payload, &r)
		}
		return r
	}

	bad := submit(map[string]string{"name": "Pipeline velocity", "aliases": "", "category": "", "definition": "  "})
	if bad.ResponseAction != "errors" || bad.Errors["definition"] == "" {
		t.Fatalf("submission without definition: %+v, want inline error on definition", bad)
	}
	long := submit(map[string]string{"name": strings.Repeat("n", 81), "definition": "x"})
	if long.Errors["name"] == "" {
		t.Fatalf("81-char name: %+v, want inline error on name", long)
	}
	ok := submit(map[string]string{"name": "Pipeline velocity", "aliases": "velocity, PV", "category": "Metrics", "definition": "How fast <!here> deals move"})
	if ok.ResponseAction != "" {
		t.Fatalf("valid submission answered %+v, want a plain ack that closes the form", ok)
	}
	post, err := e.fake.WaitCall(e.ctx, "response_url", func(c slackfake.Call) bool { return c.Path == "modal-add" })
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "confirmation", slackfake.Strings(post.Body), "Added", "Pipeline velocity", "&lt;!here&gt;")
	term, err := e.db.Term(e.ctx, "pv")
	if err != nil {
		t.Fatalf("saved term: %v", err)
	}
	if term.Category != "Metrics" || term.CreatedBy != "UALICE" || len(term.Aliases) != 2 {
		t.Fatalf("saved term = %+v", term)
	}
}

func TestTermEditHistoryListSearch(t *testing.T) {
	e := start(t)
	e.slash(t, "UALICE", "add Lead scoring = Points for fit and interest")
	e.slash(t, "UALICE", "add Lead nurturing = Emails until ready")
	r, _ := e.slash(t, "UBOB", "edit lead scoring = Points for fit, interest and timing")
	mustContain(t, "edit", r.all(), "Updated", "timing")
	r, _ = e.slash(t, "UBOB", "history lead scoring")
	mustContain(t, "history", r.all(), "2 versions", "edited by <@UBOB>", "created by <@UALICE>", "Points for fit and interest")
	r, _ = e.slash(t, "UBOB", "list")
	mustContain(t, "list", r.all(), "2 terms", "Lead nurturing", "Lead scoring")
	r, _ = e.slash(t, "UBOB", "search timing")
	mustContain(t, "search", r.all(), "Lead scoring")
	mustNotContain(t, "search", r.all(), "Lead nurturing")

	// "/term edit NAME" alone opens the form, prefilled.
	id := e.fake.SendSlash(slackfake.Slash{Command: "/term", Text: "edit lead scoring", UserID: "UBOB"})
	if _, err := e.fake.WaitAck(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	call, err := e.fake.WaitCall(e.ctx, "views.open", nil)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "edit modal", slackfake.Strings([]byte(call.Params["view"])), "term_edit", "timing")
}

func TestShareButton(t *testing.T) {
	e := start(t)
	e.slash(t, "UALICE", "add SLA = What sales promises marketing")
	id := e.fake.SendInteraction(map[string]any{
		"type":         "block_actions",
		"user":         map[string]any{"id": "UBOB", "name": "bob"},
		"channel":      map[string]any{"id": "CSALES"},
		"trigger_id":   "trig-share",
		"response_url": e.fake.ResponseURL("share"),
		"actions":      []map[string]any{{"action_id": "share#0", "block_id": "b1", "type": "button", "value": "/term SLA"}},
	})
	if _, err := e.fake.WaitAck(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	post, err := e.fake.WaitCall(e.ctx, "response_url", func(c slackfake.Call) bool {
		return c.Path == "share" && strings.Contains(string(c.Body), "in_channel")
	})
	if err != nil {
		t.Fatal(err)
	}
	body := slackfake.Strings(post.Body)
	mustContain(t, "shared", body, "What sales promises marketing", "Shared by <@UBOB>")
	mustNotContain(t, "shared", body, "<@UALICE>", "Share in channel")
	if _, err := e.fake.WaitCall(e.ctx, "response_url", func(c slackfake.Call) bool {
		return c.Path == "share" && strings.Contains(string(c.Body), `"delete_original":true`)
	}); err != nil {
		t.Fatalf("ephemeral original not deleted: %v", err)
	}
}

func TestReconnectsAfterDropAndDisconnect(t *testing.T) {
	e := start(t)
	e.fake.DropConnection()
	if err := e.fake.WaitConnections(e.ctx, 2); err != nil {
		t.Fatalf("no reconnect after drop: %v", err)
	}
	r, _ := e.slash(t, "UALICE", "add CLV = Customer lifetime value")
	mustContain(t, "after drop", r.all(), "Added")
	e.fake.Disconnect("refresh_requested")
	if err := e.fake.WaitConnections(e.ctx, 3); err != nil {
		t.Fatalf("no reconnect after disconnect: %v", err)
	}
	r, _ = e.slash(t, "UALICE", "clv")
	mustContain(t, "after disconnect", r.all(), "Customer lifetime value")
}

func TestDuplicateDeliveryHandledOnce(t *testing.T) {
	e := start(t)
	id := e.fake.SendSlash(slackfake.Slash{Command: "/term", Text: "add MQL = Marketing qualified", UserID: "UALICE"})
	first, err := e.fake.WaitAck(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	e.fake.Resend(id, 1)
	// The redelivery is acked too, with the same answer, and changes nothing.
	acks, err := e.fake.WaitAcks(e.ctx, id, 2)
	if err != nil {
		t.Fatalf("redelivery never acked: %v", err)
	}
	if string(acks[1].Payload) != string(first.Payload) {
		t.Fatalf("redelivery answered %s, want the first answer %s", acks[1].Payload, first.Payload)
	}
	term, err := e.db.Term(e.ctx, "mql")
	if err != nil {
		t.Fatal(err)
	}
	hist, err := e.db.TermHistory(e.ctx, term.ID)
	if err != nil || len(hist) != 1 {
		t.Fatalf("history = %d versions (err %v), want 1", len(hist), err)
	}

	// The same event twice (Slack retry, same event_id) is acked both times.
	ev := map[string]any{"type": "reaction_added", "user": "UBOB", "reaction": "+1", "item": map[string]any{"type": "message", "channel": "CLEADS", "ts": "1.000001"}, "event_ts": "2.0"}
	e1 := e.fake.SendEvent("Ev1", ev)
	e2 := e.fake.SendEvent("Ev1", ev)
	for _, id := range []string{e1, e2} {
		if _, err := e.fake.WaitAck(e.ctx, id); err != nil {
			t.Fatalf("event %s not acked: %v", id, err)
		}
	}
}

func TestBigAnswerGoesToResponseURL(t *testing.T) {
	e := start(t)
	// Enough terms that the list is bigger than an ack may carry.
	for i := 0; i < 400; i++ {
		_, err := e.db.AddTerm(e.ctx, store.Term{
			Name: fmt.Sprintf("A rather long glossary term number %03d", i), Category: fmt.Sprintf("Category %d", i%40), Definition: "d",
		}, store.Actor{ID: "UALICE"})
		if err != nil {
			t.Fatal(err)
		}
	}
	id := e.fake.SendSlash(slackfake.Slash{Command: "/term", Text: "list", UserID: "UBOB", ResponseURL: e.fake.ResponseURL("big")})
	ack, err := e.fake.WaitAck(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(ack.Payload) >= 20*1024 {
		t.Fatalf("ack payload %d bytes: Slack drops acks of 20 KB or more", len(ack.Payload))
	}
	if ack.Payload == nil {
		post, err := e.fake.WaitCall(e.ctx, "response_url", func(c slackfake.Call) bool { return c.Path == "big" })
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, "list via response_url", slackfake.Strings(post.Body), "400 terms")
	} else {
		mustContain(t, "list in ack", slackfake.Strings(ack.Payload), "400 terms")
	}
}

func TestModalOpenFailureIsReported(t *testing.T) {
	e := start(t)
	e.fake.Handle("views.open", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":false,"error":"expired_trigger_id"}`))
	})
	id := e.fake.SendSlash(slackfake.Slash{Command: "/term", Text: "add", UserID: "UALICE", ResponseURL: e.fake.ResponseURL("nomodal")})
	if _, err := e.fake.WaitAck(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	post, err := e.fake.WaitCall(e.ctx, "response_url", func(c slackfake.Call) bool { return c.Path == "nomodal" })
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "failure notice", slackfake.Strings(post.Body), "Sorry")
}

func TestUnknownCommandAndBadInput(t *testing.T) {
	e := start(t)
	tests := []struct {
		text string
		want string
	}{
		{"", "/term add NAME = DEFINITION"},
		{"help", "/term search TEXT"},
		{"add = no name", "Fill in the name"},
		{"add X = " + strings.Repeat("d", 3001), "3000"},
		{"delete", "Which term?"},
		{"search", "Search for what?"},
	}
	for _, tc := range tests {
		r, _ := e.slash(t, "UALICE", tc.text)
		mustContain(t, fmt.Sprintf("answer to %.30q", tc.text), r.all(), tc.want)
	}
}
