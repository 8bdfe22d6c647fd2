// Package clock is the one time source of the application: the services are given it, the
// privacy rules find it in the request's context (they see nothing else), and the job queue
// runs on it, so that tests move time forward (a consent expiring, a daylight-saving week, a
// session starting) without waiting.
package clock

import (
	"context"
	"sync"
	"time"
)

type ctxKey struct{}

// NewContext returns a copy of ctx that carries c, for code that gets nothing but a context
// (the privacy rules).
func NewContext(ctx context.Context, c Clock) context.Context {
	return context.WithValue(ctx, ctxKey{}, c)
}

// FromContext is the clock in ctx, or the real clock when ctx carries none.
func FromContext(ctx context.Context) Clock {
	if c, ok := ctx.Value(ctxKey{}).(Clock); ok {
		return c
	}
	return Real{}
}

// Clock tells the time. It also satisfies River's rivertype.TimeGenerator, so the job
// queue and the domain see the same time.
type Clock interface {
	// Now is the current time, in UTC.
	Now() time.Time
	// NowOrNil is the current time when it is stubbed, and nil for the real clock.
	NowOrNil() *time.Time
}

// Real is the system clock.
type Real struct{}

// Now implements Clock.
func (Real) Now() time.Time { return time.Now().UTC() }

// NowOrNil implements Clock: the real clock is not stubbed.
func (Real) NowOrNil() *time.Time { return nil }

// Fake is a clock for tests: real time shifted by an offset the test sets, so that time
// keeps flowing (timeouts and pollers work) while the test jumps days ahead.
type Fake struct {
	mu     sync.Mutex
	offset time.Duration
}

// NewFake returns a Fake that reads t now.
func NewFake(t time.Time) *Fake {
	f := &Fake{}
	f.Set(t)
	return f
}

// Now implements Clock.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return time.Now().Add(f.offset).UTC()
}

// NowOrNil implements Clock.
func (f *Fake) NowOrNil() *time.Time {
	t := f.Now()
	return &t
}

// Set makes the clock read t now.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.offset = time.Until(t)
}

// Advance moves the clock forward by d.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.offset += d
}
