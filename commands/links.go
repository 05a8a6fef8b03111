package commands

import (
	"regexp"
	"strings"

	"smarketing/store"
)

// The markup the bot builds itself: links to messages and mentions of
// users, channels and user groups. Each is made only from parts of Slack's
// ID shapes (store.IsChannelID, store.IsMessageTS, store.IsUserID,
// store.IsSubteamID) and the workspace URL, and every label is escaped;
// a part of any other shape gives escaped text and no markup. So no stored
// value (a lead's channel, an imported insight's ts, a name) can become a
// mention, a <!channel> or a link with a label that lies about where it
// goes, whatever the database holds.

// workspaceBase is a workspace URL the links may start with: https, a
// host name and perhaps a port, nothing that could end the link early.
var workspaceBase = regexp.MustCompile(`^https://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?$`)

// linkBase is the workspace URL without its final slash, or
// https://slack.com (which sends the reader on to their workspace) when
// none is configured or it is not of the expected shape.
func (h *Handler) linkBase() string {
	base := strings.TrimSuffix(h.workspaceURL, "/")
	if !workspaceBase.MatchString(base) {
		return "https://slack.com"
	}
	return base
}

// messageURL is the permalink of the message ts in channel; ok is false,
// and there is no URL, unless both have Slack's shape.
func (h *Handler) messageURL(channel, ts string) (url string, ok bool) {
	if !store.IsChannelID(channel) || !store.IsMessageTS(ts) {
		return "", false
	}
	return h.linkBase() + "/archives/" + channel + "/p" + strings.ReplaceAll(ts, ".", ""), true
}

// messageLink links to the message ts in channel with label (user text:
// escaped, at most n characters): "<URL|label>", or only the escaped label
// when channel or ts is not of Slack's shape.
func (h *Handler) messageLink(channel, ts, label string, n int) string {
	text := linkLabel(label, n)
	url, ok := h.messageURL(channel, ts)
	if !ok {
		return text
	}
	return "<" + url + "|" + text + ">"
}

// linkLabel is s escaped for the label of a link, at most n characters:
// a "|" becomes "∣" as well, so no label reads as a second part of the
// link, and an empty label becomes "message".
func linkLabel(s string, n int) string {
	if strings.TrimSpace(s) == "" {
		s = "message"
	}
	return truncateEscaped(strings.ReplaceAll(s, "|", "∣"), n)
}

// permalinkPath is the part of a stored permalink that names the message:
// /archives/CHANNEL/pSECONDSMICROS.
var permalinkPath = regexp.MustCompile(`^https://[^/<>|\s]+/archives/([^/<>|\s]+)/p([0-9]{10})([0-9]{6})$`)

// permalinkRef reads the channel and ts out of a stored permalink (an
// agenda item's link); ok is false for anything that is not a link to a
// message of Slack's shape.
func permalinkRef(link string) (channel, ts string, ok bool) {
	m := permalinkPath.FindStringSubmatch(link)
	if m == nil || !store.IsChannelID(m[1]) {
		return "", "", false
	}
	return m[1], m[2] + "." + m[3], true
}

// permalinkLink links to the message a stored permalink names, rebuilt
// from its channel and ts on this workspace's URL (so a stored link to
// another site is never shown as a link to a message); "" and false for
// a link that names no message.
func (h *Handler) permalinkLink(link, label string) (string, bool) {
	channel, ts, ok := permalinkRef(link)
	if !ok {
		return "", false
	}
	return h.messageLink(channel, ts, label, 80), true
}

// channelRef links to a channel by ID ("<#C123>", which Slack shows as its
// name and notifies nobody); anything that is not a channel ID is shown as
// code text.
func channelRef(id string) string {
	if store.IsChannelID(id) {
		return "<#" + id + ">"
	}
	return "`" + codeText(id, 40) + "`"
}

// mention names a Slack user (store.IsUserID) with a mention, "<@U…>";
// authors imported from files may be plain names instead, shown as
// "someone".
func mention(userID string) string {
	if !store.IsUserID(userID) {
		return "someone"
	}
	return "<@" + userID + ">"
}

// groupMention mentions a user (U…, W…) or a user group (S…) on purpose,
// "<@U…>" or "<!subteam^S…>"; "" for anything else.
func groupMention(id string) string {
	switch {
	case store.IsSubteamID(id):
		return "<!subteam^" + id + ">"
	case store.IsUserID(id):
		return "<@" + id + ">"
	}
	return ""
}
