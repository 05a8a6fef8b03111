package slackfake

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// SetChannelMembers makes channel exist with exactly users as its members,
// for conversations.members; calling it again changes them. A channel whose
// ID starts with G is private: the bot sees its members only if it is one
// of them ([BotUserID]), and is answered channel_not_found otherwise, as
// Slack answers for a private channel the bot is not in. A channel never
// set is answered channel_not_found.
func (s *Server) SetChannelMembers(channel string, users ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.api.members[channel] = slices.Clone(users)
}

// FailChannelMembers makes every conversations.members answer the Slack
// error code (such as "ratelimited" or "missing_scope") until it is called
// with "".
func (s *Server) FailChannelMembers(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.api.membersErr = code
}

// conversationMembers answers conversations.members: the members of the
// channel, ordered by ID, a page of limit (100 without one, as Slack's
// default) at a time. As with users.list, the cursor is the base64 of
// "member:" and the first ID of the next page.
func (s *Server) conversationMembers(w http.ResponseWriter, p map[string]string) {
	s.mu.Lock()
	code := s.api.membersErr
	users, ok := s.api.members[p["channel"]]
	users = slices.Clone(users)
	s.mu.Unlock()
	switch {
	case code != "":
		writeError(w, code)
		return
	case !ok || strings.HasPrefix(p["channel"], "G") && !slices.Contains(users, BotUserID):
		writeError(w, "channel_not_found")
		return
	}
	slices.Sort(users)
	users = slices.Compact(users)
	start := 0
	if c := p["cursor"]; c != "" {
		raw, err := base64.StdEncoding.DecodeString(c)
		from, ok := strings.CutPrefix(string(raw), "member:")
		if err != nil || !ok || from == "" {
			writeError(w, "invalid_cursor")
			return
		}
		start, _ = slices.BinarySearch(users, from)
	}
	limit := 100
	if n, err := strconv.Atoi(p["limit"]); err == nil && n > 0 {
		limit = n
	}
	end := min(start+limit, len(users))
	next := ""
	if end < len(users) {
		next = base64.StdEncoding.EncodeToString([]byte("member:" + users[end]))
	}
	page := append([]string{}, users[start:end]...)
	writeJSON(w, obj{"ok": true, "members": page, "response_metadata": obj{"next_cursor": next}})
}
