package shell

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"smarketing/commands"
)

func TestMrkdwn(t *testing.T) {
	names := Renderer{
		Channel: func(id string) string { return map[string]string{"C0123ABCD": "general"}[id] },
		User:    func(id string) string { return map[string]string{"USHELL": "ana"}[id] },
	}
	tests := []struct {
		name, in, want string
		color          bool
	}{
		{name: "bold", in: "*Leads posted*: 0", want: "Leads posted: 0"},
		{name: "italic", in: "Terms matching _qualified lead_, best first:", want: "Terms matching qualified lead, best first:"},
		{name: "strike", in: "~old~ new", want: "old new"},
		{name: "code", in: "Use `/term add NAME = DEFINITION`.", want: "Use /term add NAME = DEFINITION."},
		{name: "code keeps markers", in: "`*not bold*`", want: "*not bold*"},
		{name: "code block", in: "Before\n```\nline *one*\n```\nafter", want: "Before\nline *one*\nafter"},
		{name: "nested", in: "*bold _and italic_*", want: "bold and italic"},
		{name: "in words", in: "file_name_here and 5 * 3 * 2", want: "file_name_here and 5 * 3 * 2"},
		{name: "link", in: "<https://acme.slack.com/archives/C1/p1|New lead from Acme>", want: "New lead from Acme (https://acme.slack.com/archives/C1/p1)"},
		{name: "bare link", in: "see <https://example.com/a_b_c>", want: "see https://example.com/a_b_c"},
		{name: "mailto", in: "<mailto:ana@example.com|ana@example.com>", want: "ana@example.com"},
		{name: "link in bold", in: "*<https://x.test/a*b|x>*", want: "x (https://x.test/a*b)"},
		{name: "channel named", in: "in <#C0999ZZZZ|sales-marketing>", want: "in #sales-marketing"},
		{name: "channel looked up", in: "in <#C0123ABCD>", want: "in #general"},
		{name: "channel unknown", in: "in <#C0999ZZZZ>", want: "in #C0999ZZZZ"},
		{name: "user looked up", in: "Last edited by <@USHELL>", want: "Last edited by @ana"},
		{name: "user unknown", in: "by <@U0BOB>", want: "by @U0BOB"},
		{name: "special", in: "<!here> <!subteam^S1|@sales> <!date^1700000000^{date}|14 Nov>", want: "@here @sales 14 Nov"},
		{name: "emoji", in: ":white_check_mark: Added :memo: :+1: :-1: :fire: :x:", want: "✅ Added 📝 👍 👎 🔥 ❌"},
		{name: "skin tone", in: ":+1::skin-tone-2:", want: "👍🏻"},
		{name: "unknown emoji", in: ":not_an_emoji_code:", want: ":not_an_emoji_code:"},
		{name: "times", in: "at 10:55:00 or 12:100:", want: "at 10:55:00 or 12:100:"},
		{name: "entities", in: "R&amp;D &lt;!channel&gt; &amp;lt;", want: "R&D <!channel> &lt;"},
		{name: "entities in link text", in: "<https://x.test/?a=1&amp;b=2|Q&amp;A>", want: "Q&A (https://x.test/?a=1&b=2)"},
		{name: "controls dropped", in: "Lead\x1b[2J\x07 \u202eevil", want: "Lead[2J evil"},
		{name: "colour", in: "*a* _b_ `c` <#C0123ABCD>", want: "\x1b[1ma\x1b[22m \x1b[3mb\x1b[23m \x1b[36mc\x1b[39m \x1b[1m#general\x1b[22m", color: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := names
			r.Color = tc.color
			if got := r.Mrkdwn(tc.in); got != tc.want {
				t.Errorf("Mrkdwn(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestRenderResponse(t *testing.T) {
	tests := []struct {
		name    string
		resp    commands.Response
		want    string
		buttons int
	}{
		{
			name: "card",
			resp: commands.Response{Text: "fallback", Blocks: []commands.Block{
				commands.Header{Text: "R&amp;D"},
				commands.Section{Text: "Uses &lt;!channel&gt; safely", Fields: []string{"*Rated*\n3 of 4", "*Hot* leads: 2"}},
				commands.Context{Texts: []string{"Last edited by <@U123>"}},
				commands.Divider{},
				commands.Actions{Buttons: []commands.Button{
					{ActionID: commands.ActionShare, Text: "Share in channel", Value: "/term R&D"},
					{ActionID: commands.ActionRun, Text: "Edit", Value: "/term edit R&D"},
				}},
			}},
			want:    "R&D\n═══\nUses <!channel> safely\n  Rated: 3 of 4\n  Hot leads: 2\n  Last edited by @U123\n" + strings.Repeat("─", 40) + "\n",
			buttons: 2,
		},
		{
			name: "text only",
			resp: commands.Response{Text: ":white_check_mark: done &amp; *dusted*"},
			want: "✅ done & dusted\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, buttons := Renderer{}.Response(tc.resp)
			if got != tc.want || len(buttons) != tc.buttons {
				t.Errorf("Response =\n%q, %d buttons\nwant\n%q, %d buttons", got, len(buttons), tc.want, tc.buttons)
			}
		})
	}
}

func TestChannelMention(t *testing.T) {
	tests := []struct {
		in, want, msg string
	}{
		{in: `add "Review" every tue at 10:00 #sales-marketing`, want: `add "Review" every tue at 10:00 <#` + localChannel("sales-marketing") + `|sales-marketing>`},
		{in: `add "Review" every tue at 10:00 #C0123ABCD`, want: `add "Review" every tue at 10:00 #C0123ABCD`},
		{in: `add "Review" every tue at 10:00`, want: `add "Review" every tue at 10:00`},
		{in: "#general", want: "<#" + localChannel("general") + "|general>"},
		{in: `add "Review" every tue at 10:00 #Sales`, msg: "Channel names are lower case: type #sales instead of #Sales."},
		{in: `add "Review" every tue at 10:00 #sales&marketing`, msg: "#sales&marketing is not a channel name"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, msg := channelMention(tc.in)
			if tc.msg != "" {
				if !strings.Contains(msg, tc.msg) {
					t.Errorf("channelMention(%q) message = %q, want %q", tc.in, msg, tc.msg)
				}
				return
			}
			if got != tc.want || msg != "" {
				t.Errorf("channelMention(%q) = %q, %q; want %q", tc.in, got, msg, tc.want)
			}
		})
	}
	if got := channelName(localChannel("sales-marketing")); got != "sales-marketing" {
		t.Errorf("channelName(localChannel) = %q, want sales-marketing", got)
	}
	for _, id := range []string{"C0123ABCD", localChannelPrefix + "!!", localChannelPrefix + channelCodec.EncodeToString([]byte("Bad Name"))} {
		if got := channelName(id); got != "" {
			t.Errorf("channelName(%q) = %q, want none", id, got)
		}
	}
}

func TestPlainReader(t *testing.T) {
	long := strings.Repeat("x", MaxLine+1)
	tests := []struct {
		name  string
		in    string
		ctrlC bool
		want  []string // lines read, "^C" for errInterrupted, "long" for a too-long line
	}{
		{name: "lines", in: "a\r\nb\n\nc", want: []string{"a", "b", "", "c"}},
		{name: "exactly the limit", in: strings.Repeat("y", MaxLine) + "\nz\n", want: []string{strings.Repeat("y", MaxLine), "z"}},
		{name: "too long, then on", in: long + "\nafter\n", want: []string{"long", "after"}},
		{name: "too long at the end", in: long, want: []string{"long"}},
		{name: "ctrl-c", in: "half\x03whole\n", ctrlC: true, want: []string{"^C", "whole"}},
		{name: "ctrl-c is a byte in a pipe", in: "a\x03b\n", want: []string{"a\x03b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &plainReader{r: newBufReader(strings.NewReader(tc.in)), ctrlC: tc.ctrlC}
			var got []string
			for {
				line, err := r.ReadLine("> ")
				var long *tooLongError
				switch {
				case err == io.EOF:
				case errors.Is(err, errInterrupted):
					got = append(got, "^C")
					continue
				case errors.As(err, &long):
					got = append(got, "long")
					continue
				case err != nil:
					t.Fatal(err)
				default:
					got = append(got, line)
					continue
				}
				break
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("read %d lines %.80q, want %d %.80q", len(got), got, len(tc.want), tc.want)
			}
		})
	}
}

// fakeHandler is a Handler whose answers the test chooses.
type fakeHandler struct {
	slash  func(req commands.Request) (commands.Response, error)
	act    func(a commands.Action) (commands.Response, error)
	submit func(s commands.Submission) (commands.SubmitResult, error)
	home   func(user, notice string) ([]commands.Block, error)
}

var _ Handler = (*fakeHandler)(nil)

func (f *fakeHandler) Slash(ctx context.Context, req commands.Request) (commands.Response, error) {
	return f.slash(req)
}

func (f *fakeHandler) Act(ctx context.Context, a commands.Action) (commands.Response, error) {
	return f.act(a)
}

func (f *fakeHandler) Submit(ctx context.Context, s commands.Submission) (commands.SubmitResult, error) {
	return f.submit(s)
}

func (f *fakeHandler) Home(ctx context.Context, user, notice string) ([]commands.Block, error) {
	return f.home(user, notice)
}

func (f *fakeHandler) Retype(ctx context.Context, line string) (string, bool) {
	if strings.Contains(line, "\x1f") {
		return "", false
	}
	return line, true
}

// recorder is a fake handler that answers "/x form" with a form, "/x
// buttons" with two buttons, "/x fail" with an internal error, and anything
// else by repeating it; it records what reached it.
type recorder struct {
	fakeHandler
	calls []string
}

func newRecorder() *recorder {
	r := &recorder{}
	r.slash = func(req commands.Request) (commands.Response, error) {
		r.calls = append(r.calls, req.Command+" "+req.Text)
		switch req.Text {
		case "form":
			return commands.Response{Modal: &commands.Modal{CallbackID: "cb", Title: "Form", Inline: "/x NAME = NOTE", Inputs: []commands.Input{
				{ID: "name", Label: "Name"}, {ID: "note", Label: "Note", Optional: true, Value: "keep me"},
			}}}, nil
		case "buttons":
			return commands.Response{Blocks: []commands.Block{commands.Section{Text: "*Pick*"}, commands.Actions{Buttons: []commands.Button{
				{ActionID: commands.ActionRun, Text: "First", Value: "/x first"},
				{ActionID: commands.ActionRun, Text: "Hidden", Value: "/x \x1fid:2"},
			}}}}, nil
		case "fail":
			return commands.Response{}, errors.New("disk on fire")
		}
		return commands.Response{Text: "you said `" + req.Command + " " + req.Text + "`"}, nil
	}
	r.act = func(a commands.Action) (commands.Response, error) {
		r.calls = append(r.calls, "act "+a.Value)
		return commands.Response{Text: "clicked " + a.Value}, nil
	}
	r.submit = func(s commands.Submission) (commands.SubmitResult, error) {
		r.calls = append(r.calls, "submit "+s.Values["name"]+"/"+s.Values["note"])
		if s.Values["name"] == "" {
			return commands.SubmitResult{Errors: map[string]string{"name": "Fill in the *name*."}}, nil
		}
		return commands.SubmitResult{Reply: commands.Response{Text: "saved " + s.Values["name"]}}, nil
	}
	r.home = func(user, notice string) ([]commands.Block, error) {
		r.calls = append(r.calls, "home "+user+" "+notice)
		return []commands.Block{commands.Section{Text: "*Home of " + user + "*"}, commands.Context{Texts: []string{"notice: " + notice}},
			commands.Actions{Buttons: []commands.Button{{ActionID: "rate", Text: "Good", Value: "L1 good\nand more"}}}}, nil
	}
	return r
}

func TestSessions(t *testing.T) {
	tests := []struct {
		name   string
		prompt bool // a person types (forms are asked), else a script
		in     string
		want   []string // in this order in the output
		not    []string
		calls  []string // what reached the handler, in order
	}{
		{
			name:  "script echoes each command before its answer",
			in:    "/TERM hi\n# a comment\n\n/meeting list\n",
			want:  []string{"smarketing> /TERM hi\nyou said /term hi\n", "smarketing> /meeting list\nyou said /meeting list"},
			not:   []string{"a comment", "`"},
			calls: []string{"/term hi", "/meeting list"},
		},
		{
			name:  "script: a form names the inline syntax and reads no fields",
			in:    "/x form\nAna\n/x after\n",
			want:  []string{"smarketing> /x form\n", "In a script, type it on one line: /x NAME = NOTE", "smarketing> Ana\nThat is not a command", "you said /x after"},
			calls: []string{"/x form", "/x after"},
		},
		{
			// Numbers pick from the last answer, as a click in Slack replaces
			// the message it came from.
			name:  "choices are numbered and run",
			in:    "/x buttons\n1\n2\n/x buttons\n2\n/x buttons\n3\n/x hi\n1\n",
			want:  []string{"Pick\n  [1] First   /x first\n  [2] Hidden\n", "clicked /x first", "There is nothing to choose", "clicked /x id:2", "Type a number from 1 to 2", "you said /x hi", "There is nothing to choose"},
			not:   []string{"\x1fid:2\n", "[2] Hidden  "},
			calls: []string{"/x buttons", "act /x first", "/x buttons", "act /x \x1fid:2", "/x buttons", "/x hi"},
		},
		{
			// As in Slack's Home tab, a button there shows the home again
			// with what it did at the top; any other answer ends that.
			name: "home, and a choice from it shows it again",
			in:   "home\n1\n/x hi\n1\n",
			want: []string{"smarketing> home\nYour Home tab", "Home of U1\n", "notice: \n", "[1] Good",
				"smarketing> 1\nYour Home tab", "notice: clicked L1 good\n", "[1] Good", "you said /x hi", "There is nothing to choose"},
			not:   []string{"and more"},
			calls: []string{"home U1 ", "act L1 good\nand more", "home U1 clicked L1 good", "/x hi"},
		},
		{
			name: "mistakes name what to type",
			in:   "term mql\nmql\n/x fail\n",
			want: []string{"Commands start with a slash: type /term mql.", "That is not a command. To look it up in the glossary, type /term mql",
				"Sorry, something went wrong on my side", "(disk on fire)"},
			calls: []string{"/x fail"},
		},
		{
			name:  "a line over 1 MB is refused and the shell goes on",
			in:    "/x " + strings.Repeat("a", MaxLine) + "\n/x next\n",
			want:  []string{"That line is 1.0 MB; the shell reads lines of up to 1 MB, so it was not run.", "you said /x next"},
			calls: []string{"/x next"},
		},
		{
			name:  "exit ends it",
			in:    "/x one\nexit\n/x never\n",
			calls: []string{"/x one"},
		},
		{
			name:   "form asks again for what was rejected",
			prompt: true,
			in:     "/x form\n\n\nAna\n/x after\n",
			want:   []string{"── Form ──", "Name: ", "Note (optional) [keep me]: ", "✗ Name: Fill in the name.", "Name: ", "saved Ana", "you said /x after"},
			not:    []string{"*name*"},
			calls:  []string{"/x form", "submit /keep me", "submit Ana/keep me", "/x after"},
		},
		{
			name:   "ctrl-c cancels the line",
			prompt: true,
			in:     "/x half\x03/x whole\n",
			want:   []string{"smarketing> \nsmarketing> ", "you said /x whole"},
			calls:  []string{"/x whole"},
		},
		{
			name:   "ctrl-c cancels the form",
			prompt: true,
			in:     "/x form\nAna\n\x03/x after\n",
			want:   []string{"Note (optional) [keep me]: \nCancelled: nothing was saved.", "you said /x after"},
			calls:  []string{"/x form", "/x after"},
		},
		{
			name:   "end of input in a form ends the shell",
			prompt: true,
			in:     "/x form\nAna",
			want:   []string{"Cancelled: nothing was saved."},
			calls:  []string{"/x form"},
		},
		{
			name:   "a dot clears a value",
			prompt: true,
			in:     "/x form\nAna\n.\n",
			calls:  []string{"/x form", "submit Ana/"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newRecorder()
			var out strings.Builder
			sh := &Shell{Handler: h, In: strings.NewReader(tc.in), Out: &out, UserID: "U1", UserName: "ana", Prompt: tc.prompt}
			if err := sh.Run(context.Background()); err != nil {
				t.Fatalf("Run: %v", err)
			}
			got := out.String()
			rest := got
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("output:\n%.3000s\nwant (after what came before) %q", got, w)
				}
				rest = rest[i+len(w):]
			}
			for _, n := range tc.not {
				if strings.Contains(got, n) {
					t.Errorf("output:\n%.3000s\nwant no %q", got, n)
				}
			}
			if strings.Join(h.calls, "|") != strings.Join(tc.calls, "|") {
				t.Errorf("handler got %q, want %q", h.calls, tc.calls)
			}
		})
	}
}

// A shutdown (SIGTERM) ends the shell even while it waits for a line that
// never comes.
func TestRunStopsWithContext(t *testing.T) {
	in, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- (&Shell{Handler: newRecorder(), In: in, Out: io.Discard}).Run(ctx)
	}()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
}
