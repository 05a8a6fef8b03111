package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"smarketing/store"
)

// fakePersonas is the part of Personas FindPersonas uses.
type fakePersonas struct {
	all     []store.Persona
	findErr error
	listErr error
	lists   int
}

func (f *fakePersonas) Persona(_ context.Context, name string) (store.Persona, error) {
	if f.findErr != nil {
		return store.Persona{}, f.findErr
	}
	for _, p := range f.all {
		if store.Key(p.Name) == store.Key(name) {
			return p, nil
		}
	}
	return store.Persona{}, store.ErrNotFound
}

func (f *fakePersonas) Personas(context.Context) ([]store.Persona, error) {
	f.lists++
	return f.all, f.listErr
}

// The methods FindPersonas does not use.
func (f *fakePersonas) PersonaByID(context.Context, int64) (store.Persona, error) { panic("unused") }
func (f *fakePersonas) AddPersona(context.Context, store.Persona, store.Actor) (store.Persona, error) {
	panic("unused")
}
func (f *fakePersonas) UpdatePersona(context.Context, store.Persona, store.Actor) (store.Persona, error) {
	panic("unused")
}
func (f *fakePersonas) DeletePersona(context.Context, int64) error { panic("unused") }
func (f *fakePersonas) PersonaHistory(context.Context, int64) ([]store.Revision[store.Persona], error) {
	panic("unused")
}

func TestFindPersonas(t *testing.T) {
	ps := &fakePersonas{all: []store.Persona{{Name: "Sally"}, {Name: "Sally Supermom"}, {Name: "Sam Super"}, {Name: "Über Ulf"}}}
	for typed, want := range map[string][]string{
		"sally":      {"Sally"}, // the whole name, without listing
		"sal":        {"Sally", "Sally Supermom"},
		"s super":    {"Sally Supermom", "Sam Super"},
		"SUPER":      {"Sally Supermom", "Sam Super"},
		"über":       {"Über Ulf"},
		"ÜB U":       {"Über Ulf"},
		"super sam":  nil,
		"sally sall": nil, // one name word per typed word
		"":           nil,
		" \t":        nil,
	} {
		got, err := store.FindPersonas(context.Background(), ps, typed)
		if err != nil {
			t.Fatalf("FindPersonas(%q): %v", typed, err)
		}
		var names []string
		for _, p := range got {
			names = append(names, p.Name)
		}
		if !slices.Equal(names, want) {
			t.Errorf("FindPersonas(%q) = %q, want %q", typed, names, want)
		}
	}
	ps.lists = 0
	store.FindPersonas(context.Background(), ps, "Sally Supermom")
	if ps.lists != 0 {
		t.Error("a whole name listed every persona")
	}
	// Errors other than not found are returned.
	boom := errors.New("boom")
	if _, err := store.FindPersonas(context.Background(), &fakePersonas{findErr: boom}, "x"); !errors.Is(err, boom) {
		t.Errorf("FindPersonas with a failing lookup = %v", err)
	}
	if _, err := store.FindPersonas(context.Background(), &fakePersonas{listErr: boom}, "x"); !errors.Is(err, boom) {
		t.Errorf("FindPersonas with a failing list = %v", err)
	}
}
