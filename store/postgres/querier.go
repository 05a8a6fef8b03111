package postgres

import (
	"context"
	"errors"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"smarketing/store/sqlcore"
)

// pgxQuerier is what a pgx transaction and a pool have in common.
type pgxQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// numbered holds the shared queries with their placeholders numbered.
var numbered sync.Map

// querier runs the shared SQL of [sqlcore] on a pgx transaction or pool,
// its ? placeholders numbered as PostgreSQL wants.
type querier struct{ q pgxQuerier }

var _ sqlcore.Querier = querier{}

func (q querier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := q.q.Exec(ctx, sqlcore.Numbered(&numbered, query), args...)
	return tag.RowsAffected(), err
}

func (q querier) Query(ctx context.Context, query string, args ...any) (sqlcore.Rows, error) {
	rows, err := q.q.Query(ctx, sqlcore.Numbered(&numbered, query), args...)
	if err != nil {
		return nil, err
	}
	return pgxRows{rows}, nil
}

func (q querier) QueryRow(ctx context.Context, query string, args ...any) sqlcore.Row {
	return pgxRow{q.q.QueryRow(ctx, sqlcore.Numbered(&numbered, query), args...)}
}

// pgxRows is pgx.Rows with database/sql's Close.
type pgxRows struct{ pgx.Rows }

func (r pgxRows) Close() error {
	r.Rows.Close()
	return r.Rows.Err()
}

// pgxRow reports pgx.ErrNoRows as [sqlcore.ErrNoRows].
type pgxRow struct{ r pgx.Row }

func (r pgxRow) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return sqlcore.ErrNoRows
	}
	return err
}

// dialect is what PostgreSQL does its own way within the shared SQL.
type dialect struct{}

// Limit: NULL is no limit (PostgreSQL refuses LIMIT -1).
func (dialect) Limit(limit int) any { return limitArg(limit) }

// IDTaken moves the sequence of table's id past id (and past the value it
// would draw next, so that it never goes back).
func (dialect) IDTaken(ctx context.Context, q sqlcore.Querier, table string, id int64) error {
	_, err := q.Exec(ctx, "SELECT setval(pg_get_serial_sequence(?, 'id'), GREATEST(?, nextval(pg_get_serial_sequence(?, 'id'))))", table, id, table)
	return err
}

// IsPoison: SQLSTATE classes 23, 22 and 54.
func (dialect) IsPoison(err error) bool { return isPoison(err) }

// isPoison reports whether err is PostgreSQL refusing the data, which no
// retry changes: an integrity constraint (SQLSTATE class 23), a data
// exception (22: a NUL byte, an invalid encoding, a number out of range),
// or a program limit (54: a key too long for its index), as SQLite's
// constraint, mismatch and too-big errors are.
func isPoison(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || len(pgErr.Code) < 2 {
		return false
	}
	switch pgErr.Code[:2] {
	case "23", "22", "54":
		return true
	}
	return false
}
