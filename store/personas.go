package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
}

// sameContent reports whether p and o say the same things.
func (p Persona) sameContent(o Persona) bool {
	return p.contentOnly() == o.contentOnly()
}

// contentOnly is the persona without id and bookkeeping: what a revision keeps.
func (p Persona) contentOnly() Persona {
	return Persona{Name: p.Name, Role: p.Role, Summary: p.Summary, Goals: p.Goals, Pains: p.Pains,
		Objections: p.Objections, Channels: p.Channels, Questions: p.Questions}
}

const personaColumns = `id, name, role, summary, goals, pains, objections, channels, questions,
	created_by, created_by_name, created_at, updated_by, updated_by_name, updated_at`

func scanPersona(sc interface{ Scan(...any) error }) (Persona, error) {
	var p Persona
	var created, updated int64
	err := sc.Scan(&p.ID, &p.Name, &p.Role, &p.Summary, &p.Goals, &p.Pains, &p.Objections, &p.Channels, &p.Questions,
		&p.CreatedBy, &p.CreatedByName, &created, &p.UpdatedBy, &p.UpdatedByName, &updated)
	p.CreatedAt, p.UpdatedAt = fromNanos(created), fromNanos(updated)
	return p, err
}

// Persona returns the persona named name (compared by [Key]), or
// [ErrNotFound].
func (db *DB) Persona(ctx context.Context, name string) (Persona, error) {
	return personaWhere(ctx, db.sql, "key = ?", Key(name))
}

// PersonaByID returns the persona with that id, or [ErrNotFound].
func (db *DB) PersonaByID(ctx context.Context, id int64) (Persona, error) {
	return personaWhere(ctx, db.sql, "id = ?", id)
}

func personaWhere(ctx context.Context, q queryer, where string, arg any) (Persona, error) {
	p, err := scanPersona(q.QueryRowContext(ctx, "SELECT "+personaColumns+" FROM personas WHERE "+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return Persona{}, ErrNotFound
	}
	if err != nil {
		return Persona{}, fmt.Errorf("read persona: %w", err)
	}
	return p, nil
}

// Personas returns every persona ordered by name.
func (db *DB) Personas(ctx context.Context) ([]Persona, error) {
	return listPersonas(ctx, db.sql)
}

func listPersonas(ctx context.Context, q queryer) ([]Persona, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+personaColumns+" FROM personas ORDER BY key, id")
	if err != nil {
		return nil, fmt.Errorf("list personas: %w", err)
	}
	defer rows.Close()
	var out []Persona
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
// returns a [*ConflictError] if the name is taken.
func (db *DB) AddPersona(ctx context.Context, p Persona, by Actor) (Persona, error) {
	var id int64
	err := db.inTx(ctx, func(tx *sql.Tx) (err error) {
		id, err = db.addPersona(ctx, tx, p, by)
		return err
	})
	if err != nil {
		return Persona{}, fmt.Errorf("add persona: %w", err)
	}
	return db.PersonaByID(ctx, id)
}

// addPersona inserts p within tx. Times and authors left empty default to
// now and by.
func (db *DB) addPersona(ctx context.Context, tx execer, p Persona, by Actor) (int64, error) {
	if err := personaNameFree(ctx, tx, p.Name, 0); err != nil {
		return 0, err
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = db.Now().UTC()
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
	res, err := tx.ExecContext(ctx, `INSERT INTO personas (name, key, role, summary, goals, pains, objections,
		channels, questions, created_by, created_by_name, created_at, updated_by, updated_by_name, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.Name, Key(p.Name), p.Role, p.Summary, p.Goals, p.Pains, p.Objections, p.Channels, p.Questions,
		p.CreatedBy, p.CreatedByName, nanos(p.CreatedAt), p.UpdatedBy, p.UpdatedByName, nanos(p.UpdatedAt))
	if err != nil {
		return 0, fmt.Errorf("add persona: %w", err)
	}
	if p.ID, err = res.LastInsertId(); err != nil {
		return 0, fmt.Errorf("add persona: %w", err)
	}
	if err := writeRevision(ctx, tx, kindPersona, p.ID, "created", p.contentOnly(), Actor{p.UpdatedBy, p.UpdatedByName}, p.UpdatedAt); err != nil {
		return 0, err
	}
	return p.ID, nil
}

func personaNameFree(ctx context.Context, tx execer, name string, self int64) error {
	var owner string
	err := tx.QueryRowContext(ctx, "SELECT name FROM personas WHERE key = ? AND id != ?", Key(name), self).Scan(&owner)
	switch {
	case err == nil:
		return &ConflictError{Key: name, Owner: owner}
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("check persona name: %w", err)
	}
	return nil
}

// UpdatePersona replaces every field of the persona with id p.ID, records the
// edit, and returns the persona as stored. It returns [ErrNotFound],
// [ErrUnchanged] when nothing differs, or a [*ConflictError] when the new name
// is another persona's.
func (db *DB) UpdatePersona(ctx context.Context, p Persona, by Actor) (Persona, error) {
	err := db.inTx(ctx, func(tx *sql.Tx) error { return db.updatePersona(ctx, tx, p, by) })
	if err != nil && !errors.Is(err, ErrUnchanged) {
		return Persona{}, fmt.Errorf("update persona: %w", err)
	}
	saved, rerr := db.PersonaByID(ctx, p.ID)
	if rerr != nil {
		return Persona{}, rerr
	}
	return saved, err
}

// updatePersona changes the persona p.ID within tx; p.UpdatedAt, if set, is when.
func (db *DB) updatePersona(ctx context.Context, tx txer, p Persona, by Actor) error {
	old, err := personaWhere(ctx, tx, "id = ?", p.ID)
	if err != nil {
		return err
	}
	if old.sameContent(p) {
		return ErrUnchanged
	}
	if err := personaNameFree(ctx, tx, p.Name, p.ID); err != nil {
		return err
	}
	at := p.UpdatedAt
	if at.IsZero() {
		at = db.Now().UTC()
	}
	if _, err := tx.ExecContext(ctx, `UPDATE personas SET name = ?, key = ?, role = ?, summary = ?, goals = ?,
		pains = ?, objections = ?, channels = ?, questions = ?, updated_by = ?, updated_by_name = ?, updated_at = ?
		WHERE id = ?`, p.Name, Key(p.Name), p.Role, p.Summary, p.Goals, p.Pains, p.Objections, p.Channels, p.Questions,
		by.ID, by.Name, nanos(at), p.ID); err != nil {
		return fmt.Errorf("update persona: %w", err)
	}
	return writeRevision(ctx, tx, kindPersona, p.ID, "edited", p.contentOnly(), by, at)
}

// DeletePersona removes the persona with that id and its history, or returns
// [ErrNotFound].
func (db *DB) DeletePersona(ctx context.Context, id int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM personas WHERE id = ?", id)
		if err != nil {
			return fmt.Errorf("delete persona: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return deleteRevisions(ctx, tx, kindPersona, id)
	})
}

// PersonaHistory returns every saved version of the persona, newest first.
func (db *DB) PersonaHistory(ctx context.Context, id int64) ([]Revision[Persona], error) {
	return history[Persona](ctx, db.sql, kindPersona, id)
}

// FindPersonas returns the personas that typed names: the one whose whole
// name matches, or else every persona with a name word starting with each
// typed word ("sally" finds "Sally Supermom"; "s super" does too).
func (db *DB) FindPersonas(ctx context.Context, typed string) ([]Persona, error) {
	if p, err := db.Persona(ctx, typed); err == nil {
		return []Persona{p}, nil
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	words := strings.Fields(Key(typed))
	if len(words) == 0 {
		return nil, nil
	}
	all, err := db.Personas(ctx)
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
