package slackfake

import (
	"net/http"
	"slices"
)

// SetUserGroup makes the user group id exist with exactly users as its
// members (none if users is empty), for usergroups.users.list. Calling it
// again changes the membership.
func (s *Server) SetUserGroup(id string, users ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.api.groups[id] = slices.Clone(users)
}

// RemoveUserGroup deletes the user group id: usergroups.users.list answers
// no_such_subteam for it again.
func (s *Server) RemoveUserGroup(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.api.groups, id)
}

// FailUserGroups makes every usergroups.users.list answer the Slack error
// code (such as "ratelimited" or "missing_scope") until it is called with
// "".
func (s *Server) FailUserGroups(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.api.groupsErr = code
}

// userGroupUsers answers usergroups.users.list: the members of the group
// in the usergroup parameter, or no_such_subteam.
func (s *Server) userGroupUsers(w http.ResponseWriter, p map[string]string) {
	s.mu.Lock()
	code := s.api.groupsErr
	users, ok := s.api.groups[p["usergroup"]]
	users = slices.Clone(users)
	s.mu.Unlock()
	switch {
	case code != "":
		writeError(w, code)
	case p["usergroup"] == "":
		writeError(w, "invalid_arguments")
	case !ok:
		writeError(w, "no_such_subteam")
	default:
		if users == nil {
			users = []string{}
		}
		writeJSON(w, obj{"ok": true, "users": users})
	}
}
