// Package push sends push notifications to members' phones.
//
// Members are people in addiction recovery. A notification can show up on a
// locked screen that anybody nearby can read, so its text must never reveal
// what kind of group it is about: no group or clinic names, no person names,
// no words such as "recovery" or "sober". This package therefore only sends
// a small fixed set of generic texts (see Reminder, Cancelled,
// Encouragement and Prompt) and opaque ids, and CheckDiscreet verifies that a message
// keeps to that. Both senders refuse messages that fail CheckDiscreet.
//
// Two Senders exist: FCM, which delivers through Firebase Cloud Messaging
// with the Firebase Admin SDK, and Log, which only writes a log line per
// message for local demo mode.
package push

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Kind of a notification.
type Kind string

// The kinds of notifications the app sends.
const (
	// KindReminder reminds a member of an upcoming group session.
	KindReminder Kind = "session_reminder"
	// KindCancelled tells a member that a group session was cancelled.
	KindCancelled Kind = "session_cancelled"
	// KindEncouragement tells a member that someone sent them
	// encouragement.
	KindEncouragement Kind = "encouragement"
	// KindPrompt tells a member that their group's next session has a
	// prompt to write a reflection to (never its text or the theme).
	KindPrompt Kind = "session_prompt"
)

// Message is one notification to one device.
type Message struct {
	// Token is the device's FCM registration token. It is a secret and is
	// never logged.
	Token string
	// Kind is the kind of notification; it is sent as Data["type"].
	Kind Kind
	// Title and Body are the texts shown to the user; use the texts from
	// Reminder, Cancelled, Encouragement or Prompt.
	Title, Body string
	// Data carries opaque ids only (keys "sessionId", "groupId",
	// "encouragementId"); the senders add "type": string(Kind).
	Data map[string]string
	// CollapseID makes a newer notification with the same id replace the
	// older one on the device (APNs apns-collapse-id, Android collapse_key
	// and notification tag, web push Topic and notification tag), and the
	// same notification sent twice show once. Ids longer than 64 bytes are
	// replaced by their SHA-256 in hex, because APNs allows at most 64
	// bytes (web push topics: 32 characters, see webTopic).
	CollapseID string
	// Expires is when the notification stops being worth delivering. The
	// zero time leaves FCM's default (4 weeks); otherwise the Android TTL
	// and apns-expiration end here (if already past, TTL 0, which means
	// "deliver now or never").
	Expires time.Time
}

// Result of sending one Message.
type Result struct {
	// Err is nil when FCM accepted the message.
	Err error
	// DropDevice reports that the token is dead (unregistered, invalid, or
	// belonging to another sender): forget the device.
	DropDevice bool
	// Retry reports that the message certainly did not reach FCM and that
	// sending it again later is worthwhile (quota exceeded, FCM unavailable
	// or failing internally, a connection that failed before the request
	// was written, a deadline that passed before it was sent).
	Retry bool
	// Unknown reports that no answer came although the request had gone
	// out (the deadline passed, the context was cancelled or the connection
	// broke while FCM had the message): FCM may have accepted it. Sending it
	// again could show it twice, so callers count it as sent.
	Unknown bool
}

// Sender sends notifications.
type Sender interface {
	// Send sends msgs, one result per message in order. The error is for a
	// failure of the whole batch (then retry).
	Send(ctx context.Context, msgs []Message) ([]Result, error)
}

// ErrNoToken is the Result.Err of a message without a device token.
var ErrNoToken = errors.New("push: message has no device token")

// ErrNotDiscreet is wrapped by the Result.Err of a message that a sender
// refused because it failed CheckDiscreet.
var ErrNotDiscreet = errors.New("push: message is not discreet")

// TokenFingerprint returns a short, non-reversible reference to a device
// token (the first 12 hex digits of its SHA-256) that is safe to log.
func TokenFingerprint(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:6])
}

// precheck decides whether a sender may pass m on. When it may not, ok is
// false and r is the Result to report.
func precheck(m Message) (r Result, ok bool) {
	if m.Token == "" {
		return Result{Err: ErrNoToken, DropDevice: true}, false
	}
	if err := checkDiscreet(m, false, nil); err != nil {
		return Result{Err: fmt.Errorf("%w: %w", ErrNotDiscreet, err)}, false
	}
	return Result{}, true
}

// withType returns a copy of m.Data with "type" set to m.Kind.
func withType(m Message) map[string]string {
	data := make(map[string]string, len(m.Data)+1)
	for k, v := range m.Data {
		data[k] = v
	}
	if m.Kind != "" {
		data["type"] = string(m.Kind)
	}
	return data
}

// collapseID returns id shortened to fit APNs' 64-byte limit.
func collapseID(id string) string {
	if len(id) <= 64 {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// webTopicChars are the characters a web push Topic may use (URL-safe
// base64), at most 32 of them (RFC 8030, section 5.4).
var webTopicChars = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// webTopic returns id as a web push Topic: as it is when it fits, else the
// first 32 hex digits of its SHA-256.
func webTopic(id string) string {
	if id == "" || webTopicChars.MatchString(id) {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:16])
}
