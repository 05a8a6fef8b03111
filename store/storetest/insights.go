package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"smarketing/store"
)

var insightTests = []subtest{
	{"AddAndList", testInsightsAddAndList},
	{"Filter", testInsightsFilter},
	{"PersonaDeleted", testInsightPersonaDeleted},
	{"Invalid", testInsightInvalid},
	{"SameMessageTwice", testInsightSameMessageTwice},
	{"Unicode", testInsightUnicode},
	{"Records", testInsightRecordsAndImport},
}

func (db *tdb) mustAddInsight(tb testing.TB, in store.Insight, by store.Actor) store.Insight {
	tb.Helper()
	got, err := db.AddInsight(ctx, in, by)
	if err != nil {
		tb.Fatalf("AddInsight(%q): %v", in.Text, err)
	}
	return got
}

func (db *tdb) insightIDs(tb testing.TB, f store.InsightFilter) ([]int64, int) {
	tb.Helper()
	ins, total, err := db.Insights(ctx, f)
	if err != nil {
		tb.Fatalf("Insights(%+v): %v", f, err)
	}
	out := []int64{}
	for _, in := range ins {
		out = append(out, in.ID)
	}
	return out, total
}

func testInsightsAddAndList(t *testing.T, s *suite) {
	db := s.open(t)
	p := db.mustAddPersona(t, sally(), ann)
	first := db.mustAddInsight(t, store.Insight{Text: "  Too expensive for a team of 5  ", PersonaID: p.ID, Source: "Acme call",
		Channel: "CS", TS: tsAt(Start, 1)}, bob)
	want := store.Insight{ID: first.ID, Text: "Too expensive for a team of 5", PersonaID: p.ID, PersonaName: "Sally Supermom",
		Source: "Acme call", By: "UBOB", ByName: "Bob", At: Start, Channel: "CS", TS: tsAt(Start, 1)}
	if first.ID == 0 || first != want {
		t.Fatalf("AddInsight = %+v, want %+v (text trimmed, by and at set)", first, want)
	}
	db.set(Start.Add(time.Hour))
	second := db.mustAddInsight(t, store.Insight{Text: "Asked about SSO"}, ann)
	// At the same time as the second: the one added last comes first.
	third := db.mustAddInsight(t, store.Insight{Text: "Compared us with Initech", PersonaID: p.ID}, ann)
	if got, total := db.insightIDs(t, store.InsightFilter{}); !slices.Equal(got, []int64{third.ID, second.ID, first.ID}) || total != 3 {
		t.Fatalf("Insights = %v, %d; want newest first, ties by id, 3", got, total)
	}
	ins, _, err := db.Insights(ctx, store.InsightFilter{})
	if err != nil || len(ins) != 3 || ins[2] != want || ins[1].PersonaID != 0 || ins[1].PersonaName != "" || ins[0].PersonaName != "Sally Supermom" {
		t.Fatalf("Insights = %+v, %v; want them as added, persona names filled in", ins, err)
	}
	if !ins[0].At.Equal(Start.Add(time.Hour)) || ins[0].At.Location() != time.UTC {
		t.Fatalf("Insights[0].At = %v, want %v UTC", ins[0].At, Start.Add(time.Hour))
	}
}

func testInsightsFilter(t *testing.T, s *suite) {
	db := s.open(t)
	p := db.mustAddPersona(t, sally(), ann)
	o := db.mustAddPersona(t, store.Persona{Name: "Developer Dan"}, ann)
	var ids []int64
	for i, pid := range []int64{p.ID, 0, p.ID, o.ID, p.ID} {
		db.set(Start.Add(time.Duration(i) * time.Hour))
		ids = append(ids, db.mustAddInsight(t, store.Insight{Text: "heard " + string(rune('a'+i)), PersonaID: pid}, bob).ID)
	}
	for _, c := range []struct {
		f     store.InsightFilter
		want  []int64
		total int
	}{
		{store.InsightFilter{}, []int64{ids[4], ids[3], ids[2], ids[1], ids[0]}, 5},
		{store.InsightFilter{PersonaID: p.ID}, []int64{ids[4], ids[2], ids[0]}, 3},
		{store.InsightFilter{PersonaID: o.ID}, []int64{ids[3]}, 1},
		{store.InsightFilter{Limit: 2}, []int64{ids[4], ids[3]}, 5},
		{store.InsightFilter{PersonaID: p.ID, Limit: 1}, []int64{ids[4]}, 3},
		{store.InsightFilter{From: Start.Add(time.Hour), To: Start.Add(3 * time.Hour)}, []int64{ids[2], ids[1]}, 2},
		{store.InsightFilter{From: Start.Add(3 * time.Hour)}, []int64{ids[4], ids[3]}, 2},
		{store.InsightFilter{To: Start.Add(time.Hour)}, []int64{ids[0]}, 1},
		{store.InsightFilter{PersonaID: p.ID, From: Start.Add(time.Hour), To: Start.Add(4 * time.Hour), Limit: 5}, []int64{ids[2]}, 1},
		{store.InsightFilter{PersonaID: 999}, []int64{}, 0},
	} {
		if got, total := db.insightIDs(t, c.f); !slices.Equal(got, c.want) || total != c.total {
			t.Errorf("Insights(%+v) = %v, %d; want %v, %d", c.f, got, total, c.want, c.total)
		}
	}
}

// Deleting a persona keeps its insights, without one.
func testInsightPersonaDeleted(t *testing.T, s *suite) {
	db := s.open(t)
	p := db.mustAddPersona(t, sally(), ann)
	keep := db.mustAddPersona(t, store.Persona{Name: "Developer Dan"}, ann)
	in := db.mustAddInsight(t, store.Insight{Text: "wants a trial", PersonaID: p.ID}, bob)
	other := db.mustAddInsight(t, store.Insight{Text: "reads the docs", PersonaID: keep.ID}, bob)
	if err := db.DeletePersona(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	ins, total, err := db.Insights(ctx, store.InsightFilter{})
	if err != nil || total != 2 || len(ins) != 2 {
		t.Fatalf("Insights after deleting a persona = %+v, %d, %v; want both kept", ins, total, err)
	}
	for _, got := range ins {
		switch got.ID {
		case in.ID:
			if got.PersonaID != 0 || got.PersonaName != "" || got.Text != "wants a trial" {
				t.Errorf("insight of the deleted persona = %+v, want it without a persona", got)
			}
		case other.ID:
			if got.PersonaID != keep.ID || got.PersonaName != "Developer Dan" {
				t.Errorf("insight of the other persona = %+v, want it untouched", got)
			}
		}
	}
	if got, total := db.insightIDs(t, store.InsightFilter{PersonaID: p.ID}); len(got) != 0 || total != 0 {
		t.Fatalf("Insights of the deleted persona = %v, %d; want none", got, total)
	}
	if recs := db.mustExport(t).Insights; len(recs) != 2 || recs[0].Persona != nil || recs[1].Persona == nil {
		t.Fatalf("exported = %+v, want the first without a persona", recs)
	}
}

func testInsightInvalid(t *testing.T, s *suite) {
	db := s.open(t)
	if _, err := db.AddInsight(ctx, store.Insight{Text: "x", PersonaID: 999}, ann); !isNotFound(err) {
		t.Fatalf("AddInsight of an unknown persona = %v, want ErrNotFound", err)
	}
	for _, text := range []string{"", "   \n\t ", strings.Repeat("é", store.MaxInsightText+1)} {
		_, err := db.AddInsight(ctx, store.Insight{Text: text}, ann)
		if re, ok := errors.AsType[*store.RecordError](err); !ok || re.Msg == "" {
			t.Errorf("AddInsight(%d characters) = %v, want a *RecordError", len([]rune(text)), err)
		}
	}
	if n := db.countRows(t, "insights"); n != 0 {
		t.Fatalf("refused insights left %d rows", n)
	}
	// Exactly the limit is fine, counted in characters, not bytes.
	if in := db.mustAddInsight(t, store.Insight{Text: strings.Repeat("é", store.MaxInsightText)}, ann); len([]rune(in.Text)) != store.MaxInsightText {
		t.Fatalf("AddInsight at the limit kept %d characters", len([]rune(in.Text)))
	}
}

// A user sharing the same message twice (a form submitted twice) records
// it once; anyone else may share it too, and typed insights never clash.
func testInsightSameMessageTwice(t *testing.T, s *suite) {
	db := s.open(t)
	msg := store.Insight{Text: "they left for Initech", Channel: "CS", TS: tsAt(Start, 7)}
	first := db.mustAddInsight(t, msg, bob)
	db.set(Start.Add(time.Minute))
	again := msg
	again.Text = "edited before submitting again"
	got, err := db.AddInsight(ctx, again, bob)
	if !errors.Is(err, store.ErrUnchanged) {
		t.Fatalf("AddInsight of the same message by the same user = %+v, %v; want ErrUnchanged", got, err)
	}
	if n := db.countRows(t, "insights"); n != 1 {
		t.Fatalf("the same share twice left %d rows, want 1", n)
	}
	if ins, _, _ := db.Insights(ctx, store.InsightFilter{}); len(ins) != 1 || ins[0] != first {
		t.Fatalf("Insights = %+v, want the first share only, as it was", ins)
	}
	if _, err := db.AddInsight(ctx, msg, ann); err != nil {
		t.Fatalf("another user sharing the same message: %v", err)
	}
	other := msg
	other.TS = tsAt(Start, 8)
	if _, err := db.AddInsight(ctx, other, bob); err != nil {
		t.Fatalf("the same user sharing another message: %v", err)
	}
	typed := store.Insight{Text: "typed twice", Channel: "CS"}
	for range 2 {
		if _, err := db.AddInsight(ctx, typed, bob); err != nil {
			t.Fatalf("a typed insight (no ts) twice: %v", err)
		}
	}
	if _, total := db.insightIDs(t, store.InsightFilter{}); total != 5 {
		t.Fatalf("Insights total = %d, want 5", total)
	}
}

func testInsightUnicode(t *testing.T, s *suite) {
	db := s.open(t)
	text := "Ça coûte trop cher 💸 — 価格が高い\nsecond line"
	in := db.mustAddInsight(t, store.Insight{Text: text, Source: "Zoë, Überall GmbH"}, store.Actor{ID: "UZOE", Name: "Zoë"})
	ins, _, err := db.Insights(ctx, store.InsightFilter{})
	if err != nil || len(ins) != 1 || ins[0] != in || ins[0].Text != text || ins[0].Source != "Zoë, Überall GmbH" || ins[0].ByName != "Zoë" {
		t.Fatalf("Insights = %+v, %v; want %q kept as it was", ins, err, text)
	}
	fresh := s.open(t)
	if rep := fresh.mustImport(t, db.mustExport(t)); rep.Created != 1 {
		t.Fatalf("import = %+v", rep)
	}
	if got, _, _ := fresh.Insights(ctx, store.InsightFilter{}); len(got) != 1 || got[0].Text != text {
		t.Fatalf("imported = %+v, want %q", got, text)
	}
}

func testInsightRecordsAndImport(t *testing.T, s *suite) {
	db := s.open(t)
	p := db.mustAddPersona(t, sally(), ann)
	db.set(Start.Add(time.Hour))
	db.mustAddInsight(t, store.Insight{Text: "later one", Source: "webinar"}, ann)
	db.set(Start)
	db.mustAddInsight(t, store.Insight{Text: "earlier one", PersonaID: p.ID, Channel: "CS", TS: tsAt(Start, 1)}, bob)
	ds := db.mustExport(t)
	name := "Sally Supermom"
	want := []store.InsightRecord{
		{Text: "earlier one", Persona: &name, By: "UBOB", At: Start, Channel: "CS", TS: tsAt(Start, 1)},
		{Text: "later one", Source: "webinar", By: "UANN", At: Start.Add(time.Hour)},
	}
	js := jsonOf(t, ds.Insights)
	if js != jsonOf(t, want) {
		t.Fatalf("exported = %s\nwant %s (oldest first)", js, jsonOf(t, want))
	}
	if !strings.Contains(js, `"persona": null`) {
		t.Fatalf("JSON %s: want a null persona for the one without", js)
	}

	// Round trip into a fresh store: the same export, then unchanged.
	fresh := s.open(t)
	if rep := fresh.mustImport(t, ds); rep.Created != 3 || rep.Updated+rep.Unchanged+len(rep.Rejected) != 0 {
		t.Fatalf("import = %+v, want the persona and both insights created", rep)
	}
	if got := jsonOf(t, fresh.mustExport(t)); got != jsonOf(t, ds) {
		t.Fatalf("round trip = %s\nwant %s", got, jsonOf(t, ds))
	}
	if rep := fresh.mustImport(t, ds); rep.Unchanged != 3 || rep.Created+rep.Updated+len(rep.Rejected) != 0 {
		t.Fatalf("second import = %+v, want all unchanged", rep)
	}
	ins, _, _ := fresh.Insights(ctx, store.InsightFilter{})
	if len(ins) != 2 || ins[1].PersonaName != name || ins[1].PersonaID == 0 || ins[1].ByName != "" {
		t.Fatalf("imported insights = %+v, want the persona found by name", ins)
	}

	// Merged into a store that has some: a persona that does not exist is
	// dropped, an empty text rejected, the same by, at and text unchanged
	// whatever else differs, a record without by or at is the importer's,
	// now.
	ghost, other := "Nobody", "  "
	recs := []store.InsightRecord{
		{Text: "no such persona", Persona: &ghost, By: "UCAT", At: Start.Add(2 * time.Hour)},
		{Text: "   ", By: "UCAT", At: Start.Add(3 * time.Hour)},
		{Text: "earlier one", Persona: &other, Source: "edited", By: "UBOB", At: Start},
		{Text: " from an old file "},
	}
	db.set(Start.Add(5 * time.Hour))
	rep := db.mustImport(t, store.Dataset{Insights: recs})
	if rep.Created != 2 || rep.Unchanged != 1 || rep.Updated != 0 || len(rep.Rejected) != 1 ||
		rep.Rejected[0].Section != "insights" || rep.Rejected[0].Index != 1 {
		t.Fatalf("merge import = %+v, want 2 created, 1 unchanged, insights[1] rejected", rep)
	}
	if _, ok := errors.AsType[*store.RecordError](rep.Rejected[0].Err); !ok {
		t.Fatalf("rejection = %v, want a *RecordError", rep.Rejected[0].Err)
	}
	ins, total, _ := db.Insights(ctx, store.InsightFilter{})
	if total != 4 {
		t.Fatalf("after the merge: %+v, want 4", ins)
	}
	if got := ins[0]; got.Text != "from an old file" || got.By != importer.ID || !got.At.Equal(Start.Add(5*time.Hour)) {
		t.Fatalf("record without by and at = %+v, want the importer's, now, its text trimmed", got)
	}
	if got := ins[1]; got.Text != "no such persona" || got.PersonaID != 0 || got.By != "UCAT" || !got.At.Equal(Start.Add(2*time.Hour)) {
		t.Fatalf("record of an unknown persona = %+v, want it kept without one", got)
	}
	if got := ins[3]; got.Source != "" || got.PersonaName != name {
		t.Fatalf("the stored one = %+v, want it left alone", got)
	}
	// The same share of a message (by, channel, ts) at another time is
	// the one stored: unchanged, not a second row.
	share := store.InsightRecord{Text: "earlier one, reworded", By: "UBOB", At: Start.Add(4 * time.Hour), Channel: "CS", TS: tsAt(Start, 1)}
	if rep := db.mustImport(t, store.Dataset{Insights: []store.InsightRecord{share}}); rep.Unchanged != 1 || rep.Created != 0 {
		t.Fatalf("import of a message shared already = %+v, want unchanged", rep)
	}
	if n := db.countRows(t, "insights"); n != 4 {
		t.Fatalf("insights = %d rows, want 4", n)
	}
}
