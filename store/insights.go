package store

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Insight is what a salesperson heard from a customer (an objection, a
// competitor, a question), shared with marketing (SPEC §11).
type Insight struct {
	ID          int64
	Text        string
	PersonaID   int64  // 0: none
	PersonaName string // the persona's name now, filled in by reads ("" for none)
	Source      string // who or where it came from, free text ("" for none)
	By          string // user ID of who shared it
	ByName      string
	At          time.Time
	// Channel and TS are the message it was shared from ("" when it was
	// typed with /insight).
	Channel, TS string
}

// InsightFilter selects insights for [Insights.Insights].
type InsightFilter struct {
	PersonaID int64     // 0: every persona (and none)
	From, To  time.Time // At in [From, To); a zero bound is open
	Limit     int       // at most this many; 0: all
}

// MaxInsightText bounds an insight's text, in characters.
const MaxInsightText = 2000

// InsightText returns text trimmed as an insight keeps it, or a
// [*RecordError] if that is empty or longer than [MaxInsightText].
func InsightText(text string) (string, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", &RecordError{"an insight needs some text: what did the customer say?"}
	}
	if n := utf8.RuneCountInString(text); n > MaxInsightText {
		return "", &RecordError{fmt.Sprintf("an insight is at most %d characters (this one has %d): keep the gist, link the details", MaxInsightText, n)}
	}
	return text, nil
}

// Insights keeps the customer insights.
type Insights interface {
	// AddInsight stores in (Text, PersonaID, Source, Channel, TS; the rest
	// is set) as shared by by now, and returns it with its ID and persona
	// name. It returns [ErrNotFound] for a PersonaID that does not exist,
	// a [*RecordError] for an empty or overlong text, and [ErrUnchanged]
	// if by already shared the message Channel/TS (a form submitted
	// twice), recording nothing.
	AddInsight(ctx context.Context, in Insight, by Actor) (Insight, error)
	// Insights returns the insights f selects, newest first (ties by ID,
	// highest first), and how many f selects without its Limit.
	Insights(ctx context.Context, f InsightFilter) ([]Insight, int, error)
}

// InsightRecord is an insight in the export format (SPEC §11), oldest
// first. Persona is the persona's name, null for none; Channel and TS are
// "" for one typed with /insight. Imported, one with the same by, at and
// text as a stored one, or the same by and message (Channel, TS), is that
// one (unchanged); a persona named that does not exist is left out (the
// insight is kept without one, as the README says).
type InsightRecord struct {
	Text    string    `json:"text"`
	Persona *string   `json:"persona"`
	Source  string    `json:"source"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	Channel string    `json:"channel"`
	TS      string    `json:"ts"`
}
