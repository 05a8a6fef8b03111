package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"smarketing/store"
)

var outcomeTests = []subtest{
	{"Actions", testActions},
	{"ActionLimit", testActionLimit},
	{"CloseAction", testCloseAction},
	{"ActionsDue", testActionsDue},
	{"NextActionDue", testNextActionDue},
	{"Decisions", testDecisions},
	{"Skips", testSkips},
	{"DeleteTakesOutcomes", testDeleteMeetingTakesOutcomes},
	{"AgendaLink", testAgendaLink},
	{"OutcomeRecords", testOutcomeRecordsAndImport},
}

func (db *tdb) mustAddAction(tb testing.TB, meetingID int64, owner, text, due string) store.Action {
	tb.Helper()
	a, err := db.AddAction(ctx, store.Action{MeetingID: meetingID, Owner: owner, OwnerName: "name of " + owner, Text: text, Due: due}, ann)
	if err != nil {
		tb.Fatalf("AddAction(%d, %q): %v", meetingID, text, err)
	}
	return a
}

func actionIDs(as []store.Action) []int64 {
	out := []int64{}
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}

func (db *tdb) openActionIDs(tb testing.TB, f store.ActionFilter) []int64 {
	tb.Helper()
	as, err := db.OpenActions(ctx, f)
	if err != nil {
		tb.Fatalf("OpenActions(%+v): %v", f, err)
	}
	return actionIDs(as)
}

func testActions(t *testing.T, s *suite) {
	db := s.open(t)
	m := db.mustAddMeeting(t, "Pipeline review", "@weekly", "C1")
	o := db.mustAddMeeting(t, "Funnel retro", "@weekly", "C2")
	a1 := db.mustAddAction(t, m.ID, "UBOB", "no due", "")
	a2 := db.mustAddAction(t, m.ID, "UANN", "later", "2026-12-10")
	a3 := db.mustAddAction(t, o.ID, "UBOB", "soon", "2026-11-30")
	a4 := db.mustAddAction(t, m.ID, "UBOB", "also later", "2026-12-10")
	want := store.Action{ID: a1.ID, MeetingID: m.ID, MeetingTitle: "Pipeline review", Owner: "UBOB", OwnerName: "name of UBOB",
		Text: "no due", CreatedBy: "UANN", CreatedByName: "Ann", CreatedAt: Start}
	if !a1.CreatedAt.Equal(Start) || !a1.Open() {
		t.Fatalf("AddAction = %+v, want %+v", a1, want)
	}
	a1.CreatedAt = Start
	if a1 != want {
		t.Fatalf("AddAction = %+v, want %+v", a1, want)
	}
	if got, err := db.Action(ctx, a3.ID); err != nil || got.MeetingTitle != "Funnel retro" || got.Due != "2026-11-30" {
		t.Fatalf("Action(%d) = %+v, %v", a3.ID, got, err)
	}
	if _, err := db.Action(ctx, 999); !isNotFound(err) {
		t.Fatalf("Action(999) = %v, want ErrNotFound", err)
	}
	if _, err := db.AddAction(ctx, store.Action{MeetingID: 999, Owner: "UBOB", Text: "x"}, ann); !isNotFound(err) {
		t.Fatalf("AddAction on no meeting = %v, want ErrNotFound", err)
	}
	for _, c := range []struct {
		f    store.ActionFilter
		want []int64
	}{
		{store.ActionFilter{}, []int64{a3.ID, a2.ID, a4.ID, a1.ID}},
		{store.ActionFilter{MeetingID: m.ID}, []int64{a2.ID, a4.ID, a1.ID}},
		{store.ActionFilter{Owner: "UBOB"}, []int64{a3.ID, a4.ID, a1.ID}},
		{store.ActionFilter{MeetingID: m.ID, Owner: "UBOB"}, []int64{a4.ID, a1.ID}},
		{store.ActionFilter{Limit: 2}, []int64{a3.ID, a2.ID}},
		{store.ActionFilter{Owner: "UNOBODY"}, []int64{}},
	} {
		if got := db.openActionIDs(t, c.f); !slices.Equal(got, c.want) {
			t.Errorf("OpenActions(%+v) = %v, want %v", c.f, got, c.want)
		}
	}
	if got, _ := db.Meeting(ctx, m.ID); got.OpenActions != 3 {
		t.Fatalf("Meeting.OpenActions = %d, want 3", got.OpenActions)
	}
	if _, err := db.CloseAction(ctx, a2.ID, bob); err != nil {
		t.Fatal(err)
	}
	if got := db.openActionIDs(t, store.ActionFilter{MeetingID: m.ID}); !slices.Equal(got, []int64{a4.ID, a1.ID}) {
		t.Fatalf("OpenActions after a close = %v", got)
	}
	all, _ := db.Meetings(ctx)
	if len(all) != 2 || all[0].OpenActions != 2 || all[1].OpenActions != 1 {
		t.Fatalf("Meetings = %+v, want 2 and 1 open actions", all)
	}
}

func testActionLimit(t *testing.T, s *suite) {
	db := s.open(t)
	m := db.mustAddMeeting(t, "Review", "@weekly", "C1")
	var first store.Action
	for i := range store.MaxOpenActions {
		a := db.mustAddAction(t, m.ID, "UBOB", fmt.Sprintf("action %d", i), "")
		if i == 0 {
			first = a
		}
	}
	if _, err := db.AddAction(ctx, store.Action{MeetingID: m.ID, Owner: "UBOB", Text: "too many"}, ann); !errors.Is(err, store.ErrTooManyActions) {
		t.Fatalf("AddAction past the limit = %v, want ErrTooManyActions", err)
	}
	if store.IsDBError(store.ErrTooManyActions) {
		t.Fatal("ErrTooManyActions counted as a database error")
	}
	// Another meeting has its own limit; a closed action frees a place.
	o := db.mustAddMeeting(t, "Other", "@weekly", "C1")
	db.mustAddAction(t, o.ID, "UBOB", "fine", "")
	if _, err := db.CloseAction(ctx, first.ID, bob); err != nil {
		t.Fatal(err)
	}
	db.mustAddAction(t, m.ID, "UBOB", "fits again", "")
}

func testCloseAction(t *testing.T, s *suite) {
	db := s.open(t)
	m := db.mustAddMeeting(t, "Review", "@weekly", "C1")
	a := db.mustAddAction(t, m.ID, "UBOB", "send deck", "2026-11-25")
	db.set(Start.Add(time.Hour))
	got, err := db.CloseAction(ctx, a.ID, bob)
	if err != nil || got.Open() || !got.DoneAt.Equal(Start.Add(time.Hour)) || got.DoneBy != "UBOB" || got.MeetingTitle != "Review" {
		t.Fatalf("CloseAction = %+v, %v", got, err)
	}
	db.set(Start.Add(2 * time.Hour))
	again, err := db.CloseAction(ctx, a.ID, ann)
	if !errors.Is(err, store.ErrUnchanged) || !again.DoneAt.Equal(Start.Add(time.Hour)) || again.DoneBy != "UBOB" {
		t.Fatalf("CloseAction twice = %+v, %v; want ErrUnchanged with the action as stored", again, err)
	}
	if _, err := db.CloseAction(ctx, 999, bob); !isNotFound(err) {
		t.Fatalf("CloseAction(999) = %v, want ErrNotFound", err)
	}
	if stored, _ := db.Action(ctx, a.ID); stored.Open() || stored.DoneBy != "UBOB" {
		t.Fatalf("Action after close = %+v", stored)
	}
}

func testActionsDue(t *testing.T, s *suite) {
	db := s.open(t)
	m := db.mustAddMeeting(t, "Review", "@weekly", "C1")
	a1 := db.mustAddAction(t, m.ID, "UBOB", "one", "2026-11-25")
	a2 := db.mustAddAction(t, m.ID, "UANN", "two", "2026-11-25")
	a3 := db.mustAddAction(t, m.ID, "UANN", "three", "2026-11-25")
	db.mustAddAction(t, m.ID, "UANN", "other day", "2026-11-26")
	db.mustAddAction(t, m.ID, "UANN", "no day", "")
	db.set(Start.Add(time.Hour))
	late := db.mustAddAction(t, m.ID, "UANN", "added later", "2026-11-25")
	closed := db.mustAddAction(t, m.ID, "UANN", "closed", "2026-11-25")
	if _, err := db.CloseAction(ctx, closed.ID, ann); err != nil {
		t.Fatal(err)
	}
	prefix := store.ActionReminderPrefix(store.ActionDue, "2026-11-25")
	now := Start.Add(2 * time.Hour)
	due := func(createdBefore time.Time, limit int) []int64 {
		t.Helper()
		as, err := db.ActionsDue(ctx, "2026-11-25", prefix, createdBefore, now, limit)
		if err != nil {
			t.Fatalf("ActionsDue: %v", err)
		}
		return actionIDs(as)
	}
	if got := due(now, 0); !slices.Equal(got, []int64{a1.ID, a2.ID, a3.ID, late.ID}) {
		t.Fatalf("ActionsDue = %v", got)
	}
	if got := due(Start.Add(time.Minute), 0); !slices.Equal(got, []int64{a1.ID, a2.ID, a3.ID}) {
		t.Fatalf("ActionsDue created before = %v, want the later one left out", got)
	}
	if got := due(now, 2); !slices.Equal(got, []int64{a1.ID, a2.ID}) {
		t.Fatalf("ActionsDue limit 2 = %v", got)
	}
	// A done claim and a live claim exclude their actions; an expired one
	// does not; a claim of the other kind is another key.
	key := func(id int64) string { return prefix + fmt.Sprint(id) }
	db.set(now.Add(-time.Hour))
	if _, ok, err := db.Claim(ctx, key(a1.ID), "bot", time.Minute); err != nil || !ok {
		t.Fatalf("Claim: %v %v", ok, err)
	}
	if err := db.Done(ctx, key(a1.ID), "bot"); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := db.Claim(ctx, key(a2.ID), "bot", time.Minute); err != nil || !ok {
		t.Fatalf("Claim: %v %v", ok, err)
	}
	db.set(now)
	if _, ok, err := db.Claim(ctx, key(a3.ID), "bot", time.Minute); err != nil || !ok {
		t.Fatalf("Claim: %v %v", ok, err)
	}
	if _, ok, err := db.Claim(ctx, store.ActionReminderPrefix(store.ActionLate, "2026-11-25")+fmt.Sprint(late.ID), "bot", time.Minute); err != nil || !ok {
		t.Fatalf("Claim: %v %v", ok, err)
	}
	if got := due(now, 0); !slices.Equal(got, []int64{a2.ID, late.ID}) {
		t.Fatalf("ActionsDue with claims = %v, want the expired claim's and the other kind's", got)
	}
}

func testNextActionDue(t *testing.T, s *suite) {
	db := s.open(t)
	next := func(from string) string {
		t.Helper()
		d, err := db.NextActionDue(ctx, from)
		if err != nil {
			t.Fatalf("NextActionDue: %v", err)
		}
		return d
	}
	if got := next("2026-11-23"); got != "" {
		t.Fatalf("NextActionDue on none = %q", got)
	}
	m := db.mustAddMeeting(t, "Review", "@weekly", "C1")
	db.mustAddAction(t, m.ID, "UBOB", "no day", "")
	db.mustAddAction(t, m.ID, "UBOB", "past", "2026-11-20")
	b := db.mustAddAction(t, m.ID, "UBOB", "soon", "2026-11-25")
	db.mustAddAction(t, m.ID, "UBOB", "later", "2026-12-01")
	for from, want := range map[string]string{"2026-11-21": "2026-11-25", "2026-11-25": "2026-11-25", "2026-11-26": "2026-12-01", "2026-12-02": ""} {
		if got := next(from); got != want {
			t.Errorf("NextActionDue(%s) = %q, want %q", from, got, want)
		}
	}
	if _, err := db.CloseAction(ctx, b.ID, bob); err != nil {
		t.Fatal(err)
	}
	if got := next("2026-11-21"); got != "2026-12-01" {
		t.Fatalf("NextActionDue after a close = %q, want 2026-12-01", got)
	}
}

func testDecisions(t *testing.T, s *suite) {
	db := s.open(t)
	m := db.mustAddMeeting(t, "Review", "@weekly", "C1")
	o := db.mustAddMeeting(t, "Other", "@weekly", "C2")
	if _, err := db.AddDecision(ctx, 999, "x", ann); !isNotFound(err) {
		t.Fatalf("AddDecision on no meeting = %v, want ErrNotFound", err)
	}
	var ids []int64
	for i, mid := range []int64{m.ID, o.ID, m.ID, m.ID} {
		db.set(Start.Add(time.Duration(i) * time.Hour))
		d, err := db.AddDecision(ctx, mid, fmt.Sprintf("decision %d", i), bob)
		if err != nil {
			t.Fatal(err)
		}
		if d.ID == 0 || d.MeetingID != mid || d.By != "UBOB" || d.ByName != "Bob" || !d.At.Equal(Start.Add(time.Duration(i)*time.Hour)) {
			t.Fatalf("AddDecision = %+v", d)
		}
		ids = append(ids, d.ID)
	}
	get := func(f store.DecisionFilter) ([]int64, int) {
		t.Helper()
		ds, total, err := db.Decisions(ctx, f)
		if err != nil {
			t.Fatalf("Decisions(%+v): %v", f, err)
		}
		out := []int64{}
		for _, d := range ds {
			out = append(out, d.ID)
		}
		return out, total
	}
	for _, c := range []struct {
		f     store.DecisionFilter
		want  []int64
		total int
	}{
		{store.DecisionFilter{}, []int64{ids[3], ids[2], ids[1], ids[0]}, 4},
		{store.DecisionFilter{MeetingID: m.ID}, []int64{ids[3], ids[2], ids[0]}, 3},
		{store.DecisionFilter{Limit: 2}, []int64{ids[3], ids[2]}, 4},
		{store.DecisionFilter{MeetingID: m.ID, Limit: 1}, []int64{ids[3]}, 3},
		{store.DecisionFilter{From: Start.Add(time.Hour), To: Start.Add(3 * time.Hour)}, []int64{ids[2], ids[1]}, 2},
		{store.DecisionFilter{To: Start.Add(time.Hour)}, []int64{ids[0]}, 1},
		{store.DecisionFilter{MeetingID: 999}, []int64{}, 0},
	} {
		if got, total := get(c.f); !slices.Equal(got, c.want) || total != c.total {
			t.Errorf("Decisions(%+v) = %v, %d; want %v, %d", c.f, got, total, c.want, c.total)
		}
	}
	ds, _, _ := db.Decisions(ctx, store.DecisionFilter{Limit: 1})
	if len(ds) != 1 || ds[0].MeetingTitle != "Review" || ds[0].Text != "decision 3" {
		t.Fatalf("Decisions = %+v, want the meeting's title filled in", ds)
	}
}

func testSkips(t *testing.T, s *suite) {
	db := s.open(t)
	m := db.mustAddMeeting(t, "Review", "@weekly", "C1")
	if err := db.SkipMeeting(ctx, 999, "2026-12-01", ann); !isNotFound(err) {
		t.Fatalf("SkipMeeting on no meeting = %v", err)
	}
	if err := db.UnskipMeeting(ctx, 999, "2026-12-01"); !isNotFound(err) {
		t.Fatalf("UnskipMeeting on no meeting = %v", err)
	}
	for _, day := range []string{"2026-12-08", "2026-12-01"} {
		if err := db.SkipMeeting(ctx, m.ID, day, ann); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.SkipMeeting(ctx, m.ID, "2026-12-01", bob); !errors.Is(err, store.ErrUnchanged) {
		t.Fatalf("SkipMeeting twice = %v, want ErrUnchanged", err)
	}
	if got, _ := db.Meeting(ctx, m.ID); !slices.Equal(got.Skips, []string{"2026-12-01", "2026-12-08"}) {
		t.Fatalf("Meeting.Skips = %q, want ascending", got.Skips)
	}
	if err := db.UnskipMeeting(ctx, m.ID, "2026-12-01"); err != nil {
		t.Fatal(err)
	}
	if err := db.UnskipMeeting(ctx, m.ID, "2026-12-01"); !errors.Is(err, store.ErrUnchanged) {
		t.Fatalf("UnskipMeeting twice = %v, want ErrUnchanged", err)
	}
	all, _ := db.Meetings(ctx)
	if len(all) != 1 || !slices.Equal(all[0].Skips, []string{"2026-12-08"}) {
		t.Fatalf("Meetings = %+v, want the one skip left", all)
	}
}

func testDeleteMeetingTakesOutcomes(t *testing.T, s *suite) {
	db := s.open(t)
	m := db.mustAddMeeting(t, "Review", "@weekly", "C1")
	keep := db.mustAddMeeting(t, "Keep", "@weekly", "C1")
	for _, id := range []int64{m.ID, keep.ID} {
		db.mustAddAction(t, id, "UBOB", "act", "2026-12-01")
		if _, err := db.AddDecision(ctx, id, "decided", ann); err != nil {
			t.Fatal(err)
		}
		if err := db.SkipMeeting(ctx, id, "2026-12-01", ann); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.DeleteMeeting(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"meeting_actions", "meeting_decisions", "meeting_skips"} {
		if n := db.countRows(t, table); n != 1 {
			t.Fatalf("%s holds %d rows after the delete, want 1 (the other meeting's)", table, n)
		}
	}
	if got := db.openActionIDs(t, store.ActionFilter{}); len(got) != 1 {
		t.Fatalf("open actions after the delete = %v", got)
	}
}

func testAgendaLink(t *testing.T, s *suite) {
	db := s.open(t)
	m := db.mustAddMeeting(t, "Review", "@weekly", "C1")
	link := "https://example.slack.com/archives/C1/p1700000000000100"
	it, err := db.AddAgendaItem(ctx, m.ID, "pricing question", link, ann)
	if err != nil || it.Link != link {
		t.Fatalf("AddAgendaItem with a link = %+v, %v", it, err)
	}
	db.mustAddItem(t, m.ID, "typed", bob)
	items, err := db.Agenda(ctx, m.ID)
	if err != nil || len(items) != 2 || items[0].Link != link || items[1].Link != "" {
		t.Fatalf("Agenda = %+v, %v", items, err)
	}
	recs := db.mustExport(t).Meetings
	if len(recs) != 1 || !slices.Equal(recs[0].Agenda, []string{"pricing question (" + link + ")", "typed"}) {
		t.Fatalf("exported agenda = %+v", recs)
	}
	// Imported back into the same store: the linked item is the same item.
	if rep := db.mustImport(t, store.Dataset{Meetings: recs}); rep.Unchanged != 1 || rep.Updated+rep.Created != 0 {
		t.Fatalf("re-import = %+v, want unchanged", rep)
	}
}

func testOutcomeRecordsAndImport(t *testing.T, s *suite) {
	db := s.open(t)
	m := db.mustAddMeeting(t, "Review", "@weekly", "C1")
	open := db.mustAddAction(t, m.ID, "UBOB", "open one", "")
	done := db.mustAddAction(t, m.ID, "UANN", "done one", "2026-11-30")
	db.set(Start.Add(time.Hour))
	if _, err := db.CloseAction(ctx, done.ID, bob); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddDecision(ctx, m.ID, "first", ann); err != nil {
		t.Fatal(err)
	}
	db.set(Start.Add(2 * time.Hour))
	if _, err := db.AddDecision(ctx, m.ID, "second", bob); err != nil {
		t.Fatal(err)
	}
	for _, day := range []string{"2026-12-08", "2026-12-01"} {
		if err := db.SkipMeeting(ctx, m.ID, day, ann); err != nil {
			t.Fatal(err)
		}
	}
	recs := db.mustExport(t).Meetings
	due, doneAt := "2026-11-30", Start.Add(time.Hour).UTC()
	want := []store.MeetingRecord{{ID: m.ID, Title: "Review", Schedule: "@weekly", Channel: "C1", Agenda: []string{},
		Actions: []store.ActionRecord{
			{ID: open.ID, Owner: "UBOB", Text: "open one", CreatedBy: "UANN"},
			{ID: done.ID, Owner: "UANN", Text: "done one", Due: &due, DoneAt: &doneAt, CreatedBy: "UANN"},
		},
		Decisions: []store.DecisionRecord{{Text: "first", By: "UANN", At: Start.Add(time.Hour)}, {Text: "second", By: "UBOB", At: Start.Add(2 * time.Hour)}},
		Skips:     []string{"2026-12-01", "2026-12-08"},
	}}
	js := jsonOf(t, recs)
	if js != jsonOf(t, want) {
		t.Fatalf("exported = %s\nwant %s", js, jsonOf(t, want))
	}
	if !strings.Contains(js, `"due": null`) || !strings.Contains(js, `"done_at": null`) {
		t.Fatalf("JSON %s: want null due and done_at for the open action without a date", js)
	}

	// Round trip into a fresh store: same export, then unchanged.
	fresh := s.open(t)
	if rep := fresh.mustImport(t, store.Dataset{Meetings: recs}); rep.Created != 1 || len(rep.Rejected) != 0 {
		t.Fatalf("import = %+v, want created", rep)
	}
	if again := jsonOf(t, fresh.mustExport(t).Meetings); again != js {
		t.Fatalf("round trip = %s\nwant %s", again, js)
	}
	if rep := fresh.mustImport(t, store.Dataset{Meetings: recs}); rep.Unchanged != 1 {
		t.Fatalf("re-import = %+v, want unchanged", rep)
	}
	if got, _ := fresh.Meeting(ctx, m.ID); got.OpenActions != 1 || !slices.Equal(got.Skips, []string{"2026-12-01", "2026-12-08"}) {
		t.Fatalf("imported meeting = %+v", got)
	}
	// A record that closes the open action, adds a decision, a skip and an
	// action (under an id of its own), and lists the done one as open:
	// updated; the done action stays done.
	r := recs[0]
	closedAt := Start.Add(3 * time.Hour).UTC()
	r.Actions = []store.ActionRecord{
		{ID: open.ID, Owner: "UBOB", Text: "open one", DoneAt: &closedAt, CreatedBy: "UANN"},
		{ID: done.ID, Owner: "UANN", Text: "done one", Due: &due, CreatedBy: "UANN"},
		{ID: 0, Owner: "UCAT", Text: "new one", CreatedBy: "UCAT"},
	}
	r.Decisions = append(slices.Clone(r.Decisions), store.DecisionRecord{Text: "third", By: "UCAT", At: Start.Add(4 * time.Hour)})
	r.Skips = []string{"2026-12-15"}
	if rep := fresh.mustImport(t, store.Dataset{Meetings: []store.MeetingRecord{r}}); rep.Updated != 1 {
		t.Fatalf("merge import = %+v, want updated", rep)
	}
	a, err := fresh.Action(ctx, open.ID)
	if err != nil || a.Open() || !a.DoneAt.Equal(closedAt) || a.DoneBy != "import" {
		t.Fatalf("closed by import: %+v, %v", a, err)
	}
	if d, _ := fresh.Action(ctx, done.ID); d.Open() {
		t.Fatalf("import reopened %+v", d)
	}
	opens, _ := fresh.OpenActions(ctx, store.ActionFilter{MeetingID: m.ID})
	if len(opens) != 1 || opens[0].Text != "new one" || opens[0].CreatedBy != "UCAT" {
		t.Fatalf("open actions after the merge = %+v", opens)
	}
	if _, total, _ := fresh.Decisions(ctx, store.DecisionFilter{}); total != 3 {
		t.Fatalf("decisions after the merge = %d, want 3", total)
	}
	if got, _ := fresh.Meeting(ctx, m.ID); !slices.Equal(got.Skips, []string{"2026-12-01", "2026-12-08", "2026-12-15"}) {
		t.Fatalf("skips after the merge = %q, want the union", got.Skips)
	}
	if rep := fresh.mustImport(t, store.Dataset{Meetings: []store.MeetingRecord{r}}); rep.Unchanged != 1 {
		t.Fatalf("merge import again = %+v, want unchanged", rep)
	}
	// An action whose id names another text is matched by owner and text.
	r.Actions = []store.ActionRecord{{ID: done.ID, Owner: "UCAT", Text: "new one", CreatedBy: "UCAT"}}
	r.Decisions, r.Skips = nil, nil
	if rep := fresh.mustImport(t, store.Dataset{Meetings: []store.MeetingRecord{r}}); rep.Unchanged != 1 {
		t.Fatalf("import matched by owner and text = %+v, want unchanged", rep)
	}
}
