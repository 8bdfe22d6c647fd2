package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/internal/platform/lang"
	"github.com/processgroup/api/internal/rule"
)

// GroupSharingConsent is a member's consent to disclose the reflections they mark GROUP to
// the current members and facilitators of one group (42 CFR Part 2 §2.31). It is granted
// for the text version the member saw, and ends when revoked, at expires_at, or when the
// member leaves the group. Rows are never deleted while the account exists: they are the
// record of what was agreed to.
type GroupSharingConsent struct {
	ent.Schema
}

// Fields of the GroupSharingConsent.
func (GroupSharingConsent) Fields() []ent.Field {
	return []ent.Field{
		// user_id is the member who consented.
		field.Int("user_id").
			Immutable().
			Annotations(entgql.Skip()),
		// group_id is the group the consent is for.
		field.Int("group_id").
			Immutable().
			Annotations(entgql.Skip()),
		// membership_id is the member's membership of that group.
		field.Int("membership_id").
			Immutable().
			Annotations(entgql.Skip()),
		// text_version is the version of the consent text the member was shown and agreed to.
		field.Int("text_version").
			Immutable(),
		// text_language is the language of the consent text the member was shown and agreed
		// to ("en", "es"); versions are counted per language, so the pair (text_language,
		// text_version) names the text. Consents from before Spanish texts existed are "en".
		field.String("text_language").
			Default(lang.English).
			Validate(lang.Validate).
			Immutable(),
		// granted_at is when the member consented.
		field.Time("granted_at").
			Immutable(),
		// expires_at is when the consent ends by itself, if the member chose a date.
		field.Time("expires_at").
			Optional().
			Nillable().
			Immutable(),
		// revoked_at is when the member revoked it, or left the group.
		field.Time("revoked_at").
			Optional().
			Nillable(),
	}
}

// Hooks of the GroupSharingConsent: granted_at is stamped on create, unless set (see stamp).
func (GroupSharingConsent) Hooks() []ent.Hook {
	return []ent.Hook{stamp([]string{"granted_at"}, nil)}
}

// Edges of the GroupSharingConsent.
func (GroupSharingConsent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("membership", Membership.Type).
			Ref("consents").
			Field("membership_id").
			Unique().
			Required().
			Immutable().
			Annotations(entgql.Skip()),
	}
}

// Indexes of the GroupSharingConsent.
func (GroupSharingConsent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("membership_id", "revoked_at"),
		index.Fields("user_id", "group_id"),
	}
}

// Annotations of the GroupSharingConsent.
func (GroupSharingConsent) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField),
	}
}

// Policy of the GroupSharingConsent.
func (GroupSharingConsent) Policy() ent.Policy {
	return privacy.Policy{
		Mutation: privacy.MutationPolicy{
			rule.DenyIfNoViewer(),
			rule.ConsentOwnerOnly(),
			privacy.AlwaysDenyRule(),
		},
		Query: privacy.QueryPolicy{
			rule.DenyIfNoViewer(),
			rule.ConsentQueryOwner(),
			privacy.AlwaysDenyRule(),
		},
	}
}
