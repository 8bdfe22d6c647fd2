package server_test

import "testing"

// readBudget is the most SQL statements each of the app's reads may take, whatever the size
// of the group and its history: the sign-in (the member record), the viewer's memberships
// (read once, for every rule of the request), the object, its page and total, the group's
// roster, the encouragement numbers and the accounting of reads. Raising one is a decision to make in review, with the benchmark
// (internal/bench) to show what it costs.
var readBudget = []struct {
	op        string
	therapist bool
	vars      func(g *Group) map[string]any
	max       int
}{
	{"GroupFeed", false, func(g *Group) map[string]any { return map[string]any{"groupID": g.ID, "first": 20} }, 8},
	{"GroupFeed", true, func(g *Group) map[string]any { return map[string]any{"groupID": g.ID, "first": 50} }, 8},
	{"MyReflections", false, func(*Group) map[string]any { return nil }, 8},
	{"EncouragementReceived", false, func(*Group) map[string]any { return nil }, 5},
	{"UpcomingSessions", false, func(*Group) map[string]any { return nil }, 5},
	{"GroupDigest", true, func(g *Group) map[string]any { return map[string]any{"groupID": g.ID} }, 10},
}

// TestReadStatementBudget: the app's reads stay within their statement budget for a small
// group and for a group with a history ten times longer, on both databases.
func TestReadStatementBudget(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		for _, size := range []int{2, 20} {
			g := foundedGroup(t, h)
			fillGroup(t, h, g, 4, size)
			if t.Failed() {
				return
			}
			for i := 0; i < size; i++ {
				Encourage(g.A, g.Reflect(g.B, "GROUP", "encouraged"), "")
			}
			setWeekly(g, "18:00", "")
			for _, b := range readBudget {
				c := g.A
				if b.therapist {
					c = g.Therapist
				}
				c.MustOp(b.op, b.vars(g))
				n := h.Statements(func() { c.MustOp(b.op, b.vars(g)) })
				t.Logf("%s (therapist %v, %d each): %d statements", b.op, b.therapist, size, n)
				if n > b.max {
					t.Errorf("%s (therapist %v, %d reflections each): %d statements, budget %d", b.op, b.therapist, size, n, b.max)
				}
			}
		}
	})
}
