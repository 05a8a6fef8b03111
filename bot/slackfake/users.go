package slackfake

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// SlackbotID is the user ID of Slackbot, which users.list lists in every
// workspace as a user that is neither deleted nor a bot (is_bot is false for
// it, as in real Slack).
const SlackbotID = "USLACKBOT"

// fakeUser is a member of the workspace as SetUser registered it.
type fakeUser struct {
	id, name, displayName, realName string
	deleted, bot                    bool
}

// SetUser registers the user id with its handle (name), profile display name
// and real name, for users.list and users.info; an empty displayName or
// realName is sent as "", as Slack does for a profile without one. Calling it
// again changes the names and makes the user active again.
func (s *Server) SetUser(id, name, displayName, realName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.api.users[id] = fakeUser{id: id, name: name, displayName: displayName, realName: realName}
}

// DeactivateUser marks the user id, registered with [Server.SetUser], as
// deactivated: users.list still lists it, with "deleted": true, as Slack
// does. It does nothing for an unknown id.
func (s *Server) DeactivateUser(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.api.users[id]; ok {
		u.deleted = true
		s.api.users[id] = u
	}
}

// SetBotUser registers the user id as an app's bot user ("is_bot": true) with
// the handle name and the display and real name realName. The fake's own
// [BotUserID] is always listed as one.
func (s *Server) SetBotUser(id, name, realName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.api.users[id] = fakeUser{id: id, name: name, displayName: realName, realName: realName, bot: true}
}

// FailUsers makes every users.list answer the Slack error code (such as
// "ratelimited" or "missing_scope") until it is called with "".
func (s *Server) FailUsers(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.api.usersErr = code
}

// usersList answers users.list: every registered user plus the bot user and
// Slackbot, ordered by ID, a page of limit (all of them without a limit) at a
// time. As Slack's, the cursor is the base64 of "user:" and the first ID of the
// next page, so users added between pages are not skipped.
func (s *Server) usersList(w http.ResponseWriter, p map[string]string) {
	s.mu.Lock()
	code := s.api.usersErr
	users := make([]fakeUser, 0, len(s.api.users)+2)
	for _, u := range s.api.users {
		users = append(users, u)
	}
	s.mu.Unlock()
	if code != "" {
		writeError(w, code)
		return
	}
	for _, u := range []fakeUser{
		{id: BotUserID, name: "smarketing", displayName: "smarketing", realName: "smarketing", bot: true},
		{id: SlackbotID, name: "slackbot", realName: "Slackbot"},
	} {
		if !slices.ContainsFunc(users, func(x fakeUser) bool { return x.id == u.id }) {
			users = append(users, u)
		}
	}
	slices.SortFunc(users, func(a, b fakeUser) int { return strings.Compare(a.id, b.id) })

	start := 0
	if c := p["cursor"]; c != "" {
		raw, err := base64.StdEncoding.DecodeString(c)
		from, ok := strings.CutPrefix(string(raw), "user:")
		if err != nil || !ok || from == "" {
			writeError(w, "invalid_cursor")
			return
		}
		start, _ = slices.BinarySearchFunc(users, from, func(u fakeUser, id string) int { return strings.Compare(u.id, id) })
	}
	end := len(users)
	if n, err := strconv.Atoi(p["limit"]); err == nil && n > 0 {
		end = min(start+n, len(users))
	}
	next := ""
	if end < len(users) {
		next = base64.StdEncoding.EncodeToString([]byte("user:" + users[end].id))
	}
	members := make([]obj, 0, end-start)
	for _, u := range users[start:end] {
		members = append(members, u.object())
	}
	writeJSON(w, obj{
		"ok":                true,
		"members":           members,
		"cache_ts":          1700000000,
		"response_metadata": obj{"next_cursor": next},
	})
}

// registeredUser returns the user object of id if [Server.SetUser] registered it.
func (s *Server) registeredUser(id string) (obj, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.api.users[id]
	if !ok {
		return nil, false
	}
	return u.object(), true
}

func (u fakeUser) object() obj {
	return obj{
		"id":        u.id,
		"team_id":   TeamID,
		"name":      u.name,
		"real_name": u.realName,
		"tz":        "UTC",
		"tz_label":  "Coordinated Universal Time",
		"tz_offset": 0,
		"is_bot":    u.bot,
		"deleted":   u.deleted,
		"profile": obj{
			"real_name":               u.realName,
			"real_name_normalized":    u.realName,
			"display_name":            u.displayName,
			"display_name_normalized": u.displayName,
		},
	}
}
