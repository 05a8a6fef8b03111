package store

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// A /term lookup through SQL is two queries: tens of microseconds, most of
// the bot's ack for /term (BENCHMARKS.md). The glossary is small and read
// far more than written, so both backends answer Term and TermByID from a
// GlossaryCopy: a snapshot of the whole glossary in memory, swapped
// atomically, so a lookup never waits — not for a write, not for a reload.
//
//   - A change made through this store is in the copy when the call that
//     made it returns: the backend reloads the copy after its commit.
//   - A change made elsewhere (another instance, the CLI beside the bot)
//     moves a version counter on in the same transaction; the copy polls it
//     every [GlossaryPoll] and reloads when it moved.
//
// A glossary bigger than the copy's limit is not copied: lookups then go
// to the database.

// GlossaryPoll is how often the copy asks the database whether another
// process changed the terms: their edits show within it.
const GlossaryPoll = 250 * time.Millisecond

// GlossaryLimit bounds the bytes of the copy (as termSize estimates them);
// a glossary of tens of thousands of terms fits.
const GlossaryLimit = 64 << 20

// GlossarySource is what a backend gives its glossary copy.
type GlossarySource interface {
	// GlossaryVersion returns the counter every change to the terms moves on.
	GlossaryVersion(ctx context.Context) (int64, error)
	// ReadGlossary reads the version, every term (with aliases) and every
	// key (name or alias, by [Key]) with its term id, in one snapshot.
	ReadGlossary(ctx context.Context) (version int64, terms []Term, keys map[string]int64, err error)
}

// GlossaryCopy is the in-memory copy of the glossary.
type GlossaryCopy struct {
	src    GlossarySource
	log    *slog.Logger
	limit  int
	snap   atomic.Pointer[glossarySnapshot] // nil: not usable, ask the database
	reload sync.Mutex                       // one reload at a time

	stop chan struct{}
	done chan struct{}
}

type glossarySnapshot struct {
	version int64
	tooBig  bool
	byKey   map[string]int64
	byID    map[int64]Term
	all     []Term        // sorted by [SortTerms]
	suggest *SuggestIndex // the names and aliases, for did-you-mean
}

// NewGlossaryCopy returns a copy of src's glossary, empty until [Load]. A
// limit of 0 means [GlossaryLimit].
func NewGlossaryCopy(src GlossarySource, log *slog.Logger, limit int) *GlossaryCopy {
	if limit <= 0 {
		limit = GlossaryLimit
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &GlossaryCopy{src: src, log: log, limit: limit}
}

// Load reads the glossary if the database's version differs from the
// copy's (or there is no copy yet), and swaps the new snapshot in.
func (g *GlossaryCopy) Load(ctx context.Context) error {
	g.reload.Lock()
	defer g.reload.Unlock()
	if cur := g.snap.Load(); cur != nil {
		v, err := g.src.GlossaryVersion(ctx)
		if err != nil {
			return err
		}
		if v == cur.version {
			return nil
		}
	}
	return g.read(ctx)
}

// Reload reads the glossary now: the backend calls it after committing a
// change to the terms, so that the change is in the copy when the call
// that made it returns. If it fails, the copy is dropped (lookups go to
// the database) until a later load succeeds.
func (g *GlossaryCopy) Reload(ctx context.Context) {
	g.reload.Lock()
	defer g.reload.Unlock()
	if err := g.read(ctx); err != nil {
		g.snap.Store(nil)
		g.log.Warn("reload glossary copy; lookups read the database until it loads", "err", err)
	}
}

// read reads the glossary and swaps it in; g.reload is held.
func (g *GlossaryCopy) read(ctx context.Context) error {
	// Nothing to cancel: a read does not wait for writers, and a reload
	// cut short would drop the copy.
	version, terms, keys, err := g.src.ReadGlossary(context.WithoutCancel(ctx))
	if err != nil {
		return err
	}
	size := 0
	for _, t := range terms {
		size += termSize(t)
	}
	for k := range keys {
		size += len(k) + 48
	}
	s := &glossarySnapshot{version: version}
	if size > g.limit {
		s.tooBig = true
	} else {
		s.byKey = keys
		s.byID = make(map[int64]Term, len(terms))
		for _, t := range terms {
			s.byID[t.ID] = t
		}
		s.all = slices.Clone(terms)
		SortTerms(s.all)
		s.suggest = NewSuggestIndex(termKeys(terms))
	}
	g.snap.Store(s)
	return nil
}

// Watch polls the version every interval (0 means [GlossaryPoll]) until
// [Close], reloading when another process changed the terms.
func (g *GlossaryCopy) Watch(interval time.Duration) {
	if interval <= 0 {
		interval = GlossaryPoll
	}
	g.stop, g.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(g.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		failing := false
		for {
			select {
			case <-g.stop:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				err := g.Load(ctx)
				cancel()
				switch {
				case err != nil && !failing:
					g.log.Warn("poll glossary version", "err", err)
					failing = true
				case err == nil && failing:
					g.log.Info("poll glossary version works again")
					failing = false
				}
			}
		}
	}()
}

// Close stops [Watch].
func (g *GlossaryCopy) Close() {
	if g.stop != nil {
		close(g.stop)
		<-g.done
		g.stop = nil
	}
}

// ByKey returns the term a key (by [Key]) names. usable is false when the
// copy cannot answer (not loaded, or too big): then ask the database.
func (g *GlossaryCopy) ByKey(key string) (t Term, found, usable bool) {
	s := g.snap.Load()
	if s == nil || s.tooBig {
		return Term{}, false, false
	}
	id, ok := s.byKey[key]
	if !ok {
		return Term{}, false, true
	}
	return s.term(id)
}

// ByID returns the term with that id; usable as for [GlossaryCopy.ByKey].
func (g *GlossaryCopy) ByID(id int64) (t Term, found, usable bool) {
	s := g.snap.Load()
	if s == nil || s.tooBig {
		return Term{}, false, false
	}
	return s.term(id)
}

// AllAt returns every term, sorted by [SortTerms], if the copy is usable
// and holds the glossary at exactly version (as [GlossaryCopy.TermsAt]):
// the App Home and the lists read all of them at once, which from the
// database takes tens of milliseconds for 10,000.
func (g *GlossaryCopy) AllAt(version int64) (terms []Term, ok bool) {
	s := g.snap.Load()
	if s == nil || s.tooBig || s.version != version {
		return nil, false
	}
	terms = make([]Term, len(s.all))
	for i, t := range s.all {
		t.Aliases = slices.Clone(t.Aliases) // the caller's to change
		t.Signoffs = slices.Clone(t.Signoffs)
		terms[i] = t
	}
	return terms, true
}

// TermsAt returns the terms with those ids, in that order, leaving out
// ids it does not hold, if the copy is usable and holds the glossary at
// exactly version: a backend that read version and ids in one snapshot
// (a search) then takes the terms from the copy, consistent with that
// snapshot, instead of reading them again. ok is false otherwise: read
// the database.
func (g *GlossaryCopy) TermsAt(version int64, ids []int64) (terms []Term, ok bool) {
	s := g.snap.Load()
	if s == nil || s.tooBig || s.version != version {
		return nil, false
	}
	terms = make([]Term, 0, len(ids))
	for _, id := range ids {
		if t, found, _ := s.term(id); found {
			terms = append(terms, t)
		}
	}
	return terms, true
}

// Suggest returns up to n names or aliases close to typed, closest first,
// from the copy's [SuggestIndex]: its cost is bounded whatever is typed and
// however large the glossary. usable is as for [GlossaryCopy.ByKey].
func (g *GlossaryCopy) Suggest(ctx context.Context, typed string, n int) (keys []TermKey, usable bool) {
	if g == nil {
		return nil, false
	}
	s := g.snap.Load()
	if s == nil || s.tooBig {
		return nil, false
	}
	return s.suggest.Suggest(ctx, typed, n), true
}

// termKeys lists the name and aliases of every term, as TermKeys does.
func termKeys(terms []Term) []TermKey {
	var keys []TermKey
	for _, t := range terms {
		keys = append(keys, TermKey{Label: t.Name, TermID: t.ID, Name: t.Name})
		for _, a := range t.Aliases {
			keys = append(keys, TermKey{Label: a, TermID: t.ID, Name: t.Name})
		}
	}
	return keys
}

func (s *glossarySnapshot) term(id int64) (Term, bool, bool) {
	t, ok := s.byID[id]
	if !ok {
		return Term{}, false, true
	}
	t.Aliases = slices.Clone(t.Aliases) // the caller's to change
	t.Signoffs = slices.Clone(t.Signoffs)
	return t, true, true
}

// termSize estimates the memory a term takes in the copy.
func termSize(t Term) int {
	n := 256 + len(t.Name) + len(t.Category) + len(t.Definition) +
		len(t.CreatedBy) + len(t.CreatedByName) + len(t.UpdatedBy) + len(t.UpdatedByName)
	for _, a := range t.Aliases {
		n += 16 + len(a)
	}
	for _, s := range t.Signoffs {
		n += 128 + len(s.User) + len(s.UserName) + len(s.Reason)
	}
	n += len(t.Owner) + len(t.OwnerName)
	return n
}
