package loader

import (
	"context"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/encouragement"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/internal/rule"
	"github.com/processgroup/api/internal/viewer"
)

// Reflections holds the per-request loaders of numbers about reflections.
type Reflections struct {
	// EncouragementCount is how many encouragements the viewer can see on a reflection.
	EncouragementCount *Loader[int]
	// ViewerEncouraged is whether the viewer sent encouragement on a reflection.
	ViewerEncouraged *Loader[bool]
	// AttentionVisible is, by group id, whether the viewer may see crisis marks there.
	AttentionVisible *Loader[bool]
}

type ctxKey struct{}

// NewReflections returns fresh loaders for one request. They query through the transaction
// in the context when there is one, else through root; either way as the viewer, so privacy
// rules apply to what they count.
func NewReflections(root *ent.Client) *Reflections {
	client := func(ctx context.Context) *ent.Client {
		if c := ent.FromContext(ctx); c != nil {
			return c
		}
		return root
	}
	return &Reflections{
		EncouragementCount: New(func(ctx context.Context, ids []int) (map[int]int, error) {
			var rows []struct {
				ReflectionID int `json:"reflection_id"`
				Count        int `json:"count"`
			}
			err := client(ctx).Encouragement.Query().
				Where(encouragement.ReflectionIDIn(ids...)).
				GroupBy(encouragement.FieldReflectionID).
				Aggregate(ent.Count()).
				Scan(ctx, &rows)
			if err != nil {
				return nil, err
			}
			out := make(map[int]int, len(rows))
			for _, r := range rows {
				out[r.ReflectionID] = r.Count
			}
			return out, nil
		}),
		ViewerEncouraged: New(func(ctx context.Context, ids []int) (map[int]bool, error) {
			v := viewer.FromContext(ctx)
			if v == nil {
				return nil, nil
			}
			got, err := client(ctx).Encouragement.Query().
				Where(
					encouragement.ReflectionIDIn(ids...),
					encouragement.HasSenderWith(membership.UserID(v.UserID)),
				).
				Select(encouragement.FieldReflectionID).
				Ints(ctx)
			if err != nil {
				return nil, err
			}
			out := make(map[int]bool, len(got))
			for _, id := range got {
				out[id] = true
			}
			return out, nil
		}),
		AttentionVisible: New(func(ctx context.Context, groupIDs []int) (map[int]bool, error) {
			return rule.AttentionVisible(ctx, client(ctx), groupIDs)
		}),
	}
}

// NewContext returns a copy of ctx that carries l.
func NewContext(ctx context.Context, l *Reflections) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// FromContext returns the request's loaders, or nil outside a request.
func FromContext(ctx context.Context) *Reflections {
	l, _ := ctx.Value(ctxKey{}).(*Reflections)
	return l
}

// HintInterceptor hints the ids of every list of reflections ent loads in a request to the
// request's loaders, so that their numbers are fetched in one statement per list.
func HintInterceptor() ent.Interceptor {
	return ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			v, err := next.Query(ctx, q)
			if err != nil {
				return v, err
			}
			if rs, ok := v.([]*ent.Reflection); ok && len(rs) > 1 {
				if l := FromContext(ctx); l != nil {
					ids := make([]int, len(rs))
					for i, r := range rs {
						ids[i] = r.ID
					}
					l.EncouragementCount.Hint(ids...)
					l.ViewerEncouraged.Hint(ids...)
				}
			}
			return v, err
		})
	})
}
