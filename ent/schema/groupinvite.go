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

// GroupInvite is a short code a facilitator hands out so that people can join their group.
// It expires and can be revoked.
type GroupInvite struct {
	ent.Schema
}

// Mixin of the GroupInvite.
func (GroupInvite) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}}
}

// Fields of the GroupInvite.
func (GroupInvite) Fields() []ent.Field {
	return []ent.Field{
		// group_id is the group the code lets people join.
		field.Int("group_id").
			Immutable().
			Annotations(entgql.Skip()),
		// created_by_id is the membership of the facilitator who made the code.
		field.Int("created_by_id").
			Immutable().
			Annotations(entgql.Skip()),
		// code is the secret people type to join; unique across all groups.
		field.String("code").
			NotEmpty().
			Unique().
			Immutable().
			Sensitive(),
		// expires_at is when the code stops working.
		field.Time("expires_at").
			Immutable(),
		// role is what the code makes of whoever redeems it: MEMBER, or FACILITATOR, which
		// only a therapist can redeem.
		field.Enum("role").
			Values("MEMBER", "FACILITATOR").
			Default("MEMBER").
			Immutable(),
		// revoked_at is set when a facilitator withdrew the code.
		field.Time("revoked_at").
			Optional().
			Nillable().
			Annotations(entgql.Skip()),
	}
}

// Edges of the GroupInvite.
func (GroupInvite) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("group", Group.Type).
			Ref("invites").
			Field("group_id").
			Unique().
			Required().
			Immutable(),
		edge.To("created_by", Membership.Type).
			Field("created_by_id").
			Unique().
			Required().
			Immutable().
			Annotations(entgql.Skip()),
	}
}

// Annotations of the GroupInvite.
func (GroupInvite) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField),
	}
}

// Policy of the GroupInvite.
func (GroupInvite) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: privacy.MutationPolicy{
			rule.DenyIfNoViewer(),
			rule.InviteFacilitatorOnly(),
			privacy.AlwaysDenyRule(),
		},
		Query: privacy.QueryPolicy{
			rule.DenyIfNoViewer(),
			rule.InviteQueryFacilitators(),
			privacy.AlwaysDenyRule(),
		},
	}
}
