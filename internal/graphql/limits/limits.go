// Package limits hardens the GraphQL API against expensive or abusive requests.
//
// It holds the query-shape limits (depth, aliases, directives, tokens, fields, fields per
// selection set, repeated fields, complexity), the gate that measures a document before
// gqlgen parses and validates it, a refusal of JSON-array batching, per-key rate limits
// (per server, or shared by every server through a Store such as Redis),
// and a way to keep validation messages from suggesting schema names ("Did you mean
// ...?").
//
// Every refusal is a GraphQL error with extensions.code: BAD_USER_INPUT for the shape of a
// query, RATE_LIMITED for rates. Messages name the limit and the number that broke it, and
// never echo the query or its variables.
//
// Wiring, in the server package (which this package does not edit):
//
//	cfg := limits.DefaultConfig()
//	srv := handler.New(es)
//	cache := lru.New[*ast.QueryDocument](1000)
//	srv.SetQueryCache(cache)
//	srv.SetParserTokenLimit(cfg.MaxTokens)                   // gqlgen's own lexer-level limit
//	srv.SetValidationRulesFn(limits.RulesWithoutSuggestions) // no "Did you mean" in messages
//	srv.Use(&limits.Gate{Config: cfg, Cache: cache, Budget: limits.NewRateLimiter(limits.DefaultDocumentRate()),
//		Caller: viewerID, Anonymous: introspectionInDevelopment}) // before parsing and validation
//	srv.Use(limits.NewQueryLimits(cfg))                      // depth, aliases, directives, complexity
//	mutations := limits.NewRateLimiter(limits.DefaultMutationRate())
//	srv.AroundOperations(mutations.Mutations(viewerID))      // after requireViewer
//	anonymous := limits.NewRateLimiter(limits.DefaultAnonymousRate())
//	gql := limits.RefuseBatch(srv)
//	trusted, err := limits.ParseTrustedProxies(os.Getenv("TRUSTED_PROXIES"))
//	api := authenticate(anonymous.Anonymous(trusted, noViewer, requireSignIn(checkGET(http.MaxBytesHandler(gql, max)))))
package limits

import (
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/processgroup/api/internal/platform/apperr"
)

// Config holds the query-shape limits. A zero or negative value turns that limit off.
type Config struct {
	// MaxDepth is the deepest nesting of fields an operation may have, counted through
	// fragment spreads and inline fragments: `{ viewer { id } }` is 2 deep. Introspection
	// fields (__schema, __type) count as one level: gqlparser's MaxIntrospectionDepth rule
	// bounds them, and introspection is off in production.
	MaxDepth int
	// MaxAliases is how many aliased fields (`a: viewer`) an operation may have, counted
	// once per use of the fragment they are in.
	MaxAliases int
	// MaxDirectives is how many directive uses (@include, @skip, ...) an operation may
	// have, on its fields, fragments, variables and itself, counted once per use of the
	// fragment they are in.
	MaxDirectives int
	// MaxTokens is the most lexical tokens (names, punctuation, values, comments) a query
	// document may have. QueryLimits does not enforce it: pass it to gqlgen with
	// srv.SetParserTokenLimit(cfg.MaxTokens), which stops the parser as soon as the limit is
	// passed, before any AST is built. The error is "exceeded token limit of N", code
	// GRAPHQL_PARSE_FAILED (the server's error presenter makes that BAD_USER_INPUT).
	MaxTokens int
	// MaxComplexity is the highest estimated cost of an operation (see EstimateComplexity):
	// one per field plus its children, and (children+1) × page size for a field with
	// first/last arguments.
	MaxComplexity int
	// MaxFields is the most fields a document may have, every fragment counted at each of
	// its uses (ParseDocument).
	MaxFields int
	// MaxSelections is the most fields one selection set may have once the fragments it
	// spreads are merged into it (ParseDocument).
	MaxSelections int
	// MaxRepeatedFields is the most fields of a document that may repeat a response name of
	// their (merged) selection set (ParseDocument): what makes validation quadratic.
	MaxRepeatedFields int
}

// DefaultConfig returns limits that every operation the app sends
// (schema/app-operations) passes with at least twice the room it needs, even with
// first: 100 on every connection; TestAppOperationsFit checks that and logs the numbers.
//
//   - MaxDepth 9: the deepest app operation is 7 (NextSessionPlan: node → Group →
//     nextSession → topics → edges → node → author), the others 6 or less (GroupFeed,
//     MyReflections, Reflection, …). Plain lists are not charged by page size, and the cycle
//     Group.memberships → Membership.group multiplies by the group's size at each turn,
//     so depth is what bounds it: at 9 a document can go round three times.
//   - MaxAliases 30 and MaxDirectives 20: the app uses none; these leave room for tools
//     and future screens, and the complexity limit bounds what aliases could multiply.
//   - MaxTokens 5000: the largest app operation with its fragments is 116 tokens
//     (GroupFeed); the whole of core.graphql, comments included, 610.
//   - MaxComplexity 6000: the heaviest app operation costs 571 at its default page sizes
//     (Reflection, with encouragements(first: 50)) and 2,702 with first: 100
//     (MyReflections). Two nested connections of 100 cost about 40,000 and are refused.
//   - MaxFields 1000: the largest app operation has 60 fields with its fragments
//     (SessionBriefing), the whole of core.graphql 234, GraphiQL's introspection query
//     about 400.
//   - MaxSelections 100: the widest selection set of the app has 16 fields (Reflection).
//   - MaxRepeatedFields 50: the app repeats none; a client that adds __typename to every
//     selection set that lacks it (Apollo Client) repeats one per set where a fragment
//     already has it. With these bounds no document validates in more than a few
//     milliseconds (BenchmarkValidationWorstCase).
func DefaultConfig() Config {
	return Config{
		MaxDepth:          9,
		MaxAliases:        30,
		MaxDirectives:     20,
		MaxTokens:         5000,
		MaxComplexity:     6000,
		MaxFields:         1000,
		MaxSelections:     100,
		MaxRepeatedFields: 50,
	}
}

// limitError is the GraphQL error for a refused request. It carries an *apperr.Error in
// its chain so that the server's error presenter keeps its code and message.
func limitError(code apperr.Code, limit, message string, ext map[string]any) *gqlerror.Error {
	extensions := map[string]any{"code": string(code), "limit": limit}
	for k, v := range ext {
		extensions[k] = v
	}
	appExt := make(map[string]any, len(extensions))
	for k, v := range extensions {
		if k != "code" {
			appExt[k] = v
		}
	}
	return &gqlerror.Error{
		Message:    message,
		Extensions: extensions,
		Err:        &apperr.Error{Code: code, Message: message, Extensions: appExt},
	}
}

// satAdd adds two non-negative ints, stopping at the largest int instead of overflowing.
func satAdd(a, b int) int {
	if a < 0 {
		a = 0
	}
	if b < 0 {
		b = 0
	}
	if c := a + b; c >= a {
		return c
	}
	return maxInt
}

// satMul multiplies two non-negative ints, stopping at the largest int.
func satMul(a, b int) int {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > maxInt/b {
		return maxInt
	}
	return a * b
}

const maxInt = int(^uint(0) >> 1)
