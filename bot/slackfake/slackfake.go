// Package slackfake is a local fake of Slack for end-to-end tests of a Socket Mode bot.
//
// A [Server] listens on 127.0.0.1 only and serves two things: the Web API under
// APIURL (what the bot's SLACK_API_URL, or slack.OptionAPIURL, points at), and the
// Socket Mode websocket that apps.connections.open hands out. Tests push envelopes
// (slash commands, Events API events, interactions) with the Send methods, wait for the
// bot's acks with [Server.WaitAck], and inspect the Web API calls the bot made with
// [Server.Calls] and [Server.WaitCall]. [Server.DropConnection], [Server.Disconnect] and
// [Server.SetRedeliverUnacked] reproduce what Slack does to a socket in production.
// [Server.SetUserGroup] and [Server.FailUserGroups] set what usergroups.users.list
// answers; [Server.SetUser] and [Server.FailUsers] what users.list answers;
// [Server.SetChannelMembers] and [Server.FailChannelMembers] what
// conversations.members answers.
//
// The wire format follows what slack-go v0.35.0 sends and parses, and what real Slack
// sends (see SLACK_NOTES.md sections 1, 2 and 7). Every method is safe for concurrent
// use.
package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Identity of the fake workspace and app.
const (
	BotToken  = "xoxb-fake-bot-token"
	AppToken  = "xapp-fake-app-token"
	BotUserID = "UBOT"
	BotID     = "BBOT"
	TeamID    = "T0FAKE"
	AppID     = "A0FAKE"
)

// Defaults used when a test leaves a field empty.
const (
	// DefaultChannelID is the channel of a slash command sent without ChannelID.
	DefaultChannelID = "CGENERAL"
	// DefaultUserID is the user of a slash command sent without UserID.
	DefaultUserID = "UTESTER"
	// DefaultPingInterval is how often the server sends a WebSocket PING.
	DefaultPingInterval = 2 * time.Second
)

const (
	// writeTimeout bounds each websocket write, so a bot that stops reading loses
	// its socket instead of blocking the server forever.
	writeTimeout = 10 * time.Second
	// disconnectGrace is how long a socket stays open after a disconnect frame.
	// Slack closes it itself soon after; slack-go closes its side at once.
	disconnectGrace = 500 * time.Millisecond
)

// ErrClosed is returned by the Wait methods once the server has been closed.
var ErrClosed = errors.New("slackfake: server closed")

// Server is a fake Slack: a Web API and a Socket Mode websocket on 127.0.0.1.
// Create it with [New] and release it with [Server.Close].
type Server struct {
	ln     net.Listener
	srv    *http.Server
	base   string // "http://127.0.0.1:PORT"
	served chan struct{}

	closeOnce sync.Once

	mu     sync.Mutex
	closed bool
	// wg counts request handlers and socket goroutines. Add is only called with mu
	// held and closed false, so no Add can race with the Wait in Close.
	wg sync.WaitGroup
	// changed is closed and replaced whenever calls, acks or connections change.
	changed chan struct{}

	botToken, appToken string
	handlers           map[string]http.HandlerFunc
	calls              []Call
	abandoned          int // posts held by HoldPosts whose client went away

	sock socketState
	api  apiState
}

// New starts a fake Slack listening on 127.0.0.1 with a random port. It panics if
// it cannot listen, as httptest.NewServer does.
func New() *Server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("slackfake: listen: %v", err))
	}
	s := &Server{
		ln:       ln,
		base:     "http://" + ln.Addr().String(),
		served:   make(chan struct{}),
		changed:  make(chan struct{}),
		botToken: BotToken,
		appToken: AppToken,
		handlers: make(map[string]http.HandlerFunc),
	}
	s.sock.init()
	s.api.init()

	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.track(s.serveAPI))
	mux.HandleFunc("/ws", s.track(s.serveWS))
	mux.HandleFunc("/response/", s.track(s.serveResponseURL))
	mux.HandleFunc("/upload/", s.track(s.serveUpload))
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.served)
		_ = s.srv.Serve(ln) // always ErrServerClosed after Close
	}()
	return s
}

// Close closes every socket and the HTTP server, and waits until all of the server's
// goroutines have returned. Request handlers installed with [Server.Handle] should
// return when their request's context is done. Close is idempotent.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		conns := s.sock.liveConns()
		s.sock.current = nil
		s.broadcastLocked()
		s.mu.Unlock()

		// Closing the HTTP server closes every non-hijacked connection, which
		// cancels the contexts of in-flight requests.
		_ = s.srv.Close()
		<-s.served
		for _, c := range conns {
			c.shutdown()
		}
		s.wg.Wait()
	})
}

// APIURL returns the Web API base URL with its trailing slash, for example
// "http://127.0.0.1:41234/api/". Give it to slack.OptionAPIURL or SLACK_API_URL.
func (s *Server) APIURL() string { return s.base + "/api/" }

// SetTokens sets the bot (xoxb) and app-level (xapp) tokens the server accepts.
// The defaults are [BotToken] and [AppToken].
func (s *Server) SetTokens(bot, app string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.botToken, s.appToken = bot, app
}

// track runs h as one of the server's goroutines, or answers 503 once the server is
// closed.
func (s *Server) track(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			http.Error(w, "slackfake: server closed", http.StatusServiceUnavailable)
			return
		}
		s.wg.Add(1)
		s.mu.Unlock()
		defer s.wg.Done()
		h(w, r)
	}
}

// broadcastLocked wakes every waiter. s.mu must be held.
func (s *Server) broadcastLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// wait blocks until cond, called with s.mu held, reports true. It returns
// ErrClosed once the server is closed and ctx's error when ctx is done.
func (s *Server) wait(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		if cond() {
			s.mu.Unlock()
			return nil
		}
		if s.closed {
			s.mu.Unlock()
			return ErrClosed
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Strings returns every string value in the JSON document js, decoded, one
// per line: a way for tests to search what a message says without caring how
// it was encoded (encoding/json writes < as \u003c). Invalid JSON is returned
// as it is.
func Strings(js []byte) string {
	var v any
	if err := json.Unmarshal(js, &v); err != nil {
		return string(js)
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			b.WriteString(v)
			b.WriteByte('\n')
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(v[k])
			}
		}
	}
	walk(v)
	return b.String()
}
