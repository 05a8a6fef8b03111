package commands

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"smarketing/store"
)

// Message is a message posted in a channel, as an event or as fetched.
type Message struct {
	EventID  string
	Channel  string
	TS       string
	ThreadTS string
	Subtype  string
	User     string
	BotID    string
	Username string // the app's or integration's name on bot messages
	Text     string
	// Meta is the source and campaign the posting integration set in the
	// message's metadata (event_payload.source, .campaign), if any.
	Meta store.Origin
}

// MessageEdited is an edit of a message: its new text, and who posted it
// and its metadata as they are now (a lead's source is read again).
type MessageEdited struct {
	EventID, Channel, TS, Text string
	User, BotID, Username      string
	Meta                       store.Origin
}

// MessageDeleted is a deleted message.
type MessageDeleted struct{ EventID, Channel, TS string }

// ReactionEvent is an emoji reaction added to or removed from a message.
type ReactionEvent struct {
	EventID string
	Channel string
	TS      string // the message reacted to
	User    string
	Emoji   string
	Added   bool
	At      time.Time
	// ItemUser is who posted the message, as the event says (Slack's
	// item_user), if it says: a poster's own reaction is refused at
	// once, before the store knows the message.
	ItemUser string
}

// MessageRef names a message.
type MessageRef struct {
	Channel, TS string
	// Rater, if set, is who reacted to it before it was known as a lead:
	// once it is, they get a note if their rating does not count.
	Rater string
}

// Followup is the work an event leaves for after its ack.
type Followup struct {
	// Fetch, if set, is a message to look up and pass to [Handler.Fetched].
	Fetch *MessageRef
	// Ask are private questions to post in a lead's thread.
	Ask []Ask
}

// Ask is an ephemeral message for one user in a thread.
type Ask struct {
	Channel, ThreadTS, User string
	Message                 Response
}

// ActionReason is the button a rater presses to say why a lead is poor; its
// value is "LEADID|REASON".
const ActionReason = "reason"

const modalLeadReason = "lead_reason"

// The groups of poor reasons (SPEC §9): a rejected lead is not ours, a
// disqualified one is a real prospect, not now. "other" (free text) is a
// group of its own: the rater did not say which.
const (
	groupRejected     = "rejected"
	groupDisqualified = "disqualified"
	groupOther        = "other"
)

// reasonGroups are the groups in the order they are shown, with how the
// question and the recap name them.
var reasonGroups = []struct{ id, label string }{
	{groupRejected, "Not our lead (rejected)"},
	{groupDisqualified, "Real prospect, not now (disqualified)"},
	{groupOther, "Other"},
}

// poorReasons are the buttons offered after a poor rating (SPEC §5, §9),
// by group.
var poorReasons = []struct{ id, label, group string }{
	{"wrong_persona", "Wrong persona / ICP", groupRejected},
	{"bad_contact", "Bad contact data", groupRejected},
	{"duplicate", "Duplicate", groupRejected},
	{"spam", "Spam, student or competitor", groupRejected},
	{"no_budget", "No budget or authority", groupDisqualified},
	{"not_ready", "Not ready to buy", groupDisqualified},
	{"no_need", "No need", groupDisqualified},
	{"other", "Other…", groupOther},
}

// reasonLabel is how a stored reason reads.
func reasonLabel(r string) string {
	if r == "" {
		return "no reason given"
	}
	for _, p := range poorReasons {
		if p.id == r {
			return p.label
		}
	}
	return strings.TrimPrefix(r, "other: ")
}

// reasonGroup is the group of a stored reason: free text ("other: …",
// or reasons imported as text) is in the "other" group.
func reasonGroup(r string) string {
	for _, p := range poorReasons {
		if p.id == r {
			return p.group
		}
	}
	return groupOther
}

// Event applies a Slack event to the lead records. Events outside the leads
// channels and emoji outside the rating map are ignored.
func (h *Handler) Event(ctx context.Context, ev any) (Followup, error) {
	switch ev := ev.(type) {
	case Message:
		if !h.isLead(ev) {
			return Followup{}, nil
		}
		l := leadOf(ev)
		return h.accept(ctx, store.Event{ID: ev.EventID, Lead: &l}, nil)
	case MessageEdited:
		if !h.leadChannels[ev.Channel] {
			return Followup{}, nil
		}
		text := storableText(ev.Text)
		o := store.LeadOrigin(ev.Meta, text, integration(ev.BotID, ev.Username))
		return h.accept(ctx, store.Event{ID: ev.EventID, Edit: &store.LeadEdit{Channel: ev.Channel, TS: ev.TS, Text: text,
			Source: o.Source, Campaign: o.Campaign}}, nil)
	case MessageDeleted:
		if !h.leadChannels[ev.Channel] {
			return Followup{}, nil
		}
		return h.accept(ctx, store.Event{ID: ev.EventID, Delete: &store.LeadRef{Channel: ev.Channel, TS: ev.TS}}, nil)
	case ReactionEvent:
		return h.react(ctx, ev)
	}
	return Followup{}, nil
}

// accept applies ev and returns once it is committed, so it can be acked;
// then, if set, says what Slack work follows from it.
func (h *Handler) accept(ctx context.Context, ev store.Event, then func(store.EventResult) Followup) (Followup, error) {
	res, err := h.db.Record(ctx, ev)
	if err == nil && res.Applied {
		h.changed(LeadsChanged)
	}
	if err != nil || then == nil || !res.Applied {
		return Followup{}, err
	}
	return then(res), nil
}

// isLead reports whether a message is a lead: a top-level post (by a person,
// an app or an integration) in a leads channel.
func (h *Handler) isLead(m Message) bool {
	if !h.leadChannels[m.Channel] || (m.ThreadTS != "" && m.ThreadTS != m.TS) {
		return false
	}
	switch m.Subtype {
	case "", "bot_message", "file_share", "me_message":
		return true
	}
	return false
}

func leadOf(m Message) store.Lead {
	by := m.User
	if by == "" {
		by = m.Username
	}
	if by == "" {
		by = m.BotID
	}
	posted, _ := store.TSTime(m.TS)
	text := storableText(m.Text)
	o := store.LeadOrigin(m.Meta, text, integration(m.BotID, m.Username))
	return store.Lead{Channel: m.Channel, TS: m.TS, Text: text, PostedBy: by, PostedAt: posted, Source: o.Source, Campaign: o.Campaign}
}

// integration is the name of the app or integration that posted a
// message ("" for a person): its bot profile's or username, else its bot
// ID. Apps that post with a bot token carry a user ID too.
func integration(botID, username string) string {
	if username != "" {
		return username
	}
	return botID
}

// storableText is a message's text as every backend can keep it: valid
// UTF-8 without NUL (PostgreSQL stores neither).
func storableText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// ratingOf maps an emoji name (skin tone ignored) to a rating.
func (h *Handler) ratingOf(emoji string) (store.Rating, bool) {
	name, _, _ := strings.Cut(strings.Trim(emoji, ":"), "::")
	r, ok := h.reactions[name]
	return store.Rating(r), ok
}

// react applies a rating reaction. Who may rate is [PermRate]'s: a rater
// off the sales side (while it is configured), or the poster as the event
// names them, is refused here, whatever the message; the lead's own poster
// by the store too, which knows who posted it (or learns it when it
// verifies the message). A refused rating is
// stored nowhere, and its rater gets one note per lead in its thread.
// Removing a reaction is never refused: it withdraws only what was stored.
func (h *Handler) react(ctx context.Context, ev ReactionEvent) (Followup, error) {
	rating, ok := h.ratingOf(ev.Emoji)
	if !ok || !h.leadChannels[ev.Channel] || ev.User == "" {
		return Followup{}, nil
	}
	name, _, _ := strings.Cut(strings.Trim(ev.Emoji, ":"), "::")
	r := store.Reaction{Channel: ev.Channel, TS: ev.TS, User: ev.User, Emoji: name, Rating: rating, Added: ev.Added, At: ev.At,
		Ignore: ev.Added && !h.allowed(PermRate, ev.User, subject{poster: ev.ItemUser})}
	return h.accept(ctx, store.Event{ID: ev.EventID, React: &r}, func(res store.EventResult) Followup {
		rr := res.React
		switch {
		case rr.Ignored && rr.Verified:
			poster := ev.ItemUser
			if rr.ByPoster {
				poster = ev.User
			}
			return h.ratingNote(ctx, ev.Channel, ev.TS, ev.User, poster)
		case rr.LeadID == 0 && !rr.Ignored:
			return Followup{}
		case !rr.Verified:
			// Who posted it is known once it is fetched: then the rater
			// learns whether their rating counts.
			ref := MessageRef{Channel: ev.Channel, TS: ev.TS}
			if ev.Added {
				ref.Rater = ev.User
			}
			return Followup{Fetch: &ref}
		case rr.AskReason:
			return Followup{Ask: []Ask{h.askReason(rr.LeadID, ev.Channel, ev.TS, ev.User)}}
		}
		return Followup{}
	})
}

// ratingNote is the note, in the lead's thread, that user's rating of the
// lead posted by poster does not count, if it does not; once per lead and
// user, however often they react and across restarts and instances (a
// claim in the store keyed by both). Nothing if the note went out before,
// or the claim cannot be read: the note is a courtesy, sent at most once.
func (h *Handler) ratingNote(ctx context.Context, channel, ts, user, poster string) Followup {
	msg, refused := h.ratingRefusal(user, poster)
	if !refused {
		return Followup{}
	}
	key := RatingNoteKey(channel, ts, user)
	if _, ok, err := h.db.Claim(ctx, key, h.noter, time.Minute); err != nil || !ok {
		return Followup{}
	}
	// Done before it is posted: a crash in between loses the note rather
	// than sending it twice.
	if err := h.db.Done(ctx, key, h.noter); err != nil {
		return Followup{}
	}
	return Followup{Ask: []Ask{{Channel: channel, ThreadTS: ts, User: user, Message: textResponse(msg)}}}
}

// RatingNoteKey is the claim key of the note that user's rating of the
// lead at channel/ts does not count.
func RatingNoteKey(channel, ts, user string) string {
	return "rating-note:" + channel + ":" + ts + ":" + user
}

// newNoter names a handler in the claims of its rating notes.
func newNoter() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "notes-" + hex.EncodeToString(b[:])
}

// Fetched settles a message first seen through a reaction: m is the message
// as fetched from Slack, or nil if it no longer exists.
func (h *Handler) Fetched(ctx context.Context, ref MessageRef, m *Message) (Followup, error) {
	var lead *store.Lead
	if m != nil && h.isLead(*m) {
		l := leadOf(*m)
		lead = &l
	}
	id, users, err := h.db.VerifyLead(ctx, ref.Channel, ref.TS, lead)
	if err != nil || lead == nil {
		return Followup{}, err
	}
	var f Followup
	for _, u := range users {
		f.Ask = append(f.Ask, h.askReason(id, ref.Channel, ref.TS, u))
	}
	if ref.Rater != "" {
		f.Ask = append(f.Ask, h.ratingNote(ctx, ref.Channel, ref.TS, ref.Rater, lead.PostedBy).Ask...)
	}
	return f, nil
}

// PendingFetches returns the messages that were reacted to but never
// fetched, e.g. because the bot stopped in between.
func (h *Handler) PendingFetches(ctx context.Context) ([]MessageRef, error) {
	ls, err := h.db.UnverifiedLeads(ctx)
	if err != nil {
		return nil, err
	}
	refs := make([]MessageRef, len(ls))
	for i, l := range ls {
		refs[i] = MessageRef{Channel: l.Channel, TS: l.TS}
	}
	return refs, nil
}

func (h *Handler) askReason(leadID int64, channel, ts, user string) Ask {
	msg := "Thanks for rating this lead. You marked it *poor* — what was wrong with it? It goes back to marketing with your reason, and they see the reasons in the weekly recap."
	blocks := []Block{Section{Text: msg}}
	for _, g := range reasonGroups {
		var buttons []Button
		for _, r := range poorReasons {
			if r.group == g.id {
				buttons = append(buttons, Button{ActionID: ActionReason, Text: r.label, Value: fmt.Sprintf("%d|%s", leadID, r.id)})
			}
		}
		if g.id != groupOther {
			blocks = append(blocks, Context{Texts: []string{"*" + g.label + "*"}})
		}
		blocks = append(blocks, Actions{Buttons: buttons})
	}
	return Ask{Channel: channel, ThreadTS: ts, User: user, Message: Response{Text: msg, Blocks: blocks}}
}

// reasonAction handles a click on a poor-reason button.
func (h *Handler) reasonAction(ctx context.Context, a Action) (Response, error) {
	idText, reason, _ := strings.Cut(a.Value, "|")
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return Response{}, fmt.Errorf("reason button value %q: %w", a.Value, err)
	}
	if refused, err := h.reasonRefused(ctx, id, a.UserID); refused != nil || err != nil {
		return refusedOr(refused, err)
	}
	if reason == "other" {
		return Response{Modal: &Modal{
			CallbackID: modalLeadReason, Title: "Why poor?", Submit: "Save", Metadata: idText,
			Inputs: []Input{{ID: "reason", Label: "What was wrong with this lead?", Multiline: true, MaxLength: maxReason,
				Placeholder: "e.g. a student, not a buyer"}},
		}}, nil
	}
	known := false
	for _, r := range poorReasons {
		known = known || r.id == reason
	}
	if !known {
		return Response{}, fmt.Errorf("unknown reason %q", reason)
	}
	return h.saveReason(ctx, id, a.UserID, reason)
}

const maxReason = 500

// reasonRefused is the answer to user giving a reason for their rating of
// the lead leadID if [PermReason] refuses them (a crafted click, or a
// rating kept from before the rules changed), else nil.
func (h *Handler) reasonRefused(ctx context.Context, leadID int64, user string) (*Response, error) {
	l, err := h.db.LeadByID(ctx, leadID)
	if errors.Is(err, store.ErrNotFound) {
		resp := textResponse("That lead is gone: its post was deleted.")
		resp.Replace = true
		return &resp, nil
	}
	if err != nil || h.allowed(PermReason, user, subject{poster: l.PostedBy}) {
		return nil, err
	}
	msg, refused := h.ratingRefusal(user, l.PostedBy)
	if !refused {
		msg = "Sorry, you cannot give a reason for this lead."
	}
	resp := textResponse(msg)
	resp.Replace = true
	return &resp, nil
}

// refusedOr returns the refusal, or the error.
func refusedOr(refused *Response, err error) (Response, error) {
	if err != nil {
		return Response{}, err
	}
	return *refused, nil
}

func (h *Handler) saveReason(ctx context.Context, leadID int64, user, reason string) (Response, error) {
	if refused, err := h.reasonRefused(ctx, leadID, user); refused != nil || err != nil {
		return refusedOr(refused, err)
	}
	err := h.db.SetReason(ctx, leadID, user, reason)
	if errors.Is(err, store.ErrNotFound) {
		msg := "Your rating of this lead is no longer *poor*, so no reason was recorded."
		return Response{Text: msg, Blocks: []Block{Section{Text: msg}}, Replace: true}, nil
	}
	if err != nil {
		return Response{}, err
	}
	msg := fmt.Sprintf(":pray: Thanks — noted: _%s_.", Escape(reasonLabel(reason)))
	return Response{Text: msg, Blocks: []Block{Section{Text: msg}}, Replace: true}, nil
}

func (h *Handler) submitReason(ctx context.Context, s Submission) (SubmitResult, error) {
	f := field{id: "reason", noun: "reason", max: maxReason, required: true, multiline: true}
	errs := map[string]string{}
	text := f.check(errs, s.Values["reason"])
	if len(errs) > 0 {
		return SubmitResult{Errors: errs}, nil
	}
	id, err := metadataID(s.Metadata)
	if err != nil {
		return SubmitResult{}, fmt.Errorf("reason form: %w", err)
	}
	resp, err := h.saveReason(ctx, id, s.UserID, "other: "+text)
	return SubmitResult{Reply: resp}, err
}

// window is a period of /leads.
type window struct {
	from, to time.Time
	label    string
}

var windowSpec = regexp.MustCompile(`^(\d{1,4})\s*(h|d|w)$`)

// parseWindow reads "/leads" arguments: nothing or "week" for this week
// (from Monday 00:00 in the configured zone), or a rolling window such as
// 24h, 7d, 30d or 2w.
func (h *Handler) parseWindow(text string, now time.Time) (window, error) {
	text = strings.ToLower(strings.TrimSpace(text))
	if text == "" || text == "week" || text == "this week" {
		start := weekStart(now.In(h.loc))
		return window{from: start, to: now, label: "this week (since " + start.Format("Mon 2 Jan") + ")"}, nil
	}
	m := windowSpec.FindStringSubmatch(text)
	if m == nil {
		return window{}, userErrorf("I don't understand the period _%s_. Use `/leads` for this week, or `/leads 7d`, `/leads 30d`, `/leads 2w`, `/leads 24h`.", truncateEscaped(text, 40))
	}
	n, _ := strconv.Atoi(m[1])
	unit := map[string]time.Duration{"h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
	d := time.Duration(n) * unit
	if n == 0 || d > 366*24*time.Hour {
		return window{}, userErrorf("Pick a period between 1h and 366d, e.g. `/leads 30d`.")
	}
	words := map[string]string{"h": "hour", "d": "day", "w": "week"}
	return window{from: now.Add(-d), to: now, label: fmt.Sprintf("the last %d %s%s", n, words[m[2]], plural(n))}, nil
}

// weekStart returns Monday 00:00 of t's ISO week, in t's zone.
func weekStart(t time.Time) time.Time {
	day := (int(t.Weekday()) + 6) % 7 // Monday = 0
	y, mo, d := t.AddDate(0, 0, -day).Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, t.Location())
}

func (h *Handler) leads(ctx context.Context, req Request, shared bool) (Response, error) {
	text := strings.TrimSpace(req.Text)
	if sub := strings.ToLower(text); sub == "help" || sub == "-h" || sub == "--help" || sub == "?" {
		return textResponse(leadsUsage), nil
	}
	now := h.now()
	first, rest, _ := strings.Cut(text, " ")
	switch strings.ToLower(first) {
	case "by":
		return h.leadsBy(ctx, strings.TrimSpace(rest), now, shared)
	case "returned":
		return h.leadsReturned(ctx, strings.TrimSpace(rest), now, shared)
	}
	w, err := h.parseWindow(text, now)
	if err != nil {
		return Response{}, err
	}
	stats, err := h.db.LeadStats(ctx, w.from, w.to.Add(time.Nanosecond), h.sla, now)
	if err != nil {
		return Response{}, err
	}
	const listed = 10
	waiting, err := h.db.WaitingLeads(ctx, w.from, w.to.Add(time.Nanosecond), listed)
	if err != nil {
		return Response{}, err
	}
	title := "Leads — " + w.label
	blocks := []Block{Header{Text: title}}
	if len(h.leadChannels) == 0 {
		blocks = append(blocks, Context{Texts: []string{"No leads channel is configured: set SMARKETING_LEADS_CHANNELS."}})
	}
	figures := leadFigures(stats, nil, h.slaText(1))
	blocks = append(blocks, figures...)
	lines := []string{title, blockText(figures)}
	if stats.Waiting() > 0 {
		head := fmt.Sprintf("*Still waiting for feedback* (%d):", stats.Waiting())
		var items []string
		for _, l := range waiting {
			items = append(items, "• "+h.leadLink(l)+" — posted "+h.when(l.PostedAt))
		}
		if more := stats.Waiting() - len(waiting); more > 0 {
			items = append(items, fmt.Sprintf("…and %d more.", more))
		}
		body := head + "\n" + strings.Join(items, "\n")
		blocks = append(blocks, Section{Text: Truncate(body, 3000)})
		lines = append(lines, body)
	}
	if !shared {
		blocks = append(blocks, shareActions(strings.TrimSpace("/leads "+text)))
	}
	return Response{Text: Truncate(strings.Join(lines, "\n"), 3900), Blocks: blocks}, nil
}

const leadsUsage = "*`/leads` — how sales rates the leads marketing hands over*\n" +
	"• `/leads` — this week: leads posted, rated, % good, hot, why poor, time to first feedback, SLA, and the leads still waiting\n" +
	"• `/leads 30d` — the same for another period (`24h`, `7d`, `2w`, `30d` …)\n" +
	"• `/leads by source [WINDOW]`, `/leads by campaign [WINDOW]` — the same figures for each source or campaign\n" +
	"• `/leads returned [WINDOW]` — the leads sales returned to marketing: rated poor, with the reason\n" +
	"Rate a lead by reacting to its post: :+1: good, :-1: poor, :fire: hot."

// leadLink is a link to a lead's post, labelled with the start of its
// text (escaped, and cut without splitting an entity); only the label when
// the lead's channel or ts is not of Slack's shape.
func (h *Handler) leadLink(l store.Lead) string {
	label := strings.Join(strings.Fields(l.Text), " ")
	if label == "" {
		label = "(no text)"
	}
	return h.messageLink(l.Channel, l.TS, label, 80)
}

// leadFigures renders lead statistics, each figure with its change against
// prev when prev is given.
func leadFigures(s store.LeadStats, prev *store.LeadStats, sla string) []Block {
	var p store.LeadStats
	if prev != nil {
		p = *prev
	}
	change := func(cur, old float64, ok bool) string {
		if prev == nil || !ok {
			return ""
		}
		return " " + delta(cur, old)
	}
	pct := func(v float64, ok bool) string {
		if !ok {
			return "–"
		}
		return fmt.Sprintf("%.0f%%", v*100)
	}
	good, goodOK := s.GoodShare()
	pgood, pgoodOK := p.GoodShare()
	within, withinOK := s.SLAShare()
	pwithin, pwithinOK := p.SLAShare()
	med, medOK := s.MedianFirstFeedback()
	pmed, pmedOK := p.MedianFirstFeedback()
	medText := "–"
	if medOK {
		medText = humanDuration(med)
	}
	fields := []string{
		fmt.Sprintf("*Leads posted*\n%d%s", s.Posted, change(float64(s.Posted), float64(p.Posted), true)),
		fmt.Sprintf("*Rated*\n%d of %d%s", s.Rated, s.Posted, change(float64(s.Rated), float64(p.Rated), true)),
		fmt.Sprintf("*Good*\n%s of %d rating%s%s", pct(good, goodOK), s.Ratings, plural(s.Ratings), change(good, pgood, goodOK && pgoodOK)),
		fmt.Sprintf("*Hot leads*\n%d%s", s.Hot, change(float64(s.Hot), float64(p.Hot), true)),
		fmt.Sprintf("*Median time to first feedback*\n%s%s", medText, change(float64(med), float64(pmed), medOK && pmedOK)),
		fmt.Sprintf("*Feedback within SLA (%s)*\n%s%s", sla, pct(within, withinOK), change(within, pwithin, withinOK && pwithinOK)),
	}
	blocks := []Block{Section{Fields: fields}}
	if len(s.Reasons) > 0 {
		var rs []string
		for i, r := range s.Reasons {
			if i == 5 {
				break
			}
			rs = append(rs, fmt.Sprintf("%d. %s — %d", i+1, Escape(reasonLabel(r.Reason)), r.Count))
		}
		blocks = append(blocks, Section{Text: "*Why leads were poor*\n" + strings.Join(rs, "\n")})
	}
	return blocks
}

// delta shows a change: ▲ or ▼ with the percentage, or "=".
func delta(cur, old float64) string {
	switch {
	case cur == old:
		return "(=)"
	case old == 0:
		return "(▲ new)"
	}
	ch := (cur - old) / old * 100
	if ch > 0 {
		return fmt.Sprintf("(▲ %.0f%%)", ch)
	}
	return fmt.Sprintf("(▼ %.0f%%)", -ch)
}

// humanDuration writes d as "3d 4h", "2h 5m" or "45m".
func humanDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	days, hours, mins := int(d.Hours())/24, int(d.Hours())%24, int(d.Minutes())%60
	switch {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%dd %dh", days, hours)
	case days > 0:
		return fmt.Sprintf("%dd", days)
	case hours > 0 && mins > 0:
		return fmt.Sprintf("%dh %dm", hours, mins)
	case hours > 0:
		return fmt.Sprintf("%dh", hours)
	}
	return fmt.Sprintf("%dm", mins)
}

// blockText is the plain fallback of some blocks.
func blockText(bs []Block) string {
	var out []string
	for _, b := range bs {
		switch b := b.(type) {
		case Section:
			if b.Text != "" {
				out = append(out, b.Text)
			}
			for _, f := range b.Fields {
				out = append(out, strings.ReplaceAll(f, "\n", ": "))
			}
		case Context:
			out = append(out, b.Texts...)
		}
	}
	return strings.Join(out, "\n")
}

// SLAReminder is what the bot posts in the thread of a lead nobody rated
// within the SLA. It mentions nobody: the channel sees it, no one is paged.
func (h *Handler) SLAReminder() Response {
	msg := fmt.Sprintf(":hourglass_flowing_sand: No feedback on this lead yet, %s after it was posted. Sales, please rate it: %s.",
		h.slaText(1), h.ratingHint())
	return Response{Text: msg, Blocks: []Block{Section{Text: msg}}}
}

// ratingHint lists one emoji per rating, e.g. ":+1: good, :-1: poor or :fire: hot".
func (h *Handler) ratingHint() string {
	var parts []string
	for _, r := range []store.Rating{store.Good, store.Poor, store.Hot} {
		var emoji []string
		for e, rating := range h.reactions {
			if rating == string(r) {
				emoji = append(emoji, e)
			}
		}
		if len(emoji) == 0 {
			continue
		}
		slices.Sort(emoji)
		parts = append(parts, fmt.Sprintf(":%s: %s", emoji[0], r))
	}
	if len(parts) == 0 {
		return "react to the post"
	}
	if len(parts) == 1 {
		return "react with " + parts[0]
	}
	return "react with " + strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

// DefaultReactions is the emoji → rating map of SPEC §5.
const DefaultReactions = "+1=good,thumbsup=good,white_check_mark=good,-1=poor,thumbsdown=poor,x=poor,fire=hot"

var emojiName = regexp.MustCompile(`^[a-z0-9_+'-]+$`)

// ParseReactions reads an emoji → rating map written like
// "+1=good,-1=poor,fire=hot" (colons around emoji names are allowed).
func ParseReactions(s string) (map[string]string, error) {
	m := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		emoji, rating, ok := strings.Cut(pair, "=")
		emoji = strings.ToLower(strings.Trim(strings.TrimSpace(emoji), ":"))
		rating = strings.ToLower(strings.TrimSpace(rating))
		if !ok || emoji == "" {
			return nil, fmt.Errorf("%q is not emoji=rating", pair)
		}
		if !emojiName.MatchString(emoji) {
			return nil, fmt.Errorf("%q is not an emoji name", emoji)
		}
		switch store.Rating(rating) {
		case store.Good, store.Poor, store.Hot:
		default:
			return nil, fmt.Errorf("rating %q for %q must be good, poor or hot", rating, emoji)
		}
		if prev, dup := m[emoji]; dup && prev != rating {
			return nil, fmt.Errorf("%q is mapped twice (%s and %s)", emoji, prev, rating)
		}
		m[emoji] = rating
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("no emoji given")
	}
	return m, nil
}
