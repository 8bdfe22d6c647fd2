package server_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/processgroup/api/internal/firebase/authemu"
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

func TestMain(m *testing.M) {
	emu = authemu.New(testProject)
	host, stop, err := emu.Start("127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	emuHost = host
	code := m.Run()
	stop()
	os.Exit(code)
}

// postgresURL is the PostgreSQL server the suite also runs against, if any.
func postgresURL() string { return os.Getenv("TEST_POSTGRES_URL") }

// databases runs f once per database: SQLite always, PostgreSQL when TEST_POSTGRES_URL is set.
func databases(t *testing.T, f func(t *testing.T, h *H)) {
	t.Run("sqlite", func(t *testing.T) {
		f(t, newH(t, "sqlite:"+filepath.Join(t.TempDir(), "test.db")))
	})
	if pg := postgresURL(); pg != "" {
		t.Run("postgres", func(t *testing.T) {
			f(t, newH(t, freshSchema(t, pg)))
		})
	} else if os.Getenv("CI") != "" {
		t.Fatal("CI must run the suite on PostgreSQL too: set TEST_POSTGRES_URL")
	}
}

var schemaSeq atomic.Int64

// freshSchema creates an empty schema on the PostgreSQL server and returns a URL that uses it.
func freshSchema(t testing.TB, base string) string {
	t.Helper()
	name := fmt.Sprintf("t_%d_%d", os.Getpid(), schemaSeq.Add(1))
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	if _, err := admin.Exec("CREATE SCHEMA " + name); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + name + " CASCADE"); err != nil {
			t.Logf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// H is one running API on a fresh database, driven through its real HTTP handler.
type H struct {
	t       testing.TB
	App     *server.App
	URL     string
	Logs    *syncBuffer
	counter *countingDriver
	seq     atomic.Int64
	dbURL   string
}

func newH(t testing.TB, dbURL string) *H { return newHWith(t, dbURL, nil) }

// newHWith is newH with some settings given (by environment variable name) and options.
func newHWith(t testing.TB, dbURL string, settings map[string]string, opts ...server.Option) *H {
	t.Helper()
	cfg, err := config.FromEnv(func(name string) string {
		if v, ok := settings[name]; ok {
			return v
		}
		switch name {
		case "DATABASE_URL":
			return dbURL
		case "FIREBASE_PROJECT_ID":
			return testProject
		case "FIREBASE_AUTH_EMULATOR_HOST":
			return emuHost
		case "LOG_LEVEL":
			return "debug"
		case "ENCRYPTION_KEYS":
			return testKeys
		case "JOB_WORKERS":
			return "0" // the reminder tests start workers where they need them
		case "JOB_POLL_INTERVAL":
			return "50ms"
		case "RATE_MUTATIONS_PER_MINUTE", "RATE_ANONYMOUS_PER_MINUTE":
			return "1000000" // tests write fast; TestRateLimits tries the real limits
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	h := &H{t: t, Logs: &syncBuffer{}, dbURL: dbURL}
	log := slog.New(slog.NewJSONHandler(h.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	app, err := server.New(context.Background(), cfg, log, append([]server.Option{server.WithDriver(func(d dialect.Driver) dialect.Driver {
		h.counter = &countingDriver{Driver: d}
		return h.counter
	})}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(func() {
		srv.Close()
		app.Close()
		checkLogs(t, h.Logs.String())
	})
	h.App, h.URL = app, srv.URL
	return h
}

// Restart stops the API and starts it again on the same database with some settings changed,
// as a deployment with a new configuration does; the clients signed in keep working.
func (h *H) Restart(settings map[string]string) {
	h.t.Helper()
	if err := h.App.Close(); err != nil {
		h.t.Fatalf("close: %v", err)
	}
	n := newHWith(h.t, h.dbURL, settings)
	h.App, h.URL, h.counter = n.App, n.URL, n.counter
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
	out := &Resp{Status: res.StatusCode, Raw: string(raw)}
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
	opsDocs map[string]string
)

// operationDocument returns the app's operation name with the fragments it uses, printed
// from schema/app-operations.
func operationDocument(t testing.TB, name string) string {
	t.Helper()
	opsOnce.Do(func() {
		opsDocs = map[string]string{}
		files, _ := filepath.Glob("../../schema/app-operations/*.graphql")
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				panic(err)
			}
			doc, gerr := parser.ParseQuery(&ast.Source{Name: f, Input: string(b)})
			if gerr != nil {
				panic(gerr)
			}
			for _, op := range doc.Operations {
				one := &ast.QueryDocument{Operations: ast.OperationList{op}}
				seen := map[string]bool{}
				var walk func(ast.SelectionSet)
				walk = func(set ast.SelectionSet) {
					for _, sel := range set {
						switch s := sel.(type) {
						case *ast.Field:
							walk(s.SelectionSet)
						case *ast.InlineFragment:
							walk(s.SelectionSet)
						case *ast.FragmentSpread:
							if !seen[s.Name] {
								seen[s.Name] = true
								frag := doc.Fragments.ForName(s.Name)
								one.Fragments = append(one.Fragments, frag)
								walk(frag.SelectionSet)
							}
						}
					}
				}
				walk(op.SelectionSet)
				var buf bytes.Buffer
				formatter.NewFormatter(&buf).FormatQueryDocument(one)
				opsDocs[op.Name] = buf.String()
			}
		}
	})
	doc, ok := opsDocs[name]
	if !ok {
		t.Fatalf("no app operation %q", name)
	}
	return doc
}

// Statements counts the SQL statements run by f.
func (h *H) Statements(f func()) int {
	before := h.counter.n.Load()
	f()
	return int(h.counter.n.Load() - before)
}

// countingDriver counts every statement sent to the database.
type countingDriver struct {
	dialect.Driver
	n atomic.Int64
}

func (d *countingDriver) Exec(ctx context.Context, q string, args, v any) error {
	d.n.Add(1)
	return d.Driver.Exec(ctx, q, args, v)
}

func (d *countingDriver) Query(ctx context.Context, q string, args, v any) error {
	d.n.Add(1)
	return d.Driver.Query(ctx, q, args, v)
}

func (d *countingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &countingTx{Tx: tx, n: &d.n}, nil
}

type countingTx struct {
	dialect.Tx
	n *atomic.Int64
}

func (t *countingTx) Exec(ctx context.Context, q string, args, v any) error {
	t.n.Add(1)
	return t.Tx.Exec(ctx, q, args, v)
}

func (t *countingTx) Query(ctx context.Context, q string, args, v any) error {
	t.n.Add(1)
	return t.Tx.Query(ctx, q, args, v)
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

// rawRequest posts body to /graphql with the given Authorization header.
func rawRequest(t *testing.T, h *H, authorization, body string) *Resp {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.URL+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", authorization)
	return send(t, req)
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
