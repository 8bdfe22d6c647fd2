package sessions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/groupsession"
	"github.com/processgroup/api/internal/dbtest"
	"github.com/processgroup/api/internal/notify/remind"
	"github.com/processgroup/api/internal/platform/apperr"
)

// horizon is how far ahead weekly schedules produce sessions in these tests (the default).
const horizon = 28 * 24 * time.Hour

// monday is the clock of the weekly tests: Monday 2027-03-08, 12:00 in Chicago, the week
// before daylight saving starts there (Sunday 2027-03-14).
var monday = time.Date(2027, 3, 8, 18, 0, 0, 0, time.UTC)

// fixture is a group in Chicago with member A, Sessions that plan reminders in the test
// database, on a clock that reads monday.
type fixture struct {
	*dbtest.Env
	s *Sessions
	g *dbtest.Group
	a *dbtest.Member
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	e := dbtest.New(t, dbtest.WithJobTables(), dbtest.At(monday))
	jobs, err := remind.NewJobs(dialect.SQLite, e.DB.SQL, e.Clock)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{Env: e, s: New(jobs, e.Clock, horizon), g: e.NewGroup("America/Chicago")}
	f.a = e.AddMember(f.g, "Ann")
	return f
}

// as runs f as the group's facilitator in a transaction, as a mutation does.
func (f *fixture) as(fn func(ctx context.Context, c *ent.Client) error) error {
	return f.Tx(f.As(f.g.Facilitator.User), fn)
}

func (f *fixture) setWeekly(t *testing.T, w *Weekly) {
	t.Helper()
	if err := f.as(func(ctx context.Context, c *ent.Client) error {
		_, err := f.s.SetWeekly(ctx, c, f.g.ID, w)
		return err
	}); err != nil {
		t.Fatalf("set weekly schedule: %v", err)
	}
}

// sessions are the group's sessions as stored, soonest first.
func (f *fixture) sessions(t *testing.T) []*ent.GroupSession {
	t.Helper()
	ss, err := f.Client.GroupSession.Query().Where(groupsession.GroupID(f.g.ID)).
		Order(groupsession.ByStartsAt(), groupsession.ByID()).All(f.Operator())
	if err != nil {
		t.Fatal(err)
	}
	return ss
}

// describe sums sessions up as "start status occurrence" lines.
func describe(ss []*ent.GroupSession) []string {
	var out []string
	for _, s := range ss {
		out = append(out, fmt.Sprintf("%s %s %s", s.StartsAt.UTC().Format(time.RFC3339), s.Status, s.Occurrence))
	}
	return out
}

// told are the users told of the cancellation of each session, by session id.
func (f *fixture) told(t *testing.T) map[int][]int {
	t.Helper()
	rc, err := river.NewClient(riversqlite.New(f.DB.SQL), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := rc.JobList(context.Background(), river.NewJobListParams().Kinds(remind.CancelledArgs{}.Kind()).
		States(rivertype.JobStateAvailable, rivertype.JobStateScheduled).First(1000))
	if err != nil {
		t.Fatal(err)
	}
	out := map[int][]int{}
	for _, j := range res.Jobs {
		var a remind.CancelledArgs
		if err := json.Unmarshal(j.EncodedArgs, &a); err != nil {
			t.Fatal(err)
		}
		out[a.SessionID] = append(out[a.SessionID], a.UserID)
	}
	return out
}

// TestWeeklyAcrossDaylightSaving pins the sessions a weekly schedule produces: every week on
// its weekday at its local time in the group's zone, also after daylight saving starts (the
// UTC time moves, the local one does not), up to the horizon, keyed by the local date.
func TestWeeklyAcrossDaylightSaving(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.setWeekly(t, &Weekly{Weekday: time.Tuesday, Start: "18:00", Minutes: 90, Location: "Room 12"})
	want := []string{
		"2027-03-10T00:00:00Z SCHEDULED 2027-03-09", // 18:00 CST
		"2027-03-16T23:00:00Z SCHEDULED 2027-03-16", // 18:00 CDT
		"2027-03-23T23:00:00Z SCHEDULED 2027-03-23",
		"2027-03-30T23:00:00Z SCHEDULED 2027-03-30",
	}
	ss := f.sessions(t)
	if got := describe(ss); !slices.Equal(got, want) {
		t.Fatalf("sessions\n%v\nwant\n%v", got, want)
	}
	for _, s := range ss {
		if s.EndsAt.Sub(s.StartsAt) != 90*time.Minute || s.Location == nil || *s.Location != "Room 12" || s.Detached {
			t.Errorf("session %+v: want 90 minutes in Room 12", s)
		}
	}
	g, err := f.Client.Group.Get(f.Operator(), f.g.ID)
	if err != nil || g.SessionsUntil == nil || g.SessionsUntil.Sub(monday.Add(horizon)) > time.Minute {
		t.Fatalf("sessions until %v (%v), want the horizon", g.SessionsUntil, err)
	}
}

// TestWeeklySavedAgainKeepsSessions pins saving the same schedule again: the sessions it
// produced stay (same ids), only a new location follows.
func TestWeeklySavedAgainKeepsSessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.setWeekly(t, &Weekly{Weekday: time.Tuesday, Start: "18:00", Minutes: 90, Location: "Room 12"})
	before := f.sessions(t)
	f.Clock.Advance(time.Hour)
	f.setWeekly(t, &Weekly{Weekday: time.Tuesday, Start: "18:00", Minutes: 90, Location: "Room 7"})
	after := f.sessions(t)
	if len(after) != len(before) {
		t.Fatalf("%d sessions after saving again, want %d", len(after), len(before))
	}
	for i := range after {
		if after[i].ID != before[i].ID || *after[i].Location != "Room 7" {
			t.Errorf("session %d: id %d in %v, want id %d in Room 7", i, after[i].ID, *after[i].Location, before[i].ID)
		}
	}
	if told := f.told(t); len(told) != 0 {
		t.Errorf("members told of cancellations: %v", told)
	}
}

// TestWeeklyChangeCancelsSoonRemovesLater pins a change of the schedule: its sessions within
// the next week are cancelled and the members told; later ones are removed silently; a
// session the facilitator moved by hand stays; the new schedule produces its own.
func TestWeeklyChangeCancelsSoonRemovesLater(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.setWeekly(t, &Weekly{Weekday: time.Tuesday, Start: "18:00", Minutes: 90})
	old := f.sessions(t)
	moved := old[3]
	to := moved.StartsAt.Add(time.Hour)
	if err := f.as(func(ctx context.Context, c *ent.Client) error {
		_, err := f.s.Reschedule(ctx, c, moved.ID, to, nil)
		return err
	}); err != nil {
		t.Fatal(err)
	}

	f.setWeekly(t, &Weekly{Weekday: time.Thursday, Start: "09:00", Minutes: 60})
	want := []string{
		"2027-03-10T00:00:00Z CANCELLED ",           // Tuesday's, within the week: cancelled, slot freed
		"2027-03-11T15:00:00Z SCHEDULED 2027-03-11", // Thursday 09:00 CST
		"2027-03-18T14:00:00Z SCHEDULED 2027-03-18", // Thursday 09:00 CDT
		"2027-03-25T14:00:00Z SCHEDULED 2027-03-25",
		"2027-03-31T00:00:00Z SCHEDULED 2027-03-30", // moved by hand: kept
		"2027-04-01T14:00:00Z SCHEDULED 2027-04-01",
	}
	if got := describe(f.sessions(t)); !slices.Equal(got, want) {
		t.Fatalf("sessions after the change\n%v\nwant\n%v", got, want)
	}
	told := f.told(t)
	if len(told) != 1 || len(told[old[0].ID]) != 2 {
		t.Fatalf("told %v, want the facilitator and A told of session %d only", told, old[0].ID)
	}
}

// TestWeeklyRemoved pins removing the schedule: the group keeps no schedule, produced
// sessions go as for a change, and none are produced.
func TestWeeklyRemoved(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.setWeekly(t, &Weekly{Weekday: time.Tuesday, Start: "18:00", Minutes: 90})
	f.setWeekly(t, nil)
	if got := describe(f.sessions(t)); !slices.Equal(got, []string{"2027-03-10T00:00:00Z CANCELLED "}) {
		t.Fatalf("sessions after removing the schedule: %v", got)
	}
	g, err := f.Client.Group.Get(f.Operator(), f.g.ID)
	if err != nil || g.ScheduleWeekday != nil || g.ScheduleStart != "" || g.SessionsUntil != nil {
		t.Fatalf("group after removing its schedule: %+v, %v", g, err)
	}
}

// TestWeeklyInput pins the checks of a schedule: a strict "HH:MM" start and 15 to 480
// minutes; facilitators only.
func TestWeeklyInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cases := []struct {
		w     Weekly
		field string
	}{
		{Weekly{Weekday: time.Tuesday, Start: "6pm", Minutes: 90}, "localStartTime"},
		{Weekly{Weekday: time.Tuesday, Start: "24:00", Minutes: 90}, "localStartTime"},
		{Weekly{Weekday: time.Tuesday, Start: "18:00", Minutes: 10}, "durationMinutes"},
		{Weekly{Weekday: time.Tuesday, Start: "18:00", Minutes: 481}, "durationMinutes"},
	}
	for _, c := range cases {
		err := f.as(func(ctx context.Context, cl *ent.Client) error {
			_, err := f.s.SetWeekly(ctx, cl, f.g.ID, &c.w)
			return err
		})
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Field != c.field {
			t.Errorf("%+v: %v, want BAD_USER_INPUT on %s", c.w, err, c.field)
		}
	}
	err := f.Tx(f.As(f.a.User), func(ctx context.Context, c *ent.Client) error {
		_, err := f.s.SetWeekly(ctx, c, f.g.ID, &Weekly{Weekday: time.Tuesday, Start: "18:00", Minutes: 90})
		return err
	})
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.Forbidden {
		t.Errorf("a member setting the schedule: %v, want FORBIDDEN", err)
	}
	if n := len(f.sessions(t)); n != 0 {
		t.Errorf("%d sessions after refused schedules", n)
	}
}

// TestExtendProducesAhead pins the hourly upkeep: as time passes, the schedule produces the
// sessions that came within the horizon, once.
func TestExtendProducesAhead(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.setWeekly(t, &Weekly{Weekday: time.Tuesday, Start: "18:00", Minutes: 90})
	f.Clock.Advance(7 * 24 * time.Hour)
	for range 2 {
		if err := f.s.Extend(f.Context(), f.Client); err != nil {
			t.Fatal(err)
		}
	}
	got := describe(f.sessions(t))
	if len(got) != 5 || got[4] != "2027-04-06T23:00:00Z SCHEDULED 2027-04-06" {
		t.Fatalf("sessions after a week: %v, want the 5th on 2027-04-06", got)
	}
}
