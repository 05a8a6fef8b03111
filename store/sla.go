package store

import (
	"context"
	"fmt"
	"math"
	"time"
)

// SLAClock is the clock the lead SLA runs on: business hours and holidays
// (schedules/businesshours implements it), or always. Reminders,
// escalation, "% within SLA" and the time to first feedback all measure
// time with it, through [SLA].
type SLAClock interface {
	// Add returns the instant d of clock time after t (before t when d is
	// negative): the first instant, walking from t, at which |d| of time
	// the clock runs has passed. Add(t, 0) is t.
	Add(t time.Time, d time.Duration) time.Time
	// Between returns the clock time in [from, to): 0 unless to is after
	// from.
	Between(from, to time.Time) time.Duration
}

// SLA is how soon sales should give a lead feedback (SMARKETING_SLA), on
// its clock (SMARKETING_BUSINESS_HOURS, SMARKETING_HOLIDAYS).
type SLA struct {
	Within time.Duration
	Clock  SLAClock // nil: the wall clock, always running
}

// Add returns the instant d of SLA time after t (before, for d < 0).
func (s SLA) Add(t time.Time, d time.Duration) time.Time {
	if s.Clock == nil {
		return t.Add(d)
	}
	return s.Clock.Add(t, d)
}

// Elapsed returns the SLA time between from and to (0 if to is earlier).
func (s SLA) Elapsed(from, to time.Time) time.Duration {
	if s.Clock == nil {
		return max(to.Sub(from), 0)
	}
	return s.Clock.Between(from, to)
}

// Due returns when the SLA of a lead posted at posted runs out.
func (s SLA) Due(posted time.Time) time.Time { return s.Add(posted, s.Within) }

// Met reports whether feedback given at first on a lead posted at posted
// came within the SLA.
func (s SLA) Met(posted, first time.Time) bool { return s.Elapsed(posted, first) <= s.Within }

// Reminder is the SLA reminder: once, when the SLA of an unrated lead ran
// out (SPEC §5).
func (s SLA) Reminder() Nudge {
	return Nudge{Prefix: SLAReminderPrefix, After: s.Within, Clock: s.Clock}
}

// Escalation is the escalation: once, at twice the SLA (SPEC §9).
func (s SLA) Escalation() Nudge {
	return Nudge{Prefix: EscalationPrefix, After: 2 * s.Within, Clock: s.Clock}
}

// Nudge is a message due once in the thread of a lead nobody has rated
// when After of SLA time has passed since it was posted.
type Nudge struct {
	// Prefix, followed by the lead's id, is the claim key of the nudge
	// of each lead ([SLAReminderPrefix], [EscalationPrefix]).
	Prefix string
	After  time.Duration
	Clock  SLAClock // nil: the wall clock
}

// Key is the claim key of the nudge of a lead.
func (n Nudge) Key(leadID int64) string { return fmt.Sprintf("%s%d", n.Prefix, leadID) }

// Due returns when the nudge of a lead posted at posted falls due.
func (n Nudge) Due(posted time.Time) time.Time {
	return SLA{Within: n.After, Clock: n.Clock}.Due(posted)
}

// PostedBy returns the latest posting time whose nudge is due at t: a lead
// posted at or before it is due, one posted after it is not (the SLA
// clock is monotone, so this one bound selects in SQL).
func (n Nudge) PostedBy(t time.Time) time.Time {
	return SLA{Clock: n.Clock}.Add(t, -n.After)
}

// EscalationPrefix, followed by the lead's id, is the claim key of a
// lead's escalation.
const EscalationPrefix = "escalation:"

// NudgeMaxAge is how long after it fell due a nudge is still sent: after
// a long downtime, or for imported old leads, older ones are left alone.
const NudgeMaxAge = 7 * 24 * time.Hour

// The commitments of the two-way SLA (SPEC §9).
const (
	SLALeads  = "leads"  // marketing delivers this many leads a week
	SLAGood   = "good"   // marketing: this share (%) of the ratings good or hot
	SLAWithin = "within" // sales: rates this share (%) of leads within SMARKETING_SLA
)

// SLANames are the commitments, in the order they are shown.
var SLANames = []string{SLALeads, SLAGood, SLAWithin}

// SLATarget is a commitment of the two-way SLA as it was set.
type SLATarget struct {
	Name   string  // one of [SLANames]
	Target float64 // leads per week, or a percentage (0–100)
	SetBy  string  // the user ID of who set it
	// SetByName is their display name when known (not exported).
	SetByName string
	SetAt     time.Time
}

// Check returns a [*RecordError] unless t names a commitment and a
// target it can have: leads a whole number from 0 to 100,000, a share
// from 0 to 100.
func (t SLATarget) Check() error {
	switch t.Name {
	case SLALeads:
		if t.Target < 0 || t.Target > 100_000 || t.Target != float64(int64(t.Target)) {
			return &RecordError{fmt.Sprintf("sla leads target %v must be a whole number from 0 to 100000", t.Target)}
		}
	case SLAGood, SLAWithin:
		if t.Target < 0 || t.Target > 100 || math.IsNaN(t.Target) {
			return &RecordError{fmt.Sprintf("sla %s target %v must be a percentage from 0 to 100", t.Name, t.Target)}
		}
	default:
		return &RecordError{fmt.Sprintf("sla %q is not leads, good or within", t.Name)}
	}
	return nil
}

// LatestTargets returns, of history (newest first, as
// [Commitments.SLAHistory] has it), the latest target of each commitment
// it holds, in the order of [SLANames].
func LatestTargets(history []SLATarget) []SLATarget {
	var out []SLATarget
	for _, name := range SLANames {
		for _, t := range history {
			if t.Name == name {
				out = append(out, t)
				break
			}
		}
	}
	return out
}

// SLARecord is a change of a commitment in the export format.
type SLARecord struct {
	Name   string    `json:"name"`
	Target float64   `json:"target"`
	SetBy  string    `json:"set_by"`
	SetAt  time.Time `json:"set_at"`
}

// Commitments are the targets of the two-way SLA, with their history.
type Commitments interface {
	// SetSLATarget records a new target for t.Name, set at the store's
	// now; a [*RecordError] for a target [SLATarget.Check] refuses.
	SetSLATarget(ctx context.Context, t SLATarget) (SLATarget, error)
	// SLATargets returns the current target of each commitment ever set,
	// in the order of [SLANames].
	SLATargets(ctx context.Context) ([]SLATarget, error)
	// SLATargetsAt returns the targets in force at t (the latest set at
	// or before t), in the order of [SLANames].
	SLATargetsAt(ctx context.Context, t time.Time) ([]SLATarget, error)
	// SLAHistory returns every change, newest first.
	SLAHistory(ctx context.Context) ([]SLATarget, error)
}
