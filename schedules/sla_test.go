package schedules

import (
	"context"
	"fmt"
	"testing"
	"time"

	"smarketing/commands"
	"smarketing/schedules/businesshours"
	"smarketing/store"
	"smarketing/store/storetest"
)

// TestNudgesOnBusinessHours: with mon-fri 09:00-17:30 and a 4h SLA, a lead
// posted Friday 17:00 has 30 minutes of SLA time on Friday, so its
// reminder is due Monday 12:30 and its escalation (8h) Monday 16:30 —
// worked out by hand; each goes out once, at that time and not before.
func TestNudgesOnBusinessHours(t *testing.T) {
	ctx := context.Background()
	hours, err := businesshours.Parse("mon-fri 09:00-17:30", time.UTC, businesshours.Holidays{})
	if err != nil {
		t.Fatal(err)
	}
	fri := time.Date(2026, 11, 27, 17, 0, 0, 0, time.UTC)
	db := storetest.Open(t, fri)
	lead := store.Lead{Channel: "CLEADS", TS: fmt.Sprintf("%d.000100", fri.Unix()), Text: "A lead", PostedBy: "UMKT", PostedAt: fri.Add(100 * time.Microsecond)}
	if _, err := db.Record(ctx, store.Event{ID: "Ev1", Lead: &lead}); err != nil {
		t.Fatal(err)
	}
	sla := store.SLA{Within: 4 * time.Hour, Clock: hours}
	mon := func(h, m int) time.Time { return time.Date(2026, 11, 30, h, m, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name string
		job  func(Nudges, store.SLA) *Nudges
		due  time.Time
		kind string
	}{
		{"reminder", SLAReminders, mon(12, 30), store.SLAReminderPrefix},
		{"escalation", Escalations, mon(16, 30), store.EscalationPrefix},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &markPoster{}
			j := tc.job(Nudges{Store: db, Once: Once{Store: db, Owner: "a"}, Poster: p, Message: commands.Response{Text: tc.name}}, sla)
			next, err := j.Next(ctx, fri.Add(time.Minute))
			if err != nil || !next.Equal(tc.due.Add(100*time.Microsecond)) {
				t.Fatalf("Next = %v, %v; want %v", next, err, tc.due)
			}
			if err := j.Run(ctx, tc.due.Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
			if calls, _, _ := p.counts(); calls != 0 {
				t.Fatalf("posted a minute early (%d posts)", calls)
			}
			for i := 0; i < 2; i++ {
				if err := j.Run(ctx, tc.due.Add(time.Second+time.Duration(i)*time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
			if calls, _, _ := p.counts(); calls != 1 || p.posts[0].threadTS != lead.TS || p.posts[0].key[:len(tc.kind)] != tc.kind {
				t.Fatalf("%d posts (%+v), want one in the lead's thread marked %s…", calls, p.posts, tc.kind)
			}
		})
	}
}
