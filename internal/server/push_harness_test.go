package server_test

// Checks of what the fake FCM server received: every push is discreet (checkPushes), and
// summaries for failure messages.

import (
	"sync"
	"testing"

	"github.com/processgroup/api/internal/firebase/fcmfake"
	"github.com/processgroup/api/internal/notify/push"
)

// summary describes pushes for a failure message: kind/session: body.
func summary(ms []fcmfake.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Data["type"] + "/" + m.Data["sessionId"] + ": " + m.Body
	}
	return out
}

// byToken counts pushes per device token.
func byToken(ms []fcmfake.Message) map[string]int {
	n := map[string]int{}
	for _, m := range ms {
		n[m.Token]++
	}
	return n
}

// byKind counts pushes per kind (the data field "type").
func byKind(ms []fcmfake.Message) map[string]int {
	n := map[string]int{}
	for _, m := range ms {
		n[m.Data["type"]]++
	}
	return n
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
