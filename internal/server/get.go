package server

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/processgroup/api/internal/platform/apperr"
)

// checkGET answers the GET requests that gqlgen's GET transport would refuse without an
// error code (a malformed query string or variables, a mutation over GET) with a coded
// error that does not echo what was sent; the rest goes on to the GraphQL handler. It
// parses the query with the token limit, so that a long query string costs no more here
// than in gqlgen; and only where raw documents may run at all (parseRaw): in production a
// raw document is refused before anything parses it, and a trusted document named by hash
// is checked to be a query after the persisted-documents gate has resolved it.
func checkGET(maxTokens int, parseRaw bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			next.ServeHTTP(w, r)
			return
		}
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			refuse(w, http.StatusBadRequest, apperr.BadUserInput, "the query string is not valid URL encoding")
			return
		}
		for _, name := range []string{"variables", "extensions"} {
			if v := q.Get(name); v != "" && !json.Valid([]byte(v)) {
				refuse(w, http.StatusBadRequest, apperr.BadUserInput, name+" is not valid JSON")
				return
			}
		}
		if !parseRaw {
			next.ServeHTTP(w, r)
			return
		}
		if doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: q.Get("query")}, maxTokens); err == nil {
			if op := doc.Operations.ForName(q.Get("operationName")); op != nil && op.Operation != ast.Query {
				refuse(w, http.StatusMethodNotAllowed, apperr.BadUserInput, "only queries may be sent with GET; send "+string(op.Operation)+"s with POST")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
