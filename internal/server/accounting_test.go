package server_test

// The accounting of reads: every read of a reflection's content by someone else is recorded
// (one batched write per request) and listed to its author; a response whose reads cannot
// be recorded is not sent; no mutation creates, changes or deletes a read record.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
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

// TestAccountingReadsAreOneWrite: a feed of many reflections is accounted for with a bounded number
// of statements, not one per reflection.
func TestAccountingReadsAreOneWrite(t *testing.T) {
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

// TestAccountingReadsThroughMutations: a mutation whose answer carries a reflection's content
// (sendEncouragement → reflection { body }) is a read and is accounted for; a mutation that
// only counts is not; a refused attempt is not; and a mutation whose answer is withheld
// (another field of it failed, so its transaction rolled back and its data was dropped)
// disclosed nothing and must not be accounted as a read.
func TestAccountingReadsThroughMutations(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		rid := g.Reflect(g.A, "GROUP", "MARKER-MUT-shared")
		priv := g.Reflect(g.A, "PRIVATE", "MARKER-MUT-private")
		if n := len(readsOf(t, g.A)); n != 0 {
			t.Fatalf("reads before anyone read: %d", n)
		}
		// The app's SendEncouragement asks for no content: no read.
		if r := Encourage(g.Therapist, rid, ""); len(r.Errors) > 0 {
			t.Fatal(r.Raw)
		}
		if n := len(readsOf(t, g.A)); n != 0 {
			t.Errorf("an encouragement without reading the content was accounted as %d reads", n)
		}
		// Asking for the body in the mutation's answer is a read.
		const sendDoc = `mutation Send($input: SendEncouragementInput!) {
  sendEncouragement(input: $input) { id reflection { id body mood } }
}`
		r := g.B.Raw(sendDoc, "Send", map[string]any{"input": map[string]any{"clientID": uuid.NewString(), "reflectionID": rid, "kind": "HUG"}})
		if r.Str("sendEncouragement.reflection.body") != "MARKER-MUT-shared" {
			t.Fatalf("send with the body: %s", r.Raw)
		}
		if n := len(readsOf(t, g.A)); n != 1 {
			t.Errorf("the body in a mutation's answer: %d reads, want 1", n)
		}
		// Refused attempts by everyone around: no content, no read.
		attempts := map[string]*Resp{
			"peer updates":        g.B.Raw(`mutation Upd($id: ID!) { updateReflection(id: $id, expectedVersion: 1, input: {mood: 1}) { reflection { body } } }`, "Upd", map[string]any{"id": rid}),
			"facilitator updates": g.Therapist.Raw(`mutation Upd($id: ID!) { updateReflection(id: $id, expectedVersion: 1, input: {mood: 1}) { reflection { body } } }`, "Upd", map[string]any{"id": rid}),
			"peer deletes":        g.B.Op("DeleteReflection", map[string]any{"id": rid}),
			"outsider sends":      g.Outsider.Raw(sendDoc, "Send", map[string]any{"input": map[string]any{"clientID": uuid.NewString(), "reflectionID": rid, "kind": "HUG"}}),
			"stranger sends":      g.Stranger.Raw(sendDoc, "Send", map[string]any{"input": map[string]any{"clientID": uuid.NewString(), "reflectionID": rid, "kind": "HUG"}}),
			"peer on private":     g.B.Raw(sendDoc, "Send", map[string]any{"input": map[string]any{"clientID": uuid.NewString(), "reflectionID": priv, "kind": "HUG"}}),
			"peer reads private":  g.B.MustOp("Reflection", map[string]any{"id": priv}),
			"therapist, private":  g.Therapist.MustOp("Reflection", map[string]any{"id": priv}),
		}
		for what, r := range attempts {
			noLeak(t, what, r, "MARKER-MUT")
		}
		if n := len(readsOf(t, g.A)); n != 1 {
			t.Errorf("refused attempts were accounted: %d reads, want 1", n)
		}
		// One field reads the body, another fails: the whole answer is withheld.
		const mixedDoc = `mutation Mixed($input: SendEncouragementInput!, $bad: ID!) {
  ok: sendEncouragement(input: $input) { id reflection { body } }
  bad: deleteReflection(id: $bad)
}`
		c := h.Member("c")
		g.Join(c, "Cy")
		r = c.Raw(mixedDoc, "Mixed", map[string]any{"input": map[string]any{"clientID": uuid.NewString(), "reflectionID": rid, "kind": "HEART"}, "bad": madeUpReflectionID})
		if r.Code() == "" {
			t.Fatalf("the failing field did not fail: %s", r.Raw)
		}
		noLeak(t, "a withheld answer", r, "MARKER-MUT")
		if n := len(readsOf(t, g.A)); n != 1 {
			t.Errorf("a mutation whose answer was withheld (no content sent) was accounted as a read: %d reads, want 1", n)
		}
		if n := countRows(t, h, "SELECT COUNT(*) FROM encouragements WHERE reflection_id = $1", rid); n != 2 {
			t.Errorf("the rolled-back encouragement: %d encouragements, want 2", n)
		}
	})
}

// TestAccountingReadRecordsAreFixed: no mutation creates, changes or deletes a read record;
// they survive the reflection's deletion, the reader's leaving and the reader's account
// deletion; and the author learns nothing from them about a reader they can no longer see
// (a reader who left, or deleted their account), while the facilitator shows as such.
func TestAccountingReadRecordsAreFixed(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		c := h.Member("c")
		g.Join(c, "MARKER-RR-Cy")
		d := h.Member("d")
		g.Join(d, "MARKER-RR-Dee")
		rid := g.Reflect(g.A, "GROUP", "MARKER-RR-read")
		for _, reader := range []*Client{g.B, g.Therapist, c, d} {
			reader.MustOp("Reflection", map[string]any{"id": rid})
		}
		// The schema has no way in: no mutation names reads, no input takes a read's id.
		r := g.A.Raw(`{ __type(name: "Mutation") { fields { name args { name } } } }`, "", nil)
		for _, word := range []string{"read", "Read"} {
			if strings.Contains(r.Raw, word) {
				t.Errorf("a mutation about reads: %s", r.Raw)
			}
		}
		// Ben leaves; Cy deletes his account; Dee stays.
		g.B.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		c.MustOp("DeleteAccount", map[string]any{"confirm": true})

		r = g.A.MustOp("MyReflectionReads", nil)
		if n := r.Num("viewer.reflectionReads.totalCount"); n != 4 {
			t.Fatalf("reads: %d, want 4: %s", n, r.Raw)
		}
		noLeak(t, "Ann's accounting", r, `"Ben"`, "MARKER-RR-Cy", "Deleted account")
		seen := map[string]int{}
		for i := 0; i < 4; i++ {
			name := r.Str(fmt.Sprintf("viewer.reflectionReads.edges.%d.node.reader.displayName", i))
			role := r.Str(fmt.Sprintf("viewer.reflectionReads.edges.%d.node.reader.role", i))
			seen[name+"/"+role]++
		}
		if seen["Dr. T/FACILITATOR"] != 1 || seen["MARKER-RR-Dee/MEMBER"] != 1 || seen["/"] != 2 {
			t.Errorf("readers as Ann sees them: %v (want the facilitator, Dee, and two she can no longer see)", seen)
		}
		// The facilitator sees the whole group, past members included: for them the
		// record of who read is no secret, but a member's accounting is not theirs.
		if n := g.Therapist.MustOp("MyReflectionReads", nil).Num("viewer.reflectionReads.totalCount"); n != 0 {
			t.Errorf("the facilitator sees %d reads of others' reflections", n)
		}
		// The reflection goes; the records stay, in the database and in the accounting.
		g.A.MustOp("DeleteReflection", map[string]any{"id": rid})
		if n := countRows(t, h, "SELECT COUNT(*) FROM reflection_reads WHERE reflection_id = $1", rid); n != 4 {
			t.Errorf("records after deleting the reflection: %d, want 4", n)
		}
		if n := len(readsOf(t, g.A)); n != 4 {
			t.Errorf("Ann's accounting after deleting the reflection: %d, want 4", n)
		}
		// Ann deletes her account: the accounting is kept without content.
		g.A.MustOp("DeleteAccount", map[string]any{"confirm": true})
		if n := countRows(t, h, "SELECT COUNT(*) FROM reflection_reads WHERE reflection_id = $1", rid); n != 4 {
			t.Errorf("records after the author's account deletion: %d, want 4", n)
		}
	})
}
