package commands

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"smarketing/store"
)

// Customer insights (SPEC §11): what sales hear from customers, shared
// with marketing from a message (the share_insight shortcut) or typed
// (/insight TEXT), stored, and posted as a card to the insights channel.

// ShortcutShareInsight is the callback ID of the message shortcut.
const ShortcutShareInsight = "share_insight"

const (
	modalInsight = "insight"

	inputInsightText    = "text"
	inputInsightPersona = "persona"
	inputInsightSource  = "source"
)

// MaxInsightSource bounds the source of an insight (who said it, where).
const MaxInsightSource = 200

// insightsShown is how many insights /insight list shows.
const insightsShown = 10

// personaInsights is how many of its latest insights a persona card shows.
const personaInsights = 3

const insightUsage = "*`/insight` — share what you hear from customers with marketing*\n" +
	"• `/insight TEXT` — share an insight: a form opens with the text, a persona to file it under and where it came from\n" +
	"• `/insight` — the same form, empty\n" +
	"• `/insight list` — the latest insights; `/insight list PERSONA` — the latest about one persona\n" +
	"• From any message: ⋯ → *Share customer insight*, which links the insight to the message\n" +
	"Example: `/insight Three prospects this week asked whether we integrate with Salesforce`"

func (h *Handler) insight(ctx context.Context, req Request, shared bool) (Response, error) {
	text := strings.TrimSpace(req.Text)
	sub, rest := splitWord(text)
	switch strings.ToLower(sub) {
	case "help", "-h", "--help", "?":
		return textResponse(insightUsage), nil
	case "list":
		return h.insightList(ctx, rest, shared)
	}
	if shared {
		return h.insightList(ctx, "", true)
	}
	return h.insightForm(ctx, text, messageRef{})
}

// insightForm is the form that shares an insight, its text prefilled and
// from, if set, the message it links to.
func (h *Handler) insightForm(ctx context.Context, text string, from messageRef) (Response, error) {
	personas, err := h.db.Personas(ctx)
	if err != nil {
		return Response{}, err
	}
	meta := messageRefMeta(from)
	hint := "The buyer persona this is about, if any."
	picker := Input{ID: inputInsightPersona, Label: "Persona", Placeholder: "Pick a persona", Optional: true, Hint: hint}
	switch {
	case len(personas) == 0:
		picker.Hint = "There are no personas yet (add one with `/persona add`); the insight is saved without one."
		picker.Options = []Option{{Text: "(none)", Value: ""}}
	case len(personas) > maxStaticOptions:
		picker.External = true
		picker.Hint = hint + " Type part of its name."
	default:
		for _, p := range personas {
			picker.Options = append(picker.Options, personaOption(p))
		}
	}
	inputs := []Input{
		{ID: inputInsightText, Label: "What did the customer say?", Value: strings.TrimSpace(text), Multiline: true, MaxLength: store.MaxInsightText,
			Placeholder: "e.g. They compare us with Acme on price, not on features"},
		picker,
		{ID: inputInsightSource, Label: "Source", Optional: true, MaxLength: MaxInsightSource,
			Placeholder: "e.g. Discovery call with Globex", Hint: "Who said it, or where you heard it."},
	}
	if len(personas) == 0 {
		inputs = []Input{inputs[0], inputs[2]}
	}
	if meta != "" {
		inputs[0].Hint = "The insight links to the message."
	}
	return Response{Modal: &Modal{CallbackID: modalInsight, Title: "Share an insight", Submit: "Share", Metadata: meta, Inputs: inputs}}, nil
}

// insightFromMessage answers the share_insight shortcut.
func (h *Handler) insightFromMessage(ctx context.Context, s Shortcut) (Response, error) {
	return h.insightForm(ctx, s.MessageText, messageRef{Channel: s.ChannelID, TS: s.MessageTS})
}

// personaOption is a persona as a menu choice.
func personaOption(p store.Persona) Option {
	return Option{Text: Truncate(p.Name, 75), Value: strconv.FormatInt(p.ID, 10)}
}

// suggestPersonas are the options of the persona menu past 100 personas:
// those whose name contains what was typed.
func (h *Handler) suggestPersonas(ctx context.Context, query string) ([]Option, error) {
	personas, err := h.db.Personas(ctx)
	if err != nil {
		return nil, err
	}
	q := store.Key(query)
	out := []Option{}
	for _, p := range personas {
		if len(out) == maxStaticOptions {
			break
		}
		if q == "" || strings.Contains(store.Key(p.Name), q) {
			out = append(out, personaOption(p))
		}
	}
	return out, nil
}

// personaOf reads the persona field: an ID from the menu, or a name typed
// at a console.
func (h *Handler) personaOf(ctx context.Context, v string) (int64, string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, "", nil
	}
	if id, err := strconv.ParseInt(v, 10, 64); err == nil {
		if _, err := h.db.PersonaByID(ctx, id); err == nil {
			return id, "", nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return 0, "", err
		}
	}
	p, resp, ok, err := h.findPersona(ctx, v, "/persona")
	if err != nil {
		var ue *UserError
		if errors.As(err, &ue) {
			return 0, ue.Msg, nil
		}
		return 0, "", err
	}
	if !ok {
		return 0, Truncate(resp.Text, 150), nil
	}
	return p.ID, "", nil
}

func (h *Handler) submitInsight(ctx context.Context, s Submission) (SubmitResult, error) {
	text := strings.TrimSpace(s.Values[inputInsightText])
	errs := map[string]string{}
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		errs[inputInsightText] = "Write what the customer said."
	case n > store.MaxInsightText:
		errs[inputInsightText] = fmt.Sprintf("At most %d characters (this is %d).", store.MaxInsightText, n)
	}
	source := singleLine(s.Values[inputInsightSource])
	if n := utf8.RuneCountInString(source); n > MaxInsightSource {
		errs[inputInsightSource] = fmt.Sprintf("At most %d characters (this is %d).", MaxInsightSource, n)
	}
	personaID, bad, err := h.personaOf(ctx, s.Values[inputInsightPersona])
	if err != nil {
		return SubmitResult{}, err
	}
	if bad != "" {
		errs[inputInsightPersona] = bad
	}
	if len(errs) > 0 {
		return SubmitResult{Errors: errs}, nil
	}
	from, err := parseMessageRef(s.Metadata)
	if err != nil {
		return SubmitResult{}, fmt.Errorf("insight form: %w", err)
	}
	in, err := h.db.AddInsight(ctx, store.Insight{Text: text, PersonaID: personaID, Source: source, Channel: from.Channel, TS: from.TS},
		actor(s.UserID, s.UserName))
	switch {
	case errors.Is(err, store.ErrUnchanged):
		return SubmitResult{Reply: textResponse("You shared this message as an insight already; it was not posted again.")}, nil
	case errors.Is(err, store.ErrNotFound):
		return SubmitResult{Errors: map[string]string{inputInsightPersona: "That persona was deleted in the meantime; pick another."}}, nil
	case err != nil:
		return SubmitResult{}, err
	}
	reply := "Thanks: your insight is saved"
	var posts []Post
	if h.insightsChannel != "" {
		reply += " and shared with marketing in " + channelRef(h.insightsChannel)
		posts = []Post{{Channel: h.insightsChannel, Message: h.insightCard(in)}}
	}
	reply += ". See them all with `/insight list`."
	resp := textResponse(reply)
	resp.Posts = posts
	return SubmitResult{Reply: resp}, nil
}

// insightCard is the card posted to the insights channel: by name, so
// nobody is pinged.
func (h *Handler) insightCard(in store.Insight) Response {
	head := ":speech_balloon: *Customer insight* from " + byline(in.By, in.ByName, true)
	if in.PersonaName != "" {
		head += " · persona *" + Escape(in.PersonaName) + "*"
	}
	quote := "> " + strings.ReplaceAll(truncateEscaped(in.Text, 2900), "\n", "\n> ")
	blocks := []Block{Section{Text: head}, Section{Text: quote}}
	var meta []string
	if in.Source != "" {
		meta = append(meta, "Source: "+Escape(in.Source))
	}
	if url, ok := h.messageURL(in.Channel, in.TS); ok {
		meta = append(meta, "<"+url+"|the message>")
	}
	meta = append(meta, h.when(in.At))
	blocks = append(blocks, Context{Texts: meta})
	return Response{Text: Truncate(head+"\n"+quote, 3900), Blocks: blocks}
}

// insightLine is an insight in a list: its text (one line, cut), persona,
// who, when, and the link to the message.
func (h *Handler) insightLine(in store.Insight, withPersona bool) string {
	line := "• " + truncateEscaped(strings.Join(strings.Fields(in.Text), " "), 280)
	var about []string
	if withPersona && in.PersonaName != "" {
		about = append(about, "*"+Escape(in.PersonaName)+"*")
	}
	if in.Source != "" {
		about = append(about, Escape(Truncate(in.Source, 60)))
	}
	about = append(about, byline(in.By, in.ByName, true)+", "+in.At.In(h.loc).Format("2 Jan"))
	if url, ok := h.messageURL(in.Channel, in.TS); ok {
		about = append(about, "<"+url+"|message>")
	}
	return line + " — " + strings.Join(about, " · ")
}

func (h *Handler) insightList(ctx context.Context, persona string, shared bool) (Response, error) {
	f := store.InsightFilter{Limit: insightsShown}
	title := "*Latest customer insights*"
	if persona = strings.TrimSpace(persona); persona != "" {
		p, resp, ok, err := h.findPersona(ctx, persona, "/insight list")
		if !ok || err != nil {
			return resp, err
		}
		f.PersonaID = p.ID
		title = "*Latest customer insights about " + Escape(p.Name) + "*"
	}
	list, total, err := h.db.Insights(ctx, f)
	if err != nil {
		return Response{}, err
	}
	if total == 0 {
		msg := "No customer insights yet. Share one with `/insight TEXT`, or from a message: ⋯ → *Share customer insight*."
		if f.PersonaID != 0 {
			msg = "No customer insights about that persona yet. Share one with `/insight TEXT` and pick the persona."
		}
		return textResponse(msg), nil
	}
	lines := make([]string, 0, len(list))
	for _, in := range list {
		lines = append(lines, h.insightLine(in, f.PersonaID == 0))
	}
	head := fmt.Sprintf("%s (%d, newest first)", title, total)
	if total > len(list) {
		head = fmt.Sprintf("%s (the %d newest of %d)", title, len(list), total)
	}
	blocks := []Block{Section{Text: head}}
	blocks = append(blocks, sectionsOf(lines)...)
	if !shared {
		blocks = append(blocks, Actions{Buttons: []Button{{ActionID: ActionShare, Text: "Share in channel", Value: "/insight list " + persona}}})
	}
	return Response{Text: Truncate(head+"\n"+strings.Join(lines, "\n"), 3900), Blocks: blocks}, nil
}

// sectionsOf packs lines into as few sections as fit Slack's 3,000
// characters each.
func sectionsOf(lines []string) []Block {
	var out []Block
	var cur strings.Builder
	for _, l := range lines {
		if cur.Len() > 0 && cur.Len()+1+len(l) > 3000 {
			out = append(out, Section{Text: cur.String()})
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteString("\n")
		}
		cur.WriteString(l)
	}
	if cur.Len() > 0 {
		out = append(out, Section{Text: cur.String()})
	}
	return out
}

// personaInsightsBlock is the latest insights about p, for its card; nil
// if there are none.
func (h *Handler) personaInsightsBlock(ctx context.Context, p store.Persona) (Block, error) {
	list, total, err := h.db.Insights(ctx, store.InsightFilter{PersonaID: p.ID, Limit: personaInsights})
	if err != nil || total == 0 {
		return nil, err
	}
	lines := []string{fmt.Sprintf("*Latest customer insights* (%d in all · `/insight list %s`)", total, codeText(p.Name, 60))}
	for _, in := range list {
		lines = append(lines, h.insightLine(in, false))
	}
	return Section{Text: Truncate(strings.Join(lines, "\n"), 3000)}, nil
}

// recapInsights is the recap's week of insights, grouped by persona
// (those about none last).
func (h *Handler) recapInsights(ctx context.Context, from, to time.Time) ([]Block, error) {
	const shown = 20
	list, total, err := h.db.Insights(ctx, store.InsightFilter{From: from, To: to, Limit: shown})
	if err != nil || total == 0 {
		return nil, err
	}
	var order []string
	groups := map[string][]string{}
	for _, in := range list {
		name := in.PersonaName
		if _, seen := groups[name]; !seen {
			order = append(order, name)
		}
		groups[name] = append(groups[name], h.insightLine(in, false))
	}
	lines := []string{fmt.Sprintf("*Customer insights this week* (%d)", total)}
	add := func(name string) {
		label := "*" + Escape(name) + "*"
		if name == "" {
			label = "*No persona*"
		}
		lines = append(lines, label)
		lines = append(lines, groups[name]...)
	}
	for _, name := range order {
		if name != "" {
			add(name)
		}
	}
	if _, ok := groups[""]; ok {
		add("")
	}
	if total > len(list) {
		lines = append(lines, fmt.Sprintf("…and %d more: `/insight list`", total-len(list)))
	}
	return append([]Block{Divider{}}, sectionsOf(lines)...), nil
}
