// Package attendance is who is coming to a group's session and who came: a member's answer
// (RSVP) with an optional note for the facilitators, given until the session starts, and the
// attendance the facilitators record once it has started. It also counts a member's
// unexcused absences in a row, for the session's list and for the digest.
//
// Who may read and change a row is decided by the Attendance policy (internal/rule); this
// package checks the session's state (started, cancelled) and the input, and reads and
// writes in a fixed number of statements.
package attendance

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/attendance"
	"github.com/processgroup/api/ent/groupsession"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/ent/predicate"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/rule"
	"github.com/processgroup/api/internal/service/validate"
	"github.com/processgroup/api/internal/viewer"
)

// Limits of the input.
const (
	// MaxNote is the longest note, in characters.
	MaxNote = 280
	// MaxEntries is the most entries one recordAttendance may carry.
	MaxEntries = 200
)

// lockSession holds the session rows a query reads until the transaction ends (PostgreSQL;
// SQLite runs one transaction at a time): a move (which updates the row, then resets the
// answers) waits for an answer in flight, or the answer waits for the move and reads the new
// time. An answer given for the old time thus never survives a move.
func lockSession() predicate.GroupSession {
	return func(s *sql.Selector) {
		if s.Dialect() == dialect.Postgres {
			s.ForShare()
		}
	}
}

// session loads the session id as the viewer (the GroupSession policy shows only the
// sessions of their current groups), locked for the transaction.
func session(ctx context.Context, c *ent.Client, id int) (*ent.GroupSession, error) {
	sess, err := c.GroupSession.Query().Where(groupsession.ID(id), lockSession()).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.NotFoundf("session not found")
	}
	return sess, err
}

// Respond records the viewer's answer to a session that has not started and is not
// cancelled, with note (trimmed; empty: none). Answering again replaces the answer and the
// note. Any current member of the group may answer, facilitators too (harmless: their
// answer keeps their own reminders away and is listed nowhere, GroupSession.attendance
// lists role MEMBER).
func Respond(ctx context.Context, c *ent.Client, sessionID int, answer attendance.Rsvp, note string) (*ent.GroupSession, error) {
	if err := attendance.RsvpValidator(answer); err != nil {
		return nil, apperr.Input("answer", "answer must be GOING or NOT_GOING")
	}
	note = strings.TrimSpace(note)
	if err := validate.Var("note", note, "max="+strconv.Itoa(MaxNote)); err != nil {
		return nil, err
	}
	sess, err := session(ctx, c, sessionID)
	if err != nil {
		return nil, err
	}
	mid, err := rule.CurrentMembershipID(ctx, c, sess.GroupID)
	if errors.Is(err, rule.ErrNotInGroup) {
		return nil, apperr.NotFoundf("session not found")
	}
	if err != nil {
		return nil, err
	}
	now := clock.FromContext(ctx).Now()
	switch {
	case sess.Status == groupsession.StatusCANCELLED:
		return nil, apperr.New(apperr.Conflict, "the session was cancelled")
	case !now.Before(sess.StartsAt):
		return nil, apperr.New(apperr.Conflict, "the session has started; answers are given before it")
	}
	// The row, if there is none yet (two taps at once make one), then the answer: the note
	// is written by the update, through its sealed column (an upsert would not seal it).
	err = c.Attendance.CreateBulk(c.Attendance.Create().
		SetSessionID(sess.ID).SetMembershipID(mid).SetGroupID(sess.GroupID).
		SetRsvp(answer).SetRsvpAt(now)).
		OnConflictColumns(attendance.FieldSessionID, attendance.FieldMembershipID).
		DoNothing().
		Exec(ctx)
	if err != nil {
		return nil, err
	}
	upd := c.Attendance.Update().
		Where(attendance.SessionID(sess.ID), attendance.MembershipID(mid)).
		SetRsvp(answer).SetRsvpAt(now)
	if note == "" {
		upd.ClearRsvpNote()
	} else {
		upd.SetRsvpNote(note)
	}
	n, err := upd.Save(ctx)
	if err != nil {
		return nil, err
	}
	if n != 1 {
		return nil, errors.New("attendance: the answer's row is missing")
	}
	return sess, nil
}

// Entry is one member's attendance as a facilitator records it.
type Entry struct {
	MembershipID int
	Status       attendance.Status
}

// Record records who came to a session that has started and was not cancelled: the
// group's facilitators only; each entry names a membership of the session's group (current
// or past, as the facilitators see them), or nothing is recorded. Recording again corrects.
func Record(ctx context.Context, c *ent.Client, sessionID int, entries []Entry) (*ent.GroupSession, error) {
	if len(entries) == 0 {
		return nil, apperr.Input("entries", "entries must name at least one membership")
	}
	if len(entries) > MaxEntries {
		return nil, apperr.Input("entries", "at most 200 entries at once")
	}
	byStatus := map[attendance.Status][]int{}
	seen := map[int]bool{}
	for _, e := range entries {
		if err := attendance.StatusValidator(e.Status); err != nil {
			return nil, apperr.Input("entries", "status must be PRESENT, ABSENT or EXCUSED")
		}
		if seen[e.MembershipID] {
			return nil, apperr.Input("entries", "a membership is listed twice")
		}
		seen[e.MembershipID] = true
		byStatus[e.Status] = append(byStatus[e.Status], e.MembershipID)
	}
	sess, err := session(ctx, c, sessionID)
	if err != nil {
		return nil, err
	}
	by, err := rule.FacilitatorOf(ctx, c, sess.GroupID)
	if err != nil {
		return nil, err
	}
	now := clock.FromContext(ctx).Now()
	switch {
	case sess.Status == groupsession.StatusCANCELLED:
		return nil, apperr.New(apperr.Conflict, "the session was cancelled")
	case now.Before(sess.StartsAt):
		return nil, apperr.New(apperr.Conflict, "the session has not started; attendance is recorded once it has")
	}
	ids := make([]int, 0, len(entries))
	for _, e := range entries {
		ids = append(ids, e.MembershipID)
	}
	found, err := c.Membership.Query().Where(membership.IDIn(ids...), membership.GroupID(sess.GroupID)).IDs(ctx)
	if err != nil {
		return nil, err
	}
	if len(found) != len(ids) {
		return nil, apperr.Input("entries", "every membershipID must be a membership of the session's group")
	}
	creates := make([]*ent.AttendanceCreate, 0, len(entries))
	for _, e := range entries {
		creates = append(creates, c.Attendance.Create().
			SetSessionID(sess.ID).SetMembershipID(e.MembershipID).SetGroupID(sess.GroupID).
			SetStatus(e.Status).SetRecordedAt(now).SetRecordedByID(by.ID))
	}
	err = c.Attendance.CreateBulk(creates...).
		OnConflictColumns(attendance.FieldSessionID, attendance.FieldMembershipID).
		DoNothing().
		Exec(ctx)
	if err != nil {
		return nil, err
	}
	for _, st := range []attendance.Status{attendance.StatusPRESENT, attendance.StatusABSENT, attendance.StatusEXCUSED} {
		if len(byStatus[st]) == 0 {
			continue
		}
		err := c.Attendance.Update().
			Where(attendance.SessionID(sess.ID), attendance.MembershipIDIn(byStatus[st]...)).
			SetStatus(st).SetRecordedAt(now).SetRecordedByID(by.ID).
			Exec(ctx)
		if err != nil {
			return nil, err
		}
	}
	return sess, nil
}

// ResetAnswers clears the answers given to a session (a move: who said they would or
// would not come said so for the old time). The caller, a facilitator moving the session,
// has updated the session's row in the same transaction first, which holds it against
// answers in flight (see lockSession).
func ResetAnswers(ctx context.Context, c *ent.Client, sessionID int) error {
	return c.Attendance.Update().
		Where(attendance.SessionID(sessionID), attendance.RsvpNotNil()).
		ClearRsvp().ClearRsvpNote().ClearRsvpAt().
		Exec(ctx)
}

// RemoveAnswers deletes the rows of sessions about to be deleted (a new weekly schedule
// removes sessions far ahead): they hold answers only, sessions that have not started having
// no record. The caller holds the sessions' rows (see lockSession).
func RemoveAnswers(ctx context.Context, c *ent.Client, sessionIDs []int) error {
	if len(sessionIDs) == 0 {
		return nil
	}
	_, err := c.Attendance.Delete().Where(attendance.SessionIDIn(sessionIDs...)).Exec(ctx)
	return err
}

// ViewerRsvps is the viewer's own answer to each of the sessions ids that has one, given
// through their current membership of its group (none when they are not in it): one
// statement however many sessions.
func ViewerRsvps(ctx context.Context, c *ent.Client, ids []int) (map[int]attendance.Rsvp, error) {
	out := make(map[int]attendance.Rsvp, len(ids))
	v := viewer.FromContext(ctx)
	if v == nil || len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		SessionID int             `json:"session_id"`
		Rsvp      attendance.Rsvp `json:"rsvp"`
	}
	err := c.Attendance.Query().
		Where(
			attendance.SessionIDIn(ids...),
			attendance.RsvpNotNil(),
			attendance.HasMembershipWith(membership.UserID(v.UserID), rule.Current()),
		).
		Select(attendance.FieldSessionID, attendance.FieldRsvp).
		Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.SessionID] = r.Rsvp
	}
	return out, nil
}

// Row is one member's place at a session, for the group's facilitators.
type Row struct {
	Membership          *ent.Membership
	Rsvp                *attendance.Rsvp
	Note                *string
	Status              *attendance.Status
	ConsecutiveAbsences int
}

// List is every current member of sess's group with role MEMBER (facilitators are not
// listed: they lead the session), with their answer, note, status and unexcused absences in
// a row up to sess, for the group's facilitators; an empty list for anyone else. Three
// statements whatever the size of the group or its history (see Lists).
func List(ctx context.Context, c *ent.Client, sess *ent.GroupSession) ([]Row, error) {
	out, err := Lists(ctx, c, []*ent.GroupSession{sess})
	return out[sess.ID], err
}

// Lists is List of each of sessions, by session id, in three statements whatever the number
// of sessions, the size of their groups or their history: the members of their groups, the
// records of the groups' sessions that have started (latest first) with the answers and
// records of sessions, and the groups' recorded sessions with their times.
func Lists(ctx context.Context, c *ent.Client, sessions []*ent.GroupSession) (map[int][]Row, error) {
	out := make(map[int][]Row, len(sessions))
	var mine []*ent.GroupSession
	var groups, ids []int
	for _, sess := range sessions {
		out[sess.ID] = []Row{}
		if err := rule.MayFacilitate(ctx, c, sess.GroupID); err != nil {
			if errors.Is(err, rule.ErrNotFacilitator) || errors.Is(err, rule.ErrNotInGroup) {
				continue
			}
			return nil, err
		}
		mine = append(mine, sess)
		ids = append(ids, sess.ID)
		if !slices.Contains(groups, sess.GroupID) {
			groups = append(groups, sess.GroupID)
		}
	}
	if len(mine) == 0 {
		return out, nil
	}
	members, err := c.Membership.Query().
		Where(membership.GroupIDIn(groups...), rule.Current(), membership.RoleEQ(membership.RoleMEMBER)).
		Order(membership.ByID()).
		All(ctx)
	if err != nil {
		return nil, err
	}
	if len(members) == 0 {
		return out, nil
	}
	mids := make([]int, len(members))
	for i, m := range members {
		mids[i] = m.ID
	}
	now := clock.FromContext(ctx).Now()
	// The groups' recorded sessions (not cancelled, started, with attendance recorded for
	// anyone), latest first. Scanned, not loaded as entities: a request loader calls this
	// while it holds its lock, and a list of sessions would be hinted to it.
	var recorded []struct {
		ID       int       `json:"id"`
		GroupID  int       `json:"group_id"`
		StartsAt time.Time `json:"starts_at"`
	}
	err = c.GroupSession.Query().
		Where(
			groupsession.GroupIDIn(groups...),
			groupsession.StatusEQ(groupsession.StatusSCHEDULED),
			groupsession.StartsAtLTE(now),
			groupsession.HasAttendancesWith(attendance.StatusNotNil()),
		).
		Order(groupsession.ByStartsAt(sql.OrderDesc()), groupsession.ByID(sql.OrderDesc())).
		Select(groupsession.FieldID, groupsession.FieldGroupID, groupsession.FieldStartsAt).
		Scan(ctx, &recorded)
	if err != nil {
		return nil, err
	}
	// The members' rows of the sessions listed and their records of the recorded sessions.
	rows, err := c.Attendance.Query().
		Where(
			attendance.GroupIDIn(groups...),
			attendance.MembershipIDIn(mids...),
			attendance.Or(
				attendance.SessionIDIn(ids...),
				attendance.And(attendance.StatusNotNil(), attendance.HasSessionWith(
					groupsession.StatusEQ(groupsession.StatusSCHEDULED),
					groupsession.StartsAtLTE(now),
				)),
			),
		).
		All(ctx)
	if err != nil {
		return nil, err
	}
	type key struct{ session, member int }
	byKey := make(map[key]*ent.Attendance, len(rows))
	for _, r := range rows {
		byKey[key{r.SessionID, r.MembershipID}] = r
	}
	status := func(session, member int) attendance.Status {
		if a := byKey[key{session, member}]; a != nil && a.Status != nil {
			return *a.Status
		}
		return ""
	}
	for _, sess := range mine {
		// The recorded sessions up to sess, latest first.
		var upTo []int
		for _, r := range recorded {
			if r.GroupID == sess.GroupID && !r.StartsAt.After(sess.StartsAt) {
				upTo = append(upTo, r.ID)
			}
		}
		list := []Row{}
		for _, m := range members {
			if m.GroupID != sess.GroupID {
				continue
			}
			row := Row{Membership: m, ConsecutiveAbsences: inARow(upTo, m.ID, status)}
			if a := byKey[key{sess.ID, m.ID}]; a != nil {
				row.Rsvp, row.Status = a.Rsvp, a.Status
				if a.RsvpNote != "" {
					note := a.RsvpNote
					row.Note = &note
				}
			}
			list = append(list, row)
		}
		out[sess.ID] = list
	}
	return out, nil
}

// inARow counts member's ABSENT records over sessions (latest first) until one that is not.
func inARow(sessions []int, member int, status func(session, member int) attendance.Status) int {
	n := 0
	for _, s := range sessions {
		if status(s, member) != attendance.StatusABSENT {
			break
		}
		n++
	}
	return n
}

// Absences counts, for each of the memberships ids, their unexcused absences in a row,
// counting back over the group's recorded sessions: those not cancelled, started by now,
// matching upTo (the session's own start or before, or before a digest's end), on which
// attendance was recorded for anyone. The count goes on while the member was ABSENT and
// stops at PRESENT, EXCUSED or a recorded session without an entry for them. One statement
// whatever the history (every record of the group's sessions, latest session first). It
// reads as the viewer: a facilitator reads every row of the group.
func Absences(ctx context.Context, c *ent.Client, groupID int, ids []int, now time.Time, upTo predicate.GroupSession) (map[int]int, error) {
	out := make(map[int]int, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var recs []struct {
		SessionID    int               `json:"session_id"`
		MembershipID int               `json:"membership_id"`
		Status       attendance.Status `json:"status"`
	}
	err := c.Attendance.Query().
		Where(
			attendance.GroupID(groupID),
			attendance.StatusNotNil(),
			attendance.HasSessionWith(
				groupsession.StatusEQ(groupsession.StatusSCHEDULED),
				groupsession.StartsAtLTE(now),
				upTo,
			),
		).
		Order(
			attendance.BySessionField(groupsession.FieldStartsAt, sql.OrderDesc()),
			attendance.BySessionID(sql.OrderDesc()),
		).
		Select(attendance.FieldSessionID, attendance.FieldMembershipID, attendance.FieldStatus).
		Scan(ctx, &recs)
	if err != nil {
		return nil, err
	}
	// The recorded sessions, latest first, and each one's records.
	var sessions []int
	type key struct{ session, member int }
	status := make(map[key]attendance.Status, len(recs))
	for _, r := range recs {
		if len(sessions) == 0 || sessions[len(sessions)-1] != r.SessionID {
			sessions = append(sessions, r.SessionID)
		}
		status[key{r.SessionID, r.MembershipID}] = r.Status
	}
	at := func(session, member int) attendance.Status { return status[key{session, member}] }
	for _, m := range ids {
		out[m] = inARow(sessions, m, at)
	}
	return out, nil
}
