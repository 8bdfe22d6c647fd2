package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestQueryLimits: over-deep, over-aliased, over-long and over-costly documents and JSON
// batches are refused with BAD_USER_INPUT before they run; the app's operations pass.
func TestQueryLimits(t *testing.T) {
	t.Parallel()
	h := sqliteH(t)
	g := h.NewGroup()
	deep := "{ viewer { memberships { group { memberships { group { memberships { group { memberships { group { memberships { group { id } } } } } } } } } } } }"
	aliases := "{ " + strings.Repeat("a: viewer { id } ", 1) + func() string {
		var b strings.Builder
		for i := 0; i < 40; i++ {
			fmt.Fprintf(&b, "v%d: viewer { id } ", i)
		}
		return b.String()
	}() + "}"
	costly := `query($g: ID!) { node(id: $g) { ... on Group { reflections(first: 100) { edges { node { encouragements(first: 100) { edges { node { id } } } } } } } } }`
	long := "{ viewer { id " + strings.Repeat("__typename ", 6000) + "} }"
	for name, doc := range map[string]string{"depth": deep, "aliases": strings.Replace(aliases, "a: viewer", "viewer", 1), "complexity": costly, "tokens": long} {
		r := g.A.Raw(doc, "", map[string]any{"g": g.ID})
		if r.Code() != "BAD_USER_INPUT" || r.Get("viewer") != nil || r.Get("node") != nil {
			t.Errorf("%s: want BAD_USER_INPUT, got %.300s", name, r.Raw)
		}
	}
	// A JSON array of requests is refused.
	req, _ := http.NewRequest(http.MethodPost, h.URL+"/graphql", strings.NewReader(`[{"query":"{ viewer { id } }"},{"query":"{ viewer { id } }"}]`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+g.A.Token)
	if r := send(t, req); r.Code() != "BAD_USER_INPUT" || r.Status != http.StatusBadRequest {
		t.Fatalf("batch: %d %s", r.Status, r.Raw)
	}
	// The heaviest app operations pass with their largest pages.
	for _, op := range []string{"GroupFeed", "MyReflections", "EncouragementReceived"} {
		g.A.MustOp(op, map[string]any{"groupID": g.ID, "first": 100})
	}
}

// TestRateLimits: a member's mutations and an address's unauthenticated requests are
// limited, with RATE_LIMITED and nothing written past the limit; others are not affected.
func TestRateLimits(t *testing.T) {
	t.Parallel()
	h := sqliteH(t, withSettings(map[string]string{
		"RATE_MUTATIONS_PER_MINUTE": "30", // burst 10
		"RATE_ANONYMOUS_PER_MINUTE": "9",  // burst 3
	}))
	g := h.NewGroup() // the therapist spends a few mutations here
	limited := 0
	for i := 0; i < 15; i++ {
		r := g.A.Op("CreateReflection", map[string]any{"input": reflectionInput(g.ID, "PRIVATE", fmt.Sprint("note ", i))})
		if r.Code() == "RATE_LIMITED" {
			limited++
		} else if r.Code() != "" {
			t.Fatalf("unexpected: %s", r.Raw)
		}
	}
	written := g.A.MustOp("MyReflections", map[string]any{"first": 100}).Num("viewer.reflections.totalCount")
	if limited == 0 || written+limited != 15 || written > 10 {
		t.Fatalf("%d limited, %d written of 15 (burst 10)", limited, written)
	}
	// Another member is not affected, and queries are not limited.
	if r := g.B.Op("CreateReflection", map[string]any{"input": reflectionInput(g.ID, "PRIVATE", "mine")}); r.Code() != "" {
		t.Fatalf("another member: %s", r.Raw)
	}
	// Unauthenticated requests from one address.
	codes := map[string]int{}
	for i := 0; i < 6; i++ {
		codes[h.Anonymous().Op("Viewer", nil).Code()]++
	}
	if codes["RATE_LIMITED"] == 0 || codes["UNAUTHENTICATED"] > 3 {
		t.Fatalf("anonymous requests: %v", codes)
	}
	// A signed-in member from the same address still gets through.
	g.B.MustOp("Viewer", nil)
}

// TestNoSuggestionsInProduction: in production a wrong field name gets no "Did you mean".
func TestNoSuggestionsInProduction(t *testing.T) {
	t.Parallel()
	h := sqliteH(t, withSettings(map[string]string{"APP_ENV": "production"}))
	r := h.Member("m").Raw(`{ viewer { reflection { id } } }`, "", nil)
	if r.Code() != "BAD_USER_INPUT" || strings.Contains(r.Raw, "Did you mean") {
		t.Fatalf("production: %s", r.Raw)
	}
}
