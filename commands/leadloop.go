package commands

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"smarketing/store"
)

// The lead loop of SPEC §9: figures by source and campaign, the leads
// returned to marketing, and the escalation of a lead nobody rates.

// maxGroupsShown bounds the sources or campaigns one answer lists.
const maxGroupsShown = 20

// leadsBy answers `/leads by source|campaign [WINDOW]`.
func (h *Handler) leadsBy(ctx context.Context, text string, now time.Time, shared bool) (Response, error) {
	field, rest, _ := strings.Cut(text, " ")
	var by store.LeadField
	switch strings.ToLower(field) {
	case "source", "sources":
		by = store.BySource
	case "campaign", "campaigns":
		by = store.ByCampaign
	default:
		return Response{}, userErrorf("Group leads `by source` or `by campaign`, e.g. `/leads by source 30d`.")
	}
	w, err := h.parseWindow(rest, now)
	if err != nil {
		return Response{}, err
	}
	groups, err := h.db.LeadStatsBy(ctx, by, w.from, w.to.Add(time.Nanosecond), h.sla, now)
	if err != nil {
		return Response{}, err
	}
	title := fmt.Sprintf("Leads by %s — %s", by, w.label)
	blocks := []Block{Header{Text: title}}
	lines := []string{title}
	if len(groups) == 0 {
		msg := "No leads were posted in this period."
		blocks = append(blocks, Section{Text: msg})
		lines = append(lines, msg)
	}
	for i, g := range groups {
		if i == maxGroupsShown {
			more := fmt.Sprintf("…and %d more %s. Narrow the period to see them.", len(groups)-i, pluralWord(len(groups)-i, string(by)))
			blocks = append(blocks, Context{Texts: []string{more}})
			lines = append(lines, more)
			break
		}
		line := groupLine(by, g)
		blocks = append(blocks, Section{Text: Truncate(line, 3000)})
		lines = append(lines, line)
	}
	blocks = append(blocks, Context{Texts: []string{fmt.Sprintf("Median time to first feedback is %s. %s", h.clockWords(), originHint)}})
	if !shared {
		blocks = append(blocks, shareActions(strings.TrimSpace("/leads by "+text)))
	}
	return Response{Text: Truncate(strings.Join(lines, "\n"), 3900), Blocks: blocks}, nil
}

const originHint = "A lead's source and campaign come from its post: the integration's metadata, `Source:`/`Campaign:` lines or `utm_` parameters, else the integration's name, else _manual_."

// groupLine is one source's or campaign's figures.
func groupLine(by store.LeadField, g store.LeadStats) string {
	name := "*" + truncateEscaped(g.Value, store.MaxOriginLen) + "*"
	if g.Value == "" {
		name = "_(no " + string(by) + ")_"
	}
	good := "–"
	if v, ok := g.GoodShare(); ok {
		good = fmt.Sprintf("%.0f%%", v*100)
	}
	med := "–"
	if d, ok := g.MedianFirstFeedback(); ok {
		med = humanDuration(d)
	}
	top := "none"
	for _, r := range g.Reasons {
		if r.Reason != "" {
			top = fmt.Sprintf("%s (%d)", Escape(reasonLabel(r.Reason)), r.Count)
			break
		}
	}
	return fmt.Sprintf("%s — %d posted · %d rated · %s good · %d hot\nTop poor reason: %s · median time to first feedback: %s",
		name, g.Posted, g.Rated, good, g.Hot, top, med)
}

// pluralWord is word (source or campaign) for n of them.
func pluralWord(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// maxReturnedShown bounds the returned leads one answer lists.
const maxReturnedShown = 20

// leadsReturned answers `/leads returned [WINDOW]`: the poor ratings with
// a reason, which send a lead back to marketing.
func (h *Handler) leadsReturned(ctx context.Context, text string, now time.Time, shared bool) (Response, error) {
	w, err := h.parseWindow(text, now)
	if err != nil {
		return Response{}, err
	}
	to := w.to.Add(time.Nanosecond)
	returned, total, err := h.db.ReturnedLeads(ctx, w.from, to, maxReturnedShown)
	if err != nil {
		return Response{}, err
	}
	stats, err := h.db.LeadStats(ctx, w.from, to, h.sla, now)
	if err != nil {
		return Response{}, err
	}
	title := "Leads returned to marketing — " + w.label
	blocks := []Block{Header{Text: title}}
	lines := []string{title}
	if total == 0 {
		msg := "No lead was returned: nobody rated a lead *poor* with a reason in this period."
		blocks = append(blocks, Section{Text: msg})
		lines = append(lines, msg)
	} else {
		summary := fmt.Sprintf("*%d returned* — %s", total, groupCounts(stats.Reasons))
		var items []string
		for _, r := range returned {
			items = append(items, fmt.Sprintf("• %s — *%s* (%s) · by %s · source %s · %s",
				h.leadLink(r.Lead), Escape(truncateRunes(reasonLabel(r.Reason), 120)), reasonGroup(r.Reason),
				byline(r.User, "", shared), truncateEscaped(r.Lead.Source, store.MaxOriginLen), h.when(r.At)))
		}
		if more := total - len(returned); more > 0 {
			items = append(items, fmt.Sprintf("…and %d more. Narrow the period to see them.", more))
		}
		blocks = append(blocks, Section{Text: summary})
		lines = append(lines, summary)
		// One section per few items keeps each under Slack's 3000 characters.
		for i := 0; i < len(items); i += 5 {
			chunk := strings.Join(items[i:min(i+5, len(items))], "\n")
			blocks = append(blocks, Section{Text: Truncate(chunk, 3000)})
			lines = append(lines, chunk)
		}
	}
	blocks = append(blocks, Context{Texts: []string{"_Rejected_: not our lead (wrong persona, bad contact data, duplicate, spam). _Disqualified_: a real prospect, not now (budget, timing, need)."}})
	if !shared {
		blocks = append(blocks, shareActions(strings.TrimSpace("/leads returned "+text)))
	}
	return Response{Text: Truncate(strings.Join(lines, "\n"), 3900), Blocks: blocks}, nil
}

// groupCounts says how many poor ratings with a reason each group has,
// e.g. "rejected 5 · disqualified 3 · other 1".
func groupCounts(reasons []store.ReasonCount) string {
	counts := reasonGroupCounts(reasons)
	var parts []string
	for _, g := range reasonGroups {
		parts = append(parts, fmt.Sprintf("%s %d", g.id, counts[g.id]))
	}
	return strings.Join(parts, " · ")
}

// reasonGroupCounts counts the poor ratings with a reason by group.
func reasonGroupCounts(reasons []store.ReasonCount) map[string]int {
	counts := map[string]int{}
	for _, r := range reasons {
		if r.Reason != "" {
			counts[reasonGroup(r.Reason)] += r.Count
		}
	}
	return counts
}

// truncateRunes cuts s to n characters (before escaping).
func truncateRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// slaText says how long times the SLA is, on its clock: "24h", or "2d
// of business hours".
func (h *Handler) slaText(times int) string {
	d := humanDuration(time.Duration(times) * h.sla.Within)
	if h.sla.Clock != nil {
		return d + " of business hours"
	}
	return d
}

// clockWords says what clock the SLA figures are measured on.
func (h *Handler) clockWords() string {
	if h.sla.Clock != nil {
		return "counted in business hours only"
	}
	return "counted around the clock"
}

var escalateID = regexp.MustCompile(`^[UWS][A-Z0-9]{2,}$`)

// ParseEscalate checks a SMARKETING_SLA_ESCALATE value: a user ID (U…,
// W…) or a user group ID (S…), "" for none.
func ParseEscalate(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s != "" && !escalateID.MatchString(s) {
		return "", fmt.Errorf("%q is not a user ID (U…) or a user group ID (S…)", s)
	}
	return s, nil
}

// Escalation is what the bot posts in the thread of a lead still unrated
// at twice the SLA: the one message that mentions someone on purpose,
// SMARKETING_SLA_ESCALATE (a user or a user group), built only from that
// checked setting, never from user text.
func (h *Handler) Escalation() Response {
	who := groupMention(h.escalate)
	if who != "" {
		who += " "
	}
	msg := fmt.Sprintf(":rotating_light: %sThis lead still has no feedback, %s after it was posted (twice the SLA). Please rate it: %s.",
		who, h.slaText(2), h.ratingHint())
	return Response{Text: msg, Blocks: []Block{Section{Text: msg}}}
}
