package server

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"sync/atomic"
	"time"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/graph"
	"github.com/processgroup/api/graph/generated"
	"github.com/processgroup/api/internal/graphql/limits"
	"github.com/processgroup/api/internal/graphql/persisted"
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

// gqlDeps is what the GraphQL handler is built from, besides the resolvers and settings.
type gqlDeps struct {
	// mutations limits the mutations of each member; documents the documents each member
	// sends that were not validated before.
	mutations, documents *limits.RateLimiter
	// validations counts the documents gqlparser validated.
	validations *atomic.Int64
	log         *slog.Logger
	// websocket is the transport of subscriptions; operations and responses are the
	// middleware of subscriptions (their limits, a fresh context per event).
	websocket  transport.Websocket
	operations []graphql.OperationMiddleware
	responses  []graphql.ResponseMiddleware
	// observe times operations and counts errors (metrics, traces); it encloses the rest.
	observe graphql.HandlerExtension
}

// newGraphQL builds the GraphQL handler: transports, the gate before parsing, transactions
// for mutations, the error presenter, input checks and the per-operation log line.
func newGraphQL(res *graph.Resolver, cfg config.Config, d gqlDeps) (*handler.Server, error) {
	log := d.log
	schema := generated.NewExecutableSchema(generated.Config{Resolvers: res})
	srv := handler.New(schema)
	if d.observe != nil {
		srv.Use(d.observe)
	}
	srv.AddTransport(transport.Options{})
	srv.AddTransport(httpTransport{}) // GET and POST, as GraphQL over HTTP says
	srv.AddTransport(websocketOnly{d.websocket})
	srv.AddTransport(unsupportedTransport{}) // last: a coded refusal of the rest
	rulesFn := rules.NewDefaultRules
	if cfg.Production {
		// No "Did you mean …" hints that map the schema for a stranger.
		rulesFn = limits.RulesWithoutSuggestions
	} else {
		srv.Use(extension.Introspection{})
	}
	// The app's trusted documents, parsed and validated once, never evicted.
	trusted, err := persisted.Trusted()
	if err != nil {
		return nil, err
	}
	cache, invalid, err := persisted.NewCache(trusted, schema.Schema(), rulesFn, lru.New[*ast.QueryDocument](1000))
	if err != nil {
		return nil, err
	}
	if len(invalid) > 0 {
		log.Info("trusted documents this schema does not serve yet (answered with validation errors)", "operations", invalid)
	}
	srv.SetQueryCache(cache)
	srv.SetParserTokenLimit(cfg.MaxTokens)
	srv.SetValidationRulesFn(func() *rules.Rules {
		d.validations.Add(1) // gqlgen asks for the rules once per document it validates
		return rulesFn()
	})
	shape := limits.Config{
		MaxDepth:          cfg.MaxQueryDepth,
		MaxAliases:        cfg.MaxAliases,
		MaxDirectives:     cfg.MaxDirectives,
		MaxTokens:         cfg.MaxTokens,
		MaxComplexity:     cfg.MaxComplexity,
		MaxFields:         cfg.MaxFields,
		MaxSelections:     cfg.MaxSelections,
		MaxRepeatedFields: cfg.MaxRepeatedFields,
	}
	// Before anything parses a document: documents named by hash are looked up, and in
	// production nothing but the trusted documents runs (unless ALLOW_RAW_DOCUMENTS).
	documents := &persisted.Gate{Manifest: trusted, AllowRaw: !cfg.Production || cfg.AllowRawDocuments}
	if documents.AllowRaw {
		documents.APQ = lru.New[string](cfg.APQCacheSize) // Automatic Persisted Queries
	}
	srv.Use(documents)
	// Before gqlgen parses and validates: bounded documents only, a budget of new documents
	// per member, and from strangers nothing but introspection (in development).
	srv.Use(&limits.Gate{
		Config: shape,
		Cache:  cache,
		Budget: d.documents,
		Caller: viewerKey,
		Anonymous: func(ctx context.Context, doc *ast.QueryDocument) *gqlerror.Error {
			if !cfg.Production && doc != nil && introspectionDocument(doc) {
				return nil
			}
			return unauthenticated(ctx)
		},
		Limited: markRateLimited,
	})
	srv.Use(documents.Registrar())
	srv.Use(whereBounds{})
	srv.Use(inputChecks{})
	srv.Use(limits.NewQueryLimits(shape))
	// Outermost: whatever reaches the client carries a code, even errors that bypass the
	// error presenter (the transaction wrapper's own).
	srv.AroundResponses(ensureCodes(log))
	srv.Use(transactions{entgql.Transactioner{TxOpener: entgql.TxOpenerFunc(func(ctx context.Context) (context.Context, driver.Tx, error) {
		ctx, tx, err := db.BeginTx(ctx, res.Client)
		if err != nil {
			if unavailable(err) {
				markUnavailable(ctx)
				log.WarnContext(ctx, "open transaction: database unavailable", "error", err.Error())
			} else {
				log.ErrorContext(ctx, "open transaction", "error", err.Error())
			}
			return ctx, nil, errors.New("internal error")
		}
		return ctx, watchedTx{Tx: tx, ctx: ctx}, nil
	})}})
	srv.AroundOperations(requireViewer)
	srv.AroundOperations(afterOperation(res.Client, log))
	srv.AroundOperations(d.mutations.Mutations(viewerKey))
	srv.AroundOperations(logOperation(log))
	for _, m := range d.operations {
		srv.AroundOperations(m)
	}
	for _, m := range d.responses {
		srv.AroundResponses(m)
	}
	srv.AroundFields(checkArguments)
	srv.SetErrorPresenter(presentError(log))
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic_type", reflect.TypeOf(p).String())
		return errors.New("internal error")
	})
	return srv, nil
}

// viewerKey names the signed-in viewer of ctx for the rate limits.
func viewerKey(ctx context.Context) (string, bool) {
	v := viewer.FromContext(ctx)
	if v == nil {
		return "", false
	}
	return strconv.Itoa(v.UserID), true
}

// watchedTx is a mutation's transaction whose failure to commit for want of the database
// makes the response UNAVAILABLE (the app retries it; creates are idempotent by clientID).
type watchedTx struct {
	driver.Tx
	ctx context.Context
}

// Commit implements driver.Tx.
func (t watchedTx) Commit() error {
	err := t.Tx.Commit()
	if err != nil && unavailable(err) {
		markUnavailable(t.ctx)
	}
	return err
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
// schema introspection (for GraphiQL and tools, when introspection is on). The HTTP layer
// (requireSignIn) and the gate refuse such requests before this; it stays as the last word.
func requireViewer(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if viewer.FromContext(ctx) != nil || introspectionOnly(graphql.GetOperationContext(ctx)) {
		return next(ctx)
	}
	return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{unauthenticated(ctx)}})
}

// unauthenticated is the refusal of a request without a valid token.
func unauthenticated(ctx context.Context) *gqlerror.Error {
	msg := signInReason(ctx)
	return &gqlerror.Error{
		Message:    msg,
		Extensions: map[string]any{"code": string(apperr.Unauthenticated)},
		Err:        apperr.New(apperr.Unauthenticated, msg), // kept by the error presenter
	}
}

func introspectionOnly(oc *graphql.OperationContext) bool {
	if oc == nil || oc.Operation == nil {
		return false
	}
	return introspectionOperation(oc.Operation)
}

// introspectionDocument tells a document whose every operation is an introspection.
func introspectionDocument(doc *ast.QueryDocument) bool {
	for _, op := range doc.Operations {
		if !introspectionOperation(op) {
			return false
		}
	}
	return len(doc.Operations) > 0
}

// introspectionOperation tells a query that asks for nothing but __schema, __type and
// __typename at its top level.
func introspectionOperation(op *ast.OperationDefinition) bool {
	if op.Operation != ast.Query {
		return false
	}
	for _, sel := range op.SelectionSet {
		f, ok := sel.(*ast.Field)
		if !ok || (f.Name != "__schema" && f.Name != "__type" && f.Name != "__typename") {
			return false
		}
	}
	return len(op.SelectionSet) > 0
}

// afterOperation writes what an operation leaves to account for, once it is answered (and a
// mutation's transaction is over): the accounting of the reads it disclosed, in one batched
// write, before the response (a response whose reads cannot be accounted for is not sent);
// and the attempts it denied, after the response is sent. A read denied and a read of
// something that does not exist are answered alike; only after the answer is out does the
// audit find out which it was and record the first (a denial written before answering
// made the first measurably slower: a way to tell that a hidden id exists).
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
					code, msg := apperr.Internal, "internal error"
					if unavailable(err) {
						markUnavailable(ctx)
						code, msg = apperr.Unavailable, unavailableMessage
					}
					log.ErrorContext(ctx, "accounting of reads failed: response withheld", "error", err.Error())
					ext := map[string]any{"code": string(code)}
					if code == apperr.Unavailable {
						ext["retryAfter"] = retryAfterUnavailable
					}
					return &graphql.Response{Errors: gqlerror.List{{Message: msg, Extensions: ext}}}
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
			if len(denied) == 0 && misses.Empty() {
				return resp
			}
			// The audit runs in a context of its own, with the viewer (its actor) and the clock.
			clk, v := clock.FromContext(ctx), viewer.FromContext(ctx)
			afterResponse(ctx, func(wctx context.Context) {
				wctx = clock.NewContext(wctx, clk)
				if v != nil {
					wctx = viewer.NewContext(wctx, v)
				}
				if err := audit.Record(wctx, client, denied...); err != nil {
					log.ErrorContext(wctx, "audit of denied attempts failed", "error", err.Error())
				}
				if err := misses.Flush(wctx, client, op); err != nil {
					log.ErrorContext(wctx, "audit of denied reads failed", "error", err.Error())
				}
			})
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
