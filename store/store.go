// Package store is the bot's storage contract: the domain types (terms,
// personas, leads, meetings, metrics, claims, the export format), the
// errors, and the small interfaces the rest of the bot uses. It holds no
// SQL. Its backends implement it: store/sqlite (embedded, the default) and
// store/postgres (for several instances); [Open] picks one from
// SMARKETING_DB. Rules that do not depend on a database live here once —
// the glossary copy (glossary.go), group commit of events (batcher.go),
// the import merge rules (dataset.go) — and the backends call them. The
// SQL the two backends share (the same schema on both) is written once in
// store/sqlcore; each backend keeps only its connections, migrations,
// full-text search, bulk copy and backup.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"time"
	"unicode"
)

// Sentinel errors returned by the backends.
var (
	ErrNotFound  = errors.New("store: not found")
	ErrUnchanged = errors.New("store: nothing changed")
	ErrClosed    = errors.New("store: database closed")
	// ErrNotEmpty is returned by [Copy] for a destination that holds data.
	ErrNotEmpty = errors.New("store: destination is not empty")
)

// ConflictError reports that a name or alias is already used by another
// record. Key is the clashing text, Owner the name of the record using it.
type ConflictError struct {
	Key   string
	Owner string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("store: %q is already used by %q", e.Key, e.Owner)
}

// RecordError reports an imported record that cannot be stored as it is.
type RecordError struct{ Msg string }

func (e *RecordError) Error() string { return e.Msg }

// Actor is who made a change: a Slack user ID and a display name.
type Actor struct {
	ID   string
	Name string
}

// Key normalises a name for lookups: trimmed, inner spaces collapsed, and
// case-folded rune by rune (Unicode-aware, unlike SQL's lower(); upper then
// lower makes "ς" and "σ" one letter, as "Σ" is). Both backends store and
// compare keys made by Key, so they fold case the same way.
func Key(s string) string {
	return strings.Map(func(r rune) rune { return unicode.ToLower(unicode.ToUpper(r)) }, strings.Join(strings.Fields(s), " "))
}

// Glossary is the shared glossary of terms.
type Glossary interface {
	// Term returns the term whose name or alias is nameOrAlias (compared
	// by [Key]), or [ErrNotFound].
	Term(ctx context.Context, nameOrAlias string) (Term, error)
	// TermByID returns the term with that id, or [ErrNotFound].
	TermByID(ctx context.Context, id int64) (Term, error)
	// Terms returns every term, by category (uncategorised last), then name.
	Terms(ctx context.Context) ([]Term, error)
	// TermKeys returns every name and alias.
	TermKeys(ctx context.Context) ([]TermKey, error)
	// SuggestTerms returns up to n names or aliases close to typed,
	// closest first ([SuggestIndex.Suggest]); its work is bounded whatever
	// typed is. When ctx ends first it returns what it found, or nothing.
	SuggestTerms(ctx context.Context, typed string, n int) ([]TermKey, error)
	// AddTerm saves a new term and returns it as stored, or a
	// [*ConflictError] if its name or an alias already names a term.
	AddTerm(ctx context.Context, t Term, by Actor) (Term, error)
	// UpdateTerm replaces the name, aliases, category and definition of
	// the term t.ID and records the edit. It returns [ErrNotFound],
	// [ErrUnchanged] (with the term) when nothing differs, or a
	// [*ConflictError].
	UpdateTerm(ctx context.Context, t Term, by Actor) (Term, error)
	// DeleteTerm removes a term and its history, or returns [ErrNotFound].
	DeleteTerm(ctx context.Context, id int64) error
	// TermHistory returns every saved version of a term, newest first.
	TermHistory(ctx context.Context, id int64) ([]Revision[Term], error)
	// SearchTerms returns up to limit terms matching every word of text
	// (each also as a prefix), best first: a hit in the name weighs most,
	// then aliases, then the definition.
	SearchTerms(ctx context.Context, text string, limit int) ([]Term, error)
}

// Personas are the buyer personas.
type Personas interface {
	// Persona returns the persona named name (by [Key]), or [ErrNotFound].
	Persona(ctx context.Context, name string) (Persona, error)
	// PersonaByID returns the persona with that id, or [ErrNotFound].
	PersonaByID(ctx context.Context, id int64) (Persona, error)
	// Personas returns every persona ordered by name.
	Personas(ctx context.Context) ([]Persona, error)
	// AddPersona saves a new persona, or returns a [*ConflictError].
	AddPersona(ctx context.Context, p Persona, by Actor) (Persona, error)
	// UpdatePersona replaces every field of the persona p.ID and records
	// the edit; [ErrNotFound], [ErrUnchanged] or a [*ConflictError].
	UpdatePersona(ctx context.Context, p Persona, by Actor) (Persona, error)
	// DeletePersona removes a persona and its history, or [ErrNotFound].
	DeletePersona(ctx context.Context, id int64) error
	// PersonaHistory returns every saved version, newest first.
	PersonaHistory(ctx context.Context, id int64) ([]Revision[Persona], error)
}

// Leads are the leads and their ratings.
type Leads interface {
	// Record applies an event from Slack and returns once it is committed:
	// an event is acknowledged to Slack only after Record returns nil.
	// Events are applied in group commits (see [Batcher]); a redelivered
	// event id changes nothing (EventResult.Applied is false). A
	// reaction added by a lead's own poster, or marked Reaction.Ignore,
	// is not stored (ReactResult.Ignored).
	Record(ctx context.Context, ev Event) (EventResult, error)
	// VerifyLead settles a message first seen through a reaction: l is
	// what it turned out to be, or nil if it is not a lead (its reactions
	// are dropped). The ratings its poster gave it are dropped. It returns
	// the lead's id and the users whose rating is poor without a reason
	// yet.
	VerifyLead(ctx context.Context, channel, ts string, l *Lead) (int64, []string, error)
	// UnverifiedLeads returns the messages reacted to but never fetched.
	UnverifiedLeads(ctx context.Context) ([]Lead, error)
	// LeadByID returns a lead, or [ErrNotFound].
	LeadByID(ctx context.Context, id int64) (Lead, error)
	// SetReason stores why user rated the lead poor, or returns
	// [ErrNotFound] if that rating is not (or no longer) poor.
	SetReason(ctx context.Context, leadID int64, user, reason string) error
	// LeadStats computes the figures of /leads and the recap for the leads
	// posted in [from, to), as of now, measuring time on sla's clock.
	LeadStats(ctx context.Context, from, to time.Time, sla SLA, now time.Time) (LeadStats, error)
	// LeadStatsBy computes the same figures for each value of by
	// ([BySource] or [ByCampaign]; "" is a value too) among the leads
	// posted in [from, to): most leads posted first, then by value.
	LeadStatsBy(ctx context.Context, by LeadField, from, to time.Time, sla SLA, now time.Time) ([]LeadStats, error)
	// ReturnedLeads returns up to limit of the poor ratings with a reason
	// (leads returned to marketing, SPEC §9) of the leads posted in
	// [from, to), latest rating first, and how many there are in all.
	ReturnedLeads(ctx context.Context, from, to time.Time, limit int) ([]Returned, int, error)
	// WaitingLeads returns up to limit unrated leads posted in [from, to),
	// oldest first.
	WaitingLeads(ctx context.Context, from, to time.Time, limit int) ([]Lead, error)
	// NewestWaitingLeads is WaitingLeads newest first (the App Home).
	NewestWaitingLeads(ctx context.Context, from, to time.Time, limit int) ([]Lead, error)
	// DueNudges returns up to limit leads, oldest first, that nobody has
	// rated whose nudge n is due at now (posted at or before
	// n.PostedBy(now)) but fell due at most [NudgeMaxAge] ago, and whose
	// nudge ([Nudge.Key]) is neither done nor claimed by a live lease.
	DueNudges(ctx context.Context, n Nudge, now time.Time, limit int) ([]Lead, error)
	// NextNudgeDue returns when the next nudge n falls due after now: the
	// earliest n.Due of an unrated lead that is later than now; zero if
	// there is none.
	NextNudgeDue(ctx context.Context, n Nudge, now time.Time) (time.Time, error)
}

// Meetings are the joint meetings and their agendas.
type Meetings interface {
	// AddMeeting saves a new meeting and returns it as stored.
	AddMeeting(ctx context.Context, m Meeting, by Actor) (Meeting, error)
	// Meeting returns a meeting, or [ErrNotFound].
	Meeting(ctx context.Context, id int64) (Meeting, error)
	// Meetings returns every meeting ordered by id.
	Meetings(ctx context.Context) ([]Meeting, error)
	// DeleteMeeting deletes a meeting with its agenda, action items,
	// decisions and skips, or [ErrNotFound].
	DeleteMeeting(ctx context.Context, id int64) error
	// AddAgendaItem adds an open agenda item (link: the permalink of the
	// message it came from, or ""); [ErrNotFound] for an unknown meeting,
	// [ErrAgendaFull] past [MaxAgendaItems].
	AddAgendaItem(ctx context.Context, meetingID int64, text, link string, by Actor) (AgendaItem, error)
	// Agenda returns a meeting's open agenda items, oldest first.
	Agenda(ctx context.Context, meetingID int64) ([]AgendaItem, error)
	// ClearAgenda closes the listed open items of a meeting (a reminder
	// that listed them was posted); items added since stay open.
	ClearAgenda(ctx context.Context, meetingID int64, items []int64) error

	// AddAction saves an open action item (MeetingID, Owner, Text, Due
	// of a) created by by now, and returns it as stored; [ErrNotFound]
	// for an unknown meeting, [ErrTooManyActions] past [MaxOpenActions]
	// open ones.
	AddAction(ctx context.Context, a Action, by Actor) (Action, error)
	// Action returns an action, open or done, or [ErrNotFound].
	Action(ctx context.Context, id int64) (Action, error)
	// OpenActions returns the open actions f selects, by due date (those
	// without one last), then id.
	OpenActions(ctx context.Context, f ActionFilter) ([]Action, error)
	// CloseAction marks an open action done by by now and returns it as
	// stored; [ErrNotFound] for an unknown one, [ErrUnchanged] (with the
	// action as stored) for one done already.
	CloseAction(ctx context.Context, id int64, by Actor) (Action, error)
	// ActionsDue returns up to limit open actions, by id, due on the
	// date due (YYYY-MM-DD), created before createdBefore, whose claim
	// prefix+id is neither done nor held by a live claim at now.
	ActionsDue(ctx context.Context, due, prefix string, createdBefore, now time.Time, limit int) ([]Action, error)
	// NextActionDue returns the earliest due date on or after from
	// (YYYY-MM-DD) of an open action; "" if there is none.
	NextActionDue(ctx context.Context, from string) (string, error)

	// AddDecision records a decision of a meeting made now; [ErrNotFound]
	// for an unknown meeting.
	AddDecision(ctx context.Context, meetingID int64, text string, by Actor) (Decision, error)
	// Decisions returns the decisions f selects, newest first, and how
	// many it selects without its Limit.
	Decisions(ctx context.Context, f DecisionFilter) ([]Decision, int, error)

	// SkipMeeting skips the occurrence of a meeting on day (YYYY-MM-DD);
	// [ErrNotFound] for an unknown meeting, [ErrUnchanged] if that day is
	// skipped already.
	SkipMeeting(ctx context.Context, meetingID int64, day string, by Actor) error
	// UnskipMeeting undoes [Meetings.SkipMeeting]; [ErrNotFound] for an
	// unknown meeting, [ErrUnchanged] if that day was not skipped.
	UnskipMeeting(ctx context.Context, meetingID int64, day string) error
}

// Metrics are the marketing numbers set with /metrics.
type Metrics interface {
	// SetMetric stores a value for its name and week; the latest set wins.
	SetMetric(ctx context.Context, m Metric) error
	// Metrics returns the metrics of the weeks from..to, both included,
	// ordered by name, then week.
	Metrics(ctx context.Context, from, to ISOWeek) ([]Metric, error)
	// AllMetrics returns every metric, ordered by name, then week.
	AllMetrics(ctx context.Context) ([]Metric, error)
}

// Claims are promises to do something once (claims.go).
type Claims interface {
	// Claim takes key for owner for lease. It reports false, with the
	// claim as it stands, if key is done or held by a lease that has not
	// expired; a claim whose lease expired is taken over (Attempts > 1
	// tells the new owner that the work may have been done already).
	Claim(ctx context.Context, key, owner string, lease time.Duration) (Claim, bool, error)
	// Release gives a claim up because its work surely failed (nothing
	// reached Slack): the key starts afresh, and the next claim is a first
	// attempt (Attempts 1). Releasing a claim owner no longer holds does
	// nothing.
	Release(ctx context.Context, key, owner string) error
	// ReleaseUnsure gives a claim up whose work may have been done (a post
	// timed out, was cancelled, lost its connection): the claim stays held
	// but claimable at once, so the next claim is a takeover (Attempts > 1)
	// that checks before doing the work again. Releasing a claim owner no
	// longer holds does nothing.
	ReleaseUnsure(ctx context.Context, key, owner string) error
	// Renew extends owner's hold on key to lease from now, so that work
	// that outlasts its lease is not taken over. It returns [ErrLeaseLost]
	// if owner no longer holds the claim.
	Renew(ctx context.Context, key, owner string, lease time.Duration) error
	// Done records the work as done: key is never claimed again. It
	// returns [ErrLeaseLost] if owner no longer holds the claim.
	Done(ctx context.Context, key, owner string) error
}

// Transfer moves data in and out in the export format (dataset.go).
type Transfer interface {
	// Export reads everything as one consistent snapshot, in a stable
	// order: two exports of the same data are identical.
	Export(ctx context.Context) (Dataset, error)
	// Import applies ds in one transaction by the rules of [Merge].
	Import(ctx context.Context, ds Dataset, opt ImportOptions) (ImportReport, error)
}

// Store is everything the bot keeps.
type Store interface {
	Glossary
	Gaps
	Personas
	Agreements
	Leads
	Meetings
	Metrics
	Commitments
	Insights
	Claims
	Transfer
	Tables
	// Changes returns the terms and personas created or edited in
	// [from, to) that still exist, terms first, by name.
	Changes(ctx context.Context, from, to time.Time) ([]Change, error)
	// Backup writes a consistent copy of everything to a new SQLite file,
	// integrity-checked, while the store stays in use; it refuses to
	// overwrite a file.
	Backup(ctx context.Context, file string) error
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	// Backend names the backend and where its data is, for logs.
	Backend() string
	io.Closer
}

// Change is a term or persona created or edited in a period.
type Change struct {
	Kind   string // "term" or "persona"
	Name   string // as it is now
	Action string // "created" (perhaps edited since too) or "edited"
}

// Options configure a backend.
type Options struct {
	// Log receives what the store retries, skips or drops, the mode it
	// runs in, and what it fills in at Open (a backfill); nil discards.
	Log *slog.Logger
	// Now is the clock; nil means time.Now. Tests replace it.
	Now func() time.Time
	// Observer is told how events ended and of database errors, for the
	// metrics; nil observes nothing.
	Observer Observer
	// ReviewEvery is how long an agreed version stays verified before it
	// is due for review (SMARKETING_REVIEW_EVERY), for the status an
	// export writes; 0 means [DefaultReviewEvery].
	ReviewEvery time.Duration
}

// Review returns o.ReviewEvery, or [DefaultReviewEvery].
func (o Options) Review() time.Duration {
	if o.ReviewEvery <= 0 {
		return DefaultReviewEvery
	}
	return o.ReviewEvery
}

// Observer is told what the store did, for metrics: main wires it to the
// bot's Prometheus metrics (bot/probes), so that store needs no metrics
// library. Its methods must be fast and safe for concurrent use.
type Observer interface {
	// EventDone is told how an event handed to a [Batcher] ended:
	// "applied", "duplicate" (applied before: a redelivery), "skipped"
	// (poison) or "failed" (not committed).
	EventDone(result string)
	// DBError is told of an error from the database, by operation:
	// "read" or "write" (a transaction of a store method, an error a
	// handler sees) or "commit_events" (an event batch that failed to
	// commit, counted on every attempt). Expected outcomes such as
	// [ErrNotFound] are not database errors.
	DBError(op string)
}

// Observe returns o.Observer, or an observer that does nothing.
func (o Options) Observe() Observer {
	if o.Observer == nil {
		return nopObserver{}
	}
	return o.Observer
}

type nopObserver struct{}

func (nopObserver) EventDone(string) {}
func (nopObserver) DBError(string)   {}

// IsDBError reports whether err, returned by a store method, is the
// database failing (I/O, a lost connection, a timeout) rather than an
// expected outcome ([ErrNotFound], [ErrUnchanged], [ErrLeaseLost],
// [ErrAgendaFull], [ErrTooManyActions], [ErrClosed], a [ConflictError], [RecordError],
// [StaleError] or [FieldError]) or a caller that went away
// (context.Canceled).
func IsDBError(err error) bool {
	if err == nil {
		return false
	}
	for _, e := range []error{ErrNotFound, ErrUnchanged, ErrLeaseLost, ErrAgendaFull, ErrTooManyActions, ErrClosed, context.Canceled} {
		if errors.Is(err, e) {
			return false
		}
	}
	var (
		conflict *ConflictError
		record   *RecordError
		stale    *StaleError
		field    *FieldError
	)
	return !errors.As(err, &conflict) && !errors.As(err, &record) && !errors.As(err, &stale) && !errors.As(err, &field)
}

// Logger returns o.Log, or a logger that discards.
func (o Options) Logger() *slog.Logger {
	if o.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Log
}

// Clock returns o.Now, or time.Now.
func (o Options) Clock() func() time.Time {
	if o.Now == nil {
		return time.Now
	}
	return o.Now
}

// A Backend opens a store from a data source name it accepts.
type Backend struct {
	Name string
	// Accepts reports whether dsn is for this backend.
	Accepts func(dsn string) bool
	Open    func(ctx context.Context, dsn string, opt Options) (Store, error)
}

// backends are the backends compiled in, registered by their packages'
// init functions (as database/sql drivers are) and only read after that:
// store cannot import its backends, which import store.
var backends = map[string]Backend{}

// Register makes a backend available to [Open]. Backends call it from
// init; registering a name twice panics.
func Register(b Backend) {
	if _, dup := backends[b.Name]; dup {
		panic("store: backend " + b.Name + " registered twice")
	}
	backends[b.Name] = b
}

// Open opens the store dsn names: a PostgreSQL URL (postgres:// or
// postgresql://) or else a SQLite file path. The backend's package must
// be linked in (main imports both).
func Open(ctx context.Context, dsn string, opt Options) (Store, error) {
	names := make([]string, 0, len(backends))
	for name := range backends {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if b := backends[name]; b.Accepts(dsn) {
			return b.Open(ctx, dsn, opt)
		}
	}
	return nil, fmt.Errorf("no storage backend accepts %q (compiled in: %s)", Redact(dsn), strings.Join(names, ", "))
}

// IsPostgres reports whether dsn is a PostgreSQL URL.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Redact returns dsn with any password replaced, for logs and errors.
func Redact(dsn string) string {
	if !IsPostgres(dsn) {
		return dsn
	}
	scheme, rest, _ := strings.Cut(dsn, "://")
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return dsn
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return dsn
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}

// SortChanges orders changes terms first, then by name (by [Key]).
func SortChanges(cs []Change) {
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].Kind != cs[j].Kind {
			return cs[i].Kind == "term"
		}
		return Key(cs[i].Name) < Key(cs[j].Name)
	})
}
