package shell

import (
	"bufio"
	"bytes"
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
	r      io.ByteReader
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
//
// liner needs the prompt plus 10 columns; on a narrower terminal, and on
// one that reports no size at all (0×0: script(1), some CI and container
// terminals), it reads the line with the terminal's settings from before
// it started, where Ctrl-C raises SIGINT and would end the shell. The
// editor reads such lines itself instead, in canonical mode with Ctrl-C
// as input that ends the line (as cookedTerminal does), so Ctrl-C always
// cancels only the line or the form.
type editor struct {
	st     *liner.State
	cooked *termSettings // the terminal's settings before liner; nil if unknown
	// known is the width liner last measured (at its start and at the
	// start of each prompt it edits): liner decides by it, not by the
	// width now.
	known int
}

// minWorkingSpace is the room liner needs beside the prompt.
const minWorkingSpace = 10

func newEditor() (*editor, error) {
	cooked, err := getTermSettings(os.Stdin)
	if err != nil {
		cooked = nil // the editor then always leaves narrow terminals to liner
	}
	st, err := startLiner()
	if err != nil {
		return nil, err
	}
	e := &editor{st: st, cooked: cooked}
	e.known, _ = terminalColumns(os.Stdout)
	return e, nil
}

// startLiner puts the terminal in liner's mode.
func startLiner() (*liner.State, error) {
	st := liner.NewLiner()
	st.SetCtrlCAborts(true)
	// liner turns Ctrl-C into input only while it reads a line; a Ctrl-C
	// pressed while a command runs would otherwise end the shell. Close
	// puts back the terminal's settings from before NewLiner.
	if _, err := ctrlCAsInput(os.Stdin, false); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
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
	if cols, ok := terminalColumns(os.Stdout); ok && e.cooked != nil {
		need := promptWidth(prompt) + minWorkingSpace
		if cols < need {
			return e.readCooked(prompt)
		}
		if e.known < need {
			// The terminal grew since liner last measured it, and liner
			// would still take it for too narrow: a new liner measures
			// it again.
			if err := e.restart(); err != nil {
				return "", err
			}
		}
	}
	line, err := e.st.Prompt(prompt)
	e.known, _ = terminalColumns(os.Stdout)
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

// promptWidth is how many columns prompt takes at most: a rune outside
// ASCII counts as two, so that liner never finds less room than this.
func promptWidth(prompt string) int {
	n := 0
	for _, r := range prompt {
		if r < 127 {
			n++
		} else {
			n += 2
		}
	}
	return n
}

// readCooked reads one line in the terminal's settings from before liner,
// with Ctrl-C as input that ends and cancels the line, then puts liner's
// settings back. It reads a byte at a time: in canonical mode a read
// returns at most the rest of the line, so nothing after it is taken
// from liner, which reads the next lines.
func (e *editor) readCooked(prompt string) (string, error) {
	now, err := getTermSettings(os.Stdin)
	if err != nil {
		return "", err
	}
	t := withCtrlCAsInput(*e.cooked, true)
	if err := setTermSettings(os.Stdin, &t); err != nil {
		return "", err
	}
	defer setTermSettings(os.Stdin, now)
	r := &plainReader{r: byteReader{os.Stdin}, prompt: os.Stdout, ctrlC: true}
	return r.ReadLine(prompt)
}

// restart starts liner again, with the history it had.
func (e *editor) restart() error {
	var hist bytes.Buffer
	if _, err := e.st.WriteHistory(&hist); err != nil {
		return err
	}
	if err := e.st.Close(); err != nil {
		return err
	}
	st, err := startLiner()
	if err != nil {
		return err
	}
	if _, err := st.ReadHistory(&hist); err != nil {
		st.Close()
		return err
	}
	e.st = st
	e.known, _ = terminalColumns(os.Stdout)
	return nil
}

// byteReader reads a file a byte at a time, unbuffered.
type byteReader struct{ f *os.File }

func (b byteReader) ReadByte() (byte, error) {
	var c [1]byte
	for {
		n, err := b.f.Read(c[:])
		if n == 1 {
			return c[0], nil
		}
		if err != nil {
			return 0, err
		}
	}
}

// remember adds a command line to the history that the up arrow recalls.
func (e *editor) remember(line string) { e.st.AppendHistory(line) }

func (e *editor) Close() error { return e.st.Close() }

func newBufReader(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(r, 64<<10) }
