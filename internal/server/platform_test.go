package server_test

// The platform: migrations against ent/schema, health, GraphiQL and production defaults,
// graceful shutdown, demo mode.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/processgroup/api/ent/migrate"
	"github.com/processgroup/api/internal/server"
	"github.com/processgroup/api/internal/server/config"
)

// TestMigrationsMatchSchema applies the versioned migrations and checks that ent sees no
// difference left between them and ent/schema: a schema change needs a new migration
// (go run ./internal/platform/db/migrategen NAME).
func TestMigrationsMatchSchema(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		d := dialect.SQLite
		if !strings.Contains(fmt.Sprintf("%T", h.App.SQL().Driver()), "sqlite") {
			d = dialect.Postgres
		}
		var buf bytes.Buffer
		if err := migrate.NewSchema(entsql.OpenDB(d, h.App.SQL())).WriteTo(context.Background(), &buf); err != nil {
			t.Fatal(err)
		}
		var changes []string
		for _, line := range strings.Split(buf.String(), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || line == "BEGIN;" || line == "COMMIT;" || strings.HasPrefix(line, "--") {
				continue
			}
			changes = append(changes, line)
		}
		if len(changes) > 0 {
			t.Fatalf("the migrations lag behind ent/schema; run go run ./internal/platform/db/migrategen NAME:\n%s", strings.Join(changes, "\n"))
		}
	}, emptyDatabase())
}

func TestHealthAndGraphiQL(t *testing.T) {
	t.Parallel()
	h := sqliteH(t)
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/": 200, "/nope": 404} {
		res, err := http.Get(h.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, res.StatusCode, want)
		}
	}
	// GET /graphql works for queries.
	res, err := http.Get(h.URL + "/graphql?query=%7B__typename%7D")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), `"__typename":"Query"`) {
		t.Fatalf("GET /graphql: %s", body)
	}
	h.App.SQL().Close()
	if res, err := http.Get(h.URL + "/readyz"); err != nil || res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database gone: %v %v", res.StatusCode, err)
	}
}

func TestProductionHidesGraphiQLAndIntrospection(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, map[string]string{"APP_ENV": "production", "ENCRYPTION_KEYS": testKeys})
	app, err := server.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	srv := newTestServer(app.Handler())
	defer srv.Close()
	if res, _ := http.Get(srv.URL + "/"); res.StatusCode != 404 {
		t.Fatalf("GraphiQL in production: %d", res.StatusCode)
	}
	res, _ := http.Post(srv.URL+"/graphql", "application/json", strings.NewReader(`{"query":"{ __schema { types { name } } }"}`))
	body, _ := io.ReadAll(res.Body)
	if strings.Contains(string(body), "Reflection") {
		t.Fatalf("introspection in production: %s", body)
	}
}

// TestGracefulShutdown starts the server on 127.0.0.1:0, begins a request, cancels the
// server's context (as SIGTERM does) and checks that the request still completes and
// Serve returns nil.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	h := sqliteH(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.App.Serve(ctx, ln) }()

	c := h.Member("drain")
	body := fmt.Sprintf(`{"query":"{ viewer { id } }"}`)
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Send the headers and half the body, then ask the server to stop.
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s", c.Token, len(body), body[:10])
	// Nothing tells when the server has read the request's headers and is waiting for the
	// body: a short wall-clock wait lets it get there (if it did not, the test would fail,
	// never pass wrongly).
	time.Sleep(100 * time.Millisecond)
	cancel()
	// The shutdown is under way once the server no longer accepts connections.
	for deadline := time.Now().Add(10 * time.Second); ; {
		other, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			break
		}
		other.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections after its context ended")
		}
	}
	fmt.Fprint(conn, body[10:])
	reply, _ := io.ReadAll(conn)
	if !strings.Contains(string(reply), "200 OK") || !strings.Contains(string(reply), `"viewer":{"id"`) {
		t.Fatalf("in-flight request not drained: %s", reply)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Fatal("still listening after shutdown")
	}
}

// TestDemoMode boots the zero-configuration local mode twice on one data folder: the
// printed tokens work and seeding does not double anything.
func TestDemoMode(t *testing.T) {
	dir := t.TempDir()
	boot := func() (*server.App, *Client) {
		cfg, err := config.FromEnv(func(name string) string {
			if name == "DATABASE_URL" {
				return "sqlite:" + dir + "/demo.db"
			}
			return ""
		})
		if err != nil {
			t.Fatal(err)
		}
		if !cfg.Demo || !cfg.DemoSeed || cfg.FirebaseProjectID != config.DemoProjectID {
			t.Fatalf("no configuration must mean demo mode: %+v", cfg)
		}
		// The demo starts its own emulator and sets the environment variable itself.
		t.Setenv("FIREBASE_AUTH_EMULATOR_HOST", "")
		app, err := server.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		srv := newTestServer(app.Handler())
		t.Cleanup(func() { srv.Close(); app.Close() })
		if len(app.DemoUsers) != 4 {
			t.Fatalf("demo users: %d", len(app.DemoUsers))
		}
		var out bytes.Buffer
		server.PrintDemo(&out, cfg, app.DemoUsers)
		if !strings.Contains(out.String(), "curl -s http://127.0.0.1:8080/graphql") {
			t.Fatalf("no curl line: %s", out.String())
		}
		return app, &Client{h: &H{t: t, URL: srv.URL}, Token: app.DemoUsers[1].Token}
	}
	_, sam := boot()
	r := sam.MustOp("Viewer", nil)
	groupID := r.Str("viewer.memberships.0.group.id")
	first := sam.MustOp("GroupFeed", map[string]any{"groupID": groupID}).Num("node.reflections.totalCount")
	if first != 4 {
		t.Fatalf("Sam should see 4 demo reflections (his two, two GROUP ones of others), got %d", first)
	}
	if fi, err := os.Stat(dir + "/encryption.key"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the demo key must be kept beside the database, owner-only: %v %v", fi, err)
	}
	_, sam = boot()
	if again := sam.MustOp("GroupFeed", map[string]any{"groupID": groupID}).Num("node.reflections.totalCount"); again != first {
		t.Fatalf("second start doubled the seed: %d then %d", first, again)
	}
	t.Setenv("FIREBASE_AUTH_EMULATOR_HOST", emuHost)
}

func testConfig(t *testing.T, extra map[string]string) config.Config {
	t.Helper()
	cfg, err := config.FromEnv(func(name string) string {
		if v, ok := extra[name]; ok {
			return v
		}
		switch name {
		case "DATABASE_URL":
			return "sqlite:" + t.TempDir() + "/c.db"
		case "FIREBASE_PROJECT_ID":
			return testProject
		case "FIREBASE_AUTH_EMULATOR_HOST":
			return emuHost
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestProductionIsTheDefaultWithARealProject: without APP_ENV, a real Firebase project
// means production (no GraphiQL, no introspection); a demo- project means development.
func TestProductionIsTheDefaultWithARealProject(t *testing.T) {
	t.Parallel()
	for project, want := range map[string]bool{"clinic-prod": true, "demo-x": false, "": false} {
		cfg, err := config.FromEnv(func(name string) string {
			switch name {
			case "FIREBASE_PROJECT_ID":
				return project
			case "ENCRYPTION_KEYS":
				return testKeys
			}
			return ""
		})
		if err != nil || cfg.Production != want {
			t.Errorf("project %q: production %v (err %v), want %v", project, cfg.Production, err, want)
		}
	}
}

// TestPostgresConnectionsWithoutJIT: the app's PostgreSQL connections do not JIT-compile
// (its reads are short; on tables without statistics their estimates crossed
// jit_above_cost and each request compiled code for tens of milliseconds) and plan each
// prepared statement once, unless the DATABASE_URL asks otherwise.
func TestPostgresConnectionsWithoutJIT(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		var jit string
		if err := h.App.SQL().QueryRow("SHOW jit").Scan(&jit); err != nil {
			t.Fatal(err)
		}
		if jit != "off" {
			t.Fatalf("jit = %s on the app's connections, want off", jit)
		}
		var plans string
		if err := h.App.SQL().QueryRow("SHOW plan_cache_mode").Scan(&plans); err != nil {
			t.Fatal(err)
		}
		if plans != "force_generic_plan" {
			t.Fatalf("plan_cache_mode = %s on the app's connections, want force_generic_plan", plans)
		}
		h.Restart(map[string]string{"DATABASE_URL": h.settings("DATABASE_URL") + "&jit=on"})
		if err := h.App.SQL().QueryRow("SHOW jit").Scan(&jit); err != nil {
			t.Fatal(err)
		}
		if jit != "on" {
			t.Fatalf("jit = %s with jit=on in the URL, want on", jit)
		}
	}, onlyPostgres())
}
