package slackfake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Message is a message in a channel's history, as returned by
// conversations.history and conversations.replies.
type Message struct {
	// TS is the message timestamp; [Server.AddMessage] generates one if empty.
	TS string
	// ThreadTS is the parent's TS for a thread reply, empty otherwise.
	ThreadTS string
	User     string
	BotID    string
	Subtype  string
	Text     string
	Username string
	// Blocks is the message's blocks array as JSON, or nil.
	Blocks json.RawMessage
	// Metadata is the message's metadata object as JSON (event_type,
	// event_payload), or nil. History and replies return it only when asked
	// with include_all_metadata, as Slack does.
	Metadata json.RawMessage
}

// tsBase is the first message timestamp the fake hands out, in microseconds.
const tsBase = 1732400000_000000

// apiState is the Web API half of the server; guarded by Server.mu.
type apiState struct {
	lastTS    int64                // newest timestamp handed out or seeded, in microseconds
	channels  map[string][]Message // ascending by TS
	views     int
	files     int
	allocated map[string]string // file id -> filename
	uploads   map[string][]byte
	groups    map[string][]string // user group id -> members
	groupsErr string              // the error usergroups.users.list answers, if any
	users     map[string]fakeUser // by ID, for users.list and users.info
	usersErr  string              // the error users.list answers, if any
	// members are the channels' members, for conversations.members.
	members    map[string][]string
	membersErr string // the error conversations.members answers, if any
}

func (a *apiState) init() {
	a.lastTS = tsBase
	a.channels = make(map[string][]Message)
	a.allocated = make(map[string]string)
	a.uploads = make(map[string][]byte)
	a.groups = make(map[string][]string)
	a.users = make(map[string]fakeUser)
	a.members = make(map[string][]string)
}

// newTS returns a timestamp later than every one handed out or seeded so far,
// and not before the wall clock, as Slack's are: a look-up by time finds a
// message posted then.
func (a *apiState) newTS() string {
	a.lastTS = max(a.lastTS+100, time.Now().UnixMicro())
	return formatTS(a.lastTS)
}

func formatTS(micros int64) string {
	return fmt.Sprintf("%d.%06d", micros/1_000_000, micros%1_000_000)
}

// parseTS turns "1732400000.000100" into microseconds.
func parseTS(ts string) (int64, bool) {
	secStr, frac, _ := strings.Cut(ts, ".")
	sec, err := strconv.ParseInt(secStr, 10, 64)
	if err != nil {
		return 0, false
	}
	if len(frac) > 6 {
		frac = frac[:6]
	}
	frac += strings.Repeat("0", 6-len(frac))
	us, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return 0, false
	}
	return sec*1_000_000 + us, true
}

func tsKey(ts string) int64 {
	v, _ := parseTS(ts)
	return v
}

// add stores m in channel ch, giving it a timestamp if it has none.
func (a *apiState) add(ch string, m Message) Message {
	if m.TS == "" {
		m.TS = a.newTS()
	} else if v, ok := parseTS(m.TS); ok && v > a.lastTS {
		a.lastTS = v
	}
	msgs := a.channels[ch]
	i, _ := slices.BinarySearchFunc(msgs, tsKey(m.TS), func(x Message, k int64) int {
		return compareInt(tsKey(x.TS), k)
	})
	a.channels[ch] = slices.Insert(msgs, i, m)
	return m
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (a *apiState) find(ch, ts string) (int, bool) {
	for i, m := range a.channels[ch] {
		if m.TS == ts {
			return i, true
		}
	}
	return 0, false
}

func (a *apiState) update(ch, ts, text string, blocks json.RawMessage) (Message, bool) {
	i, ok := a.find(ch, ts)
	if !ok {
		return Message{}, false
	}
	m := &a.channels[ch][i]
	m.Text = text
	m.Blocks = blocks
	return *m, true
}

func (a *apiState) delete(ch, ts string) {
	if i, ok := a.find(ch, ts); ok {
		a.channels[ch] = slices.Delete(a.channels[ch], i, i+1)
	}
}

// AddMessage seeds channel's history with m. An empty m.TS gets a fresh timestamp;
// messages posted later always get later timestamps.
func (s *Server) AddMessage(channel string, m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.api.add(channel, m)
}

// Messages returns channel's history, thread replies included, oldest first.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.api.channels[channel])
}

// threadInfo summarises the replies of a thread parent.
type threadInfo struct {
	count  int
	latest string
	users  []string
}

func (a *apiState) threads(ch string) map[string]*threadInfo {
	out := make(map[string]*threadInfo)
	for _, m := range a.channels[ch] {
		if !isReply(m) {
			continue
		}
		t := out[m.ThreadTS]
		if t == nil {
			t = &threadInfo{users: []string{}}
			out[m.ThreadTS] = t
		}
		t.count++
		t.latest = m.TS
		if u := m.User; u != "" && !slices.Contains(t.users, u) {
			t.users = append(t.users, u)
		}
	}
	return out
}

func isReply(m Message) bool { return m.ThreadTS != "" && m.ThreadTS != m.TS }

// withMetadata is messageObject with the message's metadata, if any, for a
// request that set include_all_metadata.
func withMetadata(o obj, m Message, p map[string]string) obj {
	if v := p["include_all_metadata"]; (v == "1" || v == "true") && len(m.Metadata) > 0 && json.Valid(m.Metadata) {
		o["metadata"] = m.Metadata
	}
	return o
}

func messageObject(m Message, t *threadInfo) obj {
	o := obj{"type": "message", "ts": m.TS, "text": m.Text, "team": TeamID}
	set := func(k, v string) {
		if v != "" {
			o[k] = v
		}
	}
	set("user", m.User)
	set("bot_id", m.BotID)
	set("subtype", m.Subtype)
	set("thread_ts", m.ThreadTS)
	set("username", m.Username)
	if len(m.Blocks) > 0 && json.Valid(m.Blocks) {
		o["blocks"] = m.Blocks
	}
	if m.BotID != "" {
		o["app_id"] = AppID
	}
	if t != nil {
		o["thread_ts"] = m.TS
		o["reply_count"] = t.count
		o["latest_reply"] = t.latest
		o["reply_users"] = t.users
		o["reply_users_count"] = len(t.users)
	}
	return o
}

// window is the latest/oldest/inclusive/limit/cursor filter of a history request.
type window struct {
	oldest, latest int64
	inclusive      bool
	limit, offset  int
}

func parseWindow(p map[string]string, defLimit int) window {
	w := window{latest: math.MaxInt64, limit: defLimit}
	if v, ok := parseTS(p["oldest"]); ok {
		w.oldest = v
	}
	if v, ok := parseTS(p["latest"]); ok && p["latest"] != "0" {
		w.latest = v
	}
	w.inclusive = p["inclusive"] == "1" || p["inclusive"] == "true"
	if n, err := strconv.Atoi(p["limit"]); err == nil && n > 0 {
		w.limit = min(n, 999)
	}
	if b, err := base64.StdEncoding.DecodeString(p["cursor"]); err == nil {
		if n, err := strconv.Atoi(strings.TrimPrefix(string(b), "next:")); err == nil && n > 0 {
			w.offset = n
		}
	}
	return w
}

func (w window) contains(ts string) bool {
	v := tsKey(ts)
	if w.inclusive {
		return v >= w.oldest && v <= w.latest
	}
	return v > w.oldest && v < w.latest
}

// write answers the page of msgs that the window selects.
func (w window) write(rw http.ResponseWriter, msgs []obj) {
	start := min(w.offset, len(msgs))
	end := min(start+w.limit, len(msgs))
	more := end < len(msgs)
	cursor := ""
	if more {
		cursor = base64.StdEncoding.EncodeToString([]byte("next:" + strconv.Itoa(end)))
	}
	writeJSON(rw, obj{
		"ok":                true,
		"messages":          msgs[start:end],
		"has_more":          more,
		"response_metadata": obj{"next_cursor": cursor},
	})
}

// history answers conversations.history: top-level messages and thread
// broadcasts, newest first.
func (s *Server) history(w http.ResponseWriter, p map[string]string) {
	ch := p["channel"]
	if ch == "" {
		writeError(w, "channel_not_found")
		return
	}
	win := parseWindow(p, 100)
	s.mu.Lock()
	threads := s.api.threads(ch)
	out := []obj{}
	msgs := s.api.channels[ch]
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if isReply(m) && m.Subtype != "thread_broadcast" {
			continue
		}
		if win.contains(m.TS) {
			out = append(out, withMetadata(messageObject(m, threads[m.TS]), m, p))
		}
	}
	s.mu.Unlock()
	win.write(w, out)
}

// replies answers conversations.replies: the parent first, whatever the window,
// then the replies in the window, oldest first.
func (s *Server) replies(w http.ResponseWriter, p map[string]string) {
	ch := p["channel"]
	if ch == "" {
		writeError(w, "channel_not_found")
		return
	}
	win := parseWindow(p, 1000)
	s.mu.Lock()
	i, ok := s.api.find(ch, p["ts"])
	if !ok {
		s.mu.Unlock()
		writeError(w, "thread_not_found")
		return
	}
	root := s.api.channels[ch][i]
	if isReply(root) {
		if j, ok := s.api.find(ch, root.ThreadTS); ok {
			root = s.api.channels[ch][j]
		}
	}
	threads := s.api.threads(ch)
	out := []obj{withMetadata(messageObject(root, threads[root.TS]), root, p)}
	for _, m := range s.api.channels[ch] {
		if isReply(m) && m.ThreadTS == root.TS && win.contains(m.TS) {
			out = append(out, withMetadata(messageObject(m, nil), m, p))
		}
	}
	s.mu.Unlock()
	win.write(w, out)
}
