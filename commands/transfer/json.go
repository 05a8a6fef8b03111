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
		var v store.PersonaRecord
		if err := dec.Decode(&v); err != nil {
			return recordError(kindPersona, &v, err)
		}
		return record{kind: kindPersona, name: v.Name, persona: v}, nil
	}
	var v store.TermRecord
	if err := dec.Decode(&v); err != nil {
		return recordError(kindTerm, &v, err)
	}
	return record{kind: kindTerm, name: v.Name, term: v}, nil
}

// recordError returns err if it is a syntax error, else a record of kind
// whose problem says in plain words what is wrong with its JSON.
func recordError(kind string, target any, err error) (record, error) {
	if _, ok := errors.AsType[*json.SyntaxError](err); ok || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return record{}, err
	}
	return record{kind: kind, problem: recordProblem(kind, target, err)}, err
}

// sentence makes an error of the store a sentence to show.
func sentence(err error) string {
	msg := err.Error()
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

func recordProblem(kind string, target any, err error) string {
	if fe, ok := errors.AsType[*store.FieldError](err); ok {
		return sentence(fe)
	}
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

// parse reads a time as the export format has it ([store.ParseRecordTime]).
func (p *timeParser) parse(field, s string) time.Time {
	t, err := store.ParseRecordTime(field, s)
	if err != nil && p.problem == "" {
		p.problem = sentence(err)
	}
	return t
}
