package consent

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/groupsharingconsent"
	"github.com/processgroup/api/internal/dbtest"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/rule"
)

// TestActive pins when a consent is in force: not revoked, and without an end date or
// before it (at the end date it has ended).
func TestActive(t *testing.T) {
	t.Parallel()
	now := dbtest.Start
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	cases := []struct {
		name string
		c    ent.GroupSharingConsent
		want bool
	}{
		{"open-ended", ent.GroupSharingConsent{}, true},
		{"ends later", ent.GroupSharingConsent{ExpiresAt: at(time.Second)}, true},
		{"ends now", ent.GroupSharingConsent{ExpiresAt: at(0)}, false},
		{"ended", ent.GroupSharingConsent{ExpiresAt: at(-time.Hour)}, false},
		{"revoked", ent.GroupSharingConsent{RevokedAt: at(-time.Hour)}, false},
		{"revoked before its end", ent.GroupSharingConsent{RevokedAt: at(-time.Hour), ExpiresAt: at(time.Hour)}, false},
	}
	for _, c := range cases {
		if got := Active(&c.c, now); got != c.want {
			t.Errorf("%s: Active = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestRender pins the consent text a member is shown: the current version, naming them,
// the program and the group, dated today in the group's zone.
func TestRender(t *testing.T) {
	t.Parallel()
	// 03:00 UTC on March 3 is still March 2 in Chicago, already March 3 in Tokyo.
	now := time.Date(2026, 3, 3, 3, 0, 0, 0, time.UTC)
	cases := []struct{ zone, date string }{
		{"America/Chicago", "Date: March 2, 2026"},
		{"Asia/Tokyo", "Date: March 3, 2026"},
		{"UTC", "Date: March 3, 2026"},
	}
	for _, c := range cases {
		loc, err := time.LoadLocation(c.zone)
		if err != nil {
			t.Fatal(err)
		}
		got := Render("en", "Ann", "Riverside Program", "Tuesday Group", now, loc)
		if got.Version != TextVersion || !strings.HasSuffix(got.Text, c.date) {
			t.Errorf("%s: version %d, text ends %q; want %q", c.zone, got.Version, got.Text[max(0, len(got.Text)-30):], c.date)
		}
		for _, want := range []string{"I, Ann, allow Riverside Program", `the group "Tuesday Group"`} {
			if !strings.Contains(got.Text, want) {
				t.Errorf("%s: text lacks %q", c.zone, want)
			}
		}
	}
}

// fixture is a group with member A and consents on the test's clock.
type fixture struct {
	*dbtest.Env
	consents *Consents
	g        *dbtest.Group
	a        *dbtest.Member
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	e := dbtest.New(t)
	f := &fixture{Env: e, consents: New(e.Clock), g: e.NewGroup("America/Chicago")}
	f.a = e.AddMember(f.g, "Ann")
	return f
}

func (f *fixture) grant(t *testing.T, expires *time.Time) *ent.GroupSharingConsent {
	t.Helper()
	c, err := f.consents.Grant(f.As(f.a.User), f.Client, Request{GroupID: f.g.ID, TextVersion: TextVersion, ExpiresAt: expires})
	if err != nil {
		t.Fatalf("grant: %v", err)
	}
	return c
}

// inForce are A's consents in force at the clock's now, as the read rules see them.
func (f *fixture) inForce(t *testing.T) []*ent.GroupSharingConsent {
	t.Helper()
	cs, err := f.Client.GroupSharingConsent.Query().
		Where(groupsharingconsent.UserID(f.a.ID), rule.ConsentActive(f.Clock.Now())).
		All(f.Operator())
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// TestGrantChecks pins what a grant needs: the text version the member was shown is the
// current one (else CONFLICT with the current version), an end date in the future, and a
// current membership of the group.
func TestGrantChecks(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := f.As(f.a.User)
	past := f.Clock.Now().Add(-time.Minute)
	cases := []struct {
		name  string
		in    Request
		code  apperr.Code
		field string
	}{
		{"an old text", Request{GroupID: f.g.ID, TextVersion: TextVersion - 1}, apperr.Conflict, ""},
		{"a future text", Request{GroupID: f.g.ID, TextVersion: TextVersion + 1}, apperr.Conflict, ""},
		{"an end in the past", Request{GroupID: f.g.ID, TextVersion: TextVersion, ExpiresAt: &past}, apperr.BadUserInput, "expiresAt"},
		{"another group", Request{GroupID: f.NewGroup("UTC").ID, TextVersion: TextVersion}, apperr.NotFound, ""},
	}
	for _, c := range cases {
		_, err := f.consents.Grant(ctx, f.Client, c.in)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != c.code || ae.Field != c.field {
			t.Errorf("%s: %v, want %s %s", c.name, err, c.code, c.field)
			continue
		}
		if c.code == apperr.Conflict && ae.Extensions["currentVersion"] != TextVersion {
			t.Errorf("%s: extensions %v, want currentVersion %d", c.name, ae.Extensions, TextVersion)
		}
	}
	if n := len(f.inForce(t)); n != 0 {
		t.Fatalf("%d consents after refused grants", n)
	}
}

// TestGrantReplacesActiveConsent pins that at most one consent is in force: granting again
// (a new end date) revokes the one in force at that moment, and Latest is the new one.
func TestGrantReplacesActiveConsent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	first := f.grant(t, nil)
	f.Clock.Advance(time.Hour)
	end := f.Clock.Now().Add(30 * 24 * time.Hour)
	second := f.grant(t, &end)
	active := f.inForce(t)
	if len(active) != 1 || active[0].ID != second.ID || !active[0].ExpiresAt.Equal(end.UTC()) {
		t.Fatalf("in force: %v, want only the second (until %v)", active, end)
	}
	old, err := f.Client.GroupSharingConsent.Get(f.Operator(), first.ID)
	if err != nil || old.RevokedAt == nil || !old.RevokedAt.Equal(second.GrantedAt) {
		t.Fatalf("first consent: %+v, %v; want revoked when the second was granted", old, err)
	}
	latest, err := Latest(f.As(f.a.User), f.Client, f.g.ID)
	if err != nil || latest.ID != second.ID {
		t.Fatalf("latest %v, %v; want %d", latest, err, second.ID)
	}
}

// TestRevoke pins revoking: the consent in force ends at once; revoking again returns the
// same revoked consent, unchanged; with no consent ever given, NOT_FOUND.
func TestRevoke(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := f.As(f.a.User)
	if _, err := f.consents.Revoke(ctx, f.Client, f.g.ID); code(err) != apperr.NotFound {
		t.Fatalf("revoke without consent: %v, want NOT_FOUND", err)
	}
	granted := f.grant(t, nil)
	f.Clock.Advance(time.Minute)
	first, err := f.consents.Revoke(ctx, f.Client, f.g.ID)
	if err != nil || first.ID != granted.ID || first.RevokedAt == nil {
		t.Fatalf("revoke: %+v, %v", first, err)
	}
	if n := len(f.inForce(t)); n != 0 {
		t.Fatalf("%d consents in force after revoking", n)
	}
	f.Clock.Advance(time.Minute)
	again, err := f.consents.Revoke(ctx, f.Client, f.g.ID)
	if err != nil || again.ID != granted.ID || !again.RevokedAt.Equal(*first.RevokedAt) {
		t.Fatalf("revoke again: %+v, %v; want the same, revoked at %v", again, err, first.RevokedAt)
	}
}

// TestConsentExpires pins the end date: in force until it (whatever zone it was given in),
// ended from then on without anyone acting, and a new grant after it leaves the expired
// consent as it was.
func TestConsentExpires(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	end := f.Clock.Now().Add(time.Hour).In(tokyo)
	c := f.grant(t, &end)
	f.Clock.Advance(59 * time.Minute)
	if n := len(f.inForce(t)); n != 1 || !Active(c, f.Clock.Now()) {
		t.Fatalf("a minute before its end: %d in force, Active %v", n, Active(c, f.Clock.Now()))
	}
	f.Clock.Advance(2 * time.Minute)
	if n := len(f.inForce(t)); n != 0 || Active(c, f.Clock.Now()) {
		t.Fatalf("after its end: %d in force, Active %v", n, Active(c, f.Clock.Now()))
	}
	renewed := f.grant(t, nil)
	old, err := f.Client.GroupSharingConsent.Get(f.Operator(), c.ID)
	if err != nil || old.RevokedAt != nil {
		t.Fatalf("the expired consent: %+v, %v; want it expired, not revoked", old, err)
	}
	if active := f.inForce(t); len(active) != 1 || active[0].ID != renewed.ID {
		t.Fatalf("in force after renewing: %v", active)
	}
}

// TestEndForMembership pins that consent ends with the membership, whoever ends it (here
// the facilitator removing the member).
func TestEndForMembership(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.grant(t, nil)
	if err := EndForMembership(f.As(f.g.Facilitator.User), f.Client, f.a.Membership.ID, f.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if n := len(f.inForce(t)); n != 0 {
		t.Fatalf("%d consents in force after the membership ended", n)
	}
}

func code(err error) apperr.Code {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}
