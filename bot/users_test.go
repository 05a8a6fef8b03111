package bot_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"smarketing/bot"
	"smarketing/bot/slackfake"
)

// clock is a settable time for the user directory's cache.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// usersBot returns a bot on a fake Slack whose directory cache reads the
// time from the returned clock, which only moves when told to.
func usersBot(tb testing.TB) (*bot.Bot, *slackfake.Server, *clock, context.Context) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	tb.Cleanup(cancel)
	fake := slackfake.New()
	tb.Cleanup(fake.Close)
	b := bot.New(bot.Options{BotToken: slackfake.BotToken, AppToken: slackfake.AppToken, APIURL: fake.APIURL()})
	clk := &clock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	bot.SetUsersClock(b, clk.now)
	return b, fake, clk, ctx
}

// find looks typed up and fails the test unless it answers want (""
// for not found) without an error.
func find(tb testing.TB, ctx context.Context, b *bot.Bot, typed, want string) {
	tb.Helper()
	id, ok, err := b.FindUser(ctx, typed)
	if err != nil || ok != (want != "") || id != want {
		tb.Fatalf("FindUser(%q) = %q, %v, %v; want %q, %v, nil", typed, id, ok, err, want, want != "")
	}
}

// wantReads fails the test unless users.list has been called n times.
func wantReads(tb testing.TB, fake *slackfake.Server, n int) {
	tb.Helper()
	if got := len(fake.Calls("users.list")); got != n {
		tb.Fatalf("users.list called %d times, want %d", got, n)
	}
}

func TestFindUser(t *testing.T) {
	b, fake, _, ctx := usersBot(t)
	fake.SetUser("UMO", "mo", "Mo", "Maureen O'Hara")
	fake.SetUser("UANA", "ana.lima", "Ana", "Ana Lima")
	fake.SetUser("UANA2", "ana.souza", "Ana", "Ana Souza")
	fake.SetUser("UZOE", "zoe", "Zoë", "Zoë Štar")
	fake.SetUser("USIGMA", "sigma", "", "ΟΔΥΣΣΕΥΣ")
	fake.SetUser("UKIM", "kim", "", "")
	// Deactivated and bot users are ignored, also when they share a name
	// with a person.
	fake.SetUser("UMOOLD", "mo.old", "Mo", "Mo Old")
	fake.DeactivateUser("UMOOLD")
	fake.SetUser("UOLD", "old", "Old", "Old Timer")
	fake.DeactivateUser("UOLD")
	fake.SetBotUser("UHELPER", "helper", "Helper")
	fake.SetBotUser("UKIMBOT", "kimbot", "kim")

	for _, tc := range []struct {
		name, typed, want string
	}{
		{"handle", "mo", "UMO"},
		{"handle with @", "@mo", "UMO"},
		{"handle in capitals", "@MO", "UMO"},
		{"spaces around", "  @mo ", "UMO"},
		{"display name", "Zoë", "UZOE"},
		{"display name folded", "@ZOË", "UZOE"},
		{"real name", "maureen o'hara", "UMO"},
		{"real name with @", "@Ana Lima", "UANA"},
		{"final sigma folds", "οδυσσευς", "USIGMA"},
		{"no display or real name", "kim", "UKIM"},
		{"ambiguous display name", "Ana", ""},
		{"ambiguous with @", "@ana", ""},
		{"deactivated", "old", ""},
		{"deactivated handle", "mo.old", ""},
		{"bot", "helper", ""},
		{"the app's bot", "smarketing", ""},
		{"slackbot", "@slackbot", ""},
		{"nobody", "nobody", ""},
		{"prefix only", "ma", ""},
		{"just @", "@", ""},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) { find(t, ctx, b, tc.typed, tc.want) })
	}
	// The clock stood still: one read answered every lookup, misses too.
	wantReads(t, fake, 1)
	if c := fake.Calls("users.list")[0]; c.Params["limit"] != "200" {
		t.Fatalf("users.list limit = %q, want 200", c.Params["limit"])
	}
}

// The whole directory is read, page after page.
func TestFindUserPages(t *testing.T) {
	b, fake, _, ctx := usersBot(t)
	for i := range 450 {
		fake.SetUser(fmt.Sprintf("U%04d", i), fmt.Sprintf("user%d", i), "", fmt.Sprintf("User Number %d", i))
	}
	find(t, ctx, b, "user0", "U0000")
	find(t, ctx, b, "@USER449", "U0449")
	find(t, ctx, b, "user number 222", "U0222")
	// 450 people, the bot and Slackbot, 200 a page.
	wantReads(t, fake, 3)
	calls := fake.Calls("users.list")
	if calls[0].Params["cursor"] != "" || calls[1].Params["cursor"] == "" || calls[2].Params["cursor"] == calls[1].Params["cursor"] {
		t.Fatalf("cursors %q, %q, %q; want none, then two different ones",
			calls[0].Params["cursor"], calls[1].Params["cursor"], calls[2].Params["cursor"])
	}
}

func TestFindUserCache(t *testing.T) {
	b, fake, clk, ctx := usersBot(t)
	fake.SetUser("UMO", "mo", "Mo", "Mo Mo")
	find(t, ctx, b, "mo", "UMO")
	wantReads(t, fake, 1)

	fake.SetUser("UNEW", "newbie", "", "")
	fake.SetUser("UMO", "maurice", "", "") // renamed in Slack
	clk.advance(30 * time.Second)
	find(t, ctx, b, "mo", "UMO")
	find(t, ctx, b, "newbie", "") // a miss, but the directory is under a minute old
	wantReads(t, fake, 1)

	clk.advance(9 * time.Minute) // 9m30s
	find(t, ctx, b, "mo", "UMO") // still fresh: the old name answers
	wantReads(t, fake, 1)
	find(t, ctx, b, "newbie", "UNEW") // a miss over a minute after the read: read again
	wantReads(t, fake, 2)
	find(t, ctx, b, "maurice", "UMO")
	find(t, ctx, b, "mo", "")
	find(t, ctx, b, "ghost", "") // the read was just now
	wantReads(t, fake, 2)

	fake.SetUser("UGHOST", "ghost", "", "")
	clk.advance(time.Minute)
	find(t, ctx, b, "ghost", "UGHOST")
	wantReads(t, fake, 3)

	// A hit past 10 minutes reads again.
	fake.SetUser("UNEW", "newer", "", "")
	clk.advance(9*time.Minute + 59*time.Second)
	find(t, ctx, b, "newbie", "UNEW")
	wantReads(t, fake, 3)
	clk.advance(time.Second)
	find(t, ctx, b, "newbie", "")
	find(t, ctx, b, "newer", "UNEW")
	wantReads(t, fake, 4)
}

func TestFindUserReadFails(t *testing.T) {
	b, fake, clk, ctx := usersBot(t)
	fake.SetUser("UMO", "mo", "", "")
	find(t, ctx, b, "mo", "UMO")

	fake.FailUsers("internal_error")
	fake.SetUser("UNEW", "newbie", "", "")
	clk.advance(11 * time.Minute)
	find(t, ctx, b, "mo", "UMO") // the read failed; the old directory answers
	wantReads(t, fake, 2)
	find(t, ctx, b, "mo", "UMO")
	find(t, ctx, b, "newbie", "") // no new read within a minute of a failed one
	wantReads(t, fake, 2)
	clk.advance(time.Minute)
	find(t, ctx, b, "newbie", "")
	wantReads(t, fake, 3)

	fake.FailUsers("")
	find(t, ctx, b, "newbie", "")
	clk.advance(time.Minute)
	find(t, ctx, b, "newbie", "UNEW")
	wantReads(t, fake, 4)
}

func TestFindUserNoDirectory(t *testing.T) {
	b, fake, _, ctx := usersBot(t)
	fake.SetUser("UMO", "mo", "", "")
	fake.FailUsers("internal_error")
	if id, ok, err := b.FindUser(ctx, "mo"); err == nil || !strings.Contains(err.Error(), "internal_error") || ok || id != "" {
		t.Fatalf("FindUser with no directory = %q, %v, %v; want the error of users.list", id, ok, err)
	}
	// With nothing to answer from, every lookup tries again.
	fake.FailUsers("missing_scope")
	if _, _, err := b.FindUser(ctx, "mo"); err == nil || !strings.Contains(err.Error(), "users:read") {
		t.Fatalf("FindUser without the scope = %v, want it to name users:read", err)
	}
	wantReads(t, fake, 2)
	fake.FailUsers("")
	find(t, ctx, b, "mo", "UMO")
	wantReads(t, fake, 3)
}

// holdUsersList makes the first users.list wait until release is closed
// (or, if release is nil, until the client gives up) and returns a channel
// that is closed when that call arrives.
func holdUsersList(fake *slackfake.Server, release <-chan struct{}) <-chan struct{} {
	arrived := make(chan struct{})
	var once sync.Once
	fake.Handle("users.list", func(w http.ResponseWriter, r *http.Request) {
		first := false
		once.Do(func() { first = true })
		if first {
			close(arrived)
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		fake.ServeDefault(w, r)
	})
	return arrived
}

type found struct {
	id  string
	ok  bool
	err error
}

func findAsync(ctx context.Context, b *bot.Bot, typed string) <-chan found {
	ch := make(chan found, 1)
	go func() {
		id, ok, err := b.FindUser(ctx, typed)
		ch <- found{id, ok, err}
	}()
	return ch
}

func recv(tb testing.TB, ctx context.Context, ch <-chan found) found {
	tb.Helper()
	select {
	case f := <-ch:
		return f
	case <-ctx.Done():
		tb.Fatal("FindUser did not return")
	}
	return found{}
}

func wait(tb testing.TB, ctx context.Context, ch <-chan struct{}, what string) {
	tb.Helper()
	select {
	case <-ch:
	case <-ctx.Done():
		tb.Fatalf("no %s", what)
	}
}

// Two lookups at once share one read.
func TestFindUserSingleFlight(t *testing.T) {
	b, fake, _, ctx := usersBot(t)
	fake.SetUser("UMO", "mo", "", "")
	fake.SetUser("UANA", "ana", "", "")
	joined := make(chan struct{}, 1)
	bot.OnUsersJoin(b, func() { joined <- struct{}{} })
	release := make(chan struct{})
	arrived := holdUsersList(fake, release)

	first := findAsync(ctx, b, "mo")
	wait(t, ctx, arrived, "users.list from the first lookup")
	second := findAsync(ctx, b, "@ana")
	wait(t, ctx, joined, "second lookup waiting for the first one's read")
	close(release)
	if f := recv(t, ctx, first); f != (found{"UMO", true, nil}) {
		t.Fatalf("first FindUser = %+v, want UMO", f)
	}
	if f := recv(t, ctx, second); f != (found{"UANA", true, nil}) {
		t.Fatalf("second FindUser = %+v, want UANA", f)
	}
	wantReads(t, fake, 1)
}

// A lookup that gives up while others wait for its read leaves them to
// read for themselves.
func TestFindUserReaderGivesUp(t *testing.T) {
	b, fake, _, ctx := usersBot(t)
	fake.SetUser("UMO", "mo", "", "")
	joined := make(chan struct{}, 1)
	bot.OnUsersJoin(b, func() { joined <- struct{}{} })
	arrived := holdUsersList(fake, nil)

	firstCtx, cancelFirst := context.WithCancel(ctx)
	defer cancelFirst()
	first := findAsync(firstCtx, b, "mo")
	wait(t, ctx, arrived, "users.list from the first lookup")
	second := findAsync(ctx, b, "mo")
	wait(t, ctx, joined, "second lookup waiting for the first one's read")
	cancelFirst()
	if f := recv(t, ctx, first); !errors.Is(f.err, context.Canceled) || f.ok {
		t.Fatalf("cancelled FindUser = %+v, want context.Canceled", f)
	}
	if f := recv(t, ctx, second); f != (found{"UMO", true, nil}) {
		t.Fatalf("waiting FindUser = %+v, want UMO", f)
	}
	wantReads(t, fake, 2)
}
