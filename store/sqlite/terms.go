package sqlite

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"

	"smarketing/store"
	"smarketing/store/sqlcore"
)

// The full-text index is the FTS4 table terms_fts, docid the term's id;
// the rest of the terms' SQL is shared (store/sqlcore/terms.go).

// IndexTerm adds t to terms_fts.
func (dialect) IndexTerm(ctx context.Context, tx *sqlcore.Tx, t store.Term) error {
	_, err := tx.Exec(ctx, "INSERT INTO terms_fts (docid, name, aliases, definition) VALUES (?, ?, ?, ?)",
		t.ID, t.Name, strings.Join(t.Aliases, " "), t.Definition)
	if err != nil {
		return fmt.Errorf("write term index: %w", err)
	}
	return nil
}

// UnindexTerm removes the term id from terms_fts.
func (dialect) UnindexTerm(ctx context.Context, tx *sqlcore.Tx, id int64) error {
	if _, err := tx.Exec(ctx, "DELETE FROM terms_fts WHERE docid = ?", id); err != nil {
		return fmt.Errorf("delete term index: %w", err)
	}
	return nil
}

// Storable: SQLite stores any string.
func (dialect) Storable(string) bool { return true }

// SearchTerms returns up to limit terms matching every word of text (each
// word also matches as a prefix), best first: a hit in the name weighs most,
// then aliases, then the definition, with rarer words weighing more.
//
// The hits and the terms they name are read in one snapshot. The terms
// come from the glossary copy only if it holds that snapshot's version of
// the glossary: it may lag a change made by another instance (by up to
// [store.GlossaryPoll]), and a hit the copy did not know yet (or any
// more) made the whole search fail with ErrNotFound.
func (db *DB) SearchTerms(ctx context.Context, text string, limit int) ([]store.Term, error) {
	words := store.SearchWords(text)
	if len(words) == 0 {
		return nil, nil
	}
	match := make([]string, len(words))
	for i, w := range words {
		match[i] = w + "*" // words hold only letters and digits: safe in MATCH
	}
	var out []store.Term
	err := db.read(ctx, func(tx *Tx) (err error) {
		out, err = sqlcore.SearchIn(ctx, db.DB, tx.Tx, limit, func() ([]int64, error) {
			return searchHits(ctx, tx, strings.Join(match, " "))
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("search terms: %w", err)
	}
	return out, nil
}

// searchHits returns the ids of the terms matching an FTS query, best first.
func searchHits(ctx context.Context, q queryer, match string) ([]int64, error) {
	rows, err := q.QueryContext(ctx, "SELECT docid, matchinfo(terms_fts, 'pcnxl') FROM terms_fts WHERE terms_fts MATCH ?", match)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	scores := map[int64]float64{}
	for rows.Next() {
		var id int64
		var info []byte
		if err := rows.Scan(&id, &info); err != nil {
			return nil, err
		}
		scores[id] = rank(info)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return store.Ranked(scores), nil
}

// rank scores one row from matchinfo 'pcnxl' by [store.SearchScore].
func rank(info []byte) float64 {
	u := func(i int) float64 {
		if 4*i+4 > len(info) {
			return 0
		}
		return float64(binary.NativeEndian.Uint32(info[4*i:]))
	}
	p, c, n := int(u(0)), int(u(1)), u(2)
	if c == 0 {
		return 0
	}
	x := 3         // start of the 3*p*c 'x' values
	l := x + 3*p*c // start of the c 'l' values (tokens in this row's columns)
	hits, docs := make([][3]float64, p), make([][3]float64, p)
	var length [3]float64
	for j := 0; j < c && j < 3; j++ {
		length[j] = u(l + j)
		for i := 0; i < p; i++ {
			base := x + 3*(i*c+j)
			hits[i][j], docs[i][j] = u(base), u(base+2)
		}
	}
	return store.SearchScore(n, hits, docs, length)
}
