package rule

import (
	"context"
	"slices"
	"time"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/encouragement"
	"github.com/processgroup/api/ent/predicate"
	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/ent/reflection"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/viewer"
)

// EncouragementReadable matches the encouragement v may read: on reflections v may read,
// except what was moderated:
//   - reported by the reflection's author: hidden from that author at once;
//   - hidden by a facilitator: seen only by the group's current facilitators and its sender.
//
// Who sent it is a Membership, with its own rule: a reader who no longer shares the group
// with the sender sees the encouragement without its sender.
func EncouragementReadable(ctx context.Context, v *viewer.Viewer, now time.Time) (predicate.Encouragement, error) {
	s, err := scopeOf(ctx, v)
	if err != nil {
		return nil, err
	}
	// SECURITY: moderation narrows who sees an encouragement, never widens it.
	return encouragement.And(
		encouragement.HasReflectionWith(reflectionReadable(s, now)),
		encouragement.Or(
			encouragement.HasReflectionWith(s.groups(reflection.FieldGroupID, groupsFacilitated)),
			s.own(encouragement.FieldSenderID),
			encouragement.And(
				encouragement.HiddenAtIsNil(),
				encouragement.Or(
					encouragement.ReportedAtIsNil(),
					encouragement.Not(encouragement.HasReflectionWith(reflection.UserID(s.v.UserID))),
				),
			),
		),
	), nil
}

// RecipientSees matches encouragement as its recipient sees it as the recipient: neither
// reported (by them) nor hidden (by a facilitator). What they are sent (the push) and what
// their export holds follow it; a facilitator who received it also sees the rest, but as a
// moderator (EncouragementModeratedBy), not as its recipient.
func RecipientSees() predicate.Encouragement {
	// SECURITY: moderation takes encouragement away from its recipient at once.
	return encouragement.And(encouragement.ReportedAtIsNil(), encouragement.HiddenAtIsNil())
}

// RecipientMaySee is RecipientSees for an encouragement already loaded.
func RecipientMaySee(e *ent.Encouragement) bool {
	return e.ReportedAt == nil && e.HiddenAt == nil
}

// EncouragementModeratedBy matches the encouragement in the groups v currently facilitates:
// what they may see reported or hidden, and hide.
func EncouragementModeratedBy(v *viewer.Viewer) predicate.Encouragement {
	return encouragement.HasReflectionWith(reflection.HasGroupWith(viewerFacilitates(v)))
}

// ModerationSight is which moderation facts about an encouragement a viewer may see.
type ModerationSight struct {
	// Reported: that its recipient reported it.
	Reported bool
	// Hidden: that a facilitator hid it.
	Hidden bool
	// Reason: what the recipient said when reporting it.
	Reason bool
}

// ModerationVisible is what v may see of the moderation of encouragement on reflection
// ref, given whether v currently facilitates ref's group (AttentionVisible): the group's
// facilitators see everything; the recipient (ref's author) sees that they reported it;
// nobody else, the sender included, is told anything.
func ModerationVisible(v *viewer.Viewer, ref *ent.Reflection, facilitates bool) ModerationSight {
	// SECURITY: row visibility is EncouragementReadable; these are the fields on top of it.
	if facilitates {
		return ModerationSight{Reported: true, Hidden: true, Reason: true}
	}
	return ModerationSight{Reported: v != nil && ref.UserID == v.UserID}
}

// EncouragementQuery filters every encouragement query down to what the viewer may read.
func EncouragementQuery() privacy.QueryRule {
	return privacy.EncouragementQueryRuleFunc(func(ctx context.Context, q *ent.EncouragementQuery) error {
		p, err := EncouragementReadable(ctx, viewer.FromContext(ctx), clock.FromContext(ctx).Now())
		if err != nil {
			return err
		}
		q.Where(p)
		return privacy.Allow
	})
}

// onlyFields reports whether m sets no field outside allowed and clears none.
func onlyFields(m ent.Mutation, allowed ...string) bool {
	if len(m.ClearedFields()) > 0 || len(m.Fields()) == 0 {
		return false
	}
	for _, f := range m.Fields() {
		if !slices.Contains(allowed, f) {
			return false
		}
	}
	return true
}

// EncouragementReportByRecipient lets the author of a reflection report the encouragement
// on it, or withdraw their report, and change nothing else about it.
func EncouragementReportByRecipient() privacy.MutationRule {
	return privacy.EncouragementMutationRuleFunc(func(ctx context.Context, m *ent.EncouragementMutation) error {
		if !m.Op().Is(ent.OpUpdate | ent.OpUpdateOne) {
			return privacy.Skip
		}
		_, reports := m.ReportedAt()
		reports = reports && onlyFields(m, encouragement.FieldReportedAt, encouragement.FieldReportReason, encouragement.FieldUpdatedAt)
		if !reports && !clearsReportOnly(m) {
			return privacy.Skip
		}
		if !reports {
			m.Where(reportTakersOf(viewer.FromContext(ctx)))
			return privacy.Allow
		}
		// SECURITY: only encouragement received on the viewer's own readable reflections is
		// matched.
		m.Where(encouragement.HasReflectionWith(
			reflection.UserID(viewer.FromContext(ctx).UserID),
			reflection.DeletedAtIsNil(),
		))
		return privacy.Allow
	})
}

// EncouragementHideByFacilitator lets a group's current facilitators hide any
// encouragement in it, or dismiss its report, and change nothing else about it.
func EncouragementHideByFacilitator() privacy.MutationRule {
	return privacy.EncouragementMutationRuleFunc(func(ctx context.Context, m *ent.EncouragementMutation) error {
		if !m.Op().Is(ent.OpUpdate | ent.OpUpdateOne) {
			return privacy.Skip
		}
		_, hides := m.HiddenAt()
		hides = hides && onlyFields(m, encouragement.FieldHiddenAt, encouragement.FieldHideReason, encouragement.FieldUpdatedAt)
		if !hides && !clearsReportOnly(m) {
			return privacy.Skip
		}
		if !hides {
			m.Where(reportTakersOf(viewer.FromContext(ctx)))
			return privacy.Allow
		}
		// SECURITY: only encouragement in groups the viewer facilitates is matched.
		m.Where(EncouragementModeratedBy(viewer.FromContext(ctx)))
		return privacy.Allow
	})
}

// reportTakersOf matches the encouragement whose report v may take back: received on v's own
// reflections (v withdraws their report) or in a group v currently facilitates (v dismisses
// it). Both rules that allow taking a report back match it, whichever decides first.
func reportTakersOf(v *viewer.Viewer) predicate.Encouragement {
	// SECURITY: a report is taken back by the one who made it or by the group's facilitators.
	return encouragement.Or(
		encouragement.HasReflectionWith(reflection.UserID(v.UserID), reflection.DeletedAtIsNil()),
		EncouragementModeratedBy(v),
	)
}

// clearsReportOnly reports whether m takes a report back (a withdrawal or a dismissal): it
// clears the report's time and reason and changes nothing else (a hide stays).
func clearsReportOnly(m *ent.EncouragementMutation) bool {
	cleared := m.ClearedFields()
	if !slices.Contains(cleared, encouragement.FieldReportedAt) {
		return false
	}
	for _, f := range cleared {
		if f != encouragement.FieldReportedAt && f != encouragement.FieldReportReason {
			return false
		}
	}
	for _, f := range m.Fields() {
		if f != encouragement.FieldUpdatedAt {
			return false
		}
	}
	return true
}

// ErrOwnReflection refuses encouragement on one's own reflection.
var ErrOwnReflection = apperr.New(apperr.Forbidden, "encouragement goes to others' reflections")

// MayEncourage decides whether v may send encouragement on r, a reflection v can read: not
// on their own. EncouragementCreate decides with it, and the service asks it first.
func MayEncourage(v *viewer.Viewer, r *ent.Reflection) error {
	// SECURITY: encouragement is from peers, never to oneself.
	if r.UserID == v.UserID {
		return ErrOwnReflection
	}
	return nil
}

// ErrNotRecipient refuses a report by anyone but the encouragement's recipient.
var ErrNotRecipient = apperr.New(apperr.Forbidden, "only the member who received it can report it")

// MayReport decides whether v may report encouragement sent on ref: only its author, who
// received it. It is EncouragementReportByRecipient's predicate, for an encouragement the
// viewer can already read.
func MayReport(v *viewer.Viewer, ref *ent.Reflection) error {
	// SECURITY: a report is the recipient's to make.
	if ref.UserID != v.UserID {
		return ErrNotRecipient
	}
	return nil
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
		if err := MayEncourage(v, r); err != nil {
			return err
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
