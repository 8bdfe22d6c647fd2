// Package telemetry sets up the server's traces: OpenTelemetry spans exported over OTLP/HTTP
// when an OTLP endpoint is configured, and a no-op tracer (nothing recorded, nothing sent)
// otherwise. What the spans carry is decided where they are made; see the README's
// "Metrics and traces".
package telemetry

import (
	"context"
	"errors"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// TracingConfig is the OTLP export of traces, from the standard OTEL_* variables.
type TracingConfig struct {
	// Endpoint is OTEL_EXPORTER_OTLP_ENDPOINT: the base URL of an OTLP/HTTP receiver, to
	// which /v1/traces is added.
	Endpoint string
	// TracesEndpoint is OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: the full URL traces are posted
	// to; it wins over Endpoint.
	TracesEndpoint string
	// ServiceName is OTEL_SERVICE_NAME, the resource's service.name.
	ServiceName string
}

// On tells whether traces are exported.
func (c TracingConfig) On() bool { return c.Endpoint != "" || c.TracesEndpoint != "" }

// url is where spans are posted.
func (c TracingConfig) url() string {
	if c.TracesEndpoint != "" {
		return c.TracesEndpoint
	}
	return strings.TrimRight(c.Endpoint, "/") + "/v1/traces"
}

// Tracing is the server's tracer provider.
type Tracing struct {
	// Provider makes the tracers; a no-op one when tracing is off.
	Provider trace.TracerProvider
	// Propagator reads a caller's W3C traceparent (a proxy's), so that the server's spans join
	// its trace.
	Propagator propagation.TextMapPropagator
	sdk        *sdktrace.TracerProvider
}

// NewTracing returns the tracing of cfg: spans batched and posted over OTLP/HTTP (protobuf)
// when cfg is On, a no-op provider otherwise. The exporter also reads the standard
// variables it knows from the process's environment (OTEL_EXPORTER_OTLP_HEADERS,
// _TIMEOUT, _COMPRESSION, _CERTIFICATE and their _TRACES_ forms); the SDK reads
// OTEL_TRACES_SAMPLER(_ARG), OTEL_BSP_* and OTEL_RESOURCE_ATTRIBUTES. Nothing is sent at
// start: an unreachable collector only loses spans.
func NewTracing(ctx context.Context, cfg TracingConfig) (*Tracing, error) {
	t := &Tracing{Provider: noop.NewTracerProvider(), Propagator: propagation.TraceContext{}}
	if !cfg.On() {
		return t, nil
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(cfg.url()))
	if err != nil {
		return nil, errors.New("telemetry: OTLP exporter: " + err.Error())
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", cfg.ServiceName)),
		resource.WithFromEnv(), // OTEL_RESOURCE_ATTRIBUTES, and OTEL_SERVICE_NAME from the process
		resource.WithTelemetrySDK(),
	)
	if err != nil && res == nil {
		return nil, errors.New("telemetry: resource: " + err.Error())
	}
	t.sdk = sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	t.Provider = t.sdk
	return t, nil
}

// On tells whether spans are recorded and exported.
func (t *Tracing) On() bool { return t.sdk != nil }

// ForceFlush exports the spans ended so far (tests; nothing when off).
func (t *Tracing) ForceFlush(ctx context.Context) error {
	if t.sdk == nil {
		return nil
	}
	return t.sdk.ForceFlush(ctx)
}

// Shutdown exports what is left and stops the exporter.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t.sdk == nil {
		return nil
	}
	return t.sdk.Shutdown(ctx)
}
