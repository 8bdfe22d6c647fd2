package server_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/processgroup/api/internal/firebase/authemu"
	"github.com/processgroup/api/internal/firebase/fcmfake"
	"github.com/processgroup/api/internal/graphql/persisted"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/platform/db"
	"github.com/processgroup/api/internal/server"
	"github.com/processgroup/api/internal/server/config"
)

// testProject is the Firebase project of the tests: a demo- project, so that the real
// Admin SDK accepts the emulator's unsigned tokens.
const testProject = "demo-test"

// testKeys is the data-encryption keyring of the tests (a fixed, test-only key).
const testKeys = "test1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

// emu is the Auth emulator every test signs in against (the Admin SDK reads its address
// from the environment, so there is one per test binary).
var (
	emu     *authemu.Emulator
	emuHost string
)

// defaultParallel is how many tests run at once unless -parallel says otherwise (Go's default
// is the number of cores). The tests wait on SQLite files, PostgreSQL and HTTP more than they
// compute, so more of them than the machine has cores run well together. Each PostgreSQL
// test holds a few connections of the server's 100, a push test up to a dozen: at 8 the
// whole suite was seen to peak at about 45, the push tests alone at about 60; at 16 and more
// the push tests ran out of connections.
const defaultParallel = "8"

func TestMain(m *testing.M) {
	if os.Getenv(serverProcessEnv) != "" {
		os.Exit(serveProcess()) // a server of the fault tests, as a process of its own
	}
	flag.Parse()
	parallelSet := false
	flag.Visit(func(f *flag.Flag) { parallelSet = parallelSet || f.Name == "test.parallel" })
	if !parallelSet {
		if err := flag.Set("test.parallel", defaultParallel); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	emu = authemu.New(testProject)
	host, stop, err := emu.Start("127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	emuHost = host
	dropTemplate, err := migrateTemplate()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	dropTemplate()
	stop()
	os.Exit(code)
}

// templateDB is a PostgreSQL database migrated once per test binary: each test's database is
// created as a copy of it, so that a hundred tests do not run every migration a hundred times
// (tests of the migrations themselves start from an empty database).
var templateDB string

// migrateTemplate creates and migrates templateDB when TEST_POSTGRES_URL is set; drop
// removes it.
func migrateTemplate() (drop func(), err error) {
	base := postgresURL()
	if base == "" {
		return func() {}, nil
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return nil, err
	}
	dropLeftovers(admin)
	name := fmt.Sprintf("t_%d_template", os.Getpid())
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		return nil, fmt.Errorf("create template database: %w", err)
	}
	drop = func() {
		if _, err := admin.Exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
			fmt.Fprintln(os.Stderr, "drop template database:", err)
		}
		admin.Close()
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return nil, err
	}
	u.Path = "/" + name
	cfg, err := config.FromEnv(func(k string) string {
		switch k {
		case "DATABASE_URL":
			return u.String()
		case "FIREBASE_PROJECT_ID":
			return testProject
		case "FIREBASE_AUTH_EMULATOR_HOST":
			return emuHost
		case "ENCRYPTION_KEYS":
			return testKeys
		case "JOB_WORKERS":
			return "0"
		}
		return ""
	})
	if err == nil {
		var app *server.App
		if app, err = server.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil {
			err = app.Close()
		}
	}
	if err != nil {
		drop()
		return nil, fmt.Errorf("migrate template database: %w", err)
	}
	templateDB = name
	return drop, nil
}

// postgresURL is the PostgreSQL server the suite also runs against, if any.
func postgresURL() string { return os.Getenv("TEST_POSTGRES_URL") }

// option changes the API a test runs against.
type option func(*options)

type options struct {
	// settings are environment settings over the tests' defaults (see newH).
	settings map[string]string
	// start is what the fake clock reads when the API starts; zero: the real time.
	start time.Time
	// push runs notification workers that send through the real Firebase Admin SDK to a
	// fake FCM server.
	push bool
	// wrap wraps the database driver (under the statement counter).
	wrap func(dialect.Driver) dialect.Driver
	// only restricts the test to one database: "sqlite" or "postgres".
	only string
	// empty starts the API on an empty PostgreSQL database, not a migrated copy.
	empty bool
	// server are options of the API itself (server.New).
	server []server.Option
	// realTime runs the API on the real clock (h.Clock is then not its time).
	realTime bool
}

// withSettings sets environment settings of the API (by variable name); later ones win.
func withSettings(kv map[string]string) option {
	return func(o *options) {
		if o.settings == nil {
			o.settings = map[string]string{}
		}
		maps.Copy(o.settings, kv)
	}
}

// startingAt makes the API's clock read t when it starts; the clock then runs on with real
// time and the test moves it forward (h.Clock).
func startingAt(t time.Time) option { return func(o *options) { o.start = t } }

// withPush runs notification workers (JOB_WORKERS=4, polling every pushPoll) that send
// through the real Firebase Admin SDK to a fake FCM server (h.FCM). Every message that server
// accepted is checked to be discreet when the test ends (checkPushes). Tests drive the jobs
// with h.RunDue.
func withPush() option { return func(o *options) { o.push = true } }

// pushPoll is how often the workers of push tests look for jobs: RunDue makes due jobs
// available, and the workers of SQLite (which has no notifications) find them at the next
// poll.
const pushPoll = "20ms"

// withDriver wraps the API's database driver, e.g. to pause a transaction at a chosen point.
func withDriver(wrap func(dialect.Driver) dialect.Driver) option {
	return func(o *options) { o.wrap = wrap }
}

// withServer passes options to server.New (e.g. server.WithFollowUpsOnDemand).
func withServer(opts ...server.Option) option {
	return func(o *options) { o.server = append(o.server, opts...) }
}

// onlySQLite runs the test on SQLite only (a test of SQLite's own behaviour, or of
// something that does not depend on the database).
func onlySQLite() option { return func(o *options) { o.only = "sqlite" } }

// onlyPostgres runs the test on PostgreSQL only (it is skipped without TEST_POSTGRES_URL):
// for races that SQLite's single writer serialises, and for several servers on one database.
func onlyPostgres() option { return func(o *options) { o.only = "postgres" } }

// emptyDatabase starts the API on an empty PostgreSQL database, which it migrates itself, not
// on a copy of the migrated template (for tests of the migrations).
func emptyDatabase() option { return func(o *options) { o.empty = true } }

// onRealTime runs the API on the real clock instead of h.Clock, with River's rescue of a dead
// server's jobs on (it reads the wall clock, so it is off on a test clock): for the fault
// tests, which wait for River's own timing instead of driving the jobs.
func onRealTime() option { return func(o *options) { o.realTime = true } }

// databases runs f in parallel subtests, once per database: SQLite always, PostgreSQL when
// TEST_POSTGRES_URL is set (CI must set it), each on a fresh database with its own API.
func databases(t *testing.T, f func(t *testing.T, h *H), opts ...option) {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.only != "postgres" {
		t.Run("sqlite", func(t *testing.T) {
			t.Parallel()
			f(t, newH(t, sqliteURL(t), opts...))
		})
	}
	if o.only == "sqlite" {
		return
	}
	if pg := postgresURL(); pg != "" {
		t.Run("postgres", func(t *testing.T) {
			t.Parallel()
			if o.empty {
				f(t, newH(t, freshDatabase(t, pg, ""), opts...))
			} else {
				f(t, newH(t, postgresDB(t), opts...))
			}
		})
	} else if o.only == "postgres" {
		t.Skip("needs TEST_POSTGRES_URL")
	} else if os.Getenv("CI") != "" {
		t.Fatal("CI must run the suite on PostgreSQL too: set TEST_POSTGRES_URL")
	}
}

// sqliteURL is a fresh SQLite database in the test's temporary directory.
func sqliteURL(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
}

// sqliteH is an API on a fresh SQLite database, for tests of what does not depend on the
// database (HTTP, limits, settings).
func sqliteH(t testing.TB, opts ...option) *H { return newH(t, sqliteURL(t), opts...) }

var databaseSeq atomic.Int64

// dropLeftovers drops the databases of test runs that ended without cleaning up (killed at a
// timeout): those named t_PID_... whose process is gone from this machine.
func dropLeftovers(admin *sql.DB) {
	rows, err := admin.Query(`SELECT datname FROM pg_database WHERE datname LIKE 't\_%'`)
	if err != nil {
		return
	}
	var names []string
	for rows.Next() {
		var n string
		if rows.Scan(&n) == nil {
			names = append(names, n)
		}
	}
	rows.Close()
	for _, n := range names {
		var pid int
		var rest string
		if _, err := fmt.Sscanf(n, "t_%d_%s", &pid, &rest); err != nil || pid <= 0 {
			continue
		}
		p, err := os.FindProcess(pid)
		if err == nil && errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone) {
			admin.Exec("DROP DATABASE IF EXISTS " + n + " WITH (FORCE)") //nolint:errcheck // best effort
		}
	}
}

// postgresDB is a new database on the PostgreSQL server of TEST_POSTGRES_URL, a copy of the
// migrated template; it is dropped when the test ends.
func postgresDB(t testing.TB) string {
	t.Helper()
	return freshDatabase(t, postgresURL(), templateDB)
}

// freshDatabase creates a database on the PostgreSQL server of base, a copy of template (""
// for an empty one), and returns a URL that uses it; it is dropped when the test ends. A
// database rather than a schema of a shared one: the migrations of the API hold an advisory
// lock of the database while they run (a second server waits and tries again seconds
// later), so tests starting their APIs at once would queue on one database.
func freshDatabase(t testing.TB, base, template string) string {
	t.Helper()
	name := fmt.Sprintf("t_%d_%d", os.Getpid(), databaseSeq.Add(1))
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	admin.SetMaxIdleConns(0) // hold no connection while the test runs
	t.Cleanup(func() { admin.Close() })
	create := "CREATE DATABASE " + name
	if template != "" {
		create += " TEMPLATE " + template
	}
	if _, err := admin.Exec(create); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
			t.Logf("drop database: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// H is one running API on a fresh database, driven through its real HTTP handler, on a fake
// clock the test moves.
type H struct {
	t   testing.TB
	App *server.App
	URL string
	// Clock is the time of the whole API: services, privacy rules and the job queue. It
	// starts at the real time (or startingAt) and runs on with it; tests move it forward
	// with Advance and Set, never back past the real time: River's own maintenance (rescuing
	// stuck jobs, deleting finished ones) reads the real clock.
	Clock *clock.Fake
	// FCM is the fake FCM server the workers send to (withPush), else nil.
	FCM     *fcmfake.Server
	Logs    *syncBuffer
	counter *db.CountingDriver
	seq     atomic.Int64
	dbURL   string
	opts    options
}

// newH starts an API on dbURL. Unless opts say otherwise it signs in against the tests' Auth
// emulator, logs at debug level (every line is checked for leaks when the test ends), runs
// no notification workers, and has rate limits too high to matter (TestRateLimits and
// TestDocumentBudget try the real ones).
func newH(t testing.TB, dbURL string, opts ...option) *H {
	t.Helper()
	h := prepareH(t, dbURL, opts...)
	h.start()
	return h
}

// prepareH is newH without starting the API.
func prepareH(t testing.TB, dbURL string, opts ...option) *H {
	t.Helper()
	h := &H{t: t, Logs: &syncBuffer{}, dbURL: dbURL}
	for _, opt := range opts {
		opt(&h.opts)
	}
	start := h.opts.start
	if start.IsZero() {
		start = time.Now()
	}
	h.Clock = clock.NewFake(start)
	if h.opts.push {
		h.FCM = fcmfake.New()
		fcm := h.FCM
		t.Cleanup(func() {
			checkPushes(t, fcm.Messages())
			fcm.Close()
		})
	}
	t.Cleanup(func() { checkLogs(t, h.Logs.String()) })
	return h
}

// newServers starts n API servers at once on dbURL (a deployment), sharing one clock, FCM
// server and log.
func newServers(t testing.TB, dbURL string, n int, opts ...option) []*H {
	t.Helper()
	first := prepareH(t, dbURL, opts...)
	hs := []*H{first}
	for len(hs) < n {
		hs = append(hs, first.sibling())
	}
	var wg sync.WaitGroup
	for _, h := range hs {
		wg.Go(h.start)
	}
	wg.Wait()
	return hs
}

// sibling is an API not yet started on h's database, clock, FCM server, log and settings.
func (h *H) sibling() *H {
	return &H{t: h.t, Clock: h.Clock, FCM: h.FCM, Logs: h.Logs, dbURL: h.dbURL, opts: h.opts}
}

// settings is what the API of h reads for the setting name.
func (h *H) settings(name string) string {
	if v, ok := h.opts.settings[name]; ok {
		return v
	}
	switch name {
	case "DATABASE_URL":
		return h.dbURL
	case "FIREBASE_PROJECT_ID":
		return testProject
	case "FIREBASE_AUTH_EMULATOR_HOST":
		return emuHost
	case "LOG_LEVEL":
		return "debug"
	case "DATABASE_MAX_CONNS":
		// Many test servers share one PostgreSQL (max_connections 100): each keeps to a few.
		return "6"
	case "ENCRYPTION_KEYS":
		return testKeys
	case "JOB_WORKERS":
		if h.opts.push {
			return "4"
		}
		return "0"
	case "JOB_POLL_INTERVAL":
		if h.opts.push {
			return pushPoll
		}
		return "50ms"
	case "FCM_ENDPOINT":
		if h.FCM != nil {
			return h.FCM.URL
		}
	case "RATE_MUTATIONS_PER_MINUTE", "RATE_ANONYMOUS_PER_MINUTE", "RATE_DOCUMENTS_PER_MINUTE":
		return "1000000"
	}
	return ""
}

// start starts an API of h's settings on h's database and clock, and serves it.
func (h *H) start() {
	h.t.Helper()
	app, srv, counter := h.newApp()
	h.App, h.URL, h.counter = app, srv.URL, counter
}

// newApp builds and serves an API of h's settings; it is closed when the test ends.
func (h *H) newApp() (*server.App, *httptest.Server, *db.CountingDriver) {
	h.t.Helper()
	cfg, err := config.FromEnv(h.settings)
	if err != nil {
		h.t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(h.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var counter *db.CountingDriver
	var clk clock.Clock = h.Clock
	if h.opts.realTime {
		clk = clock.Real{}
	}
	opts := append([]server.Option{server.WithClock(clk), server.WithDriver(func(d dialect.Driver) dialect.Driver {
		if h.opts.wrap != nil {
			d = h.opts.wrap(d)
		}
		counter = &db.CountingDriver{Driver: d}
		return counter
	})}, h.opts.server...)
	app, err := server.New(context.Background(), cfg, log, opts...)
	if err != nil {
		h.t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	h.t.Cleanup(func() {
		srv.Close()
		app.Close()
	})
	return app, srv, counter
}

// Restart stops the API (running jobs finish, the rest stay queued) and starts it again on
// the same database, clock and FCM server with some settings changed, as a deployment with a
// new configuration does; the clients signed in keep working.
func (h *H) Restart(settings map[string]string) {
	h.t.Helper()
	if err := h.App.Close(); err != nil {
		h.t.Fatalf("close: %v", err)
	}
	h.opts.settings = maps.Clone(h.opts.settings) // siblings keep theirs
	withSettings(settings)(&h.opts)
	h.start()
}

// Another starts a second API server on the same database, clock, FCM server and settings
// (as several servers behind a load balancer). Its log is checked with h's.
func (h *H) Another() *H {
	h.t.Helper()
	o := h.sibling()
	o.start()
	return o
}

// RunDue runs every notification job that is due by the clock, on this server's workers
// (and any other's on the database), and returns once none is due any more.
func (h *H) RunDue() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := h.App.Jobs().RunDue(ctx); err != nil {
		h.t.Fatalf("run due jobs: %v", err)
	}
}

// Pushes runs the due jobs (RunDue) and fails the test unless the fake FCM server has then
// accepted exactly n messages in all; it returns them, oldest first.
func (h *H) Pushes(n int) []fcmfake.Message {
	h.t.Helper()
	h.RunDue()
	ms := h.FCM.Messages()
	if len(ms) != n {
		h.t.Fatalf("%d pushes, want %d: %v", len(ms), n, summary(ms))
	}
	return ms
}

// Client is a signed-in person: requests carry their Firebase ID token.
type Client struct {
	h     *H
	UID   string
	Token string
}

// Member signs in a new Firebase user (a member record is created by their first request).
func (h *H) Member(name string) *Client { return h.person(name, false) }

// Therapist signs in a new Firebase user with the therapist role.
func (h *H) Therapist(name string) *Client { return h.person(name, true) }

func (h *H) person(name string, therapist bool) *Client {
	h.t.Helper()
	uid := fmt.Sprintf("%s-%s-%d", strings.ToLower(name), strings.ReplaceAll(h.t.Name(), "/", "-"), h.seq.Add(1))
	claims := map[string]any{}
	if therapist {
		claims["role"] = "therapist"
	}
	emu.AddUser(authemu.User{UID: uid, Email: uid + "@example.invalid", Claims: claims})
	tok, err := emu.Token(uid, time.Hour)
	if err != nil {
		h.t.Fatal(err)
	}
	return &Client{h: h, UID: uid, Token: tok}
}

// Anonymous is a client without a token.
func (h *H) Anonymous() *Client { return &Client{h: h} }

// Resp is a GraphQL response.
type Resp struct {
	Status int
	Header http.Header
	Data   map[string]any
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	}
	Raw string
}

// Code is the extensions.code of the first error, or "" without errors.
func (r *Resp) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// Get walks the data by a dotted path ("createReflection.reflection.id"); numbers index lists.
func (r *Resp) Get(path string) any {
	var cur any = r.Data
	for _, p := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[p]
		case []any:
			var i int
			fmt.Sscan(p, &i)
			if i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

// Str is Get as a string.
func (r *Resp) Str(path string) string {
	s, _ := r.Get(path).(string)
	return s
}

// Num is Get as an int.
func (r *Resp) Num(path string) int {
	f, _ := r.Get(path).(float64)
	return int(f)
}

// Raw sends a GraphQL request with any document.
func (c *Client) Raw(query, opName string, vars map[string]any) *Resp {
	c.h.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "operationName": opName, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, c.h.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	return send(c.h.t, req)
}

// send makes an HTTP request to the API and decodes its GraphQL response.
func send(t testing.TB, req *http.Request) *Resp {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := &Resp{Status: res.StatusCode, Header: res.Header, Raw: string(raw)}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("response is not JSON (%d): %.300s", res.StatusCode, raw)
	}
	return out
}

// Op sends one of the app's operations (schema/app-operations) by name, as the app does:
// the operation with the fragments it uses, and operationName.
func (c *Client) Op(name string, vars map[string]any) *Resp {
	c.h.t.Helper()
	return c.Raw(operationDocument(c.h.t, name), name, vars)
}

// MustOp is Op that fails the test on any error.
func (c *Client) MustOp(name string, vars map[string]any) *Resp {
	c.h.t.Helper()
	r := c.Op(name, vars)
	if len(r.Errors) > 0 {
		c.h.t.Fatalf("%s: unexpected errors: %s", name, r.Raw)
	}
	return r
}

// MustRaw is Raw that fails the test on any error.
func (c *Client) MustRaw(query, opName string, vars map[string]any) *Resp {
	c.h.t.Helper()
	r := c.Raw(query, opName, vars)
	if len(r.Errors) > 0 {
		c.h.t.Fatalf("%s: unexpected errors: %s", opName, r.Raw)
	}
	return r
}

var (
	opsOnce sync.Once
	opsDocs map[string]persisted.Operation
)

// operationDocument returns the app's operation name with the fragments it uses, as the
// app sends it: the trusted document of schema/app-operations (persisted.Load).
func operationDocument(t testing.TB, name string) string {
	t.Helper()
	op, ok := appOperations(t)[name]
	if !ok {
		t.Fatalf("no app operation %q", name)
	}
	return op.Body
}

// appOperations are the app's operations as trusted documents, by name.
func appOperations(t testing.TB) map[string]persisted.Operation {
	t.Helper()
	opsOnce.Do(func() {
		ops, err := persisted.Load(os.DirFS("../../schema/app-operations"), ".")
		if err != nil {
			panic(err)
		}
		opsDocs = map[string]persisted.Operation{}
		for _, op := range ops {
			opsDocs[op.Name] = op
		}
	})
	return opsDocs
}

// Statements counts the SQL statements run by f.
func (h *H) Statements(f func()) int {
	before := h.counter.Statements()
	f()
	return int(h.counter.Statements() - before)
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// rawDB is the API's own database pool, for checks below the API (what is stored).
func rawDB(t *testing.T, h *H) *sql.DB {
	t.Helper()
	return h.App.SQL()
}

func newTestServer(h http.Handler) *httptest.Server { return httptest.NewServer(h) }

// leaks are strings of the suite's traffic that must never reach a log: the marker every
// test that writes sensitive text puts in it, the emails and tokens of the test users, the
// display names the fixtures choose.
var leaks = []string{"MARKER", "@example.invalid", "eyJhbGciOiJub25l", `"Ann"`, `"Ben"`, "Dr. T", "Tuesday Group"}

// checkLogs fails the test if anything the server logged carries one of the leaks: every
// test of the suite thereby checks that its traffic left no content, name, email or token
// in the logs.
func checkLogs(t testing.TB, logs string) {
	t.Helper()
	for _, s := range leaks {
		if i := strings.Index(logs, s); i >= 0 {
			start := max(0, i-120)
			t.Errorf("the server logged %q: …%s…", s, logs[start:min(len(logs), i+60)])
		}
	}
}

// Get sends a GraphQL request with GET (query string), as c; opName and vars are left out
// when empty.
func (c *Client) Get(query, opName string, vars map[string]any) *Resp {
	c.h.t.Helper()
	q := url.Values{"query": {query}}
	if opName != "" {
		q.Set("operationName", opName)
	}
	if vars != nil {
		b, _ := json.Marshal(vars)
		q.Set("variables", string(b))
	}
	req, _ := http.NewRequest(http.MethodGet, c.h.URL+"/graphql?"+q.Encode(), nil)
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	return send(c.h.t, req)
}

// Try is Raw for any goroutine: it reports a failed request as an error instead of failing
// the test (t.Fatal is for the test's own goroutine only).
func (c *Client) Try(query, opName string, vars map[string]any) (*Resp, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "operationName": opName, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, c.h.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := &Resp{Status: res.StatusCode, Header: res.Header, Raw: string(raw)}
	if err := json.Unmarshal(raw, out); err != nil {
		return nil, fmt.Errorf("response is not JSON (%d): %.300s", res.StatusCode, raw)
	}
	return out, nil
}

// postBody posts body as it is to /graphql with contentType, signed in as c (nil: nobody),
// or with the Authorization header given instead.
func postBody(t testing.TB, h *H, c *Client, contentType string, body []byte, authorization ...string) *Resp {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if c != nil && c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for _, a := range authorization {
		req.Header.Set("Authorization", a)
	}
	return send(t, req)
}
