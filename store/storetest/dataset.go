package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"smarketing/store"
)

var datasetTests = []subtest{
	{"ExportEmpty", testExportEmpty},
	{"ExportOrder", testExportOrder},
	{"ExportStable", testExportStable},
	{"RoundTrip", testDatasetRoundTrip},
	{"CreatesUpdatesLeavesAlone", testImportCreatesUpdatesLeavesAlone},
	{"RejectsConflictsWithoutTrace", testImportRejectsConflictsWithoutTrace},
	{"RejectsInvalidRecords", testImportRejectsInvalid},
	{"UpdateAuthorship", testImportUpdateAuthorship},
	{"RefusesOtherVersions", testImportRefusesOtherVersions},
	{"AllOrNothing", testImportAllOrNothing},
	{"LeadsRoundTrip", testLeadsRoundTrip},
	{"MeetingRecords", testMeetingRecordsAndImport},
	{"MetricRecords", testMetricRecordsAndImport},
}

var importer = store.Actor{ID: "import", Name: "import"}

func (db *tdb) mustImport(tb testing.TB, ds store.Dataset) store.ImportReport {
	tb.Helper()
	rep, err := db.Import(ctx, ds, store.ImportOptions{By: importer})
	if err != nil {
		tb.Fatalf("Import: %v", err)
	}
	return rep
}

func (db *tdb) mustExport(tb testing.TB) store.Dataset {
	tb.Helper()
	ds, err := db.Export(ctx)
	if err != nil {
		tb.Fatalf("Export: %v", err)
	}
	return ds
}

// jsonOf is ds as the export file has it: what must match.
func jsonOf(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		tb.Fatalf("marshal: %v", err)
	}
	return string(b)
}

func testExportEmpty(t *testing.T, s *suite) {
	ds := s.open(t).mustExport(t)
	if want := (store.Dataset{Version: store.DatasetVersion}); !reflect.DeepEqual(ds, want) {
		t.Fatalf("Export of an empty store = %+v, want %+v", ds, want)
	}
	if got := jsonOf(t, ds); strings.Contains(got, "null") {
		t.Fatalf("Export JSON = %s: no nulls", got)
	}
}

// Terms and personas are exported by Key (byte order of the folded name),
// not by category, so that exports are identical on every backend.
func testExportOrder(t *testing.T, s *suite) {
	db := s.open(t)
	for _, name := range []string{"zeta", "Alpha", "Épée", "beta"} {
		db.mustAdd(t, store.Term{Name: name, Category: "Z" + name, Definition: "d"}, ann)
		db.mustAddPersona(t, store.Persona{Name: name, Summary: "s"}, ann)
	}
	ds := db.mustExport(t)
	var terms, personas []string
	for _, r := range ds.Terms {
		terms = append(terms, r.Name)
		if r.Aliases == nil {
			t.Errorf("term %q has nil aliases, want [] in JSON", r.Name)
		}
	}
	for _, r := range ds.Personas {
		personas = append(personas, r.Name)
	}
	want := []string{"Alpha", "beta", "zeta", "Épée"}
	if !slices.Equal(terms, want) || !slices.Equal(personas, want) {
		t.Fatalf("order: terms %q, personas %q, want %q (by key, not by category)", terms, personas, want)
	}
}

// seed fills db with some of everything the export holds, and what it
// does not (history, claims, unverified leads, seen and failed events).
// It returns the key of the claim it leaves held by bot-2.
func seed(tb testing.TB, db *tdb) (heldKey string) {
	tb.Helper()
	mql := db.mustAdd(tb, mqlTerm(), ann)
	db.mustAdd(tb, store.Term{Name: "Churn", Definition: "Customers lost", Category: ""}, bob)
	db.set(Start.Add(time.Hour))
	mql.Definition, mql.UpdatedAt = "Edited.", time.Time{}
	db.mustUpdate(tb, mql, bob)
	gone := db.mustAdd(tb, store.Term{Name: "Gone", Definition: "deleted"}, ann)
	if err := db.DeleteTerm(ctx, gone.ID); err != nil {
		tb.Fatal(err)
	}
	p := db.mustAddPersona(tb, sally(), ann)
	p.Goals, p.UpdatedAt = "Sleep", time.Time{}
	if _, err := db.UpdatePersona(ctx, p, bob); err != nil {
		tb.Fatal(err)
	}
	dan := db.mustAddPersona(tb, store.Persona{Name: "Developer Dan", Summary: "Reads docs"}, bob)
	// Insights: one of Sally's shared from a message, one typed without a
	// persona.
	if _, err := db.AddInsight(ctx, store.Insight{Text: "Acme asks for SSO", PersonaID: p.ID, Source: "Acme call",
		Channel: "CS", TS: tsAt(Start, 5)}, ann); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.AddInsight(ctx, store.Insight{Text: "Globex compares us with Initech"}, bob); err != nil {
		tb.Fatal(err)
	}
	// Sign-offs: MQL agreed (the approver on both sides moved over to
	// marketing), Dan disputed; and Churn has an owner.
	for _, so := range []struct {
		ref              store.Ref
		version          int
		user             string
		sales, marketing bool
		dispute          string // the reason of a dispute
	}{
		{termRef(mql.ID), 2, duo, true, true, ""},
		{termRef(mql.ID), 2, sal, true, false, ""},
		{personaRef(dan.ID), 1, mo, false, true, ""},
		{personaRef(dan.ID), 1, kim, false, false, "out of date"},
	} {
		sign := store.Signoff{Version: so.version, User: so.user, UserName: "name of " + so.user, Dispute: so.dispute != "", Reason: so.dispute}
		if _, err := db.SignOff(ctx, so.ref, sign, so.sales, so.marketing); err != nil {
			tb.Fatal(err)
		}
	}
	churn, _ := db.lookup(tb, "Churn")
	if err := db.SetOwner(ctx, termRef(churn.ID), store.Actor{ID: "UOWN", Name: "Owen"}); err != nil {
		tb.Fatal(err)
	}

	l1, l2 := tsAt(Start, 1), tsAt(Start.Add(time.Hour), 2)
	db.post(tb, l1, "Acme wants a demo", "UMKT", store.Origin{Source: "Webinar", Campaign: "q4-launch"})
	db.mustLead(tb, "CL", l2, "Globex, deleted")
	db.mustDelete(tb, "CL", l2)
	r := db.mustReact(tb, "ev1", store.Reaction{Channel: "CL", TS: l1, User: "UANA", Emoji: "-1", Rating: store.Poor, Added: true, At: Start.Add(time.Minute)})
	if err := db.SetReason(ctx, r.LeadID, "UANA", "no_budget"); err != nil {
		tb.Fatal(err)
	}
	db.mustReact(tb, "ev2", store.Reaction{Channel: "CL", TS: l1, User: "UBEN", Emoji: "fire", Rating: store.Hot, Added: true, At: Start.Add(2 * time.Minute)})
	db.mustReact(tb, "ev3", store.Reaction{Channel: "CX", TS: tsAt(Start, 3), User: "UBEN", Emoji: "+1", Rating: store.Good, Added: true, At: Start})
	bad := store.Reaction{Channel: "CL", TS: l1, User: "UANA", Emoji: "?", Rating: "meh", Added: true, At: Start}
	if res, err := db.Record(ctx, store.Event{ID: "ev4", React: &bad}); err != nil || !res.Skipped {
		tb.Fatalf("poison event: %+v, %v", res, err)
	}

	db.mustCount(tb, "lead velocity", "2026-11-23", 2)
	db.mustRequest(tb, "lead velocity", "UANA")

	m := db.mustAddMeeting(tb, "Pipeline review", "0 10 * * TUE", "C1")
	db.mustAddMeeting(tb, "Funnel retro", "@weekly", "C2")
	it := db.mustAddItem(tb, m.ID, "cleared", ann)
	db.mustAddItem(tb, m.ID, "open", bob)
	if err := db.ClearAgenda(ctx, m.ID, []int64{it.ID}); err != nil {
		tb.Fatal(err)
	}

	for _, mt := range []store.Metric{
		{Name: "visits", Week: store.ISOWeek{Year: 2026, Week: 48}, Value: 4210, SetBy: "UANN"},
		{Name: "ctr", Week: store.ISOWeek{Year: 2026, Week: 47}, Value: 2.5, Unit: "%", SetBy: "UBOB"},
	} {
		if err := db.SetMetric(ctx, mt); err != nil {
			tb.Fatal(err)
		}
	}
	db.mustSetSLA(tb, store.SLALeads, 40, ann)
	db.mustSetSLA(tb, store.SLAGood, 70, bob)
	if _, ok := db.mustClaim(tb, store.RecapKey(Start), "bot-1"); !ok {
		tb.Fatal("claim")
	}
	if err := db.Done(ctx, store.RecapKey(Start), "bot-1"); err != nil {
		tb.Fatal(err)
	}
	heldKey = reminderKey(r.LeadID)
	db.mustClaim(tb, heldKey, "bot-2")
	return heldKey
}

// Two exports of the same data are identical, and so is an export of a
// second instance on it.
func testExportStable(t *testing.T, s *suite) {
	db := s.open(t)
	seed(t, db)
	first := jsonOf(t, db.mustExport(t))
	if second := jsonOf(t, db.mustExport(t)); second != first {
		t.Fatalf("two exports differ:\n%s\n%s", first, second)
	}
	other := s.reopen(t, db.DSN, Start)
	if third := jsonOf(t, other.mustExport(t)); third != first {
		t.Fatalf("another instance's export differs:\n%s\n%s", first, third)
	}
}

// An export imported into an empty store exports the same again.
func testDatasetRoundTrip(t *testing.T, s *suite) {
	src := s.open(t)
	seed(t, src)
	ds := src.mustExport(t)
	if len(ds.Terms) != 2 || len(ds.Personas) != 2 || len(ds.Leads) != 2 || len(ds.Meetings) != 2 || len(ds.Metrics) != 2 || len(ds.SLA) != 2 ||
		len(ds.Insights) != 2 {
		t.Fatalf("export = %s, want 2 of each", jsonOf(t, ds))
	}
	dst := s.openAt(t, Start.Add(48*time.Hour))
	rep := dst.mustImport(t, ds)
	if rep.Created != 14 || rep.Updated+rep.Unchanged+len(rep.Rejected) != 0 {
		t.Fatalf("Import = %+v, want 14 created", rep)
	}
	if got, want := jsonOf(t, dst.mustExport(t)), jsonOf(t, ds); got != want {
		t.Fatalf("round trip changed the data:\n%s\nwant\n%s", got, want)
	}
	if rep := dst.mustImport(t, ds); rep.Unchanged != 14 || rep.Created+rep.Updated+len(rep.Rejected) != 0 {
		t.Fatalf("second Import = %+v, want 14 unchanged", rep)
	}
	// The import made the records work, not only export.
	if got, ok := dst.lookup(t, "m.q.l."); !ok || got.Definition != "Edited." || !got.CreatedAt.Equal(Start) {
		t.Fatalf("Term(m.q.l.) after import = %+v, %v", got, ok)
	}
	if hits := dst.mustSearch(t, "customers", 10); len(hits) != 1 {
		t.Fatalf("search after import = %q", termNames(hits))
	}
	if got, err := store.FindPersonas(ctx, dst, "dev"); err != nil || len(got) != 1 {
		t.Fatalf("FindPersonas after import = %+v, %v", got, err)
	}
}

func testImportCreatesUpdatesLeavesAlone(t *testing.T, s *suite) {
	db := s.open(t)
	ds := store.Dataset{Version: 1,
		Terms: []store.TermRecord{
			{Name: "Lead", Definition: "Someone who showed interest"},
			{Name: "Marketing Qualified Lead", Aliases: []string{"MQL"}, Category: "Funnel", Definition: "Ready for sales"},
		},
		Personas: []store.PersonaRecord{{Name: "Sally", Summary: "Busy"}},
	}
	var calls []string
	rep, err := db.Import(ctx, ds, store.ImportOptions{By: importer,
		Progress: func(done, total int) { calls = append(calls, fmt.Sprintf("%d/%d", done, total)) }})
	if err != nil || rep.Created != 3 || rep.Updated+rep.Unchanged+len(rep.Rejected) != 0 {
		t.Fatalf("first Import = %+v, %v", rep, err)
	}
	if !slices.Equal(calls, []string{"1/3", "2/3", "3/3"}) {
		t.Errorf("progress calls = %q", calls)
	}
	mql, ok := db.lookup(t, "MQL")
	if !ok || mql.CreatedBy != "import" || mql.CreatedByName != "import" || !mql.CreatedAt.Equal(Start) {
		t.Fatalf("imported term = %+v, want created by the importer, now", mql)
	}
	if got := db.mustImport(t, ds); got.Unchanged != 3 || got.Created+got.Updated != 0 {
		t.Fatalf("second Import = %+v, want 3 unchanged", got)
	}
	if revs := db.mustHistory(t, mql.ID); len(revs) != 1 {
		t.Fatalf("history after re-import has %d versions, want 1", len(revs))
	}
	// Changes in records with no updated_at are older than what is
	// stored: kept back (SPEC §7) unless Overwrite.
	ds.Terms[1].Aliases = []string{"MQL", "M.Q.L."}
	ds.Personas[0].Goals = "Save time"
	kept, err := db.Import(ctx, ds, store.ImportOptions{By: importer})
	if err != nil || len(kept.Kept) != 2 || kept.Updated != 0 || kept.Unchanged != 1 {
		t.Fatalf("Import of changes without times = %+v, %v; want 2 kept, 1 unchanged", kept, err)
	}
	for _, k := range kept.Kept {
		if stale, ok := errors.AsType[*store.StaleError](k.Err); !ok || !stale.Stored.Equal(Start) || !stale.Record.IsZero() {
			t.Fatalf("kept %+v, want a StaleError with the stored time and none for the record", k)
		}
	}
	if revs := db.mustHistory(t, mql.ID); len(revs) != 1 {
		t.Fatalf("history after a kept import has %d versions, want 1", len(revs))
	}
	got, err := db.Import(ctx, ds, store.ImportOptions{By: importer, Overwrite: true})
	if err != nil || got.Updated != 2 || got.Unchanged != 1 || len(got.Kept) != 0 {
		t.Fatalf("Import of changes with Overwrite = %+v, %v; want 2 updated, 1 unchanged", got, err)
	}
	if revs := db.mustHistory(t, mql.ID); len(revs) != 2 || !slices.Equal(revs[0].Value.Aliases, []string{"MQL", "M.Q.L."}) || revs[0].Action != "edited" {
		t.Fatalf("history after the change = %+v", revs)
	}
	if p, err := db.Persona(ctx, "sally"); err != nil || p.Goals != "Save time" {
		t.Fatalf("persona after the change = %+v, %v", p, err)
	}
	// A record matches by name whatever the case; the name is the record's.
	ds.Terms[0].Name = "LEAD"
	if got, err := db.Import(ctx, ds, store.ImportOptions{By: importer, Overwrite: true}); err != nil || got.Updated != 1 || got.Unchanged != 2 {
		t.Fatalf("Import of a renamed case = %+v, want 1 updated", got)
	}
	if tm, _ := db.lookup(t, "lead"); tm.Name != "LEAD" {
		t.Fatalf("term after a case change = %+v, want LEAD", tm)
	}
}

func testImportRejectsConflictsWithoutTrace(t *testing.T, s *suite) {
	db := s.open(t)
	db.mustAdd(t, store.Term{Name: "MQL", Definition: "Marketing qualified lead"}, ann)
	a := db.mustAdd(t, store.Term{Name: "A", Definition: "First"}, ann)
	db.mustAdd(t, store.Term{Name: "B", Definition: "Second"}, ann)
	db.mustAddPersona(t, store.Persona{Name: "Sally"}, ann)
	rep := db.mustImport(t, store.Dataset{Terms: []store.TermRecord{
		{Name: "Pipeline", Aliases: []string{"Funnel", "MQL"}, Definition: "All open deals"}, // alias is a name
		{Name: "Lead", Definition: "Someone"},
		{Name: "Sales Accepted Lead", Aliases: []string{"SAL"}, Definition: "Accepted"},
		{Name: "sal", Definition: "A name that is an alias imported before"},
		{Name: "A", Aliases: []string{"B"}, Definition: "Changed, but its alias is B's name"},
		{Name: "Twice", Aliases: []string{"TWICE"}, Definition: "names itself twice"},
	}, Personas: []store.PersonaRecord{{Name: "Dan"}}})
	if rep.Created != 3 || rep.Updated+rep.Unchanged != 0 {
		t.Fatalf("Import = %+v, want 3 created", rep)
	}
	var got []string
	for _, r := range rep.Rejected {
		var c *store.ConflictError
		if !errors.As(r.Err, &c) {
			t.Fatalf("rejection %+v is not a ConflictError", r)
		}
		got = append(got, fmt.Sprintf("%s[%d] %s/%s", r.Section, r.Index, c.Key, c.Owner))
	}
	if want := []string{"terms[0] MQL/MQL", "terms[3] sal/Sales Accepted Lead", "terms[5] TWICE/Twice"}; !slices.Equal(got, want) {
		t.Fatalf("rejected %q, want %q", got, want)
	}
	// A, changed by a record with no time, is kept back before its alias
	// is even looked at.
	if len(rep.Kept) != 1 || rep.Kept[0].Section != "terms" || rep.Kept[0].Index != 4 {
		t.Fatalf("kept %+v, want terms[4] (A)", rep.Kept)
	}
	rep = db.mustImport(t, store.Dataset{Terms: []store.TermRecord{
		{Name: "A", Aliases: []string{"B"}, Definition: "Changed, but its alias is B's name", UpdatedAt: Start.Add(time.Hour)},
	}})
	got = nil
	for _, r := range rep.Rejected {
		var c *store.ConflictError
		if errors.As(r.Err, &c) {
			got = append(got, fmt.Sprintf("%s[%d] %s/%s", r.Section, r.Index, c.Key, c.Owner))
		}
	}
	if want := []string{"terms[0] B/B"}; !slices.Equal(got, want) {
		t.Fatalf("rejected %q, want %q", got, want)
	}
	for _, name := range []string{"Pipeline", "Funnel", "Twice"} {
		if _, ok := db.lookup(t, name); ok {
			t.Errorf("Term(%q) found: a rejected record left a key behind", name)
		}
	}
	if hits := db.mustSearch(t, "open deals", 5); len(hits) != 0 {
		t.Errorf("search finds the rejected term: %q", termNames(hits))
	}
	if after, _ := db.TermByID(ctx, a.ID); !reflect.DeepEqual(after, a) {
		t.Errorf("rejected update changed A: %+v", after)
	}
	if revs := db.mustHistory(t, a.ID); len(revs) != 1 {
		t.Errorf("rejected update added history: %d versions", len(revs))
	}
	if terms := db.mustTerms(t); len(terms) != 5 {
		t.Errorf("Terms = %q, want 5", termNames(terms))
	}
}

func testImportRejectsInvalid(t *testing.T, s *suite) {
	db := s.open(t)
	rep := db.mustImport(t, store.Dataset{
		Leads: []store.LeadRecord{
			{Channel: "CL", TS: "x"},
			{Channel: "CL", TS: tsAt(Start, 9), Feedback: []store.FeedbackRecord{{User: "U1", Rating: "meh"}}},
			{Channel: "", TS: tsAt(Start, 1)},
			{Channel: "CL", TS: tsAt(Start, 2), Feedback: []store.FeedbackRecord{{User: "U1", Rating: store.Good}, {User: "U1", Rating: store.Poor}}},
			{Channel: "CL", TS: tsAt(Start, 3), Text: "fine"},
		},
		Metrics: []store.MetricRecord{
			{Name: "visits", Week: "2025-W53", Value: 1},
			{Name: "visits", Week: "week 48", Value: 1},
			{Name: "", Week: "2026-W48", Value: 1},
			{Name: "visits", Week: "2026-W48", Value: 1, Unit: "EUR"},
			{Name: "visits", Week: "2026-W48", Value: 1},
		},
	})
	if rep.Created != 2 || len(rep.Rejected) != 8 {
		t.Fatalf("Import = %+v, want 2 created, 8 rejected", rep)
	}
	var got []string
	for _, r := range rep.Rejected {
		var re *store.RecordError
		if !errors.As(r.Err, &re) {
			t.Errorf("rejection %s[%d] = %v, want a *RecordError", r.Section, r.Index, r.Err)
		}
		got = append(got, fmt.Sprintf("%s[%d]", r.Section, r.Index))
	}
	if want := []string{"leads[0]", "leads[1]", "leads[2]", "leads[3]", "metrics[0]", "metrics[1]", "metrics[2]", "metrics[3]"}; !slices.Equal(got, want) {
		t.Fatalf("rejected %q, want %q", got, want)
	}
	ds := db.mustExport(t)
	if len(ds.Leads) != 1 || ds.Leads[0].Text != "fine" || len(ds.Metrics) != 1 {
		t.Fatalf("export after the import = %s, want the two good records", jsonOf(t, ds))
	}
}

func testImportUpdateAuthorship(t *testing.T, s *suite) {
	stored := Start.Add(-24 * time.Hour)
	tests := []struct {
		name      string
		updatedAt time.Time
		wantBy    string
		wantAt    time.Time
	}{
		// The file says the record was edited after the stored version:
		// that edit is what the import applies.
		{"newer in the file", Start.Add(-time.Hour), "UBOB", Start.Add(-time.Hour)},
		// Not newer: kept back; with Overwrite the edit is the
		// importer's, now, and sorts after the stored version.
		{"same time as stored", stored, "import", Start},
		{"older than stored", stored.Add(-time.Hour), "import", Start},
		{"no time", time.Time{}, "import", Start},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := s.open(t)
			db.mustImport(t, store.Dataset{
				Terms:    []store.TermRecord{{Name: "MQL", Definition: "Old", CreatedBy: "UANN", CreatedAt: stored, UpdatedBy: "UANN", UpdatedAt: stored}},
				Personas: []store.PersonaRecord{{Name: "Sally", Summary: "Old", CreatedBy: "UANN", CreatedAt: stored, UpdatedAt: stored}},
			})
			term, _ := db.lookup(t, "MQL")
			if term.CreatedBy != "UANN" || !term.CreatedAt.Equal(stored) || term.UpdatedBy != "UANN" || !term.UpdatedAt.Equal(stored) {
				t.Fatalf("created term = %+v, want the record's authors and times", term)
			}
			change := store.Dataset{
				Terms:    []store.TermRecord{{Name: "MQL", Definition: "New", CreatedBy: "UANN", CreatedAt: stored, UpdatedBy: "UBOB", UpdatedAt: tc.updatedAt}},
				Personas: []store.PersonaRecord{{Name: "Sally", Summary: "New", CreatedBy: "UANN", CreatedAt: stored, UpdatedAt: tc.updatedAt}},
			}
			newer := tc.updatedAt.After(stored)
			rep, err := db.Import(ctx, change, store.ImportOptions{By: importer})
			switch {
			case err != nil:
				t.Fatal(err)
			case newer && rep.Updated != 2:
				t.Fatalf("Import = %+v, want 2 updated", rep)
			case !newer && (rep.Updated != 0 || len(rep.Kept) != 2):
				t.Fatalf("Import = %+v, want 2 kept: the stored versions are newer", rep)
			}
			if !newer {
				if term, _ := db.lookup(t, "MQL"); term.Definition != "Old" {
					t.Fatalf("a kept term changed: %+v", term)
				}
				if rep, err = db.Import(ctx, change, store.ImportOptions{By: importer, Overwrite: true}); err != nil || rep.Updated != 2 {
					t.Fatalf("Import with Overwrite = %+v, %v; want 2 updated", rep, err)
				}
			}
			term, _ = db.lookup(t, "MQL")
			if term.UpdatedBy != tc.wantBy || !term.UpdatedAt.Equal(tc.wantAt) || term.CreatedBy != "UANN" || !term.CreatedAt.Equal(stored) {
				t.Errorf("term updated by %q at %v (created by %q at %v), want by %q at %v",
					term.UpdatedBy, term.UpdatedAt, term.CreatedBy, term.CreatedAt, tc.wantBy, tc.wantAt)
			}
			if h := db.mustHistory(t, term.ID); len(h) != 2 || h[0].EditedBy != tc.wantBy || !h[0].EditedAt.Equal(tc.wantAt) {
				t.Errorf("term history = %+v, want the edit by %q at %v first", h, tc.wantBy, tc.wantAt)
			}
			p, _ := db.Persona(ctx, "Sally")
			if !p.UpdatedAt.Equal(tc.wantAt) || p.UpdatedBy != "import" || p.CreatedBy != "UANN" || !p.CreatedAt.Equal(stored) {
				t.Errorf("persona updated by %q at %v, want by import at %v", p.UpdatedBy, p.UpdatedAt, tc.wantAt)
			}
		})
	}
}

func testImportRefusesOtherVersions(t *testing.T, s *suite) {
	db := s.open(t)
	for _, v := range []int{2, -1, 99} {
		_, err := db.Import(ctx, store.Dataset{Version: v, Terms: []store.TermRecord{{Name: "A", Definition: "b"}}}, store.ImportOptions{})
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("version %d", v)) {
			t.Fatalf("Import of version %d: %v", v, err)
		}
	}
	if ds := db.mustExport(t); len(ds.Terms) != 0 {
		t.Fatalf("something was imported: %+v", ds)
	}
	// Version 0 (not written) is read as the current one.
	if rep := db.mustImport(t, store.Dataset{Terms: []store.TermRecord{{Name: "A", Definition: "b"}}}); rep.Created != 1 {
		t.Fatalf("Import of version 0 = %+v, want 1 created", rep)
	}
}

// An import is one transaction: one that fails part way leaves nothing.
func testImportAllOrNothing(t *testing.T, s *suite) {
	db := s.open(t)
	db.mustAdd(t, store.Term{Name: "Kept", Definition: "before"}, ann)
	before := jsonOf(t, db.mustExport(t))
	c, cancel := context.WithCancel(ctx)
	defer cancel()
	ds := store.Dataset{
		Terms:    []store.TermRecord{{Name: "One", Definition: "1"}, {Name: "Kept", Definition: "changed"}, {Name: "Two", Definition: "2"}},
		Personas: []store.PersonaRecord{{Name: "Sally"}},
		Metrics:  []store.MetricRecord{{Name: "visits", Week: "2026-W48", Value: 1}},
	}
	_, err := db.Import(c, ds, store.ImportOptions{By: importer, Progress: func(done, total int) {
		if done == 2 {
			cancel()
		}
	}})
	if err == nil {
		t.Fatal("Import cancelled part way: no error")
	}
	if after := jsonOf(t, db.mustExport(t)); after != before {
		t.Fatalf("a failed import left changes:\n%s\nwant\n%s", after, before)
	}
	if _, ok := db.lookup(t, "One"); ok {
		t.Fatal("Term(One) found after a failed import")
	}
	if hits := db.mustSearch(t, "changed", 10); len(hits) != 0 {
		t.Fatalf("search finds the failed import: %q", termNames(hits))
	}
}

func testLeadsRoundTrip(t *testing.T, s *suite) {
	src := s.open(t)
	l1, l2, l3 := tsAt(Start, 1), tsAt(Start.Add(time.Hour), 2), tsAt(Start.Add(2*time.Hour), 3)
	for _, ts := range []string{l3, l1, l2} {
		src.mustLead(t, "CL", ts, "lead <!here> "+ts)
	}
	src.mustDelete(t, "CL", l3)
	r := src.mustReact(t, "a", store.Reaction{Channel: "CL", TS: l1, User: "UANA", Emoji: "-1", Rating: store.Poor, Added: true, At: Start.Add(time.Minute)})
	if err := src.SetReason(ctx, r.LeadID, "UANA", "other: a student"); err != nil {
		t.Fatal(err)
	}
	src.mustReact(t, "b", store.Reaction{Channel: "CL", TS: l1, User: "UBEN", Emoji: "fire", Rating: store.Hot, Added: true, At: Start.Add(2 * time.Minute)})
	src.mustReact(t, "c", store.Reaction{Channel: "CL", TS: "999.000001", User: "UBEN", Emoji: "fire", Rating: store.Hot, Added: true, At: Start}) // unverified: not exported

	first := src.mustExport(t)
	if len(first.Leads) != 3 {
		t.Fatalf("exported leads = %s, want 3", jsonOf(t, first.Leads))
	}
	if l := first.Leads[0]; l.TS != l1 || l.Text != "lead <!here> "+l1 || l.PostedBy != "UMKT" || len(l.Feedback) != 2 ||
		!sameFeedback(l.Feedback[0], store.FeedbackRecord{User: "UANA", Rating: store.Poor, Reason: "other: a student", At: Start.Add(time.Minute)}) ||
		!sameFeedback(l.Feedback[1], store.FeedbackRecord{User: "UBEN", Rating: store.Hot, At: Start.Add(2 * time.Minute)}) {
		t.Fatalf("exported lead = %s, want l1 with its feedback by time", jsonOf(t, l))
	}
	if first.Leads[1].TS != l2 || first.Leads[1].Feedback == nil || len(first.Leads[1].Feedback) != 0 || !first.Leads[2].Deleted {
		t.Fatalf("exported leads = %s, want by posting time, feedback [] and l3 deleted", jsonOf(t, first.Leads))
	}
	dst := s.open(t)
	rep, err := dst.Import(ctx, first, store.ImportOptions{})
	if err != nil || rep.Created != 3 {
		t.Fatalf("import: %+v, %v; want 3 created", rep, err)
	}
	if got, want := jsonOf(t, dst.mustExport(t).Leads), jsonOf(t, first.Leads); got != want {
		t.Fatalf("round trip changed leads:\n%s\nwant\n%s", got, want)
	}
	if again, err := dst.Import(ctx, first, store.ImportOptions{}); err != nil || again.Unchanged != 3 {
		t.Fatalf("second import: %+v, %v; want 3 unchanged", again, err)
	}
	st := dst.mustStats(t, Start.Add(-time.Hour), Start.Add(5*time.Hour), time.Hour, Start.Add(5*time.Hour))
	if st.Posted != 2 || st.Rated != 1 || st.Hot != 1 || st.Ratings != 2 || len(st.FirstFeedback) != 1 || st.FirstFeedback[0] != time.Minute-time.Microsecond {
		t.Fatalf("stats after import = %+v", st)
	}
	// A changed record replaces the feedback with its own.
	changed := first
	changed.Leads = slices.Clone(first.Leads)
	changed.Leads[0].Feedback = []store.FeedbackRecord{{User: "UCAT", Rating: store.Good, At: Start.Add(30 * time.Second)}}
	if rep, err := dst.Import(ctx, changed, store.ImportOptions{}); err != nil || rep.Updated != 1 || rep.Unchanged != 2 {
		t.Fatalf("import of a changed lead: %+v, %v; want 1 updated", rep, err)
	}
	if got := dst.mustExport(t).Leads[0].Feedback; len(got) != 1 || got[0].User != "UCAT" {
		t.Fatalf("feedback after the import = %+v, want UCAT's alone", got)
	}
	// An imported lead takes reactions like any other.
	res := dst.mustReact(t, "d", store.Reaction{Channel: "CL", TS: l2, User: "UANA", Emoji: "+1", Rating: store.Good, Added: true, At: Start.Add(3 * time.Hour)})
	if !res.Verified || res.Rating != store.Good {
		t.Fatalf("reaction on an imported lead = %+v", res)
	}
}

func sameFeedback(a, b store.FeedbackRecord) bool {
	return a.User == b.User && a.Rating == b.Rating && a.Reason == b.Reason && a.At.Equal(b.At)
}

func testMeetingRecordsAndImport(t *testing.T, s *suite) {
	db := s.open(t)
	m1 := db.mustAddMeeting(t, "Pipeline review", "0 10 * * TUE", "C1")
	m2 := db.mustAddMeeting(t, "Funnel retro", "@weekly", "C2")
	done := db.mustAddItem(t, m1.ID, "cleared", ann)
	db.mustAddItem(t, m1.ID, "open one", bob)
	if err := db.ClearAgenda(ctx, m1.ID, []int64{done.ID}); err != nil {
		t.Fatal(err)
	}
	recs := db.mustExport(t).Meetings
	want := []store.MeetingRecord{
		{ID: m1.ID, Title: "Pipeline review", Schedule: "0 10 * * TUE", Channel: "C1", Agenda: []string{"open one"},
			Actions: []store.ActionRecord{}, Decisions: []store.DecisionRecord{}, Skips: []string{}},
		{ID: m2.ID, Title: "Funnel retro", Schedule: "@weekly", Channel: "C2", Agenda: []string{},
			Actions: []store.ActionRecord{}, Decisions: []store.DecisionRecord{}, Skips: []string{}},
	}
	js := jsonOf(t, recs)
	if js != jsonOf(t, want) {
		t.Fatalf("exported meetings = %s\nwant %s", js, jsonOf(t, want))
	}
	if !strings.Contains(js, `"agenda": []`) {
		t.Fatalf("JSON %s: want an empty agenda as [] (not null)", js)
	}
	importOne := func(db *tdb, r store.MeetingRecord) store.ImportReport {
		t.Helper()
		return db.mustImport(t, store.Dataset{Meetings: []store.MeetingRecord{r}})
	}
	is := func(rep store.ImportReport, created, updated, unchanged int) bool {
		return rep.Created == created && rep.Updated == updated && rep.Unchanged == unchanged && len(rep.Rejected) == 0
	}

	// Into a fresh store: created under the same ids, twice = unchanged.
	fresh := s.open(t)
	for _, r := range recs {
		if rep := importOne(fresh, r); !is(rep, 1, 0, 0) {
			t.Fatalf("import %q = %+v, want created", r.Title, rep)
		}
	}
	for _, r := range recs {
		if rep := importOne(fresh, r); !is(rep, 0, 0, 1) {
			t.Fatalf("re-import %q = %+v, want unchanged", r.Title, rep)
		}
	}
	if again := jsonOf(t, fresh.mustExport(t).Meetings); again != js {
		t.Fatalf("round trip = %s\nwant %s", again, js)
	}
	if got, err := fresh.Meeting(ctx, m1.ID); err != nil || got.CreatedBy != "import" || got.Agenda != 1 {
		t.Fatalf("imported meeting = %+v, %v; want created by the importer with 1 item", got, err)
	}
	if items, _ := fresh.Agenda(ctx, m1.ID); len(items) != 1 || items[0].AddedBy != "import" {
		t.Fatalf("imported agenda = %+v, want added by the importer", items)
	}

	// Changed schedule and a new agenda item: updated, the old item kept.
	r := recs[0]
	r.Schedule, r.Agenda = "0 11 * * TUE", []string{"open one", "new one"}
	if rep := importOne(fresh, r); !is(rep, 0, 1, 0) {
		t.Fatalf("import of a changed meeting = %+v, want updated", rep)
	}
	if got, _ := fresh.Meeting(ctx, r.ID); got.Schedule != "0 11 * * TUE" || got.Agenda != 2 {
		t.Fatalf("after update: %+v, want the new schedule and 2 items", got)
	}
	// Import never removes agenda items.
	r.Agenda = []string{}
	if rep := importOne(fresh, r); !is(rep, 0, 0, 1) {
		t.Fatalf("import without the items = %+v, want unchanged", rep)
	}
	if got := fresh.agendaTexts(t, r.ID); !slices.Equal(got, []string{"open one", "new one"}) {
		t.Fatalf("agenda = %q, want both items kept", got)
	}

	// Its id taken by another meeting: created under a new id, and matched
	// by title and channel the next time, so never duplicated.
	other := store.MeetingRecord{ID: m1.ID, Title: "Brand sync", Schedule: "@daily", Channel: "C9", Agenda: []string{},
		Actions: []store.ActionRecord{}, Decisions: []store.DecisionRecord{}, Skips: []string{}}
	if rep := importOne(fresh, other); !is(rep, 1, 0, 0) {
		t.Fatalf("import with a taken id = %+v, want created", rep)
	}
	if rep := importOne(fresh, other); !is(rep, 0, 0, 1) {
		t.Fatalf("second import with a taken id = %+v, want unchanged", rep)
	}
	all, _ := fresh.Meetings(ctx)
	if len(all) != 3 || all[0].Title != "Pipeline review" || all[2].Title != "Brand sync" {
		t.Fatalf("meetings = %+v: the taken id must keep its meeting", all)
	}
	// A meeting added after an import gets an id of its own.
	added := fresh.mustAddMeeting(t, "New", "@daily", "C3")
	for _, m := range all {
		if m.ID == added.ID {
			t.Fatalf("AddMeeting after import reused id %d", added.ID)
		}
	}
}

func testMetricRecordsAndImport(t *testing.T, s *suite) {
	db := s.open(t)
	if err := db.SetMetric(ctx, store.Metric{Name: "visits", Week: store.ISOWeek{Year: 2026, Week: 48}, Value: 4210, SetBy: "UANN"}); err != nil {
		t.Fatalf("SetMetric: %v", err)
	}
	if err := db.SetMetric(ctx, store.Metric{Name: "ctr", Week: store.ISOWeek{Year: 2026, Week: 5}, Value: 2.5, Unit: "%", SetBy: "UBOB"}); err != nil {
		t.Fatalf("SetMetric: %v", err)
	}
	recs := db.mustExport(t).Metrics
	want := []store.MetricRecord{
		{Name: "ctr", Week: "2026-W05", Value: 2.5, Unit: "%", SetBy: "UBOB"},
		{Name: "visits", Week: "2026-W48", Value: 4210, SetBy: "UANN"},
	}
	if !slices.Equal(recs, want) {
		t.Fatalf("exported metrics = %+v, want %+v", recs, want)
	}
	later := Start.Add(time.Hour)
	db.set(later)
	tests := []struct {
		name string
		rec  store.MetricRecord
		want string // created, updated or unchanged
	}{
		{"same as exported", want[1], "unchanged"},
		{"no author: keeps the stored one", store.MetricRecord{Name: "visits", Week: "2026-W48", Value: 4210}, "unchanged"},
		{"new value", store.MetricRecord{Name: "visits", Week: "2026-W48", Value: 4300, SetBy: "UANN"}, "updated"},
		{"unit dropped", store.MetricRecord{Name: "ctr", Week: "2026-W05", Value: 2.5, SetBy: "UBOB"}, "updated"},
		{"new week, lower-case w", store.MetricRecord{Name: "visits", Week: "2026-w47", Value: 3900}, "created"},
		{"again", store.MetricRecord{Name: "visits", Week: "2026-W47", Value: 3900}, "unchanged"},
		{"other author", store.MetricRecord{Name: "visits", Week: "2026-W47", Value: 3900, SetBy: "UCAT"}, "updated"},
	}
	for _, tc := range tests {
		rep := db.mustImport(t, store.Dataset{Metrics: []store.MetricRecord{tc.rec}})
		got := map[bool]string{rep.Created == 1: "created", rep.Updated == 1: "updated", rep.Unchanged == 1: "unchanged"}[true]
		if got != tc.want || len(rep.Rejected) != 0 {
			t.Errorf("import %s = %+v, want %s", tc.name, rep, tc.want)
		}
	}
	all, err := db.AllMetrics(ctx)
	if err != nil {
		t.Fatalf("AllMetrics: %v", err)
	}
	wantAll := []store.Metric{
		{Name: "ctr", Week: store.ISOWeek{Year: 2026, Week: 5}, Value: 2.5, SetBy: "UBOB", SetAt: later},
		{Name: "visits", Week: store.ISOWeek{Year: 2026, Week: 47}, Value: 3900, SetBy: "UCAT", SetAt: later},
		{Name: "visits", Week: store.ISOWeek{Year: 2026, Week: 48}, Value: 4300, SetBy: "UANN", SetAt: later},
	}
	if len(all) != len(wantAll) {
		t.Fatalf("AllMetrics = %+v, want %+v", all, wantAll)
	}
	for i := range all {
		if !sameMetric(all[i], wantAll[i]) {
			t.Errorf("AllMetrics[%d] = %+v, want %+v", i, all[i], wantAll[i])
		}
	}
}
