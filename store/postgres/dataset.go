package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"smarketing/store"
	"smarketing/store/sqlcore"
	"smarketing/store/sqlite"
)

// Export reads the whole database as one consistent snapshot (a read
// transaction, so the bot keeps writing meanwhile), in a stable order: two
// exports of the same data are identical.
func (db *DB) Export(ctx context.Context) (store.Dataset, error) {
	var ds store.Dataset
	err := db.read(ctx, func(q *Tx) error {
		terms, err := sqlcore.ListTerms(ctx, q.Tx)
		if err != nil {
			return err
		}
		personas, err := sqlcore.ListPersonas(ctx, q.Tx)
		if err != nil {
			return err
		}
		leads, err := sqlcore.LeadRecords(ctx, q.Tx)
		if err != nil {
			return err
		}
		meetings, err := sqlcore.ListMeetingRecords(ctx, q.Tx)
		if err != nil {
			return err
		}
		metrics, err := sqlcore.ListMetrics(ctx, q.Tx, "")
		if err != nil {
			return err
		}
		ds = store.ExportOf(terms, personas, leads, meetings, metrics)
		return nil
	})
	return ds, err
}

// Import applies ds in one transaction by the rules of [store.ImportInto].
// If another instance's write makes the transaction fail to serialize, the
// whole import runs again (opt.Progress counts from the start again).
func (db *DB) Import(ctx context.Context, ds store.Dataset, opt store.ImportOptions) (store.ImportReport, error) {
	var rep store.ImportReport
	if progress := opt.Progress; progress != nil {
		// A run again after a serialization failure counts from 0 again:
		// report only what goes past what was reported.
		reported := 0
		opt.Progress = func(done, total int) {
			if done > reported {
				reported = done
				progress(done, total)
			}
		}
	}
	err := db.write(ctx, func(tx *Tx) error {
		var err error
		// pgx prepares each statement once per connection and keeps it:
		// the few statements run for every record are not parsed again.
		rep, err = store.ImportInto(ctx, ds, opt, importer{tx})
		return err
	})
	return rep, err
}

// storable returns a [*store.RecordError] if a field of a record is text
// PostgreSQL cannot store (a NUL character, or bytes that are not UTF-8),
// so that the record is rejected, as one that clashes is, rather than
// failing the whole import.
func storable(fields ...string) error {
	for _, f := range fields {
		if strings.IndexByte(f, 0) >= 0 {
			return &store.RecordError{Msg: fmt.Sprintf("%q holds a NUL character, which PostgreSQL cannot store", f)}
		}
		if !utf8.ValidString(f) {
			return &store.RecordError{Msg: fmt.Sprintf("%q is not valid UTF-8", f)}
		}
	}
	return nil
}

// importer applies the records of an import within tx.
type importer struct{ tx *Tx }

func (im importer) ImportTerm(ctx context.Context, r store.TermRecord, opt store.ImportOptions) (store.Outcome, error) {
	if err := storable(append([]string{r.Name, r.Category, r.Definition, r.CreatedBy, r.UpdatedBy}, r.Aliases...)...); err != nil {
		return 0, err
	}
	t := r.TermOf()
	// Match by name only: a record named like another term's alias is a clash,
	// not a rename of that term.
	old, err := sqlcore.TermWhere(ctx, im.tx.Tx, "t.id = (SELECT term_id FROM term_keys WHERE key = ? AND position = 0)", store.Key(t.Name))
	if errors.Is(err, store.ErrNotFound) {
		_, err := sqlcore.AddTerm(ctx, im.tx.Tx, dialect{}, t, opt.By)
		return store.Created, err
	}
	if err != nil {
		return 0, err
	}
	if old.SameContent(t) {
		return store.Unchanged, nil
	}
	t.ID = old.ID
	var editor store.Actor
	if t.UpdatedAt, editor, err = store.EditByImport(r.UpdatedAt, old.UpdatedAt, r.UpdatedBy, opt.By, opt.Overwrite); err != nil {
		return 0, err
	}
	return store.Updated, sqlcore.UpdateTerm(ctx, im.tx.Tx, dialect{}, t, editor)
}

func (im importer) ImportPersona(ctx context.Context, r store.PersonaRecord, opt store.ImportOptions) (store.Outcome, error) {
	if err := storable(r.Name, r.Role, r.Summary, r.Goals, r.Pains, r.Objections, r.Channels, r.Questions, r.CreatedBy); err != nil {
		return 0, err
	}
	p := r.PersonaOf()
	old, err := sqlcore.PersonaWhere(ctx, im.tx.Tx, "key = ?", store.Key(p.Name))
	if errors.Is(err, store.ErrNotFound) {
		_, err := sqlcore.AddPersona(ctx, im.tx.Tx, p, opt.By)
		return store.Created, err
	}
	if err != nil {
		return 0, err
	}
	if old.SameContent(p) {
		return store.Unchanged, nil
	}
	p.ID = old.ID
	var editor store.Actor
	if p.UpdatedAt, editor, err = store.EditByImport(r.UpdatedAt, old.UpdatedAt, "", opt.By, opt.Overwrite); err != nil {
		return 0, err
	}
	return store.Updated, sqlcore.UpdatePersona(ctx, im.tx.Tx, p, editor)
}

func (im importer) ImportLead(ctx context.Context, r store.LeadRecord) (store.Outcome, error) {
	fields := []string{r.Channel, r.TS, r.Text, r.PostedBy}
	for _, f := range r.Feedback {
		fields = append(fields, f.User, f.Reason)
	}
	if err := storable(fields...); err != nil {
		return 0, err
	}
	return sqlcore.ImportLead(ctx, im.tx.Tx, r)
}

func (im importer) ImportMeeting(ctx context.Context, r store.MeetingRecord, by store.Actor) (store.Outcome, error) {
	if err := storable(append([]string{r.Title, r.Schedule, r.Channel}, r.Agenda...)...); err != nil {
		return 0, err
	}
	return sqlcore.ImportMeeting(ctx, im.tx.Tx, dialect{}, r, by)
}

func (im importer) ImportMetric(ctx context.Context, r store.MetricRecord, by store.Actor) (store.Outcome, error) {
	if err := storable(r.Name, r.Week, r.Unit, r.SetBy); err != nil {
		return 0, err
	}
	return sqlcore.ImportMetric(ctx, im.tx.Tx, r, by)
}

// Backup writes a consistent copy of everything to file, a new SQLite
// database (so that a backup opens anywhere, without a server): every
// table is read in one snapshot while the bot keeps writing, copied into
// a SQLite store beside file by [store.Copy], and checked and named by
// [sqlite.WriteBackup]. It refuses to overwrite an existing file.
func (db *DB) Backup(ctx context.Context, file string) error {
	return sqlite.WriteBackup(ctx, file, func(ctx context.Context, tmp string) error {
		dst, err := sqlite.Open(ctx, tmp, store.Options{Log: db.log})
		if err != nil {
			return fmt.Errorf("create the copy: %w", err)
		}
		_, err = store.Copy(ctx, db, dst)
		return errors.Join(err, dst.Close())
	})
}
