package push

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"firebase.google.com/go/v4/messaging"

	"github.com/processgroup/api/internal/firebase/fcmfake"
)

const testProject = "demo-push"

// fixedNow is the clock of the FCM senders in these tests.
var fixedNow = time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)

// newTestFCM starts a fake FCM server and an FCM sender using the real
// Admin SDK against it.
func newTestFCM(t *testing.T) (*fcmfake.Server, *FCM) {
	t.Helper()
	srv := fcmfake.New()
	t.Cleanup(srv.Close)
	f, err := NewFCM(context.Background(), FCMConfig{ProjectID: testProject, Endpoint: srv.URL})
	if err != nil {
		t.Fatalf("NewFCM: %v", err)
	}
	f.now = func() time.Time { return fixedNow }
	return srv, f
}

// testMsg is a discreet reminder for token.
func testMsg(token string) Message {
	title, body := Reminder("en-US", time.UTC, fixedNow.Add(3*time.Hour), fixedNow)
	return Message{
		Token: token, Kind: KindReminder, Title: title, Body: body,
		Data:       map[string]string{"sessionId": "s1", "groupId": "g1"},
		CollapseID: "session-s1",
	}
}

// wireToMessage turns what the fake server received back into a Message,
// for CheckDiscreet.
func wireToMessage(m fcmfake.Message) Message {
	return Message{Token: m.Token, Title: m.Title, Body: m.Body, Data: m.Data, CollapseID: m.AndroidCollapseKey}
}

// checkWire runs CheckDiscreet on everything the fake server accepted and
// checks that the APNs alert repeats the notification texts.
func checkWire(t *testing.T, srv *fcmfake.Server, forbidden ...string) {
	t.Helper()
	for _, m := range srv.Messages() {
		if err := CheckDiscreet(wireToMessage(m), forbidden...); err != nil {
			t.Errorf("message to %s on the wire: %v", TokenFingerprint(m.Token), err)
		}
		if m.APNSAlertTitle != m.Title || m.APNSAlertBody != m.Body {
			t.Errorf("APNs alert %q / %q differs from %q / %q", m.APNSAlertTitle, m.APNSAlertBody, m.Title, m.Body)
		}
	}
}

func TestFCMWireFields(t *testing.T) {
	srv, f := newTestFCM(t)
	m := testMsg("tok-1")
	m.Expires = fixedNow.Add(time.Hour + 500*time.Millisecond)
	res, err := f.Send(context.Background(), []Message{m})
	if err != nil || len(res) != 1 || res[0] != (Result{}) {
		t.Fatalf("Send = %+v, %v", res, err)
	}
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("fake got %d messages", len(got))
	}
	w := got[0]
	checks := []struct{ name, got, want string }{
		{"project", w.Project, testProject},
		{"token", w.Token, "tok-1"},
		{"title", w.Title, m.Title},
		{"body", w.Body, m.Body},
		{"data type", w.Data["type"], string(KindReminder)},
		{"data sessionId", w.Data["sessionId"], "s1"},
		{"data groupId", w.Data["groupId"], "g1"},
		{"android priority", w.AndroidPriority, "high"},
		{"android ttl", w.AndroidTTL, "3600s"},
		{"android collapse key", w.AndroidCollapseKey, "session-s1"},
		{"android visibility", w.AndroidVisibility, "PRIVATE"},
		{"android tag", w.AndroidTag, "session-s1"},
		{"apns-collapse-id", w.APNSHeaders["apns-collapse-id"], "session-s1"},
		{"apns-priority", w.APNSHeaders["apns-priority"], "10"},
		{"apns-push-type", w.APNSHeaders["apns-push-type"], "alert"},
		{"apns-expiration", w.APNSHeaders["apns-expiration"], strconv.FormatInt(m.Expires.Unix(), 10)},
		{"apns alert title", w.APNSAlertTitle, m.Title},
		{"apns alert body", w.APNSAlertBody, m.Body},
		{"apns sound", w.APNSSound, "default"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if len(w.Data) != 3 {
		t.Errorf("data = %v, want type, sessionId and groupId only", w.Data)
	}
	if _, ok := m.Data["type"]; ok {
		t.Error("Send changed the caller's Data map")
	}
	checkWire(t, srv, "Sunrise Circle")
}

func TestFCMExpiryAndCollapse(t *testing.T) {
	long := strings.Repeat("x", 80)
	tests := []struct {
		name             string
		expires          time.Time
		collapse         string
		ttl, expiration  string
		wantCollapse     string
		collapseHeaderOK bool
	}{
		{"no expiry: FCM default", time.Time{}, "c", "", "", "c", true},
		{"already expired: TTL 0", fixedNow.Add(-time.Minute), "c", "0s", "0", "c", true},
		{"expires now: TTL 0", fixedNow, "c", "0s", "0", "c", true},
		{"in 90 s", fixedNow.Add(90 * time.Second), "c", "90s", strconv.FormatInt(fixedNow.Add(90*time.Second).Unix(), 10), "c", true},
		{"no collapse id", time.Time{}, "", "", "", "", false},
		{"long collapse id is hashed to 64 bytes", time.Time{}, long, "", "", collapseID(long), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, f := newTestFCM(t)
			m := testMsg("tok")
			m.Expires, m.CollapseID = tt.expires, tt.collapse
			res, err := f.Send(context.Background(), []Message{m})
			if err != nil || res[0].Err != nil {
				t.Fatalf("Send = %+v, %v", res, err)
			}
			w := srv.Messages()[0]
			if w.AndroidTTL != tt.ttl {
				t.Errorf("android ttl = %q, want %q", w.AndroidTTL, tt.ttl)
			}
			if got := w.APNSHeaders["apns-expiration"]; got != tt.expiration {
				t.Errorf("apns-expiration = %q, want %q", got, tt.expiration)
			}
			id, ok := w.APNSHeaders["apns-collapse-id"]
			if ok != tt.collapseHeaderOK || id != tt.wantCollapse || w.AndroidCollapseKey != tt.wantCollapse || w.AndroidTag != tt.wantCollapse {
				t.Errorf("collapse ids: apns %q (%v), android %q, tag %q; want %q",
					id, ok, w.AndroidCollapseKey, w.AndroidTag, tt.wantCollapse)
			}
			if len(id) > 64 {
				t.Errorf("apns-collapse-id is %d bytes", len(id))
			}
			var raw struct {
				Webpush struct {
					Headers      map[string]string `json:"headers"`
					Notification struct {
						Tag string `json:"tag"`
					} `json:"notification"`
				} `json:"webpush"`
			}
			if err := json.Unmarshal(w.Raw, &raw); err != nil {
				t.Fatal(err)
			}
			topic, tag := raw.Webpush.Headers["Topic"], raw.Webpush.Notification.Tag
			if tag != tt.wantCollapse || (topic != "") != tt.collapseHeaderOK || len(topic) > 32 || topic != webTopic(tt.wantCollapse) {
				t.Errorf("web push: Topic %q, tag %q; want the collapse id %q (Topic at most 32 characters)", topic, tag, tt.wantCollapse)
			}
			wantTTL := strings.TrimSuffix(tt.ttl, "s")
			if got := raw.Webpush.Headers["TTL"]; got != wantTTL {
				t.Errorf("web push TTL = %q, want %q", got, wantTTL)
			}
		})
	}
}

func TestFCMErrors(t *testing.T) {
	long := fcmfake.Unavailable
	long.RetryAfter = 3 * time.Minute // makes the SDK give up at once
	tests := []struct {
		name    string
		program func(s *fcmfake.Server)
		drop    bool
		retry   bool
		is      func(error) bool
	}{
		{"unregistered", func(s *fcmfake.Server) { s.Unregister("tok") }, true, false, messaging.IsUnregistered},
		{"invalid token", func(s *fcmfake.Server) { s.FailNext("tok", 1, fcmfake.InvalidArgument) }, true, false, messaging.IsInvalidArgument},
		{"sender id mismatch", func(s *fcmfake.Server) { s.FailNext("tok", 1, fcmfake.SenderIDMismatch) }, true, false, messaging.IsSenderIDMismatch},
		{"quota exceeded", func(s *fcmfake.Server) { s.FailNext("tok", 1, fcmfake.QuotaExceeded) }, false, true, messaging.IsQuotaExceeded},
		{"internal", func(s *fcmfake.Server) { s.FailNext("tok", 1, fcmfake.Internal) }, false, true, messaging.IsInternal},
		{"unavailable", func(s *fcmfake.Server) { s.FailNext("tok", 1, long) }, false, true, messaging.IsUnavailable},
		{"unavailable once: the SDK retries", func(s *fcmfake.Server) { s.FailNext("tok", 1, fcmfake.Unavailable) }, false, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, f := newTestFCM(t)
			tt.program(srv)
			res, err := f.Send(context.Background(), []Message{testMsg("tok")})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			r := res[0]
			if r.DropDevice != tt.drop || r.Retry != tt.retry {
				t.Errorf("result %+v: DropDevice %v Retry %v, want %v %v", r, r.DropDevice, r.Retry, tt.drop, tt.retry)
			}
			if tt.is == nil {
				if r.Err != nil || srv.Count() != 1 {
					t.Errorf("err %v, %d delivered; want success", r.Err, srv.Count())
				}
				return
			}
			if r.Err == nil || !tt.is(r.Err) {
				t.Errorf("Err = %v, not recognised by the SDK helper", r.Err)
			}
			if srv.Count() != 0 {
				t.Errorf("%d messages delivered", srv.Count())
			}
		})
	}
}

// A deadline that passes while FCM holds the request: the message went out and may have
// been accepted (the fake accepts it once the sender has hung up), so it is Unknown, not to
// be sent again.
func TestFCMDeadline(t *testing.T) {
	srv, f := newTestFCM(t)
	srv.SetLatency(2 * time.Second)
	f.Timeout = 100 * time.Millisecond
	start := time.Now()
	res, err := f.Send(context.Background(), []Message{testMsg("tok")})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Send took %v despite a 100ms timeout", d)
	}
	if r := res[0]; !r.Unknown || r.Retry || r.DropDevice || !errors.Is(r.Err, context.DeadlineExceeded) {
		t.Errorf("result = %+v, want an unknown outcome after the deadline", r)
	}
	srv.Close() // waits for the request the sender left
	if srv.Count() != 1 {
		t.Errorf("the fake accepted %d messages, want the one left without an answer", srv.Count())
	}
}

// A send cancelled while FCM holds the request (a server shutting down) is Unknown too.
func TestFCMCancelledInFlight(t *testing.T) {
	srv, f := newTestFCM(t)
	srv.SetLatency(2 * time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for srv.Attempts() == 0 && srv.Pending() == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	res, err := f.Send(ctx, []Message{testMsg("tok")})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if r := res[0]; !r.Unknown || r.Retry || !errors.Is(r.Err, context.Canceled) {
		t.Errorf("result = %+v, want an unknown outcome after the cancellation", r)
	}
}

// FCM answered every request with 503 and the time ran out while the SDK waited to try
// again: FCM has not got the message, so it is Retry, not Unknown.
func TestFCMDeadlineWhileTheSDKWaits(t *testing.T) {
	srv, f := newTestFCM(t)
	srv.FailNext("tok", 10, fcmfake.Unavailable)
	f.Timeout = 1500 * time.Millisecond // the SDK waits 0 s, 1 s, then 2 s between tries
	res, err := f.Send(context.Background(), []Message{testMsg("tok")})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if r := res[0]; !r.Retry || r.Unknown || r.Err == nil {
		t.Errorf("result = %+v, want a retryable error", r)
	}
	if srv.Count() != 0 || srv.Attempts() < 2 {
		t.Errorf("fake: %d accepted, %d attempts", srv.Count(), srv.Attempts())
	}
}

func TestFCMNetworkError(t *testing.T) {
	srv, f := newTestFCM(t)
	srv.Close() // nothing listens any more: connections are refused
	f.Timeout = 300 * time.Millisecond
	res, err := f.Send(context.Background(), []Message{testMsg("tok")})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if r := res[0]; !r.Retry || r.Unknown || r.DropDevice || r.Err == nil {
		t.Errorf("result = %+v, want a retryable error (nothing went out)", r)
	}
}

func TestFCMMixedBatchInOrder(t *testing.T) {
	srv, f := newTestFCM(t)
	srv.Unregister("t1")
	srv.FailNext("t3", 1, fcmfake.QuotaExceeded)
	srv.FailNext("t4", 1, fcmfake.InvalidArgument)
	msgs := make([]Message, 7)
	for i := range msgs {
		msgs[i] = testMsg(fmt.Sprintf("t%d", i))
	}
	msgs[5].Token = ""                  // refused before sending
	msgs[6].Body = "Sunrise Circle met" // not discreet: refused before sending
	res, err := f.Send(context.Background(), msgs)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	want := []struct{ ok, drop, retry bool }{
		{true, false, false},
		{false, true, false},
		{true, false, false},
		{false, false, true},
		{false, true, false},
		{false, true, false},
		{false, false, false},
	}
	if len(res) != len(want) {
		t.Fatalf("%d results for %d messages", len(res), len(want))
	}
	for i, w := range want {
		r := res[i]
		if (r.Err == nil) != w.ok || r.DropDevice != w.drop || r.Retry != w.retry {
			t.Errorf("result %d = %+v, want ok %v drop %v retry %v", i, r, w.ok, w.drop, w.retry)
		}
	}
	if !messaging.IsUnregistered(res[1].Err) || !messaging.IsQuotaExceeded(res[3].Err) || !messaging.IsInvalidArgument(res[4].Err) {
		t.Errorf("errors out of order: %v / %v / %v", res[1].Err, res[3].Err, res[4].Err)
	}
	if !errors.Is(res[5].Err, ErrNoToken) || !errors.Is(res[6].Err, ErrNotDiscreet) {
		t.Errorf("refusals: %v / %v", res[5].Err, res[6].Err)
	}
	if srv.Attempts() != 5 || srv.Count() != 2 {
		t.Errorf("fake saw %d attempts, accepted %d; want 5 and 2", srv.Attempts(), srv.Count())
	}
	checkWire(t, srv, "Sunrise Circle")
}

func TestFCMManyMessages(t *testing.T) {
	srv, f := newTestFCM(t)
	const n = 1203
	msgs := make([]Message, n)
	for i := range msgs {
		msgs[i] = testMsg(fmt.Sprintf("t%04d", i))
	}
	srv.Unregister("t1000")
	res, err := f.Send(context.Background(), msgs)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if len(res) != n || srv.Count() != n-1 {
		t.Fatalf("%d results, %d delivered", len(res), srv.Count())
	}
	for i, r := range res {
		if (i == 1000) != r.DropDevice || (i == 1000) == (r.Err == nil) {
			t.Errorf("result %d = %+v", i, r)
		}
	}
}

func TestFCMEmptyAndCancelled(t *testing.T) {
	srv, f := newTestFCM(t)
	res, err := f.Send(context.Background(), nil)
	if err != nil || len(res) != 0 {
		t.Errorf("empty Send = %v, %v", res, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.Send(ctx, []Message{testMsg("tok")}); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a cancelled context: err = %v", err)
	}
	if srv.Attempts() != 0 {
		t.Errorf("fake saw %d attempts", srv.Attempts())
	}
}

func TestNewFCMEndpointOnlyForDemo(t *testing.T) {
	for _, project := range []string{"processgroup-prod", "", "demo", "xdemo-1"} {
		_, err := NewFCM(context.Background(), FCMConfig{ProjectID: project, Endpoint: "http://127.0.0.1:1"})
		if err == nil || !strings.Contains(err.Error(), "FCM_ENDPOINT is for demo- projects/tests only") {
			t.Errorf("project %q: err = %v", project, err)
		}
	}
	f, err := NewFCM(context.Background(), FCMConfig{ProjectID: "demo-x", Endpoint: "http://127.0.0.1:1/", Timeout: time.Second})
	if err != nil || f.Timeout != time.Second {
		t.Errorf("demo project: %v, %v", f, err)
	}
}
