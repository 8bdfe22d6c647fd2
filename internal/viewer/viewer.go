// Package viewer carries the signed-in person through a request's context.
//
// The viewer is set once, by the HTTP authentication middleware, after the Firebase ID
// token has been verified and the member record loaded. Privacy rules read it from the
// context; nothing else decides who the viewer is.
package viewer

import "context"

// Viewer is the signed-in person making a request.
type Viewer struct {
	// UserID is the id of the member record (ent User) of the signed-in person.
	UserID int
	// Therapist is true when the Firebase token carries the custom claim role=therapist.
	Therapist bool
	// UID is the Firebase uid of the signed-in person.
	UID string
	// Language is the member's language ("en", "es") as their record held it at sign-in,
	// or empty while they have none (see internal/platform/lang).
	Language string
}

type ctxKey struct{}

// NewContext returns a copy of ctx that carries v.
func NewContext(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, ctxKey{}, v)
}

// FromContext returns the viewer of the request, or nil when nobody is signed in.
func FromContext(ctx context.Context) *Viewer {
	v, _ := ctx.Value(ctxKey{}).(*Viewer)
	return v
}
