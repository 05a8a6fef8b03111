package postgres

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"smarketing/store"
)

// Full-text search. A term's document is a tsvector (terms.search, GIN
// indexed): the words of its name at weight A, of its aliases at B, of its
// definition at C. A search matches the terms whose document has every word
// of the search as a prefix ('w':* & ...), and ranks them by
// [store.SearchScore], as SQLite does, from what the documents say: how
// often each word occurs in each column of a term, how long the columns
// are, and in how many terms each word occurs per column. (ts_rank was
// tried first: it knows neither how rare a word is nor how long a column
// is, so a search for "lead" put "Lead scoring", whose definition says lead
// again, before the term "Lead" — not what SQLite answers.)
//
// The words are made here, in Go, not by to_tsvector: PostgreSQL's parser
// keeps "user@example.com", "3.14" or "e-mail" whole (SQLite's unicode61
// splits them into words), and its lower() and its idea of a letter follow
// the database's locale. What SQLite's FTS4 unicode61 tokenizer does is
// done here instead — a word is a run of letters and numbers, folded to
// lower case (ς as σ), with the diacritics of Latin letters removed
// ("café" finds "Cafe") — and handed to PostgreSQL as tsvector and tsquery
// literals, which it takes as they are: the same words match on both
// backends, whatever the server's locale, and user text never reaches a
// query parser.

// PostgreSQL's limits on a tsvector: a lexeme's bytes, positions (larger
// ones are stored as the largest) and positions kept per lexeme.
const (
	maxLexemeBytes   = 2046
	maxPosition      = 16383
	maxLexemePosting = 256
)

// words splits a text into its indexed words, as unicode61 does.
func words(text string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(text, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !isCombiningMark(r)
	}) {
		if w = fold(w); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// isCombiningMark reports whether r is a combining diacritical mark, which
// unicode61 keeps inside a word (and then drops).
func isCombiningMark(r rune) bool { return r >= 0x300 && r <= 0x36f }

// fold case-folds a word rune by rune (as [store.Key] does) and removes the
// diacritic of a Latin letter that carries one, as unicode61's
// remove_diacritics=1: "Café" is "cafe", "ł" and "й" stay.
func fold(w string) string {
	var b strings.Builder
	for _, r := range w {
		if isCombiningMark(r) {
			continue
		}
		r = unicode.ToLower(unicode.ToUpper(r))
		if isLatin(r) && r >= 0xc0 {
			if d := []rune(norm.NFD.String(string(r))); len(d) == 2 && d[0] < 0x80 && isCombiningMark(d[1]) {
				r = d[0]
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isLatin(r rune) bool { return r < 0x250 || (r >= 0x1e00 && r <= 0x1eff) }

// searchDocument returns a term's tsvector as a literal.
func searchDocument(name string, aliases []string, definition string) string {
	type posting struct{ pos []string }
	lexemes := map[string]*posting{}
	pos := 0
	add := func(text string, weight byte) {
		for _, w := range words(text) {
			pos++
			if len(w) > maxLexemeBytes {
				continue // PostgreSQL cannot index it; nobody types it
			}
			p := lexemes[w]
			if p == nil {
				p = &posting{}
				lexemes[w] = p
			}
			if len(p.pos) < maxLexemePosting {
				p.pos = append(p.pos, strconv.Itoa(min(pos, maxPosition))+string(weight))
			}
		}
	}
	add(name, 'A')
	for _, a := range aliases {
		add(a, 'B')
	}
	add(definition, 'C')
	keys := make([]string, 0, len(lexemes))
	for w := range lexemes {
		keys = append(keys, w)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, w := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(quoteLexeme(w))
		b.WriteByte(':')
		b.WriteString(strings.Join(lexemes[w].pos, ","))
	}
	return b.String()
}

// search is one search: its words, as the documents have them.
type search struct {
	words []string
	match string // the tsquery: every word as a prefix
	// none is set when a word is longer than any word a document holds:
	// the search matches nothing (dropping the word would match more).
	none bool
}

// newSearch returns the search for text, and false when it has no word.
func newSearch(text string) (search, bool) {
	var s search
	var parts []string
	for _, w := range store.SearchWords(text) {
		w = fold(w)
		if len(w) > maxLexemeBytes {
			s.none = true
		}
		s.words = append(s.words, w)
		parts = append(parts, quoteLexeme(w)+":*")
	}
	s.match = strings.Join(parts, " & ")
	return s, len(s.words) > 0
}

// columnWeights are the tsvector weights of name, aliases and definition.
var columnWeights = [3]string{"A", "B", "C"}

// hits returns the ids of the terms the search matches, best first (ties
// by id), read through q (a snapshot: the figures must agree).
func (s search) hits(ctx context.Context, q queryer) ([]int64, error) {
	if s.none {
		return nil, nil
	}
	// In how many terms each word starts a word of each column.
	perColumn := make([]string, 0, 3*len(s.words))
	for _, w := range s.words {
		for _, weight := range columnWeights {
			perColumn = append(perColumn, quoteLexeme(w)+":*"+weight)
		}
	}
	// One pass over the terms for every word and column (a query per
	// word and column was five times slower); no row when there is no
	// term, and then nothing matches either.
	crows, err := q.Query(ctx, `SELECT c.i, COUNT(*), COUNT(*) FILTER (WHERE t.search @@ c.q)
		FROM unnest($1::text[]::tsquery[]) WITH ORDINALITY AS c(q, i) CROSS JOIN terms t
		GROUP BY c.i`, perColumn)
	if err != nil {
		return nil, err
	}
	defer crows.Close()
	var n float64
	docs := make([][3]float64, len(s.words))
	for crows.Next() {
		var i, all, with int64
		if err := crows.Scan(&i, &all, &with); err != nil {
			return nil, err
		}
		if i < 1 || int(i) > len(perColumn) {
			return nil, fmt.Errorf("count of word and column %d of %d", i, len(perColumn))
		}
		n, docs[(i-1)/3][(i-1)%3] = float64(all), float64(with)
	}
	if err := crows.Err(); err != nil {
		return nil, err
	}
	crows.Close()
	// For each term matched: per column, its words, and how many of them
	// each word of the search starts.
	rows, err := q.Query(ctx, `SELECT t.id, p.weight, w.i, COUNT(*) FILTER (WHERE starts_with(u.lexeme, w.word)), COUNT(*)
		FROM terms t
		CROSS JOIN LATERAL unnest(t.search) AS u
		CROSS JOIN LATERAL unnest(u.weights) AS p(weight)
		CROSS JOIN unnest($2::text[]) WITH ORDINALITY AS w(word, i)
		WHERE t.search @@ $1::tsquery
		GROUP BY t.id, p.weight, w.i`, s.match, s.words)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type found struct {
		hits   [][3]float64
		length [3]float64
	}
	terms := map[int64]*found{}
	for rows.Next() {
		var id, i, hits, length int64
		var weight string
		if err := rows.Scan(&id, &weight, &i, &hits, &length); err != nil {
			return nil, err
		}
		j := strings.Index("ABC", weight)
		if j < 0 || len(weight) != 1 || i < 1 || int(i) > len(s.words) {
			return nil, fmt.Errorf("term %d: unexpected weight %q or word %d", id, weight, i)
		}
		f := terms[id]
		if f == nil {
			f = &found{hits: make([][3]float64, len(s.words))}
			terms[id] = f
		}
		f.hits[i-1][j], f.length[j] = float64(hits), float64(length)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	scores := make(map[int64]float64, len(terms))
	for id, f := range terms {
		scores[id] = store.SearchScore(n, f.hits, docs, f.length)
	}
	return store.Ranked(scores), nil
}

// quoteLexeme quotes a word for a tsvector or tsquery literal. Words hold
// only letters and numbers; the quoting makes anything else inert too.
func quoteLexeme(w string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(w) + "'"
}
