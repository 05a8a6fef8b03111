package schedules

import (
	"context"
	"strings"
	"testing"
	"time"

	"smarketing/commands"
	"smarketing/store"
	"smarketing/store/storetest"
)

// actionEnv is a store, a handler in Berlin and the action reminder job.
type actionEnv struct {
	db     *storetest.DB
	poster *meetingPoster
	job    *ActionReminders
	loc    *time.Location
}

func newActionEnv(tb testing.TB) *actionEnv {
	tb.Helper()
	db := storetest.OpenDSN(tb, storetest.DSN(tb), created)
	loc := berlinLoc(tb)
	h := commands.New(db, commands.Options{Location: loc, RecapChannel: "CRECAP1"})
	p := &meetingPoster{}
	return &actionEnv{db: db, poster: p, loc: loc,
		job: &ActionReminders{Store: db, Once: Once{Store: db, Owner: "test"}, Messages: h, Poster: p, Location: loc}}
}

// add stores an action of a new meeting, created at the store clock.
func (e *actionEnv) add(tb testing.TB, owner, text, due string) store.Action {
	tb.Helper()
	ctx := context.Background()
	m, err := e.db.AddMeeting(ctx, store.Meeting{Title: "Pipeline review", Schedule: "0 10 * * TUE", Channel: "CSALES"}, store.Actor{ID: "UANN", Name: "Ann"})
	if err != nil {
		tb.Fatal(err)
	}
	a, err := e.db.AddAction(ctx, store.Action{MeetingID: m.ID, Owner: owner, OwnerName: "Bob", Text: text, Due: due}, store.Actor{ID: "UANN", Name: "Ann"})
	if err != nil {
		tb.Fatalf("AddAction: %v", err)
	}
	return a
}

func (e *actionEnv) at(_ testing.TB, y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, e.loc)
}

// TestActionReminders: one DM at 09:00 on the due day and one the day
// after while open, each exactly once however often the job runs; none
// before 09:00, none for a done action, none for one without a due date,
// and Next says when the next is due.
func TestActionReminders(t *testing.T) {
	e := newActionEnv(t)
	ctx := context.Background()
	e.add(t, "UBOB", "Send the pricing deck", "2026-12-11") // a Friday
	e.add(t, "UBOB", "No due date", "")
	done := e.add(t, "UCAROL", "Done before it was due", "2026-12-11")
	if _, err := e.db.CloseAction(ctx, done.ID, store.Actor{ID: "UCAROL"}); err != nil {
		t.Fatal(err)
	}

	if next, err := e.job.Next(ctx, e.at(t, 2026, 12, 10, 15, 0)); err != nil || !next.Equal(e.at(t, 2026, 12, 11, 9, 0)) {
		t.Fatalf("Next on Thu = %v, %v; want Fri 09:00", next, err)
	}
	for _, now := range []time.Time{e.at(t, 2026, 12, 10, 23, 0), e.at(t, 2026, 12, 11, 8, 59)} {
		if err := e.job.Run(ctx, now); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(e.poster.all()); n != 0 {
		t.Fatalf("%d DMs before 09:00 on the due day", n)
	}
	for _, now := range []time.Time{e.at(t, 2026, 12, 11, 9, 0), e.at(t, 2026, 12, 11, 9, 1), e.at(t, 2026, 12, 11, 17, 0)} {
		if err := e.job.Run(ctx, now); err != nil {
			t.Fatal(err)
		}
	}
	posts := e.poster.all()
	if len(posts) != 1 || posts[0].channel != "UBOB" || !strings.Contains(posts[0].msg.Text, "Due today") || !strings.Contains(posts[0].msg.Text, "Send the pricing deck") {
		t.Fatalf("due-day DMs = %+v, want one to UBOB saying it is due today", posts)
	}
	if next, err := e.job.Next(ctx, e.at(t, 2026, 12, 11, 9, 30)); err != nil || !next.Equal(e.at(t, 2026, 12, 12, 9, 0)) {
		t.Fatalf("Next after the due-day DM = %v, %v; want Sat 09:00 (the day after)", next, err)
	}
	for _, now := range []time.Time{e.at(t, 2026, 12, 12, 9, 0), e.at(t, 2026, 12, 12, 12, 0), e.at(t, 2026, 12, 13, 8, 0), e.at(t, 2026, 12, 13, 9, 0), e.at(t, 2026, 12, 14, 9, 0)} {
		if err := e.job.Run(ctx, now); err != nil {
			t.Fatal(err)
		}
	}
	posts = e.poster.all()
	if len(posts) != 2 || posts[1].channel != "UBOB" || !strings.Contains(posts[1].msg.Text, "due yesterday") {
		t.Fatalf("DMs = %+v, want the due-day one and one the day after", posts)
	}
	if !strings.HasPrefix(posts[1].key, store.ActionReminderPrefix(store.ActionLate, "2026-12-11")) || posts[0].key == posts[1].key {
		t.Fatalf("keys %q and %q", posts[0].key, posts[1].key)
	}
	if next, err := e.job.Next(ctx, e.at(t, 2026, 12, 12, 10, 0)); err != nil || !next.IsZero() {
		t.Fatalf("Next with nothing more due = %v, %v; want zero", next, err)
	}
}

// TestActionRemindersSkipClosedAndLateAdded: an action closed after its
// due-day DM gets no DM the day after, and one added after 09:00 on its
// due day gets no due-day DM (only the day-after one).
func TestActionRemindersSkipClosedAndLateAdded(t *testing.T) {
	e := newActionEnv(t)
	ctx := context.Background()
	closed := e.add(t, "UBOB", "Closed after the first DM", "2026-12-11")
	if err := e.job.Run(ctx, e.at(t, 2026, 12, 11, 9, 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.CloseAction(ctx, closed.ID, store.Actor{ID: "UBOB"}); err != nil {
		t.Fatal(err)
	}
	e.db.Clock.Set(e.at(t, 2026, 12, 11, 14, 0))
	e.add(t, "UCAROL", "Added in the afternoon", "2026-12-11")
	if err := e.job.Run(ctx, e.at(t, 2026, 12, 11, 15, 0)); err != nil {
		t.Fatal(err)
	}
	if err := e.job.Run(ctx, e.at(t, 2026, 12, 12, 9, 0)); err != nil {
		t.Fatal(err)
	}
	posts := e.poster.all()
	if len(posts) != 2 || posts[0].channel != "UBOB" || posts[1].channel != "UCAROL" || !strings.Contains(posts[1].msg.Text, "due yesterday") {
		t.Fatalf("DMs = %+v; want Bob's due-day DM and Carol's day-after one only", posts)
	}
}
