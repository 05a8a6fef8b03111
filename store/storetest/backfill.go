package storetest

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"smarketing/store"
)

// OldLead is a lead as a database made before the lead loop's migration
// holds it (no source, no campaign), for a backend's test of the backfill
// at Open: the backend writes OldLeads with its own SQL, opens the store
// with [BackfillLog]'s logger and calls [CheckBackfill].
type OldLead struct {
	ID               int64
	TS               string
	Text, PostedBy   string
	Status           string // "lead" or "unverified"
	PostedAt         int64  // Unix nanoseconds
	Source, Campaign string // what the store holds after the backfill
}

// OldLeads are 1,203 leads (more than one chunk of the backfill) of three
// kinds, whose origin OriginOf finds in their text or poster, and one
// unverified message, which keeps no source until it is verified.
func OldLeads() []OldLead {
	var out []OldLead
	for i := range 1203 {
		l := OldLead{ID: int64(i + 1), TS: tsAt(Start, i), Status: "lead", PostedAt: Start.Add(time.Duration(i) * time.Microsecond).UnixNano()}
		switch i % 3 {
		case 0:
			l.Text, l.PostedBy, l.Source = "New lead\nSource: Webinar", "HubSpot", "Webinar"
		case 1:
			l.Text, l.PostedBy, l.Source = "New lead", "HubSpot", "HubSpot"
		default:
			l.Text, l.PostedBy, l.Source, l.Campaign = "Campaign: spring", "UMKT", store.ManualSource, "spring"
		}
		out = append(out, l)
	}
	return append(out, OldLead{ID: 2000, TS: tsAt(Start, 2000), Status: "unverified", PostedAt: Start.Add(2000 * time.Microsecond).UnixNano()})
}

// BackfillLog returns a logger for the store a backfill test opens, and
// what it logged so far.
func BackfillLog() (*slog.Logger, func() string) {
	var mu sync.Mutex
	var buf bytes.Buffer
	w := writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	})
	return slog.New(slog.NewTextHandler(w, nil)), func() string {
		mu.Lock()
		defer mu.Unlock()
		return buf.String()
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// CheckBackfill checks that s, opened on the leads of OldLeads, gave each
// lead its origin and logged how many it filled in.
func CheckBackfill(tb testing.TB, s store.Store, leads []OldLead, logged string) {
	tb.Helper()
	n := 0
	for _, want := range leads {
		var got store.Lead
		if want.Status == "lead" {
			n++
			l, err := s.LeadByID(ctx, want.ID)
			if err != nil {
				tb.Fatalf("LeadByID(%d): %v", want.ID, err)
			}
			got = l
		} else {
			un, err := s.UnverifiedLeads(ctx)
			if err != nil || len(un) != 1 {
				tb.Fatalf("UnverifiedLeads = %+v, %v", un, err)
			}
			got = un[0]
		}
		if got.Source != want.Source || got.Campaign != want.Campaign {
			tb.Fatalf("lead %d (%q by %s) after the backfill: %q/%q, want %q/%q", want.ID, want.Text, want.PostedBy,
				got.Source, got.Campaign, want.Source, want.Campaign)
		}
	}
	if want := fmt.Sprintf("leads=%d", n); !strings.Contains(logged, "lead origins backfilled") || !strings.Contains(logged, want) {
		tb.Fatalf("the store logged %q, want the backfill of %s", logged, want)
	}
}
