package sqlcore

import (
	"context"
	"errors"
	"fmt"

	"smarketing/store"
)

// The customer insights (SPEC §11).

const insightColumns = "i.id, i.text, i.persona_id, p.name, i.source, i.by_user, i.by_name, i.at, i.channel, i.ts"

// insightsWhere returns the insights, with the names of their personas,
// that where selects; where ends with an ORDER BY, and limit > 0 bounds
// them.
func insightsWhere(ctx context.Context, q Querier, where string, limit int, args ...any) ([]store.Insight, error) {
	return selectWhere(ctx, q, "read insights", scanInsight,
		"SELECT "+insightColumns+" FROM insights i LEFT JOIN personas p ON p.id = i.persona_id", where, limit, args...)
}

func scanInsight(sc Row) (store.Insight, error) {
	var in store.Insight
	var persona *int64
	var name *string // NULL for none: the LEFT JOIN found no persona
	var at int64
	err := sc.Scan(&in.ID, &in.Text, &persona, &name, &in.Source, &in.By, &in.ByName, &at, &in.Channel, &in.TS)
	if persona != nil && name != nil {
		in.PersonaID, in.PersonaName = *persona, *name
	}
	in.At = FromNanos(at)
	return in, err
}

// nullID is id as a nullable column: NULL for 0, none.
func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// insertInsight stores in unless its by already shared the message
// Channel/TS, and returns its id; [ErrNoRows] when it did.
func insertInsight(ctx context.Context, tx *Tx, in store.Insight) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO insights (text, persona_id, source, by_user, by_name, at, channel, ts)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (channel, ts, by_user) WHERE ts <> '' DO NOTHING RETURNING id`,
		in.Text, nullID(in.PersonaID), in.Source, in.By, in.ByName, Nanos(in.At), in.Channel, in.TS).Scan(&id)
	return id, err
}

// AddInsight stores an insight shared now; see [store.Insights]. A share
// of a message by already shared returns the stored insight with
// [store.ErrUnchanged].
func (db *DB) AddInsight(ctx context.Context, in store.Insight, by store.Actor) (store.Insight, error) {
	text, err := store.InsightText(in.Text)
	if err != nil {
		return store.Insight{}, err
	}
	var out store.Insight
	err = db.write(ctx, func(tx *Tx) error {
		in = store.Insight{Text: text, PersonaID: in.PersonaID, Source: in.Source, By: by.ID, ByName: by.Name,
			At: tx.Now.UTC(), Channel: in.Channel, TS: in.TS}
		if in.PersonaID != 0 {
			err := tx.QueryRow(ctx, "SELECT name FROM personas WHERE id = ?", in.PersonaID).Scan(&in.PersonaName)
			if IsNoRows(err) {
				return store.ErrNotFound
			}
			if err != nil {
				return err
			}
		}
		id, err := insertInsight(ctx, tx, in)
		if IsNoRows(err) {
			have, err := insightsWhere(ctx, tx, "i.channel = ? AND i.ts = ? AND i.by_user = ? ORDER BY i.id", 1, in.Channel, in.TS, in.By)
			if err != nil {
				return err
			}
			if len(have) > 0 {
				out = have[0]
			}
			return store.ErrUnchanged
		}
		if err != nil {
			return err
		}
		in.ID, in.At = id, FromNanos(Nanos(in.At))
		out = in
		return nil
	})
	switch {
	case errors.Is(err, store.ErrUnchanged):
		return out, err
	case errors.Is(err, store.ErrNotFound):
		return store.Insight{}, err
	case err != nil:
		return store.Insight{}, fmt.Errorf("add insight: %w", err)
	}
	return out, nil
}

// Insights returns the insights f selects, newest first, and how many it
// selects without its Limit, read in one snapshot.
func (db *DB) Insights(ctx context.Context, f store.InsightFilter) ([]store.Insight, int, error) {
	where, args := logFilter("i", "persona_id", f.PersonaID, f.From, f.To)
	return countAndList(ctx, db, "insights", "insights i", where, args, func(q Querier) ([]store.Insight, error) {
		return insightsWhere(ctx, q, where+" ORDER BY i.at DESC, i.id DESC", f.Limit, args...)
	})
}

// insightRecords returns every insight oldest first, as an export has it.
func insightRecords(ctx context.Context, q Querier) ([]store.InsightRecord, error) {
	ins, err := insightsWhere(ctx, q, "1 = 1 ORDER BY i.at, i.id", 0)
	if err != nil {
		return nil, fmt.Errorf("export insights: %w", err)
	}
	var out []store.InsightRecord
	for _, in := range ins {
		r := store.InsightRecord{Text: in.Text, Source: in.Source, By: in.By, At: in.At.UTC(), Channel: in.Channel, TS: in.TS}
		if in.PersonaID != 0 {
			name := in.PersonaName
			r.Persona = &name
		}
		out = append(out, r)
	}
	return out, nil
}

// ImportInsight adds the insight r records unless one with its by, at and
// text is stored, or its by shared its message already (the same share):
// both leave the store alone ([store.Unchanged]). A persona named that
// does not exist is dropped, the insight kept without one.
func ImportInsight(ctx context.Context, tx *Tx, r store.InsightRecord, by store.Actor) (store.Outcome, error) {
	in, err := r.InsightOf(by, tx.Now)
	if err != nil {
		return 0, err
	}
	var n int
	if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM insights WHERE by_user = ? AND at = ? AND text = ?",
		in.By, Nanos(in.At), in.Text).Scan(&n); err != nil {
		return 0, fmt.Errorf("find insight: %w", err)
	}
	if n > 0 {
		return store.Unchanged, nil
	}
	if r.Persona != nil && store.Key(*r.Persona) != "" {
		err := tx.QueryRow(ctx, "SELECT id FROM personas WHERE key = ?", store.Key(*r.Persona)).Scan(&in.PersonaID)
		if err != nil && !IsNoRows(err) {
			return 0, fmt.Errorf("find insight persona: %w", err)
		}
	}
	if _, err := insertInsight(ctx, tx, in); IsNoRows(err) {
		return store.Unchanged, nil
	} else if err != nil {
		return 0, fmt.Errorf("import insight: %w", err)
	}
	return store.Created, nil
}
