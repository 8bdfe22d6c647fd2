package server_test

// Encouragement between members: who may send it on what, and what becomes of it when its
// sender leaves.

import (
	"maps"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestEncouragementRules(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		id := g.Reflect(g.A, "GROUP", "could use some support")
		in := map[string]any{"clientID": uuid.NewString(), "reflectionID": id, "kind": "HUG", "message": "here for you"}
		first := g.B.MustOp("SendEncouragement", map[string]any{"input": in})
		eid := first.Str("sendEncouragement.id")
		if first.Num("sendEncouragement.reflection.encouragementCount") != 1 || first.Get("sendEncouragement.reflection.viewerHasEncouraged") != true {
			t.Fatalf("payload counts: %s", first.Raw)
		}
		if first.Str("sendEncouragement.sender.displayName") != "Ben" {
			t.Fatalf("sender: %s", first.Raw)
		}
		// A retry returns the same encouragement.
		if again := g.B.MustOp("SendEncouragement", map[string]any{"input": in}); again.Str("sendEncouragement.id") != eid {
			t.Fatalf("retry made another: %s", again.Raw)
		}
		// Same clientID, other content: CONFLICT.
		changed := maps.Clone(in)
		changed["message"] = "different words"
		if r := g.B.Op("SendEncouragement", map[string]any{"input": changed}); r.Code() != "CONFLICT" {
			t.Fatalf("want CONFLICT, got %s", r.Raw)
		}
		// A second one on the same reflection with a new clientID: one per sender and reflection.
		if r := Encourage(g.B, id, ""); r.Code() != "CONFLICT" {
			t.Fatalf("want CONFLICT for a second encouragement, got %s", r.Raw)
		}
		// Not on one's own reflection.
		if r := Encourage(g.A, id, ""); r.Code() != "FORBIDDEN" {
			t.Fatalf("own reflection: want FORBIDDEN, got %s", r.Raw)
		}
		// The facilitator may encourage too.
		if r := Encourage(g.Therapist, id, ""); len(r.Errors) > 0 {
			t.Fatal(r.Raw)
		}
		r := g.A.MustOp("Reflection", map[string]any{"id": id})
		if r.Num("node.encouragementCount") != 2 || r.Num("node.encouragements.totalCount") != 2 || r.Get("node.viewerHasEncouraged") != false {
			t.Fatalf("author's view: %s", r.Raw)
		}
		// A PRIVATE reflection cannot be encouraged by anyone (they cannot read it).
		priv := g.Reflect(g.A, "PRIVATE", "just for me")
		if r := Encourage(g.B, priv, ""); r.Code() != "NOT_FOUND" {
			t.Fatalf("private: want NOT_FOUND, got %s", r.Raw)
		}
		if r := Encourage(g.Therapist, priv, ""); r.Code() != "NOT_FOUND" {
			t.Fatalf("private, therapist: want NOT_FOUND, got %s", r.Raw)
		}
	})
}

// TestEncouragementOutlivesItsSendersMembership: encouragement is readable by whoever may
// read its reflection; once its sender has left, readers who no longer share the group with
// them see it without a sender.
func TestEncouragementOutlivesItsSendersMembership(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		id := g.Reflect(g.A, "GROUP", "long week")
		if r := Encourage(g.B, id, "thinking of you"); len(r.Errors) > 0 {
			t.Fatal(r.Raw)
		}
		g.B.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		r := g.A.MustOp("Reflection", map[string]any{"id": id})
		if r.Num("node.encouragementCount") != 1 || r.Str("node.encouragements.edges.0.node.message") != "thinking of you" {
			t.Fatalf("the author keeps the encouragement: %s", r.Raw)
		}
		if r.Get("node.encouragements.edges.0.node.sender") != nil || strings.Contains(r.Raw, "Ben") {
			t.Fatalf("the sender's name must not reach someone they no longer share a group with: %s", r.Raw)
		}
		if r := g.Therapist.MustOp("Reflection", map[string]any{"id": id}); r.Str("node.encouragements.edges.0.node.sender.displayName") != "Ben" {
			t.Fatalf("the facilitator still sees who sent it: %s", r.Raw)
		}
	})
}
