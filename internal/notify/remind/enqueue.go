package remind

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/attendance"
	"github.com/processgroup/api/ent/delivery"
	"github.com/processgroup/api/ent/groupsession"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/ent/predicate"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/platform/db"
	"github.com/processgroup/api/internal/rule"
)

// DefaultLeadMinutes are the reminder lead times of a member who has not chosen any.
var DefaultLeadMinutes = []int{1440, 60}

// LeadMinutes are the member's reminder lead times, largest first (a slice of their own).
func LeadMinutes(u *ent.User) []int {
	if u.ReminderLeadMinutes == nil {
		return slices.Clone(DefaultLeadMinutes)
	}
	return LargestFirst(u.ReminderLeadMinutes)
}

// LargestFirst is a copy of leads, largest first (the order the API shows and stores).
func LargestFirst(leads []int) []int {
	l := slices.Clone(leads)
	slices.Sort(l)
	slices.Reverse(l)
	return l
}

// Jobs inserts and cancels notification jobs inside the caller's transaction: the context
// must carry a transaction begun with db.BeginTx (every GraphQL mutation does).
type Jobs struct {
	river   *river.Client[*sql.Tx]
	dialect string
	clock   clock.Clock
}

// pending are the states of a job that has not run yet.
var pending = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStateScheduled,
	rivertype.JobStateRetryable, rivertype.JobStatePending,
}

func (j *Jobs) tx(ctx context.Context) (*sql.Tx, *ent.Client, context.Context, error) {
	tx, ok := db.SQLTx(ctx)
	client := ent.FromContext(ctx)
	if !ok || client == nil {
		return nil, nil, ctx, errors.New("remind: no transaction in context")
	}
	// SECURITY: planning notifications reads other members' lead times and devices, which
	// no viewer may read; nothing of it is returned to the viewer.
	return tx, client, rule.ForNotifications(ctx), nil
}

// MovedLead is the lead time of the reminder that tells members already reminded of a
// session that it moved: sent at once, whatever their lead times.
const MovedLead = 0

// SessionsCreated plans the reminders of new sessions: every current member of their groups
// gets one per lead time.
func (j *Jobs) SessionsCreated(ctx context.Context, ids ...int) error {
	if len(ids) == 0 {
		return nil
	}
	tx, client, sys, err := j.tx(ctx)
	if err != nil {
		return err
	}
	return j.planSessions(ctx, tx, client, sys, ids)
}

// SessionMoved replans the reminders of a session that moved: pending reminders for its old
// time are cancelled, every current member gets one per lead time for the new time, and
// members already reminded of the old time, or who had said they would not come, are told
// the new one at once. The caller resets the session's answers after this.
func (j *Jobs) SessionMoved(ctx context.Context, id int) error {
	tx, client, sys, err := j.tx(ctx)
	if err != nil {
		return err
	}
	if err := j.cancel(ctx, tx, ReminderArgs{}.Kind(), "session_id", id, false); err != nil {
		return err
	}
	s, err := client.GroupSession.Get(sys, id)
	if err != nil || s.Status != groupsession.StatusSCHEDULED || !s.StartsAt.After(j.clock.Now()) {
		return err
	}
	told, err := client.Delivery.Query().
		Where(delivery.KeyHasPrefix(fmt.Sprintf("reminder:%d:", id))).
		Unique(true).Select(delivery.FieldUserID).Ints(sys)
	if err != nil {
		return err
	}
	// Who said they would not come had no reminder, and hears of the move at once too (the
	// move resets their answer: they are reminded of the new time unless they decline again).
	declined, err := client.Attendance.Query().
		Where(attendance.SessionID(id), attendance.RsvpEQ(attendance.RsvpNOT_GOING)).
		QueryMembership().Where(rule.Current()).
		Select(membership.FieldUserID).Ints(sys)
	if err != nil {
		return err
	}
	tell := map[int]bool{}
	for _, uid := range append(told, declined...) {
		tell[uid] = true
	}
	return j.plan(ctx, tx, client, sys, []*ent.GroupSession{s}, nil, tell)
}

func (j *Jobs) planSessions(ctx context.Context, tx *sql.Tx, client *ent.Client, sys context.Context, ids []int) error {
	sessions, err := client.GroupSession.Query().Where(
		groupsession.IDIn(ids...),
		groupsession.StatusEQ(groupsession.StatusSCHEDULED),
		groupsession.StartsAtGT(j.clock.Now()),
	).All(sys)
	if err != nil {
		return err
	}
	return j.plan(ctx, tx, client, sys, sessions, nil, nil)
}

// SessionCancelled cancels the pending reminders of a session and tells its current
// members, if it has not started (reminded or not: the app showed it).
func (j *Jobs) SessionCancelled(ctx context.Context, s *ent.GroupSession) error {
	tx, client, sys, err := j.tx(ctx)
	if err != nil {
		return err
	}
	if err := j.cancel(ctx, tx, ReminderArgs{}.Kind(), "session_id", s.ID, false); err != nil {
		return err
	}
	if !s.StartsAt.After(j.clock.Now()) {
		return nil
	}
	members, err := client.Membership.Query().Where(
		membership.GroupID(s.GroupID), rule.Current(),
	).All(sys)
	if err != nil {
		return err
	}
	params := make([]river.InsertManyParams, 0, len(members))
	for _, m := range members {
		params = append(params, river.InsertManyParams{Args: CancelledArgs{SessionID: s.ID, UserID: m.UserID}})
	}
	return j.insert(ctx, tx, params)
}

// MemberChanged replans one member's reminders: after joining or leaving a group, or a change
// of their lead times. Pending reminders are cancelled and those of every upcoming session of
// their current groups inserted again (reminders already sent are not sent again).
func (j *Jobs) MemberChanged(ctx context.Context, userID int) error {
	tx, client, sys, err := j.tx(ctx)
	if err != nil {
		return err
	}
	// Wait for changes of the member's groups' schedules in flight (they hold the group
	// rows), so that the sessions read below are those that will be: a member joining while
	// the facilitator changes the schedule is planned for the new sessions.
	if _, err := client.Group.Query().Where(rule.HasCurrentMember(userID), forShare()).IDs(sys); err != nil {
		return err
	}
	// Their pending reminders go (they are planned again below), not the notices of a move
	// (sent at once, whatever the lead times; nothing plans them again).
	if err := j.cancel(ctx, tx, ReminderArgs{}.Kind(), "user_id", userID, true); err != nil {
		return err
	}
	sessions, err := client.GroupSession.Query().Where(
		groupsession.StatusEQ(groupsession.StatusSCHEDULED),
		groupsession.StartsAtGT(j.clock.Now()),
		groupsession.HasGroupWith(rule.HasCurrentMember(userID)),
	).All(sys)
	if err != nil {
		return err
	}
	return j.plan(ctx, tx, client, sys, sessions, &userID, nil)
}

// Encouraged queues "someone sent you encouragement" for the author of the reflection.
func (j *Jobs) Encouraged(ctx context.Context, encouragementID, recipientID int) error {
	tx, _, _, err := j.tx(ctx)
	if err != nil {
		return err
	}
	return j.insert(ctx, tx, []river.InsertManyParams{{Args: EncouragementArgs{EncouragementID: encouragementID, UserID: recipientID}}})
}

// plan inserts the reminders of sessions for their groups' current members (or only for
// onlyUser). Members in tell were reminded of a session's old time: they are told its new
// time at once (instead of a late reminder), and reminded at their lead times still ahead.
func (j *Jobs) plan(ctx context.Context, tx *sql.Tx, client *ent.Client, sys context.Context, sessions []*ent.GroupSession, onlyUser *int, tell map[int]bool) error {
	if len(sessions) == 0 {
		return nil
	}
	groupIDs := make([]int, 0, len(sessions))
	for _, s := range sessions {
		groupIDs = append(groupIDs, s.GroupID)
	}
	q := client.Membership.Query().Where(membership.GroupIDIn(groupIDs...), rule.Current()).WithUser()
	if onlyUser != nil {
		q.Where(membership.UserID(*onlyUser))
	}
	members, err := q.All(sys)
	if err != nil {
		return err
	}
	byGroup := map[int][]*ent.User{}
	for _, m := range members {
		if m.Edges.User != nil {
			byGroup[m.GroupID] = append(byGroup[m.GroupID], m.Edges.User)
		}
	}
	now := j.clock.Now()
	var params []river.InsertManyParams
	for _, s := range sessions {
		for _, u := range byGroup[s.GroupID] {
			leads := dueLeads(LeadMinutes(u), s.StartsAt, now)
			if tell[u.ID] {
				leads = aheadOnly(leads, s.StartsAt, now)
				params = append(params, river.InsertManyParams{Args: ReminderArgs{
					SessionID: s.ID, UserID: u.ID, LeadMinutes: MovedLead, StartsAt: s.StartsAt.UTC(), Move: now.UnixNano(),
				}})
			}
			for _, lead := range leads {
				at := s.StartsAt.Add(-time.Duration(lead) * time.Minute)
				if at.Before(now) {
					at = now
				}
				params = append(params, river.InsertManyParams{
					Args:       ReminderArgs{SessionID: s.ID, UserID: u.ID, LeadMinutes: lead, StartsAt: s.StartsAt.UTC()},
					InsertOpts: &river.InsertOpts{ScheduledAt: at},
				})
			}
		}
	}
	return j.insert(ctx, tx, params)
}

// forShare locks the groups a query reads until the transaction ends (PostgreSQL; SQLite
// runs one transaction at a time).
func forShare() predicate.Group {
	return func(s *entsql.Selector) {
		if s.Dialect() == dialect.Postgres {
			s.ForShare()
		}
	}
}

// dueLeads are the lead times (largest first) whose reminders are still worth sending for a
// session at start: those still ahead; if none is ahead but the session has not started, the
// smallest one, sent at once (a session scheduled at short notice gets one reminder).
func dueLeads(leads []int, start, now time.Time) []int {
	if !start.After(now) || len(leads) == 0 {
		return nil
	}
	var ahead []int
	for _, l := range leads {
		if start.Add(-time.Duration(l) * time.Minute).After(now) {
			ahead = append(ahead, l)
		}
	}
	if len(ahead) > 0 {
		return ahead
	}
	return leads[len(leads)-1:]
}

// aheadOnly are the leads whose time is still ahead (no reminder sent at once).
func aheadOnly(leads []int, start, now time.Time) []int {
	var out []int
	for _, l := range leads {
		if start.Add(-time.Duration(l) * time.Minute).After(now) {
			out = append(out, l)
		}
	}
	return out
}

// insertBatch bounds the rows of one insert statement.
const insertBatch = 1000

func (j *Jobs) insert(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) error {
	for len(params) > 0 {
		n := min(len(params), insertBatch)
		if _, err := j.river.InsertManyTx(ctx, tx, params[:n]); err != nil {
			return fmt.Errorf("remind: insert jobs: %w", err)
		}
		params = params[n:]
	}
	return nil
}

// cancel cancels the pending jobs of kind whose argument field equals id; keepMoveNotices
// leaves the notices of a move (ReminderArgs with MovedLead) alone.
func (j *Jobs) cancel(ctx context.Context, tx *sql.Tx, kind, field string, id int, keepMoveNotices bool) error {
	arg := func(name, cast string) string {
		if j.dialect == dialect.Postgres {
			return "(args->>'" + name + "')::" + cast
		}
		return "json_extract(args, '$." + name + "')"
	}
	where := arg(field, "bigint") + " = @id"
	if keepMoveNotices {
		where += " AND " + arg("lead_minutes", "int") + " <> " + strconv.Itoa(MovedLead)
	}
	for {
		res, err := j.river.JobListTx(ctx, tx, river.NewJobListParams().
			Kinds(kind).States(pending...).Where(where, river.NamedArgs{"id": id}).First(1000))
		if err != nil {
			return fmt.Errorf("remind: list jobs: %w", err)
		}
		for _, job := range res.Jobs {
			if _, err := j.river.JobCancelTx(ctx, tx, job.ID); err != nil {
				return fmt.Errorf("remind: cancel job: %w", err)
			}
		}
		if len(res.Jobs) < 1000 {
			return nil
		}
	}
}
