package rule

import (
	"context"
	"sync"

	"entgo.io/ent/dialect/sql"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/internal/viewer"
)

// The read rules ask the same questions about the viewer again and again: which groups are
// they currently in, which do they facilitate, which were they ever in, which memberships
// are theirs. A scope answers them for one request. Where the server put a scope cache in
// the request's context (WithScope), the viewer's memberships are read once, in one
// statement, and the rules compare columns with the resulting lists of ids; anywhere else
// (jobs, tests of single services) each rule asks the same question as a subquery. Both
// forms say the same thing in SQL: they differ only in when the viewer's memberships are
// read, which is why a change of a membership in the request (joining, leaving) empties the
// cache (ScopeChanged) and the next rule reads them again, in the request's transaction.

// groupSet names one of the viewer's sets of groups.
type groupSet int

const (
	// groupsIn: the groups the viewer is a current member of, in any role.
	groupsIn groupSet = iota
	// groupsFacilitated: the groups the viewer currently facilitates (with the therapist role
	// in their token, see FacilitatorMembership).
	groupsFacilitated
	// groupsEver: the groups the viewer has or had a membership of.
	groupsEver
)

// scope is the viewer's memberships as the read rules use them.
type scope struct {
	v *viewer.Viewer
	// loaded is false when the sets below are not known and the predicates are subqueries.
	loaded      bool
	in          []int
	facilitated []int
	ever        []int
	memberships []int
	// byGroup is the viewer's membership (current or past) of each group of ever.
	byGroup map[int]int
}

type scopeKey struct{}

// scopeCache holds one request's scope, loaded on first use.
type scopeCache struct {
	root *ent.Client
	mu   sync.Mutex
	s    *scope
	uid  int
	// gen counts the changes of memberships made in the request (ScopeChanged).
	gen int
}

// WithScope returns a copy of ctx in which the read rules load the viewer's memberships
// once and reuse them until a membership changes (ScopeChanged). root is the client they
// are read through outside a transaction; inside one (ent.FromContext), the transaction's.
// A scope lives as long as one request: a long-lived context (a subscription, a worker)
// must not carry one, or a member removed meanwhile would keep their reach; give each
// event or job a fresh one instead.
func WithScope(ctx context.Context, root *ent.Client) context.Context {
	return context.WithValue(ctx, scopeKey{}, &scopeCache{root: root})
}

// ScopeChanged forgets the scope of the request in ctx, if any: the next rule reads the
// viewer's memberships again. The Membership schema's hook calls it after every change of a
// membership.
func ScopeChanged(ctx context.Context) {
	if c, ok := ctx.Value(scopeKey{}).(*scopeCache); ok {
		c.mu.Lock()
		c.s = nil
		c.gen++
		c.mu.Unlock()
	}
}

// MembershipChanges counts the changes of memberships made so far in the request in ctx:
// what a per-request cache of memberships compares to know that it is out of date.
func MembershipChanges(ctx context.Context) int {
	c, ok := ctx.Value(scopeKey{}).(*scopeCache)
	if !ok {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// scopeOf returns v's scope in ctx: loaded where ctx has a cache, else one of subqueries.
func scopeOf(ctx context.Context, v *viewer.Viewer) (*scope, error) {
	c, ok := ctx.Value(scopeKey{}).(*scopeCache)
	if !ok || v == nil {
		return &scope{v: v}, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.s != nil && c.uid == v.UserID {
		return c.s, nil
	}
	client := ent.FromContext(ctx)
	if client == nil {
		client = c.root
	}
	// The viewer's own memberships, read as the system: the Membership rule itself asks
	// for this scope.
	ms, err := client.Membership.Query().
		Where(membership.UserID(v.UserID)).
		Select(membership.FieldGroupID, membership.FieldRole, membership.FieldLeftAt).
		All(privacy.DecisionContext(ctx, privacy.Allow))
	if err != nil {
		return nil, err
	}
	s := newScope(v, ms)
	c.s, c.uid = s, v.UserID
	return s, nil
}

// KnownMemberships returns the viewer's membership of each group they are or were in, by
// group id, when the request in ctx has read them already and none changed since; ok is
// false otherwise (it never reads them itself: the caller asks the database as it would have).
func KnownMemberships(ctx context.Context) (byGroup map[int]int, ok bool) {
	c, found := ctx.Value(scopeKey{}).(*scopeCache)
	v := viewer.FromContext(ctx)
	if !found || v == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.s == nil || c.uid != v.UserID {
		return nil, false
	}
	return c.s.byGroup, true
}

// newScope is v's scope from their memberships, current and past.
func newScope(v *viewer.Viewer, ms []*ent.Membership) *scope {
	s := &scope{v: v, loaded: true, in: []int{}, facilitated: []int{}, ever: []int{}, memberships: []int{},
		byGroup: make(map[int]int, len(ms))}
	for _, m := range ms {
		s.ever = append(s.ever, m.GroupID)
		s.byGroup[m.GroupID] = m.ID
		s.memberships = append(s.memberships, m.ID)
		if m.LeftAt != nil {
			continue
		}
		s.in = append(s.in, m.GroupID)
		// SECURITY: as FacilitatorMembership: the membership and the therapist role both.
		if v.Therapist && m.Role == membership.RoleFACILITATOR {
			s.facilitated = append(s.facilitated, m.GroupID)
		}
	}
	return s
}

// groups is a predicate on the column col of the rows queried: col holds the id of one of the
// viewer's groups of set k.
func (s *scope) groups(col string, k groupSet) func(*sql.Selector) {
	return func(sel *sql.Selector) {
		if s.loaded {
			ids := map[groupSet][]int{groupsIn: s.in, groupsFacilitated: s.facilitated, groupsEver: s.ever}[k]
			sel.Where(inInts(sel.C(col), ids))
			return
		}
		t := sql.Table(membership.Table).As("viewer_memberships")
		sub := sql.Select(t.C(membership.FieldGroupID)).From(t).Where(sql.EQ(t.C(membership.FieldUserID), s.v.UserID))
		switch k {
		case groupsIn:
			sub.Where(sql.IsNull(t.C(membership.FieldLeftAt)))
		case groupsFacilitated:
			if !s.v.Therapist {
				sel.Where(sql.False())
				return
			}
			sub.Where(sql.And(
				sql.IsNull(t.C(membership.FieldLeftAt)),
				sql.EQ(t.C(membership.FieldRole), membership.RoleFACILITATOR.String()),
			))
		}
		sel.Where(sql.In(sel.C(col), sub))
	}
}

// own is a predicate on the column col of the rows queried: col holds the id of one of the
// viewer's memberships, current or past.
func (s *scope) own(col string) func(*sql.Selector) {
	return func(sel *sql.Selector) {
		if s.loaded {
			sel.Where(inInts(sel.C(col), s.memberships))
			return
		}
		t := sql.Table(membership.Table).As("viewer_memberships")
		sel.Where(sql.In(sel.C(col),
			sql.Select(t.C(membership.FieldID)).From(t).Where(sql.EQ(t.C(membership.FieldUserID), s.v.UserID))))
	}
}

// inInts is col IN (ids), and false for no ids.
func inInts(col string, ids []int) *sql.Predicate {
	if len(ids) == 0 {
		return sql.False()
	}
	return sql.InInts(col, ids...)
}

// facilitates reports whether the scope knows that the viewer facilitates groupID, and
// whether it knows at all.
func (s *scope) facilitates(groupID int) (yes, known bool) {
	if !s.loaded {
		return false, false
	}
	for _, id := range s.facilitated {
		if id == groupID {
			return true, true
		}
	}
	return false, true
}
