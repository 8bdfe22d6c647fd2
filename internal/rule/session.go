package rule

import (
	"context"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/group"
	"github.com/processgroup/api/ent/groupsession"
	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/internal/viewer"
)

// SessionQueryCurrentMembers lets the current members and facilitators of a group read its
// sessions; a former member no longer sees when the group meets.
func SessionQueryCurrentMembers() privacy.QueryRule {
	return privacy.GroupSessionQueryRuleFunc(func(ctx context.Context, q *ent.GroupSessionQuery) error {
		s, err := scopeOf(ctx, viewer.FromContext(ctx))
		if err != nil {
			return err
		}
		// SECURITY: sessions of groups the viewer is not currently in are not there.
		q.Where(s.groups(groupsession.FieldGroupID, groupsIn))
		return privacy.Allow
	})
}

// SessionFacilitatorOnly lets only a group's current facilitators create, move, cancel or
// remove its sessions.
func SessionFacilitatorOnly() privacy.MutationRule {
	return privacy.GroupSessionMutationRuleFunc(func(ctx context.Context, m *ent.GroupSessionMutation) error {
		v := viewer.FromContext(ctx)
		if !m.Op().Is(ent.OpCreate) {
			// SECURITY: sessions of groups the viewer does not facilitate are not matched.
			m.Where(groupsession.HasGroupWith(viewerFacilitates(v)))
			return privacy.Allow
		}
		gid, _ := m.GroupID()
		// SECURITY: a session is created only in a group the viewer facilitates.
		ok, err := m.Client().Group.Query().Where(group.ID(gid), viewerFacilitates(v)).Exist(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return privacy.Denyf("only the group's facilitators schedule sessions")
		}
		return privacy.Allow
	})
}
