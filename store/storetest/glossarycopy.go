package storetest

import (
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"smarketing/store"
)

// The backends answer Term and TermByID from an in-memory copy of the
// glossary (store/glossary.go); these tests hold it to what the database
// says.
var glossaryCopyTests = []subtest{
	{"RepeatedLookups", testCopyRepeatedLookups},
	{"SeesOwnChanges", testCopySeesOwnChanges},
	{"ReturnsCopies", testCopyReturnsCopies},
	{"SeesOtherInstance", testCopySeesOtherInstance},
	{"ConcurrentLookupsDuringEdits", testCopyConcurrent},
}

func testCopyRepeatedLookups(t *testing.T, s *suite) {
	db := s.open(t)
	saved := db.mustAdd(t, mqlTerm(), ann)
	for _, name := range []string{"MQL", "mql", "m.q.l.", "marketing  qualified lead", "MQL"} {
		if got, ok := db.lookup(t, name); !ok || !reflect.DeepEqual(got, saved) {
			t.Fatalf("Term(%q) = %+v, %v; want %+v", name, got, ok, saved)
		}
	}
	for range 3 {
		if got, err := db.TermByID(ctx, saved.ID); err != nil || !reflect.DeepEqual(got, saved) {
			t.Fatalf("TermByID(%d) = %+v, %v; want %+v", saved.ID, got, err, saved)
		}
	}
	for range 3 {
		if _, ok := db.lookup(t, "no such term"); ok {
			t.Fatalf("found a term that does not exist")
		}
	}
}

// A change made through the store is seen by the next lookup, however
// the lookups before it were answered.
func testCopySeesOwnChanges(t *testing.T, s *suite) {
	tests := []struct {
		name   string
		change func(t *testing.T, db *tdb, mql store.Term)
		want   map[string]string // name or alias looked up -> Definition, "" for not found
	}{
		{
			name: "edit definition",
			change: func(t *testing.T, db *tdb, mql store.Term) {
				mql.Definition = "Edited."
				db.mustUpdate(t, mql, ann)
			},
			want: map[string]string{"MQL": "Edited.", "Marketing Qualified Lead": "Edited."},
		},
		{
			name: "add alias",
			change: func(t *testing.T, db *tdb, mql store.Term) {
				mql.Aliases = append(mql.Aliases, "Hot lead")
				db.mustUpdate(t, mql, ann)
			},
			want: map[string]string{"hot lead": mqlTerm().Definition},
		},
		{
			name: "remove alias",
			change: func(t *testing.T, db *tdb, mql store.Term) {
				mql.Aliases = mql.Aliases[:1]
				db.mustUpdate(t, mql, ann)
			},
			want: map[string]string{"M.Q.L.": "", "MQL": mqlTerm().Definition},
		},
		{
			name: "rename",
			change: func(t *testing.T, db *tdb, mql store.Term) {
				mql.Name = "Qualified Lead"
				db.mustUpdate(t, mql, ann)
			},
			want: map[string]string{"Marketing Qualified Lead": "", "qualified lead": mqlTerm().Definition},
		},
		{
			name: "delete",
			change: func(t *testing.T, db *tdb, mql store.Term) {
				if err := db.DeleteTerm(ctx, mql.ID); err != nil {
					t.Fatalf("DeleteTerm: %v", err)
				}
			},
			want: map[string]string{"MQL": "", "Marketing Qualified Lead": ""},
		},
		{
			name: "add",
			change: func(t *testing.T, db *tdb, _ store.Term) {
				db.mustAdd(t, store.Term{Name: "Hot lead", Definition: "Added."}, ann)
			},
			want: map[string]string{"hot lead": "Added.", "MQL": mqlTerm().Definition},
		},
		{
			name: "import",
			change: func(t *testing.T, db *tdb, _ store.Term) {
				ds := store.Dataset{Version: store.DatasetVersion, Terms: []store.TermRecord{
					{Name: "Marketing Qualified Lead", Aliases: []string{"MQL"}, Definition: "Imported."},
					{Name: "Hot lead", Definition: "Imported too."},
				}}
				if _, err := db.Import(ctx, ds, store.ImportOptions{By: ann, Overwrite: true}); err != nil {
					t.Fatalf("Import: %v", err)
				}
			},
			want: map[string]string{"MQL": "Imported.", "M.Q.L.": "", "hot lead": "Imported too."},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := s.open(t)
			mql := db.mustAdd(t, mqlTerm(), ann)
			// Look everything up first, misses included.
			for name := range tc.want {
				db.lookup(t, name)
			}
			if _, err := db.TermByID(ctx, mql.ID); err != nil {
				t.Fatalf("TermByID: %v", err)
			}
			tc.change(t, db, mql)
			for name, def := range tc.want {
				got, ok := db.lookup(t, name)
				if def == "" && ok {
					t.Errorf("Term(%q) = %+v, want ErrNotFound", name, got)
				}
				if def != "" && got.Definition != def {
					t.Errorf("Term(%q).Definition = %q (found %v), want %q", name, got.Definition, ok, def)
				}
			}
			// TermByID agrees with Term.
			byID, err := db.TermByID(ctx, mql.ID)
			want, found := db.lookup(t, "MQL")
			if found && want.ID != mql.ID {
				found, want = false, store.Term{}
			}
			if isNotFound(err) == found || (found && !reflect.DeepEqual(byID, want)) {
				t.Errorf("TermByID(%d) = %+v, %v; want %+v (found %v)", mql.ID, byID, err, want, found)
			}
		})
	}
}

// What a lookup returns is the caller's: changing it changes nothing stored.
func testCopyReturnsCopies(t *testing.T, s *suite) {
	db := s.open(t)
	saved := db.mustAdd(t, mqlTerm(), ann)
	want := []string{"MQL", "M.Q.L."}
	for i := range 3 {
		got, _ := db.lookup(t, "MQL")
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
		terms := db.mustTerms(t)
		terms[0].Aliases[0] = "changed"
	}
	if got, _ := db.lookup(t, "changed"); got.ID != 0 {
		t.Fatalf("a changed copy became a key: %+v", got)
	}
}

// A change made by another instance on the same data (another bot, the
// CLI beside it) shows in lookups within a second.
func testCopySeesOtherInstance(t *testing.T, s *suite) {
	bot := s.open(t)
	cli := s.reopen(t, bot.DSN, Start)
	mql := bot.mustAdd(t, mqlTerm(), ann)
	bot.lookup(t, "MQL")
	bot.lookup(t, "Hot lead")

	eventually := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not seen by the other instance within 1s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	mql.Definition = "Edited by the CLI."
	cli.mustUpdate(t, mql, ann)
	eventually("update", func() bool {
		got, _ := bot.lookup(t, "MQL")
		byID, _ := bot.TermByID(ctx, mql.ID)
		return got.Definition == mql.Definition && byID.Definition == mql.Definition
	})
	cli.mustAdd(t, store.Term{Name: "Hot lead", Definition: "Added by the CLI."}, ann)
	eventually("add", func() bool {
		got, ok := bot.lookup(t, "hot lead")
		return ok && got.Definition == "Added by the CLI."
	})
	if err := cli.DeleteTerm(ctx, mql.ID); err != nil {
		t.Fatalf("DeleteTerm: %v", err)
	}
	eventually("delete", func() bool {
		_, ok := bot.lookup(t, "MQL")
		_, err := bot.TermByID(ctx, mql.ID)
		return !ok && isNotFound(err)
	})
	// And the other way round.
	bot.mustAdd(t, store.Term{Name: "Churn", Definition: "Added by the bot."}, ann)
	eventually("add by the first", func() bool {
		_, ok := cli.lookup(t, "churn")
		return ok
	})
}

// Lookups run while the term changes: each lookup that starts after an
// edit returned sees that edit (or a later one).
func testCopyConcurrent(t *testing.T, s *suite) {
	db := s.open(t)
	mql := db.mustAdd(t, mqlTerm(), ann)
	var edited atomic.Int64 // the last edit that returned
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				floor := edited.Load()
				got, err := db.Term(ctx, "MQL")
				if err != nil {
					t.Errorf("Term: %v", err)
					return
				}
				var seen int64
				fmt.Sscanf(got.Definition, "Edit %d.", &seen)
				if seen < floor {
					t.Errorf("Term after edit %d returned = %q", floor, got.Definition)
					return
				}
			}
		})
	}
	for i := int64(1); i <= 30; i++ {
		mql.Definition = fmt.Sprintf("Edit %d.", i)
		db.mustUpdate(t, mql, ann)
		edited.Store(i)
	}
	close(done)
	wg.Wait()
}
