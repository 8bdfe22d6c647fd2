package server

import (
	"context"
	"crypto/sha256"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/processgroup/api/internal/firebase/auth"
)

// cachedVerifier remembers verified tokens for a short time, so that a phone's burst of
// requests costs one verification (in production a call to Firebase to check revocation)
// rather than one per request. A revoked or disabled user thus loses access within ttl;
// never later than the token's own expiry. Only token hashes are kept.
type cachedVerifier struct {
	next  Verifier
	cache *expirable.LRU[[32]byte, *auth.Identity]
	now   func() time.Time
}

var _ Verifier = (*cachedVerifier)(nil)

// newCachedVerifier caches up to size verified tokens for ttl; ttl 0 turns the cache off.
func newCachedVerifier(next Verifier, ttl time.Duration, size int) Verifier {
	if ttl <= 0 {
		return next
	}
	return &cachedVerifier{next: next, cache: expirable.NewLRU[[32]byte, *auth.Identity](size, nil, ttl), now: time.Now}
}

// Verify implements Verifier.
func (c *cachedVerifier) Verify(ctx context.Context, token string) (*auth.Identity, error) {
	key := sha256.Sum256([]byte(token))
	if id, ok := c.cache.Get(key); ok {
		if c.now().Before(id.Expires) {
			return id, nil
		}
		c.cache.Remove(key)
	}
	id, err := c.next.Verify(ctx, token)
	if err != nil {
		return nil, err
	}
	c.cache.Add(key, id)
	return id, nil
}
