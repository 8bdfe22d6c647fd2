package server_test

import (
	"context"
	"strings"
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

// TestDisclosureNotice: the notice goes with every reflection the viewer did not write.
func TestDisclosureNotice(t *testing.T) {
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
