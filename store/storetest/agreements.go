package storetest

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"smarketing/store"
)

var agreementTests = []subtest{
	{"ApproveThenAgreed", testAgreementApprove},
	{"DisputeThenAgreedAgain", testAgreementDispute},
	{"DualApproverMovesOver", testAgreementFlip},
	{"StaleVersionRefused", testAgreementStaleVersion},
	{"NoSideRefused", testAgreementNoSide},
	{"NotFound", testAgreementNotFound},
	{"EditMakesNewVersion", testAgreementEdit},
	{"Personas", testAgreementPersonas},
	{"SetOwner", testAgreementSetOwner},
	{"DueReviews", testAgreementDueReviews},
	{"DueReviewsClaimed", testAgreementDueReviewsClaimed},
	{"ReviewAgain", testAgreementReviewAgain},
	{"GlossaryCopyShowsSignOff", testAgreementGlossaryCopy},
	{"DeleteRemovesSignoffs", testAgreementDelete},
	{"ExportRecords", testAgreementExportRecords},
	{"RoundTrip", testAgreementRoundTrip},
	{"ImportOldFormat", testAgreementImportOldFormat},
	{"ImportMerges", testAgreementImportMerges},
	{"ImportNewerContent", testAgreementImportNewerContent},
	{"ImportStaleKeptWhole", testAgreementImportStale},
	{"ImportRejectsBadSignoffs", testAgreementImportRejects},
}

// People of the sides: sal is on sales, mo on marketing, duo on both.
const (
	sal = "USAL"
	mo  = "UMO"
	duo = "UDUO"
	kim = "UKIM" // on sales too
)

func termRef(id int64) store.Ref    { return store.Ref{Kind: store.KindTerm, ID: id} }
func personaRef(id int64) store.Ref { return store.Ref{Kind: store.KindPersona, ID: id} }

func (db *tdb) approve(tb testing.TB, ref store.Ref, version int, user string, sales, marketing bool) store.Agreement {
	tb.Helper()
	a, err := db.SignOff(ctx, ref, store.Signoff{Version: version, User: user, UserName: "name of " + user}, sales, marketing)
	if err != nil {
		tb.Fatalf("SignOff(%v, v%d, %s approves): %v", ref, version, user, err)
	}
	return a
}

func (db *tdb) dispute(tb testing.TB, ref store.Ref, version int, user, reason string) store.Agreement {
	tb.Helper()
	a, err := db.SignOff(ctx, ref, store.Signoff{Version: version, User: user, Dispute: true, Reason: reason}, false, false)
	if err != nil {
		tb.Fatalf("SignOff(%v, v%d, %s disputes): %v", ref, version, user, err)
	}
	return a
}

func (db *tdb) termByID(tb testing.TB, id int64) store.Term {
	tb.Helper()
	tm, err := db.TermByID(ctx, id)
	if err != nil {
		tb.Fatalf("TermByID(%d): %v", id, err)
	}
	return tm
}

func (db *tdb) personaByID(tb testing.TB, id int64) store.Persona {
	tb.Helper()
	p, err := db.PersonaByID(ctx, id)
	if err != nil {
		tb.Fatalf("PersonaByID(%d): %v", id, err)
	}
	return p
}

// status is where a stands at the store's now, with the default period.
func (db *tdb) status(a store.Agreement) store.Status {
	return a.Standing(db.Clock.Now(), store.DefaultReviewEvery).Status
}

// signoffsOf is the sign-offs of a as "user side vN" (or "user disputes
// vN: reason"), oldest first.
func signoffsOf(a store.Agreement) []string {
	var out []string
	for _, s := range a.Signoffs {
		if s.Dispute {
			out = append(out, s.User+" disputes v"+itoa(s.Version)+": "+s.Reason)
		} else {
			out = append(out, s.User+" "+s.Side+" v"+itoa(s.Version))
		}
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

// agreedTerm adds a term and has sal and mo approve it, at Start and a
// minute later.
func agreedTerm(tb testing.TB, db *tdb, name string) store.Term {
	tb.Helper()
	tm := db.mustAdd(tb, store.Term{Name: name, Definition: "d of " + name}, ann)
	db.approve(tb, termRef(tm.ID), 1, sal, true, false)
	db.Clock.Set(db.Clock.Now().Add(time.Minute))
	db.approve(tb, termRef(tm.ID), 1, mo, false, true)
	return db.termByID(tb, tm.ID)
}

func testAgreementApprove(t *testing.T, s *suite) {
	db := s.open(t)
	tm := db.mustAdd(t, store.Term{Name: "MQL", Definition: "d"}, ann)
	if tm.Version != 1 || tm.Signoffs != nil || db.status(tm.Agreement) != store.StatusDraft {
		t.Fatalf("a new term = %+v, want version 1, a draft without sign-offs", tm.Agreement)
	}
	a := db.approve(t, termRef(tm.ID), 1, sal, true, false)
	if got := db.status(a); got != store.StatusWaitingMarketing {
		t.Fatalf("after a sales approval: %s, want %s", got, store.StatusWaitingMarketing)
	}
	s0 := a.Signoffs[0]
	if s0.ID == 0 || s0.User != sal || s0.UserName != "name of "+sal || s0.Side != store.SideSales || s0.Dual || !s0.At.Equal(Start) || s0.Version != 1 {
		t.Fatalf("the approval = %+v", s0)
	}
	// A second approval by the same person changes no side.
	db.set(Start.Add(time.Minute))
	a = db.approve(t, termRef(tm.ID), 1, sal, true, false)
	if got := db.status(a); got != store.StatusWaitingMarketing {
		t.Fatalf("after sal approved twice: %s", got)
	}
	db.set(Start.Add(time.Hour))
	a = db.approve(t, termRef(tm.ID), 1, mo, false, true)
	st := a.Standing(Start.Add(time.Hour), store.DefaultReviewEvery)
	if st.Status != store.StatusAgreed || st.Sales.User != sal || st.Marketing.User != mo || !st.AgreedAt.Equal(Start.Add(time.Hour)) {
		t.Fatalf("after both sides: %+v", st)
	}
	// What the store reads back is what SignOff returned.
	got := db.termByID(t, tm.ID)
	if !reflect.DeepEqual(got.Agreement, a) {
		t.Fatalf("TermByID agreement = %+v, want %+v", got.Agreement, a)
	}
	if want := []string{sal + " sales v1", sal + " sales v1", mo + " marketing v1"}; !reflect.DeepEqual(signoffsOf(got.Agreement), want) {
		t.Fatalf("sign-offs = %q, want %q", signoffsOf(got.Agreement), want)
	}
	terms := db.mustTerms(t)
	if len(terms) != 1 || !reflect.DeepEqual(terms[0].Agreement, a) {
		t.Fatalf("Terms = %+v, want the agreement", terms)
	}
	if hits := db.mustSearch(t, "mql", 10); len(hits) != 1 || !reflect.DeepEqual(hits[0].Agreement, a) {
		t.Fatalf("SearchTerms = %+v, want the agreement", hits)
	}
}

func testAgreementDispute(t *testing.T, s *suite) {
	db := s.open(t)
	tm := agreedTerm(t, db, "MQL")
	db.set(Start.Add(time.Hour))
	a := db.dispute(t, termRef(tm.ID), 1, kim, "too broad")
	st := a.Standing(Start.Add(time.Hour), store.DefaultReviewEvery)
	last := a.Signoffs[len(a.Signoffs)-1]
	if st.Status != store.StatusDisputed || st.Dispute == nil || st.Dispute.Reason != "too broad" || st.Dispute.User != kim ||
		last.Side != "" || !last.Dispute || last.Dual {
		t.Fatalf("after a dispute: %+v, sign-off %+v", st, last)
	}
	if due, err := db.NextReviewDue(ctx, Start.Add(time.Hour), time.Hour*24); err != nil || !due.IsZero() {
		t.Fatalf("NextReviewDue of a disputed term = %v, %v; want none", due, err)
	}
	// Both sides again, after the dispute: agreed from then.
	db.set(Start.Add(2 * time.Hour))
	db.approve(t, termRef(tm.ID), 1, mo, false, true)
	db.set(Start.Add(3 * time.Hour))
	a = db.approve(t, termRef(tm.ID), 1, sal, true, false)
	if st := a.Standing(Start.Add(3*time.Hour), store.DefaultReviewEvery); st.Status != store.StatusAgreed || !st.AgreedAt.Equal(Start.Add(3*time.Hour)) {
		t.Fatalf("approved again after the dispute: %+v", st)
	}
	if due, err := db.NextReviewDue(ctx, Start.Add(3*time.Hour), 24*time.Hour); err != nil || !due.Equal(Start.Add(27*time.Hour)) {
		t.Fatalf("NextReviewDue = %v, %v; want a day after it was agreed again", due, err)
	}
}

// Someone on both sides approves first and counts for sales; a sales-only
// person then approves: the first one moves to marketing, and two people
// agree, one per side.
func testAgreementFlip(t *testing.T, s *suite) {
	db := s.open(t)
	tm := db.mustAdd(t, store.Term{Name: "SQL", Definition: "d"}, ann)
	a := db.approve(t, termRef(tm.ID), 1, duo, true, true)
	if got, s0 := db.status(a), a.Signoffs[0]; got != store.StatusWaitingMarketing || s0.Side != store.SideSales || !s0.Dual {
		t.Fatalf("after the dual approver: %s, %+v", got, s0)
	}
	// The same person again: still one person, one side.
	db.set(Start.Add(time.Minute))
	if a = db.approve(t, termRef(tm.ID), 1, duo, true, true); db.status(a) != store.StatusWaitingMarketing {
		t.Fatalf("the dual approver twice: %s", db.status(a))
	}
	db.set(Start.Add(2 * time.Minute))
	a = db.approve(t, termRef(tm.ID), 1, sal, true, false)
	st := a.Standing(Start.Add(2*time.Minute), store.DefaultReviewEvery)
	if st.Status != store.StatusAgreed || st.Sales.User != sal || st.Marketing.User != duo {
		t.Fatalf("after a sales-only approver: %+v (sign-offs %q)", st, signoffsOf(a))
	}
	// The move is stored, not only returned.
	got := db.termByID(t, tm.ID)
	if !reflect.DeepEqual(got.Agreement, a) {
		t.Fatalf("stored %q, SignOff returned %q", signoffsOf(got.Agreement), signoffsOf(a))
	}
	if st := got.Standing(Start.Add(2*time.Minute), store.DefaultReviewEvery); st.Status != store.StatusAgreed {
		t.Fatalf("stored standing = %+v", st)
	}
}

func testAgreementStaleVersion(t *testing.T, s *suite) {
	db := s.open(t)
	tm := db.mustAdd(t, store.Term{Name: "MQL", Definition: "d"}, ann)
	for _, v := range []int{0, 2} {
		_, err := db.SignOff(ctx, termRef(tm.ID), store.Signoff{Version: v, User: sal}, true, false)
		var ve *store.VersionError
		if !errors.As(err, &ve) || ve.Asked != v || ve.Current != 1 {
			t.Fatalf("SignOff of version %d = %v, want a VersionError (%d, current 1)", v, err, v)
		}
		_, err = db.SignOff(ctx, termRef(tm.ID), store.Signoff{Version: v, User: sal, Dispute: true, Reason: "r"}, false, false)
		if !errors.As(err, &ve) {
			t.Fatalf("dispute of version %d = %v, want a VersionError", v, err)
		}
	}
	if n := db.countRows(t, "signoffs"); n != 0 {
		t.Fatalf("refused sign-offs left %d rows", n)
	}
	if got := db.termByID(t, tm.ID); got.Signoffs != nil {
		t.Fatalf("refused sign-offs recorded %+v", got.Signoffs)
	}
}

func testAgreementNoSide(t *testing.T, s *suite) {
	db := s.open(t)
	tm := db.mustAdd(t, store.Term{Name: "MQL", Definition: "d"}, ann)
	if _, err := db.SignOff(ctx, termRef(tm.ID), store.Signoff{Version: 1, User: "UNONE"}, false, false); !errors.Is(err, store.ErrNoSide) {
		t.Fatalf("an approval by someone on neither side = %v, want ErrNoSide", err)
	}
	if n := db.countRows(t, "signoffs"); n != 0 {
		t.Fatalf("a refused approval left %d rows", n)
	}
	// Anyone may dispute.
	if a := db.dispute(t, termRef(tm.ID), 1, "UNONE", "unclear"); db.status(a) != store.StatusDisputed {
		t.Fatalf("a dispute by someone on neither side: %s", db.status(a))
	}
}

func testAgreementNotFound(t *testing.T, s *suite) {
	db := s.open(t)
	tm := db.mustAdd(t, store.Term{Name: "MQL", Definition: "d"}, ann)
	p := db.mustAddPersona(t, sally(), ann)
	for _, ref := range []store.Ref{termRef(tm.ID + 100), personaRef(p.ID + 100), {Kind: "meeting", ID: tm.ID}} {
		if _, err := db.SignOff(ctx, ref, store.Signoff{Version: 1, User: sal}, true, false); !isNotFound(err) {
			t.Errorf("SignOff(%v) = %v, want ErrNotFound", ref, err)
		}
		if err := db.SetOwner(ctx, ref, bob); !isNotFound(err) {
			t.Errorf("SetOwner(%v) = %v, want ErrNotFound", ref, err)
		}
	}
	if n := db.countRows(t, "signoffs"); n != 0 {
		t.Fatalf("%d sign-offs of nothing", n)
	}
}

// An edit makes a new version, a draft again; the sign-offs of the old
// one stay in the record, history, and a sign-off of it is refused.
func testAgreementEdit(t *testing.T, s *suite) {
	db := s.open(t)
	tm := agreedTerm(t, db, "MQL")
	db.set(Start.Add(time.Hour))
	tm.Definition, tm.UpdatedAt = "Edited.", time.Time{}
	edited := db.mustUpdate(t, tm, bob)
	if edited.Version != 2 || db.status(edited.Agreement) != store.StatusDraft || len(edited.Signoffs) != 2 {
		t.Fatalf("after an edit: %+v, status %s; want version 2, a draft keeping 2 sign-offs", edited.Agreement, db.status(edited.Agreement))
	}
	if h := db.mustHistory(t, tm.ID); len(h) != 2 || h[0].Version != 2 || h[1].Version != 1 {
		t.Fatalf("history = %+v, want versions 2, 1", h)
	}
	// An edit that changes nothing makes no version.
	if _, err := db.UpdateTerm(ctx, edited, bob); !errors.Is(err, store.ErrUnchanged) {
		t.Fatalf("UpdateTerm unchanged = %v", err)
	}
	if got := db.termByID(t, tm.ID); got.Version != 2 {
		t.Fatalf("version after an unchanged update = %d", got.Version)
	}
	var ve *store.VersionError
	if _, err := db.SignOff(ctx, termRef(tm.ID), store.Signoff{Version: 1, User: sal}, true, false); !errors.As(err, &ve) || ve.Current != 2 {
		t.Fatalf("approval of the old version = %v, want a VersionError (current 2)", err)
	}
	// Not agreed any more, so not due for review either.
	later := Start.Add(365 * 24 * time.Hour)
	if due, err := db.DueReviews(ctx, later, time.Hour, 10); err != nil || len(due) != 0 {
		t.Fatalf("DueReviews after the edit = %+v, %v; want none", due, err)
	}
	// A version passed in is ignored: the store numbers them.
	edited.Definition, edited.Version = "Again.", 40
	if again := db.mustUpdate(t, edited, bob); again.Version != 3 {
		t.Fatalf("an edit of version 2 made version %d", again.Version)
	}
	added := db.mustAdd(t, store.Term{Name: "New", Definition: "d", Agreement: store.Agreement{Version: 9}}, ann)
	if added.Version != 1 {
		t.Fatalf("AddTerm made version %d", added.Version)
	}
}

func testAgreementPersonas(t *testing.T, s *suite) {
	db := s.open(t)
	p := db.mustAddPersona(t, sally(), ann)
	if p.Version != 1 || p.Signoffs != nil {
		t.Fatalf("a new persona: %+v", p.Agreement)
	}
	db.approve(t, personaRef(p.ID), 1, mo, false, true)
	db.set(Start.Add(time.Minute))
	a := db.approve(t, personaRef(p.ID), 1, sal, true, false)
	if db.status(a) != store.StatusAgreed {
		t.Fatalf("persona after both sides: %s", db.status(a))
	}
	got := db.personaByID(t, p.ID)
	if !reflect.DeepEqual(got.Agreement, a) {
		t.Fatalf("PersonaByID agreement = %+v, want %+v", got.Agreement, a)
	}
	if byName, err := db.Persona(ctx, p.Name); err != nil || !reflect.DeepEqual(byName.Agreement, a) {
		t.Fatalf("Persona(name) = %+v, %v", byName.Agreement, err)
	}
	if all := db.mustPersonas(t); len(all) != 1 || !reflect.DeepEqual(all[0].Agreement, a) {
		t.Fatalf("Personas = %+v", all)
	}
	got.Goals, got.UpdatedAt = "Other goals", time.Time{}
	edited, err := db.UpdatePersona(ctx, got, bob)
	if err != nil || edited.Version != 2 || db.status(edited.Agreement) != store.StatusDraft || len(edited.Signoffs) != 2 {
		t.Fatalf("persona after an edit = %+v, %v", edited.Agreement, err)
	}
	h, err := db.PersonaHistory(ctx, p.ID)
	if err != nil || len(h) != 2 || h[0].Version != 2 || h[1].Version != 1 {
		t.Fatalf("PersonaHistory = %+v, %v; want versions 2, 1", h, err)
	}
	var ve *store.VersionError
	if _, err := db.SignOff(ctx, personaRef(p.ID), store.Signoff{Version: 1, User: sal}, true, false); !errors.As(err, &ve) {
		t.Fatalf("approval of the persona's old version = %v", err)
	}
}

func testAgreementSetOwner(t *testing.T, s *suite) {
	db := s.open(t)
	tm := db.mustAdd(t, store.Term{Name: "MQL", Definition: "d"}, ann)
	p := db.mustAddPersona(t, sally(), ann)
	if err := db.SetOwner(ctx, termRef(tm.ID), bob); err != nil {
		t.Fatal(err)
	}
	if err := db.SetOwner(ctx, personaRef(p.ID), bob); err != nil {
		t.Fatal(err)
	}
	if got := db.termByID(t, tm.ID); got.Owner != bob.ID || got.OwnerName != bob.Name {
		t.Fatalf("term owner = %q %q, want Bob", got.Owner, got.OwnerName)
	}
	if got, ok := db.lookup(t, "mql"); !ok || got.Owner != bob.ID {
		t.Fatalf("Term(mql) owner = %q", got.Owner)
	}
	if got := db.personaByID(t, p.ID); got.Owner != bob.ID || got.OwnerName != bob.Name {
		t.Fatalf("persona owner = %q %q, want Bob", got.Owner, got.OwnerName)
	}
	// The same owner again is fine; an edit keeps the owner.
	if err := db.SetOwner(ctx, termRef(tm.ID), bob); err != nil {
		t.Fatal(err)
	}
	tm.Definition, tm.UpdatedAt = "Edited.", time.Time{}
	if got := db.mustUpdate(t, tm, ann); got.Owner != bob.ID {
		t.Fatalf("owner after an edit = %q", got.Owner)
	}
}

// dueRefs is what DueReviews returns as "kind id vN owner".
func dueRefs(ds []store.DueReview) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Kind+" "+itoa(int(d.ID))+" v"+itoa(d.Version)+" "+d.Owner)
	}
	return out
}

func (db *tdb) mustDue(tb testing.TB, now time.Time, every time.Duration, limit int) []store.DueReview {
	tb.Helper()
	ds, err := db.DueReviews(ctx, now, every, limit)
	if err != nil {
		tb.Fatalf("DueReviews: %v", err)
	}
	return ds
}

func (db *tdb) mustNextDue(tb testing.TB, now time.Time, every time.Duration) time.Time {
	tb.Helper()
	next, err := db.NextReviewDue(ctx, now, every)
	if err != nil {
		tb.Fatalf("NextReviewDue: %v", err)
	}
	return next
}

func testAgreementDueReviews(t *testing.T, s *suite) {
	const day = 24 * time.Hour
	db := s.open(t)
	draft := db.mustAdd(t, store.Term{Name: "Draft", Definition: "d"}, ann)
	db.approve(t, termRef(draft.ID), 1, sal, true, false) // waiting: never due
	// A persona agreed first, then two terms: terms still come first.
	p := db.mustAddPersona(t, sally(), bob)
	db.approve(t, personaRef(p.ID), 1, sal, true, false)
	db.approve(t, personaRef(p.ID), 1, mo, false, true) // agreed at Start
	db.set(Start.Add(time.Hour))
	b := agreedTerm(t, db, "B") // agreed at Start+1h1m (approved at 1h, agreed by the second a minute later)
	a := agreedTerm(t, db, "A") // agreed at Start+1h2m
	if err := db.SetOwner(ctx, termRef(a.ID), store.Actor{ID: "UOWN"}); err != nil {
		t.Fatal(err)
	}
	if got := db.mustNextDue(t, Start.Add(2*time.Hour), day); !got.Equal(Start.Add(day)) {
		t.Fatalf("NextReviewDue = %v, want a day after Start (the persona)", got)
	}
	if got := db.mustDue(t, Start.Add(day-time.Nanosecond), day, 10); len(got) != 0 {
		t.Fatalf("DueReviews before anything is due = %q", dueRefs(got))
	}
	got := db.mustDue(t, Start.Add(day), day, 10)
	want := store.DueReview{Ref: personaRef(p.ID), Name: p.Name, Version: 1, Owner: bob.ID, CreatedBy: bob.ID, AgreedAt: Start, DueAt: Start.Add(day)}
	if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Fatalf("DueReviews at a day = %+v, want %+v", got, want)
	}
	if next := db.mustNextDue(t, Start.Add(day), day); !next.Equal(Start.Add(day + time.Hour + time.Minute)) {
		t.Fatalf("NextReviewDue once the persona is due = %v, want B's", next)
	}
	later := Start.Add(2 * day)
	got = db.mustDue(t, later, day, 10)
	wantRefs := []string{"term " + itoa(int(b.ID)) + " v1 " + ann.ID, "term " + itoa(int(a.ID)) + " v1 UOWN", "persona " + itoa(int(p.ID)) + " v1 " + bob.ID}
	if b.ID > a.ID || !reflect.DeepEqual(dueRefs(got), wantRefs) {
		t.Fatalf("DueReviews at two days = %q, want %q (terms first, by id; the owner or the creator)", dueRefs(got), wantRefs)
	}
	if !got[0].AgreedAt.Equal(Start.Add(time.Hour+time.Minute)) || !got[0].DueAt.Equal(Start.Add(day+time.Hour+time.Minute)) || got[0].Name != "B" {
		t.Fatalf("DueReviews[0] = %+v", got[0])
	}
	if got := db.mustDue(t, later, day, 2); !reflect.DeepEqual(dueRefs(got), wantRefs[:2]) {
		t.Fatalf("DueReviews limit 2 = %q", dueRefs(got))
	}
	if got := db.mustDue(t, later, day, 1); !reflect.DeepEqual(dueRefs(got), wantRefs[:1]) {
		t.Fatalf("DueReviews limit 1 = %q", dueRefs(got))
	}
	if got := db.mustDue(t, later, day, -1); len(got) != 3 {
		t.Fatalf("DueReviews without a limit = %q", dueRefs(got))
	}
	if next := db.mustNextDue(t, later, day); !next.IsZero() {
		t.Fatalf("NextReviewDue once all are due = %v, want none", next)
	}
	// No review period: nothing is ever due.
	if got := db.mustDue(t, later, 0, 10); len(got) != 0 {
		t.Fatalf("DueReviews with no period = %q", dueRefs(got))
	}
	if next := db.mustNextDue(t, later, 0); !next.IsZero() {
		t.Fatalf("NextReviewDue with no period = %v", next)
	}
}

// A review whose key is claimed is not listed while the lease lives, and
// never again once done.
func testAgreementDueReviewsClaimed(t *testing.T, s *suite) {
	const day = 24 * time.Hour
	db := s.open(t)
	tm := agreedTerm(t, db, "MQL")
	p := db.mustAddPersona(t, sally(), ann)
	db.approve(t, personaRef(p.ID), 1, sal, true, false)
	db.approve(t, personaRef(p.ID), 1, mo, false, true)
	now := Start.Add(2 * day)
	due := db.mustDue(t, now, day, 10)
	if len(due) != 2 {
		t.Fatalf("DueReviews = %q, want both", dueRefs(due))
	}
	termKey := store.ReviewKey(due[0].Ref, due[0].Version, due[0].AgreedAt)
	personaKey := store.ReviewKey(due[1].Ref, due[1].Version, due[1].AgreedAt)
	if due[0].Ref != termRef(tm.ID) || !due[0].AgreedAt.Equal(Start.Add(time.Minute)) {
		t.Fatalf("DueReviews[0] = %+v", due[0])
	}
	db.set(now)
	if _, ok := db.mustClaim(t, termKey, "bot-1"); !ok {
		t.Fatal("claim the term's review")
	}
	if got := db.mustDue(t, now, day, 10); len(got) != 1 || got[0].Ref != personaRef(p.ID) {
		t.Fatalf("DueReviews while the term's review is held = %q", dueRefs(got))
	}
	// The lease runs out: listed again, to be taken over.
	if got := db.mustDue(t, now.Add(lease), day, 10); len(got) != 2 {
		t.Fatalf("DueReviews once the lease ran out = %q", dueRefs(got))
	}
	if err := db.Done(ctx, termKey, "bot-1"); err != nil {
		t.Fatal(err)
	}
	db.mustClaim(t, personaKey, "bot-1")
	if err := db.Done(ctx, personaKey, "bot-1"); err != nil {
		t.Fatal(err)
	}
	if got := db.mustDue(t, now.Add(30*day), day, 10); len(got) != 0 {
		t.Fatalf("DueReviews once told = %q, want none", dueRefs(got))
	}
}

// Approved again once due, a version is agreed anew: due again a period
// later, under a new key.
func testAgreementReviewAgain(t *testing.T, s *suite) {
	const day = 24 * time.Hour
	db := s.open(t)
	tm := agreedTerm(t, db, "MQL")
	due := db.mustDue(t, Start.Add(day+time.Hour), day, 10)
	if len(due) != 1 {
		t.Fatalf("DueReviews = %q", dueRefs(due))
	}
	key := store.ReviewKey(due[0].Ref, due[0].Version, due[0].AgreedAt)
	db.set(Start.Add(day + time.Hour))
	db.mustClaim(t, key, "bot-1")
	if err := db.Done(ctx, key, "bot-1"); err != nil {
		t.Fatal(err)
	}
	if st := db.termByID(t, tm.ID).Standing(Start.Add(day+time.Hour), day); st.Status != store.StatusDue {
		t.Fatalf("standing = %s, want due", st.Status)
	}
	db.approve(t, termRef(tm.ID), 1, sal, true, false)
	db.set(Start.Add(day + 2*time.Hour))
	a := db.approve(t, termRef(tm.ID), 1, mo, false, true)
	if st := a.Standing(Start.Add(day+2*time.Hour), day); st.Status != store.StatusAgreed || !st.AgreedAt.Equal(Start.Add(day+2*time.Hour)) {
		t.Fatalf("reviewed: %+v", st)
	}
	if next := db.mustNextDue(t, Start.Add(day+2*time.Hour), day); !next.Equal(Start.Add(2*day + 2*time.Hour)) {
		t.Fatalf("NextReviewDue after the review = %v", next)
	}
	again := db.mustDue(t, Start.Add(3*day), day, 10)
	if len(again) != 1 || store.ReviewKey(again[0].Ref, again[0].Version, again[0].AgreedAt) == key {
		t.Fatalf("DueReviews a period after the review = %+v, want it under a new key", again)
	}
}

// The glossary copy shows a sign-off, and an owner, as soon as they are
// made.
func testAgreementGlossaryCopy(t *testing.T, s *suite) {
	db := s.open(t)
	tm := db.mustAdd(t, store.Term{Name: "MQL", Aliases: []string{"Marketing qualified lead"}, Definition: "d"}, ann)
	db.termByID(t, tm.ID) // in the copy
	a := db.approve(t, termRef(tm.ID), 1, sal, true, false)
	if got := db.termByID(t, tm.ID); !reflect.DeepEqual(got.Agreement, a) {
		t.Fatalf("TermByID right after SignOff = %+v, want %+v", got.Agreement, a)
	}
	if got, ok := db.lookup(t, "marketing qualified lead"); !ok || !reflect.DeepEqual(got.Agreement, a) {
		t.Fatalf("Term(alias) right after SignOff = %+v", got.Agreement)
	}
	// What a caller gets is its own to change.
	got := db.termByID(t, tm.ID)
	got.Signoffs[0].User = "changed"
	if again := db.termByID(t, tm.ID); again.Signoffs[0].User != sal {
		t.Fatal("changing a returned term's sign-offs changed the glossary copy")
	}
}

func testAgreementDelete(t *testing.T, s *suite) {
	db := s.open(t)
	keep := agreedTerm(t, db, "Keep")
	gone := agreedTerm(t, db, "Gone")
	p := db.mustAddPersona(t, sally(), ann)
	db.dispute(t, personaRef(p.ID), 1, sal, "no")
	if n := db.countRows(t, "signoffs"); n != 5 {
		t.Fatalf("%d sign-offs, want 5", n)
	}
	if err := db.DeleteTerm(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.DeletePersona(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if n := db.countRows(t, "signoffs"); n != 2 {
		t.Fatalf("%d sign-offs after the deletes, want 2 (Keep's)", n)
	}
	if got := db.termByID(t, keep.ID); len(got.Signoffs) != 2 {
		t.Fatalf("the term kept has %d sign-offs", len(got.Signoffs))
	}
	// A new record that gets the id of a deleted one starts afresh.
	again := db.mustAdd(t, store.Term{Name: "Gone", Definition: "again"}, ann)
	if got := db.termByID(t, again.ID); got.Signoffs != nil {
		t.Fatalf("a new term has the sign-offs %+v", got.Signoffs)
	}
}

// agreementFixture is a store with a term and a persona in every state:
// agreed (with an owner), disputed, edited after an approval, waiting,
// draft.
func agreementFixture(tb testing.TB, db *tdb) {
	tb.Helper()
	agreed := db.mustAdd(tb, store.Term{Name: "Agreed", Aliases: []string{"AGR"}, Definition: "d"}, ann)
	disputed := db.mustAdd(tb, store.Term{Name: "Disputed", Definition: "d"}, ann)
	edited := db.mustAdd(tb, store.Term{Name: "Edited", Definition: "d"}, bob)
	db.mustAdd(tb, store.Term{Name: "Draft", Definition: "d"}, bob)
	waiting := db.mustAddPersona(tb, sally(), ann)
	pa := db.mustAddPersona(tb, store.Persona{Name: "Developer Dan", Summary: "Reads docs"}, bob)
	step := func() { db.set(db.Clock.Now().Add(time.Minute)) }
	db.approve(tb, termRef(agreed.ID), 1, duo, true, true)
	step()
	db.approve(tb, termRef(agreed.ID), 1, sal, true, false) // duo moves over
	if err := db.SetOwner(ctx, termRef(agreed.ID), store.Actor{ID: "UOWN", Name: "Owen"}); err != nil {
		tb.Fatal(err)
	}
	step()
	db.approve(tb, termRef(disputed.ID), 1, mo, false, true)
	step()
	db.dispute(tb, termRef(disputed.ID), 1, kim, "too broad")
	step()
	db.approve(tb, termRef(edited.ID), 1, sal, true, false)
	step()
	edited.Definition, edited.UpdatedAt = "Edited.", time.Time{}
	db.mustUpdate(tb, edited, ann)
	step()
	db.approve(tb, termRef(edited.ID), 2, mo, false, true)
	step()
	db.approve(tb, personaRef(waiting.ID), 1, mo, false, true)
	step()
	db.approve(tb, personaRef(pa.ID), 1, mo, false, true)
	step()
	db.approve(tb, personaRef(pa.ID), 1, kim, true, false)
	if err := db.SetOwner(ctx, personaRef(pa.ID), store.Actor{ID: "UOWN"}); err != nil {
		tb.Fatal(err)
	}
	step()
}

func testAgreementExportRecords(t *testing.T, s *suite) {
	db := s.open(t)
	agreementFixture(t, db)
	ds := db.mustExport(t)
	type row struct {
		status     store.Status
		version    int
		owner      string
		reviewed   time.Time
		approvals  int
		disputes   int
		firstSides string
	}
	at := func(minutes int) time.Time { return Start.Add(time.Duration(minutes) * time.Minute) }
	wantTerms := map[string]row{
		"Agreed":   {store.StatusAgreed, 1, "UOWN", at(1), 2, 0, "marketing"},
		"Disputed": {store.StatusDisputed, 1, ann.ID, time.Time{}, 1, 1, "marketing"}, // the creator: the default owner
		"Draft":    {store.StatusDraft, 1, bob.ID, time.Time{}, 0, 0, ""},
		"Edited":   {store.StatusWaitingSales, 2, bob.ID, time.Time{}, 2, 0, "sales"},
	}
	for _, r := range ds.Terms {
		w, ok := wantTerms[r.Name]
		first := ""
		if len(r.Approvals) > 0 {
			first = r.Approvals[0].Side
		}
		got := row{r.Status, r.Version, r.Owner, r.ReviewedAt, len(r.Approvals), len(r.Disputes), first}
		if !ok || !reflect.DeepEqual(got, w) {
			t.Errorf("term %q exported as %+v, want %+v", r.Name, got, w)
		}
		if r.Approvals == nil || r.Disputes == nil {
			t.Errorf("term %q: nil approvals or disputes, want [] in JSON", r.Name)
		}
	}
	if d := ds.Terms[1]; d.Name != "Disputed" || d.Disputes[0] != (store.DisputeRecord{User: kim, Reason: "too broad", Version: 1, At: at(3)}) {
		t.Errorf("the dispute = %+v", d.Disputes)
	}
	if e := ds.Terms[3]; e.Name != "Edited" || e.Approvals[0] != (store.ApprovalRecord{User: sal, Side: "sales", Version: 1, At: at(4)}) ||
		e.Approvals[1] != (store.ApprovalRecord{User: mo, Side: "marketing", Version: 2, At: at(6)}) {
		t.Errorf("the edited term's approvals = %+v", e.Approvals)
	}
	if p := ds.Personas[0]; p.Name != "Developer Dan" || p.Status != store.StatusAgreed || p.Owner != "UOWN" || !p.ReviewedAt.Equal(at(9)) {
		t.Errorf("persona Dan exported as %+v", p.AgreementRecord())
	}
	if p := ds.Personas[1]; p.Status != store.StatusWaitingSales || p.Version != 1 || len(p.Approvals) != 1 {
		t.Errorf("persona Sally exported as %+v", p.AgreementRecord())
	}
	js := jsonOf(t, ds)
	for _, want := range []string{`"status": "waiting for sales"`, `"approvals": []`, `"disputes": []`, `"reviewed_at": "2026-11-23T09:01:00Z"`,
		`"owner": "UOWN"`, `"version": 2`, `"reason": "too broad"`} {
		if !strings.Contains(js, want) {
			t.Errorf("export JSON lacks %s:\n%s", want, js)
		}
	}
	if strings.Contains(js, "null") || strings.Contains(js, "0001-01-01") {
		t.Errorf("export JSON has a null or a zero time:\n%s", js)
	}
	// Later, the agreed ones are due for review.
	db.set(Start.Add(store.DefaultReviewEvery + time.Hour))
	if got := db.mustExport(t); got.Terms[0].Status != store.StatusDue || got.Personas[0].Status != store.StatusDue {
		t.Errorf("statuses 90 days later = %s, %s; want due for review", got.Terms[0].Status, got.Personas[0].Status)
	}
	// Two exports of the same data are identical.
	if again := jsonOf(t, db.mustExport(t)); again != jsonOf(t, db.mustExport(t)) {
		t.Error("two exports differ")
	}
}

// Exported, imported into an empty store (through the JSON), and exported
// again: the same, and the records stand as they stood.
func testAgreementRoundTrip(t *testing.T, s *suite) {
	src := s.open(t)
	agreementFixture(t, src)
	first := jsonOf(t, src.mustExport(t))
	var ds store.Dataset
	if err := json.Unmarshal([]byte(first), &ds); err != nil {
		t.Fatalf("read the export: %v", err)
	}
	dst := s.openAt(t, src.Clock.Now())
	if rep := dst.mustImport(t, ds); rep.Created != 6 || len(rep.Rejected)+len(rep.Kept) != 0 {
		t.Fatalf("Import = %+v, want 6 created", rep)
	}
	if got := jsonOf(t, dst.mustExport(t)); got != first {
		t.Fatalf("export after the round trip:\n%s\nwant\n%s", got, first)
	}
	now := src.Clock.Now()
	for _, tm := range src.mustTerms(t) {
		got, ok := dst.lookup(t, tm.Name)
		if !ok || got.Version != tm.Version || got.Owner != tm.Owner {
			t.Errorf("term %q imported as %+v", tm.Name, got.Agreement)
			continue
		}
		if a, b := got.Standing(now, store.DefaultReviewEvery), tm.Standing(now, store.DefaultReviewEvery); a.Status != b.Status || !a.AgreedAt.Equal(b.AgreedAt) {
			t.Errorf("term %q stands %+v after the round trip, was %+v", tm.Name, a, b)
		}
		for _, s := range got.Signoffs {
			if s.Dual {
				t.Errorf("term %q: an imported approval is dual: %+v", tm.Name, s)
			}
		}
	}
	// agreed_at came too: the same reviews fall due.
	later := now.Add(store.DefaultReviewEvery)
	if got, want := dueRefNames(dst.mustDue(t, later, store.DefaultReviewEvery, 10)), dueRefNames(src.mustDue(t, later, store.DefaultReviewEvery, 10)); !reflect.DeepEqual(got, want) || len(got) != 2 {
		t.Errorf("DueReviews after the round trip = %q, want %q", got, want)
	}
	// Imported again: nothing changes.
	if rep := dst.mustImport(t, ds); rep.Unchanged != 6 || rep.Created+rep.Updated != 0 {
		t.Fatalf("Import again = %+v, want 6 unchanged", rep)
	}
	if n, m := dst.countRows(t, "signoffs"), src.countRows(t, "signoffs"); n != m {
		t.Fatalf("%d sign-offs after importing twice, want %d", n, m)
	}
}

func dueRefNames(ds []store.DueReview) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Kind+" "+d.Name+" "+d.Owner)
	}
	return out
}

// A record of an export made before agreed definitions imports as version
// 1, a draft without owner.
func testAgreementImportOldFormat(t *testing.T, s *suite) {
	db := s.open(t)
	var ds store.Dataset
	old := `{"version": 1,
		"terms": [{"name": "MQL", "aliases": [], "category": "", "definition": "d", "created_by": "UANN",
			"created_at": "2026-11-01T09:00:00Z", "updated_by": "UANN", "updated_at": "2026-11-01T09:00:00Z"}],
		"personas": [{"name": "Sally", "role": "", "summary": "s", "goals": "", "pains": "", "objections": "",
			"channels": "", "questions": "", "created_by": "UANN", "created_at": "2026-11-01T09:00:00Z", "updated_at": "2026-11-01T09:00:00Z"}]}`
	if err := json.Unmarshal([]byte(old), &ds); err != nil {
		t.Fatalf("read an old export: %v", err)
	}
	if rep := db.mustImport(t, ds); rep.Created != 2 {
		t.Fatalf("Import = %+v", rep)
	}
	tm, _ := db.lookup(t, "MQL")
	p, err := db.Persona(ctx, "Sally")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []store.Agreement{tm.Agreement, p.Agreement} {
		if a.Version != 1 || a.Owner != "" || a.Signoffs != nil || db.status(a) != store.StatusDraft {
			t.Errorf("an old record imported as %+v", a)
		}
	}
	if h := db.mustHistory(t, tm.ID); len(h) != 1 || h[0].Version != 1 {
		t.Errorf("history = %+v", h)
	}
	// Again, through an empty reviewed_at: unchanged.
	withEmpty := strings.Replace(old, `"updated_by": "UANN",`, `"updated_by": "UANN", "reviewed_at": "", "status": "draft", "version": 1, "approvals": [], "disputes": [],`, 1)
	var again store.Dataset
	if err := json.Unmarshal([]byte(withEmpty), &again); err != nil {
		t.Fatalf("read a record with an empty reviewed_at: %v", err)
	}
	if rep := db.mustImport(t, again); rep.Unchanged != 2 {
		t.Fatalf("Import again = %+v, want unchanged", rep)
	}
}

// Sign-offs merge as a union: a file that only adds approvals updates the
// record; the owner comes from the file where none is stored.
func testAgreementImportMerges(t *testing.T, s *suite) {
	db := s.open(t)
	tm := db.mustAdd(t, store.Term{Name: "MQL", Definition: "d"}, ann)
	db.approve(t, termRef(tm.ID), 1, sal, true, false)
	ds := db.mustExport(t)
	if rep := db.mustImport(t, ds); rep.Unchanged != 1 {
		t.Fatalf("importing its own export = %+v, want unchanged", rep)
	}
	// Elsewhere, marketing approved too.
	rec := &ds.Terms[0]
	rec.Approvals = append(rec.Approvals, store.ApprovalRecord{User: mo, Side: store.SideMarketing, Version: 1, At: Start.Add(time.Hour)})
	rec.Owner = "UOWN"
	if rep := db.mustImport(t, ds); rep.Updated != 1 {
		t.Fatalf("importing an approval = %+v, want updated", rep)
	}
	got := db.termByID(t, tm.ID) // the glossary copy shows it
	st := got.Standing(Start.Add(time.Hour), store.DefaultReviewEvery)
	if st.Status != store.StatusAgreed || !st.AgreedAt.Equal(Start.Add(time.Hour)) || got.Owner != "UOWN" || got.Version != 1 || len(got.Signoffs) != 2 {
		t.Fatalf("after importing the approval: %+v, %+v", got.Agreement, st)
	}
	if due := db.mustDue(t, Start.Add(time.Hour+store.DefaultReviewEvery), store.DefaultReviewEvery, 10); len(due) != 1 || due[0].Owner != "UOWN" {
		t.Fatalf("DueReviews after the import = %+v: agreed_at not stored", due)
	}
	if rep := db.mustImport(t, ds); rep.Unchanged != 1 {
		t.Fatalf("importing it again = %+v, want unchanged", rep)
	}
	// A stored owner is not replaced by the file's unless the file's
	// record is the newer one.
	if err := db.SetOwner(ctx, termRef(tm.ID), bob); err != nil {
		t.Fatal(err)
	}
	if rep := db.mustImport(t, ds); rep.Unchanged != 1 {
		t.Fatalf("importing an older owner = %+v, want unchanged", rep)
	}
	if got := db.termByID(t, tm.ID); got.Owner != bob.ID {
		t.Fatalf("owner after the import = %q, want Bob's kept", got.Owner)
	}
	if n := db.countRows(t, "signoffs"); n != 2 {
		t.Fatalf("%d sign-offs, want 2", n)
	}
}

// Newer content is an edit: the version is at least one more than the
// stored one, the file's if higher, and the file's approvals of its
// version count for it.
func testAgreementImportNewerContent(t *testing.T, s *suite) {
	db := s.open(t)
	tm := db.mustAdd(t, store.Term{Name: "MQL", Definition: "d"}, ann)
	p := db.mustAddPersona(t, sally(), ann)
	db.approve(t, termRef(tm.ID), 1, sal, true, false)
	newer := Start.Add(time.Hour)
	ds := store.Dataset{
		Terms: []store.TermRecord{{Name: "MQL", Definition: "newer", CreatedBy: ann.ID, CreatedAt: Start, UpdatedBy: bob.ID, UpdatedAt: newer,
			Version: 3, Owner: "UOWN",
			Approvals: []store.ApprovalRecord{
				{User: kim, Side: store.SideSales, Version: 2, At: Start.Add(10 * time.Minute)},
				{User: sal, Side: store.SideSales, Version: 3, At: newer},
				{User: mo, Side: store.SideMarketing, Version: 3, At: newer.Add(time.Minute)},
			}}},
		Personas: []store.PersonaRecord{{Name: p.Name, Summary: "newer", CreatedBy: ann.ID, CreatedAt: Start, UpdatedAt: newer,
			Version:   1,
			Approvals: []store.ApprovalRecord{{User: mo, Side: store.SideMarketing, Version: 1, At: newer}}}},
	}
	db.set(newer.Add(time.Hour))
	if rep := db.mustImport(t, ds); rep.Updated != 2 {
		t.Fatalf("Import = %+v, want 2 updated", rep)
	}
	got := db.termByID(t, tm.ID)
	if st := got.Standing(db.Clock.Now(), store.DefaultReviewEvery); got.Version != 3 || got.Owner != "UOWN" || st.Status != store.StatusAgreed || !st.AgreedAt.Equal(newer.Add(time.Minute)) {
		t.Fatalf("term after a newer import = %+v, %+v; want version 3, agreed", got.Agreement, st)
	}
	if want := []string{sal + " sales v1", kim + " sales v2", sal + " sales v3", mo + " marketing v3"}; !reflect.DeepEqual(signoffsOf(got.Agreement), want) {
		t.Fatalf("sign-offs = %q, want %q", signoffsOf(got.Agreement), want)
	}
	if h := db.mustHistory(t, tm.ID); len(h) != 2 || h[0].Version != 3 || h[0].Value.Definition != "newer" {
		t.Fatalf("history = %+v", h)
	}
	// The file's version 1 is behind the stored one: the edit makes 2,
	// and the file's approval of its version (this content) counts for it.
	gp := db.personaByID(t, p.ID)
	if gp.Version != 2 || len(gp.Signoffs) != 1 || gp.Signoffs[0].Version != 2 || db.status(gp.Agreement) != store.StatusWaitingSales {
		t.Fatalf("persona after a newer import = %+v, status %s", gp.Agreement, db.status(gp.Agreement))
	}
	if rep := db.mustImport(t, ds); rep.Unchanged != 2 {
		t.Fatalf("Import again = %+v, want unchanged", rep)
	}
	if n := db.countRows(t, "signoffs"); n != 5 {
		t.Fatalf("%d sign-offs, want 5", n)
	}
}

// A record older than the stored one is kept back whole: neither its
// content nor its sign-offs come.
func testAgreementImportStale(t *testing.T, s *suite) {
	db := s.open(t)
	db.set(Start.Add(time.Hour))
	tm := db.mustAdd(t, store.Term{Name: "MQL", Definition: "stored"}, ann)
	ds := store.Dataset{Terms: []store.TermRecord{{Name: "MQL", Definition: "older", UpdatedAt: Start,
		Version: 1, Owner: "UOWN",
		Approvals: []store.ApprovalRecord{{User: sal, Side: store.SideSales, Version: 1, At: Start}}}}}
	rep := db.mustImport(t, ds)
	if len(rep.Kept) != 1 || rep.Updated+rep.Unchanged != 0 {
		t.Fatalf("Import = %+v, want the record kept back", rep)
	}
	if got := db.termByID(t, tm.ID); got.Signoffs != nil || got.Owner != "" || got.Version != 1 {
		t.Fatalf("a kept-back record changed the term: %+v", got.Agreement)
	}
	// With --overwrite it is an edit, with the file's approval.
	rep, err := db.Import(ctx, ds, store.ImportOptions{By: importer, Overwrite: true})
	if err != nil || rep.Updated != 1 {
		t.Fatalf("Import --overwrite = %+v, %v", rep, err)
	}
	if got := db.termByID(t, tm.ID); got.Version != 2 || len(got.Signoffs) != 1 || got.Signoffs[0].Version != 2 || got.Owner != "UOWN" {
		t.Fatalf("after --overwrite: %+v", got.Agreement)
	}
}

func testAgreementImportRejects(t *testing.T, s *suite) {
	db := s.open(t)
	tests := []struct {
		name string
		rec  store.AgreementRecord
	}{
		{"approval without a user", store.AgreementRecord{Approvals: []store.ApprovalRecord{{Side: "sales", Version: 1, At: Start}}}},
		{"approval for no side", store.AgreementRecord{Approvals: []store.ApprovalRecord{{User: sal, Side: "legal", Version: 1, At: Start}}}},
		{"approval without a time", store.AgreementRecord{Approvals: []store.ApprovalRecord{{User: sal, Side: "sales", Version: 1}}}},
		{"approval of a later version", store.AgreementRecord{Version: 2, Approvals: []store.ApprovalRecord{{User: sal, Side: "sales", Version: 3, At: Start}}}},
		{"dispute of version 0", store.AgreementRecord{Disputes: []store.DisputeRecord{{User: sal, Reason: "r", At: Start}}}},
		{"negative version", store.AgreementRecord{Version: -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds := store.Dataset{Terms: []store.TermRecord{{Name: "T " + tc.name, Definition: "d",
				Version: tc.rec.Version, Approvals: tc.rec.Approvals, Disputes: tc.rec.Disputes}}}
			rep := db.mustImport(t, ds)
			if len(rep.Rejected) != 1 || rep.Created != 0 {
				t.Fatalf("Import = %+v, want the record rejected", rep)
			}
			var re *store.RecordError
			if !errors.As(rep.Rejected[0].Err, &re) {
				t.Fatalf("rejected with %v, want a RecordError", rep.Rejected[0].Err)
			}
		})
	}
	if n := db.countRows(t, "terms"); n != 0 {
		t.Fatalf("rejected records left %d terms", n)
	}
}
