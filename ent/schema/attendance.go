package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/internal/platform/sealed"
	"github.com/processgroup/api/internal/rule"
)

// Attendance is one member's place at one session: whether they said they would come (and
// a note for the facilitators), and whether they came, as a facilitator recorded it.
type Attendance struct {
	ent.Schema
}

// Mixin of the Attendance.
func (Attendance) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}}
}

// Fields of the Attendance.
func (Attendance) Fields() []ent.Field {
	return []ent.Field{
		// session_id is the session.
		field.Int("session_id").
			Immutable(),
		// membership_id is the member's membership of the session's group.
		field.Int("membership_id").
			Immutable(),
		// group_id is the session's group (denormalised for privacy filters).
		field.Int("group_id").
			Immutable(),
		// rsvp is the member's answer before the session; empty if none (or reset by a move).
		field.Enum("rsvp").
			Values("GOING", "NOT_GOING").
			Optional().
			Nillable(),
		// rsvp_note is what the member told the facilitators with their answer; empty if none.
		field.Text("rsvp_note").
			Optional().
			Sensitive().
			ValueScanner(sealed.Column{Name: "attendances.rsvp_note"}),
		// rsvp_at is when the member last answered.
		field.Time("rsvp_at").
			Optional().
			Nillable(),
		// status is whether the member came, as a facilitator recorded it; empty until then.
		field.Enum("status").
			Values("PRESENT", "ABSENT", "EXCUSED").
			Optional().
			Nillable(),
		// recorded_at is when a facilitator last recorded the status.
		field.Time("recorded_at").
			Optional().
			Nillable(),
		// recorded_by_id is the membership of the facilitator who last recorded it.
		field.Int("recorded_by_id").
			Optional().
			Nillable(),
	}
}

// Edges of the Attendance.
func (Attendance) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("session", GroupSession.Type).
			Ref("attendances").
			Field("session_id").
			Unique().
			Required().
			Immutable(),
		edge.From("membership", Membership.Type).
			Ref("attendances").
			Field("membership_id").
			Unique().
			Required().
			Immutable(),
	}
}

// Indexes of the Attendance.
func (Attendance) Indexes() []ent.Index {
	return []ent.Index{
		// One row per member and session: answering and recording again change it.
		index.Fields("session_id", "membership_id").Unique(),
		index.Fields("membership_id"),
		index.Fields("group_id", "session_id"),
	}
}

// Annotations of the Attendance: not a node of the API (GroupSession.attendance and
// viewerRsvp show it, in schema/attendance.graphql).
func (Attendance) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.Skip(entgql.SkipAll),
	}
}

// Policy of the Attendance.
func (Attendance) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: privacy.MutationPolicy{
			rule.DenyIfNoViewer(),
			rule.AttendanceChange(),
			privacy.AlwaysDenyRule(),
		},
		Query: privacy.QueryPolicy{
			rule.DenyIfNoViewer(),
			rule.AttendanceQuery(),
			privacy.AlwaysDenyRule(),
		},
	}
}
