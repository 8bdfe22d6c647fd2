package server_test

// Outages of the database and of Firebase: a signed-in person whose request cannot be served
// gets UNAVAILABLE with HTTP 503 and Retry-After, never UNAUTHENTICATED (the app would sign
// them out) and never RATE_LIMITED (their requests are not anonymous ones); a bad token is
// still UNAUTHENTICATED. The faults are real: a TCP proxy between the API and PostgreSQL that
// cuts and refuses connections, backends terminated by PostgreSQL, the API's SQLite pool
// closed, the Auth emulator answering 500 or 503 or dropping connections.

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/processgroup/api/internal/firebase/authemu"
)

// outageTally counts the answers signed-in people got during an outage.
type outageTally struct {
	t      *testing.T
	counts map[string]int
}

func newTally(t *testing.T) *outageTally { return &outageTally{t: t, counts: map[string]int{}} }

// signedIn records the answer r to a signed-in person during an outage: UNAVAILABLE with 503
// and a Retry-After, or (allowed) a success; anything else is counted and reported.
func (o *outageTally) signedIn(what string, r *Resp) {
	o.t.Helper()
	code := r.Code()
	o.counts[code]++
	switch code {
	case "":
		return
	case "UNAVAILABLE":
		secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
		if r.Status != http.StatusServiceUnavailable || err != nil || secs < 1 {
			o.t.Errorf("%s: UNAVAILABLE with status %d and Retry-After %q, want 503 and seconds", what, r.Status, r.Header.Get("Retry-After"))
		}
		if ra, _ := r.Errors[0].Extensions["retryAfter"].(float64); int(ra) != secs {
			o.t.Errorf("%s: extensions.retryAfter %v, Retry-After %d", what, r.Errors[0].Extensions["retryAfter"], secs)
		}
		checkErrors(o.t, r)
	default:
		o.t.Errorf("%s: a signed-in person got %s (HTTP %d): %.300s", what, code, r.Status, r.Raw)
	}
}

// check fails unless the outage was answered UNAVAILABLE at least min times, and never
// UNAUTHENTICATED, RATE_LIMITED or INTERNAL.
func (o *outageTally) check(min int) {
	o.t.Helper()
	o.t.Logf("answers to signed-in people during the outage: %v", o.counts)
	for _, bad := range []string{"UNAUTHENTICATED", "RATE_LIMITED", "INTERNAL"} {
		if o.counts[bad] > 0 {
			o.t.Errorf("%d answers %s during the outage", o.counts[bad], bad)
		}
	}
	if o.counts["UNAVAILABLE"] < min {
		o.t.Errorf("%d answers UNAVAILABLE, want at least %d: %v", o.counts["UNAVAILABLE"], min, o.counts)
	}
}

// outageSettings are the settings of the outage tests: one request without a valid token
// per address at once, so that a single one charged to that limit would show.
var outageSettings = map[string]string{"RATE_ANONYMOUS_PER_MINUTE": "3"}

// duringOutage sends, as every signed-in person given, the app's reads (POST and GET) and,
// for the members of group g, a write, more times than the anonymous limit allows, and
// tallies the answers.
func duringOutage(tally *outageTally, g *Group, people ...*Client) {
	for round := 0; round < 3; round++ {
		for i, c := range people {
			who := fmt.Sprintf("person %d round %d", i, round)
			tally.signedIn(who+" Viewer", c.Op("Viewer", nil))
			tally.signedIn(who+" MyReflections GET", c.Get(operationDocument(tally.t, "MyReflections"), "MyReflections", map[string]any{"first": 5}))
			if _, member := g.Memberships[c]; member {
				tally.signedIn(who+" CreateReflection", c.Op("CreateReflection", map[string]any{"input": reflectionInput(g.ID, "PRIVATE", "during the outage")}))
			}
		}
	}
}

// badTokensRefused checks that bad tokens are still UNAUTHENTICATED (the first request of
// the address: the anonymous limit allows one at once).
func badTokensRefused(t *testing.T, h *H) {
	t.Helper()
	r := (&Client{h: h, Token: "not-a-jwt"}).Op("Viewer", nil)
	if r.Code() != "UNAUTHENTICATED" {
		t.Errorf("a malformed token: want UNAUTHENTICATED, got %d %s", r.Status, r.Raw)
	}
}

// TestDatabaseOutageOnPostgres: PostgreSQL behind a proxy that cuts and refuses connections,
// then backends terminated by PostgreSQL itself, then a connection cut in the middle of a
// request.
func TestDatabaseOutageOnPostgres(t *testing.T) {
	t.Parallel()
	if postgresURL() == "" {
		t.Skip("needs TEST_POSTGRES_URL")
	}
	dbURL := postgresDB(t)
	// The test counts rows past the proxy: a pooled connection through it may have been cut.
	direct := directDB(t, dbURL)
	reflections := func() int {
		t.Helper()
		return count(t, direct, "SELECT COUNT(*) FROM reflections")
	}
	proxy, proxied := newPGProxy(t, dbURL)
	var midRequest struct {
		sync.Mutex
		on string // cut the proxy before the next statement that contains this
	}
	h := newH(t, proxied, withSettings(outageSettings), withDriver(func(d dialect.Driver) dialect.Driver {
		return faultDriver{Driver: d, before: func(query string) {
			midRequest.Lock()
			defer midRequest.Unlock()
			if midRequest.on != "" && strings.Contains(query, midRequest.on) {
				midRequest.on = ""
				proxy.set(proxyRefusing)
			}
		}}
	}))
	g := h.NewGroup()
	people := []*Client{g.A, g.B, g.Therapist, h.Member("first-time")}
	before := reflections()

	t.Run("refused connections", func(t *testing.T) {
		proxy.set(proxyRefusing)
		tally := newTally(t)
		duringOutage(tally, g, people...)
		badTokensRefused(t, h)
		tally.check(3 * (2*len(people) + 3))
		proxy.set(proxyOpen)
		for _, c := range people {
			afterOutage(t, c)
		}
	})
	t.Run("terminated backends", func(t *testing.T) {
		terminateBackends(t, direct)
		tally := newTally(t)
		duringOutage(tally, g, people...)
		tally.check(0) // the pool may reconnect at once: then every answer is a success
	})
	t.Run("cut in the middle of a request", func(t *testing.T) {
		defer proxy.set(proxyOpen)
		written := reflections()
		tally := newTally(t)
		for _, stmt := range []string{`FROM "reflections"`, `INSERT INTO "reflections"`} {
			midRequest.Lock()
			midRequest.on = stmt
			midRequest.Unlock()
			tally.signedIn("read", g.A.Op("MyReflections", map[string]any{"first": 5}))
			proxy.set(proxyOpen)
			midRequest.Lock()
			midRequest.on = stmt
			midRequest.Unlock()
			tally.signedIn("write", g.A.Op("CreateReflection", map[string]any{"input": reflectionInput(g.ID, "PRIVATE", "cut short")}))
			proxy.set(proxyOpen)
		}
		tally.check(3)
		// Every write was cut short and answered UNAVAILABLE: none of them was made.
		if n := reflections(); n != written {
			t.Errorf("%d reflections after writes answered UNAVAILABLE, %d before", n, written)
		}
	})
	afterOutage(t, g.A)
	t.Logf("reflections: %d before the outages, %d after", before, reflections())
}

// faultDriver calls before ahead of every statement (to inject a fault at a chosen one).
type faultDriver struct {
	dialect.Driver
	before func(query string)
}

func (d faultDriver) Exec(ctx context.Context, q string, args, v any) error {
	d.before(q)
	return d.Driver.Exec(ctx, q, args, v)
}

func (d faultDriver) Query(ctx context.Context, q string, args, v any) error {
	d.before(q)
	return d.Driver.Query(ctx, q, args, v)
}

func (d faultDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return faultTx{Tx: tx, before: d.before}, nil
}

type faultTx struct {
	dialect.Tx
	before func(query string)
}

func (t faultTx) Exec(ctx context.Context, q string, args, v any) error {
	t.before(q)
	return t.Tx.Exec(ctx, q, args, v)
}

func (t faultTx) Query(ctx context.Context, q string, args, v any) error {
	t.before(q)
	return t.Tx.Query(ctx, q, args, v)
}

// TestDatabaseOutageOnSQLite: the API's SQLite pool closed under it.
func TestDatabaseOutageOnSQLite(t *testing.T) {
	t.Parallel()
	h := sqliteH(t, withSettings(outageSettings))
	g := h.NewGroup()
	people := []*Client{g.A, g.B, g.Therapist, h.Member("first-time")}
	if err := h.App.SQL().Close(); err != nil {
		t.Fatal(err)
	}
	tally := newTally(t)
	duringOutage(tally, g, people...)
	badTokensRefused(t, h)
	tally.check(3 * (2*len(people) + 3))
}

// TestFirebaseOutage: the Auth emulator fails the lookups of some users (500, 503, a dropped
// connection). A token verified before, still in the cache, keeps working; one that must be
// verified is UNAVAILABLE, never a bad token, and is not charged to the limit of requests
// without a valid token; bad tokens and disabled users are still refused.
func TestFirebaseOutage(t *testing.T) {
	t.Parallel()
	// The Admin SDK retries 503s and dropped connections for seconds; the API waits this long
	// for it (long enough for a lookup that works, on a busy machine).
	timeout := map[string]string{"AUTH_TIMEOUT": "2s"}
	cached := sqliteH(t, withSettings(timeout))
	cg := cached.NewGroup()
	disabled := cached.Member("disabled")
	emu.SetDisabled(disabled.UID, true)
	uncached := sqliteH(t, withSettings(timeout), withSettings(outageSettings), withSettings(map[string]string{"AUTH_CACHE_TTL": "0"}))
	ug := uncached.NewGroup()
	failing := []*Client{cg.A, ug.A, ug.B}
	for _, fault := range []authemu.Fault{authemu.Fail500, authemu.Fail503, authemu.Drop} {
		t.Run(fmt.Sprint("fault ", int(fault)), func(t *testing.T) {
			for _, c := range failing {
				emu.SetFault(c.UID, fault)
			}
			defer func() {
				for _, c := range failing {
					emu.SetFault(c.UID, authemu.NoFault)
				}
			}()
			// Verified a moment ago and remembered: signed in as before.
			cg.A.MustOp("Viewer", nil)
			tally := newTally(t)
			rounds := 4 // more than the anonymous burst of the uncached API (1)
			if fault != authemu.Fail500 {
				rounds = 1 // each waits AUTH_TIMEOUT while the SDK retries
			}
			for i := 0; i < rounds; i++ {
				for _, c := range []*Client{ug.A, ug.B} {
					tally.signedIn("Viewer", c.Op("Viewer", nil))
				}
			}
			tally.check(2 * rounds)
			if tally.counts[""] > 0 {
				t.Errorf("a token was accepted without Firebase")
			}
			if r := disabled.Op("Viewer", nil); r.Code() != "UNAUTHENTICATED" {
				t.Errorf("a disabled user during the outage of others: %s", r.Raw)
			}
			if r := (&Client{h: cached, Token: "not-a-jwt"}).Op("Viewer", nil); r.Code() != "UNAUTHENTICATED" {
				t.Errorf("a malformed token during the outage: %s", r.Raw)
			}
		})
	}
	// The outage is over: the same tokens work, and the address was never charged.
	badTokensRefused(t, uncached)
	ug.A.MustOp("Viewer", nil)
	if !strings.Contains(uncached.Logs.String(), "sign-in unavailable") {
		t.Errorf("the outage left no line in the log")
	}
}

// afterOutage asks as c once the database is back, as the app does: again after an
// UNAVAILABLE (each pooled connection the outage cut fails its next statement once), at
// most as many times as the pool has connections, then it must answer.
func afterOutage(t *testing.T, c *Client) {
	t.Helper()
	for range 21 {
		r := c.Op("Viewer", nil)
		if len(r.Errors) == 0 {
			return
		}
		if code := r.Code(); code != "UNAVAILABLE" {
			t.Fatalf("Viewer after the outage: %s", r.Raw)
		}
	}
	t.Fatal("Viewer after the outage: still UNAVAILABLE after one try per pooled connection")
}
