package store

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Rating is a user's verdict on a lead.
type Rating string

// The ratings of SPEC §5.
const (
	Good Rating = "good"
	Poor Rating = "poor"
	Hot  Rating = "hot"
)

// Lead is a top-level post in a leads channel.
type Lead struct {
	ID       int64
	Channel  string
	TS       string // Slack message timestamp, the message's id in its channel
	Text     string
	PostedBy string // user ID, or the app or integration's name
	PostedAt time.Time
	Deleted  bool
	// Source and Campaign say where the lead came from (SPEC §9), found
	// by [LeadOrigin]; Source is never "" once stored ([ManualSource]).
	Source   string
	Campaign string
}

// TSTime converts a Slack message timestamp ("1732400000.000100") to a time.
func TSTime(ts string) (time.Time, bool) {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || s < 0 {
		return time.Time{}, false
	}
	var micros int64
	if frac != "" {
		frac = (frac + "000000")[:6]
		if micros, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return time.Time{}, false
		}
	}
	return time.Unix(s, micros*1000).UTC(), true
}

// Reaction is a rating emoji added to or removed from a message.
type Reaction struct {
	Channel, TS string // the message
	User        string
	Emoji       string
	Rating      Rating
	Added       bool
	At          time.Time
	// Ignore marks an added reaction whose rater may not rate leads (not
	// on the sales side while one is configured): it is not stored and
	// counts nowhere, and the result only says whether the message is a
	// known lead. A removal is never ignored: it withdraws only what was
	// stored.
	Ignore bool
}

// ReactResult says what a reaction did.
type ReactResult struct {
	LeadID int64 // 0 when nothing was recorded
	// Verified is false when the message was not known as a lead: it must
	// be fetched and passed to [DB.VerifyLead].
	Verified bool
	Rating   Rating // the user's rating after the reaction; "" for none
	// AskReason reports whether the user's rating just became poor.
	AskReason bool
	// Ignored reports an added reaction that was not stored: marked
	// Ignore, or by the lead's own poster (ByPoster), whose rating never
	// counts. A reaction on a message not verified yet is stored until
	// [DB.VerifyLead] learns its poster, which then drops the poster's.
	Ignored, ByPoster bool
}

// ReasonCount is how often one reason was given for poor ratings.
type ReasonCount struct {
	Reason string // "" when the rater gave none
	Count  int
}

// LeadStats are the lead-feedback figures for the leads posted in
// [From, To), as of Now.
type LeadStats struct {
	From, To, Now time.Time
	SLA           time.Duration // SLA.Within of the figures
	// Value is the source or campaign the figures are for, from
	// [Leads.LeadStatsBy]; "" for all leads.
	Value string

	Posted int // leads posted (deleted ones left out)
	Rated  int // of them, rated by at least one person now
	Hot    int // of them, rated hot by at least one person

	Ratings             int // ratings given, one per person per lead
	Good, Poor, HotVote int // ratings by kind

	Reasons []ReasonCount // why poor, most given first

	// FirstFeedback holds, for each lead that got feedback, how long after
	// posting the first came on the SLA clock ([SLA.Elapsed]: business
	// time only, with business hours), shortest first.
	FirstFeedback []time.Duration
	// SLADue counts the leads whose SLA has run out or that got feedback;
	// WithinSLA those of them whose first feedback came within the SLA
	// (on the SLA clock).
	SLADue, WithinSLA int
}

// CountRatings adds n ratings of rating (for poor ones, with reason) to s.
// Backends call it for each group of ratings they count, then SortReasons.
func (s *LeadStats) CountRatings(rating Rating, reason string, n int) {
	s.Ratings += n
	switch rating {
	case Good:
		s.Good += n
	case Hot:
		s.HotVote += n
	case Poor:
		s.Poor += n
		s.Reasons = append(s.Reasons, ReasonCount{Reason: reason, Count: n})
	}
}

// SortReasons orders the reasons most given first, then by name.
func (s *LeadStats) SortReasons() {
	slices.SortFunc(s.Reasons, func(a, b ReasonCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Reason, b.Reason)
	})
}

// Waiting returns how many leads have no rating.
func (s LeadStats) Waiting() int { return s.Posted - s.Rated }

// MedianFirstFeedback returns the median time to first feedback, and false
// when no lead got any.
func (s LeadStats) MedianFirstFeedback() (time.Duration, bool) {
	n := len(s.FirstFeedback)
	if n == 0 {
		return 0, false
	}
	if n%2 == 1 {
		return s.FirstFeedback[n/2], true
	}
	return (s.FirstFeedback[n/2-1] + s.FirstFeedback[n/2]) / 2, true
}

// GoodShare returns the share (0–1) of ratings that are good or hot, and
// false when there are none.
func (s LeadStats) GoodShare() (float64, bool) {
	if s.Ratings == 0 {
		return 0, false
	}
	return float64(s.Good+s.HotVote) / float64(s.Ratings), true
}

// SLAShare returns the share (0–1) of due leads that got feedback within the
// SLA, and false when none is due yet.
func (s LeadStats) SLAShare() (float64, bool) {
	if s.SLADue == 0 {
		return 0, false
	}
	return float64(s.WithinSLA) / float64(s.SLADue), true
}

// LeadField is what [Leads.LeadStatsBy] groups leads by.
type LeadField string

// The fields leads are grouped by.
const (
	BySource   LeadField = "source"
	ByCampaign LeadField = "campaign"
)

// Returned is a lead returned to marketing: rated poor, with a reason.
type Returned struct {
	Lead   Lead
	User   string // who rated it poor
	Reason string // as stored: a reason id, or "other: TEXT"
	At     time.Time
}

// Event is a change to the leads that arrives from Slack. Exactly one of
// Lead, Edit, Delete and React is set.
type Event struct {
	ID     string    `json:"id,omitempty"` // Slack's event id: a redelivery changes nothing; "" always applies
	Lead   *Lead     `json:"lead,omitempty"`
	Edit   *LeadEdit `json:"edit,omitempty"`
	Delete *LeadRef  `json:"delete,omitempty"`
	React  *Reaction `json:"react,omitempty"`
}

// LeadEdit is a lead's new text, with the source and campaign found in
// the edited post ([LeadOrigin]).
type LeadEdit struct{ Channel, TS, Text, Source, Campaign string }

// LeadRef names a lead by its message.
type LeadRef struct{ Channel, TS string }

// Check returns an error unless ev carries exactly one change.
func (ev Event) Check() error {
	n := 0
	for _, set := range []bool{ev.Lead != nil, ev.Edit != nil, ev.Delete != nil, ev.React != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("store: event %q must carry exactly one change, has %d", ev.ID, n)
	}
	return nil
}

// EventResult is what applying an event did.
type EventResult struct {
	Applied bool // false for an event id applied before (a redelivery), or skipped
	// Skipped reports a poison event: the database refused it (a
	// constraint), so it was recorded as failed and left out; it is
	// acknowledged all the same, since a redelivery would fail again.
	Skipped bool
	React   ReactResult // for a reaction
}

// SeenEventsKept is how long applied event ids are remembered: Slack
// retries for minutes, not days.
const SeenEventsKept = 24 * time.Hour
