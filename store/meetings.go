package store

import (
	"errors"
	"time"
)

// ErrAgendaFull is returned by [DB.AddAgendaItem] when a meeting already
// has [MaxAgendaItems] open items.
var ErrAgendaFull = errors.New("store: agenda is full")

// MaxAgendaItems bounds the open agenda items of one meeting, so that its
// reminder fits in one Slack message.
const MaxAgendaItems = 30

// Meeting is a joint sales+marketing meeting that repeats on a schedule.
type Meeting struct {
	ID            int64
	Title         string
	Schedule      string // cron spec: five fields or a descriptor, in the configured zone
	Channel       string // channel ID the reminders go to
	CreatedBy     string
	CreatedByName string
	CreatedAt     time.Time
	// Agenda is how many open agenda items the meeting has (filled in by
	// [DB.Meeting] and [DB.Meetings]; ignored when saving).
	Agenda int
}

// AgendaItem is one point on a meeting's agenda.
type AgendaItem struct {
	ID          int64
	MeetingID   int64
	Text        string
	AddedBy     string
	AddedByName string
	AddedAt     time.Time
}

// MeetingRecord is a meeting in the export format: Agenda holds the texts of
// its open agenda items, oldest first.
type MeetingRecord struct {
	ID       int64    `json:"id"`
	Title    string   `json:"title"`
	Schedule string   `json:"schedule"`
	Channel  string   `json:"channel"`
	Agenda   []string `json:"agenda"`
}
