package limits

import (
	"context"
	"errors"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/processgroup/api/internal/platform/apperr"
)

// QueryLimits is a gqlgen handler extension that refuses operations deeper than
// Config.MaxDepth, with more aliased fields than Config.MaxAliases, more directive uses
// than Config.MaxDirectives, or an estimated cost above Config.MaxComplexity. Add it with
// srv.Use(limits.NewQueryLimits(cfg)).
//
// It runs once the document is parsed and validated (and answered from gqlgen's query
// cache), before any resolver. Counting goes through fragment spreads and inline
// fragments, visits each fragment once however often it is spread, and refuses fragment
// cycles (which validation already refuses) instead of looping.
//
// The refusal is a single error, code BAD_USER_INPUT, extensions.limit naming the limit
// ("depth", "aliases", "directives", "complexity") and extensions.max its value; gqlgen
// answers it with HTTP 200. MaxTokens is not enforced here: see Config.MaxTokens.
type QueryLimits struct {
	// Config holds the limits; zero turns one off.
	Config Config
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = &QueryLimits{}

// NewQueryLimits returns the extension enforcing cfg.
func NewQueryLimits(cfg Config) *QueryLimits {
	return &QueryLimits{Config: cfg}
}

// ExtensionName implements graphql.HandlerExtension.
func (q *QueryLimits) ExtensionName() string { return "QueryLimits" }

// Validate implements graphql.HandlerExtension: it refuses negative limits.
func (q *QueryLimits) Validate(graphql.ExecutableSchema) error {
	c := q.Config
	if c.MaxDepth < 0 || c.MaxAliases < 0 || c.MaxDirectives < 0 || c.MaxTokens < 0 || c.MaxComplexity < 0 {
		return errors.New("limits: a limit is negative; use 0 to turn one off")
	}
	return nil
}

// MutateOperationContext implements graphql.OperationContextMutator: it measures the
// operation about to run and refuses it when it breaks a limit.
func (q *QueryLimits) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if opCtx == nil || opCtx.Doc == nil {
		return nil
	}
	op := opCtx.Operation
	if op == nil {
		op = opCtx.Doc.Operations.ForName(opCtx.OperationName)
	}
	if op == nil {
		return nil
	}
	return q.check(opCtx.Doc, op, opCtx.Variables)
}

func (q *QueryLimits) check(doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any) *gqlerror.Error {
	c := q.Config
	s, err := measureShape(doc, op)
	if err != nil {
		return cycleError()
	}
	if err := c.checkShape(s.depth, s.aliases, s.directives); err != nil {
		return err
	}
	if c.MaxComplexity > 0 {
		cost, err := operationCost(doc, op, vars)
		if err != nil {
			return cycleError()
		}
		if cost > c.MaxComplexity {
			return shapeError("complexity", c.MaxComplexity, fmt.Sprintf(
				"operation too complex: estimated cost %s, the complexity limit is %d (lower first/last or select fewer fields)",
				count(cost), c.MaxComplexity))
		}
	}
	return nil
}

func shapeError(limit string, max int, msg string) *gqlerror.Error {
	return limitError(apperr.BadUserInput, limit, msg, map[string]any{"max": max})
}

func cycleError() *gqlerror.Error {
	return limitError(apperr.BadUserInput, "fragments",
		"the operation's fragments spread each other in a cycle", nil)
}

// count prints n, or "more than 1000000" for a number so large it was saturated.
func count(n int) string {
	if n > 1_000_000 {
		return "more than 1000000"
	}
	return fmt.Sprint(n)
}

// shape is what QueryLimits measures of a selection set.
type shape struct {
	depth, aliases, directives int
}

func (s *shape) add(c shape) {
	s.depth = max(s.depth, c.depth)
	s.aliases = satAdd(s.aliases, c.aliases)
	s.directives = satAdd(s.directives, c.directives)
}

var errCycle = errors.New("fragment cycle")

// shapeWalker measures selection sets, each fragment once.
type shapeWalker struct {
	doc      *ast.QueryDocument
	memo     map[string]shape
	visiting map[string]bool
	err      error
}

// measureShape returns the depth, aliases and directives of op, fragments expanded.
func measureShape(doc *ast.QueryDocument, op *ast.OperationDefinition) (shape, error) {
	w := &shapeWalker{doc: doc, memo: map[string]shape{}, visiting: map[string]bool{}}
	s := w.selectionSet(op.SelectionSet)
	s.directives = satAdd(s.directives, len(op.Directives))
	for _, v := range op.VariableDefinitions {
		s.directives = satAdd(s.directives, len(v.Directives))
	}
	return s, w.err
}

func (w *shapeWalker) selectionSet(set ast.SelectionSet) shape {
	var s shape
	for _, sel := range set {
		var c shape
		switch sel := sel.(type) {
		case *ast.Field:
			c = w.selectionSet(sel.SelectionSet)
			if sel.Name == "__schema" || sel.Name == "__type" {
				c.depth = 0
			}
			c.depth++
			if sel.Alias != "" && sel.Alias != sel.Name {
				c.aliases = satAdd(c.aliases, 1)
			}
			c.directives = satAdd(c.directives, len(sel.Directives))
		case *ast.InlineFragment:
			c = w.selectionSet(sel.SelectionSet)
			c.directives = satAdd(c.directives, len(sel.Directives))
		case *ast.FragmentSpread:
			c = w.fragment(sel.Name)
			c.directives = satAdd(c.directives, len(sel.Directives))
		}
		s.add(c)
	}
	return s
}

func (w *shapeWalker) fragment(name string) shape {
	if s, ok := w.memo[name]; ok {
		return s
	}
	if w.visiting[name] {
		w.err = errCycle
		return shape{}
	}
	def := w.doc.Fragments.ForName(name)
	if def == nil {
		return shape{}
	}
	w.visiting[name] = true
	s := w.selectionSet(def.SelectionSet)
	s.directives = satAdd(s.directives, len(def.Directives))
	delete(w.visiting, name)
	w.memo[name] = s
	return s
}
