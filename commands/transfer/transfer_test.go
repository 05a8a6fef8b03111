package transfer_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"smarketing/commands/transfer"
	"smarketing/store"
	"smarketing/store/storetest"
)

// fixedNow is the clock of every test database.
var fixedNow = time.Date(2024, 3, 5, 14, 30, 0, 0, time.UTC)

var (
	ann      = store.Actor{ID: "UANN", Name: "Ann"}
	importer = store.Actor{ID: "import", Name: "import"}
)

// openDB opens a fresh database in tb.TempDir() with its clock at fixedNow.
func openDB(tb testing.TB) *storetest.DB {
	tb.Helper()
	return storetest.Open(tb, fixedNow)
}

func writeFile(tb testing.TB, name, content string) string {
	tb.Helper()
	file := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
	return file
}

// runImport imports file into db and returns the summary, what was printed
// and the error.
func runImport(tb testing.TB, db *storetest.DB, file string) (transfer.Summary, string, error) {
	tb.Helper()
	var out bytes.Buffer
	sum, err := transfer.Import(context.Background(), db, file, transfer.ImportOptions{By: importer, Out: &out})
	return sum, out.String(), err
}

// mustImport imports file and fails unless every record went in.
func mustImport(tb testing.TB, db *storetest.DB, file string) transfer.Summary {
	tb.Helper()
	sum, out, err := runImport(tb, db, file)
	if err != nil {
		tb.Fatalf("Import(%s): %v\n%s", filepath.Base(file), err, out)
	}
	return sum
}

func exportJSON(tb testing.TB, db *storetest.DB) []byte {
	tb.Helper()
	var out bytes.Buffer
	if err := transfer.Export(context.Background(), db, "", &out, transfer.ExportOptions{}); err != nil {
		tb.Fatalf("Export: %v", err)
	}
	return out.Bytes()
}

func mustAddTerm(tb testing.TB, db *storetest.DB, t store.Term) store.Term {
	tb.Helper()
	saved, err := db.AddTerm(context.Background(), t, ann)
	if err != nil {
		tb.Fatalf("AddTerm(%q): %v", t.Name, err)
	}
	return saved
}

func mustTerm(tb testing.TB, db *storetest.DB, name string) store.Term {
	tb.Helper()
	t, err := db.Term(context.Background(), name)
	if err != nil {
		tb.Fatalf("Term(%q): %v", name, err)
	}
	return t
}

func termHistoryLen(tb testing.TB, db *storetest.DB, name string) int {
	tb.Helper()
	revs, err := db.TermHistory(context.Background(), mustTerm(tb, db, name).ID)
	if err != nil {
		tb.Fatal(err)
	}
	return len(revs)
}

// seed fills db with terms and personas that exercise the format: aliases,
// categories, Unicode, line breaks, Slack markup, an edited term.
func seed(tb testing.TB, db *storetest.DB) {
	tb.Helper()
	ctx := context.Background()
	db.Clock.Set(fixedNow)
	db.Clock.Step(time.Minute + 123*time.Nanosecond)
	defer db.Clock.Step(0)
	terms := []store.Term{
		{Name: "Marketing Qualified Lead", Aliases: []string{"MQL", "M.Q.L."}, Category: "Funnel",
			Definition: "A lead marketing judges ready for sales.\n\n• fits the ICP\n• scored ≥ 50"},
		{Name: "Sales Accepted Lead", Aliases: []string{"SAL"}, Category: "Funnel",
			Definition: "Sales agreed to work it. Tell <!channel> & <@U0BOSS> — \"quoted\" too."},
		{Name: "Kundenlebenszeitwert", Aliases: []string{"CLV", "顧客生涯価値"}, Category: "Zahlen",
			Definition: "Was ein Kunde über die ganze Zeit einbringt. Ünïcödé: 😀"},
		{Name: "ICP", Definition: "Ideal customer profile.\tTabbed."},
		{Name: "zeta", Category: "", Definition: "Lower-case name sorts by key, not bytes."},
	}
	for _, t := range terms {
		mustAddTerm(tb, db, t)
	}
	icp := mustTerm(tb, db, "ICP")
	icp.Definition = "Ideal customer profile: the companies we win and keep."
	if _, err := db.UpdateTerm(ctx, icp, store.Actor{ID: "UBOB", Name: "Bob"}); err != nil {
		tb.Fatal(err)
	}
	personas := []store.Persona{
		{Name: "Sally Supermom", Role: "Head of Operations", Summary: "Busy, decides fast.\nHates fluff.",
			Goals: "Save time", Pains: "Too many tools", Objections: "Price", Channels: "LinkedIn; podcasts",
			Questions: "Why would Sally care?"},
		{Name: "Ivan IT", Role: "CTO", Summary: "Security first <!here>."},
	}
	for _, p := range personas {
		if _, err := db.AddPersona(ctx, p, ann); err != nil {
			tb.Fatal(err)
		}
	}
	db.Clock.Set(fixedNow)
}

func TestRoundTrip(t *testing.T) {
	src := openDB(t)
	seed(t, src)
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "export.json")
	var out bytes.Buffer
	if err := transfer.Export(ctx, src, file, &out, transfer.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "exported "+file+": 5 terms, 2 personas\n"; got != want {
		t.Errorf("export says %q, want %q", got, want)
	}
	first, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<!channel> & <@U0BOSS>`, `\n\n• fits the ICP`, `顧客生涯価値`, `😀`, `"version": 1,`} {
		if !bytes.Contains(first, []byte(want)) {
			t.Errorf("export lacks %q:\n%s", want, first)
		}
	}

	dst := openDB(t)
	sum := mustImport(t, dst, file)
	if sum.Created != 7 || sum.Updated+sum.Unchanged+sum.Skipped != 0 {
		t.Fatalf("import into an empty database: %+v, want 7 created", sum)
	}
	if second := exportJSON(t, dst); !bytes.Equal(first, second) {
		t.Fatalf("export after round trip differs:\n--- first\n%s\n--- second\n%s", first, second)
	}
	if got := mustTerm(t, dst, "顧客生涯価値").Name; got != "Kundenlebenszeitwert" {
		t.Errorf("alias lookup after import = %q", got)
	}
}

func TestExportStableAndOmitsEmptySections(t *testing.T) {
	db := openDB(t)
	if got, want := string(exportJSON(t, db)), "{\n  \"version\": 1\n}\n"; got != want {
		t.Fatalf("empty export = %q, want %q", got, want)
	}
	mustAddTerm(t, db, store.Term{Name: "Pipeline", Definition: "All open deals"})
	terms := exportJSON(t, db)
	if bytes.Contains(terms, []byte(`"personas"`)) || !bytes.Contains(terms, []byte(`"terms"`)) {
		t.Fatalf("export with terms only:\n%s", terms)
	}
	if _, err := db.AddPersona(context.Background(), store.Persona{Name: "Sally", Summary: "Busy"}, ann); err != nil {
		t.Fatal(err)
	}
	seed(t, db)
	a, b := exportJSON(t, db), exportJSON(t, db)
	if !bytes.Equal(a, b) {
		t.Fatalf("two exports differ:\n%s\n---\n%s", a, b)
	}
	if !bytes.HasSuffix(a, []byte("}\n")) || bytes.Count(a, []byte("\n  \"")) != 3 {
		t.Fatalf("export is not indented by two spaces with a trailing newline:\n%s", a)
	}
}

func TestExportToFileReplacesWhole(t *testing.T) {
	db := openDB(t)
	mustAddTerm(t, db, store.Term{Name: "MQL", Definition: "Marketing qualified lead"})
	file := writeFile(t, "out.json", "old content that is longer than nothing at all")
	var out bytes.Buffer
	if err := transfer.Export(context.Background(), db, file, &out, transfer.ExportOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(file)
	if !bytes.Equal(got, exportJSON(t, db)) {
		t.Fatalf("file = %s", got)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(file), "*tmp*")); len(left) > 0 {
		t.Fatalf("temporary files left behind: %v", left)
	}
	if got, want := out.String(), "exported "+file+": 1 term, 0 personas\n"; got != want {
		t.Errorf("output = %q, want %q", got, want)
	}
	if err := transfer.Export(context.Background(), db, filepath.Join(t.TempDir(), "no", "such", "dir.json"), &out, transfer.ExportOptions{}); err == nil {
		t.Fatal("export into a missing directory: no error")
	}
}

const glossaryJSON = `{
  "version": 1,
  "terms": [
    {"name": "Lead", "aliases": [], "category": "Funnel", "definition": "Someone who showed interest."},
    {"name": "Marketing Qualified Lead", "aliases": ["MQL"], "category": "Funnel", "definition": "Ready for sales."},
    {"name": "Pipeline", "definition": "All open deals.", "created_by": "UANN", "created_at": "2024-01-02T03:04:05Z"}
  ],
  "personas": [
    {"name": "Sally Supermom", "role": "Operations", "summary": "Busy, decides fast."}
  ]
}
`

func TestImportTwiceChangesNothing(t *testing.T) {
	db := openDB(t)
	file := writeFile(t, "glossary.json", glossaryJSON)
	if sum := mustImport(t, db, file); sum.Created != 4 {
		t.Fatalf("first import: %+v, want 4 created", sum)
	}
	before := exportJSON(t, db)
	hist := termHistoryLen(t, db, "MQL")
	sum, out, err := runImport(t, db, file)
	if err != nil || sum.Unchanged != 4 || sum.Created+sum.Updated+sum.Skipped != 0 {
		t.Fatalf("second import: %+v, %v; want 4 unchanged", sum, err)
	}
	if want := "imported " + file + ": 0 created, 0 updated, 4 unchanged, 0 skipped\n"; out != want {
		t.Errorf("output = %q, want %q", out, want)
	}
	if after := exportJSON(t, db); !bytes.Equal(before, after) {
		t.Fatalf("second import changed the data:\n%s\n---\n%s", before, after)
	}
	if got := termHistoryLen(t, db, "MQL"); got != hist {
		t.Fatalf("history has %d versions after re-import, want %d", got, hist)
	}
	if p := mustTerm(t, db, "Pipeline"); p.CreatedBy != "UANN" || !p.CreatedAt.Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("Pipeline created by %q at %v, want the file's", p.CreatedBy, p.CreatedAt)
	}
	if l := mustTerm(t, db, "Lead"); l.CreatedBy != "import" || !l.CreatedAt.Equal(fixedNow) {
		t.Errorf("Lead created by %q at %v, want import now", l.CreatedBy, l.CreatedAt)
	}

	// A changed definition in a file with no newer times is kept back: what
	// is stored is newer (SPEC §7), reported with both times.
	changed := strings.Replace(glossaryJSON, "Ready for sales.", "Ready for sales to call.", 1)
	changed = strings.Replace(changed, "Busy, decides fast.", "Busy; decides fast.", 1)
	db.Clock.Set(fixedNow.Add(time.Hour))
	changedFile := writeFile(t, "changed.json", changed)
	sum = mustImport(t, db, changedFile)
	if sum.Kept != 2 || sum.Unchanged != 2 || sum.Created+sum.Updated+sum.Skipped != 0 || len(sum.Conflicts) != 2 ||
		!strings.HasPrefix(sum.Conflicts[0], changedFile+":") || !strings.Contains(sum.Conflicts[0], "updated 2024-03-05T14:30:00Z") {
		t.Fatalf("import of changed file: %+v, want 2 kept with file:line and the stored time, 2 unchanged", sum)
	}
	if mql := mustTerm(t, db, "MQL"); mql.Definition != "Ready for sales." {
		t.Fatalf("MQL after a stale import = %q, want it kept", mql.Definition)
	}
	// --overwrite replaces them: one update each, one more version in history.
	sum, err = transfer.Import(context.Background(), db, changedFile, transfer.ImportOptions{By: importer, Overwrite: true})
	if err != nil || sum.Updated != 2 || sum.Unchanged != 2 || sum.Created+sum.Kept+sum.Skipped != 0 {
		t.Fatalf("import --overwrite of changed file: %+v, %v; want 2 updated, 2 unchanged", sum, err)
	}
	mql := mustTerm(t, db, "MQL")
	if mql.Definition != "Ready for sales to call." || mql.UpdatedBy != "import" || !mql.UpdatedAt.Equal(fixedNow.Add(time.Hour)) {
		t.Errorf("MQL after update = %q by %q at %v", mql.Definition, mql.UpdatedBy, mql.UpdatedAt)
	}
	if got := termHistoryLen(t, db, "MQL"); got != hist+1 {
		t.Fatalf("history has %d versions, want %d", got, hist+1)
	}
	p, err := db.Persona(context.Background(), "Sally Supermom")
	if err != nil {
		t.Fatal(err)
	}
	revs, err := db.PersonaHistory(context.Background(), p.ID)
	if err != nil || len(revs) != 2 || revs[0].Value.Summary != "Busy; decides fast." {
		t.Fatalf("persona history = %+v, %v; want 2 versions, the newest changed", revs, err)
	}
}

// badRowsCSV has one row per kind of problem, after a field that spans
// lines so that the line numbers must come from the CSV reader.
var badRowsCSV = strings.Join([]string{
	`kind,name,aliases,category,definition,created_at`,         // 1
	`term,Lead,,Funnel,Someone who showed interest,`,           // 2
	`term,Opportunity,Opp; Deal,Funnel,"A qualified deal.`,     // 3
	`It spans ""three"" lines,`,                                // 4
	`like this.",2024-01-02T03:04:05+01:00`,                    // 5
	`term,,,Funnel,A row without a name,`,                      // 6
	`term,Too Long,,,` + strings.Repeat("x", 3001) + `,`,       // 7
	`term,Bad Time,,,Has a bad time,yesterday`,                 // 8
	`term,lead,,,The same name as line 2 in other case,`,       // 9
	`term,Pipeline,MQL,,Its alias is an existing term's name,`, // 10
	`term,Short`,                          // 11
	`glossary,Foo,,,A kind nobody knows,`, // 12
	`,,,,,`,                               // 13: blank, ignored
	`persona,Sally,,,,`,                   // 14
	`TERM,Customer,,Funnel,"Pays us, happily",`, // 15
	`term,"Multi`, // 16
	`Line Name",,,"A name with a line break is cleaned, not refused",`,         // 17
	`term,Bad Alias,` + strings.Repeat("a", 81) + `,,An alias over the limit,`, // 18
	`term,Empty Definition,,,,`,                                         // 19
	`term,Late,,,Still reported on the right line,2024-13-01T00:00:00Z`, // 20
	``,
}, "\r\n")

func TestImportCSVBadRows(t *testing.T) {
	db := openDB(t)
	mustAddTerm(t, db, store.Term{Name: "MQL", Definition: "Marketing qualified lead"})
	file := writeFile(t, "bad.csv", badRowsCSV)
	sum, out, err := runImport(t, db, file)

	// Each line: where and what (this package's), then the reason, of
	// which the validation messages (the commands package's) are checked
	// by a telling part.
	want := []struct{ at, reason string }{
		{`:6: term (no name): `, `Fill in the name.`},
		{`:7: term "Too Long": `, `at most 3000 characters`},
		{`:8: term "Bad Time": `, `The created_at "yesterday" is not an RFC 3339 time such as 2024-03-05T14:30:00Z.`},
		{`:9: term "lead": `, `Duplicate of line 2.`},
		{`:10: term "Pipeline": `, `"MQL" is already the name of another term.`},
		{`:11: row "Short": `, `This row has 2 fields but the header (line 1) has 6.`},
		{`:12: row "Foo": `, `The kind "glossary" is neither term nor persona.`},
		{`:14: persona "Sally": `, `summary`},
		{`:18: term "Bad Alias": `, `at most 80 characters`},
		{`:19: term "Empty Definition": `, `definition`},
		{`:20: term "Late": `, `The created_at "2024-13-01T00:00:00Z" is not an RFC 3339 time`},
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(want)+1 {
		t.Fatalf("output has %d lines, want %d:\n%s", len(lines), len(want)+1, out)
	}
	for i, w := range want {
		reason, ok := strings.CutPrefix(lines[i], file+w.at)
		if !ok || !strings.Contains(reason, w.reason) {
			t.Errorf("line %d = %q\nwant %q followed by a reason with %q", i+1, lines[i], file+w.at, w.reason)
		}
	}
	if got, want := lines[len(want)], "imported "+file+": 4 created, 0 updated, 0 unchanged, 11 skipped"; got != want {
		t.Errorf("summary = %q, want %q", got, want)
	}
	var skipped *transfer.SkippedError
	if !errors.As(err, &skipped) || err.Error() != "11 rows of "+file+" were skipped (see above)" {
		t.Fatalf("error = %v, want the skipped rows counted", err)
	}
	if sum.Created != 4 || sum.Skipped != 11 || len(sum.Problems) != 11 {
		t.Fatalf("summary = %+v", sum)
	}
	opp := mustTerm(t, db, "deal")
	if opp.Name != "Opportunity" || opp.Definition != "A qualified deal.\nIt spans \"three\" lines,\nlike this." ||
		!opp.CreatedAt.Equal(time.Date(2024, 1, 2, 2, 4, 5, 0, time.UTC)) {
		t.Errorf("Opportunity = %+v", opp)
	}
	if c := mustTerm(t, db, "Customer"); c.Definition != "Pays us, happily" || c.Category != "Funnel" {
		t.Errorf("Customer = %+v", c)
	}
	mustTerm(t, db, "Multi Line Name")
	if _, err := db.Term(context.Background(), "Pipeline"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Pipeline was imported despite its clashing alias (%v)", err)
	}
	if got := mustTerm(t, db, "Lead").Definition; got != "Someone who showed interest" {
		t.Errorf("Lead = %q: the duplicate won", got)
	}
}

func TestImportCSVMixedKinds(t *testing.T) {
	db := openDB(t)
	file := writeFile(t, "mixed.csv", "\uFEFFKind;Name;Aliases;Definition;Summary;Role;Created By\n"+
		"term;Lead;;Someone who showed interest;;;UANN\n"+
		"persona;Sally Supermom;;;Busy, decides fast;Operations;\n"+
		"Persona;Ivan IT;;;\"Security first;\nalways\";CTO;\n"+
		"term;MQL;Marketing Qualified Lead;Ready for sales;A summary in a term row;;\n"+
		"persona;Lead;;;A persona may share a term's name;;\n")
	sum, out, err := runImport(t, db, file)
	want := file + `:6: term "MQL": A term has no summary; leave that cell empty.` + "\n" +
		"imported " + file + ": 4 created, 0 updated, 0 unchanged, 1 skipped\n"
	if out != want || err == nil {
		t.Fatalf("output:\n%s\nerror %v\nwant:\n%s", out, err, want)
	}
	if sum.Created != 4 {
		t.Fatalf("summary = %+v", sum)
	}
	ivan, err := db.Persona(context.Background(), "Ivan IT")
	if err != nil || ivan.Summary != "Security first;\nalways" || ivan.Role != "CTO" || ivan.CreatedBy != "import" {
		t.Fatalf("Ivan = %+v, %v", ivan, err)
	}
	if l := mustTerm(t, db, "Lead"); l.CreatedBy != "UANN" {
		t.Errorf("Lead created by %q, want UANN", l.CreatedBy)
	}
}

func TestImportCSVOneKindPerFile(t *testing.T) {
	db := openDB(t)
	terms := writeFile(t, "terms.csv", "Name, Aliases, Category, Definition\nMQL, Marketing Qualified Lead; M.Q.L., Funnel, \"Ready, for sales\"\n")
	personas := writeFile(t, "personas.csv", "name\tsummary\tgoals\nSally\tBusy\tSave time\n")
	if sum := mustImport(t, db, terms); sum.Created != 1 {
		t.Fatalf("terms: %+v", sum)
	}
	if sum := mustImport(t, db, personas); sum.Created != 1 {
		t.Fatalf("personas: %+v", sum)
	}
	mql := mustTerm(t, db, "m.q.l.")
	if strings.Join(mql.Aliases, "|") != "Marketing Qualified Lead|M.Q.L." || mql.Definition != "Ready, for sales" {
		t.Errorf("MQL = %+v", mql)
	}
	if p, err := db.Persona(context.Background(), "sally"); err != nil || p.Goals != "Save time" {
		t.Errorf("Sally = %+v, %v", p, err)
	}
}

func TestImportCSVFileErrors(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"empty", "", ":1: the file is empty"},
		{"unknown columns", "name,definition,colour,Size\nA,b,c,d\n", `:1:17: unknown columns "colour", "Size"; the columns are kind, name, aliases`},
		{"no name column", "definition\nb\n", ":1:1: the header row has no name column"},
		{"unnamed column", "name,definition,\nA,b,\n", ":1:17: column 3 has no name in the header row"},
		{"twice", "name,definition,Name\nA,b,c\n", ":1:17: column name appears twice in the header row (columns 1 and 3)"},
		{"kind unknowable", "name,created_by\nA,U1\n", ":1:1: cannot tell whether this file holds terms or personas"},
		{"both kinds", "name,definition,summary\nA,b,c\n", ":1:1: the header has both term columns (definition) and persona columns (summary): add a kind column"},
		{"unended quote", "name,definition\nA,\"b\nC,d\n", `:3:5: invalid CSV: extraneous or missing " in quoted-field (in the row that starts on line 2)`},
		{"stray quote", "name,definition\nA,\"b\"c\nC,d\n", `:2:5: invalid CSV: extraneous or missing " in quoted-field`},
		{"bare quote", "name,definition\nA,b\"c\n", `:2:4: invalid CSV: bare " in non-quoted-field`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t)
			file := writeFile(t, "in.csv", tc.content)
			_, out, err := runImport(t, db, file)
			if err == nil || !strings.Contains(err.Error(), file+tc.want) || !strings.HasSuffix(err.Error(), "; nothing was imported") {
				t.Fatalf("error = %v\nwant it to contain %q", err, file+tc.want)
			}
			if out != "" {
				t.Errorf("output = %q, want none", out)
			}
			if got := string(exportJSON(t, db)); got != "{\n  \"version\": 1\n}\n" {
				t.Errorf("something was imported:\n%s", got)
			}
		})
	}
}

func TestImportJSONReportsLines(t *testing.T) {
	content := `{"version": 1,
 "leads": [{"channel": "C1", "ts": "1.2", "text": "a lead", "posted_by": "U1",
            "posted_at": "2024-03-05T14:30:00Z", "deleted": false, "feedback": []}],
 "terms": [
  {"name": "Lead", "definition": "Someone who showed interest."},
  {"name": "Bad Time", "definition": "x", "updated_at": "tomorrow"},
  {"name": "Typo", "defintion": "x"},
  {"name": "Wrong Type", "aliases": "a;b", "definition": "x"},
  "not an object",
  {"name": "lead",
   "definition": "duplicate"},   {"name": "Same Line", "definition": ""},
  {"definition": "no name"},
  null
 ],
 "meetings": [{"id": 1, "title": "Weekly", "schedule": "every tue at 10:00", "channel": "C1", "agenda": []}],
 "metrics": [{"name": "visits", "week": "2024-W10", "value": 4210, "set_by": "U1"}],
 "personas": [
  {"name": "Sally", "summary": "Busy", "created_at": "2024-03-05"},
  {"name": "Ivan", "summary": "Careful", "role": 7}
 ]
}`
	db := openDB(t)
	file := writeFile(t, "data.json", content)
	_, out, err := runImport(t, db, file)
	want := []string{
		file + `:6: term "Bad Time": The updated_at "tomorrow" is not an RFC 3339 time such as 2024-03-05T14:30:00Z.`,
		file + `:7: term "Typo": Unknown field "defintion"; a term has name, aliases, category, definition, created_by, created_at, updated_by, updated_at, status, reviewed_at, version, owner, approvals, disputes.`,
		file + `:8: term "Wrong Type": The aliases must be a list of text (["…", "…"]), not a JSON string.`,
		file + `:9: term (no name): Each term must be an object like {"name": "…", …}, not a JSON string.`,
		file + `:10: term "lead": Duplicate of line 5.`,
		file + `:11: term "Same Line": Fill in the definition.`,
		file + `:12: term (no name): Fill in the name.`,
		file + `:13: term (no name): Fill in the name. Fill in the definition.`,
		file + `:18: persona "Sally": The created_at "2024-03-05" is not an RFC 3339 time such as 2024-03-05T14:30:00Z.`,
		file + `:19: persona "Ivan": The role must be text, not a JSON number.`,
		"imported " + file + ": 4 created, 0 updated, 0 unchanged, 10 skipped", // the lead, the term "Lead", the meeting and the metric
	}
	if got := strings.TrimSuffix(out, "\n"); got != strings.Join(want, "\n") {
		t.Fatalf("output:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
	}
	if err == nil || err.Error() != "10 records of "+file+" were skipped (see above)" {
		t.Fatalf("error = %v", err)
	}
}

func TestImportMalformedJSON(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"trailing comma", "{\"terms\": [\n  {\"name\": \"A\", \"definition\": \"b\"},\n]}", ":3:1: invalid JSON: invalid character ']' looking for beginning of value"},
		{"missing comma", "{\"version\": 1,\n \"terms\": [\n  {\"name\": \"A\"\n   \"definition\": \"b\"}]}", ":4:4: invalid JSON: invalid character '\"' after object key:value pair"},
		{"cut short", "{\"version\": 1,\n \"terms\": [\n  {\"name\": \"A\", \"defin", ":3:23: invalid JSON: the file ends too early"},
		{"not an object", "[{\"name\": \"A\"}]", ":1:1: want one JSON object like {\"version\": 1"},
		{"newer version", "{\n  \"version\": 2, \"terms\": []}", ":2:14: format version 2 is not supported; this smarketing reads version 1"},
		{"version as text", "{\"version\": \"1\"}", ":1:13: version must be a number (1)"},
		{"terms not a list", "{\"version\": 1,\n \"terms\": {\"name\": \"A\"}}", ":2:11: terms must be a list of objects"},
		{"after the end", "{\"version\": 1}\n{\"terms\": []}", ":2:1: invalid JSON: more data after the closing }"},
		{"bad section", "{\"version\": 1, \"metrics\": [1, }", ":1:31: invalid JSON: invalid character '}' looking for beginning of value"},
		{"unicode before the error", "{\"terms\": [{\"name\": \"Ünïcödé\", ]}", ":1:32: invalid JSON: invalid character ']' looking for beginning of object key string"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t)
			file := writeFile(t, "in.json", tc.content)
			_, out, err := runImport(t, db, file)
			if err == nil || !strings.Contains(err.Error(), file+tc.want) || !strings.HasSuffix(err.Error(), "; nothing was imported") {
				t.Fatalf("error = %v\nwant it to contain %q", err, file+tc.want)
			}
			if out != "" {
				t.Errorf("output = %q, want none", out)
			}
			if got := string(exportJSON(t, db)); got != "{\n  \"version\": 1\n}\n" {
				t.Errorf("something was imported:\n%s", got)
			}
		})
	}
}

func TestImportDetectsFormat(t *testing.T) {
	tests := []struct {
		file, content string
	}{
		{"glossary", "  \n{\"terms\": [{\"name\": \"MQL\", \"definition\": \"Ready\"}]}"},
		{"glossary.JSON", "\uFEFF{\"terms\": [{\"name\": \"MQL\", \"definition\": \"Ready\"}]}"},
		{"glossary.txt", "name,definition\nMQL,Ready\n"},
		{"glossary", "\uFEFFname,definition\nMQL,Ready\n"},
		{"glossary.csv", "\uFEFFname,definition\r\nMQL,Ready\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			db := openDB(t)
			if sum := mustImport(t, db, writeFile(t, tc.file, tc.content)); sum.Created != 1 {
				t.Fatalf("summary = %+v", sum)
			}
			if got := mustTerm(t, db, "MQL").Definition; got != "Ready" {
				t.Fatalf("definition = %q", got)
			}
		})
	}
}

func TestImportMissingFile(t *testing.T) {
	_, _, err := runImport(t, openDB(t), filepath.Join(t.TempDir(), "nope.csv"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope.csv") {
		t.Fatalf("error = %v, want it to name the missing file", err)
	}
}

func TestImportProgress(t *testing.T) {
	dir := t.TempDir()
	small, large := writeTermsJSON(t, dir, 999), writeTermsJSON(t, dir, 1200)
	tests := []struct {
		name     string
		file     string
		terminal bool
		check    func(t *testing.T, progress string)
	}{
		{"small file", small, false, func(t *testing.T, p string) {
			if p != "" {
				t.Fatalf("progress for 999 records: %q", p)
			}
		}},
		{"plain", large, false, func(t *testing.T, p string) {
			lines := strings.Split(strings.TrimSuffix(p, "\n"), "\n")
			if len(lines) != 10 || lines[0] != "importing: 120/1,200 records (10%)" || lines[9] != "importing: 1,200/1,200 records (100%)" {
				t.Fatalf("progress =\n%s\nwant 10 lines, one per 10%%", p)
			}
		}},
		{"terminal", large, true, func(t *testing.T, p string) {
			if n := strings.Count(p, "\r"); n != 101 {
				t.Errorf("bar drawn %d times, want once per percent (101)", n)
			}
			if !strings.HasSuffix(p, "\rimporting ████████████████████████ 1,200/1,200\n") || strings.Count(p, "\n") != 1 {
				t.Fatalf("progress = %q", p)
			}
			if !strings.Contains(p, "\rimporting ████████████░░░░░░░░░░░░ 600/1,200") {
				t.Errorf("no half-way bar in %q", p)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, progress bytes.Buffer
			_, err := transfer.Import(context.Background(), openDB(t), tc.file, transfer.ImportOptions{
				By: importer, Out: &out, Progress: &progress, Terminal: tc.terminal,
			})
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, progress.String())
			if strings.Count(out.String(), "\n") != 1 {
				t.Errorf("output = %q, want the summary only", out.String())
			}
		})
	}
}

func TestBackup(t *testing.T) {
	db := openDB(t)
	seed(t, db)
	file := filepath.Join(t.TempDir(), "backup.db")
	var out bytes.Buffer
	if err := transfer.Backup(context.Background(), db, file, &out); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^backed up to .+/backup\.db \(\d+\.\d kB, integrity ok\)\n$`).MatchString(out.String()) {
		t.Fatalf("output = %q", out.String())
	}
	copyDB := storetest.OpenDSN(t, file, time.Time{})
	if got, want := exportJSON(t, copyDB), exportJSON(t, db); !bytes.Equal(got, want) {
		t.Fatalf("backup holds\n%s\nwant\n%s", got, want)
	}
	err := transfer.Backup(context.Background(), db, file, &out)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("backup over an existing file: %v", err)
	}
	err = transfer.Backup(context.Background(), db, filepath.Join(t.TempDir(), "missing", "b.db"), &out)
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("backup into a missing directory: %v", err)
	}
}

func TestHumanSize(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 bytes"}, {1, "1 byte"}, {999, "999 bytes"}, {1000, "1.0 kB"}, {163_840, "163.8 kB"},
		{999_949, "999.9 kB"}, {999_950, "1.0 MB"}, {1_500_000, "1.5 MB"}, {3_200_000_000, "3.2 GB"},
	}
	for _, tc := range tests {
		if got := transfer.HumanSize(tc.n); got != tc.want {
			t.Errorf("HumanSize(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestSkippedErrorGrammar(t *testing.T) {
	for _, tc := range []struct {
		e    transfer.SkippedError
		want string
	}{
		{transfer.SkippedError{File: "a.csv", Skipped: 1, Noun: "row"}, "1 row of a.csv was skipped (see above)"},
		{transfer.SkippedError{File: "a.json", Skipped: 1200, Noun: "record"}, "1,200 records of a.json were skipped (see above)"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

// Insights come along as the store knows them; one it refuses is named by
// its position.
func TestImportInsights(t *testing.T) {
	db := openDB(t)
	file := writeFile(t, "data.json", `{"version": 1,
 "insights": [{"text": "Too expensive for 5 seats", "persona": null, "source": "Acme call", "by": "U1",
               "at": "2024-03-05T14:30:00Z", "channel": "", "ts": ""},
              {"text": "  ", "persona": null, "source": "", "by": "U1", "at": "2024-03-05T14:31:00Z", "channel": "", "ts": ""}]}`)
	_, out, err := runImport(t, db, file)
	if err == nil {
		t.Fatal("import with an empty insight returned no error")
	}
	for _, want := range []string{file + ": insights #2: ", "1 created, 0 updated, 0 unchanged, 1 skipped"} {
		if !strings.Contains(out, want) {
			t.Fatalf("output:\n%s\nwant it to contain %q", out, want)
		}
	}
	if got := string(exportJSON(t, db)); !strings.Contains(got, `"text": "Too expensive for 5 seats"`) {
		t.Fatalf("export after import:\n%s\nwant the insight", got)
	}
}

func TestImportChecksMeetingsAndMetrics(t *testing.T) {
	db := openDB(t)
	file := writeFile(t, "data.json", `{"version": 1,
 "meetings": [{"id": 1, "title": "Pipeline review", "schedule": "every funday at 10:00", "channel": "C1", "agenda": []},
              {"id": 2, "title": "Weekly sync", "schedule": "every tue at 10:00", "channel": "C1", "agenda": ["Lead quality"]}],
 "metrics": [{"name": "visits", "week": "2024-W99", "value": 1, "set_by": "U1"},
             {"name": "visits", "week": "2024-W10", "value": 4210, "set_by": "U1"}]}`)
	_, out, err := runImport(t, db, file)
	if err == nil {
		t.Fatal("import with bad records returned no error")
	}
	for _, want := range []string{file + ": meetings #1: ", file + ": metrics #1: ", "2 created, 0 updated, 0 unchanged, 2 skipped"} {
		if !strings.Contains(out, want) {
			t.Fatalf("output:\n%s\nwant it to contain %q", out, want)
		}
	}
	got := string(exportJSON(t, db))
	for _, want := range []string{`"title": "Weekly sync"`, `"schedule": "0 10 * * TUE"`, `"Lead quality"`, `"week": "2024-W10"`} {
		if !strings.Contains(got, want) {
			t.Fatalf("export after import:\n%s\nwant it to contain %q", got, want)
		}
	}
}
