package server

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/processgroup/api/internal/platform/apperr"
)

// Bounds of a where: filter (the app's is one term).
const (
	maxWhereTerms = 200
	maxWhereDepth = 6
)

// whereBounds refuses, before anything runs, an operation whose where: filters are larger
// than the bounds: entgql loads nested connections while collecting fields, before any
// resolver could look at their arguments.
type whereBounds struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = whereBounds{}

// ExtensionName implements graphql.HandlerExtension.
func (whereBounds) ExtensionName() string { return "WhereBounds" }

// Validate implements graphql.HandlerExtension.
func (whereBounds) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext implements graphql.OperationContextMutator.
func (whereBounds) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	return eachField(oc, func(f *ast.Field) *gqlerror.Error {
		arg := f.Arguments.ForName("where")
		if arg == nil {
			return nil
		}
		v, err := arg.Value.Value(oc.Variables)
		if err != nil {
			return nil
		}
		if n, d := termCount(v, 0); n > maxWhereTerms || d > maxWhereDepth {
			return &gqlerror.Error{
				Message:    fmt.Sprintf("where is too large: at most %d terms, nested at most %d deep", maxWhereTerms, maxWhereDepth),
				Extensions: map[string]any{"code": string(apperr.BadUserInput), "field": "where"},
			}
		}
		return nil
	})
}

// termCount counts the values in a filter and how deep it nests, stopping once over bounds.
func termCount(v any, depth int) (n, deepest int) {
	deepest = depth
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			m, d := termCount(e, depth+1)
			n, deepest = n+m, max(deepest, d)
			if n > maxWhereTerms || deepest > maxWhereDepth {
				break
			}
		}
		return n, deepest
	case []any:
		for _, e := range x {
			m, d := termCount(e, depth)
			n, deepest = n+max(m, 1), max(deepest, d)
			if n > maxWhereTerms || deepest > maxWhereDepth {
				break
			}
		}
		return n, deepest
	}
	return 1, depth
}
