package slackfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Method names of the calls that do not go to /api/.
const (
	// MethodResponseURL is the Call.Method of a POST to a [Server.ResponseURL].
	MethodResponseURL = "response_url"
	// MethodUpload is the Call.Method of a POST of file bytes to an upload URL from
	// files.getUploadURLExternal.
	MethodUpload = "upload"
)

// Call is one recorded HTTP request to the fake.
type Call struct {
	// Method is the Web API method, such as "chat.postMessage", or
	// [MethodResponseURL] or [MethodUpload].
	Method string
	// Params holds the first value of each query and form field; for a JSON body,
	// each top-level key, strings as they are and other values as compact JSON; for
	// a multipart body, the non-file fields.
	Params map[string]string
	Body   []byte
	Header http.Header
	// Path is the request path; for [MethodResponseURL] it is the response URL key.
	Path string
	At   time.Time
}

// Calls returns the recorded calls of method in order, or every call if method is "".
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	if method == "" {
		return slices.Clone(s.calls)
	}
	var out []Call
	for _, c := range s.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// WaitCall returns the first call of method, recorded before or after WaitCall was
// called, for which match reports true; a nil match accepts any call. An empty
// method matches every method. It returns [ErrClosed] if the server is closed first,
// or ctx's error.
func (s *Server) WaitCall(ctx context.Context, method string, match func(Call) bool) (Call, error) {
	var found Call
	next := 0
	err := s.wait(ctx, func() bool {
		for ; next < len(s.calls); next++ {
			c := s.calls[next]
			if (method == "" || c.Method == method) && (match == nil || match(c)) {
				found = c
				return true
			}
		}
		return false
	})
	if err != nil {
		return Call{}, fmt.Errorf("wait for call %q: %w", method, err)
	}
	return found, nil
}

// Handle overrides the behaviour of a Web API method, or of [MethodResponseURL] or
// [MethodUpload]: h replaces the default answer, token check included, for example
// to answer 429 with a Retry-After header, fail with 500, or delay (watch
// r.Context()). The call is recorded before h runs and r.Body can be read again.
// [Server.ServeDefault] gives the default answer. A nil h restores the default.
// h is called with the server's lock released, and must not outlive the request.
func (s *Server) Handle(method string, h http.HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h == nil {
		delete(s.handlers, method)
		return
	}
	s.handlers[method] = h
}

// ServeDefault answers r as the fake does without an override, without recording
// the call again. Use it in a [Server.Handle] override to fall through.
func (s *Server) ServeDefault(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	method, key := routeOf(r.URL.Path)
	s.serveDefault(w, r, method, key, body, parseParams(r, body))
}

// ResponseURL returns an http URL on this server for key. POSTs to it are recorded
// with Method [MethodResponseURL] and Path key, and answered {"ok":true}.
func (s *Server) ResponseURL(key string) string {
	return s.base + "/response/" + url.PathEscape(key)
}

// routeOf maps a request path to the method recorded for it and, for response URLs
// and uploads, the key in the path.
func routeOf(path string) (method, key string) {
	switch {
	case strings.HasPrefix(path, "/api/"):
		return strings.TrimPrefix(path, "/api/"), ""
	case strings.HasPrefix(path, "/response/"):
		return MethodResponseURL, strings.TrimPrefix(path, "/response/")
	case strings.HasPrefix(path, "/upload/"):
		return MethodUpload, strings.TrimPrefix(path, "/upload/")
	}
	return "", ""
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request)         { s.serveCall(w, r) }
func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) { s.serveCall(w, r) }
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request)      { s.serveCall(w, r) }

// serveCall records the request, then runs the override or the default answer.
func (s *Server) serveCall(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	method, key := routeOf(r.URL.Path)
	params := parseParams(r, body)
	path := r.URL.Path
	if method == MethodResponseURL {
		path = key
	}
	s.mu.Lock()
	s.calls = append(s.calls, Call{
		Method: method,
		Params: params,
		Body:   body,
		Header: r.Header.Clone(),
		Path:   path,
		At:     time.Now(),
	})
	s.broadcastLocked()
	h := s.handlers[method]
	s.mu.Unlock()

	if h != nil {
		h(w, r)
		return
	}
	s.serveDefault(w, r, method, key, body, params)
}

// readBody reads r's body and leaves a fresh reader over it in r.Body.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

func parseParams(r *http.Request, body []byte) map[string]string {
	p := make(map[string]string)
	for k, v := range r.URL.Query() {
		p[k] = v[0]
	}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) != nil {
			return p
		}
		for k, v := range m {
			var str string
			if json.Unmarshal(v, &str) == nil {
				p[k] = str
				continue
			}
			var buf bytes.Buffer
			if json.Compact(&buf, v) == nil {
				p[k] = buf.String()
			}
		}
	case "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(body), ctParams["boundary"])
		for {
			part, err := mr.NextPart()
			if err != nil {
				break
			}
			if part.FileName() == "" {
				v, _ := io.ReadAll(part)
				p[part.FormName()] = string(v)
			}
		}
	default:
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return p
		}
		for k, v := range vals {
			p[k] = v[0]
		}
	}
	return p
}

// authError returns the Slack error code for a request to method with the wrong
// token, or "" if the token is right.
func (s *Server) authError(method string, r *http.Request, p map[string]string) string {
	s.mu.Lock()
	bot, app := s.botToken, s.appToken
	s.mu.Unlock()
	bearer, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	form := p["token"]
	if method == "apps.connections.open" {
		// The app-level token is only read from the header.
		switch bearer {
		case app:
			return ""
		case "":
			return "not_authed"
		case bot:
			return "not_allowed_token_type"
		}
		return "invalid_auth"
	}
	switch {
	case bearer == bot || form == bot:
		return ""
	case bearer == "" && form == "":
		return "not_authed"
	case bearer == app || form == app:
		return "not_allowed_token_type"
	}
	return "invalid_auth"
}

// obj is a JSON object answer.
type obj = map[string]any

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code string) {
	writeJSON(w, obj{"ok": false, "error": code})
}

func (s *Server) serveDefault(w http.ResponseWriter, r *http.Request, method, key string, body []byte, p map[string]string) {
	switch method {
	case MethodResponseURL:
		writeJSON(w, obj{"ok": true})
		return
	case MethodUpload:
		s.upload(w, r, key, body)
		return
	}
	if code := s.authError(method, r, p); code != "" {
		writeError(w, code)
		return
	}
	switch method {
	case "apps.connections.open":
		s.mu.Lock()
		u := s.newTicketLocked()
		s.mu.Unlock()
		writeJSON(w, obj{"ok": true, "url": u})
	case "auth.test":
		writeJSON(w, obj{
			"ok":      true,
			"url":     "https://fake.slack.com/",
			"team":    "Fake Team",
			"user":    "smarketing",
			"team_id": TeamID,
			"user_id": BotUserID,
			"bot_id":  BotID,
		})
	case "chat.postMessage":
		s.postMessage(w, p)
	case "chat.postEphemeral":
		if p["channel"] == "" {
			writeError(w, "channel_not_found")
			return
		}
		s.mu.Lock()
		ts := s.api.newTS()
		s.mu.Unlock()
		writeJSON(w, obj{"ok": true, "message_ts": ts})
	case "chat.update":
		s.updateMessage(w, p)
	case "chat.delete":
		s.mu.Lock()
		s.api.delete(p["channel"], p["ts"])
		s.mu.Unlock()
		writeJSON(w, obj{"ok": true, "channel": p["channel"], "ts": p["ts"]})
	case "chat.getPermalink":
		writeJSON(w, obj{
			"ok":        true,
			"channel":   p["channel"],
			"permalink": "https://fake.slack.com/archives/" + p["channel"] + "/p" + strings.ReplaceAll(p["message_ts"], ".", ""),
		})
	case "views.open", "views.push", "views.update", "views.publish":
		s.view(w, p)
	case "conversations.history":
		s.history(w, p)
	case "conversations.replies":
		s.replies(w, p)
	case "conversations.info":
		if p["channel"] == "" {
			writeError(w, "channel_not_found")
			return
		}
		writeJSON(w, obj{"ok": true, "channel": channelObject(p["channel"])})
	case "users.info":
		if p["user"] == "" {
			writeError(w, "user_not_found")
			return
		}
		u, ok := s.registeredUser(p["user"])
		if !ok {
			u = userObject(p["user"])
		}
		writeJSON(w, obj{"ok": true, "user": u})
	case "files.getUploadURLExternal":
		s.uploadURL(w, p)
	case "files.completeUploadExternal":
		s.completeUpload(w, p)
	case "reactions.add":
		writeJSON(w, obj{"ok": true})
	case "usergroups.users.list":
		s.userGroupUsers(w, p)
	case "users.list":
		s.usersList(w, p)
	case "conversations.members":
		s.conversationMembers(w, p)
	default:
		writeError(w, "unknown_method")
	}
}

func (s *Server) postMessage(w http.ResponseWriter, p map[string]string) {
	ch := p["channel"]
	if ch == "" {
		writeError(w, "channel_not_found")
		return
	}
	if p["text"] == "" && p["blocks"] == "" && p["attachments"] == "" {
		writeError(w, "no_text")
		return
	}
	m := Message{
		ThreadTS: p["thread_ts"],
		User:     BotUserID,
		BotID:    BotID,
		Text:     p["text"],
		Username: p["username"],
		Blocks:   json.RawMessage(p["blocks"]),
	}
	if md := p["metadata"]; md != "" {
		m.Metadata = json.RawMessage(md)
	}
	if m.ThreadTS != "" && p["reply_broadcast"] == "true" {
		m.Subtype = "thread_broadcast"
	}
	s.mu.Lock()
	m = s.api.add(ch, m)
	s.mu.Unlock()
	writeJSON(w, obj{"ok": true, "channel": ch, "ts": m.TS, "message": messageObject(m, nil)})
}

func (s *Server) updateMessage(w http.ResponseWriter, p map[string]string) {
	ch, ts := p["channel"], p["ts"]
	if ch == "" {
		writeError(w, "channel_not_found")
		return
	}
	s.mu.Lock()
	m, ok := s.api.update(ch, ts, p["text"], json.RawMessage(p["blocks"]))
	s.mu.Unlock()
	if !ok {
		m = Message{TS: ts, User: BotUserID, BotID: BotID, Text: p["text"]}
	}
	writeJSON(w, obj{"ok": true, "channel": ch, "ts": ts, "text": p["text"], "message": messageObject(m, nil)})
}

func (s *Server) view(w http.ResponseWriter, p map[string]string) {
	var v map[string]json.RawMessage
	if err := json.Unmarshal([]byte(p["view"]), &v); err != nil || v == nil {
		writeError(w, "invalid_arguments")
		return
	}
	id := p["view_id"]
	if id == "" {
		s.mu.Lock()
		s.api.views++
		id = fmt.Sprintf("V%09d", s.api.views)
		s.mu.Unlock()
	}
	out := obj{}
	for k, raw := range v {
		out[k] = raw
	}
	out["id"] = id
	out["team_id"] = TeamID
	out["app_id"] = AppID
	out["bot_id"] = BotID
	out["app_installed_team_id"] = TeamID
	out["root_view_id"] = id
	out["hash"] = fmt.Sprintf("%d.fakehash", time.Now().UnixNano())
	out["state"] = obj{"values": obj{}}
	writeJSON(w, obj{"ok": true, "view": out})
}

func (s *Server) uploadURL(w http.ResponseWriter, p map[string]string) {
	n, err := strconv.Atoi(p["length"])
	if p["filename"] == "" || err != nil || n <= 0 {
		writeError(w, "invalid_arguments")
		return
	}
	s.mu.Lock()
	s.api.files++
	id := fmt.Sprintf("F%010d", s.api.files)
	s.api.allocated[id] = p["filename"]
	s.mu.Unlock()
	writeJSON(w, obj{"ok": true, "upload_url": s.base + "/upload/" + id, "file_id": id})
}

// upload stores the bytes POSTed to an upload URL: the "file" part of a multipart
// body, as slack-go sends it, or else the whole body.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, id string, body []byte) {
	data := body
	if ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
		mr := multipart.NewReader(bytes.NewReader(body), ctParams["boundary"])
		for {
			part, err := mr.NextPart()
			if err != nil {
				break
			}
			if part.FormName() == "file" {
				data, _ = io.ReadAll(part)
				break
			}
		}
	}
	s.mu.Lock()
	_, ok := s.api.allocated[id]
	if ok {
		s.api.uploads[id] = slices.Clone(data)
	}
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "OK - %d", len(data))
}

func (s *Server) completeUpload(w http.ResponseWriter, p map[string]string) {
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(p["files"]), &files); err != nil || len(files) == 0 {
		writeError(w, "invalid_arguments")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]obj, 0, len(files))
	for _, f := range files {
		if _, ok := s.api.uploads[f.ID]; !ok {
			writeError(w, "file_not_found")
			return
		}
		title := f.Title
		if title == "" {
			title = s.api.allocated[f.ID]
		}
		out = append(out, obj{"id": f.ID, "title": title})
	}
	writeJSON(w, obj{"ok": true, "files": out})
}

// Uploads returns the bytes uploaded so far, by file id.
func (s *Server) Uploads() map[string][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][]byte, len(s.api.uploads))
	for id, b := range s.api.uploads {
		out[id] = slices.Clone(b)
	}
	return out
}

func channelName(id string) string {
	if id == DefaultChannelID {
		return "general"
	}
	if strings.HasPrefix(id, "D") {
		return "directmessage"
	}
	return strings.ToLower(id)
}

func channelObject(id string) obj {
	c := obj{
		"id":              id,
		"created":         1700000000,
		"is_archived":     false,
		"is_member":       true,
		"context_team_id": TeamID,
	}
	switch id[0] {
	case 'D':
		c["is_im"] = true
		c["user"] = DefaultUserID
	case 'G':
		c["name"] = channelName(id)
		c["is_group"] = true
		c["is_private"] = true
	default:
		c["name"] = channelName(id)
		c["name_normalized"] = channelName(id)
		c["is_channel"] = true
	}
	return c
}

func userObject(id string) obj {
	name := "user-" + id
	isBot := id == BotUserID
	if isBot {
		name = "smarketing"
	}
	return obj{
		"id":        id,
		"team_id":   TeamID,
		"name":      name,
		"real_name": name,
		"tz":        "UTC",
		"tz_label":  "Coordinated Universal Time",
		"tz_offset": 0,
		"is_bot":    isBot,
		"deleted":   false,
		"profile": obj{
			"real_name":    name,
			"display_name": name,
		},
	}
}
