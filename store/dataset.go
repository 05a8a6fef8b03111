package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Dataset is the whole database in the export format of SPEC §7. Sections
// without data are left out.
type Dataset struct {
	Version  int             `json:"version"`
	Terms    []TermRecord    `json:"terms,omitempty"`
	Personas []PersonaRecord `json:"personas,omitempty"`
	Leads    []LeadRecord    `json:"leads,omitempty"`
	Meetings []MeetingRecord `json:"meetings,omitempty"`
	Metrics  []MetricRecord  `json:"metrics,omitempty"`
}

// DatasetVersion is the export format version this store writes and reads.
const DatasetVersion = 1

// TermRecord is a term in the export format.
type TermRecord struct {
	Name       string    `json:"name"`
	Aliases    []string  `json:"aliases"`
	Category   string    `json:"category"`
	Definition string    `json:"definition"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedBy  string    `json:"updated_by"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// PersonaRecord is a persona in the export format.
type PersonaRecord struct {
	Name       string    `json:"name"`
	Role       string    `json:"role"`
	Summary    string    `json:"summary"`
	Goals      string    `json:"goals"`
	Pains      string    `json:"pains"`
	Objections string    `json:"objections"`
	Channels   string    `json:"channels"`
	Questions  string    `json:"questions"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Export reads the whole database as one consistent snapshot (a read
// transaction, so the bot keeps writing meanwhile), in a stable order: two
// exports of the same data are identical.
func (db *DB) Export(ctx context.Context) (Dataset, error) {
	ds := Dataset{Version: DatasetVersion}
	err := db.snapshot(ctx, func(q queryer) error {
		terms, err := listTerms(ctx, q)
		if err != nil {
			return err
		}
		for _, t := range sortedByKey(terms, func(t Term) string { return t.Name }) {
			ds.Terms = append(ds.Terms, TermRecord{
				Name: t.Name, Aliases: nonNil(t.Aliases), Category: t.Category, Definition: t.Definition,
				CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt, UpdatedBy: t.UpdatedBy, UpdatedAt: t.UpdatedAt,
			})
		}
		personas, err := listPersonas(ctx, q)
		if err != nil {
			return err
		}
		for _, p := range personas {
			ds.Personas = append(ds.Personas, PersonaRecord{
				Name: p.Name, Role: p.Role, Summary: p.Summary, Goals: p.Goals, Pains: p.Pains,
				Objections: p.Objections, Channels: p.Channels, Questions: p.Questions,
				CreatedBy: p.CreatedBy, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
			})
		}
		if ds.Leads, err = leadRecords(ctx, q); err != nil {
			return err
		}
		if ds.Meetings, err = listMeetingRecords(ctx, q); err != nil {
			return err
		}
		ds.Metrics, err = metricRecords(ctx, q)
		return err
	})
	return ds, err
}

// snapshot runs read on one connection inside a deferred (read) transaction:
// every query sees the same state, and writers are not blocked (WAL).
func (db *DB) snapshot(ctx context.Context, read func(q queryer) error) error {
	db.settle(ctx)
	return db.readTx(ctx, read)
}

// readTx is snapshot without waiting for the events accepted before it.
func (db *DB) readTx(ctx context.Context, read func(q queryer) error) error {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer conn.Close()
	// BEGIN by hand: the driver's BeginTx would take the write lock
	// (_txlock=immediate) and stall the bot for the whole read.
	if _, err := conn.ExecContext(ctx, "BEGIN DEFERRED"); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	return read(conn)
}

// sortedByKey returns xs ordered by the normalised name, as written on ties.
func sortedByKey[T any](xs []T, name func(T) string) []T {
	out := slices.Clone(xs)
	slices.SortStableFunc(out, func(a, b T) int {
		return cmp.Or(cmp.Compare(Key(name(a)), Key(name(b))), cmp.Compare(name(a), name(b)))
	})
	return out
}

// ImportReport says what an import did.
type ImportReport struct {
	Created, Updated, Unchanged int
	// Rejected lists the records that could not be applied, by section and
	// index in the dataset; the rest were applied.
	Rejected []Rejection
}

// Rejection is one record an import could not apply.
type Rejection struct {
	Section string // "terms" or "personas"
	Index   int    // position in that section
	Err     error
}

// ImportOptions configures [DB.Import].
type ImportOptions struct {
	By Actor // who imports; used where a record names no author
	// Progress, if set, is called after each record with how many of the
	// total are done.
	Progress func(done, total int)
}

// Import applies ds in one transaction: a record whose name is new is
// created, one whose content differs is updated (and the edit recorded in its
// history), an identical one is left alone, so importing the same data twice
// changes nothing. A record that clashes with existing data
// ([*ConflictError]) or cannot be stored as it is ([*RecordError]) is
// rejected and reported; the others are still applied. Either the whole dataset is applied
// this way or, on an error, nothing is.
func (db *DB) Import(ctx context.Context, ds Dataset, opt ImportOptions) (ImportReport, error) {
	db.settle(ctx)
	defer db.termsChanged()
	var rep ImportReport
	if ds.Version != 0 && ds.Version != DatasetVersion {
		return rep, fmt.Errorf("import: format version %d is not supported (want %d)", ds.Version, DatasetVersion)
	}
	sqltx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return rep, fmt.Errorf("import: %w", err)
	}
	defer sqltx.Rollback()
	// The same few statements run for every record: prepare each once.
	tx := &preparedTx{tx: sqltx, stmts: map[string]*sql.Stmt{}}
	total, done := len(ds.Terms)+len(ds.Personas)+len(ds.Leads)+len(ds.Meetings)+len(ds.Metrics), 0
	apply := func(section string, i int, f func() (outcome, error)) error {
		// No savepoint per record (one made an import of 10,000 terms twice
		// as slow): the writers return a *ConflictError before they write
		// anything, so a rejected record leaves nothing behind. Any other
		// error ends the import and rolls everything back.
		out, err := f()
		var conflict *ConflictError
		var invalid *RecordError
		switch {
		case err == nil:
			rep.count(out)
		case errors.As(err, &conflict), errors.As(err, &invalid):
			rep.Rejected = append(rep.Rejected, Rejection{Section: section, Index: i, Err: err})
		default:
			return err
		}
		done++
		if opt.Progress != nil {
			opt.Progress(done, total)
		}
		return nil
	}
	for i, r := range ds.Terms {
		if err := apply("terms", i, func() (outcome, error) { return db.importTerm(ctx, tx, r, opt.By) }); err != nil {
			return ImportReport{}, fmt.Errorf("import term %q: %w", r.Name, err)
		}
	}
	for i, r := range ds.Personas {
		if err := apply("personas", i, func() (outcome, error) { return db.importPersona(ctx, tx, r, opt.By) }); err != nil {
			return ImportReport{}, fmt.Errorf("import persona %q: %w", r.Name, err)
		}
	}
	for i, r := range ds.Leads {
		if err := apply("leads", i, func() (outcome, error) { return db.importLead(ctx, tx, r) }); err != nil {
			return ImportReport{}, fmt.Errorf("import lead %s/%s: %w", r.Channel, r.TS, err)
		}
	}
	for i, r := range ds.Meetings {
		if err := apply("meetings", i, func() (outcome, error) { return db.importMeeting(ctx, tx, r, opt.By) }); err != nil {
			return ImportReport{}, fmt.Errorf("import meeting %q: %w", r.Title, err)
		}
	}
	for i, r := range ds.Metrics {
		if err := apply("metrics", i, func() (outcome, error) { return db.importMetric(ctx, tx, r, opt.By) }); err != nil {
			return ImportReport{}, fmt.Errorf("import metric %s %s: %w", r.Name, r.Week, err)
		}
	}
	if err := sqltx.Commit(); err != nil {
		return ImportReport{}, fmt.Errorf("import: %w", err)
	}
	return rep, nil
}

// preparedTx runs the statements of a transaction as prepared statements,
// each query prepared once and kept until the transaction ends.
type preparedTx struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

var _ txer = (*preparedTx)(nil)

func (p *preparedTx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := p.stmts[query]; ok {
		return s, nil
	}
	s, err := p.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.stmts[query] = s
	return s, nil
}

func (p *preparedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (p *preparedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

func (p *preparedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := p.stmt(ctx, query)
	if err != nil {
		// A *sql.Row cannot be made with an error: let the transaction
		// report it through Scan.
		return p.tx.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

type outcome int

const (
	created outcome = iota
	updated
	unchanged
)

func (r *ImportReport) count(o outcome) {
	switch o {
	case created:
		r.Created++
	case updated:
		r.Updated++
	default:
		r.Unchanged++
	}
}

// importer returns who a record says wrote it, or by.
func importer(id string, by Actor) Actor {
	if id != "" {
		return Actor{ID: id}
	}
	return by
}

func (db *DB) importTerm(ctx context.Context, tx txer, r TermRecord, by Actor) (outcome, error) {
	t := Term{Name: r.Name, Aliases: r.Aliases, Category: r.Category, Definition: r.Definition,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedBy: r.UpdatedBy, UpdatedAt: r.UpdatedAt}
	if len(t.Aliases) == 0 {
		t.Aliases = nil
	}
	// Match by name only: a record named like another term's alias is a clash,
	// not a rename of that term.
	var id, lastEdit int64
	err := tx.QueryRowContext(ctx, `SELECT k.term_id, t.updated_at FROM term_keys k JOIN terms t ON t.id = k.term_id
		WHERE k.key = ? AND k.position = 0`, Key(t.Name)).Scan(&id, &lastEdit)
	if errors.Is(err, sql.ErrNoRows) {
		if t.CreatedBy == "" {
			t.CreatedBy, t.CreatedByName = by.ID, by.Name
		}
		_, err := db.addTerm(ctx, tx, t, by)
		return created, err
	}
	if err != nil {
		return 0, err
	}
	t.ID = id
	editor := importer(r.UpdatedBy, by)
	if !newer(t.UpdatedAt, lastEdit) {
		editor, t.UpdatedAt = by, time.Time{}
	}
	err = db.updateTerm(ctx, tx, t, editor)
	if errors.Is(err, ErrUnchanged) {
		return unchanged, nil
	}
	return updated, err
}

// newer reports whether a record's update time is after the stored one
// (Unix nanoseconds). Only then do the record's time and author describe the
// edit an import makes; otherwise (say, an export edited by hand, its times
// left as they were) the edit is the importer's, now.
func newer(recordTime time.Time, stored int64) bool {
	return !recordTime.IsZero() && nanos(recordTime) > stored
}

func (db *DB) importPersona(ctx context.Context, tx txer, r PersonaRecord, by Actor) (outcome, error) {
	p := Persona{Name: r.Name, Role: r.Role, Summary: r.Summary, Goals: r.Goals, Pains: r.Pains,
		Objections: r.Objections, Channels: r.Channels, Questions: r.Questions,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	old, err := personaWhere(ctx, tx, "key = ?", Key(p.Name))
	if errors.Is(err, ErrNotFound) {
		_, err := db.addPersona(ctx, tx, p, by)
		return created, err
	}
	if err != nil {
		return 0, err
	}
	p.ID = old.ID
	if !newer(p.UpdatedAt, nanos(old.UpdatedAt)) {
		p.UpdatedAt = time.Time{}
	}
	err = db.updatePersona(ctx, tx, p, by)
	if errors.Is(err, ErrUnchanged) {
		return unchanged, nil
	}
	return updated, err
}

// Backup writes a consistent copy of the database to file while others keep
// using it (VACUUM INTO reads one snapshot; WAL lets writers go on), checks
// that the copy opens and passes PRAGMA integrity_check, and only then gives
// it its name: a backup that fails or is interrupted leaves no file that
// looks like one. It refuses to overwrite an existing file.
func (db *DB) Backup(ctx context.Context, file string) error {
	db.settle(ctx)
	exists := fmt.Errorf("backup: %s already exists; choose a new file name", file)
	if _, err := os.Stat(file); err == nil {
		return exists
	}
	tmp := filepath.Join(filepath.Dir(file), fmt.Sprintf(".%s.%d-%d.tmp", filepath.Base(file), os.Getpid(), time.Now().UnixNano()))
	defer func() {
		for _, f := range []string{tmp, tmp + "-wal", tmp + "-shm", tmp + "-journal", tmp + "-inbox"} {
			os.Remove(f)
		}
	}()
	if _, err := db.sql.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		return fmt.Errorf("backup to %s: %w", file, err)
	}
	if err := checkCopy(ctx, tmp); err != nil {
		return fmt.Errorf("backup %s: %w", file, err)
	}
	// A hard link names the copy only if the name is still free; where the
	// file system has none, rename after checking again.
	if err := os.Link(tmp, file); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return exists
		}
		if _, err := os.Stat(file); err == nil {
			return exists
		}
		if err := os.Rename(tmp, file); err != nil {
			return fmt.Errorf("backup to %s: %w", file, err)
		}
	}
	return nil
}

// checkCopy opens a copy of the database the way the bot would and checks
// its integrity.
func checkCopy(ctx context.Context, file string) error {
	copyDB, err := Open(ctx, file)
	if err != nil {
		return fmt.Errorf("the copy does not open: %w", err)
	}
	defer copyDB.Close()
	res, err := copyDB.IntegrityCheck(ctx)
	if err != nil {
		return fmt.Errorf("check the copy: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("the copy failed its integrity check: %s", res)
	}
	// Closing folds the copy's WAL back into its file before it is named.
	return copyDB.Close()
}
