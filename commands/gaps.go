package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"smarketing/store"
)

// Glossary gaps (SPEC §8): every /term lookup that finds nothing is
// counted by its text as the glossary normalises names ([store.Key]), per
// day in the configured zone; /term gaps lists the most asked; the "no
// match" answer offers to tell the asker when someone defines it.

// gapsWindow is how many days /term gaps looks back, today included.
const gapsWindow = 30

// maxGapLines bounds the gaps one answer lists: each line is at most
// about 430 characters (an 80-character key of escaped "&"), so they fit
// in 45 sections of 2,900 and the fallback text says how many more.
const maxGapLines = 40

// recapGaps is how many missing terms the recap names.
const recapGaps = 5

// day is the date of t in the configured zone, as the store keeps days.
func (h *Handler) day(t time.Time) string { return t.In(h.loc).Format(store.DayLayout) }

// countGap returns the write that counts a lookup of name that found
// nothing, or nil for a name nobody could add (empty, or longer than a
// name may be). It runs after the answer: see [Response.Later].
func (h *Handler) countGap(name string) func(context.Context) error {
	key := store.Key(name)
	if key == "" || utf8.RuneCountInString(name) > MaxTermName {
		return nil
	}
	day := h.day(h.now())
	return func(ctx context.Context) error { return h.db.CountGap(ctx, key, day) }
}

// requestDefinition handles a click on Request a definition.
func (h *Handler) requestDefinition(ctx context.Context, a Action) (Response, error) {
	key := store.Key(a.Value)
	if key == "" || utf8.RuneCountInString(key) > MaxTermName {
		return Response{}, fmt.Errorf("request button value %q", a.Value)
	}
	if t, err := h.db.Term(ctx, key); err == nil {
		// Defined since the answer with the button was shown.
		return savedNote(fmt.Sprintf("Someone defined *%s* in the meantime:", Escape(key)), h.termCard(t, a.UserID, false)), nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return Response{}, err
	}
	if _, err := h.db.RequestDefinition(ctx, key, a.UserID); err != nil {
		return Response{}, err
	}
	// The same answer for a second click: the request stands once.
	return textResponse(fmt.Sprintf("Noted — you'll get a DM when someone defines *%s*.", truncateEscaped(key, 100))), nil
}

// Answered returns the direct messages owed to those who asked for a
// definition that a term now gives, each with the term's card; the
// requests are taken, so each message is owed once. The bot calls it after
// a term was added or edited ([Response.Notify]) and every so often, for
// terms that came some other way (an import, another instance).
func (h *Handler) Answered(ctx context.Context) ([]DM, error) {
	reqs, err := h.db.TakeAnswered(ctx)
	if err != nil || len(reqs) == 0 {
		return nil, err
	}
	type owed struct {
		user string
		term int64
	}
	seen := map[owed]bool{}
	var dms []DM
	for _, r := range reqs {
		t, err := h.db.Term(ctx, r.Key)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted again in between: nothing to show
		}
		if err != nil {
			return dms, err
		}
		if o := (owed{r.User, t.ID}); seen[o] {
			continue // asked for the name and an alias: one message
		} else {
			seen[o] = true
		}
		card := h.termCard(t, r.User, false)
		note := fmt.Sprintf(":bulb: You asked for a definition of *%s*: here it is.", truncateEscaped(r.Key, 100))
		dms = append(dms, DM{User: r.User, Message: savedNote(note, card)})
	}
	return dms, nil
}

// termGaps is /term gaps.
func (h *Handler) termGaps(ctx context.Context, shared bool) (Response, error) {
	now := h.now().In(h.loc)
	from, to := h.day(now.AddDate(0, 0, -(gapsWindow-1))), h.day(now)
	gaps, total, err := h.db.Gaps(ctx, from, to, maxGapLines)
	if err != nil {
		return Response{}, err
	}
	if total == 0 {
		return textResponse(fmt.Sprintf("No missing terms in the last %d days: every `/term` lookup found something.", gapsWindow)), nil
	}
	title := fmt.Sprintf("*Most-asked missing terms* — last %d days", gapsWindow)
	lines := gapLines(gaps)
	footer := "Add one with `/term add NAME = DEFINITION`; whoever asked for it gets a DM."
	if more := total - len(gaps); more > 0 {
		footer = fmt.Sprintf("…and %d more. %s", more, footer)
	}
	resp := renderGroups(title, []listGroup{{title: "Asked for, not found", items: lines, sep: "\n"}}, footer)
	if !shared {
		resp.Blocks = append(resp.Blocks, shareActions("/term gaps"))
	}
	return resp, nil
}

// gapLines are the gaps as list lines, escaped: "1. *mql* — 4 lookups".
func gapLines(gaps []store.Gap) []string {
	lines := make([]string, len(gaps))
	for i, g := range gaps {
		lines[i] = fmt.Sprintf("%d. *%s* — %d lookup%s", i+1, truncateEscaped(g.Key, 100), g.Asked, plural(int(g.Asked)))
	}
	return lines
}

// recapGlossary is the recap's Glossary part (SPEC §8): how many terms
// and personas are agreed, pending, disputed and due for review, and the
// most-asked missing terms of the recap's week (the seven days from the
// day it starts on); nothing when there is no term, persona or gap.
func (h *Handler) recapGlossary(ctx context.Context, from time.Time) ([]Block, error) {
	var parts []string
	for _, k := range []kindOps{termOps, personaOps} {
		all, err := k.all(ctx, h)
		if err != nil {
			return nil, err
		}
		if len(all) == 0 {
			continue
		}
		agreed, pending, disputed, due := h.statusCounts(all)
		parts = append(parts, fmt.Sprintf("%s: %d agreed · %d pending · %d disputed · %d due for review",
			map[string]string{store.KindTerm: "Terms", store.KindPersona: "Personas"}[k.kind], agreed, pending, disputed, due))
	}
	first := from.In(h.loc)
	gaps, total, err := h.db.Gaps(ctx, h.day(first), h.day(first.AddDate(0, 0, 6)), recapGaps)
	if err != nil {
		return nil, err
	}
	if len(gaps) > 0 {
		text := "Most-asked missing terms: " + strings.Join(gapNames(gaps), ", ")
		if more := total - len(gaps); more > 0 {
			text += fmt.Sprintf(" and %d more (`/term gaps`)", more)
		}
		parts = append(parts, text)
	}
	if len(parts) == 0 {
		return nil, nil
	}
	return []Block{Divider{}, Section{Text: Truncate("*Glossary*\n"+strings.Join(parts, "\n"), 3000)}}, nil
}

// gapNames are the gaps for one line: "*mql* (4)".
func gapNames(gaps []store.Gap) []string {
	out := make([]string, len(gaps))
	for i, g := range gaps {
		out[i] = fmt.Sprintf("*%s* (%d)", truncateEscaped(g.Key, 100), g.Asked)
	}
	return out
}
