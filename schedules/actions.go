package schedules

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"smarketing/commands"
	"smarketing/schedules/cronspec"
	"smarketing/store"
)

type actionStore interface {
	ActionsDue(ctx context.Context, due, prefix string, createdBefore, now time.Time, limit int) ([]store.Action, error)
	NextActionDue(ctx context.Context, from string) (string, error)
}

var _ actionStore = store.Store(nil)

// actionMessages builds the DM to an owner; *commands.Handler is the real one.
type actionMessages interface {
	ActionReminder(a store.Action, kind string) commands.Response
}

var _ actionMessages = (*commands.Handler)(nil)

// ActionReminderHour is the local hour of the action reminders (SPEC §10:
// 09:00 on the due day, and the day after if the action is still open).
const ActionReminderHour = 9

// ActionReminders sends the owner of each open action with a due date a
// DM at 09:00 (in Location) on the due day and another at 09:00 the day
// after if it is still open. Each DM is claimed in the database before it
// is sent ([store.ActionReminderPrefix]), so it goes out once across
// restarts and instances; one missed while the bot was down goes out when
// it is back, until the next 09:00. An action added after a reminder's
// time does not get that reminder (its owner has just heard of it). A DM
// whose first attempt may have reached Slack is not sent again (a DM cannot
// be looked up the way a channel post is): at most once for those, logged.
type ActionReminders struct {
	Store    actionStore
	Once     Once
	Messages actionMessages
	Poster   Poster
	Location *time.Location
	Log      *slog.Logger
}

// at is 09:00 on day d.
func (j *ActionReminders) at(d cronspec.Date) time.Time {
	return d.At(ActionReminderHour, 0, j.Location)
}

// Next returns the time of the next action reminder after now (zero: none
// will be due), for [Scheduler.AddTimer].
func (j *ActionReminders) Next(ctx context.Context, now time.Time) (time.Time, error) {
	today := cronspec.DateOf(now.In(j.Location))
	if now.Before(j.at(today)) {
		// This morning's: actions due today, and those due yesterday.
		first, err := j.Store.NextActionDue(ctx, today.AddDays(-1).String())
		if err != nil || first == "" {
			return time.Time{}, err
		}
		d, err := cronspec.ParseISODate(first)
		if err != nil {
			return time.Time{}, err
		}
		if !today.Before(d) {
			return j.at(today), nil
		}
		return j.at(d), nil
	}
	first, err := j.Store.NextActionDue(ctx, today.String())
	if err != nil || first == "" {
		return time.Time{}, err
	}
	d, err := cronspec.ParseISODate(first)
	if err != nil {
		return time.Time{}, err
	}
	if d == today {
		return j.at(today.AddDays(1)), nil // the day-after one
	}
	return j.at(d), nil
}

// Run sends the reminders due at now: those of the last 09:00 that has
// passed (this morning's, or before 09:00 yesterday's).
func (j *ActionReminders) Run(ctx context.Context, now time.Time) error {
	day := cronspec.DateOf(now.In(j.Location))
	if now.Before(j.at(day)) {
		day = day.AddDays(-1)
	}
	at := j.at(day)
	var errs []error
	for _, r := range []struct {
		kind string
		due  cronspec.Date
	}{{store.ActionDue, day}, {store.ActionLate, day.AddDays(-1)}} {
		if err := j.send(ctx, r.kind, r.due, at, now); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// send sends the reminders of kind of the actions due on due, due at at.
func (j *ActionReminders) send(ctx context.Context, kind string, due cronspec.Date, at, now time.Time) error {
	const batch = 50
	prefix := store.ActionReminderPrefix(kind, due.String())
	actions, err := j.Store.ActionsDue(ctx, due.String(), prefix, at, now, batch)
	if err != nil {
		return err
	}
	var errs []error
	for _, a := range actions {
		if stopping(ctx) {
			break
		}
		key := prefix + strconv.FormatInt(a.ID, 10)
		_, _, err := j.Once.Do(ctx, key, func(ctx context.Context, c store.Claim) error {
			if c.Attempts > 1 {
				if j.Log != nil {
					j.Log.Warn("action reminder may have been sent before; not sent again", "key", key, "user", a.Owner)
				}
				return nil
			}
			_, err := j.Once.post(ctx, kindActionDM, j.Poster, c, a.Owner, "", at, j.Messages.ActionReminder(a, kind))
			if err == nil && j.Log != nil {
				j.Log.Info("action reminder sent", "kind", kind, "action", a.ID, "user", a.Owner)
			}
			return err
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
