package store

import (
	"cmp"
	"context"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Did-you-mean suggestions: the names and aliases close to what someone
// typed. A key (by [Key]) is close to the query q when, first match wins:
//
//   - it starts with q, or one of its words does (q of two bytes or more):
//     score len(key)-len(q);
//   - it contains q (q of three runes or more): 10+len(key)-len(q);
//   - q contains it (a key of three runes or more): 20+len(q)-len(key);
//   - it is within about one typo per four runes of q (at least one), by
//     [distance]: 100+10×typos.
//
// Lengths are in runes; a lower score is closer. Each term is suggested
// once, by its closest key (the smaller key on a tie), and the terms come
// closest first, then by key.
//
// A [SuggestIndex] finds them without comparing q with every key, and
// caps what one query may cost, so that a lookup takes about the same
// small time whatever is typed and however large the glossary.

const (
	// suggestQueryCap is the longest query, in runes, compared with keys
	// by prefix, containment and typos. Names and aliases have at most 80
	// runes, and a key within the typo limit of a query has at least four
	// fifths of its length, so a longer query can only contain keys.
	suggestQueryCap = 128
	// suggestScanCap bounds, in runes, the query searched for keys it
	// contains (an 8,000-character command line fits).
	suggestScanCap = 8192
	// suggestMaxVisits bounds the keys, posting entries and windows of
	// the query one search looks at.
	suggestMaxVisits = 50_000
	// suggestMaxCells bounds the edit-distance cells one search computes.
	suggestMaxCells = 1_000_000
)

// SuggestIndex finds the keys close to a query (see [SuggestIndex.Suggest])
// by looking only at the keys that can be: keys by length, the keys each
// padded trigram occurs in, the keys each word start occurs in, and the
// lengths of the keys each leading trigram starts. It is built once per
// glossary snapshot and never changed, so any number of lookups may share
// it.
type SuggestIndex struct {
	keys     []indexedKey       // by rune length, then key
	byKey    map[string]int32   // key → index in keys
	lenStart []int32            // lenStart[L]: index of the first key of at least L runes
	grams    map[uint64][]int32 // padded trigram → keys it occurs in, ascending
	words1   map[uint64][]int32 // first rune of a word → keys with such a word
	words2   map[uint64][]int32 // first two runes of a word → keys with such a word
	starts   map[uint64]lenSet  // first three runes → lengths of the keys starting so
	long     []int              // the lengths of keys too long for a lenSet, ascending
}

type indexedKey struct {
	key   string // by [Key]
	runes int
	tk    TermKey
}

// lenSet is a set of key lengths below lenSetLong; lenSetLong stands for
// every longer one.
type lenSet [2]uint64

const lenSetLong = 127

func (s *lenSet) add(l int) {
	l = min(l, lenSetLong)
	s[l/64] |= 1 << (l % 64)
}

// pack packs three runes (0: padding) into a map key.
func pack(a, b, c rune) uint64 { return uint64(a)<<42 | uint64(b)<<21 | uint64(c) }

// NewSuggestIndex indexes keys. Of two labels with the same key, the first
// is kept.
func NewSuggestIndex(keys []TermKey) *SuggestIndex {
	ks := make([]indexedKey, 0, len(keys))
	for _, k := range keys {
		if kk := Key(k.Label); kk != "" {
			ks = append(ks, indexedKey{key: kk, runes: utf8.RuneCountInString(kk), tk: k})
		}
	}
	slices.SortStableFunc(ks, func(a, b indexedKey) int {
		return cmp.Or(cmp.Compare(a.runes, b.runes), strings.Compare(a.key, b.key))
	})
	ks = slices.CompactFunc(ks, func(a, b indexedKey) bool { return a.key == b.key })
	x := &SuggestIndex{
		keys:   ks,
		byKey:  make(map[string]int32, len(ks)),
		grams:  map[uint64][]int32{},
		words1: map[uint64][]int32{},
		words2: map[uint64][]int32{},
		starts: map[uint64]lenSet{},
	}
	maxLen := 0
	if len(ks) > 0 {
		maxLen = ks[len(ks)-1].runes
	}
	x.lenStart = make([]int32, maxLen+2)
	for l, i := 0, 0; l <= maxLen+1; l++ {
		for i < len(ks) && ks[i].runes < l {
			i++
		}
		x.lenStart[l] = int32(i)
	}
	add := func(m map[uint64][]int32, g uint64, idx int32) {
		if p := m[g]; len(p) == 0 || p[len(p)-1] != idx {
			m[g] = append(p, idx)
		}
	}
	var rs []rune
	var gs []uint64
	for i, k := range ks {
		idx := int32(i)
		x.byKey[k.key] = idx
		rs = append(rs[:0], []rune(k.key)...)
		gs = paddedGrams(gs[:0], rs)
		for _, g := range gs {
			add(x.grams, g, idx)
		}
		for p, r := range rs {
			if r == ' ' || (p > 0 && rs[p-1] != ' ') {
				continue
			}
			add(x.words1, pack(r, 0, 0), idx)
			if p+1 < len(rs) && rs[p+1] != ' ' {
				add(x.words2, pack(r, rs[p+1], 0), idx)
			}
		}
		if len(rs) >= 3 {
			g := pack(rs[0], rs[1], rs[2])
			s := x.starts[g]
			s.add(len(rs))
			x.starts[g] = s
			if len(rs) >= lenSetLong && (len(x.long) == 0 || x.long[len(x.long)-1] != len(rs)) {
				x.long = append(x.long, len(rs))
			}
		}
	}
	return x
}

// paddedGrams appends the distinct trigrams of rs padded with two blanks
// at each end, sorted, to gs.
func paddedGrams(gs []uint64, rs []rune) []uint64 {
	at := func(i int) rune {
		if i < 0 || i >= len(rs) {
			return 0
		}
		return rs[i]
	}
	start := len(gs)
	for i := -2; i < len(rs); i++ {
		gs = append(gs, pack(at(i), at(i+1), at(i+2)))
	}
	slices.Sort(gs[start:])
	return slices.Compact(gs)
}

// Len returns the number of keys indexed.
func (x *SuggestIndex) Len() int { return len(x.keys) }

// Suggest returns up to n names or aliases close to typed, closest first.
// Its work is bounded whatever typed is: only the first 8,192 runes are
// searched for keys they contain, only a query of at most 128 runes is
// compared with keys in other ways, and past a fixed number of keys and
// edit-distance cells looked at (or once ctx is done) it returns the
// closest found so far.
func (x *SuggestIndex) Suggest(ctx context.Context, typed string, n int) []TermKey {
	out, _ := x.suggest(ctx, typed, n)
	return out
}

// suggestStats is the work one search did.
type suggestStats struct {
	visits, cells, scored int
	cut                   bool // stopped by a cap or ctx: the result may miss keys
}

func (x *SuggestIndex) suggest(ctx context.Context, typed string, n int) ([]TermKey, suggestStats) {
	s := search{x: x, ctx: ctx, top: topN{n: n}}
	if x == nil || n <= 0 || len(x.keys) == 0 {
		return nil, s.stats
	}
	q, qr := suggestQuery(typed)
	if len(qr) == 0 {
		return nil, s.stats
	}
	if len(qr) <= suggestQueryCap {
		s.prefixes(q, len(qr))
		s.wordPrefixes(q, qr)
		s.contains(q, qr)
	}
	s.containedIn(q, qr)
	if len(qr) <= suggestQueryCap {
		s.typos(q, qr)
	}
	return s.top.result(), s.stats
}

// suggestQuery returns typed by [Key], cut to suggestScanCap runes, as a
// string and as runes.
func suggestQuery(typed string) (string, []rune) {
	// Cut first so that Key's own work is bounded too.
	if len(typed) > 4*suggestScanCap {
		typed = typed[:4*suggestScanCap]
	}
	q := Key(typed)
	qr := []rune(q)
	if len(qr) > suggestScanCap {
		qr = qr[:suggestScanCap]
		q = string(qr)
	}
	return q, qr
}

// search is one query's state.
type search struct {
	x     *SuggestIndex
	ctx   context.Context
	top   topN
	stats suggestStats
	buf   scratch
}

// spend counts k visits and reports whether the search may go on.
func (s *search) spend(k int) bool {
	if s.stats.cut {
		return false
	}
	before := s.stats.visits
	s.stats.visits += k
	if s.stats.visits > suggestMaxVisits {
		s.stats.cut = true
	} else if before/1024 != s.stats.visits/1024 && s.ctx.Err() != nil {
		s.stats.cut = true
	}
	return !s.stats.cut
}

// from returns the index of the first key of at least l runes.
func (x *SuggestIndex) from(l int) int {
	if l <= 0 {
		return 0
	}
	if l >= len(x.lenStart) {
		return len(x.keys)
	}
	return int(x.lenStart[l])
}

// prefixes adds the keys starting with q, shortest first: each length's
// keys are sorted, so they are a run found by binary search.
func (s *search) prefixes(q string, m int) {
	x := s.x
	for l := m; l < len(x.lenStart)-1; l++ {
		if !s.top.admitsScore(l-m) || !s.spend(1) {
			return
		}
		lo, hi := x.from(l), x.from(l+1)
		i := lo + sort.Search(hi-lo, func(j int) bool { return x.keys[lo+j].key >= q })
		for ; i < hi && strings.HasPrefix(x.keys[i].key, q); i++ {
			if !s.top.admits(l-m, x.keys[i].key) || !s.spend(1) {
				break // the rest of this length is no closer
			}
			s.top.add(l-m, x.keys[i])
		}
	}
}

// wordPrefixes adds the keys with a word starting with q, from the keys
// with a word starting with its first one or two runes, shortest first.
func (s *search) wordPrefixes(q string, qr []rune) {
	if len(q) < 2 || strings.Contains(q, " ") {
		return
	}
	x := s.x
	var post []int32
	if len(qr) == 1 {
		post = x.words1[pack(qr[0], 0, 0)]
	} else {
		post = x.words2[pack(qr[0], qr[1], 0)]
	}
	s.walk(post, len(qr), 0, func(k indexedKey) (int, bool) {
		return k.runes - len(qr), hasWordPrefix(k.key, q)
	})
}

// contains adds the keys containing q: all of them have each trigram of
// q, so they are among the keys of its rarest trigram.
func (s *search) contains(q string, qr []rune) {
	if len(qr) < 3 {
		return
	}
	var post []int32
	for i := 0; i+3 <= len(qr); i++ {
		p, ok := s.x.grams[pack(qr[i], qr[i+1], qr[i+2])]
		if !ok {
			return
		}
		if post == nil || len(p) < len(post) {
			post = p
		}
	}
	s.walk(post, len(qr), 10, func(k indexedKey) (int, bool) {
		if strings.HasPrefix(k.key, q) || hasWordPrefix(k.key, q) {
			return 0, false // added by prefix already
		}
		return 10 + k.runes - len(qr), strings.Contains(k.key, q)
	})
}

// walk visits the keys of post of at least m runes, shortest first, until
// one with at least base+len-m cannot be among the closest: no later one
// can. match gives a key's score and whether it matches.
func (s *search) walk(post []int32, m, base int, match func(indexedKey) (int, bool)) {
	from := int32(s.x.from(m))
	i, _ := slices.BinarySearch(post, from)
	if !s.spend(1) {
		return
	}
	for ; i < len(post); i++ {
		k := s.x.keys[post[i]]
		if !s.top.admits(base+k.runes-m, k.key) || !s.spend(1) {
			return
		}
		if score, ok := match(k); ok {
			s.top.add(score, k)
		}
	}
}

// containedIn adds the keys q contains: at each position, only the
// lengths of the keys starting with the trigram there are looked up.
func (s *search) containedIn(q string, qr []rune) {
	m := len(qr)
	if m < 3 {
		return
	}
	x := s.x
	offs := make([]int32, 0, m+1) // byte offset of each rune of q
	for i := range q {
		offs = append(offs, int32(i))
	}
	offs = append(offs, int32(len(q)))
	try := func(i, l int) bool {
		score := 20 + m - l
		if l == m {
			score = 0 // q itself
		}
		if l > m-i || !s.top.admitsScore(score) {
			return true
		}
		if !s.spend(1) {
			return false
		}
		if idx, ok := x.byKey[q[offs[i]:offs[i+l]]]; ok {
			s.top.add(score, x.keys[idx])
		}
		return true
	}
	for i := 0; i+3 <= m; i++ {
		if !s.spend(1) {
			return
		}
		set, ok := x.starts[pack(qr[i], qr[i+1], qr[i+2])]
		if !ok {
			continue
		}
		// Longest first: the longer a key, the closer.
		const longBit = 1 << (lenSetLong % 64)
		if set[1]&longBit != 0 {
			for j := len(x.long) - 1; j >= 0; j-- {
				if !try(i, x.long[j]) {
					return
				}
			}
		}
		for w := 1; w >= 0; w-- {
			b := set[w]
			if w == 1 {
				b &^= longBit
			}
			for b != 0 {
				hi := bits.Len64(b) - 1
				b &^= 1 << hi
				if !try(i, w*64+hi) {
					return
				}
			}
		}
	}
}

// typos adds the keys within the typo limit of q. Such a key's length is
// within the limit of q's, and it shares all but 4 per typo of q's padded
// trigrams (an edit changes at most 4 of them: a transposition): the keys
// of the right lengths are counted in the postings of those trigrams, and
// the ones with enough get an edit distance, those sharing most first.
func (s *search) typos(q string, qr []rune) {
	m := len(qr)
	x := s.x
	maxD := max(1, m/4)
	if s.top.full() {
		maxD = min(maxD, (s.top.worst().score-100)/10)
	}
	if maxD < 1 {
		return
	}
	// The lengths whose limit lets them be close: at most maxD from m,
	// and no further than their own limit.
	kmin := max(1, m-maxD)
	for kmin < m && m-kmin > max(1, min(m, kmin)/4) {
		kmin++
	}
	kmax := m + min(maxD, max(1, m/4))
	lo, hi := x.from(kmin), x.from(kmax+1)
	if lo >= hi {
		return
	}
	limit := func(l int) int { return min(maxD, max(1, min(m, l)/4)) }
	gs := paddedGrams(nil, qr)
	need := func(l int) int { return len(gs) - 4*limit(l) }

	type cand struct{ idx, shared int32 }
	var cands []cand
	cnt := newCounter(hi - lo)
	var touched []int32 // the keys sharing a trigram, in the order first seen
	for _, g := range gs {
		post := x.grams[g]
		a, _ := slices.BinarySearch(post, int32(lo))
		b, _ := slices.BinarySearch(post[a:], int32(hi))
		if !s.spend(1 + b) {
			break // score what is counted
		}
		for _, idx := range post[a : a+b] {
			if cnt.inc(int(idx)-lo) == 1 {
				touched = append(touched, idx)
			}
		}
	}
	for _, idx := range touched {
		c := cnt.get(int(idx) - lo)
		if c >= need(x.keys[idx].runes) {
			cands = append(cands, cand{idx, int32(c)})
		}
	}
	for l := kmin; l <= kmax; l++ {
		if need(l) > 0 {
			continue
		}
		// Short enough to be close sharing no trigram at all.
		for idx := x.from(l); idx < x.from(l+1); idx++ {
			if cnt.get(idx-lo) > 0 {
				continue // a candidate already
			}
			if !s.spend(1) {
				break
			}
			cands = append(cands, cand{int32(idx), 0})
		}
	}
	slices.SortFunc(cands, func(a, b cand) int { return cmp.Or(cmp.Compare(b.shared, a.shared), cmp.Compare(a.idx, b.idx)) })
	for _, c := range cands {
		k := x.keys[c.idx]
		d := limit(k.runes)
		if s.top.full() {
			d = min(d, (s.top.worst().score-100)/10)
		}
		if d < 1 || abs(m-k.runes) > d {
			continue
		}
		if s.stats.cells+m*k.runes > suggestMaxCells || s.ctx.Err() != nil {
			s.stats.cut = true
			return
		}
		s.stats.cells += m * k.runes
		s.stats.scored++
		if score, ok := closeness(q, qr, k.key, s.buf.runes(k.key), d, &s.buf); ok {
			s.top.add(score, k)
		}
	}
}

// SuggestScan is [SuggestIndex.Suggest] over keys without an index: it
// compares what was typed with every key, so its work grows with the
// keys, but per key it is bounded (a query longer than 128 runes is cut
// there and only searched for keys it contains), it stops computing edit
// distances past a fixed number of cells, and it stops, with the closest
// found so far, once ctx is done.
func SuggestScan(ctx context.Context, typed string, keys []TermKey, n int) []TermKey {
	out, _ := suggestScan(ctx, typed, keys, n)
	return out
}

func suggestScan(ctx context.Context, typed string, keys []TermKey, n int) ([]TermKey, suggestStats) {
	var st suggestStats
	top := topN{n: n}
	if n <= 0 {
		return nil, st
	}
	q, qr := suggestQuery(typed)
	if len(qr) == 0 {
		return nil, st
	}
	m := len(qr)
	long := m > suggestQueryCap
	if long {
		qr = qr[:suggestQueryCap]
		q = string(qr)
	}
	var buf scratch
	for i, k := range keys {
		if i%256 == 0 && ctx.Err() != nil {
			st.cut = true
			break
		}
		st.visits++
		kk := keyOf(k.Label)
		if kk == "" {
			continue
		}
		kr := buf.runes(kk)
		ik := indexedKey{key: kk, runes: len(kr), tk: k}
		if long {
			// Only a key the query contains can be close.
			if len(kr) >= 3 && strings.Contains(q, kk) {
				top.add(20+m-len(kr), ik)
			}
			continue
		}
		if score, ok := containment(q, m, kk, len(kr)); ok {
			top.add(score, ik)
			continue
		}
		limit := max(1, min(m, len(kr))/4)
		if abs(m-len(kr)) > limit {
			continue
		}
		if st.cells+m*len(kr) > suggestMaxCells {
			st.cut = true
			continue
		}
		st.cells += m * len(kr)
		st.scored++
		if d := buf.distance(qr, kr, limit); d <= limit {
			top.add(100+10*d, ik)
		}
	}
	return top.result(), st
}

// closeness scores how near key (kr its runes) is to the query q (qr its
// runes), and reports whether it is near enough to suggest at all. Typos
// count up to limit, which is at most about one per four runes.
func closeness(q string, qr []rune, key string, kr []rune, limit int, buf *scratch) (int, bool) {
	m, l := len(qr), len(kr)
	if score, ok := containment(q, m, key, l); ok {
		return score, true
	}
	limit = min(limit, max(1, min(m, l)/4))
	if abs(m-l) > limit {
		return 0, false
	}
	d := buf.distance(qr, kr, limit)
	if d > limit {
		return 0, false
	}
	return 100 + 10*d, true
}

// containment scores key (of l runes) against the query q (of m runes)
// if one starts with or contains the other.
func containment(q string, m int, key string, l int) (int, bool) {
	switch {
	case strings.HasPrefix(key, q) || hasWordPrefix(key, q):
		return l - m, true
	case m >= 3 && strings.Contains(key, q):
		return 10 + l - m, true
	case l >= 3 && strings.Contains(q, key):
		return 20 + m - l, true
	}
	return 0, false
}

// hasWordPrefix reports whether a word of key starts with q, of at least
// two bytes.
func hasWordPrefix(key, q string) bool {
	if len(q) < 2 {
		return false
	}
	for key != "" {
		w, rest, _ := strings.Cut(key, " ")
		if strings.HasPrefix(w, q) {
			return true
		}
		key = rest
	}
	return false
}

// scratch is the memory one search reuses for every key.
type scratch struct {
	rs               []rune
	prev2, prev, cur []int
}

// runes returns the runes of s, valid until the next call.
func (b *scratch) runes(s string) []rune {
	b.rs = b.rs[:0]
	for _, r := range s {
		b.rs = append(b.rs, r)
	}
	return b.rs
}

// distance is the Damerau–Levenshtein (optimal string alignment) distance
// between a and b, giving up with limit+1 once it must exceed limit.
func distance(a, b []rune, limit int) int {
	var buf scratch
	return buf.distance(a, b, limit)
}

func (buf *scratch) distance(a, b []rune, limit int) int {
	grow := func(s []int) []int {
		if cap(s) < len(b)+1 {
			return make([]int, len(b)+1)
		}
		return s[:len(b)+1]
	}
	prev2, prev, cur := grow(buf.prev2), grow(buf.prev), grow(buf.cur)
	defer func() { buf.prev2, buf.prev, buf.cur = prev2, prev, cur }()
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

// topN keeps the n closest terms seen, each by its closest key, in order.
type topN struct {
	n int
	c []topCand
}

type topCand struct {
	score int
	key   indexedKey
}

func closer(score int, key string, c topCand) bool {
	return score < c.score || score == c.score && key < c.key.key
}

func (t *topN) full() bool     { return len(t.c) >= t.n }
func (t *topN) worst() topCand { return t.c[len(t.c)-1] }
func (t *topN) admitsScore(score int) bool {
	return !t.full() || score <= t.worst().score
}

// admits reports whether a key with that score may be among the closest:
// a term's score only ever goes down, so one that is not now never is.
func (t *topN) admits(score int, key string) bool {
	return !t.full() || closer(score, key, t.worst())
}

func (t *topN) add(score int, k indexedKey) {
	for i, c := range t.c {
		if c.key.tk.TermID == k.tk.TermID {
			if closer(score, k.key, c) {
				t.c[i] = topCand{score, k}
				t.sort()
			}
			return
		}
	}
	if !t.admits(score, k.key) {
		return
	}
	t.c = append(t.c, topCand{score, k})
	t.sort()
	if len(t.c) > t.n {
		t.c = t.c[:t.n]
	}
}

func (t *topN) sort() {
	slices.SortFunc(t.c, func(a, b topCand) int {
		return cmp.Or(cmp.Compare(a.score, b.score), strings.Compare(a.key.key, b.key.key))
	})
}

func (t *topN) result() []TermKey {
	if len(t.c) == 0 {
		return nil
	}
	out := make([]TermKey, len(t.c))
	for i, c := range t.c {
		out[i] = c.key.tk
	}
	return out
}

// keyOf returns [Key] of s, without building a string when s is one
// already (lower-case ASCII, single spaces between words).
func keyOf(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || c < ' ' || 'A' <= c && c <= 'Z' ||
			c == ' ' && (i == 0 || i == len(s)-1 || s[i+1] == ' ') {
			return Key(s)
		}
	}
	return s
}

// counter counts per key of a window: in a slice when the window is small
// enough to clear cheaply, else in a map.
type counter struct {
	s []uint16
	m map[int]uint16
}

func newCounter(n int) counter {
	if n <= 1<<16 {
		return counter{s: make([]uint16, n)}
	}
	return counter{m: map[int]uint16{}}
}

func (c counter) inc(i int) int {
	if c.s != nil {
		c.s[i]++
		return int(c.s[i])
	}
	c.m[i]++
	return int(c.m[i])
}

func (c counter) get(i int) int {
	if c.s != nil {
		return int(c.s[i])
	}
	return int(c.m[i])
}
