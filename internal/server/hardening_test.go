package server_test

// Hardening: limits on the shape and cost of operations, rate limits, production without
// introspection or suggestions, and malformed documents, bodies and GET requests, whose
// errors carry a code from the fixed set and leave nothing in the log.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/processgroup/api/internal/server/config"
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

// TestNoSuggestionsInProduction: in production a wrong field name gets no "Did you mean",
// also where documents other than the trusted ones run (ALLOW_RAW_DOCUMENTS, for an
// administration tool; without it they are refused before parsing: TestTrustedDocuments).
func TestNoSuggestionsInProduction(t *testing.T) {
	t.Parallel()
	h := sqliteH(t, withSettings(map[string]string{"APP_ENV": "production", "ALLOW_RAW_DOCUMENTS": "true"}))
	r := h.Member("m").Raw(`{ viewer { reflection { id } } }`, "", nil)
	if r.Code() != "BAD_USER_INPUT" || strings.Contains(r.Raw, "Did you mean") {
		t.Fatalf("production: %s", r.Raw)
	}
}

// TestLimitsCannotBeDodged: depth counted through fragments and inline
// fragments; mutation aliases, also spread from fragments, counted against the rate; and
// oversized or overnested variables refused with a client error, not an internal one.
func TestLimitsCannotBeDodged(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) { // burst 10
		g := h.NewGroup()
		// Depth 10 through a chain of fragments, and through inline fragments.
		frags := `query Deep { viewer { ...L1 } }
fragment L1 on User { memberships { ...L2 } }
fragment L2 on Membership { group { ...L3 } }
fragment L3 on Group { memberships { ...L4 } }
fragment L4 on Membership { group { ...L5 } }
fragment L5 on Group { memberships { ...L6 } }
fragment L6 on Membership { group { ...L7 } }
fragment L7 on Group { memberships { ...L8 } }
fragment L8 on Membership { group { id } }`
		inline := `query Deep { viewer { ... on User { memberships { ... on Membership { group { ... { memberships { ... { group { ... { memberships { ... { group { ... { memberships { ... { group { ... { memberships { id } } } } } } } } } } } } } } } } } } }`
		for name, doc := range map[string]string{"fragments": frags, "inline fragments": inline} {
			if r := g.A.Raw(doc, "Deep", nil); r.Code() != "BAD_USER_INPUT" || r.Get("viewer") != nil {
				t.Errorf("depth through %s: %.300s", name, r.Raw)
			}
		}
		// Eleven createReflection fields under aliases, some spread from fragments, one operation.
		var b strings.Builder
		b.WriteString("mutation Many($in: CreateReflectionInput!) { ...M1 ... on Mutation { ...M2 } }\n")
		for f := 1; f <= 2; f++ {
			fmt.Fprintf(&b, "fragment M%d on Mutation {", f)
			for i := 0; i < 6; i++ {
				fmt.Fprintf(&b, " m%d_%d: createReflection(input: $in) { reflection { id } }", f, i)
			}
			b.WriteString(" }\n")
		}
		in := reflectionInput(g.ID, "PRIVATE", "MARKER-RATE")
		r := g.A.Raw(b.String(), "Many", map[string]any{"in": in})
		if r.Code() != "RATE_LIMITED" {
			t.Errorf("12 aliased mutations spread from fragments (burst 10): %.300s", r.Raw)
		}
		if n := g.A.MustOp("MyReflections", nil).Num("viewer.reflections.totalCount"); n != 0 {
			t.Errorf("%d reflections written past the limit", n)
		}

		// Variables: a where with 40,000 ids, one nested 3,000 levels deep, one with 20,000
		// alternatives. Each is the client's mistake (BAD_USER_INPUT), not the server's.
		ids := make([]string, 40000)
		for i := range ids {
			ids[i] = fmt.Sprint(17179869184 + i)
		}
		deep := map[string]any{"visibility": "GROUP"}
		for i := 0; i < 3000; i++ {
			deep = map[string]any{"not": deep}
		}
		ors := make([]any, 20000)
		for i := range ors {
			ors[i] = map[string]any{"id": fmt.Sprint(17179869184 + i)}
		}
		for name, where := range map[string]any{
			"idIn 40000":    map[string]any{"idIn": ids},
			"not×3000":      deep,
			"or×20000":      map[string]any{"or": ors},
			"idNotIn 40000": map[string]any{"idNotIn": ids},
		} {
			r, err := g.B.Try(feedDoc, "Feed", map[string]any{"groupID": g.ID, "first": 10, "where": where})
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if r.Code() != "BAD_USER_INPUT" || r.Get("node") != nil {
				t.Errorf("where %s: want BAD_USER_INPUT and no data, got %s: %.300s", name, r.Code(), r.Raw)
			}
		}
	}, withSettings(map[string]string{"RATE_MUTATIONS_PER_MINUTE": "30"}))
}

// TestProductionRefusesIntrospectionEverywhere: in production neither __schema nor __type answers,
// over POST or GET, signed in or not, and no validation message names what exists, even
// where raw documents run (ALLOW_RAW_DOCUMENTS; without it they are refused before parsing).
func TestProductionRefusesIntrospectionEverywhere(t *testing.T) {
	t.Parallel()
	h := sqliteH(t, withSettings(map[string]string{"APP_ENV": "production", "ALLOW_RAW_DOCUMENTS": "true"}))
	m := h.Member("m")
	docs := []string{
		`{ __type(name: "Reflection") { name fields { name } } }`,
		`{ __type(name: "GrantGroupSharingConsentInput") { inputFields { name } } }`,
		`{ __schema { queryType { name } types { name } } }`,
		`query { viewer { id } t: __type(name: "ReflectionRead") { fields { name } } }`,
		`{ __schema { mutationType { fields { name } } } }`,
	}
	for _, doc := range docs {
		for _, token := range []string{"", m.Token} {
			for _, via := range []string{"POST", "GET"} {
				var r *Resp
				if via == "GET" {
					r = (&Client{h: h, Token: token}).Get(doc, "", nil)
				} else {
					r = (&Client{h: h, Token: token}).Raw(doc, "", nil)
				}
				who := fmt.Sprintf("%s signed in=%v: %s", via, token != "", doc)
				noLeak(t, who, r, "body", "disclosureNotice", "expiresAt", "readAt", "deleteAccount", "grantGroupSharingConsent", `"Reflection"`, `"ReflectionRead"`)
				if r.Code() == "" {
					t.Errorf("%s: answered without an error: %s", who, r.Raw)
				}
			}
		}
	}
	// Misspelled names get no hint, in any position.
	for _, doc := range []string{
		`{ viewer { ... on Reflectio { id } } }`,
		`query($x: ReflectionWhereInpt) { viewer { id } }`,
		`{ viewer { reflections(frist: 1) { totalCount } } }`,
		`{ viewer { reflections(orderBy: {field: CREATED, direction: DESC}) { totalCount } } }`,
		`{ viewer { memberships { role groop { id } } } }`,
	} {
		r := m.Raw(doc, "", nil)
		noLeak(t, doc, r, "Did you mean", "CREATED_AT", "Reflection\"", "ReflectionWhereInput", "first", "group")
		if r.Code() != "BAD_USER_INPUT" {
			t.Errorf("%s: %s", doc, r.Raw)
		}
	}
}

// TestMalformedDocuments: a document that does not parse or validate is BAD_USER_INPUT,
// runs nothing and changes nothing.
func TestMalformedDocuments(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		vars := map[string]any{"input": reflectionInput(g.ID, "GROUP", logMarker+" secret body")}
		docs := []struct{ name, query, op string }{
			{"unterminated document", "mutation CreateReflection($input: CreateReflectionInput!) { createReflection(input: $input) { reflection { id ", "CreateReflection"},
			{"garbage document", "}}}{{{ not graphql", ""},
			{"empty document", "", ""},
			{"unknown field", "query Q { viewer { id passwordHash } }", "Q"},
			{"unknown operation name", operationDocument(t, "CreateReflection"), "NoSuchOperation"},
			{"undeclared variable", "mutation M { createReflection(input: $input) { reflection { id } } }", "M"},
			{"wrong variable type", "mutation M($input: String!) { createReflection(input: $input) { reflection { id } } }", "M"},
		}
		for _, d := range docs {
			t.Run(d.name, func(t *testing.T) {
				snap, count := dbSnapshot(t, h), myReflectionCount(t, g.A)
				r := g.A.Raw(d.query, d.op, vars)
				if rejectedNaming(t, r, "") {
					dbUnchanged(t, h, snap)
					if got := myReflectionCount(t, g.A); got != count {
						t.Errorf("reflection count %d -> %d", count, got)
					}
				}
			})
		}
		checkLogLines(t, h, tokensOf(g.Therapist, g.A, g.B, g.Stranger)...)
	})
}

// TestMalformedHTTPBody: a POST body that is not a GraphQL request (bad JSON, wrong
// shape, too large) is the client's mistake: BAD_USER_INPUT, and the body (which carries
// the variables) never reaches the log.
func TestMalformedHTTPBody(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		t.Run("malformed JSON", func(t *testing.T) {
			snap := dbSnapshot(t, h)
			body := `{"query":"mutation CreateReflection($input: CreateReflectionInput!) { createReflection(input: $input) { reflection { id } } }","variables":{"input":{"body":"` + logMarker + ` secret"}}`
			r := postBody(t, h, g.A, "application/json", []byte(body))
			if rejectedNaming(t, r, "") {
				dbUnchanged(t, h, snap)
			}
		})
		t.Run("JSON of the wrong shape", func(t *testing.T) {
			r := postBody(t, h, g.A, "application/json", []byte(`{"query":["`+logMarker+`"],"variables":"`+logMarker+`"}`))
			rejectedNaming(t, r, "")
		})
		t.Run("oversized body", func(t *testing.T) {
			snap := dbSnapshot(t, h)
			big := reflectionInput(g.ID, "GROUP", logMarker+strings.Repeat("x", 2<<20))
			b, _ := json.Marshal(map[string]any{"query": operationDocument(t, "CreateReflection"), "operationName": "CreateReflection", "variables": map[string]any{"input": big}})
			r := postBody(t, h, g.A, "application/json", b)
			if rejectedNaming(t, r, "") {
				dbUnchanged(t, h, snap)
			}
		})
		t.Run("log", func(t *testing.T) {
			checkLogLines(t, h, tokensOf(g.Therapist, g.A, g.B, g.Stranger)...)
		})
	})
}

// TestMalformedGETRequests: errors of GET requests carry a code from the fixed set too.
func TestMalformedGETRequests(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		get := func(t *testing.T, rawQuery string) *Resp {
			t.Helper()
			req, _ := http.NewRequest(http.MethodGet, h.URL+"/graphql?"+rawQuery, nil)
			req.Header.Set("Authorization", "Bearer "+g.A.Token)
			return send(t, req)
		}
		t.Run("a valid query works", func(t *testing.T) {
			q := url.Values{"query": {operationDocument(t, "MyReflections")}, "operationName": {"MyReflections"}, "variables": {`{"first":5}`}}
			if r := get(t, q.Encode()); len(r.Errors) > 0 {
				t.Fatalf("GET query refused: %.400s", r.Raw)
			}
		})
		t.Run("page size over GET", func(t *testing.T) {
			q := url.Values{"query": {operationDocument(t, "MyReflections")}, "operationName": {"MyReflections"}, "variables": {`{"first":101}`}}
			rejectedNaming(t, get(t, q.Encode()), "first")
		})
		t.Run("malformed variables", func(t *testing.T) {
			q := url.Values{"query": {operationDocument(t, "MyReflections")}, "operationName": {"MyReflections"}, "variables": {`{"first":` + logMarker}}
			rejectedNaming(t, get(t, q.Encode()), "")
		})
		t.Run("a mutation", func(t *testing.T) {
			snap := dbSnapshot(t, h)
			b, _ := json.Marshal(map[string]any{"input": reflectionInput(g.ID, "GROUP", logMarker+" over GET")})
			q := url.Values{"query": {operationDocument(t, "CreateReflection")}, "operationName": {"CreateReflection"}, "variables": {string(b)}}
			if rejectedNaming(t, get(t, q.Encode()), "") {
				dbUnchanged(t, h, snap)
			}
		})
		t.Run("broken query string", func(t *testing.T) {
			rejectedNaming(t, get(t, "query=%zz"+logMarker), "")
		})
		checkLogLines(t, h, tokensOf(g.Therapist, g.A, g.B, g.Stranger)...)
	})
}

// TestMalformedDocumentLiterals sends invalid values written into the document itself (not as
// variables): still BAD_USER_INPUT, and the value is not echoed.
func TestMalformedDocumentLiterals(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		lit := strings.ReplaceAll(logMarker, "-", "_") // a valid GraphQL name
		docs := []struct{ name, query, field string }{
			{"bad ID literal", `mutation M { createGroupInvite(groupID: "` + logMarker + `", expiresInHours: 5) { id } }`, "groupID"},
			{"bad UUID literal", `mutation M { createReflection(input: {clientID: "` + logMarker + `", groupID: "` + g.ID + `", body: "x", mood: 5, craving: 1}) { reflection { id } } }`, "clientID"},
			{"bad enum literal", `mutation M { createReflection(input: {clientID: "` + uuid.NewString() + `", groupID: "` + g.ID + `", body: "x", mood: 5, craving: 1, visibility: ` + lit + `}) { reflection { id } } }`, ""},
			{"string for an Int literal", `mutation M { createReflection(input: {clientID: "` + uuid.NewString() + `", groupID: "` + g.ID + `", body: "x", mood: "` + logMarker + `", craving: 1}) { reflection { id } } }`, ""},
			{"out of range literal", `mutation M { createReflection(input: {clientID: "` + uuid.NewString() + `", groupID: "` + g.ID + `", body: "` + logMarker + `", mood: 11, craving: 1}) { reflection { id } } }`, "mood"},
		}
		for _, d := range docs {
			t.Run(d.name, func(t *testing.T) {
				snap := dbSnapshot(t, h)
				r := g.A.Raw(d.query, "M", nil)
				for _, e := range r.Errors {
					if strings.Contains(e.Message, lit) {
						t.Errorf("error echoes the submitted value: %s", r.Raw)
					}
				}
				if !rejectedNaming(t, r, d.field) {
					return
				}
				dbUnchanged(t, h, snap)
			})
		}
		checkLogLines(t, h, tokensOf(g.Therapist, g.A, g.B, g.Stranger)...)
	})
}

// TestMalformedInputLogsCarryNoContent drives ordinary successful use with content, names and
// variables that carry the marker, then reads the whole log.
func TestMalformedInputLogsCarryNoContent(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		th := h.Therapist("lead")
		r := th.MustOp("CreateGroup", map[string]any{"input": map[string]any{
			"name": "Group " + logMarker, "timeZone": "America/Chicago", "displayName": "Dr " + logMarker,
		}})
		gid := r.Str("createGroup.id")
		code := th.MustOp("CreateGroupInvite", map[string]any{"groupID": gid}).Str("createGroupInvite.code")
		a, b := h.Member("a"), h.Member("b")
		a.MustOp("JoinGroup", map[string]any{"input": map[string]any{"code": code, "displayName": "Ann " + logMarker}})
		b.MustOp("JoinGroup", map[string]any{"input": map[string]any{"code": code, "displayName": "Ben " + logMarker}})
		a.MustOp("GrantGroupSharingConsent", map[string]any{"input": map[string]any{"groupID": gid, "textVersion": 1}})
		in := reflectionInput(gid, "GROUP", logMarker+" today I stayed sober")
		in["prompt"] = "What helped? " + logMarker
		rid := a.MustOp("CreateReflection", map[string]any{"input": in}).Str("createReflection.reflection.id")
		a.MustOp("CreateReflection", map[string]any{"input": in}) // a retry
		a.MustOp("UpdateReflection", map[string]any{"id": rid, "expectedVersion": 1, "input": map[string]any{"body": logMarker + " edited"}})
		if e := Encourage(b, rid, "so proud "+logMarker); len(e.Errors) > 0 {
			t.Fatal(e.Raw)
		}
		b.MustOp("GroupFeed", map[string]any{"groupID": gid})
		a.MustOp("Reflection", map[string]any{"id": rid})
		a.MustOp("EncouragementReceived", nil)
		// Refusals of every kind, with the marker in the variables.
		checkErrors(t, a.Op("UpdateReflection", map[string]any{"id": rid, "expectedVersion": 1, "input": map[string]any{"body": logMarker + " stale"}}))
		checkErrors(t, b.Op("UpdateReflection", map[string]any{"id": rid, "expectedVersion": 2, "input": map[string]any{"body": logMarker + " not mine"}}))
		checkErrors(t, h.Member("c").Op("CreateReflection", map[string]any{"input": reflectionInput(gid, "GROUP", logMarker+" not a member")}))
		checkErrors(t, a.Op("CreateGroup", map[string]any{"input": map[string]any{"name": logMarker, "timeZone": "UTC", "displayName": logMarker}}))
		checkErrors(t, h.Anonymous().Op("CreateReflection", map[string]any{"input": reflectionInput(gid, "GROUP", logMarker)}))
		checkErrors(t, (&Client{h: h, Token: "not-a-token-" + logMarker}).Op("Viewer", nil))
		checkLogLines(t, h, th.Token, a.Token, b.Token)
	})
}

// TestAnonymousRateBehindProxy: behind a trusted proxy (TRUSTED_PROXIES), two clients get
// an anonymous limit each, by the address the proxy appended to X-Forwarded-For; a client
// writing its own X-Forwarded-For to the proxy gains nothing; and without the setting the
// header is ignored (every client of the proxy shares its limit).
func TestAnonymousRateBehindProxy(t *testing.T) {
	t.Parallel()
	anonymous := func(h *H, xff string) *Resp {
		body := []byte(`{"query":"query Viewer { viewer { id } }"}`)
		req, _ := http.NewRequest(http.MethodPost, h.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", xff) // what the proxy on 127.0.0.1 sends
		return send(t, req)
	}
	burst := func(h *H, xff string) (passed int) {
		for range 4 {
			switch r := anonymous(h, xff); r.Code() {
			case "UNAUTHENTICATED":
				passed++
			case "RATE_LIMITED":
			default:
				t.Fatalf("%s: %s", xff, r.Raw)
			}
		}
		return passed
	}
	rate := map[string]string{"RATE_ANONYMOUS_PER_MINUTE": "6"} // burst 2
	h := sqliteH(t, withSettings(rate), withSettings(map[string]string{"TRUSTED_PROXIES": "127.0.0.0/8, ::1/128"}))
	if a, b := burst(h, "198.51.100.1"), burst(h, "198.51.100.2"); a != 2 || b != 2 {
		t.Fatalf("two clients behind one trusted proxy: %d and %d passed of 4, want 2 each", a, b)
	}
	if n := burst(h, "203.0.113.9, 198.51.100.1"); n != 0 {
		t.Fatalf("a spoofed X-Forwarded-For entry gave client 1 a fresh limit: %d passed", n)
	}
	plain := sqliteH(t, withSettings(rate))
	if a, b := burst(plain, "198.51.100.1"), burst(plain, "198.51.100.2"); a+b != 2 {
		t.Fatalf("without TRUSTED_PROXIES X-Forwarded-For must be ignored: %d and %d passed", a, b)
	}
}

// TestTrustedProxiesRefusedWhenMalformed: a TRUSTED_PROXIES entry that is not a CIDR stops
// the server at start, naming the setting.
func TestTrustedProxiesRefusedWhenMalformed(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"10.0.0.0/33", "lb.internal", "10.0.0.0/8 192.0.2.0/24"} {
		_, err := config.FromEnv(func(name string) string {
			switch name {
			case "TRUSTED_PROXIES":
				return v
			case "FIREBASE_PROJECT_ID":
				return testProject
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), "TRUSTED_PROXIES") {
			t.Errorf("TRUSTED_PROXIES=%q: %v", v, err)
		}
	}
}
