package commands

import (
	"context"
	"strings"
	"testing"
	"time"

	"smarketing/store/storetest"
)

// The sides of the agreement tests: UANA sells, UMO markets, UDI does
// both, UEVE neither.
var testSides = fakeSides{
	sales:     map[string]bool{"UANA": true, "UDI": true, "UBO": true},
	marketing: map[string]bool{"UMO": true, "UDI": true},
}

func agreeHandler(tb testing.TB) (*Handler, *storetest.DB) {
	tb.Helper()
	db := MustOpenDB(tb)
	h := New(db, Options{Admins: []string{"UADMIN"}, Location: time.UTC, Sides: testSides, Now: db.Clock.Now, ReviewEvery: 90 * 24 * time.Hour})
	return h, db
}

func run(tb testing.TB, h *Handler, command, user, text string) (Response, error) {
	tb.Helper()
	return h.Slash(context.Background(), Request{Command: command, Text: text, UserID: user, UserName: nameOf(user), ChannelID: "CCHAN"})
}

func mustRun(tb testing.TB, h *Handler, command, user, text string) Response {
	tb.Helper()
	resp, err := run(tb, h, command, user, text)
	if err != nil {
		tb.Fatalf("%s %s as %s: %v", command, text, user, err)
	}
	return resp
}

func mustUserError(tb testing.TB, h *Handler, command, user, text, want string) {
	tb.Helper()
	_, err := run(tb, h, command, user, text)
	ue, ok := err.(*UserError)
	if !ok || !strings.Contains(ue.Msg, want) {
		tb.Fatalf("%s %s as %s: error %v, want a user error with %q", command, text, user, err, want)
	}
}

// statusOf is the status line of a card: the last text of its context.
func statusOf(tb testing.TB, resp Response) string {
	tb.Helper()
	for _, b := range resp.Blocks {
		if c, ok := b.(Context); ok && len(c.Texts) == 2 {
			return c.Texts[1]
		}
	}
	tb.Fatalf("no status line in %+v", resp.Blocks)
	return ""
}

// approveButton returns the card's Approve button value, or "".
func approveValue(resp Response) string {
	for _, b := range findButtons(resp) {
		if b.Text == "Approve" {
			return b.Value
		}
	}
	return ""
}

func TestApproveAndAgree(t *testing.T) {
	h, db := agreeHandler(t)
	mustRun(t, h, "/term", "UEVE", "add MQL = A lead marketing judges ready for sales")

	// Someone on neither side reads, but cannot approve.
	card := mustRun(t, h, "/term", "UEVE", "MQL")
	if v := approveValue(card); v != "" {
		t.Errorf("neither side sees Approve (%q)", v)
	}
	if got, want := statusOf(t, card), ":white_circle: Draft: nobody approved version 1 yet  ·  version 1  ·  owner <@UEVE>"; got != want {
		t.Errorf("status = %q, want %q", got, want)
	}
	mustUserError(t, h, "/term", "UEVE", "approve MQL", "only people on the sales or the marketing side can approve")

	// Sales approves: waiting for marketing.
	if v := approveValue(mustRun(t, h, "/term", "UANA", "MQL")); v != "/term approve "+versionRef(1, 1) {
		t.Errorf("sales Approve button = %q", v)
	}
	resp := mustRun(t, h, "/term", "UANA", "approve mql")
	if !strings.Contains(resp.Text, "You approved version 1 of *MQL* for sales. It now waits for marketing.") {
		t.Errorf("approve answer = %q", resp.Text)
	}
	if got := statusOf(t, resp); !strings.HasPrefix(got, ":large_yellow_circle: Waiting for marketing: approved by <@UANA> (sales) on 5 Mar 2024") {
		t.Errorf("status = %q", got)
	}
	if v := approveValue(resp); v != "" {
		t.Errorf("Approve still offered to who approved: %q", v)
	}
	if resp := mustRun(t, h, "/term", "UANA", "approve MQL"); !strings.Contains(resp.Text, "You already approved version 1 of *MQL*.") {
		t.Errorf("second approval = %q", resp.Text)
	}

	// Marketing approves, by the button: agreed, with who and when.
	db.Clock.Set(db.Clock.Now().Add(24 * time.Hour))
	mo := mustRun(t, h, "/term", "UMO", "MQL")
	act, err := h.Act(context.Background(), Action{ActionID: ActionRun, Value: approveValue(mo), UserID: "UMO", UserName: "Mo"})
	if err != nil {
		t.Fatal(err)
	}
	want := ":white_check_mark: Agreed by <@UANA> (sales) and <@UMO> (marketing) on 6 Mar 2024"
	if got := statusOf(t, act); !strings.HasPrefix(got, want) || !act.Replace {
		t.Errorf("after both: status %q (replace %v), want %q", got, act.Replace, want)
	}
	if resp := mustRun(t, h, "/term", "UBO", "approve MQL"); !strings.Contains(resp.Text, "already agreed by both sides") {
		t.Errorf("approval of an agreed term = %q", resp.Text)
	}
	// Shared in the channel: no mentions, no buttons.
	shared, err := h.Act(context.Background(), Action{ActionID: ActionShare, Value: "/term MQL", UserID: "UANA"})
	if err != nil {
		t.Fatal(err)
	}
	if got := statusOf(t, shared); strings.Contains(got, "<@") || !strings.Contains(got, "Agreed by Someone uana (sales) and Mo (marketing)") {
		t.Errorf("shared status = %q", got)
	}
}

func TestSamePersonOnBothSidesCountsOnce(t *testing.T) {
	h, _ := agreeHandler(t)
	mustRun(t, h, "/term", "UEVE", "add SQL = A lead sales accepted")
	resp := mustRun(t, h, "/term", "UDI", "approve SQL")
	if got := statusOf(t, resp); !strings.Contains(got, "Waiting for marketing: approved by <@UDI> (sales)") {
		t.Fatalf("after one person on both sides: %q", got)
	}
	if resp := mustRun(t, h, "/term", "UDI", "approve SQL"); !strings.Contains(resp.Text, "already approved") {
		t.Fatalf("same person again = %q", resp.Text)
	}
	// A sales-only approver: the person on both sides now counts for marketing.
	resp = mustRun(t, h, "/term", "UANA", "approve SQL")
	if got := statusOf(t, resp); !strings.Contains(got, "Agreed by <@UANA> (sales) and <@UDI> (marketing)") {
		t.Fatalf("after a second person: %q", got)
	}
}

func TestStaleApproveButtonRefused(t *testing.T) {
	h, db := agreeHandler(t)
	mustRun(t, h, "/term", "UEVE", "add CAC = Customer acquisition cost")
	old := approveValue(mustRun(t, h, "/term", "UANA", "CAC"))
	mustRun(t, h, "/term", "UEVE", "edit CAC = What it costs to win a customer")
	resp, err := h.Act(context.Background(), Action{ActionID: ActionRun, Value: old, UserID: "UANA", UserName: "Ana"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(resp.Text, "That button was for version 1 of *CAC*") || !strings.Contains(resp.Text, "version 2 now") || !strings.Contains(resp.Text, "Nothing was approved") {
		t.Errorf("stale click = %q", resp.Text)
	}
	term, err := db.Term(context.Background(), "CAC")
	if err != nil {
		t.Fatal(err)
	}
	if len(term.Signoffs) != 0 || term.Version != 2 {
		t.Fatalf("stale click recorded %+v (version %d)", term.Signoffs, term.Version)
	}
	if v := approveValue(resp); v != "/term approve "+versionRef(term.ID, 2) {
		t.Errorf("fresh Approve button = %q", v)
	}
}

func TestEditResetsAndTellsApprovers(t *testing.T) {
	h, _ := agreeHandler(t)
	mustRun(t, h, "/term", "UEVE", "add ICP = Ideal customer profile")
	mustRun(t, h, "/term", "UANA", "approve ICP")
	mustRun(t, h, "/term", "UMO", "approve ICP")
	resp := mustRun(t, h, "/term", "UMO", "edit ICP = Companies of 50 to 500 people in retail")
	if got := statusOf(t, resp); !strings.Contains(got, "Draft: nobody approved version 2 yet") {
		t.Errorf("after the edit: %q", got)
	}
	if len(resp.DMs) != 1 || resp.DMs[0].User != "UANA" {
		t.Fatalf("DMs = %+v, want one to UANA (the editor UMO is not told)", resp.DMs)
	}
	dm := resp.DMs[0].Message
	if !strings.Contains(dm.Text, "<@UMO> edited the term *ICP*, whose version 1 you approved") {
		t.Errorf("DM = %q", dm.Text)
	}
	if v := approveValue(dm); v == "" {
		t.Error("the DM's card has no Approve button for its reader")
	}
	hist := mustRun(t, h, "/term", "UEVE", "history ICP")
	if !strings.Contains(hist.Text, ":white_check_mark: approved by <@UANA> (sales) on 5 Mar 2024  ·  :white_check_mark: approved by <@UMO> (marketing) on 5 Mar 2024") {
		t.Errorf("history does not show the approvals of version 1:\n%s", hist.Text)
	}
}

func TestDispute(t *testing.T) {
	h, _ := agreeHandler(t)
	mustRun(t, h, "/term", "UEVE", "add Marketing Qualified Lead (MQL) = Score over 50")
	mustUserError(t, h, "/term", "UANA", "dispute MQL", "Why do you dispute *Marketing Qualified Lead*?")
	mustUserError(t, h, "/term", "UANA", "dispute", "Say which term and why")
	mustUserError(t, h, "/term", "UANA", "dispute MQL "+strings.Repeat("x", MaxDisputeReason+1), "at most 500 characters")
	resp := mustRun(t, h, "/term", "UANA", "dispute Marketing Qualified Lead the threshold is 70 since <!channel> May")
	if got := statusOf(t, resp); !strings.Contains(got, ":warning: Disputed by <@UANA> on 5 Mar 2024: “the threshold is 70 since &lt;!channel&gt; May”") {
		t.Errorf("status = %q", got)
	}
	if len(resp.DMs) != 1 || resp.DMs[0].User != "UEVE" || !strings.Contains(resp.DMs[0].Message.Text, "<@UANA> disputed the term *Marketing Qualified Lead*, which you own") {
		t.Fatalf("DMs = %+v, want one to the owner", resp.DMs)
	}
	// Approved again by both sides: agreed.
	mustRun(t, h, "/term", "UANA", "approve MQL")
	if got := statusOf(t, mustRun(t, h, "/term", "UANA", "MQL")); !strings.Contains(got, "Disputed") {
		t.Errorf("one side approving a disputed term: %q", got)
	}
	mustRun(t, h, "/term", "UMO", "approve MQL")
	if got := statusOf(t, mustRun(t, h, "/term", "UANA", "MQL")); !strings.Contains(got, "Agreed by") {
		t.Errorf("both sides after a dispute: %q", got)
	}
	// The owner disputing their own term gets no DM.
	if resp := mustRun(t, h, "/term", "UEVE", "dispute MQL: wrong after all"); len(resp.DMs) != 0 {
		t.Errorf("owner's own dispute DMs %+v", resp.DMs)
	}
}

func TestOwner(t *testing.T) {
	h, _ := agreeHandler(t)
	mustRun(t, h, "/persona", "UEVE", "add Sally Supermom = Buys what saves time")
	mustUserError(t, h, "/persona", "UANA", "owner sally <@UMO|mo>", "only <@UEVE> (who answers for *Sally Supermom*) or an admin")
	mustUserError(t, h, "/persona", "UEVE", "owner sally @mo", "I can't tell who *@mo* is")
	mustUserError(t, h, "/persona", "UEVE", "owner sally mo", "Use `/persona owner NAME @someone`")
	mustUserError(t, h, "/persona", "UEVE", "owner sally", "Use `/persona owner NAME @someone`")
	resp := mustRun(t, h, "/persona", "UEVE", "owner sally <@UMO|mo>")
	if !strings.Contains(resp.Text, "<@UMO> now answers for *Sally Supermom*") || !strings.Contains(statusOf(t, resp), "owner <@UMO>") {
		t.Errorf("owner answer = %q / %q", resp.Text, statusOf(t, resp))
	}
	// Now the new owner hears of disputes.
	if resp := mustRun(t, h, "/persona", "UANA", "dispute sally pains miss price"); len(resp.DMs) != 1 || resp.DMs[0].User != "UMO" {
		t.Errorf("dispute DMs = %+v, want the new owner", resp.DMs)
	}
	// An admin may hand it over too, naming the owner by member ID.
	for _, who := range []string{"<@UANA>", "UANA", "@UANA"} {
		if resp := mustRun(t, h, "/persona", "UADMIN", "owner Sally Supermom "+who); !strings.Contains(statusOf(t, resp), "owner <@UANA>") {
			t.Errorf("owner %s: %q", who, statusOf(t, resp))
		}
	}
}

func TestListByStatusAndReview(t *testing.T) {
	h, db := agreeHandler(t)
	for _, name := range []string{"Agreed one", "Pending one", "Waiting one", "Disputed one", "Due one"} {
		mustRun(t, h, "/term", "UEVE", "add "+name+" = d")
	}
	mustRun(t, h, "/term", "UANA", "approve Due one")
	mustRun(t, h, "/term", "UMO", "approve Due one")
	db.Clock.Set(db.Clock.Now().Add(91 * 24 * time.Hour))
	mustRun(t, h, "/term", "UANA", "approve Agreed one")
	mustRun(t, h, "/term", "UMO", "approve Agreed one")
	mustRun(t, h, "/term", "UMO", "approve Waiting one")
	mustRun(t, h, "/term", "UANA", "dispute Disputed one no")
	tests := []struct {
		filter string
		want   []string
	}{
		{"agreed", []string{"Agreed one"}},
		{"pending", []string{"Pending one", "Waiting one"}},
		{"disputed", []string{"Disputed one"}},
		{"DUE", []string{"Due one"}},
	}
	all := []string{"Agreed one", "Pending one", "Waiting one", "Disputed one", "Due one"}
	for _, tt := range tests {
		text := mustRun(t, h, "/term", "UEVE", "list "+tt.filter).Text
		for _, name := range all {
			if got, want := strings.Contains(text, "*"+name+"*"), contains(tt.want, name); got != want {
				t.Errorf("list %s: %s listed %v, want %v\n%s", tt.filter, name, got, want, text)
			}
		}
	}
	mustUserError(t, h, "/term", "UEVE", "list everything", "filters by `agreed`, `pending`, `disputed` or `due`")

	// Ana (sales) is waited for on the draft and on what marketing approved.
	review := mustRun(t, h, "/term", "UANA", "review").Text
	for _, want := range []string{"Waiting for your approval (sales)", "*Pending one*", "*Waiting one*", "Disputed", "*Disputed one*", "Due for review", "*Due one*"} {
		if !strings.Contains(review, want) {
			t.Errorf("review for sales lacks %q:\n%s", want, review)
		}
	}
	// Mo (marketing) approved Waiting one already.
	if review := mustRun(t, h, "/term", "UMO", "review").Text; strings.Contains(review, "*Waiting one*") || !strings.Contains(review, "*Pending one*") {
		t.Errorf("review for marketing:\n%s", review)
	}
	if review := mustRun(t, h, "/term", "UEVE", "review").Text; strings.Contains(review, "Waiting for your approval") || !strings.Contains(review, "neither side") {
		t.Errorf("review for neither side:\n%s", review)
	}

	// The recap counts them.
	blocks, err := h.recapGlossary(context.Background(), db.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 2 || !strings.Contains(blocks[1].(Section).Text, "Terms: 1 agreed · 2 pending · 1 disputed · 1 due for review") {
		t.Errorf("recap glossary = %+v", blocks)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestReviewDueMessage(t *testing.T) {
	h, db := agreeHandler(t)
	mustRun(t, h, "/term", "UEVE", "add LTV = Lifetime value")
	mustRun(t, h, "/term", "UANA", "approve LTV")
	mustRun(t, h, "/term", "UMO", "approve LTV")
	ctx := context.Background()
	if due, err := db.DueReviews(ctx, db.Clock.Now(), h.reviewEvery, 10); err != nil || len(due) != 0 {
		t.Fatalf("due right after agreeing: %+v, %v", due, err)
	}
	db.Clock.Set(db.Clock.Now().Add(90 * 24 * time.Hour))
	due, err := db.DueReviews(ctx, db.Clock.Now(), h.reviewEvery, 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("DueReviews = %+v, %v; want LTV", due, err)
	}
	msg, user, ok, err := h.ReviewDue(ctx, due[0])
	if err != nil || !ok || user != "UEVE" {
		t.Fatalf("ReviewDue = %q, %v, %v", user, ok, err)
	}
	if !strings.Contains(msg.Text, "The term *LTV*, which you own, was agreed on 5 Mar 2024 and is due for review (every 90 days)") {
		t.Errorf("DM = %q", msg.Text)
	}
	if got := statusOf(t, msg); !strings.HasPrefix(got, ":hourglass: Due for review since 3 Jun 2024") {
		t.Errorf("status = %q", got)
	}
	// The owner is on neither side: no Approve button for them, one for
	// each side; both sides approving again ends the review.
	if v := approveValue(msg); v != "" {
		t.Errorf("Approve button %q for someone on neither side", v)
	}
	if v := approveValue(mustRun(t, h, "/term", "UANA", "LTV")); v == "" {
		t.Error("no Approve button for a due term")
	}
	mustRun(t, h, "/term", "UANA", "approve LTV")
	if got := statusOf(t, mustRun(t, h, "/term", "UANA", "LTV")); !strings.Contains(got, "Due for review") {
		t.Errorf("one side renewing: %q", got)
	}
	mustRun(t, h, "/term", "UMO", "approve LTV")
	if got := statusOf(t, mustRun(t, h, "/term", "UANA", "LTV")); !strings.Contains(got, "Agreed by <@UANA> (sales) and <@UMO> (marketing) on 3 Jun 2024") {
		t.Errorf("both renewing: %q", got)
	}
}

func TestFormatDays(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{{90 * 24 * time.Hour, "90 days"}, {24 * time.Hour, "1 day"}, {36 * time.Hour, "36h"}, {90 * time.Minute, "1h30m"}} {
		if got := formatDays(tt.d); got != tt.want {
			t.Errorf("formatDays(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// fakeDirectory knows people by lower-case display name.
type fakeDirectory map[string]string

func (d fakeDirectory) FindUser(_ context.Context, typed string) (string, bool, error) {
	id, ok := d[strings.ToLower(strings.TrimPrefix(typed, "@"))]
	return id, ok, nil
}

// "@name" as typed (the command does not escape mentions) is looked up.
func TestOwnerByTypedName(t *testing.T) {
	db := MustOpenDB(t)
	h := New(db, Options{Admins: []string{"UADMIN"}, Location: time.UTC, Sides: testSides, Now: db.Clock.Now,
		Users: fakeDirectory{"mo": "UMO", "mo salah": "UMS"}})
	mustRun(t, h, "/term", "UEVE", "add Sales Accepted Lead = Sales agreed to work it")
	tests := []struct{ typed, want string }{
		{"@mo", "UMO"},
		{"@Mo Salah", "UMS"},
		{"<@UANA|ana>", "UANA"},
	}
	for _, tt := range tests {
		resp := mustRun(t, h, "/term", "UEVE", "owner Sales Accepted Lead "+tt.typed)
		if !strings.Contains(statusOf(t, resp), "owner <@"+tt.want+">") {
			t.Errorf("owner %s: %q, want <@%s>", tt.typed, statusOf(t, resp), tt.want)
		}
		mustRun(t, h, "/term", "UADMIN", "owner Sales Accepted Lead UEVE")
	}
	mustUserError(t, h, "/term", "UEVE", "owner Sales Accepted Lead @nobody", "I can't tell who *@nobody* is")
}
