package commands

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"smarketing/store"
)

// recapPeriods is how many weeks the recap chart shows.
const recapPeriods = 8

// Recap is the weekly recap: the message, and a chart of the last periods.
type Recap struct {
	Message Response
	Chart   []byte // PNG; nil if it could not be drawn
	// ChartErr says why there is no chart.
	ChartErr error
}

// Recap builds the weekly recap for the week ending at at: lead feedback
// with the change against the week before (the same figures as /leads),
// the marketing numbers of /metrics, the glossary and personas changed, and
// the next joint meetings.
func (h *Handler) Recap(ctx context.Context, at time.Time) (Recap, error) {
	week := 7 * 24 * time.Hour
	stats := make([]store.LeadStats, recapPeriods)
	for i := range stats {
		to := at.Add(-time.Duration(i) * week)
		s, err := h.db.LeadStats(ctx, to.Add(-week), to, h.sla, at)
		if err != nil {
			return Recap{}, err
		}
		stats[i] = s
	}
	cur, prev := stats[0], stats[1]
	from := cur.From.In(h.loc)
	title := fmt.Sprintf("Weekly recap — %s to %s", from.Format("Mon 2 Jan"), at.In(h.loc).Format("Mon 2 Jan 2006"))
	blocks := []Block{Header{Text: title}, Section{Text: "*Lead feedback* (change against the week before)"}}
	blocks = append(blocks, leadFigures(cur, &prev, h.slaText(1))...)
	loop, err := h.recapLeadLoop(ctx, at, cur, prev)
	if err != nil {
		return Recap{}, err
	}
	blocks = append(blocks, loop...)

	metrics, err := h.recapMetrics(ctx, at)
	if err != nil {
		return Recap{}, err
	}
	blocks = append(blocks, metrics...)

	changes, err := h.db.Changes(ctx, cur.From, cur.To)
	if err != nil {
		return Recap{}, err
	}
	blocks = append(blocks, Divider{}, Section{Text: changesText(changes)})

	glossary, err := h.recapGlossary(ctx, cur.From)
	if err != nil {
		return Recap{}, err
	}
	blocks = append(blocks, glossary...)

	insights, err := h.recapInsights(ctx, cur.From, cur.To)
	if err != nil {
		return Recap{}, err
	}
	blocks = append(blocks, insights...)

	meetings, err := h.recapMeetings(ctx, cur.From, at)
	if err != nil {
		return Recap{}, err
	}
	blocks = append(blocks, meetings...)
	blocks = append(blocks, Context{Texts: []string{"Rate leads with a reaction on their post · `/leads` for the details · `/metrics set NAME VALUE` to add a number"}})

	r := Recap{Message: Response{Text: Truncate(title+"\n"+blockText(blocks[1:]), 3900), Blocks: blocks}}
	points := make([]ChartPoint, len(stats))
	for i, s := range stats {
		good, ok := s.GoodShare()
		if !ok {
			good = math.NaN()
		}
		points[len(stats)-1-i] = ChartPoint{Label: s.From.In(h.loc).Format("2 Jan"), Posted: s.Posted, Good: good}
	}
	r.Chart, r.ChartErr = RecapChart(points)
	return r, nil
}

// recapSources is how many sources the recap's table lists.
const recapSources = 8

// recapLeadLoop is the recap's lead loop (SPEC §9): the leads returned to
// marketing by reason group, the per-source table, and the SLA scorecard.
func (h *Handler) recapLeadLoop(ctx context.Context, at time.Time, cur, prev store.LeadStats) ([]Block, error) {
	var blocks []Block
	counts, before := reasonGroupCounts(cur.Reasons), reasonGroupCounts(prev.Reasons)
	if len(counts)+len(before) > 0 {
		var parts []string
		for _, g := range reasonGroups {
			parts = append(parts, fmt.Sprintf("%s: %d %s", g.label, counts[g.id], delta(float64(counts[g.id]), float64(before[g.id]))))
		}
		blocks = append(blocks, Section{Text: "*Returned to marketing* (rated poor, with a reason)\n" + strings.Join(parts, "\n")})
	}
	groups, err := h.db.LeadStatsBy(ctx, store.BySource, cur.From, cur.To, h.sla, at)
	if err != nil {
		return nil, err
	}
	if len(groups) > 0 {
		lines := []string{"*By source*"}
		for i, g := range groups {
			if i == recapSources {
				lines = append(lines, fmt.Sprintf("…and %d more: `/leads by source 7d`", len(groups)-i))
				break
			}
			lines = append(lines, groupLine(store.BySource, g))
		}
		blocks = append(blocks, Section{Text: Truncate(strings.Join(lines, "\n"), 3000)})
	}
	score, err := h.recapScorecard(ctx, at, cur, prev)
	if err != nil {
		return nil, err
	}
	return append(blocks, score...), nil
}

// changesText says which terms and personas were added or changed.
func changesText(cs []store.Change) string {
	if len(cs) == 0 {
		return "*Glossary and personas*\nNo changes this week."
	}
	groups := map[string][]string{}
	var order []string
	for _, c := range cs {
		key := c.Kind + " " + c.Action
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], "*"+Escape(c.Name)+"*")
	}
	titles := map[string]string{
		"term created": "New terms", "term edited": "Updated terms",
		"persona created": "New personas", "persona edited": "Updated personas",
	}
	lines := []string{"*Glossary and personas*"}
	for _, k := range order {
		names := groups[k]
		if len(names) > 15 {
			names = append(names[:15], fmt.Sprintf("and %d more", len(names)-15))
		}
		lines = append(lines, titles[k]+": "+strings.Join(names, ", "))
	}
	return Truncate(strings.Join(lines, "\n"), 3000)
}

// recapMetrics renders the marketing numbers of the week the recap covers:
// the ISO week of the day before it (a Monday recap reports last week).
func (h *Handler) recapMetrics(ctx context.Context, at time.Time) ([]Block, error) {
	week := store.WeekOf(at.Add(-24 * time.Hour).In(h.loc))
	figures, err := h.metricsWeek(ctx, week)
	if err != nil {
		return nil, err
	}
	head := Section{Text: fmt.Sprintf("*Marketing numbers* — %s (change against the week before)", week)}
	return append([]Block{Divider{}, head}, figures...), nil
}

// recapPreview is bare /metrics: the recap as it would be posted now.
func (h *Handler) recapPreview(ctx context.Context, shared bool) (Response, error) {
	r, err := h.Recap(ctx, h.now())
	if err != nil {
		return Response{}, err
	}
	resp := r.Message
	if !shared {
		note := Context{Texts: []string{"Preview: this is the recap as it would be posted now. The chart comes with the real one."}}
		resp.Blocks = append(append([]Block{}, resp.Blocks[0], note), resp.Blocks[1:]...)
		resp.Blocks = append(resp.Blocks, shareActions("/metrics"))
	}
	if len(resp.Blocks) > 50 {
		resp.Blocks = resp.Blocks[:50]
	}
	return resp, nil
}

// recapMeetings is the recap's joint meetings: the week's decisions, the
// open action items, and the meetings of the coming week.
func (h *Handler) recapMeetings(ctx context.Context, from, at time.Time) ([]Block, error) {
	outcomes, err := h.recapOutcomes(ctx, from, at)
	if err != nil {
		return nil, err
	}
	upcoming, err := h.upcomingBlocks(ctx, at, at.AddDate(0, 0, 7))
	if err != nil {
		return nil, err
	}
	blocks := append(outcomes, upcoming...)
	if len(blocks) == 0 {
		return nil, nil
	}
	return append([]Block{Divider{}}, blocks...), nil
}
