package server

import (
	"context"
	"strings"
	"time"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/processgroup/api/internal/platform/apperr"
)

// inputChecks refuses, before anything runs, an operation with an argument anywhere in it
// (written in the document or sent as a variable, at any depth of an input object or list)
// that holds a string with a NUL character, or a cursor (after, before) that this API did
// not give out. Both are BAD_USER_INPUT naming the argument or input field.
//
// They are checked here, once for every field, rather than by each resolver or service:
// entgql reads the arguments of nested connections while it collects fields, before any
// resolver of theirs runs (a malformed cursor reached through node() made its generated
// code panic), and PostgreSQL refuses NUL in text with an error that would otherwise be
// INTERNAL. A field or argument added to the schema is covered without anyone thinking of
// it.
type inputChecks struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = inputChecks{}

// ExtensionName implements graphql.HandlerExtension.
func (inputChecks) ExtensionName() string { return "InputChecks" }

// Validate implements graphql.HandlerExtension.
func (inputChecks) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext implements graphql.OperationContextMutator.
func (inputChecks) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	return eachField(oc, func(f *ast.Field) *gqlerror.Error {
		for _, arg := range f.Arguments {
			if err := checkArgument(arg, oc.Variables); err != nil {
				return err
			}
		}
		return nil
	})
}

// eachField calls check on every field of oc's operation, through inline fragments and each
// named fragment once, and stops at the first error.
func eachField(oc *graphql.OperationContext, check func(*ast.Field) *gqlerror.Error) *gqlerror.Error {
	seen := map[string]bool{}
	var walk func(ast.SelectionSet) *gqlerror.Error
	walk = func(set ast.SelectionSet) *gqlerror.Error {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if err := check(s); err != nil {
					return err
				}
				if err := walk(s.SelectionSet); err != nil {
					return err
				}
			case *ast.InlineFragment:
				if err := walk(s.SelectionSet); err != nil {
					return err
				}
			case *ast.FragmentSpread:
				if seen[s.Name] {
					continue
				}
				seen[s.Name] = true
				if f := oc.Doc.Fragments.ForName(s.Name); f != nil {
					if err := walk(f.SelectionSet); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	return walk(oc.Operation.SelectionSet)
}

// checkArgument checks one argument's value, with the operation's variables.
func checkArgument(arg *ast.Argument, vars map[string]any) *gqlerror.Error {
	if arg.Value == nil {
		return nil
	}
	v, err := arg.Value.Value(vars)
	if err != nil {
		return nil // validation has refused what cannot be read
	}
	if field, ok := findNUL(arg.Name, v); ok {
		return inputError(field, "must not contain NUL characters")
	}
	if t := arg.Value.ExpectedType; t != nil && t.Name() == "Cursor" && v != nil {
		if !cursorOK(v) {
			return inputError(arg.Name, "is not a cursor of this list: pass the endCursor or startCursor of a page")
		}
	}
	return nil
}

// findNUL looks for a string with a NUL character in v, the value of field name, and
// returns the name of the innermost field that holds it.
func findNUL(name string, v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return name, strings.IndexByte(x, 0) >= 0
	case map[string]any:
		for k, e := range x {
			if f, ok := findNUL(k, e); ok {
				return f, true
			}
		}
	case []any:
		for _, e := range x {
			if f, ok := findNUL(name, e); ok {
				return f, true
			}
		}
	}
	return "", false
}

// cursorOK tells a cursor of the form this API gives out: an entgql cursor of a positive
// id, with no value or the time of the field the list is ordered by (every order field of
// the schema is a time).
func cursorOK(v any) bool {
	var c entgql.Cursor[int]
	if err := c.UnmarshalGQL(v); err != nil || c.ID <= 0 {
		return false
	}
	switch c.Value.(type) {
	case nil, time.Time:
		return true
	}
	return false
}

func inputError(field, msg string) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    field + " " + msg,
		Extensions: map[string]any{"code": string(apperr.BadUserInput), "field": field},
		Err:        apperr.Input(field, msg),
	}
}
