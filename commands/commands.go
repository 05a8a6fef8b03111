// Package commands answers the bot's slash commands, button clicks and form
// submissions. It knows nothing of Slack's wire format: requests come in as
// plain structs and answers go out as [Response] values that the bot (or the
// local shell) renders.
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

// Request is one slash command invocation.
type Request struct {
	Command   string // "/term"
	Text      string // everything after the command, as the user typed it
	UserID    string
	UserName  string
	ChannelID string
}

// Action is a click on one of the buttons a [Response] carried.
type Action struct {
	ActionID  string
	Value     string
	UserID    string
	UserName  string
	ChannelID string
}

// Submission is a submitted [Modal].
type Submission struct {
	CallbackID string
	Metadata   string
	UserID     string
	UserName   string
	Values     map[string]string // Input.ID → text
}

// SubmitResult is the outcome of a [Submission]: either Errors to show next
// to the fields (the form stays open), or a message for the user.
type SubmitResult struct {
	Errors map[string]string
	Reply  Response
}

// UserError is an error whose text is safe and useful to show the user.
type UserError struct{ Msg string }

func (e *UserError) Error() string { return e.Msg }

func userErrorf(format string, args ...any) error {
	return &UserError{Msg: fmt.Sprintf(format, args...)}
}

// Options configures a [Handler].
type Options struct {
	Admins   []string       // user IDs allowed to delete anything
	Location *time.Location // zone used to show times and weeks; UTC if nil

	LeadsChannels []string          // channel IDs whose top-level posts are leads
	Reactions     map[string]string // emoji name → "good", "poor" or "hot"
	SLA           time.Duration     // feedback is due this long after a lead is posted
	// SLAClock is the clock the SLA runs on (business hours and
	// holidays); nil runs it always.
	SLAClock store.SLAClock
	// Escalate is the user (U…/W…) or user group (S…) the escalation of
	// a lead unrated at twice the SLA mentions (SMARKETING_SLA_ESCALATE);
	// "" mentions nobody. It must be checked by [ParseEscalate].
	Escalate     string
	WorkspaceURL string           // e.g. https://acme.slack.com/, for links to posts
	Now          func() time.Time // the clock; time.Now if nil

	RecapChannel string // default channel of meetings
	// InsightsChannel is where shared customer insights are posted
	// (SMARKETING_INSIGHTS_CHANNEL); "" posts them nowhere.
	InsightsChannel string
	MeetingReminder time.Duration // how long before a meeting its reminder goes out
	// Holidays are the days meetings do not happen (SMARKETING_HOLIDAYS);
	// nil has none.
	Holidays Holidays

	// Sides says who is on the sales and the marketing side; nil puts
	// no one on either.
	Sides Sides
	// Users finds people named as "@name" (/term owner); nil finds
	// nobody, and only mentions and member IDs work.
	Users Directory
	// Members says who is in a channel, for /meeting add; nil checks no
	// membership (the shell).
	Members Members
	// DMsPerHour bounds the direct messages one person's actions make
	// the bot send to others (an action item's owner, a disputed term's
	// owner, the approvers of an edited version); 0 is
	// [DefaultDMsPerHour].
	DMsPerHour int
	// ReviewEvery is how long an agreed version stays verified before
	// it is due for review; [store.DefaultReviewEvery] if 0.
	ReviewEvery time.Duration

	// Changed, if set, is told after a change that may move a timed
	// job's next due time (a lead or a rating recorded, a meeting added
	// or deleted), so that its timer is set again at once.
	Changed func(Change)
}

// Holidays are whole days in the configured zone;
// businesshours.Holidays is the real one.
type Holidays interface {
	// Has reports whether t falls on a holiday, on the wall clock of t's
	// location.
	Has(t time.Time) bool
}

// Change says what changed, for [Options.Changed].
type Change int

// Changes.
const (
	LeadsChanged    Change = iota // a lead posted, edited or deleted, a rating
	MeetingsChanged               // a meeting added, deleted or skipped
	ActionsChanged                // an action item added or closed
)

// Handler answers commands from its store.
type Handler struct {
	db     dataStore
	admins map[string]bool
	loc    *time.Location

	leadChannels map[string]bool
	reactions    map[string]string
	sla          store.SLA
	escalate     string
	workspaceURL string
	now          func() time.Time

	recapChannel    string
	insightsChannel string
	meetingReminder time.Duration
	holidays        Holidays
	changed         func(Change)
	sides           Sides
	reviewEvery     time.Duration
	users           Directory
	members         Members
	dms             *dmLimiter
	// noter is this handler's owner name in the claims that make a
	// rating note go out once ([Handler.noteOnce]).
	noter string
}

// dataStore is what the handlers need from the database.
type dataStore interface {
	metricsStore   // commands/metrics.go
	store.Meetings // commands/meeting.go, actions.go, shortcut.go

	Term(ctx context.Context, nameOrAlias string) (store.Term, error)
	TermByID(ctx context.Context, id int64) (store.Term, error)
	Terms(ctx context.Context) ([]store.Term, error)
	SuggestTerms(ctx context.Context, typed string, n int) ([]store.TermKey, error)
	AddTerm(ctx context.Context, t store.Term, by store.Actor) (store.Term, error)
	UpdateTerm(ctx context.Context, t store.Term, by store.Actor) (store.Term, error)
	DeleteTerm(ctx context.Context, id int64) error
	TermHistory(ctx context.Context, id int64) ([]store.Revision[store.Term], error)
	SearchTerms(ctx context.Context, text string, limit int) ([]store.Term, error)
	store.Gaps       // commands/gaps.go
	store.Agreements // commands/agreement.go
	store.Insights   // commands/insight.go

	Persona(ctx context.Context, name string) (store.Persona, error)
	PersonaByID(ctx context.Context, id int64) (store.Persona, error)
	Personas(ctx context.Context) ([]store.Persona, error)
	AddPersona(ctx context.Context, p store.Persona, by store.Actor) (store.Persona, error)
	UpdatePersona(ctx context.Context, p store.Persona, by store.Actor) (store.Persona, error)
	DeletePersona(ctx context.Context, id int64) error
	PersonaHistory(ctx context.Context, id int64) ([]store.Revision[store.Persona], error)

	Record(ctx context.Context, ev store.Event) (store.EventResult, error)
	VerifyLead(ctx context.Context, channel, ts string, l *store.Lead) (int64, []string, error)
	UnverifiedLeads(ctx context.Context) ([]store.Lead, error)
	SetReason(ctx context.Context, leadID int64, user, reason string) error
	LeadStats(ctx context.Context, from, to time.Time, sla store.SLA, now time.Time) (store.LeadStats, error)
	LeadStatsBy(ctx context.Context, by store.LeadField, from, to time.Time, sla store.SLA, now time.Time) ([]store.LeadStats, error)
	ReturnedLeads(ctx context.Context, from, to time.Time, limit int) ([]store.Returned, int, error)
	store.Commitments // commands/sla.go
	store.Claims      // once-only rating notes, commands/leads.go
	WaitingLeads(ctx context.Context, from, to time.Time, limit int) ([]store.Lead, error)
	NewestWaitingLeads(ctx context.Context, from, to time.Time, limit int) ([]store.Lead, error)
	LeadByID(ctx context.Context, id int64) (store.Lead, error)
	Changes(ctx context.Context, from, to time.Time) ([]store.Change, error)
}

var _ dataStore = store.Store(nil)

// New returns a Handler that reads and writes db (a [store.Store]).
func New(db dataStore, opt Options) *Handler {
	h := &Handler{
		db: db, admins: map[string]bool{}, loc: opt.Location,
		leadChannels: map[string]bool{}, reactions: opt.Reactions, sla: store.SLA{Within: opt.SLA, Clock: opt.SLAClock},
		escalate:     opt.Escalate,
		workspaceURL: opt.WorkspaceURL, now: opt.Now,
		recapChannel: opt.RecapChannel, insightsChannel: opt.InsightsChannel, meetingReminder: opt.MeetingReminder, holidays: opt.Holidays,
		changed: opt.Changed, sides: opt.Sides, reviewEvery: opt.ReviewEvery, users: opt.Users,
	}
	if h.users == nil {
		h.users = noDirectory{}
	}
	h.members = opt.Members
	if h.members == nil {
		h.members = everyoneIn{}
	}
	h.dms = newDMLimiter(opt.DMsPerHour, time.Hour)
	h.noter = newNoter()
	if h.reviewEvery <= 0 {
		h.reviewEvery = store.DefaultReviewEvery
	}
	if h.sides == nil {
		h.sides = nobody{}
	}
	if h.changed == nil {
		h.changed = func(Change) {}
	}
	if h.loc == nil {
		h.loc = time.UTC
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.sla.Within <= 0 {
		h.sla.Within = 24 * time.Hour
	}
	for _, id := range opt.Admins {
		h.admins[id] = true
	}
	for _, id := range opt.LeadsChannels {
		h.leadChannels[id] = true
	}
	return h
}

// IsAdmin reports whether the user may delete anything.
func (h *Handler) IsAdmin(userID string) bool { return h.admins[userID] }

// Slash answers one slash command. A returned error that is not a
// [*UserError] is internal: show an apology and log it.
func (h *Handler) Slash(ctx context.Context, req Request) (Response, error) {
	resp, err := h.run(ctx, req, false)
	h.limitDMs(req.UserID, &resp)
	return resp, err
}

func (h *Handler) run(ctx context.Context, req Request, shared bool) (Response, error) {
	resp, err := h.route(ctx, req, shared)
	if resp.Modal != nil {
		resp.Modal.fit()
	}
	return resp, err
}

// fit shortens prefilled values to their inputs' limits, which Slack
// enforces by refusing the whole form.
func (m *Modal) fit() {
	for i, in := range m.Inputs {
		if in.MaxLength > 0 {
			m.Inputs[i].Value = Truncate(in.Value, in.MaxLength)
		}
	}
}

func (h *Handler) route(ctx context.Context, req Request, shared bool) (Response, error) {
	if !utf8.ValidString(req.Text) {
		return Response{}, userErrorf("That text is not valid UTF-8; please retype it.")
	}
	if utf8.RuneCountInString(req.Text) > maxCommandText {
		instead := "Shorten it."
		switch req.Command {
		case "/term", "/persona", "/meeting": // they have forms for long text
			instead = fmt.Sprintf("Shorten it, or type `%s add` alone to fill in a form.", req.Command)
		}
		return Response{}, userErrorf("That is too long for one command (%d characters; the limit is %d). %s",
			utf8.RuneCountInString(req.Text), maxCommandText, instead)
	}
	switch req.Command {
	case "/term":
		return h.term(ctx, req, shared)
	case "/persona":
		return h.persona(ctx, req, shared)
	case "/leads":
		return h.leads(ctx, req, shared)
	case "/metrics":
		return h.metrics(ctx, req, shared)
	case "/meeting":
		return h.meeting(ctx, req, shared)
	case "/sla":
		return h.slaCommand(ctx, req, shared)
	case "/insight":
		return h.insight(ctx, req, shared)
	}
	return Response{}, unknownCommand(req.Command)
}

// unknownCommand names the commands there are, and the one that was
// probably meant.
func unknownCommand(cmd string) error {
	var names []string
	var keys []store.TermKey
	for i, c := range Catalog() {
		names = append(names, "`"+c.Name+"`")
		keys = append(keys, store.TermKey{Label: strings.TrimPrefix(c.Name, "/"), Name: c.Name, TermID: int64(i)})
	}
	msg := fmt.Sprintf("I don't know the command `%s`.", codeText(cmd, 40))
	if s := suggest(strings.TrimPrefix(cmd, "/"), keys, 1); len(s) == 1 {
		msg += fmt.Sprintf(" Did you mean `%s`? Type `%s help` to see what it does.", s[0].Name, s[0].Name)
	} else {
		msg += " The commands are " + strings.Join(names, ", ") + "; type one followed by `help`, e.g. `/term help`."
	}
	return &UserError{Msg: msg}
}

// maxCommandText bounds what one command line may carry; Slack itself caps
// messages at a few thousand characters.
const maxCommandText = 8000

// Act handles a button click.
func (h *Handler) Act(ctx context.Context, a Action) (Response, error) {
	resp, err := h.act(ctx, a)
	h.limitDMs(a.UserID, &resp)
	return resp, err
}

func (h *Handler) act(ctx context.Context, a Action) (Response, error) {
	switch a.ActionID {
	case ActionReason:
		return h.reasonAction(ctx, a)
	case ActionRequest:
		return h.requestDefinition(ctx, a)
	case ActionRate:
		return h.rate(ctx, a)
	}
	cmd, text, _ := strings.Cut(a.Value, " ")
	req := Request{Command: cmd, Text: text, UserID: a.UserID, UserName: a.UserName, ChannelID: a.ChannelID}
	switch a.ActionID {
	case ActionRun:
		resp, err := h.run(ctx, req, false)
		resp.Replace = resp.Modal == nil
		return resp, err
	case ActionShare:
		resp, err := h.run(ctx, req, true)
		if err != nil {
			return resp, err
		}
		resp.InChannel = true
		resp.Blocks = append(resp.Blocks, Context{Texts: []string{"Shared by " + mention(a.UserID)}})
		return resp, nil
	}
	return Response{}, fmt.Errorf("unknown action %q", a.ActionID)
}

// Submit handles a submitted modal.
func (h *Handler) Submit(ctx context.Context, s Submission) (SubmitResult, error) {
	res, err := h.submit(ctx, s)
	h.limitDMs(s.UserID, &res.Reply)
	return res, err
}

func (h *Handler) submit(ctx context.Context, s Submission) (SubmitResult, error) {
	for id, v := range s.Values {
		if !utf8.ValidString(v) {
			return SubmitResult{Errors: map[string]string{id: "This is not valid UTF-8; please retype it."}}, nil
		}
	}
	switch s.CallbackID {
	case modalTermAdd, modalTermEdit:
		return h.submitTerm(ctx, s)
	case modalPersonaAdd, modalPersonaEdit:
		return h.submitPersona(ctx, s)
	case modalLeadReason:
		return h.submitReason(ctx, s)
	case modalMeetingAdd:
		return h.submitMeeting(ctx, s)
	case modalAgendaFromMessage:
		return h.submitAgendaFromMessage(ctx, s)
	case modalInsight:
		return h.submitInsight(ctx, s)
	}
	return SubmitResult{}, fmt.Errorf("unknown form %q", s.CallbackID)
}

// ErrorResponse turns an error from a Handler method into the message the user
// sees: a UserError's text, or an apology for anything else.
func ErrorResponse(err error) Response {
	var ue *UserError
	if errors.As(err, &ue) {
		return textResponse(ue.Msg)
	}
	return textResponse(":warning: Sorry, something went wrong on my side and nothing was changed. Please try again in a moment.")
}

func textResponse(mrkdwn string) Response {
	return Response{Text: mrkdwn, Blocks: []Block{Section{Text: mrkdwn}}}
}

// byline names who made a change: a mention where nobody is notified (an
// ephemeral answer), the plain name where a mention would ping (a message
// shared in the channel). Authors that are not Slack users (imported data)
// are shown as written.
func byline(id, name string, shared bool) string {
	switch {
	case !shared && store.IsUserID(id):
		return mention(id)
	case name != "":
		return Escape(name)
	case id != "" && !store.IsUserID(id):
		return Escape(id)
	}
	return "someone"
}

func (h *Handler) when(t time.Time) string {
	return t.In(h.loc).Format("2 Jan 2006 15:04 MST")
}
