package server

import (
	"context"
	"database/sql/driver"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"time"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/graph"
	"github.com/processgroup/api/graph/generated"
	"github.com/processgroup/api/internal/apperr"
	"github.com/processgroup/api/internal/validate"
	"github.com/processgroup/api/internal/viewer"
)

// Page sizes of every connection.
const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// newGraphQL builds the GraphQL handler: transports, transactions for mutations, the error
// presenter, input validation and the per-operation log line.
func newGraphQL(res *graph.Resolver, production bool, log *slog.Logger) *handler.Server {
	srv := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: res}))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if !production {
		srv.Use(extension.Introspection{})
	}
	srv.Use(entgql.Transactioner{TxOpener: entgql.TxOpenerFunc(func(ctx context.Context) (context.Context, driver.Tx, error) {
		ctx, tx, err := ent.OpenTxFromContext(ctx)
		if err != nil {
			log.ErrorContext(ctx, "open transaction", "error", err.Error())
			return ctx, nil, errors.New("internal error")
		}
		return ctx, tx, nil
	})})
	srv.AroundOperations(requireViewer)
	srv.AroundOperations(logOperation(log))
	srv.AroundFields(checkArguments)
	srv.SetErrorPresenter(presentError(log))
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic_type", reflect.TypeOf(p).String())
		return errors.New("internal error")
	})
	return srv
}

// requireViewer refuses every operation of a request without a signed-in viewer, except a
// schema introspection (for GraphiQL and tools, when introspection is on).
func requireViewer(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if viewer.FromContext(ctx) != nil || introspectionOnly(graphql.GetOperationContext(ctx)) {
		return next(ctx)
	}
	reason := "sign in: send a Firebase ID token as Authorization: Bearer <token>"
	if err, ok := ctx.Value(authErrKey{}).(error); ok && err != nil {
		reason = "the Firebase ID token is missing, expired or not valid for this project"
	}
	return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
		Message:    reason,
		Extensions: map[string]any{"code": string(apperr.Unauthenticated)},
	}}})
}

func introspectionOnly(oc *graphql.OperationContext) bool {
	if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Query {
		return false
	}
	for _, sel := range oc.Operation.SelectionSet {
		f, ok := sel.(*ast.Field)
		if !ok || (f.Name != "__schema" && f.Name != "__type" && f.Name != "__typename") {
			return false
		}
	}
	return len(oc.Operation.SelectionSet) > 0
}

// logOperation writes one line per operation: its name, type, duration and error codes.
// Never variables, never content.
func logOperation(log *slog.Logger) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		start := time.Now()
		oc := graphql.GetOperationContext(ctx)
		rh := next(ctx)
		return func(ctx context.Context) *graphql.Response {
			resp := rh(ctx)
			if resp == nil {
				return nil
			}
			codes := make([]string, 0, len(resp.Errors))
			for _, e := range resp.Errors {
				if c, ok := e.Extensions["code"].(string); ok {
					codes = append(codes, c)
				}
			}
			attrs := []any{
				"operation", oc.OperationName,
				"duration_ms", float64(time.Since(start).Microseconds()) / 1000,
			}
			if oc.Operation != nil {
				attrs = append(attrs, "type", string(oc.Operation.Operation))
			}
			if len(codes) > 0 {
				attrs = append(attrs, "error_codes", codes)
			}
			log.InfoContext(ctx, "graphql", attrs...)
			return resp
		}
	}
}

// checkArguments validates every input object argument with its `validate` tags, and
// bounds the page size of every connection (first/last: 1 to 100, default 20).
func checkArguments(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Args == nil {
		return next(ctx)
	}
	_, hasFirst := fc.Args["first"]
	_, hasLast := fc.Args["last"]
	if hasFirst || hasLast {
		first, _ := fc.Args["first"].(*int)
		last, _ := fc.Args["last"].(*int)
		for name, n := range map[string]*int{"first": first, "last": last} {
			if n != nil && (*n < 1 || *n > maxPageSize) {
				return nil, apperr.Input(name, name+" must be between 1 and 100")
			}
		}
		if first == nil && last == nil {
			n := defaultPageSize
			fc.Args["first"] = &n
		}
	}
	if fc.Object == "Mutation" {
		for _, arg := range fc.Args {
			if reflect.Indirect(reflect.ValueOf(arg)).Kind() != reflect.Struct {
				continue
			}
			if err := validate.Struct(arg); err != nil {
				return nil, err
			}
		}
	}
	return next(ctx)
}

// presentError gives every error sent to a client a code from the fixed set and a message
// written for it. Unexpected errors become "internal error" for the client and a log line,
// without content, for the operator.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		out := graphql.DefaultErrorPresenter(ctx, err)
		set := func(code apperr.Code, msg string) *gqlerror.Error {
			out.Message = msg
			if out.Extensions == nil {
				out.Extensions = map[string]any{}
			}
			out.Extensions["code"] = string(code)
			return out
		}
		var (
			ae  *apperr.Error
			ve  *ent.ValidationError
			gqe *gqlerror.Error
		)
		switch {
		case errors.As(err, &ae):
			set(ae.Code, ae.Message)
			field := ae.Field
			if field == "" && len(out.Path) > 0 {
				if name, ok := out.Path[len(out.Path)-1].(ast.PathName); ok {
					field = string(name)
				}
			}
			if field != "" {
				out.Extensions["field"] = field
				if !strings.Contains(out.Message, field) {
					out.Message = field + " " + out.Message
				}
			}
			for k, v := range ae.Extensions {
				out.Extensions[k] = v
			}
			return out
		case errors.Is(err, privacy.Deny):
			return set(apperr.Forbidden, "you are not allowed to do this")
		case ent.IsNotFound(err):
			return set(apperr.NotFound, "not found")
		case errors.As(err, &ve):
			out.Extensions = map[string]any{"field": ve.Name}
			return set(apperr.BadUserInput, ve.Name+" is not valid")
		case ent.IsConstraintError(err):
			return set(apperr.Conflict, "this conflicts with data that already exists")
		case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			return set(apperr.Internal, "the request was cancelled or timed out")
		case errors.As(err, &gqe) && gqe.Extensions != nil:
			switch gqe.Extensions["code"] {
			case errcode.ValidationFailed, errcode.ParseFailed:
				if len(gqe.Path) > 0 && gqe.Path[0] == ast.PathName("variable") {
					// Coercion messages quote the value; say which variable instead.
					out.Path = gqe.Path
					return set(apperr.BadUserInput, "invalid value for "+gqe.Path.String())
				}
				return set(apperr.BadUserInput, gqe.Message)
			case "NOT_FOUND":
				return set(apperr.NotFound, "not found")
			}
		}
		log.ErrorContext(ctx, "internal error", "path", out.Path.String(), "error", err.Error())
		out.Extensions = nil
		return set(apperr.Internal, "internal error")
	}
}
