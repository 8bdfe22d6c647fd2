// Package fcmfake is an in-process fake of the Firebase Cloud Messaging
// (FCM) HTTP v1 API, for tests.
//
// It answers the one endpoint the Firebase Admin SDK for Go uses to send a
// message to a device:
//
//	POST /v1/projects/{project}/messages:send
//
// with a body of the form {"message": {...}, "validate_only": false}. Point
// the real SDK at it with
//
//	app, _ := firebase.NewApp(ctx, &firebase.Config{ProjectID: "demo-test"},
//		option.WithEndpoint(srv.URL+"/v1"), option.WithoutAuthentication())
//	client, _ := app.Messaging(ctx)
//
// Accepted messages are recorded so tests can look at what would have
// reached a phone. Failures can be programmed per token and are answered
// the way FCM answers them (HTTP status plus a Google API error body with an
// FcmError detail), so the SDK's helpers such as messaging.IsUnregistered
// work on the errors the client returns.
//
// SetLatency makes answers wait; Withholding gives senders a base URL under
// which accepted messages are never answered (a sender that died, or gave up,
// after FCM took its message); Pending and Withheld count the requests
// waiting so. A message whose sender hangs up while its answer waits is still
// accepted and recorded, as FCM would deliver it.
//
// The Admin SDK retries HTTP 503 (and network errors) on its own: up to 4
// retries, waiting 0 s, 1 s, 2 s and 4 s before them, unless the answer
// carries a Retry-After header asking for more than 2 minutes, in which case
// it gives up at once. Other statuses are never retried by the SDK.
//
// The fake provides no security; it is only for tests.
package fcmfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// Failure describes an error answer in the form FCM gives it.
type Failure struct {
	// HTTPStatus is the HTTP status code of the answer, e.g. 503.
	HTTPStatus int
	// Status is the Google API status name put in error.status, e.g.
	// "UNAVAILABLE".
	Status string
	// Message is the human-readable text put in error.message.
	Message string
	// ErrorCode is the FCM error code put in an error detail of type
	// google.firebase.fcm.v1.FcmError, e.g. "UNREGISTERED". When empty, no
	// such detail is sent and the SDK's messaging.IsXxx helpers report
	// false.
	ErrorCode string
	// RetryAfter, when positive, is sent as a Retry-After header in whole
	// seconds. The SDK waits that long before retrying a 503; when it is
	// more than 2 minutes the SDK does not retry at all.
	RetryAfter time.Duration
}

// The failures FCM is known to answer with. Pass them to FailNext.
var (
	// Unregistered is what FCM answers for a token whose app was
	// uninstalled or whose registration expired (404 NOT_FOUND,
	// UNREGISTERED). Unregister makes a token answer with it for good.
	Unregistered = Failure{
		HTTPStatus: http.StatusNotFound,
		Status:     "NOT_FOUND",
		Message:    "Requested entity was not found.",
		ErrorCode:  "UNREGISTERED",
	}
	// Unavailable is a temporary outage of FCM (503 UNAVAILABLE). The SDK
	// retries it by itself.
	Unavailable = Failure{
		HTTPStatus: http.StatusServiceUnavailable,
		Status:     "UNAVAILABLE",
		Message:    "The service is currently unavailable.",
		ErrorCode:  "UNAVAILABLE",
	}
	// QuotaExceeded is FCM's answer when the sending rate is over the
	// project's or the device's quota (429 RESOURCE_EXHAUSTED,
	// QUOTA_EXCEEDED).
	QuotaExceeded = Failure{
		HTTPStatus: http.StatusTooManyRequests,
		Status:     "RESOURCE_EXHAUSTED",
		Message:    "Quota exceeded for sending messages.",
		ErrorCode:  "QUOTA_EXCEEDED",
	}
	// Internal is an unexpected server error inside FCM (500 INTERNAL).
	Internal = Failure{
		HTTPStatus: http.StatusInternalServerError,
		Status:     "INTERNAL",
		Message:    "Internal error encountered.",
		ErrorCode:  "INTERNAL",
	}
	// InvalidArgument is FCM's answer for a malformed registration token
	// (400 INVALID_ARGUMENT).
	InvalidArgument = Failure{
		HTTPStatus: http.StatusBadRequest,
		Status:     "INVALID_ARGUMENT",
		Message:    "The registration token is not a valid FCM registration token",
		ErrorCode:  "INVALID_ARGUMENT",
	}
	// SenderIDMismatch is FCM's answer when the token belongs to a
	// different Firebase project (403 PERMISSION_DENIED,
	// SENDER_ID_MISMATCH).
	SenderIDMismatch = Failure{
		HTTPStatus: http.StatusForbidden,
		Status:     "PERMISSION_DENIED",
		Message:    "SenderId mismatch",
		ErrorCode:  "SENDER_ID_MISMATCH",
	}
)

// Message is one message the fake accepted, with the fields tests usually
// look at pulled out of the JSON.
type Message struct {
	// Project is the Firebase project ID taken from the request path.
	Project string
	// Name is the message name the fake answered with.
	Name string
	// Token is the device registration token the message was sent to.
	Token string
	// Title is notification.title.
	Title string
	// Body is notification.body.
	Body string
	// Data is the data payload; nil when none was sent.
	Data map[string]string
	// AndroidPriority is android.priority as sent ("high", "normal" or "").
	AndroidPriority string
	// AndroidTTL is android.ttl as sent, e.g. "3600s"; "" when not sent.
	AndroidTTL string
	// AndroidCollapseKey is android.collapse_key.
	AndroidCollapseKey string
	// AndroidVisibility is android.notification.visibility as sent, e.g.
	// "PRIVATE".
	AndroidVisibility string
	// AndroidTag is android.notification.tag.
	AndroidTag string
	// APNSHeaders are the apns.headers; nil when none were sent.
	APNSHeaders map[string]string
	// APNSAlertTitle is apns.payload.aps.alert.title.
	APNSAlertTitle string
	// APNSAlertBody is apns.payload.aps.alert.body.
	APNSAlertBody string
	// APNSSound is apns.payload.aps.sound when it is a string.
	APNSSound string
	// Raw is the complete "message" object as received.
	Raw json.RawMessage
}

// Server is a running fake FCM server. It is safe for concurrent use.
type Server struct {
	// URL is the base URL of the server, e.g. "http://127.0.0.1:12345".
	// The SDK endpoint is URL+"/v1".
	URL string

	srv *httptest.Server

	mu           sync.Mutex
	messages     []Message
	attempts     int
	pending      int
	withheld     int
	unregistered map[string]bool
	failures     map[string][]Failure
	latency      time.Duration
	nextID       int
}

// New starts a fake FCM server on a local port. Call Close when done.
func New() *Server {
	s := &Server{
		unregistered: make(map[string]bool),
		failures:     make(map[string][]Failure),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/projects/{project}/messages:send", s.handleSend)
	mux.HandleFunc("POST /withhold/v1/projects/{project}/messages:send", s.handleWithheld)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		s.wait(r.Context())
		writeError(w, Failure{
			HTTPStatus: http.StatusNotFound,
			Status:     "NOT_FOUND",
			Message:    "The requested URL " + r.URL.Path + " was not found on this server.",
		}, nil)
	})
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down and waits for running requests to finish.
func (s *Server) Close() {
	s.srv.Close()
}

// Messages returns a copy of every message accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		out[i] = m.clone()
	}
	return out
}

// Count returns how many messages were accepted so far.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.messages)
}

// Attempts returns how many send requests arrived so far, accepted or not
// (the SDK's own retries count too).
func (s *Server) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

// Pending returns how many send requests have arrived and are not answered
// yet (see SetLatency and Withholding).
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending
}

// Withholding returns a base URL for senders (FCM_ENDPOINT; the SDK endpoint
// is the URL plus "/v1") under which the server takes messages as usual
// (programmed failures, recording) but answers none it accepts: each such
// request waits until its client hangs up. It stands for FCM having accepted
// a message whose sender died, or gave up, before the answer came.
func (s *Server) Withholding() string { return s.URL + "/withhold" }

// Withheld returns how many accepted messages are waiting under Withholding
// for their client to hang up.
func (s *Server) Withheld() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.withheld
}

// Reset brings the server back to its state right after New: it forgets
// recorded messages, attempts, unregistered tokens, pending failures and
// the latency.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = nil
	s.attempts = 0
	s.unregistered = make(map[string]bool)
	s.failures = make(map[string][]Failure)
	s.latency = 0
}

// Unregister makes every later send to token fail the way FCM answers for
// an uninstalled app (see Unregistered).
func (s *Server) Unregister(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unregistered[token] = true
}

// FailNext makes the next n sends to token fail with f. Calls add up: the
// failures are used in the order they were programmed. Programmed failures
// come before an Unregister of the same token.
func (s *Server) FailNext(token string, n int, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures[token] = append(s.failures[token], f)
	}
}

// SetLatency makes every later answer wait d before it is written.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// wait sleeps for the configured latency or until ctx is done.
func (s *Server) wait(ctx context.Context) {
	s.mu.Lock()
	d := s.latency
	s.mu.Unlock()
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// sendRequest is the body of messages:send.
type sendRequest struct {
	Message      json.RawMessage `json:"message"`
	ValidateOnly bool            `json:"validate_only"`
}

// wireMessage holds the parts of an FCM v1 message the fake looks at.
type wireMessage struct {
	Token        string            `json:"token"`
	Topic        string            `json:"topic"`
	Condition    string            `json:"condition"`
	Data         map[string]string `json:"data"`
	Notification *struct {
		Title string `json:"title"`
		Body  string `json:"body"`
	} `json:"notification"`
	Android *struct {
		Priority     string `json:"priority"`
		TTL          string `json:"ttl"`
		CollapseKey  string `json:"collapse_key"`
		Notification *struct {
			Visibility string `json:"visibility"`
			Tag        string `json:"tag"`
		} `json:"notification"`
	} `json:"android"`
	APNS *struct {
		Headers map[string]string `json:"headers"`
		Payload *struct {
			Aps *struct {
				Alert json.RawMessage `json:"alert"`
				Sound json.RawMessage `json:"sound"`
			} `json:"aps"`
		} `json:"payload"`
	} `json:"apns"`
}

// ttlPattern is the protobuf Duration JSON form FCM accepts for android.ttl.
var ttlPattern = regexp.MustCompile(`^[0-9]+(\.[0-9]{1,9})?s$`)

func (s *Server) handleSend(w http.ResponseWriter, r *http.Request) {
	// Read the body before waiting: only then does net/http notice a
	// client that hangs up, so that the wait ends early.
	wm, req, fail := parseSend(r)
	s.mu.Lock()
	s.pending++
	s.mu.Unlock()
	s.wait(r.Context())
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending--
	s.answer(w, r.PathValue("project"), wm, req, fail)
}

// handleWithheld takes a message like handleSend but, once it has accepted
// it, keeps the answer until the client hangs up (see Withholding).
func (s *Server) handleWithheld(w http.ResponseWriter, r *http.Request) {
	wm, req, fail := parseSend(r)
	rec := httptest.NewRecorder()
	s.mu.Lock()
	before := len(s.messages)
	s.answer(rec, r.PathValue("project"), wm, req, fail)
	accepted := len(s.messages) > before
	if accepted {
		s.pending++
		s.withheld++
	}
	s.mu.Unlock()
	if !accepted {
		// Refused: that answer is given.
		maps.Copy(w.Header(), rec.Header())
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	<-r.Context().Done()
	s.mu.Lock()
	s.pending--
	s.withheld--
	s.mu.Unlock()
}

// answer counts the attempt and answers it: the failure of a bad request,
// a programmed failure, or acceptance (recorded). The caller holds s.mu.
func (s *Server) answer(w http.ResponseWriter, project string, wm *wireMessage, req *sendRequest, fail func(http.ResponseWriter)) {
	s.attempts++
	if fail != nil {
		fail(w)
		return
	}

	if q := s.failures[wm.Token]; len(q) > 0 {
		f := q[0]
		if len(q) == 1 {
			delete(s.failures, wm.Token)
		} else {
			s.failures[wm.Token] = q[1:]
		}
		writeError(w, f, nil)
		return
	}
	if s.unregistered[wm.Token] {
		writeError(w, Unregistered, nil)
		return
	}

	var name string
	if req.ValidateOnly {
		// FCM answers a dry run with a fixed name and delivers nothing.
		name = fmt.Sprintf("projects/%s/messages/fake_message_id", project)
	} else {
		s.nextID++
		name = fmt.Sprintf("projects/%s/messages/%d", project, s.nextID)
		s.messages = append(s.messages, record(project, name, wm, req.Message))
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_ = json.NewEncoder(w).Encode(map[string]string{"name": name})
}

// parseSend reads and checks a messages:send request. When the request
// must be refused, fail writes the answer.
func parseSend(r *http.Request) (wm *wireMessage, req *sendRequest, fail func(http.ResponseWriter)) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, nil, func(w http.ResponseWriter) { writeBadJSON(w, "could not read the request body") }
	}
	req = new(sendRequest)
	if err := json.Unmarshal(body, req); err != nil {
		return nil, nil, func(w http.ResponseWriter) { writeBadJSON(w, err.Error()) }
	}
	if len(req.Message) == 0 || bytes.Equal(req.Message, []byte("null")) {
		return nil, nil, func(w http.ResponseWriter) {
			writeInvalid(w, "Request contains an invalid argument.", "message", "The message is not set.")
		}
	}
	wm = new(wireMessage)
	if err := json.Unmarshal(req.Message, wm); err != nil {
		return nil, nil, func(w http.ResponseWriter) { writeBadJSON(w, err.Error()) }
	}
	if wm.Token == "" {
		if wm.Topic != "" || wm.Condition != "" {
			return nil, nil, func(w http.ResponseWriter) {
				writeInvalid(w, "This fake FCM server only supports messages sent to a token.", "message", "topic and condition targets are not supported")
			}
		}
		return nil, nil, func(w http.ResponseWriter) {
			writeInvalid(w, "Recipient of the message is not set.", "message.token", "The registration token is not set.")
		}
	}
	if msg, field := validate(wm); msg != "" {
		return nil, nil, func(w http.ResponseWriter) { writeInvalid(w, msg, field, msg) }
	}
	return wm, req, nil
}

// validate checks the fields FCM itself checks. It returns a description
// of the first problem and the field it is about, or "" when all is well.
func validate(wm *wireMessage) (msg, field string) {
	if a := wm.Android; a != nil {
		switch a.Priority {
		case "", "normal", "high", "NORMAL", "HIGH":
		default:
			return fmt.Sprintf("Invalid value at 'message.android.priority' (%q)", a.Priority), "message.android.priority"
		}
		if a.TTL != "" && !ttlPattern.MatchString(a.TTL) {
			return fmt.Sprintf("Invalid value at 'message.android.ttl' (%q)", a.TTL), "message.android.ttl"
		}
		if n := a.Notification; n != nil {
			switch n.Visibility {
			case "", "VISIBILITY_UNSPECIFIED", "PRIVATE", "PUBLIC", "SECRET":
			default:
				return fmt.Sprintf("Invalid value at 'message.android.notification.visibility' (%q)", n.Visibility), "message.android.notification.visibility"
			}
		}
	}
	if wm.APNS != nil {
		// APNs refuses collapse ids longer than 64 bytes.
		if id := wm.APNS.Headers["apns-collapse-id"]; len(id) > 64 {
			return "apns-collapse-id must not be longer than 64 bytes", "message.apns.headers"
		}
		if p := wm.APNS.Headers["apns-priority"]; p != "" && p != "5" && p != "10" && p != "1" {
			return fmt.Sprintf("Invalid apns-priority %q", p), "message.apns.headers"
		}
		if e := wm.APNS.Headers["apns-expiration"]; e != "" {
			if _, err := strconv.ParseInt(e, 10, 64); err != nil {
				return fmt.Sprintf("Invalid apns-expiration %q", e), "message.apns.headers"
			}
		}
	}
	return "", ""
}

// record turns an accepted wire message into a Message.
func record(project, name string, wm *wireMessage, raw json.RawMessage) Message {
	m := Message{
		Project: project,
		Name:    name,
		Token:   wm.Token,
		Data:    wm.Data,
		Raw:     append(json.RawMessage(nil), raw...),
	}
	if n := wm.Notification; n != nil {
		m.Title, m.Body = n.Title, n.Body
	}
	if a := wm.Android; a != nil {
		m.AndroidPriority = a.Priority
		m.AndroidTTL = a.TTL
		m.AndroidCollapseKey = a.CollapseKey
		if n := a.Notification; n != nil {
			m.AndroidVisibility = n.Visibility
			m.AndroidTag = n.Tag
		}
	}
	if a := wm.APNS; a != nil {
		m.APNSHeaders = a.Headers
		if a.Payload != nil && a.Payload.Aps != nil {
			aps := a.Payload.Aps
			var alert struct {
				Title string `json:"title"`
				Body  string `json:"body"`
			}
			if json.Unmarshal(aps.Alert, &alert) == nil {
				m.APNSAlertTitle, m.APNSAlertBody = alert.Title, alert.Body
			} else {
				// The alert may also be a plain string: it is the body.
				_ = json.Unmarshal(aps.Alert, &m.APNSAlertBody)
			}
			_ = json.Unmarshal(aps.Sound, &m.APNSSound)
		}
	}
	return m
}

// clone returns a deep copy of m.
func (m Message) clone() Message {
	m.Data = maps.Clone(m.Data)
	m.APNSHeaders = maps.Clone(m.APNSHeaders)
	m.Raw = append(json.RawMessage(nil), m.Raw...)
	return m
}

// writeBadJSON answers a body that is not valid JSON the way Google's API
// front end does: 400 INVALID_ARGUMENT with a google.rpc.BadRequest detail
// but no FcmError detail (the request never reached FCM proper).
func writeBadJSON(w http.ResponseWriter, why string) {
	msg := "Invalid JSON payload received. " + why
	writeError(w, Failure{
		HTTPStatus: http.StatusBadRequest,
		Status:     "INVALID_ARGUMENT",
		Message:    msg,
	}, []any{badRequest("", msg)})
}

// writeInvalid answers a well-formed request FCM cannot send:
// 400 INVALID_ARGUMENT with an FcmError INVALID_ARGUMENT detail.
func writeInvalid(w http.ResponseWriter, msg, field, description string) {
	f := InvalidArgument
	f.Message = msg
	writeError(w, f, []any{badRequest(field, description)})
}

// badRequest builds a google.rpc.BadRequest error detail.
func badRequest(field, description string) map[string]any {
	v := map[string]any{"description": description}
	if field != "" {
		v["field"] = field
	}
	return map[string]any{
		"@type":           "type.googleapis.com/google.rpc.BadRequest",
		"fieldViolations": []any{v},
	}
}

// writeError writes f as a Google API error body, with the FcmError detail
// (when f has an ErrorCode) followed by extra details.
func writeError(w http.ResponseWriter, f Failure, extra []any) {
	details := []any{}
	if f.ErrorCode != "" {
		details = append(details, map[string]any{
			"@type":     "type.googleapis.com/google.firebase.fcm.v1.FcmError",
			"errorCode": f.ErrorCode,
		})
	}
	details = append(details, extra...)
	body := map[string]any{
		"code":    f.HTTPStatus,
		"message": f.Message,
		"status":  f.Status,
	}
	if len(details) > 0 {
		body["details"] = details
	}
	if f.RetryAfter > 0 {
		secs := int64((f.RetryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(f.HTTPStatus)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": body})
}
