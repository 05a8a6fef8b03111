package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// The workspace directory is read with users.list, a Tier 2 method (about 20
// calls a minute, one per page of usersPage): rarely, and never by two lookups
// at once.
const (
	// usersFresh is how long a directory read answers every lookup.
	usersFresh = 10 * time.Minute
	// usersRetry is the least time between two reads once there is a
	// directory: a name missing from it, or a directory past usersFresh,
	// reads it again only this long after the last read began, failed or not.
	usersRetry = time.Minute
	usersPage  = 200
	// slackbotID is listed by users.list as a user that is neither deleted
	// nor a bot.
	slackbotID = "USLACKBOT"
)

// directory is the cache of the workspace's people behind [Bot.FindUser].
type directory struct {
	now func() time.Time
	// joined, if set, is called when a lookup starts waiting for a read
	// another lookup began (a hook for tests).
	joined func()

	mu      sync.Mutex
	people  []person
	loaded  bool      // people holds a successful read
	fetched time.Time // when the read in people began
	tried   time.Time // when the last read began
	reading *read     // the read in progress, if any
}

// read is one users.list read that lookups wait for; err is set before done
// is closed.
type read struct {
	done chan struct{}
	err  error
}

// person is one active, human member of the workspace and the names a user
// may type for them.
type person struct {
	id    string
	names []string // handle, display name, real names; none empty
}

func newDirectory() *directory { return &directory{now: time.Now} }

// FindUser returns the ID of the one active, non-bot member of the workspace
// whose handle, display name or real name is typed, matched without regard to
// case and with any leading "@" removed, as a slash command with
// should_escape false receives a mention. ok is false, with a nil error, if no
// one or more than one member has that name.
//
// It reads the directory with users.list (scope users:read) and keeps it for
// 10 minutes; a name it does not know reads it again if the last read began
// at least a minute ago. Lookups share one read at a time. If a read fails,
// FindUser answers from the last directory it read, and returns the error only
// if it has never read one.
func (b *Bot) FindUser(ctx context.Context, typed string) (id string, ok bool, err error) {
	name := strings.TrimSpace(typed)
	name = strings.TrimSpace(strings.TrimPrefix(name, "@"))
	if name == "" {
		return "", false, nil
	}
	d := b.users
	for {
		d.mu.Lock()
		now := d.now()
		if d.loaded {
			id, n := match(d.people, name)
			due := now.Sub(d.tried) >= usersRetry
			stale := now.Sub(d.fetched) >= usersFresh
			if !due || (n > 0 && !stale) {
				d.mu.Unlock()
				return only(id, n)
			}
		}
		r := d.reading
		leader := r == nil
		if leader {
			r = &read{done: make(chan struct{})}
			d.reading, d.tried = r, now
			d.mu.Unlock()
			// The read uses this lookup's context; a lookup waiting for it
			// reads again itself if this one gives up (see below).
			people, err := b.listUsers(ctx)
			d.mu.Lock()
			if err == nil {
				d.people, d.loaded, d.fetched = people, true, now
			}
			r.err = err
			d.reading = nil
			close(r.done)
			d.mu.Unlock()
		} else {
			d.mu.Unlock()
			if d.joined != nil {
				d.joined()
			}
			select {
			case <-r.done:
			case <-ctx.Done():
				return "", false, fmt.Errorf("users.list: %w", ctx.Err())
			}
		}

		d.mu.Lock()
		loaded, people, fetched := d.loaded, d.people, d.fetched
		d.mu.Unlock()
		if !loaded {
			if r.err != nil && ctx.Err() == nil &&
				(errors.Is(r.err, context.Canceled) || errors.Is(r.err, context.DeadlineExceeded)) {
				// The lookup that read gave up, not Slack: try again.
				continue
			}
			return "", false, r.err
		}
		if r.err != nil && leader {
			// Logged once, by the lookup that read; the error is not returned.
			b.log.Warn("users.list failed, answering from the last directory", "read_at", fetched, "err", r.err)
		}
		return only(match(people, name))
	}
}

// only answers a lookup that matched n people, the last of them id.
func only(id string, n int) (string, bool, error) {
	if n != 1 {
		return "", false, nil
	}
	return id, true, nil
}

// match returns how many people have the name, and the ID of the last of them.
func match(people []person, name string) (id string, n int) {
	for _, p := range people {
		for _, pn := range p.names {
			if strings.EqualFold(pn, name) {
				id = p.id
				n++
				break
			}
		}
	}
	return id, n
}

// listUsers reads every active, human member of the workspace, page by page.
func (b *Bot) listUsers(ctx context.Context) ([]person, error) {
	var people []person
	p := b.api.GetUsersPaginated(slack.GetUsersOptionLimit(usersPage), slack.GetUsersOptionIncludeLocale(false))
	for {
		var err error
		p, err = p.Next(ctx)
		if p.Done(err) {
			return people, nil
		}
		if err != nil {
			var se slack.SlackErrorResponse
			if errors.As(err, &se) && se.Err == "missing_scope" {
				return nil, fmt.Errorf("users.list: %w (add the users:read scope: update the app from \"smarketing manifest\" and reinstall it)", err)
			}
			return nil, fmt.Errorf("users.list: %w", err)
		}
		for _, u := range p.Users {
			if u.Deleted || u.IsBot || u.ID == slackbotID {
				continue
			}
			var names []string
			for _, n := range []string{u.Name, u.Profile.DisplayName, u.Profile.RealName, u.RealName} {
				if n != "" {
					names = append(names, n)
				}
			}
			people = append(people, person{id: u.ID, names: names})
		}
	}
}
