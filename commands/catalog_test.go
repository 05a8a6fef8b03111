package commands

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestCatalogNames(t *testing.T) {
	var got []string
	for _, c := range Catalog() {
		got = append(got, c.Name)
	}
	want := []string{"/term", "/persona", "/leads", "/sla", "/meeting", "/insight", "/metrics"}
	if !slices.Equal(got, want) {
		t.Fatalf("Catalog names = %q, want %q", got, want)
	}
}

func TestCatalogEntries(t *testing.T) {
	for _, c := range Catalog() {
		t.Run(c.Name, func(t *testing.T) {
			if n := utf8.RuneCountInString(c.Name); n < 2 || n > 32 || c.Name[0] != '/' {
				t.Errorf("Name = %q, want a slash and a name, at most 32 characters", c.Name)
			}
			if strings.ToLower(c.Name) != c.Name || strings.ContainsFunc(c.Name, unicode.IsSpace) {
				t.Errorf("Name = %q, want lower case without spaces", c.Name)
			}
			for _, f := range []struct{ field, s string }{
				{"Description", c.Description},
				{"UsageHint", c.UsageHint},
			} {
				// Slack's command picker shows one short line.
				if n := utf8.RuneCountInString(f.s); n == 0 || n > 100 {
					t.Errorf("%s is %d characters, want 1 to 100: %q", f.field, n, f.s)
				}
				if strings.ContainsFunc(f.s, unicode.IsControl) {
					t.Errorf("%s contains a control character: %q", f.field, f.s)
				}
			}
			if !strings.Contains(c.UsageHint, "help") {
				t.Errorf("UsageHint = %q, want it to mention help", c.UsageHint)
			}
			// Only /meeting needs channel mentions resolved to IDs; the
			// others must get text exactly as typed.
			if want := c.Name == "/meeting"; c.EscapeMentions != want {
				t.Errorf("EscapeMentions = %v, want %v", c.EscapeMentions, want)
			}
		})
	}
}

func TestCatalogReturnsFreshSlice(t *testing.T) {
	first := Catalog()
	first[0].Name = "/changed"
	if got := Catalog()[0].Name; got != "/term" {
		t.Fatalf("Catalog()[0].Name = %q after changing an earlier result, want /term", got)
	}
}
