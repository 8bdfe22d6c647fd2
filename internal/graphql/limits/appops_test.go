package limits

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/processgroup/api/internal/graphql/persisted"
)

// withTypenames is src with __typename added to every selection set, fragments included, as
// Apollo Client sends a document (addTypename): where a fragment has it too, it repeats.
func withTypenames(src string) string {
	doc, err := parser.ParseQuery(&ast.Source{Input: src})
	if err != nil {
		panic(err)
	}
	var add func(ast.SelectionSet) ast.SelectionSet
	add = func(set ast.SelectionSet) ast.SelectionSet {
		if len(set) == 0 {
			return set
		}
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				sel.SelectionSet = add(sel.SelectionSet)
			case *ast.InlineFragment:
				sel.SelectionSet = add(sel.SelectionSet)
			}
		}
		return append(set, &ast.Field{Name: "__typename"})
	}
	for _, op := range doc.Operations {
		op.SelectionSet = add(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		f.SelectionSet = add(f.SelectionSet)
	}
	var buf bytes.Buffer
	formatter.NewFormatter(&buf).FormatQueryDocument(doc)
	return buf.String()
}

// TestAppOperationsFit measures every operation the app sends and checks that it needs at
// most half of each default limit. Complexity is measured at the operations' default page
// sizes and with first: 100 (the most the server serves) on every $first. Costs and limits
// hold only for the files that validate against the schema today (core.graphql must). The
// limits checked before validation (fields, selections, repeated fields) hold for every
// file, as one document and operation by operation, and for GraphiQL's introspection.
func TestAppOperationsFit(t *testing.T) {
	cfg := DefaultConfig()
	schema := appSchema(t)
	var heaviest, heaviest100, deepest, mostTokens int
	t.Logf("%-18s %-26s %5s %7s %10s %6s %8s %9s", "file", "operation", "depth", "aliases", "directives", "tokens", "cost", "cost@100")
	cfgLimits := []struct {
		name  string
		limit int
		got   func(DocumentMeasure) int
	}{
		{"fields", cfg.MaxFields, func(m DocumentMeasure) int { return m.Fields }},
		{"selections", cfg.MaxSelections, func(m DocumentMeasure) int { return m.Selections }},
		{"repeated fields", cfg.MaxRepeatedFields, func(m DocumentMeasure) int { return m.RepeatedFields }},
	}
	// fitsBeforeValidation checks the measures of ParseDocument with twice the room.
	fitsBeforeValidation := func(what, src string) DocumentMeasure {
		t.Helper()
		doc, err := ParseDocument(src, cfg)
		if err != nil {
			t.Errorf("%s: refused before validation: %v", what, err)
			return DocumentMeasure{}
		}
		m, _ := MeasureDocument(doc)
		for _, l := range cfgLimits {
			if 2*l.got(m) > l.limit {
				t.Errorf("%s: %s %d leaves too little room under the default limit %d", what, l.name, l.got(m), l.limit)
			}
		}
		return m
	}
	intro := fitsBeforeValidation("GraphiQL's introspection", introspectionQuery)
	t.Logf("GraphiQL's introspection: %+v", intro)
	var most DocumentMeasure
	for _, f := range appOperationFiles(t) {
		whole := fitsBeforeValidation(f.name+" as one document", f.src)
		t.Logf("%s as one document: %d fields, %d in the widest selection set, %d repeated", f.name, whole.Fields, whole.Selections, whole.RepeatedFields)
		for _, op := range f.doc.Operations {
			m := fitsBeforeValidation(op.Name, persisted.Document(f.doc, op))
			fitsBeforeValidation(op.Name+" with __typename everywhere", withTypenames(persisted.Document(f.doc, op)))
			most.Fields, most.Selections, most.RepeatedFields = max(most.Fields, m.Fields), max(most.Selections, m.Selections), max(most.RepeatedFields, m.RepeatedFields)
		}
		fileTokens := tokens(t, f.src)
		if 2*fileTokens > cfg.MaxTokens {
			t.Errorf("%s: %d tokens as one document, more than half of MaxTokens %d", f.name, fileTokens, cfg.MaxTokens)
		}
		mostTokens = max(mostTokens, fileTokens)
		_, verrs := gqlparser.LoadQuery(schema, f.src)
		validates := len(verrs) == 0
		if f.name == "core.graphql" && !validates {
			t.Fatalf("core.graphql does not validate: %v", verrs)
		}
		for _, op := range f.doc.Operations {
			s, err := measureShape(f.doc, op)
			if err != nil {
				t.Fatalf("%s: %v", op.Name, err)
			}
			opTokens := tokens(t, persisted.Document(f.doc, op))
			cost, cost100 := "-", "-"
			if validates {
				c, err := EstimateComplexity(schema, f.src, op.Name, nil)
				if err != nil {
					t.Fatal(err)
				}
				c100, err := EstimateComplexity(schema, f.src, op.Name, map[string]any{"first": 100})
				if err != nil {
					t.Fatal(err)
				}
				cost, cost100 = fmt.Sprint(c), fmt.Sprint(c100)
				heaviest, heaviest100 = max(heaviest, c), max(heaviest100, c100)
				if 2*c100 > cfg.MaxComplexity {
					t.Errorf("%s costs %d with first: 100, more than half of MaxComplexity %d", op.Name, c100, cfg.MaxComplexity)
				}
			}
			deepest = max(deepest, s.depth)
			t.Logf("%-18s %-26s %5d %7d %10d %6d %8s %9s", f.name, op.Name, s.depth, s.aliases, s.directives, opTokens, cost, cost100)
			for _, c := range []struct {
				name       string
				got, limit int
			}{
				{"depth", s.depth, cfg.MaxDepth},
				{"aliases", s.aliases, cfg.MaxAliases},
				{"directives", s.directives, cfg.MaxDirectives},
				{"tokens", opTokens, cfg.MaxTokens},
			} {
				// Depth grows by levels, not by factors: two levels of room; the rest twice.
				// A file the schema does not serve yet (pending in graph/operations_test.go) is
				// measured and shown, and held to the limits once its issue makes it validate.
				if !validates {
					continue
				}
				if (c.name == "depth" && c.got+2 > c.limit) || (c.name != "depth" && 2*c.got > c.limit) {
					t.Errorf("%s: %s %d leaves too little room under the default limit %d", op.Name, c.name, c.got, c.limit)
				}
			}
		}
		t.Logf("%s as one document: %d tokens", f.name, fileTokens)
	}
	t.Logf("deepest %d (limit %d); heaviest %d at default pages, %d with first: 100 (limit %d); most tokens in a file %d (limit %d)",
		deepest, cfg.MaxDepth, heaviest, heaviest100, cfg.MaxComplexity, mostTokens, cfg.MaxTokens)
	t.Logf("one operation: at most %d fields (limit %d), %d in a selection set (limit %d), %d repeated (limit %d)",
		most.Fields, cfg.MaxFields, most.Selections, cfg.MaxSelections, most.RepeatedFields, cfg.MaxRepeatedFields)
	if heaviest == 0 || heaviest100 == 0 || deepest == 0 {
		t.Fatal("nothing measured")
	}
}
