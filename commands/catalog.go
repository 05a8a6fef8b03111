package commands

// Command describes one slash command the bot serves.
type Command struct {
	Name        string // "/term"
	Description string // one line for Slack's command picker (≤ 100 chars)
	UsageHint   string // e.g. "[NAME | add NAME = DEFINITION | list | help]" (≤ 100 chars)

	// EscapeMentions reports whether Slack should escape user, channel and
	// link mentions in the command text (the manifest's should_escape), so
	// that "#sales" arrives as "<#C123|sales>".
	EscapeMentions bool
}

// Catalog returns every slash command of SPEC §4, in a stable order.
//
// Only /meeting escapes mentions, because it needs the ID of the channel a
// user picks. The others receive text exactly as typed, so a glossary
// definition is stored the way its author wrote it; the bot escapes
// user text when it renders it.
func Catalog() []Command {
	return []Command{
		{
			Name:        "/term",
			Description: "Look up or add the shared definition of a sales and marketing term, like MQL or SQL",
			UsageHint:   "[NAME | add NAME = DEFINITION | edit NAME | delete NAME | history NAME | list | search TEXT | help]",
		},
		{
			Name:        "/persona",
			Description: "See or update a buyer persona: who they are, what they need, what to tell them",
			UsageHint:   "[NAME | add NAME = SUMMARY | edit NAME | delete NAME | list | help]",
		},
		{
			Name:        "/leads",
			Description: "See how sales rated this week's leads and which ones still need feedback",
			UsageHint:   "[WINDOW, e.g. 30d | help]",
		},
		{
			Name:        "/sla",
			Description: "See the two-way SLA: marketing's lead volume and quality, sales' speed, and this week's standing",
			UsageHint:   "[set leads|good|within VALUE | history | help]",
		},
		{
			Name:           "/meeting",
			Description:    "Schedule the joint sales and marketing meetings, their agenda, action items and decisions",
			UsageHint:      `[add "TITLE" SCHEDULE | list | agenda ID TEXT | action ID @user TEXT [by DATE] | actions | help]`,
			EscapeMentions: true,
		},
		{
			Name:        "/insight",
			Description: "Share what you hear from customers with marketing, filed under a buyer persona",
			UsageHint:   "[TEXT | list [PERSONA] | help]",
		},
		{
			Name:        "/metrics",
			Description: "Record this week's marketing numbers and preview the weekly recap",
			UsageHint:   "[set NAME VALUE [YYYY-Www] | list | help]",
		},
	}
}

// MessageShortcut describes one message shortcut (the ⋯ menu of a
// message) the bot serves.
type MessageShortcut struct {
	Name        string // as the menu shows it (≤ 24 chars)
	CallbackID  string
	Description string // ≤ 150 chars
}

// Shortcuts returns every message shortcut, in a stable order.
func Shortcuts() []MessageShortcut {
	return []MessageShortcut{
		{Name: "Add to meeting agenda", CallbackID: ShortcutAddToAgenda, Description: "Add this message to the agenda of a joint sales and marketing meeting, with a link to it"},
		{Name: "Share customer insight", CallbackID: ShortcutShareInsight, Description: "Share what a customer said with marketing: saved with a link to this message and posted to the insights channel"},
		{Name: "Define a term", CallbackID: ShortcutDefineTerm, Description: "Add a shared definition to the glossary, named after the first line of this message"},
	}
}
