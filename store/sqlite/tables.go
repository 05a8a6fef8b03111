package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"smarketing/store"
)

// ReadTables calls fn with every row of tables, read in one snapshot.
func (db *DB) ReadTables(ctx context.Context, tables []store.Table, fn func(store.Row) error) error {
	return db.read(ctx, func(tx *Tx) error {
		for i := range tables {
			t := &tables[i]
			if err := readTable(ctx, tx, t, fn); err != nil {
				return fmt.Errorf("read %s: %w", t.Name, err)
			}
		}
		return nil
	})
}

func columnList(t *store.Table) string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = `"` + c.Name + `"`
	}
	return strings.Join(names, ", ")
}

func readTable(ctx context.Context, tx *Tx, t *store.Table, fn func(store.Row) error) error {
	rows, err := tx.QueryContext(ctx, "SELECT "+columnList(t)+" FROM "+t.Name+" ORDER BY 1")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		dest := make([]any, len(t.Columns))
		ints := make([]int64, len(t.Columns))
		nulls := make([]*int64, len(t.Columns))
		texts := make([]string, len(t.Columns))
		reals := make([]float64, len(t.Columns))
		for i, c := range t.Columns {
			switch c.Kind {
			case store.Int, store.Bool:
				dest[i] = &ints[i]
			case store.NullInt:
				dest[i] = &nulls[i]
			case store.Text:
				dest[i] = &texts[i]
			case store.Real:
				dest[i] = &reals[i]
			}
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		values := make([]any, len(t.Columns))
		for i, c := range t.Columns {
			switch c.Kind {
			case store.Int:
				values[i] = ints[i]
			case store.Bool:
				values[i] = ints[i] != 0
			case store.NullInt:
				values[i] = nulls[i]
			case store.Text:
				values[i] = texts[i]
			case store.Real:
				values[i] = reals[i]
			}
		}
		if err := fn(store.Row{Table: t, Values: values}); err != nil {
			return err
		}
	}
	return rows.Err()
}

// WriteTables inserts the rows into this database, which must be empty,
// in one transaction, and rebuilds the full-text index and the glossary
// copy.
func (db *DB) WriteTables(ctx context.Context, tables []store.Table, rows <-chan store.Row) error {
	err := db.write(ctx, func(tx *Tx) error {
		for i := range tables {
			n, err := countRows(ctx, tx, tables[i])
			if err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("%w: table %s has %d rows", store.ErrNotEmpty, tables[i].Name, n)
			}
		}
		prepared := &preparedTx{tx: tx.sqltx, stmts: map[string]*sql.Stmt{}}
		defer prepared.close()
		for r := range rows {
			marks := strings.TrimSuffix(strings.Repeat("?, ", len(r.Values)), ", ")
			if _, err := prepared.ExecContext(ctx, "INSERT INTO "+r.Table.Name+" ("+columnList(r.Table)+") VALUES ("+marks+")", r.Values...); err != nil {
				return fmt.Errorf("write %s: %w", r.Table.Name, err)
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		// The full-text index derives from the terms.
		if _, err := tx.ExecContext(ctx, `INSERT INTO terms_fts (docid, name, aliases, definition)
			SELECT t.id, t.name, COALESCE((SELECT group_concat(label, ' ') FROM
				(SELECT label FROM term_keys k WHERE k.term_id = t.id AND k.position > 0 ORDER BY k.position)), ''), t.definition
			FROM terms t`); err != nil {
			return fmt.Errorf("index terms: %w", err)
		}
		tx.TermsChanged = true
		return nil
	})
	return err
}

// CountRows returns how many rows a table holds.
func (db *DB) CountRows(ctx context.Context, t store.Table) (int64, error) {
	return countRows(ctx, db.sql, t)
}

func countRows(ctx context.Context, q queryer, t store.Table) (int64, error) {
	var n int64
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+t.Name).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", t.Name, err)
	}
	return n, nil
}
