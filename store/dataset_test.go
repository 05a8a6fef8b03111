package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"smarketing/store"
)

var importActor = store.Actor{ID: "import", Name: "import"}

func mustImportDS(tb testing.TB, db *store.DB, ds store.Dataset) store.ImportReport {
	tb.Helper()
	rep, err := db.Import(context.Background(), ds, store.ImportOptions{By: importActor})
	if err != nil {
		tb.Fatalf("Import: %v", err)
	}
	return rep
}

func mustExport(tb testing.TB, db *store.DB) store.Dataset {
	tb.Helper()
	ds, err := db.Export(context.Background())
	if err != nil {
		tb.Fatalf("Export: %v", err)
	}
	return ds
}

func TestExportEmpty(t *testing.T) {
	ds := mustExport(t, MustOpenDB(t))
	if ds.Version != store.DatasetVersion || ds.Terms != nil || ds.Personas != nil {
		t.Fatalf("Export of an empty database = %+v", ds)
	}
}

func TestExportOrder(t *testing.T) {
	db := MustOpenDB(t)
	for _, name := range []string{"zeta", "Alpha", "Épée", "beta"} {
		mustAdd(t, db, store.Term{Name: name, Category: "Z" + name, Definition: "d"}, ann)
		if _, err := db.AddPersona(context.Background(), store.Persona{Name: name, Summary: "s"}, ann); err != nil {
			t.Fatal(err)
		}
	}
	ds := mustExport(t, db)
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

func TestImportCreatesUpdatesAndLeavesAlone(t *testing.T) {
	db := MustOpenDB(t)
	ds := store.Dataset{Version: 1,
		Terms: []store.TermRecord{
			{Name: "Lead", Definition: "Someone who showed interest"},
			{Name: "Marketing Qualified Lead", Aliases: []string{"MQL"}, Category: "Funnel", Definition: "Ready for sales"},
		},
		Personas: []store.PersonaRecord{{Name: "Sally", Summary: "Busy"}},
	}
	var calls []string
	rep, err := db.Import(context.Background(), ds, store.ImportOptions{By: importActor,
		Progress: func(done, total int) { calls = append(calls, fmt.Sprintf("%d/%d", done, total)) }})
	if err != nil || rep.Created != 3 || rep.Updated+rep.Unchanged+len(rep.Rejected) != 0 {
		t.Fatalf("first Import = %+v, %v", rep, err)
	}
	if !slices.Equal(calls, []string{"1/3", "2/3", "3/3"}) {
		t.Errorf("progress calls = %q", calls)
	}
	if got := mustImportDS(t, db, ds); got.Unchanged != 3 || got.Created+got.Updated != 0 {
		t.Fatalf("second Import = %+v, want 3 unchanged", got)
	}
	mql, _ := db.Term(context.Background(), "MQL")
	if revs, _ := db.TermHistory(context.Background(), mql.ID); len(revs) != 1 {
		t.Fatalf("history after re-import has %d versions, want 1", len(revs))
	}
	ds.Terms[1].Aliases = []string{"MQL", "M.Q.L."}
	ds.Personas[0].Goals = "Save time"
	if got := mustImportDS(t, db, ds); got.Updated != 2 || got.Unchanged != 1 {
		t.Fatalf("Import of changes = %+v, want 2 updated, 1 unchanged", got)
	}
	if revs, _ := db.TermHistory(context.Background(), mql.ID); len(revs) != 2 || !slices.Equal(revs[0].Value.Aliases, []string{"MQL", "M.Q.L."}) {
		t.Fatalf("history after the change = %+v", revs)
	}
}

func TestImportRejectsConflictsWithoutTrace(t *testing.T) {
	db := MustOpenDB(t)
	mustAdd(t, db, store.Term{Name: "MQL", Definition: "Marketing qualified lead"}, ann)
	a := mustAdd(t, db, store.Term{Name: "A", Definition: "First"}, ann)
	mustAdd(t, db, store.Term{Name: "B", Definition: "Second"}, ann)
	rep := mustImportDS(t, db, store.Dataset{Terms: []store.TermRecord{
		{Name: "Pipeline", Aliases: []string{"Funnel", "MQL"}, Definition: "All open deals"}, // alias is a name
		{Name: "Lead", Definition: "Someone"},
		{Name: "Sales Accepted Lead", Aliases: []string{"SAL"}, Definition: "Accepted"},
		{Name: "sal", Definition: "A name that is an alias imported before"},
		{Name: "A", Aliases: []string{"B"}, Definition: "Changed, but its alias is B's name"},
	}})
	if rep.Created != 2 || rep.Updated+rep.Unchanged != 0 {
		t.Fatalf("Import = %+v, want 2 created", rep)
	}
	var got []string
	for _, r := range rep.Rejected {
		var c *store.ConflictError
		if !errors.As(r.Err, &c) {
			t.Fatalf("rejection %+v is not a ConflictError", r)
		}
		got = append(got, fmt.Sprintf("%s[%d] %s/%s", r.Section, r.Index, c.Key, c.Owner))
	}
	if want := []string{"terms[0] MQL/MQL", "terms[3] sal/Sales Accepted Lead", "terms[4] B/B"}; !slices.Equal(got, want) {
		t.Fatalf("rejected %q, want %q", got, want)
	}
	ctx := context.Background()
	for _, name := range []string{"Pipeline", "Funnel"} {
		if _, err := db.Term(ctx, name); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Term(%q) = %v: a rejected record left a key behind", name, err)
		}
	}
	if hits, _ := db.SearchTerms(ctx, "open deals", 5); len(hits) != 0 {
		t.Errorf("search finds the rejected term: %+v", hits)
	}
	after, _ := db.TermByID(ctx, a.ID)
	if after.Definition != "First" || len(after.Aliases) != 0 {
		t.Errorf("rejected update changed A: %+v", after)
	}
	if revs, _ := db.TermHistory(ctx, a.ID); len(revs) != 1 {
		t.Errorf("rejected update added history: %d versions", len(revs))
	}
}

func TestImportUpdateAuthorship(t *testing.T) {
	stored := fixedTime.Add(-24 * time.Hour)
	tests := []struct {
		name      string
		updatedAt time.Time
		wantBy    string
		wantAt    time.Time
	}{
		// The file says the record was edited after the stored version:
		// that edit is what the import applies.
		{"newer in the file", fixedTime.Add(-time.Hour), "UBOB", fixedTime.Add(-time.Hour)},
		// An export edited by hand keeps its old times: the edit is the
		// importer's, now, and sorts after the stored version.
		{"same time as stored", stored, "import", fixedTime},
		{"no time", time.Time{}, "import", fixedTime},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := MustOpenDB(t)
			ctx := context.Background()
			mustImportDS(t, db, store.Dataset{
				Terms:    []store.TermRecord{{Name: "MQL", Definition: "Old", CreatedBy: "UANN", CreatedAt: stored, UpdatedBy: "UANN", UpdatedAt: stored}},
				Personas: []store.PersonaRecord{{Name: "Sally", Summary: "Old", CreatedBy: "UANN", CreatedAt: stored, UpdatedAt: stored}},
			})
			rep := mustImportDS(t, db, store.Dataset{
				Terms:    []store.TermRecord{{Name: "MQL", Definition: "New", CreatedBy: "UANN", CreatedAt: stored, UpdatedBy: "UBOB", UpdatedAt: tc.updatedAt}},
				Personas: []store.PersonaRecord{{Name: "Sally", Summary: "New", CreatedBy: "UANN", CreatedAt: stored, UpdatedAt: tc.updatedAt}},
			})
			if rep.Updated != 2 {
				t.Fatalf("Import = %+v, want 2 updated", rep)
			}
			term, _ := db.Term(ctx, "MQL")
			if term.UpdatedBy != tc.wantBy || !term.UpdatedAt.Equal(tc.wantAt) || term.CreatedBy != "UANN" || !term.CreatedAt.Equal(stored) {
				t.Errorf("term updated by %q at %v (created by %q at %v), want by %q at %v",
					term.UpdatedBy, term.UpdatedAt, term.CreatedBy, term.CreatedAt, tc.wantBy, tc.wantAt)
			}
			p, _ := db.Persona(ctx, "Sally")
			if !p.UpdatedAt.Equal(tc.wantAt) || p.UpdatedBy != "import" {
				t.Errorf("persona updated by %q at %v, want by import at %v", p.UpdatedBy, p.UpdatedAt, tc.wantAt)
			}
		})
	}
}

func TestImportRefusesOtherVersions(t *testing.T) {
	db := MustOpenDB(t)
	_, err := db.Import(context.Background(), store.Dataset{Version: 2, Terms: []store.TermRecord{{Name: "A", Definition: "b"}}}, store.ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "version 2") {
		t.Fatalf("Import of version 2: %v", err)
	}
	if ds := mustExport(t, db); len(ds.Terms) != 0 {
		t.Fatalf("something was imported: %+v", ds)
	}
}

// TestBackupWhileWriting takes a backup while another goroutine keeps adding
// terms: the copy opens, passes the integrity check, and holds one
// consistent moment, at least every term written before the backup began.
func TestBackupWhileWriting(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	const total, before = 200, 50
	started := make(chan struct{}) // closed once `before` terms are in
	stop := make(chan struct{})    // closed when the backup is done
	done := make(chan error, 1)
	go func() {
		defer close(done)
		for i := range total {
			if _, err := db.AddTerm(ctx, store.Term{Name: fmt.Sprintf("Term %03d", i), Definition: "Written during a backup"}, ann); err != nil {
				done <- err
				return
			}
			if i == before-1 {
				close(started)
			}
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("writer stopped early: %v", err)
	}
	file := filepath.Join(t.TempDir(), "backup.db")
	err := db.Backup(ctx, file)
	close(stop)
	if werr := <-done; werr != nil {
		t.Fatalf("writer: %v", werr)
	}
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}

	copyDB := mustOpenFile(t, file)
	if res, err := copyDB.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Fatalf("integrity_check of the copy = %q, %v", res, err)
	}
	terms, err := copyDB.Terms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(terms) < before {
		t.Fatalf("copy has %d terms, want at least the %d written before the backup", len(terms), before)
	}
	for i, term := range terms { // a snapshot: the first n terms, no gaps
		if want := fmt.Sprintf("Term %03d", i); term.Name != want {
			t.Fatalf("copy's term %d is %q, want %q", i, term.Name, want)
		}
	}
	t.Logf("the copy holds %d of the terms", len(terms))

	err = db.Backup(ctx, file)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("Backup over the existing copy: %v", err)
	}
}

func TestBackupFailureLeavesNoFile(t *testing.T) {
	db := MustOpenDB(t)
	mustAdd(t, db, store.Term{Name: "MQL", Definition: "Marketing qualified lead"}, ann)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := db.Backup(ctx, filepath.Join(dir, "backup.db")); err == nil {
		t.Fatal("Backup with a cancelled context: no error")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a failed backup left %v", entries)
	}
	if err := db.Backup(context.Background(), filepath.Join(dir, "backup.db")); err != nil {
		t.Fatalf("Backup after a failed one: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 || entries[0].Name() != "backup.db" {
		t.Fatalf("backup left %v, want backup.db alone", entries)
	}
}
