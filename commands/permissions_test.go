package commands

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"smarketing/store"
	"smarketing/store/storetest"
)

// permFixture is what each permission case starts from: one record of each
// kind, all made by Ann.
type permFixture struct {
	term    store.Term
	persona store.Persona
	meeting store.Meeting
	week    store.ISOWeek
}

const permCreator = "UANN"

// newPermFixture opens a fresh database (UADMIN is an admin) holding a term,
// a persona, a meeting and a metric made by Ann.
func newPermFixture(tb testing.TB) (*Handler, *storetest.DB, permFixture) {
	tb.Helper()
	ctx := context.Background()
	db := MustOpenDB(tb)
	h := New(db, Options{Admins: []string{"UADMIN"}, Location: time.UTC, Now: func() time.Time { return fixedTime }, RecapChannel: "CRECAP1"})
	by := store.Actor{ID: permCreator, Name: nameOf(permCreator)}
	var fx permFixture
	var err error
	fx.term = mustAddTerm(tb, db, store.Term{Name: "MQL", Aliases: []string{"Marketing Qualified Lead"}, Category: "Funnel", Definition: "A lead marketing judges ready"}, permCreator)
	if fx.persona, err = db.AddPersona(ctx, store.Persona{Name: "Sally Supermom", Role: "Parent", Summary: "Runs a busy household"}, by); err != nil {
		tb.Fatal(err)
	}
	if fx.meeting, err = db.AddMeeting(ctx, store.Meeting{Title: "Pipeline review", Schedule: "0 10 * * TUE", Channel: "CRECAP1"}, by); err != nil {
		tb.Fatal(err)
	}
	fx.week = store.WeekOf(fixedTime)
	if err := db.SetMetric(ctx, store.Metric{Name: "website-visits", Week: fx.week, Value: 4210, SetBy: permCreator, SetAt: fixedTime}); err != nil {
		tb.Fatal(err)
	}
	return h, db, fx
}

// permActors are who tries each command: the record's creator, an admin
// (Options.Admins) who did not create it, and someone else.
var permActors = []struct {
	role      string
	user      string
	mayDelete bool
}{
	{"creator", permCreator, true},
	{"admin", "UADMIN", true},
	{"other user", "UBOB", false},
}

// permCase is one mutating command. run does it as user; check looks at
// the answer and the database afterwards, given whether it was allowed.
type permCase struct {
	name   string
	delete bool // only the creator and admins may; everything else is open to all
	run    func(t *testing.T, h *Handler, fx permFixture, user string) (Response, error)
	check  func(t *testing.T, db *storetest.DB, fx permFixture, user string, resp Response, err error, allowed bool)
}

func TestPermissionMatrix(t *testing.T) {
	ctx := context.Background()
	slashAs := func(h *Handler, command, text, user string) (Response, error) {
		return h.Slash(ctx, Request{Command: command, Text: text, UserID: user, UserName: nameOf(user), ChannelID: "CCHAN"})
	}
	// formEdit opens the edit form of a record as user and submits it with
	// one field changed.
	formEdit := func(t *testing.T, h *Handler, command, text, user, field, value string) (Response, error) {
		t.Helper()
		resp, err := slashAs(h, command, text, user)
		if err != nil || resp.Modal == nil {
			t.Fatalf("%s %s as %s = %+v, %v; want the edit form", command, text, user, resp, err)
		}
		values := map[string]string{}
		for _, in := range resp.Modal.Inputs {
			values[in.ID] = in.Value
		}
		values[field] = value
		res, err := h.Submit(ctx, Submission{CallbackID: resp.Modal.CallbackID, Metadata: resp.Modal.Metadata, UserID: user, UserName: nameOf(user), Values: values})
		if err != nil || len(res.Errors) > 0 {
			t.Fatalf("Submit(%s) as %s = %q, %v; want it saved", resp.Modal.CallbackID, user, res.Errors, err)
		}
		return res.Reply, nil
	}

	checkTermDeleted := func(t *testing.T, db *storetest.DB, fx permFixture, user string, resp Response, err error, allowed bool) {
		got, lookupErr := db.TermByID(ctx, fx.term.ID)
		if allowed {
			mustSucceed(t, resp, err, ":wastebasket: Deleted *MQL* from the glossary.")
			if !errors.Is(lookupErr, store.ErrNotFound) {
				t.Fatalf("term after delete: %+v, %v; want it gone", got, lookupErr)
			}
			return
		}
		mustRefuse(t, err, "Sorry, only <@UANN> (who added *MQL*) or an admin can delete it.", "You can still change it with `/term edit MQL`.")
		if lookupErr != nil || !sameTerm(got, fx.term) {
			t.Fatalf("term after a refused delete: %+v, %v; want it unchanged: %+v", got, lookupErr, fx.term)
		}
		mustRevisions(t, db, "term", fx.term.ID, 1)
	}
	checkTermEdited := func(def string) func(*testing.T, *storetest.DB, permFixture, string, Response, error, bool) {
		return func(t *testing.T, db *storetest.DB, fx permFixture, user string, resp Response, err error, allowed bool) {
			mustSucceed(t, resp, err, ":white_check_mark: Updated *MQL*.")
			got, lookupErr := db.TermByID(ctx, fx.term.ID)
			if lookupErr != nil || got.Definition != def+user || got.UpdatedBy != user || got.UpdatedByName != nameOf(user) ||
				got.CreatedBy != permCreator || got.Name != "MQL" || !slices.Equal(got.Aliases, fx.term.Aliases) {
				t.Fatalf("term after edit by %s: %+v, %v", user, got, lookupErr)
			}
			revs := mustRevisions(t, db, "term", fx.term.ID, 2)
			if r := revs[0]; r.action != "edited" || r.by != user || r.byName != nameOf(user) {
				t.Fatalf("newest revision %+v, want edited by %s", r, user)
			}
		}
	}
	checkPersonaDeleted := func(t *testing.T, db *storetest.DB, fx permFixture, user string, resp Response, err error, allowed bool) {
		got, lookupErr := db.PersonaByID(ctx, fx.persona.ID)
		if allowed {
			mustSucceed(t, resp, err, ":wastebasket: Deleted the persona *Sally Supermom*.")
			if !errors.Is(lookupErr, store.ErrNotFound) {
				t.Fatalf("persona after delete: %+v, %v; want it gone", got, lookupErr)
			}
			return
		}
		mustRefuse(t, err, "Sorry, only <@UANN> (who added *Sally Supermom*) or an admin can delete it.", "`/persona edit Sally Supermom`")
		if lookupErr != nil || !reflect.DeepEqual(got, fx.persona) {
			t.Fatalf("persona after a refused delete: %+v, %v; want it unchanged: %+v", got, lookupErr, fx.persona)
		}
		mustRevisions(t, db, "persona", fx.persona.ID, 1)
	}
	checkPersonaEdited := func(summary string) func(*testing.T, *storetest.DB, permFixture, string, Response, error, bool) {
		return func(t *testing.T, db *storetest.DB, fx permFixture, user string, resp Response, err error, allowed bool) {
			mustSucceed(t, resp, err, ":white_check_mark: Updated the persona *Sally Supermom*.")
			got, lookupErr := db.PersonaByID(ctx, fx.persona.ID)
			if lookupErr != nil || got.Summary != summary+user || got.UpdatedBy != user || got.UpdatedByName != nameOf(user) ||
				got.CreatedBy != permCreator || got.Role != fx.persona.Role {
				t.Fatalf("persona after edit by %s: %+v, %v", user, got, lookupErr)
			}
			revs := mustRevisions(t, db, "persona", fx.persona.ID, 2)
			if r := revs[0]; r.action != "edited" || r.by != user || r.byName != nameOf(user) {
				t.Fatalf("newest revision %+v, want edited by %s", r, user)
			}
		}
	}

	cases := []permCase{
		{
			name: "/term delete", delete: true,
			run: func(t *testing.T, h *Handler, fx permFixture, user string) (Response, error) {
				return slashAs(h, "/term", "delete MQL", user)
			},
			check: checkTermDeleted,
		},
		{
			// A button (or a crafted action) runs the line as the clicker:
			// no way around the check.
			name: "/term delete from a button", delete: true,
			run: func(t *testing.T, h *Handler, fx permFixture, user string) (Response, error) {
				return h.Act(ctx, Action{ActionID: ActionRun, Value: "/term delete " + idRef(fx.term.ID), UserID: user, UserName: nameOf(user)})
			},
			check: checkTermDeleted,
		},
		{
			name: "/term edit inline",
			run: func(t *testing.T, h *Handler, fx permFixture, user string) (Response, error) {
				return slashAs(h, "/term", "edit mql = Inline edit by "+user, user)
			},
			check: checkTermEdited("Inline edit by "),
		},
		{
			name: "/term edit form",
			run: func(t *testing.T, h *Handler, fx permFixture, user string) (Response, error) {
				return formEdit(t, h, "/term", "edit MQL", user, inputDefinition, "Form edit by "+user)
			},
			check: checkTermEdited("Form edit by "),
		},
		{
			name: "/persona delete", delete: true,
			run: func(t *testing.T, h *Handler, fx permFixture, user string) (Response, error) {
				return slashAs(h, "/persona", "delete sally", user)
			},
			check: checkPersonaDeleted,
		},
		{
			name: "/persona edit inline",
			run: func(t *testing.T, h *Handler, fx permFixture, user string) (Response, error) {
				return slashAs(h, "/persona", "edit Sally Supermom = Inline edit by "+user, user)
			},
			check: checkPersonaEdited("Inline edit by "),
		},
		{
			name: "/persona edit form",
			run: func(t *testing.T, h *Handler, fx permFixture, user string) (Response, error) {
				return formEdit(t, h, "/persona", "edit sally", user, "summary", "Form edit by "+user)
			},
			check: checkPersonaEdited("Form edit by "),
		},
		{
			name: "/meeting delete", delete: true,
			run: func(t *testing.T, h *Handler, fx permFixture, user string) (Response, error) {
				return slashAs(h, "/meeting", "delete "+strconv.FormatInt(fx.meeting.ID, 10), user)
			},
			check: func(t *testing.T, db *storetest.DB, fx permFixture, user string, resp Response, err error, allowed bool) {
				got, lookupErr := db.Meeting(ctx, fx.meeting.ID)
				if allowed {
					mustSucceed(t, resp, err, ":wastebasket: Deleted the meeting *Pipeline review* (#1); no more reminders for it.")
					if !errors.Is(lookupErr, store.ErrNotFound) {
						t.Fatalf("meeting after delete: %+v, %v; want it gone", got, lookupErr)
					}
					return
				}
				mustRefuse(t, err, "Sorry, only <@UANN> (who scheduled *Pipeline review*) or an admin can delete it.", "`/meeting agenda 1 TEXT`")
				if lookupErr != nil || !reflect.DeepEqual(got, fx.meeting) {
					t.Fatalf("meeting after a refused delete: %+v, %v; want it unchanged: %+v", got, lookupErr, fx.meeting)
				}
			},
		},
		{
			name: "/meeting agenda",
			run: func(t *testing.T, h *Handler, fx permFixture, user string) (Response, error) {
				return slashAs(h, "/meeting", "agenda 1 Item from "+user, user)
			},
			check: func(t *testing.T, db *storetest.DB, fx permFixture, user string, resp Response, err error, allowed bool) {
				mustSucceed(t, resp, err, ":memo: Added to the agenda of *Pipeline review* (#1) as item 1: _Item from "+user+"_")
				items, err := db.Agenda(ctx, fx.meeting.ID)
				if err != nil || len(items) != 1 || items[0].Text != "Item from "+user || items[0].AddedBy != user || items[0].AddedByName != nameOf(user) {
					t.Fatalf("agenda after /meeting agenda by %s: %+v, %v", user, items, err)
				}
			},
		},
		{
			// Metrics have no owner: with SMARKETING_MARKETING unset (as
			// here) anyone may correct a number, and the store keeps who
			// set it last; TestPermissionTable covers the sides set.
			name: "/metrics set",
			run: func(t *testing.T, h *Handler, fx permFixture, user string) (Response, error) {
				return slashAs(h, "/metrics", "set Website Visits 5,000", user)
			},
			check: func(t *testing.T, db *storetest.DB, fx permFixture, user string, resp Response, err error, allowed bool) {
				mustSucceed(t, resp, err, ":white_check_mark: Updated *website-visits* for this week (2024-W10, 4 – 10 Mar 2024): *5,000* (was 4,210).")
				ms, err := db.Metrics(ctx, fx.week, fx.week)
				if err != nil || len(ms) != 1 || ms[0].Name != "website-visits" || ms[0].Value != 5000 || ms[0].SetBy != user {
					t.Fatalf("metrics after /metrics set by %s: %+v, %v", user, ms, err)
				}
			},
		},
	}

	for _, tc := range cases {
		for _, a := range permActors {
			t.Run(tc.name+"/"+a.role, func(t *testing.T) {
				h, db, fx := newPermFixture(t)
				resp, err := tc.run(t, h, fx, a.user)
				if err == nil {
					checkNoUserMarkup(t, tc.name, resp, permCreator, a.user)
				}
				tc.check(t, db, fx, a.user, resp, err, !tc.delete || a.mayDelete)
			})
		}
	}
}

// TestPermissionAdminsFromOptions: only the IDs in Options.Admins are
// admins; names, case variants and empty IDs are not.
func TestPermissionAdminsFromOptions(t *testing.T) {
	h := New(nil, Options{Admins: []string{"UADMIN", "W0BOSS"}})
	for _, tc := range []struct {
		user string
		want bool
	}{
		{"UADMIN", true}, {"W0BOSS", true}, {"uadmin", false}, {"UADMIN ", false}, {"Admin", false}, {"", false}, {"UANN", false},
	} {
		if got := h.IsAdmin(tc.user); got != tc.want {
			t.Errorf("IsAdmin(%q) = %v, want %v", tc.user, got, tc.want)
		}
	}
}

func sameTerm(a, b store.Term) bool {
	return a.Name == b.Name && slices.Equal(a.Aliases, b.Aliases) && a.Category == b.Category && a.Definition == b.Definition &&
		a.CreatedBy == b.CreatedBy && a.UpdatedBy == b.UpdatedBy && a.UpdatedAt.Equal(b.UpdatedAt)
}

func mustSucceed(tb testing.TB, resp Response, err error, want string) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("err = %v, want success", err)
	}
	if !strings.Contains(resp.Text, want) {
		tb.Fatalf("Text = %q, want it to contain %q", resp.Text, want)
	}
}

func mustRefuse(tb testing.TB, err error, wants ...string) {
	tb.Helper()
	var ue *UserError
	if !errors.As(err, &ue) {
		tb.Fatalf("err = %v, want a polite refusal (*UserError)", err)
	}
	for _, w := range wants {
		if !strings.Contains(ue.Msg, w) {
			tb.Fatalf("refusal %q, want it to contain %q", ue.Msg, w)
		}
	}
	checkNoUserMarkup(tb, "refusal", textResponse(ue.Msg), permCreator)
}

// permRevision is one history entry, whatever the record.
type permRevision struct{ action, by, byName string }

// mustRevisions reads a term's or persona's history (newest first) and
// fails unless it has n versions.
func mustRevisions(tb testing.TB, db *storetest.DB, kind string, id int64, n int) []permRevision {
	tb.Helper()
	ctx := context.Background()
	var out []permRevision
	switch kind {
	case "term":
		revs, err := db.TermHistory(ctx, id)
		if err != nil {
			tb.Fatal(err)
		}
		for _, r := range revs {
			out = append(out, permRevision{r.Action, r.EditedBy, r.EditedByName})
		}
	case "persona":
		revs, err := db.PersonaHistory(ctx, id)
		if err != nil {
			tb.Fatal(err)
		}
		for _, r := range revs {
			out = append(out, permRevision{r.Action, r.EditedBy, r.EditedByName})
		}
	}
	if len(out) != n {
		tb.Fatalf("%s %d has %d versions %+v, want %d", kind, id, len(out), out, n)
	}
	return out
}
