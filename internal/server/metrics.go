package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/processgroup/api/internal/notify/push"
)

// metrics are the App's Prometheus metrics, in a registry of its own (several Apps in one
// process, as in the tests, each count their own). Every label takes its values from a set
// the server fixes: routes, the app's operation names, error codes, limits, job kinds and
// states, push kinds and outcomes. Never an id, a name, a token, a hash of one, or content.
type metrics struct {
	reg *prometheus.Registry
	// http observes every HTTP request: route, status.
	http *prometheus.HistogramVec
	// operations observes every GraphQL query and mutation: operation, result.
	operations *prometheus.HistogramVec
	// errors counts the GraphQL errors sent, by code.
	errors *prometheus.CounterVec
	// rateLimited counts the refusals of each limit.
	rateLimited *prometheus.CounterVec
	// pushes counts the push messages by kind and outcome.
	pushes *prometheus.CounterVec
}

// latencyBuckets are the buckets of request durations, in seconds: 1 ms to 10 s.
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		http: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "processgroup_http_request_duration_seconds",
			Help:    "HTTP requests by route (the server's route pattern, \"unmatched\" for any other path) and status code: how long each took to answer (a live connection: how long it stayed open).",
			Buckets: latencyBuckets,
		}, []string{"route", "status"}),
		operations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "processgroup_graphql_operation_duration_seconds",
			Help:    "GraphQL queries and mutations by operation (the app's operation names; \"introspection\", \"anonymous\" for unnamed, \"other\" for any other name) and result (\"ok\" or the first error's code): how long each took.",
			Buckets: latencyBuckets,
		}, []string{"operation", "result"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "processgroup_graphql_errors_total",
			Help: "GraphQL errors sent to clients, by extensions.code.",
		}, []string{"code"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "processgroup_rate_limited_total",
			Help: "Requests refused by a limit: mutations, anonymous, documents (per-member rates), live_connections (per member), subscriptions (per connection).",
		}, []string{"limit"}),
		pushes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "processgroup_push_messages_total",
			Help: "Push messages by kind and outcome: sent, dropped (dead token), retry, unknown (no answer; counted as sent), refused (not discreet or no token), failed.",
		}, []string{"kind", "result"}),
	}
	m.reg.MustRegister(m.http, m.operations, m.errors, m.rateLimited, m.pushes,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// countPush counts one push message's outcome.
func (m *metrics) countPush(k push.Kind, outcome string) {
	kind := string(k)
	switch k {
	case push.KindReminder, push.KindCancelled, push.KindEncouragement, push.KindPrompt:
	default:
		kind = "other"
	}
	m.pushes.WithLabelValues(kind, outcome).Inc()
}

// refused returns the counter of a limit's refusals.
func (m *metrics) refused(limit string) func() {
	c := m.rateLimited.WithLabelValues(limit)
	return c.Inc
}

// observeApp registers what is read from the App at each scrape: the database pool, the job
// queue and the live connections.
func (a *App) observeApp() {
	a.metrics.reg.MustRegister(
		collectors.NewDBStatsCollector(a.db.SQL, "app"),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "processgroup_live_subscriptions",
			Help: "Subscriptions this server runs.",
		}, func() float64 { return float64(a.hub.Len()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "processgroup_live_connections",
			Help: "Open live (graphql-transport-ws) connections on this server.",
		}, func() float64 { return float64(a.sockets.Len()) }),
		&jobsCollector{a: a},
	)
}

// jobsCollector reads the number of jobs by kind and state from River's table at each scrape:
// one statement a scrape, none per request.
type jobsCollector struct{ a *App }

var jobsDesc = prometheus.NewDesc("processgroup_jobs",
	"Jobs in the queue's table (all servers of the database) by kind and River state (available, scheduled, running, retryable, completed, cancelled, discarded, pending); completed, cancelled and discarded jobs are kept for River's retention period.",
	[]string{"kind", "state"}, nil)

// Describe implements prometheus.Collector.
func (c *jobsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- jobsDesc }

// Collect implements prometheus.Collector.
func (c *jobsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.a.jobs.JobCounts(ctx)
	if err != nil {
		c.a.log.Warn("metrics: counting jobs failed", "error", err.Error())
		ch <- prometheus.NewInvalidMetric(jobsDesc, errors.New("counting jobs failed"))
		return
	}
	for _, n := range counts {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n.N), boundedName(n.Kind), boundedName(n.State))
	}
}

// boundedName is s when it is a short identifier (job kinds and states are the code's), else
// "other".
func boundedName(s string) string {
	if len(s) > 40 {
		return "other"
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return "other"
		}
	}
	return s
}

// serveMetrics serves /metrics on cfg.MetricsAddr until the App closes; it returns the
// address it listens on.
func (a *App) serveMetrics() (string, error) {
	ln, err := net.Listen("tcp", a.cfg.MetricsAddr)
	if err != nil {
		return "", err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.metrics.reg, promhttp.HandlerOpts{
		ErrorLog:      slogPrinter{a.log},
		ErrorHandling: promhttp.ContinueOnError,
	}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("metrics listener failed", "error", err.Error())
		}
	}()
	a.closers = append(a.closers, srv.Close)
	return ln.Addr().String(), nil
}

// slogPrinter passes promhttp's error lines to the log.
type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Println(v ...any) { p.l.Warn("metrics", "error", slog.AnyValue(v).String()) }

// MetricsAddr is the address the metrics listener listens on, "" without METRICS_ADDR.
func (a *App) MetricsAddr() string { return a.metricsAddr }
