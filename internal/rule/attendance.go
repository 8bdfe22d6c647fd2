package rule

import (
	"context"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/attendance"
	"github.com/processgroup/api/ent/group"
	"github.com/processgroup/api/ent/groupsession"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/internal/viewer"
)

// A member's answer to a session (RSVP) and the note that goes with it are for the group's
// facilitators and the member; whether they came is recorded by the facilitators, and read
// by them and the member.

// AttendanceReadable matches the attendance rows v may read: their own (through any of
// their memberships, current or past) and those of the groups they currently facilitate.
func AttendanceReadable(ctx context.Context, v *viewer.Viewer) (func(*ent.AttendanceQuery), error) {
	s, err := scopeOf(ctx, v)
	if err != nil {
		return nil, err
	}
	return func(q *ent.AttendanceQuery) {
		// SECURITY: a member's answer and note: themselves and the group's facilitators.
		q.Where(attendance.Or(s.own(attendance.FieldMembershipID), s.groups(attendance.FieldGroupID, groupsFacilitated)))
	}, nil
}

// AttendanceQuery filters every attendance query down to what the viewer may read.
func AttendanceQuery() privacy.QueryRule {
	return privacy.AttendanceQueryRuleFunc(func(ctx context.Context, q *ent.AttendanceQuery) error {
		f, err := AttendanceReadable(ctx, viewer.FromContext(ctx))
		if err != nil {
			return err
		}
		f(q)
		return privacy.Allow
	})
}

// rsvpFields are the member's part of an attendance row; the other fields (status,
// recorded_at, recorded_by_id) are the facilitators'.
var rsvpFields = map[string]bool{
	attendance.FieldRsvp:     true,
	attendance.FieldRsvpNote: true,
	attendance.FieldRsvpAt:   true,
}

// AttendanceChange lets a member answer for themselves (the RSVP fields of a row of their
// own current membership), and the group's current facilitators record attendance (the
// status fields), clear answers (a moved session resets them) and delete rows that hold
// only answers (a session a new weekly schedule removes). Anything else is denied: a member
// never touches the status fields, not even to clear them, and a facilitator never writes
// an answer.
func AttendanceChange() privacy.MutationRule {
	return privacy.AttendanceMutationRuleFunc(func(ctx context.Context, m *ent.AttendanceMutation) error {
		v := viewer.FromContext(ctx)
		member, staff, clearsAnswers := false, false, false
		for _, f := range m.Fields() {
			switch {
			case f == attendance.FieldUpdatedAt || f == attendance.FieldCreatedAt ||
				f == attendance.FieldSessionID || f == attendance.FieldMembershipID || f == attendance.FieldGroupID:
			case rsvpFields[f]:
				member = true
			default:
				staff = true
			}
		}
		for _, f := range m.ClearedFields() {
			if rsvpFields[f] {
				clearsAnswers = true
			} else {
				// SECURITY: clearing a record is a change of the record: the facilitators'.
				staff = true
			}
		}
		s, err := scopeOf(ctx, v)
		if err != nil {
			return err
		}
		switch {
		case m.Op().Is(ent.OpDelete | ent.OpDeleteOne):
			// SECURITY: only rows holding no record, of groups the viewer facilitates: what
			// was recorded is never deleted through the API.
			m.Where(attendance.StatusIsNil(), s.groups(attendance.FieldGroupID, groupsFacilitated))
			return privacy.Allow
		case m.Op().Is(ent.OpCreate):
			sid, _ := m.SessionID()
			mid, _ := m.MembershipID()
			gid, _ := m.GroupID()
			if member == staff {
				return privacy.Denyf("a row is created with an answer or with a record")
			}
			if member {
				// SECURITY: an answer is given through the viewer's own current membership.
				ok, err := isCurrentMembership(ctx, m.Client(), mid, v.UserID, gid)
				if err != nil {
					return err
				}
				if !ok {
					return privacy.Denyf("answers are given as oneself")
				}
			} else if err := MayFacilitate(ctx, m.Client(), gid); err != nil {
				// SECURITY: attendance is recorded by the group's facilitators.
				return privacy.Denyf("only the group's facilitators record attendance")
			}
			// SECURITY: the row's group is its session's and its membership's, so that the
			// group filters above hold for it.
			ok, err := m.Client().GroupSession.Query().Where(
				groupsession.ID(sid), groupsession.GroupID(gid),
				groupsession.HasGroupWith(group.HasMembershipsWith(membership.ID(mid))),
			).Exist(ctx)
			if err != nil {
				return err
			}
			if !ok {
				return privacy.Denyf("the session and the membership are of another group")
			}
			return privacy.Allow
		}
		switch {
		case member && staff:
			return privacy.Denyf("an answer and a record are changed apart")
		case member:
			// SECURITY: only rows of the viewer's own current memberships are matched.
			m.Where(s.own(attendance.FieldMembershipID), s.groups(attendance.FieldGroupID, groupsIn))
		case staff:
			// SECURITY: only rows of groups the viewer facilitates are matched.
			m.Where(s.groups(attendance.FieldGroupID, groupsFacilitated))
		case clearsAnswers:
			// SECURITY: answers are reset (a moved session) by the group's facilitators only.
			m.Where(s.groups(attendance.FieldGroupID, groupsFacilitated))
		default:
			return privacy.Denyf("nothing to change")
		}
		return privacy.Allow
	})
}
