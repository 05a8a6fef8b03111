package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/mattn/go-sqlite3"

	"smarketing/store"
)

// Record applies an event from Slack and returns once it is committed
// (group commit: [store.Batcher]).
func (db *DB) Record(ctx context.Context, ev store.Event) (store.EventResult, error) {
	return db.events.Record(ctx, ev)
}

// applyEvents is the [store.ApplyBatch] of this backend: every event in
// its own savepoint of one transaction, so one that fails leaves nothing
// behind, and one commit.
func (db *DB) applyEvents(ctx context.Context, events []store.Event) ([]store.EventResult, error) {
	results := make([]store.EventResult, len(events))
	err := db.write(ctx, func(tx *Tx) error {
		for i, ev := range events {
			if _, err := tx.ExecContext(ctx, "SAVEPOINT event"); err != nil {
				return err
			}
			res, err := applyEvent(ctx, tx, ev)
			if err != nil {
				if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO event"); rerr != nil {
					return rerr
				}
			}
			if _, rerr := tx.ExecContext(ctx, "RELEASE event"); rerr != nil {
				return rerr
			}
			if err != nil {
				if !isConstraint(err) {
					return err // transient: the whole batch is retried
				}
				if err := recordFailed(ctx, tx, ev, err); err != nil {
					return err
				}
				res = store.EventResult{Skipped: true}
			}
			results[i] = res
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM seen_events WHERE seen_at < ?", nanos(tx.Now.Add(-store.SeenEventsKept)))
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

// isConstraint reports whether err is SQLite refusing the data, which no
// retry changes.
func isConstraint(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrConstraint || se.Code == sqlite3.ErrMismatch || se.Code == sqlite3.ErrTooBig)
}

func recordFailed(ctx context.Context, tx *Tx, ev store.Event, cause error) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode failed event: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO failed_events (event_id, event, error, at) VALUES (?, ?, ?, ?)",
		ev.ID, string(body), cause.Error(), nanos(tx.Now)); err != nil {
		return fmt.Errorf("record failed event: %w", err)
	}
	if ev.ID != "" {
		// A redelivery is skipped too.
		if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO seen_events (id, seen_at) VALUES (?, ?)", ev.ID, nanos(tx.Now)); err != nil {
			return fmt.Errorf("record failed event: %w", err)
		}
	}
	return nil
}

func applyEvent(ctx context.Context, tx *Tx, ev store.Event) (store.EventResult, error) {
	if ev.ID != "" {
		res, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO seen_events (id, seen_at) VALUES (?, ?)", ev.ID, nanos(tx.Now))
		if err != nil {
			return store.EventResult{}, fmt.Errorf("record event: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.EventResult{}, nil
		}
	}
	out := store.EventResult{Applied: true}
	var err error
	switch {
	case ev.Lead != nil:
		err = upsertLead(ctx, tx, *ev.Lead)
	case ev.Edit != nil:
		_, err = tx.ExecContext(ctx, "UPDATE leads SET text = ? WHERE channel = ? AND ts = ? AND status = 'lead'",
			ev.Edit.Text, ev.Edit.Channel, ev.Edit.TS)
	case ev.Delete != nil:
		_, err = tx.ExecContext(ctx, "UPDATE leads SET deleted = 1 WHERE channel = ? AND ts = ?", ev.Delete.Channel, ev.Delete.TS)
	case ev.React != nil:
		out.React, err = react(ctx, tx, *ev.React)
	}
	if err != nil {
		return store.EventResult{}, err
	}
	return out, nil
}
