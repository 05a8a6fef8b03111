package sqlcore

import (
	"context"
	"fmt"
	"time"

	"smarketing/store"
)

// Changes returns the terms and personas created or edited in [from, to)
// that still exist, terms first, by name.
func (db *DB) Changes(ctx context.Context, from, to time.Time) ([]store.Change, error) {
	rows, err := db.pool().Query(ctx, `SELECT r.kind, MIN(COALESCE(t.name, p.name)), MIN(r.action)
		FROM revisions r
		LEFT JOIN terms t ON r.kind = 'term' AND t.id = r.record_id
		LEFT JOIN personas p ON r.kind = 'persona' AND p.id = r.record_id
		WHERE r.edited_at >= ? AND r.edited_at < ? AND COALESCE(t.id, p.id) IS NOT NULL
		GROUP BY r.kind, r.record_id ORDER BY r.kind, r.record_id`, Nanos(from), Nanos(to))
	if err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	defer rows.Close()
	var out []store.Change
	for rows.Next() {
		var c store.Change
		if err := rows.Scan(&c.Kind, &c.Name, &c.Action); err != nil {
			return nil, fmt.Errorf("changes: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	store.SortChanges(out)
	return out, nil
}
