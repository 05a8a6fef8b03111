package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runIn runs the binary in dir with a clean environment plus env.
func runIn(tb testing.TB, dir string, env map[string]string, args ...string) (stdout, stderr string, code int) {
	tb.Helper()
	return runWith(tb, dir, env, "", args...)
}

// A malformed .env line is reported by its number, never quoted: it may
// hold a token.
func TestDotEnvErrorHidesTheLine(t *testing.T) {
	for _, file := range []string{
		"SMARKETING_DB=x.db\nSLACK_BOT_TOKEN xoxb-999-SECRETPART\n",
		"SLACK_APP_TOKEN='xapp-1-SECRETPART\nSMARKETING_DB=x.db\n",
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"run"}, {"shell"}, {"export"}} {
			out, stderr, code := runIn(t, dir, nil, args...)
			if code == 0 || out != "" {
				t.Errorf("%v with .env %q: exit %d, stdout %q; want a failure", args, file, code, out)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "smarketing: .env:") {
				t.Errorf("%v: stderr %q, want one line naming the .env line", args, stderr)
			}
			if strings.Contains(stderr, "SECRETPART") {
				t.Errorf("%v: stderr leaks the token: %q", args, stderr)
			}
		}
	}
}

// Errors hide a token or a password wherever it comes from: a flag, the
// environment, a database URL.
func TestErrorsHideSecrets(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"a token as a command", nil, []string{"xoxb-1-SECRETPART"}},
		{"a password in the database URL", map[string]string{"SMARKETING_DB": "postgres://ana:SECRETPART@127.0.0.1:1/x?connect_timeout=2"}, []string{"export"}},
		{"a password setting in the URL", map[string]string{"SMARKETING_DB": "postgres://ana@127.0.0.1:1/x?password=SECRETPART&connect_timeout=2"}, []string{"export"}},
		{"a token in the API URL", map[string]string{"SLACK_API_URL": "ftp://xoxb-1-SECRETPART"}, []string{"export"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := runIn(t, t.TempDir(), tc.env, tc.args...)
			if code == 0 || strings.Contains(stderr, "SECRETPART") {
				t.Errorf("exit %d, stderr:\n%s\nwant a failure without the secret", code, stderr)
			}
		})
	}
}

// The case: export -o onto the live database, by its name or any
// other, leaves it intact and fails with one line, even with --force.
func TestExportNeverOverwritesTheDatabase(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SMARKETING_DB": "victim.db", "USER": "ana"}
	if _, stderr, code := runIn(t, dir, env, "shell"); code != 0 {
		t.Fatalf("shell: exit %d: %s", code, stderr)
	}
	if err := os.Symlink("victim.db", filepath.Join(dir, "link.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(dir, "victim.db"), filepath.Join(dir, "hard.json")); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(dir, "victim.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"export", "-o", "victim.db"},
		{"export", "-o", "victim.db", "--force"},
		{"export", "--force", "-o", filepath.Join(dir, "victim.db")},
		{"export", "-o", "./link.json", "--force"},
		{"export", "-o", "hard.json", "--force"},
		{"export", "-o", "victim.db-journal"},
		{"backup", "victim.db-journal"},
		{"copy", "hard.json"},
	} {
		out, stderr, code := runIn(t, dir, env, args...)
		if code != 1 || out != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "live database") && !strings.Contains(stderr, "SMARKETING_DB itself") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want one line refusing the live database", args, code, out, stderr)
		}
	}
	if after, err := os.ReadFile(filepath.Join(dir, "victim.db")); err != nil || !bytes.Equal(after, before) {
		t.Fatalf("the database changed (%v)", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "victim.db-journal")); err == nil {
		t.Error("a -journal file was created beside the database")
	}
	if out, stderr, code := runIn(t, dir, env, "export", "-o", "out.json"); code != 0 || !strings.HasPrefix(out, "exported out.json:") {
		t.Fatalf("export -o a new file: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if _, stderr, code := runIn(t, dir, env, "export", "-o", "out.json"); code != 1 || !strings.Contains(stderr, "out.json already exists; add --force") {
		t.Errorf("export -o an existing file: exit %d, stderr %q", code, stderr)
	}
	if _, stderr, code := runIn(t, dir, env, "export", "-o", "out.json", "--force"); code != 0 {
		t.Errorf("export -o an existing file --force: exit %d, stderr %q", code, stderr)
	}
	if _, stderr, code := runIn(t, dir, env, "export", "--force"); code != 2 || !strings.Contains(stderr, "--force replaces an existing -o FILE") {
		t.Errorf("export --force without -o: exit %d, stderr %q", code, stderr)
	}
	if out, _, _ := runIn(t, dir, env, "help"); !strings.Contains(out, "export [-o FILE [--force]]") {
		t.Errorf("help does not show --force:\n%s", out)
	}
}

// The log hides secrets in messages, string values and errors.
func TestLoggerHidesSecrets(t *testing.T) {
	var buf bytes.Buffer
	for _, json := range []bool{false, true} {
		buf.Reset()
		log := newLogger(Config{LogJSON: json}, &buf, []string{"whsec_SECRETPART"})
		log.Info("auth with xoxb-1-SECRETPART failed", "url", "postgres://ana:SECRETPART@db/x",
			"err", errors.New("signing with whsec_SECRETPART"), "token", "smk_SECRETPART")
		log.With("app", "xapp-1-SECRETPART").WithGroup("g").Warn("again", "err", errors.New("xoxp-2-SECRETPART"))
		if strings.Contains(buf.String(), "SECRETPART") || !strings.Contains(buf.String(), "xoxb-…") {
			t.Errorf("log (json %v):\n%s", json, buf.String())
		}
	}
}
