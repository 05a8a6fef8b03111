package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"smarketing/bot/slackfake"
	"smarketing/store/storetest"
)

const onceChannel = "CRECAP"

// recapEnv runs the bot with a recap due about an hour ago, once a day,
// so that each start catches it up and no scheduled firing comes during
// the test.
func recapEnv(tb testing.TB, fake *slackfake.Server) map[string]string {
	tb.Helper()
	due := time.Now().UTC().Add(-time.Hour)
	return map[string]string{
		"SLACK_BOT_TOKEN":           slackfake.BotToken,
		"SLACK_APP_TOKEN":           slackfake.AppToken,
		"SLACK_API_URL":             fake.APIURL(),
		"SMARKETING_DB":             storetest.DSN(tb),
		"SMARKETING_RECAP_CHANNEL":  onceChannel,
		"SMARKETING_RECAP_SCHEDULE": fmt.Sprintf("%d %d * * *", due.Minute(), due.Hour()),
		"LOG_LEVEL":                 "debug",
	}
}

// recaps returns the recaps in the fake's recap channel: marked messages.
func recaps(tb testing.TB, fake *slackfake.Server) int {
	tb.Helper()
	n := 0
	for _, m := range fake.Messages(onceChannel) {
		var md struct {
			EventType    string         `json:"event_type"`
			EventPayload map[string]any `json:"event_payload"`
		}
		if len(m.Metadata) == 0 {
			continue
		}
		if err := json.Unmarshal(m.Metadata, &md); err != nil {
			tb.Fatalf("metadata of %s: %v", m.TS, err)
		}
		if key, _ := md.EventPayload["key"].(string); md.EventType == "smarketing_post" && strings.HasPrefix(key, "recap:") {
			n++
		}
	}
	return n
}

// waitLog waits until the bot's stderr has want, or fails once ctx is done.
func (p *botProcess) waitLog(tb testing.TB, ctx context.Context, want string) {
	tb.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !strings.Contains(p.stderr.String(), want) {
		select {
		case <-tick.C:
		case <-ctx.Done():
			tb.Fatalf("no %q in the log: %v\nstderr:\n%s", want, ctx.Err(), p.stderr)
		}
	}
}

func toRecapChannel(c slackfake.Call) bool { return c.Params["channel"] == onceChannel }

// stopBot sends SIGTERM and wants exit status 0.
func (p *botProcess) stop(tb testing.TB, ctx context.Context) {
	tb.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		tb.Fatal(err)
	}
	if err := p.wait(tb, ctx); err != nil {
		tb.Fatalf("exit after SIGTERM: %v\nstderr:\n%s", err, p.stderr)
	}
}

// TestStopLetsRecapPostFinish stops the bot (SIGTERM) while Slack holds
// its recap post unanswered: the post is not cancelled — it completes once
// Slack answers — the bot exits 0, the channel has one recap, and a
// restart does not post it again.
func TestStopLetsRecapPostFinish(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	fake := slackfake.New()
	defer fake.Close()
	env := recapEnv(t, fake)
	release := fake.HoldPosts(onceChannel, false) // stored only when answered
	p := startBot(t, ctx, fake, env, 1)
	if _, err := fake.WaitCall(ctx, "chat.postMessage", toRecapChannel); err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, p.stderr)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.waitLog(t, ctx, "letting work in flight finish")
	release()
	if err := p.wait(t, ctx); err != nil {
		t.Fatalf("exit after SIGTERM: %v\nstderr:\n%s", err, p.stderr)
	}
	if !strings.Contains(p.stderr.String(), "recap posted") {
		t.Fatalf("no recap posted logged\nstderr:\n%s", p.stderr)
	}
	if n := recaps(t, fake); n != 1 {
		t.Fatalf("%d recaps in the channel after the stop, want 1\nstderr:\n%s", n, p.stderr)
	}

	p = startBot(t, ctx, fake, env, 2)
	p.waitLog(t, ctx, "recap catch-up over")
	p.stop(t, ctx)
	if n := len(fake.Calls("chat.postMessage")); n != 1 {
		t.Fatalf("%d recap posts after the restart, want 1 in all\nstderr:\n%s", n, p.stderr)
	}
	if n := recaps(t, fake); n != 1 {
		t.Fatalf("%d recaps in the channel after the restart, want 1", n)
	}
}

// TestKillDuringRecapPostThenRestart kills the bot (kill -9) while its
// recap post is in flight, once after Slack stored it (the answer was
// lost) and once before, then starts it again: once the dead instance's
// lease runs out the restarted one looks for the marked recap, finds it or
// posts it, and the channel has exactly one recap, within about a minute.
func TestKillDuringRecapPostThenRestart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		stored  bool   // Slack had the post when the bot died
		wantLog string // what the restarted bot did
		posts   int    // chat.postMessage calls in all
	}{
		{"after slack stored it", true, "recap found in slack, not posted again", 1},
		{"before slack got it", false, "recap posted", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			fake := slackfake.New()
			defer fake.Close()
			env := recapEnv(t, fake)
			release := fake.HoldPosts(onceChannel, tc.stored)
			p := startBot(t, ctx, fake, env, 1)
			if _, err := fake.WaitCall(ctx, "chat.postMessage", toRecapChannel); err != nil {
				t.Fatalf("%v\nstderr:\n%s", err, p.stderr)
			}
			if err := p.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			if err := p.wait(t, ctx); err == nil || !strings.Contains(err.Error(), "killed") {
				t.Fatalf("bot exit = %v, want killed", err)
			}
			killed := time.Now()
			if !tc.stored {
				// Released only once the fake saw the connection go, or it
				// would answer the post and store it.
				if err := fake.WaitAbandonedPosts(ctx, 1); err != nil {
					t.Fatal(err)
				}
			}
			release()
			if want := map[bool]int{true: 1, false: 0}[tc.stored]; recaps(t, fake) != want {
				t.Fatalf("%d recaps in the channel at the kill, want %d", recaps(t, fake), want)
			}

			p = startBot(t, ctx, fake, env, 2)
			p.waitLog(t, ctx, tc.wantLog)
			took := time.Since(killed)
			p.stop(t, ctx)
			if n := recaps(t, fake); n != 1 {
				t.Fatalf("%d recaps in the channel, want 1\nstderr:\n%s", n, p.stderr)
			}
			var posts int
			for _, c := range fake.Calls("chat.postMessage") {
				if toRecapChannel(c) {
					posts++
				}
			}
			if posts != tc.posts {
				t.Fatalf("%d recap posts, want %d\nstderr:\n%s", posts, tc.posts, p.stderr)
			}
			if len(fake.Calls("conversations.history")) == 0 {
				t.Fatal("the restarted bot never looked the recap up")
			}
			if took > time.Minute {
				t.Fatalf("recap settled %v after the kill, want within about a minute", took)
			}
			t.Logf("settled %v after the kill", took.Round(time.Millisecond))
		})
	}
}
