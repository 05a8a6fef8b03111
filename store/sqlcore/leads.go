package sqlcore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"smarketing/store"
)

// upsertLead records l as a lead, or makes a message first seen through a
// reaction (or seen before) the lead l is, with the origin
// [store.KeptOrigin] keeps for it. It returns that origin.
func upsertLead(ctx context.Context, tx *Tx, l store.Lead) (store.Origin, error) {
	o := store.KeptOrigin(store.Origin{Source: l.Source, Campaign: l.Campaign}, l.Text, l.PostedBy)
	_, err := tx.Exec(ctx, `INSERT INTO leads (channel, ts, status, text, posted_by, posted_at, source, campaign)
		VALUES (?, ?, 'lead', ?, ?, ?, ?, ?)
		ON CONFLICT (channel, ts) DO UPDATE SET status = 'lead', text = excluded.text, posted_by = excluded.posted_by,
		source = excluded.source, campaign = excluded.campaign`,
		l.Channel, l.TS, l.Text, l.PostedBy, Nanos(l.PostedAt), o.Source, o.Campaign)
	if err != nil {
		return store.Origin{}, fmt.Errorf("record lead: %w", err)
	}
	return o, nil
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
// the bot's own), in which case its reactions are dropped. A lead's poster,
// known only now, never rates it: their ratings and rating reactions are
// dropped. It returns the lead's id and the users whose rating of it is poor
// without a reason yet.
func (db *DB) VerifyLead(ctx context.Context, channel, ts string, l *store.Lead) (int64, []string, error) {
	var id int64
	var askUsers []string
	var origin store.Origin
	err := db.write(ctx, func(tx *Tx) error {
		var err error
		id, askUsers = 0, nil // afresh if the write runs again
		if l == nil {
			_, err = tx.Exec(ctx, "DELETE FROM leads WHERE channel = ? AND ts = ? AND status = 'unverified'", channel, ts)
			return err
		}
		lead := *l
		lead.Channel, lead.TS = channel, ts
		if origin, err = upsertLead(ctx, tx, lead); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT id FROM leads WHERE channel = ? AND ts = ?", channel, ts).Scan(&id); err != nil {
			return err
		}
		if _, err := dropPosterRatings(ctx, tx, id, lead.PostedBy); err != nil {
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
		if err == nil {
			l.Source, l.Campaign = origin.Source, origin.Campaign
		}
	}
	if err != nil {
		return 0, nil, fmt.Errorf("verify lead: %w", err)
	}
	return id, askUsers, nil
}

// dropPosterRatings removes the ratings and rating reactions that poster
// gave the lead id before it was known as theirs (a reaction on a message
// not verified yet), and reports whether there were any. The counts are
// recounted; the first feedback, if no earlier than the poster's first
// reaction, becomes the earliest left (none if nobody else rated).
func dropPosterRatings(ctx context.Context, tx *Tx, id int64, poster string) (bool, error) {
	if poster == "" {
		return false, nil
	}
	var first *int64
	err := tx.QueryRow(ctx, `SELECT MIN(t) FROM (
			SELECT at AS t FROM feedback WHERE lead_id = ? AND "user" = ?
			UNION ALL SELECT added_at AS t FROM lead_reactions WHERE lead_id = ? AND "user" = ?) AS p`,
		id, poster, id, poster).Scan(&first)
	if err != nil || first == nil {
		return false, wrapErr("read the poster's ratings", err)
	}
	for _, q := range []string{`DELETE FROM feedback WHERE lead_id = ? AND "user" = ?`, `DELETE FROM lead_reactions WHERE lead_id = ? AND "user" = ?`} {
		if _, err := tx.Exec(ctx, q, id, poster); err != nil {
			return false, fmt.Errorf("drop the poster's ratings: %w", err)
		}
	}
	if err := recountRatings(ctx, tx, []int64{id}); err != nil {
		return false, err
	}
	_, err = tx.Exec(ctx, `UPDATE leads SET first_feedback_at = CASE WHEN first_feedback_at < ? THEN first_feedback_at ELSE (
			SELECT MIN(t) FROM (SELECT at AS t FROM feedback WHERE lead_id = ?
				UNION ALL SELECT added_at AS t FROM lead_reactions WHERE lead_id = ?) AS o) END
		WHERE id = ?`, *first, id, id, id)
	return true, wrapErr("first feedback without the poster's", err)
}

// wrapErr is err with what failed, or nil.
func wrapErr(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// UnverifiedLeads returns the messages that were reacted to but not fetched
// yet (say the bot stopped in between).
func (db *DB) UnverifiedLeads(ctx context.Context) ([]store.Lead, error) {
	return db.leadsWhere(ctx, "l.status = 'unverified' ORDER BY l.id", -1)
}

// LeadByID returns a lead, or [store.ErrNotFound].
func (db *DB) LeadByID(ctx context.Context, id int64) (store.Lead, error) {
	ls, err := db.leadsWhere(ctx, "l.id = ?", 1, id)
	if err != nil {
		return store.Lead{}, err
	}
	if len(ls) == 0 {
		return store.Lead{}, store.ErrNotFound
	}
	return ls[0], nil
}

// leadColumns are the columns of leads l that [scanLead] reads a lead from.
const leadColumns = "l.id, l.channel, l.ts, l.text, l.posted_by, l.posted_at, l.deleted, l.source, l.campaign"

// scanLead reads a lead from the leadColumns of r, and the columns after
// them into more.
func scanLead(r Row, more ...any) (store.Lead, error) {
	var l store.Lead
	var posted int64
	err := r.Scan(append([]any{&l.ID, &l.Channel, &l.TS, &l.Text, &l.PostedBy, &posted, &l.Deleted, &l.Source, &l.Campaign}, more...)...)
	l.PostedAt = FromNanos(posted)
	return l, err
}

// leadsWhere reads the leads l where says, its parameters being args; the
// limit (negative: none) follows them.
func (db *DB) leadsWhere(ctx context.Context, where string, limit int, args ...any) ([]store.Lead, error) {
	rows, err := db.pool().Query(ctx, "SELECT "+leadColumns+" FROM leads l WHERE "+where+" LIMIT ?", append(args, db.d.Limit(limit))...)
	if err != nil {
		return nil, fmt.Errorf("read leads: %w", err)
	}
	var out []store.Lead
	err = scanEach(rows, func(r Rows) error {
		l, err := scanLead(r)
		out = append(out, l)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read leads: %w", err)
	}
	return out, nil
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

// recountRatings sets the rating counts kept on each of the leads ids
// (good, poor, hot: how many of its current ratings are of each kind)
// from their feedback. Every write of feedback keeps the counts in the
// same transaction — through this, or in an event batch by what it did to
// the ratings it read ([batchLead.counts]: no rating read again) — so they
// always agree with the ratings (the conformance suite checks it after
// every batch); the figures read them instead of joining every rating.
func recountRatings(ctx context.Context, tx *Tx, ids []int64) error {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	return eachChunk(len(ids), func(from, to int) error {
		args := make([]any, 0, to-from)
		for _, id := range ids[from:to] {
			args = append(args, id)
		}
		_, err := tx.Exec(ctx, `UPDATE leads SET
			good = (SELECT COUNT(*) FROM feedback f WHERE f.lead_id = leads.id AND f.rating = 'good'),
			poor = (SELECT COUNT(*) FROM feedback f WHERE f.lead_id = leads.id AND f.rating = 'poor'),
			hot = (SELECT COUNT(*) FROM feedback f WHERE f.lead_id = leads.id AND f.rating = 'hot')
			WHERE `+matchAny(to-from, "id"), args...)
		if err != nil {
			return fmt.Errorf("count ratings: %w", err)
		}
		return nil
	})
}

// leadWindow selects the leads l posted in [?, ?).
const leadWindow = "l.status = 'lead' AND NOT l.deleted AND l.posted_at >= ? AND l.posted_at < ?"

// LeadStats computes the figures of /leads and the weekly recap: one place,
// so both always agree.
func (db *DB) LeadStats(ctx context.Context, from, to time.Time, sla store.SLA, now time.Time) (store.LeadStats, error) {
	groups, err := db.leadStats(ctx, allLeads, from, to, sla, now)
	if err != nil || len(groups) == 0 {
		return store.LeadStats{From: from, To: to, Now: now, SLA: sla.Within}, err
	}
	return groups[0], nil
}

// allLeads is the group of [DB.LeadStats]: one value for every lead.
const allLeads = "''"

// leadGroups are the columns [DB.LeadStatsBy] groups leads l by.
var leadGroups = map[store.LeadField]string{store.BySource: "l.source", store.ByCampaign: "l.campaign"}

// LeadStatsBy computes the figures of LeadStats for each value of by among
// the leads posted in [from, to), most leads first, then by value.
func (db *DB) LeadStatsBy(ctx context.Context, by store.LeadField, from, to time.Time, sla store.SLA, now time.Time) ([]store.LeadStats, error) {
	column, ok := leadGroups[by]
	if !ok {
		return nil, fmt.Errorf("lead stats by %q: leads are grouped by %s or %s", by, store.BySource, store.ByCampaign)
	}
	return db.leadStats(ctx, column, from, to, sla, now)
}

// leadStats computes the figures of the leads posted in [from, to) for
// each value of group (an expression over leads l; a constant for one
// group of all) that has any, most leads first, then by value, in one
// snapshot: in two statements whatever the number of groups, each
// touching a lead (and each of its ratings) once. The leads are counted,
// and time measured on sla's clock, in Go, over the (posted, first
// feedback) of each: the clock is not SQL.
func (db *DB) leadStats(ctx context.Context, group string, from, to time.Time, sla store.SLA, now time.Time) ([]store.LeadStats, error) {
	var out []store.LeadStats
	err := db.read(ctx, func(q *Tx) error {
		out = nil // afresh if the read runs again
		index := map[string]int{}
		// Due: rated, or its SLA ran out by now (one bound: the clock is
		// monotone).
		due := sla.Reminder().PostedBy(now)
		// Each lead once, with the counts of its ratings kept on it (see
		// recountRatings): an index-only read, no rating joined.
		rows, err := q.Query(ctx, `SELECT `+group+`, l.posted_at, COALESCE(l.first_feedback_at, 0), l.good, l.poor, l.hot
			FROM leads l WHERE `+leadWindow, Nanos(from), Nanos(to))
		if err != nil {
			return fmt.Errorf("read leads: %w", err)
		}
		err = scanEach(rows, func(r Rows) error {
			var value string
			var posted, first int64
			var good, poor, hot int
			if err := r.Scan(&value, &posted, &first, &good, &poor, &hot); err != nil {
				return err
			}
			i, ok := index[value]
			if !ok {
				i = len(out)
				index[value] = i
				out = append(out, store.LeadStats{From: from, To: to, Now: now, SLA: sla.Within, Value: value})
			}
			s := &out[i]
			s.Posted++
			if good+poor+hot > 0 {
				s.Rated++
			}
			if hot > 0 {
				s.Hot++
			}
			s.CountRatings(store.Good, "", good)
			s.CountRatings(store.Hot, "", hot)
			// first_feedback_at stays when a rating is withdrawn: the
			// first feedback came then, whatever is rated now.
			p := FromNanos(posted)
			if first == 0 {
				if !p.After(due) {
					s.SLADue++
				}
				return nil
			}
			f := FromNanos(first)
			s.SLADue++
			s.FirstFeedback = append(s.FirstFeedback, sla.Elapsed(p, f))
			if sla.Met(p, f) {
				s.WithinSLA++
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("read leads: %w", err)
		}
		// Poor ratings by reason: the only ratings joined, of the leads
		// that have one (l.poor, kept by recountRatings), grouped by plain
		// columns (SQLite sorts an expression or a constant key far slower).
		groupBy := "f.reason"
		if group != allLeads {
			groupBy = group + ", " + groupBy
		}
		rows, err = q.Query(ctx, `SELECT `+group+`, f.reason, COUNT(*)
			FROM leads l JOIN feedback f ON f.lead_id = l.id
			WHERE `+leadWindow+` AND l.poor > 0 AND f.rating = 'poor' GROUP BY `+groupBy, Nanos(from), Nanos(to))
		if err != nil {
			return fmt.Errorf("count ratings: %w", err)
		}
		err = scanEach(rows, func(r Rows) error {
			var value, reason string
			var n int
			if err := r.Scan(&value, &reason, &n); err != nil {
				return err
			}
			if i, ok := index[value]; ok { // else a lead posted since the first statement: none in one snapshot
				out[i].CountRatings(store.Poor, reason, n)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("count ratings: %w", err)
		}
		for i := range out {
			out[i].SortReasons()
			slices.Sort(out[i].FirstFeedback)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b store.LeadStats) int {
		return cmp.Or(b.Posted-a.Posted, strings.Compare(a.Value, b.Value))
	})
	return out, nil
}

// ReturnedLeads returns up to limit (negative: all) poor ratings with a
// reason of the leads posted in [from, to), latest first (then by lead and
// rater), and how many there are in all, read in one snapshot.
func (db *DB) ReturnedLeads(ctx context.Context, from, to time.Time, limit int) ([]store.Returned, int, error) {
	const returned = ` FROM feedback f JOIN leads l ON l.id = f.lead_id
		WHERE ` + leadWindow + ` AND f.rating = 'poor' AND f.reason <> ''`
	var out []store.Returned
	var total int
	err := db.read(ctx, func(q *Tx) error {
		out = nil
		if err := q.QueryRow(ctx, "SELECT COUNT(*)"+returned, Nanos(from), Nanos(to)).Scan(&total); err != nil {
			return err
		}
		rows, err := q.Query(ctx, "SELECT "+leadColumns+`, f."user", f.reason, f.at`+returned+
			` ORDER BY f.at DESC, l.id, f."user" LIMIT ?`, Nanos(from), Nanos(to), db.d.Limit(limit))
		if err != nil {
			return err
		}
		return scanEach(rows, func(r Rows) error {
			var ret store.Returned
			var at int64
			var err error
			ret.Lead, err = scanLead(r, &ret.User, &ret.Reason, &at)
			ret.At = FromNanos(at)
			out = append(out, ret)
			return err
		})
	})
	if err != nil {
		return nil, 0, fmt.Errorf("returned leads: %w", err)
	}
	return out, total, nil
}

// WaitingLeads returns up to limit leads posted in [from, to) that nobody
// has rated, oldest first.
func (db *DB) WaitingLeads(ctx context.Context, from, to time.Time, limit int) ([]store.Lead, error) {
	return db.leadsWhere(ctx, waiting+" ORDER BY l.posted_at, l.id", limit, Nanos(from), Nanos(to))
}

// NewestWaitingLeads is WaitingLeads newest first.
func (db *DB) NewestWaitingLeads(ctx context.Context, from, to time.Time, limit int) ([]store.Lead, error) {
	return db.leadsWhere(ctx, waiting+" ORDER BY l.posted_at DESC, l.id DESC", limit, Nanos(from), Nanos(to))
}

// waiting selects the leads of a window nobody has rated.
const waiting = leadWindow + " AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.lead_id = l.id)"

// unrated selects the leads l nobody has rated, not even to take it back.
const unrated = "l.status = 'lead' AND NOT l.deleted AND l.first_feedback_at IS NULL"

// DueNudges returns up to limit unrated leads, oldest first, whose nudge n
// is due at now but fell due at most [store.NudgeMaxAge] ago, and is
// neither done nor held by a live claim.
func (db *DB) DueNudges(ctx context.Context, n store.Nudge, now time.Time, limit int) ([]store.Lead, error) {
	return db.leadsWhere(ctx, unrated+` AND l.posted_at <= ? AND l.posted_at > ?
		AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.key = CAST(? AS TEXT) || CAST(l.id AS TEXT)
			AND (c.state = 'done' OR c.expires_at > ?))
		ORDER BY l.posted_at, l.id`, limit, Nanos(n.PostedBy(now)), Nanos(n.PostedBy(now.Add(-store.NudgeMaxAge))), n.Prefix, Nanos(now))
}

// NextNudgeDue returns when the next nudge n falls due after now; see
// [store.Leads].
func (db *DB) NextNudgeDue(ctx context.Context, n store.Nudge, now time.Time) (time.Time, error) {
	var first *int64
	err := db.pool().QueryRow(ctx, "SELECT MIN(l.posted_at) FROM leads l WHERE "+unrated+" AND l.posted_at > ?",
		Nanos(n.PostedBy(now))).Scan(&first)
	if err != nil {
		return time.Time{}, fmt.Errorf("next nudge: %w", err)
	}
	if first == nil {
		return time.Time{}, nil
	}
	return n.Due(FromNanos(*first)), nil
}

// LeadRecords returns every lead (not the unverified) with its feedback,
// oldest first, for an export.
func LeadRecords(ctx context.Context, q Querier) ([]store.LeadRecord, error) {
	rows, err := q.Query(ctx, `SELECT l.id, l.channel, l.ts, l.text, l.posted_by, l.posted_at, l.deleted, l.source, l.campaign,
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
		if err := rows.Scan(&id, &r.Channel, &r.TS, &r.Text, &r.PostedBy, &posted, &r.Deleted, &r.Source, &r.Campaign,
			&user, &rating, &reason, &at); err != nil {
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
	r = r.AsStored()
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
	if err := tx.QueryRow(ctx, `INSERT INTO leads (channel, ts, status, text, posted_by, posted_at, deleted, first_feedback_at, source, campaign)
		VALUES (?, ?, 'lead', ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (channel, ts) DO UPDATE SET status = 'lead', text = excluded.text, posted_by = excluded.posted_by,
		posted_at = excluded.posted_at, deleted = excluded.deleted, source = excluded.source, campaign = excluded.campaign,
		first_feedback_at = CASE WHEN leads.first_feedback_at IS NULL OR excluded.first_feedback_at < leads.first_feedback_at
			THEN excluded.first_feedback_at ELSE leads.first_feedback_at END
		RETURNING id`,
		r.Channel, r.TS, r.Text, r.PostedBy, Nanos(r.PostedAt), r.Deleted, first, r.Source, r.Campaign).Scan(&id); err != nil {
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
	if err := recountRatings(ctx, tx, []int64{id}); err != nil {
		return 0, err
	}
	if existing == nil {
		return store.Created, nil
	}
	return store.Updated, nil
}

func leadRecordOf(ctx context.Context, q Querier, channel, ts string) (*store.LeadRecord, error) {
	var r store.LeadRecord
	var id, posted int64
	err := q.QueryRow(ctx, `SELECT id, text, posted_by, posted_at, deleted, source, campaign FROM leads
		WHERE channel = ? AND ts = ? AND status = 'lead'`, channel, ts).Scan(&id, &r.Text, &r.PostedBy, &posted, &r.Deleted, &r.Source, &r.Campaign)
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
