package server_test

import (
	"testing"

	"github.com/processgroup/api/ent/topic"
)

// TestWeeklyScheduleKeepsEngagedSessions: a new weekly schedule removes the old schedule's
// sessions far ahead without a word, but not one members have written to (a topic, a
// reflection answering it) or were told has a prompt: that one is cancelled, with notice, and
// what was written to it stays attached. Before, the change of schedule failed (a topic
// holds its session) or silently cut reflections from their session.
func TestWeeklyScheduleKeepsEngagedSessions(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		for _, c := range []struct {
			name   string
			engage func(g *Group, id string)
			want   string // the session's status after, "" when removed
		}{
			{"a topic", func(g *Group, id string) { addTopics(t, h, g, id, 1, topic.StatusOPEN) }, "CANCELLED"},
			{"a reflection answering it", func(g *Group, id string) {
				g.A.MustOp("CreateReflection", map[string]any{"input": answerInput(g.ID, id, "PRIVATE", "written to the session")})
			}, "CANCELLED"},
			{"a prompt members were told of", func(g *Group, id string) {
				planSession(g.Therapist, id, map[string]any{"prompt": "What do you bring?"})
			}, "CANCELLED"},
			{"nothing", func(*Group, string) {}, ""},
		} {
			g := h.NewGroup()
			setWeekly(g, "18:00", "")
			far := farSession(t, g)
			c.engage(g, far)
			if r := g.Therapist.Op("SetWeeklySchedule", map[string]any{"groupID": g.ID, "schedule": weeklyInput("WEDNESDAY", "18:00", 90, "")}); r.Code() != "" {
				t.Errorf("%s: a new weekly schedule: %s", c.name, r.Raw)
				continue
			}
			got, _ := g.A.MustRaw(`query N($id: ID!) { node(id: $id) { ... on GroupSession { status } } }`, "N", map[string]any{"id": far}).Get("node.status").(string)
			if got != c.want {
				t.Errorf("%s: the session's status %q, want %q", c.name, got, c.want)
			}
			if n := countRows(t, h, "SELECT COUNT(*) FROM reflections WHERE session_id = $1", far); c.name == "a reflection answering it" && n != 1 {
				t.Errorf("the answer lost its session")
			}
		}
	}, startingAt(tuesdayMorning))
}
