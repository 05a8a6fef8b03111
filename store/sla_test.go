package store_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"smarketing/store"
)

// halfSpeed is an SLA clock that runs at half the wall clock's speed.
type halfSpeed struct{}

func (halfSpeed) Add(t time.Time, d time.Duration) time.Time { return t.Add(2 * d) }
func (halfSpeed) Between(from, to time.Time) time.Duration {
	return max(to.Sub(from), 0) / 2
}

func TestSLAOnTheWallClock(t *testing.T) {
	posted := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	sla := store.SLA{Within: 4 * time.Hour}
	if got := sla.Due(posted); !got.Equal(posted.Add(4 * time.Hour)) {
		t.Errorf("Due = %v", got)
	}
	for _, tc := range []struct {
		first time.Time
		met   bool
		took  time.Duration
	}{
		{posted.Add(4 * time.Hour), true, 4 * time.Hour},
		{posted.Add(4*time.Hour + time.Nanosecond), false, 4*time.Hour + time.Nanosecond},
		{posted.Add(-time.Hour), true, 0}, // a rating before the post (a late event): no time
		{posted, true, 0},
	} {
		if got := sla.Met(posted, tc.first); got != tc.met {
			t.Errorf("Met(+%v) = %v, want %v", tc.first.Sub(posted), got, tc.met)
		}
		if got := sla.Elapsed(posted, tc.first); got != tc.took {
			t.Errorf("Elapsed(+%v) = %v, want %v", tc.first.Sub(posted), got, tc.took)
		}
	}
	if got := sla.Add(posted, -time.Hour); !got.Equal(posted.Add(-time.Hour)) {
		t.Errorf("Add(-1h) = %v", got)
	}

	reminder, escalation := sla.Reminder(), sla.Escalation()
	if reminder.Key(42) != "sla:42" || reminder.Prefix != store.SLAReminderPrefix {
		t.Errorf("reminder key = %q, prefix %q", reminder.Key(42), reminder.Prefix)
	}
	if escalation.Key(42) != "escalation:42" || escalation.Prefix != store.EscalationPrefix {
		t.Errorf("escalation key = %q", escalation.Key(42))
	}
	if !reminder.Due(posted).Equal(posted.Add(4*time.Hour)) || !escalation.Due(posted).Equal(posted.Add(8*time.Hour)) {
		t.Errorf("Due: reminder %v, escalation %v", reminder.Due(posted), escalation.Due(posted))
	}
	now := posted.Add(24 * time.Hour)
	if got := reminder.PostedBy(now); !got.Equal(now.Add(-4 * time.Hour)) {
		t.Errorf("reminder PostedBy = %v", got)
	}
	if got := escalation.PostedBy(now); !got.Equal(now.Add(-8 * time.Hour)) {
		t.Errorf("escalation PostedBy = %v", got)
	}
	// PostedBy is the bound of Due: due at now exactly at the bound.
	if bound := reminder.PostedBy(now); !reminder.Due(bound).Equal(now) {
		t.Errorf("Due(PostedBy(now)) = %v, want now", reminder.Due(bound))
	}
}

func TestSLAOnItsClock(t *testing.T) {
	posted := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	sla := store.SLA{Within: time.Hour, Clock: halfSpeed{}}
	if got := sla.Due(posted); !got.Equal(posted.Add(2 * time.Hour)) {
		t.Errorf("Due = %v, want 2 wall hours on", got)
	}
	if got := sla.Elapsed(posted, posted.Add(3*time.Hour)); got != 90*time.Minute {
		t.Errorf("Elapsed = %v", got)
	}
	if !sla.Met(posted, posted.Add(2*time.Hour)) || sla.Met(posted, posted.Add(2*time.Hour+2*time.Nanosecond)) {
		t.Error("Met does not measure on the clock")
	}
	if got := sla.Escalation().Due(posted); !got.Equal(posted.Add(4 * time.Hour)) {
		t.Errorf("escalation Due = %v", got)
	}
	if got := sla.Reminder().PostedBy(posted); !got.Equal(posted.Add(-2 * time.Hour)) {
		t.Errorf("reminder PostedBy = %v", got)
	}
}

func TestSLATargetCheck(t *testing.T) {
	for _, tc := range []struct {
		t  store.SLATarget
		ok bool
	}{
		{store.SLATarget{Name: store.SLALeads, Target: 40}, true},
		{store.SLATarget{Name: store.SLALeads, Target: 0}, true},
		{store.SLATarget{Name: store.SLALeads, Target: 100_000}, true},
		{store.SLATarget{Name: store.SLALeads, Target: 100_001}, false},
		{store.SLATarget{Name: store.SLALeads, Target: 40.5}, false},
		{store.SLATarget{Name: store.SLALeads, Target: -1}, false},
		{store.SLATarget{Name: store.SLALeads, Target: math.Inf(1)}, false},
		{store.SLATarget{Name: store.SLALeads, Target: math.NaN()}, false},
		{store.SLATarget{Name: store.SLAGood, Target: 70.5}, true},
		{store.SLATarget{Name: store.SLAGood, Target: 100}, true},
		{store.SLATarget{Name: store.SLAGood, Target: 100.01}, false},
		{store.SLATarget{Name: store.SLAWithin, Target: -0.1}, false},
		{store.SLATarget{Name: store.SLAWithin, Target: math.NaN()}, false},
		{store.SLATarget{Name: "Leads", Target: 1}, false},
		{store.SLATarget{Name: "", Target: 1}, false},
	} {
		err := tc.t.Check()
		if _, isRecord := errors.AsType[*store.RecordError](err); (err == nil) != tc.ok || (err != nil && !isRecord) {
			t.Errorf("Check(%+v) = %v, want ok %v (a RecordError otherwise)", tc.t, err, tc.ok)
		}
	}
}

func TestLatestTargets(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 11, 23, h, 0, 0, 0, time.UTC) }
	history := []store.SLATarget{ // newest first
		{Name: store.SLAWithin, Target: 90, SetAt: at(5)},
		{Name: store.SLALeads, Target: 50, SetAt: at(4)},
		{Name: store.SLALeads, Target: 40, SetAt: at(3)},
	}
	got := store.LatestTargets(history)
	if len(got) != 2 || got[0].Name != store.SLALeads || got[0].Target != 50 || got[1].Name != store.SLAWithin {
		t.Errorf("LatestTargets = %+v, want leads 50 and within 90, in the order of SLANames", got)
	}
	if got := store.LatestTargets(nil); len(got) != 0 {
		t.Errorf("LatestTargets(nil) = %+v", got)
	}
}

func TestSLARecordChange(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	by := store.Actor{ID: "UIMP", Name: "Importer"}
	got, err := store.SLARecord{Name: store.SLAGood, Target: 70}.Change(by, now)
	if err != nil || got != (store.SLATarget{Name: store.SLAGood, Target: 70, SetBy: "UIMP", SetByName: "Importer", SetAt: now}) {
		t.Errorf("Change of a record without time or author = %+v, %v", got, err)
	}
	set := now.Add(-time.Hour).In(time.FixedZone("CET", 3600))
	got, err = store.SLARecord{Name: store.SLALeads, Target: 40, SetBy: " UANN ", SetAt: set}.Change(by, now)
	if err != nil || got.SetBy != "UANN" || got.SetByName != "" || !got.SetAt.Equal(set) || got.SetAt.Location() != time.UTC {
		t.Errorf("Change = %+v, %v; want the record's author and time, UTC", got, err)
	}
	if _, err := (store.SLARecord{Name: "bogus", Target: 1}).Change(by, now); !errors.As(err, new(*store.RecordError)) {
		t.Errorf("Change of a bad record = %v, want a RecordError", err)
	}
}
