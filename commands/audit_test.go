package commands

import (
	"context"
	"testing"
)

// TestShareNeverWrites: a Share button carries a read-only command line,
// but its value comes back from the client and can be any line. Shared,
// a line that would change something changes nothing, even for an admin
// (who may make every change it names), and nothing it answers is a
// confirmation of a change posted to the channel.
func TestShareNeverWrites(t *testing.T) {
	ctx := context.Background()
	for _, line := range []string{
		"/sla set leads 40",
		"/sla set good 70%",
		"/metrics set website-visits 4210",
		"/term add MQX = a lead",
		"/persona add Sally = a buyer",
		"/meeting add \"Pipeline\" every tue at 10:00 C0123ABCD",
		"/meeting action 1 me Send the deck",
		"/meeting decide 1 Weekly",
		"/insight customers ask for Salesforce",
	} {
		t.Run(line, func(t *testing.T) {
			h, db := newHandler(t)
			_, _ = h.Act(ctx, Action{ActionID: ActionShare, Value: line, UserID: "UADMIN", UserName: "Admin", ChannelID: "CCHAN"})
			if ts, err := db.SLATargets(ctx); err != nil || len(ts) != 0 {
				t.Errorf("SLA targets after a shared %q: %+v, %v", line, ts, err)
			}
			if ms, err := db.Meetings(ctx); err != nil || len(ms) != 0 {
				t.Errorf("meetings after a shared %q: %d, %v", line, len(ms), err)
			}
			if ts, err := db.Terms(ctx); err != nil || len(ts) != 0 {
				t.Errorf("terms after a shared %q: %d, %v", line, len(ts), err)
			}
			if ps, err := db.Personas(ctx); err != nil || len(ps) != 0 {
				t.Errorf("personas after a shared %q: %d, %v", line, len(ps), err)
			}
		})
	}
}
