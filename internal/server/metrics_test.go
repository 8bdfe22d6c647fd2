package server_test

// Prometheus metrics on their own listener (METRICS_ADDR): what real traffic shows there, and
// that no label carries an id, a name, a token or content.

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/processgroup/api/internal/server"
)

// observedTraffic is what the tests of metrics and traces send: a group founded, a device
// registered, a reflection and an encouragement with marker text, the encouragement's push
// sent through the fake FCM server, the group's feed read with variables, an operation
// with a name of the client's making, an encouragement refused, and anonymous requests past
// their limit (RATE_ANONYMOUS_PER_MINUTE=3: a burst of one). It returns what must never
// appear in metrics or traces: markers, ids, names, emails, tokens, variables.
func observedTraffic(t *testing.T, h *H) (secrets []string) {
	t.Helper()
	g := h.NewGroup()
	const device = "devicetoken-SECRET-4471"
	registerDevice(g.A, device, "ANDROID", "en-US")
	id := g.Reflect(g.A, "GROUP", "MARKER reflection words 9183")
	if r := Encourage(g.B, id, "MARKER encouragement words 5520"); len(r.Errors) > 0 {
		t.Fatal(r.Raw)
	}
	h.Pushes(1)
	g.A.MustOp("GroupFeed", map[string]any{"groupID": g.ID, "first": 17})
	g.A.MustRaw("query client_named_op_7731 { viewer { id } }", "client_named_op_7731", nil)
	if r := Encourage(g.A, id, ""); r.Code() != "FORBIDDEN" {
		t.Fatalf("own reflection: want FORBIDDEN, got %s", r.Raw)
	}
	anon := h.Anonymous()
	anon.Try("{ __typename }", "", nil) //nolint:errcheck // the first is refused for want of sign-in
	if r, _ := anon.Try("{ __typename }", "", nil); r == nil || r.Code() != "RATE_LIMITED" {
		t.Fatalf("the second anonymous request should be RATE_LIMITED: %v", r)
	}
	secrets = append(secrets, leaks...)
	secrets = append(secrets, device, "9183", "5520", "7731", g.ID, id, "MARKER", "Ann", "Ben")
	for _, c := range []*Client{g.A, g.B, g.Therapist, g.Outsider, g.Stranger} {
		secrets = append(secrets, c.UID, c.Token)
	}
	return secrets
}

// scrape reads the App's /metrics from its metrics listener.
func scrape(t *testing.T, h *H) string {
	t.Helper()
	addr := h.App.MetricsAddr()
	if addr == "" {
		t.Fatal("no metrics listener")
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %d %v: %s", resp.StatusCode, err, b)
	}
	return string(b)
}

// TestMetrics: real traffic shows as requests by route and status, operations by name and
// result, errors by code, rate-limit refusals, push outcomes, jobs by kind and state, the
// database pool and the live connections; operation labels are the app's names or fixed
// words; and nothing sensitive is in any label.
func TestMetrics(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		secrets := observedTraffic(t, h)
		text := scrape(t, h)
		for _, want := range []string{
			`processgroup_http_request_duration_seconds_count{route="POST /graphql",status="200"}`,
			`processgroup_http_request_duration_seconds_count{route="POST /graphql",status="429"} 1`,
			`processgroup_graphql_operation_duration_seconds_count{operation="CreateReflection",result="ok"} 1`,
			`processgroup_graphql_operation_duration_seconds_count{operation="GroupFeed",result="ok"} 1`,
			`processgroup_graphql_operation_duration_seconds_count{operation="other",result="ok"} 1`,
			`processgroup_graphql_operation_duration_seconds_count{operation="SendEncouragement",result="FORBIDDEN"} 1`,
			`processgroup_graphql_errors_total{code="FORBIDDEN"} 1`,
			`processgroup_rate_limited_total{limit="anonymous"} 1`,
			`processgroup_push_messages_total{kind="encouragement",result="sent"} 1`,
			`processgroup_jobs{kind="encouragement_push",state="completed"} 1`,
			`go_sql_open_connections{db_name="app"}`,
			`go_sql_in_use_connections{db_name="app"}`,
			`go_sql_idle_connections{db_name="app"}`,
			`go_sql_wait_count_total{db_name="app"}`,
			`go_sql_wait_duration_seconds_total{db_name="app"}`,
			"processgroup_live_connections 0",
			"processgroup_live_subscriptions 0",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		for _, m := range regexp.MustCompile(`operation="([^"]*)"`).FindAllStringSubmatch(text, -1) {
			if !server.IsOperationLabel(m[1]) {
				t.Errorf("operation label %q is not an app operation or a fixed word", m[1])
			}
		}
		// Sample values are numbers that may contain any digits: the labels are what must not
		// carry anything of the traffic.
		var labels strings.Builder
		for _, m := range regexp.MustCompile(`(?m)^[a-z_:]+\{(.*)\} `).FindAllStringSubmatch(text, -1) {
			labels.WriteString(m[1] + "\n")
		}
		if labels.Len() == 0 {
			t.Fatal("no labels found")
		}
		for _, s := range secrets {
			if s != "" && strings.Contains(labels.String(), s) {
				t.Errorf("a label of /metrics carries %q", s)
			}
		}
	}, withPush(), withSettings(map[string]string{"METRICS_ADDR": "127.0.0.1:0", "RATE_ANONYMOUS_PER_MINUTE": "3"}))
}

// TestMetricsPerApp: two servers in one process count apart (each App has its own registry),
// and without METRICS_ADDR there is no listener.
func TestMetricsPerApp(t *testing.T) {
	t.Parallel()
	h := sqliteH(t, withSettings(map[string]string{"METRICS_ADDR": "127.0.0.1:0"}))
	other := h.Another()
	c := h.Member("a")
	c.MustOp("Viewer", nil)
	want := `processgroup_graphql_operation_duration_seconds_count{operation="Viewer",result="ok"} 1`
	if !strings.Contains(scrape(t, h), want) {
		t.Errorf("the first server lacks %s", want)
	}
	if strings.Contains(scrape(t, other), `operation="Viewer"`) {
		t.Error("the second server counted the first one's request")
	}
	if off := sqliteH(t); off.App.MetricsAddr() != "" {
		t.Errorf("without METRICS_ADDR: a listener on %s", off.App.MetricsAddr())
	}
}

// TestMetricsOperationNames: the operation names the metrics keep are those of the app's
// contract (schema/app-operations), no more, no fewer.
func TestMetricsOperationNames(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("..", "..", "schema", "app-operations", "*.graphql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("app operations: %v", err)
	}
	var names []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := parser.ParseQuery(&ast.Source{Name: f, Input: string(b)})
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range doc.Operations {
			names = append(names, op.Name)
		}
	}
	slices.Sort(names)
	if got := server.OperationLabels(); !slices.Equal(got, names) {
		t.Errorf("metrics keep %v,\nthe app's operations are %v", got, names)
	}
}
