package sqlcore

import (
	"cmp"
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
		sla, err := slaRecords(ctx, tx)
		if err != nil {
			return err
		}
		insights, err := insightRecords(ctx, tx)
		if err != nil {
			return err
		}
		ds = store.ExportOf(terms, personas, leads, meetings, metrics, sla, insights, tx.Now, db.review)
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

// agreementFields are the texts of a record's agreement, for
// [Importer.storable].
func agreementFields(r store.AgreementRecord) []string {
	fields := []string{r.Owner}
	for _, a := range r.Approvals {
		fields = append(fields, a.User)
	}
	for _, d := range r.Disputes {
		fields = append(fields, d.User, d.Reason)
	}
	return fields
}

// ImportTerm adds or updates the term named like r, and merges its
// agreement by [store.MergeAgreement].
func (im Importer) ImportTerm(ctx context.Context, r store.TermRecord, opt store.ImportOptions) (store.Outcome, error) {
	fields := append([]string{r.Name, r.Category, r.Definition, r.CreatedBy, r.UpdatedBy}, r.Aliases...)
	if err := im.storable(append(fields, agreementFields(r.AgreementRecord())...)...); err != nil {
		return 0, err
	}
	file, err := r.Agreement()
	if err != nil {
		return 0, err
	}
	t := r.TermOf()
	// Match by name only: a record named like another term's alias is a clash,
	// not a rename of that term.
	old, err := TermWhere(ctx, im.Tx, "t.id = (SELECT term_id FROM term_keys WHERE key = ? AND position = 0)", store.Key(t.Name))
	if errors.Is(err, store.ErrNotFound) {
		m := store.MergeAgreement(nil, file, false, cmp.Or(t.CreatedBy, opt.By.ID))
		t.Version, t.Owner = m.Version, m.Owner
		id, err := AddTerm(ctx, im.Tx, im.D, t, opt.By)
		if err != nil {
			return 0, err
		}
		return store.Created, im.mergeSignoffs(ctx, store.KindTerm, id, store.Agreement{Version: m.Version}, m)
	}
	if err != nil {
		return 0, err
	}
	out := store.Unchanged
	edited := !old.SameContent(t)
	if edited {
		// A stale record is kept whole, its sign-offs too: they are of the
		// content kept back.
		var editor store.Actor
		if t.UpdatedAt, editor, err = store.EditByImport(r.UpdatedAt, old.UpdatedAt, r.UpdatedBy, opt.By, opt.Overwrite); err != nil {
			return 0, err
		}
		out = store.Updated
		m := store.MergeAgreement(&old.Agreement, file, true, old.CreatedBy)
		t.ID, t.Version = old.ID, m.Version
		if err := UpdateTerm(ctx, im.Tx, im.D, t, editor); err != nil {
			return 0, err
		}
		return out, im.merge(ctx, store.KindTerm, old.ID, old.Agreement, m)
	}
	m := store.MergeAgreement(&old.Agreement, file, false, old.CreatedBy)
	if m.Changed() {
		out = store.Updated
		im.Tx.TermsChanged = true // the glossary copy shows the sign-offs
	}
	return out, im.merge(ctx, store.KindTerm, old.ID, old.Agreement, m)
}

// ImportPersona adds or updates the persona named like r, and merges its
// agreement by [store.MergeAgreement].
func (im Importer) ImportPersona(ctx context.Context, r store.PersonaRecord, opt store.ImportOptions) (store.Outcome, error) {
	fields := []string{r.Name, r.Role, r.Summary, r.Goals, r.Pains, r.Objections, r.Channels, r.Questions, r.CreatedBy}
	if err := im.storable(append(fields, agreementFields(r.AgreementRecord())...)...); err != nil {
		return 0, err
	}
	file, err := r.Agreement()
	if err != nil {
		return 0, err
	}
	p := r.PersonaOf()
	old, err := PersonaWhere(ctx, im.Tx, "key = ?", store.Key(p.Name))
	if errors.Is(err, store.ErrNotFound) {
		m := store.MergeAgreement(nil, file, false, cmp.Or(p.CreatedBy, opt.By.ID))
		p.Version, p.Owner = m.Version, m.Owner
		id, err := AddPersona(ctx, im.Tx, p, opt.By)
		if err != nil {
			return 0, err
		}
		return store.Created, im.mergeSignoffs(ctx, store.KindPersona, id, store.Agreement{Version: m.Version}, m)
	}
	if err != nil {
		return 0, err
	}
	if !old.SameContent(p) {
		var editor store.Actor
		if p.UpdatedAt, editor, err = store.EditByImport(r.UpdatedAt, old.UpdatedAt, "", opt.By, opt.Overwrite); err != nil {
			return 0, err
		}
		m := store.MergeAgreement(&old.Agreement, file, true, old.CreatedBy)
		p.ID, p.Version = old.ID, m.Version
		if err := UpdatePersona(ctx, im.Tx, p, editor); err != nil {
			return 0, err
		}
		return store.Updated, im.merge(ctx, store.KindPersona, old.ID, old.Agreement, m)
	}
	m := store.MergeAgreement(&old.Agreement, file, false, old.CreatedBy)
	out := store.Unchanged
	if m.Changed() {
		out = store.Updated
	}
	return out, im.merge(ctx, store.KindPersona, old.ID, old.Agreement, m)
}

// merge applies m to the stored record kind id, whose agreement was
// stored: its owner, then its sign-offs.
func (im Importer) merge(ctx context.Context, kind string, id int64, stored store.Agreement, m store.AgreementMerge) error {
	if m.SetOwner {
		table, err := recordTable(kind)
		if err != nil {
			return err
		}
		// The file names the owner by id only.
		if _, err := im.Tx.Exec(ctx, "UPDATE "+table+" SET owner = ?, owner_name = '' WHERE id = ?", m.Owner, id); err != nil {
			return fmt.Errorf("import %s owner: %w", kind, err)
		}
	}
	stored.Version = m.Version
	return im.mergeSignoffs(ctx, kind, id, stored, m)
}

// mergeSignoffs adds m.Add to the record kind id, whose agreement (at its
// version after the import) is a, and writes its agreed_at again. Without
// sign-offs to add nothing is written: agreed_at is as it was, or NULL
// after an edit (no stored sign-off is of a version newer than the stored
// one, which [store.MergeAgreement] keeps true).
func (im Importer) mergeSignoffs(ctx context.Context, kind string, id int64, a store.Agreement, m store.AgreementMerge) error {
	if len(m.Add) == 0 {
		return nil
	}
	for _, s := range m.Add {
		sid, err := insertSignoff(ctx, im.Tx, kind, id, s)
		if err != nil {
			return err
		}
		s.ID = sid
		a.Signoffs = append(a.Signoffs, s)
	}
	return storeAgreedAt(ctx, im.Tx, kind, id, a)
}

// ImportLead merges r into the lead at its channel and ts.
func (im Importer) ImportLead(ctx context.Context, r store.LeadRecord) (store.Outcome, error) {
	fields := []string{r.Channel, r.TS, r.Text, r.PostedBy} // the origin is cleaned, not refused
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

// ImportSLA adds the change of a commitment r records by the rules of
// [store.SLARecord.Change].
func (im Importer) ImportSLA(ctx context.Context, r store.SLARecord, by store.Actor) (store.Outcome, error) {
	if err := im.storable(r.Name, r.SetBy); err != nil {
		return 0, err
	}
	return ImportSLA(ctx, im.Tx, r, by)
}

// ImportInsight adds the insight r records unless it is stored already;
// see [ImportInsight].
func (im Importer) ImportInsight(ctx context.Context, r store.InsightRecord, by store.Actor) (store.Outcome, error) {
	fields := []string{r.Text, r.Source, r.By, r.Channel, r.TS}
	if r.Persona != nil {
		fields = append(fields, *r.Persona)
	}
	if err := im.storable(fields...); err != nil {
		return 0, err
	}
	return ImportInsight(ctx, im.Tx, r, by)
}
