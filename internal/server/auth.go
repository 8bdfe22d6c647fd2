package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/user"
	"github.com/processgroup/api/internal/firebase/auth"
	"github.com/processgroup/api/internal/graphql/loader"
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

// authenticate verifies the bearer token, loads (or, on first sign-in, creates) the member
// record, and puts the viewer, the ent client, the clock and the request's loaders in the
// context.
// A request without a valid token continues without a viewer: GraphQL operations then fail
// with UNAUTHENTICATED (see requireViewer).
func (a *App) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := ent.NewContext(clock.NewContext(r.Context(), a.clock), a.client)
		ctx = loader.NewContext(ctx, loader.NewReflections(a.client))
		ctx = rule.WithScope(ctx, a.client)
		token, ok := bearer(r.Header.Get("Authorization"))
		switch {
		case !ok:
			ctx = context.WithValue(ctx, authErrKey{}, errors.New("no token"))
		default:
			v, err := a.signIn(ctx, token)
			if err != nil {
				if !errors.Is(err, auth.ErrUnauthenticated) {
					a.log.ErrorContext(ctx, "sign-in failed", "error", err.Error())
				}
				ctx = context.WithValue(ctx, authErrKey{}, err)
			} else {
				ctx = viewer.NewContext(ctx, v)
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// signIn verifies token and returns the viewer, creating the member record of a new user.
func (a *App) signIn(ctx context.Context, token string) (*viewer.Viewer, error) {
	id, err := a.verifier.Verify(ctx, token)
	if err != nil {
		return nil, err
	}
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
	v := &viewer.Viewer{UserID: u.ID, Therapist: id.Therapist, UID: id.UID}
	if u.Email != id.Email || u.Phone != id.Phone || u.Therapist != id.Therapist {
		if err := a.client.User.UpdateOne(u).SetEmail(id.Email).SetPhone(id.Phone).SetTherapist(id.Therapist).Exec(sys); err != nil {
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
