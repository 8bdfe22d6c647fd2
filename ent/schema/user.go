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

// User is the member record of one Firebase account. Only its owner can read it: groupmates
// know each other through Membership (a display name per group), never through User.
type User struct {
	ent.Schema
}

// Mixin of the User.
func (User) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}}
}

// Fields of the User.
func (User) Fields() []ent.Field {
	return []ent.Field{
		// firebase_uid is the Firebase Authentication uid; never exposed through GraphQL. When
		// the account is deleted it becomes a hash of itself (see account.Tombstone).
		field.String("firebase_uid").
			NotEmpty().
			Unique().
			Sensitive().
			Annotations(entgql.Skip()),
		// email is the address Firebase reported at sign-in, if any; never exposed to others.
		field.String("email").
			Optional().
			Sensitive().
			Annotations(entgql.Skip()),
		// therapist is the role the person's last verified token carried; a change is audited.
		field.Bool("therapist").
			Default(false).
			Annotations(entgql.Skip()),
		// phone is the number Firebase reported at sign-in, if any; never exposed to others.
		field.String("phone").
			Optional().
			Sensitive().
			Annotations(entgql.Skip()),
	}
}

// Edges of the User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		// memberships are the user's places in groups, current and past.
		edge.To("memberships", Membership.Type).
			Annotations(entgql.Skip()),
		// reflections are everything the user wrote, in every group.
		edge.To("reflections", Reflection.Type).
			Annotations(
				entgql.RelayConnection(),
				entgql.Skip(entgql.SkipWhereInput),
			),
	}
}

// Annotations of the User.
func (User) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField),
	}
}

// Policy of the User.
func (User) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: privacy.MutationPolicy{
			rule.DenyIfNoViewer(),
			rule.UserMutationSelfOnly(),
			privacy.AlwaysDenyRule(),
		},
		Query: privacy.QueryPolicy{
			rule.DenyIfNoViewer(),
			rule.UserQuerySelfOnly(),
			privacy.AlwaysDenyRule(),
		},
	}
}
