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
	// Agenda is how many open agenda items the meeting has, and
	// OpenActions how many open action items (filled in by
	// [Meetings.Meeting] and [Meetings.Meetings]; ignored when saving).
	Agenda      int
	OpenActions int
	// Skips are the dates (YYYY-MM-DD, in the configured zone) of the
	// occurrences skipped with /meeting skip, ascending (filled in like
	// Agenda; ignored when saving).
	Skips []string
}

// AgendaItem is one point on a meeting's agenda.
type AgendaItem struct {
	ID          int64
	MeetingID   int64
	Text        string
	AddedBy     string
	AddedByName string
	AddedAt     time.Time
	// Link is the permalink of the Slack message the item was added from
	// (the add_to_agenda shortcut); "" for a typed item.
	Link string
}

// Record is the item as the export writes it: its text, followed by the
// link to its message in parentheses when it has one. An import stores
// what it reads as the text, so a linked item exported and imported again
// is the same item (see the import's agenda matching).
func (it AgendaItem) Record() string {
	if it.Link == "" {
		return it.Text
	}
	return it.Text + " (" + it.Link + ")"
}

// ErrTooManyActions is returned by [Meetings.AddAction] when a meeting
// already has [MaxOpenActions] open action items.
var ErrTooManyActions = errors.New("store: too many open actions")

// MaxOpenActions bounds the open action items of one meeting, so that its
// reminder lists them all in one Slack message.
const MaxOpenActions = 50

// Action is an action item of a meeting: something its owner has to do,
// by a due date or not, open until done.
type Action struct {
	ID           int64
	MeetingID    int64
	MeetingTitle string // filled in by reads; ignored when saving
	Owner        string // user ID
	OwnerName    string // the owner's name as given, for posts that must not mention them
	Text         string
	// Due is the due date (YYYY-MM-DD, in the configured zone), "" for
	// none.
	Due           string
	CreatedBy     string
	CreatedByName string
	CreatedAt     time.Time
	DoneAt        time.Time // zero while the action is open
	DoneBy        string    // who closed it
}

// Open reports whether the action is not done.
func (a Action) Open() bool { return a.DoneAt.IsZero() }

// ActionFilter selects open actions for [Meetings.OpenActions].
type ActionFilter struct {
	MeetingID int64  // 0: every meeting
	Owner     string // "": anyone's
	Limit     int    // at most this many; 0: all
}

// Action reminders: the owner of an open action with a due date gets a
// DM at 09:00 on the due day ([ActionDue]) and one at 09:00 the day after
// if it is still open ([ActionLate]), each claimed under
// ActionReminderPrefix(kind, due) followed by the action's id.
const (
	ActionDue  = "due"
	ActionLate = "late"
)

// ActionReminderPrefix is the claim-key prefix of the reminders of kind
// ([ActionDue] or [ActionLate]) of the actions due on the date due
// (YYYY-MM-DD); the backends' ActionsDue build the key in SQL too.
func ActionReminderPrefix(kind, due string) string { return "action-" + kind + ":" + due + ":" }

// Decision is one entry of a meeting's decision log.
type Decision struct {
	ID           int64
	MeetingID    int64
	MeetingTitle string // filled in by reads
	Text         string
	By           string // user ID
	ByName       string
	At           time.Time
}

// DecisionFilter selects decisions for [Meetings.Decisions].
type DecisionFilter struct {
	MeetingID int64     // 0: every meeting
	From, To  time.Time // At in [From, To); a zero bound is open
	Limit     int       // at most this many; 0: all
}

// MeetingRecord is a meeting in the export format: Agenda holds its open
// agenda items as [AgendaItem.Record] writes them, oldest first; Actions,
// Decisions and Skips are never null in an export.
type MeetingRecord struct {
	ID        int64            `json:"id"`
	Title     string           `json:"title"`
	Schedule  string           `json:"schedule"`
	Channel   string           `json:"channel"`
	Agenda    []string         `json:"agenda"`
	Actions   []ActionRecord   `json:"actions"`
	Decisions []DecisionRecord `json:"decisions"`
	Skips     []string         `json:"skips"` // YYYY-MM-DD, ascending
}

// ActionRecord is an action item in the export format (SPEC §10): every
// action, open and done, by id. Due and DoneAt are null when there is no
// due date and while it is open.
type ActionRecord struct {
	ID        int64      `json:"id"`
	Owner     string     `json:"owner"`
	Text      string     `json:"text"`
	Due       *string    `json:"due"`
	DoneAt    *time.Time `json:"done_at"`
	CreatedBy string     `json:"created_by"`
}

// DecisionRecord is a decision in the export format, oldest first.
type DecisionRecord struct {
	Text string    `json:"text"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
}
