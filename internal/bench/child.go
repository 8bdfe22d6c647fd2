package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"entgo.io/ent/dialect"

	"github.com/processgroup/api/internal/platform/db"
	"github.com/processgroup/api/internal/server"
	"github.com/processgroup/api/internal/server/config"
)

// childEnv names the server a child process runs: "api" or "ref". The benchmark runs each
// server in a process of its own (this program again, with childEnv set), so that the
// server's CPU time can be read from /proc without the load generator's.
const childEnv = "BENCH_SERVE"

// statsPath is where a child tells its counters, and profilePath where it starts (?to=FILE)
// and stops a CPU profile; they exist only in the benchmark's children.
const (
	statsPath   = "/_bench/stats"
	profilePath = "/_bench/profile"
)

// childStats are a child's counters since it started.
type childStats struct {
	// Statements is how many SQL statements the server sent to the database.
	Statements int64 `json:"statements"`
	// Mallocs is how many heap objects the process allocated (runtime.MemStats.Mallocs).
	Mallocs uint64 `json:"mallocs"`
}

// child is a running server child.
type child struct {
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	url   string
	app   string
	http  *http.Client
	done  chan error
}

// startChild starts the server mode ("api" or "ref") in a child process with env, and waits
// until it listens.
func startChild(ctx context.Context, mode string, env []string, stderr io.Writer) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(env, childEnv+"="+mode)
	cmd.Stderr = prefixWriter{w: stderr, prefix: mode + ": "}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s server: %w", mode, err)
	}
	c := &child{name: mode, cmd: cmd, stdin: stdin, app: appAPI, done: make(chan error, 1)}
	if mode == "ref" {
		c.app = appRef
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
				ready <- u
			}
		}
	}()
	go func() { c.done <- cmd.Wait() }()
	select {
	case c.url = <-ready:
	case err := <-c.done:
		return nil, fmt.Errorf("%s server exited before it was ready: %v", mode, err)
	case <-time.After(2 * time.Minute):
		c.kill()
		return nil, fmt.Errorf("%s server not ready after 2 minutes", mode)
	case <-ctx.Done():
		c.kill()
		return nil, ctx.Err()
	}
	c.http = &http.Client{Transport: &http.Transport{
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}}
	return c, nil
}

// pid is the child's process id.
func (c *child) pid() int { return c.cmd.Process.Pid }

// stats reads the child's counters.
func (c *child) stats(ctx context.Context) (childStats, error) {
	var s childStats
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url+statsPath, nil)
	if err != nil {
		return s, err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return s, err
	}
	defer res.Body.Close()
	return s, json.NewDecoder(res.Body).Decode(&s)
}

// profile starts a CPU profile of the child into the file to, or stops it (to == "").
func (c *child) profile(ctx context.Context, to string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url+profilePath+"?to="+url.QueryEscape(to), nil)
	if err != nil {
		return err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return fmt.Errorf("%s: profile: %s", c.name, b)
	}
	return nil
}

// stop asks the child to finish (it ends when its stdin closes) and waits for it, killing
// it after a while.
func (c *child) stop() {
	c.stdin.Close()
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		c.kill()
	}
}

func (c *child) kill() {
	_ = c.cmd.Process.Kill()
	<-c.done
}

// prefixWriter writes what a child prints with its name in front.
type prefixWriter struct {
	w      io.Writer
	prefix string
}

func (p prefixWriter) Write(b []byte) (int, error) {
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if line != "" {
			if _, err := io.WriteString(p.w, p.prefix+line); err != nil {
				return 0, err
			}
		}
	}
	return len(b), nil
}

// serveChild is the child's side: it builds the server of mode, listens on a loopback port,
// prints "READY <url>", and serves until its stdin closes (the benchmark is done, or gone)
// or it is told to stop.
func serveChild(mode string) int {
	// Both servers collect garbage as the API server does in production (server.TuneGC).
	server.TuneGC()
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	var (
		h       http.Handler
		counted func() int64
		closer  func() error
		err     error
	)
	switch mode {
	case "api":
		h, counted, closer, err = newAPI(ctx)
	case "ref":
		h, counted, closer, err = newReference(ctx)
	default:
		err = fmt.Errorf("unknown %s %q", childEnv, mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer closer()
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+statsPath, func(w http.ResponseWriter, r *http.Request) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		_ = json.NewEncoder(w).Encode(childStats{Statements: counted(), Mallocs: ms.Mallocs})
	})
	var profile *os.File
	mux.HandleFunc("POST "+profilePath, func(w http.ResponseWriter, r *http.Request) {
		if profile != nil {
			pprof.StopCPUProfile()
			profile.Close()
			profile = nil
		}
		if to := r.URL.Query().Get("to"); to != "" {
			f, err := os.Create(to)
			if err == nil {
				err = pprof.StartCPUProfile(f)
			}
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			profile = f
		}
	})
	mux.Handle("/", h)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Printf("READY http://%s\n", ln.Addr())
	select {
	case err = <-errc:
	case <-ctx.Done():
		sctx, stop := context.WithTimeout(context.Background(), 10*time.Second)
		defer stop()
		err = srv.Shutdown(sctx)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// newAPI builds the application as the server program does, from the settings in the
// environment, with a statement counter around its database driver. It logs as in
// production (one JSON line per operation, at the configured level), to nowhere.
func newAPI(ctx context.Context) (http.Handler, func() int64, func() error, error) {
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		return nil, nil, nil, err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return nil, nil, nil, err
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: level}))
	counter := &db.CountingDriver{}
	app, err := server.New(ctx, cfg, log, server.WithDriver(func(d dialect.Driver) dialect.Driver {
		counter.Driver = d
		return counter
	}))
	if err != nil {
		return nil, nil, nil, err
	}
	return app.Handler(), counter.Statements, app.Close, nil
}
