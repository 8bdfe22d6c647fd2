package server_test

// Whether something the viewer may not see exists is told neither by the answer nor by
// the work done before it: a denied read and a read of nothing take the same statements
// until the answer is sent, and the denial is audited after it (follow-ups). With the
// follow-ups run on demand, what a request did before its answer is counted exactly.

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/processgroup/api/internal/server"
)

// statementLog records the text of the statements sent while it is on.
type statementLog struct {
	mu   sync.Mutex
	on   bool
	list []string
}

func (l *statementLog) note(q string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.on {
		l.list = append(l.list, q)
	}
}

// during returns the statements sent while f ran.
func (l *statementLog) during(f func()) []string {
	l.mu.Lock()
	l.on, l.list = true, nil
	l.mu.Unlock()
	f()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on = false
	return l.list
}

// TestDeniedReadAnsweredLikeMissing: node(id:), nodes(ids:) and a mutation on an object the
// viewer may not see are answered exactly as on one that does not exist, after the same
// SQL statements; only after the answer is sent is the denial audited, and only for what
// exists.
func TestDeniedReadAnsweredLikeMissing(t *testing.T) {
	t.Parallel()
	dbs := map[string]func(testing.TB) string{"sqlite": sqliteURL}
	if postgresURL() != "" {
		dbs["postgres"] = postgresDB
	}
	for name, dbURL := range dbs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			log := &statementLog{}
			h := newH(t, dbURL(t), withServer(server.WithFollowUpsOnDemand()), withDriver(func(d dialect.Driver) dialect.Driver {
				return faultDriver{Driver: d, before: log.note}
			}))
			deniedLikeMissing(t, h, log)
		})
	}
}

func deniedLikeMissing(t *testing.T, h *H, log *statementLog) {
	{
		g := h.NewGroup()
		hidden := g.Reflect(g.A, "PRIVATE", "MARKER-hidden")
		missing := madeUpID(t, hidden)
		requests := []struct {
			name string
			send func(id string) *Resp
		}{
			{"node", func(id string) *Resp { return g.Outsider.Op("Reflection", map[string]any{"id": id}) }},
			{"nodes", func(id string) *Resp {
				return g.Outsider.Raw(`query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id } }`, "Nodes", map[string]any{"ids": []string{id, id}})
			}},
			{"mutation", func(id string) *Resp {
				return g.Outsider.Op("DeleteReflection", map[string]any{"id": id})
			}},
		}
		h.App.RunFollowUps()
		denials := func() int { return countRows(t, h, "SELECT COUNT(*) FROM audit_events WHERE action = 'denied'") }
		for _, rq := range requests {
			t.Run(rq.name, func(t *testing.T) {
				// Warm up both (first statements of a kind may differ: prepared, cached).
				rq.send(hidden)
				rq.send(missing)
				h.App.RunFollowUps()
				before := denials()
				var answers [2]string
				var statements [2][]string
				for round := 0; round < 3; round++ {
					for i, id := range []string{hidden, missing} {
						var r *Resp
						statements[i] = log.during(func() { r = rq.send(id) })
						noLeak(t, rq.name, r, "MARKER")
						answers[i] = fmt.Sprint(r.Status, " ", normalizeID(r.Raw, id))
					}
					if answers[0] != answers[1] {
						t.Errorf("round %d: answers differ:\n hidden:  %s\n missing: %s", round, answers[0], answers[1])
					}
					if !slices.Equal(statements[0], statements[1]) {
						t.Errorf("round %d: before the answer, a denied read ran %d statements and a missing one %d:\n%q\n%q",
							round, len(statements[0]), len(statements[1]), statements[0], statements[1])
					}
				}
				if n := denials(); n != before {
					t.Errorf("%d denials written before the answers", n-before)
				}
				// After the answers: the three denied reads audited; the misses were of nothing.
				// An answer with NOT_FOUND errors (nodes, a mutation) is audited by its code
				// too, whatever it named: twice a round.
				h.App.RunFollowUps()
				added := denials() - before
				want := map[string]int{"node": 3, "nodes": 3 + 6, "mutation": 6}[rq.name]
				if added != want {
					t.Errorf("%d denials audited, want %d", added, want)
				}
			})
		}
	}
}

// normalizeID replaces id in an answer, so that answers about two ids can be compared.
func normalizeID(raw, id string) string {
	return strings.ReplaceAll(raw, id, "<id>")
}
