package server_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
)

// Group is a process group with a therapist (its facilitator), two members, and people
// outside it: a member of no group and a therapist of another group.
type Group struct {
	ID        string
	Therapist *Client
	A, B      *Client
	Outsider  *Client
	Stranger  *Client // a therapist who does not lead this group
	Code      string
	// Memberships maps each person in the group to their membership id.
	Memberships map[*Client]string
}

// NewGroup founds a group through the API, as the app would.
func (h *H) NewGroup() *Group {
	h.t.Helper()
	g := &Group{
		Therapist:   h.Therapist("therapist"),
		A:           h.Member("a"),
		B:           h.Member("b"),
		Outsider:    h.Member("outsider"),
		Stranger:    h.Therapist("stranger"),
		Memberships: map[*Client]string{},
	}
	r := g.Therapist.MustOp("CreateGroup", map[string]any{"input": map[string]any{
		"name": "Tuesday Group", "timeZone": "America/Chicago", "displayName": "Dr. T",
	}})
	g.ID = r.Str("createGroup.id")
	g.Memberships[g.Therapist] = r.Str("createGroup.memberships.0.id")
	g.Consent(g.Therapist)
	r = g.Therapist.MustOp("CreateGroupInvite", map[string]any{"groupID": g.ID})
	g.Code = r.Str("createGroupInvite.code")
	for name, c := range map[string]*Client{"Ann": g.A, "Ben": g.B} {
		g.Memberships[c] = g.Join(c, name)
	}
	// The stranger leads a group of their own.
	g.Stranger.MustOp("CreateGroup", map[string]any{"input": map[string]any{
		"name": "Other Group", "timeZone": "Europe/Berlin", "displayName": "Dr. S",
	}})
	return g
}

// Join makes c join g with the invite code and consent to share with it; it returns the
// membership id.
func (g *Group) Join(c *Client, name string) string {
	r := c.MustOp("JoinGroup", map[string]any{"input": map[string]any{"code": g.Code, "displayName": name}})
	g.Consent(c)
	return r.Str("joinGroup.id")
}

// Consent makes c consent to share their GROUP reflections with g.
func (g *Group) Consent(c *Client) {
	c.MustOp("GrantGroupSharingConsent", map[string]any{"input": map[string]any{"groupID": g.ID, "textVersion": 1}})
}

// Reflect writes a reflection as c in g with visibility; it returns its id.
func (g *Group) Reflect(c *Client, visibility, body string) string {
	r := c.MustOp("CreateReflection", map[string]any{"input": reflectionInput(g.ID, visibility, body)})
	return r.Str("createReflection.reflection.id")
}

func reflectionInput(groupID, visibility, body string) map[string]any {
	return map[string]any{
		"clientID":   uuid.NewString(),
		"groupID":    groupID,
		"body":       body,
		"mood":       6,
		"craving":    3,
		"visibility": visibility,
	}
}

// Encourage sends encouragement as c on reflection id.
func Encourage(c *Client, reflectionID, message string) *Resp {
	in := map[string]any{"clientID": uuid.NewString(), "reflectionID": reflectionID, "kind": "HEART"}
	if message != "" {
		in["message"] = message
	}
	return c.Op("SendEncouragement", map[string]any{"input": in})
}

func TestSmoke(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		id := g.Reflect(g.A, "GROUP", "hello group")
		r := g.B.MustOp("Reflection", map[string]any{"id": id})
		if r.Str("node.body") != "hello group" || r.Str("node.author.displayName") != "Ann" {
			t.Fatalf("peer should read a GROUP reflection: %s", r.Raw)
		}
		if e := Encourage(g.B, id, "you got this"); len(e.Errors) > 0 {
			t.Fatal(e.Raw)
		}
		r = g.A.MustOp("EncouragementReceived", nil)
		if r.Num("viewer.encouragementReceived.totalCount") != 1 {
			t.Fatal(r.Raw)
		}
	})
}

// registerDevice registers an Android device of c with token and locale; it returns the
// device's id.
func registerDevice(c *Client, token, locale string) string {
	c.h.t.Helper()
	r := c.MustOp("RegisterDevice", map[string]any{"input": map[string]any{
		"token": token, "platform": "ANDROID", "locale": locale,
	}})
	return r.Str("registerDevice.id")
}

// schedule makes a one-off session of g starting at start (90 minutes) and returns its id.
func schedule(g *Group, start time.Time) string {
	g.Therapist.h.t.Helper()
	return ssSchedule(g.Therapist, g.ID, start, 90)
}

// setWeekly sets g's weekly schedule: Tuesdays at start (local time), 90 minutes, at
// location ("" for none).
func setWeekly(g *Group, start, location string) *Resp {
	g.Therapist.h.t.Helper()
	return g.Therapist.MustOp("SetWeeklySchedule", map[string]any{"groupID": g.ID, "schedule": ssWeekly("TUESDAY", start, 90, location)})
}
