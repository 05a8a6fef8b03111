package commands

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"smarketing/schedules/cronspec"
	"smarketing/store"
)

// Limits on meetings, in characters.
const (
	MaxMeetingTitle = 100
	MaxAgendaText   = 300
)

const (
	modalMeetingAdd = "meeting_add"

	inputMeetingTitle   = "title"
	inputMeetingDays    = "days"
	inputMeetingTime    = "time"
	inputMeetingChannel = "channel"
)

const meetingUsage = "*`/meeting` — the joint sales and marketing meetings*\n" +
	"• `/meeting add \"TITLE\" SCHEDULE [#channel]` — schedule a meeting; its reminder, with the agenda and the open actions, goes to the channel (default: the recap channel)\n" +
	"• `/meeting add` — schedule one with a form\n" +
	"• `/meeting list` — every meeting with the next time it really happens\n" +
	"• `/meeting agenda ID TEXT` — add an item to the next meeting's agenda; `/meeting agenda ID` shows the agenda\n" +
	"• `/meeting action ID @someone TEXT [by DATE]` — an action item with an owner (and a due date: `fri`, `tomorrow`, `in 3 days`, `2026-12-15`)\n" +
	"• `/meeting actions [ID|mine]` — the open action items; `/meeting done N` closes one (its owner, who added it, or an admin)\n" +
	"• `/meeting decide ID TEXT` — log a decision; `/meeting decisions ID` lists them\n" +
	"• `/meeting skip ID DATE` — skip one occurrence (`/meeting unskip ID DATE` undoes it); holidays are skipped anyway\n" +
	"• `/meeting delete ID` — delete a meeting (the person who added it, or an admin)\n" +
	"SCHEDULE is `every DAY[,DAY] at HH:MM` (e.g. `every mon,thu at 16:30`), `every 2 weeks on DAY at HH:MM`, `first|second|third|fourth|last DAY of the month at HH:MM` — " +
	"days `mon`…`sun`, full names, `weekdays` or `day`; 24-hour `16:30` or `4:30pm` — " +
	"or a cron spec (`0 10 * * TUE`) or descriptor (`@weekly`, `@every 168h`).\n" +
	"Examples: `/meeting add \"Pipeline review\" every tue at 10:00 #sales-marketing`, " +
	"`/meeting add \"Funnel retro\" last fri of the month at 16:00`, `/meeting action 3 @ana Send the pricing deck by fri`"

func (h *Handler) meeting(ctx context.Context, req Request, shared bool) (Response, error) {
	text := strings.TrimSpace(req.Text)
	sub, rest := splitWord(text)
	switch strings.ToLower(sub) {
	case "", "help", "-h", "--help", "?":
		return textResponse(meetingUsage), nil
	case "list", "ls":
		return h.meetingList(ctx, shared)
	}
	if shared {
		// Only the read-only answers can be shared.
		id, _ := splitWord(rest)
		switch strings.ToLower(sub) {
		case "agenda":
			return h.meetingAgenda(ctx, req, id, "", true)
		case "actions":
			return h.actionList(ctx, req, id, true)
		case "decisions":
			return h.decisionList(ctx, id, true)
		}
		return h.meetingList(ctx, true)
	}
	switch strings.ToLower(sub) {
	case "add", "new", "schedule":
		return h.meetingAdd(ctx, req, rest)
	case "delete", "remove", "rm", "cancel":
		return h.meetingDelete(ctx, req, rest)
	case "agenda":
		id, item := splitWord(rest)
		return h.meetingAgenda(ctx, req, id, item, false)
	case "action", "todo", "task":
		return h.actionAdd(ctx, req, rest)
	case "actions", "todos", "tasks":
		return h.actionList(ctx, req, rest, false)
	case "done", "close", "finish":
		return h.actionDone(ctx, req, rest)
	case "decide", "decision":
		return h.decisionAdd(ctx, req, rest)
	case "decisions", "log":
		return h.decisionList(ctx, rest, false)
	case "skip":
		return h.meetingSkip(ctx, req, rest, true)
	case "unskip":
		return h.meetingSkip(ctx, req, rest, false)
	}
	resp := textResponse(fmt.Sprintf("I don't know `/meeting %s`.\n", codeText(sub, 40)) + meetingUsage)
	return resp, nil
}

// --- schedules --------------------------------------------------------------

// scheduleError turns an error of schedules/cronspec (plain text) into an
// answer; anything else is returned as it is.
func scheduleError(err error) error {
	var ce *cronspec.Error
	if errors.As(err, &ce) {
		return &UserError{Msg: Escape(ce.Msg)}
	}
	return err
}

// schedule reads a stored meeting schedule in the configured zone.
func (h *Handler) schedule(m store.Meeting) (cronspec.Schedule, error) {
	s, err := cronspec.Meeting(m.Schedule, h.loc, m.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("meeting %d: %w", m.ID, err)
	}
	return s, nil
}

// Occurrence is one start time of a meeting, and why it does not happen
// if it does not.
type Occurrence struct {
	At time.Time // in the configured zone
	// Skipped is "" for an occurrence that happens, skipSkipped for one
	// skipped with /meeting skip and skipHoliday for one on a holiday
	// (SMARKETING_HOLIDAYS).
	Skipped string
}

const (
	skipSkipped = "skipped"
	skipHoliday = "holiday"
)

// skipped says why an occurrence at t of m does not happen ("" if it
// does). It is the one rule for skips: reminders, /meeting list and the
// recap all go through [Handler.occurrences].
func (h *Handler) skipped(m store.Meeting, t time.Time) string {
	day := cronspec.DateOf(t.In(h.loc)).String()
	if _, found := slices.BinarySearch(m.Skips, day); found {
		return skipSkipped
	}
	if h.holidays != nil && h.holidays.Has(t.In(h.loc)) {
		return skipHoliday
	}
	return ""
}

// maxSkippedInARow bounds how many skipped occurrences in a row a look-up
// steps over (a daily meeting over a long holiday list): past it, the
// meeting counts as not happening again in the window.
const maxSkippedInARow = 400

// occurrences returns the start times of meeting m after `after` and up to
// and including until, in the configured zone: at most limit that happen,
// and with withSkipped the skipped ones among them too (not counted in
// limit).
func (h *Handler) occurrences(m store.Meeting, after, until time.Time, limit int, withSkipped bool) ([]Occurrence, error) {
	sched, err := h.schedule(m)
	if err != nil {
		return nil, err
	}
	var out []Occurrence
	happen, inARow := 0, 0
	for t := after; happen < limit && inARow < maxSkippedInARow; {
		next := sched.Next(t)
		if next.IsZero() || next.After(until) {
			break
		}
		t = next
		o := Occurrence{At: next.In(h.loc), Skipped: h.skipped(m, next)}
		if o.Skipped == "" {
			happen++
			inARow = 0
		} else {
			inARow++
			if !withSkipped {
				continue
			}
		}
		out = append(out, o)
	}
	return out, nil
}

// MeetingOccurrences returns the start times of meeting m that really
// happen (not skipped, not on a holiday) after `after` and up to and
// including until, at most limit of them, in the configured zone.
func (h *Handler) MeetingOccurrences(m store.Meeting, after, until time.Time, limit int) ([]time.Time, error) {
	occ, err := h.occurrences(m, after, until, limit, false)
	if err != nil {
		return nil, err
	}
	out := make([]time.Time, len(occ))
	for i, o := range occ {
		out[i] = o.At
	}
	return out, nil
}

// nextMeeting is the next start of m after t, or the zero time.
func (h *Handler) nextMeeting(m store.Meeting, t time.Time) time.Time {
	// Five years is as far as robfig/cron looks (29 February).
	next, err := h.MeetingOccurrences(m, t, t.AddDate(5, 0, 1), 1)
	if err != nil || len(next) == 0 {
		return time.Time{}
	}
	return next[0]
}

// skippedNote says which occurrences of m do not happen, and why, up to
// its next real one after t or in the next eight weeks, whichever is
// later: " (skips Tue 22 Dec: holiday)"; "" if none.
func (h *Handler) skippedNote(m store.Meeting, t time.Time) string {
	until := t.AddDate(0, 0, 7*8)
	if next := h.nextMeeting(m, t); next.After(until) {
		until = next
	}
	occ, err := h.occurrences(m, t, until, maxSkippedInARow, true)
	if err != nil {
		return ""
	}
	var skips []string
	for _, o := range occ {
		if o.Skipped == "" {
			continue
		}
		if len(skips) == 3 {
			skips = append(skips, "…")
			break
		}
		skips = append(skips, h.meetingDay(o.At)+": "+o.Skipped)
	}
	if len(skips) == 0 {
		return ""
	}
	return " (skips " + strings.Join(skips, ", ") + ")"
}

// meetingCounts says how many agenda items and open actions m has.
func meetingCounts(m store.Meeting) string {
	s := fmt.Sprintf("%d agenda item%s", m.Agenda, plural(m.Agenda))
	if m.OpenActions > 0 {
		s += fmt.Sprintf(", %d open action%s", m.OpenActions, plural(m.OpenActions))
	}
	return s
}

// meetingDay shows the date of a meeting time: "Tue 22 Dec", with the
// year when it is not this year's.
func (h *Handler) meetingDay(t time.Time) string {
	t = t.In(h.loc)
	if t.Year() != h.now().In(h.loc).Year() {
		return t.Format("Mon 2 Jan 2006")
	}
	return t.Format("Mon 2 Jan")
}

// meetingWhen shows a meeting time in the configured zone, with the year
// only when it is not this year's: "Tue 1 Dec 10:00 CET".
func (h *Handler) meetingWhen(t time.Time) string {
	if t.IsZero() {
		return "not scheduled again"
	}
	t = t.In(h.loc)
	if t.Year() != h.now().In(h.loc).Year() {
		return t.Format("Mon 2 Jan 2006 15:04 MST")
	}
	return t.Format("Mon 2 Jan 15:04 MST")
}

// leadText says when reminders go out.
func (h *Handler) leadText() string {
	if h.meetingReminder <= 0 {
		return "at the start time"
	}
	return humanDuration(h.meetingReminder) + " before"
}

// --- channels and titles ----------------------------------------------------

var (
	// channelLink is a channel as Slack escapes it: <#C123|name> or <#C123>.
	channelLink = regexp.MustCompile(`^<#([CG][A-Z0-9]+)(?:\|[^<>]*)?>$`)
	// channelID is a channel ID as people type it: C or G, letters and at
	// least one digit (so that words are not taken for IDs).
	channelID = regexp.MustCompile(`^#?([CG][A-Z0-9]*[0-9][A-Z0-9]*)$`)
)

// parseChannel reads a channel: <#C123|name>, <#C123>, C123 or #C123. ok is
// false for anything else.
func parseChannel(s string) (id string, ok bool) {
	s = strings.TrimSpace(s)
	if m := channelLink.FindStringSubmatch(s); m != nil {
		return m[1], true
	}
	if m := channelID.FindStringSubmatch(s); m != nil {
		return m[1], true
	}
	return "", false
}

// lowerChannelID reports whether s is a channel ID typed in lower case
// ("c0123abcd", "#c0123abcd"), and returns it as it must be typed.
func lowerChannelID(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == strings.ToUpper(s) {
		return "", false
	}
	m := channelID.FindStringSubmatch(strings.ToUpper(s))
	if m == nil {
		return "", false
	}
	return m[1], true
}

// channelHelp explains how to name a channel.
const channelHelp = "Pick the channel from the list that opens when you type # (Slack then sends its ID), or give its ID, e.g. C0123ABCD " +
	"(channel name → About → Channel ID)."

// meetingLine is what `/meeting add` was given, before validation.
type meetingLine struct {
	title, schedule, channel string
	hasChannel               bool
}

// codeText makes user text safe inside `code`: escaped, at most n
// characters, and without backticks, which would end the code early.
func codeText(s string, n int) string {
	return truncateEscaped(strings.ReplaceAll(s, "`", "'"), n)
}

// closingQuotes maps each opening double quote to the quotes that may
// close it, the matching one first: straight quotes, “English”, „German“,
// and the mixes phones and editors make of them.
var closingQuotes = map[rune][]string{'"': {`"`, "”"}, '“': {"”", `"`}, '„': {"“", "”", `"`}, '”': {"”", `"`}}

// parseMeetingLine splits `"TITLE" SCHEDULE [#channel]`.
func parseMeetingLine(s string) (meetingLine, error) {
	s = strings.TrimSpace(s)
	example := "`/meeting add \"Pipeline review\" every tue at 10:00 #sales-marketing`"
	first, size := utf8.DecodeRuneInString(s)
	closers, quoted := closingQuotes[first]
	if !quoted {
		return meetingLine{}, userErrorf("Put the title in double quotes, then the schedule, e.g. %s.", example)
	}
	rest := s[size:]
	end := -1
	for _, c := range closers {
		if end = strings.Index(rest, c); end >= 0 {
			break
		}
	}
	if end < 0 {
		return meetingLine{}, userErrorf("The title has no closing quote. For example %s.", example)
	}
	_, closeSize := utf8.DecodeRuneInString(rest[end:])
	line := meetingLine{title: rest[:end], schedule: strings.TrimSpace(rest[end+closeSize:])}
	words := strings.Fields(line.schedule)
	if len(words) == 0 {
		return line, nil
	}
	last := words[len(words)-1]
	if id, ok := parseChannel(last); ok {
		line.channel, line.hasChannel = id, true
		line.schedule = strings.TrimSpace(strings.TrimSuffix(line.schedule, last))
	} else if id, ok := lowerChannelID(last); ok {
		return meetingLine{}, userErrorf("Channel IDs are in capitals: type `%s` instead of `%s`.", id, codeText(last, 80))
	} else if strings.HasPrefix(last, "#") || strings.HasPrefix(last, "<#") {
		return meetingLine{}, userErrorf("I can't tell which channel `%s` is. %s", codeText(last, 80), channelHelp)
	}
	return line, nil
}

// meetingInput is a meeting as given in a command or a form.
type meetingInput struct {
	title, schedule, channel string
}

// validate checks a meeting and returns the problems keyed by input ID
// (plain text, for forms) or the meeting to save.
func (h *Handler) validateMeeting(in meetingInput) (store.Meeting, map[string]string) {
	errs := map[string]string{}
	titleField := field{id: inputMeetingTitle, noun: "title", max: MaxMeetingTitle, required: true}
	m := store.Meeting{Title: titleField.check(errs, in.title), Schedule: in.schedule, Channel: in.channel}
	if m.Channel == "" {
		m.Channel = h.recapChannel
	}
	if m.Channel == "" {
		errs[inputMeetingChannel] = "Which channel should the reminders go to? No default channel is set (SMARKETING_RECAP_CHANNEL)."
	}
	return m, errs
}

// --- /meeting add -----------------------------------------------------------

func (h *Handler) meetingAdd(ctx context.Context, req Request, rest string) (Response, error) {
	if strings.TrimSpace(rest) == "" {
		return Response{Modal: h.meetingModal("")}, nil
	}
	line, err := parseMeetingLine(rest)
	if err != nil {
		return Response{}, err
	}
	if line.schedule == "" && !line.hasChannel {
		// `/meeting add "Title"`: ask for the rest in the form.
		return Response{Modal: h.meetingModal(line.title)}, nil
	}
	spec, err := cronspec.ParseMeeting(line.schedule, h.now(), h.loc)
	if err != nil {
		return Response{}, scheduleError(err)
	}
	m, errs := h.validateMeeting(meetingInput{title: line.title, schedule: spec, channel: line.channel})
	if msg, ok := errs[inputMeetingChannel]; ok {
		return Response{}, userErrorf("%s Add it at the end: `/meeting add \"%s\" %s #channel`.",
			msg, codeText(strings.TrimSpace(line.title), 60), codeText(line.schedule, 60))
	}
	if len(errs) > 0 {
		return Response{}, joinErrors(errs, []field{{id: inputMeetingTitle}})
	}
	if msg, _, err := h.meetingChannelRefusal(ctx, m.Channel, req.UserID); msg != "" || err != nil {
		if err != nil {
			return Response{}, err
		}
		return Response{}, &UserError{Msg: msg}
	}
	saved, err := h.db.AddMeeting(ctx, m, actor(req.UserID, req.UserName))
	if err != nil {
		return Response{}, err
	}
	h.changed(MeetingsChanged)
	return h.meetingSaved(saved), nil
}

// meetingChannelRefusal says why user may not schedule a meeting in
// channel ([PermAddMeeting]: its reminders post there, so only its
// members may), as mrkdwn for a command and as plain text for the form;
// both "" if they may.
func (h *Handler) meetingChannelRefusal(ctx context.Context, channel, user string) (msg, plain string, err error) {
	ok, err := h.may(ctx, PermAddMeeting, user, subject{channel: channel})
	switch {
	case errors.Is(err, ErrChannelHidden):
		const why = "it is a private channel I am not in, or no channel at all. Add me to it first (in the channel: channel name → Integrations → Add apps), then schedule the meeting again."
		return fmt.Sprintf("I can't see who is in %s: %s", channelRef(channel), why), "I can't see who is in that channel: " + why, nil
	case err != nil:
		return "", "", err
	case !ok:
		const why = "its reminders post there, so only its members schedule meetings in it. Join it first, or pick a channel you are in."
		return fmt.Sprintf("Sorry, you are not a member of %s: %s", channelRef(channel), why), "You are not a member of that channel: " + why, nil
	}
	return "", "", nil
}

// meetingSaved confirms a new meeting.
func (h *Handler) meetingSaved(m store.Meeting) Response {
	msg := fmt.Sprintf(":white_check_mark: Scheduled *%s* (#%d) in %s, %s (%s). Next: *%s*.",
		Escape(m.Title), m.ID, channelRef(m.Channel), cronspec.Describe(m.Schedule), Escape(h.loc.String()), h.meetingWhen(h.nextMeeting(m, h.now())))
	more := fmt.Sprintf("The reminder goes to %s %s, with the agenda: add items with `/meeting agenda %d TEXT`. "+
		"I can only post in channels I was invited to.", channelRef(m.Channel), h.leadText(), m.ID)
	return Response{Text: msg + "\n" + more, Blocks: []Block{Section{Text: msg}, Context{Texts: []string{more}}}}
}

func (h *Handler) meetingModal(title string) *Modal {
	channelHint := "Channel ID, e.g. C0123ABCD (channel name → About → Channel ID)."
	if h.recapChannel != "" {
		channelHint += " Leave empty for the recap channel."
	}
	inline := `/meeting add "TITLE" every DAY at HH:MM #channel`
	if t := strings.TrimSpace(title); t != "" && !strings.ContainsAny(t, "\"“”„") {
		inline = `/meeting add "` + singleLine(t) + `" every DAY at HH:MM #channel`
	}
	return &Modal{
		CallbackID: modalMeetingAdd,
		Title:      "Schedule a meeting",
		Submit:     "Schedule",
		Inline:     inline,
		Inputs: []Input{
			{ID: inputMeetingTitle, Label: "Title", Placeholder: "e.g. Weekly pipeline review", Value: Truncate(strings.TrimSpace(title), MaxMeetingTitle), MaxLength: MaxMeetingTitle},
			{ID: inputMeetingDays, Label: "Days", Hint: "Days of the week, separated by commas: mon, tue, wed, thu, fri, sat, sun, or weekdays.", Placeholder: "e.g. tue, thu", MaxLength: 100},
			{ID: inputMeetingTime, Label: "Time", Hint: "24-hour HH:MM (or 4:30pm), " + h.loc.String() + " time.", Placeholder: "e.g. 10:00", MaxLength: 20},
			{ID: inputMeetingChannel, Label: "Channel", Hint: channelHint, Placeholder: "e.g. C0123ABCD", Optional: h.recapChannel != "", MaxLength: 200, Channel: true},
		},
	}
}

func (h *Handler) submitMeeting(ctx context.Context, s Submission) (SubmitResult, error) {
	in := meetingInput{title: s.Values[inputMeetingTitle]}
	errs := map[string]string{}
	dow, err := cronspec.ParseDays(s.Values[inputMeetingDays])
	if err != nil {
		errs[inputMeetingDays] = err.Error()
	}
	hour, minute, err := cronspec.ParseClock(s.Values[inputMeetingTime])
	if err != nil {
		errs[inputMeetingTime] = err.Error()
	}
	in.schedule = fmt.Sprintf("%d %d * * %s", minute, hour, dow)
	if c := strings.TrimSpace(s.Values[inputMeetingChannel]); c != "" {
		id, ok := parseChannel(c)
		if upper, lower := lowerChannelID(c); !ok && lower {
			errs[inputMeetingChannel] = "Channel IDs are in capitals: type " + upper + "."
		} else if !ok {
			errs[inputMeetingChannel] = "That is not a channel ID. It looks like C0123ABCD: open the channel name → About → Channel ID."
		}
		in.channel = id
	}
	m, more := h.validateMeeting(in)
	for k, v := range more {
		if _, taken := errs[k]; !taken {
			errs[k] = v
		}
	}
	if len(errs) > 0 {
		return SubmitResult{Errors: errs}, nil
	}
	if _, msg, err := h.meetingChannelRefusal(ctx, m.Channel, s.UserID); msg != "" || err != nil {
		if err != nil {
			return SubmitResult{}, err
		}
		return SubmitResult{Errors: map[string]string{inputMeetingChannel: msg}}, nil
	}
	saved, err := h.db.AddMeeting(ctx, m, actor(s.UserID, s.UserName))
	if err != nil {
		return SubmitResult{}, err
	}
	h.changed(MeetingsChanged)
	return SubmitResult{Reply: h.meetingSaved(saved)}, nil
}

// ValidateMeeting checks a meeting from outside Slack (an import) by the
// same rules as /meeting and returns it cleaned (the schedule as stored:
// `every tue at 10:00` is accepted too, read in loc at now), or a
// [*UserError] naming the problems. Agenda items are trimmed, and empty
// ones dropped; actions, decisions and skips are checked as
// [validateOutcomes] says.
func ValidateMeeting(r store.MeetingRecord, loc *time.Location, now time.Time) (store.MeetingRecord, error) {
	var msgs []string
	titleField := field{id: inputMeetingTitle, noun: "title", max: MaxMeetingTitle, required: true}
	errs := map[string]string{}
	r.Title = titleField.check(errs, r.Title)
	if m, ok := errs[inputMeetingTitle]; ok {
		msgs = append(msgs, m)
	}
	spec, err := cronspec.ParseMeeting(r.Schedule, now, loc)
	if err != nil {
		msgs = append(msgs, fmt.Sprintf("The schedule %q is not valid (these are: every tue at 10:00, every 2 weeks on tue at 10:00, last fri of the month at 16:00, 0 10 * * TUE, @weekly).", Truncate(r.Schedule, 60)))
	}
	r.Schedule = spec
	id, ok := parseChannel(r.Channel)
	if !ok {
		msgs = append(msgs, fmt.Sprintf("The channel %q is not a channel ID (C0123ABCD).", Truncate(r.Channel, 40)))
	}
	r.Channel = id
	agenda := []string{}
	for _, item := range r.Agenda {
		if !utf8.ValidString(item) {
			msgs = append(msgs, "An agenda item is not valid UTF-8 text; save the file as UTF-8.")
			break
		}
		item = singleLine(item)
		if item == "" {
			continue
		}
		// An item from a message is exported with its link.
		if n := utf8.RuneCountInString(item); n > MaxAgendaText+maxLinkText {
			msgs = append(msgs, fmt.Sprintf("Agenda items are at most %d characters (one has %d).", MaxAgendaText, n))
			break
		}
		agenda = append(agenda, item)
	}
	r.Agenda = agenda
	msgs = append(msgs, validateOutcomes(&r)...)
	if len(msgs) > 0 {
		return store.MeetingRecord{}, &UserError{Msg: strings.Join(msgs, " ")}
	}
	return r, nil
}

// --- /meeting list ----------------------------------------------------------

func (h *Handler) meetingList(ctx context.Context, shared bool) (Response, error) {
	meetings, err := h.db.Meetings(ctx)
	if err != nil {
		return Response{}, err
	}
	if len(meetings) == 0 {
		return textResponse("No joint meetings scheduled yet. Add one with `/meeting add \"Pipeline review\" every tue at 10:00`."), nil
	}
	title := fmt.Sprintf("*Joint meetings* — %d", len(meetings))
	blocks := []Block{Section{Text: title}}
	lines := []string{title}
	const maxBlocks = 45
	now := h.now()
	for i, m := range meetings {
		if len(blocks) >= maxBlocks {
			more := fmt.Sprintf("…and %d more.", len(meetings)-i)
			blocks = append(blocks, Context{Texts: []string{more}})
			lines = append(lines, more)
			break
		}
		line := fmt.Sprintf("*#%d · %s*\n%s · %s · next *%s*%s · %s",
			m.ID, truncateEscaped(m.Title, MaxMeetingTitle+20), channelRef(m.Channel), cronspec.Describe(m.Schedule),
			h.meetingWhen(h.nextMeeting(m, now)), h.skippedNote(m, now), meetingCounts(m))
		blocks = append(blocks, Section{Text: line})
		lines = append(lines, line)
	}
	foot := fmt.Sprintf("Times in %s. Reminders go out %s, with the agenda and the open actions. Add to one with `/meeting agenda ID TEXT`.", Escape(h.loc.String()), h.leadText())
	blocks = append(blocks, Context{Texts: []string{foot}})
	lines = append(lines, foot)
	if !shared {
		blocks = append(blocks, shareActions("/meeting list"))
	}
	return Response{Text: Truncate(strings.Join(lines, "\n"), 3900), Blocks: blocks}, nil
}

// --- /meeting delete --------------------------------------------------------

// parseMeetingID reads a meeting ID as typed: "3" or "#3".
func parseMeetingID(s string) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(s), "#"), 10, 64)
	return id, err == nil && id > 0
}

// findMeeting resolves a typed ID; usage is the command to show if it is
// missing or malformed.
func (h *Handler) findMeeting(ctx context.Context, typed, usage string) (store.Meeting, error) {
	id, ok := parseMeetingID(typed)
	if !ok {
		if typed == "" {
			return store.Meeting{}, userErrorf("Which meeting? Use %s; `/meeting list` shows the IDs.", usage)
		}
		return store.Meeting{}, userErrorf("`%s` is not a meeting ID. Use %s; `/meeting list` shows the IDs.", codeText(typed, 40), usage)
	}
	m, err := h.db.Meeting(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return m, userErrorf("There is no meeting #%d. `/meeting list` shows them all.", id)
	}
	return m, err
}

func (h *Handler) meetingDelete(ctx context.Context, req Request, rest string) (Response, error) {
	m, err := h.findMeeting(ctx, rest, "`/meeting delete ID`")
	if err != nil {
		return Response{}, err
	}
	if !h.allowed(PermDeleteMeeting, req.UserID, subject{creator: m.CreatedBy}) {
		return Response{}, userErrorf("Sorry, only %s (who scheduled *%s*) or an admin can delete it. You can still add to its agenda with `/meeting agenda %d TEXT`.",
			byline(m.CreatedBy, m.CreatedByName, false), Escape(m.Title), m.ID)
	}
	if err := h.db.DeleteMeeting(ctx, m.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return Response{}, err
	}
	h.changed(MeetingsChanged)
	return textResponse(fmt.Sprintf(":wastebasket: Deleted the meeting *%s* (#%d); no more reminders for it.", Escape(m.Title), m.ID)), nil
}

// --- /meeting agenda --------------------------------------------------------

func (h *Handler) meetingAgenda(ctx context.Context, req Request, typedID, text string, shared bool) (Response, error) {
	m, err := h.findMeeting(ctx, typedID, "`/meeting agenda ID TEXT`")
	if err != nil {
		return Response{}, err
	}
	if text == "" {
		return h.agendaList(ctx, m, shared)
	}
	text = singleLine(text) // one line, no control characters, as every stored one-line text
	if n := utf8.RuneCountInString(text); n > MaxAgendaText {
		return Response{}, userErrorf("An agenda item is at most %d characters (this one has %d). Put the details in a thread and the gist here.", MaxAgendaText, n)
	}
	item, err := h.db.AddAgendaItem(ctx, m.ID, text, "", actor(req.UserID, req.UserName))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Response{}, userErrorf("The meeting #%d was deleted in the meantime.", m.ID)
	case errors.Is(err, store.ErrAgendaFull):
		return Response{}, userErrorf("The agenda of *%s* already has %d items; that is plenty for one meeting. Add this one after the next reminder.", Escape(m.Title), store.MaxAgendaItems)
	case err != nil:
		return Response{}, err
	}
	// The next reminder not yet due is the one that will list it.
	next := h.nextMeeting(m, h.now().Add(h.meetingReminder))
	msg := fmt.Sprintf(":memo: Added to the agenda of *%s* (#%d) as item %d: _%s_\nThe reminder for *%s* will list it.",
		Escape(m.Title), m.ID, m.Agenda+1, Escape(item.Text), h.meetingWhen(next))
	return Response{Text: msg, Blocks: []Block{Section{Text: msg}, Actions{Buttons: []Button{
		{ActionID: ActionRun, Text: "Show the agenda", Value: fmt.Sprintf("/meeting agenda %d", m.ID)},
	}}}}, nil
}

func (h *Handler) agendaList(ctx context.Context, m store.Meeting, shared bool) (Response, error) {
	items, err := h.db.Agenda(ctx, m.ID)
	if err != nil {
		return Response{}, err
	}
	next := h.meetingWhen(h.nextMeeting(m, h.now()))
	if len(items) == 0 {
		return textResponse(fmt.Sprintf("Nothing on the agenda of *%s* (#%d, next *%s*) yet. Add an item with `/meeting agenda %d TEXT`.",
			Escape(m.Title), m.ID, next, m.ID)), nil
	}
	title := fmt.Sprintf("*Agenda of %s* (#%d, next *%s*)", Escape(m.Title), m.ID, next)
	blocks := append([]Block{Section{Text: title}}, h.agendaBlocks(items, func(it store.AgendaItem) string {
		return byline(it.AddedBy, it.AddedByName, shared)
	})...)
	lines := []string{title}
	for _, b := range blocks[1:] {
		lines = append(lines, b.(Section).Text)
	}
	if !shared {
		blocks = append(blocks, shareActions(fmt.Sprintf("/meeting agenda %d", m.ID)))
	}
	return Response{Text: Truncate(strings.Join(lines, "\n"), 3900), Blocks: blocks}, nil
}

// agendaLink links to the message an agenda item came from: " (<URL|message>)",
// or "" for a typed item or a link that names no Slack message.
func (h *Handler) agendaLink(link string) string {
	l, ok := h.permalinkLink(link, "message")
	if !ok {
		return ""
	}
	return " (" + l + ")"
}

// agendaBlocks numbers agenda items, with who added each, in sections of
// at most 3,000 characters.
func (h *Handler) agendaBlocks(items []store.AgendaItem, who func(store.AgendaItem) string) []Block {
	lines := make([]string, len(items))
	for i, it := range items {
		lines[i] = fmt.Sprintf("%d. %s%s _(added by %s)_", i+1, truncateEscaped(it.Text, MaxAgendaText+50), h.agendaLink(it.Link), who(it))
	}
	blocks, _ := packLines(lines, len(lines)+1) // at most 30 items: they always fit
	return blocks
}

// --- reminders and the recap ------------------------------------------------

// MeetingReminder is a meeting reminder ready to post.
type MeetingReminder struct {
	Channel string   // where to post it
	Message Response // what it says: no mentions of anyone
	// Items are the agenda items it lists; clear them once it is posted.
	Items []int64
}

// MeetingReminder builds the reminder for the occurrence (start time) of a
// meeting: its title, the time in the configured zone and the open agenda
// items, numbered, with who added them. It is posted in a channel, so it
// names people without mentioning them. It returns [store.ErrNotFound] if
// the meeting was deleted.
func (h *Handler) MeetingReminder(ctx context.Context, meetingID int64, occurrence time.Time) (MeetingReminder, error) {
	m, err := h.db.Meeting(ctx, meetingID)
	if err != nil {
		return MeetingReminder{}, err
	}
	items, err := h.db.Agenda(ctx, meetingID)
	if err != nil {
		return MeetingReminder{}, err
	}
	left := 0
	if len(items) > store.MaxAgendaItems {
		// More than fits (an import can do that): the rest waits for the next.
		items, left = items[:store.MaxAgendaItems], len(items)-store.MaxAgendaItems
	}
	when := h.meetingWhen(occurrence)
	var soon string
	switch d := occurrence.Sub(h.now()).Round(time.Minute); {
	case d > 0:
		soon = "starts in " + humanDuration(d)
	case d < 0:
		soon = "started " + humanDuration(-d) + " ago"
	default:
		soon = "starts now"
	}
	head := fmt.Sprintf(":calendar: *%s* %s: *%s*.", truncateEscaped(m.Title, MaxMeetingTitle+20), soon, when)
	blocks := []Block{Section{Text: head}}
	lines := []string{head}
	if len(items) == 0 {
		none := "_Nothing on the agenda yet._"
		blocks = append(blocks, Section{Text: none})
		lines = append(lines, none)
	} else {
		lines = append(lines, "*Agenda*")
		for _, b := range h.agendaBlocks(items, plainAuthor) {
			lines = append(lines, b.(Section).Text)
			blocks = append(blocks, b)
		}
		blocks[1] = Section{Text: "*Agenda*\n" + blocks[1].(Section).Text}
	}
	actions, err := h.openActionsBlock(ctx, meetingID)
	if err != nil {
		return MeetingReminder{}, err
	}
	for _, b := range actions {
		blocks = append(blocks, b)
		lines = append(lines, b.(Section).Text)
	}
	foot := fmt.Sprintf("Add items for next time with `/meeting agenda %d TEXT`, action items with `/meeting action %d @someone TEXT by DATE`.", m.ID, m.ID)
	if left > 0 {
		foot = fmt.Sprintf("%d more item%s wait for the next reminder. ", left, plural(left)) + foot
	}
	blocks = append(blocks, Context{Texts: []string{foot}})
	lines = append(lines, foot)
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	return MeetingReminder{
		Channel: m.Channel,
		Message: Response{Text: Truncate(strings.Join(lines, "\n"), 3900), Blocks: blocks, InChannel: true},
		Items:   ids,
	}, nil
}

// plainAuthor names who added an agenda item without mentioning them: the
// name they had, else their ID as plain text.
func plainAuthor(it store.AgendaItem) string {
	switch {
	case it.AddedByName != "":
		return truncateEscaped(it.AddedByName, 80)
	case it.AddedBy != "":
		return truncateEscaped(it.AddedBy, 40)
	}
	return "someone"
}

// UpcomingMeeting is one occurrence of a meeting.
type UpcomingMeeting struct {
	ID      int64
	Title   string    // as typed: escape it
	Channel string    // channel ID
	At      time.Time // in the configured zone
	When    string    // At as shown to users: "Tue 1 Dec 10:00 CET"
	Agenda  int       // open agenda items now
}

// UpcomingMeetings returns the meetings that start after from and up to
// until, every occurrence, soonest first, at most limit of them.
func (h *Handler) UpcomingMeetings(ctx context.Context, from, until time.Time, limit int) ([]UpcomingMeeting, error) {
	meetings, err := h.db.Meetings(ctx)
	if err != nil {
		return nil, err
	}
	var out []UpcomingMeeting
	for _, m := range meetings {
		times, err := h.MeetingOccurrences(m, from, until, limit)
		if err != nil {
			continue // a schedule that no longer parses has no times to show
		}
		for _, t := range times {
			out = append(out, UpcomingMeeting{ID: m.ID, Title: m.Title, Channel: m.Channel, At: t, When: h.meetingWhen(t), Agenda: m.Agenda})
		}
	}
	slices.SortStableFunc(out, func(a, b UpcomingMeeting) int { return a.At.Compare(b.At) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// upcomingBlocks lists the meetings between from and until for the weekly
// recap (a channel post: channel links, no mentions), or nothing if there
// are none.
func (h *Handler) upcomingBlocks(ctx context.Context, from, until time.Time) ([]Block, error) {
	const shown = 10
	up, err := h.UpcomingMeetings(ctx, from, until, shown+1)
	if err != nil || len(up) == 0 {
		return nil, err
	}
	lines := []string{"*Joint meetings coming up*"}
	for i, u := range up {
		if i == shown {
			lines = append(lines, "…and more: `/meeting list` shows them all.")
			break
		}
		line := fmt.Sprintf("• %s — *%s* in %s", u.When, truncateEscaped(u.Title, MaxMeetingTitle+20), channelRef(u.Channel))
		if u.Agenda > 0 {
			line += fmt.Sprintf(" (%d agenda item%s)", u.Agenda, plural(u.Agenda))
		}
		lines = append(lines, line)
	}
	return []Block{Section{Text: Truncate(strings.Join(lines, "\n"), 3000)}}, nil
}
