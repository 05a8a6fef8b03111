package bot_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"smarketing/bot/slackfake"
	"smarketing/commands"
)

// TestFindMarked posts marked messages to the fake Slack and looks them
// up: by key, in the channel or a thread, within the time window only.
func TestFindMarked(t *testing.T) {
	e := start(t)
	msg := commands.Response{Text: "Weekly recap"}
	before := time.Now().Add(-time.Second)
	top, err := e.bot.PostMarked(e.ctx, recapChannel, "", "recap:1", msg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.bot.Post(e.ctx, recapChannel, "", msg); err != nil { // unmarked
		t.Fatal(err)
	}
	lead := slackfake.Message{TS: ts(5, 1), User: "UMKT", Text: "Lead"}
	e.fake.AddMessage(leadsChannel, lead)
	reply, err := e.bot.PostMarked(e.ctx, leadsChannel, lead.TS, "sla:1", msg)
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now().Add(time.Second)
	tests := []struct {
		name, channel, thread, key string
		oldest, latest             time.Time
		want                       string
	}{
		{"top-level", recapChannel, "", "recap:1", before, after, top},
		{"another key", recapChannel, "", "recap:2", before, after, ""},
		{"another channel", leadsChannel, "", "recap:1", before, after, ""},
		{"window before it", recapChannel, "", "recap:1", before.Add(-time.Hour), before, ""},
		{"window after it", recapChannel, "", "recap:1", after, after.Add(time.Hour), ""},
		{"thread reply", leadsChannel, lead.TS, "sla:1", before, after, reply},
		{"reply not top-level", leadsChannel, "", "sla:1", before, after, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, found, err := e.bot.FindMarked(e.ctx, tc.channel, tc.thread, tc.key, tc.oldest, tc.latest)
			if err != nil {
				t.Fatal(err)
			}
			if found != (tc.want != "") || got != tc.want {
				t.Fatalf("FindMarked = %q, %v; want %q", got, found, tc.want)
			}
		})
	}
	for _, method := range []string{"conversations.history", "conversations.replies"} {
		for _, c := range e.fake.Calls(method) {
			if c.Params["include_all_metadata"] != "1" {
				t.Fatalf("%s without include_all_metadata: %v", method, c.Params)
			}
		}
	}
}

// TestPostMarkedTellsRefusedFromUnknown: an error answer proves the post
// is not in Slack (NotPosted); a server error leaves it unknown.
func TestPostMarkedTellsRefusedFromUnknown(t *testing.T) {
	tests := []struct {
		name          string
		status        int
		body          string
		wantNotPosted bool
	}{
		{"channel_not_found", http.StatusOK, `{"ok":false,"error":"channel_not_found"}`, true},
		{"403", http.StatusForbidden, `forbidden`, true},
		{"500", http.StatusInternalServerError, `oops`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := start(t)
			e.fake.Handle("chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			})
			_, err := e.bot.PostMarked(e.ctx, recapChannel, "", "recap:1", commands.Response{Text: "x"})
			var np interface{ NotPosted() bool }
			if err == nil || (errors.As(err, &np) && np.NotPosted()) != tc.wantNotPosted {
				t.Fatalf("PostMarked = %v; want an error, NotPosted %v", err, tc.wantNotPosted)
			}
		})
	}
}
