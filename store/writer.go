package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// errClosed is returned for writes asked of a closed database.
var errClosed = errors.New("store: database closed")

// Events (reactions, lead posts) arrive in bursts. Committing them one
// transaction each made the commit the bottleneck (BENCHMARKS.md), so one
// writer goroutine takes every event waiting in the inbox (inbox.go),
// applies each in its own savepoint of one transaction, commits once, and
// then answers them all.

// eventWrite is one event waiting for the event writer: an Event, or f for
// a write that must take its turn after the events before it.
type eventWrite struct {
	ctx context.Context // of the caller; only for events not in the inbox file
	seq uint64          // inbox sequence number; 0 when not in the file
	ev  Event
	f   func(tx *sql.Tx) error
	acc *Accepted
}

// maxBatch bounds how many events share one transaction.
const maxBatch = 256

// startWriters runs the event writer and the checkpointer until Close.
func (db *DB) startWriters() {
	db.closing = make(chan struct{})
	db.stopped.Add(2)
	go func() {
		defer db.stopped.Done()
		db.eventWriter()
	}()
	go func() {
		defer db.stopped.Done()
		db.checkpointer()
	}()
}

// once runs f in a write transaction after every event accepted before it.
func (db *DB) once(ctx context.Context, f func(tx *sql.Tx) error) error {
	w := &eventWrite{ctx: ctx, f: f, acc: db.newAccepted()}
	if _, err := db.in.push(ctx, w, nil); err != nil {
		return err
	}
	_, err := w.acc.Wait(ctx)
	return err
}

func (db *DB) eventWriter() {
	for {
		batch := db.in.take(maxBatch)
		if batch == nil {
			return
		}
		if !db.writeBatch(batch) {
			// Closing with the database failing: what is left waits in the
			// inbox file for the next Open, in order.
			db.in.drop(errClosed)
			return
		}
	}
}

// writeBatch applies batch, retrying while the database fails (an event in
// the inbox is acknowledged already: it must not be dropped, nor those
// after it applied first). It reports false if it gave up because the
// database is closing.
func (db *DB) writeBatch(batch []*eventWrite) bool {
	for attempt := 0; ; attempt++ {
		err := db.commitBatch(batch)
		if err == nil {
			return true
		}
		// Nothing was committed. A caller still waiting fails (Slack will
		// deliver its event again); events in the file are retried.
		kept := batch[:0]
		for _, w := range batch {
			if w.seq == 0 {
				w.acc.finish(EventResult{}, err)
				continue
			}
			kept = append(kept, w)
		}
		batch = kept
		if len(batch) == 0 {
			return true
		}
		db.lastApplyErr.Store(&err)
		select {
		case <-db.closing:
			for _, w := range batch {
				w.acc.finish(EventResult{}, err)
			}
			return false
		case <-time.After(min(10*time.Millisecond<<min(attempt, 7), time.Second)):
		}
	}
}

// commitBatch applies every event of batch in one transaction, each in a
// savepoint so one that fails leaves nothing behind, and answers each
// after the commit. An error means nothing was committed nor answered.
func (db *DB) commitBatch(batch []*eventWrite) error {
	type outcome struct {
		res EventResult
		err error
	}
	results := make([]outcome, len(batch))
	var last uint64
	bg := context.Background()
	err := db.inTx(bg, func(tx *sql.Tx) error {
		now := db.Now().UTC()
		for i, w := range batch {
			ctx := bg
			if w.seq == 0 {
				// Its caller may have given up: then it must not apply.
				if err := w.ctx.Err(); err != nil {
					results[i].err = err
					continue
				}
				ctx = w.ctx
			} else {
				last = w.seq
			}
			if _, err := tx.ExecContext(bg, "SAVEPOINT event"); err != nil {
				return err
			}
			res, err := applyEvent(ctx, tx, w, now)
			if err != nil {
				if _, rerr := tx.ExecContext(bg, "ROLLBACK TO event"); rerr != nil {
					return rerr
				}
			}
			if _, err := tx.ExecContext(bg, "RELEASE event"); err != nil {
				return err
			}
			results[i] = outcome{res, err}
		}
		// Slack retries for minutes, not days.
		if _, err := tx.ExecContext(bg, "DELETE FROM seen_events WHERE seen_at < ?", nanos(now.Add(-24*time.Hour))); err != nil {
			return fmt.Errorf("prune events: %w", err)
		}
		if last > 0 {
			if _, err := tx.ExecContext(bg, "UPDATE inbox_applied SET seq = ?", last); err != nil {
				return fmt.Errorf("record inbox position: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	db.lastApplyErr.Store(nil)
	db.in.markApplied(last)
	for i, w := range batch {
		w.acc.finish(results[i].res, results[i].err)
	}
	return nil
}

func applyEvent(ctx context.Context, tx *sql.Tx, w *eventWrite, now time.Time) (EventResult, error) {
	if w.f != nil {
		return EventResult{Applied: true}, w.f(tx)
	}
	ev := w.ev
	if ev.ID != "" {
		res, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO seen_events (id, seen_at) VALUES (?, ?)", ev.ID, nanos(now))
		if err != nil {
			return EventResult{}, fmt.Errorf("record event: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return EventResult{}, nil
		}
	}
	out := EventResult{Applied: true}
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
		return EventResult{}, err
	}
	return out, nil
}

// checkpointInterval is how often the WAL is copied back into the database.
const checkpointInterval = 250 * time.Millisecond

// checkpointer moves the WAL into the database from a reader connection
// (PASSIVE: it never waits for, nor blocks, the writer), so a commit never
// pays for a checkpoint inside an acknowledgement.
func (db *DB) checkpointer() {
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-db.closing:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			db.sql.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)") // a busy database just waits for the next tick
			cancel()
		}
	}
}
