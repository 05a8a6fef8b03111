package bot_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"smarketing/bot"
	"smarketing/bot/slackfake"
	"smarketing/commands/sides"
)

// syncBuffer is a log sink tests read while the roster writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The sides are resolved through usergroups.users.list as the bot calls
// it, and follow Slack's membership from one refresh to the next.
func TestSidesThroughSlack(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fake := slackfake.New()
	defer fake.Close()
	fake.SetUserGroup("SSALES", "UANA")
	fake.SetUserGroup("SMKT", "UMO", "UANA")
	b := bot.New(bot.Options{BotToken: slackfake.BotToken, AppToken: slackfake.AppToken, APIURL: fake.APIURL()})

	var logs syncBuffer
	refreshed := make(chan struct{}, 1)
	r := sides.NewRoster(
		sides.List{Users: []string{"UCARL"}, Groups: []string{"SSALES", "SGONE"}},
		sides.List{Groups: []string{"SMKT"}},
		b, sides.Options{
			Interval: 10 * time.Millisecond,
			Log:      slog.New(slog.NewTextHandler(&logs, nil)),
			Refreshed: func() {
				select {
				case refreshed <- struct{}{}:
				default:
				}
			},
		})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	}()
	// waitFor waits, refresh after refresh, until cond holds.
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for !cond() {
			select {
			case <-refreshed:
			case <-ctx.Done():
				t.Fatalf("%s: not after 30 s of refreshes; log:\n%s", what, logs.String())
			}
		}
	}
	is := func(user string, sales, marketing bool) func() bool {
		return func() bool {
			s, m := r.SideOf(user)
			return s == sales && m == marketing
		}
	}

	waitFor("UANA on both sides", is("UANA", true, true))
	for _, c := range []struct {
		user             string
		sales, marketing bool
	}{{"UMO", false, true}, {"UCARL", true, false}, {"UEVE", false, false}} {
		if !is(c.user, c.sales, c.marketing)() {
			s, m := r.SideOf(c.user)
			t.Errorf("SideOf(%s) = %v, %v; want %v, %v", c.user, s, m, c.sales, c.marketing)
		}
	}
	if got := logs.String(); !strings.Contains(got, "user group not found") ||
		!strings.Contains(got, "variable=SMARKETING_SALES") || !strings.Contains(got, "group=SGONE") {
		t.Fatalf("log:\n%s\nwant a warning naming SMARKETING_SALES and SGONE", got)
	}

	fake.SetUserGroup("SSALES", "UBEA")
	waitFor("UBEA on sales after the change", is("UBEA", true, false))
	waitFor("UANA off sales after the change", is("UANA", false, true))

	fake.FailUserGroups("ratelimited")
	waitFor("a failed refresh", func() bool { return strings.Contains(logs.String(), "keeping its last members") })
	// The end of a refresh that failed: it was logged before the end.
	select {
	case <-refreshed:
	default:
	}
	select {
	case <-refreshed:
	case <-ctx.Done():
		t.Fatal("no refresh after the failed one")
	}
	if !is("UBEA", true, false)() || !is("UANA", false, true)() {
		t.Fatal("a failed refresh changed the sides")
	}
	fake.FailUserGroups("")
	fake.SetUserGroup("SGONE", "UDAN")
	waitFor("UDAN on sales once SGONE exists", is("UDAN", true, false))
}

func TestGroupMembersErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fake := slackfake.New()
	defer fake.Close()
	b := bot.New(bot.Options{BotToken: slackfake.BotToken, AppToken: slackfake.AppToken, APIURL: fake.APIURL()})

	if _, err := b.GroupMembers(ctx, "SNONE"); !errors.Is(err, sides.ErrGroupNotFound) {
		t.Fatalf("GroupMembers(unknown) = %v, want ErrGroupNotFound", err)
	}
	fake.FailUserGroups("missing_scope")
	if _, err := b.GroupMembers(ctx, "SNONE"); err == nil || !strings.Contains(err.Error(), "usergroups:read") {
		t.Fatalf("GroupMembers without the scope = %v, want it to name usergroups:read", err)
	}
}
