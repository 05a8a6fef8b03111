package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Rating is a user's verdict on a lead.
type Rating string

// The ratings of SPEC §5.
const (
	Good Rating = "good"
	Poor Rating = "poor"
	Hot  Rating = "hot"
)

// Lead is a top-level post in a leads channel.
type Lead struct {
	ID       int64
	Channel  string
	TS       string // Slack message timestamp, the message's id in its channel
	Text     string
	PostedBy string // user ID, or the app or integration's name
	PostedAt time.Time
	Deleted  bool
}

// TSTime converts a Slack message timestamp ("1732400000.000100") to a time.
func TSTime(ts string) (time.Time, bool) {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || s < 0 {
		return time.Time{}, false
	}
	var micros int64
	if frac != "" {
		frac = (frac + "000000")[:6]
		if micros, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return time.Time{}, false
		}
	}
	return time.Unix(s, micros*1000).UTC(), true
}

// RecordLead stores a posted lead, or completes a lead first seen through a
// reaction. It reports false for an event already applied.
func (db *DB) RecordLead(ctx context.Context, eventID string, l Lead) (bool, error) {
	res, err := db.record(ctx, Event{ID: eventID, Lead: &l})
	return res.Applied, err
}

func upsertLead(ctx context.Context, tx execer, l Lead) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO leads (channel, ts, status, text, posted_by, posted_at)
		VALUES (?, ?, 'lead', ?, ?, ?)
		ON CONFLICT (channel, ts) DO UPDATE SET status = 'lead', text = excluded.text, posted_by = excluded.posted_by`,
		l.Channel, l.TS, l.Text, l.PostedBy, nanos(l.PostedAt))
	if err != nil {
		return fmt.Errorf("record lead: %w", err)
	}
	return nil
}

// EditLead replaces a known lead's text.
func (db *DB) EditLead(ctx context.Context, eventID, channel, ts, text string) (bool, error) {
	res, err := db.record(ctx, Event{ID: eventID, Edit: &LeadEdit{Channel: channel, TS: ts, Text: text}})
	return res.Applied, err
}

// DeleteLead marks a lead deleted; it stays in the history and the figures
// leave it out.
func (db *DB) DeleteLead(ctx context.Context, eventID, channel, ts string) (bool, error) {
	res, err := db.record(ctx, Event{ID: eventID, Delete: &LeadRef{Channel: channel, TS: ts}})
	return res.Applied, err
}

// Reaction is a rating emoji added to or removed from a message.
type Reaction struct {
	Channel, TS string // the message
	User        string
	Emoji       string
	Rating      Rating
	Added       bool
	At          time.Time
}

// ReactResult says what a reaction did.
type ReactResult struct {
	Applied bool  // false for an event applied before
	LeadID  int64 // 0 when nothing was recorded
	// Verified is false when the message was not known as a lead: it must
	// be fetched and passed to [DB.VerifyLead].
	Verified bool
	Rating   Rating // the user's rating after the reaction; "" for none
	// AskReason reports whether the user's rating just became poor.
	AskReason bool
}

type userRating struct {
	rating Rating
	emoji  string
	reason string
	at     int64
}

// React applies a rating reaction: one rating per user per lead, the latest
// reaction wins, and removing the reaction that set the rating falls back to
// the user's latest other rating reaction still on the lead, if any. Events
// may arrive out of order or twice; the outcome is the same.
func (db *DB) React(ctx context.Context, eventID string, r Reaction) (ReactResult, error) {
	res, err := db.record(ctx, Event{ID: eventID, React: &r})
	res.React.Applied = res.Applied
	return res.React, err
}

// react applies a rating reaction in tx; see [DB.React].
func react(ctx context.Context, tx *sql.Tx, r Reaction) (ReactResult, error) {
	var res ReactResult
	var status string
	err := tx.QueryRowContext(ctx, "SELECT id, status FROM leads WHERE channel = ? AND ts = ?", r.Channel, r.TS).Scan(&res.LeadID, &status)
	switch {
	case errors.Is(err, sql.ErrNoRows) && !r.Added:
		return res, nil // removing from something never rated
	case errors.Is(err, sql.ErrNoRows):
		posted, _ := TSTime(r.TS)
		out, err := tx.ExecContext(ctx, "INSERT INTO leads (channel, ts, status, posted_at) VALUES (?, ?, 'unverified', ?)",
			r.Channel, r.TS, nanos(posted))
		if err != nil {
			return res, fmt.Errorf("record unverified lead: %w", err)
		}
		if res.LeadID, err = out.LastInsertId(); err != nil {
			return res, err
		}
		status = "unverified"
	case err != nil:
		return res, fmt.Errorf("find lead: %w", err)
	}
	res.Verified = status == "lead"
	prior, hadPrior, err := currentRating(ctx, tx, res.LeadID, r.User)
	if err != nil {
		return res, err
	}
	at := nanos(r.At)
	next, hasNext := prior, hadPrior
	if r.Added {
		if _, err := tx.ExecContext(ctx, `INSERT INTO lead_reactions (lead_id, user, emoji, rating, added_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (lead_id, user, emoji) DO UPDATE SET rating = excluded.rating, added_at = max(added_at, excluded.added_at)`,
			res.LeadID, r.User, r.Emoji, string(r.Rating), at); err != nil {
			return res, fmt.Errorf("record reaction: %w", err)
		}
		if !hadPrior || at >= prior.at {
			next, hasNext = userRating{rating: r.Rating, emoji: r.Emoji, at: at}, true
		}
		// Only when it moves: a row rewritten with the same value is
		// still a page for the commit to write.
		if _, err := tx.ExecContext(ctx, "UPDATE leads SET first_feedback_at = ? WHERE id = ? AND (first_feedback_at IS NULL OR first_feedback_at > ?)",
			at, res.LeadID, at); err != nil {
			return res, fmt.Errorf("record first feedback: %w", err)
		}
	} else {
		if _, err := tx.ExecContext(ctx, "DELETE FROM lead_reactions WHERE lead_id = ? AND user = ? AND emoji = ?",
			res.LeadID, r.User, r.Emoji); err != nil {
			return res, fmt.Errorf("remove reaction: %w", err)
		}
		if hadPrior && prior.emoji == r.Emoji {
			// The reaction that set the rating is gone: fall back.
			err := tx.QueryRowContext(ctx, `SELECT rating, emoji, added_at FROM lead_reactions
				WHERE lead_id = ? AND user = ? ORDER BY added_at DESC, emoji LIMIT 1`, res.LeadID, r.User).
				Scan(&next.rating, &next.emoji, &next.at)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				hasNext = false
			case err != nil:
				return res, fmt.Errorf("fall back rating: %w", err)
			}
		}
	}
	if next.rating == Poor && prior.rating == Poor && hadPrior {
		next.reason = prior.reason
	} else {
		next.reason = ""
	}
	if err := setRating(ctx, tx, res.LeadID, r.User, next, hasNext); err != nil {
		return res, err
	}
	if hasNext {
		res.Rating = next.rating
	}
	res.AskReason = hasNext && next.rating == Poor && (!hadPrior || prior.rating != Poor)
	return res, nil
}

func currentRating(ctx context.Context, tx execer, leadID int64, user string) (userRating, bool, error) {
	var u userRating
	err := tx.QueryRowContext(ctx, "SELECT rating, emoji, reason, at FROM feedback WHERE lead_id = ? AND user = ?", leadID, user).
		Scan(&u.rating, &u.emoji, &u.reason, &u.at)
	if errors.Is(err, sql.ErrNoRows) {
		return u, false, nil
	}
	if err != nil {
		return u, false, fmt.Errorf("read rating: %w", err)
	}
	return u, true, nil
}

func setRating(ctx context.Context, tx execer, leadID int64, user string, u userRating, has bool) error {
	var err error
	if has {
		_, err = tx.ExecContext(ctx, `INSERT INTO feedback (lead_id, user, rating, emoji, reason, at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (lead_id, user) DO UPDATE SET rating = excluded.rating, emoji = excluded.emoji,
			reason = excluded.reason, at = excluded.at`, leadID, user, string(u.rating), u.emoji, u.reason, u.at)
	} else {
		_, err = tx.ExecContext(ctx, "DELETE FROM feedback WHERE lead_id = ? AND user = ?", leadID, user)
	}
	if err != nil {
		return fmt.Errorf("save rating: %w", err)
	}
	return nil
}

// VerifyLead settles a message first seen through a reaction: l is what the
// message turned out to be, or nil if it is not a lead (a thread reply, gone,
// the bot's own), in which case its reactions are dropped. It returns the
// lead's id and the users whose rating of it is poor without a reason yet.
func (db *DB) VerifyLead(ctx context.Context, channel, ts string, l *Lead) (int64, []string, error) {
	var id int64
	var askUsers []string
	err := db.once(ctx, func(tx *sql.Tx) error {
		if l == nil {
			_, err := tx.ExecContext(ctx, "DELETE FROM leads WHERE channel = ? AND ts = ? AND status = 'unverified'", channel, ts)
			return err
		}
		l.Channel, l.TS = channel, ts
		if err := upsertLead(ctx, tx, *l); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, "SELECT id FROM leads WHERE channel = ? AND ts = ?", channel, ts).Scan(&id); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT user FROM feedback WHERE lead_id = ? AND rating = 'poor' AND reason = ''
			ORDER BY user`, id)
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
	if err != nil {
		return 0, nil, fmt.Errorf("verify lead: %w", err)
	}
	return id, askUsers, nil
}

// UnverifiedLeads returns the messages that were reacted to but not fetched
// yet (say the bot stopped in between).
func (db *DB) UnverifiedLeads(ctx context.Context) ([]Lead, error) {
	return db.leadsWhere(ctx, "status = 'unverified' ORDER BY id", -1)
}

// LeadByID returns a lead, or [ErrNotFound].
func (db *DB) LeadByID(ctx context.Context, id int64) (Lead, error) {
	ls, err := db.leadsWhere(ctx, "id = ?", 1, id)
	if err != nil {
		return Lead{}, err
	}
	if len(ls) == 0 {
		return Lead{}, ErrNotFound
	}
	return ls[0], nil
}

func (db *DB) leadsWhere(ctx context.Context, where string, limit int, args ...any) ([]Lead, error) {
	db.settle(ctx)
	rows, err := db.sql.QueryContext(ctx, "SELECT id, channel, ts, text, posted_by, posted_at, deleted FROM leads WHERE "+
		where+" LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("read leads: %w", err)
	}
	defer rows.Close()
	var out []Lead
	for rows.Next() {
		var l Lead
		var posted int64
		if err := rows.Scan(&l.ID, &l.Channel, &l.TS, &l.Text, &l.PostedBy, &posted, &l.Deleted); err != nil {
			return nil, fmt.Errorf("read leads: %w", err)
		}
		l.PostedAt = fromNanos(posted)
		out = append(out, l)
	}
	return out, rows.Err()
}

// SetReason stores why user rated the lead poor. It returns [ErrNotFound]
// if the user's rating of it is not (or no longer) poor.
func (db *DB) SetReason(ctx context.Context, leadID int64, user, reason string) error {
	db.settle(ctx)
	res, err := db.w.ExecContext(ctx, "UPDATE feedback SET reason = ? WHERE lead_id = ? AND user = ? AND rating = 'poor'", reason, leadID, user)
	if err != nil {
		return fmt.Errorf("save reason: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// ReasonCount is how often one reason was given for poor ratings.
type ReasonCount struct {
	Reason string // "" when the rater gave none
	Count  int
}

// LeadStats are the lead-feedback figures for the leads posted in
// [From, To), as of Now.
type LeadStats struct {
	From, To, Now time.Time
	SLA           time.Duration

	Posted int // leads posted (deleted ones left out)
	Rated  int // of them, rated by at least one person now
	Hot    int // of them, rated hot by at least one person

	Ratings             int // ratings given, one per person per lead
	Good, Poor, HotVote int // ratings by kind

	Reasons []ReasonCount // why poor, most given first

	// FirstFeedback holds, for each lead that got feedback, how long after
	// posting the first came, shortest first.
	FirstFeedback []time.Duration
	// SLADue counts the leads whose SLA has run out or that got feedback;
	// WithinSLA those of them whose first feedback came within the SLA.
	SLADue, WithinSLA int
}

// Waiting returns how many leads have no rating.
func (s LeadStats) Waiting() int { return s.Posted - s.Rated }

// MedianFirstFeedback returns the median time to first feedback, and false
// when no lead got any.
func (s LeadStats) MedianFirstFeedback() (time.Duration, bool) {
	n := len(s.FirstFeedback)
	if n == 0 {
		return 0, false
	}
	if n%2 == 1 {
		return s.FirstFeedback[n/2], true
	}
	return (s.FirstFeedback[n/2-1] + s.FirstFeedback[n/2]) / 2, true
}

// GoodShare returns the share (0–1) of ratings that are good or hot, and
// false when there are none.
func (s LeadStats) GoodShare() (float64, bool) {
	if s.Ratings == 0 {
		return 0, false
	}
	return float64(s.Good+s.HotVote) / float64(s.Ratings), true
}

// SLAShare returns the share (0–1) of due leads that got feedback within the
// SLA, and false when none is due yet.
func (s LeadStats) SLAShare() (float64, bool) {
	if s.SLADue == 0 {
		return 0, false
	}
	return float64(s.WithinSLA) / float64(s.SLADue), true
}

const leadWindow = "l.status = 'lead' AND l.deleted = 0 AND l.posted_at >= ? AND l.posted_at < ?"

// LeadStats computes the figures of /leads and the weekly recap: one place,
// so both always agree.
func (db *DB) LeadStats(ctx context.Context, from, to time.Time, sla time.Duration, now time.Time) (LeadStats, error) {
	s := LeadStats{From: from, To: to, Now: now, SLA: sla}
	err := db.snapshot(ctx, func(q queryer) error {
		var rated, hot, due, within sql.NullInt64
		err := q.QueryRowContext(ctx, `SELECT COUNT(*),
			SUM(EXISTS (SELECT 1 FROM feedback f WHERE f.lead_id = l.id)),
			SUM(EXISTS (SELECT 1 FROM feedback f WHERE f.lead_id = l.id AND f.rating = 'hot')),
			SUM(l.first_feedback_at IS NOT NULL OR l.posted_at + ? <= ?),
			SUM(l.first_feedback_at IS NOT NULL AND l.first_feedback_at - l.posted_at <= ?)
			FROM leads l WHERE `+leadWindow, int64(sla), nanos(now), int64(sla), nanos(from), nanos(to)).
			Scan(&s.Posted, &rated, &hot, &due, &within)
		if err != nil {
			return fmt.Errorf("count leads: %w", err)
		}
		s.Rated, s.Hot, s.SLADue, s.WithinSLA = int(rated.Int64), int(hot.Int64), int(due.Int64), int(within.Int64)

		rows, err := q.QueryContext(ctx, `SELECT f.rating, f.reason, COUNT(*) FROM feedback f JOIN leads l ON l.id = f.lead_id
			WHERE `+leadWindow+` GROUP BY f.rating, f.reason`, nanos(from), nanos(to))
		if err != nil {
			return fmt.Errorf("count ratings: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var rating Rating
			var reason string
			var n int
			if err := rows.Scan(&rating, &reason, &n); err != nil {
				return err
			}
			s.Ratings += n
			switch rating {
			case Good:
				s.Good += n
			case Hot:
				s.HotVote += n
			case Poor:
				s.Poor += n
				s.Reasons = append(s.Reasons, ReasonCount{Reason: reason, Count: n})
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		slices.SortFunc(s.Reasons, func(a, b ReasonCount) int {
			if a.Count != b.Count {
				return b.Count - a.Count
			}
			return strings.Compare(a.Reason, b.Reason)
		})

		drows, err := q.QueryContext(ctx, `SELECT l.first_feedback_at - l.posted_at FROM leads l
			WHERE `+leadWindow+` AND l.first_feedback_at IS NOT NULL ORDER BY 1`, nanos(from), nanos(to))
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
func (db *DB) WaitingLeads(ctx context.Context, from, to time.Time, limit int) ([]Lead, error) {
	return db.leadsWhere(ctx, strings.ReplaceAll(leadWindow, "l.", "")+
		" AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.lead_id = leads.id) ORDER BY posted_at, id", limit, nanos(from), nanos(to))
}

// DueReminders returns up to limit leads that got no feedback within sla,
// posted at most a week before their SLA ran out, and not reminded yet.
func (db *DB) DueReminders(ctx context.Context, now time.Time, sla time.Duration, limit int) ([]Lead, error) {
	deadline := now.Add(-sla)
	return db.leadsWhere(ctx, `status = 'lead' AND deleted = 0 AND reminder = '' AND first_feedback_at IS NULL
		AND posted_at <= ? AND posted_at > ? ORDER BY posted_at, id`, limit, nanos(deadline), nanos(deadline.Add(-7*24*time.Hour)))
}

// ClaimReminder marks a lead's reminder as being sent and reports whether
// this caller won it: a reminder is claimed once, so it is never sent twice.
func (db *DB) ClaimReminder(ctx context.Context, id int64) (bool, error) {
	res, err := db.w.ExecContext(ctx, "UPDATE leads SET reminder = 'sending' WHERE id = ? AND reminder = ''", id)
	if err != nil {
		return false, fmt.Errorf("claim reminder: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// FinishReminder records a claimed reminder as sent, or releases the claim
// when sending failed so a later run tries again.
func (db *DB) FinishReminder(ctx context.Context, id int64, sent bool) error {
	state := ""
	if sent {
		state = "sent"
	}
	if _, err := db.w.ExecContext(ctx, "UPDATE leads SET reminder = ? WHERE id = ? AND reminder = 'sending'", state, id); err != nil {
		return fmt.Errorf("finish reminder: %w", err)
	}
	return nil
}

// LeadRecord is a lead in the export format, with its feedback.
type LeadRecord struct {
	Channel  string           `json:"channel"`
	TS       string           `json:"ts"`
	Text     string           `json:"text"`
	PostedBy string           `json:"posted_by"`
	PostedAt time.Time        `json:"posted_at"`
	Deleted  bool             `json:"deleted"`
	Feedback []FeedbackRecord `json:"feedback"`
}

// FeedbackRecord is one person's current rating of a lead.
type FeedbackRecord struct {
	User   string    `json:"user"`
	Rating Rating    `json:"rating"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// leadRecords returns every lead (not the unverified) with its feedback,
// oldest first.
func leadRecords(ctx context.Context, q queryer) ([]LeadRecord, error) {
	rows, err := q.QueryContext(ctx, `SELECT l.id, l.channel, l.ts, l.text, l.posted_by, l.posted_at, l.deleted,
		f.user, f.rating, f.reason, f.at
		FROM leads l LEFT JOIN feedback f ON f.lead_id = l.id
		WHERE l.status = 'lead' ORDER BY l.posted_at, l.channel, l.ts, f.at, f.user`)
	if err != nil {
		return nil, fmt.Errorf("export leads: %w", err)
	}
	defer rows.Close()
	var out []LeadRecord
	var last int64 = -1
	for rows.Next() {
		var id, posted int64
		var r LeadRecord
		var user, rating, reason sql.NullString
		var at sql.NullInt64
		if err := rows.Scan(&id, &r.Channel, &r.TS, &r.Text, &r.PostedBy, &posted, &r.Deleted, &user, &rating, &reason, &at); err != nil {
			return nil, fmt.Errorf("export leads: %w", err)
		}
		if id != last {
			r.PostedAt, r.Feedback = fromNanos(posted), []FeedbackRecord{}
			out = append(out, r)
			last = id
		}
		if user.Valid {
			cur := &out[len(out)-1]
			cur.Feedback = append(cur.Feedback, FeedbackRecord{User: user.String, Rating: Rating(rating.String), Reason: reason.String, At: fromNanos(at.Int64)})
		}
	}
	return out, rows.Err()
}

// RecordError reports an imported record that cannot be stored as it is.
type RecordError struct{ Msg string }

func (e *RecordError) Error() string { return e.Msg }

func (r LeadRecord) check() error {
	if r.Channel == "" || r.TS == "" {
		return &RecordError{"a lead needs its channel and ts"}
	}
	if _, ok := TSTime(r.TS); !ok {
		return &RecordError{fmt.Sprintf("ts %q is not a Slack message timestamp", r.TS)}
	}
	seen := map[string]bool{}
	for _, f := range r.Feedback {
		switch f.Rating {
		case Good, Poor, Hot:
		default:
			return &RecordError{fmt.Sprintf("rating %q must be good, poor or hot", f.Rating)}
		}
		if f.User == "" || seen[f.User] {
			return &RecordError{"each feedback needs a user, at most once per lead"}
		}
		seen[f.User] = true
	}
	return nil
}

// importLead stores a lead and makes its feedback exactly the record's.
// Records are checked before anything is written.
func (db *DB) importLead(ctx context.Context, tx txer, r LeadRecord) (outcome, error) {
	if err := r.check(); err != nil {
		return 0, err
	}
	if r.PostedAt.IsZero() {
		r.PostedAt, _ = TSTime(r.TS)
	}
	existing, err := leadRecordOf(ctx, tx, r.Channel, r.TS)
	if err != nil {
		return 0, err
	}
	if existing != nil && sameLead(*existing, r) {
		return unchanged, nil
	}
	first := sql.NullInt64{}
	for _, f := range r.Feedback {
		if !first.Valid || nanos(f.At) < first.Int64 {
			first = sql.NullInt64{Int64: nanos(f.At), Valid: true}
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO leads (channel, ts, status, text, posted_by, posted_at, deleted, first_feedback_at)
		VALUES (?, ?, 'lead', ?, ?, ?, ?, ?)
		ON CONFLICT (channel, ts) DO UPDATE SET status = 'lead', text = excluded.text, posted_by = excluded.posted_by,
		posted_at = excluded.posted_at, deleted = excluded.deleted,
		first_feedback_at = min(coalesce(first_feedback_at, excluded.first_feedback_at), coalesce(excluded.first_feedback_at, first_feedback_at))`,
		r.Channel, r.TS, r.Text, r.PostedBy, nanos(r.PostedAt), r.Deleted, first); err != nil {
		return 0, fmt.Errorf("import lead: %w", err)
	}
	var id int64
	if err := tx.QueryRowContext(ctx, "SELECT id FROM leads WHERE channel = ? AND ts = ?", r.Channel, r.TS).Scan(&id); err != nil {
		return 0, fmt.Errorf("import lead: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM feedback WHERE lead_id = ?", id); err != nil {
		return 0, fmt.Errorf("import feedback: %w", err)
	}
	for _, f := range r.Feedback {
		if _, err := tx.ExecContext(ctx, "INSERT INTO feedback (lead_id, user, rating, emoji, reason, at) VALUES (?, ?, ?, ?, ?, ?)",
			id, f.User, string(f.Rating), string(f.Rating), f.Reason, nanos(f.At)); err != nil {
			return 0, fmt.Errorf("import feedback: %w", err)
		}
	}
	if existing == nil {
		return created, nil
	}
	return updated, nil
}

func leadRecordOf(ctx context.Context, q txer, channel, ts string) (*LeadRecord, error) {
	var r LeadRecord
	var id, posted int64
	err := q.QueryRowContext(ctx, "SELECT id, text, posted_by, posted_at, deleted FROM leads WHERE channel = ? AND ts = ? AND status = 'lead'",
		channel, ts).Scan(&id, &r.Text, &r.PostedBy, &posted, &r.Deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read lead: %w", err)
	}
	r.Channel, r.TS, r.PostedAt = channel, ts, fromNanos(posted)
	rows, err := q.QueryContext(ctx, "SELECT user, rating, reason, at FROM feedback WHERE lead_id = ? ORDER BY at, user", id)
	if err != nil {
		return nil, fmt.Errorf("read feedback: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f FeedbackRecord
		var at int64
		if err := rows.Scan(&f.User, &f.Rating, &f.Reason, &at); err != nil {
			return nil, err
		}
		f.At = fromNanos(at)
		r.Feedback = append(r.Feedback, f)
	}
	return &r, rows.Err()
}

func sameLead(a, b LeadRecord) bool {
	if a.Text != b.Text || a.PostedBy != b.PostedBy || !a.PostedAt.Equal(b.PostedAt) || a.Deleted != b.Deleted || len(a.Feedback) != len(b.Feedback) {
		return false
	}
	bs := slices.Clone(b.Feedback)
	slices.SortFunc(bs, func(x, y FeedbackRecord) int {
		return cmp.Or(x.At.Compare(y.At), strings.Compare(x.User, y.User))
	})
	for i := range bs {
		x, y := a.Feedback[i], bs[i]
		if x.User != y.User || x.Rating != y.Rating || x.Reason != y.Reason || !x.At.Equal(y.At) {
			return false
		}
	}
	return true
}
