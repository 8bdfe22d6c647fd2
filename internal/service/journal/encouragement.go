package journal

import (
	"context"
	"database/sql"
	"errors"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/encouragement"
	"github.com/processgroup/api/ent/predicate"
	"github.com/processgroup/api/internal/notify/bus"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/rule"
	"github.com/processgroup/api/internal/viewer"
)

func encouragementOn(reflectionID int) predicate.Encouragement {
	return encouragement.ReflectionID(reflectionID)
}

// SendEncouragement sends encouragement on a reflection the viewer may read and did not
// write; one per sender and reflection. The client id makes it idempotent.
func (j *Journal) SendEncouragement(ctx context.Context, c client, in NewEncouragement) (*ent.Encouragement, error) {
	v := viewer.FromContext(ctx)
	r, err := c.Reflection.Get(ctx, in.ReflectionID)
	if ent.IsNotFound(err) {
		return nil, apperr.NotFoundf("reflection not found")
	}
	if err != nil {
		return nil, err
	}
	if err := rule.MayEncourage(v, r); err != nil {
		return nil, err
	}
	sender, err := rule.CurrentMembershipID(ctx, c, r.GroupID)
	if errors.Is(err, rule.ErrNotInGroup) {
		return nil, apperr.NotFoundf("reflection not found")
	}
	if err != nil {
		return nil, err
	}
	if e, err := existingEncouragement(ctx, c, sender, in); e != nil || err != nil {
		return e, err
	}
	id, err := c.Encouragement.Create().
		SetClientID(in.ClientID).
		SetReflectionID(r.ID).
		SetSenderID(sender).
		SetKind(in.Kind).
		SetNillableMessage(in.Message).
		OnConflict().
		DoNothing().
		ID(ctx)
	if errors.Is(err, sql.ErrNoRows) || ent.IsNotFound(err) {
		e, err := existingEncouragement(ctx, c, sender, in)
		if e == nil && err == nil {
			err = errors.New("journal: encouragement vanished after a conflicting insert")
		}
		return e, err
	}
	if err != nil {
		return nil, err
	}
	if j.notify != nil {
		if err := j.notify.Encouraged(ctx, id, r.UserID); err != nil {
			return nil, err
		}
	}
	bus.Announce(ctx, bus.Event{Kind: bus.Encouragement, Group: r.GroupID, ID: id, Reflection: r.ID, User: r.UserID})
	return c.Encouragement.Get(ctx, id)
}

// existingEncouragement finds what the sender already sent with the client id of in, or on
// the same reflection, and says whether in is a retry of it.
func existingEncouragement(ctx context.Context, c client, senderID int, in NewEncouragement) (*ent.Encouragement, error) {
	// SECURITY: a system read limited to what the viewer's own membership sent, so that a
	// send whose reflection the viewer can no longer read still counts as used.
	old, err := c.Encouragement.Query().
		Where(
			encouragement.SenderID(senderID),
			encouragement.Or(
				encouragement.ClientID(in.ClientID),
				encouragement.ReflectionID(in.ReflectionID),
			),
		).
		First(rule.ForOwnRows(ctx))
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if old.ClientID != in.ClientID {
		return nil, apperr.New(apperr.Conflict, "you already sent encouragement on this reflection")
	}
	msg := ""
	if in.Message != nil {
		msg = *in.Message
	}
	same := old.ReflectionID == in.ReflectionID && old.Kind == in.Kind && old.Message == msg
	if !same {
		return nil, apperr.New(apperr.Conflict, "clientID was already used for a different encouragement")
	}
	// Read it again as the viewer, so that what is returned went through the read rules.
	return c.Encouragement.Get(ctx, old.ID)
}
