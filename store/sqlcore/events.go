package sqlcore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"smarketing/store"
)

// StartEvents starts the group commit of events: a [store.Batcher] over
// [DB.ApplyEvents], which [DB.Record] hands every event to, until
// [DB.StopEvents]. A backend calls it once it is open.
func (db *DB) StartEvents(log *slog.Logger) {
	db.events = store.NewBatcher(db.ApplyEvents, log, db.obs)
}

// StopEvents applies the events queued, then stops the writer; a backend
// calls it when it closes, before its connections go.
func (db *DB) StopEvents() {
	if db.events != nil {
		db.events.Close()
	}
}

// Record applies an event from Slack and returns once it is committed
// (group commit: [store.Batcher]).
func (db *DB) Record(ctx context.Context, ev store.Event) (store.EventResult, error) {
	return db.events.Record(ctx, ev)
}

// ApplyEvents is the [store.ApplyBatch] of both backends, which their
// [store.Batcher] calls (everyone else calls Record): the events in one
// write transaction of the backend and one commit, applied together with a
// fixed number of statements ([applyBatch]). If the database refuses that
// ([Dialect.IsPoison]: a constraint, a value it cannot store, which no
// retry changes), the transaction is rolled back and run again with each
// event on its own in a savepoint of its own, so that the one it refuses
// is recorded in failed_events and skipped and the others apply. (A
// savepoint around every batch would cost two round trips to PostgreSQL
// for what is rare.) Any other error is returned, and the whole batch is
// retried. The backend's write may run the transaction again
// (PostgreSQL, after a serialization failure): the results are made
// afresh on each run.
func (db *DB) ApplyEvents(ctx context.Context, events []store.Event) ([]store.EventResult, error) {
	var results []store.EventResult
	err := db.e.Write(ctx, func(tx *Tx) error {
		var err error
		results, err = applyBatch(ctx, tx, db.d, events)
		if err == nil {
			err = db.pruneSeen(ctx, tx)
		}
		return err
	})
	if err != nil && db.d.IsPoison(err) {
		err = db.e.Write(ctx, func(tx *Tx) error {
			var err error
			results, err = applyEach(ctx, tx, db.d, events)
			if err == nil {
				err = db.pruneSeen(ctx, tx)
			}
			return err
		})
	}
	if err != nil {
		return nil, err
	}
	return results, nil
}

// applyEach applies events one by one, each in a savepoint, recording
// those the database refuses as failed.
func applyEach(ctx context.Context, tx *Tx, d Dialect, events []store.Event) ([]store.EventResult, error) {
	results := make([]store.EventResult, len(events))
	for i, ev := range events {
		res, err := inSavepoint(ctx, tx, d, events[i:i+1])
		switch {
		case err != nil && !d.IsPoison(err):
			return nil, err // transient: the whole batch is retried
		case err != nil:
			if err := recordFailed(ctx, tx, ev, err); err != nil {
				return nil, err
			}
			results[i] = store.EventResult{Skipped: true}
		default:
			results[i] = res[0]
		}
	}
	return results, nil
}

// pruneEvery is how often a store forgets the event ids older than
// [store.SeenEventsKept]: not in every batch, which would cost a statement
// for a few rows.
const pruneEvery = time.Minute

// pruneSeen forgets old event ids, at most once in pruneEvery (as this
// store's clock goes).
func (db *DB) pruneSeen(ctx context.Context, tx *Tx) error {
	now := Nanos(tx.Now)
	if last := db.prunedAt.Load(); last != 0 && now-last < int64(pruneEvery) && now >= last {
		return nil
	}
	if _, err := tx.Exec(ctx, "DELETE FROM seen_events WHERE seen_at < ?", Nanos(tx.Now.Add(-store.SeenEventsKept))); err != nil {
		return fmt.Errorf("prune events: %w", err)
	}
	// Noted before the commit: if it fails, the next prune is at most
	// pruneEvery late.
	db.prunedAt.Store(now)
	return nil
}

// inSavepoint applies events in a savepoint: all of them, or nothing and
// an error.
func inSavepoint(ctx context.Context, tx *Tx, d Dialect, events []store.Event) ([]store.EventResult, error) {
	if _, err := tx.Exec(ctx, "SAVEPOINT events"); err != nil {
		return nil, err
	}
	results, err := applyBatch(ctx, tx, d, events)
	if err != nil {
		if _, rerr := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT events"); rerr != nil {
			return nil, errors.Join(err, rerr)
		}
	}
	if _, rerr := tx.Exec(ctx, "RELEASE SAVEPOINT events"); rerr != nil {
		return nil, rerr
	}
	return results, err
}

func recordFailed(ctx context.Context, tx *Tx, ev store.Event, cause error) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode failed event: %w", err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO failed_events (event_id, event, error, at) VALUES (?, ?, ?, ?)",
		ev.ID, string(body), cause.Error(), Nanos(tx.Now)); err != nil {
		return fmt.Errorf("record failed event: %w", err)
	}
	if ev.ID != "" {
		// A redelivery is skipped too.
		if _, err := tx.Exec(ctx, "INSERT INTO seen_events (id, seen_at) VALUES (?, ?) ON CONFLICT DO NOTHING", ev.ID, Nanos(tx.Now)); err != nil {
			return fmt.Errorf("record failed event: %w", err)
		}
	}
	return nil
}
