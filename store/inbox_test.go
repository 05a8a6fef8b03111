package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The inbox tests are internal: they write inbox files as a crashed bot
// would have left them, and look at the file the store keeps.

var inboxT0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

const inboxLeadTS = "1795424400.000100" // 2026-11-23 09:00 UTC

// withLead opens a fresh database holding the test lead; ctx ends with the
// test (or after 30 s).
func withLead(t *testing.T) (ctx context.Context, file string, db *DB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	file = filepath.Join(t.TempDir(), "smarketing.db")
	db = mustOpenTestDB(t, file)
	if _, err := db.record(ctx, leadEvent("EvL")); err != nil {
		t.Fatal(err)
	}
	return ctx, file, db
}

func leadEvent(id string) Event {
	return Event{ID: id, Lead: &Lead{Channel: "CL", TS: inboxLeadTS, Text: "A lead", PostedBy: "UMKT", PostedAt: inboxT0}}
}

func rateEvent(id, user string, r Rating) Event {
	emoji := map[Rating]string{Good: "+1", Poor: "-1", Hot: "fire"}[r]
	return Event{ID: id, React: &Reaction{Channel: "CL", TS: inboxLeadTS, User: user, Emoji: emoji, Rating: r, Added: true, At: inboxT0.Add(time.Hour)}}
}

// record encodes ev as inbox record seq.
func record(tb testing.TB, seq uint64, ev Event) []byte {
	tb.Helper()
	body, err := json.Marshal(ev)
	if err != nil {
		tb.Fatal(err)
	}
	return encodeRecord(seq, body)
}

// ratings returns user=rating for the test lead, sorted.
func ratings(tb testing.TB, db *DB) []string {
	tb.Helper()
	ds, err := db.Export(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, l := range ds.Leads {
		for _, f := range l.Feedback {
			out = append(out, f.User+"="+string(f.Rating))
		}
	}
	slices.Sort(out)
	return out
}

// TestInboxReplay leaves inbox files as a crash would and checks what Open
// applies: every record not applied yet, once, in order, up to the first
// record cut short or corrupt.
func TestInboxReplay(t *testing.T) {
	tests := []struct {
		name string
		// applied events go in through the store first (and so are
		// recorded as applied); then the file gets file.
		applied []Event
		file    func(tb testing.TB) []byte
		want    []string
		// wantSize is the file's size after Open, -1 to skip the check.
		wantSize func(tb testing.TB) int
	}{
		{
			name: "unapplied records apply, a redelivered event once",
			file: func(tb testing.TB) []byte {
				return slices.Concat(record(tb, 1, leadEvent("EvL")), record(tb, 2, rateEvent("Ev1", "UA", Good)),
					record(tb, 3, rateEvent("Ev1", "UA", Poor)), record(tb, 4, rateEvent("Ev2", "UB", Hot)))
			},
			want: []string{"UA=good", "UB=hot"},
		},
		{
			name:    "records applied before are skipped",
			applied: []Event{leadEvent("EvL"), rateEvent("Ev1", "UA", Good)},
			file: func(tb testing.TB) []byte {
				// Sequence numbers 1 and 2 are applied: a different
				// content under them proves they are not read again.
				return slices.Concat(record(tb, 1, rateEvent("EvX", "UX", Poor)), record(tb, 2, rateEvent("EvY", "UY", Poor)),
					record(tb, 3, rateEvent("Ev2", "UB", Hot)))
			},
			want: []string{"UA=good", "UB=hot"},
		},
		{
			name: "a record cut short ends the replay and is trimmed",
			file: func(tb testing.TB) []byte {
				torn := record(tb, 3, rateEvent("Ev2", "UB", Hot))
				return slices.Concat(record(tb, 1, leadEvent("EvL")), record(tb, 2, rateEvent("Ev1", "UA", Good)), torn[:len(torn)-3])
			},
			want: []string{"UA=good"},
			wantSize: func(tb testing.TB) int {
				return len(record(tb, 1, leadEvent("EvL"))) + len(record(tb, 2, rateEvent("Ev1", "UA", Good)))
			},
		},
		{
			name: "a corrupt record ends the replay",
			file: func(tb testing.TB) []byte {
				bad := record(tb, 2, rateEvent("Ev1", "UA", Good))
				bad[len(bad)-2] ^= 0x20
				return slices.Concat(record(tb, 1, leadEvent("EvL")), bad, record(tb, 3, rateEvent("Ev2", "UB", Hot)))
			},
			want: nil,
		},
		{
			name: "an absurd length ends the replay",
			file: func(tb testing.TB) []byte {
				return slices.Concat(record(tb, 1, leadEvent("EvL")), record(tb, 2, rateEvent("Ev1", "UA", Good)),
					[]byte{0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0})
			},
			want: []string{"UA=good"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			file := filepath.Join(t.TempDir(), "smarketing.db")
			first, err := Open(ctx, file)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range tc.applied {
				if _, err := first.record(ctx, ev); err != nil {
					t.Fatal(err)
				}
			}
			if err := first.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(file + "-inbox"); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("a clean Close left the inbox file (stat: %v)", err)
			}
			if err := os.WriteFile(file+"-inbox", tc.file(t), 0o600); err != nil {
				t.Fatal(err)
			}

			db := mustOpenTestDB(t, file)
			if got := ratings(t, db); !slices.Equal(got, tc.want) {
				t.Errorf("ratings after replay = %v, want %v", got, tc.want)
			}
			if tc.wantSize != nil {
				info, err := os.Stat(file + "-inbox")
				if err != nil {
					t.Fatal(err)
				}
				if want := tc.wantSize(t); info.Size() != int64(want) {
					t.Errorf("inbox size after Open = %d, want %d (the torn record trimmed)", info.Size(), want)
				}
			}
			// What comes next is numbered after everything in the file and
			// survives another crash-free round.
			if _, err := db.record(ctx, rateEvent("EvNext", "UN", Good)); err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			again := mustOpenTestDB(t, file)
			want := slices.Sorted(slices.Values(append(slices.Clone(tc.want), "UN=good")))
			if got := ratings(t, again); !slices.Equal(got, want) {
				t.Errorf("ratings after a later event and reopening = %v, want %v", got, want)
			}
		})
	}
}

// TestAcceptIsDurableBeforeApplied: an accepted event is in the file at
// once, even while another connection holds the write lock, and applies
// once the lock is free.
func TestAcceptIsDurableBeforeApplied(t *testing.T) {
	ctx, file, db := withLead(t)

	conn := holdWriteLock(t, ctx, file)

	acc, err := db.Accept(ctx, rateEvent("Ev1", "UA", Poor))
	if err != nil {
		t.Fatalf("Accept while another writer holds the lock: %v", err)
	}
	data, err := os.ReadFile(file + "-inbox")
	if err != nil {
		t.Fatal(err)
	}
	recs, _, err := readInbox(mustOpen(t, file+"-inbox"))
	if err != nil || len(recs) == 0 || recs[len(recs)-1].ev.ID != "Ev1" {
		t.Fatalf("inbox (%d bytes) holds %+v (%v), want the accepted event last", len(data), recs, err)
	}
	select {
	case <-acc.done:
		t.Fatal("applied while another connection held the write lock")
	default:
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	res, err := acc.Wait(ctx)
	if err != nil || !res.Applied || !res.React.AskReason {
		t.Fatalf("Wait = %+v, %v; want applied, asking for a reason", res, err)
	}
}

// TestAcceptWaitsWhenFarBehind: with the writer stuck and the queue full,
// Accept waits, and gives up (the event is not acked, Slack keeps it) when
// its context ends; nothing accepted is lost.
func TestAcceptWaitsWhenFarBehind(t *testing.T) {
	ctx, file, db := withLead(t)
	db.in.mu.Lock()
	db.in.limit = 2
	db.in.mu.Unlock()
	conn := holdWriteLock(t, ctx, file)

	var accepted []string
	refused := ""
	for i := range 10 {
		user := fmt.Sprintf("U%02d", i)
		short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
		_, err := db.Accept(short, rateEvent("Ev"+user, user, Good))
		cancelShort()
		if errors.Is(err, errBehind) {
			refused = user
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		accepted = append(accepted, user+"=good")
	}
	if refused == "" || len(accepted) > 2+2 {
		t.Fatalf("accepted %d events with the writer stuck and room for 2 queued, refused %q", len(accepted), refused)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	if err := db.WaitApplied(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ratings(t, db); !slices.Equal(got, accepted) {
		t.Errorf("ratings = %v, want the accepted ones %v", got, accepted)
	}
}

// holdWriteLock takes the database's write lock on a connection of its
// own; COMMIT on the returned connection lets it go.
func holdWriteLock(tb testing.TB, ctx context.Context, file string) *sql.Conn {
	tb.Helper()
	other, err := sql.Open("sqlite3", "file:"+file+"?_busy_timeout=10000")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { other.Close() })
	conn, err := other.Conn(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		tb.Fatal(err)
	}
	return conn
}

func mustOpen(tb testing.TB, name string) *os.File {
	tb.Helper()
	f, err := os.Open(name)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}

// TestReadsSeeAcceptedEvents: a read right after Accept (no Wait) already
// counts the event.
func TestReadsSeeAcceptedEvents(t *testing.T) {
	ctx := context.Background()
	db := mustOpenTestDB(t, filepath.Join(t.TempDir(), "smarketing.db"))
	if _, err := db.record(ctx, leadEvent("EvL")); err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		user := "U" + strings.Repeat("x", i%7) + string(rune('A'+i%26)) + time.Duration(i).String()
		if _, err := db.Accept(ctx, rateEvent("Ev"+user, user, Good)); err != nil {
			t.Fatal(err)
		}
		st, err := db.LeadStats(ctx, inboxT0.Add(-time.Hour), inboxT0.Add(time.Hour), 24*time.Hour, inboxT0.Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if st.Rated != 1 || st.Posted != 1 {
			t.Fatalf("after accepting rating %d: LeadStats = %+v, want the lead posted and rated", i, st)
		}
		if got := len(ratings(t, db)); got != i+1 {
			t.Fatalf("after accepting rating %d: export has %d ratings", i, got)
		}
	}
}

// TestInboxEmptiedOnceApplied: a grown file is emptied as soon as it holds
// nothing unapplied, and Close removes it.
func TestInboxEmptiedOnceApplied(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "smarketing.db")
	db := mustOpenTestDB(t, file)
	db.in.mu.Lock()
	db.in.trimSize = 1
	db.in.mu.Unlock()
	for i, ev := range []Event{leadEvent("EvL"), rateEvent("Ev1", "UA", Good)} {
		if _, err := db.record(ctx, ev); err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(file + "-inbox")
		if err != nil {
			t.Fatal(err)
		}
		if info.Size() != 0 {
			t.Errorf("after event %d applied the inbox holds %d bytes, want 0", i, info.Size())
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file + "-inbox"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Close left the inbox file (stat: %v)", err)
	}
}

// TestInboxOwnedByOneProcess: a second Open of the same database (the CLI
// while the bot runs) gets no inbox and applies its events before Accept
// returns; both see each other's writes.
func TestInboxOwnedByOneProcess(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "smarketing.db")
	bot := mustOpenTestDB(t, file)
	cli := mustOpenTestDB(t, file)
	if bot.in.file == nil || cli.in.file != nil {
		t.Fatalf("inbox owners: first %v, second %v; want the first only", bot.in.file != nil, cli.in.file != nil)
	}
	if _, err := cli.record(ctx, leadEvent("EvL")); err != nil {
		t.Fatal(err)
	}
	acc, err := cli.Accept(ctx, rateEvent("Ev1", "UA", Good))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-acc.done:
	default:
		t.Fatal("without an inbox, Accept returned before the event was applied")
	}
	if _, err := bot.record(ctx, rateEvent("Ev2", "UB", Hot)); err != nil {
		t.Fatal(err)
	}
	for name, db := range map[string]*DB{"owner": bot, "other": cli} {
		if got, want := ratings(t, db), []string{"UA=good", "UB=hot"}; !slices.Equal(got, want) {
			t.Errorf("%s sees %v, want %v", name, got, want)
		}
	}
}

// TestCloseAppliesAccepted: events accepted and not waited for are all in
// the database after Close.
func TestCloseAppliesAccepted(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "smarketing.db")
	db, err := Open(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Accept(ctx, leadEvent("EvL")); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, u := range []string{"UA", "UB", "UC", "UD"} {
		if _, err := db.Accept(ctx, rateEvent("Ev"+u, u, Poor)); err != nil {
			t.Fatal(err)
		}
		want = append(want, u+"=poor")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Accept(ctx, rateEvent("EvLate", "UZ", Good)); !errors.Is(err, errClosed) {
		t.Errorf("Accept after Close = %v, want %v", err, errClosed)
	}
	if got := ratings(t, mustOpenTestDB(t, file)); !slices.Equal(got, want) {
		t.Errorf("ratings after Close and reopen = %v, want %v", got, want)
	}
}

func TestAcceptRejectsMalformedEvents(t *testing.T) {
	db := mustOpenTestDB(t, filepath.Join(t.TempDir(), "smarketing.db"))
	for _, ev := range []Event{{ID: "none"}, {ID: "two", Lead: leadEvent("").Lead, React: rateEvent("", "U", Good).React}} {
		if _, err := db.Accept(context.Background(), ev); err == nil {
			t.Errorf("Accept(%+v) = nil error, want one", ev)
		}
	}
}

// TestOtherProcessReadsWhatTheOwnerAcked: a process that does not own the
// inbox (`smarketing export` beside the bot) waits, before it reads, until
// the owner has applied what its inbox held.
func TestOtherProcessReadsWhatTheOwnerAcked(t *testing.T) {
	ctx, file, bot := withLead(t)
	cli := mustOpenTestDB(t, file)
	conn := holdWriteLock(t, ctx, file)
	if _, err := bot.Accept(ctx, rateEvent("Ev1", "UA", Hot)); err != nil {
		t.Fatal(err)
	}
	// Not applied yet: the other process waits its limit and does not
	// take the file as applied.
	cli.settleOther(ctx, 20*time.Millisecond)
	if cli.in.otherSeen != nil {
		t.Fatal("the other process took an unapplied inbox as applied")
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	if got, want := ratings(t, cli), []string{"UA=hot"}; !slices.Equal(got, want) {
		t.Fatalf("the other process read %v right after the lock went, want %v", got, want)
	}
	if cli.in.otherSeen == nil {
		t.Error("the other process did not remember the file as applied")
	}
}

// FuzzReadInbox feeds arbitrary bytes to the inbox reader, as a crash in
// the middle of a write or a damaged disk might leave them: it never
// panics, and what it returns is exactly the valid records at the start of
// the file, which encode back to the bytes they came from.
func FuzzReadInbox(f *testing.F) {
	valid := slices.Concat(record(f, 1, leadEvent("EvL")), record(f, 2, rateEvent("Ev1", "UA", Good)))
	f.Add(valid)
	f.Add(valid[:len(valid)-5])
	f.Add([]byte{})
	f.Add([]byte{8, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		name := filepath.Join(t.TempDir(), "inbox")
		if err := os.WriteFile(name, data, 0o600); err != nil {
			t.Fatal(err)
		}
		file, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer file.Close()
		recs, good, err := readInbox(file)
		if err != nil {
			t.Fatalf("readInbox: %v", err)
		}
		if good > int64(len(data)) {
			t.Fatalf("good = %d past the end (%d bytes)", good, len(data))
		}
		var again []byte
		for _, r := range recs {
			if err := r.ev.check(); err != nil {
				t.Fatalf("returned an invalid event: %v", err)
			}
			again = append(again, data[len(again):len(again)+int(binary.LittleEndian.Uint32(data[len(again):]))+8]...)
		}
		if int64(len(again)) != good || !slices.Equal(again, data[:good]) {
			t.Fatalf("records cover %d bytes, good = %d", len(again), good)
		}
	})
}
