package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"smarketing/store"
)

var claimTests = []subtest{
	{"ClaimOnce", testClaimOnce},
	{"HeldRefused", testClaimHeldRefused},
	{"ExpiredTakenOver", testClaimExpiredTakenOver},
	{"DoneNeverAgain", testClaimDoneNeverAgain},
	{"ReleaseThenClaimable", testClaimRelease},
	{"ReleaseStartsAfresh", testClaimReleaseStartsAfresh},
	{"ReleaseUnsureCountsOn", testClaimReleaseUnsure},
	{"Renew", testClaimRenew},
	{"DoneAfterLeaseLost", testClaimDoneAfterLeaseLost},
	{"DoneAfterLeaseRanOut", testClaimDoneAfterLeaseRanOut},
	{"Race", testClaimRace},
	{"RaceAcrossInstances", testClaimRaceAcrossInstances},
	{"KeysIndependent", testClaimKeysIndependent},
}

const lease = 10 * time.Minute

func (db *tdb) mustClaim(tb testing.TB, key, owner string) (store.Claim, bool) {
	tb.Helper()
	c, ok, err := db.Claim(ctx, key, owner, lease)
	if err != nil {
		tb.Fatalf("Claim(%q, %q): %v", key, owner, err)
	}
	return c, ok
}

func testClaimOnce(t *testing.T, s *suite) {
	db := s.open(t)
	key := store.RecapKey(Start)
	c, ok := db.mustClaim(t, key, "a")
	want := store.Claim{Key: key, Owner: "a", State: store.ClaimHeld, ClaimedAt: Start, Expires: Start.Add(lease), Attempts: 1}
	if !ok || !sameClaim(c, want) {
		t.Fatalf("Claim = %+v, %v; want %+v, true", c, ok, want)
	}
}

func sameClaim(a, b store.Claim) bool {
	return a.Key == b.Key && a.Owner == b.Owner && a.State == b.State && a.ClaimedAt.Equal(b.ClaimedAt) &&
		a.Expires.Equal(b.Expires) && a.Attempts == b.Attempts
}

// A claim whose lease has not run out is refused to everyone, its owner
// included, and the answer tells who holds it.
func testClaimHeldRefused(t *testing.T, s *suite) {
	db := s.open(t)
	key := store.MeetingReminderKey(7, Start)
	db.mustClaim(t, key, "a")
	db.set(Start.Add(lease - time.Nanosecond))
	for _, owner := range []string{"b", "a"} {
		c, ok := db.mustClaim(t, key, owner)
		if ok || c.Owner != "a" || c.State != store.ClaimHeld || c.Attempts != 1 || !c.Expires.Equal(Start.Add(lease)) {
			t.Fatalf("Claim by %s of a held claim = %+v, %v; want refused, held by a", owner, c, ok)
		}
	}
	// The same instant written in another zone is the same key.
	if _, ok := db.mustClaim(t, store.MeetingReminderKey(7, Start.In(time.FixedZone("X", 3600))), "b"); ok {
		t.Fatal("the same occurrence in another zone was claimed again")
	}
}

func testClaimExpiredTakenOver(t *testing.T, s *suite) {
	db := s.open(t)
	key := store.RecapKey(Start)
	db.mustClaim(t, key, "a")
	later := Start.Add(lease) // the lease has run out at its expiry
	db.set(later)
	c, ok := db.mustClaim(t, key, "b")
	want := store.Claim{Key: key, Owner: "b", State: store.ClaimHeld, ClaimedAt: later, Expires: later.Add(lease), Attempts: 2}
	if !ok || !sameClaim(c, want) {
		t.Fatalf("Claim after the lease ran out = %+v, %v; want %+v", c, ok, want)
	}
	// And again: the count goes on.
	db.set(later.Add(2 * lease))
	if c, ok := db.mustClaim(t, key, "c"); !ok || c.Attempts != 3 || c.Owner != "c" {
		t.Fatalf("third claim = %+v, %v; want c, attempt 3", c, ok)
	}
}

func testClaimDoneNeverAgain(t *testing.T, s *suite) {
	db := s.open(t)
	key := reminderKey(42)
	db.mustClaim(t, key, "a")
	if err := db.Done(ctx, key, "a"); err != nil {
		t.Fatalf("Done: %v", err)
	}
	for _, at := range []time.Time{Start, Start.Add(2 * lease), Start.Add(7 * 24 * time.Hour)} {
		db.set(at)
		for _, owner := range []string{"a", "b"} {
			c, ok := db.mustClaim(t, key, owner)
			if ok || c.State != store.ClaimDone || c.Owner != "a" {
				t.Fatalf("Claim by %s at %v of a done claim = %+v, %v; want refused, done by a", owner, at, c, ok)
			}
		}
	}
	// Releasing a done claim does not undo it.
	if err := db.Release(ctx, key, "a"); err != nil {
		t.Fatalf("Release(done): %v", err)
	}
	if _, ok := db.mustClaim(t, key, "b"); ok {
		t.Fatal("a done claim was claimed after a release")
	}
}

func testClaimRelease(t *testing.T, s *suite) {
	db := s.open(t)
	key := store.RecapKey(Start)
	db.mustClaim(t, key, "a")
	// Releasing what another owner holds does nothing.
	if err := db.Release(ctx, key, "b"); err != nil {
		t.Fatalf("Release by another owner: %v", err)
	}
	if _, ok := db.mustClaim(t, key, "b"); ok {
		t.Fatal("claimed after another owner's release")
	}
	if err := db.Release(ctx, key, "a"); err != nil {
		t.Fatalf("Release: %v", err)
	}
	c, ok := db.mustClaim(t, key, "b")
	if !ok || c.Owner != "b" || c.State != store.ClaimHeld {
		t.Fatalf("Claim after release = %+v, %v; want b's", c, ok)
	}
	// The old owner's late release leaves the new claim alone.
	if err := db.Release(ctx, key, "a"); err != nil {
		t.Fatal(err)
	}
	if err := db.Done(ctx, key, "b"); err != nil {
		t.Fatalf("Done by the new owner: %v", err)
	}
	// Releasing what was never claimed does nothing.
	if err := db.Release(ctx, "never", "a"); err != nil {
		t.Fatalf("Release(unknown): %v", err)
	}
}

func testClaimDoneAfterLeaseLost(t *testing.T, s *suite) {
	db := s.open(t)
	key := store.RecapKey(Start)
	db.mustClaim(t, key, "a")
	db.set(Start.Add(2 * lease))
	if _, ok := db.mustClaim(t, key, "b"); !ok {
		t.Fatal("takeover failed")
	}
	if err := db.Done(ctx, key, "a"); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("Done by the owner that lost the lease = %v, want ErrLeaseLost", err)
	}
	// The new owner's claim is untouched and it can finish.
	if c, ok := db.mustClaim(t, key, "c"); ok || c.Owner != "b" || c.State != store.ClaimHeld {
		t.Fatalf("claim after the lost Done = %+v, %v; want held by b", c, ok)
	}
	if err := db.Done(ctx, key, "b"); err != nil {
		t.Fatalf("Done by the new owner: %v", err)
	}
	if err := db.Done(ctx, "never claimed", "a"); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("Done of a key never claimed = %v, want ErrLeaseLost", err)
	}
}

// Work that outlived its lease still counts if nobody took it over.
func testClaimDoneAfterLeaseRanOut(t *testing.T, s *suite) {
	db := s.open(t)
	key := store.RecapKey(Start)
	db.mustClaim(t, key, "a")
	db.set(Start.Add(2 * lease))
	if err := db.Done(ctx, key, "a"); err != nil {
		t.Fatalf("Done after the lease ran out, not taken over = %v, want nil", err)
	}
	if c, ok := db.mustClaim(t, key, "b"); ok || c.State != store.ClaimDone {
		t.Fatalf("claim after Done = %+v, %v; want done", c, ok)
	}
}

func claimRace(t *testing.T, dbs []*tdb, key string) {
	t.Helper()
	const n = 12
	var mu sync.Mutex
	var winners []string
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			owner := fmt.Sprintf("owner-%d", i)
			c, ok, err := dbs[i%len(dbs)].Claim(ctx, key, owner, lease)
			if err != nil {
				t.Errorf("Claim: %v", err)
				return
			}
			if ok {
				mu.Lock()
				winners = append(winners, owner)
				mu.Unlock()
				if c.Owner != owner {
					t.Errorf("won claim = %+v, want owner %s", c, owner)
				}
			}
		})
	}
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("winners = %q, want exactly 1", winners)
	}
	for _, db := range dbs {
		if c, ok := db.mustClaim(t, key, "late"); ok || c.Owner != winners[0] || c.Attempts != 1 {
			t.Fatalf("claim after the race = %+v, %v; want held by %s, attempt 1", c, ok, winners[0])
		}
	}
}

func testClaimRace(t *testing.T, s *suite) {
	db := s.open(t)
	claimRace(t, []*tdb{db}, store.RecapKey(Start))
}

// Instances on the same data (separate processes, in production) race
// for the same key: exactly one wins, once the lease ran out too.
func testClaimRaceAcrossInstances(t *testing.T, s *suite) {
	a := s.open(t)
	b := s.reopen(t, a.DSN, Start)
	c := s.reopen(t, a.DSN, Start)
	dbs := []*tdb{a, b, c}
	claimRace(t, dbs, store.MeetingReminderKey(1, Start))

	// Everyone's clock moves past the lease: one takes it over.
	key := store.RecapKey(Start)
	a.mustClaim(t, key, "first")
	for _, db := range dbs {
		db.set(Start.Add(lease))
	}
	var mu sync.Mutex
	var wins []store.Claim
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Go(func() {
			c, ok, err := dbs[i%3].Claim(ctx, key, fmt.Sprintf("o%d", i), lease)
			if err != nil {
				t.Errorf("Claim: %v", err)
			}
			if ok {
				mu.Lock()
				wins = append(wins, c)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(wins) != 1 || wins[0].Attempts != 2 {
		t.Fatalf("takeovers = %+v, want exactly one, attempt 2", wins)
	}
}

func testClaimKeysIndependent(t *testing.T, s *suite) {
	db := s.open(t)
	keys := []string{store.RecapKey(Start), store.RecapKey(Start.Add(time.Hour)), store.MeetingReminderKey(1, Start),
		store.MeetingReminderKey(2, Start), reminderKey(1), reminderKey(10)}
	for _, k := range keys {
		if _, ok := db.mustClaim(t, k, "a"); !ok {
			t.Fatalf("Claim(%q) refused; want every key claimed on its own", k)
		}
	}
	if err := db.Done(ctx, keys[0], "a"); err != nil {
		t.Fatal(err)
	}
	if err := db.Release(ctx, keys[1], "a"); err != nil {
		t.Fatal(err)
	}
	for i, k := range keys {
		c, ok := db.mustClaim(t, k, "b")
		if wantWon := i == 1; ok != wantWon {
			t.Errorf("Claim(%q) by b = %+v, %v; want %v", k, c, ok, wantWon)
		}
	}
}

// A sure release deletes the claim: the next one is a first attempt even
// after a takeover, so it does not check for work that surely failed.
func testClaimReleaseStartsAfresh(t *testing.T, s *suite) {
	db := s.open(t)
	key := store.RecapKey(Start)
	db.mustClaim(t, key, "a")
	db.set(Start.Add(lease))
	if c, ok := db.mustClaim(t, key, "b"); !ok || c.Attempts != 2 {
		t.Fatalf("takeover = %+v, %v; want b, attempt 2", c, ok)
	}
	if err := db.Release(ctx, key, "b"); err != nil {
		t.Fatal(err)
	}
	if c, ok := db.mustClaim(t, key, "c"); !ok || c.Attempts != 1 || c.Owner != "c" {
		t.Fatalf("Claim after a sure release = %+v, %v; want c, attempt 1", c, ok)
	}
}

// An unsure release leaves the claim claimable at once, by anyone (its
// owner included), as a takeover: Attempts counts on.
func testClaimReleaseUnsure(t *testing.T, s *suite) {
	db := s.open(t)
	key := store.MeetingReminderKey(3, Start)
	db.mustClaim(t, key, "a")
	// Another owner's unsure release does nothing.
	if err := db.ReleaseUnsure(ctx, key, "b"); err != nil {
		t.Fatalf("ReleaseUnsure by another owner: %v", err)
	}
	if c, ok := db.mustClaim(t, key, "b"); ok || c.Owner != "a" {
		t.Fatalf("Claim after another owner's unsure release = %+v, %v; want refused, held by a", c, ok)
	}
	if err := db.ReleaseUnsure(ctx, key, "a"); err != nil {
		t.Fatalf("ReleaseUnsure: %v", err)
	}
	c, ok := db.mustClaim(t, key, "a") // no time has passed
	want := store.Claim{Key: key, Owner: "a", State: store.ClaimHeld, ClaimedAt: Start, Expires: Start.Add(lease), Attempts: 2}
	if !ok || !sameClaim(c, want) {
		t.Fatalf("Claim after an unsure release = %+v, %v; want %+v", c, ok, want)
	}
	if err := db.ReleaseUnsure(ctx, key, "a"); err != nil {
		t.Fatal(err)
	}
	if c, ok := db.mustClaim(t, key, "b"); !ok || c.Attempts != 3 || c.Owner != "b" {
		t.Fatalf("Claim by b after a second unsure release = %+v, %v; want b, attempt 3", c, ok)
	}
	// The old owner can no longer finish; the new one can, and that is final.
	if err := db.Done(ctx, key, "a"); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("Done by the owner that released = %v, want ErrLeaseLost", err)
	}
	if err := db.Done(ctx, key, "b"); err != nil {
		t.Fatal(err)
	}
	if err := db.ReleaseUnsure(ctx, key, "b"); err != nil {
		t.Fatalf("ReleaseUnsure(done): %v", err)
	}
	if c, ok := db.mustClaim(t, key, "c"); ok || c.State != store.ClaimDone {
		t.Fatalf("Claim of a done claim after an unsure release = %+v, %v; want refused, done", c, ok)
	}
	if err := db.ReleaseUnsure(ctx, "never", "a"); err != nil {
		t.Fatalf("ReleaseUnsure(unknown): %v", err)
	}
}

// A renewed claim is not taken over while the renewal lasts; only its
// owner renews it, and not once it is lost or done.
func testClaimRenew(t *testing.T, s *suite) {
	db := s.open(t)
	key := reminderKey(5)
	db.mustClaim(t, key, "a")
	renewed := Start.Add(lease - time.Second)
	db.set(renewed)
	if err := db.Renew(ctx, key, "a", lease); err != nil {
		t.Fatalf("Renew: %v", err)
	}
	if err := db.Renew(ctx, key, "b", lease); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("Renew by another owner = %v, want ErrLeaseLost", err)
	}
	db.set(Start.Add(lease)) // past the first lease, within the renewal
	if c, ok := db.mustClaim(t, key, "b"); ok || c.Owner != "a" || c.Attempts != 1 || !c.Expires.Equal(renewed.Add(lease)) {
		t.Fatalf("Claim of a renewed claim = %+v, %v; want refused, held by a until %v", c, ok, renewed.Add(lease))
	}
	// Ran out, not taken over: the owner may still renew (as it may finish).
	db.set(renewed.Add(2 * lease))
	if err := db.Renew(ctx, key, "a", lease); err != nil {
		t.Fatalf("Renew after the lease ran out, not taken over = %v, want nil", err)
	}
	db.set(renewed.Add(4 * lease))
	if c, ok := db.mustClaim(t, key, "b"); !ok || c.Attempts != 2 {
		t.Fatalf("takeover = %+v, %v; want b, attempt 2", c, ok)
	}
	if err := db.Renew(ctx, key, "a", lease); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("Renew after a takeover = %v, want ErrLeaseLost", err)
	}
	if err := db.Done(ctx, key, "b"); err != nil {
		t.Fatal(err)
	}
	if err := db.Renew(ctx, key, "b", lease); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("Renew of a done claim = %v, want ErrLeaseLost", err)
	}
	if err := db.Renew(ctx, "never", "a", lease); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("Renew of a key never claimed = %v, want ErrLeaseLost", err)
	}
}
