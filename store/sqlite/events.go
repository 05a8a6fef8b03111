package sqlite

import (
	"context"
	"errors"

	"github.com/mattn/go-sqlite3"

	"smarketing/store"
)

// Record applies an event from Slack and returns once it is committed
// (group commit: [store.Batcher]).
func (db *DB) Record(ctx context.Context, ev store.Event) (store.EventResult, error) {
	return db.events.Record(ctx, ev)
}

// applyEvents is the [store.ApplyBatch] of this backend:
// [sqlcore.DB.ApplyEvents] in one transaction of [DB.write].
func (db *DB) applyEvents(ctx context.Context, events []store.Event) ([]store.EventResult, error) {
	return db.DB.ApplyEvents(ctx, events)
}

// isConstraint reports whether err is SQLite refusing the data, which no
// retry changes.
func isConstraint(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrConstraint || se.Code == sqlite3.ErrMismatch || se.Code == sqlite3.ErrTooBig)
}
