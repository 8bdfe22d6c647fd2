package loader

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"entgo.io/ent/dialect/sql"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/attendance"
	"github.com/processgroup/api/ent/encouragement"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/internal/rule"
	attendances "github.com/processgroup/api/internal/service/attendance"
	"github.com/processgroup/api/internal/viewer"
)

// Reflections holds the per-request loaders of numbers about reflections.
type Reflections struct {
	// Encouragement is, by reflection, how many encouragements the viewer can see on it and
	// whether the viewer sent one of them: both from one statement.
	Encouragement *Loader[Encouraged]
	// AttentionVisible is, by group id, whether the viewer may see crisis marks there.
	AttentionVisible *Loader[bool]
	// Roster is, by group id, the memberships of the group the viewer may see (the
	// Membership rule decides): the group's member list and its reflections' authors.
	Roster *Loader[[]*ent.Membership]
	// Rsvp is, by session id, the viewer's own answer to it ("" for none).
	Rsvp *Loader[attendance.Rsvp]
	// Attendance is, by session id, its attendance list (attendances.List).
	Attendance *Loader[[]attendances.Row]
	// Session is, by id, a session as the viewer may read it (nil: not there for them):
	// the sessions of topics.
	Session *Loader[*ent.GroupSession]
	// sessions holds the sessions Attendance may be asked about, by id.
	sessions sync.Map
	// rosterGen is the count of membership changes (rule.MembershipChanges) Roster is
	// current with: a change in the request (a mutation) makes it load again.
	rosterGen atomic.Int64
}

// Encouraged is what the viewer can see of the encouragement on one reflection.
type Encouraged struct {
	// Count is how many encouragements the viewer can see on it.
	Count int
	// Mine is whether the viewer sent one of them.
	Mine bool
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
	l := &Reflections{
		Rsvp:    newRsvp(client),
		Session: newSession(client),
		Encouragement: New(func(ctx context.Context, ids []int) (map[int]Encouraged, error) {
			v := viewer.FromContext(ctx)
			if v == nil {
				return nil, nil
			}
			var rows []struct {
				ReflectionID int `json:"reflection_id"`
				Count        int `json:"count"`
				Mine         int `json:"mine"`
			}
			err := client(ctx).Encouragement.Query().
				Where(encouragement.ReflectionIDIn(ids...)).
				GroupBy(encouragement.FieldReflectionID).
				Aggregate(ent.Count(), sentBy(v.UserID)).
				Scan(ctx, &rows)
			if err != nil {
				return nil, err
			}
			out := make(map[int]Encouraged, len(rows))
			for _, r := range rows {
				out[r.ReflectionID] = Encouraged{Count: r.Count, Mine: r.Mine > 0}
			}
			return out, nil
		}),
		AttentionVisible: New(func(ctx context.Context, groupIDs []int) (map[int]bool, error) {
			return rule.AttentionVisible(ctx, client(ctx), groupIDs)
		}),
		Roster: New(func(ctx context.Context, groupIDs []int) (map[int][]*ent.Membership, error) {
			ms, err := client(ctx).Membership.Query().
				Where(membership.GroupIDIn(groupIDs...)).
				Order(membership.ByRole(), membership.ByJoinedAt(), membership.ByID()).
				All(ctx)
			if err != nil {
				return nil, err
			}
			out := make(map[int][]*ent.Membership, len(groupIDs))
			for _, m := range ms {
				out[m.GroupID] = append(out[m.GroupID], m)
			}
			return out, nil
		}),
	}
	l.Attendance = newAttendance(client, l)
	return l
}

// Author is the author of r as the viewer may see them: NotFound when the Membership rule
// hides them (as an edge query would answer).
func (l *Reflections) Author(ctx context.Context, r *ent.Reflection) (*ent.Membership, error) {
	ms, err := l.roster(ctx, r.GroupID)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.ID == r.AuthorID {
			return m, nil
		}
	}
	return nil, &ent.NotFoundError{}
}

// TopicAuthor is the author of t as the viewer may see them, from the same roster as the
// authors of reflections: NotFound when the Membership rule hides them.
func (l *Reflections) TopicAuthor(ctx context.Context, t *ent.Topic) (*ent.Membership, error) {
	ms, err := l.roster(ctx, t.GroupID)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.ID == t.AuthorID {
			return m, nil
		}
	}
	return nil, &ent.NotFoundError{}
}

// roster loads the roster of groupID, again if memberships changed since it was loaded.
func (l *Reflections) roster(ctx context.Context, groupID int) ([]*ent.Membership, error) {
	if gen := int64(rule.MembershipChanges(ctx)); l.rosterGen.Swap(gen) != gen {
		l.Roster.Forget()
	}
	return l.Roster.Load(ctx, groupID)
}

// Members is the current members of groupID the viewer may see, facilitators first, then
// in the order they joined.
func (l *Reflections) Members(ctx context.Context, groupID int) ([]*ent.Membership, error) {
	ms, err := l.roster(ctx, groupID)
	if err != nil {
		return nil, err
	}
	out := make([]*ent.Membership, 0, len(ms))
	for _, m := range ms {
		if m.LeftAt == nil {
			out = append(out, m)
		}
	}
	return out, nil
}

// sentBy is the aggregate "mine": 1 when one of the encouragements of the group of rows was
// sent through one of userID's memberships, else 0.
func sentBy(userID int) ent.AggregateFunc {
	return func(s *sql.Selector) string {
		t := sql.Table(membership.Table).As("sender")
		b := sql.Dialect(s.Dialect()).Select(t.C(membership.FieldID)).From(t).
			Where(sql.P(func(b *sql.Builder) {
				// An integer of our own, not input: written into the statement as a literal.
				b.Ident(t.C(membership.FieldUserID)).WriteOp(sql.OpEQ).WriteString(strconv.Itoa(userID))
			}))
		sub, _ := b.Query()
		return sql.As(fmt.Sprintf("MAX(CASE WHEN %s IN (%s) THEN 1 ELSE 0 END)", s.C(encouragement.FieldSenderID), sub), "mine")
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

// HintInterceptor hints the ids of every list of reflections (and topics, groups, sessions)
// ent loads in a request to the request's loaders, so that their numbers are fetched in one
// statement per list.
func HintInterceptor() ent.Interceptor {
	return ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			v, err := next.Query(ctx, q)
			if err != nil {
				return v, err
			}
			l := FromContext(ctx)
			if l == nil {
				return v, err
			}
			switch v := v.(type) {
			case []*ent.Reflection:
				if len(v) > 1 {
					ids := make([]int, len(v))
					for i, r := range v {
						ids[i] = r.ID
						l.Roster.Hint(r.GroupID)
					}
					l.Encouragement.Hint(ids...)
				}
			case []*ent.Topic:
				if len(v) > 1 {
					for _, t := range v {
						l.Roster.Hint(t.GroupID)
						l.Session.Hint(t.SessionID)
					}
				}
			case []*ent.GroupSession:
				if len(v) > 1 {
					l.hintSessions(v)
				}
			case []*ent.Group:
				if len(v) > 1 {
					for _, g := range v {
						l.Roster.Hint(g.ID)
					}
				}
			}
			return v, err
		})
	})
}
