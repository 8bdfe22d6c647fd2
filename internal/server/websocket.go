package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/processgroup/api/internal/firebase/auth"
	"github.com/processgroup/api/internal/graphql/loader"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/rule"
	"github.com/processgroup/api/internal/viewer"
)

// Real time is served over the graphql-transport-ws protocol (the graphql-ws library's) at
// /graphql, by gqlgen's websocket transport. What this file adds around it:
//   - sign-in from connection_init's payload ({"authorization": "Bearer <ID token>"}); a
//     missing token closes with 4401, a bad one with 4403, an outage with 1013 (try again);
//   - a connection whose token expires, or whose member signs out everywhere or is deleted,
//     is closed with 4403 (the app reconnects with a fresh token);
//   - limits: connections per member, subscriptions per connection, message size, a write
//     timeout for readers that stopped reading (each subscription's buffer is bounded in
//     internal/notify/bus);
//   - each event is resolved in a context of its own: the viewer's memberships and the
//     loaders are read afresh, never carried from the subscription's start;
//   - shutdown closes every socket with 1001 after the message being written.

// The protocol's close codes (graphql-ws) and the WebSocket ones used here.
const (
	closeGoingAway        = 1001
	closeTryAgainLater    = 1013
	closeUnauthorized     = 4401
	closeForbidden        = 4403
	closeSubprotocol      = 4406
	closeInitTimeout      = 4408
	closeTooManyRequests  = 4429
	closeSubscriberExists = 4409
)

// transportWS is the one sub-protocol served.
const transportWS = "graphql-transport-ws"

// socket is one websocket connection: who signed in on it and how it is to be closed.
type socket struct {
	mu     sync.Mutex
	code   int
	reason string
	cancel context.CancelFunc
	user   int
	// subscriptions counts the subscriptions running on it.
	subscriptions atomic.Int32
}

// closeWith closes the socket with code and reason (the first call wins).
func (s *socket) closeWith(code int, reason string) {
	s.mu.Lock()
	if s.code == 0 {
		s.code, s.reason = code, reason
	}
	cancel := s.cancel
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// closing is the code and reason the socket closes with instead of gqlgen's.
func (s *socket) closing(code int, reason string) (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.code != 0:
		return s.code, s.reason
	case code == transport.WebsocketCloseProtocolError && strings.Contains(reason, "initialisation timeout"):
		return closeInitTimeout, "Connection initialisation timeout"
	case code == transport.WebsocketCloseProtocolError && strings.Contains(reason, "subprotocol"):
		return closeSubprotocol, "Subprotocol not acceptable: use " + transportWS
	}
	return code, reason
}

type socketKey struct{}

func socketOf(ctx context.Context) *socket {
	s, _ := ctx.Value(socketKey{}).(*socket)
	return s
}

// sockets are the open websocket connections of the server.
type sockets struct {
	mu     sync.Mutex
	open   map[*socket]struct{}
	byUser map[int]int
	wg     sync.WaitGroup
	closed bool
}

func newSockets() *sockets {
	return &sockets{open: map[*socket]struct{}{}, byUser: map[int]int{}}
}

// claim counts a signed-in connection of user; false when they have max already.
func (ss *sockets) claim(s *socket, user, max int) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.byUser[user] >= max {
		return false
	}
	ss.byUser[user]++
	s.user = user
	return true
}

func (ss *sockets) add(s *socket) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed {
		return false
	}
	ss.open[s] = struct{}{}
	ss.wg.Add(1)
	return true
}

func (ss *sockets) remove(s *socket) {
	ss.mu.Lock()
	delete(ss.open, s)
	if s.user != 0 {
		if ss.byUser[s.user]--; ss.byUser[s.user] <= 0 {
			delete(ss.byUser, s.user)
		}
	}
	ss.mu.Unlock()
	ss.wg.Done()
}

// Len is the number of open connections.
func (ss *sockets) Len() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return len(ss.open)
}

// shutdown closes every connection with 1001 and waits, until ctx ends, for them to close.
func (ss *sockets) shutdown(ctx context.Context) {
	ss.mu.Lock()
	ss.closed = true
	open := make([]*socket, 0, len(ss.open))
	for s := range ss.open {
		open = append(open, s)
	}
	ss.mu.Unlock()
	for _, s := range open {
		s.closeWith(closeGoingAway, "server shutting down: reconnect")
	}
	done := make(chan struct{})
	go func() { ss.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// isUpgrade tells a websocket handshake.
func isUpgrade(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// websocketTransport is gqlgen's websocket transport as this server runs it.
func (a *App) websocketTransport() transport.Websocket {
	limit := a.cfg.WSMaxMessageBytes
	return transport.Websocket{
		Implementation:   acceptor{writeTimeout: a.cfg.WSWriteTimeout},
		InitFunc:         a.initSocket,
		InitTimeout:      a.cfg.WSInitTimeout,
		PingPongInterval: a.cfg.WSPingInterval,
		PayloadReadLimit: &limit,
		ErrorFunc: func(ctx context.Context, err error) {
			a.log.DebugContext(ctx, "websocket", "error", err.Error())
		},
	}
}

// sockets registers each websocket connection for its lifetime (connection counts, shutdown).
func (a *App) socketsAround(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isUpgrade(r) {
			next.ServeHTTP(w, r)
			return
		}
		s := &socket{}
		if !a.sockets.add(s) {
			writeError(w, r, apperr.Unavailable, "the server is shutting down: connect again", map[string]any{"retryAfter": 1})
			return
		}
		defer a.sockets.remove(s)
		// What follows each answer on the socket (the audit of denials) runs once that
		// answer is written, not when the connection ends.
		if ex := exchangeOf(r.Context()); ex != nil {
			ex.mu.Lock()
			ex.direct = a.followUps.add
			ex.mu.Unlock()
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), socketKey{}, s)))
	})
}

// initSocket signs in the connection from connection_init's payload.
func (a *App) initSocket(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	s := socketOf(ctx)
	if s == nil {
		return transport.WithWebsocketCloseCode(ctx, closeForbidden), nil, errors.New("Forbidden")
	}
	token, ok := bearer(payload.Authorization())
	if !ok {
		return transport.WithWebsocketCloseCode(ctx, closeUnauthorized), nil, errors.New(`Unauthorized: send {"authorization": "Bearer <Firebase ID token>"} in connection_init`)
	}
	v, expires, err := a.signIn(ctx, token)
	switch {
	case errors.Is(err, errSignInUnavailable):
		a.log.WarnContext(ctx, "websocket sign-in unavailable", "error", err.Error())
		return transport.WithWebsocketCloseCode(ctx, closeTryAgainLater), nil, errors.New("the service cannot check your sign-in right now: connect again")
	case err != nil:
		return transport.WithWebsocketCloseCode(ctx, closeForbidden), nil, errors.New("Forbidden: the Firebase ID token is missing, expired or not valid for this project")
	}
	if !a.sockets.claim(s, v.UserID, a.cfg.WSMaxConnectionsPerMember) {
		a.metrics.rateLimited.WithLabelValues("live_connections").Inc()
		return transport.WithWebsocketCloseCode(ctx, closeTooManyRequests), nil, errors.New("too many live connections for this member: close one first")
	}
	ctx, cancel := context.WithCancel(viewer.NewContext(ctx, v))
	s.mu.Lock()
	s.cancel = cancel
	s.mu.Unlock()
	go a.watchSocket(ctx, s, token, expires)
	return ctx, nil, nil
}

// watchSocket closes the connection when its token expires (checked every second on the
// application's clock), and when its member may no longer sign in with it (signed out
// everywhere, deleted: checked as often as a token is trusted, AUTH_CACHE_TTL).
func (a *App) watchSocket(ctx context.Context, s *socket, token string, expires time.Time) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	every := a.cfg.AuthCacheTTL
	if every <= 0 {
		every = time.Minute
	}
	checked := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if !a.clock.Now().Before(expires) {
			s.closeWith(closeForbidden, "Forbidden: the token expired; connect again with a fresh one")
			return
		}
		if time.Since(checked) < every {
			continue
		}
		checked = time.Now()
		if _, _, err := a.signIn(ctx, token); err != nil && errors.Is(err, auth.ErrUnauthenticated) {
			s.closeWith(closeForbidden, "Forbidden: signed out")
			return
		}
	}
}

// subscriptionLimits serves subscriptions over websockets only, and nothing else over them
// (queries and mutations go over HTTP, with a context per request), at most
// WS_MAX_SUBSCRIPTIONS at once on a connection.
func (a *App) subscriptionLimits(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	s := socketOf(ctx)
	if oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
		if s != nil && oc.Operation != nil {
			return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
				Message:    "only subscriptions are served over the websocket: send queries and mutations over HTTP to /graphql",
				Extensions: map[string]any{"code": string(apperr.BadUserInput)},
			}}})
		}
		return next(ctx)
	}
	if s == nil {
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
			Message:    "subscriptions are served over graphql-transport-ws: open a websocket to /graphql",
			Extensions: map[string]any{"code": string(apperr.BadUserInput)},
		}}})
	}
	if int(s.subscriptions.Add(1)) > a.cfg.WSMaxSubscriptions {
		s.subscriptions.Add(-1)
		a.metrics.rateLimited.WithLabelValues("subscriptions").Inc()
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
			Message:    "at most " + strconv.Itoa(a.cfg.WSMaxSubscriptions) + " subscriptions at once on one connection",
			Extensions: map[string]any{"code": string(apperr.RateLimited)},
		}}})
	}
	context.AfterFunc(ctx, func() { s.subscriptions.Add(-1) })
	return next(ctx)
}

// freshEvent resolves each event of a subscription in a context of its own: the viewer's
// memberships and the request loaders are read again for it, never kept from the start of
// the subscription (a membership ended meanwhile must not count).
func (a *App) freshEvent(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Subscription {
		ctx = rule.WithScope(loader.NewContext(ctx, loader.NewReflections(a.client)), a.client)
	}
	return next(ctx)
}

// acceptor accepts websocket connections with coder/websocket for gqlgen's transport: the
// graphql-transport-ws sub-protocol only, no HTTP server deadlines left on the hijacked
// connection, and writes that give up after writeTimeout.
type acceptor struct {
	writeTimeout time.Duration
}

// Accept implements transport.WebsocketImplementation.
func (ac acceptor) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	for k, vs := range opts.ResponseHeader {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	c, err := coderws.Accept(noDeadlines{w}, r, &coderws.AcceptOptions{Subprotocols: []string{transportWS}})
	if err != nil {
		return nil, err
	}
	return &wsConn{conn: c, sock: socketOf(r.Context()), writeTimeout: ac.writeTimeout}, nil
}

// noDeadlines hijacks without the HTTP server's read and write deadlines, which would end
// a long-lived connection.
type noDeadlines struct{ http.ResponseWriter }

// Hijack implements http.Hijacker.
func (n noDeadlines) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(n.ResponseWriter).Hijack()
	if err == nil {
		_ = c.SetDeadline(time.Time{})
	}
	return c, rw, err
}

// wsConn is a coder/websocket connection as gqlgen's transport uses it.
type wsConn struct {
	conn         *coderws.Conn
	sock         *socket
	writeTimeout time.Duration

	mu        sync.Mutex
	deadline  *time.Timer
	closing   chan struct{}
	closeOnce sync.Once
	// active are the ids of the subscriptions running: the protocol closes a connection
	// that subscribes twice under one id (4409), which gqlgen does not check.
	active map[string]bool
}

// envelope is the part of a protocol message the connection reads.
type envelope struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// Subprotocol implements transport.WebsocketConn: anything but graphql-transport-ws is
// reported as unsupported, and gqlgen closes the connection (4406).
func (c *wsConn) Subprotocol() string {
	if p := c.conn.Subprotocol(); p == transportWS {
		return p
	}
	return "unsupported"
}

// NextReader implements transport.WebsocketConn.
func (c *wsConn) NextReader() (int, io.Reader, error) {
	t, data, err := c.conn.Read(context.Background())
	if err != nil {
		switch coderws.CloseStatus(err) {
		case coderws.StatusNormalClosure, coderws.StatusNoStatusRcvd, coderws.StatusGoingAway:
			return int(t), nil, transport.ErrWebsocketClosed
		}
		return int(t), nil, err
	}
	var m envelope
	if json.Unmarshal(data, &m) == nil && m.ID != "" {
		c.mu.Lock()
		if c.active == nil {
			c.active = map[string]bool{}
		}
		dup := m.Type == "subscribe" && c.active[m.ID]
		switch m.Type {
		case "subscribe":
			c.active[m.ID] = true
		case "complete":
			delete(c.active, m.ID)
		}
		c.mu.Unlock()
		if dup {
			if c.sock != nil {
				c.sock.closeWith(closeSubscriberExists, "Subscriber for "+m.ID+" already exists")
			}
			_ = c.WriteClose(closeSubscriberExists, "Subscriber for "+m.ID+" already exists")
			return int(t), nil, transport.ErrWebsocketClosed
		}
	}
	return int(t), bytes.NewReader(data), nil
}

// WriteJSON implements transport.WebsocketConn; a reader that does not take the message
// within the write timeout is disconnected.
func (c *wsConn) WriteJSON(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var m envelope
	if json.Unmarshal(data, &m) == nil && m.ID != "" && (m.Type == "complete" || m.Type == "error") {
		c.mu.Lock()
		delete(c.active, m.ID)
		c.mu.Unlock()
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.writeTimeout)
	defer cancel()
	return c.conn.Write(ctx, coderws.MessageText, data)
}

// WriteClose implements transport.WebsocketConn, with the close code the socket calls for
// (the handshake runs in the background, as gqlgen's own adapter does).
func (c *wsConn) WriteClose(code int, reason string) error {
	c.stopDeadline()
	if c.sock != nil {
		code, reason = c.sock.closing(code, reason)
	}
	c.closeOnce.Do(func() {
		done := make(chan struct{})
		c.mu.Lock()
		c.closing = done
		c.mu.Unlock()
		go func() {
			defer close(done)
			_ = c.conn.Close(coderws.StatusCode(code), reason)
		}()
	})
	return nil
}

// Close implements transport.WebsocketConn.
func (c *wsConn) Close() error {
	c.stopDeadline()
	c.mu.Lock()
	closing := c.closing
	c.mu.Unlock()
	if closing != nil {
		return nil // the close handshake owns the connection
	}
	return c.conn.CloseNow()
}

// SetReadLimit implements transport.WebsocketReadLimiter.
func (c *wsConn) SetReadLimit(n int64) { c.conn.SetReadLimit(n) }

// SetReadDeadline implements transport.WebsocketReadDeadliner (the ping's pong deadline).
func (c *wsConn) SetReadDeadline(t time.Time) error {
	c.stopDeadline()
	if t.IsZero() {
		return nil
	}
	c.mu.Lock()
	c.deadline = time.AfterFunc(time.Until(t), func() { _ = c.conn.CloseNow() })
	c.mu.Unlock()
	return nil
}

func (c *wsConn) stopDeadline() {
	c.mu.Lock()
	if c.deadline != nil {
		c.deadline.Stop()
		c.deadline = nil
	}
	c.mu.Unlock()
}
