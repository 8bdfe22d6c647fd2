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

// Encouragement is what a peer sends on a reflection they can read: a kind and, optionally,
// a short message. Whoever may read the reflection may read its encouragement, unless it was
// moderated: the reflection's author no longer sees what they reported, and only the group's
// facilitators and its sender see what a facilitator hid.
type Encouragement struct {
	ent.Schema
}

// Mixin of the Encouragement.
func (Encouragement) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}}
}

// Fields of the Encouragement.
func (Encouragement) Fields() []ent.Field {
	return []ent.Field{
		// client_id is the UUID the app chose, so that a retried send never sends twice.
		field.UUID("client_id", uuid.UUID{}).
			Immutable().
			Annotations(entgql.Type("UUID")),
		// reflection_id is the reflection it was sent on.
		field.Int("reflection_id").
			Immutable().
			Annotations(entgql.Skip()),
		// sender_id is the sender's membership in the reflection's group. Readers who no longer
		// share a group with the sender (an author who left) see the encouragement without it.
		field.Int("sender_id").
			Optional().
			Immutable().
			Annotations(entgql.Skip()),
		// kind is the gesture the sender chose.
		field.Enum("kind").
			Values("HEART", "HUG", "STRENGTH", "RELATE", "PROUD").
			Immutable(),
		// message is the optional short text that goes with it; empty if none.
		field.Text("message").
			Optional().
			Immutable().
			Sensitive().
			ValueScanner(sealed.Column{Name: "encouragements.message"}),
		// reported_at is when the reflection's author reported it as hurtful; from then on
		// it is hidden from them and waits in the facilitators' moderation queue.
		field.Time("reported_at").
			Optional().
			Nillable().
			Annotations(entgql.Skip()),
		// report_reason is what the author said about it, for the facilitators; empty if
		// nothing.
		field.Text("report_reason").
			Optional().
			Sensitive().
			ValueScanner(sealed.Column{Name: "encouragements.report_reason"}).
			Annotations(entgql.Skip()),
		// hidden_at is when a facilitator hid it; from then on only the group's facilitators
		// and its sender see it.
		field.Time("hidden_at").
			Optional().
			Nillable().
			Annotations(entgql.Skip()),
		// hide_reason is the facilitator's note on hiding it; empty if none.
		field.Text("hide_reason").
			Optional().
			Sensitive().
			ValueScanner(sealed.Column{Name: "encouragements.hide_reason"}).
			Annotations(entgql.Skip()),
	}
}

// Edges of the Encouragement.
func (Encouragement) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("reflection", Reflection.Type).
			Ref("encouragements").
			Field("reflection_id").
			Unique().
			Required().
			Immutable(),
		edge.From("sender", Membership.Type).
			Ref("encouragements").
			Field("sender_id").
			Unique().
			Immutable(),
	}
}

// Indexes of the Encouragement.
func (Encouragement) Indexes() []ent.Index {
	return []ent.Index{
		// One encouragement per sender and reflection.
		index.Fields("reflection_id", "sender_id").Unique(),
		// A client id is unique per sender: the key of idempotent sends.
		index.Fields("sender_id", "client_id").Unique(),
	}
}

// Annotations of the Encouragement.
func (Encouragement) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.Skip(entgql.SkipWhereInput),
	}
}

// Policy of the Encouragement.
func (Encouragement) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: privacy.MutationPolicy{
			rule.DenyIfNoViewer(),
			rule.EncouragementCreate(),
			rule.EncouragementDeleteByReflectionAuthor(),
			rule.EncouragementReportByRecipient(),
			rule.EncouragementHideByFacilitator(),
			privacy.AlwaysDenyRule(),
		},
		Query: privacy.QueryPolicy{
			rule.DenyIfNoViewer(),
			rule.EncouragementQuery(),
			privacy.AlwaysDenyRule(),
		},
	}
}
