package rule

import (
	"context"
	"time"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/groupinvite"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/viewer"
)

// InviteQueryFacilitators lets only the current facilitators of a group read its invites.
// Joining by code looks the code up as the system (see the join flow): holding the code is
// what authorises that one lookup.
func InviteQueryFacilitators() privacy.QueryRule {
	return privacy.GroupInviteQueryRuleFunc(func(ctx context.Context, q *ent.GroupInviteQuery) error {
		s, err := scopeOf(ctx, viewer.FromContext(ctx))
		if err != nil {
			return err
		}
		// SECURITY: invite codes are visible to the group's facilitators only.
		q.Where(s.groups(groupinvite.FieldGroupID, groupsFacilitated))
		return privacy.Allow
	})
}

// InviteFacilitatorOnly lets only a group's current facilitators create and revoke its invites.
func InviteFacilitatorOnly() privacy.MutationRule {
	return privacy.GroupInviteMutationRuleFunc(func(ctx context.Context, m *ent.GroupInviteMutation) error {
		v := viewer.FromContext(ctx)
		switch {
		case m.Op().Is(ent.OpCreate):
			gid, _ := m.GroupID()
			by, _ := m.CreatedByID()
			// SECURITY: the creator must be the viewer's current facilitator membership in the group.
			ok, err := m.Client().Membership.Query().Where(
				membership.ID(by),
				membership.GroupID(gid),
				FacilitatorMembership(v),
			).Exist(ctx)
			if err != nil {
				return err
			}
			if !ok {
				return privacy.Denyf("only facilitators invite")
			}
			return privacy.Allow
		case m.Op().Is(ent.OpUpdate | ent.OpUpdateOne):
			// SECURITY: invites of groups the viewer does not facilitate are not matched.
			m.Where(groupinvite.HasGroupWith(viewerFacilitates(v)))
			return privacy.Allow
		}
		return privacy.Skip
	})
}

// ErrInviteInvalid answers a code that is unknown, revoked or expired (the same answer for
// all three).
var ErrInviteInvalid = apperr.Input("code", "this invite code is not valid or has expired")

// ErrNotTherapistCode refuses a facilitator's invite code to anyone without the therapist
// role.
var ErrNotTherapistCode = apperr.New(apperr.Forbidden,
	"this invite code is for a therapist to lead the group; only a therapist can redeem it")

// JoinGrant is what a valid invite gives v, who holds its code, at now: one membership of its
// group, in the invite's role. A revoked or expired invite gives nothing (ErrInviteInvalid);
// a FACILITATOR invite gives nothing to anyone without the therapist role
// (ErrNotTherapistCode). A MEMBER invite makes members, therapists included.
func JoinGrant(v *viewer.Viewer, inv *ent.GroupInvite, now time.Time) (Grant, error) {
	// SECURITY: holding a code in force is the whole reason a person may join.
	if inv.RevokedAt != nil || !now.Before(inv.ExpiresAt) {
		return Grant{}, ErrInviteInvalid
	}
	if inv.Role == groupinvite.RoleFACILITATOR {
		// SECURITY: leading a group needs the therapist role of the verified token too.
		if v == nil || !v.Therapist {
			return Grant{}, ErrNotTherapistCode
		}
		return Grant{GroupID: inv.GroupID, Role: membership.RoleFACILITATOR}, nil
	}
	return Grant{GroupID: inv.GroupID, Role: membership.RoleMEMBER}, nil
}

// ErrRemoved refuses coming back by code to a group one was removed from.
var ErrRemoved = apperr.New(apperr.Forbidden, "you were removed from this group; ask its facilitator")

// MayRejoin decides whether the holder of old, their own membership of a group (current or
// past), may come back into it, or be promoted in it (Promotes): not after a facilitator
// removed them. MembershipUpdate holds the same rule for the row (a removal is never undone).
func MayRejoin(old *ent.Membership) error {
	// SECURITY: a removal is final.
	if old.Removed {
		return ErrRemoved
	}
	return nil
}

// Promotes reports whether g, redeemed by the holder of old, their current membership of g's
// group, makes a facilitator of a member: a FACILITATOR grant on a MEMBER membership. Any
// other grant leaves a current membership as it is (a MEMBER code never demotes).
func Promotes(old *ent.Membership, g Grant) bool {
	return old.LeftAt == nil && old.Role == membership.RoleMEMBER && g.Role == membership.RoleFACILITATOR
}
