package schema

import (
	"context"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/internal/rule"
)

// Membership is one person's place in one group: how the group knows them (a display name
// chosen for that group) and their role there. It survives leaving (left_at is set) so that
// what they wrote keeps an author for the facilitators.
type Membership struct {
	ent.Schema
}

// Fields of the Membership.
func (Membership) Fields() []ent.Field {
	return []ent.Field{
		// user_id is the member record this membership belongs to.
		field.Int("user_id").
			Immutable().
			Annotations(entgql.Skip()),
		// group_id is the group this membership is in.
		field.Int("group_id").
			Immutable().
			Annotations(entgql.Skip()),
		// display_name is the name groupmates see, chosen for this group only.
		field.String("display_name").
			NotEmpty().
			MaxLen(160),
		// role is FACILITATOR for the group's therapists, MEMBER for everyone else.
		field.Enum("role").
			Values("FACILITATOR", "MEMBER").
			Default("MEMBER"),
		// joined_at is when the person last joined the group.
		field.Time("joined_at"),
		// left_at is set when the person left or was removed; access ends at that moment.
		field.Time("left_at").
			Optional().
			Nillable().
			Annotations(entgql.Skip()),
		// removed is true when a facilitator removed the person; they cannot rejoin by invite.
		field.Bool("removed").
			Default(false).
			Annotations(entgql.Skip()),
	}
}

// Hooks of the Membership: joined_at is stamped on create, unless set (see stamp); after
// any change the request's read rules forget the viewer's memberships they knew (see
// rule.ScopeChanged).
func (Membership) Hooks() []ent.Hook {
	return []ent.Hook{
		stamp([]string{"joined_at"}, nil),
		func(next ent.Mutator) ent.Mutator {
			return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
				defer rule.ScopeChanged(ctx)
				return next.Mutate(ctx, m)
			})
		},
	}
}

// Edges of the Membership.
func (Membership) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).
			Ref("memberships").
			Field("user_id").
			Unique().
			Required().
			Immutable().
			Annotations(entgql.Skip()),
		edge.From("group", Group.Type).
			Ref("memberships").
			Field("group_id").
			Unique().
			Required().
			Immutable(),
		// reflections are what the person wrote in this group.
		edge.To("reflections", Reflection.Type).
			Annotations(entgql.Skip()),
		// encouragements are what the person sent in this group.
		edge.To("encouragements", Encouragement.Type).
			Annotations(entgql.Skip()),
		// reads are the person's reads of others' reflections in this group.
		edge.To("reads", ReflectionRead.Type).
			Annotations(entgql.Skip()),
		// topics are what the person proposed to bring up in this group.
		edge.To("topics", Topic.Type).
			Annotations(entgql.Skip()),
		// attendances are the person's answers and attendance at this group's sessions.
		edge.To("attendances", Attendance.Type).
			Annotations(entgql.Skip()),
		// consents are the person's consents to share with this group, current and past.
		edge.To("consents", GroupSharingConsent.Type).
			Annotations(entgql.Skip()),
	}
}

// Indexes of the Membership.
func (Membership) Indexes() []ent.Index {
	return []ent.Index{
		// One membership per person and group; leaving and rejoining reuses it.
		index.Fields("user_id", "group_id").Unique(),
		index.Fields("group_id", "left_at"),
	}
}

// Annotations of the Membership.
func (Membership) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField),
	}
}

// Policy of the Membership.
func (Membership) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: privacy.MutationPolicy{
			rule.DenyIfNoViewer(),
			rule.MembershipCreate(),
			rule.MembershipUpdate(),
			privacy.AlwaysDenyRule(),
		},
		Query: privacy.QueryPolicy{
			rule.DenyIfNoViewer(),
			rule.MembershipQuery(),
			privacy.AlwaysDenyRule(),
		},
	}
}
