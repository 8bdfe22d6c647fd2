package limits

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// Page sizes assumed by the complexity estimate; they match what the server allows.
const (
	// DefaultPageSize is the page size of a connection asked for without first or last.
	DefaultPageSize = 20
	// MaxPageSize is the largest page a connection returns; larger first/last values cost
	// no more than this (the server refuses them anyway).
	MaxPageSize = 100
)

// PageCost is the cost of a paginated field (a connection): (childComplexity+1) × the page
// size, which is first, else last, else DefaultPageSize, kept between 1 and MaxPageSize.
// It is what EstimateComplexity and QueryLimits charge for every field with a first or
// last argument.
//
// QueryLimits already enforces Config.MaxComplexity with this cost model, without
// generated code. If you would rather use gqlgen's own extension.FixedComplexityLimit,
// set Config.MaxComplexity to 0 in QueryLimits and wire PageCost into the generated
// ComplexityRoot (graph/generated), or gqlgen counts every connection as one item:
//
//	cfg := generated.Config{Resolvers: res}
//	cfg.Complexity.Group.Reflections = func(child int, _ *entgql.Cursor[int], first *int, _ *entgql.Cursor[int], last *int, _ *ent.ReflectionOrder, _ *ent.ReflectionWhereInput) int {
//		return limits.PageCost(child, first, last)
//	}
//	cfg.Complexity.User.Reflections = func(child int, _ *entgql.Cursor[int], first *int, _ *entgql.Cursor[int], last *int, _ *ent.ReflectionOrder) int {
//		return limits.PageCost(child, first, last)
//	}
//	cfg.Complexity.Reflection.Encouragements = func(child int, _ *entgql.Cursor[int], first *int, _ *entgql.Cursor[int], last *int, _ *ent.EncouragementOrder) int {
//		return limits.PageCost(child, first, last)
//	}
//	cfg.Complexity.User.EncouragementReceived = func(child int, _ *entgql.Cursor[int], first *int, _ *entgql.Cursor[int], last *int) int {
//		return limits.PageCost(child, first, last)
//	}
//
// and every connection added later (sessions, reflectionReads, upcomingSessions, ...),
// and Query.nodes, which fetches one node per ID:
//
//	cfg.Complexity.Query.Nodes = func(child int, ids []int) int { return (child + 1) * max(1, len(ids)) }
//
// Note that gqlgen's extension answers with code COMPLEXITY_LIMIT_EXCEEDED, which the
// server's error presenter does not know.
func PageCost(childComplexity int, first, last *int) int {
	page := DefaultPageSize
	switch {
	case first != nil && last != nil:
		page = max(*first, *last)
	case first != nil:
		page = *first
	case last != nil:
		page = *last
	}
	page = min(max(page, 1), MaxPageSize)
	return satMul(satAdd(childComplexity, 1), page)
}

// EstimateComplexity parses and validates doc against schema and returns the estimated
// cost of its operation opName ("" for a document's only operation) with vars: every
// field costs 1 plus its children, except that
//
//   - a field whose definition has a first or last argument (a connection) costs
//     PageCost: first/last are read from literals or variables (vars, then the variable's
//     default), else DefaultPageSize;
//   - a field with a list argument ids (Relay's Query.nodes) costs (children+1) × the
//     number of IDs.
//
// Fragments and inline fragments all count, as with gqlgen's complexity; __schema costs
// nothing. vars need not be complete: only first, last and ids are read.
func EstimateComplexity(schema *ast.Schema, doc string, opName string, vars map[string]any) (int, error) {
	if schema == nil {
		return 0, errors.New("limits: nil schema")
	}
	q, errs := gqlparser.LoadQuery(schema, doc)
	if len(errs) > 0 {
		return 0, errs
	}
	op := q.Operations.ForName(opName)
	if op == nil {
		return 0, fmt.Errorf("limits: operation %q not found", opName)
	}
	return operationCost(q, op, vars)
}

// operationCost is the cost of op in a validated document (fields carry their definitions).
func operationCost(doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any) (int, error) {
	w := &costWalker{doc: doc, vars: vars, memo: map[string]int{}, visiting: map[string]bool{}}
	c := w.selectionSet(op.SelectionSet)
	return c, w.err
}

type costWalker struct {
	doc      *ast.QueryDocument
	vars     map[string]any
	memo     map[string]int
	visiting map[string]bool
	err      error
}

func (w *costWalker) selectionSet(set ast.SelectionSet) int {
	total := 0
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			total = satAdd(total, w.field(sel))
		case *ast.InlineFragment:
			total = satAdd(total, w.selectionSet(sel.SelectionSet))
		case *ast.FragmentSpread:
			total = satAdd(total, w.fragment(sel.Name))
		}
	}
	return total
}

func (w *costWalker) field(f *ast.Field) int {
	if f.Name == "__schema" {
		return 0
	}
	child := w.selectionSet(f.SelectionSet)
	def := f.Definition
	if def == nil {
		return satAdd(child, 1)
	}
	if def.Arguments.ForName("first") != nil || def.Arguments.ForName("last") != nil {
		return PageCost(child, w.intArg(f, "first"), w.intArg(f, "last"))
	}
	if ids := def.Arguments.ForName("ids"); ids != nil && ids.Type != nil && ids.Type.Elem != nil {
		return satMul(satAdd(child, 1), max(1, w.listLen(f, "ids")))
	}
	return satAdd(child, 1)
}

// listLen is the length of the list argument name of f (0 when absent or not a list).
func (w *costWalker) listLen(f *ast.Field, name string) int {
	arg := f.Arguments.ForName(name)
	if arg == nil || arg.Value == nil {
		return 0
	}
	v, err := arg.Value.Value(w.vars)
	if err != nil {
		return 0
	}
	if l, ok := v.([]any); ok {
		return len(l)
	}
	if v != nil {
		return 1 // a single value is coerced to a list of one
	}
	return 0
}

func (w *costWalker) fragment(name string) int {
	if c, ok := w.memo[name]; ok {
		return c
	}
	if w.visiting[name] {
		w.err = errCycle
		return 0
	}
	def := w.doc.Fragments.ForName(name)
	if def == nil {
		return 0
	}
	w.visiting[name] = true
	c := w.selectionSet(def.SelectionSet)
	delete(w.visiting, name)
	w.memo[name] = c
	return c
}

// intArg is the value of the Int argument name of f, or nil when it is absent or null.
func (w *costWalker) intArg(f *ast.Field, name string) *int {
	arg := f.Arguments.ForName(name)
	if arg == nil || arg.Value == nil {
		return nil
	}
	v, err := arg.Value.Value(w.vars)
	if err != nil {
		// An Int literal beyond int64: as large as a page gets.
		n := MaxPageSize
		return &n
	}
	return toInt(v)
}

// toInt reads the numeric forms a variable takes after JSON decoding or coercion.
func toInt(v any) *int {
	var n int
	switch v := v.(type) {
	case int:
		n = v
	case int32:
		n = int(v)
	case int64:
		n = clampInt64(v)
	case float64:
		n = clampFloat(v)
	case float32:
		n = clampFloat(float64(v))
	case json.Number:
		if i, err := v.Int64(); err == nil {
			n = clampInt64(i)
		} else if f, err := v.Float64(); err == nil {
			n = clampFloat(f)
		} else {
			return nil
		}
	case *int:
		if v == nil {
			return nil
		}
		n = *v
	default:
		return nil
	}
	return &n
}

func clampInt64(v int64) int {
	if v > math.MaxInt32 {
		return math.MaxInt32
	}
	if v < math.MinInt32 {
		return math.MinInt32
	}
	return int(v)
}

func clampFloat(v float64) int {
	if math.IsNaN(v) {
		return 0
	}
	return clampInt64(int64(max(min(v, math.MaxInt32), math.MinInt32)))
}
