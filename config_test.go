package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"smarketing/commands/sides"
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
		{"no =", "OK=1\nJUST A LINE\n", ".env:2: not a KEY=value line"},
		{"bad name", "BAD-KEY=1\n", ".env:1: not a KEY=value line (a name holds only letters"},
		{"open quote", "A=\"SECRETPART\nB=2\n", ".env:1: a quoted value starts here and is never closed"},
		{"token without =", "A=1\n# a comment\nSLACK_BOT_TOKEN xoxb-999-SECRETPART\nB=2\n", ".env:3: not a KEY=value line"},
		{"open quote after a quoted line break", "A=\"two\nlines\"\nB='xoxb-1-SECRETPART\nC=3\n", ".env:3: a quoted value starts here"},
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
			for _, secret := range []string{"SECRETPART", "JUST A"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("loadDotEnv(%q) = %v: it quotes the file", tc.file, err)
				}
			}
		})
	}
	if _, err := loadDotEnv(filepath.Join(t.TempDir(), "missing"), os.Getenv); err != nil {
		t.Errorf("loadDotEnv(no file) = %v, want nil", err)
	}
}

func TestLoadConfigSides(t *testing.T) {
	tests := []struct {
		name              string
		sales, marketing  string
		wantSales, wantMk sides.List
		errHas            string // "" for no error
	}{
		{name: "unset", wantSales: sides.List{}, wantMk: sides.List{}},
		{
			name: "users and groups", sales: "U0ANA, S0SALES", marketing: "W0MO,S0MKT,U0ANA",
			wantSales: sides.List{Users: []string{"U0ANA"}, Groups: []string{"S0SALES"}},
			wantMk:    sides.List{Users: []string{"W0MO", "U0ANA"}, Groups: []string{"S0MKT"}},
		},
		{
			name: "spaces, empty items and duplicates", sales: " U0ANA ,, U0ANA ,S0SALES,S0SALES, ", marketing: " ",
			wantSales: sides.List{Users: []string{"U0ANA"}, Groups: []string{"S0SALES"}},
		},
		{name: "channel in sales", sales: "C0LEADS", errHas: `SMARKETING_SALES: "C0LEADS" is not a user ID`},
		{name: "name in marketing", marketing: "U0ANA,@mo", errHas: `SMARKETING_MARKETING: "@mo" is not a user ID`},
		{name: "lower case", sales: "s0sales", errHas: "SMARKETING_SALES: \"s0sales\" is not a user ID (U0123ABCD) or a user group ID (S0123ABCD): IDs are in capitals"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"SMARKETING_SALES": tc.sales, "SMARKETING_MARKETING": tc.marketing}
			cfg, err := LoadConfig(func(k string) string { return env[k] })
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("LoadConfig = %v; want one line with %q", err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadConfig: %v", err)
			}
			for _, c := range []struct {
				name      string
				got, want sides.List
			}{{"Sales", cfg.Sales, tc.wantSales}, {"Marketing", cfg.Marketing, tc.wantMk}} {
				if !slices.Equal(c.got.Users, c.want.Users) || !slices.Equal(c.got.Groups, c.want.Groups) {
					t.Errorf("%s = %+v, want %+v", c.name, c.got, c.want)
				}
			}
		})
	}
}

func TestLoadConfigReviewEvery(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		in     string
		want   time.Duration
		errHas string
	}{
		{"", 90 * day, ""},
		{"90d", 90 * day, ""},
		{" 30d ", 30 * day, ""},
		{"13w", 91 * day, ""},
		{"2160h", 90 * day, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"0d", 0, "must be more than zero"},
		{"0s", 0, "must be more than zero"},
		{"-5d", 0, "must be more than zero"},
		{"-1h", 0, "must be more than zero"},
		{"1.5d", 0, "write whole days or weeks"},
		{"d", 0, "write whole days or weeks"},
		{"90 days", 0, "not a duration"},
		{"3mo", 0, "not a duration"},
		{"90D", 0, "not a duration"},
		{"99999999999999999999d", 0, "too long"},
		{"9999999999999w", 0, "too long"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			cfg, err := LoadConfig(func(k string) string {
				if k == "SMARKETING_REVIEW_EVERY" {
					return tc.in
				}
				return ""
			})
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), "SMARKETING_REVIEW_EVERY must be a positive duration") ||
					!strings.Contains(err.Error(), tc.errHas) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("LoadConfig = %v; want one line naming SMARKETING_REVIEW_EVERY with %q", err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadConfig: %v", err)
			}
			if cfg.ReviewEvery != tc.want {
				t.Fatalf("ReviewEvery = %v, want %v", cfg.ReviewEvery, tc.want)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"no secret here", "no secret here"},
		{"token xoxb-123-456-SECRETPART rejected", "token xoxb-… rejected"},
		{"xoxp-1-SECRETPART, xapp-1-A0-SECRETPART; xoxe-1-SECRETPART", "xoxp-…, xapp-…; xoxe-…"},
		{`"xoxe.xoxp-1-SECRETPART"`, `"xoxe.xoxp-…"`},
		{"already xoxb-… shown", "already xoxb-… shown"},
		{"bearer smk_SECRETPART_x-y", "bearer smk_…"},
		{"open postgres://ana:SECRETPART@db:5432/x?sslmode=off", "open postgres://ana:xxxxx@db:5432/x?sslmode=off"},
		{"postgresql://ana:xxxxx@db/x", "postgresql://ana:xxxxx@db/x"},
		{"postgres://ana@db/x and ana@example.com", "postgres://ana@db/x and ana@example.com"},
		{"host=db password=SECRETPART user=ana", "host=db password=xxxxx user=ana"},
		{"postgres://db/x?password=SECRETPART&sslmode=off", "postgres://db/x?password=xxxxx&sslmode=off"},
		{"password='SECRET PART' user=ana", "password=xxxxx user=ana"},
		{"signed with whsec-not-a-prefix-SECRETPART", "signed with …"},
		{"myxoxb-1-SECRETPART", "myxoxb-1-SECRETPART"}, // not a token: no word boundary
	}
	known := []string{"whsec-not-a-prefix-SECRETPART", "ab"}
	for _, tc := range tests {
		if got := redact(tc.in, known...); got != tc.want {
			t.Errorf("redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := redact("a cab", known...); got != "a cab" {
		t.Errorf("a known secret shorter than 4 characters replaced: %q", got)
	}
}
