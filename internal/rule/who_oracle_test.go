// The "who may read what" tables (who_table_test.go) restate the product brief's promises
// (shared/product/BRIEF.md, "Who may read what" and "For therapists") as a Go function of a
// few axes, the oracle below, and hold the rules of this package to it on every combination
// of the axes, in a real database:
//
//   - the viewer's role in the reflection's group (role) and their membership's state
//     (memberState): the author; a member peer; the group's facilitator (therapist with a
//     FACILITATOR membership); a facilitator whose therapist role was taken away; a
//     therapist who joined as MEMBER; a therapist of another group; a member of no group;
//     and, for moderation, the sender of the encouragement;
//   - the reflection's audience (PRIVATE, FACILITATORS, GROUP, or deleted);
//   - the author's membership state and their consent to share with the group;
//   - the moderation of the encouragement on it (reported by the recipient, hidden by a
//     facilitator).
//
// Each row of a table is one scene (a fresh group in which the cast plays the row's parts,
// see who_fixture_test.go) and each of its subtests one object of the brief's table or one
// change (→ readable/hidden, → allowed/refused). The expected answer always comes from the
// oracle, never from the rules; TestOracleRestatesBrief checks the oracle itself against
// the brief's sentences, line by line. Where the brief is silent, the oracle follows the
// doc comments of internal/rule and says so.
//
// Where each line of the brief is held:
//
//	reflection PRIVATE, FACILITATORS, GROUP      TestWhoReadsReflections: read, change,
//	                                             delete, share with group, encourage
//	encouragement                                TestWhoReadsReflections: the peer's
//	                                             encouragement on it; TestWhoSeesModeration
//	members report, therapists hide              TestWhoSeesModeration: read, report, hide,
//	                                             moderation facts
//	display name; email, phone, uid, devices,    TestWhoReadsPeopleAndGroups
//	settings; who read my reflections
//	crisis marks, for therapists                 TestWhoReadsPeopleAndGroups: facilitator
//	                                             powers and crisis marks
//	leaving or being removed ends access         the membership-state axis of every table;
//	                                             TestJoinAndRejoin (coming back)
//	everything else is denied by default         TestNobodySignedIn; sessions, the group and
//	                                             invites in TestWhoReadsPeopleAndGroups
//	topics (issue 15): as a reflection of the    TestWhoReadsTopics: read (also through the
//	same visibility, a withdrawn one its author  session), withdraw, mark discussed,
//	only                                         propose, change (who_topics_test.go)
//
// The changes are tried for real, as the viewer, in a transaction that is rolled back; the
// Go decision functions the services call first (Facilitates, FacilitatorOf,
// AttentionVisible, MayEncourage, MayReport, MayChangeReflection, ModerationVisible,
// JoinGrant, MayRejoin, MayWithdrawTopic, MayMarkTopicsDiscussed) are held to the same
// oracle in the same rows, so that the SQL form and the Go form of each rule are shown to
// agree.
package rule_test

import "testing"

// role is who the viewer is to the reflection's group.
type role int

const (
	author          role = iota // wrote the reflection; received the encouragement
	peer                        // a member of the group
	facilitator                 // a therapist with a FACILITATOR membership
	exTherapist                 // a FACILITATOR membership, but the therapist role was taken away
	therapistMember             // a therapist (of another group) who joined this one as MEMBER
	otherTherapist              // a therapist of another group, not in this one
	outsider                    // a member of no group
	sender                      // a member who sent the encouragement
)

func (r role) String() string {
	return [...]string{
		author:          "author",
		peer:            "peer",
		facilitator:     "facilitator",
		exTherapist:     "facilitator without therapist role",
		therapistMember: "therapist as MEMBER",
		otherTherapist:  "therapist of another group",
		outsider:        "member of no group",
		sender:          "sender",
	}[r]
}

// inGroup is whether the role holds a membership of the group (in some state).
func (r role) inGroup() bool { return r != otherTherapist && r != outsider }

// memberState is the state of a membership.
type memberState int

const (
	current  memberState = iota
	left                 // left_at set
	removed              // left_at set, removed by a facilitator
	rejoined             // left, came back: left_at nil again, joined_at later
)

var memberStates = []memberState{current, left, removed, rejoined}

func (s memberState) String() string {
	return [...]string{"current", "left", "removed", "rejoined"}[s]
}

// who is the viewer: a role and, for roles in the group, the state of their membership.
type who struct {
	role  role
	state memberState
}

func (w who) String() string {
	if !w.role.inGroup() {
		return w.role.String()
	}
	return w.role.String() + " (" + w.state.String() + ")"
}

// inGroupNow is whether the viewer is a current member of the group, in any role: the
// brief's "current member" (a member who left and came back is current again).
func (w who) inGroupNow() bool {
	return w.role.inGroup() && (w.state == current || w.state == rejoined)
}

// therapistOfGroup is the brief's "the therapists of its group": a current FACILITATOR
// membership and the therapist role in the viewer's token, both. A facilitator who left or
// was removed is no longer one (brief silent; rule doc: "current facilitators").
func (w who) therapistOfGroup() bool {
	return w.role == facilitator && w.inGroupNow()
}

// consentState is the author's consent to share their GROUP reflections with the group.
type consentState int

const (
	noConsent consentState = iota
	consentActive
	consentRevoked
	consentExpired       // expires_at before the rules' clock
	consentNotYetExpired // expires_at after the rules' clock
)

var consentStates = []consentState{noConsent, consentActive, consentRevoked, consentExpired, consentNotYetExpired}

func (c consentState) String() string {
	return [...]string{"no consent", "consent in force", "consent revoked", "consent expired", "consent not yet expired"}[c]
}

// inForce is whether the consent holds now: given, not revoked, not expired.
func (c consentState) inForce() bool { return c == consentActive || c == consentNotYetExpired }

// audience is the reflection's visibility, or deleted.
type audience int

const (
	visPrivate audience = iota
	visFacilitators
	visGroup
	visDeleted // was GROUP; deleted by its author, its content removed
)

var audiences = []audience{visPrivate, visFacilitators, visGroup, visDeleted}

func (a audience) String() string {
	return [...]string{"PRIVATE", "FACILITATORS", "GROUP", "deleted"}[a]
}

// moderation is what happened to the encouragement on the reflection.
type moderation int

const (
	unmoderated moderation = iota
	reportedByRecipient
	hiddenByFacilitator
	reportedThenHidden
)

var moderations = []moderation{unmoderated, reportedByRecipient, hiddenByFacilitator, reportedThenHidden}

func (m moderation) String() string {
	return [...]string{"unmoderated", "reported", "hidden", "reported and hidden"}[m]
}

func (m moderation) reported() bool { return m == reportedByRecipient || m == reportedThenHidden }
func (m moderation) hidden() bool   { return m == hiddenByFacilitator || m == reportedThenHidden }

// scene is one row's situation: a group with the author's reflection, the encouragement a
// current peer (the sender) sent on it, the group's facilitator, and the viewer.
type scene struct {
	viewer who
	// author is the author's membership state (when the viewer is the author, viewer.state
	// is the same).
	author  memberState
	consent consentState
	vis     audience
	mod     moderation
	// records adds a session, an invite and an accounted read to the group.
	records bool
}

// The oracle: the brief's table, in Go.

// authorShares is whether the author's GROUP reflections reach the group's members: while
// the author is a current member whose consent to share is in force. The brief's table says
// "every current member"; the consent is the product's (schema GroupSharingConsent: 42 CFR
// Part 2), and "leaving, revoking or expiry ends the sharing at once" is ReflectionReadable's
// doc. A left author with a consent in force is a state the app does not produce (leaving
// revokes); it is kept to show each clause on its own.
func (s scene) authorShares() bool { return s.author == current && s.consent.inForce() }

// readsReflection: "Who may read what", the three reflection rows.
func (s scene) readsReflection() bool {
	w := s.viewer
	switch {
	case s.vis == visDeleted:
		return false // its content is gone: nobody, the author included (rule doc)
	case w.role == author:
		return true // "its author", in every row, also after leaving (their own journal)
	case s.vis == visPrivate:
		return false // "its author only: not therapists, not admins"
	case w.therapistOfGroup():
		return true // FACILITATORS and GROUP: "the therapists of its group"
	case s.vis == visFacilitators:
		return false
	}
	// GROUP: "every current member" ("leaving or being removed ends access at once").
	return w.inGroupNow() && s.authorShares()
}

// readsEncouragement: "whoever may read the reflection it was sent on", narrowed by
// moderation ("members can report one", "therapists can hide" one; brief silent on who
// then sees it; EncouragementReadable's doc: what the recipient reported is hidden from
// them, what a facilitator hid is seen only by the group's facilitators and its sender).
func (s scene) readsEncouragement() bool {
	w := s.viewer
	switch {
	case !s.readsReflection():
		return false
	case w.therapistOfGroup(), w.role == sender:
		return true
	case s.mod.hidden():
		return false
	case s.mod.reported() && w.role == author:
		return false
	}
	return true
}

// changesReflection: the author only edits or deletes a reflection. The rule matches the
// author's deleted reflections too; refusing to edit a deleted one is the service's
// (journal.UpdateReflection), not a privacy rule.
func (s scene) changesReflection() bool { return s.viewer.role == author }

// sharesWithGroup: making a reflection GROUP is the author's, with their consent in force.
func (s scene) sharesWithGroup() bool { return s.viewer.role == author && s.consent.inForce() }

// encourages: "a member sending encouragement to another member on a reflection they can
// see": a current member of the group (in any role: the rule doc says "current
// membership") who may read it and did not write it.
func (s scene) encourages() bool {
	return s.readsReflection() && s.viewer.inGroupNow() && s.viewer.role != author
}

// recipient is whether the viewer received the encouragement: the reflection's author.
func (s scene) recipient() bool { return s.viewer.role == author }

// reports: "members can report one": the recipient only, while the reflection is not
// deleted (rule doc). Reporting again, or what a facilitator already hid, is the
// recipient's too.
func (s scene) reports() bool { return s.recipient() && s.vis != visDeleted }

// hides: "therapists can hide an encouragement that is harmful": the group's current
// therapists, any encouragement in the group (rule doc), also on a reflection they may not
// read: hiding shows them nothing of it.
func (s scene) hides() bool { return s.viewer.therapistOfGroup() }

// seesModeration is what of the moderation the viewer is told (ModerationVisible's doc;
// the brief is silent): the therapists of the group everything, the recipient that they
// reported it, nobody else anything (the sender is not told their encouragement was hidden).
func (s scene) seesModeration() (reported, hidden, reason bool) {
	if s.viewer.therapistOfGroup() {
		return true, true, true
	}
	return s.recipient(), false, false
}

// readsDisplayName: "a member's display name: people who share a group with them", the
// author's here (in s.author's state). A current member of the group sees the names of its
// current members; the therapists of the group see every name in it, also of those who
// left (rule doc: the authors of what they read); everyone sees their own.
func (s scene) readsDisplayName() bool {
	w := s.viewer
	return w.role == author || w.therapistOfGroup() || (w.inGroupNow() && s.author == current)
}

// readsOwnersRecords: "a member's email, phone, Firebase uid, devices, notification
// settings: that member only", their consents likewise (rule doc), and "who read my
// reflections: the author".
func (s scene) readsOwnersRecords() bool { return s.viewer.role == author }

// readsSessions: the group's sessions, its current members and therapists only (rule doc:
// "a former member no longer sees when the group meets"; brief: "everything else is denied").
func (s scene) readsSessions() bool { return s.viewer.inGroupNow() }

// readsGroup: the group itself (its name), for anyone with a membership of it, past or
// present (rule doc: a former member still sees the group their entries were written in).
//
// DISCREPANCY: this is today's behaviour, not clearly the brief's: "leaving or being
// removed from a group ends access at once" and "everything else is denied by default"
// read as current members only; the rule (GroupQueryMembersPastAndPresent) also lets
// members who left or were removed read the group's record (name, time zone). Rows
// "group → readable" for peer (left) and peer (removed), and likewise for the other roles.
func (s scene) readsGroup() bool { return s.viewer.role.inGroup() }

// readsInvites: the group's invite codes, its therapists only (rule doc).
func (s scene) readsInvites() bool { return s.viewer.therapistOfGroup() }

// TestOracleRestatesBrief checks the oracle against the brief's sentences, one literal row
// each, so that the tables cannot inherit a mistake of the oracle unnoticed.
func TestOracleRestatesBrief(t *testing.T) {
	fac, peerNow := who{facilitator, current}, who{peer, current}
	shared := scene{author: current, consent: consentActive}
	with := func(s scene, v who, a audience) scene { s.viewer, s.vis = v, a; return s }
	for _, c := range []struct {
		brief string
		got   bool
		want  bool
	}{
		{"PRIVATE: its author", with(shared, who{author, current}, visPrivate).readsReflection(), true},
		{"PRIVATE: not therapists", with(shared, fac, visPrivate).readsReflection(), false},
		{"PRIVATE: not peers", with(shared, peerNow, visPrivate).readsReflection(), false},
		{"FACILITATORS: the therapists of its group", with(shared, fac, visFacilitators).readsReflection(), true},
		{"FACILITATORS: not peers", with(shared, peerNow, visFacilitators).readsReflection(), false},
		{"FACILITATORS: not a therapist of another group", with(shared, who{role: otherTherapist}, visFacilitators).readsReflection(), false},
		{"FACILITATORS: not a facilitator whose role was taken away", with(shared, who{exTherapist, current}, visFacilitators).readsReflection(), false},
		{"GROUP: every current member", with(shared, peerNow, visGroup).readsReflection(), true},
		{"GROUP: every therapist of the group", with(shared, fac, visGroup).readsReflection(), true},
		{"GROUP: leaving ends access at once", with(shared, who{peer, left}, visGroup).readsReflection(), false},
		{"GROUP: being removed ends access at once", with(shared, who{peer, removed}, visGroup).readsReflection(), false},
		{"GROUP: not a member of no group", with(shared, who{role: outsider}, visGroup).readsReflection(), false},
		{"GROUP: not without the author's consent", with(scene{author: current, consent: consentExpired}, peerNow, visGroup).readsReflection(), false},
		{"encouragement: whoever may read the reflection", with(shared, peerNow, visGroup).readsEncouragement(), true},
		{"encouragement: not who may not", with(shared, peerNow, visFacilitators).readsEncouragement(), false},
		{"display name: a groupmate", with(shared, peerNow, visGroup).readsDisplayName(), true},
		{"display name: not a former groupmate", with(shared, who{peer, left}, visGroup).readsDisplayName(), false},
		{"devices: that member only", with(shared, fac, visGroup).readsOwnersRecords(), false},
		{"who read my reflections: the author", with(shared, who{author, current}, visGroup).readsOwnersRecords(), true},
		{"therapists can hide", with(shared, fac, visGroup).hides(), true},
		{"members can report", with(shared, who{author, current}, visGroup).reports(), true},
		{"peers cannot hide", with(shared, peerNow, visGroup).hides(), false},
	} {
		if c.got != c.want {
			t.Errorf("oracle: %s: got %v, want %v", c.brief, c.got, c.want)
		}
	}
}
