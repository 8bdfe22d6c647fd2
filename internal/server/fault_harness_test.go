package server_test

// What the fault tests (faults_test.go) need beside the harness: a TCP proxy between the
// servers and PostgreSQL that can cut connections, refuse new ones or answer them as a
// full server does; servers run as processes of their own, to be killed for real; a group
// of thirty members with two phones each; and the count of what reached FCM and the
// database.

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/processgroup/api/internal/firebase/fcmfake"
	"github.com/processgroup/api/internal/server"
	"github.com/processgroup/api/internal/server/config"
)

// pgProxy forwards TCP connections to a PostgreSQL server and plays its faults: the
// database going away (connections cut, new ones refused) and the cluster at its
// connection limit (new connections answered as PostgreSQL answers them then).
type pgProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	state  proxyState
	conns  map[net.Conn]bool
	wg     sync.WaitGroup
}

// proxyState is what the proxy does with a new connection.
type proxyState int

const (
	// proxyOpen forwards it.
	proxyOpen proxyState = iota
	// proxyRefusing resets it at once, as a server that is down does.
	proxyRefusing
	// proxyFull answers its startup with PostgreSQL's FATAL 53300 "sorry, too many clients
	// already", as a cluster at max_connections does.
	proxyFull
)

// newPGProxy starts a proxy to the PostgreSQL server of dbURL and returns it with the URL
// that reaches the same database through it; it stops when the test ends.
func newPGProxy(t testing.TB, dbURL string) (*pgProxy, string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &pgProxy{ln: ln, target: u.Host, conns: map[net.Conn]bool{}}
	p.wg.Go(p.accept)
	t.Cleanup(func() {
		ln.Close()
		p.cut()
		p.wg.Wait()
	})
	u.Host = ln.Addr().String()
	return p, u.String()
}

// set makes the proxy treat new connections so; refusing also cuts those open.
func (p *pgProxy) set(s proxyState) {
	p.mu.Lock()
	p.state = s
	p.mu.Unlock()
	if s == proxyRefusing {
		p.cut()
	}
}

// cut closes every connection open through the proxy.
func (p *pgProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *pgProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Go(func() { p.serve(c) })
	}
}

func (p *pgProxy) serve(c net.Conn) {
	p.mu.Lock()
	state := p.state
	p.mu.Unlock()
	switch state {
	case proxyRefusing:
		c.(*net.TCPConn).SetLinger(0) //nolint:errcheck // a reset, as a closed port answers
		c.Close()
		return
	case proxyFull:
		tooManyClients(c)
		c.Close()
		return
	}
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.state != proxyOpen {
		p.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	done := make(chan struct{})
	go func() {
		io.Copy(up, c) //nolint:errcheck // ends when either side closes
		up.Close()
		c.Close()
		close(done)
	}()
	io.Copy(c, up) //nolint:errcheck // ends when either side closes
	c.Close()
	up.Close()
	<-done
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// tooManyClients reads a client's startup message (declining SSL or GSS encryption when
// asked first) and answers it as PostgreSQL does when every connection slot is taken.
func tooManyClients(c net.Conn) {
	c.SetDeadline(time.Now().Add(5 * time.Second)) //nolint:errcheck // best effort
	for {
		var n [4]byte
		if _, err := io.ReadFull(c, n[:]); err != nil {
			return
		}
		body := make([]byte, max(0, int(binary.BigEndian.Uint32(n[:]))-4))
		if _, err := io.ReadFull(c, body); err != nil {
			return
		}
		if len(body) >= 4 {
			if code := binary.BigEndian.Uint32(body); code == 80877103 || code == 80877104 {
				c.Write([]byte{'N'}) //nolint:errcheck // SSLRequest or GSSENCRequest: not here
				continue
			}
		}
		break
	}
	var fields []byte
	for _, f := range []struct {
		typ   byte
		value string
	}{{'S', "FATAL"}, {'V', "FATAL"}, {'C', "53300"}, {'M', "sorry, too many clients already"}} {
		fields = append(fields, f.typ)
		fields = append(append(fields, f.value...), 0)
	}
	fields = append(fields, 0)
	msg := []byte{'E', 0, 0, 0, 0}
	binary.BigEndian.PutUint32(msg[1:], uint32(4+len(fields)))
	c.Write(append(msg, fields...)) //nolint:errcheck // the client may be gone
}

// checksApp is the application_name of the test's own connections (directDB), which
// terminateBackends spares.
const checksApp = "fault-test-checks"

// terminateBackends ends, with pg_terminate_backend, every backend of db's database but the
// test's own (the API servers'), and returns how many there were. db is a directDB opened
// before the fault: a new connection may find the shared server full.
func terminateBackends(t testing.TB, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name <> $1`, checksApp).Scan(&n); err != nil {
		t.Fatalf("pg_terminate_backend: %v", err)
	}
	return n
}

// directDB is a pool of the test's own on the database of dbURL (not through a proxy, not
// the API's), for checks below the API while the API's connections are being broken; it is
// closed when the test ends.
func directDB(t testing.TB, dbURL string) *sql.DB {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", checksApp)
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil { // one connection now, kept idle for later
		t.Fatal(err)
	}
	return db
}

// count runs a COUNT(*) query on db.
func count(t testing.TB, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// waitUntil polls cond until it holds, and fails the test when it has not after within (a
// bound so that a broken test ends, not a measure: the fault tests count, they do not time).
func waitUntil(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting after %v: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// crowd is the fixture's group grown to n members (A and B among them), each with an
// Android and an iPhone; it returns the group and the phones' tokens.
func crowd(t testing.TB, h *H, n int) (*Group, []string) {
	t.Helper()
	g := h.NewGroup()
	members := []*Client{g.A, g.B}
	for i := len(members); i < n; i++ {
		c := h.Member(fmt.Sprint("m", i))
		g.Join(c, fmt.Sprint("M", i))
		members = append(members, c)
	}
	var tokens []string
	for i, c := range members {
		for _, platform := range []string{"ANDROID", "IOS"} {
			tok := fmt.Sprintf("token-%d-%s", i, strings.ToLower(platform))
			registerDevice(c, tok, platform, "en-US")
			tokens = append(tokens, tok)
		}
	}
	return g, tokens
}

// tally is a row of the fault table: how many pushes of a kind were expected (one per
// device), how many FCM accepted, how many of those were second copies, and how many
// devices got none.
type tally struct {
	expected, sent, duplicated, missing int
}

func (c tally) String() string {
	return fmt.Sprintf("expected %d, sent %d, duplicated %d, missing %d", c.expected, c.sent, c.duplicated, c.missing)
}

// tallyPushes counts the pushes of kind that FCM accepted against one per token.
func tallyPushes(ms []fcmfake.Message, kind string, tokens []string) tally {
	per := map[string]int{}
	c := tally{expected: len(tokens)}
	for _, m := range ms {
		if m.Data["type"] == kind {
			per[m.Token]++
			c.sent++
		}
	}
	for _, tok := range tokens {
		switch n := per[tok]; {
		case n == 0:
			c.missing++
		case n > 1:
			c.duplicated += n - 1
		}
	}
	return c
}

// checkExactlyOnce fails the test unless each token got exactly one push of kind, each
// with the collapse id of its session on every platform, and the database holds one
// delivery per token; it logs the tally as a row of the fault table.
func checkExactlyOnce(t *testing.T, fault string, fcm *fcmfake.Server, db *sql.DB, kind string, tokens []string) {
	t.Helper()
	ms := fcm.Messages()
	c := tallyPushes(ms, kind, tokens)
	t.Logf("| %s | %d | %d | %d | %d |", fault, c.expected, c.sent, c.duplicated, c.missing)
	if c.sent != c.expected || c.duplicated != 0 || c.missing != 0 {
		t.Errorf("%s: %v", fault, c)
	}
	for _, m := range ms {
		if !slices.Contains(tokens, m.Token) {
			t.Errorf("a push to an unknown device %q", m.Token)
		}
		id := "s" + m.Data["sessionId"]
		if m.AndroidCollapseKey != id || m.AndroidTag != id || m.APNSHeaders["apns-collapse-id"] != id {
			t.Errorf("push without the session's collapse id %q: android %q/%q, apns %q", id, m.AndroidCollapseKey, m.AndroidTag, m.APNSHeaders["apns-collapse-id"])
		}
	}
	if n := count(t, db, `SELECT count(*) FROM deliveries`); n != len(tokens) {
		t.Errorf("%d delivery rows, want %d (one per device)", n, len(tokens))
	}
}

// unfinished counts the jobs of kind that may still run.
func unfinished(t testing.TB, db *sql.DB, kind string) int {
	t.Helper()
	return count(t, db, `SELECT count(*) FROM river_job WHERE kind = $1 AND state NOT IN ('completed', 'cancelled', 'discarded')`, kind)
}

// serverProcessEnv makes the test binary serve the API instead of running tests (see
// TestMain), configured by the environment as the real program is.
const serverProcessEnv = "PROCESSGROUP_TEST_SERVER_PROCESS"

// serveProcess is the main of a server process: the API of the environment's settings,
// on the real clock, listening on a free local port that it prints ("ready ADDR") once it
// serves; SIGTERM stops it as it stops the real program.
func serveProcess() int {
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	app, err := server.New(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer app.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("ready", ln.Addr())
	if err := app.Serve(ctx, ln); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// serverProcess is an API server running as a process of its own.
type serverProcess struct {
	cmd  *exec.Cmd
	logs *syncBuffer
	// URL is where it serves.
	URL  string
	done chan struct{}
}

// startServerProcess runs an API server process with settings (environment variables; no
// other setting of the tests' environment reaches it) and returns once it serves. When the
// test ends it is stopped with SIGTERM, and its log is checked for leaks.
func startServerProcess(t *testing.T, settings map[string]string) *serverProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = []string{serverProcessEnv + "=1"}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.ContainsFunc(config.Settings, func(s config.Setting) bool { return s.Name == name }) {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range settings {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &serverProcess{cmd: cmd, logs: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.logs
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if addr, ok := strings.CutPrefix(sc.Text(), "ready "); ok {
				ready <- addr
			}
		}
	}()
	go func() {
		cmd.Wait() //nolint:errcheck // a killed process exits with an error
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop()
		checkLogs(t, p.logs.String())
	})
	select {
	case addr := <-ready:
		p.URL = "http://" + addr
	case <-p.done:
		t.Fatalf("the server process ended before serving: %s", p.logs.String())
	case <-time.After(time.Minute):
		t.Fatal("the server process did not serve within a minute")
	}
	return p
}

// kill ends the process with SIGKILL: no shutdown, jobs left running as they are.
func (p *serverProcess) kill(t testing.TB) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.done
}

// stop ends the process as a deployment does (SIGTERM), or kills it if it has not ended
// after 30 s.
func (p *serverProcess) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck // it may have just ended
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill() //nolint:errcheck // it may have just ended
		<-p.done
	}
}
