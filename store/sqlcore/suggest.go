package sqlcore

import (
	"context"

	"smarketing/store"
)

// SuggestTerms returns up to n names or aliases close to typed, closest
// first: from the glossary copy's index ([store.GlossaryCopy.Suggest]), or,
// while the copy cannot answer (not loaded yet, or too big to keep), by
// reading every key and comparing ([store.SuggestScan]). When ctx ends
// first it returns what it found, or nothing, and no error.
func (db *DB) SuggestTerms(ctx context.Context, typed string, n int) ([]store.TermKey, error) {
	if keys, ok := db.glossary.Suggest(ctx, typed, n); ok {
		return keys, nil
	}
	keys, err := db.TermKeys(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil
		}
		return nil, err
	}
	return store.SuggestScan(ctx, typed, keys, n), nil
}
