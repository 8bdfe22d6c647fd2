package limits

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

type callerKey struct{}

// gateServer is a gqlgen server on the app's schema with a stub executor and a Gate, as
// the server package sets it up; validations counts the documents gqlparser validated. The
// caller is the X-User header (none: anonymous).
type gateServer struct {
	http.Handler
	validations atomic.Int64
	limited     atomic.Int64
	gate        *Gate
}

func newGateServer(t *testing.T, budget RateConfig, anonymous func(context.Context, *ast.QueryDocument) *gqlerror.Error) *gateServer {
	t.Helper()
	schema := appSchema(t)
	es := &graphql.ExecutableSchemaMock{
		SchemaFunc:     func() *ast.Schema { return schema },
		ComplexityFunc: func(context.Context, string, string, int, map[string]any) (int, bool) { return 0, false },
		ExecFunc: func(context.Context) graphql.ResponseHandler {
			return graphql.OneShot(&graphql.Response{Data: json.RawMessage(`{}`)})
		},
	}
	s := &gateServer{}
	srv := handler.New(es)
	srv.AddTransport(transport.POST{})
	cache := lru.New[*ast.QueryDocument](100)
	srv.SetQueryCache(cache)
	srv.SetParserTokenLimit(DefaultConfig().MaxTokens)
	srv.SetValidationRulesFn(func() *rules.Rules {
		s.validations.Add(1)
		return rules.NewDefaultRules()
	})
	s.gate = &Gate{
		Config: DefaultConfig(),
		Cache:  cache,
		Budget: NewRateLimiter(budget),
		Caller: func(ctx context.Context) (string, bool) {
			u, _ := ctx.Value(callerKey{}).(string)
			return u, u != ""
		},
		Anonymous: anonymous,
		Limited:   func(context.Context, int) { s.limited.Add(1) },
	}
	srv.Use(s.gate)
	s.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, r.Header.Get("X-User"))))
	})
	return s
}

// ask posts query as user ("" for nobody) and returns the first error's code ("" for none)
// and the answer.
func (s *gateServer) ask(t *testing.T, user, query string) (string, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	if user != "" {
		req.Header.Set("X-User", user)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	var resp gqlResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("not JSON: %s", rec.Body.String())
	}
	if len(resp.Errors) == 0 {
		return "", rec.Body.String()
	}
	code, _ := resp.Errors[0].Extensions["code"].(string)
	return code, rec.Body.String()
}

// TestGateRefusesBeforeValidation: a document that breaks a limit is refused and never
// reaches the validator, for a signed-in caller as for a stranger; a document in the query
// cache is not measured or charged again.
func TestGateRefusesBeforeValidation(t *testing.T) {
	s := newGateServer(t, RateConfig{PerMinute: 600, Burst: 200}, nil)
	for _, user := range []string{"member", ""} {
		before := s.validations.Load()
		code, body := s.ask(t, user, issueDocument)
		want := "BAD_USER_INPUT"
		if user == "" {
			want = "UNAUTHENTICATED"
		}
		if code != want || s.validations.Load() != before {
			t.Errorf("caller %q, the issue's document: %s, %d validations: %.300s", user, code, s.validations.Load()-before, body)
		}
	}
	// A valid document is validated once, then served from the cache.
	before := s.validations.Load()
	for i := 0; i < 5; i++ {
		if code, body := s.ask(t, "member", "query V { viewer { id } }"); code != "" {
			t.Fatalf("a valid document: %s", body)
		}
	}
	if n := s.validations.Load() - before; n != 1 {
		t.Errorf("%d validations of one document sent five times, want 1", n)
	}
	// A stranger's document is refused whatever it is, unvalidated, when Anonymous says no.
	before = s.validations.Load()
	for _, q := range []string{"query V { viewer { id } }", "{ __schema { queryType { name } } }", "}}} not graphql"} {
		if code, body := s.ask(t, "", q); code != "UNAUTHENTICATED" {
			t.Errorf("stranger %q: %s", q, body)
		}
	}
	if n := s.validations.Load() - before; n != 0 {
		t.Errorf("%d validations of strangers' documents", n)
	}
}

// TestGateLetsIntrospectionThrough: with an Anonymous that lets introspection through, a
// stranger's introspection is validated (and bounded like any document), the rest not.
func TestGateLetsIntrospectionThrough(t *testing.T) {
	s := newGateServer(t, DefaultDocumentRate(), func(_ context.Context, doc *ast.QueryDocument) *gqlerror.Error {
		if doc != nil && len(doc.Operations) == 1 && doc.Operations[0].SelectionSet[0].(*ast.Field).Name == "__schema" {
			return nil
		}
		return gqlerror.Errorf("sign in")
	})
	if code, body := s.ask(t, "", introspectionQuery); code != "" {
		t.Fatalf("introspection: %s", body)
	}
	wide := "{ __schema { types { " + repeated("name ", 200) + "} } }"
	before := s.validations.Load()
	if code, _ := s.ask(t, "", wide); code != "BAD_USER_INPUT" || s.validations.Load() != before {
		t.Errorf("an introspection over the limits: %s", code)
	}
}

// TestGateBudget: a member's documents that gqlgen has not validated before are charged to
// their budget; past it they are RATE_LIMITED (and the hook told), while documents already
// validated, and other members, go on.
func TestGateBudget(t *testing.T) {
	s := newGateServer(t, RateConfig{PerMinute: 6, Burst: 3}, nil)
	if code, body := s.ask(t, "ann", "query Cached { viewer { id } }"); code != "" {
		t.Fatal(body)
	}
	codes := map[string]int{}
	for i := 0; i < 5; i++ {
		code, _ := s.ask(t, "ann", fmt.Sprintf("query New%d { viewer { id } }", i))
		codes[code]++
	}
	if codes[""] != 2 || codes["RATE_LIMITED"] != 3 || s.limited.Load() != 3 {
		t.Errorf("5 new documents after 1 (burst 3): %v, hook told %d times", codes, s.limited.Load())
	}
	if code, body := s.ask(t, "ann", "query Cached { viewer { id } }"); code != "" {
		t.Errorf("a document in the cache, past the budget: %s", body)
	}
	if code, body := s.ask(t, "ben", "query Other { viewer { id } }"); code != "" {
		t.Errorf("another member: %s", body)
	}
	_, body := s.ask(t, "ann", "query Later { viewer { id } }")
	if !strings.Contains(body, `"retryAfter"`) {
		t.Errorf("RATE_LIMITED without retryAfter: %s", body)
	}
}

// introspectionQuery is the schema introspection GraphiQL sends (the fields and fragments
// graphql-js's getIntrospectionQuery asks for).
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}`
