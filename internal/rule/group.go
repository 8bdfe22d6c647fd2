package rule

import (
	"context"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/group"
	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/viewer"
)

// GroupQueryMembersPastAndPresent lets a viewer read a group they are in, or were in: a former
// member still sees the name of the group their own journal entries were written in, and
// nothing else of it (the rules of memberships and reflections decide the rest).
func GroupQueryMembersPastAndPresent() privacy.QueryRule {
	return privacy.GroupQueryRuleFunc(func(ctx context.Context, q *ent.GroupQuery) error {
		s, err := scopeOf(ctx, viewer.FromContext(ctx))
		if err != nil {
			return err
		}
		// SECURITY: groups are visible to people with a membership in them.
		q.Where(s.groups(group.FieldID, groupsEver))
		return privacy.Allow
	})
}

// ErrNotTherapist refuses founding a group to anyone without the therapist role.
var ErrNotTherapist = apperr.New(apperr.Forbidden, "only therapists create groups")

// MayFound decides whether v may found a group: only therapists do.
func MayFound(v *viewer.Viewer) error {
	// SECURITY: the therapist role comes from the verified Firebase token only.
	if v == nil || !v.Therapist {
		return ErrNotTherapist
	}
	return nil
}

// GroupCreateTherapistOnly lets only therapists (custom claim role=therapist) create groups.
func GroupCreateTherapistOnly() privacy.MutationRule {
	return privacy.GroupMutationRuleFunc(func(ctx context.Context, m *ent.GroupMutation) error {
		if !m.Op().Is(ent.OpCreate) {
			return privacy.Skip
		}
		if err := MayFound(viewer.FromContext(ctx)); err != nil {
			return err
		}
		return privacy.Allow
	})
}

// GroupUpdateFacilitatorOnly lets only a group's current facilitators change it.
func GroupUpdateFacilitatorOnly() privacy.MutationRule {
	return privacy.GroupMutationRuleFunc(func(ctx context.Context, m *ent.GroupMutation) error {
		if !m.Op().Is(ent.OpUpdate | ent.OpUpdateOne) {
			return privacy.Skip
		}
		// SECURITY: rows of groups the viewer does not facilitate are not matched.
		m.Where(viewerFacilitates(viewer.FromContext(ctx)))
		return privacy.Allow
	})
}
