package postgres

import (
	"context"
	"errors"
	"fmt"

	"smarketing/store"
	"smarketing/store/sqlite"
)

// Export reads the whole database as one consistent snapshot (a read
// transaction, so the bot keeps writing meanwhile), in a stable order: two
// exports of the same data are identical.
func (db *DB) Export(ctx context.Context) (store.Dataset, error) {
	var ds store.Dataset
	err := db.read(ctx, func(q *Tx) error {
		ds = store.Dataset{Version: store.DatasetVersion}
		terms, err := listTerms(ctx, q)
		if err != nil {
			return err
		}
		for _, t := range store.SortedByKey(terms, func(t store.Term) string { return t.Name }) {
			ds.Terms = append(ds.Terms, store.TermRecord{
				Name: t.Name, Aliases: nonNil(t.Aliases), Category: t.Category, Definition: t.Definition,
				CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt, UpdatedBy: t.UpdatedBy, UpdatedAt: t.UpdatedAt,
			})
		}
		personas, err := listPersonas(ctx, q)
		if err != nil {
			return err
		}
		for _, p := range personas {
			ds.Personas = append(ds.Personas, store.PersonaRecord{
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

// Import applies ds in one transaction by the rules of [store.ImportInto].
// If another instance's write makes the transaction fail to serialize, the
// whole import runs again (opt.Progress counts from the start again).
func (db *DB) Import(ctx context.Context, ds store.Dataset, opt store.ImportOptions) (store.ImportReport, error) {
	var rep store.ImportReport
	err := db.write(ctx, func(tx *Tx) error {
		var err error
		// pgx prepares each statement once per connection and keeps it:
		// the few statements run for every record are not parsed again.
		rep, err = store.ImportInto(ctx, ds, opt, importer{tx})
		return err
	})
	return rep, err
}

// importer applies the records of an import within tx.
type importer struct{ tx *Tx }

func (im importer) ImportTerm(ctx context.Context, r store.TermRecord, by store.Actor) (store.Outcome, error) {
	t := r.TermOf()
	// Match by name only: a record named like another term's alias is a clash,
	// not a rename of that term.
	var id, lastEdit int64
	err := im.tx.QueryRow(ctx, `SELECT k.term_id, t.updated_at FROM term_keys k JOIN terms t ON t.id = k.term_id
		WHERE k.key = $1 AND k.position = 0`, store.Key(t.Name)).Scan(&id, &lastEdit)
	if isNoRows(err) {
		_, err := addTerm(ctx, im.tx, t, by)
		return store.Created, err
	}
	if err != nil {
		return 0, err
	}
	t.ID = id
	var editor store.Actor
	t.UpdatedAt, editor = store.EditByImport(r.UpdatedAt, fromNanos(lastEdit), r.UpdatedBy, by)
	err = updateTerm(ctx, im.tx, t, editor)
	if errors.Is(err, store.ErrUnchanged) {
		return store.Unchanged, nil
	}
	return store.Updated, err
}

func (im importer) ImportPersona(ctx context.Context, r store.PersonaRecord, by store.Actor) (store.Outcome, error) {
	p := r.PersonaOf()
	old, err := personaWhere(ctx, im.tx, "key = $1", store.Key(p.Name))
	if errors.Is(err, store.ErrNotFound) {
		_, err := addPersona(ctx, im.tx, p, by)
		return store.Created, err
	}
	if err != nil {
		return 0, err
	}
	p.ID = old.ID
	p.UpdatedAt, _ = store.EditByImport(r.UpdatedAt, old.UpdatedAt, "", by)
	err = updatePersona(ctx, im.tx, p, by)
	if errors.Is(err, store.ErrUnchanged) {
		return store.Unchanged, nil
	}
	return store.Updated, err
}

func (im importer) ImportLead(ctx context.Context, r store.LeadRecord) (store.Outcome, error) {
	return importLead(ctx, im.tx, r)
}

func (im importer) ImportMeeting(ctx context.Context, r store.MeetingRecord, by store.Actor) (store.Outcome, error) {
	return importMeeting(ctx, im.tx, r, by)
}

func (im importer) ImportMetric(ctx context.Context, r store.MetricRecord, by store.Actor) (store.Outcome, error) {
	return importMetric(ctx, im.tx, r, by)
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
