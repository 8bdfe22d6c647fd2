package server_test

// Reflections: idempotent creates by clientID, versions (a stale write is refused), deletion,
// crisis language, and the statement count of the group feed.

import (
	"fmt"
	"maps"
	"sync"
	"testing"
)

func TestReflectionCreateIsIdempotent(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		in := reflectionInput(g.ID, "GROUP", "first try")
		first := g.A.MustOp("CreateReflection", map[string]any{"input": in})
		id := first.Str("createReflection.reflection.id")
		if first.Num("createReflection.reflection.version") != 1 {
			t.Fatalf("version starts at 1: %s", first.Raw)
		}
		if first.Str("createReflection.reflection.clientID") != in["clientID"] {
			t.Fatalf("clientID not echoed: %s", first.Raw)
		}

		// The phone retries: the same object comes back, nothing is doubled.
		again := g.A.MustOp("CreateReflection", map[string]any{"input": in})
		if got := again.Str("createReflection.reflection.id"); got != id {
			t.Fatalf("retry made a new reflection: %s != %s", got, id)
		}

		// Same clientID, different content: refused, the stored one unchanged.
		changed := maps.Clone(in)
		changed["body"] = "something else"
		bad := g.A.Op("CreateReflection", map[string]any{"input": changed})
		if bad.Code() != "CONFLICT" {
			t.Fatalf("want CONFLICT, got %s", bad.Raw)
		}
		r := g.A.MustOp("Reflection", map[string]any{"id": id})
		if r.Str("node.body") != "first try" {
			t.Fatalf("stored reflection changed: %s", r.Raw)
		}

		// After an edit, a late retry of the original create is still recognised.
		g.A.MustOp("UpdateReflection", map[string]any{"id": id, "expectedVersion": 1, "input": map[string]any{"body": "edited"}})
		late := g.A.MustOp("CreateReflection", map[string]any{"input": in})
		if late.Str("createReflection.reflection.id") != id || late.Str("createReflection.reflection.body") != "edited" {
			t.Fatalf("late retry after edit: %s", late.Raw)
		}

		// Another member may use the same clientID for their own reflection.
		other := g.B.MustOp("CreateReflection", map[string]any{"input": in})
		if other.Str("createReflection.reflection.id") == id {
			t.Fatal("clientIDs are per author")
		}

		// Deleted: a late retry does not bring it back.
		g.A.MustOp("DeleteReflection", map[string]any{"id": id})
		gone := g.A.Op("CreateReflection", map[string]any{"input": in})
		if gone.Code() != "CONFLICT" {
			t.Fatalf("retry after delete: want CONFLICT, got %s", gone.Raw)
		}
		if n := g.A.MustOp("MyReflections", nil).Num("viewer.reflections.totalCount"); n != 0 {
			t.Fatalf("want 0 reflections after delete, got %d", n)
		}
	})
}

func TestReflectionConcurrentRetriesMakeOne(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		in := reflectionInput(g.ID, "PRIVATE", "sent from a train")
		var wg sync.WaitGroup
		ids := make([]string, 6)
		codes := make([]string, 6)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := g.A.Op("CreateReflection", map[string]any{"input": in})
				ids[i], codes[i] = r.Str("createReflection.reflection.id"), r.Code()
			}()
		}
		wg.Wait()
		for i := range ids {
			if codes[i] != "" || ids[i] != ids[0] {
				t.Fatalf("retry %d: id %q code %q, want id %q", i, ids[i], codes[i], ids[0])
			}
		}
		if n := g.A.MustOp("MyReflections", nil).Num("viewer.reflections.totalCount"); n != 1 {
			t.Fatalf("want 1 reflection, got %d", n)
		}
	})
}

func TestReflectionStaleUpdateIsRefused(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		id := g.Reflect(g.A, "GROUP", "v1")
		phone := g.A.MustOp("UpdateReflection", map[string]any{"id": id, "expectedVersion": 1, "input": map[string]any{"body": "from the phone"}})
		if phone.Num("updateReflection.reflection.version") != 2 {
			t.Fatalf("version 2 expected: %s", phone.Raw)
		}
		// The tablet still has version 1.
		tablet := g.A.Op("UpdateReflection", map[string]any{"id": id, "expectedVersion": 1, "input": map[string]any{"body": "from the tablet"}})
		if tablet.Code() != "CONFLICT" {
			t.Fatalf("want CONFLICT, got %s", tablet.Raw)
		}
		if v, _ := tablet.Errors[0].Extensions["currentVersion"].(float64); v != 2 {
			t.Fatalf("currentVersion 2 expected in extensions: %s", tablet.Raw)
		}
		r := g.A.MustOp("Reflection", map[string]any{"id": id})
		if r.Str("node.body") != "from the phone" || r.Num("node.version") != 2 {
			t.Fatalf("stale write must change nothing: %s", r.Raw)
		}
		// Every field the app can change, then clearing the prompt.
		upd := g.A.MustOp("UpdateReflection", map[string]any{"id": id, "expectedVersion": 2, "input": map[string]any{
			"mood": 9, "craving": 0, "prompt": "What helped today?", "visibility": "FACILITATORS",
		}})
		if upd.Num("updateReflection.reflection.mood") != 9 || upd.Str("updateReflection.reflection.prompt") != "What helped today?" ||
			upd.Str("updateReflection.reflection.visibility") != "FACILITATORS" || upd.Num("updateReflection.reflection.version") != 3 {
			t.Fatalf("update: %s", upd.Raw)
		}
		upd = g.A.MustOp("UpdateReflection", map[string]any{"id": id, "expectedVersion": 3, "input": map[string]any{"clearPrompt": true}})
		if upd.Get("updateReflection.reflection.prompt") != nil {
			t.Fatalf("prompt not cleared: %s", upd.Raw)
		}
		if r := g.A.Op("UpdateReflection", map[string]any{"id": id, "expectedVersion": 4, "input": map[string]any{}}); r.Code() != "BAD_USER_INPUT" {
			t.Fatalf("empty update: want BAD_USER_INPUT, got %s", r.Raw)
		}
	})
}

func TestReflectionConcurrentUpdatesOneWins(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		id := g.Reflect(g.A, "PRIVATE", "v1")
		var wg sync.WaitGroup
		codes := make([]string, 5)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := g.A.Op("UpdateReflection", map[string]any{"id": id, "expectedVersion": 1, "input": map[string]any{"body": fmt.Sprint("device ", i)}})
				codes[i] = r.Code()
			}()
		}
		wg.Wait()
		wins := 0
		for _, c := range codes {
			switch c {
			case "":
				wins++
			case "CONFLICT":
			default:
				t.Fatalf("unexpected code %q", c)
			}
		}
		if wins != 1 {
			t.Fatalf("exactly one write based on version 1 may win, got %d (%v)", wins, codes)
		}
		if v := g.A.MustOp("Reflection", map[string]any{"id": id}).Num("node.version"); v != 2 {
			t.Fatalf("version %d, want 2", v)
		}
	})
}

func TestReflectionDeleteRemovesContent(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		id := g.Reflect(g.A, "GROUP", "MARKER-DEL-5521 to be deleted")
		if r := Encourage(g.B, id, "MARKER-DEL-ENC"); len(r.Errors) > 0 {
			t.Fatal(r.Raw)
		}
		g.A.MustOp("DeleteReflection", map[string]any{"id": id})
		// A retried delete succeeds; others see nothing.
		if r := g.A.MustOp("DeleteReflection", map[string]any{"id": id}); r.Get("deleteReflection") != true {
			t.Fatalf("retried delete: %s", r.Raw)
		}
		for _, c := range []*Client{g.A, g.B, g.Therapist} {
			if r := c.MustOp("Reflection", map[string]any{"id": id}); r.Get("node") != nil {
				t.Fatalf("deleted reflection still readable: %s", r.Raw)
			}
		}
		if r := g.B.Op("DeleteReflection", map[string]any{"id": id}); r.Code() != "NOT_FOUND" {
			t.Fatalf("someone else deleting: want NOT_FOUND, got %s", r.Raw)
		}
		if n := g.A.MustOp("EncouragementReceived", nil).Num("viewer.encouragementReceived.totalCount"); n != 0 {
			t.Fatalf("encouragement on a deleted reflection must go: %d", n)
		}
		// The content is gone from the database, not just hidden.
		var n int
		if err := rawDB(t, h).QueryRow("SELECT COUNT(*) FROM reflections WHERE body LIKE '%MARKER-DEL%'").Scan(&n); err != nil || n != 0 {
			t.Fatalf("deleted reflection text is still stored: %d %v", n, err)
		}
		if err := rawDB(t, h).QueryRow("SELECT COUNT(*) FROM encouragements WHERE message LIKE '%MARKER-DEL%'").Scan(&n); err != nil || n != 0 {
			t.Fatalf("encouragement text still stored: %d %v", n, err)
		}
	})
}

func TestReflectionCrisisLanguage(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		in := reflectionInput(g.ID, "GROUP", "Some nights I just want to end my life.")
		r := g.A.MustOp("CreateReflection", map[string]any{"input": in})
		if r.Str("createReflection.crisisResources.0.phone") != "988" || r.Str("createReflection.crisisResources.0.sms") != "988" ||
			r.Str("createReflection.crisisResources.0.url") != "https://988lifeline.org" {
			t.Fatalf("crisis resources missing: %s", r.Raw)
		}
		id := r.Str("createReflection.reflection.id")
		// A retry shows them again.
		if r := g.A.MustOp("CreateReflection", map[string]any{"input": in}); r.Str("createReflection.crisisResources.0.phone") != "988" {
			t.Fatalf("retry lost the resources: %s", r.Raw)
		}
		attention := func(c *Client) any {
			r := c.Raw(`query($id: ID!) { node(id: $id) { ... on Reflection { needsAttention } } }`, "", map[string]any{"id": id})
			return r.Get("node.needsAttention")
		}
		if attention(g.Therapist) != true {
			t.Fatal("the facilitator must see the attention mark")
		}
		if attention(g.A) != false || attention(g.B) != false {
			t.Fatal("the mark is for facilitators only")
		}
		ordinary := g.A.MustOp("CreateReflection", map[string]any{"input": reflectionInput(g.ID, "GROUP", "This craving is killing me but I went to a meeting.")})
		if n := len(ordinary.Get("createReflection.crisisResources").([]any)); n != 0 {
			t.Fatalf("ordinary text: want no resources, got %s", ordinary.Raw)
		}
		// Editing crisis language in also shows the resources and marks it.
		oid := ordinary.Str("createReflection.reflection.id")
		upd := g.A.MustOp("UpdateReflection", map[string]any{"id": oid, "expectedVersion": 1, "input": map[string]any{"body": "I keep thinking about killing myself."}})
		if upd.Str("updateReflection.crisisResources.0.phone") != "988" {
			t.Fatalf("update: %s", upd.Raw)
		}
	})
}

// TestReflectionRetryAfterLeavingReturnsIt: a create retried after the author left the
// group returns the reflection that was made, not an error.
func TestReflectionRetryAfterLeavingReturnsIt(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		in := reflectionInput(g.ID, "GROUP", "written on the bus")
		id := g.A.MustOp("CreateReflection", map[string]any{"input": in}).Str("createReflection.reflection.id")
		g.A.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		if r := g.A.MustOp("CreateReflection", map[string]any{"input": in}); r.Str("createReflection.reflection.id") != id {
			t.Fatalf("retry after leaving: %s", r.Raw)
		}
		// A new one in a group one has left is refused.
		if r := g.A.Op("CreateReflection", map[string]any{"input": reflectionInput(g.ID, "GROUP", "new")}); r.Code() != "NOT_FOUND" {
			t.Fatalf("writing in a group one left: %s", r.Raw)
		}
	})
}

// TestReflectionDeleteLeavesNoFingerprint: nothing derived from a deleted reflection's content stays.
func TestReflectionDeleteLeavesNoFingerprint(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		id := g.Reflect(g.A, "PRIVATE", "I relapsed")
		g.A.MustOp("DeleteReflection", map[string]any{"id": id})
		var n int
		if err := rawDB(t, h).QueryRow("SELECT COUNT(*) FROM reflections WHERE length(create_digest) > 0").Scan(&n); err != nil || n != 0 {
			t.Fatalf("a digest of deleted content is still stored: %d %v", n, err)
		}
	})
}

// TestReflectionConflictNamesNoField: only input errors name a field.
func TestReflectionConflictNamesNoField(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		id := g.Reflect(g.A, "PRIVATE", "v1")
		r := g.A.Op("UpdateReflection", map[string]any{"id": id, "expectedVersion": 7, "input": map[string]any{"body": "x"}})
		if r.Code() != "CONFLICT" || r.Errors[0].Extensions["field"] != nil || r.Errors[0].Message[0] == 'u' {
			t.Fatalf("conflict error: %s", r.Raw)
		}
	})
}

func TestSmoke(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		id := g.Reflect(g.A, "GROUP", "hello group")
		r := g.B.MustOp("Reflection", map[string]any{"id": id})
		if r.Str("node.body") != "hello group" || r.Str("node.author.displayName") != "Ann" {
			t.Fatalf("peer should read a GROUP reflection: %s", r.Raw)
		}
		if e := Encourage(g.B, id, "you got this"); len(e.Errors) > 0 {
			t.Fatal(e.Raw)
		}
		r = g.A.MustOp("EncouragementReceived", nil)
		if r.Num("viewer.encouragementReceived.totalCount") != 1 {
			t.Fatal(r.Raw)
		}
	})
}

// TestReflectionFeedStatementsDoNotGrow counts the SQL statements of the app's feed and journal
// queries for 5 and for 50 reflections: they must be the same.
func TestReflectionFeedStatementsDoNotGrow(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		write := func(n int) {
			for i := 0; i < n; i++ {
				id := g.Reflect(g.A, "GROUP", fmt.Sprint("entry ", i))
				if r := Encourage(g.B, id, "nice"); len(r.Errors) > 0 {
					t.Fatal(r.Raw)
				}
			}
		}
		count := func(c *Client, op string, vars map[string]any) int {
			return h.Statements(func() { c.MustOp(op, vars) })
		}
		feed := map[string]any{"groupID": g.ID, "first": 100}
		write(5)
		small := []int{count(g.B, "GroupFeed", feed), count(g.A, "MyReflections", map[string]any{"first": 100}), count(g.A, "EncouragementReceived", map[string]any{"first": 100})}
		write(45)
		large := []int{count(g.B, "GroupFeed", feed), count(g.A, "MyReflections", map[string]any{"first": 100}), count(g.A, "EncouragementReceived", map[string]any{"first": 100})}
		for i, op := range []string{"GroupFeed", "MyReflections", "EncouragementReceived"} {
			t.Logf("%s: %d statements for 5 reflections, %d for 50", op, small[i], large[i])
			if small[i] != large[i] {
				t.Errorf("%s: %d statements for 5 reflections, %d for 50", op, small[i], large[i])
			}
		}
		r := g.B.MustOp("GroupFeed", feed)
		if r.Num("node.reflections.totalCount") != 50 || r.Num("node.reflections.edges.49.node.encouragementCount") != 1 ||
			r.Get("node.reflections.edges.49.node.viewerHasEncouraged") != true {
			t.Fatalf("feed numbers: %.300s", r.Raw)
		}
	})
}
