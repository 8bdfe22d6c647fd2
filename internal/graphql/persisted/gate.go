package persisted

import (
	"context"
	"errors"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/processgroup/api/internal/platform/apperr"
)

// NotFoundMessage is the message of an unknown hash: the one Apollo's PersistedQueryLink
// looks for before it sends the document with its hash.
const NotFoundMessage = "PersistedQueryNotFound"

// Gate is a gqlgen extension that runs before any other OperationParameterMutator (add it
// with srv.Use before limits.Gate): it resolves a document named by hash and decides
// whether a document may run at all, before anything parses it.
//
// A request names a document by documentId ("sha256:<hex>", the GraphQL over HTTP
// persisted-documents proposal; the transport passes it with WithDocumentID) or by
// extensions.persistedQuery {"version": 1, "sha256Hash": "<hex>"} (Apollo). Then:
//
//   - a document of the Manifest runs (sent with its hash or not: a document sent with it
//     must be that document);
//   - with an APQ cache (Automatic Persisted Queries: development, or raw documents
//     allowed), a hash sent alone is looked up there, and a document sent with its hash is
//     checked against it and remembered; an unknown hash answers PersistedQueryNotFound,
//     PERSISTED_QUERY_NOT_FOUND, and the client sends the document with the hash;
//   - without one (production), any other hash is refused with PERSISTED_QUERY_NOT_FOUND.
//
// A document sent whole, without a hash, runs only when AllowRaw; otherwise it is refused
// with PERSISTED_QUERY_REQUIRED unless it is, to the byte, a document of the Manifest.
type Gate struct {
	// Manifest holds the trusted documents.
	Manifest *Manifest
	// APQ remembers the documents clients registered by hash; nil turns Automatic Persisted
	// Queries off (only the Manifest's hashes are known).
	APQ graphql.Cache[string]
	// AllowRaw lets documents sent whole run.
	AllowRaw bool
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = &Gate{}

// ExtensionName implements graphql.HandlerExtension.
func (g *Gate) ExtensionName() string { return "PersistedDocuments" }

// Validate implements graphql.HandlerExtension.
func (g *Gate) Validate(graphql.ExecutableSchema) error {
	if g.Manifest == nil {
		return errors.New("persisted: a Gate needs a Manifest")
	}
	return nil
}

type documentIDKey struct{}

// WithDocumentID passes a request's documentId to the Gate (the HTTP transport calls it).
func WithDocumentID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, documentIDKey{}, id)
}

// MutateOperationParameters implements graphql.OperationParameterMutator.
func (g *Gate) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	hash, named, gerr := requestedHash(ctx, params)
	if gerr != nil {
		return gerr
	}
	if !named {
		if params.Query == "" || g.AllowRaw {
			return nil // gqlgen answers a request without a document
		}
		// SECURITY: in production nothing but a trusted document is parsed.
		if _, ok := g.Manifest.Lookup(Hash(params.Query)); ok {
			return nil
		}
		return refusal(apperr.PersistedQueryRequired,
			"only the app's trusted documents run here: send a documentId (sha256:<hash>) from the server's manifest")
	}
	if op, ok := g.Manifest.Lookup(hash); ok {
		if params.Query != "" && params.Query != op.Body {
			return mismatch()
		}
		params.Query = op.Body
		return nil
	}
	if g.APQ == nil {
		// SECURITY: no document outside the manifest, named or sent with a hash.
		msg := NotFoundMessage
		if params.Query != "" {
			msg = "this document is not one of the app's trusted documents"
		}
		return refusal(apperr.PersistedQueryNotFound, msg)
	}
	if params.Query == "" {
		doc, ok := g.APQ.Get(ctx, hash)
		if !ok {
			return refusal(apperr.PersistedQueryNotFound, NotFoundMessage)
		}
		params.Query = doc
		return nil
	}
	if Hash(params.Query) != hash {
		return mismatch()
	}
	// Remembered only once the request has passed every check before parsing (Registrar,
	// after limits.Gate): not for a stranger, nor past a member's budget of new documents.
	if params.Extensions == nil {
		params.Extensions = map[string]any{}
	}
	params.Extensions[registrationKey] = &registration{hash: hash, doc: params.Query}
	return nil
}

// registrationKey holds, in a request's extensions, the document it registers by hash. Its
// value is a *registration, which no JSON decodes to: a client cannot forge one.
const registrationKey = "persisted.registration"

type registration struct{ hash, doc string }

// MaxRegisteredBytes is the largest document Automatic Persisted Queries remember (it still
// runs; the app's largest is a few KB): the cache's memory stays bounded by APQ_CACHE_SIZE
// times this.
const MaxRegisteredBytes = 64 << 10

// Registrar remembers the documents the Gate accepted with their hash: add it with srv.Use
// after limits.Gate, so that only a request that passed every check before parsing
// registers its document.
func (g *Gate) Registrar() graphql.HandlerExtension { return registrar{g} }

type registrar struct{ g *Gate }

// ExtensionName implements graphql.HandlerExtension.
func (r registrar) ExtensionName() string { return "PersistedDocumentsRegistrar" }

// Validate implements graphql.HandlerExtension.
func (r registrar) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters implements graphql.OperationParameterMutator.
func (r registrar) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	reg, ok := params.Extensions[registrationKey].(*registration)
	if !ok {
		return nil
	}
	delete(params.Extensions, registrationKey)
	if r.g.APQ != nil && len(reg.doc) <= MaxRegisteredBytes {
		r.g.APQ.Add(ctx, reg.hash, reg.doc)
	}
	return nil
}

// requestedHash is the hash a request names its document by, if any (lowercase hex).
func requestedHash(ctx context.Context, params *graphql.RawParams) (hash string, named bool, _ *gqlerror.Error) {
	if id, _ := ctx.Value(documentIDKey{}).(string); id != "" {
		h, ok := strings.CutPrefix(id, "sha256:")
		if !ok || !hexID.MatchString(h) {
			return "", false, input("documentId", `documentId must be "sha256:" and 64 lowercase hex digits`)
		}
		hash, named = h, true
	}
	raw, ok := params.Extensions["persistedQuery"]
	if !ok || raw == nil {
		return hash, named, nil
	}
	pq, _ := raw.(map[string]any)
	h, _ := pq["sha256Hash"].(string)
	if !hexID.MatchString(h) {
		return "", false, input("persistedQuery", "extensions.persistedQuery.sha256Hash must be 64 lowercase hex digits")
	}
	if v := pq["version"]; !isOne(v) {
		return "", false, input("persistedQuery", "extensions.persistedQuery.version must be 1")
	}
	if named && h != hash {
		return "", false, input("documentId", "documentId and extensions.persistedQuery name different documents")
	}
	return h, true, nil
}

// isOne tells the JSON number 1, however it was decoded.
func isOne(v any) bool {
	switch n := v.(type) {
	case float64:
		return n == 1
	case int:
		return n == 1
	case int64:
		return n == 1
	case interface{ String() string }: // json.Number
		return n.String() == "1"
	}
	return false
}

func mismatch() *gqlerror.Error {
	return input("persistedQuery", "the document sent is not the document of its hash")
}

func input(field, msg string) *gqlerror.Error {
	e := apperr.Input(field, msg)
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": string(e.Code), "field": field}, Err: e}
}

// refusal is a coded error that the server's error presenter keeps as it is.
func refusal(code apperr.Code, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": string(code)}, Err: apperr.New(code, msg)}
}
