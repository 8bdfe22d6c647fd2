package limits

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/processgroup/api/internal/platform/apperr"
)

// Gate is a gqlgen extension that decides, before gqlgen parses and validates a document,
// whether it may: gqlparser's validation is the most a request can cost before anything of
// the request is checked, and some documents make it quadratic (see ParseDocument). Add it
// with srv.Use; it runs as a graphql.OperationParameterMutator, before gqlgen's own parse.
//
// A document in gqlgen's query cache was measured and validated when it was first seen: it
// passes at once. Any other document is
//
//   - charged to its caller's Budget (a signed-in member: one token per document gqlgen
//     has not validated yet; an empty bucket answers RATE_LIMITED with
//     extensions.retryAfter, and the caller's Limited hook is told);
//   - parsed with the token limit; for an anonymous caller, handed to Anonymous, which
//     refuses it unless it says otherwise (the server lets a pure introspection query
//     through in development);
//   - measured as ParseDocument measures it: one that breaks a limit is refused with
//     BAD_USER_INPUT, never validated.
//
// The document is parsed here and again by gqlgen: parsing is linear and bounded by the
// token limit, while what follows it is what needs the bounds.
type Gate struct {
	// Config holds the limits of ParseDocument.
	Config Config
	// Cache is gqlgen's query cache (srv.SetQueryCache): the documents gqlgen validated.
	Cache graphql.Cache[*ast.QueryDocument]
	// Budget limits, per caller, the documents that are not in Cache; nil: no limit.
	Budget *RateLimiter
	// Caller names the signed-in caller of a request; false for an anonymous one.
	Caller func(ctx context.Context) (key string, ok bool)
	// Anonymous decides on the parsed (not yet measured or validated) document of an
	// anonymous caller, nil when it does not parse: nil lets it through, an error refuses
	// it. A nil Anonymous refuses every anonymous request.
	Anonymous func(ctx context.Context, doc *ast.QueryDocument) *gqlerror.Error
	// Limited, if set, is told when a request is refused for its Budget, with the seconds
	// to wait (the server answers it with 429 and Retry-After).
	Limited func(ctx context.Context, retryAfter int)
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = &Gate{}

// ExtensionName implements graphql.HandlerExtension.
func (g *Gate) ExtensionName() string { return "Gate" }

// Validate implements graphql.HandlerExtension.
func (g *Gate) Validate(graphql.ExecutableSchema) error {
	if g.Cache == nil || g.Caller == nil {
		return fmt.Errorf("limits: a Gate needs the query cache and a Caller")
	}
	return nil
}

// MutateOperationParameters implements graphql.OperationParameterMutator.
func (g *Gate) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	key, signedIn := g.Caller(ctx)
	if signedIn {
		if _, ok := g.Cache.Get(ctx, params.Query); ok {
			return nil
		}
		if g.Budget != nil {
			if ok, wait := g.Budget.allowN(ctx, "user:"+key, g.Budget.now(), 1); !ok {
				secs := retrySeconds(wait)
				if g.Limited != nil {
					g.Limited(ctx, secs)
				}
				cfg := g.Budget.Config()
				return limitError(apperr.RateLimited, "documents", fmt.Sprintf(
					"rate limit: at most %d new documents a minute per user (%d at once); send the app's operations, or retry in %d s",
					cfg.PerMinute, cfg.Burst, secs), map[string]any{"retryAfter": secs})
			}
		}
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: params.Query}, g.Config.MaxTokens)
	if !signedIn {
		// A stranger's document is refused unless Anonymous lets it through; one that does
		// not parse is answered as one that does.
		if err != nil {
			doc = nil
		}
		if refusal := g.anonymous(ctx, doc); refusal != nil {
			return refusal
		}
	}
	if err != nil {
		return nil // gqlgen parses it again and reports the parse error its own way
	}
	return g.Config.CheckDocument(doc)
}

func (g *Gate) anonymous(ctx context.Context, doc *ast.QueryDocument) *gqlerror.Error {
	if g.Anonymous == nil {
		return limitError(apperr.Unauthenticated, "anonymous", "sign in", nil)
	}
	return g.Anonymous(ctx, doc)
}
