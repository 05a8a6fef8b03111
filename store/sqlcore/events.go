package sqlcore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"smarketing/store"
)

// ApplyEvents is the [store.ApplyBatch] of both backends, which their
// [store.Batcher] calls (everyone else calls Record): the events in one
// write transaction of the backend, every event in its own savepoint, so
// one that fails leaves nothing behind, and one commit. An event the
// database refuses ([Dialect.IsPoison]: no retry changes it) is recorded
// in failed_events and skipped; any other error is returned, and the whole
// batch is retried. The backend's write may run the transaction again
// (PostgreSQL, after a serialization failure): the results are made
// afresh on each run.
func (db *DB) ApplyEvents(ctx context.Context, events []store.Event) ([]store.EventResult, error) {
	var results []store.EventResult
	err := db.write(ctx, func(tx *Tx) error {
		var err error
		results, err = applyEvents(ctx, tx, db.d, events)
		return err
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

func applyEvents(ctx context.Context, tx *Tx, d Dialect, events []store.Event) ([]store.EventResult, error) {
	results := make([]store.EventResult, len(events))
	for i, ev := range events {
		if _, err := tx.Exec(ctx, "SAVEPOINT event"); err != nil {
			return nil, err
		}
		res, err := applyEvent(ctx, tx, ev)
		if err != nil {
			if _, rerr := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT event"); rerr != nil {
				return nil, errors.Join(err, rerr)
			}
		}
		if _, rerr := tx.Exec(ctx, "RELEASE SAVEPOINT event"); rerr != nil {
			return nil, rerr
		}
		if err != nil {
			if !d.IsPoison(err) {
				return nil, err // transient: the whole batch is retried
			}
			if err := recordFailed(ctx, tx, ev, err); err != nil {
				return nil, err
			}
			res = store.EventResult{Skipped: true}
		}
		results[i] = res
	}
	if _, err := tx.Exec(ctx, "DELETE FROM seen_events WHERE seen_at < ?", Nanos(tx.Now.Add(-store.SeenEventsKept))); err != nil {
		return nil, fmt.Errorf("prune events: %w", err)
	}
	return results, nil
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

func applyEvent(ctx context.Context, tx *Tx, ev store.Event) (store.EventResult, error) {
	if ev.ID != "" {
		// Shared by every PostgreSQL instance: an event Slack redelivers
		// to another one counts once.
		n, err := tx.Exec(ctx, "INSERT INTO seen_events (id, seen_at) VALUES (?, ?) ON CONFLICT DO NOTHING", ev.ID, Nanos(tx.Now))
		if err != nil {
			return store.EventResult{}, fmt.Errorf("record event: %w", err)
		}
		if n == 0 {
			return store.EventResult{}, nil
		}
	}
	out := store.EventResult{Applied: true}
	var err error
	switch {
	case ev.Lead != nil:
		err = upsertLead(ctx, tx, *ev.Lead)
	case ev.Edit != nil:
		_, err = tx.Exec(ctx, "UPDATE leads SET text = ? WHERE channel = ? AND ts = ? AND status = 'lead'",
			ev.Edit.Text, ev.Edit.Channel, ev.Edit.TS)
	case ev.Delete != nil:
		_, err = tx.Exec(ctx, "UPDATE leads SET deleted = TRUE WHERE channel = ? AND ts = ?", ev.Delete.Channel, ev.Delete.TS)
	case ev.React != nil:
		out.React, err = react(ctx, tx, *ev.React)
	}
	if err != nil {
		return store.EventResult{}, err
	}
	return out, nil
}
