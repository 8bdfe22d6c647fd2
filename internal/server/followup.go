package server

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// exchange is what the HTTP layer and the GraphQL handler share about one request: how its
// response is to be sent (503 or 429 with Retry-After, decided by whatever found the
// reason) and the work that is to follow it once it is sent.
type exchange struct {
	mu sync.Mutex
	// unavailable: the database or Firebase failed the request (UNAVAILABLE, 503).
	unavailable bool
	// retryAfter: the caller is over a rate (RATE_LIMITED, 429), for this many seconds.
	retryAfter int
	// after is the work that follows the response.
	after []func(context.Context)
	// direct, when set, takes that work at once instead (a websocket: its answers are
	// written message by message, and the connection may last for hours).
	direct func(func(context.Context))
}

type exchangeKey struct{}

// exchangeOf is the exchange of the request of ctx, or nil outside the HTTP layer.
func exchangeOf(ctx context.Context) *exchange {
	ex, _ := ctx.Value(exchangeKey{}).(*exchange)
	return ex
}

// markUnavailable notes that the request of ctx failed for want of the database or
// Firebase: its response goes out with 503 and Retry-After.
func markUnavailable(ctx context.Context) {
	if ex := exchangeOf(ctx); ex != nil {
		ex.mu.Lock()
		ex.unavailable = true
		ex.mu.Unlock()
	}
}

// markRateLimited notes that the request of ctx was refused for a rate: its response goes
// out with 429 and Retry-After.
func markRateLimited(ctx context.Context, secs int) {
	if ex := exchangeOf(ctx); ex != nil {
		ex.mu.Lock()
		ex.retryAfter = max(ex.retryAfter, secs)
		ex.mu.Unlock()
	}
}

// isUnavailable tells whether the request of ctx was marked unavailable.
func isUnavailable(ctx context.Context) bool {
	ex := exchangeOf(ctx)
	if ex == nil {
		return false
	}
	ex.mu.Lock()
	defer ex.mu.Unlock()
	return ex.unavailable
}

// afterResponse queues work to run once the response of the request of ctx has been sent
// (outside the HTTP layer, in unit tests of the handler, it runs at once).
func afterResponse(ctx context.Context, work func(context.Context)) {
	ex := exchangeOf(ctx)
	if ex == nil {
		work(ctx)
		return
	}
	ex.mu.Lock()
	if direct := ex.direct; direct != nil {
		ex.mu.Unlock()
		direct(work)
		return
	}
	ex.after = append(ex.after, work)
	ex.mu.Unlock()
}

// retryAfterUnavailable is the Retry-After of an UNAVAILABLE answer, in seconds: long
// enough not to hammer a database that is restarting, short enough that a blip is not
// felt.
const retryAfterUnavailable = 5

// exchanges gives every request an exchange, sets the status its response goes out with
// (503 or 429, with Retry-After), and hands the work that follows the response to the
// follow-ups once the handler is done. net/http sends the end of a response only after
// the handler returns, so the work is queued before the client has the whole answer (a
// test that reads the answer and then runs the follow-ups finds it), yet nothing of it
// runs before the answer is written.
func (a *App) exchanges(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ex := &exchange{}
		next.ServeHTTP(&statusWriter{ResponseWriter: w, ex: ex}, r.WithContext(context.WithValue(r.Context(), exchangeKey{}, ex)))
		ex.mu.Lock()
		after := ex.after
		ex.after = nil
		ex.mu.Unlock()
		for _, work := range after {
			a.followUps.add(work)
		}
	})
}

// statusWriter writes the status the exchange calls for instead of the one the handler
// chose: gqlgen answers GraphQL errors with 200.
type statusWriter struct {
	http.ResponseWriter
	ex      *exchange
	written bool
}

// WriteHeader implements http.ResponseWriter.
func (s *statusWriter) WriteHeader(code int) {
	if s.written {
		return
	}
	s.written = true
	s.ex.mu.Lock()
	unavailable, retryAfter := s.ex.unavailable, s.ex.retryAfter
	s.ex.mu.Unlock()
	switch {
	case unavailable:
		s.Header().Set("Retry-After", strconv.Itoa(retryAfterUnavailable))
		code = http.StatusServiceUnavailable
	case retryAfter > 0 && code < 300:
		s.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		code = http.StatusTooManyRequests
	}
	s.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (s *statusWriter) Write(b []byte) (int, error) {
	if !s.written {
		s.WriteHeader(http.StatusOK)
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// followUps runs the work that follows answered requests (the audit of denied attempts),
// one piece at a time on a goroutine of the App, so that none of it delays a response, or
// the next request on the same connection, and a denied read takes the same time to answer
// as a read of something that does not exist. The queue is bounded: when it is full, the
// handler that queues waits (after its response was written), which slows a flood of
// probes and nothing else. Close runs what is left.
type followUps struct {
	log   *slog.Logger
	queue chan func(context.Context)
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once

	mu   sync.Mutex
	idle *sync.Cond
	// pending counts the work queued or running.
	pending int
	closed  bool
}

// followUpQueue is how much work may wait before handlers wait for room.
const followUpQueue = 4096

// newFollowUps starts the worker of the follow-ups; with manual, there is none and the work
// waits for Run (tests that look at a request without what follows it).
func newFollowUps(log *slog.Logger, manual bool) *followUps {
	f := &followUps{log: log, queue: make(chan func(context.Context), followUpQueue),
		stop: make(chan struct{}), done: make(chan struct{})}
	f.idle = sync.NewCond(&f.mu)
	if manual {
		close(f.done)
		return f
	}
	go f.work()
	return f
}

func (f *followUps) add(work func(context.Context)) {
	f.mu.Lock()
	f.pending++ // do counts it down
	closed := f.closed
	f.mu.Unlock()
	if closed {
		f.do(work) // a request answered while the App closes: done here
		return
	}
	f.queue <- work
	f.mu.Lock()
	f.idle.Broadcast() // a Run waiting for the queue
	f.mu.Unlock()
}

func (f *followUps) work() {
	defer close(f.done)
	for {
		select {
		case w := <-f.queue:
			f.do(w)
		case <-f.stop:
			return
		}
	}
}

// do runs one piece of work with a deadline; a panic is logged, not spread.
func (f *followUps) do(work func(context.Context)) {
	defer func() {
		if p := recover(); p != nil {
			f.log.Error("panic in work after a response")
		}
		f.mu.Lock()
		f.pending--
		f.idle.Broadcast()
		f.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	work(ctx)
}

// Run runs queued work on the caller's goroutine and returns once none is queued or
// running (by the worker or here).
func (f *followUps) Run() {
	for {
		select {
		case w := <-f.queue:
			f.do(w)
			continue
		default:
		}
		f.mu.Lock()
		if f.pending == 0 {
			f.mu.Unlock()
			return
		}
		if len(f.queue) == 0 {
			f.idle.Wait() // the worker is running one, or a handler is about to queue one
		}
		f.mu.Unlock()
	}
}

// Close stops the worker and runs what is left; work that comes later runs at once.
func (f *followUps) Close() {
	f.once.Do(func() {
		close(f.stop)
		<-f.done
		f.mu.Lock()
		f.closed = true
		f.mu.Unlock()
		f.Run()
	})
}
