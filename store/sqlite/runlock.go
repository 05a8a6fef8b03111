package sqlite

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"

	"smarketing/store/safefile"
)

// ErrInUse is returned by [LockRun] when another process runs the bot on
// the same file.
var ErrInUse = errors.New("in use by another smarketing run")

// LockRun makes sure only one bot runs on the SQLite database at file:
// SQLite has one writer and the bot's timed posts and event ids assume one
// instance, so a second one would only post twice. It takes an exclusive
// lock on file+".lock" (never the database file itself, whose locks are
// SQLite's) and writes owner in it; the lock goes when the process ends,
// however it ends. The lock file is readable by its owner only and never
// opened through a symbolic link: LockRun empties and writes the file it
// opens, so a link planted in its place must not aim that at another file. It returns an error wrapping [ErrInUse], naming the
// owner, if another process holds it. unlock releases it.
func LockRun(file, owner string) (unlock func() error, err error) {
	file = strings.TrimPrefix(file, "sqlite:")
	name := file + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, safefile.Mode)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("lock %s: %w", file, &safefile.SymlinkError{Path: name})
	}
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", file, err)
	}
	// A lock file made by an older version, or under another umask, may
	// be readable by others; and a FIFO or device is no lock file.
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("lock %s: %s is not a regular file", file, name)
	}
	if err := f.Chmod(safefile.Mode); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", file, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		held, _ := os.ReadFile(name)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			who := strings.TrimSpace(string(held))
			if who == "" {
				who = "a process that has not said who it is yet"
			}
			return nil, fmt.Errorf("%s is %w (%s); stop it first, or use PostgreSQL to run several instances", file, ErrInUse, who)
		}
		return nil, fmt.Errorf("lock %s: %w", file, err)
	}
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", file, err)
	}
	if _, err := f.WriteAt([]byte(owner+"\n"), 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", file, err)
	}
	return func() error {
		// Emptied first: a stale name in the file would mislead nobody
		// (only a held lock refuses), but an empty one says "free".
		f.Truncate(0)
		return f.Close()
	}, nil
}
