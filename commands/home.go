package commands

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"smarketing/store"
)

// The App Home (SPEC §11): one view per person, published when they open
// the app's Home tab and again after a button on it acts.

// ActionRate is the button of the App Home that rates a waiting lead as a
// reaction would; its value is "LEADID RATING".
const ActionRate = "rate"

// homeItems is how many items each part of the home view lists; the rest
// is counted, with the command that lists it. With every part full the
// view stays well under Slack's 100 blocks.
const homeItems = 5

// homeWaitingWindow is how far back the home view looks for leads that
// wait for a rating.
const homeWaitingWindow = 30 * 24 * time.Hour

// Home returns the blocks of userID's home view; notice, if not "", is
// said at the top (what the button just pressed did).
func (h *Handler) Home(ctx context.Context, userID, notice string) ([]Block, error) {
	now := h.now()
	blocks := []Block{Header{Text: "Sales and marketing, as one"}}
	if notice = strings.TrimSpace(notice); notice != "" {
		blocks = append(blocks, Context{Texts: []string{Truncate(notice, 2000)}})
	}
	for _, part := range []func(context.Context, string, time.Time) ([]Block, error){
		h.homeLeads, h.homeAgreements, h.homeActions, h.homeMeetings, h.homeSLA, h.homeGaps,
	} {
		bs, err := part(ctx, userID, now)
		if err != nil {
			return nil, err
		}
		if len(bs) > 0 {
			blocks = append(blocks, Divider{})
			blocks = append(blocks, bs...)
		}
	}
	blocks = append(blocks, Context{Texts: []string{"Updated " + h.when(now) + " · `/term help`, `/leads help`, `/meeting help`, `/insight help` for everything else"}})
	return blocks, nil
}

// homeLeads: the leads nobody has rated yet, newest first, with the time
// left in the SLA and a button for each rating, for a viewer who may rate
// them ([PermRate]).
func (h *Handler) homeLeads(ctx context.Context, viewer string, now time.Time) ([]Block, error) {
	if len(h.leadChannels) == 0 {
		return nil, nil
	}
	leads, err := h.db.NewestWaitingLeads(ctx, now.Add(-homeWaitingWindow), now.Add(time.Nanosecond), homeItems+1)
	if err != nil {
		return nil, err
	}
	if len(leads) == 0 {
		return []Block{Section{Text: "*Leads waiting for a rating*\n:tada: None: every lead of the last 30 days has feedback."}}, nil
	}
	blocks := []Block{Section{Text: "*Leads waiting for a rating* (newest first)"}}
	for i, l := range leads {
		if i == homeItems {
			blocks = append(blocks, Context{Texts: []string{"…and more: `/leads 30d` lists them"}})
			break
		}
		left := h.sla.Due(l.PostedAt).Sub(now)
		when := fmt.Sprintf("%s left in the SLA", humanDuration(left))
		if left <= 0 {
			when = fmt.Sprintf("*over the SLA* by %s", humanDuration(-left))
		}
		blocks = append(blocks, Section{Text: fmt.Sprintf("%s\nposted %s · %s", h.leadLink(l), h.when(l.PostedAt), when)})
		var buttons []Button
		for _, r := range []store.Rating{store.Good, store.Poor, store.Hot} {
			if h.emojiOf(r) != "" && h.allowed(PermRate, viewer, subject{poster: l.PostedBy}) {
				buttons = append(buttons, Button{ActionID: ActionRate, Text: ratingLabel[r], Value: fmt.Sprintf("%d %s", l.ID, r)})
			}
		}
		if len(buttons) > 0 {
			blocks = append(blocks, Actions{Buttons: buttons})
		}
	}
	return blocks, nil
}

var ratingLabel = map[store.Rating]string{store.Good: ":+1: Good", store.Poor: ":-1: Poor", store.Hot: ":fire: Hot"}

// emojiOf is the reaction that means r (the first by name of those
// configured), "" if none does.
func (h *Handler) emojiOf(r store.Rating) string {
	var names []string
	for name, rating := range h.reactions {
		if store.Rating(rating) == r {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// rate answers a rating button of the App Home: the lead is rated as if
// the user had reacted to its post, and a poor rating asks why in a DM.
func (h *Handler) rate(ctx context.Context, a Action) (Response, error) {
	idText, ratingText, _ := strings.Cut(a.Value, " ")
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return Response{}, fmt.Errorf("rate button value %q", a.Value)
	}
	rating := store.Rating(ratingText)
	emoji := h.emojiOf(rating)
	if emoji == "" {
		return Response{}, userErrorf("No reaction means *%s* here any more; rate the lead on its post.", Escape(ratingText))
	}
	l, err := h.db.LeadByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Response{}, userErrorf("That lead is gone: its post was deleted.")
	}
	if err != nil {
		return Response{}, err
	}
	if msg, refused := h.ratingRefusal(a.UserID, l.PostedBy); refused {
		// The answer to the click says why; nothing is recorded.
		return Response{}, &UserError{Msg: msg}
	}
	f, err := h.react(ctx, ReactionEvent{Channel: l.Channel, TS: l.TS, User: a.UserID, Emoji: emoji, Added: true, At: h.now()})
	if err != nil {
		return Response{}, err
	}
	resp := textResponse(fmt.Sprintf("You rated %s *%s* (as :%s: on its post).", h.leadLink(l), rating, emoji))
	for _, ask := range f.Ask {
		resp.DMs = append(resp.DMs, DM{User: ask.User, Message: ask.Message})
	}
	return resp, nil
}

// homeAgreements: the terms and personas waiting for the user's side,
// disputed, or due for review, with Approve where they can.
func (h *Handler) homeAgreements(ctx context.Context, userID string, _ time.Time) ([]Block, error) {
	var blocks []Block
	total := 0
	for _, k := range []kindOps{termOps, personaOps} {
		all, err := k.all(ctx, h)
		if err != nil {
			return nil, err
		}
		n := h.needsOf(all, userID)
		for _, part := range []struct {
			what string
			ss   []signed
			more string
		}{
			{"waits for your side", n.yours, k.command + " review"},
			{"disputed", n.disputed, k.command + " list disputed"},
			{"due for review", n.due, k.command + " list due"},
		} {
			for i, s := range part.ss {
				total++
				if i == homeItems {
					blocks = append(blocks, Context{Texts: []string{fmt.Sprintf("…and %d more %ss (%s): `%s`", len(part.ss)-homeItems, k.noun, part.what, part.more)}})
					break
				}
				line := fmt.Sprintf("*%s* (%s · %s) — %s", truncateEscaped(s.name, 150), k.noun, part.what, h.statusText(s, false))
				blocks = append(blocks, Section{Text: Truncate(line, 3000)})
				if b, ok := h.approveButton(k.command, s, userID); ok {
					blocks = append(blocks, Actions{Buttons: []Button{b}})
				}
			}
		}
	}
	if total == 0 {
		return []Block{Section{Text: "*Definitions and personas*\n:tada: Nothing needs you: nothing waits for your side, is disputed or due for review."}}, nil
	}
	return append([]Block{Section{Text: "*Definitions and personas that need you*"}}, blocks...), nil
}

// homeActions: the user's open action items, soonest due first, each
// with a Done button.
func (h *Handler) homeActions(ctx context.Context, userID string, _ time.Time) ([]Block, error) {
	actions, err := h.db.OpenActions(ctx, store.ActionFilter{Owner: userID, Limit: homeItems + 1})
	if err != nil {
		return nil, err
	}
	if len(actions) == 0 {
		return []Block{Section{Text: "*Your open action items*\nNone. Meetings give them out with `/meeting action`."}}, nil
	}
	blocks := []Block{Section{Text: "*Your open action items*"}}
	for i, a := range actions {
		if i == homeItems {
			blocks = append(blocks, Context{Texts: []string{"…and more: `/meeting actions mine`"}})
			break
		}
		blocks = append(blocks, Section{Text: h.actionLine(a, true, func(store.Action) string { return "yours" })},
			Actions{Buttons: []Button{{ActionID: ActionRun, Text: "Done", Value: fmt.Sprintf("/meeting done %d", a.ID), Primary: true}}})
	}
	return blocks, nil
}

// homeMeetings: the next joint meetings, in the next two weeks.
func (h *Handler) homeMeetings(ctx context.Context, _ string, now time.Time) ([]Block, error) {
	next, err := h.UpcomingMeetings(ctx, now, now.AddDate(0, 0, 14), homeItems)
	if err != nil {
		return nil, err
	}
	if len(next) == 0 {
		return []Block{Section{Text: "*Next meetings*\nNone in the next two weeks. Schedule one with `/meeting add`."}}, nil
	}
	lines := []string{"*Next meetings*"}
	for _, m := range next {
		agenda := ""
		if m.Agenda > 0 {
			agenda = fmt.Sprintf(" · %s on the agenda", pluralWord(m.Agenda, "item"))
		}
		lines = append(lines, fmt.Sprintf("• *%s* — %s in %s%s", truncateEscaped(m.Title, 100), m.When, channelRef(m.Channel), agenda))
	}
	return []Block{Section{Text: Truncate(strings.Join(lines, "\n"), 3000)}}, nil
}

// homeSLA: this week's SLA scorecard, as /sla shows it.
func (h *Handler) homeSLA(ctx context.Context, _ string, _ time.Time) ([]Block, error) {
	w, err := h.slaWeek(ctx)
	if err != nil {
		return nil, err
	}
	blocks := []Block{Section{Text: Truncate("*This week's SLA* (since "+w.start.Format("Mon 2 Jan")+")\n"+strings.Join(w.body, "\n"), 3000)}}
	if w.last != "" {
		blocks = append(blocks, Context{Texts: []string{w.last}})
	}
	return blocks, nil
}

// homeGaps: the most-asked missing glossary terms of the last days.
func (h *Handler) homeGaps(ctx context.Context, _ string, now time.Time) ([]Block, error) {
	now = now.In(h.loc)
	gaps, total, err := h.db.Gaps(ctx, h.day(now.AddDate(0, 0, -(gapsWindow-1))), h.day(now), homeItems)
	if err != nil || total == 0 {
		return nil, err
	}
	text := fmt.Sprintf("*Top glossary gaps* — asked for in the last %d days, not found\n%s", gapsWindow, strings.Join(gapLines(gaps), "\n"))
	if more := total - len(gaps); more > 0 {
		text += fmt.Sprintf("\n…and %d more: `/term gaps`", more)
	}
	return []Block{Section{Text: Truncate(text, 3000)}}, nil
}
