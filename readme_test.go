package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeBlock returns the lines of the fenced code block that follows after
// in README.md, without the block's indentation.
func readmeBlock(tb testing.TB, after string) []string {
	tb.Helper()
	data, err := os.ReadFile("README.md")
	if err != nil {
		tb.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), after)
	if !ok {
		tb.Fatalf("README.md has no %q", after)
	}
	var lines []string
	in := false
	for _, line := range strings.Split(rest, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			if in {
				return lines
			}
			in = true
			continue
		}
		if in {
			lines = append(lines, strings.TrimPrefix(line, "   "))
		}
	}
	tb.Fatalf("README.md: no closed code block after %q", after)
	return nil
}

// shellMistakes are what the shell or the commands say when something
// typed did not work.
var shellMistakes = regexp.MustCompile(`Sorry|I don't know|That is not a command|No term|No persona|Which (term|persona)\?|can't tell|nothing to choose|Channel names are|not a channel|Type a number from`)

// Getting started, exactly as the README tells a newcomer: import the
// starter kit, then type the tour into the shell. Nothing may fail.
func TestReadmeGettingStarted(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(string(readme)), " ")
	starter, err := filepath.Abs(filepath.Join("examples", "starter.json"))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SMARKETING_DB": filepath.Join(t.TempDir(), "smarketing.db"), "USER": "ana"}

	out, stderr, code := runBinary(t, env, "", "import", starter)
	const summary = "35 created, 0 updated, 0 unchanged, 0 skipped"
	if code != 0 || !strings.Contains(out, summary) {
		t.Fatalf("import: exit %d, stdout %q, stderr %q; want %q", code, out, stderr, summary)
	}
	if !strings.Contains(flat, summary) || !strings.Contains(flat, "33 agreed terms") {
		t.Errorf("README.md no longer says what the import of the starter kit reports (%q, 33 terms)", summary)
	}

	tour := readmeBlock(t, "and type, one line at a time:")
	out, stderr, code = runBinary(t, env, strings.Join(tour, "\n")+"\n", "shell")
	if code != 0 {
		t.Fatalf("shell: exit %d, stderr:\n%s", code, stderr)
	}
	for _, line := range tour {
		if !strings.Contains(out, "smarketing> "+line+"\n") {
			t.Errorf("the shell did not run the README's %q; output:\n%s", line, out)
		}
	}
	if m := shellMistakes.FindString(out); m != "" {
		t.Errorf("the README's tour hits %q:\n%s", m, out)
	}
	mustHave(t, "tour", out, "Updated Marketing Qualified Lead", "Added Lead velocity", "Olivia Operations",
		"Scheduled Pipeline review (#1) in #sales-marketing", "#sales-marketing · every Tuesday at 10:00")

	// The scripted example, run by a shell as printed.
	script := readmeBlock(t, "taking the following lines as the form's fields:")
	cmd := exec.Command("sh", "-c", strings.ReplaceAll(strings.Join(script, "\n"), "./smarketing", binary))
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + cmd.Dir, "SMARKETING_DB=" + env["SMARKETING_DB"]}
	got, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("README script: %v\n%s", err, got)
	}
	if m := shellMistakes.FindString(string(got)); m != "" || !strings.Contains(string(got), "Added SLA review") {
		t.Errorf("README script output (mistake %q):\n%s", m, got)
	}
}

// The README's .env example is read and accepted as it is.
func TestReadmeDotEnv(t *testing.T) {
	lines := readmeBlock(t, "(github.com/joho/godotenv):")
	path := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	getenv, err := loadDotEnv(path, func(string) string { return "" })
	if err != nil {
		t.Fatalf("the README's .env: %v", err)
	}
	cfg, err := LoadConfig(getenv)
	if err != nil {
		t.Fatalf("the README's .env: %v", err)
	}
	if cfg.Location.String() != "Europe/Berlin" || cfg.RecapSchedule != "0 9 * * MON" || !strings.HasPrefix(cfg.AppToken, "xapp-") || cfg.Reactions["fire"] != "hot" {
		t.Errorf("the README's .env gives zone %q, schedule %q, app token %q…, fire=%q", cfg.Location, cfg.RecapSchedule, tokenKind(cfg.AppToken), cfg.Reactions["fire"])
	}
}
