package main

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"smarketing/bot/slackfake"
	"smarketing/store"
	"smarketing/store/storetest"
)

// TestTwoInstancesCountEventsOnce runs two `smarketing run` processes on
// one PostgreSQL database, each with its own Socket Mode connection (SPEC
// §12). Slack spreads envelopes over the connections; so does the fake
// (in turn). A kill -9 of one instance in the middle of a burst makes the
// fake hand what it held and had not acked to the other one (as Slack
// does to the app's other connections), and an event delivered again
// under a new envelope reaches the instance that did not apply it: every
// rating still counts exactly once, across the instances, because event ids
// are claimed in the database they share.
func TestTwoInstancesCountEventsOnce(t *testing.T) {
	if storetest.Backend() != "postgres" {
		t.Skip("several instances run on PostgreSQL only (on SQLite a second run is refused: TestSecondRunOnOneSQLiteFileIsRefused)")
	}
	const (
		channel = "CLEADS"
		leads   = 10
		users   = 60
	)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	fake := slackfake.New()
	defer fake.Close()
	fake.SetRedeliverUnacked(true)
	dsn := storetest.DSN(t)
	env := map[string]string{
		"SLACK_BOT_TOKEN":           slackfake.BotToken,
		"SLACK_APP_TOKEN":           slackfake.AppToken,
		"SLACK_API_URL":             fake.APIURL(),
		"SMARKETING_DB":             dsn,
		"SMARKETING_LEADS_CHANNELS": channel,
		"LOG_LEVEL":                 "warn",
	}
	a := startBot(t, ctx, fake, env, 1)
	b := startBot(t, ctx, fake, env, 2)

	posted := time.Now().Add(-time.Hour).Unix()
	var leadTS []string
	for i := range leads {
		ts := fmt.Sprintf("%d.%06d", posted, i+1)
		leadTS = append(leadTS, ts)
		id := fake.SendEvent(fmt.Sprintf("EvLead%02d", i), map[string]any{
			"type": "message", "channel": channel, "user": "UMKT", "text": fmt.Sprintf("Lead %d", i),
			"ts": ts, "event_ts": ts, "channel_type": "channel"})
		if _, err := fake.WaitAck(ctx, id); err != nil {
			t.Fatalf("lead %d: %v\nstderr:\n%s", i, err, b.stderr)
		}
	}
	emojis := []string{"+1", "fire", "-1"}
	ratingOf := map[string]store.Rating{"+1": store.Good, "fire": store.Hot, "-1": store.Poor}
	want := map[pair]store.Rating{}
	type sent struct {
		eventID string
		event   map[string]any
	}
	var burst []sent
	for u := range users {
		for l, ts := range leadTS {
			e := emojis[(u+l)%len(emojis)]
			user := fmt.Sprintf("U%04d", u)
			want[pair{ts, user}] = ratingOf[e]
			burst = append(burst, sent{fmt.Sprintf("EvR%05d", len(burst)), reactionEvent(user, e, channel, ts)})
		}
	}
	// An edit B applies; after the kill, A applies a later one and then
	// gets B's again: applied twice, it would put the older text back
	// (a rating applied twice would not show).
	edit := func(eventID, text string) string {
		now := time.Now()
		evTS := fmt.Sprintf("%d.%06d", now.Unix(), now.Nanosecond()/1000)
		return fake.SendEvent(eventID, map[string]any{"type": "message", "subtype": "message_changed", "channel": channel, "hidden": true,
			"message":  map[string]any{"type": "message", "user": "UMKT", "text": text, "ts": leadTS[0]},
			"event_ts": evTS, "ts": evTS})
	}
	// Not spread yet: the newest connection, B's, gets it.
	if _, err := fake.WaitAck(ctx, edit("EvEdit1", "Lead 0, first edit")); err != nil {
		t.Fatal(err)
	}
	fake.SetSpread(true)
	half := len(burst) / 2
	for _, s := range burst[:half] {
		fake.SendEvent(s.eventID, s.event)
	}
	if err := fake.WaitInFlight(ctx, 8); err != nil {
		t.Fatal(err)
	}
	if err := b.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := b.wait(t, ctx); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("instance B exit = %v, want killed", err)
	}
	// The rest goes to A; so do events B applied, delivered again under
	// new envelopes (Slack's retry of an envelope whose ack it lost).
	for _, s := range burst[half:] {
		fake.SendEvent(s.eventID, s.event)
	}
	if _, err := fake.WaitAck(ctx, edit("EvEdit2", "Lead 0, second edit")); err != nil {
		t.Fatal(err)
	}
	if _, err := fake.WaitAck(ctx, edit("EvEdit1", "Lead 0, first edit")); err != nil {
		t.Fatal(err)
	}
	for _, s := range burst[:20] {
		fake.SendEvent(s.eventID, s.event)
	}
	if _, err := fake.WaitAllAckedRetrying(ctx, 3*time.Second); err != nil {
		t.Fatalf("%v\nstderr of A:\n%s", err, a.stderr)
	}
	retried := 0
	for _, rec := range fake.Acks() {
		if n, _ := fake.RetryAttempt(rec.EnvelopeID); n > 0 {
			retried++
		}
	}
	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := a.wait(t, ctx); err != nil {
		t.Fatalf("instance A exit after SIGTERM: %v\nstderr:\n%s", err, a.stderr)
	}
	db := readDB(t, ctx, dsn)
	if db.texts[leadTS[0]] != "Lead 0, second edit" {
		t.Fatalf("lead 0 reads %q, want the second edit: the first, applied by the killed instance, was applied again",
			db.texts[leadTS[0]])
	}
	if db.leads != leads || len(db.ratings) != len(want) {
		t.Fatalf("%d leads and %d ratings in the database, want %d and %d (each once)", db.leads, len(db.ratings), leads, len(want))
	}
	for p, r := range want {
		if db.ratings[p] != r {
			t.Fatalf("rating of lead %s by %s = %q, want %q", p.lead, p.user, db.ratings[p], r)
		}
	}
	if db.stats.Ratings != len(want) {
		t.Fatalf("/leads counts %d ratings, want %d", db.stats.Ratings, len(want))
	}
	if retried == 0 {
		t.Fatal("no envelope of the killed instance was handed to the other: the test tested nothing")
	}
	t.Logf("%d reactions over two instances, %d handed over after the kill, 20 delivered twice: all counted once", len(burst), retried)
}

// TestTimedWorkTakenOverWithin30s runs two instances on one PostgreSQL
// database with a recap due: A claims it and dies (kill -9) while its post
// is in flight and before Slack stored it; B, running all along, takes the
// recap over once A's lease runs out, looks for it in Slack, and posts it
// — within 30 s of the death (SPEC §12), and once.
func TestTimedWorkTakenOverWithin30s(t *testing.T) {
	if storetest.Backend() != "postgres" {
		t.Skip("several instances run on PostgreSQL only")
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	fake := slackfake.New()
	defer fake.Close()
	env := recapEnv(t, fake)
	release := fake.HoldPosts(onceChannel, false)
	a := startBot(t, ctx, fake, env, 1)
	if _, err := fake.WaitCall(ctx, "chat.postMessage", toRecapChannel); err != nil {
		t.Fatalf("%v\nstderr of A:\n%s", err, a.stderr)
	}
	b := startBot(t, ctx, fake, env, 2)
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := a.wait(t, ctx); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("instance A exit = %v, want killed", err)
	}
	killed := time.Now()
	// A's post is lost with it: Slack never stored it (released only once
	// the fake saw A's connection go, or it would answer and store it).
	if err := fake.WaitAbandonedPosts(ctx, 1); err != nil {
		t.Fatal(err)
	}
	release()
	b.waitLog(t, ctx, "recap posted")
	took := time.Since(killed)
	b.stop(t, ctx)
	if n := recaps(t, fake); n != 1 {
		t.Fatalf("%d recaps in the channel, want 1\nstderr of B:\n%s", n, b.stderr)
	}
	if took > 30*time.Second {
		t.Fatalf("instance B posted the recap %v after A died, want within 30 s", took)
	}
	t.Logf("instance B took the recap over %v after A died", took.Round(time.Millisecond))
}
