// Package cronspec reads the cron specs smarketing accepts (five fields or
// a descriptor) safely: robfig/cron panics on some malformed input. It
// imports nothing of the project, so both commands and schedules use it.
package cronspec

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// parser accepts what SPEC §3 promises: five fields or a descriptor such as
// @weekly or @every 10s.
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Parse checks a cron spec and returns its schedule. Zone prefixes
// (CRON_TZ=, TZ=) are refused: the time zone is SMARKETING_TIMEZONE.
func Parse(spec string) (s cron.Schedule, err error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, fmt.Errorf("empty schedule")
	}
	if strings.HasPrefix(spec, "CRON_TZ=") || strings.HasPrefix(spec, "TZ=") {
		return nil, fmt.Errorf("schedule %q: leave out the time zone prefix; set SMARKETING_TIMEZONE instead", spec)
	}
	// robfig/cron panics on some malformed input; a bad spec is an error, not a crash.
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("schedule %q is not valid", spec)
		}
	}()
	s, err = parser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec, err)
	}
	// robfig/cron quietly turns "@every 0s" into every second; refuse it.
	if d, ok := strings.CutPrefix(spec, "@every "); ok {
		if every, err := time.ParseDuration(strings.TrimSpace(d)); err != nil || every < time.Second {
			return nil, fmt.Errorf("schedule %q: @every needs a duration of at least 1s, e.g. @every 1h", spec)
		}
	}
	if spec, ok := s.(*cron.SpecSchedule); ok {
		return wallOnce{spec}, nil
	}
	return s, nil
}

// wallOnce is a five-field spec or a descriptor that fires once at a wall
// time that happens twice (when clocks go back): robfig/cron would fire at
// both, and a meeting at 02:30 would be reminded of, or the recap posted,
// twice that night. A time in the hour skipped when clocks go forward is
// skipped that night, as robfig/cron does.
type wallOnce struct{ *cron.SpecSchedule }

func (w wallOnce) Next(t time.Time) time.Time {
	next := w.SpecSchedule.Next(t)
	for !next.IsZero() {
		if first := DateOf(next).At(next.Hour(), next.Minute(), next.Location()); !first.Before(next) {
			return next
		}
		next = w.SpecSchedule.Next(next)
	}
	return next
}
