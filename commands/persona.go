package commands

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"smarketing/store"
)

// Limits on persona fields, in characters.
const (
	MaxPersonaName  = 80
	MaxPersonaRole  = 150
	MaxPersonaField = 3000
)

const (
	modalPersonaAdd  = "persona_add"
	modalPersonaEdit = "persona_edit"
)

// personaFields are the fields of a persona, in form and card order.
var personaFields = []field{
	{id: "name", noun: "name", max: MaxPersonaName, required: true},
	{id: "role", noun: "role", max: MaxPersonaRole},
	{id: "summary", noun: "summary", max: MaxPersonaField, required: true, multiline: true},
	{id: "goals", noun: "goals", max: MaxPersonaField, multiline: true},
	{id: "pains", noun: "pains", max: MaxPersonaField, multiline: true},
	{id: "objections", noun: "objections", max: MaxPersonaField, multiline: true},
	{id: "channels", noun: "places they look for information", max: MaxPersonaField, multiline: true},
	{id: "questions", noun: "questions to answer", max: MaxPersonaField, multiline: true},
}

// personaSections are the card's titled parts after the summary, with the
// form's label and hint for each.
var personaSections = []struct {
	id, title, hint string
	get             func(store.Persona) string
}{
	{"goals", "Goals", "What they are trying to achieve.", func(p store.Persona) string { return p.Goals }},
	{"pains", "Pains", "What gets in their way today.", func(p store.Persona) string { return p.Pains }},
	{"objections", "Objections", "Why they might say no.", func(p store.Persona) string { return p.Objections }},
	{"channels", "Where they look for information", "Publications, communities, events, people they trust.", func(p store.Persona) string { return p.Channels }},
	{"questions", "Questions every campaign and call must answer", "One per line.", func(p store.Persona) string { return p.Questions }},
}

const personaUsage = "*`/persona` — the buyer personas both teams agreed on*\n" +
	"• `/persona NAME` — show a persona (full name, or the start of a name word: `/persona sally`)\n" +
	"• `/persona add NAME = SUMMARY` — add a persona quickly; `/persona add` opens a form with every field\n" +
	"• `/persona edit NAME` — edit every field in a form; `/persona edit NAME = SUMMARY` changes the summary\n" +
	"• `/persona history NAME` — every version, newest first\n" +
	"• `/persona delete NAME` — delete (the person who added it, or an admin)\n" +
	"• `/persona list` — all personas; `/persona list agreed|pending|disputed|due` by status\n" +
	"• `/persona approve NAME` — approve the current version for your side; both sides approving makes it *agreed*\n" +
	"• `/persona dispute NAME REASON` — challenge it; `/persona owner NAME @someone` — who answers for it\n" +
	"• `/persona review` — what needs you: waiting for your side, disputed, due for review\n" +
	"Example: `/persona add Sally Supermom = Runs a busy household and buys what saves her time`"

func (h *Handler) persona(ctx context.Context, req Request, shared bool) (Response, error) {
	text := strings.TrimSpace(req.Text)
	sub, rest := splitWord(text)
	switch strings.ToLower(sub) {
	case "", "help", "-h", "--help", "?":
		return textResponse(personaUsage), nil
	case "list":
		if rest != "" {
			return h.listByStatus(ctx, personaOps, rest, shared)
		}
		return h.personaList(ctx, shared)
	case "history":
		return h.personaHistory(ctx, rest, shared)
	}
	if shared {
		return h.personaShow(ctx, text, "", true)
	}
	if resp, ok, err := h.agreementSub(ctx, personaOps, req, strings.ToLower(sub), rest); ok {
		return resp, err
	}
	switch strings.ToLower(sub) {
	case "add", "new":
		return h.personaAdd(ctx, req, rest)
	case "edit", "update":
		return h.personaEdit(ctx, req, rest)
	case "delete", "remove", "rm":
		return h.personaDelete(ctx, req, rest)
	}
	return h.personaShow(ctx, text, req.UserID, false)
}

// findPersona resolves what the user typed to one persona. When it does not,
// the returned Response says why (none, or which candidates) and ok is false.
func (h *Handler) findPersona(ctx context.Context, typed, command string) (p store.Persona, resp Response, ok bool, err error) {
	if id, _, isRef := parseRef(typed); isRef {
		p, err := h.db.PersonaByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return p, Response{}, false, userErrorf("That persona was deleted in the meantime.")
		}
		return p, Response{}, err == nil, err
	}
	name := cleanName(typed)
	if name == "" {
		return p, Response{}, false, userErrorf("Which persona? Use `%s NAME`, e.g. `/persona sally`.", command)
	}
	found, err := store.FindPersonas(ctx, h.db, name)
	if err != nil {
		return p, Response{}, false, err
	}
	switch len(found) {
	case 1:
		return found[0], Response{}, true, nil
	case 0:
		resp, err := h.personaMissing(ctx, name)
		return p, resp, false, err
	}
	var names []string
	var buttons []Button
	for i, c := range found {
		names = append(names, "*"+Escape(c.Name)+"*")
		if i < 25 {
			buttons = append(buttons, Button{ActionID: ActionRun, Text: truncateEscaped(c.Name, 75), Value: command + " " + idRef(c.ID)})
		}
	}
	msg := fmt.Sprintf("More than one persona matches _%s_: %s. Which one?", truncateEscaped(name, 100), strings.Join(names, ", "))
	return p, Response{Text: msg, Blocks: []Block{Section{Text: Truncate(msg, 3000)}, Actions{Buttons: buttons}}}, false, nil
}

func (h *Handler) personaMissing(ctx context.Context, name string) (Response, error) {
	all, err := h.db.Personas(ctx)
	if err != nil {
		return Response{}, err
	}
	keys := make([]store.TermKey, len(all))
	for i, p := range all {
		keys[i] = store.TermKey{Label: p.Name, TermID: p.ID, Name: p.Name}
	}
	msg := fmt.Sprintf("No persona *%s* yet.", truncateEscaped(name, 100))
	var buttons []Button
	if sugg := suggest(name, keys, 5); len(sugg) > 0 {
		var names []string
		for _, s := range sugg {
			names = append(names, "*"+Escape(s.Name)+"*")
			buttons = append(buttons, Button{ActionID: ActionRun, Text: truncateEscaped(s.Name, 75), Value: "/persona " + idRef(s.TermID)})
		}
		msg += " Did you mean " + strings.Join(names, ", ") + "?"
	} else if len(all) > 0 {
		msg += " See them all with `/persona list`."
	}
	if len([]rune(name)) <= MaxPersonaName {
		msg += fmt.Sprintf("\nAdd it with `/persona add %s = SUMMARY`.", Escape(name))
		buttons = append(buttons, Button{ActionID: ActionRun, Text: truncateEscaped("Add "+name, 75), Value: "/persona add " + nameRef(name)})
	}
	return Response{Text: msg, Blocks: []Block{Section{Text: msg}, Actions{Buttons: buttons}}}, nil
}

func (h *Handler) personaShow(ctx context.Context, typed, viewer string, shared bool) (Response, error) {
	if cleanName(typed) == "" {
		return textResponse(personaUsage), nil
	}
	p, resp, ok, err := h.findPersona(ctx, typed, "/persona")
	if !ok || err != nil {
		return resp, err
	}
	return h.withInsights(ctx, p, h.personaCard(p, viewer, shared))
}

// withInsights adds to a persona's card its latest customer insights
// (SPEC §11), above its byline.
func (h *Handler) withInsights(ctx context.Context, p store.Persona, card Response) (Response, error) {
	b, err := h.personaInsightsBlock(ctx, p)
	if err != nil || b == nil {
		return card, err
	}
	at := len(card.Blocks)
	for i, bl := range card.Blocks {
		if _, ok := bl.(Context); ok && i > 0 {
			at = i
		}
	}
	blocks := append(append(append([]Block{}, card.Blocks[:at]...), b), card.Blocks[at:]...)
	card.Blocks = blocks
	return card, nil
}

// personaCard is a persona's card as viewer sees it (see [Handler.termCard]).
func (h *Handler) personaCard(p store.Persona, viewer string, shared bool) Response {
	blocks := []Block{Header{Text: truncateEscaped(p.Name, 150)}}
	if p.Role != "" {
		blocks = append(blocks, Context{Texts: []string{"_" + Escape(p.Role) + "_"}})
	}
	blocks = append(blocks, Section{Text: truncateEscaped(p.Summary, 3000)})
	text := []string{fmt.Sprintf("*%s*: %s", Escape(p.Name), truncateEscaped(p.Summary, 500))}
	for _, s := range personaSections {
		v := s.get(p)
		if v == "" {
			continue
		}
		head := "*" + s.title + "*\n"
		blocks = append(blocks, Section{Text: head + truncateEscaped(v, 3000-len(head))})
		text = append(text, head+truncateEscaped(v, 300))
	}
	blocks = append(blocks, Context{Texts: []string{
		fmt.Sprintf("Last edited by %s, %s", byline(p.UpdatedBy, p.UpdatedByName, shared), h.when(p.UpdatedAt)),
		h.agreementLine(personaSigned(p), shared),
	}})
	if !shared {
		blocks = append(blocks, h.withApprove(cardActions("/persona", p.ID), "/persona", personaSigned(p), viewer))
	}
	return Response{Text: Truncate(strings.Join(text, "\n"), 3900), Blocks: blocks}
}

// ValidatePersona checks a persona from outside Slack (an import) by the
// same rules as /persona and returns it cleaned, or a [*UserError] naming
// every problem.
func ValidatePersona(p store.Persona) (store.Persona, error) {
	clean, errs := validatePersona(personaValues(p))
	if len(errs) > 0 {
		return store.Persona{}, joinErrors(errs, personaFields)
	}
	clean.ID, clean.CreatedBy, clean.CreatedByName, clean.CreatedAt = p.ID, p.CreatedBy, p.CreatedByName, p.CreatedAt
	clean.UpdatedBy, clean.UpdatedByName, clean.UpdatedAt = p.UpdatedBy, p.UpdatedByName, p.UpdatedAt
	return clean, nil
}

// personaValues is a persona as form values, keyed by field id.
func personaValues(p store.Persona) map[string]string {
	return map[string]string{"name": p.Name, "role": p.Role, "summary": p.Summary, "goals": p.Goals,
		"pains": p.Pains, "objections": p.Objections, "channels": p.Channels, "questions": p.Questions}
}

// validatePersona checks form values and returns the cleaned persona and the
// problems keyed by field id.
func validatePersona(v map[string]string) (store.Persona, map[string]string) {
	errs := map[string]string{}
	c := map[string]string{}
	for _, f := range personaFields {
		c[f.id] = f.check(errs, v[f.id])
	}
	return store.Persona{Name: c["name"], Role: c["role"], Summary: c["summary"], Goals: c["goals"], Pains: c["pains"],
		Objections: c["objections"], Channels: c["channels"], Questions: c["questions"]}, errs
}

func personaModal(callback, metadata string, p store.Persona) *Modal {
	title, submit := "Add a persona", "Add"
	name := "NAME"
	if typeable(p.Name) {
		name = p.Name
	}
	inline := "/persona add " + name + " = SUMMARY"
	if callback == modalPersonaEdit {
		title, submit = "Edit a persona", "Save"
		inline = "/persona edit " + name + " = NEW SUMMARY"
	}
	v := personaValues(p)
	inputs := []Input{
		{ID: "name", Label: "Name", Placeholder: "e.g. Sally Supermom", Value: Truncate(p.Name, MaxPersonaName), MaxLength: MaxPersonaName},
		{ID: "role", Label: "Role", Placeholder: "e.g. Head of operations at a 200-person company", Value: p.Role, Optional: true, MaxLength: MaxPersonaRole},
		{ID: "summary", Label: "Summary", Hint: "Who they are, in a few sentences.", Value: p.Summary, Multiline: true, MaxLength: MaxPersonaField},
	}
	for _, s := range personaSections {
		inputs = append(inputs, Input{ID: s.id, Label: s.title, Hint: s.hint, Value: v[s.id], Multiline: true, Optional: true, MaxLength: MaxPersonaField})
	}
	return &Modal{CallbackID: callback, Title: title, Submit: submit, Metadata: metadata, Inputs: inputs, Inline: inline}
}

func (h *Handler) personaAdd(ctx context.Context, req Request, rest string) (Response, error) {
	if _, name, ok := parseRef(rest); ok {
		return Response{Modal: personaModal(modalPersonaAdd, "", store.Persona{Name: name})}, nil
	}
	name, summary, hasSummary := strings.Cut(rest, "=")
	if !hasSummary {
		return Response{Modal: personaModal(modalPersonaAdd, "", store.Persona{Name: cleanName(name)})}, nil
	}
	p, errs := validatePersona(map[string]string{"name": cleanName(name), "summary": summary})
	if len(errs) > 0 {
		return Response{}, joinErrors(errs, personaFields)
	}
	saved, err := h.db.AddPersona(ctx, p, actor(req.UserID, req.UserName))
	if err != nil {
		return Response{}, personaError(err)
	}
	return h.personaSaved(ctx, "Added", saved, req.UserID)
}

// personaSaved is the answer after a persona was written by by (see
// [Handler.saved]).
func (h *Handler) personaSaved(ctx context.Context, verb string, p store.Persona, by string) (Response, error) {
	note := fmt.Sprintf(":white_check_mark: %s the persona *%s*.", verb, Escape(p.Name))
	if verb == "Added" {
		note += fmt.Sprintf(" Fill in goals, pains and the rest with `/persona edit %s`.", Escape(p.Name))
	}
	resp := savedNote(note, h.personaCard(p, by, false))
	if verb == "Updated" {
		dms, err := h.editedDMs(ctx, personaOps, personaSigned(p), by)
		if err != nil {
			return Response{}, err
		}
		resp.DMs = dms
	}
	return resp, nil
}

// personaError turns the expected store errors of a write into user messages.
func personaError(err error) error {
	var conflict *store.ConflictError
	switch {
	case errors.As(err, &conflict):
		return userErrorf("There is already a persona called *%s*.", Escape(conflict.Owner))
	case errors.Is(err, store.ErrNotFound):
		return userErrorf("That persona was deleted in the meantime.")
	}
	return err
}

func (h *Handler) personaEdit(ctx context.Context, req Request, rest string) (Response, error) {
	name, summary, hasSummary := strings.Cut(rest, "=")
	p, resp, ok, err := h.findPersona(ctx, name, "/persona edit")
	if !ok || err != nil {
		return resp, err
	}
	if !hasSummary {
		return Response{Modal: personaModal(modalPersonaEdit, strconv.FormatInt(p.ID, 10), p)}, nil
	}
	v := personaValues(p)
	v["summary"] = summary
	next, errs := validatePersona(v)
	if len(errs) > 0 {
		return Response{}, joinErrors(errs, personaFields)
	}
	next.ID = p.ID
	resp, err = h.updatePersona(ctx, next, actor(req.UserID, req.UserName))
	return resp, personaError(err)
}

func (h *Handler) updatePersona(ctx context.Context, p store.Persona, by store.Actor) (Response, error) {
	saved, err := h.db.UpdatePersona(ctx, p, by)
	if errors.Is(err, store.ErrUnchanged) {
		return savedNote(fmt.Sprintf("Nothing to change: *%s* already says exactly that.", Escape(saved.Name)), h.personaCard(saved, by.ID, false)), nil
	}
	if err != nil {
		return Response{}, err
	}
	return h.personaSaved(ctx, "Updated", saved, by.ID)
}

func (h *Handler) personaDelete(ctx context.Context, req Request, rest string) (Response, error) {
	p, resp, ok, err := h.findPersona(ctx, rest, "/persona delete")
	if !ok || err != nil {
		return resp, err
	}
	if !h.allowed(PermDeletePersona, req.UserID, subject{creator: p.CreatedBy}) {
		return Response{}, userErrorf("Sorry, only %s (who added *%s*) or an admin can delete it. You can still change it with `/persona edit %s`.",
			byline(p.CreatedBy, p.CreatedByName, false), Escape(p.Name), Escape(p.Name))
	}
	if err := h.db.DeletePersona(ctx, p.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return Response{}, err
	}
	return textResponse(fmt.Sprintf(":wastebasket: Deleted the persona *%s*.", Escape(p.Name))), nil
}

func (h *Handler) personaHistory(ctx context.Context, rest string, shared bool) (Response, error) {
	p, resp, ok, err := h.findPersona(ctx, rest, "/persona history")
	if !ok || err != nil {
		return resp, err
	}
	revs, err := h.db.PersonaHistory(ctx, p.ID)
	if err != nil {
		return Response{}, err
	}
	body := func(v store.Persona) string {
		b := "*" + Escape(v.Name) + "*"
		if v.Role != "" {
			b += " · _" + Escape(v.Role) + "_"
		}
		return b + "\n" + truncateEscaped(v.Summary, 2500)
	}
	summary := func(v store.Persona) string { return truncateEscaped(v.Summary, 300) }
	return renderHistory(h, p.Name, revs, p.Agreement, body, summary, shared, "/persona history "+idRef(p.ID)), nil
}

func (h *Handler) personaList(ctx context.Context, shared bool) (Response, error) {
	all, err := h.db.Personas(ctx)
	if err != nil {
		return Response{}, err
	}
	if len(all) == 0 {
		return textResponse("No personas yet. Add the first with `/persona add` (a form) or `/persona add NAME = SUMMARY`."), nil
	}
	g := listGroup{title: "Personas", sep: "\n"}
	for _, p := range all {
		item := "*" + Escape(p.Name) + "*"
		if p.Role != "" {
			item += " (" + truncateEscaped(p.Role, 60) + ")"
		}
		g.items = append(g.items, item)
	}
	resp := renderGroups(fmt.Sprintf("*Buyer personas* — %d", len(all)), []listGroup{g}, "Open one with `/persona NAME`.")
	if !shared {
		resp.Blocks = append(resp.Blocks, shareActions("/persona list"))
	}
	return resp, nil
}

func (h *Handler) submitPersona(ctx context.Context, s Submission) (SubmitResult, error) {
	p, errs := validatePersona(s.Values)
	if len(errs) > 0 {
		return SubmitResult{Errors: errs}, nil
	}
	by := actor(s.UserID, s.UserName)
	var conflict *store.ConflictError
	if s.CallbackID == modalPersonaAdd {
		saved, err := h.db.AddPersona(ctx, p, by)
		if errors.As(err, &conflict) {
			return SubmitResult{Errors: map[string]string{"name": "There is already a persona with this name."}}, nil
		}
		if err != nil {
			return SubmitResult{}, err
		}
		reply, err := h.personaSaved(ctx, "Added", saved, by.ID)
		return SubmitResult{Reply: reply}, err
	}
	id, err := metadataID(s.Metadata)
	if err != nil {
		return SubmitResult{}, fmt.Errorf("persona form: %w", err)
	}
	p.ID = id
	resp, err := h.updatePersona(ctx, p, by)
	switch {
	case errors.As(err, &conflict):
		return SubmitResult{Errors: map[string]string{"name": "There is already a persona with this name."}}, nil
	case errors.Is(err, store.ErrNotFound):
		return SubmitResult{Errors: map[string]string{"name": "This persona was deleted while you were editing it."}}, nil
	case err != nil:
		return SubmitResult{}, err
	}
	return SubmitResult{Reply: resp}, nil
}
