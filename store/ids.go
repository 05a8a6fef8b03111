package store

import "regexp"

// The shapes of Slack's identifiers. Text built into Slack markup
// (<#C…>, <@U…>, links to messages) uses only values of these shapes, so
// that a stored value can never carry markup of its own.
var (
	channelID = regexp.MustCompile(`^[CGD][A-Z0-9]{2,40}$`)
	messageTS = regexp.MustCompile(`^[0-9]{10}\.[0-9]{6}$`)
	subteamID = regexp.MustCompile(`^S[A-Z0-9]{2,40}$`)
)

// IsChannelID reports whether s is a Slack conversation ID: a public
// (C…) or private (G…) channel, or a direct message (D…).
func IsChannelID(s string) bool { return channelID.MatchString(s) }

// IsMessageTS reports whether s is a Slack message timestamp, the
// message's ID in its channel: ten digits, a dot, six digits
// (1234567890.123456).
func IsMessageTS(s string) bool { return messageTS.MatchString(s) }

// IsSubteamID reports whether s is a Slack user group ID (S…).
func IsSubteamID(s string) bool { return subteamID.MatchString(s) }
