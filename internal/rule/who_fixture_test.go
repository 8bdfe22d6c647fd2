package rule_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/device"
	"github.com/processgroup/api/ent/encouragement"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/ent/reflection"
	_ "github.com/processgroup/api/ent/runtime" // the privacy policies under test
	"github.com/processgroup/api/internal/dbtest"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/rule"
	"github.com/processgroup/api/internal/viewer"
)

// The fixtures of the "who may read what" tables: one SQLite file per table, opened and
// migrated the way the server does it, one shared cast of people, and one fresh group per
// row (a scene) in which the cast takes the parts the row asks for. Everything is written
// below the API (rule.ForOperator); the rules are then exercised as the row's viewer.

// t0 is the time of the rules' clock (the context's clock). It lies in the past on purpose:
// a rule that read the real clock instead would find the consents that are "not yet
// expired" at t0 long expired, and fail those rows.
var t0 = time.Date(2025, 1, 15, 18, 0, 0, 0, time.UTC)

// person is one member of the cast: who they are in every scene they appear in.
type person struct {
	name string
	// therapist is the role in their Firebase token (viewer.Viewer.Therapist).
	therapist bool
	// memberRole is the role of the memberships they hold in the scenes' groups.
	memberRole membership.Role
}

// cast is who plays each role. The same people appear in every scene, in a fresh group each
// time, so that they hold memberships of many groups in many states at once: a rule that
// looked at the wrong group (or at the wrong membership of the right person) would fail.
var cast = map[role]person{
	author:          {name: "Ana", memberRole: membership.RoleMEMBER},
	sender:          {name: "Sam", memberRole: membership.RoleMEMBER},
	peer:            {name: "Pia", memberRole: membership.RoleMEMBER},
	facilitator:     {name: "Dr. Fay", therapist: true, memberRole: membership.RoleFACILITATOR},
	exTherapist:     {name: "Eli", therapist: false, memberRole: membership.RoleFACILITATOR},
	therapistMember: {name: "Dr. Tom", therapist: true, memberRole: membership.RoleMEMBER},
	otherTherapist:  {name: "Dr. Oz", therapist: true, memberRole: membership.RoleFACILITATOR},
	outsider:        {name: "Olu", memberRole: membership.RoleMEMBER},
}

// env is one database and its cast.
type env struct {
	client *ent.Client
	clock  *clock.Fake
	// op is the operator's context: setup and checks below the API only.
	op    context.Context
	users map[role]*ent.User
	// elsewhere is a group led by the therapist of another group, in which the therapist
	// who joins the scenes' groups as MEMBER also facilitates.
	elsewhere *ent.Group
	groups    int
	// scoped: requests carry the scope cache the server gives them (rule.WithScope), so the
	// read rules compare with lists of the viewer's groups instead of subqueries.
	scoped bool
}

// eachForm runs f on a fresh cast twice: with the read rules' subqueries, and with the
// viewer's memberships loaded once per request as the server does. Both must decide alike.
func eachForm(t *testing.T, f func(t *testing.T, e *env)) {
	for _, scoped := range []bool{false, true} {
		t.Run(map[bool]string{false: "subqueries", true: "request scope"}[scoped], func(t *testing.T) {
			e := newEnv(t)
			e.scoped = scoped
			f(t, e)
		})
	}
}

// newEnv opens a fresh database (dbtest: as internal/server opens it) and writes the cast
// into it.
func newEnv(t *testing.T) *env {
	t.Helper()
	d := dbtest.New(t, dbtest.At(t0))
	e := &env{
		client: d.Client,
		clock:  d.Clock,
		op:     d.Operator(),
		users:  map[role]*ent.User{},
	}
	for r, p := range cast {
		e.users[r] = e.client.User.Create().
			SetFirebaseUID("uid-" + p.name).
			SetEmail(p.name + "@example.org").
			SetTherapist(p.therapist).
			SaveX(e.op)
	}
	// The author has a phone, so that there are devices to hide from everyone else.
	e.client.Device.Create().
		SetUserID(e.users[author].ID).
		SetToken("fcm-token-of-ana").
		SetPlatform(device.PlatformIOS).
		SaveX(e.op)
	e.elsewhere = e.newGroup()
	for _, r := range []role{otherTherapist, therapistMember} {
		e.join(e.elsewhere, r, current).SetRole(membership.RoleFACILITATOR).SaveX(e.op)
	}
	return e
}

const day = 24 * time.Hour

func (e *env) newGroup() *ent.Group {
	e.groups++
	return e.client.Group.Create().
		SetName(fmt.Sprintf("Group %d", e.groups)).
		SetTimeZone("America/Chicago").
		SaveX(e.op)
}

// signedIn is r signed in: the therapist role is the one of their token.
func (e *env) signedIn(r role) *viewer.Viewer {
	u := e.users[r]
	return &viewer.Viewer{UserID: u.ID, Therapist: cast[r].therapist, UID: u.FirebaseUID}
}

// as is the context of a request by r, with the rules' clock.
func (e *env) as(r role) context.Context {
	ctx := viewer.NewContext(clock.NewContext(context.Background(), e.clock), e.signedIn(r))
	if e.scoped {
		ctx = rule.WithScope(ctx, e.client)
	}
	return ctx
}

// world is a scene written into the database.
type world struct {
	scene
	e     *env
	group *ent.Group
	// ctx is the context of a request by the scene's viewer.
	ctx context.Context
	v   *viewer.Viewer
	// mine is the viewer's membership of the group, nil when they have none.
	mine                *ent.Membership
	authorM, senderM    *ent.Membership
	facilitatorM        *ent.Membership
	reflection          *ent.Reflection
	encouragement       *ent.Encouragement
	read                *ent.ReflectionRead // with scene.records only
	consentOfAuthor     *ent.GroupSharingConsent
	sessionID, inviteID int // with scene.records only
}

// build writes s into a fresh group: the author (in s.author's state, with s.consent),
// the sender of the encouragement, the group's facilitator, and the viewer when their role
// holds a membership of the group; the author's reflection (s.vis) and the sender's
// encouragement on it (s.mod). The viewer's membership has the viewer's state; everyone
// else's is current.
func (e *env) build(t *testing.T, s scene) *world {
	t.Helper()
	w := &world{scene: s, e: e, group: e.newGroup(), ctx: e.as(s.viewer.role), v: e.signedIn(s.viewer.role)}
	stateOf := func(r role) memberState {
		switch {
		case r == author:
			return s.author
		case r == s.viewer.role:
			return s.viewer.state
		}
		return current
	}
	members := []role{author, sender, facilitator}
	if s.viewer.role.inGroup() && s.viewer.role != author && s.viewer.role != sender && s.viewer.role != facilitator {
		members = append(members, s.viewer.role)
	}
	joins := make([]*ent.MembershipCreate, len(members))
	for i, r := range members {
		joins[i] = e.join(w.group, r, stateOf(r))
	}
	ms := map[role]*ent.Membership{}
	for i, m := range e.client.Membership.CreateBulk(joins...).SaveX(e.op) {
		ms[members[i]] = m
	}
	w.mine, w.authorM, w.senderM, w.facilitatorM = ms[s.viewer.role], ms[author], ms[sender], ms[facilitator]
	w.consentOfAuthor = e.consent(w.authorM, s.consent)
	w.reflection = e.reflect(w.authorM, s.vis)
	w.encouragement = e.encourage(w.reflection, w.senderM, s.mod)
	if s.records {
		reader := w.senderM
		if w.mine != nil && s.viewer.role != author {
			reader = w.mine
		}
		w.read = e.client.ReflectionRead.Create().
			SetAuthorUserID(w.authorM.UserID).
			SetReflectionID(w.reflection.ID).
			SetReaderID(reader.ID).
			SetReadAt(t0.Add(-day)).
			SaveX(e.op)
		w.sessionID = e.client.GroupSession.Create().
			SetGroupID(w.group.ID).
			SetStartsAt(t0.Add(2 * day)).
			SetEndsAt(t0.Add(2*day + 90*time.Minute)).
			SaveX(e.op).ID
		w.inviteID = e.client.GroupInvite.Create().
			SetGroupID(w.group.ID).
			SetCreatedByID(w.facilitatorM.ID).
			SetCode(fmt.Sprintf("CODE-%d", w.group.ID)).
			SetExpiresAt(t0.Add(7 * day)).
			SaveX(e.op).ID
	}
	return w
}

// join is r's membership of g in state st, to be written. A rejoined member came back a
// day ago, after the reflections of the scene were written.
func (e *env) join(g *ent.Group, r role, st memberState) *ent.MembershipCreate {
	c := e.client.Membership.Create().
		SetUserID(e.users[r].ID).
		SetGroupID(g.ID).
		SetDisplayName(cast[r].name).
		SetRole(cast[r].memberRole).
		SetJoinedAt(t0.Add(-30 * day))
	switch st {
	case left:
		c.SetLeftAt(t0.Add(-2 * day))
	case removed:
		c.SetLeftAt(t0.Add(-2 * day)).SetRemoved(true)
	case rejoined:
		c.SetJoinedAt(t0.Add(-day))
	}
	return c
}

// consent writes m's consent to share with their group in state c (none: nothing).
func (e *env) consent(m *ent.Membership, c consentState) *ent.GroupSharingConsent {
	if c == noConsent {
		return nil
	}
	q := e.client.GroupSharingConsent.Create().
		SetUserID(m.UserID).
		SetGroupID(m.GroupID).
		SetMembershipID(m.ID).
		SetTextVersion(1).
		SetGrantedAt(t0.Add(-20 * day))
	switch c {
	case consentRevoked:
		q.SetRevokedAt(t0.Add(-3 * day))
	case consentExpired:
		q.SetExpiresAt(t0.Add(-day))
	case consentNotYetExpired:
		q.SetExpiresAt(t0.Add(day))
	}
	return q.SaveX(e.op)
}

// reflect writes a reflection by m with audience v; a deleted one was shared with the group
// and deleted, its content removed, as journal.DeleteReflection leaves it.
func (e *env) reflect(m *ent.Membership, v audience) *ent.Reflection {
	c := e.client.Reflection.Create().
		SetClientID(uuid.New()).
		SetUserID(m.UserID).
		SetGroupID(m.GroupID).
		SetAuthorID(m.ID).
		SetBody("A hard week; I called my sponsor.").
		SetMood(4).
		SetCraving(6).
		SetCreateDigest("digest").
		SetCreatedAt(t0.Add(-5 * day))
	switch v {
	case visPrivate:
		c.SetVisibility(reflection.VisibilityPRIVATE)
	case visFacilitators:
		c.SetVisibility(reflection.VisibilityFACILITATORS)
	case visGroup:
		c.SetVisibility(reflection.VisibilityGROUP)
	case visDeleted:
		c.SetVisibility(reflection.VisibilityGROUP).
			SetBody("").SetMood(0).SetCraving(0).SetCreateDigest("").
			SetDeletedAt(t0.Add(-day))
	}
	return c.SaveX(e.op)
}

// encourage writes the encouragement from m on r, moderated as mod says.
func (e *env) encourage(r *ent.Reflection, m *ent.Membership, mod moderation) *ent.Encouragement {
	c := e.client.Encouragement.Create().
		SetClientID(uuid.New()).
		SetReflectionID(r.ID).
		SetSenderID(m.ID).
		SetKind(encouragement.KindSTRENGTH).
		SetMessage("You've got this.")
	if mod.reported() {
		c.SetReportedAt(t0.Add(-2 * day)).SetReportReason("it stung")
	}
	if mod.hidden() {
		c.SetHiddenAt(t0.Add(-day)).SetHideReason("harmful")
	}
	return c.SaveX(e.op)
}

// exister is a query: it finds something or not.
type exister interface {
	Exist(context.Context) (bool, error)
}

// exists runs q as the viewer and reports whether it found anything.
func (w *world) exists(t *testing.T, q exister) bool {
	t.Helper()
	ok, err := q.Exist(w.ctx)
	if err != nil {
		t.Fatalf("query as %s: %v", w.viewer, err)
	}
	return ok
}

// try runs change as the viewer of ctx, in a transaction that is rolled back, and reports
// whether the policies let it through: no error, and at least one row matched (the rules
// that filter a mutation match nothing they refuse). A refusal is a privacy denial, a row
// not found or a domain error (*apperr.Error); any other error fails the test.
func (e *env) try(t *testing.T, ctx context.Context, change func(tx *ent.Client) (int, error)) bool {
	t.Helper()
	tx, err := e.client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	n, err := change(tx.Client())
	var domain *apperr.Error
	switch {
	case err == nil:
		return n > 0
	case rule.IsDenied(err), ent.IsNotFound(err), errors.As(err, &domain):
		return false
	}
	t.Fatalf("%s: unexpected error: %v", t.Name(), err)
	return false
}

// one turns the answer of a Create or an UpdateOne into rows matched, for try.
func one[T any](_ T, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	return 1, nil
}

// check reports a row whose outcome is not the oracle's; what names the rule asked.
func check(t *testing.T, what string, got, want bool) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %v, the oracle says %v", what, got, want)
	}
}
