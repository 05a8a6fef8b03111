package commands

import (
	"context"
	"time"

	"smarketing/store"
)

// suggest returns up to n names or aliases close to what the user typed:
// ones containing it (or contained in it) first, then ones within a few
// typos, one entry per term ([store.SuggestScan]).
func suggest(typed string, keys []store.TermKey, n int) []store.TermKey {
	return store.SuggestScan(context.Background(), typed, keys, n)
}

// suggestBudget bounds the time a did-you-mean search may take before the
// answer goes out without suggestions (or with those found so far): the
// answer rides in the ack, which Slack wants within 3 s.
const suggestBudget = 250 * time.Millisecond

// suggestTerms returns up to n names or aliases close to typed, within
// [suggestBudget]. Running out of time is not an error: the answer then
// suggests what was found.
func (h *Handler) suggestTerms(ctx context.Context, typed string, n int) ([]store.TermKey, error) {
	ctx, cancel := context.WithTimeout(ctx, suggestBudget)
	defer cancel()
	return h.db.SuggestTerms(ctx, typed, n)
}
