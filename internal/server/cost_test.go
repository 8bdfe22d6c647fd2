package server_test

// What one request can cost the server before and after it is known who sent it: a stranger
// is refused before anything of the document is parsed or validated (production) or before
// it is validated (development, where GraphiQL's introspection is let through); a signed-in
// member's document is bounded before the validator sees it, and the member has a budget of
// documents the server has not validated before. Refusals before validation are proven with
// the API's count of validations, never with a clock; CPU time is logged, not judged.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
)

// issueDocument is the anonymous request of the issue: 4,900 ids in one selection set,
// about 15 KB, under the token limit; it cost 5.1 s of CPU to validate.
var issueDocument = "query Q1{viewer{" + strings.Repeat("id ", 4900) + "}}"

// cpuMillis is the CPU time of the whole test process so far (gqlgen resolves fields on
// goroutines of its own): a measure for the log and for benchmarks, never for a verdict.
func cpuMillis() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}

// serve sends a POST of body to the API's handler in this goroutine (no HTTP client: the
// CPU time is the server's), with the bearer token (if any), and decodes the answer.
func serve(t testing.TB, h *H, token string, body []byte) *Resp {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.App.Handler().ServeHTTP(rec, req)
	out := &Resp{Status: rec.Code, Header: rec.Header(), Raw: rec.Body.String()}
	if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
		t.Fatalf("answer is not JSON (%d): %.300s", rec.Code, rec.Body.String())
	}
	return out
}

// requestBody is the JSON body of a GraphQL request.
func requestBody(query string, vars map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return b
}

// TestStrangersRefusedBeforeValidation: the issue's document, and any other from someone
// without a valid token, is UNAUTHENTICATED and never validated; in development GraphiQL's
// introspection still works for them, and is the only thing that does.
func TestStrangersRefusedBeforeValidation(t *testing.T) {
	t.Parallel()
	for _, env := range []string{"production", "development"} {
		t.Run(env, func(t *testing.T) {
			t.Parallel()
			h := sqliteH(t, withSettings(map[string]string{"APP_ENV": env}))
			m := h.Member("m")
			m.MustOp("Viewer", nil)
			for name, token := range map[string]string{"no token": "", "a bad token": "not-a-jwt", "an expired token": expiredToken(m.UID)} {
				before, cpu := h.App.Validations(), cpuMillis()
				r := serve(t, h, token, requestBody(issueDocument, nil))
				cpu = cpuMillis() - cpu
				if r.Code() != "UNAUTHENTICATED" || h.App.Validations() != before {
					t.Errorf("%s: the issue's document: %s, %d validations: %.300s", name, r.Code(), h.App.Validations()-before, r.Raw)
				}
				t.Logf("%s, %s: refused with %.2f ms of CPU (whole process)", env, name, cpu)
				// Over GET too.
				get := (&Client{h: h, Token: token}).Get(issueDocument, "", nil)
				if get.Code() != "UNAUTHENTICATED" || h.App.Validations() != before {
					t.Errorf("%s: the issue's document over GET: %.300s", name, get.Raw)
				}
			}
			before := h.App.Validations()
			intro := h.Anonymous().Raw(introspectionQuery, "IntrospectionQuery", nil)
			if env == "development" {
				if len(intro.Errors) > 0 || intro.Get("__schema.queryType.name") != "Query" {
					t.Errorf("GraphiQL's introspection in development: %.300s", intro.Raw)
				}
				// Introspection and something else in one document: refused.
				mixed := h.Anonymous().Raw("query A { __schema { queryType { name } } } query B { viewer { id } }", "A", nil)
				if mixed.Code() != "UNAUTHENTICATED" {
					t.Errorf("introspection beside another operation: %.300s", mixed.Raw)
				}
			} else if intro.Code() != "UNAUTHENTICATED" || h.App.Validations() != before {
				t.Errorf("introspection in production: %.300s", intro.Raw)
			}
		})
	}
}

// expiredToken is an emulator token of uid that expired an hour ago.
func expiredToken(uid string) string {
	tok, _ := emu.Token(uid, -time.Hour)
	return tok
}

// introspectionQuery is an introspection as GraphiQL and other tools send it (shorter).
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    types { ...FullType }
    directives { name locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name args { ...InputValue } type { ...TypeRef } isDeprecated }
  inputFields { ...InputValue }
  enumValues(includeDeprecated: true) { name }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }`

// costlyDocuments are the worst requests a signed-in member can send within MAX_BODY_BYTES
// and MAX_TOKENS that this suite could think of: the documents that make validation work
// hardest, documents the limits must refuse before validation, large and deep variables,
// long strings. groupID is a group of the member's.
func costlyDocuments(groupID string) []costly {
	many := func(n int, f func(i int) string) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString(f(i))
		}
		return b.String()
	}
	var chain strings.Builder
	chain.WriteString("query Q { viewer { ...C0 } }\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&chain, "fragment C%d on User { id ...C%d ...C%d }\n", i, i+1, i+1)
	}
	chain.WriteString("fragment C40 on User { id }\n")
	ids := make([]string, 70000) // about 1 MB of JSON
	for i := range ids {
		ids[i] = fmt.Sprint(17179869184 + i)
	}
	deep := map[string]any{"hasGroup": true}
	for i := 0; i < 5000; i++ {
		deep = map[string]any{"not": deep}
	}
	return []costly{
		{name: "the issue's document", query: issueDocument, refused: "fields"},
		{name: "a selection set of 900 ids", query: "query Q { viewer { " + strings.Repeat("id ", 900) + "} }", refused: "selections"},
		{name: "repeated fields in narrow sets", query: "query Q { viewer { " + strings.Repeat("memberships { id id id } ", 30) + "} }", refused: "repeated fields"},
		{name: "fragments spread into each other", query: chain.String(), refused: "fields"},
		{name: "fragments each spreading the next forty", query: "query Q { viewer { ...F0 } }\n" + many(60, func(i int) string {
			return fmt.Sprintf("fragment F%d on User { id %s}\n", i, many(min(40, 59-i), func(j int) string { return fmt.Sprintf("...F%d ", i+1+j) }))
		}), refused: "fields"},
		{name: "deep nesting with aliases", query: "query Q { " + many(25, func(i int) string {
			return fmt.Sprintf("a%d: viewer { ", i)
		}) + strings.Repeat("memberships { group { ", 60) + "id" + strings.Repeat(" } }", 60) + strings.Repeat(" }", 25) + " }", refused: "depth"},
		{name: "directives", query: "query Q { viewer { id" + strings.Repeat(" @include(if: true)", 400) + " } }", refused: "directives"},
		{name: "a fragment cycle", query: "query Q { viewer { ...A } }\nfragment A on User { ...B }\nfragment B on User { ...A }", refused: "fragments"},
		{name: "50 repeated subtrees", query: "query Q { viewer { " + strings.Repeat("memberships { group { id name } } ", 51) + "} }"},
		{name: "100 fragments, distinct fields", query: "query Q { viewer { " + many(100, func(i int) string { return fmt.Sprintf("...D%d ", i) }) + "} }\n" +
			many(100, func(i int) string { return fmt.Sprintf("fragment D%d on User { x%d }\n", i, i) })},
		{name: "900 unknown fields", query: "query Q { " + many(9, func(i int) string {
			return fmt.Sprintf("v%d: viewer { %s} ", i, many(99, func(j int) string { return fmt.Sprintf("x%d ", j) }))
		}) + "}"},
		{name: "400 operations", query: many(400, func(i int) string { return fmt.Sprintf("query A%d { viewer { id } } ", i) }), op: "A7"},
		{name: "1200 variables", query: "query Q(" + many(1200, func(i int) string { return fmt.Sprintf("$v%d: Int ", i) }) + ") { viewer { id } }"},
		{name: "1600 arguments", query: "query Q { viewer { reflections(" + strings.Repeat("first: 1 ", 1600) + ") { totalCount } } }"},
		{name: "1600 input fields", query: "query Q { viewer { reflections(where: {" + strings.Repeat("hasGroup: true ", 1600) + "}) { totalCount } } }"},
		{name: "a list of 4900 ids", query: "query Q { nodes(ids: [" + strings.Repeat("1 ", 4900) + "]) { id } }"},
		{name: "a string of 1 MB in the document", query: `query Q { node(id: "` + strings.Repeat("7", 1<<20-200) + `") { id } }`},
		{name: "a block string of escapes, 1 MB as JSON", query: `query Q { node(id: """` + strings.Repeat(`\"""`, (1<<20-200)/8) + `""") { id } }`},
		{name: "a comment of 1 MB", query: "query Q { viewer { id } }\n#" + strings.Repeat("x", 1<<20-200)},
		{name: "70,000 ids as a variable", query: `query Q($ids: [ID!]!) { nodes(ids: $ids) { id } }`, vars: map[string]any{"ids": ids}},
		{name: "a where nested 5000 deep", query: `query Q($g: ID!, $w: ReflectionWhereInput) { node(id: $g) { ... on Group { reflections(first: 5, where: $w) { totalCount } } } }`,
			vars: map[string]any{"g": groupID, "w": deep}},
		{name: "a reflection of 1 MB", query: `mutation M($in: CreateReflectionInput!) { createReflection(input: $in) { reflection { id } } }`,
			vars: map[string]any{"in": reflectionInput(groupID, "PRIVATE", strings.Repeat("é", 1<<19-400))}},
		{name: "the heaviest app read", query: "HEAVY", vars: map[string]any{"groupID": groupID, "first": 100}},
	}
}

// costly is a request of costlyDocuments: refused names the limit that must refuse it
// before validation ("" when it may be validated).
type costly struct {
	name, query, op, refused string
	vars                     map[string]any
}

// body is the JSON body of the request.
func (c costly) body(t testing.TB) []byte {
	query := c.query
	if query == "HEAVY" {
		query = operationDocument(t, "GroupFeed")
	}
	b, _ := json.Marshal(map[string]any{"query": query, "operationName": c.op, "variables": c.vars})
	return b
}

// TestCostlyDocumentsBounded sends the worst documents a signed-in member can send: each is
// answered with a code of the fixed set (never INTERNAL), nothing is written, and those the
// limits must refuse never reach the validator. The CPU time of each is logged.
func TestCostlyDocumentsBounded(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		g.Reflect(g.A, "GROUP", "something to read")
		g.A.MustOp("GroupFeed", map[string]any{"groupID": g.ID, "first": 100})
		snap := dbSnapshot(t, h)
		for _, c := range costlyDocuments(g.ID) {
			body := c.body(t)
			if int64(len(body)) > 1<<20 {
				t.Errorf("%s: a body of %d bytes, more than MAX_BODY_BYTES", c.name, len(body))
			}
			before, cpu := h.App.Validations(), cpuMillis()
			r := serve(t, h, g.A.Token, body)
			cpu = cpuMillis() - cpu
			validated := h.App.Validations() - before
			t.Logf("%-40s %8d bytes: %-15s validated %d, %6.2f ms of CPU (whole process)", c.name, len(body), r.Code(), validated, cpu)
			checkErrors(t, r)
			if r.Code() == "INTERNAL" || r.Status >= 500 {
				t.Errorf("%s: %d %.300s", c.name, r.Status, r.Raw)
			}
			if c.refused != "" {
				if limit, _ := firstExtension(r, "limit").(string); r.Code() != "BAD_USER_INPUT" || limit != c.refused || validated != 0 {
					t.Errorf("%s: want BAD_USER_INPUT for the %s limit before validation, got %s (limit %v), %d validations: %.300s",
						c.name, c.refused, r.Code(), limit, validated, r.Raw)
				}
			}
		}
		dbUnchanged(t, h, snap)
	})
}

// firstExtension is the extension key of the first error of r.
func firstExtension(r *Resp, key string) any {
	if len(r.Errors) == 0 {
		return nil
	}
	return r.Errors[0].Extensions[key]
}

// TestDocumentBudget: a member who sends documents the server has not validated before
// spends a budget (RATE_DOCUMENTS_PER_MINUTE, a third of it at once); past it they get
// RATE_LIMITED with HTTP 429 and Retry-After, while documents already validated go on, and
// other members are not affected.
func TestDocumentBudget(t *testing.T) {
	t.Parallel()
	h := sqliteH(t, withSettings(map[string]string{"RATE_DOCUMENTS_PER_MINUTE": "3"})) // one at once, then one in 20 s
	m, n := h.Member("m"), h.Member("n")
	before := h.App.Validations()
	m.MustRaw("query Made0 { viewer { id } }", "", nil)
	for i := 1; i < 6; i++ {
		r := m.Raw(fmt.Sprintf("query Made%d { viewer { id } }", i), "", nil)
		if r.Code() != "RATE_LIMITED" || r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
			t.Errorf("new document %d past the budget: %d, Retry-After %q: %.300s", i, r.Status, r.Header.Get("Retry-After"), r.Raw)
		}
	}
	if v := h.App.Validations() - before; v != 1 {
		t.Errorf("%d validations, want 1: documents past the budget were validated", v)
	}
	m.MustRaw("query Made0 { viewer { id } }", "", nil) // validated before: no charge
	n.MustRaw("query Made1 { viewer { id } }", "", nil) // another member's budget
	n.MustRaw("query Made0 { viewer { id } }", "", nil)
}

// BenchmarkRequestCost measures the server's CPU time for one request (the whole process's,
// gqlgen resolving on goroutines of its own; the request is served in-process, without an
// HTTP client, and the CPU time of building the request is left out): the issue's document
// sent by a stranger (production and development), and each of costlyDocuments sent by a
// signed-in member, made new at each iteration (a comment at its end), so that none comes
// from the query cache. Run it alone, on SQLite:
//
//	go test ./internal/server -run '^$' -bench RequestCost -benchtime 20x
func BenchmarkRequestCost(b *testing.B) {
	prod := sqliteH(b, withSettings(map[string]string{"APP_ENV": "production"}))
	dev := sqliteH(b)
	g := dev.NewGroup()
	g.Reflect(g.A, "GROUP", "something to read")
	measure := func(b *testing.B, h *H, token string, c costly) {
		b.Helper()
		serve(b, h, token, c.body(b)) // warm: the sign-in cached
		spent, n := 0.0, 0
		for b.Loop() {
			c := c
			if c.query == "HEAVY" {
				c.query = operationDocument(b, "GroupFeed")
			}
			c.query += fmt.Sprintf("\n# %s %d", b.Name(), n)
			body := c.body(b)
			start := cpuMillis()
			serve(b, h, token, body)
			spent += cpuMillis() - start
			n++
		}
		b.ReportMetric(spent/float64(n), "cpu-ms/op")
	}
	issue := costly{name: "the issue's document", query: issueDocument}
	b.Run("stranger/production/the issue's document", func(b *testing.B) { measure(b, prod, "", issue) })
	b.Run("stranger/development/the issue's document", func(b *testing.B) { measure(b, dev, "", issue) })
	for _, c := range costlyDocuments(g.ID) {
		b.Run("member/"+c.name, func(b *testing.B) { measure(b, dev, g.A.Token, c) })
	}
}

// heaviestRead is the heaviest read of a group's reflections and their encouragement that
// MAX_COMPLEXITY lets through (cost about 5,300 of 6,000).
const heaviestRead = `query Heaviest($g: ID!) { node(id: $g) { ... on Group { reflections(first: 100) { totalCount edges { cursor node {
  id body prompt mood craving visibility createdAt disclosureNotice
  encouragements(first: 5) { totalCount edges { node { id kind message createdAt } } } } } } } } }`

// BenchmarkHeaviestRead measures, as BenchmarkRequestCost does, the heaviest read the limits
// allow on a group full enough to fill it: 100 reflections read by their facilitator, each
// with 5 of its 11 encouragements, every text decrypted and every read accounted for.
//
//	go test ./internal/server -run '^$' -bench HeaviestRead -benchtime 20x
func BenchmarkHeaviestRead(b *testing.B) {
	h := sqliteH(b)
	g := h.NewGroup()
	fillGroup(b, h, g, 12, 9) // 108 reflections, 72 of them GROUP
	ids := edgeIDs(g.Therapist.MustOp("GroupFeed", map[string]any{"groupID": g.ID, "first": 100}), "node.reflections")
	others := []*Client{g.Therapist}
	for i := 0; i < 10; i++ {
		c := h.Member(fmt.Sprint("e", i))
		g.Join(c, fmt.Sprint("Encourager ", i))
		others = append(others, c)
	}
	for _, id := range ids {
		for _, c := range others {
			Encourage(c, id, "keep going")
		}
	}
	body := requestBody(heaviestRead, map[string]any{"g": g.ID})
	r := serve(b, h, g.Therapist.Token, body)
	if len(r.Errors) > 0 {
		b.Fatalf("%.400s", r.Raw)
	}
	encouraged := 0
	edges, _ := r.Get("node.reflections.edges").([]any)
	for i := range edges {
		es, _ := r.Get(fmt.Sprintf("node.reflections.edges.%d.node.encouragements.edges", i)).([]any)
		encouraged += len(es)
	}
	b.Logf("%d reflections read, %d encouragements", len(edges), encouraged)
	spent, n := 0.0, 0
	for b.Loop() {
		start := cpuMillis()
		serve(b, h, g.Therapist.Token, body)
		spent += cpuMillis() - start
		n++
	}
	b.ReportMetric(spent/float64(n), "cpu-ms/op")
}
