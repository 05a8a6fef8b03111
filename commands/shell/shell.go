// Package shell is a local console for the bot's commands: it reads slash
// commands from a reader, runs them through the same handlers and database as
// the Slack bot, and prints the answers as readable text. Forms are filled in
// field by field at the prompt.
package shell

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"

	"smarketing/commands"
)

// Handler is what the shell drives; *commands.Handler is the real one.
type Handler interface {
	Slash(ctx context.Context, req commands.Request) (commands.Response, error)
	Submit(ctx context.Context, s commands.Submission) (commands.SubmitResult, error)
}

var _ Handler = (*commands.Handler)(nil)

// Shell is one console session.
type Shell struct {
	Handler  Handler
	In       io.Reader
	Out      io.Writer
	UserID   string
	UserName string
	// Prompt reports whether to print prompts (when a person is typing).
	Prompt bool
}

// Run reads commands until end of input, "exit" or ctx is done.
func (s *Shell) Run(ctx context.Context) error {
	in := bufio.NewScanner(s.In)
	in.Buffer(make([]byte, 64*1024), 1024*1024)
	if s.Prompt {
		fmt.Fprintln(s.Out, "smarketing shell — type /term help, or exit to leave.")
	}
	for {
		if ctx.Err() != nil {
			return nil
		}
		s.prompt("smarketing> ")
		if !in.Scan() {
			return in.Err()
		}
		line := strings.TrimSpace(in.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case line == "exit" || line == "quit":
			return nil
		case line == "help" || line == "?":
			fmt.Fprintln(s.Out, "Type a slash command as in Slack: /term help, /term mql, /term add NAME = DEFINITION, /term list.")
			fmt.Fprintln(s.Out, "Commands: "+commandNames())
			continue
		case !strings.HasPrefix(line, "/"):
			fmt.Fprintf(s.Out, "Commands start with a slash, e.g. /term %s\n", line)
			continue
		}
		cmd, text, _ := strings.Cut(line, " ")
		resp, err := s.Handler.Slash(ctx, commands.Request{
			Command: strings.ToLower(cmd), Text: text, UserID: s.UserID, UserName: s.UserName, ChannelID: "CSHELL",
		})
		if err != nil {
			resp = commands.ErrorResponse(err)
		}
		if resp.Modal != nil {
			if err := s.fill(ctx, in, resp.Modal); err != nil {
				return err
			}
			continue
		}
		s.print(resp)
	}
}

func commandNames() string {
	var names []string
	for _, c := range commands.Catalog() {
		names = append(names, c.Name)
	}
	return strings.Join(names, ", ")
}

func (s *Shell) prompt(p string) {
	if s.Prompt {
		fmt.Fprint(s.Out, p)
	}
}

// fill asks for each field of a form and submits it, asking again for the
// fields the handler rejects.
func (s *Shell) fill(ctx context.Context, in *bufio.Scanner, m *commands.Modal) error {
	fmt.Fprintf(s.Out, "── %s ── (Enter keeps the value in [brackets]; a lone . clears it)\n", m.Title)
	values := map[string]string{}
	for _, f := range m.Inputs {
		values[f.ID] = f.Value
	}
	ask := m.Inputs
	for {
		for _, f := range ask {
			label := f.Label
			if f.Optional {
				label += " (optional)"
			}
			if values[f.ID] != "" {
				label += " [" + commands.Truncate(values[f.ID], 60) + "]"
			}
			s.prompt(label + ": ")
			if !in.Scan() {
				return in.Err()
			}
			switch v := strings.TrimSpace(in.Text()); v {
			case "":
			case ".":
				values[f.ID] = ""
			default:
				values[f.ID] = v
			}
		}
		res, err := s.Handler.Submit(ctx, commands.Submission{
			CallbackID: m.CallbackID, Metadata: m.Metadata, UserID: s.UserID, UserName: s.UserName, Values: values,
		})
		if err != nil {
			s.print(commands.ErrorResponse(err))
			return nil
		}
		if len(res.Errors) == 0 {
			s.print(res.Reply)
			return nil
		}
		ask = nil
		for _, f := range m.Inputs {
			if msg, bad := res.Errors[f.ID]; bad {
				fmt.Fprintf(s.Out, "✗ %s: %s\n", f.Label, msg)
				ask = append(ask, f)
			}
		}
		if !s.Prompt {
			// Nobody to ask again: a script gets the errors and moves on.
			return nil
		}
	}
}

func (s *Shell) print(r commands.Response) {
	out := Render(r)
	if s.UserID != "" && s.UserName != "" {
		out = strings.ReplaceAll(out, "@"+s.UserID, "@"+s.UserName)
	}
	fmt.Fprint(s.Out, out)
}

// Render turns a response into plain text for a terminal.
func Render(r commands.Response) string {
	var b strings.Builder
	if len(r.Blocks) == 0 {
		b.WriteString(readable(r.Text) + "\n")
	}
	for _, blk := range r.Blocks {
		switch blk := blk.(type) {
		case commands.Header:
			t := readable(blk.Text)
			b.WriteString(t + "\n" + strings.Repeat("═", min(len([]rune(t)), 60)) + "\n")
		case commands.Section:
			if blk.Text != "" {
				b.WriteString(readable(blk.Text) + "\n")
			}
			for _, f := range blk.Fields {
				b.WriteString("  " + readable(strings.Replace(f, "*\n", "*: ", 1)) + "\n")
			}
		case commands.Context:
			for _, t := range blk.Texts {
				b.WriteString("  " + readable(t) + "\n")
			}
		case commands.Divider:
			b.WriteString(strings.Repeat("─", 40) + "\n")
		case commands.Actions:
			for _, btn := range blk.Buttons {
				if btn.ActionID == commands.ActionRun {
					fmt.Fprintf(&b, "  ▸ %s: %s\n", readable(btn.Text), btn.Value)
				}
			}
		}
	}
	return b.String() + "\n"
}

var (
	userMention = regexp.MustCompile(`<@([A-Z0-9_]+)>`)
	emojiCode   = map[string]string{":white_check_mark:": "✓", ":wastebasket:": "🗑", ":warning:": "⚠"}
)

// readable undoes Slack markup for a terminal: mentions become @ID and the
// escaped &, < and > are shown as typed.
func readable(s string) string {
	s = userMention.ReplaceAllString(s, "@$1")
	for code, r := range emojiCode {
		s = strings.ReplaceAll(s, code, r)
	}
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}
