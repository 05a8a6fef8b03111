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

// Limits on meeting outcomes, in characters.
const (
	MaxActionText   = 300
	MaxDecisionText = 500
	// maxLinkText is what the link of an agenda item from a message may
	// add to its text in an export.
	maxLinkText = 300
)

// actionsShown and decisionsShown bound the lists, so that an answer fits
// in one message.
const (
	actionsShown   = 40
	decisionsShown = 30
)

// dateExamples are shown whenever a date cannot be read.
const dateExamples = "`fri`, `tomorrow`, `in 3 days`, `15 dec` or `2026-12-15`"

// today is the date of now in the configured zone.
func (h *Handler) today() cronspec.Date { return cronspec.DateOf(h.now().In(h.loc)) }

// showDate shows a date: "Fri 11 Dec", with the year when it is not this
// year's.
func (h *Handler) showDate(d cronspec.Date) string {
	t := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
	if d.Year != h.today().Year {
		return t.Format("Mon 2 Jan 2006")
	}
	return t.Format("Mon 2 Jan")
}

// dueText says when an action is due, relative to today: "due today",
// "due Fri 11 Dec", "*overdue* since Tue 8 Dec"; "" without a due date.
func (h *Handler) dueText(due string) string {
	d, err := cronspec.ParseISODate(due)
	if err != nil {
		return ""
	}
	today := h.today()
	switch {
	case d == today:
		return "due *today*"
	case d == today.AddDays(1):
		return "due tomorrow"
	case d.Before(today):
		return "*overdue* since " + h.showDate(d)
	}
	return "due " + h.showDate(d)
}

// --- /meeting action --------------------------------------------------------

const actionUsage = "`/meeting action ID @someone TEXT [by DATE]`"

// dueWord is where a due date may start in an action's text.
var dueWord = regexp.MustCompile(`(?i)\s(?:due\s+by|by|due|until|before)\s+`)

// splitDue splits "TEXT by DATE" into the text and the date: the first
// "by" (or "due", "due by", "until", "before") whose whole tail is a date.
// A short tail that is not a date stays in the text, and hint is that
// tail, so that the answer can say so.
func splitDue(text string, today cronspec.Date) (rest string, due cronspec.Date, has bool, hint string) {
	for _, at := range dueWord.FindAllStringIndex(text, -1) {
		tail := text[at[1]:]
		if d, err := cronspec.ParseDate(tail, today); err == nil {
			return strings.TrimSpace(text[:at[0]]), d, true, ""
		}
		if len(strings.Fields(tail)) <= 3 {
			hint = tail
		}
	}
	return text, due, false, hint
}

// ownerOf reads the owner of an action as typed: a mention, a member ID,
// `me`, or `@name` found in the directory.
func (h *Handler) ownerOf(ctx context.Context, req Request, typed string) (id, name string, err error) {
	switch strings.ToLower(typed) {
	case "me", "myself", "@me":
		return req.UserID, req.UserName, nil
	}
	if m := userMention.FindStringSubmatch(typed); m != nil {
		return m[1] + m[3], m[2], nil
	}
	if strings.HasPrefix(typed, "@") && len(typed) > 1 {
		id, found, err := h.users.FindUser(ctx, typed)
		if err != nil {
			return "", "", err
		}
		if found {
			return id, strings.TrimPrefix(typed, "@"), nil
		}
		return "", "", userErrorf("I can't tell who *%s* is (nobody, or more than one person, goes by that name). Pick them from the list that opens when you type @, or give their member ID (their profile → ⋯ → *Copy member ID*).", truncateEscaped(typed, 80))
	}
	return "", "", userErrorf("Who owns it? Name them after the meeting ID: %s, e.g. `/meeting action 3 @ana Send the pricing deck by fri` (or `me`).", actionUsage)
}

func (h *Handler) actionAdd(ctx context.Context, req Request, rest string) (Response, error) {
	typedID, rest := splitWord(rest)
	m, err := h.findMeeting(ctx, typedID, actionUsage)
	if err != nil {
		return Response{}, err
	}
	typedOwner, text := splitWord(rest)
	if typedOwner == "" {
		return Response{}, userErrorf("Who owns it, and what is it? Use %s.", actionUsage)
	}
	owner, ownerName, err := h.ownerOf(ctx, req, typedOwner)
	if err != nil {
		return Response{}, err
	}
	today := h.today()
	text, due, hasDue, hint := splitDue(singleLine(text), today)
	if text == "" {
		return Response{}, userErrorf("What is the action? Use %s, e.g. `/meeting action %d %s Send the pricing deck by fri`.", actionUsage, m.ID, codeText(typedOwner, 40))
	}
	if n := utf8.RuneCountInString(text); n > MaxActionText {
		return Response{}, userErrorf("An action item is at most %d characters (this one has %d). Put the details in a thread and the gist here.", MaxActionText, n)
	}
	a := store.Action{MeetingID: m.ID, Owner: owner, OwnerName: singleLine(ownerName), Text: text}
	if hasDue {
		if due.Before(today) {
			return Response{}, userErrorf("%s is in the past: give a due date from today on, e.g. %s.", h.showDate(due), dateExamples)
		}
		a.Due = due.String()
	}
	saved, err := h.db.AddAction(ctx, a, actor(req.UserID, req.UserName))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Response{}, userErrorf("The meeting #%d was deleted in the meantime.", m.ID)
	case errors.Is(err, store.ErrTooManyActions):
		return Response{}, userErrorf("*%s* already has %d open action items; close some with `/meeting done N` first (`/meeting actions %d` lists them).", Escape(m.Title), store.MaxOpenActions, m.ID)
	case err != nil:
		return Response{}, err
	}
	h.changed(ActionsChanged)
	when := "no due date"
	if saved.Due != "" {
		when = h.dueText(saved.Due)
	}
	msg := fmt.Sprintf(":pushpin: Action *#%d* for %s on *%s*: _%s_ — %s. It is listed in every reminder of the meeting until it is done (`/meeting done %d`).",
		saved.ID, mention(owner), Escape(m.Title), Escape(saved.Text), when, saved.ID)
	if saved.Due != "" {
		msg += " They get a DM at 09:00 on the due day, and the day after if it is still open."
	}
	if hint != "" {
		msg += fmt.Sprintf("\n_I kept “by %s” in the text: it is not a date I know (%s)._", codeText(hint, 40), dateExamples)
	}
	resp := Response{Text: msg, Blocks: []Block{Section{Text: msg}, Actions{Buttons: []Button{
		{ActionID: ActionRun, Text: "Open actions of this meeting", Value: fmt.Sprintf("/meeting actions %d", m.ID)},
	}}}}
	if owner != req.UserID {
		resp.DMs = []DM{{User: owner, Message: h.assignedDM(saved, m, req.UserID)}}
	}
	return resp, nil
}

// assignedDM tells the owner of an action that someone gave it to them.
func (h *Handler) assignedDM(a store.Action, m store.Meeting, by string) Response {
	when := ""
	if a.Due != "" {
		when = ", " + h.dueText(a.Due)
	}
	msg := fmt.Sprintf(":pushpin: %s gave you an action from *%s*: _%s_ (#%d%s).",
		mention(by), Escape(m.Title), Escape(a.Text), a.ID, when)
	return Response{Text: msg, Blocks: []Block{Section{Text: msg}, actionButtons(a.ID)}}
}

// actionButtons close an action or list the owner's.
func actionButtons(id int64) Actions {
	return Actions{Buttons: []Button{
		{ActionID: ActionRun, Text: "Mark done", Value: fmt.Sprintf("/meeting done %d", id), Primary: true},
		{ActionID: ActionRun, Text: "My open actions", Value: "/meeting actions mine"},
	}}
}

// --- /meeting actions -------------------------------------------------------

func (h *Handler) actionList(ctx context.Context, req Request, arg string, shared bool) (Response, error) {
	arg = strings.TrimSpace(arg)
	f := store.ActionFilter{Limit: actionsShown + 1}
	title, line, empty := "*Open actions*", "/meeting actions", "No open action items. Add one with "+actionUsage+"."
	var m store.Meeting
	switch lower := strings.ToLower(arg); {
	case lower == "":
	case lower == "mine" || lower == "me" || lower == "my":
		f.Owner = req.UserID
		title, line = "*Your open actions*", "/meeting actions mine"
		empty = "You have no open action items. :tada:"
		if shared {
			// Shared, "mine" would be the sharer's: name them.
			title = "*Open actions of " + byline(req.UserID, req.UserName, true) + "*"
		}
	default:
		var err error
		if m, err = h.findMeeting(ctx, arg, "`/meeting actions ID`"); err != nil {
			return Response{}, err
		}
		f.MeetingID = m.ID
		title = fmt.Sprintf("*Open actions of %s* (#%d)", Escape(m.Title), m.ID)
		line = fmt.Sprintf("/meeting actions %d", m.ID)
		empty = fmt.Sprintf("*%s* has no open action items. Add one with `/meeting action %d @someone TEXT [by DATE]`.", Escape(m.Title), m.ID)
	}
	actions, err := h.db.OpenActions(ctx, f)
	if err != nil {
		return Response{}, err
	}
	if len(actions) == 0 {
		return textResponse(empty), nil
	}
	more := ""
	if len(actions) > actionsShown {
		actions = actions[:actionsShown]
		more = fmt.Sprintf("Showing the first %d (the soonest due); close some with `/meeting done N` to see the rest.", actionsShown)
	}
	lines := make([]string, len(actions))
	var buttons []Button
	for i, a := range actions {
		lines[i] = h.actionLine(a, f.MeetingID == 0, func(a store.Action) string { return byline(a.Owner, a.OwnerName, shared) })
		if !shared && len(buttons) < 5 && h.mayClose(a, req.UserID) {
			buttons = append(buttons, Button{ActionID: ActionRun, Text: fmt.Sprintf("Done #%d", a.ID), Value: fmt.Sprintf("/meeting done %d", a.ID)})
		}
	}
	blocks := []Block{Section{Text: title}}
	body, _ := packLines(lines, 10)
	blocks = append(blocks, body...)
	foot := "Close one with `/meeting done N`."
	if more != "" {
		foot = more
	}
	blocks = append(blocks, Context{Texts: []string{foot}})
	if len(buttons) > 0 {
		blocks = append(blocks, Actions{Buttons: buttons})
	}
	if !shared {
		blocks = append(blocks, shareActions(line))
	}
	text := title + "\n" + strings.Join(lines, "\n")
	return Response{Text: Truncate(text, 3900), Blocks: blocks}, nil
}

// actionLine is one open action in a list: its number, text, owner (as
// who shows it), due date and, withMeeting, its meeting.
func (h *Handler) actionLine(a store.Action, withMeeting bool, who func(store.Action) string) string {
	line := fmt.Sprintf("• *#%d* %s — %s", a.ID, truncateEscaped(a.Text, MaxActionText+20), who(a))
	if due := h.dueText(a.Due); due != "" {
		line += " · " + due
	}
	if withMeeting && a.MeetingTitle != "" {
		line += fmt.Sprintf(" · _%s_", truncateEscaped(a.MeetingTitle, 60))
	}
	return line
}

// plainOwner names the owner of an action without mentioning them.
func plainOwner(a store.Action) string {
	switch {
	case a.OwnerName != "":
		return truncateEscaped(a.OwnerName, 80)
	case a.Owner != "":
		return truncateEscaped(a.Owner, 40)
	}
	return "someone"
}

// mayClose reports whether user may close a: its owner, who added it, or
// an admin.
func (h *Handler) mayClose(a store.Action, user string) bool {
	return h.allowed(PermCloseAction, user, subject{owner: a.Owner, creator: a.CreatedBy})
}

// --- /meeting done ----------------------------------------------------------

func (h *Handler) actionDone(ctx context.Context, req Request, rest string) (Response, error) {
	typed := strings.TrimPrefix(strings.TrimSpace(rest), "#")
	id, err := strconv.ParseInt(typed, 10, 64)
	if err != nil || id <= 0 {
		return Response{}, userErrorf("Which action? Use `/meeting done N`, with the number `/meeting actions` shows.")
	}
	a, err := h.db.Action(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Response{}, userErrorf("There is no action #%d. `/meeting actions` lists the open ones.", id)
	}
	if err != nil {
		return Response{}, err
	}
	if !h.mayClose(a, req.UserID) {
		return Response{}, userErrorf("Sorry, only %s (who owns #%d), who added it, or an admin can close it.", byline(a.Owner, a.OwnerName, false), a.ID)
	}
	if !a.Open() {
		return textResponse(fmt.Sprintf("Action #%d (_%s_) was already done, on %s.", a.ID, Escape(a.Text), h.when(a.DoneAt))), nil
	}
	done, err := h.db.CloseAction(ctx, id, actor(req.UserID, req.UserName))
	switch {
	case errors.Is(err, store.ErrUnchanged):
		return textResponse(fmt.Sprintf("Action #%d (_%s_) was already done, on %s.", done.ID, Escape(done.Text), h.when(done.DoneAt))), nil
	case errors.Is(err, store.ErrNotFound):
		return Response{}, userErrorf("The action #%d was deleted in the meantime (with its meeting).", id)
	case err != nil:
		return Response{}, err
	}
	h.changed(ActionsChanged)
	msg := fmt.Sprintf(":white_check_mark: Done: *#%d* _%s_ (%s). It leaves the reminders of *%s*.", done.ID, Escape(done.Text), byline(done.Owner, done.OwnerName, false), Escape(done.MeetingTitle))
	return textResponse(msg), nil
}

// --- decisions --------------------------------------------------------------

func (h *Handler) decisionAdd(ctx context.Context, req Request, rest string) (Response, error) {
	typedID, text := splitWord(rest)
	m, err := h.findMeeting(ctx, typedID, "`/meeting decide ID TEXT`")
	if err != nil {
		return Response{}, err
	}
	text = singleLine(text)
	if text == "" {
		return Response{}, userErrorf("What was decided? Use `/meeting decide %d TEXT`, e.g. `/meeting decide %d Sales calls every MQL within 4 business hours`.", m.ID, m.ID)
	}
	if n := utf8.RuneCountInString(text); n > MaxDecisionText {
		return Response{}, userErrorf("A decision is at most %d characters (this one has %d): the gist here, the reasoning in a thread.", MaxDecisionText, n)
	}
	d, err := h.db.AddDecision(ctx, m.ID, text, actor(req.UserID, req.UserName))
	if errors.Is(err, store.ErrNotFound) {
		return Response{}, userErrorf("The meeting #%d was deleted in the meantime.", m.ID)
	}
	if err != nil {
		return Response{}, err
	}
	msg := fmt.Sprintf(":scales: Logged for *%s*: _%s_. The weekly recap lists it; `/meeting decisions %d` shows the log.", Escape(m.Title), Escape(d.Text), m.ID)
	return textResponse(msg), nil
}

func (h *Handler) decisionList(ctx context.Context, typedID string, shared bool) (Response, error) {
	m, err := h.findMeeting(ctx, strings.TrimSpace(typedID), "`/meeting decisions ID`")
	if err != nil {
		return Response{}, err
	}
	ds, total, err := h.db.Decisions(ctx, store.DecisionFilter{MeetingID: m.ID, Limit: decisionsShown})
	if err != nil {
		return Response{}, err
	}
	if total == 0 {
		return textResponse(fmt.Sprintf("No decisions logged for *%s* yet. Log one with `/meeting decide %d TEXT`.", Escape(m.Title), m.ID)), nil
	}
	title := fmt.Sprintf("*Decisions of %s* (#%d) — %d, newest first", Escape(m.Title), m.ID, total)
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = fmt.Sprintf("• %s — _%s, %s_", truncateEscaped(d.Text, MaxDecisionText+20), byline(d.By, d.ByName, shared), h.showDate(cronspec.DateOf(d.At.In(h.loc))))
	}
	blocks := []Block{Section{Text: title}}
	body, _ := packLines(lines, 10)
	blocks = append(blocks, body...)
	if total > len(ds) {
		blocks = append(blocks, Context{Texts: []string{fmt.Sprintf("…and %d older: `smarketing export` has them all.", total-len(ds))}})
	}
	if !shared {
		blocks = append(blocks, shareActions(fmt.Sprintf("/meeting decisions %d", m.ID)))
	}
	return Response{Text: Truncate(title+"\n"+strings.Join(lines, "\n"), 3900), Blocks: blocks}, nil
}

// --- /meeting skip ----------------------------------------------------------

// maxSkipAhead is how far ahead an occurrence can be skipped.
const maxSkipAhead = 2 * 366 * 24 * time.Hour

func (h *Handler) meetingSkip(ctx context.Context, req Request, rest string, skip bool) (Response, error) {
	verb := "skip"
	if !skip {
		verb = "unskip"
	}
	usage := fmt.Sprintf("`/meeting %s ID DATE`", verb)
	typedID, typedDate := splitWord(rest)
	m, err := h.findMeeting(ctx, typedID, usage)
	if err != nil {
		return Response{}, err
	}
	if !h.allowed(PermSkipMeeting, req.UserID, subject{creator: m.CreatedBy}) {
		return Response{}, userErrorf("Sorry, only %s (who scheduled *%s*) or an admin can %s its occurrences.", byline(m.CreatedBy, m.CreatedByName, false), Escape(m.Title), verb)
	}
	if strings.TrimSpace(typedDate) == "" {
		return Response{}, userErrorf("Which date? Use %s, e.g. `/meeting %s %d %s`; dates are %s.", usage, verb, m.ID, "2026-12-22", dateExamples)
	}
	today := h.today()
	day, err := cronspec.ParseDate(typedDate, today)
	if err != nil {
		return Response{}, scheduleError(err)
	}
	if day.Before(today) {
		return Response{}, userErrorf("%s is in the past.", h.showDate(day))
	}
	// The occurrence on that day, if the meeting has one that has not started.
	start := day.At(0, 0, h.loc)
	if now := h.now(); start.Before(now) {
		start = now
	}
	occ, err := h.occurrences(m, start, day.AddDays(1).At(0, 0, h.loc).Add(-time.Nanosecond), 1, true)
	if err != nil {
		return Response{}, err
	}
	if len(occ) == 0 {
		next, _ := h.occurrences(m, h.now(), h.now().Add(maxSkipAhead), 3, false)
		var times []string
		for _, o := range next {
			times = append(times, h.meetingDay(o.At))
		}
		msg := fmt.Sprintf("*%s* does not meet on %s (it is %s).", Escape(m.Title), h.showDate(day), cronspec.Describe(m.Schedule))
		if len(times) > 0 {
			msg += " Its next times are " + strings.Join(times, ", ") + "."
		}
		return Response{}, &UserError{Msg: msg}
	}
	if skip && occ[0].Skipped == skipHoliday {
		return textResponse(fmt.Sprintf("%s is a holiday (SMARKETING_HOLIDAYS): *%s* is skipped that day anyway.", h.showDate(day), Escape(m.Title))), nil
	}
	if skip {
		err = h.db.SkipMeeting(ctx, m.ID, day.String(), actor(req.UserID, req.UserName))
	} else {
		err = h.db.UnskipMeeting(ctx, m.ID, day.String())
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Response{}, userErrorf("The meeting #%d was deleted in the meantime.", m.ID)
	case errors.Is(err, store.ErrUnchanged) && skip:
		return textResponse(fmt.Sprintf("*%s* on %s is skipped already.", Escape(m.Title), h.showDate(day))), nil
	case errors.Is(err, store.ErrUnchanged):
		return textResponse(fmt.Sprintf("*%s* on %s was not skipped.", Escape(m.Title), h.showDate(day))), nil
	case err != nil:
		return Response{}, err
	}
	h.changed(MeetingsChanged)
	m, err = h.db.Meeting(ctx, m.ID)
	if err != nil {
		return Response{}, err
	}
	next := h.meetingWhen(h.nextMeeting(m, h.now()))
	if skip {
		return textResponse(fmt.Sprintf(":fast_forward: *%s* is skipped on %s: no reminder that day, and its agenda and open actions wait for the next one, *%s*. `/meeting unskip %d %s` undoes it.",
			Escape(m.Title), h.showDate(day), next, m.ID, day)), nil
	}
	return textResponse(fmt.Sprintf(":calendar: *%s* happens on %s again. Next: *%s*.", Escape(m.Title), h.showDate(day), next)), nil
}

// --- reminders, DMs and the recap ------------------------------------------

// openActionsBlock lists the open actions of a meeting for its reminder
// (a channel post: names, no mentions), or nothing if there are none.
func (h *Handler) openActionsBlock(ctx context.Context, meetingID int64) ([]Block, error) {
	actions, err := h.db.OpenActions(ctx, store.ActionFilter{MeetingID: meetingID, Limit: store.MaxOpenActions + 1})
	if err != nil || len(actions) == 0 {
		return nil, err
	}
	lines := []string{"*Open actions*"}
	for i, a := range actions {
		if i == store.MaxOpenActions {
			lines = append(lines, fmt.Sprintf("…and more: `/meeting actions %d` lists them all.", meetingID))
			break
		}
		lines = append(lines, h.actionLine(a, false, plainOwner))
	}
	blocks, _ := packLines(lines, 4)
	return blocks, nil
}

// ActionReminder is the DM of kind ([store.ActionDue] at 09:00 on the due
// day, [store.ActionLate] the day after) to the owner of an open action.
func (h *Handler) ActionReminder(a store.Action, kind string) Response {
	what := fmt.Sprintf("_%s_ (#%d, from *%s*)", Escape(a.Text), a.ID, truncateEscaped(a.MeetingTitle, MaxMeetingTitle+20))
	msg := ":alarm_clock: Due today: " + what + "."
	if kind == store.ActionLate {
		msg = ":warning: Still open, and due yesterday: " + what + ". Close it if it is done, or tell the meeting why not."
	}
	return Response{Text: msg, Blocks: []Block{Section{Text: msg}, actionButtons(a.ID)}}
}

// recapOutcomes is the recap's meeting outcomes: the week's decisions,
// by meeting, and how many actions are open and overdue.
func (h *Handler) recapOutcomes(ctx context.Context, from, to time.Time) ([]Block, error) {
	const shown = 15
	ds, total, err := h.db.Decisions(ctx, store.DecisionFilter{From: from, To: to, Limit: shown})
	if err != nil {
		return nil, err
	}
	open, err := h.db.OpenActions(ctx, store.ActionFilter{})
	if err != nil {
		return nil, err
	}
	if total == 0 && len(open) == 0 {
		return nil, nil
	}
	var blocks []Block
	if total > 0 {
		slices.SortStableFunc(ds, func(a, b store.Decision) int {
			if a.MeetingID != b.MeetingID {
				return int(a.MeetingID - b.MeetingID)
			}
			return a.At.Compare(b.At)
		})
		lines := []string{"*Decisions this week*"}
		for _, d := range ds {
			by := "someone"
			if d.ByName != "" {
				by = truncateEscaped(d.ByName, 80)
			}
			lines = append(lines, fmt.Sprintf("• *%s*: %s — _%s, %s_", truncateEscaped(d.MeetingTitle, 60), truncateEscaped(d.Text, MaxDecisionText+20),
				by, h.showDate(cronspec.DateOf(d.At.In(h.loc)))))
		}
		if total > len(ds) {
			lines = append(lines, fmt.Sprintf("…and %d more: `/meeting decisions ID`.", total-len(ds)))
		}
		blocks = append(blocks, Section{Text: Truncate(strings.Join(lines, "\n"), 3000)})
	}
	if len(open) > 0 {
		today, overdue := h.today().String(), 0
		for _, a := range open {
			if a.Due != "" && a.Due < today {
				overdue++
			}
		}
		line := fmt.Sprintf("*Action items*: %d open", len(open))
		if overdue > 0 {
			line += fmt.Sprintf(", *%d overdue*", overdue)
		}
		blocks = append(blocks, Section{Text: line + " — `/meeting actions` lists them."})
	}
	return blocks, nil
}

// --- import -----------------------------------------------------------------

// validateOutcomes checks and cleans the actions, decisions and skips of
// an imported meeting and returns the problems: an action needs a Slack
// member ID as owner, a text and a valid due date (or none); a decision a
// text and a time; a skip a valid date. Skips are sorted, without
// duplicates.
func validateOutcomes(r *store.MeetingRecord) []string {
	var msgs []string
	actions := []store.ActionRecord{}
	for _, a := range r.Actions {
		a.Owner, a.Text, a.CreatedBy = strings.TrimSpace(a.Owner), singleLine(a.Text), singleLine(a.CreatedBy)
		switch {
		case !utf8.ValidString(a.Text) || !utf8.ValidString(a.CreatedBy):
			msgs = append(msgs, "An action item is not valid UTF-8 text; save the file as UTF-8.")
		case !store.IsUserID(a.Owner):
			msgs = append(msgs, fmt.Sprintf("The owner of an action item must be a Slack member ID such as U0123ABCD, not %q.", Truncate(a.Owner, 40)))
		case a.Text == "":
			msgs = append(msgs, "An action item has no text.")
		case utf8.RuneCountInString(a.Text) > MaxActionText:
			msgs = append(msgs, fmt.Sprintf("Action items are at most %d characters (one has %d).", MaxActionText, utf8.RuneCountInString(a.Text)))
		default:
			if a.Due != nil && strings.TrimSpace(*a.Due) == "" {
				a.Due = nil
			}
			if a.Due != nil {
				if _, err := cronspec.ParseISODate(strings.TrimSpace(*a.Due)); err != nil {
					msgs = append(msgs, fmt.Sprintf("The due date %q of an action item is not a date (YYYY-MM-DD).", Truncate(*a.Due, 40)))
					continue
				}
				due := strings.TrimSpace(*a.Due)
				a.Due = &due
			}
			actions = append(actions, a)
			continue
		}
		break
	}
	r.Actions = actions
	decisions := []store.DecisionRecord{}
	for _, d := range r.Decisions {
		d.Text, d.By = singleLine(d.Text), singleLine(d.By)
		switch {
		case !utf8.ValidString(d.Text) || !utf8.ValidString(d.By):
			msgs = append(msgs, "A decision is not valid UTF-8 text; save the file as UTF-8.")
		case d.Text == "":
			msgs = append(msgs, "A decision has no text.")
		case utf8.RuneCountInString(d.Text) > MaxDecisionText:
			msgs = append(msgs, fmt.Sprintf("Decisions are at most %d characters (one has %d).", MaxDecisionText, utf8.RuneCountInString(d.Text)))
		case d.At.IsZero():
			msgs = append(msgs, fmt.Sprintf("The decision %q has no time (\"at\", RFC 3339).", Truncate(d.Text, 40)))
		default:
			decisions = append(decisions, d)
			continue
		}
		break
	}
	r.Decisions = decisions
	skips := []string{}
	for _, s := range r.Skips {
		d, err := cronspec.ParseISODate(strings.TrimSpace(s))
		if err != nil {
			msgs = append(msgs, fmt.Sprintf("The skipped date %q is not a date (YYYY-MM-DD).", Truncate(s, 40)))
			break
		}
		skips = append(skips, d.String())
	}
	slices.Sort(skips)
	r.Skips = slices.Compact(skips)
	return msgs
}
