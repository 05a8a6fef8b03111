package commands

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"smarketing/store"
)

// Limits on glossary fields, in characters.
const (
	MaxTermName       = 80
	MaxTermAliases    = 10
	MaxTermCategory   = 40
	MaxTermDefinition = 3000
)

// termFields are the fields of a term, in form order.
var termFields = []field{
	{id: inputName, noun: "name", max: MaxTermName, required: true},
	{id: inputAliases, noun: "aliases", max: (MaxTermName + 2) * MaxTermAliases},
	{id: inputCategory, noun: "category", max: MaxTermCategory},
	{id: inputDefinition, noun: "definition", max: MaxTermDefinition, required: true, multiline: true},
}

const (
	modalTermAdd  = "term_add"
	modalTermEdit = "term_edit"

	inputName       = "name"
	inputAliases    = "aliases"
	inputCategory   = "category"
	inputDefinition = "definition"
)

const termUsage = "*`/term` — the shared glossary*\n" +
	"• `/term NAME` — show a definition (names and aliases, any case)\n" +
	"• `/term add NAME = DEFINITION` — add a term; `/term add NAME (ALIAS, ALIAS) = DEFINITION` sets aliases\n" +
	"• `/term add` — add a term with a form (name, aliases, category, definition)\n" +
	"• `/term edit NAME = DEFINITION` — change a definition; `/term edit NAME` opens the form\n" +
	"• `/term history NAME` — every version, newest first\n" +
	"• `/term delete NAME` — delete (the person who added it, or an admin)\n" +
	"• `/term list` — all terms by category\n" +
	"• `/term search TEXT` — full-text search, best match first\n" +
	"• `/term gaps` — the most-asked missing terms of the last 30 days\n" +
	"• `/term approve NAME` — approve the current version for your side (sales or marketing); both sides approving makes it *agreed*\n" +
	"• `/term dispute NAME REASON` — challenge it; the reason shows on the card until it is edited or approved again\n" +
	"• `/term owner NAME @someone` — who answers for it (DMs when disputed or due for review)\n" +
	"• `/term review` — what needs you: waiting for your side, disputed, due for review\n" +
	"• `/term list agreed|pending|disputed|due` — the terms with that status\n" +
	"Example: `/term add Marketing Qualified Lead (MQL) = A lead marketing judges ready for sales to contact`"

func (h *Handler) term(ctx context.Context, req Request, shared bool) (Response, error) {
	text := strings.TrimSpace(req.Text)
	sub, rest := splitWord(text)
	switch strings.ToLower(sub) {
	case "", "help", "-h", "--help", "?":
		return textResponse(termUsage), nil
	case "list":
		if rest != "" {
			return h.listByStatus(ctx, termOps, rest, shared)
		}
		return h.termList(ctx, shared)
	case "search", "find":
		return h.termSearch(ctx, rest, shared)
	case "history":
		return h.termHistory(ctx, rest, shared)
	case "gaps":
		return h.termGaps(ctx, shared)
	}
	if shared {
		// Only the read-only answers can be shared; anything else is a lookup.
		return h.termShow(ctx, text, "", true)
	}
	if resp, ok, err := h.agreementSub(ctx, termOps, req, strings.ToLower(sub), rest); ok {
		return resp, err
	}
	switch strings.ToLower(sub) {
	case "add", "new":
		return h.termAdd(ctx, req, rest)
	case "edit", "update":
		return h.termEdit(ctx, req, rest)
	case "delete", "remove", "rm":
		return h.termDelete(ctx, req, rest)
	}
	return h.termShow(ctx, text, req.UserID, false)
}

// splitWord returns the first word of s and the trimmed rest.
func splitWord(s string) (string, string) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// cleanName strips what people wrap names in when they type them:
// quotes, backticks, asterisks and a trailing question mark.
func cleanName(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimRight(s, "?")
	s = strings.Trim(s, "\"'`*“”‘’ ")
	return strings.Join(strings.Fields(s), " ")
}

// findTerm looks up what the user typed (or a button's reference): the text
// as typed first, then without the quotes and question marks people add.
// It returns the cleaned name for messages, or [store.ErrNotFound].
func (h *Handler) findTerm(ctx context.Context, typed string) (store.Term, string, error) {
	if id, _, ok := parseRef(typed); ok {
		t, err := h.db.TermByID(ctx, id)
		return t, t.Name, err
	}
	t, err := h.db.Term(ctx, typed)
	name := cleanName(typed)
	if errors.Is(err, store.ErrNotFound) && name != strings.TrimSpace(typed) && name != "" {
		t, err = h.db.Term(ctx, name)
	}
	return t, name, err
}

func (h *Handler) termShow(ctx context.Context, typed, viewer string, shared bool) (Response, error) {
	t, name, err := h.findTerm(ctx, typed)
	if name == "" && errors.Is(err, store.ErrNotFound) {
		return textResponse(termUsage), nil
	}
	if errors.Is(err, store.ErrNotFound) {
		resp, err := h.termMissing(ctx, name, shared)
		if err == nil && !shared {
			resp.Later = h.countGap(name)
		}
		return resp, err
	}
	if err != nil {
		return Response{}, err
	}
	return h.termCard(t, viewer, shared), nil
}

// termCard is a term's card as viewer sees it: with the Approve button if
// they can approve this version (none when shared in a channel).
func (h *Handler) termCard(t store.Term, viewer string, shared bool) Response {
	var meta []string
	if len(t.Aliases) > 0 {
		meta = append(meta, "Also: "+Escape(strings.Join(t.Aliases, ", ")))
	}
	if t.Category != "" {
		meta = append(meta, "Category: "+Escape(t.Category))
	}
	meta = append(meta, fmt.Sprintf("Last edited by %s, %s", byline(t.UpdatedBy, t.UpdatedByName, shared), h.when(t.UpdatedAt)))
	blocks := []Block{
		Header{Text: truncateEscaped(t.Name, 150)},
		Section{Text: truncateEscaped(t.Definition, 3000)},
		Context{Texts: []string{strings.Join(meta, "  ·  "), h.agreementLine(termSigned(t), shared)}},
	}
	if !shared {
		blocks = append(blocks, h.withApprove(cardActions("/term", t.ID), "/term", termSigned(t), viewer))
	}
	return Response{
		Text:   fmt.Sprintf("*%s*: %s", Escape(t.Name), truncateEscaped(t.Definition, 3000)),
		Blocks: blocks,
	}
}

func (h *Handler) termMissing(ctx context.Context, name string, shared bool) (Response, error) {
	sugg, err := h.suggestTerms(ctx, name, 5)
	if err != nil {
		return Response{}, err
	}
	msg := fmt.Sprintf("No term *%s* in the glossary yet.", truncateEscaped(name, 100))
	var buttons []Button
	if len(sugg) > 0 {
		names := make([]string, len(sugg))
		for i, s := range sugg {
			names[i] = "*" + Escape(s.Label) + "*"
			if s.Label != s.Name {
				names[i] += " (" + Escape(s.Name) + ")"
			}
			buttons = append(buttons, Button{ActionID: ActionRun, Text: truncateEscaped(s.Label, 75), Value: "/term " + idRef(s.TermID)})
		}
		msg += " Did you mean " + strings.Join(names, ", ") + "?"
	}
	if utf8.RuneCountInString(name) <= MaxTermName {
		buttons = append(buttons, Button{ActionID: ActionRun, Text: truncateEscaped("Add "+name, 75), Value: "/term add " + nameRef(name), Primary: len(sugg) == 0})
		msg += fmt.Sprintf("\nAdd it with `/term add %s = DEFINITION`, or ask for someone to define it.", Escape(name))
		buttons = append(buttons, Button{ActionID: ActionRequest, Text: "Request a definition", Value: store.Key(name)})
	}
	blocks := []Block{Section{Text: msg}}
	if len(buttons) > 0 && !shared {
		blocks = append(blocks, Actions{Buttons: buttons})
	}
	return Response{Text: msg, Blocks: blocks}, nil
}

// termInput is a term as typed by a user, before validation.
type termInput struct {
	Name       string
	Aliases    []string
	Category   string
	Definition string
}

// parseTermLine parses "NAME (ALIAS, ALIAS) = DEFINITION". hasDef reports
// whether an "=" was present at all.
func parseTermLine(s string) (in termInput, hasDef bool) {
	head, def, hasDef := strings.Cut(s, "=")
	in.Definition = strings.TrimSpace(def)
	head = strings.TrimSpace(head)
	if open := strings.Index(head, "("); open >= 0 && strings.HasSuffix(head, ")") {
		in.Aliases = splitList(head[open+1 : len(head)-1])
		head = head[:open]
	}
	in.Name = cleanName(head)
	return in, hasDef
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.Join(strings.Fields(item), " "); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// validate checks the fields and returns the problems keyed by input ID; on
// success it returns the cleaned term.
func (in termInput) validate() (store.Term, map[string]string) {
	errs := map[string]string{}
	t := store.Term{
		Name:       termFields[0].check(errs, in.Name),
		Category:   termFields[2].check(errs, in.Category),
		Definition: termFields[3].check(errs, in.Definition),
	}
	seen := map[string]bool{store.Key(t.Name): true}
	for _, a := range in.Aliases {
		if !utf8.ValidString(a) {
			errs[inputAliases] = "The aliases are not valid UTF-8 text; save the file as UTF-8."
			continue
		}
		a = singleLine(a)
		if a == "" || seen[store.Key(a)] {
			continue
		}
		seen[store.Key(a)] = true
		if n := utf8.RuneCountInString(a); n > MaxTermName {
			errs[inputAliases] = fmt.Sprintf("Each alias is at most %d characters (“%s” has %d).", MaxTermName, truncateEscaped(a, 20), n)
		}
		t.Aliases = append(t.Aliases, a)
	}
	if len(t.Aliases) > MaxTermAliases {
		errs[inputAliases] = fmt.Sprintf("At most %d aliases, please (you gave %d).", MaxTermAliases, len(t.Aliases))
	}
	return t, errs
}

// ValidateTerm checks a term from outside Slack (an import) by the same
// rules as /term and returns it cleaned, or a [*UserError] naming every
// problem.
func ValidateTerm(t store.Term) (store.Term, error) {
	clean, errs := termInput{Name: t.Name, Aliases: t.Aliases, Category: t.Category, Definition: t.Definition}.validate()
	if len(errs) > 0 {
		return store.Term{}, joinErrors(errs, termFields)
	}
	t.Name, t.Aliases, t.Category, t.Definition = clean.Name, clean.Aliases, clean.Category, clean.Definition
	return t, nil
}

func conflictMessage(c *store.ConflictError) string {
	if store.Key(c.Key) == store.Key(c.Owner) {
		return fmt.Sprintf("*%s* is already in the glossary.", Escape(c.Owner))
	}
	return fmt.Sprintf("*%s* is already a name or alias of *%s*.", Escape(c.Key), Escape(c.Owner))
}

func actor(userID, userName string) store.Actor {
	// A display name is shown again on cards and kept with every edit: one
	// line, no control characters (PostgreSQL cannot even store a NUL).
	return store.Actor{ID: singleLine(userID), Name: singleLine(userName)}
}

func (h *Handler) termAdd(ctx context.Context, req Request, rest string) (Response, error) {
	if _, name, ok := parseRef(rest); ok {
		return Response{Modal: termModal(modalTermAdd, "", termInput{Name: name})}, nil
	}
	in, hasDef := parseTermLine(rest)
	if !hasDef {
		// "/term add" or "/term add NAME": ask for the rest in a form.
		return Response{Modal: termModal(modalTermAdd, "", in)}, nil
	}
	t, errs := in.validate()
	if len(errs) > 0 {
		return Response{}, joinErrors(errs, termFields)
	}
	saved, err := h.db.AddTerm(ctx, t, actor(req.UserID, req.UserName))
	var conflict *store.ConflictError
	if errors.As(err, &conflict) {
		return Response{}, &UserError{Msg: conflictMessage(conflict) + fmt.Sprintf(" Use `/term edit %s = …` to change it.", Escape(conflict.Owner))}
	}
	if err != nil {
		return Response{}, err
	}
	return h.saved(ctx, "Added", saved, req.UserID)
}

// saved is the answer after a term was written by by: a short note and its
// card; after an edit, DMs to those who approved the version before.
func (h *Handler) saved(ctx context.Context, verb string, t store.Term, by string) (Response, error) {
	note := fmt.Sprintf(":white_check_mark: %s *%s* to the glossary.", verb, Escape(t.Name))
	if verb == "Updated" {
		note = fmt.Sprintf(":white_check_mark: Updated *%s*.", Escape(t.Name))
	}
	resp := savedNote(note, h.termCard(t, by, false))
	// Its name or a new alias may be what someone asked for.
	resp.Notify = true
	if verb == "Updated" {
		dms, err := h.editedDMs(ctx, termOps, termSigned(t), by)
		if err != nil {
			return Response{}, err
		}
		resp.DMs = dms
	}
	return resp, nil
}

func (h *Handler) termEdit(ctx context.Context, req Request, rest string) (Response, error) {
	in, hasDef := parseTermLine(rest)
	if _, _, isRef := parseRef(rest); isRef {
		in, hasDef = termInput{Name: rest}, false
	}
	if in.Name == "" {
		return Response{}, userErrorf("Which term? Use `/term edit NAME = NEW DEFINITION`, or `/term edit NAME` for the form.")
	}
	old, name, err := h.findTerm(ctx, in.Name)
	if errors.Is(err, store.ErrNotFound) {
		return h.termMissing(ctx, name, false)
	}
	if err != nil {
		return Response{}, err
	}
	if !hasDef {
		return Response{Modal: termModal(modalTermEdit, strconv.FormatInt(old.ID, 10), termInput{
			Name: old.Name, Aliases: old.Aliases, Category: old.Category, Definition: old.Definition,
		})}, nil
	}
	// Inline edit changes the definition; aliases too when given in ( ).
	next := termInput{Name: old.Name, Aliases: old.Aliases, Category: old.Category, Definition: in.Definition}
	if in.Aliases != nil {
		next.Aliases = keepTypedAlias(in.Aliases, in.Name, old)
	}
	t, errs := next.validate()
	if len(errs) > 0 {
		return Response{}, joinErrors(errs, termFields)
	}
	t.ID = old.ID
	resp, err := h.updateTerm(ctx, t, actor(req.UserID, req.UserName))
	return resp, termError(err)
}

// keepTypedAlias returns the aliases given in an inline edit, plus the
// alias the term was named by when the list leaves it out: in
// "/term edit MQL (Marketing qualified, M.Q.L.) = …" the typed "MQL" says
// which term, and replacing the aliases must not lose the very name the
// author used for it (the next "/term mql" would find nothing). An alias
// is dropped in the form, or by naming the term by its name.
func keepTypedAlias(given []string, typed string, old store.Term) []string {
	key := store.Key(typed)
	if key == store.Key(old.Name) {
		return given
	}
	for _, a := range given {
		if store.Key(a) == key {
			return given
		}
	}
	for _, a := range old.Aliases {
		if store.Key(a) == key {
			return append([]string{a}, given...)
		}
	}
	return given
}

// updateTerm saves t and answers with its card. Store errors other than
// [store.ErrUnchanged] are returned as they are; see [termError].
func (h *Handler) updateTerm(ctx context.Context, t store.Term, by store.Actor) (Response, error) {
	saved, err := h.db.UpdateTerm(ctx, t, by)
	if errors.Is(err, store.ErrUnchanged) {
		resp := h.termCard(saved, by.ID, false)
		note := fmt.Sprintf("Nothing to change: *%s* already says exactly that.", Escape(saved.Name))
		resp.Blocks = append([]Block{Section{Text: note}}, resp.Blocks...)
		resp.Text = note
		return resp, nil
	}
	if err != nil {
		return Response{}, err
	}
	return h.saved(ctx, "Updated", saved, by.ID)
}

// termError turns the expected store errors of a write into user messages.
func termError(err error) error {
	var conflict *store.ConflictError
	switch {
	case errors.As(err, &conflict):
		return &UserError{Msg: conflictMessage(conflict)}
	case errors.Is(err, store.ErrNotFound):
		return userErrorf("That term was deleted in the meantime.")
	}
	return err
}

func (h *Handler) termDelete(ctx context.Context, req Request, rest string) (Response, error) {
	t, name, err := h.findTerm(ctx, rest)
	if name == "" && errors.Is(err, store.ErrNotFound) {
		return Response{}, userErrorf("Which term? Use `/term delete NAME`.")
	}
	if errors.Is(err, store.ErrNotFound) {
		return Response{}, userErrorf("There is no term *%s* to delete.", truncateEscaped(name, 100))
	}
	if err != nil {
		return Response{}, err
	}
	if !h.allowed(PermDeleteTerm, req.UserID, subject{creator: t.CreatedBy}) {
		return Response{}, userErrorf("Sorry, only %s (who added *%s*) or an admin can delete it. You can still change it with `/term edit %s`.",
			byline(t.CreatedBy, t.CreatedByName, false), Escape(t.Name), Escape(t.Name))
	}
	if err := h.db.DeleteTerm(ctx, t.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return Response{}, err
	}
	return textResponse(fmt.Sprintf(":wastebasket: Deleted *%s* from the glossary.", Escape(t.Name))), nil
}

func (h *Handler) termHistory(ctx context.Context, rest string, shared bool) (Response, error) {
	t, name, err := h.findTerm(ctx, rest)
	if name == "" && errors.Is(err, store.ErrNotFound) {
		return Response{}, userErrorf("Which term? Use `/term history NAME`.")
	}
	if errors.Is(err, store.ErrNotFound) {
		return h.termMissing(ctx, name, shared)
	}
	if err != nil {
		return Response{}, err
	}
	revs, err := h.db.TermHistory(ctx, t.ID)
	if err != nil {
		return Response{}, err
	}
	body := func(v store.Term) string {
		b := fmt.Sprintf("*%s*", Escape(v.Name))
		if len(v.Aliases) > 0 {
			b += " (" + Escape(strings.Join(v.Aliases, ", ")) + ")"
		}
		if v.Category != "" {
			b += " · " + Escape(v.Category)
		}
		return b + "\n" + truncateEscaped(v.Definition, 2500)
	}
	summary := func(v store.Term) string { return truncateEscaped(v.Definition, 300) }
	return renderHistory(h, t.Name, revs, t.Agreement, body, summary, shared, "/term history "+idRef(t.ID)), nil
}

func (h *Handler) termList(ctx context.Context, shared bool) (Response, error) {
	terms, err := h.db.Terms(ctx)
	if err != nil {
		return Response{}, err
	}
	if len(terms) == 0 {
		return textResponse("The glossary is empty. Add the first term with `/term add NAME = DEFINITION`."), nil
	}
	title := fmt.Sprintf("*Glossary* — %d term%s", len(terms), plural(len(terms)))
	var groups []listGroup
	for _, t := range terms {
		cat := t.Category
		if cat == "" {
			cat = "Uncategorised"
		}
		if len(groups) == 0 || store.Key(groups[len(groups)-1].title) != store.Key(cat) {
			groups = append(groups, listGroup{title: cat})
		}
		g := &groups[len(groups)-1]
		g.items = append(g.items, Escape(t.Name))
	}
	resp := renderGroups(title, groups, "Look one up with `/term NAME`.")
	if !shared {
		resp.Blocks = append(resp.Blocks, shareActions("/term list"))
	}
	return resp, nil
}

type listGroup struct {
	title string
	items []string // escaped
	sep   string   // between items; " · " if empty
}

// renderGroups lays out titled groups of names within Slack's limits (3,000
// characters a section, 50 blocks a message), saying how many did not fit.
func renderGroups(title string, groups []listGroup, footer string) Response {
	blocks := []Block{Section{Text: title}}
	text := []string{title}
	const maxBlocks, maxSection = 45, 2900
	omitted := 0
	for _, g := range groups {
		head := "*" + Escape(g.title) + "*\n"
		body := head
		for _, item := range g.items {
			if len(blocks) >= maxBlocks {
				omitted++
				continue
			}
			sep := cmp.Or(g.sep, " · ")
			if body == head {
				sep = ""
			}
			if utf8.RuneCountInString(body)+len(sep)+utf8.RuneCountInString(item) > maxSection {
				blocks = append(blocks, Section{Text: body})
				text = append(text, body)
				body, sep = head, ""
			}
			body += sep + item
		}
		if body != head && len(blocks) < maxBlocks {
			blocks = append(blocks, Section{Text: body})
			text = append(text, body)
		}
	}
	if omitted > 0 {
		footer = fmt.Sprintf("…and %d more that do not fit here. %s", omitted, footer)
	}
	blocks = append(blocks, Context{Texts: []string{footer}})
	text = append(text, footer)
	return Response{Text: Truncate(strings.Join(text, "\n"), 3900), Blocks: blocks}
}

func (h *Handler) termSearch(ctx context.Context, query string, shared bool) (Response, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return Response{}, userErrorf("Search for what? Use `/term search TEXT`, e.g. `/term search qualified lead`.")
	}
	const limit = 10
	terms, err := h.db.SearchTerms(ctx, query, limit)
	if err != nil {
		return Response{}, err
	}
	q := truncateEscaped(query, 100)
	if len(terms) == 0 {
		return textResponse(fmt.Sprintf("Nothing in the glossary matches _%s_.", q)), nil
	}
	title := fmt.Sprintf("Terms matching _%s_, best first:", q)
	blocks := []Block{Section{Text: title}}
	lines := []string{title}
	for i, t := range terms {
		line := fmt.Sprintf("%d. *%s* — %s", i+1, Escape(t.Name), truncateEscaped(strings.Join(strings.Fields(t.Definition), " "), 200))
		blocks = append(blocks, Section{Text: line})
		lines = append(lines, line)
	}
	if !shared {
		blocks = append(blocks, shareActions("/term search "+query))
	}
	return Response{Text: strings.Join(lines, "\n"), Blocks: blocks}, nil
}

func termModal(callback, metadata string, in termInput) *Modal {
	title, submit := "Add a term", "Add"
	name := "NAME"
	if typeable(in.Name) {
		name = in.Name
	}
	inline := "/term add " + name + " (ALIAS, ALIAS) = DEFINITION"
	if callback == modalTermEdit {
		title, submit = "Edit a term", "Save"
		inline = "/term edit " + name + " = NEW DEFINITION"
	}
	return &Modal{
		CallbackID: callback,
		Title:      title,
		Submit:     submit,
		Metadata:   metadata,
		Inline:     inline,
		Inputs: []Input{
			{ID: inputName, Label: "Name", Placeholder: "e.g. Marketing Qualified Lead", Value: Truncate(in.Name, MaxTermName), MaxLength: MaxTermName},
			{ID: inputAliases, Label: "Aliases", Hint: "Other names people use, separated by commas.", Placeholder: "e.g. MQL", Value: strings.Join(in.Aliases, ", "), Optional: true, MaxLength: (MaxTermName + 2) * MaxTermAliases},
			{ID: inputCategory, Label: "Category", Placeholder: "e.g. Funnel stages", Value: in.Category, Optional: true, MaxLength: MaxTermCategory},
			{ID: inputDefinition, Label: "Definition", Hint: "What both teams agreed this means.", Value: in.Definition, Multiline: true, MaxLength: MaxTermDefinition},
		},
	}
}

func (h *Handler) submitTerm(ctx context.Context, s Submission) (SubmitResult, error) {
	in := termInput{
		Name:       s.Values[inputName],
		Aliases:    splitList(s.Values[inputAliases]),
		Category:   s.Values[inputCategory],
		Definition: s.Values[inputDefinition],
	}
	t, errs := in.validate()
	if len(errs) > 0 {
		return SubmitResult{Errors: errs}, nil
	}
	by := actor(s.UserID, s.UserName)
	var conflict *store.ConflictError
	if s.CallbackID == modalTermAdd {
		saved, err := h.db.AddTerm(ctx, t, by)
		if errors.As(err, &conflict) {
			return SubmitResult{Errors: conflictErrors(conflict, t)}, nil
		}
		if err != nil {
			return SubmitResult{}, err
		}
		reply, err := h.saved(ctx, "Added", saved, by.ID)
		return SubmitResult{Reply: reply}, err
	}
	id, err := metadataID(s.Metadata)
	if err != nil {
		return SubmitResult{}, fmt.Errorf("term form: %w", err)
	}
	t.ID = id
	resp, err := h.updateTerm(ctx, t, by)
	switch {
	case errors.As(err, &conflict):
		return SubmitResult{Errors: conflictErrors(conflict, t)}, nil
	case errors.Is(err, store.ErrNotFound):
		return SubmitResult{Errors: map[string]string{inputName: "This term was deleted while you were editing it."}}, nil
	case err != nil:
		return SubmitResult{}, err
	}
	return SubmitResult{Reply: resp}, nil
}

// conflictErrors puts a name clash next to the field that caused it.
func conflictErrors(c *store.ConflictError, t store.Term) map[string]string {
	msg := strings.NewReplacer("*", "").Replace(conflictMessage(c))
	if store.Key(c.Key) == store.Key(t.Name) {
		return map[string]string{inputName: msg}
	}
	return map[string]string{inputAliases: msg}
}
