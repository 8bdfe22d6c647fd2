package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/internal/rule"
)

// GroupSession is one meeting of a group: a one-off, or one produced by the group's weekly
// schedule. Times are instants (stored in UTC); the group's time zone gives their local time.
type GroupSession struct {
	ent.Schema
}

// Mixin of the GroupSession.
func (GroupSession) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}}
}

// Fields of the GroupSession.
func (GroupSession) Fields() []ent.Field {
	return []ent.Field{
		// group_id is the group that meets.
		field.Int("group_id").
			Immutable().
			Annotations(entgql.Skip()),
		// starts_at is when the session begins.
		field.Time("starts_at").
			Annotations(entgql.OrderField("STARTS_AT")),
		// ends_at is when the session ends (starts_at plus its duration, 15 to 480 minutes).
		field.Time("ends_at"),
		// status is SCHEDULED until a facilitator cancels the session.
		field.Enum("status").
			Values("SCHEDULED", "CANCELLED").
			Default("SCHEDULED"),
		// location is where the group meets (a room, an address or "online"), if given.
		field.String("location").
			Optional().
			Nillable().
			MaxLen(200),
		// occurrence is, for a session the weekly schedule produced, the local date of its
		// slot ("2026-12-01"): the schedule never produces that slot again, even after the
		// session was moved or cancelled by hand. Empty for one-off sessions, and cleared
		// when a change of the schedule itself cancels the session.
		field.String("occurrence").
			Optional().
			Annotations(entgql.Skip()),
		// theme is what the session focuses on, as its facilitators planned it (at most 80
		// characters); empty for none.
		field.String("theme").
			Optional().
			Nillable(),
		// prompt is the reflection prompt the facilitators set for members to write to
		// before the session (at most 500 characters); empty for none.
		field.Text("prompt").
			Optional().
			Nillable(),
		// prompt_announced_at is when the members were told that the session has a prompt:
		// they are told once per session.
		field.Time("prompt_announced_at").
			Optional().
			Nillable().
			Annotations(entgql.Skip()),
		// detached is true once a facilitator moved or cancelled the session by hand: a
		// change of the weekly schedule leaves it alone.
		field.Bool("detached").
			Default(false).
			Annotations(entgql.Skip()),
	}
}

// Edges of the GroupSession.
func (GroupSession) Edges() []ent.Edge {
	return []ent.Edge{
		// group is the group that meets.
		edge.From("group", Group.Type).
			Ref("sessions").
			Field("group_id").
			Unique().
			Required().
			Immutable(),
		// topics are what members want to bring up at the session.
		edge.To("topics", Topic.Type).
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
		// reflections are those written to the session's prompt.
		edge.To("reflections", Reflection.Type).
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
		// attendances are the members' answers and who came (schema/attendance.graphql).
		edge.To("attendances", Attendance.Type).
			Annotations(entgql.Skip()),
	}
}

// Indexes of the GroupSession.
func (GroupSession) Indexes() []ent.Index {
	return []ent.Index{
		// A schedule slot becomes at most one session (one-off sessions have no occurrence).
		index.Fields("group_id", "occurrence").Unique(),
		index.Fields("group_id", "starts_at"),
		index.Fields("starts_at"),
	}
}

// Annotations of the GroupSession.
func (GroupSession) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.Skip(entgql.SkipWhereInput),
		entgql.RelayConnection(),
	}
}

// Policy of the GroupSession.
func (GroupSession) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: privacy.MutationPolicy{
			rule.DenyIfNoViewer(),
			rule.SessionFacilitatorOnly(),
			privacy.AlwaysDenyRule(),
		},
		Query: privacy.QueryPolicy{
			rule.DenyIfNoViewer(),
			rule.SessionQueryCurrentMembers(),
			privacy.AlwaysDenyRule(),
		},
	}
}
