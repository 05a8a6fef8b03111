package commands

import (
	"testing"
	"time"
)

// fakeSides puts the users of sales and marketing on those sides.
type fakeSides struct{ sales, marketing map[string]bool }

func (f fakeSides) SideOf(userID string) (sales, marketing bool) {
	return f.sales[userID], f.marketing[userID]
}

// Configured: a side is configured when it names anyone.
func (f fakeSides) Configured() (sales, marketing bool) {
	return len(f.sales) > 0, len(f.marketing) > 0
}

var _ Sides = fakeSides{}

// The approvals (SPEC §8) will ask the Sides a handler was built with;
// without one, nobody is on either side.
func TestHandlerSides(t *testing.T) {
	db := MustOpenDB(t)
	given := fakeSides{
		sales:     map[string]bool{"UANA": true, "UBOTH": true},
		marketing: map[string]bool{"UMO": true, "UBOTH": true},
	}
	tests := []struct {
		name             string
		sides            Sides
		user             string
		sales, marketing bool
	}{
		{"none given", nil, "UANA", false, false},
		{"sales", given, "UANA", true, false},
		{"marketing", given, "UMO", false, true},
		{"both", given, "UBOTH", true, true},
		{"neither", given, "UEVE", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := New(db, Options{Location: time.UTC, Sides: tc.sides})
			sales, marketing := h.sides.SideOf(tc.user)
			if sales != tc.sales || marketing != tc.marketing {
				t.Fatalf("SideOf(%s) = %v, %v; want %v, %v", tc.user, sales, marketing, tc.sales, tc.marketing)
			}
		})
	}
}
