package limits

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/processgroup/api/internal/platform/apperr"
)

// deepQuery is an operation of exactly depth levels (depth >= 2), written three ways.
func deepQuery(style string, depth int) string {
	switch style {
	case "fields":
		return "query Deep { node { " + strings.Repeat("child { ", depth-2) + "id" +
			strings.Repeat(" }", depth-2) + " } }"
	case "inline fragments":
		return "query Deep { node { " + strings.Repeat("... on Node { child { ", depth-2) + "id" +
			strings.Repeat(" } }", depth-2) + " } }"
	case "named fragments":
		// node, then one level per fragment F1..F(depth-2), then id.
		var b strings.Builder
		b.WriteString("query Deep { node { ...F1 } }\n")
		for i := 1; i <= depth-2; i++ {
			if i == depth-2 {
				fmt.Fprintf(&b, "fragment F%d on Node { child { id } }\n", i)
			} else {
				fmt.Fprintf(&b, "fragment F%d on Node { child { ...F%d } }\n", i, i+1)
			}
		}
		return b.String()
	}
	panic(style)
}

func TestDepthLimit(t *testing.T) {
	for _, style := range []string{"fields", "inline fragments", "named fragments"} {
		for _, limit := range []int{3, 12} {
			t.Run(fmt.Sprintf("%s/%d", style, limit), func(t *testing.T) {
				q := NewQueryLimits(Config{MaxDepth: limit})
				if err := q.MutateOperationContext(background, opContext(t, testSchema, deepQuery(style, limit), "Deep", nil)); err != nil {
					t.Fatalf("depth %d at limit %d refused: %v", limit, limit, err)
				}
				err := q.MutateOperationContext(background, opContext(t, testSchema, deepQuery(style, limit+1), "Deep", nil))
				checkRefusal(t, err, apperr.BadUserInput, "depth", "child", "node", "F1")
				want := fmt.Sprintf("%d levels", limit+1)
				if err != nil && !strings.Contains(err.Message, want) {
					t.Errorf("message %q does not say %q", err.Message, want)
				}
			})
		}
	}
}

func TestDepthCountsTheDeepestBranch(t *testing.T) {
	q := NewQueryLimits(Config{MaxDepth: 4})
	// Wide but shallow (3), then one branch 5 deep.
	ok := "{ node { id name child { id } } name }"
	deep := "{ node { id child { id } child { child { child { id } } } } }"
	if err := q.MutateOperationContext(background, opContext(t, testSchema, ok, "", nil)); err != nil {
		t.Fatal(err)
	}
	if err := q.MutateOperationContext(background, opContext(t, testSchema, deep, "", nil)); err == nil {
		t.Fatal("5-deep branch passed a depth limit of 4")
	}
}

func TestDepthSkipsIntrospection(t *testing.T) {
	q := NewQueryLimits(Config{MaxDepth: 3})
	intro := "{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }"
	if err := q.MutateOperationContext(background, opContext(t, testSchema, intro, "", nil)); err != nil {
		t.Fatalf("introspection counted for depth: %v", err)
	}
}

func aliasQuery(n int) string {
	var b strings.Builder
	b.WriteString("{ ")
	for i := range n {
		fmt.Fprintf(&b, "a%d: name ", i)
	}
	b.WriteString("name }") // not aliased
	return b.String()
}

func TestAliasLimit(t *testing.T) {
	q := NewQueryLimits(Config{MaxAliases: 30})
	if err := q.MutateOperationContext(background, opContext(t, testSchema, aliasQuery(30), "", nil)); err != nil {
		t.Fatalf("30 aliases refused: %v", err)
	}
	err := q.MutateOperationContext(background, opContext(t, testSchema, aliasQuery(31), "", nil))
	checkRefusal(t, err, apperr.BadUserInput, "aliases", "a30", "name")
}

func TestAliasesCountedPerFragmentUse(t *testing.T) {
	// Two aliases in a fragment spread at two places are four aliased fields.
	query := `query Q { node { ...A child { ...A } } }
fragment A on Node { x: name y: id }`
	if err := NewQueryLimits(Config{MaxAliases: 4}).MutateOperationContext(background, opContext(t, testSchema, query, "Q", nil)); err != nil {
		t.Fatalf("4 aliases refused at 4: %v", err)
	}
	err := NewQueryLimits(Config{MaxAliases: 3}).MutateOperationContext(background, opContext(t, testSchema, query, "Q", nil))
	checkRefusal(t, err, apperr.BadUserInput, "aliases")
}

func directiveQuery(n int) string {
	// One on the operation's variable, the rest on fields, fragments and spreads.
	var b strings.Builder
	b.WriteString("query D($on: Boolean = true) { ")
	rest := n
	if rest > 0 {
		b.WriteString("... @include(if: $on) { id: name } ")
		rest--
	}
	if rest > 0 {
		b.WriteString("...F @skip(if: false) ")
		rest--
	}
	for ; rest > 0; rest-- {
		b.WriteString("name @include(if: $on) ")
	}
	b.WriteString("name }\nfragment F on Query { name }")
	return b.String()
}

func TestDirectiveLimit(t *testing.T) {
	q := NewQueryLimits(Config{MaxDirectives: 20})
	if err := q.MutateOperationContext(background, opContext(t, testSchema, directiveQuery(20), "D", nil)); err != nil {
		t.Fatalf("20 directives refused: %v", err)
	}
	err := q.MutateOperationContext(background, opContext(t, testSchema, directiveQuery(21), "D", nil))
	checkRefusal(t, err, apperr.BadUserInput, "directives", "include", "skip")
}

func TestComplexityLimit(t *testing.T) {
	// nodes(first: n) { totalCount } costs (1+1) * n.
	q := NewQueryLimits(Config{MaxComplexity: 40})
	cases := []struct {
		query string
		vars  map[string]any
		ok    bool
	}{
		{"{ nodes(first: 20) { totalCount } }", nil, true},
		{"{ nodes(first: 21) { totalCount } }", nil, false},
		{"{ nodes(last: 21) { totalCount } }", nil, false},
		{"{ nodes { totalCount } }", nil, true}, // default page 20
		{"query($n: Int) { nodes(first: $n) { totalCount } }", map[string]any{"n": int64(20)}, true},
		{"query($n: Int) { nodes(first: $n) { totalCount } }", map[string]any{"n": int64(21)}, false},
		{"query($n: Int = 21) { nodes(first: $n) { totalCount } }", map[string]any{"n": int64(21)}, false},
		{"query($n: Int) { nodes(first: $n) { totalCount } }", map[string]any{}, true}, // default page 20
	}
	for _, c := range cases {
		err := q.MutateOperationContext(background, opContext(t, testSchema, c.query, "", c.vars))
		if c.ok && err != nil {
			t.Errorf("%s %v: refused: %v", c.query, c.vars, err)
		}
		if !c.ok {
			checkRefusal(t, err, apperr.BadUserInput, "complexity", "nodes", "totalCount")
		}
	}
}

func TestLimitsOffWhenZero(t *testing.T) {
	q := NewQueryLimits(Config{})
	for _, query := range []string{deepQuery("fields", 40), aliasQuery(100), directiveQuery(60), "{ nodes(first: 100) { edges { children(first: 100) { totalCount } } } }"} {
		if err := q.MutateOperationContext(background, opContext(t, testSchema, query, "", nil)); err != nil {
			t.Errorf("zero config refused: %v", err)
		}
	}
	if err := (&QueryLimits{Config: Config{MaxDepth: -1}}).Validate(nil); err == nil {
		t.Error("a negative limit validated")
	}
}

func TestFragmentCycleRefused(t *testing.T) {
	// Validation refuses cycles before extensions run; QueryLimits must still terminate.
	oc := parsedContext(t, `query { ...A } fragment A on Query { name ...B } fragment B on Query { ...A }`)
	err := NewQueryLimits(DefaultConfig()).MutateOperationContext(background, oc)
	checkRefusal(t, err, apperr.BadUserInput, "fragments")
	if _, err := operationCost(oc.Doc, oc.Operation, nil); err == nil {
		t.Error("operationCost did not report the cycle")
	}
}

func TestFragmentFanOutIsLinear(t *testing.T) {
	// Each fragment spreads the previous one twice: 2^60 aliased fields when expanded.
	var b strings.Builder
	b.WriteString("query { ...F60 }\nfragment F0 on Query { x: name }\n")
	for i := 1; i <= 60; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	oc := parsedContext(t, b.String())
	start := time.Now()
	err := NewQueryLimits(DefaultConfig()).MutateOperationContext(background, oc)
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v", d)
	}
	checkRefusal(t, err, apperr.BadUserInput, "aliases")
	if err != nil && !strings.Contains(err.Message, "more than 1000000") {
		t.Errorf("message %q", err.Message)
	}
}

func TestQueryLimitsErrorIsOneGraphQLError(t *testing.T) {
	var err *gqlerror.Error = NewQueryLimits(Config{MaxDepth: 2}).MutateOperationContext(background, opContext(t, testSchema, deepQuery("fields", 3), "Deep", nil))
	if err == nil || err.Extensions["max"] != 2 {
		t.Fatalf("want extensions.max 2, got %v", err)
	}
}
