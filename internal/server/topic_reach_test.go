package server_test

// Topics from the paths and the positions the privacy matrix of topics_test.go leaves out:
// a therapist whose role was taken away, a removed author and their peers, the session
// lists (upcomingSessions, Group.sessions) and the live session changes; ids one may not
// read answered exactly as ids that do not exist; the accounting of a topic a mutation
// returns and of one a subscription sends.

import (
	"fmt"
	"testing"
	"time"
)

// topicTextDoc reads a topic's text and author (no session: a former member no longer
// reads the session).
const topicTextDoc = `query TopicText($id: ID!) { node(id: $id) { ... on Topic { id text status author { id displayName } } } }`

// topicReadCount counts the accounted reads of topics.
func topicReadCount(t *testing.T, h *H) int {
	t.Helper()
	return countRows(t, h, "SELECT COUNT(*) FROM reflection_reads WHERE topic_id IS NOT NULL")
}

// TestTopicReachAfterRoleOrMembershipEnds: who reads and changes a topic once a therapist's
// role is taken away or its author is removed from the group.
func TestTopicReachAfterRoleOrMembershipEnds(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g, session := topicGroup(h)
		fac := proposeTopic(g.A, session, "MARKER-REACH-fac", "FACILITATORS")
		grp := proposeTopic(g.A, session, "MARKER-REACH-grp", "GROUP")
		demoted := demote(t, h, g.Therapist)
		g.Therapist.MustOp("RemoveMember", map[string]any{"membershipID": g.Memberships[g.A]})
		for _, tc := range []struct {
			name string
			who  *Client
			id   string
			want bool
		}{
			{"a facilitator without the therapist role, FACILITATORS", demoted, fac, false},
			{"a facilitator without the therapist role, GROUP", demoted, grp, false},
			{"the facilitator, a removed author's FACILITATORS topic", g.Therapist, fac, true},
			{"the facilitator, a removed author's GROUP topic", g.Therapist, grp, true},
			{"a peer, a removed author's GROUP topic", g.B, grp, false},
			{"the removed author, their own topic", g.A, grp, true},
		} {
			r := tc.who.Raw(topicTextDoc, "TopicText", map[string]any{"id": tc.id})
			if got := r.Str("node.id") == tc.id && r.Str("node.text") != "" && r.Str("node.author.id") == g.Memberships[g.A]; got != tc.want || len(r.Errors) > 0 {
				t.Errorf("%s: %s, want read %v", tc.name, r.Raw, tc.want)
			}
			if !tc.want {
				noLeak(t, tc.name, r, "MARKER")
			}
		}
		if r := demoted.Op("MarkTopicsDiscussed", map[string]any{"ids": []string{fac}}); r.Code() != "NOT_FOUND" {
			t.Errorf("a facilitator without the therapist role marks: %s", r.Raw)
		}
		if r := g.A.Op("ProposeTopic", map[string]any{"input": topicInput(session, "MARKER-REACH-late", "")}); r.Code() != "NOT_FOUND" {
			t.Errorf("the removed author proposes: %s", r.Raw)
		}
		// Their own topic stays theirs to take back before the session.
		if r := g.A.MustOp("WithdrawTopic", map[string]any{"id": fac}); r.Str("withdrawTopic.status") != "WITHDRAWN" {
			t.Errorf("the removed author withdraws: %s", r.Raw)
		}
		if r := g.Therapist.Raw(topicTextDoc, "TopicText", map[string]any{"id": fac}); r.Get("node") != nil {
			t.Errorf("the facilitator reads the withdrawn topic: %s", r.Raw)
		}
		if n := countRows(t, h, "SELECT COUNT(*) FROM topics WHERE status = 'DISCUSSED'"); n != 0 {
			t.Fatalf("%d topics marked", n)
		}
	})
}

// TestTopicHiddenAnsweredAlike: withdrawing or marking a topic one may not read is answered
// exactly (code and message) as for an id that does not exist, and so is proposing into a
// session one may not read.
func TestTopicHiddenAnsweredAlike(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g, session := topicGroup(h)
		fac := proposeTopic(g.A, session, "MARKER-ALIKE-fac", "FACILITATORS")
		gone := proposeTopic(g.B, session, "MARKER-ALIKE-gone", "GROUP")
		g.B.MustOp("WithdrawTopic", map[string]any{"id": gone})
		answer := func(r *Resp) string {
			if len(r.Errors) != 1 {
				return r.Raw
			}
			return fmt.Sprint(r.Errors[0].Extensions["code"], " ", r.Errors[0].Message, " ", r.Errors[0].Path)
		}
		for _, tc := range []struct {
			name   string
			who    *Client
			hidden string
		}{
			{"a peer, a FACILITATORS topic", g.B, fac},
			{"a member of no group", g.Outsider, fac},
			{"a therapist of another group", g.Stranger, fac},
			{"the facilitator, a withdrawn topic", g.Therapist, gone},
			{"the author's peer, a withdrawn topic", g.A, gone},
		} {
			none := madeUpID(t, tc.hidden)
			for _, op := range []struct {
				name string
				vars func(id string) map[string]any
			}{
				{"WithdrawTopic", func(id string) map[string]any { return map[string]any{"id": id} }},
				{"MarkTopicsDiscussed", func(id string) map[string]any { return map[string]any{"ids": []string{id}} }},
			} {
				a, b := answer(tc.who.Op(op.name, op.vars(tc.hidden))), answer(tc.who.Op(op.name, op.vars(none)))
				if a != b || a == "" {
					t.Errorf("%s, %s: hidden %q, none %q", tc.name, op.name, a, b)
				}
			}
		}
		for _, c := range []*Client{g.Outsider, g.Stranger} {
			a := answer(c.Op("ProposeTopic", map[string]any{"input": topicInput(session, "MARKER-ALIKE-p", "")}))
			b := answer(c.Op("ProposeTopic", map[string]any{"input": topicInput(madeUpID(t, session), "MARKER-ALIKE-p", "")}))
			if a != b {
				t.Errorf("proposing into a hidden session %q, into none %q", a, b)
			}
		}
		if n := countRows(t, h, "SELECT COUNT(*) FROM topics WHERE status = 'OPEN'"); n != 1 {
			t.Fatalf("%d open topics, want 1: nothing changed", n)
		}
	})
}

// TestTopicSessionListsAndLiveChanges: the topics of the sessions listed by upcomingSessions
// and Group.sessions, and of a session a subscription sends, are each viewer's topics only,
// counted as such, and the text sent is accounted like any other read (a subscription's,
// and a mutation's answer too).
func TestTopicSessionListsAndLiveChanges(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g, session := topicGroup(h)
		fac := proposeTopic(g.A, session, "MARKER-LISTS-fac", "FACILITATORS")
		grp := proposeTopic(g.A, session, "MARKER-LISTS-grp", "GROUP")
		const topicsSel = `topics(first: 10) { totalCount edges { node { id text } } }`
		docs := map[string]string{
			"viewer.upcomingSessions.0.topics":  `query { viewer { upcomingSessions(first: 5) { id ` + topicsSel + ` } } }`,
			"node.sessions.edges.0.node.topics": `query($g: ID!) { node(id: $g) { ... on Group { sessions(first: 5) { edges { node { id ` + topicsSel + ` } } } } } }`,
			"sessionChanged.session.topics":     `subscription S($g: ID!) { sessionChanged(groupID: $g) { kind session { id ` + topicsSel + ` } } }`,
		}
		ids := func(r *Resp, at string) []string {
			if n := r.Num(at + ".totalCount"); n != len(edgeIDs(r, at)) {
				t.Errorf("%s: totalCount %d: %s", at, n, r.Raw)
			}
			return edgeIDs(r, at)
		}
		want := map[*Client]string{g.A: fmt.Sprint([]string{fac, grp}), g.B: fmt.Sprint([]string{grp}), g.Therapist: fmt.Sprint([]string{fac, grp})}
		lives := map[*Client]*Live{}
		for c := range want {
			lives[c] = c.Live()
			lives[c].SubscribeRaw("s", docs["sessionChanged.session.topics"], "S", map[string]any{"g": g.ID})
		}
		before := topicReadCount(t, h)
		for at, doc := range docs {
			if at == "sessionChanged.session.topics" {
				continue
			}
			for c, w := range want {
				r := c.MustRaw(doc, "", map[string]any{"g": g.ID})
				if got := fmt.Sprint(ids(r, at)); got != w {
					t.Errorf("%s: %s, want %s", at, got, w)
				}
			}
		}
		// Two requests each of the facilitator (2 topics) and Ben (1).
		if n := topicReadCount(t, h) - before; n != 6 {
			t.Errorf("%d reads accounted for the session lists, want 6", n)
		}
		before = topicReadCount(t, h)
		g.Therapist.MustOp("RescheduleSession", map[string]any{"id": session, "startsAt": rfc3339(h.Clock.Now().Add(50 * time.Hour))})
		for c, w := range want {
			r := lives[c].Data("s")
			if got := fmt.Sprint(ids(r, "sessionChanged.session.topics")); got != w {
				t.Errorf("sessionChanged: %s, want %s", got, w)
			}
		}
		// The facilitator's event reads 2, Ben's 1: each event is sent once its reads are
		// written.
		if n := topicReadCount(t, h) - before; n != 3 {
			t.Errorf("%d reads accounted for the live changes, want 3", n)
		}
		before = topicReadCount(t, h)
		if r := g.Therapist.MustOp("MarkTopicsDiscussed", map[string]any{"ids": []string{fac}}); r.Str("markTopicsDiscussed.0.text") != "MARKER-LISTS-fac" {
			t.Fatalf("marked: %s", r.Raw)
		}
		if n := topicReadCount(t, h) - before; n != 1 {
			t.Errorf("%d reads accounted for the topic markTopicsDiscussed answered with, want 1", n)
		}
	})
}
