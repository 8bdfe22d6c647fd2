package remind

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/internal/dbtest"
)

// planner is a test database with River's tables, the Jobs that plan in it, and a group:
// its facilitator and two members, A and B.
type planner struct {
	*dbtest.Env
	jobs *Jobs
	g    *dbtest.Group
	a, b *dbtest.Member
}

func newPlanner(t *testing.T) *planner {
	t.Helper()
	e := dbtest.New(t, dbtest.WithJobTables())
	jobs, err := NewJobs(dialect.SQLite, e.DB.SQL, e.Clock)
	if err != nil {
		t.Fatal(err)
	}
	p := &planner{Env: e, jobs: jobs, g: e.NewGroup("America/Chicago")}
	p.a = e.AddMember(p.g, "Ann")
	p.b = e.AddMember(p.g, "Ben")
	return p
}

// plan runs f in a transaction as the application's mutations do, and fails the test on
// an error.
func (p *planner) plan(t *testing.T, f func(ctx context.Context) error) {
	t.Helper()
	err := p.Tx(p.Context(), func(ctx context.Context, _ *ent.Client) error { return f(ctx) })
	if err != nil {
		t.Fatal(err)
	}
}

// job is a River job as planning left it.
type job struct {
	kind  string
	state rivertype.JobState
	at    time.Time
	args  ReminderArgs // session_id and user_id of the other kinds too
}

func (j job) String() string {
	return fmt.Sprintf("%s s%d u%d lead %d %s at %s", j.kind, j.args.SessionID, j.args.UserID, j.args.LeadMinutes, j.state, j.at.Format(time.RFC3339))
}

// list is every job in the database, oldest first.
func (p *planner) list(t *testing.T) []job {
	t.Helper()
	rc, err := river.NewClient(riversqlite.New(p.DB.SQL), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := rc.JobList(context.Background(), river.NewJobListParams().
		States(rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateCancelled,
			rivertype.JobStateCompleted, rivertype.JobStateRetryable, rivertype.JobStateRunning).
		OrderBy(river.JobListOrderByID, river.SortOrderAsc).First(10000))
	if err != nil {
		t.Fatal(err)
	}
	var out []job
	for _, r := range res.Jobs {
		j := job{kind: r.Kind, state: r.State, at: r.ScheduledAt.UTC()}
		if err := json.Unmarshal(r.EncodedArgs, &j.args); err != nil {
			t.Fatal(err)
		}
		out = append(out, j)
	}
	return out
}

// pending are the jobs of kind that have not run and were not cancelled.
func pendingOf(js []job, kind string) []job {
	var out []job
	for _, j := range js {
		if j.kind == kind && (j.state == rivertype.JobStateScheduled || j.state == rivertype.JobStateAvailable) {
			out = append(out, j)
		}
	}
	return out
}

// reminders sums up pending reminders as "user/lead" (sorted), for comparison.
func (p *planner) reminders(js []job) []string {
	names := map[int]string{p.g.Facilitator.ID: "T", p.a.ID: "A", p.b.ID: "B"}
	var out []string
	for _, j := range pendingOf(js, ReminderArgs{}.Kind()) {
		out = append(out, fmt.Sprintf("%s/%d", names[j.args.UserID], j.args.LeadMinutes))
	}
	slices.Sort(out)
	return out
}

func sameList(got, want []string) bool { return slices.Equal(got, want) }

// setLeads stores u's lead times (nil: the defaults) as the operator.
func (p *planner) setLeads(t *testing.T, u *dbtest.User, leads []int) {
	t.Helper()
	upd := p.Client.User.UpdateOneID(u.ID)
	if leads == nil {
		upd.ClearReminderLeadMinutes()
	} else {
		upd.SetReminderLeadMinutes(leads)
	}
	if err := upd.Exec(p.Operator()); err != nil {
		t.Fatal(err)
	}
}

// leave ends m's membership now, as the operator.
func (p *planner) leave(t *testing.T, m *dbtest.Member) {
	t.Helper()
	if err := p.Client.Membership.UpdateOneID(m.Membership.ID).SetLeftAt(p.Clock.Now()).Exec(p.Operator()); err != nil {
		t.Fatal(err)
	}
}

// TestSessionsCreatedPlansEveryLeadOfEveryCurrentMember pins the planning of a new session:
// one reminder per current member (facilitators too) and lead time still worth sending,
// each scheduled at its lead time before the start, or at once when none is ahead;
// members' own lead times; nobody who left; nothing for a session that started or was
// cancelled.
func TestSessionsCreatedPlansEveryLeadOfEveryCurrentMember(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		ahead time.Duration
		setup func(t *testing.T, p *planner, s *ent.GroupSession)
		want  []string
		// at is when each reminder is scheduled, before the start, by lead time (0: now).
		at map[int]time.Duration
	}{
		{
			name: "three days ahead: a day and an hour before", ahead: 72 * time.Hour,
			want: []string{"A/1440", "A/60", "B/1440", "B/60", "T/1440", "T/60"},
			at:   map[int]time.Duration{1440: 24 * time.Hour, 60: time.Hour},
		},
		{
			name: "two hours ahead: the hour-ahead only", ahead: 2 * time.Hour,
			want: []string{"A/60", "B/60", "T/60"},
			at:   map[int]time.Duration{60: time.Hour},
		},
		{
			name: "half an hour ahead: the hour-ahead, at once", ahead: 30 * time.Minute,
			want: []string{"A/60", "B/60", "T/60"},
			at:   map[int]time.Duration{60: 0},
		},
		{
			name: "own lead times; none chosen means none", ahead: 72 * time.Hour,
			setup: func(t *testing.T, p *planner, _ *ent.GroupSession) {
				p.setLeads(t, p.a.User, []int{15, 2880})
				p.setLeads(t, p.b.User, []int{})
			},
			want: []string{"A/15", "A/2880", "T/1440", "T/60"},
			at:   map[int]time.Duration{2880: 48 * time.Hour, 1440: 24 * time.Hour, 60: time.Hour, 15: 15 * time.Minute},
		},
		{
			name: "a member who left is not reminded", ahead: 72 * time.Hour,
			setup: func(t *testing.T, p *planner, _ *ent.GroupSession) { p.leave(t, p.b) },
			want:  []string{"A/1440", "A/60", "T/1440", "T/60"},
			at:    map[int]time.Duration{1440: 24 * time.Hour, 60: time.Hour},
		},
		{
			name: "a cancelled session is not reminded", ahead: 72 * time.Hour,
			setup: func(t *testing.T, p *planner, s *ent.GroupSession) {
				if err := p.Client.GroupSession.UpdateOne(s).SetStatus("CANCELLED").Exec(p.Operator()); err != nil {
					t.Fatal(err)
				}
			},
			want: nil,
		},
		{
			name: "a session that started is not reminded", ahead: -time.Minute,
			want: nil,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := newPlanner(t)
			startsAt := p.Clock.Now().Add(c.ahead).Truncate(time.Second)
			s := p.Session(p.g.Group, startsAt, 90)
			if c.setup != nil {
				c.setup(t, p, s)
			}
			p.plan(t, func(ctx context.Context) error { return p.jobs.SessionsCreated(ctx, s.ID) })
			js := p.list(t)
			if got := p.reminders(js); !sameList(got, c.want) {
				t.Fatalf("reminders %v, want %v\n%v", got, c.want, js)
			}
			now := p.Clock.Now()
			for _, j := range pendingOf(js, ReminderArgs{}.Kind()) {
				if j.args.SessionID != s.ID || !j.args.StartsAt.Equal(startsAt) {
					t.Errorf("reminder for session %d at %v, want %d at %v", j.args.SessionID, j.args.StartsAt, s.ID, startsAt)
				}
				want := startsAt.Add(-c.at[j.args.LeadMinutes])
				if c.at[j.args.LeadMinutes] == 0 {
					// At once: the clock of the planning, a moment ago.
					if j.at.After(now) || now.Sub(j.at) > time.Minute {
						t.Errorf("%v: want it at once (%v)", j, now)
					}
				} else if !j.at.Equal(want) {
					t.Errorf("%v: want it at %v", j, want)
				}
			}
		})
	}
}

// TestSessionsCreatedTwiceIsOneJobEach pins the uniqueness of reminders by their arguments:
// planning the same session again (a retried request, the hourly extension) adds no job.
func TestSessionsCreatedTwiceIsOneJobEach(t *testing.T) {
	t.Parallel()
	p := newPlanner(t)
	s := p.Session(p.g.Group, p.Clock.Now().Add(72*time.Hour), 60)
	for range 2 {
		p.plan(t, func(ctx context.Context) error { return p.jobs.SessionsCreated(ctx, s.ID, s.ID) })
	}
	if js := p.list(t); len(js) != 6 {
		t.Fatalf("%d jobs after planning twice, want 6 (3 people, 2 lead times):\n%v", len(js), js)
	}
}

// TestPlanningOutsideTransactionFails pins that jobs are only ever planned inside the
// transaction of their cause: without one, planning refuses and inserts nothing.
func TestPlanningOutsideTransactionFails(t *testing.T) {
	t.Parallel()
	p := newPlanner(t)
	s := p.Session(p.g.Group, p.Clock.Now().Add(72*time.Hour), 60)
	if err := p.jobs.SessionsCreated(p.Context(), s.ID); err == nil || !strings.Contains(err.Error(), "no transaction") {
		t.Fatalf("SessionsCreated without a transaction: %v, want the no-transaction error", err)
	}
	if js := p.list(t); len(js) != 0 {
		t.Fatalf("jobs inserted without a transaction: %v", js)
	}
}

// TestPlanningRolledBackLeavesNoJob pins that jobs commit or roll back with their cause.
func TestPlanningRolledBackLeavesNoJob(t *testing.T) {
	t.Parallel()
	p := newPlanner(t)
	s := p.Session(p.g.Group, p.Clock.Now().Add(72*time.Hour), 60)
	err := p.Tx(p.Context(), func(ctx context.Context, _ *ent.Client) error {
		if err := p.jobs.SessionsCreated(ctx, s.ID); err != nil {
			return err
		}
		return fmt.Errorf("the mutation failed after planning")
	})
	if err == nil {
		t.Fatal("the transaction should have failed")
	}
	if js := p.list(t); len(js) != 0 {
		t.Fatalf("jobs survived the rollback: %v", js)
	}
}

// TestMemberChangedReplansOneMember pins the replanning of one member after a change of
// lead times or leaving: their pending reminders are cancelled and planned again from their
// settings and current groups; nobody else's reminders change.
func TestMemberChangedReplansOneMember(t *testing.T) {
	t.Parallel()
	p := newPlanner(t)
	s1 := p.Session(p.g.Group, p.Clock.Now().Add(72*time.Hour), 60)
	s2 := p.Session(p.g.Group, p.Clock.Now().Add(10*24*time.Hour), 60)
	p.plan(t, func(ctx context.Context) error { return p.jobs.SessionsCreated(ctx, s1.ID, s2.ID) })
	if got := p.reminders(p.list(t)); len(got) != 12 {
		t.Fatalf("%d reminders planned, want 12: %v", len(got), got)
	}

	// A chooses half an hour only.
	p.setLeads(t, p.a.User, []int{30})
	p.plan(t, func(ctx context.Context) error { return p.jobs.MemberChanged(ctx, p.a.ID) })
	want := []string{"A/30", "A/30", "B/1440", "B/1440", "B/60", "B/60", "T/1440", "T/1440", "T/60", "T/60"}
	js := p.list(t)
	if got := p.reminders(js); !sameList(got, want) {
		t.Fatalf("after A's change: %v, want %v", got, want)
	}
	cancelled := 0
	for _, j := range js {
		if j.state == rivertype.JobStateCancelled {
			if j.args.UserID != p.a.ID {
				t.Errorf("someone else's reminder was cancelled: %v", j)
			}
			cancelled++
		}
	}
	if cancelled != 4 {
		t.Errorf("%d reminders cancelled, want A's 4", cancelled)
	}

	// B leaves: none of B's reminders is left, and none planned.
	p.leave(t, p.b)
	p.plan(t, func(ctx context.Context) error { return p.jobs.MemberChanged(ctx, p.b.ID) })
	want = []string{"A/30", "A/30", "T/1440", "T/1440", "T/60", "T/60"}
	if got := p.reminders(p.list(t)); !sameList(got, want) {
		t.Fatalf("after B left: %v, want %v", got, want)
	}
}

// TestSessionCancelledTellsCurrentMembers pins the cancellation of a session: its pending
// reminders are cancelled and each current member gets one notice; a session that has
// started only loses its reminders.
func TestSessionCancelledTellsCurrentMembers(t *testing.T) {
	t.Parallel()
	p := newPlanner(t)
	s := p.Session(p.g.Group, p.Clock.Now().Add(72*time.Hour), 60)
	other := p.Session(p.g.Group, p.Clock.Now().Add(96*time.Hour), 60)
	p.plan(t, func(ctx context.Context) error { return p.jobs.SessionsCreated(ctx, s.ID, other.ID) })
	p.leave(t, p.b)

	for range 2 { // a retried cancellation tells nobody twice
		p.plan(t, func(ctx context.Context) error { return p.jobs.SessionCancelled(ctx, s) })
	}
	js := p.list(t)
	for _, j := range pendingOf(js, ReminderArgs{}.Kind()) {
		if j.args.SessionID == s.ID {
			t.Errorf("a reminder of the cancelled session is still pending: %v", j)
		}
	}
	if n := len(pendingOf(js, ReminderArgs{}.Kind())); n != 6 {
		t.Errorf("%d reminders of the other session pending, want 6", n)
	}
	var told []int
	for _, j := range pendingOf(js, CancelledArgs{}.Kind()) {
		if j.args.SessionID != s.ID {
			t.Errorf("notice about session %d, want %d", j.args.SessionID, s.ID)
		}
		told = append(told, j.args.UserID)
	}
	slices.Sort(told)
	want := []int{p.g.Facilitator.ID, p.a.ID}
	slices.Sort(want)
	if !slices.Equal(told, want) {
		t.Errorf("told users %v, want the current members %v (not B, who left)", told, want)
	}

	// A session cancelled after it started: no notice.
	started := p.Session(p.g.Group, p.Clock.Now().Add(-time.Minute), 60)
	p.plan(t, func(ctx context.Context) error { return p.jobs.SessionCancelled(ctx, started) })
	for _, j := range pendingOf(p.list(t), CancelledArgs{}.Kind()) {
		if j.args.SessionID == started.ID {
			t.Errorf("notice of a session that had started: %v", j)
		}
	}
}

// TestSessionMovedTellsThoseAlreadyReminded pins the replanning of a moved session:
// reminders for the old time are cancelled; a member already reminded of the old time is
// told the new one at once and reminded only at lead times still ahead; the others are
// planned as for a new session (at once, if no lead time is ahead).
func TestSessionMovedTellsThoseAlreadyReminded(t *testing.T) {
	t.Parallel()
	p := newPlanner(t)
	old := p.Clock.Now().Add(3 * time.Hour).Truncate(time.Second)
	s := p.Session(p.g.Group, old, 60)
	p.plan(t, func(ctx context.Context) error { return p.jobs.SessionsCreated(ctx, s.ID) })

	// A's device got the day-ahead reminder of the old time.
	dev, err := p.Client.Device.Create().SetUserID(p.a.ID).SetToken("token-a").SetPlatform("IOS").Save(p.Operator())
	if err != nil {
		t.Fatal(err)
	}
	key := fmt.Sprintf("reminder:%d:%d:%d:%d:0", s.ID, p.a.ID, 1440, old.Unix())
	if err := p.Client.Delivery.Create().SetKey(key).SetDeviceID(dev.ID).SetUserID(p.a.ID).SetSentAt(p.Clock.Now()).Exec(p.Operator()); err != nil {
		t.Fatal(err)
	}

	// Moved to half an hour from now: no lead time is ahead any more.
	moved := p.Clock.Now().Add(30 * time.Minute).Truncate(time.Second)
	if err := p.Client.GroupSession.UpdateOne(s).SetStartsAt(moved).SetEndsAt(moved.Add(time.Hour)).Exec(p.Operator()); err != nil {
		t.Fatal(err)
	}
	p.plan(t, func(ctx context.Context) error { return p.jobs.SessionMoved(ctx, s.ID) })

	js := p.list(t)
	for _, j := range js {
		if j.args.StartsAt.Equal(old) && j.state != rivertype.JobStateCancelled {
			t.Errorf("a reminder of the old time is still %s: %v", j.state, j)
		}
	}
	// A: the notice of the move only; B and T: the hour-ahead reminder, at once.
	want := []string{"A/0", "B/60", "T/60"}
	if got := p.reminders(js); !sameList(got, want) {
		t.Fatalf("after the move: %v, want %v\n%v", got, want, js)
	}
	for _, j := range pendingOf(js, ReminderArgs{}.Kind()) {
		if !j.args.StartsAt.Equal(moved) {
			t.Errorf("%v: planned for %v, want the new time %v", j, j.args.StartsAt, moved)
		}
		if j.args.LeadMinutes == MovedLead && j.args.Move == 0 {
			t.Errorf("the notice of a move carries no move stamp: %v", j)
		}
	}

	// A's reminders are planned again (a change of lead times, joining another group): the
	// notice of the move is still to be sent.
	p.plan(t, func(ctx context.Context) error { return p.jobs.MemberChanged(ctx, p.a.ID) })
	if got := p.reminders(p.list(t)); !slices.Contains(got, "A/0") {
		t.Errorf("after A's reminders were planned again: %v, want the notice of the move (A/0) still pending", got)
	}
}
