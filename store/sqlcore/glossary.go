package sqlcore

import (
	"context"
	"fmt"
	"log/slog"

	"smarketing/store"
)

// NewGlossary returns db's glossary copy, read from its terms (limit as for
// [store.NewGlossaryCopy]), which [DB.Term], [DB.TermByID] then read first.
// The backend loads it, watches it, reloads it after a commit that changed
// the terms ([Tx.TermsChanged]), and closes it.
func NewGlossary(db *DB, log *slog.Logger, limit int) *store.GlossaryCopy {
	db.glossary = store.NewGlossaryCopy(glossarySource{db}, log, limit)
	return db.glossary
}

// readTermsVersion reads the counter every change to the terms moves on.
const readTermsVersion = "SELECT n FROM terms_version"

// glossarySource reads the glossary for the copy.
type glossarySource struct{ db *DB }

func (g glossarySource) GlossaryVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := g.db.pool().QueryRow(ctx, readTermsVersion).Scan(&v); err != nil {
		return 0, fmt.Errorf("read terms version: %w", err)
	}
	return v, nil
}

func (g glossarySource) ReadGlossary(ctx context.Context) (version int64, terms []store.Term, keys map[string]int64, err error) {
	err = g.db.read(ctx, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, readTermsVersion).Scan(&version); err != nil {
			return fmt.Errorf("read terms version: %w", err)
		}
		var err error
		if terms, err = ListTerms(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT key, term_id FROM term_keys")
		if err != nil {
			return fmt.Errorf("list term keys: %w", err)
		}
		defer rows.Close()
		keys = map[string]int64{}
		for rows.Next() {
			var key string
			var id int64
			if err := rows.Scan(&key, &id); err != nil {
				return fmt.Errorf("list term keys: %w", err)
			}
			keys[key] = id
		}
		return rows.Err()
	})
	return version, terms, keys, err
}

func foundErr(found bool) error {
	if !found {
		return store.ErrNotFound
	}
	return nil
}
