package bot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"sigs.k8s.io/yaml"

	"smarketing/commands"
)

// manifestSchemaFile is Slack's published JSON Schema for app manifests,
// version 1 (slackapi/manifest-schema, MIT licence in
// testdata/LICENSE-manifest-schema). Unlike the repository's top-level
// manifest.schema.json, which dispatches on _metadata.major_version to
// schemas/manifest.schema.{1,2}.0.0.json, this file is the v1 schema itself:
// every $ref points into its own definitions. The compiler is given no
// loader for http(s) URLs, so an external $ref added later fails to compile
// instead of fetching from the network.
const manifestSchemaFile = "testdata/manifest.schema.json"

// mustCompileManifestSchema compiles the manifest schema as draft-07.
func mustCompileManifestSchema(tb testing.TB) *jsonschema.Schema {
	tb.Helper()
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.AssertFormat()
	c.UseLoader(jsonschema.SchemeURLLoader{"file": jsonschema.FileLoader{}})
	c.UseRegexpEngine(compileECMARegexp)
	sch, err := c.Compile(manifestSchemaFile)
	if err != nil {
		tb.Fatalf("compile %s: %v", manifestSchemaFile, err)
	}
	return sch
}

// compileECMARegexp compiles the schema's patterns, which are ECMA-262
// regular expressions. Go's RE2 syntax covers all of them but one construct
// the schema uses for domain names, a leading negative lookahead
// ("^(?![\.\-])([-a-z0-9\.])+([a-z0-9])$"). This engine rewrites
// "^(?!X)Y" as "matches ^Y and not ^X"; any other unsupported syntax is a
// compile error, so the schema cannot silently lose a constraint.
func compileECMARegexp(s string) (jsonschema.Regexp, error) {
	const prefix = "^(?!"
	if !strings.HasPrefix(s, prefix) {
		return regexp.Compile(s)
	}
	ahead, rest, ok := strings.Cut(s[len(prefix):], ")")
	if !ok || strings.ContainsAny(ahead, "()") {
		return nil, fmt.Errorf("unsupported lookahead in %q", s)
	}
	not, err := regexp.Compile("^(?:" + ahead + ")")
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile("^" + rest)
	if err != nil {
		return nil, err
	}
	return lookaheadRegexp{src: s, not: not, re: re}, nil
}

type lookaheadRegexp struct {
	src     string
	not, re *regexp.Regexp
}

func (l lookaheadRegexp) MatchString(s string) bool {
	return !l.not.MatchString(s) && l.re.MatchString(s)
}

func (l lookaheadRegexp) String() string { return l.src }

func TestCompileECMARegexp(t *testing.T) {
	domain, err := compileECMARegexp(`^(?![\.\-])([-a-z0-9\.])+([a-z0-9])$`)
	if err != nil {
		t.Fatalf("compile domain pattern: %v", err)
	}
	tests := []struct {
		in   string
		want bool
	}{
		{"example.com", true},
		{"my-app.example.com", true},
		{"ab", true},
		{"a", false},
		{"-example.com", false},
		{".example.com", false},
		{"example.com.", false},
		{"Example.com", false},
	}
	for _, tc := range tests {
		if got := domain.MatchString(tc.in); got != tc.want {
			t.Errorf("MatchString(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{`^(?=a)b`, `^(?!(a))b`, `a(?!b)`} {
		if _, err := compileECMARegexp(bad); err == nil {
			t.Errorf("compileECMARegexp(%q) succeeded, want an error", bad)
		}
	}
}

// mustManifestDoc renders the real manifest and returns it as a JSON value
// (maps, slices, json.Number, …) ready for validation.
func mustManifestDoc(tb testing.TB) map[string]any {
	tb.Helper()
	y, err := Manifest("smarketing", commands.Catalog())
	if err != nil {
		tb.Fatalf("Manifest: %v", err)
	}
	return mustYAMLDoc(tb, y)
}

func mustYAMLDoc(tb testing.TB, y []byte) map[string]any {
	tb.Helper()
	j, err := yaml.YAMLToJSONStrict(y)
	if err != nil {
		tb.Fatalf("YAMLToJSON: %v\n%s", err, y)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		tb.Fatalf("decode JSON: %v\n%s", err, j)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		tb.Fatalf("manifest is a %T, want an object", v)
	}
	return doc
}

// lookup returns the value at path in doc, failing the test if it is missing.
func lookup(tb testing.TB, doc any, path ...string) any {
	tb.Helper()
	v := doc
	for i, key := range path {
		m, ok := v.(map[string]any)
		if !ok {
			tb.Fatalf("%s is a %T, want an object", strings.Join(path[:i], "."), v)
		}
		if v, ok = m[key]; !ok {
			tb.Fatalf("%s is missing", strings.Join(path[:i+1], "."))
		}
	}
	return v
}

func stringList(tb testing.TB, doc any, path ...string) []string {
	tb.Helper()
	items, ok := lookup(tb, doc, path...).([]any)
	if !ok {
		tb.Fatalf("%s is not a list", strings.Join(path, "."))
	}
	var out []string
	for _, it := range items {
		s, ok := it.(string)
		if !ok {
			tb.Fatalf("%s has a %T item, want strings", strings.Join(path, "."), it)
		}
		out = append(out, s)
	}
	return out
}

func TestManifestValidatesAgainstSchema(t *testing.T) {
	sch := mustCompileManifestSchema(t)
	if err := sch.Validate(mustManifestDoc(t)); err != nil {
		t.Fatalf("manifest does not match Slack's schema:\n%v", err)
	}
}

func TestManifestHeader(t *testing.T) {
	y, err := Manifest("smarketing", commands.Catalog())
	if err != nil {
		t.Fatalf("Manifest: %v", err)
	}
	for _, want := range []string{"From an app manifest", "connections:write"} {
		if !bytes.Contains(y, []byte(want)) {
			t.Errorf("manifest header does not mention %q", want)
		}
	}
	// The header must be YAML comments only: the first non-comment line is
	// the first key.
	for line := range strings.Lines(string(y)) {
		if strings.HasPrefix(line, "#") {
			continue
		}
		if !strings.HasPrefix(line, "_metadata:") {
			t.Errorf("first line after the header = %q, want _metadata:", line)
		}
		break
	}
}

func TestManifestContent(t *testing.T) {
	doc := mustManifestDoc(t)

	scalars := []struct {
		path []string
		want any
	}{
		{[]string{"_metadata", "major_version"}, json.Number("1")},
		{[]string{"_metadata", "minor_version"}, json.Number("1")},
		{[]string{"display_information", "name"}, "smarketing"},
		{[]string{"features", "bot_user", "display_name"}, "smarketing"},
		{[]string{"features", "bot_user", "always_online"}, true},
		{[]string{"features", "app_home", "home_tab_enabled"}, true},
		{[]string{"features", "app_home", "messages_tab_enabled"}, true},
		{[]string{"features", "app_home", "messages_tab_read_only_enabled"}, true},
		{[]string{"settings", "interactivity", "is_enabled"}, true},
		{[]string{"settings", "socket_mode_enabled"}, true},
		{[]string{"settings", "org_deploy_enabled"}, false},
		{[]string{"settings", "token_rotation_enabled"}, false},
	}
	for _, tc := range scalars {
		t.Run(strings.Join(tc.path, "."), func(t *testing.T) {
			if got := lookup(t, doc, tc.path...); got != tc.want {
				t.Fatalf("%s = %#v, want %#v", strings.Join(tc.path, "."), got, tc.want)
			}
		})
	}

	sets := []struct {
		path []string
		want []string
	}{
		{
			[]string{"oauth_config", "scopes", "bot"},
			[]string{"channels:history", "channels:read", "chat:write", "commands", "files:write", "groups:history", "groups:read", "im:write", "reactions:read", "usergroups:read"},
		},
		{
			[]string{"settings", "event_subscriptions", "bot_events"},
			[]string{"app_home_opened", "message.channels", "message.groups", "reaction_added", "reaction_removed"},
		},
	}
	for _, tc := range sets {
		t.Run(strings.Join(tc.path, "."), func(t *testing.T) {
			got := stringList(t, doc, tc.path...)
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("%s = %q, want exactly %q", strings.Join(tc.path, "."), got, tc.want)
			}
		})
	}

	t.Run("display_information.background_color", func(t *testing.T) {
		// The schema spells this constraint "regex", which is not a JSON
		// Schema keyword, so the validator ignores it; check it here.
		got, _ := lookup(t, doc, "display_information", "background_color").(string)
		if !regexp.MustCompile(`^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$`).MatchString(got) {
			t.Fatalf("background_color = %q, want #rgb or #rrggbb", got)
		}
	})

	t.Run("features.slash_commands", func(t *testing.T) {
		items, ok := lookup(t, doc, "features", "slash_commands").([]any)
		if !ok {
			t.Fatalf("features.slash_commands is not a list")
		}
		cat := commands.Catalog()
		if len(items) != len(cat) {
			t.Fatalf("%d slash commands, want %d (one per catalog entry)", len(items), len(cat))
		}
		for i, c := range cat {
			item := items[i]
			if got := lookup(t, item, "command"); got != c.Name {
				t.Errorf("slash_commands[%d].command = %v, want %s", i, got, c.Name)
			}
			if got := lookup(t, item, "description"); got != c.Description {
				t.Errorf("%s description = %q, want %q", c.Name, got, c.Description)
			}
			if got := lookup(t, item, "usage_hint"); got != c.UsageHint {
				t.Errorf("%s usage_hint = %q, want %q", c.Name, got, c.UsageHint)
			}
			// should_escape must be written out even when false, so the
			// admin sees the choice.
			if got := lookup(t, item, "should_escape"); got != c.EscapeMentions {
				t.Errorf("%s should_escape = %v, want %v", c.Name, got, c.EscapeMentions)
			}
		}
	})
}

// findError reports whether err, or one of its causes, is a validation error
// of kind K at the instance location path.
func findError[K jsonschema.ErrorKind](err *jsonschema.ValidationError, path ...string) bool {
	if _, ok := err.ErrorKind.(K); ok && slices.Equal(err.InstanceLocation, path) {
		return true
	}
	for _, c := range err.Causes {
		if findError[K](c, path...) {
			return true
		}
	}
	return false
}

// TestManifestSchemaRejects proves the schema check can fail: each case
// breaks a valid manifest in one way and expects the validator to say so,
// at the right place and for the right reason.
func TestManifestSchemaRejects(t *testing.T) {
	sch := mustCompileManifestSchema(t)
	firstCommand := func(doc map[string]any) map[string]any {
		return lookup(t, doc, "features", "slash_commands").([]any)[0].(map[string]any)
	}

	tests := []struct {
		name   string
		mutate func(doc map[string]any)
		match  func(err *jsonschema.ValidationError) bool
	}{
		{
			name:   "command without leading slash",
			mutate: func(doc map[string]any) { firstCommand(doc)["command"] = "term" },
			match: func(err *jsonschema.ValidationError) bool {
				return findError[*kind.Pattern](err, "features", "slash_commands", "0", "command")
			},
		},
		{
			name:   "unknown top-level key",
			mutate: func(doc map[string]any) { doc["socket_mode_enabled"] = true },
			match: func(err *jsonschema.ValidationError) bool {
				return findError[*kind.AdditionalProperties](err)
			},
		},
		{
			name: "unknown key in a slash command",
			mutate: func(doc map[string]any) {
				firstCommand(doc)["escape"] = true
			},
			match: func(err *jsonschema.ValidationError) bool {
				return findError[*kind.AdditionalProperties](err, "features", "slash_commands", "0")
			},
		},
		{
			name: "interactivity without is_enabled",
			mutate: func(doc map[string]any) {
				delete(lookup(t, doc, "settings", "interactivity").(map[string]any), "is_enabled")
			},
			match: func(err *jsonschema.ValidationError) bool {
				return findError[*kind.Required](err, "settings", "interactivity")
			},
		},
		{
			name: "app name too long",
			mutate: func(doc map[string]any) {
				lookup(t, doc, "display_information").(map[string]any)["name"] = strings.Repeat("x", 36)
			},
			match: func(err *jsonschema.ValidationError) bool {
				return findError[*kind.MaxLength](err, "display_information", "name")
			},
		},
		{
			name: "long description too short",
			mutate: func(doc map[string]any) {
				lookup(t, doc, "display_information").(map[string]any)["long_description"] = "Too short."
			},
			match: func(err *jsonschema.ValidationError) bool {
				return findError[*kind.MinLength](err, "display_information", "long_description")
			},
		},
		{
			name: "socket mode as a string",
			mutate: func(doc map[string]any) {
				lookup(t, doc, "settings").(map[string]any)["socket_mode_enabled"] = "true"
			},
			match: func(err *jsonschema.ValidationError) bool {
				return findError[*kind.Type](err, "settings", "socket_mode_enabled")
			},
		},
		{
			name: "duplicate bot event",
			mutate: func(doc map[string]any) {
				es := lookup(t, doc, "settings", "event_subscriptions").(map[string]any)
				es["bot_events"] = append(es["bot_events"].([]any), "reaction_added")
			},
			match: func(err *jsonschema.ValidationError) bool {
				return findError[*kind.UniqueItems](err, "settings", "event_subscriptions", "bot_events")
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := mustManifestDoc(t)
			tc.mutate(doc)
			err := sch.Validate(doc)
			if err == nil {
				t.Fatalf("Validate accepted the broken manifest")
			}
			var verr *jsonschema.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Validate error is a %T, want *jsonschema.ValidationError: %v", err, err)
			}
			if !tc.match(verr) {
				t.Fatalf("Validate rejected the manifest for another reason:\n%v", err)
			}
		})
	}
}

func TestManifestRejectsBadInput(t *testing.T) {
	valid := commands.Command{Name: "/term", Description: "Look up a term"}
	with := func(edit func(c *commands.Command)) []commands.Command {
		c := valid
		edit(&c)
		return []commands.Command{c}
	}

	tests := []struct {
		name    string
		appName string
		cmds    []commands.Command
		wantErr string
	}{
		{"empty app name", "", []commands.Command{valid}, "app name is empty"},
		{"blank app name", "  ", []commands.Command{valid}, "app name is empty"},
		{"app name too long", strings.Repeat("x", 36), []commands.Command{valid}, "at most 35"},
		{"app name with newline", "smarketing\nevil: true", []commands.Command{valid}, "control character"},
		{"no commands", "smarketing", nil, "no slash commands"},
		{"too many commands", "smarketing", slices.Repeat([]commands.Command{valid}, 51), "at most 50"},
		{"command without slash", "smarketing", with(func(c *commands.Command) { c.Name = "term" }), "must be a slash"},
		{"bare slash", "smarketing", with(func(c *commands.Command) { c.Name = "/" }), "must be a slash"},
		{"command too long", "smarketing", with(func(c *commands.Command) { c.Name = "/" + strings.Repeat("t", 32) }), "at most 32"},
		{"command with space", "smarketing", with(func(c *commands.Command) { c.Name = "/my term" }), "lower case"},
		{"command with capitals", "smarketing", with(func(c *commands.Command) { c.Name = "/Term" }), "lower case"},
		{"duplicate command", "smarketing", []commands.Command{valid, valid}, "duplicate slash command /term"},
		{"no description", "smarketing", with(func(c *commands.Command) { c.Description = " " }), "no description"},
		{"description too long", "smarketing", with(func(c *commands.Command) { c.Description = strings.Repeat("d", 2001) }), "at most 2000"},
		{"usage hint with newline", "smarketing", with(func(c *commands.Command) { c.UsageHint = "[a]\n[b]" }), "control character"},
		{"usage hint too long", "smarketing", with(func(c *commands.Command) { c.UsageHint = strings.Repeat("u", 1001) }), "at most 1000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			y, err := Manifest(tc.appName, tc.cmds)
			if err == nil {
				t.Fatalf("Manifest returned no error and:\n%s", y)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Manifest error = %q, want it to mention %q", err, tc.wantErr)
			}
		})
	}
}

// TestManifestMinimal checks that a manifest with a single command and no
// usage hint still validates: usage_hint is left out rather than empty.
func TestManifestMinimal(t *testing.T) {
	cmds := []commands.Command{{Name: "/x", Description: "d"}}
	y, err := Manifest("x", cmds)
	if err != nil {
		t.Fatalf("Manifest: %v", err)
	}
	doc := mustYAMLDoc(t, y)
	if err := mustCompileManifestSchema(t).Validate(doc); err != nil {
		t.Fatalf("minimal manifest does not match Slack's schema:\n%v", err)
	}
	item := lookup(t, doc, "features", "slash_commands").([]any)[0].(map[string]any)
	if _, ok := item["usage_hint"]; ok {
		t.Fatalf("usage_hint = %q, want it left out", item["usage_hint"])
	}
	if !reflect.DeepEqual(item["should_escape"], false) {
		t.Fatalf("should_escape = %v, want false written out", item["should_escape"])
	}
}
