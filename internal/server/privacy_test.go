package server_test

// Privacy tests: every rule of "Who may read what" in the product brief, attacked from the
// wrong people through every path the API offers (node, nodes, the group feed, the journal,
// the encouragement connections, the per-reflection numbers and the mutations).
//
// Every content string is a distinctive marker, and the raw JSON of every answer to someone
// who must not see it is checked not to contain it.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processgroup/api/internal/firebase/authemu"
)

// nodeFields selects everything readable on every node type.
const nodeFields = `
fragment PrivAll on Node {
  __typename
  id
  ... on Reflection {
    body
    prompt
    mood
    craving
    visibility
    version
    encouragementCount
    viewerHasEncouraged
    author { id displayName role }
    group { id name }
    encouragements(first: 50) {
      totalCount
      edges { node { id kind message sender { id displayName } } }
    }
  }
  ... on Encouragement {
    kind
    message
    sender { id displayName }
    reflection { id body }
  }
  ... on Membership {
    displayName
    role
    group { id name }
  }
  ... on Group {
    name
    memberships { id displayName }
    reflections(first: 50) { totalCount edges { node { id body } } }
  }
  ... on User {
    createdAt
  }
  ... on GroupInvite {
    code
    expiresAt
    group { id }
  }
}
`

// thinFields selects only the scalars of every node type: no non-null edge whose
// absence could null out (and so hide) a node that was wrongly returned.
const thinFields = `
fragment PrivThin on Node {
  __typename
  id
  ... on Reflection { body prompt mood craving visibility }
  ... on Encouragement { kind message }
  ... on Membership { displayName role }
  ... on Group { name timeZone }
  ... on User { createdAt }
  ... on GroupInvite { code expiresAt }
}
`

// readNodeDoc asks for the node twice: "node" with everything, "thin" with scalars only.
const readNodeDoc = `query PrivNode($id: ID!) {
  node(id: $id) { ...PrivAll }
  thin: node(id: $id) { ...PrivThin }
}` + nodeFields + thinFields

// readNodesDoc is readNodeDoc for nodes(ids:): "nodes" with everything, "thin" with scalars.
const readNodesDoc = `query PrivNodes($ids: [ID!]!) {
  nodes(ids: $ids) { ...PrivAll }
  thin: nodes(ids: $ids) { ...PrivThin }
}` + nodeFields + thinFields

func readNode(c *Client, id string) *Resp {
	return c.Raw(readNodeDoc, "PrivNode", map[string]any{"id": id})
}

func readNodes(c *Client, ids ...string) *Resp {
	return c.Raw(readNodesDoc, "PrivNodes", map[string]any{"ids": ids})
}

// readerCase is one person who tries to read something.
type readerCase struct {
	name string
	c    *Client
}

// everyoneAround is everyone around a group: its author-to-be A, peer B, the therapist, a
// member of no group and a therapist of another group.
func everyoneAround(g *Group) []readerCase {
	return []readerCase{
		{"author", g.A},
		{"peer", g.B},
		{"therapist", g.Therapist},
		{"outsider", g.Outsider},
		{"stranger", g.Stranger},
	}
}

// nodeNull reports whether node(id:) came back null in both its full and thin forms.
func nodeNull(r *Resp) bool { return r.Get("node") == nil && r.Get("thin") == nil }

// nodesNull reports whether nodes(ids:)[i] came back null in both forms.
func nodesNull(r *Resp, i int) bool {
	return r.Get(fmt.Sprintf("nodes.%d", i)) == nil && r.Get(fmt.Sprintf("thin.%d", i)) == nil
}

// nodesIs reports whether nodes(ids:)[i] is there in both forms (readable) or null in
// both (not readable).
func nodesIs(r *Resp, i int, readable bool) bool {
	full, thin := r.Get(fmt.Sprintf("nodes.%d", i)), r.Get(fmt.Sprintf("thin.%d", i))
	if readable {
		return full != nil && thin != nil
	}
	return full == nil && thin == nil
}

// noErrors fails on any GraphQL error.
func noErrors(t *testing.T, who, path string, r *Resp) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Errorf("%s via %s: unexpected errors: %s", who, path, r.Raw)
	}
}

// errorShape is the code, message and path of every error (sorted): what a client can
// tell apart.
func errorShape(r *Resp) string {
	var out []string
	for _, e := range r.Errors {
		out = append(out, fmt.Sprintf("%v|%s|%v", e.Extensions["code"], e.Message, e.Path))
	}
	sort.Strings(out) // fields resolve concurrently: errors come in any order
	return strings.Join(out, "\n")
}

// edgeNode returns the edge node with id in the connection at path, or nil.
func edgeNode(r *Resp, path, id string) map[string]any {
	edges, _ := r.Get(path + ".edges").([]any)
	for _, e := range edges {
		m, _ := e.(map[string]any)
		n, _ := m["node"].(map[string]any)
		if n["id"] == id {
			return n
		}
	}
	return nil
}

// TestPrivacyReflectionVisibility attacks each visibility from everyone around the group,
// through every read path and every mutation on the reflection.
func TestPrivacyReflectionVisibility(t *testing.T) {
	t.Parallel()
	cases := []struct {
		visibility string
		readers    map[string]bool // who may read it
		encourager string          // who sends encouragement on it ("" : nobody can)
	}{
		{"PRIVATE", map[string]bool{"author": true}, ""},
		{"FACILITATORS", map[string]bool{"author": true, "therapist": true}, "therapist"},
		{"GROUP", map[string]bool{"author": true, "peer": true, "therapist": true}, "peer"},
	}
	for _, tc := range cases {
		t.Run(tc.visibility, func(t *testing.T) {
			t.Parallel()
			databases(t, func(t *testing.T, h *H) {
				g := h.NewGroup()
				body := "MARKER-REFL-" + tc.visibility + "-7f3a"
				encMsg := "MARKER-ENC-" + tc.visibility + "-c41d"
				id := g.Reflect(g.A, tc.visibility, body)
				everyone := everyoneAround(g)
				inGroup := map[string]bool{"author": true, "peer": true, "therapist": true}

				// Encouragement, from the one reader who may send it; everyone else is refused.
				encID := ""
				for _, p := range everyone {
					if p.name == tc.encourager {
						r := Encourage(p.c, id, encMsg)
						if len(r.Errors) > 0 {
							t.Fatalf("%s may encourage a %s reflection: %s", p.name, tc.visibility, r.Raw)
						}
						encID = r.Str("sendEncouragement.id")
						continue
					}
					want := "NOT_FOUND"
					if p.name == "author" {
						want = "FORBIDDEN" // nobody encourages their own reflection
					} else if tc.readers[p.name] {
						continue // a second reader (the therapist on GROUP) may encourage; not sent here
					}
					r := Encourage(p.c, id, encMsg+"-"+p.name)
					if r.Code() != want || r.Get("sendEncouragement") != nil {
						t.Errorf("%s encouraging a %s reflection: want %s, got %s", p.name, tc.visibility, want, r.Raw)
					}
					noLeak(t, p.name+" via "+"SendEncouragement", r, body)
					if p.name != "author" {
						// Same answer as for a reflection that does not exist.
						m := Encourage(p.c, madeUpReflectionID, encMsg+"-"+p.name)
						if errorShape(m) != errorShape(r) {
							t.Errorf("%s: SendEncouragement on an unreadable reflection (%s) differs from a missing one (%s)", p.name, r.Raw, m.Raw)
						}
					}
				}
				if tc.encourager != "" && encID == "" {
					t.Fatal("no encouragement id")
				}
				wantEnc := 0
				if encID != "" {
					wantEnc = 1
				}

				for _, p := range everyone {
					can := tc.readers[p.name]
					who := p.name

					// 1. node(id:) through the app's Reflection operation.
					r := p.c.Op("Reflection", map[string]any{"id": id})
					if can {
						noErrors(t, who, "Reflection", r)
						if r.Str("node.body") != body || r.Str("node.visibility") != tc.visibility {
							t.Errorf("%s should read the %s reflection: %s", who, tc.visibility, r.Raw)
						}
						if r.Str("node.author.displayName") != "Ann" {
							t.Errorf("%s should see the author's display name: %s", who, r.Raw)
						}
						if n := r.Num("node.encouragements.totalCount"); n != wantEnc {
							t.Errorf("%s: encouragements.totalCount = %d, want %d: %s", who, n, wantEnc, r.Raw)
						}
						if r.Num("node.encouragementCount") != r.Num("node.encouragements.totalCount") {
							t.Errorf("%s: encouragementCount and encouragements.totalCount disagree: %s", who, r.Raw)
						}
						if n := r.Num("node.encouragementCount"); n != wantEnc {
							t.Errorf("%s: encouragementCount = %d, want %d: %s", who, n, wantEnc, r.Raw)
						}
						if got, want := r.Get("node.viewerHasEncouraged"), who == tc.encourager; got != want {
							t.Errorf("%s: viewerHasEncouraged = %v, want %v", who, got, want)
						}
						if encID != "" && r.Str("node.encouragements.edges.0.node.message") != encMsg {
							t.Errorf("%s should read the encouragement message: %s", who, r.Raw)
						}
					} else {
						if r.Get("node") != nil {
							t.Errorf("%s must not get the %s reflection: %s", who, tc.visibility, r.Raw)
						}
						noLeak(t, who+" via "+"Reflection", r, body, encMsg)
						m := p.c.Op("Reflection", map[string]any{"id": madeUpReflectionID})
						if m.Raw != r.Raw {
							t.Errorf("%s: unreadable reflection answers %s, a missing one %s", who, r.Raw, m.Raw)
						}
					}

					// 2. nodes(ids:), the reflection beside a missing id.
					r = readNodes(p.c, id, madeUpReflectionID)
					if can {
						if r.Str("nodes.0.body") != body {
							t.Errorf("%s should read the reflection via nodes: %s", who, r.Raw)
						}
					} else {
						if !nodesNull(r, 0) {
							t.Errorf("%s must not get the reflection via nodes: %s", who, r.Raw)
						}
						noLeak(t, who+" via "+"nodes", r, body, encMsg)
						// Index 0 (unreadable) and index 1 (missing) must fail alike.
						byIndex := map[string]string{}
						for _, e := range r.Errors {
							if len(e.Path) == 2 {
								byIndex[fmt.Sprintf("%v.%v", e.Path[0], e.Path[1])] = fmt.Sprintf("%v|%s", e.Extensions["code"], e.Message)
							}
						}
						if len(r.Errors) != 4 || byIndex["nodes.0"] == "" || byIndex["nodes.0"] != byIndex["nodes.1"] ||
							byIndex["thin.0"] != byIndex["thin.1"] {
							t.Errorf("%s: nodes tells an unreadable id from a missing one: %s", who, r.Raw)
						}
					}
					// And node(id:) with every field of every type.
					r = readNode(p.c, id)
					if !can {
						if !nodeNull(r) {
							t.Errorf("%s must not get the reflection via node: %s", who, r.Raw)
						}
						noLeak(t, who+" via "+"node", r, body, encMsg, "Ann")
					}

					// 3. The encouragement itself, by id.
					if encID != "" {
						r = readNode(p.c, encID)
						if can {
							if r.Str("node.message") != encMsg {
								t.Errorf("%s should read the encouragement: %s", who, r.Raw)
							}
						} else {
							if !nodeNull(r) {
								t.Errorf("%s must not get the encouragement: %s", who, r.Raw)
							}
							noLeak(t, who+" via "+"node(encouragement)", r, body, encMsg)
						}
						r = readNodes(p.c, encID, madeUpReflectionID)
						if !can {
							if !nodesNull(r, 0) {
								t.Errorf("%s must not get the encouragement via nodes: %s", who, r.Raw)
							}
							noLeak(t, who+" via "+"nodes(encouragement)", r, body, encMsg)
						}
					}

					// 4. The group feed (Group.reflections) with its numbers.
					r = p.c.Op("GroupFeed", map[string]any{"groupID": g.ID})
					if inGroup[who] {
						noErrors(t, who, "GroupFeed", r)
						want := 0
						if can {
							want = 1
						}
						if n := r.Num("node.reflections.totalCount"); n != want {
							t.Errorf("%s: GroupFeed totalCount = %d, want %d: %s", who, n, want, r.Raw)
						}
						e := edgeNode(r, "node.reflections", id)
						if can != (e != nil) {
							t.Errorf("%s: GroupFeed lists the %s reflection: %v, want %v: %s", who, tc.visibility, e != nil, can, r.Raw)
						}
						if e != nil {
							if n, _ := e["encouragementCount"].(float64); int(n) != wantEnc {
								t.Errorf("%s: GroupFeed encouragementCount = %v, want %d", who, e["encouragementCount"], wantEnc)
							}
							if e["viewerHasEncouraged"] != (who == tc.encourager) {
								t.Errorf("%s: GroupFeed viewerHasEncouraged = %v", who, e["viewerHasEncouraged"])
							}
						}
					} else if r.Get("node") != nil {
						t.Errorf("%s must not get the group feed: %s", who, r.Raw)
					}
					if !can {
						noLeak(t, who+" via "+"GroupFeed", r, body, encMsg)
					}

					// 5. The journal (User.reflections): the author's only.
					r = p.c.Op("MyReflections", nil)
					noErrors(t, who, "MyReflections", r)
					ids := edgeIDs(r, "viewer.reflections")
					if (who == "author") != slices.Contains(ids, id) {
						t.Errorf("%s: MyReflections lists the reflection: %v: %s", who, slices.Contains(ids, id), r.Raw)
					}
					if who == "author" {
						if n := r.Num("viewer.reflections.totalCount"); n != 1 {
							t.Errorf("author: MyReflections totalCount = %d, want 1", n)
						}
					} else {
						noLeak(t, who+" via "+"MyReflections", r, body, encMsg)
					}

					// 6. EncouragementReceived: the author's only.
					r = p.c.Op("EncouragementReceived", nil)
					noErrors(t, who, "EncouragementReceived", r)
					if who == "author" {
						if n := r.Num("viewer.encouragementReceived.totalCount"); n != wantEnc {
							t.Errorf("author: EncouragementReceived totalCount = %d, want %d: %s", n, wantEnc, r.Raw)
						}
						if encID != "" && r.Str("viewer.encouragementReceived.edges.0.node.message") != encMsg {
							t.Errorf("author should read the encouragement: %s", r.Raw)
						}
					} else {
						if n := r.Num("viewer.encouragementReceived.totalCount"); n != 0 {
							t.Errorf("%s: EncouragementReceived totalCount = %d, want 0: %s", who, n, r.Raw)
						}
						noLeak(t, who+" via "+"EncouragementReceived", r, body, encMsg)
					}

					// 7. Changing and deleting it: the author only.
					if who == "author" {
						continue
					}
					hack := "MARKER-HACK-" + who
					r = updateReflection(p.c, id, 1, map[string]any{"body": hack, "visibility": "GROUP"})
					if len(r.Errors) == 0 || r.Get("updateReflection") != nil {
						t.Errorf("%s must not update the reflection: %s", who, r.Raw)
					}
					noLeak(t, who+" via "+"UpdateReflection", r, body, encMsg)
					if !can {
						if r.Code() != "NOT_FOUND" {
							t.Errorf("%s: UpdateReflection on an unreadable reflection: want NOT_FOUND, got %s", who, r.Raw)
						}
						m := updateReflection(p.c, madeUpReflectionID, 1, map[string]any{"body": hack, "visibility": "GROUP"})
						if m.Raw != r.Raw {
							t.Errorf("%s: UpdateReflection unreadable %s vs missing %s", who, r.Raw, m.Raw)
						}
					} else if r.Code() != "FORBIDDEN" {
						t.Errorf("%s: UpdateReflection on a readable reflection of someone else: want FORBIDDEN, got %s", who, r.Raw)
					}
					r = p.c.Op("DeleteReflection", map[string]any{"id": id})
					if len(r.Errors) == 0 || r.Get("deleteReflection") == true {
						t.Errorf("%s must not delete the reflection: %s", who, r.Raw)
					}
					if !can {
						if r.Code() != "NOT_FOUND" {
							t.Errorf("%s: DeleteReflection on an unreadable reflection: want NOT_FOUND, got %s", who, r.Raw)
						}
						m := p.c.Op("DeleteReflection", map[string]any{"id": madeUpReflectionID})
						if m.Raw != r.Raw {
							t.Errorf("%s: DeleteReflection unreadable %s vs missing %s", who, r.Raw, m.Raw)
						}
					}
				}

				// Without a token: nothing.
				r := h.Anonymous().Op("Reflection", map[string]any{"id": id})
				if r.Code() != "UNAUTHENTICATED" || r.Get("node") != nil {
					t.Errorf("anonymous: want UNAUTHENTICATED, got %s", r.Raw)
				}
				noLeak(t, "anonymous"+" via "+"Reflection", r, body, encMsg)

				// After all that, the reflection is as its author wrote it.
				r = g.A.MustOp("Reflection", map[string]any{"id": id})
				if r.Str("node.body") != body || r.Num("node.version") != 1 || r.Str("node.visibility") != tc.visibility {
					t.Errorf("the reflection changed under attack: %s", r.Raw)
				}
				if n := r.Num("node.encouragements.totalCount"); n != wantEnc {
					t.Errorf("encouragement changed under attack: %d, want %d", n, wantEnc)
				}
				noLeak(t, "author"+" via "+"Reflection", r, "MARKER-HACK")
			})
		})
	}
}

// TestPrivacyUnreadableLooksMissing compares, byte for byte, the answer for a reflection the
// viewer may not read with the answer for an id that does not exist.
func TestPrivacyUnreadableLooksMissing(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		priv := g.Reflect(g.A, "PRIVATE", "MARKER-PRIV-7f3a")
		fac := g.Reflect(g.A, "FACILITATORS", "MARKER-FAC-91be")
		grp := g.Reflect(g.A, "GROUP", "MARKER-GRP-22c0")
		gone := g.Reflect(g.A, "GROUP", "MARKER-GONE-5d11")
		r := Encourage(g.B, gone, "MARKER-ENC-ON-GONE-6e6e")
		if len(r.Errors) > 0 {
			t.Fatal(r.Raw)
		}
		goneEnc := r.Str("sendEncouragement.id")
		g.A.MustOp("DeleteReflection", map[string]any{"id": gone})
		for _, p := range []readerCase{{"author", g.A}, {"sender", g.B}, {"therapist", g.Therapist}} {
			r := readNodes(p.c, goneEnc, gone, madeUpReflectionID)
			if !nodesNull(r, 0) || !nodesNull(r, 1) {
				t.Errorf("%s still gets a deleted reflection or its encouragement: %s", p.name, r.Raw)
			}
			noLeak(t, p.name+" via "+"nodes(deleted)", r, "MARKER-GONE-5d11", "MARKER-ENC-ON-GONE-6e6e")
			r = p.c.Op("EncouragementReceived", nil)
			noLeak(t, p.name+" via "+"EncouragementReceived(deleted)", r, "MARKER-GONE-5d11", "MARKER-ENC-ON-GONE-6e6e")
		}

		cases := []struct {
			who string
			c   *Client
			id  string
		}{
			{"peer on PRIVATE", g.B, priv},
			{"therapist on PRIVATE", g.Therapist, priv},
			{"outsider on PRIVATE", g.Outsider, priv},
			{"stranger on PRIVATE", g.Stranger, priv},
			{"peer on FACILITATORS", g.B, fac},
			{"stranger on FACILITATORS", g.Stranger, fac},
			{"outsider on GROUP", g.Outsider, grp},
			{"stranger on GROUP", g.Stranger, grp},
			{"author on their deleted reflection", g.A, gone},
			{"peer on a deleted reflection", g.B, gone},
		}
		markers := []string{"MARKER-PRIV-7f3a", "MARKER-FAC-91be", "MARKER-GRP-22c0", "MARKER-GONE-5d11"}
		for _, tc := range cases {
			got := tc.c.Op("Reflection", map[string]any{"id": tc.id})
			missing := tc.c.Op("Reflection", map[string]any{"id": madeUpReflectionID})
			if got.Raw != missing.Raw {
				t.Errorf("%s: Reflection answers %s; for a missing id %s", tc.who, got.Raw, missing.Raw)
			}
			if got.Get("node") != nil || len(got.Errors) != 0 {
				t.Errorf("%s: want node null without errors, got %s", tc.who, got.Raw)
			}
			noLeak(t, tc.who+" via "+"Reflection", got, markers...)

			got = readNodes(tc.c, tc.id, grp)
			missing = readNodes(tc.c, madeUpReflectionID, grp)
			if errorShape(got) != errorShape(missing) || (got.Get("nodes.0") != nil) != (missing.Get("nodes.0") != nil) {
				t.Errorf("%s: nodes answers %s; for a missing id %s", tc.who, got.Raw, missing.Raw)
			}
			noLeak(t, tc.who+" via "+"nodes", got, "MARKER-PRIV-7f3a", "MARKER-FAC-91be", "MARKER-GONE-5d11")
		}
	})
}

// TestPrivacyLeavingEndsAccess: leaving, or being removed by the facilitator, ends access at
// once, both ways.
func TestPrivacyLeavingEndsAccess(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"leave", "remove"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			databases(t, func(t *testing.T, h *H) {
				g := h.NewGroup()
				cat := h.Member("cat")
				catMem := g.Join(cat, "Cat")

				annBody := "MARKER-ANN-GRP-3e8f"
				catGroup := "MARKER-CAT-GRP-a1b2"
				catFac := "MARKER-CAT-FAC-c3d4"
				catPriv := "MARKER-CAT-PRIV-e5f6"
				benOnCat := "MARKER-ENC-BEN-ON-CAT-0a0a"
				catOnAnn := "MARKER-ENC-CAT-ON-ANN-0b0b"
				annID := g.Reflect(g.A, "GROUP", annBody)
				catGroupID := g.Reflect(cat, "GROUP", catGroup)
				catFacID := g.Reflect(cat, "FACILITATORS", catFac)
				catPrivID := g.Reflect(cat, "PRIVATE", catPriv)
				if r := Encourage(g.B, catGroupID, benOnCat); len(r.Errors) > 0 {
					t.Fatal(r.Raw)
				}
				r := Encourage(cat, annID, catOnAnn)
				if len(r.Errors) > 0 {
					t.Fatal(r.Raw)
				}
				catEncID := r.Str("sendEncouragement.id")

				// Before: they share everything GROUP.
				if r := g.B.MustOp("Reflection", map[string]any{"id": catGroupID}); r.Str("node.body") != catGroup {
					t.Fatalf("before: peer should read Cat's GROUP reflection: %s", r.Raw)
				}
				if r := cat.MustOp("Reflection", map[string]any{"id": annID}); r.Str("node.body") != annBody {
					t.Fatalf("before: Cat should read Ann's GROUP reflection: %s", r.Raw)
				}

				switch how {
				case "leave":
					if r := cat.MustOp("LeaveGroup", map[string]any{"groupID": g.ID}); r.Get("leaveGroup") != true {
						t.Fatal(r.Raw)
					}
				case "remove":
					if r := g.Therapist.MustOp("RemoveMember", map[string]any{"membershipID": catMem}); r.Get("removeMember") != true {
						t.Fatal(r.Raw)
					}
				}

				// The former member sees nothing of the group's GROUP reflections, nor anyone's name.
				others := []string{annBody, catOnAnn, "Ann", "Ben", "Dr. T"}
				r = cat.Op("Reflection", map[string]any{"id": annID})
				if r.Get("node") != nil {
					t.Errorf("former member still reads Ann's GROUP reflection: %s", r.Raw)
				}
				noLeak(t, "former member"+" via "+"Reflection", r, others...)
				r = readNodes(cat, annID, catEncID, g.Memberships[g.A], g.Memberships[g.B], g.Memberships[g.Therapist])
				for i := 0; i < 5; i++ {
					if !nodesNull(r, i) {
						t.Errorf("former member still gets nodes[%d]: %s", i, r.Raw)
					}
				}
				noLeak(t, "former member"+" via "+"nodes", r, others...)
				for _, mem := range []string{g.Memberships[g.A], g.Memberships[g.B], g.Memberships[g.Therapist]} {
					r = readNode(cat, mem)
					if !nodeNull(r) {
						t.Errorf("former member still gets membership %s: %s", mem, r.Raw)
					}
					noLeak(t, "former member"+" via "+"node(membership)", r, others...)
				}
				r = cat.Op("GroupFeed", map[string]any{"groupID": g.ID})
				noLeak(t, "former member"+" via "+"GroupFeed", r, others...)
				if r.Get("node") != nil {
					if names := membershipNames(r, "node.memberships"); len(names) != 0 {
						t.Errorf("former member still sees the group's memberships %v", names)
					}
					if slices.Contains(edgeIDs(r, "node.reflections"), annID) {
						t.Errorf("former member's GroupFeed lists Ann's reflection: %s", r.Raw)
					}
				}
				if slices.Contains(viewerGroups(cat), g.ID) {
					t.Errorf("former member's Viewer still lists the group")
				}
				r = Encourage(cat, annID, "MARKER-LATE-ENC")
				if r.Code() != "NOT_FOUND" {
					t.Errorf("former member encouraging: want NOT_FOUND, got %s", r.Raw)
				}
				noLeak(t, "former member"+" via "+"SendEncouragement", r, others...)
				r = cat.Op("CreateReflection", map[string]any{"input": reflectionInput(g.ID, "GROUP", "MARKER-LATE-REFL")})
				if r.Code() != "NOT_FOUND" || r.Get("createReflection") != nil {
					t.Errorf("former member writing in the group: want NOT_FOUND, got %s", r.Raw)
				}
				r = cat.Op("EncouragementReceived", nil)
				noLeak(t, "former member"+" via "+"EncouragementReceived", r, "Ben", "Ann", "Dr. T")

				// Their own journal still has all three of their reflections.
				r = cat.Op("MyReflections", nil)
				noErrors(t, "former member", "MyReflections", r)
				if n := r.Num("viewer.reflections.totalCount"); n != 3 {
					t.Errorf("former member's MyReflections totalCount = %d, want 3: %s", n, r.Raw)
				}
				for id, body := range map[string]string{catGroupID: catGroup, catFacID: catFac, catPrivID: catPriv} {
					e := edgeNode(r, "viewer.reflections", id)
					if e == nil || e["body"] != body {
						t.Errorf("former member's MyReflections lacks %s: %s", body, r.Raw)
					}
				}
				noLeak(t, "former member"+" via "+"MyReflections", r, others...)

				// Peers no longer see the former member's GROUP reflection, nor their name.
				for _, p := range []readerCase{{"author Ann", g.A}, {"peer Ben", g.B}} {
					r := p.c.Op("Reflection", map[string]any{"id": catGroupID})
					if r.Get("node") != nil {
						t.Errorf("%s still reads the former member's GROUP reflection: %s", p.name, r.Raw)
					}
					noLeak(t, p.name+" via "+"Reflection", r, catGroup, catFac, catPriv, benOnCat, "Cat")
					r = readNodes(p.c, catGroupID, catFacID, catPrivID, catMem)
					for i := 0; i < 4; i++ {
						if !nodesNull(r, i) {
							t.Errorf("%s still gets nodes[%d] of the former member: %s", p.name, i, r.Raw)
						}
					}
					noLeak(t, p.name+" via "+"nodes", r, catGroup, catFac, catPriv, benOnCat, "Cat")
					r = p.c.Op("GroupFeed", map[string]any{"groupID": g.ID})
					noErrors(t, p.name, "GroupFeed", r)
					if n := r.Num("node.reflections.totalCount"); n != 1 {
						t.Errorf("%s: GroupFeed totalCount = %d, want 1 (Ann's only): %s", p.name, n, r.Raw)
					}
					if got := membershipNames(r, "node.memberships"); strings.Join(got, ",") != "Ann,Ben,Dr. T" {
						t.Errorf("%s: GroupFeed memberships = %v, want Ann, Ben, Dr. T", p.name, got)
					}
					noLeak(t, p.name+" via "+"GroupFeed", r, catGroup, catFac, catPriv, benOnCat, "Cat")
					// Ann's reflection: the former member's encouragement and name are not shown,
					// and the count agrees with the list.
					r = p.c.Op("Reflection", map[string]any{"id": annID})
					noErrors(t, p.name, "Reflection(Ann's)", r)
					if r.Num("node.encouragementCount") != r.Num("node.encouragements.totalCount") ||
						r.Num("node.encouragements.totalCount") != len(edgeIDs(r, "node.encouragements")) {
						t.Errorf("%s: encouragementCount, totalCount and edges disagree: %s", p.name, r.Raw)
					}
					noLeak(t, p.name+" via "+"Reflection(Ann's)", r, "Cat")
					r = p.c.Op("EncouragementReceived", nil)
					noErrors(t, p.name, "EncouragementReceived", r)
					noLeak(t, p.name+" via "+"EncouragementReceived", r, "Cat")
				}
				if r := Encourage(g.A, catGroupID, "MARKER-ENC-AFTER"); r.Code() != "NOT_FOUND" {
					t.Errorf("peer encouraging the former member's reflection: want NOT_FOUND, got %s", r.Raw)
				}

				// The facilitator still sees what was shared with facilitators or the group.
				r = g.Therapist.Op("Reflection", map[string]any{"id": catGroupID})
				if r.Str("node.body") != catGroup {
					t.Errorf("facilitator should still read the former member's GROUP reflection: %s", r.Raw)
				}
				r = g.Therapist.Op("Reflection", map[string]any{"id": catFacID})
				if r.Str("node.body") != catFac {
					t.Errorf("facilitator should still read the former member's FACILITATORS reflection: %s", r.Raw)
				}
				r = g.Therapist.Op("Reflection", map[string]any{"id": catPrivID})
				if r.Get("node") != nil {
					t.Errorf("facilitator must never read a PRIVATE reflection: %s", r.Raw)
				}
				noLeak(t, "therapist"+" via "+"Reflection(PRIVATE)", r, catPriv)

				if how == "remove" {
					// A removed member cannot come back with a valid code.
					r = cat.Op("JoinGroup", map[string]any{"input": map[string]any{"code": g.Code, "displayName": "Cat again"}})
					if r.Code() != "FORBIDDEN" || r.Get("joinGroup") != nil {
						t.Errorf("removed member rejoining: want FORBIDDEN, got %s", r.Raw)
					}
					if r := cat.Op("Reflection", map[string]any{"id": annID}); r.Get("node") != nil {
						t.Errorf("removed member reads the group after trying to rejoin: %s", r.Raw)
					}
				}
			})
		})
	}
}

// TestPrivacyFormerMemberReadsOwnReflection: a former member's own reflection, with the
// encouragement a peer sent on it, opens without errors and without the peer's name (they no
// longer share a group).
func TestPrivacyFormerMemberReadsOwnReflection(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		body := "MARKER-OWN-7a7a"
		id := g.Reflect(g.A, "GROUP", body)
		if r := Encourage(g.B, id, "MARKER-ENC-FROM-BEN"); len(r.Errors) > 0 {
			t.Fatal(r.Raw)
		}
		g.A.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})

		r := g.A.Op("Reflection", map[string]any{"id": id})
		if r.Str("node.body") != body {
			t.Errorf("former member should still read their own reflection: %s", r.Raw)
		}
		noErrors(t, "former member", "Reflection(own)", r)
		noLeak(t, "former member"+" via "+"Reflection(own)", r, "Ben", g.Memberships[g.B])
		// Whoever may read the reflection may read its encouragement (the message), but no
		// longer who sent it: the count, the list and the sender agree.
		if r.Num("node.encouragementCount") != r.Num("node.encouragements.totalCount") ||
			r.Num("node.encouragements.totalCount") != len(edgeIDs(r, "node.encouragements")) {
			t.Errorf("former member: encouragementCount, totalCount and edges disagree: %s", r.Raw)
		}
		if r.Num("node.encouragements.totalCount") == 1 {
			if r.Str("node.encouragements.edges.0.node.message") != "MARKER-ENC-FROM-BEN" || r.Get("node.encouragements.edges.0.node.sender") != nil {
				t.Errorf("former member: want the message without its sender: %s", r.Raw)
			}
		}

		r = g.A.Op("EncouragementReceived", nil)
		noErrors(t, "former member", "EncouragementReceived", r)
		noLeak(t, "former member"+" via "+"EncouragementReceived", r, "Ben", g.Memberships[g.B])
		if n := r.Num("viewer.encouragementReceived.totalCount"); n != len(edgeIDs(r, "viewer.encouragementReceived")) {
			t.Errorf("former member: EncouragementReceived totalCount %d disagrees with its edges: %s", n, r.Raw)
		}
		for i := range edgeIDs(r, "viewer.encouragementReceived") {
			if r.Get(fmt.Sprintf("viewer.encouragementReceived.edges.%d.node.sender", i)) != nil {
				t.Errorf("former member: EncouragementReceived names a sender they no longer share a group with: %s", r.Raw)
			}
		}
	})
}

// TestPrivacyVisibilityChangeHidesAtOnce: GROUP -> PRIVATE with UpdateReflection hides the
// reflection and its encouragement from peers and the therapist at once.
func TestPrivacyVisibilityChangeHidesAtOnce(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		body := "MARKER-FLIP-7f3a"
		fromBen := "MARKER-ENC-BEN-9d9d"
		fromT := "MARKER-ENC-T-8c8c"
		id := g.Reflect(g.A, "GROUP", body)
		benOwn := g.Reflect(g.B, "GROUP", "ben's own")
		benIn := map[string]any{"clientID": uuid.NewString(), "reflectionID": id, "kind": "HUG", "message": fromBen}
		r := g.B.Op("SendEncouragement", map[string]any{"input": benIn})
		if len(r.Errors) > 0 {
			t.Fatal(r.Raw)
		}
		benEnc := r.Str("sendEncouragement.id")
		r = Encourage(g.Therapist, id, fromT)
		if len(r.Errors) > 0 {
			t.Fatal(r.Raw)
		}
		tEnc := r.Str("sendEncouragement.id")

		r = g.B.MustOp("GroupFeed", map[string]any{"groupID": g.ID})
		if r.Num("node.reflections.totalCount") != 2 {
			t.Fatalf("before: peer's feed should have 2: %s", r.Raw)
		}
		r = g.B.MustOp("Reflection", map[string]any{"id": id})
		if r.Num("node.encouragementCount") != 2 || r.Num("node.encouragements.totalCount") != 2 || r.Get("node.viewerHasEncouraged") != true {
			t.Fatalf("before: peer should see both encouragements: %s", r.Raw)
		}

		// A stale version changes nothing.
		r = updateReflection(g.A, id, 0, map[string]any{"visibility": "PRIVATE"})
		if r.Code() != "CONFLICT" {
			t.Errorf("stale update: want CONFLICT, got %s", r.Raw)
		}
		if r := g.B.MustOp("Reflection", map[string]any{"id": id}); r.Str("node.body") != body {
			t.Fatalf("a refused update must not change the visibility: %s", r.Raw)
		}

		r = g.A.MustOp("Reflection", map[string]any{"id": id})
		version := r.Num("node.version")
		r = updateReflection(g.A, id, version, map[string]any{"visibility": "PRIVATE"})
		noErrors(t, "author", "UpdateReflection", r)
		if r.Str("updateReflection.reflection.visibility") != "PRIVATE" || r.Num("updateReflection.reflection.version") != version+1 {
			t.Fatalf("update to PRIVATE: %s", r.Raw)
		}

		check := func(stage string, readers map[string]bool) {
			t.Helper()
			for _, p := range []readerCase{{"peer", g.B}, {"therapist", g.Therapist}} {
				can := readers[p.name]
				who := p.name + " (" + stage + ")"
				r := p.c.Op("Reflection", map[string]any{"id": id})
				if can != (r.Str("node.body") == body) {
					t.Errorf("%s: reads the reflection: %v, want %v: %s", who, !can, can, r.Raw)
				}
				r = readNodes(p.c, id, benEnc, tEnc)
				for i := 0; i < 3; i++ {
					if !nodesIs(r, i, can) {
						t.Errorf("%s: nodes[%d] readable: %v, want %v: %s", who, i, !can, can, r.Raw)
					}
				}
				r2 := p.c.MustOp("GroupFeed", map[string]any{"groupID": g.ID})
				want := 1
				if can {
					want = 2
				}
				if n := r2.Num("node.reflections.totalCount"); n != want {
					t.Errorf("%s: GroupFeed totalCount = %d, want %d: %s", who, n, want, r2.Raw)
				}
				if !slices.Contains(edgeIDs(r2, "node.reflections"), benOwn) {
					t.Errorf("%s: GroupFeed lost Ben's own reflection", who)
				}
				if can != slices.Contains(edgeIDs(r2, "node.reflections"), id) {
					t.Errorf("%s: GroupFeed lists it: %v, want %v", who, !can, can)
				}
				if !can {
					for _, x := range []*Resp{r, r2} {
						noLeak(t, who+" via "+"Reflection/nodes/GroupFeed", x, body, fromBen, fromT)
					}
					e := Encourage(p.c, id, "MARKER-ENC-AGAIN")
					if e.Code() != "NOT_FOUND" {
						t.Errorf("%s: encouraging a hidden reflection: want NOT_FOUND, got %s", who, e.Raw)
					}
					noLeak(t, who+" via "+"SendEncouragement", e, body, fromBen, fromT)
				}
			}
		}
		check("PRIVATE", map[string]bool{})
		// A retry of Ben's send (same clientID, same content) must not hand back what he sent.
		r = g.B.Op("SendEncouragement", map[string]any{"input": benIn})
		if r.Code() != "NOT_FOUND" || r.Get("sendEncouragement") != nil {
			t.Errorf("retried encouragement on a hidden reflection: want NOT_FOUND, got %s", r.Raw)
		}
		noLeak(t, "peer"+" via "+"SendEncouragement(retry)", r, body, fromBen, fromT)

		// The author still has it, as written.
		r = g.A.MustOp("Reflection", map[string]any{"id": id})
		if r.Str("node.body") != body || r.Str("node.visibility") != "PRIVATE" {
			t.Errorf("author lost their reflection: %s", r.Raw)
		}

		// PRIVATE -> FACILITATORS: the therapist again, not the peer.
		r = updateReflection(g.A, id, version+1, map[string]any{"visibility": "FACILITATORS"})
		noErrors(t, "author", "UpdateReflection", r)
		check("FACILITATORS", map[string]bool{"therapist": true})

		// FACILITATORS -> GROUP: both again.
		r = updateReflection(g.A, id, version+2, map[string]any{"visibility": "GROUP"})
		noErrors(t, "author", "UpdateReflection", r)
		check("GROUP", map[string]bool{"peer": true, "therapist": true})
	})
}

// TestPrivacyDisplayNames: a membership (display name) is readable by people who currently
// share the group only.
func TestPrivacyDisplayNames(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		r := g.Stranger.MustOp("Viewer", nil)
		strangerMem := r.Str("viewer.memberships.0.id")
		if r.Str("viewer.memberships.0.displayName") != "Dr. S" {
			t.Fatalf("stranger's membership: %s", r.Raw)
		}
		cases := []struct {
			whose   string
			mem     string
			name    string
			readers map[string]bool
		}{
			{"Ann's", g.Memberships[g.A], "Ann", map[string]bool{"author": true, "peer": true, "therapist": true}},
			{"Ben's", g.Memberships[g.B], "Ben", map[string]bool{"author": true, "peer": true, "therapist": true}},
			{"the therapist's", g.Memberships[g.Therapist], "Dr. T", map[string]bool{"author": true, "peer": true, "therapist": true}},
			{"the stranger's", strangerMem, "Dr. S", map[string]bool{"stranger": true}},
		}
		for _, tc := range cases {
			for _, p := range everyoneAround(g) {
				can := tc.readers[p.name]
				r := readNode(p.c, tc.mem)
				if can {
					if r.Str("node.displayName") != tc.name {
						t.Errorf("%s should read %s membership: %s", p.name, tc.whose, r.Raw)
					}
				} else {
					if !nodeNull(r) || len(r.Errors) != 0 {
						t.Errorf("%s: node(%s membership) want null, got %s", p.name, tc.whose, r.Raw)
					}
					noLeak(t, p.name+" via "+"node(membership)", r, tc.name)
				}
				r = readNodes(p.c, tc.mem, madeUpReflectionID)
				if !nodesIs(r, 0, can) {
					t.Errorf("%s: nodes(%s membership) readable: %v, want %v: %s", p.name, tc.whose, !can, can, r.Raw)
				}
				if !can {
					noLeak(t, p.name+" via "+"nodes(membership)", r, tc.name)
				}
			}
		}
		// A therapist of another group sees no name through the feed either.
		for _, p := range []readerCase{{"outsider", g.Outsider}, {"stranger", g.Stranger}} {
			r := p.c.Op("GroupFeed", map[string]any{"groupID": g.ID})
			if r.Get("node") != nil {
				t.Errorf("%s: GroupFeed node want null, got %s", p.name, r.Raw)
			}
			noLeak(t, p.name+" via "+"GroupFeed", r, "Ann", "Ben", "Dr. T", "Tuesday Group")
		}
	})
}

// TestPrivacyUserNodes: a member record is its owner's only, and the schema has no field that
// could carry an email, phone or Firebase uid.
func TestPrivacyUserNodes(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		everyone := everyoneAround(g)
		userIDs := map[string]string{}
		for _, p := range everyone {
			userIDs[p.name] = p.c.MustOp("Viewer", nil).Str("viewer.id")
		}
		for _, owner := range everyone {
			for _, p := range everyone {
				r := readNode(p.c, userIDs[owner.name])
				if owner.name == p.name {
					if r.Str("node.__typename") != "User" || r.Str("node.id") != userIDs[owner.name] {
						t.Errorf("%s should read their own User node: %s", p.name, r.Raw)
					}
					continue
				}
				if !nodeNull(r) || len(r.Errors) != 0 {
					t.Errorf("%s reads %s's User node: %s", p.name, owner.name, r.Raw)
				}
				r = readNodes(p.c, userIDs[owner.name], userIDs[p.name])
				if !nodesNull(r, 0) || r.Str("nodes.1.id") != userIDs[p.name] {
					t.Errorf("%s via nodes on %s's User: %s", p.name, owner.name, r.Raw)
				}
			}
		}

		// Introspection: no contact details or Firebase identity anywhere a client can ask for.
		r := g.A.Raw(`{ __type(name: "User") { fields { name } } }`, "", nil)
		noErrors(t, "member", "introspection", r)
		fields, _ := r.Get("__type.fields").([]any)
		if len(fields) == 0 {
			t.Fatalf("introspection returned no User fields: %s", r.Raw)
		}
		for _, f := range fields {
			name := strings.ToLower(f.(map[string]any)["name"].(string))
			for _, bad := range []string{"email", "phone", "firebase", "uid"} {
				if strings.Contains(name, bad) {
					t.Errorf("User exposes field %q", name)
				}
			}
		}
		r = g.A.Raw(`{ __schema { types { name fields { name } } } }`, "", nil)
		types, _ := r.Get("__schema.types").([]any)
		if len(types) == 0 {
			t.Fatalf("introspection returned no types: %s", r.Raw)
		}
		for _, x := range types {
			tm := x.(map[string]any)
			tn, _ := tm["name"].(string)
			fs, _ := tm["fields"].([]any)
			for _, f := range fs {
				name := strings.ToLower(f.(map[string]any)["name"].(string))
				bad := strings.Contains(name, "email") || strings.Contains(name, "firebase")
				if tn == "Membership" || tn == "User" {
					bad = bad || strings.Contains(name, "phone") || name == "user" || name == "uid"
				}
				if bad {
					t.Errorf("%s exposes field %q", tn, name)
				}
			}
		}
		// No uid or email of anyone reaches another member through their screens.
		for _, op := range []string{"Viewer", "MyReflections", "EncouragementReceived"} {
			r := g.B.Op(op, nil)
			noLeak(t, "peer"+" via "+op, r, g.A.UID, g.Therapist.UID, "@example.invalid")
		}
		r = g.B.Op("GroupFeed", map[string]any{"groupID": g.ID})
		noLeak(t, "peer"+" via "+"GroupFeed", r, g.A.UID, g.Therapist.UID, "@example.invalid")
	})
}

// TestPrivacyGroupAndInviteNodes: a group is null for people with no membership in it; its
// invites (codes) are for its facilitators only.
func TestPrivacyGroupAndInviteNodes(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		body := "MARKER-GRPNODE-1234"
		g.Reflect(g.A, "GROUP", body)
		r := g.Therapist.MustOp("CreateGroupInvite", map[string]any{"groupID": g.ID})
		invID, code := r.Str("createGroupInvite.id"), r.Str("createGroupInvite.code")

		for _, p := range everyoneAround(g) {
			member := p.name == "author" || p.name == "peer" || p.name == "therapist"
			r := readNode(p.c, g.ID)
			if member != (r.Str("node.name") == "Tuesday Group") {
				t.Errorf("%s: node(group) readable: %v, want %v: %s", p.name, !member, member, r.Raw)
			}
			if !member {
				if !nodeNull(r) || len(r.Errors) != 0 {
					t.Errorf("%s: node(group) want null, got %s", p.name, r.Raw)
				}
				noLeak(t, p.name+" via "+"node(group)", r, body, "Ann", "Tuesday Group")
				r = readNodes(p.c, g.ID, madeUpReflectionID)
				if !nodesNull(r, 0) {
					t.Errorf("%s: nodes(group) want null: %s", p.name, r.Raw)
				}
				noLeak(t, p.name+" via "+"nodes(group)", r, body, "Ann", "Tuesday Group")
				r = p.c.Op("GroupFeed", map[string]any{"groupID": g.ID})
				if r.Get("node") != nil {
					t.Errorf("%s: GroupFeed want null node, got %s", p.name, r.Raw)
				}
				noLeak(t, p.name+" via "+"GroupFeed", r, body, "Ann", "Tuesday Group")
			}

			fac := p.name == "therapist"
			r = readNode(p.c, invID)
			if fac != (r.Str("node.code") == code) {
				t.Errorf("%s: node(invite) readable: %v, want %v: %s", p.name, !fac, fac, r.Raw)
			}
			if !fac {
				if !nodeNull(r) {
					t.Errorf("%s: node(invite) want null, got %s", p.name, r.Raw)
				}
				noLeak(t, p.name+" via "+"node(invite)", r, code)
				r = readNodes(p.c, invID, madeUpReflectionID)
				if !nodesNull(r, 0) {
					t.Errorf("%s: nodes(invite) want null: %s", p.name, r.Raw)
				}
				noLeak(t, p.name+" via "+"nodes(invite)", r, code)
			}
		}
	})
}

// TestPrivacyGroupMutationsRefused: who may found groups, invite, revoke, remove and join.
func TestPrivacyGroupMutationsRefused(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()

		// Only therapists found groups.
		r := g.A.Op("CreateGroup", map[string]any{"input": map[string]any{
			"name": "Ann's own group", "timeZone": "America/Chicago", "displayName": "Ann",
		}})
		if r.Code() != "FORBIDDEN" || r.Get("createGroup") != nil {
			t.Errorf("member creating a group: want FORBIDDEN, got %s", r.Raw)
		}
		if gs := viewerGroups(g.A); len(gs) != 1 || gs[0] != g.ID {
			t.Errorf("member's groups after a refused CreateGroup: %v", gs)
		}

		// Only facilitators invite: members FORBIDDEN, people outside NOT_FOUND.
		for _, tc := range []struct {
			who  string
			c    *Client
			want string
		}{
			{"member", g.A, "FORBIDDEN"},
			{"peer", g.B, "FORBIDDEN"},
			{"outsider", g.Outsider, "NOT_FOUND"},
			{"stranger", g.Stranger, "NOT_FOUND"},
		} {
			r := tc.c.Op("CreateGroupInvite", map[string]any{"groupID": g.ID})
			if r.Code() != tc.want || r.Get("createGroupInvite") != nil {
				t.Errorf("%s creating an invite: want %s, got %s", tc.who, tc.want, r.Raw)
			}
			r = tc.c.Op("RemoveMember", map[string]any{"membershipID": g.Memberships[g.A]})
			if r.Code() != tc.want || r.Get("removeMember") == true {
				t.Errorf("%s removing Ann: want %s, got %s", tc.who, tc.want, r.Raw)
			}
			r = tc.c.Op("RemoveMember", map[string]any{"membershipID": g.Memberships[g.Therapist]})
			if r.Code() != tc.want || r.Get("removeMember") == true {
				t.Errorf("%s removing the therapist: want %s, got %s", tc.who, tc.want, r.Raw)
			}
		}
		r = g.B.MustOp("GroupFeed", map[string]any{"groupID": g.ID})
		if got := membershipNames(r, "node.memberships"); strings.Join(got, ",") != "Ann,Ben,Dr. T" {
			t.Errorf("memberships after refused removals: %v", got)
		}
		// People outside the group cannot tell its group or memberships from missing ones.
		for _, p := range []readerCase{{"outsider", g.Outsider}, {"stranger", g.Stranger}} {
			a := p.c.Op("CreateGroupInvite", map[string]any{"groupID": g.ID})
			b := p.c.Op("CreateGroupInvite", map[string]any{"groupID": "4295999999"})
			if a.Raw != b.Raw {
				t.Errorf("%s: CreateGroupInvite on a hidden group %s vs a missing one %s", p.name, a.Raw, b.Raw)
			}
			a = p.c.Op("RemoveMember", map[string]any{"membershipID": g.Memberships[g.A]})
			b = p.c.Op("RemoveMember", map[string]any{"membershipID": "12884999999"})
			if a.Raw != b.Raw {
				t.Errorf("%s: RemoveMember on a hidden membership %s vs a missing one %s", p.name, a.Raw, b.Raw)
			}
			a = p.c.Op("LeaveGroup", map[string]any{"groupID": g.ID})
			b = p.c.Op("LeaveGroup", map[string]any{"groupID": "4295999999"})
			if a.Raw != b.Raw || a.Code() != "NOT_FOUND" {
				t.Errorf("%s: LeaveGroup on a group they are not in %s vs a missing one %s", p.name, a.Raw, b.Raw)
			}
			a = p.c.Op("CreateReflection", map[string]any{"input": reflectionInput(g.ID, "GROUP", "MARKER-INTRUDER")})
			if a.Code() != "NOT_FOUND" || a.Get("createReflection") != nil {
				t.Errorf("%s writing in a group they are not in: want NOT_FOUND, got %s", p.name, a.Raw)
			}
		}
		if r := g.B.MustOp("GroupFeed", map[string]any{"groupID": g.ID}); strings.Contains(r.Raw, "MARKER-INTRUDER") {
			t.Errorf("an outsider's reflection landed in the group: %s", r.Raw)
		}

		// Only facilitators revoke; the code keeps working after refused revocations.
		r = g.Therapist.MustOp("CreateGroupInvite", map[string]any{"groupID": g.ID})
		invID, code := r.Str("createGroupInvite.id"), r.Str("createGroupInvite.code")
		for _, p := range []readerCase{{"member", g.A}, {"peer", g.B}, {"outsider", g.Outsider}, {"stranger", g.Stranger}} {
			r := p.c.Op("RevokeGroupInvite", map[string]any{"id": invID})
			if len(r.Errors) == 0 || r.Get("revokeGroupInvite") == true {
				t.Errorf("%s revoking an invite: want an error, got %s", p.name, r.Raw)
			}
			m := p.c.Op("RevokeGroupInvite", map[string]any{"id": "8589999999"})
			if errorShape(m) != errorShape(r) {
				t.Errorf("%s: revoking someone else's invite (%s) differs from a missing one (%s)", p.name, r.Raw, m.Raw)
			}
		}
		dan := h.Member("dan")
		r = dan.Op("JoinGroup", map[string]any{"input": map[string]any{"code": code, "displayName": "Dan"}})
		if len(r.Errors) > 0 {
			t.Fatalf("the invite should still work after refused revocations: %s", r.Raw)
		}
		if r := g.Therapist.MustOp("RevokeGroupInvite", map[string]any{"id": invID}); r.Get("revokeGroupInvite") != true {
			t.Fatal(r.Raw)
		}
		eve := h.Member("eve")
		r = eve.Op("JoinGroup", map[string]any{"input": map[string]any{"code": code, "displayName": "Eve"}})
		if r.Code() != "BAD_USER_INPUT" || r.Get("joinGroup") != nil {
			t.Errorf("joining with a revoked code: want BAD_USER_INPUT, got %s", r.Raw)
		}
		noLeak(t, "eve"+" via "+"JoinGroup", r, "Tuesday Group")
		if gs := viewerGroups(eve); len(gs) != 0 {
			t.Errorf("eve joined with a revoked code: %v", gs)
		}
		if r := eve.Op("GroupFeed", map[string]any{"groupID": g.ID}); r.Get("node") != nil {
			t.Errorf("eve sees the group: %s", r.Raw)
		}

		// A removed member cannot rejoin, not even with a fresh, valid code.
		g.Therapist.MustOp("RemoveMember", map[string]any{"membershipID": g.Memberships[g.B]})
		fresh := g.Therapist.MustOp("CreateGroupInvite", map[string]any{"groupID": g.ID}).Str("createGroupInvite.code")
		r = g.B.Op("JoinGroup", map[string]any{"input": map[string]any{"code": fresh, "displayName": "Ben again"}})
		if r.Code() != "FORBIDDEN" || r.Get("joinGroup") != nil {
			t.Errorf("removed member rejoining: want FORBIDDEN, got %s", r.Raw)
		}
		if slices.Contains(viewerGroups(g.B), g.ID) {
			t.Errorf("removed member is back in the group")
		}

		// Nobody encourages their own reflection, therapists included.
		tid := g.Reflect(g.Therapist, "GROUP", "MARKER-T-OWN")
		if r := Encourage(g.Therapist, tid, "self"); r.Code() != "FORBIDDEN" {
			t.Errorf("therapist encouraging own reflection: want FORBIDDEN, got %s", r.Raw)
		}
		aid := g.Reflect(g.A, "GROUP", "MARKER-A-OWN")
		if r := Encourage(g.A, aid, "self"); r.Code() != "FORBIDDEN" {
			t.Errorf("member encouraging own reflection: want FORBIDDEN, got %s", r.Raw)
		}
		if r := g.A.MustOp("Reflection", map[string]any{"id": aid}); r.Num("node.encouragementCount") != 0 {
			t.Errorf("a refused self-encouragement was counted: %s", r.Raw)
		}
	})
}

// TestPrivacyFeedFiltersAndPaging: where-filters, ordering and cursors never widen what the
// feed shows; totalCount counts only what the viewer may read.
func TestPrivacyFeedFiltersAndPaging(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		want := map[string][]string{} // reader -> ids they may read, oldest first
		for i := 0; i < 3; i++ {
			p := g.Reflect(g.A, "PRIVATE", fmt.Sprintf("MARKER-PG-PRIV-%d", i))
			f := g.Reflect(g.A, "FACILITATORS", fmt.Sprintf("MARKER-PG-FAC-%d", i))
			gr := g.Reflect(g.A, "GROUP", fmt.Sprintf("MARKER-PG-GRP-%d", i))
			bp := g.Reflect(g.B, "PRIVATE", fmt.Sprintf("MARKER-PG-BPRIV-%d", i))
			want["peer"] = append(want["peer"], gr, bp)
			want["therapist"] = append(want["therapist"], f, gr)
			_ = p
		}
		const doc = `query PrivFeed($groupID: ID!, $first: Int, $after: Cursor, $where: ReflectionWhereInput, $dir: OrderDirection!) {
  node(id: $groupID) {
    ... on Group {
      reflections(first: $first, after: $after, where: $where, orderBy: {direction: $dir, field: CREATED_AT}) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { node { id body visibility } }
      }
    }
  }
}`
		for _, p := range []readerCase{{"peer", g.B}, {"therapist", g.Therapist}} {
			// Page one by one, both directions.
			for _, dir := range []string{"ASC", "DESC"} {
				var got []string
				var after any
				for page := 0; page < 20; page++ {
					r := p.c.Raw(doc, "PrivFeed", map[string]any{"groupID": g.ID, "first": 1, "after": after, "dir": dir})
					noErrors(t, p.name, "PrivFeed", r)
					if n := r.Num("node.reflections.totalCount"); n != len(want[p.name]) {
						t.Errorf("%s %s: totalCount = %d, want %d", p.name, dir, n, len(want[p.name]))
					}
					noLeak(t, p.name+" via "+"PrivFeed", r, "MARKER-PG-PRIV-")
					if p.name == "therapist" {
						noLeak(t, p.name+" via "+"PrivFeed", r, "MARKER-PG-BPRIV-")
					} else {
						noLeak(t, p.name+" via "+"PrivFeed", r, "MARKER-PG-FAC-")
					}
					got = append(got, edgeIDs(r, "node.reflections")...)
					if r.Get("node.reflections.pageInfo.hasNextPage") != true {
						break
					}
					after = r.Get("node.reflections.pageInfo.endCursor")
				}
				// Ben's own PRIVATE ones are his, so the peer sees them; the order may put
				// equal timestamps either way, so compare as sets.
				if strings.Join(sortedCopy(got), ",") != strings.Join(sortedCopy(want[p.name]), ",") {
					t.Errorf("%s %s: paged ids %v, want %v", p.name, dir, got, want[p.name])
				}
			}
			// Filters that ask for what they may not read find nothing.
			for _, where := range []map[string]any{
				{"visibility": "PRIVATE"},
				{"visibilityIn": []string{"PRIVATE"}},
				{"or": []any{map[string]any{"visibility": "PRIVATE"}, map[string]any{"visibility": "FACILITATORS"}}},
				{"not": map[string]any{"visibilityIn": []string{"GROUP"}}},
			} {
				r := p.c.Raw(doc, "PrivFeed", map[string]any{"groupID": g.ID, "first": 50, "where": where, "dir": "DESC"})
				noErrors(t, p.name, "PrivFeed(where)", r)
				noLeak(t, p.name+" via "+"PrivFeed(where)", r, "MARKER-PG-PRIV-")
				for _, id := range edgeIDs(r, "node.reflections") {
					if !slices.Contains(want[p.name], id) {
						t.Errorf("%s: where %v returned %s which they may not read: %s", p.name, where, id, r.Raw)
					}
				}
				if n, e := r.Num("node.reflections.totalCount"), len(edgeIDs(r, "node.reflections")); n != e {
					t.Errorf("%s: where %v: totalCount %d but %d edges", p.name, where, n, e)
				}
			}
		}
	})
}

// TestPrivacyAnonymous: without a token nothing is answered, however the document is dressed.
func TestPrivacyAnonymous(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		body := "MARKER-ANON-4242"
		id := g.Reflect(g.A, "GROUP", body)
		anon := h.Anonymous()
		vars := map[string]any{"id": id}
		docs := map[string]string{
			"plain":           `query Q($id: ID!) { node(id: $id) { ... on Reflection { body } } }`,
			"aliased":         `query Q($id: ID!) { __typename: node(id: $id) { ... on Reflection { body } } }`,
			"fragment spread": `query Q($id: ID!) { ...F } fragment F on Query { node(id: $id) { ... on Reflection { body } } }`,
			"inline fragment": `query Q($id: ID!) { ... on Query { node(id: $id) { ... on Reflection { body } } } }`,
			"with __schema":   `query Q($id: ID!) { __schema { queryType { name } } node(id: $id) { ... on Reflection { body } } }`,
		}
		for name, doc := range docs {
			r := anon.Raw(doc, "Q", vars)
			if r.Code() != "UNAUTHENTICATED" {
				t.Errorf("anonymous %s: want UNAUTHENTICATED, got %s", name, r.Raw)
			}
			noLeak(t, "anonymous "+name+" via "+"Raw", r, body, "Ann")
		}
		for _, op := range []string{"GroupFeed", "MyReflections", "EncouragementReceived", "Viewer"} {
			r := anon.Op(op, map[string]any{"groupID": g.ID})
			if r.Code() != "UNAUTHENTICATED" {
				t.Errorf("anonymous %s: want UNAUTHENTICATED, got %s", op, r.Raw)
			}
			noLeak(t, "anonymous"+" via "+op, r, body, "Ann", "Tuesday Group")
		}
		// (The emulator's tokens are unsigned by design, so only a token that is not a JWT at
		// all is a meaningful bad token here.)
		bad := &Client{h: h, Token: "not-a-jwt"}
		if r := bad.Op("Reflection", vars); r.Code() != "UNAUTHENTICATED" {
			t.Errorf("bad token: want UNAUTHENTICATED, got %s", r.Raw)
		} else {
			noLeak(t, "bad token"+" via "+"Reflection", r, body)
		}
	})
}

func sortedCopy(ids []string) []string {
	out := append([]string(nil), ids...)
	sort.Strings(out)
	return out
}

// Get sends a GraphQL query with GET, as c.
func Get(t *testing.T, h *H, c *Client, query, opName string, vars map[string]any) *Resp {
	t.Helper()
	v, _ := json.Marshal(vars)
	q := url.Values{"query": {query}, "operationName": {opName}, "variables": {string(v)}}
	req, _ := http.NewRequest(http.MethodGet, h.URL+"/graphql?"+q.Encode(), nil)
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	return send(t, req)
}

// TestPrivacyGETTransport: the GET transport answers with the same rules as POST, and
// changes nothing.
func TestPrivacyGETTransport(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		body := "MARKER-GET-PRIV-5150"
		id := g.Reflect(g.A, "PRIVATE", body)
		doc := operationDocument(t, "Reflection")
		for _, p := range everyoneAround(g) {
			r := p.c.Get(doc, "Reflection", map[string]any{"id": id})
			if p.name == "author" {
				if r.Str("node.body") != body {
					t.Errorf("author via GET should read their reflection: %s", r.Raw)
				}
				continue
			}
			if r.Get("node") != nil {
				t.Errorf("%s via GET reads a PRIVATE reflection: %s", p.name, r.Raw)
			}
			noLeak(t, p.name+" via "+"GET Reflection", r, body)
			r = p.c.Get(readNodesDoc, "PrivNodes", map[string]any{"ids": []string{id, madeUpReflectionID}})
			if !nodesNull(r, 0) {
				t.Errorf("%s via GET nodes reads a PRIVATE reflection: %s", p.name, r.Raw)
			}
			noLeak(t, p.name+" via "+"GET nodes", r, body)
		}
		r := h.Anonymous().Get(doc, "Reflection", map[string]any{"id": id})
		if r.Code() != "UNAUTHENTICATED" {
			t.Errorf("anonymous GET: want UNAUTHENTICATED, got %s", r.Raw)
		}
		noLeak(t, "anonymous"+" via "+"GET Reflection", r, body)

		// Mutations over GET are refused, even the author's own.
		mdoc := operationDocument(t, "DeleteReflection")
		r = g.A.Get(mdoc, "DeleteReflection", map[string]any{"id": id})
		if len(r.Errors) == 0 || r.Get("deleteReflection") == true {
			t.Errorf("DeleteReflection over GET: want an error, got %s", r.Raw)
		}
		r = g.A.Get(operationDocument(t, "UpdateReflection"), "UpdateReflection",
			map[string]any{"id": id, "expectedVersion": 1, "input": map[string]any{"visibility": "GROUP"}})
		if len(r.Errors) == 0 || r.Get("updateReflection") != nil {
			t.Errorf("UpdateReflection over GET: want an error, got %s", r.Raw)
		}
		r = g.A.MustOp("Reflection", map[string]any{"id": id})
		if r.Str("node.body") != body || r.Str("node.visibility") != "PRIVATE" || r.Num("node.version") != 1 {
			t.Errorf("a GET mutation changed the reflection: %s", r.Raw)
		}
		if r := g.B.Op("Reflection", map[string]any{"id": id}); r.Get("node") != nil {
			t.Errorf("a GET mutation made the reflection readable by a peer: %s", r.Raw)
		}
	})
}

// TestPrivacyCrossGroup: a member of two groups shares each reflection with one group only,
// and is known in each group by that group's display name only.
func TestPrivacyCrossGroup(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		// Ann also joins the stranger's group, as "Annie".
		r := g.Stranger.MustOp("Viewer", nil)
		other := r.Str("viewer.memberships.0.group.id")
		code := g.Stranger.MustOp("CreateGroupInvite", map[string]any{"groupID": other}).Str("createGroupInvite.code")
		annie := g.A.MustOp("JoinGroup", map[string]any{"input": map[string]any{"code": code, "displayName": "Annie-9q"}}).Str("joinGroup.id")

		grp2 := "MARKER-X-GRP2-1111"
		fac2 := "MARKER-X-FAC2-2222"
		grp1 := "MARKER-X-GRP1-3333"
		g2 := &Group{ID: other}
		g2.Consent(g.A)
		grp2ID := g2.Reflect(g.A, "GROUP", grp2)
		fac2ID := g2.Reflect(g.A, "FACILITATORS", fac2)
		grp1ID := g.Reflect(g.A, "GROUP", grp1)

		cases := []struct {
			who     string
			c       *Client
			readers map[string]bool // reflection id -> readable
		}{
			{"peer in group 1", g.B, map[string]bool{grp1ID: true}},
			{"therapist of group 1", g.Therapist, map[string]bool{grp1ID: true}},
			{"therapist of group 2", g.Stranger, map[string]bool{grp2ID: true, fac2ID: true}},
			{"outsider", g.Outsider, map[string]bool{}},
		}
		bodies := map[string]string{grp2ID: grp2, fac2ID: fac2, grp1ID: grp1}
		for _, tc := range cases {
			for id, body := range bodies {
				can := tc.readers[id]
				r := tc.c.Op("Reflection", map[string]any{"id": id})
				if can != (r.Str("node.body") == body) {
					t.Errorf("%s reads %s: %v, want %v: %s", tc.who, body, !can, can, r.Raw)
				}
				if !can {
					noLeak(t, tc.who+" via "+"Reflection", r, body)
				}
				r = readNodes(tc.c, id, madeUpReflectionID)
				if !nodesIs(r, 0, can) {
					t.Errorf("%s via nodes reads %s: %v, want %v: %s", tc.who, body, !can, can, r.Raw)
				}
				if !can {
					noLeak(t, tc.who+" via "+"nodes", r, body)
				}
			}
			// Each group's name for Ann stays in that group.
			r := readNode(tc.c, annie)
			if (tc.c == g.Stranger) != !nodeNull(r) {
				t.Errorf("%s: node(Ann's membership in group 2) readable: %v: %s", tc.who, !nodeNull(r), r.Raw)
			}
			if tc.c != g.Stranger {
				noLeak(t, tc.who+" via "+"node(membership)", r, "Annie-9q")
			}
			for _, gid := range []string{g.ID, other} {
				r := tc.c.Op("GroupFeed", map[string]any{"groupID": gid})
				if gid == g.ID {
					noLeak(t, tc.who+" via "+"GroupFeed(1)", r, "Annie-9q", grp2, fac2)
				} else {
					noLeak(t, tc.who+" via "+"GroupFeed(2)", r, "Ann\"", grp1)
				}
			}
		}
		// Ann's own journal has all three, each with its own group.
		r = g.A.MustOp("MyReflections", nil)
		if n := r.Num("viewer.reflections.totalCount"); n != 3 {
			t.Errorf("Ann's journal: totalCount %d, want 3: %s", n, r.Raw)
		}
		if e := edgeNode(r, "viewer.reflections", grp2ID); e == nil || e["author"].(map[string]any)["displayName"] != "Annie-9q" {
			t.Errorf("Ann's group-2 reflection should carry her group-2 name: %s", r.Raw)
		}
		// Encouragement across groups: a group-1 peer cannot encourage a group-2 reflection.
		if r := Encourage(g.B, grp2ID, "MARKER-X-ENC"); r.Code() != "NOT_FOUND" {
			t.Errorf("peer of another group encouraging: want NOT_FOUND, got %s", r.Raw)
		}
		// Leaving group 2 leaves group 1 untouched.
		g.A.MustOp("LeaveGroup", map[string]any{"groupID": other})
		if r := g.B.MustOp("Reflection", map[string]any{"id": grp1ID}); r.Str("node.body") != grp1 {
			t.Errorf("leaving group 2 hid Ann's group-1 reflection from her group-1 peer: %s", r.Raw)
		}
		if r := g.Stranger.Op("Reflection", map[string]any{"id": grp1ID}); r.Get("node") != nil {
			t.Errorf("therapist of group 2 reads a group-1 reflection: %s", r.Raw)
		}
	})
}

// TestPrivacyHiddenEncouragementClientIDReuse: once the reflection an encouragement was sent
// on is hidden from its sender, sending another encouragement with the same clientID is
// refused as a reuse of that clientID (CONFLICT, as for any other reuse), not with an
// internal error, and without a word about the hidden reflection.
func TestPrivacyHiddenEncouragementClientIDReuse(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		hidden := g.Reflect(g.A, "GROUP", "MARKER-REUSE-HIDDEN-4e4e")
		open := g.Reflect(g.A, "GROUP", "MARKER-REUSE-OPEN-5f5f")
		cid := uuid.NewString()
		g.B.MustOp("SendEncouragement", map[string]any{"input": map[string]any{
			"clientID": cid, "reflectionID": hidden, "kind": "HEART", "message": "MARKER-REUSE-MSG-6a6a",
		}})
		g.A.MustOp("UpdateReflection", map[string]any{"id": hidden, "expectedVersion": 1, "input": map[string]any{"visibility": "PRIVATE"}})

		r := g.B.Op("SendEncouragement", map[string]any{"input": map[string]any{
			"clientID": cid, "reflectionID": open, "kind": "HEART",
		}})
		if r.Code() != "CONFLICT" || r.Get("sendEncouragement") != nil {
			t.Errorf("reusing the clientID of an encouragement on a now hidden reflection: want CONFLICT, got %s", r.Raw)
		}
		noLeak(t, "peer"+" via "+"SendEncouragement", r, "MARKER-REUSE-HIDDEN-4e4e", "MARKER-REUSE-MSG-6a6a", hidden)
		// Nothing was sent on the open reflection.
		if r := g.A.MustOp("Reflection", map[string]any{"id": open}); r.Num("node.encouragementCount") != 0 {
			t.Errorf("a refused send left an encouragement: %s", r.Raw)
		}
	})
}

// TestPrivacyDemotedTherapistLosesFacilitatorPowers: when the therapist role is taken away
// (set-role UID member), the person's group membership no longer opens FACILITATORS
// reflections, crisis marks, invites or removals.
func TestPrivacyDemotedTherapistLosesFacilitatorPowers(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		id := g.Reflect(g.A, "FACILITATORS", "for the therapist: I want to end my life")
		if r := g.Therapist.MustOp("Reflection", map[string]any{"id": id}); r.Get("node") == nil {
			t.Fatalf("the therapist reads it first: %s", r.Raw)
		}
		// The admin takes the role away; the app refreshes its token.
		emu.AddUser(authemu.User{UID: g.Therapist.UID, Email: g.Therapist.UID + "@example.invalid"})
		tok, err := emu.Token(g.Therapist.UID, 2*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		former := &Client{h: h, UID: g.Therapist.UID, Token: tok}
		if r := former.MustOp("Reflection", map[string]any{"id": id}); r.Get("node") != nil {
			t.Fatalf("a demoted therapist still reads FACILITATORS reflections: %s", r.Raw)
		}
		if r := former.Op("CreateGroupInvite", map[string]any{"groupID": g.ID}); r.Code() != "FORBIDDEN" {
			t.Fatalf("a demoted therapist still invites: %s", r.Raw)
		}
		if r := former.Op("RemoveMember", map[string]any{"membershipID": g.Memberships[g.A]}); r.Code() != "FORBIDDEN" {
			t.Fatalf("a demoted therapist still removes: %s", r.Raw)
		}
	})
}

// TestPrivacyRemovalEndsAHeldRequest: a member's request signed in before a facilitator
// removed them, and held back until after, reads nothing of the group: not what was shared
// before the removal, not what was shared after it, not the members' names. (The viewer's
// memberships are read when a rule first needs them, not at sign-in.)
func TestPrivacyRemovalEndsAHeldRequest(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		cat := h.Member("cat")
		catMembership := g.Join(cat, "Cat")
		g.Reflect(g.A, "GROUP", "MARKER-BEFORE-REMOVAL")
		send := heldRequest(t, h, cat, "GroupFeed", map[string]any{"groupID": g.ID})
		if r := g.Therapist.MustOp("RemoveMember", map[string]any{"membershipID": catMembership}); r.Get("removeMember") != true {
			t.Fatal(r.Raw)
		}
		g.Reflect(g.A, "GROUP", "MARKER-AFTER-REMOVAL")
		raw := send()
		for _, m := range []string{"MARKER-BEFORE-REMOVAL", "MARKER-AFTER-REMOVAL", `"Ann"`, `"Ben"`} {
			if strings.Contains(raw, m) {
				t.Errorf("the removed member's held request carries %s: %.300s", m, raw)
			}
		}
	})
}
