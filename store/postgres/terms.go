package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"smarketing/store"
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
	if !storableKey(key) {
		return store.Term{}, store.ErrNotFound
	}
	return termWhere(ctx, db.pool, "t.id = (SELECT term_id FROM term_keys WHERE key = $1)", key)
}

// TermByID returns the term with that id, or [store.ErrNotFound], from the
// glossary copy.
func (db *DB) TermByID(ctx context.Context, id int64) (store.Term, error) {
	if t, found, ok := db.glossary.ByID(id); ok {
		return t, foundErr(found)
	}
	return termWhere(ctx, db.pool, "t.id = $1", id)
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
	if err := g.db.pool.QueryRow(ctx, "SELECT n FROM terms_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read terms version: %w", err)
	}
	return v, nil
}

func (g glossarySource) ReadGlossary(ctx context.Context) (version int64, terms []store.Term, keys map[string]int64, err error) {
	err = g.db.read(ctx, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, "SELECT n FROM terms_version").Scan(&version); err != nil {
			return fmt.Errorf("read terms version: %w", err)
		}
		var err error
		if terms, err = listTerms(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT key, term_id FROM term_keys")
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
	t, err := scanTerm(q.QueryRow(ctx, "SELECT "+termColumns+" FROM terms t WHERE "+where, arg))
	if isNoRows(err) {
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
	rows, err := q.Query(ctx, "SELECT label FROM term_keys WHERE term_id = $1 AND position > 0 ORDER BY position", id)
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
	var terms []store.Term
	// Terms and aliases in one snapshot: two statements on the pool could
	// see a term without the aliases an edit gave it.
	err := db.readAt(ctx, time.Time{}, func(tx *Tx) (err error) {
		terms, err = listTerms(ctx, tx)
		return err
	})
	return terms, err
}

func listTerms(ctx context.Context, q queryer) ([]store.Term, error) {
	rows, err := q.Query(ctx, "SELECT "+termColumns+" FROM terms t")
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
	rows.Close()
	// One query for every alias instead of one per term.
	arows, err := q.Query(ctx, "SELECT term_id, label FROM term_keys WHERE position > 0 ORDER BY term_id, position")
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
	rows, err := db.pool.Query(ctx, `SELECT k.label, k.term_id, t.name FROM term_keys k
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
// a [*store.ConflictError] if its name or an alias already names a term.
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
	err := tx.QueryRow(ctx, `INSERT INTO terms (name, category, definition, created_by, created_by_name,
		created_at, updated_by, updated_by_name, updated_at, search) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::tsvector)
		RETURNING id`,
		t.Name, t.Category, t.Definition, t.CreatedBy, t.CreatedByName, nanos(t.CreatedAt),
		t.UpdatedBy, t.UpdatedByName, nanos(t.UpdatedAt), searchDocument(t.Name, t.Aliases, t.Definition)).Scan(&t.ID)
	if err != nil {
		return 0, fmt.Errorf("add term: %w", err)
	}
	if err := writeTermKeys(ctx, tx, t); err != nil {
		return 0, err
	}
	if err := writeRevision(ctx, tx, kindTerm, t.ID, "created", t.Content(), store.Actor{ID: t.UpdatedBy, Name: t.UpdatedByName}, t.UpdatedAt); err != nil {
		return 0, err
	}
	return t.ID, nil
}

// UpdateTerm replaces the name, aliases, category and definition of the term
// with id t.ID, records the edit in its history, and returns the term as
// stored. It returns [store.ErrNotFound], [store.ErrUnchanged] when nothing
// differs, or a [*store.ConflictError].
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
	old, err := termWhere(ctx, tx, "t.id = $1", t.ID)
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
	if _, err := tx.Exec(ctx, `UPDATE terms SET name = $1, category = $2, definition = $3,
		updated_by = $4, updated_by_name = $5, updated_at = $6, search = $7::tsvector WHERE id = $8`,
		t.Name, t.Category, t.Definition, by.ID, by.Name, nanos(at),
		searchDocument(t.Name, t.Aliases, t.Definition), t.ID); err != nil {
		return fmt.Errorf("update term: %w", err)
	}
	if _, err := tx.Exec(ctx, "DELETE FROM term_keys WHERE term_id = $1", t.ID); err != nil {
		return fmt.Errorf("update term: %w", err)
	}
	if err := writeTermKeys(ctx, tx, t); err != nil {
		return err
	}
	return writeRevision(ctx, tx, kindTerm, t.ID, "edited", t.Content(), by, at)
}

// DeleteTerm removes the term with that id and its history, or returns
// [store.ErrNotFound].
func (db *DB) DeleteTerm(ctx context.Context, id int64) error {
	return db.write(ctx, func(tx *Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM terms WHERE id = $1", id)
		if err != nil {
			return fmt.Errorf("delete term: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}
		tx.TermsChanged = true
		return deleteRevisions(ctx, tx, kindTerm, id)
	})
}

// TermHistory returns every saved version of the term, newest first.
func (db *DB) TermHistory(ctx context.Context, id int64) ([]store.Revision[store.Term], error) {
	return history[store.Term](ctx, db.pool, kindTerm, id)
}

// termKeysFree returns a [*store.ConflictError] if a name or alias of t
// already names a term other than self (0 for a new term), or names t
// twice. The writers call it before they write anything, so a conflict
// leaves nothing behind to undo ([DB.Import] relies on that).
func termKeysFree(ctx context.Context, q queryer, t store.Term, self int64) error {
	if err := t.CheckLabels(); err != nil {
		return err
	}
	for _, label := range t.Labels() {
		key := store.Key(label)
		var id int64
		var owner string
		err := q.QueryRow(ctx, `SELECT k.term_id, t.name FROM term_keys k JOIN terms t ON t.id = k.term_id
			WHERE k.key = $1`, key).Scan(&id, &owner)
		switch {
		case isNoRows(err):
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
		if _, err := tx.Exec(ctx, "INSERT INTO term_keys (key, term_id, label, position) VALUES ($1, $2, $3, $4)",
			store.Key(label), t.ID, label, i); err != nil {
			return fmt.Errorf("write term key: %w", err)
		}
	}
	return nil
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
	err := db.read(ctx, func(tx *Tx) error {
		var version int64
		if err := tx.QueryRow(ctx, "SELECT n FROM terms_version").Scan(&version); err != nil {
			return err
		}
		ids, err := q.hits(ctx, tx)
		if err != nil {
			return err
		}
		if limit > 0 && len(ids) > limit {
			ids = ids[:limit]
		}
		if out, ok = db.glossary.TermsAt(version, ids); ok {
			return nil
		}
		out, err = termsByID(ctx, tx, ids)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("search terms: %w", err)
	}
	return out, nil
}

// termsByID reads the terms with those ids, in that order, leaving out any
// that is gone: two queries, not two per term.
func termsByID(ctx context.Context, q queryer, ids []int64) ([]store.Term, error) {
	if ids == nil {
		ids = []int64{}
	}
	rows, err := q.Query(ctx, "SELECT "+termColumns+" FROM terms t WHERE t.id = ANY($1)", ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := make(map[int64]store.Term, len(ids))
	for rows.Next() {
		t, err := scanTerm(rows)
		if err != nil {
			return nil, err
		}
		byID[t.ID] = t
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	arows, err := q.Query(ctx, "SELECT term_id, label FROM term_keys WHERE term_id = ANY($1) AND position > 0 ORDER BY term_id, position", ids)
	if err != nil {
		return nil, err
	}
	defer arows.Close()
	for arows.Next() {
		var id int64
		var label string
		if err := arows.Scan(&id, &label); err != nil {
			return nil, err
		}
		t := byID[id]
		t.Aliases = append(t.Aliases, label)
		byID[id] = t
	}
	if err := arows.Err(); err != nil {
		return nil, err
	}
	out := make([]store.Term, 0, len(ids))
	for _, id := range ids {
		if t, ok := byID[id]; ok {
			out = append(out, t)
		}
	}
	return out, nil
}

// storableKey reports whether a looked-up name could be stored at all:
// PostgreSQL text holds neither NUL nor invalid UTF-8, and refuses them
// even as a parameter, so such a name names nothing.
func storableKey(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
