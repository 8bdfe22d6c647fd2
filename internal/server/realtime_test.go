package server_test

// Real time: the four subscriptions of realtime.graphql over graphql-transport-ws, with the
// privacy rules applied to every event.

import (
	"testing"
)

// A groupmate's GROUP reflection arrives on the group's page as ADDED, an edit as UPDATED,
// and making it private as REMOVED without content; a private one never shows.
func TestLiveFeedAddedUpdatedRemoved(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		b := g.B.Live()
		b.Subscribe("feed", "GroupFeedLive", map[string]any{"groupID": g.ID})
		g.Reflect(g.A, "PRIVATE", "only mine")
		id := g.Reflect(g.A, "GROUP", "hello group")
		r := b.Data("feed")
		if r.Str("groupFeedChanged.kind") != "ADDED" || r.Str("groupFeedChanged.reflectionID") != id ||
			r.Str("groupFeedChanged.reflection.body") != "hello group" {
			t.Fatalf("first event: %s", r.Raw)
		}
		updateReflection(g.A, id, 1, map[string]any{"body": "hello again"})
		r = b.Data("feed")
		if r.Str("groupFeedChanged.kind") != "UPDATED" || r.Str("groupFeedChanged.reflection.body") != "hello again" {
			t.Fatalf("update: %s", r.Raw)
		}
		updateReflection(g.A, id, 2, map[string]any{"visibility": "PRIVATE"})
		r = b.Data("feed")
		if r.Str("groupFeedChanged.kind") != "REMOVED" || r.Str("groupFeedChanged.reflectionID") != id || r.Get("groupFeedChanged.reflection") != nil {
			t.Fatalf("made private: %s", r.Raw)
		}
	})
}
