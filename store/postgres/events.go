package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"smarketing/store"
)

// Record applies an event from Slack and returns once it is committed
// (group commit: [store.Batcher]).
func (db *DB) Record(ctx context.Context, ev store.Event) (store.EventResult, error) {
	return db.events.Record(ctx, ev)
}

// applyEvents is the [store.ApplyBatch] of this backend: every event in
// its own savepoint of one transaction, so one that fails leaves nothing
// behind, and one commit. A serialization failure (another instance wrote
// what the batch read) runs the whole batch again, in [DB.write].
func (db *DB) applyEvents(ctx context.Context, events []store.Event) ([]store.EventResult, error) {
	results := make([]store.EventResult, len(events))
	err := db.write(ctx, func(tx *Tx) error {
		for i, ev := range events {
			if _, err := tx.Exec(ctx, "SAVEPOINT event"); err != nil {
				return err
			}
			res, err := applyEvent(ctx, tx, ev)
			if err != nil {
				if _, rerr := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT event"); rerr != nil {
					return errors.Join(err, rerr)
				}
			}
			if _, rerr := tx.Exec(ctx, "RELEASE SAVEPOINT event"); rerr != nil {
				return rerr
			}
			if err != nil {
				if !isPoison(err) {
					return err // transient: the whole batch is retried
				}
				if err := recordFailed(ctx, tx, ev, err); err != nil {
					return err
				}
				res = store.EventResult{Skipped: true}
			}
			results[i] = res
		}
		_, err := tx.Exec(ctx, "DELETE FROM seen_events WHERE seen_at < $1", nanos(tx.Now.Add(-store.SeenEventsKept)))
		if err != nil {
			return fmt.Errorf("prune events: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
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

func recordFailed(ctx context.Context, tx *Tx, ev store.Event, cause error) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode failed event: %w", err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO failed_events (event_id, event, error, at) VALUES ($1, $2, $3, $4)",
		ev.ID, string(body), cause.Error(), nanos(tx.Now)); err != nil {
		return fmt.Errorf("record failed event: %w", err)
	}
	if ev.ID != "" {
		// A redelivery is skipped too.
		if _, err := tx.Exec(ctx, "INSERT INTO seen_events (id, seen_at) VALUES ($1, $2) ON CONFLICT DO NOTHING", ev.ID, nanos(tx.Now)); err != nil {
			return fmt.Errorf("record failed event: %w", err)
		}
	}
	return nil
}

func applyEvent(ctx context.Context, tx *Tx, ev store.Event) (store.EventResult, error) {
	if ev.ID != "" {
		// Shared by every instance: an event Slack redelivers to another
		// one counts once.
		tag, err := tx.Exec(ctx, "INSERT INTO seen_events (id, seen_at) VALUES ($1, $2) ON CONFLICT DO NOTHING", ev.ID, nanos(tx.Now))
		if err != nil {
			return store.EventResult{}, fmt.Errorf("record event: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return store.EventResult{}, nil
		}
	}
	out := store.EventResult{Applied: true}
	var err error
	switch {
	case ev.Lead != nil:
		err = upsertLead(ctx, tx, *ev.Lead)
	case ev.Edit != nil:
		_, err = tx.Exec(ctx, "UPDATE leads SET text = $1 WHERE channel = $2 AND ts = $3 AND status = 'lead'",
			ev.Edit.Text, ev.Edit.Channel, ev.Edit.TS)
	case ev.Delete != nil:
		_, err = tx.Exec(ctx, "UPDATE leads SET deleted = TRUE WHERE channel = $1 AND ts = $2", ev.Delete.Channel, ev.Delete.TS)
	case ev.React != nil:
		out.React, err = react(ctx, tx, *ev.React)
	}
	if err != nil {
		return store.EventResult{}, err
	}
	return out, nil
}
