package fcmfake

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	firebase "firebase.google.com/go/v4"
	"firebase.google.com/go/v4/errorutils"
	"firebase.google.com/go/v4/messaging"
	"google.golang.org/api/option"
)

const project = "demo-fcmfake"

// newClient starts a fake server and a real Admin SDK messaging client
// pointed at it.
func newClient(t *testing.T) (*Server, *messaging.Client) {
	t.Helper()
	srv := New()
	t.Cleanup(srv.Close)
	ctx := context.Background()
	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: project},
		option.WithEndpoint(srv.URL+"/v1"), option.WithoutAuthentication())
	if err != nil {
		t.Fatalf("NewApp: %v", err)
	}
	client, err := app.Messaging(ctx)
	if err != nil {
		t.Fatalf("Messaging: %v", err)
	}
	return srv, client
}

func fullMessage(token string) *messaging.Message {
	ttl := 90 * time.Second
	return &messaging.Message{
		Token:        token,
		Notification: &messaging.Notification{Title: "Hello", Body: "World"},
		Data:         map[string]string{"type": "x", "id": "42"},
		Android: &messaging.AndroidConfig{
			Priority:    "high",
			TTL:         &ttl,
			CollapseKey: "c1",
			Notification: &messaging.AndroidNotification{
				Visibility: messaging.VisibilityPrivate,
				Tag:        "c1",
			},
		},
		APNS: &messaging.APNSConfig{
			Headers: map[string]string{"apns-collapse-id": "c1", "apns-priority": "10"},
			Payload: &messaging.APNSPayload{Aps: &messaging.Aps{
				Alert: &messaging.ApsAlert{Title: "Hello", Body: "World"},
				Sound: "default",
			}},
		},
	}
}

func TestSendRecordsFields(t *testing.T) {
	srv, client := newClient(t)
	name, err := client.Send(context.Background(), fullMessage("tok-1"))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if !strings.HasPrefix(name, "projects/"+project+"/messages/") {
		t.Errorf("message name = %q", name)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || srv.Count() != 1 || srv.Attempts() != 1 {
		t.Fatalf("got %d messages, Count %d, Attempts %d; want 1 each", len(msgs), srv.Count(), srv.Attempts())
	}
	m := msgs[0]
	checks := []struct{ name, got, want string }{
		{"Project", m.Project, project},
		{"Name", m.Name, name},
		{"Token", m.Token, "tok-1"},
		{"Title", m.Title, "Hello"},
		{"Body", m.Body, "World"},
		{"Data[type]", m.Data["type"], "x"},
		{"Data[id]", m.Data["id"], "42"},
		{"AndroidPriority", m.AndroidPriority, "high"},
		{"AndroidTTL", m.AndroidTTL, "90s"},
		{"AndroidCollapseKey", m.AndroidCollapseKey, "c1"},
		{"AndroidVisibility", m.AndroidVisibility, "PRIVATE"},
		{"AndroidTag", m.AndroidTag, "c1"},
		{"apns-collapse-id", m.APNSHeaders["apns-collapse-id"], "c1"},
		{"apns-priority", m.APNSHeaders["apns-priority"], "10"},
		{"APNSAlertTitle", m.APNSAlertTitle, "Hello"},
		{"APNSAlertBody", m.APNSAlertBody, "World"},
		{"APNSSound", m.APNSSound, "default"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	var raw map[string]any
	if err := json.Unmarshal(m.Raw, &raw); err != nil || raw["token"] != "tok-1" {
		t.Errorf("Raw = %s (%v)", m.Raw, err)
	}

	// Messages returns copies: changing them does not change the record.
	msgs[0].Data["type"] = "changed"
	msgs[0].APNSHeaders["apns-priority"] = "5"
	if again := srv.Messages()[0]; again.Data["type"] != "x" || again.APNSHeaders["apns-priority"] != "10" {
		t.Error("Messages returned shared maps")
	}

	srv.Reset()
	if srv.Count() != 0 || srv.Attempts() != 0 || len(srv.Messages()) != 0 {
		t.Error("Reset left state behind")
	}
}

func TestSDKErrorHelpers(t *testing.T) {
	tests := []struct {
		name    string
		program func(s *Server, token string)
		is      func(error) bool
	}{
		{"unregister", func(s *Server, tok string) { s.Unregister(tok) }, messaging.IsUnregistered},
		{"quota", func(s *Server, tok string) { s.FailNext(tok, 1, QuotaExceeded) }, messaging.IsQuotaExceeded},
		{"invalid argument", func(s *Server, tok string) { s.FailNext(tok, 1, InvalidArgument) }, messaging.IsInvalidArgument},
		{"internal", func(s *Server, tok string) { s.FailNext(tok, 1, Internal) }, messaging.IsInternal},
		{"sender id mismatch", func(s *Server, tok string) { s.FailNext(tok, 1, SenderIDMismatch) }, messaging.IsSenderIDMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, client := newClient(t)
			tt.program(srv, "bad")
			_, err := client.Send(context.Background(), fullMessage("bad"))
			if err == nil || !tt.is(err) {
				t.Fatalf("Send error = %v; the SDK helper does not recognise it", err)
			}
			if srv.Count() != 0 || srv.Attempts() != 1 {
				t.Errorf("Count %d, Attempts %d; want 0 and 1", srv.Count(), srv.Attempts())
			}
			// Other tokens are not affected.
			if _, err := client.Send(context.Background(), fullMessage("good")); err != nil {
				t.Errorf("Send to another token: %v", err)
			}
		})
	}
}

func TestUnregisterIsPermanent(t *testing.T) {
	srv, client := newClient(t)
	srv.Unregister("gone")
	for i := range 3 {
		if _, err := client.Send(context.Background(), fullMessage("gone")); !messaging.IsUnregistered(err) {
			t.Fatalf("send %d: err = %v, want UNREGISTERED", i, err)
		}
	}
	if srv.Count() != 0 || srv.Attempts() != 3 {
		t.Errorf("Count %d, Attempts %d", srv.Count(), srv.Attempts())
	}
}

func TestFailNextThenSuccess(t *testing.T) {
	srv, client := newClient(t)
	srv.FailNext("t", 2, Internal)
	for i := range 2 {
		if _, err := client.Send(context.Background(), fullMessage("t")); !messaging.IsInternal(err) {
			t.Fatalf("send %d: err = %v, want INTERNAL", i, err)
		}
	}
	if _, err := client.Send(context.Background(), fullMessage("t")); err != nil {
		t.Fatalf("third send: %v", err)
	}
	if srv.Count() != 1 || srv.Attempts() != 3 {
		t.Errorf("Count %d, Attempts %d; want 1 and 3", srv.Count(), srv.Attempts())
	}
}

// The SDK retries a 503 by itself (the first retry without waiting), so a
// single Unavailable is invisible to the caller.
func TestUnavailableOnceIsRetriedBySDK(t *testing.T) {
	srv, client := newClient(t)
	srv.FailNext("t", 1, Unavailable)
	start := time.Now()
	if _, err := client.Send(context.Background(), fullMessage("t")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if srv.Count() != 1 || srv.Attempts() != 2 {
		t.Errorf("Count %d, Attempts %d; want 1 and 2", srv.Count(), srv.Attempts())
	}
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("first retry took %v; the SDK should retry at once", d)
	}
}

// With a Retry-After beyond the SDK's 2 minute cap the SDK gives up at once
// and the caller sees UNAVAILABLE.
func TestUnavailableWithLongRetryAfter(t *testing.T) {
	srv, client := newClient(t)
	f := Unavailable
	f.RetryAfter = 3 * time.Minute
	srv.FailNext("t", 1, f)
	_, err := client.Send(context.Background(), fullMessage("t"))
	if !messaging.IsUnavailable(err) {
		t.Fatalf("err = %v, want UNAVAILABLE", err)
	}
	if resp := errorutils.HTTPResponse(err); resp == nil || resp.Header.Get("Retry-After") != "180" {
		t.Errorf("Retry-After header missing: %v", resp)
	}
	if srv.Attempts() != 1 {
		t.Errorf("Attempts = %d, want 1", srv.Attempts())
	}
}

func TestSendEachMixed(t *testing.T) {
	srv, client := newClient(t)
	srv.Unregister("t1")
	srv.FailNext("t3", 1, QuotaExceeded)
	var msgs []*messaging.Message
	for i := range 5 {
		msgs = append(msgs, fullMessage(fmt.Sprintf("t%d", i)))
	}
	br, err := client.SendEach(context.Background(), msgs)
	if err != nil {
		t.Fatalf("SendEach: %v", err)
	}
	if br.SuccessCount != 3 || br.FailureCount != 2 {
		t.Errorf("success %d, failure %d", br.SuccessCount, br.FailureCount)
	}
	if !messaging.IsUnregistered(br.Responses[1].Error) {
		t.Errorf("response 1: %v", br.Responses[1].Error)
	}
	if !messaging.IsQuotaExceeded(br.Responses[3].Error) {
		t.Errorf("response 3: %v", br.Responses[3].Error)
	}
	for _, i := range []int{0, 2, 4} {
		if !br.Responses[i].Success {
			t.Errorf("response %d: %v", i, br.Responses[i].Error)
		}
	}
	if srv.Count() != 3 || srv.Attempts() != 5 {
		t.Errorf("Count %d, Attempts %d", srv.Count(), srv.Attempts())
	}
}

func TestDryRunIsNotRecorded(t *testing.T) {
	srv, client := newClient(t)
	if _, err := client.SendDryRun(context.Background(), fullMessage("t")); err != nil {
		t.Fatalf("SendDryRun: %v", err)
	}
	if srv.Count() != 0 || srv.Attempts() != 1 {
		t.Errorf("Count %d, Attempts %d", srv.Count(), srv.Attempts())
	}
}

// post sends a raw request to the fake and decodes the error answer.
func post(t *testing.T, srv *Server, path, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("answer is not JSON: %v", err)
	}
	return resp.StatusCode, out
}

func TestBadRequests(t *testing.T) {
	srv := New()
	defer srv.Close()
	path := "/v1/projects/" + project + "/messages:send"
	tests := []struct {
		name, body  string
		fcmErrorSet bool
	}{
		{"not json", "{nope", false},
		{"no message", `{"validate_only": false}`, true},
		{"no token", `{"message": {"notification": {"title": "x"}}}`, true},
		{"data not strings", `{"message": {"token": "t", "data": {"a": 1}}}`, false},
		{"bad ttl", `{"message": {"token": "t", "android": {"ttl": "10 minutes"}}}`, true},
		{"bad priority", `{"message": {"token": "t", "android": {"priority": "urgent"}}}`, true},
		{"long collapse id", `{"message": {"token": "t", "apns": {"headers": {"apns-collapse-id": "` + strings.Repeat("x", 65) + `"}}}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := post(t, srv, path, tt.body)
			e, _ := out["error"].(map[string]any)
			if code != http.StatusBadRequest || e["status"] != "INVALID_ARGUMENT" || e["code"] != float64(400) || e["message"] == "" {
				t.Fatalf("got %d %v", code, out)
			}
			details, _ := e["details"].([]any)
			found := false
			for _, d := range details {
				dm, _ := d.(map[string]any)
				if dm["@type"] == "type.googleapis.com/google.firebase.fcm.v1.FcmError" && dm["errorCode"] == "INVALID_ARGUMENT" {
					found = true
				}
			}
			if found != tt.fcmErrorSet {
				t.Errorf("FcmError detail present = %v, want %v: %v", found, tt.fcmErrorSet, details)
			}
		})
	}
	if srv.Count() != 0 || srv.Attempts() != len(tests) {
		t.Errorf("Count %d, Attempts %d", srv.Count(), srv.Attempts())
	}

	code, _ := post(t, srv, "/v1/projects/"+project+"/other", "{}")
	if code != http.StatusNotFound {
		t.Errorf("unknown path: status %d", code)
	}
}

func TestLatency(t *testing.T) {
	srv, client := newClient(t)
	srv.SetLatency(150 * time.Millisecond)
	start := time.Now()
	if _, err := client.Send(context.Background(), fullMessage("t")); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("answer came after %v, want at least 150ms", d)
	}
	// A caller deadline shorter than the latency fails the send.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := client.Send(ctx, fullMessage("t")); err == nil {
		t.Error("Send succeeded despite the deadline")
	}
}

func TestConcurrentUse(t *testing.T) {
	srv, client := newClient(t)
	srv.FailNext("t0", 3, Internal)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = client.Send(context.Background(), fullMessage(fmt.Sprintf("t%d", i%4)))
			_ = srv.Messages()
			_ = srv.Count()
		}()
	}
	wg.Wait()
	if srv.Count() != 17 || srv.Attempts() != 20 {
		t.Errorf("Count %d, Attempts %d; want 17 and 20", srv.Count(), srv.Attempts())
	}
}

// Under Withholding the fake accepts and records a message but never answers: the sender
// gives up (here at its deadline) with FCM holding the message. Refusals are answered.
func TestWithholding(t *testing.T) {
	srv := New()
	t.Cleanup(srv.Close)
	ctx := context.Background()
	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: project},
		option.WithEndpoint(srv.Withholding()+"/v1"), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	client, err := app.Messaging(ctx)
	if err != nil {
		t.Fatal(err)
	}
	srv.Unregister("gone")
	if _, err := client.Send(ctx, fullMessage("gone")); !messaging.IsUnregistered(err) {
		t.Errorf("refusal under Withholding: %v", err)
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := client.Send(sctx, fullMessage("tok"))
		done <- err
	}()
	for srv.Withheld() == 0 {
		time.Sleep(time.Millisecond)
	}
	if srv.Count() != 1 || srv.Pending() != 1 {
		t.Errorf("while withheld: %d accepted, %d pending; want 1 and 1", srv.Count(), srv.Pending())
	}
	cancel()
	if err := <-done; err == nil {
		t.Error("a withheld send returned without error")
	}
	for srv.Withheld() > 0 {
		time.Sleep(time.Millisecond)
	}
	if srv.Count() != 1 || srv.Pending() != 0 {
		t.Errorf("after the sender gave up: %d accepted, %d pending; want 1 and 0", srv.Count(), srv.Pending())
	}
}
