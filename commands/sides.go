package commands

import (
	"context"
	"errors"

	"smarketing/commands/sides"
)

// Sides tells which side of the company a user is on, for the approvals of
// agreed definitions (SPEC §8). *sides.Roster is the real one: it answers
// from memory and never waits for Slack.
type Sides interface {
	// SideOf reports whether userID is on the sales side and whether on
	// the marketing side. Both can be true; an approval then counts for
	// one side only, and the caller picks which.
	SideOf(userID string) (sales, marketing bool)
	// Configured reports whether each side is configured at all
	// (SMARKETING_SALES, SMARKETING_MARKETING): an unconfigured side
	// leaves what is that side's to do to everyone.
	Configured() (sales, marketing bool)
}

var _ Sides = (*sides.Roster)(nil)

// nobody is the [Sides] of a handler given none: no one is on either side.
type nobody struct{}

func (nobody) SideOf(string) (sales, marketing bool) { return false, false }

func (nobody) Configured() (sales, marketing bool) { return false, false }

// Directory finds the Slack user someone named by typing "@name" (slash
// commands that do not escape mentions receive the text as typed);
// *bot.Bot is the real one. ok is false when no one, or more than one
// person, goes by that name.
type Directory interface {
	FindUser(ctx context.Context, typed string) (id string, ok bool, err error)
}

// noDirectory is the [Directory] of a handler given none (the shell): it
// finds nobody.
type noDirectory struct{}

func (noDirectory) FindUser(context.Context, string) (string, bool, error) { return "", false, nil }

// Members tells whether someone is a member of a channel, for the
// meetings, whose reminders post there: nobody schedules posts into a
// channel they cannot read. *bot.Bot is the real one (conversations.members,
// cached briefly).
type Members interface {
	// IsMember reports whether user is a member of channel. It returns an
	// error wrapping [ErrChannelHidden] if the bot cannot see the
	// channel's members (a private channel it is not in, or no such
	// channel).
	IsMember(ctx context.Context, channel, user string) (bool, error)
}

// ErrChannelHidden is what a [Members] returns, wrapped, for a channel the
// bot cannot see into (Slack's not_in_channel, channel_not_found).
var ErrChannelHidden = errors.New("the bot cannot see the members of that channel")

// everyoneIn is the [Members] of a handler given none: the shell, which
// has no Slack to ask and is run by whoever operates the bot, checks no
// membership.
type everyoneIn struct{}

func (everyoneIn) IsMember(context.Context, string, string) (bool, error) { return true, nil }
