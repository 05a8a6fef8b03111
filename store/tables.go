package store

import (
	"context"
	"errors"
	"fmt"
)

// The backends keep the same tables with the same columns (each in its
// own SQL dialect), so that [Copy] can move every row, history and claims
// included, from one to the other. Derived data (the full-text index, id
// sequences, the glossary version) is not copied: the destination rebuilds
// it.

// Kind is the Go type a column's values have in a [Row]: int64, *int64
// (NULL is nil), string, float64 or bool.
type Kind int

// Column kinds.
const (
	Int Kind = iota
	NullInt
	Text
	Real
	Bool
)

// Column is one column of a [Table].
type Column struct {
	Name string
	Kind Kind
}

// Table is one table both backends keep.
type Table struct {
	Name    string
	Columns []Column
	// ID names the integer primary key whose sequence the destination
	// moves past the copied rows ("" for none).
	ID string
}

// Row is one row of a table, its values in the order of Table.Columns.
type Row struct {
	Table  *Table
	Values []any
}

func cols(spec ...any) []Column {
	var out []Column
	for i := 0; i < len(spec); i += 2 {
		out = append(out, Column{Name: spec[i].(string), Kind: spec[i+1].(Kind)})
	}
	return out
}

// Schema returns the tables both backends keep, parents before children.
func Schema() []Table {
	return []Table{
		{Name: "terms", ID: "id", Columns: cols("id", Int, "name", Text, "category", Text, "definition", Text,
			"created_by", Text, "created_by_name", Text, "created_at", Int,
			"updated_by", Text, "updated_by_name", Text, "updated_at", Int,
			"version", Int, "owner", Text, "owner_name", Text, "agreed_at", NullInt)},
		{Name: "term_keys", Columns: cols("key", Text, "term_id", Int, "label", Text, "position", Int)},
		{Name: "personas", ID: "id", Columns: cols("id", Int, "name", Text, "key", Text, "role", Text, "summary", Text,
			"goals", Text, "pains", Text, "objections", Text, "channels", Text, "questions", Text,
			"created_by", Text, "created_by_name", Text, "created_at", Int,
			"updated_by", Text, "updated_by_name", Text, "updated_at", Int,
			"version", Int, "owner", Text, "owner_name", Text, "agreed_at", NullInt)},
		{Name: "insights", ID: "id", Columns: cols("id", Int, "text", Text, "persona_id", NullInt, "source", Text,
			"by_user", Text, "by_name", Text, "at", Int, "channel", Text, "ts", Text)},
		{Name: "revisions", ID: "id", Columns: cols("id", Int, "kind", Text, "record_id", Int, "action", Text, "data", Text,
			"edited_by", Text, "edited_by_name", Text, "edited_at", Int, "version", Int)},
		{Name: "signoffs", ID: "id", Columns: cols("id", Int, "kind", Text, "record_id", Int, "version", Int,
			"user_id", Text, "user_name", Text, "side", Text, "dual", Bool, "dispute", Bool, "reason", Text, "at", Int)},
		{Name: "leads", ID: "id", Columns: cols("id", Int, "channel", Text, "ts", Text, "status", Text, "text", Text,
			"posted_by", Text, "posted_at", Int, "deleted", Bool, "first_feedback_at", NullInt, "source", Text, "campaign", Text,
			"good", Int, "poor", Int, "hot", Int)},
		{Name: "lead_reactions", Columns: cols("lead_id", Int, "user", Text, "emoji", Text, "rating", Text, "added_at", Int)},
		{Name: "feedback", Columns: cols("lead_id", Int, "user", Text, "rating", Text, "emoji", Text, "reason", Text, "at", Int)},
		{Name: "seen_events", Columns: cols("id", Text, "seen_at", Int)},
		{Name: "failed_events", ID: "id", Columns: cols("id", Int, "event_id", Text, "event", Text, "error", Text, "at", Int)},
		{Name: "metrics", Columns: cols("name", Text, "year", Int, "week", Int, "value", Real, "unit", Text,
			"set_by", Text, "set_at", Int)},
		{Name: "sla_targets", ID: "id", Columns: cols("id", Int, "name", Text, "target", Real, "set_by", Text,
			"set_by_name", Text, "set_at", Int)},
		{Name: "meetings", ID: "id", Columns: cols("id", Int, "title", Text, "schedule", Text, "channel", Text,
			"created_by", Text, "created_by_name", Text, "created_at", Int)},
		{Name: "meeting_agenda", ID: "id", Columns: cols("id", Int, "meeting_id", Int, "text", Text, "added_by", Text,
			"added_by_name", Text, "added_at", Int, "cleared_at", NullInt, "link", Text)},
		{Name: "meeting_actions", ID: "id", Columns: cols("id", Int, "meeting_id", Int, "owner", Text, "owner_name", Text,
			"text", Text, "due", Text, "created_by", Text, "created_by_name", Text, "created_at", Int,
			"done_at", NullInt, "done_by", Text)},
		{Name: "meeting_decisions", ID: "id", Columns: cols("id", Int, "meeting_id", Int, "text", Text, "by_user", Text,
			"by_name", Text, "at", Int)},
		{Name: "meeting_skips", Columns: cols("meeting_id", Int, "day", Text, "added_by", Text, "added_at", Int)},
		{Name: "claims", Columns: cols("key", Text, "owner", Text, "state", Text, "claimed_at", Int,
			"expires_at", Int, "attempts", Int, "updated_at", Int)},
		{Name: "term_gaps", Columns: cols("key", Text, "day", Text, "asked", Int)},
		{Name: "gap_requests", Columns: cols("key", Text, "user_id", Text, "requested_at", Int)},
	}
}

// Tables is the raw access to the tables of [Schema] that [Copy] uses.
type Tables interface {
	// ReadTables calls fn with every row of tables, in their order, all
	// read in one snapshot.
	ReadTables(ctx context.Context, tables []Table, fn func(Row) error) error
	// WriteTables inserts every row rows sends, in one transaction, and
	// then rebuilds what derives from them (full-text index, sequences,
	// the glossary copy). It returns ErrNotEmpty, writing nothing, if any
	// of tables holds a row.
	WriteTables(ctx context.Context, tables []Table, rows <-chan Row) error
	// CountRows returns how many rows a table holds.
	CountRows(ctx context.Context, table Table) (int64, error)
}

// CopyReport says how many rows [Copy] moved, per table in [Schema] order.
type CopyReport struct {
	Tables []string
	Rows   []int64
}

// Copy copies every row of every table from src into dst, which must be
// empty ([ErrNotEmpty] otherwise), in one transaction on dst, and then
// checks that dst holds as many rows as src. src may be in use meanwhile:
// it is read in one snapshot.
func Copy(ctx context.Context, src, dst Tables) (CopyReport, error) {
	tables := Schema()
	rows := make(chan Row, 256)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	counts := make([]int64, len(tables))
	index := map[*Table]int{}
	for i := range tables {
		index[&tables[i]] = i
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(rows)
		readErr <- src.ReadTables(ctx, tables, func(r Row) error {
			select {
			case rows <- r:
				counts[index[r.Table]]++
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	werr := dst.WriteTables(ctx, tables, rows)
	if werr != nil {
		cancel()
		for range rows { // let the reader finish
		}
	}
	rerr := <-readErr
	if werr != nil {
		return CopyReport{}, werr
	}
	if rerr != nil {
		return CopyReport{}, fmt.Errorf("read source: %w", rerr)
	}
	rep := CopyReport{}
	var errs []error
	for i, t := range tables {
		n, err := dst.CountRows(ctx, t)
		if err != nil {
			return CopyReport{}, fmt.Errorf("verify %s: %w", t.Name, err)
		}
		if n != counts[i] {
			errs = append(errs, fmt.Errorf("verify %s: %d rows copied, destination holds %d", t.Name, counts[i], n))
		}
		rep.Tables = append(rep.Tables, t.Name)
		rep.Rows = append(rep.Rows, counts[i])
	}
	return rep, errors.Join(errs...)
}
