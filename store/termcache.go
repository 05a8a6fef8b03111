package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// A /term lookup read from SQLite is two queries through database/sql and
// cgo: 30-80 µs, most of the bot's ack for /term (BENCHMARKS.md). The
// glossary is small and read far more than written, so [DB.Term] and
// [DB.TermByID] answer from a copy of the whole glossary in memory, read in
// one read transaction and kept while the terms are unchanged:
//
//   - a change made through this DB (add, edit, delete, import) is seen by
//     the next lookup: it moves termWrites on after its commit;
//   - a change made by another process (the CLI beside the bot) is seen
//     within termRecheck: every transaction that changes terms or term_keys
//     moves the terms_version counter on (touchTerms), and a lookup reads it
//     when the copy has not been confirmed for that long.
//
// Reading the counter on every lookup cost 7-26 µs itself, as much as the
// rest of the answer. A glossary bigger than termCacheLimit is not copied;
// lookups then read SQLite.

// termCacheLimit bounds the bytes of the copy (as termSize estimates
// them); a glossary of tens of thousands of terms fits.
const termCacheLimit = 64 << 20

// termRecheck is how long a copy is used without asking SQLite whether
// another process changed the terms.
const termRecheck = 250 * time.Millisecond

// termCache is a copy of the glossary. Its zero value is ready to use.
type termCache struct {
	mu      sync.Mutex
	loaded  bool  // byKey and byID hold the glossary at version
	tooBig  bool  // the glossary at version is over the limit: read SQLite
	version int64 // terms_version of the copy
	writes  uint64
	checked time.Time // when version was last confirmed
	byKey   map[string]int64
	byID    map[int64]Term
	size    int

	// Tests lower these.
	limit   int           // 0 means termCacheLimit
	recheck time.Duration // 0 means termRecheck; < 0 means every lookup
}

// cachedTerm answers a lookup by key (byName) or by id from the copy of the
// glossary, bringing the copy up to date first if it may be stale.
func (db *DB) cachedTerm(ctx context.Context, byName bool, key string, id int64) (Term, error) {
	if err := ctx.Err(); err != nil {
		return Term{}, err
	}
	// The reads go without ctx's cancellation: database/sql and the driver
	// each start a goroutine per query to watch a cancellable context,
	// which doubled the cost of these reads, and there is nothing to
	// cancel: a read in WAL mode does not wait for writers.
	ctx = context.WithoutCancel(ctx)
	c := &db.terms
	c.mu.Lock()
	if err := db.refreshTerms(ctx); err != nil {
		c.mu.Unlock()
		return Term{}, err
	}
	if c.tooBig {
		c.mu.Unlock()
		if byName {
			return db.termWhere(ctx, db.sql, "t.id = (SELECT term_id FROM term_keys WHERE key = ?)", key)
		}
		return db.termWhere(ctx, db.sql, "t.id = ?", id)
	}
	defer c.mu.Unlock()
	if byName {
		var ok bool
		if id, ok = c.byKey[key]; !ok {
			return Term{}, ErrNotFound
		}
	}
	t, ok := c.byID[id]
	if !ok {
		return Term{}, ErrNotFound
	}
	t.Aliases = slices.Clone(t.Aliases) // the caller's to change
	return t, nil
}

// refreshTerms brings the copy up to date if it may be stale: it asks
// SQLite for terms_version and reads the glossary again if that moved.
// c.mu is held.
func (db *DB) refreshTerms(ctx context.Context) error {
	c := &db.terms
	writes := db.termWrites.Load()
	recheck := c.recheck
	if recheck == 0 {
		recheck = termRecheck
	}
	if c.loaded && writes == c.writes && recheck > 0 && time.Since(c.checked) < recheck {
		return nil
	}
	now := time.Now()
	var version int64
	if err := db.sql.QueryRowContext(ctx, "SELECT n FROM terms_version").Scan(&version); err != nil {
		return fmt.Errorf("read terms version: %w", err)
	}
	if c.loaded && version == c.version {
		c.writes, c.checked = writes, now
		return nil
	}
	// Read the version again inside the transaction that reads the terms,
	// so the copy is filed under the version it is.
	limit := c.limit
	if limit == 0 {
		limit = termCacheLimit
	}
	var terms []Term
	var keys map[string]int64
	size := 0
	err := db.readTx(ctx, func(q queryer) error {
		if err := q.QueryRowContext(ctx, "SELECT n FROM terms_version").Scan(&version); err != nil {
			return fmt.Errorf("read terms version: %w", err)
		}
		var err error
		if terms, err = listTerms(ctx, q); err != nil {
			return err
		}
		for _, t := range terms {
			size += termSize(t)
		}
		if size > limit {
			return nil
		}
		rows, err := q.QueryContext(ctx, "SELECT key, term_id FROM term_keys")
		if err != nil {
			return fmt.Errorf("list term keys: %w", err)
		}
		defer rows.Close()
		keys = map[string]int64{}
		for rows.Next() {
			var key string
			var id int64
			if err := rows.Scan(&key, &id); err != nil {
				return fmt.Errorf("list term keys: %w", err)
			}
			keys[key] = id
			size += len(key) + 48
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	c.loaded, c.version, c.writes, c.checked = true, version, writes, now
	c.tooBig = size > limit
	c.byKey, c.byID, c.size = nil, nil, 0
	if c.tooBig {
		return nil
	}
	c.byKey, c.size = keys, size
	c.byID = make(map[int64]Term, len(terms))
	for _, t := range terms {
		c.byID[t.ID] = t
	}
	return nil
}

// LoadTerms reads the glossary into memory now, rather than at the first
// lookup.
func (db *DB) LoadTerms(ctx context.Context) error {
	c := &db.terms
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := db.refreshTerms(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("load terms: %w", err)
	}
	return nil
}

// termsChanged tells the copy that this DB committed a change to the terms.
func (db *DB) termsChanged() { db.termWrites.Add(1) }

// touchTerms moves terms_version on within tx, which changes terms or
// term_keys, so that other processes read the terms again. addTerm,
// updateTerm and DeleteTerm call it; so must any new writer of those
// tables. (Triggers would cost more: see migration 0008.)
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

// termSize estimates the memory a term takes in the copy.
func termSize(t Term) int {
	n := 256 + len(t.Name) + len(t.Category) + len(t.Definition) +
		len(t.CreatedBy) + len(t.CreatedByName) + len(t.UpdatedBy) + len(t.UpdatedByName)
	for _, a := range t.Aliases {
		n += 16 + len(a)
	}
	return n
}
