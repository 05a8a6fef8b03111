// Package store owns the bot's SQLite database: the schema and its
// migrations, and every query the rest of the bot needs.
package store

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/mattn/go-sqlite3" // also registers the "sqlite3" driver
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Sentinel errors returned by DB methods.
var (
	ErrNotFound  = errors.New("store: not found")
	ErrUnchanged = errors.New("store: nothing changed")
)

// ConflictError reports that a name or alias is already used by another
// record. Key is the clashing text, Owner the name of the record using it.
type ConflictError struct {
	Key   string
	Owner string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("store: %q is already used by %q", e.Key, e.Owner)
}

// Actor is who made a change: a Slack user ID and a display name.
type Actor struct {
	ID   string
	Name string
}

// DB is an open smarketing database.
type DB struct {
	sql *sql.DB // readers: many connections, never blocked by writers (WAL)
	// w is the one writer connection. Writers queue for it here, in Go,
	// instead of in SQLite's busy handler, which sleeps up to 100 ms
	// between tries and makes a burst of events crawl.
	w *sql.DB
	// Now returns the current time; tests may replace it.
	Now func() time.Time

	terms      termCache     // a copy of the glossary (termcache.go)
	termWrites atomic.Uint64 // changes to the terms committed through this DB

	in           inbox // events waiting for the event writer (inbox.go, writer.go)
	lastApplyErr atomic.Pointer[error]
	closing      chan struct{}
	closeOnce    sync.Once
	stopped      sync.WaitGroup
}

// Open opens (creating if needed) the SQLite database at file and brings its
// schema up to date.
func Open(ctx context.Context, file string) (*DB, error) {
	if file == "" {
		return nil, errors.New("open database: empty file name")
	}
	// Settings live in the DSN so every pooled connection gets them.
	q := url.Values{}
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", "10000")
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
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
	db := &DB{sql: readers, w: writer, Now: time.Now}
	if err := db.init(ctx); err != nil {
		readers.Close()
		writer.Close()
		return nil, fmt.Errorf("open database %s: %w", file, err)
	}
	if err := db.openInbox(ctx, file+"-inbox"); err != nil {
		readers.Close()
		writer.Close()
		return nil, fmt.Errorf("open database %s: %w", file, err)
	}
	db.startWriters()
	// Events a crash left in the inbox go in before anything reads.
	if !db.in.settle(ctx, time.Minute) {
		err := cmp.Or(ctx.Err(), errors.New("not applied within a minute"))
		if p := db.lastApplyErr.Load(); p != nil {
			err = *p
		}
		db.Close()
		return nil, fmt.Errorf("open database %s: replay inbox: %w", file, err)
	}
	return db, nil
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
		// The checkpointer does this off the commit path (writer.go).
		"PRAGMA wal_autocheckpoint=0",
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
	var mode string
	if err := db.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, want wal", mode)
	}
	return db.migrate(ctx)
}

// Close applies the events accepted, stops the writers, then closes the
// database (SQLite checkpoints the WAL when its last connection closes).
func (db *DB) Close() error {
	var err error
	db.closeOnce.Do(func() {
		db.in.close()
		close(db.closing)
		db.stopped.Wait()
		err = errors.Join(db.in.closeFile(), db.w.Close(), db.sql.Close())
	})
	return err
}

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and _", e.Name())
		}
		body, err := migrationFiles.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	rows, err := db.w.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	defer rows.Close()
	latest := 0
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		applied[v], latest = true, max(latest, v)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	rows.Close()
	if n := len(ms); n > 0 && latest > ms[n-1].version {
		return fmt.Errorf("schema version %d is newer than this smarketing knows (%d): upgrade smarketing", latest, ms[n-1].version)
	}
	// Every migration not applied yet, in order (not only those above the
	// highest applied: one added between two others still runs).
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		if err := db.apply(ctx, m); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

func (db *DB) apply(ctx context.Context, m migration) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Another process may have applied it while we waited for the lock.
	var done int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", m.version).Scan(&done); err != nil {
		return err
	}
	if done > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", m.version, time.Now().UnixNano()); err != nil {
		return err
	}
	return tx.Commit()
}

// inTx runs f in one write transaction on the writer connection, committed
// if f returns nil and rolled back otherwise.
func (db *DB) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// SchemaVersion returns the highest migration applied.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.sql.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v)
	return v, err
}

// IntegrityCheck runs PRAGMA integrity_check and returns its answer ("ok"
// for a healthy database).
func (db *DB) IntegrityCheck(ctx context.Context) (string, error) {
	var res string
	err := db.sql.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res)
	return res, err
}

// Key normalises a name for lookups: trimmed, inner spaces collapsed, and
// case-folded rune by rune (Unicode-aware, unlike SQLite's lower(); upper
// then lower makes "ς" and "σ" one letter, as "Σ" is).
func Key(s string) string {
	return strings.Map(func(r rune) rune { return unicode.ToLower(unicode.ToUpper(r)) }, strings.Join(strings.Fields(s), " "))
}

func nanos(t time.Time) int64 { return t.UTC().UnixNano() }

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }
