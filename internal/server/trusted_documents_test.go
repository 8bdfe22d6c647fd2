package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/processgroup/api/internal/graphql/persisted"
)

// post sends body (a GraphQL request as JSON) as c with Accept accept ("" for none).
func (c *Client) post(body map[string]any, accept string) *Resp {
	c.h.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, c.h.URL+"/graphql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	return send(c.h.t, req)
}

// getQuery sends a GET request with the query string q as c.
func (c *Client) getQuery(q url.Values) *Resp {
	c.h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.h.URL+"/graphql?"+q.Encode(), nil)
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	return send(c.h.t, req)
}

// apq is Apollo's extensions.persistedQuery for hash.
func apq(hash string) map[string]any {
	return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
}

// unknownHash names no document.
var unknownHash = strings.Repeat("ab", 32)

// TestTrustedDocuments: in production only the app's trusted documents run, named by
// documentId or by Apollo's persistedQuery hash, over POST, GET and the live connection;
// a raw document or an unknown hash is refused with its code before anything parses it
// (the count of validated documents does not move); a document named by hash runs from
// the pre-validated cache.
func TestTrustedDocuments(t *testing.T) {
	t.Parallel()
	h := sqliteH(t, withSettings(map[string]string{"APP_ENV": "production"}))
	m := h.Member("m")
	viewer := appOperations(t)["Viewer"]
	create := appOperations(t)["CreateGroup"]
	validated := h.App.Validations()

	// Named by hash, both ways, POST and GET: the document runs, and was validated at start.
	for name, r := range map[string]*Resp{
		"documentId POST":     m.post(map[string]any{"documentId": "sha256:" + viewer.ID, "operationName": "Viewer"}, ""),
		"persistedQuery POST": m.post(map[string]any{"extensions": apq(viewer.ID)}, "application/graphql-response+json"),
		"documentId GET":      m.getQuery(url.Values{"documentId": {"sha256:" + viewer.ID}}),
		"persistedQuery GET":  m.getQuery(url.Values{"extensions": {string(mustJSON(apq(viewer.ID)))}}),
		"the trusted text":    m.Op("Viewer", nil),
	} {
		if r.Status != http.StatusOK || len(r.Errors) > 0 || r.Str("viewer.id") == "" {
			t.Errorf("%s: %d %s", name, r.Status, r.Raw)
		}
	}

	// Refused before parsing, with their codes.
	for _, c := range []struct {
		name   string
		r      *Resp
		status int
		code   string
	}{
		{"raw document", m.Raw(`{ viewer { id } }`, "", nil), 200, "PERSISTED_QUERY_REQUIRED"},
		{"raw document, graphql-response+json", m.post(map[string]any{"query": `{ viewer { id } }`}, "application/graphql-response+json"), 400, "PERSISTED_QUERY_REQUIRED"},
		{"raw document GET", m.Get(`{ viewer { id } }`, "", nil), 200, "PERSISTED_QUERY_REQUIRED"},
		{"introspection", m.Raw(`{ __schema { types { name } } }`, "", nil), 200, "PERSISTED_QUERY_REQUIRED"},
		{"unknown documentId", m.post(map[string]any{"documentId": "sha256:" + unknownHash}, ""), 200, "PERSISTED_QUERY_NOT_FOUND"},
		{"unknown persistedQuery", m.post(map[string]any{"extensions": apq(unknownHash)}, ""), 200, "PERSISTED_QUERY_NOT_FOUND"},
		{"unknown hash with its document (no registering in production)", m.post(map[string]any{"query": "{ viewer { id } }", "extensions": apq(persisted.Hash("{ viewer { id } }"))}, ""), 200, "PERSISTED_QUERY_NOT_FOUND"},
		{"a trusted hash with another document", m.post(map[string]any{"query": "{ viewer { id } }", "extensions": apq(viewer.ID)}, ""), 200, "BAD_USER_INPUT"},
		{"malformed documentId", m.post(map[string]any{"documentId": "md5:" + viewer.ID}, ""), 200, "BAD_USER_INPUT"},
		{"persistedQuery version 2", m.post(map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 2, "sha256Hash": viewer.ID}}}, ""), 200, "BAD_USER_INPUT"},
		{"documentId and persistedQuery disagree", m.post(map[string]any{"documentId": "sha256:" + viewer.ID, "extensions": apq(create.ID)}, ""), 200, "BAD_USER_INPUT"},
		{"a mutation by hash over GET", m.getQuery(url.Values{"documentId": {"sha256:" + create.ID}}), 405, "BAD_USER_INPUT"},
	} {
		if c.r.Status != c.status || c.r.Code() != c.code || c.r.Data != nil || strings.Contains(c.r.Raw, `"data"`) {
			t.Errorf("%s: want %d %s without data, got %d %s", c.name, c.status, c.code, c.r.Status, c.r.Raw)
		}
	}
	if n := h.App.Validations() - validated; n != 0 {
		t.Errorf("%d documents were parsed and validated; the trusted ones were validated at start and the rest refused before", n)
	}
	if got := m.post(map[string]any{"extensions": apq(unknownHash)}, ""); got.Errors[0].Message != persisted.NotFoundMessage {
		t.Errorf("unknown hash: message %q, want %q (Apollo's link looks for it)", got.Errors[0].Message, persisted.NotFoundMessage)
	}

	// The live connection: a raw subscription is refused, one by hash runs.
	l := m.Connect(nil)
	if msg := l.next(); msg.Type != "connection_ack" {
		t.Fatalf("connection: %s %s", msg.Type, msg.Payload)
	}
	l.SubscribeRaw("raw", operationDocument(t, "EncouragementLive")+" ", "EncouragementLive", nil)
	if typ, r := l.Next("raw"); (typ != "error" && typ != "next") || r.Code() != "PERSISTED_QUERY_REQUIRED" {
		t.Errorf("raw subscription: %s %s", typ, r.Raw)
	}
	live := appOperations(t)["EncouragementLive"]
	before := h.App.LiveSubscriptions()
	l.send(wsMsg{ID: "hashed", Type: "subscribe", Payload: mustJSON(map[string]any{"operationName": "EncouragementLive", "extensions": apq(live.ID)})})
	ctx, cancel := context.WithTimeout(context.Background(), liveWait)
	defer cancel()
	if err := h.App.AwaitLiveSubscriptions(ctx, func(n int) bool { return n > before }); err != nil {
		t.Errorf("the subscription named by hash did not start")
	}
}

// TestAutomaticPersistedQueries: in development Apollo's PersistedQueryLink works: a hash
// alone is unknown (PersistedQueryNotFound, PERSISTED_QUERY_NOT_FOUND), the document sent
// with its hash is checked and remembered, and the hash alone then runs, over POST and
// GET; a document that is not its hash's is refused and not remembered. Raw documents run.
func TestAutomaticPersistedQueries(t *testing.T) {
	t.Parallel()
	h := sqliteH(t)
	m := h.Member("m")
	doc := "query Me { viewer { id } }"
	hash := persisted.Hash(doc)

	r := m.post(map[string]any{"extensions": apq(hash)}, "")
	if r.Code() != "PERSISTED_QUERY_NOT_FOUND" || r.Errors[0].Message != persisted.NotFoundMessage {
		t.Fatalf("unknown hash: %s", r.Raw)
	}
	if r := m.post(map[string]any{"query": "{ viewer { id } }", "extensions": apq(hash)}, ""); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("another document under the hash: %s", r.Raw)
	}
	if r := m.post(map[string]any{"extensions": apq(hash)}, ""); r.Code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("a mismatched document was remembered: %s", r.Raw)
	}
	if r := m.post(map[string]any{"query": doc, "extensions": apq(hash)}, ""); len(r.Errors) > 0 || r.Str("viewer.id") == "" {
		t.Fatalf("registering: %s", r.Raw)
	}
	for name, r := range map[string]*Resp{
		"POST":       m.post(map[string]any{"extensions": apq(hash)}, ""),
		"GET":        m.getQuery(url.Values{"extensions": {string(mustJSON(apq(hash)))}}),
		"documentId": m.post(map[string]any{"documentId": "sha256:" + hash}, ""),
		"raw":        m.Raw(`{ viewer { id } }`, "", nil),
	} {
		if len(r.Errors) > 0 || r.Str("viewer.id") == "" {
			t.Errorf("%s: %s", name, r.Raw)
		}
	}
}

// TestTransportRefusalsCarryCodes: what is not a GraphQL request the API serves is answered
// with a JSON error carrying extensions.code and a 4xx status, never gqlgen's uncoded
// "transport not supported" or the WebSocket library's text/plain.
func TestTransportRefusalsCarryCodes(t *testing.T) {
	t.Parallel()
	h := sqliteH(t)
	m := h.Member("m")
	request := func(method, contentType string, header map[string]string, body string) *Resp {
		req, _ := http.NewRequest(method, h.URL+"/graphql", strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		req.Header.Set("Authorization", "Bearer "+m.Token)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		return send(t, req)
	}
	for _, c := range []struct {
		name   string
		r      *Resp
		status int
	}{
		{"text/plain body", request("POST", "text/plain", nil, `{"query":"{ viewer { id } }"}`), http.StatusUnsupportedMediaType},
		{"application/graphql body", request("POST", "application/graphql", nil, `{ viewer { id } }`), http.StatusUnsupportedMediaType},
		{"no content type", request("POST", "", nil, `{"query":"{ viewer { id } }"}`), http.StatusUnsupportedMediaType},
		{"not JSON", request("POST", "application/json", nil, `{"query":`), http.StatusBadRequest},
		{"no query", request("POST", "application/json", nil, `{"qeury":"{ viewer { id } }"}`), http.StatusBadRequest},
		{"variables not an object", request("POST", "application/json", nil, `{"query":"{ viewer { id } }","variables":"x"}`), http.StatusBadRequest},
		{"websocket upgrade without a handshake", request("GET", "", map[string]string{"Upgrade": "websocket", "Connection": "Upgrade"}, ""), http.StatusBadRequest},
		{"websocket upgrade over POST", request("POST", "application/json", map[string]string{"Upgrade": "websocket", "Connection": "Upgrade"}, `{}`), http.StatusMethodNotAllowed},
		{"another upgrade", request("POST", "application/json", map[string]string{"Upgrade": "h2c", "Connection": "Upgrade"}, `{}`), http.StatusUpgradeRequired},
		{"PUT", request("PUT", "application/json", nil, `{"query":"{ viewer { id } }"}`), http.StatusMethodNotAllowed},
		{"DELETE", request("DELETE", "", nil, ""), http.StatusMethodNotAllowed},
		{"PATCH", request("PATCH", "application/json", nil, `{}`), http.StatusMethodNotAllowed},
	} {
		if c.r.Status != c.status || c.r.Code() != "BAD_USER_INPUT" || !strings.HasPrefix(c.r.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: want %d BAD_USER_INPUT as JSON, got %d %s %s", c.name, c.status, c.r.Status, c.r.Header.Get("Content-Type"), c.r.Raw)
		}
	}
	for _, path := range []string{"/graphql/", "/graphql/x"} {
		req, _ := http.NewRequest(http.MethodPost, h.URL+path, strings.NewReader(`{"query":"{ viewer { id } }"}`))
		req.Header.Set("Content-Type", "application/json")
		if r := send(t, req); r.Status != http.StatusNotFound || r.Code() != "NOT_FOUND" {
			t.Errorf("POST %s: %d %s, want 404 NOT_FOUND", path, r.Status, r.Raw)
		}
	}
}

// In production a GET request's raw document is never parsed, not even to tell a mutation
// from a query, whoever sends it (a member, with a trusted hash beside it, or a stranger
// claiming a websocket): it is refused as any raw document is, without a data entry.
func TestTrustedDocumentsGETNeverParsesRaw(t *testing.T) {
	t.Parallel()
	h := sqliteH(t, withSettings(map[string]string{"APP_ENV": "production"}))
	m := h.Member("m")
	viewer := appOperations(t)["Viewer"]
	arbitrary := `mutation Anything { notAField(x: 1) { y } }`
	for _, c := range []struct {
		name   string
		token  string
		q      url.Values
		header map[string]string
		want   string
	}{
		{"a raw mutation", m.Token, url.Values{"query": {arbitrary}}, nil, "PERSISTED_QUERY_REQUIRED"},
		{"a trusted documentId and a raw query", m.Token, url.Values{"documentId": {"sha256:" + viewer.ID}, "query": {arbitrary}}, nil, "BAD_USER_INPUT"},
		{"a trusted hash and a raw query", m.Token, url.Values{"extensions": {string(mustJSON(apq(viewer.ID)))}, "query": {arbitrary}}, nil, "BAD_USER_INPUT"},
		{"a stranger claiming a websocket", "", url.Values{"query": {arbitrary}}, map[string]string{"Upgrade": "websocket", "Connection": "Upgrade"}, "BAD_USER_INPUT"},
	} {
		req, _ := http.NewRequest(http.MethodGet, h.URL+"/graphql?"+c.q.Encode(), nil)
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		for k, v := range c.header {
			req.Header.Set(k, v)
		}
		r := send(t, req)
		if r.Code() != c.want || strings.Contains(r.Raw, "only queries") || strings.Contains(r.Raw, `"data"`) {
			t.Errorf("%s: %d %s, want %s without data, the document unread", c.name, r.Status, r.Raw, c.want)
		}
	}
}

// Automatic Persisted Queries remember a document only once its request passed every check
// before parsing: not a stranger's, not one over the token limit or a member's budget of
// new documents, and not one over persisted.MaxRegisteredBytes (which still runs).
func TestAPQRemembersOnlyAcceptedDocuments(t *testing.T) {
	t.Parallel()
	h := sqliteH(t, withSettings(map[string]string{"RATE_DOCUMENTS_PER_MINUTE": "3"}))
	m := h.Member("m")
	remembered := func(doc string) bool {
		return m.post(map[string]any{"extensions": apq(persisted.Hash(doc))}, "").Code() != "PERSISTED_QUERY_NOT_FOUND"
	}
	// The budget of new documents (one at once) goes to this one, which runs.
	large := "#" + strings.Repeat("x", persisted.MaxRegisteredBytes) + "\nquery Large { viewer { id } }"
	if r := m.post(map[string]any{"query": large, "extensions": apq(persisted.Hash(large))}, ""); len(r.Errors) > 0 {
		t.Fatalf("a large document with few tokens: %.200s", r.Raw)
	}
	if remembered(large) {
		t.Error("a document over MaxRegisteredBytes was remembered")
	}
	stranger := "query StrangerStored { viewer { id } }"
	if r := h.Anonymous().post(map[string]any{"query": stranger, "extensions": apq(persisted.Hash(stranger))}, ""); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("a stranger's registration: %s", r.Raw)
	}
	if remembered(stranger) {
		t.Error("a stranger's refused document was remembered")
	}
	tooMany := "query TooBig { " + strings.Repeat("__typename ", 6000) + "}"
	if r := m.post(map[string]any{"query": tooMany, "extensions": apq(persisted.Hash(tooMany))}, ""); r.Code() == "" {
		t.Fatalf("a document over the token limit ran: %.200s", r.Raw)
	}
	if remembered(tooMany) {
		t.Error("a document refused for its size was remembered")
	}
	var limited string
	for i := 0; limited == "" && i < 3; i++ {
		doc := "query Budget" + strings.Repeat("a", i+1) + " { viewer { id } }"
		if r := m.post(map[string]any{"query": doc, "extensions": apq(persisted.Hash(doc))}, ""); r.Code() == "RATE_LIMITED" {
			limited = doc
		}
	}
	if limited == "" {
		t.Fatal("the budget of new documents never refused")
	}
	if remembered(limited) {
		t.Error("a document refused RATE_LIMITED was remembered")
	}
}
