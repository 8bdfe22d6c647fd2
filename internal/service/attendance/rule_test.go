package attendance_test

import (
	"context"
	"testing"
	"time"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/attendance"
	"github.com/processgroup/api/internal/dbtest"
	"github.com/processgroup/api/internal/rule"
)

// TestAttendancePolicy pins the Attendance policy below the services, write by write: a
// member answers only for themselves and never touches the record (not even to clear it); a
// facilitator records and never writes an answer; a row's session and membership are of its
// group; a recorded row is never deleted; others match nothing.
func TestAttendancePolicy(t *testing.T) {
	t.Parallel()
	e := dbtest.New(t)
	g := e.NewGroup("America/Chicago")
	a, b := e.AddMember(g, "Ann"), e.AddMember(g, "Ben")
	other := e.NewGroup("Europe/Berlin")
	x := e.AddMember(other, "Xan")
	s := e.Session(g.Group, e.Clock.Now().Add(time.Hour), 60)
	foreign := e.Session(other.Group, e.Clock.Now().Add(time.Hour), 60)
	f := g.Facilitator

	as := func(u *dbtest.User, fn func(ctx context.Context, c *ent.Client) error) error {
		return e.Tx(e.As(u), fn)
	}
	answer := func(c *ent.Client, sess *ent.GroupSession, m *dbtest.Member, groupID int) *ent.AttendanceCreate {
		return c.Attendance.Create().SetSessionID(sess.ID).SetMembershipID(m.Membership.ID).SetGroupID(groupID).
			SetRsvp(attendance.RsvpGOING).SetRsvpAt(e.Clock.Now())
	}
	denied := []struct {
		name string
		by   *dbtest.User
		fn   func(ctx context.Context, c *ent.Client) error
	}{
		{"a member answers for a peer", a.User, func(ctx context.Context, c *ent.Client) error {
			return answer(c, s, b, g.ID).Exec(ctx)
		}},
		{"an answer to another group's session under the member's group", a.User, func(ctx context.Context, c *ent.Client) error {
			return answer(c, foreign, a, g.ID).Exec(ctx)
		}},
		{"a facilitator answers for a member", f.User, func(ctx context.Context, c *ent.Client) error {
			return answer(c, s, a, g.ID).Exec(ctx)
		}},
		{"a facilitator records another group's member", f.User, func(ctx context.Context, c *ent.Client) error {
			return c.Attendance.Create().SetSessionID(s.ID).SetMembershipID(x.Membership.ID).SetGroupID(g.ID).
				SetStatus(attendance.StatusABSENT).Exec(ctx)
		}},
		{"a member records themselves", a.User, func(ctx context.Context, c *ent.Client) error {
			return c.Attendance.Create().SetSessionID(s.ID).SetMembershipID(a.Membership.ID).SetGroupID(g.ID).
				SetStatus(attendance.StatusPRESENT).Exec(ctx)
		}},
		{"a row with neither", f.User, func(ctx context.Context, c *ent.Client) error {
			return c.Attendance.Create().SetSessionID(s.ID).SetMembershipID(a.Membership.ID).SetGroupID(g.ID).Exec(ctx)
		}},
	}
	for _, d := range denied {
		if err := as(d.by, d.fn); !rule.IsDenied(err) {
			t.Errorf("%s: %v, want a denial", d.name, err)
		}
	}
	if n := e.Client.Attendance.Query().CountX(e.Operator()); n != 0 {
		t.Fatalf("%d rows after denied writes", n)
	}

	// A answers; the facilitator records A absent.
	if err := as(a.User, func(ctx context.Context, c *ent.Client) error { return answer(c, s, a, g.ID).Exec(ctx) }); err != nil {
		t.Fatalf("answer: %v", err)
	}
	row := e.Client.Attendance.Query().OnlyX(e.Operator())
	if err := as(f.User, func(ctx context.Context, c *ent.Client) error {
		return c.Attendance.UpdateOneID(row.ID).SetStatus(attendance.StatusABSENT).SetRecordedAt(e.Clock.Now()).Exec(ctx)
	}); err != nil {
		t.Fatalf("record: %v", err)
	}
	// Writes that match nothing (or are refused) leave the row as it is.
	nothing := []struct {
		name string
		by   *dbtest.User
		fn   func(ctx context.Context, c *ent.Client) (int, error)
	}{
		{"the member clears their record", a.User, func(ctx context.Context, c *ent.Client) (int, error) {
			return c.Attendance.Update().ClearStatus().ClearRecordedAt().Save(ctx)
		}},
		{"the member answers and clears their record", a.User, func(ctx context.Context, c *ent.Client) (int, error) {
			return c.Attendance.Update().SetRsvp(attendance.RsvpNOT_GOING).ClearStatus().Save(ctx)
		}},
		{"a peer answers for them", b.User, func(ctx context.Context, c *ent.Client) (int, error) {
			return c.Attendance.Update().SetRsvp(attendance.RsvpNOT_GOING).Save(ctx)
		}},
		{"the facilitator changes the answer", f.User, func(ctx context.Context, c *ent.Client) (int, error) {
			return c.Attendance.Update().SetRsvp(attendance.RsvpNOT_GOING).Save(ctx)
		}},
		{"another group's facilitator records", other.Facilitator.User, func(ctx context.Context, c *ent.Client) (int, error) {
			return c.Attendance.Update().SetStatus(attendance.StatusPRESENT).Save(ctx)
		}},
		{"another group's facilitator clears the answer", other.Facilitator.User, func(ctx context.Context, c *ent.Client) (int, error) {
			return c.Attendance.Update().ClearRsvp().Save(ctx)
		}},
		{"the facilitator deletes a recorded row", f.User, func(ctx context.Context, c *ent.Client) (int, error) {
			return c.Attendance.Delete().Exec(ctx)
		}},
		{"the member deletes their row", a.User, func(ctx context.Context, c *ent.Client) (int, error) {
			return c.Attendance.Delete().Exec(ctx)
		}},
	}
	for _, w := range nothing {
		var n int
		err := as(w.by, func(ctx context.Context, c *ent.Client) error {
			var err error
			n, err = w.fn(ctx, c)
			return err
		})
		if (err != nil && !rule.IsDenied(err)) || n != 0 {
			t.Errorf("%s: %d rows, %v", w.name, n, err)
		}
	}
	got := e.Client.Attendance.Query().OnlyX(e.Operator())
	if got.Status == nil || *got.Status != attendance.StatusABSENT || got.Rsvp == nil || *got.Rsvp != attendance.RsvpGOING {
		t.Fatalf("the row changed: %+v", got)
	}
	// Reads: the member and the facilitator; not a peer nor another group's facilitator.
	for _, r := range []struct {
		by   *dbtest.User
		sees bool
	}{{a.User, true}, {f.User, true}, {b.User, false}, {other.Facilitator.User, false}, {x.User, false}} {
		n := e.Client.Attendance.Query().CountX(e.As(r.by))
		if (n == 1) != r.sees {
			t.Errorf("user %d reads %d rows", r.by.ID, n)
		}
	}
	// The facilitator may clear answers (a move).
	if err := as(f.User, func(ctx context.Context, c *ent.Client) error {
		n, err := c.Attendance.Update().ClearRsvp().ClearRsvpAt().ClearRsvpNote().Save(ctx)
		if n != 1 {
			t.Errorf("reset %d rows", n)
		}
		return err
	}); err != nil {
		t.Fatalf("reset: %v", err)
	}
}
