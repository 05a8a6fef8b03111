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

// termSettings stands for a terminal's settings, which cannot be read
// here.
type termSettings struct{}

var errNoSettings = errors.New("no terminal settings on this system")

func getTermSettings(*os.File) (*termSettings, error)      { return nil, errNoSettings }
func setTermSettings(*os.File, *termSettings) error        { return errNoSettings }
func withCtrlCAsInput(t termSettings, _ bool) termSettings { return t }

// ctrlCAsInput is not available here: the line editor handles Ctrl-C
// itself while it reads.
func ctrlCAsInput(f *os.File, endsLine bool) (func() error, error) {
	if endsLine {
		return nil, errNoSettings
	}
	return func() error { return nil }, nil
}

// terminalColumns reports no size: the line editor measures the console
// itself.
func terminalColumns(*os.File) (int, bool) { return 0, false }
