// Package bot connects smarketing to Slack over Socket Mode: it acks every
// envelope, routes slash commands, events and interactions to the command
// handlers, and turns their answers into Slack messages, modals and Web API
// calls. It is the only package that speaks Slack.
package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"smarketing/bot/probes"
	"smarketing/commands"
)

// Handler answers commands, clicks and form submissions and applies events.
// *commands.Handler is the real one.
type Handler interface {
	Slash(ctx context.Context, req commands.Request) (commands.Response, error)
	Act(ctx context.Context, a commands.Action) (commands.Response, error)
	Submit(ctx context.Context, s commands.Submission) (commands.SubmitResult, error)
	Shortcut(ctx context.Context, s commands.Shortcut) (commands.Response, error)
	Suggest(ctx context.Context, s commands.Suggestion) ([]commands.Option, error)
	Event(ctx context.Context, ev any) (commands.Followup, error)
	Fetched(ctx context.Context, ref commands.MessageRef, m *commands.Message) (commands.Followup, error)
	PendingFetches(ctx context.Context) ([]commands.MessageRef, error)
	Answered(ctx context.Context) ([]commands.DM, error)
	Home(ctx context.Context, userID, notice string) ([]commands.Block, error)
}

var _ Handler = (*commands.Handler)(nil)

// Options configures a [Bot].
type Options struct {
	BotToken string // xoxb-…
	AppToken string // xapp-…
	APIURL   string // Web API base, with a trailing slash
	Log      *slog.Logger
	// Workers bounds how many slash commands and interactions are handled
	// at once (default 64).
	Workers int
	// EventWorkers bounds how many Events API envelopes are in flight at
	// once (default 512). An event's worker mostly waits for the group
	// commit its event is in, so this bounds how many events one commit can
	// take; events have their own slots so a burst of them never makes a
	// slash command wait for a worker.
	EventWorkers int
	// ShutdownGrace bounds how long Run waits for work in flight after its
	// context is done (default 10 s).
	ShutdownGrace time.Duration
	// Metrics counts envelopes, ack times and Web API retries; nil counts
	// nothing.
	Metrics *probes.Metrics
}

// Bot is a running Socket Mode connection and the handlers behind it.
type Bot struct {
	api     *slack.Client
	client  *socketmode.Client
	handler Handler
	log     *slog.Logger
	http    *http.Client
	grace   time.Duration
	metrics *probes.Metrics
	// connected is whether the Socket Mode connection is up, for
	// readiness: set on connected, cleared when slack-go starts
	// (re)connecting or Run ends.
	connected atomic.Bool

	workers   int
	eventers  int
	jobs      chan func()   // to the workers, while Run runs
	events    chan func()   // to the event workers, while Run runs
	busy      atomic.Int32  // workers handling something
	followups chan struct{} // Web API work after acks
	recent    *recent
	users     *directory   // for FindUser
	members   *memberCache // for IsMember
	wg        sync.WaitGroup

	// work is the context of Web API calls made after an ack; it outlives
	// Run's context by the shutdown grace so in-flight answers still go out.
	work context.Context

	self Identity
}

// Identity is who the bot is in its workspace, from auth.test.
type Identity struct {
	UserID string // the bot user, whose own messages and reactions are ignored
	BotID  string
	TeamID string
	URL    string // the workspace, e.g. https://acme.slack.com/
}

// ErrAuth wraps the error Slack gives when a token is rejected.
var ErrAuth = errors.New("slack rejected the token")

// New returns a Bot. It does not connect yet; see [Bot.Identify] and
// [Bot.Run].
func New(opt Options) *Bot {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Workers <= 0 {
		opt.Workers = 64
	}
	if opt.EventWorkers <= 0 {
		opt.EventWorkers = 512
	}
	if opt.ShutdownGrace <= 0 {
		opt.ShutdownGrace = 10 * time.Second
	}
	httpClient := &http.Client{Timeout: 20 * time.Second}
	retry := slack.DefaultRetryConfig()
	retry.MaxRetries = 4
	retry.RetryAfterDuration = 5 * time.Second
	retry.BackoffMax = 10 * time.Second
	// slack-go retries inside its HTTP client; each handler is wrapped so
	// that a retry it decides on is counted.
	retry.Handlers = []slack.RetryHandler{
		countRetries{slack.NewRateLimitErrorRetryHandler(retry), opt.Metrics},
		countRetries{slack.NewServerErrorRetryHandler(retry), opt.Metrics},
		countRetries{slack.NewConnectionErrorRetryHandler(), opt.Metrics},
	}
	api := slack.New(opt.BotToken,
		slack.OptionAppLevelToken(opt.AppToken),
		slack.OptionAPIURL(opt.APIURL),
		slack.OptionHTTPClient(httpClient),
		slack.OptionRetryConfig(retry),
	)
	client := socketmode.New(api,
		socketmode.OptionLog(slog.NewLogLogger(opt.Log.With("component", "socketmode").Handler(), slog.LevelDebug)),
	)
	return &Bot{
		api:       api,
		client:    client,
		log:       opt.Log.With("component", "bot"),
		http:      httpClient,
		grace:     opt.ShutdownGrace,
		metrics:   opt.Metrics,
		workers:   opt.Workers,
		eventers:  opt.EventWorkers,
		followups: make(chan struct{}, 4*opt.Workers),
		recent:    newRecent(15*time.Minute, 100_000, 32<<20),
		users:     newDirectory(),
		members:   newMemberCache(),
	}
}

// countRetries counts the retries its handler decides on, by Web API
// method (the last element of the request's path).
type countRetries struct {
	slack.RetryHandler
	m *probes.Metrics
}

func (c countRetries) ShouldRetry(state *slack.RetryState, req *http.Request, resp *http.Response, err error) (bool, time.Duration) {
	retry, wait := c.RetryHandler.ShouldRetry(state, req, resp, err)
	if retry {
		c.m.WebAPIRetry(path.Base(req.URL.Path))
	}
	return retry, wait
}

// Connected reports whether the Socket Mode connection is up: Run has
// connected and slack-go is not reconnecting.
func (b *Bot) Connected() bool { return b.connected.Load() }

// Identify asks Slack who the bot is (auth.test). It returns an error
// wrapping [ErrAuth] if Slack rejects the bot token. Call it before Run.
func (b *Bot) Identify(ctx context.Context) (Identity, error) {
	auth, err := b.api.AuthTestContext(ctx)
	if err != nil {
		if isAuthError(err) {
			return Identity{}, fmt.Errorf("SLACK_BOT_TOKEN: %w (%v)", ErrAuth, err)
		}
		return Identity{}, fmt.Errorf("auth.test: %w", err)
	}
	b.self = Identity{UserID: auth.UserID, BotID: auth.BotID, TeamID: auth.TeamID, URL: auth.URL}
	b.log.Info("authenticated", "bot_user", auth.UserID, "team", auth.TeamID)
	return b.self, nil
}

// Run connects to Slack and serves h until ctx is done, then stops taking
// envelopes, finishes those in flight and returns nil. It returns an error
// wrapping [ErrAuth] if Slack rejects a token.
func (b *Bot) Run(ctx context.Context, h Handler) error {
	if b.self.UserID == "" {
		if _, err := b.Identify(ctx); err != nil {
			return err
		}
	}
	b.handler = h
	defer b.connected.Store(false)

	// The socket stays up after ctx is done until in-flight acks are written.
	sockCtx, stopSocket := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSocket()
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	b.work = work

	// Long-lived workers rather than a goroutine per envelope: a new
	// goroutine grew its stack for every envelope (BENCHMARKS.md).
	b.jobs = make(chan func())
	b.events = make(chan func())
	defer close(b.jobs) // after the wait below; a worker still busy finishes, then ends
	defer close(b.events)
	for range b.workers {
		go b.worker(b.jobs)
	}
	for range b.eventers {
		go b.worker(b.events)
	}

	sockErr := make(chan error, 1)
	go func() { sockErr <- b.client.RunContext(sockCtx) }()
	b.go_(func() { b.fetchPending(work) })
	answeredCtx, stopAnswered := context.WithCancel(ctx)
	answeredDone := make(chan struct{})
	go func() {
		defer close(answeredDone)
		b.answeredLoop(answeredCtx, work)
	}()
	defer func() { stopAnswered(); <-answeredDone }()

	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err := <-sockErr:
			runErr = b.socketEnded(err)
			break loop
		case evt := <-b.client.Events:
			if err := b.dispatch(evt); err != nil {
				runErr = err
				break loop
			}
		}
	}

	// Not ready from here on: no envelope is read any more.
	b.connected.Store(false)
	b.log.Info("shutting down", "in_flight", b.busy.Load())
	done := make(chan struct{})
	go func() { b.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(b.grace):
		b.log.Warn("shutdown grace expired with work in flight")
	}
	stopWork()
	stopSocket()
	if runErr == nil {
		// Drain so RunContext can return; it may block sending an event.
		for {
			select {
			case <-b.client.Events:
				continue
			case <-sockErr:
			case <-time.After(5 * time.Second):
			}
			break
		}
	}
	return runErr
}

func (b *Bot) socketEnded(err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return nil
	}
	if isAuthError(err) {
		return fmt.Errorf("SLACK_APP_TOKEN: %w (%v)", ErrAuth, err)
	}
	return fmt.Errorf("socket mode: %w", err)
}

func isAuthError(err error) bool {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		switch se.Err {
		case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "not_allowed_token_type":
			return true
		}
	}
	msg := err.Error()
	for _, s := range []string{"invalid_auth", "not_authed", "account_inactive", "token_revoked", "not_allowed_token_type"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// dispatch hands one event from the socket to a worker. It returns an error
// only when the bot cannot go on.
func (b *Bot) dispatch(evt socketmode.Event) error {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		// Also the first sign of a lost connection: slack-go reconnects.
		b.connected.Store(false)
		b.log.Debug("connecting")
	case socketmode.EventTypeConnected:
		b.connected.Store(true)
		b.log.Info("connected")
	case socketmode.EventTypeHello:
		b.log.Debug("hello")
	case socketmode.EventTypeConnectionError:
		b.connected.Store(false)
		b.log.Warn("connection error", "err", evt.Data)
	case socketmode.EventTypeInvalidAuth:
		return fmt.Errorf("SLACK_APP_TOKEN: %w", ErrAuth)
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
		b.log.Warn("socket error", "type", evt.Type, "err", evt.Data)
	case socketmode.EventTypeErrorBadMessage:
		received := time.Now()
		b.metrics.Envelope(probes.Other, "")
		b.go_(func() { b.badMessage(evt, received) })
	case socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive:
		if evt.Request == nil {
			return nil
		}
		received := time.Now()
		b.metrics.Envelope(string(evt.Type), "")
		b.go_(func() { b.envelope(evt, received) })
	case socketmode.EventTypeEventsAPI:
		if evt.Request == nil {
			return nil
		}
		received := time.Now()
		ev, _ := evt.Data.(slackevents.EventsAPIEvent)
		b.metrics.Envelope(string(evt.Type), ev.InnerEvent.Type)
		b.wg.Add(1)
		b.events <- func() { b.envelope(evt, received) }
	default:
		b.log.Debug("ignored socket event", "type", evt.Type)
	}
	return nil
}

// go_ runs f on a worker, waiting for a free one so a flood cannot spawn
// unbounded goroutines.
func (b *Bot) go_(f func()) {
	b.wg.Add(1)
	b.jobs <- f
}

func (b *Bot) worker(jobs <-chan func()) {
	for f := range jobs {
		b.busy.Add(1)
		func() {
			defer b.wg.Done()
			defer b.busy.Add(-1)
			defer func() {
				if r := recover(); r != nil {
					b.log.Error("handler panic", "panic", r)
				}
			}()
			f()
		}()
	}
}

// envelope handles one request from Slack, received at received: the
// fast, durable part first, then the ack, then whatever Web API calls the
// answer needs.
func (b *Bot) envelope(evt socketmode.Event, received time.Time) {
	req := evt.Request
	start := time.Now()
	key := dedupeKey(evt)
	entry, first := b.recent.claim(key)
	for !first {
		// A redelivery: answer as the first delivery did, and do nothing
		// twice. If that one failed it was forgotten: handle this one. If it
		// is still running, leave this unacked; Slack will try again.
		payload, ok := b.recent.wait(entry, 2*time.Second)
		if ok {
			b.ack(req.EnvelopeID, payload)
			b.metrics.Acked(string(evt.Type), time.Since(received))
			b.log.Info("duplicate delivery", "envelope_id", req.EnvelopeID, "key", key, "retry_attempt", req.RetryAttempt)
			return
		}
		if !entry.forgotten() {
			return
		}
		entry, first = b.recent.claim(key)
	}
	var payload any
	var after func(ctx context.Context)
	var failed bool
	func() {
		defer func() {
			if r := recover(); r != nil {
				b.log.Error("handler panic", "panic", r, "type", evt.Type)
				payload, after = nil, nil
				// An event not handled is not acked; a command gets an apology.
				failed = evt.Type == socketmode.EventTypeEventsAPI
				if evt.Type == socketmode.EventTypeSlashCommand {
					payload = render(commands.ErrorResponse(fmt.Errorf("panic: %v", r)))
				}
			}
		}()
		switch evt.Type {
		case socketmode.EventTypeSlashCommand:
			cmd, _ := evt.Data.(slack.SlashCommand)
			payload, after = b.slash(cmd)
		case socketmode.EventTypeInteractive:
			cb, _ := evt.Data.(slack.InteractionCallback)
			payload, after = b.interaction(cb)
		case socketmode.EventTypeEventsAPI:
			ev, _ := evt.Data.(slackevents.EventsAPIEvent)
			after, failed = b.event(ev)
		}
	}()
	if failed {
		// Not stored, so not acked: Slack delivers it again.
		b.recent.forget(key)
		return
	}
	// Kept for redeliveries and sent as it is (a slash answer arrives
	// marshalled already).
	raw, isRaw := payload.(json.RawMessage)
	if !isRaw && payload != nil {
		var err error
		if raw, err = json.Marshal(payload); err != nil {
			b.log.Error("encode answer", "envelope_id", req.EnvelopeID, "err", err)
			raw = nil
		}
	}
	b.recent.done(entry, raw)
	b.ack(req.EnvelopeID, raw)
	b.metrics.Acked(string(evt.Type), time.Since(received))
	b.log.Debug("acked", "envelope_id", req.EnvelopeID, "type", evt.Type, "handle_ms", float64(time.Since(start).Microseconds())/1000)
	if after == nil {
		return
	}
	// Slow Web API work runs outside the worker slots, so a hanging Slack
	// call cannot stop envelopes from being read and acked; it is bounded
	// by its own slots (a flood of slow follow-ups holds this worker, not
	// memory) and a timeout.
	b.followups <- struct{}{}
	b.wg.Add(1)
	go b.runFollowup(after)
}

// runFollowup runs after, which holds a follow-up slot, with a timeout.
func (b *Bot) runFollowup(after func(ctx context.Context)) {
	defer b.wg.Done()
	defer func() { <-b.followups }()
	defer func() {
		if r := recover(); r != nil {
			b.log.Error("follow-up panic", "panic", r)
		}
	}()
	ctx, cancel := context.WithTimeout(b.work, 2*time.Minute)
	defer cancel()
	after(ctx)
}

// dedupeKey names a delivery so a redelivery can be recognised: the event id
// for events (Slack may redeliver under a new envelope), else the envelope id.
func dedupeKey(evt socketmode.Event) string {
	if ev, ok := evt.Data.(slackevents.EventsAPIEvent); ok {
		if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok && cb.EventID != "" {
			return "event:" + cb.EventID
		}
	}
	return "envelope:" + evt.Request.EnvelopeID
}

func (b *Bot) ack(envelopeID string, payload json.RawMessage) {
	ctx, cancel := context.WithTimeout(b.work, 2*time.Second)
	defer cancel()
	var p any // a nil RawMessage would be sent as "payload":null
	if len(payload) > 0 {
		p = payload
	}
	if err := b.client.AckCtx(ctx, envelopeID, p); err != nil {
		b.log.Error("ack", "envelope_id", envelopeID, "err", err)
		if payload != nil {
			// Too big or unsendable with a payload: at least stop redelivery.
			if err := b.client.AckCtx(ctx, envelopeID, nil); err != nil {
				b.log.Error("ack without payload", "envelope_id", envelopeID, "err", err)
			}
		}
	}
}

// badMessage acks an envelope slack-go could not parse, so Slack does not
// redeliver it forever.
func (b *Bot) badMessage(evt socketmode.Event, received time.Time) {
	bad, ok := evt.Data.(*socketmode.ErrorBadMessage)
	if !ok {
		return
	}
	var env struct {
		EnvelopeID string `json:"envelope_id"`
		Type       string `json:"type"`
	}
	if err := json.Unmarshal(bad.Message, &env); err != nil || env.EnvelopeID == "" {
		b.log.Warn("unreadable message", "err", bad.Cause)
		return
	}
	b.log.Warn("unparsable envelope acked", "envelope_id", env.EnvelopeID, "type", env.Type, "err", bad.Cause)
	b.ack(env.EnvelopeID, nil)
	b.metrics.Acked(probes.Other, time.Since(received))
}
