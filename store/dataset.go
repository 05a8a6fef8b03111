package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
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
	SLA      []SLARecord     `json:"sla,omitempty"`
	Insights []InsightRecord `json:"insights,omitempty"`
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
	// The agreement (SPEC §8), as [AgreementRecord] has it.
	Status     Status           `json:"status"`
	ReviewedAt time.Time        `json:"reviewed_at,omitzero"`
	Version    int              `json:"version"`
	Owner      string           `json:"owner"`
	Approvals  []ApprovalRecord `json:"approvals"`
	Disputes   []DisputeRecord  `json:"disputes"`
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
	// The agreement (SPEC §8), as [AgreementRecord] has it.
	Status     Status           `json:"status"`
	ReviewedAt time.Time        `json:"reviewed_at,omitzero"`
	Version    int              `json:"version"`
	Owner      string           `json:"owner"`
	Approvals  []ApprovalRecord `json:"approvals"`
	Disputes   []DisputeRecord  `json:"disputes"`
}

// AgreementRecord is the agreement of a term or persona in the export
// format (SPEC §8): the fields a [TermRecord] or [PersonaRecord] has
// beside its content (written out there, so that the fields of a record
// are one flat list). An export written before agreed definitions has
// none of them, and imports as version 1, a draft without owner.
type AgreementRecord struct {
	// Status and ReviewedAt are what the approvals and disputes amounted
	// to when exported ([Agreement.Standing]: its status words, and its
	// AgreedAt, left out unless agreed). They are there to be read:
	// an import derives both again from the approvals and disputes.
	Status     Status    `json:"status"`
	ReviewedAt time.Time `json:"reviewed_at,omitzero"`
	// Version is the current version; 0 (none) is 1.
	Version   int              `json:"version"`
	Owner     string           `json:"owner"`
	Approvals []ApprovalRecord `json:"approvals"`
	Disputes  []DisputeRecord  `json:"disputes"`
}

// ApprovalRecord is one approval of a version in the export format.
type ApprovalRecord struct {
	User    string    `json:"user"`
	Side    string    `json:"side"` // SideSales or SideMarketing
	Version int       `json:"version"`
	At      time.Time `json:"at"`
}

// DisputeRecord is one dispute of a version in the export format.
type DisputeRecord struct {
	User    string    `json:"user"`
	Reason  string    `json:"reason"`
	Version int       `json:"version"`
	At      time.Time `json:"at"`
}

// RecordOf is a's record at now, when an agreed version is due for review
// after every: approvals and disputes oldest first, as lists even when
// empty.
func RecordOf(a Agreement, now time.Time, every time.Duration) AgreementRecord {
	st := a.Standing(now, every)
	r := AgreementRecord{Status: st.Status, ReviewedAt: st.AgreedAt, Version: a.Version, Owner: a.Owner,
		Approvals: []ApprovalRecord{}, Disputes: []DisputeRecord{}}
	for _, s := range a.Signoffs {
		if s.Dispute {
			r.Disputes = append(r.Disputes, DisputeRecord{User: s.User, Reason: s.Reason, Version: s.Version, At: s.At.UTC()})
		} else {
			r.Approvals = append(r.Approvals, ApprovalRecord{User: s.User, Side: s.Side, Version: s.Version, At: s.At.UTC()})
		}
	}
	return r
}

// Agreement is the agreement r describes: its version (1 if none), owner,
// and its approvals (each for its one side: not [Signoff.Dual]) and
// disputes as sign-offs in one list, oldest first (each list keeps its
// order; of an approval and a dispute made at the same time, the approval
// comes first). Status and ReviewedAt play no part. It returns a
// [*RecordError] for a sign-off without a user or a time, an approval for
// neither side, or a sign-off of a version the record does not have.
func (r AgreementRecord) Agreement() (Agreement, error) {
	a := Agreement{Version: max(r.Version, 1), Owner: strings.TrimSpace(r.Owner)}
	if r.Version < 0 {
		return Agreement{}, &RecordError{fmt.Sprintf("version %d must be 1 or more", r.Version)}
	}
	check := func(what, user string, version int, at time.Time) error {
		switch {
		case strings.TrimSpace(user) == "":
			return &RecordError{fmt.Sprintf("each %s needs a user", what)}
		case at.IsZero():
			return &RecordError{fmt.Sprintf("each %s needs its time (at)", what)}
		case version < 1 || version > a.Version:
			return &RecordError{fmt.Sprintf("a %s of version %d: the record has versions 1 to %d", what, version, a.Version)}
		}
		return nil
	}
	approvals := make([]Signoff, 0, len(r.Approvals))
	for _, x := range r.Approvals {
		if err := check("approval", x.User, x.Version, x.At); err != nil {
			return Agreement{}, err
		}
		if x.Side != SideSales && x.Side != SideMarketing {
			return Agreement{}, &RecordError{fmt.Sprintf("approval side %q must be %s or %s", x.Side, SideSales, SideMarketing)}
		}
		approvals = append(approvals, Signoff{Version: x.Version, User: strings.TrimSpace(x.User), Side: x.Side, At: x.At.UTC()})
	}
	disputes := make([]Signoff, 0, len(r.Disputes))
	for _, x := range r.Disputes {
		if err := check("dispute", x.User, x.Version, x.At); err != nil {
			return Agreement{}, err
		}
		disputes = append(disputes, Signoff{Version: x.Version, User: strings.TrimSpace(x.User), Dispute: true, Reason: x.Reason, At: x.At.UTC()})
	}
	// Merge the two lists by time, each in its own order: the export
	// wrote them from one list, in that order.
	for len(approvals) > 0 || len(disputes) > 0 {
		if len(disputes) == 0 || (len(approvals) > 0 && !disputes[0].At.Before(approvals[0].At)) {
			a.Signoffs, approvals = append(a.Signoffs, approvals[0]), approvals[1:]
		} else {
			a.Signoffs, disputes = append(a.Signoffs, disputes[0]), disputes[1:]
		}
	}
	return a, nil
}

// AgreementRecord is r's agreement fields.
func (r TermRecord) AgreementRecord() AgreementRecord {
	return AgreementRecord{Status: r.Status, ReviewedAt: r.ReviewedAt, Version: r.Version, Owner: r.Owner, Approvals: r.Approvals, Disputes: r.Disputes}
}

// AgreementRecord is r's agreement fields.
func (r PersonaRecord) AgreementRecord() AgreementRecord {
	return AgreementRecord{Status: r.Status, ReviewedAt: r.ReviewedAt, Version: r.Version, Owner: r.Owner, Approvals: r.Approvals, Disputes: r.Disputes}
}

// Agreement is the agreement r describes ([AgreementRecord.Agreement]).
func (r TermRecord) Agreement() (Agreement, error) { return r.AgreementRecord().Agreement() }

// Agreement is the agreement r describes ([AgreementRecord.Agreement]).
func (r PersonaRecord) Agreement() (Agreement, error) { return r.AgreementRecord().Agreement() }

// AgreementMerge is what importing a record's agreement does to a
// term or persona: see [MergeAgreement].
type AgreementMerge struct {
	// Version is the version the record has after the import.
	Version int
	// Owner is the owner it has after the import; SetOwner reports
	// whether that is a change.
	Owner    string
	SetOwner bool
	// Add are the sign-offs to add, oldest first, of their versions here.
	Add []Signoff
}

// Changed reports whether the merge changes anything but the content.
func (m AgreementMerge) Changed() bool { return m.SetOwner || len(m.Add) > 0 }

// MergeAgreement decides what importing file (a record's [AgreementRecord.Agreement])
// does to the stored agreement of the same record, stored being nil for a
// record the import creates and edited telling whether the import changes
// the stored content (it is newer, or overwrites it). The rules, in one
// place for every backend:
//
//   - The version: a new record gets the file's; an edit makes
//     max(stored+1, file's), as any edit makes one more; otherwise the
//     stored version stays.
//   - Sign-offs are merged as a union: the file's sign-offs of its current
//     version, which are of the content it holds, count for the version
//     that holds that content here; those of earlier versions are history
//     and come as they are if that version is earlier than the record's
//     here (one the store has not reached yet they would approve in
//     advance: they are left out). A sign-off is the same as a stored one
//     if it is an approval or a dispute alike, by the same user, of the
//     same version, at the same time: it is not added twice, so importing
//     a file again adds nothing.
//   - The owner: the file's, if it names one other than the record's
//     creator (the default, which an export writes out), when the record
//     is new, the import edits it, or none is stored.
//
// The stored record is left alone altogether when the import keeps it
// ([*StaleError]): the caller does not merge then.
func MergeAgreement(stored *Agreement, file Agreement, edited bool, creator string) AgreementMerge {
	if file.Owner == creator {
		file.Owner = "" // the default owner (an export names it): no owner of its own
	}
	m := AgreementMerge{Version: file.Version, Owner: file.Owner, SetOwner: file.Owner != ""}
	var have []Signoff
	if stored != nil {
		have = stored.Signoffs
		m.Version, m.Owner, m.SetOwner = stored.Version, stored.Owner, false
		if edited {
			m.Version = max(stored.Version+1, file.Version)
		}
		if file.Owner != "" && file.Owner != stored.Owner && (edited || stored.Owner == "") {
			m.Owner, m.SetOwner = file.Owner, true
		}
	}
	type key struct {
		dispute bool
		user    string
		version int
		at      int64
	}
	seen := map[key]bool{}
	for _, s := range have {
		seen[key{s.Dispute, s.User, s.Version, s.At.UnixNano()}] = true
	}
	for _, s := range file.Signoffs {
		switch {
		case s.Version == file.Version:
			s.Version = m.Version
		case s.Version >= m.Version:
			continue
		}
		k := key{s.Dispute, s.User, s.Version, s.At.UnixNano()}
		if seen[k] {
			continue
		}
		seen[k] = true
		m.Add = append(m.Add, s)
	}
	return m
}

// LeadRecord is a lead in the export format, with its feedback.
type LeadRecord struct {
	Channel  string    `json:"channel"`
	TS       string    `json:"ts"`
	Text     string    `json:"text"`
	PostedBy string    `json:"posted_by"`
	PostedAt time.Time `json:"posted_at"`
	Deleted  bool      `json:"deleted"`
	// Source and Campaign (SPEC §9); a record without a source (an export
	// made before sources were kept) gets the one [OriginOf] finds.
	Source   string           `json:"source"`
	Campaign string           `json:"campaign"`
	Feedback []FeedbackRecord `json:"feedback"`
}

// FeedbackRecord is one person's current rating of a lead.
type FeedbackRecord struct {
	User   string    `json:"user"`
	Rating Rating    `json:"rating"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// ImportReport says what an import did.
type ImportReport struct {
	Created, Updated, Unchanged int
	// Rejected lists the records that could not be applied, by section and
	// index in the dataset; the rest were applied.
	Rejected []Rejection
	// Kept lists the records left alone because what is stored is newer
	// ([*StaleError]).
	Kept []Rejection
}

// Rejection is one record an import could not apply.
type Rejection struct {
	Section string // "terms", "personas", "leads", "meetings", "metrics", "sla" or "insights"
	Index   int    // position in that section
	Err     error
}

// ImportOptions configures [DB.Import].
type ImportOptions struct {
	By Actor // who imports; used where a record names no author
	// Overwrite replaces stored terms and personas newer than the
	// imported ones (the edit kept in history) instead of keeping them.
	Overwrite bool
	// Progress, if set, is called after each record with how many of the
	// total are done.
	Progress func(done, total int)
}

type Outcome int

const (
	Created Outcome = iota
	Updated
	Unchanged
)

func (r *ImportReport) Count(o Outcome) {
	switch o {
	case Created:
		r.Created++
	case Updated:
		r.Updated++
	default:
		r.Unchanged++
	}
}

// Importer returns who a record says wrote it, or by.
func Importer(id string, by Actor) Actor {
	if id != "" {
		return Actor{ID: id}
	}
	return by
}

// Newer reports whether a record's update time is after the stored one.
// Only then do the record's time and author describe the edit an import
// makes; otherwise (say, an export edited by hand, its times
// left as they were) the edit is the importer's, now.
func Newer(recordTime, stored time.Time) bool {
	return !recordTime.IsZero() && recordTime.After(stored)
}

// Check returns a [*RecordError] if r cannot be stored as it is.
func (r LeadRecord) Check() error {
	if r.Channel == "" || r.TS == "" {
		return &RecordError{"a lead needs its channel and ts"}
	}
	if _, ok := TSTime(r.TS); !ok {
		return &RecordError{fmt.Sprintf("ts %q is not a Slack message timestamp", r.TS)}
	}
	seen := map[string]bool{}
	for _, f := range r.Feedback {
		switch f.Rating {
		case Good, Poor, Hot:
		default:
			return &RecordError{fmt.Sprintf("rating %q must be good, poor or hot", f.Rating)}
		}
		if f.User == "" || seen[f.User] {
			return &RecordError{"each feedback needs a user, at most once per lead"}
		}
		seen[f.User] = true
	}
	return nil
}

// AsStored returns r as an import stores it: posted at the time of its
// ts when it gives none, with the origin [KeptOrigin] keeps (a record
// without a source, from an export made before sources were kept, gets
// the one [OriginOf] finds in its text).
func (r LeadRecord) AsStored() LeadRecord {
	if r.PostedAt.IsZero() {
		r.PostedAt, _ = TSTime(r.TS)
	}
	o := KeptOrigin(Origin{Source: r.Source, Campaign: r.Campaign}, r.Text, r.PostedBy)
	r.Source, r.Campaign = o.Source, o.Campaign
	return r
}

// SameLead reports whether a stored lead a (feedback by time, then user)
// and a record b ([LeadRecord.AsStored]) say the same: an import of b
// leaves a alone.
func SameLead(a, b LeadRecord) bool {
	if a.Text != b.Text || a.PostedBy != b.PostedBy || !a.PostedAt.Equal(b.PostedAt) || a.Deleted != b.Deleted ||
		a.Source != b.Source || a.Campaign != b.Campaign || len(a.Feedback) != len(b.Feedback) {
		return false
	}
	bs := slices.Clone(b.Feedback)
	slices.SortFunc(bs, func(x, y FeedbackRecord) int {
		return cmp.Or(x.At.Compare(y.At), strings.Compare(x.User, y.User))
	})
	for i := range bs {
		x, y := a.Feedback[i], bs[i]
		if x.User != y.User || x.Rating != y.Rating || x.Reason != y.Reason || !x.At.Equal(y.At) {
			return false
		}
	}
	return true
}

// MergeMetric decides what importing r does, given the metric stored for
// its name and week (nil if none): a new one is created, a different
// value, unit or author updates it (set now), the same is left alone
// ([Unchanged]). A record without set_by keeps the stored author, or is
// by's when new. It returns a [*RecordError] for a record that cannot be
// stored. The caller validates names.
func MergeMetric(r MetricRecord, stored *Metric, by Actor, now time.Time) (Metric, Outcome, error) {
	w, err := ParseISOWeek(r.Week)
	if err != nil {
		return Metric{}, 0, &RecordError{fmt.Sprintf("metric %q: %v", r.Name, err)}
	}
	m := Metric{Name: r.Name, Week: w, Value: r.Value, Unit: r.Unit, SetBy: r.SetBy, SetAt: now}
	if err := m.Check(); err != nil {
		return Metric{}, 0, &RecordError{err.Error()}
	}
	if stored == nil {
		if m.SetBy == "" {
			m.SetBy = by.ID
		}
		return m, Created, nil
	}
	if m.SetBy == "" {
		m.SetBy = stored.SetBy
	}
	if stored.Value == m.Value && stored.Unit == m.Unit && stored.SetBy == m.SetBy {
		return m, Unchanged, nil
	}
	return m, Updated, nil
}

// Change returns the change of a commitment r records, as an import
// stores it: set now when r has no set_at, by by when it names nobody;
// or a [*RecordError] for a target [SLATarget.Check] refuses. A change
// with the name and set_at of one stored is that change: the import
// leaves it alone ([Unchanged]), so that importing a file again adds
// nothing; any other is added to the history ([Created]).
func (r SLARecord) Change(by Actor, now time.Time) (SLATarget, error) {
	t := SLATarget{Name: r.Name, Target: r.Target, SetBy: strings.TrimSpace(r.SetBy), SetAt: r.SetAt.UTC()}
	if err := t.Check(); err != nil {
		return SLATarget{}, err
	}
	if r.SetAt.IsZero() {
		t.SetAt = now.UTC()
	}
	if t.SetBy == "" {
		t.SetBy, t.SetByName = by.ID, by.Name
	}
	return t, nil
}

// InsightOf is the insight r describes as an import stores it: its text
// as [InsightText] keeps it, shared at now when r has no at, by by when it
// names nobody. The persona is the caller's to find by name.
func (r InsightRecord) InsightOf(by Actor, now time.Time) (Insight, error) {
	text, err := InsightText(r.Text)
	if err != nil {
		return Insight{}, err
	}
	in := Insight{Text: text, Source: r.Source, By: strings.TrimSpace(r.By), At: r.At.UTC(), Channel: r.Channel, TS: r.TS}
	if r.At.IsZero() {
		in.At = now.UTC()
	}
	if in.By == "" {
		in.By, in.ByName = by.ID, by.Name
	}
	return in, nil
}

// TermOf is the term a record describes: its content, authors and times,
// its version (1 if none) and owner; not its sign-offs
// ([AgreementRecord.Agreement]).
func (r TermRecord) TermOf() Term {
	t := Term{Name: r.Name, Aliases: r.Aliases, Category: r.Category, Definition: r.Definition,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedBy: r.UpdatedBy, UpdatedAt: r.UpdatedAt,
		Agreement: Agreement{Version: max(r.Version, 1), Owner: strings.TrimSpace(r.Owner)}}
	if len(t.Aliases) == 0 {
		t.Aliases = nil
	}
	return t
}

// PersonaOf is the persona a record describes, as [TermRecord.TermOf]
// describes a term.
func (r PersonaRecord) PersonaOf() Persona {
	return Persona{Name: r.Name, Role: r.Role, Summary: r.Summary, Goals: r.Goals, Pains: r.Pains,
		Objections: r.Objections, Channels: r.Channels, Questions: r.Questions,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Agreement: Agreement{Version: max(r.Version, 1), Owner: strings.TrimSpace(r.Owner)}}
}

// StaleError reports an imported term or persona that differs from the
// stored one but is not newer than it: import never overwrites newer work
// (SPEC §7), unless told to ([ImportOptions].Overwrite). A record without
// updated_at is older than anything stored.
type StaleError struct {
	Stored, Record time.Time // the two updated_at; Record is zero if the record had none
}

func (e *StaleError) Error() string {
	rec := "the file's has no updated_at"
	if !e.Record.IsZero() {
		rec = "newer than the file's (updated " + e.Record.UTC().Format(time.RFC3339) + ")"
	}
	return fmt.Sprintf("kept the version stored here (updated %s), %s", e.Stored.UTC().Format(time.RFC3339), rec)
}

// EditByImport decides the edit an import makes of a stored record, last
// updated at storedAt, whose content the record changes: the record's time
// and author (recordBy, or by) if the record is newer; else, with
// overwrite, the importer's edit now (a zero time: the backend uses its
// transaction's); else a [*StaleError], and the record is left alone.
func EditByImport(recordAt, storedAt time.Time, recordBy string, by Actor, overwrite bool) (time.Time, Actor, error) {
	if Newer(recordAt, storedAt) {
		return recordAt, Importer(recordBy, by), nil
	}
	if overwrite {
		return time.Time{}, by, nil
	}
	return time.Time{}, Actor{}, &StaleError{Stored: storedAt, Record: recordAt}
}

// RecordImporter applies the records of one import inside one
// transaction of a backend. A record that clashes, cannot be stored or is
// older than what is stored returns a [*ConflictError], a [*RecordError]
// or a [*StaleError] before it writes anything; any other error ends the
// import. A term or persona identical to the stored one is [Unchanged]
// whatever its times.
type RecordImporter interface {
	ImportTerm(ctx context.Context, r TermRecord, opt ImportOptions) (Outcome, error)
	ImportPersona(ctx context.Context, r PersonaRecord, opt ImportOptions) (Outcome, error)
	ImportLead(ctx context.Context, r LeadRecord) (Outcome, error)
	ImportMeeting(ctx context.Context, r MeetingRecord, by Actor) (Outcome, error)
	ImportMetric(ctx context.Context, r MetricRecord, by Actor) (Outcome, error)
	// ImportSLA adds the change r records to the history of its
	// commitment, by the rules of [SLARecord.Change].
	ImportSLA(ctx context.Context, r SLARecord, by Actor) (Outcome, error)
	// ImportInsight adds the insight r records ([InsightRecord.InsightOf])
	// unless one with its by, at and text is stored.
	ImportInsight(ctx context.Context, r InsightRecord, by Actor) (Outcome, error)
}

// ImportInto applies ds through im, section by section: a record whose name
// is new is created, one whose content differs is updated if it is newer
// (the edit kept in its history) and kept back as a [*StaleError]
// otherwise, unless opt.Overwrite; an identical one is left alone, so
// importing the same data twice changes nothing. A record that clashes ([*ConflictError]) or cannot
// be stored as it is ([*RecordError]) is rejected and reported; the others
// are still applied. Any other error is returned, and the backend rolls
// the whole import back.
func ImportInto(ctx context.Context, ds Dataset, opt ImportOptions, im RecordImporter) (ImportReport, error) {
	var rep ImportReport
	if ds.Version != 0 && ds.Version != DatasetVersion {
		return rep, fmt.Errorf("import: format version %d is not supported (want %d)", ds.Version, DatasetVersion)
	}
	total, done := len(ds.Terms)+len(ds.Personas)+len(ds.Leads)+len(ds.Meetings)+len(ds.Metrics)+len(ds.SLA)+len(ds.Insights), 0
	apply := func(section string, i int, what string, f func() (Outcome, error)) error {
		// No savepoint per record (one made an import of 10,000 terms twice
		// as slow): a rejected record leaves nothing behind by contract.
		out, err := f()
		var conflict *ConflictError
		var invalid *RecordError
		var stale *StaleError
		switch {
		case err == nil:
			rep.Count(out)
		case errors.As(err, &stale):
			rep.Kept = append(rep.Kept, Rejection{Section: section, Index: i, Err: err})
		case errors.As(err, &conflict), errors.As(err, &invalid):
			rep.Rejected = append(rep.Rejected, Rejection{Section: section, Index: i, Err: err})
		default:
			return fmt.Errorf("import %s: %w", what, err)
		}
		done++
		if opt.Progress != nil {
			opt.Progress(done, total)
		}
		return nil
	}
	for i, r := range ds.Terms {
		if err := apply("terms", i, fmt.Sprintf("term %q", r.Name), func() (Outcome, error) { return im.ImportTerm(ctx, r, opt) }); err != nil {
			return ImportReport{}, err
		}
	}
	for i, r := range ds.Personas {
		if err := apply("personas", i, fmt.Sprintf("persona %q", r.Name), func() (Outcome, error) { return im.ImportPersona(ctx, r, opt) }); err != nil {
			return ImportReport{}, err
		}
	}
	for i, r := range ds.Leads {
		if err := apply("leads", i, fmt.Sprintf("lead %s/%s", r.Channel, r.TS), func() (Outcome, error) { return im.ImportLead(ctx, r) }); err != nil {
			return ImportReport{}, err
		}
	}
	for i, r := range ds.Meetings {
		if err := apply("meetings", i, fmt.Sprintf("meeting %q", r.Title), func() (Outcome, error) { return im.ImportMeeting(ctx, r, opt.By) }); err != nil {
			return ImportReport{}, err
		}
	}
	for i, r := range ds.Metrics {
		if err := apply("metrics", i, fmt.Sprintf("metric %s %s", r.Name, r.Week), func() (Outcome, error) { return im.ImportMetric(ctx, r, opt.By) }); err != nil {
			return ImportReport{}, err
		}
	}
	for i, r := range ds.SLA {
		if err := apply("sla", i, fmt.Sprintf("sla %s", r.Name), func() (Outcome, error) { return im.ImportSLA(ctx, r, opt.By) }); err != nil {
			return ImportReport{}, err
		}
	}
	// After the personas: an insight names one of them, maybe one just
	// imported.
	for i, r := range ds.Insights {
		if err := apply("insights", i, fmt.Sprintf("insight #%d", i+1), func() (Outcome, error) { return im.ImportInsight(ctx, r, opt.By) }); err != nil {
			return ImportReport{}, err
		}
	}
	return rep, nil
}

// FieldError reports a field of an imported record that cannot be read.
type FieldError struct {
	Field, Value string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("the %s %q is not an RFC 3339 time such as 2024-03-05T14:30:00Z", e.Field, e.Value)
}

// ParseRecordTime reads a time of the export format: RFC 3339; empty (or
// only spaces) is none, and an import then takes now. It returns a
// [*FieldError] naming field for anything else.
func ParseRecordTime(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, &FieldError{Field: field, Value: s}
	}
	return t.UTC(), nil
}

// decodeStrict decodes one JSON object into v, refusing unknown fields.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// recordTime is a time field of a record and where it goes.
type recordTime struct {
	field string
	dst   *time.Time
}

// readRecord decodes one record of the export format into fields (a
// pointer to the record's type without its UnmarshalJSON), reading the
// times named in times as [ParseRecordTime] does, so that an empty one is
// none, and refusing unknown fields.
func readRecord(b []byte, fields any, times []recordTime) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	var errs []error
	for _, rt := range times {
		name, dst := rt.field, rt.dst
		raw, ok := obj[name]
		if !ok {
			continue
		}
		delete(obj, name)
		var text *string
		if err := json.Unmarshal(raw, &text); err != nil {
			if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
				te.Field = name
			}
			return err
		}
		if text != nil {
			t, err := ParseRecordTime(name, *text)
			*dst = t
			errs = append(errs, err)
		}
	}
	rest, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	if err := decodeStrict(rest, fields); err != nil {
		return err
	}
	return cmp.Or(errs...)
}

// UnmarshalJSON reads a term of the export format: times as
// [ParseRecordTime] reads them, authors trimmed, unknown fields refused.
func (r *TermRecord) UnmarshalJSON(b []byte) error {
	type plain TermRecord // the fields, without this method
	var created, updated, reviewed time.Time
	err := readRecord(b, (*plain)(r), []recordTime{{"created_at", &created}, {"updated_at", &updated}, {"reviewed_at", &reviewed}})
	r.CreatedAt, r.UpdatedAt, r.ReviewedAt = created, updated, reviewed
	r.CreatedBy, r.UpdatedBy = strings.TrimSpace(r.CreatedBy), strings.TrimSpace(r.UpdatedBy)
	return err
}

// UnmarshalJSON reads a persona of the export format, as
// [TermRecord.UnmarshalJSON] reads a term.
func (r *PersonaRecord) UnmarshalJSON(b []byte) error {
	type plain PersonaRecord
	var created, updated, reviewed time.Time
	err := readRecord(b, (*plain)(r), []recordTime{{"created_at", &created}, {"updated_at", &updated}, {"reviewed_at", &reviewed}})
	r.CreatedAt, r.UpdatedAt, r.ReviewedAt = created, updated, reviewed
	r.CreatedBy = strings.TrimSpace(r.CreatedBy)
	return err
}

// ExportOf assembles an export (the owner of a record without one is its
// creator, as everywhere else) from what a backend read in one snapshot:
// terms and personas in any order (they are sorted here by [Key]), leads,
// meetings, metrics and insights in the order the format has them, and the
// history of the commitments oldest first. The status of a term or persona
// is its standing at now, an agreed version being due for review after
// every.
func ExportOf(terms []Term, personas []Persona, leads []LeadRecord, meetings []MeetingRecord, metrics []Metric, sla []SLATarget,
	insights []InsightRecord, now time.Time, every time.Duration) Dataset {
	ds := Dataset{Version: DatasetVersion, Leads: leads, Meetings: meetings, Insights: insights}
	for _, t := range SortedByKey(terms, func(t Term) string { return t.Name }) {
		aliases := t.Aliases
		if aliases == nil {
			aliases = []string{}
		}
		a := RecordOf(t.Agreement, now, every)
		ds.Terms = append(ds.Terms, TermRecord{
			Name: t.Name, Aliases: aliases, Category: t.Category, Definition: t.Definition,
			CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt, UpdatedBy: t.UpdatedBy, UpdatedAt: t.UpdatedAt,
			Status: a.Status, ReviewedAt: a.ReviewedAt, Version: a.Version, Owner: cmp.Or(a.Owner, t.CreatedBy), Approvals: a.Approvals, Disputes: a.Disputes,
		})
	}
	for _, p := range SortedByKey(personas, func(p Persona) string { return p.Name }) {
		a := RecordOf(p.Agreement, now, every)
		ds.Personas = append(ds.Personas, PersonaRecord{
			Name: p.Name, Role: p.Role, Summary: p.Summary, Goals: p.Goals, Pains: p.Pains,
			Objections: p.Objections, Channels: p.Channels, Questions: p.Questions,
			CreatedBy: p.CreatedBy, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
			Status: a.Status, ReviewedAt: a.ReviewedAt, Version: a.Version, Owner: cmp.Or(a.Owner, p.CreatedBy), Approvals: a.Approvals, Disputes: a.Disputes,
		})
	}
	for _, m := range metrics {
		ds.Metrics = append(ds.Metrics, MetricRecord{Name: m.Name, Week: m.Week.String(), Value: m.Value, Unit: m.Unit, SetBy: m.SetBy})
	}
	for _, t := range sla {
		ds.SLA = append(ds.SLA, SLARecord{Name: t.Name, Target: t.Target, SetBy: t.SetBy, SetAt: t.SetAt.UTC()})
	}
	return ds
}
