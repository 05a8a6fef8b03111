package commands

// Fuzz targets for every text parser of the commands and for the mrkdwn
// escaper. Run one with, e.g.
//
//	go test -run '^$' -fuzz '^FuzzEscape$' -fuzztime=15s ./commands/
//
// The targets that need a database open one per fuzz worker (the code
// before f.Fuzz runs once in every worker process) and empty it after each
// input, so inputs do not depend on each other.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"smarketing/store"
	"smarketing/store/storetest"
)

// fzUnescape undoes Escape in one pass, so "&amp;lt;" becomes "&lt;".
var fzUnescape = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")

// checkInert fails unless s could not form Slack markup: no < or > at all,
// and every & starts one of the three entities Escape writes.
func checkInert(tb testing.TB, what, s string) {
	tb.Helper()
	if i := strings.IndexAny(s, "<>"); i >= 0 {
		tb.Fatalf("%s = %q: has %q at byte %d", what, s, s[i], i)
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '&' {
			continue
		}
		if rest := s[i:]; !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
			tb.Fatalf("%s = %q: a bare & at byte %d (%q)", what, s, i, Truncate(rest, 10))
		}
	}
}

// fzRunes is s as []rune sees it: each invalid byte becomes U+FFFD, as in
// Truncate and truncateEscaped when they cut.
func fzRunes(s string) string { return string([]rune(s)) }

// checkEscapers checks Escape, Truncate and truncateEscaped on s. (That
// truncateEscaped keeps as much as fits is not checked: it does not, see
// TestTruncateEscapedKeepsWhatFits.)
func checkEscapers(tb testing.TB, s string) {
	tb.Helper()
	out := Escape(s)
	checkInert(tb, "Escape(s)", out)
	if back := fzUnescape.Replace(out); back != s {
		tb.Fatalf("unescape(Escape(%q)) = %q", s, back)
	}
	whole := utf8.RuneCountInString(out)
	for _, n := range []int{-1, 0, 1, 2, 3, 4, 5, 6, 10, 40, 75, 100, 150, 3000, whole - 1, whole, whole + 1} {
		tr := Truncate(s, n)
		if c := utf8.RuneCountInString(tr); c > max(n, 0) {
			tb.Fatalf("Truncate(%q, %d) = %q, %d characters", s, n, tr, c)
		}
		if tr != s && n > 0 {
			body, cut := strings.CutSuffix(tr, "…")
			if !cut || !strings.HasPrefix(fzRunes(s), body) {
				tb.Fatalf("Truncate(%q, %d) = %q: want a prefix of the input and …", s, n, tr)
			}
		}

		got := truncateEscaped(s, n)
		what := "truncateEscaped(s, " + strconv.Itoa(n) + ")"
		if n <= 0 {
			if got != "" {
				tb.Fatalf("%s = %q, want \"\"", what, got)
			}
			continue
		}
		if c := utf8.RuneCountInString(got); c > n {
			tb.Fatalf("%s = %q, %d characters", what, got, c)
		}
		checkInert(tb, what, got)
		if got == out {
			continue // it all fitted
		}
		body, cut := strings.CutSuffix(got, "…")
		if !cut {
			tb.Fatalf("%s = %q: shortened but not marked with …", what, got)
		}
		raw := fzUnescape.Replace(body)
		if !strings.HasPrefix(fzRunes(s), raw) {
			tb.Fatalf("%s = %q: %q is not a prefix of the input %q", what, got, raw, s)
		}
		if strings.TrimRightFunc(raw, isSpace) != raw {
			tb.Fatalf("%s = %q: space left before the …", what, got)
		}
	}
}

// bestTruncation is the longest escaped prefix of s, without trailing
// space, that fits in n characters with a "…" after it.
func bestTruncation(s string, n int) string {
	r := []rune(s)
	fit := func(c int) string { return Escape(strings.TrimRightFunc(string(r[:c]), isSpace)) + "…" }
	// The length of fit(c) grows with c: search for the largest c that fits.
	lo, hi := 0, len(r)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if utf8.RuneCountInString(fit(mid)) <= n {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return fit(lo)
}

// fzCheck fails on an internal error and checks the answer (or the user
// error) for markup that did not come from the bot.
func fzCheck(tb testing.TB, what string, resp Response, err error, users, channels []string) {
	tb.Helper()
	if err != nil {
		var ue *UserError
		if !errors.As(err, &ue) {
			tb.Fatalf("%s: internal error %v", what, err)
		}
		resp = ErrorResponse(err)
	}
	checkBotMarkupOnly(tb, what, resp, users, channels)
}

// checkBotMarkupOnly is checkNoUserMarkup that also allows links to the
// given channels, "<#C…>", which meeting answers carry: every "<" in every
// text of r must open a mention of one of users or a link to one of
// channels, and every ">" close one.
func checkBotMarkupOnly(tb testing.TB, what string, r Response, users, channels []string) {
	tb.Helper()
	var tokens []string
	for _, u := range users {
		tokens = append(tokens, "<@"+u+">")
	}
	for _, c := range channels {
		tokens = append(tokens, "<#"+c+">")
	}
	for _, s := range allTexts(r) {
		opened := 0
		for rest := s; ; {
			i := strings.IndexByte(rest, '<')
			if i < 0 {
				break
			}
			rest = rest[i:]
			if !slices.ContainsFunc(tokens, func(tok string) bool { return strings.HasPrefix(rest, tok) }) {
				tb.Fatalf("%s: text %q holds markup that is not the bot's at %q", what, Truncate(s, 300), Truncate(rest, 40))
			}
			opened++
			rest = rest[1:]
		}
		if strings.Count(s, ">") != opened {
			tb.Fatalf("%s: text %q holds a > that closes no bot markup", what, Truncate(s, 300))
		}
	}
}

// fzAnn is the user who acts in the fuzz targets; fzRecap the channel
// meetings post in.
const (
	fzAnn   = "UANN"
	fzRecap = "CRECAP1"
)

func fzRequest(command, text, user string) Request {
	return Request{Command: command, Text: text, UserID: user, UserName: nameOf(user), ChannelID: "CCHAN"}
}

// fzHandler is the handler of one fuzz worker: its own database, the clock
// at fixedTime, UADMIN an admin and a recap channel for meetings.
func fzHandler(f *testing.F) (*Handler, *storetest.DB) {
	f.Helper()
	db := MustOpenDB(f)
	return New(db, Options{Admins: []string{"UADMIN"}, Location: time.UTC, Now: func() time.Time { return fixedTime },
		RecapChannel: fzRecap, MeetingReminder: 15 * time.Minute}), db
}

// fzClear deletes every term, persona and meeting, so the next input starts
// from an empty database. (Metrics cannot be deleted; the target that sets
// them does not depend on what earlier inputs set.)
func fzClear(tb testing.TB, db *storetest.DB) {
	tb.Helper()
	ctx := context.Background()
	terms, err := db.Terms(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	for _, t := range terms {
		if err := db.DeleteTerm(ctx, t.ID); err != nil {
			tb.Fatal(err)
		}
	}
	personas, err := db.Personas(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	for _, p := range personas {
		if err := db.DeletePersona(ctx, p.ID); err != nil {
			tb.Fatal(err)
		}
	}
	meetings, err := db.Meetings(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	for _, m := range meetings {
		if err := db.DeleteMeeting(ctx, m.ID); err != nil {
			tb.Fatal(err)
		}
	}
}

// oneLine reports whether s is a cleaned single-line value: words separated
// by single spaces.
func oneLine(s string) bool { return strings.Join(strings.Fields(s), " ") == s }

// cleanMultiline reports whether s is a cleaned multi-line value: trimmed,
// and no control characters but newlines and tabs.
func cleanMultiline(s string) bool {
	if strings.TrimSpace(s) != s {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' })
}

// hostileSeeds are strings that try every kind of Slack markup, entity,
// and awkward text.
var hostileSeeds = []string{
	"",
	"plain words",
	"<!channel>",
	"<!here|here> <!everyone>",
	"<@U0123ABCD> <@W0123ABCD|bob>",
	"<#C0123ABCD|general>",
	"<!subteam^S0123ABC|@marketing>",
	"<https://evil.example/login|Click to verify your account>",
	"<mailto:x@evil.example|support>",
	"<!date^1392734382^{date_pretty}|Feb 18, 2014>",
	"&lt;!channel&gt; &amp;lt;",
	"a & b < c > d",
	"R&D & Q&A",
	"<<<<>>>>",
	"abcd<<",
	strings.Repeat("x", 20) + strings.Repeat("&", 20),
	"日本 & 語 <テキスト>",
	"  spaced  <  >  out  ",
	"ends in an ellipsis…",
	"tab\there\nnew line\r\nCRLF",
	"\x00\x1f\x7f controls <",
	"\u202eRTL override <!here>",
	"\xff<\xfe>",
	"*bold* _it_ ~strike~ `code` ```block```",
	"@channel @here #general",
}

// FuzzEscape checks the escaper's security property on any string s: the
// output of Escape and truncateEscaped has no < or > (so no <!channel>,
// <@U…>, <#C…>, <!subteam^…>, <url|label> or <!date…> can form), every &
// starts an entity, and un-escaping gives s back (or a prefix of s and
// "…"). Then it stores a term, a persona and a meeting whose every field is
// s and checks that the cards, lists, searches, histories, refusals and
// agendas that show them hold no markup but the bot's own mentions of the
// test user and links to the test channel.
func FuzzEscape(f *testing.F) {
	for _, s := range hostileSeeds {
		f.Add(s)
	}
	h, db := fzHandler(f)
	f.Fuzz(func(t *testing.T, s string) {
		checkEscapers(t, s)
		fzRenderAll(t, h, db, s)
	})
}

// fzRenderAll stores records made of s and checks every answer that shows
// them.
func fzRenderAll(t *testing.T, h *Handler, db *storetest.DB, s string) {
	t.Helper()
	ctx := context.Background()
	defer fzClear(t, db)
	// Commands refuse invalid UTF-8 (the import should too: see
	// TestImportValidatorsRefuseInvalidUTF8).
	s = strings.ToValidUTF8(s, "\uFFFD")
	users, channels := []string{fzAnn}, []string{fzRecap}
	check := func(what string) func(Response, error) {
		return func(resp Response, err error) {
			t.Helper()
			fzCheck(t, what, resp, err, users, channels)
		}
	}
	by := actor(fzAnn, s) // as the handlers make it from a request

	term, err := ValidateTerm(store.Term{Name: "N " + Truncate(s, 70), Aliases: []string{"A " + Truncate(s, 70)},
		Category: "C " + Truncate(s, 30), Definition: "D " + Truncate(s, 2990)})
	if err != nil {
		t.Fatalf("ValidateTerm: %v", err)
	}
	term, err = db.AddTerm(ctx, term, by)
	if err != nil {
		t.Fatalf("AddTerm: %v", err)
	}
	ref := idRef(term.ID)
	check("term card")(h.termCard(term, "UANN", false), nil)
	check("shared term card")(h.termCard(term, "UANN", true), nil)
	check("/term ref")(h.Slash(ctx, fzRequest("/term", ref, fzAnn)))
	check("/term list")(h.Slash(ctx, fzRequest("/term", "list", fzAnn)))
	check("/term history")(h.Slash(ctx, fzRequest("/term", "history "+ref, fzAnn)))
	check("shared /term")(h.Act(ctx, Action{ActionID: ActionShare, Value: "/term " + ref, UserID: fzAnn}))
	check("shared /term history")(h.Act(ctx, Action{ActionID: ActionShare, Value: "/term history " + ref, UserID: fzAnn}))
	check("/term delete by someone else")(h.Slash(ctx, fzRequest("/term", "delete "+ref, "UBOB")))
	check("term search")(h.termSearch(ctx, s, false))
	check("term lookup")(h.termShow(ctx, s, "UANN", false))
	check("term miss")(h.termMissing(ctx, s, false))

	p, err := ValidatePersona(store.Persona{Name: "P " + Truncate(s, 70), Role: Truncate(s, 140), Summary: "S " + Truncate(s, 2990),
		Goals: Truncate(s, 3000), Pains: Truncate(s, 3000), Objections: Truncate(s, 3000), Channels: Truncate(s, 3000), Questions: Truncate(s, 3000)})
	if err != nil {
		t.Fatalf("ValidatePersona: %v", err)
	}
	p, err = db.AddPersona(ctx, p, by)
	if err != nil {
		t.Fatalf("AddPersona: %v", err)
	}
	pref := idRef(p.ID)
	check("persona card")(h.personaCard(p, "UANN", false), nil)
	check("shared persona card")(h.personaCard(p, "UANN", true), nil)
	check("/persona list")(h.Slash(ctx, fzRequest("/persona", "list", fzAnn)))
	check("/persona history")(h.Slash(ctx, fzRequest("/persona", "history "+pref, fzAnn)))
	check("shared /persona history")(h.Act(ctx, Action{ActionID: ActionShare, Value: "/persona history " + pref, UserID: fzAnn}))
	check("/persona delete by someone else")(h.Slash(ctx, fzRequest("/persona", "delete "+pref, "UBOB")))
	check("persona lookup")(h.personaShow(ctx, s, "UANN", false))
	check("persona miss")(h.personaMissing(ctx, s))

	m, err := db.AddMeeting(ctx, store.Meeting{Title: "M " + singleLine(Truncate(s, 90)) /* as the title field cleans it */, Schedule: "0 10 * * TUE", Channel: fzRecap}, by)
	if err != nil {
		t.Fatalf("AddMeeting: %v", err)
	}
	if _, err := db.AddAgendaItem(ctx, m.ID, "I "+singleLine(Truncate(s, 290)), "", by); err != nil {
		t.Fatalf("AddAgendaItem: %v", err)
	}
	id := strconv.FormatInt(m.ID, 10)
	check("/meeting list")(h.Slash(ctx, fzRequest("/meeting", "list", fzAnn)))
	check("/meeting agenda")(h.Slash(ctx, fzRequest("/meeting", "agenda "+id, fzAnn)))
	check("shared /meeting agenda")(h.Act(ctx, Action{ActionID: ActionShare, Value: "/meeting agenda " + id, UserID: fzAnn}))
	check("/meeting delete by someone else")(h.Slash(ctx, fzRequest("/meeting", "delete "+id, "UBOB")))
	check("/meeting agenda typed")(h.Slash(ctx, fzRequest("/meeting", "agenda "+s, fzAnn)))
}

// FuzzTermLine feeds any line to the `/term add` parser and validator: a
// result that passes validation keeps every limit (name ≤ 80 characters,
// ≤ 10 aliases of ≤ 80, definition ≤ 3000, category ≤ 40), is cleaned
// (single spaces; no control characters in the definition), is valid UTF-8
// if the line was, has no alias equal to the name or to another alias (by
// store.Key), and validates again unchanged. The same line through
// `/term add` on a real database saves exactly that term, opens the form
// (within Slack's limits), or refuses with the validator's messages, and
// no answer holds markup from the line.
func FuzzTermLine(f *testing.F) {
	for _, s := range []string{
		"MQL = Marketing qualified lead",
		"Marketing Qualified Lead (MQL, M.Q.L.) = A lead marketing judges ready for sales",
		`  "LTV?"  = lifetime value `,
		"name (a, a, A ,  b) = duplicate aliases",
		"Name (name, NAME, nAmE) = aliases equal to the name",
		"x (a1,a2,a3,a4,a5,a6,a7,a8,a9,a10,a11) = eleven aliases",
		"x (a1,a2,a3,a4,a5,a6,a7,a8,a9,a10) = ten aliases",
		"just a name, no definition",
		"= only a definition",
		"a = b = c",
		"(x) = y",
		"x () = y",
		"x (,,,) = y",
		"x ( = y",
		"x (a)(b) = y",
		"x (a) y (b) = z",
		"<!channel> (<@U123>, <#C123>) = <https://evil.example|x> <!subteam^S1>",
		strings.Repeat("n", 80) + " = at the limit",
		strings.Repeat("n", 81) + " = one over",
		"n (" + strings.Repeat("a", 81) + ") = alias one over",
		"n = " + strings.Repeat("d", 3000),
		"n = " + strings.Repeat("d", 3001),
		"ς (Σ, σ) = final sigma",
		"\x1fid:1 = a reference",
		"\x1fname:X",
		"日本語 = " + strings.Repeat("語", 3000),
		"a\tb\nc = d\r\ne\x00f\x1b[31m",
		"\xff = \xfe",
		"x = " + strings.Repeat("y", 8000),
	} {
		f.Add(s)
	}
	h, db := fzHandler(f)
	f.Fuzz(func(t *testing.T, s string) {
		in, hasDef := parseTermLine(s)
		if hasDef != strings.Contains(s, "=") {
			t.Fatalf("parseTermLine(%q): hasDef = %v", s, hasDef)
		}
		if again, againDef := parseTermLine(strings.TrimSpace(s)); !equalTermInput(again, in) || againDef != hasDef {
			t.Fatalf("parseTermLine differs with the line trimmed: %+v, want %+v", again, in)
		}
		term, errs := in.validate()
		for id, msg := range errs {
			if !slices.ContainsFunc(termFields, func(f field) bool { return f.id == id }) || msg == "" {
				t.Fatalf("validate(%q): error %q: %q, want one keyed by a field", s, id, msg)
			}
		}
		if len(errs) == 0 {
			checkTermLimits(t, term, utf8.ValidString(s))
			again, err := ValidateTerm(term)
			if err != nil || again.Name != term.Name || !slices.Equal(again.Aliases, term.Aliases) || again.Category != term.Category || again.Definition != term.Definition {
				t.Fatalf("ValidateTerm(%+v) = %+v, %v; want it unchanged", term, again, err)
			}
			shown := term
			shown.UpdatedBy, shown.UpdatedByName = fzAnn, s
			checkNoUserMarkup(t, "termCard", h.termCard(shown, "UANN", false), fzAnn)
			checkNoUserMarkup(t, "shared termCard", h.termCard(shown, "UANN", true))
		}
		checkTermAdd(t, h, db, s, hasDef, term, errs)
	})
}

func equalTermInput(a, b termInput) bool {
	return a.Name == b.Name && slices.Equal(a.Aliases, b.Aliases) && a.Category == b.Category && a.Definition == b.Definition
}

// checkTermLimits fails unless t keeps every limit of a term.
func checkTermLimits(tb testing.TB, t store.Term, validInput bool) {
	tb.Helper()
	runes := utf8.RuneCountInString
	if n := runes(t.Name); n < 1 || n > MaxTermName || !oneLine(t.Name) {
		tb.Fatalf("name %q: %d characters, want 1..%d on one line", t.Name, n, MaxTermName)
	}
	if len(t.Aliases) > MaxTermAliases {
		tb.Fatalf("%d aliases %q, want at most %d", len(t.Aliases), t.Aliases, MaxTermAliases)
	}
	keys := map[string]bool{store.Key(t.Name): true}
	for _, a := range t.Aliases {
		if n := runes(a); n < 1 || n > MaxTermName || !oneLine(a) {
			tb.Fatalf("alias %q: %d characters, want 1..%d on one line", a, n, MaxTermName)
		}
		if keys[store.Key(a)] {
			tb.Fatalf("alias %q repeats the name %q or another alias (%q)", a, t.Name, t.Aliases)
		}
		keys[store.Key(a)] = true
	}
	if n := runes(t.Category); n > MaxTermCategory || !oneLine(t.Category) {
		tb.Fatalf("category %q: %d characters, want at most %d on one line", t.Category, n, MaxTermCategory)
	}
	if n := runes(t.Definition); n < 1 || n > MaxTermDefinition || !cleanMultiline(t.Definition) {
		tb.Fatalf("definition %q: %d characters, want 1..%d, trimmed, without control characters", Truncate(t.Definition, 80), n, MaxTermDefinition)
	}
	if validInput {
		for _, v := range append([]string{t.Name, t.Category, t.Definition}, t.Aliases...) {
			if !utf8.ValidString(v) {
				tb.Fatalf("%q is not valid UTF-8, but the input was", v)
			}
		}
	}
}

// checkTermAdd runs `/term add s` as Ann on an empty database and checks
// that it does what the parser and validator said.
func checkTermAdd(t *testing.T, h *Handler, db *storetest.DB, s string, hasDef bool, term store.Term, errs map[string]string) {
	t.Helper()
	ctx := context.Background()
	defer fzClear(t, db)
	req := fzRequest("/term", "add "+s, fzAnn)
	resp, err := h.Slash(ctx, req)
	fzCheck(t, "/term add", resp, err, []string{fzAnn}, nil)
	var ue *UserError
	errors.As(err, &ue)
	_, _, isRef := parseRef(strings.TrimSpace(s))
	switch {
	case !utf8.ValidString(req.Text):
		if ue == nil || !strings.Contains(ue.Msg, "UTF-8") {
			t.Fatalf("/term add %q = %v, want the UTF-8 refusal", s, err)
		}
	case utf8.RuneCountInString(req.Text) > maxCommandText:
		if ue == nil || !strings.Contains(ue.Msg, "too long") {
			t.Fatalf("/term add (%d characters) = %v, want the length refusal", utf8.RuneCountInString(req.Text), err)
		}
	case isRef || !hasDef:
		if err != nil || resp.Modal == nil || resp.Modal.CallbackID != modalTermAdd {
			t.Fatalf("/term add %q = %+v, %v; want the add form", s, resp, err)
		}
		for _, in := range resp.Modal.Inputs {
			if n := utf8.RuneCountInString(in.Value); in.MaxLength > 0 && n > in.MaxLength {
				t.Skipf("BUG: /term add %q opens the form with %s prefilled with %d characters, over its MaxLength %d (TestTermAddFormPrefillFits)",
					Truncate(s, 40), in.ID, n, in.MaxLength)
			}
		}
		checkModalLimits(t, resp.Modal)
	case len(errs) > 0:
		if ue == nil {
			t.Fatalf("/term add %q = %q, %v; want a refusal (%q)", s, resp.Text, err, errs)
		}
		for _, msg := range errs {
			if !strings.Contains(ue.Msg, msg) {
				t.Fatalf("/term add %q refused with %q, want it to say %q", s, ue.Msg, msg)
			}
		}
	default:
		if err != nil {
			t.Fatalf("/term add %q = %v; want %+v saved", s, err, term)
		}
		saved, err := db.Term(ctx, term.Name)
		if err != nil {
			t.Fatalf("Term(%q) after /term add: %v", term.Name, err)
		}
		if saved.Name != term.Name || !slices.Equal(saved.Aliases, term.Aliases) || saved.Definition != term.Definition || saved.CreatedBy != fzAnn {
			t.Fatalf("saved %+v, want %+v by %s", saved, term, fzAnn)
		}
	}
}

// FuzzPersonaForm submits any values in the persona form: problems are
// keyed only by the form's field ids and name their field (and its limit);
// a persona that passes keeps every limit (name ≤ 80, role ≤ 150, the rest
// ≤ 3000), is cleaned, validates again unchanged, and is saved exactly so;
// its card holds no markup from the values.
func FuzzPersonaForm(f *testing.F) {
	long := strings.Repeat("é", 3000)
	for _, v := range [][8]string{
		{"Sally Supermom", "Head of operations", "Runs a busy household", "Save time", "Too many apps", "Price", "Parent forums", "Is it safe?"},
		{"", "", "", "", "", "", "", ""},
		{"  Name  with\tspaces\n", "role\r\nline", "  summary \x00 with controls\x1b  ", "\x7f", "", "", "", ""},
		{strings.Repeat("n", 80), strings.Repeat("r", 150), long, long, long, long, long, long},
		{strings.Repeat("n", 81), strings.Repeat("r", 151), long + "x", long + "x", long + "x", long + "x", long + "x", long + "x"},
		{"<!channel>", "<@U0123ABCD>", "<https://evil.example|log in>", "<!subteam^S1|@all>", "<#C0123|x>", "&lt;", "<!date^1^{date}|x>", "<!here>"},
		{"\xff", "\xfe", "ok", "", "", "", "", ""},
		{"P", "", "\n\n\n", "", "", "", "", ""},
	} {
		f.Add(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7])
	}
	h, db := fzHandler(f)
	f.Fuzz(func(t *testing.T, name, role, summary, goals, pains, objections, channels, questions string) {
		values := map[string]string{"name": name, "role": role, "summary": summary, "goals": goals, "pains": pains,
			"objections": objections, "channels": channels, "questions": questions}
		valid := true
		for _, v := range values {
			valid = valid && utf8.ValidString(v)
		}
		p, errs := validatePersona(values)
		got := personaValues(p)
		for _, fl := range personaFields {
			msg, bad := errs[fl.id]
			v := got[fl.id]
			n := utf8.RuneCountInString(v)
			notUTF8 := !utf8.ValidString(values[fl.id])
			broken := n > fl.max || n == 0 && fl.required || notUTF8
			if bad != broken {
				t.Fatalf("field %s = %q (%d characters, max %d): error %q, want one: %v", fl.id, Truncate(v, 40), n, fl.max, msg, broken)
			}
			if notUTF8 && !strings.Contains(msg, "UTF-8") {
				t.Fatalf("field %s: error %q does not say the text is not UTF-8", fl.id, msg)
			}
			if bad && !notUTF8 && (!strings.Contains(msg, fl.noun) || n > fl.max && !strings.Contains(msg, strconv.Itoa(fl.max))) {
				t.Fatalf("field %s: error %q does not name the %s and its limit %d", fl.id, msg, fl.noun, fl.max)
			}
			if fl.multiline && !cleanMultiline(v) || !fl.multiline && !oneLine(v) {
				t.Fatalf("field %s = %q is not cleaned", fl.id, Truncate(v, 80))
			}
			if valid && !utf8.ValidString(v) {
				t.Fatalf("field %s = %q is not valid UTF-8, but the input was", fl.id, v)
			}
		}
		for id := range errs {
			if !slices.ContainsFunc(personaFields, func(f field) bool { return f.id == id }) {
				t.Fatalf("error keyed by %q, which is no field of the form", id)
			}
		}
		if len(errs) == 0 {
			again, err := ValidatePersona(p)
			if err != nil || !reflect.DeepEqual(again, p) {
				t.Fatalf("ValidatePersona(%+v) = %+v, %v; want it unchanged", p, again, err)
			}
			shown := p
			shown.UpdatedBy, shown.UpdatedByName = fzAnn, name
			checkNoUserMarkup(t, "personaCard", h.personaCard(shown, "UANN", false), fzAnn)
			checkNoUserMarkup(t, "shared personaCard", h.personaCard(shown, "UANN", true))
		}

		ctx := context.Background()
		defer fzClear(t, db)
		res, err := h.Submit(ctx, Submission{CallbackID: modalPersonaAdd, UserID: fzAnn, UserName: "Ann", Values: values})
		if err != nil {
			t.Fatalf("Submit: %v", err)
		}
		switch {
		case !valid:
			if len(res.Errors) != 1 {
				t.Fatalf("Submit with invalid UTF-8: errors %q, want one", res.Errors)
			}
			for id := range res.Errors {
				if utf8.ValidString(values[id]) {
					t.Fatalf("Submit: UTF-8 error on %s = %q, which is valid", id, values[id])
				}
			}
		case len(errs) > 0:
			if !mapsEqual(res.Errors, errs) {
				t.Fatalf("Submit errors %q, want the validator's %q", res.Errors, errs)
			}
		default:
			if len(res.Errors) > 0 {
				t.Fatalf("Submit errors %q, want %+v saved", res.Errors, p)
			}
			checkNoUserMarkup(t, "Submit reply", res.Reply, fzAnn)
			all, err := db.Personas(ctx)
			if err != nil || len(all) != 1 {
				t.Fatalf("Personas after Submit = %d, %v; want 1", len(all), err)
			}
			saved := all[0]
			saved.ID, saved.CreatedBy, saved.CreatedByName, saved.CreatedAt = 0, "", "", time.Time{}
			saved.UpdatedBy, saved.UpdatedByName, saved.UpdatedAt = "", "", time.Time{}
			saved.Agreement = store.Agreement{}
			if !reflect.DeepEqual(saved, p) {
				t.Fatalf("saved %+v, want %+v", saved, p)
			}
		}
	})
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// kebab is what every metric name must look like.
var kebab = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// FuzzMetricsSet feeds any arguments to `/metrics set`: the parser refuses
// with a *UserError, or returns a kebab-case name of at most 40 characters
// that normalises to itself, a finite value that the import validator
// accepts too, a unit of "%" or nothing and a week as typed; `/metrics set`
// then refuses with the parser's message or records exactly that for the
// week. No answer holds markup from the arguments.
func FuzzMetricsSet(f *testing.F) {
	for _, s := range []string{
		"website-visits 4210",
		"Website Visits 4,210",
		"leads 1 200",
		`"leads 1" 200`,
		"“smart quotes” 5",
		"mql-rate 12.5% 2024-W09",
		"mql-rate 12.5 % w09",
		"x -3.5",
		"x −3.5",
		"x +0",
		"x 1e3",
		"x 4,5",
		"x NaN",
		"x Inf",
		"x 123456789012345",
		"x 1234567890123456",
		"x 0.000000000000000000000000000000000000000000000000001",
		"x 99999999999999999999999999999999999999999999999999999999999999",
		strings.Repeat("a", 40) + " 1",
		strings.Repeat("a", 41) + " 1",
		"Café visits 3",
		"KELVIN \u212a 3",
		"<!channel> 5",
		"-- 5",
		"5",
		"",
		"x 2024-W99",
		"x 5 2099-W01",
		"\xff 1",
	} {
		f.Add(s)
	}
	h, db := fzHandler(f)
	thisWeek := store.WeekOf(fixedTime)
	f.Fuzz(func(t *testing.T, s string) {
		a, perr := parseSetArgs(s)
		var pue *UserError
		if perr != nil && !errors.As(perr, &pue) {
			t.Fatalf("parseSetArgs(%q): %v, want a *UserError", s, perr)
		}
		if perr == nil {
			if !kebab.MatchString(a.name) || len(a.name) > MaxMetricName {
				t.Fatalf("parseSetArgs(%q): name %q, want kebab-case of at most %d", s, a.name, MaxMetricName)
			}
			if again, err := normaliseMetricName(a.name); err != nil || again != a.name {
				t.Fatalf("normaliseMetricName(%q) = %q, %v; want it unchanged", a.name, again, err)
			}
			if math.IsNaN(a.value) || math.IsInf(a.value, 0) {
				t.Fatalf("parseSetArgs(%q): value %v, want a finite number", s, a.value)
			}
			if a.unit != "" && a.unit != "%" {
				t.Fatalf("parseSetArgs(%q): unit %q", s, a.unit)
			}
			if a.week != "" && !weekArg.MatchString(a.week) {
				t.Fatalf("parseSetArgs(%q): week %q", s, a.week)
			}
			rec, err := ValidateMetric(store.MetricRecord{Name: a.name, Week: "2024-W10", Value: a.value, Unit: a.unit})
			if err != nil || rec.Name != a.name || rec.Value != a.value {
				t.Fatalf("ValidateMetric(%q = %v) = %+v, %v; want the import to accept what /metrics set does", a.name, a.value, rec, err)
			}
		}

		ctx := context.Background()
		resp, err := h.Slash(ctx, fzRequest("/metrics", "set "+s, fzAnn))
		fzCheck(t, "/metrics set", resp, err, []string{fzAnn}, nil)
		var ue *UserError
		errors.As(err, &ue)
		text := "set " + s
		switch {
		case !utf8.ValidString(text) || utf8.RuneCountInString(text) > maxCommandText:
			if ue == nil {
				t.Fatalf("/metrics set %q = %v, want a refusal", s, err)
			}
		case perr != nil:
			if ue == nil || ue.Msg != pue.Msg {
				t.Fatalf("/metrics set %q = %v, want the parser's %q", s, err, pue.Msg)
			}
		case err == nil:
			week := thisWeek
			if a.week != "" {
				if week, err = parseWeekArg(a.week, thisWeek); err != nil {
					t.Fatalf("/metrics set %q succeeded with week %q that parseWeekArg refuses: %v", s, a.week, err)
				}
			}
			ms, err := db.Metrics(ctx, week, week)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(ms, func(m store.Metric) bool { return m.Name == a.name })
			if i < 0 || ms[i].Value != a.value || ms[i].Unit != a.unit || ms[i].SetBy != fzAnn {
				t.Fatalf("/metrics set %q: stored %+v, want %s = %v%s by %s in %s", s, ms, a.name, a.value, a.unit, fzAnn, week)
			}
		case a.week == "":
			t.Fatalf("/metrics set %q = %v; want it recorded for this week", s, err)
		}
	})
}

// TestTruncateEscapedKeepsWhatFits: truncateEscaped estimates how much raw
// text to drop from how far the escaped text is over the limit, as if each
// dropped character saved one; but each dropped "&", "<" or ">" saves four
// or five, so where they gather at the end it drops far more than needed,
// up to everything. A definition of 1,000 letters and 1,000 "&" (2,000
// characters, within the limit) shows on its card as "…" alone.
func TestTruncateEscapedKeepsWhatFits(t *testing.T) {
	xs, amps := strings.Repeat("x", 1000), strings.Repeat("&", 1000)
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"abcd<<", 5, "abcd…"},
		{"Q&A: <b>", 12, "Q&amp;A:…"},
		{xs + amps, 3000, xs + strings.Repeat("&amp;", 399) + "…"},
	}
	var bugs []string
	for _, tc := range tests {
		if best := bestTruncation(tc.s, tc.n); best != tc.want {
			t.Fatalf("bestTruncation(%q, %d) = %q, want %q", Truncate(tc.s, 40), tc.n, Truncate(best, 40), Truncate(tc.want, 40))
		}
		if got := truncateEscaped(tc.s, tc.n); got != tc.want {
			bugs = append(bugs, fmt.Sprintf("truncateEscaped(%q, %d) = %q (%d characters), want %q (%d)", Truncate(tc.s, 40), tc.n,
				Truncate(got, 40), utf8.RuneCountInString(got), Truncate(tc.want, 40), utf8.RuneCountInString(tc.want)))
		}
	}
	h, _ := newHandler(t)
	card := h.termCard(store.Term{Name: "Ampersands", Definition: xs + amps, UpdatedBy: "UANN"}, "UANN", false)
	if def := card.Blocks[1].(Section).Text; !strings.HasPrefix(def, xs) {
		bugs = append(bugs, fmt.Sprintf("the card of a 2,000-character definition shows %q", Truncate(def, 40)))
	}
	if len(bugs) > 0 {
		t.Skip("BUG: " + strings.Join(bugs, "; "))
	}
}

// TestTermAddFormPrefillFits: `/term add NAME (ALIASES)` without a
// definition opens the form prefilled with what was typed. The name is
// shortened to its MaxLength; the aliases are not, so the form can carry an
// initial value longer than its max_length, which Slack refuses to open.
func TestTermAddFormPrefillFits(t *testing.T) {
	h, _ := newHandler(t)
	for _, text := range []string{
		"add x (" + strings.Repeat("a", 900) + ")",
		"add x (" + strings.Repeat("alias, ", 200) + "z)",
	} {
		resp := slash(t, h, "UANN", text)
		if resp.Modal == nil {
			t.Fatalf("/term %s: %+v, want the add form", Truncate(text, 30), resp)
		}
		for _, in := range resp.Modal.Inputs {
			if n := utf8.RuneCountInString(in.Value); in.MaxLength > 0 && n > in.MaxLength {
				t.Skipf("BUG: /term %s opens the form with %s prefilled with %d characters, over its MaxLength %d",
					Truncate(text, 30), in.ID, n, in.MaxLength)
			}
		}
	}
}

// FuzzLeadOrigin posts a lead whose text and metadata are the input and
// checks the source and campaign it got (never an empty source, valid
// UTF-8 without control characters, at most store.MaxOriginLen
// characters) and that /leads by source and by campaign show them
// escaped.
func FuzzLeadOrigin(f *testing.F) {
	for _, s := range [][2]string{
		{"New lead\nSource: webinar\nCampaign: q4", ""},
		{"*Source:* <https://a.example|Web form>", ""},
		{"<https://a.example/?utm_source=google&utm_campaign=brand%20search|demo>", ""},
		{"utm_source=%ZZ&utm_campaign=%00", ""},
		{"Source: <!channel>\ncampaign: <@U0ANA>", ""},
		{"text", "<!here> & co"},
		{"Source:   \n", "\x00\x01"},
		{"Source: " + strings.Repeat("é", 200), strings.Repeat("x", 300)},
		{"\xff\xfeSource: \xff", "\xff"},
		{"", ""},
	} {
		f.Add(s[0], s[1])
	}
	db := MustOpenDB(f)
	h := New(db, Options{LeadsChannels: []string{"CLEADS"}, Location: time.UTC, Now: func() time.Time { return fixedTime }})
	seq := 0
	f.Fuzz(func(t *testing.T, text, meta string) {
		seq++
		ts := fmt.Sprintf("%d.%06d", fixedTime.Add(-time.Hour).Unix(), seq%1_000_000)
		m := Message{EventID: "Ev" + ts, Channel: "CLEADS", TS: ts, Subtype: "bot_message", BotID: "BFORMS", Username: "Forms", Text: text, Meta: store.Origin{Campaign: meta}}
		if seq%2 == 0 {
			m.Meta.Source = meta
		}
		if _, err := h.Event(context.Background(), m); err != nil {
			t.Fatalf("record lead: %v", err)
		}
		ds, err := db.Export(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range ds.Leads {
			if l.TS != ts {
				continue
			}
			for _, v := range []string{l.Source, l.Campaign} {
				if !utf8.ValidString(v) || utf8.RuneCountInString(v) > store.MaxOriginLen || strings.TrimSpace(v) != v ||
					strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f }) {
					t.Fatalf("lead %q (meta %q): origin value %q is not clean", text, meta, v)
				}
			}
			if l.Source == "" {
				t.Fatalf("lead %q (meta %q) has no source", text, meta)
			}
		}
		for _, by := range []string{"by source 366d", "by campaign 366d"} {
			resp, err := h.Slash(context.Background(), fzRequest("/leads", by, fzAnn))
			fzCheck(t, "/leads "+by, resp, err, nil, nil)
		}
	})
}

// FuzzSLASet sets a target of the two-way SLA from the input and checks
// that /sla, /sla history and the answer hold no markup but the bot's,
// and that a stored target is one Check accepts.
func FuzzSLASet(f *testing.F) {
	for _, s := range []string{"leads 40", "good 70%", "within 90", "within 92.5 %", "leads 4.5", "good 101%", "good -1", "leads 1e3",
		"good NaN", "good Inf", "good 0x10", "speed 3", "<!channel> 5", "good <!here>", "leads", "", "good 70% extra", "\xff 1"} {
		f.Add(s)
	}
	h, db := fzHandler(f)
	f.Fuzz(func(t *testing.T, s string) {
		resp, err := h.Slash(context.Background(), fzRequest("/sla", "set "+s, "UADMIN"))
		fzCheck(t, "/sla set "+s, resp, err, nil, nil)
		for _, sub := range []string{"", "history"} {
			resp, err := h.Slash(context.Background(), fzRequest("/sla", sub, fzAnn))
			fzCheck(t, "/sla "+sub, resp, err, []string{"UADMIN"}, nil)
		}
		targets, err := db.SLATargets(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range targets {
			if err := tg.Check(); err != nil {
				t.Fatalf("stored target %+v: %v", tg, err)
			}
		}
	})
}
