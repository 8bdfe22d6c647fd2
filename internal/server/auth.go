package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/user"
	"github.com/processgroup/api/internal/firebase/auth"
	"github.com/processgroup/api/internal/graphql/loader"
	"github.com/processgroup/api/internal/notify/bus"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/rule"
	"github.com/processgroup/api/internal/service/account"
	"github.com/processgroup/api/internal/service/audit"
	"github.com/processgroup/api/internal/viewer"
)

// Verifier checks a Firebase ID token. *auth.Firebase is the real one, used everywhere,
// tests included (against an emulator).
type Verifier interface {
	Verify(ctx context.Context, idToken string) (*auth.Identity, error)
}

var _ Verifier = (*auth.Firebase)(nil)

type authErrKey struct{}

// errNoToken is the sign-in error of a request without a bearer token.
var errNoToken = errors.New("no token")

// errSignInUnavailable marks a sign-in that failed for want of the database or Firebase:
// nothing was judged about the token.
var errSignInUnavailable = errors.New("sign-in unavailable")

// authenticate verifies the bearer token, loads (or, on first sign-in, creates) the member
// record, and puts the viewer, the ent client, the clock and the request's loaders in the
// context.
//
// A request without a valid token continues without a viewer (requireSignIn and the
// GraphQL gate refuse it with UNAUTHENTICATED). A request whose token could not be judged
// because Firebase or the database failed is answered here with UNAVAILABLE (HTTP 503,
// Retry-After): it is not a bad token, so the app keeps the person signed in, and it is
// not anonymous, so it is not charged to the rate limit of requests without a token.
func (a *App) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := ent.NewContext(clock.NewContext(r.Context(), a.clock), a.client)
		ctx = bus.NewContext(ctx, a.publisher)
		ctx = loader.NewContext(ctx, loader.NewReflections(a.client))
		token, ok := bearer(r.Header.Get("Authorization"))
		switch {
		case !ok:
			ctx = context.WithValue(ctx, authErrKey{}, errNoToken)
		default:
			v, _, err := a.signIn(ctx, token)
			switch {
			case errors.Is(err, errSignInUnavailable):
				a.log.WarnContext(ctx, "sign-in unavailable", "error", err.Error())
				markUnavailable(ctx)
				writeError(w, r, apperr.Unavailable, fmt.Sprintf(
					"the service cannot check your sign-in right now; you are still signed in: retry in %d s", retryAfterUnavailable),
					map[string]any{"retryAfter": retryAfterUnavailable})
				return
			case err != nil:
				ctx = context.WithValue(ctx, authErrKey{}, err)
			default:
				// The viewer's memberships are read when a rule first needs them, after the body
				// has come: a request signed in and then held back must not carry a membership
				// that was ended meanwhile.
				ctx = rule.WithScope(viewer.NewContext(ctx, v), a.client)
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// requireSignIn refuses a request without a signed-in viewer before its body is read, when
// nothing may be asked without signing in (production: introspection is off). Otherwise
// (development, for GraphiQL's introspection) the request goes on with a small body, and
// the GraphQL gate lets nothing but introspection through. OPTIONS (CORS preflight,
// answered by gqlgen without a body) goes on.
func (a *App) requireSignIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		// A websocket signs in with connection_init, after the handshake (initSocket).
		if viewer.FromContext(ctx) != nil || r.Method == http.MethodOptions || isUpgrade(r) {
			next.ServeHTTP(w, r)
			return
		}
		if a.cfg.Production {
			writeError(w, r, apperr.Unauthenticated, signInReason(ctx), nil)
			return
		}
		http.MaxBytesHandler(next, min(a.cfg.MaxBodyBytes, anonymousBodyBytes)).ServeHTTP(w, r)
	})
}

// anonymousBodyBytes is the largest body of a request without a valid token (development
// only; GraphiQL's introspection query is about 2 KB).
const anonymousBodyBytes = 64 << 10

// signInReason is the message of an UNAUTHENTICATED answer to the request of ctx.
func signInReason(ctx context.Context) string {
	if err, ok := ctx.Value(authErrKey{}).(error); ok && err != nil && !errors.Is(err, errNoToken) {
		return "the Firebase ID token is missing, expired or not valid for this project"
	}
	return "sign in: send a Firebase ID token as Authorization: Bearer <token>"
}

// writeError answers r with one GraphQL error, before any GraphQL, as the GraphQL
// transport answers a request error (no data entry; 200 with application/json, 400 with
// application/graphql-response+json) unless the request's exchange calls for 503 or 429.
func writeError(w http.ResponseWriter, r *http.Request, code apperr.Code, msg string, ext map[string]any) {
	extensions := map[string]any{"code": string(code)}
	for k, v := range ext {
		extensions[k] = v
	}
	errs := gqlerror.List{{Message: msg, Extensions: extensions}}
	media := responseMedia(r.Header.Get("Accept"))
	writeResponse(w, requestErrorStatus(media, errs), media, map[string]any{"errors": errs})
}

func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// signIn verifies token and returns the viewer, creating the member record of a new user,
// and when the token expires.
// Its errors wrap auth.ErrUnauthenticated when the token was found wanting (or its account
// was deleted in the app), errSignInUnavailable when Firebase or the database could not
// give an answer: then nothing was judged.
func (a *App) signIn(ctx context.Context, token string) (*viewer.Viewer, time.Time, error) {
	vctx, cancel := context.WithTimeout(ctx, a.cfg.AuthTimeout)
	id, err := a.verifier.Verify(vctx, token)
	cancel()
	if err != nil {
		if errors.Is(err, auth.ErrUnauthenticated) {
			return nil, time.Time{}, err
		}
		return nil, time.Time{}, fmt.Errorf("%w: %w", errSignInUnavailable, err)
	}
	v, err := a.member(ctx, id)
	if err != nil && !errors.Is(err, auth.ErrUnauthenticated) {
		// The token is good: a failure to read or write the member record is the database's.
		return nil, time.Time{}, fmt.Errorf("%w: member record: %w", errSignInUnavailable, err)
	}
	return v, id.Expires, err
}

// member returns the viewer of a verified identity, creating the member record of a new
// user and bringing email, phone and role up to date.
func (a *App) member(ctx context.Context, id *auth.Identity) (*viewer.Viewer, error) {
	// SECURITY: the member record is read and written as the system, keyed by the uid of a
	// token the Admin SDK has just verified.
	sys := rule.ForSignIn(ctx)
	u, err := a.client.User.Query().Where(user.FirebaseUID(id.UID)).Only(sys)
	if ent.IsNotFound(err) {
		// An account deleted in the app stays deleted, whatever a cache or Firebase says.
		gone, gerr := a.client.User.Query().Where(user.FirebaseUID(account.Tombstone(id.UID))).Exist(sys)
		if gerr != nil {
			return nil, gerr
		}
		if gone {
			return nil, fmt.Errorf("%w: account deleted", auth.ErrUnauthenticated)
		}
		u, err = a.client.User.Create().
			SetFirebaseUID(id.UID).
			SetEmail(id.Email).
			SetPhone(id.Phone).
			SetTherapist(id.Therapist).
			Save(sys)
		if ent.IsConstraintError(err) {
			// Two first requests at once: the other one created it.
			u, err = a.client.User.Query().Where(user.FirebaseUID(id.UID)).Only(sys)
		} else if err == nil {
			a.log.InfoContext(ctx, "new member record", slog.Int("user_id", u.ID))
			events := []audit.Event{{Action: audit.MemberCreated, SubjectID: u.ID}}
			if id.Therapist {
				events = append(events, audit.Event{Action: audit.RoleGranted, SubjectID: u.ID})
			}
			err = audit.Record(viewer.NewContext(ctx, &viewer.Viewer{UserID: u.ID}), a.client, events...)
		}
	}
	if err != nil {
		return nil, err
	}
	// SECURITY: a token issued before the member signed out everywhere is refused here, on
	// every request, also when this server's token cache still holds it: the record is read
	// above anyway, so the check costs no statement.
	if u.RevokedBefore != nil && id.IssuedAt.Before(*u.RevokedBefore) {
		return nil, fmt.Errorf("%w: signed out everywhere", auth.ErrUnauthenticated)
	}
	v := &viewer.Viewer{UserID: u.ID, Therapist: id.Therapist, UID: id.UID}
	if u.Language != nil {
		v.Language = *u.Language
	}
	if u.Email != id.Email || u.Phone != id.Phone || u.Therapist != id.Therapist {
		if err := a.client.User.UpdateOneID(u.ID).SetEmail(id.Email).SetPhone(id.Phone).SetTherapist(id.Therapist).Exec(sys); err != nil {
			return nil, err
		}
		if u.Therapist != id.Therapist {
			action := audit.RoleRevoked
			if id.Therapist {
				action = audit.RoleGranted
			}
			if err := audit.Record(viewer.NewContext(ctx, v), a.client, audit.Event{Action: action, SubjectID: u.ID}); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}
