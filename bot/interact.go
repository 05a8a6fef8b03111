package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"smarketing/commands"
)

// handleTimeout bounds the work done before an ack; Slack wants the ack
// within 3 s.
const handleTimeout = 2 * time.Second

// maxAckPayload keeps ack payloads under Slack's silent 20 KB drop limit;
// bigger answers go to the response_url instead.
const maxAckPayload = 19 * 1024

// slackUnescaper undoes the escaping Slack applies to the text it sends, so
// "R&D" is stored as typed; everything shown again is escaped anew.
var slackUnescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

func (b *Bot) slash(cmd slack.SlashCommand) (any, func(context.Context)) {
	req := commands.Request{
		Command:   cmd.Command,
		Text:      slackUnescaper.Replace(cmd.Text),
		UserID:    cmd.UserID,
		UserName:  cmd.UserName,
		ChannelID: cmd.ChannelID,
	}
	ctx, cancel := context.WithTimeout(b.work, handleTimeout)
	resp, err := b.handler.Slash(ctx, req)
	cancel()
	if err != nil {
		b.logError("slash command", err, "command", cmd.Command, "user", cmd.UserID)
		resp = commands.ErrorResponse(err)
	}
	if resp.Modal != nil {
		meta := formContext{Channel: cmd.ChannelID, ResponseURL: cmd.ResponseURL}
		return nil, func(ctx context.Context) { b.openModal(ctx, cmd.TriggerID, resp.Modal, meta) }
	}
	msg := render(resp)
	// Marshalled once here; the ack sends these bytes as they are.
	if js, err := json.Marshal(msg); err == nil && len(js) < maxAckPayload {
		return json.RawMessage(js), b.afterAnswer(resp, nil)
	}
	return nil, b.afterAnswer(resp, func(ctx context.Context) { b.respond(ctx, cmd.ResponseURL, msg) })
}

// afterAnswer is the work after the ack of an answer: then (sending it,
// if it did not ride in the ack), its deferred write, and the direct
// messages it may have made due. Nil if there is none.
func (b *Bot) afterAnswer(resp commands.Response, then func(context.Context)) func(context.Context) {
	if then == nil && resp.Later == nil && !resp.Notify && len(resp.DMs) == 0 && len(resp.Posts) == 0 {
		return nil
	}
	return func(ctx context.Context) {
		if then != nil {
			then(ctx)
		}
		if resp.Later != nil {
			if err := resp.Later(ctx); err != nil {
				b.log.Error("write after answer", "err", err)
			}
		}
		if resp.Notify {
			b.sendAnswered(ctx)
		}
		b.sendDMs(ctx, "answer DM", resp.DMs)
		b.sendPosts(ctx, "answer post", resp.Posts)
	}
}

// sendAnswered sends the direct messages owed to those who asked for a
// definition that is now in the glossary. The requests are taken before
// the messages go out: a message that fails is logged ([Bot.sendPosts]).
func (b *Bot) sendAnswered(ctx context.Context) {
	dms, err := b.handler.Answered(ctx)
	if err != nil {
		b.log.Error("answered requests", "err", err)
	}
	b.sendDMs(ctx, "definition DM", dms)
}

// sendDMs sends direct messages, each with the user's ID as the channel
// (the app's DM with that user), as [Bot.sendPosts] sends posts.
func (b *Bot) sendDMs(ctx context.Context, what string, dms []commands.DM) {
	posts := make([]commands.Post, len(dms))
	for i, dm := range dms {
		posts[i] = commands.Post{Channel: dm.User, Message: dm.Message}
	}
	b.sendPosts(ctx, what, posts)
}

// sendPosts posts messages to channels. The client retries what Slack
// refuses for its rate limit, its server errors and lost connections
// (slack-go's retry, configured in [New]); a post that still fails is
// logged as what.
func (b *Bot) sendPosts(ctx context.Context, what string, posts []commands.Post) {
	for _, p := range posts {
		msg := render(p.Message)
		if _, _, err := b.api.PostMessageContext(ctx, p.Channel,
			slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...)); err != nil {
			b.log.Error(what, "channel", p.Channel, "err", err)
		}
	}
}

// answeredEvery is how often the bot looks for requests answered by terms
// that came another way than its own answers (an import, another instance
// that stopped before sending).
const answeredEvery = time.Minute

// answeredLoop sends the owed definition DMs at start and then every
// answeredEvery until ctx is done; the messages are sent with work.
func (b *Bot) answeredLoop(ctx, work context.Context) {
	t := time.NewTicker(answeredEvery)
	defer t.Stop()
	for {
		func() {
			ctx, cancel := context.WithTimeout(work, time.Minute)
			defer cancel()
			b.sendAnswered(ctx)
		}()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// logError logs an internal error; a UserError is an answer, not a failure.
func (b *Bot) logError(msg string, err error, attrs ...any) {
	var ue *commands.UserError
	if errors.As(err, &ue) {
		return
	}
	b.log.Error(msg, append(attrs, "err", err)...)
}

func (b *Bot) interaction(cb slack.InteractionCallback) (any, func(context.Context)) {
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		return nil, b.blockAction(cb)
	case slack.InteractionTypeViewSubmission:
		return b.viewSubmission(cb)
	case slack.InteractionTypeMessageAction:
		return nil, b.shortcut(cb)
	case slack.InteractionTypeBlockSuggestion:
		return b.suggest(cb), nil
	}
	b.log.Debug("ignored interaction", "type", cb.Type)
	return nil, nil
}

func (b *Bot) blockAction(cb slack.InteractionCallback) func(context.Context) {
	if len(cb.ActionCallback.BlockActions) == 0 {
		return nil
	}
	act := cb.ActionCallback.BlockActions[0]
	if cb.View.Type == slack.VTHomeTab {
		return b.homeAction(cb, act)
	}
	a := commands.Action{
		ActionID:  actionName(act.ActionID),
		Value:     act.Value,
		UserID:    cb.User.ID,
		UserName:  cb.User.Name,
		ChannelID: cb.Channel.ID,
	}
	ctx, cancel := context.WithTimeout(b.work, handleTimeout)
	resp, err := b.handler.Act(ctx, a)
	cancel()
	if err != nil {
		b.logError("button", err, "action", a.ActionID, "user", a.UserID)
		resp = commands.ErrorResponse(err)
	}
	if resp.Modal != nil {
		meta := formContext{Channel: cb.Channel.ID, ResponseURL: cb.ResponseURL}
		return func(ctx context.Context) { b.openModal(ctx, cb.TriggerID, resp.Modal, meta) }
	}
	return b.afterAnswer(resp, func(ctx context.Context) {
		msg := render(resp)
		if !b.respond(ctx, cb.ResponseURL, msg) || !resp.InChannel {
			return
		}
		// Shared: the ephemeral original has served its purpose.
		b.respond(ctx, cb.ResponseURL, message{DeleteOriginal: true})
	})
}

// homeAction answers a button of the App Home: it acts as the same button
// would elsewhere, and the home view is published again with what it did
// said at the top; direct messages it makes due (why poor?) follow.
func (b *Bot) homeAction(cb slack.InteractionCallback, act *slack.BlockAction) func(context.Context) {
	a := commands.Action{ActionID: actionName(act.ActionID), Value: act.Value, UserID: cb.User.ID, UserName: cb.User.Name}
	ctx, cancel := context.WithTimeout(b.work, handleTimeout)
	resp, err := b.handler.Act(ctx, a)
	cancel()
	if err != nil {
		b.logError("home button", err, "action", a.ActionID, "user", a.UserID)
		resp = commands.ErrorResponse(err)
	}
	if resp.Modal != nil {
		return func(ctx context.Context) { b.openModal(ctx, cb.TriggerID, resp.Modal, formContext{}) }
	}
	notice := strings.TrimSpace(resp.Text)
	if line, _, cut := strings.Cut(notice, "\n"); cut {
		notice = line
	}
	return b.afterAnswer(resp, func(ctx context.Context) { b.publishHome(ctx, a.UserID, notice) })
}

// publishHome publishes user's home view (views.publish), notice said at
// its top.
func (b *Bot) publishHome(ctx context.Context, user, notice string) {
	blocks, err := b.handler.Home(ctx, user, notice)
	if err != nil {
		b.log.Error("home view", "user", user, "err", err)
		return
	}
	view := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: renderBlocksMax(blocks, maxHomeBlocks)}}
	if _, err := b.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: view}); err != nil {
		b.log.Error("publish home view", "user", user, "err", err)
	}
}

func (b *Bot) viewSubmission(cb slack.InteractionCallback) (any, func(context.Context)) {
	var meta formContext
	if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta); err != nil {
		b.log.Warn("modal metadata", "err", err)
	}
	sub := commands.Submission{
		CallbackID: cb.View.CallbackID,
		Metadata:   meta.Inner,
		UserID:     cb.User.ID,
		UserName:   cb.User.Name,
		Values:     map[string]string{},
	}
	for blockID, actions := range cb.View.State.Values {
		for _, v := range actions {
			sub.Values[blockID] = v.Value
			if v.SelectedOption.Value != "" {
				sub.Values[blockID] = v.SelectedOption.Value // a menu
			}
		}
	}
	ctx, cancel := context.WithTimeout(b.work, handleTimeout)
	res, err := b.handler.Submit(ctx, sub)
	cancel()
	if err != nil {
		b.logError("form", err, "callback_id", sub.CallbackID, "user", sub.UserID)
		// Keep the form open, with what went wrong next to a field.
		res.Errors = map[string]string{}
		msg := commands.ErrorResponse(err).Text
		ids := make([]string, 0, len(sub.Values))
		for id := range sub.Values {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		if len(ids) > 0 {
			res.Errors[ids[0]] = commands.Truncate(msg, 150)
		}
	}
	if len(res.Errors) > 0 {
		return slack.NewErrorsViewSubmissionResponse(res.Errors), nil
	}
	msg := render(res.Reply)
	return nil, b.afterAnswer(res.Reply, func(ctx context.Context) { b.tell(ctx, meta, cb.User.ID, msg) })
}

// shortcut answers a message shortcut: the form it opens, or a private
// message to the user who used it.
func (b *Bot) shortcut(cb slack.InteractionCallback) func(context.Context) {
	s := commands.Shortcut{
		CallbackID:  cb.CallbackID,
		UserID:      cb.User.ID,
		UserName:    cb.User.Name,
		ChannelID:   cb.Channel.ID,
		MessageTS:   cb.Message.Timestamp,
		MessageText: slackUnescaper.Replace(cb.Message.Text),
	}
	if s.MessageTS == "" {
		s.MessageTS = cb.MessageTs
	}
	ctx, cancel := context.WithTimeout(b.work, handleTimeout)
	resp, err := b.handler.Shortcut(ctx, s)
	cancel()
	if err != nil {
		b.logError("shortcut", err, "callback_id", s.CallbackID, "user", s.UserID)
		resp = commands.ErrorResponse(err)
	}
	meta := formContext{Channel: cb.Channel.ID, ResponseURL: cb.ResponseURL}
	if resp.Modal != nil {
		return func(ctx context.Context) { b.openModal(ctx, cb.TriggerID, resp.Modal, meta) }
	}
	return b.afterAnswer(resp, func(ctx context.Context) { b.tell(ctx, meta, cb.User.ID, render(resp)) })
}

// suggest answers a block_suggestion (an external menu asking for its
// options as the user types) in the ack.
func (b *Bot) suggest(cb slack.InteractionCallback) any {
	s := commands.Suggestion{CallbackID: cb.View.CallbackID, InputID: cb.BlockID, Query: cb.Value, UserID: cb.User.ID}
	ctx, cancel := context.WithTimeout(b.work, handleTimeout)
	opts, err := b.handler.Suggest(ctx, s)
	cancel()
	if err != nil {
		b.logError("menu options", err, "callback_id", s.CallbackID, "user", s.UserID)
	}
	out := slack.OptionsResponse{Options: []*slack.OptionBlockObject{}}
	for i, o := range opts {
		if i == 100 {
			break
		}
		out.Options = append(out.Options, option(o))
	}
	return out
}

// formContext is what a modal must remember about where it was opened, so
// the answer to its submission goes back there. It rides in private_metadata.
type formContext struct {
	Channel     string `json:"c,omitempty"`
	ResponseURL string `json:"r,omitempty"`
	Inner       string `json:"m,omitempty"`
}

func (b *Bot) openModal(ctx context.Context, triggerID string, m *commands.Modal, meta formContext) {
	meta.Inner = m.Metadata
	js, _ := json.Marshal(meta)
	if len(js) > 3000 {
		meta.ResponseURL = ""
		js, _ = json.Marshal(meta)
	}
	_, err := b.api.OpenViewContext(ctx, triggerID, renderModal(m, string(js)))
	if err == nil {
		return
	}
	b.log.Error("open modal", "callback_id", m.CallbackID, "err", err)
	b.respond(ctx, meta.ResponseURL, render(commands.ErrorResponse(fmt.Errorf("open modal: %w", err))))
}

// tell sends msg privately to user: through the response_url when there is
// one, else as an ephemeral message in the channel, else as a direct message.
func (b *Bot) tell(ctx context.Context, where formContext, user string, msg message) {
	if where.ResponseURL != "" && b.respond(ctx, where.ResponseURL, msg) {
		return
	}
	opts := []slack.MsgOption{slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...)}
	if where.Channel != "" {
		if _, err := b.api.PostEphemeralContext(ctx, where.Channel, user, opts...); err == nil {
			return
		} else {
			b.log.Warn("post ephemeral", "channel", where.Channel, "err", err)
		}
	}
	if _, _, err := b.api.PostMessageContext(ctx, user, opts...); err != nil {
		b.log.Error("direct message", "user", user, "err", err)
	}
}

// respond posts msg to a response_url and reports whether Slack took it.
// It retries briefly on rate limits and server errors.
func (b *Bot) respond(ctx context.Context, url string, msg message) bool {
	if url == "" {
		return false
	}
	body, err := json.Marshal(msg)
	if err != nil {
		b.log.Error("encode response", "err", err)
		return false
	}
	delay := 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		retryAfter, err := b.postJSON(ctx, url, body)
		if err == nil {
			return true
		}
		if retryAfter < 0 || attempt == 4 {
			b.log.Error("post to response_url", "attempt", attempt, "err", err)
			return false
		}
		b.metrics.WebAPIRetry("response_url")
		if retryAfter > 0 {
			delay = retryAfter
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(delay):
		}
		delay *= 2
	}
}

// postJSON posts body to url. On failure retryAfter is negative when a retry
// cannot help, or how long to wait (0: caller's backoff).
func (b *Bot) postJSON(ctx context.Context, url string, body []byte) (retryAfter time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return -1, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	res, err := b.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	switch {
	case res.StatusCode == http.StatusTooManyRequests:
		secs, _ := strconv.Atoi(res.Header.Get("Retry-After"))
		return time.Duration(max(secs, 1)) * time.Second, fmt.Errorf("rate limited")
	case res.StatusCode >= 500:
		return 0, fmt.Errorf("status %d", res.StatusCode)
	case res.StatusCode >= 300:
		return -1, fmt.Errorf("status %d: %s", res.StatusCode, bytes.TrimSpace(reply))
	}
	var ok struct {
		OK    *bool  `json:"ok"`
		Error string `json:"error"`
	}
	if json.Unmarshal(reply, &ok) == nil && ok.OK != nil && !*ok.OK {
		return -1, fmt.Errorf("slack: %s", ok.Error)
	}
	return 0, nil
}
