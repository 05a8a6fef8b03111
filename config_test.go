package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadDotEnv(t *testing.T) {
	tests := []struct {
		name string
		file string
		env  map[string]string // the environment, which wins
		want map[string]string
	}{
		{
			name: "comments and blank lines",
			file: "# Slack\n\nSMARKETING_DB=bot.db # the database\n  # indented comment\nLOG_LEVEL=debug#not-a-comment\n",
			want: map[string]string{"SMARKETING_DB": "bot.db", "LOG_LEVEL": "debug#not-a-comment"},
		},
		{
			name: "quotes",
			file: "A='single # kept $HOME'\nB=\"double \\\"quoted\\\" # kept\"\nC=\"two\\nlines\"\nD=' spaced '\n",
			want: map[string]string{"A": "single # kept $HOME", "B": `double "quoted" # kept`, "C": "two\nlines", "D": " spaced "},
		},
		{
			name: "export and spaces around =",
			file: "export SLACK_BOT_TOKEN=xoxb-1\n  SMARKETING_TIMEZONE = Europe/Berlin  \n",
			want: map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SMARKETING_TIMEZONE": "Europe/Berlin"},
		},
		{
			name: "expansion",
			file: "BASE=/srv/smarketing\nSMARKETING_DB=${BASE}/bot.db\n",
			want: map[string]string{"SMARKETING_DB": "/srv/smarketing/bot.db"},
		},
		{
			name: "environment wins",
			file: "SMARKETING_DB=file.db\nLOG_LEVEL=debug\n",
			env:  map[string]string{"SMARKETING_DB": "env.db"},
			want: map[string]string{"SMARKETING_DB": "env.db", "LOG_LEVEL": "debug", "UNSET": ""},
		},
		{
			name: "windows line ends",
			file: "A=1\r\nB=\"two\"\r\n",
			want: map[string]string{"A": "1", "B": "two"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), ".env")
			if err := os.WriteFile(path, []byte(tc.file), 0o600); err != nil {
				t.Fatal(err)
			}
			getenv, err := loadDotEnv(path, func(k string) string { return tc.env[k] })
			if err != nil {
				t.Fatalf("loadDotEnv: %v", err)
			}
			for k, want := range tc.want {
				if got := getenv(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestLoadDotEnvErrors(t *testing.T) {
	tests := []struct{ name, file, want string }{
		{"no =", "OK=1\nJUST A LINE\n", ".env: unexpected character"},
		{"bad name", "BAD-KEY=1\n", `unexpected character "-" in variable name`},
		{"open quote", "A=\"never closed\nB=2\n", "unterminated quoted value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), ".env")
			if err := os.WriteFile(path, []byte(tc.file), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := loadDotEnv(path, os.Getenv)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("loadDotEnv(%q) = %v; want one line with %q", tc.file, err, tc.want)
			}
		})
	}
	if _, err := loadDotEnv(filepath.Join(t.TempDir(), "missing"), os.Getenv); err != nil {
		t.Errorf("loadDotEnv(no file) = %v, want nil", err)
	}
}
