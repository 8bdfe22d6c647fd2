package schema

import (
	"context"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"

	"github.com/processgroup/api/internal/platform/clock"
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
			Immutable().
			Annotations(entgql.OrderField("CREATED_AT")),
		// updated_at is when the row last changed.
		field.Time("updated_at"),
	}
}

// Hooks of the TimeMixin: created_at and updated_at are stamped (see stamp).
func (TimeMixin) Hooks() []ent.Hook {
	return []ent.Hook{stamp([]string{"created_at", "updated_at"}, []string{"updated_at"})}
}

// stamp sets the time fields onCreate on a create, and onUpdate on an update, when the write
// does not set them itself, to the application's clock in the context (clock.FromContext):
// the same clock as the rest of the application, so that a test that moves time moves these
// too. Stored times are UTC, so that SQLite's text timestamps sort in time order whatever the
// server's local zone.
func stamp(onCreate, onUpdate []string) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			var fields []string
			switch {
			case m.Op().Is(ent.OpCreate):
				fields = onCreate
			case m.Op().Is(ent.OpUpdate | ent.OpUpdateOne):
				fields = onUpdate
			}
			if len(fields) > 0 {
				now := clock.FromContext(ctx).Now().UTC()
				for _, f := range fields {
					if _, set := m.Field(f); set {
						continue
					}
					if err := m.SetField(f, now); err != nil {
						return nil, err
					}
				}
			}
			return next.Mutate(ctx, m)
		})
	}
}
