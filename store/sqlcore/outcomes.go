package sqlcore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"smarketing/store"
)

// The outcomes of meetings: action items, decisions and skipped days.

const actionColumns = `a.id, a.meeting_id, m.title, a.owner, a.owner_name, a.text, a.due, a.created_by, a.created_by_name,
	a.created_at, a.done_at, a.done_by`

// actionsWhere returns the actions (joined with their meetings) that
// where selects; where ends with an ORDER BY, and limit > 0 bounds them.
func actionsWhere(ctx context.Context, q Querier, where string, limit int, args ...any) ([]store.Action, error) {
	return selectWhere(ctx, q, "read actions", scanAction,
		"SELECT "+actionColumns+" FROM meeting_actions a JOIN meetings m ON m.id = a.meeting_id", where, limit, args...)
}

func scanAction(sc Row) (store.Action, error) {
	var a store.Action
	var created int64
	var done *int64
	err := sc.Scan(&a.ID, &a.MeetingID, &a.MeetingTitle, &a.Owner, &a.OwnerName, &a.Text, &a.Due, &a.CreatedBy, &a.CreatedByName,
		&created, &done, &a.DoneBy)
	a.CreatedAt = FromNanos(created)
	if done != nil {
		a.DoneAt = FromNanos(*done)
	}
	return a, err
}

func actionRecord(a store.Action) store.ActionRecord {
	r := store.ActionRecord{ID: a.ID, Owner: a.Owner, Text: a.Text, CreatedBy: a.CreatedBy}
	if a.Due != "" {
		due := a.Due
		r.Due = &due
	}
	if !a.Open() {
		done := a.DoneAt.UTC()
		r.DoneAt = &done
	}
	return r
}

func readAction(ctx context.Context, q Querier, id int64) (store.Action, error) {
	a, err := scanAction(q.QueryRow(ctx, "SELECT "+actionColumns+" FROM meeting_actions a JOIN meetings m ON m.id = a.meeting_id WHERE a.id = ?", id))
	if IsNoRows(err) {
		return store.Action{}, store.ErrNotFound
	}
	if err != nil {
		return store.Action{}, fmt.Errorf("read action: %w", err)
	}
	return a, nil
}

// AddAction saves an open action item; see [store.Meetings]. The limit is
// checked in the write transaction (serializable on PostgreSQL).
func (db *DB) AddAction(ctx context.Context, a store.Action, by store.Actor) (store.Action, error) {
	var id int64
	err := db.write(ctx, func(tx *Tx) error {
		var exists, open int
		err := tx.QueryRow(ctx, `SELECT COUNT(*), (SELECT COUNT(*) FROM meeting_actions WHERE meeting_id = ? AND done_at IS NULL)
			FROM meetings WHERE id = ?`, a.MeetingID, a.MeetingID).Scan(&exists, &open)
		if err != nil {
			return err
		}
		if exists == 0 {
			return store.ErrNotFound
		}
		if open >= store.MaxOpenActions {
			return store.ErrTooManyActions
		}
		return tx.QueryRow(ctx, `INSERT INTO meeting_actions (meeting_id, owner, owner_name, text, due, created_by, created_by_name, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.MeetingID, a.Owner, a.OwnerName, a.Text, a.Due, by.ID, by.Name, Nanos(tx.Now)).Scan(&id)
	})
	if err != nil {
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrTooManyActions) {
			return store.Action{}, err
		}
		return store.Action{}, fmt.Errorf("add action: %w", err)
	}
	return db.Action(ctx, id)
}

// Action returns an action, open or done, or [store.ErrNotFound].
func (db *DB) Action(ctx context.Context, id int64) (store.Action, error) {
	return readAction(ctx, db.pool(), id)
}

// OpenActions returns the open actions f selects, by due date (those
// without one last), then id.
func (db *DB) OpenActions(ctx context.Context, f store.ActionFilter) ([]store.Action, error) {
	where, args := "a.done_at IS NULL", []any{}
	if f.MeetingID != 0 {
		where += " AND a.meeting_id = ?"
		args = append(args, f.MeetingID)
	}
	if f.Owner != "" {
		where += " AND a.owner = ?"
		args = append(args, f.Owner)
	}
	where += " ORDER BY CASE WHEN a.due = '' THEN 1 ELSE 0 END, a.due, a.id"
	return actionsWhere(ctx, db.pool(), where, f.Limit, args...)
}

// CloseAction marks an open action done; see [store.Meetings].
func (db *DB) CloseAction(ctx context.Context, id int64, by store.Actor) (store.Action, error) {
	var a store.Action
	err := db.write(ctx, func(tx *Tx) error {
		n, err := tx.Exec(ctx, "UPDATE meeting_actions SET done_at = ?, done_by = ? WHERE id = ? AND done_at IS NULL", Nanos(tx.Now), by.ID, id)
		if err != nil {
			return err
		}
		if a, err = readAction(ctx, tx, id); err != nil {
			return err
		}
		if n == 0 {
			return store.ErrUnchanged
		}
		return nil
	})
	switch {
	case errors.Is(err, store.ErrUnchanged):
		return a, err
	case errors.Is(err, store.ErrNotFound):
		return store.Action{}, err
	case err != nil:
		return store.Action{}, fmt.Errorf("close action: %w", err)
	}
	return a, nil
}

// ActionsDue returns the open actions due on due whose reminder claim
// prefix+id is free; see [store.Meetings].
func (db *DB) ActionsDue(ctx context.Context, due, prefix string, createdBefore, now time.Time, limit int) ([]store.Action, error) {
	return actionsWhere(ctx, db.pool(), `a.done_at IS NULL AND a.due = ? AND a.created_at < ?
		AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.key = CAST(? AS TEXT) || CAST(a.id AS TEXT)
			AND (c.state = 'done' OR c.expires_at > ?))
		ORDER BY a.id`, limit, due, Nanos(createdBefore), prefix, Nanos(now))
}

// NextActionDue returns the earliest due date on or after from of an open
// action, or "".
func (db *DB) NextActionDue(ctx context.Context, from string) (string, error) {
	var first *string
	if err := db.pool().QueryRow(ctx, "SELECT MIN(due) FROM meeting_actions WHERE done_at IS NULL AND due <> '' AND due >= ?", from).Scan(&first); err != nil {
		return "", fmt.Errorf("next action due: %w", err)
	}
	if first == nil {
		return "", nil
	}
	return *first, nil
}

const decisionColumns = "d.id, d.meeting_id, m.title, d.text, d.by_user, d.by_name, d.at"

func decisionsWhere(ctx context.Context, q Querier, where string, limit int, args ...any) ([]store.Decision, error) {
	return selectWhere(ctx, q, "read decisions", scanDecision,
		"SELECT "+decisionColumns+" FROM meeting_decisions d JOIN meetings m ON m.id = d.meeting_id", where, limit, args...)
}

func scanDecision(sc Row) (store.Decision, error) {
	var d store.Decision
	var at int64
	err := sc.Scan(&d.ID, &d.MeetingID, &d.MeetingTitle, &d.Text, &d.By, &d.ByName, &at)
	d.At = FromNanos(at)
	return d, err
}

// AddDecision records a decision of a meeting made now.
func (db *DB) AddDecision(ctx context.Context, meetingID int64, text string, by store.Actor) (store.Decision, error) {
	var d store.Decision
	err := db.write(ctx, func(tx *Tx) error {
		var title string
		err := tx.QueryRow(ctx, "SELECT title FROM meetings WHERE id = ?", meetingID).Scan(&title)
		if IsNoRows(err) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		d = store.Decision{MeetingID: meetingID, MeetingTitle: title, Text: text, By: by.ID, ByName: by.Name, At: tx.Now.UTC()}
		return tx.QueryRow(ctx, `INSERT INTO meeting_decisions (meeting_id, text, by_user, by_name, at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, meetingID, text, by.ID, by.Name, Nanos(tx.Now)).Scan(&d.ID)
	})
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return store.Decision{}, err
		}
		return store.Decision{}, fmt.Errorf("add decision: %w", err)
	}
	d.At = FromNanos(Nanos(d.At))
	return d, nil
}

// Decisions returns the decisions f selects, newest first, and how many
// it selects without its Limit, read in one snapshot.
func (db *DB) Decisions(ctx context.Context, f store.DecisionFilter) ([]store.Decision, int, error) {
	where, args := logFilter("d", "meeting_id", f.MeetingID, f.From, f.To)
	return countAndList(ctx, db, "decisions", "meeting_decisions d", where, args, func(q Querier) ([]store.Decision, error) {
		return decisionsWhere(ctx, q, where+" ORDER BY d.at DESC, d.id DESC", f.Limit, args...)
	})
}

// logFilter is the WHERE of a log (decisions, insights) as alias: the rows
// whose column is id (any if 0) with at in [from, to) (a zero bound is
// open).
func logFilter(alias, column string, id int64, from, to time.Time) (string, []any) {
	where, args := "1 = 1", []any{}
	if id != 0 {
		where += " AND " + alias + "." + column + " = ?"
		args = append(args, id)
	}
	if !from.IsZero() {
		where += " AND " + alias + ".at >= ?"
		args = append(args, Nanos(from))
	}
	if !to.IsZero() {
		where += " AND " + alias + ".at < ?"
		args = append(args, Nanos(to))
	}
	return where, args
}

// countAndList reads, in one snapshot, how many rows of from (a table and
// its alias) where selects, and the page list reads of them.
func countAndList[T any](ctx context.Context, db *DB, what, from, where string, args []any, list func(Querier) ([]T, error)) ([]T, int, error) {
	var out []T
	var total int
	err := db.read(ctx, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM "+from+" WHERE "+where, args...).Scan(&total); err != nil {
			return fmt.Errorf("count %s: %w", what, err)
		}
		var err error
		out, err = list(tx)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// SkipMeeting skips the occurrence of a meeting on day; see
// [store.Meetings].
func (db *DB) SkipMeeting(ctx context.Context, meetingID int64, day string, by store.Actor) error {
	err := db.write(ctx, func(tx *Tx) error {
		if err := meetingExists(ctx, tx, meetingID); err != nil {
			return err
		}
		n, err := tx.Exec(ctx, `INSERT INTO meeting_skips (meeting_id, day, added_by, added_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (meeting_id, day) DO NOTHING`, meetingID, day, by.ID, Nanos(tx.Now))
		if err != nil {
			return err
		}
		if n == 0 {
			return store.ErrUnchanged
		}
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrUnchanged) {
		return fmt.Errorf("skip meeting: %w", err)
	}
	return err
}

// UnskipMeeting undoes [DB.SkipMeeting].
func (db *DB) UnskipMeeting(ctx context.Context, meetingID int64, day string) error {
	err := db.write(ctx, func(tx *Tx) error {
		if err := meetingExists(ctx, tx, meetingID); err != nil {
			return err
		}
		n, err := tx.Exec(ctx, "DELETE FROM meeting_skips WHERE meeting_id = ? AND day = ?", meetingID, day)
		if err != nil {
			return err
		}
		if n == 0 {
			return store.ErrUnchanged
		}
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrUnchanged) {
		return fmt.Errorf("unskip meeting: %w", err)
	}
	return err
}

func meetingExists(ctx context.Context, q Querier, id int64) error {
	var n int
	if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM meetings WHERE id = ?", id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// importOutcomes merges the actions, decisions and skips of r into the
// meeting id (see [ImportMeeting]) and reports whether it added or closed
// anything.
func importOutcomes(ctx context.Context, tx *Tx, d Dialect, id int64, r store.MeetingRecord, by store.Actor) (bool, error) {
	changed := false
	now := Nanos(tx.Now)
	for _, ar := range r.Actions {
		have, err := actionsWhere(ctx, tx, "a.meeting_id = ? ORDER BY a.id", 0, id)
		if err != nil {
			return false, err
		}
		var match *store.Action
		for i := range have {
			if ar.ID > 0 && have[i].ID == ar.ID && have[i].Text == ar.Text {
				match = &have[i]
				break
			}
		}
		if match == nil {
			for i := range have {
				if have[i].Owner == ar.Owner && have[i].Text == ar.Text {
					match = &have[i]
					break
				}
			}
		}
		due := ""
		if ar.Due != nil {
			due = *ar.Due
		}
		var doneAt *int64
		doneBy := ""
		if ar.DoneAt != nil {
			n := Nanos(*ar.DoneAt)
			doneAt, doneBy = &n, by.ID
		}
		if match != nil {
			if match.Open() && doneAt != nil {
				if _, err := tx.Exec(ctx, "UPDATE meeting_actions SET done_at = ?, done_by = ? WHERE id = ? AND done_at IS NULL",
					*doneAt, by.ID, match.ID); err != nil {
					return false, fmt.Errorf("import action: %w", err)
				}
				changed = true
			}
			continue
		}
		free := false
		if ar.ID > 0 {
			if err := tx.QueryRow(ctx, "SELECT NOT EXISTS (SELECT 1 FROM meeting_actions WHERE id = ?)", ar.ID).Scan(&free); err != nil {
				return false, fmt.Errorf("import action: %w", err)
			}
		}
		var newID int64
		if free {
			if err := tx.QueryRow(ctx, `INSERT INTO meeting_actions (id, meeting_id, owner, text, due, created_by, created_at, done_at, done_by)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, ar.ID, id, ar.Owner, ar.Text, due, ar.CreatedBy, now, doneAt, doneBy).Scan(&newID); err != nil {
				return false, fmt.Errorf("import action: %w", err)
			}
			if err := d.IDTaken(ctx, tx, "meeting_actions", newID); err != nil {
				return false, fmt.Errorf("import action: %w", err)
			}
		} else if _, err := tx.Exec(ctx, `INSERT INTO meeting_actions (meeting_id, owner, text, due, created_by, created_at, done_at, done_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, ar.Owner, ar.Text, due, ar.CreatedBy, now, doneAt, doneBy); err != nil {
			return false, fmt.Errorf("import action: %w", err)
		}
		changed = true
	}
	for _, dr := range r.Decisions {
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM meeting_decisions WHERE meeting_id = ? AND text = ? AND at = ?",
			id, dr.Text, Nanos(dr.At)).Scan(&n); err != nil {
			return false, fmt.Errorf("import decision: %w", err)
		}
		if n > 0 {
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO meeting_decisions (meeting_id, text, by_user, by_name, at) VALUES (?, ?, ?, '', ?)`,
			id, dr.Text, dr.By, Nanos(dr.At)); err != nil {
			return false, fmt.Errorf("import decision: %w", err)
		}
		changed = true
	}
	for _, day := range r.Skips {
		n, err := tx.Exec(ctx, `INSERT INTO meeting_skips (meeting_id, day, added_by, added_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (meeting_id, day) DO NOTHING`, id, day, by.ID, now)
		if err != nil {
			return false, fmt.Errorf("import skip: %w", err)
		}
		if n > 0 {
			changed = true
		}
	}
	return changed, nil
}
