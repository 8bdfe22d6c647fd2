package limits

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/processgroup/api/internal/platform/apperr"
)

// testSchema is a small schema with unbounded nesting, a connection and mutations.
var testSchema = gqlparser.MustLoadSchema(&ast.Source{Name: "test.graphql", Input: `
type Query {
  node: Node
  name: String
  nodes(first: Int, last: Int): NodeConnection!
}
type Node {
  id: ID!
  name: String
  child: Node
  children(first: Int, last: Int): NodeConnection!
}
type NodeConnection {
  edges: [Node!]!
  totalCount: Int!
}
type Mutation {
  a: Boolean
  b: Boolean
  c: Boolean
}
`})

// opContext parses and validates query against schema and returns the OperationContext
// gqlgen would hand to an extension.
func opContext(t *testing.T, schema *ast.Schema, query, opName string, vars map[string]any) *graphql.OperationContext {
	t.Helper()
	doc, errs := gqlparser.LoadQuery(schema, query)
	if len(errs) > 0 {
		t.Fatalf("test query does not validate: %v", errs)
	}
	op := doc.Operations.ForName(opName)
	if op == nil {
		t.Fatalf("no operation %q", opName)
	}
	return &graphql.OperationContext{RawQuery: query, OperationName: opName, Doc: doc, Operation: op, Variables: vars}
}

// parsedContext is opContext without validation, for documents validation would refuse.
func parsedContext(t *testing.T, query string) *graphql.OperationContext {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		t.Fatal(err)
	}
	return &graphql.OperationContext{RawQuery: query, Doc: doc, Operation: doc.Operations[0]}
}

// checkRefusal checks that err is a refusal with code and limit whose message names
// the limit and echoes nothing of the query.
func checkRefusal(t *testing.T, err *gqlerror.Error, code apperr.Code, limit string, notEchoed ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want a %s refusal, got none", limit)
	}
	if got := err.Extensions["code"]; got != string(code) {
		t.Errorf("extensions.code = %v, want %s", got, code)
	}
	if got := err.Extensions["limit"]; got != limit {
		t.Errorf("extensions.limit = %v, want %s", got, limit)
	}
	if limit != "fragments" && !strings.Contains(err.Message, "limit") {
		t.Errorf("message %q does not name the limit", err.Message)
	}
	for _, s := range notEchoed {
		if strings.Contains(err.Message, s) {
			t.Errorf("message %q echoes %q from the request", err.Message, s)
		}
	}
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != code || ae.Message != err.Message {
		t.Errorf("error chain has no matching *apperr.Error (the server's presenter would lose the message): %#v", ae)
	}
}

// appSchema loads the API's schema from schema/*.graphql.
func appSchema(t testing.TB) *ast.Schema {
	t.Helper()
	files, err := filepath.Glob("../../../schema/*.graphql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no schema files: %v", err)
	}
	var srcs []*ast.Source
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, &ast.Source{Name: filepath.Base(f), Input: string(b)})
	}
	s, gerr := gqlparser.LoadSchema(srcs...)
	if gerr != nil {
		t.Fatalf("load schema: %v", gerr)
	}
	return s
}

// appOperationFile is one file of schema/app-operations.
type appOperationFile struct {
	name, src string
	doc       *ast.QueryDocument // parsed, not validated
}

func appOperationFiles(t testing.TB) []appOperationFile {
	t.Helper()
	files, err := filepath.Glob("../../../schema/app-operations/*.graphql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no app operations: %v", err)
	}
	sort.Strings(files)
	var out []appOperationFile
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, perr := parser.ParseQuery(&ast.Source{Name: filepath.Base(f), Input: string(b)})
		if perr != nil {
			t.Fatalf("%s: %v", f, perr)
		}
		out = append(out, appOperationFile{name: filepath.Base(f), src: string(b), doc: doc})
	}
	return out
}

// tokens is the smallest parser token limit under which src parses: what
// srv.SetParserTokenLimit counts.
func tokens(t testing.TB, src string) int {
	t.Helper()
	parses := func(limit int) bool {
		_, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: src}, limit)
		return err == nil
	}
	if !parses(0) {
		t.Fatalf("document does not parse")
	}
	lo, hi := 1, 1
	for !parses(hi) {
		lo, hi = hi+1, hi*2
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if parses(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return hi
}

var background = context.Background()
