package server_test

// The invite codes a facilitator made stop working when they are removed or leave: they
// cannot bring anyone into the group they no longer lead (a therapist of theirs as
// facilitator, who could then remove the others), and the remaining facilitators have no
// list of codes to revoke them.

import "testing"

// TestInviteCodesOfAFormerFacilitator: Dr. C makes a facilitator's and a member's code; the
// founder removes Dr. C, or Dr. C leaves; neither code admits anyone; the founder's code
// still does.
func TestInviteCodesOfAFormerFacilitator(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		for _, gone := range []string{"removed", "left"} {
			t.Run(gone, func(t *testing.T) { codesOfAFormerFacilitator(t, h, gone) })
		}
	})
}

func codesOfAFormerFacilitator(t *testing.T, h *H, gone string) {
	g, co, coID := coLed(t, h)
	theirFacilitatorCode := facilitatorCode(t, co, g.ID)
	theirMemberCode := co.MustOp("CreateGroupInvite", map[string]any{"groupID": g.ID}).Str("createGroupInvite.code")
	if gone == "removed" {
		g.Therapist.MustOp("RemoveMember", map[string]any{"membershipID": coID})
	} else {
		co.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
	}
	for _, c := range []struct {
		name string
		who  *Client
		code string
	}{
		{"their therapist, with their facilitator's code", h.Therapist("ally-" + gone), theirFacilitatorCode},
		{"a newcomer, with their member's code", h.Member("friend-" + gone), theirMemberCode},
	} {
		if r := joinWith(c.who, c.code, "X"); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("%s: %s", c.name, r.Raw)
		}
		if n := len(viewerGroups(c.who)); n != 0 {
			t.Errorf("%s is in %d groups", c.name, n)
		}
	}
	if r := joinWith(h.Member("welcome-"+gone), g.Code, "W"); r.Str("joinGroup.role") != "MEMBER" {
		t.Errorf("the founder's code after the co-facilitator %s: %s", gone, r.Raw)
	}
}
