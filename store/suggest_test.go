package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// suggestWords make up the names of a generated glossary.
var suggestWords = strings.Fields(`marketing qualified lead sales accepted opportunity pipeline churn
	retention customer acquisition cost lifetime value revenue annual recurring monthly
	net promoter score conversion rate funnel top middle bottom campaign attribution
	multi touch first last click impression reach frequency engagement bounce session
	landing page call action persona segment cohort account based intent signal
	inbound outbound nurture drip email newsletter webinar event trade show partner
	channel reseller referral affiliate organic paid search social display video
	content syndication gated ungated asset whitepaper ebook case study demo trial
	freemium onboarding activation adoption expansion upsell cross sell renewal
	forecast quota territory handoff service level agreement velocity stage win
	loss reason deal size discount margin pricing tier bundle package launch
	positioning messaging brand awareness share voice sentiment analyst relations
	public étude marché données clé cœur naïve straße ångström`)

// glossaryKeys generates n terms with realistic names (one to four words,
// unique by Key) and aliases (an acronym for some, a second form for a
// few), as TermKeys lists them.
func glossaryKeys(n int, seed uint64) []TermKey {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	seen := map[string]bool{}
	var keys []TermKey
	for id := int64(1); len(keys) < 2*n && id <= int64(n); {
		words := make([]string, 1+rng.IntN(4))
		for i := range words {
			words[i] = suggestWords[rng.IntN(len(suggestWords))]
			if rng.IntN(3) == 0 {
				words[i] = strings.ToUpper(words[i][:1]) + words[i][1:]
			}
		}
		name := strings.Join(words, " ")
		if seen[Key(name)] {
			name += fmt.Sprintf(" %d", id)
			if seen[Key(name)] {
				continue
			}
		}
		seen[Key(name)] = true
		keys = append(keys, TermKey{Label: name, TermID: id, Name: name})
		if len(words) > 1 && rng.IntN(2) == 0 {
			var acr strings.Builder
			for _, w := range words {
				r, _ := utf8.DecodeRuneInString(w)
				acr.WriteRune(r)
			}
			a := strings.ToUpper(acr.String())
			if rng.IntN(4) == 0 {
				a += fmt.Sprint(rng.IntN(100))
			}
			if !seen[Key(a)] {
				seen[Key(a)] = true
				keys = append(keys, TermKey{Label: a, TermID: id, Name: name})
			}
		}
		if rng.IntN(10) == 0 {
			a := strings.ReplaceAll(name, " ", "-")
			if !seen[Key(a)] {
				seen[Key(a)] = true
				keys = append(keys, TermKey{Label: a, TermID: id, Name: name})
			}
		}
		id++
	}
	return keys
}

// referenceSuggest compares typed with every key: the definition the
// index must give the same answers as. keys come in Key order, as
// TermKeys lists them; a term keeps the first of its closest keys.
func referenceSuggest(typed string, keys []TermKey, n int) []TermKey {
	q := Key(typed)
	if q == "" || n <= 0 {
		return nil
	}
	keys = slices.Clone(keys)
	slices.SortStableFunc(keys, func(a, b TermKey) int { return strings.Compare(Key(a.Label), Key(b.Label)) })
	qr := []rune(q)
	type cand struct {
		key   TermKey
		score int
	}
	best := map[int64]cand{}
	for _, k := range keys {
		kk := Key(k.Label)
		kr := []rune(kk)
		var score int
		switch {
		case strings.HasPrefix(kk, q) || refWordPrefix(kk, q):
			score = len(kr) - len(qr)
		case len(qr) >= 3 && strings.Contains(kk, q):
			score = 10 + len(kr) - len(qr)
		case len(kr) >= 3 && strings.Contains(q, kk):
			score = 20 + len(qr) - len(kr)
		default:
			limit := max(1, min(len(qr), len(kr))/4)
			if abs(len(qr)-len(kr)) > limit {
				continue
			}
			d := distance(qr, kr, limit)
			if d > limit {
				continue
			}
			score = 100 + 10*d
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
		return Key(out[i].key.Label) < Key(out[j].key.Label)
	})
	if len(out) > n {
		out = out[:n]
	}
	var res []TermKey
	for _, c := range out {
		res = append(res, c.key)
	}
	return res
}

func refWordPrefix(key, q string) bool {
	for _, w := range strings.Fields(key) {
		if strings.HasPrefix(w, q) && len(q) >= 2 {
			return true
		}
	}
	return false
}

// typo applies k random edits (insert, delete, substitute, transpose).
func typo(rng *rand.Rand, s string, k int) string {
	rs := []rune(s)
	letters := []rune("abcdefghijklmnopqrstuvwxyzé ")
	for range k {
		if len(rs) == 0 {
			rs = append(rs, letters[rng.IntN(len(letters))])
			continue
		}
		i := rng.IntN(len(rs))
		switch rng.IntN(4) {
		case 0:
			rs = slices.Insert(rs, i, letters[rng.IntN(len(letters))])
		case 1:
			rs = slices.Delete(rs, i, i+1)
		case 2:
			rs[i] = letters[rng.IntN(len(letters))]
		case 3:
			if i+1 < len(rs) {
				rs[i], rs[i+1] = rs[i+1], rs[i]
			}
		}
	}
	return string(rs)
}

// suggestQueries are ordinary and odd queries against keys: typos,
// prefixes, word prefixes, pieces, texts containing keys, random letters.
func suggestQueries(rng *rand.Rand, keys []TermKey, count int) []string {
	qs := []string{"", " ", "a", "m", "é", "xy", "zebra", "lead", "qual", "our CAC figure", "ÉTUDE",
		"  sales   qualified  ", strings.Repeat("a", 200), "\xff\xfe lead"}
	for len(qs) < count {
		k := keys[rng.IntN(len(keys))].Label
		rs := []rune(k)
		switch rng.IntN(9) {
		case 0:
			qs = append(qs, typo(rng, k, 1))
		case 1:
			qs = append(qs, typo(rng, k, 1+rng.IntN(4)))
		case 2:
			qs = append(qs, string(rs[:1+rng.IntN(len(rs))]))
		case 3:
			w := strings.Fields(k)
			last := w[len(w)-1]
			qs = append(qs, last[:min(len(last), 1+rng.IntN(4))])
		case 4:
			i := rng.IntN(len(rs))
			qs = append(qs, string(rs[i:min(len(rs), i+3+rng.IntN(6))]))
		case 5:
			qs = append(qs, "the "+k+" figure")
		case 6:
			b := make([]byte, 1+rng.IntN(12))
			for i := range b {
				b[i] = byte('a' + rng.IntN(26))
			}
			qs = append(qs, string(b))
		case 7:
			qs = append(qs, strings.ToUpper(typo(rng, k, 1)))
		case 8:
			qs = append(qs, k+" "+keys[rng.IntN(len(keys))].Label)
		}
	}
	return qs
}

func sameKeys(a, b []TermKey) bool { return slices.Equal(a, b) }

// The index and the scan give exactly what comparing with every key gives.
func TestSuggestIndexMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, size := range []int{0, 1, 30, 2000} {
		keys := glossaryKeys(size, uint64(size))
		x := NewSuggestIndex(keys)
		ref := slices.Clone(keys)
		slices.SortStableFunc(ref, func(a, b TermKey) int { return strings.Compare(Key(a.Label), Key(b.Label)) })
		queries := []string{"lead", "xy"}
		if len(keys) > 0 {
			// The reference compares with every key: fewer queries on the
			// large glossary keep the test quick under -race.
			queries = suggestQueries(rng, keys, min(300, 100_000/len(keys)))
		}
		for _, q := range queries {
			for _, n := range []int{1, 5} {
				want := referenceSuggest(q, keys, n)
				got, st := x.suggest(context.Background(), q, n)
				if st.cut {
					t.Fatalf("%d keys: suggest(%q, %d) cut short: %+v", len(keys), q, n, st)
				}
				if !sameKeys(got, want) {
					t.Fatalf("%d keys: index suggest(%q, %d) = %v, want %v", len(keys), q, n, got, want)
				}
				scan, st := suggestScan(context.Background(), q, ref, n)
				if st.cut {
					t.Fatalf("%d keys: scan(%q, %d) cut short: %+v", len(keys), q, n, st)
				}
				if !sameKeys(scan, want) {
					t.Fatalf("%d keys: scan suggest(%q, %d) = %v, want %v", len(keys), q, n, scan, want)
				}
			}
		}
	}
}

// The same on a glossary of 10,000 terms, for fewer queries.
func TestSuggestIndexMatchesReferenceLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("slow reference")
	}
	keys := glossaryKeys(10_000, 10)
	x := NewSuggestIndex(keys)
	rng := rand.New(rand.NewPCG(9, 10))
	for _, q := range suggestQueries(rng, keys, 20) {
		want := referenceSuggest(q, keys, 5)
		got, st := x.suggest(context.Background(), q, 5)
		if st.cut {
			// The cap on edit-distance cells may leave out a far typo.
			t.Logf("suggest(%q) cut short: %+v", q, st)
			continue
		}
		if !sameKeys(got, want) {
			t.Fatalf("suggest(%q) = %v, want %v", q, got, want)
		}
	}
}

// adversarialQueries are the inputs that cost most: long, repeated,
// invalid, and made of the keys themselves.
func adversarialQueries(keys []TermKey) map[string]string {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 7990)
	for i := range random {
		random[i] = byte('a' + rng.IntN(27))
		if random[i] > 'z' {
			random[i] = ' '
		}
	}
	invalid := make([]byte, 8000)
	for i := range invalid {
		invalid[i] = byte(0x80 + rng.IntN(0x40))
	}
	var names strings.Builder
	for i := 0; names.Len() < 8000; i++ {
		names.WriteString(keys[i%len(keys)].Label)
	}
	var glued strings.Builder
	for i := 0; glued.Len() < 8000; i++ {
		glued.WriteString(Key(keys[(i*7919)%len(keys)].Label))
		glued.WriteByte(' ')
	}
	return map[string]string{
		"short typo":        "pipelien",
		"20 chars":          "marketing qualifid l",
		"200 chars":         string(random[:200]),
		"7990 random chars": string(random),
		"8000 a":            strings.Repeat("a", 8000),
		"8000 invalid":      string(invalid),
		"names glued":       names.String()[:8000],
		"names spaced":      glued.String()[:8000],
		"128 chars of keys": glued.String()[:128],
	}
}

// Whatever is typed, a search does bounded work; and where it was not cut
// short it still gives the reference's answer.
func TestSuggestBounded(t *testing.T) {
	keys := glossaryKeys(10_000, 10)
	x := NewSuggestIndex(keys)
	ref := slices.Clone(keys)
	slices.SortStableFunc(ref, func(a, b TermKey) int { return strings.Compare(Key(a.Label), Key(b.Label)) })
	for name, q := range adversarialQueries(keys) {
		t.Run(name, func(t *testing.T) {
			got, st := x.suggest(context.Background(), q, 5)
			if st.visits > suggestMaxVisits+len(x.lenStart) || st.cells > suggestMaxCells {
				t.Fatalf("index: %+v, over the caps", st)
			}
			_, sst := suggestScan(context.Background(), q, ref, 5)
			if sst.cells > suggestMaxCells {
				t.Fatalf("scan: %+v, over the caps", sst)
			}
			if !st.cut && len(q) <= 4*suggestScanCap {
				if want := referenceSuggest(q, keys, 5); !sameKeys(got, want) {
					t.Fatalf("suggest = %v, want %v (%+v)", got, want, st)
				}
			}
			t.Logf("%+v", st)
		})
	}
}

// A glossary built to defeat the filters (every key starts with the same
// trigram, every length is there) still caps the work.
func TestSuggestBoundedAdversarialGlossary(t *testing.T) {
	var keys []TermKey
	for i := range 20_000 {
		l := 3 + i%78
		keys = append(keys, TermKey{Label: strings.Repeat("a", l-1) + string(rune('a'+i/78%26)) + fmt.Sprint(i), TermID: int64(i + 1)})
	}
	x := NewSuggestIndex(keys)
	for _, q := range []string{strings.Repeat("a", 8000), strings.Repeat("a", 100), "aaaa", "a", "aab"} {
		_, st := x.suggest(context.Background(), q, 5)
		if st.visits > suggestMaxVisits+len(x.lenStart) || st.cells > suggestMaxCells {
			t.Fatalf("suggest(%.10q…): %+v, over the caps", q, st)
		}
	}
}

// A search stops once its context is done.
func TestSuggestStopsWhenDone(t *testing.T) {
	keys := glossaryKeys(10_000, 10)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, st := suggestScan(ctx, "pipelien", keys, 5); !st.cut || st.visits > 1 {
		t.Fatalf("scan after cancel: %+v, want cut at once", st)
	}
	x := NewSuggestIndex(keys)
	if _, st := x.suggest(ctx, strings.Repeat("lead pipeline ", 500), 5); !st.cut {
		t.Fatalf("index after cancel: %+v, want cut", st)
	}
}

func TestKeyOf(t *testing.T) {
	for _, s := range []string{"", "a", "mql", "Mql", " a", "a ", "a  b", "a b", "a\tb", "étude", "x-y_z 9", "\xff"} {
		if got, want := keyOf(s), Key(s); got != want {
			t.Errorf("keyOf(%q) = %q, want %q", s, got, want)
		}
	}
}
