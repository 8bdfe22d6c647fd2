package server_test

// Co-facilitators: a group is led by one to three therapists. A facilitator's invite code
// (CreateFacilitatorInvite) is redeemed by a therapist only, who then leads the group with the
// same powers as its founder; the last facilitator can neither leave, be removed, nor delete
// their account, even when two try at once.

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// facilitatorCode makes a facilitator's invite code of g as c (a facilitator of it).
func facilitatorCode(t *testing.T, c *Client, groupID string) string {
	t.Helper()
	r := c.MustOp("CreateFacilitatorInvite", map[string]any{"groupID": groupID, "expiresInHours": 24})
	if r.Str("createGroupInvite.role") != "FACILITATOR" || r.Str("createGroupInvite.code") == "" {
		t.Fatalf("CreateFacilitatorInvite: %s", r.Raw)
	}
	return r.Str("createGroupInvite.code")
}

// joinWith redeems code as c under name.
func joinWith(c *Client, code, name string) *Resp {
	return c.Op("JoinGroup", map[string]any{"input": map[string]any{"code": code, "displayName": name}})
}

// rolesIn lists "name/ROLE" of g's current memberships as c reads them, sorted.
func rolesIn(t *testing.T, c *Client, groupID string) []string {
	t.Helper()
	r := c.MustOp("GroupFeed", map[string]any{"groupID": groupID})
	list, _ := r.Get("node.memberships").([]any)
	var out []string
	for _, x := range list {
		m := x.(map[string]any)
		out = append(out, fmt.Sprint(m["displayName"], "/", m["role"]))
	}
	sort.Strings(out)
	return out
}

// coLed is the fixture's group with a second therapist, Dr. C, joined as facilitator.
func coLed(t *testing.T, h *H) (g *Group, co *Client, coID string) {
	t.Helper()
	g = h.NewGroup()
	co = h.Therapist("co")
	r := joinWith(co, facilitatorCode(t, g.Therapist, g.ID), "Dr. C")
	if len(r.Errors) > 0 || r.Str("joinGroup.role") != "FACILITATOR" {
		t.Fatalf("a therapist redeems a facilitator's code: %s", r.Raw)
	}
	coID = r.Str("joinGroup.id")
	g.Memberships[co] = coID
	g.Consent(co)
	return g, co, coID
}

// TestFacilitatorInviteRedemption: who redeems which code, and as what.
func TestFacilitatorInviteRedemption(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		// Only facilitators make codes, of either kind.
		for _, c := range []*Client{g.A, g.Stranger} {
			r := c.Op("CreateFacilitatorInvite", map[string]any{"groupID": g.ID})
			if r.Code() != "FORBIDDEN" && r.Code() != "NOT_FOUND" {
				t.Errorf("a non-facilitator makes a facilitator's code: %s", r.Raw)
			}
		}
		// The role is stored and read back; a member's code says MEMBER.
		if r := g.Therapist.MustOp("CreateFacilitatorInvite", map[string]any{"groupID": g.ID}); r.Str("createGroupInvite.role") != "FACILITATOR" {
			t.Errorf("role of a facilitator's code: %s", r.Raw)
		}
		memberInvite := g.Therapist.MustRaw(`mutation M($g: ID!) { createGroupInvite(groupID: $g) { role } }`, "M", map[string]any{"g": g.ID})
		if memberInvite.Str("createGroupInvite.role") != "MEMBER" {
			t.Errorf("role of a default code: %s", memberInvite.Raw)
		}
		code := facilitatorCode(t, g.Therapist, g.ID)
		before := rolesIn(t, g.Therapist, g.ID)

		cases := []struct {
			name     string
			who      *Client
			code     string
			wantCode string // "" for success
			wantRole string
		}{
			{"a member of no group, with a facilitator's code", h.Member("newcomer"), code, "FORBIDDEN", ""},
			{"a member of the group, with a facilitator's code", g.B, code, "FORBIDDEN", ""},
			{"a therapist, with a member's code", h.Therapist("tm"), g.Code, "", "MEMBER"},
			{"a therapist, with a facilitator's code", h.Therapist("tf"), code, "", "FACILITATOR"},
		}
		for i, c := range cases {
			r := joinWith(c.who, c.code, fmt.Sprint("P", i))
			if r.Code() != c.wantCode {
				t.Errorf("%s: want %q, got %s", c.name, c.wantCode, r.Raw)
				continue
			}
			if c.wantCode == "FORBIDDEN" {
				if !strings.Contains(r.Errors[0].Message, "therapist") {
					t.Errorf("%s: the refusal does not say why: %s", c.name, r.Errors[0].Message)
				}
				continue
			}
			if r.Str("joinGroup.role") != c.wantRole {
				t.Errorf("%s: joined as %s, want %s", c.name, r.Str("joinGroup.role"), c.wantRole)
			}
			// The role is what the memberships say, to the joiner and to the group.
			mine := c.who.MustOp("Viewer", nil)
			if mine.Str("viewer.memberships.0.role") != c.wantRole {
				t.Errorf("%s: viewer.memberships: %s", c.name, mine.Raw)
			}
		}
		after := rolesIn(t, g.Therapist, g.ID)
		want := append(append([]string{}, before...), "P2/MEMBER", "P3/FACILITATOR")
		sort.Strings(want)
		if strings.Join(after, ",") != strings.Join(want, ",") {
			t.Errorf("members: %v, want %v", after, want)
		}
		// A refused member of the group is unchanged; the refused newcomer is in no group.
		if got := rolesIn(t, g.B, g.ID); !contains(got, "Ben/MEMBER") {
			t.Errorf("Ben after a refused facilitator's code: %v", got)
		}
		if n := len(viewerGroups(cases[0].who)); n != 0 {
			t.Errorf("the refused newcomer is in %d groups", n)
		}
		if n := countRows(t, h, "SELECT COUNT(*) FROM audit_events WHERE action = 'group.joined' AND detail = 'FACILITATOR'"); n != 1 {
			t.Errorf("%d facilitator joins audited, want 1", n)
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestFacilitatorPromotionAndRejoin: a therapist who is a MEMBER of the group is promoted by
// a facilitator's code; a facilitator who left comes back as facilitator; a member's code
// never demotes; a removed therapist does not come back.
func TestFacilitatorPromotionAndRejoin(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		tm := h.Therapist("tm")
		id := g.Join(tm, "Dr. M")
		code := facilitatorCode(t, g.Therapist, g.ID)
		r := joinWith(tm, code, "ignored")
		if len(r.Errors) > 0 || r.Str("joinGroup.id") != id || r.Str("joinGroup.role") != "FACILITATOR" || r.Str("joinGroup.displayName") != "Dr. M" {
			t.Fatalf("promotion: want membership %s as FACILITATOR named Dr. M, got %s", id, r.Raw)
		}
		if n := countRows(t, h, "SELECT COUNT(*) FROM audit_events WHERE action = 'group.promoted' AND subject_id = $1", idNum(t, id)); n != 1 {
			t.Errorf("%d promotions audited", n)
		}
		// Again: nothing changes.
		if r := joinWith(tm, code, "x"); r.Str("joinGroup.role") != "FACILITATOR" || r.Str("joinGroup.id") != id {
			t.Errorf("redeeming again: %s", r.Raw)
		}
		// A member's code does not demote.
		if r := joinWith(tm, g.Code, "x"); r.Str("joinGroup.role") != "FACILITATOR" {
			t.Errorf("a member's code demoted a facilitator: %s", r.Raw)
		}
		// The promoted therapist leaves and comes back by a facilitator's code.
		tm.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		if r := joinWith(tm, code, "Dr. M"); r.Str("joinGroup.role") != "FACILITATOR" || r.Str("joinGroup.id") != id {
			t.Errorf("rejoin by a facilitator's code: %s", r.Raw)
		}
		// Removed by the founder: not back by any code.
		g.Therapist.MustOp("RemoveMember", map[string]any{"membershipID": id})
		if r := joinWith(tm, code, "Dr. M"); r.Code() != "FORBIDDEN" {
			t.Errorf("a removed therapist redeems a facilitator's code: %s", r.Raw)
		}
		if got := rolesIn(t, g.Therapist, g.ID); contains(got, "Dr. M/FACILITATOR") {
			t.Errorf("the removed therapist leads: %v", got)
		}
	})
}

// TestFacilitatorsAtMostThree: a fourth facilitator is refused with CONFLICT and nothing
// changes; once one leaves, another may join.
func TestFacilitatorsAtMostThree(t *testing.T) {
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
		before := rolesIn(t, g.Therapist, g.ID)
		fourth := h.Therapist("fourth")
		if r := joinWith(fourth, code, "Dr. 4"); r.Code() != "CONFLICT" {
			t.Fatalf("a fourth facilitator: %s", r.Raw)
		}
		// A member of the group promoted as fourth: refused as well, and still a member.
		tm := h.Therapist("tm")
		g.Join(tm, "Dr. M")
		before = rolesIn(t, g.Therapist, g.ID)
		if r := joinWith(tm, code, "Dr. M"); r.Code() != "CONFLICT" {
			t.Fatalf("a fourth facilitator by promotion: %s", r.Raw)
		}
		if after := rolesIn(t, g.Therapist, g.ID); strings.Join(after, ",") != strings.Join(before, ",") {
			t.Errorf("refused: %v, before %v", after, before)
		}
		if n := len(viewerGroups(fourth)); n != 0 {
			t.Errorf("the refused fourth is in %d groups", n)
		}
		// One leaves: the fourth may join.
		cos[0].MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		if r := joinWith(fourth, code, "Dr. 4"); r.Str("joinGroup.role") != "FACILITATOR" {
			t.Errorf("after one left: %s", r.Raw)
		}
	})
}

// TestFacilitatorsAtMostThreeAtOnce (PostgreSQL): two therapists redeem a facilitator's code
// of a group of two facilitators at the same moment: exactly one gets in.
func TestFacilitatorsAtMostThreeAtOnce(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		for round := 0; round < 8; round++ {
			g, _, _ := coLed(t, h)
			code := facilitatorCode(t, g.Therapist, g.ID)
			ts := []*Client{h.Therapist("x"), h.Therapist("y")}
			for _, c := range ts {
				c.MustOp("Viewer", nil) // signed up before the race, as people are
			}
			answers := make([]*Resp, 2)
			atOnce(2, func(i int) { answers[i] = joinWith(ts[i], code, fmt.Sprint("Dr. ", i)) })
			ok := 0
			for _, r := range answers {
				switch r.Code() {
				case "":
					ok++
				case "CONFLICT":
				default:
					t.Errorf("round %d: %s", round, r.Raw)
				}
			}
			n := 0
			for _, x := range rolesIn(t, g.Therapist, g.ID) {
				if strings.HasSuffix(x, "/FACILITATOR") {
					n++
				}
			}
			if ok != 1 || n != 3 {
				t.Fatalf("round %d: %d joined, %d facilitators; want 1 and 3", round, ok, n)
			}
		}
	}, onlyPostgres())
}

// TestLastFacilitatorStays: the only facilitator can neither leave, be removed (there is no
// one to remove them but themselves) nor delete their account: CONFLICT, and nothing
// changes. With a co-facilitator, each may.
func TestLastFacilitatorStays(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		before := rolesIn(t, g.A, g.ID)
		if r := g.Therapist.Op("LeaveGroup", map[string]any{"groupID": g.ID}); r.Code() != "CONFLICT" {
			t.Errorf("the only facilitator leaves: %s", r.Raw)
		}
		if r := g.Therapist.Op("DeleteAccount", map[string]any{"confirm": true}); r.Code() != "CONFLICT" || !strings.Contains(r.Errors[0].Message, "last facilitator") {
			t.Errorf("the only facilitator deletes their account: %s", r.Raw)
		}
		if r := g.Therapist.Op("Viewer", nil); len(r.Errors) > 0 {
			t.Errorf("the refused deletion took the account: %s", r.Raw)
		}
		if after := rolesIn(t, g.A, g.ID); strings.Join(after, ",") != strings.Join(before, ",") {
			t.Errorf("after the refusals: %v, before %v", after, before)
		}
		if n := countRows(t, h, "SELECT COUNT(*) FROM audit_events WHERE action IN ('group.left', 'account.deleted')"); n != 0 {
			t.Errorf("%d leave or deletion events of refused attempts", n)
		}

		// Two facilitators: one removes the other, who then cannot remove the remover
		// (they are no longer a facilitator) nor can the remaining one leave.
		co := h.Therapist("co")
		coID := joinWith(co, facilitatorCode(t, g.Therapist, g.ID), "Dr. C").Str("joinGroup.id")
		co.MustOp("RemoveMember", map[string]any{"membershipID": g.Memberships[g.Therapist]})
		if r := g.Therapist.Op("RemoveMember", map[string]any{"membershipID": coID}); r.Code() == "" {
			t.Errorf("a removed facilitator removes: %s", r.Raw)
		}
		if r := co.Op("LeaveGroup", map[string]any{"groupID": g.ID}); r.Code() != "CONFLICT" {
			t.Errorf("the remaining facilitator leaves: %s", r.Raw)
		}
		if got := rolesIn(t, co, g.ID); !contains(got, "Dr. C/FACILITATOR") || contains(got, "Dr. T/FACILITATOR") {
			t.Errorf("after the removal: %v", got)
		}
	})
}

// TestTwoTherapistsLeadFromCreationToDeletion is the "done when": a group led by two
// therapists from its creation to the deletion of either account, without ever having none.
func TestTwoTherapistsLeadFromCreationToDeletion(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g, co, _ := coLed(t, h)
		if r := g.Therapist.MustOp("DeleteAccount", map[string]any{"confirm": true}); r.Get("deleteAccount") != true {
			t.Fatalf("the founder deletes their account with a co-facilitator: %s", r.Raw)
		}
		if got := rolesIn(t, co, g.ID); strings.Join(got, ",") != "Ann/MEMBER,Ben/MEMBER,Dr. C/FACILITATOR" {
			t.Errorf("after the founder's deletion: %v", got)
		}
		for _, op := range []struct {
			name string
			vars map[string]any
		}{
			{"LeaveGroup", map[string]any{"groupID": g.ID}},
			{"DeleteAccount", map[string]any{"confirm": true}},
		} {
			if r := co.Op(op.name, op.vars); r.Code() != "CONFLICT" {
				t.Errorf("the last facilitator: %s: %s", op.name, r.Raw)
			}
		}
		// The group still works under its second therapist.
		fac := g.Reflect(g.A, "FACILITATORS", "for the therapist")
		if r := co.MustOp("Reflection", map[string]any{"id": fac}); r.Str("node.body") != "for the therapist" {
			t.Errorf("the remaining facilitator reads FACILITATORS reflections: %s", r.Raw)
		}
	})
}

// TestLastFacilitatorRaces (PostgreSQL, where requests run at once): two facilitators leave
// at the same moment, remove each other, or one leaves while the other deletes their
// account: exactly one remains, every time; the other gets CONFLICT.
func TestLastFacilitatorRaces(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		type act func(g *Group, co *Client, coID string, i int) *Resp
		tally := map[string][]string{}
		leave := func(g *Group, co *Client, _ string, i int) *Resp {
			c := []*Client{g.Therapist, co}[i]
			return c.Op("LeaveGroup", map[string]any{"groupID": g.ID})
		}
		removeEach := func(g *Group, co *Client, coID string, i int) *Resp {
			if i == 0 {
				return g.Therapist.Op("RemoveMember", map[string]any{"membershipID": coID})
			}
			return co.Op("RemoveMember", map[string]any{"membershipID": g.Memberships[g.Therapist]})
		}
		leaveOrDelete := func(g *Group, co *Client, _ string, i int) *Resp {
			if i == 0 {
				return g.Therapist.Op("LeaveGroup", map[string]any{"groupID": g.ID})
			}
			return co.Op("DeleteAccount", map[string]any{"confirm": true})
		}
		for _, c := range []struct {
			name string
			do   act
		}{{"both leave", leave}, {"each removes the other", removeEach}, {"one leaves, one deletes their account", leaveOrDelete}} {
			defer func() { t.Logf("%s: answers (codes) %v", c.name, tally[c.name]) }()
			for round := 0; round < 8; round++ {
				g, co, coID := coLed(t, h)
				answers := make([]*Resp, 2)
				atOnce(2, func(i int) { answers[i] = c.do(g, co, coID, i) })
				ok, conflicts := 0, 0
				for _, r := range answers {
					switch r.Code() {
					case "":
						ok++
					case "CONFLICT":
						conflicts++
					default:
						// The loser of a removal race that starts after the other's commit is
						// no longer in the group: it no longer finds it.
						if c.name != "each removes the other" || (r.Code() != "FORBIDDEN" && r.Code() != "NOT_FOUND") {
							t.Errorf("%s, round %d: %s", c.name, round, r.Raw)
						}
					}
				}
				tally[c.name] = append(tally[c.name], fmt.Sprintf("%s+%s", answers[0].Code(), answers[1].Code()))
				n := countRows(t, h, `SELECT COUNT(*) FROM memberships WHERE group_id = $1 AND role = 'FACILITATOR' AND left_at IS NULL`, idNum(t, g.ID))
				if ok != 1 || n != 1 {
					t.Fatalf("%s, round %d: %d succeeded (%d conflicts), %d facilitators remain; want 1 and 1: %s | %s",
						c.name, round, ok, conflicts, n, answers[0].Raw, answers[1].Raw)
				}
			}
		}
	}, onlyPostgres())
}

// TestCoFacilitatorPowers: a facilitator who joined by code does everything the founder
// does: invite, schedule, read FACILITATORS reflections, remove a member, moderate, read the
// digest; and the founder's powers are the same towards them.
func TestCoFacilitatorPowers(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g, co, coID := coLed(t, h)
		ref := g.Reflect(g.A, "GROUP", "MARKER-CO-group")
		fac := g.Reflect(g.A, "FACILITATORS", "MARKER-CO-fac")
		enc := mustEncourage(t, g.B, ref, "MARKER-CO-enc")
		mustReport(t, g.A, enc)
		for name, c := range map[string]*Client{"founder": g.Therapist, "co-facilitator": co} {
			if r := c.MustOp("Reflection", map[string]any{"id": fac}); r.Str("node.body") != "MARKER-CO-fac" {
				t.Errorf("%s reads a FACILITATORS reflection: %s", name, r.Raw)
			}
			c.MustOp("CreateGroupInvite", map[string]any{"groupID": g.ID})
			facilitatorCode(t, c, g.ID)
			scheduleSession(c, g.ID, h.Clock.Now().Add(48*time.Hour), 90)
			if ids := queueIDs(t, c, g.ID); len(ids) != 1 || ids[0] != enc {
				t.Errorf("%s's moderation queue: %v", name, ids)
			}
			if r := c.Op("GroupDigest", map[string]any{"groupID": g.ID}); len(r.Errors) > 0 {
				t.Errorf("%s reads the digest: %s", name, r.Raw)
			}
		}
		mustHide(t, co, enc)
		co.MustOp("RemoveMember", map[string]any{"membershipID": g.Memberships[g.B]})
		if got := rolesIn(t, g.Therapist, g.ID); contains(got, "Ben/MEMBER") {
			t.Errorf("the co-facilitator's removal: %v", got)
		}
		// The founder removes the co-facilitator: one remains.
		g.Therapist.MustOp("RemoveMember", map[string]any{"membershipID": coID})
		if r := co.Op("CreateGroupInvite", map[string]any{"groupID": g.ID}); r.Code() == "" {
			t.Errorf("a removed co-facilitator invites: %s", r.Raw)
		}
		if got := rolesIn(t, g.Therapist, g.ID); strings.Join(got, ",") != "Ann/MEMBER,Dr. T/FACILITATOR" {
			t.Errorf("after removing the co-facilitator: %v", got)
		}
	})
}
