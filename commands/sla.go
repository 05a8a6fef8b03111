package commands

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"smarketing/store"
)

// The two-way SLA of SPEC §9: marketing commits to lead volume and
// quality, sales to speed, and both see the standing every week.

// slaCommand answers /sla.
func (h *Handler) slaCommand(ctx context.Context, req Request, shared bool) (Response, error) {
	text := strings.TrimSpace(req.Text)
	sub, rest, _ := strings.Cut(text, " ")
	switch strings.ToLower(sub) {
	case "":
		return h.slaStanding(ctx, shared)
	case "set":
		if shared {
			// A Share button's line comes back from the client: shared,
			// only the read-only answers run.
			return Response{}, userErrorf("Only `/sla` and `/sla history` can be shared.")
		}
		return h.slaSet(ctx, req, strings.TrimSpace(rest))
	case "history":
		return h.slaHistory(ctx, shared)
	case "help", "-h", "--help", "?":
		return textResponse(slaUsage), nil
	}
	return Response{}, userErrorf("I don't know `/sla %s`.\n%s", codeText(sub, 30), slaUsage)
}

const slaUsage = "*`/sla` — the service-level agreement between sales and marketing*\n" +
	"• `/sla` — what each side committed to, and this week's standing (:white_check_mark: met, :x: not met)\n" +
	"• `/sla set leads 40` — marketing delivers 40 leads a week (admins)\n" +
	"• `/sla set good 70%` — marketing: 70% of the ratings are good or hot (admins)\n" +
	"• `/sla set within 90%` — sales rates 90% of the leads within the SLA (admins)\n" +
	"• `/sla history` — every change, with who made it and when"

// commitment describes one commitment of the SLA.
type commitment struct {
	name, side, label string
	// actual returns the week's figure and false when there is nothing
	// to measure yet.
	actual func(s store.LeadStats) (float64, bool)
}

var commitments = []commitment{
	{store.SLALeads, "Marketing", "Leads delivered a week", func(s store.LeadStats) (float64, bool) { return float64(s.Posted), true }},
	{store.SLAGood, "Marketing", "Ratings good or hot", func(s store.LeadStats) (float64, bool) {
		v, ok := s.GoodShare()
		return v * 100, ok
	}},
	{store.SLAWithin, "Sales", "Leads rated within the SLA", func(s store.LeadStats) (float64, bool) {
		v, ok := s.SLAShare()
		return v * 100, ok
	}},
}

// targetText writes a target or a figure of a commitment: "40" or "70%".
func targetText(name string, v float64) string {
	if name == store.SLALeads {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64) + "%"
}

// percentText writes a measured share, rounded: "73%".
func percentText(name string, v float64) string {
	if name == store.SLALeads {
		return targetText(name, v)
	}
	return fmt.Sprintf("%.0f%%", v)
}

// score is one commitment's result in a period.
type score struct {
	c        commitment
	target   store.SLATarget
	actual   float64
	measured bool
}

// met reports whether the figure reached the target.
func (s score) met() bool { return s.measured && s.actual >= s.target.Target }

// mark is ✅, ❌, or ➖ when there is nothing to measure.
func (s score) mark() string {
	switch {
	case !s.measured:
		return ":heavy_minus_sign:"
	case s.met():
		return ":white_check_mark:"
	}
	return ":x:"
}

// figure is the measured figure, or why there is none.
func (s score) figure() string {
	if s.measured {
		return percentText(s.c.name, s.actual)
	}
	if s.c.name == store.SLAGood {
		return "no ratings yet"
	}
	return "no lead due yet"
}

// scores measures each commitment set in targets against s.
func scores(targets []store.SLATarget, s store.LeadStats) []score {
	byName := map[string]store.SLATarget{}
	for _, t := range targets {
		byName[t.Name] = t
	}
	var out []score
	for _, c := range commitments {
		t, ok := byName[c.name]
		if !ok {
			continue
		}
		v, measured := c.actual(s)
		out = append(out, score{c: c, target: t, actual: v, measured: measured})
	}
	return out
}

func (h *Handler) slaStanding(ctx context.Context, shared bool) (Response, error) {
	w, err := h.slaWeek(ctx)
	if err != nil {
		return Response{}, err
	}
	title := "Two-way SLA — this week (since " + w.start.Format("Mon 2 Jan") + ")"
	blocks := []Block{Header{Text: title}, Section{Text: strings.Join(w.body, "\n")}}
	lines := append([]string{title}, w.body...)
	if w.last != "" {
		blocks = append(blocks, Context{Texts: []string{w.last}})
		lines = append(lines, w.last)
	}
	note := fmt.Sprintf("The SLA for feedback is %s, %s. `/sla history` shows every change; admins change a target with `/sla set`.", h.slaText(1), h.clockWords())
	blocks = append(blocks, Context{Texts: []string{note}})
	if !shared {
		blocks = append(blocks, shareActions("/sla"))
	}
	return Response{Text: Truncate(strings.Join(lines, "\n"), 3900), Blocks: blocks}, nil
}

// slaWeek is this week's standing against the SLA targets: for each side
// what it commits to and how this week goes (body), and last week's
// figures in a line ("" when no target is set).
type slaWeek struct {
	start time.Time
	body  []string
	last  string
}

func (h *Handler) slaWeek(ctx context.Context) (slaWeek, error) {
	targets, err := h.db.SLATargets(ctx)
	if err != nil {
		return slaWeek{}, err
	}
	now := h.now()
	w := slaWeek{start: weekStart(now.In(h.loc))}
	cur, err := h.db.LeadStats(ctx, w.start, now.Add(time.Nanosecond), h.sla, now)
	if err != nil {
		return slaWeek{}, err
	}
	last, err := h.db.LeadStats(ctx, w.start.AddDate(0, 0, -7), w.start, h.sla, now)
	if err != nil {
		return slaWeek{}, err
	}
	set := map[string]bool{}
	for _, t := range targets {
		set[t.Name] = true
	}
	side := ""
	thisWeek := scores(targets, cur)
	for _, c := range commitments {
		if c.side != side {
			side = c.side
			w.body = append(w.body, "*"+side+" commits to*")
		}
		if !set[c.name] {
			w.body = append(w.body, fmt.Sprintf("• %s: _not set_ — `/sla set %s %s`", c.label, c.name, exampleTarget(c.name)))
			continue
		}
		for _, s := range thisWeek {
			if s.c.name == c.name {
				w.body = append(w.body, fmt.Sprintf("• %s: *%s* — this week %s %s%s", c.label, targetText(c.name, s.target.Target), s.figure(), s.mark(), h.soFar(s)))
			}
		}
	}
	if len(targets) > 0 {
		var parts []string
		for _, s := range scores(targets, last) {
			parts = append(parts, fmt.Sprintf("%s %s %s", s.c.name, s.figure(), s.mark()))
		}
		w.last = "Last week: " + strings.Join(parts, " · ")
	}
	return w, nil
}

// soFar notes that the week's lead count can still reach its target.
func (h *Handler) soFar(s score) string {
	if s.c.name == store.SLALeads && !s.met() {
		return " (so far; the week ends Sunday)"
	}
	return ""
}

func exampleTarget(name string) string {
	switch name {
	case store.SLALeads:
		return "40"
	case store.SLAGood:
		return "70%"
	}
	return "90%"
}

// parseTarget reads a target: a whole number of leads, or a percentage
// (the % sign is optional).
func parseTarget(name, text string) (float64, error) {
	t := strings.TrimSpace(text)
	pct := strings.HasSuffix(t, "%")
	t = strings.TrimSpace(strings.TrimSuffix(t, "%"))
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || t == "" || strings.ContainsAny(t, "eEnNxXpP_") {
		return 0, userErrorf("_%s_ is not a number. Try `/sla set %s %s`.", truncateEscaped(text, 30), name, exampleTarget(name))
	}
	if name == store.SLALeads {
		if pct || v != float64(int64(v)) || v < 0 || v > 100_000 {
			return 0, userErrorf("The leads target is a whole number of leads a week (0 to 100000), e.g. `/sla set leads 40`.")
		}
		return v, nil
	}
	if v < 0 || v > 100 {
		return 0, userErrorf("The %s target is a percentage from 0%% to 100%%, e.g. `/sla set %s %s`.", name, name, exampleTarget(name))
	}
	return v, nil
}

func (h *Handler) slaSet(ctx context.Context, req Request, text string) (Response, error) {
	fields := strings.Fields(text)
	if len(fields) != 2 {
		return Response{}, userErrorf("Say which commitment and its target: `/sla set leads 40`, `/sla set good 70%%` or `/sla set within 90%%`.")
	}
	name := strings.ToLower(fields[0])
	known := false
	for _, c := range commitments {
		known = known || c.name == name
	}
	if !known {
		return Response{}, userErrorf("There is no commitment _%s_: the SLA has `leads`, `good` and `within`, e.g. `/sla set good 70%%`.", truncateEscaped(fields[0], 30))
	}
	if !h.allowed(PermSetSLA, req.UserID, subject{}) {
		return Response{}, userErrorf("Only admins (`SMARKETING_ADMINS`) can change the SLA: both sides agree on the numbers first. `/sla` shows them.")
	}
	v, err := parseTarget(name, fields[1])
	if err != nil {
		return Response{}, err
	}
	current, err := h.db.SLATargets(ctx)
	if err != nil {
		return Response{}, err
	}
	was := ""
	for _, t := range current {
		if t.Name == name {
			if t.Target == v {
				return textResponse(fmt.Sprintf("The %s target is already *%s*: nothing changed.", name, targetText(name, v))), nil
			}
			was = fmt.Sprintf(" (was %s)", targetText(name, t.Target))
		}
	}
	saved, err := h.db.SetSLATarget(ctx, store.SLATarget{Name: name, Target: v, SetBy: req.UserID, SetByName: req.UserName})
	var re *store.RecordError
	if errors.As(err, &re) {
		return Response{}, userErrorf("That target cannot be stored: %s.", Escape(re.Msg))
	}
	if err != nil {
		return Response{}, err
	}
	msg := fmt.Sprintf(":handshake: The *%s* target is now *%s*%s. Everyone sees it in `/sla` and in the weekly recap.",
		saved.Name, targetText(saved.Name, saved.Target), was)
	return textResponse(msg), nil
}

// maxHistoryShown bounds the changes /sla history lists.
const maxHistoryShown = 30

func (h *Handler) slaHistory(ctx context.Context, shared bool) (Response, error) {
	hist, err := h.db.SLAHistory(ctx)
	if err != nil {
		return Response{}, err
	}
	title := "Two-way SLA — history"
	if len(hist) == 0 {
		return textResponse("*" + title + "*\nNo target has been set yet. An admin sets one with `/sla set leads 40`."), nil
	}
	var items []string
	for i, t := range hist {
		if i == maxHistoryShown {
			items = append(items, fmt.Sprintf("…and %d older changes (all of them are in `smarketing export`).", len(hist)-i))
			break
		}
		was := ""
		for _, older := range hist[i+1:] {
			if older.Name == t.Name {
				was = fmt.Sprintf(" (was %s)", targetText(t.Name, older.Target))
				break
			}
		}
		items = append(items, fmt.Sprintf("• %s — *%s* set to *%s*%s by %s", h.when(t.SetAt), t.Name, targetText(t.Name, t.Target), was, byline(t.SetBy, t.SetByName, shared)))
	}
	blocks := []Block{Header{Text: title}}
	for i := 0; i < len(items); i += 10 {
		blocks = append(blocks, Section{Text: Truncate(strings.Join(items[i:min(i+10, len(items))], "\n"), 3000)})
	}
	if !shared {
		blocks = append(blocks, shareActions("/sla history"))
	}
	return Response{Text: Truncate(title+"\n"+strings.Join(items, "\n"), 3900), Blocks: blocks}, nil
}

// recapScorecard is the recap's SLA scorecard: the period's result of each
// commitment, with the change against the period before.
func (h *Handler) recapScorecard(ctx context.Context, at time.Time, cur, prev store.LeadStats) ([]Block, error) {
	targets, err := h.db.SLATargetsAt(ctx, at)
	if err != nil || len(targets) == 0 {
		return nil, err
	}
	before := scores(targets, prev)
	var lines []string
	for i, s := range scores(targets, cur) {
		change := ""
		if p := before[i]; s.measured && p.measured {
			change = " " + delta(s.actual, p.actual)
		}
		lines = append(lines, fmt.Sprintf("%s %s (%s): target %s, got *%s*%s", s.mark(), s.c.label, strings.ToLower(s.c.side),
			targetText(s.c.name, s.target.Target), s.figure(), change))
	}
	return []Block{Divider{}, Section{Text: "*Two-way SLA* (change against the week before)\n" + strings.Join(lines, "\n")}}, nil
}
