package sides

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseList(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   List
		errHas string // "" for no error
	}{
		{name: "empty", in: "", want: List{}},
		{name: "only commas and spaces", in: " , ,", want: List{}},
		{name: "users", in: "U0123ABCD,W0456EFGH", want: List{Users: []string{"U0123ABCD", "W0456EFGH"}}},
		{name: "groups", in: "S0123ABCD", want: List{Groups: []string{"S0123ABCD"}}},
		{name: "mixed with spaces", in: " U1AA , S2BB,U3CC ", want: List{Users: []string{"U1AA", "U3CC"}, Groups: []string{"S2BB"}}},
		{name: "trailing comma", in: "U1AA,", want: List{Users: []string{"U1AA"}}},
		{name: "duplicates count once", in: "U1AA,S2BB,U1AA, S2BB", want: List{Users: []string{"U1AA"}, Groups: []string{"S2BB"}}},
		{name: "channel ID", in: "U1AA,C0123ABCD", errHas: `"C0123ABCD" is not a user ID`},
		{name: "lower case", in: "u0123abcd", errHas: "IDs are in capitals"},
		{name: "name", in: "@ana", errHas: "not a name or mention"},
		{name: "mention", in: "<@U0123ABCD>", errHas: "not a name or mention"},
		{name: "group mention", in: "<!subteam^S0123ABCD>", errHas: "not a name or mention"},
		{name: "spaces instead of commas", in: "U1AA U2BB", errHas: "separate IDs with commas"},
		{name: "too short", in: "U", errHas: `"U" is not a user ID`},
		{name: "bot ID", in: "B0123ABCD", errHas: "is not a user ID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseList(tc.in)
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("ParseList(%q) = %+v, %v; want an error with %q", tc.in, got, err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseList(%q): %v", tc.in, err)
			}
			if !slices.Equal(got.Users, tc.want.Users) || !slices.Equal(got.Groups, tc.want.Groups) {
				t.Fatalf("ParseList(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
			if got.Empty() != tc.want.Empty() {
				t.Fatalf("Empty() = %v, want %v", got.Empty(), tc.want.Empty())
			}
		})
	}
}

// fakeSlack is a Fetcher whose groups and failures a test sets.
type fakeSlack struct {
	mu     sync.Mutex
	groups map[string][]string
	fail   map[string]error // group → the error its next calls return
	calls  int
}

var _ Fetcher = (*fakeSlack)(nil)

func newFakeSlack(groups map[string][]string) *fakeSlack {
	return &fakeSlack{groups: groups, fail: map[string]error{}}
}

func (f *fakeSlack) GroupMembers(ctx context.Context, id string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if err := f.fail[id]; err != nil {
		return nil, err
	}
	users, ok := f.groups[id]
	if !ok {
		return nil, fmt.Errorf("usergroups.users.list: %w", ErrGroupNotFound)
	}
	return slices.Clone(users), nil
}

func (f *fakeSlack) set(id string, users ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groups[id] = users
}

func (f *fakeSlack) setFail(id string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[id] = err
}

// logBuffer collects log lines for tests to read.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func mustList(tb testing.TB, s string) List {
	tb.Helper()
	l, err := ParseList(s)
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

// side is one expected answer of SideOf.
type side struct {
	user             string
	sales, marketing bool
}

func checkSides(tb testing.TB, r *Roster, want ...side) {
	tb.Helper()
	for _, w := range want {
		sales, marketing := r.SideOf(w.user)
		if sales != w.sales || marketing != w.marketing {
			tb.Errorf("SideOf(%s) = %v, %v; want %v, %v", w.user, sales, marketing, w.sales, w.marketing)
		}
	}
}

func TestRoster(t *testing.T) {
	ctx := context.Background()
	slack := newFakeSlack(map[string][]string{
		"SSALES": {"UANA", "UBEA"},
		"SMKT":   {"UMO", "UBEA"},
	})
	var logs logBuffer
	r := NewRoster(mustList(t, "SSALES,UCARL"), mustList(t, "SMKT,SGONE,UDAN"), slack, Options{Log: logs.logger()})

	t.Run("before the groups are resolved only listed users count", func(t *testing.T) {
		checkSides(t, r,
			side{"UCARL", true, false},
			side{"UDAN", false, true},
			side{"UANA", false, false},
		)
		if r.Resolved() {
			t.Fatal("Resolved() before any refresh")
		}
	})

	t.Run("groups resolved", func(t *testing.T) {
		err := r.Refresh(ctx)
		if !errors.Is(err, ErrGroupNotFound) || !strings.Contains(err.Error(), "SGONE") {
			t.Fatalf("Refresh = %v, want SGONE not found", err)
		}
		checkSides(t, r,
			side{"UANA", true, false},
			side{"UMO", false, true},
			side{"UBEA", true, true}, // in a group of each side
			side{"UCARL", true, false},
			side{"UDAN", false, true},
			side{"UEVE", false, false},
			side{"", false, false},
		)
	})

	t.Run("a group that does not exist is logged with its variable", func(t *testing.T) {
		got := logs.String()
		if !strings.Contains(got, "user group not found") || !strings.Contains(got, "variable=SMARKETING_MARKETING") || !strings.Contains(got, "group=SGONE") {
			t.Fatalf("log = %s\nwant a warning naming SMARKETING_MARKETING and SGONE", got)
		}
		if r.Resolved() {
			t.Fatal("Resolved() with SGONE unknown")
		}
	})

	t.Run("refresh replaces", func(t *testing.T) {
		slack.set("SSALES", "UANA", "UFAY")
		slack.set("SMKT")
		slack.set("SGONE", "UGIL")
		if err := r.Refresh(ctx); err != nil {
			t.Fatalf("Refresh: %v", err)
		}
		checkSides(t, r,
			side{"UANA", true, false},
			side{"UFAY", true, false},
			side{"UBEA", false, false}, // left both groups
			side{"UMO", false, false},
			side{"UGIL", false, true}, // the group exists now
			side{"UDAN", false, true},
		)
		if !r.Resolved() {
			t.Fatal("Resolved() = false with every group known")
		}
	})

	t.Run("failed refresh keeps the old", func(t *testing.T) {
		slack.setFail("SSALES", errors.New("ratelimited"))
		slack.set("SGONE")
		if err := r.Refresh(ctx); err == nil || !strings.Contains(err.Error(), "ratelimited") {
			t.Fatalf("Refresh = %v, want the ratelimited error", err)
		}
		checkSides(t, r,
			side{"UFAY", true, false}, // SSALES as it was
			side{"UGIL", false, false},
		)
		if !strings.Contains(logs.String(), "keeping its last members") {
			t.Fatalf("log = %s\nwant the failed refresh", logs.String())
		}
		slack.setFail("SSALES", nil)
		if err := r.Refresh(ctx); err != nil {
			t.Fatalf("Refresh: %v", err)
		}
		checkSides(t, r, side{"UFAY", true, false})
	})

	t.Run("a group gone later keeps its last members", func(t *testing.T) {
		slack.mu.Lock()
		delete(slack.groups, "SSALES")
		slack.mu.Unlock()
		if err := r.Refresh(ctx); !errors.Is(err, ErrGroupNotFound) {
			t.Fatalf("Refresh = %v, want not found", err)
		}
		checkSides(t, r, side{"UFAY", true, false})
	})
}

func TestRosterGroupOnBothSides(t *testing.T) {
	slack := newFakeSlack(map[string][]string{"SALL": {"UANA"}})
	var logs logBuffer
	r := NewRoster(mustList(t, "SALL,SNONE"), mustList(t, "SALL,SNONE"), slack, Options{Log: logs.logger()})
	_ = r.Refresh(context.Background())
	checkSides(t, r, side{"UANA", true, true})
	if slack.calls != 2 {
		t.Fatalf("%d calls to Slack, want 2 (one per distinct group)", slack.calls)
	}
	if !strings.Contains(logs.String(), `variable="SMARKETING_SALES and SMARKETING_MARKETING"`) {
		t.Fatalf("log = %s\nwant both variables named", logs.String())
	}
}

func TestRosterWithoutGroups(t *testing.T) {
	slack := newFakeSlack(nil)
	r := NewRoster(mustList(t, "UANA"), List{}, slack, Options{})
	done := make(chan error, 1)
	go func() { done <- r.Run(context.Background()) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run with no groups did not return")
	}
	if slack.calls != 0 || !r.Resolved() {
		t.Fatalf("calls = %d, Resolved = %v; want 0, true", slack.calls, r.Resolved())
	}
	checkSides(t, r, side{"UANA", true, false}, side{"UMO", false, false})

	// No fetcher (the shell): the listed users still count.
	r = NewRoster(mustList(t, "SALL,UANA"), mustList(t, "UMO"), nil, Options{})
	if err := r.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkSides(t, r, side{"UANA", true, false}, side{"UMO", false, true})
}

// runRoster runs r until the test ends and returns a channel told after
// each of its refreshes.
func runRoster(tb testing.TB, sales, marketing List, f Fetcher, opt Options) (*Roster, <-chan struct{}) {
	tb.Helper()
	refreshed := make(chan struct{}, 1)
	opt.Refreshed = func() {
		select {
		case refreshed <- struct{}{}:
		default:
		}
	}
	r := NewRoster(sales, marketing, f, opt)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("Run = %v, want nil", err)
		}
	})
	return r, refreshed
}

// waitFor waits, refresh after refresh, until cond holds.
func waitFor(tb testing.TB, refreshed <-chan struct{}, cond func() bool) {
	tb.Helper()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case <-refreshed:
		case <-deadline:
			tb.Fatal("condition not met after 10 s of refreshes")
		}
	}
}

func TestRosterRun(t *testing.T) {
	slack := newFakeSlack(map[string][]string{"SSALES": {"UANA"}})
	r, refreshed := runRoster(t, mustList(t, "SSALES"), List{}, slack, Options{Interval: 5 * time.Millisecond})
	waitFor(t, refreshed, func() bool { s, _ := r.SideOf("UANA"); return s })
	slack.set("SSALES", "UBEA")
	waitFor(t, refreshed, func() bool { s, _ := r.SideOf("UBEA"); return s })
	checkSides(t, r, side{"UANA", false, false})
}

// A lookup while a group could not be resolved asks for a refresh at once,
// without waiting for the interval.
func TestRosterLookupAsksForRefresh(t *testing.T) {
	slack := newFakeSlack(map[string][]string{"SSALES": {"UANA"}})
	slack.setFail("SSALES", errors.New("timeout"))
	r, refreshed := runRoster(t, mustList(t, "SSALES"), List{}, slack, Options{Interval: time.Hour, Retry: time.Nanosecond})
	<-refreshed // the first one, which failed
	slack.setFail("SSALES", nil)
	waitFor(t, refreshed, func() bool { s, _ := r.SideOf("UANA"); return s })
}

// When a lookup asks for a refresh: only while a group may still resolve,
// and not sooner than Options.Retry after the last try.
func TestRosterWhenLookupsAsk(t *testing.T) {
	tests := []struct {
		name   string
		groups map[string][]string
		fail   error
		retry  time.Duration
		want   bool
	}{
		{"resolved", map[string][]string{"SSALES": {"UANA"}}, nil, time.Nanosecond, false},
		{"failed", map[string][]string{"SSALES": {"UANA"}}, errors.New("timeout"), time.Nanosecond, true},
		{"failed, tried just now", map[string][]string{"SSALES": {"UANA"}}, errors.New("timeout"), time.Hour, false},
		{"no such group", map[string][]string{}, nil, time.Nanosecond, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			slack := newFakeSlack(tc.groups)
			slack.setFail("SSALES", tc.fail)
			r := NewRoster(mustList(t, "SSALES"), List{}, slack, Options{Retry: tc.retry})
			r.SideOf("UANA")
			if len(r.kick) != 1 {
				t.Fatal("a lookup before the first refresh did not ask for one")
			}
			<-r.kick
			_ = r.Refresh(context.Background())
			for range 3 {
				r.SideOf("UANA")
			}
			if got := len(r.kick) == 1; got != tc.want {
				t.Fatalf("asked for a refresh = %v, want %v", got, tc.want)
			}
		})
	}
}
