package rule

import (
	"context"
	"time"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/groupsession"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/ent/predicate"
	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/ent/topic"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/viewer"
)

// TopicReadable matches the topics v may read, exactly as a reflection of the same
// visibility (ReflectionReadable):
//   - its author, whatever its status;
//   - FACILITATORS: the group's current facilitators;
//   - GROUP: the group's current facilitators, and its current members while the author is
//     a current member too and their consent to share with the group is in force.
//
// A withdrawn topic is its author's only; a topic of a deleted account is nobody's.
func TopicReadable(ctx context.Context, v *viewer.Viewer, now time.Time) (predicate.Topic, error) {
	s, err := scopeOf(ctx, v)
	if err != nil {
		return nil, err
	}
	return topicReadable(s, now), nil
}

func topicReadable(s *scope, now time.Time) predicate.Topic {
	// SECURITY: the read table of the product brief, as for reflections, as SQL.
	return topic.And(
		topic.DeletedAtIsNil(),
		topic.Or(
			topic.UserID(s.v.UserID),
			topic.And(
				topic.StatusNEQ(topic.StatusWITHDRAWN),
				s.groups(topic.FieldGroupID, groupsFacilitated),
			),
			topic.And(
				topic.StatusNEQ(topic.StatusWITHDRAWN),
				topic.VisibilityEQ(topic.VisibilityGROUP),
				s.groups(topic.FieldGroupID, groupsIn),
				topic.HasAuthorWith(sharingWithViewer(s, now)),
			),
		),
	)
}

// TopicQuery filters every topic query down to what the viewer may read.
func TopicQuery() privacy.QueryRule {
	return privacy.TopicQueryRuleFunc(func(ctx context.Context, q *ent.TopicQuery) error {
		p, err := TopicReadable(ctx, viewer.FromContext(ctx), clock.FromContext(ctx).Now())
		if err != nil {
			return err
		}
		q.Where(p)
		return privacy.Allow
	})
}

// TopicCreate allows a viewer to propose a topic only as themselves, through their own
// current membership of the topic's group; GROUP needs their consent to share in force, as a
// GROUP reflection does.
func TopicCreate() privacy.MutationRule {
	return privacy.TopicMutationRuleFunc(func(ctx context.Context, m *ent.TopicMutation) error {
		if !m.Op().Is(ent.OpCreate) {
			return privacy.Skip
		}
		v := viewer.FromContext(ctx)
		uid, _ := m.UserID()
		gid, _ := m.GroupID()
		aid, _ := m.AuthorID()
		if uid != v.UserID {
			return privacy.Denyf("topics are proposed as oneself")
		}
		// SECURITY: the author must be the viewer's current membership in the group.
		ok, err := isCurrentMembership(ctx, m.Client(), aid, v.UserID, gid)
		if err != nil {
			return err
		}
		if !ok {
			return privacy.Denyf("not a member of the group")
		}
		// SECURITY: the group decides who reads the topic, so it must be the session's group:
		// a topic filed under another group than its session's would be read by the wrong
		// people. The session is read as the viewer, a current member of the group.
		sid, _ := m.SessionID()
		ok, err = m.Client().GroupSession.Query().Where(groupsession.ID(sid), groupsession.GroupID(gid)).Exist(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return privacy.Denyf("the session is not the group's")
		}
		if vis, _ := m.Visibility(); vis == topic.VisibilityGROUP {
			if err := consentInForce(ctx, m.Client(), aid); err != nil {
				return err
			}
		}
		return privacy.Allow
	})
}

// TopicUpdate lets a topic's author withdraw it, and the group's current facilitators mark
// it discussed; nothing else of a topic changes through the API.
func TopicUpdate() privacy.MutationRule {
	return privacy.TopicMutationRuleFunc(func(ctx context.Context, m *ent.TopicMutation) error {
		if m.Op().Is(ent.OpCreate) {
			return privacy.Skip
		}
		if !m.Op().Is(ent.OpUpdate | ent.OpUpdateOne) {
			return privacy.Denyf("topics are not deleted through the API")
		}
		for _, f := range m.Fields() {
			if f != topic.FieldStatus && f != topic.FieldUpdatedAt {
				return privacy.Denyf("only a topic's status changes")
			}
		}
		st, ok := m.Status()
		if !ok {
			return privacy.Denyf("only a topic's status changes")
		}
		v := viewer.FromContext(ctx)
		switch st {
		case topic.StatusWITHDRAWN:
			// SECURITY: a topic is its author's to withdraw; open ones only.
			m.Where(topic.UserID(v.UserID), topic.StatusEQ(topic.StatusOPEN), topic.DeletedAtIsNil())
		case topic.StatusDISCUSSED:
			s, err := scopeOf(ctx, v)
			if err != nil {
				return err
			}
			// SECURITY: facilitators of the topic's group mark it discussed; withdrawn ones stay
			// withdrawn.
			m.Where(s.groups(topic.FieldGroupID, groupsFacilitated), topic.StatusNEQ(topic.StatusWITHDRAWN), topic.DeletedAtIsNil())
		default:
			return privacy.Denyf("a topic's status changes to WITHDRAWN or DISCUSSED only")
		}
		return privacy.Allow
	})
}

// ErrNotTopicAuthor refuses withdrawing a topic by anyone but its author.
var ErrNotTopicAuthor = apperr.New(apperr.Forbidden, "only the author can withdraw a topic")

// MayWithdrawTopic decides whether v may withdraw t, a topic v can read: only its author.
// It is TopicUpdate's predicate, for a topic already loaded.
func MayWithdrawTopic(v *viewer.Viewer, t *ent.Topic) error {
	// SECURITY: a topic is its author's to withdraw.
	if t.UserID != v.UserID {
		return ErrNotTopicAuthor
	}
	return nil
}

// ErrNotTopicFacilitator refuses marking topics discussed by anyone but the facilitators of
// their groups.
var ErrNotTopicFacilitator = apperr.New(apperr.Forbidden, "only the group's facilitators mark its topics discussed")

// MayMarkTopicsDiscussed decides whether v may mark ts, topics v can read, discussed: only
// the current facilitators of each one's group. It is TopicUpdate's predicate for
// DISCUSSED, for topics already loaded, so that a list is refused as a whole.
func MayMarkTopicsDiscussed(ctx context.Context, client *ent.Client, ts []*ent.Topic) error {
	v := viewer.FromContext(ctx)
	if v == nil {
		return ErrNotTopicFacilitator
	}
	groups := make([]int, 0, len(ts))
	for _, t := range ts {
		groups = append(groups, t.GroupID)
	}
	s, err := scopeOf(ctx, v)
	if err != nil {
		return err
	}
	facilitated := map[int]bool{}
	if s.loaded {
		for _, id := range groups {
			// SECURITY: the viewer's current facilitator memberships only.
			facilitated[id], _ = s.facilitates(id)
		}
	} else {
		// SECURITY: the viewer's current facilitator memberships only.
		ids, err := client.Membership.Query().
			Where(membership.GroupIDIn(groups...), FacilitatorMembership(v)).
			Select(membership.FieldGroupID).
			Ints(ctx)
		if err != nil {
			return err
		}
		for _, id := range ids {
			facilitated[id] = true
		}
	}
	for _, id := range groups {
		if !facilitated[id] {
			return ErrNotTopicFacilitator
		}
	}
	return nil
}
