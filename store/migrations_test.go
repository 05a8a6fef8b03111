package store_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"smarketing/store"
)

func TestReadMigrations(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	ms, err := store.ReadMigrations(fstest.MapFS{
		"m/0010_ten.sql": file("ten"), "m/0002_two.sql": file("two"), "m/0001_one.sql": file("one"),
	}, "m")
	if err != nil || len(ms) != 3 || ms[0].Version != 1 || ms[1].Version != 2 || ms[2].Version != 10 ||
		ms[2].Name != "0010_ten.sql" || ms[2].SQL != "ten" {
		t.Fatalf("ReadMigrations = %+v, %v; want 1, 2, 10 in order with their names and text", ms, err)
	}
	for _, tc := range []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"no number", fstest.MapFS{"m/init.sql": file("x")}, "must start with a number"},
		{"no underscore", fstest.MapFS{"m/0001.sql": file("x")}, "must start with a number"},
		{"same number", fstest.MapFS{"m/0001_a.sql": file("a"), "m/0001_b.sql": file("b")}, "same number"},
		{"no directory", fstest.MapFS{}, "m"},
	} {
		if _, err := store.ReadMigrations(tc.fsys, "m"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ReadMigrations error %v, want it to say %q", tc.name, err, tc.want)
		}
	}
}
