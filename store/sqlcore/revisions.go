package sqlcore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"smarketing/store"
)

// Kinds of records with a history.
const (
	kindTerm    = store.KindTerm
	kindPersona = store.KindPersona
)

// writeRevision saves version of the record kind id, value being its
// content.
func writeRevision(ctx context.Context, tx *Tx, kind string, id int64, version int, action string, value any, by store.Actor, at time.Time) error {
	data, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("encode %s revision: %w", kind, err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO revisions (kind, record_id, version, action, data, edited_by, edited_by_name, edited_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, kind, id, version, action, string(data), by.ID, by.Name, Nanos(at))
	if err != nil {
		return fmt.Errorf("write %s revision: %w", kind, err)
	}
	return nil
}

func deleteRevisions(ctx context.Context, tx *Tx, kind string, id int64) error {
	if _, err := tx.Exec(ctx, "DELETE FROM revisions WHERE kind = ? AND record_id = ?", kind, id); err != nil {
		return fmt.Errorf("delete %s history: %w", kind, err)
	}
	return nil
}

// history returns the saved versions of one record, newest first.
func history[T any](ctx context.Context, q Querier, kind string, id int64) ([]store.Revision[T], error) {
	rows, err := q.Query(ctx, `SELECT version, action, data, edited_by, edited_by_name, edited_at
		FROM revisions WHERE kind = ? AND record_id = ? ORDER BY id DESC`, kind, id)
	if err != nil {
		return nil, fmt.Errorf("%s history: %w", kind, err)
	}
	defer rows.Close()
	var out []store.Revision[T]
	for rows.Next() {
		var r store.Revision[T]
		var data string
		var at int64
		if err := rows.Scan(&r.Version, &r.Action, &data, &r.EditedBy, &r.EditedByName, &at); err != nil {
			return nil, fmt.Errorf("%s history: %w", kind, err)
		}
		if err := json.Unmarshal([]byte(data), &r.Value); err != nil {
			return nil, fmt.Errorf("%s history: %w", kind, err)
		}
		r.EditedAt = FromNanos(at)
		out = append(out, r)
	}
	return out, rows.Err()
}
