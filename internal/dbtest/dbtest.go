// Package dbtest is the shared setup of the tests below the API: a fresh SQLite database per
// test, migrated and opened exactly as the application opens it (the application's ent
// driver with its encrypted columns, the privacy policies of ent/runtime), a fake clock,
// viewers signed into contexts, transactions begun as a mutation's are, a count of SQL
// statements, and fixtures written as the operator (below the API, policies lifted through
// rule.ForOperator, the one way the code base allows), dated by the fake clock, as the rows
// the services write are (ent/schema stamps them from the clock in the context).
//
// It is test support: only _test.go files import it. It sits above what it sets up (the
// database, the keys, the clock, the viewer and the rules), below the services it serves.
package dbtest

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/ent/reflection"
	_ "github.com/processgroup/api/ent/runtime" // privacy policies and hooks
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/platform/crypt"
	"github.com/processgroup/api/internal/platform/db"
	"github.com/processgroup/api/internal/platform/sealed"
	"github.com/processgroup/api/internal/rule"
	"github.com/processgroup/api/internal/viewer"
)

// Keys is the data-encryption keyring of the tests (a fixed, test-only key), as the
// end-to-end suite uses.
const Keys = "test1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

// Start is what the fake clock reads when a test begins, unless At says otherwise: Monday
// 2026-03-02, 09:00 in Chicago.
var Start = time.Date(2026, time.March, 2, 15, 0, 0, 0, time.UTC)

// Option changes what New sets up.
type Option func(*options)

type options struct {
	start     time.Time
	jobTables bool
}

// At makes the fake clock read t when the test begins.
func At(t time.Time) Option { return func(o *options) { o.start = t } }

// WithJobTables also creates River's tables, for code that plans notification jobs
// (remind.Jobs) or runs them (remind.Service).
func WithJobTables() Option { return func(o *options) { o.jobTables = true } }

// Env is one test's database, client, keys and clock.
type Env struct {
	// Client is the root ent client, on the application's driver.
	Client *ent.Client
	// DB is the open database (its SQL pool for checks of what is stored, its dialect).
	DB *db.DB
	// Keys is the keyring the encrypted columns and the fingerprints use.
	Keys *crypt.Keyring
	// Clock is the one clock of the test: services get it, contexts carry it.
	Clock *clock.Fake

	t          testing.TB
	statements *db.CountingDriver
	seq        atomic.Int64
}

// New opens a fresh, migrated SQLite database in t's temporary folder; it is closed when t
// ends. Call the fixture methods of the Env from t's own goroutine (they fail t).
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	o := options{start: Start}
	for _, opt := range opts {
		opt(&o)
	}
	keys, err := crypt.ParseKeys(Keys)
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{Keys: keys, Clock: clock.NewFake(o.start), t: t}
	ctx := context.Background()
	e.DB, err = db.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.DB.Close() })
	if err := e.DB.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if o.jobTables {
		m, err := rivermigrate.New(riversqlite.New(e.DB.SQL), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			t.Fatalf("river migrations: %v", err)
		}
	}
	e.statements = &db.CountingDriver{Driver: sealed.NewDriver(e.DB.Driver(), keys)}
	drv := e.statements
	e.Client = ent.NewClient(ent.Driver(drv))
	return e
}

// Context is a context that carries the clock and nobody signed in.
func (e *Env) Context() context.Context {
	return clock.NewContext(context.Background(), e.Clock)
}

// As is a context in which u is signed in (with the therapist role if u has it), as the
// sign-in middleware makes it, with the clock.
func (e *Env) As(u *User) context.Context {
	return viewer.NewContext(e.Context(), &viewer.Viewer{UserID: u.ID, Therapist: u.Therapist, UID: u.FirebaseUID})
}

// Operator is a context in which the policies are lifted (rule.ForOperator): for fixtures and
// for checks of what is stored.
func (e *Env) Operator() context.Context { return rule.ForOperator(e.Context()) }

// Tx runs f in a transaction begun as the application begins a mutation's (db.BeginTx: the
// ent client of the transaction in ctx, and its *sql.Tx for the jobs planned in it). It
// commits when f returns nil, rolls back otherwise, and returns f's error.
func (e *Env) Tx(ctx context.Context, f func(ctx context.Context, c *ent.Client) error) error {
	ctx, tx, err := db.BeginTx(ctx, e.Client)
	if err != nil {
		return err
	}
	if err := f(ctx, tx.Client()); err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			return fmt.Errorf("%w (rollback: %v)", err, rerr)
		}
		return err
	}
	return tx.Commit()
}

// Statements is the number of SQL statements f sent to the database.
func (e *Env) Statements(f func()) int {
	before := e.statements.Statements()
	f()
	return int(e.statements.Statements() - before)
}

// User is a person with a member record, and whether their token carries the therapist role.
type User struct {
	*ent.User
	Therapist bool
}

// Member is a person's membership of a group.
type Member struct {
	*User
	Membership *ent.Membership
}

// Group is a group and the therapist who founded it, its facilitator.
type Group struct {
	*ent.Group
	Facilitator *Member
}

// NewUser writes a member record, as sign-in does, with a uid of its own.
func (e *Env) NewUser(therapist bool) *User {
	e.t.Helper()
	n := e.seq.Add(1)
	u, err := e.Client.User.Create().
		SetFirebaseUID(fmt.Sprintf("uid-%d", n)).
		SetEmail(fmt.Sprintf("user%d@example.invalid", n)).
		SetTherapist(therapist).
		Save(e.Operator())
	if err != nil {
		e.t.Fatalf("dbtest: user: %v", err)
	}
	return &User{User: u, Therapist: therapist}
}

// NewGroup writes a group in zone tz founded by a new therapist, its facilitator ("Dr. T").
func (e *Env) NewGroup(tz string) *Group {
	e.t.Helper()
	g, err := e.Client.Group.Create().SetName("Tuesday Group").SetTimeZone(tz).Save(e.Operator())
	if err != nil {
		e.t.Fatalf("dbtest: group: %v", err)
	}
	founder := e.NewUser(true)
	return &Group{Group: g, Facilitator: e.Enrol(g, founder, membership.RoleFACILITATOR, "Dr. T")}
}

// AddMember writes a new person into g as a MEMBER named name, joined now.
func (e *Env) AddMember(g *Group, name string) *Member {
	e.t.Helper()
	return e.Enrol(g.Group, e.NewUser(false), membership.RoleMEMBER, name)
}

// Enrol writes u's current membership of g with role, joined now.
func (e *Env) Enrol(g *ent.Group, u *User, role membership.Role, name string) *Member {
	e.t.Helper()
	m, err := e.Client.Membership.Create().
		SetUserID(u.ID).SetGroupID(g.ID).SetRole(role).SetDisplayName(name).
		Save(e.Operator())
	if err != nil {
		e.t.Fatalf("dbtest: membership: %v", err)
	}
	return &Member{User: u, Membership: m}
}

// Consent writes m's consent to share with their group, granted now and in force until
// revoked.
func (e *Env) Consent(m *Member) *ent.GroupSharingConsent {
	e.t.Helper()
	c, err := e.Client.GroupSharingConsent.Create().
		SetUserID(m.ID).SetGroupID(m.Membership.GroupID).SetMembershipID(m.Membership.ID).
		SetTextVersion(1).
		Save(e.Operator())
	if err != nil {
		e.t.Fatalf("dbtest: consent: %v", err)
	}
	return c
}

// Reflect writes a reflection of m with visibility (body "MARKER reflection", mood 6,
// craving 3, written now unless set changes it).
func (e *Env) Reflect(m *Member, vis reflection.Visibility, set ...func(*ent.ReflectionCreate)) *ent.Reflection {
	e.t.Helper()
	c := e.Client.Reflection.Create().
		SetClientID(uuid.New()).
		SetUserID(m.ID).SetGroupID(m.Membership.GroupID).SetAuthorID(m.Membership.ID).
		SetBody("MARKER reflection").SetMood(6).SetCraving(3).
		SetVisibility(vis).SetCreateDigest("fixture")
	for _, f := range set {
		f(c)
	}
	r, err := c.Save(e.Operator())
	if err != nil {
		e.t.Fatalf("dbtest: reflection: %v", err)
	}
	return r
}

// Session writes a scheduled one-off session of g from start, lasting minutes.
func (e *Env) Session(g *ent.Group, start time.Time, minutes int) *ent.GroupSession {
	e.t.Helper()
	s, err := e.Client.GroupSession.Create().
		SetGroupID(g.ID).SetStartsAt(start.UTC()).SetEndsAt(start.UTC().Add(time.Duration(minutes) * time.Minute)).
		Save(e.Operator())
	if err != nil {
		e.t.Fatalf("dbtest: session: %v", err)
	}
	return s
}
