package store

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"sync"
	"time"
)

// Events from Slack (lead posts, edits, deletes, rating reactions) must be
// durable before the bot acks them, and the ack should not wait for a
// SQLite transaction. So an event is first appended to the inbox, a file
// beside the database (<database>-inbox), with one write(2); that is the
// durable step. The event writer (writer.go) then applies inbox records to
// the database in order, in batches, and stores the sequence number of the
// last one applied in the same transaction (table inbox_applied). Open
// replays whatever a crash left unapplied before it returns, and the file is
// emptied whenever everything in it is applied and it has grown.
//
// Durability is that of SQLite with synchronous=NORMAL: a record survives
// the process being killed (the kernel has it), not a power cut in the next
// moments. A record is
//
//	uint32 length of the rest | uint32 CRC-32C of the rest | uint64 sequence number | JSON Event
//
// and replay stops at the first record that is cut short or corrupt (a
// power cut mid-write; a killed process cannot tear a write(2)).
//
// One process owns the inbox, under an flock. Another process opening the
// same database (the CLI while the bot runs) has none: its events apply
// before Accept returns, as before the inbox existed.

// Event is a change to the leads that arrives from Slack. Exactly one of
// Lead, Edit, Delete and React is set.
type Event struct {
	ID     string    `json:"id,omitempty"` // Slack's event id: a redelivery changes nothing; "" always applies
	Lead   *Lead     `json:"lead,omitempty"`
	Edit   *LeadEdit `json:"edit,omitempty"`
	Delete *LeadRef  `json:"delete,omitempty"`
	React  *Reaction `json:"react,omitempty"`
}

// LeadEdit is a lead's new text.
type LeadEdit struct{ Channel, TS, Text string }

// LeadRef names a lead by its message.
type LeadRef struct{ Channel, TS string }

func (ev Event) check() error {
	n := 0
	for _, set := range []bool{ev.Lead != nil, ev.Edit != nil, ev.Delete != nil, ev.React != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("store: event %q must carry exactly one change, has %d", ev.ID, n)
	}
	return nil
}

// EventResult is what applying an event did.
type EventResult struct {
	Applied bool        // false for an event id applied before (a redelivery)
	React   ReactResult // for a reaction
}

// Accepted is an event made durable and waiting to be applied.
type Accepted struct {
	done chan struct{}
	db   *DB // for the reason it is late

	mu       sync.Mutex
	finished bool
	res      EventResult
	err      error
	then     []func(EventResult, error)
}

func (db *DB) newAccepted() *Accepted { return &Accepted{done: make(chan struct{}), db: db} }

func (a *Accepted) finish(res EventResult, err error) {
	a.mu.Lock()
	a.finished, a.res, a.err = true, res, err
	then := a.then
	a.then = nil
	a.mu.Unlock()
	close(a.done)
	for _, f := range then {
		f(res, err)
	}
}

// Wait returns what applying the event did, once it is applied, or ctx's
// error. The event is applied even if nobody waits.
func (a *Accepted) Wait(ctx context.Context) (EventResult, error) {
	select {
	case <-a.done:
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.res, a.err
	case <-ctx.Done():
		if p := a.db.lastApplyErr.Load(); p != nil {
			return EventResult{}, fmt.Errorf("not applied yet: %w (the database keeps failing: %w)", ctx.Err(), *p)
		}
		return EventResult{}, ctx.Err()
	}
}

// Then calls f with what applying the event did, once it is applied (at
// once if it is). f runs on the database's writer, so it must not block.
func (a *Accepted) Then(f func(EventResult, error)) {
	a.mu.Lock()
	if !a.finished {
		a.then = append(a.then, f)
		a.mu.Unlock()
		return
	}
	res, err := a.res, a.err
	a.mu.Unlock()
	f(res, err)
}

// Accept makes ev durable and returns at once; the event writer applies it
// shortly, in the order accepted. Reads of leads wait for the events
// accepted before them, so an accepted rating is never missing from a
// figure asked for afterwards. Without an inbox (another process owns it)
// Accept returns only once ev is applied.
func (db *DB) Accept(ctx context.Context, ev Event) (*Accepted, error) {
	if err := ev.check(); err != nil {
		return nil, err
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encode event: %w", err)
	}
	w := &eventWrite{ctx: ctx, ev: ev, acc: db.newAccepted()}
	durable, err := db.in.push(ctx, w, body)
	if err != nil {
		return nil, err
	}
	if !durable {
		if _, err := w.acc.Wait(ctx); err != nil {
			return nil, err
		}
	}
	return w.acc, nil
}

// record accepts ev and waits until it is applied.
func (db *DB) record(ctx context.Context, ev Event) (EventResult, error) {
	acc, err := db.Accept(ctx, ev)
	if err != nil {
		return EventResult{}, err
	}
	return acc.Wait(ctx)
}

// Limits of the inbox.
const (
	// inboxTrimSize is the size past which the file is emptied once
	// everything in it is applied.
	inboxTrimSize = 4 << 20
	// maxQueued bounds the events accepted and not yet applied, well under
	// a second of work: past it Accept waits for the writer, so a flood
	// slows the acks (Slack then holds back) instead of the database
	// falling ever further behind.
	maxQueued = 4096
	// maxRecord bounds one record; Slack messages are at most 40,000
	// characters.
	maxRecord = 1 << 20
)

var errBehind = errors.New("store: too many events waiting to be applied")

// inbox is the queue of the event writer and, when this process owns it,
// the file that makes queued events durable.
type inbox struct {
	mu       sync.Mutex
	name     string
	file     *os.File // nil: events are durable only once applied
	broken   bool     // a write failed and could not be undone: stop using the file
	size     int64
	trimSize int64
	limit    int           // of the queue
	written  uint64        // sequence number of the last record written
	applied  uint64        // … and of the last applied
	settled  chan struct{} // closed and replaced after every batch
	queue    []*eventWrite
	closed   bool
	wake     chan struct{} // the queue has work

	// otherSeen is the owner's file as last found all applied, when
	// another process owns the inbox.
	otherSeen os.FileInfo
}

func (in *inbox) init() {
	in.trimSize = inboxTrimSize
	in.limit = maxQueued
	in.settled = make(chan struct{})
	in.wake = make(chan struct{}, 1)
}

// push queues w, first appending it to the file if there is one, and
// reports whether it is durable already.
func (in *inbox) push(ctx context.Context, w *eventWrite, body []byte) (bool, error) {
	in.mu.Lock()
	for len(in.queue) >= in.limit && !in.closed {
		ch := in.settled
		in.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return false, fmt.Errorf("%w: %w", errBehind, ctx.Err())
		}
		in.mu.Lock()
	}
	defer in.mu.Unlock()
	if in.closed {
		return false, errClosed
	}
	durable := in.file != nil && !in.broken && body != nil
	if durable {
		if len(body) > maxRecord {
			return false, fmt.Errorf("store: event %q is too big (%d bytes)", w.ev.ID, len(body))
		}
		seq := in.written + 1
		rec := encodeRecord(seq, body)
		if _, err := in.file.Write(rec); err != nil {
			// A partial record would end every later replay: cut it off.
			if terr := in.file.Truncate(in.size); terr != nil {
				in.broken = true
			}
			return false, fmt.Errorf("write inbox: %w", err)
		}
		in.size += int64(len(rec))
		in.written = seq
		w.seq = seq
	}
	in.queue = append(in.queue, w)
	select {
	case in.wake <- struct{}{}:
	default:
	}
	return durable, nil
}

// take returns up to n queued events in order, waiting for one; nil once
// the inbox is closed and empty.
func (in *inbox) take(n int) []*eventWrite {
	for {
		in.mu.Lock()
		if len(in.queue) > 0 {
			n = min(n, len(in.queue))
			batch := make([]*eventWrite, n)
			copy(batch, in.queue)
			clear(in.queue[:n])
			in.queue = in.queue[n:]
			if len(in.queue) == 0 {
				in.queue = nil
			}
			in.mu.Unlock()
			return batch
		}
		closed := in.closed
		in.mu.Unlock()
		if closed {
			return nil
		}
		<-in.wake
	}
}

// close stops new events; take drains what is queued, then returns nil.
func (in *inbox) close() {
	in.mu.Lock()
	in.closed = true
	in.mu.Unlock()
	select {
	case in.wake <- struct{}{}:
	default:
	}
}

// drop empties the queue (the database is closing and cannot apply it):
// durable events stay in the file for the next Open, the others fail.
func (in *inbox) drop(err error) {
	in.mu.Lock()
	q := in.queue
	in.queue = nil
	in.mu.Unlock()
	for _, w := range q {
		w.acc.finish(EventResult{}, err)
	}
}

// markApplied records that a batch is applied, with every durable event
// up to seq (0: none in the batch), and empties the file if it holds
// nothing else and has grown.
func (in *inbox) markApplied(seq uint64) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.applied = max(in.applied, seq)
	close(in.settled)
	in.settled = make(chan struct{})
	if in.file != nil && in.applied == in.written && in.size >= in.trimSize {
		if err := in.file.Truncate(0); err == nil {
			in.size = 0
		}
	}
}

// settle waits until every event accepted so far is applied, or until ctx
// is done or limit passes; a stuck writer delays reads, it does not fail
// them.
func (in *inbox) settle(ctx context.Context, limit time.Duration) bool {
	in.mu.Lock()
	target := in.written
	var timeout <-chan time.Time
	for in.applied < target {
		ch := in.settled
		in.mu.Unlock()
		if timeout == nil {
			t := time.NewTimer(limit)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return false
		case <-timeout:
			return false
		}
		in.mu.Lock()
	}
	in.mu.Unlock()
	return true
}

// WaitApplied waits until every event accepted so far is in the database,
// or returns ctx's error.
func (db *DB) WaitApplied(ctx context.Context) error {
	for !db.in.settle(ctx, time.Minute) {
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// settle makes a read see every event accepted before it, by this process
// or by the one that owns the inbox.
func (db *DB) settle(ctx context.Context) {
	db.in.mu.Lock()
	owned := db.in.file != nil
	db.in.mu.Unlock()
	if owned {
		db.in.settle(ctx, time.Second)
		return
	}
	db.settleOther(ctx, time.Second)
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// encodeRecord frames an encoded Event as the inbox record seq.
func encodeRecord(seq uint64, body []byte) []byte {
	rec := make([]byte, 16+len(body))
	binary.LittleEndian.PutUint32(rec[0:], uint32(8+len(body)))
	binary.LittleEndian.PutUint64(rec[8:], seq)
	copy(rec[16:], body)
	binary.LittleEndian.PutUint32(rec[4:], crc32.Checksum(rec[8:], crcTable))
	return rec
}

// openInbox takes the inbox file beside the database if no other process
// holds it, and queues the records not applied yet.
func (db *DB) openInbox(ctx context.Context, name string) error {
	db.in.init()
	db.in.name = name
	f, err := lockInbox(name)
	if err != nil || f == nil {
		return err // nil, nil: another process owns it
	}
	var applied uint64
	if err := db.w.QueryRowContext(ctx, "SELECT seq FROM inbox_applied").Scan(&applied); err != nil {
		f.Close()
		return fmt.Errorf("read inbox position: %w", err)
	}
	recs, good, err := readInbox(f)
	if err != nil {
		f.Close()
		return fmt.Errorf("read inbox: %w", err)
	}
	if info, err := f.Stat(); err == nil && info.Size() > good {
		// A record cut short by a crash was never acknowledged.
		if err := f.Truncate(good); err != nil {
			f.Close()
			return fmt.Errorf("trim inbox: %w", err)
		}
	}
	in := &db.in
	in.file, in.size, in.applied, in.written = f, good, applied, applied
	for _, r := range recs {
		in.written = max(in.written, r.seq)
		if r.seq <= applied {
			continue
		}
		in.queue = append(in.queue, &eventWrite{ctx: context.Background(), seq: r.seq, ev: r.ev, acc: db.newAccepted()})
	}
	if len(in.queue) > 0 {
		in.wake <- struct{}{}
	}
	return nil
}

// lockInbox opens and locks the inbox file, or returns nil if another
// process holds it.
func lockInbox(name string) (*os.File, error) {
	for range 3 {
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open inbox: %w", err)
		}
		owned, err := lockFile(f)
		if err != nil || !owned {
			f.Close()
			if err != nil {
				return nil, fmt.Errorf("lock inbox: %w", err)
			}
			return nil, nil
		}
		// The owner before may have removed the file between our open and
		// our lock: then we hold a lock on a file nobody will find.
		held, err1 := f.Stat()
		named, err2 := os.Stat(name)
		if err1 == nil && err2 == nil && os.SameFile(held, named) {
			return f, nil
		}
		f.Close()
	}
	return nil, errors.New("open inbox: the file keeps being replaced")
}

type inboxRecord struct {
	seq uint64
	ev  Event
}

// readInbox reads f from the start up to the first record that is cut
// short or corrupt, and returns the records and the size they take.
func readInbox(f *os.File) ([]inboxRecord, int64, error) {
	var recs []inboxRecord
	good, err := scanInbox(f, func(seq uint64, body []byte) bool {
		rec := inboxRecord{seq: seq}
		if err := json.Unmarshal(body, &rec.ev); err != nil || rec.ev.check() != nil {
			return false
		}
		recs = append(recs, rec)
		return true
	})
	return recs, good, err
}

// scanInbox calls each with the records of f from the start, up to the
// first that is cut short or corrupt or that each refuses, and returns the
// size of those it took.
func scanInbox(f *os.File, each func(seq uint64, body []byte) bool) (int64, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	r := bufio.NewReaderSize(f, 1<<16)
	var good int64
	var head [8]byte
	for {
		if _, err := io.ReadFull(r, head[:]); err != nil {
			return good, nil // the end, or a header cut short
		}
		n := binary.LittleEndian.Uint32(head[0:])
		if n < 8 || n > maxRecord+8 {
			return good, nil
		}
		rest := make([]byte, n)
		if _, err := io.ReadFull(r, rest); err != nil {
			return good, nil
		}
		if crc32.Checksum(rest, crcTable) != binary.LittleEndian.Uint32(head[4:]) {
			return good, nil
		}
		if !each(binary.LittleEndian.Uint64(rest), rest[8:]) {
			return good, nil
		}
		good += int64(8 + n)
	}
}

// settleOther is settle in a process that does not own the inbox (say
// `smarketing export` while the bot runs): it waits, polling, until the
// owner has applied every record its file held at the start, so what the
// bot acknowledged is in what this process reads. It returns at once when
// the file has not changed since it last found it applied.
func (db *DB) settleOther(ctx context.Context, limit time.Duration) {
	in := &db.in
	info, err := os.Stat(in.name)
	if err != nil {
		return // no owner, or nothing to wait for
	}
	in.mu.Lock()
	seen := in.otherSeen != nil && in.otherSeen.Size() == info.Size() && in.otherSeen.ModTime().Equal(info.ModTime())
	in.mu.Unlock()
	if seen {
		return
	}
	f, err := os.Open(in.name)
	if err != nil {
		return
	}
	var last uint64
	_, err = scanInbox(f, func(seq uint64, _ []byte) bool { last = max(last, seq); return true })
	f.Close()
	if err != nil {
		return
	}
	deadline := time.Now().Add(limit)
	for {
		var applied uint64
		if err := db.sql.QueryRowContext(ctx, "SELECT seq FROM inbox_applied").Scan(&applied); err != nil {
			return
		}
		if applied >= last {
			in.mu.Lock()
			in.otherSeen = info
			in.mu.Unlock()
			return
		}
		if time.Now().After(deadline) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Millisecond): // another process: nothing to wait on but the database
		}
	}
}

// closeFile removes the file if everything in it is applied (a clean stop
// leaves none behind), then lets it go, and its lock with it.
func (in *inbox) closeFile() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.file == nil {
		return nil
	}
	var err error
	if in.applied == in.written {
		err = os.Remove(in.name) // still locked: nobody else is using it
	}
	err = errors.Join(err, in.file.Close())
	in.file = nil
	return err
}
