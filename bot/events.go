package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"smarketing/commands"
	"smarketing/store"
)

// event applies an Events API callback before the ack — the handler returns
// once it is committed — and returns the Slack work it leaves for after.
// failed reports that it could not be stored, so it must not be acked:
// Slack will deliver it again.
func (b *Bot) event(ev slackevents.EventsAPIEvent) (after func(context.Context), failed bool) {
	var eventID string
	if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok {
		eventID = cb.EventID
	}
	var plain any
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.MessageEvent:
		plain = b.messageEvent(eventID, e)
	case *slackevents.ReactionAddedEvent:
		plain = b.reactionEvent(eventID, e.User, e.ItemUser, e.Reaction, e.Item, e.EventTimestamp, true)
	case *slackevents.ReactionRemovedEvent:
		plain = b.reactionEvent(eventID, e.User, e.ItemUser, e.Reaction, e.Item, e.EventTimestamp, false)
	case *slackevents.AppHomeOpenedEvent:
		// Nothing to store: the home view is published after the ack.
		if e.Tab != "home" || e.User == "" {
			return nil, false
		}
		user := e.User
		return func(ctx context.Context) { b.publishHome(ctx, user, "") }, false
	}
	if plain == nil {
		b.log.Debug("ignored event", "type", ev.InnerEvent.Type, "event_id", eventID)
		return nil, false
	}
	ctx, cancel := context.WithTimeout(b.work, handleTimeout)
	f, err := b.handler.Event(ctx, plain)
	cancel()
	if err != nil {
		b.log.Error("apply event", "type", ev.InnerEvent.Type, "event_id", eventID, "err", err)
		return nil, true
	}
	if f.Fetch == nil && len(f.Ask) == 0 {
		return nil, false
	}
	return func(ctx context.Context) { b.followup(ctx, f) }, false
}

// messageEvent turns a message event into a commands event, or nil for the
// bot's own messages and unfurl-only edits.
func (b *Bot) messageEvent(eventID string, e *slackevents.MessageEvent) any {
	switch e.SubType {
	case "message_changed":
		m := e.Message
		if m == nil || b.isSelf(m.User, m.BotID) {
			return nil
		}
		if p := e.PreviousMessage; p != nil && p.Text == m.Text && originMeta(p.Metadata) == originMeta(m.Metadata) {
			return nil // an unfurl or other change that left the text and metadata alone
		}
		return commands.MessageEdited{EventID: eventID, Channel: e.Channel, TS: m.Timestamp, Text: slackUnescaper.Replace(m.Text),
			User: m.User, BotID: m.BotID, Username: appName(m), Meta: originMeta(m.Metadata)}
	case "message_deleted":
		return commands.MessageDeleted{EventID: eventID, Channel: e.Channel, TS: e.DeletedTimeStamp}
	}
	if b.isSelf(e.User, e.BotID) {
		return nil
	}
	m := commands.Message{
		EventID: eventID, Channel: e.Channel, TS: e.TimeStamp, ThreadTS: e.ThreadTimeStamp, Subtype: e.SubType,
		User: e.User, BotID: e.BotID, Username: e.Username, Text: slackUnescaper.Replace(e.Text),
	}
	if e.Message != nil {
		if m.Username == "" {
			m.Username = appName(e.Message)
		}
		m.Meta = originMeta(e.Message.Metadata)
	}
	return m
}

// appName is the name of the app or integration that posted m: its
// username, else its bot profile's name; "" for a person's post.
func appName(m *slack.Msg) string {
	if m.Username != "" {
		return m.Username
	}
	if m.BotProfile != nil {
		return m.BotProfile.Name
	}
	return ""
}

// originMeta reads the source and campaign an integration put in a
// message's metadata (event_payload.source, event_payload.campaign);
// values that are not strings or numbers are ignored.
func originMeta(md slack.SlackMetadata) store.Origin {
	text := func(key string) string {
		switch v := md.EventPayload[key].(type) {
		case string:
			return v
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
		return ""
	}
	return store.Origin{Source: text("source"), Campaign: text("campaign")}
}

func (b *Bot) isSelf(user, botID string) bool {
	return (user != "" && user == b.self.UserID) || (botID != "" && botID == b.self.BotID)
}

func (b *Bot) reactionEvent(eventID, user, itemUser, emoji string, item slackevents.Item, eventTS string, added bool) any {
	if item.Type != "message" || user == "" || user == b.self.UserID {
		return nil
	}
	at, ok := store.TSTime(eventTS)
	if !ok {
		at = time.Now().UTC()
	}
	return commands.ReactionEvent{EventID: eventID, Channel: item.Channel, TS: item.Timestamp, User: user, Emoji: emoji, Added: added, At: at,
		ItemUser: itemUser}
}

// followup does the Slack work an event left: fetch a message first seen
// through a reaction, ask raters why a lead is poor.
func (b *Bot) followup(ctx context.Context, f commands.Followup) {
	if f.Fetch != nil {
		m, err := b.fetchMessage(ctx, *f.Fetch)
		if err != nil {
			// It stays unverified and is fetched again at the next start.
			b.log.Warn("fetch reacted message", "channel", f.Fetch.Channel, "ts", f.Fetch.TS, "err", err)
			return
		}
		next, err := b.handler.Fetched(ctx, *f.Fetch, m)
		if err != nil {
			b.log.Error("record fetched message", "channel", f.Fetch.Channel, "ts", f.Fetch.TS, "err", err)
			return
		}
		f.Ask = append(f.Ask, next.Ask...)
	}
	for _, a := range f.Ask {
		msg := render(a.Message)
		_, err := b.api.PostEphemeralContext(ctx, a.Channel, a.User,
			slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...), slack.MsgOptionTS(a.ThreadTS))
		if err != nil {
			b.log.Warn("ask why poor", "channel", a.Channel, "user", a.User, "err", err)
		}
	}
}

// fetchMessage looks a message up by channel and ts: in the channel's
// history, else among thread replies. It returns nil if it no longer exists
// or is the bot's own.
func (b *Bot) fetchMessage(ctx context.Context, ref commands.MessageRef) (*commands.Message, error) {
	hist, err := b.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
		ChannelID: ref.Channel, Latest: ref.TS, Inclusive: true, Limit: 1, IncludeAllMetadata: true,
	})
	if err != nil {
		return nil, err
	}
	msgs := hist.Messages
	if len(msgs) == 0 || msgs[0].Timestamp != ref.TS {
		// Not top-level: maybe a thread reply (which is not a lead).
		replies, _, _, err := b.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
			ChannelID: ref.Channel, Timestamp: ref.TS, Latest: ref.TS, Inclusive: true, Limit: 1, IncludeAllMetadata: true,
		})
		if err != nil && err.Error() != "thread_not_found" {
			return nil, err
		}
		msgs = replies
	}
	for _, m := range msgs {
		if m.Timestamp != ref.TS {
			continue
		}
		if b.isSelf(m.User, m.BotID) {
			return nil, nil
		}
		return &commands.Message{
			Channel: ref.Channel, TS: m.Timestamp, ThreadTS: m.ThreadTimestamp, Subtype: m.SubType,
			User: m.User, BotID: m.BotID, Username: appName(&m.Msg), Text: slackUnescaper.Replace(m.Text),
			Meta: originMeta(m.Metadata),
		}, nil
	}
	return nil, nil
}

// fetchPending settles the messages reacted to while the bot could not fetch
// them (it stopped in between).
func (b *Bot) fetchPending(ctx context.Context) {
	refs, err := b.handler.PendingFetches(ctx)
	if err != nil {
		b.log.Error("pending fetches", "err", err)
		return
	}
	for _, ref := range refs {
		if ctx.Err() != nil {
			return
		}
		b.followup(ctx, commands.Followup{Fetch: &ref})
	}
}

// Post posts msg to channel (in the thread threadTS, if set) and returns the
// new message's ts. Schedules use it for recaps and reminders.
func (b *Bot) Post(ctx context.Context, channel, threadTS string, resp commands.Response) (string, error) {
	msg := render(resp)
	opts := []slack.MsgOption{slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...)}
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	_, ts, err := b.api.PostMessageContext(ctx, channel, opts...)
	return ts, err
}

// Upload posts a file to channel (files.getUploadURLExternal, the bytes,
// then files.completeUploadExternal).
func (b *Bot) Upload(ctx context.Context, channel, filename, title, altText string, data []byte) error {
	_, err := b.api.UploadFileContext(ctx, slack.UploadFileParameters{
		Filename: filename, FileSize: len(data), Reader: bytes.NewReader(data), Title: title, AltTxt: altText, Channel: channel,
	})
	return err
}

// MarkType is the metadata event_type of the bot's timed posts; the
// event_payload's "key" is the post's claim key (store/claims.go).
const MarkType = "smarketing_post"

// PostMarked posts msg as [Bot.Post] does, marked with key in the
// message's metadata so that [Bot.FindMarked] can find it again. An error
// that proves the post did not reach Slack (Slack answered it with an
// error, a 4xx or a rate limit) reports NotPosted() true; after any other
// (a timeout, a cancel, a lost connection, a 5xx) the post may be in the
// channel.
func (b *Bot) PostMarked(ctx context.Context, channel, threadTS, key string, resp commands.Response) (string, error) {
	msg := render(resp)
	opts := []slack.MsgOption{
		slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...),
		slack.MsgOptionMetadata(slack.SlackMetadata{EventType: MarkType, EventPayload: map[string]any{"key": key}}),
	}
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	_, ts, err := b.api.PostMessageContext(ctx, channel, opts...)
	if err != nil && refused(err) {
		return "", notPostedError{err}
	}
	return ts, err
}

// refused reports whether err is Slack's answer refusing a call, so that
// the call surely did nothing.
func refused(err error) bool {
	var slackErr slack.SlackErrorResponse
	var limited *slack.RateLimitedError
	var status slack.StatusCodeError
	return errors.As(err, &slackErr) || errors.As(err, &limited) ||
		(errors.As(err, &status) && status.Code >= 400 && status.Code < 500)
}

// notPostedError is a post that surely did not reach Slack.
type notPostedError struct{ err error }

func (e notPostedError) Error() string { return e.err.Error() }
func (e notPostedError) Unwrap() error { return e.err }

// NotPosted reports whether the post surely did not reach Slack: always.
func (e notPostedError) NotPosted() bool { return true }

// FindMarked looks for the bot's message marked key (see
// [Bot.PostMarked]) in channel, among the replies to threadTS if it is
// set, posted in [oldest, latest], and returns its ts; false if there is
// none. conversations.history and .replies are rate limited hard (1 a
// minute for some apps), so call it only when an earlier post's outcome is
// unknown, and narrow the window.
func (b *Bot) FindMarked(ctx context.Context, channel, threadTS, key string, oldest, latest time.Time) (string, bool, error) {
	const limit = 15 // the most some apps may ask for (SLACK_NOTES §6)
	const maxPages = 20
	from, to := slackTS(oldest), slackTS(latest)
	cursor := ""
	for range maxPages {
		var msgs []slack.Message
		var more bool
		var err error
		if threadTS == "" {
			var hist *slack.GetConversationHistoryResponse
			hist, err = b.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
				ChannelID: channel, Oldest: from, Latest: to, Inclusive: true, Limit: limit, Cursor: cursor, IncludeAllMetadata: true,
			})
			if err == nil {
				msgs, more, cursor = hist.Messages, hist.HasMore, hist.ResponseMetaData.NextCursor
			}
		} else {
			msgs, more, cursor, err = b.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
				ChannelID: channel, Timestamp: threadTS, Oldest: from, Latest: to, Inclusive: true, Limit: limit, Cursor: cursor,
				IncludeAllMetadata: true,
			})
		}
		if err != nil {
			return "", false, fmt.Errorf("look up marked post %s: %w", key, err)
		}
		for _, m := range msgs {
			if m.Metadata.EventType == MarkType && m.Metadata.EventPayload["key"] == key && b.isSelf(m.User, m.BotID) {
				return m.Timestamp, true, nil
			}
		}
		if !more || cursor == "" {
			return "", false, nil
		}
	}
	return "", false, fmt.Errorf("look up marked post %s: more than %d pages of messages in the window", key, maxPages)
}

// slackTS writes t as a Slack message timestamp.
func slackTS(t time.Time) string { return fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000) }
