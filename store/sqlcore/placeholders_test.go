package sqlcore

import (
	"sync"
	"testing"
)

func TestNumbered(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT a FROM t WHERE a = ? AND b = ?", "SELECT a FROM t WHERE a = $1 AND b = $2"},
		{"SELECT '?' FROM t WHERE a = ?", "SELECT '?' FROM t WHERE a = $1"},
		{`SELECT "a?" FROM t WHERE "user" = ?`, `SELECT "a?" FROM t WHERE "user" = $1`},
		{"SELECT 'it''s?' , ?", "SELECT 'it''s?' , $1"},
		{"SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2"},
		{"SELECT ?::tsvector", "SELECT $1::tsvector"},
		{"SELECT 'open", "SELECT 'open"},
	}
	var cache sync.Map
	for _, tt := range tests {
		for range 2 { // the second time from the cache
			if got := Numbered(&cache, tt.in); got != tt.want {
				t.Errorf("Numbered(%q) = %q, want %q", tt.in, got, tt.want)
			}
		}
	}
}
