package postgres

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"smarketing/store"
	"smarketing/store/sqlcore"
)

// The full-text index is the column terms.search (search.go); the rest of
// the terms' SQL is shared (store/sqlcore/terms.go).

// IndexTerm sets the full-text document of t.
func (dialect) IndexTerm(ctx context.Context, tx *sqlcore.Tx, t store.Term) error {
	if _, err := tx.Exec(ctx, "UPDATE terms SET search = ?::tsvector WHERE id = ?",
		searchDocument(t.Name, t.Aliases, t.Definition), t.ID); err != nil {
		return fmt.Errorf("write term index: %w", err)
	}
	return nil
}

// UnindexTerm does nothing: the document is a column of the term's row,
// replaced by IndexTerm and deleted with the row.
func (dialect) UnindexTerm(context.Context, *sqlcore.Tx, int64) error { return nil }

// Storable reports whether s could be stored at all: PostgreSQL text holds
// neither NUL nor invalid UTF-8, and refuses them even as a parameter, so
// such a name names nothing.
func (dialect) Storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// SearchTerms returns up to limit terms matching every word of text (each
// word also matches as a prefix), best first: a hit in the name weighs most,
// then aliases, then the definition, with rarer words weighing more
// (search.go). The hits and the terms they name are read in one snapshot:
// the terms come from the glossary copy only if it holds that snapshot's
// version of the glossary (it lags another instance's change by up to
// [store.GlossaryPoll]).
func (db *DB) SearchTerms(ctx context.Context, text string, limit int) ([]store.Term, error) {
	q, ok := newSearch(text)
	if !ok {
		return nil, nil
	}
	var out []store.Term
	err := db.read(ctx, func(tx *Tx) (err error) {
		out, err = sqlcore.SearchIn(ctx, db.DB, tx.Tx, limit, func() ([]int64, error) { return q.hits(ctx, tx) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("search terms: %w", err)
	}
	return out, nil
}
