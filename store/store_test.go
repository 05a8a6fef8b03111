package store_test

// Unit tests of the rules that do not depend on a database. What the
// backends do is tested by the conformance suite (store/storetest), run by
// each backend's package.

import (
	"context"
	"strings"
	"testing"
	"time"

	"smarketing/store"
)

func TestKey(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"MQL", "mql"},
		{"  Marketing   Qualified\tLead \n", "marketing qualified lead"},
		{"ÉTUDE", "étude"},
		{"Straße", "straße"},
		{"", ""},
		{"   ", ""},
		{"A\u00a0B", "a b"}, // no-break space is white space too
		{"ΟΔΟΣ", "οδοσ"},    // final sigma: one letter with σ
		{"οδος", "οδοσ"},
		{"ǅ", "ǆ"}, // title case folds too
		{"ﬁ", "ﬁ"},
	}
	for _, tc := range tests {
		if got := store.Key(tc.in); got != tc.want {
			t.Errorf("Key(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Key agrees with Unicode case folding where a letter has one fold.
	for _, pair := range [][2]string{{"ΟΔΟΣ", "οδος"}, {"Ǆ", "ǆ"}, {"K", "\u212a"}, {"Å", "\u212b"}} {
		if store.Key(pair[0]) != store.Key(pair[1]) || !strings.EqualFold(pair[0], pair[1]) {
			t.Errorf("Key(%q) = %q, Key(%q) = %q; want equal, as EqualFold says", pair[0], store.Key(pair[0]), pair[1], store.Key(pair[1]))
		}
	}
}

func TestIsPostgresAndRedact(t *testing.T) {
	tests := []struct {
		dsn      string
		postgres bool
		redacted string
	}{
		{"postgres://bot:s3cret@db:5432/smarketing?sslmode=require", true, "postgres://bot:xxxxx@db:5432/smarketing?sslmode=require"},
		{"postgresql://bot:p@ss@word@db/x", true, "postgresql://bot:xxxxx@db/x"},
		{"postgres://bot@db/x", true, "postgres://bot@db/x"},
		{"postgres://db/x", true, "postgres://db/x"},
		{"postgres://:pw@db/x", true, "postgres://:xxxxx@db/x"},
		{"/var/lib/smarketing/smarketing.db", false, "/var/lib/smarketing/smarketing.db"},
		{"user:pass@host.db", false, "user:pass@host.db"}, // a file name, not a URL
		{"sqlite:/tmp/x.db", false, "sqlite:/tmp/x.db"},
		{"Postgres://bot:pw@db/x", false, "Postgres://bot:pw@db/x"},
		{"", false, ""},
	}
	for _, tc := range tests {
		if got := store.IsPostgres(tc.dsn); got != tc.postgres {
			t.Errorf("IsPostgres(%q) = %v, want %v", tc.dsn, got, tc.postgres)
		}
		if got := store.Redact(tc.dsn); got != tc.redacted {
			t.Errorf("Redact(%q) = %q, want %q", tc.dsn, got, tc.redacted)
		}
	}
}

// fakeStore is what the fake backend opens: what it was given.
type fakeStore struct {
	store.Store
	dsn string
	opt store.Options
}

func init() {
	store.Register(store.Backend{
		Name:    "zz-fake",
		Accepts: func(dsn string) bool { return strings.HasPrefix(dsn, "fake:") },
		Open: func(_ context.Context, dsn string, opt store.Options) (store.Store, error) {
			return &fakeStore{dsn: dsn, opt: opt}, nil
		},
	})
}

func TestOpenPicksTheBackendThatAccepts(t *testing.T) {
	now := func() time.Time { return time.Unix(42, 0) }
	s, err := store.Open(context.Background(), "fake:x", store.Options{Now: now})
	if err != nil {
		t.Fatalf("Open(fake:x): %v", err)
	}
	f, ok := s.(*fakeStore)
	if !ok || f.dsn != "fake:x" || f.opt.Now().Unix() != 42 {
		t.Fatalf("Open(fake:x) = %#v, want the fake backend with the options given", s)
	}
	// No backend accepts a postgres URL here: the error names what is
	// compiled in and hides the password.
	_, err = store.Open(context.Background(), "postgres://bot:s3cret@db/x", store.Options{})
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "zz-fake") {
		t.Fatalf("Open(postgres URL) err = %v, want one naming the backends, without the password", err)
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("registering zz-fake twice did not panic")
		}
	}()
	store.Register(store.Backend{Name: "zz-fake", Accepts: func(string) bool { return false }})
}

func TestOptionsDefaults(t *testing.T) {
	var o store.Options
	if o.Logger() == nil {
		t.Fatal("Logger() = nil, want one that discards")
	}
	o.Logger().Info("discarded")
	if d := time.Since(o.Clock()()); d < 0 || d > time.Minute {
		t.Fatalf("Clock() is %v off the real time", d)
	}
	at := time.Unix(7, 0)
	o.Now = func() time.Time { return at }
	if !o.Clock()().Equal(at) {
		t.Fatal("Clock() does not return Now")
	}
}

func TestSortChanges(t *testing.T) {
	cs := []store.Change{
		{Kind: "persona", Name: "beta"}, {Kind: "term", Name: "Zeta"}, {Kind: "persona", Name: "Alpha"},
		{Kind: "term", Name: "alpha"}, {Kind: "term", Name: "Épée"}, {Kind: "term", Name: "BETA"},
	}
	store.SortChanges(cs)
	var got []string
	for _, c := range cs {
		got = append(got, c.Kind+":"+c.Name)
	}
	want := "term:alpha term:BETA term:Zeta term:Épée persona:Alpha persona:beta"
	if strings.Join(got, " ") != want {
		t.Fatalf("SortChanges = %q, want %q", strings.Join(got, " "), want)
	}
}

func TestErrors(t *testing.T) {
	ce := &store.ConflictError{Key: "mql", Owner: "Marketing Qualified Lead"}
	if msg := ce.Error(); !strings.Contains(msg, `"mql"`) || !strings.Contains(msg, `"Marketing Qualified Lead"`) {
		t.Errorf("ConflictError.Error() = %q", msg)
	}
	if re := (&store.RecordError{Msg: "bad"}); re.Error() != "bad" {
		t.Errorf("RecordError.Error() = %q", re.Error())
	}
	for _, err := range []error{store.ErrNotFound, store.ErrUnchanged, store.ErrClosed, store.ErrNotEmpty, store.ErrAgendaFull, store.ErrLeaseLost} {
		if !strings.HasPrefix(err.Error(), "store: ") {
			t.Errorf("%v: want the store: prefix", err)
		}
	}
}

func TestClaimKeys(t *testing.T) {
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	berlin := time.FixedZone("CET", 3600)
	if got := store.RecapKey(at); got != "recap:2026-11-30T09:00:00Z" {
		t.Errorf("RecapKey = %q", got)
	}
	if store.RecapKey(at.In(berlin)) != store.RecapKey(at) {
		t.Errorf("RecapKey depends on the zone: %q vs %q", store.RecapKey(at.In(berlin)), store.RecapKey(at))
	}
	if got := store.MeetingReminderKey(7, at.In(berlin)); got != "meeting:7:2026-11-30T09:00:00Z" {
		t.Errorf("MeetingReminderKey = %q", got)
	}
	if got := (store.SLA{Within: time.Hour}).Reminder().Key(42); got != "sla:42" || !strings.HasPrefix(got, store.SLAReminderPrefix) {
		t.Errorf("Reminder().Key = %q", got)
	}
	if store.RecapKey(at) == store.RecapKey(at.Add(time.Second)) || store.MeetingReminderKey(1, at) == store.MeetingReminderKey(2, at) {
		t.Error("distinct claims share a key")
	}
}
