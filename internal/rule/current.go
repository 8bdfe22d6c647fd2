package rule

import (
	"context"
	"slices"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/group"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/ent/predicate"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/viewer"
)

// A membership is current from joining until its member leaves, is removed or deletes their
// account (all of which set left_at). Access follows current memberships only: these are the
// one predicate and the one loader of "current" for the whole code base.

// Current matches memberships that are current.
func Current() predicate.Membership {
	return membership.LeftAtIsNil()
}

// CurrentMembershipOf matches userID's current membership of groupID (at most one).
func CurrentMembershipOf(userID, groupID int) predicate.Membership {
	return membership.And(membership.UserID(userID), membership.GroupID(groupID), Current())
}

// HasCurrentMember matches the groups userID is a current member of, in any role.
func HasCurrentMember(userID int) predicate.Group {
	return group.HasMembershipsWith(membership.UserID(userID), Current())
}

// ErrNotInGroup answers for a group the viewer has no current membership of: to them it is
// as if it did not exist.
var ErrNotInGroup = apperr.NotFoundf("group not found")

// ViewerMembership loads the viewer's current membership of groupID, with the extra
// predicates given (a lock: ForShare, ForUpdate), as the viewer; ErrNotInGroup when there is
// none.
func ViewerMembership(ctx context.Context, c *ent.Client, groupID int, extra ...predicate.Membership) (*ent.Membership, error) {
	return viewerMembership(ctx, c, groupID, append(extra, Current())...)
}

// OwnMembership loads the viewer's membership of groupID, current or past, as the viewer (the
// Membership policy shows everyone their own); ErrNotInGroup when they never had one.
func OwnMembership(ctx context.Context, c *ent.Client, groupID int) (*ent.Membership, error) {
	return viewerMembership(ctx, c, groupID)
}

// viewerMembership loads the viewer's membership of groupID that also matches preds.
func viewerMembership(ctx context.Context, c *ent.Client, groupID int, preds ...predicate.Membership) (*ent.Membership, error) {
	v := viewer.FromContext(ctx)
	m, err := c.Membership.Query().
		Where(membership.UserID(v.UserID), membership.GroupID(groupID)).
		Where(preds...).
		Only(ctx)
	if ent.IsNotFound(err) {
		return nil, ErrNotInGroup
	}
	return m, err
}

// ErrNotFacilitator answers for a group the viewer is in but does not facilitate.
var ErrNotFacilitator = apperr.New(apperr.Forbidden, "only the group's facilitators can do this")

// Facilitates reports whether m gives v the facilitator powers of its group: m is v's
// current membership, with the role FACILITATOR, and v's token has the therapist role. It is
// FacilitatorMembership in Go, for a membership already loaded.
func Facilitates(v *viewer.Viewer, m *ent.Membership) bool {
	// SECURITY: facilitating needs the membership and the therapist role both.
	return v != nil && v.Therapist && m != nil && m.UserID == v.UserID && m.LeftAt == nil &&
		m.Role == membership.RoleFACILITATOR
}

// FacilitatorOf returns the viewer's current facilitator membership of groupID:
// ErrNotInGroup (NOT_FOUND) when they are not in the group, ErrNotFacilitator (FORBIDDEN)
// when they are but do not facilitate it. Services call it for these clear answers before
// they act; the policies decide the same again on every row they touch.
func FacilitatorOf(ctx context.Context, c *ent.Client, groupID int) (*ent.Membership, error) {
	m, err := ViewerMembership(ctx, c, groupID)
	if err != nil {
		return nil, err
	}
	if !Facilitates(viewer.FromContext(ctx), m) {
		return nil, ErrNotFacilitator
	}
	return m, nil
}

// MayFacilitate answers as FacilitatorOf when the membership itself is not needed: from the
// viewer's memberships the request has read already (see WithScope), without a statement,
// or else by FacilitatorOf.
func MayFacilitate(ctx context.Context, c *ent.Client, groupID int) error {
	s, err := scopeOf(ctx, viewer.FromContext(ctx))
	if err != nil {
		return err
	}
	if !s.loaded {
		_, err := FacilitatorOf(ctx, c, groupID)
		return err
	}
	switch {
	case slices.Contains(s.facilitated, groupID):
		return nil
	case slices.Contains(s.in, groupID):
		return ErrNotFacilitator
	}
	return ErrNotInGroup
}

// CurrentMembershipID is the id of the viewer's current membership of groupID, as
// ViewerMembership finds it (ErrNotInGroup when there is none), from the viewer's memberships
// the request has read already when it has, without a statement. A write that names it is
// checked again by the policies, with the membership locked (isCurrentMembership).
func CurrentMembershipID(ctx context.Context, c *ent.Client, groupID int) (int, error) {
	s, err := scopeOf(ctx, viewer.FromContext(ctx))
	if err != nil {
		return 0, err
	}
	if !s.loaded {
		m, err := ViewerMembership(ctx, c, groupID)
		if err != nil {
			return 0, err
		}
		return m.ID, nil
	}
	if !slices.Contains(s.in, groupID) {
		return 0, ErrNotInGroup
	}
	return s.byGroup[groupID], nil
}
