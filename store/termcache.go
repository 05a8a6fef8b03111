package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// A /term lookup is two SQLite reads (the term, then its aliases), and with
// the request's cancellable context each costs two goroutines besides: over
// 30 µs, most of the bot's ack for /term (BenchmarkTermLookup). So
// [DB.Term] and [DB.TermByID] keep what they read, and answer from memory
// while the terms have not changed since: about 7 µs.
//
// "Not changed" is decided on every lookup by reading terms_version, a
// counter that every transaction changing terms or term_keys moves on
// ([touchTerms]). A commit by any process is seen by the next lookup, and
// only changes to the terms empty the cache. PRAGMA data_version would not
// do: it is per connection (readers come from a pool), and it moves on
// every lead and reaction the bot stores.

// termCacheLimit bounds the bytes the cache holds (as [termEntry.size]
// estimates them); a typical glossary of a few thousand terms fits.
const termCacheLimit = 8 << 20

// termEntryOverhead is what an entry costs besides its strings: the Term
// struct, the map slot and the key.
const termEntryOverhead = 256

// termCache holds terms as read at one terms_version. Its zero value is
// ready to use.
type termCache struct {
	mu      sync.Mutex
	version int64 // terms_version the entries were read at
	entries map[termCacheKey]termEntry
	size    int // sum of the entries' sizes
	limit   int // bytes; 0 means termCacheLimit (tests set less)
}

// termCacheKey is one lookup: by [Key] of a name or alias, or by id.
type termCacheKey struct {
	byName bool
	key    string
	id     int64
}

// termEntry is the answer to one lookup: a term, or not found.
type termEntry struct {
	term  Term
	found bool
	size  int
}

// cachedTerm answers k from the cache if the terms are unchanged since it
// was stored, and otherwise reads the term where (with arg) and stores it.
func (db *DB) cachedTerm(ctx context.Context, k termCacheKey, where string, arg any) (Term, error) {
	if err := ctx.Err(); err != nil {
		return Term{}, err
	}
	// The reads below go without ctx's cancellation: database/sql and the
	// driver each start a goroutine per query to watch a cancellable
	// context, which doubled the cost of these point reads, and there is
	// nothing to cancel: a read in WAL mode does not wait for writers.
	ctx = context.WithoutCancel(ctx)
	var version int64
	if err := db.sql.QueryRowContext(ctx, "SELECT n FROM terms_version").Scan(&version); err != nil {
		return Term{}, fmt.Errorf("read terms version: %w", err)
	}
	if t, found, ok := db.terms.get(version, k); ok {
		if !found {
			return Term{}, ErrNotFound
		}
		return t, nil
	}
	// Read after the version: what is stored is at least as new as the
	// version it is stored under.
	t, err := db.termWhere(ctx, db.sql, where, arg)
	switch {
	case errors.Is(err, ErrNotFound):
		db.terms.put(version, k, Term{}, false)
	case err == nil:
		db.terms.put(version, k, t, true)
	}
	return t, err
}

// touchTerms moves terms_version on within tx, which changes terms or
// term_keys: the term cache of every process then reads the terms again.
// addTerm, updateTerm and DeleteTerm call it; so must any new writer of
// those tables. (Triggers would cost more: see migration 0008.)
func touchTerms(ctx context.Context, tx execer) error {
	// WHERE on the key makes this a one-row write: no statement journal,
	// whose savepoint would flush the full-text index's pending terms.
	res, err := tx.ExecContext(ctx, "UPDATE terms_version SET n = n + 1 WHERE id = 1")
	if err != nil {
		return fmt.Errorf("touch terms version: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("touch terms version: %w", err)
	}
	if n != 1 {
		return fmt.Errorf("touch terms version: %d rows changed, want 1", n)
	}
	return nil
}

// get returns the entry for k if it was stored at version. found is false
// for a lookup that found no term; ok is false for a miss.
func (c *termCache) get(version int64, k termCacheKey) (t Term, found, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.moveTo(version)
	e, ok := c.entries[k]
	if !ok {
		return Term{}, false, false
	}
	t = e.term
	t.Aliases = slices.Clone(t.Aliases) // the caller's to change
	return t, e.found, true
}

// put stores the answer to k read at version, dropping entries at random
// until it fits.
func (c *termCache) put(version int64, k termCacheKey, t Term, found bool) {
	e := termEntry{term: t, found: found, size: termEntrySize(k, t)}
	e.term.Aliases = slices.Clone(t.Aliases) // the caller may change its copy
	c.mu.Lock()
	defer c.mu.Unlock()
	limit := c.limit
	if limit == 0 {
		limit = termCacheLimit
	}
	if e.size > limit {
		return
	}
	c.moveTo(version)
	if old, ok := c.entries[k]; ok {
		c.size -= old.size
		delete(c.entries, k)
	}
	// Map iteration starts at a random entry.
	for victim, old := range c.entries {
		if c.size+e.size <= limit {
			break
		}
		c.size -= old.size
		delete(c.entries, victim)
	}
	if c.entries == nil {
		c.entries = map[termCacheKey]termEntry{}
	}
	c.entries[k] = e
	c.size += e.size
}

// moveTo empties the cache if its entries were read at another version.
// Any other, not only a higher one: entries are right for their version
// alone, and a lookup that read an older one is concurrent with the change.
func (c *termCache) moveTo(version int64) {
	if version == c.version {
		return
	}
	clear(c.entries)
	c.version, c.size = version, 0
}

// len returns the number of entries.
func (c *termCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// bytes returns the estimated size of the entries.
func (c *termCache) bytes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}

func termEntrySize(k termCacheKey, t Term) int {
	n := termEntryOverhead + len(k.key) + len(t.Name) + len(t.Category) + len(t.Definition) +
		len(t.CreatedBy) + len(t.CreatedByName) + len(t.UpdatedBy) + len(t.UpdatedByName)
	for _, a := range t.Aliases {
		n += 16 + len(a)
	}
	return n
}
