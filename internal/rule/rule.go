// Package rule holds the privacy rules of the domain: who may read and change what.
//
// Every rule is attached to an entity in ent/schema through its Policy, so it holds on every
// path that reaches the entity: node(id:), nodes, edges, connections and mutations alike.
// Read rules add SQL predicates to the query (rows the viewer may not read are simply not
// there); write rules either add predicates to the mutation (rows the viewer may not change
// are not matched) or check the new row before it is written. Every policy ends in a deny, so
// whatever no rule allows is refused.
package rule

import (
	"context"
	"errors"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/group"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/ent/predicate"
	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/internal/viewer"
)

// DenyIfNoViewer denies every query and mutation made without a signed-in viewer.
// Trusted system work (sign-in, jobs, seeding) runs in a context from one of the For…
// functions of system.go, which ent evaluates before any rule.
func DenyIfNoViewer() privacy.QueryMutationRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		// SECURITY: no viewer, no data.
		if viewer.FromContext(ctx) == nil {
			return privacy.Denyf("no viewer in context")
		}
		return privacy.Skip
	})
}

// viewerFacilitates matches groups where the viewer is a current facilitator.
func viewerFacilitates(v *viewer.Viewer) predicate.Group {
	return group.HasMembershipsWith(FacilitatorMembership(v))
}

// FacilitatorMembership matches the viewer's current facilitator memberships. A person
// whose therapist role was taken away (set-role UID member) keeps none: facilitating a
// group needs both the membership and the role in their current Firebase token.
func FacilitatorMembership(v *viewer.Viewer) predicate.Membership {
	// SECURITY: the facilitator powers: read FACILITATORS reflections and crisis marks,
	// invite, remove.
	if !v.Therapist {
		return membership.IDIn() // matches nothing
	}
	return membership.And(
		membership.UserID(v.UserID),
		Current(),
		membership.RoleEQ(membership.RoleFACILITATOR),
	)
}

// grantKey carries a Grant in a context.
type grantKey struct{}

// Grant is the capability to create one membership: for the viewer, in one group, with one
// role. Grants are made here only, by FounderGrant (a fresh group founded by a therapist)
// and JoinGrant (a valid invite code, in its role: FACILITATOR for a therapist only); no client input can make one, and
// TestNoBypassOutsideRule fails on a Grant written anywhere else.
type Grant struct {
	GroupID int
	Role    membership.Role
}

// FounderGrant is what founding group g gives v, who founded it: v's membership as its
// facilitator. Only therapists found groups (GroupCreateTherapistOnly has let the group be
// created); anyone else gets nothing.
func FounderGrant(v *viewer.Viewer, g *ent.Group) (Grant, error) {
	// SECURITY: the founder leads the group they created, if they may found one.
	if err := MayFound(v); err != nil {
		return Grant{}, err
	}
	return Grant{GroupID: g.ID, Role: membership.RoleFACILITATOR}, nil
}

// WithGrant returns a copy of ctx that carries g.
func WithGrant(ctx context.Context, g Grant) context.Context {
	return context.WithValue(ctx, grantKey{}, g)
}

func grantFromContext(ctx context.Context) (Grant, bool) {
	g, ok := ctx.Value(grantKey{}).(Grant)
	return g, ok
}

// ForShare locks the memberships a query reads against concurrent change until the
// transaction ends (PostgreSQL; SQLite runs one transaction at a time anyway). A write that
// depends on a membership being current (a reflection, an encouragement, a consent) takes
// it, so that leaving, removal or account deletion cannot interleave with it.
func ForShare() predicate.Membership {
	return func(s *sql.Selector) {
		if s.Dialect() == dialect.Postgres {
			s.ForShare()
		}
	}
}

// ForUpdate locks the memberships a query reads for a change of them (see ForShare).
func ForUpdate() predicate.Membership {
	return func(s *sql.Selector) {
		if s.Dialect() == dialect.Postgres {
			s.ForUpdate()
		}
	}
}

// isCurrentMembership reports whether id is userID's current membership of groupID, and
// holds it (ForShare) until the transaction ends.
func isCurrentMembership(ctx context.Context, client *ent.Client, id, userID, groupID int) (bool, error) {
	ids, err := client.Membership.Query().Where(
		membership.ID(id),
		CurrentMembershipOf(userID, groupID),
		ForShare(),
	).IDs(ctx)
	return len(ids) > 0, err
}

// IsDenied reports whether err is a privacy policy's refusal.
func IsDenied(err error) bool { return errors.Is(err, privacy.Deny) }
