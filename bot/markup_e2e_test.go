package bot_test

import (
	"encoding/json"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"smarketing/bot/slackfake"
	"smarketing/commands"
	"smarketing/schedules"
	"smarketing/store"
)

// evilChannel is a channel field as a hostile import wrote it: it closes
// the bot's link early, pings the channel and opens a link elsewhere.
const evilChannel = "C1|x> <!channel> <https://evil.example/login"

// liveMarkup finds what Slack would turn into a ping or a link elsewhere.
var liveMarkup = regexp.MustCompile(`<!(channel|here|everyone)|<https?://evil|<@U123>|\|x>`)

// TestStoredMarkupNeverPosted stores a lead and an insight whose channel
// is markup straight into the database (as an old import left them), then
// posts the recap, answers /leads and /insight list and publishes the
// Home tab through the fake Slack: no payload has a live <!channel> or a
// link to evil.example, and the good lead still links to its message.
func TestStoredMarkupNeverPosted(t *testing.T) {
	e := start(t)
	now := time.Now()
	good := ts(30, 2)
	for i, l := range []store.Lead{
		{Channel: evilChannel, TS: ts(40, 1), Text: "Lead <!here> from Acme"},
		{Channel: leadsChannel, TS: good, Text: "Lead from Globex"},
	} {
		l.PostedBy, l.PostedAt = "UMKT", now.Add(-time.Duration(40-10*i)*time.Minute)
		if _, err := e.db.Record(e.ctx, store.Event{Lead: &l}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.db.AddInsight(e.ctx, store.Insight{Text: "They ask for SSO", Source: "<!channel>", Channel: evilChannel, TS: ts(20, 3)},
		store.Actor{ID: "<@U123>", Name: "<!everyone>"}); err != nil {
		t.Fatal(err)
	}
	goodLink := "<https://fake.slack.com/archives/" + leadsChannel + "/p" + strings.ReplaceAll(good, ".", "") + "|Lead from Globex>"

	// The scheduled recap, built as `smarketing run` builds it.
	h := commands.New(e.db, commands.Options{
		LeadsChannels: []string{leadsChannel}, SLA: time.Hour, Location: time.UTC, WorkspaceURL: "https://fake.slack.com/",
		Reactions: map[string]string{"+1": "good", "-1": "poor"},
	})
	job := &schedules.Recap{
		Once: schedules.Once{Store: e.db, Owner: "test"}, Build: h.Recap, Poster: e.bot, Uploader: e.bot, Channel: recapChannel,
		Log: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	if err := job.Run(e.ctx, now.Add(time.Minute).Truncate(time.Minute)); err != nil {
		t.Fatal(err)
	}
	posts := recapPosts(e.fake)
	if len(posts) != 1 {
		t.Fatalf("%d recaps posted, want 1", len(posts))
	}
	recap := slackfake.Strings([]byte(posts[0].Params["blocks"])) + "\n" + posts[0].Params["text"]
	mustContain(t, "recap", recap, "They ask for SSO", "&lt;!channel&gt;", "&lt;!everyone&gt;")
	mustNotMatch(t, "recap", recap)

	leads, _ := e.command(t, "/leads", "UALICE", "")
	text := blocksText(t, leads)
	mustContain(t, "/leads", text, goodLink, "Lead &lt;!here&gt; from Acme")
	mustNotMatch(t, "/leads", text)

	list, _ := e.command(t, "/insight", "UALICE", "list")
	text = blocksText(t, list)
	mustContain(t, "/insight list", text, "They ask for SSO")
	mustNotMatch(t, "/insight list", text)

	e.event(t, "EvMarkupHome", map[string]any{"type": "app_home_opened", "user": "UANA", "channel": "DANA", "tab": "home", "event_ts": ts(0, 9)})
	_, home := e.homeView(t, "UANA", 1)
	mustContain(t, "home", home, goodLink, "Lead &lt;!here&gt; from Acme")
	mustNotMatch(t, "home", home)
}

// blocksText is everything an answer says: its fallback and its blocks.
func blocksText(tb testing.TB, r reply) string {
	tb.Helper()
	js, err := json.Marshal(r.Blocks)
	if err != nil {
		tb.Fatal(err)
	}
	return r.Text + "\n" + slackfake.Strings(js)
}

func mustNotMatch(tb testing.TB, what, got string) {
	tb.Helper()
	if m := liveMarkup.FindString(got); m != "" {
		tb.Fatalf("%s = %s\nholds live markup %q", what, got, m)
	}
}
