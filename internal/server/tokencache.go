package server

import (
	"context"
	"crypto/sha256"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/processgroup/api/internal/firebase/auth"
	"github.com/processgroup/api/internal/platform/clock"
)

// cachedVerifier remembers verified tokens for a short time, so that a phone's burst of
// requests costs one verification (in production a call to Firebase to check revocation)
// rather than one per request. A user revoked or disabled in Firebase directly thus loses
// access within ttl, never later than the token's own expiry; signing out everywhere in the
// app is checked against the member record on every request (App.member), cache or not. Only token hashes are kept. Time is the
// application's clock.
type cachedVerifier struct {
	next  Verifier
	cache *lru.Cache[[32]byte, verified]
	ttl   time.Duration
	clock clock.Clock
}

// verified is a token verified at a time.
type verified struct {
	id *auth.Identity
	at time.Time
}

var _ Verifier = (*cachedVerifier)(nil)

// newCachedVerifier caches up to size verified tokens for ttl on clk; ttl 0 turns the cache
// off.
func newCachedVerifier(next Verifier, ttl time.Duration, size int, clk clock.Clock) Verifier {
	if ttl <= 0 {
		return next
	}
	cache, err := lru.New[[32]byte, verified](size)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return &cachedVerifier{next: next, cache: cache, ttl: ttl, clock: clk}
}

// Verify implements Verifier.
func (c *cachedVerifier) Verify(ctx context.Context, token string) (*auth.Identity, error) {
	key := sha256.Sum256([]byte(token))
	now := c.clock.Now()
	if v, ok := c.cache.Get(key); ok {
		if now.Sub(v.at) < c.ttl && now.Before(v.id.Expires) {
			return v.id, nil
		}
		c.cache.Remove(key)
	}
	id, err := c.next.Verify(ctx, token)
	if err != nil {
		return nil, err
	}
	c.cache.Add(key, verified{id: id, at: now})
	return id, nil
}
