package store

import (
	"errors"
	"fmt"
	"time"
)

// A claim is how the bot does something once however many instances run
// and however often they restart: whoever wants to post a recap, a
// meeting reminder or an SLA reminder first claims its key. A claim is
// held by its owner (an instance) for a lease, which the owner renews
// while the work runs; the work done, it is marked done and never claimed
// again. An owner that dies holding a claim loses it when the lease runs
// out, and another instance takes it over — so nothing stays "posting"
// for ever.
//
// One rule says whether earlier work may have been done: Attempts > 1.
// A takeover after a lease ran out counts on, and so does a claim given up
// with [Claims.ReleaseUnsure] (the work failed in a way that may still
// have reached Slack: the row stays, claimable at once). A claim given up
// with [Claims.Release] (the work surely failed) is deleted, so the next
// claim is a first attempt again. The owner of a claim with Attempts > 1
// checks whether the work was done before doing it.

// ErrLeaseLost is returned by [Claims.Done] and [Claims.Renew] when the
// lease ran out and another owner took the claim over.
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
// lead's SLA reminder ([SLA.Reminder], [Nudge.Key]); the backends'
// DueNudges build the key in SQL too.
const SLAReminderPrefix = "sla:"
