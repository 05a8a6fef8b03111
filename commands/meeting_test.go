package commands

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"smarketing/store"
	"smarketing/store/storetest"
)

// meetingNow is the clock of the /meeting tests: Monday 30 Nov 2026, 13:00
// in Berlin (CET, UTC+1).
var meetingNow = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func berlin(tb testing.TB) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		tb.Skip("no time zone data:", err)
	}
	return loc
}

// newMeetingHandler returns a Handler in Berlin with the clock at
// meetingNow (handler and store), recap channel CRECAP1 and reminders 15
// minutes ahead; opt adjusts those.
func newMeetingHandler(tb testing.TB, opt func(*Options)) (*Handler, *storetest.DB) {
	tb.Helper()
	db := MustOpenDB(tb)
	db.Clock.Set(meetingNow)
	o := Options{Admins: []string{"UADMIN"}, Location: berlin(tb), Now: func() time.Time { return meetingNow },
		RecapChannel: "CRECAP1", MeetingReminder: 15 * time.Minute}
	if opt != nil {
		opt(&o)
	}
	return New(db, o), db
}

func meetingSlash(tb testing.TB, h *Handler, user, text string) Response {
	tb.Helper()
	resp, err := h.Slash(context.Background(), Request{Command: "/meeting", Text: text, UserID: user, UserName: nameOf(user), ChannelID: "CCHAN"})
	if err != nil {
		tb.Fatalf("/meeting %s: %v", text, err)
	}
	checkNoMeetingMarkup(tb, "/meeting "+text, resp)
	return resp
}

func meetingUserError(tb testing.TB, h *Handler, user, text string) string {
	tb.Helper()
	resp, err := h.Slash(context.Background(), Request{Command: "/meeting", Text: text, UserID: user, UserName: nameOf(user), ChannelID: "CCHAN"})
	var ue *UserError
	if !errors.As(err, &ue) {
		tb.Fatalf("/meeting %s = %q, %v; want a *UserError", text, resp.Text, err)
	}
	checkNoMeetingMarkup(tb, "/meeting "+text, textResponse(ue.Msg))
	return ue.Msg
}

// checkNoMeetingMarkup fails if any text of r holds Slack markup other than
// channel links (<#C…>) and mentions of the test users (allowed in
// ephemeral answers only, which the callers check separately).
func checkNoMeetingMarkup(tb testing.TB, what string, r Response) {
	tb.Helper()
	for _, s := range allTexts(r) {
		for rest := s; ; {
			i := strings.IndexByte(rest, '<')
			if i < 0 {
				break
			}
			rest = rest[i:]
			end := strings.IndexByte(rest, '>')
			tok := rest
			if end >= 0 {
				tok = rest[:end+1]
			}
			ok := channelLink.MatchString(tok) && !strings.Contains(tok, "|")
			for _, u := range []string{"UANN", "UBOB", "UADMIN"} {
				ok = ok || tok == "<@"+u+">"
			}
			if !ok {
				tb.Errorf("%s: text %q holds markup %q", what, Truncate(s, 200), Truncate(tok, 40))
			}
			rest = rest[1:]
		}
	}
}

// noMentions fails if r mentions anyone: for messages posted in a channel.
func noMentions(tb testing.TB, what string, r Response) {
	tb.Helper()
	for _, s := range allTexts(r) {
		if strings.Contains(s, "<@") || strings.Contains(s, "<!") {
			tb.Errorf("%s: %q mentions someone", what, Truncate(s, 200))
		}
	}
}

func TestParseMeetingLine(t *testing.T) {
	tests := []struct {
		in                       string
		title, schedule, channel string
		wantErr                  string
	}{
		{in: `"Pipeline review" every tue at 10:00`, title: "Pipeline review", schedule: "every tue at 10:00"},
		{in: `“Pipeline review” every tue at 10:00 <#C0123ABCD|sales-mkt>`, title: "Pipeline review", schedule: "every tue at 10:00", channel: "C0123ABCD"},
		{in: `„Funnel“ 0 10 * * TUE <#C0123ABCD>`, title: "Funnel", schedule: "0 10 * * TUE", channel: "C0123ABCD"},
		{in: `"X" @weekly C0123ABCD`, title: "X", schedule: "@weekly", channel: "C0123ABCD"},
		{in: `"X" @weekly #C0123ABCD`, title: "X", schedule: "@weekly", channel: "C0123ABCD"},
		{in: `"X" @weekly <#G0123ABCD|private>`, title: "X", schedule: "@weekly", channel: "G0123ABCD"},
		{in: `"X" 0 10 * * TUE`, title: "X", schedule: "0 10 * * TUE"},
		{in: `"X"`, title: "X"},
		{in: `"" every tue at 10:00`, title: "", schedule: "every tue at 10:00"},
		{in: `"A “quoted” word" @daily`, title: "A “quoted” word", schedule: "@daily"},
		{in: `“A "quoted" word” @daily`, title: `A "quoted" word`, schedule: `@daily`},
		{in: `"Mixed” @daily`, title: "Mixed", schedule: "@daily"},
		{in: `„Funnel“ @daily`, title: "Funnel", schedule: "@daily"},
		{in: `“Funnel" @daily`, title: "Funnel", schedule: "@daily"},
		{in: `"X" @weekly #general`, wantErr: "which channel `#general`"},
		{in: `"X" @weekly <#general>`, wantErr: "which channel"},
		{in: `Pipeline review every tue at 10:00`, wantErr: "Put the title in double quotes"},
		{in: `'Pipeline review' every tue at 10:00`, wantErr: "Put the title in double quotes"},
		{in: `"Pipeline review every tue at 10:00`, wantErr: "no closing quote"},
		{in: ``, wantErr: "double quotes"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseMeetingLine(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("parseMeetingLine(%q) = %+v, %v; want error with %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseMeetingLine(%q): %v", tc.in, err)
			}
			if got.title != tc.title || got.schedule != tc.schedule || got.channel != tc.channel || got.hasChannel != (tc.channel != "") {
				t.Fatalf("parseMeetingLine(%q) = %+v, want title %q schedule %q channel %q", tc.in, got, tc.title, tc.schedule, tc.channel)
			}
		})
	}
}

func TestParseChannel(t *testing.T) {
	tests := []struct {
		in, id string
	}{
		{"<#C0123ABCD|sales-marketing>", "C0123ABCD"},
		{"<#C0123ABCD>", "C0123ABCD"},
		{"<#C0123ABCD|>", "C0123ABCD"},
		{"C0123ABCD", "C0123ABCD"},
		{" #C0123ABCD ", "C0123ABCD"},
		{"G0123ABCD", "G0123ABCD"},
		{"C123", "C123"},
		{"#general", ""},
		{"general", ""},
		{"CALL", ""},
		{"c0123abcd", ""},
		{"U0123ABCD", ""},
		{"<@U0123ABCD>", ""},
		{"<#C0123|a<b>", ""},
		{"<!channel>", ""},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			id, ok := parseChannel(tc.in)
			if id != tc.id || ok != (tc.id != "") {
				t.Fatalf("parseChannel(%q) = %q, %v; want %q", tc.in, id, ok, tc.id)
			}
		})
	}
}

func TestMeetingHelp(t *testing.T) {
	h, _ := newMeetingHandler(t, nil)
	for _, text := range []string{"", "help", "HELP", "-h", "?", "frobnicate"} {
		t.Run(text, func(t *testing.T) {
			resp := meetingSlash(t, h, "UANN", text)
			if !strings.Contains(resp.Text, meetingUsage) {
				t.Fatalf("Text = %q, want the usage", Truncate(resp.Text, 80))
			}
			for _, ex := range []string{"every tue at 10:00", "every mon,thu at 16:30", "0 10 * * TUE", "@weekly"} {
				if !strings.Contains(resp.Text, ex) {
					t.Errorf("usage lacks the example %q", ex)
				}
			}
		})
	}
	if resp := meetingSlash(t, h, "UANN", "frobnicate"); !strings.Contains(resp.Text, "I don't know `/meeting frobnicate`") {
		t.Fatalf("unknown subcommand = %q, want it named", Truncate(resp.Text, 80))
	}
}

func TestMeetingAddInline(t *testing.T) {
	h, db := newMeetingHandler(t, nil)
	ctx := context.Background()
	resp := meetingSlash(t, h, "UANN", `add "Pipeline review" every tue at 10:00 <#C0SALES1|sales-mkt>`)
	for _, want := range []string{"Scheduled *Pipeline review* (#1) in <#C0SALES1>", "every Tuesday at 10:00", "Europe/Berlin",
		"Next: *Tue 1 Dec 10:00 CET*", "15m before", "/meeting agenda 1 TEXT"} {
		if !strings.Contains(resp.Text, want) {
			t.Errorf("reply = %q, want %q", resp.Text, want)
		}
	}
	m, err := db.Meeting(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := store.Meeting{ID: 1, Title: "Pipeline review", Schedule: "0 10 * * TUE", Channel: "C0SALES1",
		CreatedBy: "UANN", CreatedByName: "Ann", CreatedAt: meetingNow}
	if m.Skips = nil; !reflect.DeepEqual(m, want) {
		t.Fatalf("stored %+v, want %+v", m, want)
	}

	// Default channel, curly quotes, cron spec.
	meetingSlash(t, h, "UBOB", "add “Funnel retro” 30 16 * * MON,THU")
	if m, _ := db.Meeting(ctx, 2); m.Channel != "CRECAP1" || m.Title != "Funnel retro" || m.Schedule != "30 16 * * MON,THU" {
		t.Fatalf("stored %+v, want the recap channel", m)
	}

	// Title limits.
	meetingSlash(t, h, "UANN", `add "`+strings.Repeat("é", MaxMeetingTitle)+`" @weekly`)
	if msg := meetingUserError(t, h, "UANN", `add "`+strings.Repeat("é", MaxMeetingTitle+1)+`" @weekly`); !strings.Contains(msg, "at most 100 characters") {
		t.Fatalf("long title error = %q", msg)
	}
	if msg := meetingUserError(t, h, "UANN", `add "   " @weekly`); !strings.Contains(msg, "Fill in the title") {
		t.Fatalf("empty title error = %q", msg)
	}
	// Bad schedule: examples.
	if msg := meetingUserError(t, h, "UANN", `add "X" every funday at 10:00`); !strings.Contains(msg, "funday") || !strings.Contains(msg, "every mon,thu at 16:30") {
		t.Fatalf("bad schedule error = %q", msg)
	}
	if msg := meetingUserError(t, h, "UANN", `add "X" @weekly #general`); !strings.Contains(msg, "Channel ID") {
		t.Fatalf("bad channel error = %q", msg)
	}
	if n, _ := db.Meetings(ctx); len(n) != 3 {
		t.Fatalf("%d meetings stored, want 3 (errors store nothing)", len(n))
	}
}

func TestMeetingAddNeedsAChannel(t *testing.T) {
	h, db := newMeetingHandler(t, func(o *Options) { o.RecapChannel = "" })
	msg := meetingUserError(t, h, "UANN", `add "Pipeline review" every tue at 10:00`)
	if !strings.Contains(msg, "Which channel") || !strings.Contains(msg, "#channel") || !strings.Contains(msg, "SMARKETING_RECAP_CHANNEL") {
		t.Fatalf("error = %q, want it to ask for a channel", msg)
	}
	meetingSlash(t, h, "UANN", `add "Pipeline review" every tue at 10:00 C0SALES1`)
	if m, err := db.Meeting(context.Background(), 1); err != nil || m.Channel != "C0SALES1" {
		t.Fatalf("stored %+v, %v", m, err)
	}
}

func TestMeetingEscaping(t *testing.T) {
	h, db := newMeetingHandler(t, nil)
	ctx := context.Background()
	evil := `<!channel> <@U123> <!subteam^S1> <https://x.example|click> & *bold*`
	meetingSlash(t, h, "UANN", `add "`+evil+`" every tue at 10:00`)
	meetingSlash(t, h, "UANN", "agenda 1 "+evil)
	for _, text := range []string{"list", "agenda 1"} {
		resp := meetingSlash(t, h, "UANN", text)
		if !strings.Contains(resp.Text, "&lt;!channel&gt;") {
			t.Errorf("/meeting %s = %q, want the title escaped", text, resp.Text)
		}
	}
	rem, err := h.MeetingReminder(ctx, 1, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	checkNoMeetingMarkup(t, "reminder", rem.Message)
	noMentions(t, "reminder", rem.Message)
	// Meeting data that did not come through /meeting (an import) is shown safely too.
	m, _ := db.AddMeeting(ctx, store.Meeting{Title: "x", Schedule: "@weekly", Channel: "<!here>"}, store.Actor{ID: "UANN"})
	resp := meetingSlash(t, h, "UANN", "list")
	if !strings.Contains(resp.Text, "`&lt;!here&gt;`") {
		t.Fatalf("list = %q, want the odd channel %d shown as text", resp.Text, m.ID)
	}
}

func TestMeetingList(t *testing.T) {
	h, _ := newMeetingHandler(t, nil)
	if resp := meetingSlash(t, h, "UANN", "list"); !strings.Contains(resp.Text, "No joint meetings") {
		t.Fatalf("empty list = %q", resp.Text)
	}
	meetingSlash(t, h, "UANN", `add "Pipeline review" every tue at 10:00 <#C0SALES1|x>`)
	meetingSlash(t, h, "UBOB", `add "Funnel retro" every mon,thu at 16:30`)
	meetingSlash(t, h, "UBOB", `add "Yearly" 0 9 2 1 *`)
	meetingSlash(t, h, "UANN", "agenda 2 MQL rate")
	meetingSlash(t, h, "UBOB", "agenda 2 SLA misses")
	resp := meetingSlash(t, h, "UANN", "list")
	for _, want := range []string{
		"*#1 · Pipeline review*\n<#C0SALES1> · every Tuesday at 10:00 · next *Tue 1 Dec 10:00 CET* · 0 agenda items",
		"*#2 · Funnel retro*\n<#CRECAP1> · every Mon and Thu at 16:30 · next *Mon 30 Nov 16:30 CET* · 2 agenda items",
		"*#3 · Yearly*\n<#CRECAP1> · cron `0 9 2 1 *` · next *Sat 2 Jan 2027 09:00 CET* · 0 agenda items",
		"Times in Europe/Berlin",
	} {
		if !strings.Contains(resp.Text, want) {
			t.Errorf("list = %q\nwant %q", resp.Text, want)
		}
	}
	btns := findButtons(resp)
	if len(btns) != 1 || btns[0].ActionID != ActionShare || btns[0].Value != "/meeting list" {
		t.Fatalf("buttons = %+v, want one Share of /meeting list", btns)
	}
	shared, err := h.Act(context.Background(), Action{ActionID: ActionShare, Value: btns[0].Value, UserID: "UBOB", ChannelID: "CCHAN"})
	if err != nil {
		t.Fatal(err)
	}
	if !shared.InChannel || len(findButtons(shared)) != 0 || !strings.Contains(shared.Text, "Pipeline review") {
		t.Fatalf("shared list = %+v, want the list in the channel without buttons", shared)
	}
}

func TestMeetingDelete(t *testing.T) {
	h, db := newMeetingHandler(t, nil)
	ctx := context.Background()
	meetingSlash(t, h, "UANN", `add "Pipeline review" every tue at 10:00`)
	meetingSlash(t, h, "UANN", `add "Funnel retro" @weekly`)

	msg := meetingUserError(t, h, "UBOB", "delete 1")
	if !strings.Contains(msg, "only <@UANN> (who scheduled *Pipeline review*) or an admin") {
		t.Fatalf("refusal = %q", msg)
	}
	if _, err := db.Meeting(ctx, 1); err != nil {
		t.Fatalf("meeting deleted by someone else: %v", err)
	}
	if resp := meetingSlash(t, h, "UANN", "delete 1"); !strings.Contains(resp.Text, "Deleted the meeting *Pipeline review* (#1)") {
		t.Fatalf("delete = %q", resp.Text)
	}
	if resp := meetingSlash(t, h, "UADMIN", "delete #2"); !strings.Contains(resp.Text, "Deleted") {
		t.Fatalf("admin delete = %q", resp.Text)
	}
	for text, want := range map[string]string{
		"delete 1":     "There is no meeting #1",
		"delete 99":    "There is no meeting #99",
		"delete":       "Which meeting?",
		"delete first": "`first` is not a meeting ID",
		"delete -3":    "is not a meeting ID",
	} {
		if msg := meetingUserError(t, h, "UANN", text); !strings.Contains(msg, want) {
			t.Errorf("/meeting %s = %q, want %q", text, msg, want)
		}
	}
}

func TestMeetingAgenda(t *testing.T) {
	h, db := newMeetingHandler(t, nil)
	ctx := context.Background()
	meetingSlash(t, h, "UANN", `add "Pipeline review" every tue at 10:00`)
	if resp := meetingSlash(t, h, "UANN", "agenda 1"); !strings.Contains(resp.Text, "Nothing on the agenda of *Pipeline review*") {
		t.Fatalf("empty agenda = %q", resp.Text)
	}
	resp := meetingSlash(t, h, "UBOB", "agenda 1   Why did   MQL→SQL drop?")
	if !strings.Contains(resp.Text, "Added to the agenda of *Pipeline review* (#1) as item 1: _Why did MQL→SQL drop?_") ||
		!strings.Contains(resp.Text, "Tue 1 Dec 10:00 CET") {
		t.Fatalf("agenda add = %q", resp.Text)
	}
	meetingSlash(t, h, "UANN", "agenda #1 SLA misses")
	resp = meetingSlash(t, h, "UANN", "agenda 1")
	want := "1. Why did MQL→SQL drop? _(added by <@UBOB>)_\n2. SLA misses _(added by <@UANN>)_"
	if !strings.Contains(resp.Text, want) {
		t.Fatalf("agenda = %q\nwant %q", resp.Text, want)
	}
	btns := findButtons(resp)
	if len(btns) != 1 || btns[0].Value != "/meeting agenda 1" {
		t.Fatalf("buttons = %+v, want Share", btns)
	}
	// Shared in the channel: names, not mentions.
	shared, err := h.Act(ctx, Action{ActionID: ActionShare, Value: btns[0].Value, UserID: "UBOB", ChannelID: "CCHAN"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(shared.Text, "_(added by Bob)_") || strings.Contains(shared.Text, "<@UBOB>") {
		t.Fatalf("shared agenda = %q, want names without mentions", shared.Text)
	}

	if msg := meetingUserError(t, h, "UANN", "agenda 1 "+strings.Repeat("x", MaxAgendaText+1)); !strings.Contains(msg, "at most 300 characters") {
		t.Fatalf("long item = %q", msg)
	}
	meetingSlash(t, h, "UANN", "agenda 1 "+strings.Repeat("x", MaxAgendaText))
	if msg := meetingUserError(t, h, "UANN", "agenda 7 x"); !strings.Contains(msg, "There is no meeting #7") {
		t.Fatalf("unknown meeting = %q", msg)
	}
	if msg := meetingUserError(t, h, "UANN", "agenda"); !strings.Contains(msg, "Which meeting?") {
		t.Fatalf("no id = %q", msg)
	}
	for range store.MaxAgendaItems - 3 {
		meetingSlash(t, h, "UANN", "agenda 1 more")
	}
	if msg := meetingUserError(t, h, "UANN", "agenda 1 too many"); !strings.Contains(msg, "already has 30 items") {
		t.Fatalf("full agenda = %q", msg)
	}
	if items, _ := db.Agenda(ctx, 1); len(items) != store.MaxAgendaItems {
		t.Fatalf("%d items, want %d", len(items), store.MaxAgendaItems)
	}
}

func TestMeetingModal(t *testing.T) {
	h, db := newMeetingHandler(t, nil)
	ctx := context.Background()
	for _, text := range []string{"add", "ADD  ", `add "Pipeline review"`} {
		resp := meetingSlash(t, h, "UANN", text)
		m := resp.Modal
		if m == nil || m.CallbackID != modalMeetingAdd {
			t.Fatalf("/meeting %s = %+v, want the meeting form", text, resp)
		}
		var ids []string
		for _, in := range m.Inputs {
			ids = append(ids, in.ID)
		}
		if !slices.Equal(ids, []string{inputMeetingTitle, inputMeetingDays, inputMeetingTime, inputMeetingChannel}) {
			t.Fatalf("inputs = %q", ids)
		}
		if !m.Inputs[3].Optional {
			t.Errorf("channel input is required though a recap channel is set")
		}
		if utf8Len(m.Title) > 24 {
			t.Errorf("modal title %q is longer than Slack allows", m.Title)
		}
		if strings.Contains(text, "Pipeline") && m.Inputs[0].Value != "Pipeline review" {
			t.Errorf("title prefill = %q", m.Inputs[0].Value)
		}
	}

	submit := func(vals map[string]string) SubmitResult {
		t.Helper()
		res, err := h.Submit(ctx, Submission{CallbackID: modalMeetingAdd, UserID: "UBOB", UserName: "Bob", Values: vals})
		if err != nil {
			t.Fatalf("Submit(%v): %v", vals, err)
		}
		return res
	}
	res := submit(map[string]string{inputMeetingTitle: " ", inputMeetingDays: "funday", inputMeetingTime: "25:00", inputMeetingChannel: "#general"})
	for _, id := range []string{inputMeetingTitle, inputMeetingDays, inputMeetingTime, inputMeetingChannel} {
		if res.Errors[id] == "" {
			t.Errorf("Errors = %v, want one for %s", res.Errors, id)
		}
	}
	if !strings.Contains(res.Errors[inputMeetingDays], "funday") || !strings.Contains(res.Errors[inputMeetingTime], "25:00") {
		t.Errorf("Errors = %v, want them to name the bad values", res.Errors)
	}
	if n, _ := db.Meetings(ctx); len(n) != 0 {
		t.Fatalf("a bad form stored %d meetings", len(n))
	}

	res = submit(map[string]string{inputMeetingTitle: "Pipeline review", inputMeetingDays: "Tue, thu", inputMeetingTime: "9:30am", inputMeetingChannel: ""})
	if len(res.Errors) > 0 || !strings.Contains(res.Reply.Text, "Scheduled *Pipeline review* (#1) in <#CRECAP1>") {
		t.Fatalf("good form = %+v", res)
	}
	res = submit(map[string]string{inputMeetingTitle: "Retro", inputMeetingDays: "weekdays", inputMeetingTime: "16:30", inputMeetingChannel: "<#C0SALES1|sales>"})
	if len(res.Errors) > 0 {
		t.Fatalf("good form = %+v", res)
	}
	m1, _ := db.Meeting(ctx, 1)
	m2, _ := db.Meeting(ctx, 2)
	if m1.Schedule != "30 9 * * TUE,THU" || m1.Channel != "CRECAP1" || m1.CreatedBy != "UBOB" || m1.CreatedByName != "Bob" {
		t.Fatalf("stored %+v", m1)
	}
	if m2.Schedule != "30 16 * * MON-FRI" || m2.Channel != "C0SALES1" {
		t.Fatalf("stored %+v", m2)
	}

	// No recap channel: the channel is required.
	h2, _ := newMeetingHandler(t, func(o *Options) { o.RecapChannel = "" })
	if m := meetingSlash(t, h2, "UANN", "add").Modal; m.Inputs[3].Optional {
		t.Fatalf("channel input optional without a recap channel")
	}
	res, err := h2.Submit(ctx, Submission{CallbackID: modalMeetingAdd, UserID: "UBOB", Values: map[string]string{
		inputMeetingTitle: "X", inputMeetingDays: "tue", inputMeetingTime: "10:00"}})
	if err != nil || res.Errors[inputMeetingChannel] == "" || len(res.Errors) != 1 {
		t.Fatalf("Submit without channel = %+v, %v; want an error on the channel only", res, err)
	}
}

func utf8Len(s string) int { return len([]rune(s)) }

func TestMeetingReminderMessage(t *testing.T) {
	h, db := newMeetingHandler(t, nil)
	ctx := context.Background()
	meetingSlash(t, h, "UANN", `add "Pipeline review" every tue at 10:00 C0SALES1`)
	meetingSlash(t, h, "UBOB", "agenda 1 MQL rate")
	db.AddAgendaItem(ctx, 1, "Imported item", "", store.Actor{ID: "U0NONAME"})
	occ := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	h.now = func() time.Time { return occ.Add(-15 * time.Minute) }
	rem, err := h.MeetingReminder(ctx, 1, occ)
	if err != nil {
		t.Fatal(err)
	}
	if rem.Channel != "C0SALES1" || len(rem.Items) != 2 || !rem.Message.InChannel {
		t.Fatalf("reminder = %+v", rem)
	}
	for _, want := range []string{"*Pipeline review* starts in 15m: *Tue 1 Dec 10:00 CET*",
		"*Agenda*", "1. MQL rate _(added by Bob)_", "2. Imported item _(added by U0NONAME)_", "/meeting agenda 1 TEXT"} {
		if !strings.Contains(rem.Message.Text, want) {
			t.Errorf("reminder = %q\nwant %q", rem.Message.Text, want)
		}
	}
	noMentions(t, "reminder", rem.Message)
	if !strings.Contains(fmt.Sprint(rem.Message.Blocks), "*Agenda*\n1. MQL rate") {
		t.Errorf("blocks = %v, want the agenda in them", rem.Message.Blocks)
	}

	h.now = func() time.Time { return occ }
	rem, _ = h.MeetingReminder(ctx, 1, occ)
	if !strings.Contains(rem.Message.Text, "starts now") {
		t.Errorf("reminder at the start = %q", rem.Message.Text)
	}
	if _, err := h.MeetingReminder(ctx, 99, occ); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("reminder of no meeting: %v, want ErrNotFound", err)
	}
	meetingSlash(t, h, "UANN", `add "Empty" @weekly`)
	rem, _ = h.MeetingReminder(ctx, 2, occ)
	if len(rem.Items) != 0 || !strings.Contains(rem.Message.Text, "Nothing on the agenda yet") {
		t.Fatalf("empty reminder = %+v", rem)
	}
}

func TestMeetingReminderManyItems(t *testing.T) {
	h, db := newMeetingHandler(t, nil)
	ctx := context.Background()
	m, _ := db.AddMeeting(ctx, store.Meeting{Title: "Big", Schedule: "@weekly", Channel: "C1"}, store.Actor{ID: "UANN"})
	// An import does not enforce the limit; the reminder lists what fits.
	for i := range store.MaxAgendaItems {
		db.AddAgendaItem(ctx, m.ID, fmt.Sprintf("%02d %s", i, strings.Repeat("long text ", 29)), "", store.Actor{ID: "UANN", Name: "Ann"})
	}
	rem, err := h.MeetingReminder(ctx, m.ID, meetingNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(rem.Items) != store.MaxAgendaItems {
		t.Fatalf("%d items listed, want %d", len(rem.Items), store.MaxAgendaItems)
	}
	if len(rem.Message.Blocks) > 50 {
		t.Fatalf("%d blocks, over Slack's 50", len(rem.Message.Blocks))
	}
	for _, b := range rem.Message.Blocks {
		if s, ok := b.(Section); ok && utf8Len(s.Text) > 3000 {
			t.Fatalf("section of %d characters, over 3000", utf8Len(s.Text))
		}
	}
	if utf8Len(rem.Message.Text) > 4000 {
		t.Fatalf("fallback text of %d characters", utf8Len(rem.Message.Text))
	}
}

func TestMeetingOccurrences(t *testing.T) {
	h, _ := newMeetingHandler(t, nil)
	loc := berlin(t)
	// Berlin leaves summer time on Sun 25 Oct 2026: 10:00 local is 08:00 UTC
	// before and 09:00 UTC after.
	m := store.Meeting{ID: 1, Schedule: "0 10 * * MON", CreatedAt: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}
	got, err := h.MeetingOccurrences(m, time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC), 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Time{
		time.Date(2026, 10, 19, 8, 0, 0, 0, time.UTC),
		time.Date(2026, 10, 26, 9, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC),
	}
	if !slices.EqualFunc(got, want, time.Time.Equal) {
		t.Fatalf("occurrences = %v, want %v", got, want)
	}
	for _, g := range got {
		if g.Location().String() != loc.String() || g.Hour() != 10 {
			t.Errorf("occurrence %v, want 10:00 in Berlin", g)
		}
	}
	// limit
	if got, _ := h.MeetingOccurrences(m, want[0].Add(-time.Hour), want[2], 2); len(got) != 2 {
		t.Fatalf("limit 2 gave %d", len(got))
	}
	// "after" is exclusive, "until" inclusive.
	if got, _ := h.MeetingOccurrences(m, want[0], want[1], 10); len(got) != 1 || !got[0].Equal(want[1]) {
		t.Fatalf("(want[0], want[1]] = %v", got)
	}

	// @every counts from the minute the meeting was created.
	every := store.Meeting{ID: 2, Schedule: "@every 168h0m0s", CreatedAt: time.Date(2026, 11, 3, 9, 7, 42, 0, time.UTC)}
	got, _ = h.MeetingOccurrences(every, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), 10)
	want = []time.Time{time.Date(2026, 11, 10, 9, 7, 0, 0, time.UTC), time.Date(2026, 11, 17, 9, 7, 0, 0, time.UTC), time.Date(2026, 11, 24, 9, 7, 0, 0, time.UTC)}
	if !slices.EqualFunc(got, want, time.Time.Equal) {
		t.Fatalf("@every occurrences = %v, want %v", got, want)
	}
	got, _ = h.MeetingOccurrences(every, want[1], want[2], 10)
	if len(got) != 1 || !got[0].Equal(want[2]) {
		t.Fatalf("@every (want[1], want[2]] = %v", got)
	}

	if _, err := h.MeetingOccurrences(store.Meeting{Schedule: "CRON_TZ=UTC"}, meetingNow, meetingNow.Add(time.Hour), 1); err == nil {
		t.Fatalf("a bad stored schedule gave no error")
	}
}

func TestUpcomingMeetings(t *testing.T) {
	h, _ := newMeetingHandler(t, nil)
	ctx := context.Background()
	meetingSlash(t, h, "UANN", `add "Pipeline review" every tue at 10:00 C0SALES1`)
	meetingSlash(t, h, "UANN", `add "Standup" every weekday at 9:00`)
	meetingSlash(t, h, "UANN", "agenda 1 MQL rate")
	up, err := h.UpcomingMeetings(ctx, meetingNow, meetingNow.AddDate(0, 0, 7), 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range up {
		got = append(got, fmt.Sprintf("%d %s %s %d", u.ID, u.When, u.Channel, u.Agenda))
	}
	want := []string{
		"2 Tue 1 Dec 09:00 CET CRECAP1 0",
		"1 Tue 1 Dec 10:00 CET C0SALES1 1",
		"2 Wed 2 Dec 09:00 CET CRECAP1 0",
		"2 Thu 3 Dec 09:00 CET CRECAP1 0",
		"2 Fri 4 Dec 09:00 CET CRECAP1 0",
		"2 Mon 7 Dec 09:00 CET CRECAP1 0",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("UpcomingMeetings = %q\nwant %q", got, want)
	}
	if up, _ := h.UpcomingMeetings(ctx, meetingNow, meetingNow.AddDate(0, 0, 7), 2); len(up) != 2 || up[1].ID != 1 {
		t.Fatalf("limit 2 = %+v", up)
	}
	blocks, err := h.upcomingBlocks(ctx, meetingNow, meetingNow.AddDate(0, 0, 7))
	if err != nil || len(blocks) != 1 {
		t.Fatalf("upcomingBlocks = %v, %v", blocks, err)
	}
	r := Response{Blocks: blocks}
	noMentions(t, "recap meetings", r)
	if s := blocks[0].(Section).Text; !strings.Contains(s, "• Tue 1 Dec 10:00 CET — *Pipeline review* in <#C0SALES1> (1 agenda item)") {
		t.Fatalf("recap section = %q", s)
	}
}

func TestValidateMeeting(t *testing.T) {
	good, err := ValidateMeeting(store.MeetingRecord{ID: 3, Title: "  Pipeline   review ", Schedule: "every tue at 10:00", Channel: "<#C0SALES1|x>", Agenda: []string{" a ", "", "b"}}, time.UTC, meetingNow)
	if err != nil {
		t.Fatal(err)
	}
	want := store.MeetingRecord{ID: 3, Title: "Pipeline review", Schedule: "0 10 * * TUE", Channel: "C0SALES1", Agenda: []string{"a", "b"}}
	if fmt.Sprint(good) != fmt.Sprint(want) {
		t.Fatalf("ValidateMeeting = %+v, want %+v", good, want)
	}
	_, err = ValidateMeeting(store.MeetingRecord{Title: "", Schedule: "@every 5m", Channel: "general", Agenda: []string{strings.Repeat("x", 601)}}, time.UTC, meetingNow)
	var ue *UserError
	if !errors.As(err, &ue) {
		t.Fatalf("ValidateMeeting(bad) = %v, want a *UserError", err)
	}
	for _, want := range []string{"title", "schedule", "channel", "Agenda"} {
		if !strings.Contains(ue.Msg, want) {
			t.Errorf("error %q does not mention the %s", ue.Msg, want)
		}
	}
}
