package journal

import (
	"context"
	"strings"
	"unicode/utf8"

	"entgo.io/ent/dialect/sql"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/encouragement"
	"github.com/processgroup/api/ent/reflection"
	"github.com/processgroup/api/internal/notify/bus"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/rule"
	"github.com/processgroup/api/internal/service/audit"
	"github.com/processgroup/api/internal/viewer"
)

// maxReason is the longest reason a report or a hide may give, in characters.
const maxReason = 500

// QueueLimit is the most encouragement a moderation queue lists.
const QueueLimit = 200

// reasonOf checks and trims the reason of a report or a hide; blank means none.
func reasonOf(reason *string) (*string, error) {
	if reason == nil {
		return nil, nil
	}
	s := strings.TrimSpace(*reason)
	if utf8.RuneCountInString(s) > maxReason {
		return nil, apperr.Input("reason", "at most 500 characters")
	}
	if !utf8.ValidString(s) {
		return nil, apperr.Input("reason", "not valid text")
	}
	if s == "" {
		return nil, nil
	}
	return &s, nil
}

// ReportEncouragement reports an encouragement the viewer received as hurtful: from then on
// it is hidden from them and waits in the facilitators' moderation queue. Reporting again
// (a retry) returns it unchanged.
func (j *Journal) ReportEncouragement(ctx context.Context, c client, id int, reason *string) (*ent.Encouragement, error) {
	why, err := reasonOf(reason)
	if err != nil {
		return nil, err
	}
	v := viewer.FromContext(ctx)
	e, err := c.Encouragement.Query().Where(encouragement.ID(id)).WithReflection().Only(ctx)
	if ent.IsNotFound(err) {
		return reported(ctx, c, id, v.UserID)
	}
	if err != nil {
		return nil, err
	}
	ref := e.Edges.Reflection
	if err := rule.MayReport(v, ref); err != nil {
		return nil, err
	}
	upd, err := c.Encouragement.UpdateOne(e).
		Where(encouragement.ReportedAtIsNil()).
		SetReportedAt(j.now()).
		SetNillableReportReason(why).
		Save(ctx)
	if ent.IsNotFound(err) {
		return reported(ctx, c, id, v.UserID) // reported by a concurrent retry
	}
	if err != nil {
		return nil, err
	}
	upd.Edges.Reflection = ref
	// Its reflection's encouragement count changed for some readers.
	bus.Announce(ctx, bus.Event{Kind: bus.Reflection, Group: ref.GroupID, ID: ref.ID})
	return upd, audit.Record(ctx, c, audit.Event{Action: audit.EncouragementReported, GroupID: ref.GroupID, SubjectID: id})
}

// reported returns encouragement id when the viewer (userID) already reported it: the
// answer to a retried report, since a reported encouragement is hidden from its reporter.
func reported(ctx context.Context, c client, id, userID int) (*ent.Encouragement, error) {
	// SECURITY: a system read limited to what was reported on the viewer's own reflections,
	// which they received and read before reporting it.
	e, err := c.Encouragement.Query().
		Where(
			encouragement.ID(id),
			encouragement.ReportedAtNotNil(),
			encouragement.HasReflectionWith(reflection.UserID(userID), reflection.DeletedAtIsNil()),
		).
		WithReflection().
		Only(rule.ForOwnRows(ctx))
	if ent.IsNotFound(err) {
		return nil, apperr.NotFoundf("encouragement not found")
	}
	return e, err
}

// HideEncouragement hides an encouragement in a group the viewer facilitates from everyone
// but the group's facilitators and its sender. Hiding again returns it unchanged.
func (j *Journal) HideEncouragement(ctx context.Context, c client, id int, reason *string) (*ent.Encouragement, error) {
	why, err := reasonOf(reason)
	if err != nil {
		return nil, err
	}
	e, err := c.Encouragement.Query().Where(encouragement.ID(id)).WithReflection().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.NotFoundf("encouragement not found")
	}
	if err != nil {
		return nil, err
	}
	ref := e.Edges.Reflection
	if err := rule.MayFacilitate(ctx, c, ref.GroupID); err != nil {
		return nil, err
	}
	if e.HiddenAt != nil {
		return e, nil
	}
	upd, err := c.Encouragement.UpdateOne(e).
		Where(encouragement.HiddenAtIsNil()).
		SetHiddenAt(j.now()).
		SetNillableHideReason(why).
		Save(ctx)
	if ent.IsNotFound(err) {
		// Hidden by a concurrent request: return it as it is now.
		return c.Encouragement.Query().Where(encouragement.ID(id)).WithReflection().Only(ctx)
	}
	if err != nil {
		return nil, err
	}
	upd.Edges.Reflection = ref
	// Its reflection's encouragement count changed for some readers.
	bus.Announce(ctx, bus.Event{Kind: bus.Reflection, Group: ref.GroupID, ID: ref.ID})
	return upd, audit.Record(ctx, c, audit.Event{Action: audit.EncouragementHidden, GroupID: ref.GroupID, SubjectID: id})
}

// DismissEncouragementReport is a facilitator of the encouragement's group judging its
// report harmless: the report is cleared (its time and reason; the audit trail keeps that
// there was one), so it leaves the moderation queue and its recipient sees the
// encouragement again, unless a facilitator hid it. Dismissing again, or what was never
// reported, changes nothing.
func (j *Journal) DismissEncouragementReport(ctx context.Context, c client, id int) (*ent.Encouragement, error) {
	e, err := c.Encouragement.Query().Where(encouragement.ID(id)).WithReflection().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.NotFoundf("encouragement not found")
	}
	if err != nil {
		return nil, err
	}
	if err := rule.MayFacilitate(ctx, c, e.Edges.Reflection.GroupID); err != nil {
		return nil, err
	}
	return j.clearReport(ctx, c, e, audit.EncouragementReportDismissed)
}

// WithdrawEncouragementReport is the recipient taking their report back: as a dismissal,
// the report is cleared and the encouragement is shown to them again, unless a facilitator
// hid it. Withdrawing again, or what they never reported, changes nothing; what they cannot
// read (someone else's, or hidden by a facilitator and no longer reported) is not found.
func (j *Journal) WithdrawEncouragementReport(ctx context.Context, c client, id int) (*ent.Encouragement, error) {
	v := viewer.FromContext(ctx)
	// What they reported is hidden from them: found among their own rows (see reported).
	e, err := reported(ctx, c, id, v.UserID)
	if err != nil {
		// Not reported (any more), or never theirs: answer as the read rules do.
		e, err = c.Encouragement.Query().Where(encouragement.ID(id)).WithReflection().Only(ctx)
		if ent.IsNotFound(err) {
			return nil, apperr.NotFoundf("encouragement not found")
		}
		if err != nil {
			return nil, err
		}
	}
	if err := rule.MayReport(v, e.Edges.Reflection); err != nil {
		return nil, err
	}
	return j.clearReport(ctx, c, e, audit.EncouragementReportWithdrawn)
}

// clearReport clears e's report, if it still has one, audits it as action, and announces
// the change; e comes with its reflection.
func (j *Journal) clearReport(ctx context.Context, c client, e *ent.Encouragement, action string) (*ent.Encouragement, error) {
	ref := e.Edges.Reflection
	if e.ReportedAt == nil {
		return e, nil
	}
	n, err := c.Encouragement.Update().
		Where(encouragement.ID(e.ID), encouragement.ReportedAtNotNil()).
		ClearReportedAt().
		ClearReportReason().
		Save(ctx)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		// Its reflection's encouragement count changed for its author.
		bus.Announce(ctx, bus.Event{Kind: bus.Reflection, Group: ref.GroupID, ID: ref.ID})
		if err := audit.Record(ctx, c, audit.Event{Action: action, GroupID: ref.GroupID, SubjectID: e.ID}); err != nil {
			return nil, err
		}
	}
	// As the viewer reads it now (cleared here or by a concurrent request).
	upd, err := c.Encouragement.Query().Where(encouragement.ID(e.ID)).WithReflection().Only(ctx)
	if ent.IsNotFound(err) {
		// Its recipient, of what a facilitator also hid: no longer reported, still hidden
		// from them (the answer a retried report gives them, see reported).
		e.ReportedAt, e.ReportReason = nil, ""
		return e, nil
	}
	return upd, err
}

// ModerationQueue lists the reported encouragement of a group the viewer facilitates: what
// waits for a decision first, oldest report first, then what was already hidden, latest
// first; at most QueueLimit in all. fields adds the eager loading the request asks for.
func ModerationQueue(ctx context.Context, c client, groupID int, fields func(*ent.EncouragementQuery) (*ent.EncouragementQuery, error)) ([]*ent.Encouragement, error) {
	if err := rule.MayFacilitate(ctx, c, groupID); err != nil {
		return nil, err
	}
	query := func() (*ent.EncouragementQuery, error) {
		q, err := fields(c.Encouragement.Query().Where(
			encouragement.ReportedAtNotNil(),
			encouragement.HasReflectionWith(reflection.GroupID(groupID)),
		))
		if err != nil {
			return nil, err
		}
		// The whole reflection, whatever the selection asks of it: its author and group
		// tell who may see the moderation fields (one statement for the list).
		return q.WithReflection(), nil
	}
	q, err := query()
	if err != nil {
		return nil, err
	}
	waiting, err := q.Where(encouragement.HiddenAtIsNil()).
		Order(encouragement.ByReportedAt(), encouragement.ByID()).
		Limit(QueueLimit).
		All(ctx)
	if err != nil || len(waiting) == QueueLimit {
		return waiting, err
	}
	if q, err = query(); err != nil {
		return nil, err
	}
	hidden, err := q.Where(encouragement.HiddenAtNotNil()).
		Order(encouragement.ByHiddenAt(sql.OrderDesc()), encouragement.ByID(sql.OrderDesc())).
		Limit(QueueLimit - len(waiting)).
		All(ctx)
	return append(waiting, hidden...), err
}
