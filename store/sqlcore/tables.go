package sqlcore

import (
	"context"
	"fmt"
	"strings"

	"smarketing/store"
)

// The table and column names below come from [store.Schema], never from
// data, and are quoted as identifiers ("user" is a reserved word).

// Ident quotes name as an SQL identifier, as both databases read one.
func Ident(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// ColumnList is t's columns, quoted and separated by commas, in their
// order.
func ColumnList(t *store.Table) string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = Ident(c.Name)
	}
	return strings.Join(names, ", ")
}

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

func readTable(ctx context.Context, q Querier, t *store.Table, fn func(store.Row) error) error {
	rows, err := q.Query(ctx, "SELECT "+ColumnList(t)+" FROM "+Ident(t.Name)+" ORDER BY 1")
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
		// A boolean is BOOLEAN in PostgreSQL and 0 or 1 in SQLite: read
		// as the driver gives it.
		bools := make([]any, len(t.Columns))
		for i, c := range t.Columns {
			switch c.Kind {
			case store.Int:
				dest[i] = &ints[i]
			case store.Bool:
				dest[i] = &bools[i]
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
				b, err := boolOf(bools[i])
				if err != nil {
					return fmt.Errorf("column %s: %w", c.Name, err)
				}
				values[i] = b
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

// boolOf reads a boolean column's value: a bool, or an integer that is
// true unless 0.
func boolOf(v any) (bool, error) {
	switch v := v.(type) {
	case bool:
		return v, nil
	case int64:
		return v != 0, nil
	default:
		return false, fmt.Errorf("read %T (%v) as a boolean", v, v)
	}
}

// CheckEmpty returns [store.ErrNotEmpty] if any of tables holds a row: a
// WriteTables writes only into an empty database.
func CheckEmpty(ctx context.Context, q Querier, tables []store.Table) error {
	for i := range tables {
		n, err := countRows(ctx, q, tables[i])
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%w: table %s has %d rows", store.ErrNotEmpty, tables[i].Name, n)
		}
	}
	return nil
}

// CountRows returns how many rows a table holds.
func (db *DB) CountRows(ctx context.Context, t store.Table) (int64, error) {
	return countRows(ctx, db.pool(), t)
}

func countRows(ctx context.Context, q Querier, t store.Table) (int64, error) {
	var n int64
	if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM "+Ident(t.Name)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", t.Name, err)
	}
	return n, nil
}
