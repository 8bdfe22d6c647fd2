// Package apperr is the small, fixed set of errors a client can receive.
//
// Domain code returns *Error for anything the client should understand; the GraphQL error
// presenter turns it into a message and extensions.code. Every other error is internal:
// the client is told "internal error" and the operator gets a log line.
package apperr

import (
	"fmt"
)

// Code is the machine-readable kind of an error, sent as extensions.code.
type Code string

// The codes a client can receive.
const (
	Unauthenticated Code = "UNAUTHENTICATED"
	Forbidden       Code = "FORBIDDEN"
	NotFound        Code = "NOT_FOUND"
	BadUserInput    Code = "BAD_USER_INPUT"
	Conflict        Code = "CONFLICT"
	RateLimited     Code = "RATE_LIMITED"
	// ConsentRequired refuses sharing with a group before the member consented to it.
	ConsentRequired Code = "CONSENT_REQUIRED"
	// Unavailable says that the request could not be served for a while (the database or
	// Firebase cannot be reached): nothing was judged about the request or the token, and
	// the same request may be sent again after extensions.retryAfter seconds. It comes with
	// HTTP 503 and a Retry-After header. Never a reason to sign the person out.
	Unavailable Code = "UNAVAILABLE"
	// Resync ends a subscription that may have missed changes: the app refetches what it
	// shows, then subscribes again.
	Resync Code = "RESYNC"
	// PersistedQueryNotFound answers a request that names a document by a hash the server
	// does not know: outside production the client sends the document with its hash once
	// (Automatic Persisted Queries); in production only the app's trusted documents exist.
	PersistedQueryNotFound Code = "PERSISTED_QUERY_NOT_FOUND"
	// PersistedQueryRequired refuses a document sent whole where only trusted documents,
	// named by hash, may run (production).
	PersistedQueryRequired Code = "PERSISTED_QUERY_REQUIRED"
	Internal               Code = "INTERNAL"
)

// Error is an error meant for the client. Its message must never carry health data,
// names, emails or tokens.
type Error struct {
	Code    Code
	Message string
	// Field names the offending input field (its GraphQL name), for BAD_USER_INPUT.
	Field string
	// Extensions are extra machine-readable facts, e.g. currentVersion on a CONFLICT.
	Extensions map[string]any
}

// Error implements error.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// New returns an error with code and message.
func New(code Code, message string) *Error {
	return &Error{Code: code, Message: message}
}

// Input returns a BAD_USER_INPUT error about one input field.
func Input(field, message string) *Error {
	return &Error{Code: BadUserInput, Field: field, Message: message}
}

// NotFoundf returns a NOT_FOUND error. It is also what a client gets for things it may not
// see, so that they are indistinguishable from things that do not exist.
func NotFoundf(format string, args ...any) *Error {
	return &Error{Code: NotFound, Message: fmt.Sprintf(format, args...)}
}
