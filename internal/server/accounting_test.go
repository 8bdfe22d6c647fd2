package server_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/processgroup/api/internal/firebase/authemu"
)

// TestAccountingOfReads: every read of a reflection's content by someone else is recorded,
// once per request, and only its author sees the records, which outlive the content.
func TestAccountingOfReads(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		id := g.Reflect(g.A, "GROUP", "read me")
		g.A.MustOp("Reflection", map[string]any{"id": id})                                                                 // the author: not a disclosure
		g.B.MustOp("Reflection", map[string]any{"id": id})                                                                 // Ben, by node
		g.Therapist.MustOp("GroupFeed", map[string]any{"groupID": g.ID})                                                   // the therapist, in the feed
		g.B.Raw(`query($id: ID!) { node(id: $id) { id ... on Reflection { visibility } } }`, "", map[string]any{"id": id}) // no content read

		r := g.A.MustOp("MyReflectionReads", nil)
		if r.Num("viewer.reflectionReads.totalCount") != 2 {
			t.Fatalf("want 2 reads: %s", r.Raw)
		}
		readers := map[string]bool{}
		for i := 0; i < 2; i++ {
			readers[r.Str(fmt.Sprintf("viewer.reflectionReads.edges.%d.node.reader.displayName", i))] = true
			if r.Str(fmt.Sprintf("viewer.reflectionReads.edges.%d.node.reflection.id", i)) != id {
				t.Fatalf("read of another reflection: %s", r.Raw)
			}
		}
		if !readers["Ben"] || !readers["Dr. T"] {
			t.Fatalf("readers: %v", readers)
		}
		// Nobody else sees them.
		if n := g.B.MustOp("MyReflectionReads", nil).Num("viewer.reflectionReads.totalCount"); n != 0 {
			t.Fatalf("Ben sees %d reads of others' reflections", n)
		}
		readID := r.Str("viewer.reflectionReads.edges.0.node.id")
		for _, c := range []*Client{g.B, g.Therapist} {
			if rr := c.Raw(`query($id: ID!) { node(id: $id) { id } }`, "", map[string]any{"id": readID}); rr.Get("node") != nil {
				t.Fatalf("someone else reads a read record: %s", rr.Raw)
			}
		}
		// They outlive the reflection's content.
		g.A.MustOp("DeleteReflection", map[string]any{"id": id})
		r = g.A.MustOp("MyReflectionReads", nil)
		if r.Num("viewer.reflectionReads.totalCount") != 2 || r.Get("viewer.reflectionReads.edges.0.node.reflection") != nil {
			t.Fatalf("after deletion: %s", r.Raw)
		}
	})
}

// TestReadsAreOneWrite: a feed of many reflections is accounted for with a bounded number
// of statements, not one per reflection.
func TestReadsAreOneWrite(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		for i := 0; i < 30; i++ {
			g.Reflect(g.A, "GROUP", fmt.Sprint("entry ", i))
		}
		small := h.Statements(func() { g.B.MustOp("GroupFeed", map[string]any{"groupID": g.ID, "first": 3}) })
		large := h.Statements(func() { g.B.MustOp("GroupFeed", map[string]any{"groupID": g.ID, "first": 30}) })
		if small != large {
			t.Fatalf("%d statements for 3 reads, %d for 30", small, large)
		}
		if n := g.A.MustOp("MyReflectionReads", map[string]any{"first": 100}).Num("viewer.reflectionReads.totalCount"); n != 33 {
			t.Fatalf("want 33 reads recorded, got %d", n)
		}
	})
}

// TestAuditTrail: security events are recorded without content.
func TestAuditTrail(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		g.A.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		g.Therapist.MustOp("RemoveMember", map[string]any{"membershipID": g.Memberships[g.B]})
		g.Outsider.Op("CreateGroupInvite", map[string]any{"groupID": g.ID}) // denied
		private := g.Reflect(g.Therapist, "PRIVATE", "not yours")
		g.Outsider.MustOp("Reflection", map[string]any{"id": private})       // a denied read
		g.Outsider.MustOp("Reflection", map[string]any{"id": "17179999999"}) // not there: not a denial
		// The therapist role is taken away.
		emu.AddUser(authemu.User{UID: g.Therapist.UID})
		tok, _ := emu.Token(g.Therapist.UID, 3*time.Hour)
		(&Client{h: h, Token: tok}).MustOp("Viewer", nil)

		counts := map[string]int{}
		rows, err := rawDB(t, h).Query("SELECT action, COALESCE(detail, '') FROM audit_events")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var action, detail string
			if err := rows.Scan(&action, &detail); err != nil {
				t.Fatal(err)
			}
			counts[action]++
			if action == "denied" && detail != "CreateGroupInvite NOT_FOUND x1" && detail != "Reflection read x1" {
				t.Errorf("denied detail: %q", detail)
			}
		}
		rows.Close()
		if counts["denied"] != 2 {
			t.Errorf("want exactly 2 denied attempts (a mutation, a read of something that exists), got %d", counts["denied"])
		}
		for action, min := range map[string]int{
			"member.created": 5, "role.therapist.granted": 2, "role.therapist.revoked": 1, "group.created": 2,
			"group.joined": 2, "consent.granted": 3, "group.left": 1, "group.member_removed": 1, "denied": 2,
		} {
			if counts[action] < min {
				t.Errorf("%s: %d events, want at least %d (all: %v)", action, counts[action], min, counts)
			}
		}
	})
}
