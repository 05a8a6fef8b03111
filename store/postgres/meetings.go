package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"smarketing/store"
)

const meetingColumns = `m.id, m.title, m.schedule, m.channel, m.created_by, m.created_by_name, m.created_at,
	(SELECT COUNT(*) FROM meeting_agenda a WHERE a.meeting_id = m.id AND a.cleared_at IS NULL)`

func scanMeeting(sc interface{ Scan(...any) error }) (store.Meeting, error) {
	var m store.Meeting
	var created int64
	err := sc.Scan(&m.ID, &m.Title, &m.Schedule, &m.Channel, &m.CreatedBy, &m.CreatedByName, &created, &m.Agenda)
	m.CreatedAt = fromNanos(created)
	return m, err
}

// AddMeeting saves a new meeting created by by and returns it as stored. The
// caller validates the title, schedule and channel.
func (db *DB) AddMeeting(ctx context.Context, m store.Meeting, by store.Actor) (store.Meeting, error) {
	var id int64
	err := db.write(ctx, func(tx *Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO meetings (title, schedule, channel, created_by, created_by_name, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, m.Title, m.Schedule, m.Channel, by.ID, by.Name, nanos(tx.Now)).Scan(&id)
	})
	if err != nil {
		return store.Meeting{}, fmt.Errorf("add meeting: %w", err)
	}
	return db.Meeting(ctx, id)
}

// Meeting returns the meeting with that id, or [store.ErrNotFound].
func (db *DB) Meeting(ctx context.Context, id int64) (store.Meeting, error) {
	m, err := scanMeeting(db.pool.QueryRow(ctx, "SELECT "+meetingColumns+" FROM meetings m WHERE m.id = $1", id))
	if isNoRows(err) {
		return store.Meeting{}, store.ErrNotFound
	}
	if err != nil {
		return store.Meeting{}, fmt.Errorf("read meeting: %w", err)
	}
	return m, nil
}

// Meetings returns every meeting ordered by id.
func (db *DB) Meetings(ctx context.Context) ([]store.Meeting, error) {
	rows, err := db.pool.Query(ctx, "SELECT "+meetingColumns+" FROM meetings m ORDER BY m.id")
	if err != nil {
		return nil, fmt.Errorf("list meetings: %w", err)
	}
	defer rows.Close()
	var out []store.Meeting
	for rows.Next() {
		m, err := scanMeeting(rows)
		if err != nil {
			return nil, fmt.Errorf("list meetings: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list meetings: %w", err)
	}
	return out, nil
}

// DeleteMeeting deletes a meeting with its agenda, or returns
// [store.ErrNotFound].
func (db *DB) DeleteMeeting(ctx context.Context, id int64) error {
	return db.write(ctx, func(tx *Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM meetings WHERE id = $1", id)
		if err != nil {
			return fmt.Errorf("delete meeting: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

// AddAgendaItem adds text to the open agenda of a meeting and returns the
// item as stored. It returns [store.ErrNotFound] if the meeting does not
// exist and [store.ErrAgendaFull] if it has [store.MaxAgendaItems] open
// items already (serializable: two instances adding at once cannot pass
// the limit).
func (db *DB) AddAgendaItem(ctx context.Context, meetingID int64, text string, by store.Actor) (store.AgendaItem, error) {
	var item store.AgendaItem
	err := db.write(ctx, func(tx *Tx) error {
		var exists, open int
		err := tx.QueryRow(ctx, `SELECT COUNT(*), (SELECT COUNT(*) FROM meeting_agenda WHERE meeting_id = $1 AND cleared_at IS NULL)
			FROM meetings WHERE id = $1`, meetingID).Scan(&exists, &open)
		if err != nil {
			return err
		}
		if exists == 0 {
			return store.ErrNotFound
		}
		if open >= store.MaxAgendaItems {
			return store.ErrAgendaFull
		}
		item = store.AgendaItem{MeetingID: meetingID, Text: text, AddedBy: by.ID, AddedByName: by.Name, AddedAt: tx.Now}
		return tx.QueryRow(ctx, `INSERT INTO meeting_agenda (meeting_id, text, added_by, added_by_name, added_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, meetingID, text, by.ID, by.Name, nanos(item.AddedAt)).Scan(&item.ID)
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
	return openAgenda(ctx, db.pool, meetingID)
}

func openAgenda(ctx context.Context, q queryer, meetingID int64) ([]store.AgendaItem, error) {
	rows, err := q.Query(ctx, `SELECT id, meeting_id, text, added_by, added_by_name, added_at
		FROM meeting_agenda WHERE meeting_id = $1 AND cleared_at IS NULL ORDER BY id`, meetingID)
	if err != nil {
		return nil, fmt.Errorf("read agenda: %w", err)
	}
	defer rows.Close()
	var out []store.AgendaItem
	for rows.Next() {
		var it store.AgendaItem
		var added int64
		if err := rows.Scan(&it.ID, &it.MeetingID, &it.Text, &it.AddedBy, &it.AddedByName, &added); err != nil {
			return nil, fmt.Errorf("read agenda: %w", err)
		}
		it.AddedAt = fromNanos(added)
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read agenda: %w", err)
	}
	return out, nil
}

// ClearAgenda closes the listed open agenda items of a meeting: a
// reminder that listed them was posted. Items added since stay open.
func (db *DB) ClearAgenda(ctx context.Context, meetingID int64, items []int64) error {
	return db.write(ctx, func(tx *Tx) error {
		if items == nil {
			items = []int64{}
		}
		if _, err := tx.Exec(ctx, "UPDATE meeting_agenda SET cleared_at = $1 WHERE id = ANY($2) AND meeting_id = $3 AND cleared_at IS NULL",
			nanos(tx.Now), items, meetingID); err != nil {
			return fmt.Errorf("clear agenda: %w", err)
		}
		return nil
	})
}

// MeetingRecords returns every meeting in the export format, ordered by id.
func (db *DB) MeetingRecords(ctx context.Context) ([]store.MeetingRecord, error) {
	var out []store.MeetingRecord
	err := db.readAt(ctx, time.Time{}, func(tx *Tx) (err error) {
		out, err = listMeetingRecords(ctx, tx)
		return err
	})
	return out, err
}

// listMeetingRecords reads the meetings in the export format through q (a
// snapshot, in an export).
func listMeetingRecords(ctx context.Context, q queryer) ([]store.MeetingRecord, error) {
	rows, err := q.Query(ctx, "SELECT id, title, schedule, channel FROM meetings ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list meetings: %w", err)
	}
	var out []store.MeetingRecord
	for rows.Next() {
		r := store.MeetingRecord{Agenda: []string{}}
		if err := rows.Scan(&r.ID, &r.Title, &r.Schedule, &r.Channel); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list meetings: %w", err)
		}
		out = append(out, r)
	}
	// Closed before the agenda queries: a transaction has one connection.
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list meetings: %w", err)
	}
	for i := range out {
		items, err := openAgenda(ctx, q, out[i].ID)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			out[i].Agenda = append(out[i].Agenda, it.Text)
		}
	}
	return out, nil
}

// importMeeting applies one meeting record within tx, by the rules of
// store/sqlite's: the record matches the meeting with its id if that has
// the same title (compared by [store.Key]), or else the first meeting with
// the same title in the same channel; a match gets the record's title,
// schedule and channel, and the agenda items it lacks (by exact text; the
// importer is their author). No match creates the meeting, under the
// record's id if that is free. Import never removes agenda items and does
// not enforce [store.MaxAgendaItems].
func importMeeting(ctx context.Context, tx *Tx, r store.MeetingRecord, by store.Actor) (store.Outcome, error) {
	id, err := matchMeeting(ctx, tx, r)
	if err != nil {
		return 0, err
	}
	now := nanos(tx.Now)
	out := store.Unchanged
	if id == 0 {
		free := false
		if r.ID > 0 {
			if err := tx.QueryRow(ctx, "SELECT NOT EXISTS (SELECT 1 FROM meetings WHERE id = $1)", r.ID).Scan(&free); err != nil {
				return 0, fmt.Errorf("import meeting: %w", err)
			}
		}
		if free {
			if err := tx.QueryRow(ctx, `INSERT INTO meetings (id, title, schedule, channel, created_by, created_by_name, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, r.ID, r.Title, r.Schedule, r.Channel, by.ID, by.Name, now).Scan(&id); err != nil {
				return 0, fmt.Errorf("import meeting: %w", err)
			}
			// An id chosen here is not drawn from the sequence: move it
			// past, so that the next meeting added does not get it (SQLite
			// picks the highest id plus one).
			if _, err := tx.Exec(ctx, "SELECT setval(pg_get_serial_sequence('meetings', 'id'), GREATEST($1, nextval(pg_get_serial_sequence('meetings', 'id'))))", id); err != nil {
				return 0, fmt.Errorf("import meeting: %w", err)
			}
		} else if err := tx.QueryRow(ctx, `INSERT INTO meetings (title, schedule, channel, created_by, created_by_name, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, r.Title, r.Schedule, r.Channel, by.ID, by.Name, now).Scan(&id); err != nil {
			return 0, fmt.Errorf("import meeting: %w", err)
		}
		out = store.Created
	} else {
		tag, err := tx.Exec(ctx, `UPDATE meetings SET title = $1, schedule = $2, channel = $3
			WHERE id = $4 AND (title <> $1 OR schedule <> $2 OR channel <> $3)`,
			r.Title, r.Schedule, r.Channel, id)
		if err != nil {
			return 0, fmt.Errorf("import meeting: %w", err)
		}
		if tag.RowsAffected() > 0 {
			out = store.Updated
		}
	}
	items, err := openAgenda(ctx, tx, id)
	if err != nil {
		return 0, err
	}
	have := make([]string, len(items))
	for i, it := range items {
		have[i] = it.Text
	}
	for _, text := range r.Agenda {
		if slices.Contains(have, text) {
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO meeting_agenda (meeting_id, text, added_by, added_by_name, added_at)
			VALUES ($1, $2, $3, $4, $5)`, id, text, by.ID, by.Name, now); err != nil {
			return 0, fmt.Errorf("import agenda item: %w", err)
		}
		have = append(have, text)
		if out == store.Unchanged {
			out = store.Updated
		}
	}
	return out, nil
}

// matchMeeting returns the id of the meeting a record describes, or 0.
func matchMeeting(ctx context.Context, tx queryer, r store.MeetingRecord) (int64, error) {
	if r.ID > 0 {
		var title string
		err := tx.QueryRow(ctx, "SELECT title FROM meetings WHERE id = $1", r.ID).Scan(&title)
		if err == nil && store.Key(title) == store.Key(r.Title) {
			return r.ID, nil
		}
		if err != nil && !isNoRows(err) {
			return 0, fmt.Errorf("import meeting: %w", err)
		}
	}
	rows, err := tx.Query(ctx, "SELECT id, title FROM meetings WHERE channel = $1 ORDER BY id", r.Channel)
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
