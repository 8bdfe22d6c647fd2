// Package sessions schedules group sessions: one-off sessions, weekly schedules that produce
// sessions ahead of time in the group's time zone, moves and cancellations. Every change
// plans or cancels the members' reminders in the same transaction (internal/notify/remind).
package sessions

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/group"
	"github.com/processgroup/api/ent/groupsession"
	"github.com/processgroup/api/ent/predicate"
	"github.com/processgroup/api/internal/notify/bus"
	"github.com/processgroup/api/internal/notify/remind"
	"github.com/processgroup/api/internal/notify/schedule"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/platform/db"
	"github.com/processgroup/api/internal/rule"
	"github.com/processgroup/api/internal/service/attendance"
	"github.com/processgroup/api/internal/service/validate"
)

// Limits of a session.
const (
	MinMinutes = 15
	MaxMinutes = 480
	// MaxAhead is how far ahead a one-off session may be scheduled.
	MaxAhead = 2 * 366 * 24 * time.Hour
)

// Sessions schedules sessions.
type Sessions struct {
	jobs  *remind.Jobs
	clock clock.Clock
	// horizon is how far ahead weekly schedules produce sessions.
	horizon time.Duration
}

// New returns Sessions that plan reminders through jobs; weekly schedules produce sessions
// horizon ahead.
func New(jobs *remind.Jobs, c clock.Clock, horizon time.Duration) *Sessions {
	return &Sessions{jobs: jobs, clock: c, horizon: horizon}
}

// noticeWindow is how soon a session the schedule produced must be for its removal by a
// change of the schedule to be told to members as a cancellation: the longest lead time a
// member may choose, so anyone reminded of it hears of it.
const noticeWindow = 7 * 24 * time.Hour

// lockGroup holds the group rows a query reads until the transaction ends (PostgreSQL;
// SQLite runs one transaction at a time).
func lockGroup() predicate.Group {
	return func(s *sql.Selector) {
		if s.Dialect() == dialect.Postgres {
			// NO KEY UPDATE: inserts that only reference the group (reflections, joins) go on.
			s.For(sql.LockNoKeyUpdate)
		}
	}
}

// lockSessions holds the session rows a query reads for a change until the transaction ends
// (PostgreSQL).
func lockSessions() predicate.GroupSession {
	return func(s *sql.Selector) {
		if s.Dialect() == dialect.Postgres {
			s.ForUpdate()
		}
	}
}

// Weekly is a weekly schedule as the facilitator gives it.
type Weekly struct {
	Weekday time.Weekday
	// Start is the local time of day, "HH:MM".
	Start    string
	Minutes  int
	Location string
}

// Schedule creates a one-off session.
func (s *Sessions) Schedule(ctx context.Context, c *ent.Client, groupID int, startsAt time.Time, minutes int, location *string) (*ent.GroupSession, error) {
	if err := rule.MayFacilitate(ctx, c, groupID); err != nil {
		return nil, err
	}
	// Whole seconds: the reminders compare the start they were planned for with the stored one.
	startsAt = startsAt.UTC().Truncate(time.Second)
	if err := s.checkTimes("startsAt", startsAt, minutes); err != nil {
		return nil, err
	}
	endsAt := startsAt.Add(time.Duration(minutes) * time.Minute)
	// A retry of a request that did commit (a phone that timed out) finds the session it
	// made: the same group, start and end, scheduled by hand. The group row is held so that
	// two such requests at once make one session.
	if _, err := c.Group.Query().Where(group.ID(groupID), lockGroup()).IDs(ctx); err != nil {
		return nil, err
	}
	same, err := c.GroupSession.Query().Where(
		groupsession.GroupID(groupID), groupsession.StartsAt(startsAt), groupsession.EndsAt(endsAt),
		groupsession.StatusEQ(groupsession.StatusSCHEDULED), groupsession.OccurrenceIsNil(),
	).First(ctx)
	if err == nil {
		return same, nil
	}
	if !ent.IsNotFound(err) {
		return nil, err
	}
	sess, err := c.GroupSession.Create().
		SetGroupID(groupID).
		SetStartsAt(startsAt).
		SetEndsAt(endsAt).
		SetNillableLocation(location).
		Save(ctx)
	if err != nil {
		return nil, err
	}
	announce(ctx, sess, bus.Scheduled)
	return sess, s.jobs.SessionsCreated(ctx, sess.ID)
}

// Reschedule moves a session that has not started to a new future start; minutes, if
// given, changes its duration.
func (s *Sessions) Reschedule(ctx context.Context, c *ent.Client, id int, startsAt time.Time, minutes *int) (*ent.GroupSession, error) {
	sess, err := s.changeable(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if sess.Status == groupsession.StatusCANCELLED {
		return nil, apperr.Input("id", "a cancelled session cannot be moved; schedule a new one")
	}
	startsAt = startsAt.UTC().Truncate(time.Second)
	d := sess.EndsAt.Sub(sess.StartsAt)
	if minutes != nil {
		d = time.Duration(*minutes) * time.Minute
	}
	if err := s.checkTimes("startsAt", startsAt, int(d/time.Minute)); err != nil {
		return nil, err
	}
	if startsAt.Equal(sess.StartsAt) && d == sess.EndsAt.Sub(sess.StartsAt) {
		return sess, nil // a retry of the same move
	}
	sess, err = c.GroupSession.UpdateOne(sess).
		SetStartsAt(startsAt.UTC()).
		SetEndsAt(startsAt.UTC().Add(d)).
		SetDetached(true).
		Save(ctx)
	if err != nil {
		return nil, err
	}
	announce(ctx, sess, bus.Moved)
	// The move is told first to those who had been reminded or had said they would not come
	// (their answer is read by the planning), then the answers go: they were for the old
	// time. The session's row, updated above, holds answers in flight until the commit.
	if err := s.jobs.SessionMoved(ctx, sess.ID); err != nil {
		return nil, err
	}
	return sess, attendance.ResetAnswers(ctx, c, sess.ID)
}

// Cancel cancels a session that has not started, and tells its members. Cancelling it
// again returns it unchanged.
func (s *Sessions) Cancel(ctx context.Context, c *ent.Client, id int) (*ent.GroupSession, error) {
	sess, err := s.changeable(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if sess.Status == groupsession.StatusCANCELLED {
		return sess, nil
	}
	sess, err = c.GroupSession.UpdateOne(sess).
		SetStatus(groupsession.StatusCANCELLED).
		SetDetached(true).
		Save(ctx)
	if err != nil {
		return nil, err
	}
	announce(ctx, sess, bus.Cancelled)
	return sess, s.jobs.SessionCancelled(ctx, sess)
}

// changeable loads a session the viewer facilitates and that has not started.
func (s *Sessions) changeable(ctx context.Context, c *ent.Client, id int) (*ent.GroupSession, error) {
	// Hold the group row first, as every change of the group's sessions does: a member
	// joining meanwhile is then planned for the session as it will be.
	if _, err := c.Group.Query().Where(group.HasSessionsWith(groupsession.ID(id)), lockGroup()).IDs(ctx); err != nil {
		return nil, err
	}
	sess, err := c.GroupSession.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, apperr.NotFoundf("session not found")
	}
	if err != nil {
		return nil, err
	}
	if err := rule.MayFacilitate(ctx, c, sess.GroupID); err != nil {
		return nil, err
	}
	if !s.clock.Now().Before(sess.StartsAt) {
		return nil, apperr.Input("id", "the session has started or is over; past sessions do not change")
	}
	return sess, nil
}

// checkTimes checks a new start (in the future, within MaxAhead) and duration.
func (s *Sessions) checkTimes(field string, startsAt time.Time, minutes int) error {
	if err := validate.Var("durationMinutes", minutes, fmt.Sprintf("min=%d,max=%d", MinMinutes, MaxMinutes)); err != nil {
		return err
	}
	now := s.clock.Now()
	if !startsAt.After(now) {
		return apperr.Input(field, field+" must be in the future")
	}
	if startsAt.Sub(now) > MaxAhead {
		return apperr.Input(field, field+" must be within two years")
	}
	return nil
}

// SetWeekly sets (w != nil) or removes the group's weekly schedule. Future sessions the old
// schedule produced that nobody moved or cancelled are removed (with their reminders), and
// the new schedule produces sessions up to the horizon.
func (s *Sessions) SetWeekly(ctx context.Context, c *ent.Client, groupID int, w *Weekly) (*ent.Group, error) {
	if err := rule.MayFacilitate(ctx, c, groupID); err != nil {
		return nil, err
	}
	upd := c.Group.UpdateOneID(groupID)
	if w == nil {
		upd.ClearScheduleWeekday().ClearScheduleStart().ClearScheduleMinutes().ClearScheduleLocation().ClearSessionsUntil()
	} else {
		if _, err := schedule.ParseClock(w.Start); err != nil {
			return nil, apperr.Input("localStartTime", `localStartTime must be a 24-hour time of day "HH:MM", 00:00 to 23:59`)
		}
		if err := validate.Var("durationMinutes", w.Minutes, fmt.Sprintf("min=%d,max=%d", MinMinutes, MaxMinutes)); err != nil {
			return nil, err
		}
		upd.SetScheduleWeekday(int(w.Weekday)).SetScheduleStart(w.Start).SetScheduleMinutes(w.Minutes).ClearSessionsUntil()
		if w.Location != "" {
			upd.SetScheduleLocation(w.Location)
		} else {
			upd.ClearScheduleLocation()
		}
	}
	// The update also locks the group row until commit, so that the hourly extension of
	// schedules cannot produce sessions from the old schedule meanwhile.
	g, err := upd.Save(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.NotFoundf("group not found")
	}
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	future, err := c.GroupSession.Query().Where(
		groupsession.GroupID(groupID),
		groupsession.OccurrenceNEQ(""),
		groupsession.Detached(false),
		groupsession.StartsAtGT(now),
		// Held until the commit: an answer to one of them waits, and finds it gone.
		lockSessions(),
	).All(ctx)
	if err != nil {
		return nil, err
	}
	// A produced session the new schedule produces again at the same time stays (same id,
	// reminders already sent count); only its location follows. The others go.
	same := map[string]schedule.Occurrence{}
	if w != nil {
		for _, o := range s.occurrences(g, now, now.Add(s.horizon)) {
			same[o.Key] = o
		}
	}
	// Sessions members wrote to (a topic, a reflection answering it) or were told have a
	// prompt are not removed without a word either: they are cancelled with notice, and what
	// was written to them stays attached (a topic holds its session).
	ids := make([]int, len(future))
	for i, sess := range future {
		ids[i] = sess.ID
	}
	engaged := map[int]bool{}
	if len(ids) > 0 {
		e, err := c.GroupSession.Query().Where(groupsession.IDIn(ids...), groupsession.Or(
			groupsession.HasTopics(), groupsession.HasReflections(), groupsession.PromptAnnouncedAtNotNil(),
		)).IDs(ctx)
		if err != nil {
			return nil, err
		}
		for _, id := range e {
			engaged[id] = true
		}
	}
	var gone, told []int
	for _, sess := range future {
		o, ok := same[sess.Occurrence]
		if !ok || !o.Start.Equal(sess.StartsAt) || !o.End.Equal(sess.EndsAt) {
			if sess.StartsAt.Sub(now) <= noticeWindow || engaged[sess.ID] {
				told = append(told, sess.ID)
			} else {
				gone = append(gone, sess.ID)
			}
			continue
		}
		if loc := optional(g.ScheduleLocation); !equal(loc, sess.Location) {
			upd := c.GroupSession.UpdateOne(sess)
			if loc == nil {
				upd.ClearLocation()
			} else {
				upd.SetLocation(*loc)
			}
			if err := upd.Exec(ctx); err != nil {
				return nil, err
			}
			announce(ctx, sess, bus.Moved)
		}
	}
	// The conditions are checked again as rows are changed: a session a facilitator cancelled
	// or moved by hand meanwhile is theirs, and stays.
	untouched := []predicate.GroupSession{groupsession.Detached(false), groupsession.StatusEQ(groupsession.StatusSCHEDULED)}
	// Sessions soon enough that members may have been reminded of them are cancelled, and
	// members told; their slot is freed for the new schedule.
	for _, id := range told {
		n, err := c.GroupSession.Update().Where(append(untouched, groupsession.ID(id))...).
			SetStatus(groupsession.StatusCANCELLED).SetDetached(true).ClearOccurrence().Save(ctx)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			continue
		}
		sess, err := c.GroupSession.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := s.jobs.SessionCancelled(ctx, sess); err != nil {
			return nil, err
		}
		announce(ctx, sess, bus.Cancelled)
	}
	// Later ones go without a word; their pending reminders find no session and send nothing.
	if len(gone) > 0 {
		// Their answers go with them (they hold no record: they have not started).
		if err := attendance.RemoveAnswers(ctx, c, gone); err != nil {
			return nil, err
		}
		if _, err := c.GroupSession.Delete().Where(append(untouched, groupsession.IDIn(gone...))...).Exec(ctx); err != nil {
			return nil, err
		}
	}
	if w == nil {
		return g, nil
	}
	return g, s.produce(ctx, c, g, now)
}

// produce makes the group's weekly schedule produce its sessions from now to the horizon,
// skipping slots that already became a session, and plans their reminders. The caller holds
// the group row (it updated it in this transaction).
func (s *Sessions) produce(ctx context.Context, c *ent.Client, g *ent.Group, now time.Time) error {
	from := now
	if g.SessionsUntil != nil && g.SessionsUntil.After(from) {
		from = *g.SessionsUntil
	}
	until := now.Add(s.horizon)
	occ := s.occurrences(g, from, until)
	if len(occ) > 0 {
		keys := make([]string, len(occ))
		for i, o := range occ {
			keys[i] = o.Key
		}
		taken, err := c.GroupSession.Query().Where(
			groupsession.GroupID(g.ID), groupsession.OccurrenceIn(keys...),
		).Select(groupsession.FieldOccurrence).Strings(ctx)
		if err != nil {
			return err
		}
		done := map[string]bool{}
		for _, k := range taken {
			done[k] = true
		}
		var creates []*ent.GroupSessionCreate
		for _, o := range occ {
			if done[o.Key] {
				continue
			}
			cr := c.GroupSession.Create().SetGroupID(g.ID).SetStartsAt(o.Start).SetEndsAt(o.End).SetOccurrence(o.Key)
			if g.ScheduleLocation != "" {
				cr.SetLocation(g.ScheduleLocation)
			}
			creates = append(creates, cr)
		}
		if len(creates) > 0 {
			made, err := c.GroupSession.CreateBulk(creates...).Save(ctx)
			if err != nil {
				return err
			}
			ids := make([]int, len(made))
			for i, m := range made {
				ids[i] = m.ID
				announce(ctx, m, bus.Scheduled)
			}
			if err := s.jobs.SessionsCreated(ctx, ids...); err != nil {
				return err
			}
		}
	}
	return c.Group.UpdateOneID(g.ID).SetSessionsUntil(until).Exec(ctx)
}

// announce tells the subscribers of the session's group that it was scheduled, moved or
// cancelled.
func announce(ctx context.Context, sess *ent.GroupSession, op bus.Op) {
	bus.Announce(ctx, bus.Event{Kind: bus.Session, Group: sess.GroupID, ID: sess.ID, Op: op})
}

// occurrences are the slots of the group's weekly schedule after from, up to until.
func (s *Sessions) occurrences(g *ent.Group, from, until time.Time) []schedule.Occurrence {
	loc, err := time.LoadLocation(g.TimeZone)
	start, err2 := schedule.ParseClock(g.ScheduleStart)
	if err != nil || err2 != nil || g.ScheduleWeekday == nil {
		return nil
	}
	w := schedule.Weekly{Weekday: time.Weekday(*g.ScheduleWeekday), Start: start, Duration: time.Duration(g.ScheduleMinutes) * time.Minute}
	return schedule.Occurrences(w, loc, from, until)
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func equal(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// Extend makes every weekly schedule produce its sessions up to the horizon, one group per
// transaction. It runs as the system (the hourly job), on root.
func (s *Sessions) Extend(ctx context.Context, root *ent.Client) error {
	// SECURITY: the system produces sessions of every group with a schedule; nothing is
	// returned to anyone.
	ctx = rule.ForSchedules(ctx)
	now := s.clock.Now()
	due, err := root.Group.Query().Where(
		group.ScheduleWeekdayNotNil(),
		group.Or(group.SessionsUntilIsNil(), group.SessionsUntilLT(now.Add(s.horizon-24*time.Hour))),
	).IDs(ctx)
	if err != nil {
		return err
	}
	for _, id := range due {
		if err := s.extendGroup(ctx, root, id, now); err != nil {
			return fmt.Errorf("sessions: extend group %d: %w", id, err)
		}
	}
	return nil
}

func (s *Sessions) extendGroup(ctx context.Context, root *ent.Client, id int, now time.Time) error {
	ctx, tx, err := db.BeginTx(ctx, root)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	c := tx.Client()
	// Lock the group row first (a no-op update), as SetWeekly does.
	g, err := c.Group.UpdateOneID(id).SetUpdatedAt(now).Save(ctx)
	if err != nil {
		return err
	}
	if g.ScheduleWeekday == nil {
		return nil
	}
	if err := s.produce(ctx, c, g, now); err != nil {
		return err
	}
	return tx.Commit()
}

// Upcoming are the next sessions of the viewer's current groups that have not started and
// are not cancelled, soonest first; the fields the request selects under them (the group) are
// loaded with them.
func (s *Sessions) Upcoming(ctx context.Context, c *ent.Client, first int) ([]*ent.GroupSession, error) {
	// Which groups: those whose sessions the GroupSession policy shows the viewer (their
	// current groups).
	q, err := c.GroupSession.Query().Where(
		groupsession.StatusEQ(groupsession.StatusSCHEDULED),
		groupsession.StartsAtGT(s.clock.Now()),
	).Order(groupsession.ByStartsAt(), groupsession.ByID()).Limit(first).CollectFields(ctx)
	if err != nil {
		return nil, err
	}
	return q.All(ctx)
}

// VisibleSchedule is the group (with its weekly schedule) for those who may read the
// group's sessions, nil for anyone else (a former member still sees the group's name, not
// when it meets) or when the group has none.
func VisibleSchedule(ctx context.Context, c *ent.Client, g *ent.Group) (*ent.Group, error) {
	if g.ScheduleWeekday == nil {
		return nil, nil
	}
	// SECURITY: the GroupSession policy decides: a schedule always has sessions (it produces
	// at least a week ahead), and they are there only for the group's current members.
	ok, err := c.GroupSession.Query().Where(groupsession.GroupID(g.ID)).Exist(ctx)
	if err != nil || !ok {
		return nil, err
	}
	return g, nil
}

// Next is the group's next session that has not started and is not cancelled, or nil.
func (s *Sessions) Next(ctx context.Context, c *ent.Client, groupID int) (*ent.GroupSession, error) {
	sess, err := c.GroupSession.Query().Where(
		groupsession.GroupID(groupID),
		groupsession.StatusEQ(groupsession.StatusSCHEDULED),
		groupsession.StartsAtGT(s.clock.Now()),
	).Order(groupsession.ByStartsAt(), groupsession.ByID()).First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return sess, err
}
