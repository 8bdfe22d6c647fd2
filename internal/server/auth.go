package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/membership"
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
		token, ok := bearer(r.Header.Get("Authorization"))
		switch {
		case !ok:
			ctx = context.WithValue(ctx, authErrKey{}, errors.New("no token"))
		default:
			v, known, err := a.signIn(ctx, token)
			switch {
			case err != nil:
				if !errors.Is(err, auth.ErrUnauthenticated) {
					a.log.ErrorContext(ctx, "sign-in failed", "error", err.Error())
				}
				ctx = context.WithValue(ctx, authErrKey{}, err)
			case known != nil:
				ctx = rule.WithKnownScope(viewer.NewContext(ctx, v), a.client, v, known)
			default:
				ctx = rule.WithScope(viewer.NewContext(ctx, v), a.client)
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

// signIn verifies token and returns the viewer, creating the member record of a new user,
// and the viewer's memberships when it read them with the member record (nil when not).
func (a *App) signIn(ctx context.Context, token string) (*viewer.Viewer, []rule.KnownMembership, error) {
	id, err := a.verifier.Verify(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	// SECURITY: the member record is read and written as the system, keyed by the uid of a
	// token the Admin SDK has just verified.
	sys := rule.ForSignIn(ctx)
	u, known, err := a.member(sys, id.UID)
	if ent.IsNotFound(err) {
		// An account deleted in the app stays deleted, whatever a cache or Firebase says.
		gone, gerr := a.client.User.Query().Where(user.FirebaseUID(account.Tombstone(id.UID))).Exist(sys)
		if gerr != nil {
			return nil, nil, gerr
		}
		if gone {
			return nil, nil, fmt.Errorf("%w: account deleted", auth.ErrUnauthenticated)
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
		return nil, nil, err
	}
	v := &viewer.Viewer{UserID: u.ID, Therapist: id.Therapist, UID: id.UID}
	if u.Email != id.Email || u.Phone != id.Phone || u.Therapist != id.Therapist {
		if err := a.client.User.UpdateOneID(u.ID).SetEmail(id.Email).SetPhone(id.Phone).SetTherapist(id.Therapist).Exec(sys); err != nil {
			return nil, nil, err
		}
		if u.Therapist != id.Therapist {
			action := audit.RoleRevoked
			if id.Therapist {
				action = audit.RoleGranted
			}
			if err := audit.Record(viewer.NewContext(ctx, v), a.client, audit.Event{Action: action, SubjectID: u.ID}); err != nil {
				return nil, nil, err
			}
		}
	}
	return v, known, nil
}

// member reads the member record of the Firebase user uid with their memberships, current
// and past, in one statement (the read rules of the request start from them: see
// rule.WithKnownScope). It answers NotFound for a uid without a member record.
func (a *App) member(sys context.Context, uid string) (*ent.User, []rule.KnownMembership, error) {
	var rows []struct {
		ID        int     `sql:"id"`
		Email     string  `sql:"email"`
		Phone     string  `sql:"phone"`
		Therapist bool    `sql:"therapist"`
		MID       *int    `sql:"m_id"`
		MGroup    *int    `sql:"m_group_id"`
		MRole     *string `sql:"m_role"`
		MCurrent  *bool   `sql:"m_current"`
	}
	err := a.client.User.Query().
		Where(user.FirebaseUID(uid)).
		Modify(func(s *entsql.Selector) {
			m := entsql.Table(membership.Table).As("m")
			s.Select(s.C(user.FieldID), s.C(user.FieldEmail), s.C(user.FieldPhone), s.C(user.FieldTherapist)).
				AppendSelectAs(m.C(membership.FieldID), "m_id").
				AppendSelectAs(m.C(membership.FieldGroupID), "m_group_id").
				AppendSelectAs(m.C(membership.FieldRole), "m_role").
				AppendSelectExprAs(entsql.P(func(b *entsql.Builder) {
					b.Ident(m.C(membership.FieldLeftAt)).WriteString(" IS NULL")
				}), "m_current").
				LeftJoin(m).On(s.C(user.FieldID), m.C(membership.FieldUserID))
		}).
		Scan(sys, &rows)
	if err != nil {
		return nil, nil, err
	}
	if len(rows) == 0 {
		return nil, nil, &ent.NotFoundError{}
	}
	u := &ent.User{ID: rows[0].ID, Email: rows[0].Email, Phone: rows[0].Phone, Therapist: rows[0].Therapist}
	known := []rule.KnownMembership{}
	for _, r := range rows {
		if r.ID != u.ID {
			return nil, nil, fmt.Errorf("sign-in: two member records for one uid")
		}
		if r.MID != nil && r.MGroup != nil && r.MRole != nil && r.MCurrent != nil {
			known = append(known, rule.KnownMembership{ID: *r.MID, GroupID: *r.MGroup, Role: membership.Role(*r.MRole), Current: *r.MCurrent})
		}
	}
	return u, known, nil
}
