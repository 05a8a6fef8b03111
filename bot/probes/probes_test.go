package probes_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"smarketing/bot/probes"
)

func get(tb testing.TB, h http.Handler, path string) (int, string) {
	tb.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code, rec.Body.String()
}

func TestHealthz(t *testing.T) {
	failing := probes.Check{Name: "slack", Check: func(context.Context) error { return errors.New("not connected") }}
	code, body := get(t, probes.NewHandler(nil, failing), "/healthz")
	if code != http.StatusOK || body != "ok\n" {
		t.Fatalf("GET /healthz = %d %q, want 200 \"ok\\n\" whatever readiness says", code, body)
	}
}

func TestReadyz(t *testing.T) {
	ok := func(context.Context) error { return nil }
	down := func(msg string) func(context.Context) error {
		return func(context.Context) error { return errors.New(msg) }
	}
	// hangs until its deadline: a database that does not answer.
	hangs := func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	}
	tests := []struct {
		name     string
		checks   []probes.Check
		wantCode int
		wantBody string
	}{
		{"no checks", nil, 200, "ok\n"},
		{"all pass", []probes.Check{{"slack", ok}, {"database", ok}}, 200, "ok\n"},
		{"slack down", []probes.Check{{"slack", down("not connected")}, {"database", ok}}, 503, "slack: not connected\n"},
		{"database down", []probes.Check{{"slack", ok}, {"database", down("dial tcp 10.0.0.1:5432:\nconnection refused")}}, 503,
			"database: dial tcp 10.0.0.1:5432: connection refused\n"},
		{"first failure wins", []probes.Check{{"slack", down("not connected")}, {"database", down("closed")}}, 503, "slack: not connected\n"},
		{"database hangs", []probes.Check{{"slack", ok}, {"database", hangs}}, 503, "database: context deadline exceeded\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			code, body := get(t, probes.NewHandler(probes.NewMetrics(), tc.checks...), "/readyz")
			if code != tc.wantCode || body != tc.wantBody {
				t.Fatalf("GET /readyz = %d %q, want %d %q", code, body, tc.wantCode, tc.wantBody)
			}
			if d := time.Since(start); d > probes.CheckTimeout+2*time.Second {
				t.Fatalf("GET /readyz took %v, want about the check timeout (%v) at most", d, probes.CheckTimeout)
			}
		})
	}
}

func TestReadyzCutsLongReasons(t *testing.T) {
	long := probes.Check{Name: "database", Check: func(context.Context) error { return errors.New(strings.Repeat("é", 300)) }}
	_, body := get(t, probes.NewHandler(nil, long), "/readyz")
	if len(body) > 260 || !strings.HasPrefix(body, "database: é") || strings.ToValidUTF8(body, "?") != body {
		t.Fatalf("GET /readyz = %q (%d bytes), want a valid UTF-8 reason cut near 200 bytes", body, len(body))
	}
}

func TestMetricsExposition(t *testing.T) {
	m := probes.NewMetrics()
	m.Envelope(probes.EnvelopeSlash, "")
	m.Envelope(probes.EnvelopeEvents, "reaction_added")
	m.Envelope(probes.EnvelopeEvents, "reaction_added")
	m.Envelope(probes.EnvelopeEvents, "team_join")    // not one we know: other
	m.Envelope("hello", "")                           // not an envelope type we know: other
	m.Acked(probes.EnvelopeSlash, 3*time.Millisecond) // in the 0.005 bucket
	m.EventDone(probes.EventApplied)
	m.EventDone(probes.EventDuplicate)
	m.EventDone("bogus")
	m.Post(probes.PostRecap, probes.PostPosted)
	m.Post(probes.PostSLAReminder, probes.PostAlready)
	m.WebAPIRetry("chat.postMessage")
	m.WebAPIRetry("response_url")
	m.WebAPIRetry("upload/v1/ABC123") // not a method name: other
	m.DBError(probes.DBEvents)

	code, body := get(t, probes.NewHandler(m), "/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics = %d, want 200:\n%s", code, body)
	}
	for _, want := range []string{
		`smarketing_envelopes_total{event="",type="slash_commands"} 1`,
		`smarketing_envelopes_total{event="",type="interactive"} 0`,
		`smarketing_envelopes_total{event="reaction_added",type="events_api"} 2`,
		`smarketing_envelopes_total{event="other",type="events_api"} 1`,
		`smarketing_envelopes_total{event="",type="other"} 1`,
		`smarketing_ack_seconds_bucket{type="slash_commands",le="0.0025"} 0`,
		`smarketing_ack_seconds_bucket{type="slash_commands",le="0.005"} 1`,
		`smarketing_ack_seconds_count{type="slash_commands"} 1`,
		`smarketing_ack_seconds_count{type="events_api"} 0`,
		`smarketing_events_applied_total{result="applied"} 1`,
		`smarketing_events_applied_total{result="duplicate"} 1`,
		`smarketing_events_applied_total{result="skipped"} 0`,
		`smarketing_events_applied_total{result="other"} 1`,
		`smarketing_posts_total{kind="recap",result="posted"} 1`,
		`smarketing_posts_total{kind="sla_reminder",result="already"} 1`,
		`smarketing_posts_total{kind="meeting_reminder",result="failed"} 0`,
		`smarketing_webapi_retries_total{method="chat.postMessage"} 1`,
		`smarketing_webapi_retries_total{method="response_url"} 1`,
		`smarketing_webapi_retries_total{method="other"} 1`,
		`smarketing_db_errors_total{op="commit_events"} 1`,
		`smarketing_db_errors_total{op="read"} 0`,
		"# TYPE smarketing_ack_seconds histogram",
		"go_goroutines ",
		"process_start_time_seconds ", // Linux only, where CI runs
	} {
		if !hasLine(body, want) {
			t.Errorf("/metrics lacks the line %q", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}
}

// TestNilMetrics checks that a nil *Metrics can be called like a real one
// and serves no metrics.
func TestNilMetrics(t *testing.T) {
	var m *probes.Metrics
	m.Envelope(probes.EnvelopeSlash, "")
	m.Acked(probes.EnvelopeSlash, time.Millisecond)
	m.EventDone(probes.EventApplied)
	m.Post(probes.PostRecap, probes.PostPosted)
	m.WebAPIRetry("chat.postMessage")
	m.DBError(probes.DBRead)
	if code, _ := get(t, probes.NewHandler(m), "/metrics"); code != http.StatusNotFound {
		t.Fatalf("GET /metrics with nil Metrics = %d, want 404", code)
	}
}

// TestServer checks the server end to end: it serves on the port it got,
// refuses a port already taken, and returns nil once its context is done.
func TestServer(t *testing.T) {
	s, err := probes.Listen("127.0.0.1:0", probes.NewMetrics())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx) }()

	res, err := http.Get("http://" + s.Addr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != "ok\n" {
		t.Fatalf("GET /healthz = %d %q, want 200 ok", res.StatusCode, body)
	}
	if res, err := http.Post("http://"+s.Addr()+"/healthz", "text/plain", nil); err != nil {
		t.Fatal(err)
	} else if res.Body.Close(); res.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST /healthz = %d, want 405", res.StatusCode)
	}

	if _, err := probes.Listen(s.Addr(), nil); err == nil {
		t.Fatalf("Listen(%s) while it is taken = nil error, want one", s.Addr())
	}

	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve = %v after its context was cancelled, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context was cancelled")
	}
	if conn, err := net.Dial("tcp", s.Addr()); err == nil {
		conn.Close()
		t.Fatalf("%s still accepts connections after Serve returned", s.Addr())
	}
}

// hasLine reports whether text has the line want, or, if want ends in a
// space, a line that starts with it.
func hasLine(text, want string) bool {
	for _, line := range strings.Split(text, "\n") {
		if line == want || strings.HasSuffix(want, " ") && strings.HasPrefix(line, want) {
			return true
		}
	}
	return false
}
