package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/processgroup/api/internal/graphql/persisted"
	"github.com/processgroup/api/internal/platform/apperr"
)

// Media types of GraphQL over HTTP.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// httpTransport serves GraphQL over HTTP (GET and POST) as the GraphQL over HTTP spec
// says, where gqlgen's own transports do not:
//   - a request error (a document that does not parse or validate, variables that do not
//     coerce, a refused document) is answered with no data entry: 200 with
//     application/json, 4xx with application/graphql-response+json (requestErrorStatus);
//   - a request with neither a query, nor a documentId, nor extensions.persistedQuery is
//     answered 400;
//   - a body that is not a GraphQL request, and a content type other than JSON, are
//     answered 400 and 415 with an error carrying extensions.code;
//   - documentId (persisted documents, "sha256:<hex>") is read from the body and the query
//     string and handed to the persisted-documents gate;
//   - GET runs queries only, also those named by hash (405 otherwise).
type httpTransport struct{}

var _ graphql.Transport = httpTransport{}

// Supports implements graphql.Transport.
func (httpTransport) Supports(r *http.Request) bool {
	return r.Header.Get("Upgrade") == "" && (r.Method == http.MethodGet || r.Method == http.MethodPost)
}

// request is a GraphQL request as GET and POST carry it.
type request struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
	Extensions    map[string]any `json:"extensions"`
	DocumentID    string         `json:"documentId"`
}

// Do implements graphql.Transport.
func (httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	media := responseMedia(r.Header.Get("Accept"))
	start := graphql.Now()
	var req request
	if r.Method == http.MethodPost {
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != mediaJSON {
			refuse(w, http.StatusUnsupportedMediaType, apperr.BadUserInput, "send a GraphQL request as application/json")
			return
		}
		body, err := io.ReadAll(r.Body)
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			refuse(w, http.StatusRequestEntityTooLarge, apperr.BadUserInput, "the request body is too large")
			return
		case err != nil:
			refuse(w, http.StatusBadRequest, apperr.BadUserInput, "the request body could not be read")
			return
		}
		if decode(body, &req) != nil {
			refuse(w, http.StatusBadRequest, apperr.BadUserInput, "the request is not a valid GraphQL request (a JSON object with a query, at most 1 MiB)")
			return
		}
	} else {
		// checkGET has refused a malformed query string and variables or extensions that
		// are not JSON.
		q, _ := url.ParseQuery(r.URL.RawQuery)
		req.Query, req.OperationName, req.DocumentID = q.Get("query"), q.Get("operationName"), q.Get("documentId")
		for name, dst := range map[string]*map[string]any{"variables": &req.Variables, "extensions": &req.Extensions} {
			if v := q.Get(name); v != "" && decode([]byte(v), dst) != nil {
				refuse(w, http.StatusBadRequest, apperr.BadUserInput, name+" must be a JSON object")
				return
			}
		}
	}
	if req.Query == "" && req.DocumentID == "" && req.Extensions["persistedQuery"] == nil {
		refuse(w, http.StatusBadRequest, apperr.BadUserInput, "send a query, a documentId or extensions.persistedQuery")
		return
	}
	params := &graphql.RawParams{
		Query:         req.Query,
		OperationName: req.OperationName,
		Variables:     req.Variables,
		Extensions:    req.Extensions,
		Headers:       r.Header,
		ReadTime:      graphql.TraceTiming{Start: start, End: graphql.Now()},
	}
	if req.DocumentID != "" {
		ctx = persisted.WithDocumentID(ctx, req.DocumentID)
	}
	oc, errs := exec.CreateOperationContext(ctx, params)
	// A mutation over GET is refused as such, also when its variables did not coerce (the
	// operation is known by then).
	if r.Method == http.MethodGet && oc != nil && oc.Operation != nil && oc.Operation.Operation != ast.Query {
		w.Header().Set("Allow", http.MethodPost)
		refuse(w, http.StatusMethodNotAllowed, apperr.BadUserInput, "only queries may be sent with GET; send "+string(oc.Operation.Operation)+"s with POST")
		return
	}
	if errs != nil {
		// A request error: nothing ran, and the response has no data entry.
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs)
		status := requestErrorStatus(media, resp.Errors)
		writeResponse(w, status, media, struct {
			Errors     gqlerror.List  `json:"errors"`
			Extensions map[string]any `json:"extensions,omitempty"`
		}{resp.Errors, resp.Extensions})
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	writeResponse(w, http.StatusOK, media, responses(ctx))
}

// requestErrorStatus is the status of a response to a request that failed before it ran:
// 200 with application/json; 400 with application/graphql-response+json, whose responses
// without data MUST have a 4xx or 5xx status (also for UNAUTHENTICATED: a stranger's
// document is refused unread, so whether it would parse is not known), except RATE_LIMITED,
// which statusWriter answers 429 with Retry-After (as it answers UNAVAILABLE 503).
func requestErrorStatus(media string, errs gqlerror.List) int {
	if media != mediaGraphQLResponse {
		return http.StatusOK
	}
	for _, e := range errs {
		if e.Extensions["code"] == string(apperr.RateLimited) {
			return http.StatusOK
		}
	}
	return http.StatusBadRequest
}

// decode reads JSON into v, numbers kept exact (as gqlgen's transports read them).
func decode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

// responseMedia is the media type of the answer to a request that accepts accept:
// application/json when it accepts that (or anything, or says nothing), else
// application/graphql-response+json.
func responseMedia(accept string) string {
	if strings.TrimSpace(accept) == "" {
		return mediaJSON
	}
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case mediaJSON, "*/*", "application/*":
			return mediaJSON
		case mediaGraphQLResponse:
			return mediaGraphQLResponse
		}
	}
	return mediaGraphQLResponse
}

// writeResponse writes v as the JSON body of a response with status and media type. The
// status is written after the response was made, so that what it marked (RATE_LIMITED,
// UNAVAILABLE) decides it (statusWriter).
func writeResponse(w http.ResponseWriter, status int, media string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(map[string]any{"errors": gqlerror.List{{Message: "internal error", Extensions: map[string]any{"code": string(apperr.Internal)}}}})
	}
	w.Header().Set("Content-Type", media)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// refuse answers a request that is not one this API serves with status and a coded error,
// as a GraphQL response without data; the message never echoes what was sent.
func refuse(w http.ResponseWriter, status int, code apperr.Code, msg string) {
	writeResponse(w, status, mediaJSON, map[string]any{
		"errors": gqlerror.List{{Message: msg, Extensions: map[string]any{"code": string(code)}}},
	})
}

// unsupportedTransport answers what no other transport serves (a method or an upgrade
// the API does not speak) with a coded error, instead of gqlgen's uncoded "transport not
// supported". Add it last.
type unsupportedTransport struct{}

// Supports implements graphql.Transport.
func (unsupportedTransport) Supports(*http.Request) bool { return true }

// Do implements graphql.Transport.
func (unsupportedTransport) Do(w http.ResponseWriter, r *http.Request, _ graphql.GraphExecutor) {
	refuse(w, http.StatusBadRequest, apperr.BadUserInput,
		"send GraphQL requests with GET or POST (application/json), or subscribe over a graphql-transport-ws WebSocket")
}

// websocketOnly is the websocket transport, whose failed handshakes (a request that asks
// for an upgrade but is not a valid WebSocket handshake) are answered with a coded JSON
// error instead of the WebSocket library's text/plain.
type websocketOnly struct {
	graphql.Transport
}

// Do implements graphql.Transport.
func (t websocketOnly) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	t.Transport.Do(&handshakeWriter{ResponseWriter: w}, r, exec)
}

// handshakeWriter turns the refusal of a WebSocket handshake into a coded error; a
// successful handshake (101, then a hijacked connection) passes through.
type handshakeWriter struct {
	http.ResponseWriter
	refused bool
}

// WriteHeader implements http.ResponseWriter.
func (h *handshakeWriter) WriteHeader(status int) {
	if h.refused {
		return
	}
	if status >= 400 {
		h.refused = true
		refuse(h.ResponseWriter, status, apperr.BadUserInput,
			"not a valid WebSocket handshake: subscribe with GET, Connection: Upgrade, Upgrade: websocket, Sec-WebSocket-Version: 13 and the graphql-transport-ws sub-protocol")
		return
	}
	h.ResponseWriter.WriteHeader(status)
}

// Write implements http.ResponseWriter.
func (h *handshakeWriter) Write(b []byte) (int, error) {
	if h.refused {
		return len(b), nil
	}
	return h.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection to hijack.
func (h *handshakeWriter) Unwrap() http.ResponseWriter { return h.ResponseWriter }
