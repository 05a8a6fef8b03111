package slackfake

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Envelope is one Socket Mode request frame as Slack sends it.
type Envelope struct {
	EnvelopeID             string          `json:"envelope_id"`
	Type                   string          `json:"type"`
	Payload                json.RawMessage `json:"payload"`
	AcceptsResponsePayload bool            `json:"accepts_response_payload"`
	RetryAttempt           int             `json:"retry_attempt"`
	RetryReason            string          `json:"retry_reason"`
}

// Slash is a slash command invocation. [Server.SendSlash] fills empty fields with
// defaults and sends it with Slack's field names.
type Slash struct {
	Command     string
	Text        string
	UserID      string
	UserName    string
	ChannelID   string
	ChannelName string
	TriggerID   string
	ResponseURL string
}

// Ack is one acknowledgement read from the bot's socket.
type Ack struct {
	EnvelopeID string
	// Payload is the ack's payload, or nil if the ack had none.
	Payload json.RawMessage
	// SentAt is when the acked envelope was last written to a socket; zero if the
	// envelope id is unknown.
	SentAt time.Time
	// At is when the ack was read.
	At time.Time
}

// MustJSON marshals v, for building an [Envelope] payload. It panics if v cannot be
// marshalled.
func MustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("slackfake: marshal %T: %v", v, err))
	}
	return b
}

type frameKind int

const (
	frameEnvelope frameKind = iota
	frameHello
	frameDisconnect
)

// frame is one text message queued for a socket.
type frame struct {
	kind  frameKind
	envID string // frameEnvelope only
	data  []byte
}

// envRecord is what the server remembers about an envelope.
type envRecord struct {
	env    Envelope
	sentAt time.Time // last write, zero if never written
	on     *conn     // the socket of the last write
	// queued counts frames of this envelope waiting in a queue (not yet being written).
	queued int
	acked  bool
}

// socketState is the Socket Mode half of the server; guarded by Server.mu.
type socketState struct {
	seq          atomic.Int64 // ids; atomic so Send can build frames without the lock
	tickets      map[string]bool
	conns        map[*conn]struct{}
	current      *conn
	connections  int
	accepted     int // sockets accepted so far, for conn.seq
	pending      []frame
	envs         map[string]*envRecord
	order        []*envRecord
	acks         []Ack
	firstAck     map[string]int
	other        []json.RawMessage
	redeliver    bool
	spread       bool // envelopes go round the live sockets, not to the newest
	turn         int  // with spread: the seq of the socket that got the last one
	pingInterval time.Duration
}

func (st *socketState) init() {
	st.tickets = make(map[string]bool)
	st.conns = make(map[*conn]struct{})
	st.envs = make(map[string]*envRecord)
	st.firstAck = make(map[string]int)
	st.pingInterval = DefaultPingInterval
}

func (st *socketState) liveConns() []*conn {
	cs := make([]*conn, 0, len(st.conns))
	for c := range st.conns {
		cs = append(cs, c)
	}
	return cs
}

func (st *socketState) next() int64 { return st.seq.Add(1) }

// conn is one accepted websocket.
type conn struct {
	ws        *websocket.Conn
	wake      chan struct{} // capacity 1: "the queue is not empty"
	done      chan struct{}
	closeOnce sync.Once

	// Guarded by Server.mu.
	queue     []frame
	dead      bool // the writer has exited; queue no more frames here
	helloSent bool
	seq       int // the order sockets were accepted in
}

func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// shutdown closes the socket without a close frame and stops the writer.
func (c *conn) shutdown() {
	c.closeOnce.Do(func() {
		close(c.done)
		_ = c.ws.Close()
	})
}

var upgrader = websocket.Upgrader{
	// slack-go dials with "Origin: https://api.slack.com", which the default check
	// rejects because it differs from the Host header.
	CheckOrigin: func(*http.Request) bool { return true },
}

var helloFrame = []byte(`{"type":"hello","num_connections":1,"connection_info":{"app_id":"` + AppID +
	`"},"debug_info":{"host":"fake","approximate_connection_time":18060}}`)

// newTicketLocked returns a fresh single-use websocket URL. s.mu must be held.
func (s *Server) newTicketLocked() string {
	t := strconv.FormatInt(s.sock.next(), 10)
	s.sock.tickets[t] = true
	return "ws" + s.base[len("http"):] + "/ws?ticket=" + t + "&app_id=" + AppID
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	ok := s.sock.tickets[ticket]
	delete(s.sock.tickets, ticket)
	s.mu.Unlock()
	if !ok {
		http.Error(w, "slackfake: unknown or used ticket", http.StatusBadRequest)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered the client
	}
	c := &conn{ws: ws, wake: make(chan struct{}, 1), done: make(chan struct{})}

	s.mu.Lock()
	s.sock.accepted++
	c.seq = s.sock.accepted
	if s.closed {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	s.attachLocked(c)
	ping := s.sock.pingInterval
	s.wg.Add(1)
	s.mu.Unlock()

	go s.writeLoop(c, ping)
	s.readLoop(c)
}

// attachLocked makes c the current socket and queues hello, the redeliveries and the
// pending envelopes on it. s.mu must be held.
func (s *Server) attachLocked(c *conn) {
	st := &s.sock
	st.conns[c] = struct{}{}
	st.current = c
	c.queue = append(c.queue, frame{kind: frameHello, data: helloFrame})
	if st.redeliver {
		for _, rec := range st.order {
			if rec.acked || rec.sentAt.IsZero() || rec.queued > 0 || (rec.on != nil && !rec.on.dead) {
				continue // in the hands of a live socket (another instance)
			}
			rec.env.RetryAttempt++
			rec.env.RetryReason = "timeout"
			rec.queued++
			c.queue = append(c.queue, frame{kind: frameEnvelope, envID: rec.env.EnvelopeID, data: MustJSON(rec.env)})
		}
	}
	c.queue = append(c.queue, st.pending...)
	st.pending = nil
	c.signal()
}

// enqueueLocked queues f on the current socket, or keeps it pending until a socket
// connects. s.mu must be held.
func (s *Server) enqueueLocked(f frame) {
	if rec := s.sock.envs[f.envID]; f.kind == frameEnvelope && rec != nil {
		rec.queued++
	}
	s.requeueLocked([]frame{f})
}

// requeueLocked puts envelope frames whose queue counts are already held back into
// the current socket's queue, or in front of the pending ones. s.mu must be held.
func (s *Server) requeueLocked(fs []frame) {
	if len(fs) == 0 {
		return
	}
	if c := s.targetLocked(); c != nil {
		c.queue = append(c.queue, fs...)
		c.signal()
		return
	}
	s.sock.pending = append(slices.Clone(fs), s.sock.pending...)
}

// targetLocked is the socket the next envelopes go to: the current one,
// or with [Server.SetSpread] the next live greeted one after the last
// used, in the order they were accepted; nil if none. s.mu must be held.
func (s *Server) targetLocked() *conn {
	c := s.sock.current
	if c == nil || c.dead {
		return nil
	}
	if !s.sock.spread {
		return c
	}
	var first, next *conn
	for o := range s.sock.conns {
		if o.dead || !o.helloSent {
			continue
		}
		if first == nil || o.seq < first.seq {
			first = o
		}
		if o.seq > s.sock.turn && (next == nil || o.seq < next.seq) {
			next = o
		}
	}
	if next == nil {
		next = first
	}
	if next == nil {
		return c
	}
	s.sock.turn = next.seq
	return next
}

// readLoop records every frame the bot sends until the socket fails.
func (s *Server) readLoop(c *conn) {
	defer c.shutdown()
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		s.received(data)
	}
}

func (s *Server) received(data []byte) {
	now := time.Now()
	var a struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := json.Unmarshal(data, &a); err != nil || a.EnvelopeID == "" {
		s.sock.other = append(s.sock.other, data)
		s.broadcastLocked()
		return
	}
	if string(a.Payload) == "null" {
		a.Payload = nil
	}
	ack := Ack{EnvelopeID: a.EnvelopeID, Payload: a.Payload, At: now}
	if rec := s.sock.envs[a.EnvelopeID]; rec != nil {
		ack.SentAt = rec.sentAt
		rec.acked = true
	}
	if _, ok := s.sock.firstAck[a.EnvelopeID]; !ok {
		s.sock.firstAck[a.EnvelopeID] = len(s.sock.acks)
	}
	s.sock.acks = append(s.sock.acks, ack)
	s.broadcastLocked()
}

// writeLoop is the only writer of c's data frames: the queue, pings, and the close
// that follows a disconnect frame.
func (s *Server) writeLoop(c *conn, ping time.Duration) {
	defer s.wg.Done()
	var (
		failed *frame  // the frame whose write failed
		rest   []frame // frames taken from the queue after it
	)
	defer func() { s.connDone(c, failed, rest) }()

	var tick <-chan time.Time
	if ping > 0 {
		t := time.NewTicker(ping)
		defer t.Stop()
		tick = t.C
	}
	var closeAfter <-chan time.Time
	for {
		select {
		case <-c.done:
			return
		case <-tick:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeTimeout)); err != nil {
				c.shutdown()
				return
			}
		case <-closeAfter:
			msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
			_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(writeTimeout))
			c.shutdown()
			return
		case <-c.wake:
			s.mu.Lock()
			batch := c.queue
			c.queue = nil
			s.mu.Unlock()
			for i, f := range batch {
				s.beforeWrite(c, f)
				_ = c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
				if err := c.ws.WriteMessage(websocket.TextMessage, f.data); err != nil {
					failed, rest = &batch[i], batch[i+1:]
					c.shutdown()
					return
				}
				s.afterWrite(c, f)
				if f.kind == frameDisconnect {
					t := time.NewTimer(disconnectGrace)
					defer t.Stop()
					closeAfter = t.C
				}
			}
		}
	}
}

// beforeWrite counts an envelope as sent before the write: an ack read right
// after the write must see its send time, and a socket that connects while the
// write is under way must see it as sent, not queued.
func (s *Server) beforeWrite(c *conn, f frame) {
	if f.kind != frameEnvelope {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec := s.sock.envs[f.envID]; rec != nil {
		rec.sentAt, rec.on = time.Now(), c
		rec.queued--
		s.broadcastLocked() // for WaitInFlight
	}
}

func (s *Server) afterWrite(c *conn, f frame) {
	if f.kind != frameHello {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c.helloSent = true
	s.sock.connections++
	s.broadcastLocked()
}

// connDone forgets c and hands its unwritten envelopes to the next socket: failed,
// the one whose write failed, unless it has been queued again meanwhile, then the
// rest of the queue.
func (s *Server) connDone(c *conn, failed *frame, rest []frame) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.dead = true
	var left []frame
	if failed != nil && failed.kind == frameEnvelope {
		if rec := s.sock.envs[failed.envID]; rec != nil && rec.queued == 0 {
			rec.queued++
			left = append(left, *failed)
		}
	}
	left = append(left, rest...)
	left = append(left, c.queue...)
	c.queue = nil
	delete(s.sock.conns, c)
	if s.sock.current == c {
		// Slack routes to the app's other connections (another instance):
		// the newest live one takes over, with what the dead one was
		// given and never acked, as a retry.
		s.sock.current = nil
		for o := range s.sock.conns {
			if !o.dead && o.helloSent && (s.sock.current == nil || o.seq > s.sock.current.seq) {
				s.sock.current = o
			}
		}
	}
	// Whatever c was given and never acked is retried on the live socket,
	// also when that socket was attached before c was seen to die (it then
	// skipped them as still in c's hands). With no live socket, the next
	// one to attach redelivers them.
	if o := s.sock.current; o != nil && s.sock.redeliver {
		for _, rec := range s.sock.order {
			if rec.on == c && !rec.acked && rec.queued == 0 {
				rec.env.RetryAttempt++
				rec.env.RetryReason = "timeout"
				rec.queued++
				left = append(left, frame{kind: frameEnvelope, envID: rec.env.EnvelopeID, data: MustJSON(rec.env)})
			}
		}
	}
	var envs []frame
	for _, f := range left {
		if f.kind == frameEnvelope {
			envs = append(envs, f)
		}
	}
	s.requeueLocked(envs)
	s.broadcastLocked()
}

// WaitConnected waits until a socket is connected and its hello has been sent. It
// returns [ErrClosed] if the server is closed, or ctx's error.
func (s *Server) WaitConnected(ctx context.Context) error {
	return s.wait(ctx, func() bool {
		c := s.sock.current
		return c != nil && c.helloSent && !c.dead
	})
}

// WaitConnections waits until at least n sockets have been accepted and greeted,
// as counted by [Server.Connections].
func (s *Server) WaitConnections(ctx context.Context, n int) error {
	return s.wait(ctx, func() bool { return s.sock.connections >= n })
}

// Connections returns how many sockets have been accepted and sent hello so far.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sock.connections
}

// SetPingInterval sets how often sockets accepted from now on get a WebSocket PING;
// 0 turns pings off (slack-go then reconnects after its ping timeout). The default
// is [DefaultPingInterval].
func (s *Server) SetPingInterval(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sock.pingInterval = d
}

// Send sends env on the current socket, or queues it until a socket connects, and
// returns its envelope id, which is generated if env.EnvelopeID is empty. Envelopes
// are written in the order they were sent. Send panics if env.Payload is not valid
// JSON.
func (s *Server) Send(env Envelope) string {
	if env.EnvelopeID == "" {
		env.EnvelopeID = s.newEnvelopeID()
	}
	data := MustJSON(env)
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.sock.envs[env.EnvelopeID]
	if rec == nil {
		rec = &envRecord{}
		s.sock.envs[env.EnvelopeID] = rec
		s.sock.order = append(s.sock.order, rec)
	}
	rec.env = env
	s.enqueueLocked(frame{kind: frameEnvelope, envID: env.EnvelopeID, data: data})
	return env.EnvelopeID
}

func (s *Server) newEnvelopeID() string {
	return fmt.Sprintf("0fa4e000-0000-4000-8000-%012d", s.sock.next())
}

// SendSlash sends a "slash_commands" envelope and returns its envelope id. Empty
// fields get defaults: UserID [DefaultUserID], UserName "user-"+UserID, ChannelID
// [DefaultChannelID], ChannelName derived from ChannelID, a unique TriggerID, and
// ResponseURL [Server.ResponseURL] with the envelope id as key, so the bot's posts
// there are recorded as Calls with Method "response_url" and Path equal to the
// returned id.
func (s *Server) SendSlash(cmd Slash) string {
	id := s.newEnvelopeID()
	if cmd.UserID == "" {
		cmd.UserID = DefaultUserID
	}
	if cmd.UserName == "" {
		cmd.UserName = "user-" + cmd.UserID
	}
	if cmd.ChannelID == "" {
		cmd.ChannelID = DefaultChannelID
	}
	if cmd.ChannelName == "" {
		cmd.ChannelName = channelName(cmd.ChannelID)
	}
	if cmd.TriggerID == "" {
		cmd.TriggerID = s.newTriggerID()
	}
	if cmd.ResponseURL == "" {
		cmd.ResponseURL = s.ResponseURL(id)
	}
	// Field set and string-typed is_enterprise_install as in captured Socket Mode
	// payloads: the HTTP form fields turned into JSON.
	payload := map[string]string{
		"token":                 "x",
		"team_id":               TeamID,
		"team_domain":           "fake",
		"channel_id":            cmd.ChannelID,
		"channel_name":          cmd.ChannelName,
		"user_id":               cmd.UserID,
		"user_name":             cmd.UserName,
		"command":               cmd.Command,
		"text":                  cmd.Text,
		"api_app_id":            AppID,
		"is_enterprise_install": "false",
		"response_url":          cmd.ResponseURL,
		"trigger_id":            cmd.TriggerID,
	}
	return s.Send(Envelope{
		EnvelopeID:             id,
		Type:                   "slash_commands",
		Payload:                MustJSON(payload),
		AcceptsResponsePayload: true,
	})
}

func (s *Server) newTriggerID() string {
	n := s.sock.next()
	return fmt.Sprintf("%d.%d.%032x", 1000000000+n, 738474920, n)
}

type authorization struct {
	EnterpriseID        *string `json:"enterprise_id"`
	TeamID              string  `json:"team_id"`
	UserID              string  `json:"user_id"`
	IsBot               bool    `json:"is_bot"`
	IsEnterpriseInstall bool    `json:"is_enterprise_install"`
}

type eventCallback struct {
	Token              string          `json:"token"`
	TeamID             string          `json:"team_id"`
	APIAppID           string          `json:"api_app_id"`
	Event              any             `json:"event"`
	Type               string          `json:"type"`
	EventID            string          `json:"event_id"`
	EventTime          int64           `json:"event_time"`
	Authorizations     []authorization `json:"authorizations"`
	IsExtSharedChannel bool            `json:"is_ext_shared_channel"`
	EventContext       string          `json:"event_context"`
}

// SendEvent sends an "events_api" envelope whose payload is an event_callback
// wrapping event (any value that marshals to the inner event object, with its
// "type") and returns the envelope id. An empty eventID is generated. It panics if
// event cannot be marshalled.
func (s *Server) SendEvent(eventID string, event any) string {
	if eventID == "" {
		eventID = fmt.Sprintf("Ev%010X", s.sock.next())
	}
	cb := eventCallback{
		Token:     "x",
		TeamID:    TeamID,
		APIAppID:  AppID,
		Event:     event,
		Type:      "event_callback",
		EventID:   eventID,
		EventTime: time.Now().Unix(),
		Authorizations: []authorization{{
			TeamID: TeamID,
			UserID: BotUserID,
			IsBot:  true,
		}},
		EventContext: "4-fake-" + eventID,
	}
	return s.Send(Envelope{Type: "events_api", Payload: MustJSON(cb)})
}

// SendInteraction sends an "interactive" envelope with payload as it is (for example
// a block_actions or view_submission object) and returns the envelope id. It panics
// if payload cannot be marshalled.
func (s *Server) SendInteraction(payload any) string {
	return s.Send(Envelope{Type: "interactive", Payload: MustJSON(payload), AcceptsResponsePayload: true})
}

// Resend sends an earlier envelope again, unchanged except for retry_attempt n and
// retry_reason "timeout", as Slack does when an ack is late. It panics if envelopeID
// was never sent.
func (s *Server) Resend(envelopeID string, retryAttempt int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.sock.envs[envelopeID]
	if rec == nil {
		panic("slackfake: Resend of unknown envelope " + envelopeID)
	}
	rec.env.RetryAttempt = retryAttempt
	rec.env.RetryReason = "timeout"
	s.enqueueLocked(frame{kind: frameEnvelope, envID: envelopeID, data: MustJSON(rec.env)})
}

// SetSpread sets whether envelopes are spread over the live sockets in
// turn, as Slack spreads them over an app's connections (up to 10: one per
// instance), instead of all going to the newest socket. Either way, when a
// socket dies the newest live one gets what it held and had not acked.
func (s *Server) SetSpread(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sock.spread = on
}

// SetRedeliverUnacked sets whether each new socket first gets every earlier envelope
// that was written but not acked, with retry_attempt incremented and retry_reason
// "timeout", as Slack does after a bot crashes.
func (s *Server) SetRedeliverUnacked(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sock.redeliver = on
}

// WaitAck returns the first ack for envelopeID, waiting for it if needed. It
// returns [ErrClosed] if the server is closed first, or ctx's error.
func (s *Server) WaitAck(ctx context.Context, envelopeID string) (Ack, error) {
	var ack Ack
	err := s.wait(ctx, func() bool {
		i, ok := s.sock.firstAck[envelopeID]
		if ok {
			ack = s.sock.acks[i]
		}
		return ok
	})
	if err != nil {
		return Ack{}, fmt.Errorf("wait for ack of %s: %w", envelopeID, err)
	}
	return ack, nil
}

// WaitAcks returns the first n acks for envelopeID (a redelivered envelope is
// acked again), waiting for them if needed.
func (s *Server) WaitAcks(ctx context.Context, envelopeID string, n int) ([]Ack, error) {
	var got []Ack
	err := s.wait(ctx, func() bool {
		got = got[:0]
		for _, a := range s.sock.acks {
			if a.EnvelopeID == envelopeID {
				got = append(got, a)
			}
		}
		return len(got) >= n
	})
	if err != nil {
		return nil, fmt.Errorf("wait for %d acks of %s: %w", n, envelopeID, err)
	}
	return got[:n], nil
}

// Acks returns every ack read so far, in order.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sock.acks)
}

// Acked reports whether envelopeID has been acked.
func (s *Server) Acked(envelopeID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.sock.firstAck[envelopeID]
	return ok
}

// OtherFrames returns the frames read from the bot that were not acks.
func (s *Server) OtherFrames() []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sock.other)
}

// DropConnection closes the current socket abruptly, with no disconnect frame or
// close frame. Envelopes not yet written go to the next socket.
func (s *Server) DropConnection() {
	s.mu.Lock()
	c := s.sock.current
	s.sock.current = nil
	s.mu.Unlock()
	if c != nil {
		c.shutdown()
	}
}

// Disconnect sends {"type":"disconnect","reason":reason,...} on the current socket
// after the envelopes already queued there, and closes that socket shortly after,
// as Slack does. Envelopes sent from now on wait for the next socket.
func (s *Server) Disconnect(reason string) {
	data := MustJSON(map[string]any{
		"type":       "disconnect",
		"reason":     reason,
		"debug_info": map[string]string{"host": "fake"},
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.sock.current
	if c == nil {
		return
	}
	s.sock.current = nil
	c.queue = append(c.queue, frame{kind: frameDisconnect, data: data})
	c.signal()
}
