package store_test

import (
	"slices"
	"testing"

	"smarketing/store"
)

func TestRanked(t *testing.T) {
	for _, tc := range []struct {
		name   string
		scores map[int64]float64
		want   []int64
	}{
		{"none", nil, nil},
		{"best first", map[int64]float64{1: 0.5, 2: 2, 3: 1}, []int64{2, 3, 1}},
		{"ties by id", map[int64]float64{9: 1, 4: 1, 7: 3, 5: 1}, []int64{7, 4, 5, 9}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := store.Ranked(tc.scores); !slices.Equal(got, tc.want) {
				t.Fatalf("Ranked(%v) = %v, want %v", tc.scores, got, tc.want)
			}
		})
	}
}
