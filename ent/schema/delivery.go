package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/processgroup/api/ent/privacy"
)

// Delivery is one notification for one device, claimed before it is sent, so that neither a
// retried job nor another server sends it to that device twice. A worker writes the claim
// (state SENDING) in a statement of its own just before the message goes to Firebase, and
// marks it SENT once Firebase has accepted it, or deletes it when the message certainly did
// not go out (so that a retry may send it). It holds no content.
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
		// sent_at is when the send was claimed, just before the message went to Firebase.
		field.Time("sent_at").
			Immutable(),
		// state is SENDING from the claim until Firebase accepts the message, then SENT. A
		// SENDING row whose attempt has ended is a send whose outcome is unknown (its server
		// died, or Firebase did not answer after the message had gone out): it counts as sent
		// and is not sent again. Rows from before claims existed were all sent.
		field.Enum("state").
			Values("SENDING", "SENT").
			Default("SENT"),
		// attempt is the job attempt that claimed it (River job id and attempt number): the
		// only attempt that may send it, mark it sent or give it back.
		field.String("attempt").
			Optional(),
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
