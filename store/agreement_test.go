package store

import (
	"errors"
	"testing"
	"time"
)

// signoffs builds an agreement by replaying steps as a backend would: each
// approval placed by [Agreement.Place], each edit a new version.
type step struct {
	user               string
	sales, marketing   bool
	dispute, edit      bool
	at                 time.Duration // after t0
	wantErr            error
	wantSide, wantFlip string
}

var t0 = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

func replay(t *testing.T, steps []step) Agreement {
	t.Helper()
	a := Agreement{Version: 1}
	for i, s := range steps {
		at := t0.Add(s.at)
		switch {
		case s.edit:
			a.Version++
		case s.dispute:
			a.Signoffs = append(a.Signoffs, Signoff{ID: int64(i + 1), Version: a.Version, User: s.user, Dispute: true, Reason: "no", At: at})
		default:
			side, flip, err := a.Place(s.user, s.sales, s.marketing)
			if !errors.Is(err, s.wantErr) {
				t.Fatalf("step %d: Place(%s) error = %v, want %v", i, s.user, err, s.wantErr)
			}
			if err != nil {
				continue
			}
			if s.wantSide != "" && side != s.wantSide {
				t.Fatalf("step %d: %s placed on %q, want %q", i, s.user, side, s.wantSide)
			}
			gotFlip := ""
			if flip != nil {
				gotFlip = flip.User
				flip.Side = other(flip.Side)
			}
			if gotFlip != s.wantFlip {
				t.Fatalf("step %d: flip = %q, want %q", i, gotFlip, s.wantFlip)
			}
			a.Signoffs = append(a.Signoffs, Signoff{ID: int64(i + 1), Version: a.Version, User: s.user, Side: side,
				Dual: s.sales && s.marketing, At: at})
		}
	}
	return a
}

func TestStanding(t *testing.T) {
	const day = 24 * time.Hour
	every := 90 * day
	sales := func(u string, at time.Duration) step { return step{user: u, sales: true, at: at} }
	mkt := func(u string, at time.Duration) step { return step{user: u, marketing: true, at: at} }
	both := func(u string, at time.Duration) step { return step{user: u, sales: true, marketing: true, at: at} }
	dispute := func(u string, at time.Duration) step { return step{user: u, dispute: true, at: at} }
	edit := step{edit: true}
	tests := []struct {
		name     string
		steps    []step
		now      time.Duration
		want     Status
		agreedAt time.Duration // -1: zero
		sales    string
		mkt      string
	}{
		{"new is draft", nil, 0, StatusDraft, -1, "", ""},
		{"sales approves", []step{sales("ana", 1)}, day, StatusWaitingMarketing, -1, "ana", ""},
		{"marketing approves", []step{mkt("mo", 1)}, day, StatusWaitingSales, -1, "", "mo"},
		{"both sides", []step{sales("ana", 1), mkt("mo", 2)}, day, StatusAgreed, 2, "ana", "mo"},
		{"two from one side", []step{sales("ana", 1), sales("bo", 2)}, day, StatusWaitingMarketing, -1, "bo", ""},
		{"one person on both sides counts once", []step{both("di", 1)}, day, StatusWaitingMarketing, -1, "di", ""},
		{"same person twice", []step{both("di", 1), both("di", 2)}, day, StatusWaitingMarketing, -1, "di", ""},
		{"dual then sales-only: dual moves to marketing",
			[]step{both("di", 1), {user: "ana", sales: true, at: 2, wantSide: SideSales, wantFlip: "di"}}, day, StatusAgreed, 2, "ana", "di"},
		{"dual then marketing-only", []step{both("di", 1), mkt("mo", 2)}, day, StatusAgreed, 2, "di", "mo"},
		{"dual then dual", []step{both("di", 1), {user: "ed", sales: true, marketing: true, at: 2, wantSide: SideMarketing}}, day, StatusAgreed, 2, "di", "ed"},
		{"sales then dual takes marketing", []step{sales("ana", 1), {user: "di", sales: true, marketing: true, at: 2, wantSide: SideMarketing}}, day, StatusAgreed, 2, "ana", "di"},
		{"dispute", []step{dispute("ana", 1)}, day, StatusDisputed, -1, "", ""},
		{"dispute after agreement", []step{sales("ana", 1), mkt("mo", 2), dispute("zed", 3)}, day, StatusDisputed, -1, "", ""},
		{"disputed then one side again", []step{sales("ana", 1), mkt("mo", 2), dispute("zed", 3), sales("ana", 4)}, day, StatusDisputed, -1, "ana", ""},
		{"disputed then both again", []step{dispute("zed", 1), sales("ana", 2), mkt("mo", 3)}, day, StatusAgreed, 3, "ana", "mo"},
		{"edit resets to draft", []step{sales("ana", 1), mkt("mo", 2), edit}, day, StatusDraft, -1, "", ""},
		{"edit clears a dispute", []step{dispute("zed", 1), edit}, day, StatusDraft, -1, "", ""},
		{"edit during a pending approval", []step{sales("ana", 1), edit, mkt("mo", 2)}, day, StatusWaitingSales, -1, "", "mo"},
		{"due for review", []step{sales("ana", 1), mkt("mo", 2)}, 2 + every, StatusDue, 2, "ana", "mo"},
		{"just before due", []step{sales("ana", 1), mkt("mo", 2)}, 2 + every - 1, StatusAgreed, 2, "ana", "mo"},
		{"both sides again before due renew it", []step{sales("ana", 1), mkt("mo", 2), sales("ana", 3), mkt("mo", 4)}, 2 + every, StatusAgreed, 4, "ana", "mo"},
		{"one side again does not", []step{sales("ana", 1), mkt("mo", 2), sales("ana", 3)}, 2 + every, StatusDue, 2, "ana", "mo"},
		{"a second review", []step{sales("ana", 1), mkt("mo", 2), sales("bo", every+2), mkt("mo", every+3)}, 2*every + 3, StatusDue, every + 3, "bo", "mo"},
		{"review renewed by one side only", []step{sales("ana", 1), mkt("mo", 2), sales("ana", every+10)}, every + 11, StatusDue, 2, "ana", "mo"},
		{"review renewed by both", []step{sales("ana", 1), mkt("mo", 2), sales("ana", every+10), mkt("mo", every+11)}, every + 12, StatusAgreed, every + 11, "ana", "mo"},
		{"dispute while due", []step{sales("ana", 1), mkt("mo", 2), dispute("zed", every+10)}, every + 11, StatusDisputed, -1, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := replay(t, tt.steps)
			st := a.Standing(t0.Add(tt.now), every)
			if st.Status != tt.want {
				t.Fatalf("status = %q, want %q", st.Status, tt.want)
			}
			wantAt := time.Time{}
			if tt.agreedAt >= 0 {
				wantAt = t0.Add(tt.agreedAt)
			}
			if !st.AgreedAt.Equal(wantAt) {
				t.Errorf("AgreedAt = %v, want %v", st.AgreedAt, wantAt)
			}
			if !wantAt.IsZero() && !st.DueAt.Equal(wantAt.Add(every)) {
				t.Errorf("DueAt = %v, want %v", st.DueAt, wantAt.Add(every))
			}
			user := func(s *Signoff) string {
				if s == nil {
					return ""
				}
				return s.User
			}
			if st.Status != StatusDisputed && (user(st.Sales) != tt.sales || user(st.Marketing) != tt.mkt) {
				t.Errorf("sales, marketing = %q, %q; want %q, %q", user(st.Sales), user(st.Marketing), tt.sales, tt.mkt)
			}
			if (st.Status == StatusDisputed) != (st.Dispute != nil) {
				t.Errorf("Dispute = %+v with status %q", st.Dispute, st.Status)
			}
			if st.Sales != nil && st.Marketing != nil && st.Sales.User == st.Marketing.User {
				t.Errorf("one person (%s) counted for both sides", st.Sales.User)
			}
		})
	}
}

func TestPlaceRefusesNeitherSide(t *testing.T) {
	a := Agreement{Version: 1}
	if _, _, err := a.Place("nobody", false, false); !errors.Is(err, ErrNoSide) {
		t.Fatalf("Place(neither) error = %v, want ErrNoSide", err)
	}
}

func TestNoReviewWhenEveryIsZero(t *testing.T) {
	a := replay(t, []step{{user: "ana", sales: true}, {user: "mo", marketing: true}})
	if st := a.Standing(t0.Add(1000*24*time.Hour), 0); st.Status != StatusAgreed || !st.DueAt.IsZero() {
		t.Fatalf("standing = %+v, want agreed and never due", st)
	}
}

func TestApproved(t *testing.T) {
	every := 10 * time.Hour
	a := replay(t, []step{{user: "ana", sales: true, at: time.Hour}, {user: "mo", marketing: true, at: 2 * time.Hour}})
	tests := []struct {
		user string
		now  time.Duration
		want bool
	}{
		{"ana", 3 * time.Hour, true},
		{"mo", 3 * time.Hour, true},
		{"zed", 3 * time.Hour, false},
		{"ana", 13 * time.Hour, false}, // due: asked again
	}
	for _, tt := range tests {
		if got := a.Approved(tt.user, t0.Add(tt.now), every); got != tt.want {
			t.Errorf("Approved(%s, +%v) = %v, want %v", tt.user, tt.now, got, tt.want)
		}
	}
	a.Version++
	if a.Approved("ana", t0.Add(3*time.Hour), every) {
		t.Error("an approval of the previous version counts for the new one")
	}
	if got := a.Approvers(1); len(got) != 2 || got[0].User != "ana" || got[1].User != "mo" {
		t.Errorf("Approvers(1) = %+v, want ana and mo", got)
	}
}

func TestReviewKeyDiffersPerAgreement(t *testing.T) {
	ref := Ref{Kind: KindTerm, ID: 7}
	a, b := ReviewKey(ref, 2, t0), ReviewKey(ref, 2, t0.Add(time.Second))
	if a == b || a == ReviewKey(Ref{Kind: KindPersona, ID: 7}, 2, t0) || a == ReviewKey(ref, 3, t0) {
		t.Fatalf("review keys collide: %s, %s", a, b)
	}
}
