package sqlcore

import (
	"strconv"
	"strings"
	"sync"
)

// Numbered rewrites the ? placeholders of query as $1, $2, … (PostgreSQL's),
// leaving alone a ? inside quotes or a comment. Rewritten queries are
// remembered in cache (a query is nearly always a constant).
func Numbered(cache *sync.Map, query string) string {
	if q, ok := cache.Load(query); ok {
		return q.(string)
	}
	q := numbered(query)
	cache.Store(query, q)
	return q
}

func numbered(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			end := strings.IndexByte(query[i+1:], c)
			if end < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+end+2])
			i += end + 1
		case c == '-' && strings.HasPrefix(query[i:], "--"):
			end := strings.IndexByte(query[i:], '\n')
			if end < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+end])
			i += end - 1
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
