package limits

import (
	"context"
	"fmt"
	"testing"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

func intp(n int) *int { return &n }

func TestPageCost(t *testing.T) {
	cases := []struct {
		child       int
		first, last *int
		want        int
	}{
		{0, nil, nil, 20},
		{4, nil, nil, 100},
		{4, intp(50), nil, 250},
		{4, nil, intp(10), 50},
		{4, intp(100), nil, 500},
		{4, intp(1000), nil, 500}, // capped at 100
		{4, intp(0), nil, 5},      // at least one item
		{4, intp(-5), nil, 5},
		{4, intp(10), intp(30), 150}, // both: the larger
		{maxInt, intp(100), nil, maxInt},
	}
	for _, c := range cases {
		if got := PageCost(c.child, c.first, c.last); got != c.want {
			t.Errorf("PageCost(%d, %v, %v) = %d, want %d", c.child, c.first, c.last, got, c.want)
		}
	}
}

func TestEstimateComplexity(t *testing.T) {
	cases := []struct {
		query string
		vars  map[string]any
		want  int
	}{
		{"{ name }", nil, 1},
		{"{ node { id name } }", nil, 3},
		// nodes = (edges + totalCount + 1) * 20; edges = 1 + children; children = (1+1) * 10
		{"{ nodes { totalCount edges { children(first: 10) { totalCount } } } }", nil, (1 + 21 + 1) * 20},
		{"query Q($n: Int) { nodes(first: $n) { totalCount } }", map[string]any{"n": 7.0}, 14},
		{"query Q($n: Int = 3) { nodes(first: $n) { totalCount } }", nil, 6},
		{"query Q($n: Int) { nodes(first: $n) { totalCount } }", map[string]any{"n": nil}, 40},
		{"{ ...F node { ...on Node { id } } } fragment F on Query { name }", nil, 3},
		{"{ __schema { types { name } } name }", nil, 1},
		{"{ nodes(first: 99999999999) { totalCount } }", nil, 200},
	}
	for _, c := range cases {
		got, err := EstimateComplexity(testSchema, c.query, "", c.vars)
		if err != nil {
			t.Errorf("%s: %v", c.query, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s %v: %d, want %d", c.query, c.vars, got, c.want)
		}
	}
	if _, err := EstimateComplexity(testSchema, "{ nope }", "", nil); err == nil {
		t.Error("an invalid document was estimated")
	}
	if _, err := EstimateComplexity(testSchema, "query A { name }", "B", nil); err == nil {
		t.Error("a missing operation was estimated")
	}
}

// pageCostSchema is the generated schema as it is once PageCost is wired into its
// ComplexityRoot for every connection: gqlgen's complexity.Calculate then agrees with
// EstimateComplexity.
type pageCostSchema struct {
	graphql.ExecutableSchemaMock
	schema *ast.Schema
}

func newPageCostSchema(s *ast.Schema) *pageCostSchema {
	p := &pageCostSchema{schema: s}
	p.SchemaFunc = func() *ast.Schema { return s }
	p.ComplexityFunc = func(_ context.Context, typeName, fieldName string, child int, args map[string]any) (int, bool) {
		def := s.Types[typeName].Fields.ForName(fieldName)
		switch {
		case def == nil:
			return 0, false
		case def.Arguments.ForName("first") != nil || def.Arguments.ForName("last") != nil:
			return PageCost(child, toInt(args["first"]), toInt(args["last"])), true
		case typeName == "Query" && fieldName == "nodes":
			ids, _ := args["ids"].([]any)
			return (child + 1) * max(1, len(ids)), true
		}
		return 0, false
	}
	return p
}

func TestEstimateMatchesGqlgenWithPageCost(t *testing.T) {
	schema := appSchema(t)
	es := newPageCostSchema(schema)
	for _, f := range appOperationFiles(t) {
		doc, errs := gqlparser.LoadQuery(schema, f.src)
		if len(errs) > 0 {
			if f.name == "core.graphql" {
				t.Fatalf("core.graphql does not validate: %v", errs)
			}
			continue // served by a later issue
		}
		for _, op := range doc.Operations {
			for _, vars := range []map[string]any{nil, {"first": int64(100)}} {
				ours, err := EstimateComplexity(schema, f.src, op.Name, vars)
				if err != nil {
					t.Fatal(err)
				}
				// As gqlgen does before execution: variables with their defaults filled in.
				coerced := map[string]any{}
				for _, d := range op.VariableDefinitions {
					if d.DefaultValue != nil {
						coerced[d.Variable], _ = d.DefaultValue.Value(nil)
					}
				}
				for k, v := range vars {
					coerced[k] = v
				}
				theirs := complexity.Calculate(context.Background(), es, op, coerced)
				if ours != theirs {
					t.Errorf("%s %v: EstimateComplexity %d, gqlgen with PageCost %d", op.Name, vars, ours, theirs)
				}
			}
		}
	}
}

func TestNestedConnectionsOverDefault(t *testing.T) {
	// What the complexity limit is for: pages of pages.
	schema := appSchema(t)
	q := `query Nested { viewer { reflections(first: 100) { edges { node { id
	  encouragements(first: 100) { edges { node { id } } } } } } } }`
	cost, err := EstimateComplexity(schema, q, "Nested", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cost <= DefaultConfig().MaxComplexity {
		t.Errorf("nested connections of 100 cost %d, within the default limit %d", cost, DefaultConfig().MaxComplexity)
	}
	t.Logf("two nested connections of 100: %d", cost)
}

func TestNodesCostsPerID(t *testing.T) {
	schema := appSchema(t)
	q := `query N($ids: [ID!]!) { nodes(ids: $ids) { id ... on Group { reflections(first: 100) { totalCount } } } }`
	// nodes = (children + 1) × len(ids); children = id 1 + reflections (1+1) × 100.
	for n, want := range map[int]int{0: 202, 1: 202, 3: 606, 50: 10100} {
		ids := make([]any, n)
		for i := range ids {
			ids[i] = fmt.Sprint(i)
		}
		got, err := EstimateComplexity(schema, q, "N", map[string]any{"ids": ids})
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%d ids: %d, want %d", n, got, want)
		}
		doc, _ := gqlparser.LoadQuery(schema, q)
		if theirs := complexity.Calculate(context.Background(), newPageCostSchema(schema), doc.Operations[0], map[string]any{"ids": ids}); theirs != got {
			t.Errorf("%d ids: gqlgen with the documented wiring says %d, EstimateComplexity %d", n, theirs, got)
		}
	}
	lit, err := EstimateComplexity(schema, `{ nodes(ids: ["1", "2"]) { id } }`, "", nil)
	if err != nil || lit != 4 {
		t.Errorf("literal ids: %d, %v; want 4", lit, err)
	}
}
