package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"smarketing/bot/slackfake"
	"smarketing/store"
	"smarketing/store/storetest"
)

// botProcess is one run of the built binary against a fake Slack.
type botProcess struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	exited chan error
}

// syncBuffer is a bytes.Buffer the process writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// launch starts `smarketing run` with env; it is killed when the test ends.
func launch(tb testing.TB, ctx context.Context, env map[string]string) *botProcess {
	tb.Helper()
	p := &botProcess{cmd: command(tb, ctx, env, "run"), stderr: &syncBuffer{}, exited: make(chan error, 1)}
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	tb.Cleanup(func() {
		// A test that failed half-way must not leave the bot running.
		_ = p.cmd.Process.Kill()
		<-p.exited
	})
	return p
}

// startBot launches the bot and waits until the fake has greeted its
// connections-th socket.
func startBot(tb testing.TB, ctx context.Context, fake *slackfake.Server, env map[string]string, connections int) *botProcess {
	tb.Helper()
	p := launch(tb, ctx, env)
	if err := fake.WaitConnections(ctx, connections); err != nil {
		tb.Fatalf("bot never connected: %v\nstderr:\n%s", err, p.stderr)
	}
	return p
}

// wait returns the process's exit error, or fails once ctx is done.
func (p *botProcess) wait(tb testing.TB, ctx context.Context) error {
	tb.Helper()
	select {
	case err := <-p.exited:
		p.exited <- err // for the cleanup
		return err
	case <-ctx.Done():
		tb.Fatalf("bot still running: %v\nstderr:\n%s", ctx.Err(), p.stderr)
		return nil
	}
}

// pair is one user's rating of one lead.
type pair struct{ lead, user string }

func reactionEvent(user, emoji, channel, ts string) map[string]any {
	now := time.Now()
	return map[string]any{"type": "reaction_added", "user": user, "reaction": emoji, "item_user": "UMKT",
		"item":     map[string]any{"type": "message", "channel": channel, "ts": ts},
		"event_ts": fmt.Sprintf("%d.%06d", now.Unix(), now.Nanosecond()/1000)}
}

// snapshot is what the database at a file holds.
type snapshot struct {
	ratings   map[pair]store.Rating // every lead's current ratings
	texts     map[string]string     // every lead's text, by ts
	leads     int
	stats     store.LeadStats // the figures of /leads over the last day
	integrity string          // PRAGMA integrity_check
}

func readDB(tb testing.TB, ctx context.Context, file string) snapshot {
	tb.Helper()
	db, err := store.Open(ctx, file, store.Options{})
	if err != nil {
		tb.Fatalf("open the database: %v", err)
	}
	defer db.Close()
	s := snapshot{integrity: "ok"} // PostgreSQL checks itself
	if ic, ok := db.(interface {
		IntegrityCheck(context.Context) (string, error)
	}); ok {
		if s.integrity, err = ic.IntegrityCheck(ctx); err != nil {
			tb.Fatal(err)
		}
	}
	ds, err := db.Export(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	s.leads = len(ds.Leads)
	s.ratings, s.texts = map[pair]store.Rating{}, map[string]string{}
	for _, l := range ds.Leads {
		s.texts[l.TS] = l.Text
		for _, f := range l.Feedback {
			s.ratings[pair{l.TS, f.User}] = f.Rating
		}
	}
	now := time.Now()
	if s.stats, err = db.LeadStats(ctx, now.Add(-24*time.Hour), now.Add(time.Hour), store.SLA{Within: 24 * time.Hour}, now); err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestKillMidBurstLosesNoRating kills the built binary (SIGKILL) in the
// middle of a burst of reactions, starts it again on the same database and
// lets the fake Slack redeliver what was not acked: every acked rating is in
// the database even before the restart (acked means committed), none is
// counted twice, and the database passes its integrity check.
func TestKillMidBurstLosesNoRating(t *testing.T) {
	const (
		channel = "CLEADS"
		leads   = 20
		users   = 100  // × leads = the burst
		first   = 1000 // sent before the kill…
		killAt  = 300  // …which comes once this many are acked
		inKill  = 200  // and right after this many more are sent
	)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	fake := slackfake.New()
	defer fake.Close()
	fake.SetRedeliverUnacked(true)
	dbFile := storetest.DSN(t)
	env := map[string]string{
		"SLACK_BOT_TOKEN":           slackfake.BotToken,
		"SLACK_APP_TOKEN":           slackfake.AppToken,
		"SLACK_API_URL":             fake.APIURL(),
		"SMARKETING_DB":             dbFile,
		"SMARKETING_LEADS_CHANNELS": channel,
		"LOG_LEVEL":                 "warn",
	}
	started := time.Now()
	p := startBot(t, ctx, fake, env, 1)

	posted := time.Now().Add(-2 * time.Hour).Unix()
	var leadTS []string
	for i := range leads {
		ts := fmt.Sprintf("%d.%06d", posted, i+1)
		leadTS = append(leadTS, ts)
		id := fake.SendEvent(fmt.Sprintf("EvLead%02d", i), map[string]any{
			"type": "message", "channel": channel, "user": "UMKT", "text": fmt.Sprintf("Lead %d", i),
			"ts": ts, "event_ts": ts, "channel_type": "channel"})
		if _, err := fake.WaitAck(ctx, id); err != nil {
			t.Fatalf("lead %d: %v\nstderr:\n%s", i, err, p.stderr)
		}
	}

	// Every user rates every lead once, in a shuffled order, so the final
	// rating of each (lead, user) is known whatever order they land in.
	type reaction struct {
		pair
		emoji string
	}
	emojis := []string{"+1", "fire", "-1"}
	want := map[pair]store.Rating{}
	var burst []reaction
	for u := range users {
		for l, ts := range leadTS {
			r := reaction{pair{ts, fmt.Sprintf("U%04d", u)}, emojis[(u+l)%len(emojis)]}
			burst = append(burst, r)
			want[r.pair] = map[string]store.Rating{"+1": store.Good, "fire": store.Hot, "-1": store.Poor}[r.emoji]
		}
	}
	rand.New(rand.NewPCG(6, 3)).Shuffle(len(burst), func(i, j int) { burst[i], burst[j] = burst[j], burst[i] })
	byEnvelope := map[string]pair{}
	send := func(rs []reaction, offset int) {
		for i, r := range rs {
			id := fake.SendEvent(fmt.Sprintf("EvR%05d", offset+i), reactionEvent(r.user, r.emoji, channel, r.lead))
			byEnvelope[id] = r.pair
		}
	}

	send(burst[:first], 0)
	if err := fake.WaitAcked(ctx, leads+killAt); err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, p.stderr)
	}
	// Some envelopes are surely in flight at the kill (read by the bot,
	// not acked yet), however fast the bot gets through them: a fast
	// commit can ack all it has read before a kill that merely follows
	// the sends.
	send(burst[first:first+inKill], first)
	if err := fake.WaitInFlight(ctx, 8); err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, p.stderr)
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(t, ctx); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("bot exit = %v, want killed", err)
	}
	killed := time.Now()

	// Durable before acked: what Slack saw acked is stored, before any
	// redelivery could make up for it.
	ackedBefore := fake.Acks()
	unackedAtKill := len(fake.Unacked())
	db := readDB(t, ctx, dbFile)
	if db.integrity != "ok" {
		t.Fatalf("integrity_check after kill -9 = %q, want ok", db.integrity)
	}
	var ackedRatings int
	for _, a := range ackedBefore {
		r, ok := byEnvelope[a.EnvelopeID]
		if !ok {
			continue
		}
		ackedRatings++
		if db.ratings[r] != want[r] {
			t.Fatalf("rating of lead %s by %s was acked before the kill but the database has %q, want %q",
				r.lead, r.user, db.ratings[r], want[r])
		}
	}
	if unackedAtKill == 0 {
		t.Fatalf("all %d envelopes were acked before the kill: the kill came too late to test anything", len(ackedBefore))
	}
	t.Logf("killed with %d ratings acked, %d stored, %d envelopes unacked", ackedRatings, len(db.ratings), unackedAtKill)

	p = startBot(t, ctx, fake, env, 2)
	send(burst[first+inKill:], first+inKill)
	// Slack also retries what is not acked within 3 s; so does the fake.
	retried, err := fake.WaitAllAckedRetrying(ctx, 3*time.Second)
	if err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, p.stderr)
	}
	acked := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(t, ctx); err != nil {
		t.Fatalf("exit after SIGTERM: %v\nstderr:\n%s", err, p.stderr)
	}
	if strings.Contains(p.stderr.String(), "panic") {
		t.Fatalf("the restarted bot panicked:\n%s", p.stderr)
	}

	redelivered := 0
	for id := range byEnvelope {
		if n, _ := fake.RetryAttempt(id); n > 0 {
			redelivered++
		}
	}
	db = readDB(t, ctx, dbFile)
	if db.integrity != "ok" {
		t.Fatalf("integrity_check = %q, want ok", db.integrity)
	}
	if db.leads != leads {
		t.Fatalf("%d leads in the database, want %d", db.leads, leads)
	}
	if len(db.ratings) != len(want) {
		t.Fatalf("%d ratings in the database, want %d (one per user and lead)", len(db.ratings), len(want))
	}
	kinds := map[store.Rating]int{}
	for r, rating := range want {
		if db.ratings[r] != rating {
			t.Fatalf("rating of lead %s by %s = %q, want %q", r.lead, r.user, db.ratings[r], rating)
		}
		kinds[rating]++
	}
	if st := db.stats; st.Posted != leads || st.Rated != leads || st.Ratings != len(want) ||
		st.Good != kinds[store.Good] || st.HotVote != kinds[store.Hot] || st.Poor != kinds[store.Poor] {
		t.Fatalf("/leads figures: %d posted, %d rated, %d ratings (%d good, %d hot, %d poor); want %d, %d, %d (%d, %d, %d)",
			st.Posted, st.Rated, st.Ratings, st.Good, st.HotVote, st.Poor,
			leads, leads, len(want), kinds[store.Good], kinds[store.Hot], kinds[store.Poor])
	}
	if redelivered == 0 {
		t.Fatal("nothing was redelivered after the restart")
	}
	t.Logf("%d reactions, %d redelivered after the restart (%d more after 3 s without an ack); burst to kill %v, restart to all acked %v",
		len(burst), redelivered, retried, killed.Sub(started).Round(time.Millisecond), acked.Sub(killed).Round(time.Millisecond))
}

// TestRunRejectedAppTokenExits checks how the binary ends when Slack rejects
// the app-level token: at start-up (auth.test passes, apps.connections.open
// fails) and mid-run (the token is revoked and the socket drops, so the
// reconnect fails). Both times it exits 1 with one clear line naming
// SLACK_APP_TOKEN, rather than retrying forever.
func TestRunRejectedAppTokenExits(t *testing.T) {
	tests := []struct {
		name   string
		midRun bool
	}{
		{"at start-up", false},
		{"mid-run", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			fake := slackfake.New()
			defer fake.Close()
			env := map[string]string{
				"SLACK_BOT_TOKEN": slackfake.BotToken,
				"SLACK_APP_TOKEN": slackfake.AppToken,
				"SLACK_API_URL":   fake.APIURL(),
				"SMARKETING_DB":   filepath.Join(t.TempDir(), "auth.db"),
			}
			var p *botProcess
			if tc.midRun {
				p = startBot(t, ctx, fake, env, 1)
				fake.SetTokens(slackfake.BotToken, "xapp-revoked")
				fake.DropConnection()
			} else {
				fake.SetTokens(slackfake.BotToken, "xapp-another")
				p = launch(t, ctx, env)
			}
			err := p.wait(t, ctx)
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("exit = %v, want exit status 1\nstderr:\n%s", err, p.stderr)
			}
			stderr := p.stderr.String()
			mustHave(t, "stderr", stderr, "smarketing: SLACK_APP_TOKEN: slack rejected the token", "invalid_auth")
			if strings.Contains(stderr, slackfake.AppToken) || strings.Contains(stderr, "goroutine ") {
				t.Fatalf("stderr leaks the token or a stack trace:\n%s", stderr)
			}
		})
	}
}
