package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"smarketing/store"
	"sort"
	"strings"
)

const termColumns = `t.id, t.name, t.category, t.definition, t.created_by, t.created_by_name,
	t.created_at, t.updated_by, t.updated_by_name, t.updated_at`

func scanTerm(sc interface{ Scan(...any) error }) (store.Term, error) {
	var t store.Term
	var created, updated int64
	err := sc.Scan(&t.ID, &t.Name, &t.Category, &t.Definition, &t.CreatedBy, &t.CreatedByName,
		&created, &t.UpdatedBy, &t.UpdatedByName, &updated)
	t.CreatedAt, t.UpdatedAt = fromNanos(created), fromNanos(updated)
	return t, err
}

// Term returns the term whose name or alias is nameOrAlias (compared by
// [store.Key]), or [store.ErrNotFound], from the glossary copy.
func (db *DB) Term(ctx context.Context, nameOrAlias string) (store.Term, error) {
	key := store.Key(nameOrAlias)
	if t, found, ok := db.glossary.ByKey(key); ok {
		return t, foundErr(found)
	}
	return termWhere(ctx, db.sql, "t.id = (SELECT term_id FROM term_keys WHERE key = ?)", key)
}

// TermByID returns the term with that id, or [store.ErrNotFound], from the
// glossary copy.
func (db *DB) TermByID(ctx context.Context, id int64) (store.Term, error) {
	if t, found, ok := db.glossary.ByID(id); ok {
		return t, foundErr(found)
	}
	return termWhere(ctx, db.sql, "t.id = ?", id)
}

func foundErr(found bool) error {
	if !found {
		return store.ErrNotFound
	}
	return nil
}

// glossarySource reads the glossary for the copy.
type glossarySource struct{ db *DB }

func (g glossarySource) GlossaryVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := g.db.sql.QueryRowContext(ctx, "SELECT n FROM terms_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read terms version: %w", err)
	}
	return v, nil
}

func (g glossarySource) ReadGlossary(ctx context.Context) (version int64, terms []store.Term, keys map[string]int64, err error) {
	err = g.db.read(ctx, func(tx *Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT n FROM terms_version").Scan(&version); err != nil {
			return fmt.Errorf("read terms version: %w", err)
		}
		var err error
		if terms, err = listTerms(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, "SELECT key, term_id FROM term_keys")
		if err != nil {
			return fmt.Errorf("list term keys: %w", err)
		}
		defer rows.Close()
		keys = map[string]int64{}
		for rows.Next() {
			var key string
			var id int64
			if err := rows.Scan(&key, &id); err != nil {
				return fmt.Errorf("list term keys: %w", err)
			}
			keys[key] = id
		}
		return rows.Err()
	})
	return version, terms, keys, err
}

func termWhere(ctx context.Context, q queryer, where string, arg any) (store.Term, error) {
	t, err := scanTerm(q.QueryRowContext(ctx, "SELECT "+termColumns+" FROM terms t WHERE "+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Term{}, store.ErrNotFound
	}
	if err != nil {
		return store.Term{}, fmt.Errorf("read term: %w", err)
	}
	t.Aliases, err = aliases(ctx, q, t.ID)
	if err != nil {
		return store.Term{}, err
	}
	return t, nil
}

func aliases(ctx context.Context, q queryer, id int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, "SELECT label FROM term_keys WHERE term_id = ? AND position > 0 ORDER BY position", id)
	if err != nil {
		return nil, fmt.Errorf("read aliases: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, fmt.Errorf("read aliases: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Terms returns every term, ordered by category (uncategorised last) and
// then by name.
func (db *DB) Terms(ctx context.Context) ([]store.Term, error) {
	return listTerms(ctx, db.sql)
}

func listTerms(ctx context.Context, q queryer) ([]store.Term, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+termColumns+" FROM terms t")
	if err != nil {
		return nil, fmt.Errorf("list terms: %w", err)
	}
	defer rows.Close()
	var terms []store.Term
	index := map[int64]int{}
	for rows.Next() {
		t, err := scanTerm(rows)
		if err != nil {
			return nil, fmt.Errorf("list terms: %w", err)
		}
		index[t.ID] = len(terms)
		terms = append(terms, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list terms: %w", err)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("list terms: %w", err)
	}
	// One query for every alias instead of one per term.
	arows, err := q.QueryContext(ctx, "SELECT term_id, label FROM term_keys WHERE position > 0 ORDER BY term_id, position")
	if err != nil {
		return nil, fmt.Errorf("list aliases: %w", err)
	}
	defer arows.Close()
	for arows.Next() {
		var id int64
		var label string
		if err := arows.Scan(&id, &label); err != nil {
			return nil, fmt.Errorf("list aliases: %w", err)
		}
		if i, ok := index[id]; ok {
			terms[i].Aliases = append(terms[i].Aliases, label)
		}
	}
	if err := arows.Err(); err != nil {
		return nil, fmt.Errorf("list aliases: %w", err)
	}
	store.SortTerms(terms)
	return terms, nil
}

// TermKeys returns every name and alias, for suggestions.
func (db *DB) TermKeys(ctx context.Context) ([]store.TermKey, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT k.label, k.term_id, t.name FROM term_keys k
		JOIN terms t ON t.id = k.term_id ORDER BY k.key`)
	if err != nil {
		return nil, fmt.Errorf("list term keys: %w", err)
	}
	defer rows.Close()
	var out []store.TermKey
	for rows.Next() {
		var k store.TermKey
		if err := rows.Scan(&k.Label, &k.TermID, &k.Name); err != nil {
			return nil, fmt.Errorf("list term keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// AddTerm saves a new term created by by and returns it as stored. It returns
// a [*ConflictError] if its name or an alias already names a term.
func (db *DB) AddTerm(ctx context.Context, t store.Term, by store.Actor) (store.Term, error) {
	var id int64
	err := db.write(ctx, func(tx *Tx) (err error) {
		id, err = addTerm(ctx, tx, t, by)
		return err
	})
	if err != nil {
		return store.Term{}, fmt.Errorf("add term: %w", err)
	}
	return db.TermByID(ctx, id)
}

// addTerm inserts t within tx. Times and authors left empty default to now
// and by.
func addTerm(ctx context.Context, tx *Tx, t store.Term, by store.Actor) (int64, error) {
	if err := termKeysFree(ctx, tx, t, 0); err != nil {
		return 0, err
	}
	tx.TermsChanged = true
	if t.CreatedAt.IsZero() {
		t.CreatedAt = tx.Now
	}
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = t.CreatedAt
	}
	if t.CreatedBy == "" {
		t.CreatedBy, t.CreatedByName = by.ID, by.Name
	}
	if t.UpdatedBy == "" {
		t.UpdatedBy, t.UpdatedByName = t.CreatedBy, t.CreatedByName
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO terms (name, category, definition, created_by, created_by_name,
		created_at, updated_by, updated_by_name, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.Name, t.Category, t.Definition, t.CreatedBy, t.CreatedByName, nanos(t.CreatedAt),
		t.UpdatedBy, t.UpdatedByName, nanos(t.UpdatedAt))
	if err != nil {
		return 0, fmt.Errorf("add term: %w", err)
	}
	if t.ID, err = res.LastInsertId(); err != nil {
		return 0, fmt.Errorf("add term: %w", err)
	}
	if err := writeTermKeys(ctx, tx, t); err != nil {
		return 0, err
	}
	if err := writeRevision(ctx, tx, kindTerm, t.ID, "created", t.Content(), store.Actor{ID: t.UpdatedBy, Name: t.UpdatedByName}, t.UpdatedAt); err != nil {
		return 0, err
	}
	if err := writeTermIndex(ctx, tx, t); err != nil {
		return 0, err
	}
	return t.ID, nil
}

// UpdateTerm replaces the name, aliases, category and definition of the term
// with id t.ID, records the edit in its history, and returns the term as
// stored. It returns [ErrNotFound], [ErrUnchanged] when nothing differs, or a
// [*ConflictError].
func (db *DB) UpdateTerm(ctx context.Context, t store.Term, by store.Actor) (store.Term, error) {
	err := db.write(ctx, func(tx *Tx) error { return updateTerm(ctx, tx, t, by) })
	if err != nil && !errors.Is(err, store.ErrUnchanged) {
		return store.Term{}, fmt.Errorf("update term: %w", err)
	}
	saved, rerr := db.TermByID(ctx, t.ID)
	if rerr != nil {
		return store.Term{}, rerr
	}
	return saved, err
}

// updateTerm changes the term t.ID within tx; t.UpdatedAt, if set, is when.
func updateTerm(ctx context.Context, tx *Tx, t store.Term, by store.Actor) error {
	old, err := termWhere(ctx, tx, "t.id = ?", t.ID)
	if err != nil {
		return err
	}
	if old.SameContent(t) {
		return store.ErrUnchanged
	}
	if err := termKeysFree(ctx, tx, t, t.ID); err != nil {
		return err
	}
	tx.TermsChanged = true
	at := t.UpdatedAt
	if at.IsZero() {
		at = tx.Now
	}
	if _, err := tx.ExecContext(ctx, `UPDATE terms SET name = ?, category = ?, definition = ?,
		updated_by = ?, updated_by_name = ?, updated_at = ? WHERE id = ?`,
		t.Name, t.Category, t.Definition, by.ID, by.Name, nanos(at), t.ID); err != nil {
		return fmt.Errorf("update term: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM term_keys WHERE term_id = ?", t.ID); err != nil {
		return fmt.Errorf("update term: %w", err)
	}
	if err := writeTermKeys(ctx, tx, t); err != nil {
		return err
	}
	if err := writeRevision(ctx, tx, kindTerm, t.ID, "edited", t.Content(), by, at); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM terms_fts WHERE docid = ?", t.ID); err != nil {
		return fmt.Errorf("update term index: %w", err)
	}
	return writeTermIndex(ctx, tx, t)
}

// DeleteTerm removes the term with that id and its history, or returns
// [ErrNotFound].
func (db *DB) DeleteTerm(ctx context.Context, id int64) error {
	return db.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM terms WHERE id = ?", id)
		if err != nil {
			return fmt.Errorf("delete term: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		tx.TermsChanged = true
		if _, err := tx.ExecContext(ctx, "DELETE FROM terms_fts WHERE docid = ?", id); err != nil {
			return fmt.Errorf("delete term index: %w", err)
		}
		return deleteRevisions(ctx, tx, kindTerm, id)
	})
}

// TermHistory returns every saved version of the term, newest first.
func (db *DB) TermHistory(ctx context.Context, id int64) ([]store.Revision[store.Term], error) {
	return history[store.Term](ctx, db.sql, kindTerm, id)
}

// termKeysFree returns a [*ConflictError] if a name or alias of t already
// names a term other than self (0 for a new term), or names t twice. The
// writers call it before they write anything, so a conflict leaves nothing
// behind to undo ([DB.Import] relies on that).
func termKeysFree(ctx context.Context, q queryer, t store.Term, self int64) error {
	if err := t.CheckLabels(); err != nil {
		return err
	}
	for _, label := range t.Labels() {
		key := store.Key(label)
		var id int64
		var owner string
		err := q.QueryRowContext(ctx, `SELECT k.term_id, t.name FROM term_keys k JOIN terms t ON t.id = k.term_id
			WHERE k.key = ?`, key).Scan(&id, &owner)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("check term key: %w", err)
		case id != self:
			return &store.ConflictError{Key: label, Owner: owner}
		}
	}
	return nil
}

// writeTermKeys inserts the name and aliases of t, which [termKeysFree]
// checked.
func writeTermKeys(ctx context.Context, tx *Tx, t store.Term) error {
	for i, label := range t.Labels() {
		if _, err := tx.ExecContext(ctx, "INSERT INTO term_keys (key, term_id, label, position) VALUES (?, ?, ?, ?)",
			store.Key(label), t.ID, label, i); err != nil {
			return fmt.Errorf("write term key: %w", err)
		}
	}
	return nil
}

func writeTermIndex(ctx context.Context, tx *Tx, t store.Term) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO terms_fts (docid, name, aliases, definition) VALUES (?, ?, ?, ?)",
		t.ID, t.Name, strings.Join(t.Aliases, " "), t.Definition)
	if err != nil {
		return fmt.Errorf("write term index: %w", err)
	}
	return nil
}

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
	err := db.read(ctx, func(tx *Tx) error {
		var version int64
		if err := tx.QueryRowContext(ctx, "SELECT n FROM terms_version").Scan(&version); err != nil {
			return err
		}
		hits, err := searchHits(ctx, tx, strings.Join(match, " "))
		if err != nil {
			return err
		}
		if limit > 0 && len(hits) > limit {
			hits = hits[:limit]
		}
		var ok bool
		if out, ok = db.glossary.TermsAt(version, hits); ok {
			return nil
		}
		out, err = termsByID(ctx, tx, hits)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("search terms: %w", err)
	}
	return out, nil
}

// termsByID reads the terms with those ids, in that order, leaving out
// any that is gone: two queries per chunk of ids rather than two per term.
func termsByID(ctx context.Context, q queryer, ids []int64) ([]store.Term, error) {
	const chunk = 500 // well under SQLite's limit on parameters
	var all []store.Term
	index := make(map[int64]int, len(ids)) // into all
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		in := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ") + ")"
		rows, err := q.QueryContext(ctx, "SELECT "+termColumns+" FROM terms t WHERE t.id IN "+in, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			t, err := scanTerm(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			index[t.ID] = len(all)
			all = append(all, t)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		arows, err := q.QueryContext(ctx, "SELECT term_id, label FROM term_keys WHERE position > 0 AND term_id IN "+in+" ORDER BY term_id, position", args...)
		if err != nil {
			return nil, err
		}
		for arows.Next() {
			var id int64
			var label string
			if err := arows.Scan(&id, &label); err != nil {
				arows.Close()
				return nil, err
			}
			if i, ok := index[id]; ok {
				all[i].Aliases = append(all[i].Aliases, label)
			}
		}
		if err := arows.Close(); err != nil {
			return nil, err
		}
		if err := arows.Err(); err != nil {
			return nil, err
		}
	}
	out := make([]store.Term, 0, len(ids))
	for _, id := range ids {
		if i, ok := index[id]; ok {
			out = append(out, all[i])
		}
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
	type hit struct {
		id    int64
		score float64
	}
	var hits []hit
	for rows.Next() {
		var h hit
		var info []byte
		if err := rows.Scan(&h.id, &info); err != nil {
			return nil, err
		}
		h.score = rank(info)
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].score != hits[j].score {
			return hits[i].score > hits[j].score
		}
		return hits[i].id < hits[j].id
	})
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.id
	}
	return ids, nil
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
