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

// JoinGrant is what a valid invite gives whoever holds its code at now: one membership, as
// MEMBER, of its group. A revoked or expired invite gives nothing (ErrInviteInvalid).
func JoinGrant(inv *ent.GroupInvite, now time.Time) (Grant, error) {
	// SECURITY: holding a code in force is the whole reason a person may join.
	if inv.RevokedAt != nil || !now.Before(inv.ExpiresAt) {
		return Grant{}, ErrInviteInvalid
	}
	return Grant{GroupID: inv.GroupID, Role: membership.RoleMEMBER}, nil
}

// ErrRemoved refuses coming back by code to a group one was removed from.
var ErrRemoved = apperr.New(apperr.Forbidden, "you were removed from this group; ask its facilitator")

// MayRejoin decides whether the holder of old, their own past membership of a group, may
// come back into it: not after a facilitator removed them. MembershipUpdate holds the same
// rule for the row (a removal is never undone).
func MayRejoin(old *ent.Membership) error {
	// SECURITY: a removal is final.
	if old.Removed {
		return ErrRemoved
	}
	return nil
}
