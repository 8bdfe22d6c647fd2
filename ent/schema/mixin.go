package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
)

// TimeMixin gives an entity createdAt (orderable in connections) and updatedAt.
type TimeMixin struct {
	mixin.Schema
}

// Fields of the TimeMixin.
func (TimeMixin) Fields() []ent.Field {
	return []ent.Field{
		// created_at is when the row was written; it never changes.
		field.Time("created_at").
			Default(nowUTC).
			Immutable().
			Annotations(entgql.OrderField("CREATED_AT")),
		// updated_at is when the row last changed.
		field.Time("updated_at").
			Default(nowUTC).
			UpdateDefault(nowUTC),
	}
}

// nowUTC is the clock of stored times: always UTC, so that SQLite's text timestamps sort
// in time order whatever the server's local zone.
func nowUTC() time.Time { return time.Now().UTC() }
