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
