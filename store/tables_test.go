package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"smarketing/store"
)

// fakeTables holds rows by table name in memory.
type fakeTables struct {
	rows     map[string][][]any
	readErr  error // returned by ReadTables after the first row
	writeErr error // returned by WriteTables after the first row
	extra    map[string]int64
	order    []string // tables in the order rows arrived
}

func newFakeTables() *fakeTables {
	return &fakeTables{rows: map[string][][]any{}, extra: map[string]int64{}}
}

func (f *fakeTables) ReadTables(ctx context.Context, tables []store.Table, fn func(store.Row) error) error {
	for i := range tables {
		for _, vals := range f.rows[tables[i].Name] {
			if err := fn(store.Row{Table: &tables[i], Values: vals}); err != nil {
				return err
			}
			if f.readErr != nil {
				return f.readErr
			}
		}
	}
	return nil
}

func (f *fakeTables) WriteTables(ctx context.Context, tables []store.Table, rows <-chan store.Row) error {
	for _, t := range tables {
		if len(f.rows[t.Name]) > 0 {
			return fmt.Errorf("%w: %s", store.ErrNotEmpty, t.Name) // without draining rows
		}
	}
	for r := range rows {
		if f.writeErr != nil {
			return f.writeErr
		}
		f.rows[r.Table.Name] = append(f.rows[r.Table.Name], r.Values)
		if n := len(f.order); n == 0 || f.order[n-1] != r.Table.Name {
			f.order = append(f.order, r.Table.Name)
		}
	}
	return ctx.Err()
}

func (f *fakeTables) CountRows(_ context.Context, t store.Table) (int64, error) {
	return int64(len(f.rows[t.Name])) + f.extra[t.Name], nil
}

// seeded returns tables with n rows in terms and a few in others.
func seeded(n int) *fakeTables {
	f := newFakeTables()
	for i := range n {
		f.rows["terms"] = append(f.rows["terms"], []any{int64(i)})
	}
	f.rows["claims"] = [][]any{{"recap"}, {"sla:1"}}
	f.rows["metrics"] = [][]any{{"visits"}}
	return f
}

func TestCopy(t *testing.T) {
	src, dst := seeded(1000), newFakeTables() // more rows than the channel holds
	rep, err := store.Copy(context.Background(), src, dst)
	if err != nil {
		t.Fatalf("Copy: %v", err)
	}
	schema := store.Schema()
	if len(rep.Tables) != len(schema) || len(rep.Rows) != len(schema) {
		t.Fatalf("report = %+v, want every table of the schema", rep)
	}
	for i, tbl := range schema {
		if rep.Tables[i] != tbl.Name || rep.Rows[i] != int64(len(src.rows[tbl.Name])) {
			t.Errorf("report[%d] = %s %d, want %s %d", i, rep.Tables[i], rep.Rows[i], tbl.Name, len(src.rows[tbl.Name]))
		}
	}
	for name, rows := range src.rows {
		if fmt.Sprint(dst.rows[name]) != fmt.Sprint(rows) {
			t.Errorf("%s copied as %v, want %v", name, dst.rows[name], rows)
		}
	}
	if want := []string{"terms", "metrics", "claims"}; !slices.Equal(dst.order, want) {
		t.Errorf("rows arrived for %q, want %q (schema order)", dst.order, want)
	}
}

// A destination that holds data is refused, and the reader is not left
// blocked however many rows it had to send.
func TestCopyRefusesNonEmpty(t *testing.T) {
	src, dst := seeded(1000), newFakeTables()
	dst.rows["metrics"] = [][]any{{"mine"}}
	_, err := store.Copy(context.Background(), src, dst)
	if !errors.Is(err, store.ErrNotEmpty) {
		t.Fatalf("Copy into a non-empty store = %v, want ErrNotEmpty", err)
	}
	if len(dst.rows["terms"]) != 0 || len(dst.rows["metrics"]) != 1 {
		t.Fatalf("a refused Copy wrote %v", dst.rows)
	}
}

func TestCopyErrors(t *testing.T) {
	boom := errors.New("boom")
	t.Run("read", func(t *testing.T) {
		src := seeded(10)
		src.readErr = boom
		if _, err := store.Copy(context.Background(), src, newFakeTables()); !errors.Is(err, boom) || !strings.Contains(err.Error(), "read source") {
			t.Fatalf("Copy with a failing source = %v, want it, as reading the source", err)
		}
	})
	t.Run("write", func(t *testing.T) {
		dst := newFakeTables()
		dst.writeErr = boom
		if _, err := store.Copy(context.Background(), seeded(1000), dst); !errors.Is(err, boom) {
			t.Fatalf("Copy with a failing destination = %v, want its error", err)
		}
	})
	t.Run("verify", func(t *testing.T) {
		dst := newFakeTables()
		dst.extra["claims"] = 1 // a row the copy did not write
		_, err := store.Copy(context.Background(), seeded(3), dst)
		if err == nil || !strings.Contains(err.Error(), "claims") || !strings.Contains(err.Error(), "2 rows copied, destination holds 3") {
			t.Fatalf("Copy whose count does not match = %v, want the claims mismatch", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := store.Copy(ctx, seeded(1000), newFakeTables()); err == nil {
			t.Fatal("Copy with a cancelled context: no error")
		}
	})
}

// The schema is one the backends can keep and Copy can move.
func TestSchema(t *testing.T) {
	tables := store.Schema()
	seen := map[string]int{}
	for i, tbl := range tables {
		if _, dup := seen[tbl.Name]; dup || tbl.Name == "" {
			t.Errorf("table %d %q: names must be unique", i, tbl.Name)
		}
		seen[tbl.Name] = i
		cols := map[string]store.Kind{}
		for _, c := range tbl.Columns {
			if _, dup := cols[c.Name]; dup {
				t.Errorf("%s.%s twice", tbl.Name, c.Name)
			}
			cols[c.Name] = c.Kind
		}
		if len(cols) == 0 {
			t.Errorf("%s has no columns", tbl.Name)
		}
		if tbl.ID != "" {
			if k, ok := cols[tbl.ID]; !ok || k != store.Int || tbl.Columns[0].Name != tbl.ID {
				t.Errorf("%s: ID %q must be its first column, an Int", tbl.Name, tbl.ID)
			}
		}
	}
	// Parents before children, so that rows can be inserted in order.
	for child, parent := range map[string]string{"term_keys": "terms", "lead_reactions": "leads", "feedback": "leads", "meeting_agenda": "meetings",
		"meeting_actions": "meetings", "meeting_decisions": "meetings", "meeting_skips": "meetings", "insights": "personas"} {
		c, okc := seen[child]
		p, okp := seen[parent]
		if !okc || !okp || p > c {
			t.Errorf("%s must come after %s", child, parent)
		}
	}
	// Every call gives a fresh copy.
	tables[0].Name = "changed"
	if store.Schema()[0].Name != "terms" {
		t.Error("Schema() shares its tables with callers")
	}
}
