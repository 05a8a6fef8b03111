package commands

import (
	"context"
	"fmt"
	"strings"
)

// Who may do what: one table, [Permissions], that the slash commands, the
// buttons, the forms and the reaction events all consult through
// [Handler.may], so that no path a change can take has rules of its own.

// Perm is something a user may or may not do: one row of [Permissions].
type Perm string

// The permissions, in the order of [Permissions].
const (
	PermRate          Perm = "rate a lead"
	PermReason        Perm = "say why a lead is poor"
	PermSetMetric     Perm = "set a marketing metric"
	PermApprove       Perm = "approve a term or persona"
	PermDispute       Perm = "dispute a term or persona"
	PermEditTerm      Perm = "add or edit a term"
	PermEditPersona   Perm = "add or edit a persona"
	PermDeleteTerm    Perm = "delete a term"
	PermDeletePersona Perm = "delete a persona"
	PermHandOver      Perm = "hand a term or persona over to a new owner"
	PermAddMeeting    Perm = "schedule a meeting"
	PermDeleteMeeting Perm = "delete a meeting"
	PermSkipMeeting   Perm = "skip or unskip an occurrence of a meeting"
	PermAgenda        Perm = "add to a meeting's agenda"
	PermAddAction     Perm = "give someone an action item"
	PermCloseAction   Perm = "close an action item"
	PermSetSLA        Perm = "change the SLA targets"
)

// Who is a set of roles, for [Permission.May].
type Who uint16

// The roles. Admins are Options.Admins; the sides are Options.Sides; the
// others depend on the record acted on ([subject]).
const (
	Anyone        Who = 1 << iota // everyone
	Admins                        // SMARKETING_ADMINS
	Creator                       // who added the record
	Owner                         // whom the record is assigned to (an action's or a term's owner)
	SalesSide                     // SMARKETING_SALES
	MarketingSide                 // SMARKETING_MARKETING
	ChannelMember                 // a member of the record's channel (conversations.members)
)

// Side names one side, for [Permission.OpenWithout].
type Side uint8

// The sides.
const (
	NoSide Side = iota
	Sales
	Marketing
)

// Path is a way a request reaches the handler.
type Path string

// The paths.
const (
	PathSlash    Path = "slash command"
	PathButton   Path = "button"
	PathForm     Path = "form"
	PathReaction Path = "reaction"
)

// Permission is one row of the table: who may do something, on which paths.
type Permission struct {
	Perm Perm
	May  Who // who may; with Anyone, everyone
	// OpenWithout lifts the restriction to a side while that side is not
	// configured: then anyone may (the side's variable is unset).
	OpenWithout Side
	// NotPoster refuses the lead's own poster, whoever else they are.
	NotPoster bool
	Paths     []Path // every path the action can take (the test matrix drives each)
	// Says is who may, in words, as refusals and the README put it.
	Says string
}

// Permissions is the table. Rows open to anyone are listed too, so that the
// table says everything about who may do what, and the tests check them.
var Permissions = []Permission{
	{Perm: PermRate, May: SalesSide, OpenWithout: Sales, NotPoster: true, Paths: []Path{PathReaction, PathButton},
		Says: "the sales side (`SMARKETING_SALES`; anyone while it is unset), never the lead's own poster"},
	{Perm: PermReason, May: SalesSide, OpenWithout: Sales, NotPoster: true, Paths: []Path{PathButton, PathForm},
		Says: "whoever may rate the lead"},
	{Perm: PermSetMetric, May: MarketingSide | Admins, OpenWithout: Marketing, Paths: []Path{PathSlash},
		Says: "the marketing side (`SMARKETING_MARKETING`) and admins; anyone while it is unset"},
	{Perm: PermApprove, May: SalesSide | MarketingSide, Paths: []Path{PathSlash, PathButton},
		Says: "people on the sales or the marketing side, for their side"},
	{Perm: PermDispute, May: Anyone, Paths: []Path{PathSlash}, Says: "anyone"},
	{Perm: PermEditTerm, May: Anyone, Paths: []Path{PathSlash, PathForm}, Says: "anyone (every version is kept)"},
	{Perm: PermEditPersona, May: Anyone, Paths: []Path{PathSlash, PathForm}, Says: "anyone (every version is kept)"},
	{Perm: PermDeleteTerm, May: Creator | Admins, Paths: []Path{PathSlash, PathButton}, Says: "who added it, or an admin"},
	{Perm: PermDeletePersona, May: Creator | Admins, Paths: []Path{PathSlash}, Says: "who added it, or an admin"},
	{Perm: PermHandOver, May: Owner | Creator | Admins, Paths: []Path{PathSlash}, Says: "its owner, who added it, or an admin"},
	{Perm: PermAddMeeting, May: ChannelMember, Paths: []Path{PathSlash, PathForm},
		Says: "a member of the meeting's channel (admins too)"},
	{Perm: PermDeleteMeeting, May: Creator | Admins, Paths: []Path{PathSlash}, Says: "who scheduled it, or an admin"},
	{Perm: PermSkipMeeting, May: Creator | Admins, Paths: []Path{PathSlash}, Says: "who scheduled it, or an admin"},
	{Perm: PermAgenda, May: Anyone, Paths: []Path{PathSlash}, Says: "anyone"},
	{Perm: PermAddAction, May: Anyone, Paths: []Path{PathSlash}, Says: "anyone (the owner's DM counts against the sender's hourly limit)"},
	{Perm: PermCloseAction, May: Owner | Creator | Admins, Paths: []Path{PathSlash, PathButton}, Says: "its owner, who gave it, or an admin"},
	{Perm: PermSetSLA, May: Admins, Paths: []Path{PathSlash}, Says: "admins (`SMARKETING_ADMINS`)"},
}

// permission returns the row of p; every Perm has one (a test checks).
func permission(p Perm) Permission {
	for _, row := range Permissions {
		if row.Perm == p {
			return row
		}
	}
	panic(fmt.Sprintf("commands: no permission %q in the table", p))
}

// subject is the record an action is on, as far as the rules need it.
type subject struct {
	creator string // who added it
	owner   string // whom it is assigned to
	poster  string // who posted the lead
	channel string // its channel, for ChannelMember
}

// may reports whether user may do p on s. Only ChannelMember asks Slack
// (through Options.Members); an error is returned only from that, wrapping
// [ErrChannelHidden] when the bot cannot see the channel's members.
func (h *Handler) may(ctx context.Context, p Perm, user string, s subject) (bool, error) {
	row := permission(p)
	if user == "" || row.NotPoster && s.poster == user {
		return false, nil
	}
	sales, marketing := h.sides.SideOf(user)
	salesSet, marketingSet := h.sides.Configured()
	switch {
	case row.May&Anyone != 0,
		row.OpenWithout == Sales && !salesSet,
		row.OpenWithout == Marketing && !marketingSet,
		row.May&Admins != 0 && h.IsAdmin(user),
		row.May&Creator != 0 && s.creator == user,
		row.May&Owner != 0 && s.owner == user,
		row.May&SalesSide != 0 && sales,
		row.May&MarketingSide != 0 && marketing:
		return true, nil
	case row.May&ChannelMember != 0:
		if s.channel == "" {
			return false, nil
		}
		return h.members.IsMember(ctx, s.channel, user)
	}
	return false, nil
}

// allowed is may for a permission that never asks Slack (no
// ChannelMember in its row).
func (h *Handler) allowed(p Perm, user string, s subject) bool {
	ok, _ := h.may(context.Background(), p, user, s)
	return ok
}

// salesRates reports whether only the sales side rates (SMARKETING_SALES
// is set).
func (h *Handler) salesRates() bool {
	sales, _ := h.sides.Configured()
	return sales
}

// ratingRefusal says why user's rating of the lead posted by poster does not
// count, or ok is false if it does: the note a refused reaction gets, and
// the answer to a refused click.
func (h *Handler) ratingRefusal(user, poster string) (msg string, ok bool) {
	if h.allowed(PermRate, user, subject{poster: poster}) {
		return "", false
	}
	if user == poster {
		who := "someone else"
		if h.salesRates() {
			who = "the sales side"
		}
		return fmt.Sprintf(":information_source: You posted this lead, so your rating of it does not count: the verdict on a lead is for %s to give, not for whoever posted it. Nothing was recorded.", who), true
	}
	return ":information_source: Only the sales side rates leads (`SMARKETING_SALES`), so your rating of this lead does not count: it is in none of the figures (`/leads`, the recap, the SLA). " +
		"If you are in sales, ask an admin to add you.", true
}

// PermissionTable renders the table as Markdown, for the README: who may
// do what, and on which paths.
func PermissionTable() string {
	var b strings.Builder
	b.WriteString("| Action | Who may | Paths |\n|---|---|---|\n")
	for _, row := range Permissions {
		paths := make([]string, len(row.Paths))
		for i, p := range row.Paths {
			paths[i] = string(p)
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", row.Perm, row.Says, strings.Join(paths, ", "))
	}
	return b.String()
}
