package schedules

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"sync"
	"testing"
	"time"

	"smarketing/commands"
	"smarketing/store"
	"smarketing/store/storetest"
)

// markPoster is a fake Slack for marked posts. before, if set, may fail a
// post (numbered from 1) before Slack has it; after, if set, may fail it
// once Slack has it, as when the answer is lost.
type markPoster struct {
	mu      sync.Mutex
	calls   int
	posts   []meetingPost
	lookups []string
	before  func(call int) error
	after   func(call int) error
}

var _ Poster = (*markPoster)(nil)

func (p *markPoster) PostMarked(ctx context.Context, channel, threadTS, key string, msg commands.Response) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if p.before != nil {
		if err := p.before(p.calls); err != nil {
			return "", err
		}
	}
	p.posts = append(p.posts, meetingPost{channel: channel, threadTS: threadTS, key: key, msg: msg})
	if p.after != nil {
		if err := p.after(p.calls); err != nil {
			return "", err
		}
	}
	return "1700000000.000100", nil
}

func (p *markPoster) FindMarked(ctx context.Context, channel, threadTS, key string, oldest, latest time.Time) (string, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lookups = append(p.lookups, key)
	for _, m := range p.posts {
		if m.channel == channel && m.threadTS == threadTS && m.key == key {
			return "1700000000.000100", true, nil
		}
	}
	return "", false, nil
}

func (p *markPoster) counts() (calls, posts, lookups int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls, len(p.posts), len(p.lookups)
}

// refusedError is how *bot.Bot says a post surely did not reach Slack.
type refusedError struct{}

func (refusedError) Error() string   { return "channel_not_found" }
func (refusedError) NotPosted() bool { return true }

// TestRecapOnceAfterUnknownOutcome runs the recap of one scheduled time
// twice, the first time in trouble: an instance that died holding its
// claim (a takeover follows), or a post that failed. The second run looks
// for the post in Slack exactly when the first one's outcome is unknown,
// and the channel ends up with one recap.
func TestRecapOnceAfterUnknownOutcome(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	key := store.RecapKey(at)
	tests := []struct {
		name string
		// dead: another instance claimed the run and died, having posted
		// (mark) or not; otherwise the first run is this job's with p.
		dead, mark    bool
		before, after func(int) error
		firstErr      bool
		wantCalls     int // PostMarked calls over both runs
		wantLookups   int
		wantCounted   map[string]int // posts counted by result
	}{
		{name: "takeover, mark present", dead: true, mark: true, wantCalls: 0, wantLookups: 1, wantCounted: map[string]int{"already": 1}},
		{name: "takeover, no mark", dead: true, wantCalls: 1, wantLookups: 1, wantCounted: map[string]int{"posted": 1}},
		{name: "clean API failure", before: failFirst(refusedError{}), firstErr: true, wantCalls: 2, wantLookups: 0,
			wantCounted: map[string]int{"failed": 1, "posted": 1}},
		{name: "ambiguous failure, not in slack", before: failFirst(context.DeadlineExceeded), firstErr: true, wantCalls: 2, wantLookups: 1,
			wantCounted: map[string]int{"failed": 1, "posted": 1}},
		{name: "ambiguous failure, in slack", after: failFirst(errors.New("connection reset by peer")), firstErr: true, wantCalls: 1, wantLookups: 1,
			wantCounted: map[string]int{"failed": 1, "already": 1}},
		{name: "no trouble", wantCalls: 1, wantLookups: 0, wantCounted: map[string]int{"posted": 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, at)
			p := &markPoster{before: tc.before, after: tc.after}
			counted := postCounts{}
			job := &Recap{
				Once: Once{Store: db, Owner: "b", Posts: counted}, Poster: p, Channel: "CRECAP",
				Build: func(context.Context, time.Time) (commands.Recap, error) {
					return commands.Recap{Message: commands.Response{Text: "Weekly recap"}}, nil
				},
				Log: slog.New(slog.DiscardHandler),
			}
			if tc.dead {
				if _, ok, err := db.Claim(ctx, key, "a", DefaultLease); err != nil || !ok {
					t.Fatalf("claim by the instance that dies: %v, %v", ok, err)
				}
				if tc.mark {
					p.posts = append(p.posts, meetingPost{channel: "CRECAP", key: key})
				}
				// Held by a live lease: not this run's.
				if err := job.Run(ctx, at); err != nil {
					t.Fatal(err)
				}
				if calls, _, lookups := p.counts(); calls != 0 || lookups != 0 {
					t.Fatalf("run while another instance holds the claim: %d posts, %d look-ups; want none", calls, lookups)
				}
				db.Clock.Set(at.Add(DefaultLease))
			} else if err := job.Run(ctx, at); (err != nil) != tc.firstErr {
				t.Fatalf("first run = %v, want an error: %v", err, tc.firstErr)
			}
			if err := job.Run(ctx, at); err != nil {
				t.Fatalf("second run: %v", err)
			}
			calls, posts, lookups := p.counts()
			if calls != tc.wantCalls || lookups != tc.wantLookups {
				t.Fatalf("%d posts tried, %d look-ups; want %d, %d", calls, lookups, tc.wantCalls, tc.wantLookups)
			}
			if posts != 1 {
				t.Fatalf("%d recaps in the channel, want 1", posts)
			}
			if !maps.Equal(counted.of(kindRecap), tc.wantCounted) {
				t.Fatalf("posts counted %v, want %v", counted.of(kindRecap), tc.wantCounted)
			}
			c, ok, err := db.Claim(ctx, key, "c", DefaultLease)
			if err != nil || ok || c.State != store.ClaimDone {
				t.Fatalf("claim after the second run = %+v, %v, %v; want done", c, ok, err)
			}
			// Done is final: no third look-up or post.
			if err := job.Run(ctx, at); err != nil {
				t.Fatal(err)
			}
			if c2, _, l2 := p.counts(); c2 != calls || l2 != lookups {
				t.Fatalf("a third run posted or looked up again")
			}
		})
	}
}

// postCounts is a PostCounter: counts by kind, then result.
type postCounts map[string]map[string]int

func (c postCounts) Post(kind, result string) {
	if c[kind] == nil {
		c[kind] = map[string]int{}
	}
	c[kind][result]++
}

func (c postCounts) of(kind string) map[string]int { return c[kind] }

func failFirst(err error) func(int) error {
	return func(call int) error {
		if call == 1 {
			return err
		}
		return nil
	}
}

// TestSLAReminderUnknownOutcome: a reminder whose post timed out is
// looked up in the lead's thread by the next run, and not posted again if
// it is there.
func TestSLAReminderUnknownOutcome(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	db := storetest.Open(t, now)
	lead := store.Lead{ID: 7, Channel: "CLEADS", TS: "1700000000.000100", PostedAt: now.Add(-2 * time.Hour)}
	p := &markPoster{after: failFirst(context.DeadlineExceeded)}
	job := SLAReminders(Nudges{
		Store: dueFunc(func() []store.Lead { return []store.Lead{lead} }), Once: Once{Store: db, Owner: "a"},
		Poster: p, Message: commands.Response{Text: "remind"},
	}, store.SLA{Within: time.Hour})
	if err := job.Run(ctx, now); err == nil {
		t.Fatal("first run: no error, want the timeout")
	}
	if err := job.Run(ctx, now); err != nil {
		t.Fatal(err)
	}
	calls, posts, lookups := p.counts()
	if calls != 1 || posts != 1 || lookups != 1 {
		t.Fatalf("%d posts tried, %d in the thread, %d look-ups; want 1, 1, 1", calls, posts, lookups)
	}
	key := store.SLA{}.Reminder().Key(lead.ID)
	if got := p.posts[0]; got.threadTS != lead.TS || got.key != key {
		t.Fatalf("reminder = %+v, want in thread %s marked %s", got, lead.TS, key)
	}
}

type dueFunc func() []store.Lead

func (f dueFunc) DueNudges(context.Context, store.Nudge, time.Time, int) ([]store.Lead, error) {
	return f(), nil
}

func (f dueFunc) NextNudgeDue(context.Context, store.Nudge, time.Time) (time.Time, error) {
	return time.Time{}, nil
}

// TestOnceRenewsItsLease: work that outlasts its lease keeps its claim,
// so another instance does not take it over (and post again).
func TestOnceRenewsItsLease(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, time.Time{}) // the real clock: the lease runs out
	const lease = 300 * time.Millisecond
	o := Once{Store: db, Owner: "a", Lease: lease}
	key := store.RecapKey(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	stolen := false
	_, won, err := o.Do(ctx, key, func(ctx context.Context, _ store.Claim) error {
		deadline := time.NewTimer(3 * lease)
		defer deadline.Stop()
		tick := time.NewTicker(lease / 10)
		defer tick.Stop()
		for {
			select {
			case <-deadline.C:
				return nil
			case <-tick.C:
				if _, ok, err := db.Claim(ctx, key, "b", lease); err != nil || ok {
					stolen = ok
					return err
				}
			}
		}
	})
	if err != nil || !won || stolen {
		t.Fatalf("Do = %v, %v; taken over: %v; want won, kept", won, err, stolen)
	}
}

// TestSchedulerStopLetsWorkFinish: a stop does not cancel a job's work in
// flight, and jobs take no new work once it came.
func TestSchedulerStopLetsWorkFinish(t *testing.T) {
	s := New(time.UTC, slog.New(slog.DiscardHandler))
	started, finish := make(chan struct{}), make(chan struct{})
	var workErr, laterStopping error
	s.Go("work", func(ctx context.Context) error {
		close(started)
		select {
		case <-finish:
		case <-ctx.Done():
			workErr = ctx.Err()
		}
		if !stopping(ctx) {
			laterStopping = errors.New("not stopping after the stop")
		}
		return nil
	})
	ctx, stop := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx) }()
	<-started
	stop()
	select {
	case err := <-ran:
		t.Fatalf("Run returned (%v) with work in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(finish)
	if err := <-ran; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if workErr != nil || laterStopping != nil {
		t.Fatalf("work context: %v; %v", workErr, laterStopping)
	}
}
