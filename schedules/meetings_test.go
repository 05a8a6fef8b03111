package schedules

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"smarketing/commands"
	"smarketing/schedules/cronspec"
	"smarketing/store"
	"smarketing/store/storetest"
)

// meetingPoster is a fake Slack that records posts; fail, if set, decides
// per call (numbered from 1) whether the post fails; during, if set, runs
// inside each post.
type meetingPoster struct {
	mu      sync.Mutex
	calls   int
	posts   []meetingPost
	lookups []string // the keys looked up
	fail    func(call int) error
	during  func()
}

type meetingPost struct {
	channel, threadTS, key string
	msg                    commands.Response
}

var _ Poster = (*meetingPoster)(nil)

func (p *meetingPoster) PostMarked(ctx context.Context, channel, threadTS, key string, msg commands.Response) (string, error) {
	p.mu.Lock()
	p.calls++
	call := p.calls
	p.mu.Unlock()
	if p.during != nil {
		p.during()
	}
	if p.fail != nil {
		if err := p.fail(call); err != nil {
			return "", err
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.posts = append(p.posts, meetingPost{channel: channel, threadTS: threadTS, key: key, msg: msg})
	return "1700000000.000100", nil
}

// FindMarked finds what PostMarked recorded.
func (p *meetingPoster) FindMarked(ctx context.Context, channel, threadTS, key string, oldest, latest time.Time) (string, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lookups = append(p.lookups, key)
	for _, m := range p.posts {
		if m.channel == channel && m.threadTS == threadTS && m.key == key {
			return "1700000000.000100", true, nil
		}
	}
	return "", false, nil
}

func (p *meetingPoster) all() []meetingPost {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.posts)
}

func berlinLoc(tb testing.TB) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		tb.Skip("no time zone data:", err)
	}
	return loc
}

// meetingEnv is a database file, a handler in Berlin and a reminder job
// over them.
type meetingEnv struct {
	file   string
	db     *storetest.DB
	h      *commands.Handler
	poster *meetingPoster
	job    *MeetingReminders
	loc    *time.Location
}

// created is when the test meetings were added: well before the times the
// tests run the job at.
var created = time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)

func newMeetingEnv(tb testing.TB, file string, before time.Duration) *meetingEnv {
	tb.Helper()
	if file == "" {
		file = storetest.DSN(tb)
	}
	db := storetest.OpenDSN(tb, file, created)
	loc := berlinLoc(tb)
	h := commands.New(db, commands.Options{Location: loc, RecapChannel: "CRECAP1", MeetingReminder: before})
	p := &meetingPoster{}
	return &meetingEnv{file: file, db: db, h: h, poster: p, loc: loc,
		job: &MeetingReminders{Store: db, Once: Once{Store: db, Owner: "test"}, Messages: h, Poster: p, Before: before}}
}

func (e *meetingEnv) addMeeting(tb testing.TB, title, spec, channel string) store.Meeting {
	tb.Helper()
	m, err := e.db.AddMeeting(context.Background(), store.Meeting{Title: title, Schedule: spec, Channel: channel}, store.Actor{ID: "UANN", Name: "Ann"})
	if err != nil {
		tb.Fatalf("AddMeeting: %v", err)
	}
	return m
}

func (e *meetingEnv) addItem(tb testing.TB, meetingID int64, text, user, name string) {
	tb.Helper()
	if _, err := e.db.AddAgendaItem(context.Background(), meetingID, text, "", store.Actor{ID: user, Name: name}); err != nil {
		tb.Fatalf("AddAgendaItem: %v", err)
	}
}

func (e *meetingEnv) agenda(tb testing.TB, meetingID int64) []string {
	tb.Helper()
	items, err := e.db.Agenda(context.Background(), meetingID)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, it := range items {
		out = append(out, it.Text)
	}
	return out
}

// runEachMinute runs job at every minute from `from` to `to` (inclusive)
// and returns the times at which it posted.
func runEachMinute(tb testing.TB, job *MeetingReminders, p *meetingPoster, from, to time.Time) []time.Time {
	tb.Helper()
	var at []time.Time
	for now := from; !now.After(to); now = now.Add(time.Minute) {
		before := len(p.all())
		if err := job.Run(context.Background(), now); err != nil {
			tb.Fatalf("Run(%v): %v", now, err)
		}
		if len(p.all()) > before {
			at = append(at, now)
		}
	}
	return at
}

// tue is Tuesday 1 Dec 2026 in Berlin (CET, UTC+1) at hh:mm.
func tue(loc *time.Location, hh, mm int) time.Time { return time.Date(2026, 12, 1, hh, mm, 0, 0, loc) }

func TestMeetingReminderPostsOnceBeforeTheMeeting(t *testing.T) {
	e := newMeetingEnv(t, "", 15*time.Minute)
	m := e.addMeeting(t, "Pipeline review", "0 10 * * TUE", "C0SALES1")
	e.addItem(t, m.ID, "MQL rate dropped", "UBOB", "Bob")
	e.addItem(t, m.ID, "SLA misses", "U0NONAME", "")

	at := runEachMinute(t, e.job, e.poster, tue(e.loc, 9, 0), tue(e.loc, 10, 30))
	if want := []time.Time{tue(e.loc, 9, 45)}; !slices.EqualFunc(at, want, time.Time.Equal) {
		t.Fatalf("posted at %v, want once at %v", at, want)
	}
	// Running again at the same minute posts nothing more.
	if err := e.job.Run(context.Background(), tue(e.loc, 9, 45)); err != nil {
		t.Fatal(err)
	}
	posts := e.poster.all()
	if len(posts) != 1 {
		t.Fatalf("%d posts, want 1", len(posts))
	}
	p := posts[0]
	if p.channel != "C0SALES1" {
		t.Fatalf("posted to %q, want the meeting's channel", p.channel)
	}
	for _, want := range []string{"*Pipeline review*", "Tue 1 Dec 10:00 CET", "1. MQL rate dropped _(added by Bob)_", "2. SLA misses _(added by U0NONAME)_"} {
		if !strings.Contains(p.msg.Text, want) {
			t.Errorf("reminder = %q\nwant %q", p.msg.Text, want)
		}
	}
	for _, bad := range []string{"<@", "<!"} {
		if strings.Contains(p.msg.Text, bad) {
			t.Errorf("reminder %q contains %q", p.msg.Text, bad)
		}
	}
	if got := e.agenda(t, m.ID); len(got) != 0 {
		t.Fatalf("agenda after the reminder = %q, want it cleared", got)
	}

	// Next week: a new reminder, with only what was added since.
	e.addItem(t, m.ID, "Persona refresh", "UANN", "Ann")
	next := tue(e.loc, 9, 45).AddDate(0, 0, 7)
	at = runEachMinute(t, e.job, e.poster, next.Add(-2*time.Minute), next.Add(2*time.Minute))
	if len(at) != 1 || !at[0].Equal(next) {
		t.Fatalf("next week posted at %v, want %v", at, next)
	}
	last := e.poster.all()[1].msg.Text
	if !strings.Contains(last, "1. Persona refresh") || strings.Contains(last, "MQL rate") {
		t.Fatalf("next reminder = %q, want only the new item", last)
	}
}

func TestMeetingReminderConcurrentJobs(t *testing.T) {
	e := newMeetingEnv(t, "", 15*time.Minute)
	m := e.addMeeting(t, "Pipeline review", "0 10 * * TUE", "C0SALES1")
	e.addItem(t, m.ID, "MQL rate", "UBOB", "Bob")
	// A second process on the same file, with its own handler and job,
	// sharing the fake Slack.
	other := newMeetingEnv(t, e.file, 15*time.Minute)
	other.job.Poster = e.poster
	jobs := []*MeetingReminders{e.job, other.job, e.job, other.job}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := jobs[i%len(jobs)].Run(context.Background(), tue(e.loc, 9, 45)); err != nil {
				t.Errorf("Run: %v", err)
			}
		}()
	}
	wg.Wait()
	if n := len(e.poster.all()); n != 1 {
		t.Fatalf("%d posts from overlapping runs, want 1", n)
	}
}

func TestMeetingReminderNotRepostedAfterRestart(t *testing.T) {
	e := newMeetingEnv(t, "", 15*time.Minute)
	e.addMeeting(t, "Pipeline review", "0 10 * * TUE", "C0SALES1")
	if at := runEachMinute(t, e.job, e.poster, tue(e.loc, 9, 44), tue(e.loc, 9, 46)); len(at) != 1 {
		t.Fatalf("posted at %v, want once", at)
	}
	e.db.Close()

	restarted := newMeetingEnv(t, e.file, 15*time.Minute)
	if at := runEachMinute(t, restarted.job, restarted.poster, tue(e.loc, 9, 45), tue(e.loc, 10, 5)); len(at) != 0 {
		t.Fatalf("restarted job posted at %v, want nothing", at)
	}
}

func TestMeetingReminderCatchesUpAfterDowntime(t *testing.T) {
	e := newMeetingEnv(t, "", 15*time.Minute)
	e.addMeeting(t, "Pipeline review", "0 10 * * TUE", "C0SALES1")
	// Down from 9:30 to 9:55: the reminder due at 9:45 goes out late.
	if err := e.job.Run(context.Background(), tue(e.loc, 9, 55)); err != nil {
		t.Fatal(err)
	}
	if n := len(e.poster.all()); n != 1 {
		t.Fatalf("%d posts after the downtime, want 1", n)
	}
	if text := e.poster.all()[0].msg.Text; !strings.Contains(text, "10:00") {
		t.Fatalf("reminder = %q", text)
	}
	// Down past the catch-up window: too late, nothing is posted.
	e2 := newMeetingEnv(t, "", 15*time.Minute)
	e2.addMeeting(t, "Pipeline review", "0 10 * * TUE", "C0SALES1")
	if err := e2.job.Run(context.Background(), tue(e.loc, 10, 1)); err != nil {
		t.Fatal(err)
	}
	if n := len(e2.poster.all()); n != 0 {
		t.Fatalf("%d posts 16 minutes late, want none", n)
	}
}

func TestMeetingReminderFailedPostRetries(t *testing.T) {
	e := newMeetingEnv(t, "", 15*time.Minute)
	m := e.addMeeting(t, "Pipeline review", "0 10 * * TUE", "C0SALES1")
	e.addItem(t, m.ID, "MQL rate", "UBOB", "Bob")
	slackDown := errors.New("slack: 503")
	e.poster.fail = func(call int) error {
		if call <= 2 {
			return slackDown
		}
		return nil
	}
	for _, mm := range []int{45, 46} {
		if err := e.job.Run(context.Background(), tue(e.loc, 9, mm)); !errors.Is(err, slackDown) {
			t.Fatalf("Run at 9:%d = %v, want the post error", mm, err)
		}
		if got := e.agenda(t, m.ID); !slices.Equal(got, []string{"MQL rate"}) {
			t.Fatalf("agenda after a failed post = %q, want it kept", got)
		}
	}
	if err := e.job.Run(context.Background(), tue(e.loc, 9, 47)); err != nil {
		t.Fatalf("Run at 9:47: %v", err)
	}
	posts := e.poster.all()
	if len(posts) != 1 || !strings.Contains(posts[0].msg.Text, "MQL rate") {
		t.Fatalf("posts = %+v, want the retry with the agenda", posts)
	}
	if got := e.agenda(t, m.ID); len(got) != 0 {
		t.Fatalf("agenda after the retry = %q, want it cleared", got)
	}
	if at := runEachMinute(t, e.job, e.poster, tue(e.loc, 9, 48), tue(e.loc, 10, 5)); len(at) != 0 {
		t.Fatalf("posted again at %v", at)
	}
}

func TestMeetingReminderKeepsItemsAddedDuringThePost(t *testing.T) {
	e := newMeetingEnv(t, "", 15*time.Minute)
	m := e.addMeeting(t, "Pipeline review", "0 10 * * TUE", "C0SALES1")
	e.addItem(t, m.ID, "listed", "UBOB", "Bob")
	e.poster.during = func() {
		e.poster.during = nil
		e.addItem(t, m.ID, "added meanwhile", "UANN", "Ann")
	}
	if err := e.job.Run(context.Background(), tue(e.loc, 9, 45)); err != nil {
		t.Fatal(err)
	}
	if got := e.agenda(t, m.ID); !slices.Equal(got, []string{"added meanwhile"}) {
		t.Fatalf("agenda = %q, want only the item added during the post", got)
	}
}

func TestMeetingReminderAtStartTime(t *testing.T) {
	e := newMeetingEnv(t, "", 0)
	e.addMeeting(t, "Pipeline review", "0 10 * * TUE", "C0SALES1")
	at := runEachMinute(t, e.job, e.poster, tue(e.loc, 9, 30), tue(e.loc, 10, 30))
	if want := []time.Time{tue(e.loc, 10, 0)}; !slices.EqualFunc(at, want, time.Time.Equal) {
		t.Fatalf("posted at %v, want %v", at, want)
	}
}

func TestMeetingReminderAcrossDST(t *testing.T) {
	e := newMeetingEnv(t, "", 15*time.Minute)
	e.addMeeting(t, "Monday sync", "0 10 * * MON", "C0SALES1")
	// Berlin leaves summer time on Sunday 25 Oct 2026. The reminder for
	// 10:00 is at 9:45 local: 07:45 UTC on 19 Oct, 08:45 UTC on 26 Oct.
	var at []time.Time
	for _, day := range []time.Time{time.Date(2026, 10, 19, 6, 0, 0, 0, time.UTC), time.Date(2026, 10, 26, 6, 0, 0, 0, time.UTC)} {
		at = append(at, runEachMinute(t, e.job, e.poster, day, day.Add(4*time.Hour))...)
	}
	want := []time.Time{time.Date(2026, 10, 19, 7, 45, 0, 0, time.UTC), time.Date(2026, 10, 26, 8, 45, 0, 0, time.UTC)}
	if !slices.EqualFunc(at, want, time.Time.Equal) {
		t.Fatalf("posted at %v, want %v", at, want)
	}
	posts := e.poster.all()
	if !strings.Contains(posts[0].msg.Text, "Mon 19 Oct 10:00 CEST") || !strings.Contains(posts[1].msg.Text, "Mon 26 Oct 10:00 CET") {
		t.Fatalf("reminders = %q / %q, want 10:00 local in each", posts[0].msg.Text, posts[1].msg.Text)
	}
}

func TestMeetingReminderSeesChangesAtOnce(t *testing.T) {
	e := newMeetingEnv(t, "", 15*time.Minute)
	// Added after the job was made, and a minute before its reminder: it counts.
	e.db.Clock.Set(tue(e.loc, 9, 44))
	m := e.addMeeting(t, "Pipeline review", "0 10 * * TUE", "C0SALES1")
	if err := e.job.Run(context.Background(), tue(e.loc, 9, 45)); err != nil {
		t.Fatal(err)
	}
	if n := len(e.poster.all()); n != 1 {
		t.Fatalf("%d posts for a meeting added just now, want 1", n)
	}
	// Added after its reminder time but before the start: reminded at once.
	late := e.addMeeting(t, "Late", "0 10 * * TUE", "C0SALES2")
	if err := e.job.Run(context.Background(), tue(e.loc, 9, 46)); err != nil {
		t.Fatal(err)
	}
	if posts := e.poster.all(); len(posts) != 2 || posts[1].channel != "C0SALES2" {
		t.Fatalf("posts = %+v, want a reminder for the meeting added late", posts)
	}
	// Deleted: no more reminders.
	for _, id := range []int64{m.ID, late.ID} {
		if err := e.db.DeleteMeeting(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	next := tue(e.loc, 9, 45).AddDate(0, 0, 7)
	if at := runEachMinute(t, e.job, e.poster, next.Add(-time.Minute), next.Add(time.Minute)); len(at) != 0 {
		t.Fatalf("deleted meeting reminded at %v", at)
	}
	// Created after the meeting started: that occurrence gets no reminder.
	e.db.Clock.Set(tue(e.loc, 10, 1).AddDate(0, 0, 14))
	e.addMeeting(t, "Started", "0 10 * * TUE", "C0SALES3")
	e0 := newMeetingEnv(t, e.file, 0)
	e0.job.Poster = e.poster
	if err := e0.job.Run(context.Background(), tue(e.loc, 10, 2).AddDate(0, 0, 14)); err != nil {
		t.Fatal(err)
	}
	if n := len(e.poster.all()); n != 2 {
		t.Fatalf("%d posts, want none for an occurrence that began before the meeting was added", n-2)
	}
}

// deletingMessages deletes the meeting just before its reminder is built,
// as a /meeting delete racing the job would.
type deletingMessages struct {
	*commands.Handler
	db *storetest.DB
}

func (d deletingMessages) MeetingReminder(ctx context.Context, id int64, at time.Time) (commands.MeetingReminder, error) {
	if err := d.db.DeleteMeeting(ctx, id); err != nil {
		return commands.MeetingReminder{}, err
	}
	return d.Handler.MeetingReminder(ctx, id, at)
}

func TestMeetingReminderMeetingDeletedMeanwhile(t *testing.T) {
	e := newMeetingEnv(t, "", 15*time.Minute)
	e.addMeeting(t, "Pipeline review", "0 10 * * TUE", "C0SALES1")
	e.job.Messages = deletingMessages{Handler: e.h, db: e.db}
	if err := e.job.Run(context.Background(), tue(e.loc, 9, 45)); err != nil {
		t.Fatalf("Run = %v, want no error for a meeting deleted meanwhile", err)
	}
	if n := len(e.poster.all()); n != 0 {
		t.Fatalf("%d posts for a deleted meeting", n)
	}
}

// TestMeetingSpecsParseHere checks that what /meeting stores, the
// scheduler's own parser reads the same way.
func TestMeetingSpecsParseHere(t *testing.T) {
	loc := berlinLoc(t)
	h := commands.New(nil, commands.Options{Location: loc})
	from := time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC)
	for _, in := range []string{"every tue at 10:00", "every mon,thu at 16:30", "every weekday at 9:30am", "every day at midnight",
		"every sun at 2:30", "0 10 * * TUE", "30 8 * * 1-5", "0 9 1 * *", "@weekly", "@daily", "@monthly", "@hourly"} {
		spec, err := cronspec.ParseMeeting(in, from, loc)
		if err != nil {
			t.Fatalf("ParseMeeting(%q): %v", in, err)
		}
		sched, err := cronspec.Parse(spec)
		if err != nil {
			t.Fatalf("cronspec.Parse(%q) (from %q): %v", spec, in, err)
		}
		want := sched.Next(from.In(loc))
		got, err := h.MeetingOccurrences(store.Meeting{Schedule: spec}, from, from.AddDate(1, 0, 0), 1)
		if err != nil || len(got) != 1 || !got[0].Equal(want) {
			t.Errorf("%q: MeetingOccurrences = %v, %v; schedules.Parse says %v", spec, got, err, want)
		}
	}
	for _, in := range []string{"@every 5m", "CRON_TZ=UTC", "TZ=", "*/5 * * * *", "every funday at 10:00", "every tue at 25:00", "every tue 10:00"} {
		if spec, err := cronspec.ParseMeeting(in, from, loc); err == nil {
			t.Errorf("ParseMeeting(%q) = %q, want an error", in, spec)
		}
	}
}

// Next is the time of the earliest reminder after now, in the meeting's
// zone across a DST change; a schedule it cannot read does not hide the
// others; and a reminder is due exactly then (Run posts it at Next, not a
// second before).
func TestMeetingRemindersNext(t *testing.T) {
	e := newMeetingEnv(t, "", 15*time.Minute)
	e.addMeeting(t, "Pipeline", "0 10 * * MON", "CJOINT")
	e.addMeeting(t, "Monthly", "30 9 1 * *", "CJOINT")
	if _, err := e.db.AddMeeting(context.Background(), store.Meeting{Title: "Broken", Schedule: "bogus", Channel: "CJOINT"},
		store.Actor{ID: "UANN", Name: "Ann"}); err != nil {
		t.Fatal(err)
	}
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, e.loc) }
	for _, tc := range []struct {
		name string
		now  time.Time
		want time.Time
	}{
		{"same morning", at(2026, 10, 5, 8, 0), at(2026, 10, 5, 9, 45)},
		{"at a reminder: the next one", at(2026, 10, 5, 9, 45), at(2026, 10, 12, 9, 45)},
		{"after the DST change (CET)", at(2026, 10, 20, 12, 0), at(2026, 10, 26, 9, 45)},
		{"the monthly one first", at(2026, 10, 27, 12, 0), at(2026, 11, 1, 9, 15)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.job.Next(context.Background(), tc.now)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tc.want) {
				t.Fatalf("Next(%v) = %v, want %v", tc.now, got.In(e.loc), tc.want)
			}
		})
	}
	next, _ := e.job.Next(context.Background(), at(2026, 10, 5, 8, 0))
	before := len(e.poster.all())
	_ = e.job.Run(context.Background(), next.Add(-time.Second)) // the broken meeting's error
	if len(e.poster.all()) != before {
		t.Fatalf("Run a second before Next posted a reminder")
	}
	_ = e.job.Run(context.Background(), next)
	if posts := e.poster.all(); len(posts) != before+1 || posts[len(posts)-1].channel != "CJOINT" {
		t.Fatalf("Run at Next posted %d reminders, want 1", len(posts)-before)
	}
}
