package digest

import (
	"errors"
	"testing"
	"time"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/reflection"
	"github.com/processgroup/api/internal/dbtest"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/service/disclosure"
)

// week is the fixture of the digest tests: a group founded 30 days ago that met a week
// ago, whose session three days ago was cancelled, and that meets again tomorrow; member A
// shared in this period and the one before, B long ago only, C joined two days ago and
// never shared, D left.
type week struct {
	*dbtest.Env
	g                   *dbtest.Group
	a, b, c, d          *dbtest.Member
	lastWeek, tomorrow  *ent.GroupSession
	inPeriod, inPrivate *ent.Reflection
}

func newWeek(t *testing.T) *week {
	t.Helper()
	now := dbtest.Start
	e := dbtest.New(t, dbtest.At(now.Add(-30*24*time.Hour)))
	w := &week{Env: e, g: e.NewGroup("America/Chicago")}
	w.a = e.AddMember(w.g, "Ann")
	w.b = e.AddMember(w.g, "Ben")
	w.d = e.AddMember(w.g, "Dee")
	e.Consent(w.a)

	at := func(d time.Duration) func(*ent.ReflectionCreate) {
		return func(c *ent.ReflectionCreate) { c.SetCreatedAt(now.Add(-d)) }
	}
	mood := func(m, c int) func(*ent.ReflectionCreate) {
		return func(r *ent.ReflectionCreate) { r.SetMood(m).SetCraving(c) }
	}
	e.Reflect(w.b, reflection.VisibilityFACILITATORS, at(20*24*time.Hour))
	e.Reflect(w.a, reflection.VisibilityGROUP, at(10*24*time.Hour), mood(8, 1))
	w.inPeriod = e.Reflect(w.a, reflection.VisibilityFACILITATORS, at(5*24*time.Hour), mood(6, 3))
	e.Reflect(w.a, reflection.VisibilityGROUP, at(2*24*time.Hour), mood(5, 4))
	w.inPrivate = e.Reflect(w.a, reflection.VisibilityPRIVATE, at(24*time.Hour), mood(1, 10))
	e.Reflect(w.d, reflection.VisibilityGROUP, at(3*24*time.Hour))

	w.lastWeek = e.Session(w.g.Group, now.Add(-7*24*time.Hour), 90)
	cancelled := e.Session(w.g.Group, now.Add(-3*24*time.Hour), 90)
	if err := e.Client.GroupSession.UpdateOne(cancelled).SetStatus("CANCELLED").Exec(e.Operator()); err != nil {
		t.Fatal(err)
	}
	w.tomorrow = e.Session(w.g.Group, now.Add(24*time.Hour), 90)

	e.Clock.Set(now.Add(-2 * 24 * time.Hour))
	w.c = e.AddMember(w.g, "Cy")
	e.Clock.Set(now)
	if err := e.Client.Membership.UpdateOneID(w.d.Membership.ID).SetLeftAt(now.Add(-time.Hour)).Exec(e.Operator()); err != nil {
		t.Fatal(err)
	}
	return w
}

// TestDigestOfNextSession pins the digest a facilitator opens before the next session: the
// period from the last session that was not cancelled to now; every current MEMBER listed
// (not the facilitator, not who left), also those who shared nothing; PRIVATE reflections
// never counted; the change against the period of equal length before; days since the last
// reflection found however long ago; quiet members first; each reflection shown recorded
// as a read.
func TestDigestOfNextSession(t *testing.T) {
	t.Parallel()
	w := newWeek(t)
	ctx, rec := disclosure.NewContext(w.As(w.g.Facilitator.User))
	d, err := New(w.Clock).For(ctx, w.Client, w.g.Group, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.Session == nil || d.Session.ID != w.tomorrow.ID {
		t.Fatalf("session %v, want tomorrow's %d", d.Session, w.tomorrow.ID)
	}
	if !d.PeriodStart.Equal(w.lastWeek.StartsAt) || d.PeriodEnd.Sub(dbtest.Start) < 0 || d.PeriodEnd.Sub(dbtest.Start) > time.Minute {
		t.Fatalf("period %v to %v, want from last week's session (%v) to now (%v)", d.PeriodStart, d.PeriodEnd, w.lastWeek.StartsAt, dbtest.Start)
	}
	var names []string
	for _, m := range d.Members {
		names = append(names, m.Membership.DisplayName)
	}
	// B: quiet 20 days (attention); C: nothing since joining two days ago; A: two reflections.
	if len(names) != 3 || names[0] != "Ben" || names[1] != "Cy" || names[2] != "Ann" {
		t.Fatalf("members %v, want [Ben Cy Ann]", names)
	}
	ben, cy, ann := d.Members[0], d.Members[1], d.Members[2]
	if len(ben.AttentionReasons) != 1 || ben.AttentionReasons[0] != Quiet || *ben.DaysSinceLastReflection != 20 {
		t.Errorf("Ben: reasons %v, days since %v", ben.AttentionReasons, ben.DaysSinceLastReflection)
	}
	if cy.NeedsAttention || cy.LastReflectionAt != nil {
		t.Errorf("Cy: %+v", cy)
	}
	if ann.ReflectionCount != 2 || *ann.AverageMood != 5.5 || *ann.AverageCraving != 3.5 || *ann.MoodChange != -2.5 || *ann.CravingChange != 2.5 {
		t.Errorf("Ann: %d reflections, mood %v (%v), craving %v (%v); the PRIVATE one must not count",
			ann.ReflectionCount, deref(ann.AverageMood), deref(ann.MoodChange), deref(ann.AverageCraving), deref(ann.CravingChange))
	}
	for _, r := range ann.Reflections {
		if r.ID == w.inPrivate.ID {
			t.Errorf("the PRIVATE reflection is listed")
		}
	}
	if d.ReflectionCount != 2 || d.AttentionCount != 1 {
		t.Errorf("totals: %d reflections, %d need attention", d.ReflectionCount, d.AttentionCount)
	}
	if rec.Len() != 2 {
		t.Errorf("%d reads recorded, want the 2 reflections shown", rec.Len())
	}
}

// TestDigestOfChosenSession pins the digest of a session named by id: before last week's
// session, the period runs from the group's creation (no earlier session); a session of
// another group is NOT_FOUND on sessionID.
func TestDigestOfChosenSession(t *testing.T) {
	t.Parallel()
	w := newWeek(t)
	ctx := w.As(w.g.Facilitator.User)
	d, err := New(w.Clock).For(ctx, w.Client, w.g.Group, &w.lastWeek.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !d.PeriodStart.Equal(w.g.CreatedAt) || !d.PeriodEnd.Equal(w.lastWeek.StartsAt) {
		t.Fatalf("period %v to %v, want from the group's creation %v to the session %v", d.PeriodStart, d.PeriodEnd, w.g.CreatedAt, w.lastWeek.StartsAt)
	}
	if d.ReflectionCount != 2 { // B's 20 days ago and A's 10 days ago
		t.Errorf("%d reflections, want 2", d.ReflectionCount)
	}

	other := w.NewGroup("Europe/Berlin")
	elsewhere := w.Session(other.Group, dbtest.Start.Add(time.Hour), 60)
	_, err = New(w.Clock).For(ctx, w.Client, w.g.Group, &elsewhere.ID)
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.NotFound || ae.Field != "sessionID" {
		t.Fatalf("a session of another group: %v, want NOT_FOUND on sessionID", err)
	}
}

// TestDigestForFacilitatorsOnly pins that a member of the group gets FORBIDDEN and nothing
// of the digest.
func TestDigestForFacilitatorsOnly(t *testing.T) {
	t.Parallel()
	w := newWeek(t)
	d, err := New(w.Clock).For(w.As(w.a.User), w.Client, w.g.Group, nil)
	var ae *apperr.Error
	if d != nil || !errors.As(err, &ae) || ae.Code != apperr.Forbidden {
		t.Fatalf("a member's digest: %v, %v; want FORBIDDEN", d, err)
	}
}

// TestDigestStatementsDoNotGrow pins the fixed number of SQL statements of a digest,
// whatever the number of members and reflections.
func TestDigestStatementsDoNotGrow(t *testing.T) {
	t.Parallel()
	w := newWeek(t)
	ctx := w.As(w.g.Facilitator.User)
	count := func() int {
		return w.Statements(func() {
			if _, err := New(w.Clock).For(ctx, w.Client, w.g.Group, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
	small := count()
	for i := range 12 {
		m := w.AddMember(w.g, "member")
		for j := range 5 {
			w.Reflect(m, reflection.VisibilityFACILITATORS, func(c *ent.ReflectionCreate) {
				c.SetCreatedAt(dbtest.Start.Add(-time.Duration(1+i+j) * time.Hour))
			})
		}
	}
	if large := count(); large != small {
		t.Fatalf("%d statements for 3 members, %d for 15 with 60 more reflections", small, large)
	}
	if small > 12 {
		t.Errorf("%d statements for one digest", small)
	}
}
