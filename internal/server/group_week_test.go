package server_test

// The group's week end to end, through the app's documents of group-life.graphql only:
// two therapists lead the group, plan the session, members answer the prompt, bring up
// topics and say whether they come, the facilitators prepare with the briefing and record
// who came.

import (
	"sort"
	"testing"
	"time"
)

// TestGroupWeek: every operation of group-life.graphql, as the app sends it, in the order a
// week brings them; what each person reads at each step.
func TestGroupWeek(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		sid := schedule(g, sixPM)

		// A second therapist joins to lead the group with the founder.
		co := h.Therapist("co")
		if r := joinWith(co, facilitatorCode(t, g.Therapist, g.ID), "Dr. C"); r.Str("joinGroup.role") != "FACILITATOR" {
			t.Fatalf("the co-facilitator's join: %s", r.Raw)
		}

		// The co-facilitator plans the session; members read the plan.
		r := co.MustOp("PlanSession", map[string]any{"sessionID": sid, "input": map[string]any{"theme": "Trust", "prompt": "Who do you trust?"}})
		if r.Str("planSession.theme") != "Trust" || r.Get("planSession.viewerRsvp") != nil {
			t.Fatalf("PlanSession: %s", r.Raw)
		}

		// Ann answers the prompt for the facilitators, proposes a topic for them, and comes;
		// Ben proposes one for the group (he consented), withdraws another, and cannot come.
		answer := g.A.MustOp("CreateReflection", map[string]any{"input": answerInput(g.ID, sid, "FACILITATORS", "MARKER week answer")}).Str("createReflection.reflection.id")
		annTopic := proposeTopic(g.A, sid, "MARKER week Ann's topic", "")
		benTopic := proposeTopic(g.B, sid, "MARKER week Ben's topic", "GROUP")
		withdrawn := proposeTopic(g.B, sid, "MARKER week Ben's second thoughts", "GROUP")
		if r := g.B.MustOp("WithdrawTopic", map[string]any{"id": withdrawn}); r.Str("withdrawTopic.status") != "WITHDRAWN" {
			t.Fatalf("WithdrawTopic: %s", r.Raw)
		}
		if r := respond(g.A, sid, "GOING", nil); r.Str("respondToSession.viewerRsvp") != "GOING" {
			t.Fatalf("RespondToSession: %s", r.Raw)
		}
		respond(g.B, sid, "NOT_GOING", "MARKER week away for work")

		// What each reads of the next session: the plan, their answer, the topics they may.
		for _, c := range []struct {
			name   string
			who    *Client
			rsvp   any
			topics []string
		}{
			{"Ann", g.A, "GOING", []string{annTopic, benTopic}},
			{"Ben", g.B, "NOT_GOING", []string{benTopic, withdrawn}},
			{"the co-facilitator", co, nil, []string{annTopic, benTopic}},
		} {
			r := c.who.MustOp("NextSessionPlan", map[string]any{"groupID": g.ID})
			if r.Str("node.nextSession.id") != sid || r.Str("node.nextSession.prompt") != "Who do you trust?" || r.Get("node.nextSession.viewerRsvp") != c.rsvp {
				t.Errorf("%s's NextSessionPlan: %s", c.name, r.Raw)
			}
			if got := ids(r, "node.nextSession.topics"); !equalSets(got, c.topics) || r.Num("node.nextSession.topics.totalCount") != len(c.topics) {
				t.Errorf("%s reads topics %v (total %d), want %v", c.name, got, r.Num("node.nextSession.topics.totalCount"), c.topics)
			}
		}

		// The founder prepares: the plan, who is coming with their notes, the topics, the
		// answers to the prompt.
		r = g.Therapist.MustOp("SessionBriefing", map[string]any{"sessionID": sid})
		if r.Str("node.theme") != "Trust" || !equalSets(ids(r, "node.topics"), []string{annTopic, benTopic}) || !equalSets(ids(r, "node.answers"), []string{answer}) {
			t.Fatalf("SessionBriefing: %s", r.Raw)
		}
		att := map[string]map[string]any{}
		for _, x := range r.Get("node.attendance").([]any) {
			m := x.(map[string]any)
			att[m["membership"].(map[string]any)["id"].(string)] = m
		}
		if a, b := att[g.Memberships[g.A]], att[g.Memberships[g.B]]; len(att) != 2 || a["rsvp"] != "GOING" || b["rsvp"] != "NOT_GOING" || b["rsvpNote"] != "MARKER week away for work" {
			t.Fatalf("the briefing's attendance: %v", att)
		}
		// Members read no one's attendance, not even their own note there.
		if r := g.A.MustOp("SessionBriefing", map[string]any{"sessionID": sid}); len(r.Get("node.attendance").([]any)) != 0 {
			t.Fatalf("Ann's briefing lists attendance: %s", r.Raw)
		}

		// After the start: who came, and the topics talked about.
		h.Clock.Advance(sixPM.Sub(h.Clock.Now()) + 10*time.Minute)
		r = co.MustOp("RecordAttendance", map[string]any{"sessionID": sid, "entries": []map[string]any{
			{"membershipID": g.Memberships[g.A], "status": "PRESENT"},
			{"membershipID": g.Memberships[g.B], "status": "ABSENT"},
		}})
		for _, x := range r.Get("recordAttendance.attendance").([]any) {
			m := x.(map[string]any)
			want := map[string]any{g.Memberships[g.A]: "PRESENT", g.Memberships[g.B]: "ABSENT"}[m["membership"].(map[string]any)["id"].(string)]
			if m["status"] != want {
				t.Errorf("RecordAttendance: %v", m)
			}
		}
		r = g.Therapist.MustOp("MarkTopicsDiscussed", map[string]any{"ids": []string{annTopic, benTopic}})
		for _, x := range r.Get("markTopicsDiscussed").([]any) {
			if x.(map[string]any)["status"] != "DISCUSSED" {
				t.Errorf("MarkTopicsDiscussed: %s", r.Raw)
			}
		}
	}, startingAt(tuesdayMorning))
}

// ids are the ids of the nodes of the connection at path of r.
func ids(r *Resp, path string) []string {
	edges, _ := r.Get(path + ".edges").([]any)
	out := []string{}
	for _, e := range edges {
		out = append(out, e.(map[string]any)["node"].(map[string]any)["id"].(string))
	}
	return out
}

// equalSets reports whether a and b hold the same strings, in any order.
func equalSets(a, b []string) bool {
	a, b = append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(a)
	sort.Strings(b)
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
