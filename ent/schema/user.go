package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/internal/platform/lang"
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
		// reminder_lead_minutes are how long before each session the member wants a reminder;
		// unset (NULL) means the default, 1440 and 60; an empty list means no reminders.
		field.JSON("reminder_lead_minutes", []int{}).
			Optional().
			Annotations(entgql.Skip()),
		// quiet_hours_start and quiet_hours_end ("HH:MM", in time_zone) bound the daily span in
		// which no push is sent; both empty means none.
		field.String("quiet_hours_start").
			Optional().
			Annotations(entgql.Skip()),
		field.String("quiet_hours_end").
			Optional().
			Annotations(entgql.Skip()),
		// time_zone is the member's own IANA zone for quiet hours and the times in their
		// notifications; empty means the zone of the group a notification is about.
		field.String("time_zone").
			Optional().
			Annotations(entgql.Skip()),
		// encouragement_pushes is whether the member wants a push when someone encourages them.
		field.Bool("encouragement_pushes").
			Default(true).
			Annotations(entgql.Skip()),
		// language is the language the member reads the app's texts in (consent, disclosure
		// notice, pushes, crisis resources): "en" or "es" (internal/platform/lang). Unset
		// (NULL) until their first device registers, which sets it from that device's locale;
		// the member changes it with setLanguage.
		field.String("language").
			Optional().
			Nillable().
			Validate(lang.Validate).
			Annotations(entgql.Skip()),
		// revoked_before, if set, is when the member signed out everywhere (whole seconds, as
		// Firebase's token times): ID tokens issued before it are refused on every server at
		// their next request, cached or not.
		field.Time("revoked_before").
			Optional().
			Nillable().
			Annotations(entgql.Skip()),
	}
}

// Edges of the User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		// memberships are the user's places in groups, current and past.
		edge.To("memberships", Membership.Type).
			Annotations(entgql.Skip()),
		// devices are the phones and tablets the member gets notifications on.
		edge.To("devices", Device.Type).
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
