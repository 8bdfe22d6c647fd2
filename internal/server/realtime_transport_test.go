package server_test

// Real time, the connection: sign-in in connection_init and its close codes, token expiry,
// the limits, several servers on one PostgreSQL, the listening connection lost and found,
// and shutdown.

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	coderws "github.com/coder/websocket"

	"github.com/processgroup/api/internal/firebase/authemu"
	"github.com/processgroup/api/internal/server"
)

// A connection without a token is closed with 4401, one with a bad token with 4403, never
// left hanging; a token in the payload's "Authorization" key (GraphiQL's headers) works too.
func TestLiveSignIn(t *testing.T) {
	t.Parallel()
	h := sqliteH(t)
	a := h.Member("a")
	if code, _ := a.Connect(map[string]any{}).Closed(); code != 4401 {
		t.Fatalf("no token: closed with %d, want 4401", code)
	}
	if code, _ := a.Connect(map[string]any{"authorization": "Bearer not-a-token"}).Closed(); code != 4403 {
		t.Fatalf("bad token: closed with %d, want 4403", code)
	}
	if code, _ := a.Connect(map[string]any{"authorization": a.Token}).Closed(); code != 4401 {
		t.Fatalf("token without Bearer: closed with %d, want 4401", code)
	}
	l := a.Connect(map[string]any{"Authorization": "Bearer " + a.Token})
	if m := l.next(); m.Type != "connection_ack" {
		t.Fatalf("Authorization key: got %s", m.Type)
	}
}

// Only graphql-transport-ws is served: the legacy sub-protocol and none at all are closed
// with 4406; a connection that never sends connection_init is closed with 4408.
func TestLiveProtocol(t *testing.T) {
	t.Parallel()
	h := sqliteH(t, withSettings(map[string]string{"WS_INIT_TIMEOUT": "300ms"}))
	for _, protocols := range [][]string{{"graphql-ws"}, {}} {
		conn, _, err := dialLive(t, h, protocols...)
		if err != nil {
			t.Fatalf("%v: dial: %v", protocols, err)
		}
		_, _, err = conn.Read(context.Background())
		if code := coderws.CloseStatus(err); code != 4406 {
			t.Fatalf("%v: closed with %d (%v), want 4406", protocols, code, err)
		}
	}
	conn, _, err := dialLive(t, h)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	_, _, err = conn.Read(context.Background())
	if code := coderws.CloseStatus(err); code != 4408 {
		t.Fatalf("no connection_init: closed with %d (%v), want 4408", code, err)
	}
}

// A connection whose token expires is closed with 4403 (the app reconnects with a fresh
// token); the expiry is read on the application's clock.
func TestLiveTokenExpiry(t *testing.T) {
	t.Parallel()
	h := sqliteH(t)
	a := h.Member("a")
	tok, err := emu.Token(a.UID, 2*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	short := &Client{h: h, UID: a.UID, Token: tok}
	l := short.Live()
	l.Subscribe("e", "EncouragementLive", nil)
	h.Clock.Advance(3 * time.Minute)
	if code, reason := l.Closed(); code != 4403 || !strings.Contains(reason, "expired") {
		t.Fatalf("expired token: closed with %d %q, want 4403", code, reason)
	}
}

// A member who signs out everywhere loses their open connections too, within AUTH_CACHE_TTL.
func TestLiveSignOutEverywhere(t *testing.T) {
	t.Parallel()
	h := sqliteH(t, withSettings(map[string]string{"AUTH_CACHE_TTL": "1s"}))
	m := h.Member("a")
	// Issued a while ago: a token of the very second of the sign-out is not older than it.
	a := &Client{h: h, UID: m.UID, Token: tokenIssuedAgo(m, 2*time.Second)}
	l := a.Live()
	a.MustRaw(signOutEverywhere, "SignOutEverywhere", nil)
	if code, _ := l.Closed(); code != 4403 {
		t.Fatalf("signed out everywhere: closed with %d, want 4403", code)
	}
}

// Keep-alive: the server pings; a client that stops answering is dropped within two
// intervals, one that answers stays connected. (The interval leaves a loaded machine time
// to answer: at 100 ms an answering client's pong came late under a full parallel suite.)
func TestLiveKeepAlive(t *testing.T) {
	t.Parallel()
	h := sqliteH(t, withSettings(map[string]string{"WS_PING_INTERVAL": "300ms"}))
	g := h.NewGroup()
	b := g.B.Live()
	deaf := g.A.Live()
	deaf.Deaf()
	b.Subscribe("feed", "GroupFeedLive", map[string]any{"groupID": g.ID})
	if code, _ := deaf.Closed(); code == 0 {
		t.Fatal("a client that does not answer pings was closed normally")
	}
	// b, answering, is pinged past the two intervals that dropped the deaf client and is
	// still there. (Pings are counted as b reads them, which a loaded machine may delay.)
	b.AwaitPings(3)
	id := g.Reflect(g.Therapist, "GROUP", "still here")
	if r := b.Data("feed"); r.Str("groupFeedChanged.reflectionID") != id {
		t.Fatalf("after the pings: %s", r.Raw)
	}
}

// Subscriptions are served over websockets only: a subscription POSTed is refused with a
// coded error, not held open.
func TestLiveNotOverPOST(t *testing.T) {
	t.Parallel()
	h := sqliteH(t)
	a := h.Member("a")
	r := a.Raw(operationDocument(t, "EncouragementLive"), "EncouragementLive", nil)
	if r.Code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "graphql-transport-ws") {
		t.Fatalf("subscription over POST: %s", r.Raw)
	}
}

// The limits: subscriptions per connection, connections per member, message size, and the
// same shape limits as queries.
func TestLiveLimits(t *testing.T) {
	t.Parallel()
	h := sqliteH(t, withSettings(map[string]string{
		"WS_MAX_SUBSCRIPTIONS": "2", "WS_MAX_CONNECTIONS_PER_MEMBER": "2", "WS_MAX_MESSAGE_BYTES": "2048", "MAX_QUERY_DEPTH": "4",
	}))
	a := h.Member("a")
	l := a.Live()
	l.Subscribe("1", "EncouragementLive", nil)
	l.Subscribe("2", "EncouragementLive", nil)
	l.Try("3", "EncouragementLive", nil)
	if code := l.Failed("3"); code != "RATE_LIMITED" {
		t.Fatalf("third subscription: %s, want RATE_LIMITED", code)
	}
	// One ends: there is room again.
	l.Stop("1")
	l.Completed("1")
	ctx, cancel := context.WithTimeout(context.Background(), liveWait)
	defer cancel()
	if err := h.App.AwaitLiveSubscriptions(ctx, func(n int) bool { return n == 1 }); err != nil {
		t.Fatal("a stopped subscription still runs")
	}
	l.Subscribe("4", "EncouragementLive", nil)

	// Deeper than MAX_QUERY_DEPTH, as a query would be.
	l.SubscribeRaw("deep", `subscription Deep { encouragementReceived { reflection { author { group { memberships { id } } } } } }`, "Deep", nil)
	if code := l.Failed("deep"); code == "" {
		t.Fatal("a subscription deeper than MAX_QUERY_DEPTH ran")
	}

	a.Live()
	if code, _ := a.Connect(nil).Closed(); code != 4429 {
		t.Fatalf("third connection of a member: closed with %d, want 4429", code)
	}

	l.SubscribeRaw("big", `subscription Big { encouragementReceived { id } }`+strings.Repeat(" ", 4096), "Big", nil)
	if code, _ := l.Closed(); code != 1009 {
		t.Fatalf("a message over WS_MAX_MESSAGE_BYTES: closed with %d, want 1009", code)
	}
}

// On PostgreSQL, an event written through one server reaches a subscriber connected to
// another.
func TestLiveAcrossServers(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		other := h.Another()
		g := h.NewGroup()
		b := (&Client{h: other, UID: g.B.UID, Token: g.B.Token}).Live()
		b.Subscribe("feed", "GroupFeedLive", map[string]any{"groupID": g.ID})
		id := g.Reflect(g.A, "GROUP", "written on the first server")
		if r := b.Data("feed"); r.Str("groupFeedChanged.reflectionID") != id || r.Str("groupFeedChanged.kind") != "ADDED" {
			t.Fatalf("across servers: %s", r.Raw)
		}
	}, onlyPostgres())
}

// The listening connection is terminated (pg_terminate_backend): subscribers are told to
// refetch (RESYNC), the server listens again, and a new subscription gets the next event.
func TestLiveListenerLost(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		b := g.B.Live()
		b.Subscribe("feed", "GroupFeedLive", map[string]any{"groupID": g.ID})
		pid := h.App.LiveListenerBackend()
		var ok bool
		if err := rawDB(t, h).QueryRow(`SELECT pg_terminate_backend($1)`, int(pid)).Scan(&ok); err != nil || !ok {
			t.Fatalf("terminate the listener (%d): %v %v", pid, ok, err)
		}
		if code := b.Failed("feed"); code != "RESYNC" {
			t.Fatalf("listener lost: %s, want RESYNC", code)
		}
		ctx, cancel := context.WithTimeout(context.Background(), liveWait)
		defer cancel()
		if err := h.App.AwaitLiveListening(ctx); err != nil {
			t.Fatal("the server does not listen again")
		}
		if h.App.LiveListenerBackend() == pid {
			t.Fatal("listening again on the terminated backend")
		}
		b.Subscribe("again", "GroupFeedLive", map[string]any{"groupID": g.ID})
		id := g.Reflect(g.A, "GROUP", "after the listener came back")
		if r := b.Data("again"); r.Str("groupFeedChanged.reflectionID") != id {
			t.Fatalf("after reconnecting: %s", r.Raw)
		}
	}, onlyPostgres())
}

// Shutdown closes live connections with 1001 and Serve returns.
func TestLiveShutdown(t *testing.T) {
	t.Parallel()
	h := sqliteH(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.App.Serve(ctx, ln) }()
	served := &H{t: t, App: h.App, URL: "http://" + ln.Addr().String(), Clock: h.Clock}
	a := h.Member("a")
	l := (&Client{h: served, UID: a.UID, Token: a.Token}).Live()
	l.Subscribe("e", "EncouragementLive", nil)
	cancel()
	if code, _ := l.Closed(); code != 1001 {
		t.Fatalf("shutdown: closed with %d, want 1001", code)
	}
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

// Denied attempts over a live connection are audited as each answer is written, not when
// the connection closes (which may be hours later, or never if the server dies).
func TestLiveDenialsAuditedAtOnce(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		other := groupOf(t, g.Stranger, g.ID)
		denied := func() int {
			return countRows(t, h, "SELECT COUNT(*) FROM audit_events WHERE action = 'denied'")
		}
		before := denied()
		l := g.B.Live()
		for _, id := range []string{"probe1", "probe2", "probe3"} {
			l.Try(id, "GroupFeedLive", map[string]any{"groupID": other})
			if code := l.Failed(id); code != "NOT_FOUND" {
				t.Fatalf("%s: %s", id, code)
			}
		}
		h.App.RunFollowUps()
		if n := denied() - before; n != 3 {
			t.Fatalf("%d denials audited while the connection is open, want 3", n)
		}
	}, withServer(server.WithFollowUpsOnDemand()))
}

// Only subscriptions run over a live connection: a query or mutation sent there is refused
// (they go over HTTP, each with a context of its own).
func TestLiveOnlySubscriptions(t *testing.T) {
	t.Parallel()
	h := sqliteH(t)
	g := h.NewGroup()
	id := g.Reflect(g.A, "GROUP", "asked over the socket")
	l := g.B.Live()
	l.SubscribeRaw("q", `query Count($id: ID!) { node(id: $id) { ... on Reflection { encouragementCount } } }`, "Count", map[string]any{"id": id})
	if code := l.Failed("q"); code != "BAD_USER_INPUT" {
		t.Fatalf("a query over the socket: %s", code)
	}
	l.SubscribeRaw("m", `mutation { signOutEverywhere }`, "", nil)
	if code := l.Failed("m"); code != "BAD_USER_INPUT" {
		t.Fatalf("a mutation over the socket: %s", code)
	}
}

// Subscribing twice under one id closes the connection with 4409, as the protocol says; an
// id may be used again once its subscription is over.
func TestLiveSubscriberIDOnce(t *testing.T) {
	t.Parallel()
	h := sqliteH(t)
	a := h.Member("a")
	l := a.Live()
	l.Subscribe("e", "EncouragementLive", nil)
	l.Stop("e")
	l.Completed("e")
	l.Subscribe("e", "EncouragementLive", nil)
	l.Try("e", "EncouragementLive", nil)
	if code, _ := l.Closed(); code != 4409 {
		t.Fatalf("the same id twice: closed with %d, want 4409", code)
	}
}

// A connection whose token cannot be checked for want of Firebase is closed with 1013 (try
// again later), not 4403: nothing was judged about the token, and the app keeps the person
// signed in and connects again.
func TestLiveSignInUnavailable(t *testing.T) {
	t.Parallel()
	h := sqliteH(t, withSettings(map[string]string{"AUTH_CACHE_TTL": "0"}))
	a := h.Member("a")
	emu.SetFault(a.UID, authemu.Fail500)
	code, _ := a.Connect(nil).Closed()
	emu.SetFault(a.UID, authemu.NoFault)
	if code != 1013 {
		t.Fatalf("Firebase failing: closed with %d, want 1013", code)
	}
	a.Live() // and once it answers again, the connection is accepted
}
