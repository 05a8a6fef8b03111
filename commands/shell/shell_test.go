package shell

import (
	"context"
	"strings"
	"testing"

	"smarketing/commands"
)

func TestRender(t *testing.T) {
	tests := []struct {
		name string
		resp commands.Response
		want []string
		not  []string
	}{
		{
			name: "card",
			resp: commands.Response{Text: "fallback", Blocks: []commands.Block{
				commands.Header{Text: "R&amp;D"},
				commands.Section{Text: "Uses &lt;!channel&gt; safely", Fields: []string{"*Rated*\n3 of 4"}},
				commands.Context{Texts: []string{"Last edited by <@U123>"}},
				commands.Actions{Buttons: []commands.Button{
					{ActionID: commands.ActionRun, Text: "Edit", Value: "/term edit R&D"},
					{ActionID: commands.ActionShare, Text: "Share in channel", Value: "/term R&D"},
				}},
			}},
			want: []string{"R&D\n═══", "Uses <!channel> safely", "*Rated*: 3 of 4", "Last edited by @U123", "▸ Edit: /term edit R&D"},
			not:  []string{"fallback", "Share in channel", "&amp;"},
		},
		{
			name: "text only",
			resp: commands.Response{Text: ":white_check_mark: done &amp; dusted"},
			want: []string{"✓ done & dusted"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Render(tc.resp)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("Render =\n%s\nwant %q", got, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(got, n) {
					t.Errorf("Render =\n%s\nwant no %q", got, n)
				}
			}
		})
	}
}

// fakeHandler answers every command with a form once, then a reply.
type fakeHandler struct {
	submitted []map[string]string
}

var _ Handler = (*fakeHandler)(nil)

func (f *fakeHandler) Slash(ctx context.Context, req commands.Request) (commands.Response, error) {
	if req.Text == "form" {
		return commands.Response{Modal: &commands.Modal{CallbackID: "cb", Title: "Form", Inputs: []commands.Input{
			{ID: "name", Label: "Name"}, {ID: "note", Label: "Note", Optional: true, Value: "keep me"},
		}}}, nil
	}
	return commands.Response{Text: "you said " + req.Command + " " + req.Text}, nil
}

func (f *fakeHandler) Submit(ctx context.Context, s commands.Submission) (commands.SubmitResult, error) {
	f.submitted = append(f.submitted, s.Values)
	if s.Values["name"] == "" {
		return commands.SubmitResult{Errors: map[string]string{"name": "Fill in the name."}}, nil
	}
	return commands.SubmitResult{Reply: commands.Response{Text: "saved " + s.Values["name"] + " / " + s.Values["note"]}}, nil
}

func TestShellFillsFormsAndAsksAgain(t *testing.T) {
	h := &fakeHandler{}
	var out strings.Builder
	in := strings.NewReader("not a command\n/TERM hi\n/x form\n\n\nAna\n\nexit\n/never reached\n")
	sh := &Shell{Handler: h, In: in, Out: &out, UserID: "U1", UserName: "ana", Prompt: true}
	if err := sh.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, w := range []string{"Commands start with a slash", "you said /term hi", "✗ Name: Fill in the name.", "saved Ana / keep me"} {
		if !strings.Contains(got, w) {
			t.Fatalf("shell output:\n%s\nwant %q", got, w)
		}
	}
	if strings.Contains(got, "never reached") || len(h.submitted) != 2 {
		t.Fatalf("submitted %d times (want 2: empty name, then Ana); output:\n%s", len(h.submitted), got)
	}
}
