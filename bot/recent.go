package bot

import (
	"encoding/json"
	"sync"
	"time"
)

// recent remembers the deliveries handled lately and what was acked for
// them, so a redelivery is answered the same way and handled once. It keeps
// entries for ttl and at most max of them, so memory stays bounded.
type recent struct {
	mu  sync.Mutex
	ttl time.Duration
	max int
	// maxBytes caps the answers kept: past it the oldest answers are
	// dropped (their keys stay, so a redelivery is still not handled twice).
	maxBytes int
	bytes    int
	now      func() time.Time
	byKey    map[string]*delivery
	order    []recentItem // oldest first; a ring would save copying, this is simpler
	head     int
}

type recentItem struct {
	key string
	at  time.Time
	d   *delivery
}

// delivery is one handled request; its ack payload is set once handling ends.
type delivery struct {
	finished chan struct{}
	payload  json.RawMessage // the ack payload; nil for none (or dropped)
	failed   bool            // handling failed and the key was forgotten
}

func newRecent(ttl time.Duration, max, maxBytes int) *recent {
	return &recent{ttl: ttl, max: max, maxBytes: maxBytes, now: time.Now, byKey: map[string]*delivery{}}
}

// claim returns the delivery for key and reports whether this is the first
// time key is seen (the caller must then call done on it).
func (r *recent) claim(key string) (*delivery, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	r.expire(now)
	if d, ok := r.byKey[key]; ok {
		return d, false
	}
	d := &delivery{finished: make(chan struct{})}
	r.byKey[key] = d
	r.order = append(r.order, recentItem{key, now, d})
	return d, true
}

func (r *recent) expire(now time.Time) {
	for r.head < len(r.order) {
		it := r.order[r.head]
		if now.Sub(it.at) < r.ttl && len(r.order)-r.head < r.max {
			break
		}
		if r.byKey[it.key] == it.d {
			delete(r.byKey, it.key)
		}
		r.bytes -= len(it.d.payload)
		r.order[r.head] = recentItem{}
		r.head++
	}
	// Compact once the dead prefix dominates, keeping appends amortised O(1).
	if r.head > 1024 && r.head*2 > len(r.order) {
		r.order = append(r.order[:0:0], r.order[r.head:]...)
		r.head = 0
	}
}

// forget drops key so its next delivery is handled anew (the first one
// failed); whoever waits on it gets no payload.
func (r *recent) forget(key string) {
	r.mu.Lock()
	d, ok := r.byKey[key]
	delete(r.byKey, key)
	r.mu.Unlock()
	if ok {
		d.failed = true
		close(d.finished)
	}
}

// len returns how many deliveries are remembered.
func (r *recent) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byKey)
}

// done records the answer to d's first handling and wakes whoever waits.
func (r *recent) done(d *delivery, payload json.RawMessage) {
	r.mu.Lock()
	d.payload = payload
	r.bytes += len(payload)
	for i := r.head; r.bytes > r.maxBytes && i < len(r.order); i++ {
		if old := r.order[i].d; old != d && old.payload != nil {
			r.bytes -= len(old.payload)
			old.payload = nil
		}
	}
	r.mu.Unlock()
	close(d.finished)
}

// wait returns the payload once the first handling succeeded; ok is false
// if it failed or is still running after timeout.
func (r *recent) wait(d *delivery, timeout time.Duration) (payload json.RawMessage, ok bool) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-d.finished:
		r.mu.Lock()
		defer r.mu.Unlock()
		return d.payload, !d.failed
	case <-t.C:
		return nil, false
	}
}

// forgotten reports whether the first handling failed (after it finished).
func (d *delivery) forgotten() bool {
	select {
	case <-d.finished:
		return d.failed
	default:
		return false
	}
}
