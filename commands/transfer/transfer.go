// Package transfer moves the bot's data in and out of files: the
// `smarketing export`, `import` and `backup` commands.
//
// # Export
//
// [Export] writes the whole database as the JSON of SPEC §7: two-space
// indented, HTML characters left as they are, a trailing newline, records in
// a stable order (two exports of the same data are byte-identical) and
// sections without data left out. To a file it writes a new temporary
// file beside it first (readable by its owner only) and renames it, so an
// interrupted export never leaves half a file; it refuses an existing file
// unless forced, a symbolic link always, and the live database's files.
//
// # Import
//
// [Import] reads that JSON or a CSV file. The format comes from the
// extension (.json, .csv) or else from the content (a file whose first
// non-space character is "{" is JSON). Every record is checked by the same
// rules as the slash commands; the good ones are applied in one transaction
// (a record with a new name is created, a changed one updated with its
// history kept, an identical one left alone, so importing a file twice
// changes nothing) and the bad ones are skipped and reported.
//
// CSV files have a header row whose columns are named like the JSON fields,
// in any order and any case ("Created At" works for created_at):
//
//	terms:    name, aliases, category, definition, created_by, created_at, updated_by, updated_at
//	personas: name, role, summary, goals, pains, objections, channels, questions, created_by, created_at, updated_at
//
// plus an optional kind column (term or persona) that lets one file hold
// both. Without it the header says which kind the file holds: term columns
// (definition, aliases, category) or persona columns (summary, role, goals…),
// not both. Aliases are separated by semicolons ("MQL; marketing lead").
// Times are RFC 3339 (2024-03-05T14:30:00Z) or empty for now; a record
// without created_by is attributed to "import". Fields may be quoted and span
// lines; a UTF-8 byte order mark is ignored; the separator may be a comma, a
// semicolon or a tab (whichever the header row uses). An unknown column is an
// error for the whole file.
//
// # Output
//
// Standard output carries the result and nothing else: the JSON of an
// export, or an import's report — one line per skipped record, in file
// order,
//
//	FILE:LINE: term "NAME": REASON
//
// (persona for personas) followed by one summary line,
//
//	imported FILE: N created, N updated, N unchanged, N skipped
//
// Standard error carries progress for files of 1,000 records or more (a bar
// redrawn in place on a terminal, otherwise a count line every 10%); main
// adds the final error there. An import with skipped records still applies
// the others and then returns a [*SkippedError] ("2 rows of FILE were
// skipped (see above)"; "records" for JSON), so the exit status is non-zero.
// A file that cannot be read or parsed (invalid JSON, a bad CSV header)
// imports nothing and returns one error with FILE:LINE:COLUMN.
//
// # JSON details
//
// Records are matched to stored ones by name (any case and spacing). A
// record with a field the format does not have, or a field of the wrong
// type, is skipped and reported; sections other than terms and personas
// (leads, meetings, metrics, sla, insights) are passed on to the store as far as
// [store.Dataset] knows them and otherwise ignored.
package transfer

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"smarketing/commands"
	"smarketing/store"
	"smarketing/store/safefile"
)

type exporter interface {
	Export(ctx context.Context) (store.Dataset, error)
}

type importer interface {
	Import(ctx context.Context, ds store.Dataset, opt store.ImportOptions) (store.ImportReport, error)
}

type backuper interface {
	Backup(ctx context.Context, file string) error
}

// ExportOptions configures [Export] to a file.
type ExportOptions struct {
	// Force replaces an existing file (export --force); without it an
	// existing file is refused.
	Force bool
	// Protect are files never written, with or without Force: the live
	// database's own (see sqlite.Files), through whatever path or link
	// the file is named.
	Protect []string
}

// Export writes the database as JSON to file, or to stdout when file is ""
// or "-". After writing a file it says so on stdout. A file is readable by
// its owner only; a symbolic link, a file in opt.Protect and (unless
// opt.Force) an existing file are refused before anything is read.
func Export(ctx context.Context, db exporter, file string, stdout io.Writer, opt ExportOptions) error {
	toFile := file != "" && file != "-"
	if toFile {
		if err := checkExportTarget(file, opt); err != nil {
			return err
		}
	}
	ds, err := db.Export(ctx)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	data, err := Marshal(ds)
	if err != nil {
		return err
	}
	if !toFile {
		if _, err := stdout.Write(data); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		return nil
	}
	if err := safefile.WriteFile(file, data, opt.Force); err != nil {
		return exportFileError(file, err)
	}
	_, err = fmt.Fprintf(stdout, "exported %s: %s, %s\n", file, count(len(ds.Terms), "term"), count(len(ds.Personas), "persona"))
	return err
}

// checkExportTarget refuses a file export must not write.
func checkExportTarget(file string, opt ExportOptions) error {
	if db, same := safefile.Same(file, opt.Protect...); same {
		return fmt.Errorf("export: %s is the live database (its file %s), which export never replaces, even with --force; export to another file", file, db)
	}
	exists, err := safefile.CheckTarget(file)
	switch {
	case err != nil:
		return exportFileError(file, err)
	case exists && !opt.Force:
		return exportFileError(file, safefile.ErrExists)
	}
	return nil
}

func exportFileError(file string, err error) error {
	var link *safefile.SymlinkError
	switch {
	case errors.As(err, &link):
		return fmt.Errorf("export: %s is a symbolic link; export never writes through one, even with --force: name the file itself", file)
	case errors.Is(err, safefile.ErrExists):
		return fmt.Errorf("export: %s already exists; add --force to replace it, or choose a new file name", file)
	}
	return fmt.Errorf("export: %w", err)
}

// Marshal encodes ds in the export format: indented by two spaces, with a
// trailing newline, and with <, > and & kept as they are (definitions hold
// Slack markup like <!channel>; escaping it would only hurt readability).
func Marshal(ds store.Dataset) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(ds); err != nil {
		return nil, fmt.Errorf("encode export: %w", err)
	}
	return buf.Bytes(), nil
}

// Backup copies the database to file, which must not exist yet and must
// not be one of protect (the live database's files, named by any path),
// checks the copy and reports it on stdout.
func Backup(ctx context.Context, db backuper, file string, stdout io.Writer, protect ...string) error {
	if db, same := safefile.Same(file, protect...); same {
		return fmt.Errorf("backup: %s is the live database (its file %s); back up to another file", file, db)
	}
	if dir := filepath.Dir(file); dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return fmt.Errorf("backup: directory %s does not exist", dir)
		}
	}
	if err := db.Backup(ctx, file); err != nil {
		return err
	}
	st, err := os.Stat(file)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "backed up to %s (%s, integrity ok)\n", file, HumanSize(st.Size()))
	return err
}

// HumanSize formats a byte count for people: "812 bytes", "48.0 kB",
// "1.3 MB" (powers of 1000, as file managers show them).
func HumanSize(n int64) string {
	if n < 1000 {
		return count(int(n), "byte")
	}
	v, units := float64(n), []string{"kB", "MB", "GB", "TB"}
	for i, u := range units {
		v /= 1000
		if v < 999.95 || i == len(units)-1 {
			return strconv.FormatFloat(v, 'f', 1, 64) + " " + u
		}
	}
	panic("unreachable")
}

// ImportOptions configures [Import].
type ImportOptions struct {
	// By is who imports: the author of records that name none.
	By store.Actor
	// Out receives the report: skipped records and the summary line.
	Out io.Writer
	// Progress, if not nil, receives progress for large files.
	Progress io.Writer
	// Terminal reports whether Progress is a terminal, where a bar is
	// redrawn in place instead of printing count lines.
	Terminal bool
	// Overwrite replaces stored terms and personas that are newer than
	// the file's (import --overwrite); by default they are kept.
	Overwrite bool
	// Location is the zone meeting schedules are read in
	// (SMARKETING_TIMEZONE); UTC if nil.
	Location *time.Location
}

// Summary is what an import did.
type Summary struct {
	Created, Updated, Unchanged, Skipped int
	// Kept counts the records left alone because what is stored is
	// newer; Conflicts are their report lines.
	Kept      int
	Conflicts []string
	// Problems are the report lines of the skipped records, in file order.
	Problems []string
}

// SkippedError is returned by [Import] when some records were skipped (and
// the others imported).
type SkippedError struct {
	File    string
	Skipped int
	Noun    string // "row" for CSV, "record" for JSON
}

func (e *SkippedError) Error() string {
	verb := "were"
	if e.Skipped == 1 {
		verb = "was"
	}
	return fmt.Sprintf("%s of %s %s skipped (see above)", count(e.Skipped, e.Noun), e.File, verb)
}

// format is one input format.
type format struct {
	noun string // what a record is called in messages: "row", "record"
	read func(data []byte) ([]record, store.Dataset, error)
}

var (
	formatJSON = format{noun: "record", read: readJSON}
	formatCSV  = format{noun: "row", read: readCSV}
)

// Import reads file (JSON or CSV, see the package comment), applies its
// valid records to db in one transaction and writes the report to opt.Out.
// It returns a [*SkippedError] if any record was skipped, or another error
// (and imports nothing) if the file cannot be read or parsed.
func Import(ctx context.Context, db importer, file string, opt ImportOptions) (Summary, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return Summary{}, err
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	f := detect(file, data)
	recs, ds, err := f.read(data)
	if err != nil {
		return Summary{}, fmt.Errorf("%s:%w; nothing was imported", file, err)
	}
	p := prepare(recs)
	ds.Version, ds.Terms, ds.Personas = store.DatasetVersion, p.terms, p.personas
	loc, now := opt.Location, time.Now()
	if loc == nil {
		loc = time.UTC
	}
	ds.Meetings = checkSection(&p, "meetings", ds.Meetings, func(r store.MeetingRecord) (store.MeetingRecord, error) {
		return commands.ValidateMeeting(r, loc, now)
	})
	ds.Metrics = checkSection(&p, "metrics", ds.Metrics, commands.ValidateMetric)
	progress := newProgress(opt.Progress, opt.Terminal)
	rep, err := db.Import(ctx, ds, store.ImportOptions{By: opt.By, Overwrite: opt.Overwrite, Progress: progress.update})
	progress.finish()
	if err != nil {
		return Summary{}, fmt.Errorf("import %s: %w; nothing was imported", file, err)
	}
	problems := p.problems
	for _, r := range rep.Rejected {
		problems = append(problems, p.rejection(r))
	}
	slices.SortStableFunc(problems, func(a, b problem) int { return cmp.Compare(a.line, b.line) })
	sum := Summary{Created: rep.Created, Updated: rep.Updated, Unchanged: rep.Unchanged, Skipped: len(problems)}
	for _, pr := range problems {
		line := pr.format(file)
		sum.Problems = append(sum.Problems, line)
		if opt.Out != nil {
			fmt.Fprintln(opt.Out, line)
		}
	}
	var kept []problem
	for _, r := range rep.Kept {
		kept = append(kept, p.rejection(r))
	}
	slices.SortStableFunc(kept, func(a, b problem) int { return cmp.Compare(a.line, b.line) })
	sum.Kept = len(kept)
	for _, pr := range kept {
		line := pr.format(file)
		sum.Conflicts = append(sum.Conflicts, line)
		if opt.Out != nil {
			fmt.Fprintln(opt.Out, line)
		}
	}
	if opt.Out != nil {
		keptNote := ""
		if sum.Kept > 0 {
			keptNote = fmt.Sprintf(", %d kept (newer here; import --overwrite replaces them)", sum.Kept)
		}
		fmt.Fprintf(opt.Out, "imported %s: %d created, %d updated, %d unchanged%s, %d skipped\n",
			file, sum.Created, sum.Updated, sum.Unchanged, keptNote, sum.Skipped)
	}
	if sum.Skipped > 0 {
		return sum, &SkippedError{File: file, Skipped: sum.Skipped, Noun: f.noun}
	}
	return sum, nil
}

// detect picks the format by extension, else by the first non-space byte.
func detect(file string, data []byte) format {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".json":
		return formatJSON
	case ".csv", ".tsv", ".txt":
		return formatCSV
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return formatJSON
	}
	return formatCSV
}

// Kinds of records.
const (
	kindTerm    = "term"
	kindPersona = "persona"
)

// record is one term or persona as read from a file, not yet validated.
type record struct {
	line    int    // where it starts, from 1
	kind    string // kindTerm or kindPersona; "" if unknown (then problem is set)
	name    string // as written, for messages
	problem string // what is wrong with it, found while reading it
	term    store.TermRecord
	persona store.PersonaRecord
}

// problem is one skipped record.
type problem struct {
	line int    // 0 if unknown
	what string // `term "MQL"`, or "" for the row as a whole
	msg  string
}

func (p problem) format(file string) string {
	loc := file
	if p.line > 0 {
		loc += ":" + strconv.Itoa(p.line)
	}
	if p.what == "" {
		return loc + ": " + p.msg
	}
	return loc + ": " + p.what + ": " + p.msg
}

// describe names a record in messages: term "MQL", persona (no name).
func describe(kind, name string) string {
	if kind == "" {
		kind = "row" // only CSV rows can be of unknown kind
	}
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		return kind + " (no name)"
	}
	return kind + " " + strconv.Quote(commands.Truncate(name, 60))
}

// prepared is what goes to the store, where each record came from, and
// what was left out and why.
type prepared struct {
	terms        []store.TermRecord
	personas     []store.PersonaRecord
	termLines    []int // line of terms[i]
	personaLines []int
	problems     []problem
	// kept maps, for the sections read without line numbers, the index of
	// each record passed on to its index in the file.
	kept map[string][]int
}

// checkSection validates the records of a section this package reads
// without line numbers (meetings, metrics) by the slash commands' rules;
// bad ones become problems, the cleaned good ones go on.
func checkSection[T any](p *prepared, section string, recs []T, check func(T) (T, error)) []T {
	var out []T
	for i, r := range recs {
		clean, err := check(r)
		if err != nil {
			p.problems = append(p.problems, problem{what: fmt.Sprintf("%s #%d", section, i+1), msg: rejectionMessage(section, err)})
			continue
		}
		if p.kept == nil {
			p.kept = map[string][]int{}
		}
		p.kept[section] = append(p.kept[section], i)
		out = append(out, clean)
	}
	return out
}

// prepare validates recs by the rules of the slash commands and keeps the
// first record of each name; the rest become problems.
func prepare(recs []record) prepared {
	var p prepared
	var terms int
	for _, r := range recs {
		if r.kind == kindTerm {
			terms++
		}
	}
	p.terms, p.termLines = make([]store.TermRecord, 0, terms), make([]int, 0, terms)
	seen := map[string]int{} // kind + key → line of the first record
	for _, r := range recs {
		what := describe(r.kind, r.name)
		if r.problem != "" {
			p.problems = append(p.problems, problem{line: r.line, what: what, msg: r.problem})
			continue
		}
		// A name seen before is a duplicate even if that first record was
		// invalid: the file is ambiguous about it, so neither goes in.
		if key := store.Key(r.name); key != "" {
			if first, dup := seen[r.kind+"\x00"+key]; dup {
				p.problems = append(p.problems, problem{line: r.line, what: what, msg: fmt.Sprintf("Duplicate of line %d.", first)})
				continue
			}
			seen[r.kind+"\x00"+key] = r.line
		}
		var err error
		switch r.kind {
		case kindTerm:
			err = p.addTerm(r)
		case kindPersona:
			err = p.addPersona(r)
		}
		if err != nil {
			p.problems = append(p.problems, problem{line: r.line, what: what, msg: err.Error()})
		}
	}
	return p
}

func (p *prepared) addTerm(r record) error {
	in := r.term
	t, err := commands.ValidateTerm(store.Term{Name: in.Name, Aliases: in.Aliases, Category: in.Category, Definition: in.Definition})
	if err != nil {
		return err
	}
	in.Name, in.Aliases, in.Category, in.Definition = t.Name, t.Aliases, t.Category, t.Definition
	p.terms = append(p.terms, in)
	p.termLines = append(p.termLines, r.line)
	return nil
}

func (p *prepared) addPersona(r record) error {
	in := r.persona
	c, err := commands.ValidatePersona(store.Persona{Name: in.Name, Role: in.Role, Summary: in.Summary, Goals: in.Goals,
		Pains: in.Pains, Objections: in.Objections, Channels: in.Channels, Questions: in.Questions})
	if err != nil {
		return err
	}
	in.Name, in.Role, in.Summary, in.Goals, in.Pains = c.Name, c.Role, c.Summary, c.Goals, c.Pains
	in.Objections, in.Channels, in.Questions = c.Objections, c.Channels, c.Questions
	p.personas = append(p.personas, in)
	p.personaLines = append(p.personaLines, r.line)
	return nil
}

// rejection maps a record the store refused back to its line.
func (p *prepared) rejection(r store.Rejection) problem {
	pr := problem{msg: rejectionMessage(r.Section, r.Err)}
	switch {
	case r.Section == "terms" && r.Index < len(p.terms):
		pr.line, pr.what = p.termLines[r.Index], describe(kindTerm, p.terms[r.Index].Name)
	case r.Section == "personas" && r.Index < len(p.personas):
		pr.line, pr.what = p.personaLines[r.Index], describe(kindPersona, p.personas[r.Index].Name)
	default:
		// Sections read without line numbers: name the record by position.
		i := r.Index
		if kept := p.kept[r.Section]; i < len(kept) {
			i = kept[i]
		}
		pr.what = fmt.Sprintf("%s #%d", r.Section, i+1)
	}
	return pr
}

func rejectionMessage(section string, err error) string {
	if stale, ok := errors.AsType[*store.StaleError](err); ok {
		return sentence(stale)
	}
	var conflict *store.ConflictError
	if errors.As(err, &conflict) {
		kind := strings.TrimSuffix(section, "s")
		if store.Key(conflict.Key) == store.Key(conflict.Owner) {
			return fmt.Sprintf("%q is already the name of another %s.", conflict.Key, kind)
		}
		return fmt.Sprintf("%q is already a name or alias of %q.", conflict.Key, conflict.Owner)
	}
	var ue *commands.UserError
	if errors.As(err, &ue) {
		return ue.Msg
	}
	return err.Error()
}

// posError is a problem with the file as a whole, at a position in it.
type posError struct {
	line, col int // from 1; col 0 if unknown
	msg       string
}

func (e *posError) Error() string {
	if e.col > 0 {
		return fmt.Sprintf("%d:%d: %s", e.line, e.col, e.msg)
	}
	return fmt.Sprintf("%d: %s", e.line, e.msg)
}

// count formats "1 term", "2 terms", "10,000 terms".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return thousands(n) + " " + noun + "s"
}

// thousands formats n with commas: 10,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// lineIndex maps byte offsets of a file to lines and columns.
type lineIndex struct {
	data     []byte
	newlines []int // offsets of every '\n'
}

func newLineIndex(data []byte) *lineIndex {
	ix := &lineIndex{data: data}
	for i, b := range data {
		if b == '\n' {
			ix.newlines = append(ix.newlines, i)
		}
	}
	return ix
}

// pos returns the line and column (in characters), both from 1, of offset.
func (ix *lineIndex) pos(offset int) (line, col int) {
	offset = max(0, min(offset, len(ix.data)))
	n, _ := slices.BinarySearch(ix.newlines, offset)
	start := 0
	if n > 0 {
		start = ix.newlines[n-1] + 1
	}
	return n + 1, utf8.RuneCount(ix.data[start:offset]) + 1
}
