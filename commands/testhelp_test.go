package commands

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"smarketing/store"
	"smarketing/store/storetest"
)

// fixedTime is the store clock in handler tests.
var fixedTime = time.Date(2024, 3, 5, 14, 30, 0, 0, time.UTC)

// fixedWhen is fixedTime as Handler.when shows it in UTC.
const fixedWhen = "5 Mar 2024 14:30 UTC"

// MustOpenDB opens a fresh store (on the backend tests run on) with its
// clock fixed at fixedTime.
func MustOpenDB(tb testing.TB) *storetest.DB {
	tb.Helper()
	return storetest.Open(tb, fixedTime)
}

// newHandler returns a Handler over a fresh database, with UADMIN as admin.
func newHandler(tb testing.TB) (*Handler, *storetest.DB) {
	tb.Helper()
	db := MustOpenDB(tb)
	return New(db, Options{Admins: []string{"UADMIN"}, Location: time.UTC}), db
}

// slash runs "/term text" as user and fails the test on any error.
func slash(tb testing.TB, h *Handler, user, text string) Response {
	tb.Helper()
	resp, err := h.Slash(context.Background(), Request{Command: "/term", Text: text, UserID: user, UserName: nameOf(user), ChannelID: "CCHAN"})
	if err != nil {
		tb.Fatalf("/term %s: %v", text, err)
	}
	return resp
}

// slashUserError runs "/term text" as user and returns the *UserError it must
// fail with.
func slashUserError(tb testing.TB, h *Handler, user, text string) *UserError {
	tb.Helper()
	resp, err := h.Slash(context.Background(), Request{Command: "/term", Text: text, UserID: user, UserName: nameOf(user), ChannelID: "CCHAN"})
	var ue *UserError
	if !errors.As(err, &ue) {
		tb.Fatalf("/term %s = %q, %v; want a *UserError", Truncate(text, 60), resp.Text, err)
	}
	return ue
}

// nameOf is the display name tests give a user ID.
func nameOf(user string) string {
	switch user {
	case "UANN":
		return "Ann"
	case "UBOB":
		return "Bob"
	case "UADMIN":
		return "Admin"
	}
	return "Someone " + strings.ToLower(user)
}

// mustAddTerm stores a term directly, as by.
func mustAddTerm(tb testing.TB, db *storetest.DB, t store.Term, by string) store.Term {
	tb.Helper()
	saved, err := db.AddTerm(context.Background(), t, store.Actor{ID: by, Name: nameOf(by)})
	if err != nil {
		tb.Fatalf("AddTerm(%q): %v", t.Name, err)
	}
	return saved
}

// mustTerm reads a term that must exist.
func mustTerm(tb testing.TB, db *storetest.DB, name string) store.Term {
	tb.Helper()
	t, err := db.Term(context.Background(), name)
	if err != nil {
		tb.Fatalf("Term(%q): %v", name, err)
	}
	return t
}

// allTexts returns every piece of text a Response shows: the fallback text,
// and the text of every header, section (and its fields), context element
// and button, plus a modal's titles, labels, hints and placeholders.
// Button values and input values are data, not shown as mrkdwn, and left out.
func allTexts(r Response) []string {
	out := []string{r.Text}
	for _, b := range r.Blocks {
		switch b := b.(type) {
		case Header:
			out = append(out, b.Text)
		case Section:
			out = append(out, b.Text)
			out = append(out, b.Fields...)
		case Context:
			out = append(out, b.Texts...)
		case Actions:
			for _, btn := range b.Buttons {
				out = append(out, btn.Text)
			}
		case Divider:
		default:
			panic("allTexts: unknown block type")
		}
	}
	if m := r.Modal; m != nil {
		out = append(out, m.Title, m.Submit)
		for _, in := range m.Inputs {
			out = append(out, in.Label, in.Hint, in.Placeholder)
		}
	}
	return out
}

// joined is every text of r on one string, for Contains checks.
func joined(r Response) string { return strings.Join(allTexts(r), "\n") }

// checkNoUserMarkup fails unless every "<" in every text of r opens a
// mention of one of the allowed user IDs, "<@ID>": anything else (a special
// mention, a link, a date, a mention of some other ID) can only have come
// from user text that was not escaped.
func checkNoUserMarkup(tb testing.TB, what string, r Response, allowed ...string) {
	tb.Helper()
	for _, s := range allTexts(r) {
		rest := s
		for {
			i := strings.IndexByte(rest, '<')
			if i < 0 {
				break
			}
			rest = rest[i:]
			ok := false
			for _, id := range allowed {
				if strings.HasPrefix(rest, "<@"+id+">") {
					ok = true
					rest = rest[len("<@"+id+">"):]
					break
				}
			}
			if !ok {
				tb.Errorf("%s: text %q contains unescaped markup at %q", what, s, Truncate(rest, 40))
				break
			}
		}
		for _, bad := range []string{"<!", "<@U123>", "<http"} {
			if strings.Contains(s, bad) {
				tb.Errorf("%s: text %q contains %q", what, s, bad)
			}
		}
	}
}

// findButtons returns the buttons of r's Actions blocks.
func findButtons(r Response) []Button {
	var out []Button
	for _, b := range r.Blocks {
		if a, ok := b.(Actions); ok {
			out = append(out, a.Buttons...)
		}
	}
	return out
}
