package server_test

// Groups: founding, invites, joining, leaving and removal, and their races.

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestGroupLifecycle(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		feed := g.A.MustOp("GroupFeed", map[string]any{"groupID": g.ID})
		if feed.Str("node.__typename") != "Group" || len(feed.Get("node.memberships").([]any)) != 3 {
			t.Fatalf("feed: %s", feed.Raw)
		}
		if feed.Str("node.timeZone") != "America/Chicago" {
			t.Fatalf("time zone: %s", feed.Raw)
		}
		v := g.A.MustOp("Viewer", nil)
		if v.Str("viewer.memberships.0.group.id") != g.ID || v.Str("viewer.memberships.0.role") != "MEMBER" || v.Str("viewer.memberships.0.displayName") != "Ann" {
			t.Fatalf("viewer: %s", v.Raw)
		}

		// Joining again with the code changes nothing.
		if again := g.Join(g.A, "Ann again"); again != g.Memberships[g.A] {
			t.Fatalf("rejoin made another membership")
		}

		// Only therapists found groups.
		if r := g.A.Op("CreateGroup", map[string]any{"input": map[string]any{"name": "Mine", "timeZone": "UTC", "displayName": "A"}}); r.Code() != "FORBIDDEN" {
			t.Fatalf("member creating a group: %s", r.Raw)
		}
		// Only facilitators invite.
		if r := g.A.Op("CreateGroupInvite", map[string]any{"groupID": g.ID}); r.Code() != "FORBIDDEN" {
			t.Fatalf("member inviting: %s", r.Raw)
		}
		if r := g.Stranger.Op("CreateGroupInvite", map[string]any{"groupID": g.ID}); r.Code() != "NOT_FOUND" {
			t.Fatalf("stranger inviting: %s", r.Raw)
		}

		// Leaving ends access at once, and the person can come back with a code.
		g.Reflect(g.B, "GROUP", "group news")
		if r := g.A.MustOp("LeaveGroup", map[string]any{"groupID": g.ID}); r.Get("leaveGroup") != true {
			t.Fatal(r.Raw)
		}
		if r := g.A.MustOp("GroupFeed", map[string]any{"groupID": g.ID}); r.Num("node.reflections.totalCount") != 0 || len(r.Get("node.memberships").([]any)) != 0 {
			t.Fatalf("a former member still sees the group: %s", r.Raw)
		}
		if r := g.A.MustOp("Viewer", nil); len(r.Get("viewer.memberships").([]any)) != 0 {
			t.Fatalf("left group still listed: %s", r.Raw)
		}
		if r := g.A.Op("LeaveGroup", map[string]any{"groupID": g.ID}); r.Code() != "NOT_FOUND" {
			t.Fatalf("leaving twice: %s", r.Raw)
		}
		if back := g.Join(g.A, "Ann"); back != g.Memberships[g.A] {
			t.Fatal("rejoining reuses the membership")
		}
		if r := g.A.MustOp("GroupFeed", map[string]any{"groupID": g.ID}); r.Num("node.reflections.totalCount") != 1 {
			t.Fatalf("rejoined member sees the group again: %s", r.Raw)
		}

		// The last facilitator cannot leave.
		if r := g.Therapist.Op("LeaveGroup", map[string]any{"groupID": g.ID}); r.Code() != "CONFLICT" {
			t.Fatalf("last facilitator leaving: %s", r.Raw)
		}

		// Removal: only facilitators, access ends, no way back by code.
		if r := g.B.Op("RemoveMember", map[string]any{"membershipID": g.Memberships[g.A]}); r.Code() != "FORBIDDEN" {
			t.Fatalf("member removing: %s", r.Raw)
		}
		if r := g.Therapist.Op("RemoveMember", map[string]any{"membershipID": g.Memberships[g.Therapist]}); r.Code() != "BAD_USER_INPUT" {
			t.Fatalf("removing oneself: %s", r.Raw)
		}
		g.Therapist.MustOp("RemoveMember", map[string]any{"membershipID": g.Memberships[g.A]})
		if r := g.Therapist.MustOp("RemoveMember", map[string]any{"membershipID": g.Memberships[g.A]}); r.Get("removeMember") != true {
			t.Fatalf("removing twice: %s", r.Raw)
		}
		if r := g.A.MustOp("GroupFeed", map[string]any{"groupID": g.ID}); r.Num("node.reflections.totalCount") != 0 {
			t.Fatalf("removed member still reads: %s", r.Raw)
		}
		if r := g.A.Op("JoinGroup", map[string]any{"input": map[string]any{"code": g.Code, "displayName": "Ann"}}); r.Code() != "FORBIDDEN" {
			t.Fatalf("removed member rejoining: %s", r.Raw)
		}
	})
}

func TestGroupInviteCodes(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		r := g.Therapist.MustOp("CreateGroupInvite", map[string]any{"groupID": g.ID, "expiresInHours": 2})
		code, id := r.Str("createGroupInvite.code"), r.Str("createGroupInvite.id")
		exp, err := time.Parse(time.RFC3339, r.Str("createGroupInvite.expiresAt"))
		if err != nil || time.Until(exp) < time.Hour || time.Until(exp) > 2*time.Hour+time.Minute {
			t.Fatalf("expiresAt: %s", r.Raw)
		}
		if len(code) != 8 {
			t.Fatalf("code %q", code)
		}
		// Codes are forgiving about case and dashes, as people type them.
		c := h.Member("c")
		typed := code[:4] + "-" + code[4:]
		if r := c.Op("JoinGroup", map[string]any{"input": map[string]any{"code": " " + strings.ToLower(typed), "displayName": "Cy"}}); len(r.Errors) > 0 {
			t.Fatalf("typed code: %s", r.Raw)
		}
		// Revoked codes stop working; revoking again is fine; only facilitators revoke.
		if r := g.A.Op("RevokeGroupInvite", map[string]any{"id": id}); r.Code() != "NOT_FOUND" {
			t.Fatalf("member revoking: %s", r.Raw)
		}
		g.Therapist.MustOp("RevokeGroupInvite", map[string]any{"id": id})
		g.Therapist.MustOp("RevokeGroupInvite", map[string]any{"id": id})
		d := h.Member("d")
		if r := d.Op("JoinGroup", map[string]any{"input": map[string]any{"code": code, "displayName": "Di"}}); r.Code() != "BAD_USER_INPUT" {
			t.Fatalf("revoked code: %s", r.Raw)
		}
		// Expired codes stop working.
		if _, err := rawDB(t, h).ExecContext(context.Background(), "UPDATE group_invites SET expires_at = $1", h.Clock.Now().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if r := d.Op("JoinGroup", map[string]any{"input": map[string]any{"code": g.Code, "displayName": "Di"}}); r.Code() != "BAD_USER_INPUT" {
			t.Fatalf("expired code: %s", r.Raw)
		}
		if r := d.Op("JoinGroup", map[string]any{"input": map[string]any{"code": "NOPE2345", "displayName": "Di"}}); r.Code() != "BAD_USER_INPUT" {
			t.Fatalf("unknown code: %s", r.Raw)
		}
	})
}

// TestGroupRemovalWinsOverARacingRejoin: a facilitator removes someone who left while they
// rejoin with the code; whatever the order, they end up outside the group.
func TestGroupRemovalWinsOverARacingRejoin(t *testing.T) {
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

// TestGroupDoubleTappedJoin: two joins at once by a new member give one membership, no error.
func TestGroupDoubleTappedJoin(t *testing.T) {
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

// TestGroupRetriedJoinAfterTheFirstCommitted: the app retries joinGroup; the retry was
// signed in before the first join committed and arrives after it: it answers the same
// membership, with its group.
func TestGroupRetriedJoinAfterTheFirstCommitted(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		cy := h.Member("cy")
		cy.MustOp("Viewer", nil) // a member record without memberships
		vars := map[string]any{"input": map[string]any{"code": g.Code, "displayName": "Cy"}}
		send := heldRequest(t, h, cy, "JoinGroup", vars)
		first := cy.MustOp("JoinGroup", vars)
		raw := send()
		if !strings.Contains(raw, first.Str("joinGroup.id")) || !strings.Contains(raw, g.ID) || strings.Contains(raw, `"errors"`) {
			t.Errorf("retried join: %s (the first: %s)", raw, first.Raw)
		}
	})
}
