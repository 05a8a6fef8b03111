//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package shell

import (
	"errors"
	"os"
)

// isTerminal reports whether f is a console, as well as the file mode
// tells it.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// ctrlCAsInput is not available here: the line editor handles Ctrl-C
// itself while it reads.
func ctrlCAsInput(f *os.File, endsLine bool) (func() error, error) {
	if endsLine {
		return nil, errors.New("no terminal settings on this system")
	}
	return func() error { return nil }, nil
}
