package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/google/uuid"

	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/internal/platform/sealed"
	"github.com/processgroup/api/internal/rule"
)

// Reflection is a short journal entry a member writes in one of their groups, with the
// audience they chose for it. Its text is health information.
type Reflection struct {
	ent.Schema
}

// Mixin of the Reflection.
func (Reflection) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}}
}

// Fields of the Reflection.
func (Reflection) Fields() []ent.Field {
	return []ent.Field{
		// client_id is the UUID the app chose, so that a retried create never creates twice.
		field.UUID("client_id", uuid.UUID{}).
			Immutable().
			Annotations(entgql.Type("UUID"), entgql.Skip(entgql.SkipWhereInput)),
		// user_id is the author's member record (denormalised from author for privacy filters).
		field.Int("user_id").
			Immutable().
			Annotations(entgql.Skip()),
		// group_id is the group the reflection was written in.
		field.Int("group_id").
			Immutable().
			Annotations(entgql.Skip()),
		// author_id is the author's membership in the group.
		field.Int("author_id").
			Immutable().
			Annotations(entgql.Skip()),
		// body is the free text; emptied when the reflection is deleted.
		field.Text("body").
			Sensitive().
			ValueScanner(sealed.Column{Name: "reflections.body"}).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		// mood is how the author felt, 1 (worst) to 10 (best); 0 once deleted.
		field.Int("mood").
			Range(0, 10).
			Annotations(entgql.Skip()), // in schema/app.graphql: reading it is accounted

		// craving is how strong the urge to use was, 0 (none) to 10; 0 once deleted.
		field.Int("craving").
			Range(0, 10).
			Annotations(entgql.Skip()), // in schema/app.graphql: reading it is accounted

		// prompt is the journaling prompt the author answered; empty if none.
		field.Text("prompt").
			Optional().
			Sensitive().
			ValueScanner(sealed.Column{Name: "reflections.prompt"}).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		// visibility is who besides the author may read it.
		field.Enum("visibility").
			Values("PRIVATE", "FACILITATORS", "GROUP").
			Default("PRIVATE"),
		// version starts at 1 and goes up by one on every update (optimistic concurrency).
		field.Int("version").
			Default(1).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		// needs_attention marks crisis language, for the group's facilitators only.
		field.Bool("needs_attention").
			Default(false).
			Annotations(entgql.Skip()),
		// create_digest is a keyed fingerprint (HMAC) of the create request, so that a retried
		// create is recognised even after the reflection was edited; emptied on delete.
		field.String("create_digest").
			Sensitive().
			Annotations(entgql.Skip()),
		// session_id is the session whose prompt the reflection answers, if any (a session of
		// the same group).
		field.Int("session_id").
			Optional().
			Nillable().
			Immutable().
			Annotations(entgql.Skip()),
		// deleted_at is set when the author deleted it; the content is gone, the row keeps the
		// client id so that a late retry of the create cannot bring it back.
		field.Time("deleted_at").
			Optional().
			Nillable().
			Annotations(entgql.Skip()),
	}
}

// Edges of the Reflection.
func (Reflection) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("owner", User.Type).
			Ref("reflections").
			Field("user_id").
			Unique().
			Required().
			Immutable().
			Annotations(entgql.Skip()),
		edge.From("group", Group.Type).
			Ref("reflections").
			Field("group_id").
			Unique().
			Required().
			Immutable(),
		// author is in schema/app.graphql: it resolves through the request's roster of the
		// group (internal/graphql/loader), with the group's member list, in one statement.
		edge.From("author", Membership.Type).
			Ref("reflections").
			Field("author_id").
			Unique().
			Required().
			Immutable().
			Annotations(entgql.Skip()),
		// session is the session whose prompt it answers, if any.
		edge.From("session", GroupSession.Type).
			Ref("reflections").
			Field("session_id").
			Unique().
			Immutable(),
		// reads are the accounting of who read it.
		edge.To("reads", ReflectionRead.Type).
			Annotations(entgql.Skip()),
		// encouragements are what peers sent on it.
		edge.To("encouragements", Encouragement.Type).
			Annotations(
				entgql.RelayConnection(),
				entgql.Skip(entgql.SkipWhereInput),
			),
	}
}

// Indexes of the Reflection.
func (Reflection) Indexes() []ent.Index {
	return []ent.Index{
		// A client id is unique per author: the key of idempotent creates.
		index.Fields("user_id", "client_id").Unique(),
		index.Fields("group_id", "created_at"),
		index.Fields("user_id", "created_at"),
		index.Fields("session_id"),
	}
}

// Annotations of the Reflection.
func (Reflection) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
	}
}

// Policy of the Reflection.
func (Reflection) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: privacy.MutationPolicy{
			rule.DenyIfNoViewer(),
			rule.ReflectionCreate(),
			rule.ReflectionAuthorOnly(),
			privacy.AlwaysDenyRule(),
		},
		Query: privacy.QueryPolicy{
			rule.DenyIfNoViewer(),
			rule.ReflectionQuery(),
			privacy.AlwaysDenyRule(),
		},
	}
}
