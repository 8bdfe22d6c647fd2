// Package server wires the application together: configuration, database, Firebase
// sign-in, the GraphQL handler and the HTTP server. cmd code stays thin: it builds an App
// with New, then calls Run.
package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"
	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/otel/trace"

	"github.com/processgroup/api/ent"
	_ "github.com/processgroup/api/ent/runtime" // privacy policies and hooks
	"github.com/processgroup/api/graph"
	"github.com/processgroup/api/internal/demo"
	"github.com/processgroup/api/internal/firebase/auth"
	"github.com/processgroup/api/internal/firebase/authemu"
	"github.com/processgroup/api/internal/graphql/limits"
	"github.com/processgroup/api/internal/graphql/loader"
	"github.com/processgroup/api/internal/notify/bus"
	"github.com/processgroup/api/internal/notify/push"
	"github.com/processgroup/api/internal/notify/remind"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/platform/crypt"
	"github.com/processgroup/api/internal/platform/db"
	"github.com/processgroup/api/internal/platform/sealed"
	"github.com/processgroup/api/internal/platform/telemetry"
	"github.com/processgroup/api/internal/server/config"
	"github.com/processgroup/api/internal/server/graphiql"
	"github.com/processgroup/api/internal/service/account"
	"github.com/processgroup/api/internal/service/consent"
	"github.com/processgroup/api/internal/service/crisis"
	"github.com/processgroup/api/internal/service/devices"
	"github.com/processgroup/api/internal/service/digest"
	"github.com/processgroup/api/internal/service/groups"
	"github.com/processgroup/api/internal/service/journal"
	"github.com/processgroup/api/internal/service/live"
	"github.com/processgroup/api/internal/service/sessions"
	"github.com/processgroup/api/internal/service/signout"
	"github.com/processgroup/api/internal/service/topics"
	"github.com/processgroup/api/internal/viewer"
)

// App is the running application.
type App struct {
	cfg      config.Config
	log      *slog.Logger
	db       *db.DB
	client   *ent.Client
	verifier Verifier
	handler  http.Handler
	// anonymous limits the requests of those without a valid token, by address.
	anonymous *limits.RateLimiter
	// DemoUsers are the seeded demo users with sign-in tokens (demo mode only).
	DemoUsers []demo.User
	// jobs runs the notification jobs.
	jobs *remind.Service
	// clock is the time of everything: services, rules (through the request's context), jobs.
	clock   clock.Clock
	closers []func() error
	// followUps runs what follows responses (the audit of denied attempts).
	followUps *followUps
	// validations counts the documents gqlparser validated.
	validations atomic.Int64
	// hub hands announcements to this server's subscriptions; publisher announces changes;
	// listener receives every server's announcements (PostgreSQL only).
	hub       *bus.Hub
	publisher *bus.Publisher
	listener  *bus.Listener
	// sockets are the open live connections.
	sockets *sockets
	// metrics are the App's Prometheus metrics; metricsAddr is where they are served.
	metrics     *metrics
	metricsAddr string
	// tracing makes the spans (a no-op provider without an OTLP endpoint).
	tracing *telemetry.Tracing
}

// Option changes how New builds the App.
type Option func(*options)

type options struct {
	wrapDriver      func(dialect.Driver) dialect.Driver
	clock           clock.Clock
	manualFollowUps bool
}

// WithFollowUpsOnDemand runs the work that follows responses (the audit of denied
// attempts) only when RunFollowUps is called, not on the App's own goroutine: for tests
// that look at what a request did before its answer.
func WithFollowUpsOnDemand() Option {
	return func(o *options) { o.manualFollowUps = true }
}

// WithClock sets the one clock of the application: services, privacy rules, stored times,
// the token cache and the job queue (tests move it forward).
func WithClock(c clock.Clock) Option {
	return func(o *options) { o.clock = c }
}

// WithDriver wraps the ent driver, e.g. to count SQL statements in tests.
func WithDriver(wrap func(dialect.Driver) dialect.Driver) Option {
	return func(o *options) { o.wrapDriver = wrap }
}

// New builds the application from cfg: it opens and migrates the database, connects to
// Firebase (or, in demo mode, starts the built-in emulator and seeds demo data).
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts ...Option) (_ *App, err error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	a := &App{cfg: cfg, log: log, metrics: newMetrics()}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if a.tracing, err = telemetry.NewTracing(ctx, cfg.Tracing); err != nil {
		return nil, err
	}
	// Closed last: the spans of everything closed before are exported.
	a.closers = append(a.closers, func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return a.tracing.Shutdown(sctx)
	})
	var emu *authemu.Emulator
	if cfg.Demo {
		emu = authemu.New(cfg.FirebaseProjectID)
		host, stop, err := emu.Start("127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("demo auth emulator: %w", err)
		}
		a.closers = append(a.closers, stop)
		cfg.AuthEmulatorHost = host
	}
	fb, err := auth.New(ctx, auth.Config{
		ProjectID:       cfg.FirebaseProjectID,
		EmulatorHost:    cfg.AuthEmulatorHost,
		CredentialsFile: cfg.CredentialsFile,
	})
	if err != nil {
		return nil, err
	}

	keys, err := LoadKeys(cfg)
	if err != nil {
		return nil, err
	}
	if o.clock == nil {
		o.clock = clock.Real{}
	}
	a.clock = o.clock
	a.verifier = newCachedVerifier(fb, cfg.AuthCacheTTL, 10000, a.clock)
	ctx = clock.NewContext(ctx, a.clock)

	if a.db, err = db.Open(ctx, cfg.DatabaseURL); err != nil {
		return nil, err
	}
	a.db.SetMaxConns(cfg.DatabaseMaxConns)
	a.closers = append(a.closers, a.db.Close)
	if err := a.db.Migrate(ctx); err != nil {
		return nil, err
	}
	// The sealed columns are encrypted and decrypted with this application's keys, below
	// whatever the tests wrap around the driver.
	drv := sealed.NewDriver(a.db.Driver(), keys)
	if a.tracing.On() {
		drv = db.Traced(drv, a.tracing.Provider)
	}
	if o.wrapDriver != nil {
		drv = o.wrapDriver(drv)
	}
	a.client = ent.NewClient(ent.Driver(drv))
	a.client.Intercept(loader.HintInterceptor())

	sender, err := newSender(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	sender = push.Observed(sender, a.tracing.Provider, a.metrics.countPush)
	jobs, err := remind.NewJobs(a.db.Dialect, a.db.SQL, a.clock)
	if err != nil {
		return nil, err
	}
	sess := sessions.New(jobs, a.clock, cfg.SessionHorizon)
	a.jobs, err = remind.New(ctx, remind.Config{
		Dialect:     a.db.Dialect,
		SQL:         a.db.SQL,
		PostgresURL: cfg.DatabaseURL,
		Client:      a.client,
		Sender:      sender,
		Firebase:    fb,
		Clock:       a.clock,
		Log:         log,
		Workers:     cfg.JobWorkers,
		Poll:        cfg.JobPoll,
		JobTimeout:  cfg.JobTimeout,
		RescueAfter: cfg.JobRescueAfter,
		Upkeep:      sess,
		Tracing:     a.jobTracing(),
	})
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, func() error { a.jobs.Close(); return nil })
	if err := a.jobs.Migrate(ctx); err != nil {
		return nil, fmt.Errorf("job queue migration: %w", err)
	}

	// Live updates: through PostgreSQL's LISTEN/NOTIFY between servers, in process on SQLite.
	a.hub = bus.NewHub(cfg.WSBuffer)
	a.sockets = newSockets()
	if a.db.Dialect == dialect.Postgres {
		a.publisher = bus.NewPublisher(a.hub, a.db.SQL, log)
		if a.listener, err = bus.Listen(ctx, cfg.DatabaseURL, a.hub, log); err != nil {
			return nil, err
		}
		a.closers = append(a.closers, a.listener.Close)
	} else {
		a.publisher = bus.NewPublisher(a.hub, nil, log)
	}

	res := &graph.Resolver{
		Client:   a.client,
		Clock:    a.clock,
		Journal:  journal.New(crisis.Default(), jobs, keys, a.clock),
		Groups:   groups.New(jobs, a.clock),
		Consents: consent.New(a.clock),
		Accounts: account.New(jobs, a.clock),
		SignOut:  signout.New(fb),
		Sessions: sess,
		Devices:  devices.New(jobs, a.clock),
		Digests:  digest.New(a.clock),
		Program:  cfg.ProgramName,
		Live:     live.New(a.hub, a.client),
		Topics:   topics.New(keys, a.clock),
	}
	if cfg.DemoSeed {
		if emu == nil {
			return nil, errors.New("DEMO_SEED needs demo mode (no FIREBASE_PROJECT_ID)")
		}
		if a.DemoUsers, err = demo.Seed(ctx, a.client, emu, res.Journal, res.Groups, res.Consents, res.Sessions, cfg.DemoTokenTTL); err != nil {
			return nil, fmt.Errorf("demo seed: %w", err)
		}
	}
	a.followUps = newFollowUps(log, o.manualFollowUps)
	a.closers = append(a.closers, func() error { a.followUps.Close(); return nil })
	rates, err := newRateLimits(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, rates.close)
	a.anonymous = rates.anonymous
	rates.mutations.OnRefusal(a.metrics.refused("mutations"))
	rates.anonymous.OnRefusal(a.metrics.refused("anonymous"))
	rates.documents.OnRefusal(a.metrics.refused("documents"))
	gql, err := newGraphQL(res, cfg, gqlDeps{
		mutations:   rates.mutations,
		documents:   rates.documents,
		validations: &a.validations,
		log:         log,
		websocket:   a.websocketTransport(),
		operations:  []graphql.OperationMiddleware{a.subscriptionLimits},
		responses:   []graphql.ResponseMiddleware{a.freshEvent},
		observe:     observeGraphQL{m: a.metrics, tracer: a.tracing.Provider.Tracer(tracerName), on: a.tracing.On()},
	})
	if err != nil {
		return nil, err
	}
	a.handler = a.routes(gql)
	a.observeApp()
	if cfg.MetricsAddr != "" {
		if a.metricsAddr, err = a.serveMetrics(); err != nil {
			return nil, fmt.Errorf("METRICS_ADDR: %w", err)
		}
	}
	if cfg.JobWorkers == 0 && a.db.Dialect == dialect.SQLite {
		log.Warn("JOB_WORKERS=0 on SQLite: no other server can share this database, so no notification is sent, no deleted account's Firebase user is deleted and weekly schedules produce no new sessions")
	}
	if cfg.JobWorkers > 0 {
		if err := a.jobs.Start(context.WithoutCancel(ctx)); err != nil {
			return nil, fmt.Errorf("start job workers: %w", err)
		}
		a.closers = append(a.closers, func() error {
			// Running sends finish and are recorded (each send has a 10 s deadline); the rest
			// wait in the queue. Jobs still running at the timeout are cancelled, and the
			// database stays open until they have returned.
			sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
			defer cancel()
			if err := a.jobs.Stop(sctx); err == nil {
				return nil
			}
			hctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return a.jobs.StopAndCancel(hctx)
		})
	}
	return a, nil
}

// newSender is the push sender of cfg: Firebase Cloud Messaging through the Admin SDK for a
// real project or with FCM_ENDPOINT (a fake FCM server, demo- projects only), otherwise a
// sender that only logs (local demo mode).
func newSender(ctx context.Context, cfg config.Config, log *slog.Logger) (push.Sender, error) {
	if cfg.FCMEndpoint == "" && strings.HasPrefix(cfg.FirebaseProjectID, "demo-") {
		return push.NewLog(log), nil
	}
	return push.NewFCM(ctx, push.FCMConfig{ProjectID: cfg.FirebaseProjectID, Endpoint: cfg.FCMEndpoint})
}

// LoadKeys returns the data-encryption keyring of cfg: ENCRYPTION_KEYS, or the key file,
// which outside production is created with a fresh key when missing.
func LoadKeys(cfg config.Config) (*crypt.Keyring, error) {
	if cfg.EncryptionKeys != "" {
		return crypt.ParseKeys(cfg.EncryptionKeys)
	}
	if cfg.Production {
		if _, err := os.Stat(cfg.EncryptionKeyFile); err != nil {
			return nil, fmt.Errorf("ENCRYPTION_KEY_FILE: %w", err)
		}
	}
	return crypt.LoadOrCreateKeyFile(cfg.EncryptionKeyFile)
}

// LiveConnections is the number of open live (websocket) connections (tests).
func (a *App) LiveConnections() int { return a.sockets.Len() }

// LiveSubscriptions is the number of subscriptions this server runs.
func (a *App) LiveSubscriptions() int { return a.hub.Len() }

// AwaitLiveSubscriptions returns once ok(the number of subscriptions this server runs)
// holds, or ctx ends (tests: the protocol does not acknowledge a subscription).
func (a *App) AwaitLiveSubscriptions(ctx context.Context, ok func(n int) bool) error {
	return a.hub.Await(ctx, ok)
}

// SettleLive returns once every live announcement committed before it has reached this
// server, or ctx ends (tests: a subscription started after it sees none of them).
func (a *App) SettleLive(ctx context.Context) error { return a.publisher.Settle(ctx) }

// AwaitLiveListening returns once the server receives announcements (after its listening
// connection was lost: tests), or ctx ends.
func (a *App) AwaitLiveListening(ctx context.Context) error { return a.hub.AwaitUp(ctx) }

// LiveListenerBackend is the PostgreSQL backend pid of the live updates' listening
// connection, 0 on SQLite (tests terminate it).
func (a *App) LiveListenerBackend() uint32 {
	if a.listener == nil {
		return 0
	}
	return a.listener.Backend()
}

// jobTracing is the tracer provider of the job workers: none when tracing is off (no
// middleware at all).
func (a *App) jobTracing() trace.TracerProvider {
	if !a.tracing.On() {
		return nil
	}
	return a.tracing.Provider
}

// FlushTraces exports the spans ended so far (tests; nothing when tracing is off).
func (a *App) FlushTraces(ctx context.Context) error { return a.tracing.ForceFlush(ctx) }

// Jobs runs the notification jobs (tests drive them with RunDue).
func (a *App) Jobs() *remind.Service { return a.jobs }

// Client is the root ent client (for tests and tools).
func (a *App) Client() *ent.Client { return a.client }

// SQL is the database pool (for tests and tools).
func (a *App) SQL() *sql.DB { return a.db.SQL }

// Handler is the HTTP handler of the whole API.
func (a *App) Handler() http.Handler { return a.handler }

// RunFollowUps runs the work that follows the responses sent so far (the audit of denied
// attempts) and returns once none is left (tests; see WithFollowUpsOnDemand).
func (a *App) RunFollowUps() { a.followUps.Run() }

// Validations is how many GraphQL documents the API has parsed and validated since it
// started (each new document once; the app's operations come from the query cache after
// that): tests check with it that a refused document never reached the validator.
func (a *App) Validations() int64 { return a.validations.Load() }

func (a *App) routes(gql http.Handler) http.Handler {
	mux := http.NewServeMux()
	// Outside in: the status and after-work of the response; who is signing in (an outage
	// answers UNAVAILABLE here); a rate for those who are not; nothing more for them in
	// production; GET checks; the body size; no JSON-array batches; GraphQL.
	noViewer := func(r *http.Request) bool { return viewer.FromContext(r.Context()) == nil }
	api := a.exchanges(a.authenticate(a.anonymous.Anonymous(a.cfg.TrustedProxies, noViewer, a.requireSignIn(
		checkGET(a.cfg.MaxTokens, !a.cfg.Production || a.cfg.AllowRawDocuments, http.MaxBytesHandler(limits.RefuseBatch(a.socketsAround(gql)), a.cfg.MaxBodyBytes))))))
	mux.Handle("GET /graphql", api)
	mux.Handle("POST /graphql", api)
	mux.Handle("OPTIONS /graphql", api)
	// Anything else under /graphql is refused with a code too, as every error is.
	mux.HandleFunc("/graphql", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		refuse(w, http.StatusMethodNotAllowed, apperr.BadUserInput, "/graphql takes GET, POST and OPTIONS (and websockets, with GET)")
	})
	mux.HandleFunc("/graphql/", func(w http.ResponseWriter, r *http.Request) {
		refuse(w, http.StatusNotFound, apperr.NotFound, "nothing here: the API is at /graphql")
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := a.db.Ping(ctx); err != nil {
			a.log.WarnContext(ctx, "not ready: database unreachable")
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ready\n")
	})
	if !a.cfg.Production {
		graphiql.Register(mux, a.graphiqlOptions())
	}
	return a.observeHTTP(mux)
}

// Run serves HTTP on the configured address until ctx ends (SIGTERM), then stops taking
// requests and waits for the ones in flight, up to the shutdown timeout.
func (a *App) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.cfg.ListenAddr)
	if err != nil {
		return err
	}
	return a.Serve(ctx, ln)
}

// Serve is Run on a listener the caller opened (tests use 127.0.0.1:0).
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.log.Info("listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down: draining requests")
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	// Live connections are not the HTTP server's to drain (they were hijacked): each is
	// closed with 1001 once the message being written is out.
	closed := make(chan struct{})
	go func() { a.sockets.shutdown(sctx); close(closed) }()
	defer func() { <-closed }()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Close releases the database and the demo emulator.
func (a *App) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}
