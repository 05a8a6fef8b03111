package store

import (
	"errors"
	"fmt"
	"time"
)

// A claim is how the bot does something once however many instances run
// and however often they restart: whoever wants to post a recap, a
// meeting reminder or an SLA reminder first claims its key. A claim is
// held by its owner (an instance) for a lease; the work done, it is marked
// done and never claimed again; the work failed, it is released for a later
// try. An owner that dies holding a claim loses it when the lease runs
// out, and another instance takes it over — so nothing stays "posting"
// for ever. A takeover is told (Attempts > 1) that the work may have been
// done already, so that it can check before doing it again.

// ErrLeaseLost is returned by [Claims.Done] when the lease ran out and
// another owner took the claim over.
var ErrLeaseLost = errors.New("store: claim lease lost")

// Claim states.
const (
	ClaimHeld = "held"
	ClaimDone = "done"
)

// Claim is a claim as stored.
type Claim struct {
	Key       string
	Owner     string
	State     string    // ClaimHeld or ClaimDone
	ClaimedAt time.Time // when Owner took it
	Expires   time.Time // when the lease runs out (held claims)
	Attempts  int       // how many times it was claimed; > 1 after a takeover
}

// ClaimsKept is how long done claims are kept before they are pruned; no
// timed job looks further back.
const ClaimsKept = 30 * 24 * time.Hour

// RecapKey is the claim key of the recap scheduled at t.
func RecapKey(t time.Time) string { return "recap:" + t.UTC().Format(time.RFC3339) }

// MeetingReminderKey is the claim key of the reminder of one occurrence
// (its start time) of a meeting.
func MeetingReminderKey(meetingID int64, occurrence time.Time) string {
	return fmt.Sprintf("meeting:%d:%s", meetingID, occurrence.UTC().Format(time.RFC3339))
}

// SLAReminderPrefix, followed by the lead's id, is the claim key of a
// lead's SLA reminder; the backends' DueReminders build it in SQL too.
const SLAReminderPrefix = "sla:"

// SLAReminderKey is the claim key of a lead's SLA reminder.
func SLAReminderKey(leadID int64) string { return fmt.Sprintf("%s%d", SLAReminderPrefix, leadID) }
