package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"smarketing/store"
	"smarketing/store/sqlcore"
)

// ReadTables and CountRows are [sqlcore]'s.

// columnNames is t's columns, for COPY (which quotes them itself).
func columnNames(t *store.Table) []string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	return names
}

// WriteTables inserts the rows into this database, which must be empty,
// in one transaction (COPY, a table at a time), then moves every id
// sequence past the ids copied, rebuilds the full-text documents and
// reloads the glossary copy; then it analyzes the tables.
func (db *DB) WriteTables(ctx context.Context, tables []store.Table, rows <-chan store.Row) error {
	// Once: the rows are a stream, read as they come.
	err := db.writeOnce(ctx, func(tx *Tx) error {
		if err := sqlcore.CheckEmpty(ctx, tx.Tx, tables); err != nil {
			return err
		}
		src := &rowRun{rows: rows}
		for src.start() {
			t := src.table
			if _, err := tx.q.CopyFrom(ctx, pgx.Identifier{t.Name}, columnNames(t), src); err != nil {
				return fmt.Errorf("write %s: %w", t.Name, err)
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		for i := range tables {
			t := &tables[i]
			if t.ID == "" {
				continue
			}
			// The next id drawn is past every id copied (1 for none).
			if _, err := tx.Exec(ctx, "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX("+
				pgx.Identifier{t.ID}.Sanitize()+") FROM "+sqlcore.Ident(t.Name)+"), 0) + 1, false)", t.Name, t.ID); err != nil {
				return fmt.Errorf("move %s sequence: %w", t.Name, err)
			}
		}
		if err := reindexTerms(ctx, tx); err != nil {
			return err
		}
		tx.TermsChanged = true
		return nil
	})
	if err == nil {
		db.analyze(ctx)
	}
	return err
}

// reindexTerms writes every term's full-text document anew.
func reindexTerms(ctx context.Context, tx *Tx) error {
	terms, err := sqlcore.ListTerms(ctx, tx.Tx)
	if err != nil {
		return fmt.Errorf("index terms: %w", err)
	}
	batch := &pgx.Batch{}
	for _, t := range terms {
		batch.Queue("UPDATE terms SET search = $1::tsvector WHERE id = $2", searchDocument(t.Name, t.Aliases, t.Definition), t.ID)
	}
	if err := tx.q.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("index terms: %w", err)
	}
	return nil
}

// rowRun feeds COPY the rows of one table as they come from the channel:
// start takes the first row of the next table, and the source ends at the
// first row of another table, kept for the next start.
type rowRun struct {
	rows  <-chan store.Row
	next  *store.Row // read but not yet copied
	table *store.Table
	cur   store.Row
	done  bool
}

// start reports whether there is a table left to copy, and makes it the
// source's.
func (r *rowRun) start() bool {
	if r.next == nil && !r.done {
		if row, ok := <-r.rows; ok {
			r.next = &row
		} else {
			r.done = true
		}
	}
	if r.next == nil {
		return false
	}
	r.table = r.next.Table
	return true
}

func (r *rowRun) Next() bool {
	if r.next == nil {
		if r.done {
			return false
		}
		row, ok := <-r.rows
		if !ok {
			r.done = true
			return false
		}
		r.next = &row
	}
	if r.next.Table.Name != r.table.Name {
		return false
	}
	r.cur, r.next = *r.next, nil
	return true
}

func (r *rowRun) Values() ([]any, error) { return r.cur.Values, nil }

func (r *rowRun) Err() error { return nil }
