package server_test

// Facilitators whose therapist role was taken away (set-role UID member): they lead nobody,
// but their FACILITATOR membership is still one of the group's at most three, so that giving
// the role back never makes a fourth.

import (
	"fmt"
	"testing"
	"time"

	"github.com/processgroup/api/internal/firebase/authemu"
)

// restore gives c's person the therapist role back and signs them in with a fresh token.
func restore(t *testing.T, h *H, c *Client) *Client {
	t.Helper()
	emu.AddUser(authemu.User{UID: c.UID, Email: c.UID + "@example.invalid", Claims: map[string]any{"role": "therapist"}})
	tok, err := emu.Token(c.UID, 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return &Client{h: h, UID: c.UID, Token: tok}
}

// TestFacilitatorsWithoutRoleStillCountTowardThree: a group of three facilitators, one of
// whom lost the therapist role, takes no fourth (by a newcomer or by promotion); with the
// role back, the group has three, not four.
func TestFacilitatorsWithoutRoleStillCountTowardThree(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		code := facilitatorCode(t, g.Therapist, g.ID)
		var cos []*Client
		for i := 0; i < 2; i++ {
			c := h.Therapist(fmt.Sprint("co", i))
			if r := joinWith(c, code, fmt.Sprint("Dr. ", i)); r.Str("joinGroup.role") != "FACILITATOR" {
				t.Fatalf("facilitator %d: %s", i+2, r.Raw)
			}
			cos = append(cos, c)
		}
		// The admin takes Dr. 1's role away; their app signs in again (the stored role follows).
		demoted := demote(t, h, cos[1])
		demoted.MustOp("Viewer", nil)
		tm := h.Therapist("tm")
		g.Join(tm, "Dr. M")
		fourth := h.Therapist("fourth")
		for name, c := range map[string]*Client{"a newcomer": fourth, "a member, by promotion": tm} {
			if r := joinWith(c, code, "Dr. 4"); r.Code() != "CONFLICT" {
				t.Errorf("%s as fourth facilitator beside one without the role: %s", name, r.Raw)
			}
		}
		restore(t, h, cos[1]).MustOp("Viewer", nil)
		n := countRows(t, h, `SELECT COUNT(*) FROM memberships WHERE group_id = $1 AND role = 'FACILITATOR' AND left_at IS NULL`, idNum(t, g.ID))
		if n != 3 {
			t.Errorf("%d facilitators once the role is back, want 3", n)
		}
		// Once the one without the role leaves (they may: they lead nobody), a fourth may join.
		if r := demote(t, h, cos[1]).Op("LeaveGroup", map[string]any{"groupID": g.ID}); len(r.Errors) > 0 {
			t.Fatalf("a facilitator without the role leaves: %s", r.Raw)
		}
		if r := joinWith(fourth, code, "Dr. 4"); r.Str("joinGroup.role") != "FACILITATOR" {
			t.Errorf("after the one without the role left: %s", r.Raw)
		}
	})
}
