package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/processgroup/api/internal/graphql/limits"
	"github.com/processgroup/api/internal/server/config"
)

// rateLimits are the server's three rate limits.
type rateLimits struct {
	mutations, anonymous, documents *limits.RateLimiter
	// close releases the Redis connections, if any.
	close func() error
}

// newRateLimits builds the rate limits of cfg: per server, or, with REDIS_URL, shared by
// every server through Redis (each falling back to its own while Redis is away).
func newRateLimits(ctx context.Context, cfg config.Config, log *slog.Logger) (*rateLimits, error) {
	rate := func(perMinute int) limits.RateConfig {
		return limits.RateConfig{PerMinute: perMinute, Burst: max(1, perMinute/3)}
	}
	mutations, anonymous, documents := rate(cfg.RateMutationsPerMinute), rate(cfg.RateAnonymousPerMinute), rate(cfg.RateDocumentsPerMinute)
	if cfg.RedisURL == "" {
		return &rateLimits{
			mutations: limits.NewRateLimiter(mutations),
			anonymous: limits.NewRateLimiter(anonymous),
			documents: limits.NewRateLimiter(documents),
			close:     func() error { return nil },
		}, nil
	}
	opt, err := redis.ParseURL(cfg.RedisURL) // checked by config
	if err != nil {
		return nil, err
	}
	// A rate decision waits briefly for Redis: past these, the request is limited by this
	// server alone (and Redis is left alone for a few seconds), never refused for it.
	if opt.DialTimeout == 0 {
		opt.DialTimeout = time.Second
	}
	if opt.ReadTimeout == 0 {
		opt.ReadTimeout = 500 * time.Millisecond
	}
	if opt.WriteTimeout == 0 {
		opt.WriteTimeout = 500 * time.Millisecond
	}
	if opt.PoolTimeout == 0 {
		opt.PoolTimeout = time.Second
	}
	if opt.MaxRetries == 0 {
		opt.MaxRetries = -1
	}
	if opt.DialerRetries == 0 {
		opt.DialerRetries = 1
	}
	rdb := redis.NewClient(opt)
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		log.Warn("rate limits: Redis cannot be reached at start; each server limits on its own until it is", "err", err)
	}
	store := limits.NewRedisStore(rdb, cfg.RedisKeyPrefix)
	return &rateLimits{
		mutations: limits.NewSharedRateLimiter(mutations, store, "mutations", log),
		anonymous: limits.NewSharedRateLimiter(anonymous, store, "anonymous", log),
		documents: limits.NewSharedRateLimiter(documents, store, "documents", log),
		close:     rdb.Close,
	}, nil
}
