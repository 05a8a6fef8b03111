package store

import (
	"context"
	"time"
)

// Glossary gaps (SPEC §8): the texts people looked up with /term and did
// not find, counted per day, and who asked to be told when one is defined.
// They are not part of the export format (§7 names no such section); copy
// and backup move them like every table of [Schema].

// DayLayout is how a day is written for [Gaps]: a date in the bot's time
// zone, which sorts as text in the order of the days.
const DayLayout = "2006-01-02"

// Gap is a text looked up in the glossary and not found, and how often.
type Gap struct {
	Key   string // the text as [Key] normalises it
	Asked int64  // lookups that found nothing, in the period asked about
}

// DefinitionRequest is someone who asked to be told when a term named Key
// is defined.
type DefinitionRequest struct {
	Key  string
	User string
	At   time.Time
}

// Gaps are the glossary's missing terms.
type Gaps interface {
	// CountGap counts one lookup of key (made by [Key]) that found
	// nothing, on day (a [DayLayout] date in the bot's zone).
	CountGap(ctx context.Context, key, day string) error
	// Gaps returns up to limit (all if negative) of the keys counted on
	// the days from..to (both included, [DayLayout]) that name no term
	// now, most asked first, ties by key; and how many such keys there
	// are in all.
	Gaps(ctx context.Context, from, to string, limit int) ([]Gap, int, error)
	// RequestDefinition records that user wants to be told when a term
	// named key (by [Key]) is added. It reports false if they had asked
	// for that key already.
	RequestDefinition(ctx context.Context, key, user string) (bool, error)
	// TakeAnswered removes and returns every request whose key now names
	// a term (as its name or an alias), oldest first. Each request is
	// returned once, whichever instance asks: the caller owes those
	// users their message.
	TakeAnswered(ctx context.Context) ([]DefinitionRequest, error)
}

// GapsKept is how long gap counts are kept: /term gaps looks back 30
// days, the recap one week.
const GapsKept = 90 * 24 * time.Hour
