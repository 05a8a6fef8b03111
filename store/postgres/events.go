package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"

	"smarketing/store"
)

// Record applies an event from Slack and returns once it is committed
// (group commit: [store.Batcher]).
func (db *DB) Record(ctx context.Context, ev store.Event) (store.EventResult, error) {
	return db.events.Record(ctx, ev)
}

// applyEvents is the [store.ApplyBatch] of this backend:
// [sqlcore.DB.ApplyEvents] in one transaction of [DB.write]. A serialization failure (another instance
// wrote what the batch read) runs the whole batch again, in [DB.write].
func (db *DB) applyEvents(ctx context.Context, events []store.Event) ([]store.EventResult, error) {
	return db.DB.ApplyEvents(ctx, events)
}

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
