package commands

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultDMsPerHour is how many direct messages one person's actions make
// the bot send to others in an hour, at most.
const DefaultDMsPerHour = 30

// dmLimiter counts, per sender, the direct messages to others that their
// actions made the bot send, over a sliding window. It is in memory: each
// instance counts its own (with several instances a sender may reach the
// limit once per instance), and a restart forgets the counts, which only
// ever lets a few more through.
type dmLimiter struct {
	max    int
	window time.Duration

	mu   sync.Mutex
	sent map[string][]time.Time // sender → when each DM in the window was sent, oldest first
}

func newDMLimiter(max int, window time.Duration) *dmLimiter {
	if max <= 0 {
		max = DefaultDMsPerHour
	}
	return &dmLimiter{max: max, window: window, sent: map[string][]time.Time{}}
}

// take counts up to n DMs by sender at now and returns how many may go.
func (l *dmLimiter) take(sender string, n int, now time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	times := l.sent[sender]
	i := 0
	for i < len(times) && !times[i].After(now.Add(-l.window)) {
		i++
	}
	times = times[i:]
	ok := min(n, l.max-len(times))
	for range ok {
		times = append(times, now)
	}
	if len(times) == 0 {
		delete(l.sent, sender)
	} else {
		l.sent[sender] = times
	}
	return ok
}

// limitDMs keeps the direct messages of resp that sender's allowance lets
// go and drops the others, saying so in the answer: the change itself is
// done all the same. DMs to the sender themselves do not count.
func (h *Handler) limitDMs(sender string, resp *Response) {
	var others []int
	for i, dm := range resp.DMs {
		if dm.User != sender {
			others = append(others, i)
		}
	}
	if len(others) == 0 {
		return
	}
	ok := h.dms.take(sender, len(others), h.now())
	if ok == len(others) {
		return
	}
	drop := map[int]bool{}
	var names []string
	for _, i := range others[ok:] {
		drop[i] = true
		if u := mention(resp.DMs[i].User); !slices.Contains(names, u) {
			names = append(names, u)
		}
	}
	kept := resp.DMs[:0:0]
	for i, dm := range resp.DMs {
		if !drop[i] {
			kept = append(kept, dm)
		}
	}
	resp.DMs = kept
	n := len(others) - ok
	note := fmt.Sprintf(":no_bell: Done, but I did not send the %d %s this would have sent to %s: your actions made me send %d direct messages to others in the last hour, "+
		"the most I send for one person, so that nobody can flood a colleague's DMs through me. Please tell them yourself, or try again in a while.",
		n, pluralWord(n, "notification"), strings.Join(names, ", "), h.dms.max)
	resp.Text = strings.TrimSpace(resp.Text + "\n" + note)
	if len(resp.Blocks) > 0 {
		resp.Blocks = append(resp.Blocks, Context{Texts: []string{note}})
	}
}
