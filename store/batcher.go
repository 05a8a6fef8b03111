package store

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Events (reactions, lead posts) arrive in bursts, and each must be
// committed — durably: SQLite synchronous=FULL, PostgreSQL
// synchronous_commit=on — before Slack is told it arrived. One commit per
// event would make the disk's flush the bottleneck, so a Batcher (one per
// store) runs one writer that takes every event waiting, up to MaxBatch,
// has the backend apply them all in one transaction, commits once, and
// only then answers each caller. The ack therefore costs one flush shared
// by the whole batch, and reads see every event acknowledged, with no
// waiting.

// MaxBatch bounds how many events share one transaction.
const MaxBatch = 256

// ApplyBatch applies events in one transaction and commits it, returning
// one result per event, in order. An event the database refuses (a
// constraint: a poison event) is recorded as failed within the same
// transaction and answered Skipped. An error means the transaction did not
// commit (a transient failure: disk full, I/O, connection lost): nothing
// of the batch is applied.
type ApplyBatch func(ctx context.Context, events []Event) ([]EventResult, error)

// Batcher applies events by group commit; see [ApplyBatch].
type Batcher struct {
	apply ApplyBatch
	log   *slog.Logger
	obs   Observer

	mu     sync.RWMutex // held to send on queue, so Close cannot close it under a sender
	closed bool
	queue  chan *pendingEvent
	done   chan struct{}
}

type pendingEvent struct {
	ctx  context.Context
	ev   Event
	res  EventResult
	err  error
	done chan struct{}
}

// Retries of a batch that failed to commit, before its callers are told
// (and leave their envelopes unacknowledged, so Slack delivers again).
var batchBackoff = []time.Duration{10 * time.Millisecond, 100 * time.Millisecond, 500 * time.Millisecond}

// NewBatcher starts a batcher that applies events with apply, until Close.
// It tells obs (nil: nobody) how each event ended and of each failed
// commit.
func NewBatcher(apply ApplyBatch, log *slog.Logger, obs Observer) *Batcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if obs == nil {
		obs = nopObserver{}
	}
	b := &Batcher{apply: apply, log: log, obs: obs, queue: make(chan *pendingEvent, MaxBatch), done: make(chan struct{})}
	go b.run()
	return b
}

// Record applies ev and returns once it is committed. It returns ctx's
// error if ctx ends first: the event may or may not be committed then,
// and a redelivery of it changes nothing if it was.
func (b *Batcher) Record(ctx context.Context, ev Event) (EventResult, error) {
	if err := ev.Check(); err != nil {
		return EventResult{}, err
	}
	p := &pendingEvent{ctx: ctx, ev: ev, done: make(chan struct{})}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return EventResult{}, ErrClosed
	}
	select {
	case b.queue <- p:
		b.mu.RUnlock()
	case <-ctx.Done():
		b.mu.RUnlock()
		return EventResult{}, ctx.Err()
	}
	select {
	case <-p.done:
		return p.res, p.err
	case <-ctx.Done():
		return EventResult{}, ctx.Err()
	}
}

// Close applies the events queued, then stops the writer.
func (b *Batcher) Close() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.queue)
	}
	b.mu.Unlock()
	<-b.done
}

func (b *Batcher) run() {
	defer close(b.done)
	for {
		first, ok := <-b.queue
		if !ok {
			return
		}
		batch := []*pendingEvent{first}
	take:
		for len(batch) < MaxBatch {
			select {
			case p, ok := <-b.queue:
				if !ok {
					break take
				}
				batch = append(batch, p)
			default:
				break take
			}
		}
		b.commit(batch)
	}
}

// commit applies batch, retrying a failed commit while someone waits.
func (b *Batcher) commit(batch []*pendingEvent) {
	for attempt := 0; ; attempt++ {
		// A caller that gave up must not have its event applied now: it
		// was not acknowledged, so Slack delivers it again.
		live := batch[:0]
		for _, p := range batch {
			if err := p.ctx.Err(); err != nil {
				b.obs.EventDone("failed")
				p.finish(EventResult{}, err)
				continue
			}
			live = append(live, p)
		}
		batch = live
		if len(batch) == 0 {
			return
		}
		events := make([]Event, len(batch))
		for i, p := range batch {
			events[i] = p.ev
		}
		results, err := b.apply(context.Background(), events)
		if err == nil && len(results) != len(batch) {
			err = fmt.Errorf("store: %d results for %d events", len(results), len(batch))
		}
		if err == nil {
			for i, p := range batch {
				switch {
				case results[i].Skipped:
					b.log.Error("poison event recorded and skipped", "event_id", p.ev.ID)
					b.obs.EventDone("skipped")
				case results[i].Applied:
					b.obs.EventDone("applied")
				default:
					b.obs.EventDone("duplicate")
				}
				p.finish(results[i], nil)
			}
			return
		}
		b.obs.DBError("commit_events")
		if attempt >= len(batchBackoff) {
			b.log.Error("events not committed; left unacknowledged for Slack to deliver again",
				"events", len(batch), "attempts", attempt+1, "err", err)
			for _, p := range batch {
				b.obs.EventDone("failed")
				p.finish(EventResult{}, fmt.Errorf("commit events: %w", err))
			}
			return
		}
		b.log.Warn("commit events failed; retrying", "events", len(batch), "attempt", attempt+1, "err", err)
		time.Sleep(batchBackoff[attempt])
	}
}

func (p *pendingEvent) finish(res EventResult, err error) {
	p.res, p.err = res, err
	close(p.done)
}
