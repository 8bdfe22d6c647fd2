package server_test

// A graphql-transport-ws client for the tests of real time (realtime_test.go): it speaks the
// protocol over a real websocket to the API, as the app's graphql-ws client does.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	coderws "github.com/coder/websocket"
)

// liveWait is how long a test waits for a message the server must send.
const liveWait = 15 * time.Second

// wsMsg is one message of the protocol.
type wsMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// Live is a live connection of one client.
type Live struct {
	t    testing.TB
	h    *H
	c    *coderws.Conn
	in   chan wsMsg
	done chan struct{}
	// code and reason are how the server closed the connection.
	mu     sync.Mutex
	code   int
	reason string
	// deaf connections do not answer the server's pings; pings counts those received.
	deaf  bool
	pings int
}

// dialLive opens a websocket to the API of h with the graphql-transport-ws sub-protocol.
func dialLive(t testing.TB, h *H, protocols ...string) (*coderws.Conn, *http.Response, error) {
	t.Helper()
	if protocols == nil {
		protocols = []string{"graphql-transport-ws"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), liveWait)
	defer cancel()
	return coderws.Dial(ctx, "ws"+strings.TrimPrefix(h.URL, "http")+"/graphql", &coderws.DialOptions{Subprotocols: protocols})
}

// Connect opens a live connection as c and sends connection_init with payload (nil: c's
// token as the app sends it); it does not wait for the acknowledgement.
func (c *Client) Connect(payload map[string]any) *Live {
	t := c.h.t
	t.Helper()
	conn, _, err := dialLive(t, c.h)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	conn.SetReadLimit(1 << 20)
	l := &Live{t: t, h: c.h, c: conn, in: make(chan wsMsg, 256), done: make(chan struct{})}
	go l.read()
	t.Cleanup(func() { _ = conn.CloseNow(); <-l.done })
	if payload == nil {
		payload = map[string]any{"authorization": "Bearer " + c.Token}
	}
	l.send(wsMsg{Type: "connection_init", Payload: mustJSON(payload)})
	return l
}

// Pings is the number of pings the server sent so far.
func (l *Live) Pings() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pings
}

// AwaitPings waits until the server has sent at least n pings, and fails the test if it
// has not within liveWait (a loaded machine may run the server's ticker late).
func (l *Live) AwaitPings(n int) {
	l.t.Helper()
	deadline := time.Now().Add(liveWait)
	for l.Pings() < n {
		if time.Now().After(deadline) {
			l.t.Fatalf("%d pings within %v, want %d", l.Pings(), liveWait, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Deaf makes the connection stop answering the server's pings.
func (l *Live) Deaf() {
	l.mu.Lock()
	l.deaf = true
	l.mu.Unlock()
}

// Live opens a live connection as c and waits for the server's acknowledgement.
func (c *Client) Live() *Live {
	c.h.t.Helper()
	l := c.Connect(nil)
	if m := l.next(); m.Type != "connection_ack" {
		c.h.t.Fatalf("connection_init: got %s %s, want connection_ack", m.Type, m.Payload)
	}
	return l
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func (l *Live) read() {
	defer close(l.done)
	defer close(l.in)
	for {
		_, data, err := l.c.Read(context.Background())
		if err != nil {
			var ce coderws.CloseError
			l.mu.Lock()
			if errors.As(err, &ce) {
				l.code, l.reason = int(ce.Code), ce.Reason
			} else {
				l.code = -1
			}
			l.mu.Unlock()
			return
		}
		var m wsMsg
		if err := json.Unmarshal(data, &m); err != nil {
			l.t.Errorf("a message that is not JSON: %.200s", data)
			continue
		}
		if m.Type == "ping" {
			l.mu.Lock()
			l.pings++
			deaf := l.deaf
			l.mu.Unlock()
			if !deaf {
				l.send(wsMsg{Type: "pong"})
			}
			continue
		}
		if m.Type == "pong" {
			continue
		}
		l.in <- m
	}
}

func (l *Live) send(m wsMsg) {
	ctx, cancel := context.WithTimeout(context.Background(), liveWait)
	defer cancel()
	b, _ := json.Marshal(m)
	_ = l.c.Write(ctx, coderws.MessageText, b)
}

// next is the next message from the server; it fails the test if none comes in time or the
// connection closed.
func (l *Live) next() wsMsg {
	l.t.Helper()
	select {
	case m, ok := <-l.in:
		if !ok {
			code, reason := l.closed()
			l.t.Fatalf("the connection closed (%d %q) where a message was expected", code, reason)
		}
		return m
	case <-time.After(liveWait):
		l.t.Fatalf("no message within %v", liveWait)
	}
	return wsMsg{}
}

func (l *Live) closed() (int, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.code, l.reason
}

// Closed waits for the server to close the connection and returns its close code and reason.
// Messages still arriving are skipped.
func (l *Live) Closed() (int, string) {
	l.t.Helper()
	deadline := time.After(liveWait)
	for {
		select {
		case _, ok := <-l.in:
			if !ok {
				return l.closed()
			}
		case <-deadline:
			l.t.Fatalf("the connection is still open after %v", liveWait)
		}
	}
}

// Subscribe starts the app's subscription opName (schema/app-operations) with vars under id,
// and returns once the server runs it (the protocol does not say when; an app refetches
// after subscribing for that reason). The announcements of what the test did before have
// reached the server first: on PostgreSQL they arrive a little later than the commit, and
// one arriving after the subscription started would be a change the test did not mean to
// show it.
func (l *Live) Subscribe(id, opName string, vars map[string]any) {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), liveWait)
	defer cancel()
	if err := l.h.App.SettleLive(ctx); err != nil {
		l.t.Fatalf("announcements before subscription %s did not settle: %v", id, err)
	}
	before := l.h.App.LiveSubscriptions()
	l.Try(id, opName, vars)
	if err := l.h.App.AwaitLiveSubscriptions(ctx, func(n int) bool { return n > before }); err != nil {
		l.t.Fatalf("subscription %s (%s) did not start", id, opName)
	}
}

// Try starts the app's subscription opName without waiting for it to run (one that is to
// be refused).
func (l *Live) Try(id, opName string, vars map[string]any) {
	l.t.Helper()
	l.SubscribeRaw(id, operationDocument(l.t, opName), opName, vars)
}

// SubscribeRaw starts a subscription of any document under id.
func (l *Live) SubscribeRaw(id, query, opName string, vars map[string]any) {
	l.send(wsMsg{ID: id, Type: "subscribe", Payload: mustJSON(map[string]any{"query": query, "operationName": opName, "variables": vars})})
}

// Stop ends subscription id.
func (l *Live) Stop(id string) { l.send(wsMsg{ID: id, Type: "complete"}) }

// Next is the next message of subscription id: its type ("next", "error", "complete") and,
// for "next", the response. A message of another subscription fails the test.
func (l *Live) Next(id string) (string, *Resp) {
	l.t.Helper()
	m := l.next()
	if m.ID != id {
		l.t.Fatalf("a message of %q (%s %s) where one of %q was expected", m.ID, m.Type, m.Payload, id)
	}
	switch m.Type {
	case "next":
		r := &Resp{Raw: string(m.Payload)}
		if err := json.Unmarshal(m.Payload, r); err != nil {
			l.t.Fatalf("next: %v", err)
		}
		return m.Type, r
	case "error":
		r := &Resp{Raw: string(m.Payload)}
		if err := json.Unmarshal(m.Payload, &r.Errors); err != nil {
			l.t.Fatalf("error: %v", err)
		}
		return m.Type, r
	}
	return m.Type, nil
}

// Data is the next message of subscription id, which must be a result without errors.
func (l *Live) Data(id string) *Resp {
	l.t.Helper()
	typ, r := l.Next(id)
	if typ != "next" || len(r.Errors) > 0 {
		raw := ""
		if r != nil {
			raw = r.Raw
		}
		l.t.Fatalf("subscription %s: got %s %s, want data", id, typ, raw)
	}
	return r
}

// Completed fails the test unless the next message of subscription id is complete.
func (l *Live) Completed(id string) {
	l.t.Helper()
	if typ, r := l.Next(id); typ != "complete" {
		raw := ""
		if r != nil {
			raw = r.Raw
		}
		l.t.Fatalf("subscription %s: got %s %s, want complete", id, typ, raw)
	}
}

// Failed is the code of the error that ended subscription id: an error message, or a
// result with errors followed by complete (an error at subscribe, as graphql-ws sends it).
func (l *Live) Failed(id string) string {
	l.t.Helper()
	typ, r := l.Next(id)
	switch {
	case typ == "error":
		return r.Code()
	case typ == "next" && len(r.Errors) > 0:
		l.Completed(id)
		return r.Code()
	}
	l.t.Fatalf("subscription %s: got %s, want an error", id, typ)
	return ""
}
