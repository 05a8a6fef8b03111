//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package shell

import (
	"os"

	"golang.org/x/sys/unix"
)

// isTerminal reports whether f is a terminal (not merely a character
// device such as /dev/null).
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), ioctlGetTermios)
	return err == nil
}

// ctrlCAsInput makes Ctrl-C on the terminal f arrive as the byte 0x03
// instead of SIGINT (and Ctrl-\ and Ctrl-Z no longer signal either); with
// endsLine, 0x03 also ends a line in canonical mode, as Enter does. It
// returns a function that restores the previous settings.
func ctrlCAsInput(f *os.File, endsLine bool) (func() error, error) {
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return nil, err
	}
	t := *old
	t.Lflag &^= unix.ISIG
	if endsLine {
		t.Cc[unix.VEOL] = ctrlC
	}
	if err := unix.IoctlSetTermios(fd, ioctlSetTermios, &t); err != nil {
		return nil, err
	}
	return func() error { return unix.IoctlSetTermios(fd, ioctlSetTermios, old) }, nil
}
