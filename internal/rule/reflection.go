package rule

import (
	"context"
	"time"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/groupsession"
	"github.com/processgroup/api/ent/groupsharingconsent"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/ent/predicate"
	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/ent/reflection"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/viewer"
)

// ReflectionReadable matches the reflections v may read:
//   - PRIVATE: the author only, not therapists, not admins;
//   - FACILITATORS: the author and the group's current facilitators;
//   - GROUP: the author, the group's current facilitators, and its current members while the
//     author is a current member too and their consent to share with the group is in force
//     (leaving, revoking or expiry ends the sharing at once; facilitators, as program staff,
//     keep reading it as FACILITATORS).
//
// Deleted reflections match nobody.
func ReflectionReadable(ctx context.Context, v *viewer.Viewer, now time.Time) (predicate.Reflection, error) {
	s, err := scopeOf(ctx, v)
	if err != nil {
		return nil, err
	}
	return reflectionReadable(s, now), nil
}

func reflectionReadable(s *scope, now time.Time) predicate.Reflection {
	// SECURITY: the read table of the product brief, as SQL.
	return reflection.And(
		reflection.DeletedAtIsNil(),
		reflection.Or(
			reflection.UserID(s.v.UserID),
			reflection.And(
				reflection.VisibilityIn(reflection.VisibilityFACILITATORS, reflection.VisibilityGROUP),
				s.groups(reflection.FieldGroupID, groupsFacilitated),
			),
			reflection.And(
				reflection.VisibilityEQ(reflection.VisibilityGROUP),
				s.groups(reflection.FieldGroupID, groupsIn),
				reflection.HasAuthorWith(sharingWithViewer(s, now)),
			),
		),
	)
}

// sharingWithViewer matches the memberships, in one of the viewer's current groups, of an
// author who shares with that group now: still a current member, with their consent to share
// in force. (The membership and consent are in one of the viewer's groups: saying so keeps
// the database from reading every group's.)
func sharingWithViewer(s *scope, now time.Time) predicate.Membership {
	// SECURITY: peers read what a groupmate shares only while the groupmate is in the group
	// and consents.
	return membership.And(
		Current(),
		s.groups(membership.FieldGroupID, groupsIn),
		membership.HasConsentsWith(
			ConsentActive(now),
			s.groups(groupsharingconsent.FieldGroupID, groupsIn),
		),
	)
}

// ReflectionQuery filters every reflection query down to what the viewer may read.
func ReflectionQuery() privacy.QueryRule {
	return privacy.ReflectionQueryRuleFunc(func(ctx context.Context, q *ent.ReflectionQuery) error {
		p, err := ReflectionReadable(ctx, viewer.FromContext(ctx), clock.FromContext(ctx).Now())
		if err != nil {
			return err
		}
		q.Where(p)
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
		ok, err := isCurrentMembership(ctx, m.Client(), aid, v.UserID, gid)
		if err != nil {
			return err
		}
		if !ok {
			return privacy.Denyf("not a member of the group")
		}
		if sid, ok := m.SessionID(); ok {
			// SECURITY: a reflection answers only a session of its own group that the author
			// may read (the GroupSession policy: the group's current members).
			ok, err := m.Client().GroupSession.Query().Where(groupsession.ID(sid), groupsession.GroupID(gid)).Exist(ctx)
			if err != nil {
				return err
			}
			if !ok {
				return privacy.Denyf("the session is not one of the group's")
			}
		}
		if vis, _ := m.Visibility(); vis == reflection.VisibilityGROUP {
			if err := consentInForce(ctx, m.Client(), aid); err != nil {
				return err
			}
		}
		return privacy.Allow
	})
}

// ErrConsentRequired refuses sharing with the group without the author's consent in force.
var ErrConsentRequired = &apperr.Error{
	Code:    apperr.ConsentRequired,
	Message: "visibility GROUP needs your consent to share with the group first: see Group.sharingConsentText",
	Field:   "visibility",
}

// ErrNotAuthor refuses a change of a reflection by anyone but its author.
var ErrNotAuthor = apperr.New(apperr.Forbidden, "only the author can change a reflection")

// MayChangeReflection decides whether v may change or delete r, a reflection v can read:
// only its author. It is ReflectionAuthorOnly's predicate, for a reflection already loaded.
func MayChangeReflection(v *viewer.Viewer, r *ent.Reflection) error {
	// SECURITY: a reflection is its author's to change.
	if r.UserID != v.UserID {
		return ErrNotAuthor
	}
	return nil
}

// ReflectionAuthorOnly lets only the author change or delete a reflection.
func ReflectionAuthorOnly() privacy.MutationRule {
	return privacy.ReflectionMutationRuleFunc(func(ctx context.Context, m *ent.ReflectionMutation) error {
		if m.Op().Is(ent.OpCreate) {
			return privacy.Skip
		}
		// SECURITY: other people's reflections are not matched.
		m.Where(reflection.UserID(viewer.FromContext(ctx).UserID))
		if vis, _ := m.Visibility(); vis == reflection.VisibilityGROUP {
			// SECURITY: nor, when sharing with the group, reflections without consent in force.
			m.Where(reflection.HasAuthorWith(membership.HasConsentsWith(ConsentActive(clock.FromContext(ctx).Now()))))
		}
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
	s, err := scopeOf(ctx, v)
	if err != nil {
		return nil, err
	}
	if s.loaded {
		out := make(map[int]bool, len(groupIDs))
		for _, id := range groupIDs {
			// SECURITY: only the viewer's current facilitator memberships reveal the mark.
			out[id], _ = s.facilitates(id)
		}
		return out, nil
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
