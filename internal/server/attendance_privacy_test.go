package server_test

// The privacy of answers and attendance from every path that reaches a GroupSession, and the
// writes of attendance tried by everyone who may not make them.

import (
	"strings"
	"testing"
	"time"
)

// everyPathDoc reaches one session through every path of the API at once: the group's next
// session and its sessions, node and nodes, a reflection's session, the viewer's upcoming
// sessions.
const everyPathDoc = `query Every($g: ID!, $s: ID!, $r: ID!) {
  g: node(id: $g) { ... on Group {
    nextSession { id viewerRsvp attendance { rsvp rsvpNote status consecutiveAbsences } }
    sessions(first: 10) { edges { node { id attendance { rsvp rsvpNote status consecutiveAbsences } } } }
  } }
  s: node(id: $s) { ... on GroupSession { id viewerRsvp attendance { rsvp rsvpNote status consecutiveAbsences } } }
  nodes(ids: [$s]) { ... on GroupSession { id attendance { rsvp rsvpNote status consecutiveAbsences } } }
  r: node(id: $r) { ... on Reflection { session { id attendance { rsvp rsvpNote status consecutiveAbsences } } } }
  viewer { upcomingSessions { id attendance { rsvp rsvpNote status consecutiveAbsences } } }
}`

// TestAttendancePrivacyEveryPath: A's answer and note, and the absences in a row, reach the
// group's facilitator through each of the six paths, and nobody else through any: not the
// member themself (their own answer is viewerRsvp), a peer, an outsider, a stranger
// therapist, the facilitator demoted, a member removed, a member who left, an anonymous
// caller.
func TestAttendancePrivacyEveryPath(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		removed, left := h.Member("c"), h.Member("d")
		g.Memberships[removed] = g.Join(removed, "Cy")
		g.Join(left, "Di")
		past := schedule(g, sixPM.Add(-2*time.Hour))
		s := schedule(g, sixPM)
		const note = "note-marker-4471"
		respond(g.A, s, "NOT_GOING", note)
		respond(removed, s, "GOING", note+"-removed")
		respond(left, s, "GOING", note+"-left")
		r := g.A.MustOp("CreateReflection", map[string]any{"input": answerInput(g.ID, s, "GROUP", "an answer to the session")}).Str("createReflection.reflection.id")
		h.Clock.Set(sixPM.Add(-2 * time.Hour).Add(time.Minute))
		record(g.Therapist, past, map[string]string{g.Memberships[g.A]: "ABSENT", g.Memberships[g.B]: "ABSENT"})
		vars := map[string]any{"g": g.ID, "s": s, "r": r}

		// The facilitator: the note through each of the six paths, and A's absence.
		fr := g.Therapist.MustRaw(everyPathDoc, "Every", vars)
		if n := strings.Count(fr.Raw, `"rsvpNote":"`+note+`"`); n != 6 {
			t.Fatalf("the facilitator reads the note through %d paths, want 6: %s", n, fr.Raw)
		}
		if !strings.Contains(fr.Raw, `"consecutiveAbsences":1`) {
			t.Fatalf("the facilitator reads no absence: %s", fr.Raw)
		}

		g.Therapist.MustOp("RemoveMember", map[string]any{"membershipID": g.Memberships[removed]})
		left.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		for _, c := range []struct {
			name string
			by   *Client
			rsvp string // their viewerRsvp through node(id:), "" none
		}{
			{"the member", g.A, "NOT_GOING"},
			{"a peer", g.B, ""},
			{"an outsider", g.Outsider, ""},
			{"a stranger therapist", g.Stranger, ""},
			{"the facilitator, demoted", demote(t, h, g.Therapist), ""},
			{"a member removed", removed, ""},
			{"a member who left", left, ""},
			{"an anonymous caller", h.Anonymous(), ""},
		} {
			r := c.by.Raw(everyPathDoc, "Every", vars)
			noLeak(t, c.name, r, note, `"consecutiveAbsences"`, `"rsvp":`, `"status":`)
			if strings.Contains(r.Raw, `"attendance":[{`) {
				t.Errorf("%s reads an attendance list: %s", c.name, r.Raw)
			}
			if got, _ := r.Get("s.viewerRsvp").(string); got != c.rsvp {
				t.Errorf("%s: viewerRsvp %q, want %q: %s", c.name, got, c.rsvp, r.Raw)
			}
		}
	}, startingAt(tuesdayMorning))
}

// TestAttendanceWritesRefused: answers and records by everyone who may not give them change
// nothing: a member records (their own status too), a demoted facilitator records, a stranger
// therapist records with a membership of their own group, a facilitator records a session of
// another group with their own group's membership; a removed member, a member who left and an
// anonymous caller answer.
func TestAttendanceWritesRefused(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		removed, left := h.Member("c"), h.Member("d")
		g.Memberships[removed] = g.Join(removed, "Cy")
		g.Join(left, "Di")
		s := schedule(g, sixPM)
		later := schedule(g, sixPM.Add(24*time.Hour))
		theirs := g.Stranger.MustRaw(`query { viewer { memberships { id group { id } } } }`, "", nil)
		strangerMembership, strangerGroup := theirs.Str("viewer.memberships.0.id"), theirs.Str("viewer.memberships.0.group.id")
		elsewhere := scheduleSession(g.Stranger, strangerGroup, sixPM, 60)
		g.Therapist.MustOp("RemoveMember", map[string]any{"membershipID": g.Memberships[removed]})
		left.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		h.Clock.Set(sixPM.Add(time.Minute))
		a := g.Memberships[g.A]

		before := dbSnapshot(t, h)
		for _, c := range []struct {
			name string
			r    *Resp
			code string
		}{
			{"a member records their own status", record(g.A, s, map[string]string{a: "EXCUSED"}), "FORBIDDEN"},
			{"a member records a peer", record(g.A, s, map[string]string{g.Memberships[g.B]: "ABSENT"}), "FORBIDDEN"},
			{"the facilitator, demoted", record(demote(t, h, g.Therapist), s, map[string]string{a: "ABSENT"}), "FORBIDDEN"},
			{"a stranger therapist, with their membership", record(g.Stranger, s, map[string]string{strangerMembership: "PRESENT"}), "NOT_FOUND"},
			{"a facilitator, another group's session", record(g.Therapist, elsewhere, map[string]string{a: "PRESENT"}), "NOT_FOUND"},
			{"a stranger, a membership of this group in their session", record(g.Stranger, elsewhere, map[string]string{a: "ABSENT"}), "BAD_USER_INPUT"},
			{"a removed member answers", respond(removed, later, "GOING", "x"), "NOT_FOUND"},
			{"a member who left answers", respond(left, later, "GOING", "x"), "NOT_FOUND"},
			{"an anonymous caller answers", respond(h.Anonymous(), later, "GOING", "x"), "UNAUTHENTICATED"},
			{"an anonymous caller records", record(h.Anonymous(), s, map[string]string{a: "PRESENT"}), "UNAUTHENTICATED"},
			{"a member answers after the start", respond(g.A, s, "GOING", "x"), "CONFLICT"},
		} {
			if c.r.Code() != c.code {
				t.Errorf("%s: %s, want %s", c.name, c.r.Raw, c.code)
			}
			noLeak(t, c.name, c.r, "ent:", "sql", "privacy", "attendance.")
		}
		if after := dbSnapshot(t, h); after != before {
			t.Errorf("refused writes changed something")
		}
	}, startingAt(tuesdayMorning))
}
