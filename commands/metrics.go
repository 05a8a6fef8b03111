package commands

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"smarketing/store"
)

// metricsStore is what /metrics needs from the database.
type metricsStore interface {
	SetMetric(ctx context.Context, m store.Metric) error
	Metrics(ctx context.Context, from, to store.ISOWeek) ([]store.Metric, error)
}

// MaxMetricName is the longest metric name, in characters, after
// normalising.
const MaxMetricName = 40

// maxSignificant bounds the digits of a metric value: float64 keeps 15
// significant decimal digits exactly, so what is shown is what was typed.
const maxSignificant = 15

// listWeeks is how many weeks /metrics list shows, this one included.
const listWeeks = 8

const metricsExample = "`/metrics set website-visits 4210`"

const metricsUsage = "*`/metrics` — the marketing numbers in the weekly recap*\n" +
	"• `/metrics` — a preview of the weekly recap as it would be posted now (lead feedback, these numbers, glossary changes, meetings)\n" +
	"• `/metrics 2026-W47` — one ISO week's numbers and their change against the week before\n" +
	"• `/metrics set NAME VALUE` — record a number for this week, e.g. " + metricsExample + "\n" +
	"• `/metrics set NAME VALUE YYYY-Www` — for another ISO week (up to next week), e.g. `/metrics set mql-rate 12.5% 2026-W47`\n" +
	"• `/metrics list` — everything recorded in the last 8 weeks, newest first\n" +
	"Names become kebab-case (`Website Visits` → `website-visits`; a–z, digits and hyphens, at most 40 characters). " +
	"Values are numbers: `4210`, `4,210`, `4 210`, `-3.5`, `12.5%`. Setting a name again for the same week replaces its number."

func (h *Handler) metrics(ctx context.Context, req Request, shared bool) (Response, error) {
	text := strings.TrimSpace(req.Text)
	sub, rest := splitWord(text)
	thisWeek := store.WeekOf(h.now().In(h.loc))
	switch strings.ToLower(sub) {
	case "":
		return h.recapPreview(ctx, shared)
	case "help", "-h", "--help", "?":
		return textResponse(metricsUsage), nil
	case "list", "ls":
		return h.metricsList(ctx, thisWeek, shared)
	case "set", "add", "record":
		if shared {
			// Share buttons only carry read-only command lines.
			return Response{}, userErrorf("Only `/metrics` and `/metrics list` can be shared.")
		}
		return h.metricsSet(ctx, req, rest, thisWeek)
	}
	if rest == "" && weekArg.MatchString(sub) {
		w, err := parseWeekArg(sub, thisWeek)
		if err != nil {
			return Response{}, err
		}
		return h.metricsPreview(ctx, w, thisWeek, shared)
	}
	msg := fmt.Sprintf("I don't know `/metrics %s`.", truncateEscaped(text, 80))
	if _, err := parseSetArgs(text); err == nil {
		msg += fmt.Sprintf(" To record a number, start with *set*: `/metrics set %s`.", truncateEscaped(text, 80))
	}
	return textResponse(msg + "\n" + metricsUsage), nil
}

// setArgs is a parsed "/metrics set" line.
type setArgs struct {
	name  string // normalised
	typed string // the name as typed
	value float64
	unit  string // "%" or ""
	week  string // as typed; "" for this week
}

// weekArg matches what may be a week: "2026-W48", "2026w48", or "W48" for
// the latest such week.
var weekArg = regexp.MustCompile(`^(?:\d{4}-?)?[Ww]\d{1,2}$`)

// maxValueWords is how many words a value may span: five groups of three
// digits ("123 456 789 012 345") and a "%" on its own.
const maxValueWords = 6

// parseSetArgs reads "NAME VALUE [WEEK]". The name may have spaces and be
// quoted; the value is the longest run of words at the end that reads as a
// number, so "leads 1 200" is leads = 1,200 (quote the name, "leads 1" 200,
// for the other reading).
func parseSetArgs(s string) (setArgs, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return setArgs{}, userErrorf("Tell me the metric and its number, e.g. %s.", metricsExample)
	}
	var rawName string
	var words []string
	minName := 1 // words the name needs at the front of words
	if r, size := utf8.DecodeRuneInString(s); strings.ContainsRune(`"“”`, r) {
		after := s[size:]
		if end := strings.IndexAny(after, `"“”`); end >= 0 {
			_, q := utf8.DecodeRuneInString(after[end:])
			rawName, words, minName = after[:end], strings.Fields(after[end+q:]), 0
		}
	}
	if minName == 1 {
		words = strings.Fields(s)
	}
	if len(words) < minName+1 {
		if _, _, err := parseMetricValue(s); err == nil {
			return setArgs{}, userErrorf("Tell me the metric's name before its number, e.g. %s.", metricsExample)
		}
		return setArgs{}, userErrorf("Give a number after the name, e.g. %s.", metricsExample)
	}
	var a setArgs
	if last := words[len(words)-1]; len(words) >= minName+2 && weekArg.MatchString(last) {
		a.week, words = last, words[:len(words)-1]
	}
	var lastWordErr error
	found := false
	for n := min(maxValueWords, len(words)-minName); n >= 1; n-- {
		v, unit, err := parseMetricValue(strings.Join(words[len(words)-n:], " "))
		if err != nil {
			if n == 1 {
				lastWordErr = err
			}
			continue
		}
		a.value, a.unit, found = v, unit, true
		words = words[:len(words)-n]
		break
	}
	if !found {
		return setArgs{}, lastWordErr
	}
	if minName == 1 {
		rawName = strings.Join(words, " ")
	}
	name, err := normaliseMetricName(rawName)
	if err != nil {
		return setArgs{}, err
	}
	a.name, a.typed = name, strings.TrimSpace(rawName)
	return a, nil
}

// normaliseMetricName turns a name as typed into kebab-case: lower-case,
// spaces, underscores and other ASCII punctuation become single hyphens,
// quotes and apostrophes are dropped, hyphens are trimmed from the ends.
// Letters outside a–z are refused rather than dropped, so "Café visits"
// never quietly becomes "caf-visits".
func normaliseMetricName(s string) (string, error) {
	var b strings.Builder
	hyphen := false
	var bad []string
	for _, r := range s {
		r = unicode.ToLower(r)
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
		case strings.ContainsRune("'\"`’‘“”", r):
		case unicode.IsSpace(r) || r < utf8.RuneSelf && (unicode.IsPunct(r) || unicode.IsSymbol(r)):
			hyphen = true
		default:
			if c := string(r); len(bad) < 3 && !slices.Contains(bad, c) {
				bad = append(bad, c)
			}
		}
	}
	name := b.String()
	switch n := len(name); {
	case len(bad) > 0:
		return "", userErrorf("Metric names use the letters a–z, digits and hyphens; %s can't be part of one. Try e.g. %s.",
			Escape(strings.Join(bad, " ")), metricsExample)
	case strings.TrimSpace(s) == "":
		return "", userErrorf("Tell me the metric's name before its number, e.g. %s.", metricsExample)
	case n == 0:
		return "", userErrorf("_%s_ has no letters or digits to name a metric. Try e.g. %s.", truncateEscaped(s, 40), metricsExample)
	case n > MaxMetricName:
		return "", userErrorf("Metric names are at most %d characters; _%s_ has %d. Shorten it, e.g. `website-visits`.",
			MaxMetricName, Truncate(name, 60), n)
	}
	return name, nil
}

var (
	plainNumber  = regexp.MustCompile(`^(\d*)(?:\.(\d+))?$`)
	commaGrouped = regexp.MustCompile(`^(\d{1,3}(?:,\d{3})+)(?:\.(\d+))?$`)
	spaceGrouped = regexp.MustCompile(`^(\d{1,3}(?: \d{3})+)(?:\.(\d+))?$`)
	exponent     = regexp.MustCompile(`^[\d.,]+[eE][+-]?\d+$`)
)

// parseMetricValue reads a metric value: digits with an optional sign,
// decimal point, thousands separators (commas, or spaces, not both) and a
// trailing "%". It refuses exponents ("1e3": write the number out),
// decimal commas ("4,5", "1,2,3": a comma only groups thousands), NaN and
// infinities, and more than 15 significant digits.
func parseMetricValue(s string) (value float64, unit string, err error) {
	s = strings.Join(strings.Fields(s), " ") // also turns non-breaking and thin spaces into " "
	typed := s
	notNumber := func() error {
		return userErrorf("_%s_ is not a number. Give the value in digits, e.g. %s (also `4,210`, `-3.5` or `12.5%%`).",
			truncateEscaped(typed, 40), metricsExample)
	}
	if s == "" {
		return 0, "", userErrorf("Give a number after the name, e.g. %s.", metricsExample)
	}
	if rest, ok := strings.CutSuffix(s, "%"); ok {
		s, unit = strings.TrimSpace(rest), "%"
	}
	neg := false
	for _, sign := range []string{"-", "+", "−"} { // "−" is U+2212, the typographic minus
		if rest, ok := strings.CutPrefix(s, sign); ok {
			s, neg = rest, sign != "+"
			break
		}
	}
	var m []string
	for _, re := range []*regexp.Regexp{plainNumber, commaGrouped, spaceGrouped} {
		if m = re.FindStringSubmatch(s); m != nil {
			break
		}
	}
	switch {
	case m != nil && (m[1] != "" || m[2] != ""):
	case exponent.MatchString(s):
		return 0, "", userErrorf("_%s_: write the number out in digits, without an exponent, e.g. %s.", truncateEscaped(typed, 40), metricsExample)
	case s != "" && strings.Trim(s, "0123456789,. ") == "" && strings.Contains(s, ","):
		return 0, "", userErrorf("_%s_: a comma may only separate thousands (`4,210`); write decimals with a point (`4.5`).", truncateEscaped(typed, 40))
	default:
		return 0, "", notNumber()
	}
	intDigits := strings.NewReplacer(",", "", " ", "").Replace(m[1])
	frac := m[2]
	if sig := strings.TrimLeft(intDigits+strings.TrimRight(frac, "0"), "0"); len(sig) > maxSignificant {
		return 0, "", userErrorf("_%s_ has %d significant digits; the most I keep is %d. Round it, e.g. %s.",
			truncateEscaped(typed, 40), len(sig), maxSignificant, metricsExample)
	}
	num := cmp.Or(intDigits, "0")
	if frac != "" {
		num += "." + frac
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, "", notNumber()
	}
	if neg && v != 0 {
		v = -v
	}
	return v, unit, nil
}

// parseWeekArg reads a week the user typed: "2026-W48" (any case, hyphen
// optional) or "W48", the latest week 48 that is not more than a week
// ahead. Weeks more than a week after thisWeek are refused.
func parseWeekArg(s string, thisWeek store.ISOWeek) (store.ISOWeek, error) {
	next := thisWeek.Next()
	var w store.ISOWeek
	if n, ok := strings.CutPrefix(strings.ToUpper(s), "W"); ok {
		week, _ := strconv.Atoi(n)
		w = store.ISOWeek{Year: thisWeek.Year, Week: week}
		if w.Compare(next) > 0 {
			w.Year--
		}
		s = w.String()
	}
	w, err := store.ParseISOWeek(s)
	if err != nil {
		return store.ISOWeek{}, userErrorf("There is no week _%s_: %s. Write weeks like `2026-W48`.", truncateEscaped(s, 20), Escape(err.Error()))
	}
	if w.Compare(next) > 0 {
		return store.ISOWeek{}, userErrorf("%s is more than a week ahead (this week is %s). Record numbers for this week, a past week or next week.", w, thisWeek)
	}
	return w, nil
}

// ValidateMetric checks a metric from outside Slack (an import) by the same
// rules as /metrics set and returns it cleaned (name in kebab-case, week as
// "2026-W48"), or a [*UserError] naming the problem. Weeks are not checked
// against today: an import may carry any week.
func ValidateMetric(r store.MetricRecord) (store.MetricRecord, error) {
	name, err := normaliseMetricName(r.Name)
	if err != nil {
		return store.MetricRecord{}, err
	}
	w, err := store.ParseISOWeek(r.Week)
	if err != nil {
		return store.MetricRecord{}, userErrorf("Metric %s: the week _%s_ is not an ISO week such as `2026-W48` (%s).",
			name, truncateEscaped(r.Week, 20), Escape(err.Error()))
	}
	if r.Unit != "" && r.Unit != "%" {
		return store.MetricRecord{}, userErrorf("Metric %s: the unit must be %q or empty, not _%s_.", name, "%", truncateEscaped(r.Unit, 20))
	}
	// The value must be one /metrics set would accept.
	if math.IsNaN(r.Value) || math.IsInf(r.Value, 0) {
		return store.MetricRecord{}, userErrorf("Metric %s: the value is not a number.", name)
	}
	if _, _, err := parseMetricValue(strconv.FormatFloat(r.Value, 'f', -1, 64)); err != nil {
		return store.MetricRecord{}, userErrorf("Metric %s: the value %s has more than %d significant digits.",
			name, strconv.FormatFloat(r.Value, 'g', -1, 64), maxSignificant)
	}
	r.Name, r.Week = name, w.String()
	return r, nil
}

func (h *Handler) metricsSet(ctx context.Context, req Request, rest string, thisWeek store.ISOWeek) (Response, error) {
	if !h.allowed(PermSetMetric, req.UserID, subject{}) {
		return Response{}, userErrorf("Sorry, only the marketing side (`SMARKETING_MARKETING`) and admins can set the marketing metrics: " +
			"they are marketing's numbers in the weekly recap. You can still see them with `/metrics` and `/metrics list`; " +
			"if a number is wrong, tell someone in marketing.")
	}
	a, err := parseSetArgs(rest)
	if err != nil {
		return Response{}, err
	}
	week := thisWeek
	if a.week != "" {
		if week, err = parseWeekArg(a.week, thisWeek); err != nil {
			return Response{}, err
		}
	}
	// Read before writing, only to say what changed; the write alone decides.
	around, err := h.db.Metrics(ctx, week.Prev(), week)
	if err != nil {
		return Response{}, err
	}
	var old, prev *store.Metric
	for i, m := range around {
		if m.Name != a.name {
			continue
		}
		if m.Week == week {
			old = &around[i]
		} else {
			prev = &around[i]
		}
	}
	m := store.Metric{Name: a.name, Week: week, Value: a.value, Unit: a.unit, SetBy: req.UserID, SetAt: h.now()}
	if err := h.db.SetMetric(ctx, m); err != nil {
		return Response{}, err
	}
	value := formatMetric(m.Value, m.Unit)
	msg := fmt.Sprintf(":white_check_mark: Recorded *%s* = *%s* for %s.", Escape(m.Name), value, h.weekLabel(week, thisWeek))
	if old != nil {
		msg = fmt.Sprintf(":white_check_mark: Updated *%s* for %s: *%s* (was %s).", Escape(m.Name), h.weekLabel(week, thisWeek), value, formatMetric(old.Value, old.Unit))
	}
	var notes []string
	if prev != nil {
		if ch := metricChange(m, *prev); ch != "" {
			notes = append(notes, fmt.Sprintf("%s against %s (%s).", strings.Trim(ch, "()"), prev.Week, formatMetric(prev.Value, prev.Unit)))
		}
	}
	if m.Name != a.typed {
		notes = append(notes, fmt.Sprintf("Saved under the name `%s`.", Escape(m.Name)))
	}
	blocks := []Block{Section{Text: msg}}
	if len(notes) > 0 {
		blocks = append(blocks, Context{Texts: []string{strings.Join(notes, " ")}})
	}
	line := "/metrics " + week.String()
	blocks = append(blocks, Actions{Buttons: []Button{{ActionID: ActionRun, Text: "Show " + week.String(), Value: line}}})
	return Response{Text: strings.Join(append([]string{msg}, notes...), "\n"), Blocks: blocks}, nil
}

// weekLabel names a week with its dates: "this week (2026-W48, 23 – 29 Nov 2026)".
func (h *Handler) weekLabel(w, thisWeek store.ISOWeek) string {
	dates := h.weekDates(w)
	switch w {
	case thisWeek:
		return "this week (" + w.String() + ", " + dates + ")"
	case thisWeek.Prev():
		return "last week (" + w.String() + ", " + dates + ")"
	case thisWeek.Next():
		return "next week (" + w.String() + ", " + dates + ")"
	}
	return w.String() + " (" + dates + ")"
}

// weekDates writes the Monday to Sunday of w: "23 – 29 Nov 2026",
// "28 Dec 2026 – 3 Jan 2027".
func (h *Handler) weekDates(w store.ISOWeek) string {
	start := w.Start(h.loc)
	end := start.AddDate(0, 0, 6)
	switch {
	case start.Year() != end.Year():
		return start.Format("2 Jan 2006") + " – " + end.Format("2 Jan 2006")
	case start.Month() != end.Month():
		return start.Format("2 Jan") + " – " + end.Format("2 Jan 2006")
	}
	return start.Format("2") + " – " + end.Format("2 Jan 2006")
}

// metricsPreview is bare /metrics: a week's numbers as the recap shows them.
func (h *Handler) metricsPreview(ctx context.Context, week, thisWeek store.ISOWeek, shared bool) (Response, error) {
	figures, err := h.metricsWeek(ctx, week)
	if err != nil {
		return Response{}, err
	}
	title := "Marketing metrics — " + week.String()
	blocks := []Block{Header{Text: title}, Context{Texts: []string{h.weekLabel(week, thisWeek)}}}
	blocks = append(blocks, figures...)
	line := "/metrics " + week.String()
	if !shared {
		blocks = append(blocks,
			Context{Texts: []string{"This is how the weekly recap shows them. Record a number with `/metrics set NAME VALUE`; see 8 weeks with `/metrics list`."}},
			shareActions(line))
	}
	return Response{Text: Truncate(title+"\n"+blockText(figures), 3900), Blocks: blocks}, nil
}

// maxWeekFigures bounds the metrics metricsWeek lists: the recap shares
// Slack's 50 blocks with the lead figures, changes and meetings.
const maxWeekFigures = 40

// metricsWeek renders the metrics set for week, each with its change
// against the week before, as blocks the recap can include: sections of
// up to ten fields, metrics set only the week before shown as not yet set,
// and a line saying what the changes compare with. With no metrics for
// either week it is one line saying how to record one.
func (h *Handler) metricsWeek(ctx context.Context, week store.ISOWeek) ([]Block, error) {
	prevWeek := week.Prev()
	ms, err := h.db.Metrics(ctx, prevWeek, week)
	if err != nil {
		return nil, err
	}
	type pair struct{ cur, prev *store.Metric }
	var names []string
	byName := map[string]*pair{}
	for i, m := range ms {
		p := byName[m.Name]
		if p == nil {
			p = &pair{}
			byName[m.Name] = p
			names = append(names, m.Name) // ms is ordered by name
		}
		if m.Week == week {
			p.cur = &ms[i]
		} else {
			p.prev = &ms[i]
		}
	}
	if len(names) == 0 {
		return []Block{Section{Text: fmt.Sprintf("No marketing metrics recorded for %s yet. Record one with %s.", week, metricsExample)}}, nil
	}
	var blocks []Block
	var fields []string
	compared := false
	for i, name := range names {
		if i == maxWeekFigures {
			blocks = append(blocks, Section{Fields: fields})
			fields = nil
			more := len(names) - maxWeekFigures
			blocks = append(blocks, Context{Texts: []string{fmt.Sprintf("…and %d more metric%s: see `/metrics list`.", more, plural(more))}})
			break
		}
		p := byName[name]
		var f string
		switch {
		case p.cur == nil:
			f = fmt.Sprintf("*%s*\n– not set yet (%s: %s)", truncateEscaped(name, 60), prevWeek, formatMetric(p.prev.Value, p.prev.Unit))
		case p.prev == nil:
			f = fmt.Sprintf("*%s*\n%s", truncateEscaped(name, 60), formatMetric(p.cur.Value, p.cur.Unit))
		default:
			f = fmt.Sprintf("*%s*\n%s", truncateEscaped(name, 60), formatMetric(p.cur.Value, p.cur.Unit))
			if ch := metricChange(*p.cur, *p.prev); ch != "" {
				f += " " + ch
				compared = true
			}
		}
		fields = append(fields, f)
		if len(fields) == 10 { // Slack's limit per section
			blocks = append(blocks, Section{Fields: fields})
			fields = nil
		}
	}
	if len(fields) > 0 {
		blocks = append(blocks, Section{Fields: fields})
	}
	if compared {
		blocks = append(blocks, Context{Texts: []string{fmt.Sprintf("▲/▼: change against %s (%s).", prevWeek, h.weekDates(prevWeek))}})
	}
	return blocks, nil
}

// metricChange is cur's change against prev, like "(▲ 8%)", or "" when
// the two are not comparable (one a percentage, the other not).
func metricChange(cur, prev store.Metric) string {
	switch {
	case cur.Unit != prev.Unit:
		return ""
	case prev.Value == 0 && cur.Value > 0:
		return "(▲ from 0)"
	case prev.Value == 0 && cur.Value < 0:
		return "(▼ from 0)"
	case prev.Value < 0:
		// delta divides by the old value: against a negative one its arrow
		// would point the wrong way. Shift both so the base is |old|.
		return delta(-prev.Value+(cur.Value-prev.Value), -prev.Value)
	}
	return delta(cur.Value, prev.Value)
}

// metricsList is /metrics list: the last eight weeks (and next week, if
// already set), one line per metric, newest first.
func (h *Handler) metricsList(ctx context.Context, thisWeek store.ISOWeek, shared bool) (Response, error) {
	first := thisWeek
	for range listWeeks - 1 {
		first = first.Prev()
	}
	ms, err := h.db.Metrics(ctx, first, thisWeek.Next())
	if err != nil {
		return Response{}, err
	}
	if len(ms) == 0 {
		return textResponse(fmt.Sprintf("No marketing metrics recorded in the last %d weeks (%s to %s). Record one with %s — any name, any number (`12.5%%` works too).",
			listWeeks, first, thisWeek, metricsExample)), nil
	}
	var lines []string
	for i := 0; i < len(ms); {
		j := i
		for j < len(ms) && ms[j].Name == ms[i].Name {
			j++
		}
		lines = append(lines, h.metricLine(ms[i:j], thisWeek, shared))
		i = j
	}
	title := fmt.Sprintf("*Marketing metrics* — %d in the last %d weeks (%s to %s), newest first", len(lines), listWeeks, first, thisWeek)
	packed, omitted := packLines(lines, 44)
	blocks := append([]Block{Section{Text: title}}, packed...)
	text := []string{title, blockText(packed)}
	footer := "Record a number with `/metrics set NAME VALUE [YYYY-Www]`."
	if omitted > 0 {
		footer = fmt.Sprintf("…and %d more metric%s that did not fit. ", omitted, plural(omitted)) + footer
	}
	blocks = append(blocks, Context{Texts: []string{footer}})
	if !shared {
		blocks = append(blocks, shareActions("/metrics list"))
	}
	return Response{Text: Truncate(strings.Join(text, "\n"), 3900), Blocks: blocks}, nil
}

// metricLine is one metric of /metrics list: ms are its values (oldest
// first), shown newest first, and who set the latest one (left out of
// shared answers: naming them there would ping them).
func (h *Handler) metricLine(ms []store.Metric, thisWeek store.ISOWeek, shared bool) string {
	var vals []string
	latest := ms[0]
	for i := len(ms) - 1; i >= 0; i-- {
		m := ms[i]
		label := m.Week.String()
		if m.Week.Year == thisWeek.Year {
			label = fmt.Sprintf("W%02d", m.Week.Week)
		}
		v := formatMetric(m.Value, m.Unit)
		if i == len(ms)-1 {
			v = "*" + v + "*"
		}
		vals = append(vals, label+" "+v)
		if m.SetAt.After(latest.SetAt) {
			latest = m
		}
	}
	line := fmt.Sprintf("• *%s* — %s", truncateEscaped(ms[0].Name, 60), strings.Join(vals, " · "))
	if !shared {
		line += fmt.Sprintf("  _(last set by %s, %s)_", byline(latest.SetBy, "", false), h.when(latest.SetAt))
	}
	return line
}

// formatMetric writes a value with thousands separators and at most two
// decimals ("4,210", "-3.5", "12.5%"); values under 0.1 keep two
// significant digits ("0.035") so they do not show as 0.
func formatMetric(v float64, unit string) string {
	decimals := 2
	if a := math.Abs(v); a > 0 && a < 0.1 {
		decimals = min(int(-math.Floor(math.Log10(a)))+1, 17)
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', decimals, 64)
	whole, frac, _ := strings.Cut(s, ".")
	frac = strings.TrimRight(frac, "0")
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	out := whole
	if frac != "" {
		out += "." + frac
	}
	if v < 0 && out != "0" {
		out = "-" + out
	}
	return out + unit
}
