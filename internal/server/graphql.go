package server

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"time"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/graph"
	"github.com/processgroup/api/graph/generated"
	"github.com/processgroup/api/internal/graphql/limits"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/platform/db"
	"github.com/processgroup/api/internal/server/config"
	"github.com/processgroup/api/internal/service/audit"
	"github.com/processgroup/api/internal/service/disclosure"
	"github.com/processgroup/api/internal/service/validate"
	"github.com/processgroup/api/internal/viewer"
)

// Page sizes of every connection.
const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// newGraphQL builds the GraphQL handler: transports, transactions for mutations, the error
// presenter, input validation and the per-operation log line.
func newGraphQL(res *graph.Resolver, cfg config.Config, mutations *limits.RateLimiter, log *slog.Logger) *handler.Server {
	srv := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: res}))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(cfg.MaxTokens)
	if cfg.Production {
		// No "Did you mean …" hints that map the schema for a stranger.
		srv.SetValidationRulesFn(limits.RulesWithoutSuggestions)
	} else {
		srv.Use(extension.Introspection{})
	}
	srv.Use(whereBounds{})
	srv.Use(limits.NewQueryLimits(limits.Config{
		MaxDepth:      cfg.MaxQueryDepth,
		MaxAliases:    cfg.MaxAliases,
		MaxDirectives: cfg.MaxDirectives,
		MaxTokens:     cfg.MaxTokens,
		MaxComplexity: cfg.MaxComplexity,
	}))
	// Outermost: whatever reaches the client carries a code, even errors that bypass the
	// error presenter (the transaction wrapper's own).
	srv.AroundResponses(ensureCodes(log))
	srv.Use(transactions{entgql.Transactioner{TxOpener: entgql.TxOpenerFunc(func(ctx context.Context) (context.Context, driver.Tx, error) {
		ctx, tx, err := db.BeginTx(ctx, res.Client)
		if err != nil {
			log.ErrorContext(ctx, "open transaction", "error", err.Error())
			return ctx, nil, errors.New("internal error")
		}
		return ctx, tx, nil
	})}})
	srv.AroundOperations(requireViewer)
	srv.AroundOperations(afterOperation(res.Client, log))
	srv.AroundOperations(mutations.Mutations(func(ctx context.Context) (string, bool) {
		v := viewer.FromContext(ctx)
		if v == nil {
			return "", false
		}
		return strconv.Itoa(v.UserID), true
	}))
	srv.AroundOperations(logOperation(log))
	srv.AroundFields(checkArguments)
	srv.SetErrorPresenter(presentError(log))
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic_type", reflect.TypeOf(p).String())
		return errors.New("internal error")
	})
	return srv
}

// transactions runs each mutation in a transaction (entgql.Transactioner), and leaves alone
// the error responses of requests that never became an operation (a body that is not JSON),
// on which the Transactioner would panic for want of an operation context.
type transactions struct {
	entgql.Transactioner
}

// InterceptResponse implements graphql.ResponseInterceptor.
func (t transactions) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	return t.Transactioner.InterceptResponse(ctx, next)
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

// afterOperation writes what an operation leaves to account for, once it is answered (and a
// mutation's transaction is over): the accounting of the reads it disclosed, in one batched
// write, and the attempts it denied. A response whose reads cannot be accounted for is not
// sent.
func afterOperation(client *ent.Client, log *slog.Logger) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		ctx, rec := disclosure.NewContext(ctx)
		ctx, misses := audit.WithMisses(ctx)
		rh := next(ctx)
		return func(ctx context.Context) *graphql.Response {
			resp := rh(ctx)
			if resp == nil {
				return nil
			}
			// Reads are accounted for only when data went out (a failed mutation sends none).
			if len(resp.Data) > 0 && string(resp.Data) != "null" {
				if err := rec.Flush(ctx, client, clock.FromContext(ctx).Now()); err != nil {
					log.ErrorContext(ctx, "accounting of reads failed: response withheld", "error", err.Error())
					return &graphql.Response{Errors: gqlerror.List{{
						Message:    "internal error",
						Extensions: map[string]any{"code": string(apperr.Internal)},
					}}}
				}
			}
			op := operationName(graphql.GetOperationContext(ctx))
			codes := map[string]int{}
			for _, e := range resp.Errors {
				if c, _ := e.Extensions["code"].(string); c == string(apperr.Forbidden) || c == string(apperr.NotFound) {
					codes[c]++
				}
			}
			var denied []audit.Event
			for c, n := range codes {
				denied = append(denied, audit.Event{Action: audit.Denied, Detail: fmt.Sprintf("%s %s x%d", op, c, n)})
			}
			if err := audit.Record(ctx, client, denied...); err != nil {
				log.ErrorContext(ctx, "audit of denied attempts failed", "error", err.Error())
			}
			if err := misses.Flush(ctx, client, op); err != nil {
				log.ErrorContext(ctx, "audit of denied reads failed", "error", err.Error())
			}
			return resp
		}
	}
}

// operationName is the client's name for an operation, made safe to log and store: letters,
// digits and underscores (as GraphQL names are), at most 64 of them.
func operationName(oc *graphql.OperationContext) string {
	if oc == nil || oc.OperationName == "" {
		return "anonymous"
	}
	name := oc.OperationName
	if len(name) > 64 {
		name = name[:64]
	}
	for _, r := range name {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return "invalid"
		}
	}
	return name
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
				"operation", operationName(oc),
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
		if first != nil && last != nil {
			return nil, apperr.Input("last", "pass first or last, not both")
		}
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
