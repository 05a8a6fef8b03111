package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"
)

// These tests are internal to see the cache's size; the others in this
// package test from outside (store_test).

var cacheAnn = Actor{ID: "UANN", Name: "Ann"}

// mustOpenTestDB opens file, and closes it when the test ends.
func mustOpenTestDB(tb testing.TB, file string) *DB {
	tb.Helper()
	db, err := Open(context.Background(), file)
	if err != nil {
		tb.Fatalf("Open(%q): %v", file, err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return db
}

func mustAddCached(tb testing.TB, db *DB, t Term) Term {
	tb.Helper()
	saved, err := db.AddTerm(context.Background(), t, cacheAnn)
	if err != nil {
		tb.Fatalf("AddTerm(%q): %v", t.Name, err)
	}
	return saved
}

func cachedMQL() Term {
	return Term{Name: "Marketing Qualified Lead", Aliases: []string{"MQL", "M.Q.L."},
		Category: "Funnel", Definition: "A lead marketing judges ready for sales to contact."}
}

// mustTerm looks name up and fails the test on any error but not found.
func mustTerm(tb testing.TB, db *DB, name string) (Term, bool) {
	tb.Helper()
	t, err := db.Term(context.Background(), name)
	if errors.Is(err, ErrNotFound) {
		return Term{}, false
	}
	if err != nil {
		tb.Fatalf("Term(%q): %v", name, err)
	}
	return t, true
}

func TestTermCacheRepeatedLookup(t *testing.T) {
	ctx := context.Background()
	db := mustOpenTestDB(t, filepath.Join(t.TempDir(), "cache.db"))
	saved := mustAddCached(t, db, cachedMQL())
	for _, name := range []string{"MQL", "mql", "m.q.l.", "marketing  qualified lead", "MQL"} {
		got, ok := mustTerm(t, db, name)
		if !ok || !reflect.DeepEqual(got, saved) {
			t.Fatalf("Term(%q) = %+v, %v; want %+v", name, got, ok, saved)
		}
	}
	got, err := db.TermByID(ctx, saved.ID)
	if err != nil || !reflect.DeepEqual(got, saved) {
		t.Fatalf("TermByID(%d) = %+v, %v; want %+v", saved.ID, got, err, saved)
	}
	// The copy holds the glossary: one term, found by its name and aliases.
	db.terms.mu.Lock()
	defer db.terms.mu.Unlock()
	if !db.terms.loaded || len(db.terms.byID) != 1 || len(db.terms.byKey) != 3 {
		t.Fatalf("copy: loaded %v, %d terms, %d keys; want 1 term, 3 keys", db.terms.loaded, len(db.terms.byID), len(db.terms.byKey))
	}
}

func TestTermCacheSeesChanges(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		change func(t *testing.T, db *DB, mql Term)
		want   map[string]string // name or alias looked up -> Definition, "" for not found
	}{
		{
			name: "edit definition",
			change: func(t *testing.T, db *DB, mql Term) {
				mql.Definition = "Edited."
				if _, err := db.UpdateTerm(ctx, mql, cacheAnn); err != nil {
					t.Fatalf("UpdateTerm: %v", err)
				}
			},
			want: map[string]string{"MQL": "Edited.", "Marketing Qualified Lead": "Edited."},
		},
		{
			name: "add alias",
			change: func(t *testing.T, db *DB, mql Term) {
				mql.Aliases = append(mql.Aliases, "Hot lead")
				if _, err := db.UpdateTerm(ctx, mql, cacheAnn); err != nil {
					t.Fatalf("UpdateTerm: %v", err)
				}
			},
			want: map[string]string{"hot lead": cachedMQL().Definition},
		},
		{
			name: "remove alias",
			change: func(t *testing.T, db *DB, mql Term) {
				mql.Aliases = mql.Aliases[:1]
				if _, err := db.UpdateTerm(ctx, mql, cacheAnn); err != nil {
					t.Fatalf("UpdateTerm: %v", err)
				}
			},
			want: map[string]string{"M.Q.L.": "", "MQL": cachedMQL().Definition},
		},
		{
			name: "rename",
			change: func(t *testing.T, db *DB, mql Term) {
				mql.Name = "Qualified Lead"
				if _, err := db.UpdateTerm(ctx, mql, cacheAnn); err != nil {
					t.Fatalf("UpdateTerm: %v", err)
				}
			},
			want: map[string]string{"Marketing Qualified Lead": "", "qualified lead": cachedMQL().Definition},
		},
		{
			name: "delete",
			change: func(t *testing.T, db *DB, mql Term) {
				if err := db.DeleteTerm(ctx, mql.ID); err != nil {
					t.Fatalf("DeleteTerm: %v", err)
				}
			},
			want: map[string]string{"MQL": "", "Marketing Qualified Lead": ""},
		},
		{
			name: "add",
			change: func(t *testing.T, db *DB, _ Term) {
				mustAddCached(t, db, Term{Name: "Hot lead", Definition: "Added."})
			},
			want: map[string]string{"hot lead": "Added.", "MQL": cachedMQL().Definition},
		},
		{
			name: "import",
			change: func(t *testing.T, db *DB, _ Term) {
				ds := Dataset{Version: DatasetVersion, Terms: []TermRecord{
					{Name: "Marketing Qualified Lead", Aliases: []string{"MQL"}, Definition: "Imported."},
					{Name: "Hot lead", Definition: "Imported too."},
				}}
				if _, err := db.Import(ctx, ds, ImportOptions{By: cacheAnn}); err != nil {
					t.Fatalf("Import: %v", err)
				}
			},
			want: map[string]string{"MQL": "Imported.", "M.Q.L.": "", "hot lead": "Imported too."},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := mustOpenTestDB(t, filepath.Join(t.TempDir(), "cache.db"))
			mql := mustAddCached(t, db, cachedMQL())
			// Fill the cache, misses included.
			for name := range tc.want {
				mustTerm(t, db, name)
			}
			if _, err := db.TermByID(ctx, mql.ID); err != nil {
				t.Fatalf("TermByID: %v", err)
			}
			tc.change(t, db, mql)
			for name, def := range tc.want {
				got, ok := mustTerm(t, db, name)
				if def == "" && ok {
					t.Fatalf("Term(%q) = %+v, want ErrNotFound", name, got)
				}
				if def != "" && got.Definition != def {
					t.Fatalf("Term(%q).Definition = %q (found %v), want %q", name, got.Definition, ok, def)
				}
			}
			byID, err := db.TermByID(ctx, mql.ID)
			if want, _ := mustTerm(t, db, "MQL"); errors.Is(err, ErrNotFound) != (want.ID == 0) || byID.Definition != want.Definition {
				t.Fatalf("TermByID(%d) = %+v, %v; want %+v", mql.ID, byID, err, want)
			}
		})
	}
}

// TestTermCacheSeesOtherProcess edits through a second Open of the file, as
// `smarketing import` does while the bot runs.
func TestTermCacheSeesOtherProcess(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "cache.db")
	bot := mustOpenTestDB(t, file)
	cli := mustOpenTestDB(t, file)
	// Ask SQLite on every lookup: by default a change by another process
	// shows within termRecheck (TestTermCacheRecheck).
	bot.terms.mu.Lock()
	bot.terms.recheck = -1
	bot.terms.mu.Unlock()
	mql := mustAddCached(t, bot, cachedMQL())
	mustTerm(t, bot, "MQL")
	mustTerm(t, bot, "Hot lead")

	mql.Definition = "Edited by the CLI."
	if _, err := cli.UpdateTerm(ctx, mql, cacheAnn); err != nil {
		t.Fatalf("UpdateTerm: %v", err)
	}
	if got, _ := mustTerm(t, bot, "MQL"); got.Definition != mql.Definition {
		t.Fatalf("Definition after the CLI's edit = %q, want %q", got.Definition, mql.Definition)
	}
	mustAddCached(t, cli, Term{Name: "Hot lead", Definition: "Added by the CLI."})
	if got, ok := mustTerm(t, bot, "hot lead"); !ok || got.Definition != "Added by the CLI." {
		t.Fatalf("Term(hot lead) after the CLI's add = %+v, %v; want it", got, ok)
	}
	mustTerm(t, bot, "MQL")
	if err := cli.DeleteTerm(ctx, mql.ID); err != nil {
		t.Fatalf("DeleteTerm: %v", err)
	}
	if got, ok := mustTerm(t, bot, "MQL"); ok {
		t.Fatalf("Term(MQL) after the CLI's delete = %+v, want ErrNotFound", got)
	}
}

func TestTermCacheReturnsCopies(t *testing.T) {
	ctx := context.Background()
	db := mustOpenTestDB(t, filepath.Join(t.TempDir(), "cache.db"))
	saved := mustAddCached(t, db, cachedMQL())
	want := []string{"MQL", "M.Q.L."}
	for i := range 3 { // the first a miss, then hits
		got, _ := mustTerm(t, db, "MQL")
		if !reflect.DeepEqual(got.Aliases, want) {
			t.Fatalf("lookup %d: Aliases = %q, want %q", i, got.Aliases, want)
		}
		got.Aliases[0] = "changed"
		_ = append(got.Aliases[:1], "appended")
		byID, err := db.TermByID(ctx, saved.ID)
		if err != nil || !reflect.DeepEqual(byID.Aliases, want) {
			t.Fatalf("lookup %d: TermByID Aliases = %q, %v; want %q", i, byID.Aliases, err, want)
		}
		byID.Aliases[1] = "changed"
	}
}

func TestLoadTerms(t *testing.T) {
	db := mustOpenTestDB(t, filepath.Join(t.TempDir(), "cache.db"))
	mustAddCached(t, db, cachedMQL())
	db.terms.mu.Lock()
	db.terms.loaded = false
	db.terms.mu.Unlock()
	if err := db.LoadTerms(context.Background()); err != nil {
		t.Fatal(err)
	}
	db.terms.mu.Lock()
	defer db.terms.mu.Unlock()
	if !db.terms.loaded || len(db.terms.byID) != 1 {
		t.Fatalf("after LoadTerms: loaded %v with %d terms, want the one term", db.terms.loaded, len(db.terms.byID))
	}
}

// TestTermCacheRecheck: a change by another process shows once the copy
// has gone unconfirmed for the recheck interval, and not before.
func TestTermCacheRecheck(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "cache.db")
	bot := mustOpenTestDB(t, file)
	cli := mustOpenTestDB(t, file)
	bot.terms.mu.Lock()
	bot.terms.recheck = time.Hour
	bot.terms.mu.Unlock()
	mql := mustAddCached(t, bot, cachedMQL())
	mustTerm(t, bot, "MQL")
	mql.Definition = "Edited by the CLI."
	if _, err := cli.UpdateTerm(ctx, mql, cacheAnn); err != nil {
		t.Fatalf("UpdateTerm: %v", err)
	}
	if got, _ := mustTerm(t, bot, "MQL"); got.Definition != cachedMQL().Definition {
		t.Fatalf("within the recheck interval: Definition = %q, want the copy's %q", got.Definition, cachedMQL().Definition)
	}
	bot.terms.mu.Lock()
	bot.terms.checked = bot.terms.checked.Add(-2 * time.Hour) // the interval has passed
	bot.terms.mu.Unlock()
	if got, _ := mustTerm(t, bot, "MQL"); got.Definition != mql.Definition {
		t.Fatalf("after the recheck interval: Definition = %q, want %q", got.Definition, mql.Definition)
	}
}

// TestTermCacheLimit: a glossary over the limit is not copied, and lookups
// read SQLite and stay right.
func TestTermCacheLimit(t *testing.T) {
	db := mustOpenTestDB(t, filepath.Join(t.TempDir(), "cache.db"))
	const n = 50
	for i := range n {
		mustAddCached(t, db, Term{Name: fmt.Sprintf("Term %02d", i), Definition: "Some words."})
	}
	for _, tc := range []struct {
		limit  int
		copied bool
	}{{limit: 10 * termSize(Term{Name: "Term 00", Definition: "Some words."}), copied: false}, {limit: 0, copied: true}} {
		db.terms.mu.Lock()
		db.terms.loaded, db.terms.limit = false, tc.limit
		db.terms.mu.Unlock()
		for i := range n {
			name := fmt.Sprintf("term %02d", i)
			if got, ok := mustTerm(t, db, name); !ok || Key(got.Name) != name {
				t.Fatalf("limit %d: Term(%q) = %+v, %v", tc.limit, name, got, ok)
			}
		}
		if _, ok := mustTerm(t, db, "no such term"); ok {
			t.Fatalf("limit %d: found a term that does not exist", tc.limit)
		}
		db.terms.mu.Lock()
		copied, terms, size := !db.terms.tooBig, len(db.terms.byID), db.terms.size
		db.terms.mu.Unlock()
		if copied != tc.copied || (copied && terms != n) || (!copied && (terms != 0 || size != 0)) {
			t.Fatalf("limit %d: copied %v with %d terms, %d bytes; want copied %v", tc.limit, copied, terms, size, tc.copied)
		}
	}
}

// TestTermCacheConcurrent runs lookups while the term changes: each lookup
// that starts after an edit returned sees that edit (or a later one).
func TestTermCacheConcurrent(t *testing.T) {
	ctx := context.Background()
	db := mustOpenTestDB(t, filepath.Join(t.TempDir(), "cache.db"))
	mql := mustAddCached(t, db, cachedMQL())
	var (
		mu     sync.Mutex
		edited int // the last edit that returned
	)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				mu.Lock()
				floor := edited
				mu.Unlock()
				got, err := db.Term(ctx, "MQL")
				if err != nil {
					t.Errorf("Term: %v", err)
					return
				}
				var seen int
				fmt.Sscanf(got.Definition, "Edit %d.", &seen)
				if seen < floor {
					t.Errorf("Term after edit %d returned = %q", floor, got.Definition)
					return
				}
			}
		}()
	}
	for i := 1; i <= 30; i++ {
		mql.Definition = fmt.Sprintf("Edit %d.", i)
		if _, err := db.UpdateTerm(ctx, mql, cacheAnn); err != nil {
			t.Fatalf("UpdateTerm: %v", err)
		}
		mu.Lock()
		edited = i
		mu.Unlock()
		time.Sleep(time.Millisecond)
	}
	close(done)
	wg.Wait()
}

// BenchmarkTermLookup looks up one term of 1,000 as /term does, with a
// request's cancellable context: "cached" from the copy, "reload" reading
// the whole glossary first (as after a change), "uncached" straight from
// SQLite as before the copy.
func BenchmarkTermLookup(b *testing.B) {
	db := mustOpenTestDB(b, filepath.Join(b.TempDir(), "bench.db"))
	for i := range 1000 {
		mustAddCached(b, db, Term{Name: fmt.Sprintf("Term %04d", i), Aliases: []string{fmt.Sprintf("T%04d", i)},
			Definition: "A lead that marketing judges ready for sales to contact, long enough to look like a real one."})
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.Term(ctx, "t0500"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reload", func(b *testing.B) {
		for b.Loop() {
			db.terms.mu.Lock()
			db.terms.loaded = false
			db.terms.mu.Unlock()
			if _, err := db.Term(ctx, "t0500"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("uncached", func(b *testing.B) {
		for b.Loop() {
			key := Key("t0500")
			if _, err := db.termWhere(ctx, db.sql, "t.id = (SELECT term_id FROM term_keys WHERE key = ?)", key); err != nil {
				b.Fatal(err)
			}
		}
	})
}
