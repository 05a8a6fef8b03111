package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"smarketing/store"
	"smarketing/store/sqlcore"
)

// ReadTables and CountRows are [sqlcore]'s.

// WriteTables inserts the rows into this database, which must be empty,
// in one transaction, and rebuilds the full-text index and the glossary
// copy.
func (db *DB) WriteTables(ctx context.Context, tables []store.Table, rows <-chan store.Row) error {
	err := db.write(ctx, func(tx *Tx) error {
		if err := sqlcore.CheckEmpty(ctx, tx.Tx, tables); err != nil {
			return err
		}
		prepared := &preparedTx{tx: tx.sqltx, stmts: map[string]*sql.Stmt{}}
		defer prepared.close()
		for r := range rows {
			marks := strings.TrimSuffix(strings.Repeat("?, ", len(r.Values)), ", ")
			if _, err := prepared.ExecContext(ctx, "INSERT INTO "+r.Table.Name+" ("+sqlcore.ColumnList(r.Table)+") VALUES ("+marks+")", r.Values...); err != nil {
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
