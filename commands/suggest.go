package commands

import (
	"sort"
	"strings"

	"smarketing/store"
)

// suggest returns up to n names or aliases close to what the user typed:
// ones containing it (or contained in it) first, then ones within a few
// typos, one entry per term.
func suggest(typed string, keys []store.TermKey, n int) []store.TermKey {
	q := store.Key(typed)
	if q == "" {
		return nil
	}
	qr := []rune(q)
	type cand struct {
		key   store.TermKey
		score int // lower is closer
	}
	best := map[int64]cand{}
	for _, k := range keys {
		kk := store.Key(k.Label)
		score, ok := closeness(qr, kk)
		if !ok {
			continue
		}
		if c, seen := best[k.TermID]; !seen || score < c.score {
			best[k.TermID] = cand{k, score}
		}
	}
	out := make([]cand, 0, len(best))
	for _, c := range best {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].score != out[j].score {
			return out[i].score < out[j].score
		}
		return store.Key(out[i].key.Label) < store.Key(out[j].key.Label)
	})
	if len(out) > n {
		out = out[:n]
	}
	res := make([]store.TermKey, len(out))
	for i, c := range out {
		res[i] = c.key
	}
	return res
}

// closeness scores how near key is to the typed query q, and reports whether
// it is near enough to suggest at all.
func closeness(q []rune, key string) (int, bool) {
	k := []rune(key)
	switch {
	case strings.HasPrefix(key, string(q)) || hasWordPrefix(key, string(q)):
		return len(k) - len(q), true
	case len(q) >= 3 && strings.Contains(key, string(q)):
		return 10 + len(k) - len(q), true
	case len(k) >= 3 && strings.Contains(string(q), key):
		return 20 + len(q) - len(k), true
	}
	// Allow about one typo per four characters; at least one.
	limit := max(1, min(len(q), len(k))/4)
	if abs(len(q)-len(k)) > limit {
		return 0, false
	}
	d := distance(q, k, limit)
	if d > limit {
		return 0, false
	}
	return 100 + 10*d, true
}

func hasWordPrefix(key, q string) bool {
	for _, w := range strings.Fields(key) {
		if strings.HasPrefix(w, q) && len(q) >= 2 {
			return true
		}
	}
	return false
}

// distance is the Damerau–Levenshtein (optimal string alignment) distance
// between a and b, giving up with limit+1 once it must exceed limit.
func distance(a, b []rune, limit int) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
