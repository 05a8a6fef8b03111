package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Agreed definitions (SPEC §8): every term and persona has a version (one
// more with each edit) and a status that follows from the approvals and
// disputes of that version. The rules live here once, as pure functions
// of an [Agreement]; the backends store the sign-offs and call them.

// The sides of the company an approval counts for.
const (
	SideSales     = "sales"
	SideMarketing = "marketing"
)

// The kinds of record both sides agree on.
const (
	KindTerm    = "term"
	KindPersona = "persona"
)

// Status is where a version stands, in the words of SPEC §8.
type Status string

const (
	StatusDraft            Status = "draft"
	StatusWaitingSales     Status = "waiting for sales"
	StatusWaitingMarketing Status = "waiting for marketing"
	StatusAgreed           Status = "agreed"
	StatusDisputed         Status = "disputed"
	StatusDue              Status = "due for review"
)

// DefaultReviewEvery is how long an agreed version stays verified when
// SMARKETING_REVIEW_EVERY is not set.
const DefaultReviewEvery = 90 * 24 * time.Hour

// Signoff is one approval or one dispute of one version of a record.
type Signoff struct {
	ID       int64 // in the order they were made
	Version  int
	User     string
	UserName string
	// Side is the side an approval counts for (SideSales or
	// SideMarketing); empty for a dispute.
	Side string
	// Dual marks an approval by someone on both sides: it counts for one
	// side only, and moves to the other one if that lets a second person
	// complete the pair (see [Agreement.Place]).
	Dual    bool
	Dispute bool
	Reason  string // why, for a dispute
	At      time.Time
}

// Agreement is what a term or persona carries about being agreed.
type Agreement struct {
	// Version is the current version: 1 when added, one more each edit.
	Version int
	// Owner is who answers for it (gets the review and dispute DMs);
	// empty means its creator.
	Owner     string
	OwnerName string
	// Signoffs are every approval and dispute of every version, oldest
	// first: an edit keeps them, it only makes them history.
	Signoffs []Signoff
}

// Standing is what an [Agreement] amounts to at a time.
type Standing struct {
	Status Status
	// Sales and Marketing are the approvals of the current version that
	// count for each side (the latest of each, made by two different
	// people), nil where that side has none.
	Sales, Marketing *Signoff
	// Dispute is the dispute in force (Status disputed), else nil.
	Dispute *Signoff
	// AgreedAt is when the current version was last agreed: the approval
	// that made the pair (a sales and a marketing approval by two people),
	// at first or at its latest review. It is the reviewed_at of the
	// export; zero unless Status is agreed or due for review.
	AgreedAt time.Time
	// DueAt is when it becomes (or became) due for review: AgreedAt plus
	// the review period; zero when AgreedAt is.
	DueAt time.Time
}

// round returns the signoffs of the current version made since its latest
// dispute, oldest first, and that dispute (nil if none).
func (a Agreement) round() (approvals []Signoff, dispute *Signoff) {
	for i := range a.Signoffs {
		s := &a.Signoffs[i]
		if s.Version != a.Version {
			continue
		}
		if s.Dispute {
			approvals, dispute = nil, s
			continue
		}
		approvals = append(approvals, *s)
	}
	return approvals, dispute
}

// latestByUser keeps each user's latest approval of a round: one person's
// approval counts once, for one side.
func latestByUser(approvals []Signoff) []Signoff {
	at := map[string]int{}
	var out []Signoff
	for _, s := range approvals {
		if i, ok := at[s.User]; ok {
			out[i] = s
			continue
		}
		at[s.User] = len(out)
		out = append(out, s)
	}
	return out
}

// pair returns the latest approval of each side among approvals, counting
// each user's latest one only (so the two are by different people).
func pair(approvals []Signoff) (sales, marketing *Signoff) {
	for _, s := range latestByUser(approvals) {
		s := s
		switch s.Side {
		case SideSales:
			sales = &s
		case SideMarketing:
			marketing = &s
		}
	}
	return sales, marketing
}

// cycle is one pass at agreeing on the current version: the approvals
// made since the last pair (or since the round began), and when they
// made a pair themselves.
type cycle struct {
	approvals []Signoff
	agreedAt  time.Time // zero: no pair yet
}

// cycles splits a round's approvals into the last agreement reached (a
// sales and a marketing approval by two people; agreedAt zero if none)
// and the approvals made since, not yet a pair. A review is both sides
// approving again after an agreement: that pair is the new agreement.
func cycles(approvals []Signoff) (done, open cycle) {
	for _, s := range approvals {
		open.approvals = append(open.approvals, s)
		if sales, marketing := pair(open.approvals); sales != nil && marketing != nil {
			open.agreedAt = s.At
			done, open = open, cycle{}
		}
	}
	return done, open
}

// Standing returns where the current version stands at now, when an agreed
// version is due for review after every (never if every <= 0).
func (a Agreement) Standing(now time.Time, every time.Duration) Standing {
	approvals, dispute := a.round()
	done, open := cycles(approvals)
	var st Standing
	if !done.agreedAt.IsZero() {
		st.Sales, st.Marketing = pair(done.approvals)
		st.AgreedAt, st.Status = done.agreedAt, StatusAgreed
		if every > 0 {
			st.DueAt = done.agreedAt.Add(every)
			if !now.Before(st.DueAt) {
				st.Status = StatusDue
			}
		}
		return st
	}
	st.Sales, st.Marketing = pair(open.approvals)
	switch {
	case dispute != nil:
		st.Status, st.Dispute = StatusDisputed, dispute
	case st.Sales != nil:
		st.Status = StatusWaitingMarketing
	case st.Marketing != nil:
		st.Status = StatusWaitingSales
	default:
		st.Status = StatusDraft
	}
	return st
}

// Approved reports whether user has approved the current version in the
// way that counts now: in the agreement it reached while that holds; else
// (not agreed yet, or due for review) since its latest dispute or its
// last agreement — a review asks both sides again.
func (a Agreement) Approved(user string, now time.Time, every time.Duration) bool {
	approvals, _ := a.round()
	done, open := cycles(approvals)
	in := open.approvals
	if st := a.Standing(now, every); st.Status == StatusAgreed {
		in = done.approvals
	}
	for _, s := range in {
		if s.User == user {
			return true
		}
	}
	return false
}

// Approvers returns the people who approved version v, each once, in the
// order of their first approval of it.
func (a Agreement) Approvers(v int) []Signoff {
	seen := map[string]bool{}
	var out []Signoff
	for _, s := range a.Signoffs {
		if s.Version == v && !s.Dispute && !seen[s.User] {
			seen[s.User] = true
			out = append(out, s)
		}
	}
	return out
}

// ErrNoSide is returned for an approval by someone on neither side.
var ErrNoSide = errors.New("store: the approver is on neither side")

// VersionError reports a sign-off of a version that is no longer the
// current one (an old card's button): nothing was recorded.
type VersionError struct {
	Asked, Current int
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("store: version %d is not the current version (%d)", e.Asked, e.Current)
}

// Place decides the side an approval of the current version by user counts
// for, given the sides user is on: the only one; for someone on both, the
// side no one else has approved yet (sales first, or the side of their own
// earlier approval in this round). flip, if not nil, is an earlier approval
// of this round by someone on both sides that must move to the other side
// so that this approval completes the pair: two people, one per side,
// whatever order they approved in. It returns [ErrNoSide] for someone on
// neither side.
func (a Agreement) Place(user string, sales, marketing bool) (side string, flip *Signoff, err error) {
	if !sales && !marketing {
		return "", nil, ErrNoSide
	}
	approvals, _ := a.round()
	others := latestByUser(approvals)
	covered := map[string][]Signoff{} // by others, per side
	own := ""
	for _, s := range others {
		if s.User == user {
			own = s.Side
			continue
		}
		covered[s.Side] = append(covered[s.Side], s)
	}
	switch {
	case sales && marketing:
		switch {
		case own != "" && len(covered[other(own)]) == 0 && len(covered[own]) > 0:
			side = other(own) // someone else took our side meanwhile
		case own != "":
			side = own
		case len(covered[SideSales]) == 0:
			side = SideSales
		case len(covered[SideMarketing]) == 0:
			side = SideMarketing
		default:
			side = SideSales
		}
		return side, nil, nil
	case sales:
		side = SideSales
	default:
		side = SideMarketing
	}
	if len(covered[other(side)]) > 0 {
		return side, nil, nil
	}
	// The other side has no one. If everyone on our side is on both
	// sides, one of them moves over (the latest), and the pair is made.
	mine := covered[side]
	if len(mine) == 0 {
		return side, nil, nil
	}
	for _, s := range mine {
		if !s.Dual {
			return side, nil, nil
		}
	}
	f := mine[len(mine)-1]
	for i := range a.Signoffs {
		if a.Signoffs[i].ID == f.ID {
			return side, &a.Signoffs[i], nil
		}
	}
	return side, nil, nil
}

func other(side string) string {
	if side == SideSales {
		return SideMarketing
	}
	return SideSales
}

// Ref names a term or a persona.
type Ref struct {
	Kind string // KindTerm or KindPersona
	ID   int64
}

// DueReview is an agreed term or persona that became due for review.
type DueReview struct {
	Ref
	Name      string
	Version   int
	Owner     string // the owner, or the creator if it has none
	AgreedAt  time.Time
	DueAt     time.Time
	CreatedBy string
}

// ReviewKey is the claim that its owner is told once that version of ref,
// agreed at agreedAt, is due for review.
func ReviewKey(ref Ref, version int, agreedAt time.Time) string {
	return fmt.Sprintf("review:%s:%d:v%d:%d", ref.Kind, ref.ID, version, agreedAt.UnixNano())
}

// Agreements are the sign-offs of terms and personas.
type Agreements interface {
	// SignOff records an approval (s.Dispute false) or a dispute (with
	// s.Reason) of version s.Version of ref by s.User at the store's now,
	// and returns the record's agreement as it then stands. An approval
	// counts for the side [Agreement.Place] decides from sales and
	// marketing (the sides s.User is on); s.Side is ignored. It returns
	// [ErrNotFound], a [*VersionError] if s.Version is not the current
	// version, or [ErrNoSide] for an approval by someone on neither side,
	// recording nothing.
	SignOff(ctx context.Context, ref Ref, s Signoff, sales, marketing bool) (Agreement, error)
	// SetOwner makes owner who answers for ref, or returns [ErrNotFound].
	SetOwner(ctx context.Context, ref Ref, owner Actor) error
	// DueReviews returns up to limit terms and personas (terms first,
	// then by id) whose current version became due for review at or
	// before now (agreed at least every ago), whose owner has not been
	// told ([ReviewKey] neither done nor held by a live lease).
	DueReviews(ctx context.Context, now time.Time, every time.Duration, limit int) ([]DueReview, error)
	// NextReviewDue returns the earliest time after now at which an
	// agreed current version becomes due for review; zero if none will.
	NextReviewDue(ctx context.Context, now time.Time, every time.Duration) (time.Time, error)
}
