package limits

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// fakeStore is a Store that fails while down, and otherwise keeps one shared RateLimiter.
type fakeStore struct {
	down  bool
	calls int
	inner *RateLimiter
}

func (s *fakeStore) AllowN(_ context.Context, key string, _ RateConfig, n int) (bool, time.Duration, error) {
	s.calls++
	if s.down {
		return false, 0, errors.New("connection refused")
	}
	ok, wait := s.inner.localAllowN(key, t0, n)
	return ok, wait, nil
}

// TestSharedRateLimiter: two limiters on one store share a bucket; while the store fails
// each limits on its own, asks the store again only after sharedOutage, logs the outage
// once and its end once.
func TestSharedRateLimiter(t *testing.T) {
	cfg := RateConfig{PerMinute: 3, Burst: 1}
	store := &fakeStore{inner: NewRateLimiter(cfg)}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	one, two := NewSharedRateLimiter(cfg, store, "mutations", log), NewSharedRateLimiter(cfg, store, "mutations", log)
	ctx := context.Background()
	if ok, _ := one.allowN(ctx, "user:a", t0, 1); !ok {
		t.Fatal("first request refused")
	}
	if ok, wait := two.allowN(ctx, "user:a", t0, 1); ok || wait <= 0 {
		t.Fatalf("the other limiter did not share the bucket: %v %v", ok, wait)
	}
	if ok, wait := two.allowN(ctx, "user:a", t0, 2); ok || wait != -1 {
		t.Fatalf("more than the burst: %v %v", ok, wait)
	}

	store.down = true
	calls := store.calls
	now := t0.Add(time.Hour)
	for i, want := range []bool{true, false, false} {
		if ok, _ := one.allowN(ctx, "user:a", now, 1); ok != want {
			t.Fatalf("store down, request %d: allowed %v, want %v (this limiter's own bucket)", i+1, ok, want)
		}
	}
	if store.calls != calls+1 {
		t.Fatalf("store asked %d times during the outage, want once", store.calls-calls)
	}
	if n := strings.Count(logs.String(), "cannot be reached"); n != 1 {
		t.Fatalf("outage logged %d times:\n%s", n, logs.String())
	}

	store.down = false
	now = now.Add(sharedOutage)
	if ok, _ := one.allowN(ctx, "user:b", now, 1); !ok || store.calls != calls+2 {
		t.Fatalf("store not asked again after the outage: %v, %d calls", ok, store.calls-calls)
	}
	if !strings.Contains(logs.String(), "is back") {
		t.Fatalf("end of the outage not logged:\n%s", logs.String())
	}
	// A request whose context ended says nothing about the store.
	store.down = true
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	one.allowN(cctx, "user:c", now, 1)
	store.down = false
	before := store.calls
	one.allowN(ctx, "user:c", now, 1)
	if store.calls != before+1 {
		t.Fatal("a cancelled request put the store in an outage")
	}
}
