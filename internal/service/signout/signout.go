// Package signout ends every sign-in of a member at once ("sign out everywhere"): Firebase
// stops refreshing their tokens, and every API server refuses the ID tokens issued before,
// at their next request, whatever its token cache holds.
package signout

import (
	"context"
	"errors"
	"time"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/user"
	"github.com/processgroup/api/internal/firebase/auth"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/rule"
	"github.com/processgroup/api/internal/viewer"
)

// Revoker revokes a Firebase user's refresh tokens (*auth.Firebase).
type Revoker interface {
	RevokeRefreshTokens(ctx context.Context, uid string) error
}

// SignOut signs members out everywhere.
type SignOut struct {
	firebase Revoker
	// now is the wall clock: revocation is compared with the issue times Firebase writes
	// into tokens, which are on real time, not the application's clock.
	now func() time.Time
}

// New returns a SignOut revoking through fb.
func New(fb Revoker) *SignOut { return &SignOut{firebase: fb, now: time.Now} }

// retryAfter is the wait suggested when Firebase could not be reached.
const retryAfter = 5

// Everywhere signs the viewer out on every device: their Firebase refresh tokens are
// revoked, then revoked_before is set on their member record (in c, the request's
// transaction), so that every server refuses, at its next request, the ID tokens issued
// before this second, cached or not. A token issued in this same second stays valid, as
// for Firebase (whose revocation also counts whole seconds).
//
// Firebase is called first: if it fails nothing is written and the member is told to
// retry (UNAVAILABLE); if the write fails after it, Firebase already refuses the old tokens
// at their next verification (within AUTH_CACHE_TTL) and the retry completes it.
func (s *SignOut) Everywhere(ctx context.Context, c *ent.Client) error {
	v := viewer.FromContext(ctx)
	if v == nil || v.UID == "" {
		return apperr.New(apperr.Unauthenticated, "sign in first")
	}
	at := s.now().Truncate(time.Second)
	if err := s.firebase.RevokeRefreshTokens(ctx, v.UID); err != nil {
		return &apperr.Error{Code: apperr.Unavailable, Message: "the sign-in service cannot be reached; you are still signed in everywhere: retry later",
			Extensions: map[string]any{"retryAfter": retryAfter}}
	}
	// SECURITY: the viewer's own record, under the User privacy policy.
	return c.User.UpdateOneID(v.UserID).SetRevokedBefore(at).Exec(ctx)
}

// Member signs the member of Firebase uid out everywhere, for an operator (the command
// `sign-out UID`), for instance after disabling or deleting them in the Firebase console:
// their refresh tokens are revoked (a user Firebase no longer knows has none), then every
// server refuses the ID tokens issued before this second at their next request. It reports
// whether the uid has a member record.
func (s *SignOut) Member(ctx context.Context, c *ent.Client, uid string) (bool, error) {
	at := s.now().Truncate(time.Second)
	if err := s.firebase.RevokeRefreshTokens(ctx, uid); err != nil && !errors.Is(err, auth.ErrUserNotFound) {
		return false, err
	}
	// SECURITY: the one member record of that uid, as the system, for the operator.
	n, err := c.User.Update().Where(user.FirebaseUID(uid)).SetRevokedBefore(at).Save(rule.ForOperatorSignOut(ctx))
	return n > 0, err
}
