package commands

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"smarketing/store"
)

// outcome is what an answer amounts to, to compare a button with the line
// typed in its place: the form it opens (and for which record), or the
// text it shows.
func outcome(r Response, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	if r.Modal != nil {
		return "form " + r.Modal.CallbackID + " " + r.Modal.Metadata + " " + r.Modal.Inputs[0].Value
	}
	return joined(r)
}

// Every line Retype gives must do exactly what the button does; a name that
// would be read as something else gets no line at all.
func TestRetypeDoesWhatTheButtonDoes(t *testing.T) {
	tests := []struct {
		name string
		// Whether the card's buttons get a typed line: the lookup
		// ("/term NAME", behind Share) and the others ("/term edit NAME").
		lookup, others bool
	}{
		{"Pipeline", true, true},
		{"Search Engine Optimization", false, true}, // "/term search engine optimization" searches
		{"Help desk", false, true},                  // "/term help desk" is the usage
		{"List Building", false, true},
		{"Cost per Lead (CPL)", false, false}, // (CPL) would be aliases
		{"What is ABM?", false, false},        // the ? is stripped when typed
		{"LTV = CLV", false, false},           // would be an edit
		{"R&D budget", true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			h, db := newHandler(t)
			mustAddTerm(t, db, store.Term{Name: "LTV", Definition: "Lifetime value"}, "UANN")
			sub, err := h.Submit(ctx, Submission{CallbackID: "term_add", UserID: "UANN", UserName: "Ann",
				Values: map[string]string{"name": tc.name, "definition": "Some definition."}})
			if err != nil || len(sub.Errors) > 0 {
				t.Fatalf("Submit(term_add %q) = %v, %v", tc.name, sub.Errors, err)
			}
			buttons := findButtons(sub.Reply)
			if len(buttons) == 0 {
				t.Fatal("the card has no buttons")
			}
			for _, b := range buttons {
				line, ok := h.Retype(ctx, b.Value)
				want := tc.others
				if b.ActionID == ActionShare {
					want = tc.lookup
				}
				if ok != want {
					t.Errorf("Retype(%q) = %q, %v; want ok %v", b.Value, line, ok, want)
				}
				if !ok {
					continue
				}
				if strings.ContainsRune(line, '\x1f') || strings.ContainsFunc(line, func(r rune) bool { return r < ' ' }) {
					t.Errorf("Retype(%q) = %q holds a control character", b.Value, line)
				}
				// Share posts for everyone what the line shows its caller.
				did := outcome(h.Act(ctx, Action{ActionID: ActionRun, Value: b.Value, UserID: "UANN", UserName: "Ann"}))
				cmd, text, _ := strings.Cut(line, " ")
				got := outcome(h.Slash(ctx, Request{Command: cmd, Text: text, UserID: "UANN", UserName: "Ann"}))
				if got != did {
					t.Errorf("typed %q:\n%s\nwant what the button %q does:\n%s", line, got, b.Text, did)
				}
			}
			if got, _ := db.Term(ctx, "LTV"); got.Definition != "Lifetime value" {
				t.Errorf("a typed line changed LTV to %q", got.Definition)
			}
		})
	}
}

func TestRetype(t *testing.T) {
	ctx := context.Background()
	h, db := newHandler(t)
	term := mustAddTerm(t, db, store.Term{Name: "Marketing Qualified Lead", Aliases: []string{"MQL"}, Definition: "Ready."}, "UANN")
	sally, err := db.AddPersona(ctx, store.Persona{Name: "Sally Supermom", Summary: "Busy."}, store.Actor{ID: "UANN"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddPersona(ctx, store.Persona{Name: "Sally", Summary: "Another."}, store.Actor{ID: "UANN"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		line, want string
		ok         bool
	}{
		{"/term list", "/term list", true},
		{"/meeting agenda 3", "/meeting agenda 3", true},
		{"/term edit " + idRef(term.ID), "/term edit Marketing Qualified Lead", true},
		{"/term " + idRef(term.ID), "/term Marketing Qualified Lead", true},
		{"/term history " + idRef(999), "", false}, // deleted meanwhile
		{"/term add " + nameRef("Lead velocity"), "/term add Lead velocity", true},
		{"/term add " + nameRef("A = B"), "", false},
		{"/persona edit " + idRef(sally.ID), "/persona edit Sally Supermom", true},
		{"/term bad \x1fjunk", "", false},
		{"/term x\ny", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			got, ok := h.Retype(ctx, tc.line)
			if got != tc.want && tc.ok || ok != tc.ok {
				t.Errorf("Retype(%q) = %q, %v; want %q, %v", tc.line, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// "/term edit MQL (A, B) = …" replaces the aliases but keeps MQL, the name
// the author used: the README's own example used to leave a term that
// "/term mql" no longer found.
func TestTermEditKeepsTheAliasItWasNamedBy(t *testing.T) {
	tests := []struct {
		name, line string
		want       []string
	}{
		{"alias left out", "edit MQL (Marketing qualified, M.Q.L.) = Fit and one signal", []string{"MQL", "Marketing qualified", "M.Q.L."}},
		{"alias any case", "edit mql (Marketing qualified) = Fit and one signal", []string{"MQL", "Marketing qualified"}},
		{"alias listed", "edit MQL (Lead, mql) = Fit and one signal", []string{"Lead", "mql"}},
		{"named by its name", "edit Marketing Qualified Lead (M.Q.L.) = Fit and one signal", []string{"M.Q.L."}},
		{"no list keeps all", "edit MQL = Fit and one signal", []string{"MQL", "M.Q.L."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, db := newHandler(t)
			mustAddTerm(t, db, store.Term{Name: "Marketing Qualified Lead", Aliases: []string{"MQL", "M.Q.L."}, Definition: "Ready."}, "UANN")
			slash(t, h, "UANN", tc.line)
			got := mustTerm(t, db, "Marketing Qualified Lead")
			if !slices.Equal(got.Aliases, tc.want) || got.Definition != "Fit and one signal" {
				t.Errorf("after /term %s: aliases %q, definition %q; want %q, the new definition", tc.line, got.Aliases, got.Definition, tc.want)
			}
		})
	}
}

// A form that a script cannot fill names the one-line command instead.
func TestModalInline(t *testing.T) {
	ctx := context.Background()
	h, db := newHandler(t)
	mustAddTerm(t, db, store.Term{Name: "Marketing Qualified Lead", Definition: "Ready."}, "UANN")
	mustAddTerm(t, db, store.Term{Name: "LTV = CLV", Definition: "Lifetime."}, "UANN")
	tests := []struct{ command, text, want string }{
		{"/term", "add", "/term add NAME (ALIAS, ALIAS) = DEFINITION"},
		{"/term", "add Lead velocity", "/term add Lead velocity (ALIAS, ALIAS) = DEFINITION"},
		{"/term", "edit marketing qualified lead", "/term edit Marketing Qualified Lead = NEW DEFINITION"},
		{"/persona", "add", "/persona add NAME = SUMMARY"},
		{"/meeting", "add", `/meeting add "TITLE" every DAY at HH:MM #channel`},
		{"/meeting", `add "Pipeline review"`, `/meeting add "Pipeline review" every DAY at HH:MM #channel`},
	}
	for _, tc := range tests {
		t.Run(tc.command+" "+tc.text, func(t *testing.T) {
			resp, err := h.Slash(ctx, Request{Command: tc.command, Text: tc.text, UserID: "UANN"})
			if err != nil || resp.Modal == nil {
				t.Fatalf("%s %s = %q, %v; want a form", tc.command, tc.text, resp.Text, err)
			}
			if resp.Modal.Inline != tc.want {
				t.Errorf("Inline = %q, want %q", resp.Modal.Inline, tc.want)
			}
		})
	}
}

// Mistakes name what to type instead.
func TestMistakesSayWhatToType(t *testing.T) {
	ctx := context.Background()
	h, _ := newMeetingHandler(t, nil)
	tests := []struct {
		command, text string
		want          string
	}{
		{"/trem", "mql", "Did you mean `/term`?"},
		{"/nope", "", "The commands are `/term`, `/persona`, `/leads`, `/sla`, `/meeting`, `/insight`, `/metrics`"},
		{"/meeting", `add "Review" every tue at 10:00 c0123abcd`, "type `C0123ABCD`"},
		{"/meeting", `add "Review" every tue at 10:00 #c0123abcd`, "type `C0123ABCD`"},
	}
	for _, tc := range tests {
		t.Run(tc.command+" "+tc.text, func(t *testing.T) {
			_, err := h.Slash(ctx, Request{Command: tc.command, Text: tc.text, UserID: "UANN"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s %s: err = %v, want %q", tc.command, tc.text, err, tc.want)
			}
		})
	}
	res, err := h.Submit(ctx, Submission{CallbackID: modalMeetingAdd, UserID: "UANN",
		Values: map[string]string{inputMeetingTitle: "Review", inputMeetingDays: "tue", inputMeetingTime: "10:00", inputMeetingChannel: "c0123abcd"}})
	if want := map[string]string{inputMeetingChannel: "Channel IDs are in capitals: type C0123ABCD."}; err != nil || !reflect.DeepEqual(res.Errors, want) {
		t.Errorf("Submit(channel c0123abcd) = %v, %v; want %v", res.Errors, err, want)
	}
}
