package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"smarketing/store"
)

var meetingTests = []subtest{
	{"CRUD", testMeetingCRUD},
	{"DeleteTakesAgenda", testDeleteMeetingTakesAgenda},
	{"AgendaLimits", testAgendaLimits},
	{"ClearAgenda", testClearAgenda},
}

func (db *tdb) mustAddMeeting(tb testing.TB, title, schedule, channel string) store.Meeting {
	tb.Helper()
	m, err := db.AddMeeting(ctx, store.Meeting{Title: title, Schedule: schedule, Channel: channel}, ann)
	if err != nil {
		tb.Fatalf("AddMeeting(%q): %v", title, err)
	}
	return m
}

func (db *tdb) mustAddItem(tb testing.TB, meetingID int64, text string, by store.Actor) store.AgendaItem {
	tb.Helper()
	it, err := db.AddAgendaItem(ctx, meetingID, text, "", by)
	if err != nil {
		tb.Fatalf("AddAgendaItem(%d, %q): %v", meetingID, text, err)
	}
	return it
}

func (db *tdb) agendaTexts(tb testing.TB, meetingID int64) []string {
	tb.Helper()
	items, err := db.Agenda(ctx, meetingID)
	if err != nil {
		tb.Fatalf("Agenda(%d): %v", meetingID, err)
	}
	out := []string{}
	for _, it := range items {
		out = append(out, it.Text)
	}
	return out
}

func sameMeeting(a, b store.Meeting) bool {
	return a.ID == b.ID && a.Title == b.Title && a.Schedule == b.Schedule && a.Channel == b.Channel &&
		a.CreatedBy == b.CreatedBy && a.CreatedByName == b.CreatedByName && a.CreatedAt.Equal(b.CreatedAt) && a.Agenda == b.Agenda
}

func testMeetingCRUD(t *testing.T, s *suite) {
	db := s.open(t)
	m := db.mustAddMeeting(t, "Pipeline review", "0 10 * * TUE", "C0123")
	want := store.Meeting{ID: m.ID, Title: "Pipeline review", Schedule: "0 10 * * TUE", Channel: "C0123",
		CreatedBy: "UANN", CreatedByName: "Ann", CreatedAt: Start}
	if m.ID == 0 || !sameMeeting(m, want) {
		t.Fatalf("AddMeeting = %+v, want %+v", m, want)
	}
	m2 := db.mustAddMeeting(t, "Funnel retro", "@weekly", "C0456")
	if m2.ID <= m.ID {
		t.Fatalf("ids %d then %d, want increasing", m.ID, m2.ID)
	}
	db.mustAddItem(t, m2.ID, "MQL rate", bob)
	db.mustAddItem(t, m2.ID, "SLA misses", ann)

	all, err := db.Meetings(ctx)
	if err != nil {
		t.Fatalf("Meetings: %v", err)
	}
	if len(all) != 2 || all[0].ID != m.ID || all[1].ID != m2.ID || all[0].Agenda != 0 || all[1].Agenda != 2 {
		t.Fatalf("Meetings = %+v, want both by id with agenda counts 0 and 2", all)
	}
	got, err := db.Meeting(ctx, m2.ID)
	if err != nil || got.Title != "Funnel retro" || got.Agenda != 2 || !got.CreatedAt.Equal(Start) {
		t.Fatalf("Meeting(%d) = %+v, %v", m2.ID, got, err)
	}
	if _, err := db.Meeting(ctx, m2.ID+999); !isNotFound(err) {
		t.Fatalf("Meeting(unknown) error = %v, want ErrNotFound", err)
	}
	if got := db.agendaTexts(t, m2.ID); !slices.Equal(got, []string{"MQL rate", "SLA misses"}) {
		t.Fatalf("Agenda = %q, want oldest first", got)
	}
	items, _ := db.Agenda(ctx, m2.ID)
	if it := items[0]; it.ID == 0 || it.MeetingID != m2.ID || it.AddedBy != "UBOB" || it.AddedByName != "Bob" || !it.AddedAt.Equal(Start) {
		t.Fatalf("item = %+v, want added to %d by Bob at the store clock", it, m2.ID)
	}
	if got := db.agendaTexts(t, m2.ID+999); len(got) != 0 {
		t.Fatalf("Agenda(unknown meeting) = %q, want none", got)
	}

	if err := db.DeleteMeeting(ctx, m2.ID); err != nil {
		t.Fatalf("DeleteMeeting: %v", err)
	}
	if err := db.DeleteMeeting(ctx, m2.ID); !isNotFound(err) {
		t.Fatalf("DeleteMeeting again = %v, want ErrNotFound", err)
	}
	if all, _ := db.Meetings(ctx); len(all) != 1 || all[0].ID != m.ID {
		t.Fatalf("Meetings after delete = %+v, want only %d", all, m.ID)
	}
	if got := db.agendaTexts(t, m2.ID); len(got) != 0 {
		t.Fatalf("Agenda of the deleted meeting = %q, want none", got)
	}
}

// A meeting's agenda goes with it: no row of it is left.
func testDeleteMeetingTakesAgenda(t *testing.T, s *suite) {
	db := s.open(t)
	m := db.mustAddMeeting(t, "Review", "@weekly", "C1")
	keep := db.mustAddMeeting(t, "Keep", "@weekly", "C1")
	it := db.mustAddItem(t, m.ID, "open", ann)
	db.mustAddItem(t, m.ID, "cleared", ann)
	db.mustAddItem(t, keep.ID, "kept", ann)
	if err := db.ClearAgenda(ctx, m.ID, []int64{it.ID + 1}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteMeeting(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if n := db.countRows(t, "meeting_agenda"); n != 1 {
		t.Fatalf("meeting_agenda holds %d rows after the delete, want 1 (the other meeting's)", n)
	}
	if got := db.agendaTexts(t, keep.ID); !slices.Equal(got, []string{"kept"}) {
		t.Fatalf("the other meeting's agenda = %q", got)
	}
}

func testAgendaLimits(t *testing.T, s *suite) {
	db := s.open(t)
	if _, err := db.AddAgendaItem(ctx, 42, "x", "", ann); !isNotFound(err) {
		t.Fatalf("AddAgendaItem on no meeting = %v, want ErrNotFound", err)
	}
	m := db.mustAddMeeting(t, "Review", "@weekly", "C1")
	other := db.mustAddMeeting(t, "Other", "@weekly", "C1")
	for i := range store.MaxAgendaItems {
		db.mustAddItem(t, m.ID, fmt.Sprintf("item %d", i), ann)
	}
	if _, err := db.AddAgendaItem(ctx, m.ID, "one too many", "", ann); !errors.Is(err, store.ErrAgendaFull) {
		t.Fatalf("AddAgendaItem past the limit = %v, want ErrAgendaFull", err)
	}
	if got := db.agendaTexts(t, m.ID); len(got) != store.MaxAgendaItems {
		t.Fatalf("agenda holds %d items, want %d", len(got), store.MaxAgendaItems)
	}
	// The limit is per meeting.
	db.mustAddItem(t, other.ID, "fits", ann)
	// Clearing makes room again.
	items, _ := db.Agenda(ctx, m.ID)
	if err := db.ClearAgenda(ctx, m.ID, []int64{items[0].ID}); err != nil {
		t.Fatalf("ClearAgenda: %v", err)
	}
	db.mustAddItem(t, m.ID, "now it fits", ann)
	if _, err := db.AddAgendaItem(ctx, m.ID, "full again", "", ann); !errors.Is(err, store.ErrAgendaFull) {
		t.Fatalf("AddAgendaItem past the limit again = %v, want ErrAgendaFull", err)
	}
	if got, _ := db.Meeting(ctx, m.ID); got.Agenda != store.MaxAgendaItems {
		t.Fatalf("Meeting.Agenda = %d, want %d", got.Agenda, store.MaxAgendaItems)
	}
}

func testClearAgenda(t *testing.T, s *suite) {
	db := s.open(t)
	m := db.mustAddMeeting(t, "Review", "0 10 * * TUE", "C1")
	first := db.mustAddItem(t, m.ID, "first", ann)
	second := db.mustAddItem(t, m.ID, "second", ann)
	// A reminder listed first and second; late was added after it was built.
	late := db.mustAddItem(t, m.ID, "late", bob)
	if err := db.ClearAgenda(ctx, m.ID, []int64{first.ID, second.ID}); err != nil {
		t.Fatalf("ClearAgenda: %v", err)
	}
	if got := db.agendaTexts(t, m.ID); !slices.Equal(got, []string{"late"}) {
		t.Fatalf("agenda after the post = %q, want only the item added meanwhile", got)
	}
	if got, _ := db.Meeting(ctx, m.ID); got.Agenda != 1 {
		t.Fatalf("Meeting.Agenda = %d, want 1", got.Agenda)
	}
	// Clearing again, or what is not there, changes nothing and is no error.
	if err := db.ClearAgenda(ctx, m.ID, []int64{first.ID, 999999}); err != nil {
		t.Fatalf("ClearAgenda(cleared, unknown): %v", err)
	}
	if err := db.ClearAgenda(ctx, m.ID, nil); err != nil {
		t.Fatalf("ClearAgenda(none): %v", err)
	}
	// Another meeting's item is not cleared by this meeting's reminder.
	other := db.mustAddMeeting(t, "Other", "@daily", "C2")
	foreign := db.mustAddItem(t, other.ID, "foreign", ann)
	if err := db.ClearAgenda(ctx, m.ID, []int64{late.ID, foreign.ID}); err != nil {
		t.Fatal(err)
	}
	if got := db.agendaTexts(t, other.ID); !slices.Equal(got, []string{"foreign"}) {
		t.Fatalf("other meeting's agenda = %q, want it untouched", got)
	}
	if got := db.agendaTexts(t, m.ID); len(got) != 0 {
		t.Fatalf("agenda = %q, want empty", got)
	}
	// The same text may be added again once cleared.
	db.mustAddItem(t, m.ID, "first", ann)
	if got := db.agendaTexts(t, m.ID); !slices.Equal(got, []string{"first"}) {
		t.Fatalf("agenda = %q, want [first]", got)
	}
}
