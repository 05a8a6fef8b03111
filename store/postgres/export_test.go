package postgres

import (
	"context"

	"smarketing/store"
	"smarketing/store/sqlcore"
)

// SettingOfEveryConnection returns a run-time setting as each connection
// of a full pool has it.
func (db *DB) SettingOfEveryConnection(ctx context.Context, name string) ([]string, error) {
	var out []string
	for range db.pool.Config().MaxConns {
		c, err := db.pool.Acquire(ctx)
		if err != nil {
			return nil, err
		}
		defer c.Release()
		var v string
		if err := c.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// TermsByID reads terms from the database, not from the glossary copy.
func (db *DB) TermsByID(ctx context.Context, ids []int64) ([]store.Term, error) {
	return sqlcore.TermsByID(ctx, querier{db.pool}, ids)
}
