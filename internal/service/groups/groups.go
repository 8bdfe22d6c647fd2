// Package groups is the life of a process group: founding it, inviting people with a code,
// joining, leaving and removing. Every function runs as the viewer in ctx; the privacy rules
// of ent/schema decide what it may read and change.
package groups

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/groupinvite"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/internal/notify/bus"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/rule"
	"github.com/processgroup/api/internal/service/audit"
	"github.com/processgroup/api/internal/service/consent"
	"github.com/processgroup/api/internal/service/validate"
	"github.com/processgroup/api/internal/viewer"
)

// Invite codes are typed by people: no 0/O, 1/I/L.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// codeLength gives about 40 bits per code.
const codeLength = 8

// NewGroup is a group to found.
type NewGroup struct {
	Name string
	// TimeZone is the IANA name of the zone the group meets in.
	TimeZone string
	// DisplayName is the name its members will see for the founding therapist.
	DisplayName string
}

// JoinRequest is a person joining with an invite code.
type JoinRequest struct {
	// Code is the invite code as typed (spaces, dashes and case do not matter).
	Code string
	// DisplayName is the name the group will know them by.
	DisplayName string
}

// Groups runs the group operations.
type Groups struct {
	clock clock.Clock
	plan  Planner
}

// Planner replans a member's reminders when they join or leave a group (remind.Jobs).
type Planner interface {
	MemberChanged(ctx context.Context, userID int) error
}

// New returns Groups that tell the time by c and replan reminders through plan (nil: none).
func New(plan Planner, c clock.Clock) *Groups {
	return &Groups{clock: c, plan: plan}
}

func (g *Groups) now() time.Time { return g.clock.Now() }

// replan replans the reminders of userID, if there is a planner.
func (g *Groups) replan(ctx context.Context, userID int) error {
	if g.plan == nil {
		return nil
	}
	return g.plan.MemberChanged(ctx, userID)
}

// Create founds a group with the viewer, a therapist, as its facilitator.
func (g *Groups) Create(ctx context.Context, c *ent.Client, in NewGroup) (*ent.Group, error) {
	v := viewer.FromContext(ctx)
	// Who may found a group is the Group policy's decision (rule.GroupCreateTherapistOnly).
	grp, err := c.Group.Create().
		SetName(strings.TrimSpace(in.Name)).
		SetTimeZone(in.TimeZone).
		Save(ctx)
	if err != nil {
		return nil, err
	}
	// The founder leads the group: their facilitator membership is granted by the rule.
	grant, err := rule.FounderGrant(v, grp)
	if err != nil {
		return nil, err
	}
	ctx = rule.WithGrant(ctx, grant)
	_, err = c.Membership.Create().
		SetUserID(v.UserID).
		SetGroupID(grp.ID).
		SetRole(membership.RoleFACILITATOR).
		SetDisplayName(strings.TrimSpace(in.DisplayName)).
		SetJoinedAt(g.now()).
		Save(ctx)
	if err != nil {
		return nil, err
	}
	return grp, audit.Record(ctx, c, audit.Event{Action: audit.GroupCreated, GroupID: grp.ID})
}

// NewInvite is a join code to make.
type NewInvite struct {
	GroupID int
	// Hours is how long it is valid (nil: 72; 1 to 720).
	Hours *int
	// Role is what it makes of whoever redeems it: MEMBER (also ""), or FACILITATOR, which
	// only a therapist can redeem.
	Role groupinvite.Role
}

// CreateInvite makes a join code for the group, valid for in.Hours (default 72, 1 to 720),
// in in.Role.
func (g *Groups) CreateInvite(ctx context.Context, c *ent.Client, in NewInvite) (*ent.GroupInvite, error) {
	groupID, hours := in.GroupID, in.Hours
	role := in.Role
	if role == "" {
		role = groupinvite.DefaultRole
	}
	if err := groupinvite.RoleValidator(role); err != nil {
		return nil, apperr.Input("role", "MEMBER or FACILITATOR")
	}
	h := 72
	if hours != nil {
		h = *hours
	}
	if err := validate.Var("expiresInHours", h, "min=1,max=720"); err != nil {
		return nil, err
	}
	by, err := rule.FacilitatorOf(ctx, c, groupID)
	if err != nil {
		return nil, err
	}
	code, err := newCode()
	if err != nil {
		return nil, err
	}
	return c.GroupInvite.Create().
		SetGroupID(groupID).
		SetCreatedByID(by.ID).
		SetCode(code).
		SetRole(role).
		SetExpiresAt(g.now().Add(time.Duration(h) * time.Hour)).
		Save(ctx)
}

// RevokeInvite withdraws a join code. Revoking it again succeeds.
func (g *Groups) RevokeInvite(ctx context.Context, c *ent.Client, id int) error {
	inv, err := c.GroupInvite.Get(ctx, id)
	if ent.IsNotFound(err) {
		return apperr.NotFoundf("invite not found")
	}
	if err != nil {
		return err
	}
	if inv.RevokedAt != nil {
		return nil
	}
	return c.GroupInvite.UpdateOne(inv).SetRevokedAt(g.now()).Exec(ctx)
}

// NormalizeCode puts a typed code in its stored form: upper case, without spaces or dashes.
func NormalizeCode(code string) string {
	code = strings.ToUpper(code)
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, code)
}

// Join adds the viewer to the group of a valid invite code. Joining a group one is in
// returns the membership one has; a person a facilitator removed cannot rejoin by code.
func (g *Groups) Join(ctx context.Context, c *ent.Client, in JoinRequest) (*ent.Membership, error) {
	m, err := g.join(ctx, c, in)
	if err != nil {
		return nil, err
	}
	bus.Announce(ctx, memberChanged(m))
	return m, g.replan(ctx, m.UserID)
}

func (g *Groups) join(ctx context.Context, c *ent.Client, in JoinRequest) (*ent.Membership, error) {
	v := viewer.FromContext(ctx)
	// Holding a valid code is what lets a person join: the lookup by code runs as the system
	// because the joiner cannot read the group's invites.
	inv, err := c.GroupInvite.Query().
		Where(groupinvite.Code(NormalizeCode(in.Code))).
		Only(rule.ForInviteCode(ctx))
	if ent.IsNotFound(err) {
		return nil, rule.ErrInviteInvalid
	}
	if err != nil {
		return nil, err
	}
	grant, err := rule.JoinGrant(v, inv, g.now())
	if err != nil {
		return nil, err
	}
	name := strings.TrimSpace(in.DisplayName)
	ctx = rule.WithGrant(ctx, grant)
	// Joining changes the viewer's memberships, or finds them changed by another request of
	// theirs (a double tap): the request's read rules read them again.
	rule.ScopeChanged(ctx)
	// The viewer's own membership of that group, current or past (the read rules would hide
	// a past one in a group they no longer see).
	own := rule.ForOwnRows(ctx)
	// A facilitator's code changes who leads the group: its facilitators are held first (by
	// a newcomer, after joining: see MayHaveJoined).
	if err := rule.HoldForJoin(ctx, c, grant); err != nil {
		return nil, err
	}
	old, err := c.Membership.Query().
		Where(membership.UserID(v.UserID), membership.GroupID(inv.GroupID)).
		Only(own)
	switch {
	case ent.IsNotFound(err):
		err = c.Membership.Create().
			SetUserID(v.UserID).
			SetGroupID(inv.GroupID).
			SetRole(grant.Role).
			SetDisplayName(name).
			SetJoinedAt(g.now()).
			OnConflictColumns(membership.FieldUserID, membership.FieldGroupID).
			DoNothing().
			Exec(ctx)
		if err != nil && !errors.Is(err, sql.ErrNoRows) && !ent.IsNotFound(err) {
			return nil, err
		}
		// Created, or a double-tapped join created it a moment ago: either way it is there.
		m, err := c.Membership.Query().Where(rule.CurrentMembershipOf(v.UserID, inv.GroupID)).Only(ctx)
		if err != nil {
			return nil, err
		}
		if err := rule.MayHaveJoined(ctx, c, grant); err != nil {
			return nil, err
		}
		return m, audit.Record(ctx, c, joined(grant, m.ID))
	case err != nil:
		return nil, err
	}
	if err := rule.MayRejoin(old); err != nil {
		return nil, err
	}
	if rule.Promotes(old, grant) {
		return g.promote(ctx, c, grant, old)
	}
	if old.LeftAt == nil {
		return c.Membership.Get(ctx, old.ID) // already in: a retried join
	}
	// Coming back: only while still left and not removed, so that a removal racing this
	// rejoin wins.
	n, err := c.Membership.Update().
		Where(membership.ID(old.ID), membership.LeftAtNotNil(), membership.Removed(false)).
		ClearLeftAt().
		SetRole(grant.Role).
		SetJoinedAt(g.now()).
		SetDisplayName(name).
		Save(ctx)
	if err != nil {
		return nil, err
	}
	m, err := c.Membership.Get(own, old.ID)
	if err != nil {
		return nil, err
	}
	if n == 0 && (m.Removed || m.LeftAt != nil) {
		return nil, rule.ErrRemoved // removed meanwhile
	}
	if err := rule.MayHaveJoined(ctx, c, grant); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, c, joined(grant, old.ID)); err != nil {
		return nil, err
	}
	// Consent ended with leaving: one given while leaving was under way must not revive.
	if err := consent.EndForMembership(ctx, c, old.ID, g.now()); err != nil {
		return nil, err
	}
	return c.Membership.Get(ctx, old.ID)
}

// promote makes the viewer's current MEMBER membership old a FACILITATOR one, by grant (a
// therapist redeeming a facilitator's code of a group they are a member of). Their name
// stays as the group knows it.
func (g *Groups) promote(ctx context.Context, c *ent.Client, grant rule.Grant, old *ent.Membership) (*ent.Membership, error) {
	// Only while still current and a member: a promotion racing a leave or a removal does
	// not bring the membership back.
	n, err := c.Membership.Update().
		Where(membership.ID(old.ID), rule.Current(), membership.RoleEQ(membership.RoleMEMBER)).
		SetRole(grant.Role).
		Save(ctx)
	if err != nil {
		return nil, err
	}
	m, err := c.Membership.Get(rule.ForOwnRows(ctx), old.ID)
	if err != nil {
		return nil, err
	}
	switch {
	case n == 0 && m.Removed:
		return nil, rule.ErrRemoved
	case n == 0 && m.LeftAt != nil:
		return nil, rule.ErrNotInGroup
	case n == 0:
		return m, nil // promoted by a concurrent retry
	}
	if err := rule.MayHaveJoined(ctx, c, grant); err != nil {
		return nil, err
	}
	return m, audit.Record(ctx, c, audit.Event{Action: audit.GroupPromoted, GroupID: grant.GroupID, SubjectID: m.ID, Detail: string(grant.Role)})
}

// joined is the audit event of joining with grant: its detail names a facilitator's role.
func joined(grant rule.Grant, membershipID int) audit.Event {
	e := audit.Event{Action: audit.GroupJoined, GroupID: grant.GroupID, SubjectID: membershipID}
	if grant.Role == membership.RoleFACILITATOR {
		e.Detail = string(grant.Role)
	}
	return e
}

// Leave ends the viewer's membership of the group; their access ends at once, and the codes
// they made (as a facilitator) are revoked. The last facilitator cannot leave: a group must
// have someone to lead it.
func (g *Groups) Leave(ctx context.Context, c *ent.Client, groupID int) error {
	m, err := rule.ViewerMembership(ctx, c, groupID)
	if err != nil {
		return err
	}
	if err := rule.MayEndMembership(ctx, c, m); err != nil {
		return err
	}
	now := g.now()
	// The codes a facilitator made stop working with their leaving, as with a removal or a
	// deleted account (revoked while they still lead the group, which the invite rule needs).
	if err := revokeCodesOf(ctx, c, m.ID, now); err != nil {
		return err
	}
	if err := c.Membership.UpdateOne(m).SetLeftAt(now).Exec(ctx); err != nil {
		return err
	}
	if err := audit.Record(ctx, c, audit.Event{Action: audit.GroupLeft, GroupID: groupID, SubjectID: m.ID}); err != nil {
		return err
	}
	if err := consent.EndForMembership(ctx, c, m.ID, now); err != nil {
		return err
	}
	bus.Announce(ctx, memberChanged(m))
	return g.replan(ctx, m.UserID)
}

// Remove takes someone out of a group the viewer facilitates; their access ends at once, they
// cannot rejoin by code, and the codes they made (as a facilitator) are revoked. Removing
// someone already gone succeeds.
func (g *Groups) Remove(ctx context.Context, c *ent.Client, membershipID int) error {
	v := viewer.FromContext(ctx)
	m, err := c.Membership.Get(ctx, membershipID)
	if ent.IsNotFound(err) {
		return apperr.NotFoundf("membership not found")
	}
	if err != nil {
		return err
	}
	if err := rule.MayFacilitate(ctx, c, m.GroupID); err != nil {
		return err
	}
	if m.UserID == v.UserID {
		return apperr.Input("membershipID", "to leave a group yourself, use leaveGroup")
	}
	if m.Removed {
		return nil
	}
	if err := rule.MayEndMembership(ctx, c, m); err != nil {
		return err
	}
	// Conditional on not yet removed, so that a rejoin racing this removal cannot survive it.
	now := g.now()
	n, err := c.Membership.Update().
		Where(membership.ID(m.ID), membership.Removed(false)).
		SetRemoved(true).
		SetLeftAt(now).
		Save(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		// Removed meanwhile by another facilitator (done), or the viewer is no longer one
		// of the group's facilitators (removed while waiting for the facilitators' lock):
		// the policy matched nothing, and nothing is announced or audited.
		_, err := rule.FacilitatorOf(ctx, c, m.GroupID)
		return err
	}
	// The codes a removed facilitator made stop working: nobody joins through them.
	if err := revokeCodesOf(ctx, c, m.ID, now); err != nil {
		return err
	}
	if err := audit.Record(ctx, c, audit.Event{Action: audit.MemberRemoved, GroupID: m.GroupID, SubjectID: m.ID}); err != nil {
		return err
	}
	if err := consent.EndForMembership(ctx, c, m.ID, now); err != nil {
		return err
	}
	bus.Announce(ctx, memberChanged(m))
	return g.replan(ctx, m.UserID)
}

// revokeCodesOf revokes the invite codes the membership made that still work.
func revokeCodesOf(ctx context.Context, c *ent.Client, membershipID int, now time.Time) error {
	return c.GroupInvite.Update().
		Where(groupinvite.CreatedByID(membershipID), groupinvite.RevokedAtIsNil()).
		SetRevokedAt(now).
		Exec(ctx)
}

// memberChanged announces that m's standing in its group changed: what they shared is
// read again by every subscriber, and they stop receiving the group's events if they left.
func memberChanged(m *ent.Membership) bus.Event {
	return bus.Event{Kind: bus.Member, Group: m.GroupID, ID: m.ID, User: m.UserID}
}

func newCode() (string, error) {
	b := make([]byte, codeLength)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	out := make([]byte, codeLength)
	for i, x := range b {
		// 256 % 31 != 0 gives a slight bias; acceptable at 40 bits. Avoid it anyway:
		for int(x) >= 256-256%len(codeAlphabet) {
			var one [1]byte
			if _, err := rand.Read(one[:]); err != nil {
				return "", err
			}
			x = one[0]
		}
		out[i] = codeAlphabet[int(x)%len(codeAlphabet)]
	}
	return string(out), nil
}
