// Package postgres is the PostgreSQL backend of [store], for running
// several instances of the bot on one database: a pgx connection pool,
// its schema in migrations/, full-text search with a tsvector. Its
// semantics are SQLite's (store/sqlite, the reference backend): the same
// conformance suite runs on both.
//
// Every connection runs with synchronous_commit=on, so whatever an
// instance acknowledges is flushed to the server's WAL first. Writes run
// SERIALIZABLE, retried when PostgreSQL reports a serialization failure,
// so that a read-check-write (a rating, a name check, an agenda limit)
// sees what SQLite's single writer would, whichever instances write at
// once; reads run in REPEATABLE READ READ ONLY snapshots and wait for no
// writer.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"smarketing/store"
	"smarketing/store/sqlcore"
)

func init() {
	store.Register(store.Backend{
		Name:    "postgres",
		Accepts: store.IsPostgres,
		Open: func(ctx context.Context, dsn string, opt store.Options) (store.Store, error) {
			return Open(ctx, dsn, opt)
		},
	})
}

// DB is an open smarketing PostgreSQL database.
type DB struct {
	*sqlcore.DB        // the SQL both backends share
	url         string // redacted
	pool        *pgxpool.Pool
	now         func() time.Time
	log         *slog.Logger

	glossary *store.GlossaryCopy

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*DB)(nil)

// DefaultPoolSize is the connections an instance opens at most, unless the
// URL sets pool_max_conns.
const DefaultPoolSize = 8

// Open connects to the PostgreSQL database at dsn (a postgres:// or
// postgresql:// URL) and brings its schema up to date.
func Open(ctx context.Context, dsn string, opt store.Options) (*DB, error) {
	shown := redact(dsn)
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's message hides the password; shown does too.
		return nil, fmt.Errorf("open database %s: %w", shown, err)
	}
	// Set for every connection the pool opens, in its start-up packet: a
	// commit returns only once it is flushed to the WAL, whatever the
	// server's, the database's or the role's default.
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
	// No JIT: the store's statements are short, and a plan whose cost
	// estimate passes jit_above_cost (the figures per source, with a
	// subquery per lead) spent 40 times its run time compiling.
	cfg.ConnConfig.RuntimeParams["jit"] = "off"
	if !strings.Contains(dsn, "pool_max_conns") {
		// pgx's default is max(4, CPUs). One connection is the event
		// writer's and a backup or copy holds another, so 4 left slash
		// commands two; 8 per instance keeps ten instances inside
		// PostgreSQL's default max_connections (100).
		cfg.MaxConns = max(cfg.MaxConns, DefaultPoolSize)
	}
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "smarketing"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", shown, err)
	}
	db := &DB{url: shown, pool: pool, now: opt.Clock(), log: opt.Logger().With("component", "store")}
	db.DB = sqlcore.New(sqlcore.NewEngine(db.read, db.write, querier{db.pool}), dialect{}, opt)
	fail := func(what string, err error) (*DB, error) {
		pool.Close()
		return nil, fmt.Errorf("open database %s: %s%w", shown, what, err)
	}
	var version, syncCommit string
	if err := pool.QueryRow(ctx, "SELECT current_setting('server_version'), current_setting('synchronous_commit')").
		Scan(&version, &syncCommit); err != nil {
		return fail("", err)
	}
	if syncCommit != "on" {
		return fail("", fmt.Errorf("synchronous_commit is %q, want on", syncCommit))
	}
	if err := db.migrate(ctx); err != nil {
		return fail("", err)
	}
	db.glossary = sqlcore.NewGlossary(db.DB, db.log, 0)
	if err := db.glossary.Load(ctx); err != nil {
		return fail("load glossary: ", err)
	}
	db.glossary.Watch(0)
	db.StartEvents(db.log)
	db.log.Debug("database open", "backend", "postgres", "url", shown, "server_version", version,
		"synchronous_commit", syncCommit, "pool_max_conns", cfg.MaxConns, "isolation", "serializable writes, repeatable read snapshots")
	return db, nil
}

// redact returns dsn fit for logs: [store.Redact] hides a password in the
// user part, and a password=... parameter is hidden too.
func redact(dsn string) string {
	dsn = store.Redact(dsn)
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
		// url.URL.String would escape the "xxxxx" that Redact wrote.
		base, _, _ := strings.Cut(dsn, "?")
		return base + "?" + u.RawQuery
	}
	return dsn
}

// Backend names the backend and its database (password hidden).
func (db *DB) Backend() string { return "postgres " + db.url + " (synchronous_commit=on)" }

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

// Close applies the events queued, stops polling the glossary version,
// then closes the pool. It returns the first error.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.StopEvents()
		db.glossary.Close()
		db.pool.Close()
	})
	return db.closeErr
}

// Tx is one transaction. Every read and write of a method goes through
// it; it carries the transaction's time, and what must change with the
// write, so that no rule depends on each method remembering it.
type Tx struct {
	*sqlcore.Tx        // for the shared SQL: its time, and what changed
	q           pgx.Tx // for this backend's own
}

func newTx(q pgx.Tx, now time.Time) *Tx {
	return &Tx{Tx: &sqlcore.Tx{Querier: querier{q}, Now: now}, q: q}
}

func (tx *Tx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return tx.q.Exec(ctx, sql, args...)
}

func (tx *Tx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return tx.q.Query(ctx, sql, args...)
}

func (tx *Tx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return tx.q.QueryRow(ctx, sql, args...)
}

// queryer is what a read needs: a [*Tx], or the pool itself for a single
// statement.
type queryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

var (
	_ queryer = (*Tx)(nil)
	_ queryer = (*pgxpool.Pool)(nil)
)

// maxWriteAttempts bounds how often a write transaction runs when
// PostgreSQL keeps reporting serialization failures.
const maxWriteAttempts = 12

// write runs fn in one SERIALIZABLE transaction, committed if fn returns
// nil and rolled back otherwise. A serialization failure or a deadlock
// (another instance wrote what fn read) runs fn again in a new transaction,
// with the same time: fn must leave nothing behind outside the database
// but what it sets afresh on each run.
func (db *DB) write(ctx context.Context, fn func(tx *Tx) error) error {
	return db.inWrite(ctx, maxWriteAttempts, fn)
}

// writeOnce is [DB.write] for an fn that cannot run twice (it consumes a
// stream): a serialization failure is returned.
func (db *DB) writeOnce(ctx context.Context, fn func(tx *Tx) error) error {
	return db.inWrite(ctx, 1, fn)
}

func (db *DB) inWrite(ctx context.Context, attempts int, fn func(tx *Tx) error) error {
	now := db.now().UTC()
	for attempt := 1; ; attempt++ {
		changed, err := db.writeAttempt(ctx, now, fn)
		if err == nil {
			if changed {
				db.glossary.Reload(ctx)
			}
			return nil
		}
		if attempt >= attempts || !retryable(err) || ctx.Err() != nil {
			return err
		}
		// Jittered, growing: two instances that clashed do not clash again
		// in step.
		backoff := time.Duration(1<<min(attempt, 7)) * time.Millisecond
		select {
		case <-time.After(backoff/2 + rand.N(backoff)):
		case <-ctx.Done():
			return err
		}
	}
}

func (db *DB) writeAttempt(ctx context.Context, now time.Time, fn func(tx *Tx) error) (termsChanged bool, err error) {
	pgtx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return false, fmt.Errorf("begin: %w", err)
	}
	defer db.rollback(ctx, pgtx)
	tx := newTx(pgtx, now)
	if err := fn(tx); err != nil {
		return false, err
	}
	if tx.TermsChanged {
		if _, err := pgtx.Exec(ctx, "UPDATE terms_version SET n = n + 1 WHERE id = 1"); err != nil {
			return false, fmt.Errorf("move terms version: %w", err)
		}
	}
	if err := pgtx.Commit(ctx); err != nil {
		return false, fmt.Errorf("commit: %w", err)
	}
	return tx.TermsChanged, nil
}

// retryable reports whether err is PostgreSQL asking for the transaction
// to be run again.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// rollback ends a transaction that did not commit; after a commit it does
// nothing. A failed rollback on a connection that is still open is logged:
// the connection may be unusable. (On a closed one — a query cut short by
// its context closes it — the server has rolled back already.)
func (db *DB) rollback(ctx context.Context, tx pgx.Tx) {
	err := tx.Rollback(context.WithoutCancel(ctx))
	if err == nil || errors.Is(err, pgx.ErrTxClosed) || tx.Conn().IsClosed() {
		return
	}
	db.log.Error("roll back", "err", err)
}

// read runs fn in one REPEATABLE READ READ ONLY transaction: every query
// sees the same snapshot, and no writer waits for it.
func (db *DB) read(ctx context.Context, fn func(tx *Tx) error) error {
	return db.readAt(ctx, db.now().UTC(), fn)
}

// readAt is [DB.read] with the time given: zero for the reads that SQLite
// makes without one, so that a test's clock is read as often on both.
func (db *DB) readAt(ctx context.Context, now time.Time, fn func(tx *Tx) error) error {
	pgtx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer db.rollback(ctx, pgtx)
	return fn(newTx(pgtx, now))
}

// limitArg is a LIMIT parameter: NULL (no limit) for a negative limit, as
// SQLite reads LIMIT -1.
func limitArg(limit int) any {
	if limit < 0 {
		return nil
	}
	return limit
}
