package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// ErrAgendaFull is returned by [DB.AddAgendaItem] when a meeting already
// has [MaxAgendaItems] open items.
var ErrAgendaFull = errors.New("store: agenda is full")

// MaxAgendaItems bounds the open agenda items of one meeting, so that its
// reminder fits in one Slack message.
const MaxAgendaItems = 30

// Meeting is a joint sales+marketing meeting that repeats on a schedule.
type Meeting struct {
	ID            int64
	Title         string
	Schedule      string // cron spec: five fields or a descriptor, in the configured zone
	Channel       string // channel ID the reminders go to
	CreatedBy     string
	CreatedByName string
	CreatedAt     time.Time
	// Agenda is how many open agenda items the meeting has (filled in by
	// [DB.Meeting] and [DB.Meetings]; ignored when saving).
	Agenda int
}

// AgendaItem is one point on a meeting's agenda.
type AgendaItem struct {
	ID          int64
	MeetingID   int64
	Text        string
	AddedBy     string
	AddedByName string
	AddedAt     time.Time
}

const meetingColumns = `m.id, m.title, m.schedule, m.channel, m.created_by, m.created_by_name, m.created_at,
	(SELECT COUNT(*) FROM meeting_agenda a WHERE a.meeting_id = m.id AND a.cleared_at IS NULL)`

func scanMeeting(sc interface{ Scan(...any) error }) (Meeting, error) {
	var m Meeting
	var created int64
	err := sc.Scan(&m.ID, &m.Title, &m.Schedule, &m.Channel, &m.CreatedBy, &m.CreatedByName, &created, &m.Agenda)
	m.CreatedAt = fromNanos(created)
	return m, err
}

// AddMeeting saves a new meeting created by by and returns it as stored. The
// caller validates the title, schedule and channel.
func (db *DB) AddMeeting(ctx context.Context, m Meeting, by Actor) (Meeting, error) {
	res, err := db.w.ExecContext(ctx, `INSERT INTO meetings (title, schedule, channel, created_by, created_by_name, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, m.Title, m.Schedule, m.Channel, by.ID, by.Name, nanos(db.Now()))
	if err != nil {
		return Meeting{}, fmt.Errorf("add meeting: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return Meeting{}, fmt.Errorf("add meeting: %w", err)
	}
	return db.Meeting(ctx, id)
}

// Meeting returns the meeting with that id, or [ErrNotFound].
func (db *DB) Meeting(ctx context.Context, id int64) (Meeting, error) {
	m, err := scanMeeting(db.sql.QueryRowContext(ctx, "SELECT "+meetingColumns+" FROM meetings m WHERE m.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Meeting{}, ErrNotFound
	}
	if err != nil {
		return Meeting{}, fmt.Errorf("read meeting: %w", err)
	}
	return m, nil
}

// Meetings returns every meeting ordered by id.
func (db *DB) Meetings(ctx context.Context) ([]Meeting, error) {
	rows, err := db.sql.QueryContext(ctx, "SELECT "+meetingColumns+" FROM meetings m ORDER BY m.id")
	if err != nil {
		return nil, fmt.Errorf("list meetings: %w", err)
	}
	defer rows.Close()
	var out []Meeting
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

// DeleteMeeting deletes a meeting with its agenda and reminder records, or
// returns [ErrNotFound].
func (db *DB) DeleteMeeting(ctx context.Context, id int64) error {
	res, err := db.w.ExecContext(ctx, "DELETE FROM meetings WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("delete meeting: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// AddAgendaItem adds text to the open agenda of a meeting and returns the
// item as stored. It returns [ErrNotFound] if the meeting does not exist and
// [ErrAgendaFull] if it has [MaxAgendaItems] open items already.
func (db *DB) AddAgendaItem(ctx context.Context, meetingID int64, text string, by Actor) (AgendaItem, error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return AgendaItem{}, fmt.Errorf("add agenda item: %w", err)
	}
	defer tx.Rollback()
	var exists, open int
	err = tx.QueryRowContext(ctx, `SELECT COUNT(*), (SELECT COUNT(*) FROM meeting_agenda WHERE meeting_id = ? AND cleared_at IS NULL)
		FROM meetings WHERE id = ?`, meetingID, meetingID).Scan(&exists, &open)
	if err != nil {
		return AgendaItem{}, fmt.Errorf("add agenda item: %w", err)
	}
	if exists == 0 {
		return AgendaItem{}, ErrNotFound
	}
	if open >= MaxAgendaItems {
		return AgendaItem{}, ErrAgendaFull
	}
	item := AgendaItem{MeetingID: meetingID, Text: text, AddedBy: by.ID, AddedByName: by.Name, AddedAt: db.Now().UTC()}
	res, err := tx.ExecContext(ctx, `INSERT INTO meeting_agenda (meeting_id, text, added_by, added_by_name, added_at)
		VALUES (?, ?, ?, ?, ?)`, meetingID, text, by.ID, by.Name, nanos(item.AddedAt))
	if err != nil {
		return AgendaItem{}, fmt.Errorf("add agenda item: %w", err)
	}
	if item.ID, err = res.LastInsertId(); err != nil {
		return AgendaItem{}, fmt.Errorf("add agenda item: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return AgendaItem{}, fmt.Errorf("add agenda item: %w", err)
	}
	item.AddedAt = fromNanos(nanos(item.AddedAt))
	return item, nil
}

// Agenda returns the open agenda items of a meeting, oldest first (none for
// an unknown meeting).
func (db *DB) Agenda(ctx context.Context, meetingID int64) ([]AgendaItem, error) {
	return openAgenda(ctx, db.sql, meetingID)
}

func openAgenda(ctx context.Context, q queryer, meetingID int64) ([]AgendaItem, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, meeting_id, text, added_by, added_by_name, added_at
		FROM meeting_agenda WHERE meeting_id = ? AND cleared_at IS NULL ORDER BY id`, meetingID)
	if err != nil {
		return nil, fmt.Errorf("read agenda: %w", err)
	}
	defer rows.Close()
	var out []AgendaItem
	for rows.Next() {
		var it AgendaItem
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

// meetingRunsKept is how long claims of past occurrences are kept; the
// reminder job never looks further back than a few minutes.
const meetingRunsKept = 7 * 24 * time.Hour

// ClaimMeetingRun records that the reminder for one occurrence of a meeting
// (its start time) is being posted, and reports whether this caller won the
// claim. An occurrence is claimed once, so its reminder is never posted
// twice; a deleted meeting cannot be claimed.
func (db *DB) ClaimMeetingRun(ctx context.Context, meetingID int64, occurrence time.Time) (bool, error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("claim meeting reminder: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO meeting_runs (meeting_id, occurrence, state, updated_at)
		SELECT id, ?, 'posting', ? FROM meetings WHERE id = ?
		ON CONFLICT (meeting_id, occurrence) DO NOTHING`, nanos(occurrence), nanos(db.Now()), meetingID)
	if err != nil {
		return false, fmt.Errorf("claim meeting reminder: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM meeting_runs WHERE meeting_id = ? AND occurrence < ?",
		meetingID, nanos(occurrence.Add(-meetingRunsKept))); err != nil {
		return false, fmt.Errorf("prune meeting reminders: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("claim meeting reminder: %w", err)
	}
	return true, nil
}

// FinishMeetingRun completes a claim made by [DB.ClaimMeetingRun]. If the
// reminder was posted, the claim is kept and the agenda items it listed are
// cleared (items added meanwhile stay open for the next one); if not, the
// claim is released so a later run tries again, and the items stay open.
func (db *DB) FinishMeetingRun(ctx context.Context, meetingID int64, occurrence time.Time, posted bool, items []int64) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("finish meeting reminder: %w", err)
	}
	defer tx.Rollback()
	if !posted {
		if _, err := tx.ExecContext(ctx, "DELETE FROM meeting_runs WHERE meeting_id = ? AND occurrence = ? AND state = 'posting'",
			meetingID, nanos(occurrence)); err != nil {
			return fmt.Errorf("release meeting reminder: %w", err)
		}
		return tx.Commit()
	}
	now := nanos(db.Now())
	if _, err := tx.ExecContext(ctx, "UPDATE meeting_runs SET state = 'posted', updated_at = ? WHERE meeting_id = ? AND occurrence = ?",
		now, meetingID, nanos(occurrence)); err != nil {
		return fmt.Errorf("finish meeting reminder: %w", err)
	}
	for _, id := range items {
		if _, err := tx.ExecContext(ctx, "UPDATE meeting_agenda SET cleared_at = ? WHERE id = ? AND meeting_id = ? AND cleared_at IS NULL",
			now, id, meetingID); err != nil {
			return fmt.Errorf("clear agenda: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("finish meeting reminder: %w", err)
	}
	return nil
}

// MeetingRecord is a meeting in the export format: Agenda holds the texts of
// its open agenda items, oldest first.
type MeetingRecord struct {
	ID       int64    `json:"id"`
	Title    string   `json:"title"`
	Schedule string   `json:"schedule"`
	Channel  string   `json:"channel"`
	Agenda   []string `json:"agenda"`
}

// MeetingRecords returns every meeting in the export format, ordered by id.
func (db *DB) MeetingRecords(ctx context.Context) ([]MeetingRecord, error) {
	return listMeetingRecords(ctx, db.sql)
}

// listMeetingRecords reads the meetings in the export format through q (a
// snapshot, in an export).
func listMeetingRecords(ctx context.Context, q queryer) ([]MeetingRecord, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, title, schedule, channel FROM meetings ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list meetings: %w", err)
	}
	var out []MeetingRecord
	for rows.Next() {
		r := MeetingRecord{Agenda: []string{}}
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
			out[i].Agenda = append(out[i].Agenda, it.Text)
		}
	}
	return out, nil
}

// importMeeting applies one meeting record within tx. The record matches
// the meeting with its id if that has the same title (compared by [Key]), or
// else the first meeting with the same title in the same channel; a match
// gets the record's title, schedule and channel, and the agenda items it
// lacks (by exact text; the importer is their author). No match creates the
// meeting, under the record's id if that is free. Import never removes
// agenda items and does not enforce [MaxAgendaItems]: reminders list what
// fits and keep the rest for the next one. The caller validates r (see
// commands.ValidateMeeting).
func (db *DB) importMeeting(ctx context.Context, tx txer, r MeetingRecord, by Actor) (outcome, error) {
	id, err := matchMeeting(ctx, tx, r)
	if err != nil {
		return 0, err
	}
	now := nanos(db.Now())
	out := unchanged
	if id == 0 {
		var free int
		if r.ID > 0 {
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) = 0 FROM meetings WHERE id = ?", r.ID).Scan(&free); err != nil {
				return 0, fmt.Errorf("import meeting: %w", err)
			}
		}
		var explicit any // NULL lets SQLite choose the id
		if free == 1 {
			explicit = r.ID
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO meetings (id, title, schedule, channel, created_by, created_by_name, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, explicit, r.Title, r.Schedule, r.Channel, by.ID, by.Name, now)
		if err != nil {
			return 0, fmt.Errorf("import meeting: %w", err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return 0, fmt.Errorf("import meeting: %w", err)
		}
		out = created
	} else {
		res, err := tx.ExecContext(ctx, `UPDATE meetings SET title = ?, schedule = ?, channel = ?
			WHERE id = ? AND (title <> ? OR schedule <> ? OR channel <> ?)`,
			r.Title, r.Schedule, r.Channel, id, r.Title, r.Schedule, r.Channel)
		if err != nil {
			return 0, fmt.Errorf("import meeting: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			out = updated
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
		if _, err := tx.ExecContext(ctx, `INSERT INTO meeting_agenda (meeting_id, text, added_by, added_by_name, added_at)
			VALUES (?, ?, ?, ?, ?)`, id, text, by.ID, by.Name, now); err != nil {
			return 0, fmt.Errorf("import agenda item: %w", err)
		}
		have = append(have, text)
		if out == unchanged {
			out = updated
		}
	}
	return out, nil
}

// matchMeeting returns the id of the meeting a record describes, or 0.
func matchMeeting(ctx context.Context, tx txer, r MeetingRecord) (int64, error) {
	if r.ID > 0 {
		var title string
		err := tx.QueryRowContext(ctx, "SELECT title FROM meetings WHERE id = ?", r.ID).Scan(&title)
		if err == nil && Key(title) == Key(r.Title) {
			return r.ID, nil
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("import meeting: %w", err)
		}
	}
	rows, err := tx.QueryContext(ctx, "SELECT id, title FROM meetings WHERE channel = ? ORDER BY id", r.Channel)
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
		if Key(title) == Key(r.Title) {
			return id, nil
		}
	}
	return 0, rows.Err()
}
