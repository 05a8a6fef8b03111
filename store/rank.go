package store

import (
	"cmp"
	"maps"
	"math"
	"slices"
)

// SearchScore scores one term that a search of p words found, the same on
// every backend, so that they rank alike: a BM25-like sum over the words
// and the term's three columns (name, aliases, definition), each hit
// weighted by its column ([WeightName], [WeightAliases],
// [WeightDefinition]), rarer words weighing more and hits in shorter
// columns more. n is how many terms there are; hits[i][j] how many words
// of column j of this term word i of the search starts; docs[i][j] in how
// many terms column j has at least one such word; length[j] how many words
// column j of this term has.
func SearchScore(n float64, hits, docs [][3]float64, length [3]float64) float64 {
	const k1, b = 1.2, 0.5
	weights := [3]float64{WeightName, WeightAliases, WeightDefinition}
	var score float64
	for i := range hits {
		for j := range 3 {
			hitsHere, docsWithHit := hits[i][j], docs[i][j]
			if hitsHere == 0 {
				continue
			}
			idf := math.Log(1 + (n-docsWithHit+0.5)/(docsWithHit+0.5))
			tf := hitsHere * (k1 + 1) / (hitsHere + k1*(1-b+b*length[j]/8))
			score += weights[j] * idf * tf
		}
	}
	return score
}

// Ranked returns the ids of scores (each term's [SearchScore]) best first,
// ties by id: the order of a search on every backend.
func Ranked(scores map[int64]float64) []int64 {
	return slices.SortedFunc(maps.Keys(scores), func(a, b int64) int {
		return cmp.Or(cmp.Compare(scores[b], scores[a]), cmp.Compare(a, b))
	})
}
