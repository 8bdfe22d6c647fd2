package server_test

// The consent to share with a group: before sharing, its end (revoked, expired, leaving),
// end dates at the edges and on hosts off UTC, concurrent grants and revokes, and the
// disclosure notice. Expiry is driven by moving the API's clock.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConsentBeforeSharing: sharing with the group is refused with CONSENT_REQUIRED until the
// member consents, for the current text version, and nothing is written meanwhile.
func TestConsentBeforeSharing(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		c := h.Member("c")
		c.MustOp("JoinGroup", map[string]any{"input": map[string]any{"code": g.Code, "displayName": "Cy"}})

		r := c.MustOp("GroupSharingConsent", map[string]any{"groupID": g.ID})
		if r.Get("node.viewerSharingConsent") != nil || r.Num("node.sharingConsentText.version") != 1 {
			t.Fatalf("before consent: %s", r.Raw)
		}
		text := r.Str("node.sharingConsentText.text")
		for _, want := range []string{"Cy", "Tuesday Group", "your treatment program", "revoke", "leave the group", "peer support", "Date:"} {
			if !strings.Contains(text, want) {
				t.Errorf("the consent text lacks %q: %s", want, text)
			}
		}

		if r := c.Op("CreateReflection", map[string]any{"input": reflectionInput(g.ID, "GROUP", "for everyone")}); r.Code() != "CONSENT_REQUIRED" {
			t.Fatalf("GROUP without consent: %s", r.Raw)
		}
		id := g.Reflect(c, "FACILITATORS", "for the therapist")
		if r := c.Op("UpdateReflection", map[string]any{"id": id, "expectedVersion": 1, "input": map[string]any{"visibility": "GROUP"}}); r.Code() != "CONSENT_REQUIRED" {
			t.Fatalf("to GROUP without consent: %s", r.Raw)
		}
		if n := c.MustOp("MyReflections", nil).Num("viewer.reflections.totalCount"); n != 1 {
			t.Fatalf("a refused write wrote: %d reflections", n)
		}
		if r := c.Op("GrantGroupSharingConsent", map[string]any{"input": map[string]any{"groupID": g.ID, "textVersion": 0}}); r.Code() != "CONFLICT" {
			t.Fatalf("an old text version: %s", r.Raw)
		}
		if r := g.Outsider.Op("GrantGroupSharingConsent", map[string]any{"input": map[string]any{"groupID": g.ID, "textVersion": 1}}); r.Code() != "NOT_FOUND" {
			t.Fatalf("consent for a group one is not in: %s", r.Raw)
		}

		r = c.MustOp("GrantGroupSharingConsent", map[string]any{"input": map[string]any{"groupID": g.ID, "textVersion": 1}})
		if r.Get("grantGroupSharingConsent.active") != true || r.Num("grantGroupSharingConsent.textVersion") != 1 {
			t.Fatalf("grant: %s", r.Raw)
		}
		c.MustOp("UpdateReflection", map[string]any{"id": id, "expectedVersion": 1, "input": map[string]any{"visibility": "GROUP"}})
		if r := g.A.MustOp("Reflection", map[string]any{"id": id}); r.Str("node.body") != "for the therapist" {
			t.Fatalf("after consent, peers read it: %s", r.Raw)
		}
		// Nobody else sees someone's consent.
		cid := c.MustOp("GroupSharingConsent", map[string]any{"groupID": g.ID}).Str("node.viewerSharingConsent.id")
		for _, other := range []*Client{g.A, g.Therapist} {
			r := other.Raw(`query($id: ID!) { node(id: $id) { id } }`, "", map[string]any{"id": cid})
			if r.Get("node") != nil {
				t.Fatalf("someone else reads a consent: %s", r.Raw)
			}
		}
	})
}

// TestConsentEnds: revoking, expiry and leaving each hide the member's GROUP reflections from
// peers at once; facilitators still read them.
func TestConsentEnds(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		for _, how := range []string{"revoke", "expiry", "leave"} {
			t.Run(how, func(t *testing.T) {
				g := h.NewGroup()
				id := g.Reflect(g.A, "GROUP", "shared "+how)
				if r := g.B.MustOp("Reflection", map[string]any{"id": id}); r.Get("node") == nil {
					t.Fatalf("shared first: %s", r.Raw)
				}
				switch how {
				case "revoke":
					r := g.A.MustOp("RevokeGroupSharingConsent", map[string]any{"groupID": g.ID})
					if r.Get("revokeGroupSharingConsent.active") != false || r.Str("revokeGroupSharingConsent.revokedAt") == "" {
						t.Fatalf("revoke: %s", r.Raw)
					}
					if again := g.A.MustOp("RevokeGroupSharingConsent", map[string]any{"groupID": g.ID}); again.Str("revokeGroupSharingConsent.id") != r.Str("revokeGroupSharingConsent.id") {
						t.Fatalf("revoking twice: %s", again.Raw)
					}
				case "expiry":
					if _, err := rawDB(t, h).ExecContext(context.Background(), "UPDATE group_sharing_consents SET expires_at = $1", h.Clock.Now().Add(-time.Second)); err != nil {
						t.Fatal(err)
					}
				case "leave":
					g.A.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
					g.A.MustOp("JoinGroup", map[string]any{"input": map[string]any{"code": g.Code, "displayName": "Ann"}})
					if r := g.A.MustOp("GroupSharingConsent", map[string]any{"groupID": g.ID}); r.Get("node.viewerSharingConsent.active") != false {
						t.Fatalf("consent must end with leaving, also after rejoining: %s", r.Raw)
					}
				}
				if r := g.B.MustOp("Reflection", map[string]any{"id": id}); r.Get("node") != nil {
					t.Fatalf("a peer still reads it after %s: %s", how, r.Raw)
				}
				if r := g.B.MustOp("GroupFeed", map[string]any{"groupID": g.ID}); strings.Contains(r.Raw, "shared "+how) {
					t.Fatalf("the feed still shows it after %s", how)
				}
				if r := g.Therapist.MustOp("Reflection", map[string]any{"id": id}); r.Str("node.body") != "shared "+how {
					t.Fatalf("the facilitator reads it as program staff: %s", r.Raw)
				}
				if r := g.A.Op("CreateReflection", map[string]any{"input": reflectionInput(g.ID, "GROUP", "again")}); r.Code() != "CONSENT_REQUIRED" {
					t.Fatalf("sharing again after %s needs a new consent: %s", how, r.Raw)
				}
				g.Consent(g.A)
				if r := g.B.MustOp("Reflection", map[string]any{"id": id}); r.Get("node") == nil {
					t.Fatalf("a new consent shares it again: %s", r.Raw)
				}
			})
		}
	})
}

// TestConsentDisclosureNotice: the notice goes with every reflection the viewer did not write.
func TestConsentDisclosureNotice(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		id := g.Reflect(g.A, "GROUP", "notice me")
		if r := g.A.MustOp("ReflectionDisclosureNotice", map[string]any{"id": id}); r.Get("node.disclosureNotice") != nil {
			t.Fatalf("own reflection: %s", r.Raw)
		}
		for _, c := range []*Client{g.B, g.Therapist} {
			if r := c.MustOp("ReflectionDisclosureNotice", map[string]any{"id": id}); !strings.Contains(r.Str("node.disclosureNotice"), "42 CFR part 2") {
				t.Fatalf("someone else's reflection: %s", r.Raw)
			}
		}
	})
}

// TestConsentExpiredASecondAgo: a member consents with an end date a moment ahead
// through the API; a second after it passes, a peer finds none of her GROUP reflection on
// any path (node, nodes, the feed and its cursors and filters, encouragement on it, the
// numbers), while the facilitator still reads it, and the reads a peer no longer makes are
// not accounted for.
func TestConsentExpiredASecondAgo(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		const body, prompt, msg = "MARKER-EXP-body", "MARKER-EXP-prompt", "MARKER-EXP-msg"
		// Two older GROUP reflections of Ben's, so that the feed pages around Ann's.
		older := g.Reflect(g.B, "GROUP", "ben older")
		benOwn := g.Reflect(g.B, "GROUP", "ben own")
		g.A.MustOp("RevokeGroupSharingConsent", map[string]any{"groupID": g.ID})

		end := h.Clock.Now().Add(time.Hour)
		r := grantConsent(g.A, g.ID, &end)
		if r.Get("grantGroupSharingConsent.active") != true || r.Str("grantGroupSharingConsent.expiresAt") == "" {
			t.Fatalf("grant with an end date: %s", r.Raw)
		}
		in := reflectionInput(g.ID, "GROUP", body)
		in["prompt"] = prompt
		rid := g.A.MustOp("CreateReflection", map[string]any{"input": in}).Str("createReflection.reflection.id")
		newest := g.Reflect(g.B, "GROUP", "ben newest")
		if e := Encourage(g.A, benOwn, ""); len(e.Errors) > 0 {
			t.Fatal(e.Raw)
		}
		enc := Encourage(g.B, rid, msg)
		if len(enc.Errors) > 0 {
			t.Fatal(enc.Raw)
		}
		encID := enc.Str("sendEncouragement.id")
		// While the consent is in force, Ben reads it, and keeps a cursor that points just
		// before it (newest first: Ben's newest, then Ann's).
		page := g.B.Raw(feedDoc, "Feed", map[string]any{"groupID": g.ID, "first": 1})
		cursor := page.Get("node.reflections.pageInfo.endCursor")
		before := g.B.Raw(nodeAndNodesDoc, "Node", map[string]any{"id": rid, "ids": []string{rid, encID}})
		if before.Str("node.body") != body || page.Num("node.reflections.totalCount") != 4 {
			t.Fatalf("before the end date Ben reads it: %s %s", before.Raw, page.Raw)
		}
		readsBefore := len(readsOf(t, g.A))

		h.Clock.Set(end.Add(time.Second)) // it ended a second ago

		who := "Ben after the consent ended"
		r = g.B.Raw(nodeAndNodesDoc, "Node", map[string]any{"id": rid, "ids": []string{rid, encID}})
		noLeak(t, who+" (node, nodes)", r, "MARKER-EXP")
		if r.Get("node") != nil || r.Get("nodes.0") != nil || r.Get("nodes.1") != nil {
			t.Errorf("%s: node/nodes still answer: %s", who, r.Raw)
		}
		r = g.B.MustOp("GroupFeed", map[string]any{"groupID": g.ID})
		noLeak(t, who+" (GroupFeed)", r, "MARKER-EXP")
		if n := r.Num("node.reflections.totalCount"); n != 3 {
			t.Errorf("%s: feed totalCount %d, want 3 (Ben's own)", who, n)
		}
		r = g.B.Raw(feedDoc, "Feed", map[string]any{"groupID": g.ID, "first": 5, "after": cursor})
		noLeak(t, who+" (feed after a cursor taken before)", r, "MARKER-EXP")
		if ids := edgeIDs(r, "node.reflections"); strings.Join(ids, ",") != benOwn+","+older {
			t.Errorf("%s: the page after the old cursor: %v, want [%s %s]: %s", who, ids, benOwn, older, r.Raw)
		}
		for _, where := range []map[string]any{
			{"id": rid},
			{"idIn": []string{rid}},
			{"visibility": "GROUP", "createdAtGTE": "2000-01-01T00:00:00Z"},
			{"not": map[string]any{"idNEQ": rid}},
		} {
			r = g.B.Raw(feedDoc, "Feed", map[string]any{"groupID": g.ID, "first": 50, "where": where})
			noLeak(t, fmt.Sprintf("%s (where %v)", who, where), r, "MARKER-EXP")
			if slices.Contains(edgeIDs(r, "node.reflections"), rid) {
				t.Errorf("%s: where %v finds it: %s", who, where, r.Raw)
			}
		}
		// Ben's own encouragement on it went with it; sending again is refused without content.
		r = Encourage(g.B, rid, "MARKER-EXP-again")
		noLeak(t, who+" (sendEncouragement)", r, body, prompt)
		if r.Code() != "NOT_FOUND" {
			t.Errorf("%s: a new encouragement on it: %s", who, r.Raw)
		}
		// The numbers on Ben's own reflection are unchanged: Ann's encouragement stays.
		r = g.B.MustOp("Reflection", map[string]any{"id": benOwn})
		if r.Num("node.encouragementCount") != 1 {
			t.Errorf("Ben's own reflection: encouragementCount %d, want 1: %s", r.Num("node.encouragementCount"), r.Raw)
		}
		// A member who joins now finds nothing of it either.
		c := h.Member("c")
		g.Join(c, "Cy")
		r = c.Raw(nodeAndNodesDoc, "Node", map[string]any{"id": rid, "ids": []string{rid, encID}})
		noLeak(t, "a newcomer", r, "MARKER-EXP")
		if r.Get("node") != nil {
			t.Errorf("a newcomer reads it: %s", r.Raw)
		}
		// The facilitator still reads it, as program staff, with Ben's encouragement.
		r = g.Therapist.MustOp("Reflection", map[string]any{"id": rid})
		if r.Str("node.body") != body || r.Num("node.encouragementCount") != 1 || r.Str("node.encouragements.edges.0.node.message") != msg {
			t.Errorf("the facilitator: %s", r.Raw)
		}
		// Ann sees her consent ended, and sharing again needs a new one.
		r = g.A.MustOp("GroupSharingConsent", map[string]any{"groupID": g.ID})
		if r.Get("node.viewerSharingConsent.active") != false || r.Get("node.viewerSharingConsent.revokedAt") != nil {
			t.Errorf("Ann's consent after its end date: %s", r.Raw)
		}
		if r := g.A.Op("CreateReflection", map[string]any{"input": reflectionInput(g.ID, "GROUP", "MARKER-EXP-new")}); r.Code() != "CONSENT_REQUIRED" {
			t.Errorf("a GROUP reflection after the end date: %s", r.Raw)
		}
		fac := g.Reflect(g.A, "FACILITATORS", "MARKER-EXP-fac")
		if r := g.A.Op("UpdateReflection", map[string]any{"id": fac, "expectedVersion": 1, "input": map[string]any{"visibility": "GROUP"}}); r.Code() != "CONSENT_REQUIRED" {
			t.Errorf("changing to GROUP after the end date: %s", r.Raw)
		}
		// Only the facilitator's read is new in Ann's accounting.
		if n := len(readsOf(t, g.A)); n != readsBefore+1 {
			t.Errorf("reads: %d before, %d after (want exactly the facilitator's one more)", readsBefore, n)
		}
		_ = newest
	})
}

// TestConsentEdgeCases: end dates in the past, now, far ahead and in other offsets;
// revoking for groups one left, never joined, or that do not exist; reading the consent of
// another group.
func TestConsentEdgeCases(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		rid := g.Reflect(g.A, "GROUP", "MARKER-EDGE-shared")
		consentID := g.A.MustOp("GroupSharingConsent", map[string]any{"groupID": g.ID}).Str("node.viewerSharingConsent.id")

		// In the past, and a moment ago: refused, and the consent in force is untouched.
		now := h.Clock.Now()
		for _, at := range []time.Time{now.Add(-time.Hour), now.Add(-time.Millisecond), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)} {
			at := at
			r := grantConsent(g.A, g.ID, &at)
			if r.Code() != "BAD_USER_INPUT" || r.Get("grantGroupSharingConsent") != nil {
				t.Errorf("expiresAt %s: %s", at, r.Raw)
			}
		}
		r := g.A.MustOp("GroupSharingConsent", map[string]any{"groupID": g.ID})
		if r.Str("node.viewerSharingConsent.id") != consentID || r.Get("node.viewerSharingConsent.active") != true {
			t.Fatalf("a refused grant changed the consent in force: %s", r.Raw)
		}
		if g.B.MustOp("Reflection", map[string]any{"id": rid}).Get("node") == nil {
			t.Fatal("a refused grant stopped the sharing")
		}

		// Far ahead, and in an offset far from UTC: the instant is kept exactly.
		far := "9999-12-31T23:59:59Z"
		r = g.A.Op("GrantGroupSharingConsent", map[string]any{"input": map[string]any{"groupID": g.ID, "textVersion": 1, "expiresAt": far}})
		if r.Get("grantGroupSharingConsent.active") != true {
			t.Fatalf("an end date in 9999: %s", r.Raw)
		}
		if got, _ := time.Parse(time.RFC3339, r.Str("grantGroupSharingConsent.expiresAt")); !got.Equal(time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)) {
			t.Errorf("the end date came back as %s", r.Str("grantGroupSharingConsent.expiresAt"))
		}
		r = g.A.MustOp("GroupSharingConsent", map[string]any{"groupID": g.ID})
		if got, _ := time.Parse(time.RFC3339, r.Str("node.viewerSharingConsent.expiresAt")); !got.Equal(time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)) || r.Get("node.viewerSharingConsent.active") != true {
			t.Errorf("the stored end date: %s", r.Raw)
		}
		if g.B.MustOp("Reflection", map[string]any{"id": rid}).Get("node") == nil {
			t.Error("a consent until 9999 does not share")
		}
		// Kiribati is UTC+14: an end date that is an hour away there is an hour away here.
		soon := h.Clock.Now().Add(time.Hour).In(time.FixedZone("LINT", 14*3600)).Format(time.RFC3339)
		r = g.A.Op("GrantGroupSharingConsent", map[string]any{"input": map[string]any{"groupID": g.ID, "textVersion": 1, "expiresAt": soon}})
		if r.Get("grantGroupSharingConsent.active") != true {
			t.Fatalf("an end date an hour away, written at UTC+14: %s", r.Raw)
		}
		if g.B.MustOp("Reflection", map[string]any{"id": rid}).Get("node") == nil {
			t.Error("a consent that ends in an hour (written at UTC+14) does not share")
		}
		// Replacing a consent leaves exactly one in force.
		if n := countRows(t, h, "SELECT COUNT(*) FROM group_sharing_consents WHERE membership_id = $1 AND revoked_at IS NULL", g.Memberships[g.A]); n != 1 {
			t.Errorf("%d consents in force after replacing, want 1", n)
		}

		// Revoking for a group one never joined, and one that does not exist: NOT_FOUND,
		// the same answer, with nothing of the group.
		other := g.Stranger.MustOp("Viewer", nil).Str("viewer.memberships.0.group.id")
		r1 := g.A.Op("RevokeGroupSharingConsent", map[string]any{"groupID": other})
		r2 := g.A.Op("RevokeGroupSharingConsent", map[string]any{"groupID": madeUpReflectionID})
		if r1.Code() != "NOT_FOUND" || r2.Code() != "NOT_FOUND" || r1.Errors[0].Message != r2.Errors[0].Message {
			t.Errorf("revoking for a group never joined vs none: %s | %s", r1.Raw, r2.Raw)
		}
		if r := g.A.Op("RevokeGroupSharingConsent", map[string]any{"groupID": rid}); r.Code() != "NOT_FOUND" {
			t.Errorf("revoking with a reflection's id as group: %s", r.Raw)
		}
		// Reading the consent of another group: the group is not there for them.
		for _, c := range []*Client{g.Outsider, g.Stranger} {
			r := c.MustOp("GroupSharingConsent", map[string]any{"groupID": g.ID})
			if r.Get("node") != nil {
				t.Errorf("someone outside reads the group's consent screen: %s", r.Raw)
			}
		}
		if r := g.A.MustOp("GroupSharingConsent", map[string]any{"groupID": other}); r.Get("node") != nil {
			t.Errorf("Ann reads another group's consent screen: %s", r.Raw)
		}
		// The therapist of the group sees only their own consent, never Ann's.
		if r := g.Therapist.MustOp("GroupSharingConsent", map[string]any{"groupID": g.ID}); r.Str("node.viewerSharingConsent.id") == consentID {
			t.Errorf("the therapist sees Ann's consent: %s", r.Raw)
		}

		// Ann leaves: revoking afterwards answers with the consent leaving ended, changes
		// nothing, and granting is refused.
		g.A.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		r = g.A.Op("RevokeGroupSharingConsent", map[string]any{"groupID": g.ID})
		if r.Code() != "" || r.Get("revokeGroupSharingConsent.active") != false || r.Str("revokeGroupSharingConsent.revokedAt") == "" {
			t.Errorf("revoking after leaving: %s", r.Raw)
		}
		if r := grantConsent(g.A, g.ID, nil); r.Code() != "NOT_FOUND" {
			t.Errorf("granting after leaving: %s", r.Raw)
		}
		if n := countRows(t, h, "SELECT COUNT(*) FROM group_sharing_consents WHERE membership_id = $1 AND revoked_at IS NULL", g.Memberships[g.A]); n != 0 {
			t.Errorf("%d consents in force after leaving", n)
		}
		r = g.A.MustOp("GroupSharingConsent", map[string]any{"groupID": g.ID})
		if r.Get("node.viewerSharingConsent.active") != false {
			t.Errorf("a former member's consent screen: %s", r.Raw)
		}
	})
}

// zoneChildEnv names the environment variable that makes the test binary, run again by
// TestConsentExpiryOffUTCHost, run the body of that test under another time zone.
const zoneChildEnv = "CONSENT_TZ_CHILD"

// TestConsentExpiryOffUTCHost runs the consent-expiry checks again in a copy of the
// test binary whose local time zone is not UTC (TZ=America/Los_Angeles, then Asia/Tokyo),
// as on a therapist's laptop running the demo. An end date is one instant wherever the
// server runs: a consent that ended must stop sharing at once, and one in force must share.
func TestConsentExpiryOffUTCHost(t *testing.T) {
	t.Parallel()
	if os.Getenv(zoneChildEnv) != "" {
		t.Skip("the child runs TestConsentExpiryZoneChild")
	}
	for _, zone := range []string{"America/Los_Angeles", "Asia/Tokyo"} {
		t.Run(strings.ReplaceAll(zone, "/", "_"), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestConsentExpiryZoneChild$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), "TZ="+zone, zoneChildEnv+"=1")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("under TZ=%s: %v\n%s", zone, err, out)
			} else if !strings.Contains(string(out), "--- PASS: TestConsentExpiryZoneChild") {
				t.Errorf("under TZ=%s the child did not run:\n%s", zone, out)
			}
		})
	}
}

// TestConsentExpiryZoneChild is the body of TestConsentExpiryOffUTCHost; it only runs in
// the child process.
func TestConsentExpiryZoneChild(t *testing.T) {
	t.Parallel()
	if os.Getenv(zoneChildEnv) == "" {
		t.Skip("runs only as the child of TestConsentExpiryOffUTCHost")
	}
	t.Logf("local zone: %s", time.Now().Format("MST -0700"))
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		// An end date an hour ahead: in force, so Ann shares and Ben reads.
		hour := h.Clock.Now().Add(time.Hour)
		if r := grantConsent(g.A, g.ID, &hour); r.Get("grantGroupSharingConsent.active") != true {
			t.Fatalf("grant: %s", r.Raw)
		}
		r := g.A.Op("CreateReflection", map[string]any{"input": reflectionInput(g.ID, "GROUP", "MARKER-TZ-hour")})
		if r.Code() != "" {
			t.Fatalf("a GROUP reflection under a consent in force for another hour is refused: %s", r.Raw)
		}
		rid := r.Str("createReflection.reflection.id")
		if g.B.MustOp("Reflection", map[string]any{"id": rid}).Get("node") == nil {
			t.Errorf("a consent in force for another hour does not share")
		}
		// An end date a moment ahead, then passed: Ben no longer reads.
		soon := h.Clock.Now().Add(time.Minute)
		if r := grantConsent(g.A, g.ID, &soon); r.Code() != "" {
			t.Fatalf("grant: %s", r.Raw)
		}
		h.Clock.Set(soon.Add(time.Second))
		if r := g.B.MustOp("Reflection", map[string]any{"id": rid}); r.Get("node") != nil {
			t.Errorf("a consent that ended a second ago still shares: %s", r.Raw)
		}
		if r := g.A.Op("CreateReflection", map[string]any{"input": reflectionInput(g.ID, "GROUP", "MARKER-TZ-late")}); r.Code() != "CONSENT_REQUIRED" {
			t.Errorf("a GROUP reflection under a consent that ended: %s", r.Raw)
		}
	})
}

const grantDoc = `mutation Grant($groupID: ID!) {
  grantGroupSharingConsent(input: {groupID: $groupID, textVersion: 1}) { id active }
}`

// TestConsentConcurrentGrantsThenRevoke: two devices (here eight requests) grant consent at
// the same moment; then the member revokes once, from one device. Revoking must end the
// sharing: no consent of hers may stay in force, and her peer reads nothing more.
func TestConsentConcurrentGrantsThenRevoke(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		rid := g.Reflect(g.A, "GROUP", "MARKER-RACE-shared")
		for round := 0; round < 5; round++ {
			var mu sync.Mutex
			var errs []string
			atOnce(8, func(int) {
				r, err := g.A.Try(grantDoc, "Grant", map[string]any{"groupID": g.ID})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err.Error())
				} else if len(r.Errors) > 0 && r.Code() != "CONFLICT" {
					errs = append(errs, r.Raw)
				}
			})
			if len(errs) > 0 {
				t.Fatalf("concurrent grants: %v", errs)
			}
			active := countRows(t, h, "SELECT COUNT(*) FROM group_sharing_consents WHERE membership_id = $1 AND revoked_at IS NULL", g.Memberships[g.A])
			r := g.A.MustOp("RevokeGroupSharingConsent", map[string]any{"groupID": g.ID})
			if r.Get("revokeGroupSharingConsent.active") != false {
				t.Fatalf("revoke: %s", r.Raw)
			}
			left := countRows(t, h, "SELECT COUNT(*) FROM group_sharing_consents WHERE membership_id = $1 AND revoked_at IS NULL", g.Memberships[g.A])
			peer := g.B.MustOp("Reflection", map[string]any{"id": rid})
			if left != 0 || peer.Get("node") != nil {
				t.Fatalf("round %d: %d consents were in force after the concurrent grants; after revoking, %d still are and the peer reads: %.200s",
					round, active, left, peer.Raw)
			}
			g.Consent(g.A)
		}
	})
}

// TestConsentGrantRacesLeave: a member's phone grants consent while her tablet leaves the
// group. Whatever the order, once she has left no consent of hers may be in force; in
// particular, coming back must not bring a consent back to life without a new grant.
func TestConsentGrantRacesLeave(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		rid := g.Reflect(g.A, "GROUP", "MARKER-LEAVE-shared")
		const leaveDoc = `mutation Leave($groupID: ID!) { leaveGroup(groupID: $groupID) }`
		for round := 0; round < 12; round++ {
			atOnce(2, func(i int) {
				if i == 0 {
					g.A.Try(grantDoc, "Grant", map[string]any{"groupID": g.ID})
				} else {
					g.A.Try(leaveDoc, "Leave", map[string]any{"groupID": g.ID})
				}
			})
			left := g.A.MustOp("Viewer", nil)
			if len(viewerGroups(g.A)) != 0 {
				t.Fatalf("round %d: the leave did not happen: %s", round, left.Raw)
			}
			in := countRows(t, h, "SELECT COUNT(*) FROM group_sharing_consents WHERE membership_id = $1 AND revoked_at IS NULL", g.Memberships[g.A])
			// Back in the group, without consenting again.
			g.A.MustOp("JoinGroup", map[string]any{"input": map[string]any{"code": g.Code, "displayName": "Ann"}})
			c := g.A.MustOp("GroupSharingConsent", map[string]any{"groupID": g.ID})
			peer := g.B.MustOp("Reflection", map[string]any{"id": rid})
			if in != 0 || c.Get("node.viewerSharingConsent.active") != false || peer.Get("node") != nil {
				t.Fatalf("round %d: %d consents in force after leaving; after rejoining without consent: %s; the peer reads: %.120s",
					round, in, c.Raw, peer.Raw)
			}
		}
	})
}
