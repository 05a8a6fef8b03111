package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"smarketing/store"
	"smarketing/store/storetest"
)

// rulesHandler is a handler whose leads channel is CLEADS, with the sides
// of tableSides when sides is set.
func rulesHandler(tb testing.TB, db *storetest.DB, sides bool) *Handler {
	tb.Helper()
	opt := Options{Admins: []string{"UADMIN"}, Location: time.UTC, Now: func() time.Time { return fixedTime },
		LeadsChannels: []string{"CLEADS"}, Reactions: map[string]string{"+1": "good", "-1": "poor", "fire": "hot"}}
	if sides {
		opt.Sides = tableSides
	}
	return New(db, opt)
}

// postLead records a lead posted by poster and returns its ts.
func postLead(tb testing.TB, h *Handler, n int, poster string) string {
	tb.Helper()
	ts := fmt.Sprintf("%d.%06d", fixedTime.Add(-time.Hour).Unix(), n)
	if _, err := h.Event(context.Background(), Message{EventID: "EvPost" + ts, Channel: "CLEADS", TS: ts, User: poster, Text: "Acme wants a demo"}); err != nil {
		tb.Fatal(err)
	}
	return ts
}

func reactAs(tb testing.TB, h *Handler, eventID, ts, user, emoji, itemUser string) Followup {
	tb.Helper()
	f, err := h.Event(context.Background(), ReactionEvent{EventID: eventID, Channel: "CLEADS", TS: ts, User: user, Emoji: emoji, Added: true,
		At: fixedTime, ItemUser: itemUser})
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// A rating that does not count gets one note per lead and person, in the
// lead's thread: not again for another emoji, a retry, or another instance
// (the claim is in the store); a note per lead, so another lead gets its own.
func TestRatingNoteOncePerLead(t *testing.T) {
	db := MustOpenDB(t)
	h, other := rulesHandler(t, db, true), rulesHandler(t, db, true)
	lead, second := postLead(t, h, 1, "UMKT"), postLead(t, h, 2, "UMKT")
	for _, tc := range []struct {
		user, itemUser, want string
	}{
		{"UMKT", "UMKT", "You posted this lead"},            // the poster, named by the event
		{"UEVE", "UMKT", "Only the sales side rates leads"}, // on neither side
	} {
		f := reactAs(t, h, "Ev1"+tc.user, lead, tc.user, "+1", tc.itemUser)
		if len(f.Ask) != 1 || f.Ask[0].User != tc.user || f.Ask[0].Channel != "CLEADS" || f.Ask[0].ThreadTS != lead ||
			!strings.Contains(f.Ask[0].Message.Text, tc.want) {
			t.Fatalf("%s's first reaction: %+v, want one note saying %q in the lead's thread", tc.user, f, tc.want)
		}
		for i, again := range []Followup{
			reactAs(t, h, "Ev1"+tc.user, lead, tc.user, "+1", tc.itemUser), // a retry
			reactAs(t, h, "Ev2"+tc.user, lead, tc.user, "-1", ""),          // another emoji, no item_user
			reactAs(t, other, "Ev3"+tc.user, lead, tc.user, "fire", tc.itemUser),
		} {
			if len(again.Ask) != 0 || again.Fetch != nil {
				t.Fatalf("%s's reaction %d after the note: %+v, want nothing", tc.user, i, again)
			}
		}
		if f := reactAs(t, h, "Ev4"+tc.user, second, tc.user, "+1", tc.itemUser); len(f.Ask) != 1 {
			t.Fatalf("%s's reaction on another lead: %+v, want its own note", tc.user, f)
		}
	}
	st, err := db.LeadStats(context.Background(), fixedTime.Add(-2*time.Hour), fixedTime, store.SLA{Within: time.Hour}, fixedTime)
	if err != nil || st.Ratings != 0 || st.Rated != 0 {
		t.Fatalf("stats = %+v, %v; want no rating counted", st, err)
	}
	if f := reactAs(t, h, "EvSales", lead, "USALES", "-1", "UMKT"); len(f.Ask) != 1 || !strings.Contains(f.Ask[0].Message.Text, "what was wrong") {
		t.Fatalf("a sales rating: %+v, want the poor-reason question", f)
	}
}

// Without SMARKETING_SALES anyone but the poster rates.
func TestRatingWithoutSalesSide(t *testing.T) {
	db := MustOpenDB(t)
	h := rulesHandler(t, db, false)
	lead := postLead(t, h, 1, "UMKT")
	if f := reactAs(t, h, "Ev1", lead, "UEVE", "+1", "UMKT"); len(f.Ask) != 0 {
		t.Fatalf("UEVE's reaction: %+v, want it counted, no note", f)
	}
	f := reactAs(t, h, "Ev2", lead, "UMKT", "+1", "UMKT")
	if len(f.Ask) != 1 || !strings.Contains(f.Ask[0].Message.Text, "for someone else to give") {
		t.Fatalf("the poster's reaction: %+v, want a note", f)
	}
	st, err := db.LeadStats(context.Background(), fixedTime.Add(-2*time.Hour), fixedTime, store.SLA{Within: time.Hour}, fixedTime)
	if err != nil || st.Ratings != 1 || st.Good != 1 {
		t.Fatalf("stats = %+v, %v; want UEVE's rating alone", st, err)
	}
}

// A Home button answers the click with who rates; nothing is stored and no
// note goes to the thread.
func TestHomeRateRefused(t *testing.T) {
	db := MustOpenDB(t)
	h := rulesHandler(t, db, true)
	postLead(t, h, 1, "USALES")
	for user, want := range map[string]string{"UEVE": "Only the sales side", "UMKT": "Only the sales side", "USALES": "You posted this lead"} {
		resp, err := h.Act(context.Background(), Action{ActionID: ActionRate, Value: "1 good", UserID: user})
		var ue *UserError
		if !errors.As(err, &ue) || !strings.Contains(ue.Msg, want) || len(resp.DMs) != 0 {
			t.Fatalf("%s's click = %+v, %v; want a refusal saying %q", user, resp, err, want)
		}
	}
	if resp, err := h.Act(context.Background(), Action{ActionID: ActionRate, Value: "1 good", UserID: "UBOTH"}); err != nil || !strings.Contains(resp.Text, "You rated") {
		t.Fatalf("a sales click = %+v, %v", resp, err)
	}
	st, _ := db.LeadStats(context.Background(), fixedTime.Add(-2*time.Hour), fixedTime, store.SLA{Within: time.Hour}, fixedTime)
	if st.Ratings != 1 {
		t.Fatalf("stats = %+v, want UBOTH's rating alone", st)
	}
}

// settable is a clock tests move.
type settable struct {
	mu sync.Mutex
	t  time.Time
}

func (c *settable) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *settable) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// The DMs one person's actions send to others stop at the hourly limit: the
// action is done, the answer says the notification was not sent and why,
// and an hour later the DMs go again. Each sender has their own allowance,
// and DMs to oneself do not count.
func TestDMsPerSenderLimited(t *testing.T) {
	clk := &settable{t: meetingNow}
	h, db := newMeetingHandler(t, func(o *Options) { o.Now = clk.now })
	meetingSlash(t, h, "UANN", `add "Pipeline review" every tue at 10:00 #C0SALES1`)
	give := func(by string, i int) Response {
		t.Helper()
		resp, err := h.Slash(context.Background(), Request{Command: "/meeting", Text: fmt.Sprintf("action 1 <@UOWN%d> Task %d", i%5, i), UserID: by})
		if err != nil {
			t.Fatalf("action %d: %v", i, err)
		}
		return resp
	}
	for i := range DefaultDMsPerHour {
		if resp := give("UANN", i); len(resp.DMs) != 1 {
			t.Fatalf("action %d: DMs = %+v, want one", i, resp.DMs)
		}
		clk.add(time.Minute)
	}
	if resp := meetingSlash(t, h, "UANN", "action 1 me Book the room"); len(resp.DMs) != 0 || strings.Contains(resp.Text, "did not send") {
		t.Fatalf("self-assigned past the limit: %+v", resp)
	}
	resp := give("UANN", 99)
	if len(resp.DMs) != 0 {
		t.Fatalf("past the limit: DMs = %+v, want none", resp.DMs)
	}
	mustContainAll(t, joined(resp), "Action *#32*", "I did not send the 1 notification", "<@UOWN4>", "30 direct messages")
	if open, err := db.OpenActions(context.Background(), store.ActionFilter{MeetingID: 1}); err != nil || len(open) != 32 {
		t.Fatalf("open actions = %d, %v; want all 32 given", len(open), err)
	}
	if resp := give("UBOB", 1); len(resp.DMs) != 1 {
		t.Fatalf("another sender: DMs = %+v, want one", resp.DMs)
	}
	clk.add(30 * time.Minute) // the first DM is now an hour old, the second not yet
	if resp := give("UANN", 100); len(resp.DMs) != 1 {
		t.Fatalf("an hour after the first: DMs = %+v, want one", resp.DMs)
	}
	if resp := give("UANN", 101); len(resp.DMs) != 0 {
		t.Fatalf("one freed, one used: DMs = %+v, want none", resp.DMs)
	}
}

// The limit holds on forms too: an edit's DMs to the previous approvers.
func TestDMsLimitedOnForms(t *testing.T) {
	db := MustOpenDB(t)
	h := New(db, Options{Admins: []string{"UADMIN"}, Location: time.UTC, Sides: tableSides, DMsPerHour: 1, Now: func() time.Time { return fixedTime }})
	ctx := context.Background()
	mustAddTerm(t, db, store.Term{Name: "MQL", Definition: "v1"}, "UANN")
	for _, u := range []string{"USALES", "UMKT"} {
		if _, err := h.Slash(ctx, Request{Command: "/term", Text: "approve MQL", UserID: u}); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := h.Slash(ctx, Request{Command: "/term", Text: "edit MQL", UserID: "UEVE"})
	if err != nil || resp.Modal == nil {
		t.Fatalf("edit form = %+v, %v", resp, err)
	}
	values := map[string]string{}
	for _, in := range resp.Modal.Inputs {
		values[in.ID] = in.Value
	}
	values[inputDefinition] = "v2"
	res, err := h.Submit(ctx, Submission{CallbackID: resp.Modal.CallbackID, Metadata: resp.Modal.Metadata, UserID: "UEVE", Values: values})
	if err != nil || len(res.Reply.DMs) != 1 {
		t.Fatalf("edit = %+v, %v; want one DM of two", res, err)
	}
	mustContainAll(t, joined(res.Reply), "Updated *MQL*", "I did not send the 1 notification")
}
