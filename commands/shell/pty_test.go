//go:build linux

package shell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// These tests build the smarketing binary and use its shell as a person
// does: typing into a pseudo-terminal, pressing Ctrl-C and Ctrl-D, and
// reading the screen; and as a script does, through a pipe.

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// smarketing builds the binary once for the package's tests.
func smarketing(tb testing.TB) string {
	tb.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "smarketing-shell"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "smarketing")
		out, err := exec.Command("go", "build", "-o", binPath, "smarketing").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		tb.Fatal(binErr)
	}
	return binPath
}

// shellCommand is `smarketing shell` with a fresh database in dir and a
// clean environment plus env ("KEY=value").
func shellCommand(tb testing.TB, dir string, env ...string) *exec.Cmd {
	cmd := exec.Command(smarketing(tb), "shell")
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "USER=ana",
		"SMARKETING_DB=" + filepath.Join(dir, "shell.db")}, env...)
	return cmd
}

// screen collects what a terminal shows and waits for text to appear on it.
type screen struct {
	mu     sync.Mutex
	raw    []byte
	pos    int           // in the plain text: where the next expect starts looking
	update chan struct{} // a value after each read
	closed chan struct{} // closed when the terminal is gone
}

func newScreen(r io.Reader) *screen {
	s := &screen{update: make(chan struct{}, 1), closed: make(chan struct{})}
	go func() {
		defer close(s.closed)
		buf := make([]byte, 4096)
		for {
			n, err := r.Read(buf)
			s.mu.Lock()
			s.raw = append(s.raw, buf[:n]...)
			s.mu.Unlock()
			select {
			case s.update <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	return s
}

// ansi matches the escape sequences a terminal interprets (colours, cursor
// moves, line clearing).
var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// plain is the screen's text without escape sequences and carriage returns.
func (s *screen) plain() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.ReplaceAll(ansi.ReplaceAllString(string(s.raw), ""), "\r", "")
}

func (s *screen) rawText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.raw)
}

// expect waits until each of want has appeared, in order, after what the
// last expect found.
func (s *screen) expect(tb testing.TB, want ...string) {
	tb.Helper()
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for _, w := range want {
		for {
			text := s.plain()
			if i := strings.Index(text[s.pos:], w); i >= 0 {
				s.pos += i + len(w)
				break
			}
			select {
			case <-s.update:
			case <-s.closed:
				if !strings.Contains(s.plain()[s.pos:], w) {
					tb.Fatalf("terminal closed; screen after the last match:\n%s\nwant %q", s.plain()[s.pos:], w)
				}
			case <-deadline.C:
				tb.Fatalf("screen after the last match:\n%s\nwant %q", s.plain()[s.pos:], w)
			}
		}
	}
}

// exited waits for cmd to end and returns its exit code.
func exited(tb testing.TB, cmd *exec.Cmd) int {
	tb.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		if err != nil {
			tb.Fatal(err)
		}
		return 0
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		tb.Fatal("the shell did not exit")
		return -1
	}
}

// startTerminal runs the shell in a pseudo-terminal of 120×40.
func startTerminal(tb testing.TB, env ...string) (*os.File, *screen, *exec.Cmd) {
	tb.Helper()
	cmd := shellCommand(tb, tb.TempDir(), env...)
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ptmx.Close()
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return ptmx, newScreen(ptmx), cmd
}

func typeKeys(tb testing.TB, ptmx *os.File, keys string) {
	tb.Helper()
	if _, err := ptmx.Write([]byte(keys)); err != nil {
		tb.Fatal(err)
	}
}

// A session as the README tells a newcomer to try it, at a terminal.
func TestTerminalSession(t *testing.T) {
	ptmx, scr, cmd := startTerminal(t, "TERM=xterm-256color")
	steps := []struct {
		name string
		keys string   // typed; \r is Enter, \x03 Ctrl-C, \x04 Ctrl-D
		want []string // then on the screen, in order
	}{
		{"greeting", "", []string{"Ctrl-C cancels, Ctrl-D or exit leaves.", "smarketing> "}},
		{"add with aliases", "/term add Marketing Qualified Lead (MQL) = A lead marketing judges *ready* for sales\r",
			[]string{"✅ Added Marketing Qualified Lead to the glossary.", "A lead marketing judges ready for sales",
				"Also: MQL", "Last edited by @ana", "[1] Share in channel", "[2] Edit", "/term edit Marketing Qualified Lead",
				"[3] History", "/term history Marketing Qualified Lead", "smarketing> "}},
		{"Ctrl-C cancels the line", "/term half typed", []string{"/term half typed"}},
		{"", "\x03", []string{"^C", "smarketing> "}},
		{"the printed hint can be typed", "/term edit Marketing Qualified Lead\r",
			[]string{"── Edit a term ──", "Name [Marketing Qualified Lead]: "}},
		{"", "\r", []string{"Aliases (optional) [MQL]: "}},
		{"Ctrl-C cancels the form", "SQL", []string{"SQL"}},
		{"", "\x03", []string{"Cancelled: nothing was saved.", "smarketing> "}},
		{"nothing changed", "/term mql\r", []string{"Also: MQL", "[2] Edit", "smarketing> "}},
		{"a number picks a choice", "3\r", []string{"History of Marketing Qualified Lead (1 version, newest first)", "smarketing> "}},
		{"a form filled in", "/term add\r", []string{"── Add a term ──", "Name: "}},
		{"", "Sales Accepted Lead\r", []string{"Aliases (optional): "}},
		{"", "SAL\r", []string{"Category (optional): "}},
		{"", "\r", []string{"Definition: "}},
		{"", "\r", []string{"✗ Definition: Fill in the definition.", "Definition: "}},
		{"", "Sales agreed to work it\r", []string{"✅ Added Sales Accepted Lead", "smarketing> "}},
		{"a channel name", `/meeting add "Pipeline review" every tue at 10:00 #sales-marketing` + "\r",
			[]string{"Scheduled Pipeline review (#1) in #sales-marketing, every Tuesday at 10:00", "smarketing> "}},
		{"", "/meeting list\r", []string{"#sales-marketing · every Tuesday at 10:00", "smarketing> "}},
		{"a mistake names what to type", "term sal\r", []string{"Commands start with a slash: type /term sal.", "smarketing> "}},
		{"a value with a joiner in a form's prompt", "/term add Family \U0001F468\u200D\U0001F467 plan = A plan for families\r",
			[]string{"Added Family", "smarketing> "}},
		{"", "/term edit Family \U0001F468\u200D\U0001F467 plan\r", []string{"── Edit a term ──", "Name [Family "}},
		{"", "\x03", []string{"Cancelled: nothing was saved.", "smarketing> "}},
		{"a menu in a form", "/persona add Sally Supermom = Busy parent\r", []string{"Added the persona Sally Supermom", "smarketing> "}},
		{"", "/insight They compare us with Acme\r", []string{"── Share an insight ──", "What did the customer say? [They compare us with Acme]: "}},
		{"", "\r", []string{"Persona (optional) (Sally Supermom): "}},
		{"", "nobody\r", []string{"Type one of: Sally Supermom.", "Persona (optional) (Sally Supermom): "}},
		{"", "sal\r", []string{"Source (optional): "}},
		{"", "Call with Globex\r", []string{"Thanks: your insight is saved", "smarketing> "}},
		{"", "/insight list sally\r", []string{"about Sally Supermom", "They compare us with Acme", "smarketing> "}},
		{"Ctrl-D leaves", "\x04", nil},
	}
	for _, st := range steps {
		if st.keys != "" {
			typeKeys(t, ptmx, st.keys)
		}
		scr.expect(t, st.want...)
	}
	if code := exited(t, cmd); code != 0 {
		t.Fatalf("exit %d, screen:\n%s", code, scr.plain())
	}
	raw := scr.rawText()
	for _, w := range []string{"\x1b[1mready\x1b[22m", "\x1b[1m[2]\x1b[22m", "\x1b[36m/term edit Marketing Qualified Lead\x1b[39m"} {
		if !strings.Contains(raw, w) {
			t.Errorf("screen has no %q: bold and colour on a terminal", w)
		}
	}
	// What was typed is on the screen too; the answers are the other lines.
	for _, line := range strings.Split(scr.plain(), "\n") {
		if !strings.HasPrefix(line, "smarketing> ") && slackMarkup.MatchString(line) {
			t.Errorf("Slack markup %q left on the screen in %q", slackMarkup.FindString(line), line)
		}
	}
}

// sgr matches the escape sequences that set bold and colours.
var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

func TestTerminalNoColor(t *testing.T) {
	ptmx, scr, cmd := startTerminal(t, "TERM=xterm", "NO_COLOR=1")
	typeKeys(t, ptmx, "/term add MQL = A lead *ready* for `sales`\r")
	scr.expect(t, "A lead ready for sales", "smarketing> ")
	typeKeys(t, ptmx, "exit\r")
	if code := exited(t, cmd); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if m := sgr.FindString(scr.rawText()); m != "" {
		t.Errorf("with NO_COLOR the screen has %q:\n%q", m, scr.rawText())
	}
}

// At the prompt Ctrl-C is input, not SIGINT; SIGTERM there ends the shell
// at once with status 0 and leaves the terminal as it was found.
func TestTerminalRestoredAfterSignal(t *testing.T) {
	ptmx, scr, cmd := startTerminal(t, "TERM=xterm")
	scr.expect(t, "smarketing> ")
	before, err := unix.IoctlGetTermios(int(ptmx.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if before.Lflag&unix.ISIG != 0 {
		t.Errorf("in the shell, Ctrl-C still raises SIGINT (ISIG set)")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := exited(t, cmd); code != 0 {
		t.Fatalf("SIGTERM at the prompt: exit %d, want 0", code)
	}
	after, err := unix.IoctlGetTermios(int(ptmx.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if after.Lflag&(unix.ISIG|unix.ICANON|unix.ECHO) != unix.ISIG|unix.ICANON|unix.ECHO {
		t.Errorf("after the shell, terminal flags %#x lack ISIG, ICANON or ECHO: not restored", after.Lflag)
	}
}

// With stdout redirected, the terminal does the line editing; Ctrl-C still
// cancels only the line.
func TestTerminalInputOutputRedirected(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	cmd := shellCommand(t, t.TempDir(), "TERM=xterm")
	var out syncBuffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	scr := newScreen(ptmx)
	scr.expect(t, "smarketing> ")
	typeKeys(t, ptmx, "/term half")
	scr.expect(t, "/term half")
	typeKeys(t, ptmx, "\x03")
	scr.expect(t, "^C", "smarketing> ")
	typeKeys(t, ptmx, "/term add MQL = Ready for sales\rexit\r")
	if code := exited(t, cmd); code != 0 {
		t.Fatalf("exit %d; stdout:\n%s", code, out.String())
	}
	got := out.String()
	if !strings.Contains(got, "Added MQL to the glossary") || strings.Contains(got, "half") {
		t.Errorf("stdout:\n%s\nwant the added term and nothing of the cancelled line", got)
	}
	if sgr.MatchString(got) {
		t.Errorf("stdout is a pipe but has colour codes:\n%q", got)
	}
}

// syncBuffer is a bytes.Buffer that the child's output may be copied into
// while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// slackMarkup matches what Slack would format: *bold*, _italic_, `code`,
// <links>, :emoji: codes and entities.
var slackMarkup = regexp.MustCompile("\\*[^ *\n][^*\n]*\\*|(^|\\s)_[^_\n]+_(\\s|$)|`|<[#@!h]|:[a-z0-9_+-]+:|&(amp|lt|gt);")

// The README's examples, piped in as a script.
func TestPipedSessions(t *testing.T) {
	tests := []struct {
		name   string
		script []string
		want   []string // in this order
		not    []string
	}{
		{
			name: "README tour",
			script: []string{
				"/term add Marketing Qualified Lead (MQL) = A lead marketing judges ready for sales to contact",
				"/term mql",
				"/term edit MQL (Marketing qualified, M.Q.L.) = A lead with a fit score of 60 or more and one buying signal",
				"/term mql",
				"/term add",
				"/term list",
				`/meeting add "Pipeline review" every tue at 10:00 #sales-marketing`,
				"/meeting list",
				"/metrics set website-visits 4210",
				"/leads",
				"exit",
			},
			want: []string{
				"smarketing> /term add Marketing Qualified Lead (MQL)", "✅ Added Marketing Qualified Lead to the glossary.",
				"smarketing> /term mql\nMarketing Qualified Lead\n", "Also: MQL",
				"Also: MQL, Marketing qualified, M.Q.L.",
				"smarketing> /term mql\nMarketing Qualified Lead\n", "A lead with a fit score of 60 or more",
				"smarketing> /term add\n", "type it on one line: /term add NAME (ALIAS, ALIAS) = DEFINITION",
				"smarketing> /term list\n", "Glossary — 1 term",
				"in #sales-marketing",
				"#sales-marketing · every Tuesday at 10:00",
				"smarketing> /metrics set website-visits 4210",
				"smarketing> /leads\n", "Leads posted: 0",
			},
		},
		{
			// The Home tab, with the real handler: a button on it acts and
			// the home shows again with what it did.
			name: "home",
			script: []string{
				`/meeting add "Pipeline review" every tue at 10:00 #sales-marketing`,
				"/meeting action 1 @me Send the list",
				"home",
				"1",
				"1",
			},
			want: []string{
				"smarketing> home\nYour Home tab", "Your open action items\n• #1 Send the list — yours", "Next meetings\n• Pipeline review",
				"[1] Done  /meeting done 1",
				"smarketing> 1\nYour Home tab", "✅ Done: #1 Send the list", "Your open action items\nNone.",
				"smarketing> 1\nThere is nothing to choose",
			},
		},
		{
			name: "a form never takes the next lines",
			script: []string{
				"/persona add",
				"Sally Supermom",
				"/persona list",
			},
			want: []string{"type it on one line: /persona add NAME = SUMMARY", "smarketing> Sally Supermom\nThat is not a command",
				"smarketing> /persona list\nNo personas yet."},
		},
		{
			name:   "a line over 1 MB",
			script: []string{"/term add Long = " + strings.Repeat("x", MaxLine), "/term list"},
			want:   []string{"That line is 1.0 MB; the shell reads lines of up to 1 MB, so it was not run.", "smarketing> /term list\nThe glossary is empty."},
		},
		{
			name:   "mistakes",
			script: []string{"/trem mql", "/meeting add \"Review\" every tue at 10:00 #Sales", "/meeting add \"Review\" every tue at 10:00 c0123abcd", "7"},
			want: []string{"Did you mean /term?", "Channel names are lower case: type #sales instead of #Sales.",
				"Channel IDs are in capitals: type C0123ABCD instead of c0123abcd.", "There is nothing to choose"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := shellCommand(t, t.TempDir(), "TERM=xterm")
			cmd.Stdin = strings.NewReader(strings.Join(tc.script, "\n") + "\n")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			go func() {
				<-ctx.Done()
				if cmd.Process != nil {
					cmd.Process.Kill()
				}
			}()
			outBytes, err := cmd.Output()
			out := string(outBytes)
			if err != nil {
				t.Fatalf("shell: %v\nstderr:\n%s\nstdout:\n%.3000s", err, stderr.String(), out)
			}
			rest := out
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("output:\n%.5000s\nwant (after what came before) %q", out, w)
				}
				rest = rest[i+len(w):]
			}
			if m := slackMarkup.FindString(out); m != "" {
				t.Errorf("output has Slack markup %q:\n%.5000s", m, out)
			}
			if sgr.MatchString(out) {
				t.Errorf("output to a pipe has colour codes")
			}
		})
	}
}

// A terminal that reports no size (0×0: script(1), some CI and container
// terminals) leaves no room for line editing; Ctrl-C still cancels only the
// line or the form, and Ctrl-D still leaves.
func TestTerminalWithoutSize(t *testing.T) {
	cmd := shellCommand(t, t.TempDir(), "TERM=xterm")
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 0, Cols: 0})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ptmx.Close()
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	scr := newScreen(ptmx)
	steps := []struct {
		keys string
		want []string
	}{
		{"", []string{"smarketing> "}},
		{"/term half typed", []string{"/term half typed"}},
		{"\x03", []string{"^C", "smarketing> "}},
		{"/term add MQL = Ready for sales\r", []string{"Added MQL to the glossary", "smarketing> "}},
		{"/term edit MQL\r", []string{"── Edit a term ──", "Name [MQL]: "}},
		{"\r", []string{"Aliases (optional)"}},
		{"SQL", []string{"SQL"}},
		{"\x03", []string{"Cancelled: nothing was saved.", "smarketing> "}},
		{"\x03", []string{"^C", "smarketing> "}},
		{"/term mql\r", []string{"Ready for sales", "smarketing> "}},
	}
	for _, st := range steps {
		if st.keys != "" {
			typeKeys(t, ptmx, st.keys)
		}
		scr.expect(t, st.want...)
	}
	// Once the terminal has a size, the line editor takes over, with the
	// history typed so far: the up arrow recalls the last command.
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	typeKeys(t, ptmx, "\r")
	scr.expect(t, "smarketing> ")
	typeKeys(t, ptmx, "\x1b[A")
	scr.expect(t, "/term mql")
	typeKeys(t, ptmx, "\r")
	scr.expect(t, "Ready for sales", "smarketing> ")
	typeKeys(t, ptmx, "/term half")
	scr.expect(t, "/term half")
	typeKeys(t, ptmx, "\x03")
	scr.expect(t, "^C", "smarketing> ")
	typeKeys(t, ptmx, "\x04")
	if code := exited(t, cmd); code != 0 {
		t.Fatalf("exit %d, screen:\n%s", code, scr.plain())
	}
	if strings.Contains(scr.plain(), "Also: SQL") {
		t.Errorf("the cancelled form saved its aliases:\n%s", scr.plain())
	}
}
