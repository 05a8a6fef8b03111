package bot

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

func TestRecentBounded(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	r := newRecent(time.Minute, 100, 1000)
	r.now = func() time.Time { return now }
	answer := json.RawMessage(`"` + string(make([]byte, 98)) + `"`) // 100 bytes
	for i := 0; i < 250; i++ {
		d, first := r.claim(fmt.Sprint(i))
		if !first {
			t.Fatalf("key %d claimed twice", i)
		}
		r.done(d, answer)
	}
	if n := r.len(); n != 100 {
		t.Fatalf("remembers %d deliveries, want the cap of 100", n)
	}
	if r.bytes > 1000 {
		t.Fatalf("keeps %d bytes of answers, want at most 1000", r.bytes)
	}
	// The newest answer is kept; an old one was dropped but its key stays.
	d, first := r.claim("249")
	if first {
		t.Fatal("a remembered key was claimed again")
	}
	if p, ok := r.wait(d, time.Second); !ok || string(p) != string(answer) {
		t.Fatalf("newest answer = %q, %v", p, ok)
	}
	d, first = r.claim("160")
	if first {
		t.Fatal("an old key with a dropped answer was claimed again")
	}
	if p, ok := r.wait(d, time.Second); !ok || p != nil {
		t.Fatalf("old answer = %q, %v; want dropped (nil), still ok", p, ok)
	}
	// After the TTL everything is forgotten.
	now = now.Add(2 * time.Minute)
	if _, first := r.claim("249"); !first {
		t.Fatal("key still remembered after its TTL")
	}
	if r.len() != 1 || r.bytes != 0 {
		t.Fatalf("after TTL: %d entries, %d bytes", r.len(), r.bytes)
	}
}

func TestRecentForgetLetsARetryRun(t *testing.T) {
	r := newRecent(time.Minute, 10, 1000)
	d, _ := r.claim("e")
	r.forget("e")
	if _, ok := r.wait(d, time.Second); ok || !d.forgotten() {
		t.Fatal("a failed delivery reads as done")
	}
	if _, first := r.claim("e"); !first {
		t.Fatal("a forgotten key cannot be handled again")
	}
}
