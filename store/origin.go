package store

import (
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Origin is where a lead came from: its source (a form, a campaign tool,
// an event…) and its campaign.
type Origin struct{ Source, Campaign string }

// ManualSource is the source of a lead posted by a person with no source
// given.
const ManualSource = "manual"

// MaxOriginLen is the longest source or campaign kept, in characters.
const MaxOriginLen = 80

var (
	// originLine is a "Source: X" or "Campaign: Y" line, the label
	// perhaps in bold or italics (integrations format their posts) or a
	// list item.
	originLine = regexp.MustCompile(`(?im)^[\s>•*_-]*(source|campaign)[*_]*\s*:[*_]*[ \t]*(.*)$`)
	// utmParam is a utm_source= or utm_campaign= parameter of a URL.
	utmParam = regexp.MustCompile(`(?i)[?&](?:amp;)?utm_(source|campaign)=([^&\s<>|#]*)`)
)

// LeadOrigin finds a lead's source and campaign by SPEC §9, each on its
// own: the message's metadata (meta, from event_payload) first, then a
// "Source:"/"Campaign:" line of text or a utm_source/utm_campaign
// parameter in a URL of it, then, for the source, integration (the name
// of the app or integration that posted it; "" for a person), then
// [ManualSource]. A lead with no campaign has Campaign "". Values are
// trimmed, their spaces collapsed, cut at [MaxOriginLen] characters, and
// kept as written otherwise.
func LeadOrigin(meta Origin, text, integration string) Origin {
	var line, utm Origin
	for _, m := range originLine.FindAllStringSubmatch(text, -1) {
		v := clean(unlink(strings.Trim(m[2], "*_ \t")))
		if strings.EqualFold(m[1], "source") && line.Source == "" {
			line.Source = v
		} else if strings.EqualFold(m[1], "campaign") && line.Campaign == "" {
			line.Campaign = v
		}
	}
	for _, m := range utmParam.FindAllStringSubmatch(text, -1) {
		v, err := url.QueryUnescape(m[2])
		if err != nil {
			v = m[2]
		}
		v = clean(v)
		if strings.EqualFold(m[1], "source") && utm.Source == "" {
			utm.Source = v
		} else if strings.EqualFold(m[1], "campaign") && utm.Campaign == "" {
			utm.Campaign = v
		}
	}
	return Origin{
		Source:   first(clean(meta.Source), line.Source, utm.Source, clean(integration), ManualSource),
		Campaign: first(clean(meta.Campaign), line.Campaign, utm.Campaign),
	}
}

// OriginOf returns the origin of a lead recorded before sources were
// kept, or imported without them: from its text and who posted it (a
// user ID is a person; anything else names an integration).
func OriginOf(text, postedBy string) Origin {
	integration := postedBy
	if IsUserID(postedBy) {
		integration = ""
	}
	return LeadOrigin(Origin{}, text, integration)
}

// KeptOrigin returns the origin the store keeps for a lead whose source
// and campaign are o (found by [LeadOrigin], or read from an import),
// whose text is text and who posted it postedBy: o's values cleaned as
// LeadOrigin cleans what it finds, and, when o has no source (an event
// or a record that gives none, an export made before sources were kept),
// the source [OriginOf] finds, with its campaign unless o names one. Its
// Source is never "". The backends store every lead's origin through it,
// so that the rule holds in one place.
func KeptOrigin(o Origin, text, postedBy string) Origin {
	o = Origin{Source: clean(o.Source), Campaign: clean(o.Campaign)}
	if o.Source == "" {
		found := OriginOf(text, postedBy)
		o.Source, o.Campaign = found.Source, first(o.Campaign, found.Campaign)
	}
	return o
}

// slackLink is a link as Slack writes it in text: <URL> or <URL|label>.
var slackLink = regexp.MustCompile(`^<([^|>]*)(?:\|([^>]*))?>$`)

// unlink returns the label of a Slack link (its URL if it has none), or s.
func unlink(s string) string {
	m := slackLink.FindStringSubmatch(s)
	switch {
	case m == nil:
		return s
	case m[2] != "":
		return m[2]
	}
	return m[1]
}

var userID = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)

// IsUserID reports whether s is a Slack user ID (U… or W…).
func IsUserID(s string) bool { return userID.MatchString(s) }

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// clean makes an origin value storable: valid UTF-8 without NUL or
// control characters, spaces collapsed, at most MaxOriginLen characters.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > MaxOriginLen {
		s = string([]rune(s)[:MaxOriginLen])
	}
	return strings.TrimSpace(s)
}
