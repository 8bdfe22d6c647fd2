package push

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestLogSender(t *testing.T) {
	var buf bytes.Buffer
	s := NewLog(slog.New(slog.NewJSONHandler(&buf, nil)))
	const token = "secret-device-token-123"
	ok := testMsg(token)
	noToken := testMsg("")
	loud := testMsg(token)
	loud.Title = "Sunrise Circle"

	res, err := s.Send(context.Background(), []Message{ok, noToken, loud})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if res[0] != (Result{}) {
		t.Errorf("result 0 = %+v, want success", res[0])
	}
	if !errors.Is(res[1].Err, ErrNoToken) || !res[1].DropDevice {
		t.Errorf("result 1 = %+v", res[1])
	}
	if !errors.Is(res[2].Err, ErrNotDiscreet) {
		t.Errorf("result 2 = %+v", res[2])
	}

	out := buf.String()
	if strings.Contains(out, token) {
		t.Errorf("log contains the token:\n%s", out)
	}
	if strings.Contains(out, "Sunrise") {
		t.Errorf("log contains the refused text:\n%s", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d log lines, want 3:\n%s", len(lines), out)
	}
	var first struct {
		Kind, Title, Body, Device string
		Data                      map[string]string
	}
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first.Kind != string(KindReminder) || first.Title != ok.Title || first.Body != ok.Body ||
		first.Device != TokenFingerprint(token) || first.Data["type"] != string(KindReminder) || first.Data["sessionId"] != "s1" {
		t.Errorf("log line = %+v", first)
	}
	if len(first.Device) != 12 {
		t.Errorf("fingerprint %q is not 12 hex digits", first.Device)
	}
}

func TestLogSenderNilLoggerAndCancel(t *testing.T) {
	s := NewLog(nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Send(ctx, []Message{testMsg("t")}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}
