package commands

import (
	"context"
	"strings"
	"testing"
	"time"

	"smarketing/store"
)

// lookup runs "/term text" and then its deferred count, as the bot does
// after the ack.
func lookup(tb testing.TB, h *Handler, text string) Response {
	tb.Helper()
	resp := slash(tb, h, "UBOB", text)
	if resp.Later != nil {
		if err := resp.Later(context.Background()); err != nil {
			tb.Fatalf("count /term %s: %v", text, err)
		}
	}
	return resp
}

func TestGapCounting(t *testing.T) {
	h, db := newHandler(t)
	mustAddTerm(t, db, store.Term{Name: "Marketing Qualified Lead", Aliases: []string{"SQL?"}, Definition: "d"}, "UANN")
	for _, tc := range []struct {
		typed   string
		counted bool
	}{
		{"MQL", true},
		{"mql ", true},
		{"Mql", true},
		{"`mql`?", true},
		{"  m   q  l ", true}, // other words: counted as "m q l"
		{"marketing qualified lead", false},
		{"sql?", false},
		{"", false},
		{strings.Repeat("z", MaxTermName+1), false},
	} {
		t.Run(tc.typed, func(t *testing.T) {
			resp := slash(t, h, "UBOB", tc.typed)
			if got := resp.Later != nil; got != tc.counted {
				t.Fatalf("/term %q counted = %v, want %v", tc.typed, got, tc.counted)
			}
			if resp.Later != nil {
				if err := resp.Later(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	gaps, total, err := db.Gaps(context.Background(), "2000-01-01", "2100-01-01", -1)
	if err != nil {
		t.Fatal(err)
	}
	if total != 2 || gaps[0] != (store.Gap{Key: "mql", Asked: 4}) || gaps[1] != (store.Gap{Key: "m q l", Asked: 1}) {
		t.Fatalf("Gaps = %+v (%d), want mql 4 and m q l 1", gaps, total)
	}
	// A shared lookup (Share in channel) is not a new question.
	resp, err := h.Act(context.Background(), Action{ActionID: ActionShare, Value: "/term mql", UserID: "UBOB"})
	if err != nil || resp.Later != nil {
		t.Fatalf("shared lookup: Later set = %v, err %v; want no count", resp.Later != nil, err)
	}
}

func TestGapDayInZone(t *testing.T) {
	db := MustOpenDB(t)
	// 23:30 UTC is already the next day in Berlin.
	now := time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	h := New(db, Options{Location: berlin, Now: func() time.Time { return now }})
	lookup(t, h, "nps")
	if gaps, _, _ := db.Gaps(context.Background(), "2026-12-01", "2026-12-01", -1); len(gaps) != 1 {
		t.Fatalf("Gaps on 1 Dec (Berlin) = %+v, want nps", gaps)
	}
}

func TestTermGapsRendering(t *testing.T) {
	h, db := newHandler(t)
	resp := slash(t, h, "UBOB", "gaps")
	if !strings.Contains(resp.Text, "No missing terms") {
		t.Fatalf("empty /term gaps = %q", resp.Text)
	}
	day := h.day(h.now())
	ctx := context.Background()
	count := func(key string, n int) {
		for range n {
			if err := db.CountGap(ctx, key, day); err != nil {
				t.Fatal(err)
			}
		}
	}
	count("<!channel> & <@U123>", 3)
	count(strings.Repeat("&", MaxTermName), 2)
	for i := range maxGapLines + 5 {
		count("gap "+string(rune('a'+i%26))+string(rune('a'+i/26)), 1)
	}
	old := h.day(h.now().AddDate(0, 0, -gapsWindow))
	if err := db.CountGap(ctx, "too old", old); err != nil {
		t.Fatal(err)
	}
	resp = slash(t, h, "UBOB", "gaps")
	checkNoUserMarkup(t, "/term gaps", resp)
	all := joined(resp)
	for _, want := range []string{"1. *&lt;!channel&gt; &amp; &lt;@U123&gt;* — 3 lookups", "2. *&amp;&amp;", "* — 2 lookups", "…and 7 more"} {
		if !strings.Contains(all, want) {
			t.Fatalf("/term gaps = %s\nwant %q", all, want)
		}
	}
	if strings.Contains(all, "too old") {
		t.Fatalf("/term gaps shows a day outside the last %d: %s", gapsWindow, all)
	}
	if len(resp.Blocks) > 50 || len(resp.Text) > 3900 {
		t.Fatalf("/term gaps: %d blocks, %d characters of text", len(resp.Blocks), len(resp.Text))
	}
	for _, b := range resp.Blocks {
		if s, ok := b.(Section); ok && len([]rune(s.Text)) > 3000 {
			t.Fatalf("section of %d characters", len([]rune(s.Text)))
		}
	}
}

func TestRequestDefinition(t *testing.T) {
	h, _ := newHandler(t)
	ctx := context.Background()
	miss := slash(t, h, "UBOB", "Lead <b>velocity</b>")
	var req Button
	for _, b := range findButtons(miss) {
		if b.ActionID == ActionRequest {
			req = b
		}
	}
	if req.Value != "lead <b>velocity</b>" {
		t.Fatalf("Request button = %+v, want the key as value", req)
	}
	for _, u := range []string{"UCAT", "UCAT", "UDAN"} {
		resp, err := h.Act(ctx, Action{ActionID: ActionRequest, Value: req.Value, UserID: u})
		if err != nil {
			t.Fatal(err)
		}
		if want := "Noted — you'll get a DM when someone defines *lead &lt;b&gt;velocity&lt;/b&gt;*."; resp.Text != want {
			t.Fatalf("answer = %q, want %q", resp.Text, want)
		}
	}
	if dms, err := h.Answered(ctx); err != nil || len(dms) != 0 {
		t.Fatalf("Answered before the term = %+v, %v", dms, err)
	}
	added := slash(t, h, "UANN", "add Lead <b>velocity</b> = Speed")
	if !added.Notify {
		t.Fatal("/term add: Notify = false")
	}
	dms, err := h.Answered(ctx)
	if err != nil || len(dms) != 2 || dms[0].User != "UCAT" || dms[1].User != "UDAN" {
		t.Fatalf("Answered = %+v, %v; want one DM to UCAT, one to UDAN", dms, err)
	}
	checkNoUserMarkup(t, "DM", dms[0].Message, "UANN")
	if !strings.Contains(joined(dms[0].Message), "Speed") {
		t.Fatalf("DM = %s, want the card", joined(dms[0].Message))
	}
	if dms, _ := h.Answered(ctx); len(dms) != 0 {
		t.Fatalf("second Answered = %+v, want none", dms)
	}
	// Clicked after it was defined: the card, no request.
	resp, err := h.Act(ctx, Action{ActionID: ActionRequest, Value: req.Value, UserID: "UEVE"})
	if err != nil || !strings.Contains(joined(resp), "in the meantime") || !strings.Contains(joined(resp), "Speed") {
		t.Fatalf("late click = %s, %v", joined(resp), err)
	}
}

func TestRecapGlossaryGaps(t *testing.T) {
	db := MustOpenDB(t)
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC) // a Monday
	h := New(db, Options{Location: time.UTC, Now: func() time.Time { return at }})
	ctx := context.Background()
	r, err := h.Recap(ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	if all := joined(r.Message); strings.Contains(all, "missing terms") || strings.Contains(all, "*Glossary*\n") {
		t.Fatalf("recap without gaps mentions them: %s", all)
	}
	for i, key := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		for range i + 1 {
			if err := db.CountGap(ctx, key, "2026-11-25"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := db.CountGap(ctx, "next week", "2026-11-30"); err != nil {
		t.Fatal(err)
	}
	r, err = h.Recap(ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	all := joined(r.Message)
	if want := "Most-asked missing terms: *g* (7), *f* (6), *e* (5), *d* (4), *c* (3) and 2 more"; !strings.Contains(all, want) {
		t.Fatalf("recap = %s\nwant %q", all, want)
	}
	if strings.Contains(all, "next week") || len(r.Message.Blocks) > 50 {
		t.Fatalf("recap: %d blocks, %s", len(r.Message.Blocks), all)
	}
}
