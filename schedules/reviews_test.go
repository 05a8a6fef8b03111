package schedules

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"smarketing/commands"
	"smarketing/store"
	"smarketing/store/storetest"
)

type bothSides struct{}

func (bothSides) SideOf(user string) (sales, marketing bool) { return user == "UANA", user == "UMO" }

func (bothSides) Configured() (sales, marketing bool) { return true, true }

// The review timer: due exactly every after the agreement, the owner told
// once however often the job runs, and again only after a new agreement
// falls due in its turn.
func TestReviewsTellTheOwnerOnce(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	db := storetest.Open(t, start)
	every := 30 * 24 * time.Hour
	h := commands.New(db, commands.Options{Location: time.UTC, Sides: bothSides{}, Now: db.Clock.Now, ReviewEvery: every})
	term, err := db.AddTerm(ctx, store.Term{Name: "ICP", Definition: "Ideal customer profile"}, store.Actor{ID: "UEVE", Name: "Eve"})
	if err != nil {
		t.Fatal(err)
	}
	ref := store.Ref{Kind: store.KindTerm, ID: term.ID}
	for _, u := range []struct {
		id               string
		sales, marketing bool
	}{{"UANA", true, false}, {"UMO", false, true}} {
		if _, err := db.SignOff(ctx, ref, store.Signoff{Version: 1, User: u.id}, u.sales, u.marketing); err != nil {
			t.Fatal(err)
		}
	}
	p := &markPoster{}
	job := &Reviews{Store: db, Once: Once{Store: db, Owner: "test"}, Messages: h, Poster: p, Every: every}

	next, err := job.Next(ctx, start)
	if err != nil || !next.Equal(start.Add(every)) {
		t.Fatalf("Next = %v, %v; want %v", next, err, start.Add(every))
	}
	// Before it is due: nothing.
	if err := job.Run(ctx, start.Add(every-time.Second)); err != nil || len(p.posts) != 0 {
		t.Fatalf("before due: %d posts, %v", len(p.posts), err)
	}
	// Due: one DM to the owner, however often the timer fires.
	db.Clock.Set(start.Add(every))
	for i := 0; i < 3; i++ {
		if err := job.Run(ctx, start.Add(every+time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if len(p.posts) != 1 || p.posts[0].channel != "UEVE" || !strings.Contains(p.posts[0].msg.Text, "due for review (every 30 days)") {
		t.Fatalf("posts = %+v, want one DM to UEVE", p.posts)
	}
	if next, err := job.Next(ctx, start.Add(every)); err != nil || !next.IsZero() {
		t.Fatalf("Next once due = %v, %v; want none", next, err)
	}
	// Both sides approve again: the next review is due every after that.
	renewed := start.Add(every + time.Hour)
	db.Clock.Set(renewed)
	for _, u := range []string{"UANA", "UMO"} {
		if _, err := db.SignOff(ctx, ref, store.Signoff{Version: 1, User: u}, u == "UANA", u == "UMO"); err != nil {
			t.Fatal(err)
		}
	}
	if next, err := job.Next(ctx, renewed); err != nil || !next.Equal(renewed.Add(every)) {
		t.Fatalf("Next after the review = %v, %v; want %v", next, err, renewed.Add(every))
	}
	db.Clock.Set(renewed.Add(every))
	if err := job.Run(ctx, renewed.Add(every)); err != nil || len(p.posts) != 2 {
		t.Fatalf("second review: %d posts, %v", len(p.posts), err)
	}
}

// A DM whose first attempt may have reached Slack is not sent again (it
// cannot be looked up without im:history); one that surely failed is.
func TestReviewDMAtMostOnceWhenUnsure(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		fail  error
		posts int
	}{
		{"unsure", errors.New("context deadline exceeded"), 1},
		{"surely not posted", refusedError{}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := storetest.Open(t, start)
			every := 24 * time.Hour
			h := commands.New(db, commands.Options{Location: time.UTC, Sides: bothSides{}, Now: db.Clock.Now, ReviewEvery: every})
			p, err := db.AddPersona(ctx, store.Persona{Name: "Sally", Summary: "Busy"}, store.Actor{ID: "UEVE"})
			if err != nil {
				t.Fatal(err)
			}
			ref := store.Ref{Kind: store.KindPersona, ID: p.ID}
			db.SignOff(ctx, ref, store.Signoff{Version: 1, User: "UANA"}, true, false)
			db.SignOff(ctx, ref, store.Signoff{Version: 1, User: "UMO"}, false, true)
			poster := &markPoster{after: func(call int) error {
				if call == 1 {
					return tc.fail
				}
				return nil
			}}
			job := &Reviews{Store: db, Once: Once{Store: db, Owner: "test", Lease: time.Millisecond}, Messages: h, Poster: poster, Every: every}
			db.Clock.Set(start.Add(every))
			_ = job.Run(ctx, start.Add(every)) // the first attempt fails
			db.Clock.Set(start.Add(every + time.Minute))
			if err := job.Run(ctx, start.Add(every+time.Minute)); err != nil {
				t.Fatal(err)
			}
			if err := job.Run(ctx, start.Add(every+2*time.Minute)); err != nil {
				t.Fatal(err)
			}
			if calls, _, _ := poster.counts(); calls != tc.posts {
				t.Fatalf("post attempts = %d, want %d", calls, tc.posts)
			}
		})
	}
}
