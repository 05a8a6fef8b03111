package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"smarketing/store"
	"smarketing/store/storetest"
)

// The matrix of TestPermissionTable is generated from the table: every row
// × every path it lists × every role, with the sides configured and not.
// Each cell does the action through the handler as the role's user, on a
// fresh database, and checks in the store whether it took effect; what it
// should do is read from the row (may, open without a side, not the
// poster), not from the code under test.

// tableRole is one kind of user of the matrix. The record acted on (a term,
// a persona, a meeting, an action, a lead) is made by UANN, who is on the
// sales side when the sides are configured, and an action is assigned to
// UOWN.
type tableRole struct {
	name string
	user string
}

var tableRoles = []tableRole{
	{"admin", "UADMIN"},
	{"sales", "USALES"},
	{"marketing", "UMKT"},
	{"both sides", "UBOTH"},
	{"creator and poster", "UANN"},
	{"owner", "UOWN"},
	{"neither", "UEVE"},
}

// tableSides are the sides when configured: UANN, the creator, is on sales.
var tableSides = fakeSides{
	sales:     map[string]bool{"USALES": true, "UBOTH": true, "UANN": true},
	marketing: map[string]bool{"UMKT": true, "UBOTH": true},
}

// tableMembers are the members of the meeting channel.
var tableMembers = fakeMembers{tableChannel: {"UANN": true, "USALES": true, "UBOTH": true}}

const tableChannel = "CMEET1"

// fakeMembers says who is in which channel; a channel it does not list is
// hidden from the bot.
type fakeMembers map[string]map[string]bool

func (f fakeMembers) IsMember(_ context.Context, channel, user string) (bool, error) {
	in, ok := f[channel]
	if !ok {
		return false, fmt.Errorf("conversations.members %s: %w", channel, ErrChannelHidden)
	}
	return in[user], nil
}

// expected is what the row says of user: whether they may.
func expected(row Permission, user string, sidesSet bool) bool {
	if row.NotPoster && user == "UANN" {
		return false
	}
	sales, marketing := sidesSet && tableSides.sales[user], sidesSet && tableSides.marketing[user]
	for _, ok := range []bool{
		row.May&Anyone != 0,
		row.OpenWithout == Sales && !sidesSet,
		row.OpenWithout == Marketing && !sidesSet,
		row.May&Admins != 0 && user == "UADMIN",
		row.May&Creator != 0 && user == "UANN",
		row.May&Owner != 0 && user == "UOWN",
		row.May&SalesSide != 0 && sales,
		row.May&MarketingSide != 0 && marketing,
		row.May&ChannelMember != 0 && tableMembers[tableChannel][user],
	} {
		if ok {
			return true
		}
	}
	return false
}

// tableFixture is one cell's database: a term and a persona (UANN's, the
// term owned by UOWN), a meeting in tableChannel and an action on it for
// UOWN (UANN's), and a lead posted by UANN that everyone but UANN has rated
// poor without a reason (stored as is, whoever may rate).
type tableFixture struct {
	h       *Handler
	db      *storetest.DB
	term    store.Term
	persona store.Persona
	meeting store.Meeting
	action  store.Action
	lead    store.Lead
}

const tableLeads = "CLEADS"

func newTableFixture(tb testing.TB, sidesSet bool) *tableFixture {
	tb.Helper()
	ctx := context.Background()
	db := MustOpenDB(tb)
	opt := Options{Admins: []string{"UADMIN"}, Location: time.UTC, Now: func() time.Time { return fixedTime },
		RecapChannel: tableChannel, LeadsChannels: []string{tableLeads}, Members: tableMembers,
		Reactions: map[string]string{"+1": "good", "-1": "poor", "fire": "hot"}}
	if sidesSet {
		opt.Sides = tableSides
	}
	fx := &tableFixture{h: New(db, opt), db: db}
	ann := store.Actor{ID: "UANN", Name: nameOf("UANN")}
	var err error
	fx.term = mustAddTerm(tb, db, store.Term{Name: "MQL", Definition: "A lead marketing judges ready"}, "UANN")
	if err := db.SetOwner(ctx, store.Ref{Kind: store.KindTerm, ID: fx.term.ID}, store.Actor{ID: "UOWN", Name: "Own"}); err != nil {
		tb.Fatal(err)
	}
	if fx.persona, err = db.AddPersona(ctx, store.Persona{Name: "Sally Supermom", Summary: "Runs a busy household"}, ann); err != nil {
		tb.Fatal(err)
	}
	if fx.meeting, err = db.AddMeeting(ctx, store.Meeting{Title: "Pipeline", Schedule: "0 10 * * TUE", Channel: tableChannel}, ann); err != nil {
		tb.Fatal(err)
	}
	if fx.action, err = db.AddAction(ctx, store.Action{MeetingID: fx.meeting.ID, Owner: "UOWN", Text: "Call Acme"}, ann); err != nil {
		tb.Fatal(err)
	}
	ts := fmt.Sprintf("%d.000100", fixedTime.Add(-time.Hour).Unix())
	posted, _ := store.TSTime(ts)
	if _, err := db.Record(ctx, store.Event{Lead: &store.Lead{Channel: tableLeads, TS: ts, Text: "Acme wants a demo", PostedBy: "UANN", PostedAt: posted}}); err != nil {
		tb.Fatal(err)
	}
	for _, r := range tableRoles {
		res, err := db.Record(ctx, store.Event{React: &store.Reaction{Channel: tableLeads, TS: ts, User: r.user, Emoji: "-1", Rating: store.Poor, Added: true, At: fixedTime.Add(-time.Minute)}})
		if err != nil {
			tb.Fatal(err)
		}
		fx.lead.ID = res.React.LeadID
	}
	fx.lead.Channel, fx.lead.TS, fx.lead.PostedBy = tableLeads, ts, "UANN"
	return fx
}

// feedbackOf is user's rating of the fixture's lead and its reason, as
// exported.
func (fx *tableFixture) feedbackOf(tb testing.TB, user string) (store.Rating, string) {
	tb.Helper()
	ds, err := fx.db.Export(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	for _, l := range ds.Leads {
		for _, f := range l.Feedback {
			if l.TS == fx.lead.TS && f.User == user {
				return f.Rating, f.Reason
			}
		}
	}
	return "", ""
}

// tableDriver does an action on one path as user and reports whether it
// took effect, as the store shows.
type tableDriver func(t *testing.T, fx *tableFixture, user string) bool

// tableDrivers has a driver for every row and path of the table (the test
// fails for one missing).
var tableDrivers = map[Perm]map[Path]tableDriver{
	PermRate: {
		PathReaction: func(t *testing.T, fx *tableFixture, user string) bool {
			ctx := context.Background()
			// Slack says who posted the message (item_user).
			if _, err := fx.h.Event(ctx, ReactionEvent{EventID: "Ev" + user, Channel: tableLeads, TS: fx.lead.TS, User: user, Emoji: "fire",
				Added: true, At: fixedTime, ItemUser: fx.lead.PostedBy}); err != nil {
				t.Fatal(err)
			}
			r, _ := fx.feedbackOf(t, user)
			return r == store.Hot
		},
		PathButton: func(t *testing.T, fx *tableFixture, user string) bool {
			_, err := fx.h.Act(context.Background(), Action{ActionID: ActionRate, Value: fmt.Sprintf("%d hot", fx.lead.ID), UserID: user})
			checkAllowedOrRefused(t, err)
			r, _ := fx.feedbackOf(t, user)
			return r == store.Hot
		},
	},
	PermReason: {
		PathButton: func(t *testing.T, fx *tableFixture, user string) bool {
			if _, err := fx.h.Act(context.Background(), Action{ActionID: ActionReason, Value: fmt.Sprintf("%d|no_budget", fx.lead.ID), UserID: user}); err != nil {
				t.Fatal(err)
			}
			_, reason := fx.feedbackOf(t, user)
			return reason == "no_budget"
		},
		PathForm: func(t *testing.T, fx *tableFixture, user string) bool {
			res, err := fx.h.Submit(context.Background(), Submission{CallbackID: modalLeadReason, Metadata: strconv.FormatInt(fx.lead.ID, 10),
				UserID: user, Values: map[string]string{"reason": "a student"}})
			if err != nil || len(res.Errors) > 0 {
				t.Fatalf("reason form = %+v, %v", res, err)
			}
			_, reason := fx.feedbackOf(t, user)
			return reason == "other: a student"
		},
	},
	PermSetMetric: {PathSlash: func(t *testing.T, fx *tableFixture, user string) bool {
		tableSlash(t, fx, user, "/metrics", "set website-visits 5000")
		ms, err := fx.db.Metrics(context.Background(), store.WeekOf(fixedTime), store.WeekOf(fixedTime))
		return err == nil && len(ms) == 1 && ms[0].SetBy == user
	}},
	PermApprove: {
		PathSlash: func(t *testing.T, fx *tableFixture, user string) bool {
			tableSlash(t, fx, user, "/term", "approve MQL")
			return fx.signedBy(t, user, false)
		},
		PathButton: func(t *testing.T, fx *tableFixture, user string) bool {
			_, err := fx.h.Act(context.Background(), Action{ActionID: ActionRun, Value: "/term approve " + versionRef(fx.term.ID, 1), UserID: user})
			checkAllowedOrRefused(t, err)
			return fx.signedBy(t, user, false)
		},
	},
	PermDispute: {PathSlash: func(t *testing.T, fx *tableFixture, user string) bool {
		tableSlash(t, fx, user, "/term", "dispute MQL it leaves out the score")
		return fx.signedBy(t, user, true)
	}},
	PermEditTerm: {
		PathSlash: func(t *testing.T, fx *tableFixture, user string) bool {
			tableSlash(t, fx, user, "/term", "edit MQL = Edited by "+user)
			return mustTerm(t, fx.db, "MQL").Definition == "Edited by "+user
		},
		PathForm: func(t *testing.T, fx *tableFixture, user string) bool {
			tableForm(t, fx, user, "/term", "edit MQL", inputDefinition, "Form by "+user)
			return mustTerm(t, fx.db, "MQL").Definition == "Form by "+user
		},
	},
	PermEditPersona: {
		PathSlash: func(t *testing.T, fx *tableFixture, user string) bool {
			tableSlash(t, fx, user, "/persona", "edit Sally Supermom = Edited by "+user)
			p, err := fx.db.PersonaByID(context.Background(), fx.persona.ID)
			return err == nil && p.Summary == "Edited by "+user
		},
		PathForm: func(t *testing.T, fx *tableFixture, user string) bool {
			tableForm(t, fx, user, "/persona", "edit sally", "summary", "Form by "+user)
			p, err := fx.db.PersonaByID(context.Background(), fx.persona.ID)
			return err == nil && p.Summary == "Form by "+user
		},
	},
	PermDeleteTerm: {
		PathSlash: func(t *testing.T, fx *tableFixture, user string) bool {
			tableSlash(t, fx, user, "/term", "delete MQL")
			return fx.termGone(t)
		},
		PathButton: func(t *testing.T, fx *tableFixture, user string) bool {
			_, err := fx.h.Act(context.Background(), Action{ActionID: ActionRun, Value: "/term delete " + idRef(fx.term.ID), UserID: user})
			checkAllowedOrRefused(t, err)
			return fx.termGone(t)
		},
	},
	PermDeletePersona: {PathSlash: func(t *testing.T, fx *tableFixture, user string) bool {
		tableSlash(t, fx, user, "/persona", "delete sally")
		_, err := fx.db.PersonaByID(context.Background(), fx.persona.ID)
		return isNotFound(err)
	}},
	PermHandOver: {PathSlash: func(t *testing.T, fx *tableFixture, user string) bool {
		tableSlash(t, fx, user, "/term", "owner MQL <@UNEW>")
		return mustTerm(t, fx.db, "MQL").Owner == "UNEW"
	}},
	PermAddMeeting: {
		PathSlash: func(t *testing.T, fx *tableFixture, user string) bool {
			tableSlash(t, fx, user, "/meeting", `add "Sync" every tue at 10:00 <#`+tableChannel+`|sales-marketing>`)
			return fx.meetings(t) == 2
		},
		PathForm: func(t *testing.T, fx *tableFixture, user string) bool {
			res, err := fx.h.Submit(context.Background(), Submission{CallbackID: modalMeetingAdd, UserID: user,
				Values: map[string]string{inputMeetingTitle: "Sync", inputMeetingDays: "tue", inputMeetingTime: "10:00", inputMeetingChannel: tableChannel}})
			if err != nil {
				t.Fatal(err)
			}
			added := fx.meetings(t) == 2
			if !added && !strings.Contains(res.Errors[inputMeetingChannel], "not a member") {
				t.Fatalf("refused form = %+v, want the reason next to the channel", res)
			}
			return added
		},
	},
	PermDeleteMeeting: {PathSlash: func(t *testing.T, fx *tableFixture, user string) bool {
		tableSlash(t, fx, user, "/meeting", fmt.Sprintf("delete %d", fx.meeting.ID))
		return fx.meetings(t) == 0
	}},
	PermSkipMeeting: {PathSlash: func(t *testing.T, fx *tableFixture, user string) bool {
		tableSlash(t, fx, user, "/meeting", fmt.Sprintf("skip %d 2024-03-12", fx.meeting.ID))
		m, err := fx.db.Meeting(context.Background(), fx.meeting.ID)
		return err == nil && slices.Equal(m.Skips, []string{"2024-03-12"})
	}},
	PermAgenda: {PathSlash: func(t *testing.T, fx *tableFixture, user string) bool {
		tableSlash(t, fx, user, "/meeting", fmt.Sprintf("agenda %d Item by %s", fx.meeting.ID, user))
		items, err := fx.db.Agenda(context.Background(), fx.meeting.ID)
		return err == nil && len(items) == 1 && items[0].AddedBy == user
	}},
	PermAddAction: {PathSlash: func(t *testing.T, fx *tableFixture, user string) bool {
		tableSlash(t, fx, user, "/meeting", fmt.Sprintf("action %d <@UOWN> Send the deck", fx.meeting.ID))
		return fx.openActions(t) == 2
	}},
	PermCloseAction: {
		PathSlash: func(t *testing.T, fx *tableFixture, user string) bool {
			tableSlash(t, fx, user, "/meeting", fmt.Sprintf("done %d", fx.action.ID))
			return fx.openActions(t) == 0
		},
		PathButton: func(t *testing.T, fx *tableFixture, user string) bool {
			_, err := fx.h.Act(context.Background(), Action{ActionID: ActionRun, Value: fmt.Sprintf("/meeting done %d", fx.action.ID), UserID: user})
			checkAllowedOrRefused(t, err)
			return fx.openActions(t) == 0
		},
	},
	PermSetSLA: {PathSlash: func(t *testing.T, fx *tableFixture, user string) bool {
		tableSlash(t, fx, user, "/sla", "set leads 40")
		ts, err := fx.db.SLATargets(context.Background())
		return err == nil && len(ts) == 1 && ts[0].SetBy == user
	}},
}

// tableSlash runs a command as user: it either succeeds or is politely
// refused.
func tableSlash(t *testing.T, fx *tableFixture, user, command, text string) {
	t.Helper()
	_, err := fx.h.Slash(context.Background(), Request{Command: command, Text: text, UserID: user, UserName: nameOf(user), ChannelID: "CCHAN"})
	checkAllowedOrRefused(t, err)
}

// tableForm opens a record's edit form as user and submits it with one
// field changed.
func tableForm(t *testing.T, fx *tableFixture, user, command, text, field, value string) {
	t.Helper()
	ctx := context.Background()
	resp, err := fx.h.Slash(ctx, Request{Command: command, Text: text, UserID: user, UserName: nameOf(user)})
	if err != nil || resp.Modal == nil {
		t.Fatalf("%s %s = %+v, %v; want the form", command, text, resp, err)
	}
	values := map[string]string{}
	for _, in := range resp.Modal.Inputs {
		values[in.ID] = in.Value
	}
	values[field] = value
	res, err := fx.h.Submit(ctx, Submission{CallbackID: resp.Modal.CallbackID, Metadata: resp.Modal.Metadata, UserID: user, UserName: nameOf(user), Values: values})
	if err != nil || len(res.Errors) > 0 {
		t.Fatalf("submit %s = %+v, %v", resp.Modal.CallbackID, res, err)
	}
}

// checkAllowedOrRefused fails on an error that is not a polite refusal.
func checkAllowedOrRefused(t *testing.T, err error) {
	t.Helper()
	var ue *UserError
	if err != nil && !errors.As(err, &ue) {
		t.Fatalf("err = %v, want success or a polite refusal (*UserError)", err)
	}
}

func (fx *tableFixture) signedBy(t *testing.T, user string, dispute bool) bool {
	t.Helper()
	for _, s := range mustTerm(t, fx.db, "MQL").Signoffs {
		if s.User == user && s.Dispute == dispute {
			return true
		}
	}
	return false
}

func (fx *tableFixture) termGone(t *testing.T) bool {
	t.Helper()
	_, err := fx.db.TermByID(context.Background(), fx.term.ID)
	return isNotFound(err)
}

func (fx *tableFixture) meetings(t *testing.T) int {
	t.Helper()
	ms, err := fx.db.Meetings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}

func (fx *tableFixture) openActions(t *testing.T) int {
	t.Helper()
	as, err := fx.db.OpenActions(context.Background(), store.ActionFilter{MeetingID: fx.meeting.ID})
	if err != nil {
		t.Fatal(err)
	}
	return len(as)
}

func isNotFound(err error) bool { return err != nil && strings.Contains(err.Error(), "not found") }

func TestPermissionTable(t *testing.T) {
	for _, row := range Permissions {
		for _, path := range row.Paths {
			drive := tableDrivers[row.Perm][path]
			if drive == nil {
				t.Errorf("no test driver for %q by %s", row.Perm, path)
				continue
			}
			for _, sidesSet := range []bool{true, false} {
				for _, role := range tableRoles {
					name := fmt.Sprintf("%s/%s/sides=%v/%s", row.Perm, path, sidesSet, role.name)
					t.Run(name, func(t *testing.T) {
						fx := newTableFixture(t, sidesSet)
						want := expected(row, role.user, sidesSet)
						if got := drive(t, fx, role.user); got != want {
							t.Fatalf("took effect = %v, want %v (%s: %s)", got, want, row.Perm, row.Says)
						}
					})
				}
			}
		}
	}
	for perm, paths := range tableDrivers {
		for path := range paths {
			if !slices.Contains(permission(perm).Paths, path) {
				t.Errorf("a driver for %q by %s, a path the table does not list", perm, path)
			}
		}
	}
}

// The table itself says what the issue asks, whatever the drivers do:
// ratings are sales', never the poster's; metrics marketing's and admins';
// meetings only in one's own channels.
func TestPermissionTableRules(t *testing.T) {
	for _, tc := range []struct {
		perm     Perm
		user     string
		sidesSet bool
		want     bool
	}{
		{PermRate, "UMKT", true, false},
		{PermRate, "UEVE", true, false},
		{PermRate, "UANN", true, false}, // sales, but the poster
		{PermRate, "UANN", false, false},
		{PermRate, "USALES", true, true},
		{PermRate, "UMKT", false, true},
		{PermReason, "UEVE", true, false},
		{PermSetMetric, "UEVE", true, false},
		{PermSetMetric, "USALES", true, false},
		{PermSetMetric, "UMKT", true, true},
		{PermSetMetric, "UADMIN", true, true},
		{PermSetMetric, "UEVE", false, true},
		{PermAddMeeting, "UADMIN", true, false}, // not in the channel
		{PermAddMeeting, "USALES", false, true},
		{PermApprove, "UEVE", true, false},
		{PermSetSLA, "UANN", true, false},
	} {
		if got := expected(permission(tc.perm), tc.user, tc.sidesSet); got != tc.want {
			t.Errorf("table: %s by %s (sides set %v) = %v, want %v", tc.perm, tc.user, tc.sidesSet, got, tc.want)
		}
	}
}

func TestPermissionTableMarkdown(t *testing.T) {
	md := PermissionTable()
	for _, row := range Permissions {
		if !strings.Contains(md, "| "+string(row.Perm)+" | "+row.Says+" |") {
			t.Errorf("the Markdown table misses %q", row.Perm)
		}
	}
}
