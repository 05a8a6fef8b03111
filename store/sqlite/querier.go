package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"smarketing/store/sqlcore"

	"github.com/mattn/go-sqlite3"
)

// querier runs the shared SQL of [sqlcore] on a database/sql transaction,
// connection or pool.
type querier struct{ q txer }

var _ sqlcore.Querier = querier{}

func (q querier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (q querier) Query(ctx context.Context, query string, args ...any) (sqlcore.Rows, error) {
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (q querier) QueryRow(ctx context.Context, query string, args ...any) sqlcore.Row {
	return row{q.q.QueryRowContext(ctx, query, args...)}
}

// row reports sql.ErrNoRows as [sqlcore.ErrNoRows].
type row struct{ r *sql.Row }

func (r row) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return sqlcore.ErrNoRows
	}
	return err
}

// dialect is what SQLite does its own way within the shared SQL.
type dialect struct{}

// Limit: SQLite reads LIMIT -1 as no limit.
func (dialect) Limit(limit int) any { return limit }

// IDTaken: SQLite gives a new row the highest id plus one already.
func (dialect) IDTaken(context.Context, sqlcore.Querier, string, int64) error { return nil }

// IsPoison: SQLite's constraint, mismatch and too-big errors.
func (dialect) IsPoison(err error) bool { return isConstraint(err) }

// isConstraint reports whether err is SQLite refusing the data, which no
// retry changes.
func isConstraint(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrConstraint || se.Code == sqlite3.ErrMismatch || se.Code == sqlite3.ErrTooBig)
}
