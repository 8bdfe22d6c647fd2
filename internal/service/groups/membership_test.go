package groups

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/internal/dbtest"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/rule"
)

// replans is a Planner that keeps whose reminders it was asked to replan.
type replans struct {
	mu    sync.Mutex
	users []int
}

func (r *replans) MemberChanged(_ context.Context, userID int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.users = append(r.users, userID)
	return nil
}

func (r *replans) all() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.users)
}

// fixture is a group with its facilitator, member A, an invite code, and a person who is
// in no group yet.
type fixture struct {
	*dbtest.Env
	groups *Groups
	plans  *replans
	g      *dbtest.Group
	a      *dbtest.Member
	invite *ent.GroupInvite
	newbie *dbtest.User
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	e := dbtest.New(t)
	f := &fixture{Env: e, plans: &replans{}, g: e.NewGroup("America/Chicago")}
	f.groups = New(f.plans, e.Clock)
	f.a = e.AddMember(f.g, "Ann")
	f.newbie = e.NewUser(false)
	inv, err := f.groups.CreateInvite(f.As(f.g.Facilitator.User), e.Client, NewInvite{GroupID: f.g.ID})
	if err != nil {
		t.Fatal(err)
	}
	f.invite = inv
	return f
}

// join joins u with code as name.
func (f *fixture) join(u *dbtest.User, code, name string) (*ent.Membership, error) {
	return f.groups.Join(f.As(u), f.Client, JoinRequest{Code: code, DisplayName: name})
}

// membershipOf is u's membership of the fixture's group as stored, or nil.
func (f *fixture) membershipOf(t *testing.T, u *dbtest.User) *ent.Membership {
	t.Helper()
	m, err := f.Client.Membership.Query().Where(membership.UserID(u.ID), membership.GroupID(f.g.ID)).Only(f.Operator())
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCreateInvite pins invite codes: valid 72 hours unless told (1 to 720), made by the
// group's facilitators only.
func TestCreateInvite(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if d := f.invite.ExpiresAt.Sub(f.Clock.Now()); d < 72*time.Hour-time.Minute || d > 72*time.Hour {
		t.Errorf("default invite expires in %v, want 72h", d)
	}
	ctx := f.As(f.g.Facilitator.User)
	for _, h := range []int{0, 721, -1} {
		if _, err := f.groups.CreateInvite(ctx, f.Client, NewInvite{GroupID: f.g.ID, Hours: &h}); code(err) != apperr.BadUserInput {
			t.Errorf("%d hours: %v, want BAD_USER_INPUT", h, err)
		}
	}
	one := 1
	inv, err := f.groups.CreateInvite(ctx, f.Client, NewInvite{GroupID: f.g.ID, Hours: &one})
	if err != nil || inv.ExpiresAt.Sub(f.Clock.Now()) > time.Hour || inv.Code == f.invite.Code {
		t.Errorf("one-hour invite: %+v, %v", inv, err)
	}
	if _, err := f.groups.CreateInvite(f.As(f.a.User), f.Client, NewInvite{GroupID: f.g.ID}); code(err) != apperr.Forbidden {
		t.Errorf("a member's invite: %v, want FORBIDDEN", err)
	}
}

// TestJoinByCode pins joining: a code as typed (case, dashes, spaces) makes the joiner a
// MEMBER under the trimmed name, joined now, and replans their reminders; a code unknown,
// expired (at its expiry time too) or revoked is BAD_USER_INPUT on code, and joins nobody.
func TestJoinByCode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		code  func(f *fixture) string
		setup func(t *testing.T, f *fixture)
		ok    bool
	}{
		{"as stored", func(f *fixture) string { return f.invite.Code }, nil, true},
		{"as typed", func(f *fixture) string {
			c := f.invite.Code
			return " " + strings.ToLower(c[:4]) + "-" + c[4:] + " "
		}, nil, true},
		{"unknown", func(*fixture) string { return "ZZZZZZZZ" }, nil, false},
		{"expired", func(f *fixture) string { return f.invite.Code }, func(t *testing.T, f *fixture) {
			f.Clock.Set(f.invite.ExpiresAt.Add(time.Second))
		}, false},
		{"at its expiry", func(f *fixture) string { return f.invite.Code }, func(t *testing.T, f *fixture) {
			f.Clock.Set(f.invite.ExpiresAt)
		}, false},
		{"just before its expiry", func(f *fixture) string { return f.invite.Code }, func(t *testing.T, f *fixture) {
			f.Clock.Set(f.invite.ExpiresAt.Add(-time.Minute))
		}, true},
		{"revoked", func(f *fixture) string { return f.invite.Code }, func(t *testing.T, f *fixture) {
			if err := f.groups.RevokeInvite(f.As(f.g.Facilitator.User), f.Client, f.invite.ID); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			if c.setup != nil {
				c.setup(t, f)
			}
			m, err := f.join(f.newbie, c.code(f), "  Nia  ")
			if !c.ok {
				var ae *apperr.Error
				if !errors.As(err, &ae) || ae.Code != apperr.BadUserInput || ae.Field != "code" || m != nil {
					t.Fatalf("join: %v, %v; want BAD_USER_INPUT on code", m, err)
				}
				if f.membershipOf(t, f.newbie) != nil || len(f.plans.all()) != 0 {
					t.Fatal("a refused join left a membership or replanned reminders")
				}
				return
			}
			if err != nil {
				t.Fatalf("join: %v", err)
			}
			if m.Role != membership.RoleMEMBER || m.DisplayName != "Nia" || m.GroupID != f.g.ID || m.LeftAt != nil {
				t.Fatalf("membership %+v", m)
			}
			if d := f.Clock.Now().Sub(m.JoinedAt); d < 0 || d > time.Minute {
				t.Errorf("joined at %v, want now (%v)", m.JoinedAt, f.Clock.Now())
			}
			if got := f.plans.all(); !slices.Equal(got, []int{f.newbie.ID}) {
				t.Errorf("replanned %v, want the joiner %d", got, f.newbie.ID)
			}
		})
	}
}

// TestJoinAgainReturnsSameMembership pins a retried join: the membership one has, unchanged.
func TestJoinAgainReturnsSameMembership(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	first, err := f.join(f.newbie, f.invite.Code, "Nia")
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.join(f.newbie, f.invite.Code, "Another name")
	if err != nil || again.ID != first.ID || again.DisplayName != "Nia" {
		t.Fatalf("second join: %+v, %v; want membership %d unchanged", again, err, first.ID)
	}
}

// TestRejoinAfterLeaving pins coming back: the same membership, current again as a MEMBER
// under the new name, joined anew; the consent that ended with leaving stays ended.
func TestRejoinAfterLeaving(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	consent := f.Consent(f.a)
	if err := f.groups.Leave(f.As(f.a.User), f.Client, f.g.ID); err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(48 * time.Hour)
	inv, err := f.groups.CreateInvite(f.As(f.g.Facilitator.User), f.Client, NewInvite{GroupID: f.g.ID})
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.join(f.a.User, inv.Code, "Ann again")
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != f.a.Membership.ID || m.LeftAt != nil || m.DisplayName != "Ann again" || m.JoinedAt.Sub(f.a.Membership.JoinedAt) < 47*time.Hour {
		t.Fatalf("rejoined membership %+v, want %d current again, joined now", m, f.a.Membership.ID)
	}
	c, err := f.Client.GroupSharingConsent.Get(f.Operator(), consent.ID)
	if err != nil || c.RevokedAt == nil {
		t.Fatalf("consent after leaving and rejoining: %+v, %v; want it revoked", c, err)
	}
}

// TestRemovedCannotRejoin pins removal: the member is out at once, their consent ends,
// their reminders are replanned, and no invite code brings them back (FORBIDDEN).
// Removing again succeeds; a facilitator removing themselves is told to leave instead.
func TestRemovedCannotRejoin(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	consent := f.Consent(f.a)
	ctx := f.As(f.g.Facilitator.User)
	for range 2 {
		if err := f.groups.Remove(ctx, f.Client, f.a.Membership.ID); err != nil {
			t.Fatalf("remove: %v", err)
		}
	}
	m := f.membershipOf(t, f.a.User)
	if !m.Removed || m.LeftAt == nil {
		t.Fatalf("removed membership %+v", m)
	}
	if c, _ := f.Client.GroupSharingConsent.Get(f.Operator(), consent.ID); c.RevokedAt == nil {
		t.Error("the removed member's consent is still in force")
	}
	if got := f.plans.all(); !slices.Equal(got, []int{f.a.ID}) {
		t.Errorf("replanned %v, want the removed member once", got)
	}
	if _, err := f.join(f.a.User, f.invite.Code, "Ann"); !errors.Is(err, rule.ErrRemoved) {
		t.Fatalf("rejoin after removal: %v, want ErrRemoved", err)
	}
	if m := f.membershipOf(t, f.a.User); m.LeftAt == nil {
		t.Fatal("the removed member is back in")
	}
	var ae *apperr.Error
	if err := f.groups.Remove(ctx, f.Client, f.g.Facilitator.Membership.ID); !errors.As(err, &ae) || ae.Field != "membershipID" {
		t.Fatalf("removing oneself: %v, want BAD_USER_INPUT on membershipID", err)
	}
	if err := f.groups.Remove(f.As(f.newbie), f.Client, f.g.Facilitator.Membership.ID); code(err) != apperr.NotFound {
		t.Fatalf("an outsider removing: %v, want NOT_FOUND", err)
	}
}

// TestLastFacilitatorCannotLeave pins that a group keeps someone to lead it: its only
// facilitator cannot leave (CONFLICT), one of two can; a member can, their consent ending
// and their reminders replanned.
func TestLastFacilitatorCannotLeave(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	lead := f.g.Facilitator
	if err := f.groups.Leave(f.As(lead.User), f.Client, f.g.ID); code(err) != apperr.Conflict {
		t.Fatalf("the last facilitator leaving: %v, want CONFLICT", err)
	}
	if m := f.membershipOf(t, lead.User); m.LeftAt != nil {
		t.Fatal("the last facilitator left")
	}

	second := f.Enrol(f.g.Group, f.NewUser(true), membership.RoleFACILITATOR, "Dr. U")
	if err := f.groups.Leave(f.As(lead.User), f.Client, f.g.ID); err != nil {
		t.Fatalf("one of two facilitators leaving: %v", err)
	}
	if err := f.groups.Leave(f.As(second.User), f.Client, f.g.ID); code(err) != apperr.Conflict {
		t.Fatalf("the remaining facilitator leaving: %v, want CONFLICT", err)
	}

	consent := f.Consent(f.a)
	if err := f.groups.Leave(f.As(f.a.User), f.Client, f.g.ID); err != nil {
		t.Fatal(err)
	}
	if m := f.membershipOf(t, f.a.User); m.LeftAt == nil || m.Removed {
		t.Fatalf("member after leaving: %+v", m)
	}
	if c, _ := f.Client.GroupSharingConsent.Get(f.Operator(), consent.ID); c.RevokedAt == nil {
		t.Error("consent in force after leaving")
	}
	if err := f.groups.Leave(f.As(f.a.User), f.Client, f.g.ID); code(err) != apperr.NotFound {
		t.Errorf("leaving again: %v, want NOT_FOUND (no longer in the group)", err)
	}
	if got := f.plans.all(); !slices.Equal(got, []int{lead.ID, f.a.ID}) {
		t.Errorf("replanned %v, want the facilitator who left, then A", got)
	}
}

func code(err error) apperr.Code {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}
