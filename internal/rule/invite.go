package rule

import (
	"context"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/groupinvite"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/internal/viewer"
)

// InviteQueryFacilitators lets only the current facilitators of a group read its invites.
// Joining by code looks the code up as the system (see the join flow): holding the code is
// what authorises that one lookup.
func InviteQueryFacilitators() privacy.QueryRule {
	return privacy.GroupInviteQueryRuleFunc(func(ctx context.Context, q *ent.GroupInviteQuery) error {
		// SECURITY: invite codes are visible to the group's facilitators only.
		q.Where(groupinvite.HasGroupWith(viewerFacilitates(viewer.FromContext(ctx))))
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
