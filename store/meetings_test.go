package store

// An internal test: importMeeting is unexported and is exercised here with a
// real transaction on a real database file.

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var meetingsTestNow = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// mustOpenMeetingsDB opens a fresh database file in tb.TempDir() with its
// clock at meetingsTestNow.
func mustOpenMeetingsDB(tb testing.TB) *DB {
	tb.Helper()
	db, err := Open(context.Background(), filepath.Join(tb.TempDir(), "meetings.db"))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	db.Now = func() time.Time { return meetingsTestNow }
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return db
}

var (
	meetingAnn = Actor{ID: "UANN", Name: "Ann"}
	meetingBob = Actor{ID: "UBOB", Name: "Bob"}
)

func mustAddMeeting(tb testing.TB, db *DB, title, schedule, channel string) Meeting {
	tb.Helper()
	m, err := db.AddMeeting(context.Background(), Meeting{Title: title, Schedule: schedule, Channel: channel}, meetingAnn)
	if err != nil {
		tb.Fatalf("AddMeeting(%q): %v", title, err)
	}
	return m
}

func mustAddItem(tb testing.TB, db *DB, meetingID int64, text string, by Actor) AgendaItem {
	tb.Helper()
	it, err := db.AddAgendaItem(context.Background(), meetingID, text, by)
	if err != nil {
		tb.Fatalf("AddAgendaItem(%d, %q): %v", meetingID, text, err)
	}
	return it
}

func agendaTexts(tb testing.TB, db *DB, meetingID int64) []string {
	tb.Helper()
	items, err := db.Agenda(context.Background(), meetingID)
	if err != nil {
		tb.Fatalf("Agenda(%d): %v", meetingID, err)
	}
	var out []string
	for _, it := range items {
		out = append(out, it.Text)
	}
	return out
}

func TestMeetingCRUD(t *testing.T) {
	ctx := context.Background()
	db := mustOpenMeetingsDB(t)
	m := mustAddMeeting(t, db, "Pipeline review", "0 10 * * TUE", "C0123")
	want := Meeting{ID: m.ID, Title: "Pipeline review", Schedule: "0 10 * * TUE", Channel: "C0123",
		CreatedBy: "UANN", CreatedByName: "Ann", CreatedAt: meetingsTestNow}
	if m != want {
		t.Fatalf("AddMeeting = %+v, want %+v", m, want)
	}
	m2 := mustAddMeeting(t, db, "Funnel retro", "@weekly", "C0456")
	mustAddItem(t, db, m2.ID, "MQL rate", meetingBob)
	mustAddItem(t, db, m2.ID, "SLA misses", meetingAnn)

	all, err := db.Meetings(ctx)
	if err != nil {
		t.Fatalf("Meetings: %v", err)
	}
	if len(all) != 2 || all[0].ID != m.ID || all[1].ID != m2.ID || all[0].Agenda != 0 || all[1].Agenda != 2 {
		t.Fatalf("Meetings = %+v, want both by id with agenda counts 0 and 2", all)
	}
	got, err := db.Meeting(ctx, m2.ID)
	if err != nil || got.Title != "Funnel retro" || got.Agenda != 2 {
		t.Fatalf("Meeting(%d) = %+v, %v", m2.ID, got, err)
	}
	if _, err := db.Meeting(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Meeting(999) error = %v, want ErrNotFound", err)
	}
	if got := agendaTexts(t, db, m2.ID); !slices.Equal(got, []string{"MQL rate", "SLA misses"}) {
		t.Fatalf("Agenda = %q, want oldest first", got)
	}
	items, _ := db.Agenda(ctx, m2.ID)
	if items[0].AddedBy != "UBOB" || items[0].AddedByName != "Bob" || !items[0].AddedAt.Equal(meetingsTestNow) {
		t.Fatalf("item = %+v, want added by Bob at the store clock", items[0])
	}

	if _, err := db.ClaimMeetingRun(ctx, m2.ID, meetingsTestNow); err != nil {
		t.Fatalf("ClaimMeetingRun: %v", err)
	}
	if err := db.DeleteMeeting(ctx, m2.ID); err != nil {
		t.Fatalf("DeleteMeeting: %v", err)
	}
	if err := db.DeleteMeeting(ctx, m2.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("DeleteMeeting again = %v, want ErrNotFound", err)
	}
	for _, table := range []string{"meeting_agenda", "meeting_runs"} {
		var n int
		if err := db.sql.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table+" WHERE meeting_id = ?", m2.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s has %d rows of the deleted meeting, want 0 (cascade)", table, n)
		}
	}
}

func TestAddAgendaItemLimits(t *testing.T) {
	ctx := context.Background()
	db := mustOpenMeetingsDB(t)
	if _, err := db.AddAgendaItem(ctx, 42, "x", meetingAnn); !errors.Is(err, ErrNotFound) {
		t.Fatalf("AddAgendaItem on no meeting = %v, want ErrNotFound", err)
	}
	m := mustAddMeeting(t, db, "Review", "@weekly", "C1")
	for i := range MaxAgendaItems {
		mustAddItem(t, db, m.ID, "item "+string(rune('a'+i%26)), meetingAnn)
	}
	if _, err := db.AddAgendaItem(ctx, m.ID, "one too many", meetingAnn); !errors.Is(err, ErrAgendaFull) {
		t.Fatalf("AddAgendaItem past the limit = %v, want ErrAgendaFull", err)
	}
	// Clearing makes room again.
	items, _ := db.Agenda(ctx, m.ID)
	occ := meetingsTestNow.Add(time.Hour)
	if won, err := db.ClaimMeetingRun(ctx, m.ID, occ); err != nil || !won {
		t.Fatalf("ClaimMeetingRun = %v, %v", won, err)
	}
	if err := db.FinishMeetingRun(ctx, m.ID, occ, true, []int64{items[0].ID}); err != nil {
		t.Fatalf("FinishMeetingRun: %v", err)
	}
	mustAddItem(t, db, m.ID, "now it fits", meetingAnn)
}

func TestMeetingRunClaims(t *testing.T) {
	ctx := context.Background()
	db := mustOpenMeetingsDB(t)
	m := mustAddMeeting(t, db, "Review", "0 10 * * TUE", "C1")
	first := mustAddItem(t, db, m.ID, "first", meetingAnn)
	occ := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

	won, err := db.ClaimMeetingRun(ctx, m.ID, occ)
	if err != nil || !won {
		t.Fatalf("first claim = %v, %v; want won", won, err)
	}
	if won, err := db.ClaimMeetingRun(ctx, m.ID, occ); err != nil || won {
		t.Fatalf("second claim = %v, %v; want lost", won, err)
	}
	// The same instant in another zone is the same occurrence.
	if won, _ := db.ClaimMeetingRun(ctx, m.ID, occ.In(time.FixedZone("X", 3600))); won {
		t.Fatalf("claim of the same instant in another zone won, want lost")
	}
	if won, err := db.ClaimMeetingRun(ctx, 999, occ); err != nil || won {
		t.Fatalf("claim for no meeting = %v, %v; want lost", won, err)
	}

	// A failed post releases the claim and keeps the agenda.
	if err := db.FinishMeetingRun(ctx, m.ID, occ, false, []int64{first.ID}); err != nil {
		t.Fatalf("FinishMeetingRun(failed): %v", err)
	}
	if got := agendaTexts(t, db, m.ID); !slices.Equal(got, []string{"first"}) {
		t.Fatalf("agenda after a failed post = %q, want it kept", got)
	}
	if won, err := db.ClaimMeetingRun(ctx, m.ID, occ); err != nil || !won {
		t.Fatalf("claim after release = %v, %v; want won", won, err)
	}
	// Added after the reminder was built: stays for next time.
	late := mustAddItem(t, db, m.ID, "late", meetingBob)
	if err := db.FinishMeetingRun(ctx, m.ID, occ, true, []int64{first.ID}); err != nil {
		t.Fatalf("FinishMeetingRun(posted): %v", err)
	}
	if got := agendaTexts(t, db, m.ID); !slices.Equal(got, []string{"late"}) {
		t.Fatalf("agenda after the post = %q, want only the item added meanwhile", got)
	}
	if won, _ := db.ClaimMeetingRun(ctx, m.ID, occ); won {
		t.Fatalf("claim after a post won, want lost")
	}
	// A release never undoes a finished post.
	if err := db.FinishMeetingRun(ctx, m.ID, occ, false, nil); err != nil {
		t.Fatal(err)
	}
	if won, _ := db.ClaimMeetingRun(ctx, m.ID, occ); won {
		t.Fatalf("claim after a late release of a posted run won, want lost")
	}
	// Another meeting's item is not cleared by this meeting's run.
	other := mustAddMeeting(t, db, "Other", "@daily", "C2")
	foreign := mustAddItem(t, db, other.ID, "foreign", meetingAnn)
	occ2 := occ.Add(7 * 24 * time.Hour)
	db.ClaimMeetingRun(ctx, m.ID, occ2)
	if err := db.FinishMeetingRun(ctx, m.ID, occ2, true, []int64{late.ID, foreign.ID}); err != nil {
		t.Fatal(err)
	}
	if got := agendaTexts(t, db, other.ID); !slices.Equal(got, []string{"foreign"}) {
		t.Fatalf("other meeting's agenda = %q, want it untouched", got)
	}

	// Old claims are pruned as new ones are made.
	db.ClaimMeetingRun(ctx, m.ID, occ.Add(30*24*time.Hour))
	var n int
	if err := db.sql.QueryRowContext(ctx, "SELECT COUNT(*) FROM meeting_runs WHERE meeting_id = ?", m.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("meeting_runs rows = %d, want 1 after pruning", n)
	}
}

func TestMeetingRunClaimedOnceConcurrently(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "race.db")
	var dbs []*DB
	for range 3 { // separate pools, as separate processes would have
		db, err := Open(ctx, file)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	m := mustAddMeeting(t, dbs[0], "Review", "@daily", "C1")
	occ := meetingsTestNow
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			won, err := dbs[i%len(dbs)].ClaimMeetingRun(ctx, m.ID, occ)
			if err != nil {
				t.Errorf("ClaimMeetingRun: %v", err)
			}
			if won {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d claims won, want exactly 1", wins)
	}
}

func TestMeetingRecordsAndImport(t *testing.T) {
	ctx := context.Background()
	db := mustOpenMeetingsDB(t)
	m1 := mustAddMeeting(t, db, "Pipeline review", "0 10 * * TUE", "C1")
	m2 := mustAddMeeting(t, db, "Funnel retro", "@weekly", "C2")
	done := mustAddItem(t, db, m1.ID, "cleared", meetingAnn)
	mustAddItem(t, db, m1.ID, "open one", meetingBob)
	db.ClaimMeetingRun(ctx, m1.ID, meetingsTestNow)
	db.FinishMeetingRun(ctx, m1.ID, meetingsTestNow, true, []int64{done.ID})

	recs, err := db.MeetingRecords(ctx)
	if err != nil {
		t.Fatalf("MeetingRecords: %v", err)
	}
	want := []MeetingRecord{
		{ID: m1.ID, Title: "Pipeline review", Schedule: "0 10 * * TUE", Channel: "C1", Agenda: []string{"open one"}},
		{ID: m2.ID, Title: "Funnel retro", Schedule: "@weekly", Channel: "C2", Agenda: []string{}},
	}
	js, _ := json.Marshal(recs)
	wantJS, _ := json.Marshal(want)
	if string(js) != string(wantJS) {
		t.Fatalf("MeetingRecords = %s\nwant %s", js, wantJS)
	}
	if !json.Valid(js) || !strings.Contains(string(js), `"agenda":[]`) {
		t.Fatalf("JSON %s: want an empty agenda as [] (not null)", js)
	}

	importOne := func(db *DB, r MeetingRecord) outcome {
		t.Helper()
		tx, err := db.sql.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		out, err := db.importMeeting(ctx, tx, r, Actor{ID: "import", Name: "import"})
		if err != nil {
			t.Fatalf("importMeeting(%+v): %v", r, err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		return out
	}

	// Into a fresh database: created under the same ids, twice = unchanged.
	fresh := mustOpenMeetingsDB(t)
	for _, r := range recs {
		if out := importOne(fresh, r); out != created {
			t.Fatalf("import %q = %v, want created", r.Title, out)
		}
	}
	for _, r := range recs {
		if out := importOne(fresh, r); out != unchanged {
			t.Fatalf("re-import %q = %v, want unchanged", r.Title, out)
		}
	}
	again, err := fresh.MeetingRecords(ctx)
	if err != nil {
		t.Fatal(err)
	}
	js2, _ := json.Marshal(again)
	if string(js2) != string(js) {
		t.Fatalf("round trip = %s\nwant %s", js2, js)
	}

	// Changed schedule and a new agenda item: updated, the old item kept.
	r := recs[0]
	r.Schedule, r.Agenda = "0 11 * * TUE", []string{"open one", "new one"}
	if out := importOne(fresh, r); out != updated {
		t.Fatalf("import of a changed meeting = %v, want updated", out)
	}
	got, _ := fresh.Meeting(ctx, r.ID)
	if got.Schedule != "0 11 * * TUE" || got.Agenda != 2 {
		t.Fatalf("after update: %+v, want the new schedule and 2 items", got)
	}

	// Its id taken by another meeting: created under a new id, and matched
	// by title and channel the next time, so never duplicated.
	other := MeetingRecord{ID: m1.ID, Title: "Brand sync", Schedule: "@daily", Channel: "C9", Agenda: []string{}}
	if out := importOne(fresh, other); out != created {
		t.Fatalf("import with a taken id = %v, want created", out)
	}
	if out := importOne(fresh, other); out != unchanged {
		t.Fatalf("second import with a taken id = %v, want unchanged", out)
	}
	all, _ := fresh.Meetings(ctx)
	if len(all) != 3 {
		t.Fatalf("meetings = %+v, want 3", all)
	}
	if all[0].Title != "Pipeline review" || all[2].Title != "Brand sync" {
		t.Fatalf("meetings = %+v: the taken id must keep its meeting", all)
	}
}
