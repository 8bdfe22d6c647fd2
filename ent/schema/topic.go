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

// Topic is something a member wants to bring up at an upcoming session of their group. Its
// text is health information: it is read by the same rules as a reflection of the same
// visibility, and a withdrawn topic by its author only.
type Topic struct {
	ent.Schema
}

// Mixin of the Topic.
func (Topic) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}}
}

// Fields of the Topic.
func (Topic) Fields() []ent.Field {
	return []ent.Field{
		// client_id is the UUID the app chose, so that a retried proposal never proposes twice.
		field.UUID("client_id", uuid.UUID{}).
			Immutable().
			Annotations(entgql.Type("UUID")),
		// user_id is the author's member record (denormalised from author for privacy filters).
		field.Int("user_id").
			Immutable().
			Annotations(entgql.Skip()),
		// group_id is the group of the session.
		field.Int("group_id").
			Immutable().
			Annotations(entgql.Skip()),
		// session_id is the session the author wants to bring it up at.
		field.Int("session_id").
			Immutable().
			Annotations(entgql.Skip()),
		// author_id is the author's membership in the group.
		field.Int("author_id").
			Immutable().
			Annotations(entgql.Skip()),
		// text is what the author wants to bring up; emptied when the author deletes their
		// account.
		field.Text("text").
			Sensitive().
			ValueScanner(sealed.Column{Name: "topics.text"}).
			Annotations(entgql.Skip()), // in schema/topics.graphql: reading it is accounted
		// visibility is who besides the author may read it: the group's facilitators, or the
		// whole group (which needs the author's consent to share, as a GROUP reflection).
		field.Enum("visibility").
			Values("FACILITATORS", "GROUP").
			Default("FACILITATORS").
			Immutable(),
		// status is OPEN until a facilitator marks it discussed or its author withdraws it.
		field.Enum("status").
			Values("OPEN", "DISCUSSED", "WITHDRAWN").
			Default("OPEN"),
		// create_digest is a keyed fingerprint (HMAC) of the proposal, so that a retry with
		// the same clientID is recognised, and one with other content refused.
		field.String("create_digest").
			Sensitive().
			Annotations(entgql.Skip()),
		// deleted_at is set when the author deleted their account; the text is gone.
		field.Time("deleted_at").
			Optional().
			Nillable().
			Annotations(entgql.Skip()),
	}
}

// Edges of the Topic.
func (Topic) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("group", Group.Type).
			Ref("topics").
			Field("group_id").
			Unique().
			Required().
			Immutable().
			Annotations(entgql.Skip()),
		// session is in schema/topics.graphql, nullable: an author who left the group still
		// reads their topic, but no longer its group's sessions.
		edge.From("session", GroupSession.Type).
			Ref("topics").
			Field("session_id").
			Unique().
			Required().
			Immutable().
			Annotations(entgql.Skip()),
		// author is in schema/topics.graphql: it resolves through the request's roster of the
		// group (internal/graphql/loader).
		edge.From("author", Membership.Type).
			Ref("topics").
			Field("author_id").
			Unique().
			Required().
			Immutable().
			Annotations(entgql.Skip()),
		// reads are the accounting of who read it.
		edge.To("reads", ReflectionRead.Type).
			Annotations(entgql.Skip()),
	}
}

// Indexes of the Topic.
func (Topic) Indexes() []ent.Index {
	return []ent.Index{
		// A client id is unique per author: the key of idempotent proposals.
		index.Fields("user_id", "client_id").Unique(),
		index.Fields("session_id", "created_at"),
		index.Fields("group_id", "status"),
	}
}

// Annotations of the Topic.
func (Topic) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.Skip(entgql.SkipWhereInput),
	}
}

// Policy of the Topic.
func (Topic) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: privacy.MutationPolicy{
			rule.DenyIfNoViewer(),
			rule.TopicCreate(),
			rule.TopicUpdate(),
			privacy.AlwaysDenyRule(),
		},
		Query: privacy.QueryPolicy{
			rule.DenyIfNoViewer(),
			rule.TopicQuery(),
			privacy.AlwaysDenyRule(),
		},
	}
}
