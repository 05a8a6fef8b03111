package sqlite

import (
	"context"

	"smarketing/store/sqlcore"
)

// engine gives the shared SQL of [sqlcore] this backend's transactions.
type engine struct{ db *DB }

func (e engine) Read(ctx context.Context, fn func(tx *sqlcore.Tx) error) error {
	return e.db.read(ctx, func(tx *Tx) error { return fn(tx.Tx) })
}

func (e engine) Write(ctx context.Context, fn func(tx *sqlcore.Tx) error) error {
	return e.db.write(ctx, func(tx *Tx) error { return fn(tx.Tx) })
}

func (e engine) Pool() sqlcore.Querier { return querier{e.db.sql} }
