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

// Events (reactions, lead posts) arrive in bursts and each must be durable
// before it is acknowledged. Committing them one transaction each made the
// commit the bottleneck (BENCHMARKS.md), so they go through one writer
// goroutine that takes every event waiting, applies each in its own
// savepoint of one transaction, commits once, and only then answers them
// all: still durable before any ack, at a fraction of the commits.

// eventWrite is one event waiting for the event writer.
type eventWrite struct {
	ctx     context.Context
	eventID string
	f       func(tx *sql.Tx) error
	done    chan eventResult
}

type eventResult struct {
	applied bool
	err     error
}

// maxBatch bounds how many events share one transaction.
const maxBatch = 256

// startWriters runs the event writer and the checkpointer until Close.
func (db *DB) startWriters() {
	db.events = make(chan *eventWrite) // unbuffered: whatever is taken is answered
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

// once runs f in a transaction with the recording of eventID, and reports
// whether it ran: an event id seen before (a redelivery) changes nothing.
// An empty eventID always runs. It returns once the transaction committed.
func (db *DB) once(ctx context.Context, eventID string, f func(tx *sql.Tx) error) (bool, error) {
	w := &eventWrite{ctx: ctx, eventID: eventID, f: f, done: make(chan eventResult, 1)}
	select {
	case db.events <- w:
	case <-ctx.Done():
		return false, ctx.Err()
	case <-db.closing:
		return false, errClosed
	}
	r := <-w.done
	return r.applied, r.err
}

func (db *DB) eventWriter() {
	for {
		var first *eventWrite
		select {
		case first = <-db.events:
		case <-db.closing:
			return
		}
		batch := []*eventWrite{first}
	more:
		for len(batch) < maxBatch {
			select {
			case w := <-db.events:
				batch = append(batch, w)
			default:
				break more
			}
		}
		db.writeBatch(batch)
	}
}

// writeBatch applies every event of batch in one transaction, each in a
// savepoint so one that fails leaves nothing behind, and answers each after
// the commit.
func (db *DB) writeBatch(batch []*eventWrite) {
	results := make([]eventResult, len(batch))
	ctx := context.Background()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		now := db.Now().UTC()
		for i, w := range batch {
			if err := w.ctx.Err(); err != nil {
				results[i].err = err
				continue
			}
			if _, err := tx.ExecContext(ctx, "SAVEPOINT event"); err != nil {
				return err
			}
			applied, err := applyEvent(w.ctx, tx, w, now)
			if err != nil {
				if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO event"); rerr != nil {
					return rerr
				}
			}
			if _, err := tx.ExecContext(ctx, "RELEASE event"); err != nil {
				return err
			}
			results[i] = eventResult{applied: applied && err == nil, err: err}
		}
		// Slack retries for minutes, not days.
		if _, err := tx.ExecContext(ctx, "DELETE FROM seen_events WHERE seen_at < ?", nanos(now.Add(-24*time.Hour))); err != nil {
			return fmt.Errorf("prune events: %w", err)
		}
		return nil
	})
	for i, w := range batch {
		if err != nil {
			results[i] = eventResult{err: err}
		}
		w.done <- results[i]
	}
}

func applyEvent(ctx context.Context, tx *sql.Tx, w *eventWrite, now time.Time) (bool, error) {
	if w.eventID != "" {
		res, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO seen_events (id, seen_at) VALUES (?, ?)", w.eventID, nanos(now))
		if err != nil {
			return false, fmt.Errorf("record event: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return false, nil
		}
	}
	return true, w.f(tx)
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
