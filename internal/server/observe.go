package server

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/processgroup/api/internal/graphql/persisted"
)

// tracerName names the spans of this package.
const tracerName = "github.com/processgroup/api/internal/server"

// observeHTTP makes every HTTP request a span (when tracing is on) and an observation of
// processgroup_http_request_duration_seconds. A span carries the method, the route pattern
// and the status: never the URL's path or query (a GET request's query holds its document
// and variables), the client's address, its headers or its body.
func (a *App) observeHTTP(next http.Handler) http.Handler {
	tracer := a.tracing.Provider.Tracer(tracerName)
	on := a.tracing.On()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		var span trace.Span
		if on {
			// SECURITY: a trace context (and its tracestate, any string) is continued only
			// from a trusted proxy; a client's would choose the trace id, write into every
			// exported span, or turn sampling off for its requests.
			ctx, root := r.Context(), trace.WithNewRoot()
			if a.cfg.TrustedProxies.FromProxy(r) {
				ctx, root = a.tracing.Propagator.Extract(ctx, propagation.HeaderCarrier(r.Header)), nil
			}
			opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer),
				trace.WithAttributes(attribute.String("http.request.method", methodLabel(r.Method)))}
			if root != nil {
				opts = append(opts, root)
			}
			ctx, span = tracer.Start(ctx, "HTTP "+methodLabel(r.Method), opts...)
			r = r.WithContext(ctx)
		}
		ow := &observedWriter{ResponseWriter: w}
		next.ServeHTTP(ow, r) // the mux sets r.Pattern
		status := ow.status
		if status == 0 {
			status = http.StatusOK
		}
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		a.metrics.http.WithLabelValues(route, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
		if span != nil {
			span.SetName(route)
			span.SetAttributes(attribute.String("http.route", route), attribute.Int("http.response.status_code", status))
			if status >= 500 {
				span.SetStatus(codes.Error, "")
			}
			span.End()
		}
	})
}

// methodLabel is an HTTP method as a label: the standard ones, else "other".
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodOptions, http.MethodHead, http.MethodPut,
		http.MethodDelete, http.MethodPatch:
		return m
	}
	return "other"
}

// observedWriter remembers the status of a response.
type observedWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader implements http.ResponseWriter.
func (o *observedWriter) WriteHeader(code int) {
	if o.status == 0 {
		o.status = code
	}
	o.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (o *observedWriter) Write(b []byte) (int, error) {
	if o.status == 0 {
		o.status = http.StatusOK
	}
	return o.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController (and the websocket upgrade) reach the connection.
func (o *observedWriter) Unwrap() http.ResponseWriter { return o.ResponseWriter }

// observeGraphQL is the gqlgen extension that makes every query and mutation a span (when
// tracing is on) named by its type and bounded name ("query GroupFeed"), and an observation
// of processgroup_graphql_operation_duration_seconds; every error sent counts in
// processgroup_graphql_errors_total. A span carries the operation's type, its bounded
// name, its result code and its number of errors: never the document, the variables, the
// arguments of a field or anything of the response. Registered first, so that it encloses
// every other operation middleware (the transaction, the accounting of reads). Subscriptions
// are not observed per event (a response handler of a subscription waits for the next
// event); their errors are counted.
type observeGraphQL struct {
	m      *metrics
	tracer trace.Tracer
	on     bool
}

// observedKey marks the context of an operation observeGraphQL times.
type observedKey struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
	graphql.ResponseInterceptor
} = observeGraphQL{}

// ExtensionName implements graphql.HandlerExtension.
func (observeGraphQL) ExtensionName() string { return "Observe" }

// Validate implements graphql.HandlerExtension.
func (observeGraphQL) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation implements graphql.OperationInterceptor.
func (o observeGraphQL) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation != nil && oc.Operation.Operation == ast.Subscription {
		return next(ctx)
	}
	name, typ := operationLabel(oc), operationType(oc)
	rh := next(context.WithValue(ctx, observedKey{}, true))
	return func(ctx context.Context) *graphql.Response {
		start := time.Now()
		var span trace.Span
		if o.on {
			ctx, span = o.tracer.Start(ctx, typ+" "+name, trace.WithAttributes(
				attribute.String("graphql.operation.type", typ),
				attribute.String("graphql.operation.name", name)))
		}
		resp := rh(ctx)
		if resp == nil {
			if span != nil {
				span.End()
			}
			return nil
		}
		result := o.countErrors(resp)
		o.m.operations.WithLabelValues(name, result).Observe(time.Since(start).Seconds())
		if span != nil {
			span.SetAttributes(attribute.String("graphql.result", result), attribute.Int("graphql.errors", len(resp.Errors)))
			if result != "ok" {
				span.SetStatus(codes.Error, result)
			}
			span.End()
		}
		return resp
	}
}

// InterceptResponse implements graphql.ResponseInterceptor: it counts the errors of the
// responses InterceptOperation does not see (documents refused before they became an
// operation, parse and validation failures, subscription events).
func (o observeGraphQL) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || ctx.Value(observedKey{}) != nil {
		return resp
	}
	result := o.countErrors(resp)
	if oc := operationContext(ctx); oc == nil || oc.Operation == nil {
		// Never an operation: observed under the name the request gave.
		o.m.operations.WithLabelValues(operationLabel(oc), result).Observe(0)
	}
	return resp
}

// countErrors counts resp's errors by code and returns the response's result: "ok", or the
// first error's code.
func (o observeGraphQL) countErrors(resp *graphql.Response) string {
	result := "ok"
	for i, e := range resp.Errors {
		code := codeLabel(e.Extensions["code"])
		o.m.errors.WithLabelValues(code).Inc()
		if i == 0 {
			result = code
		}
	}
	return result
}

// operationContext is the operation context of ctx, if any.
func operationContext(ctx context.Context) *graphql.OperationContext {
	if !graphql.HasOperationContext(ctx) {
		return nil
	}
	return graphql.GetOperationContext(ctx)
}

// codeLabel is an error code as a label: the server's codes are upper-case words; anything
// else (none) is "none".
func codeLabel(v any) string {
	s, _ := v.(string)
	if s == "" || len(s) > 40 {
		return "none"
	}
	for _, r := range s {
		if !(r == '_' || r >= 'A' && r <= 'Z') {
			return "none"
		}
	}
	return s
}

// operationType is "query", "mutation" or "subscription", "unknown" before parsing.
func operationType(oc *graphql.OperationContext) string {
	if oc == nil || oc.Operation == nil {
		return "unknown"
	}
	return string(oc.Operation.Operation)
}

// operationLabel is the name of an operation as a label and a span name: the operationName
// is the client's choice, so only the app's own names (schema/app-operations) are kept;
// an introspection is "introspection", an unnamed operation "anonymous", any other "other".
func operationLabel(oc *graphql.OperationContext) string {
	if oc == nil {
		return "anonymous"
	}
	if appOperations[oc.OperationName] {
		return oc.OperationName
	}
	if oc.Operation != nil && introspectionOperation(oc.Operation) {
		return "introspection"
	}
	if oc.OperationName == "" {
		return "anonymous"
	}
	return "other"
}

// appOperations are the names of the app's operations: those of the trusted documents'
// manifest (generated from schema/app-operations; TestManifestCurrent keeps it current).
var appOperations = func() map[string]bool {
	m, err := persisted.Trusted()
	if err != nil {
		panic("the embedded manifest of trusted documents: " + err.Error())
	}
	names := map[string]bool{}
	for _, op := range m.Operations() {
		names[op.Name] = true
	}
	return names
}()

// OperationLabels are the app's operation names the metrics and traces keep, sorted (tests).
func OperationLabels() []string {
	return slices.Sorted(maps.Keys(appOperations))
}

// IsOperationLabel tells a value operationLabel may return (tests).
func IsOperationLabel(s string) bool {
	return appOperations[s] || s == "introspection" || s == "anonymous" || s == "other"
}
