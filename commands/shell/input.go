package shell

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"

	"github.com/peterh/liner"
)

// MaxLine is the longest input line the shell reads, in bytes; a longer
// one is refused with a message and the shell goes on.
const MaxLine = 1 << 20

// errInterrupted is what reading a line returns when Ctrl-C was pressed.
var errInterrupted = errors.New("interrupted")

// tooLongError is a line longer than MaxLine; the line was read to its end
// and dropped.
type tooLongError struct{ size int }

func (e *tooLongError) Error() string {
	return fmt.Sprintf("line of %d bytes is longer than %d", e.size, MaxLine)
}

// lineReader reads one line of input after showing prompt. It returns
// io.EOF at the end of input (Ctrl-D on a terminal), errInterrupted for
// Ctrl-C and a *tooLongError for a line over MaxLine.
type lineReader interface {
	ReadLine(prompt string) (string, error)
	Close() error
}

// plainReader reads lines from a pipe or a file, or from a terminal that
// does the editing itself (canonical mode). With prompt set it shows the
// prompts; with ctrlC set a Ctrl-C byte ends the line and cancels it (see
// cookedTerminal).
type plainReader struct {
	r      *bufio.Reader
	prompt io.Writer // nil: no prompts
	ctrlC  bool
	close  func() error
}

func (p *plainReader) ReadLine(prompt string) (string, error) {
	if p.prompt != nil {
		fmt.Fprint(p.prompt, prompt)
	}
	var line []byte
	size := 0
	for {
		c, err := p.r.ReadByte()
		if err == io.EOF && size > 0 {
			break // a last line without a newline
		}
		if err != nil {
			return "", err
		}
		if c == '\n' {
			break
		}
		if c == ctrlC && p.ctrlC {
			if p.prompt != nil {
				// The terminal echoed ^C but no newline.
				fmt.Fprintln(p.prompt)
			}
			return "", errInterrupted
		}
		// Only the first MaxLine bytes are kept: a runaway line costs no
		// more memory than an allowed one.
		if size++; size <= MaxLine {
			line = append(line, c)
		}
	}
	if size > MaxLine {
		return "", &tooLongError{size}
	}
	return strings.TrimSuffix(string(line), "\r"), nil
}

func (p *plainReader) Close() error {
	if p.close != nil {
		return p.close()
	}
	return nil
}

const ctrlC = 0x03

// cookedTerminal reads from a terminal that edits the line itself (when
// stdout is not a terminal, or TERM is dumb). Ctrl-C is made an ordinary
// character that also ends the line (VEOL) instead of a signal, so that it
// cancels the line rather than the shell.
func cookedTerminal(in *os.File, prompt io.Writer) (*plainReader, error) {
	restore, err := ctrlCAsInput(in, true)
	if err != nil {
		return nil, err
	}
	return &plainReader{r: bufio.NewReader(in), prompt: prompt, ctrlC: true, close: restore}, nil
}

// editor is a line editor on a terminal (peterh/liner): arrow keys,
// history, Ctrl-C to cancel the line, Ctrl-D to leave.
type editor struct{ st *liner.State }

func newEditor() (*editor, error) {
	st := liner.NewLiner()
	st.SetCtrlCAborts(true)
	// liner turns Ctrl-C into input only while it reads a line; a Ctrl-C
	// pressed while a command runs would otherwise end the shell. Close
	// puts back the terminal's settings from before NewLiner.
	if _, err := ctrlCAsInput(os.Stdin, false); err != nil {
		st.Close()
		return nil, err
	}
	return &editor{st: st}, nil
}

func (e *editor) ReadLine(prompt string) (string, error) {
	// liner refuses a prompt with any rune of Unicode's C categories,
	// format characters (a soft hyphen, an emoji joiner) included, and a
	// form shows stored values in its prompts.
	prompt = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.C, r) {
			return -1
		}
		return r
	}, prompt)
	line, err := e.st.Prompt(prompt)
	switch {
	case errors.Is(err, liner.ErrPromptAborted):
		return "", errInterrupted
	case err != nil:
		return "", err
	case len(line) > MaxLine:
		return "", &tooLongError{len(line)}
	}
	return line, nil
}

// remember adds a command line to the history that the up arrow recalls.
func (e *editor) remember(line string) { e.st.AppendHistory(line) }

func (e *editor) Close() error { return e.st.Close() }

func newBufReader(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(r, 64<<10) }
