package loader

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/attendance"
	attendances "github.com/processgroup/api/internal/service/attendance"
)

// newRsvp is the loader of the viewer's own answers, by session id.
func newRsvp(client func(context.Context) *ent.Client) *Loader[attendance.Rsvp] {
	return New(func(ctx context.Context, ids []int) (map[int]attendance.Rsvp, error) {
		return attendances.ViewerRsvps(ctx, client(ctx), ids)
	})
}

// ViewerRsvp is the viewer's own answer to the session id, or nil: with those of every
// session of the lists loaded so far, in one statement. In a mutation each is read again
// (one statement each): an earlier mutation of the same request may have changed them.
func (l *Reflections) ViewerRsvp(ctx context.Context, id int) (*attendance.Rsvp, error) {
	if graphql.HasOperationContext(ctx) {
		if op := graphql.GetOperationContext(ctx).Operation; op != nil && op.Operation == ast.Mutation {
			l.Rsvp.Forget()
		}
	}
	a, err := l.Rsvp.Load(ctx, id)
	if a == "" || err != nil {
		return nil, err
	}
	return &a, nil
}
