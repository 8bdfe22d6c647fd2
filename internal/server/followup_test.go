package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// TestFollowUps: work queued after responses runs on the worker, Run returns once all of it
// has run (whoever ran it), Close runs what is left, and work queued after Close runs at
// once; with the worker off, nothing runs before Run.
func TestFollowUps(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, manual := range []bool{false, true} {
		f := newFollowUps(log, manual)
		var done atomic.Int64
		var wg sync.WaitGroup
		for i := 0; i < 50; i++ {
			wg.Go(func() { f.add(func(context.Context) { done.Add(1) }) })
		}
		wg.Wait()
		if manual && done.Load() != 0 {
			t.Fatalf("manual: %d ran before Run", done.Load())
		}
		f.Run()
		if done.Load() != 50 {
			t.Fatalf("manual %v: %d of 50 done after Run", manual, done.Load())
		}
		f.add(func(context.Context) { done.Add(1) })
		f.Close()
		f.add(func(context.Context) { done.Add(1) })
		f.add(func(context.Context) { panic("logged, not spread") })
		if done.Load() != 52 {
			t.Fatalf("manual %v: %d of 52 done after Close", manual, done.Load())
		}
	}
}

// TestExchangeStatus: the exchange of a request sets the status its answer goes out with:
// 503 with Retry-After when it was found unavailable (over any other), 429 with Retry-After
// when it was refused for a rate; the work queued for after the response is handed to the
// follow-ups once the handler is done.
func TestExchangeStatus(t *testing.T) {
	a := &App{followUps: newFollowUps(slog.New(slog.NewTextHandler(io.Discard, nil)), true)}
	var ran atomic.Bool
	for _, c := range []struct {
		name   string
		mark   func(ctx context.Context)
		status int
		retry  string
	}{
		{"nothing", func(context.Context) {}, 200, ""},
		{"unavailable", markUnavailable, 503, "5"},
		{"rate limited", func(ctx context.Context) { markRateLimited(ctx, 7) }, 429, "7"},
		{"both", func(ctx context.Context) { markRateLimited(ctx, 7); markUnavailable(ctx) }, 503, "5"},
	} {
		h := a.exchanges(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c.mark(r.Context())
			afterResponse(r.Context(), func(context.Context) { ran.Store(true) })
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, "{}")
		}))
		rec := httptest.NewRecorder()
		ran.Store(false)
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", nil))
		if rec.Code != c.status || rec.Header().Get("Retry-After") != c.retry {
			t.Errorf("%s: %d, Retry-After %q; want %d, %q", c.name, rec.Code, rec.Header().Get("Retry-After"), c.status, c.retry)
		}
		if ran.Load() {
			t.Errorf("%s: the follow-up ran before it was asked for", c.name)
		}
		a.followUps.Run()
		if !ran.Load() {
			t.Errorf("%s: the follow-up was not queued", c.name)
		}
	}
}
