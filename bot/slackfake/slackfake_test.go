package slackfake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// bot is a real slack-go Socket Mode client connected to a fake.
type bot struct {
	s      *Server
	client *socketmode.Client
	events chan socketmode.Event
}

// startBot starts a server and a socketmode client on it, and stops both when the
// test ends (the client first).
func startBot(tb testing.TB) *bot {
	tb.Helper()
	s := New()
	tb.Cleanup(s.Close)

	api := slack.New(BotToken, slack.OptionAppLevelToken(AppToken), slack.OptionAPIURL(s.APIURL()))
	client := socketmode.New(api)
	ctx, cancel := context.WithCancel(context.Background())
	b := &bot{s: s, client: client, events: make(chan socketmode.Event, 100)}

	var wg sync.WaitGroup
	runErr := make(chan error, 1)
	wg.Go(func() { runErr <- client.RunContext(ctx) })
	wg.Go(func() {
		for {
			select {
			case e := <-client.Events:
				select {
				case b.events <- e:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	})
	tb.Cleanup(func() {
		cancel()
		wg.Wait()
		if err := <-runErr; !errors.Is(err, context.Canceled) {
			tb.Errorf("RunContext = %v, want context.Canceled", err)
		}
	})
	return b
}

// next returns the next event of type want, skipping the client's own lifecycle
// events; any other Slack request fails the test.
func (b *bot) next(tb testing.TB, ctx context.Context, want socketmode.EventType) socketmode.Event {
	tb.Helper()
	for {
		select {
		case e := <-b.events:
			if e.Type == want {
				return e
			}
			switch e.Type {
			case socketmode.EventTypeConnecting, socketmode.EventTypeConnected, socketmode.EventTypeHello,
				// A dropped socket shows up as a read error before the reconnect.
				socketmode.EventTypeIncomingError:
				continue
			}
			tb.Fatalf("got event %q (%+v), want %q", e.Type, e.Data, want)
		case <-ctx.Done():
			tb.Fatalf("waiting for event %q: %v", want, ctx.Err())
		}
	}
}

func (b *bot) ack(tb testing.TB, e socketmode.Event, payload any) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.client.AckCtx(ctx, e.Request.EnvelopeID, payload); err != nil {
		tb.Fatalf("AckCtx: %v", err)
	}
}

func testContext(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

func reactionAdded(reaction string) map[string]any {
	return map[string]any{
		"type":      "reaction_added",
		"user":      "U123",
		"reaction":  reaction,
		"item_user": "U456",
		"item":      map[string]string{"type": "message", "channel": "C1", "ts": "1732400000.000100"},
		"event_ts":  "1732400001.000200",
	}
}

func TestSocketModeClient(t *testing.T) {
	b := startBot(t)
	s := b.s
	ctx := testContext(t)

	if err := s.WaitConnected(ctx); err != nil {
		t.Fatalf("WaitConnected: %v", err)
	}
	b.next(t, ctx, socketmode.EventTypeHello)
	if got := len(s.Calls("apps.connections.open")); got != 1 {
		t.Fatalf("apps.connections.open calls = %d, want 1", got)
	}

	t.Run("slash command", func(t *testing.T) {
		id := s.SendSlash(Slash{Command: "/promo", Text: "list active"})
		e := b.next(t, ctx, socketmode.EventTypeSlashCommand)
		cmd, ok := e.Data.(slack.SlashCommand)
		if !ok {
			t.Fatalf("Data = %T, want slack.SlashCommand", e.Data)
		}
		if cmd.Text != "list active" || cmd.Command != "/promo" {
			t.Fatalf("command = %q %q, want /promo %q", cmd.Command, cmd.Text, "list active")
		}
		if cmd.UserID != DefaultUserID || cmd.UserName != "user-"+DefaultUserID || cmd.ChannelID != DefaultChannelID {
			t.Fatalf("user/channel = %q %q %q, want defaults", cmd.UserID, cmd.UserName, cmd.ChannelID)
		}
		if cmd.TeamID != TeamID || cmd.APIAppID != AppID || cmd.TriggerID == "" {
			t.Fatalf("team/app/trigger = %q %q %q", cmd.TeamID, cmd.APIAppID, cmd.TriggerID)
		}
		if cmd.ResponseURL != s.ResponseURL(id) {
			t.Fatalf("ResponseURL = %q, want %q", cmd.ResponseURL, s.ResponseURL(id))
		}
		if e.Request.EnvelopeID != id || !e.Request.AcceptsResponsePayload {
			t.Fatalf("request = %+v, want envelope %s accepting a payload", e.Request, id)
		}
		b.ack(t, e, map[string]string{"text": "2 promos"})

		ack, err := s.WaitAck(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(ack.Payload); got != `{"text":"2 promos"}` {
			t.Fatalf("ack payload = %s, want {\"text\":\"2 promos\"}", got)
		}
		if ack.SentAt.IsZero() || ack.At.Before(ack.SentAt) {
			t.Fatalf("ack times SentAt=%v At=%v", ack.SentAt, ack.At)
		}

		_, _, err = b.client.PostMessageContext(ctx, "",
			slack.MsgOptionText("posted later", false),
			slack.MsgOptionResponseURL(cmd.ResponseURL, slack.ResponseTypeInChannel))
		if err != nil {
			t.Fatalf("post to response_url: %v", err)
		}
		call, err := s.WaitCall(ctx, MethodResponseURL, func(c Call) bool { return c.Path == id })
		if err != nil {
			t.Fatal(err)
		}
		if call.Params["text"] != "posted later" || call.Params["response_type"] != "in_channel" {
			t.Fatalf("response_url params = %v", call.Params)
		}
	})

	t.Run("events api", func(t *testing.T) {
		id := s.SendEvent("Ev0001", reactionAdded("thumbsup"))
		e := b.next(t, ctx, socketmode.EventTypeEventsAPI)
		ev, ok := e.Data.(slackevents.EventsAPIEvent)
		if !ok {
			t.Fatalf("Data = %T, want slackevents.EventsAPIEvent", e.Data)
		}
		cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent)
		if !ok || cb.EventID != "Ev0001" || cb.TeamID != TeamID || len(cb.Authorizations) != 1 {
			t.Fatalf("outer event = %#v", ev.Data)
		}
		r, ok := ev.InnerEvent.Data.(*slackevents.ReactionAddedEvent)
		if !ok {
			t.Fatalf("inner event = %T, want *slackevents.ReactionAddedEvent", ev.InnerEvent.Data)
		}
		if r.Reaction != "thumbsup" || r.Item.Channel != "C1" {
			t.Fatalf("reaction = %+v", r)
		}
		b.ack(t, e, nil)
		ack, err := s.WaitAck(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if ack.Payload != nil {
			t.Fatalf("ack payload = %s, want nil", ack.Payload)
		}
	})

	t.Run("interactive", func(t *testing.T) {
		id := s.SendInteraction(map[string]any{
			"type":       "block_actions",
			"trigger_id": "123.456.abc",
			"user":       map[string]string{"id": "U123"},
			"actions": []map[string]string{{
				"type": "button", "block_id": "b1", "action_id": "approve", "value": "42",
			}},
		})
		e := b.next(t, ctx, socketmode.EventTypeInteractive)
		cb, ok := e.Data.(slack.InteractionCallback)
		if !ok || cb.Type != slack.InteractionTypeBlockActions {
			t.Fatalf("Data = %#v, want block_actions", e.Data)
		}
		if len(cb.ActionCallback.BlockActions) != 1 || cb.ActionCallback.BlockActions[0].ActionID != "approve" {
			t.Fatalf("actions = %+v", cb.ActionCallback)
		}
		b.ack(t, e, nil)
		if _, err := s.WaitAck(ctx, id); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("reconnects", func(t *testing.T) {
		s.DropConnection()
		if err := s.WaitConnections(ctx, 2); err != nil {
			t.Fatal(err)
		}
		id := s.SendEvent("", reactionAdded("one"))
		b.ack(t, b.next(t, ctx, socketmode.EventTypeEventsAPI), nil)
		if _, err := s.WaitAck(ctx, id); err != nil {
			t.Fatal(err)
		}

		s.Disconnect("refresh_requested")
		// Sent while no socket is current: queued for the next one.
		id = s.SendEvent("", reactionAdded("two"))
		if err := s.WaitConnections(ctx, 3); err != nil {
			t.Fatal(err)
		}
		b.ack(t, b.next(t, ctx, socketmode.EventTypeEventsAPI), nil)
		if _, err := s.WaitAck(ctx, id); err != nil {
			t.Fatal(err)
		}
		if got := len(s.Calls("apps.connections.open")); got != 3 {
			t.Fatalf("apps.connections.open calls = %d, want 3", got)
		}
	})

	t.Run("redelivers unacked", func(t *testing.T) {
		s.SetRedeliverUnacked(true)
		defer s.SetRedeliverUnacked(false)
		id := s.SendEvent("EvRETRY", reactionAdded("retry"))
		first := b.next(t, ctx, socketmode.EventTypeEventsAPI) // not acked: the bot "crashes"
		if first.Request.RetryAttempt != 0 {
			t.Fatalf("first delivery retry_attempt = %d, want 0", first.Request.RetryAttempt)
		}
		n := s.Connections()
		s.DropConnection()
		if err := s.WaitConnections(ctx, n+1); err != nil {
			t.Fatal(err)
		}
		e := b.next(t, ctx, socketmode.EventTypeEventsAPI)
		if e.Request.EnvelopeID != id || e.Request.RetryAttempt != 1 || e.Request.RetryReason != "timeout" {
			t.Fatalf("redelivery = %+v, want envelope %s retry 1 timeout", e.Request, id)
		}
		cb := e.Data.(slackevents.EventsAPIEvent).Data.(*slackevents.EventsAPICallbackEvent)
		if cb.EventID != "EvRETRY" {
			t.Fatalf("redelivered event_id = %q, want EvRETRY", cb.EventID)
		}
		b.ack(t, e, nil)
		if _, err := s.WaitAck(ctx, id); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("resend", func(t *testing.T) {
		id := s.SendEvent("EvDUP", reactionAdded("dup"))
		b.ack(t, b.next(t, ctx, socketmode.EventTypeEventsAPI), nil)
		s.Resend(id, 2)
		e := b.next(t, ctx, socketmode.EventTypeEventsAPI)
		if e.Request.EnvelopeID != id || e.Request.RetryAttempt != 2 || e.Request.RetryReason != "timeout" {
			t.Fatalf("resent = %+v", e.Request)
		}
		b.ack(t, e, nil)
	})

	t.Run("web api", func(t *testing.T) {
		ch, ts, err := b.client.PostMessageContext(ctx, "C1", slack.MsgOptionText("hello", false))
		if err != nil {
			t.Fatalf("PostMessage: %v", err)
		}
		if ch != "C1" || ts == "" {
			t.Fatalf("PostMessage = %q %q", ch, ts)
		}
		call, err := s.WaitCall(ctx, "chat.postMessage", func(c Call) bool { return c.Params["text"] == "hello" })
		if err != nil {
			t.Fatal(err)
		}
		if call.Params["channel"] != "C1" {
			t.Fatalf("channel param = %q, want C1", call.Params["channel"])
		}
		h, err := b.client.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1"})
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Messages) != 1 || h.Messages[0].Text != "hello" || h.Messages[0].BotID != BotID {
			t.Fatalf("history = %+v", h.Messages)
		}

		s.Handle("chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"ok":false,"error":"ratelimited"}`)
		})
		_, _, err = b.client.PostMessageContext(ctx, "C1", slack.MsgOptionText("again", false))
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) || rl.RetryAfter != time.Second {
			t.Fatalf("PostMessage error = %v, want RateLimitedError after 1s", err)
		}
		s.Handle("chat.postMessage", nil)
		if _, _, err := b.client.PostMessageContext(ctx, "C1", slack.MsgOptionText("again", false)); err != nil {
			t.Fatalf("PostMessage after restore: %v", err)
		}
		if got := len(s.Calls("chat.postMessage")); got != 3 {
			t.Fatalf("chat.postMessage calls = %d, want 3", got)
		}
	})
}

func TestAuth(t *testing.T) {
	s := New()
	defer s.Close()
	ctx := testContext(t)

	tests := []struct {
		name, bot, app string
		call           func(*slack.Client) error
		want           string
	}{
		{"bad bot token", "xoxb-wrong", AppToken, func(c *slack.Client) error { _, err := c.AuthTestContext(ctx); return err }, "invalid_auth"},
		{"good bot token", BotToken, AppToken, func(c *slack.Client) error { _, err := c.AuthTestContext(ctx); return err }, ""},
		{"bad app token", BotToken, "xapp-wrong", func(c *slack.Client) error { _, _, err := c.StartSocketModeContext(ctx); return err }, "invalid_auth"},
		{"bot token as app token", BotToken, BotToken, func(c *slack.Client) error { _, _, err := c.StartSocketModeContext(ctx); return err }, "not_allowed_token_type"},
		{"no token", "", AppToken, func(c *slack.Client) error { _, err := c.AuthTestContext(ctx); return err }, "not_authed"},
		{"json body", "xoxb-wrong", AppToken, func(c *slack.Client) error {
			_, err := c.OpenViewContext(ctx, "1.2.3", slack.ModalViewRequest{Type: slack.VTModal})
			return err
		}, "invalid_auth"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := slack.New(tc.bot, slack.OptionAppLevelToken(tc.app), slack.OptionAPIURL(s.APIURL()))
			err := tc.call(c)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Fatalf("error = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestWebAPI(t *testing.T) {
	s := New()
	defer s.Close()
	ctx := testContext(t)
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))

	t.Run("auth.test", func(t *testing.T) {
		r, err := api.AuthTestContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if r.UserID != BotUserID || r.BotID != BotID || r.TeamID != TeamID {
			t.Fatalf("auth.test = %+v", r)
		}
	})

	t.Run("views.open", func(t *testing.T) {
		v, err := api.OpenViewContext(ctx, "1.2.3", slack.ModalViewRequest{
			Type:       slack.VTModal,
			Title:      slack.NewTextBlockObject(slack.PlainTextType, "New promo", false, false),
			CallbackID: "promo_new",
		})
		if err != nil {
			t.Fatal(err)
		}
		if v.ID == "" || v.CallbackID != "promo_new" || v.Title.Text != "New promo" {
			t.Fatalf("view = %+v", v.View)
		}
		call := s.Calls("views.open")[0]
		if call.Params["trigger_id"] != "1.2.3" || !strings.Contains(call.Params["view"], `"callback_id":"promo_new"`) {
			t.Fatalf("views.open params = %v", call.Params)
		}
		u, err := api.UpdateViewContext(ctx, slack.ModalViewRequest{Type: slack.VTModal, CallbackID: "promo_new"}, "", "", v.ID)
		if err != nil || u.ID != v.ID {
			t.Fatalf("views.update = %v, %v; want id %s", u, err, v.ID)
		}
	})

	t.Run("upload", func(t *testing.T) {
		f, err := api.UploadFileContext(ctx, slack.UploadFileParameters{
			Filename: "report.csv", FileSize: 7, Content: "a,b\n1,2", Title: "Report", Channel: "C1",
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := string(s.Uploads()[f.ID]); got != "a,b\n1,2" {
			t.Fatalf("uploaded %q, want %q", got, "a,b\n1,2")
		}
		if f.Title != "Report" {
			t.Fatalf("title = %q, want Report", f.Title)
		}
		c := s.Calls("files.completeUploadExternal")[0]
		if c.Params["channel_id"] != "C1" {
			t.Fatalf("complete params = %v", c.Params)
		}
		if len(s.Calls(MethodUpload)) != 1 {
			t.Fatalf("upload calls = %d, want 1", len(s.Calls(MethodUpload)))
		}
	})

	t.Run("permalink and others", func(t *testing.T) {
		link, err := api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: "C1", Ts: "1732400000.000100"})
		if err != nil || link != "https://fake.slack.com/archives/C1/p1732400000000100" {
			t.Fatalf("permalink = %q, %v", link, err)
		}
		u, err := api.GetUserInfoContext(ctx, "U9")
		if err != nil || u.ID != "U9" || u.Name != "user-U9" {
			t.Fatalf("users.info = %+v, %v", u, err)
		}
		c, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: "C7"})
		if err != nil || c.ID != "C7" {
			t.Fatalf("conversations.info = %+v, %v", c, err)
		}
		if err := api.AddReactionContext(ctx, "tada", slack.ItemRef{Channel: "C1", Timestamp: "1.2"}); err != nil {
			t.Fatalf("reactions.add: %v", err)
		}
		if _, err := api.GetEmojiContext(ctx); err == nil || err.Error() != "unknown_method" {
			t.Fatalf("emoji.list error = %v, want unknown_method", err)
		}
		if _, err := s.WaitCall(ctx, "emoji.list", nil); err != nil {
			t.Fatal(err)
		}
	})
}

func TestHistory(t *testing.T) {
	s := New()
	defer s.Close()
	ctx := testContext(t)
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))

	s.AddMessage("C1", Message{TS: "1700000001.000100", User: "U1", Text: "one"})
	s.AddMessage("C1", Message{TS: "1700000002.000100", User: "U1", Text: "two"})
	s.AddMessage("C1", Message{TS: "1700000003.000100", ThreadTS: "1700000002.000100", User: "U2", Text: "reply"})
	s.AddMessage("C1", Message{TS: "1700000004.000100", User: "U3", Text: "four"})
	_, tsPosted, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("bot reply", false), slack.MsgOptionTS("1700000002.000100"))
	if err != nil {
		t.Fatal(err)
	}

	texts := func(ms []slack.Message) string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Text)
		}
		return strings.Join(out, ",")
	}
	tests := []struct {
		name   string
		params slack.GetConversationHistoryParameters
		want   string
	}{
		{"all", slack.GetConversationHistoryParameters{}, "four,two,one"},
		{"oldest exclusive", slack.GetConversationHistoryParameters{Oldest: "1700000002.000100"}, "four"},
		{"oldest inclusive", slack.GetConversationHistoryParameters{Oldest: "1700000002.000100", Inclusive: true}, "four,two"},
		{"latest", slack.GetConversationHistoryParameters{Latest: "1700000004.000100"}, "two,one"},
		{"limit", slack.GetConversationHistoryParameters{Limit: 2}, "four,two"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.params
			p.ChannelID = "C1"
			h, err := api.GetConversationHistoryContext(ctx, &p)
			if err != nil {
				t.Fatal(err)
			}
			if got := texts(h.Messages); got != tc.want {
				t.Fatalf("history = %s, want %s", got, tc.want)
			}
		})
	}

	t.Run("cursor", func(t *testing.T) {
		p := slack.GetConversationHistoryParameters{ChannelID: "C1", Limit: 2}
		h, err := api.GetConversationHistoryContext(ctx, &p)
		if err != nil || !h.HasMore || h.ResponseMetaData.NextCursor == "" {
			t.Fatalf("first page = %+v, %v", h, err)
		}
		p.Cursor = h.ResponseMetaData.NextCursor
		h, err = api.GetConversationHistoryContext(ctx, &p)
		if err != nil || h.HasMore || texts(h.Messages) != "one" {
			t.Fatalf("second page = %+v, %v", h, err)
		}
	})

	t.Run("replies", func(t *testing.T) {
		msgs, _, _, err := api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
			ChannelID: "C1", Timestamp: "1700000003.000100",
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := texts(msgs); got != "two,reply,bot reply" {
			t.Fatalf("replies = %s, want two,reply,bot reply", got)
		}
		if msgs[0].ReplyCount != 2 || msgs[0].LatestReply != tsPosted {
			t.Fatalf("parent = %+v", msgs[0].Msg)
		}
		msgs, _, _, err = api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
			ChannelID: "C1", Timestamp: "1700000002.000100", Oldest: "1700000003.000100",
		})
		if err != nil || texts(msgs) != "two,bot reply" {
			t.Fatalf("replies after oldest = %s, %v; want two,bot reply", texts(msgs), err)
		}
	})
}

// rawSocket opens a socket with gorilla directly, as a minimal bot.
func rawSocket(tb testing.TB, ctx context.Context, s *Server) *websocket.Conn {
	tb.Helper()
	api := slack.New(BotToken, slack.OptionAppLevelToken(AppToken), slack.OptionAPIURL(s.APIURL()))
	_, u, err := api.StartSocketModeContext(ctx)
	if err != nil {
		tb.Fatalf("apps.connections.open: %v", err)
	}
	ws, _, err := websocket.DefaultDialer.DialContext(ctx, u, nil)
	if err != nil {
		tb.Fatalf("dial %s: %v", u, err)
	}
	tb.Cleanup(func() { _ = ws.Close() })
	if dl, ok := ctx.Deadline(); ok {
		_ = ws.SetReadDeadline(dl)
	}
	var hello map[string]any
	if err := ws.ReadJSON(&hello); err != nil || hello["type"] != "hello" {
		tb.Fatalf("first frame = %v, %v; want hello", hello, err)
	}
	return ws
}

func TestTicketSingleUse(t *testing.T) {
	s := New()
	defer s.Close()
	ctx := testContext(t)
	api := slack.New(BotToken, slack.OptionAppLevelToken(AppToken), slack.OptionAPIURL(s.APIURL()))
	_, u, err := api.StartSocketModeContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ws, _, err := websocket.DefaultDialer.DialContext(ctx, u, nil)
	if err != nil {
		t.Fatalf("first dial: %v", err)
	}
	defer ws.Close()
	_, resp, err := websocket.DefaultDialer.DialContext(ctx, u, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("second dial = %v, %v; want HTTP 400", resp, err)
	}
}

func TestQueuedUntilConnected(t *testing.T) {
	s := New()
	defer s.Close()
	ctx := testContext(t)
	id := s.Send(Envelope{Type: "events_api", Payload: json.RawMessage(`{"x":1}`)})
	ws := rawSocket(t, ctx, s)
	var env Envelope
	if err := ws.ReadJSON(&env); err != nil {
		t.Fatal(err)
	}
	if env.EnvelopeID != id || string(env.Payload) != `{"x":1}` {
		t.Fatalf("envelope = %+v, want %s", env, id)
	}
	if err := ws.WriteJSON(map[string]string{"envelope_id": id}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitAck(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"hi":true}`)); err != nil {
		t.Fatal(err)
	}
	// The ack above and this frame travel on one socket, so once a later ack is
	// recorded, the frame has been too.
	if err := ws.WriteJSON(map[string]string{"envelope_id": "marker"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitAck(ctx, "marker"); err != nil {
		t.Fatal(err)
	}
	if got := s.OtherFrames(); len(got) != 1 || string(got[0]) != `{"hi":true}` {
		t.Fatalf("OtherFrames = %s", got)
	}
}

// TestConcurrentSend sends from many goroutines while a raw client acks, and checks
// every envelope arrives once and in per-sender order.
func TestConcurrentSend(t *testing.T) {
	s := New()
	defer s.Close()
	ctx := testContext(t)
	ws := rawSocket(t, ctx, s)

	const senders, each = 8, 250
	readErr := make(chan error, 1)
	go func() {
		seen := make(map[string]bool)
		last := make(map[float64]float64)
		for len(seen) < senders*each {
			var env struct {
				EnvelopeID string             `json:"envelope_id"`
				Payload    map[string]float64 `json:"payload"`
			}
			if err := ws.ReadJSON(&env); err != nil {
				readErr <- err
				return
			}
			if seen[env.EnvelopeID] {
				readErr <- fmt.Errorf("envelope %s delivered twice", env.EnvelopeID)
				return
			}
			seen[env.EnvelopeID] = true
			g, n := env.Payload["g"], env.Payload["n"]
			if prev, ok := last[g]; ok && n <= prev {
				readErr <- fmt.Errorf("sender %v: %v after %v", g, n, prev)
				return
			}
			last[g] = n
			if err := ws.WriteJSON(map[string]string{"envelope_id": env.EnvelopeID}); err != nil {
				readErr <- err
				return
			}
		}
		readErr <- nil
	}()

	ids := make(chan string, senders*each)
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			for n := range each {
				ids <- s.Send(Envelope{Type: "events_api", Payload: MustJSON(map[string]int{"g": g, "n": n})})
			}
		})
	}
	wg.Wait()
	close(ids)
	if err := <-readErr; err != nil {
		t.Fatal(err)
	}
	for id := range ids {
		if _, err := s.WaitAck(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(s.Acks()); got != senders*each {
		t.Fatalf("acks = %d, want %d", got, senders*each)
	}
}

func TestCloseReleasesWaiters(t *testing.T) {
	s := New()
	ctx := testContext(t)
	rawSocket(t, ctx, s)
	errc := make(chan error, 2)
	go func() { _, err := s.WaitAck(ctx, "never"); errc <- err }()
	go func() { _, err := s.WaitCall(ctx, "never", nil); errc <- err }()
	s.Close()
	s.Close()
	for range 2 {
		if err := <-errc; !errors.Is(err, ErrClosed) {
			t.Fatalf("wait error = %v, want ErrClosed", err)
		}
	}
	resp, err := http.Post(s.APIURL()+"auth.test", "application/json", bytes.NewReader(nil))
	if err == nil {
		resp.Body.Close()
		t.Fatal("request after Close succeeded")
	}
}

func TestUserGroups(t *testing.T) {
	s := New()
	defer s.Close()
	ctx := testContext(t)
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
	s.SetUserGroup("SSALES", "UANA", "UBEA")
	s.SetUserGroup("SEMPTY")

	tests := []struct {
		name    string
		change  func()
		group   string
		want    []string
		wantErr string
	}{
		{name: "members", group: "SSALES", want: []string{"UANA", "UBEA"}},
		{name: "no members", group: "SEMPTY", want: []string{}},
		{name: "unknown group", group: "SNONE", wantErr: "no_such_subteam"},
		{name: "changed", change: func() { s.SetUserGroup("SSALES", "UCARL") }, group: "SSALES", want: []string{"UCARL"}},
		{name: "failing", change: func() { s.FailUserGroups("ratelimited") }, group: "SSALES", wantErr: "ratelimited"},
		{name: "failing no more", change: func() { s.FailUserGroups("") }, group: "SSALES", want: []string{"UCARL"}},
		{name: "removed", change: func() { s.RemoveUserGroup("SSALES") }, group: "SSALES", wantErr: "no_such_subteam"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.change != nil {
				tc.change()
			}
			got, err := api.GetUserGroupMembersContext(ctx, tc.group)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("usergroups.users.list(%s) = %q, %v; want error %s", tc.group, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("usergroups.users.list(%s) = %q, %v; want %q", tc.group, got, err, tc.want)
			}
		})
	}
	c := s.Calls("usergroups.users.list")
	if len(c) != len(tests) || c[0].Params["usergroup"] != "SSALES" {
		t.Fatalf("recorded %d calls (first %v), want %d with the usergroup param", len(c), c[0].Params, len(tests))
	}

	bad := slack.New("xoxb-wrong", slack.OptionAPIURL(s.APIURL()))
	if _, err := bad.GetUserGroupMembersContext(ctx, "SEMPTY"); err == nil || err.Error() != "invalid_auth" {
		t.Fatalf("wrong token: %v, want invalid_auth", err)
	}
}

func TestUsersList(t *testing.T) {
	s := New()
	defer s.Close()
	ctx := testContext(t)
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
	s.SetUser("UMO", "mo", "Mo", "Maureen O'Hara")
	s.SetUser("UANA", "ana", "", "Ana Lima")
	s.SetUser("UOLD", "old", "Old", "Old Timer")
	s.DeactivateUser("UOLD")
	s.SetBotUser("BHELPER", "helper", "Helper")

	users, err := api.GetUsersContext(ctx)
	if err != nil {
		t.Fatalf("users.list: %v", err)
	}
	type row struct {
		id, name, display, real string
		deleted, bot            bool
	}
	var got []row
	for _, u := range users {
		if u.RealName != u.Profile.RealName {
			t.Errorf("%s: real_name %q, profile.real_name %q; want them equal", u.ID, u.RealName, u.Profile.RealName)
		}
		got = append(got, row{u.ID, u.Name, u.Profile.DisplayName, u.Profile.RealName, u.Deleted, u.IsBot})
	}
	want := []row{
		{"BHELPER", "helper", "Helper", "Helper", false, true},
		{"UANA", "ana", "", "Ana Lima", false, false},
		{BotUserID, "smarketing", "smarketing", "smarketing", false, true},
		{"UMO", "mo", "Mo", "Maureen O'Hara", false, false},
		{"UOLD", "old", "Old", "Old Timer", true, false},
		{SlackbotID, "slackbot", "", "Slackbot", false, false},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("users.list =\n%v\nwant\n%v", got, want)
	}
	if c := s.Calls("users.list"); len(c) != 1 || c[0].Params["limit"] != "200" {
		t.Fatalf("users.list calls = %d (params %v), want 1 with limit=200", len(c), c[0].Params)
	}

	info, err := api.GetUserInfoContext(ctx, "UMO")
	if err != nil || info.Name != "mo" || info.Profile.DisplayName != "Mo" {
		t.Fatalf("users.info(UMO) = %+v, %v; want the registered user", info, err)
	}
	if info, err := api.GetUserInfoContext(ctx, "UNEVERSET"); err != nil || info.Name != "user-UNEVERSET" {
		t.Fatalf("users.info(UNEVERSET) = %+v, %v; want the made-up user", info, err)
	}

	s.FailUsers("ratelimited")
	if _, err := api.GetUsersContext(ctx); err == nil || err.Error() != "ratelimited" {
		t.Fatalf("failing users.list: %v, want ratelimited", err)
	}
	s.FailUsers("")
	if _, err := api.GetUsersContext(ctx); err != nil {
		t.Fatalf("users.list failing no more: %v", err)
	}
	bad := slack.New("xoxb-wrong", slack.OptionAPIURL(s.APIURL()))
	if _, err := bad.GetUsersContext(ctx); err == nil || err.Error() != "invalid_auth" {
		t.Fatalf("wrong token: %v, want invalid_auth", err)
	}
}

// users.list pages with limit and cursor as Slack does, and a user added
// between two pages is not lost.
func TestUsersListPages(t *testing.T) {
	s := New()
	defer s.Close()
	ctx := testContext(t)
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
	for i := range 450 {
		s.SetUser(fmt.Sprintf("U%04d", i), fmt.Sprintf("user%d", i), "", "")
	}

	p := api.GetUsersPaginated(slack.GetUsersOptionLimit(200))
	var sizes []int
	seen := map[string]bool{}
	for {
		var err error
		p, err = p.Next(ctx)
		if p.Done(err) {
			break
		}
		if err != nil {
			t.Fatalf("page %d: %v", len(sizes)+1, err)
		}
		sizes = append(sizes, len(p.Users))
		for _, u := range p.Users {
			if seen[u.ID] {
				t.Fatalf("%s listed twice", u.ID)
			}
			seen[u.ID] = true
		}
		if len(sizes) == 1 {
			s.SetUser("U0300x", "late", "", "") // after the first page, before the cursor's user
		}
	}
	// 450 users, the bot user, Slackbot and the late one.
	if !slices.Equal(sizes, []int{200, 200, 53}) || !seen["U0300x"] {
		t.Fatalf("pages of %v, late user seen %v; want pages of [200 200 53] and the late user", sizes, seen["U0300x"])
	}
	calls := s.Calls("users.list")
	if len(calls) != 3 || calls[0].Params["cursor"] != "" || calls[1].Params["cursor"] == "" {
		t.Fatalf("%d users.list calls, want 3, the first without a cursor and the second with one", len(calls))
	}

	resp, err := http.PostForm(s.APIURL()+"users.list", map[string][]string{"token": {BotToken}, "cursor": {"bm9wZQ=="}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.OK || body.Error != "invalid_cursor" {
		t.Fatalf("bad cursor: %+v, %v; want invalid_cursor", body, err)
	}
}
