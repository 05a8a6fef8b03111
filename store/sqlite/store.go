// Package sqlite is the embedded backend of [store]: one SQLite file
// (mattn/go-sqlite3, WAL), the default. Its schema lives in migrations/,
// its full-text search is FTS4. Everything an instance acknowledges is
// committed with synchronous=FULL first, so it survives a crash and a
// power cut.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3" // also registers the "sqlite3" driver

	"smarketing/store"
	"smarketing/store/safefile"
	"smarketing/store/sqlcore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

func init() {
	store.Register(store.Backend{
		Name:    "sqlite",
		Accepts: func(dsn string) bool { return !store.IsPostgres(dsn) },
		Open: func(ctx context.Context, dsn string, opt store.Options) (store.Store, error) {
			return Open(ctx, dsn, opt)
		},
	})
}

// DB is an open smarketing SQLite database.
type DB struct {
	*sqlcore.DB // the SQL both backends share
	file        string
	sql         *sql.DB // readers: many connections, never blocked by writers (WAL)
	// w is the one writer connection. Writers queue for it here, in Go,
	// instead of in SQLite's busy handler, which sleeps up to 100 ms
	// between tries and makes a burst of events crawl.
	w   *sql.DB
	now func() time.Time
	log *slog.Logger

	glossary *store.GlossaryCopy

	closing   chan struct{}
	closeOnce sync.Once
	closeErr  error
	stopped   sync.WaitGroup
}

var _ store.Store = (*DB)(nil)

// Open opens (creating if needed) the SQLite database at file and brings its
// schema up to date.
func Open(ctx context.Context, file string, opt store.Options) (*DB, error) {
	if file == "" {
		return nil, errors.New("open database: empty file name")
	}
	file = strings.TrimPrefix(file, "sqlite:")
	// A new database is readable by its owner only, whatever the umask:
	// SQLite gives the -wal, -shm and -journal files it creates the mode of
	// the database file.
	if err := safefile.CreateNew(file); err != nil {
		return nil, fmt.Errorf("create database: %w", err)
	}
	// Settings live in the DSN so every pooled connection gets them.
	q := url.Values{}
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", "10000")
	q.Set("_journal_mode", "WAL")
	// FULL: a commit is on disk before it returns, so an acknowledged
	// event survives a power cut, not only a killed process.
	q.Set("_synchronous", "FULL")
	q.Set("_txlock", "immediate")
	// Reuse prepared statements per connection: preparing was a quarter of
	// the CPU of recording a reaction (BENCHMARKS.md).
	q.Set("_stmt_cache_size", "64")
	dsn := "file:" + (&url.URL{Path: file}).EscapedPath() + "?" + q.Encode()
	readers, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	writer := sql.OpenDB(connector{dsn: dsn, driver: &sqlite3.SQLiteDriver{ConnectHook: setUpWriter}})
	writer.SetMaxOpenConns(1)
	db := &DB{file: file, sql: readers, w: writer, now: opt.Clock(), log: opt.Logger().With("component", "store"),
		closing: make(chan struct{})}
	db.DB = sqlcore.New(sqlcore.NewEngine(db.read, db.write, querier{db.sql}), dialect{}, opt)
	if err := db.init(ctx); err != nil {
		err = errors.Join(fmt.Errorf("open database %s: %w", file, err), readers.Close(), writer.Close())
		return nil, err
	}
	db.glossary = sqlcore.NewGlossary(db.DB, db.log, 0)
	if err := db.glossary.Load(ctx); err != nil {
		err = errors.Join(fmt.Errorf("open database %s: load glossary: %w", file, err), readers.Close(), writer.Close())
		return nil, err
	}
	db.glossary.Watch(0)
	db.StartEvents(db.log)
	db.stopped.Add(1)
	every := checkpointInterval
	go func() {
		defer db.stopped.Done()
		db.checkpointer(every)
	}()
	db.log.Debug("database open", "backend", "sqlite", "file", file, "synchronous", "FULL", "journal_mode", "WAL")
	return db, nil
}

// Files returns the files of the SQLite database at dsn: the database and
// the -wal, -shm and -journal files SQLite keeps beside it.
func Files(dsn string) []string {
	file := strings.TrimPrefix(dsn, "sqlite:")
	return []string{file, file + "-wal", file + "-shm", file + "-journal"}
}

// Backend names the backend, its file and its durability mode.
func (db *DB) Backend() string { return "sqlite " + db.file + " (WAL, synchronous=FULL)" }

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.sql.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// setUpWriter prepares a writer connection (not in the DSN: the driver has
// no keys for these).
func setUpWriter(conn *sqlite3.SQLiteConn) error {
	for _, pragma := range []string{
		// Statement journals (one per statement in a savepoint, so one for
		// nearly every write of an event) in memory: in temporary files
		// they cost a file write each, and an event 3-4 times the CPU
		// (BENCHMARKS.md).
		"PRAGMA temp_store=MEMORY",
		// The checkpointer does this off the commit path.
		"PRAGMA wal_autocheckpoint=0",
		// The writer's page cache: 16 MB instead of SQLite's 2 MB keeps the
		// index pages a burst of reactions walks (leads, feedback,
		// lead_reactions, seen_events) in memory across batches.
		"PRAGMA cache_size=-16384",
	} {
		if _, err := conn.Exec(pragma, nil); err != nil {
			return fmt.Errorf("%s: %w", pragma, err)
		}
	}
	return nil
}

// connector opens connections to dsn with driver, whose ConnectHook sets
// each one up.
type connector struct {
	dsn    string
	driver *sqlite3.SQLiteDriver
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.driver.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.driver }

func (db *DB) init(ctx context.Context) error {
	var mode, sync string
	if err := db.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, want wal", mode)
	}
	if err := db.w.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
		return err
	}
	if sync != "2" { // FULL
		return fmt.Errorf("synchronous is %s, want 2 (FULL)", sync)
	}
	return db.migrate(ctx)
}

// Close applies the events queued, stops the background work, then closes
// the database (SQLite checkpoints the WAL when its last connection
// closes). It returns the first error.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.StopEvents()
		db.glossary.Close()
		close(db.closing)
		db.stopped.Wait()
		db.closeErr = errors.Join(db.w.Close(), db.sql.Close())
	})
	return db.closeErr
}

// Tx is one transaction. Every read and write of a method goes through
// it; it carries the transaction's time, and what must change with the
// write, so that no rule depends on each method remembering it.
type Tx struct {
	*sqlcore.Tx         // for the shared SQL: its time, and what changed
	q           txer    // the transaction, or Import's statement cache over it
	sqltx       *sql.Tx // the write transaction; nil in a read
}

func newTx(q txer, sqltx *sql.Tx, now time.Time) *Tx {
	return &Tx{Tx: &sqlcore.Tx{Querier: querier{q}, Now: now}, q: q, sqltx: sqltx}
}

// use runs every later statement of tx through q.
func (tx *Tx) use(q txer) {
	tx.q = q
	tx.Querier = querier{q}
}

// txer is what reads and writes need of a transaction.
type txer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.q.ExecContext(ctx, query, args...)
}

func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.q.QueryContext(ctx, query, args...)
}

func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.q.QueryRowContext(ctx, query, args...)
}

// queryer is what a read needs: a [*Tx], or the reader pool itself for a
// single statement.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// write runs fn in one write transaction on the writer connection,
// committed if fn returns nil and rolled back otherwise.
func (db *DB) write(ctx context.Context, fn func(tx *Tx) error) error {
	sqltx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer db.rollback(sqltx)
	tx := newTx(sqltx, sqltx, db.now().UTC())
	if err := fn(tx); err != nil {
		return err
	}
	if tx.TermsChanged {
		// WHERE on the key makes this a one-row write: no statement
		// journal, whose savepoint would flush the full-text index's
		// pending terms. (Not a trigger: see migration 0008.)
		if _, err := sqltx.ExecContext(ctx, "UPDATE terms_version SET n = n + 1 WHERE id = 1"); err != nil {
			return fmt.Errorf("move terms version: %w", err)
		}
	}
	if err := sqltx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if tx.TermsChanged {
		db.glossary.Reload(ctx)
	}
	return nil
}

// rollback ends a transaction that did not commit; after a commit it does
// nothing. A failed rollback is logged: the connection may be unusable.
func (db *DB) rollback(tx *sql.Tx) {
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		db.log.Error("roll back", "err", err)
	}
}

// read runs fn in one read transaction (a snapshot) on a reader
// connection: every query sees the same state, and writers are not
// blocked (WAL).
func (db *DB) read(ctx context.Context, fn func(tx *Tx) error) error {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer func() {
		if err := conn.Close(); err != nil {
			db.log.Warn("close reader connection", "err", err)
		}
	}()
	// BEGIN by hand: the driver's BeginTx would take the write lock
	// (_txlock=immediate) and stall the bot for the whole read.
	if _, err := conn.ExecContext(ctx, "BEGIN DEFERRED"); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); err != nil {
			db.log.Warn("end snapshot", "err", err)
		}
	}()
	return fn(newTx(conn, nil, db.now().UTC()))
}

// migrate brings the schema up to date ([sqlcore.DB.Migrate]).
func (db *DB) migrate(ctx context.Context) error {
	return db.Migrate(ctx, migrationFiles, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL)`, nil)
}

// IntegrityCheck runs PRAGMA integrity_check and returns its answer ("ok"
// for a healthy database).
func (db *DB) IntegrityCheck(ctx context.Context) (string, error) {
	var res string
	err := db.sql.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res)
	return res, err
}

// checkpointInterval is how often the WAL is copied back into the database
// (a variable for tests).
var checkpointInterval = 250 * time.Millisecond

// checkpointer moves the WAL into the database in two steps, so that a
// commit never pays for a whole checkpoint inside an acknowledgement and
// the WAL stays a few megabytes long:
//
//  1. from a reader connection (PASSIVE: it never waits for, nor blocks,
//     the writer), beside the writer: it copies nearly everything, but
//     under a steady stream of commits it never reaches the WAL's end;
//  2. then, if the first step left at most writerCheckpointFrames, from the
//     writer connection between two batches: it copies those few frames,
//     so the WAL is wholly in the database and the next commit starts it
//     over from its beginning. If the writer is busy for longer than
//     writerCheckpointWait (a long write), or the first step left more
//     (a reader's snapshot held them: a backup), the step waits for the
//     next tick: it must stay a short pause of the writer.
//
// Without the second step the WAL never starts over while events keep
// coming: it grew by 20 MB a second in BenchmarkStore/React16, without
// bound, and every commit appended to a growing file, whose flush is
// dearer than writing over it (BenchmarkDiskFlush, BENCHMARKS.md).
func (db *DB) checkpointer(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-db.closing:
			return
		case <-t.C:
			db.checkpointWAL()
		}
	}
}

// The second step of a checkpoint runs only if the first left at most
// writerCheckpointFrames (about 10 µs each to copy) and the writer is free
// within writerCheckpointWait.
const (
	writerCheckpointFrames = 128
	writerCheckpointWait   = 20 * time.Millisecond
)

// checkpointWAL runs the steps of [DB.checkpointer] once.
func (db *DB) checkpointWAL() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	left, err := checkpoint(ctx, db.sql)
	if err != nil {
		db.log.Debug("checkpoint", "err", err)
		return
	}
	if left > writerCheckpointFrames {
		return
	}
	wait, cancelWait := context.WithTimeout(ctx, writerCheckpointWait)
	conn, err := db.w.Conn(wait)
	cancelWait()
	if err != nil {
		return // the writer is busy: next tick
	}
	defer func() {
		if err := conn.Close(); err != nil {
			db.log.Warn("checkpoint: release the writer", "err", err)
		}
	}()
	if _, err := checkpoint(ctx, conn); err != nil {
		db.log.Debug("checkpoint from the writer", "err", err)
	}
}

// checkpoint runs one PASSIVE checkpoint on q and returns how many frames
// of the WAL it left uncopied (all of them if another checkpoint was
// running: a busy database just waits for the next tick).
func checkpoint(ctx context.Context, q queryer) (int, error) {
	var busy, frames, copied int
	if err := q.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
		return 0, err
	}
	if busy != 0 {
		return max(frames, writerCheckpointFrames+1), nil
	}
	return frames - copied, nil
}
