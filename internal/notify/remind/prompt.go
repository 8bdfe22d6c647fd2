package remind

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/attendance"
	"github.com/processgroup/api/ent/groupsession"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/internal/notify/push"
	"github.com/processgroup/api/internal/rule"
)

// PromptArgs tells one member that a session of their group has a prompt to write a
// reflection to. It is unique by its fields: a member is told once per session.
type PromptArgs struct {
	SessionID int `json:"session_id"`
	UserID    int `json:"user_id"`
}

// Kind implements river.JobArgs.
func (PromptArgs) Kind() string { return "session_prompt" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (PromptArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 20, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// PromptSet queues "your group has a new prompt" for the members (role MEMBER: the
// facilitators set it) currently in the group of session s. The caller calls it once per
// session, when the session first gets a prompt (sessions.Sessions.Plan marks it announced in
// the same transaction). Each member's settings, answer and quiet hours are looked at when
// the push is sent.
func (j *Jobs) PromptSet(ctx context.Context, s *ent.GroupSession) error {
	tx, client, sys, err := j.tx(ctx)
	if err != nil {
		return err
	}
	if !s.StartsAt.After(j.clock.Now()) {
		return nil
	}
	users, err := client.Membership.Query().Where(
		membership.GroupID(s.GroupID), rule.Current(), membership.RoleEQ(membership.RoleMEMBER),
	).Select(membership.FieldUserID).Ints(sys)
	if err != nil {
		return err
	}
	params := make([]river.InsertManyParams, 0, len(users))
	for _, uid := range users {
		params = append(params, river.InsertManyParams{Args: PromptArgs{SessionID: s.ID, UserID: uid}})
	}
	return j.insert(ctx, tx, params)
}

// PromptWorker tells members that their group's session has a prompt.
type PromptWorker struct {
	river.WorkerDefaults[PromptArgs]
	d *deps
}

// Timeout implements river.Worker.
func (w *PromptWorker) Timeout(*river.Job[PromptArgs]) time.Duration { return w.d.timeout }

// Work implements river.Worker.
func (w *PromptWorker) Work(ctx context.Context, job *river.Job[PromptArgs]) error {
	ctx = w.d.system(ctx)
	a := job.Args
	now := w.d.clock.Now()
	var s *ent.GroupSession
	var r *recipient
	err := whileUnreachable(ctx, func(ctx context.Context) (err error) {
		s, r, err = w.d.promptRecipient(ctx, a.SessionID, a.UserID, now)
		return err
	})
	if err != nil || s == nil {
		return err
	}
	if r.quiet.Contains(now, r.loc) {
		// Told when the quiet hours end, unless the session would have started by then.
		if end := r.quiet.NextEnd(now, r.loc); end.Before(s.StartsAt) {
			return river.JobSnooze(end.Sub(now))
		}
		w.d.log.DebugContext(ctx, "prompt push not sent: quiet hours", "job", job.ID)
		return nil
	}
	key := fmt.Sprintf("prompt:%d:%d", a.SessionID, a.UserID)
	return w.d.deliver(ctx, attemptOf(job.JobRow), key, r, func(dev *ent.Device) push.Message {
		title, body := push.Prompt(r.locale(dev))
		return push.Message{
			Token: dev.Token, Kind: push.KindPrompt, Title: title, Body: body,
			Data:       map[string]string{"sessionId": strconv.Itoa(s.ID)},
			CollapseID: "p" + strconv.Itoa(s.ID),
			Expires:    s.StartsAt,
		}
	})
}

// promptRecipient loads the session and the member to tell of its prompt, or nils when
// there is nothing to tell them: the session is gone, cancelled, has started or has no
// prompt any more; the member is no longer in the group, leads it, answered that they
// will not come, or has turned reminders off.
func (d *deps) promptRecipient(ctx context.Context, sessionID, userID int, now time.Time) (*ent.GroupSession, *recipient, error) {
	s, err := d.client.GroupSession.Query().Where(groupsession.ID(sessionID)).WithGroup().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil, nil
	}
	if err != nil || s.Edges.Group == nil {
		return nil, nil, err
	}
	if s.Status != groupsession.StatusSCHEDULED || !now.Before(s.StartsAt) || s.Prompt == nil || *s.Prompt == "" {
		return nil, nil, nil
	}
	m, err := d.client.Membership.Query().Where(rule.CurrentMembershipOf(userID, s.GroupID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if m.Role != membership.RoleMEMBER {
		return nil, nil, nil
	}
	away, err := d.client.Attendance.Query().Where(
		attendance.SessionID(s.ID), attendance.MembershipID(m.ID), attendance.RsvpEQ(attendance.RsvpNOT_GOING),
	).Exist(ctx)
	if err != nil || away {
		return nil, nil, err
	}
	r, err := d.loadRecipient(ctx, userID, s.Edges.Group.TimeZone)
	if err != nil {
		return nil, nil, err
	}
	if len(LeadMinutes(r.user)) == 0 {
		return nil, nil, nil // no reminders: no word of a prompt either
	}
	return s, r, nil
}
