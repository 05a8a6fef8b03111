package bot

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"sigs.k8s.io/yaml"

	"smarketing/commands"
)

// manifestHeader is prepended to the YAML. Slack's manifest editor ignores
// comments, and the test checks that the result still parses and validates.
const manifestHeader = `# Slack app manifest, printed by "smarketing manifest".
#
# 1. https://api.slack.com/apps → Create New App → From an app manifest:
#    pick the workspace and paste this YAML.
# 2. Basic Information → App-Level Tokens → Generate Token and Scopes:
#    add the connections:write scope; the xapp-… token is SLACK_APP_TOKEN.
# 3. Install App → Install to Workspace; the xoxb-… Bot User OAuth Token is
#    SLACK_BOT_TOKEN.
# 4. /invite the bot to the leads channels and to the recap channel.
`

// The types below mirror Slack's app manifest schema, version 1. Their JSON
// tags are the schema's key names: sigs.k8s.io/yaml marshals through
// encoding/json, so the tags decide the YAML keys too. Optional keys carry
// omitempty; booleans whose false value says something do not.

type manifest struct {
	Metadata           manifestMetadata   `json:"_metadata"`
	DisplayInformation displayInformation `json:"display_information"`
	Features           features           `json:"features"`
	OAuthConfig        oauthConfig        `json:"oauth_config"`
	Settings           settings           `json:"settings"`
}

type manifestMetadata struct {
	MajorVersion int `json:"major_version"`
	MinorVersion int `json:"minor_version"`
}

type displayInformation struct {
	Name            string `json:"name"`
	Description     string `json:"description,omitempty"`
	LongDescription string `json:"long_description,omitempty"`
	BackgroundColor string `json:"background_color,omitempty"`
}

type features struct {
	AppHome       appHome        `json:"app_home"`
	BotUser       botUser        `json:"bot_user"`
	Shortcuts     []shortcut     `json:"shortcuts,omitempty"`
	SlashCommands []slashCommand `json:"slash_commands"`
}

// appHome: the Home tab (SPEC §11), and the Messages tab where the bot's
// direct messages arrive, read-only (the bot reads no messages sent to it).
type appHome struct {
	HomeTabEnabled             bool `json:"home_tab_enabled"`
	MessagesTabEnabled         bool `json:"messages_tab_enabled"`
	MessagesTabReadOnlyEnabled bool `json:"messages_tab_read_only_enabled"`
}

type shortcut struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	CallbackID  string `json:"callback_id"`
	Description string `json:"description"`
}

type botUser struct {
	DisplayName  string `json:"display_name"`
	AlwaysOnline bool   `json:"always_online"`
}

type slashCommand struct {
	Command      string `json:"command"`
	Description  string `json:"description"`
	UsageHint    string `json:"usage_hint,omitempty"`
	ShouldEscape bool   `json:"should_escape"`
}

type oauthConfig struct {
	Scopes oauthScopes `json:"scopes"`
}

type oauthScopes struct {
	Bot []string `json:"bot"`
}

type settings struct {
	EventSubscriptions   eventSubscriptions `json:"event_subscriptions"`
	Interactivity        interactivity      `json:"interactivity"`
	OrgDeployEnabled     bool               `json:"org_deploy_enabled"`
	SocketModeEnabled    bool               `json:"socket_mode_enabled"`
	TokenRotationEnabled bool               `json:"token_rotation_enabled"`
}

type eventSubscriptions struct {
	BotEvents []string `json:"bot_events"`
}

type interactivity struct {
	IsEnabled bool `json:"is_enabled"`
}

// Limits of Slack's manifest schema (version 1) that depend on the input.
const (
	maxAppNameLen     = 35
	maxCommands       = 50
	maxCommandLen     = 32
	maxDescriptionLen = 2000
	maxUsageHintLen   = 1000
)

// Manifest returns the Slack app manifest (YAML) for an app called appName serving cmds.
//
// Manifest returns an error if appName or a command does not fit Slack's
// manifest schema: an empty or too long name, no commands, a command name
// without the leading slash or with spaces or capitals, a duplicate
// command, or a missing or too long description or usage hint.
func Manifest(appName string, cmds []commands.Command) ([]byte, error) {
	if err := checkAppName(appName); err != nil {
		return nil, err
	}
	if len(cmds) == 0 {
		return nil, errors.New("manifest: no slash commands")
	}
	if len(cmds) > maxCommands {
		return nil, fmt.Errorf("manifest: %d slash commands, Slack allows at most %d", len(cmds), maxCommands)
	}
	slash := make([]slashCommand, 0, len(cmds))
	seen := make(map[string]bool, len(cmds))
	for _, c := range cmds {
		if err := checkCommand(c); err != nil {
			return nil, err
		}
		if seen[c.Name] {
			return nil, fmt.Errorf("manifest: duplicate slash command %s", c.Name)
		}
		seen[c.Name] = true
		slash = append(slash, slashCommand{
			Command:      c.Name,
			Description:  c.Description,
			UsageHint:    c.UsageHint,
			ShouldEscape: c.EscapeMentions,
		})
	}

	m := manifest{
		Metadata: manifestMetadata{MajorVersion: 1, MinorVersion: 1},
		DisplayInformation: displayInformation{
			Name:        appName,
			Description: "Shared glossary, buyer personas, lead feedback and a weekly recap for sales and marketing.",
			LongDescription: appName + " helps sales and marketing work as one team. " +
				"It keeps the glossary of shared terms (/term) and the buyer personas (/persona) both teams agreed on. " +
				"Sales rate every lead marketing hands over by reacting to its post with :+1:, :-1: or :fire:, " +
				"and /leads shows how lead quality is going. " +
				"Every week it posts a recap of lead quality and the marketing numbers recorded with /metrics, " +
				"and it reminds everyone of the joint sales and marketing meetings planned with /meeting, with their agenda, action items and decisions. " +
				"Sales share what they hear from customers with /insight, and each person's Home tab shows what needs them.",
			BackgroundColor: "#1f3a5f",
		},
		Features: features{
			AppHome:       appHome{HomeTabEnabled: true, MessagesTabEnabled: true, MessagesTabReadOnlyEnabled: true},
			BotUser:       botUser{DisplayName: appName, AlwaysOnline: true},
			Shortcuts:     shortcuts(),
			SlashCommands: slash,
		},
		OAuthConfig: oauthConfig{Scopes: oauthScopes{Bot: []string{
			"commands",         // slash commands
			"chat:write",       // recaps, reminders, ephemeral replies, answers to button clicks
			"channels:history", // leads posted in public channels, and fetching a lead the bot missed
			"groups:history",   // the same in private channels
			"reactions:read",   // reaction_added and reaction_removed on leads
			"files:write",      // the weekly chart in the recap
			"usergroups:read",  // members of the user groups in SMARKETING_SALES and SMARKETING_MARKETING
			"im:write",         // direct messages: action items, reviews, definitions asked for
			"channels:read",    // conversations.members: who may schedule a meeting in a public channel
			"groups:read",      // the same in private channels the bot is in
		}}},
		Settings: settings{
			EventSubscriptions: eventSubscriptions{BotEvents: []string{
				"message.channels", // leads: new, edited and deleted posts
				"message.groups",
				"reaction_added", // lead ratings
				"reaction_removed",
				"app_home_opened", // the Home tab, published for whoever opens it
			}},
			// Buttons (poor-lead reasons), modals (/term add, …), the
			// message shortcuts and the options of external menus (over
			// Socket Mode, so with no request or options URL).
			Interactivity: interactivity{IsEnabled: true},
			// smarketing connects out over Socket Mode, so it needs no public
			// request URL; the app-level token is created by hand (see the header).
			SocketModeEnabled:    true,
			OrgDeployEnabled:     false,
			TokenRotationEnabled: false,
		},
	}

	body, err := yaml.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("marshal manifest: %w", err)
	}
	return append([]byte(manifestHeader), body...), nil
}

// shortcuts are the message shortcuts of commands.Shortcuts.
func shortcuts() []shortcut {
	var out []shortcut
	for _, s := range commands.Shortcuts() {
		out = append(out, shortcut{Name: s.Name, Type: "message", CallbackID: s.CallbackID, Description: s.Description})
	}
	return out
}

func checkAppName(name string) error {
	n := utf8.RuneCountInString(name)
	switch {
	case strings.TrimSpace(name) == "":
		return errors.New("manifest: app name is empty")
	case n > maxAppNameLen:
		return fmt.Errorf("manifest: app name %q is %d characters, Slack allows at most %d", name, n, maxAppNameLen)
	case strings.ContainsFunc(name, unicode.IsControl):
		return fmt.Errorf("manifest: app name %q contains a control character", name)
	}
	return nil
}

func checkCommand(c commands.Command) error {
	name := c.Name
	switch n := utf8.RuneCountInString(name); {
	case !strings.HasPrefix(name, "/") || n < 2:
		return fmt.Errorf("manifest: slash command %q must be a slash followed by a name", name)
	case n > maxCommandLen:
		return fmt.Errorf("manifest: slash command %q is %d characters, Slack allows at most %d", name, n, maxCommandLen)
	case strings.ContainsFunc(name, unicode.IsSpace) || strings.ToLower(name) != name:
		return fmt.Errorf("manifest: slash command %q must be lower case without spaces", name)
	}
	if err := checkText(name, "description", c.Description, maxDescriptionLen); err != nil {
		return err
	}
	if strings.TrimSpace(c.Description) == "" {
		return fmt.Errorf("manifest: slash command %s has no description", name)
	}
	return checkText(name, "usage hint", c.UsageHint, maxUsageHintLen)
}

func checkText(cmd, field, s string, limit int) error {
	if n := utf8.RuneCountInString(s); n > limit {
		return fmt.Errorf("manifest: %s %s is %d characters, Slack allows at most %d", cmd, field, n, limit)
	}
	if strings.ContainsFunc(s, unicode.IsControl) {
		return fmt.Errorf("manifest: %s %s contains a control character such as a newline", cmd, field)
	}
	return nil
}
