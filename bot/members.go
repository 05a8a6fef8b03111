package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"smarketing/commands"
)

var _ commands.Members = (*Bot)(nil)

// Channel members are read with conversations.members, a Tier 4 method,
// page by page; a channel's list answers every check for a short while, so
// that a burst of meetings scheduled in one channel asks once.
const (
	// membersFresh is how long a channel's member list answers checks.
	membersFresh = 2 * time.Minute
	membersPage  = 1000
)

// memberCache keeps the member lists behind [Bot.IsMember], one read per
// channel at a time.
type memberCache struct {
	now func() time.Time
	// joined, if set, is called when a check starts waiting for a read
	// another check began (a hook for tests).
	joined func()

	mu       sync.Mutex
	channels map[string]*memberList
}

// memberList is one channel's members as last read.
type memberList struct {
	members map[string]bool
	fetched time.Time // when the read began; zero until one succeeded
	reading *read     // the read in progress, if any
}

func newMemberCache() *memberCache {
	return &memberCache{now: time.Now, channels: map[string]*memberList{}}
}

// IsMember reports whether user is a member of channel
// (conversations.members, scopes channels:read and groups:read). A
// channel's list is kept for 2 minutes; checks of one channel share one
// read at a time. A failed read is not kept: the next check reads again,
// and no check is answered from a list older than that. A channel the bot
// cannot see into (not_in_channel, channel_not_found) is an error wrapping
// [commands.ErrChannelHidden].
func (b *Bot) IsMember(ctx context.Context, channel, user string) (bool, error) {
	c := b.members
	for {
		c.mu.Lock()
		now := c.now()
		c.sweep(now)
		e := c.channels[channel]
		if e == nil {
			e = &memberList{}
			c.channels[channel] = e
		}
		if !e.fetched.IsZero() && now.Sub(e.fetched) < membersFresh {
			in := e.members[user]
			c.mu.Unlock()
			return in, nil
		}
		r := e.reading
		leader := r == nil
		if leader {
			r = &read{done: make(chan struct{})}
			e.reading = r
			c.mu.Unlock()
			members, err := b.listMembers(ctx, channel)
			c.mu.Lock()
			if err == nil {
				e.members, e.fetched = members, now
			}
			r.err = err
			e.reading = nil
			close(r.done)
			in := e.members[user]
			c.mu.Unlock()
			if err != nil {
				return false, err
			}
			return in, nil
		}
		c.mu.Unlock()
		if c.joined != nil {
			c.joined()
		}
		select {
		case <-r.done:
		case <-ctx.Done():
			return false, fmt.Errorf("conversations.members: %w", ctx.Err())
		}
		if r.err != nil && ctx.Err() == nil &&
			(errors.Is(r.err, context.Canceled) || errors.Is(r.err, context.DeadlineExceeded)) {
			continue // the check that read gave up, not Slack: read again
		}
		if r.err != nil {
			return false, r.err
		}
		// Read again from the list just stored (a loop, in case it is
		// already stale).
	}
}

// sweep forgets the lists past membersFresh that no read is filling, so
// the cache holds only the channels checked lately. c.mu is held.
func (c *memberCache) sweep(now time.Time) {
	for ch, e := range c.channels {
		if e.reading == nil && !e.fetched.IsZero() && now.Sub(e.fetched) >= membersFresh {
			delete(c.channels, ch)
		}
	}
}

// listMembers reads every member of channel, page by page.
func (b *Bot) listMembers(ctx context.Context, channel string) (map[string]bool, error) {
	members := map[string]bool{}
	cursor := ""
	for {
		page, next, err := b.api.GetUsersInConversationContext(ctx, &slack.GetUsersInConversationParameters{
			ChannelID: channel, Cursor: cursor, Limit: membersPage,
		})
		if err != nil {
			var se slack.SlackErrorResponse
			if errors.As(err, &se) {
				switch se.Err {
				case "not_in_channel", "channel_not_found":
					return nil, fmt.Errorf("conversations.members %s: %w (%s)", channel, commands.ErrChannelHidden, se.Err)
				case "missing_scope":
					return nil, fmt.Errorf("conversations.members: %w (add the channels:read and groups:read scopes: update the app from \"smarketing manifest\" and reinstall it)", err)
				}
			}
			return nil, fmt.Errorf("conversations.members %s: %w", channel, err)
		}
		for _, u := range page {
			members[u] = true
		}
		if next == "" {
			return members, nil
		}
		cursor = next
	}
}
