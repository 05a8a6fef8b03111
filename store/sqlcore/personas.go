package sqlcore

import (
	"context"
	"errors"
	"fmt"

	"smarketing/store"
)

const personaColumns = `id, name, role, summary, goals, pains, objections, channels, questions,
	created_by, created_by_name, created_at, updated_by, updated_by_name, updated_at`

func scanPersona(sc Row) (store.Persona, error) {
	var p store.Persona
	var created, updated int64
	err := sc.Scan(&p.ID, &p.Name, &p.Role, &p.Summary, &p.Goals, &p.Pains, &p.Objections, &p.Channels, &p.Questions,
		&p.CreatedBy, &p.CreatedByName, &created, &p.UpdatedBy, &p.UpdatedByName, &updated)
	p.CreatedAt, p.UpdatedAt = FromNanos(created), FromNanos(updated)
	return p, err
}

// Persona returns the persona named name (compared by [store.Key]), or
// [store.ErrNotFound].
func (db *DB) Persona(ctx context.Context, name string) (store.Persona, error) {
	if !db.d.Storable(name) {
		return store.Persona{}, store.ErrNotFound
	}
	return PersonaWhere(ctx, db.pool(), "key = ?", store.Key(name))
}

// PersonaByID returns the persona with that id, or [store.ErrNotFound].
func (db *DB) PersonaByID(ctx context.Context, id int64) (store.Persona, error) {
	return PersonaWhere(ctx, db.pool(), "id = ?", id)
}

// PersonaWhere reads the persona where says (one ? for arg), or returns
// [store.ErrNotFound].
func PersonaWhere(ctx context.Context, q Querier, where string, arg any) (store.Persona, error) {
	p, err := scanPersona(q.QueryRow(ctx, "SELECT "+personaColumns+" FROM personas WHERE "+where, arg))
	if IsNoRows(err) {
		return store.Persona{}, store.ErrNotFound
	}
	if err != nil {
		return store.Persona{}, fmt.Errorf("read persona: %w", err)
	}
	return p, nil
}

// Personas returns every persona ordered by name.
func (db *DB) Personas(ctx context.Context) ([]store.Persona, error) {
	return ListPersonas(ctx, db.pool())
}

// ListPersonas reads every persona, ordered by name (by key, then id).
func ListPersonas(ctx context.Context, q Querier) ([]store.Persona, error) {
	rows, err := q.Query(ctx, "SELECT "+personaColumns+" FROM personas ORDER BY key, id")
	if err != nil {
		return nil, fmt.Errorf("list personas: %w", err)
	}
	defer rows.Close()
	var out []store.Persona
	for rows.Next() {
		p, err := scanPersona(rows)
		if err != nil {
			return nil, fmt.Errorf("list personas: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// AddPersona saves a new persona created by by and returns it as stored. It
// returns a [*store.ConflictError] if the name is taken.
func (db *DB) AddPersona(ctx context.Context, p store.Persona, by store.Actor) (store.Persona, error) {
	var id int64
	err := db.write(ctx, func(tx *Tx) (err error) {
		id, err = AddPersona(ctx, tx, p, by)
		return err
	})
	if err != nil {
		return store.Persona{}, fmt.Errorf("add persona: %w", err)
	}
	return db.PersonaByID(ctx, id)
}

// AddPersona inserts p within tx and returns its id. Times and authors left
// empty default to now and by.
func AddPersona(ctx context.Context, tx *Tx, p store.Persona, by store.Actor) (int64, error) {
	if err := personaNameFree(ctx, tx, p.Name, 0); err != nil {
		return 0, err
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = tx.Now
	}
	if p.UpdatedAt.IsZero() {
		p.UpdatedAt = p.CreatedAt
	}
	if p.CreatedBy == "" {
		p.CreatedBy, p.CreatedByName = by.ID, by.Name
	}
	if p.UpdatedBy == "" {
		p.UpdatedBy, p.UpdatedByName = p.CreatedBy, p.CreatedByName
	}
	err := tx.QueryRow(ctx, `INSERT INTO personas (name, key, role, summary, goals, pains, objections,
		channels, questions, created_by, created_by_name, created_at, updated_by, updated_by_name, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		p.Name, store.Key(p.Name), p.Role, p.Summary, p.Goals, p.Pains, p.Objections, p.Channels, p.Questions,
		p.CreatedBy, p.CreatedByName, Nanos(p.CreatedAt), p.UpdatedBy, p.UpdatedByName, Nanos(p.UpdatedAt)).Scan(&p.ID)
	if err != nil {
		return 0, fmt.Errorf("add persona: %w", err)
	}
	if err := writeRevision(ctx, tx, kindPersona, p.ID, "created", p.Content(), store.Actor{ID: p.UpdatedBy, Name: p.UpdatedByName}, p.UpdatedAt); err != nil {
		return 0, err
	}
	return p.ID, nil
}

func personaNameFree(ctx context.Context, q Querier, name string, self int64) error {
	var owner string
	err := q.QueryRow(ctx, "SELECT name FROM personas WHERE key = ? AND id != ?", store.Key(name), self).Scan(&owner)
	switch {
	case err == nil:
		return &store.ConflictError{Key: name, Owner: owner}
	case !IsNoRows(err):
		return fmt.Errorf("check persona name: %w", err)
	}
	return nil
}

// UpdatePersona replaces every field of the persona with id p.ID, records the
// edit, and returns the persona as stored. It returns [store.ErrNotFound],
// [store.ErrUnchanged] when nothing differs, or a [*store.ConflictError] when
// the new name is another persona's.
func (db *DB) UpdatePersona(ctx context.Context, p store.Persona, by store.Actor) (store.Persona, error) {
	err := db.write(ctx, func(tx *Tx) error { return UpdatePersona(ctx, tx, p, by) })
	if err != nil && !errors.Is(err, store.ErrUnchanged) {
		return store.Persona{}, fmt.Errorf("update persona: %w", err)
	}
	saved, rerr := db.PersonaByID(ctx, p.ID)
	if rerr != nil {
		return store.Persona{}, rerr
	}
	return saved, err
}

// UpdatePersona changes the persona p.ID within tx, edited by by;
// p.UpdatedAt, if set, is when. It returns the errors of [DB.UpdatePersona].
func UpdatePersona(ctx context.Context, tx *Tx, p store.Persona, by store.Actor) error {
	old, err := PersonaWhere(ctx, tx, "id = ?", p.ID)
	if err != nil {
		return err
	}
	if old.SameContent(p) {
		return store.ErrUnchanged
	}
	if err := personaNameFree(ctx, tx, p.Name, p.ID); err != nil {
		return err
	}
	at := p.UpdatedAt
	if at.IsZero() {
		at = tx.Now
	}
	if _, err := tx.Exec(ctx, `UPDATE personas SET name = ?, key = ?, role = ?, summary = ?, goals = ?,
		pains = ?, objections = ?, channels = ?, questions = ?, updated_by = ?, updated_by_name = ?, updated_at = ?
		WHERE id = ?`, p.Name, store.Key(p.Name), p.Role, p.Summary, p.Goals, p.Pains, p.Objections, p.Channels, p.Questions,
		by.ID, by.Name, Nanos(at), p.ID); err != nil {
		return fmt.Errorf("update persona: %w", err)
	}
	return writeRevision(ctx, tx, kindPersona, p.ID, "edited", p.Content(), by, at)
}

// DeletePersona removes the persona with that id and its history, or returns
// [store.ErrNotFound].
func (db *DB) DeletePersona(ctx context.Context, id int64) error {
	return db.write(ctx, func(tx *Tx) error {
		n, err := tx.Exec(ctx, "DELETE FROM personas WHERE id = ?", id)
		if err != nil {
			return fmt.Errorf("delete persona: %w", err)
		}
		if n == 0 {
			return store.ErrNotFound
		}
		return deleteRevisions(ctx, tx, kindPersona, id)
	})
}

// PersonaHistory returns every saved version of the persona, newest first.
func (db *DB) PersonaHistory(ctx context.Context, id int64) ([]store.Revision[store.Persona], error) {
	return history[store.Persona](ctx, db.pool(), kindPersona, id)
}
