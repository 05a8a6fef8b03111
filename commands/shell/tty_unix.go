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

// termSettings are a terminal's settings (termios).
type termSettings = unix.Termios

func getTermSettings(f *os.File) (*termSettings, error) {
	return unix.IoctlGetTermios(int(f.Fd()), ioctlGetTermios)
}

func setTermSettings(f *os.File, t *termSettings) error {
	return unix.IoctlSetTermios(int(f.Fd()), ioctlSetTermios, t)
}

// withCtrlCAsInput returns t with Ctrl-C arriving as the byte 0x03 instead
// of SIGINT (and Ctrl-\ and Ctrl-Z no longer signalling either); with
// endsLine, 0x03 also ends a line in canonical mode, as Enter does.
func withCtrlCAsInput(t termSettings, endsLine bool) termSettings {
	t.Lflag &^= unix.ISIG
	if endsLine {
		t.Cc[unix.VEOL] = ctrlC
	}
	return t
}

// ctrlCAsInput applies [withCtrlCAsInput] to the terminal f. It returns a
// function that restores the previous settings.
func ctrlCAsInput(f *os.File, endsLine bool) (func() error, error) {
	old, err := getTermSettings(f)
	if err != nil {
		return nil, err
	}
	t := withCtrlCAsInput(*old, endsLine)
	if err := setTermSettings(f, &t); err != nil {
		return nil, err
	}
	return func() error { return setTermSettings(f, old) }, nil
}

// terminalColumns returns the width the terminal f reports (0 for a
// terminal that reports none), and false if f has no size to ask.
func terminalColumns(f *os.File) (int, bool) {
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0, false
	}
	return int(ws.Col), true
}
