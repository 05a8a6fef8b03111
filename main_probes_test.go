package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"smarketing/bot/slackfake"
	"smarketing/store/storetest"
)

// freeAddr returns a 127.0.0.1 address with a port nobody listens on now.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// httpGet returns the status and body of GET url, or code 0 if nothing
// answered.
func httpGet(ctx context.Context, url string) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err.Error()
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// waitStatus polls url until it answers code, and returns the body; it
// fails the test at ctx's deadline.
func waitStatus(tb testing.TB, ctx context.Context, url string, code int, stderr fmt.Stringer) string {
	tb.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		got, body := httpGet(ctx, url)
		if got == code {
			return body
		}
		select {
		case <-ctx.Done():
			tb.Fatalf("GET %s = %d %q, never %d\nstderr:\n%s", url, got, body, code, stderr)
		case <-tick.C:
		}
	}
}

// metricValue returns the value of the sample line name (with its
// labels, as exposed) in the exposition text, or "" if it is missing.
func metricValue(text, name string) string {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	return ""
}

// TestRunServesProbesAndMetrics runs the binary with SMARKETING_HTTP_ADDR
// against the fake Slack: /healthz is up, /readyz turns 200 once the
// socket is connected, /metrics counts the envelopes and acks it handled,
// /readyz turns 503 when Slack drops the connection and will not let the
// bot reconnect, and the retries of that reconnect are counted.
func TestRunServesProbesAndMetrics(t *testing.T) {
	fake := slackfake.New()
	defer fake.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	addr := freeAddr(t)
	base := "http://" + addr
	env := map[string]string{
		"SLACK_BOT_TOKEN":           slackfake.BotToken,
		"SLACK_APP_TOKEN":           slackfake.AppToken,
		"SLACK_API_URL":             fake.APIURL(),
		"SMARKETING_DB":             storetest.DSN(t),
		"SMARKETING_LEADS_CHANNELS": "CLEADS",
		"SMARKETING_HTTP_ADDR":      addr,
	}
	cmd := command(t, ctx, env, "run")
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Kill()
		<-exited
	}()

	if body := waitStatus(t, ctx, base+"/healthz", http.StatusOK, stderr); body != "ok\n" {
		t.Fatalf("/healthz = %q, want ok", body)
	}
	if err := fake.WaitConnected(ctx); err != nil {
		t.Fatalf("binary never connected: %v\n%s", err, stderr)
	}
	waitStatus(t, ctx, base+"/readyz", http.StatusOK, stderr)

	slash := fake.SendSlash(slackfake.Slash{Command: "/term", Text: "list", UserID: "UALICE"})
	lead := fake.SendEvent("EvLead", map[string]any{"type": "message", "channel": "CLEADS", "ts": "1700000000.000100",
		"user": "UMARK", "text": "New lead: Acme", "event_ts": "1700000000.000100", "channel_type": "channel"})
	react := fake.SendEvent("EvReact", map[string]any{"type": "reaction_added", "user": "USALES", "reaction": "+1",
		"item_user": "UMARK", "item": map[string]any{"type": "message", "channel": "CLEADS", "ts": "1700000000.000100"},
		"event_ts": "1700000001.000200"})
	for _, id := range []string{slash, lead, react} {
		if _, err := fake.WaitAck(ctx, id); err != nil {
			t.Fatalf("no ack for %s: %v\n%s", id, err, stderr)
		}
	}

	// The histogram is observed right after the ack is sent: wait for it.
	var metrics string
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for metricValue(metrics, `smarketing_ack_seconds_count{type="events_api"}`) != "2" {
		select {
		case <-ctx.Done():
			t.Fatalf("/metrics never counted 2 events_api acks:\n%s", metrics)
		case <-tick.C:
		}
		_, metrics = httpGet(ctx, base+"/metrics")
	}
	for name, want := range map[string]string{
		`smarketing_envelopes_total{event="",type="slash_commands"}`:           "1",
		`smarketing_envelopes_total{event="",type="interactive"}`:              "0",
		`smarketing_envelopes_total{event="message",type="events_api"}`:        "1",
		`smarketing_envelopes_total{event="reaction_added",type="events_api"}`: "1",
		`smarketing_ack_seconds_count{type="slash_commands"}`:                  "1",
		`smarketing_ack_seconds_bucket{type="slash_commands",le="+Inf"}`:       "1",
		`smarketing_events_applied_total{result="applied"}`:                    "2",
		`smarketing_events_applied_total{result="failed"}`:                     "0",
		`smarketing_db_errors_total{op="write"}`:                               "0",
		`smarketing_posts_total{kind="recap",result="posted"}`:                 "0",
	} {
		if got := metricValue(metrics, name); got != want {
			t.Errorf("%s = %q, want %s", name, got, want)
		}
	}
	if t.Failed() {
		t.Fatalf("/metrics:\n%s", metrics)
	}

	// Slack drops the socket and refuses to open another: not ready.
	fake.Handle("apps.connections.open", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"ok":false,"error":"internal_error"}`)
	})
	fake.DropConnection()
	if body := waitStatus(t, ctx, base+"/readyz", http.StatusServiceUnavailable, stderr); body != "slack: not connected\n" {
		t.Fatalf("/readyz while disconnected = %q, want \"slack: not connected\"", body)
	}
	if body := waitStatus(t, ctx, base+"/healthz", http.StatusOK, stderr); body != "ok\n" {
		t.Fatalf("/healthz while disconnected = %q, want ok", body)
	}
	retried := `smarketing_webapi_retries_total{method="apps.connections.open"}`
	for metricValue(metrics, retried) == "" || metricValue(metrics, retried) == "0" {
		select {
		case <-ctx.Done():
			t.Fatalf("/metrics never counted a retry of apps.connections.open:\n%s", metrics)
		case <-tick.C:
		}
		_, metrics = httpGet(ctx, base+"/metrics")
	}

	// SIGTERM stops the bot and its probes.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		exited <- err // for the deferred Kill's wait
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr)
		}
	case <-ctx.Done():
		t.Fatalf("no exit after SIGTERM\n%s", stderr)
	}
	if code, _ := httpGet(ctx, base+"/healthz"); code != 0 {
		t.Fatalf("/healthz answered %d after the bot exited", code)
	}
}

// TestRunHTTPAddrTaken checks that a port already in use stops run at
// start-up with one line naming the variable.
func TestRunHTTPAddrTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	env := map[string]string{
		"SLACK_BOT_TOKEN":      "xoxb-1-secretpart",
		"SLACK_APP_TOKEN":      "xapp-1-secretpart",
		"SLACK_API_URL":        "http://127.0.0.1:1/api/", // never reached
		"SMARKETING_HTTP_ADDR": ln.Addr().String(),
	}
	_, stderr, code := runBinary(t, env, "", "run")
	if code != 1 {
		t.Fatalf("exit code = %d, want 1; stderr:\n%s", code, stderr)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if strings.HasPrefix(l, "smarketing: ") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 || !strings.Contains(lines[0], "SMARKETING_HTTP_ADDR") || !strings.Contains(lines[0], "address already in use") {
		t.Fatalf("stderr =\n%s\nwant one line naming SMARKETING_HTTP_ADDR and the address in use", stderr)
	}
}
