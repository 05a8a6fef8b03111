package transfer

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// progressFrom is the smallest import that shows progress: smaller ones are
// over before anyone could read it.
const progressFrom = 1000

// progress shows how far an import is: on a terminal one bar redrawn in
// place, elsewhere (a log file, CI) a count line every 10%.
type progress struct {
	w        io.Writer // nil: show nothing
	terminal bool
	shown    int // the last step drawn: percent on a terminal, tens of percent elsewhere
	drawn    bool
}

func newProgress(w io.Writer, terminal bool) *progress {
	return &progress{w: w, terminal: terminal, shown: -1}
}

// update is a [store.ImportOptions.Progress] callback.
func (p *progress) update(done, total int) {
	if p.w == nil || total < progressFrom {
		return
	}
	if p.terminal {
		// Redraw once per percent, not once per record.
		if pct := done * 100 / total; pct != p.shown {
			p.shown = pct
			p.drawn = true
			fmt.Fprintf(p.w, "\rimporting %s %s/%s", bar(done, total, 24), thousands(done), thousands(total))
		}
		return
	}
	if step := done * 10 / total; step > p.shown && step > 0 {
		p.shown = step
		fmt.Fprintf(p.w, "importing: %s/%s records (%d%%)\n", thousands(done), thousands(total), done*100/total)
	}
}

// finish ends the bar's line, so what comes next starts on a fresh one.
func (p *progress) finish() {
	if p.w != nil && p.terminal && p.drawn {
		fmt.Fprintln(p.w)
	}
}

// bar draws done/total as width cells.
func bar(done, total, width int) string {
	full := 0
	if total > 0 {
		full = min(width, done*width/total)
	}
	return strings.Repeat("█", full) + strings.Repeat("░", width-full)
}

// IsTerminal reports whether w is a terminal (a character device), where
// progress can be redrawn in place.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Stat() (os.FileInfo, error) })
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
