package rule

import (
	"context"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/internal/viewer"
)

// MembershipQuery lets a viewer read their own memberships (also past ones), every
// membership of a group they currently facilitate, and the current memberships of a group
// they are currently in. A display name is thus seen only by people who share a group.
func MembershipQuery() privacy.QueryRule {
	return privacy.MembershipQueryRuleFunc(func(ctx context.Context, q *ent.MembershipQuery) error {
		v := viewer.FromContext(ctx)
		s, err := scopeOf(ctx, v)
		if err != nil {
			return err
		}
		// SECURITY: display names are shared within a group, among its current members.
		q.Where(membership.Or(
			membership.UserID(v.UserID),
			s.groups(membership.FieldGroupID, groupsFacilitated),
			membership.And(
				Current(),
				s.groups(membership.FieldGroupID, groupsIn),
			),
		))
		return privacy.Allow
	})
}

// MembershipCreate allows creating a membership only for the viewer, in the group and role
// of a Grant that domain code put in the context after checking why (see Grant).
func MembershipCreate() privacy.MutationRule {
	return privacy.MembershipMutationRuleFunc(func(ctx context.Context, m *ent.MembershipMutation) error {
		if !m.Op().Is(ent.OpCreate) {
			return privacy.Skip
		}
		v := viewer.FromContext(ctx)
		g, ok := grantFromContext(ctx)
		uid, _ := m.UserID()
		gid, _ := m.GroupID()
		role, _ := m.Role()
		if role == "" {
			role = membership.DefaultRole
		}
		// SECURITY: nobody joins a group, or takes a role in it, without a checked grant.
		if ok && uid == v.UserID && gid == g.GroupID && role == g.Role {
			return privacy.Allow
		}
		return privacy.Denyf("membership not granted")
	})
}

// MembershipUpdate lets a viewer change their own membership (leave, rename) and a
// facilitator change memberships of their group (remove). Coming back into a group (clearing
// left_at) and roles need a Grant, like joining: the role FACILITATOR only through a
// FACILITATOR grant (a therapist's facilitator code, JoinGrant), a member's promotion
// included; a removal is never undone.
func MembershipUpdate() privacy.MutationRule {
	return privacy.MembershipMutationRuleFunc(func(ctx context.Context, m *ent.MembershipMutation) error {
		if !m.Op().Is(ent.OpUpdate | ent.OpUpdateOne) {
			return privacy.Skip
		}
		v := viewer.FromContext(ctx)
		if removed, set := m.Removed(); set && !removed {
			return privacy.Denyf("a removal cannot be undone")
		}
		role, roleSet := m.Role()
		if m.LeftAtCleared() || roleSet {
			// SECURITY: rejoining needs a checked grant, for the viewer's own membership of
			// that group only, with the grant's role, and never after a removal.
			g, ok := grantFromContext(ctx)
			if !ok || (roleSet && role != g.Role) {
				return privacy.Denyf("membership not granted")
			}
			// SECURITY: a current facilitator stops leading by leaving (MayEndMembership),
			// never by a change of role that would skip the last facilitator's rule.
			if roleSet && role != membership.RoleFACILITATOR && !m.LeftAtCleared() {
				return privacy.Denyf("a role is given up by leaving")
			}
			m.Where(
				membership.UserID(v.UserID),
				membership.GroupID(g.GroupID),
				membership.Removed(false),
			)
			return privacy.Allow
		}
		// SECURITY: rows that are neither the viewer's nor in a group they facilitate are not matched.
		m.Where(membership.Or(
			membership.UserID(v.UserID),
			membership.HasGroupWith(viewerFacilitates(v)),
		))
		return privacy.Allow
	})
}
