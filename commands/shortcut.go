package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"smarketing/schedules/cronspec"
	"smarketing/store"
)

// Shortcut is a message shortcut used on a message.
type Shortcut struct {
	CallbackID string // ShortcutAddToAgenda
	UserID     string
	UserName   string
	ChannelID  string // the message's channel
	MessageTS  string
	// MessageText is the message's text as Slack sent it, unescaped.
	MessageText string
}

// Suggestion asks for the options of an external menu as the user types.
type Suggestion struct {
	CallbackID string // the form's
	InputID    string
	Query      string
	UserID     string
}

// Callback IDs of the message shortcuts (the manifest declares them).
const (
	ShortcutAddToAgenda = "add_to_agenda"
	ShortcutDefineTerm  = "define_term"
)

const (
	modalAgendaFromMessage = "agenda_from_message"

	inputAgendaMeeting = "meeting"
	inputAgendaText    = "text"
)

// maxStaticOptions is how many options a static menu may have (Slack's
// limit); more meetings make the picker an external menu.
const maxStaticOptions = 100

// Shortcut answers a message shortcut: a form to open, or a message for
// the user who used it.
func (h *Handler) Shortcut(ctx context.Context, s Shortcut) (Response, error) {
	switch s.CallbackID {
	case ShortcutAddToAgenda:
		return h.agendaFromMessage(ctx, s)
	case ShortcutDefineTerm:
		return h.defineFromMessage(s), nil
	case ShortcutShareInsight:
		return h.insightFromMessage(ctx, s)
	}
	return Response{}, fmt.Errorf("unknown shortcut %q", s.CallbackID)
}

// defineFromMessage opens the add-term form with the message's first line
// as the name (SPEC §11), less the bold, italic, strike or code marks
// around it; the form cuts it to the longest name.
func (h *Handler) defineFromMessage(s Shortcut) Response {
	first, _, _ := strings.Cut(strings.TrimSpace(s.MessageText), "\n")
	name := strings.Trim(singleLine(first), "*_~` ")
	return Response{Modal: termModal(modalTermAdd, "", termInput{Name: name})}
}

// messageRef is the message a form was opened from (an agenda item or an
// insight links to it); it rides in the form's metadata.
type messageRef struct {
	Channel string `json:"c"`
	TS      string `json:"ts"`
}

// parseMessageRef reads the message reference a form carried in its
// metadata, checked again on submission: the metadata comes back from
// outside, and what it names is stored and linked to later, so it must be
// a channel ID and a message ts of Slack's shape (or nothing, "", for a
// form opened by a command) and nothing else.
func parseMessageRef(meta string) (messageRef, error) {
	var ref messageRef
	if meta == "" {
		return ref, nil
	}
	dec := json.NewDecoder(strings.NewReader(meta))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ref); err != nil || dec.More() {
		return messageRef{}, fmt.Errorf("form metadata %q is not a message reference", Truncate(meta, 100))
	}
	if !store.IsChannelID(ref.Channel) || !store.IsMessageTS(ref.TS) {
		return messageRef{}, fmt.Errorf("form metadata %q names no message (channel %q, ts %q)", Truncate(meta, 100), Truncate(ref.Channel, 40), Truncate(ref.TS, 40))
	}
	return ref, nil
}

// metadataID reads the record ID a form carried in its metadata (the
// term or persona being edited, the lead a reason is for), checked again
// on submission: a positive decimal number and nothing else.
func metadataID(meta string) (int64, error) {
	if meta == "" || len(meta) > 19 || strings.Trim(meta, "0123456789") != "" {
		return 0, fmt.Errorf("form metadata %q is not a record ID", Truncate(meta, 100))
	}
	id, err := strconv.ParseInt(meta, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("form metadata %q is not a record ID", Truncate(meta, 100))
	}
	return id, nil
}

// messageRefMeta is ref as a form's metadata; "" (no link) unless its
// channel and ts have Slack's shape.
func messageRefMeta(ref messageRef) string {
	if !store.IsChannelID(ref.Channel) || !store.IsMessageTS(ref.TS) {
		return ""
	}
	js, _ := json.Marshal(ref)
	return string(js)
}

func (h *Handler) agendaFromMessage(ctx context.Context, s Shortcut) (Response, error) {
	meetings, err := h.db.Meetings(ctx)
	if err != nil {
		return Response{}, err
	}
	if len(meetings) == 0 {
		return textResponse("There are no joint meetings to add it to yet. Schedule one with `/meeting add \"Pipeline review\" every tue at 10:00`."), nil
	}
	meta := messageRefMeta(messageRef{Channel: s.ChannelID, TS: s.MessageTS})
	picker := Input{ID: inputAgendaMeeting, Label: "Meeting", Placeholder: "Pick the meeting"}
	if len(meetings) > maxStaticOptions {
		picker.External = true
		picker.Hint = "Type part of its title or its ID."
	} else {
		for _, m := range meetings {
			picker.Options = append(picker.Options, meetingOption(m))
		}
		if len(meetings) == 1 {
			picker.Value = picker.Options[0].Value
		}
	}
	text := singleLine(s.MessageText)
	if text == "" {
		text = "(see the message)"
	}
	return Response{Modal: &Modal{
		CallbackID: modalAgendaFromMessage,
		Title:      "Add to meeting agenda",
		Submit:     "Add",
		Metadata:   meta,
		Inputs: []Input{
			picker,
			{ID: inputAgendaText, Label: "Agenda item", Hint: "The item links to the message.", Value: Truncate(text, MaxAgendaText), MaxLength: MaxAgendaText, Multiline: true},
		},
	}}, nil
}

// meetingOption is a meeting as a menu choice: "Pipeline review (#3, every
// Tue at 10:00)", at most 75 characters.
func meetingOption(m store.Meeting) Option {
	when := strings.ReplaceAll(cronspec.Describe(m.Schedule), "`", "")
	return Option{Text: Truncate(fmt.Sprintf("%s (#%d, %s)", m.Title, m.ID, when), 75), Value: strconv.FormatInt(m.ID, 10)}
}

// Suggest returns the options of an external menu for what the user typed:
// for the meeting picker, the meetings whose title contains the query (or
// with that ID), at most 100.
func (h *Handler) Suggest(ctx context.Context, s Suggestion) ([]Option, error) {
	if s.CallbackID == modalInsight && s.InputID == inputInsightPersona {
		return h.suggestPersonas(ctx, s.Query)
	}
	if s.CallbackID != modalAgendaFromMessage || s.InputID != inputAgendaMeeting {
		return nil, nil
	}
	meetings, err := h.db.Meetings(ctx)
	if err != nil {
		return nil, err
	}
	q := store.Key(strings.TrimPrefix(strings.TrimSpace(s.Query), "#"))
	out := []Option{}
	for _, m := range meetings {
		if len(out) == maxStaticOptions {
			break
		}
		if q == "" || strings.Contains(store.Key(m.Title), q) || strconv.FormatInt(m.ID, 10) == q {
			out = append(out, meetingOption(m))
		}
	}
	return out, nil
}

func (h *Handler) submitAgendaFromMessage(ctx context.Context, s Submission) (SubmitResult, error) {
	ref, err := parseMessageRef(s.Metadata)
	if err != nil {
		return SubmitResult{}, fmt.Errorf("agenda form: %w", err)
	}
	errs := map[string]string{}
	id, ok := parseMeetingID(s.Values[inputAgendaMeeting])
	if !ok {
		errs[inputAgendaMeeting] = "Pick the meeting."
	}
	text := singleLine(s.Values[inputAgendaText])
	switch n := utf8.RuneCountInString(text); {
	case text == "":
		errs[inputAgendaText] = "Say what to discuss."
	case n > MaxAgendaText:
		errs[inputAgendaText] = fmt.Sprintf("At most %d characters (this has %d).", MaxAgendaText, n)
	}
	if len(errs) > 0 {
		return SubmitResult{Errors: errs}, nil
	}
	m, err := h.db.Meeting(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return SubmitResult{Errors: map[string]string{inputAgendaMeeting: "That meeting was deleted in the meantime: pick another."}}, nil
	}
	if err != nil {
		return SubmitResult{}, err
	}
	link, _ := h.messageURL(ref.Channel, ref.TS)
	item, err := h.db.AddAgendaItem(ctx, m.ID, text, link, actor(s.UserID, s.UserName))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return SubmitResult{Errors: map[string]string{inputAgendaMeeting: "That meeting was deleted in the meantime: pick another."}}, nil
	case errors.Is(err, store.ErrAgendaFull):
		return SubmitResult{Errors: map[string]string{inputAgendaMeeting: fmt.Sprintf("Its agenda already has %d items; add this after the next reminder.", store.MaxAgendaItems)}}, nil
	case err != nil:
		return SubmitResult{}, err
	}
	next := h.nextMeeting(m, h.now().Add(h.meetingReminder))
	msg := fmt.Sprintf(":memo: Added to the agenda of *%s* (#%d), with a link to the message: _%s_\nThe reminder for *%s* will list it.",
		Escape(m.Title), m.ID, Escape(item.Text), h.meetingWhen(next))
	return SubmitResult{Reply: Response{Text: msg, Blocks: []Block{Section{Text: msg}, Actions{Buttons: []Button{
		{ActionID: ActionRun, Text: "Show the agenda", Value: fmt.Sprintf("/meeting agenda %d", m.ID)},
	}}}}}, nil
}
