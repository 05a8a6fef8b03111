package sqlcore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"smarketing/store"
)

// upsertLead records l as a lead, or makes a message first seen through a
// reaction (or seen before) the lead l is.
func upsertLead(ctx context.Context, tx *Tx, l store.Lead) error {
	_, err := tx.Exec(ctx, `INSERT INTO leads (channel, ts, status, text, posted_by, posted_at)
		VALUES (?, ?, 'lead', ?, ?, ?)
		ON CONFLICT (channel, ts) DO UPDATE SET status = 'lead', text = excluded.text, posted_by = excluded.posted_by`,
		l.Channel, l.TS, l.Text, l.PostedBy, Nanos(l.PostedAt))
	if err != nil {
		return fmt.Errorf("record lead: %w", err)
	}
	return nil
}

// userRating is one user's current rating of a lead (a feedback row).
type userRating struct {
	rating store.Rating
	emoji  string
	reason string
	at     int64
}

// VerifyLead settles a message first seen through a reaction: l is what the
// message turned out to be, or nil if it is not a lead (a thread reply, gone,
// the bot's own), in which case its reactions are dropped. It returns the
// lead's id and the users whose rating of it is poor without a reason yet.
func (db *DB) VerifyLead(ctx context.Context, channel, ts string, l *store.Lead) (int64, []string, error) {
	var id int64
	var askUsers []string
	err := db.write(ctx, func(tx *Tx) error {
		id, askUsers = 0, nil // afresh if the write runs again
		if l == nil {
			_, err := tx.Exec(ctx, "DELETE FROM leads WHERE channel = ? AND ts = ? AND status = 'unverified'", channel, ts)
			return err
		}
		lead := *l
		lead.Channel, lead.TS = channel, ts
		if err := upsertLead(ctx, tx, lead); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT id FROM leads WHERE channel = ? AND ts = ?", channel, ts).Scan(&id); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT "user" FROM feedback WHERE lead_id = ? AND rating = 'poor' AND reason = ''
			ORDER BY "user"`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var u string
			if err := rows.Scan(&u); err != nil {
				return err
			}
			askUsers = append(askUsers, u)
		}
		return rows.Err()
	})
	if l != nil {
		l.Channel, l.TS = channel, ts
	}
	if err != nil {
		return 0, nil, fmt.Errorf("verify lead: %w", err)
	}
	return id, askUsers, nil
}

// UnverifiedLeads returns the messages that were reacted to but not fetched
// yet (say the bot stopped in between).
func (db *DB) UnverifiedLeads(ctx context.Context) ([]store.Lead, error) {
	return db.leadsWhere(ctx, "status = 'unverified' ORDER BY id", -1)
}

// LeadByID returns a lead, or [store.ErrNotFound].
func (db *DB) LeadByID(ctx context.Context, id int64) (store.Lead, error) {
	ls, err := db.leadsWhere(ctx, "id = ?", 1, id)
	if err != nil {
		return store.Lead{}, err
	}
	if len(ls) == 0 {
		return store.Lead{}, store.ErrNotFound
	}
	return ls[0], nil
}

// leadsWhere reads the leads where says, its parameters being args; the
// limit (negative: none) follows them.
func (db *DB) leadsWhere(ctx context.Context, where string, limit int, args ...any) ([]store.Lead, error) {
	rows, err := db.pool().Query(ctx, "SELECT id, channel, ts, text, posted_by, posted_at, deleted FROM leads WHERE "+
		where+" LIMIT ?", append(args, db.d.Limit(limit))...)
	if err != nil {
		return nil, fmt.Errorf("read leads: %w", err)
	}
	defer rows.Close()
	var out []store.Lead
	for rows.Next() {
		var l store.Lead
		var posted int64
		if err := rows.Scan(&l.ID, &l.Channel, &l.TS, &l.Text, &l.PostedBy, &posted, &l.Deleted); err != nil {
			return nil, fmt.Errorf("read leads: %w", err)
		}
		l.PostedAt = FromNanos(posted)
		out = append(out, l)
	}
	return out, rows.Err()
}

// SetReason stores why user rated the lead poor. It returns
// [store.ErrNotFound] if the user's rating of it is not (or no longer) poor.
func (db *DB) SetReason(ctx context.Context, leadID int64, user, reason string) error {
	return db.write(ctx, func(tx *Tx) error {
		n, err := tx.Exec(ctx, `UPDATE feedback SET reason = ? WHERE lead_id = ? AND "user" = ? AND rating = 'poor'`, reason, leadID, user)
		if err != nil {
			return fmt.Errorf("save reason: %w", err)
		}
		if n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

// leadWindow selects the leads posted in [?, ?).
const leadWindow = "l.status = 'lead' AND NOT l.deleted AND l.posted_at >= ? AND l.posted_at < ?"

// LeadStats computes the figures of /leads and the weekly recap: one place,
// so both always agree.
func (db *DB) LeadStats(ctx context.Context, from, to time.Time, sla time.Duration, now time.Time) (store.LeadStats, error) {
	s := store.LeadStats{From: from, To: to, Now: now, SLA: sla}
	err := db.read(ctx, func(q *Tx) error {
		s.Reasons, s.FirstFeedback = nil, nil
		err := q.QueryRow(ctx, `SELECT COUNT(*),
			COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM feedback f WHERE f.lead_id = l.id)),
			COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM feedback f WHERE f.lead_id = l.id AND f.rating = 'hot')),
			COUNT(*) FILTER (WHERE l.first_feedback_at IS NOT NULL OR l.posted_at + ? <= ?),
			COUNT(*) FILTER (WHERE l.first_feedback_at IS NOT NULL AND l.first_feedback_at - l.posted_at <= ?)
			FROM leads l WHERE `+leadWindow, int64(sla), Nanos(now), int64(sla), Nanos(from), Nanos(to)).
			Scan(&s.Posted, &s.Rated, &s.Hot, &s.SLADue, &s.WithinSLA)
		if err != nil {
			return fmt.Errorf("count leads: %w", err)
		}

		rows, err := q.Query(ctx, `SELECT f.rating, f.reason, COUNT(*) FROM feedback f JOIN leads l ON l.id = f.lead_id
			WHERE `+leadWindow+` GROUP BY f.rating, f.reason`, Nanos(from), Nanos(to))
		if err != nil {
			return fmt.Errorf("count ratings: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var rating, reason string
			var n int
			if err := rows.Scan(&rating, &reason, &n); err != nil {
				return err
			}
			s.CountRatings(store.Rating(rating), reason, n)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		s.SortReasons()

		drows, err := q.Query(ctx, `SELECT l.first_feedback_at - l.posted_at FROM leads l
			WHERE `+leadWindow+` AND l.first_feedback_at IS NOT NULL ORDER BY 1`, Nanos(from), Nanos(to))
		if err != nil {
			return fmt.Errorf("feedback delays: %w", err)
		}
		defer drows.Close()
		for drows.Next() {
			var d int64
			if err := drows.Scan(&d); err != nil {
				return err
			}
			s.FirstFeedback = append(s.FirstFeedback, time.Duration(max(d, 0)))
		}
		return drows.Err()
	})
	return s, err
}

// WaitingLeads returns up to limit leads posted in [from, to) that nobody
// has rated, oldest first.
func (db *DB) WaitingLeads(ctx context.Context, from, to time.Time, limit int) ([]store.Lead, error) {
	return db.leadsWhere(ctx, strings.ReplaceAll(leadWindow, "l.", "")+
		" AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.lead_id = leads.id) ORDER BY posted_at, id", limit, Nanos(from), Nanos(to))
}

// DueReminders returns up to limit leads that got no feedback within sla,
// posted at most a week before their SLA ran out, whose reminder is
// neither done nor held by a live claim.
func (db *DB) DueReminders(ctx context.Context, now time.Time, sla time.Duration, limit int) ([]store.Lead, error) {
	deadline := now.Add(-sla)
	return db.leadsWhere(ctx, `status = 'lead' AND NOT deleted AND first_feedback_at IS NULL
		AND posted_at <= ? AND posted_at > ?
		AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.key = CAST(? AS TEXT) || CAST(leads.id AS TEXT)
			AND (c.state = 'done' OR c.expires_at > ?))
		ORDER BY posted_at, id`, limit, Nanos(deadline), Nanos(deadline.Add(-7*24*time.Hour)), store.SLAReminderPrefix, Nanos(now))
}

// NextReminderDue returns when the next SLA reminder falls due after now;
// see [store.Leads].
func (db *DB) NextReminderDue(ctx context.Context, now time.Time, sla time.Duration) (time.Time, error) {
	var first *int64
	err := db.pool().QueryRow(ctx, `SELECT MIN(posted_at) FROM leads
		WHERE status = 'lead' AND NOT deleted AND first_feedback_at IS NULL AND posted_at > ?`, Nanos(now.Add(-sla))).Scan(&first)
	if err != nil {
		return time.Time{}, fmt.Errorf("next reminder: %w", err)
	}
	if first == nil {
		return time.Time{}, nil
	}
	return FromNanos(*first).Add(sla), nil
}

// LeadRecords returns every lead (not the unverified) with its feedback,
// oldest first, for an export.
func LeadRecords(ctx context.Context, q Querier) ([]store.LeadRecord, error) {
	rows, err := q.Query(ctx, `SELECT l.id, l.channel, l.ts, l.text, l.posted_by, l.posted_at, l.deleted,
		f."user", f.rating, f.reason, f.at
		FROM leads l LEFT JOIN feedback f ON f.lead_id = l.id
		WHERE l.status = 'lead' ORDER BY l.posted_at, l.channel, l.ts, f.at, f."user"`)
	if err != nil {
		return nil, fmt.Errorf("export leads: %w", err)
	}
	defer rows.Close()
	var out []store.LeadRecord
	var last int64 = -1
	for rows.Next() {
		var id, posted int64
		var r store.LeadRecord
		var user, rating, reason *string
		var at *int64
		if err := rows.Scan(&id, &r.Channel, &r.TS, &r.Text, &r.PostedBy, &posted, &r.Deleted, &user, &rating, &reason, &at); err != nil {
			return nil, fmt.Errorf("export leads: %w", err)
		}
		if id != last {
			r.PostedAt, r.Feedback = FromNanos(posted), []store.FeedbackRecord{}
			out = append(out, r)
			last = id
		}
		if user != nil {
			cur := &out[len(out)-1]
			cur.Feedback = append(cur.Feedback, store.FeedbackRecord{User: *user, Rating: store.Rating(*rating), Reason: *reason, At: FromNanos(*at)})
		}
	}
	return out, rows.Err()
}

// ImportLead stores a lead of an import and makes its feedback exactly the
// record's. Records are checked before anything is written.
func ImportLead(ctx context.Context, tx *Tx, r store.LeadRecord) (store.Outcome, error) {
	if err := r.Check(); err != nil {
		return 0, err
	}
	if r.PostedAt.IsZero() {
		r.PostedAt, _ = store.TSTime(r.TS)
	}
	existing, err := leadRecordOf(ctx, tx, r.Channel, r.TS)
	if err != nil {
		return 0, err
	}
	if existing != nil && store.SameLead(*existing, r) {
		return store.Unchanged, nil
	}
	var first *int64
	for _, f := range r.Feedback {
		if n := Nanos(f.At); first == nil || n < *first {
			first = &n
		}
	}
	// first_feedback_at keeps the earlier of the two, either one NULL
	// (CASE: SQLite's two-argument min is PostgreSQL's LEAST).
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO leads (channel, ts, status, text, posted_by, posted_at, deleted, first_feedback_at)
		VALUES (?, ?, 'lead', ?, ?, ?, ?, ?)
		ON CONFLICT (channel, ts) DO UPDATE SET status = 'lead', text = excluded.text, posted_by = excluded.posted_by,
		posted_at = excluded.posted_at, deleted = excluded.deleted,
		first_feedback_at = CASE WHEN leads.first_feedback_at IS NULL OR excluded.first_feedback_at < leads.first_feedback_at
			THEN excluded.first_feedback_at ELSE leads.first_feedback_at END
		RETURNING id`,
		r.Channel, r.TS, r.Text, r.PostedBy, Nanos(r.PostedAt), r.Deleted, first).Scan(&id); err != nil {
		return 0, fmt.Errorf("import lead: %w", err)
	}
	if _, err := tx.Exec(ctx, "DELETE FROM feedback WHERE lead_id = ?", id); err != nil {
		return 0, fmt.Errorf("import feedback: %w", err)
	}
	for _, f := range r.Feedback {
		if _, err := tx.Exec(ctx, `INSERT INTO feedback (lead_id, "user", rating, emoji, reason, at) VALUES (?, ?, ?, ?, ?, ?)`,
			id, f.User, string(f.Rating), string(f.Rating), f.Reason, Nanos(f.At)); err != nil {
			return 0, fmt.Errorf("import feedback: %w", err)
		}
	}
	if existing == nil {
		return store.Created, nil
	}
	return store.Updated, nil
}

func leadRecordOf(ctx context.Context, q Querier, channel, ts string) (*store.LeadRecord, error) {
	var r store.LeadRecord
	var id, posted int64
	err := q.QueryRow(ctx, "SELECT id, text, posted_by, posted_at, deleted FROM leads WHERE channel = ? AND ts = ? AND status = 'lead'",
		channel, ts).Scan(&id, &r.Text, &r.PostedBy, &posted, &r.Deleted)
	if IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read lead: %w", err)
	}
	r.Channel, r.TS, r.PostedAt = channel, ts, FromNanos(posted)
	rows, err := q.Query(ctx, `SELECT "user", rating, reason, at FROM feedback WHERE lead_id = ? ORDER BY at, "user"`, id)
	if err != nil {
		return nil, fmt.Errorf("read feedback: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f store.FeedbackRecord
		var rating string
		var at int64
		if err := rows.Scan(&f.User, &rating, &f.Reason, &at); err != nil {
			return nil, err
		}
		f.Rating, f.At = store.Rating(rating), FromNanos(at)
		r.Feedback = append(r.Feedback, f)
	}
	return &r, rows.Err()
}
