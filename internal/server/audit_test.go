package server_test

// The audit trail (audit_events, for operators): which events are recorded, without content,
// and how much a flood of denied attempts can write.

import (
	"strings"
	"testing"
	"time"

	"github.com/processgroup/api/internal/firebase/authemu"
)

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
		h.App.RunFollowUps() // denied attempts are recorded after their answers

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

// TestAuditDeniedIsBounded: the audit of denied attempts stores a fixed, short word
// per event, whatever the client names its operation, and one request cannot make the
// server write megabytes of audit: a signed-in member sending a query named with 200,000
// characters that asks for 100 ids it may not read.
func TestAuditDeniedIsBounded(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		priv := g.Reflect(g.A, "PRIVATE", "MARKER-AUD-private")
		name := "A3" + strings.Repeat("x", 200000)
		ids := make([]string, 100)
		for i := range ids {
			ids[i] = priv
		}
		before := countRows(t, h, "SELECT COALESCE(SUM(LENGTH(detail)), 0) FROM audit_events")
		events := countRows(t, h, "SELECT COUNT(*) FROM audit_events")
		r := g.B.Raw("query "+name+"($ids: [ID!]!) { nodes(ids: $ids) { id } }", name, map[string]any{"ids": ids})
		if r.Code() != "NOT_FOUND" || strings.Contains(r.Raw, "MARKER") {
			t.Fatalf("nodes of a private reflection: %.300s", r.Raw)
		}
		h.App.RunFollowUps() // denied attempts are recorded after their answers
		written := countRows(t, h, "SELECT COALESCE(SUM(LENGTH(detail)), 0) FROM audit_events") - before
		added := countRows(t, h, "SELECT COUNT(*) FROM audit_events") - events
		if added == 0 {
			t.Errorf("the denied attempt was not audited")
		}
		if written > 10000 {
			t.Errorf("one denied request wrote %d events with %d bytes of detail into the audit trail (the client's operation name, once per error)", added, written)
		}
	})
}
