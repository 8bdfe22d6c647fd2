package push

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	firebase "firebase.google.com/go/v4"
	"firebase.google.com/go/v4/errorutils"
	"firebase.google.com/go/v4/messaging"
	"google.golang.org/api/option"
)

// DefaultTimeout is how long one batch of up to 500 messages may take when
// FCM.Timeout is not set.
const DefaultTimeout = 10 * time.Second

// maxBatch is the most messages the Admin SDK's SendEach accepts at once.
const maxBatch = 500

// FCMConfig configures NewFCM.
type FCMConfig struct {
	// ProjectID is the Firebase project. When empty, the SDK takes it from
	// the credentials or GOOGLE_CLOUD_PROJECT.
	ProjectID string
	// Endpoint is the base URL of a fake FCM server (the FCM_ENDPOINT
	// setting), e.g. "http://127.0.0.1:9099"; "/v1" is appended. It is
	// only honoured for "demo-" projects, and then no credentials are used.
	// Leave it empty to talk to the real FCM with Application Default
	// Credentials (GOOGLE_APPLICATION_CREDENTIALS).
	Endpoint string
	// Timeout bounds each call to FCM; zero means DefaultTimeout.
	Timeout time.Duration
}

// FCM sends notifications through Firebase Cloud Messaging with the
// Firebase Admin SDK. It is safe for concurrent use.
type FCM struct {
	// Timeout bounds each call to FCM (one SendEach of up to 500
	// messages, including the SDK's own retries); zero means
	// DefaultTimeout.
	Timeout time.Duration

	client *messaging.Client
	now    func() time.Time
}

var _ Sender = (*FCM)(nil)

// NewFCM creates an FCM sender. Without cfg.Endpoint it uses Application
// Default Credentials. With cfg.Endpoint it refuses any project whose ID
// does not start with "demo-", so that a fake server can never stand in
// for a real project.
func NewFCM(ctx context.Context, cfg FCMConfig) (*FCM, error) {
	var opts []option.ClientOption
	if cfg.Endpoint != "" {
		if !strings.HasPrefix(cfg.ProjectID, "demo-") {
			return nil, fmt.Errorf("push: FCM_ENDPOINT is for demo- projects/tests only, not for project %q", cfg.ProjectID)
		}
		opts = append(opts,
			option.WithEndpoint(strings.TrimRight(cfg.Endpoint, "/")+"/v1"),
			option.WithoutAuthentication())
	}
	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: cfg.ProjectID}, opts...)
	if err != nil {
		return nil, fmt.Errorf("push: firebase app: %w", err)
	}
	client, err := app.Messaging(ctx)
	if err != nil {
		return nil, fmt.Errorf("push: firebase messaging: %w", err)
	}
	return &FCM{Timeout: cfg.Timeout, client: client, now: time.Now}, nil
}

// Send sends msgs through FCM, at most 500 per SendEach call, each call
// under Timeout. It returns one Result per message, in order. Messages
// without a token or failing CheckDiscreet are not sent and get an error
// Result. The returned error is non-nil only when ctx is already done
// before anything is sent.
func (f *FCM) Send(ctx context.Context, msgs []Message) ([]Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	results := make([]Result, len(msgs))
	now := f.now()
	var idx []int
	var out []*messaging.Message
	for i, m := range msgs {
		if r, ok := precheck(m); !ok {
			results[i] = r
			continue
		}
		idx = append(idx, i)
		out = append(out, toFCM(m, now))
	}
	for start := 0; start < len(out); start += maxBatch {
		end := min(start+maxBatch, len(out))
		f.sendBatch(ctx, out[start:end], idx[start:end], results)
	}
	return results, nil
}

// sendBatch sends one SendEach call's worth of messages and stores their
// results at results[idx[i]].
func (f *FCM) sendBatch(ctx context.Context, batch []*messaging.Message, idx []int, results []Result) {
	if err := ctx.Err(); err != nil {
		for _, i := range idx {
			results[i] = Result{Err: err, Retry: true}
		}
		return
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	br, err := f.client.SendEach(ctx, batch)
	if err != nil || br == nil || len(br.Responses) != len(batch) {
		// SendEach only fails as a whole when the SDK rejects a message
		// before sending; sending it again will not help.
		if err == nil {
			err = errors.New("push: FCM answered with the wrong number of responses")
		}
		for _, i := range idx {
			results[i] = Result{Err: fmt.Errorf("push: FCM batch: %w", err)}
		}
		return
	}
	for j, resp := range br.Responses {
		if resp == nil {
			results[idx[j]] = Result{Err: errors.New("push: FCM gave no response"), Retry: true}
			continue
		}
		if resp.Success {
			results[idx[j]] = Result{}
			continue
		}
		results[idx[j]] = classify(resp.Error)
	}
}

// classify turns an error from the Admin SDK into a Result, using only the
// SDK's own error helpers.
func classify(err error) Result {
	r := Result{Err: err}
	switch {
	case err == nil:
	case messaging.IsUnregistered(err),
		messaging.IsSenderIDMismatch(err),
		messaging.IsInvalidArgument(err):
		r.DropDevice = true
	case messaging.IsQuotaExceeded(err),
		messaging.IsUnavailable(err),
		messaging.IsInternal(err),
		// The same conditions when FCM's answer lacks its own error code.
		errorutils.IsResourceExhausted(err),
		errorutils.IsUnavailable(err),
		errorutils.IsInternal(err),
		errorutils.IsDeadlineExceeded(err),
		// The SDK returns the bare context error when the deadline passes
		// while it waits or retries.
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, context.Canceled),
		// A transport failure: the SDK got no HTTP answer at all.
		errorutils.IsUnknown(err) && errorutils.HTTPResponse(err) == nil:
		r.Retry = true
	}
	return r
}

// toFCM converts m into the Admin SDK's message, as of now.
func toFCM(m Message, now time.Time) *messaging.Message {
	collapse := collapseID(m.CollapseID)
	android := &messaging.AndroidConfig{
		Priority:    "high",
		CollapseKey: collapse,
		Notification: &messaging.AndroidNotification{
			Visibility: messaging.VisibilityPrivate,
			Tag:        collapse,
		},
	}
	headers := map[string]string{
		"apns-priority":  "10",
		"apns-push-type": "alert",
	}
	if collapse != "" {
		headers["apns-collapse-id"] = collapse
	}
	if !m.Expires.IsZero() {
		ttl := m.Expires.Sub(now).Truncate(time.Second)
		expiration := strconv.FormatInt(m.Expires.Unix(), 10)
		if ttl <= 0 {
			// Already expired: deliver now or never. For APNs that is 0.
			ttl = 0
			expiration = "0"
		}
		android.TTL = &ttl
		headers["apns-expiration"] = expiration
	}
	return &messaging.Message{
		Token:        m.Token,
		Notification: &messaging.Notification{Title: m.Title, Body: m.Body},
		Data:         withType(m),
		Android:      android,
		APNS: &messaging.APNSConfig{
			Headers: headers,
			Payload: &messaging.APNSPayload{Aps: &messaging.Aps{
				Alert: &messaging.ApsAlert{Title: m.Title, Body: m.Body},
				Sound: "default",
			}},
		},
	}
}
