// Package safefile writes the files the binary makes (the SQLite database,
// backups, exports) so that only their owner can read them, whatever the
// umask, and never through a symbolic link: a new file is created
// exclusively (O_EXCL) beside its target and renamed or linked into place.
package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Mode is the permission of every file the binary creates.
const Mode fs.FileMode = 0o600

// ErrExists is returned by [WriteFile] (without overwrite) and [Commit]
// when the target already exists.
var ErrExists = errors.New("already exists")

// SymlinkError is a target that is a symbolic link, which is never written
// through.
type SymlinkError struct{ Path string }

func (e *SymlinkError) Error() string {
	return fmt.Sprintf("%s is a symbolic link, which is never written through; name the file itself", e.Path)
}

// CheckTarget returns a [*SymlinkError] if path is a symbolic link (even a
// dangling one), and reports whether path exists.
func CheckTarget(path string) (exists bool, err error) {
	st, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, err
	case st.Mode()&fs.ModeSymlink != 0:
		return true, &SymlinkError{path}
	}
	return true, nil
}

// CreateNew creates the empty file path with [Mode] if it does not exist
// yet, and leaves an existing one alone. It returns a [*SymlinkError] for a
// symbolic link.
func CreateNew(path string) error {
	if exists, err := CheckTarget(path); exists || err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, Mode)
	if errors.Is(err, fs.ErrExist) {
		return nil // made meanwhile by another process: it is theirs
	}
	if err != nil {
		return err
	}
	// The umask may have taken bits from Mode, but never adds any; Chmod
	// sets exactly Mode.
	return errors.Join(f.Chmod(Mode), f.Close())
}

// Temp creates a new empty file with [Mode] in the directory of path, with
// a name no other file has, for a copy that [Commit] then names path.
func Temp(path string) (string, error) {
	f, err := tempFile(path)
	if err != nil {
		return "", err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// tempFile is [Temp], open for writing (os.CreateTemp opens with O_EXCL).
func tempFile(path string) (*os.File, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, err
	}
	// The umask may have taken bits from Mode, but never adds any; Chmod
	// sets exactly Mode.
	if err := f.Chmod(Mode); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return f, nil
}

// Commit gives tmp, a file that [Temp] made for path, the name path. With
// overwrite, an existing path is replaced (rename: the link itself is
// never followed); without, it returns [ErrExists] and path is left as it
// is. Either way a symbolic link at path is refused ([*SymlinkError]).
// On success tmp is gone; on error the caller removes it.
func Commit(tmp, path string, overwrite bool) error {
	exists, err := CheckTarget(path)
	if err != nil {
		return err
	}
	if overwrite {
		if err := os.Rename(tmp, path); err != nil {
			return err
		}
		syncDir(path)
		return nil
	}
	if exists {
		return ErrExists
	}
	// A hard link names the copy only if the name is still free; where the
	// file system has none, rename after looking again.
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return ErrExists
		}
		if exists, err := CheckTarget(path); exists || err != nil {
			return errors.Join(err, ErrExists)
		}
		if err := os.Rename(tmp, path); err != nil {
			return err
		}
	} else {
		os.Remove(tmp)
	}
	syncDir(path)
	return nil
}

// WriteFile writes data to path through a temporary file in its directory
// that is flushed to disk before it is named path: a reader sees the old
// file or the whole new one, never a part. It returns [ErrExists] for an
// existing path unless overwrite, and a [*SymlinkError] for a symbolic
// link, with or without overwrite.
func WriteFile(path string, data []byte, overwrite bool) (err error) {
	if exists, err := CheckTarget(path); err != nil {
		return err
	} else if exists && !overwrite {
		return ErrExists
	}
	f, err := tempFile(path)
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return Commit(tmp, path, overwrite)
}

// syncDir flushes the directory of path, so that its new name survives a
// crash; a file system that cannot is left as it is.
func syncDir(path string) {
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
}

// Same returns the first of files that path names too: the same file
// (by device and inode, so through another path, a hard link or a
// symbolic link), or, where path does not exist yet, the same name in the
// same directory once symbolic links in the directories are resolved.
func Same(path string, files ...string) (string, bool) {
	st, err := os.Stat(path)
	if err == nil {
		for _, f := range files {
			if fst, err := os.Stat(f); err == nil && os.SameFile(st, fst) {
				return f, true
			}
		}
		return "", false
	}
	name := canonical(path)
	for _, f := range files {
		if canonical(f) == name {
			return f, true
		}
	}
	return "", false
}

// canonical is path absolute, with its directory's symbolic links
// resolved (as far as they exist).
func canonical(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	dir, base := filepath.Split(abs)
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	return filepath.Join(dir, base)
}
