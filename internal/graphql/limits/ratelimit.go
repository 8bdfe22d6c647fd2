package limits

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/processgroup/api/internal/platform/apperr"
)

// RateConfig is the setting of one RateLimiter: a token bucket per key.
type RateConfig struct {
	// PerMinute is the sustained rate a key may go at: its bucket gains PerMinute tokens a
	// minute. Zero or negative turns the limiter off (every request is allowed).
	PerMinute int
	// Burst is the size of a key's bucket, which starts full: how many requests a key may
	// make at once after being idle. Zero or negative means 1.
	Burst int
	// MaxKeys bounds memory: beyond this many keys, the least recently used key's bucket
	// is dropped (that key starts again with a full bucket). Zero means DefaultMaxKeys.
	MaxKeys int
}

// DefaultMaxKeys is the number of buckets a RateLimiter keeps unless RateConfig.MaxKeys
// says otherwise: about 10 MB at most with 30-byte keys (measured: 200 bytes a key).
const DefaultMaxKeys = 50_000

// DefaultMutationRate is the limit on mutations per signed-in user: 60 a minute, 20 at
// once. Writing a reflection, encouraging a few peers or joining a group takes a handful;
// an app retrying in a loop or a script is stopped within seconds.
func DefaultMutationRate() RateConfig {
	return RateConfig{PerMinute: 60, Burst: 20, MaxKeys: DefaultMaxKeys}
}

// DefaultAnonymousRate is the limit on requests without a valid sign-in, per client
// address: 30 a minute, 10 at once. The app only sends such requests by mistake (a token
// that expired between refreshes), and each is refused with UNAUTHENTICATED anyway.
func DefaultAnonymousRate() RateConfig {
	return RateConfig{PerMinute: 30, Burst: 10, MaxKeys: DefaultMaxKeys}
}

// DefaultDocumentRate is the limit on documents a signed-in user may send that the server
// has not validated yet (Gate): 60 a minute, 20 at once. The app sends a fixed set of about
// sixty operations, each validated once per server and then served from the query cache;
// a member who makes up new documents in a loop spends at most this many validations.
func DefaultDocumentRate() RateConfig {
	return RateConfig{PerMinute: 60, Burst: 20, MaxKeys: DefaultMaxKeys}
}

// RateLimiter keeps a token bucket per key (a user ID, a client address) with one
// RateConfig. Use one RateLimiter per policy: one for mutations, one for anonymous
// requests. It is safe for concurrent use; memory is bounded by RateConfig.MaxKeys.
type RateLimiter struct {
	cfg   RateConfig
	rate  float64 // tokens per second
	burst float64
	now   func() time.Time

	mu      sync.Mutex
	buckets *simplelru.LRU[string, *bucket]

	// shared, if set, holds the buckets every server shares (Redis); the buckets above
	// are then this server's fallback while shared cannot be reached.
	shared *sharedBuckets

	// refused, if set, is called at every refusal (the server's metrics).
	refused func()
}

// OnRefusal makes the limiter call f each time it refuses a request (for metrics). Call it
// before the limiter is used.
func (r *RateLimiter) OnRefusal(f func()) { r.refused = f }

type bucket struct {
	tokens float64
	last   time.Time
}

// NewRateLimiter returns a RateLimiter with cfg.
func NewRateLimiter(cfg RateConfig) *RateLimiter {
	if cfg.Burst <= 0 {
		cfg.Burst = 1
	}
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = DefaultMaxKeys
	}
	lru, err := simplelru.NewLRU[string, *bucket](cfg.MaxKeys, nil)
	if err != nil {
		panic(err) // only for a size <= 0, excluded above
	}
	return &RateLimiter{
		cfg:     cfg,
		rate:    float64(cfg.PerMinute) / 60,
		burst:   float64(cfg.Burst),
		now:     time.Now,
		buckets: lru,
	}
}

// Config returns the limiter's setting, with defaults filled in.
func (r *RateLimiter) Config() RateConfig { return r.cfg }

// Allow takes one token from key's bucket at time now and reports whether there was one.
func (r *RateLimiter) Allow(key string, now time.Time) bool {
	ok, _ := r.allowN(context.Background(), key, now, 1)
	return ok
}

// Len returns how many keys have a bucket (at most RateConfig.MaxKeys).
func (r *RateLimiter) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buckets.Len()
}

// allowN takes n tokens from key's bucket if it has them. Otherwise it takes none and
// returns how long until it will have them (-1 when n is more than the bucket holds).
// With a shared store the bucket is the one every server shares, and this server's own
// while the store cannot be reached.
func (r *RateLimiter) allowN(ctx context.Context, key string, now time.Time, n int) (ok bool, wait time.Duration) {
	if r.cfg.PerMinute <= 0 {
		return true, 0
	}
	if r.refused != nil {
		defer func() {
			if !ok {
				r.refused()
			}
		}()
	}
	if r.shared != nil && n <= r.cfg.Burst {
		if ok, wait, err := r.shared.allowN(ctx, key, now, n); err == nil {
			return ok, wait
		}
	}
	return r.localAllowN(key, now, n)
}

// localAllowN is allowN on this server's own buckets.
func (r *RateLimiter) localAllowN(key string, now time.Time, n int) (bool, time.Duration) {
	need := float64(n)
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.buckets.Get(key)
	if !ok {
		b = &bucket{tokens: r.burst, last: now}
		r.buckets.Add(key, b)
	} else if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(r.burst, b.tokens+elapsed.Seconds()*r.rate)
		b.last = now
	}
	if b.tokens >= need {
		b.tokens -= need
		return true, 0
	}
	if need > r.burst {
		return false, -1
	}
	return false, time.Duration((need - b.tokens) / r.rate * float64(time.Second))
}

// retrySeconds rounds a wait up to whole seconds, at least 1.
func retrySeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// Mutations returns an operation middleware (srv.AroundOperations) that charges every
// mutation operation to the key keyFn returns (the signed-in user's ID), one token per
// root mutation field, so that aliasing many mutations into one operation costs as much
// as sending them apart. When the bucket is short, the operation does not run: the answer
// is one error, code RATE_LIMITED, with extensions.retryAfter in seconds (gqlgen answers it
// with HTTP 200; the server turns an error with retryAfter into 429 and Retry-After). Queries, and mutations for which keyFn returns false (no
// signed-in user: those are refused as UNAUTHENTICATED and limited per address by
// Anonymous), pass untouched.
func (r *RateLimiter) Mutations(keyFn func(context.Context) (string, bool)) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		if !graphql.HasOperationContext(ctx) {
			return next(ctx)
		}
		oc := graphql.GetOperationContext(ctx)
		if oc.Operation == nil || oc.Operation.Operation != ast.Mutation {
			return next(ctx)
		}
		key, ok := keyFn(ctx)
		if !ok {
			return next(ctx)
		}
		n := rootFields(oc.Doc, oc.Operation.SelectionSet, map[string]bool{})
		allowed, wait := r.allowN(ctx, "user:"+key, r.now(), max(n, 1))
		if allowed {
			return next(ctx)
		}
		var err *gqlerror.Error
		if wait < 0 {
			err = limitError(apperr.RateLimited, "mutations", fmt.Sprintf(
				"rate limit: this operation has %d mutations, more than the %d allowed at once; send them in smaller operations",
				n, r.cfg.Burst), map[string]any{"max": r.cfg.Burst})
		} else {
			secs := retrySeconds(wait)
			err = limitError(apperr.RateLimited, "mutations", fmt.Sprintf(
				"rate limit: at most %d mutations a minute per user (%d at once); retry in %d s",
				r.cfg.PerMinute, r.cfg.Burst, secs), map[string]any{"retryAfter": secs})
		}
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{err}})
	}
}

// rootFields counts the fields, other than __typename, at the root of a selection set,
// through fragments.
func rootFields(doc *ast.QueryDocument, set ast.SelectionSet, seen map[string]bool) int {
	n := 0
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Name != "__typename" {
				n = satAdd(n, 1)
			}
		case *ast.InlineFragment:
			n = satAdd(n, rootFields(doc, sel.SelectionSet, seen))
		case *ast.FragmentSpread:
			if seen[sel.Name] || doc == nil {
				continue
			}
			seen[sel.Name] = true
			if def := doc.Fragments.ForName(sel.Name); def != nil {
				n = satAdd(n, rootFields(doc, def.SelectionSet, seen))
			}
		}
	}
	return n
}

// Anonymous returns an HTTP middleware that limits the requests for which isAnonymous is
// true to the limiter's rate per client address (proxies.ClientIP: the TCP peer, or the
// client a trusted proxy forwarded for). Over the limit, it answers
// 429 Too Many Requests with a Retry-After header and a GraphQL error, code RATE_LIMITED.
//
// isAnonymous must report that the request has no valid signed-in user, not merely no
// Authorization header: otherwise any made-up token escapes the limit. So wrap it inside
// the authentication middleware, and have it look at what that middleware found.
func (r *RateLimiter) Anonymous(proxies TrustedProxies, isAnonymous func(*http.Request) bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !isAnonymous(req) {
			next.ServeHTTP(w, req)
			return
		}
		allowed, wait := r.allowN(req.Context(), "ip:"+proxies.ClientIP(req), r.now(), 1)
		if allowed {
			next.ServeHTTP(w, req)
			return
		}
		secs := retrySeconds(wait)
		body, _ := json.Marshal(&graphql.Response{Errors: gqlerror.List{{
			Message: fmt.Sprintf("rate limit: at most %d requests a minute without signing in (%d at once); retry in %d s",
				r.cfg.PerMinute, r.cfg.Burst, secs),
			Extensions: map[string]any{"code": string(apperr.RateLimited), "limit": "anonymous", "retryAfter": secs},
		}}})
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write(body)
	})
}

// ClientIP is the address a request came from, as a rate-limit key, with no trusted proxy:
// the host of r.RemoteAddr, an IPv4 address as is, an IPv6 address as its /64 network.
// X-Forwarded-For is ignored (see TrustedProxies.ClientIP).
func ClientIP(r *http.Request) string { return TrustedProxies{}.ClientIP(r) }
