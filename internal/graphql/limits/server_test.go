package limits

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/processgroup/api/internal/graphql/persisted"
)

// newTestServer is a gqlgen server on the app's schema with a stub executor, set up with
// the limits as the server package would.
func newTestServer(t *testing.T, cfg Config, rulesFn bool) *handler.Server {
	t.Helper()
	schema := appSchema(t)
	es := &graphql.ExecutableSchemaMock{
		SchemaFunc:     func() *ast.Schema { return schema },
		ComplexityFunc: func(context.Context, string, string, int, map[string]any) (int, bool) { return 0, false },
		ExecFunc: func(context.Context) graphql.ResponseHandler {
			return graphql.OneShot(&graphql.Response{Data: json.RawMessage(`{}`)})
		},
	}
	srv := handler.New(es)
	srv.AddTransport(transport.POST{})
	srv.SetParserTokenLimit(cfg.MaxTokens)
	if rulesFn {
		srv.SetValidationRulesFn(RulesWithoutSuggestions)
	}
	srv.Use(NewQueryLimits(cfg))
	return srv
}

type gqlResponse struct {
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func post(t *testing.T, h http.Handler, query, opName string, vars map[string]any) (int, gqlResponse, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "operationName": opName, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var resp gqlResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("response is not JSON: %q", rec.Body.String())
	}
	return rec.Code, resp, rec.Body.String()
}

func TestServerServesEveryCoreOperation(t *testing.T) {
	srv := newTestServer(t, DefaultConfig(), true)
	schema := appSchema(t)
	for _, f := range appOperationFiles(t) {
		if f.name != "core.graphql" {
			continue
		}
		for _, op := range f.doc.Operations {
			vars := requiredVariables(schema, op)
			for _, first := range []int{0, 100} {
				if first > 0 {
					if op.VariableDefinitions.ForName("first") == nil {
						continue
					}
					vars["first"] = first
				}
				// The whole file, as a client could send it, and the operation alone.
				for _, doc := range []string{f.src, persisted.Document(f.doc, op)} {
					code, resp, body := post(t, srv, doc, op.Name, vars)
					if code != http.StatusOK || len(resp.Errors) > 0 {
						t.Errorf("%s %v: %d %s", op.Name, vars, code, body)
					}
				}
			}
		}
	}
}

// requiredVariables makes up a value for each required variable of op.
func requiredVariables(schema *ast.Schema, op *ast.OperationDefinition) map[string]any {
	var value func(t *ast.Type) any
	value = func(t *ast.Type) any {
		if t.Elem != nil {
			return []any{value(t.Elem)}
		}
		def := schema.Types[t.NamedType]
		switch {
		case def.Kind == ast.Enum:
			return def.EnumValues[0].Name
		case def.Kind == ast.InputObject:
			obj := map[string]any{}
			for _, f := range def.Fields {
				if f.Type.NonNull && f.DefaultValue == nil {
					obj[f.Name] = value(f.Type)
				}
			}
			return obj
		case t.NamedType == "Int":
			return 1
		case t.NamedType == "Float":
			return 1.5
		case t.NamedType == "Boolean":
			return true
		}
		return "00000000-0000-4000-8000-000000000001"
	}
	vars := map[string]any{}
	for _, v := range op.VariableDefinitions {
		if v.Type.NonNull && v.DefaultValue == nil {
			vars[v.Variable] = value(v.Type)
		}
	}
	return vars
}

func TestServerRefusesDeepQuery(t *testing.T) {
	srv := newTestServer(t, DefaultConfig(), true)
	// 13 levels through the app schema.
	q := `query Deep { viewer { memberships { group { reflections { edges { node { author {
	  group { reflections { edges { node { author { id } } } } } } } } } } } } }`
	code, resp, body := post(t, srv, q, "Deep", nil)
	if len(resp.Errors) != 1 {
		t.Fatalf("want one error, got %s", body)
	}
	e := resp.Errors[0]
	if e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["limit"] != "depth" || !strings.Contains(e.Message, "13 levels") {
		t.Errorf("got %d %s", code, body)
	}
	for _, echoed := range []string{"memberships", "reflections", "Deep"} {
		if strings.Contains(body, echoed) {
			t.Errorf("response echoes %q: %s", echoed, body)
		}
	}
}

func TestServerTokenLimit(t *testing.T) {
	// What srv.SetParserTokenLimit(cfg.MaxTokens) counts is what tokens() measures.
	q := "query T { viewer { id " + strings.Repeat("createdAt ", 40) + "} }"
	n := tokens(t, q)
	for _, c := range []struct {
		limit int
		ok    bool
	}{{n, true}, {n - 1, false}} {
		srv := newTestServer(t, Config{MaxTokens: c.limit}, true)
		_, resp, body := post(t, srv, q, "T", nil)
		if c.ok && len(resp.Errors) > 0 {
			t.Errorf("%d tokens refused at limit %d: %s", n, c.limit, body)
		}
		if !c.ok && (len(resp.Errors) != 1 || !strings.Contains(resp.Errors[0].Message, "token limit")) {
			t.Errorf("%d tokens at limit %d: %s", n, c.limit, body)
		}
		if !c.ok && strings.Contains(body, "createdAt") {
			t.Errorf("token refusal echoes the query: %s", body)
		}
	}
}
