package storetest

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"smarketing/store"
)

var personaTests = []subtest{
	{"AddReturnsStored", testAddPersonaReturnsStored},
	{"Lookup", testPersonaLookup},
	{"Conflict", testPersonaConflict},
	{"Update", testUpdatePersona},
	{"UpdateUnchanged", testUpdatePersonaUnchanged},
	{"UpdateNotFound", testUpdatePersonaNotFound},
	{"History", testPersonaHistory},
	{"Delete", testDeletePersona},
	{"Order", testPersonasOrder},
	{"FindPersonas", testFindPersonas},
}

func sally() store.Persona {
	return store.Persona{Name: "Sally Supermom", Role: "Head of marketing", Summary: "Busy, buys fast.",
		Goals: "Save time", Pains: "Too many tools", Objections: "Price", Channels: "LinkedIn, podcasts",
		Questions: "Does it save me an hour a week?"}
}

func (db *tdb) mustAddPersona(tb testing.TB, p store.Persona, by store.Actor) store.Persona {
	tb.Helper()
	saved, err := db.AddPersona(ctx, p, by)
	if err != nil {
		tb.Fatalf("AddPersona(%q): %v", p.Name, err)
	}
	return saved
}

func (db *tdb) mustPersonas(tb testing.TB) []store.Persona {
	tb.Helper()
	ps, err := db.Personas(ctx)
	if err != nil {
		tb.Fatalf("Personas: %v", err)
	}
	return ps
}

func personaNames(ps []store.Persona) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func testAddPersonaReturnsStored(t *testing.T, s *suite) {
	db := s.open(t)
	got := db.mustAddPersona(t, sally(), ann)
	if got.ID == 0 {
		t.Fatalf("ID = 0, want a database id")
	}
	if !reflect.DeepEqual(got.Content(), sally()) {
		t.Errorf("AddPersona content = %+v, want %+v", got.Content(), sally())
	}
	if got.CreatedBy != "UANN" || got.CreatedByName != "Ann" || got.UpdatedBy != "UANN" || got.UpdatedByName != "Ann" {
		t.Errorf("authors = %q %q / %q %q, want UANN Ann", got.CreatedBy, got.CreatedByName, got.UpdatedBy, got.UpdatedByName)
	}
	if !got.CreatedAt.Equal(Start) || !got.UpdatedAt.Equal(Start) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt, UpdatedAt = %v, %v, want %v UTC", got.CreatedAt, got.UpdatedAt, Start)
	}
	byID, err := db.PersonaByID(ctx, got.ID)
	if err != nil || !reflect.DeepEqual(byID, got) {
		t.Errorf("PersonaByID = %+v, %v; want %+v", byID, err, got)
	}
}

func testPersonaLookup(t *testing.T, s *suite) {
	db := s.open(t)
	p := db.mustAddPersona(t, sally(), ann)
	for _, q := range []string{"Sally Supermom", "sally supermom", "  SALLY   supermom ", "SALLY\tSUPERMOM"} {
		if got, err := db.Persona(ctx, q); err != nil || got.ID != p.ID {
			t.Errorf("Persona(%q) = %+v, %v; want Sally", q, got, err)
		}
	}
	for _, q := range []string{"", "Sally", "Supermom", "Sally Supermoms"} {
		if got, err := db.Persona(ctx, q); !isNotFound(err) {
			t.Errorf("Persona(%q) = %+v, %v; want ErrNotFound", q, got, err)
		}
	}
	if _, err := db.PersonaByID(ctx, p.ID+1); !isNotFound(err) {
		t.Errorf("PersonaByID(unknown) err = %v, want ErrNotFound", err)
	}
}

func testPersonaConflict(t *testing.T, s *suite) {
	db := s.open(t)
	p := db.mustAddPersona(t, sally(), ann)
	dan := db.mustAddPersona(t, store.Persona{Name: "Developer Dan", Summary: "Reads docs"}, bob)

	_, err := db.AddPersona(ctx, store.Persona{Name: "sally  SUPERMOM", Summary: "dup"}, bob)
	var ce *store.ConflictError
	if !errors.As(err, &ce) || ce.Key != "sally  SUPERMOM" || ce.Owner != "Sally Supermom" {
		t.Fatalf("AddPersona(same name) err = %v, want a *ConflictError {sally  SUPERMOM, Sally Supermom}", err)
	}
	ren := dan
	ren.Name = "SALLY SUPERMOM"
	_, err = db.UpdatePersona(ctx, ren, bob)
	if !errors.As(err, &ce) || ce.Owner != "Sally Supermom" {
		t.Fatalf("UpdatePersona(renamed to another's name) err = %v, want a *ConflictError", err)
	}
	if got, _ := db.PersonaByID(ctx, dan.ID); !reflect.DeepEqual(got, dan) {
		t.Fatalf("after a failed rename: %+v, want %+v", got, dan)
	}
	if ps := db.mustPersonas(t); len(ps) != 2 {
		t.Fatalf("Personas = %q, want 2", personaNames(ps))
	}
	if h, _ := db.PersonaHistory(ctx, dan.ID); len(h) != 1 {
		t.Fatalf("PersonaHistory after a failed rename = %d versions, want 1", len(h))
	}
	// Its own name in another case is no conflict.
	recase := p
	recase.Name = "sally supermom"
	got, err := db.UpdatePersona(ctx, recase, ann)
	if err != nil || got.Name != "sally supermom" {
		t.Fatalf("UpdatePersona(own name, other case) = %+v, %v", got, err)
	}
}

func testUpdatePersona(t *testing.T, s *suite) {
	db := s.open(t)
	p := db.mustAddPersona(t, sally(), ann)
	later := Start.Add(time.Hour)
	db.set(later)
	change := p
	change.UpdatedAt = time.Time{}
	change.Name, change.Role, change.Summary, change.Goals = "Sally the Supermom", "CMO", "Busier", "Save more time"
	change.Pains, change.Objections, change.Channels, change.Questions = "Meetings", "Lock-in", "Newsletters", "Can I leave?"
	got, err := db.UpdatePersona(ctx, change, bob)
	if err != nil {
		t.Fatalf("UpdatePersona: %v", err)
	}
	if !reflect.DeepEqual(got.Content(), change.Content()) {
		t.Errorf("UpdatePersona content = %+v, want %+v", got.Content(), change.Content())
	}
	if got.UpdatedBy != "UBOB" || got.UpdatedByName != "Bob" || !got.UpdatedAt.Equal(later) {
		t.Errorf("updated by %q %q at %v, want UBOB Bob at %v", got.UpdatedBy, got.UpdatedByName, got.UpdatedAt, later)
	}
	if got.CreatedBy != "UANN" || !got.CreatedAt.Equal(Start) {
		t.Errorf("created by %q at %v, want UANN at %v", got.CreatedBy, got.CreatedAt, Start)
	}
	if _, err := db.Persona(ctx, "Sally Supermom"); !isNotFound(err) {
		t.Errorf("Persona(old name) err = %v, want ErrNotFound", err)
	}
	if byName, err := db.Persona(ctx, "sally the supermom"); err != nil || !reflect.DeepEqual(byName, got) {
		t.Errorf("Persona(new name) = %+v, %v; want %+v", byName, err, got)
	}
	// A set UpdatedAt is the time of the edit (imports).
	when := Start.Add(30 * time.Minute)
	again := got
	again.Summary, again.UpdatedAt = "Busiest", when
	if got, err := db.UpdatePersona(ctx, again, ann); err != nil || !got.UpdatedAt.Equal(when) {
		t.Errorf("UpdatePersona with a time = %+v, %v; want updated at %v", got, err, when)
	}
}

func testUpdatePersonaUnchanged(t *testing.T, s *suite) {
	db := s.open(t)
	p := db.mustAddPersona(t, sally(), ann)
	db.set(Start.Add(time.Hour))
	got, err := db.UpdatePersona(ctx, p, bob)
	if !errors.Is(err, store.ErrUnchanged) || !reflect.DeepEqual(got, p) {
		t.Fatalf("UpdatePersona(identical) = %+v, %v; want the stored persona and ErrUnchanged", got, err)
	}
	if h, _ := db.PersonaHistory(ctx, p.ID); len(h) != 1 {
		t.Fatalf("PersonaHistory after an unchanged update = %d versions, want 1", len(h))
	}
}

func testUpdatePersonaNotFound(t *testing.T, s *suite) {
	db := s.open(t)
	p := db.mustAddPersona(t, sally(), ann)
	p.ID += 7
	p.Name = "Ghost"
	if _, err := db.UpdatePersona(ctx, p, bob); !isNotFound(err) {
		t.Fatalf("UpdatePersona(unknown id) err = %v, want ErrNotFound", err)
	}
	if _, err := db.Persona(ctx, "Ghost"); !isNotFound(err) {
		t.Fatalf("the failed update created a persona: %v", err)
	}
}

func testPersonaHistory(t *testing.T, s *suite) {
	db := s.open(t)
	p := db.mustAddPersona(t, sally(), ann)
	t1 := Start.Add(time.Hour)
	db.set(t1)
	edit := p
	edit.Goals, edit.UpdatedAt = "Sleep", time.Time{} // zero: the edit happens now
	if _, err := db.UpdatePersona(ctx, edit, bob); err != nil {
		t.Fatalf("UpdatePersona: %v", err)
	}
	h, err := db.PersonaHistory(ctx, p.ID)
	if err != nil || len(h) != 2 {
		t.Fatalf("PersonaHistory = %+v, %v; want 2 versions", h, err)
	}
	if h[0].Action != "edited" || !reflect.DeepEqual(h[0].Value, edit.Content()) || h[0].EditedBy != "UBOB" || h[0].EditedByName != "Bob" || !h[0].EditedAt.Equal(t1) {
		t.Errorf("PersonaHistory[0] = %+v, want the edit by Bob at %v", h[0], t1)
	}
	if h[1].Action != "created" || !reflect.DeepEqual(h[1].Value, sally()) || h[1].EditedBy != "UANN" || !h[1].EditedAt.Equal(Start) {
		t.Errorf("PersonaHistory[1] = %+v, want the creation by Ann at %v", h[1], Start)
	}
	if h, err := db.PersonaHistory(ctx, p.ID+100); err != nil || len(h) != 0 {
		t.Errorf("PersonaHistory(unknown) = %+v, %v; want none", h, err)
	}
}

func testDeletePersona(t *testing.T, s *suite) {
	db := s.open(t)
	p := db.mustAddPersona(t, sally(), ann)
	dan := db.mustAddPersona(t, store.Persona{Name: "Developer Dan"}, ann)
	if err := db.DeletePersona(ctx, p.ID); err != nil {
		t.Fatalf("DeletePersona: %v", err)
	}
	if _, err := db.PersonaByID(ctx, p.ID); !isNotFound(err) {
		t.Errorf("PersonaByID after delete err = %v, want ErrNotFound", err)
	}
	if _, err := db.Persona(ctx, p.Name); !isNotFound(err) {
		t.Errorf("Persona after delete err = %v, want ErrNotFound", err)
	}
	if h, _ := db.PersonaHistory(ctx, p.ID); len(h) != 0 {
		t.Errorf("PersonaHistory after delete = %d versions, want 0", len(h))
	}
	if ps := db.mustPersonas(t); len(ps) != 1 || ps[0].ID != dan.ID {
		t.Errorf("Personas after delete = %q, want only Dan", personaNames(ps))
	}
	if err := db.DeletePersona(ctx, p.ID); !isNotFound(err) {
		t.Errorf("second DeletePersona err = %v, want ErrNotFound", err)
	}
	again := db.mustAddPersona(t, sally(), bob)
	if h, _ := db.PersonaHistory(ctx, again.ID); len(h) != 1 {
		t.Errorf("PersonaHistory of the re-added persona = %d versions, want 1", len(h))
	}
}

func testPersonasOrder(t *testing.T, s *suite) {
	db := s.open(t)
	for _, name := range []string{"zoe", "Bob Buyer", "alice", "Carl", "bob"} {
		db.mustAddPersona(t, store.Persona{Name: name}, ann)
	}
	if got, want := personaNames(db.mustPersonas(t)), []string{"alice", "bob", "Bob Buyer", "Carl", "zoe"}; !slices.Equal(got, want) {
		t.Fatalf("Personas = %q, want %q", got, want)
	}
}

func testFindPersonas(t *testing.T, s *suite) {
	db := s.open(t)
	for _, name := range []string{"Sally Supermom", "Sam Super", "Developer Dan", "Sally"} {
		db.mustAddPersona(t, store.Persona{Name: name}, ann)
	}
	tests := []struct {
		typed string
		want  []string
	}{
		{"Sally", []string{"Sally"}}, // the whole name wins
		{"sally supermom", []string{"Sally Supermom"}},
		{"sal", []string{"Sally", "Sally Supermom"}},
		{"s super", []string{"Sally Supermom", "Sam Super"}},
		{"super", []string{"Sally Supermom", "Sam Super"}},
		{"dev dan", []string{"Developer Dan"}},
		{"dan dev", nil}, // words in order
		{"supermom sally", nil},
		{"zed", nil},
		{"", nil},
		{"   ", nil},
	}
	for _, tc := range tests {
		got, err := store.FindPersonas(ctx, db, tc.typed)
		if err != nil {
			t.Fatalf("FindPersonas(%q): %v", tc.typed, err)
		}
		names := personaNames(got)
		if tc.want == nil {
			tc.want = []string{}
		}
		if !slices.Equal(names, tc.want) {
			t.Errorf("FindPersonas(%q) = %q, want %q", tc.typed, names, tc.want)
		}
	}
	// The personas found are full ones.
	got, _ := store.FindPersonas(ctx, db, "dev")
	if len(got) != 1 || got[0].ID == 0 || got[0].CreatedBy != "UANN" {
		t.Fatalf("FindPersonas(dev) = %+v, want Dan as stored", got)
	}
}
