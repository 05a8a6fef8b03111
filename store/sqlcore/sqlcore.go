// Package sqlcore is the SQL that both backends of [store] run: the
// queries and the rules around them, written once against the schema the
// backends share (store.Schema(): the same tables, columns and types in
// SQLite and PostgreSQL). It imports neither database/sql nor a driver: a
// backend gives it a [Querier] for each transaction and its [Dialect] for
// the little that differs (the full-text index, how a unique key clash is
// reported), and keeps its connections, migrations, group commit and
// backups to itself.
//
// Queries use ? placeholders; the PostgreSQL backend numbers them ($1, $2,
// …) with [Numbered] before they reach the server.
package sqlcore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"smarketing/store"
)

// Querier runs statements: a transaction, or a pool for one statement.
type Querier interface {
	// Exec runs a statement and returns how many rows it changed.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	// QueryRow runs a query for one row; its Scan returns [ErrNoRows] if
	// there is none.
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// Rows is the result of a query, read with Next and Scan, as database/sql's.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// Row is one row of a query.
type Row interface {
	Scan(dest ...any) error
}

// queryAll runs query on q and returns every row read with scan; what
// names the read in its errors ("list meetings: …").
func queryAll[T any](ctx context.Context, q Querier, what string, scan func(Row) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// selectWhere reads with scan the rows that "selectFrom WHERE where"
// selects (where ends with its ORDER BY); limit > 0 bounds them.
func selectWhere[T any](ctx context.Context, q Querier, what string, scan func(Row) (T, error), selectFrom, where string, limit int, args ...any) ([]T, error) {
	query := selectFrom + " WHERE " + where
	if limit > 0 {
		query += " LIMIT ?"
		args = append(args, limit)
	}
	return queryAll(ctx, q, what, scan, query, args...)
}

// ErrNoRows is what a backend's Row.Scan returns when a query found no row.
var ErrNoRows = errors.New("no rows")

// Tx is one transaction. Every read and write of a method goes through
// it; it carries the transaction's time, and what must change with the
// write, so that no rule depends on each method remembering it.
type Tx struct {
	Querier
	Now time.Time
	// TermsChanged is set by whatever writes terms or term_keys: the
	// backend's commit then moves terms_version on and reloads the
	// glossary copy.
	TermsChanged bool
}

// Shared returns tx: a backend's transaction, which embeds a Tx, has it
// too, and so is a [SharedTx].
func (tx *Tx) Shared() *Tx { return tx }

// SharedTx is a backend's transaction: it carries the shared one.
type SharedTx interface{ Shared() *Tx }

// NewEngine is the [Engine] of a backend whose read and write helpers run
// fn in transactions of its own type T, and whose pool runs single
// statements.
func NewEngine[T SharedTx](read, write func(context.Context, func(T) error) error, pool Querier) Engine {
	return engine[T]{read: read, write: write, pool: pool}
}

type engine[T SharedTx] struct {
	read, write func(context.Context, func(T) error) error
	pool        Querier
}

func (e engine[T]) Read(ctx context.Context, fn func(tx *Tx) error) error {
	return e.read(ctx, func(tx T) error { return fn(tx.Shared()) })
}

func (e engine[T]) Write(ctx context.Context, fn func(tx *Tx) error) error {
	return e.write(ctx, func(tx T) error { return fn(tx.Shared()) })
}

func (e engine[T]) Pool() Querier { return e.pool }

// Dialect is what differs between the backends within a transaction.
type Dialect interface {
	// Limit is the LIMIT argument for limit, where a negative limit means
	// none.
	Limit(limit int) any

	// IndexTerm writes t (already saved, with its keys) into the full-text
	// index, replacing what the index held for it: SQLite adds it to its
	// FTS4 table (after [Dialect.UnindexTerm] on an edit), PostgreSQL
	// sets terms.search.
	IndexTerm(ctx context.Context, tx *Tx, t store.Term) error
	// UnindexTerm removes the term id from the full-text index, before an
	// edit indexes it again or after it is deleted (a no-op where the
	// index is a column of terms).
	UnindexTerm(ctx context.Context, tx *Tx, id int64) error
	// Storable reports whether s could be stored as text at all, so that
	// looking up a name that is not names nothing instead of failing
	// (PostgreSQL refuses a NUL and invalid UTF-8, even as a parameter).
	Storable(s string) bool
	// IDTaken is told, within q's transaction, that a row was just
	// inserted into table under an id column "id" the caller chose rather
	// than the database: PostgreSQL moves the table's sequence past it, so
	// that the next row added does not draw it; SQLite, which gives a new
	// row the highest id plus one, has nothing to do.
	IDTaken(ctx context.Context, q Querier, table string, id int64) error

	// IsPoison reports whether err is the database refusing an event's
	// data (a constraint, a value it cannot store), which no retry
	// changes: [ApplyEvents] records such an event as failed and skips it,
	// where any other error fails the batch, to be retried.
	IsPoison(err error) bool
}

// Engine is a backend's way into its transactions.
type Engine interface {
	// Read runs fn in one read-only snapshot.
	Read(ctx context.Context, fn func(tx *Tx) error) error
	// Write runs fn in one write transaction, committed if fn returns nil.
	// fn may run again (PostgreSQL retries serialization failures): it
	// must leave nothing behind outside the database but what it sets
	// afresh on each run.
	Write(ctx context.Context, fn func(tx *Tx) error) error
	// Pool runs single statements outside a transaction.
	Pool() Querier
}

// DB is the shared half of a backend: the methods of [store.Store] that
// are the same SQL on both. A backend embeds it.
type DB struct {
	e Engine
	d Dialect
	// glossary is the copy Term, TermByID read first; see [NewGlossary].
	glossary *store.GlossaryCopy
	// events applies what Record is given; see [DB.StartEvents].
	events *store.Batcher
	// prunedAt is when seen_events was last pruned (Unix ns), 0 for never.
	prunedAt atomic.Int64
	// obs is told of database errors and, through events, how each event
	// ended.
	obs store.Observer
	// review is how long an agreed version stays verified, for the status
	// an export writes.
	review time.Duration
	// log is told what Open did beside migrating (a backfill).
	log *slog.Logger
}

// New returns the shared methods over e and d, which tell opt.Observer
// (nil: nobody) of the database errors they return and, once
// [DB.StartEvents] is called, how each event ended; an export writes the
// status of terms and personas with opt.Review().
func New(e Engine, d Dialect, opt store.Options) *DB {
	return &DB{e: e, d: d, obs: opt.Observe(), review: opt.Review(), log: opt.Logger().With("component", "store")}
}

// read and write are the way into a transaction of every shared method,
// and so the one place that counts the database errors their callers see.
// (ApplyEvents goes to the engine itself: the Batcher counts a failed
// commit of events, once per attempt.)
func (db *DB) read(ctx context.Context, fn func(tx *Tx) error) error {
	return db.observed("read", db.e.Read(ctx, fn))
}

func (db *DB) write(ctx context.Context, fn func(tx *Tx) error) error {
	return db.observed("write", db.e.Write(ctx, fn))
}

func (db *DB) observed(op string, err error) error {
	if store.IsDBError(err) {
		db.obs.DBError(op)
	}
	return err
}

// pool runs single statements outside a transaction.
func (db *DB) pool() Querier { return db.e.Pool() }

// Nanos is how times are stored: Unix nanoseconds, UTC.
func Nanos(t time.Time) int64 { return t.UTC().UnixNano() }

// FromNanos reads a stored time.
func FromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

// IsNoRows reports whether a QueryRow found nothing.
func IsNoRows(err error) bool { return errors.Is(err, ErrNoRows) }
