package store

import (
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Term is one entry of the shared glossary.
type Term struct {
	ID            int64     `json:",omitzero"`
	Name          string    `json:",omitzero"`
	Aliases       []string  `json:",omitzero"`
	Category      string    `json:",omitzero"`
	Definition    string    `json:",omitzero"`
	CreatedBy     string    `json:",omitzero"`
	CreatedByName string    `json:",omitzero"`
	CreatedAt     time.Time `json:",omitzero"`
	UpdatedBy     string    `json:",omitzero"`
	UpdatedByName string    `json:",omitzero"`
	UpdatedAt     time.Time `json:",omitzero"`
	// Agreement is its version, owner and sign-offs (agreement.go).
	Agreement `json:"-"`
}

// Content is what a term revision keeps: the content, not the bookkeeping.
func (t Term) Content() Term {
	return Term{Name: t.Name, Aliases: t.Aliases, Category: t.Category, Definition: t.Definition}
}

// SameContent reports whether t and o say the same things.
func (t Term) SameContent(o Term) bool {
	return t.Name == o.Name && t.Category == o.Category && t.Definition == o.Definition && slices.Equal(t.Aliases, o.Aliases)
}

// Labels returns the name and then the aliases: every key the term owns,
// position 0 being the name.
func (t Term) Labels() []string { return append([]string{t.Name}, t.Aliases...) }

// CheckLabels returns a [*ConflictError] if t names the same key twice.
func (t Term) CheckLabels() error {
	labels := t.Labels()
	for i, label := range labels {
		for _, earlier := range labels[:i] {
			if Key(earlier) == Key(label) {
				return &ConflictError{Key: label, Owner: t.Name}
			}
		}
	}
	return nil
}

// TermKey is one name or alias and the term it belongs to.
type TermKey struct {
	Label  string // as written
	TermID int64
	Name   string // the term's name
}

// Revision is one saved version of a record: a [Term] or a [Persona] as it
// was after the change, and who made the change when.
type Revision[T any] struct {
	Version      int    // 1 for the first; each edit one more
	Action       string // "created" or "edited"
	Value        T
	EditedBy     string
	EditedByName string
	EditedAt     time.Time
}

// SortTerms orders terms by category (uncategorised last), then name, by
// [Key] (in Go: SQL collations fold ASCII only), then id.
func SortTerms(terms []Term) {
	slices.SortFunc(terms, func(a, b Term) int {
		return cmp.Or(
			cmp.Compare(b2i(a.Category == ""), b2i(b.Category == "")),
			cmp.Compare(Key(a.Category), Key(b.Category)),
			cmp.Compare(Key(a.Name), Key(b.Name)),
			cmp.Compare(a.ID, b.ID))
	})
}

// SortedByKey returns xs ordered by the normalised name, as written on ties.
func SortedByKey[T any](xs []T, name func(T) string) []T {
	out := slices.Clone(xs)
	slices.SortStableFunc(out, func(a, b T) int {
		return cmp.Or(cmp.Compare(Key(name(a)), Key(name(b))), cmp.Compare(name(a), name(b)))
	})
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// MaxSearchWords bounds the words of one search.
const MaxSearchWords = 16

// SearchWords splits text into the lower-case words a full-text index
// knows, dropping everything else, so query syntax in user text is inert
// on every backend.
func SearchWords(text string) []string {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if len(words) > MaxSearchWords {
		words = words[:MaxSearchWords]
	}
	return words
}

// Search weights of a hit in a term's name, aliases and definition.
const (
	WeightName       = 10
	WeightAliases    = 6
	WeightDefinition = 1
)
