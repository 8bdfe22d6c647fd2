package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/processgroup/api/ent/privacy"
)

// AuditEvent is one security event, without content: who did what to which ids, and
// whether it was allowed. Operators read the table; the API neither shows nor changes it.
type AuditEvent struct {
	ent.Schema
}

// Fields of the AuditEvent.
func (AuditEvent) Fields() []ent.Field {
	return []ent.Field{
		// at is when it happened.
		field.Time("at").
			Immutable(),
		// actor_user_id is the member record of who did it, if anyone was signed in.
		field.Int("actor_user_id").
			Optional().
			Nillable().
			Immutable(),
		// action names the event, e.g. member.created, group.joined, consent.revoked, denied.
		field.String("action").
			NotEmpty().
			Immutable(),
		// group_id is the group concerned, if any.
		field.Int("group_id").
			Optional().
			Nillable().
			Immutable(),
		// subject_id is the id of the thing acted on (a membership, a reflection…), if any.
		field.Int("subject_id").
			Optional().
			Nillable().
			Immutable(),
		// detail is a fixed, content-free qualifier: an operation name or an error code.
		field.String("detail").
			Optional().
			Immutable(),
	}
}

// Hooks of the AuditEvent: at is stamped on create, unless set (see stamp).
func (AuditEvent) Hooks() []ent.Hook {
	return []ent.Hook{stamp([]string{"at"}, nil)}
}

// Indexes of the AuditEvent.
func (AuditEvent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("at"),
		index.Fields("actor_user_id", "at"),
	}
}

// Annotations of the AuditEvent.
func (AuditEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.Skip(entgql.SkipAll),
	}
}

// Policy of the AuditEvent.
func (AuditEvent) Policy() ent.Policy {
	// SECURITY: written and read by the server only (as the system).
	return privacy.Policy{
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
		Query:    privacy.QueryPolicy{privacy.AlwaysDenyRule()},
	}
}
