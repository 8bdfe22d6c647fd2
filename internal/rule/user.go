package rule

import (
	"context"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/ent/user"
	"github.com/processgroup/api/internal/viewer"
)

// UserQuerySelfOnly lets a viewer read their own member record and nobody else's: email,
// phone and Firebase uid are theirs alone. Groupmates meet through Membership instead.
func UserQuerySelfOnly() privacy.QueryRule {
	return privacy.UserQueryRuleFunc(func(ctx context.Context, q *ent.UserQuery) error {
		// SECURITY: a member record is readable by its owner only.
		q.Where(user.ID(viewer.FromContext(ctx).UserID))
		return privacy.Allow
	})
}

// UserMutationSelfOnly lets a viewer change their own record only, and never create one:
// records are created by sign-in, which runs as the system.
func UserMutationSelfOnly() privacy.MutationRule {
	return privacy.UserMutationRuleFunc(func(ctx context.Context, m *ent.UserMutation) error {
		// SECURITY: only the owner changes a member record.
		if m.Op().Is(ent.OpCreate) {
			return privacy.Denyf("member records are created at sign-in")
		}
		m.Where(user.ID(viewer.FromContext(ctx).UserID))
		return privacy.Allow
	})
}
