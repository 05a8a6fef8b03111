package bot_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"smarketing/bot/slackfake"
	"smarketing/commands"
	"smarketing/schedules"
	"smarketing/schedules/cronspec"
)

const recapChannel = "CRECAP"

func (e *env) recapJob(tb testing.TB) *schedules.Recap {
	h := commands.New(e.db, commands.Options{
		LeadsChannels: []string{leadsChannel}, SLA: time.Hour, Location: time.UTC,
		Reactions: map[string]string{"+1": "good", "-1": "poor", "fire": "hot"},
	})
	return &schedules.Recap{
		Once: schedules.Once{Store: e.db, Owner: "test"}, Build: h.Recap, Poster: e.bot, Uploader: e.bot, Channel: recapChannel,
		Log: slog.New(slog.NewTextHandler(testWriter{tb}, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
}

func recapPosts(f *slackfake.Server) []slackfake.Call { return postsIn(f, recapChannel) }

func TestRecapPostsOncePerScheduledTime(t *testing.T) {
	e := start(t)
	// Two leads this week, one rated good; one poor lead the week before.
	l1, l2, old := ts(3*60, 1), ts(2*60, 2), ts(8*24*60, 3)
	e.event(t, "R1", message(leadsChannel, l1, "UMKT", "Lead A", nil))
	e.event(t, "R2", message(leadsChannel, l2, "UMKT", "Lead B", nil))
	e.event(t, "R3", message(leadsChannel, old, "UMKT", "Old lead", nil))
	e.event(t, "R4", reaction(true, "UALICE", "+1", leadsChannel, l1))
	e.event(t, "R5", reaction(true, "UALICE", "-1", leadsChannel, old))
	e.command(t, "/term", "UALICE", "add Pipeline = Deals in play")

	at := time.Now().Add(time.Minute).Truncate(time.Minute) // the next whole minute
	for i := 0; i < 3; i++ {
		// A new job each time, as after a restart: the run is recorded in the database.
		if err := e.recapJob(t).Run(e.ctx, at); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	posts := recapPosts(e.fake)
	if len(posts) != 1 {
		t.Fatalf("%d recaps posted for one scheduled time, want 1", len(posts))
	}
	text := slackfake.Strings([]byte(posts[0].Params["blocks"]))
	mustContain(t, "recap", text,
		"Weekly recap",
		"*Leads posted*\n2 (▲ 100%)", // 2 this week against 1
		"*Rated*\n1 of 2 (=)",
		"*Good*\n100% of 1 rating (▲ new)",
		"New terms: *Pipeline*")
	mustNotContain(t, "recap", text, "<!channel>", "<!here>")

	complete, err := e.fake.WaitCall(e.ctx, "files.completeUploadExternal", nil)
	if err != nil {
		t.Fatal(err)
	}
	if complete.Params["channel_id"] != recapChannel {
		t.Fatalf("chart shared to %q, want %s", complete.Params["channel_id"], recapChannel)
	}
	var png []byte
	for _, b := range e.fake.Uploads() {
		png = b
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("uploaded chart is not a PNG (%d bytes)", len(png))
	}

	// The next scheduled time posts again.
	if err := e.recapJob(t).Run(e.ctx, at.Add(7*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := len(recapPosts(e.fake)); n != 2 {
		t.Fatalf("%d recaps after the next scheduled time, want 2", n)
	}
}

func TestRecapCatchUpAfterDowntime(t *testing.T) {
	e := start(t)
	weekly, err := cronspec.Parse("0 9 * * MON")
	if err != nil {
		t.Fatal(err)
	}
	monday9 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		now  time.Time
		want int // recaps posted so far
	}{
		{"up before the first", monday9.Add(-time.Hour), 0},
		{"two hours late", monday9.Add(2 * time.Hour), 1},
		{"started again", monday9.Add(3 * time.Hour), 1}, // already caught up: not again
		{"a day and more late", monday9.Add(7*24*time.Hour + 25*time.Hour), 1},
	}
	for _, tc := range tests {
		if err := e.recapJob(t).CatchUp(e.ctx, weekly, tc.now); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if n := len(recapPosts(e.fake)); n != tc.want {
			t.Fatalf("%s: %d recaps posted, want %d", tc.name, n, tc.want)
		}
	}
}

func TestRecapRetriesRateLimitAndSurvivesUploadFailure(t *testing.T) {
	e := start(t)
	var limited atomic.Int32
	e.fake.Handle("chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
		if limited.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"ok":false,"error":"ratelimited"}`))
			return
		}
		e.fake.ServeDefault(w, r)
	})
	e.fake.Handle("files.getUploadURLExternal", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	})
	if err := e.recapJob(t).Run(e.ctx, time.Now().Truncate(time.Minute)); err != nil {
		t.Fatalf("recap run: %v", err)
	}
	posts := recapPosts(e.fake)
	if len(posts) != 2 {
		t.Fatalf("%d postMessage calls, want 2 (429, then the retry)", len(posts))
	}
	if !strings.Contains(posts[1].Params["text"], "Weekly recap") {
		t.Fatalf("retried post = %q", posts[1].Params["text"])
	}
	if n := len(e.fake.Calls("files.completeUploadExternal")); n != 0 {
		t.Fatalf("chart completed %d times although the upload URL failed", n)
	}
}

func TestMeetingReminderListsThenClearsAgenda(t *testing.T) {
	e := start(t)
	r, _ := e.command(t, "/meeting", "UALICE", `add "Joint pipeline review" every tue at 10:00 <#CMEET|sales-marketing>`)
	mustContain(t, "add", r.all(), "Joint pipeline review")
	r, _ = e.command(t, "/meeting", "UBOB", "agenda 1 Why were 3 leads poor? <!channel>")
	mustContain(t, "agenda", r.all(), "Why were 3 leads poor?")
	r, _ = e.command(t, "/meeting", "UBOB", "add \"Bad\" every funday at 10:00")
	mustContain(t, "invalid schedule refused", r.all(), "every tue at 10:00")

	h := commands.New(e.db, commands.Options{Location: time.UTC, RecapChannel: recapChannel, MeetingReminder: 15 * time.Minute})
	next, err := h.UpcomingMeetings(e.ctx, time.Now(), time.Now().AddDate(0, 0, 8), 1)
	if err != nil || len(next) != 1 {
		t.Fatalf("upcoming = %+v, %v", next, err)
	}
	job := func() *schedules.MeetingReminders {
		return &schedules.MeetingReminders{Store: e.db, Once: schedules.Once{Store: e.db, Owner: "test"}, Messages: h, Poster: e.bot, Before: 15 * time.Minute}
	}
	remindAt := next[0].At.Add(-15 * time.Minute)
	for i := 0; i < 3; i++ { // every minute, and after a "restart": one reminder
		if err := job().Run(e.ctx, remindAt.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	posts := postsIn(e.fake, "CMEET")
	if len(posts) != 1 {
		t.Fatalf("%d reminders in CMEET, want 1", len(posts))
	}
	text := posts[0].Params["text"] + slackfake.Strings([]byte(posts[0].Params["blocks"]))
	mustContain(t, "reminder", text, "Joint pipeline review", "1. Why were 3 leads poor? &lt;!channel&gt;")
	mustNotContain(t, "reminder", text, "<!channel>", "<@")

	r, _ = e.command(t, "/meeting", "UBOB", "agenda 1")
	mustNotContain(t, "agenda after the reminder", r.all(), "Why were 3 leads poor?")
}
