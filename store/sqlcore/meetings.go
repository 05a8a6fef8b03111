package sqlcore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"smarketing/store"
)

const meetingColumns = `m.id, m.title, m.schedule, m.channel, m.created_by, m.created_by_name, m.created_at,
	(SELECT COUNT(*) FROM meeting_agenda a WHERE a.meeting_id = m.id AND a.cleared_at IS NULL),
	(SELECT COUNT(*) FROM meeting_actions x WHERE x.meeting_id = m.id AND x.done_at IS NULL)`

func scanMeeting(sc Row) (store.Meeting, error) {
	var m store.Meeting
	var created int64
	err := sc.Scan(&m.ID, &m.Title, &m.Schedule, &m.Channel, &m.CreatedBy, &m.CreatedByName, &created, &m.Agenda, &m.OpenActions)
	m.CreatedAt = FromNanos(created)
	return m, err
}

// AddMeeting saves a new meeting created by by and returns it as stored. The
// caller validates the title, schedule and channel.
func (db *DB) AddMeeting(ctx context.Context, m store.Meeting, by store.Actor) (store.Meeting, error) {
	var id int64
	err := db.write(ctx, func(tx *Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO meetings (title, schedule, channel, created_by, created_by_name, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, m.Title, m.Schedule, m.Channel, by.ID, by.Name, Nanos(tx.Now)).Scan(&id)
	})
	if err != nil {
		return store.Meeting{}, fmt.Errorf("add meeting: %w", err)
	}
	return db.Meeting(ctx, id)
}

// Meeting returns the meeting with that id, or [store.ErrNotFound].
func (db *DB) Meeting(ctx context.Context, id int64) (store.Meeting, error) {
	m, err := scanMeeting(db.pool().QueryRow(ctx, "SELECT "+meetingColumns+" FROM meetings m WHERE m.id = ?", id))
	if IsNoRows(err) {
		return store.Meeting{}, store.ErrNotFound
	}
	if err != nil {
		return store.Meeting{}, fmt.Errorf("read meeting: %w", err)
	}
	if m.Skips, err = meetingSkips(ctx, db.pool(), id); err != nil {
		return store.Meeting{}, err
	}
	return m, nil
}

// Meetings returns every meeting ordered by id.
func (db *DB) Meetings(ctx context.Context) ([]store.Meeting, error) {
	out, err := queryAll(ctx, db.pool(), "list meetings", scanMeeting, "SELECT "+meetingColumns+" FROM meetings m ORDER BY m.id")
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Skips, err = meetingSkips(ctx, db.pool(), out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// meetingSkips returns the skipped days of a meeting, ascending (nil for
// none).
func meetingSkips(ctx context.Context, q Querier, meetingID int64) ([]string, error) {
	rows, err := q.Query(ctx, "SELECT day FROM meeting_skips WHERE meeting_id = ? ORDER BY day", meetingID)
	if err != nil {
		return nil, fmt.Errorf("read skips: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var day string
		if err := rows.Scan(&day); err != nil {
			return nil, fmt.Errorf("read skips: %w", err)
		}
		out = append(out, day)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read skips: %w", err)
	}
	return out, nil
}

// DeleteMeeting deletes a meeting with its agenda, action items,
// decisions and skips (the foreign keys cascade; the rows are deleted
// here too, so that no schema setting is relied on), or returns
// [store.ErrNotFound].
func (db *DB) DeleteMeeting(ctx context.Context, id int64) error {
	return db.write(ctx, func(tx *Tx) error {
		for _, table := range []string{"meeting_actions", "meeting_decisions", "meeting_skips"} {
			if _, err := tx.Exec(ctx, "DELETE FROM "+table+" WHERE meeting_id = ?", id); err != nil {
				return fmt.Errorf("delete meeting: %w", err)
			}
		}
		n, err := tx.Exec(ctx, "DELETE FROM meetings WHERE id = ?", id)
		if err != nil {
			return fmt.Errorf("delete meeting: %w", err)
		}
		if n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

// AddAgendaItem adds text to the open agenda of a meeting and returns the
// item as stored. It returns [store.ErrNotFound] if the meeting does not
// exist and [store.ErrAgendaFull] if it has [store.MaxAgendaItems] open
// items already (in one write transaction, which on PostgreSQL is
// serializable: two instances adding at once cannot pass the limit).
func (db *DB) AddAgendaItem(ctx context.Context, meetingID int64, text, link string, by store.Actor) (store.AgendaItem, error) {
	var item store.AgendaItem
	err := db.write(ctx, func(tx *Tx) error {
		var exists, open int
		err := tx.QueryRow(ctx, `SELECT COUNT(*), (SELECT COUNT(*) FROM meeting_agenda WHERE meeting_id = ? AND cleared_at IS NULL)
			FROM meetings WHERE id = ?`, meetingID, meetingID).Scan(&exists, &open)
		if err != nil {
			return err
		}
		if exists == 0 {
			return store.ErrNotFound
		}
		if open >= store.MaxAgendaItems {
			return store.ErrAgendaFull
		}
		item = store.AgendaItem{MeetingID: meetingID, Text: text, AddedBy: by.ID, AddedByName: by.Name, AddedAt: tx.Now, Link: link}
		return tx.QueryRow(ctx, `INSERT INTO meeting_agenda (meeting_id, text, added_by, added_by_name, added_at, link)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, meetingID, text, by.ID, by.Name, Nanos(item.AddedAt), link).Scan(&item.ID)
	})
	if err != nil {
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrAgendaFull) {
			return store.AgendaItem{}, err
		}
		return store.AgendaItem{}, fmt.Errorf("add agenda item: %w", err)
	}
	return item, nil
}

// Agenda returns the open agenda items of a meeting, oldest first (none for
// an unknown meeting).
func (db *DB) Agenda(ctx context.Context, meetingID int64) ([]store.AgendaItem, error) {
	return openAgenda(ctx, db.pool(), meetingID)
}

func openAgenda(ctx context.Context, q Querier, meetingID int64) ([]store.AgendaItem, error) {
	rows, err := q.Query(ctx, `SELECT id, meeting_id, text, added_by, added_by_name, added_at, link
		FROM meeting_agenda WHERE meeting_id = ? AND cleared_at IS NULL ORDER BY id`, meetingID)
	if err != nil {
		return nil, fmt.Errorf("read agenda: %w", err)
	}
	defer rows.Close()
	var out []store.AgendaItem
	for rows.Next() {
		var it store.AgendaItem
		var added int64
		if err := rows.Scan(&it.ID, &it.MeetingID, &it.Text, &it.AddedBy, &it.AddedByName, &added, &it.Link); err != nil {
			return nil, fmt.Errorf("read agenda: %w", err)
		}
		it.AddedAt = FromNanos(added)
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read agenda: %w", err)
	}
	return out, nil
}

// clearBatch bounds the ids one statement of [DB.ClearAgenda] lists, well
// under either database's limit on parameters.
const clearBatch = 500

// ClearAgenda closes the listed open agenda items of a meeting: a
// reminder that listed them was posted. Items added since stay open.
func (db *DB) ClearAgenda(ctx context.Context, meetingID int64, items []int64) error {
	return db.write(ctx, func(tx *Tx) error {
		for rest := items; len(rest) > 0; {
			batch := rest[:min(len(rest), clearBatch)]
			rest = rest[len(batch):]
			args := make([]any, 0, len(batch)+2)
			args = append(args, Nanos(tx.Now), meetingID)
			for _, id := range batch {
				args = append(args, id)
			}
			marks := strings.TrimSuffix(strings.Repeat("?, ", len(batch)), ", ")
			if _, err := tx.Exec(ctx, "UPDATE meeting_agenda SET cleared_at = ? WHERE meeting_id = ? AND cleared_at IS NULL AND id IN ("+marks+")",
				args...); err != nil {
				return fmt.Errorf("clear agenda: %w", err)
			}
		}
		return nil
	})
}

// MeetingRecords returns every meeting in the export format, ordered by id,
// read in one snapshot.
func (db *DB) MeetingRecords(ctx context.Context) ([]store.MeetingRecord, error) {
	var out []store.MeetingRecord
	err := db.read(ctx, func(tx *Tx) (err error) {
		out, err = ListMeetingRecords(ctx, tx)
		return err
	})
	return out, err
}

// ListMeetingRecords reads the meetings in the export format through q (a
// snapshot, in an export), ordered by id, each with the texts of its open
// agenda items, oldest first.
func ListMeetingRecords(ctx context.Context, q Querier) ([]store.MeetingRecord, error) {
	rows, err := q.Query(ctx, "SELECT id, title, schedule, channel FROM meetings ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list meetings: %w", err)
	}
	var out []store.MeetingRecord
	for rows.Next() {
		r := store.MeetingRecord{Agenda: []string{}, Actions: []store.ActionRecord{}, Decisions: []store.DecisionRecord{}, Skips: []string{}}
		if err := rows.Scan(&r.ID, &r.Title, &r.Schedule, &r.Channel); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list meetings: %w", err)
		}
		out = append(out, r)
	}
	// Closed before the agenda queries: a snapshot has one connection.
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("list meetings: %w", err)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list meetings: %w", err)
	}
	for i := range out {
		items, err := openAgenda(ctx, q, out[i].ID)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			out[i].Agenda = append(out[i].Agenda, it.Record())
		}
		actions, err := actionsWhere(ctx, q, "a.meeting_id = ? ORDER BY a.id", 0, out[i].ID)
		if err != nil {
			return nil, err
		}
		for _, a := range actions {
			out[i].Actions = append(out[i].Actions, actionRecord(a))
		}
		decisions, err := decisionsWhere(ctx, q, "d.meeting_id = ? ORDER BY d.at, d.id", 0, out[i].ID)
		if err != nil {
			return nil, err
		}
		for _, d := range decisions {
			out[i].Decisions = append(out[i].Decisions, store.DecisionRecord{Text: d.Text, By: d.By, At: d.At.UTC()})
		}
		skips, err := meetingSkips(ctx, q, out[i].ID)
		if err != nil {
			return nil, err
		}
		out[i].Skips = append(out[i].Skips, skips...)
	}
	return out, nil
}

// ImportMeeting applies one meeting record within tx. The record matches
// the meeting with its id if that has the same title (compared by
// [store.Key]), or else the first meeting with the same title in the same
// channel; a match gets the record's title, schedule and channel, and the
// agenda items it lacks (by exact text; the importer is their author). No
// match creates the meeting, under the record's id if that is free (told
// to d by [Dialect.IDTaken]). Import never removes agenda items and does
// not enforce [store.MaxAgendaItems]: reminders list what fits and keep
// the rest for the next one. Agenda items are matched by
// [store.AgendaItem.Record], the string the export writes.
//
// The outcomes merge into the meeting too. An action matches the
// meeting's action with the record's id if that has the same text, or
// else its first action with the same owner and text; a matched open
// action whose record has a done_at is closed at that time (done by the
// importer), and a done action is never reopened. An unmatched action is
// created, under the record's id if that is free, with the record's
// creator (and done if the record is); [store.MaxOpenActions] is not
// enforced. A decision matches one of the meeting's with the same text
// and time; the missing ones are added. Skips are the union of both.
// Anything added or closed makes the outcome [store.Updated]. The caller
// validates r (see commands.ValidateMeeting).
func ImportMeeting(ctx context.Context, tx *Tx, d Dialect, r store.MeetingRecord, by store.Actor) (store.Outcome, error) {
	id, err := matchMeeting(ctx, tx, r)
	if err != nil {
		return 0, err
	}
	now := Nanos(tx.Now)
	out := store.Unchanged
	if id == 0 {
		free := false
		if r.ID > 0 {
			if err := tx.QueryRow(ctx, "SELECT NOT EXISTS (SELECT 1 FROM meetings WHERE id = ?)", r.ID).Scan(&free); err != nil {
				return 0, fmt.Errorf("import meeting: %w", err)
			}
		}
		if free {
			if err := tx.QueryRow(ctx, `INSERT INTO meetings (id, title, schedule, channel, created_by, created_by_name, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.ID, r.Title, r.Schedule, r.Channel, by.ID, by.Name, now).Scan(&id); err != nil {
				return 0, fmt.Errorf("import meeting: %w", err)
			}
			if err := d.IDTaken(ctx, tx, "meetings", id); err != nil {
				return 0, fmt.Errorf("import meeting: %w", err)
			}
		} else if err := tx.QueryRow(ctx, `INSERT INTO meetings (title, schedule, channel, created_by, created_by_name, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, r.Title, r.Schedule, r.Channel, by.ID, by.Name, now).Scan(&id); err != nil {
			return 0, fmt.Errorf("import meeting: %w", err)
		}
		out = store.Created
	} else {
		n, err := tx.Exec(ctx, `UPDATE meetings SET title = ?, schedule = ?, channel = ?
			WHERE id = ? AND (title <> ? OR schedule <> ? OR channel <> ?)`,
			r.Title, r.Schedule, r.Channel, id, r.Title, r.Schedule, r.Channel)
		if err != nil {
			return 0, fmt.Errorf("import meeting: %w", err)
		}
		if n > 0 {
			out = store.Updated
		}
	}
	items, err := openAgenda(ctx, tx, id)
	if err != nil {
		return 0, err
	}
	have := make([]string, len(items))
	for i, it := range items {
		have[i] = it.Record()
	}
	for _, text := range r.Agenda {
		if slices.Contains(have, text) {
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO meeting_agenda (meeting_id, text, added_by, added_by_name, added_at)
			VALUES (?, ?, ?, ?, ?)`, id, text, by.ID, by.Name, now); err != nil {
			return 0, fmt.Errorf("import agenda item: %w", err)
		}
		have = append(have, text)
		if out == store.Unchanged {
			out = store.Updated
		}
	}
	changed, err := importOutcomes(ctx, tx, d, id, r, by)
	if err != nil {
		return 0, err
	}
	if changed && out == store.Unchanged {
		out = store.Updated
	}
	return out, nil
}

// matchMeeting returns the id of the meeting a record describes, or 0.
func matchMeeting(ctx context.Context, q Querier, r store.MeetingRecord) (int64, error) {
	if r.ID > 0 {
		var title string
		err := q.QueryRow(ctx, "SELECT title FROM meetings WHERE id = ?", r.ID).Scan(&title)
		if err == nil && store.Key(title) == store.Key(r.Title) {
			return r.ID, nil
		}
		if err != nil && !IsNoRows(err) {
			return 0, fmt.Errorf("import meeting: %w", err)
		}
	}
	rows, err := q.Query(ctx, "SELECT id, title FROM meetings WHERE channel = ? ORDER BY id", r.Channel)
	if err != nil {
		return 0, fmt.Errorf("import meeting: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var title string
		if err := rows.Scan(&id, &title); err != nil {
			return 0, fmt.Errorf("import meeting: %w", err)
		}
		if store.Key(title) == store.Key(r.Title) {
			return id, nil
		}
	}
	return 0, rows.Err()
}
