package transfer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"

	"smarketing/store"
)

// termJSON and personaJSON are the records of SPEC §7 as read: times stay
// text so that an empty one can mean "now" and a bad one names its field.
type termJSON struct {
	Name       string   `json:"name"`
	Aliases    []string `json:"aliases"`
	Category   string   `json:"category"`
	Definition string   `json:"definition"`
	CreatedBy  string   `json:"created_by"`
	CreatedAt  string   `json:"created_at"`
	UpdatedBy  string   `json:"updated_by"`
	UpdatedAt  string   `json:"updated_at"`
}

type personaJSON struct {
	Name       string `json:"name"`
	Role       string `json:"role"`
	Summary    string `json:"summary"`
	Goals      string `json:"goals"`
	Pains      string `json:"pains"`
	Objections string `json:"objections"`
	Channels   string `json:"channels"`
	Questions  string `json:"questions"`
	CreatedBy  string `json:"created_by"`
	CreatedAt  string `json:"created_at"`
	UpdatedAt  string `json:"updated_at"`
}

// readJSON reads a file in the export format. Terms and personas become
// records, each with the line its object starts on; any other section is
// decoded into the dataset as [store.Dataset] knows it (and ignored if it
// does not). A syntax error, or a section of the wrong shape, is an error
// for the whole file.
func readJSON(data []byte) ([]record, store.Dataset, error) {
	var ds store.Dataset
	ix := newLineIndex(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	// Only records are decoded into structs: the rest goes into RawMessage.
	dec.DisallowUnknownFields()
	errAt := func(offset int, format string, args ...any) error {
		line, col := ix.pos(offset)
		return &posError{line: line, col: col, msg: fmt.Sprintf(format, args...)}
	}
	// syntax turns the decoder's syntax error into one with a position.
	// Its own offsets count only the bytes that Decode (not Token) read, so
	// scan the whole file again, which finds the same first error.
	syntax := func(error) error {
		err := json.Unmarshal(data, new(json.RawMessage))
		if se, ok := errors.AsType[*json.SyntaxError](err); ok {
			if se.Offset >= int64(len(data)) && strings.Contains(se.Error(), "end of JSON input") {
				return errAt(len(data), "invalid JSON: the file ends too early (a missing } or ]?)")
			}
			// Offset counts the bytes read, the offending one included.
			return errAt(int(se.Offset)-1, "invalid JSON: %s", strings.TrimPrefix(se.Error(), "json: "))
		}
		return errAt(int(dec.InputOffset()), "invalid JSON")
	}
	// start returns the offset of the next value, past spaces and a comma.
	start := func() int {
		i := int(dec.InputOffset())
		for i < len(data) && strings.IndexByte(" \t\r\n,:", data[i]) >= 0 {
			i++
		}
		return i
	}

	at := start()
	tok, err := dec.Token()
	if err != nil {
		return nil, ds, syntax(err)
	}
	if tok != json.Delim('{') {
		return nil, ds, errAt(at, `want one JSON object like {"version": 1, "terms": [...]}`)
	}
	// Records are big: size the list once, by counting name keys.
	recs := make([]record, 0, bytes.Count(data, []byte(`"name"`)))
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, ds, syntax(err)
		}
		key := tok.(string) // object keys are strings, or Token failed
		at := start()
		switch key {
		case "version":
			var v int
			if err := dec.Decode(&v); err != nil {
				if _, ok := errors.AsType[*json.SyntaxError](err); ok {
					return nil, ds, syntax(err)
				}
				return nil, ds, errAt(at, "version must be a number (1)")
			}
			if v != store.DatasetVersion {
				return nil, ds, errAt(at, "format version %d is not supported; this smarketing reads version %d", v, store.DatasetVersion)
			}
		case "terms", "personas":
			tok, err := dec.Token()
			if err != nil {
				return nil, ds, syntax(err)
			}
			if tok == nil { // null: no records
				continue
			}
			if tok != json.Delim('[') {
				return nil, ds, errAt(at, "%s must be a list of objects: [{...}, {...}]", key)
			}
			for dec.More() {
				at := start()
				r, err := decodeRecord(dec, key)
				if err != nil && r.problem == "" {
					return nil, ds, syntax(err)
				}
				if err != nil {
					// A problem with the record, not with the JSON: the
					// decoder has read past it and goes on.
					var named struct{ Name any }
					if json.Unmarshal(data[at:dec.InputOffset()], &named) == nil {
						r.name, _ = named.Name.(string)
					}
				}
				r.line, _ = ix.pos(at)
				recs = append(recs, r)
			}
			if _, err := dec.Token(); err != nil { // ]
				return nil, ds, syntax(err)
			}
		default:
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return nil, ds, syntax(err)
			}
			// Sections other features own: decode them as the store knows
			// them, so they come along as soon as it does.
			obj, _ := json.Marshal(map[string]json.RawMessage{key: raw})
			if err := json.Unmarshal(obj, &ds); err != nil {
				return nil, ds, errAt(at, "section %s: %s", key, strings.TrimPrefix(err.Error(), "json: "))
			}
		}
	}
	if _, err := dec.Token(); err != nil { // }
		return nil, ds, syntax(err)
	}
	if at := start(); at < len(data) {
		if _, err := dec.Token(); err != io.EOF {
			return nil, ds, errAt(at, "invalid JSON: more data after the closing }")
		}
	}
	return recs, ds, nil
}

// decodeRecord reads the next element of the terms or personas list. A
// syntax error is returned as is (it ends the file); other problems are the
// record's, to report and skip it, and come back as r.problem with the
// error.
func decodeRecord(dec *json.Decoder, section string) (r record, err error) {
	if section == "personas" {
		var v personaJSON
		if err := dec.Decode(&v); err != nil {
			return recordError(kindPersona, &v, err)
		}
		var times timeParser
		r = record{kind: kindPersona, name: v.Name, persona: store.PersonaRecord{
			Name: v.Name, Role: v.Role, Summary: v.Summary, Goals: v.Goals, Pains: v.Pains,
			Objections: v.Objections, Channels: v.Channels, Questions: v.Questions,
			CreatedBy: strings.TrimSpace(v.CreatedBy), CreatedAt: times.parse("created_at", v.CreatedAt),
			UpdatedAt: times.parse("updated_at", v.UpdatedAt)}}
		r.problem = times.problem
		return r, nil
	}
	var v termJSON
	if err := dec.Decode(&v); err != nil {
		return recordError(kindTerm, &v, err)
	}
	var times timeParser
	r = record{kind: kindTerm, name: v.Name, term: store.TermRecord{
		Name: v.Name, Aliases: v.Aliases, Category: v.Category, Definition: v.Definition,
		CreatedBy: strings.TrimSpace(v.CreatedBy), CreatedAt: times.parse("created_at", v.CreatedAt),
		UpdatedBy: strings.TrimSpace(v.UpdatedBy), UpdatedAt: times.parse("updated_at", v.UpdatedAt)}}
	r.problem = times.problem
	return r, nil
}

// recordError returns err if it is a syntax error, else a record of kind
// whose problem says in plain words what is wrong with its JSON.
func recordError(kind string, target any, err error) (record, error) {
	if _, ok := errors.AsType[*json.SyntaxError](err); ok || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return record{}, err
	}
	return record{kind: kind, problem: recordProblem(kind, target, err)}, err
}

func recordProblem(kind string, target any, err error) string {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if te.Field == "" {
			return fmt.Sprintf(`Each %s must be an object like {"name": "…", …}, not a JSON %s.`, kind, te.Value)
		}
		field, _, _ := strings.Cut(te.Field, ".")
		want := "text"
		t := reflect.TypeOf(target).Elem()
		for i := range t.NumField() {
			if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name == field && t.Field(i).Type.Kind() == reflect.Slice {
				want = `a list of text (["…", "…"])`
			}
		}
		return fmt.Sprintf("The %s must be %s, not a JSON %s.", field, want, te.Value)
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if f, ok := strings.CutPrefix(msg, "unknown field "); ok {
		return fmt.Sprintf("Unknown field %s; a %s has %s.", f, kind, strings.Join(jsonFields(target), ", "))
	}
	return msg + "."
}

// jsonFields lists the JSON names of a struct's fields, in order.
func jsonFields(target any) []string {
	t := reflect.TypeOf(target).Elem()
	names := make([]string, t.NumField())
	for i := range names {
		names[i], _, _ = strings.Cut(t.Field(i).Tag.Get("json"), ",")
	}
	return names
}

// timeParser parses the times of one record and keeps the first problem.
type timeParser struct{ problem string }

// parse reads an RFC 3339 time; empty means zero (the store puts now).
func (p *timeParser) parse(field, s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		if p.problem == "" {
			p.problem = fmt.Sprintf("The %s %q is not an RFC 3339 time such as 2024-03-05T14:30:00Z.", field, s)
		}
		return time.Time{}
	}
	return t.UTC()
}
