package sqlcore

import (
	"context"
	"errors"
	"fmt"

	"smarketing/store"
)

const personaColumns = `id, name, role, summary, goals, pains, objections, channels, questions,
	created_by, created_by_name, created_at, updated_by, updated_by_name, updated_at, version, owner, owner_name`

// scanPersona reads a row of personaColumns: the persona without its
// sign-offs.
func scanPersona(sc Row) (store.Persona, error) {
	var p store.Persona
	var created, updated int64
	err := sc.Scan(&p.ID, &p.Name, &p.Role, &p.Summary, &p.Goals, &p.Pains, &p.Objections, &p.Channels, &p.Questions,
		&p.CreatedBy, &p.CreatedByName, &created, &p.UpdatedBy, &p.UpdatedByName, &updated, &p.Version, &p.Owner, &p.OwnerName)
	p.CreatedAt, p.UpdatedAt = FromNanos(created), FromNanos(updated)
	return p, err
}

// Persona returns the persona named name (compared by [store.Key]), or
// [store.ErrNotFound].
func (db *DB) Persona(ctx context.Context, name string) (store.Persona, error) {
	if !db.d.Storable(name) {
		return store.Persona{}, store.ErrNotFound
	}
	return db.personaWhere(ctx, "key = ?", store.Key(name))
}

// PersonaByID returns the persona with that id, or [store.ErrNotFound].
func (db *DB) PersonaByID(ctx context.Context, id int64) (store.Persona, error) {
	return db.personaWhere(ctx, "id = ?", id)
}

// personaWhere reads a persona and its sign-offs in one snapshot.
func (db *DB) personaWhere(ctx context.Context, where string, arg any) (p store.Persona, err error) {
	err = db.read(ctx, func(tx *Tx) error {
		p, err = PersonaWhere(ctx, tx, where, arg)
		return err
	})
	return p, err
}

// PersonaWhere reads the persona where says (one ? for arg) with its
// sign-offs, or returns [store.ErrNotFound].
func PersonaWhere(ctx context.Context, q Querier, where string, arg any) (store.Persona, error) {
	p, err := scanPersona(q.QueryRow(ctx, "SELECT "+personaColumns+" FROM personas WHERE "+where, arg))
	if IsNoRows(err) {
		return store.Persona{}, store.ErrNotFound
	}
	if err != nil {
		return store.Persona{}, fmt.Errorf("read persona: %w", err)
	}
	if p.Signoffs, err = signoffsOf(ctx, q, store.KindPersona, p.ID); err != nil {
		return store.Persona{}, err
	}
	return p, nil
}

// Personas returns every persona ordered by name.
func (db *DB) Personas(ctx context.Context) (ps []store.Persona, err error) {
	// Personas and sign-offs in one snapshot.
	err = db.read(ctx, func(tx *Tx) error {
		ps, err = ListPersonas(ctx, tx)
		return err
	})
	return ps, err
}

// ListPersonas reads every persona with its sign-offs, ordered by name (by
// key, then id): two queries, whatever their number.
func ListPersonas(ctx context.Context, q Querier) ([]store.Persona, error) {
	out, err := queryAll(ctx, q, "list personas", scanPersona, "SELECT "+personaColumns+" FROM personas ORDER BY key, id")
	if err != nil {
		return nil, err
	}
	signoffs, err := signoffsWhere(ctx, q, store.KindPersona, "")
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Signoffs = signoffs[out[i].ID]
	}
	return out, nil
}

// AddPersona saves a new persona created by by and returns it as stored. It
// returns a [*store.ConflictError] if the name is taken.
func (db *DB) AddPersona(ctx context.Context, p store.Persona, by store.Actor) (store.Persona, error) {
	var id int64
	p.Version = 1 // a new persona's; only an import restores another
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
// empty default to now and by; its version is p.Version (at least 1) and
// its owner p.Owner, and it has no sign-offs (an import adds them).
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
	p.Version = max(p.Version, 1)
	err := tx.QueryRow(ctx, `INSERT INTO personas (name, key, role, summary, goals, pains, objections,
		channels, questions, created_by, created_by_name, created_at, updated_by, updated_by_name, updated_at,
		version, owner, owner_name)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		p.Name, store.Key(p.Name), p.Role, p.Summary, p.Goals, p.Pains, p.Objections, p.Channels, p.Questions,
		p.CreatedBy, p.CreatedByName, Nanos(p.CreatedAt), p.UpdatedBy, p.UpdatedByName, Nanos(p.UpdatedAt),
		p.Version, p.Owner, p.OwnerName).Scan(&p.ID)
	if err != nil {
		return 0, fmt.Errorf("add persona: %w", err)
	}
	if err := writeRevision(ctx, tx, kindPersona, p.ID, p.Version, "created", p.Content(), store.Actor{ID: p.UpdatedBy, Name: p.UpdatedByName}, p.UpdatedAt); err != nil {
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
	p.Version = 0 // the next one; only an import sets another
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
// p.UpdatedAt, if set, is when. The edit makes a new version, as
// [UpdateTerm]'s does. It returns the errors of [DB.UpdatePersona].
func UpdatePersona(ctx context.Context, tx *Tx, p store.Persona, by store.Actor) error {
	old, err := PersonaWhere(ctx, tx, "id = ?", p.ID)
	if err != nil {
		return err
	}
	if old.SameContent(p) {
		return store.ErrUnchanged
	}
	version := max(old.Version+1, p.Version)
	if err := personaNameFree(ctx, tx, p.Name, p.ID); err != nil {
		return err
	}
	at := p.UpdatedAt
	if at.IsZero() {
		at = tx.Now
	}
	if _, err := tx.Exec(ctx, `UPDATE personas SET name = ?, key = ?, role = ?, summary = ?, goals = ?,
		pains = ?, objections = ?, channels = ?, questions = ?, updated_by = ?, updated_by_name = ?, updated_at = ?,
		version = ?, agreed_at = NULL
		WHERE id = ?`, p.Name, store.Key(p.Name), p.Role, p.Summary, p.Goals, p.Pains, p.Objections, p.Channels, p.Questions,
		by.ID, by.Name, Nanos(at), version, p.ID); err != nil {
		return fmt.Errorf("update persona: %w", err)
	}
	return writeRevision(ctx, tx, kindPersona, p.ID, version, "edited", p.Content(), by, at)
}

// DeletePersona removes the persona with that id, its history and its
// sign-offs, or returns [store.ErrNotFound].
func (db *DB) DeletePersona(ctx context.Context, id int64) error {
	return db.write(ctx, func(tx *Tx) error {
		// Its insights stay, without a persona (as the foreign key has it;
		// done here too, so that no schema setting is relied on).
		if _, err := tx.Exec(ctx, "UPDATE insights SET persona_id = NULL WHERE persona_id = ?", id); err != nil {
			return fmt.Errorf("delete persona: %w", err)
		}
		n, err := tx.Exec(ctx, "DELETE FROM personas WHERE id = ?", id)
		if err != nil {
			return fmt.Errorf("delete persona: %w", err)
		}
		if n == 0 {
			return store.ErrNotFound
		}
		if err := deleteSignoffs(ctx, tx, kindPersona, id); err != nil {
			return err
		}
		return deleteRevisions(ctx, tx, kindPersona, id)
	})
}

// PersonaHistory returns every saved version of the persona, newest first.
func (db *DB) PersonaHistory(ctx context.Context, id int64) ([]store.Revision[store.Persona], error) {
	return history[store.Persona](ctx, db.pool(), kindPersona, id)
}
