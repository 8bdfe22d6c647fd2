package server_test

// The therapist's digest (GroupDigest) and GroupReflectionsSince through the real handler:
// known averages, changes, attention and ordering; the period's edges around a cancelled
// session and across a daylight-saving change; the accounting of reads; the wrong people
// asking; and the statement count of a real-sized group.
//
// Reflections are written through the API and then dated in the database (created_at), so
// that the period a reflection falls in is known exactly; "now" is a fake clock.

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// dgReflect writes a reflection as c with the given numbers and dates it at.
func dgReflect(t *testing.T, h *H, g *Group, c *Client, visibility, body string, mood, craving int, at time.Time) string {
	t.Helper()
	r := c.MustOp("CreateReflection", map[string]any{"input": map[string]any{
		"clientID": uuid.NewString(), "groupID": g.ID, "body": body,
		"mood": mood, "craving": craving, "visibility": visibility,
	}})
	id := r.Str("createReflection.reflection.id")
	dgDate(t, h, id, at)
	return id
}

// dgDate sets when reflection id was written.
func dgDate(t *testing.T, h *H, id string, at time.Time) {
	t.Helper()
	if _, err := rawDB(t, h).ExecContext(context.Background(),
		"UPDATE reflections SET created_at = $1 WHERE id = $2", at.UTC(), id); err != nil {
		t.Fatal(err)
	}
}

// dgMember is a DigestMember as the GroupDigest operation selects it.
type dgMember struct {
	Name        string
	Count       int
	Mood        *float64
	Craving     *float64
	MoodChange  *float64
	CraveChange *float64
	Last        string
	Days        *int
	Attention   bool
	Reflections []string
}

// dgMembers decodes digest.members.
func dgMembers(t *testing.T, r *Resp) []dgMember {
	t.Helper()
	raw, _ := r.Get("node.digest.members").([]any)
	out := make([]dgMember, 0, len(raw))
	num := func(v any) *float64 {
		if f, ok := v.(float64); ok {
			return &f
		}
		return nil
	}
	for _, x := range raw {
		m := x.(map[string]any)
		d := dgMember{
			Name:        m["membership"].(map[string]any)["displayName"].(string),
			Count:       int(m["reflectionCount"].(float64)),
			Mood:        num(m["averageMood"]),
			Craving:     num(m["averageCraving"]),
			MoodChange:  num(m["moodChange"]),
			CraveChange: num(m["cravingChange"]),
			Attention:   m["needsAttention"].(bool),
		}
		if role := m["membership"].(map[string]any)["role"]; role != "MEMBER" {
			t.Errorf("%s is listed with role %v", d.Name, role)
		}
		if s, ok := m["lastReflectionAt"].(string); ok {
			d.Last = s
		}
		if f := num(m["daysSinceLastReflection"]); f != nil {
			n := int(*f)
			d.Days = &n
		}
		for _, rf := range m["reflections"].([]any) {
			d.Reflections = append(d.Reflections, rf.(map[string]any)["body"].(string))
		}
		out = append(out, d)
	}
	return out
}

// dgNear reports whether the instant s is want, give or take the seconds the fake clock
// moves on its own.
func dgNear(s string, want time.Time) bool {
	got, err := time.Parse(time.RFC3339Nano, s)
	return err == nil && !got.Before(want) && got.Sub(want) < 10*time.Second
}

func fp(f float64) *float64 { return &f }
func ip(n int) *int         { return &n }

// dgShow writes a number that may be null.
func dgShow[T int | float64](p *T) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

// dgCheck compares one member's numbers.
func dgCheck(t *testing.T, got dgMember, count int, mood, craving, moodChange, craveChange *float64, days *int, attention bool) {
	t.Helper()
	want := fmt.Sprintf("count=%d mood=%s craving=%s moodChange=%s cravingChange=%s days=%s attention=%v",
		count, dgShow(mood), dgShow(craving), dgShow(moodChange), dgShow(craveChange), dgShow(days), attention)
	have := fmt.Sprintf("count=%d mood=%s craving=%s moodChange=%s cravingChange=%s days=%s attention=%v",
		got.Count, dgShow(got.Mood), dgShow(got.Craving), dgShow(got.MoodChange), dgShow(got.CraveChange), dgShow(got.Days), got.Attention)
	if want != have {
		t.Errorf("%s:\n got %s\nwant %s", got.Name, have, want)
	}
}

// dgReasons runs GroupDigest with attentionReasons added, by member name.
func dgReasons(t *testing.T, c *Client, groupID string, sessionID any) map[string][]string {
	t.Helper()
	r := c.MustRaw(`query R($g: ID!, $s: ID) { node(id: $g) { ... on Group { digest(sessionID: $s) {
	  members { membership { displayName } attentionReasons } } } } }`, "R", map[string]any{"g": groupID, "s": sessionID})
	out := map[string][]string{}
	for _, x := range r.Get("node.digest.members").([]any) {
		m := x.(map[string]any)
		var rs []string
		for _, s := range m["attentionReasons"].([]any) {
			rs = append(rs, s.(string))
		}
		out[m["membership"].(map[string]any)["displayName"].(string)] = rs
	}
	return out
}

// February 2027 in Chicago (standard time all month): the group meets Mondays at 18:00,
// which is 00:00Z on the Tuesday.
var (
	dgS1 = ssUTC(2027, 2, 2, 0, 0)
	dgS2 = ssUTC(2027, 2, 9, 0, 0)
	dgS3 = ssUTC(2027, 2, 16, 0, 0) // cancelled
	dgS4 = ssUTC(2027, 2, 23, 0, 0)
	dgS5 = ssUTC(2027, 3, 2, 0, 0)
)

// TestDigestKnownNumbers: a group of seven members with known reflections. The period of the
// session of 23 February runs from the session of 9 February (the one of 16 February was
// cancelled) to its start; the period before it is the 14 days before that. It checks every
// number, the order, the totals, the edges of the period, what is never shown (PRIVATE,
// deleted, the facilitator's own), and the accounting of reads.
func TestDigestKnownNumbers(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		g := h.NewGroup()
		cara, dan, eve, fay, gil := h.Member("cara"), h.Member("dan"), h.Member("eve"), h.Member("fay"), h.Member("gil")
		for c, name := range map[*Client]string{cara: "Cara", dan: "Dan", eve: "Eve", fay: "Fay", gil: "Gil"} {
			g.Memberships[c] = g.Join(c, name)
		}
		var sess []string
		for _, at := range []time.Time{dgS1, dgS2, dgS3, dgS4, dgS5} {
			sess = append(sess, ssSchedule(g.Therapist, g.ID, at, 90))
		}
		g.Therapist.MustOp("CancelSession", map[string]any{"id": sess[2]})
		day := 24 * time.Hour

		// Ann: this period mood 3,4,5 (4.0) craving 8,7,6 (7.0); before, mood 8,7 (7.5),
		// craving 2,4 (3.0): craving high, mood fell by 3.5.
		dgReflect(t, h, g, g.A, "GROUP", "ann 1", 3, 8, dgS2) // exactly at the period's start: in it
		dgReflect(t, h, g, g.A, "FACILITATORS", "ann 2", 4, 7, dgS3.Add(30*time.Minute))
		dgReflect(t, h, g, g.A, "GROUP", "ann 3", 5, 6, dgS4.Add(-time.Second))
		dgReflect(t, h, g, g.A, "GROUP", "ann at the session", 1, 10, dgS4) // the next period
		dgReflect(t, h, g, g.A, "GROUP", "ann before 1", 8, 2, dgS2.Add(-time.Second))
		dgReflect(t, h, g, g.A, "GROUP", "ann before 2", 7, 4, dgS2.Add(-14*day)) // first instant of the period before
		dgReflect(t, h, g, g.A, "GROUP", "ann long ago", 1, 10, dgS2.Add(-14*day-time.Second))
		// Ben: mood 6,7 (6.5) craving 2,3 (2.5); before, mood 6 craving 3. A PRIVATE and a
		// deleted reflection are not counted, shown or used.
		dgReflect(t, h, g, g.B, "FACILITATORS", "ben 1", 6, 2, dgS2.Add(2*day))
		dgReflect(t, h, g, g.B, "GROUP", "ben 2", 7, 3, dgS2.Add(3*day))
		dgReflect(t, h, g, g.B, "PRIVATE", "ben private", 1, 10, dgS2.Add(4*day))
		gone := dgReflect(t, h, g, g.B, "GROUP", "ben deleted", 1, 10, dgS2.Add(5*day))
		g.B.MustOp("DeleteReflection", map[string]any{"id": gone})
		dgReflect(t, h, g, g.B, "GROUP", "ben before", 6, 3, dgS1)
		// Cara: one reflection with crisis language.
		dgReflect(t, h, g, cara, "FACILITATORS", "Some nights I just want to end my life.", 5, 5, dgS2.Add(6*day))
		// Dan: nothing, ever. Eve: one reflection 10 days before the session.
		dgReflect(t, h, g, eve, "GROUP", "eve 1", 6, 1, dgS4.Add(-10*day))
		// Fay: only in the period before, 20 days before the session; and one PRIVATE since.
		dgReflect(t, h, g, fay, "GROUP", "fay before", 5, 5, dgS4.Add(-20*day))
		dgReflect(t, h, g, fay, "PRIVATE", "fay private", 5, 5, dgS4.Add(-day))
		// Gil: last shared before both periods (20 January), then only PRIVATE or deleted.
		dgReflect(t, h, g, gil, "GROUP", "gil older", 5, 5, dgS2.Add(-30*day))
		dgReflect(t, h, g, gil, "FACILITATORS", "gil last", 5, 5, dgS2.Add(-20*day))
		dgReflect(t, h, g, gil, "PRIVATE", "gil private", 5, 5, dgS2.Add(-19*day))
		gone = dgReflect(t, h, g, gil, "GROUP", "gil deleted", 5, 5, dgS2.Add(-18*day))
		gil.MustOp("DeleteReflection", map[string]any{"id": gone})
		// The facilitator's own reflection is not a member's.
		dgReflect(t, h, g, g.Therapist, "GROUP", "therapist", 5, 5, dgS2.Add(day))

		clk.Set(dgS4.Add(time.Hour)) // the session of the 23rd is under way (90 minutes)
		// Opened during the session, the default is that session's digest.
		if r := g.Therapist.MustOp("GroupDigest", map[string]any{"groupID": g.ID}); r.Str("node.digest.session.id") != sess[3] {
			t.Errorf("during the session the default digest is for %s, want %s", r.Str("node.digest.session.id"), sess[3])
		}
		r := g.Therapist.MustOp("GroupDigest", map[string]any{"groupID": g.ID, "sessionID": sess[3]})
		if r.Str("node.digest.periodStart") != "2027-02-09T00:00:00Z" || r.Str("node.digest.periodEnd") != "2027-02-23T00:00:00Z" ||
			r.Str("node.digest.session.id") != sess[3] || r.Str("node.digest.session.startsAt") != "2027-02-23T00:00:00Z" {
			t.Fatalf("period: %s", r.Raw)
		}
		if n := r.Num("node.digest.reflectionCount"); n != 7 {
			t.Errorf("reflectionCount %d, want 7 (Ann 3, Ben 2, Cara 1, Eve 1)", n)
		}
		if n := r.Num("node.digest.attentionCount"); n != 5 {
			t.Errorf("attentionCount %d, want 5 (Cara, Dan, Gil, Fay, Ann)", n)
		}
		ms := dgMembers(t, r)
		var names []string
		for _, m := range ms {
			names = append(names, m.Name)
		}
		// Crisis first; then the others who need attention, quietest first (Dan never wrote,
		// Gil not for 34 days, Fay not for 20, Ann wrote 3); then the rest, quietest first.
		if want := []string{"Cara", "Dan", "Gil", "Fay", "Ann", "Eve", "Ben"}; !slices.Equal(names, want) {
			t.Fatalf("order %v, want %v", names, want)
		}
		byName := map[string]dgMember{}
		for _, m := range ms {
			byName[m.Name] = m
		}
		dgCheck(t, byName["Ann"], 3, fp(4), fp(7), fp(-3.5), fp(4), ip(0), true)
		dgCheck(t, byName["Ben"], 2, fp(6.5), fp(2.5), fp(0.5), fp(-0.5), ip(11), false)
		dgCheck(t, byName["Cara"], 1, fp(5), fp(5), nil, nil, ip(8), true)
		dgCheck(t, byName["Dan"], 0, nil, nil, nil, nil, nil, true)
		dgCheck(t, byName["Eve"], 1, fp(6), fp(1), nil, nil, ip(10), false)
		dgCheck(t, byName["Fay"], 0, nil, nil, nil, nil, ip(20), true)
		dgCheck(t, byName["Gil"], 0, nil, nil, nil, nil, ip(34), true)
		if got := byName["Ann"].Reflections; !slices.Equal(got, []string{"ann 1", "ann 2", "ann 3"}) {
			t.Errorf("Ann's reflections %v, want the three of the period, oldest first", got)
		}
		if got := byName["Ben"].Reflections; !slices.Equal(got, []string{"ben 1", "ben 2"}) {
			t.Errorf("Ben's reflections %v: PRIVATE and deleted ones must not be shown", got)
		}
		if byName["Ann"].Last != "2027-02-22T23:59:59Z" || byName["Dan"].Last != "" || byName["Fay"].Last != "2027-02-03T00:00:00Z" ||
			byName["Gil"].Last != "2027-01-20T00:00:00Z" {
			t.Errorf("lastReflectionAt: Ann %q Dan %q Fay %q Gil %q", byName["Ann"].Last, byName["Dan"].Last, byName["Fay"].Last, byName["Gil"].Last)
		}
		reasons := dgReasons(t, g.Therapist, g.ID, sess[3])
		for name, want := range map[string][]string{
			"Ann": {"HIGH_CRAVING", "MOOD_DROP"}, "Cara": {"CRISIS"}, "Dan": {"QUIET"}, "Fay": {"QUIET"}, "Gil": {"QUIET"}, "Ben": nil, "Eve": nil,
		} {
			if !slices.Equal(reasons[name], want) {
				t.Errorf("%s: attentionReasons %v, want %v", name, reasons[name], want)
			}
		}
		// Cara's reflection is marked for the facilitator.
		raw, _ := r.Get("node.digest.members.0.reflections.0.needsAttention").(bool)
		if !raw {
			t.Errorf("Cara's crisis reflection is not marked: %s", r.Raw)
		}

		// Every reflection shown is a read in its author's accounting; nothing else is.
		var reads int
		if err := rawDB(t, h).QueryRow(`SELECT count(DISTINCT reflection_id) FROM reflection_reads WHERE reader_id = $1`,
			g.Memberships[g.Therapist]).Scan(&reads); err != nil {
			t.Fatal(err)
		}
		if reads != 7 {
			t.Errorf("%d reflections accounted as read by the facilitator, want the 7 shown", reads)
		}

		// The default is the next session (2 March): its period starts at the session of the
		// 23rd, and ends now, which is earlier than the session.
		clk.Set(dgS4.Add(2 * day))
		r = g.Therapist.MustOp("GroupDigest", map[string]any{"groupID": g.ID})
		if r.Str("node.digest.session.id") != sess[4] || r.Str("node.digest.periodStart") != "2027-02-23T00:00:00Z" ||
			!dgNear(r.Str("node.digest.periodEnd"), dgS4.Add(2*day)) || r.Num("node.digest.reflectionCount") != 1 {
			t.Errorf("next session's digest: %s", r.Raw)
		}
		// The cancelled session's own digest runs from the session before it (2 to 16 Feb).
		r = g.Therapist.MustOp("GroupDigest", map[string]any{"groupID": g.ID, "sessionID": sess[2]})
		if r.Str("node.digest.periodStart") != "2027-02-09T00:00:00Z" || r.Str("node.digest.periodEnd") != "2027-02-16T00:00:00Z" {
			t.Errorf("cancelled session's digest: %s", r.Raw)
		}
		// The first session's period starts when the group was created.
		r = g.Therapist.MustOp("GroupDigest", map[string]any{"groupID": g.ID, "sessionID": sess[0]})
		if start, _ := time.Parse(time.RFC3339Nano, r.Str("node.digest.periodStart")); start.After(time.Now()) || start.Before(time.Now().Add(-time.Hour)) {
			t.Errorf("first session's period starts at %s, want the group's creation (today)", r.Str("node.digest.periodStart"))
		}
	}, startingAt(ssUTC(2027, 2, 1, 12, 0)))
}

// TestDigestDaylightSavingWeek: the week in which Chicago moves to daylight time. The period
// runs from Tuesday 9 March 18:00 CST (00:00Z) to Tuesday 16 March 18:00 CDT (23:00Z), six
// days and 23 hours; the period before has the same length. Days since are calendar days in
// Chicago, not 24-hour blocks.
func TestDigestDaylightSavingWeek(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		g := h.NewGroup()
		before := ssSchedule(g.Therapist, g.ID, ssUTC(2027, 3, 10, 0, 0), 90)
		sess := ssSchedule(g.Therapist, g.ID, ssUTC(2027, 3, 16, 23, 0), 90)
		_ = before
		// Ann: in the period at 17:30 CDT just before the session, and at 18:00 (the start:
		// not in it). In the period before: its first hour (01:00Z on 3 March) and one before.
		dgReflect(t, h, g, g.A, "GROUP", "ann last minute", 4, 2, ssUTC(2027, 3, 16, 22, 30))
		dgReflect(t, h, g, g.A, "GROUP", "ann at start", 1, 9, ssUTC(2027, 3, 16, 23, 0))
		dgReflect(t, h, g, g.A, "GROUP", "ann before", 8, 2, ssUTC(2027, 3, 3, 1, 0))
		dgReflect(t, h, g, g.A, "GROUP", "ann too early", 1, 10, ssUTC(2027, 3, 3, 0, 59))
		// Ben: last wrote on Tuesday 2 March at 23:30 CST (05:30Z on the 3rd): 14 calendar
		// days before the session, although 13 days and 17.5 hours.
		dgReflect(t, h, g, g.B, "GROUP", "ben", 5, 5, ssUTC(2027, 3, 3, 5, 30))

		clk.Set(ssUTC(2027, 3, 17, 0, 0))
		r := g.Therapist.MustOp("GroupDigest", map[string]any{"groupID": g.ID, "sessionID": sess})
		if r.Str("node.digest.periodStart") != "2027-03-10T00:00:00Z" || r.Str("node.digest.periodEnd") != "2027-03-16T23:00:00Z" {
			t.Fatalf("period: %s", r.Raw)
		}
		ms := dgMembers(t, r)
		if len(ms) != 2 || ms[0].Name != "Ben" || ms[1].Name != "Ann" {
			t.Fatalf("members %+v, want Ben (quiet for 14 days) then Ann", ms)
		}
		dgCheck(t, ms[0], 0, nil, nil, nil, nil, ip(14), true)
		dgCheck(t, ms[1], 1, fp(4), fp(2), fp(-4), fp(0), ip(0), true)
		if !slices.Equal(ms[1].Reflections, []string{"ann last minute"}) {
			t.Errorf("Ann's reflections %v", ms[1].Reflections)
		}

		// One hour later Ben's last reflection is 13 days before (16 March 23:30 CDT is
		// still the 16th): moving the reflection later by an hour makes him not quiet.
		dgDate(t, h, ms[0].reflectionID(t, g, h), ssUTC(2027, 3, 3, 6, 30)) // 00:30 CST on the 3rd
		r = g.Therapist.MustOp("GroupDigest", map[string]any{"groupID": g.ID, "sessionID": sess})
		ms = dgMembers(t, r)
		if ms[1].Name != "Ben" {
			t.Fatalf("Ben should no longer be first: %+v", ms)
		}
		dgCheck(t, ms[1], 0, nil, nil, nil, nil, ip(13), false)
	}, startingAt(ssUTC(2027, 3, 1, 12, 0)))
}

// reflectionID is the id of the only reflection of member m in g (through the facilitator).
func (m dgMember) reflectionID(t *testing.T, g *Group, h *H) string {
	t.Helper()
	var id int
	if err := rawDB(t, h).QueryRow(`SELECT r.id FROM reflections r JOIN memberships m ON m.id = r.author_id
	  WHERE m.display_name = $1 AND r.group_id = $2`, m.Name, g.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return strconv.Itoa(id)
}

// TestDigestWrongPeople: only the group's current facilitators get a digest. A member gets
// FORBIDDEN, people outside the group see no group, a demoted therapist is refused, and a
// session of another group is not found.
func TestDigestWrongPeople(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		dgReflect(t, h, g, g.A, "FACILITATORS", "ann facilitators only", 3, 8, ssUTC(2027, 2, 1, 11, 0))
		dgReflect(t, h, g, g.B, "GROUP", "ben group", 3, 8, ssUTC(2027, 2, 1, 11, 0))
		vars := map[string]any{"groupID": g.ID}
		for name, c := range map[string]*Client{"member": g.A, "the other member": g.B} {
			r := c.Op("GroupDigest", vars)
			if r.Code() != "FORBIDDEN" || r.Get("node.digest") != nil {
				t.Errorf("%s: want FORBIDDEN and no digest, got %s", name, r.Raw)
			}
			a3NoLeak(t, name, r, "ann facilitators only", "ben group")
		}
		for name, c := range map[string]*Client{"outsider": g.Outsider, "therapist of another group": g.Stranger} {
			r := c.Op("GroupDigest", vars)
			if r.Get("node") != nil {
				t.Errorf("%s: sees the group: %s", name, r.Raw)
			}
			a3NoLeak(t, name, r, "ann facilitators only", "ben group")
		}
		demoted := ssDemote(t, h, g.Therapist)
		if r := demoted.Op("GroupDigest", vars); r.Code() != "FORBIDDEN" || r.Get("node.digest") != nil {
			t.Errorf("demoted therapist: want FORBIDDEN, got %s", r.Raw)
		}
		if r := h.Anonymous().Op("GroupDigest", vars); r.Code() != "UNAUTHENTICATED" {
			t.Errorf("anonymous: %s", r.Raw)
		}
		// A session of the stranger's group.
		other := g.Stranger.MustOp("CreateGroup", map[string]any{"input": map[string]any{
			"name": "Third Group", "timeZone": "UTC", "displayName": "Dr. S",
		}}).Str("createGroup.id")
		theirs := ssSchedule(g.Stranger, other, ssUTC(2027, 2, 3, 0, 0), 60)
		r := g.Therapist.Op("GroupDigest", map[string]any{"groupID": g.ID, "sessionID": theirs})
		if r.Code() != "NOT_FOUND" || r.Get("node.digest") != nil {
			t.Errorf("another group's session: want NOT_FOUND, got %s", r.Raw)
		}
		// Nothing was accounted as read by those who were refused.
		var reads int
		if err := rawDB(t, h).QueryRow(`SELECT count(*) FROM reflection_reads`).Scan(&reads); err != nil {
			t.Fatal(err)
		}
		if reads != 0 {
			t.Errorf("%d reads accounted after refused digests", reads)
		}
		// The facilitator gets it; the group has no session, so the period runs to now.
		r = g.Therapist.MustOp("GroupDigest", vars)
		if r.Get("node.digest.session") != nil || !dgNear(r.Str("node.digest.periodEnd"), ssUTC(2027, 2, 1, 12, 0)) ||
			r.Num("node.digest.reflectionCount") != 2 {
			t.Errorf("facilitator: %s", r.Raw)
		}
	}, startingAt(ssUTC(2027, 2, 1, 12, 0)))
}

// dgBigGroup gives g members in all (A and B, and more) and each reflections per member,
// a third of them FACILITATORS, the rest GROUP.
func dgBigGroup(t testing.TB, h *H, g *Group, members, each int) {
	all := []*Client{g.A, g.B}
	for i := len(all); i < members; i++ {
		c := h.Member(fmt.Sprint("m", i))
		g.Join(c, fmt.Sprint("Member ", i))
		all = append(all, c)
	}
	// Each member writes from a phone of their own: at once.
	var wg sync.WaitGroup
	for i, c := range all {
		wg.Go(func() {
			for j := 0; j < each; j++ {
				vis := "GROUP"
				if j%3 == 0 {
					vis = "FACILITATORS"
				}
				r := c.Op("CreateReflection", map[string]any{"input": map[string]any{
					"clientID": uuid.NewString(), "groupID": g.ID, "body": fmt.Sprintf("entry %d of %d", j, i),
					"mood": 1 + (i+j)%10, "craving": (i * j) % 11, "visibility": vis,
				}})
				if len(r.Errors) > 0 {
					t.Errorf("CreateReflection: %s", r.Raw)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
}

// TestDigestStatementsDoNotGrow: the digest and GroupReflectionsSince issue as many SQL
// statements for 15 members with 300 reflections as for 3 members with 3.
func TestDigestStatementsDoNotGrow(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		count := func(members, each int) (digest, since int) {
			g := h.NewGroup()
			dgBigGroup(t, h, g, members, each)
			r := g.Therapist.MustOp("GroupDigest", map[string]any{"groupID": g.ID})
			if n := r.Num("node.digest.reflectionCount"); n != members*each {
				t.Fatalf("digest counts %d reflections, want %d", n, members*each)
			}
			if n := len(r.Get("node.digest.members").([]any)); n != members {
				t.Fatalf("digest lists %d members, want %d", n, members)
			}
			digest = h.Statements(func() { g.Therapist.MustOp("GroupDigest", map[string]any{"groupID": g.ID}) })
			vars := map[string]any{"groupID": g.ID, "since": "2020-01-01T00:00:00Z", "first": 50}
			r = g.Therapist.MustOp("GroupReflectionsSince", vars)
			if r.Num("node.reflections.totalCount") != members*each {
				t.Fatalf("GroupReflectionsSince: %d", r.Num("node.reflections.totalCount"))
			}
			since = h.Statements(func() { g.Therapist.MustOp("GroupReflectionsSince", vars) })
			return digest, since
		}
		d1, s1 := count(3, 1)
		d2, s2 := count(15, 20)
		t.Logf("statements: digest %d (3x1) and %d (15x20); GroupReflectionsSince %d and %d", d1, d2, s1, s2)
		if d1 != d2 || s1 != s2 {
			t.Errorf("statements grow: digest %d -> %d, GroupReflectionsSince %d -> %d", d1, d2, s1, s2)
		}
		if d2 > 20 || s2 > 12 {
			t.Errorf("too many statements: digest %d, GroupReflectionsSince %d", d2, s2)
		}
	})
}

// TestGroupReflectionsSince: the facilitator pages through what was shared since a time,
// oldest first, with authors; never PRIVATE; a member sees only what they may read.
func TestGroupReflectionsSince(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		since := time.Now().UTC().Add(-24 * time.Hour)
		dgReflect(t, h, g, g.A, "GROUP", "too old", 5, 5, since.Add(-time.Minute))
		dgReflect(t, h, g, g.A, "GROUP", "a1", 5, 5, since)
		dgReflect(t, h, g, g.B, "FACILITATORS", "b1", 5, 5, since.Add(time.Hour))
		dgReflect(t, h, g, g.A, "PRIVATE", "a private", 5, 5, since.Add(2*time.Hour))
		dgReflect(t, h, g, g.B, "GROUP", "b2", 5, 5, since.Add(3*time.Hour))
		page := func(c *Client, after any) *Resp {
			return c.MustOp("GroupReflectionsSince", map[string]any{"groupID": g.ID, "since": ssAt(since), "first": 2, "after": after})
		}
		bodies := func(r *Resp) (out []string) {
			for _, e := range r.Get("node.reflections.edges").([]any) {
				n := e.(map[string]any)["node"].(map[string]any)
				out = append(out, n["body"].(string)+"/"+n["author"].(map[string]any)["displayName"].(string))
			}
			return out
		}
		r := page(g.Therapist, nil)
		if got := bodies(r); !slices.Equal(got, []string{"a1/Ann", "b1/Ben"}) || r.Num("node.reflections.totalCount") != 3 ||
			r.Get("node.reflections.pageInfo.hasNextPage") != true {
			t.Fatalf("first page %v: %s", got, r.Raw)
		}
		r = page(g.Therapist, r.Str("node.reflections.pageInfo.endCursor"))
		if got := bodies(r); !slices.Equal(got, []string{"b2/Ben"}) || r.Get("node.reflections.pageInfo.hasNextPage") != false {
			t.Fatalf("second page %v: %s", got, r.Raw)
		}
		// Ann reads her own and Ben's GROUP reflection, not his FACILITATORS one.
		r = g.A.MustOp("GroupReflectionsSince", map[string]any{"groupID": g.ID, "since": ssAt(since)})
		if got := bodies(r); !slices.Equal(got, []string{"a1/Ann", "a private/Ann", "b2/Ben"}) {
			t.Errorf("Ann sees %v", got)
		}
		r = g.Outsider.Op("GroupReflectionsSince", map[string]any{"groupID": g.ID, "since": ssAt(since)})
		if r.Get("node") != nil {
			t.Errorf("outsider: %s", r.Raw)
		}
	})
}

// TestDigestOnlyCurrentMembersOfThisGroup: a therapist who leads two groups gets each
// group's own members and reflections; a member who left or was removed is no longer listed
// and their reflections are not counted; a member in both groups is counted in each group
// with that group's reflections only.
func TestDigestOnlyCurrentMembersOfThisGroup(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		cara := h.Member("cara")
		g.Memberships[cara] = g.Join(cara, "Cara")
		// The same therapist's second group, with Ann in it too.
		other := g.Therapist.MustOp("CreateGroup", map[string]any{"input": map[string]any{
			"name": "Thursday Group", "timeZone": "America/Chicago", "displayName": "Dr. T",
		}}).Str("createGroup.id")
		g2 := &Group{ID: other, Therapist: g.Therapist, Memberships: map[*Client]string{}}
		g2.Code = g.Therapist.MustOp("CreateGroupInvite", map[string]any{"groupID": other}).Str("createGroupInvite.code")
		g2.Join(g.A, "Ann T")
		g.Reflect(g.A, "GROUP", "ann in tuesday")
		g2.Reflect(g.A, "GROUP", "ann in thursday 1")
		g2.Reflect(g.A, "FACILITATORS", "ann in thursday 2")
		g.Reflect(g.B, "GROUP", "ben before leaving")
		g.Reflect(cara, "GROUP", "cara before removal")
		g.B.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		g.Therapist.MustOp("RemoveMember", map[string]any{"membershipID": g.Memberships[cara]})

		r := g.Therapist.MustOp("GroupDigest", map[string]any{"groupID": g.ID})
		ms := dgMembers(t, r)
		if len(ms) != 1 || ms[0].Name != "Ann" || !slices.Equal(ms[0].Reflections, []string{"ann in tuesday"}) ||
			r.Num("node.digest.reflectionCount") != 1 {
			t.Errorf("Tuesday digest: %s", r.Raw)
		}
		a3NoLeak(t, "Tuesday digest", r, "thursday", "ben before leaving", "cara before removal")
		r = g.Therapist.MustOp("GroupDigest", map[string]any{"groupID": other})
		ms = dgMembers(t, r)
		if len(ms) != 1 || ms[0].Name != "Ann T" || !slices.Equal(ms[0].Reflections, []string{"ann in thursday 1", "ann in thursday 2"}) {
			t.Errorf("Thursday digest: %s", r.Raw)
		}
		a3NoLeak(t, "Thursday digest", r, "ann in tuesday")
	})
}
