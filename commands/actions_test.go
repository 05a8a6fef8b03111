package commands

import (
	"context"
	"strings"
	"testing"
	"time"

	"smarketing/schedules/cronspec"
	"smarketing/store"
)

// berlinHolidays is a Holidays of fixed dates.
type berlinHolidays map[string]bool

func (h berlinHolidays) Has(t time.Time) bool { return h[t.Format("2006-01-02")] }

func TestSplitDue(t *testing.T) {
	today := cronspec.Date{Year: 2026, Month: 11, Day: 30} // a Monday
	for _, tc := range []struct {
		in, text, due, hint string
	}{
		{"Send the deck by fri", "Send the deck", "2026-12-04", ""},
		{"Send the deck by 2026-12-15", "Send the deck", "2026-12-15", ""},
		{"Send the deck due tomorrow", "Send the deck", "2026-12-01", ""},
		{"Send the deck due by in 3 days", "Send the deck", "2026-12-03", ""},
		{"Ask by email by fri", "Ask by email", "2026-12-04", ""},
		{"Ask by email", "Ask by email", "", "email"},
		{"Send the deck by fryday", "Send the deck by fryday", "", "fryday"},
		{"No date at all", "No date at all", "", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			text, due, has, hint := splitDue(tc.in, today)
			got := ""
			if has {
				got = due.String()
			}
			if text != tc.text || got != tc.due || hint != tc.hint {
				t.Fatalf("splitDue(%q) = %q, %q, %q; want %q, %q, %q", tc.in, text, got, hint, tc.text, tc.due, tc.hint)
			}
		})
	}
}

// TestMeetingActions: an action with an owner and a due date, listed by
// meeting, by owner and in the meeting's reminder, closed only by its
// owner, its creator or an admin, and a DM to an owner someone else named.
func TestMeetingActions(t *testing.T) {
	h, _ := newMeetingHandler(t, nil)
	meetingSlash(t, h, "UANN", `add "Pipeline review" every tue at 10:00 #C0SALES1`)

	resp := meetingSlash(t, h, "UANN", "action 1 <@UBOB|bob> Send the pricing deck by fri")
	mustContainAll(t, joined(resp), "#1", "<@UBOB>", "Send the pricing deck", "due Fri 4 Dec")
	if len(resp.DMs) != 1 || resp.DMs[0].User != "UBOB" || !strings.Contains(joined(resp.DMs[0].Message), "gave you an action") {
		t.Fatalf("DMs = %+v, want one to UBOB", resp.DMs)
	}
	if resp := meetingSlash(t, h, "UBOB", "action 1 me Book the room"); len(resp.DMs) != 0 {
		t.Fatalf("self-assigned: DMs = %+v, want none", resp.DMs)
	}
	mustContainAll(t, meetingUserError(t, h, "UANN", "action 1 @nobody Do it"), "can't tell who")
	mustContainAll(t, meetingUserError(t, h, "UANN", "action 1 <@UBOB> Do it by 2026-01-05"), "in the past")
	mustContainAll(t, meetingUserError(t, h, "UANN", "action 1 <@UBOB>"), "What is the action")
	mustContainAll(t, meetingUserError(t, h, "UANN", "action 9 <@UBOB> Do it"), "no meeting #9")

	mine := joined(meetingSlash(t, h, "UBOB", "actions mine"))
	mustContainAll(t, mine, "Your open actions", "#1", "Send the pricing deck", "#2", "Book the room", "Pipeline review")
	if i, j := strings.Index(mine, "#1"), strings.Index(mine, "#2"); i > j {
		t.Fatalf("no due date listed before a due one:\n%s", mine)
	}
	mustContainAll(t, joined(meetingSlash(t, h, "UANN", "actions 1")), "Open actions of Pipeline review", "#1", "#2")
	mustContainAll(t, joined(meetingSlash(t, h, "UANN", "actions mine")), "no open action items")

	rem, err := h.MeetingReminder(context.Background(), 1, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	mustContainAll(t, joined(rem.Message), "Open actions", "#1", "Send the pricing deck", "bob", "due Fri 4 Dec")
	noMentions(t, "reminder", rem.Message)

	mustContainAll(t, meetingUserError(t, h, "UCAROL", "done 1"), "only")
	mustContainAll(t, joined(meetingSlash(t, h, "UBOB", "done 1")), "Done", "Send the pricing deck")
	mustContainAll(t, joined(meetingSlash(t, h, "UBOB", "done 1")), "already done")
	mustContainAll(t, joined(meetingSlash(t, h, "UADMIN", "done #2")), "Done", "Book the room")
	mustContainAll(t, meetingUserError(t, h, "UBOB", "done 99"), "no action #99")
	rem, err = h.MeetingReminder(context.Background(), 1, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(joined(rem.Message), "Open actions") {
		t.Fatalf("reminder lists done actions:\n%s", joined(rem.Message))
	}
}

// TestMeetingDecisions: decisions logged, listed newest first, and the
// week's decisions in the recap.
func TestMeetingDecisions(t *testing.T) {
	h, db := newMeetingHandler(t, nil)
	meetingSlash(t, h, "UANN", `add "Pipeline review" every tue at 10:00 #C0SALES1`)
	mustContainAll(t, joined(meetingSlash(t, h, "UANN", "decide 1 Stop buying lead lists")), "Logged", "Stop buying lead lists")
	db.Clock.Set(meetingNow.Add(time.Hour))
	meetingSlash(t, h, "UBOB", "decide 1 MQL means <score 50 & demo request>")
	list := joined(meetingSlash(t, h, "UANN", "decisions 1"))
	mustContainAll(t, list, "2, newest first", "MQL means &lt;score 50 &amp; demo request&gt;", "Stop buying lead lists")
	if strings.Index(list, "MQL") > strings.Index(list, "Stop buying") {
		t.Fatalf("decisions not newest first:\n%s", list)
	}
	mustContainAll(t, meetingUserError(t, h, "UANN", "decide 1"), "What was decided")
	recap, err := h.Recap(context.Background(), meetingNow.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	mustContainAll(t, joined(recap.Message), "Decisions this week", "Pipeline review", "Stop buying lead lists", "Bob")
	noMentions(t, "recap", recap.Message)
}

// TestMeetingSkips: a skipped date and a holiday are not the next
// occurrence, /meeting list says so, and a date the meeting does not
// meet on is refused with its next times.
func TestMeetingSkips(t *testing.T) {
	h, _ := newMeetingHandler(t, func(o *Options) { o.Holidays = berlinHolidays{"2026-12-08": true} })
	meetingSlash(t, h, "UANN", `add "Pipeline review" every tue at 10:00 #C0SALES1`)
	list := joined(meetingSlash(t, h, "UANN", "list"))
	mustContainAll(t, list, "next *Tue 1 Dec 10:00", "skips Tue 8 Dec: holiday")

	mustContainAll(t, joined(meetingSlash(t, h, "UANN", "skip 1 2026-12-01")), "skipped on Tue 1 Dec", "Tue 15 Dec 10:00")
	list = joined(meetingSlash(t, h, "UANN", "list"))
	mustContainAll(t, list, "next *Tue 15 Dec 10:00", "Tue 1 Dec: skipped", "Tue 8 Dec: holiday")
	mustContainAll(t, joined(meetingSlash(t, h, "UANN", "skip 1 2026-12-01")), "skipped already")
	mustContainAll(t, joined(meetingSlash(t, h, "UANN", "skip 1 2026-12-08")), "holiday")
	mustContainAll(t, meetingUserError(t, h, "UANN", "skip 1 2026-12-02"), "does not meet on Wed 2 Dec", "Tue 15 Dec")
	mustContainAll(t, meetingUserError(t, h, "UBOB", "skip 1 2026-12-15"), "only")
	mustContainAll(t, meetingUserError(t, h, "UANN", "skip 1 someday"), "`")

	got, err := h.MeetingOccurrences(mustMeeting(t, h, 1), meetingNow, meetingNow.AddDate(0, 0, 21), 5)
	if err != nil || len(got) != 1 || got[0].Day() != 15 {
		t.Fatalf("occurrences = %v, %v; want only Tue 15 Dec", got, err)
	}
	mustContainAll(t, joined(meetingSlash(t, h, "UANN", "unskip 1 2026-12-01")), "happens on Tue 1 Dec again")
	mustContainAll(t, joined(meetingSlash(t, h, "UANN", "list")), "next *Tue 1 Dec 10:00")
}

func mustMeeting(tb testing.TB, h *Handler, id int64) store.Meeting {
	tb.Helper()
	m, err := h.db.Meeting(context.Background(), id)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

func mustContainAll(tb testing.TB, got string, wants ...string) {
	tb.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			tb.Fatalf("%q missing from:\n%s", w, got)
		}
	}
}

func TestValidateOutcomes(t *testing.T) {
	due, bad := "2026-12-15", "15/12/2026"
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	r := store.MeetingRecord{
		Actions:   []store.ActionRecord{{ID: 1, Owner: "UBOB", Text: " Send\tdeck ", Due: &due, CreatedBy: "UANN"}},
		Decisions: []store.DecisionRecord{{Text: "Stop lists", By: "UANN", At: at}},
		Skips:     []string{"2026-12-22", "2026-12-08", "2026-12-22"},
	}
	if msgs := validateOutcomes(&r); len(msgs) != 0 {
		t.Fatalf("validateOutcomes(good) = %v", msgs)
	}
	if r.Actions[0].Text != "Send deck" || strings.Join(r.Skips, ",") != "2026-12-08,2026-12-22" {
		t.Fatalf("cleaned = %+v", r)
	}
	for _, tc := range []struct {
		name string
		r    store.MeetingRecord
		want string
	}{
		{"owner not an ID", store.MeetingRecord{Actions: []store.ActionRecord{{Owner: "bob", Text: "x"}}}, "member ID"},
		{"bad due", store.MeetingRecord{Actions: []store.ActionRecord{{Owner: "UBOB", Text: "x", Due: &bad}}}, "not a date"},
		{"no text", store.MeetingRecord{Actions: []store.ActionRecord{{Owner: "UBOB"}}}, "no text"},
		{"decision without time", store.MeetingRecord{Decisions: []store.DecisionRecord{{Text: "x"}}}, "no time"},
		{"bad skip", store.MeetingRecord{Skips: []string{"2026-02-30"}}, "not a date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msgs := validateOutcomes(&tc.r)
			if len(msgs) == 0 || !strings.Contains(strings.Join(msgs, " "), tc.want) {
				t.Fatalf("validateOutcomes = %v, want %q", msgs, tc.want)
			}
		})
	}
}

// TestAgendaFromMessage: the shortcut opens a form with a menu of the
// meetings (external past 100) and the message text, and the submission
// adds an item linked to the message.
func TestAgendaFromMessage(t *testing.T) {
	h, db := newMeetingHandler(t, func(o *Options) { o.WorkspaceURL = "https://acme.slack.com/" })
	ctx := context.Background()
	resp, err := h.Shortcut(ctx, Shortcut{CallbackID: ShortcutAddToAgenda, UserID: "UBOB", ChannelID: "CLEADS", MessageTS: "1700000000.000100", MessageText: "Acme asks about <pricing>"})
	if err != nil || resp.Modal != nil || !strings.Contains(resp.Text, "no joint meetings") {
		t.Fatalf("with no meetings: %+v, %v", resp, err)
	}
	meetingSlash(t, h, "UANN", `add "Pipeline review" every tue at 10:00 #C0SALES1`)
	resp, err = h.Shortcut(ctx, Shortcut{CallbackID: ShortcutAddToAgenda, UserID: "UBOB", ChannelID: "CLEADS", MessageTS: "1700000000.000100", MessageText: "Acme asks about <pricing>\nand terms"})
	if err != nil || resp.Modal == nil {
		t.Fatalf("Shortcut = %+v, %v; want a form", resp, err)
	}
	m := resp.Modal
	if len(m.Inputs) != 2 || len(m.Inputs[0].Options) != 1 || m.Inputs[0].Value != "1" || m.Inputs[1].Value != "Acme asks about <pricing> and terms" {
		t.Fatalf("form = %+v", m)
	}
	res, err := h.Submit(ctx, Submission{CallbackID: m.CallbackID, Metadata: m.Metadata, UserID: "UBOB", UserName: "Bob",
		Values: map[string]string{inputAgendaMeeting: "1", inputAgendaText: "Acme asks about <pricing>"}})
	if err != nil || len(res.Errors) != 0 {
		t.Fatalf("Submit = %+v, %v", res, err)
	}
	items, err := db.Agenda(ctx, 1)
	if err != nil || len(items) != 1 || items[0].Link != "https://acme.slack.com/archives/CLEADS/p1700000000000100" {
		t.Fatalf("agenda = %+v, %v", items, err)
	}
	rem, err := h.MeetingReminder(ctx, 1, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	mustContainAll(t, joined(rem.Message), "Acme asks about &lt;pricing&gt; (<https://acme.slack.com/archives/CLEADS/p1700000000000100|message>)")
	res, err = h.Submit(ctx, Submission{CallbackID: m.CallbackID, Metadata: m.Metadata, UserID: "UBOB", Values: map[string]string{inputAgendaMeeting: "", inputAgendaText: " "}})
	if err != nil || res.Errors[inputAgendaMeeting] == "" || res.Errors[inputAgendaText] == "" {
		t.Fatalf("empty submission = %+v, %v; want errors on both fields", res, err)
	}

	for i := 2; i <= maxStaticOptions+1; i++ {
		if _, err := db.AddMeeting(ctx, store.Meeting{Title: "Sync " + strings.Repeat("x", i%3), Schedule: "0 10 * * TUE", Channel: "C0SALES1"}, store.Actor{ID: "UANN"}); err != nil {
			t.Fatal(err)
		}
	}
	resp, err = h.Shortcut(ctx, Shortcut{CallbackID: ShortcutAddToAgenda, UserID: "UBOB", ChannelID: "CLEADS", MessageTS: "1.2", MessageText: "x"})
	if err != nil || resp.Modal == nil || !resp.Modal.Inputs[0].External || len(resp.Modal.Inputs[0].Options) != 0 {
		t.Fatalf("with %d meetings: %+v, %v; want an external menu", maxStaticOptions+1, resp.Modal, err)
	}
	opts, err := h.Suggest(ctx, Suggestion{CallbackID: resp.Modal.CallbackID, InputID: inputAgendaMeeting, Query: "pipeline"})
	if err != nil || len(opts) != 1 || opts[0].Value != "1" {
		t.Fatalf("Suggest(pipeline) = %+v, %v", opts, err)
	}
	if opts, _ := h.Suggest(ctx, Suggestion{CallbackID: resp.Modal.CallbackID, InputID: inputAgendaMeeting}); len(opts) != maxStaticOptions {
		t.Fatalf("Suggest(\"\") = %d options, want %d", len(opts), maxStaticOptions)
	}
}
