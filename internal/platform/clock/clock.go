// Package clock is the time source of everything that depends on "now" in sessions and
// notifications, so that tests can move time forward (a daylight-saving week, a session
// starting) without waiting.
package clock

import (
	"sync"
	"time"
)

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
