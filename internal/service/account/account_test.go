package account

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/auditevent"
	"github.com/processgroup/api/ent/delivery"
	"github.com/processgroup/api/ent/device"
	"github.com/processgroup/api/ent/encouragement"
	"github.com/processgroup/api/ent/groupinvite"
	"github.com/processgroup/api/ent/groupsharingconsent"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/ent/reflection"
	"github.com/processgroup/api/internal/dbtest"
	"github.com/processgroup/api/internal/platform/apperr"
)

// TestTombstone pins what a deleted account keeps of its Firebase uid: a fixed-length hash,
// the same for the same uid (the old token is refused), different per uid, and neither the
// uid nor its plain SHA-256 (which anyone could compute from a known uid).
func TestTombstone(t *testing.T) {
	t.Parallel()
	uid := "u7QyXr2nKcS0d9ZpLw3e"
	got := Tombstone(uid)
	if got != Tombstone(uid) {
		t.Fatal("two tombstones for one uid")
	}
	if !strings.HasPrefix(got, "deleted:") || len(got) != len("deleted:")+64 {
		t.Fatalf("tombstone %q: want deleted: and 64 hex digits", got)
	}
	plain := sha256.Sum256([]byte(uid))
	if strings.Contains(got, uid) || strings.Contains(got, hex.EncodeToString(plain[:])) {
		t.Fatalf("tombstone %q reveals the uid or its plain hash", got)
	}
	if Tombstone(uid+"x") == got || Tombstone("") == got {
		t.Fatal("different uids share a tombstone")
	}
}

// recorder is the Jobs of the tests: it keeps whom it was asked about.
type recorder struct {
	mu      sync.Mutex
	deleted []string
	planned []int
}

func (r *recorder) DeleteFirebaseUser(_ context.Context, uid string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deleted = append(r.deleted, uid)
	return nil
}

func (r *recorder) MemberChanged(_ context.Context, userID int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.planned = append(r.planned, userID)
	return nil
}

// fixture is a group where A and B each wrote, sent encouragement to the other, consented,
// registered a device and had a reflection read, and A wrote a reflection since deleted and
// received an encouragement they reported.
type fixture struct {
	*dbtest.Env
	accounts *Accounts
	rec      *recorder
	g        *dbtest.Group
	a, b, c  *dbtest.Member
	aRefs    []*ent.Reflection
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	e := dbtest.New(t)
	f := &fixture{Env: e, rec: &recorder{}, g: e.NewGroup("America/Chicago")}
	f.accounts = New(f.rec, e.Clock)
	f.a = e.AddMember(f.g, "Ann")
	f.b = e.AddMember(f.g, "Ben")
	f.c = e.AddMember(f.g, "Cy")
	op := e.Operator()
	mustDo := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []*dbtest.Member{f.a, f.b} {
		e.Consent(m)
		body := "MARKER-" + m.Membership.DisplayName
		r := e.Reflect(m, reflection.VisibilityGROUP, func(c *ent.ReflectionCreate) { c.SetBody(body) })
		if m == f.a {
			f.aRefs = append(f.aRefs, r)
		}
		_, err := e.Client.Device.Create().SetUserID(m.ID).SetToken("token-" + m.Membership.DisplayName).SetPlatform(device.PlatformIOS).Save(op)
		mustDo(err)
	}
	gone := e.Reflect(f.a, reflection.VisibilityPRIVATE, func(c *ent.ReflectionCreate) {
		c.SetBody("").SetDeletedAt(e.Clock.Now())
	})
	f.aRefs = append(f.aRefs, gone)
	bRef, err := e.Client.Reflection.Query().Where(reflection.UserID(f.b.ID)).Only(op)
	mustDo(err)
	send := func(from *dbtest.Member, on *ent.Reflection, msg string) *ent.Encouragement {
		enc, err := e.Client.Encouragement.Create().SetClientID(uuid.New()).SetReflectionID(on.ID).
			SetSenderID(from.Membership.ID).SetKind(encouragement.KindHEART).SetMessage(msg).Save(op)
		mustDo(err)
		return enc
	}
	send(f.b, f.aRefs[0], "MARKER from Ben")
	send(f.a, bRef, "MARKER from Ann")
	reported := send(f.c, f.aRefs[0], "MARKER reported")
	mustDo(e.Client.Encouragement.UpdateOne(reported).SetReportedAt(e.Clock.Now()).Exec(op))
	mustDo(e.Client.ReflectionRead.Create().SetAuthorUserID(f.a.ID).SetReflectionID(f.aRefs[0].ID).SetReaderID(f.b.Membership.ID).SetReadAt(e.Clock.Now()).Exec(op))
	mustDo(e.Client.ReflectionRead.Create().SetAuthorUserID(f.b.ID).SetReflectionID(bRef.ID).SetReaderID(f.a.Membership.ID).SetReadAt(e.Clock.Now()).Exec(op))
	return f
}

// TestExportHoldsOnlyViewersRows pins the export: everything of the viewer's (account,
// settings, devices without their tokens, memberships, reflections not deleted, what they
// sent, what they received and may still see, consents, reads of their reflections) and
// nothing of anyone else's; it is audited.
func TestExportHoldsOnlyViewersRows(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	out, data, err := f.accounts.Export(f.As(f.a.User), f.Client)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, leak := range []string{"MARKER-Ben", "token-", "MARKER reported", f.b.FirebaseUID, f.b.Email} {
		if strings.Contains(doc, leak) {
			t.Errorf("the export holds %q", leak)
		}
	}
	if out.Account.ID != f.a.ID || out.Account.Email != f.a.Email {
		t.Errorf("account %+v", out.Account)
	}
	if len(out.Memberships) != 1 || out.Memberships[0].ID != f.a.Membership.ID || out.Memberships[0].GroupName != "Tuesday Group" {
		t.Errorf("memberships %+v", out.Memberships)
	}
	if len(out.Reflections) != 1 || out.Reflections[0].Body != "MARKER-Ann" {
		t.Errorf("reflections %+v, want A's one not deleted", out.Reflections)
	}
	if len(out.EncouragementSent) != 1 || out.EncouragementSent[0].Message != "MARKER from Ann" {
		t.Errorf("sent %+v", out.EncouragementSent)
	}
	if len(out.EncouragementReceived) != 1 || out.EncouragementReceived[0].Message != "MARKER from Ben" {
		t.Errorf("received %+v, want B's only (not the reported one)", out.EncouragementReceived)
	}
	if len(out.Consents) != 1 || len(out.Devices) != 1 || len(out.ReadsOfMyReflections) != 1 || out.ReadsOfMyReflections[0].ReaderID != f.b.Membership.ID {
		t.Errorf("consents %+v, devices %+v, reads %+v", out.Consents, out.Devices, out.ReadsOfMyReflections)
	}
	if !slices.Equal(out.NotificationSettings.ReminderLeadMinutes, []int{1440, 60}) {
		t.Errorf("settings %+v", out.NotificationSettings)
	}
	n, err := f.Client.AuditEvent.Query().Where(auditevent.Action("account.exported")).Count(f.Operator())
	if err != nil || n != 1 {
		t.Errorf("%d export audit events (%v), want 1", n, err)
	}
}

// TestDeleteAccountEmptiesContent pins deletion: without confirm nothing changes; with it,
// the content of every reflection, the encouragement sent and received, consents, devices
// and deliveries go, memberships end and are anonymised, invites stop working, the uid
// becomes its tombstone, reminders are replanned and the Firebase user deleted; nobody
// else's data changes.
func TestDeleteAccountEmptiesContent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := f.As(f.a.User)
	op := f.Operator()
	inv, err := f.Client.GroupInvite.Create().SetGroupID(f.g.ID).SetCreatedByID(f.a.Membership.ID).SetCode("ABCDEFGH").
		SetExpiresAt(f.Clock.Now().Add(72 * time.Hour)).Save(op)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := f.Client.Device.Query().Where(device.UserID(f.a.ID)).Only(op)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Client.Delivery.Create().SetKey("reminder:1:1:1440:0:0").SetDeviceID(dev.ID).SetUserID(f.a.ID).SetSentAt(f.Clock.Now()).Exec(op); err != nil {
		t.Fatal(err)
	}

	var ae *apperr.Error
	if err := f.accounts.Delete(ctx, f.Client, false); !errors.As(err, &ae) || ae.Field != "confirm" {
		t.Fatalf("delete without confirm: %v, want BAD_USER_INPUT on confirm", err)
	}
	if n, _ := f.Client.Reflection.Query().Where(reflection.UserID(f.a.ID), reflection.DeletedAtIsNil()).Count(op); n != 1 {
		t.Fatal("delete without confirm changed reflections")
	}
	if err := f.accounts.Delete(ctx, f.Client, true); err != nil {
		t.Fatal(err)
	}

	rs, err := f.Client.Reflection.Query().Where(reflection.UserID(f.a.ID)).All(op)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.DeletedAt == nil || r.Body != "" || r.Mood != 0 || r.Craving != 0 || r.CreateDigest != "" {
			t.Errorf("reflection %d keeps content: %+v", r.ID, r)
		}
	}
	count := func(name string, n int, err error, want int) {
		t.Helper()
		if err != nil || n != want {
			t.Errorf("%s: %d (%v), want %d", name, n, err, want)
		}
	}
	n, err := f.Client.Encouragement.Query().Count(op)
	count("encouragement left (none of A's, sent or received)", n, err, 0)
	n, err = f.Client.GroupSharingConsent.Query().Where(groupsharingconsent.UserID(f.a.ID)).Count(op)
	count("A's consents", n, err, 0)
	n, err = f.Client.GroupSharingConsent.Query().Where(groupsharingconsent.UserID(f.b.ID)).Count(op)
	count("B's consents", n, err, 1)
	n, err = f.Client.Device.Query().Where(device.UserID(f.a.ID)).Count(op)
	count("A's devices", n, err, 0)
	n, err = f.Client.Device.Query().Where(device.UserID(f.b.ID)).Count(op)
	count("B's devices", n, err, 1)
	n, err = f.Client.Delivery.Query().Where(delivery.UserID(f.a.ID)).Count(op)
	count("A's deliveries", n, err, 0)
	n, err = f.Client.Reflection.Query().Where(reflection.UserID(f.b.ID), reflection.BodyNEQ("")).Count(op)
	count("B's reflections with content", n, err, 1)

	m, err := f.Client.Membership.Query().Where(membership.UserID(f.a.ID)).Only(op)
	if err != nil || m.LeftAt == nil || m.DisplayName != "Deleted account" {
		t.Errorf("A's membership %+v, %v; want ended and anonymised", m, err)
	}
	if inv, err = f.Client.GroupInvite.Query().Where(groupinvite.ID(inv.ID)).Only(op); err != nil || inv.RevokedAt == nil {
		t.Errorf("A's invite %+v, %v; want revoked", inv, err)
	}
	u, err := f.Client.User.Get(op, f.a.ID)
	if err != nil || u.FirebaseUID != Tombstone(f.a.FirebaseUID) || u.Email != "" || u.ReminderLeadMinutes != nil {
		t.Errorf("A's record %+v, %v; want the tombstone and nothing else", u, err)
	}
	if !slices.Equal(f.rec.planned, []int{f.a.ID}) || !slices.Equal(f.rec.deleted, []string{f.a.FirebaseUID}) {
		t.Errorf("replanned %v, Firebase users queued for deletion %v", f.rec.planned, f.rec.deleted)
	}
}

// TestExportAndDeleteWithoutGroups pins a member who never joined a group: the export holds
// their record and empty lists, and deletion works.
func TestExportAndDeleteWithoutGroups(t *testing.T) {
	t.Parallel()
	e := dbtest.New(t)
	rec := &recorder{}
	accounts := New(rec, e.Clock)
	u := e.NewUser(false)
	out, _, err := accounts.Export(e.As(u), e.Client)
	if err != nil || out.Account.ID != u.ID || len(out.Memberships) != 0 || len(out.EncouragementSent) != 0 || len(out.Reflections) != 0 {
		t.Fatalf("export: %+v, %v", out, err)
	}
	if err := accounts.Delete(e.As(u), e.Client, true); err != nil {
		t.Fatal(err)
	}
	if got, err := e.Client.User.Get(e.Operator(), u.ID); err != nil || got.FirebaseUID != Tombstone(u.FirebaseUID) {
		t.Fatalf("record after deletion: %+v, %v", got, err)
	}
}

// TestExportLeavesOutModeratedEvenForTheFacilitator: a therapist who writes in a group they
// facilitate sees reported and hidden encouragement as its moderator, but their export, as
// its recipient, leaves out what was reported or hidden, as everyone's does.
func TestExportLeavesOutModeratedEvenForTheFacilitator(t *testing.T) {
	t.Parallel()
	e := dbtest.New(t)
	g := e.NewGroup("America/Chicago")
	accounts := New(&recorder{}, e.Clock)
	ben := e.AddMember(g, "Ben")
	op := e.Operator()
	own := e.Reflect(g.Facilitator, reflection.VisibilityFACILITATORS)
	for _, c := range []struct {
		msg      string
		moderate func(*ent.EncouragementUpdateOne)
	}{
		{"MARKER kept", func(*ent.EncouragementUpdateOne) {}},
		{"MARKER reported", func(u *ent.EncouragementUpdateOne) { u.SetReportedAt(e.Clock.Now()) }},
		{"MARKER hidden", func(u *ent.EncouragementUpdateOne) { u.SetHiddenAt(e.Clock.Now()) }},
	} {
		// Each from a sender of its own: one encouragement per sender and reflection.
		from := ben
		if c.msg != "MARKER kept" {
			from = e.AddMember(g, c.msg[7:])
		}
		enc, err := e.Client.Encouragement.Create().SetClientID(uuid.New()).SetReflectionID(own.ID).
			SetSenderID(from.Membership.ID).SetKind(encouragement.KindHEART).SetMessage(c.msg).Save(op)
		if err != nil {
			t.Fatal(err)
		}
		upd := e.Client.Encouragement.UpdateOne(enc)
		c.moderate(upd)
		if c.msg != "MARKER kept" {
			if err := upd.Exec(op); err != nil {
				t.Fatal(err)
			}
		}
	}
	out, _, err := accounts.Export(e.As(g.Facilitator.User), e.Client)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range out.EncouragementReceived {
		got = append(got, r.Message)
	}
	if !slices.Equal(got, []string{"MARKER kept"}) {
		t.Fatalf("the facilitator's export holds %q, want only what was neither reported nor hidden", got)
	}
}
