package rule

import (
	"context"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/ent/predicate"
	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/ent/reflection"
	"github.com/processgroup/api/internal/viewer"
)

// ReflectionReadable matches the reflections v may read:
//   - PRIVATE: the author only, not therapists, not admins;
//   - FACILITATORS: the author and the group's current facilitators;
//   - GROUP: the author, the group's current facilitators, and its current members while the
//     author is a current member too (leaving ends the sharing at once).
//
// Deleted reflections match nobody.
func ReflectionReadable(v *viewer.Viewer) predicate.Reflection {
	// SECURITY: the read table of the product brief, as SQL.
	return reflection.And(
		reflection.DeletedAtIsNil(),
		reflection.Or(
			reflection.UserID(v.UserID),
			reflection.And(
				reflection.VisibilityIn(reflection.VisibilityFACILITATORS, reflection.VisibilityGROUP),
				reflection.HasGroupWith(viewerFacilitates(v)),
			),
			reflection.And(
				reflection.VisibilityEQ(reflection.VisibilityGROUP),
				reflection.HasGroupWith(viewerIn(v)),
				reflection.HasAuthorWith(membership.LeftAtIsNil()),
			),
		),
	)
}

// ReflectionQuery filters every reflection query down to what the viewer may read.
func ReflectionQuery() privacy.QueryRule {
	return privacy.ReflectionQueryRuleFunc(func(ctx context.Context, q *ent.ReflectionQuery) error {
		q.Where(ReflectionReadable(viewer.FromContext(ctx)))
		return privacy.Allow
	})
}

// ReflectionCreate allows a viewer to write a reflection only as themselves, through their
// own current membership of the reflection's group.
func ReflectionCreate() privacy.MutationRule {
	return privacy.ReflectionMutationRuleFunc(func(ctx context.Context, m *ent.ReflectionMutation) error {
		if !m.Op().Is(ent.OpCreate) {
			return privacy.Skip
		}
		v := viewer.FromContext(ctx)
		uid, _ := m.UserID()
		gid, _ := m.GroupID()
		aid, _ := m.AuthorID()
		if uid != v.UserID {
			return privacy.Denyf("reflections are written as oneself")
		}
		// SECURITY: the author must be the viewer's current membership in the group.
		ok, err := m.Client().Membership.Query().Where(
			membership.ID(aid),
			membership.UserID(v.UserID),
			membership.GroupID(gid),
			membership.LeftAtIsNil(),
		).Exist(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return privacy.Denyf("not a member of the group")
		}
		return privacy.Allow
	})
}

// ReflectionAuthorOnly lets only the author change or delete a reflection.
func ReflectionAuthorOnly() privacy.MutationRule {
	return privacy.ReflectionMutationRuleFunc(func(ctx context.Context, m *ent.ReflectionMutation) error {
		if m.Op().Is(ent.OpCreate) {
			return privacy.Skip
		}
		// SECURITY: other people's reflections are not matched.
		m.Where(reflection.UserID(viewer.FromContext(ctx).UserID))
		return privacy.Allow
	})
}

// AttentionVisible returns which of groupIDs the viewer may see crisis marks in: the groups
// they currently facilitate. The mark is for facilitators, not for the author or their peers.
func AttentionVisible(ctx context.Context, client *ent.Client, groupIDs []int) (map[int]bool, error) {
	v := viewer.FromContext(ctx)
	if v == nil {
		return nil, nil
	}
	// SECURITY: only the viewer's current facilitator memberships reveal the mark.
	ids, err := client.Membership.Query().
		Where(membership.GroupIDIn(groupIDs...), FacilitatorMembership(v)).
		Select(membership.FieldGroupID).
		Ints(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}
