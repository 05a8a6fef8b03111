package commands

import (
	"context"
	"testing"

	"smarketing/store"
)

func TestScratch(t *testing.T) {
	tm, err := ValidateTerm(store.Term{Name: "a\xffb", Definition: "x\xff", Category: "c\x00d", Aliases: []string{"\x1bq"}})
	t.Logf("%#v %v", tm, err)
	p, err := ValidatePersona(store.Persona{Name: "a\xffb", Summary: "x", Role: "\x00"})
	t.Logf("%#v %v", p, err)
	h, db := newHandler(t)
	mustAddTerm(t, db, store.Term{Name: "MQL", Definition: "a lead"}, "UANN")
	for _, q := range []string{`"`, `*`, `NEAR(`, `AND`, `a OR`, `-x`, `^`, `:`, `col:x`, `"a" NOT`, `(`, `'`, `\`, "\x00", `lead*`, `{a b}`, `NEAR(a b, -1)`} {
		resp, err := h.Slash(context.Background(), Request{Command: "/term", Text: "search " + q, UserID: "UANN"})
		t.Logf("%q → %q %v", q, Truncate(resp.Text, 60), err)
	}
	t.Logf("%q", truncateEscaped("ab\xff\xfecd<<", 5))
}
