package sqlcore

import (
	"context"

	"smarketing/store"
)

// SuggestTerms returns up to n names or aliases close to typed, closest
// first, from the glossary copy ([store.GlossaryCopy.Suggest]). ok is false
// when the copy cannot answer: then read [DB.TermKeys].
func (db *DB) SuggestTerms(ctx context.Context, typed string, n int) (keys []store.TermKey, ok bool) {
	return db.glossary.Suggest(ctx, typed, n)
}
