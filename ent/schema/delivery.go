package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/processgroup/api/ent/privacy"
)

// Delivery records that one notification reached Firebase for one device, so that a
// retried job never sends it to that device twice. It holds no content.
type Delivery struct {
	ent.Schema
}

// Fields of the Delivery.
func (Delivery) Fields() []ent.Field {
	return []ent.Field{
		// key names the notification: its kind and the ids and time it is about.
		field.String("key").
			NotEmpty().
			Immutable(),
		// device_id is the device it was sent to.
		field.Int("device_id").
			Immutable(),
		// user_id is the member it was for (for deletion of their account).
		field.Int("user_id").
			Immutable(),
		// sent_at is when Firebase accepted it.
		field.Time("sent_at").
			Immutable(),
	}
}

// Hooks of the Delivery: sent_at is stamped on create, unless set (see stamp).
func (Delivery) Hooks() []ent.Hook {
	return []ent.Hook{stamp([]string{"sent_at"}, nil)}
}

// Indexes of the Delivery.
func (Delivery) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("key", "device_id").Unique(),
		index.Fields("user_id"),
		index.Fields("sent_at"),
	}
}

// Annotations of the Delivery.
func (Delivery) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Policy of the Delivery: nobody signed in reads or writes deliveries; the notification
// workers (rule.ForNotifications) and account deletion (rule.ForOwnRows) do, as the system.
func (Delivery) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
		Query:    privacy.QueryPolicy{privacy.AlwaysDenyRule()},
	}
}
