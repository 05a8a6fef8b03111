package store

import (
	"fmt"
	"testing"
)

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b  string
		limit int
		want  int
	}{
		{"", "", 3, 0},
		{"abc", "abc", 0, 0},
		{"abc", "abc", 3, 0},
		{"", "abc", 5, 3},
		{"abc", "", 5, 3},
		{"kitten", "sitting", 5, 3},
		{"mql", "mqll", 2, 1},
		{"mqll", "mql", 2, 1},
		{"chrun", "churn", 2, 1}, // adjacent transposition counts once
		{"ab", "ba", 2, 1},
		{"ca", "abc", 5, 3}, // optimal string alignment, not full Damerau
		{"flaw", "lawn", 5, 2},
		{"étude", "etude", 2, 1}, // runes, not bytes
		{"日本", "日本語", 2, 1},
		{"abcdef", "zzzzzz", 2, 3}, // gives up at limit+1
		{"abcdef", "zzzzzz", 10, 6},
		{"abc", "", 1, 2},
		{"", "abc", 1, 3},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s_%s_%d", tc.a, tc.b, tc.limit), func(t *testing.T) {
			got := distance([]rune(tc.a), []rune(tc.b), tc.limit)
			// Past the limit any value above it will do; within it, exactly.
			if tc.want > tc.limit {
				if got <= tc.limit {
					t.Fatalf("distance(%q, %q, %d) = %d, want more than %d", tc.a, tc.b, tc.limit, got, tc.limit)
				}
				return
			}
			if got != tc.want {
				t.Fatalf("distance(%q, %q, %d) = %d, want %d", tc.a, tc.b, tc.limit, got, tc.want)
			}
		})
	}
}

// distance is symmetric.
func TestDistanceSymmetric(t *testing.T) {
	words := []string{"", "a", "mql", "msql", "churn", "chrun", "pipeline", "pipelien", "étude", "ca", "abc"}
	for _, a := range words {
		for _, b := range words {
			ab := distance([]rune(a), []rune(b), 20)
			ba := distance([]rune(b), []rune(a), 20)
			if ab != ba {
				t.Fatalf("distance(%q, %q) = %d but distance(%q, %q) = %d", a, b, ab, b, a, ba)
			}
		}
	}
}
