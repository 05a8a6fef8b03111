package sqlite

// Internal tests: the connections' settings and the glossary copy's
// fallback, which the contract cannot see. (This package cannot import
// storetest, which imports it.)

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"smarketing/store"
	"smarketing/store/sqlcore"
)

var cacheAnn = store.Actor{ID: "UANN", Name: "Ann"}

func mustOpenTestDB(tb testing.TB) *DB {
	tb.Helper()
	db, err := Open(context.Background(), filepath.Join(tb.TempDir(), "smarketing.db"), store.Options{})
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return db
}

// TestWriterConnectionSetUp: the writer connection keeps statement journals
// in memory (in files they made every event 3-4 times dearer) and leaves
// checkpoints to the checkpointer, also after database/sql replaces the
// connection.
func TestWriterConnectionSetUp(t *testing.T) {
	ctx := context.Background()
	db := mustOpenTestDB(t)
	for round := range 2 {
		var tempStore, autoCheckpoint int
		if err := db.w.QueryRowContext(ctx, "PRAGMA temp_store").Scan(&tempStore); err != nil {
			t.Fatal(err)
		}
		if err := db.w.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&autoCheckpoint); err != nil {
			t.Fatal(err)
		}
		if tempStore != 2 || autoCheckpoint != 0 {
			t.Fatalf("round %d: temp_store = %d, wal_autocheckpoint = %d; want 2 (memory) and 0", round, tempStore, autoCheckpoint)
		}
		// Make database/sql open a new writer connection.
		db.w.SetMaxIdleConns(0)
		db.w.SetMaxIdleConns(2)
	}
}

// TestConnectionSettings: every connection, writer and readers, new ones
// too, commits with synchronous=FULL (an acknowledged event survives a
// power cut), in WAL mode, with foreign keys on and a busy timeout.
func TestConnectionSettings(t *testing.T) {
	ctx := context.Background()
	db := mustOpenTestDB(t)
	for _, pool := range []struct {
		name string
		db   *sql.DB
	}{{"writer", db.w}, {"readers", db.sql}} {
		for round := range 2 {
			var sync, fk, busy int
			var mode string
			for _, p := range []struct {
				pragma string
				dest   any
			}{{"synchronous", &sync}, {"foreign_keys", &fk}, {"busy_timeout", &busy}, {"journal_mode", &mode}} {
				if err := pool.db.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(p.dest); err != nil {
					t.Fatalf("%s: PRAGMA %s: %v", pool.name, p.pragma, err)
				}
			}
			if sync != 2 || fk != 1 || busy != 10000 || mode != "wal" {
				t.Fatalf("%s, round %d: synchronous %d, foreign_keys %d, busy_timeout %d, journal_mode %s; want 2 (FULL), 1, 10000, wal",
					pool.name, round, sync, fk, busy, mode)
			}
			// Make database/sql open new connections.
			pool.db.SetMaxIdleConns(0)
			pool.db.SetMaxIdleConns(2)
		}
	}
}

// TestGlossaryCopyTooBig: a glossary over the copy's limit is not copied,
// and lookups and searches read the database and stay right.
func TestGlossaryCopyTooBig(t *testing.T) {
	ctx := context.Background()
	db := mustOpenTestDB(t)
	const n = 50
	var ids []int64
	for i := range n {
		saved, err := db.AddTerm(ctx, store.Term{Name: fmt.Sprintf("Term %02d", i), Aliases: []string{fmt.Sprintf("T%02d", i)}, Definition: "Some words."}, cacheAnn)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, saved.ID)
	}
	use := func(limit int) {
		db.glossary.Close()
		db.glossary = sqlcore.NewGlossary(db.DB, db.log, limit)
		if err := db.glossary.Load(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name   string
		limit  int
		copied bool
	}{{"too big", 10 * 300, false}, {"fits", 0, true}} {
		t.Run(tc.name, func(t *testing.T) {
			use(tc.limit)
			if _, _, usable := db.glossary.ByKey("t01"); usable != tc.copied {
				t.Fatalf("copy usable = %v, want %v", usable, tc.copied)
			}
			for i := range n {
				for _, q := range []string{fmt.Sprintf("term %02d", i), fmt.Sprintf("t%02d", i)} {
					got, err := db.Term(ctx, q)
					if err != nil || got.ID != ids[i] || len(got.Aliases) != 1 {
						t.Fatalf("Term(%q) = %+v, %v", q, got, err)
					}
				}
				if got, err := db.TermByID(ctx, ids[i]); err != nil || got.Name != fmt.Sprintf("Term %02d", i) {
					t.Fatalf("TermByID(%d) = %+v, %v", ids[i], got, err)
				}
			}
			if _, err := db.Term(ctx, "no such term"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("Term(no such term) err = %v, want ErrNotFound", err)
			}
			if _, err := db.TermByID(ctx, 9999); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("TermByID(9999) err = %v, want ErrNotFound", err)
			}
			if hits, err := db.SearchTerms(ctx, "words", 0); err != nil || len(hits) != n || len(hits[0].Aliases) != 1 {
				t.Fatalf("SearchTerms(words) = %d hits, %v; want %d with aliases", len(hits), err, n)
			}
			// Changes are seen either way.
			edit, _ := db.TermByID(ctx, ids[0])
			edit.Definition = "Some words, edited: " + tc.name
			if _, err := db.UpdateTerm(ctx, edit, cacheAnn); err != nil {
				t.Fatal(err)
			}
			if got, _ := db.Term(ctx, "t00"); got.Definition != edit.Definition {
				t.Fatalf("Term(t00) after an edit = %q, want %q", got.Definition, edit.Definition)
			}
		})
	}
}

// The search's two ways to the terms, from the copy and from the
// database, give the same answer.
func TestSearchTermsFromCopyOrDatabase(t *testing.T) {
	ctx := context.Background()
	db := mustOpenTestDB(t)
	ds := store.Dataset{}
	for i := range 700 { // more than one chunk of termsByID
		ds.Terms = append(ds.Terms, store.TermRecord{Name: fmt.Sprintf("Lead %03d", i), Aliases: []string{fmt.Sprintf("L%03d", i), fmt.Sprintf("Lx%03d", i)},
			Category: "c", Definition: "A lead."})
	}
	if _, err := db.Import(ctx, ds, store.ImportOptions{By: cacheAnn}); err != nil {
		t.Fatal(err)
	}
	fromCopy, err := db.SearchTerms(ctx, "lead", 0)
	if err != nil || len(fromCopy) != 700 {
		t.Fatalf("SearchTerms = %d, %v", len(fromCopy), err)
	}
	var ids []int64
	for _, tm := range fromCopy {
		ids = append(ids, tm.ID)
	}
	fromDB, err := sqlcore.TermsByID(ctx, querier{db.sql}, append(ids, 99999))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%+v", fromDB) != fmt.Sprintf("%+v", fromCopy) {
		t.Fatalf("termsByID differs from the copy's terms")
	}
}

// BenchmarkTermLookup looks up one term of 1,000 as /term does, with a
// request's cancellable context: "cached" from the copy, "reload" reading
// the whole glossary first (as after a change), "uncached" straight from
// SQLite as before the copy.
func BenchmarkTermLookup(b *testing.B) {
	db := mustOpenTestDB(b)
	ds := store.Dataset{}
	for i := range 1000 {
		ds.Terms = append(ds.Terms, store.TermRecord{Name: fmt.Sprintf("Term %04d", i), Aliases: []string{fmt.Sprintf("T%04d", i)},
			Definition: "A lead that marketing judges ready for sales to contact, long enough to look like a real one."})
	}
	if _, err := db.Import(context.Background(), ds, store.ImportOptions{By: cacheAnn}); err != nil {
		b.Fatal(err)
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
			db.glossary.Reload(ctx)
			if _, err := db.Term(ctx, "t0500"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("uncached", func(b *testing.B) {
		for b.Loop() {
			if _, err := sqlcore.TermWhere(ctx, querier{db.sql}, "t.id = (SELECT term_id FROM term_keys WHERE key = ?)", store.Key("t0500")); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestCheckpointStartsTheWALOver: under a steady stream of commits a
// checkpoint from a reader never brings the WAL back to its beginning, the
// checkpointer's two steps do (else the WAL grows without bound and every
// commit's flush is dearer).
func TestCheckpointStartsTheWALOver(t *testing.T) {
	ctx := context.Background()
	was := checkpointInterval
	t.Cleanup(func() { checkpointInterval = was }) // after the database closes
	checkpointInterval = time.Hour                 // the test checkpoints by hand
	db := mustOpenTestDB(t)
	if _, err := db.w.ExecContext(ctx, "CREATE TABLE churn (id INTEGER PRIMARY KEY, v BLOB)"); err != nil {
		t.Fatal(err)
	}
	var commits atomic.Int64
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if _, err := db.w.ExecContext(ctx, "INSERT INTO churn (v) VALUES (randomblob(3000))"); err != nil {
				done <- err
				return
			}
			commits.Add(1)
		}
	}()
	defer func() {
		close(stop)
		if err := <-done; err != nil {
			t.Errorf("writer: %v", err)
		}
	}()
	// frames checkpoints from a reader (the first step alone) and returns
	// how many frames the WAL holds from its beginning.
	frames := func() int {
		var busy, log, copied int
		if err := db.sql.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &copied); err != nil {
			t.Fatal(err)
		}
		return log
	}
	waitCommits := func(n int64) {
		deadline := time.Now().Add(20 * time.Second)
		for target := commits.Load() + n; commits.Load() < target; {
			if time.Now().After(deadline) {
				t.Fatalf("only %d commits in 20 s", commits.Load())
			}
			runtime.Gosched()
		}
	}
	waitCommits(200)
	first := frames()
	waitCommits(20)
	if second := frames(); second <= first {
		t.Fatalf("the WAL went from %d to %d frames after a reader's checkpoint and 20 commits: the premise of the second step is gone", first, second)
	}
	before := frames()
	db.checkpointWAL()
	waitCommits(20)
	if after := frames(); after >= before {
		t.Fatalf("the WAL holds %d frames after the checkpointer and 20 more commits, %d before: it did not start over", after, before)
	}
}

// BenchmarkDiskFlush measures the machine, not the code: what one commit's
// flush costs on the disk that holds the test's temporary directory, for
// 96 KB (about a batch of 16 reactions) written and then flushed
// (fdatasync, as SQLite does), over a file that keeps growing ("append", a
// WAL that never starts over) or in place ("overwrite"). Every durable
// acknowledgement waits for at least one of these (BENCHMARKS.md).
func BenchmarkDiskFlush(b *testing.B) {
	chunk := make([]byte, 96<<10)
	for _, mode := range []string{"append", "overwrite"} {
		b.Run(mode, func(b *testing.B) {
			f, err := os.Create(filepath.Join(b.TempDir(), "flush"))
			if err != nil {
				b.Fatal(err)
			}
			defer func() {
				if err := f.Close(); err != nil {
					b.Error(err)
				}
			}()
			if mode == "overwrite" {
				if err := f.Truncate(int64(len(chunk)) * 1000); err != nil {
					b.Fatal(err)
				}
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
			}
			var took []time.Duration
			for i := 0; b.Loop(); i++ {
				if mode == "overwrite" && i%1000 == 0 {
					if _, err := f.Seek(0, io.SeekStart); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := f.Write(chunk); err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				if err := syscall.Fdatasync(int(f.Fd())); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			at := func(p int) float64 { return float64(took[(len(took)-1)*p/100].Microseconds()) / 1000 }
			b.ReportMetric(at(50), "p50_ms")
			b.ReportMetric(at(99), "p99_ms")
		})
	}
}
