// Package sides knows who is on the sales side and who is on the marketing
// side (SPEC §8): it parses SMARKETING_SALES and SMARKETING_MARKETING, and
// keeps the members of the user groups they name, refreshed in the
// background from a [Fetcher] so that a lookup never waits for Slack.
package sides

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"smarketing/store"
)

// List is one side as configured: user IDs and user group IDs.
type List struct {
	Users  []string // U… or W… (Enterprise Grid)
	Groups []string // S…, resolved to their members
}

// Empty reports whether l names nobody.
func (l List) Empty() bool { return len(l.Users) == 0 && len(l.Groups) == 0 }

// groupID matches the IDs of Slack user groups (user IDs: store.IsUserID).
var groupID = regexp.MustCompile(`^S[A-Z0-9]{2,}$`)

// ParseList reads a comma-separated list of user IDs (U…, W…) and user
// group IDs (S…). Spaces around an ID and empty items are ignored, and an
// ID listed twice counts once. Anything else is an error naming the item.
func ParseList(s string) (List, error) {
	var l List
	for _, item := range strings.Split(s, ",") {
		id := strings.TrimSpace(item)
		switch {
		case id == "":
		case store.IsUserID(id):
			if !slices.Contains(l.Users, id) {
				l.Users = append(l.Users, id)
			}
		case groupID.MatchString(id):
			if !slices.Contains(l.Groups, id) {
				l.Groups = append(l.Groups, id)
			}
		default:
			return List{}, fmt.Errorf("%q is not a user ID (U0123ABCD) or a user group ID (S0123ABCD)%s", id, hint(id))
		}
	}
	return l, nil
}

// hint says what was probably meant by a refused item.
func hint(id string) string {
	switch {
	case strings.HasPrefix(id, "@") || strings.HasPrefix(id, "<"):
		return ": write the ID, not a name or mention (profile or group → ⋯ → Copy ID)"
	case strings.ContainsAny(id, " \t"):
		return ": separate IDs with commas"
	case strings.ToUpper(id) != id:
		return ": IDs are in capitals"
	}
	return ""
}

// Fetcher returns the members (user IDs) of a user group. *bot.Bot is the
// real one (usergroups.users.list).
type Fetcher interface {
	// GroupMembers returns an error wrapping [ErrGroupNotFound] if Slack
	// does not know the group.
	GroupMembers(ctx context.Context, groupID string) ([]string, error)
}

// ErrGroupNotFound is what a [Fetcher] returns for a group that does not
// exist (Slack's no_such_subteam).
var ErrGroupNotFound = errors.New("no such user group")

// Variable names, for the log lines that tell an admin what to fix.
const (
	SalesVar     = "SMARKETING_SALES"
	MarketingVar = "SMARKETING_MARKETING"
)

// Options tunes a [Roster]. The zero value is the production setting.
type Options struct {
	// Interval is the time between two refreshes of every group
	// (default 30 minutes; Slack is asked at least hourly).
	Interval time.Duration
	// Retry is the least time between two refreshes that lookups ask for
	// while a group is not resolved yet (default 1 minute).
	Retry time.Duration
	// Timeout bounds each Slack call (default 1 minute).
	Timeout time.Duration
	Log     *slog.Logger
	// Refreshed, if set, is called after each refresh Run makes (tests
	// wait on it).
	Refreshed func()
}

// Roster answers which side a user is on. Lookups read the last good
// membership and never wait for Slack; [Roster.Run] keeps it fresh. Its
// methods are safe for concurrent use.
type Roster struct {
	sales, marketing List
	groups           []string // every group of either side, once
	fetch            Fetcher
	opt              Options
	log              *slog.Logger

	state   atomic.Pointer[snapshot]
	refresh sync.Mutex    // one refresh at a time
	kick    chan struct{} // a lookup asks Run for a refresh
	tried   atomic.Int64  // when the last refresh started, Unix nanoseconds
	logged  bool          // the first refresh was logged at info; under refresh
}

// snapshot is one membership, never changed once stored.
type snapshot struct {
	sales, marketing map[string]bool
	members          map[string][]string // group → its last good members; absent if never resolved
	// pending counts the groups never resolved for a reason that may pass
	// (not those Slack does not know): lookups ask for a refresh.
	pending int
}

// NewRoster returns a Roster for the two sides. Until the groups are
// resolved (see [Roster.Run] and [Roster.Refresh]) only the users listed
// by ID count. A nil fetch never resolves groups (the shell has no Slack).
func NewRoster(sales, marketing List, fetch Fetcher, opt Options) *Roster {
	if opt.Interval <= 0 {
		opt.Interval = 30 * time.Minute
	}
	if opt.Retry <= 0 {
		opt.Retry = time.Minute
	}
	if opt.Timeout <= 0 {
		opt.Timeout = time.Minute
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	r := &Roster{
		sales: sales, marketing: marketing, fetch: fetch, opt: opt,
		log:  opt.Log.With("component", "sides"),
		kick: make(chan struct{}, 1),
	}
	for _, g := range slices.Concat(sales.Groups, marketing.Groups) {
		if !slices.Contains(r.groups, g) {
			r.groups = append(r.groups, g)
		}
	}
	s := r.build(nil)
	s.pending = len(r.groups)
	r.state.Store(s)
	return r
}

// build makes the snapshot of the listed users and the given group members.
func (r *Roster) build(members map[string][]string) *snapshot {
	side := func(l List) map[string]bool {
		m := make(map[string]bool)
		for _, u := range l.Users {
			m[u] = true
		}
		for _, g := range l.Groups {
			for _, u := range members[g] {
				m[u] = true
			}
		}
		return m
	}
	return &snapshot{sales: side(r.sales), marketing: side(r.marketing), members: members}
}

// SideOf reports whether userID is on the sales side and whether on the
// marketing side, listed by ID or as a member of a listed group. Both can
// be true: someone listed on both sides counts for one side only in an
// approval (SPEC §8), and the caller picks which.
//
// A lookup while a group could not be resolved yet (Slack was slow or
// down, not "no such group") asks Run for a refresh in the background, at
// most once per Options.Retry, and answers at once.
func (r *Roster) SideOf(userID string) (sales, marketing bool) {
	s := r.state.Load()
	if r.fetch != nil && s.pending > 0 &&
		time.Since(time.Unix(0, r.tried.Load())) >= r.opt.Retry {
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
	return s.sales[userID], s.marketing[userID]
}

// Configured reports whether SMARKETING_SALES and whether
// SMARKETING_MARKETING name anyone (a user or a group, resolved or not):
// a side that is configured decides who may do what is that side's to do,
// even while its groups are not resolved yet.
func (r *Roster) Configured() (sales, marketing bool) {
	return !r.sales.Empty(), !r.marketing.Empty()
}

// Resolved reports whether every listed group has been resolved at least
// once.
func (r *Roster) Resolved() bool { return len(r.state.Load().members) == len(r.groups) }

// Refresh asks for the members of every listed group and replaces the
// membership with what it got. A group it cannot get keeps its last good
// members (or, never resolved, counts nobody); each such group is logged,
// naming the variable that lists it, and the errors are returned joined
// (ctx's error alone once ctx is done, without logging).
func (r *Roster) Refresh(ctx context.Context) error {
	if r.fetch == nil || len(r.groups) == 0 {
		return nil
	}
	r.refresh.Lock()
	defer r.refresh.Unlock()
	r.tried.Store(time.Now().UnixNano())
	old := r.state.Load().members
	members := make(map[string][]string, len(r.groups))
	var errs []error
	pending := 0
	for _, g := range r.groups {
		cctx, cancel := context.WithTimeout(ctx, r.opt.Timeout)
		users, err := r.fetch.GroupMembers(cctx, g)
		cancel()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil {
			members[g] = users
			continue
		}
		errs = append(errs, fmt.Errorf("user group %s: %w", g, err))
		prev, resolved := old[g]
		switch {
		case resolved:
			members[g] = prev
			r.log.Warn("user group refresh failed, keeping its last members", "variable", r.variable(g), "group", g, "members", len(prev), "err", err)
		case errors.Is(err, ErrGroupNotFound):
			r.log.Warn("user group not found, its members count for no side", "variable", r.variable(g), "group", g,
				"fix", "check the S… ID in "+r.variable(g)+" (Slack: People → User groups → the group → ⋯ → Copy group ID)")
		default:
			pending++
			r.log.Warn("user group not resolved, its members count for no side yet", "variable", r.variable(g), "group", g, "err", err)
		}
	}
	s := r.build(members)
	s.pending = pending
	r.state.Store(s)
	level := slog.LevelDebug
	if !r.logged { // the first, at start; the others only at debug
		r.logged, level = true, slog.LevelInfo
	}
	r.log.Log(ctx, level, "sides refreshed", "sales_users", len(s.sales), "marketing_users", len(s.marketing),
		"on_both", onBoth(s), "groups", len(r.groups), "groups_resolved", len(members))
	return errors.Join(errs...)
}

// variable names the variable(s) that list group g.
func (r *Roster) variable(g string) string {
	in := func(l List) bool { return slices.Contains(l.Groups, g) }
	switch {
	case in(r.sales) && in(r.marketing):
		return SalesVar + " and " + MarketingVar
	case in(r.marketing):
		return MarketingVar
	}
	return SalesVar
}

func onBoth(s *snapshot) int {
	n := 0
	for u := range s.sales {
		if s.marketing[u] {
			n++
		}
	}
	return n
}

// Run refreshes the membership at once, then every Options.Interval and
// when a lookup asks for it, until ctx is done; then it returns nil. With
// no group listed (or no fetcher) it returns nil at once.
func (r *Roster) Run(ctx context.Context) error {
	if r.fetch == nil || len(r.groups) == 0 {
		return nil
	}
	t := time.NewTicker(r.opt.Interval)
	defer t.Stop()
	for {
		// Errors are logged by Refresh, group by group.
		_ = r.Refresh(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if r.opt.Refreshed != nil {
			r.opt.Refreshed()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-r.kick:
		}
	}
}
