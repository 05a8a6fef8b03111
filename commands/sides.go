package commands

import (
	"context"

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
