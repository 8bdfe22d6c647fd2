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

// ReflectionRead is one read of a reflection's content by someone other than its author:
// the accounting of disclosures the author may see. Records are written by the server only,
// never changed or deleted through the API, and outlive the reflection's content.
type ReflectionRead struct {
	ent.Schema
}

// Fields of the ReflectionRead.
func (ReflectionRead) Fields() []ent.Field {
	return []ent.Field{
		// author_user_id is the reflection's author, whose accounting this is.
		field.Int("author_user_id").
			Immutable().
			Annotations(entgql.Skip()),
		// reflection_id is the reflection that was read.
		field.Int("reflection_id").
			Optional().
			Immutable().
			Annotations(entgql.Skip()),
		// topic_id is the topic that was read, when the read was of a topic rather than a
		// reflection.
		field.Int("topic_id").
			Optional().
			Nillable().
			Immutable().
			Annotations(entgql.Skip()),
		// reader_id is the reader's membership of the reflection's group; empty once that
		// membership no longer exists (the reader deleted their account).
		field.Int("reader_id").
			Optional().
			Immutable().
			Annotations(entgql.Skip()),
		// read_at is when the content was read.
		field.Time("read_at").
			Immutable().
			Annotations(entgql.OrderField("READ_AT")),
	}
}

// Hooks of the ReflectionRead: read_at is stamped on create, unless set (see stamp).
func (ReflectionRead) Hooks() []ent.Hook {
	return []ent.Hook{stamp([]string{"read_at"}, nil)}
}

// Edges of the ReflectionRead.
func (ReflectionRead) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("reflection", Reflection.Type).
			Ref("reads").
			Field("reflection_id").
			Unique().
			Immutable(),
		edge.From("topic", Topic.Type).
			Ref("reads").
			Field("topic_id").
			Unique().
			Immutable(),
		edge.From("reader", Membership.Type).
			Ref("reads").
			Field("reader_id").
			Unique().
			Immutable(),
	}
}

// Indexes of the ReflectionRead.
func (ReflectionRead) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("author_user_id", "read_at"),
	}
}

// Annotations of the ReflectionRead.
func (ReflectionRead) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.Skip(entgql.SkipWhereInput),
	}
}

// Policy of the ReflectionRead.
func (ReflectionRead) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: privacy.MutationPolicy{
			// SECURITY: written by the server only (as the system), never changed or deleted.
			privacy.AlwaysDenyRule(),
		},
		Query: privacy.QueryPolicy{
			rule.DenyIfNoViewer(),
			rule.ReadsQueryAuthor(),
			privacy.AlwaysDenyRule(),
		},
	}
}
