package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/internal/rule"
)

// Group is one process group: a small therapy group that meets weekly.
type Group struct {
	ent.Schema
}

// Mixin of the Group.
func (Group) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}}
}

// Fields of the Group.
func (Group) Fields() []ent.Field {
	return []ent.Field{
		// name is the group's name as its members see it.
		field.String("name").
			NotEmpty().
			MaxLen(320),
		// time_zone is the IANA name of the zone the group meets in, e.g. America/Chicago.
		field.String("time_zone").
			NotEmpty(),
		// schedule_weekday is the day of the group's weekly session, 0 (Sunday) to 6, or nil
		// when the group has no weekly schedule; the schedule's sessions are GroupSessions.
		field.Int("schedule_weekday").
			Optional().
			Nillable().
			Range(0, 6).
			Annotations(entgql.Skip()),
		// schedule_start is the local time of day of the weekly session, "HH:MM".
		field.String("schedule_start").
			Optional().
			Annotations(entgql.Skip()),
		// schedule_minutes is how long each weekly session lasts, 15 to 480.
		field.Int("schedule_minutes").
			Optional().
			Annotations(entgql.Skip()),
		// schedule_location is where the weekly session takes place, if given.
		field.String("schedule_location").
			Optional().
			MaxLen(200).
			Annotations(entgql.Skip()),
		// sessions_until is how far ahead the weekly schedule has produced sessions.
		field.Time("sessions_until").
			Optional().
			Nillable().
			Annotations(entgql.Skip()),
	}
}

// Edges of the Group.
func (Group) Edges() []ent.Edge {
	return []ent.Edge{
		// memberships are everyone who is or was in the group.
		edge.To("memberships", Membership.Type).
			Annotations(entgql.Skip()),
		// reflections are what was written in the group; each reader sees only what they may.
		edge.To("reflections", Reflection.Type).
			Annotations(entgql.RelayConnection()),
		// invites are the join codes made for the group.
		edge.To("invites", GroupInvite.Type).
			Annotations(entgql.Skip()),
		// sessions are the group's meetings, past and future.
		edge.To("sessions", GroupSession.Type).
			Annotations(entgql.RelayConnection()),
		// topics are what members proposed to bring up at the group's sessions.
		edge.To("topics", Topic.Type).
			Annotations(entgql.Skip()),
	}
}

// Annotations of the Group.
func (Group) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField),
	}
}

// Policy of the Group.
func (Group) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: privacy.MutationPolicy{
			rule.DenyIfNoViewer(),
			rule.GroupCreateTherapistOnly(),
			rule.GroupUpdateFacilitatorOnly(),
			privacy.AlwaysDenyRule(),
		},
		Query: privacy.QueryPolicy{
			rule.DenyIfNoViewer(),
			rule.GroupQueryMembersPastAndPresent(),
			privacy.AlwaysDenyRule(),
		},
	}
}
