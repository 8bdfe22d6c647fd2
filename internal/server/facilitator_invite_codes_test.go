package server_test

// A facilitator's invite code from the outside: whoever may read it, what a revoked or
// expired one does, and what role a former facilitator comes back with.

import (
	"testing"
	"time"
)

// TestFacilitatorInviteCodeLimits: a facilitator's code is read (with its role) and revoked by
// the group's facilitators only; revoked or expired, it admits nobody, with the answer of an
// unknown code to a therapist and a member alike; a facilitator who left and comes back with a
// member's code is a member.
func TestFacilitatorInviteCodeLimits(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g, co, _ := coLed(t, h)
		inv := g.Therapist.MustOp("CreateFacilitatorInvite", map[string]any{"groupID": g.ID, "expiresInHours": 1})
		id, code := inv.Str("createGroupInvite.id"), inv.Str("createGroupInvite.code")
		const read = `query N($id: ID!) { node(id: $id) { ... on GroupInvite { id code role } } }`
		for name, c := range map[string]*Client{"a member": g.A, "a therapist of another group": g.Stranger, "a member of no group": g.Outsider} {
			if r := c.Raw(read, "N", map[string]any{"id": id}); r.Get("node") != nil {
				t.Errorf("%s reads a facilitator's code: %s", name, r.Raw)
			}
			if r := c.Op("RevokeGroupInvite", map[string]any{"id": id}); r.Code() != "NOT_FOUND" && r.Code() != "FORBIDDEN" {
				t.Errorf("%s revokes a facilitator's code: %s", name, r.Raw)
			}
		}
		if r := co.MustRaw(read, "N", map[string]any{"id": id}); r.Str("node.role") != "FACILITATOR" || r.Str("node.code") != code {
			t.Errorf("a co-facilitator reads the founder's code: %s", r.Raw)
		}
		// Revoked by the co-facilitator: nobody gets in, and nobody learns its role.
		co.MustOp("RevokeGroupInvite", map[string]any{"id": id})
		for name, c := range map[string]*Client{"a therapist": h.Therapist("t1"), "a member": h.Member("m1")} {
			if r := joinWith(c, code, "X"); r.Code() != "BAD_USER_INPUT" {
				t.Errorf("%s with a revoked facilitator's code: %s", name, r.Raw)
			}
		}
		// Expired.
		code = facilitatorCode(t, g.Therapist, g.ID)
		h.Clock.Advance(25 * time.Hour)
		for name, c := range map[string]*Client{"a therapist": h.Therapist("t2"), "a member": h.Member("m2")} {
			if r := joinWith(c, code, "X"); r.Code() != "BAD_USER_INPUT" {
				t.Errorf("%s with an expired facilitator's code: %s", name, r.Raw)
			}
		}
		if got := rolesIn(t, g.Therapist, g.ID); len(got) != 4 {
			t.Errorf("members after the refusals: %v", got)
		}
		// Dr. C leaves and comes back with a member's code: a member, who leads nothing.
		co.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		memberCode := g.Therapist.MustOp("CreateGroupInvite", map[string]any{"groupID": g.ID}).Str("createGroupInvite.code")
		if r := joinWith(co, memberCode, "Dr. C"); r.Str("joinGroup.role") != "MEMBER" {
			t.Errorf("a former facilitator back with a member's code: %s", r.Raw)
		}
		if r := co.Op("CreateGroupInvite", map[string]any{"groupID": g.ID}); r.Code() != "FORBIDDEN" {
			t.Errorf("a former facilitator back as member invites: %s", r.Raw)
		}
	})
}
