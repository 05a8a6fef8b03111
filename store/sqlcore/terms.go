package sqlcore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"smarketing/store"
)

const termColumns = `t.id, t.name, t.category, t.definition, t.created_by, t.created_by_name,
	t.created_at, t.updated_by, t.updated_by_name, t.updated_at, t.version, t.owner, t.owner_name`

// scanTerm reads a row of termColumns: the term without its aliases and
// sign-offs.
func scanTerm(sc Row) (store.Term, error) {
	var t store.Term
	var created, updated int64
	err := sc.Scan(&t.ID, &t.Name, &t.Category, &t.Definition, &t.CreatedBy, &t.CreatedByName,
		&created, &t.UpdatedBy, &t.UpdatedByName, &updated, &t.Version, &t.Owner, &t.OwnerName)
	t.CreatedAt, t.UpdatedAt = FromNanos(created), FromNanos(updated)
	return t, err
}

// Term returns the term whose name or alias is nameOrAlias (compared by
// [store.Key]), or [store.ErrNotFound], from the glossary copy.
func (db *DB) Term(ctx context.Context, nameOrAlias string) (store.Term, error) {
	key := store.Key(nameOrAlias)
	if t, found, ok := db.glossary.ByKey(key); ok {
		return t, foundErr(found)
	}
	if !db.d.Storable(key) {
		return store.Term{}, store.ErrNotFound
	}
	return TermWhere(ctx, db.pool(), "t.id = (SELECT term_id FROM term_keys WHERE key = ?)", key)
}

// TermByID returns the term with that id, or [store.ErrNotFound], from the
// glossary copy.
func (db *DB) TermByID(ctx context.Context, id int64) (store.Term, error) {
	if t, found, ok := db.glossary.ByID(id); ok {
		return t, foundErr(found)
	}
	return TermWhere(ctx, db.pool(), "t.id = ?", id)
}

// TermWhere reads the term where says (one ? for arg; the table is t) with
// its aliases and sign-offs, or returns [store.ErrNotFound].
func TermWhere(ctx context.Context, q Querier, where string, arg any) (store.Term, error) {
	t, err := scanTerm(q.QueryRow(ctx, "SELECT "+termColumns+" FROM terms t WHERE "+where, arg))
	if IsNoRows(err) {
		return store.Term{}, store.ErrNotFound
	}
	if err != nil {
		return store.Term{}, fmt.Errorf("read term: %w", err)
	}
	t.Aliases, err = aliases(ctx, q, t.ID)
	if err != nil {
		return store.Term{}, err
	}
	if t.Signoffs, err = signoffsOf(ctx, q, store.KindTerm, t.ID); err != nil {
		return store.Term{}, err
	}
	return t, nil
}

func aliases(ctx context.Context, q Querier, id int64) ([]string, error) {
	rows, err := q.Query(ctx, "SELECT label FROM term_keys WHERE term_id = ? AND position > 0 ORDER BY position", id)
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
// then by name: from the glossary copy if it holds the version of the
// glossary the database has (one query of the version), else read.
func (db *DB) Terms(ctx context.Context) ([]store.Term, error) {
	var terms []store.Term
	// Terms and aliases in one snapshot: two statements on the pool could
	// see a term without the aliases an edit gave it.
	err := db.read(ctx, func(tx *Tx) (err error) {
		var version int64
		if err := tx.QueryRow(ctx, readTermsVersion).Scan(&version); err != nil {
			return fmt.Errorf("read terms version: %w", err)
		}
		if all, ok := db.glossary.AllAt(version); ok {
			terms = all
			return nil
		}
		terms, err = ListTerms(ctx, tx)
		return err
	})
	return terms, err
}

// ListTerms reads every term with its aliases and sign-offs, ordered as
// [store.SortTerms] orders them.
func ListTerms(ctx context.Context, q Querier) ([]store.Term, error) {
	terms, err := queryAll(ctx, q, "list terms", scanTerm, "SELECT "+termColumns+" FROM terms t")
	if err != nil {
		return nil, err
	}
	index := make(map[int64]int, len(terms))
	for i, t := range terms {
		index[t.ID] = i
	}
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
	// And one for every sign-off.
	signoffs, err := signoffsWhere(ctx, q, store.KindTerm, "")
	if err != nil {
		return nil, err
	}
	for id, ss := range signoffs {
		if i, ok := index[id]; ok {
			terms[i].Signoffs = ss
		}
	}
	store.SortTerms(terms)
	return terms, nil
}

// TermsByID reads the terms with those ids, in that order, leaving out
// any that is gone: three queries per chunk of ids (terms, aliases,
// sign-offs) rather than three per term.
func TermsByID(ctx context.Context, q Querier, ids []int64) ([]store.Term, error) {
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
		got, err := queryAll(ctx, q, "read terms", scanTerm, "SELECT "+termColumns+" FROM terms t WHERE t.id IN "+in, args...)
		if err != nil {
			return nil, err
		}
		for _, t := range got {
			index[t.ID] = len(all)
			all = append(all, t)
		}
		arows, err := q.Query(ctx, "SELECT term_id, label FROM term_keys WHERE position > 0 AND term_id IN "+in+" ORDER BY term_id, position", args...)
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
		signoffs, err := signoffsIn(ctx, q, store.KindTerm, args)
		if err != nil {
			return nil, err
		}
		for id, ss := range signoffs {
			if i, ok := index[id]; ok {
				all[i].Signoffs = ss
			}
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

// TermKeys returns every name and alias, for suggestions.
func (db *DB) TermKeys(ctx context.Context) ([]store.TermKey, error) {
	rows, err := db.pool().Query(ctx, `SELECT k.label, k.term_id, t.name FROM term_keys k
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
	t.Version = 1 // a new term's; only an import restores another
	err := db.write(ctx, func(tx *Tx) (err error) {
		id, err = AddTerm(ctx, tx, db.d, t, by)
		return err
	})
	if err != nil {
		return store.Term{}, fmt.Errorf("add term: %w", err)
	}
	return db.TermByID(ctx, id)
}

// AddTerm inserts t within tx, indexed as d indexes terms, and returns its
// id. Times and authors left empty default to now and by; its version is
// t.Version (at least 1) and its owner t.Owner, and it has no sign-offs
// (an import adds them). It returns a [*store.ConflictError], having
// written nothing, if a name or alias of t is taken.
func AddTerm(ctx context.Context, tx *Tx, d Dialect, t store.Term, by store.Actor) (int64, error) {
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
	t.Version = max(t.Version, 1)
	err := tx.QueryRow(ctx, `INSERT INTO terms (name, category, definition, created_by, created_by_name,
		created_at, updated_by, updated_by_name, updated_at, version, owner, owner_name)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		t.Name, t.Category, t.Definition, t.CreatedBy, t.CreatedByName, Nanos(t.CreatedAt),
		t.UpdatedBy, t.UpdatedByName, Nanos(t.UpdatedAt), t.Version, t.Owner, t.OwnerName).Scan(&t.ID)
	if err != nil {
		return 0, fmt.Errorf("add term: %w", err)
	}
	if err := writeTermKeys(ctx, tx, t); err != nil {
		return 0, err
	}
	if err := writeRevision(ctx, tx, kindTerm, t.ID, t.Version, "created", t.Content(), store.Actor{ID: t.UpdatedBy, Name: t.UpdatedByName}, t.UpdatedAt); err != nil {
		return 0, err
	}
	if err := d.IndexTerm(ctx, tx, t); err != nil {
		return 0, err
	}
	return t.ID, nil
}

// UpdateTerm replaces the name, aliases, category and definition of the term
// with id t.ID, records the edit in its history, and returns the term as
// stored. It returns [store.ErrNotFound], [store.ErrUnchanged] when nothing
// differs, or a [*store.ConflictError].
func (db *DB) UpdateTerm(ctx context.Context, t store.Term, by store.Actor) (store.Term, error) {
	t.Version = 0 // the next one; only an import sets another
	err := db.write(ctx, func(tx *Tx) error { return UpdateTerm(ctx, tx, db.d, t, by) })
	if err != nil && !errors.Is(err, store.ErrUnchanged) {
		return store.Term{}, fmt.Errorf("update term: %w", err)
	}
	saved, rerr := db.TermByID(ctx, t.ID)
	if rerr != nil {
		return store.Term{}, rerr
	}
	return saved, err
}

// UpdateTerm changes the term t.ID within tx, edited by by and indexed
// again as d indexes terms; t.UpdatedAt, if set, is when. The edit makes a
// new version, one more than the stored one or t.Version if that is more
// (an import), not agreed by anyone yet: the sign-offs stay, history. It
// returns the errors of [DB.UpdateTerm]; [store.ErrNotFound],
// [store.ErrUnchanged] and a [*store.ConflictError] come before anything
// is written.
func UpdateTerm(ctx context.Context, tx *Tx, d Dialect, t store.Term, by store.Actor) error {
	old, err := TermWhere(ctx, tx, "t.id = ?", t.ID)
	if err != nil {
		return err
	}
	if old.SameContent(t) {
		return store.ErrUnchanged
	}
	version := max(old.Version+1, t.Version)
	if err := termKeysFree(ctx, tx, t, t.ID); err != nil {
		return err
	}
	tx.TermsChanged = true
	at := t.UpdatedAt
	if at.IsZero() {
		at = tx.Now
	}
	if _, err := tx.Exec(ctx, `UPDATE terms SET name = ?, category = ?, definition = ?,
		updated_by = ?, updated_by_name = ?, updated_at = ?, version = ?, agreed_at = NULL WHERE id = ?`,
		t.Name, t.Category, t.Definition, by.ID, by.Name, Nanos(at), version, t.ID); err != nil {
		return fmt.Errorf("update term: %w", err)
	}
	if _, err := tx.Exec(ctx, "DELETE FROM term_keys WHERE term_id = ?", t.ID); err != nil {
		return fmt.Errorf("update term: %w", err)
	}
	if err := writeTermKeys(ctx, tx, t); err != nil {
		return err
	}
	if err := writeRevision(ctx, tx, kindTerm, t.ID, version, "edited", t.Content(), by, at); err != nil {
		return err
	}
	if err := d.UnindexTerm(ctx, tx, t.ID); err != nil {
		return err
	}
	return d.IndexTerm(ctx, tx, t)
}

// DeleteTerm removes the term with that id, its history and its
// sign-offs, or returns [store.ErrNotFound].
func (db *DB) DeleteTerm(ctx context.Context, id int64) error {
	return db.write(ctx, func(tx *Tx) error {
		n, err := tx.Exec(ctx, "DELETE FROM terms WHERE id = ?", id)
		if err != nil {
			return fmt.Errorf("delete term: %w", err)
		}
		if n == 0 {
			return store.ErrNotFound
		}
		tx.TermsChanged = true
		if err := db.d.UnindexTerm(ctx, tx, id); err != nil {
			return err
		}
		if err := deleteSignoffs(ctx, tx, kindTerm, id); err != nil {
			return err
		}
		return deleteRevisions(ctx, tx, kindTerm, id)
	})
}

// TermHistory returns every saved version of the term, newest first.
func (db *DB) TermHistory(ctx context.Context, id int64) ([]store.Revision[store.Term], error) {
	return history[store.Term](ctx, db.pool(), kindTerm, id)
}

// termKeysFree returns a [*store.ConflictError] if a name or alias of t
// already names a term other than self (0 for a new term), or names t
// twice. The writers call it before they write anything, so a conflict
// leaves nothing behind to undo (an import relies on that).
func termKeysFree(ctx context.Context, q Querier, t store.Term, self int64) error {
	if err := t.CheckLabels(); err != nil {
		return err
	}
	for _, label := range t.Labels() {
		key := store.Key(label)
		var id int64
		var owner string
		err := q.QueryRow(ctx, `SELECT k.term_id, t.name FROM term_keys k JOIN terms t ON t.id = k.term_id
			WHERE k.key = ?`, key).Scan(&id, &owner)
		switch {
		case IsNoRows(err):
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
		if _, err := tx.Exec(ctx, "INSERT INTO term_keys (key, term_id, label, position) VALUES (?, ?, ?, ?)",
			store.Key(label), t.ID, label, i); err != nil {
			return fmt.Errorf("write term key: %w", err)
		}
	}
	return nil
}

// SearchIn is the part of a backend's SearchTerms that is the same on
// both, run in tx, a read snapshot: it reads the glossary version, then
// the ids that hits finds in the same snapshot (best first), and returns
// the terms of the first limit of them (all if limit <= 0). The terms
// come from db's glossary copy if it holds that version of the glossary,
// from tx otherwise. Its errors are not wrapped.
func SearchIn(ctx context.Context, db *DB, tx *Tx, limit int, hits func() ([]int64, error)) ([]store.Term, error) {
	var version int64
	if err := tx.QueryRow(ctx, readTermsVersion).Scan(&version); err != nil {
		return nil, err
	}
	ids, err := hits()
	if err != nil {
		return nil, err
	}
	if limit > 0 && len(ids) > limit {
		ids = ids[:limit]
	}
	if out, ok := db.glossary.TermsAt(version, ids); ok {
		return out, nil
	}
	return TermsByID(ctx, tx, ids)
}
