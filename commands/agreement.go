package commands

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"smarketing/store"
)

// Agreed definitions (SPEC §8): both sides sign off every version of a
// term or persona. The status machine is store's ([store.Agreement]); here
// are the commands (approve, dispute, owner, review, list by status), the
// status in words on cards, the Approve button, and the direct messages.
// Terms and personas share all of it through [kindOps].

// MaxDisputeReason bounds the reason given for a dispute, in characters.
const MaxDisputeReason = 500

// signed is a term or persona as far as agreement goes.
type signed struct {
	ref           store.Ref
	name          string
	createdBy     string
	createdByName string
	store.Agreement
}

func termSigned(t store.Term) signed {
	return signed{ref: store.Ref{Kind: store.KindTerm, ID: t.ID}, name: t.Name,
		createdBy: t.CreatedBy, createdByName: t.CreatedByName, Agreement: t.Agreement}
}

func personaSigned(p store.Persona) signed {
	return signed{ref: store.Ref{Kind: store.KindPersona, ID: p.ID}, name: p.Name,
		createdBy: p.CreatedBy, createdByName: p.CreatedByName, Agreement: p.Agreement}
}

// owner is who answers for it: its owner, or else its creator.
func (s signed) owner() (id, name string) {
	if s.Owner != "" {
		return s.Owner, s.OwnerName
	}
	return s.createdBy, s.createdByName
}

// kindOps is what the agreement commands need to know of a kind of record.
type kindOps struct {
	kind    string // store.KindTerm or store.KindPersona
	command string // "/term"
	noun    string // "term"
	// find resolves what was typed (a name or a button's reference) to
	// one record; when it does not, resp says why and ok is false.
	find func(ctx context.Context, h *Handler, typed string) (rec signed, resp Response, ok bool, err error)
	// card is the record's card as viewer sees it, read again by id.
	card func(ctx context.Context, h *Handler, id int64, viewer string) (Response, error)
	// all is every record, in list order.
	all func(ctx context.Context, h *Handler) ([]signed, error)
}

var termOps = kindOps{
	kind: store.KindTerm, command: "/term", noun: "term",
	find: func(ctx context.Context, h *Handler, typed string) (signed, Response, bool, error) {
		t, name, err := h.findTerm(ctx, typed)
		switch {
		case name == "" && errors.Is(err, store.ErrNotFound):
			return signed{}, Response{}, false, userErrorf("Which term? Give its name, e.g. `/term approve MQL`.")
		case errors.Is(err, store.ErrNotFound):
			resp, err := h.termMissing(ctx, name, false)
			return signed{}, resp, false, err
		case err != nil:
			return signed{}, Response{}, false, err
		}
		return termSigned(t), Response{}, true, nil
	},
	card: func(ctx context.Context, h *Handler, id int64, viewer string) (Response, error) {
		t, err := h.db.TermByID(ctx, id)
		if err != nil {
			return Response{}, termError(err)
		}
		return h.termCard(t, viewer, false), nil
	},
	all: func(ctx context.Context, h *Handler) ([]signed, error) {
		terms, err := h.db.Terms(ctx)
		out := make([]signed, len(terms))
		for i, t := range terms {
			out[i] = termSigned(t)
		}
		return out, err
	},
}

var personaOps = kindOps{
	kind: store.KindPersona, command: "/persona", noun: "persona",
	find: func(ctx context.Context, h *Handler, typed string) (signed, Response, bool, error) {
		p, resp, ok, err := h.findPersona(ctx, typed, "/persona")
		return personaSigned(p), resp, ok, err
	},
	card: func(ctx context.Context, h *Handler, id int64, viewer string) (Response, error) {
		p, err := h.db.PersonaByID(ctx, id)
		if err != nil {
			return Response{}, personaError(err)
		}
		return h.withInsights(ctx, p, h.personaCard(p, viewer, false))
	},
	all: func(ctx context.Context, h *Handler) ([]signed, error) {
		ps, err := h.db.Personas(ctx)
		out := make([]signed, len(ps))
		for i, p := range ps {
			out[i] = personaSigned(p)
		}
		return out, err
	},
}

func opsOf(kind string) kindOps {
	if kind == store.KindPersona {
		return personaOps
	}
	return termOps
}

// agreementSub answers the agreement subcommands of /term and /persona;
// handled is false for any other subcommand.
func (h *Handler) agreementSub(ctx context.Context, k kindOps, req Request, sub, rest string) (resp Response, handled bool, err error) {
	switch sub {
	case "approve":
		resp, err = h.approve(ctx, k, req, rest)
	case "dispute":
		resp, err = h.dispute(ctx, k, req, rest)
	case "owner":
		resp, err = h.setOwner(ctx, k, req, rest)
	case "review":
		resp, err = h.review(ctx, k, req)
	default:
		return Response{}, false, nil
	}
	return resp, true, err
}

func (h *Handler) standing(a store.Agreement) store.Standing {
	return a.Standing(h.now(), h.reviewEvery)
}

// date shows the day of t as the cards do: "2 Dec 2026".
func (h *Handler) date(t time.Time) string { return t.In(h.loc).Format("2 Jan 2006") }

// sideWords names the sides a user is on, for messages.
func sideWords(sales, marketing bool) string {
	switch {
	case sales && marketing:
		return "sales and marketing"
	case sales:
		return store.SideSales
	}
	return store.SideMarketing
}

// statusText is the status of a record's current version in words, with
// who and when: "Agreed by @ana (sales) and @mo (marketing) on 2 Dec 2026".
func (h *Handler) statusText(s signed, shared bool) string {
	st := h.standing(s.Agreement)
	by := func(x *store.Signoff) string { return byline(x.User, x.UserName, shared) }
	on := func(x *store.Signoff) string { return h.date(x.At) }
	switch st.Status {
	case store.StatusAgreed:
		return fmt.Sprintf(":white_check_mark: Agreed by %s (sales) and %s (marketing) on %s", by(st.Sales), by(st.Marketing), h.date(st.AgreedAt))
	case store.StatusDue:
		return fmt.Sprintf(":hourglass: Due for review since %s: agreed by %s (sales) and %s (marketing) on %s",
			h.date(st.DueAt), by(st.Sales), by(st.Marketing), h.date(st.AgreedAt))
	case store.StatusDisputed:
		return fmt.Sprintf(":warning: Disputed by %s on %s: “%s”", by(st.Dispute), on(st.Dispute), truncateEscaped(st.Dispute.Reason, 300))
	case store.StatusWaitingMarketing:
		return fmt.Sprintf(":large_yellow_circle: Waiting for marketing: approved by %s (sales) on %s", by(st.Sales), on(st.Sales))
	case store.StatusWaitingSales:
		return fmt.Sprintf(":large_yellow_circle: Waiting for sales: approved by %s (marketing) on %s", by(st.Marketing), on(st.Marketing))
	}
	return fmt.Sprintf(":white_circle: Draft: nobody approved version %d yet", max(s.Version, 1))
}

// agreementLine is the card's line about agreement: status, version, owner.
func (h *Handler) agreementLine(s signed, shared bool) string {
	id, name := s.owner()
	return fmt.Sprintf("%s  ·  version %d  ·  owner %s", h.statusText(s, shared), max(s.Version, 1), byline(id, name, shared))
}

// canApprove reports whether viewer may approve the current version now:
// on a side, not yet counted, and it is not agreed already.
func (h *Handler) canApprove(s signed, viewer string) bool {
	if viewer == "" {
		return false
	}
	if !h.allowed(PermApprove, viewer, subject{}) {
		return false
	}
	if h.standing(s.Agreement).Status == store.StatusAgreed {
		return false
	}
	return !s.Approved(viewer, h.now(), h.reviewEvery)
}

// versionRef refers to one version of a record, for the Approve button: a
// click on an old card must not approve what the record says now.
func versionRef(id int64, version int) string {
	return idRef(id) + "@v" + strconv.Itoa(version)
}

// cutVersion splits a versionRef into the record reference and the version.
func cutVersion(s string) (ref string, version int, ok bool) {
	s = strings.TrimSpace(s)
	i := strings.LastIndex(s, "@v")
	if i < 0 || !strings.HasPrefix(s, refPrefix) {
		return s, 0, false
	}
	v, err := strconv.Atoi(s[i+2:])
	if err != nil || v <= 0 {
		return s, 0, false
	}
	return s[:i], v, true
}

// approveButton is the Approve button for viewer on a card, if they can.
func (h *Handler) approveButton(command string, s signed, viewer string) (Button, bool) {
	if !h.canApprove(s, viewer) {
		return Button{}, false
	}
	return Button{ActionID: ActionRun, Text: "Approve", Value: command + " approve " + versionRef(s.ref.ID, max(s.Version, 1)), Primary: true}, true
}

// withApprove puts the Approve button first among a card's actions.
func (h *Handler) withApprove(actions Actions, command string, s signed, viewer string) Actions {
	if b, ok := h.approveButton(command, s, viewer); ok {
		for i := range actions.Buttons {
			actions.Buttons[i].Primary = false
		}
		actions.Buttons = append([]Button{b}, actions.Buttons...)
	}
	return actions
}

func (h *Handler) approve(ctx context.Context, k kindOps, req Request, rest string) (Response, error) {
	typed, version, fromButton := cutVersion(rest)
	rec, resp, ok, err := k.find(ctx, h, typed)
	if !ok || err != nil {
		return resp, err
	}
	if !h.allowed(PermApprove, req.UserID, subject{}) {
		return Response{}, userErrorf("Sorry, only people on the sales or the marketing side can approve — you can read everything, and challenge a definition with `%s dispute NAME REASON`. An admin can add you to `SMARKETING_SALES` or `SMARKETING_MARKETING`.", k.command)
	}
	if !fromButton {
		version = max(rec.Version, 1)
	}
	card := func(note string) (Response, error) {
		c, err := k.card(ctx, h, rec.ref.ID, req.UserID)
		if err != nil {
			return Response{}, err
		}
		return savedNote(note, c), nil
	}
	if version != max(rec.Version, 1) {
		return card(staleNote(k, rec, version))
	}
	if rec.Approved(req.UserID, h.now(), h.reviewEvery) {
		return card(fmt.Sprintf("You already approved version %d of *%s*.", version, Escape(rec.name)))
	}
	if h.standing(rec.Agreement).Status == store.StatusAgreed {
		return card(fmt.Sprintf("*%s* is already agreed by both sides; nothing to approve.", Escape(rec.name)))
	}
	sales, marketing := h.sides.SideOf(req.UserID)
	a, err := h.db.SignOff(ctx, rec.ref, store.Signoff{Version: version, User: req.UserID, UserName: singleLine(req.UserName)}, sales, marketing)
	var stale *store.VersionError
	switch {
	case errors.As(err, &stale):
		rec.Version = stale.Current
		return card(staleNote(k, rec, version))
	case errors.Is(err, store.ErrNotFound):
		return Response{}, userErrorf("That %s was deleted in the meantime.", k.noun)
	case err != nil:
		return Response{}, err
	}
	side := ""
	for _, s := range a.Signoffs {
		if s.Version == version && !s.Dispute && s.User == req.UserID {
			side = s.Side
		}
	}
	rec.Agreement = a
	note := fmt.Sprintf(":white_check_mark: You approved version %d of *%s* for %s.", version, Escape(rec.name), side)
	switch st := h.standing(a); st.Status {
	case store.StatusAgreed:
		note += " Both sides agree on it now."
	case store.StatusWaitingMarketing:
		note += " It now waits for marketing."
	case store.StatusWaitingSales:
		note += " It now waits for sales."
	case store.StatusDisputed:
		note += " It stays disputed until the other side approves it too."
	case store.StatusDue:
		note += " The review is done once the other side approves it too."
	}
	return card(note)
}

func staleNote(k kindOps, rec signed, version int) string {
	return fmt.Sprintf(":information_source: That button was for version %d of *%s*, which has been edited since (it is at version %d now). Nothing was approved: read the current version below and approve it if you agree.",
		version, Escape(rec.name), max(rec.Version, 1))
}

// findWithRest resolves the longest start of text that names a record,
// and returns the rest: "/term dispute Marketing Qualified Lead the
// threshold is too low". A button's reference, or a name before "=" or
// ":", is taken as it is.
func (h *Handler) findWithRest(ctx context.Context, k kindOps, text string) (signed, string, Response, bool, error) {
	text = strings.TrimSpace(text)
	if strings.HasPrefix(text, refPrefix) {
		ref, rest := splitWord(text)
		rec, resp, ok, err := k.find(ctx, h, ref)
		return rec, rest, resp, ok, err
	}
	for _, sep := range []string{"=", ":"} {
		if head, rest, found := strings.Cut(text, sep); found && cleanName(head) != "" {
			if rec, _, ok, err := k.find(ctx, h, head); ok && err == nil {
				return rec, strings.TrimSpace(rest), Response{}, true, nil
			}
		}
	}
	words := strings.Fields(text)
	for n := len(words) - 1; n >= 1; n-- {
		head := strings.Join(words[:n], " ")
		if utf8.RuneCountInString(head) > max(MaxTermName, MaxPersonaName) {
			continue
		}
		if rec, _, ok, err := k.find(ctx, h, head); err == nil && ok {
			return rec, strings.Join(words[n:], " "), Response{}, true, nil
		} else if err != nil && !isUserError(err) {
			return signed{}, "", Response{}, false, err
		}
	}
	rec, resp, ok, err := k.find(ctx, h, text)
	return rec, "", resp, ok, err
}

func isUserError(err error) bool {
	var ue *UserError
	return errors.As(err, &ue)
}

func (h *Handler) dispute(ctx context.Context, k kindOps, req Request, rest string) (Response, error) {
	usage := fmt.Sprintf("Say which %s and why, e.g. `%s dispute %s`.", k.noun, k.command, map[string]string{
		store.KindTerm: "MQL the score threshold is not what sales agreed", store.KindPersona: "Sally the pains miss price"}[k.kind])
	if strings.TrimSpace(rest) == "" {
		return Response{}, &UserError{Msg: usage}
	}
	rec, reason, resp, ok, err := h.findWithRest(ctx, k, rest)
	if !ok || err != nil {
		return resp, err
	}
	reason = singleLine(reason)
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		return Response{}, &UserError{Msg: fmt.Sprintf("Why do you dispute *%s*? The reason is shown on its card. %s", Escape(rec.name), usage)}
	case n > MaxDisputeReason:
		return Response{}, userErrorf("The reason is at most %d characters (this one has %d).", MaxDisputeReason, n)
	}
	a, err := h.db.SignOff(ctx, rec.ref, store.Signoff{Version: max(rec.Version, 1), User: req.UserID, UserName: singleLine(req.UserName), Dispute: true, Reason: reason}, false, false)
	var stale *store.VersionError
	switch {
	case errors.As(err, &stale):
		return Response{}, userErrorf("*%s* was edited just now; look at the new version and dispute it if it is still wrong.", Escape(rec.name))
	case errors.Is(err, store.ErrNotFound):
		return Response{}, userErrorf("That %s was deleted in the meantime.", k.noun)
	case err != nil:
		return Response{}, err
	}
	rec.Agreement = a
	c, err := k.card(ctx, h, rec.ref.ID, req.UserID)
	if err != nil {
		return Response{}, err
	}
	out := savedNote(fmt.Sprintf(":warning: You disputed *%s*. It stays disputed until it is edited or both sides approve it again.", Escape(rec.name)), c)
	if owner, _ := rec.owner(); owner != req.UserID && store.IsUserID(owner) {
		dm, err := k.card(ctx, h, rec.ref.ID, owner)
		if err != nil {
			return Response{}, err
		}
		note := fmt.Sprintf(":warning: %s disputed the %s *%s*, which you own: “%s”", mention(req.UserID), k.noun, Escape(rec.name), truncateEscaped(reason, 300))
		out.DMs = append(out.DMs, DM{User: owner, Message: savedNote(note, dm)})
	}
	return out, nil
}

// userMention reads a person named in a command: a mention as Slack
// escapes it ("<@U123|ana>", "<@U123>"), or a member ID ("U123", "@U123").
var userMention = regexp.MustCompile(`^(?:<@([UW][A-Z0-9]{2,})(?:\|([^>]*))?>|@?([UW][A-Z0-9]{2,}))$`)

func (h *Handler) setOwner(ctx context.Context, k kindOps, req Request, rest string) (Response, error) {
	usage := fmt.Sprintf("Use `%s owner NAME @someone`, naming who answers for it.", k.command)
	words := strings.Fields(rest)
	if len(words) < 2 {
		return Response{}, &UserError{Msg: usage}
	}
	// The person is the last word (a mention or a member ID), or from the
	// last word starting with "@" on: display names may have spaces.
	owner, ownerName, at := "", "", len(words)-1
	if m := userMention.FindStringSubmatch(words[at]); m != nil {
		owner, ownerName = m[1]+m[3], m[2]
	} else {
		for at = len(words) - 1; at > 0 && !strings.HasPrefix(words[at], "@"); at-- {
		}
		typed := strings.Join(words[at:], " ")
		if at == 0 || !strings.HasPrefix(typed, "@") {
			return Response{}, &UserError{Msg: usage}
		}
		id, found, err := h.users.FindUser(ctx, typed)
		if err != nil {
			return Response{}, err
		}
		if !found {
			return Response{}, userErrorf("I can't tell who *%s* is (nobody, or more than one person, goes by that name). Give their member ID instead (their profile → ⋯ → *Copy member ID*), e.g. `%s owner NAME U0123ABCD`.", truncateEscaped(typed, 80), k.command)
		}
		owner, ownerName = id, strings.TrimPrefix(typed, "@")
	}
	words = words[:at]
	if len(words) == 0 {
		return Response{}, &UserError{Msg: usage}
	}
	rec, resp, ok, err := k.find(ctx, h, strings.Join(words, " "))
	if !ok || err != nil {
		return resp, err
	}
	cur, curName := rec.owner()
	if !h.allowed(PermHandOver, req.UserID, subject{owner: cur, creator: rec.createdBy}) {
		return Response{}, userErrorf("Sorry, only %s (who answers for *%s*) or an admin can hand it over.", byline(cur, curName, false), Escape(rec.name))
	}
	if err := h.db.SetOwner(ctx, rec.ref, actor(owner, ownerName)); errors.Is(err, store.ErrNotFound) {
		return Response{}, userErrorf("That %s was deleted in the meantime.", k.noun)
	} else if err != nil {
		return Response{}, err
	}
	c, err := k.card(ctx, h, rec.ref.ID, req.UserID)
	if err != nil {
		return Response{}, err
	}
	return savedNote(fmt.Sprintf(":bust_in_silhouette: %s now answers for *%s*: they get a DM when it is disputed or due for review.", mention(owner), Escape(rec.name)), c), nil
}

// statusFilters are the words /term list and /persona list filter by.
var statusFilters = map[string][]store.Status{
	"agreed":   {store.StatusAgreed},
	"pending":  {store.StatusDraft, store.StatusWaitingSales, store.StatusWaitingMarketing},
	"disputed": {store.StatusDisputed},
	"due":      {store.StatusDue},
}

// listByStatus is "/term list agreed|pending|disputed|due".
func (h *Handler) listByStatus(ctx context.Context, k kindOps, filter string, shared bool) (Response, error) {
	want, ok := statusFilters[strings.ToLower(filter)]
	if !ok {
		return Response{}, userErrorf("`%s list` filters by `agreed`, `pending`, `disputed` or `due` (e.g. `%s list pending`); `%s list` alone lists everything.", k.command, k.command, k.command)
	}
	all, err := k.all(ctx, h)
	if err != nil {
		return Response{}, err
	}
	var lines []string
	for _, s := range all {
		st := h.standing(s.Agreement)
		for _, w := range want {
			if st.Status == w {
				lines = append(lines, fmt.Sprintf("*%s* — %s", Escape(s.name), h.statusText(s, shared)))
				break
			}
		}
	}
	word := strings.ToLower(filter)
	nouns := k.noun + "s"
	if len(lines) == 0 {
		return textResponse(fmt.Sprintf("No %s %s right now.", word, nouns)), nil
	}
	title := fmt.Sprintf("*%s %s* — %d", strings.ToUpper(word[:1])+word[1:], nouns, len(lines))
	resp := renderGroups(title, []listGroup{{title: statusTitle(word), items: lines, sep: "\n"}}, fmt.Sprintf("Open one with `%s NAME`; `%s review` lists what needs you.", k.command, k.command))
	if !shared {
		resp.Blocks = append(resp.Blocks, shareActions(k.command+" list "+word))
	}
	return resp, nil
}

func statusTitle(filter string) string {
	switch filter {
	case "pending":
		return "Not agreed yet (draft or waiting for a side)"
	case "due":
		return "Agreed longer ago than the review period"
	}
	return strings.ToUpper(filter[:1]) + filter[1:]
}

// maxReviewItems bounds each part of /term review.
const maxReviewItems = 15

// needs is what of one kind needs a user: versions waiting for their
// side (they have not approved), the disputed ones, those due for review.
type needs struct {
	yours, disputed, due []signed
	sales, marketing     bool // the user's sides
}

// needsOf sorts all (of kind k) into what needs user.
func (h *Handler) needsOf(all []signed, user string) needs {
	n := needs{}
	n.sales, n.marketing = h.sides.SideOf(user)
	for _, s := range all {
		st := h.standing(s.Agreement)
		switch st.Status {
		case store.StatusDisputed:
			n.disputed = append(n.disputed, s)
		case store.StatusDue:
			n.due = append(n.due, s)
		case store.StatusDraft, store.StatusWaitingSales, store.StatusWaitingMarketing:
			waitsFor := st.Status == store.StatusDraft ||
				n.sales && st.Status == store.StatusWaitingSales || n.marketing && st.Status == store.StatusWaitingMarketing ||
				n.sales && n.marketing
			if (n.sales || n.marketing) && waitsFor && !s.Approved(user, h.now(), h.reviewEvery) {
				n.yours = append(n.yours, s)
			}
		}
	}
	return n
}

// review is "/term review": what needs the caller — versions waiting for
// their side, the disputed ones and those due for review (theirs first).
func (h *Handler) review(ctx context.Context, k kindOps, req Request) (Response, error) {
	all, err := k.all(ctx, h)
	if err != nil {
		return Response{}, err
	}
	n := h.needsOf(all, req.UserID)
	sales, marketing := n.sales, n.marketing
	lines := func(ss []signed) []string {
		out := make([]string, 0, len(ss))
		for _, s := range ss {
			mine := ""
			if owner, _ := s.owner(); owner == req.UserID {
				mine = " _(yours)_"
			}
			out = append(out, fmt.Sprintf("*%s*%s — %s", Escape(s.name), mine, h.statusText(s, false)))
		}
		return out
	}
	yours, disputed, due := lines(n.yours), lines(n.disputed), lines(n.due)
	var groups []listGroup
	add := func(title string, lines []string, more string) {
		if len(lines) == 0 {
			return
		}
		if len(lines) > maxReviewItems {
			lines = append(lines[:maxReviewItems:maxReviewItems], fmt.Sprintf("…and %d more: `%s`", len(lines)-maxReviewItems, more))
		}
		groups = append(groups, listGroup{title: title, items: lines, sep: "\n"})
	}
	if sales || marketing {
		add(fmt.Sprintf("Waiting for your approval (%s)", sideWords(sales, marketing)), yours, k.command+" list pending")
	}
	add("Disputed", disputed, k.command+" list disputed")
	add("Due for review", due, k.command+" list due")
	if len(groups) == 0 {
		msg := fmt.Sprintf(":tada: Nothing needs you: no %s waits for your side, none is disputed or due for review.", k.noun)
		if !sales && !marketing {
			msg = fmt.Sprintf("Nothing is disputed or due for review. You are on neither side, so no %s waits for your approval.", k.noun)
		}
		return textResponse(msg), nil
	}
	footer := fmt.Sprintf("Approve with `%s approve NAME` or the button on the card; challenge with `%s dispute NAME REASON`.", k.command, k.command)
	if !sales && !marketing {
		footer = fmt.Sprintf("You are on neither side, so you cannot approve; you can still `%s dispute NAME REASON`.", k.command)
	}
	return renderGroups(fmt.Sprintf("*What needs you* — %ss", k.noun), groups, footer), nil
}

// editedDMs are the direct messages owed after an edit made version now of
// rec: to everyone who approved the version before, but the editor.
func (h *Handler) editedDMs(ctx context.Context, k kindOps, rec signed, editor string) ([]DM, error) {
	var dms []DM
	for _, s := range rec.Approvers(rec.Version - 1) {
		if s.User == editor || !store.IsUserID(s.User) {
			continue
		}
		c, err := k.card(ctx, h, rec.ref.ID, s.User)
		if err != nil {
			return nil, err
		}
		note := fmt.Sprintf(":pencil2: %s edited the %s *%s*, whose version %d you approved: version %d needs both sides' approval again.",
			mention(editor), k.noun, Escape(rec.name), rec.Version-1, rec.Version)
		dms = append(dms, DM{User: s.User, Message: savedNote(note, c)})
	}
	return dms, nil
}

// ReviewDue is the direct message to the owner of a term or persona that
// became due for review; ok is false if there is nobody to tell (the
// record is gone, or its owner is not a Slack user).
func (h *Handler) ReviewDue(ctx context.Context, r store.DueReview) (msg Response, user string, ok bool, err error) {
	if !store.IsUserID(r.Owner) {
		return Response{}, "", false, nil
	}
	k := opsOf(r.Kind)
	c, err := k.card(ctx, h, r.ID, r.Owner)
	if isUserError(err) || errors.Is(err, store.ErrNotFound) {
		return Response{}, "", false, nil
	}
	if err != nil {
		return Response{}, "", false, err
	}
	note := fmt.Sprintf(":hourglass: The %s *%s*, which you own, was agreed on %s and is due for review (every %s). Check it still holds and ask both sides to approve it again: `%s review` lists what is due.",
		k.noun, Escape(r.Name), h.date(r.AgreedAt), formatDays(h.reviewEvery), k.command)
	return savedNote(note, c), r.Owner, true, nil
}

// formatDays shows a review period: "90 days", or hours below a day.
func formatDays(d time.Duration) string {
	if d < 24*time.Hour || d%(24*time.Hour) != 0 {
		s := d.String() // "36h0m0s", "1h30m0s"
		if strings.HasSuffix(s, "m0s") {
			s = strings.TrimSuffix(s, "0s")
		}
		if strings.HasSuffix(s, "h0m") {
			s = strings.TrimSuffix(s, "0m")
		}
		return s
	}
	n := int(d / (24 * time.Hour))
	return fmt.Sprintf("%d day%s", n, plural(n))
}

// signoffLines are the approvals and disputes of version v, for history.
func (h *Handler) signoffLines(a store.Agreement, v int, shared bool) string {
	const shown = 8
	var parts []string
	n := 0
	for _, s := range a.Signoffs {
		if s.Version != v {
			continue
		}
		n++
		if n > shown {
			continue
		}
		who := byline(s.User, s.UserName, shared)
		if s.Dispute {
			parts = append(parts, fmt.Sprintf(":warning: disputed by %s on %s: “%s”", who, h.date(s.At), truncateEscaped(s.Reason, 200)))
		} else {
			parts = append(parts, fmt.Sprintf(":white_check_mark: approved by %s (%s) on %s", who, s.Side, h.date(s.At)))
		}
	}
	if n > shown {
		parts = append(parts, fmt.Sprintf("…and %d more", n-shown))
	}
	return strings.Join(parts, "  ·  ")
}

// statusCounts counts records by the status filters, for the recap.
func (h *Handler) statusCounts(all []signed) (agreed, pending, disputed, due int) {
	for _, s := range all {
		switch h.standing(s.Agreement).Status {
		case store.StatusAgreed:
			agreed++
		case store.StatusDisputed:
			disputed++
		case store.StatusDue:
			due++
		default:
			pending++
		}
	}
	return agreed, pending, disputed, due
}
