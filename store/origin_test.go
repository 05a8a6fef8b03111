package store_test

import (
	"strings"
	"testing"
	"time"

	"smarketing/store"
)

func TestLeadOrigin(t *testing.T) {
	long := strings.Repeat("x", 100)
	tests := []struct {
		name        string
		meta        store.Origin
		text        string
		integration string
		want        store.Origin
	}{
		{"metadata wins", store.Origin{Source: "HubSpot form", Campaign: "Q4"}, "Source: Webinar\nCampaign: spring", "Zapier",
			store.Origin{Source: "HubSpot form", Campaign: "Q4"}},
		{"each on its own", store.Origin{Source: "HubSpot form"}, "Source: Webinar\nCampaign: spring", "",
			store.Origin{Source: "HubSpot form", Campaign: "spring"}},
		{"source line", store.Origin{}, "New lead\nSource: Webinar\nName: Ann", "", store.Origin{Source: "Webinar"}},
		{"bold label", store.Origin{}, "*Source:* Webinar", "", store.Origin{Source: "Webinar"}},
		{"bold label and value", store.Origin{}, "*Source:* *Webinar*", "", store.Origin{Source: "Webinar"}},
		{"italic, list item", store.Origin{}, "• _Source_: Referral", "", store.Origin{Source: "Referral"}},
		{"case-insensitive", store.Origin{}, "SOURCE: Trade show\ncampaign: q4-launch", "", store.Origin{Source: "Trade show", Campaign: "q4-launch"}},
		{"campaign line only", store.Origin{}, "campaign: q4-launch", "", store.Origin{Source: store.ManualSource, Campaign: "q4-launch"}},
		{"the first line of each", store.Origin{}, "Source: A\nSource: B", "", store.Origin{Source: "A"}},
		{"utm parameters", store.Origin{}, "New lead <https://x.com/?utm_source=linkedin&utm_campaign=q4%20launch|Form>", "HubSpot",
			store.Origin{Source: "linkedin", Campaign: "q4 launch"}},
		{"utm after &amp;", store.Origin{}, "<https://x.com/?a=1&amp;utm_campaign=spring|x>", "", store.Origin{Source: store.ManualSource, Campaign: "spring"}},
		{"a line beats utm", store.Origin{}, "Source: Webinar\n<https://x.com/?utm_source=linkedin|x>", "", store.Origin{Source: "Webinar"}},
		{"integration name", store.Origin{}, "A new lead", "HubSpot", store.Origin{Source: "HubSpot"}},
		{"manual", store.Origin{}, "A new lead", "", store.Origin{Source: store.ManualSource}},
		{"an empty line is none", store.Origin{}, "Source:\nCampaign: x", "Zapier", store.Origin{Source: "Zapier", Campaign: "x"}},
		{"cut at MaxOriginLen", store.Origin{}, "Source: " + long, "", store.Origin{Source: long[:store.MaxOriginLen]}},
		{"long integration name", store.Origin{}, "x", long, store.Origin{Source: long[:store.MaxOriginLen]}},
		{"control characters", store.Origin{Source: "Web\x00\tform\n", Campaign: "\x7fq1"}, "", "", store.Origin{Source: "Web form", Campaign: "q1"}},
		{"invalid UTF-8", store.Origin{}, "Source: Web\xffform", "", store.Origin{Source: "Web\uFFFDform"}},
		{"spaces collapsed", store.Origin{}, "Source:   Big   Event  ", "", store.Origin{Source: "Big Event"}},
		{"a link's label", store.Origin{}, "Source: <https://a.b|Web form>", "", store.Origin{Source: "Web form"}},
		{"a link without a label", store.Origin{}, "Source: <https://a.b>", "", store.Origin{Source: "https://a.b"}},
		{"metadata of spaces is none", store.Origin{Source: "  "}, "Source: Webinar", "", store.Origin{Source: "Webinar"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := store.LeadOrigin(tc.meta, tc.text, tc.integration); got != tc.want {
				t.Fatalf("LeadOrigin(%+v, %q, %q) = %+v, want %+v", tc.meta, tc.text, tc.integration, got, tc.want)
			}
		})
	}
}

func TestOriginOf(t *testing.T) {
	tests := []struct {
		text, postedBy string
		want           store.Origin
	}{
		{"A new lead", "UMKT", store.Origin{Source: store.ManualSource}},     // a user ID: a person
		{"A new lead", "W0123ABC", store.Origin{Source: store.ManualSource}}, // an Enterprise Grid user
		{"A new lead", "HubSpot", store.Origin{Source: "HubSpot"}},           // an integration's name
		{"A new lead", "Unbounce", store.Origin{Source: "Unbounce"}},         // a name, though it starts with U
		{"Source: Webinar", "HubSpot", store.Origin{Source: "Webinar"}},
		{"Campaign: spring", "UMKT", store.Origin{Source: store.ManualSource, Campaign: "spring"}},
		{"A new lead", "", store.Origin{Source: store.ManualSource}},
	}
	for _, tc := range tests {
		if got := store.OriginOf(tc.text, tc.postedBy); got != tc.want {
			t.Errorf("OriginOf(%q, %q) = %+v, want %+v", tc.text, tc.postedBy, got, tc.want)
		}
	}
}

func TestKeptOrigin(t *testing.T) {
	tests := []struct {
		name           string
		given          store.Origin
		text, postedBy string
		want           store.Origin
	}{
		{"given, cleaned", store.Origin{Source: " Webinar\t", Campaign: "q4\x00"}, "Source: other", "UMKT", store.Origin{Source: "Webinar", Campaign: "q4"}},
		{"no source: found", store.Origin{}, "Source: Webinar\nCampaign: spring", "UMKT", store.Origin{Source: "Webinar", Campaign: "spring"}},
		{"no source, a campaign given", store.Origin{Campaign: "given"}, "Campaign: spring", "HubSpot", store.Origin{Source: "HubSpot", Campaign: "given"}},
		{"a source of spaces is none", store.Origin{Source: " \n "}, "x", "UMKT", store.Origin{Source: store.ManualSource}},
	}
	for _, tc := range tests {
		got := store.KeptOrigin(tc.given, tc.text, tc.postedBy)
		if got != tc.want {
			t.Errorf("%s: KeptOrigin(%+v, %q, %q) = %+v, want %+v", tc.name, tc.given, tc.text, tc.postedBy, got, tc.want)
		}
		// What is kept is kept as it is: an export imports unchanged.
		if again := store.KeptOrigin(got, tc.text, tc.postedBy); again != got {
			t.Errorf("%s: KeptOrigin of %+v = %+v, want it unchanged", tc.name, got, again)
		}
	}
}

// A record of an export made before sources were kept is stored with the
// origin found, and then is the same as what is stored.
func TestLeadRecordAsStored(t *testing.T) {
	r := store.LeadRecord{Channel: "CL", TS: "1764000000.000100", Text: "Source: Webinar", PostedBy: "UMKT"}
	got := r.AsStored()
	if got.Source != "Webinar" || got.Campaign != "" || !got.PostedAt.Equal(time.Unix(1764000000, 100_000)) {
		t.Fatalf("AsStored = %+v", got)
	}
	if !store.SameLead(got, r.AsStored()) {
		t.Error("SameLead(stored, the same record) = false")
	}
	other := r
	other.Campaign = "spring"
	if store.SameLead(got, other.AsStored()) {
		t.Error("SameLead with another campaign = true")
	}
	other = r
	other.Source = "LinkedIn"
	if store.SameLead(got, other.AsStored()) {
		t.Error("SameLead with another source = true")
	}
}
