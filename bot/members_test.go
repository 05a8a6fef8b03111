package bot_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"smarketing/bot"
	"smarketing/bot/slackfake"
	"smarketing/commands"
)

// membersBot is usersBot with the channel member cache on the clock.
func membersBot(tb testing.TB) (*bot.Bot, *slackfake.Server, *clock, context.Context) {
	tb.Helper()
	b, fake, clk, ctx := usersBot(tb)
	bot.SetMembersClock(b, clk.now)
	return b, fake, clk, ctx
}

func isMember(tb testing.TB, ctx context.Context, b *bot.Bot, channel, user string, want bool) {
	tb.Helper()
	in, err := b.IsMember(ctx, channel, user)
	if err != nil || in != want {
		tb.Fatalf("IsMember(%s, %s) = %v, %v; want %v", channel, user, in, err, want)
	}
}

func memberReads(fake *slackfake.Server) int { return len(fake.Calls("conversations.members")) }

// A channel's members are read once for 2 minutes, page by page.
func TestIsMemberCached(t *testing.T) {
	b, fake, clk, ctx := membersBot(t)
	many := []string{"UMO"}
	for i := range 1200 {
		many = append(many, "UX"+strings.Repeat("A", i%7)+string(rune('A'+i%26))+string(rune('A'+i/26)))
	}
	fake.SetChannelMembers("C0MEET1", many...)
	isMember(t, ctx, b, "C0MEET1", "UMO", true)
	isMember(t, ctx, b, "C0MEET1", "UBOB", false)
	if n := memberReads(fake); n != 2 {
		t.Fatalf("%d conversations.members calls, want 2 pages once", n)
	}
	fake.SetChannelMembers("C0MEET1", "UBOB")
	clk.advance(time.Minute)
	isMember(t, ctx, b, "C0MEET1", "UMO", true) // still the list read
	clk.advance(time.Minute)
	isMember(t, ctx, b, "C0MEET1", "UMO", false)
	isMember(t, ctx, b, "C0MEET1", "UBOB", true)
	if n := memberReads(fake); n != 3 {
		t.Fatalf("%d conversations.members calls, want one more after 2 minutes", n)
	}
}

// A channel the bot cannot see into, and a failed read, are errors, and
// are not kept: the next check reads again.
func TestIsMemberErrors(t *testing.T) {
	b, fake, _, ctx := membersBot(t)
	fake.SetChannelMembers("GSECRET", "UEXEC")
	for range 2 {
		if _, err := b.IsMember(ctx, "GSECRET", "UEXEC"); !errors.Is(err, commands.ErrChannelHidden) {
			t.Fatalf("IsMember(private channel without the bot) = %v, want ErrChannelHidden", err)
		}
	}
	if _, err := b.IsMember(ctx, "C0NONE1", "UEXEC"); !errors.Is(err, commands.ErrChannelHidden) {
		t.Fatalf("IsMember(no such channel) = %v, want ErrChannelHidden", err)
	}
	fake.SetChannelMembers("GSECRET", "UEXEC", slackfake.BotUserID)
	isMember(t, ctx, b, "GSECRET", "UEXEC", true)
	fake.FailChannelMembers("missing_scope")
	if _, err := b.IsMember(ctx, "C0OTHER", "UEXEC"); err == nil || !strings.Contains(err.Error(), "channels:read") || errors.Is(err, commands.ErrChannelHidden) {
		t.Fatalf("IsMember without the scope = %v, want it to name channels:read", err)
	}
	if n := memberReads(fake); n != 5 {
		t.Fatalf("%d conversations.members calls, want 5 (no error kept)", n)
	}
}

// Two checks of one channel at once share one read.
func TestIsMemberSingleFlight(t *testing.T) {
	b, fake, _, ctx := membersBot(t)
	fake.SetChannelMembers("C0MEET1", "UMO", "UANA")
	joined := make(chan struct{}, 1)
	bot.OnMembersJoin(b, func() { joined <- struct{}{} })
	release, arrived := make(chan struct{}), make(chan struct{})
	var once sync.Once
	fake.Handle("conversations.members", func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() {
			close(arrived)
			<-release
		})
		fake.ServeDefault(w, r)
	})
	type answer struct {
		in  bool
		err error
	}
	check := func(user string) <-chan answer {
		ch := make(chan answer, 1)
		go func() {
			in, err := b.IsMember(ctx, "C0MEET1", user)
			ch <- answer{in, err}
		}()
		return ch
	}
	first := check("UMO")
	wait(t, ctx, arrived, "conversations.members from the first check")
	second := check("UANA")
	wait(t, ctx, joined, "second check waiting for the first one's read")
	close(release)
	for _, ch := range []<-chan answer{first, second} {
		select {
		case a := <-ch:
			if !a.in || a.err != nil {
				t.Fatalf("IsMember = %+v, want a member", a)
			}
		case <-ctx.Done():
			t.Fatal("IsMember did not return")
		}
	}
	if n := memberReads(fake); n != 1 {
		t.Fatalf("%d conversations.members calls, want 1", n)
	}
}
