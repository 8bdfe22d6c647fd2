package sessions

import (
	"context"
	"fmt"
	"strings"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/groupsession"
	"github.com/processgroup/api/ent/predicate"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/rule"
	"github.com/processgroup/api/internal/service/validate"
)

// Limits of a session's plan, in characters.
const (
	MaxTheme  = 80
	MaxPrompt = 500
)

// Text is a change of one text of a session's plan: Set false leaves it as it is; Set with a
// nil, empty or blank Value clears it.
type Text struct {
	Set   bool
	Value *string
}

// PlanChange is a change of a session's theme and prompt.
type PlanChange struct {
	Theme, Prompt Text
}

// Plan sets or clears the theme and the prompt of a session that has not started and is not
// cancelled; the group's facilitators only. Texts are trimmed; a blank one clears. The first
// time the session gets a prompt, its members are told, once (remind.Jobs.PromptSet, in
// the same transaction); changing, clearing or setting the prompt again tells nobody.
func (s *Sessions) Plan(ctx context.Context, c *ent.Client, id int, in PlanChange) (*ent.GroupSession, error) {
	// The session row is held until commit: a cancellation or a second plan at the same time
	// waits, so that a cancelled session is never planned and members are told once.
	sess, err := c.GroupSession.Query().Where(groupsession.ID(id), lockSession()).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.NotFoundf("session not found")
	}
	if err != nil {
		return nil, err
	}
	if err := rule.MayFacilitate(ctx, c, sess.GroupID); err != nil {
		return nil, err
	}
	if sess.Status == groupsession.StatusCANCELLED {
		return nil, apperr.Input("sessionID", "a cancelled session has no plan; schedule a new one")
	}
	now := s.clock.Now()
	if !now.Before(sess.StartsAt) {
		return nil, apperr.Input("sessionID", "the session has started or is over; past sessions do not change")
	}
	theme, err := planText("theme", in.Theme, MaxTheme)
	if err != nil {
		return nil, err
	}
	prompt, err := planText("prompt", in.Prompt, MaxPrompt)
	if err != nil {
		return nil, err
	}
	upd := c.GroupSession.UpdateOne(sess)
	changed := false
	if in.Theme.Set && !equal(theme, sess.Theme) {
		changed = true
		if theme == nil {
			upd.ClearTheme()
		} else {
			upd.SetTheme(*theme)
		}
	}
	if in.Prompt.Set && !equal(prompt, sess.Prompt) {
		changed = true
		if prompt == nil {
			upd.ClearPrompt()
		} else {
			upd.SetPrompt(*prompt)
		}
	}
	if !changed {
		return sess, nil // nothing new: a retry, or the plan as it is
	}
	announce := prompt != nil && sess.PromptAnnouncedAt == nil
	if announce {
		upd.SetPromptAnnouncedAt(now)
	}
	sess, err = upd.Save(ctx)
	if err != nil {
		return nil, err
	}
	if announce {
		return sess, s.jobs.PromptSet(ctx, sess)
	}
	return sess, nil
}

// planText is the text a change sets, trimmed, nil when it clears it (or leaves it as it
// is); it refuses one longer than max characters.
func planText(field string, t Text, max int) (*string, error) {
	if !t.Set || t.Value == nil {
		return nil, nil
	}
	v := strings.TrimSpace(*t.Value)
	if v == "" {
		return nil, nil
	}
	if err := validate.Var(field, v, fmt.Sprintf("max=%d", max)); err != nil {
		return nil, err
	}
	return &v, nil
}

// lockSession holds the session rows a query reads until the transaction ends (PostgreSQL;
// SQLite runs one transaction at a time).
func lockSession() predicate.GroupSession {
	return func(s *sql.Selector) {
		if s.Dialect() == dialect.Postgres {
			s.For(sql.LockNoKeyUpdate)
		}
	}
}
