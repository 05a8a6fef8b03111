// Package shell is a local console for the bot's commands: it reads slash
// commands from a reader, runs them through the same handlers and database as
// the Slack bot, and prints the answers as text for a terminal. Buttons are
// numbered choices, forms are filled in field by field at the prompt, and
// "#name" is a channel of the shell's own.
package shell

import (
	"context"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"smarketing/commands"
)

// Handler is what the shell drives; *commands.Handler is the real one.
type Handler interface {
	Slash(ctx context.Context, req commands.Request) (commands.Response, error)
	Act(ctx context.Context, a commands.Action) (commands.Response, error)
	Submit(ctx context.Context, s commands.Submission) (commands.SubmitResult, error)
	Retype(ctx context.Context, line string) (string, bool)
	Home(ctx context.Context, userID, notice string) ([]commands.Block, error)
}

var _ Handler = (*commands.Handler)(nil)

// Shell is one console session.
type Shell struct {
	Handler  Handler
	In       io.Reader
	Out      io.Writer
	UserID   string
	UserName string
	// Prompt reports whether a person types the input: then the shell
	// shows prompts and asks for a form's fields one by one; otherwise it
	// echoes each command before its answer and never reads the lines
	// after a command as a form's fields. When In is a file, the shell
	// looks whether it is a terminal instead.
	Prompt bool
}

// shellChannel is the channel the shell's commands come from.
const shellChannel = "CSHELL"

// session is the state of one Run.
type session struct {
	*Shell
	in          lineReader
	interactive bool
	r           Renderer
	choices     []commands.Button // under the last answer, numbered from 1
	toldChoices bool              // whether the hint on choosing was shown
	// onHome: the choices are the home view's buttons, so a choice shows
	// the home again with what it did at the top, as Slack's Home tab does.
	onHome bool
}

// errStopped is returned by read when ctx is done.
var errStopped = errors.New("stopped")

// Run reads commands until the end of input, "exit", Ctrl-D or ctx is done.
func (s *Shell) Run(ctx context.Context) error {
	in, interactive, err := s.open()
	if err != nil {
		return err
	}
	defer in.Close()
	ses := &session{Shell: s, in: in, interactive: interactive, r: Renderer{
		Color: colour(s.Out), Channel: channelName, User: s.userName,
	}}
	if interactive {
		fmt.Fprintln(s.Out, "smarketing shell — type a slash command as in Slack (/term help), or help. Ctrl-C cancels, Ctrl-D or exit leaves.")
	}
	for {
		line, err := ses.read(ctx, "smarketing> ")
		var long *tooLongError
		switch {
		case errors.Is(err, errInterrupted):
			continue
		case errors.As(err, &long):
			ses.tooLong(long)
			continue
		case errors.Is(err, io.EOF) || errors.Is(err, errStopped):
			if interactive {
				fmt.Fprintln(s.Out)
			}
			return nil
		case err != nil:
			return err
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !interactive {
			fmt.Fprintln(s.Out, "smarketing> "+sanitize(line))
		}
		if e, ok := in.(*editor); ok {
			e.remember(line)
		}
		if ses.do(ctx, line) {
			return nil
		}
	}
}

// open picks how to read: a line editor when a person types at a terminal,
// the terminal's own line editing when stdout is not one too (or TERM is
// dumb), plain lines otherwise.
func (s *Shell) open() (lineReader, bool, error) {
	f, isFile := s.In.(*os.File)
	if !isFile {
		var prompt io.Writer
		if s.Prompt {
			prompt = s.Out
		}
		// Ctrl-C arrives as a byte from a terminal that does not signal it.
		return &plainReader{r: newBufReader(s.In), prompt: prompt, ctrlC: s.Prompt}, s.Prompt, nil
	}
	if !isTerminal(f) {
		return &plainReader{r: newBufReader(f)}, false, nil
	}
	if out, ok := s.Out.(*os.File); ok && f == os.Stdin && out == os.Stdout && isTerminal(out) && lineEditing() {
		e, err := newEditor()
		return e, true, err
	}
	// Prompts go to the terminal itself: stdout may be a file or a pipe.
	r, err := cookedTerminal(f, f)
	return r, true, err
}

// read reads a line, or returns errStopped as soon as ctx is done. A read
// from a terminal or a pipe cannot be interrupted, so on shutdown the
// reading goroutine is left blocked; the process is about to exit.
func (ses *session) read(ctx context.Context, prompt string) (string, error) {
	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		line, err := ses.in.ReadLine(prompt)
		done <- result{line, err}
	}()
	select {
	case r := <-done:
		return r.line, r.err
	case <-ctx.Done():
		return "", errStopped
	}
}

// do runs one line and reports whether the shell should end.
func (ses *session) do(ctx context.Context, line string) bool {
	lower := strings.ToLower(line)
	switch {
	case lower == "exit" || lower == "quit" || lower == "/exit" || lower == "/quit":
		return true
	case lower == "help" || lower == "?" || lower == "/help":
		ses.help()
	case lower == "home" || lower == "/home":
		ses.home(ctx, "")
	case isNumber(line):
		n, _ := strconv.Atoi(line)
		return ses.choose(ctx, n)
	case !strings.HasPrefix(line, "/"):
		ses.noSlash(line)
	default:
		return ses.slash(ctx, line)
	}
	return false
}

func isNumber(s string) bool {
	if s == "" || len(s) > 6 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (ses *session) help() {
	var b strings.Builder
	b.WriteString("Type a slash command as in Slack, for example /term help or /term add MQL = A lead marketing judges ready for sales.\n")
	for _, c := range commands.Catalog() {
		fmt.Fprintf(&b, "  %-9s %s\n", c.Name, c.Description)
	}
	b.WriteString("Each command answers help: /term help, /meeting help …\n")
	b.WriteString("home shows your Home tab: leads waiting for you, sign-offs, your actions, meetings, the SLA.\n")
	b.WriteString("A number (1, 2 …) picks one of the [1] [2] choices under the last answer.\n")
	b.WriteString("#name is a channel of this shell (e.g. #sales-marketing); nothing is posted to Slack.\n")
	b.WriteString("Ctrl-C cancels the line or the form being filled in; Ctrl-D or exit leaves.\n")
	fmt.Fprint(ses.Out, b.String())
}

// noSlash answers a line that is not a command.
func (ses *session) noSlash(line string) {
	word, rest, _ := strings.Cut(line, " ")
	for _, c := range commands.Catalog() {
		if strings.EqualFold("/"+word, c.Name) {
			ses.say("Commands start with a slash: type %s.", ses.code(strings.TrimSpace(c.Name+" "+rest)))
			return
		}
	}
	ses.say("That is not a command. To look it up in the glossary, type %s; type help to see every command.", ses.code("/term "+line))
}

// slash runs a slash command line.
func (ses *session) slash(ctx context.Context, line string) bool {
	cmd, text, _ := strings.Cut(line, " ")
	cmd = strings.ToLower(cmd)
	for _, c := range commands.Catalog() {
		if c.Name == cmd && c.EscapeMentions {
			var msg string
			if text, msg = channelMention(text); msg != "" {
				ses.say("%s", msg)
				return false
			}
		}
	}
	resp, err := ses.Handler.Slash(ctx, commands.Request{
		Command: cmd, Text: text, UserID: ses.UserID, UserName: ses.UserName, ChannelID: shellChannel,
	})
	return ses.answer(ctx, resp, err)
}

// choose runs the button numbered n under the last answer.
func (ses *session) choose(ctx context.Context, n int) bool {
	switch {
	case len(ses.choices) == 0:
		ses.say("There is nothing to choose: a number picks one of the [1] [2] … choices listed under an answer, and the last answer had none. Type a command instead, e.g. %s.", ses.code("/term help"))
		return false
	case len(ses.choices) == 1 && n != 1:
		ses.say("The last answer had one choice: type 1 for it, or type a command.")
		return false
	case n < 1 || n > len(ses.choices):
		ses.say("Type a number from 1 to %d (the choices under the last answer), or a command.", len(ses.choices))
		return false
	}
	b := ses.choices[n-1]
	resp, err := ses.Handler.Act(ctx, commands.Action{
		ActionID: b.ActionID, Value: b.Value, UserID: ses.UserID, UserName: ses.UserName, ChannelID: shellChannel,
	})
	if ses.onHome && err == nil && resp.Modal == nil && ctx.Err() == nil {
		// The home tab answers a button by showing itself again, what the
		// button did said at its top.
		ses.aftermath(ctx, resp)
		notice, _, _ := strings.Cut(strings.TrimSpace(resp.Text), "\n")
		ses.home(ctx, notice)
		return false
	}
	return ses.answer(ctx, resp, err)
}

// home shows the person's App Home (the Home tab in Slack), notice said at
// its top; its buttons become the choices.
func (ses *session) home(ctx context.Context, notice string) {
	blocks, err := ses.Handler.Home(ctx, ses.UserID, notice)
	if err != nil {
		ses.answer(ctx, commands.Response{}, err)
		return
	}
	ses.say("%s", ses.r.style(dim, noBold, "Your Home tab (in Slack: the bot's Home, which only you see):"))
	ses.show(ctx, commands.Response{Blocks: blocks})
	ses.onHome = true
}

// answer shows what a command or a choice answered, or opens its form. It
// reports whether the shell should end (input ended inside a form).
func (ses *session) answer(ctx context.Context, resp commands.Response, err error) bool {
	if ctx.Err() != nil {
		return true // shutting down: the command was cut short, not wrong
	}
	if err != nil {
		ses.choices = nil
		ses.print(commands.ErrorResponse(err))
		if ue := (*commands.UserError)(nil); !errors.As(err, &ue) {
			// The person at the console runs the program: the detail helps.
			ses.say("  (%s)", sanitize(err.Error()))
		}
		return false
	}
	if resp.Modal != nil {
		return ses.form(ctx, resp.Modal)
	}
	ses.show(ctx, resp)
	ses.aftermath(ctx, resp)
	return false
}

// aftermath does what comes after an answer is shown: its later work, and
// the DMs and posts it sends (said in short: there is no Slack here).
func (ses *session) aftermath(ctx context.Context, resp commands.Response) {
	if resp.Later != nil {
		if err := resp.Later(ctx); err != nil {
			ses.say("  (%s)", sanitize(err.Error()))
		}
	}
	for _, dm := range resp.DMs {
		// No Slack here: say who would get which message, in short.
		text, _ := ses.r.Response(commands.Response{Text: dm.Message.Text})
		ses.say("%s", ses.r.style(dim, noBold, "(In Slack, "+sanitize(dm.User)+" would get a DM: ")+firstLine(text)+ses.r.style(dim, noBold, ")"))
	}
	for _, p := range resp.Posts {
		text, _ := ses.r.Response(commands.Response{Text: p.Message.Text})
		ses.say("%s", ses.r.style(dim, noBold, "(In Slack, this would be posted in "+sanitize(p.Channel)+": ")+firstLine(text)+ses.r.style(dim, noBold, ")"))
	}
}

// choiceList names the options of a menu, at most ten of them.
func choiceList(opts []commands.Option) string {
	var names []string
	for i, o := range opts {
		if i == 10 {
			names = append(names, fmt.Sprintf("… %d more", len(opts)-10))
			break
		}
		names = append(names, sanitize(o.Text))
	}
	return strings.Join(names, " · ")
}

// optionText is the text of the option with value v.
func optionText(opts []commands.Option, v string) string {
	for _, o := range opts {
		if o.Value == v {
			return o.Text
		}
	}
	return v
}

// chooseOption reads a menu choice typed at the console: an option's
// text (any case) or the start of exactly one.
func chooseOption(opts []commands.Option, typed string) (string, bool) {
	key := strings.ToLower(strings.Join(strings.Fields(typed), " "))
	var found []commands.Option
	for _, o := range opts {
		text := strings.ToLower(o.Text)
		if text == key {
			return o.Value, true
		}
		if strings.HasPrefix(text, key) {
			found = append(found, o)
		}
	}
	if len(found) == 1 {
		return found[0].Value, true
	}
	return "", false
}

// firstLine is the first line of s.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// show prints a response and numbers its buttons.
func (ses *session) show(ctx context.Context, resp commands.Response) {
	text, buttons := ses.r.Response(resp)
	if resp.InChannel {
		text = ses.r.style(dim, noBold, "Shared in "+channelName(shellChannel)+" (everyone in the channel sees this):") + "\n" + text
	}
	var b strings.Builder
	b.WriteString(text)
	width := 0
	for _, btn := range buttons {
		width = max(width, len([]rune(ses.r.Mrkdwn(btn.Text))))
	}
	for i, btn := range buttons {
		label := ses.r.Mrkdwn(btn.Text)
		fmt.Fprintf(&b, "  %s %s", ses.r.style(bold, noBold, "["+strconv.Itoa(i+1)+"]"), label)
		if btn.ActionID == commands.ActionRun {
			if line, ok := ses.Handler.Retype(ctx, btn.Value); ok {
				fmt.Fprintf(&b, "%s  %s", strings.Repeat(" ", width-len([]rune(label))), ses.code(line))
			}
		}
		b.WriteString("\n")
	}
	if len(buttons) > 0 && !ses.toldChoices {
		ses.toldChoices = true
		b.WriteString(ses.r.style(dim, noBold, "  Type a number to choose, or any command.") + "\n")
	}
	fmt.Fprint(ses.Out, b.String()+"\n")
	ses.choices, ses.onHome = buttons, false
}

// print shows a response that offers no choices.
func (ses *session) print(resp commands.Response) {
	text, _ := ses.r.Response(resp)
	fmt.Fprint(ses.Out, text+"\n")
}

// say prints a message of the shell's own (plain text, not mrkdwn).
func (ses *session) say(format string, args ...any) {
	fmt.Fprintf(ses.Out, format+"\n\n", args...)
}

// code shows a command line to type.
func (ses *session) code(line string) string { return ses.r.style(cyan, noColour, sanitize(line)) }

func (ses *session) tooLong(e *tooLongError) {
	ses.say("That line is %s; the shell reads lines of up to 1 MB, so it was not run. Type a shorter command: a definition is at most %d characters.",
		humanBytes(e.size), commands.MaxTermDefinition)
}

func humanBytes(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}

// form asks for each field of m and submits it, asking again for the
// fields the handler rejects; reading a script, it names the one-line
// command instead. It reports whether input ended.
func (ses *session) form(ctx context.Context, m *commands.Modal) bool {
	ses.choices = nil
	if !ses.interactive {
		msg := fmt.Sprintf("This opens the form “%s”, which is filled in field by field only at a terminal, so the lines after it stay commands.", m.Title)
		if m.Inline != "" {
			msg += " In a script, type it on one line: " + ses.code(m.Inline)
		}
		ses.say("%s", msg)
		return false
	}
	fmt.Fprintf(ses.Out, "── %s ── Enter keeps the value in [brackets], a lone . clears it, Ctrl-C cancels.\n", m.Title)
	values := map[string]string{}
	for _, f := range m.Inputs {
		values[f.ID] = f.Value
	}
	ask := m.Inputs
	for {
		for i := 0; i < len(ask); i++ {
			f := ask[i]
			prompt := f.Label
			if f.Optional {
				prompt += " (optional)"
			}
			if f.Channel {
				prompt += " (#name or ID)"
			}
			if len(f.Options) > 0 {
				prompt += " (" + choiceList(f.Options) + ")"
			}
			if v := values[f.ID]; v != "" && len(f.Options) > 0 {
				prompt += " [" + sanitize(optionText(f.Options, v)) + "]"
			} else if v != "" {
				prompt += " [" + commands.Truncate(strings.Join(strings.Fields(sanitize(v)), " "), 60) + "]"
			}
			line, err := ses.read(ctx, prompt+": ")
			var long *tooLongError
			switch {
			case errors.Is(err, errInterrupted):
				ses.say("Cancelled: nothing was saved.")
				return false
			case errors.As(err, &long):
				ses.tooLong(long)
				i-- // ask for the same field again
				continue
			case err != nil:
				fmt.Fprintln(ses.Out)
				ses.say("Cancelled: nothing was saved.")
				return true
			}
			switch v := strings.TrimSpace(line); v {
			case "":
			case ".":
				values[f.ID] = ""
			default:
				if len(f.Options) > 0 {
					chosen, ok := chooseOption(f.Options, v)
					if !ok {
						ses.say("Type one of: %s.", choiceList(f.Options))
						i--
						continue
					}
					v = chosen
				}
				if f.Channel {
					var msg string
					if v, msg = channelMention(v); msg != "" {
						ses.say("%s", msg)
						i--
						continue
					}
				}
				values[f.ID] = v
			}
		}
		res, err := ses.Handler.Submit(ctx, commands.Submission{
			CallbackID: m.CallbackID, Metadata: m.Metadata, UserID: ses.UserID, UserName: ses.UserName, Values: values,
		})
		if err != nil {
			return ses.answer(ctx, commands.Response{}, err)
		}
		if len(res.Errors) == 0 {
			return ses.answer(ctx, res.Reply, nil)
		}
		ask = nil
		for _, f := range m.Inputs {
			if msg, bad := res.Errors[f.ID]; bad {
				fmt.Fprintf(ses.Out, "✗ %s: %s\n", f.Label, ses.r.Mrkdwn(msg))
				ask = append(ask, f)
			}
		}
	}
}

func (s *Shell) userName(id string) string {
	if id == s.UserID {
		return s.UserName
	}
	return ""
}

// Channels of the shell. A name typed as #name becomes a channel ID that
// carries the name, base32-encoded, so that the name can be shown again
// later without a table: "#sales-marketing" is CSHELL0ONQWY3DFON2W….
const localChannelPrefix = shellChannel + "0"

var (
	channelNameRE = regexp.MustCompile(`^[a-z0-9_-]{1,80}$`)
	// typedChannelID is a channel ID as Slack makes them, which stays as typed.
	typedChannelID = regexp.MustCompile(`^[CG][A-Z0-9]*[0-9][A-Z0-9]*$`)
	channelCodec   = base32.StdEncoding.WithPadding(base32.NoPadding)
)

// localChannel is the ID of the shell's channel called name.
func localChannel(name string) string {
	return localChannelPrefix + channelCodec.EncodeToString([]byte(name))
}

// channelName names a channel of the shell ("#shell", "#sales-marketing"),
// or returns "" for a Slack channel the shell cannot look up.
func channelName(id string) string {
	if id == shellChannel {
		return "shell"
	}
	if enc, ok := strings.CutPrefix(id, localChannelPrefix); ok {
		if name, err := channelCodec.DecodeString(enc); err == nil && channelNameRE.Match(name) {
			return string(name)
		}
	}
	return ""
}

// channelMention turns a #name at the end of text into the channel mention
// Slack would send for a command that escapes mentions (<#C…|name>). A
// channel ID stays as it is. msg, when not empty, says what to type
// instead of a name that cannot be a channel's.
func channelMention(text string) (out, msg string) {
	text = strings.TrimSpace(text)
	i := strings.LastIndexAny(text, " \t")
	word := text[i+1:]
	name, ok := strings.CutPrefix(word, "#")
	if !ok || typedChannelID.MatchString(name) {
		return text, ""
	}
	switch {
	case channelNameRE.MatchString(name):
		return text[:i+1] + "<#" + localChannel(name) + "|" + name + ">", ""
	case channelNameRE.MatchString(strings.ToLower(name)):
		return "", fmt.Sprintf("Channel names are lower case: type #%s instead of %s.", strings.ToLower(name), sanitize(word))
	}
	return "", fmt.Sprintf("%s is not a channel name: names are lower-case letters, digits, - and _ (up to 80), e.g. #sales-marketing, or use a channel ID such as C0123ABCD.", sanitize(word))
}

// colour reports whether to use bold and colour: on a terminal, unless
// NO_COLOR is set (https://no-color.org) or the terminal is dumb.
func colour(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTerminal(f) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
}

// lineEditing reports whether the terminal can do line editing.
func lineEditing() bool {
	t := os.Getenv("TERM")
	return t != "" && t != "dumb"
}
