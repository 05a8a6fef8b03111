package commands

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"smarketing/store"
	"smarketing/store/storetest"
)

// markupAttacks are values a database may hold (an import from an older
// version, a restored backup, a hand edit) that try to become Slack markup
// in what the bot posts: pings, a mention, a user group, a link whose
// label lies, an ID that closes the bot's own link early, formatting,
// entities, look-alike brackets, a very long string and invalid UTF-8.
var markupAttacks = []string{
	"<!channel>",
	"<!here>",
	"<!everyone>",
	"<@U123>",
	"<!subteam^S123>",
	"<https://evil.example|Slack message>",
	"C1|x> <!channel> <https://evil.example/login",
	"1700000000.000100|x> <!here> <https://evil.example/login",
	"*bold* _x_ ~x~ `x` ```x```",
	"&lt;!channel&gt; &amp;lt;@U123&amp;gt;",
	"<\u200b!channel> \u200b<!here\u200b>",
	"\uFF1C!channel\uFF1E \u2039!here\u203A \uFE64!everyone\uFE65",
	"https://evil.example/archives/C1/p1700000000000100",
	strings.Repeat("<!here> ", 700),
	"\xff<!channel>\xfe <@U123",
}

// markupTokens is what the bot's own markup may be: a mention of a user,
// a link to a channel, a mention of a user group, or a link to a message
// in the workspace (URL|label).
var (
	tokenUser    = regexp.MustCompile(`^@([A-Z0-9]+)$`)
	tokenChannel = regexp.MustCompile(`^#([A-Z0-9]+)$`)
	tokenSubteam = regexp.MustCompile(`^!subteam\^([A-Z0-9]+)$`)
	tokenLink    = regexp.MustCompile(`^https://acme\.slack\.com/archives/([A-Z0-9]+)/p([0-9]{16})\|([^|<>]+)$`)
)

// allowedMarkup is the markup the bot may build in a test: mentions of
// these users and user groups, links to these channels, and links to
// messages in these channels.
type allowedMarkup struct {
	users, channels, subteams []string
}

// markupTexts returns every text v (a Response, a Recap, []Block, a
// MeetingReminder, …) shows, found by reflection so that a new block or
// field is checked without changing this test: every string field but
// those that are data (a button's or option's value, IDs, metadata, the
// user or channel a message goes to, a form's prefilled values), which
// Slack never reads as markup.
func markupTexts(v any) []string {
	var out []string
	var walk func(reflect.Value, string)
	walk = func(v reflect.Value, field string) {
		switch v.Kind() {
		case reflect.String:
			out = append(out, v.String())
		case reflect.Interface, reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem(), field)
			}
		case reflect.Slice, reflect.Array:
			if v.Type().Elem().Kind() == reflect.Uint8 {
				return // a chart's PNG
			}
			for i := range v.Len() {
				walk(v.Index(i), field)
			}
		case reflect.Struct:
			for i := range v.NumField() {
				f := v.Type().Field(i)
				switch f.Name {
				case "Value", "ActionID", "ID", "CallbackID", "Metadata", "Inline", "User", "Channel", "Items", "ChartErr":
					continue
				}
				walk(v.Field(i), f.Name)
			}
		}
	}
	walk(reflect.ValueOf(v), "")
	return out
}

// checkMarkup fails unless every <…> in every text of v is markup the
// bot built itself from IDs of Slack's shape that the test allows: no
// special mention (<!channel>, <!here>, <!everyone>), no mention or
// channel link of an ID it did not allow, no link but one to a message of
// an allowed channel in the workspace with an escaped label. A "<" with no
// ">" after it (a bot link cut short by a length limit) forms nothing.
func checkMarkup(tb testing.TB, what string, v any, ok allowedMarkup) {
	tb.Helper()
	for _, s := range markupTexts(v) {
		for rest := s; ; {
			i := strings.IndexByte(rest, '<')
			if i < 0 {
				break
			}
			rest = rest[i+1:]
			j := strings.IndexByte(rest, '>')
			if j < 0 {
				break
			}
			span := rest[:j]
			if bad := badToken(span, ok); bad != "" {
				tb.Errorf("%s: %s in <%s> of %q", what, bad, Truncate(span, 120), Truncate(s, 300))
				return
			}
			rest = rest[j+1:]
		}
	}
}

// badToken says what is wrong with the markup <span>, or "".
func badToken(span string, ok allowedMarkup) string {
	if strings.Contains(span, "<") {
		return "a < inside markup"
	}
	if m := tokenUser.FindStringSubmatch(span); m != nil {
		if !store.IsUserID(m[1]) || !slices.Contains(ok.users, m[1]) {
			return "a mention nobody asked for"
		}
		return ""
	}
	if m := tokenChannel.FindStringSubmatch(span); m != nil {
		if !store.IsChannelID(m[1]) || !slices.Contains(ok.channels, m[1]) {
			return "a link to a channel the bot did not name"
		}
		return ""
	}
	if m := tokenSubteam.FindStringSubmatch(span); m != nil {
		if !store.IsSubteamID(m[1]) || !slices.Contains(ok.subteams, m[1]) {
			return "a user group mention nobody configured"
		}
		return ""
	}
	if m := tokenLink.FindStringSubmatch(span); m != nil {
		if !store.IsChannelID(m[1]) || !slices.Contains(ok.channels, m[1]) {
			return "a link to a message in a channel the bot did not name"
		}
		if label := m[3]; strings.Contains(fzUnescape.Replace(label), "&") && !entitiesOnly(label) {
			return "a bare & in a link label"
		}
		return ""
	}
	return "markup the bot does not build"
}

// entitiesOnly reports whether every & in s starts one of the entities
// Escape writes.
func entitiesOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '&' && !strings.HasPrefix(s[i:], "&amp;") && !strings.HasPrefix(s[i:], "&lt;") && !strings.HasPrefix(s[i:], "&gt;") {
			return false
		}
	}
	return true
}

// TestCheckMarkupCatches makes sure the checker itself fails on what the
// issue found, and passes the bot's own markup.
func TestCheckMarkupCatches(t *testing.T) {
	ok := allowedMarkup{users: []string{"UANA"}, channels: []string{"CLEADS"}, subteams: []string{"S0ESC"}}
	for _, tc := range []struct {
		text string
		bad  bool
	}{
		{"<@UANA> in <#CLEADS>: <https://acme.slack.com/archives/CLEADS/p1700000000000100|a lead &amp; more> <!subteam^S0ESC>", false},
		{"cut short: <https://acme.slack.com/archives/CLEADS/p17000…", false},
		{"&lt;!channel&gt; ＜!here＞", false},
		{"<!channel>", true},
		{"<!here|here>", true},
		{"<@U123>", true},
		{"<#C1|x>", true},
		{"<https://acme.slack.com/archives/C1|x> <!channel> <https://evil.example/login|the message>", true},
		{"<https://evil.example/login|Slack message>", true},
		{"<https://acme.slack.com/archives/CLEADS/p1700000000000100|a|b>", true},
		{"<https://acme.slack.com/archives/CLEADS/p17 <!here>", true},
		{"<!subteam^S123>", true},
	} {
		ft := &fakeTB{}
		checkMarkup(ft, "text", Response{Text: tc.text}, ok)
		if ft.failed != tc.bad {
			t.Errorf("checkMarkup(%q) failed = %v, want %v", tc.text, ft.failed, tc.bad)
		}
	}
	// Every text of a response is looked at, DMs and posts included.
	ft := &fakeTB{}
	checkMarkup(ft, "dm", Response{DMs: []DM{{User: "UANA", Message: Response{Blocks: []Block{Context{Texts: []string{"<!here>"}}}}}}}, ok)
	if !ft.failed {
		t.Error("checkMarkup missed a <!here> in a DM's context block")
	}
}

// fakeTB records whether a check failed.
type fakeTB struct {
	testing.TB
	failed bool
}

func (f *fakeTB) Helper()               {}
func (f *fakeTB) Errorf(string, ...any) { f.failed = true }

// markupFixture is a database whose every stored string is one attack,
// with the records made of it.
type markupFixture struct {
	h       *Handler
	db      *storetest.DB
	ok      allowedMarkup
	term    store.Term
	persona store.Persona
	leads   []store.Lead
	ins     []store.Insight
	meeting []store.Meeting
	actions []store.Action
}

const markupWorkspace = "https://acme.slack.com/"

// newMarkupFixture stores a directly through the store, bypassing every
// check a command or an import makes, as if the database had it: in every
// stored string field of every record type that can hold it.
func newMarkupFixture(t *testing.T, a string) *markupFixture {
	t.Helper()
	ctx := context.Background()
	db := MustOpenDB(t)
	if strings.Contains(db.Backend(), "postgres") {
		a = strings.ReplaceAll(strings.ToValidUTF8(a, "\uFFFD"), "\x00", "") // what PostgreSQL can store
	}
	short := Truncate(a, 300) // names are keys: an index limits them
	sides := fakeSides{sales: map[string]bool{"UANA": true, "UBO": true}, marketing: map[string]bool{"UMO": true}}
	leadsChannel, reactions := "CLEADS", map[string]string{"+1": "good", "-1": "poor", "fire": "hot"}
	h := New(db, Options{
		Admins: []string{"UADMIN"}, Location: time.UTC, Now: func() time.Time { return fixedTime },
		LeadsChannels: []string{leadsChannel, a}, Reactions: reactions, SLA: time.Hour, Escalate: "S0ESC",
		WorkspaceURL: markupWorkspace, RecapChannel: "CRECAP1", InsightsChannel: "CINSIGHT", MeetingReminder: 15 * time.Minute,
		Sides: sides, ReviewEvery: time.Hour,
	})
	f := &markupFixture{h: h, db: db, ok: allowedMarkup{
		users:    []string{"UANA", "UMO", "UBO", "UADMIN"},
		channels: []string{leadsChannel, "CRECAP1", "CINSIGHT", "CSALES"},
		subteams: []string{"S0ESC"},
	}}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	hostile := store.Actor{ID: a, Name: a}   // an author whose ID is no ID
	ana := store.Actor{ID: "UANA", Name: a}  // a real ID with a hostile name
	day := fixedTime.Format(store.DayLayout) // today, for the gaps

	// A request for a definition, answered by the term added next.
	must("CountGap", db.CountGap(ctx, store.Key("T "+short), day))
	_, err := db.RequestDefinition(ctx, store.Key("T "+short), "UANA")
	must("RequestDefinition", err)
	must("CountGap", db.CountGap(ctx, store.Key("G "+Truncate(a, 60)), day))

	f.term, err = db.AddTerm(ctx, store.Term{Name: "T " + short, Aliases: []string{"A " + short}, Category: short, Definition: a}, hostile)
	must("AddTerm", err)
	f.term, err = db.UpdateTerm(ctx, store.Term{ID: f.term.ID, Name: f.term.Name, Aliases: f.term.Aliases, Category: short, Definition: a + " (edited)"}, ana)
	must("UpdateTerm", err)
	f.persona, err = db.AddPersona(ctx, store.Persona{Name: "P " + short, Role: short, Summary: a, Goals: a, Pains: a, Objections: a, Channels: a, Questions: a}, hostile)
	must("AddPersona", err)
	f.persona, err = db.UpdatePersona(ctx, store.Persona{ID: f.persona.ID, Name: f.persona.Name, Role: short, Summary: a + " (edited)", Goals: a, Pains: a, Objections: a, Channels: a, Questions: a}, ana)
	must("UpdatePersona", err)
	for _, ref := range []store.Ref{{Kind: store.KindTerm, ID: f.term.ID}, {Kind: store.KindPersona, ID: f.persona.ID}} {
		_, err = db.SignOff(ctx, ref, store.Signoff{Version: 2, User: "UANA", UserName: a, Side: store.SideSales, At: fixedTime}, true, false)
		must("SignOff sales", err)
		_, err = db.SignOff(ctx, ref, store.Signoff{Version: 2, User: a, UserName: a, Side: store.SideMarketing, At: fixedTime}, false, true)
		must("SignOff marketing", err)
		_, err = db.SignOff(ctx, ref, store.Signoff{Version: 2, User: "UMO", UserName: a, Dispute: true, Reason: a, At: fixedTime}, false, true)
		must("SignOff dispute", err)
		must("SetOwner", db.SetOwner(ctx, ref, hostile))
	}

	// Leads: one in a channel that is no channel ID, one whose ts is no
	// ts, one that is all right but for its text, poster, source and
	// campaign; the first and the last rated poor with a hostile reason.
	posted := fixedTime.Add(-3 * time.Hour)
	for i, l := range []store.Lead{
		{Channel: a, TS: "1709640000.000100"},
		{Channel: leadsChannel, TS: a},
		{Channel: leadsChannel, TS: "1709640000.000300"},
		{Channel: leadsChannel, TS: "1709640000.000400"},
	} {
		l.Text, l.PostedBy, l.PostedAt, l.Source, l.Campaign = a, a, posted.Add(time.Duration(i)*time.Minute), short, short
		_, err := db.Record(ctx, store.Event{ID: fmt.Sprintf("E%d", i), Lead: &l})
		must("Record lead", err)
	}
	for i, r := range []store.Reaction{
		// The rater's ID is hostile too, but not the poster's: nobody
		// rates a lead they posted.
		{Channel: a, TS: "1709640000.000100", User: a + "\u2060r", Emoji: "-1", Rating: store.Poor},
		{Channel: leadsChannel, TS: "1709640000.000300", User: "UANA", Emoji: "-1", Rating: store.Poor},
	} {
		r.Added, r.At = true, fixedTime.Add(-time.Hour)
		res, err := db.Record(ctx, store.Event{ID: fmt.Sprintf("R%d", i), React: &r})
		must("Record reaction", err)
		if res.React.LeadID == 0 {
			t.Fatalf("reaction %d: no lead", i)
		}
		must("SetReason", db.SetReason(ctx, res.React.LeadID, r.User, "other: "+a))
	}
	f.leads, err = db.NewestWaitingLeads(ctx, posted.Add(-time.Hour), fixedTime, 10)
	must("NewestWaitingLeads", err)

	// Insights: in a channel that is no ID, with a ts that is no ts, and
	// a good one; each with hostile text, source and author.
	for _, in := range []store.Insight{
		{Channel: a, TS: "1709640000.000500"},
		{Channel: "CSALES", TS: a},
		{Channel: "CSALES", TS: "1709640000.000600"},
		{},
	} {
		in.Text, in.Source, in.PersonaID = "I "+Truncate(a, store.MaxInsightText-2), a, f.persona.ID
		saved, err := db.AddInsight(ctx, in, hostile)
		must("AddInsight", err)
		f.ins = append(f.ins, saved)
	}

	// Meetings: one in a channel that is no ID, one in the recap channel;
	// agenda items linking to another site and to a good message; action
	// items owned by a hostile ID and by a real one; a decision.
	for _, m := range []store.Meeting{{Channel: a}, {Channel: "CRECAP1"}} {
		m.Title, m.Schedule = short, "0 16 * * *"
		saved, err := db.AddMeeting(ctx, m, hostile)
		must("AddMeeting", err)
		f.meeting = append(f.meeting, saved)
		for _, link := range []string{a, "https://evil.example/login", "https://evil.example/archives/CSALES/p1709640000000700", ""} {
			_, err := db.AddAgendaItem(ctx, saved.ID, a, link, hostile)
			must("AddAgendaItem", err)
		}
		for _, owner := range []store.Actor{hostile, ana} {
			act, err := db.AddAction(ctx, store.Action{MeetingID: saved.ID, Owner: owner.ID, OwnerName: a, Text: a, Due: day}, hostile)
			must("AddAction", err)
			act, err = db.Action(ctx, act.ID)
			must("Action", err)
			f.actions = append(f.actions, act)
		}
		_, err = db.AddDecision(ctx, saved.ID, a, hostile)
		must("AddDecision", err)
	}
	for i, m := range f.meeting {
		f.meeting[i], err = db.Meeting(ctx, m.ID)
		must("Meeting", err)
	}

	// Numbers and the SLA, set by someone whose ID is no ID.
	week := store.WeekOf(fixedTime.Add(-24 * time.Hour))
	must("SetMetric", db.SetMetric(ctx, store.Metric{Name: short, Week: week, Value: 12, SetBy: a, SetAt: fixedTime}))
	_, err = db.SetSLATarget(ctx, store.SLATarget{Name: store.SLALeads, Target: 40, SetBy: a, SetByName: a})
	must("SetSLATarget", err)
	return f
}

// TestNoStoredValueBecomesMarkup fills every stored string field with
// each attack and renders every surface that shows stored data: cards,
// lists, searches, histories, /leads and its breakdowns, insights, the
// recap, the App Home, meeting reminders and agendas, action and review
// DMs, dispute and edit DMs, the answers to definition requests, and the
// SLA reminder and escalation. None may hold markup the bot did not build
// from valid IDs.
func TestNoStoredValueBecomesMarkup(t *testing.T) {
	for i, a := range markupAttacks {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			f := newMarkupFixture(t, a)
			ctx := context.Background()
			h := f.h
			check := func(what string) func(any, error) {
				return func(v any, err error) {
					t.Helper()
					if err != nil {
						if _, ok := err.(*UserError); !ok {
							t.Fatalf("%s: %v", what, err)
						}
						v = ErrorResponse(err)
					}
					checkMarkup(t, what, v, f.ok)
				}
			}
			slashAs := func(user, command, text string) (any, error) {
				return h.Slash(ctx, Request{Command: command, Text: text, UserID: user, UserName: a, ChannelID: "CSALES"})
			}
			share := func(command string) (any, error) {
				return h.Act(ctx, Action{ActionID: ActionShare, Value: command, UserID: "UANA", UserName: a, ChannelID: "CSALES"})
			}
			tref, pref := idRef(f.term.ID), idRef(f.persona.ID)
			mid := strconv.FormatInt(f.meeting[1].ID, 10)
			commands := [][2]string{
				{"/term", tref}, {"/term", "list"}, {"/term", "list agreed"}, {"/term", "list pending"}, {"/term", "list disputed"},
				{"/term", "list due"}, {"/term", "search " + Truncate(a, 100)}, {"/term", "history " + tref}, {"/term", "review"},
				{"/term", "gaps"}, {"/term", Truncate(a, 100)},
				{"/persona", pref}, {"/persona", "list"}, {"/persona", "history " + pref}, {"/persona", Truncate(a, 100)},
				{"/leads", ""}, {"/leads", "30d"}, {"/leads", "by source 30d"}, {"/leads", "by campaign 30d"}, {"/leads", "returned 30d"},
				{"/insight", "list"}, {"/insight", "list " + f.persona.Name},
				{"/meeting", "list"}, {"/meeting", "agenda " + mid}, {"/meeting", "actions"}, {"/meeting", "actions mine"},
				{"/meeting", "actions " + mid}, {"/meeting", "decisions " + mid},
				{"/metrics", ""}, {"/metrics", "list"}, {"/sla", ""}, {"/sla", "history"},
			}
			for _, c := range commands {
				line := c[0] + " " + c[1]
				for _, user := range []string{"UANA", "UMO", "UADMIN"} {
					check(line + " as " + user)(slashAs(user, c[0], c[1]))
				}
				check("shared " + line)(share(line))
			}

			// Changes that send DMs to those who approved or own it.
			check("dispute")(slashAs("UMO", "/term", "dispute "+tref+" "+Truncate(a, 200)))
			check("edit")(slashAs("UANA", "/term", "edit "+tref+" = "+Truncate(a, 200)))
			check("persona dispute")(slashAs("UMO", "/persona", "dispute "+pref+" "+Truncate(a, 200)))
			check("definitions asked for")(h.Answered(ctx))
			check("approve")(slashAs("UANA", "/term", "approve "+tref))
			check("persona approve")(slashAs("UANA", "/persona", "approve "+pref))
			check("owner")(slashAs("UADMIN", "/term", "owner "+tref+" <@UBO>"))
			check("request a definition")(h.Act(ctx, Action{ActionID: ActionRequest, Value: store.Key("G " + Truncate(a, 60)), UserID: "UBO", UserName: a}))
			check("skip")(slashAs("UADMIN", "/meeting", "skip "+mid+" 2024-03-06"))

			recap, err := h.Recap(ctx, fixedTime)
			check("recap")(recap, err)
			// Slack sends user IDs as JSON text: valid UTF-8, no NUL.
			for _, user := range []string{"UANA", "UMO", strings.ReplaceAll(strings.ToValidUTF8(a, "\uFFFD"), "\x00", "")} {
				check("home of " + Truncate(user, 20))(h.Home(ctx, user, ""))
			}
			for _, l := range f.leads {
				check("rate from home")(h.Act(ctx, Action{ActionID: ActionRate, Value: fmt.Sprintf("%d good", l.ID), UserID: "UBO", UserName: a}))
			}
			for _, in := range f.ins {
				check("insight card")(h.insightCard(in), nil)
			}
			for _, m := range f.meeting {
				check("meeting reminder")(h.MeetingReminder(ctx, m.ID, fixedTime.Add(90*time.Minute)))
			}
			for _, act := range f.actions {
				check("action due DM")(h.ActionReminder(act, store.ActionDue), nil)
				check("action late DM")(h.ActionReminder(act, store.ActionLate), nil)
				check("done")(h.Act(ctx, Action{ActionID: ActionRun, Value: fmt.Sprintf("/meeting done %d", act.ID), UserID: "UADMIN", UserName: a}))
			}
			for _, ref := range []store.Ref{{Kind: store.KindTerm, ID: f.term.ID}, {Kind: store.KindPersona, ID: f.persona.ID}} {
				for _, owner := range []string{a, "UANA"} {
					msg, _, _, err := h.ReviewDue(ctx, store.DueReview{Ref: ref, Name: a, Version: 2, Owner: owner, CreatedBy: a, AgreedAt: fixedTime.Add(-2 * time.Hour), DueAt: fixedTime.Add(-time.Hour)})
					check("review DM")(msg, err)
				}
			}
			check("SLA reminder")(h.SLAReminder(), nil)
			check("escalation")(h.Escalation(), nil)
			check("term delete refused")(slashAs("UBO", "/term", "delete "+tref))
			check("meeting delete refused")(slashAs("UBO", "/meeting", "delete "+mid))
		})
	}
}

// TestLinkBuilders checks the builders on good and bad parts: a link only
// from a channel ID and a ts of Slack's shape on a workspace URL of the
// expected shape, its label escaped; escaped text otherwise.
func TestLinkBuilders(t *testing.T) {
	h := New(MustOpenDB(t), Options{WorkspaceURL: markupWorkspace})
	for _, tc := range []struct {
		channel, ts, label, want string
	}{
		{"CLEADS", "1700000000.000100", "New lead", "<https://acme.slack.com/archives/CLEADS/p1700000000000100|New lead>"},
		{"G0PRIV", "1700000000.000100", "a <b> & c|d", "<https://acme.slack.com/archives/G0PRIV/p1700000000000100|a &lt;b&gt; &amp; c∣d>"},
		{"CLEADS", "1700000000.000100", "", "<https://acme.slack.com/archives/CLEADS/p1700000000000100|message>"},
		{"C1|x> <!channel> <https://evil.example/login", "1700000000.000100", "the message", "the message"},
		{"CLEADS", "1700000000.000100|x> <!here", "a|b", "a∣b"},
		{"cleads", "1700000000.000100", "x", "x"},
		{"CLEADS", "1.2", "x", "x"},
		{"CLEADS", "17000000000.000100", "x", "x"},
		{"", "", "<!channel>", "&lt;!channel&gt;"},
	} {
		if got := h.messageLink(tc.channel, tc.ts, tc.label, 80); got != tc.want {
			t.Errorf("messageLink(%q, %q, %q) = %q, want %q", tc.channel, tc.ts, tc.label, got, tc.want)
		}
	}
	for _, base := range []string{"", "http://acme.slack.com/", "https://acme.slack.com/x|<!here>", "https://evil.example/login?"} {
		h := New(MustOpenDB(t), Options{WorkspaceURL: base})
		if got, _ := h.messageURL("C1X", "1700000000.000100"); got != "https://slack.com/archives/C1X/p1700000000000100" {
			t.Errorf("with workspace URL %q: messageURL = %q, want it on https://slack.com", base, got)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"UANA", "<@UANA>"}, {"W0ANA", "<@W0ANA>"}, {"U123|x> <!channel", "someone"}, {"<@U123>", "someone"}, {"", "someone"},
	} {
		if got := mention(tc.in); got != tc.want {
			t.Errorf("mention(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"CRECAP1", "<#CRECAP1>"}, {"C1|x", "`C1|x`"}, {"C1|<!channel>", "`C1|&lt;!channel&gt;`"}, {"c1", "`c1`"},
	} {
		if got := channelRef(tc.in); got != tc.want {
			t.Errorf("channelRef(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"S0ESC", "<!subteam^S0ESC>"}, {"UANA", "<@UANA>"}, {"S1|x> <!channel", ""}, {"!channel", ""}, {"", ""},
	} {
		if got := groupMention(tc.in); got != tc.want {
			t.Errorf("groupMention(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ link, want string }{
		{"https://acme.slack.com/archives/CLEADS/p1700000000000100", "<https://acme.slack.com/archives/CLEADS/p1700000000000100|message>"},
		// A link to a message stored with another host links to it on this workspace.
		{"https://evil.example/archives/CLEADS/p1700000000000100", "<https://acme.slack.com/archives/CLEADS/p1700000000000100|message>"},
		{"https://evil.example/login", ""},
		{"https://acme.slack.com/archives/C1|x>/p1700000000000100", ""},
		{"https://acme.slack.com/archives/CLEADS/p1700000000000100|<!here>", ""},
		{"", ""},
	} {
		if got, _ := h.permalinkLink(tc.link, "message"); got != tc.want {
			t.Errorf("permalinkLink(%q) = %q, want %q", tc.link, got, tc.want)
		}
	}
}

// TestFormMetadataCheckedOnSubmit submits every form whose submission
// relies on its private_metadata with metadata it was never opened with:
// nothing is stored, and the submission fails as an internal error (no
// user typed it, so nobody can fix it in the form).
func TestFormMetadataCheckedOnSubmit(t *testing.T) {
	h, db := newMeetingHandler(t, func(o *Options) { o.WorkspaceURL = markupWorkspace; o.InsightsChannel = "CINSIGHT" })
	ctx := context.Background()
	meetingSlash(t, h, "UANN", `add "Pipeline review" every tue at 10:00 #C0SALES1`)
	term := mustAddTerm(t, db, store.Term{Name: "MQL", Definition: "ready for sales"}, "UANN")
	badRefs := []string{
		`{"c":"C1|x> <!channel> <https://evil.example/login","ts":"1700000000.000100"}`,
		`{"c":"CLEADS","ts":"1700000000.000100|x> <!here"}`,
		`{"c":"CLEADS","ts":"1700000000.000100","x":"<!here>"}`,
		`{"c":"CLEADS","ts":"1700000000.000100"} <!here>`,
		`{"c":"CLEADS"}`,
		`<!channel>`,
	}
	for _, meta := range badRefs {
		res, err := h.Submit(ctx, Submission{CallbackID: modalInsight, Metadata: meta, UserID: "UBOB", UserName: "Bob",
			Values: map[string]string{inputInsightText: "They ask about SSO"}})
		if err == nil || len(res.Reply.Posts) > 0 {
			t.Errorf("insight form with metadata %q: %+v, %v; want an error", meta, res, err)
		}
		res, err = h.Submit(ctx, Submission{CallbackID: modalAgendaFromMessage, Metadata: meta, UserID: "UBOB", UserName: "Bob",
			Values: map[string]string{inputAgendaMeeting: "1", inputAgendaText: "Acme"}})
		if err == nil {
			t.Errorf("agenda form with metadata %q: %+v; want an error", meta, res)
		}
	}
	if _, n, err := db.Insights(ctx, store.InsightFilter{}); err != nil || n != 0 {
		t.Errorf("insights stored: %d, %v; want none", n, err)
	}
	if items, err := db.Agenda(ctx, 1); err != nil || len(items) != 0 {
		t.Errorf("agenda = %+v, %v; want nothing added", items, err)
	}
	for _, meta := range []string{"", "0", "-1", "+1", " 1", "1 <!here>", "1e3", "99999999999999999999", "<!channel>"} {
		for _, form := range []struct {
			callback string
			values   map[string]string
		}{
			{modalTermEdit, map[string]string{inputName: "MQL", inputDefinition: "changed"}},
			{modalPersonaEdit, map[string]string{"name": "Sally", "summary": "changed"}},
			{modalLeadReason, map[string]string{"reason": "a student"}},
		} {
			if res, err := h.Submit(ctx, Submission{CallbackID: form.callback, Metadata: meta, UserID: "UANN", UserName: "Ann", Values: form.values}); err == nil {
				t.Errorf("%s form with metadata %q: %+v; want an error", form.callback, meta, res)
			}
		}
	}
	if got := mustTerm(t, db, "MQL"); got.Definition != term.Definition {
		t.Errorf("term changed to %q by a form with bad metadata", got.Definition)
	}

	// A shortcut on a message whose channel or ts has no Slack shape opens
	// the form without a link: its metadata is empty.
	resp, err := h.Shortcut(ctx, Shortcut{CallbackID: ShortcutShareInsight, UserID: "UBOB", ChannelID: "C1|x> <!channel>", MessageTS: "1700000000.000100", MessageText: "SSO?"})
	if err != nil || resp.Modal == nil || resp.Modal.Metadata != "" {
		t.Fatalf("insight shortcut on a bad channel = %+v, %v; want a form without metadata", resp.Modal, err)
	}
	resp, err = h.Shortcut(ctx, Shortcut{CallbackID: ShortcutShareInsight, UserID: "UBOB", ChannelID: "CLEADS", MessageTS: "1700000000.000100", MessageText: "SSO?"})
	if err != nil || resp.Modal == nil {
		t.Fatalf("insight shortcut = %+v, %v", resp, err)
	}
	res, err := h.Submit(ctx, Submission{CallbackID: modalInsight, Metadata: resp.Modal.Metadata, UserID: "UBOB", UserName: "Bob",
		Values: map[string]string{inputInsightText: "They ask about SSO"}})
	if err != nil || len(res.Errors) != 0 || len(res.Reply.Posts) != 1 {
		t.Fatalf("insight form as opened = %+v, %v; want it shared", res, err)
	}
	mustContainAll(t, joined(res.Reply.Posts[0].Message), "<https://acme.slack.com/archives/CLEADS/p1700000000000100|the message>")
}
