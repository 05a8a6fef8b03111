package schedules

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"smarketing/commands"
	"smarketing/store"
)

// meetingStore is what the meeting reminders need from the database.
type meetingStore interface {
	Meetings(ctx context.Context) ([]store.Meeting, error)
	ClearAgenda(ctx context.Context, meetingID int64, items []int64) error
}

var _ meetingStore = store.Store(nil)

// meetingMessages computes meeting times and writes reminders;
// *commands.Handler is the real one.
type meetingMessages interface {
	MeetingOccurrences(m store.Meeting, after, until time.Time, limit int) ([]time.Time, error)
	MeetingReminder(ctx context.Context, meetingID int64, occurrence time.Time) (commands.MeetingReminder, error)
}

var _ meetingMessages = (*commands.Handler)(nil)

// DefaultMeetingCatchUp is how late a meeting reminder may still go out
// (after a restart, or a failed post) when [MeetingReminders.CatchUp] is 0.
const DefaultMeetingCatchUp = 15 * time.Minute

// MeetingReminders posts a reminder with the agenda Before each occurrence
// of every meeting, in the meeting's channel, on a timer set by Next. It
// reads the meetings on each run, so added, deleted or changed meetings
// count at once. Each reminder is claimed in the database before it is
// posted, so it goes out once, across restarts and overlapping runs; a
// failed post releases the claim and keeps the agenda, and the next run
// tries again (looking for the reminder in the channel first if the failed
// post may have reached Slack).
// After a post, the agenda items it listed are cleared.
type MeetingReminders struct {
	Store    meetingStore
	Once     Once
	Messages meetingMessages // *commands.Handler
	Poster   Poster
	// Before is how long before a meeting its reminder goes out
	// (SMARKETING_MEETING_REMINDER; 0 = at the start time).
	Before time.Duration
	// CatchUp is how late a reminder may still go out, for a bot that was
	// down or a post that failed; [DefaultMeetingCatchUp] if 0.
	CatchUp time.Duration
	Log     *slog.Logger
}

// Run posts the reminders due at now: those whose time (start − Before)
// is after now − CatchUp and not after now, for occurrences that start after
// the meeting was created, and that no run has claimed yet.
func (j *MeetingReminders) Run(ctx context.Context, now time.Time) error {
	catchUp := j.CatchUp
	if catchUp <= 0 {
		catchUp = DefaultMeetingCatchUp
	}
	meetings, err := j.Store.Meetings(ctx)
	if err != nil {
		return err
	}
	const maxPerMeeting = 20 // more than CatchUp/1h could ever hold
	var errs []error
	for _, m := range meetings {
		after, until := now.Add(j.Before-catchUp), now.Add(j.Before)
		if after.Before(m.CreatedAt) {
			after = m.CreatedAt
		}
		times, err := j.Messages.MeetingOccurrences(m, after, until, maxPerMeeting)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, at := range times {
			if stopping(ctx) {
				return errors.Join(errs...)
			}
			if err := j.remind(ctx, m, at); err != nil {
				errs = append(errs, fmt.Errorf("meeting %d at %s: %w", m.ID, at.Format(time.RFC3339), err))
			}
		}
	}
	return errors.Join(errs...)
}

// Next returns the time of the next reminder after now (zero: no meeting
// ahead within a year), for [Scheduler.AddTimer]: the earliest occurrence
// whose reminder time (start − Before) is after now.
func (j *MeetingReminders) Next(ctx context.Context, now time.Time) (time.Time, error) {
	meetings, err := j.Store.Meetings(ctx)
	if err != nil {
		return time.Time{}, err
	}
	var next time.Time
	for _, m := range meetings {
		after := now.Add(j.Before)
		if after.Before(m.CreatedAt) {
			after = m.CreatedAt
		}
		times, err := j.Messages.MeetingOccurrences(m, after, after.Add(366*24*time.Hour), 1)
		if err != nil || len(times) == 0 {
			continue // Run reports a schedule it cannot read; the others still count
		}
		if at := times[0].Add(-j.Before); at.After(now) && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	return next, nil
}

// remind posts the reminder of one occurrence if this instance wins its
// claim. The agenda items it listed are cleared once it is recorded done
// (the other way round, a crash between the two could lose the items from
// a reminder that never went out).
func (j *MeetingReminders) remind(ctx context.Context, m store.Meeting, at time.Time) error {
	var rem commands.MeetingReminder
	posted, found := false, false
	_, _, err := j.Once.Do(ctx, store.MeetingReminderKey(m.ID, at), func(ctx context.Context, c store.Claim) error {
		var err error
		rem, err = j.Messages.MeetingReminder(ctx, m.ID, at)
		if errors.Is(err, store.ErrNotFound) {
			return nil // deleted meanwhile: nothing to remind of
		}
		if err != nil {
			return err
		}
		if found, err = j.Once.post(ctx, kindMeetingReminder, j.Poster, c, rem.Channel, "", at.Add(-j.Before), rem.Message); err != nil {
			return fmt.Errorf("post meeting reminder: %w", err)
		}
		posted = true
		return nil
	})
	if err != nil || !posted {
		return err
	}
	if err := j.Store.ClearAgenda(context.WithoutCancel(ctx), m.ID, rem.Items); err != nil {
		return err
	}
	if j.Log != nil && found {
		j.Log.Info("meeting reminder found in slack, not posted again", "meeting_id", m.ID, "occurrence", at, "channel", rem.Channel)
	} else if j.Log != nil {
		j.Log.Info("meeting reminder sent", "meeting_id", m.ID, "occurrence", at, "channel", rem.Channel, "agenda_items", len(rem.Items))
	}
	return nil
}
