//go:build unix

package transfer_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"smarketing/commands/transfer"
	"smarketing/store"
	"smarketing/store/sqlite"
)

// TestExportFile: export -o writes a new file readable by its owner only
// (under umask 022 too), refuses an existing file unless forced, a
// symbolic link always, and the live database's files always, by
// whatever name. Not parallel: the umask is the process's.
func TestExportFile(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	db := openDB(t)
	mustAddTerm(t, db, store.Term{Name: "MQL", Definition: "Marketing qualified lead"})
	dir := t.TempDir()
	live := filepath.Join(dir, "live.db")
	protect := sqlite.Files(live)
	for _, f := range protect[:3] { // the database, -wal and -shm; no -journal
		if err := os.WriteFile(f, []byte("database "+f), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Link(live, filepath.Join(dir, "hard.json")))
	must(os.Symlink(live, filepath.Join(dir, "link.json")))
	must(os.Symlink(live+"-wal", filepath.Join(dir, "wal-link.json")))
	must(os.Mkdir(filepath.Join(dir, "sub"), 0o700))
	must(os.Symlink(dir, filepath.Join(dir, "alias")))
	other := filepath.Join(dir, "other.json")
	must(os.WriteFile(other, []byte("keep"), 0o600))
	must(os.Symlink(other, filepath.Join(dir, "other-link.json")))
	must(os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, "dangling.json")))

	tests := []struct {
		name  string
		file  string
		force bool
		want  string // in the error; "" for success
	}{
		{"new file", "new.json", false, ""},
		{"existing file", "other.json", false, "already exists; add --force"},
		{"the database", "live.db", true, "is the live database"},
		{"through another path", "sub/../live.db", true, "is the live database"},
		{"through a directory alias", "alias/live.db", true, "is the live database"},
		{"a hard link", "hard.json", true, "is the live database"},
		{"a symbolic link to it", "link.json", true, "is the live database"},
		{"its WAL", "wal-link.json", true, "is the live database"},
		{"its journal, not there yet", "alias/live.db-journal", false, "is the live database"},
		{"a symbolic link", "other-link.json", true, "symbolic link"},
		{"a dangling symbolic link", "dangling.json", true, "symbolic link"},
		{"forced over a file", "other.json", true, ""},
	}
	for _, tc := range tests {
		file := filepath.Join(dir, tc.file)
		before, _ := os.ReadFile(file)
		var out bytes.Buffer
		err := transfer.Export(context.Background(), db, file, &out, transfer.ExportOptions{Force: tc.force, Protect: protect})
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			got, _ := os.ReadFile(file)
			if !bytes.Equal(got, exportJSON(t, db)) {
				t.Errorf("%s: file = %q", tc.name, got)
			}
			if st, err := os.Lstat(file); err != nil || st.Mode() != 0o600 {
				t.Errorf("%s: mode %v (%v), want -rw-------", tc.name, st.Mode(), err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v; want one line with %q", tc.name, err, tc.want)
		}
		if after, _ := os.ReadFile(file); !bytes.Equal(after, before) {
			t.Errorf("%s: the file changed to %q", tc.name, after)
		}
	}
	for _, f := range protect[:3] {
		if got, _ := os.ReadFile(f); string(got) != "database "+f {
			t.Errorf("%s was written: %q", f, got)
		}
	}
	if _, err := os.Lstat(protect[3]); err == nil {
		t.Errorf("%s was created", protect[3])
	}
	if _, err := os.Lstat(filepath.Join(dir, "nowhere")); err == nil {
		t.Error("the dangling link's target was created")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
