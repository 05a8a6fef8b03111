package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"smarketing/bot/slackfake"
	"smarketing/store/storetest"
)

// binary is the smarketing executable built once for these tests: they
// drive it from outside, as a user (or Slack) would.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "smarketing-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "smarketing")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build smarketing:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// command prepares the binary with a clean environment plus env, in a
// fresh working directory.
func command(tb testing.TB, ctx context.Context, env map[string]string, args ...string) *exec.Cmd {
	tb.Helper()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = tb.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + cmd.Dir}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

func runBinary(tb testing.TB, env map[string]string, stdin string, args ...string) (stdout, stderr string, code int) {
	tb.Helper()
	return runWith(tb, "", env, stdin, args...)
}

// runWith runs the binary with stdin, in dir if it is not "" (else where
// [command] puts it), with a clean environment plus env.
func runWith(tb testing.TB, dir string, env map[string]string, stdin string, args ...string) (stdout, stderr string, code int) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := command(tb, ctx, env, args...)
	if dir != "" {
		cmd.Dir = dir
	}
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		tb.Fatalf("run %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

func TestConfigErrorsAreOneClearLine(t *testing.T) {
	good := map[string]string{"SLACK_BOT_TOKEN": "xoxb-1-secretpart", "SLACK_APP_TOKEN": "xapp-1-secretpart"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range good {
			m[a] = b
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"no tokens", map[string]string{}, []string{"run"}, 1, "SLACK_BOT_TOKEN is not set"},
		{"no app token", with("SLACK_APP_TOKEN", ""), nil, 1, "SLACK_APP_TOKEN is not set"},
		{"swapped tokens", with("SLACK_BOT_TOKEN", "xapp-1-secretpart"), []string{"run"}, 1, "SLACK_BOT_TOKEN must be a bot token starting with xoxb-"},
		{"bad zone", with("SMARKETING_TIMEZONE", "Mars/Olympus"), []string{"run"}, 1, "SMARKETING_TIMEZONE"},
		{"bad schedule", with("SMARKETING_RECAP_SCHEDULE", "every monday"), []string{"run"}, 1, "SMARKETING_RECAP_SCHEDULE"},
		{"bad sla", with("SMARKETING_SLA", "tomorrow"), []string{"run"}, 1, "SMARKETING_SLA"},
		{"bad reactions", with("SMARKETING_REACTIONS", "+1=great"), []string{"run"}, 1, "SMARKETING_REACTIONS"},
		{"bad channel", with("SMARKETING_LEADS_CHANNELS", "#leads"), []string{"run"}, 1, "SMARKETING_LEADS_CHANNELS"},
		{"bad sales", with("SMARKETING_SALES", "#sales"), []string{"run"}, 1, "SMARKETING_SALES: \"#sales\" is not a user ID"},
		{"bad marketing", with("SMARKETING_MARKETING", "U0MO,@ana"), []string{"run"}, 1, "SMARKETING_MARKETING: \"@ana\" is not a user ID"},
		{"bad review every", with("SMARKETING_REVIEW_EVERY", "quarterly"), []string{"run"}, 1, "SMARKETING_REVIEW_EVERY must be a positive duration"},
		{"bad business hours", with("SMARKETING_BUSINESS_HOURS", "mon-fry 09:00-17:30"), []string{"run"}, 1, `SMARKETING_BUSINESS_HOURS: "mon-fry 09:00-17:30": unknown day "fry"`},
		{"business hours ending before they start", with("SMARKETING_BUSINESS_HOURS", "mon-fri 17:30-09:00"), []string{"run"}, 1, "SMARKETING_BUSINESS_HOURS:"},
		{"bad holiday", with("SMARKETING_HOLIDAYS", "2026-12-25,2026-13-01"), []string{"run"}, 1, "SMARKETING_HOLIDAYS:"},
		{"missing holidays file", with("SMARKETING_HOLIDAYS", "/nonexistent/holidays.txt"), []string{"run"}, 1, "SMARKETING_HOLIDAYS:"},
		{"bad escalate", with("SMARKETING_SLA_ESCALATE", "<!channel>"), []string{"run"}, 1, "SMARKETING_SLA_ESCALATE must be one user ID"},
		{"http addr without port", with("SMARKETING_HTTP_ADDR", "localhost"), []string{"run"}, 1, "SMARKETING_HTTP_ADDR must be HOST:PORT"},
		{"http port out of range", with("SMARKETING_HTTP_ADDR", "127.0.0.1:70000"), []string{"run"}, 1, "SMARKETING_HTTP_ADDR must be HOST:PORT"},
		{"http port not a number", with("SMARKETING_HTTP_ADDR", "127.0.0.1:http"), []string{"run"}, 1, "SMARKETING_HTTP_ADDR must be HOST:PORT"},
		{"unknown subcommand", good, []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := runBinary(t, tc.env, "", tc.args...)
			if code != tc.code {
				t.Fatalf("exit code = %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			mustHave(t, "stderr", stderr, tc.want)
			if strings.Contains(stderr, "secretpart") {
				t.Fatalf("stderr leaks a token:\n%s", stderr)
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Fatalf("stderr has a stack trace:\n%s", stderr)
			}
		})
	}
}

func mustHave(tb testing.TB, what, got string, wants ...string) {
	tb.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			tb.Fatalf("%s =\n%s\nwant it to contain %q", what, got, w)
		}
	}
}

func TestVersionAndManifest(t *testing.T) {
	out, _, code := runBinary(t, nil, "", "version")
	if code != 0 || !strings.HasPrefix(out, "smarketing ") {
		t.Fatalf("version = %q (exit %d)", out, code)
	}
	out, _, code = runBinary(t, nil, "", "manifest")
	if code != 0 {
		t.Fatalf("manifest exit %d", code)
	}
	mustHave(t, "manifest", out, "socket_mode_enabled: true", "command: /term", "command: /persona", "reaction_added", "is_enabled: true")
}

func TestShellNeedsNoTokens(t *testing.T) {
	script := strings.Join([]string{
		"/term add Sales Accepted Lead (SAL) = Sales agreed to work it <!channel>",
		"/term sal",
		"/term sa",
		"/term add",
		"Opportunity", // piped: a command line, not the form's first field
		"/term add Opportunity = A qualified deal in the pipeline",
		"/term list",
		"/term search pipeline",
		"/nope",
		"exit",
	}, "\n")
	env := map[string]string{"SMARKETING_DB": storetest.DSN(t), "USER": "ana"}
	out, stderr, code := runBinary(t, env, script, "shell")
	if code != 0 {
		t.Fatalf("shell exit %d, stderr:\n%s", code, stderr)
	}
	mustHave(t, "shell output", out,
		"Added Sales Accepted Lead",
		"Sales agreed to work it <!channel>", // shown as typed in a terminal
		"Last edited by @ana",
		"Did you mean SAL",
		"type it on one line: /term add NAME (ALIAS, ALIAS) = DEFINITION",
		"2 terms", "Uncategorised",
		"1. Opportunity",
		"I don't know the command /nope")
}

// TestRunOverSocketMode drives the built binary through the fake Slack with
// real Socket Mode frames: commands are answered in the ack, the ack is fast,
// and SIGTERM stops it cleanly.
func TestRunOverSocketMode(t *testing.T) {
	fake := slackfake.New()
	defer fake.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	env := map[string]string{
		"SLACK_BOT_TOKEN": slackfake.BotToken,
		"SLACK_APP_TOKEN": slackfake.AppToken,
		"SLACK_API_URL":   fake.APIURL(),
		"SMARKETING_DB":   storetest.DSN(t),
		"LOG_FORMAT":      "json",
		// One group resolved, one unknown: both said in the log.
		"SMARKETING_SALES":     "U0ANA,SSALES",
		"SMARKETING_MARKETING": "SGONE",
	}
	fake.SetUserGroup("SSALES", "U0BEA", "U0CAL")
	cmd := command(t, ctx, env, "run")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	if err := fake.WaitConnected(ctx); err != nil {
		t.Fatalf("binary never connected: %v\n%s", err, stderr.String())
	}

	if _, err := fake.WaitCall(ctx, "usergroups.users.list", func(c slackfake.Call) bool { return c.Params["usergroup"] == "SGONE" }); err != nil {
		t.Fatalf("the user groups were not looked up at start: %v", err)
	}

	send := func(text string) (string, time.Duration) {
		id := fake.SendSlash(slackfake.Slash{Command: "/term", Text: text, UserID: "UALICE"})
		ack, err := fake.WaitAck(ctx, id)
		if err != nil {
			t.Fatalf("ack for %q: %v", text, err)
		}
		return string(ack.Payload), ack.At.Sub(ack.SentAt)
	}
	payload, _ := send("add Lead = Someone who showed interest <@U0BOSS>")
	mustHave(t, "add", slackfake.Strings([]byte(payload)), "Added", "&lt;@U0BOSS&gt;")
	var lat []time.Duration
	for i := 0; i < 50; i++ {
		payload, d := send("lead")
		mustHave(t, "lookup", payload, "Someone who showed interest")
		lat = append(lat, d)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	t.Logf("ack latency over loopback: p50 %v, max %v", lat[len(lat)/2], lat[len(lat)-1])
	if lat[len(lat)/2] > time.Second {
		t.Fatalf("median ack latency %v: far outside Slack's 3 s", lat[len(lat)/2])
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-ctx.Done():
		t.Fatal("no exit after SIGTERM")
	}
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON (LOG_FORMAT=json): %q", line)
		}
	}
	if strings.Contains(stderr.String(), slackfake.BotToken) || strings.Contains(stderr.String(), slackfake.AppToken) {
		t.Fatal("a token appears in the logs")
	}
	mustHave(t, "log", stderr.String(),
		`"sales_users":1,"sales_groups":1,"marketing_users":0,"marketing_groups":1`,
		`"msg":"user group not found, its members count for no side","component":"sides","variable":"SMARKETING_MARKETING","group":"SGONE"`)
}

func TestRunRejectedTokenExits(t *testing.T) {
	fake := slackfake.New()
	defer fake.Close()
	fake.SetTokens("xoxb-another", "xapp-another")
	env := map[string]string{
		"SLACK_BOT_TOKEN": slackfake.BotToken,
		"SLACK_APP_TOKEN": slackfake.AppToken,
		"SLACK_API_URL":   fake.APIURL(),
		"SMARKETING_DB":   filepath.Join(t.TempDir(), "auth.db"),
	}
	_, stderr, code := runBinary(t, env, "", "run")
	if code != 1 {
		t.Fatalf("exit code %d, want 1; stderr:\n%s", code, stderr)
	}
	mustHave(t, "stderr", stderr, "SLACK_BOT_TOKEN", "rejected")
}

// TestExportImportBackup drives export, import and backup through the
// binary: output formats, exit codes, and that good rows of a file with a
// bad one are imported.
func TestExportImportBackup(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SMARKETING_DB": storetest.DSN(t), "USER": "ana"}
	if _, stderr, code := runBinary(t, env, "/term add Lead = Someone who showed interest <!channel>\nexit\n", "shell"); code != 0 {
		t.Fatalf("shell exit %d: %s", code, stderr)
	}

	exported := filepath.Join(dir, "export.json")
	out, stderr, code := runBinary(t, env, "", "export", "-o", exported)
	if code != 0 || out != "exported "+exported+": 1 term, 0 personas\n" {
		t.Fatalf("export -o: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	data, err := os.ReadFile(exported)
	if err != nil {
		t.Fatal(err)
	}
	mustHave(t, "export", string(data), "{\n  \"version\": 1,\n  \"terms\": [\n", `"name": "Lead"`, `<!channel>`)
	if out, _, _ := runBinary(t, env, "", "export"); out != string(data) {
		t.Fatalf("export to stdout differs from export -o:\n%s\n---\n%s", out, data)
	}

	csvFile := filepath.Join(dir, "terms.csv")
	csv := "name,aliases,category,definition\n" +
		"Marketing Qualified Lead,MQL;M.Q.L.,Funnel,\"Ready for sales,\nby our rules\"\n" +
		",,Funnel,A row without a name\n" +
		"Sales Accepted Lead,SAL,Funnel,Sales agreed to work it\n"
	if err := os.WriteFile(csvFile, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code = runBinary(t, env, "", "import", csvFile)
	if code != 1 {
		t.Fatalf("import with a bad row: exit %d, want 1; stdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	mustHave(t, "import stdout", out, csvFile+":4: term (no name): ", "imported "+csvFile+": 2 created, 0 updated, 0 unchanged, 1 skipped\n")
	if stderr != "smarketing: 1 row of "+csvFile+" was skipped (see above)\n" {
		t.Fatalf("import stderr = %q", stderr)
	}
	out, _, _ = runBinary(t, env, "", "export")
	mustHave(t, "export after import", out, `"name": "Marketing Qualified Lead"`, `"MQL",`, "Ready for sales,\\nby our rules", `"name": "Sales Accepted Lead"`, `"created_by": "import"`)

	// The export imports into an empty database as it was, and again
	// changes nothing.
	fresh := map[string]string{"SMARKETING_DB": storetest.DSN(t)}
	if out, stderr, code := runBinary(t, fresh, "", "import", exported); code != 0 || out != "imported "+exported+": 1 created, 0 updated, 0 unchanged, 0 skipped\n" {
		t.Fatalf("import of the export: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if out, _, code := runBinary(t, fresh, "", "import", exported); code != 0 || !strings.Contains(out, "0 created, 0 updated, 1 unchanged, 0 skipped") {
		t.Fatalf("second import: exit %d, stdout %q", code, out)
	}
	if out, _, _ := runBinary(t, fresh, "", "export"); out != string(data) {
		t.Fatalf("round trip changed the export:\n%s\n---\n%s", out, data)
	}

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{\"terms\": [\n  {\"name\": \"X\" \"definition\": \"y\"}\n]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code = runBinary(t, env, "", "import", bad)
	if code != 1 || out != "" {
		t.Fatalf("import of bad JSON: exit %d, stdout %q", code, out)
	}
	mustHave(t, "stderr", stderr, "smarketing: "+bad+":2:16: invalid JSON: ", "nothing was imported")

	backup := filepath.Join(dir, "backup.db")
	out, stderr, code = runBinary(t, env, "", "backup", backup)
	if code != 0 || !strings.HasPrefix(out, "backed up to "+backup+" (") || !strings.HasSuffix(out, " kB, integrity ok)\n") {
		t.Fatalf("backup: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if _, stderr, code := runBinary(t, env, "", "backup", backup); code != 1 || !strings.Contains(stderr, "already exists") {
		t.Fatalf("backup over an existing file: exit %d, stderr %q", code, stderr)
	}
	out, _, _ = runBinary(t, map[string]string{"SMARKETING_DB": backup}, "", "export")
	mustHave(t, "export of the backup", out, `"name": "Sales Accepted Lead"`)

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"import"}, 2, "import takes exactly one FILE"},
		{[]string{"export", "out.json"}, 2, "export takes no arguments but -o FILE"},
		{[]string{"import", filepath.Join(dir, "missing.csv")}, 1, "missing.csv: no such file"},
	} {
		_, stderr, code := runBinary(t, env, "", tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
	if _, stderr, code := runBinary(t, map[string]string{"SMARKETING_DB": filepath.Join(dir, "none.db")}, "", "export"); code != 1 || !strings.Contains(stderr, "does not exist") {
		t.Errorf("export of a missing database: exit %d, stderr %q", code, stderr)
	}
}

// TestImportKeepsNewerWorkAndCopy follows a newcomer: they define MQL in
// the shell, then import the starter kit, which must keep their definition
// (reported with both times) unless --overwrite; then the data moves to
// another database with copy, which refuses one that holds data.
func TestImportKeepsNewerWorkAndCopy(t *testing.T) {
	env := map[string]string{"SMARKETING_DB": storetest.DSN(t), "USER": "ana"}
	mine := "/term edit MQL = Our own definition, agreed on Monday\nexit\n"
	starter, err := filepath.Abs("examples/starter.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runBinary(t, env, "", "import", starter); code != 0 {
		t.Fatalf("first import: exit %d: %s", code, stderr)
	}
	if _, stderr, code := runBinary(t, env, mine, "shell"); code != 0 {
		t.Fatalf("shell exit %d: %s", code, stderr)
	}
	out, stderr, code := runBinary(t, env, "", "import", starter)
	if code != 0 {
		t.Fatalf("re-import: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	mustHave(t, "re-import", out, starter+`:14: term "Marketing Qualified Lead": Kept the version stored here (updated `,
		"newer than the file's (updated 2026-11-24T00:00:00Z)", "1 kept (newer here; import --overwrite replaces them)")
	if card, _, _ := runBinary(t, env, "/term mql\n", "shell"); !strings.Contains(card, "Our own definition") {
		t.Fatalf("after re-import, /term mql =\n%s\nwant the newcomer's definition", card)
	}
	out, _, code = runBinary(t, env, "", "import", "--overwrite", starter)
	if code != 0 || !strings.Contains(out, "1 updated") {
		t.Fatalf("import --overwrite: exit %d, stdout %q", code, out)
	}

	dest := filepath.Join(t.TempDir(), "copy.db")
	out, stderr, code = runBinary(t, env, "", "copy", dest)
	if code != 0 || !strings.Contains(out, "to "+dest+": terms 33, ") || !strings.Contains(out, "(row counts verified)") {
		t.Fatalf("copy: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	src, _, _ := runBinary(t, env, "", "export")
	copied, _, _ := runBinary(t, map[string]string{"SMARKETING_DB": dest}, "", "export")
	if src != copied || !strings.Contains(src, `"name": "Marketing Qualified Lead"`) {
		t.Fatalf("the copy exports differently:\n%s\n---\n%s", copied, src)
	}
	if _, stderr, code := runBinary(t, env, "", "copy", dest); code != 1 || !strings.Contains(stderr, "already holds data") {
		t.Fatalf("copy into a database with data: exit %d, stderr %q", code, stderr)
	}
}

// TestSecondRunOnOneSQLiteFileIsRefused: SQLite has one instance; a second
// run on the same file exits 1 with one line naming the file and the owner,
// and once the first has stopped the file is free again.
func TestSecondRunOnOneSQLiteFileIsRefused(t *testing.T) {
	fake := slackfake.New()
	defer fake.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	file := filepath.Join(t.TempDir(), "one.db")
	env := map[string]string{
		"SLACK_BOT_TOKEN": slackfake.BotToken,
		"SLACK_APP_TOKEN": slackfake.AppToken,
		"SLACK_API_URL":   fake.APIURL(),
		"SMARKETING_DB":   file,
	}
	first := command(t, ctx, env, "run")
	var firstErr bytes.Buffer
	first.Stderr = &firstErr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	if err := fake.WaitConnected(ctx); err != nil {
		t.Fatalf("first run never connected: %v\n%s", err, firstErr.String())
	}
	_, stderr, code := runBinary(t, env, "", "run")
	if code != 1 {
		t.Fatalf("second run: exit code %d, want 1; stderr:\n%s", code, stderr)
	}
	if lines := strings.Split(strings.TrimSpace(stderr), "\n"); len(lines) != 1 {
		t.Fatalf("second run said %d lines, want 1:\n%s", len(lines), stderr)
	}
	mustHave(t, "second run", stderr, file, "in use by another smarketing run", fmt.Sprintf("pid %d", first.Process.Pid))

	// The CLI beside the bot still works.
	if _, stderr, code := runBinary(t, env, "", "export"); code != 0 {
		t.Fatalf("export beside the bot: exit %d: %s", code, stderr)
	}
	if err := first.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("first run: %v\n%s", err, firstErr.String())
	}
	// Free again: a run starts (and is stopped once connected).
	again := command(t, ctx, env, "run")
	var againErr bytes.Buffer
	again.Stderr = &againErr
	if err := again.Start(); err != nil {
		t.Fatal(err)
	}
	if err := fake.WaitConnections(ctx, 2); err != nil {
		t.Fatalf("run after the first stopped never connected: %v\n%s", err, againErr.String())
	}
	if err := again.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := again.Wait(); err != nil {
		t.Fatalf("run after the first stopped: %v\n%s", err, againErr.String())
	}
}

// TestSLAReminderOnTime runs the binary with a 3 s SLA: the reminder of a
// lead nobody rated goes out in its thread within 5 s of the SLA running
// out (a timer set to the lead's due time, not a once-a-minute poll), and
// not before it.
func TestSLAReminderOnTime(t *testing.T) {
	fake := slackfake.New()
	defer fake.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const sla = 3 * time.Second
	cmd := command(t, ctx, map[string]string{
		"SLACK_BOT_TOKEN":           slackfake.BotToken,
		"SLACK_APP_TOKEN":           slackfake.AppToken,
		"SLACK_API_URL":             fake.APIURL(),
		"SMARKETING_DB":             storetest.DSN(t),
		"SMARKETING_LEADS_CHANNELS": "CLEADS",
		"SMARKETING_SLA":            sla.String(),
	}, "run")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	if err := fake.WaitConnected(ctx); err != nil {
		t.Fatalf("binary never connected: %v\n%s", err, stderr.String())
	}
	posted := time.Now()
	lead := fmt.Sprintf("%d.%06d", posted.Unix(), posted.Nanosecond()/1000)
	due := time.Unix(posted.Unix(), int64(posted.Nanosecond()/1000)*1000).Add(sla)
	id := fake.SendEvent("EvLeadSLA", map[string]any{"type": "message", "channel": "CLEADS", "ts": lead, "user": "UMKT",
		"text": "Acme wants a demo", "event_ts": lead, "channel_type": "channel"})
	if _, err := fake.WaitAck(ctx, id); err != nil {
		t.Fatal(err)
	}
	call, err := fake.WaitCall(ctx, "chat.postMessage", func(c slackfake.Call) bool { return c.Params["thread_ts"] == lead })
	if err != nil {
		t.Fatalf("no SLA reminder in the lead's thread: %v\n%s", err, stderr.String())
	}
	if call.At.Before(due) {
		t.Fatalf("reminder at %v, before the SLA ran out at %v", call.At, due)
	}
	if late := call.At.Sub(due); late > 5*time.Second {
		t.Fatalf("reminder %v after the SLA ran out, want within 5 s", late)
	}
	t.Logf("reminder %v after the SLA ran out", call.At.Sub(due))
}
