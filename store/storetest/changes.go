package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"smarketing/store"
)

var changesTests = []subtest{
	{"InPeriod", testChangesInPeriod},
	{"Empty", testChangesEmpty},
}

// Changes lists the terms and personas created or edited in [from, to)
// that still exist, terms first, by name; "created" wins over "edited".
func testChangesInPeriod(t *testing.T, s *suite) {
	db := s.open(t)
	before, from, to := Start, Start.Add(24*time.Hour), Start.Add(48*time.Hour)
	at := func(t time.Time) { db.set(t) }

	at(before)
	db.mustAdd(t, store.Term{Name: "Old", Definition: "created before, never edited"}, ann)
	edited := db.mustAdd(t, store.Term{Name: "beta", Definition: "created before, edited in the period"}, ann)
	db.mustAddPersona(t, store.Persona{Name: "Old persona"}, ann)
	editedP := db.mustAddPersona(t, store.Persona{Name: "Edited persona"}, ann)

	at(from) // the start is in the period
	db.mustAdd(t, store.Term{Name: "Alpha", Definition: "created in the period"}, ann)
	edited.Definition = "edited"
	edited.UpdatedAt = time.Time{}
	db.mustUpdate(t, edited, bob)
	both := db.mustAdd(t, store.Term{Name: "Gamma", Definition: "created and edited in the period"}, ann)
	at(from.Add(time.Hour))
	both.Definition = "edited since"
	both.UpdatedAt = time.Time{}
	db.mustUpdate(t, both, bob)
	gone := db.mustAdd(t, store.Term{Name: "Deleted", Definition: "created in the period, deleted"}, ann)
	if err := db.DeleteTerm(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	db.mustAddPersona(t, store.Persona{Name: "new persona"}, ann)
	editedP.Summary = "edited"
	editedP.UpdatedAt = time.Time{}
	if _, err := db.UpdatePersona(ctx, editedP, bob); err != nil {
		t.Fatal(err)
	}

	at(to) // the end is not
	db.mustAdd(t, store.Term{Name: "After", Definition: "created at the end"}, ann)
	db.mustAddPersona(t, store.Persona{Name: "After persona"}, ann)

	got, err := db.Changes(ctx, from, to)
	if err != nil {
		t.Fatalf("Changes: %v", err)
	}
	var lines []string
	for _, c := range got {
		lines = append(lines, fmt.Sprintf("%s %s %s", c.Kind, c.Name, c.Action))
	}
	want := []string{
		"term Alpha created",
		"term beta edited",
		"term Gamma created",
		"persona Edited persona edited",
		"persona new persona created",
	}
	if !slices.Equal(lines, want) {
		t.Fatalf("Changes =\n%q\nwant\n%q", lines, want)
	}
	// A rename shows under the name the record has now.
	at(to.Add(time.Hour))
	edited.Name, edited.UpdatedAt = "Beta renamed", time.Time{}
	db.mustUpdate(t, edited, ann)
	got, _ = db.Changes(ctx, from, to)
	if len(got) != 5 || got[1].Name != "Beta renamed" {
		t.Fatalf("Changes after a rename = %+v, want beta as Beta renamed", got)
	}
}

func testChangesEmpty(t *testing.T, s *suite) {
	db := s.open(t)
	if got, err := db.Changes(ctx, Start.Add(-time.Hour), Start.Add(time.Hour)); err != nil || len(got) != 0 {
		t.Fatalf("Changes of an empty store = %+v, %v; want none", got, err)
	}
	db.mustAdd(t, store.Term{Name: "Alpha", Definition: "d"}, ann)
	if got, err := db.Changes(ctx, Start.Add(time.Hour), Start.Add(2*time.Hour)); err != nil || len(got) != 0 {
		t.Fatalf("Changes of a period without any = %+v, %v; want none", got, err)
	}
	if got, err := db.Changes(ctx, Start, Start); err != nil || len(got) != 0 {
		t.Fatalf("Changes of an empty period = %+v, %v; want none", got, err)
	}
}
