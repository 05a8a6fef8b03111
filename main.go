// Command smarketing is a Slack bot that helps sales and marketing work as
// one team: a shared glossary and buyer personas, lead-quality feedback by
// emoji reaction, and scheduled recaps and meeting reminders.
//
// Usage: smarketing [run|shell|manifest|version|help]. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"smarketing/bot"
	"smarketing/commands"
	"smarketing/commands/shell"
	"smarketing/store"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

const usage = `smarketing — sales and marketing, one team, in Slack.

Usage:
  smarketing [run]      connect to Slack (Socket Mode) and serve until Ctrl-C
  smarketing shell      try the commands locally, no Slack needed
  smarketing manifest   print the Slack app manifest to create the app from
  smarketing version    print the version

Configuration comes from the environment (and a .env file); see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	var ue usageError
	switch {
	case err == nil:
	case errors.As(err, &ue):
		fmt.Fprintf(os.Stderr, "smarketing: %v\n\n%s", err, usage)
		os.Exit(2)
	default:
		// One clear line (or one per problem), never a stack trace.
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(os.Stderr, "smarketing: %s\n", line)
		}
		os.Exit(1)
	}
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	sub := "run"
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "version", "--version":
		fmt.Fprintf(stdout, "smarketing %s\n", buildVersion())
		return nil
	case "manifest":
		m, err := bot.Manifest("smarketing", commands.Catalog())
		if err != nil {
			return err
		}
		_, err = stdout.Write(m)
		return err
	case "run", "shell":
	default:
		return usageError{fmt.Sprintf("unknown command %q", sub)}
	}
	if len(args) > 0 {
		return usageError{fmt.Sprintf("%s takes no arguments (got %q)", sub, strings.Join(args, " "))}
	}

	getenv, err := loadDotEnv(".env", os.Getenv)
	if err != nil {
		return err
	}
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	if sub == "run" {
		if err := cfg.CheckSlack(); err != nil {
			return err
		}
	}
	log := newLogger(cfg, stderr)
	db, err := store.Open(ctx, cfg.DBPath)
	if err != nil {
		return fmt.Errorf("SMARKETING_DB: %w", err)
	}
	defer db.Close()

	switch sub {
	case "shell":
		user := shellUser(getenv)
		h := commands.New(db, commands.Options{Admins: append(cfg.Admins, user.ID), Location: cfg.Location})
		return (&shell.Shell{
			Handler: h, In: stdin, Out: stdout, UserID: user.ID, UserName: user.Name, Prompt: isTerminal(stdin),
		}).Run(ctx)
	default:
		h := commands.New(db, commands.Options{Admins: cfg.Admins, Location: cfg.Location})
		log.Info("starting", "version", buildVersion(), "db", cfg.DBPath, "api_url", cfg.APIURL,
			"timezone", cfg.Location.String(), "admins", len(cfg.Admins))
		b := bot.New(bot.Options{BotToken: cfg.BotToken, AppToken: cfg.AppToken, APIURL: cfg.APIURL, Log: log}, h)
		if err := b.Run(ctx); err != nil {
			return err
		}
		log.Info("stopped")
		return nil
	}
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// shellUser is who the shell acts as: the local account, an admin of its
// own database.
func shellUser(getenv func(string) string) store.Actor {
	name := getenv("USER")
	if name == "" {
		name = "you"
	}
	return store.Actor{ID: "USHELL", Name: name}
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}
