package limits

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/processgroup/api/internal/platform/apperr"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func TestBurstAndRefill(t *testing.T) {
	r := NewRateLimiter(RateConfig{PerMinute: 60, Burst: 20})
	for i := range 20 {
		if !r.Allow("u", t0) {
			t.Fatalf("request %d of a burst of 20 refused", i+1)
		}
	}
	if r.Allow("u", t0) {
		t.Fatal("21st request of a burst of 20 allowed")
	}
	// 60 a minute: one token a second.
	if r.Allow("u", t0.Add(999*time.Millisecond)) {
		t.Fatal("allowed before a token came back")
	}
	if !r.Allow("u", t0.Add(time.Second)) {
		t.Fatal("refused once a token came back")
	}
	if r.Allow("u", t0.Add(time.Second)) {
		t.Fatal("allowed twice on one token")
	}
	// Idle long enough: a full burst again, and no more.
	later := t0.Add(time.Hour)
	for i := range 20 {
		if !r.Allow("u", later) {
			t.Fatalf("after an hour, request %d refused", i+1)
		}
	}
	if r.Allow("u", later) {
		t.Fatal("bucket grew past its burst")
	}
	// A clock going backwards gives nothing back.
	if r.Allow("u", t0) {
		t.Fatal("clock going back refilled the bucket")
	}
}

func TestSustainedRate(t *testing.T) {
	r := NewRateLimiter(RateConfig{PerMinute: 30, Burst: 10})
	allowed := 0
	// One request every 100ms for 10 minutes: burst + 30 a minute.
	for i := range 6000 {
		if r.Allow("ip", t0.Add(time.Duration(i)*100*time.Millisecond)) {
			allowed++
		}
	}
	if want := 10 + 30*10; allowed < want-1 || allowed > want {
		t.Errorf("allowed %d over 10 minutes, want about %d", allowed, want)
	}
}

func TestKeysAreIndependent(t *testing.T) {
	r := NewRateLimiter(RateConfig{PerMinute: 60, Burst: 2})
	for range 2 {
		r.Allow("a", t0)
	}
	if r.Allow("a", t0) {
		t.Fatal("a over its burst")
	}
	if !r.Allow("b", t0) || !r.Allow("b", t0) {
		t.Fatal("b limited by a's use")
	}
}

func TestOffWhenRateIsZero(t *testing.T) {
	r := NewRateLimiter(RateConfig{})
	for range 1000 {
		if !r.Allow("k", t0) {
			t.Fatal("a zero rate limited")
		}
	}
}

func TestMemoryIsBounded(t *testing.T) {
	r := NewRateLimiter(RateConfig{PerMinute: 60, Burst: 20, MaxKeys: 1000})
	for i := range 100_000 {
		r.Allow(strconv.Itoa(i), t0)
	}
	if n := r.Len(); n != 1000 {
		t.Errorf("%d buckets after 100k keys, want 1000", n)
	}
	// The most recent keys are kept: a key just used is still limited.
	for range 20 {
		r.Allow("hot", t0)
	}
	for i := range 999 {
		r.Allow("x"+strconv.Itoa(i), t0)
	}
	if r.Allow("hot", t0) {
		t.Error("a recently used key lost its bucket")
	}
}

func TestDefaultMaxKeysMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r := NewRateLimiter(DefaultMutationRate())
	for i := range 3 * DefaultMaxKeys {
		r.Allow("user:"+strconv.Itoa(i)+"-0123456789abcdef", t0)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if n := r.Len(); n != DefaultMaxKeys {
		t.Errorf("%d buckets, want %d", n, DefaultMaxKeys)
	}
	mb := float64(after.HeapAlloc-min(before.HeapAlloc, after.HeapAlloc)) / (1 << 20)
	t.Logf("%d keys: %.1f MB", DefaultMaxKeys, mb)
	if mb > 20 {
		t.Errorf("%.1f MB for %d buckets", mb, DefaultMaxKeys)
	}
	runtime.KeepAlive(r)
}

func TestConcurrentUse(t *testing.T) {
	r := NewRateLimiter(RateConfig{PerMinute: 60, Burst: 100, MaxKeys: 50})
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				ok := r.Allow("shared", t0)
				r.Allow(fmt.Sprint(g, i), t0)
				if ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if allowed != 100 {
		t.Errorf("shared key allowed %d times at one instant, want its burst 100", allowed)
	}
}

// mutationContext is the context an operation middleware gets for query.
func mutationContext(t *testing.T, query string) context.Context {
	return graphql.WithOperationContext(context.Background(), opContext(t, testSchema, query, "", nil))
}

func okHandler(ran *int) graphql.OperationHandler {
	return func(ctx context.Context) graphql.ResponseHandler {
		*ran++
		return graphql.OneShot(&graphql.Response{Data: json.RawMessage(`{"ok":true}`)})
	}
}

func TestMutationsMiddleware(t *testing.T) {
	r := NewRateLimiter(RateConfig{PerMinute: 60, Burst: 3})
	now := t0
	r.now = func() time.Time { return now }
	signedIn := func(context.Context) (string, bool) { return "user-1", true }
	mw := r.Mutations(signedIn)
	run := func(query string) (*graphql.Response, int) {
		ran := 0
		resp := mw(mutationContext(t, query), okHandler(&ran))(context.Background())
		return resp, ran
	}

	// Queries are never charged.
	for range 10 {
		if _, ran := run("{ name }"); ran != 1 {
			t.Fatal("query limited")
		}
	}
	// Two root mutation fields cost two tokens: 3 = 2 + 1.
	if _, ran := run("mutation { a b }"); ran != 1 {
		t.Fatal("first mutation refused")
	}
	if _, ran := run("mutation { ... on Mutation { c } }"); ran != 1 {
		t.Fatal("second mutation refused")
	}
	resp, ran := run("mutation { a }")
	if ran != 0 || resp == nil || len(resp.Errors) != 1 {
		t.Fatalf("over the limit, ran=%d resp=%v", ran, resp)
	}
	e := resp.Errors[0]
	checkRefusal(t, e, apperr.RateLimited, "mutations")
	if e.Extensions["retryAfter"] != 1 {
		t.Errorf("retryAfter %v, want 1", e.Extensions["retryAfter"])
	}
	// A refused operation takes nothing: after a second there is one token.
	now = now.Add(time.Second)
	if _, ran := run("mutation { a }"); ran != 1 {
		t.Fatal("refused after a token came back")
	}
	// More mutation fields than the burst can never run.
	now = now.Add(time.Hour)
	resp, ran = run("mutation { a b c x: a }")
	if ran != 0 || resp == nil || len(resp.Errors) != 1 {
		t.Fatalf("4 mutations with burst 3 ran")
	}
	if _, ok := resp.Errors[0].Extensions["retryAfter"]; ok {
		t.Errorf("retryAfter on an operation that never fits: %v", resp.Errors[0].Message)
	}
	if _, ran := run("mutation { a b c }"); ran != 1 {
		t.Fatal("3 mutations with burst 3 refused after an oversized one")
	}

	// Another user has their own bucket; no user, no charge.
	other := r.Mutations(func(context.Context) (string, bool) { return "user-2", true })
	ran = 0
	other(mutationContext(t, "mutation { a b c }"), okHandler(&ran))(context.Background())
	if ran != 1 {
		t.Error("user-2 limited by user-1")
	}
	anon := r.Mutations(func(context.Context) (string, bool) { return "", false })
	for range 10 {
		ran = 0
		anon(mutationContext(t, "mutation { a b c }"), okHandler(&ran))(context.Background())
		if ran != 1 {
			t.Fatal("mutation without a user charged")
		}
	}
}

func TestAnonymousMiddleware(t *testing.T) {
	r := NewRateLimiter(RateConfig{PerMinute: 30, Burst: 2})
	now := t0
	r.now = func() time.Time { return now }
	h := r.Anonymous(TrustedProxies{}, func(req *http.Request) bool { return req.Header.Get("X-Test-User") == "" },
		http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	do := func(remote, user string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
		req.RemoteAddr = remote
		if user != "" {
			req.Header.Set("X-Test-User", user)
		}
		// Spoofed forwarding headers change nothing.
		req.Header.Set("X-Forwarded-For", fmt.Sprint(now.UnixNano()))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	for i := range 2 {
		if rec := do("192.0.2.1:1000", ""); rec.Code != http.StatusNoContent {
			t.Fatalf("anonymous request %d: %d", i+1, rec.Code)
		}
	}
	rec := do("192.0.2.1:2000", "") // another port, same client
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("3rd anonymous request with burst 2: %d", rec.Code)
	}
	// 30 a minute: a token every 2 s.
	if got := rec.Header().Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After %q, want 2", got)
	}
	if got := rec.Header().Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type %q", got)
	}
	var body gqlResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 {
		t.Fatalf("body %q", rec.Body.String())
	}
	if e := body.Errors[0]; e.Extensions["code"] != "RATE_LIMITED" || e.Extensions["retryAfter"] != 2.0 {
		t.Errorf("error %+v", e)
	}
	// Signed-in requests from the same address, and other addresses, pass.
	if rec := do("192.0.2.1:1000", "user-1"); rec.Code != http.StatusNoContent {
		t.Errorf("signed-in request limited: %d", rec.Code)
	}
	if rec := do("192.0.2.2:1000", ""); rec.Code != http.StatusNoContent {
		t.Errorf("another address limited: %d", rec.Code)
	}
	// The same IPv6 /64 is one client.
	if rec := do("[2001:db8:1:2::1]:1000", ""); rec.Code != http.StatusNoContent {
		t.Fatal(rec.Code)
	}
	do("[2001:db8:1:2::ffff]:1000", "")
	if rec := do("[2001:db8:1:2:aaaa::1]:1000", ""); rec.Code != http.StatusTooManyRequests {
		t.Errorf("same /64, other address: %d", rec.Code)
	}
	now = now.Add(2 * time.Second)
	if rec := do("192.0.2.1:1000", ""); rec.Code != http.StatusNoContent {
		t.Errorf("after Retry-After: %d", rec.Code)
	}
}

func TestClientIP(t *testing.T) {
	cases := map[string]string{
		"192.0.2.1:5555":            "192.0.2.1",
		"[::ffff:192.0.2.1]:5555":   "192.0.2.1",
		"[2001:db8:1:2:3:4:5:6]:80": "2001:db8:1:2::/64",
		"[fe80::1%eth0]:80":         "fe80::/64",
		"192.0.2.1":                 "192.0.2.1",
		"not an address":            "not an address",
	}
	for remote, want := range cases {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = remote
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		if got := ClientIP(req); got != want {
			t.Errorf("ClientIP(%q) = %q, want %q", remote, got, want)
		}
	}
}
