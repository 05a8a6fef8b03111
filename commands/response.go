package commands

import (
	"context"
	"strings"
	"unicode/utf8"
)

// Response is what a command answers, independent of Slack: blocks for rich
// clients, Text as the plain fallback, and optionally a form to open.
type Response struct {
	Text      string  // fallback text (mrkdwn, already escaped)
	Blocks    []Block // may be empty: then Text is shown
	InChannel bool    // visible to everyone in the channel, not just the caller
	// Replace replaces the message an action came from instead of adding one.
	Replace bool
	// Modal, when set, is a form to open for the caller instead of a message.
	Modal *Modal
	// Later, if set, is a write that need not delay the answer (counting a
	// lookup that found nothing): the bot runs it after the ack, the shell
	// after printing. Losing it to a crash loses a statistic, nothing more.
	Later func(ctx context.Context) error
	// Notify reports whether the answer may have defined a term someone
	// asked for: the bot then asks [Handler.Answered] for the direct
	// messages owed, after the ack.
	Notify bool
	// DMs are direct messages the answer makes due (an edit tells those
	// who approved the previous version; a dispute tells the owner): the
	// bot sends them after the answer, the shell prints them.
	DMs []DM
	// Posts are messages the answer makes due in a channel (an insight's
	// card): the bot posts them after the answer, the shell prints them.
	Posts []Post
}

// Post is a message owed to a channel.
type Post struct {
	Channel string
	Message Response
}

// DM is a direct message owed to a user: the bot posts it with the user's
// ID as the channel.
type DM struct {
	User    string
	Message Response
}

// Block is one Block Kit block: [Header], [Section], [Context], [Divider] or
// [Actions].
type Block interface{ block() }

// Header is a large plain-text title (escaped, at most 150 characters).
type Header struct{ Text string }

// Section is a paragraph of mrkdwn text, optionally with short fields.
type Section struct {
	Text   string
	Fields []string
}

// Context is a line of small mrkdwn text.
type Context struct{ Texts []string }

// Divider is a horizontal rule.
type Divider struct{}

// Actions is a row of buttons.
type Actions struct{ Buttons []Button }

// Button is a clickable button. ActionID says what it does (see the Action*
// constants) and Value carries its argument.
type Button struct {
	ActionID string
	Text     string
	Value    string
	Primary  bool
}

func (Header) block()  {}
func (Section) block() {}
func (Context) block() {}
func (Divider) block() {}
func (Actions) block() {}

// Action ids of the buttons commands put on messages.
const (
	// ActionRun re-runs the slash command line in Value as the clicking user
	// and replaces the message with its answer.
	ActionRun = "run"
	// ActionShare posts the answer to the read-only command line in Value to
	// the channel, for everyone.
	ActionShare = "share"
	// ActionRequest asks for a DM when a term named Value (a key made by
	// [store.Key]) is added.
	ActionRequest = "request_definition"
)

// Modal is a form. Its submission comes back as a [Submission] with the same
// CallbackID and Metadata and one value per Input ID.
type Modal struct {
	CallbackID string
	Title      string // at most 24 characters
	Submit     string
	Metadata   string
	Inputs     []Input
	// Inline is the one-line command that does what the form does, for a
	// console that cannot ask field by field (the shell reading a script);
	// empty when there is none.
	Inline string
}

// Input is one text field of a modal.
type Input struct {
	ID          string
	Label       string
	Hint        string
	Placeholder string
	Value       string // initial value
	Multiline   bool
	Optional    bool
	MaxLength   int
	// Channel reports whether the input names a channel, so that a console
	// can turn a typed #name into a channel mention as Slack would.
	Channel bool
	// Options, when set, make the input a menu of them (Value is the
	// value of the one chosen at first); External makes it a menu whose
	// options are asked for as the user types ([Handler.Suggest]). The
	// submitted value is the chosen option's Value.
	Options  []Option
	External bool
}

// Option is one choice of a menu: Text is shown (plain text, at most 75
// characters), Value is what a submission carries.
type Option struct {
	Text  string
	Value string
}

// Escape makes user text inert in Slack mrkdwn and plain_text: it replaces
// the three control characters &, < and > with entities, so no user text can
// form a mention (<!channel>, <@U…>), a link or a date token.
func Escape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return escaper.Replace(s)
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Truncate shortens s to at most n characters (runes), ending with "…" when
// it cut something. It cuts on a rune boundary and, since s may be
// escaped mrkdwn, before an entity ("&amp;") or a <…> token (a mention, a
// channel, a link) that the cut would split: half of one shows as junk
// ("&am…") or breaks the link.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	r := []rune(s)[:n-1]
	return string(r[:markupCut(r)]) + "…"
}

// maxTokenBackoff bounds how far back [Truncate] goes to keep a <…> token
// whole; Slack's tokens are far shorter.
const maxTokenBackoff = 1000

// markupCut returns where to end the kept runes r: at their end, less
// trailing space, a split entity or a split token.
func markupCut(r []rune) int {
	k := trimSpaceRunes(r, len(r))
	// An entity is "&" and at most 7 letters, digits or "#", then ";".
	for i := k - 1; i >= 0 && i >= k-8; i-- {
		if r[i] == '&' {
			k = trimSpaceRunes(r, i)
			break
		}
		if r[i] != '#' && !isAlnum(r[i]) {
			break
		}
	}
	// A token starts "<@", "<#", "<!" or "<http"/"<mailto:" and ends ">".
	for i := k - 1; i >= 0 && i >= k-maxTokenBackoff; i-- {
		if r[i] == '>' {
			break
		}
		if r[i] == '<' && tokenStart(r[i+1:k]) {
			k = trimSpaceRunes(r, i)
			break
		}
	}
	return k
}

// tokenStart reports whether rest, what follows a "<", may begin a Slack
// token (or is too short to tell).
func tokenStart(rest []rune) bool {
	if len(rest) == 0 {
		return true
	}
	switch rest[0] {
	case '@', '#', '!':
		return true
	}
	for _, p := range []string{"http", "mailto:"} {
		head := string(rest[:min(len(rest), len(p))])
		if strings.HasPrefix(p, strings.ToLower(head)) {
			return true
		}
	}
	return false
}

func trimSpaceRunes(r []rune, k int) int {
	for k > 0 && isSpace(r[k-1]) {
		k--
	}
	return k
}

func isAlnum(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// truncateEscaped escapes s and keeps the result within n characters,
// keeping as much of s as fits and never cutting an entity in half.
func truncateEscaped(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if out := Escape(s); utf8.RuneCountInString(out) <= n {
		return out
	}
	r := []rune(s)
	cut := func(k int) string { return Escape(strings.TrimRightFunc(string(r[:k]), isSpace)) + "…" }
	// The longest prefix whose escaped form, with "…", fits: escaping only
	// grows text, so fitting is monotone in the prefix length.
	lo, hi := 0, len(r)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if utf8.RuneCountInString(cut(mid)) <= n {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return cut(lo)
}

func isSpace(r rune) bool { return r == ' ' || r == '\n' || r == '\t' }
