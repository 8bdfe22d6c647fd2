package limits

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Store keeps the buckets of rate limits outside one server, so that every server using
// it shares them.
type Store interface {
	// AllowN takes n tokens from key's bucket under cfg if it holds them. Otherwise it
	// takes none and returns how long until it will hold them. An error means the store
	// did not decide (it could not be reached).
	AllowN(ctx context.Context, key string, cfg RateConfig, n int) (bool, time.Duration, error)
}

// RedisStore is a Store in Redis: GCRA (a token bucket kept as one timestamp per key) by
// github.com/go-redis/redis_rate, atomic in a Lua script, on Redis's own clock.
type RedisStore struct {
	limiter *redis_rate.Limiter
	prefix  string
}

var _ Store = (*RedisStore)(nil)

// NewRedisStore returns a Store on rdb whose keys start with prefix (after redis_rate's own
// "rate:"), so that several deployments, or tests, can share one Redis.
func NewRedisStore(rdb redis.UniversalClient, prefix string) *RedisStore {
	return &RedisStore{limiter: redis_rate.NewLimiter(rdb), prefix: prefix}
}

// AllowN implements Store.
func (s *RedisStore) AllowN(ctx context.Context, key string, cfg RateConfig, n int) (bool, time.Duration, error) {
	res, err := s.limiter.AllowN(ctx, s.prefix+key, redis_rate.Limit{Rate: cfg.PerMinute, Burst: cfg.Burst, Period: time.Minute}, n)
	if err != nil {
		return false, 0, err
	}
	if res.Allowed >= n {
		return true, 0, nil
	}
	return false, max(res.RetryAfter, time.Millisecond), nil
}

// sharedOutage is how long a RateLimiter keeps to its own buckets after its Store failed,
// before it asks the Store again: an unreachable Redis costs one timeout per limiter
// every few seconds, not one per request.
const sharedOutage = 5 * time.Second

// sharedBuckets is a RateLimiter's Store, with what it knows of the Store's outage.
type sharedBuckets struct {
	store Store
	cfg   RateConfig
	name  string
	log   *slog.Logger

	mu        sync.Mutex
	downUntil time.Time // the Store failed: the local buckets decide until then
	down      bool      // an outage was logged and has not ended
}

// NewSharedRateLimiter returns a RateLimiter whose buckets are in store, shared by every
// server using it. While store cannot be reached, the RateLimiter falls back to its own
// buckets (the per-server limit, as NewRateLimiter's) and logs a warning once per outage,
// naming the limit (name); a request is never refused because the store failed.
func NewSharedRateLimiter(cfg RateConfig, store Store, name string, log *slog.Logger) *RateLimiter {
	r := NewRateLimiter(cfg)
	r.shared = &sharedBuckets{store: store, cfg: r.cfg, name: name, log: log}
	return r
}

// allowN asks the Store, unless it failed in the last sharedOutage; an error means the
// caller decides with its own buckets.
func (b *sharedBuckets) allowN(ctx context.Context, key string, now time.Time, n int) (bool, time.Duration, error) {
	b.mu.Lock()
	skip := now.Before(b.downUntil)
	b.mu.Unlock()
	if skip {
		return false, 0, errSharedDown
	}
	ok, wait, err := b.store.AllowN(ctx, key, b.cfg, n)
	if err != nil {
		if ctx.Err() != nil {
			return false, 0, err // the request ended; says nothing of the store
		}
		b.mu.Lock()
		b.downUntil = now.Add(sharedOutage)
		first := !b.down
		b.down = true
		b.mu.Unlock()
		if first {
			b.log.Warn("rate limits: the shared store cannot be reached; each server limits on its own until it is back",
				"limit", b.name, "err", err)
		}
		return false, 0, err
	}
	b.mu.Lock()
	back := b.down
	b.down = false
	b.mu.Unlock()
	if back {
		b.log.Info("rate limits: the shared store is back", "limit", b.name)
	}
	return ok, wait, nil
}

var errSharedDown = errors.New("limits: shared store down")
