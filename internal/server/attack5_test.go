package server_test

// Attack 5: the therapist's digest (GroupDigest) and GroupReflectionsSince, tried as a
// therapist and as a member would, with scenarios digest_test.go does not cover: moved and
// same-instant sessions, session ids that are not sessions of the group, reflections edited
// to PRIVATE or to crisis language, consent revoked, leaving and rejoining, new members, the
// rounding at the thresholds, the accounting of reads, therapists who are not (or no longer)
// the group's facilitators, and paging. Every content string carries MARKER, so that the
// harness's log check catches it wherever it turns up.

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// a5Digest asks for g's digest as c; sessionID nil means the default (next) session.
func a5Digest(c *Client, groupID string, sessionID any) *Resp {
	c.h.t.Helper()
	vars := map[string]any{"groupID": groupID}
	if sessionID != nil {
		vars["sessionID"] = sessionID
	}
	return c.Op("GroupDigest", vars)
}

// a5MustDigest is a5Digest that fails the test on any error.
func a5MustDigest(t *testing.T, c *Client, groupID string, sessionID any) *Resp {
	t.Helper()
	r := a5Digest(c, groupID, sessionID)
	if len(r.Errors) > 0 || r.Get("node.digest") == nil {
		t.Fatalf("digest: %s", r.Raw)
	}
	return r
}

// a5ByName is the digest's members by display name; a name listed twice fails the test.
func a5ByName(t *testing.T, r *Resp) map[string]dgMember {
	t.Helper()
	out := map[string]dgMember{}
	for _, m := range dgMembers(t, r) {
		if _, dup := out[m.Name]; dup {
			t.Errorf("%s is listed twice: %s", m.Name, r.Raw)
		}
		out[m.Name] = m
	}
	return out
}

// a5Names is the digest's members' names in order.
func a5Names(t *testing.T, r *Resp) []string {
	t.Helper()
	var names []string
	for _, m := range dgMembers(t, r) {
		names = append(names, m.Name)
	}
	return names
}

// a5Period is "periodStart/periodEnd".
func a5Period(r *Resp) string {
	return r.Str("node.digest.periodStart") + "/" + r.Str("node.digest.periodEnd")
}

// a5Reads is the accounting of reads of c's reflections, as "reflectionID/readerName/role",
// sorted.
func a5Reads(t *testing.T, c *Client) []string {
	t.Helper()
	r := c.MustOp("MyReflectionReads", map[string]any{"first": 100})
	var out []string
	edges, _ := r.Get("viewer.reflectionReads.edges").([]any)
	for _, e := range edges {
		n := e.(map[string]any)["node"].(map[string]any)
		who := "?/?"
		if rd, ok := n["reader"].(map[string]any); ok {
			who = fmt.Sprint(rd["displayName"], "/", rd["role"])
		}
		out = append(out, fmt.Sprint(n["reflection"].(map[string]any)["id"], "/", who))
	}
	sort.Strings(out)
	if n := r.Num("viewer.reflectionReads.totalCount"); n != len(out) {
		t.Fatalf("reflectionReads: totalCount %d but %d edges", n, len(out))
	}
	return out
}

// a5Since runs GroupReflectionsSince as c, following every page of first, and returns the
// bodies (with author names), the totalCount of each page and the raw answers.
func a5Since(t *testing.T, c *Client, groupID string, since time.Time, first int) (bodies []string, totals []int, raws []*Resp) {
	t.Helper()
	var after any
	for page := 0; page < 50; page++ {
		r := c.MustOp("GroupReflectionsSince", map[string]any{"groupID": groupID, "since": ssAt(since), "first": first, "after": after})
		raws = append(raws, r)
		totals = append(totals, r.Num("node.reflections.totalCount"))
		edges, _ := r.Get("node.reflections.edges").([]any)
		for _, e := range edges {
			n := e.(map[string]any)["node"].(map[string]any)
			bodies = append(bodies, n["body"].(string)+"/"+n["author"].(map[string]any)["displayName"].(string))
		}
		if r.Get("node.reflections.pageInfo.hasNextPage") != true {
			return bodies, totals, raws
		}
		after = r.Str("node.reflections.pageInfo.endCursor")
	}
	t.Fatal("GroupReflectionsSince never ends")
	return
}

// a5Version is the current version of reflection id, read by its author c.
func a5Version(t *testing.T, c *Client, id string) int {
	t.Helper()
	return c.MustOp("Reflection", map[string]any{"id": id}).Num("node.version")
}

// a5Update edits reflection id as its author c.
func a5Update(t *testing.T, c *Client, id string, input map[string]any) *Resp {
	t.Helper()
	return c.MustOp("UpdateReflection", map[string]any{"id": id, "expectedVersion": a5Version(t, c, id), "input": input})
}

// a5SetJoined sets when membership id joined.
func a5SetJoined(t *testing.T, h *H, id string, at time.Time) {
	t.Helper()
	if _, err := rawDB(t, h).Exec("UPDATE memberships SET joined_at = $1 WHERE id = $2", at.UTC(), id); err != nil {
		t.Fatal(err)
	}
}

// Chicago, February 2027 (CST, UTC-6): sessions at 00:00Z are Mondays 18:00 local.
var (
	a5Feb = func(d, hh int) time.Time { return ssUTC(2027, 2, d, hh, 0) }
)

// TestAttack5MovedSessionsPeriods: sessions moved (RescheduleSession) before they happen,
// one of them to before a later one. The periods follow the sessions' current start times:
// S1 2 Feb, S2 moved from 9 to 12 Feb, S4 moved from 23 to 14 Feb, S3 16 Feb. A session
// further ahead than the next one has an empty period.
func TestAttack5MovedSessionsPeriods(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		g := h.NewGroup()
		s1 := ssSchedule(g.Therapist, g.ID, a5Feb(2, 0), 90)
		s2 := ssSchedule(g.Therapist, g.ID, a5Feb(9, 0), 90)
		s3 := ssSchedule(g.Therapist, g.ID, a5Feb(16, 0), 90)
		s4 := ssSchedule(g.Therapist, g.ID, a5Feb(23, 0), 90)
		_ = s1
		g.Therapist.MustOp("RescheduleSession", map[string]any{"id": s2, "startsAt": ssAt(a5Feb(12, 0))})
		g.Therapist.MustOp("RescheduleSession", map[string]any{"id": s4, "startsAt": ssAt(a5Feb(14, 0))})
		// Ann writes at noon Chicago time (18:00Z).
		dgReflect(t, h, g, g.A, "GROUP", "MARKER feb5", 5, 1, a5Feb(5, 18))
		dgReflect(t, h, g, g.A, "FACILITATORS", "MARKER feb10", 6, 2, a5Feb(10, 18))
		dgReflect(t, h, g, g.A, "GROUP", "MARKER feb13", 7, 3, a5Feb(13, 18))
		dgReflect(t, h, g, g.A, "GROUP", "MARKER feb15", 8, 4, a5Feb(15, 18))
		dgReflect(t, h, g, g.A, "GROUP", "MARKER feb17", 9, 5, a5Feb(17, 18))

		// Before anything has happened (1 Feb), the digest of S3 (16 Feb) is for a session
		// further ahead than the next one: an empty period at now.
		r := a5MustDigest(t, g.Therapist, g.ID, s3)
		if r.Str("node.digest.periodStart") != r.Str("node.digest.periodEnd") || !dgNear(r.Str("node.digest.periodEnd"), a5Feb(1, 12)) ||
			r.Num("node.digest.reflectionCount") != 0 {
			t.Errorf("digest of a session further ahead: %s", r.Raw)
		}

		clk.Set(a5Feb(18, 0))
		for _, c := range []struct {
			name, session, period string
			refl                  []string
			count                 int
			mood, craving         *float64
			dMood, dCraving       *float64
			days                  *int
		}{
			// S2 moved to 12 Feb: from S1 (2 Feb).
			{"S2 moved later", s2, "2027-02-02T00:00:00Z/2027-02-12T00:00:00Z", []string{"MARKER feb5", "MARKER feb10"}, 2, fp(5.5), fp(1.5), nil, nil, ip(1)},
			// S4 moved to 14 Feb, before S3: from S2 (12 Feb); the period before is 10-12 Feb.
			{"S4 moved earlier", s4, "2027-02-12T00:00:00Z/2027-02-14T00:00:00Z", []string{"MARKER feb13"}, 1, fp(7), fp(3), fp(1), fp(1), ip(0)},
			// S3 (16 Feb): from S4 (14 Feb), not from S2.
			{"S3", s3, "2027-02-14T00:00:00Z/2027-02-16T00:00:00Z", []string{"MARKER feb15"}, 1, fp(8), fp(4), fp(1), fp(1), ip(0)},
		} {
			r := a5MustDigest(t, g.Therapist, g.ID, c.session)
			if got := a5Period(r); got != c.period {
				t.Errorf("%s: period %s, want %s", c.name, got, c.period)
			}
			if r.Str("node.digest.session.id") != c.session {
				t.Errorf("%s: session %s", c.name, r.Str("node.digest.session.id"))
			}
			ann := a5ByName(t, r)["Ann"]
			dgCheck(t, ann, c.count, c.mood, c.craving, c.dMood, c.dCraving, c.days, false)
			if !slices.Equal(ann.Reflections, c.refl) {
				t.Errorf("%s: Ann's reflections %v, want %v", c.name, ann.Reflections, c.refl)
			}
		}
		// No session is ahead any more: the period runs from S3 to now.
		r = a5MustDigest(t, g.Therapist, g.ID, nil)
		if r.Get("node.digest.session") != nil || r.Str("node.digest.periodStart") != "2027-02-16T00:00:00Z" ||
			!dgNear(r.Str("node.digest.periodEnd"), a5Feb(18, 0)) {
			t.Errorf("default digest after the last session: %s", r.Raw)
		}
		dgCheck(t, a5ByName(t, r)["Ann"], 1, fp(9), fp(5), fp(1), fp(1), ip(0), false)
	}, startingAt(a5Feb(1, 12)))
}

// TestAttack5SameInstantSessions: two sessions at the same instant (9 Feb), one later
// cancelled. Neither is the other's "previous session"; the default is the earlier-made one
// until it is cancelled; the session after them starts its period at their instant.
func TestAttack5SameInstantSessions(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		g := h.NewGroup()
		s0 := ssSchedule(g.Therapist, g.ID, a5Feb(2, 0), 60)
		sa := ssSchedule(g.Therapist, g.ID, a5Feb(9, 0), 60)
		sb := ssSchedule(g.Therapist, g.ID, a5Feb(9, 0), 90)
		sc := ssSchedule(g.Therapist, g.ID, a5Feb(16, 0), 60)
		_ = s0
		dgReflect(t, h, g, g.A, "GROUP", "MARKER x", 4, 1, a5Feb(5, 0))
		dgReflect(t, h, g, g.A, "GROUP", "MARKER at nine", 6, 2, a5Feb(9, 0))
		dgReflect(t, h, g, g.A, "FACILITATORS", "MARKER y", 8, 4, a5Feb(12, 0))

		clk.Set(a5Feb(8, 0))
		r := a5MustDigest(t, g.Therapist, g.ID, nil)
		if r.Str("node.digest.session.id") != sa || r.Str("node.digest.periodStart") != "2027-02-02T00:00:00Z" ||
			!dgNear(r.Str("node.digest.periodEnd"), a5Feb(8, 0)) || r.Num("node.digest.reflectionCount") != 1 {
			t.Errorf("default with two sessions at 9 Feb, want the first made (%s): %s", sa, r.Raw)
		}
		for _, s := range []string{sa, sb} {
			r := a5MustDigest(t, g.Therapist, g.ID, s)
			if r.Str("node.digest.periodStart") != "2027-02-02T00:00:00Z" || !dgNear(r.Str("node.digest.periodEnd"), a5Feb(8, 0)) ||
				r.Num("node.digest.reflectionCount") != 1 {
				t.Errorf("session %s at 9 Feb (now 8 Feb): %s", s, r.Raw)
			}
		}
		g.Therapist.MustOp("CancelSession", map[string]any{"id": sa})
		r = a5MustDigest(t, g.Therapist, g.ID, nil)
		if r.Str("node.digest.session.id") != sb || r.Str("node.digest.periodStart") != "2027-02-02T00:00:00Z" {
			t.Errorf("default after cancelling %s, want %s: %s", sa, sb, r.Raw)
		}

		clk.Set(a5Feb(20, 0))
		for _, s := range []string{sa, sb} {
			r := a5MustDigest(t, g.Therapist, g.ID, s)
			if got := a5Period(r); got != "2027-02-02T00:00:00Z/2027-02-09T00:00:00Z" {
				t.Errorf("session %s: period %s", s, got)
			}
			if got := a5ByName(t, r)["Ann"].Reflections; !slices.Equal(got, []string{"MARKER x"}) {
				t.Errorf("session %s: Ann's reflections %v", s, got)
			}
		}
		r = a5MustDigest(t, g.Therapist, g.ID, sc)
		if got := a5Period(r); got != "2027-02-09T00:00:00Z/2027-02-16T00:00:00Z" {
			t.Errorf("session after the pair: period %s", got)
		}
		ann := a5ByName(t, r)["Ann"]
		dgCheck(t, ann, 2, fp(7), fp(3), fp(3), fp(2), ip(4), false)
		if !slices.Equal(ann.Reflections, []string{"MARKER at nine", "MARKER y"}) {
			t.Errorf("Ann's reflections %v", ann.Reflections)
		}
	}, startingAt(a5Feb(1, 12)))
}

// TestAttack5SessionIDNotASessionOfTheGroup: sessionID naming a reflection, the group itself,
// a membership, a session of the same therapist's other group, or garbage. Each is refused
// without a digest, without content in the answer, and without any read accounted.
func TestAttack5SessionIDNotASessionOfTheGroup(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		refl := dgReflect(t, h, g, g.A, "FACILITATORS", "MARKER secret", 3, 9, a5Feb(1, 11))
		ssSchedule(g.Therapist, g.ID, a5Feb(2, 0), 60)
		other := g.Therapist.MustOp("CreateGroup", map[string]any{"input": map[string]any{
			"name": "Thursday MARKER", "timeZone": "UTC", "displayName": "Dr. T",
		}}).Str("createGroup.id")
		theirs := ssSchedule(g.Therapist, other, a5Feb(3, 0), 60)
		for what, id := range map[string]string{
			"a reflection": refl, "the group": g.ID, "a membership": g.Memberships[g.A],
			"the therapist's other group's session": theirs, "the other group": other,
		} {
			r := a5Digest(g.Therapist, g.ID, id)
			if r.Code() != "NOT_FOUND" || r.Get("node.digest") != nil || r.Str("node.id") != g.ID {
				t.Errorf("sessionID %s: want NOT_FOUND on the digest only, got %s", what, r.Raw)
			}
			a3NoLeak(t, what, r, "MARKER", "Ann")
		}
		for _, bad := range []any{"not-an-id", "", "0", "-3", "99999999999999999999999", "1.5", " 12"} {
			r := a5Digest(g.Therapist, g.ID, bad)
			if r.Code() != "BAD_USER_INPUT" || r.Get("node.digest") != nil {
				t.Errorf("sessionID %q: want BAD_USER_INPUT, got %s", bad, r.Raw)
			}
			a3NoLeak(t, fmt.Sprint(bad), r, "MARKER", "Ann", "SELECT", "sql")
			if s, _ := bad.(string); len(s) > 3 && strings.Contains(r.Raw, s) {
				t.Errorf("the error echoes the input %q: %s", s, r.Raw)
			}
		}
		// The other group's digest with this group's session: not found either.
		if r := a5Digest(g.Therapist, other, g.ID); r.Code() != "NOT_FOUND" {
			t.Errorf("the group's id as a session of the other group: %s", r.Raw)
		}
		if n := a3Count(t, h, "SELECT count(*) FROM reflection_reads"); n != 0 {
			t.Errorf("%d reads accounted after refused digests", n)
		}
	}, startingAt(a5Feb(1, 12)))
}

// TestAttack5EditedToPrivateDisappears: a reflection shown in the digest and then changed
// from GROUP to PRIVATE is hidden at once: no longer in the digest, its numbers, the last
// reflection time, or GroupReflectionsSince; nothing more is accounted as read.
func TestAttack5EditedToPrivateDisappears(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		g := h.NewGroup()
		ssSchedule(g.Therapist, g.ID, a5Feb(2, 0), 60)
		sess := ssSchedule(g.Therapist, g.ID, a5Feb(9, 0), 60)
		older := dgReflect(t, h, g, g.A, "GROUP", "MARKER older", 5, 5, a5Feb(1, 18))
		hush := dgReflect(t, h, g, g.A, "GROUP", "MARKER to be hidden", 2, 9, a5Feb(6, 18))
		clk.Set(a5Feb(9, 1))
		r := a5MustDigest(t, g.Therapist, g.ID, sess)
		ann := a5ByName(t, r)["Ann"]
		dgCheck(t, ann, 1, fp(2), fp(9), fp(-3), fp(4), ip(2), true)
		if got := a5Reads(t, g.A); !slices.Equal(got, []string{hush + "/Dr. T/FACILITATOR"}) {
			t.Errorf("reads after the first digest: %v", got)
		}

		a5Update(t, g.A, hush, map[string]any{"visibility": "PRIVATE"})
		r = a5MustDigest(t, g.Therapist, g.ID, sess)
		a3NoLeak(t, "digest after PRIVATE", r, "to be hidden")
		ann = a5ByName(t, r)["Ann"]
		// Ann's last reflection facilitators may read is now the older one (1 Feb, 12:00 in
		// Chicago, 7 days before the session's date); nothing in the period.
		dgCheck(t, ann, 0, nil, nil, nil, nil, ip(7), false)
		if ann.Last != "2027-02-01T18:00:00Z" || r.Num("node.digest.reflectionCount") != 0 {
			t.Errorf("after PRIVATE: last %q, count %d", ann.Last, r.Num("node.digest.reflectionCount"))
		}
		got, _, raws := a5Since(t, g.Therapist, g.ID, a5Feb(1, 0), 10)
		if !slices.Equal(got, []string{"MARKER older/Ann"}) {
			t.Errorf("facilitator's GroupReflectionsSince after PRIVATE: %v", got)
		}
		got, _, _ = a5Since(t, g.B, g.ID, a5Feb(1, 0), 10)
		if !slices.Equal(got, []string{"MARKER older/Ann"}) {
			t.Errorf("Ben's GroupReflectionsSince after PRIVATE: %v", got)
		}
		for _, raw := range raws {
			a3NoLeak(t, "since", raw, "to be hidden")
		}
		// Reads: the hidden one once (before), the older one by the facilitator and Ben.
		want := []string{hush + "/Dr. T/FACILITATOR", older + "/Ben/MEMBER", older + "/Dr. T/FACILITATOR"}
		sort.Strings(want)
		if got := a5Reads(t, g.A); !slices.Equal(got, want) {
			t.Errorf("reads: %v", got)
		}
	}, startingAt(a5Feb(1, 12)))
}

// TestAttack5ConsentRevoked: Ann revokes her consent to share with the group. Her GROUP
// reflection is then no longer shown to Ben, while the facilitator, as program staff, keeps
// reading it (as FACILITATORS) in the digest and GroupReflectionsSince.
func TestAttack5ConsentRevoked(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		dgReflect(t, h, g, g.A, "GROUP", "MARKER ann shared", 4, 6, a5Feb(1, 10))
		dgReflect(t, h, g, g.B, "GROUP", "MARKER ben shared", 7, 1, a5Feb(1, 11))
		g.A.MustOp("RevokeGroupSharingConsent", map[string]any{"groupID": g.ID})
		got, totals, raws := a5Since(t, g.B, g.ID, a5Feb(1, 0), 10)
		if !slices.Equal(got, []string{"MARKER ben shared/Ben"}) || totals[0] != 1 {
			t.Errorf("Ben after Ann revoked: %v (totalCount %v)", got, totals)
		}
		for _, raw := range raws {
			a3NoLeak(t, "Ben's since", raw, "ann shared")
		}
		got, _, _ = a5Since(t, g.Therapist, g.ID, a5Feb(1, 0), 10)
		if !slices.Equal(got, []string{"MARKER ann shared/Ann", "MARKER ben shared/Ben"}) {
			t.Errorf("facilitator after Ann revoked: %v", got)
		}
		r := a5MustDigest(t, g.Therapist, g.ID, nil)
		ms := a5ByName(t, r)
		dgCheck(t, ms["Ann"], 1, fp(4), fp(6), nil, nil, ip(0), false)
		if !slices.Equal(ms["Ann"].Reflections, []string{"MARKER ann shared"}) || r.Num("node.digest.reflectionCount") != 2 {
			t.Errorf("digest after Ann revoked: %s", r.Raw)
		}
	}, startingAt(a5Feb(1, 12)))
}

// TestAttack5LeftAndRejoined: Ben leaves and rejoins under another name. He is listed once,
// under his current name, with the reflections of the period facilitators may read; his
// digest days count from his reflections, and while he is gone he is not listed.
func TestAttack5LeftAndRejoined(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		dgReflect(t, h, g, g.B, "GROUP", "MARKER ben first", 3, 3, a5Feb(1, 8))
		g.B.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		r := a5MustDigest(t, g.Therapist, g.ID, nil)
		if names := a5Names(t, r); !slices.Equal(names, []string{"Ann"}) {
			t.Errorf("while Ben is gone: %v", names)
		}
		g.Join(g.B, "Benji")
		dgReflect(t, h, g, g.B, "FACILITATORS", "MARKER benji back", 5, 5, a5Feb(1, 10))
		r = a5MustDigest(t, g.Therapist, g.ID, nil)
		names := a5Names(t, r)
		sort.Strings(names)
		if !slices.Equal(names, []string{"Ann", "Benji"}) {
			t.Fatalf("after rejoining: %v", names)
		}
		benji := a5ByName(t, r)["Benji"]
		dgCheck(t, benji, 2, fp(4), fp(4), nil, nil, ip(0), false)
		if !slices.Equal(benji.Reflections, []string{"MARKER ben first", "MARKER benji back"}) {
			t.Errorf("Benji's reflections %v", benji.Reflections)
		}
		if r.Num("node.digest.reflectionCount") != 2 || len(dgMembers(t, r)) != 2 {
			t.Errorf("totals: %s", r.Raw)
		}
	}, startingAt(a5Feb(1, 12)))
}

// TestAttack5CrisisAddedByEdit: a reflection without crisis language is edited to show it;
// the digest then lists its author first with CRISIS and marks the reflection, and the
// author gets crisis resources in the edit's answer. Editing the words away keeps the mark
// (the facilitators should know it was written); making it PRIVATE removes it from the
// digest and the flag with it.
func TestAttack5CrisisAddedByEdit(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		dgReflect(t, h, g, g.A, "GROUP", "MARKER fine", 6, 2, a5Feb(1, 9))
		id := dgReflect(t, h, g, g.B, "FACILITATORS", "MARKER an ordinary day", 6, 2, a5Feb(1, 10))
		reasons := dgReasons(t, g.Therapist, g.ID, nil)
		if len(reasons["Ben"]) != 0 || len(reasons["Ann"]) != 0 {
			t.Fatalf("before the edit: %v", reasons)
		}
		up := a5Update(t, g.B, id, map[string]any{"body": "MARKER some nights I just want to end my life"})
		if res, _ := up.Get("updateReflection.crisisResources").([]any); len(res) == 0 || !strings.Contains(up.Raw, "988") {
			t.Errorf("the edit's answer has no crisis resources: %s", up.Raw)
		}
		check := func(when string, crisis bool) {
			t.Helper()
			r := a5MustDigest(t, g.Therapist, g.ID, nil)
			names := a5Names(t, r)
			reasons := dgReasons(t, g.Therapist, g.ID, nil)
			if crisis {
				if !slices.Equal(names, []string{"Ben", "Ann"}) || !slices.Equal(reasons["Ben"], []string{"CRISIS"}) ||
					r.Num("node.digest.attentionCount") != 1 || r.Get("node.digest.members.0.reflections.0.needsAttention") != true {
					t.Errorf("%s: want Ben first with CRISIS and the reflection marked: %v %v %s", when, names, reasons, r.Raw)
				}
			} else if slices.Contains(reasons["Ben"], "CRISIS") || r.Get("node.digest.members.0.reflections.0.needsAttention") == true {
				// (Ben may be QUIET now: he has nothing facilitators may read.)
				t.Errorf("%s: want no CRISIS: %v %s", when, reasons, r.Raw)
			}
		}
		check("after crisis language was added", true)
		a5Update(t, g.B, id, map[string]any{"body": "MARKER better now"})
		check("after the words were edited away", true)
		a5Update(t, g.B, id, map[string]any{"visibility": "PRIVATE"})
		check("after it was made PRIVATE", false)
		r := a5MustDigest(t, g.Therapist, g.ID, nil)
		a3NoLeak(t, "digest", r, "better now", "end my life")
	}, startingAt(a5Feb(1, 12)))
}

// TestAttack5CrisisOutsideThePeriodOrHidden: crisis language only in the period before, only
// in a PRIVATE reflection, only in a deleted one, or only after the end of the period does not
// make a member CRISIS; a crisis in a PRIVATE reflection is never shown.
func TestAttack5CrisisOutsideThePeriodOrHidden(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		g := h.NewGroup()
		cara, dan := h.Member("cara"), h.Member("dan")
		g.Memberships[cara] = g.Join(cara, "Cara")
		g.Memberships[dan] = g.Join(dan, "Dan")
		ssSchedule(g.Therapist, g.ID, a5Feb(2, 0), 60)
		sess := ssSchedule(g.Therapist, g.ID, a5Feb(9, 0), 60)
		ssSchedule(g.Therapist, g.ID, a5Feb(16, 0), 60)
		crisis := "MARKER I want to end my life"
		// Ann: crisis only in the period before (1 Feb); ordinary in the period.
		dgReflect(t, h, g, g.A, "FACILITATORS", crisis, 5, 5, a5Feb(1, 18))
		dgReflect(t, h, g, g.A, "GROUP", "MARKER ann ok", 5, 5, a5Feb(5, 18))
		// Ben: crisis only in a PRIVATE reflection in the period.
		dgReflect(t, h, g, g.B, "PRIVATE", crisis+" ben", 5, 5, a5Feb(5, 18))
		dgReflect(t, h, g, g.B, "GROUP", "MARKER ben ok", 5, 5, a5Feb(6, 18))
		// Cara: crisis in a reflection she deleted.
		gone := dgReflect(t, h, g, cara, "FACILITATORS", crisis+" cara", 5, 5, a5Feb(5, 18))
		cara.MustOp("DeleteReflection", map[string]any{"id": gone})
		dgReflect(t, h, g, cara, "GROUP", "MARKER cara ok", 5, 5, a5Feb(6, 18))
		// Dan: crisis exactly at the session's start (the next period).
		dgReflect(t, h, g, dan, "FACILITATORS", crisis+" dan", 5, 5, a5Feb(9, 0))
		dgReflect(t, h, g, dan, "GROUP", "MARKER dan ok", 5, 5, a5Feb(6, 18))

		clk.Set(a5Feb(10, 0))
		r := a5MustDigest(t, g.Therapist, g.ID, sess)
		reasons := dgReasons(t, g.Therapist, g.ID, sess)
		for _, n := range []string{"Ann", "Ben", "Cara", "Dan"} {
			if len(reasons[n]) != 0 {
				t.Errorf("%s: attentionReasons %v, want none", n, reasons[n])
			}
		}
		if r.Num("node.digest.attentionCount") != 0 || r.Num("node.digest.reflectionCount") != 4 {
			t.Errorf("totals: %s", r.Raw)
		}
		a3NoLeak(t, "digest", r, "end my life")
		// The next session's digest has Dan's crisis.
		if got := dgReasons(t, g.Therapist, g.ID, nil)["Dan"]; !slices.Equal(got, []string{"CRISIS"}) {
			t.Errorf("next session: Dan %v, want CRISIS", got)
		}
	}, startingAt(a5Feb(1, 12)))
}

// TestAttack5NewMemberNotQuiet: a member who joined 3 days before the session and wrote
// nothing is not QUIET; one who joined 14 calendar days before (in Chicago) is, and 13 is
// not, however the hours fall.
func TestAttack5NewMemberNotQuiet(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		g := h.NewGroup()
		cara, dan, eve := h.Member("cara"), h.Member("dan"), h.Member("eve")
		g.Memberships[cara] = g.Join(cara, "Cara")
		g.Memberships[dan] = g.Join(dan, "Dan")
		g.Memberships[eve] = g.Join(eve, "Eve")
		ssSchedule(g.Therapist, g.ID, a5Feb(9, 0), 60)
		sess := ssSchedule(g.Therapist, g.ID, a5Feb(23, 0), 60) // 22 Feb 18:00 in Chicago
		// Ann and Ben write in the period, so only the three newcomers are in question.
		dgReflect(t, h, g, g.A, "GROUP", "MARKER a", 5, 5, a5Feb(20, 0))
		dgReflect(t, h, g, g.B, "GROUP", "MARKER b", 5, 5, a5Feb(21, 0))
		a5SetJoined(t, h, g.Memberships[g.A], a5Feb(1, 0))
		a5SetJoined(t, h, g.Memberships[g.B], a5Feb(1, 0))
		a5SetJoined(t, h, g.Memberships[cara], a5Feb(20, 0)) // 3 days
		a5SetJoined(t, h, g.Memberships[dan], a5Feb(9, 5))   // 8 Feb 23:00 in Chicago: 14 calendar days
		a5SetJoined(t, h, g.Memberships[eve], a5Feb(9, 7))   // 9 Feb 01:00 in Chicago: 13 calendar days
		clk.Set(a5Feb(23, 1))
		r := a5MustDigest(t, g.Therapist, g.ID, sess)
		ms := a5ByName(t, r)
		dgCheck(t, ms["Cara"], 0, nil, nil, nil, nil, nil, false)
		dgCheck(t, ms["Dan"], 0, nil, nil, nil, nil, nil, true)
		dgCheck(t, ms["Eve"], 0, nil, nil, nil, nil, nil, false)
		reasons := dgReasons(t, g.Therapist, g.ID, sess)
		if !slices.Equal(reasons["Dan"], []string{"QUIET"}) || len(reasons["Cara"]) != 0 || len(reasons["Eve"]) != 0 {
			t.Errorf("reasons %v", reasons)
		}
		if r.Num("node.digest.attentionCount") != 1 {
			t.Errorf("attentionCount %d, want 1 (Dan)", r.Num("node.digest.attentionCount"))
		}
		// Dan first (attention); then the quietest: Cara and Eve wrote nothing (Cara's
		// membership is the older), then Ann (last wrote 20 Feb) and Ben (21 Feb).
		if names := a5Names(t, r); !slices.Equal(names, []string{"Dan", "Cara", "Eve", "Ann", "Ben"}) {
			t.Errorf("order %v", names)
		}
	}, startingAt(a5Feb(1, 12)))
}

// TestAttack5RoundingAtTheThresholds: the rules use the numbers as shown (one decimal):
// a craving average of 6.95 shows 7.0 and is HIGH_CRAVING; 6.67 shows 6.7 and is not; a mood
// fall of exactly 3 and one of 2.98 (shown -3.0) are MOOD_DROP; 2.75 (-2.8) is not.
func TestAttack5RoundingAtTheThresholds(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		g := h.NewGroup()
		cara, dan := h.Member("cara"), h.Member("dan")
		g.Memberships[cara] = g.Join(cara, "Cara")
		g.Memberships[dan] = g.Join(dan, "Dan")
		ssSchedule(g.Therapist, g.ID, a5Feb(9, 0), 60)
		sess := ssSchedule(g.Therapist, g.ID, a5Feb(23, 0), 60)
		// The period is 9-23 Feb; the one before, 26 Jan - 9 Feb.
		prev := func(i int) time.Time { return ssUTC(2027, 1, 30, 12+i, 0) }
		// Ann: mood 1,2,2 (1.7) against 4,5,5 (4.7): -3.0; craving 7,7,6 (6.7) against 7: -0.3.
		for i, m := range []int{1, 2, 2} {
			dgReflect(t, h, g, g.A, "GROUP", fmt.Sprint("MARKER ann ", i), m, []int{7, 7, 6}[i], a5Feb(12+i, 12))
		}
		for i, m := range []int{4, 5, 5} {
			dgReflect(t, h, g, g.A, "GROUP", fmt.Sprint("MARKER ann before ", i), m, 7, prev(i))
		}
		// Ben: 20 reflections, craving nineteen 7s and a 6 (6.95, shown 7.0); mood 6 against 8.
		// The craving change, 6.95 - 7 = -0.05, rounds half away from zero: -0.1.
		for i := 0; i < 20; i++ {
			c := 7
			if i == 0 {
				c = 6
			}
			dgReflect(t, h, g, g.B, "FACILITATORS", fmt.Sprint("MARKER ben ", i), 6, c, a5Feb(10, i))
		}
		dgReflect(t, h, g, g.B, "GROUP", "MARKER ben before", 8, 7, prev(0))
		// Cara: mood 7 against 10, exactly 3.
		dgReflect(t, h, g, cara, "GROUP", "MARKER cara", 7, 0, a5Feb(20, 12))
		dgReflect(t, h, g, cara, "GROUP", "MARKER cara before", 10, 0, prev(0))
		// Dan: mood 4 against 7,7,7,6 (6.75): -2.75, shown -2.8.
		dgReflect(t, h, g, dan, "GROUP", "MARKER dan", 4, 6, a5Feb(21, 12))
		for i, m := range []int{7, 7, 7, 6} {
			dgReflect(t, h, g, dan, "GROUP", fmt.Sprint("MARKER dan before ", i), m, 6, prev(i))
		}

		clk.Set(a5Feb(23, 1))
		r := a5MustDigest(t, g.Therapist, g.ID, sess)
		ms := a5ByName(t, r)
		dgCheck(t, ms["Ann"], 3, fp(1.7), fp(6.7), fp(-3), fp(-0.3), ip(8), true)
		dgCheck(t, ms["Ben"], 20, fp(6), fp(7), fp(-2), fp(-0.1), ip(12), true)
		dgCheck(t, ms["Cara"], 1, fp(7), fp(0), fp(-3), fp(0), ip(2), true)
		dgCheck(t, ms["Dan"], 1, fp(4), fp(6), fp(-2.8), fp(0), ip(1), false)
		reasons := dgReasons(t, g.Therapist, g.ID, sess)
		for n, want := range map[string][]string{"Ann": {"MOOD_DROP"}, "Ben": {"HIGH_CRAVING"}, "Cara": {"MOOD_DROP"}, "Dan": nil} {
			if !slices.Equal(reasons[n], want) {
				t.Errorf("%s: reasons %v, want %v", n, reasons[n], want)
			}
		}
		if names := a5Names(t, r); !slices.Equal(names, []string{"Cara", "Ann", "Ben", "Dan"}) {
			t.Errorf("order %v, want Cara, Ann, Ben (attention, fewest first), Dan", names)
		}
		if r.Num("node.digest.reflectionCount") != 25 || r.Num("node.digest.attentionCount") != 3 {
			t.Errorf("totals: count %d attention %d", r.Num("node.digest.reflectionCount"), r.Num("node.digest.attentionCount"))
		}
		// -0 is never shown.
		if strings.Contains(r.Raw, "-0,") || strings.Contains(r.Raw, "-0}") {
			t.Errorf("a negative zero: %s", r.Raw)
		}
	}, startingAt(a5Feb(1, 12)))
}

// TestAttack5ReadAccounting: every reflection the digest shows is one read by the
// facilitator in its author's accounting, every time the digest is asked for; reflections
// of the period before (used only for the changes) and PRIVATE ones are not; a refused
// digest (a member, a demoted therapist, another group's therapist through nodes) adds
// nothing.
func TestAttack5ReadAccounting(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		g := h.NewGroup()
		ssSchedule(g.Therapist, g.ID, a5Feb(2, 0), 60)
		sess := ssSchedule(g.Therapist, g.ID, a5Feb(9, 0), 60)
		before := dgReflect(t, h, g, g.A, "GROUP", "MARKER before", 5, 5, a5Feb(1, 18))
		f := dgReflect(t, h, g, g.A, "FACILITATORS", "MARKER facilitators", 5, 5, a5Feb(3, 18))
		gr := dgReflect(t, h, g, g.A, "GROUP", "MARKER group", 5, 5, a5Feb(4, 18))
		dgReflect(t, h, g, g.A, "PRIVATE", "MARKER private", 5, 5, a5Feb(5, 18))
		_ = before
		clk.Set(a5Feb(9, 1))

		// Refused first.
		if r := a5Digest(g.B, g.ID, sess); r.Code() != "FORBIDDEN" {
			t.Errorf("member: %s", r.Raw)
		}
		if r := a5Digest(ssDemote(t, h, g.Therapist), g.ID, sess); r.Code() != "FORBIDDEN" {
			t.Errorf("demoted therapist: %s", r.Raw)
		}
		r := g.Stranger.Raw(`query S($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on Group { id
		  digest { reflectionCount members { reflections { id body mood } } } } } }`, "S", map[string]any{"ids": []string{g.ID}})
		// Nothing: nodes comes back null (or [null]), as for any node one cannot see.
		if r.Get("nodes.0") != nil {
			t.Errorf("another group's therapist through nodes: %s", r.Raw)
		}
		a3NoLeak(t, "stranger", r, "MARKER")
		if got := a5Reads(t, g.A); len(got) != 0 {
			t.Fatalf("reads after refused digests: %v", got)
		}

		want := []string{f + "/Dr. T/FACILITATOR", gr + "/Dr. T/FACILITATOR"}
		sort.Strings(want)
		a5MustDigest(t, g.Therapist, g.ID, sess)
		if got := a5Reads(t, g.A); !slices.Equal(got, want) {
			t.Errorf("after one digest: %v, want %v", got, want)
		}
		// A digest that selects only numbers still uses the reflections' content (mood and
		// craving): it is a read too. Asked for a second time: the reads are recorded again.
		g.Therapist.MustRaw(`query N($g: ID!, $s: ID) { node(id: $g) { ... on Group { digest(sessionID: $s) {
		  members { averageMood } } } } }`, "N", map[string]any{"g": g.ID, "s": sess})
		got := a5Reads(t, g.A)
		if len(got) != 4 || !slices.Equal(slices.Compact(slices.Clone(got)), want) {
			t.Errorf("after two digests: %v, want each of %v twice", got, want)
		}
	}, startingAt(a5Feb(1, 12)))
}

// TestAttack5CoMemberTherapist: a person with the therapist role who joined the group with
// its invite code is a MEMBER of it: listed in the digest like any member, refused the
// digest, and shown only what members see (not FACILITATORS reflections of others, not the
// crisis marks).
func TestAttack5CoMemberTherapist(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		cody := h.Therapist("cody")
		g.Memberships[cody] = g.Join(cody, "Cody")
		dgReflect(t, h, g, g.A, "FACILITATORS", "MARKER ann for facilitators", 5, 5, a5Feb(1, 8))
		dgReflect(t, h, g, g.A, "GROUP", "MARKER I want to end my life", 5, 5, a5Feb(1, 9))
		dgReflect(t, h, g, cody, "FACILITATORS", "MARKER cody for facilitators", 5, 5, a5Feb(1, 10))

		r := a5Digest(cody, g.ID, nil)
		if r.Code() != "FORBIDDEN" || r.Get("node.digest") != nil {
			t.Errorf("co-member therapist: want FORBIDDEN, got %s", r.Raw)
		}
		a3NoLeak(t, "co-member digest", r, "MARKER")
		got, totals, raws := a5Since(t, cody, g.ID, a5Feb(1, 0), 1)
		if !slices.Equal(got, []string{"MARKER I want to end my life/Ann", "MARKER cody for facilitators/Cody"}) || totals[0] != 2 {
			t.Errorf("co-member therapist sees %v (totalCount %v)", got, totals)
		}
		for _, raw := range raws {
			a3NoLeak(t, "co-member since", raw, "ann for facilitators")
			if strings.Contains(raw.Raw, `"needsAttention":true`) {
				t.Errorf("co-member therapist sees a crisis mark: %s", raw.Raw)
			}
		}
		r = a5MustDigest(t, g.Therapist, g.ID, nil)
		ms := a5ByName(t, r)
		if len(ms) != 3 {
			t.Errorf("members %v, want Ann, Ben and Cody", a5Names(t, r))
		}
		if c := ms["Cody"]; c.Count != 1 || !slices.Equal(c.Reflections, []string{"MARKER cody for facilitators"}) {
			t.Errorf("Cody in the digest: %+v", c)
		}
		if names := a5Names(t, r); names[0] != "Ann" {
			t.Errorf("Ann (crisis) should be first: %v", names)
		}
	}, startingAt(a5Feb(1, 12)))
}

// TestAttack5SecondFacilitatorWhoLeft: a second facilitator of the group gets the digest
// (and is not listed in it); once they have left they get no digest and no reflections,
// and nothing more is accounted in their name.
func TestAttack5SecondFacilitatorWhoLeft(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		second := g.Join(g.Stranger, "Dr. Second")
		if _, err := rawDB(t, h).Exec("UPDATE memberships SET role = 'FACILITATOR' WHERE id = $1", second); err != nil {
			t.Fatal(err)
		}
		f := dgReflect(t, h, g, g.A, "FACILITATORS", "MARKER for facilitators", 5, 5, a5Feb(1, 8))
		r := a5MustDigest(t, g.Stranger, g.ID, nil)
		names := a5Names(t, r)
		sort.Strings(names)
		if !slices.Equal(names, []string{"Ann", "Ben"}) || r.Num("node.digest.reflectionCount") != 1 {
			t.Errorf("second facilitator's digest: %s", r.Raw)
		}
		if got := a5Reads(t, g.A); !slices.Equal(got, []string{f + "/Dr. Second/FACILITATOR"}) {
			t.Errorf("reads: %v", got)
		}
		g.Stranger.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		r = a5Digest(g.Stranger, g.ID, nil)
		// A former member still sees the group's name (rule.GroupQueryMembersPastAndPresent);
		// the digest is refused.
		if r.Get("node.digest") != nil || (r.Get("node") != nil && r.Code() != "FORBIDDEN" && r.Code() != "NOT_FOUND") {
			t.Errorf("after leaving: %s", r.Raw)
		}
		a3NoLeak(t, "after leaving", r, "MARKER")
		r = g.Stranger.Op("GroupReflectionsSince", map[string]any{"groupID": g.ID, "since": ssAt(a5Feb(1, 0))})
		if r.Get("node.reflections.edges.0") != nil {
			t.Errorf("after leaving, GroupReflectionsSince: %s", r.Raw)
		}
		a3NoLeak(t, "after leaving", r, "MARKER")
		if got := a5Reads(t, g.A); len(got) != 1 {
			t.Errorf("reads after leaving: %v", got)
		}
	}, startingAt(a5Feb(1, 12)))
}

// TestAttack5MemberPathsToTheDigest: a member reaching the group through their own
// memberships, and an anonymous caller, get no digest.
func TestAttack5MemberPathsToTheDigest(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		g.Reflect(g.B, "FACILITATORS", "MARKER ben for facilitators")
		q := `query V { viewer { memberships { group { id digest { reflectionCount members { reflections { body } } } } } } }`
		r := g.A.Raw(q, "V", nil)
		if r.Code() != "FORBIDDEN" || r.Get("viewer.memberships.0.group.digest") != nil {
			t.Errorf("member through viewer.memberships: %s", r.Raw)
		}
		a3NoLeak(t, "member path", r, "MARKER")
		r = h.Anonymous().Op("GroupReflectionsSince", map[string]any{"groupID": g.ID, "since": "2020-01-01T00:00:00Z"})
		if r.Code() != "UNAUTHENTICATED" || r.Get("node") != nil {
			t.Errorf("anonymous GroupReflectionsSince: %s", r.Raw)
		}
		a3NoLeak(t, "anonymous", r, "MARKER")
	})
}

// TestAttack5SinceMemberView: a member paging one at a time through GroupReflectionsSince
// sees their own reflections (any visibility) and others' GROUP ones, never others'
// FACILITATORS or PRIVATE ones; totalCount counts only those; crisis marks are not shown to
// members, not even their own.
func TestAttack5SinceMemberView(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		since := ssUTC(2026, 1, 1, 0, 0)
		dgReflect(t, h, g, g.A, "FACILITATORS", "MARKER a facilitators", 5, 5, since.Add(1*time.Hour))
		dgReflect(t, h, g, g.A, "PRIVATE", "MARKER a private", 5, 5, since.Add(2*time.Hour))
		dgReflect(t, h, g, g.A, "GROUP", "MARKER I want to end my life", 5, 5, since.Add(3*time.Hour))
		dgReflect(t, h, g, g.B, "FACILITATORS", "MARKER b I want to die", 5, 5, since.Add(4*time.Hour))
		dgReflect(t, h, g, g.B, "GROUP", "MARKER b group", 5, 5, since.Add(5*time.Hour))
		dgReflect(t, h, g, g.Therapist, "GROUP", "MARKER therapist group", 5, 5, since.Add(6*time.Hour))

		got, totals, raws := a5Since(t, g.B, g.ID, since, 1)
		want := []string{"MARKER I want to end my life/Ann", "MARKER b I want to die/Ben", "MARKER b group/Ben", "MARKER therapist group/Dr. T"}
		if !slices.Equal(got, want) {
			t.Errorf("Ben sees %v, want %v", got, want)
		}
		if fmt.Sprint(totals) != "[4 4 4 4]" {
			t.Errorf("Ben's totalCount per page %v, want 4 each", totals)
		}
		for _, raw := range raws {
			a3NoLeak(t, "Ben's since", raw, "a facilitators", "a private")
			if strings.Contains(raw.Raw, `"needsAttention":true`) {
				t.Errorf("a member sees a crisis mark: %s", raw.Raw)
			}
		}
		got, _, _ = a5Since(t, g.Therapist, g.ID, since, 2)
		want = []string{"MARKER a facilitators/Ann", "MARKER I want to end my life/Ann", "MARKER b I want to die/Ben",
			"MARKER b group/Ben", "MARKER therapist group/Dr. T"}
		if !slices.Equal(got, want) {
			t.Errorf("facilitator sees %v, want %v", got, want)
		}
	})
}

// TestAttack5SincePagingTies: five reflections written at the same instant are paged
// through, two or one at a time, each exactly once, in order of id; the member's paging
// skips the facilitators-only ones among them without losing or repeating any.
func TestAttack5SincePagingTies(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		at := ssUTC(2026, 3, 3, 3, 3)
		dgReflect(t, h, g, g.A, "GROUP", "MARKER early", 5, 5, at.Add(-time.Second))
		var tied []string
		for i, c := range []*Client{g.A, g.B, g.A, g.B, g.A} {
			vis := "GROUP"
			if i == 1 || i == 2 {
				vis = "FACILITATORS"
			}
			tied = append(tied, dgReflect(t, h, g, c, vis, fmt.Sprint("MARKER tie ", i), 5, 5, at))
		}
		dgReflect(t, h, g, g.B, "GROUP", "MARKER late", 5, 5, at.Add(time.Second))
		name := map[*Client]string{g.A: "Ann", g.B: "Ben"}
		who := []*Client{g.A, g.B, g.A, g.B, g.A}
		all := []string{"MARKER early/Ann"}
		member := []string{"MARKER early/Ann"}
		for i := range tied {
			s := fmt.Sprintf("MARKER tie %d/%s", i, name[who[i]])
			all = append(all, s)
			if i != 1 && i != 2 {
				member = append(member, s)
			}
		}
		all = append(all, "MARKER late/Ben")
		member = append(member, "MARKER late/Ben")
		for _, first := range []int{1, 2, 3} {
			if got, totals, _ := a5Since(t, g.Therapist, g.ID, at.Add(-time.Hour), first); !slices.Equal(got, all) || totals[0] != 7 {
				t.Errorf("facilitator, first %d: %v (totalCount %v), want %v", first, got, totals, all)
			}
			// Ann sees her own FACILITATORS tie (2), not Ben's (1).
			wantAnn := slices.Clone(member)
			wantAnn = slices.Insert(wantAnn, 2, "MARKER tie 2/Ann")
			if got, totals, _ := a5Since(t, g.A, g.ID, at.Add(-time.Hour), first); !slices.Equal(got, wantAnn) || totals[0] != len(wantAnn) {
				t.Errorf("Ann, first %d: %v (totalCount %v), want %v", first, got, totals, wantAnn)
			}
		}
		// Since exactly the tied instant: the five and the late one.
		if got, _, _ := a5Since(t, g.Therapist, g.ID, at, 2); !slices.Equal(got, all[1:]) {
			t.Errorf("since the instant: %v", got)
		}
	})
}

// TestAttack5SinceFutureAndOffsets: since in the future gives nothing; since with a UTC
// offset means the same instant in UTC.
func TestAttack5SinceFutureAndOffsets(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		dgReflect(t, h, g, g.A, "GROUP", "MARKER just before", 5, 5, ssUTC(2026, 2, 8, 23, 30))
		dgReflect(t, h, g, g.A, "GROUP", "MARKER at", 5, 5, ssUTC(2026, 2, 9, 0, 0))
		dgReflect(t, h, g, g.B, "GROUP", "MARKER after", 5, 5, ssUTC(2026, 2, 9, 1, 0))
		r := g.Therapist.MustOp("GroupReflectionsSince", map[string]any{"groupID": g.ID, "since": "2099-01-01T00:00:00Z"})
		if r.Num("node.reflections.totalCount") != 0 || len(r.Get("node.reflections.edges").([]any)) != 0 ||
			r.Get("node.reflections.pageInfo.hasNextPage") != false {
			t.Errorf("since in the future: %s", r.Raw)
		}
		for _, since := range []string{"2026-02-09T02:00:00+02:00", "2026-02-08T18:00:00-06:00", "2026-02-09T00:00:00Z"} {
			r := g.Therapist.MustOp("GroupReflectionsSince", map[string]any{"groupID": g.ID, "since": since})
			var got []string
			for _, e := range r.Get("node.reflections.edges").([]any) {
				got = append(got, e.(map[string]any)["node"].(map[string]any)["body"].(string))
			}
			if !slices.Equal(got, []string{"MARKER at", "MARKER after"}) || r.Num("node.reflections.totalCount") != 2 {
				t.Errorf("since %s: %v", since, got)
			}
		}
	})
}

// TestAttack5DeletedAccountNotListed: a member who deleted their account is no longer in the
// digest, and nothing of theirs is counted or shown.
func TestAttack5DeletedAccountNotListed(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		g.Reflect(g.A, "FACILITATORS", "MARKER ann gone")
		g.Reflect(g.B, "GROUP", "MARKER ben stays")
		g.A.MustOp("DeleteAccount", map[string]any{"confirm": true})
		r := a5MustDigest(t, g.Therapist, g.ID, nil)
		if names := a5Names(t, r); !slices.Equal(names, []string{"Ben"}) || r.Num("node.digest.reflectionCount") != 1 {
			t.Errorf("after Ann deleted her account: %v %s", names, r.Raw)
		}
		a3NoLeak(t, "digest", r, "ann gone")
		got, _, _ := a5Since(t, g.Therapist, g.ID, ssUTC(2020, 1, 1, 0, 0), 10)
		if !slices.Equal(got, []string{"MARKER ben stays/Ben"}) {
			t.Errorf("GroupReflectionsSince after deletion: %v", got)
		}
	})
}

// TestAttack5TwoGroupsOneRequest: Dr. T facilitates the Tuesday group and is a plain member
// of Cody's group (Cody is a therapist). In one request, the Tuesday digest is served and
// Cody's group's is refused; only the Tuesday reflections are accounted as read; and crisis
// marks on reflections of both groups fetched together show only where Dr. T facilitates.
func TestAttack5TwoGroupsOneRequest(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		cody := h.Therapist("cody")
		cg := cody.MustOp("CreateGroup", map[string]any{"input": map[string]any{
			"name": "Wednesday Group", "timeZone": "UTC", "displayName": "Dr. C",
		}}).Str("createGroup.id")
		g2 := &Group{ID: cg, Therapist: cody, Memberships: map[*Client]string{}}
		g2.Code = cody.MustOp("CreateGroupInvite", map[string]any{"groupID": cg}).Str("createGroupInvite.code")
		g2.Consent(cody)
		g2.Join(g.Therapist, "Tee")
		g2.Join(g.A, "Ann W")
		inTue := g.Reflect(g.A, "GROUP", "MARKER tuesday I want to end my life")
		inWedF := g2.Reflect(g.A, "FACILITATORS", "MARKER wednesday facilitators")
		inWed := g2.Reflect(g.A, "GROUP", "MARKER wednesday I want to end my life")
		_ = inWedF

		r := g.Therapist.Raw(`query Two($a: ID!, $b: ID!) {
		  a: node(id: $a) { ... on Group { digest { reflectionCount members { membership { displayName } reflections { id body needsAttention } } } } }
		  b: node(id: $b) { ... on Group { digest { reflectionCount members { membership { displayName } reflections { id body needsAttention } } } } }
		}`, "Two", map[string]any{"a": g.ID, "b": cg})
		if r.Code() != "FORBIDDEN" || len(r.Errors) != 1 || r.Get("b.digest") != nil || r.Num("a.digest.reflectionCount") != 1 {
			t.Errorf("two digests in one request: %s", r.Raw)
		}
		a3NoLeak(t, "two digests", r, "wednesday")
		if got := a5Reads(t, g.A); !slices.Equal(got, []string{inTue + "/Dr. T/FACILITATOR"}) {
			t.Errorf("reads: %v", got)
		}
		// Crisis marks of both groups' reflections in one request: shown for Tuesday only.
		n := g.Therapist.MustRaw(`query N($ids: [ID!]!) { nodes(ids: $ids) { ... on Reflection { id needsAttention } } }`,
			"N", map[string]any{"ids": []string{inWed, inTue}})
		if n.Str("nodes.0.id") != inWed || n.Get("nodes.0.needsAttention") != false ||
			n.Str("nodes.1.id") != inTue || n.Get("nodes.1.needsAttention") != true {
			t.Errorf("crisis marks across groups: %s", n.Raw)
		}
		// And the other way round for Cody.
		n = cody.MustRaw(`query N($ids: [ID!]!) { nodes(ids: $ids) { ... on Reflection { id needsAttention } } }`,
			"N", map[string]any{"ids": []string{inWed}})
		if n.Get("nodes.0.needsAttention") != true {
			t.Errorf("Cody, facilitator of Wednesday: %s", n.Raw)
		}
		// Dr. T, a member in Wednesday, never reads Ann's FACILITATORS reflection there.
		got, _, _ := a5Since(t, g.Therapist, cg, ssUTC(2020, 1, 1, 0, 0), 10)
		if !slices.Equal(got, []string{"MARKER wednesday I want to end my life/Ann W"}) {
			t.Errorf("Dr. T in Wednesday sees %v", got)
		}
	})
}
