package journal

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/groupsession"
	"github.com/processgroup/api/ent/reflection"
	"github.com/processgroup/api/internal/notify/bus"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/rule"
	"github.com/processgroup/api/internal/service/crisis"
	"github.com/processgroup/api/internal/viewer"
)

// CreateReflection writes a reflection in one of the viewer's groups. The client id makes it
// idempotent: the same request again returns the reflection already made, a different
// request with the same client id is refused with CONFLICT and changes nothing.
func (j *Journal) CreateReflection(ctx context.Context, c client, in NewReflection) (*ent.Reflection, []crisis.Resource, error) {
	v := viewer.FromContext(ctx)
	visibility := reflection.VisibilityPRIVATE
	if in.Visibility != nil {
		visibility = *in.Visibility
	}
	parts := []any{in.ClientID.String(), in.GroupID, in.Body, in.Mood, in.Craving, in.Prompt, string(visibility)}
	if in.SessionID != nil {
		// Only when given: the fingerprints of reflections written before sessions had
		// prompts stay as they were.
		parts = append(parts, "session", *in.SessionID)
	}
	sum := j.digest(parts...)
	// A retry first: it returns what was made even if the author has left the group since.
	if r, err := j.existingReflection(ctx, c, v, in, sum); r != nil || err != nil {
		return r, j.resourcesFor(ctx, r), err
	}
	author, err := rule.CurrentMembershipID(ctx, c, in.GroupID)
	if err != nil {
		return nil, nil, err
	}
	if err := j.answerable(ctx, c, in); err != nil {
		return nil, nil, err
	}
	attention := j.detector.Detect(in.Body)
	id, err := c.Reflection.Create().
		SetClientID(in.ClientID).
		SetUserID(v.UserID).
		SetGroupID(in.GroupID).
		SetAuthorID(author).
		SetBody(in.Body).
		SetMood(in.Mood).
		SetCraving(in.Craving).
		SetNillablePrompt(in.Prompt).
		SetNillableSessionID(in.SessionID).
		SetVisibility(visibility).
		SetNeedsAttention(attention).
		SetCreateDigest(sum).
		OnConflictColumns(reflection.FieldUserID, reflection.FieldClientID).
		DoNothing().
		ID(ctx)
	if errors.Is(err, sql.ErrNoRows) || ent.IsNotFound(err) {
		// Another request with the same client id won the race: answer as a retry.
		r, err := j.existingReflection(ctx, c, v, in, sum)
		if r == nil && err == nil {
			err = errors.New("journal: reflection vanished after a conflicting insert")
		}
		return r, j.resourcesFor(ctx, r), err
	}
	if err != nil {
		return nil, nil, err
	}
	r, err := c.Reflection.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	bus.Announce(ctx, bus.Event{Kind: bus.Reflection, Op: bus.Created, Group: r.GroupID, ID: r.ID})
	return r, j.resourcesFor(ctx, r), nil
}

// answerable checks the session a new reflection answers, if any: one of the same group
// that the author can read (the GroupSession policy: its current members), not cancelled.
// It may have started: a member may write to the prompt after the meeting too.
func (j *Journal) answerable(ctx context.Context, c client, in NewReflection) error {
	if in.SessionID == nil {
		return nil
	}
	s, err := c.GroupSession.Query().Where(groupsession.ID(*in.SessionID)).Only(ctx)
	if ent.IsNotFound(err) {
		return apperr.Input("sessionID", "no such session")
	}
	if err != nil {
		return err
	}
	if s.GroupID != in.GroupID {
		return apperr.Input("sessionID", "the session is not one of the reflection's group")
	}
	if s.Status == groupsession.StatusCANCELLED {
		return apperr.Input("sessionID", "the session was cancelled")
	}
	return nil
}

// existingReflection finds the viewer's reflection with the client id of in, if any, and
// says whether in is a retry of the request that made it.
func (j *Journal) existingReflection(ctx context.Context, c client, v *viewer.Viewer, in NewReflection, sum string) (*ent.Reflection, error) {
	// SECURITY: read as the system to see the viewer's own deleted reflections too; the
	// query is limited to the viewer's own rows.
	sys := rule.ForOwnRows(ctx)
	old, err := c.Reflection.Query().
		Where(reflection.UserID(v.UserID), reflection.ClientID(in.ClientID)).
		Only(sys)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if old.DeletedAt != nil {
		return nil, apperr.New(apperr.Conflict, "the reflection with this clientID was deleted")
	}
	if subtle.ConstantTimeCompare([]byte(old.CreateDigest), []byte(sum)) != 1 {
		return nil, apperr.New(apperr.Conflict, "clientID was already used for a different reflection")
	}
	// Read it again as the viewer, so that everything returned went through the read rules.
	return c.Reflection.Get(ctx, old.ID)
}

func (j *Journal) resourcesFor(ctx context.Context, r *ent.Reflection) []crisis.Resource {
	if r == nil {
		return nil
	}
	return j.Resources(ctx, r.Body)
}

// UpdateReflection changes the viewer's reflection if it is still at expectedVersion; a
// stale version is refused with CONFLICT and the current version in extensions, so that two
// devices never silently overwrite each other.
func (j *Journal) UpdateReflection(ctx context.Context, c client, id, expectedVersion int, in ReflectionChange) (*ent.Reflection, []crisis.Resource, error) {
	upd := c.Reflection.Update().
		Where(
			reflection.ID(id),
			reflection.Version(expectedVersion),
			reflection.DeletedAtIsNil(),
		).
		AddVersion(1)
	changed, attention := false, false
	if in.Body != nil {
		upd.SetBody(*in.Body)
		if attention = j.detector.Detect(*in.Body); attention {
			// The mark stays once set: the facilitators should know it was written.
			upd.SetNeedsAttention(true)
		}
		changed = true
	}
	if in.Mood != nil {
		upd.SetMood(*in.Mood)
		changed = true
	}
	if in.Craving != nil {
		upd.SetCraving(*in.Craving)
		changed = true
	}
	if in.ClearPrompt {
		if in.Prompt != nil {
			return nil, nil, apperr.Input("clearPrompt", "clearPrompt cannot go with a new prompt")
		}
		upd.ClearPrompt()
		changed = true
	} else if in.Prompt != nil {
		upd.SetPrompt(*in.Prompt)
		changed = true
	}
	if in.Visibility != nil {
		upd.SetVisibility(*in.Visibility)
		changed = true
	}
	if !changed {
		return nil, nil, apperr.Input("input", "nothing to change")
	}
	n, err := upd.Save(ctx)
	if err != nil {
		return nil, nil, err
	}
	current, err := c.Reflection.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, nil, apperr.NotFoundf("reflection not found")
	}
	if err != nil {
		return nil, nil, err
	}
	if n == 0 {
		if err := rule.MayChangeReflection(viewer.FromContext(ctx), current); err != nil {
			return nil, nil, err
		}
		if current.Version == expectedVersion && in.Visibility != nil && *in.Visibility == reflection.VisibilityGROUP {
			return nil, nil, rule.ErrConsentRequired
		}
		return nil, nil, &apperr.Error{
			Code:       apperr.Conflict,
			Message:    "the reflection was changed elsewhere; reload it and try again",
			Extensions: map[string]any{"currentVersion": current.Version},
		}
	}
	bus.Announce(ctx, bus.Event{Kind: bus.Reflection, Group: current.GroupID, ID: current.ID})
	return current, j.Resources(ctx, current.Body), nil
}

// DeleteReflection deletes the viewer's reflection: its content and the encouragement on it
// are removed at once. Deleting an already deleted reflection of the viewer succeeds, so a
// retry is harmless.
func (j *Journal) DeleteReflection(ctx context.Context, c client, id int) error {
	n, err := c.Reflection.Update().
		Where(reflection.ID(id), reflection.DeletedAtIsNil()).
		SetBody("").
		ClearPrompt().
		SetMood(0).
		SetCraving(0).
		SetNeedsAttention(false).
		SetCreateDigest("").
		SetDeletedAt(j.now()).
		AddVersion(1).
		Save(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		v := viewer.FromContext(ctx)
		// SECURITY: a system read of the viewer's own rows, to recognise a retried delete.
		gone, err := c.Reflection.Query().
			Where(reflection.ID(id), reflection.UserID(v.UserID), reflection.DeletedAtNotNil()).
			Exist(rule.ForOwnRows(ctx))
		if err != nil {
			return err
		}
		if gone {
			return nil
		}
		return apperr.NotFoundf("reflection not found")
	}
	if _, err = c.Encouragement.Delete().Where(encouragementOn(id)).Exec(ctx); err != nil {
		return err
	}
	// SECURITY: a system read of the viewer's own row just deleted: its group, to announce it.
	group, err := c.Reflection.Query().Where(reflection.ID(id)).Select(reflection.FieldGroupID).Int(rule.ForOwnRows(ctx))
	if err != nil {
		return err
	}
	bus.Announce(ctx, bus.Event{Kind: bus.Reflection, Group: group, ID: id})
	return nil
}
