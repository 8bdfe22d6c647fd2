package push

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	firebase "firebase.google.com/go/v4"
	"firebase.google.com/go/v4/errorutils"
	"firebase.google.com/go/v4/messaging"
	"google.golang.org/api/option"
)

// DefaultTimeout is how long one message may take to send, the Admin SDK's
// own retries included, when FCM.Timeout is not set.
const DefaultTimeout = 10 * time.Second

// maxInFlight is how many messages are sent at once.
const maxInFlight = 100

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
	// Timeout bounds the send of each message; zero means DefaultTimeout.
	Timeout time.Duration
}

// FCM sends notifications through Firebase Cloud Messaging with the
// Firebase Admin SDK. It is safe for concurrent use.
type FCM struct {
	// Timeout bounds the send of each message, including the SDK's own
	// retries; zero means DefaultTimeout.
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

// Send sends msgs through FCM, each message in a call of its own (up to
// maxInFlight at once), each call under Timeout. It returns one Result per
// message, in order. Messages without a token or failing CheckDiscreet are
// not sent and get an error Result. A message that got no answer after its
// request had gone out is reported Unknown, not Retry: FCM may have it. The
// returned error is non-nil only when ctx is already done before anything
// is sent.
func (f *FCM) Send(ctx context.Context, msgs []Message) ([]Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	results := make([]Result, len(msgs))
	now := f.now()
	slots := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	for i, m := range msgs {
		if r, ok := precheck(m); !ok {
			results[i] = r
			continue
		}
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			results[i] = f.sendOne(ctx, toFCM(m, now))
		})
	}
	wg.Wait()
	return results, nil
}

// sendOne sends one message under Timeout and tells what became of it.
func (f *FCM) sendOne(ctx context.Context, msg *messaging.Message) Result {
	if err := ctx.Err(); err != nil {
		return Result{Err: err, Retry: true} // not sent: nothing went out
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var w wire
	if _, err := f.client.Send(w.watch(ctx), msg); err != nil {
		return w.outcome(err)
	}
	return Result{}
}

// wire watches the HTTP requests of one message's send (the SDK retries
// some): how many were written in full, and how many were answered. It is
// what tells a message FCM cannot have (nothing went out, or every request
// was answered with an error) from one it may have accepted (a request went
// out and no answer came back).
type wire struct {
	written, answered atomic.Int32
}

// watch returns ctx with an HTTP trace that counts into w.
func (w *wire) watch(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				w.written.Add(1)
			}
		},
		GotFirstResponseByte: func() { w.answered.Add(1) },
	})
}

// outcome is the Result of a send that failed with err.
func (w *wire) outcome(err error) Result {
	written, answered := w.written.Load(), w.answered.Load()
	switch {
	case written == 0:
		// Nothing went out (no connection, or the deadline came first).
	case written > answered:
		// A request went out and its answer never came: FCM may have it.
		return Result{Err: err, Unknown: true}
	case errorutils.HTTPResponse(err) != nil:
		// FCM answered this request with an error (and any earlier one too).
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		// Every request was answered with an error; the time ran out while
		// the SDK waited to try again.
	default:
		// An answer came, then something failed reading it: it may have
		// been an acceptance.
		return Result{Err: err, Unknown: true}
	}
	return classify(err)
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
		// A transport failure before the request went out (wire.outcome
		// tells these from failures after it went out).
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
	// Web push: the Topic replaces a message still waiting for the browser,
	// the tag the notification already shown.
	web := &messaging.WebpushConfig{
		Headers:      map[string]string{"Urgency": "high"},
		Notification: &messaging.WebpushNotification{Title: m.Title, Body: m.Body, Tag: collapse},
	}
	if topic := webTopic(collapse); topic != "" {
		web.Headers["Topic"] = topic
	}
	if android.TTL != nil {
		web.Headers["TTL"] = strconv.FormatInt(int64(*android.TTL/time.Second), 10)
	}
	return &messaging.Message{
		Token:        m.Token,
		Notification: &messaging.Notification{Title: m.Title, Body: m.Body},
		Data:         withType(m),
		Android:      android,
		Webpush:      web,
		APNS: &messaging.APNSConfig{
			Headers: headers,
			Payload: &messaging.APNSPayload{Aps: &messaging.Aps{
				Alert: &messaging.ApsAlert{Title: m.Title, Body: m.Body},
				Sound: "default",
			}},
		},
	}
}
