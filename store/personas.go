package store

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Persona is a buyer persona both teams agreed on.
type Persona struct {
	ID            int64     `json:",omitzero"`
	Name          string    `json:",omitzero"`
	Role          string    `json:",omitzero"`
	Summary       string    `json:",omitzero"`
	Goals         string    `json:",omitzero"`
	Pains         string    `json:",omitzero"`
	Objections    string    `json:",omitzero"`
	Channels      string    `json:",omitzero"` // where they look for information
	Questions     string    `json:",omitzero"` // what every campaign and call must answer for them
	CreatedBy     string    `json:",omitzero"`
	CreatedByName string    `json:",omitzero"`
	CreatedAt     time.Time `json:",omitzero"`
	UpdatedBy     string    `json:",omitzero"`
	UpdatedByName string    `json:",omitzero"`
	UpdatedAt     time.Time `json:",omitzero"`
	// Agreement is its version, owner and sign-offs (agreement.go).
	Agreement `json:"-"`
}

// SameContent reports whether p and o say the same things.
func (p Persona) SameContent(o Persona) bool {
	a, b := p.Content(), o.Content()
	return a.Name == b.Name && a.Role == b.Role && a.Summary == b.Summary && a.Goals == b.Goals &&
		a.Pains == b.Pains && a.Objections == b.Objections && a.Channels == b.Channels && a.Questions == b.Questions
}

// Content is the persona without id and bookkeeping: what a revision keeps.
func (p Persona) Content() Persona {
	return Persona{Name: p.Name, Role: p.Role, Summary: p.Summary, Goals: p.Goals, Pains: p.Pains,
		Objections: p.Objections, Channels: p.Channels, Questions: p.Questions}
}

// FindPersonas returns the personas that typed names: the one whose whole
// name matches, or else every persona with a name word starting with each
// typed word ("sally" finds "Sally Supermom"; "s super" does too).
func FindPersonas(ctx context.Context, ps Personas, typed string) ([]Persona, error) {
	if p, err := ps.Persona(ctx, typed); err == nil {
		return []Persona{p}, nil
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	words := strings.Fields(Key(typed))
	if len(words) == 0 {
		return nil, nil
	}
	all, err := ps.Personas(ctx)
	if err != nil {
		return nil, err
	}
	var out []Persona
	for _, p := range all {
		if prefixesWords(words, strings.Fields(Key(p.Name))) {
			out = append(out, p)
		}
	}
	return out, nil
}

// prefixesWords reports whether every typed word starts some distinct word of
// name, in order.
func prefixesWords(typed, name []string) bool {
	i := 0
	for _, w := range name {
		if i < len(typed) && strings.HasPrefix(w, typed[i]) {
			i++
		}
	}
	return i == len(typed)
}
