package bot_test

// Performance benchmarks and load tests (issue 6, items 1, 2 and 6); see
// BENCHMARKS.md for how to run them and the figures measured.
//
//   - BenchmarkAckLatency: envelope-sent → ack-received for `/term NAME` and
//     a reaction_added event, one at a time and 16 in flight, for the real bot
//     and for the floor (a bare slack-go socketmode client that acks at once),
//     over real websockets to slackfake, on a database of 10,000 terms, 500
//     personas, 100,000 leads and 1,000,000 ratings.
//   - TestThroughput (SMARKETING_LOAD=1): open-loop load at rising rates.
//   - TestMemory (SMARKETING_LOAD=1): RSS of the built binary, idle and after
//     100,000s of events.
//
// The dataset is built once per test process (sync.Once) in a temporary
// directory that TestMain removes.

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"smarketing/bot"
	"smarketing/bot/slackfake"
	"smarketing/commands"
	"smarketing/store"
	"smarketing/store/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if dsDir != "" {
		os.RemoveAll(dsDir)
	}
	os.Exit(code)
}

// ---------------------------------------------------------------------------
// The dataset.

const (
	dsTerms    = 10_000
	dsPersonas = 500
	dsLeads    = 100_000
	dsRaters   = 10 // ratings per lead: 1,000,000 in all
)

// benchData is a database file built once per process and shared.
type benchData struct {
	file    string   // closed SQLite file (WAL folded in)
	terms   []string // every term's name
	leads   []string // every lead's ts, all in leadsChannel
	ratings int      // feedback rows
	took    time.Duration
}

var (
	dsOnce  sync.Once
	dsDir   string // removed by TestMain
	benchDS *benchData
	dsErr   error
)

// benchDataset returns the shared dataset, building it on first use.
func benchDataset(tb testing.TB) *benchData {
	tb.Helper()
	dsOnce.Do(func() {
		benchDS, dsErr = buildDataset()
		if dsErr == nil {
			tb.Logf("dataset: %d terms, %d personas, %d leads, %d ratings, built in %v",
				len(benchDS.terms), dsPersonas, len(benchDS.leads), benchDS.ratings, benchDS.took.Round(time.Millisecond))
		}
	})
	if dsErr != nil {
		tb.Fatalf("build the benchmark dataset: %v", dsErr)
	}
	return benchDS
}

func buildDataset() (*benchData, error) {
	start := time.Now()
	dir, err := os.MkdirTemp("", "smarketing-bench-")
	if err != nil {
		return nil, err
	}
	dsDir = dir
	d := &benchData{file: filepath.Join(dir, "bench.db")}
	ctx := context.Background()
	db, err := store.Open(ctx, d.file, store.Options{})
	if err != nil {
		return nil, err
	}
	defer db.Close()

	now := time.Now().UTC().Truncate(time.Microsecond)
	data := store.Dataset{Version: store.DatasetVersion}
	cats := []string{"Funnel", "Sales", "Marketing", "Product", "Finance", "Operations", "Legal", "Brand", "Analytics", ""}
	for i := range dsTerms {
		name := fmt.Sprintf("Bench Term %05d", i)
		at := now.Add(-time.Duration(dsTerms-i) * time.Minute)
		d.terms = append(d.terms, name)
		data.Terms = append(data.Terms, store.TermRecord{
			Name: name, Aliases: []string{fmt.Sprintf("BT%05d", i), fmt.Sprintf("B.T. %05d", i)}, Category: cats[i%len(cats)],
			Definition: fmt.Sprintf("Term %d: %s", i, strings.Repeat("what sales and marketing agreed this means & how to count it, ", 4)),
			CreatedBy:  "UAUTHOR", CreatedAt: at, UpdatedBy: "UEDITOR", UpdatedAt: at.Add(time.Second),
		})
	}
	for i := range dsPersonas {
		at := now.Add(-time.Duration(dsPersonas-i) * time.Hour)
		data.Personas = append(data.Personas, store.PersonaRecord{
			Name: fmt.Sprintf("Bench Persona %03d", i), Role: "Head of Growth",
			Summary: "Owns pipeline targets for a mid-market SaaS company.", Goals: "Predictable pipeline; fewer poor leads.",
			Pains: "Too many unqualified demo requests.", Objections: "Price; time to value.", Channels: "LinkedIn, webinars",
			Questions: "How fast can we see results?", CreatedBy: "UAUTHOR", CreatedAt: at, UpdatedAt: at,
		})
	}
	ratings := []store.Rating{store.Good, store.Good, store.Poor, store.Hot}
	reasons := []string{"", "no_budget", "wrong_persona", "not_ready"}
	span := 365 * 24 * time.Hour
	for i := range dsLeads {
		posted := now.Add(-span + span/dsLeads*time.Duration(i)).Truncate(time.Microsecond)
		ts := fmt.Sprintf("%d.%06d", posted.Unix(), posted.Nanosecond()/1000)
		d.leads = append(d.leads, ts)
		l := store.LeadRecord{Channel: leadsChannel, TS: ts, Text: fmt.Sprintf("New lead %d: demo request from the web form", i),
			PostedBy: "BFORMS", PostedAt: posted, Feedback: make([]store.FeedbackRecord, 0, dsRaters)}
		for r := range dsRaters {
			f := store.FeedbackRecord{User: fmt.Sprintf("UR%02d", r), Rating: ratings[(i+r)%len(ratings)],
				At: posted.Add(time.Duration(1+(i+r)%50) * time.Minute)}
			if f.Rating == store.Poor {
				f.Reason = reasons[(i+r)%len(reasons)]
			}
			l.Feedback = append(l.Feedback, f)
		}
		data.Leads = append(data.Leads, l)
	}
	rep, err := db.Import(ctx, data, store.ImportOptions{By: store.Actor{ID: "UIMPORT", Name: "import"}})
	if err != nil {
		return nil, err
	}
	if len(rep.Rejected) > 0 {
		return nil, fmt.Errorf("import rejected %d records, first: %v", len(rep.Rejected), rep.Rejected[0].Err)
	}
	if err := db.Close(); err != nil {
		return nil, err
	}
	if d.ratings, err = benchCount(d.file, "feedback"); err != nil {
		return nil, err
	}
	if d.ratings != dsLeads*dsRaters {
		return nil, fmt.Errorf("%d ratings stored, want %d", d.ratings, dsLeads*dsRaters)
	}
	d.took = time.Since(start)
	return d, nil
}

// benchCount counts a table's rows through a store of its own at dsn.
func benchCount(dsn, table string) (int, error) {
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		return 0, err
	}
	n, err := countRows(ctx, db, table)
	return n, errors.Join(err, db.Close())
}

// countRows counts a table's rows through db.
func countRows(ctx context.Context, db store.Tables, table string) (int, error) {
	for _, t := range store.Schema() {
		if t.Name == table {
			n, err := db.CountRows(ctx, t)
			return int(n), err
		}
	}
	return 0, fmt.Errorf("no table %q", table)
}

// copyDataset gives a test its own copy of the dataset on the backend tests
// run on ([storetest.Backend]), so what it writes does not change what the
// other benchmarks measure, and returns where it is. On SQLite it copies
// the file; on PostgreSQL it fills a new database with [store.Copy], as
// smarketing copy would.
func copyDataset(tb testing.TB) (string, *benchData) {
	tb.Helper()
	d := benchDataset(tb)
	dsn := storetest.DSN(tb)
	if !store.IsPostgres(dsn) {
		copyFile(tb, d.file, dsn)
		return dsn, d
	}
	ctx := context.Background()
	start := time.Now()
	src, err := store.Open(ctx, d.file, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer src.Close()
	dst, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	_, err = store.Copy(ctx, src, dst)
	if err = errors.Join(err, dst.Close()); err != nil {
		tb.Fatalf("copy the dataset to PostgreSQL: %v", err)
	}
	tb.Logf("dataset copied to PostgreSQL in %v", time.Since(start).Round(time.Millisecond))
	return dsn, d
}

func copyFile(tb testing.TB, from, to string) {
	tb.Helper()
	in, err := os.Open(from)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		tb.Fatal(err)
	}
	if err := out.Close(); err != nil {
		tb.Fatal(err)
	}
}

// ---------------------------------------------------------------------------
// The bot under test and the floor.

var benchReactions = map[string]string{"+1": "good", "thumbsup": "good", "-1": "poor", "x": "poor", "fire": "hot"}

// handleLog is a slog handler that keeps the handle_ms of the bot's debug
// "acked" records (the time from taking an envelope to queueing its ack)
// and counts warnings and errors.
type handleLog struct {
	mu       sync.Mutex
	ms       []float64
	problems []string
}

func (h *handleLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *handleLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *handleLog) WithGroup(string) slog.Handler            { return h }

func (h *handleLog) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		var b strings.Builder
		b.WriteString(r.Level.String() + " " + r.Message)
		r.Attrs(func(a slog.Attr) bool { b.WriteString(" " + a.String()); return true })
		h.mu.Lock()
		if len(h.problems) < 20 {
			h.problems = append(h.problems, b.String())
		}
		h.mu.Unlock()
		return nil
	}
	if r.Message != "acked" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key != "handle_ms" {
			return true
		}
		h.mu.Lock()
		h.ms = append(h.ms, a.Value.Float64())
		h.mu.Unlock()
		return false
	})
	return nil
}

// take returns the handle times logged since the last take.
func (h *handleLog) take() []float64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	ms := h.ms
	h.ms = nil
	return ms
}

func (h *handleLog) report(tb testing.TB) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range h.problems {
		tb.Errorf("bot logged: %s", p)
	}
	h.problems = nil
}

// benchBot is the real bot (store + commands + bot) wired to its own fake
// Slack, as the binary wires them (without the schedules).
type benchBot struct {
	fake *slackfake.Server
	log  *handleLog
	db   *storetest.DB
}

func startBenchBot(tb testing.TB, dsn string) *benchBot {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fake := slackfake.New()
	tb.Cleanup(fake.Close)
	db := storetest.OpenDSN(tb, dsn, time.Time{})
	hl := &handleLog{}
	tb.Cleanup(func() { hl.report(tb) })
	b := bot.New(bot.Options{BotToken: slackfake.BotToken, AppToken: slackfake.AppToken, APIURL: fake.APIURL(), Log: slog.New(hl)})
	self, err := b.Identify(ctx)
	if err != nil {
		tb.Fatalf("identify: %v", err)
	}
	h := commands.New(db, commands.Options{
		Admins: []string{admin}, Location: time.UTC, LeadsChannels: []string{leadsChannel}, SLA: 24 * time.Hour,
		Reactions: benchReactions, WorkspaceURL: self.URL,
	})
	serve(tb, ctx, b, h, fake)
	return &benchBot{fake: fake, log: hl, db: db}
}

// startFloor connects a bare slack-go socketmode client to a fake of its
// own. Its event loop acks every request as soon as it arrives: slash
// commands with slashAck (the same bytes as the bot's answer), everything
// else with no payload, as the bot does.
func startFloor(tb testing.TB, slashAck json.RawMessage) *slackfake.Server {
	tb.Helper()
	fake := slackfake.New()
	tb.Cleanup(fake.Close)
	api := slack.New(slackfake.BotToken, slack.OptionAppLevelToken(slackfake.AppToken), slack.OptionAPIURL(fake.APIURL()))
	c := socketmode.New(api)
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan struct{})
	go func() {
		defer close(runDone)
		_ = c.RunContext(ctx)
	}()
	loopDone := make(chan struct{})
	go func() {
		defer close(loopDone)
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-c.Events:
				if evt.Request == nil {
					continue
				}
				var payload any
				if evt.Type == socketmode.EventTypeSlashCommand && slashAck != nil {
					payload = slashAck
				}
				if err := c.AckCtx(ctx, evt.Request.EnvelopeID, payload); err != nil && ctx.Err() == nil {
					tb.Errorf("floor ack: %v", err)
				}
			}
		}
	}()
	tb.Cleanup(func() {
		cancel()
		<-loopDone
		for { // let RunContext return even if it is sending an event
			select {
			case <-c.Events:
				continue
			case <-runDone:
			case <-time.After(5 * time.Second):
			}
			break
		}
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer wcancel()
	if err := fake.WaitConnected(wctx); err != nil {
		tb.Fatalf("floor client never connected: %v", err)
	}
	return fake
}

// ---------------------------------------------------------------------------
// What is sent. Message i is the same for the bot and the floor, so both
// see the same sizes; only ids differ.

// eventSeq makes event ids unique in the process: the shared database
// remembers every event id it applied.
var eventSeq atomic.Int64

func nextEventID() string { return fmt.Sprintf("EvB%012d", eventSeq.Add(1)) }

// benchSend sends message i to fake and returns its envelope id.
type benchSend func(fake *slackfake.Server, i int) string

func termSender(d *benchData) benchSend {
	return func(fake *slackfake.Server, i int) string {
		name := d.terms[int(benchMix(uint64(i))%uint64(len(d.terms)))]
		return fake.SendSlash(slackfake.Slash{Command: "/term", Text: name, UserID: "UBENCH"})
	}
}

// reactionSender rates a random lead as one of 20,000 users (so most
// reactions add a rating, some change one), good or hot (poor would send a
// follow-up question after the ack).
func reactionSender(d *benchData) benchSend {
	return func(fake *slackfake.Server, i int) string {
		h := benchMix(uint64(i))
		lead := d.leads[int(h%uint64(len(d.leads)))]
		user := fmt.Sprintf("UB%05d", (h>>20)%20_000)
		emoji := []string{"+1", "fire"}[h>>40&1]
		return fake.SendEvent(nextEventID(), reaction(true, user, emoji, leadsChannel, lead))
	}
}

// mix is splitmix64: a cheap stateless way to pick pseudo-random items by
// index, so concurrent senders need no shared generator.
func benchMix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// roundTrips sends messages first..first+n-1 with inflight senders, each
// sending its next message once the previous one is acked, and returns the
// latency of each: from the fake writing the envelope to the socket to the
// fake reading its ack (both timestamps taken by the fake).
func roundTrips(ctx context.Context, fake *slackfake.Server, first, n, inflight int, send benchSend) ([]time.Duration, error) {
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, inflight)
	for range inflight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				id := send(fake, first+i)
				actx, cancel := context.WithTimeout(ctx, 10*time.Second)
				ack, err := fake.WaitAck(actx, id)
				cancel()
				if err != nil {
					errs <- err
					return
				}
				lat[i] = ack.At.Sub(ack.SentAt)
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
		return lat, nil
	}
}

// ---------------------------------------------------------------------------
// Statistics.

func pctl[T cmp.Ordered](sorted []T, p float64) T {
	var zero T
	if len(sorted) == 0 {
		return zero
	}
	i := int(p/100*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func benchEnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// ---------------------------------------------------------------------------
// 1. Ack latency against the floor.

// BenchmarkAckLatency measures envelope-sent → ack-received for the bot and
// for the floor in alternating blocks (so both see the same machine load),
// SMARKETING_BENCH_SAMPLES (default 2,000) envelopes each per iteration.
//
// Metrics: p50_ms, p99_ms (bot), floor_p50_ms, floor_p99_ms, p99_ratio
// (bot p99 / floor p99), handler_p50_ms and handler_p99_ms (the bot's own
// handling, from its debug log's handle_ms: taking the envelope to queueing
// the ack), excess_p99_ms (bot p99 − floor p99). ns/op is the bot's wall
// time per envelope at that concurrency (1/throughput).
func BenchmarkAckLatency(b *testing.B) {
	dsn, d := copyDataset(b)
	samples := benchEnvInt("SMARKETING_BENCH_SAMPLES", 2000)
	kinds := []struct {
		name string
		send benchSend
	}{
		{"term", termSender(d)},
		{"reaction", reactionSender(d)},
	}
	for _, k := range kinds {
		for _, inflight := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/inflight=%d", k.name, inflight), func(b *testing.B) {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
				defer cancel()
				bb := startBenchBot(b, dsn)
				// The floor answers a slash command with the bytes the bot
				// answers with.
				var slashAck json.RawMessage
				if k.name == "term" {
					id := termSender(d)(bb.fake, 0)
					ack, err := bb.fake.WaitAck(ctx, id)
					if err != nil || ack.Payload == nil {
						b.Fatalf("no answer to /term: %v", err)
					}
					slashAck = ack.Payload
				}
				floor := startFloor(b, slashAck)

				// Warm up both: connections, statement caches, page cache.
				const warm = 200
				if _, err := roundTrips(ctx, bb.fake, 1_000_000, warm, inflight, k.send); err != nil {
					b.Fatal(err)
				}
				if _, err := roundTrips(ctx, floor, 1_000_000, warm, inflight, k.send); err != nil {
					b.Fatal(err)
				}
				bb.log.take()

				block := 250
				var botLat, floorLat []time.Duration
				var botWall time.Duration
				next := 0
				for b.Loop() {
					for done := 0; done < samples; done += block {
						n := min(block, samples-done)
						t0 := time.Now()
						lat, err := roundTrips(ctx, bb.fake, next, n, inflight, k.send)
						if err != nil {
							b.Fatal(err)
						}
						botWall += time.Since(t0)
						botLat = append(botLat, lat...)
						lat, err = roundTrips(ctx, floor, next, n, inflight, k.send)
						if err != nil {
							b.Fatal(err)
						}
						floorLat = append(floorLat, lat...)
						next += n
					}
				}
				handle := bb.log.take()
				slices.Sort(botLat)
				slices.Sort(floorLat)
				slices.Sort(handle)
				p50, p99 := pctl(botLat, 50), pctl(botLat, 99)
				f50, f99 := pctl(floorLat, 50), pctl(floorLat, 99)
				b.ReportMetric(float64(botWall.Nanoseconds())/float64(len(botLat)), "ns/op")
				b.ReportMetric(millis(p50), "p50_ms")
				b.ReportMetric(millis(p99), "p99_ms")
				b.ReportMetric(millis(f50), "floor_p50_ms")
				b.ReportMetric(millis(f99), "floor_p99_ms")
				b.ReportMetric(float64(p99)/float64(f99), "p99_ratio")
				b.ReportMetric(millis(p99-f99), "excess_p99_ms")
				b.ReportMetric(pctl(handle, 50), "handler_p50_ms")
				b.ReportMetric(pctl(handle, 99), "handler_p99_ms")
				over := func(limit float64) int {
					i, _ := slices.BinarySearch(handle, limit)
					return len(handle) - i
				}
				b.Logf("%s inflight=%d: %d samples each; bot p50 %.3f p99 %.3f max %.3f ms; floor p50 %.3f p99 %.3f max %.3f ms; "+
					"handler (%d logged) p50 %.3f p99 %.3f max %.3f ms, over 1/5/20/50 ms: %d/%d/%d/%d",
					k.name, inflight, len(botLat), millis(p50), millis(p99), millis(botLat[len(botLat)-1]), millis(f50), millis(f99), millis(floorLat[len(floorLat)-1]),
					len(handle), pctl(handle, 50), pctl(handle, 99), pctl(handle, 100), over(1), over(5), over(20), over(50))
			})
		}
	}
}

// ---------------------------------------------------------------------------
// 2. Throughput.

// loadStep is what one offered rate achieved.
type loadStep struct {
	offered   int // envelopes per second asked for
	start     time.Time
	sentRate  float64 // what the sender managed
	n         int
	acked     int
	achieved  float64 // acked / (last ack − first send)
	p50, p99  time.Duration
	max       time.Duration // from the Send call, so queueing in the fake counts
	over3s    int
	keepingUp bool
}

func (s loadStep) String() string {
	return fmt.Sprintf("offered %5d/s  sent %7.0f/s  acked %6d/%6d  achieved %7.0f/s  p50 %8.2f ms  p99 %8.2f ms  max %8.2f ms  >3s %d  keeping up %v",
		s.offered, s.sentRate, s.acked, s.n, s.achieved, millis(s.p50), millis(s.p99), millis(s.max), s.over3s, s.keepingUp)
}

// offer sends rate envelopes a second for dur (open loop: it does not wait
// for acks), then waits up to 30 s for every ack.
func offerLoad(ctx context.Context, fake *slackfake.Server, rate int, dur time.Duration, send func(i int) string) (loadStep, error) {
	n := int(float64(rate) * dur.Seconds())
	step := loadStep{offered: rate, n: n}
	ackBase, ackedBase := fake.AckCount(), fake.AckedCount()
	sent := make([]time.Time, n)
	ids := make(map[string]int, n)
	t0 := time.Now()
	step.start = t0
	for i := range n {
		due := t0.Add(time.Duration(i) * time.Second / time.Duration(rate))
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		sent[i] = time.Now()
		ids[send(i)] = i
	}
	step.sentRate = float64(n) / time.Since(t0).Seconds()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	waitErr := fake.WaitAckedCount(wctx, ackedBase+len(ids))
	var lat []time.Duration
	var last time.Time
	seen := map[string]bool{}
	for _, a := range fake.AcksFrom(ackBase) {
		i, ok := ids[a.EnvelopeID]
		if !ok || seen[a.EnvelopeID] {
			continue
		}
		seen[a.EnvelopeID] = true
		l := a.At.Sub(sent[i])
		lat = append(lat, l)
		if l > 3*time.Second {
			step.over3s++
		}
		if a.At.After(last) {
			last = a.At
		}
	}
	step.acked = len(lat)
	slices.Sort(lat)
	step.p50, step.p99, step.max = pctl(lat, 50), pctl(lat, 99), pctl(lat, 100)
	if step.acked > 0 {
		step.achieved = float64(step.acked) / last.Sub(t0).Seconds()
	}
	step.keepingUp = step.acked == n && step.over3s == 0 && step.achieved >= 0.95*float64(rate)
	if waitErr != nil && ctx.Err() == nil {
		waitErr = nil // reported as unacked envelopes
	}
	return step, waitErr
}

func loadEnabled(t *testing.T) {
	t.Helper()
	if os.Getenv("SMARKETING_LOAD") == "" || testing.Short() {
		t.Skip("load test: set SMARKETING_LOAD=1 (and not -short) to run it")
	}
}

func loadRates() []int {
	var rates []int
	for _, f := range strings.Split(cmp.Or(os.Getenv("SMARKETING_LOAD_RATES"), "500,1000,2000,4000,8000,12000,16000"), ",") {
		if r, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && r > 0 {
			rates = append(rates, r)
		}
	}
	return rates
}

// TestThroughput offers slash commands and reactions at rising rates, to
// the bot and to the floor (which shows what this machine and harness can
// carry at all), and checks that every reaction is counted exactly once.
// Run with SMARKETING_LOAD=1; SMARKETING_LOAD_RATES and
// SMARKETING_LOAD_SECONDS (default 3) change the steps; each kind stops at
// the first rate it cannot keep up with.
func TestThroughput(t *testing.T) {
	loadEnabled(t)
	file, d := copyDataset(t)
	dur := time.Duration(benchEnvInt("SMARKETING_LOAD_SECONDS", 3)) * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	var summary []string
	for _, kind := range []string{"term", "reaction"} {
		for _, target := range []string{"bot", "floor"} {
			t.Run(kind+"/"+target, func(t *testing.T) {
				var fake *slackfake.Server
				var db store.Tables // the bot's
				if target == "bot" {
					bb := startBenchBot(t, file)
					fake, db = bb.fake, bb.db
				} else {
					var slashAck json.RawMessage
					if kind == "term" {
						bb := startBenchBot(t, file)
						ack, err := bb.fake.WaitAck(ctx, termSender(d)(bb.fake, 0))
						if err != nil {
							t.Fatal(err)
						}
						slashAck = ack.Payload
					}
					fake = startFloor(t, slashAck)
				}
				knee := 0
				for s, rate := range loadRates() {
					var send func(i int) string
					var pairs map[[2]string]bool
					if kind == "term" {
						ts := termSender(d)
						send = func(i int) string { return ts(fake, s*1_000_000+i) }
					} else {
						pairs = map[[2]string]bool{}
						send = distinctPairSender(fake, d, s, pairs)
					}
					before := 0
					if kind == "reaction" && target == "bot" {
						var err error
						if before, err = countRows(ctx, db, "feedback"); err != nil {
							t.Fatal(err)
						}
					}
					step, err := offerLoad(ctx, fake, rate, dur, send)
					if err != nil {
						t.Fatal(err)
					}
					line := fmt.Sprintf("%-8s %-5s %v", kind, target, step)
					if kind == "reaction" && target == "bot" {
						// Acked means committed: the ratings are in the
						// database already.
						after, err := countRows(ctx, db, "feedback")
						if err != nil {
							t.Fatal(err)
						}
						line += fmt.Sprintf("  ratings +%d (distinct pairs %d)", after-before, len(pairs))
						if step.acked == step.n && after-before != len(pairs) {
							t.Errorf("offered %d/s: ratings grew by %d, want %d (one per distinct lead and user)", rate, after-before, len(pairs))
						}
					}
					t.Log(line)
					summary = append(summary, line)
					if !step.keepingUp {
						break // past the knee; higher rates only pile up
					}
					knee = rate
				}
				summary = append(summary, fmt.Sprintf("%-8s %-5s highest rate kept up with: %d/s", kind, target, knee))
			})
		}
	}
	t.Log("summary:\n" + strings.Join(summary, "\n"))
}

// distinctPairSender rates leads as new users (step s), with every tenth
// event changing an earlier rating (same lead and user, other emoji) and
// every 25th delivered a second time under the same event id: the ratings
// must grow by exactly the number of distinct (lead, user) pairs.
func distinctPairSender(fake *slackfake.Server, d *benchData, s int, pairs map[[2]string]bool) func(i int) string {
	type sentEvent struct {
		id         string
		lead, user string
		emoji      string
	}
	var log []sentEvent
	k := 0
	return func(i int) string {
		var ev sentEvent
		switch {
		case i%25 == 24 && len(log) > 0: // redelivery: same event id, new envelope
			ev = log[len(log)-1]
		case i%10 == 9 && len(log) > 5: // change of mind
			ev = log[len(log)-5]
			ev.id = nextEventID()
			ev.emoji = map[string]string{"+1": "fire", "fire": "+1"}[ev.emoji]
		default:
			ev = sentEvent{id: nextEventID(), lead: d.leads[int(benchMix(uint64(s)<<32|uint64(k))%uint64(len(d.leads)))],
				user: fmt.Sprintf("UL%02d%06d", s, k), emoji: "+1"}
			k++
		}
		log = append(log, ev)
		pairs[[2]string{ev.lead, ev.user}] = true
		return fake.SendEvent(ev.id, reaction(true, ev.user, ev.emoji, leadsChannel, ev.lead))
	}
}

// ---------------------------------------------------------------------------
// 6. Memory.

// TestMemory builds the binary, connects it to a fake Slack on a copy of the
// dataset, and reads its VmRSS: idle, then after each SMARKETING_MEMORY_EVENTS
// (default 100,000) reactions, three times over (the duplicate-event memory
// must stop growing once it holds its 100,000 entries), then after as many
// /term commands (whose answers it also keeps for redeliveries). Last it
// shows the seen_events table is pruned after a day. Run with
// SMARKETING_LOAD=1.
func TestMemory(t *testing.T) {
	loadEnabled(t)
	file, d := copyDataset(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "smarketing")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = ".." // the module root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	fake := slackfake.New()
	defer fake.Close()
	logFile, err := os.Create(filepath.Join(dir, "bot.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "run")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir,
		"SLACK_BOT_TOKEN=" + slackfake.BotToken, "SLACK_APP_TOKEN=" + slackfake.AppToken, "SLACK_API_URL=" + fake.APIURL(),
		"SMARKETING_DB=" + file, "SMARKETING_LEADS_CHANNELS=" + leadsChannel, "LOG_LEVEL=warn",
		"GODEBUG=gctrace=1"} // the Go heap after each GC, to tell it from SQLite's and the runtime's memory
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cctx, ccancel := context.WithTimeout(ctx, 30*time.Second)
	defer ccancel()
	if err := fake.WaitConnected(cctx); err != nil {
		t.Fatalf("binary never connected: %v", err)
	}
	rss := func(label string) {
		time.Sleep(3 * time.Second) // let the runtime settle (GC, scavenger)
		st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
		if err != nil {
			t.Fatalf("read status: %v", err)
		}
		var fields []string
		for _, line := range strings.Split(string(st), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && (k == "VmRSS" || k == "VmHWM" || k == "RssAnon") {
				fields = append(fields, k+" "+strings.Join(strings.Fields(v), " "))
			}
		}
		// The last gctrace line: "gc N @…: …, A->B->C MB, D MB goal, …",
		// C being the live heap after that GC.
		logs, _ := os.ReadFile(logFile.Name())
		lines := strings.Split(string(logs), "\n")
		for i := len(lines) - 1; i >= 0; i-- {
			if !strings.HasPrefix(lines[i], "gc ") {
				continue
			}
			for _, f := range strings.Split(lines[i], ", ") {
				if strings.HasSuffix(f, " MB") && strings.Contains(f, "->") {
					fields = append(fields, "Go heap (before->after->live at last GC) "+f)
				}
				if strings.HasSuffix(f, " MB goal") {
					fields = append(fields, f)
				}
			}
			break
		}
		t.Logf("%-40s %s", label, strings.Join(fields, "  "))
	}
	rss("idle, connected")

	// botProblems returns what the bot logged at warn and up, but the
	// expected note that no recap channel is set.
	botProblems := func() []string {
		logs, _ := os.ReadFile(logFile.Name())
		var out []string
		for _, line := range strings.Split(strings.TrimSpace(string(logs)), "\n") {
			if line != "" && !strings.HasPrefix(line, "gc ") && line != "GC forced" && !strings.Contains(line, "SMARKETING_RECAP_CHANNEL is not set") {
				out = append(out, line)
			}
		}
		return out
	}
	n := benchEnvInt("SMARKETING_MEMORY_EVENTS", 100_000)
	// Envelopes in flight: 16 keeps this a memory test rather than a load
	// test; SMARKETING_MEMORY_WINDOW=64 (the bot's worker count) pushes harder.
	window := benchEnvInt("SMARKETING_MEMORY_WINDOW", 16)
	total := 0
	waitAcked := func(want int) {
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := fake.WaitAckedCount(wctx, want); err != nil {
			problems := botProblems()
			t.Fatalf("%d envelopes not acked after 30 s (Slack would redeliver them only a minute later): %v\n%d problems logged, the first:\n%s",
				want-fake.AckedCount(), err, len(problems), strings.Join(problems[:min(len(problems), 10)], "\n"))
		}
	}
	drive := func(label string, send func(i int) string) {
		start, ackedBase := time.Now(), fake.AckedCount()
		for i := range n {
			if i >= window {
				waitAcked(ackedBase + i - window + 1)
			}
			send(i)
		}
		waitAcked(ackedBase + n)
		total += n
		t.Logf("%d %s in %v (%.0f/s)", n, label, time.Since(start).Round(time.Millisecond), float64(n)/time.Since(start).Seconds())
	}
	react := reactionSender(d)
	for round := range 3 {
		drive("reactions", func(i int) string { return react(fake, round*n+i) })
		rss(fmt.Sprintf("after %d events (%d reactions)", total, (round+1)*n))
	}
	term := termSender(d)
	drive("/term commands", func(i int) string { return term(fake, i) })
	rss(fmt.Sprintf("after %d events (+%d /term)", total, n))

	// seen_events holds the last day's event ids, on disk, and is pruned
	// as events are applied.
	seen, err := benchCount(file, "seen_events")
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.OpenDSN(t, file, time.Now().Add(25*time.Hour))
	if _, err := db.Record(ctx, store.Event{ID: "EvPruneProbe", React: &store.Reaction{Channel: leadsChannel, TS: d.leads[0], User: "UPRUNE", Emoji: "+1",
		Rating: store.Good, Added: true, At: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	after, err := benchCount(file, "seen_events")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seen_events: %d rows after the run; %d after one more event a day later (pruned)", seen, after)
	if after != 1 {
		t.Errorf("seen_events has %d rows a day later, want 1", after)
	}
	if problems := botProblems(); len(problems) > 0 {
		t.Errorf("the bot logged %d warnings or errors, the first:\n%s", len(problems), strings.Join(problems[:min(len(problems), 10)], "\n"))
	}
}
