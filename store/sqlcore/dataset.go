package sqlcore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"smarketing/store"
)

// Export reads the whole database as one consistent snapshot (a read
// transaction, so the bot keeps writing meanwhile), in a stable order: two
// exports of the same data are identical.
func (db *DB) Export(ctx context.Context) (store.Dataset, error) {
	var ds store.Dataset
	err := db.read(ctx, func(tx *Tx) error {
		terms, err := ListTerms(ctx, tx)
		if err != nil {
			return err
		}
		personas, err := ListPersonas(ctx, tx)
		if err != nil {
			return err
		}
		leads, err := LeadRecords(ctx, tx)
		if err != nil {
			return err
		}
		meetings, err := ListMeetingRecords(ctx, tx)
		if err != nil {
			return err
		}
		metrics, err := ListMetrics(ctx, tx, "")
		if err != nil {
			return err
		}
		ds = store.ExportOf(terms, personas, leads, meetings, metrics)
		return nil
	})
	return ds, err
}

// Importer applies the records of an import within one transaction, by the
// rules of [store.ImportInto]; a backend's Import makes one per run of its
// write transaction.
type Importer struct {
	Tx *Tx
	D  Dialect
}

var _ store.RecordImporter = Importer{}

// storable returns a [*store.RecordError] if a field of a record is text
// the database cannot store ([Dialect.Storable]: PostgreSQL refuses a NUL
// character and bytes that are not UTF-8), so that the record is rejected,
// as one that clashes is, rather than failing the whole import.
func (im Importer) storable(fields ...string) error {
	for _, f := range fields {
		if im.D.Storable(f) {
			continue
		}
		if strings.IndexByte(f, 0) >= 0 {
			return &store.RecordError{Msg: fmt.Sprintf("%q holds a NUL character, which the database cannot store", f)}
		}
		return &store.RecordError{Msg: fmt.Sprintf("%q is not valid UTF-8", f)}
	}
	return nil
}

// ImportTerm adds or updates the term named like r.
func (im Importer) ImportTerm(ctx context.Context, r store.TermRecord, opt store.ImportOptions) (store.Outcome, error) {
	if err := im.storable(append([]string{r.Name, r.Category, r.Definition, r.CreatedBy, r.UpdatedBy}, r.Aliases...)...); err != nil {
		return 0, err
	}
	t := r.TermOf()
	// Match by name only: a record named like another term's alias is a clash,
	// not a rename of that term.
	old, err := TermWhere(ctx, im.Tx, "t.id = (SELECT term_id FROM term_keys WHERE key = ? AND position = 0)", store.Key(t.Name))
	if errors.Is(err, store.ErrNotFound) {
		_, err := AddTerm(ctx, im.Tx, im.D, t, opt.By)
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
	return store.Updated, UpdateTerm(ctx, im.Tx, im.D, t, editor)
}

// ImportPersona adds or updates the persona named like r.
func (im Importer) ImportPersona(ctx context.Context, r store.PersonaRecord, opt store.ImportOptions) (store.Outcome, error) {
	if err := im.storable(r.Name, r.Role, r.Summary, r.Goals, r.Pains, r.Objections, r.Channels, r.Questions, r.CreatedBy); err != nil {
		return 0, err
	}
	p := r.PersonaOf()
	old, err := PersonaWhere(ctx, im.Tx, "key = ?", store.Key(p.Name))
	if errors.Is(err, store.ErrNotFound) {
		_, err := AddPersona(ctx, im.Tx, p, opt.By)
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
	return store.Updated, UpdatePersona(ctx, im.Tx, p, editor)
}

// ImportLead merges r into the lead at its channel and ts.
func (im Importer) ImportLead(ctx context.Context, r store.LeadRecord) (store.Outcome, error) {
	fields := []string{r.Channel, r.TS, r.Text, r.PostedBy}
	for _, f := range r.Feedback {
		fields = append(fields, f.User, f.Reason)
	}
	if err := im.storable(fields...); err != nil {
		return 0, err
	}
	return ImportLead(ctx, im.Tx, r)
}

// ImportMeeting adds the meeting r unless it is there already.
func (im Importer) ImportMeeting(ctx context.Context, r store.MeetingRecord, by store.Actor) (store.Outcome, error) {
	if err := im.storable(append([]string{r.Title, r.Schedule, r.Channel}, r.Agenda...)...); err != nil {
		return 0, err
	}
	return ImportMeeting(ctx, im.Tx, im.D, r, by)
}

// ImportMetric merges r by the rules of [store.MergeMetric].
func (im Importer) ImportMetric(ctx context.Context, r store.MetricRecord, by store.Actor) (store.Outcome, error) {
	if err := im.storable(r.Name, r.Week, r.Unit, r.SetBy); err != nil {
		return 0, err
	}
	return ImportMetric(ctx, im.Tx, r, by)
}
