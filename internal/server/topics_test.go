package server_test

// Topics members want to bring up at a session: who reads them, from every path (node, nodes,
// the session's connection, the next session's plan, the briefing, the accounting, the
// export); proposing (idempotent, validated, for upcoming sessions of one's group only),
// withdrawing, marking discussed; the accounting of reads; sealed at rest; gone with the
// author's account.

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// topicFieldsDoc is the contract's TopicFields.
const topicFieldsDoc = `fragment TopicFields on Topic { id clientID text visibility status createdAt author { id displayName } }`

// topicNodeDoc reads a topic through node(id:).
const topicNodeDoc = `query TopicNode($id: ID!) {
  node(id: $id) { __typename ... on Topic { ...TopicFields } }
}` + topicFieldsDoc

// topicNodesDoc reads topics through nodes(ids:).
const topicNodesDoc = `query TopicNodes($ids: [ID!]!) {
  nodes(ids: $ids) { __typename ... on Topic { ...TopicFields } }
}` + topicFieldsDoc

// sessionTopicsDoc reads a session's topics through the GroupSession.topics connection.
const sessionTopicsDoc = `query SessionTopics($id: ID!) {
  node(id: $id) { ... on GroupSession { id topics(first: 50) { totalCount edges { node { ...TopicFields } } } } }
}` + topicFieldsDoc

// nextSessionPlanDoc is the contract's NextSessionPlan without viewerRsvp (RSVPs are
// another part of issue 15, stubbed in this branch).
const nextSessionPlanDoc = `query NextSessionPlanTopics($groupID: ID!) {
  node(id: $groupID) { __typename ... on Group { id nextSession { id startsAt endsAt status theme prompt
    topics(first: 50) { totalCount edges { node { ...TopicFields } } } } } }
}` + topicFieldsDoc

// sessionBriefingDoc is the contract's SessionBriefing without viewerRsvp and attendance
// (another part of issue 15, stubbed in this branch).
const sessionBriefingDoc = `query SessionBriefingTopics($sessionID: ID!) {
  node(id: $sessionID) { __typename ... on GroupSession { id startsAt theme prompt
    topics(first: 100) { totalCount edges { node { ...TopicFields } } }
    answers: reflections(first: 100) { totalCount edges { node { id body author { id displayName } } } } } }
}` + topicFieldsDoc

// topicReadsDoc is the viewer's accounting with the topics read.
const topicReadsDoc = `query TopicReads {
  viewer { id reflectionReads(first: 100) { totalCount edges { node { id readAt reader { displayName role } reflection { id } topic { id text status } } } } }
}`

// topicInput is a ProposeTopicInput ("" visibility: left out, the default).
func topicInput(sessionID, text, visibility string) map[string]any {
	in := map[string]any{"clientID": uuid.NewString(), "sessionID": sessionID, "text": text}
	if visibility != "" {
		in["visibility"] = visibility
	}
	return in
}

// proposeTopic proposes a topic as c and returns its id.
func proposeTopic(c *Client, sessionID, text, visibility string) string {
	c.h.t.Helper()
	return c.MustOp("ProposeTopic", map[string]any{"input": topicInput(sessionID, text, visibility)}).Str("proposeTopic.id")
}

// topicGroup is the fixture with a session two days ahead.
func topicGroup(h *H) (*Group, string) {
	h.t.Helper()
	g := h.NewGroup()
	return g, schedule(g, h.Clock.Now().Add(48*time.Hour))
}

// topicPaths reads topic id of session sessionID of group groupID as c through every path a
// reader other than the author has, and reports on which ones c read it with its text. It
// fails the test when a path answers inconsistently (a totalCount that is not the number of
// edges, the marker in an answer that does not show the topic).
func topicPaths(t *testing.T, c *Client, groupID, sessionID, id, marker string) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	check := func(path string, r *Resp, found bool) {
		t.Helper()
		if len(r.Errors) > 0 {
			t.Fatalf("%s: errors: %s", path, r.Raw)
		}
		seen[path] = found
		if !found {
			noLeak(t, path, r, marker)
		}
	}
	r := c.Raw(topicNodeDoc, "TopicNode", map[string]any{"id": id})
	check("node", r, r.Str("node.id") == id && r.Str("node.text") == marker)
	if seen["node"] && (r.Str("node.author.id") == "" || r.Str("node.author.displayName") == "") {
		t.Errorf("node: the topic without its author: %s", r.Raw)
	}
	// nodes(ids:): the topic beside an id that does not exist, which fails with NOT_FOUND;
	// an unreadable topic fails alike.
	r = c.Raw(topicNodesDoc, "TopicNodes", map[string]any{"ids": []string{id, madeUpID(t, id)}})
	seen["nodes"] = r.Str("nodes.0.id") == id && r.Str("nodes.0.text") == marker
	codes := map[string]string{}
	for _, e := range r.Errors {
		codes[fmt.Sprint(e.Path...)] = fmt.Sprint(e.Extensions["code"], e.Message)
	}
	if seen["nodes"] && len(r.Errors) != 1 || !seen["nodes"] && (len(r.Errors) != 2 || codes["nodes0"] != codes["nodes1"]) {
		t.Errorf("nodes: %s", r.Raw)
	}
	if !seen["nodes"] {
		noLeak(t, "nodes", r, marker)
	}
	inConnection := func(path string, r *Resp, at string) bool {
		t.Helper()
		edges, _ := r.Get(at + ".edges").([]any)
		if r.Get(at) != nil && r.Num(at+".totalCount") != len(edges) {
			t.Errorf("%s: totalCount %d for %d edges: %s", path, r.Num(at+".totalCount"), len(edges), r.Raw)
		}
		for i := range edges {
			if r.Str(fmt.Sprintf("%s.edges.%d.node.id", at, i)) == id {
				return r.Str(fmt.Sprintf("%s.edges.%d.node.text", at, i)) == marker
			}
		}
		return false
	}
	r = c.Raw(sessionTopicsDoc, "SessionTopics", map[string]any{"id": sessionID})
	check("connection", r, inConnection("connection", r, "node.topics"))
	r = c.Raw(nextSessionPlanDoc, "NextSessionPlanTopics", map[string]any{"groupID": groupID})
	check("plan", r, inConnection("plan", r, "node.nextSession.topics"))
	r = c.Raw(sessionBriefingDoc, "SessionBriefingTopics", map[string]any{"sessionID": sessionID})
	check("briefing", r, inConnection("briefing", r, "node.topics"))
	return seen
}

// TestTopicPrivacyMatrix: who reads a topic, from every path: its author always; the group's
// facilitators unless it is withdrawn; peers only when it is shared with the group, the author
// is in it with their consent in force and the peer is in it too; nobody outside the group.
func TestTopicPrivacyMatrix(t *testing.T) {
	t.Parallel()
	type reader int
	const (
		author reader = iota
		facilitator
		peer
		outsider
		stranger
	)
	cases := []struct {
		name       string
		visibility string
		// then changes the world after the topic is proposed.
		then func(t *testing.T, h *H, g *Group, id string)
		who  reader
		want bool
	}{
		{"author, FACILITATORS", "FACILITATORS", nil, author, true},
		{"facilitator, FACILITATORS", "FACILITATORS", nil, facilitator, true},
		{"peer, FACILITATORS", "FACILITATORS", nil, peer, false},
		{"outsider, FACILITATORS", "FACILITATORS", nil, outsider, false},
		{"stranger therapist, FACILITATORS", "FACILITATORS", nil, stranger, false},
		{"default visibility is FACILITATORS: peer", "", nil, peer, false},
		{"default visibility is FACILITATORS: facilitator", "", nil, facilitator, true},
		{"author, GROUP", "GROUP", nil, author, true},
		{"facilitator, GROUP", "GROUP", nil, facilitator, true},
		{"peer, GROUP with the author's consent", "GROUP", nil, peer, true},
		{"outsider, GROUP", "GROUP", nil, outsider, false},
		{"stranger therapist, GROUP", "GROUP", nil, stranger, false},
		{"peer, GROUP, the author's consent revoked", "GROUP", revokeA, peer, false},
		{"facilitator, GROUP, the author's consent revoked", "GROUP", revokeA, facilitator, true},
		{"peer, GROUP, the author's consent expired", "GROUP", expireA, peer, false},
		{"facilitator, GROUP, the author's consent expired", "GROUP", expireA, facilitator, true},
		{"peer, GROUP, the author left", "GROUP", leave(func(g *Group) *Client { return g.A }), peer, false},
		{"peer, GROUP, the reader left", "GROUP", leave(func(g *Group) *Client { return g.B }), peer, false},
		{"author, GROUP, withdrawn", "GROUP", withdraw, author, true},
		{"facilitator, GROUP, withdrawn", "GROUP", withdraw, facilitator, false},
		{"peer, GROUP, withdrawn", "GROUP", withdraw, peer, false},
		{"facilitator, FACILITATORS, withdrawn", "FACILITATORS", withdraw, facilitator, false},
		{"facilitator, FACILITATORS, discussed", "FACILITATORS", discuss, facilitator, true},
		{"peer, GROUP, discussed", "GROUP", discuss, peer, true},
	}
	databases(t, func(t *testing.T, h *H) {
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				g, session := topicGroup(h)
				marker := fmt.Sprintf("MARKER-TOPIC-matrix-%d", i)
				id := proposeTopic(g.A, session, marker, tc.visibility)
				if tc.then != nil {
					tc.then(t, h, g, id)
				}
				c := map[reader]*Client{author: g.A, facilitator: g.Therapist, peer: g.B, outsider: g.Outsider, stranger: g.Stranger}[tc.who]
				seen := topicPaths(t, c, g.ID, session, id, marker)
				for _, p := range []string{"node", "nodes", "connection", "plan", "briefing"} {
					if seen[p] != tc.want {
						t.Errorf("%s: read %v, want %v", p, seen[p], tc.want)
					}
				}
			})
		}
	})
}

func revokeA(t *testing.T, h *H, g *Group, id string) {
	g.A.MustOp("RevokeGroupSharingConsent", map[string]any{"groupID": g.ID})
}

func expireA(t *testing.T, h *H, g *Group, id string) {
	end := h.Clock.Now().Add(time.Hour)
	if r := grantConsent(g.A, g.ID, &end); len(r.Errors) > 0 {
		t.Fatalf("consent with an end: %s", r.Raw)
	}
	h.Clock.Advance(2 * time.Hour)
}

func leave(who func(*Group) *Client) func(t *testing.T, h *H, g *Group, id string) {
	return func(t *testing.T, h *H, g *Group, id string) {
		who(g).MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
	}
}

func withdraw(t *testing.T, h *H, g *Group, id string) {
	if s := g.A.MustOp("WithdrawTopic", map[string]any{"id": id}).Str("withdrawTopic.status"); s != "WITHDRAWN" {
		t.Fatalf("withdrawn: %s", s)
	}
}

func discuss(t *testing.T, h *H, g *Group, id string) {
	if s := g.Therapist.MustOp("MarkTopicsDiscussed", map[string]any{"ids": []string{id}}).Str("markTopicsDiscussed.0.status"); s != "DISCUSSED" {
		t.Fatalf("discussed: %s", s)
	}
}

// topicReads is the accounting of c as "topicID/readerName" for the reads of topics, sorted,
// and the number of reads of reflections.
func topicReads(t *testing.T, c *Client) (topics []string, reflections int) {
	t.Helper()
	r := c.MustRaw(topicReadsDoc, "TopicReads", nil)
	edges, _ := r.Get("viewer.reflectionReads.edges").([]any)
	if n := r.Num("viewer.reflectionReads.totalCount"); n != len(edges) {
		t.Fatalf("reflectionReads: totalCount %d for %d edges", n, len(edges))
	}
	for i := range edges {
		at := fmt.Sprintf("viewer.reflectionReads.edges.%d.node.", i)
		if r.Get(at+"topic") == nil {
			reflections++
			continue
		}
		topics = append(topics, r.Str(at+"topic.id")+"/"+r.Str(at+"reader.displayName"))
	}
	sort.Strings(topics)
	return topics, reflections
}

// TestTopicAccounting: every request in which someone other than its author reads a topic's
// text is one read in the author's accounting, listed with the topic (which the author reads
// there, withdrawn or not); the author's own reads and reads without the text are not
// accounted; nobody else reads the accounting.
func TestTopicAccounting(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g, session := topicGroup(h)
		marker := "MARKER-TOPIC-accounted"
		id := proposeTopic(g.A, session, marker, "GROUP")
		count := func() int { return countRows(t, h, "SELECT COUNT(*) FROM reflection_reads WHERE topic_id IS NOT NULL") }

		topicPaths(t, g.A, g.ID, session, id, marker) // the author: nothing
		g.Therapist.MustRaw(`query($id: ID!) { node(id: $id) { ... on Topic { id status visibility } } }`, "", map[string]any{"id": id})
		if n := count(); n != 0 {
			t.Fatalf("%d reads accounted for the author's own reads and a read without the text", n)
		}
		seen := topicPaths(t, g.Therapist, g.ID, session, id, marker) // 5 requests with the text
		seen2 := topicPaths(t, g.B, g.ID, session, id, marker)
		if !seen["node"] || !seen["briefing"] || !seen2["connection"] {
			t.Fatalf("the facilitator and the peer read it: %v %v", seen, seen2)
		}
		if n := count(); n != 10 {
			t.Fatalf("%d reads accounted, want 10 (5 requests each of the facilitator and the peer)", n)
		}
		reads, refl := topicReads(t, g.A)
		if refl != 0 || len(reads) != 10 || reads[0] != id+"/Ben" || reads[4] != id+"/Ben" || reads[9] != id+"/Dr. T" {
			t.Fatalf("Ann's accounting: %v (%d of reflections)", reads, refl)
		}
		// Reflections and topics in one accounting.
		rid := g.Reflect(g.A, "GROUP", "MARKER-TOPIC-reflection")
		g.B.MustOp("Reflection", map[string]any{"id": rid})
		if reads, refl = topicReads(t, g.A); refl != 1 || len(reads) != 10 {
			t.Fatalf("Ann's accounting with a reflection read: %v, %d", reads, refl)
		}
		// Nobody else reads it, nor the topic through it.
		for _, c := range []*Client{g.B, g.Therapist} {
			if r, _ := topicReads(t, c); len(r) != 0 {
				t.Fatalf("someone else's accounting lists Ann's topic: %v", r)
			}
		}
		// The author reads the topic there after withdrawing it; it is accounted no more.
		g.A.MustOp("WithdrawTopic", map[string]any{"id": id})
		r := g.A.MustRaw(topicReadsDoc, "TopicReads", nil)
		if !strings.Contains(r.Raw, marker) || !strings.Contains(r.Raw, "WITHDRAWN") {
			t.Fatalf("the author reads the withdrawn topic in the accounting: %.600s", r.Raw)
		}
		topicPaths(t, g.Therapist, g.ID, session, id, marker)
		if n := count(); n != 10 {
			t.Fatalf("%d reads after the withdrawal, want still 10", n)
		}
	})
}

// TestTopicProposeIdempotent: the same clientID with the same proposal returns the same topic,
// also when sent at once; with anything different it is refused with CONFLICT.
func TestTopicProposeIdempotent(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g, session := topicGroup(h)
		other := schedule(g, h.Clock.Now().Add(72*time.Hour))
		in := topicInput(session, "MARKER-TOPIC-idem", "GROUP")
		ids := make([]string, 5)
		atOnce(5, func(i int) {
			ids[i] = g.A.Op("ProposeTopic", map[string]any{"input": in}).Str("proposeTopic.id")
		})
		for _, id := range ids {
			if id == "" || id != ids[0] {
				t.Fatalf("the same proposal at once: %v", ids)
			}
		}
		if r := g.A.MustOp("ProposeTopic", map[string]any{"input": in}); r.Str("proposeTopic.id") != ids[0] || r.Str("proposeTopic.clientID") != in["clientID"] {
			t.Fatalf("a retry: %s", r.Raw)
		}
		for name, change := range map[string]func(m map[string]any){
			"text":       func(m map[string]any) { m["text"] = "MARKER-TOPIC-idem2" },
			"visibility": func(m map[string]any) { m["visibility"] = "FACILITATORS" },
			"session":    func(m map[string]any) { m["sessionID"] = other },
		} {
			m := map[string]any{}
			for k, v := range in {
				m[k] = v
			}
			change(m)
			if r := g.A.Op("ProposeTopic", map[string]any{"input": m}); r.Code() != "CONFLICT" {
				t.Errorf("another %s with the same clientID: %s", name, r.Raw)
			}
		}
		// Another author may use the same clientID.
		if r := g.B.Op("ProposeTopic", map[string]any{"input": in}); len(r.Errors) > 0 || r.Str("proposeTopic.id") == ids[0] {
			t.Fatalf("Ben with Ann's clientID: %s", r.Raw)
		}
		if n := countRows(t, h, "SELECT COUNT(*) FROM topics"); n != 2 {
			t.Fatalf("%d topics, want 2", n)
		}
	})
}

// TestTopicProposeRefusals: the text is required, not blank, at most 280 characters (counted
// as characters); the session must be an upcoming one of a group the author is in; GROUP needs
// the author's consent in force. A refusal changes nothing.
func TestTopicProposeRefusals(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g, session := topicGroup(h)
		started := schedule(g, h.Clock.Now().Add(time.Hour))
		cancelled := schedule(g, h.Clock.Now().Add(72*time.Hour))
		g.Therapist.MustOp("CancelSession", map[string]any{"id": cancelled})
		_, otherSession := topicGroup(h)
		h.Clock.Advance(2 * time.Hour)

		long := strings.Repeat("é", 280)
		if r := g.A.Op("ProposeTopic", map[string]any{"input": topicInput(session, long, "")}); len(r.Errors) > 0 || r.Str("proposeTopic.text") != long {
			t.Fatalf("280 two-byte characters: %.300s", r.Raw)
		}
		emoji := strings.Repeat("🙂", 280)
		if r := g.A.Op("ProposeTopic", map[string]any{"input": topicInput(session, emoji, "")}); len(r.Errors) > 0 {
			t.Fatalf("280 emoji: %.300s", r.Raw)
		}
		before := countRows(t, h, "SELECT COUNT(*) FROM topics")
		for _, tc := range []struct {
			name string
			who  *Client
			in   map[string]any
			code string
		}{
			{"281 characters", g.A, topicInput(session, strings.Repeat("a", 281), ""), "BAD_USER_INPUT"},
			{"281 multibyte characters", g.A, topicInput(session, strings.Repeat("é", 281), ""), "BAD_USER_INPUT"},
			{"empty", g.A, topicInput(session, "", ""), "BAD_USER_INPUT"},
			{"blank", g.A, topicInput(session, "  \n\t ", ""), "BAD_USER_INPUT"},
			{"a session that started", g.A, topicInput(started, "MARKER-TOPIC-late", ""), "BAD_USER_INPUT"},
			{"a cancelled session", g.A, topicInput(cancelled, "MARKER-TOPIC-cancelled", ""), "BAD_USER_INPUT"},
			{"another group's session", g.A, topicInput(otherSession, "MARKER-TOPIC-other", ""), "NOT_FOUND"},
			{"an outsider", g.Outsider, topicInput(session, "MARKER-TOPIC-outsider", ""), "NOT_FOUND"},
			{"a stranger therapist", g.Stranger, topicInput(session, "MARKER-TOPIC-stranger", ""), "NOT_FOUND"},
			{"a session that does not exist", g.A, topicInput(madeUpID(t, session), "MARKER-TOPIC-none", ""), "NOT_FOUND"},
		} {
			resp := tc.who.Op("ProposeTopic", map[string]any{"input": tc.in})
			if resp.Code() != tc.code {
				t.Errorf("%s: %s, want %s", tc.name, resp.Raw, tc.code)
			}
			noLeak(t, tc.name, resp, "MARKER")
		}
		// GROUP needs consent; FACILITATORS does not.
		g.A.MustOp("RevokeGroupSharingConsent", map[string]any{"groupID": g.ID})
		if r := g.A.Op("ProposeTopic", map[string]any{"input": topicInput(session, "MARKER-TOPIC-noconsent", "GROUP")}); r.Code() != "CONSENT_REQUIRED" {
			t.Errorf("GROUP without consent: %s", r.Raw)
		}
		if n := countRows(t, h, "SELECT COUNT(*) FROM topics"); n != before {
			t.Fatalf("%d topics after refusals, want %d", n, before)
		}
		proposeTopic(g.A, session, "MARKER-TOPIC-facilitators", "FACILITATORS")
		// A member who left proposes nothing.
		g.B.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		if r := g.B.Op("ProposeTopic", map[string]any{"input": topicInput(session, "MARKER-TOPIC-left", "")}); r.Code() != "NOT_FOUND" {
			t.Errorf("a member who left: %s", r.Raw)
		}
	})
}

// TestTopicWithdraw: the author withdraws an open topic before the session; again returns it
// unchanged; a discussed one is CONFLICT; nobody else withdraws it; not after the session
// started.
func TestTopicWithdraw(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g, session := topicGroup(h)
		id := proposeTopic(g.A, session, "MARKER-TOPIC-withdraw", "GROUP")
		if r := g.B.Op("WithdrawTopic", map[string]any{"id": id}); r.Code() != "FORBIDDEN" {
			t.Errorf("a peer who reads it: %s", r.Raw)
		}
		if r := g.Therapist.Op("WithdrawTopic", map[string]any{"id": id}); r.Code() != "FORBIDDEN" {
			t.Errorf("the facilitator: %s", r.Raw)
		}
		if r := g.Outsider.Op("WithdrawTopic", map[string]any{"id": id}); r.Code() != "NOT_FOUND" {
			t.Errorf("an outsider: %s", r.Raw)
		}
		private := proposeTopic(g.A, session, "MARKER-TOPIC-withdraw-private", "")
		if r := g.B.Op("WithdrawTopic", map[string]any{"id": private}); r.Code() != "NOT_FOUND" {
			t.Errorf("a peer who does not read it: %s", r.Raw)
		}
		for i := 0; i < 2; i++ {
			r := g.A.MustOp("WithdrawTopic", map[string]any{"id": id})
			if r.Str("withdrawTopic.status") != "WITHDRAWN" || r.Str("withdrawTopic.text") != "MARKER-TOPIC-withdraw" {
				t.Fatalf("withdrawal %d: %s", i, r.Raw)
			}
		}
		discussed := proposeTopic(g.A, session, "MARKER-TOPIC-discussed", "")
		g.Therapist.MustOp("MarkTopicsDiscussed", map[string]any{"ids": []string{discussed}})
		if r := g.A.Op("WithdrawTopic", map[string]any{"id": discussed}); r.Code() != "CONFLICT" {
			t.Errorf("a discussed topic: %s", r.Raw)
		}
		late := proposeTopic(g.A, session, "MARKER-TOPIC-late", "")
		h.Clock.Advance(49 * time.Hour)
		if r := g.A.Op("WithdrawTopic", map[string]any{"id": late}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("after the session started: %s", r.Raw)
		}
		// Withdrawn before: still answered as withdrawn.
		if r := g.A.MustOp("WithdrawTopic", map[string]any{"id": id}); r.Str("withdrawTopic.status") != "WITHDRAWN" {
			t.Errorf("a withdrawn topic after the session: %s", r.Raw)
		}
		if n := countRows(t, h, "SELECT COUNT(*) FROM topics WHERE status = 'OPEN'"); n != 2 {
			t.Fatalf("%d open topics, want 2 (the private one and the late one)", n)
		}
	})
}

// TestTopicMarkDiscussed: the group's facilitators mark topics discussed, all or none: a topic
// they cannot read (another group's, a withdrawn one, none) is NOT_FOUND, one they read
// but do not facilitate FORBIDDEN, more than 100 BAD_USER_INPUT, and nothing changes; marking
// again changes nothing.
func TestTopicMarkDiscussed(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g, session := topicGroup(h)
		a := proposeTopic(g.A, session, "MARKER-TOPIC-mark-a", "GROUP")
		b := proposeTopic(g.B, session, "MARKER-TOPIC-mark-b", "")
		gone := proposeTopic(g.B, session, "MARKER-TOPIC-mark-gone", "")
		g.B.MustOp("WithdrawTopic", map[string]any{"id": gone})
		g2, session2 := topicGroup(h)
		foreign := proposeTopic(g2.A, session2, "MARKER-TOPIC-mark-foreign", "")
		many := make([]string, 101)
		for i := range many {
			many[i] = a
		}
		open := func() int { return countRows(t, h, "SELECT COUNT(*) FROM topics WHERE status = 'OPEN'") }
		for _, tc := range []struct {
			name string
			who  *Client
			ids  []string
			code string
		}{
			{"a member who reads a topic", g.B, []string{a}, "FORBIDDEN"},
			{"another group's topic", g.Therapist, []string{a, b, foreign}, "NOT_FOUND"},
			{"a withdrawn topic", g.Therapist, []string{a, gone}, "NOT_FOUND"},
			{"a topic that does not exist", g.Therapist, []string{a, madeUpID(t, a)}, "NOT_FOUND"},
			{"a stranger therapist", g.Stranger, []string{a}, "NOT_FOUND"},
			{"the other group's facilitator", g2.Therapist, []string{foreign, a}, "NOT_FOUND"},
			{"101 ids", g.Therapist, many, "BAD_USER_INPUT"},
		} {
			if r := tc.who.Op("MarkTopicsDiscussed", map[string]any{"ids": tc.ids}); r.Code() != tc.code {
				t.Errorf("%s: %s, want %s", tc.name, r.Raw, tc.code)
			}
			if n := open(); n != 3 {
				t.Fatalf("%s: %d open topics, want 3: nothing changes", tc.name, n)
			}
		}
		for i := 0; i < 2; i++ {
			r := g.Therapist.MustOp("MarkTopicsDiscussed", map[string]any{"ids": []string{b, a, b}})
			if r.Str("markTopicsDiscussed.0.id") != b || r.Str("markTopicsDiscussed.1.id") != a || r.Get("markTopicsDiscussed.2") != nil ||
				r.Str("markTopicsDiscussed.0.status") != "DISCUSSED" || r.Str("markTopicsDiscussed.1.status") != "DISCUSSED" {
				t.Fatalf("marking %d: %s", i, r.Raw)
			}
		}
		if n := countRows(t, h, "SELECT COUNT(*) FROM topics WHERE status = 'WITHDRAWN'"); n != 1 {
			t.Fatalf("the withdrawn topic: %d withdrawn", n)
		}
		if r := g.Therapist.MustOp("MarkTopicsDiscussed", map[string]any{"ids": []string{}}); r.Get("markTopicsDiscussed.0") != nil {
			t.Fatalf("no ids: %s", r.Raw)
		}
	})
}

// TestTopicWithdrawnWhileRead: a topic withdrawn while its facilitator reads it is either read
// open, with its text, or not at all: never a withdrawn topic's text.
func TestTopicWithdrawnWhileRead(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g, session := topicGroup(h)
		for round := 0; round < 8; round++ {
			marker := fmt.Sprintf("MARKER-TOPIC-race-%d", round)
			id := proposeTopic(g.A, session, marker, "")
			var reads [3]*Resp
			atOnce(4, func(i int) {
				switch i {
				case 0:
					g.A.MustOp("WithdrawTopic", map[string]any{"id": id})
				case 1:
					reads[0] = g.Therapist.Raw(topicNodeDoc, "TopicNode", map[string]any{"id": id})
				case 2:
					reads[1] = g.Therapist.Raw(sessionTopicsDoc, "SessionTopics", map[string]any{"id": session})
				case 3:
					reads[2] = g.Therapist.Raw(sessionBriefingDoc, "SessionBriefingTopics", map[string]any{"sessionID": session})
				}
			})
			for _, r := range reads {
				if len(r.Errors) > 0 {
					t.Fatalf("round %d: %s", round, r.Raw)
				}
				if strings.Contains(r.Raw, "WITHDRAWN") {
					t.Fatalf("round %d: the facilitator read a withdrawn topic: %s", round, r.Raw)
				}
				if strings.Contains(r.Raw, id) != strings.Contains(r.Raw, marker) {
					t.Fatalf("round %d: the topic without its text or the reverse: %s", round, r.Raw)
				}
			}
			seen := topicPaths(t, g.Therapist, g.ID, session, id, marker)
			if seen["node"] || seen["connection"] {
				t.Fatalf("round %d: the facilitator reads the topic after the withdrawal", round)
			}
		}
	})
}

// TestTopicSealedAtRest: the database holds no plaintext of a topic's text, which the API
// reads back as written.
func TestTopicSealedAtRest(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g, session := topicGroup(h)
		marker := "MARKER-ATREST-topic-3c9e"
		id := proposeTopic(g.A, session, marker, "")
		if r := g.Therapist.MustRaw(topicNodeDoc, "TopicNode", map[string]any{"id": id}); r.Str("node.text") != marker {
			t.Fatalf("the API reads what was written: %s", r.Raw)
		}
		var stored []byte
		rows, err := rawDB(t, h).Query("SELECT text FROM topics")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				t.Fatal(err)
			}
			if len(b) == 0 {
				t.Fatal("an empty text stored")
			}
			stored = append(stored, b...)
		}
		rows.Close()
		if strings.Contains(h.dbURL, "sqlite:") {
			if _, err := rawDB(t, h).Exec("PRAGMA wal_checkpoint(FULL)"); err != nil {
				t.Fatal(err)
			}
			files, _ := filepath.Glob(strings.TrimPrefix(h.dbURL, "sqlite:") + "*")
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				stored = append(stored, b...)
			}
		}
		if strings.Contains(string(stored), marker) || strings.Contains(string(stored), "ATREST-topic") {
			t.Fatal("a topic's text is stored in plaintext")
		}
	})
}

// TestTopicExportAndDeletion: the author's topics, withdrawn ones too, are in their export and
// nobody else's; deleting the account empties their text and nobody reads them after.
func TestTopicExportAndDeletion(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g, session := topicGroup(h)
		open := proposeTopic(g.A, session, "MARKER-TOPIC-export-open", "GROUP")
		gone := proposeTopic(g.A, session, "MARKER-TOPIC-export-gone", "")
		g.A.MustOp("WithdrawTopic", map[string]any{"id": gone})
		g.Therapist.MustRaw(topicNodeDoc, "TopicNode", map[string]any{"id": open})
		data := g.A.MustOp("ExportMyData", nil).Str("exportMyData.data")
		for _, want := range []string{
			`"text":"MARKER-TOPIC-export-open","visibility":"GROUP","status":"OPEN"`,
			`"text":"MARKER-TOPIC-export-gone","visibility":"FACILITATORS","status":"WITHDRAWN"`,
			`"sessionID":` + session, `"topicID":` + open, `"createdAt":`,
		} {
			if !strings.Contains(data, want) {
				t.Errorf("Ann's export lacks %s: %.900s", want, data)
			}
		}
		for _, c := range []*Client{g.B, g.Therapist} {
			r := c.MustOp("ExportMyData", nil)
			noLeak(t, "someone else's export", r, "MARKER-TOPIC-export")
			if !strings.Contains(r.Str("exportMyData.data"), `"topics":[]`) {
				t.Errorf("an export without topics: %.600s", r.Raw)
			}
		}

		storedLen := func() int {
			var text []byte
			if err := rawDB(t, h).QueryRow("SELECT text FROM topics WHERE id = " + open).Scan(&text); err != nil {
				t.Fatal(err)
			}
			return len(text)
		}
		before := storedLen()
		g.A.MustOp("DeleteAccount", map[string]any{"confirm": true})
		for _, c := range []*Client{g.B, g.Therapist} {
			for path, seen := range topicPaths(t, c, g.ID, session, open, "MARKER-TOPIC-export-open") {
				if seen {
					t.Errorf("%s: the topic of a deleted account read", path)
				}
			}
		}
		if n := countRows(t, h, "SELECT COUNT(*) FROM topics WHERE deleted_at IS NULL OR create_digest <> ''"); n != 0 {
			t.Fatalf("%d topics of the deleted account kept", n)
		}
		// Emptied: what is stored now is shorter than the sealed text by the text's length.
		if after := storedLen(); after > before-len("MARKER-TOPIC-export-open") {
			t.Fatalf("the text is kept: %d bytes stored before, %d after", before, after)
		}
		if n := countRows(t, h, "SELECT COUNT(*) FROM reflection_reads WHERE topic_id IS NOT NULL"); n != 1 {
			t.Fatalf("the accounting without content is kept: %d reads", n)
		}
	})
}

// TestTopicConnectionCounts: the session's topics are counted as each viewer may read them,
// whatever the page: totalCount is not the number of topics of the session.
func TestTopicConnectionCounts(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g, session := topicGroup(h)
		proposeTopic(g.A, session, "MARKER-TOPIC-count-1", "FACILITATORS")
		proposeTopic(g.A, session, "MARKER-TOPIC-count-2", "GROUP")
		proposeTopic(g.B, session, "MARKER-TOPIC-count-3", "FACILITATORS")
		gone := proposeTopic(g.A, session, "MARKER-TOPIC-count-4", "GROUP")
		g.A.MustOp("WithdrawTopic", map[string]any{"id": gone})
		const doc = `query Count($id: ID!) { node(id: $id) { ... on GroupSession { topics(first: 1) { totalCount pageInfo { hasNextPage } edges { node { id author { displayName } } } } } } }`
		for _, c := range []struct {
			name string
			who  *Client
			want int
		}{
			{"Ann (her three, the withdrawn one too)", g.A, 3},
			{"Ben (his own, Ann's GROUP one)", g.B, 2},
			{"the facilitator (all but the withdrawn one)", g.Therapist, 3},
		} {
			r := c.who.MustRaw(doc, "Count", map[string]any{"id": session})
			if n := r.Num("node.topics.totalCount"); n != c.want || r.Get("node.topics.pageInfo.hasNextPage") != true {
				t.Errorf("%s: %s, want totalCount %d", c.name, r.Raw, c.want)
			}
		}
		for _, c := range []*Client{g.Outsider, g.Stranger} {
			if r := c.MustRaw(doc, "Count", map[string]any{"id": session}); r.Get("node") != nil {
				t.Errorf("someone outside the group reads the session: %s", r.Raw)
			}
		}
	})
}

// TestTopicWithdrawAgainstMark: the author withdrawing a topic while a facilitator marks it
// discussed: one of them wins, the other gets CONFLICT, and the topic is in the winner's
// state.
func TestTopicWithdrawAgainstMark(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g, session := topicGroup(h)
		for round := 0; round < 6; round++ {
			id := proposeTopic(g.A, session, fmt.Sprintf("MARKER-TOPIC-duel-%d", round), "")
			var w, m *Resp
			atOnce(2, func(i int) {
				if i == 0 {
					w = g.A.Op("WithdrawTopic", map[string]any{"id": id})
				} else {
					m = g.Therapist.Op("MarkTopicsDiscussed", map[string]any{"ids": []string{id}})
				}
			})
			status := g.A.MustRaw(topicNodeDoc, "TopicNode", map[string]any{"id": id}).Str("node.status")
			switch {
			case len(w.Errors) == 0 && (m.Code() == "CONFLICT" || m.Code() == "NOT_FOUND") && status == "WITHDRAWN":
			case len(m.Errors) == 0 && w.Code() == "CONFLICT" && status == "DISCUSSED":
			default:
				t.Fatalf("round %d: withdraw %s, mark %s, the topic %s", round, w.Raw, m.Raw, status)
			}
		}
	})
}

// TestTopicSessionOfAFormerMember: an author who left the group still reads their topic; its
// session, which they no longer see, is null rather than an error that hides the topic.
func TestTopicSessionOfAFormerMember(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g, sid := topicGroup(h)
		id := proposeTopic(g.A, sid, "MARKER-left-topic", "")
		const doc = `query T($id: ID!) { node(id: $id) { ... on Topic { id text session { id } } } }`
		if r := g.A.MustRaw(doc, "T", map[string]any{"id": id}); r.Str("node.session.id") != sid {
			t.Fatalf("the author in the group: %s", r.Raw)
		}
		g.A.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		r := g.A.MustRaw(doc, "T", map[string]any{"id": id})
		if r.Str("node.id") != id || r.Get("node.session") != nil {
			t.Fatalf("the author after leaving: %s", r.Raw)
		}
	})
}
