package server_test

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/processgroup/api/internal/firebase/fcmfake"
	"github.com/processgroup/api/internal/notify/push"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/server"
)

// PushH is an API whose notification workers run, sending through the real Firebase Admin
// SDK to a fake FCM server, on a clock the test moves.
type PushH struct {
	*H
	FCM   *fcmfake.Server
	Clock *clock.Fake
	t     testing.TB
	dbURL string
	set   map[string]string
}

// pushSettings are the settings of an API whose workers send to fcm.
func pushSettings(fcm *fcmfake.Server, extra map[string]string) map[string]string {
	s := map[string]string{
		"FCM_ENDPOINT":      fcm.URL,
		"JOB_WORKERS":       "4",
		"JOB_POLL_INTERVAL": "50ms",
	}
	for k, v := range extra {
		s[k] = v
	}
	return s
}

// newPushH starts an API on dbURL with workers, a fake FCM server and a fake clock that
// reads start. Every message the fake FCM server accepted is checked to be discreet when
// the test ends.
func newPushH(t testing.TB, dbURL string, start time.Time, extra map[string]string) *PushH {
	t.Helper()
	fcm := fcmfake.New()
	t.Cleanup(func() {
		checkPushes(t, fcm.Messages())
		fcm.Close()
	})
	p := &PushH{FCM: fcm, Clock: clock.NewFake(start), t: t, dbURL: dbURL, set: pushSettings(fcm, extra)}
	p.H = newHWith(t, dbURL, p.set, server.WithClock(p.Clock))
	return p
}

// Another starts a second API server on the same database, FCM server and clock (as
// several servers behind a load balancer).
func (p *PushH) Another() *H {
	p.t.Helper()
	return newHWith(p.t, p.dbURL, p.set, server.WithClock(p.Clock))
}

// Restart stops the API (running jobs finish, the rest stay queued) and starts a new one on
// the same database, as a deployment does.
func (p *PushH) Restart() {
	p.t.Helper()
	if err := p.H.App.Close(); err != nil {
		p.t.Fatalf("close: %v", err)
	}
	p.H = newHWith(p.t, p.dbURL, p.set, server.WithClock(p.Clock))
}

// pushDatabases runs f with a PushH on SQLite and, when configured, on PostgreSQL.
func pushDatabases(t *testing.T, start time.Time, f func(t *testing.T, p *PushH)) {
	t.Run("sqlite", func(t *testing.T) {
		f(t, newPushH(t, "sqlite:"+filepath.Join(t.TempDir(), "push.db"), start, nil))
	})
	if pg := postgresURL(); pg != "" {
		t.Run("postgres", func(t *testing.T) {
			f(t, newPushH(t, freshSchema(t, pg), start, nil))
		})
	}
}

// WaitPushes waits until the fake FCM server has accepted at least n messages (or fails
// after timeout), then a little longer so that extra ones would show, and returns them all.
func (p *PushH) WaitPushes(n int, timeout time.Duration) []fcmfake.Message {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for p.FCM.Count() < n {
		if time.Now().After(deadline) {
			p.t.Fatalf("waited %v for %d pushes, got %d: %+v", timeout, n, p.FCM.Count(), summary(p.FCM.Messages()))
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(settle)
	return p.FCM.Messages()
}

// settle is how long a test waits for pushes that should not come.
const settle = 700 * time.Millisecond

// Quiet waits for d and fails if any push beyond the first `have` arrived.
func (p *PushH) Quiet(have int, d time.Duration) {
	p.t.Helper()
	time.Sleep(d)
	if got := p.FCM.Count(); got != have {
		p.t.Fatalf("expected %d pushes, got %d: %+v", have, got, summary(p.FCM.Messages()))
	}
}

func summary(ms []fcmfake.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Data["type"] + "/" + m.Data["sessionId"] + ": " + m.Body
	}
	return out
}

// pushLeaksMu guards pushLeaks.
var pushLeaksMu sync.Mutex

// pushLeaks are the names and texts of the suite that must never be in a push, beside the
// words push.CheckDiscreet refuses anyway.
var pushLeaks = []string{"MARKER", "Ann", "Ben", "Dr. T", "Tuesday Group", "Other Group", "Room 12", "Dr. S"}

// checkPushes fails the test if a message is not discreet.
func checkPushes(t testing.TB, ms []fcmfake.Message) {
	t.Helper()
	pushLeaksMu.Lock()
	defer pushLeaksMu.Unlock()
	for _, m := range ms {
		msg := push.Message{Token: m.Token, Kind: push.Kind(m.Data["type"]), Title: m.Title, Body: m.Body, Data: m.Data}
		if err := push.CheckDiscreet(msg, pushLeaks...); err != nil {
			t.Errorf("push not discreet: %v", err)
		}
		if m.AndroidVisibility != "PRIVATE" && m.AndroidVisibility != "private" {
			t.Errorf("push without private visibility: %q", m.AndroidVisibility)
		}
		if m.AndroidPriority != "high" {
			t.Errorf("push without high priority: %q", m.AndroidPriority)
		}
		if m.APNSHeaders["apns-collapse-id"] == "" {
			t.Errorf("push without an APNs collapse id")
		}
	}
}
