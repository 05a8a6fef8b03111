package transfer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"smarketing/store"
)

// CSV columns of each kind, in export order. name, created_by, created_at
// and updated_at belong to both.
var (
	termColumns    = []string{"name", "aliases", "category", "definition", "created_by", "created_at", "updated_by", "updated_at"}
	personaColumns = []string{"name", "role", "summary", "goals", "pains", "objections", "channels", "questions", "created_by", "created_at", "updated_at"}
)

// Columns that say which kind a file without a kind column holds.
var (
	termOnly    = []string{"definition", "aliases", "category"}
	personaOnly = []string{"summary", "role", "goals", "pains", "objections", "channels", "questions"}
)

// readCSV reads a CSV file with a header row (see the package comment).
// A header problem or broken quoting is an error for the whole file; a row
// problem is that row's.
func readCSV(data []byte) ([]record, store.Dataset, error) {
	ds := store.Dataset{}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = separator(data)
	// Lets people write `a, "b"`; with tabs it would eat empty fields.
	r.TrimLeadingSpace = r.Comma != '\t'
	parseErr := func(err error) error {
		if pe, ok := errors.AsType[*csv.ParseError](err); ok {
			msg := "invalid CSV: " + pe.Err.Error()
			if pe.StartLine != pe.Line {
				msg += fmt.Sprintf(" (in the row that starts on line %d)", pe.StartLine)
			}
			return &posError{line: pe.Line, col: pe.Column, msg: msg}
		}
		return &posError{line: 1, msg: "invalid CSV: " + err.Error()}
	}

	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, ds, &posError{line: 1, msg: "the file is empty; a CSV file starts with a header row such as name,aliases,category,definition"}
	}
	if err != nil {
		return nil, ds, parseErr(err)
	}
	headerLine, _ := r.FieldPos(0)
	cols, kind, err := readHeader(header, func(i int) (int, int) { return r.FieldPos(i) })
	if err != nil {
		return nil, ds, err
	}

	var recs []record
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if pe, ok := errors.AsType[*csv.ParseError](err); ok && errors.Is(pe.Err, csv.ErrFieldCount) {
			name := ""
			if i, ok := cols["name"]; ok && i < len(row) {
				name = row[i]
			}
			recs = append(recs, record{line: pe.StartLine, name: name,
				problem: fmt.Sprintf("This row has %d fields but the header (line %d) has %d.", len(row), headerLine, len(header))})
			continue
		}
		if err != nil {
			return nil, ds, parseErr(err)
		}
		if blank(row) {
			continue // spreadsheets export empty rows
		}
		line, _ := r.FieldPos(0)
		recs = append(recs, csvRecord(line, row, cols, kind))
	}
	return recs, ds, nil
}

// separator guesses the field separator from the header row: a comma unless
// the row has more semicolons or tabs (spreadsheets in many locales write
// semicolons).
func separator(data []byte) rune {
	head, _, _ := bytes.Cut(data, []byte("\n"))
	best, n := ',', bytes.Count(head, []byte(","))
	for _, c := range []rune{';', '\t'} {
		if m := bytes.Count(head, []byte(string(c))); m > n {
			best, n = c, m
		}
	}
	return best
}

// readHeader maps column names to their index and says which kind the rows
// are ("" when a kind column says it row by row).
func readHeader(header []string, pos func(int) (line, col int)) (map[string]int, string, error) {
	known := map[string]bool{"kind": true}
	for _, c := range append(slices.Clone(termColumns), personaColumns...) {
		known[c] = true
	}
	at := func(i int, format string, args ...any) error {
		line, col := pos(i)
		return &posError{line: line, col: col, msg: fmt.Sprintf(format, args...)}
	}
	cols := map[string]int{}
	var unknown []string
	firstUnknown := -1
	for i, h := range header {
		name := columnName(h)
		switch {
		case name == "":
			return nil, "", at(i, "column %d has no name in the header row; name it or delete the column", i+1)
		case !known[name]:
			unknown = append(unknown, fmt.Sprintf("%q", strings.TrimSpace(h)))
			if firstUnknown < 0 {
				firstUnknown = i
			}
			continue
		}
		if j, dup := cols[name]; dup {
			return nil, "", at(i, "column %s appears twice in the header row (columns %d and %d)", name, j+1, i+1)
		}
		cols[name] = i
	}
	if len(unknown) > 0 {
		s := ""
		if len(unknown) > 1 {
			s = "s"
		}
		return nil, "", at(firstUnknown, "unknown column%s %s; the columns are kind, %s and (for personas) %s",
			s, strings.Join(unknown, ", "), strings.Join(termColumns, ", "), strings.Join(personaOnly, ", "))
	}
	if _, ok := cols["name"]; !ok {
		return nil, "", at(0, "the header row has no name column")
	}
	if _, ok := cols["kind"]; ok {
		return cols, "", nil
	}
	has := func(names []string) string {
		for _, n := range names {
			if _, ok := cols[n]; ok {
				return n
			}
		}
		return ""
	}
	t, p := has(termOnly), has(personaOnly)
	switch {
	case t != "" && p != "":
		return nil, "", at(0, "the header has both term columns (%s) and persona columns (%s): add a kind column saying term or persona for each row, or use one file per kind", t, p)
	case t != "":
		return cols, kindTerm, nil
	case p != "":
		return cols, kindPersona, nil
	}
	return nil, "", at(0, "cannot tell whether this file holds terms or personas: the header needs a definition column (terms), a summary column (personas) or a kind column")
}

// columnName normalises a header cell: "Created At" → created_at.
func columnName(h string) string {
	h = strings.NewReplacer("-", " ", "_", " ").Replace(strings.ToLower(h))
	return strings.Join(strings.Fields(h), "_")
}

func blank(row []string) bool {
	for _, f := range row {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// csvRecord turns one row into a record of the kind its kind column (or,
// without one, the header) says.
func csvRecord(line int, row []string, cols map[string]int, kind string) record {
	get := func(col string) string {
		if i, ok := cols[col]; ok {
			return row[i]
		}
		return ""
	}
	r := record{line: line, kind: kind, name: get("name")}
	if kind == "" {
		switch k := strings.ToLower(strings.TrimSpace(get("kind"))); k {
		case "term", "terms":
			r.kind = kindTerm
		case "persona", "personas":
			r.kind = kindPersona
		case "":
			r.problem = "The kind is empty; write term or persona."
			return r
		default:
			r.problem = fmt.Sprintf("The kind %q is neither term nor persona.", k)
			return r
		}
	}
	own := termColumns
	if r.kind == kindPersona {
		own = personaColumns
	}
	for _, col := range personaOnly {
		if i, ok := cols[col]; ok && !slices.Contains(own, col) && strings.TrimSpace(row[i]) != "" {
			r.problem = fmt.Sprintf("A %s has no %s; leave that cell empty.", r.kind, col)
			return r
		}
	}
	for _, col := range termColumns {
		if i, ok := cols[col]; ok && !slices.Contains(own, col) && strings.TrimSpace(row[i]) != "" {
			r.problem = fmt.Sprintf("A %s has no %s; leave that cell empty.", r.kind, col)
			return r
		}
	}
	var times timeParser
	switch r.kind {
	case kindTerm:
		var aliases []string
		for a := range strings.SplitSeq(get("aliases"), ";") {
			if a = strings.TrimSpace(a); a != "" {
				aliases = append(aliases, a)
			}
		}
		r.term = store.TermRecord{Name: get("name"), Aliases: aliases, Category: get("category"), Definition: get("definition"),
			CreatedBy: strings.TrimSpace(get("created_by")), CreatedAt: times.parse("created_at", get("created_at")),
			UpdatedBy: strings.TrimSpace(get("updated_by")), UpdatedAt: times.parse("updated_at", get("updated_at"))}
	case kindPersona:
		r.persona = store.PersonaRecord{Name: get("name"), Role: get("role"), Summary: get("summary"), Goals: get("goals"),
			Pains: get("pains"), Objections: get("objections"), Channels: get("channels"), Questions: get("questions"),
			CreatedBy: strings.TrimSpace(get("created_by")), CreatedAt: times.parse("created_at", get("created_at")),
			UpdatedAt: times.parse("updated_at", get("updated_at"))}
	}
	r.problem = times.problem
	return r
}
