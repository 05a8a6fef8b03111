//go:build unix

package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"smarketing/store"
	"smarketing/store/sqlite"
)

// TestFileModes: every file the store creates (the database, its -wal and
// -shm, a backup and a copy's scratch files) is readable by its owner
// only, even under umask 022. Not parallel: the umask is the process's.
func TestFileModes(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	file := filepath.Join(dir, "smarketing.db")
	db := mustOpen(t, file)
	ctx := context.Background()
	if _, err := db.AddTerm(ctx, store.Term{Name: "MQL", Definition: "Ready for sales"}, ann); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "backup.db")
	if err := db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{file, file + "-wal", file + "-shm", backup} {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want -rw-------", filepath.Base(f), st.Mode().Perm())
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*tmp*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestBackupRefusesSymlink: a backup never writes through a symbolic
// link, even a dangling one, and leaves its target alone.
func TestBackupRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, filepath.Join(dir, "smarketing.db"))
	victim := filepath.Join(dir, "victim")
	for name, target := range map[string]string{"dangling.db": filepath.Join(dir, "nowhere"), "link.db": victim} {
		if err := os.WriteFile(victim, []byte("keep"), 0o600); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(dir, name)
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		err := db.Backup(context.Background(), link)
		if err == nil || !strings.Contains(err.Error(), "symbolic link") {
			t.Errorf("Backup to %s: %v, want a refused symbolic link", name, err)
		}
		if got, _ := os.ReadFile(victim); string(got) != "keep" {
			t.Errorf("Backup to %s wrote through the link: %q", name, got)
		}
		if _, err := os.Stat(filepath.Join(dir, "nowhere")); err == nil {
			t.Errorf("Backup to %s created the link's target", name)
		}
	}
}

// TestLockRunFile: the run lock beside the database is readable by its
// owner only, and a symbolic link in its place (dangling, or to a file the
// bot's user may write) is refused without touching the link's target:
// LockRun truncates and writes the file it opens.
func TestLockRunFile(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	file := filepath.Join(dir, "smarketing.db")
	unlock, err := sqlite.LockRun(file, "pid 1 on test")
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(file + ".lock")
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("lock file: mode %v, want -rw-------", st.Mode().Perm())
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}

	victim := filepath.Join(dir, "victim")
	for name, target := range map[string]string{"dangling.db": filepath.Join(dir, "nowhere"), "link.db": victim} {
		if err := os.WriteFile(victim, []byte("keep"), 0o600); err != nil {
			t.Fatal(err)
		}
		db := filepath.Join(dir, name)
		if err := os.Symlink(target, db+".lock"); err != nil {
			t.Fatal(err)
		}
		unlock, err := sqlite.LockRun(db, "pid 1 on test")
		if err == nil {
			unlock()
			t.Errorf("LockRun(%s) through a symbolic link: no error", name)
		} else if !strings.Contains(err.Error(), "symbolic link") {
			t.Errorf("LockRun(%s) = %v, want a refused symbolic link", name, err)
		}
		if got, _ := os.ReadFile(victim); string(got) != "keep" {
			t.Errorf("LockRun(%s) wrote through the link: %q", name, got)
		}
		if _, err := os.Lstat(filepath.Join(dir, "nowhere")); err == nil {
			t.Errorf("LockRun(%s) created the link's target", name)
		}
	}
}
