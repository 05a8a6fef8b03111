package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"smarketing/bot"
	"smarketing/bot/slackfake"
	"smarketing/commands"
	"smarketing/store"
	"smarketing/store/storetest"
)

// env is a running bot wired to a fake Slack and a real database.
type env struct {
	fake *slackfake.Server
	db   *storetest.DB
	ctx  context.Context
	bot  *bot.Bot
	// stop stops the bot and waits until its work in flight is done.
	stop func()
}

const (
	admin        = "UADMIN"
	leadsChannel = "CLEADS"
)

// start runs a bot over a fresh database against a fake Slack; opts may
// change the handler's options.
func start(tb testing.TB, opts ...func(*commands.Options)) *env {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	tb.Cleanup(cancel)
	fake := slackfake.New()
	tb.Cleanup(fake.Close)
	db := storetest.Open(tb, time.Time{})
	b := bot.New(bot.Options{
		BotToken: slackfake.BotToken,
		AppToken: slackfake.AppToken,
		APIURL:   fake.APIURL(),
		Log:      slog.New(slog.NewTextHandler(testWriter{tb}, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	self, err := b.Identify(ctx)
	if err != nil {
		tb.Fatalf("identify: %v", err)
	}
	o := commands.Options{
		Admins: []string{admin}, Location: time.UTC, LeadsChannels: []string{leadsChannel}, SLA: time.Hour,
		Reactions:    map[string]string{"+1": "good", "thumbsup": "good", "-1": "poor", "x": "poor", "fire": "hot"},
		WorkspaceURL: self.URL,
	}
	for _, opt := range opts {
		opt(&o)
	}
	if _, ok := o.Members.(botMembers); ok {
		o.Members = b
	}
	h := commands.New(db, o)
	stop := serve(tb, ctx, b, h, fake)
	return &env{fake: fake, db: db, ctx: ctx, bot: b, stop: stop}
}

// checkMembers, set as Options.Members by a test's option, has the bot
// check channel membership itself (conversations.members, as served).
var checkMembers commands.Members = botMembers{}

type botMembers struct{ commands.Members }

// serve runs b with h until the test ends or the returned stop is called
// (then it must return nil), and waits until it is connected to fake.
func serve(tb testing.TB, ctx context.Context, b *bot.Bot, h bot.Handler, fake *slackfake.Server) (stop func()) {
	tb.Helper()
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(runCtx, h) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				tb.Errorf("Run returned %v, want nil after shutdown", err)
			}
		})
	}
	tb.Cleanup(stop)
	if err := fake.WaitConnected(ctx); err != nil {
		tb.Fatalf("bot never connected: %v", err)
	}
	return stop
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

// slash sends a /term command and returns the answer carried in its ack.
func (e *env) slash(tb testing.TB, user, text string) (reply, slackfake.Ack) {
	tb.Helper()
	return e.command(tb, "/term", user, text)
}

// command sends a slash command and returns the answer carried in its ack.
func (e *env) command(tb testing.TB, command, user, text string) (reply, slackfake.Ack) {
	tb.Helper()
	id := e.fake.SendSlash(slackfake.Slash{Command: command, Text: text, UserID: user})
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
	view := e.openedView(t, "trig-1")
	if view.CallbackID != "term_add" || len(view.Blocks) != 4 {
		t.Fatalf("view = %+v, want callback term_add and 4 inputs", view)
	}
	submit := func(values map[string]string) reply { return e.submit(t, "UALICE", view, values) }

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

// view is a modal the bot opened.
type view struct {
	CallbackID      string `json:"callback_id"`
	PrivateMetadata string `json:"private_metadata"`
	Blocks          []struct {
		BlockID string `json:"block_id"`
	} `json:"blocks"`
	raw string
}

// openedView waits for the bot to open a modal with triggerID.
func (e *env) openedView(tb testing.TB, triggerID string) view {
	tb.Helper()
	call, err := e.fake.WaitCall(e.ctx, "views.open", func(c slackfake.Call) bool { return c.Params["trigger_id"] == triggerID })
	if err != nil {
		tb.Fatalf("views.open with trigger %s: %v", triggerID, err)
	}
	v := view{raw: call.Params["view"]}
	if err := json.Unmarshal([]byte(v.raw), &v); err != nil {
		tb.Fatalf("view %s: %v", v.raw, err)
	}
	return v
}

// submit sends a view_submission of v with the given input values and
// returns the ack's answer.
func (e *env) submit(tb testing.TB, user string, v view, values map[string]string) reply {
	tb.Helper()
	state := map[string]any{}
	for k, val := range values {
		state[k] = map[string]any{k: map[string]any{"type": "plain_text_input", "value": val}}
	}
	id := e.fake.SendInteraction(map[string]any{
		"type": "view_submission",
		"user": map[string]any{"id": user, "name": "user-" + user},
		"view": map[string]any{
			"id": "V1", "type": "modal", "callback_id": v.CallbackID,
			"private_metadata": v.PrivateMetadata,
			"state":            map[string]any{"values": state},
		},
	})
	ack, err := e.fake.WaitAck(e.ctx, id)
	if err != nil {
		tb.Fatal(err)
	}
	var r reply
	if ack.Payload != nil {
		if err := json.Unmarshal(ack.Payload, &r); err != nil {
			tb.Fatalf("submission ack %s: %v", ack.Payload, err)
		}
	}
	return r
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
	id := e.fake.SendSlash(slackfake.Slash{Command: "/term", Text: "edit lead scoring", UserID: "UBOB", TriggerID: "trig-edit"})
	if _, err := e.fake.WaitAck(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	v := e.openedView(t, "trig-edit")
	mustContain(t, "edit modal", slackfake.Strings([]byte(v.raw)), "term_edit", "timing")
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

func TestPersonaEndToEnd(t *testing.T) {
	e := start(t)
	r, _ := e.command(t, "/persona", "UALICE", "add Sally Supermom = Buys what saves her time <!everyone>")
	mustContain(t, "quick add", r.all(), "Added the persona", "Sally Supermom", "&lt;!everyone&gt;")

	// The form: every field, inline errors, then a save.
	id := e.fake.SendSlash(slackfake.Slash{Command: "/persona", Text: "add", UserID: "UBOB", TriggerID: "trig-p", ResponseURL: e.fake.ResponseURL("persona-add")})
	if _, err := e.fake.WaitAck(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	v := e.openedView(t, "trig-p")
	if v.CallbackID != "persona_add" || len(v.Blocks) != 8 {
		t.Fatalf("persona form = %+v, want persona_add with 8 fields", v)
	}
	values := map[string]string{"name": "Sally Supermom", "role": "", "summary": "dup", "goals": "", "pains": "", "objections": "", "channels": "", "questions": ""}
	if r := e.submit(t, "UBOB", v, values); r.Errors["name"] == "" {
		t.Fatalf("duplicate name answered %+v, want an inline error on name", r)
	}
	values = map[string]string{"name": "Oscar Ops", "role": "Head of operations", "summary": "Runs a 40-person ops team",
		"goals": "Fewer manual steps", "pains": "Spreadsheets", "objections": "Another tool to learn",
		"channels": "Ops podcasts", "questions": "1. How long to set up?\n2. Who supports it?"}
	if r := e.submit(t, "UBOB", v, values); r.ResponseAction != "" {
		t.Fatalf("valid persona answered %+v", r)
	}
	post, err := e.fake.WaitCall(e.ctx, "response_url", func(c slackfake.Call) bool { return c.Path == "persona-add" })
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "saved persona", slackfake.Strings(post.Body), "Oscar Ops", "Where they look for information", "Who supports it?")

	tests := []struct{ typed, want string }{
		{"sally", "Buys what saves her time"},
		{"SUPER", "Sally Supermom"},
		{"oscar ops", "Runs a 40-person ops team"},
		{"o", "Oscar Ops"}, // one match by prefix
		{"nobody", "No persona"},
	}
	for _, tc := range tests {
		r, _ := e.command(t, "/persona", "UCAROL", tc.typed)
		mustContain(t, "/persona "+tc.typed, r.all(), tc.want)
	}
	e.command(t, "/persona", "UALICE", "add Sam Sysadmin = Keeps the lights on")
	r, _ = e.command(t, "/persona", "UCAROL", "s")
	mustContain(t, "ambiguous", r.all(), "More than one persona", "Sally Supermom", "Sam Sysadmin")

	r, _ = e.command(t, "/persona", "UCAROL", "delete sally")
	mustContain(t, "refused delete", r.all(), "Sorry, only")
	r, _ = e.command(t, "/persona", "UALICE", "delete sally")
	mustContain(t, "delete", r.all(), "Deleted the persona")
	r, _ = e.command(t, "/persona", "UCAROL", "list")
	mustContain(t, "list", r.all(), "Oscar Ops", "Sam Sysadmin")
	mustNotContain(t, "list", r.all(), "Sally")
}
