package server_test

// Real time against the privacy rules: every test tries to make a subscription send
// something its subscriber may not read, or keep sending after a privacy change. An event
// that must NOT arrive is checked by making a change that must arrive next (one
// subscription's events arrive in order): the next message has to be that one.

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// nextFeed is the next event of the GroupFeedLive subscription sub of l; it fails the test
// if the event carries any of forbidden.
func nextFeed(t *testing.T, l *Live, sub string, forbidden ...string) (kind, id string, r *Resp) {
	t.Helper()
	r = l.Data(sub)
	noLeak(t, "feed event", r, forbidden...)
	return r.Str("groupFeedChanged.kind"), r.Str("groupFeedChanged.reflectionID"), r
}

// wantFeed fails the test unless the next event of sub is kind for reflection id (with the
// reflection for ADDED and UPDATED, without it for REMOVED), and carries none of forbidden.
func wantFeed(t *testing.T, l *Live, sub, kind, id string, forbidden ...string) *Resp {
	t.Helper()
	k, got, r := nextFeed(t, l, sub, forbidden...)
	if k != kind || got != id {
		t.Fatalf("%s: got %s %s, want %s %s: %s", sub, k, got, kind, id, r.Raw)
	}
	if kind == "REMOVED" {
		if r.Get("groupFeedChanged.reflection") != nil {
			t.Fatalf("%s: REMOVED carries the reflection: %s", sub, r.Raw)
		}
	} else if r.Str("groupFeedChanged.reflection.id") != id {
		t.Fatalf("%s: %s without the reflection: %s", sub, kind, r.Raw)
	}
	return r
}

// feed opens a live connection of c subscribed to g's page under "feed", and returns once
// the announcements of earlier changes are through: on PostgreSQL an announcement committed
// just before subscribing may still be on its way. So c writes a PRIVATE reflection (only c
// may read it) and edits it, and the events up to the edit's UPDATED are taken: ADDED or
// UPDATED of earlier changes (a late announcement of c's consent ADDs c's reflections, the
// sync one included), never a REMOVED.
func feed(t *testing.T, c *Client, g *Group) *Live {
	t.Helper()
	l := c.Live()
	l.Subscribe("feed", "GroupFeedLive", map[string]any{"groupID": g.ID})
	sync := g.Reflect(c, "PRIVATE", "sync")
	if r := updateReflection(c, sync, 1, map[string]any{"mood": 5}); len(r.Errors) > 0 {
		t.Fatal(r.Raw)
	}
	for {
		kind, id, r := nextFeed(t, l, "feed")
		if id == sync && kind == "UPDATED" {
			return l
		}
		if kind == "REMOVED" {
			t.Fatalf("a REMOVED before the subscription was under way: %s", r.Raw)
		}
	}
}

// groupOf is the id of a group c is in other than notID.
func groupOf(t *testing.T, c *Client, notID string) string {
	t.Helper()
	for _, id := range viewerGroups(c) {
		if id != notID {
			return id
		}
	}
	t.Fatal("no other group")
	return ""
}

// A deleted reflection is REMOVED for those who could read it, without content; deleting
// one the subscriber never saw sends nothing.
func TestLiveFeedDeletedReflectionRemoved(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		b := feed(t, g.B, g)
		const secret = "MARKER-DEL-private"
		priv := g.Reflect(g.A, "PRIVATE", secret)
		id := g.Reflect(g.A, "GROUP", "MARKER-DEL-shared")
		wantFeed(t, b, "feed", "ADDED", id, secret)
		g.A.MustOp("DeleteReflection", map[string]any{"id": id})
		wantFeed(t, b, "feed", "REMOVED", id, "MARKER-DEL-shared")
		// The private one deleted: Ben is told nothing about it; the next event is Ann's next.
		g.A.MustOp("DeleteReflection", map[string]any{"id": priv})
		next := g.Reflect(g.A, "GROUP", "MARKER-DEL-next")
		wantFeed(t, b, "feed", "ADDED", next, secret)
	})
}

// An edit from GROUP to FACILITATORS is REMOVED for a member (without the new text) and
// UPDATED for the facilitator (with it).
func TestLiveFeedEditToFacilitatorsRemovedForMembersUpdatedForFacilitator(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		b, th := feed(t, g.B, g), feed(t, g.Therapist, g)
		id := g.Reflect(g.A, "GROUP", "MARKER-FAC-before")
		wantFeed(t, b, "feed", "ADDED", id)
		wantFeed(t, th, "feed", "ADDED", id)
		const hidden = "MARKER-FAC-for-staff-only"
		if r := updateReflection(g.A, id, 1, map[string]any{"visibility": "FACILITATORS", "body": hidden}); len(r.Errors) > 0 {
			t.Fatal(r.Raw)
		}
		wantFeed(t, b, "feed", "REMOVED", id, hidden)
		r := wantFeed(t, th, "feed", "UPDATED", id)
		if r.Str("groupFeedChanged.reflection.body") != hidden || r.Str("groupFeedChanged.reflection.visibility") != "FACILITATORS" {
			t.Fatalf("facilitator's update: %s", r.Raw)
		}
		// A further edit of it reaches the facilitator only.
		updateReflection(g.A, id, 2, map[string]any{"body": hidden + " again"})
		wantFeed(t, th, "feed", "UPDATED", id)
		next := g.Reflect(g.A, "GROUP", "MARKER-FAC-next")
		wantFeed(t, b, "feed", "ADDED", next, hidden)
		wantFeed(t, th, "feed", "ADDED", next)
	})
}

// Reflections that existed before the subscription: one made private is REMOVED; a private
// one made GROUP is ADDED (not UPDATED: the subscriber never had it).
func TestLiveFeedExistingReflectionMadePrivateRemoved(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		shared := g.Reflect(g.A, "GROUP", "MARKER-OLD-shared")
		priv := g.Reflect(g.A, "PRIVATE", "MARKER-OLD-private")
		b := feed(t, g.B, g)
		updateReflection(g.A, shared, 1, map[string]any{"visibility": "PRIVATE"})
		wantFeed(t, b, "feed", "REMOVED", shared, "MARKER-OLD")
		updateReflection(g.A, priv, 1, map[string]any{"visibility": "GROUP"})
		r := wantFeed(t, b, "feed", "ADDED", priv)
		if r.Str("groupFeedChanged.reflection.body") != "MARKER-OLD-private" {
			t.Fatalf("made shared: %s", r.Raw)
		}
		// Private again, then edited while private: REMOVED, then nothing.
		updateReflection(g.A, priv, 2, map[string]any{"visibility": "PRIVATE"})
		wantFeed(t, b, "feed", "REMOVED", priv)
		updateReflection(g.A, priv, 3, map[string]any{"body": "MARKER-OLD-private-edit"})
		next := g.Reflect(g.A, "GROUP", "next")
		wantFeed(t, b, "feed", "ADDED", next, "MARKER-OLD-private-edit")
	})
}

// Consent revoked: the author's reflections a member could see are REMOVED at once, their
// edits no longer arrive, a new GROUP one cannot be written; the facilitator keeps them
// (read as FACILITATORS). Consent granted again: they are ADDED back.
func TestLiveFeedConsentRevokedRemovesAuthorsReflections(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		r1 := g.Reflect(g.A, "GROUP", "MARKER-REV-one")
		g.Reflect(g.A, "FACILITATORS", "MARKER-REV-staff")
		b, th := feed(t, g.B, g), feed(t, g.Therapist, g)
		r2 := g.Reflect(g.A, "GROUP", "MARKER-REV-two")
		wantFeed(t, b, "feed", "ADDED", r2)
		wantFeed(t, th, "feed", "ADDED", r2)

		g.A.MustOp("RevokeGroupSharingConsent", map[string]any{"groupID": g.ID})
		first, second := r1, r2 // REMOVED in the order of ids
		wantFeed(t, b, "feed", "REMOVED", first)
		wantFeed(t, b, "feed", "REMOVED", second)

		// A new GROUP reflection is refused; an edit of a shared one reaches the facilitator only.
		if r := g.A.Op("CreateReflection", map[string]any{"input": reflectionInput(g.ID, "GROUP", "MARKER-REV-new")}); r.Code() != "CONSENT_REQUIRED" {
			t.Fatalf("GROUP without consent: %s", r.Raw)
		}
		const edit = "MARKER-REV-edited-after"
		updateReflection(g.A, r1, 1, map[string]any{"body": edit})
		r := wantFeed(t, th, "feed", "UPDATED", r1) // and nothing before it for the revocation
		if r.Str("groupFeedChanged.reflection.body") != edit {
			t.Fatalf("facilitator: %s", r.Raw)
		}
		own := g.Reflect(g.B, "GROUP", "ben's own")
		wantFeed(t, b, "feed", "ADDED", own, edit, "MARKER-REV")
		wantFeed(t, th, "feed", "ADDED", own)

		// Consent again: what Ann shared is back for Ben, not the staff-only one.
		g.Consent(g.A)
		wantFeed(t, b, "feed", "ADDED", first, "MARKER-REV-staff")
		wantFeed(t, b, "feed", "ADDED", second, "MARKER-REV-staff")
		next := g.Reflect(g.A, "GROUP", "MARKER-REV-after")
		wantFeed(t, b, "feed", "ADDED", next)
		wantFeed(t, th, "feed", "ADDED", next)
	})
}

// Consent expired (no announcement at the moment it ends): the author's next edit of a
// shared reflection is REMOVED for members who had it, UPDATED for the facilitator; a new
// GROUP one is refused; a FACILITATORS one reaches the facilitator only.
func TestLiveFeedConsentExpiredTakesEffectOnNextEvent(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		g.A.MustOp("RevokeGroupSharingConsent", map[string]any{"groupID": g.ID})
		end := h.Clock.Now().Add(10 * time.Minute)
		if r := grantConsent(g.A, g.ID, &end); r.Get("grantGroupSharingConsent.active") != true {
			t.Fatalf("grant: %s", r.Raw)
		}
		b, th := feed(t, g.B, g), feed(t, g.Therapist, g)
		id := g.Reflect(g.A, "GROUP", "MARKER-EXP-shared")
		wantFeed(t, b, "feed", "ADDED", id)
		wantFeed(t, th, "feed", "ADDED", id)

		h.Clock.Advance(11 * time.Minute)
		const edit = "MARKER-EXP-after-expiry"
		if r := updateReflection(g.A, id, 1, map[string]any{"body": edit}); len(r.Errors) > 0 {
			t.Fatal(r.Raw)
		}
		wantFeed(t, b, "feed", "REMOVED", id, edit)
		if r := wantFeed(t, th, "feed", "UPDATED", id); r.Str("groupFeedChanged.reflection.body") != edit {
			t.Fatalf("facilitator: %s", r.Raw)
		}
		if r := g.A.Op("CreateReflection", map[string]any{"input": reflectionInput(g.ID, "GROUP", "MARKER-EXP-new")}); r.Code() != "CONSENT_REQUIRED" {
			t.Fatalf("GROUP after expiry: %s", r.Raw)
		}
		staff := g.Reflect(g.A, "FACILITATORS", "MARKER-EXP-staff")
		wantFeed(t, th, "feed", "ADDED", staff)
		updateReflection(g.A, id, 2, map[string]any{"mood": 2})
		wantFeed(t, th, "feed", "UPDATED", id)
		own := g.Reflect(g.B, "GROUP", "ben's own")
		wantFeed(t, b, "feed", "ADDED", own, "MARKER-EXP")
		wantFeed(t, th, "feed", "ADDED", own)
	})
}

// The author leaves: what they shared is REMOVED for members; the facilitator keeps it.
func TestLiveFeedAuthorLeavesRemoved(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		old := g.Reflect(g.A, "GROUP", "MARKER-LEAVE-old")
		b, th := feed(t, g.B, g), feed(t, g.Therapist, g)
		id := g.Reflect(g.A, "GROUP", "MARKER-LEAVE-new")
		wantFeed(t, b, "feed", "ADDED", id)
		wantFeed(t, th, "feed", "ADDED", id)
		g.A.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		var got []string
		for range 2 {
			_, rid := wantRemoved(t, b)
			got = append(got, rid)
		}
		if !sameIDs(got, []string{old, id}) {
			t.Fatalf("REMOVED %v, want %s and %s", got, old, id)
		}
		own := g.Reflect(g.B, "GROUP", "ben's own")
		wantFeed(t, b, "feed", "ADDED", own, "MARKER-LEAVE")
		wantFeed(t, th, "feed", "ADDED", own) // nothing for Ann's leaving before it
	})
}

// wantRemoved fails unless the next event of b's "feed" is REMOVED; it returns its id.
func wantRemoved(t *testing.T, b *Live) (string, string) {
	t.Helper()
	k, id, r := nextFeed(t, b, "feed")
	if k != "REMOVED" || r.Get("groupFeedChanged.reflection") != nil {
		t.Fatalf("want REMOVED: %s", r.Raw)
	}
	return k, id
}

func sameIDs(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}

// The author deletes their account: their reflections are REMOVED for everyone who had them.
func TestLiveFeedAuthorAccountDeletedRemoved(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		id := g.Reflect(g.A, "GROUP", "MARKER-GONE-shared")
		staff := g.Reflect(g.A, "FACILITATORS", "MARKER-GONE-staff")
		b, th := feed(t, g.B, g), feed(t, g.Therapist, g)
		g.A.MustOp("DeleteAccount", map[string]any{"confirm": true})
		wantFeed(t, b, "feed", "REMOVED", id)
		var got []string
		for range 2 {
			_, rid := wantRemoved(t, th)
			got = append(got, rid)
		}
		if !sameIDs(got, []string{id, staff}) {
			t.Fatalf("facilitator: REMOVED %v, want %s and %s", got, id, staff)
		}
		own := g.Reflect(g.B, "GROUP", "ben's own")
		wantFeed(t, b, "feed", "ADDED", own)
		wantFeed(t, th, "feed", "ADDED", own)
	})
}

// The subscriber leaves, or is removed: the subscription completes with the change, before
// anything else of the group; subscribing again is NOT_FOUND.
func TestLiveFeedSubscriberLeavesOrRemovedCompleted(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		b, a := feed(t, g.B, g), feed(t, g.A, g)
		bs := g.B.Live()
		bs.Subscribe("sessions", "SessionsLive", map[string]any{"groupID": g.ID})
		g.B.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		b.Completed("feed")
		bs.Completed("sessions")
		after := g.Reflect(g.A, "GROUP", "MARKER-LEFT-after")
		wantFeed(t, a, "feed", "ADDED", after)
		b.Try("again", "GroupFeedLive", map[string]any{"groupID": g.ID})
		if code := b.Failed("again"); code != "NOT_FOUND" {
			t.Fatalf("former member subscribes: %s", code)
		}

		cal := h.Member("c")
		g.Join(cal, "Cal")
		c := feed(t, cal, g)
		g.Therapist.MustOp("RemoveMember", map[string]any{"membershipID": g.Memberships[g.A]})
		a.Completed("feed")
		a.Try("again", "GroupFeedLive", map[string]any{"groupID": g.ID})
		if code := a.Failed("again"); code != "NOT_FOUND" {
			t.Fatalf("removed member subscribes: %s", code)
		}
		// Cal had Ann's reflection: it goes with her removal; then Cal deletes their account.
		wantFeed(t, c, "feed", "REMOVED", after)
		cal.MustOp("DeleteAccount", map[string]any{"confirm": true})
		c.Completed("feed")
	})
}

// Nobody outside a group subscribes to it: a member of no group, the therapist of another
// group, a member subscribing to another group (NOT_FOUND, as a query of it). And a
// subscriber is sent nothing of another group.
func TestLiveFeedOutsidersNotFound(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		other := groupOf(t, g.Stranger, g.ID)
		for name, try := range map[string]struct {
			c     *Client
			group string
		}{
			"outsider":              {g.Outsider, g.ID},
			"another's therapist":   {g.Stranger, g.ID},
			"member, other group":   {g.A, other},
			"member, made-up id":    {g.A, madeUpID(t, g.ID)},
			"member, reflection id": {g.A, g.Reflect(g.A, "GROUP", "an id")},
		} {
			l := try.c.Live()
			for _, op := range []string{"GroupFeedLive", "SessionsLive"} {
				l.Try(op, op, map[string]any{"groupID": try.group})
				if code := l.Failed(op); code != "NOT_FOUND" {
					t.Errorf("%s %s: %s", name, op, code)
				}
			}
		}
		// Another group's reflections and sessions never reach a member of this one.
		b := feed(t, g.B, g)
		sid := g.Stranger.MustOp("CreateGroupInvite", map[string]any{"groupID": other}).Str("createGroupInvite.code")
		c := h.Member("c")
		c.MustOp("JoinGroup", map[string]any{"input": map[string]any{"code": sid, "displayName": "Cal"}})
		if r := grantConsent(c, other, nil); len(r.Errors) > 0 {
			t.Fatal(r.Raw)
		}
		c.MustOp("CreateReflection", map[string]any{"input": reflectionInput(other, "GROUP", "MARKER-OTHER-group")})
		scheduleSession(g.Stranger, other, h.Clock.Now().Add(72*time.Hour), 60)
		id := g.Reflect(g.A, "GROUP", "ours")
		wantFeed(t, b, "feed", "ADDED", id, "MARKER-OTHER")
	})
}

// Encouragement on a reflection the subscriber reads is UPDATED with the count as they may
// see it: reported by its recipient, it no longer counts for the recipient; hidden by a
// facilitator, only the facilitators and its sender count it. Encouragement on a reflection
// the subscriber cannot read sends them nothing.
func TestLiveFeedEncouragementCountAsEachMaySee(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		cal := h.Member("c")
		g.Join(cal, "Cal")
		id := g.Reflect(g.A, "GROUP", "MARKER-CNT-shared")
		staff := g.Reflect(g.A, "FACILITATORS", "MARKER-CNT-staff")
		subs := map[string]*Live{"ann": feed(t, g.A, g), "ben": feed(t, g.B, g), "cal": feed(t, cal, g), "dr": feed(t, g.Therapist, g)}
		expect := func(step string, counts map[string]int, mine map[string]bool) {
			t.Helper()
			for _, who := range []string{"ann", "ben", "cal", "dr"} {
				r := wantFeed(t, subs[who], "feed", "UPDATED", id, "MARKER-CNT-msg")
				if n := r.Num("groupFeedChanged.reflection.encouragementCount"); n != counts[who] {
					t.Errorf("%s: %s sees count %d, want %d", step, who, n, counts[who])
				}
				if got := r.Get("groupFeedChanged.reflection.viewerHasEncouraged") == true; got != mine[who] {
					t.Errorf("%s: %s viewerHasEncouraged %v", step, who, got)
				}
			}
		}
		enc := mustEncourage(t, g.B, id, "MARKER-CNT-msg")
		expect("sent", map[string]int{"ann": 1, "ben": 1, "cal": 1, "dr": 1}, map[string]bool{"ben": true})
		g.A.MustOp("ReportEncouragement", map[string]any{"id": enc, "reason": "MARKER-CNT-why"})
		expect("reported", map[string]int{"ann": 0, "ben": 1, "cal": 1, "dr": 1}, map[string]bool{"ben": true})
		g.Therapist.MustOp("HideEncouragement", map[string]any{"id": enc})
		expect("hidden", map[string]int{"ann": 0, "ben": 1, "cal": 0, "dr": 1}, map[string]bool{"ben": true})

		// On the staff-only reflection: the facilitator's feed and Ann's own are UPDATED;
		// Ben and Cal are sent nothing.
		mustEncourage(t, g.Therapist, staff, "")
		for _, who := range []string{"ann", "dr"} {
			if r := wantFeed(t, subs[who], "feed", "UPDATED", staff); r.Num("groupFeedChanged.reflection.encouragementCount") != 1 {
				t.Errorf("%s: %s", who, r.Raw)
			}
		}
		next := g.Reflect(g.A, "GROUP", "next")
		for _, who := range []string{"ann", "ben", "cal", "dr"} {
			wantFeed(t, subs[who], "feed", "ADDED", next, "MARKER-CNT-staff")
		}
	})
}

// encouragementEvent is the next EncouragementLive event of l.
func encouragementEvent(t *testing.T, l *Live, forbidden ...string) *Resp {
	t.Helper()
	r := l.Data("enc")
	noLeak(t, "encouragement event", r, forbidden...)
	return r
}

// Encouragement arrives to the author of the reflection only, with its message and sender;
// encouragement between others, or on others' reflections, never reaches them.
func TestLiveEncouragementOnlyToRecipient(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		cal := h.Member("c")
		g.Join(cal, "Cal")
		a, b := g.A.Live(), g.B.Live()
		a.Subscribe("enc", "EncouragementLive", nil)
		b.Subscribe("enc", "EncouragementLive", nil)
		annR := g.Reflect(g.A, "GROUP", "MARKER-ENC-ann")
		benR := g.Reflect(g.B, "GROUP", "MARKER-ENC-ben")
		const toAnn, toCal = "MARKER-ENC-for-ann", "MARKER-ENC-for-cal"
		calR := g.Reflect(cal, "GROUP", "MARKER-ENC-cal")

		e1 := mustEncourage(t, g.B, annR, toAnn)
		r := encouragementEvent(t, a)
		if r.Str("encouragementReceived.id") != e1 || r.Str("encouragementReceived.message") != toAnn ||
			r.Str("encouragementReceived.sender.displayName") != "Ben" || r.Str("encouragementReceived.sender.id") != g.Memberships[g.B] ||
			r.Str("encouragementReceived.reflection.id") != annR || r.Num("encouragementReceived.reflection.encouragementCount") != 1 {
			t.Fatalf("Ann's encouragement: %s", r.Raw)
		}
		// Between others (Ben → Cal, Ann → Cal), and on Ben's own reflection from Cal to nobody else.
		mustEncourage(t, g.B, calR, toCal)
		mustEncourage(t, g.A, calR, toCal+"-2")
		e4 := mustEncourage(t, cal, benR, "MARKER-ENC-for-ben")
		r = encouragementEvent(t, b, toAnn, toCal)
		if r.Str("encouragementReceived.id") != e4 || r.Str("encouragementReceived.sender.displayName") != "Cal" {
			t.Fatalf("Ben's encouragement: %s", r.Raw)
		}
		e5 := mustEncourage(t, cal, annR, "MARKER-ENC-cal-for-ann")
		if r = encouragementEvent(t, a, toCal, "MARKER-ENC-for-ben"); r.Str("encouragementReceived.id") != e5 {
			t.Fatalf("Ann's second: %s", r.Raw)
		}
	})
}

// A report hides that one encouragement from its recipient, not its sender: the same
// sender's next encouragement still arrives; so after a facilitator hides one. Neither the
// report nor the hiding is itself sent as encouragement.
func TestLiveEncouragementAfterReportAndHide(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		a := g.A.Live()
		a.Subscribe("enc", "EncouragementLive", nil)
		r1 := g.Reflect(g.A, "GROUP", "MARKER-MOD-1")
		r2 := g.Reflect(g.A, "GROUP", "MARKER-MOD-2")
		r3 := g.Reflect(g.A, "GROUP", "MARKER-MOD-3")
		e1 := mustEncourage(t, g.B, r1, "MARKER-MOD-hurtful")
		if r := encouragementEvent(t, a); r.Str("encouragementReceived.id") != e1 {
			t.Fatal(r.Raw)
		}
		g.A.MustOp("ReportEncouragement", map[string]any{"id": e1})
		e2 := mustEncourage(t, g.B, r2, "MARKER-MOD-second")
		if r := encouragementEvent(t, a, "MARKER-MOD-hurtful"); r.Str("encouragementReceived.id") != e2 {
			t.Fatalf("after the report: %s", r.Raw)
		}
		g.Therapist.MustOp("HideEncouragement", map[string]any{"id": e2})
		e3 := mustEncourage(t, g.B, r3, "MARKER-MOD-third")
		r := encouragementEvent(t, a, "MARKER-MOD-hurtful", "MARKER-MOD-second")
		if r.Str("encouragementReceived.id") != e3 || r.Num("encouragementReceived.reflection.encouragementCount") != 1 {
			t.Fatalf("after hiding: %s", r.Raw)
		}
	})
}

// A member who left still receives encouragement the facilitator sends on their
// reflection, but not who sent it: they no longer share the group with its sender.
func TestLiveEncouragementAfterLeavingHasNoSender(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		staff := g.Reflect(g.A, "FACILITATORS", "MARKER-LFT-staff")
		a := g.A.Live()
		a.Subscribe("enc", "EncouragementLive", nil)
		g.A.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		r := Encourage(g.Therapist, staff, "MARKER-LFT-msg")
		if len(r.Errors) > 0 {
			t.Skipf("the facilitator cannot encourage a former member's reflection: %s", r.Raw)
		}
		typ, ev := a.Next("enc")
		if typ != "next" {
			t.Fatalf("got %s", typ)
		}
		if name := ev.Str("encouragementReceived.sender.displayName"); name != "" {
			t.Errorf("a former member is told the sender %q: %s", name, ev.Raw)
		}
	})
}

// sessionEvent fails the test unless the next SessionsLive event of l is kind for session id.
func sessionEvent(t *testing.T, l *Live, kind, id string) *Resp {
	t.Helper()
	r := l.Data("sessions")
	if r.Str("sessionChanged.kind") != kind || r.Str("sessionChanged.session.id") != id {
		t.Fatalf("want %s %s: %s", kind, id, r.Raw)
	}
	return r
}

// Sessions: scheduled, moved and cancelled reach the group's members in order; another
// group's never do; someone outside the group cannot subscribe.
func TestLiveSessionsScheduledMovedCancelled(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		a := g.A.Live()
		a.Subscribe("sessions", "SessionsLive", map[string]any{"groupID": g.ID})
		o := g.Outsider.Live()
		o.Try("sessions", "SessionsLive", map[string]any{"groupID": g.ID})
		if code := o.Failed("sessions"); code != "NOT_FOUND" {
			t.Fatalf("outsider: %s", code)
		}
		start := h.Clock.Now().Add(72 * time.Hour).Truncate(time.Minute)
		id := scheduleSession(g.Therapist, g.ID, start, 60)
		r := sessionEvent(t, a, "SCHEDULED", id)
		if got, _ := time.Parse(time.RFC3339, r.Str("sessionChanged.session.startsAt")); !got.Equal(start) || r.Str("sessionChanged.session.status") != "SCHEDULED" {
			t.Fatalf("scheduled: %s", r.Raw)
		}
		// Another group's session: nothing.
		scheduleSession(g.Stranger, groupOf(t, g.Stranger, g.ID), start, 60)
		moved := start.Add(24 * time.Hour)
		g.Therapist.MustOp("RescheduleSession", map[string]any{"id": id, "startsAt": rfc3339(moved)})
		r = sessionEvent(t, a, "MOVED", id)
		if got, _ := time.Parse(time.RFC3339, r.Str("sessionChanged.session.startsAt")); !got.Equal(moved) {
			t.Fatalf("moved: %s", r.Raw)
		}
		g.Therapist.MustOp("CancelSession", map[string]any{"id": id})
		if r = sessionEvent(t, a, "CANCELLED", id); r.Str("sessionChanged.session.status") != "CANCELLED" {
			t.Fatalf("cancelled: %s", r.Raw)
		}
	})
}

// attentionEvent fails the test unless the next AttentionLive event of l is for reflection id.
func attentionEvent(t *testing.T, l *Live, id string) *Resp {
	t.Helper()
	r := l.Data("attention")
	noLeak(t, "attention alert", r, "MARKER")
	reasons, _ := r.Get("attentionRaised.reasons").([]any)
	if r.Str("attentionRaised.reflection.id") != id || len(reasons) != 1 || reasons[0] != "CRISIS" {
		t.Fatalf("want an alert for %s: %s", id, r.Raw)
	}
	return r
}

const crisisWords = "MARKER-CRISIS I want to end my life"

// Attention: the group's facilitator is alerted when a member writes crisis language in a
// GROUP or FACILITATORS reflection, or edits it in; a PRIVATE one is never sent (the
// facilitator may not read it); anyone but the group's facilitators is FORBIDDEN.
func TestLiveAttentionFacilitatorsOnly(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		for name, c := range map[string]*Client{"member": g.A, "other therapist": g.Stranger, "outsider": g.Outsider} {
			l := c.Live()
			l.Try("attention", "AttentionLive", map[string]any{"groupID": g.ID})
			if code := l.Failed("attention"); code != "FORBIDDEN" {
				t.Errorf("%s: %s", name, code)
			}
		}
		th := g.Therapist.Live()
		th.Subscribe("attention", "AttentionLive", map[string]any{"groupID": g.ID})
		priv := g.Reflect(g.A, "PRIVATE", crisisWords)
		g.Reflect(g.A, "GROUP", "MARKER-CRISIS an ordinary day")
		shared := g.Reflect(g.A, "GROUP", crisisWords+" shared")
		r := attentionEvent(t, th, shared)
		if r.Str("attentionRaised.reflection.visibility") != "GROUP" || r.Str("attentionRaised.reflection.author.displayName") != "Ann" {
			t.Fatalf("alert: %s", r.Raw)
		}
		updateReflection(g.A, priv, 1, map[string]any{"body": crisisWords + " still private"})
		staff := g.Reflect(g.B, "FACILITATORS", crisisWords+" staff")
		if r := attentionEvent(t, th, staff); r.Str("attentionRaised.reflection.author.displayName") != "Ben" {
			t.Fatalf("alert: %s", r.Raw)
		}
		later := g.Reflect(g.B, "GROUP", "MARKER-CRISIS fine today")
		updateReflection(g.B, later, 1, map[string]any{"body": crisisWords + " edited in"})
		attentionEvent(t, th, later)
		// Another group's crisis reaches its own facilitator, never this one; this group's
		// never reaches the other.
		other := groupOf(t, g.Stranger, g.ID)
		st := g.Stranger.Live()
		st.Subscribe("attention", "AttentionLive", map[string]any{"groupID": other})
		theirs := g.Stranger.MustOp("CreateReflection", map[string]any{"input": reflectionInput(other, "FACILITATORS", crisisWords+" other group")}).
			Str("createReflection.reflection.id")
		last := g.Reflect(g.A, "FACILITATORS", crisisWords+" last")
		attentionEvent(t, th, last)
		attentionEvent(t, st, theirs)
	})
}

// A PRIVATE reflection with crisis language that its author then shares with the
// facilitators raises the alert when they may read it, once.
func TestLiveAttentionPrivateCrisisSharedLater(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		th := g.Therapist.Live()
		th.Subscribe("attention", "AttentionLive", map[string]any{"groupID": g.ID})
		id := g.Reflect(g.A, "PRIVATE", crisisWords+" kept to myself")
		// Its creation is handled (and not sent) before it is shared: the next alert is Ben's.
		attentionEvent(t, th, g.Reflect(g.B, "FACILITATORS", crisisWords+" first"))
		if r := updateReflection(g.A, id, 1, map[string]any{"visibility": "FACILITATORS"}); len(r.Errors) > 0 {
			t.Fatal(r.Raw)
		}
		// Edited again: alerted once, not twice.
		if r := updateReflection(g.A, id, 2, map[string]any{"mood": 4}); len(r.Errors) > 0 {
			t.Fatal(r.Raw)
		}
		sentinel := g.Reflect(g.B, "FACILITATORS", crisisWords+" sentinel")
		r := th.Data("attention")
		if got := r.Str("attentionRaised.reflection.id"); got != id {
			t.Fatalf("the shared crisis reflection %s raised no alert; next alert is for %s (sentinel %s)", id, got, sentinel)
		}
		attentionEvent(t, th, sentinel)
	})
}

// A facilitator who no longer facilitates: with their therapist role taken away, a new
// subscription is FORBIDDEN; one whose membership ended (their account deleted) completes.
// (Without the therapist role they lead nobody, so even the group's only facilitator may
// delete their account; leaving with a co-facilitator is tried in facilitators_test.go.)
func TestLiveAttentionEndsForFormerFacilitator(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		th := g.Therapist.Live()
		th.Subscribe("attention", "AttentionLive", map[string]any{"groupID": g.ID})
		demoted := demote(t, h, g.Therapist)
		l := demoted.Live()
		l.Try("attention", "AttentionLive", map[string]any{"groupID": g.ID})
		if code := l.Failed("attention"); code != "FORBIDDEN" {
			t.Fatalf("demoted therapist: %s", code)
		}
		// Demoted, still a member: their new page subscription no longer gets staff-only reflections.
		l.Subscribe("feed", "GroupFeedLive", map[string]any{"groupID": g.ID})
		g.Reflect(g.A, "FACILITATORS", "MARKER-DEM-staff")
		shared := g.Reflect(g.A, "GROUP", "MARKER-DEM-shared")
		wantFeed(t, l, "feed", "ADDED", shared, "MARKER-DEM-staff")

		demoted.MustOp("DeleteAccount", map[string]any{"confirm": true})
		th.Completed("attention")
	})
}

// Accounting: a reflection sent over GroupFeedLive to someone other than its author is
// recorded as a read before it is sent (it is listed as soon as the event arrives); the
// author's own events and REMOVED record nothing.
func TestLiveFeedDeliveryAccountedAsRead(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		a := feed(t, g.A, g)
		id := g.Reflect(g.A, "GROUP", "MARKER-ACC-shared")
		wantFeed(t, a, "feed", "ADDED", id)
		if got := readsOf(t, g.A); len(got) != 0 {
			t.Fatalf("the author's own event recorded reads: %v", got)
		}
		b := feed(t, g.B, g)
		id2 := g.Reflect(g.A, "GROUP", "MARKER-ACC-second")
		wantFeed(t, a, "feed", "ADDED", id2)
		wantFeed(t, b, "feed", "ADDED", id2)
		want := []string{id2 + "/Ben/MEMBER"}
		if got := readsOf(t, g.A); !slices.Equal(got, want) {
			t.Fatalf("after Ben's event: reads %v, want %v", got, want)
		}
		updateReflection(g.A, id, 1, map[string]any{"body": "MARKER-ACC-edit"})
		wantFeed(t, a, "feed", "UPDATED", id)
		wantFeed(t, b, "feed", "UPDATED", id)
		want = append(want, id+"/Ben/MEMBER")
		sort.Strings(want)
		if got := readsOf(t, g.A); !slices.Equal(got, want) {
			t.Fatalf("after the update: reads %v, want %v", got, want)
		}
		updateReflection(g.A, id, 2, map[string]any{"visibility": "PRIVATE"})
		wantFeed(t, a, "feed", "UPDATED", id)
		wantFeed(t, b, "feed", "REMOVED", id)
		if got := readsOf(t, g.A); !slices.Equal(got, want) {
			t.Fatalf("after REMOVED: reads %v, want %v", got, want)
		}
	})
}

// NOTIFY payloads on PostgreSQL carry kinds and ids only: every announcement a run of
// changes makes has only the keys k, g, i, u, r, o, a, numbers for ids, and none of the
// words, names or reasons the changes carried.
func TestLiveNotifyPayloadsCarryIdsOnly(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, h.dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, "LISTEN processgroup_live"); err != nil {
			t.Fatal(err)
		}
		g := h.NewGroup()
		id := g.Reflect(g.A, "GROUP", crisisWords+" MARKER-NTF-body")
		updateReflection(g.A, id, 1, map[string]any{"body": "MARKER-NTF-edit", "prompt": "MARKER-NTF-prompt"})
		enc := mustEncourage(t, g.B, id, "MARKER-NTF-message")
		g.A.MustOp("ReportEncouragement", map[string]any{"id": enc, "reason": "MARKER-NTF-report"})
		g.Therapist.MustOp("HideEncouragement", map[string]any{"id": enc, "reason": "MARKER-NTF-hide"})
		sid := scheduleSession(g.Therapist, g.ID, h.Clock.Now().Add(72*time.Hour), 60)
		g.Therapist.MustOp("RescheduleSession", map[string]any{"id": sid, "startsAt": rfc3339(h.Clock.Now().Add(96 * time.Hour))})
		g.Therapist.MustOp("CancelSession", map[string]any{"id": sid})
		g.A.MustOp("RevokeGroupSharingConsent", map[string]any{"groupID": g.ID})
		g.Consent(g.A)
		g.A.MustOp("DeleteReflection", map[string]any{"id": id})
		g.B.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		g.A.MustOp("DeleteAccount", map[string]any{"confirm": true})
		if _, err := conn.Exec(ctx, "SELECT pg_notify('processgroup_live', 'END')"); err != nil {
			t.Fatal(err)
		}
		// Ids and kinds only: not even whether a reflection is marked with crisis language.
		allowed := map[string]bool{"k": true, "g": true, "i": true, "u": true, "r": true, "o": true}
		kinds := map[string]int{}
		for {
			n, err := conn.WaitForNotification(ctx)
			if err != nil {
				t.Fatalf("waiting for notifications: %v (kinds so far %v)", err, kinds)
			}
			if n.Payload == "END" {
				break
			}
			noLeak(t, "NOTIFY payload", &Resp{Raw: n.Payload}, "MARKER", "Ann", "Ben", "Dr. T", "Tuesday", "end my life", "@example")
			var m map[string]any
			if err := json.Unmarshal([]byte(n.Payload), &m); err != nil {
				t.Fatalf("payload is not JSON: %q", n.Payload)
			}
			for k, v := range m {
				if !allowed[k] {
					t.Errorf("payload key %q: %s", k, n.Payload)
				}
				switch k {
				case "k", "o":
					s, _ := v.(string)
					if !slices.Contains([]string{"reflection", "encouragement", "session", "member", "created", "scheduled", "moved", "cancelled"}, s) {
						t.Errorf("payload %s = %v: %s", k, v, n.Payload)
					}
				default:
					if f, ok := v.(float64); !ok || f != float64(int64(f)) || f <= 0 {
						t.Errorf("payload %s = %v is not an id: %s", k, v, n.Payload)
					}
				}
			}
			kinds[m["k"].(string)]++
		}
		for _, k := range []string{"reflection", "encouragement", "session", "member"} {
			if kinds[k] == 0 {
				t.Errorf("no %s announcement seen: %v", k, kinds)
			}
		}
	}, onlyPostgres())
}

// A consent that ends by its date takes effect on the very next event of the group, whatever
// it is about: what its author shared is REMOVED first.
func TestLiveFeedConsentEndOnNextEventOfTheGroup(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		g.A.MustOp("RevokeGroupSharingConsent", map[string]any{"groupID": g.ID})
		end := h.Clock.Now().Add(10 * time.Minute)
		if r := grantConsent(g.A, g.ID, &end); r.Get("grantGroupSharingConsent.active") != true {
			t.Fatalf("grant: %s", r.Raw)
		}
		b := feed(t, g.B, g)
		id := g.Reflect(g.A, "GROUP", "MARKER-END-shared")
		wantFeed(t, b, "feed", "ADDED", id)
		h.Clock.Advance(11 * time.Minute)
		next := g.Reflect(g.Therapist, "GROUP", "the facilitator's")
		wantFeed(t, b, "feed", "REMOVED", id, "MARKER-END-shared")
		wantFeed(t, b, "feed", "ADDED", next)
	})
}
