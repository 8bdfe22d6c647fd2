package rule

import (
	"context"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/encouragement"
	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/ent/reflection"
	"github.com/processgroup/api/internal/viewer"
)

// EncouragementQuery lets a viewer read the encouragement on reflections they may read.
// Who sent it is a Membership, with its own rule: a reader who no longer shares the group
// with the sender sees the encouragement without its sender.
func EncouragementQuery() privacy.QueryRule {
	return privacy.EncouragementQueryRuleFunc(func(ctx context.Context, q *ent.EncouragementQuery) error {
		// SECURITY: encouragement is readable by whoever may read its reflection.
		q.Where(encouragement.HasReflectionWith(ReflectionReadable(viewer.FromContext(ctx))))
		return privacy.Allow
	})
}

// EncouragementCreate allows sending encouragement only as oneself, through one's current
// membership of the reflection's group, on a reflection one may read and did not write.
func EncouragementCreate() privacy.MutationRule {
	return privacy.EncouragementMutationRuleFunc(func(ctx context.Context, m *ent.EncouragementMutation) error {
		if !m.Op().Is(ent.OpCreate) {
			return privacy.Skip
		}
		v := viewer.FromContext(ctx)
		rid, _ := m.ReflectionID()
		sid, set := m.SenderID()
		if !set {
			return privacy.Denyf("encouragement needs its sender")
		}
		// SECURITY: the reflection is looked up as the viewer, so its read rule applies.
		r, err := m.Client().Reflection.Query().Where(reflection.ID(rid)).Only(ctx)
		if ent.IsNotFound(err) {
			return privacy.Denyf("reflection not readable")
		}
		if err != nil {
			return err
		}
		if r.UserID == v.UserID {
			return privacy.Denyf("no encouragement on one's own reflection")
		}
		ok, err := isCurrentMembership(ctx, m.Client(), sid, v.UserID, r.GroupID)
		if err != nil {
			return err
		}
		if !ok {
			return privacy.Denyf("not a member of the reflection's group")
		}
		return privacy.Allow
	})
}

// EncouragementDeleteByReflectionAuthor lets the author of a reflection delete the
// encouragement on it (which happens when they delete the reflection).
func EncouragementDeleteByReflectionAuthor() privacy.MutationRule {
	return privacy.EncouragementMutationRuleFunc(func(ctx context.Context, m *ent.EncouragementMutation) error {
		if !m.Op().Is(ent.OpDelete | ent.OpDeleteOne) {
			return privacy.Skip
		}
		// SECURITY: only encouragement on the viewer's own reflections is matched.
		m.Where(encouragement.HasReflectionWith(reflection.UserID(viewer.FromContext(ctx).UserID)))
		return privacy.Allow
	})
}
