package server_test

// Traces over OTLP: an OTLP/HTTP receiver in the test takes what the server exports, and
// every span name, attribute, event, link, status and resource attribute is checked for the
// traffic's content, names, emails, tokens and variables.

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otlpReceiver is an OTLP/HTTP (protobuf) trace receiver.
type otlpReceiver struct {
	URL string
	mu  sync.Mutex
	// spans are every span received, resource are the resources' attributes.
	spans    []*tracepb.Span
	resource []*commonpb.KeyValue
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	r := &otlpReceiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/v1/traces" || req.Header.Get("Content-Type") != "application/x-protobuf" {
			t.Errorf("OTLP export to %s as %s", req.URL.Path, req.Header.Get("Content-Type"))
			http.Error(w, "unexpected", http.StatusBadRequest)
			return
		}
		b, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var export collectortrace.ExportTraceServiceRequest
		if err := proto.Unmarshal(b, &export); err != nil {
			t.Errorf("OTLP body: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		for _, rs := range export.ResourceSpans {
			r.resource = append(r.resource, rs.GetResource().GetAttributes()...)
			for _, ss := range rs.ScopeSpans {
				r.spans = append(r.spans, ss.Spans...)
			}
		}
		r.mu.Unlock()
		out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(out)
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

// received is every span so far, and the text of everything they and their resources say.
func (r *otlpReceiver) received() (spans []*tracepb.Span, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	kvs := func(kvs []*commonpb.KeyValue) {
		for _, kv := range kvs {
			fmt.Fprintf(&b, "%s=%s\n", kv.Key, kv.Value.String())
		}
	}
	kvs(r.resource)
	for _, s := range r.spans {
		fmt.Fprintf(&b, "span %s status %s\n", s.Name, s.GetStatus().GetMessage())
		kvs(s.Attributes)
		for _, e := range s.Events {
			fmt.Fprintf(&b, "event %s\n", e.Name)
			kvs(e.Attributes)
		}
		for _, l := range s.Links {
			kvs(l.Attributes)
		}
	}
	return slicesClone(r.spans), b.String()
}

func slicesClone(s []*tracepb.Span) []*tracepb.Span { return append([]*tracepb.Span(nil), s...) }

// attr is the string form of a span's attribute key, "" when absent.
func attr(s *tracepb.Span, key string) string {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			if v := kv.Value.GetStringValue(); v != "" {
				return v
			}
			return kv.Value.String()
		}
	}
	return ""
}

// TestTraces: with OTEL_EXPORTER_OTLP_ENDPOINT set, real traffic (sign-in, reflections and
// encouragement with marker text, a push through the fake FCM server, a query with
// variables) is exported as spans per HTTP request, per operation, per SQL statement, per
// job and per push send, and none of them carries content, names, emails, tokens or
// variables.
func TestTraces(t *testing.T) {
	t.Parallel()
	// Each server exports to a receiver of its own: databases() gives both the same settings.
	run := func(t *testing.T, dbURL string) {
		rcv := newOTLPReceiver(t)
		h := newH(t, dbURL, withPush(), withSettings(map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT": rcv.URL, "RATE_ANONYMOUS_PER_MINUTE": "3"}))
		secrets := observedTraffic(t, h)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.App.FlushTraces(ctx); err != nil {
			t.Fatal(err)
		}
		checkTraces(t, rcv, secrets)
	}
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		run(t, sqliteURL(t))
	})
	if postgresURL() != "" {
		t.Run("postgres", func(t *testing.T) {
			t.Parallel()
			run(t, postgresDB(t))
		})
	}
}

// checkTraces checks the spans of observedTraffic.
func checkTraces(t *testing.T, rcv *otlpReceiver, secrets []string) {
	t.Helper()
	spans, text := rcv.received()
	byName := map[string][]*tracepb.Span{}
	for _, s := range spans {
		byName[s.Name] = append(byName[s.Name], s)
	}
	for _, want := range []string{"POST /graphql", "mutation CreateReflection", "mutation SendEncouragement",
		"query GroupFeed", "query other", "river.work/encouragement_push", "push.send"} {
		if len(byName[want]) == 0 {
			t.Errorf("no span %q", want)
		}
	}
	if s := byName["push.send"]; len(s) != 1 || !strings.Contains(attr(s[0], "push.kind"), "encouragement") || !strings.Contains(attr(s[0], "push.result"), "sent") {
		t.Errorf("push.send spans: %v", s)
	}
	// SQL statements are spans named by operation and table, children of the operation.
	feedSQL := 0
	for _, s := range spans {
		if attr(s, "db.system.name") == "" {
			continue
		}
		if attr(s, "db.operation.name") == "" || strings.ContainsAny(s.Name, "?$'") {
			t.Errorf("database span %q: %v", s.Name, s.Attributes)
		}
		for _, op := range byName["query GroupFeed"] {
			if string(s.ParentSpanId) == string(op.SpanId) {
				feedSQL++
			}
		}
	}
	if feedSQL == 0 {
		t.Error("no SQL span under the GroupFeed operation")
	}
	for _, op := range byName["query GroupFeed"] {
		if attr(op, "graphql.result") != "ok" {
			t.Errorf("GroupFeed span: %v", op.Attributes)
		}
	}
	var codes []string
	for _, s := range byName["mutation SendEncouragement"] {
		codes = append(codes, attr(s, "graphql.result"))
	}
	if strings.Join(codes, ",") != "ok,FORBIDDEN" {
		t.Errorf("SendEncouragement results %v, want ok, FORBIDDEN", codes)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			i := strings.Index(text, s)
			t.Errorf("a span carries %q: …%s…", s, text[max(0, i-200):min(len(text), i+50)])
		}
	}
	// GroupFeed's variables (first: 17) and their names.
	for _, v := range []string{"int_value:17", "first", "variables", "groupID"} {
		if strings.Contains(text, v) {
			t.Errorf("a span carries the variables (%s)", v)
		}
	}
	if t.Failed() || os.Getenv("SHOW_SPANS") != "" {
		t.Logf("spans:\n%s", text)
	}
}

// A client's W3C trace context is not continued (only a trusted proxy's is): it cannot
// choose the trace id, write its tracestate into exported spans, or turn sampling off for
// its requests.
func TestTracesIgnoreAClientsTraceContext(t *testing.T) {
	rcv := newOTLPReceiver(t)
	h := sqliteH(t, withSettings(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": rcv.URL}))
	m := h.Member("m")
	do := func(traceparent, tracestate string) {
		req, _ := http.NewRequest(http.MethodPost, h.URL+"/graphql", strings.NewReader(`{"query":"query Viewer { viewer { id } }","operationName":"Viewer"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+m.Token)
		req.Header.Set("traceparent", traceparent)
		if tracestate != "" {
			req.Header.Set("tracestate", tracestate)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	chosen, unsampled := "0af7651916cd43dd8448eb211c80319c", "11111111111111111111111111111111"
	do("00-"+chosen+"-b7ad6b7169203331-01", "member=jane.doe@example.com")
	do("00-"+unsampled+"-b7ad6b7169203331-00", "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.App.FlushTraces(ctx); err != nil {
		t.Fatal(err)
	}
	spans, _ := rcv.received()
	requests := 0
	for _, s := range spans {
		switch id := hex.EncodeToString(s.TraceId); {
		case id == chosen, id == unsampled:
			t.Errorf("a span in the client's trace %s: %s", id, s.Name)
		case s.TraceState != "":
			t.Errorf("a span with the client's tracestate %q: %s", s.TraceState, s.Name)
		}
		if len(s.ParentSpanId) == 0 && strings.HasPrefix(s.Name, "POST") {
			requests++
		}
	}
	if requests < 2 {
		t.Errorf("%d request spans exported, want both requests' (one asked not to be sampled)", requests)
	}
}
