package commands

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"plain text, no markup", "plain text, no markup"},
		{"a & b", "a &amp; b"},
		{"<!channel>", "&lt;!channel&gt;"},
		{"<@U123>", "&lt;@U123&gt;"},
		{"<https://evil|click>", "&lt;https://evil|click&gt;"},
		{"x > y < z", "x &gt; y &lt; z"},
		{"&amp;", "&amp;amp;"}, // typed entities show as typed
		{"&&", "&amp;&amp;"},
		{"*bold* _it_ ~s~ `code`", "*bold* _it_ ~s~ `code`"},
		{"日本語 ü 🎉 — “quotes”", "日本語 ü 🎉 — “quotes”"},
		{"café & thé <3", "café &amp; thé &lt;3"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := Escape(tc.in); got != tc.want {
				t.Fatalf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"hello", 10, "hello"},
		{"hello", 5, "hello"},
		{"hello world", 5, "hell…"},
		{"hello world", 6, "hello…"},
		{"ab cd", 4, "ab…"}, // no space before the ellipsis
		{"héllo wörld", 7, "héllo…"},
		{"héllo wörld", 8, "héllo w…"},
		{"日本語のテキスト", 3, "日本…"},
		{"🎉🎉🎉🎉", 2, "🎉…"},
		{"abc", 1, "…"},
		{"abc", 0, ""},
		{"abc", -1, ""},
		{"", 0, ""},
		{"", 3, ""},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s_%d", tc.in, tc.n), func(t *testing.T) {
			got := Truncate(tc.in, tc.n)
			if got != tc.want {
				t.Fatalf("Truncate(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
			}
			if !utf8.ValidString(got) {
				t.Fatalf("Truncate(%q, %d) = %q, not valid UTF-8", tc.in, tc.n, got)
			}
			if n := utf8.RuneCountInString(got); n > max(tc.n, 0) {
				t.Fatalf("Truncate(%q, %d) has %d characters", tc.in, tc.n, n)
			}
		})
	}
}

func TestTruncateEscaped(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"a & b", 100, "a &amp; b"},
		{"a & b", 9, "a &amp; b"},
		{"<@U1>", 11, "&lt;@U1&gt;"},
		{"hello world", 6, "hello…"},
		{"ab & cd", 7, "ab…"},
		{"ab &cd", 9, "ab &amp;…"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s_%d", tc.in, tc.n), func(t *testing.T) {
			if got := truncateEscaped(tc.in, tc.n); got != tc.want {
				t.Fatalf("truncateEscaped(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
			}
		})
	}
}

// truncateEscaped never exceeds its limit and never cuts an entity: what it
// returns, less a final "…", is the escaping of a prefix of its input.
func TestTruncateEscapedProperties(t *testing.T) {
	inputs := []string{
		"plain words only",
		"&&&&&&&&&&",
		"<<<<>>>>",
		"a&b<c>d&e",
		"Q&A <draft> & notes",
		"<!channel> <@U123> <https://evil|click> & co",
		"日本 & 語 <テキスト>",
		strings.Repeat("R&D ", 50),
		"trailing space &   ",
	}
	unescape := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")
	for _, in := range inputs {
		for n := 1; n <= utf8.RuneCountInString(Escape(in))+2; n++ {
			got := truncateEscaped(in, n)
			if c := utf8.RuneCountInString(got); c > n {
				t.Fatalf("truncateEscaped(%q, %d) = %q, %d characters", in, n, got, c)
			}
			body, cut := strings.CutSuffix(got, "…")
			if !cut && got != Escape(in) {
				t.Fatalf("truncateEscaped(%q, %d) = %q: changed but not marked with …", in, n, got)
			}
			if cut && got == Escape(in) {
				continue // the input itself ended in …
			}
			// Every & starts a whole entity.
			for i := 0; i < len(body); i++ {
				if body[i] != '&' {
					continue
				}
				rest := body[i:]
				if !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
					t.Fatalf("truncateEscaped(%q, %d) = %q cuts an entity at %q", in, n, got, rest)
				}
			}
			if strings.ContainsAny(body, "<>") {
				t.Fatalf("truncateEscaped(%q, %d) = %q contains < or >", in, n, got)
			}
			raw := unescape.Replace(body)
			if !strings.HasPrefix(in, raw) {
				t.Fatalf("truncateEscaped(%q, %d) = %q, which is not a prefix of the input", in, n, got)
			}
			if Escape(raw) != body {
				t.Fatalf("truncateEscaped(%q, %d) = %q, not the escaping of %q", in, n, got, raw)
			}
		}
	}
}

func TestTruncateEscapedZero(t *testing.T) {
	for _, n := range []int{0, -1} {
		if got := truncateEscaped("x & y", n); got != "" {
			t.Fatalf("truncateEscaped(%q, %d) = %q, want %q", "x & y", n, got, "")
		}
	}
}
