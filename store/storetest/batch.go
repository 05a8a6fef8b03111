package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"smarketing/store"
)

var batchTests = []subtest{
	{"AgreesWithOneByOne", testBatchAgreesWithOneByOne},
}

// batchApplier is how a backend applies a batch of events in one
// transaction: the [store.ApplyBatch] its [store.Batcher] calls.
type batchApplier interface {
	ApplyEvents(ctx context.Context, events []store.Event) ([]store.EventResult, error)
}

func (db *tdb) applier(tb testing.TB) batchApplier {
	tb.Helper()
	a, ok := db.Store.(batchApplier)
	if !ok {
		tb.Fatalf("%T has no ApplyEvents: every backend applies batches of events", db.Store)
	}
	return a
}

// randomEvents returns n events over a few messages, users and emoji,
// meant to collide: posts, edits and deletions of the same messages,
// reactions added and removed, at equal times too, redeliveries, events
// without an id, and now and then one the database refuses (a rating it
// does not know).
func randomEvents(r *rand.Rand, n int) []store.Event {
	channels := []string{"CL", "CM"}
	users := []string{"UANA", "UBEN", "UCAT"}
	emoji := []struct {
		name   string
		rating store.Rating
	}{{"+1", store.Good}, {"-1", store.Poor}, {"thumbsdown", store.Poor}, {"fire", store.Hot}, {"x", store.Poor}}
	var out []store.Event
	for i := range n {
		ch, ts := channels[r.IntN(len(channels))], tsAt(Start, r.IntN(4))
		id := fmt.Sprintf("Ev%d", i)
		switch {
		case i > 0 && r.IntN(12) == 0:
			out = append(out, out[r.IntN(i)]) // a redelivery
			continue
		case r.IntN(10) == 0:
			id = ""
		}
		ev := store.Event{ID: id}
		switch k := r.IntN(20); {
		case k < 2:
			ev.Lead = &store.Lead{Channel: ch, TS: ts, Text: fmt.Sprintf("lead %d", i), PostedBy: users[r.IntN(3)],
				PostedAt: Start.Add(time.Duration(r.IntN(60)) * time.Second)}
			// The origin given, or found (not drawn: the same events
			// for the same seed as before sources were kept).
			ev.Lead.Source, ev.Lead.Campaign = []string{"", "Webinar", ""}[i%3], []string{"", "q4"}[i%2]
			if r.IntN(8) == 0 {
				ev.Lead.Text += "\x00" // PostgreSQL cannot store it: refused there, whatever follows
			}
		case k < 3:
			ev.Edit = &store.LeadEdit{Channel: ch, TS: ts, Text: fmt.Sprintf("edit %d\nCampaign: c%d", i, i), Source: []string{"", "LinkedIn"}[i%2]}
			if r.IntN(8) == 0 {
				ev.Edit.Text += "\xff"
			}
		case k < 4:
			ev.Delete = &store.LeadRef{Channel: ch, TS: ts}
		default:
			e := emoji[r.IntN(len(emoji))]
			react := store.Reaction{Channel: ch, TS: ts, User: users[r.IntN(3)], Emoji: e.name, Rating: e.rating,
				Added: r.IntN(3) > 0, At: Start.Add(time.Duration(r.IntN(8)) * time.Minute)}
			// Now and then a rater who may not rate (not drawn, as above).
			react.Ignore = i%13 == 0
			if r.IntN(40) == 0 {
				// Refused by the database (a CHECK); an emoji of its own,
				// so that no other event of a batch hides it.
				react.Emoji, react.Rating, react.Added = "shrug", "meh", true
			}
			ev.React = &react
		}
		out = append(out, ev)
	}
	return out
}

// A batch applied at once leaves what applying its events one at a time
// leaves, and answers the same: the one-by-one order is the meaning of a
// batch, however the backend groups its statements.
func testBatchAgreesWithOneByOne(t *testing.T, s *suite) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 7))
			events := randomEvents(r, 160)
			one, many := s.open(t), s.open(t)
			for _, db := range []*tdb{one, many} {
				// Messages already known, rated, with a reason.
				db.mustRecord(t, store.Event{ID: "seed1", Lead: &store.Lead{Channel: "CL", TS: tsAt(Start, 0), Text: "known", PostedAt: Start}})
				db.mustRecord(t, store.Event{ID: "seed2", React: &store.Reaction{Channel: "CL", TS: tsAt(Start, 0), User: "UANA",
					Emoji: "-1", Rating: store.Poor, Added: true, At: Start.Add(3 * time.Minute)}})
				db.mustRecord(t, store.Event{ID: "seed3", React: &store.Reaction{Channel: "CM", TS: tsAt(Start, 1), User: "UBEN",
					Emoji: "+1", Rating: store.Good, Added: true, At: Start.Add(4 * time.Minute)}})
				res := db.mustRecord(t, store.Event{ID: "seed4", React: &store.Reaction{Channel: "CL", TS: tsAt(Start, 0), User: "UBEN",
					Emoji: "x", Rating: store.Poor, Added: true, At: Start.Add(5 * time.Minute)}})
				if err := db.SetReason(ctx, res.React.LeadID, "UBEN", "too small"); err != nil {
					t.Fatalf("SetReason: %v", err)
				}
			}
			var want, got []store.EventResult
			for _, ev := range events {
				res, err := one.applier(t).ApplyEvents(ctx, []store.Event{ev})
				if err != nil {
					t.Fatalf("ApplyEvents(%+v): %v", ev, err)
				}
				want = append(want, res...)
			}
			for from := 0; from < len(events); {
				to := min(len(events), from+1+r.IntN(60))
				res, err := many.applier(t).ApplyEvents(ctx, events[from:to])
				if err != nil {
					t.Fatalf("ApplyEvents(events[%d:%d]): %v", from, to, err)
				}
				if len(res) != to-from {
					t.Fatalf("ApplyEvents(events[%d:%d]) gave %d results", from, to, len(res))
				}
				got = append(got, res...)
				from = to
			}
			skipped := 0
			for i := range events {
				w, g := one.describeResult(t, want[i]), many.describeResult(t, got[i])
				if w != g {
					t.Errorf("event %d %s: in a batch %s, one at a time %s", i, describeEvent(events[i]), g, w)
				}
				if want[i].Skipped {
					skipped++
				}
			}
			if w, g := one.eventState(t), many.eventState(t); !slices.Equal(w, g) {
				t.Errorf("after the batches the store holds\n%s\nwhere one at a time leaves\n%s",
					strings.Join(without(g, w), "\n"), strings.Join(without(w, g), "\n"))
			}
			if seed == 0 && skipped == 0 {
				t.Errorf("seed 0 has no refused event: the test misses the savepoint path")
			}
		})
	}
}

func describeEvent(ev store.Event) string {
	switch {
	case ev.Lead != nil:
		return fmt.Sprintf("%s post %s/%s", ev.ID, ev.Lead.Channel, ev.Lead.TS)
	case ev.Edit != nil:
		return fmt.Sprintf("%s edit %s/%s", ev.ID, ev.Edit.Channel, ev.Edit.TS)
	case ev.Delete != nil:
		return fmt.Sprintf("%s delete %s/%s", ev.ID, ev.Delete.Channel, ev.Delete.TS)
	default:
		r := ev.React
		return fmt.Sprintf("%s react %s/%s %s %s %s added=%v at %s", ev.ID, r.Channel, r.TS, r.User, r.Emoji, r.Rating, r.Added,
			r.At.Sub(Start))
	}
}

// describeResult is res with the lead named by its message (ids depend on
// the order leads were added in).
func (db *tdb) describeResult(tb testing.TB, res store.EventResult) string {
	tb.Helper()
	lead := "-"
	if id := res.React.LeadID; id != 0 {
		l, err := db.LeadByID(ctx, id)
		if err != nil {
			tb.Fatalf("LeadByID(%d): %v", id, err)
		}
		lead = l.Channel + "/" + l.TS
	}
	rr := res.React
	return fmt.Sprintf("applied=%v skipped=%v lead=%s verified=%v rating=%q ask=%v ignored=%v by_poster=%v",
		res.Applied, res.Skipped, lead, rr.Verified, rr.Rating, rr.AskReason, rr.Ignored, rr.ByPoster)
}

// eventState is what the events left in the tables, one sorted line a
// row, leads named by message instead of id, failed events by event.
func (db *tdb) eventState(tb testing.TB) []string {
	tb.Helper()
	var tables []store.Table
	for _, name := range []string{"leads", "lead_reactions", "feedback", "seen_events", "failed_events"} {
		tables = append(tables, schemaTable(tb, name))
	}
	names := map[int64]string{}
	var lines []string
	// The counts of ratings each lead keeps, and those its feedback rows
	// give: they must agree.
	kept, rated := map[string]string{}, map[string][3]int{}
	err := db.ReadTables(ctx, tables, func(r store.Row) error {
		v := r.Values
		switch r.Table.Name {
		case "leads":
			name := v[1].(string) + "/" + v[2].(string)
			names[v[0].(int64)] = name
			first := "nil"
			if p := v[8].(*int64); p != nil {
				first = fmt.Sprint(*p)
			}
			lines = append(lines, fmt.Sprintf("lead %s/%s %v %q by %q at %v deleted=%v first=%s source=%q campaign=%q",
				v[1], v[2], v[3], v[4], v[5], v[6], v[7], first, v[9], v[10]))
			kept[name] = fmt.Sprint(column(r, "good"), column(r, "poor"), column(r, "hot"))
			rated[name] = [3]int{}
		case "lead_reactions":
			lines = append(lines, fmt.Sprintf("reaction %s %v %v %v %v", names[v[0].(int64)], v[1], v[2], v[3], v[4]))
		case "feedback":
			lines = append(lines, fmt.Sprintf("rating %s %v %v %v %q %v", names[v[0].(int64)], v[1], v[2], v[3], v[4], v[5]))
			n := rated[names[v[0].(int64)]]
			if i := slices.Index([]store.Rating{store.Good, store.Poor, store.Hot}, store.Rating(column(r, "rating").(string))); i >= 0 {
				n[i]++
			}
			rated[names[v[0].(int64)]] = n
		case "seen_events":
			lines = append(lines, fmt.Sprintf("seen %v %v", v[0], v[1]))
		case "failed_events":
			lines = append(lines, fmt.Sprintf("failed %v %v", v[1], v[2]))
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("ReadTables: %v", err)
	}
	for name, n := range rated {
		if want := fmt.Sprint(n[0], n[1], n[2]); kept[name] != want {
			tb.Errorf("lead %s keeps good, poor, hot = %s; its ratings are %s", name, kept[name], want)
		}
	}
	slices.Sort(lines)
	return lines
}

// column is r's value of the column named name.
func column(r store.Row, name string) any {
	for i, c := range r.Table.Columns {
		if c.Name == name {
			return r.Values[i]
		}
	}
	panic("no column " + name + " in " + r.Table.Name)
}

// without is the lines of a not in b.
func without(a, b []string) []string {
	var out []string
	for _, l := range a {
		if !slices.Contains(b, l) {
			out = append(out, l)
		}
	}
	return out
}
