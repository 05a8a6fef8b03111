package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"smarketing/store"
)

// fakeSource is a GlossarySource a test sets.
type fakeSource struct {
	mu         sync.Mutex
	version    int64
	terms      []store.Term
	versionErr error
	readErr    error
	reads      int
	block      chan struct{} // if set, ReadGlossary waits for it to close
}

func (f *fakeSource) GlossaryVersion(context.Context) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.version, f.versionErr
}

func (f *fakeSource) ReadGlossary(context.Context) (int64, []store.Term, map[string]int64, error) {
	f.mu.Lock()
	block := f.block
	f.mu.Unlock()
	if block != nil {
		<-block
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	if f.readErr != nil {
		return 0, nil, nil, f.readErr
	}
	keys := map[string]int64{}
	terms := make([]store.Term, len(f.terms))
	for i, t := range f.terms {
		t.Aliases = append([]string(nil), t.Aliases...)
		terms[i] = t
		for _, l := range t.Labels() {
			keys[store.Key(l)] = t.ID
		}
	}
	return f.version, terms, keys, nil
}

// set replaces the glossary and moves the version on.
func (f *fakeSource) set(terms ...store.Term) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.terms = terms
	f.version++
}

func (f *fakeSource) readCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads
}

var (
	mqlT   = store.Term{ID: 1, Name: "Marketing Qualified Lead", Aliases: []string{"MQL", "M.Q.L."}, Definition: "v1"}
	churnT = store.Term{ID: 2, Name: "Churn", Definition: "Customers lost"}
)

func lookup(g *store.GlossaryCopy, key string) (store.Term, bool, bool) {
	return g.ByKey(store.Key(key))
}

func TestGlossaryCopyNotLoaded(t *testing.T) {
	g := store.NewGlossaryCopy(&fakeSource{}, nil, 0)
	if _, _, usable := g.ByKey("mql"); usable {
		t.Fatal("ByKey before Load: usable")
	}
	if _, _, usable := g.ByID(1); usable {
		t.Fatal("ByID before Load: usable")
	}
	if _, ok := g.TermsAt(0, []int64{1}); ok {
		t.Fatal("TermsAt before Load: ok")
	}
}

func TestGlossaryCopyLookups(t *testing.T) {
	src := &fakeSource{}
	src.set(mqlT, churnT)
	g := store.NewGlossaryCopy(src, nil, 0)
	if err := g.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"mql", "M.Q.L.", "marketing qualified lead"} {
		if got, found, usable := lookup(g, q); !usable || !found || !reflect.DeepEqual(got, mqlT) {
			t.Errorf("ByKey(%q) = %+v, %v, %v; want MQL", q, got, found, usable)
		}
	}
	if _, found, usable := lookup(g, "nothing"); !usable || found {
		t.Errorf("ByKey(nothing) = found %v, usable %v; want a usable miss", found, usable)
	}
	if got, found, usable := g.ByID(2); !usable || !found || got.Name != "Churn" {
		t.Errorf("ByID(2) = %+v, %v, %v", got, found, usable)
	}
	if _, found, usable := g.ByID(3); !usable || found {
		t.Errorf("ByID(3) = found %v, usable %v; want a usable miss", found, usable)
	}
	// What it returns is the caller's to change.
	got, _, _ := lookup(g, "mql")
	got.Aliases[0] = "changed"
	_ = append(got.Aliases[:1], "appended")
	if again, _, _ := g.ByID(1); !reflect.DeepEqual(again.Aliases, mqlT.Aliases) {
		t.Fatalf("aliases after the caller changed its copy = %q", again.Aliases)
	}
}

// Load reads only when the version moved; Reload always.
func TestGlossaryCopyLoadOnlyWhenChanged(t *testing.T) {
	ctx := context.Background()
	src := &fakeSource{}
	src.set(mqlT)
	g := store.NewGlossaryCopy(src, nil, 0)
	for range 3 {
		if err := g.Load(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := src.readCount(); n != 1 {
		t.Fatalf("%d reads for three loads of one version, want 1", n)
	}
	edited := mqlT
	edited.Definition = "v2"
	src.set(edited, churnT)
	if err := g.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := lookup(g, "mql"); got.Definition != "v2" || src.readCount() != 2 {
		t.Fatalf("after the version moved: %q, %d reads; want v2, 2", got.Definition, src.readCount())
	}
	g.Reload(ctx)
	if n := src.readCount(); n != 3 {
		t.Fatalf("Reload did not read: %d reads", n)
	}
	// A failing version check keeps the copy and reports the error.
	src.mu.Lock()
	src.versionErr = errors.New("connection lost")
	src.mu.Unlock()
	if err := g.Load(ctx); err == nil {
		t.Fatal("Load with a failing version check: no error")
	}
	if _, found, usable := lookup(g, "churn"); !usable || !found {
		t.Fatal("a failing version check dropped the copy")
	}
}

// A reload that fails drops the copy (lookups go to the database) until a
// load works again.
func TestGlossaryCopyReloadFailureDrops(t *testing.T) {
	ctx := context.Background()
	src := &fakeSource{}
	src.set(mqlT)
	g := store.NewGlossaryCopy(src, nil, 0)
	if err := g.Load(ctx); err != nil {
		t.Fatal(err)
	}
	src.mu.Lock()
	src.readErr = errors.New("disk I/O error")
	src.mu.Unlock()
	g.Reload(ctx)
	if _, _, usable := lookup(g, "mql"); usable {
		t.Fatal("ByKey after a failed reload: usable; a stale copy would hide the change")
	}
	if _, _, usable := g.ByID(1); usable {
		t.Fatal("ByID after a failed reload: usable")
	}
	if err := g.Load(ctx); err == nil {
		t.Fatal("Load while reads fail: no error")
	}
	src.mu.Lock()
	src.readErr = nil
	src.mu.Unlock()
	if err := g.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if _, found, usable := lookup(g, "mql"); !usable || !found {
		t.Fatal("the copy did not come back once reads worked")
	}
}

func TestGlossaryCopyTooBig(t *testing.T) {
	ctx := context.Background()
	src := &fakeSource{}
	var terms []store.Term
	for i := range 20 {
		terms = append(terms, store.Term{ID: int64(i + 1), Name: fmt.Sprintf("Term %d", i), Definition: "Some words."})
	}
	src.set(terms...)
	small := store.NewGlossaryCopy(src, nil, 1000)
	if err := small.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, usable := lookup(small, "term 1"); usable {
		t.Fatal("a glossary over the limit was copied")
	}
	if _, _, usable := small.ByID(1); usable {
		t.Fatal("ByID of a glossary over the limit: usable")
	}
	if _, ok := small.TermsAt(1, []int64{1}); ok {
		t.Fatal("TermsAt of a glossary over the limit: ok")
	}
	// It shrinks under the limit: copied again.
	src.set(terms[:1]...)
	if err := small.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if _, found, usable := lookup(small, "term 0"); !usable || !found {
		t.Fatal("a glossary back under the limit was not copied")
	}
	// 0 is the default limit, which 20 terms fit.
	src.set(terms...)
	def := store.NewGlossaryCopy(src, nil, 0)
	if err := def.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if _, found, usable := lookup(def, "term 19"); !usable || !found {
		t.Fatal("the default limit does not hold 20 terms")
	}
}

func TestGlossaryCopyTermsAt(t *testing.T) {
	src := &fakeSource{}
	src.set(mqlT, churnT)
	g := store.NewGlossaryCopy(src, nil, 0)
	if err := g.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, ok := g.TermsAt(1, []int64{2, 9, 1})
	if !ok || len(got) != 2 || got[0].ID != 2 || got[1].ID != 1 {
		t.Fatalf("TermsAt(1, [2 9 1]) = %+v, %v; want Churn, MQL in that order", got, ok)
	}
	got[1].Aliases[0] = "changed"
	if again, _, _ := g.ByID(1); again.Aliases[0] != "MQL" {
		t.Fatal("TermsAt handed out the copy's own aliases")
	}
	if _, ok := g.TermsAt(2, []int64{1}); ok {
		t.Fatal("TermsAt at another version: ok")
	}
	if got, ok := g.TermsAt(1, nil); !ok || len(got) != 0 {
		t.Fatalf("TermsAt(no ids) = %+v, %v", got, ok)
	}
}

// A reload swaps the new glossary in when it is read: lookups meanwhile
// answer from the old one at once, never waiting for it.
func TestGlossaryCopySwapDoesNotBlockLookups(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		src := &fakeSource{}
		src.set(mqlT)
		g := store.NewGlossaryCopy(src, nil, 0)
		if err := g.Load(ctx); err != nil {
			t.Fatal(err)
		}
		edited := mqlT
		edited.Definition = "v2"
		src.set(edited)
		block := make(chan struct{})
		src.mu.Lock()
		src.block = block
		src.mu.Unlock()
		reloaded := make(chan struct{})
		go func() {
			g.Reload(ctx)
			close(reloaded)
		}()
		synctest.Wait() // the reload is reading, and waits
		for range 100 {
			if got, found, usable := lookup(g, "mql"); !usable || !found || got.Definition != "v1" {
				t.Fatalf("lookup during a reload = %+v, %v, %v; want the old copy", got, found, usable)
			}
		}
		close(block)
		<-reloaded
		if got, _, _ := lookup(g, "mql"); got.Definition != "v2" {
			t.Fatalf("after the reload: %q, want v2", got.Definition)
		}
	})
}

// Watch polls the version and reloads when another process moved it.
func TestGlossaryCopyWatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := &fakeSource{}
		src.set(mqlT)
		g := store.NewGlossaryCopy(src, nil, 0)
		if err := g.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		g.Watch(100 * time.Millisecond)
		defer g.Close()
		src.set(mqlT, churnT)
		time.Sleep(50 * time.Millisecond)
		synctest.Wait()
		if _, found, _ := lookup(g, "churn"); found {
			t.Fatal("the change showed before a poll")
		}
		time.Sleep(60 * time.Millisecond)
		synctest.Wait()
		if _, found, _ := lookup(g, "churn"); !found {
			t.Fatal("the change did not show after a poll")
		}
		// Polls that fail go on polling, and the copy catches up after.
		src.mu.Lock()
		src.versionErr = errors.New("connection lost")
		src.mu.Unlock()
		src.set(churnT)
		time.Sleep(300 * time.Millisecond)
		synctest.Wait()
		src.mu.Lock()
		src.versionErr = nil
		src.mu.Unlock()
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		if _, found, _ := lookup(g, "mql"); found {
			t.Fatal("the copy did not catch up once polls worked again")
		}
		g.Close()
		g.Close() // twice is fine
		reads := src.readCount()
		src.set(mqlT)
		time.Sleep(time.Second)
		synctest.Wait()
		if src.readCount() != reads {
			t.Fatal("the copy polled after Close")
		}
	})
}
