// Package probes serves what an operator or an orchestrator asks a running
// bot over HTTP (SMARKETING_HTTP_ADDR, SPEC §3 and §12): /healthz (the
// process is up), /readyz (it is connected to Slack and its database
// answers) and /metrics (Prometheus text format). It owns the bot's
// metrics; the bot, the store (through store.Observer) and the schedules
// report to a [Metrics]. It imports neither Slack nor a database.
package probes

import (
	"net/http"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Envelope types, the type label of smarketing_envelopes_total and
// smarketing_ack_seconds: Socket Mode's names for them.
const (
	EnvelopeEvents   = "events_api"
	EnvelopeSlash    = "slash_commands"
	EnvelopeInteract = "interactive"
	// Other is any label value outside the known set, so that no input
	// can grow the number of series.
	Other = "other"
)

// Events API event types, the event label of smarketing_envelopes_total
// for an events_api envelope (empty for the other types).
var knownEvents = []string{"message", "reaction_added", "reaction_removed", "app_home_opened"}

// Results of an event handed to the store, the result label of
// smarketing_events_applied_total.
const (
	EventApplied   = "applied"   // committed
	EventDuplicate = "duplicate" // a redelivery of an event applied before
	EventSkipped   = "skipped"   // poison: refused by the database, recorded and skipped
	EventFailed    = "failed"    // not committed; left unacked for Slack to redeliver
)

// Kinds and results of timed posts, the labels of smarketing_posts_total.
const (
	PostRecap           = "recap"
	PostMeetingReminder = "meeting_reminder"
	PostSLAReminder     = "sla_reminder"
	PostEscalation      = "escalation"
	PostReviewDM        = "review_dm"
	PostActionDM        = "action_dm"

	PostPosted  = "posted"  // sent to Slack
	PostFailed  = "failed"  // not posted, or not known to be; a later run tries again (looking in Slack first if unsure)
	PostAlready = "already" // found in Slack by its mark: an earlier attempt had posted it
)

// postKinds are the kinds of timed posts (schedules' kind* constants).
var postKinds = []string{PostRecap, PostMeetingReminder, PostSLAReminder, PostEscalation, PostReviewDM, PostActionDM}

// Database operations, the op label of smarketing_db_errors_total.
const (
	DBRead   = "read"
	DBWrite  = "write"
	DBEvents = "commit_events" // an event batch that did not commit
)

// Metrics are the bot's Prometheus metrics, in a registry of their own
// with the Go runtime and process collectors. Every method is safe for
// concurrent use, and on a nil *Metrics does nothing, so callers need no
// check.
type Metrics struct {
	reg       *prometheus.Registry
	envelopes *prometheus.CounterVec
	ack       *prometheus.HistogramVec
	events    *prometheus.CounterVec
	posts     *prometheus.CounterVec
	retries   *prometheus.CounterVec
	dbErrors  *prometheus.CounterVec
}

// NewMetrics returns metrics registered in a new registry, with every
// known label combination at zero, so that a rate() has a start.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		envelopes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smarketing_envelopes_total",
			Help: "Socket Mode envelopes received, by envelope type and, for events_api, event type.",
		}, []string{"type", "event"}),
		ack: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "smarketing_ack_seconds",
			Help:    "Time from an envelope's arrival to its ack, by envelope type.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 3},
		}, []string{"type"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smarketing_events_applied_total",
			Help: "Events handed to the store, by result: applied, duplicate (a redelivery), skipped (poison), failed (not committed).",
		}, []string{"result"}),
		posts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smarketing_posts_total",
			Help: "Timed posts, by kind (recap, meeting_reminder, sla_reminder, escalation, review_dm, action_dm) and result (posted, failed, already).",
		}, []string{"kind", "result"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smarketing_webapi_retries_total",
			Help: "Slack Web API calls retried (rate limited, server or connection error), by method.",
		}, []string{"method"}),
		dbErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "smarketing_db_errors_total",
			Help: "Database errors, by operation: read, write, commit_events (an event batch that did not commit).",
		}, []string{"op"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.envelopes, m.ack, m.events, m.posts, m.retries, m.dbErrors,
	)
	for _, t := range []string{EnvelopeSlash, EnvelopeInteract} {
		m.envelopes.WithLabelValues(t, "")
		m.ack.WithLabelValues(t)
	}
	for _, e := range append(slices.Clone(knownEvents), Other) {
		m.envelopes.WithLabelValues(EnvelopeEvents, e)
	}
	m.ack.WithLabelValues(EnvelopeEvents)
	for _, r := range []string{EventApplied, EventDuplicate, EventSkipped, EventFailed} {
		m.events.WithLabelValues(r)
	}
	for _, k := range postKinds {
		for _, r := range []string{PostPosted, PostFailed, PostAlready} {
			m.posts.WithLabelValues(k, r)
		}
	}
	for _, op := range []string{DBRead, DBWrite, DBEvents} {
		m.dbErrors.WithLabelValues(op)
	}
	return m
}

// Envelope counts an envelope received. typ is its Socket Mode type
// ([EnvelopeEvents], [EnvelopeSlash], [EnvelopeInteract]; anything else
// counts as [Other]); event is the Events API event type of an events_api
// envelope, and is ignored for the other types.
func (m *Metrics) Envelope(typ, event string) {
	if m == nil {
		return
	}
	typ = envelopeType(typ)
	if typ == EnvelopeEvents {
		event = known(event, knownEvents...)
	} else {
		event = ""
	}
	m.envelopes.WithLabelValues(typ, event).Inc()
}

// Acked records how long after its arrival an envelope of type typ was
// acked.
func (m *Metrics) Acked(typ string, d time.Duration) {
	if m == nil {
		return
	}
	m.ack.WithLabelValues(envelopeType(typ)).Observe(d.Seconds())
}

// EventDone counts an event handed to the store by its result:
// [EventApplied], [EventDuplicate], [EventSkipped] or [EventFailed]. It
// makes *Metrics a store.Observer.
func (m *Metrics) EventDone(result string) {
	if m == nil {
		return
	}
	m.events.WithLabelValues(known(result, EventApplied, EventDuplicate, EventSkipped, EventFailed)).Inc()
}

// Post counts a timed post: kind is one of the Post kinds ([PostRecap] …
// [PostActionDM]), result is [PostPosted], [PostFailed] or [PostAlready];
// any other value counts as [Other].
func (m *Metrics) Post(kind, result string) {
	if m == nil {
		return
	}
	m.posts.WithLabelValues(
		known(kind, postKinds...),
		known(result, PostPosted, PostFailed, PostAlready),
	).Inc()
}

// WebAPIRetry counts a Web API call about to be retried. method is the
// Slack method (chat.postMessage); anything that does not look like one
// counts as [Other], and "response_url" is kept as it is.
func (m *Metrics) WebAPIRetry(method string) {
	if m == nil {
		return
	}
	if method != "response_url" && !isMethodName(method) {
		method = Other
	}
	m.retries.WithLabelValues(method).Inc()
}

// DBError counts a database error by operation: [DBRead], [DBWrite] or
// [DBEvents]. It makes *Metrics a store.Observer.
func (m *Metrics) DBError(op string) {
	if m == nil {
		return
	}
	m.dbErrors.WithLabelValues(known(op, DBRead, DBWrite, DBEvents)).Inc()
}

// Handler serves the metrics in the Prometheus text format (or another
// format the scraper asks for); on a nil *Metrics it answers 404.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

func envelopeType(t string) string {
	return known(t, EnvelopeEvents, EnvelopeSlash, EnvelopeInteract)
}

// known returns v if it is one of set, else [Other].
func known(v string, set ...string) string {
	if slices.Contains(set, v) {
		return v
	}
	return Other
}

// isMethodName reports whether s looks like a Slack Web API method name:
// two to four dotted parts of ASCII letters (chat.postMessage,
// apps.connections.open), at most 64 bytes.
func isMethodName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	parts := 1
	prevDot := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if prevDot {
				return false
			}
			parts++
			prevDot = true
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			prevDot = false
		default:
			return false
		}
	}
	return !prevDot && parts >= 2 && parts <= 4
}
