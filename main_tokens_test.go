package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"smarketing/bot/slackfake"
)

// Distinctive fake tokens: their secret parts must never be printed.
const (
	secretBotToken = "xoxb-SECRET123-abc"
	secretAppToken = "xapp-SECRET456-def"
)

var tokenSecrets = []string{"SECRET123", "SECRET456"}

// tokenLog collects what a process writes and lets a test wait until some
// text has appeared.
type tokenLog struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newTokenLog() *tokenLog { return &tokenLog{changed: make(chan struct{})} }

func (l *tokenLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	close(l.changed)
	l.changed = make(chan struct{})
	return l.buf.Write(p)
}

func (l *tokenLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// waitFor returns once s has been written, or ctx's error.
func (l *tokenLog) waitFor(ctx context.Context, s string) error {
	for {
		l.mu.Lock()
		found, changed := strings.Contains(l.buf.String(), s), l.changed
		l.mu.Unlock()
		if found {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

// tokenProcess is `smarketing run` started with the secret tokens.
type tokenProcess struct {
	cmd            *exec.Cmd
	stdout, stderr *tokenLog
	exited         chan error
}

func startTokenProcess(tb testing.TB, ctx context.Context, env map[string]string) *tokenProcess {
	tb.Helper()
	full := map[string]string{
		"SLACK_BOT_TOKEN": secretBotToken,
		"SLACK_APP_TOKEN": secretAppToken,
		"SMARKETING_DB":   filepath.Join(tb.TempDir(), "tokens.db"),
		"LOG_LEVEL":       "debug",
	}
	for k, v := range env {
		full[k] = v
	}
	p := &tokenProcess{cmd: command(tb, ctx, full, "run"), stdout: newTokenLog(), stderr: newTokenLog(), exited: make(chan error, 1)}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	return p
}

// stop gives the process up to grace to exit by itself, then sends it
// SIGTERM and waits for it (the context kills it if it hangs). It returns
// the exit code.
func (p *tokenProcess) stop(tb testing.TB, ctx context.Context, grace time.Duration) int {
	tb.Helper()
	var err error
	select {
	case err = <-p.exited:
	case <-time.After(grace):
		if serr := p.cmd.Process.Signal(syscall.SIGTERM); serr != nil && !errors.Is(serr, os.ErrProcessDone) {
			tb.Fatalf("SIGTERM: %v", serr)
		}
		select {
		case err = <-p.exited:
		case <-ctx.Done():
			tb.Fatalf("no exit after SIGTERM; stderr:\n%s", p.stderr)
		}
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.ExitCode()
	}
	tb.Fatalf("wait: %v", err)
	return -1
}

// checkNoSecrets fails if a token's secret part appears in what the
// process wrote.
func (p *tokenProcess) checkNoSecrets(tb testing.TB) {
	tb.Helper()
	for _, out := range []struct {
		name string
		log  *tokenLog
	}{{"stdout", p.stdout}, {"stderr", p.stderr}} {
		for _, secret := range tokenSecrets {
			if strings.Contains(out.log.String(), secret) {
				tb.Errorf("%s shows a token (%s):\n%s", out.name, secret, out.log)
			}
		}
	}
}

// closedAPIURL is a Web API URL on 127.0.0.1 where nothing listens: a
// port that was just free.
func closedAPIURL(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		tb.Fatal(err)
	}
	return "http://" + addr + "/api/"
}

// TestTokensNeverLogged runs the bot at LOG_LEVEL=debug, in both log
// formats, with distinctive tokens: against no Slack at all, against a
// Slack that rejects both tokens or only the app token, and against one
// that accepts them while it answers a command. Neither token's secret
// part may appear on stdout or stderr.
func TestTokensNeverLogged(t *testing.T) {
	tests := []struct {
		name string
		// setup returns the Web API URL and the fake Slack behind it, if any.
		setup func(t *testing.T) (string, *slackfake.Server)
		// drive waits for what must happen before the bot is stopped.
		drive func(t *testing.T, ctx context.Context, p *tokenProcess, fake *slackfake.Server)
		grace time.Duration // then SIGTERM, unless it exited
		code  int
		want  string // in stderr
	}{
		{
			name: "no Slack",
			setup: func(t *testing.T) (string, *slackfake.Server) {
				return closedAPIURL(t), nil
			},
			drive: func(t *testing.T, ctx context.Context, p *tokenProcess, _ *slackfake.Server) {
				if err := p.stderr.waitFor(ctx, "starting"); err != nil {
					t.Fatalf("no start-up log line: %v\n%s", err, p.stderr)
				}
			},
			grace: 3 * time.Second, // auth.test is retried, then it gives up
			code:  1, want: "auth.test",
		},
		{
			name: "both tokens rejected",
			setup: func(t *testing.T) (string, *slackfake.Server) {
				fake := slackfake.New()
				fake.SetTokens("xoxb-other-bot", "xapp-other-app")
				return fake.APIURL(), fake
			},
			grace: 20 * time.Second,
			code:  1, want: "SLACK_BOT_TOKEN: slack rejected the token",
		},
		{
			name: "app token rejected",
			setup: func(t *testing.T) (string, *slackfake.Server) {
				fake := slackfake.New()
				fake.SetTokens(secretBotToken, "xapp-other-app")
				return fake.APIURL(), fake
			},
			grace: 20 * time.Second,
			code:  1, want: "SLACK_APP_TOKEN",
		},
		{
			name: "accepted",
			setup: func(t *testing.T) (string, *slackfake.Server) {
				fake := slackfake.New()
				fake.SetTokens(secretBotToken, secretAppToken)
				return fake.APIURL(), fake
			},
			drive: func(t *testing.T, ctx context.Context, p *tokenProcess, fake *slackfake.Server) {
				if err := fake.WaitConnected(ctx); err != nil {
					t.Fatalf("never connected: %v\n%s", err, p.stderr)
				}
				for _, text := range []string{"add Token = A secret, never logged", "token", "help"} {
					id := fake.SendSlash(slackfake.Slash{Command: "/term", Text: text, UserID: "UALICE"})
					if _, err := fake.WaitAck(ctx, id); err != nil {
						t.Fatalf("ack for /term %s: %v\n%s", text, err, p.stderr)
					}
				}
			},
			code: 0, want: "stopped",
		},
	}
	for _, tc := range tests {
		for _, format := range []string{"text", "json"} {
			t.Run(tc.name+"/"+format, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				apiURL, fake := tc.setup(t)
				if fake != nil {
					defer fake.Close()
				}
				p := startTokenProcess(t, ctx, map[string]string{"SLACK_API_URL": apiURL, "LOG_FORMAT": format})
				if tc.drive != nil {
					tc.drive(t, ctx, p, fake)
				}
				code := p.stop(t, ctx, tc.grace)
				p.checkNoSecrets(t)
				if code != tc.code {
					t.Errorf("exit code %d, want %d; stderr:\n%s", code, tc.code, p.stderr)
				}
				mustHave(t, "stderr", p.stderr.String(), tc.want)
			})
		}
	}
}
