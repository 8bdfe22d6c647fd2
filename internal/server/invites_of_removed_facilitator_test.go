package server_test

// The invite codes a removed facilitator made stop working: they cannot bring anyone into
// the group they were removed from (a therapist of theirs as facilitator, who could then
// remove the others), and the remaining facilitators have no list of codes to revoke them.

import "testing"

// TestInviteCodesOfARemovedFacilitator: Dr. C makes a facilitator's and a member's code; the
// founder removes Dr. C; neither code admits anyone; the founder's code still does.
func TestInviteCodesOfARemovedFacilitator(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g, co, coID := coLed(t, h)
		theirFacilitatorCode := facilitatorCode(t, co, g.ID)
		theirMemberCode := co.MustOp("CreateGroupInvite", map[string]any{"groupID": g.ID}).Str("createGroupInvite.code")
		g.Therapist.MustOp("RemoveMember", map[string]any{"membershipID": coID})
		for _, c := range []struct {
			name string
			who  *Client
			code string
		}{
			{"their therapist, with their facilitator's code", h.Therapist("ally"), theirFacilitatorCode},
			{"a newcomer, with their member's code", h.Member("friend"), theirMemberCode},
		} {
			if r := joinWith(c.who, c.code, "X"); r.Code() != "BAD_USER_INPUT" {
				t.Errorf("%s: %s", c.name, r.Raw)
			}
			if n := len(viewerGroups(c.who)); n != 0 {
				t.Errorf("%s is in %d groups", c.name, n)
			}
		}
		if r := joinWith(h.Member("welcome"), g.Code, "W"); r.Str("joinGroup.role") != "MEMBER" {
			t.Errorf("the founder's code after the removal: %s", r.Raw)
		}
	})
}
