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
	"github.com/processgroup/api/ent/group"
	"github.com/processgroup/api/ent/groupinvite"
	"github.com/processgroup/api/ent/groupsession"
	"github.com/processgroup/api/ent/groupsharingconsent"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/ent/reflection"
	"github.com/processgroup/api/ent/reflectionread"
	"github.com/processgroup/api/ent/user"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/rule"
)

// viewers is the viewer axis: the author (in the author's state), everyone who can hold a
// membership of the group in each membership state, and the two who hold none.
func viewers(authorState memberState, roles ...role) []who {
	vs := []who{{author, authorState}}
	for _, r := range roles {
		for _, st := range memberStates {
			vs = append(vs, who{r, st})
		}
	}
	return append(vs, who{role: otherTherapist}, who{role: outsider})
}

// inGroupRoles are the roles in the group besides the author (and the sender).
var inGroupRoles = []role{peer, facilitator, exTherapist, therapistMember}

func verdict(want bool, yes, no string) string {
	if want {
		return yes
	}
	return no
}

func readable(want bool) string { return verdict(want, "readable", "hidden") }
func allowed(want bool) string  { return verdict(want, "allowed", "refused") }

// TestWhoReadsReflections is the brief's three reflection rows, and who may change a
// reflection or encourage its author: every audience × author's state × author's consent ×
// viewer.
func TestWhoReadsReflections(t *testing.T) { eachForm(t, testWhoReadsReflections) }

func testWhoReadsReflections(t *testing.T, e *env) {
	for _, vis := range audiences {
		for _, as := range []memberState{current, left} {
			for _, c := range consentStates {
				for _, v := range viewers(as, inGroupRoles...) {
					s := scene{viewer: v, author: as, consent: c, vis: vis}
					name := fmt.Sprintf("%s reflection, %s, author %s with %s", vis, v, as, c)
					t.Run(name, func(t *testing.T) { e.build(t, s).checkReflection(t) })
				}
			}
		}
	}
}

func (w *world) checkReflection(t *testing.T) {
	r, client := w.reflection, w.e.client
	t.Run("read → "+readable(w.readsReflection()), func(t *testing.T) {
		check(t, "ReflectionReadable", w.exists(t, client.Reflection.Query().Where(reflection.ID(r.ID))), w.readsReflection())
	})
	t.Run("peer's encouragement on it → "+readable(w.readsEncouragement()), func(t *testing.T) {
		check(t, "EncouragementReadable", w.exists(t, client.Encouragement.Query().Where(encouragement.ID(w.encouragement.ID))), w.readsEncouragement())
	})
	t.Run("change → "+allowed(w.changesReflection()), func(t *testing.T) {
		sql := w.e.try(t, w.ctx, func(c *ent.Client) (int, error) {
			return c.Reflection.Update().Where(reflection.ID(r.ID)).SetBody("Better today.").AddVersion(1).Save(w.ctx)
		})
		check(t, "ReflectionAuthorOnly", sql, w.changesReflection())
		check(t, "MayChangeReflection", rule.MayChangeReflection(w.v, r) == nil, w.changesReflection())
	})
	t.Run("delete → "+allowed(w.changesReflection()), func(t *testing.T) {
		// As journal.DeleteReflection does it: the content goes, and the encouragement on it.
		sql := w.e.try(t, w.ctx, func(c *ent.Client) (int, error) {
			n, err := c.Reflection.Update().Where(reflection.ID(r.ID)).
				SetBody("").SetMood(0).SetCraving(0).SetDeletedAt(t0).AddVersion(1).
				Save(w.ctx)
			if err != nil {
				return 0, err
			}
			m, err := c.Encouragement.Delete().Where(encouragement.ReflectionID(r.ID)).Exec(w.ctx)
			if err != nil || m != n {
				return 0, fmt.Errorf("reflection deleted %d, its encouragement %d (%v)", n, m, err)
			}
			return n, nil
		})
		check(t, "ReflectionAuthorOnly and EncouragementDeleteByReflectionAuthor", sql, w.changesReflection())
	})
	t.Run("share with group → "+allowed(w.sharesWithGroup()), func(t *testing.T) {
		sql := w.e.try(t, w.ctx, func(c *ent.Client) (int, error) {
			return c.Reflection.Update().Where(reflection.ID(r.ID)).SetVisibility(reflection.VisibilityGROUP).Save(w.ctx)
		})
		check(t, "ReflectionAuthorOnly", sql, w.sharesWithGroup())
	})
	t.Run("encourage → "+allowed(w.encourages()), func(t *testing.T) {
		// Whoever has no membership of the group tries with one that is not theirs.
		as := w.authorM
		if w.mine != nil {
			as = w.mine
		}
		sql := w.e.try(t, w.ctx, func(c *ent.Client) (int, error) {
			return one(c.Encouragement.Create().
				SetClientID(uuid.New()).
				SetReflectionID(r.ID).
				SetSenderID(as.ID).
				SetKind(encouragement.KindHUG).
				Save(w.ctx))
		})
		check(t, "EncouragementCreate", sql, w.encourages())
		// The service's decision, in its order: the reflection as the viewer reads it,
		// MayEncourage, then the viewer's current membership of its group.
		_, err := client.Reflection.Get(w.ctx, r.ID)
		goForm := err == nil && rule.MayEncourage(w.v, r) == nil && w.hasCurrentMembership(t)
		check(t, "read rule, MayEncourage and ViewerMembership", goForm, w.encourages())
	})
	if !w.encourages() {
		return
	}
	t.Run("encourage signed as another member → refused", func(t *testing.T) {
		// Whoever may send encouragement sends it as themselves ("a member sending
		// encouragement"): never through someone else's membership, here one that has sent
		// nothing on it yet.
		other := w.facilitatorM
		if w.viewer.role == facilitator {
			other = w.authorM
		}
		sql := w.e.try(t, w.ctx, func(c *ent.Client) (int, error) {
			return one(c.Encouragement.Create().
				SetClientID(uuid.New()).
				SetReflectionID(r.ID).
				SetSenderID(other.ID).
				SetKind(encouragement.KindHUG).
				Save(w.ctx))
		})
		check(t, "EncouragementCreate", sql, false)
	})
}

// hasCurrentMembership asks rule.ViewerMembership for the viewer's current membership of the
// group.
func (w *world) hasCurrentMembership(t *testing.T) bool {
	t.Helper()
	_, err := rule.ViewerMembership(w.ctx, w.e.client, w.group.ID)
	if err != nil && !errors.Is(err, rule.ErrNotInGroup) {
		t.Fatal(err)
	}
	return err == nil
}

// TestWhoSeesModeration is the encouragement row of the brief narrowed by moderation
// ("members can report one", "therapists can hide" one), and who may report or hide:
// every moderation × audience × viewer, the sender of the encouragement included. The
// author is a current member whose consent is in force.
func TestWhoSeesModeration(t *testing.T) { eachForm(t, testWhoSeesModeration) }

func testWhoSeesModeration(t *testing.T, e *env) {
	for _, mod := range moderations {
		for _, vis := range audiences {
			for _, v := range viewers(current, append([]role{sender}, inGroupRoles...)...) {
				s := scene{viewer: v, author: current, consent: consentActive, vis: vis, mod: mod}
				name := fmt.Sprintf("%s encouragement on a %s reflection, %s", mod, vis, v)
				t.Run(name, func(t *testing.T) { e.build(t, s).checkModeration(t) })
			}
		}
	}
}

func (w *world) checkModeration(t *testing.T) {
	enc, client := w.encouragement, w.e.client
	t.Run("read → "+readable(w.readsEncouragement()), func(t *testing.T) {
		check(t, "EncouragementReadable", w.exists(t, client.Encouragement.Query().Where(encouragement.ID(enc.ID))), w.readsEncouragement())
	})
	t.Run("report → "+allowed(w.reports()), func(t *testing.T) {
		sql := w.e.try(t, w.ctx, func(c *ent.Client) (int, error) {
			return one(c.Encouragement.UpdateOneID(enc.ID).SetReportedAt(t0).SetReportReason("hurtful").Save(w.ctx))
		})
		check(t, "EncouragementReportByRecipient", sql, w.reports())
		// MayReport decides on a reflection already read (deletion is the read rule's).
		check(t, "MayReport", rule.MayReport(w.v, w.reflection) == nil, w.recipient())
	})
	t.Run("hide → "+allowed(w.hides()), func(t *testing.T) {
		sql := w.e.try(t, w.ctx, func(c *ent.Client) (int, error) {
			return one(c.Encouragement.UpdateOneID(enc.ID).SetHiddenAt(t0).SetHideReason("harmful").Save(w.ctx))
		})
		check(t, "EncouragementHideByFacilitator", sql, w.hides())
		_, err := rule.FacilitatorOf(w.ctx, client, w.group.ID)
		check(t, "FacilitatorOf", err == nil, w.hides())
		check(t, "MayFacilitate", rule.MayFacilitate(w.ctx, client, w.group.ID) == nil, w.hides())
	})
	// A report is taken back by the one who could make it (withdrawn) and by those who could
	// hide it (dismissed), and taking it back changes nothing else (issue 15).
	takesBack := w.reports() || w.hides()
	t.Run("take the report back → "+allowed(takesBack), func(t *testing.T) {
		sql := w.e.try(t, w.ctx, func(c *ent.Client) (int, error) {
			return one(c.Encouragement.UpdateOneID(enc.ID).ClearReportedAt().ClearReportReason().Save(w.ctx))
		})
		check(t, "EncouragementReportByRecipient or EncouragementHideByFacilitator", sql, takesBack)
	})
	t.Run("take the report back and unhide → refused", func(t *testing.T) {
		sql := w.e.try(t, w.ctx, func(c *ent.Client) (int, error) {
			return one(c.Encouragement.UpdateOneID(enc.ID).ClearReportedAt().ClearHiddenAt().Save(w.ctx))
		})
		check(t, "Encouragement mutation policy", sql, false)
	})
	rep, hid, why := w.seesModeration()
	t.Run(fmt.Sprintf("moderation facts → reported %v, hidden %v, reason %v", rep, hid, why), func(t *testing.T) {
		fac := w.attention(t)
		got := rule.ModerationVisible(w.v, w.reflection, fac)
		want := rule.ModerationSight{Reported: rep, Hidden: hid, Reason: why}
		if got != want {
			t.Errorf("ModerationVisible(facilitates=%v) = %+v, the oracle says %+v", fac, got, want)
		}
	})
}

// attention asks rule.AttentionVisible whether the viewer sees the group's crisis marks
// (and moderation): whether they currently facilitate it.
func (w *world) attention(t *testing.T) bool {
	t.Helper()
	seen, err := rule.AttentionVisible(w.ctx, w.e.client, []int{w.group.ID})
	if err != nil {
		t.Fatal(err)
	}
	return seen[w.group.ID]
}

// TestWhoReadsPeopleAndGroups is the rest of the brief's table (display names; a member's
// own records; who read my reflections) and of the group (sessions, the group, invites,
// crisis marks): every viewer × the author's state.
func TestWhoReadsPeopleAndGroups(t *testing.T) { eachForm(t, testWhoReadsPeopleAndGroups) }

func testWhoReadsPeopleAndGroups(t *testing.T, e *env) {
	for _, as := range []memberState{current, left} {
		for _, v := range viewers(as, inGroupRoles...) {
			s := scene{viewer: v, author: as, consent: consentActive, vis: visGroup, records: true}
			t.Run(fmt.Sprintf("author %s, seen by %s", as, v), func(t *testing.T) { e.build(t, s).checkRecords(t) })
		}
	}
}

func (w *world) checkRecords(t *testing.T) {
	c, ana := w.e.client, w.authorM.UserID
	type read struct {
		what, rule string
		query      exister
		want       bool
	}
	reads := []read{
		{"author's display name", "MembershipQuery", c.Membership.Query().Where(membership.ID(w.authorM.ID)), w.readsDisplayName()},
		{"author's member record (email, phone, uid, settings)", "UserQuerySelfOnly", c.User.Query().Where(user.ID(ana)), w.readsOwnersRecords()},
		{"author's devices", "DeviceQueryOwner", c.Device.Query().Where(device.UserID(ana)), w.readsOwnersRecords()},
		{"author's consent", "ConsentQueryOwner", c.GroupSharingConsent.Query().Where(groupsharingconsent.ID(w.consentOfAuthor.ID)), w.readsOwnersRecords()},
		{"who read the author's reflection", "ReadsQueryAuthor", c.ReflectionRead.Query().Where(reflectionread.ID(w.read.ID)), w.readsOwnersRecords()},
		{"own member record", "UserQuerySelfOnly", c.User.Query().Where(user.ID(w.v.UserID)), true},
		{"group's sessions", "SessionQueryCurrentMembers", c.GroupSession.Query().Where(groupsession.ID(w.sessionID)), w.readsSessions()},
		{"group", "GroupQueryMembersPastAndPresent", c.Group.Query().Where(group.ID(w.group.ID)), w.readsGroup()},
		{"group's invites", "InviteQueryFacilitators", c.GroupInvite.Query().Where(groupinvite.ID(w.inviteID)), w.readsInvites()},
	}
	if w.mine != nil {
		reads = append(reads, read{"own display name", "MembershipQuery", c.Membership.Query().Where(membership.ID(w.mine.ID)), true})
	}
	for _, r := range reads {
		t.Run(r.what+" → "+readable(r.want), func(t *testing.T) {
			check(t, r.rule, w.exists(t, r.query), r.want)
		})
	}
	fac := w.viewer.therapistOfGroup()
	t.Run("facilitator powers and crisis marks → "+verdict(fac, "yes", "no"), func(t *testing.T) {
		check(t, "Facilitates", rule.Facilitates(w.v, w.mine), fac)
		check(t, "AttentionVisible", w.attention(t), fac)
		_, err := rule.FacilitatorOf(w.ctx, c, w.group.ID)
		var want error
		switch {
		case !w.viewer.inGroupNow():
			want = rule.ErrNotInGroup
		case !fac:
			want = rule.ErrNotFacilitator
		}
		if !errors.Is(err, want) {
			t.Errorf("FacilitatorOf: got %v, the oracle says %v", err, want)
		}
		if err := rule.MayFacilitate(w.ctx, c, w.group.ID); !errors.Is(err, want) {
			t.Errorf("MayFacilitate: got %v, the oracle says %v", err, want)
		}
		id, err := rule.CurrentMembershipID(w.ctx, c, w.group.ID)
		if in := w.viewer.inGroupNow(); in != (err == nil) || (in && id != w.mine.ID) || (!in && !errors.Is(err, rule.ErrNotInGroup)) {
			t.Errorf("CurrentMembershipID: %d, %v; in the group now: %v (membership %v)", id, err, in, w.mine)
		}
	})
}

// TestJoinAndRejoin: memberships are created and reopened only with a Grant (JoinGrant, for
// a valid invite code), never after a removal (MayRejoin), and only one's own.
func TestJoinAndRejoin(t *testing.T) { eachForm(t, testJoinAndRejoin) }

func testJoinAndRejoin(t *testing.T, e *env) {
	const (
		thisGroup = "grant for this group"
		other     = "grant for another group"
		none      = "no grant"
	)
	for _, st := range []memberState{left, removed} {
		for _, g := range []string{thisGroup, other, none} {
			// Coming back needs a grant of this group, and is never after a removal (rule doc;
			// brief silent).
			want := g == thisGroup && st != removed
			t.Run(fmt.Sprintf("peer (%s) comes back with %s → %s", st, g, allowed(want)), func(t *testing.T) {
				w := e.build(t, scene{viewer: who{peer, st}, author: current, consent: consentActive, vis: visGroup})
				ctx := w.ctx
				switch g {
				case thisGroup:
					ctx = rule.WithGrant(ctx, rule.Grant{GroupID: w.group.ID, Role: membership.RoleMEMBER})
				case other:
					ctx = rule.WithGrant(ctx, rule.Grant{GroupID: e.elsewhere.ID, Role: membership.RoleMEMBER})
				}
				sql := e.try(t, ctx, func(c *ent.Client) (int, error) {
					return one(c.Membership.UpdateOneID(w.mine.ID).ClearLeftAt().SetJoinedAt(t0).Save(ctx))
				})
				check(t, "MembershipUpdate", sql, want)
				check(t, "MayRejoin", rule.MayRejoin(w.mine) == nil, st != removed)
			})
		}
	}
	// Changes of a membership that no grant allows.
	for _, c := range []struct {
		name   string
		peer   memberState // the state of the peer's membership
		by     role
		change func(*ent.MembershipUpdateOne) *ent.MembershipUpdateOne
	}{
		{"facilitator brings back the peer (left) with their own grant", left, facilitator,
			func(u *ent.MembershipUpdateOne) *ent.MembershipUpdateOne { return u.ClearLeftAt() }},
		{"peer (removed) undoes the removal with a grant", removed, peer,
			func(u *ent.MembershipUpdateOne) *ent.MembershipUpdateOne { return u.SetRemoved(false).ClearLeftAt() }},
		{"peer (left) comes back as FACILITATOR with a MEMBER grant", left, peer,
			func(u *ent.MembershipUpdateOne) *ent.MembershipUpdateOne {
				return u.ClearLeftAt().SetRole(membership.RoleFACILITATOR)
			}},
	} {
		t.Run(c.name+" → refused", func(t *testing.T) {
			w := e.build(t, scene{viewer: who{peer, c.peer}, author: current, consent: consentActive, vis: visGroup})
			ctx := rule.WithGrant(e.as(c.by), rule.Grant{GroupID: w.group.ID, Role: membership.RoleMEMBER})
			sql := e.try(t, ctx, func(cl *ent.Client) (int, error) {
				return one(c.change(cl.Membership.UpdateOneID(w.mine.ID)).Save(ctx))
			})
			check(t, "MembershipUpdate", sql, false)
		})
	}

	type invite struct {
		name      string
		expiresAt time.Time
		revoked   bool
	}
	for _, inv := range []invite{
		{"valid", t0.Add(day), false},
		{"expired", t0.Add(-day), false},
		{"expiring now", t0, false},
		{"revoked", t0.Add(day), true},
	} {
		for _, code := range []groupinvite.Role{groupinvite.RoleMEMBER, groupinvite.RoleFACILITATOR} {
			for _, by := range []role{outsider, otherTherapist} {
				for _, asked := range []membership.Role{membership.RoleMEMBER, membership.RoleFACILITATOR} {
					for _, self := range []bool{true, false} {
						valid := inv.expiresAt.After(t0) && !inv.revoked
						// An invite in force gives whoever holds it one membership, for
						// themselves, in the invite's role; a FACILITATOR code only to a
						// therapist (JoinGrant's doc; issue 15: co-facilitators).
						grants := valid && (code == groupinvite.RoleMEMBER || cast[by].therapist)
						want := grants && string(asked) == string(code) && self
						forWhom := by
						if !self {
							forWhom = peer
						}
						name := fmt.Sprintf("invite %s for a %s: %s joins %s as %s → %s", inv.name, code, by,
							verdict(self, "themselves", "someone else"), asked, allowed(want))
						t.Run(name, func(t *testing.T) {
							g := e.newGroup()
							i := &ent.GroupInvite{GroupID: g.ID, ExpiresAt: inv.expiresAt, Role: code}
							if inv.revoked {
								revokedAt := t0.Add(-time.Hour)
								i.RevokedAt = &revokedAt
							}
							grant, err := rule.JoinGrant(e.signedIn(by), i, t0)
							check(t, "JoinGrant", err == nil, grants)
							ctx := e.as(by)
							if err == nil {
								ctx = rule.WithGrant(ctx, grant)
							}
							sql := e.try(t, ctx, func(c *ent.Client) (int, error) {
								return one(c.Membership.Create().
									SetUserID(e.users[forWhom].ID).
									SetGroupID(g.ID).
									SetDisplayName("New").
									SetRole(asked).
									Save(ctx))
							})
							check(t, "MembershipCreate", sql, want)
						})
					}
				}
			}
		}
	}
}

// TestWhoBecomesFacilitator: the role FACILITATOR is taken only with a FACILITATOR grant
// (JoinGrant of a therapist's facilitator code), for one's own membership of that group,
// never after a removal; nobody gives it up by a change of role (they leave, and the last
// facilitator cannot: MayEndMembership).
func TestWhoBecomesFacilitator(t *testing.T) { eachForm(t, testWhoBecomesFacilitator) }

func testWhoBecomesFacilitator(t *testing.T, e *env) {
	const (
		facilitatorGrant = "a FACILITATOR grant of this group"
		memberGrant      = "a MEMBER grant of this group"
		otherGrant       = "a FACILITATOR grant of another group"
		noGrant          = "no grant"
	)
	for _, c := range []struct {
		viewer whose
		grant  string
		role   membership.Role
		want   bool
	}{
		{whose{who{therapistMember, current}, true}, facilitatorGrant, membership.RoleFACILITATOR, true},
		{whose{who{therapistMember, current}, true}, memberGrant, membership.RoleFACILITATOR, false},
		{whose{who{therapistMember, current}, true}, otherGrant, membership.RoleFACILITATOR, false},
		{whose{who{therapistMember, current}, true}, noGrant, membership.RoleFACILITATOR, false},
		{whose{who{peer, current}, true}, memberGrant, membership.RoleFACILITATOR, false},
		{whose{who{peer, current}, true}, noGrant, membership.RoleFACILITATOR, false},
		{whose{who{peer, removed}, true}, facilitatorGrant, membership.RoleFACILITATOR, false},
		// A facilitator's grant for someone else's membership: the viewer's own only.
		{whose{who{facilitator, current}, false}, facilitatorGrant, membership.RoleFACILITATOR, false},
		// Giving the role up by a change of it, with or without a grant: never.
		{whose{who{facilitator, current}, true}, memberGrant, membership.RoleMEMBER, false},
		{whose{who{facilitator, current}, true}, noGrant, membership.RoleMEMBER, false},
	} {
		name := fmt.Sprintf("%s sets the role %s of %s with %s → %s", c.viewer.who, c.role,
			verdict(c.viewer.own, "their membership", "a peer's membership"), c.grant, allowed(c.want))
		t.Run(name, func(t *testing.T) {
			w := e.build(t, scene{viewer: c.viewer.who, author: current, consent: consentActive, vis: visGroup})
			ctx := w.ctx
			switch c.grant {
			case facilitatorGrant:
				ctx = rule.WithGrant(ctx, rule.Grant{GroupID: w.group.ID, Role: membership.RoleFACILITATOR})
			case memberGrant:
				ctx = rule.WithGrant(ctx, rule.Grant{GroupID: w.group.ID, Role: membership.RoleMEMBER})
			case otherGrant:
				ctx = rule.WithGrant(ctx, rule.Grant{GroupID: e.elsewhere.ID, Role: membership.RoleFACILITATOR})
			}
			target := w.mine
			if !c.viewer.own {
				target = w.authorM
			}
			sql := e.try(t, ctx, func(cl *ent.Client) (int, error) {
				return cl.Membership.Update().Where(membership.ID(target.ID)).SetRole(c.role).Save(ctx)
			})
			check(t, "MembershipUpdate", sql, c.want)
			if c.want {
				check(t, "Promotes", rule.Promotes(w.mine, rule.Grant{GroupID: w.group.ID, Role: c.role}), true)
			}
		})
	}
	// The last facilitator: the group's only current FACILITATOR membership may not end;
	// anyone else's may, and so may a facilitator's while another leads the group.
	t.Run("last facilitator", func(t *testing.T) {
		for _, c := range []struct {
			name         string
			id           int
			facilitators []int
			want         bool
		}{
			{"the only one", 7, []int{7}, true},
			{"one of two", 7, []int{7, 8}, false},
			{"a member, the facilitator being another", 7, []int{8}, false},
			{"a member of a group without facilitator", 7, nil, false},
		} {
			check(t, "IsLastFacilitator "+c.name, rule.IsLastFacilitator(c.id, c.facilitators), c.want)
		}
		w := e.build(t, scene{viewer: who{facilitator, current}, author: current, consent: consentActive, vis: visGroup})
		ok := e.try(t, w.ctx, func(cl *ent.Client) (int, error) {
			return 1, rule.MayEndMembership(ent.NewContext(w.ctx, cl), cl, w.mine)
		})
		check(t, "MayEndMembership of the only facilitator", ok, false)
		ok = e.try(t, w.ctx, func(cl *ent.Client) (int, error) {
			return 1, rule.MayEndMembership(ent.NewContext(w.ctx, cl), cl, w.authorM)
		})
		check(t, "MayEndMembership of a member", ok, true)
		// A second FACILITATOR membership without the therapist role leads nobody.
		ex := e.join(w.group, exTherapist, current).SaveX(e.op)
		ok = e.try(t, w.ctx, func(cl *ent.Client) (int, error) {
			return 1, rule.MayEndMembership(ent.NewContext(w.ctx, cl), cl, w.mine)
		})
		check(t, "MayEndMembership of the only facilitator beside one without the therapist role", ok, false)
		exCtx := e.as(exTherapist)
		ok = e.try(t, exCtx, func(cl *ent.Client) (int, error) {
			return 1, rule.MayEndMembership(ent.NewContext(exCtx, cl), cl, ex)
		})
		check(t, "MayEndMembership of a facilitator without the therapist role", ok, true)
		e.join(w.group, otherTherapist, current).SetRole(membership.RoleFACILITATOR).SaveX(e.op)
		ok = e.try(t, w.ctx, func(cl *ent.Client) (int, error) {
			return 1, rule.MayEndMembership(ent.NewContext(w.ctx, cl), cl, w.mine)
		})
		check(t, "MayEndMembership of one of two facilitators", ok, true)
	})
}

// whose is a viewer of TestWhoBecomesFacilitator and whether the membership changed is theirs.
type whose struct {
	who
	own bool
}

// TestNobodySignedIn: "everything else is denied by default", and nothing at all without a
// signed-in viewer (DenyIfNoViewer): every query and change is refused, not just empty.
func TestNobodySignedIn(t *testing.T) { eachForm(t, testNobodySignedIn) }

func testNobodySignedIn(t *testing.T, e *env) {
	w := e.build(t, scene{viewer: who{peer, current}, author: current, consent: consentActive, vis: visGroup, records: true})
	nobody := clock.NewContext(context.Background(), e.clock)
	c := e.client
	for _, q := range []struct {
		what  string
		query exister
	}{
		{"reflection", c.Reflection.Query().Where(reflection.ID(w.reflection.ID))},
		{"encouragement", c.Encouragement.Query().Where(encouragement.ID(w.encouragement.ID))},
		{"display name", c.Membership.Query().Where(membership.ID(w.authorM.ID))},
		{"member record", c.User.Query().Where(user.ID(w.authorM.UserID))},
		{"devices", c.Device.Query()},
		{"consent", c.GroupSharingConsent.Query()},
		{"who read", c.ReflectionRead.Query()},
		{"sessions", c.GroupSession.Query()},
		{"group", c.Group.Query()},
		{"invites", c.GroupInvite.Query()},
		{"topics", c.Topic.Query()},
	} {
		t.Run(q.what+" → denied", func(t *testing.T) {
			if _, err := q.query.Exist(nobody); !rule.IsDenied(err) {
				t.Errorf("got %v, want a privacy denial", err)
			}
		})
	}
	t.Run("change a reflection → refused", func(t *testing.T) {
		sql := e.try(t, nobody, func(c *ent.Client) (int, error) {
			return c.Reflection.Update().Where(reflection.ID(w.reflection.ID)).SetBody("x").Save(nobody)
		})
		check(t, "DenyIfNoViewer", sql, false)
	})
}
