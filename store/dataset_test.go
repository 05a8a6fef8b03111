package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"smarketing/store"
)

// fakeImporter records what ImportInto asks of it and answers from a table.
type fakeImporter struct {
	calls   []string
	by      []store.Actor
	answers map[string]answer // by record name
}

type answer struct {
	out store.Outcome
	err error
}

func (f *fakeImporter) do(what, name string, by store.Actor) (store.Outcome, error) {
	f.calls = append(f.calls, what+" "+name)
	f.by = append(f.by, by)
	a := f.answers[name]
	return a.out, a.err
}

func (f *fakeImporter) ImportTerm(_ context.Context, r store.TermRecord, opt store.ImportOptions) (store.Outcome, error) {
	return f.do("term", r.Name, opt.By)
}
func (f *fakeImporter) ImportPersona(_ context.Context, r store.PersonaRecord, opt store.ImportOptions) (store.Outcome, error) {
	return f.do("persona", r.Name, opt.By)
}
func (f *fakeImporter) ImportLead(_ context.Context, r store.LeadRecord) (store.Outcome, error) {
	return f.do("lead", r.TS, store.Actor{})
}
func (f *fakeImporter) ImportMeeting(_ context.Context, r store.MeetingRecord, by store.Actor) (store.Outcome, error) {
	return f.do("meeting", r.Title, by)
}
func (f *fakeImporter) ImportMetric(_ context.Context, r store.MetricRecord, by store.Actor) (store.Outcome, error) {
	return f.do("metric", r.Name, by)
}
func (f *fakeImporter) ImportSLA(_ context.Context, r store.SLARecord, by store.Actor) (store.Outcome, error) {
	return f.do("sla", r.Name, by)
}

func (f *fakeImporter) ImportInsight(_ context.Context, r store.InsightRecord, by store.Actor) (store.Outcome, error) {
	return f.do("insight", r.Text, by)
}

var _ store.RecordImporter = (*fakeImporter)(nil)

func fullDataset() store.Dataset {
	return store.Dataset{Version: store.DatasetVersion,
		Terms:    []store.TermRecord{{Name: "t0"}, {Name: "t1"}, {Name: "t2"}},
		Personas: []store.PersonaRecord{{Name: "p0"}, {Name: "p1"}},
		Leads:    []store.LeadRecord{{TS: "l0"}},
		Meetings: []store.MeetingRecord{{Title: "m0"}},
		Metrics:  []store.MetricRecord{{Name: "x0"}, {Name: "x1"}},
		SLA:      []store.SLARecord{{Name: "s0"}, {Name: "s1"}},
		Insights: []store.InsightRecord{{Text: "i0"}, {Text: "i1"}},
	}
}

func TestImportInto(t *testing.T) {
	im := &fakeImporter{answers: map[string]answer{
		"t0": {store.Created, nil},
		"t1": {0, &store.ConflictError{Key: "a", Owner: "b"}},
		"t2": {store.Unchanged, nil},
		"p0": {store.Updated, nil},
		"p1": {0, fmt.Errorf("wrapped: %w", &store.ConflictError{Key: "p", Owner: "q"})},
		"l0": {0, &store.RecordError{Msg: "bad ts"}},
		"m0": {store.Created, nil},
		"x0": {store.Updated, nil},
		"x1": {0, fmt.Errorf("metric: %w", &store.RecordError{Msg: "bad week"})},
		"s0": {store.Unchanged, nil},
		"s1": {0, &store.RecordError{Msg: "bad target"}},
		"i0": {store.Created, nil},
		"i1": {0, &store.RecordError{Msg: "no text"}},
	}}
	by := store.Actor{ID: "UIMP", Name: "Importer"}
	var progress []string
	rep, err := store.ImportInto(context.Background(), fullDataset(), store.ImportOptions{By: by,
		Progress: func(done, total int) { progress = append(progress, fmt.Sprintf("%d/%d", done, total)) }}, im)
	if err != nil {
		t.Fatalf("ImportInto: %v", err)
	}
	wantCalls := []string{"term t0", "term t1", "term t2", "persona p0", "persona p1", "lead l0", "meeting m0", "metric x0", "metric x1", "sla s0", "sla s1", "insight i0", "insight i1"}
	if !slices.Equal(im.calls, wantCalls) {
		t.Fatalf("calls = %q, want %q (section by section, in order)", im.calls, wantCalls)
	}
	for i, a := range im.by {
		if im.calls[i] != "lead l0" && a != by {
			t.Errorf("%s got by %+v, want the importer's", im.calls[i], a)
		}
	}
	if rep.Created != 3 || rep.Updated != 2 || rep.Unchanged != 2 {
		t.Errorf("report = %+v, want 3 created, 2 updated, 2 unchanged", rep)
	}
	var rejected []string
	for _, r := range rep.Rejected {
		rejected = append(rejected, fmt.Sprintf("%s[%d]", r.Section, r.Index))
	}
	if want := []string{"terms[1]", "personas[1]", "leads[0]", "metrics[1]", "sla[1]", "insights[1]"}; !slices.Equal(rejected, want) {
		t.Errorf("rejected = %q, want %q", rejected, want)
	}
	var want []string
	for i := range 13 {
		want = append(want, fmt.Sprintf("%d/13", i+1))
	}
	if !slices.Equal(progress, want) {
		t.Errorf("progress = %q, want %q (rejected records count as done)", progress, want)
	}
}

// Any other error ends the import: nothing after it is asked for, and no
// report is returned (the backend rolls back).
func TestImportIntoStopsOnOtherErrors(t *testing.T) {
	disk := errors.New("disk I/O error")
	im := &fakeImporter{answers: map[string]answer{"t0": {store.Created, nil}, "p0": {0, disk}}}
	rep, err := store.ImportInto(context.Background(), fullDataset(), store.ImportOptions{}, im)
	if !errors.Is(err, disk) || !strings.Contains(err.Error(), `persona "p0"`) {
		t.Fatalf("ImportInto err = %v, want the disk error naming persona p0", err)
	}
	if rep.Created+rep.Updated+rep.Unchanged+len(rep.Rejected) != 0 {
		t.Fatalf("report after a failure = %+v, want none", rep)
	}
	if want := []string{"term t0", "term t1", "term t2", "persona p0"}; !slices.Equal(im.calls, want) {
		t.Fatalf("calls = %q, want %q", im.calls, want)
	}
}

func TestImportIntoVersions(t *testing.T) {
	for _, v := range []int{0, store.DatasetVersion} {
		im := &fakeImporter{}
		ds := fullDataset()
		ds.Version = v
		if _, err := store.ImportInto(context.Background(), ds, store.ImportOptions{}, im); err != nil || len(im.calls) != 13 {
			t.Errorf("version %d: %v, %d calls; want all imported", v, err, len(im.calls))
		}
	}
	for _, v := range []int{-1, 2, 99} {
		im := &fakeImporter{}
		ds := fullDataset()
		ds.Version = v
		_, err := store.ImportInto(context.Background(), ds, store.ImportOptions{}, im)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("version %d", v)) || len(im.calls) != 0 {
			t.Errorf("version %d: %v, %d calls; want refused before any record", v, err, len(im.calls))
		}
	}
	// An empty dataset: nothing to do, no progress calls.
	calls := 0
	rep, err := store.ImportInto(context.Background(), store.Dataset{}, store.ImportOptions{Progress: func(int, int) { calls++ }}, &fakeImporter{})
	if err != nil || calls != 0 || rep.Created+rep.Updated+rep.Unchanged != 0 {
		t.Errorf("empty import = %+v, %v, %d progress calls", rep, err, calls)
	}
}

func TestEditByImport(t *testing.T) {
	stored := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	by := store.Actor{ID: "UIMP", Name: "Importer"}
	tests := []struct {
		name      string
		at        time.Time
		recordBy  string
		overwrite bool
		wantAt    time.Time
		wantBy    store.Actor
		wantStale bool
	}{
		{"newer, with author", stored.Add(time.Hour), "UBOB", false, stored.Add(time.Hour), store.Actor{ID: "UBOB"}, false},
		{"newer, no author", stored.Add(time.Hour), "", false, stored.Add(time.Hour), by, false},
		{"same time", stored, "UBOB", false, time.Time{}, store.Actor{}, true},
		{"older", stored.Add(-time.Hour), "UBOB", false, time.Time{}, store.Actor{}, true},
		{"no time", time.Time{}, "UBOB", false, time.Time{}, store.Actor{}, true},
		{"older, overwrite", stored.Add(-time.Hour), "UBOB", true, time.Time{}, by, false},
		{"no time, overwrite", time.Time{}, "UBOB", true, time.Time{}, by, false},
	}
	for _, tc := range tests {
		at, who, err := store.EditByImport(tc.at, stored, tc.recordBy, by, tc.overwrite)
		stale, isStale := errors.AsType[*store.StaleError](err)
		if !at.Equal(tc.wantAt) || at.IsZero() != tc.wantAt.IsZero() || who != tc.wantBy || isStale != tc.wantStale || (err != nil && !isStale) {
			t.Errorf("EditByImport(%s) = %v, %+v, %v; want %v, %+v, stale %v", tc.name, at, who, err, tc.wantAt, tc.wantBy, tc.wantStale)
		}
		if isStale && (!stale.Stored.Equal(stored) || !stale.Record.Equal(tc.at)) {
			t.Errorf("EditByImport(%s) = %+v, want both times", tc.name, stale)
		}
	}
	if !store.Newer(stored.Add(1), stored) || store.Newer(stored, stored) || store.Newer(time.Time{}, time.Time{}.Add(-1)) {
		t.Error("Newer: want strictly after, and never for a zero time")
	}
	if got := store.Importer("", by); got != by {
		t.Errorf("Importer(\"\") = %+v", got)
	}
	if got := store.Importer("U1", by); got != (store.Actor{ID: "U1"}) {
		t.Errorf("Importer(U1) = %+v", got)
	}
}

func TestRecordsOf(t *testing.T) {
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	tm := store.TermRecord{Name: "n", Aliases: []string{}, Category: "c", Definition: "d", CreatedBy: "U1", CreatedAt: at, UpdatedBy: "U2", UpdatedAt: at.Add(1)}.TermOf()
	if tm.Aliases != nil || tm.Name != "n" || tm.Category != "c" || tm.Definition != "d" || tm.CreatedBy != "U1" || !tm.CreatedAt.Equal(at) || tm.UpdatedBy != "U2" || !tm.UpdatedAt.Equal(at.Add(1)) {
		t.Errorf("TermOf = %+v", tm)
	}
	p := store.PersonaRecord{Name: "n", Role: "r", Summary: "s", Goals: "g", Pains: "p", Objections: "o", Channels: "c", Questions: "q",
		CreatedBy: "U1", CreatedAt: at, UpdatedAt: at.Add(1)}.PersonaOf()
	want := store.Persona{Name: "n", Role: "r", Summary: "s", Goals: "g", Pains: "p", Objections: "o", Channels: "c", Questions: "q",
		CreatedBy: "U1", CreatedAt: at, UpdatedAt: at.Add(1), Agreement: store.Agreement{Version: 1}} // a record without a version is version 1
	if !reflect.DeepEqual(p, want) {
		t.Errorf("PersonaOf = %+v, want %+v", p, want)
	}
}
