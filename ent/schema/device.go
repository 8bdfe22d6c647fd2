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

// Device is a phone or tablet a member signed in on, known by its Firebase Cloud Messaging
// registration token. Only its owner can see it.
type Device struct {
	ent.Schema
}

// Mixin of the Device.
func (Device) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}}
}

// Fields of the Device.
func (Device) Fields() []ent.Field {
	return []ent.Field{
		// user_id is the member signed in on the device; it changes when someone else signs
		// in on a shared phone.
		field.Int("user_id").
			Annotations(entgql.Skip()),
		// token is the FCM registration token: a secret address of the app on that device.
		field.String("token").
			NotEmpty().
			MaxLen(2048).
			Unique().
			Sensitive().
			Annotations(entgql.Skip()),
		// platform is the device's operating system.
		field.Enum("platform").
			Values("IOS", "ANDROID", "WEB"),
		// locale is the device's language and region (BCP 47, e.g. en-US), used to word and
		// format its notifications.
		field.String("locale").
			Default("en-US").
			MaxLen(35),
		// last_seen_at is when the app last registered the device (every start).
		field.Time("last_seen_at"),
	}
}

// Hooks of the Device: last_seen_at is stamped on create, unless set (see stamp).
func (Device) Hooks() []ent.Hook {
	return []ent.Hook{stamp([]string{"last_seen_at"}, nil)}
}

// Edges of the Device.
func (Device) Edges() []ent.Edge {
	return []ent.Edge{
		// user is the member signed in on the device.
		edge.From("user", User.Type).
			Ref("devices").
			Field("user_id").
			Unique().
			Required().
			Annotations(entgql.Skip()),
	}
}

// Indexes of the Device.
func (Device) Indexes() []ent.Index {
	return []ent.Index{
		// A member's devices are looked up for every notification to them.
		index.Fields("user_id"),
	}
}

// Annotations of the Device.
func (Device) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField),
	}
}

// Policy of the Device.
func (Device) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: privacy.MutationPolicy{
			rule.DenyIfNoViewer(),
			rule.DeviceOwnerOnly(),
			privacy.AlwaysDenyRule(),
		},
		Query: privacy.QueryPolicy{
			rule.DenyIfNoViewer(),
			rule.DeviceQueryOwner(),
			privacy.AlwaysDenyRule(),
		},
	}
}
