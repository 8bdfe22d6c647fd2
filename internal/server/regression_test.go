package server_test

import (
	"sync"
	"testing"
	"time"

	"github.com/processgroup/api/internal/firebase/authemu"
	"github.com/processgroup/api/internal/platform/config"
)

// TestDemotedTherapistLosesFacilitatorPowers: when the therapist role is taken away
// (set-role UID member), the person's group membership no longer opens FACILITATORS
// reflections, crisis marks, invites or removals.
func TestDemotedTherapistLosesFacilitatorPowers(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		id := g.Reflect(g.A, "FACILITATORS", "for the therapist: I want to end my life")
		if r := g.Therapist.MustOp("Reflection", map[string]any{"id": id}); r.Get("node") == nil {
			t.Fatalf("the therapist reads it first: %s", r.Raw)
		}
		// The admin takes the role away; the app refreshes its token.
		emu.AddUser(authemu.User{UID: g.Therapist.UID, Email: g.Therapist.UID + "@example.invalid"})
		tok, err := emu.Token(g.Therapist.UID, 2*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		former := &Client{h: h, UID: g.Therapist.UID, Token: tok}
		if r := former.MustOp("Reflection", map[string]any{"id": id}); r.Get("node") != nil {
			t.Fatalf("a demoted therapist still reads FACILITATORS reflections: %s", r.Raw)
		}
		if r := former.Op("CreateGroupInvite", map[string]any{"groupID": g.ID}); r.Code() != "FORBIDDEN" {
			t.Fatalf("a demoted therapist still invites: %s", r.Raw)
		}
		if r := former.Op("RemoveMember", map[string]any{"membershipID": g.Memberships[g.A]}); r.Code() != "FORBIDDEN" {
			t.Fatalf("a demoted therapist still removes: %s", r.Raw)
		}
	})
}

// TestRemovalWinsOverARacingRejoin: a facilitator removes someone who left while they
// rejoin with the code; whatever the order, they end up outside the group.
func TestRemovalWinsOverARacingRejoin(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		for i := 0; i < 8; i++ {
			g := h.NewGroup()
			g.A.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
			var wg sync.WaitGroup
			wg.Add(2)
			go func() {
				defer wg.Done()
				g.Therapist.Op("RemoveMember", map[string]any{"membershipID": g.Memberships[g.A]})
			}()
			go func() {
				defer wg.Done()
				g.A.Op("JoinGroup", map[string]any{"input": map[string]any{"code": g.Code, "displayName": "Ann"}})
			}()
			wg.Wait()
			if r := g.A.MustOp("Viewer", nil); len(r.Get("viewer.memberships").([]any)) != 0 {
				t.Fatalf("round %d: a removed member is back in the group: %s", i, r.Raw)
			}
		}
	})
}

// TestDoubleTappedJoin: two joins at once by a new member give one membership, no error.
func TestDoubleTappedJoin(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		c := h.Member("c")
		var wg sync.WaitGroup
		res := make([]*Resp, 4)
		for i := range res {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i] = c.Op("JoinGroup", map[string]any{"input": map[string]any{"code": g.Code, "displayName": "Cy"}})
			}()
		}
		wg.Wait()
		for _, r := range res {
			if r.Code() != "" || r.Str("joinGroup.id") != res[0].Str("joinGroup.id") {
				t.Fatalf("double-tapped join: %s / %s", r.Raw, res[0].Raw)
			}
		}
	})
}

// TestRetryAfterLeavingReturnsTheReflection: a create retried after the author left the
// group returns the reflection that was made, not an error.
func TestRetryAfterLeavingReturnsTheReflection(t *testing.T) {
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

// TestDeleteLeavesNoFingerprint: nothing derived from a deleted reflection's content stays.
func TestDeleteLeavesNoFingerprint(t *testing.T) {
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

// TestConflictNamesNoField: only input errors name a field.
func TestConflictNamesNoField(t *testing.T) {
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

// TestProductionIsTheDefaultWithARealProject: without APP_ENV, a real Firebase project
// means production (no GraphiQL, no introspection); a demo- project means development.
func TestProductionIsTheDefaultWithARealProject(t *testing.T) {
	t.Parallel()
	for project, want := range map[string]bool{"clinic-prod": true, "demo-x": false, "": false} {
		cfg, err := config.FromEnv(func(name string) string {
			switch name {
			case "FIREBASE_PROJECT_ID":
				return project
			case "ENCRYPTION_KEYS":
				return testKeys
			}
			return ""
		})
		if err != nil || cfg.Production != want {
			t.Errorf("project %q: production %v (err %v), want %v", project, cfg.Production, err, want)
		}
	}
}
