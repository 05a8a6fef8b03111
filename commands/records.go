package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"smarketing/store"
)

// field is one text field of a record (a term or a persona) with its limits;
// the same rules apply in forms, inline commands and imports.
type field struct {
	id        string // Input.ID in forms
	noun      string // how messages name it: "name", "definition"
	max       int    // characters
	required  bool
	multiline bool
}

// clean normalises a value: single-line fields get their whitespace
// collapsed; multi-line ones keep line breaks but lose other control
// characters and surrounding space.
func (f field) clean(v string) string {
	if !f.multiline {
		return singleLine(v)
	}
	v = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !unicode.IsControl(r) {
			return r
		}
		return -1
	}, strings.ReplaceAll(v, "\r\n", "\n"))
	return strings.TrimSpace(v)
}

// singleLine collapses whitespace and turns control characters into spaces:
// they could reach a terminal through the shell, or forge a button
// reference.
func singleLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// check cleans v and records a problem in errs if it breaks a limit.
func (f field) check(errs map[string]string, v string) string {
	if !utf8.ValidString(v) {
		// Slack always sends UTF-8; files being imported may not.
		errs[f.id] = fmt.Sprintf("The %s is not valid UTF-8 text; save the file as UTF-8.", f.noun)
		return f.clean(strings.ToValidUTF8(v, "\uFFFD"))
	}
	v = f.clean(v)
	switch n := utf8.RuneCountInString(v); {
	case n == 0 && f.required:
		errs[f.id] = fmt.Sprintf("Fill in the %s.", f.noun)
	case n > f.max:
		errs[f.id] = fmt.Sprintf("The %s is at most %d characters (this one has %d).", f.noun, f.max, n)
	}
	return v
}

// joinErrors turns field problems into one error, in the fields' order.
func joinErrors(errs map[string]string, fields []field) error {
	var msgs []string
	for _, f := range fields {
		if m, ok := errs[f.id]; ok {
			msgs = append(msgs, m)
		}
	}
	return &UserError{Msg: strings.Join(msgs, " ")}
}

// Buttons name records by reference, not by their name: a name is user text
// and would be read again as a command line ("/term edit LTV = CLV" is an
// edit, not a form). A reference starts with a control character nobody
// types.
const refPrefix = "\x1f"

// idRef refers to the record with that id.
func idRef(id int64) string { return refPrefix + "id:" + strconv.FormatInt(id, 10) }

// nameRef carries a name to prefill, taken as it is.
func nameRef(name string) string { return refPrefix + "name:" + name }

// parseRef reads a reference made by idRef or nameRef.
func parseRef(s string) (id int64, name string, ok bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), refPrefix)
	if !ok {
		return 0, "", false
	}
	if n, found := strings.CutPrefix(rest, "name:"); found {
		return 0, n, true
	}
	if v, found := strings.CutPrefix(rest, "id:"); found {
		id, err := strconv.ParseInt(v, 10, 64)
		return id, "", err == nil
	}
	return 0, "", false
}

// cardActions are the buttons under a record's card.
func cardActions(command string, id int64) Actions {
	ref := idRef(id)
	return Actions{Buttons: []Button{
		{ActionID: ActionShare, Text: "Share in channel", Value: command + " " + ref, Primary: true},
		{ActionID: ActionRun, Text: "Edit", Value: command + " edit " + ref},
		{ActionID: ActionRun, Text: "History", Value: command + " history " + ref},
	}}
}

// shareActions is the single button under a read-only answer.
func shareActions(line string) Actions {
	return Actions{Buttons: []Button{{ActionID: ActionShare, Text: "Share in channel", Value: line}}}
}

// renderHistory lists a record's versions, newest first, the ten latest in
// full. body renders one version's content (escaped mrkdwn) and summary a
// one-line form of it for the text fallback.
func renderHistory[T any](h *Handler, name string, revs []store.Revision[T], a store.Agreement, body, summary func(T) string, shared bool, shareLine string) Response {
	const shown = 10
	title := fmt.Sprintf("History of *%s* (%d version%s, newest first)", Escape(name), len(revs), plural(len(revs)))
	blocks := []Block{Section{Text: title}}
	lines := []string{title}
	for i, r := range revs {
		if i == shown {
			more := fmt.Sprintf("…and %d older version%s.", len(revs)-shown, plural(len(revs)-shown))
			blocks = append(blocks, Context{Texts: []string{more}})
			lines = append(lines, more)
			break
		}
		head := fmt.Sprintf("%s by %s, %s", r.Action, byline(r.EditedBy, r.EditedByName, shared), h.when(r.EditedAt))
		if r.Version > 0 {
			head = fmt.Sprintf("Version %d, %s", r.Version, head)
		}
		blocks = append(blocks, Divider{}, Context{Texts: []string{head}}, Section{Text: body(r.Value)})
		lines = append(lines, head+": "+summary(r.Value))
		if signs := h.signoffLines(a, r.Version, shared); r.Version > 0 && signs != "" {
			blocks = append(blocks, Context{Texts: []string{signs}})
			lines = append(lines, "  "+signs)
		}
	}
	if !shared {
		blocks = append(blocks, shareActions(shareLine))
	}
	return Response{Text: Truncate(strings.Join(lines, "\n"), 3900), Blocks: blocks}
}

// savedNote puts a confirmation above a record's card.
func savedNote(note string, card Response) Response {
	card.Blocks = append([]Block{Section{Text: note}}, card.Blocks...)
	card.Text = note + "\n" + card.Text
	return card
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// packLines puts lines, one per line, into as few sections as Slack's
// 3,000-character limit allows, at most maxSections of them; it returns how
// many lines did not fit.
func packLines(lines []string, maxSections int) (blocks []Block, omitted int) {
	const maxSection = 2900
	body := ""
	for _, line := range lines {
		if omitted > 0 {
			omitted++
			continue
		}
		if body != "" && utf8.RuneCountInString(body)+1+utf8.RuneCountInString(line) > maxSection {
			if len(blocks) >= maxSections-1 {
				omitted++
				continue
			}
			blocks = append(blocks, Section{Text: body})
			body = ""
		}
		if body != "" {
			body += "\n"
		}
		body += line
	}
	if body != "" {
		blocks = append(blocks, Section{Text: body})
	}
	return blocks, omitted
}

// subcommands are the first words /term and /persona read as a subcommand
// rather than as the start of a name.
var subcommands = map[string]bool{
	"": true, "help": true, "-h": true, "--help": true, "?": true, "list": true, "search": true, "find": true,
	"history": true, "add": true, "new": true, "edit": true, "update": true, "delete": true, "remove": true, "rm": true,
	"approve": true, "dispute": true, "owner": true, "review": true, "gaps": true,
}

// typeable reports whether name, typed after a subcommand ("/term edit
// NAME"), reads back as that name and nothing else: no "=" (a definition
// would follow), no parentheses (aliases), nothing cleanName strips.
func typeable(name string) bool {
	return name != "" && name == cleanName(name) && singleLine(name) == name &&
		!strings.ContainsAny(name, "=()"+refPrefix)
}

// startsWithSubcommand reports whether "/term NAME" would read NAME's first
// word as a subcommand ("/term list building").
func startsWithSubcommand(name string) bool {
	first, _ := splitWord(name)
	return subcommands[strings.ToLower(first)]
}

// Retype returns the command line a person can type for a button's line
// (the Value of an [ActionRun] or [ActionShare] button), with a record
// reference replaced by the record's name. ok is false when no typed line
// does the same: the record is gone, or its name would be read as
// something else (it contains "=", or is taken for another record).
func (h *Handler) Retype(ctx context.Context, line string) (string, bool) {
	cmd, text, _ := strings.Cut(line, " ")
	i := strings.Index(text, refPrefix)
	if i < 0 {
		return line, singleLine(line) == line
	}
	head, ref := text[:i], text[i:]
	id, name, ok := parseRef(ref)
	if !ok {
		return "", false
	}
	if id != 0 {
		switch cmd {
		case "/term":
			t, err := h.db.TermByID(ctx, id)
			if err != nil || !typeable(t.Name) {
				return "", false
			}
			if again, _, err := h.findTerm(ctx, t.Name); err != nil || again.ID != id {
				return "", false
			}
			name = t.Name
		case "/persona":
			p, err := h.db.PersonaByID(ctx, id)
			if err != nil || !typeable(p.Name) {
				return "", false
			}
			if found, err := store.FindPersonas(ctx, h.db, p.Name); err != nil || len(found) != 1 || found[0].ID != id {
				return "", false
			}
			name = p.Name
		default:
			return "", false
		}
	}
	if !typeable(name) || head == "" && startsWithSubcommand(name) {
		return "", false
	}
	return cmd + " " + head + name, true
}
