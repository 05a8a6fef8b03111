package commands

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestShareNeverWrites: a Share button carries a read-only command line,
// but its value comes back from the client and can be any line. Shared,
// a line that would change something changes nothing, even for an admin
// (who may make every change it names), and nothing it answers is a
// confirmation of a change posted to the channel.
func TestShareNeverWrites(t *testing.T) {
	ctx := context.Background()
	for _, line := range []string{
		"/sla set leads 40",
		"/sla set good 70%",
		"/metrics set website-visits 4210",
		"/term add MQX = a lead",
		"/persona add Sally = a buyer",
		"/meeting add \"Pipeline\" every tue at 10:00 C0123ABCD",
		"/meeting action 1 me Send the deck",
		"/meeting decide 1 Weekly",
		"/insight customers ask for Salesforce",
	} {
		t.Run(line, func(t *testing.T) {
			h, db := newHandler(t)
			_, _ = h.Act(ctx, Action{ActionID: ActionShare, Value: line, UserID: "UADMIN", UserName: "Admin", ChannelID: "CCHAN"})
			if ts, err := db.SLATargets(ctx); err != nil || len(ts) != 0 {
				t.Errorf("SLA targets after a shared %q: %+v, %v", line, ts, err)
			}
			if ms, err := db.Meetings(ctx); err != nil || len(ms) != 0 {
				t.Errorf("meetings after a shared %q: %d, %v", line, len(ms), err)
			}
			if ts, err := db.Terms(ctx); err != nil || len(ts) != 0 {
				t.Errorf("terms after a shared %q: %d, %v", line, len(ts), err)
			}
			if ps, err := db.Personas(ctx); err != nil || len(ps) != 0 {
				t.Errorf("personas after a shared %q: %d, %v", line, len(ps), err)
			}
		})
	}
}

// cutMarkup finds what a cut of escaped mrkdwn must never leave at its
// end: half an entity ("&am…") or a token whose ">" was cut off ("<@U12…",
// "<https://…").
var cutMarkup = regexp.MustCompile(`&[#a-zA-Z0-9]*…$|<[^>]*…$`)

// TestTruncateKeepsMarkupWhole: Truncate (which the renderer applies to
// every text at Slack's limits, escaped or not) cuts before an entity or
// a <…> token it would split, on a rune boundary, within n.
func TestTruncateKeepsMarkupWhole(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"R&amp;D team", 4, "R…"},
		{"R&amp;D team", 6, "R…"},
		{"R&amp;D team", 7, "R&amp;…"},
		{"a &lt;b&gt;", 5, "a…"},
		{"x &#8230; y", 6, "x…"},
		{"ask <@U0123ABCD> now", 10, "ask…"},
		{"see <https://acme.slack.com/archives/C1/p1|lead #3> today", 30, "see…"},
		{"in <#C0123ABCD> é", 16, "in <#C0123ABCD>…"},
		{"tom & jerry", 8, "tom & j…"},  // a bare & is no entity
		{"tom & jerry", 6, "tom…"},      // but a trailing one may start one
		{"a < b and more", 6, "a < b…"}, // nor is a bare <
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s_%d", tc.in, tc.n), func(t *testing.T) {
			if got := Truncate(tc.in, tc.n); got != tc.want {
				t.Fatalf("Truncate(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
			}
		})
	}

	// Any escaped text with mentions and links, cut anywhere.
	pieces := []string{"a", "é", "日本", "🎉", " ", "\n", Escape("R&D"), Escape("<!channel>"), mention("U0123ABCD"),
		"<https://acme.slack.com/archives/C0123ABCD/p1700000000000100|lead #12>", channelRef("C0123ABCD"), "*bold*"}
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		var b strings.Builder
		for range rnd.IntN(40) {
			b.WriteString(pieces[rnd.IntN(len(pieces))])
		}
		s := b.String()
		n := rnd.IntN(utf8.RuneCountInString(s) + 2)
		got := Truncate(s, n)
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) > n {
			t.Fatalf("Truncate(%q, %d) = %q: invalid UTF-8 or too long", s, n, got)
		}
		if cutMarkup.MatchString(got) {
			t.Fatalf("Truncate(%q, %d) = %q cuts markup in half", s, n, got)
		}
		if !strings.HasPrefix(s, strings.TrimSuffix(got, "…")) {
			t.Fatalf("Truncate(%q, %d) = %q is not a prefix", s, n, got)
		}
	}
}
