package sqlcore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"smarketing/store"
)

// applyBatch applies events, in order, with a fixed number of statements
// whatever their number: it reads what they touch (which event ids are
// new, the leads, the raters' current ratings and reactions) in one
// statement each, decides every event in Go in the order given, and
// writes what changed with one statement per table and kind of change
// (once more after the post of a message first seen through a reaction,
// which ends a segment: [applySegment]). The outcome is what applying the
// events one at a time would give (the conformance suite checks both ways
// agree); a batch of one is how a single event is applied.
//
// An event carrying text the database cannot store ([Dialect.Storable]) is
// recorded as failed and skipped here, before anything is decided, so that
// it is refused whatever else its batch holds. Another refusal by the
// database fails the batch, which [applyEvents] then applies event by
// event. An error leaves the transaction to be rolled back to before the
// batch: some statements may have run.
func applyBatch(ctx context.Context, tx *Tx, d Dialect, events []store.Event) ([]store.EventResult, error) {
	fresh, err := newEventIDs(ctx, tx, events)
	if err != nil {
		return nil, err
	}
	results := make([]store.EventResult, len(events))
	apply := make([]bool, len(events))
	for i, ev := range events {
		if ev.ID != "" && !fresh[ev.ID] {
			continue // applied before, or earlier in this batch
		}
		delete(fresh, ev.ID)
		if !storableEvent(d, ev) {
			if err := recordFailed(ctx, tx, ev, errUnstorable); err != nil {
				return nil, err
			}
			results[i].Skipped = true
			continue
		}
		apply[i] = true
	}
	for from := 0; from < len(events); {
		n, err := applySegment(ctx, tx, events[from:], apply[from:], results[from:])
		if err != nil {
			return nil, err
		}
		from += n
	}
	return results, nil
}

// applySegment decides and saves the events to apply from the start of
// events, and returns how many it took: all of them, or up to the post of a
// message first seen through a reaction. That post tells who posted it,
// whose own ratings [dropPosterRatings] then removes before any later event
// is decided, as applying the events one at a time would. (Such posts are
// rare: an event that arrives after the reactions to it.)
func applySegment(ctx context.Context, tx *Tx, events []store.Event, apply []bool, results []store.EventResult) (int, error) {
	b := &eventBatch{leads: map[leadKey]*batchLead{}, raters: map[raterKey]*rater{}}
	if err := b.load(ctx, tx, events, apply); err != nil {
		return 0, err
	}
	n := len(events)
	var verified *batchLead
	byLead := make([]*batchLead, len(events)) // whose id a reaction's result reports
	for i, ev := range events {
		if !apply[i] {
			continue
		}
		results[i].Applied = true
		if ev.React != nil {
			results[i].React, byLead[i] = b.react(*ev.React)
		} else {
			b.change(ev)
		}
		if l := b.leads[eventLead(ev)]; l.verifiedByPost {
			verified, n = l, i+1
			break
		}
	}
	if err := b.save(ctx, tx); err != nil {
		return 0, err
	}
	if verified != nil {
		if _, err := dropPosterRatings(ctx, tx, verified.id, verified.postedBy); err != nil {
			return 0, err
		}
	}
	for i, l := range byLead[:n] {
		if l != nil {
			results[i].React.LeadID = l.id
		}
	}
	return n, nil
}

// leadKey names a message.
type leadKey struct{ channel, ts string }

// batchLead is a lead as the batch found and left it.
type batchLead struct {
	id     int64 // 0 for a lead the batch adds, until it is saved
	inDB   bool
	status string // "lead" or "unverified"
	// firstFeedback is the earliest rating's time, if any.
	firstFeedback    int64
	hasFirstFeedback bool
	postedBy         string // as stored or posted, for the origin of an edit

	// What the batch changed.
	posted        *store.Lead  // the last post of it, if any
	text          string       // its text, if textSet
	origin        store.Origin // its origin, if textSet ([store.KeptOrigin])
	textSet       bool
	deleted       bool // deleted by the batch
	postedAt      int64
	feedbackMoved bool
	// counts is how the batch changes the lead's counts of current
	// ratings by kind (good, poor, hot; see [ratingKinds]).
	counts [3]int
	// verifiedByPost reports a message first seen through a reaction
	// that the batch posted as a lead: its poster, now known, may have
	// rated it, which [dropPosterRatings] undoes once it is saved
	// ([applySegment]).
	verifiedByPost bool
}

// ratingKinds are the kinds of rating a lead keeps a count of, in the
// order of [batchLead.counts] and of the columns good, poor, hot.
var ratingKinds = [3]store.Rating{store.Good, store.Poor, store.Hot}

// count adds n to the lead's count of ratings of kind r.
func (l *batchLead) count(r store.Rating, n int) {
	if i := slices.Index(ratingKinds[:], r); i >= 0 {
		l.counts[i] += n
	}
}

// raterKey is one user on one lead.
type raterKey struct {
	lead leadKey
	user string
}

// rater is one user's rating of a lead and the rating reactions behind it,
// as loaded and as the batch leaves them.
type rater struct {
	lead              *batchLead
	user              string
	loaded, now       userRating
	hadLoaded, hasNow bool
	loadedReactions   map[string]reaction // emoji → reaction
	reactions         map[string]reaction // as the batch leaves them
}

// reaction is one rating emoji a user has on a lead.
type reaction struct {
	rating  store.Rating
	addedAt int64
}

type eventBatch struct {
	leads  map[leadKey]*batchLead
	raters map[raterKey]*rater
	// The keys of both in order (channel, ts, user), so that statements
	// are the same for the same batch, and PostgreSQL instances lock rows
	// in one order.
	leadOrder  []leadKey
	raterOrder []raterKey
}

// newEventIDs records the batch's event ids and returns those that were
// not seen before: the events to apply.
func newEventIDs(ctx context.Context, tx *Tx, events []store.Event) (map[string]bool, error) {
	var ids []any
	seen := map[string]bool{}
	for _, ev := range events {
		if ev.ID != "" && !seen[ev.ID] {
			seen[ev.ID] = true
			ids = append(ids, ev.ID)
		}
	}
	fresh := map[string]bool{}
	err := eachChunk(len(ids), func(from, to int) error {
		var args []any
		for _, id := range ids[from:to] {
			args = append(args, id, Nanos(tx.Now))
		}
		rows, err := tx.Query(ctx, "INSERT INTO seen_events (id, seen_at) VALUES "+valueRows(to-from, 2)+
			" ON CONFLICT DO NOTHING RETURNING id", args...)
		if err != nil {
			return err
		}
		return scanEach(rows, func(r Rows) error {
			var id string
			err := r.Scan(&id)
			fresh[id] = true
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("record events: %w", err)
	}
	return fresh, nil
}

// errUnstorable is why an event with text the database cannot store is
// refused.
var errUnstorable = errors.New("text the database cannot store (a NUL byte or invalid UTF-8)")

// storableEvent reports whether every text of ev can be stored.
func storableEvent(d Dialect, ev store.Event) bool {
	var texts []string
	switch {
	case ev.Lead != nil:
		texts = []string{ev.Lead.Channel, ev.Lead.TS, ev.Lead.Text, ev.Lead.PostedBy}
	case ev.Edit != nil:
		texts = []string{ev.Edit.Channel, ev.Edit.TS, ev.Edit.Text}
	case ev.Delete != nil:
		texts = []string{ev.Delete.Channel, ev.Delete.TS}
	case ev.React != nil:
		texts = []string{ev.React.Channel, ev.React.TS, ev.React.User, ev.React.Emoji, string(ev.React.Rating)}
	}
	for _, s := range append(texts, ev.ID) {
		if !d.Storable(s) {
			return false
		}
	}
	return true
}

// load reads the leads the events to apply name, and the ratings and
// rating reactions of the users who react to them.
func (b *eventBatch) load(ctx context.Context, tx *Tx, events []store.Event, apply []bool) error {
	var keys []leadKey
	var raters []raterKey
	for i, ev := range events {
		if !apply[i] {
			continue
		}
		k := eventLead(ev)
		if _, ok := b.leads[k]; !ok {
			b.leads[k] = &batchLead{}
			keys = append(keys, k)
		}
		if ev.React != nil {
			rk := raterKey{k, ev.React.User}
			if _, ok := b.raters[rk]; !ok {
				b.raters[rk] = &rater{lead: b.leads[k], user: rk.user}
				raters = append(raters, rk)
			}
		}
	}
	slices.SortFunc(keys, compareLeads)
	slices.SortFunc(raters, func(a, b raterKey) int {
		return cmp.Or(compareLeads(a.lead, b.lead), strings.Compare(a.user, b.user))
	})
	b.leadOrder, b.raterOrder = keys, raters
	for from := 0; from < max(len(keys), len(raters)); from += chunkRows {
		ks := keys[min(from, len(keys)):min(from+chunkRows, len(keys))]
		rs := raters[min(from, len(raters)):min(from+chunkRows, len(raters))]
		if err := b.loadSome(ctx, tx, ks, rs); err != nil {
			return fmt.Errorf("read leads and ratings: %w", err)
		}
	}
	for _, rt := range b.raters {
		rt.now, rt.hasNow = rt.loaded, rt.hadLoaded
		rt.reactions = make(map[string]reaction, len(rt.loadedReactions))
		for e, re := range rt.loadedReactions {
			rt.reactions[e] = re
		}
	}
	return nil
}

func compareLeads(a, b leadKey) int {
	return cmp.Or(strings.Compare(a.channel, b.channel), strings.Compare(a.ts, b.ts))
}

// loadSome reads, in one statement, the leads of keys, and the rating and
// rating reactions of each of raters: one row each, told apart by its
// first column. (The keys are joined as VALUES, whose columns both
// databases call column1, column2, …; all text, which is what PostgreSQL
// takes untyped values for.)
func (b *eventBatch) loadSome(ctx context.Context, tx *Tx, keys []leadKey, raters []raterKey) error {
	var args []any
	var parts []string
	if len(keys) > 0 {
		for _, k := range keys {
			args = append(args, k.channel, k.ts)
		}
		parts = append(parts, `SELECT 'l', l.channel, l.ts, l.id, l.posted_by, l.status, '', '', l.first_feedback_at
			FROM (VALUES `+valueRows(len(keys), 2)+`) AS k
			JOIN leads l ON l.channel = k.column1 AND l.ts = k.column2`)
	}
	if len(raters) > 0 {
		var pairs []any
		for _, rk := range raters {
			pairs = append(pairs, rk.lead.channel, rk.lead.ts, rk.user)
		}
		args = append(append(args, pairs...), pairs...)
		raters := `(VALUES ` + valueRows(len(raters), 3) + `) AS p
			JOIN leads l ON l.channel = p.column1 AND l.ts = p.column2`
		parts = append(parts, `SELECT 'f', l.channel, l.ts, l.id, f."user", f.rating, f.emoji, f.reason, f.at
			FROM `+raters+` JOIN feedback f ON f.lead_id = l.id AND f."user" = p.column3`,
			`SELECT 'r', l.channel, l.ts, l.id, r."user", r.rating, r.emoji, '', r.added_at
			FROM `+raters+` JOIN lead_reactions r ON r.lead_id = l.id AND r."user" = p.column3`)
	}
	rows, err := tx.Query(ctx, strings.Join(parts, " UNION ALL "), args...)
	if err != nil {
		return err
	}
	return scanEach(rows, func(r Rows) error {
		var kind, user, text, emoji, reason string
		var k leadKey
		var id int64
		var at *int64
		if err := r.Scan(&kind, &k.channel, &k.ts, &id, &user, &text, &emoji, &reason, &at); err != nil {
			return err
		}
		switch kind {
		case "l":
			l := b.leads[k]
			l.id, l.inDB, l.status, l.postedBy = id, true, text, user
			if at != nil {
				l.firstFeedback, l.hasFirstFeedback = *at, true
			}
		case "f":
			rt := b.raters[raterKey{k, user}]
			rt.loaded, rt.hadLoaded = userRating{rating: store.Rating(text), emoji: emoji, reason: reason, at: *at}, true
		case "r":
			rt := b.raters[raterKey{k, user}]
			if rt.loadedReactions == nil {
				rt.loadedReactions = map[string]reaction{}
			}
			rt.loadedReactions[emoji] = reaction{rating: store.Rating(text), addedAt: *at}
		}
		return nil
	})
}

// eventLead is the message ev is about.
func eventLead(ev store.Event) leadKey {
	switch {
	case ev.Lead != nil:
		return leadKey{ev.Lead.Channel, ev.Lead.TS}
	case ev.Edit != nil:
		return leadKey{ev.Edit.Channel, ev.Edit.TS}
	case ev.Delete != nil:
		return leadKey{ev.Delete.Channel, ev.Delete.TS}
	default:
		return leadKey{ev.React.Channel, ev.React.TS}
	}
}

// exists reports whether the lead is in the database or added by the
// batch so far.
func (l *batchLead) exists() bool { return l.status != "" }

// change applies a post, an edit or a deletion.
func (b *eventBatch) change(ev store.Event) {
	l := b.leads[eventLead(ev)]
	switch {
	case ev.Lead != nil:
		// A message seen before (say through a reaction) becomes the lead;
		// its first time and deletion stay.
		post := *ev.Lead
		if !l.exists() {
			l.postedAt = Nanos(post.PostedAt)
		}
		if l.status == "unverified" {
			l.verifiedByPost = true
		}
		l.status, l.posted, l.text, l.textSet, l.postedBy = "lead", &post, post.Text, true, post.PostedBy
		l.origin = store.KeptOrigin(store.Origin{Source: post.Source, Campaign: post.Campaign}, post.Text, post.PostedBy)
	case ev.Edit != nil:
		if l.status == "lead" {
			e := ev.Edit
			l.text, l.textSet = e.Text, true
			l.origin = store.KeptOrigin(store.Origin{Source: e.Source, Campaign: e.Campaign}, e.Text, l.postedBy)
		}
	case ev.Delete != nil:
		if l.exists() {
			l.deleted = true
		}
	}
}

// react applies a rating reaction; see [store.Store.Record]. It returns the
// result but for the lead's id, which the lead reports once saved.
func (b *eventBatch) react(r store.Reaction) (store.ReactResult, *batchLead) {
	var res store.ReactResult
	l := b.leads[leadKey{r.Channel, r.TS}]
	if r.Added && (r.Ignore || l.status == "lead" && l.postedBy == r.User) {
		// Not a rating: nothing is stored, and an unknown message is
		// not made a lead for it.
		res.Verified, res.Ignored = l.status == "lead", true
		res.ByPoster = !r.Ignore
		if !l.exists() {
			return res, nil
		}
		return res, l
	}
	if !l.exists() {
		if !r.Added {
			return res, nil // removing from something never rated
		}
		posted, _ := store.TSTime(r.TS)
		l.status, l.postedAt = "unverified", Nanos(posted)
	}
	res.Verified = l.status == "lead"
	rt := b.raters[raterKey{leadKey{r.Channel, r.TS}, r.User}]
	prior, hadPrior := rt.now, rt.hasNow
	at := Nanos(r.At)
	next, hasNext := prior, hadPrior
	if r.Added {
		re := reaction{rating: r.Rating, addedAt: at}
		if old, ok := rt.reactions[r.Emoji]; ok && old.addedAt > at {
			re.addedAt = old.addedAt // the later of the two times
		}
		rt.reactions[r.Emoji] = re
		if !hadPrior || at >= prior.at {
			next, hasNext = userRating{rating: r.Rating, emoji: r.Emoji, at: at}, true
		}
		if !l.hasFirstFeedback || l.firstFeedback > at {
			l.firstFeedback, l.hasFirstFeedback, l.feedbackMoved = at, true, true
		}
	} else {
		delete(rt.reactions, r.Emoji)
		if hadPrior && prior.emoji == r.Emoji {
			// The reaction that set the rating is gone: fall back to the
			// latest left (the first emoji by name among equal times).
			hasNext = false
			for e, re := range rt.reactions {
				if !hasNext || re.addedAt > next.at || (re.addedAt == next.at && e < next.emoji) {
					next, hasNext = userRating{rating: re.rating, emoji: e, at: re.addedAt}, true
				}
			}
		}
	}
	if hasNext && next.rating == store.Poor && hadPrior && prior.rating == store.Poor {
		next.reason = prior.reason
	} else {
		next.reason = ""
	}
	rt.now, rt.hasNow = next, hasNext
	if hasNext {
		res.Rating = next.rating
	}
	res.AskReason = hasNext && next.rating == store.Poor && (!hadPrior || prior.rating != store.Poor)
	return res, l
}

// save writes what the batch changed: the leads first, for the ids of
// those it adds.
func (b *eventBatch) save(ctx context.Context, tx *Tx) error {
	if err := b.saveLeads(ctx, tx); err != nil {
		return fmt.Errorf("record leads: %w", err)
	}
	if err := b.saveRatings(ctx, tx); err != nil {
		return fmt.Errorf("record ratings: %w", err)
	}
	return nil
}

func (b *eventBatch) saveLeads(ctx context.Context, tx *Tx) error {
	// One upsert for the leads the batch adds or posts.
	var upserts []leadKey
	var deletes []*batchLead
	for _, k := range b.leadOrder {
		l := b.leads[k]
		switch {
		case !l.exists():
			continue
		case !l.inDB || l.posted != nil:
			upserts = append(upserts, k)
			continue
		}
		if l.deleted {
			deletes = append(deletes, l)
		}
		if l.textSet {
			if _, err := tx.Exec(ctx, "UPDATE leads SET text = ?, source = ?, campaign = ? WHERE id = ?",
				l.text, l.origin.Source, l.origin.Campaign, l.id); err != nil {
				return err
			}
		}
	}
	err := eachChunk(len(upserts), func(from, to int) error {
		var args []any
		for _, k := range upserts[from:to] {
			l := b.leads[k]
			var postedBy string
			if l.posted != nil {
				postedBy = l.posted.PostedBy
			}
			var first *int64
			if l.hasFirstFeedback {
				first = &l.firstFeedback
			}
			args = append(args, k.channel, k.ts, l.status, l.text, postedBy, l.postedAt, l.deleted, first, l.origin.Source, l.origin.Campaign)
		}
		// A lead in the database is posted here: its first time, first
		// feedback and deletion are its own (set below when they move).
		rows, err := tx.Query(ctx, `INSERT INTO leads (channel, ts, status, text, posted_by, posted_at, deleted, first_feedback_at,
				source, campaign)
			VALUES `+valueRows(to-from, 10)+`
			ON CONFLICT (channel, ts) DO UPDATE SET status = 'lead', text = excluded.text, posted_by = excluded.posted_by,
				source = excluded.source, campaign = excluded.campaign
			RETURNING channel, ts, id`, args...)
		if err != nil {
			return err
		}
		return scanEach(rows, func(r Rows) error {
			var k leadKey
			var id int64
			err := r.Scan(&k.channel, &k.ts, &id)
			b.leads[k].id = id
			return err
		})
	})
	if err != nil {
		return err
	}
	for _, k := range upserts {
		if l := b.leads[k]; l.inDB {
			if l.deleted {
				deletes = append(deletes, l)
			}
		}
	}
	err = eachChunk(len(deletes), func(from, to int) error {
		var args []any
		for _, l := range deletes[from:to] {
			args = append(args, l.id)
		}
		_, err := tx.Exec(ctx, "UPDATE leads SET deleted = TRUE WHERE id IN ("+placeholders(to-from)+")", args...)
		return err
	})
	if err != nil {
		return err
	}
	// The counts of ratings (kept exact: each changes by what the batch
	// did to the ratings it read, in the same transaction), and the first
	// feedback, in one write of each lead whose either changes: a row
	// rewritten with the same values is still a page for SQLite's commit
	// to write, and on PostgreSQL a new row version with an entry in every
	// index of leads, which another instance then conflicts on. (CAST:
	// PostgreSQL takes an untyped VALUES column for text.)
	for _, rk := range b.raterOrder {
		rt := b.raters[rk]
		if rt.hadLoaded {
			rt.lead.count(rt.loaded.rating, -1)
		}
		if rt.hasNow {
			rt.lead.count(rt.now.rating, +1)
		}
	}
	var counted []*batchLead
	for _, k := range b.leadOrder {
		if l := b.leads[k]; l.exists() && (l.inDB && l.feedbackMoved || l.counts != [3]int{}) {
			counted = append(counted, l)
		}
	}
	return eachChunk(len(counted), func(from, to int) error {
		var args []any
		for _, l := range counted[from:to] {
			var first *int64
			if l.hasFirstFeedback {
				first = &l.firstFeedback
			}
			args = append(args, l.id, first, l.counts[0], l.counts[1], l.counts[2])
		}
		_, err := tx.Exec(ctx, `UPDATE leads SET first_feedback_at = v.column2,
				good = good + v.column3, poor = poor + v.column4, hot = hot + v.column5
			FROM (VALUES `+strings.Repeat(", (CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT))", to-from)[2:]+`) AS v
			WHERE leads.id = v.column1`, args...)
		return err
	})
}

func (b *eventBatch) saveRatings(ctx context.Context, tx *Tx) error {
	type row struct {
		lead  int64
		user  string
		emoji string
	}
	var goneReactions, goneRatings []row
	var setReactions, setRatings []any
	nReactions, nRatings := 0, 0
	for _, rk := range b.raterOrder {
		rt := b.raters[rk]
		id := rt.lead.id
		for _, e := range slices.Sorted(maps.Keys(rt.loadedReactions)) {
			if _, ok := rt.reactions[e]; !ok {
				goneReactions = append(goneReactions, row{id, rt.user, e})
			}
		}
		for _, e := range slices.Sorted(maps.Keys(rt.reactions)) {
			re := rt.reactions[e]
			if old, ok := rt.loadedReactions[e]; !ok || old != re {
				setReactions = append(setReactions, id, rt.user, e, string(re.rating), re.addedAt)
				nReactions++
			}
		}
		switch {
		case rt.hasNow && (!rt.hadLoaded || rt.now != rt.loaded):
			u := rt.now
			setRatings = append(setRatings, id, rt.user, string(u.rating), u.emoji, u.reason, u.at)
			nRatings++
		case !rt.hasNow && rt.hadLoaded:
			goneRatings = append(goneRatings, row{lead: id, user: rt.user})
		}
	}
	err := eachChunk(len(goneReactions), func(from, to int) error {
		var args []any
		for _, r := range goneReactions[from:to] {
			args = append(args, r.lead, r.user, r.emoji)
		}
		_, err := tx.Exec(ctx, "DELETE FROM lead_reactions WHERE "+matchAny(to-from, "lead_id", `"user"`, "emoji"), args...)
		return err
	})
	if err != nil {
		return err
	}
	err = eachChunk(nReactions, func(from, to int) error {
		_, err := tx.Exec(ctx, `INSERT INTO lead_reactions (lead_id, "user", emoji, rating, added_at) VALUES `+valueRows(to-from, 5)+`
			ON CONFLICT (lead_id, "user", emoji) DO UPDATE SET rating = excluded.rating, added_at = excluded.added_at`,
			setReactions[from*5:to*5]...)
		return err
	})
	if err != nil {
		return err
	}
	err = eachChunk(len(goneRatings), func(from, to int) error {
		var args []any
		for _, r := range goneRatings[from:to] {
			args = append(args, r.lead, r.user)
		}
		_, err := tx.Exec(ctx, "DELETE FROM feedback WHERE "+matchAny(to-from, "lead_id", `"user"`), args...)
		return err
	})
	if err != nil {
		return err
	}
	err = eachChunk(nRatings, func(from, to int) error {
		_, err := tx.Exec(ctx, `INSERT INTO feedback (lead_id, "user", rating, emoji, reason, at) VALUES `+valueRows(to-from, 6)+`
			ON CONFLICT (lead_id, "user") DO UPDATE SET rating = excluded.rating, emoji = excluded.emoji,
			reason = excluded.reason, at = excluded.at`, setRatings[from*6:to*6]...)
		return err
	})
	if err != nil {
		return err
	}
	return nil
}

// chunkRows is the most rows one statement of a batch carries: well
// within both databases' limits on parameters (SQLite 32,766, PostgreSQL
// 65,535) at ten a row.
const chunkRows = 256

// eachChunk calls fn for [from, to) ranges covering n rows, chunkRows at
// most each.
func eachChunk(n int, fn func(from, to int) error) error {
	for from := 0; from < n; from += chunkRows {
		if err := fn(from, min(from+chunkRows, n)); err != nil {
			return err
		}
	}
	return nil
}

// scanEach calls fn for each row of rows, and closes them.
func scanEach(rows Rows, fn func(Rows) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}

// placeholders is "?, ?, …", n of them.
func placeholders(n int) string { return strings.Repeat(", ?", n)[2:] }

// valueRows is "(?, ?), (?, ?), …": n rows of cols values.
func valueRows(n, cols int) string {
	return strings.Repeat(", ("+placeholders(cols)+")", n)[2:]
}

// matchAny is "(a = ? AND b = ?) OR …" for n rows of the columns.
func matchAny(n int, cols ...string) string {
	conds := make([]string, len(cols))
	for i, c := range cols {
		conds[i] = c + " = ?"
	}
	one := "(" + strings.Join(conds, " AND ") + ")"
	return strings.Repeat(" OR "+one, n)[4:]
}
