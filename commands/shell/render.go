package shell

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kyokomi/emoji/v2"

	"smarketing/commands"
)

// Renderer turns the bot's answers (Block Kit blocks of Slack mrkdwn) into
// text for a terminal: no Slack markup is left, bold and colour are ANSI
// escapes when Color is set and plain text otherwise.
type Renderer struct {
	Color bool
	// Channel names a channel ID ("sales-marketing"), or returns "" when it
	// does not know it; nil knows none.
	Channel func(id string) string
	// User names a user ID ("ana"), or returns "" when it does not know it;
	// nil knows none.
	User func(id string) string
}

// Render turns a response into plain text, without colour. Buttons are
// listed as numbered choices.
func Render(r commands.Response) string {
	text, buttons := Renderer{}.Response(r)
	for i, b := range buttons {
		text += fmt.Sprintf("  [%d] %s\n", i+1, Renderer{}.Mrkdwn(b.Text))
	}
	return text
}

// ANSI select graphic rendition sequences, each with the one that undoes
// only it, so that styles nest.
const (
	bold, noBold     = "\x1b[1m", "\x1b[22m"
	dim              = "\x1b[2m"
	italic, noItalic = "\x1b[3m", "\x1b[23m"
	strike, noStrike = "\x1b[9m", "\x1b[29m"
	cyan, noColour   = "\x1b[36m", "\x1b[39m"
)

func (r Renderer) style(on, off, s string) string {
	if !r.Color || s == "" {
		return s
	}
	return on + s + off
}

// Response renders r's blocks (or its fallback text when it has none) and
// returns the buttons it carried, in order, for the caller to offer as
// numbered choices.
func (r Renderer) Response(resp commands.Response) (string, []commands.Button) {
	var b strings.Builder
	var buttons []commands.Button
	if len(resp.Blocks) == 0 {
		b.WriteString(r.Mrkdwn(resp.Text) + "\n")
	}
	for _, blk := range resp.Blocks {
		switch blk := blk.(type) {
		case commands.Header:
			// A header is plain text: only its entities need decoding.
			t := decodeEntities(sanitize(blk.Text))
			b.WriteString(r.style(bold, noBold, t) + "\n" + strings.Repeat("═", min(utf8.RuneCountInString(t), 60)) + "\n")
		case commands.Section:
			if strings.TrimSpace(blk.Text) != "" {
				b.WriteString(r.Mrkdwn(blk.Text) + "\n")
			}
			for _, f := range blk.Fields {
				b.WriteString(indent(r.field(f), "  ") + "\n")
			}
		case commands.Context:
			for _, t := range blk.Texts {
				b.WriteString(indent(r.style(dim, noBold, r.Mrkdwn(t)), "  ") + "\n")
			}
		case commands.Divider:
			b.WriteString(strings.Repeat("─", 40) + "\n")
		case commands.Actions:
			buttons = append(buttons, blk.Buttons...)
		}
	}
	return b.String(), buttons
}

// field renders a section field: "*Label*\nvalue" reads "Label: value".
func (r Renderer) field(f string) string {
	if head, rest, ok := strings.Cut(f, "\n"); ok && len(head) > 2 && head[0] == '*' && head[len(head)-1] == '*' && !strings.Contains(head[1:len(head)-1], "*") {
		return r.Mrkdwn(head) + ": " + r.Mrkdwn(rest)
	}
	return r.Mrkdwn(f)
}

func indent(s, by string) string {
	return by + strings.ReplaceAll(s, "\n", "\n"+by)
}

// Mrkdwn renders one piece of Slack mrkdwn: *bold*, _italic_, ~strike~,
// `code` and ```blocks```, <links|text>, <#C…|channel> and <@U…> mentions,
// :emoji: codes and the &amp; &lt; &gt; entities. Anything else is shown as
// it is.
func (r Renderer) Mrkdwn(s string) string {
	s = sanitize(s)
	var b strings.Builder
	for {
		start := strings.Index(s, "```")
		if start < 0 {
			break
		}
		end := strings.Index(s[start+3:], "```")
		if end < 0 {
			break
		}
		b.WriteString(r.inline(s[:start]))
		code := strings.Trim(s[start+3:start+3+end], "\n")
		b.WriteString(r.style(cyan, noColour, decodeEntities(code)))
		s = s[start+3+end+3:]
	}
	b.WriteString(r.inline(s))
	return b.String()
}

// inline renders text without code blocks.
func (r Renderer) inline(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case '`':
			if j := strings.IndexByte(s[i+1:], '`'); j > 0 && !strings.Contains(s[i+1:i+1+j], "\n") {
				b.WriteString(r.style(cyan, noColour, decodeEntities(s[i+1:i+1+j])))
				i += j + 2
				continue
			}
		case '<':
			if j := strings.IndexByte(s[i:], '>'); j > 0 {
				b.WriteString(r.angle(s[i+1 : i+j]))
				i += j + 1
				continue
			}
		case '*', '_', '~':
			if j, ok := closing(s, i); ok {
				inner := r.inline(s[i+1 : j])
				switch c {
				case '*':
					inner = r.style(bold, noBold, inner)
				case '_':
					inner = r.style(italic, noItalic, inner)
				default:
					inner = r.style(strike, noStrike, inner)
				}
				b.WriteString(inner)
				i = j + 1
				continue
			}
		case ':':
			if e, n := emojiAt(s, i); n > 0 {
				b.WriteString(e)
				i += n
				continue
			}
		case '&':
			if e, n := entityAt(s[i:]); n > 0 {
				b.WriteString(e)
				i += n
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// closing finds the marker that closes the one opening at s[i], as Slack
// reads them: the opening one starts a word and is followed by a non-space,
// the closing one ends a word, on the same line. "file_name_here" and
// "5 * 3 * 2" stay as they are.
func closing(s string, i int) (int, bool) {
	m := s[i]
	if i > 0 {
		if prev, _ := utf8.DecodeLastRuneInString(s[:i]); isWordRune(prev) || prev == rune(m) {
			return 0, false
		}
	}
	if i+1 >= len(s) || s[i+1] == ' ' || s[i+1] == '\n' || s[i+1] == m {
		return 0, false
	}
	for j := i + 2; j < len(s); j++ {
		switch s[j] {
		case '\n':
			return 0, false
		case '<':
			// A link or mention inside is skipped whole: its URL may hold the marker.
			if k := strings.IndexByte(s[j:], '>'); k > 0 {
				j += k
			}
			continue
		case m:
			if s[j-1] == ' ' {
				continue
			}
			if next, _ := utf8.DecodeRuneInString(s[j+1:]); j+1 < len(s) && isWordRune(next) {
				continue
			}
			return j, true
		}
	}
	return 0, false
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// angle renders what Slack writes between < and >.
func (r Renderer) angle(s string) string {
	target, label, hasLabel := strings.Cut(s, "|")
	label = decodeEntities(label)
	switch {
	case strings.HasPrefix(target, "#"):
		if !hasLabel && r.Channel != nil {
			label = r.Channel(target[1:])
		}
		if label == "" {
			label = target[1:]
		}
		return r.style(bold, noBold, "#"+label)
	case strings.HasPrefix(target, "@"):
		if !hasLabel && r.User != nil {
			label = r.User(target[1:])
		}
		if label == "" {
			label = target[1:]
		}
		return r.style(bold, noBold, "@"+strings.TrimPrefix(label, "@"))
	case strings.HasPrefix(target, "!"):
		// <!here>, <!subteam^S123|@team>, <!date^…^{date}|fallback>
		if hasLabel {
			return label
		}
		name, _, _ := strings.Cut(target[1:], "^")
		return "@" + name
	}
	url := decodeEntities(target)
	if m, ok := strings.CutPrefix(url, "mailto:"); ok {
		url = m
	}
	if !hasLabel || label == url {
		return r.style("\x1b[4m", "\x1b[24m", url)
	}
	return r.inline(s[len(target)+1:]) + " (" + r.style("\x1b[4m", "\x1b[24m", url) + ")"
}

// emojiAt returns the emoji for a :code: starting at s[i] and its length in
// bytes, or 0 when there is none: codes are looked up in kyokomi/emoji's
// table of the names Slack and GitHub use. A colon after a digit starts
// no code, so "10:55:00" stays a time.
func emojiAt(s string, i int) (string, int) {
	if i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		return "", 0
	}
	end := strings.IndexByte(s[i+1:], ':')
	if end <= 0 || end > 60 {
		return "", 0
	}
	code := s[i : i+end+2]
	for _, c := range code[1 : len(code)-1] {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.ContainsRune("_+-'", c)) {
			return "", 0
		}
	}
	e, ok := emoji.CodeMap()[code]
	if !ok {
		return "", 0
	}
	return e, len(code)
}

var entities = []struct{ from, to string }{{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}}

// entityAt decodes one of Slack's three entities at the start of s.
func entityAt(s string) (string, int) {
	for _, e := range entities {
		if strings.HasPrefix(s, e.from) {
			return e.to, len(e.from)
		}
	}
	return "", 0
}

func decodeEntities(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(s)
}

// sanitize drops what must not reach a terminal from text that may hold
// user input: control characters other than newline and tab (an escape
// sequence could move the cursor or retitle the window) and the
// bidirectional overrides that make text read differently from its bytes.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case unicode.IsControl(r), r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
			return -1
		}
		return r
	}, s)
}
