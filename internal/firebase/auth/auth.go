// Package auth verifies Firebase Authentication ID tokens and manages the
// therapist role, using the Firebase Admin SDK.
//
// The phone app sends "Authorization: Bearer <Firebase ID token>"; the server
// calls Firebase.Verify and gets an Identity. Therapists are users whose
// custom claims contain role == "therapist".
package auth

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	firebase "firebase.google.com/go/v4"
	fbauth "firebase.google.com/go/v4/auth"
	"firebase.google.com/go/v4/errorutils"
	"google.golang.org/api/option"
)

// EmulatorHostEnv is the environment variable through which the Admin SDK
// learns the Auth Emulator address. When it is set, the SDK accepts
// UNSIGNED tokens, so it must only ever be set together with a "demo-"
// project (see Config.Check and New).
const EmulatorHostEnv = "FIREBASE_AUTH_EMULATOR_HOST"

// TherapistRole is the value of the "role" custom claim that marks a therapist.
const TherapistRole = "therapist"

// roleClaim is the custom claim holding the user's role.
const roleClaim = "role"

// Identity is the verified caller.
type Identity struct {
	// UID is the Firebase user ID.
	UID string
	// Email is the email claim of the token; may be empty.
	Email string
	// Phone is the phone_number claim of the token; may be empty.
	Phone string
	// Therapist is true when the token carries the custom claim role == "therapist".
	Therapist bool
	// Expires is when the token stops being valid.
	Expires time.Time
	// IssuedAt is when Firebase issued the token (whole seconds, its iat claim).
	IssuedAt time.Time
}

// ErrUnauthenticated is wrapped by the errors of Verify that judge the token: missing,
// malformed, expired, revoked, or of a user who is disabled or does not exist. Error texts
// never contain the token.
var ErrUnauthenticated = errors.New("unauthenticated")

// ErrUnavailable is wrapped by the errors of Verify that judge nothing about the token:
// Firebase could not be reached, timed out, or failed (5xx), or ctx ended first. The same
// token may well be valid a moment later.
var ErrUnavailable = errors.New("firebase unavailable")

// Config selects the Firebase project and how to reach it.
type Config struct {
	// ProjectID is the Firebase project ID; required.
	ProjectID string
	// EmulatorHost is the host:port of a Firebase Auth Emulator (or
	// internal/firebase/authemu). It mirrors FIREBASE_AUTH_EMULATOR_HOST: New sets
	// that variable from it. Empty means production Firebase.
	EmulatorHost string
	// CredentialsFile is a service account JSON file; empty means
	// application default credentials. Ignored in emulator mode.
	CredentialsFile string
}

// Check validates the configuration. The server must refuse to start when
// it fails.
func (c Config) Check() error {
	if c.ProjectID == "" {
		return errors.New("auth: firebase project ID is required")
	}
	// SECURITY: in emulator mode the Admin SDK accepts unsigned tokens, so
	// anyone could sign in as anyone (including as a therapist). Only allow it
	// for "demo-" projects, which Firebase guarantees are not real projects,
	// so a stray emulator setting can never weaken a production deployment.
	if c.EmulatorHost != "" && !strings.HasPrefix(c.ProjectID, "demo-") {
		return fmt.Errorf("auth: auth emulator %q requested for project %q: emulator mode is only allowed with a \"demo-\" project ID",
			c.EmulatorHost, c.ProjectID)
	}
	return nil
}

// Firebase verifies ID tokens and manages users through the Admin SDK.
// It is safe for concurrent use.
type Firebase struct {
	client *fbauth.Client
}

// New creates the Firebase app and Auth client after checking c.
//
// The Admin SDK decides emulator mode by reading the process environment
// variable FIREBASE_AUTH_EMULATOR_HOST when the client is created, so New
// keeps the two in agreement:
//   - c.EmulatorHost set: New calls os.Setenv(FIREBASE_AUTH_EMULATOR_HOST,
//     c.EmulatorHost) (a process-wide change) and uses no Google credentials;
//   - c.EmulatorHost empty but the variable set in the environment: New
//     refuses, since the SDK would silently accept unsigned tokens.
//
// Otherwise credentials come from c.CredentialsFile, or from application
// default credentials when it is empty. New makes no network calls.
func New(ctx context.Context, c Config) (*Firebase, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	var opts []option.ClientOption
	if c.EmulatorHost != "" {
		if err := os.Setenv(EmulatorHostEnv, c.EmulatorHost); err != nil {
			return nil, fmt.Errorf("auth: setting %s: %w", EmulatorHostEnv, err)
		}
		opts = append(opts, option.WithoutAuthentication())
	} else {
		// SECURITY: never let an inherited environment variable switch a
		// production client into emulator mode.
		if env := os.Getenv(EmulatorHostEnv); env != "" {
			return nil, fmt.Errorf("auth: %s is set in the environment but Config.EmulatorHost is empty; refusing to start", EmulatorHostEnv)
		}
		if c.CredentialsFile != "" {
			opts = append(opts, option.WithCredentialsFile(c.CredentialsFile))
		}
	}

	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: c.ProjectID}, opts...)
	if err != nil {
		return nil, fmt.Errorf("auth: creating firebase app: %w", err)
	}
	client, err := app.Auth(ctx)
	if err != nil {
		// The SDK quotes a malformed private key verbatim in this error;
		// do not pass secrets on to logs.
		if strings.Contains(err.Error(), "private key") {
			return nil, errors.New("auth: creating firebase auth client: invalid private key in credentials")
		}
		return nil, fmt.Errorf("auth: creating firebase auth client: %w", err)
	}
	return &Firebase{client: client}, nil
}

// Verify checks an ID token, including (via an RPC) that the user still
// exists, is not disabled and has not had its tokens revoked. A failure wraps
// ErrUnauthenticated when the token was found wanting, ErrUnavailable when
// Firebase could not give an answer (then, if ctx is done, it also wraps
// ctx.Err()); the error text is a fixed reason and never contains the token.
// Verify logs nothing.
func (f *Firebase) Verify(ctx context.Context, idToken string) (*Identity, error) {
	if idToken == "" {
		return nil, fmt.Errorf("%w: empty token", ErrUnauthenticated)
	}
	tok, err := f.client.VerifyIDTokenAndCheckRevoked(ctx, idToken)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, cerr)
		}
		if unavailable(err) {
			return nil, fmt.Errorf("%w: %s", ErrUnavailable, reason(err))
		}
		return nil, fmt.Errorf("%w: %s", ErrUnauthenticated, reason(err))
	}
	id := &Identity{UID: tok.UID, Expires: time.Unix(tok.Expires, 0), IssuedAt: time.Unix(tok.IssuedAt, 0)}
	id.Email, _ = tok.Claims["email"].(string)
	id.Phone, _ = tok.Claims["phone_number"].(string)
	role, _ := tok.Claims[roleClaim].(string)
	id.Therapist = role == TherapistRole
	return id, nil
}

// unavailable tells the Admin SDK's errors that judge nothing about the token: a
// verification that reached Firebase and was refused carries one of the SDK's token or
// user codes (or another client-side code); anything else (the service unavailable, 5xx, a
// timeout, a network error, a failure to fetch the public keys) is Firebase's trouble, not
// the token's. In production only tokens whose content passed the local checks (audience,
// issuer, times) get as far as a call to Firebase, so a stranger cannot make up tokens that
// land here.
func unavailable(err error) bool {
	switch {
	case fbauth.IsIDTokenExpired(err), fbauth.IsUserDisabled(err), fbauth.IsIDTokenRevoked(err),
		fbauth.IsUserNotFound(err), fbauth.IsIDTokenInvalid(err), fbauth.IsTenantIDMismatch(err):
		return false
	case errorutils.IsUnavailable(err), errorutils.IsInternal(err), errorutils.IsUnknown(err),
		errorutils.IsDeadlineExceeded(err), errorutils.IsResourceExhausted(err):
		return true
	case errorutils.IsInvalidArgument(err), errorutils.IsFailedPrecondition(err),
		errorutils.IsOutOfRange(err), errorutils.IsUnauthenticated(err),
		errorutils.IsPermissionDenied(err), errorutils.IsNotFound(err),
		errorutils.IsConflict(err), errorutils.IsAborted(err), errorutils.IsAlreadyExists(err),
		errorutils.IsCancelled(err), errorutils.IsDataLoss(err):
		return false
	}
	// Not an answer of Firebase: the network, or fetching the public keys.
	return true
}

// reason maps an Admin SDK verification error to a fixed description, so
// that nothing derived from the token reaches error texts or logs.
func reason(err error) string {
	switch {
	case fbauth.IsIDTokenExpired(err):
		return "token expired"
	case fbauth.IsUserDisabled(err):
		return "user disabled"
	case fbauth.IsIDTokenRevoked(err):
		return "token revoked"
	case fbauth.IsUserNotFound(err):
		return "user not found"
	case fbauth.IsIDTokenInvalid(err):
		return "invalid token"
	case errorutils.IsDeadlineExceeded(err):
		return "firebase timed out"
	case errorutils.IsUnavailable(err), errorutils.IsInternal(err), errorutils.IsUnknown(err):
		return "firebase failed or could not be reached"
	default:
		return "token could not be verified"
	}
}

// SetTherapist grants (on) or withdraws (off) the therapist role by setting
// the custom claim role = "therapist" or removing it; the user's other
// custom claims are kept. Switching off leaves a different role untouched.
// The change shows in the user's ID tokens only after the app refreshes its
// token. The read-modify-write is not atomic: concurrent claim updates for
// the same user may overwrite each other.
func (f *Firebase) SetTherapist(ctx context.Context, uid string, on bool) error {
	u, err := f.client.GetUser(ctx, uid)
	if err != nil {
		return fmt.Errorf("auth: get user %q: %w", uid, err)
	}
	claims := make(map[string]any, len(u.CustomClaims)+1)
	for k, v := range u.CustomClaims {
		claims[k] = v
	}
	if on {
		claims[roleClaim] = TherapistRole
	} else if claims[roleClaim] == TherapistRole {
		delete(claims, roleClaim)
	}
	if err := f.client.SetCustomUserClaims(ctx, uid, claims); err != nil {
		return fmt.Errorf("auth: set custom claims of %q: %w", uid, err)
	}
	return nil
}

// DeleteUser deletes the Firebase account. Deleting a user that does not
// exist succeeds, so the call can be retried safely. The error does not name the uid.
func (f *Firebase) DeleteUser(ctx context.Context, uid string) error {
	if err := f.client.DeleteUser(ctx, uid); err != nil && !fbauth.IsUserNotFound(err) {
		return fmt.Errorf("auth: delete user: %w", err)
	}
	return nil
}

// RevokeRefreshTokens revokes every refresh token of the user: their devices can no longer
// get new ID tokens without signing in again, and Firebase refuses the ID tokens issued
// before now (the API learns it at its next verification; see the member's revoked_before
// for the API's own, immediate refusal).
func (f *Firebase) RevokeRefreshTokens(ctx context.Context, uid string) error {
	if err := f.client.RevokeRefreshTokens(ctx, uid); err != nil {
		if fbauth.IsUserNotFound(err) {
			return ErrUserNotFound
		}
		return fmt.Errorf("auth: revoke refresh tokens: %w", err)
	}
	return nil
}

// ErrUserNotFound is Firebase's answer for a uid it does not know (a user deleted there).
var ErrUserNotFound = errors.New("auth: no such Firebase user")
