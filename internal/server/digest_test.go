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
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// reflectAt writes a reflection as c with the given numbers and dates it at.
func reflectAt(t *testing.T, h *H, g *Group, c *Client, visibility, body string, mood, craving int, at time.Time) string {
	t.Helper()
	r := c.MustOp("CreateReflection", map[string]any{"input": map[string]any{
		"clientID": uuid.NewString(), "groupID": g.ID, "body": body,
		"mood": mood, "craving": craving, "visibility": visibility,
	}})
	id := r.Str("createReflection.reflection.id")
	setWrittenAt(t, h, id, at)
	return id
}

// setWrittenAt sets when reflection id was written.
func setWrittenAt(t *testing.T, h *H, id string, at time.Time) {
	t.Helper()
	if _, err := rawDB(t, h).ExecContext(context.Background(),
		"UPDATE reflections SET created_at = $1 WHERE id = $2", at.UTC(), id); err != nil {
		t.Fatal(err)
	}
}

// digestMember is a DigestMember as the GroupDigest operation selects it.
type digestMember struct {
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

// digestMembers decodes digest.members.
func digestMembers(t *testing.T, r *Resp) []digestMember {
	t.Helper()
	raw, _ := r.Get("node.digest.members").([]any)
	out := make([]digestMember, 0, len(raw))
	num := func(v any) *float64 {
		if f, ok := v.(float64); ok {
			return &f
		}
		return nil
	}
	for _, x := range raw {
		m := x.(map[string]any)
		d := digestMember{
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

// nearTime reports whether the instant s is want, give or take the seconds the fake clock
// moves on its own.
func nearTime(s string, want time.Time) bool {
	got, err := time.Parse(time.RFC3339Nano, s)
	return err == nil && !got.Before(want) && got.Sub(want) < 10*time.Second
}

func fp(f float64) *float64 { return &f }
func ip(n int) *int         { return &n }

// showNumber writes a number that may be null.
func showNumber[T int | float64](p *T) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

// checkDigestMember compares one member's numbers.
func checkDigestMember(t *testing.T, got digestMember, count int, mood, craving, moodChange, craveChange *float64, days *int, attention bool) {
	t.Helper()
	want := fmt.Sprintf("count=%d mood=%s craving=%s moodChange=%s cravingChange=%s days=%s attention=%v",
		count, showNumber(mood), showNumber(craving), showNumber(moodChange), showNumber(craveChange), showNumber(days), attention)
	have := fmt.Sprintf("count=%d mood=%s craving=%s moodChange=%s cravingChange=%s days=%s attention=%v",
		got.Count, showNumber(got.Mood), showNumber(got.Craving), showNumber(got.MoodChange), showNumber(got.CraveChange), showNumber(got.Days), got.Attention)
	if want != have {
		t.Errorf("%s:\n got %s\nwant %s", got.Name, have, want)
	}
}

// attentionReasons runs GroupDigest with attentionReasons added, by member name.
func attentionReasons(t *testing.T, c *Client, groupID string, sessionID any) map[string][]string {
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
	febS1 = utc(2027, 2, 2, 0, 0)
	febS2 = utc(2027, 2, 9, 0, 0)
	febS3 = utc(2027, 2, 16, 0, 0) // cancelled
	febS4 = utc(2027, 2, 23, 0, 0)
	febS5 = utc(2027, 3, 2, 0, 0)
)

// foundedGroup is h.NewGroup, dated (created_at) 60 days before the clock's reading: a group
// with a history, older than every reflection the tests date.
func foundedGroup(t *testing.T, h *H) *Group {
	t.Helper()
	g := h.NewGroup()
	founded := h.Clock.Now().Add(-60 * 24 * time.Hour).Truncate(time.Second)
	if _, err := rawDB(t, h).ExecContext(context.Background(), "UPDATE groups SET created_at = $1 WHERE id = $2", founded.UTC(), g.ID); err != nil {
		t.Fatal(err)
	}
	return g
}

// groupCreated is when group id was created, as stored.
func groupCreated(t *testing.T, h *H, id string) time.Time {
	t.Helper()
	var at time.Time
	if err := rawDB(t, h).QueryRowContext(context.Background(), "SELECT created_at FROM groups WHERE id = $1", id).Scan(&at); err != nil {
		t.Fatal(err)
	}
	return at
}

// TestDigestKnownNumbers: a group of seven members with known reflections. The period of the
// session of 23 February runs from the session of 9 February (the one of 16 February was
// cancelled) to its start; the period before it is the 14 days before that. It checks every
// number, the order, the totals, the edges of the period, what is never shown (PRIVATE,
// deleted, the facilitator's own), and the accounting of reads.
func TestDigestKnownNumbers(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		g := foundedGroup(t, h)
		cara, dan, eve, fay, gil := h.Member("cara"), h.Member("dan"), h.Member("eve"), h.Member("fay"), h.Member("gil")
		for c, name := range map[*Client]string{cara: "Cara", dan: "Dan", eve: "Eve", fay: "Fay", gil: "Gil"} {
			g.Memberships[c] = g.Join(c, name)
		}
		var sess []string
		for _, at := range []time.Time{febS1, febS2, febS3, febS4, febS5} {
			sess = append(sess, scheduleSession(g.Therapist, g.ID, at, 90))
		}
		g.Therapist.MustOp("CancelSession", map[string]any{"id": sess[2]})
		day := 24 * time.Hour

		// Ann: this period mood 3,4,5 (4.0) craving 8,7,6 (7.0); before, mood 8,7 (7.5),
		// craving 2,4 (3.0): craving high, mood fell by 3.5.
		reflectAt(t, h, g, g.A, "GROUP", "ann 1", 3, 8, febS2) // exactly at the period's start: in it
		reflectAt(t, h, g, g.A, "FACILITATORS", "ann 2", 4, 7, febS3.Add(30*time.Minute))
		reflectAt(t, h, g, g.A, "GROUP", "ann 3", 5, 6, febS4.Add(-time.Second))
		reflectAt(t, h, g, g.A, "GROUP", "ann at the session", 1, 10, febS4) // the next period
		reflectAt(t, h, g, g.A, "GROUP", "ann before 1", 8, 2, febS2.Add(-time.Second))
		reflectAt(t, h, g, g.A, "GROUP", "ann before 2", 7, 4, febS2.Add(-14*day)) // first instant of the period before
		reflectAt(t, h, g, g.A, "GROUP", "ann long ago", 1, 10, febS2.Add(-14*day-time.Second))
		// Ben: mood 6,7 (6.5) craving 2,3 (2.5); before, mood 6 craving 3. A PRIVATE and a
		// deleted reflection are not counted, shown or used.
		reflectAt(t, h, g, g.B, "FACILITATORS", "ben 1", 6, 2, febS2.Add(2*day))
		reflectAt(t, h, g, g.B, "GROUP", "ben 2", 7, 3, febS2.Add(3*day))
		reflectAt(t, h, g, g.B, "PRIVATE", "ben private", 1, 10, febS2.Add(4*day))
		gone := reflectAt(t, h, g, g.B, "GROUP", "ben deleted", 1, 10, febS2.Add(5*day))
		g.B.MustOp("DeleteReflection", map[string]any{"id": gone})
		reflectAt(t, h, g, g.B, "GROUP", "ben before", 6, 3, febS1)
		// Cara: one reflection with crisis language.
		reflectAt(t, h, g, cara, "FACILITATORS", "Some nights I just want to end my life.", 5, 5, febS2.Add(6*day))
		// Dan: nothing, ever. Eve: one reflection 10 days before the session.
		reflectAt(t, h, g, eve, "GROUP", "eve 1", 6, 1, febS4.Add(-10*day))
		// Fay: only in the period before, 20 days before the session; and one PRIVATE since.
		reflectAt(t, h, g, fay, "GROUP", "fay before", 5, 5, febS4.Add(-20*day))
		reflectAt(t, h, g, fay, "PRIVATE", "fay private", 5, 5, febS4.Add(-day))
		// Gil: last shared before both periods (20 January), then only PRIVATE or deleted.
		reflectAt(t, h, g, gil, "GROUP", "gil older", 5, 5, febS2.Add(-30*day))
		reflectAt(t, h, g, gil, "FACILITATORS", "gil last", 5, 5, febS2.Add(-20*day))
		reflectAt(t, h, g, gil, "PRIVATE", "gil private", 5, 5, febS2.Add(-19*day))
		gone = reflectAt(t, h, g, gil, "GROUP", "gil deleted", 5, 5, febS2.Add(-18*day))
		gil.MustOp("DeleteReflection", map[string]any{"id": gone})
		// The facilitator's own reflection is not a member's.
		reflectAt(t, h, g, g.Therapist, "GROUP", "therapist", 5, 5, febS2.Add(day))

		clk.Set(febS4.Add(time.Hour)) // the session of the 23rd is under way (90 minutes)
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
		ms := digestMembers(t, r)
		var names []string
		for _, m := range ms {
			names = append(names, m.Name)
		}
		// Crisis first; then the others who need attention, quietest first (Dan never wrote,
		// Gil not for 34 days, Fay not for 20, Ann wrote 3); then the rest, quietest first.
		if want := []string{"Cara", "Dan", "Gil", "Fay", "Ann", "Eve", "Ben"}; !slices.Equal(names, want) {
			t.Fatalf("order %v, want %v", names, want)
		}
		byName := map[string]digestMember{}
		for _, m := range ms {
			byName[m.Name] = m
		}
		checkDigestMember(t, byName["Ann"], 3, fp(4), fp(7), fp(-3.5), fp(4), ip(0), true)
		checkDigestMember(t, byName["Ben"], 2, fp(6.5), fp(2.5), fp(0.5), fp(-0.5), ip(11), false)
		checkDigestMember(t, byName["Cara"], 1, fp(5), fp(5), nil, nil, ip(8), true)
		checkDigestMember(t, byName["Dan"], 0, nil, nil, nil, nil, nil, true)
		checkDigestMember(t, byName["Eve"], 1, fp(6), fp(1), nil, nil, ip(10), false)
		checkDigestMember(t, byName["Fay"], 0, nil, nil, nil, nil, ip(20), true)
		checkDigestMember(t, byName["Gil"], 0, nil, nil, nil, nil, ip(34), true)
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
		reasons := attentionReasons(t, g.Therapist, g.ID, sess[3])
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
		clk.Set(febS4.Add(2 * day))
		r = g.Therapist.MustOp("GroupDigest", map[string]any{"groupID": g.ID})
		if r.Str("node.digest.session.id") != sess[4] || r.Str("node.digest.periodStart") != "2027-02-23T00:00:00Z" ||
			!nearTime(r.Str("node.digest.periodEnd"), febS4.Add(2*day)) || r.Num("node.digest.reflectionCount") != 1 {
			t.Errorf("next session's digest: %s", r.Raw)
		}
		// The cancelled session's own digest runs from the session before it (2 to 16 Feb).
		r = g.Therapist.MustOp("GroupDigest", map[string]any{"groupID": g.ID, "sessionID": sess[2]})
		if r.Str("node.digest.periodStart") != "2027-02-09T00:00:00Z" || r.Str("node.digest.periodEnd") != "2027-02-16T00:00:00Z" {
			t.Errorf("cancelled session's digest: %s", r.Raw)
		}
		// The first session's period starts when the group was created.
		r = g.Therapist.MustOp("GroupDigest", map[string]any{"groupID": g.ID, "sessionID": sess[0]})
		if start, _ := time.Parse(time.RFC3339Nano, r.Str("node.digest.periodStart")); !start.Equal(groupCreated(t, h, g.ID)) {
			t.Errorf("first session's period starts at %s, want the group's creation %s", r.Str("node.digest.periodStart"), groupCreated(t, h, g.ID))
		}
	}, startingAt(utc(2027, 2, 1, 12, 0)))
}

// TestDigestDaylightSavingWeek: the week in which Chicago moves to daylight time. The period
// runs from Tuesday 9 March 18:00 CST (00:00Z) to Tuesday 16 March 18:00 CDT (23:00Z), six
// days and 23 hours; the period before has the same length. Days since are calendar days in
// Chicago, not 24-hour blocks.
func TestDigestDaylightSavingWeek(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		g := foundedGroup(t, h)
		before := scheduleSession(g.Therapist, g.ID, utc(2027, 3, 10, 0, 0), 90)
		sess := scheduleSession(g.Therapist, g.ID, utc(2027, 3, 16, 23, 0), 90)
		_ = before
		// Ann: in the period at 17:30 CDT just before the session, and at 18:00 (the start:
		// not in it). In the period before: its first hour (01:00Z on 3 March) and one before.
		reflectAt(t, h, g, g.A, "GROUP", "ann last minute", 4, 2, utc(2027, 3, 16, 22, 30))
		reflectAt(t, h, g, g.A, "GROUP", "ann at start", 1, 9, utc(2027, 3, 16, 23, 0))
		reflectAt(t, h, g, g.A, "GROUP", "ann before", 8, 2, utc(2027, 3, 3, 1, 0))
		reflectAt(t, h, g, g.A, "GROUP", "ann too early", 1, 10, utc(2027, 3, 3, 0, 59))
		// Ben: last wrote on Tuesday 2 March at 23:30 CST (05:30Z on the 3rd): 14 calendar
		// days before the session, although 13 days and 17.5 hours.
		reflectAt(t, h, g, g.B, "GROUP", "ben", 5, 5, utc(2027, 3, 3, 5, 30))

		clk.Set(utc(2027, 3, 17, 0, 0))
		r := g.Therapist.MustOp("GroupDigest", map[string]any{"groupID": g.ID, "sessionID": sess})
		if r.Str("node.digest.periodStart") != "2027-03-10T00:00:00Z" || r.Str("node.digest.periodEnd") != "2027-03-16T23:00:00Z" {
			t.Fatalf("period: %s", r.Raw)
		}
		ms := digestMembers(t, r)
		if len(ms) != 2 || ms[0].Name != "Ben" || ms[1].Name != "Ann" {
			t.Fatalf("members %+v, want Ben (quiet for 14 days) then Ann", ms)
		}
		checkDigestMember(t, ms[0], 0, nil, nil, nil, nil, ip(14), true)
		checkDigestMember(t, ms[1], 1, fp(4), fp(2), fp(-4), fp(0), ip(0), true)
		if !slices.Equal(ms[1].Reflections, []string{"ann last minute"}) {
			t.Errorf("Ann's reflections %v", ms[1].Reflections)
		}

		// One hour later Ben's last reflection is 13 days before (16 March 23:30 CDT is
		// still the 16th): moving the reflection later by an hour makes him not quiet.
		setWrittenAt(t, h, ms[0].reflectionID(t, g, h), utc(2027, 3, 3, 6, 30)) // 00:30 CST on the 3rd
		r = g.Therapist.MustOp("GroupDigest", map[string]any{"groupID": g.ID, "sessionID": sess})
		ms = digestMembers(t, r)
		if ms[1].Name != "Ben" {
			t.Fatalf("Ben should no longer be first: %+v", ms)
		}
		checkDigestMember(t, ms[1], 0, nil, nil, nil, nil, ip(13), false)
	}, startingAt(utc(2027, 3, 1, 12, 0)))
}

// reflectionID is the id of the only reflection of member m in g (through the facilitator).
func (m digestMember) reflectionID(t *testing.T, g *Group, h *H) string {
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
		g := foundedGroup(t, h)
		reflectAt(t, h, g, g.A, "FACILITATORS", "ann facilitators only", 3, 8, utc(2027, 2, 1, 11, 0))
		reflectAt(t, h, g, g.B, "GROUP", "ben group", 3, 8, utc(2027, 2, 1, 11, 0))
		vars := map[string]any{"groupID": g.ID}
		for name, c := range map[string]*Client{"member": g.A, "the other member": g.B} {
			r := c.Op("GroupDigest", vars)
			if r.Code() != "FORBIDDEN" || r.Get("node.digest") != nil {
				t.Errorf("%s: want FORBIDDEN and no digest, got %s", name, r.Raw)
			}
			noLeak(t, name, r, "ann facilitators only", "ben group")
		}
		for name, c := range map[string]*Client{"outsider": g.Outsider, "therapist of another group": g.Stranger} {
			r := c.Op("GroupDigest", vars)
			if r.Get("node") != nil {
				t.Errorf("%s: sees the group: %s", name, r.Raw)
			}
			noLeak(t, name, r, "ann facilitators only", "ben group")
		}
		demoted := demote(t, h, g.Therapist)
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
		theirs := scheduleSession(g.Stranger, other, utc(2027, 2, 3, 0, 0), 60)
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
		if r.Get("node.digest.session") != nil || !nearTime(r.Str("node.digest.periodEnd"), utc(2027, 2, 1, 12, 0)) ||
			r.Num("node.digest.reflectionCount") != 2 {
			t.Errorf("facilitator: %s", r.Raw)
		}
	}, startingAt(utc(2027, 2, 1, 12, 0)))
}

// TestDigestStatementsDoNotGrow: the digest and GroupReflectionsSince issue as many SQL
// statements for 15 members with 300 reflections as for 3 members with 3.
func TestDigestStatementsDoNotGrow(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		count := func(members, each int) (digest, since int) {
			g := foundedGroup(t, h)
			fillGroup(t, h, g, members, each)
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

// TestDigestReflectionsSince: the facilitator pages through what was shared since a time,
// oldest first, with authors; never PRIVATE; a member sees only what they may read.
func TestDigestReflectionsSince(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := foundedGroup(t, h)
		since := h.Clock.Now().Add(-24 * time.Hour)
		reflectAt(t, h, g, g.A, "GROUP", "too old", 5, 5, since.Add(-time.Minute))
		reflectAt(t, h, g, g.A, "GROUP", "a1", 5, 5, since)
		reflectAt(t, h, g, g.B, "FACILITATORS", "b1", 5, 5, since.Add(time.Hour))
		reflectAt(t, h, g, g.A, "PRIVATE", "a private", 5, 5, since.Add(2*time.Hour))
		reflectAt(t, h, g, g.B, "GROUP", "b2", 5, 5, since.Add(3*time.Hour))
		page := func(c *Client, after any) *Resp {
			return c.MustOp("GroupReflectionsSince", map[string]any{"groupID": g.ID, "since": rfc3339(since), "first": 2, "after": after})
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
		r = g.A.MustOp("GroupReflectionsSince", map[string]any{"groupID": g.ID, "since": rfc3339(since)})
		if got := bodies(r); !slices.Equal(got, []string{"a1/Ann", "a private/Ann", "b2/Ben"}) {
			t.Errorf("Ann sees %v", got)
		}
		r = g.Outsider.Op("GroupReflectionsSince", map[string]any{"groupID": g.ID, "since": rfc3339(since)})
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
		g := foundedGroup(t, h)
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
		ms := digestMembers(t, r)
		if len(ms) != 1 || ms[0].Name != "Ann" || !slices.Equal(ms[0].Reflections, []string{"ann in tuesday"}) ||
			r.Num("node.digest.reflectionCount") != 1 {
			t.Errorf("Tuesday digest: %s", r.Raw)
		}
		noLeak(t, "Tuesday digest", r, "thursday", "ben before leaving", "cara before removal")
		r = g.Therapist.MustOp("GroupDigest", map[string]any{"groupID": other})
		ms = digestMembers(t, r)
		if len(ms) != 1 || ms[0].Name != "Ann T" || !slices.Equal(ms[0].Reflections, []string{"ann in thursday 1", "ann in thursday 2"}) {
			t.Errorf("Thursday digest: %s", r.Raw)
		}
		noLeak(t, "Thursday digest", r, "ann in tuesday")
	})
}

// askDigest asks for g's digest as c; sessionID nil means the default (next) session.
func askDigest(c *Client, groupID string, sessionID any) *Resp {
	c.h.t.Helper()
	vars := map[string]any{"groupID": groupID}
	if sessionID != nil {
		vars["sessionID"] = sessionID
	}
	return c.Op("GroupDigest", vars)
}

// mustDigest is askDigest that fails the test on any error.
func mustDigest(t *testing.T, c *Client, groupID string, sessionID any) *Resp {
	t.Helper()
	r := askDigest(c, groupID, sessionID)
	if len(r.Errors) > 0 || r.Get("node.digest") == nil {
		t.Fatalf("digest: %s", r.Raw)
	}
	return r
}

// digestByName is the digest's members by display name; a name listed twice fails the test.
func digestByName(t *testing.T, r *Resp) map[string]digestMember {
	t.Helper()
	out := map[string]digestMember{}
	for _, m := range digestMembers(t, r) {
		if _, dup := out[m.Name]; dup {
			t.Errorf("%s is listed twice: %s", m.Name, r.Raw)
		}
		out[m.Name] = m
	}
	return out
}

// digestNames is the digest's members' names in order.
func digestNames(t *testing.T, r *Resp) []string {
	t.Helper()
	var names []string
	for _, m := range digestMembers(t, r) {
		names = append(names, m.Name)
	}
	return names
}

// digestPeriod is "periodStart/periodEnd".
func digestPeriod(r *Resp) string {
	return r.Str("node.digest.periodStart") + "/" + r.Str("node.digest.periodEnd")
}

// reflectionsSince runs GroupReflectionsSince as c, following every page of first, and returns the
// bodies (with author names), the totalCount of each page and the raw answers.
func reflectionsSince(t *testing.T, c *Client, groupID string, since time.Time, first int) (bodies []string, totals []int, raws []*Resp) {
	t.Helper()
	var after any
	for page := 0; page < 50; page++ {
		r := c.MustOp("GroupReflectionsSince", map[string]any{"groupID": groupID, "since": rfc3339(since), "first": first, "after": after})
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

// reflectionVersion is the current version of reflection id, read by its author c.
func reflectionVersion(t *testing.T, c *Client, id string) int {
	t.Helper()
	return c.MustOp("Reflection", map[string]any{"id": id}).Num("node.version")
}

// editReflection edits reflection id as its author c.
func editReflection(t *testing.T, c *Client, id string, input map[string]any) *Resp {
	t.Helper()
	return c.MustOp("UpdateReflection", map[string]any{"id": id, "expectedVersion": reflectionVersion(t, c, id), "input": input})
}

// setJoinedAt sets when membership id joined.
func setJoinedAt(t *testing.T, h *H, id string, at time.Time) {
	t.Helper()
	if _, err := rawDB(t, h).Exec("UPDATE memberships SET joined_at = $1 WHERE id = $2", at.UTC(), id); err != nil {
		t.Fatal(err)
	}
}

// Chicago, February 2027 (CST, UTC-6): sessions at 00:00Z are Mondays 18:00 local.
var (
	feb = func(d, hh int) time.Time { return utc(2027, 2, d, hh, 0) }
)

// TestDigestMovedSessionsPeriods: sessions moved (RescheduleSession) before they happen,
// one of them to before a later one. The periods follow the sessions' current start times:
// S1 2 Feb, S2 moved from 9 to 12 Feb, S4 moved from 23 to 14 Feb, S3 16 Feb. A session
// further ahead than the next one has an empty period.
func TestDigestMovedSessionsPeriods(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		g := foundedGroup(t, h)
		s1 := scheduleSession(g.Therapist, g.ID, feb(2, 0), 90)
		s2 := scheduleSession(g.Therapist, g.ID, feb(9, 0), 90)
		s3 := scheduleSession(g.Therapist, g.ID, feb(16, 0), 90)
		s4 := scheduleSession(g.Therapist, g.ID, feb(23, 0), 90)
		_ = s1
		g.Therapist.MustOp("RescheduleSession", map[string]any{"id": s2, "startsAt": rfc3339(feb(12, 0))})
		g.Therapist.MustOp("RescheduleSession", map[string]any{"id": s4, "startsAt": rfc3339(feb(14, 0))})
		// Ann writes at noon Chicago time (18:00Z).
		reflectAt(t, h, g, g.A, "GROUP", "MARKER feb5", 5, 1, feb(5, 18))
		reflectAt(t, h, g, g.A, "FACILITATORS", "MARKER feb10", 6, 2, feb(10, 18))
		reflectAt(t, h, g, g.A, "GROUP", "MARKER feb13", 7, 3, feb(13, 18))
		reflectAt(t, h, g, g.A, "GROUP", "MARKER feb15", 8, 4, feb(15, 18))
		reflectAt(t, h, g, g.A, "GROUP", "MARKER feb17", 9, 5, feb(17, 18))

		// Before anything has happened (1 Feb), the digest of S3 (16 Feb) is for a session
		// further ahead than the next one: an empty period at now.
		r := mustDigest(t, g.Therapist, g.ID, s3)
		if r.Str("node.digest.periodStart") != r.Str("node.digest.periodEnd") || !nearTime(r.Str("node.digest.periodEnd"), feb(1, 12)) ||
			r.Num("node.digest.reflectionCount") != 0 {
			t.Errorf("digest of a session further ahead: %s", r.Raw)
		}

		clk.Set(feb(18, 0))
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
			r := mustDigest(t, g.Therapist, g.ID, c.session)
			if got := digestPeriod(r); got != c.period {
				t.Errorf("%s: period %s, want %s", c.name, got, c.period)
			}
			if r.Str("node.digest.session.id") != c.session {
				t.Errorf("%s: session %s", c.name, r.Str("node.digest.session.id"))
			}
			ann := digestByName(t, r)["Ann"]
			checkDigestMember(t, ann, c.count, c.mood, c.craving, c.dMood, c.dCraving, c.days, false)
			if !slices.Equal(ann.Reflections, c.refl) {
				t.Errorf("%s: Ann's reflections %v, want %v", c.name, ann.Reflections, c.refl)
			}
		}
		// No session is ahead any more: the period runs from S3 to now.
		r = mustDigest(t, g.Therapist, g.ID, nil)
		if r.Get("node.digest.session") != nil || r.Str("node.digest.periodStart") != "2027-02-16T00:00:00Z" ||
			!nearTime(r.Str("node.digest.periodEnd"), feb(18, 0)) {
			t.Errorf("default digest after the last session: %s", r.Raw)
		}
		checkDigestMember(t, digestByName(t, r)["Ann"], 1, fp(9), fp(5), fp(1), fp(1), ip(0), false)
	}, startingAt(feb(1, 12)))
}

// TestDigestSameInstantSessions: two sessions at the same instant (9 Feb), one later
// cancelled. Neither is the other's "previous session"; the default is the earlier-made one
// until it is cancelled; the session after them starts its period at their instant.
func TestDigestSameInstantSessions(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		g := foundedGroup(t, h)
		s0 := scheduleSession(g.Therapist, g.ID, feb(2, 0), 60)
		sa := scheduleSession(g.Therapist, g.ID, feb(9, 0), 60)
		sb := scheduleSession(g.Therapist, g.ID, feb(9, 0), 90)
		sc := scheduleSession(g.Therapist, g.ID, feb(16, 0), 60)
		_ = s0
		reflectAt(t, h, g, g.A, "GROUP", "MARKER x", 4, 1, feb(5, 0))
		reflectAt(t, h, g, g.A, "GROUP", "MARKER at nine", 6, 2, feb(9, 0))
		reflectAt(t, h, g, g.A, "FACILITATORS", "MARKER y", 8, 4, feb(12, 0))

		clk.Set(feb(8, 0))
		r := mustDigest(t, g.Therapist, g.ID, nil)
		if r.Str("node.digest.session.id") != sa || r.Str("node.digest.periodStart") != "2027-02-02T00:00:00Z" ||
			!nearTime(r.Str("node.digest.periodEnd"), feb(8, 0)) || r.Num("node.digest.reflectionCount") != 1 {
			t.Errorf("default with two sessions at 9 Feb, want the first made (%s): %s", sa, r.Raw)
		}
		for _, s := range []string{sa, sb} {
			r := mustDigest(t, g.Therapist, g.ID, s)
			if r.Str("node.digest.periodStart") != "2027-02-02T00:00:00Z" || !nearTime(r.Str("node.digest.periodEnd"), feb(8, 0)) ||
				r.Num("node.digest.reflectionCount") != 1 {
				t.Errorf("session %s at 9 Feb (now 8 Feb): %s", s, r.Raw)
			}
		}
		g.Therapist.MustOp("CancelSession", map[string]any{"id": sa})
		r = mustDigest(t, g.Therapist, g.ID, nil)
		if r.Str("node.digest.session.id") != sb || r.Str("node.digest.periodStart") != "2027-02-02T00:00:00Z" {
			t.Errorf("default after cancelling %s, want %s: %s", sa, sb, r.Raw)
		}

		clk.Set(feb(20, 0))
		for _, s := range []string{sa, sb} {
			r := mustDigest(t, g.Therapist, g.ID, s)
			if got := digestPeriod(r); got != "2027-02-02T00:00:00Z/2027-02-09T00:00:00Z" {
				t.Errorf("session %s: period %s", s, got)
			}
			if got := digestByName(t, r)["Ann"].Reflections; !slices.Equal(got, []string{"MARKER x"}) {
				t.Errorf("session %s: Ann's reflections %v", s, got)
			}
		}
		r = mustDigest(t, g.Therapist, g.ID, sc)
		if got := digestPeriod(r); got != "2027-02-09T00:00:00Z/2027-02-16T00:00:00Z" {
			t.Errorf("session after the pair: period %s", got)
		}
		ann := digestByName(t, r)["Ann"]
		checkDigestMember(t, ann, 2, fp(7), fp(3), fp(3), fp(2), ip(4), false)
		if !slices.Equal(ann.Reflections, []string{"MARKER at nine", "MARKER y"}) {
			t.Errorf("Ann's reflections %v", ann.Reflections)
		}
	}, startingAt(feb(1, 12)))
}

// TestDigestSessionIDNotASessionOfTheGroup: sessionID naming a reflection, the group itself,
// a membership, a session of the same therapist's other group, or garbage. Each is refused
// without a digest, without content in the answer, and without any read accounted.
func TestDigestSessionIDNotASessionOfTheGroup(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := foundedGroup(t, h)
		refl := reflectAt(t, h, g, g.A, "FACILITATORS", "MARKER secret", 3, 9, feb(1, 11))
		scheduleSession(g.Therapist, g.ID, feb(2, 0), 60)
		other := g.Therapist.MustOp("CreateGroup", map[string]any{"input": map[string]any{
			"name": "Thursday MARKER", "timeZone": "UTC", "displayName": "Dr. T",
		}}).Str("createGroup.id")
		theirs := scheduleSession(g.Therapist, other, feb(3, 0), 60)
		for what, id := range map[string]string{
			"a reflection": refl, "the group": g.ID, "a membership": g.Memberships[g.A],
			"the therapist's other group's session": theirs, "the other group": other,
		} {
			r := askDigest(g.Therapist, g.ID, id)
			if r.Code() != "NOT_FOUND" || r.Get("node.digest") != nil || r.Str("node.id") != g.ID {
				t.Errorf("sessionID %s: want NOT_FOUND on the digest only, got %s", what, r.Raw)
			}
			noLeak(t, what, r, "MARKER", "Ann")
		}
		for _, bad := range []any{"not-an-id", "", "0", "-3", "99999999999999999999999", "1.5", " 12"} {
			r := askDigest(g.Therapist, g.ID, bad)
			if r.Code() != "BAD_USER_INPUT" || r.Get("node.digest") != nil {
				t.Errorf("sessionID %q: want BAD_USER_INPUT, got %s", bad, r.Raw)
			}
			noLeak(t, fmt.Sprint(bad), r, "MARKER", "Ann", "SELECT", "sql")
			if s, _ := bad.(string); len(s) > 3 && strings.Contains(r.Raw, s) {
				t.Errorf("the error echoes the input %q: %s", s, r.Raw)
			}
		}
		// The other group's digest with this group's session: not found either.
		if r := askDigest(g.Therapist, other, g.ID); r.Code() != "NOT_FOUND" {
			t.Errorf("the group's id as a session of the other group: %s", r.Raw)
		}
		if n := countRows(t, h, "SELECT count(*) FROM reflection_reads"); n != 0 {
			t.Errorf("%d reads accounted after refused digests", n)
		}
	}, startingAt(feb(1, 12)))
}

// TestDigestEditedToPrivateDisappears: a reflection shown in the digest and then changed
// from GROUP to PRIVATE is hidden at once: no longer in the digest, its numbers, the last
// reflection time, or GroupReflectionsSince; nothing more is accounted as read.
func TestDigestEditedToPrivateDisappears(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		g := foundedGroup(t, h)
		scheduleSession(g.Therapist, g.ID, feb(2, 0), 60)
		sess := scheduleSession(g.Therapist, g.ID, feb(9, 0), 60)
		older := reflectAt(t, h, g, g.A, "GROUP", "MARKER older", 5, 5, feb(1, 18))
		hush := reflectAt(t, h, g, g.A, "GROUP", "MARKER to be hidden", 2, 9, feb(6, 18))
		clk.Set(feb(9, 1))
		r := mustDigest(t, g.Therapist, g.ID, sess)
		ann := digestByName(t, r)["Ann"]
		checkDigestMember(t, ann, 1, fp(2), fp(9), fp(-3), fp(4), ip(2), true)
		if got := readsOf(t, g.A); !slices.Equal(got, []string{hush + "/Dr. T/FACILITATOR"}) {
			t.Errorf("reads after the first digest: %v", got)
		}

		editReflection(t, g.A, hush, map[string]any{"visibility": "PRIVATE"})
		r = mustDigest(t, g.Therapist, g.ID, sess)
		noLeak(t, "digest after PRIVATE", r, "to be hidden")
		ann = digestByName(t, r)["Ann"]
		// Ann's last reflection facilitators may read is now the older one (1 Feb, 12:00 in
		// Chicago, 7 days before the session's date); nothing in the period.
		checkDigestMember(t, ann, 0, nil, nil, nil, nil, ip(7), false)
		if ann.Last != "2027-02-01T18:00:00Z" || r.Num("node.digest.reflectionCount") != 0 {
			t.Errorf("after PRIVATE: last %q, count %d", ann.Last, r.Num("node.digest.reflectionCount"))
		}
		got, _, raws := reflectionsSince(t, g.Therapist, g.ID, feb(1, 0), 10)
		if !slices.Equal(got, []string{"MARKER older/Ann"}) {
			t.Errorf("facilitator's GroupReflectionsSince after PRIVATE: %v", got)
		}
		got, _, _ = reflectionsSince(t, g.B, g.ID, feb(1, 0), 10)
		if !slices.Equal(got, []string{"MARKER older/Ann"}) {
			t.Errorf("Ben's GroupReflectionsSince after PRIVATE: %v", got)
		}
		for _, raw := range raws {
			noLeak(t, "since", raw, "to be hidden")
		}
		// Reads: the hidden one once (before), the older one by the facilitator and Ben.
		want := []string{hush + "/Dr. T/FACILITATOR", older + "/Ben/MEMBER", older + "/Dr. T/FACILITATOR"}
		sort.Strings(want)
		if got := readsOf(t, g.A); !slices.Equal(got, want) {
			t.Errorf("reads: %v", got)
		}
	}, startingAt(feb(1, 12)))
}

// TestDigestConsentRevoked: Ann revokes her consent to share with the group. Her GROUP
// reflection is then no longer shown to Ben, while the facilitator, as program staff, keeps
// reading it (as FACILITATORS) in the digest and GroupReflectionsSince.
func TestDigestConsentRevoked(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := foundedGroup(t, h)
		reflectAt(t, h, g, g.A, "GROUP", "MARKER ann shared", 4, 6, feb(1, 10))
		reflectAt(t, h, g, g.B, "GROUP", "MARKER ben shared", 7, 1, feb(1, 11))
		g.A.MustOp("RevokeGroupSharingConsent", map[string]any{"groupID": g.ID})
		got, totals, raws := reflectionsSince(t, g.B, g.ID, feb(1, 0), 10)
		if !slices.Equal(got, []string{"MARKER ben shared/Ben"}) || totals[0] != 1 {
			t.Errorf("Ben after Ann revoked: %v (totalCount %v)", got, totals)
		}
		for _, raw := range raws {
			noLeak(t, "Ben's since", raw, "ann shared")
		}
		got, _, _ = reflectionsSince(t, g.Therapist, g.ID, feb(1, 0), 10)
		if !slices.Equal(got, []string{"MARKER ann shared/Ann", "MARKER ben shared/Ben"}) {
			t.Errorf("facilitator after Ann revoked: %v", got)
		}
		r := mustDigest(t, g.Therapist, g.ID, nil)
		ms := digestByName(t, r)
		checkDigestMember(t, ms["Ann"], 1, fp(4), fp(6), nil, nil, ip(0), false)
		if !slices.Equal(ms["Ann"].Reflections, []string{"MARKER ann shared"}) || r.Num("node.digest.reflectionCount") != 2 {
			t.Errorf("digest after Ann revoked: %s", r.Raw)
		}
	}, startingAt(feb(1, 12)))
}

// TestDigestLeftAndRejoined: Ben leaves and rejoins under another name. He is listed once,
// under his current name, with the reflections of the period facilitators may read; his
// digest days count from his reflections, and while he is gone he is not listed.
func TestDigestLeftAndRejoined(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := foundedGroup(t, h)
		reflectAt(t, h, g, g.B, "GROUP", "MARKER ben first", 3, 3, feb(1, 8))
		g.B.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		r := mustDigest(t, g.Therapist, g.ID, nil)
		if names := digestNames(t, r); !slices.Equal(names, []string{"Ann"}) {
			t.Errorf("while Ben is gone: %v", names)
		}
		g.Join(g.B, "Benji")
		reflectAt(t, h, g, g.B, "FACILITATORS", "MARKER benji back", 5, 5, feb(1, 10))
		r = mustDigest(t, g.Therapist, g.ID, nil)
		names := digestNames(t, r)
		sort.Strings(names)
		if !slices.Equal(names, []string{"Ann", "Benji"}) {
			t.Fatalf("after rejoining: %v", names)
		}
		benji := digestByName(t, r)["Benji"]
		checkDigestMember(t, benji, 2, fp(4), fp(4), nil, nil, ip(0), false)
		if !slices.Equal(benji.Reflections, []string{"MARKER ben first", "MARKER benji back"}) {
			t.Errorf("Benji's reflections %v", benji.Reflections)
		}
		if r.Num("node.digest.reflectionCount") != 2 || len(digestMembers(t, r)) != 2 {
			t.Errorf("totals: %s", r.Raw)
		}
	}, startingAt(feb(1, 12)))
}

// TestDigestCrisisAddedByEdit: a reflection without crisis language is edited to show it;
// the digest then lists its author first with CRISIS and marks the reflection, and the
// author gets crisis resources in the edit's answer. Editing the words away keeps the mark
// (the facilitators should know it was written); making it PRIVATE removes it from the
// digest and the flag with it.
func TestDigestCrisisAddedByEdit(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := foundedGroup(t, h)
		reflectAt(t, h, g, g.A, "GROUP", "MARKER fine", 6, 2, feb(1, 9))
		id := reflectAt(t, h, g, g.B, "FACILITATORS", "MARKER an ordinary day", 6, 2, feb(1, 10))
		reasons := attentionReasons(t, g.Therapist, g.ID, nil)
		if len(reasons["Ben"]) != 0 || len(reasons["Ann"]) != 0 {
			t.Fatalf("before the edit: %v", reasons)
		}
		up := editReflection(t, g.B, id, map[string]any{"body": "MARKER some nights I just want to end my life"})
		if res, _ := up.Get("updateReflection.crisisResources").([]any); len(res) == 0 || !strings.Contains(up.Raw, "988") {
			t.Errorf("the edit's answer has no crisis resources: %s", up.Raw)
		}
		check := func(when string, crisis bool) {
			t.Helper()
			r := mustDigest(t, g.Therapist, g.ID, nil)
			names := digestNames(t, r)
			reasons := attentionReasons(t, g.Therapist, g.ID, nil)
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
		editReflection(t, g.B, id, map[string]any{"body": "MARKER better now"})
		check("after the words were edited away", true)
		editReflection(t, g.B, id, map[string]any{"visibility": "PRIVATE"})
		check("after it was made PRIVATE", false)
		r := mustDigest(t, g.Therapist, g.ID, nil)
		noLeak(t, "digest", r, "better now", "end my life")
	}, startingAt(feb(1, 12)))
}

// TestDigestCrisisOutsideThePeriodOrHidden: crisis language only in the period before, only
// in a PRIVATE reflection, only in a deleted one, or only after the end of the period does not
// make a member CRISIS; a crisis in a PRIVATE reflection is never shown.
func TestDigestCrisisOutsideThePeriodOrHidden(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		g := foundedGroup(t, h)
		cara, dan := h.Member("cara"), h.Member("dan")
		g.Memberships[cara] = g.Join(cara, "Cara")
		g.Memberships[dan] = g.Join(dan, "Dan")
		scheduleSession(g.Therapist, g.ID, feb(2, 0), 60)
		sess := scheduleSession(g.Therapist, g.ID, feb(9, 0), 60)
		scheduleSession(g.Therapist, g.ID, feb(16, 0), 60)
		crisis := "MARKER I want to end my life"
		// Ann: crisis only in the period before (1 Feb); ordinary in the period.
		reflectAt(t, h, g, g.A, "FACILITATORS", crisis, 5, 5, feb(1, 18))
		reflectAt(t, h, g, g.A, "GROUP", "MARKER ann ok", 5, 5, feb(5, 18))
		// Ben: crisis only in a PRIVATE reflection in the period.
		reflectAt(t, h, g, g.B, "PRIVATE", crisis+" ben", 5, 5, feb(5, 18))
		reflectAt(t, h, g, g.B, "GROUP", "MARKER ben ok", 5, 5, feb(6, 18))
		// Cara: crisis in a reflection she deleted.
		gone := reflectAt(t, h, g, cara, "FACILITATORS", crisis+" cara", 5, 5, feb(5, 18))
		cara.MustOp("DeleteReflection", map[string]any{"id": gone})
		reflectAt(t, h, g, cara, "GROUP", "MARKER cara ok", 5, 5, feb(6, 18))
		// Dan: crisis exactly at the session's start (the next period).
		reflectAt(t, h, g, dan, "FACILITATORS", crisis+" dan", 5, 5, feb(9, 0))
		reflectAt(t, h, g, dan, "GROUP", "MARKER dan ok", 5, 5, feb(6, 18))

		clk.Set(feb(10, 0))
		r := mustDigest(t, g.Therapist, g.ID, sess)
		reasons := attentionReasons(t, g.Therapist, g.ID, sess)
		for _, n := range []string{"Ann", "Ben", "Cara", "Dan"} {
			if len(reasons[n]) != 0 {
				t.Errorf("%s: attentionReasons %v, want none", n, reasons[n])
			}
		}
		if r.Num("node.digest.attentionCount") != 0 || r.Num("node.digest.reflectionCount") != 4 {
			t.Errorf("totals: %s", r.Raw)
		}
		noLeak(t, "digest", r, "end my life")
		// The next session's digest has Dan's crisis.
		if got := attentionReasons(t, g.Therapist, g.ID, nil)["Dan"]; !slices.Equal(got, []string{"CRISIS"}) {
			t.Errorf("next session: Dan %v, want CRISIS", got)
		}
	}, startingAt(feb(1, 12)))
}

// TestDigestNewMemberNotQuiet: a member who joined 3 days before the session and wrote
// nothing is not QUIET; one who joined 14 calendar days before (in Chicago) is, and 13 is
// not, however the hours fall.
func TestDigestNewMemberNotQuiet(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		g := foundedGroup(t, h)
		cara, dan, eve := h.Member("cara"), h.Member("dan"), h.Member("eve")
		g.Memberships[cara] = g.Join(cara, "Cara")
		g.Memberships[dan] = g.Join(dan, "Dan")
		g.Memberships[eve] = g.Join(eve, "Eve")
		scheduleSession(g.Therapist, g.ID, feb(9, 0), 60)
		sess := scheduleSession(g.Therapist, g.ID, feb(23, 0), 60) // 22 Feb 18:00 in Chicago
		// Ann and Ben write in the period, so only the three newcomers are in question.
		reflectAt(t, h, g, g.A, "GROUP", "MARKER a", 5, 5, feb(20, 0))
		reflectAt(t, h, g, g.B, "GROUP", "MARKER b", 5, 5, feb(21, 0))
		setJoinedAt(t, h, g.Memberships[g.A], feb(1, 0))
		setJoinedAt(t, h, g.Memberships[g.B], feb(1, 0))
		setJoinedAt(t, h, g.Memberships[cara], feb(20, 0)) // 3 days
		setJoinedAt(t, h, g.Memberships[dan], feb(9, 5))   // 8 Feb 23:00 in Chicago: 14 calendar days
		setJoinedAt(t, h, g.Memberships[eve], feb(9, 7))   // 9 Feb 01:00 in Chicago: 13 calendar days
		clk.Set(feb(23, 1))
		r := mustDigest(t, g.Therapist, g.ID, sess)
		ms := digestByName(t, r)
		checkDigestMember(t, ms["Cara"], 0, nil, nil, nil, nil, nil, false)
		checkDigestMember(t, ms["Dan"], 0, nil, nil, nil, nil, nil, true)
		checkDigestMember(t, ms["Eve"], 0, nil, nil, nil, nil, nil, false)
		reasons := attentionReasons(t, g.Therapist, g.ID, sess)
		if !slices.Equal(reasons["Dan"], []string{"QUIET"}) || len(reasons["Cara"]) != 0 || len(reasons["Eve"]) != 0 {
			t.Errorf("reasons %v", reasons)
		}
		if r.Num("node.digest.attentionCount") != 1 {
			t.Errorf("attentionCount %d, want 1 (Dan)", r.Num("node.digest.attentionCount"))
		}
		// Dan first (attention); then the quietest: Cara and Eve wrote nothing (Cara's
		// membership is the older), then Ann (last wrote 20 Feb) and Ben (21 Feb).
		if names := digestNames(t, r); !slices.Equal(names, []string{"Dan", "Cara", "Eve", "Ann", "Ben"}) {
			t.Errorf("order %v", names)
		}
	}, startingAt(feb(1, 12)))
}

// TestDigestRoundingAtTheThresholds: the rules use the numbers as shown (one decimal):
// a craving average of 6.95 shows 7.0 and is HIGH_CRAVING; 6.67 shows 6.7 and is not; a mood
// fall of exactly 3 and one of 2.98 (shown -3.0) are MOOD_DROP; 2.75 (-2.8) is not.
func TestDigestRoundingAtTheThresholds(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		g := foundedGroup(t, h)
		cara, dan := h.Member("cara"), h.Member("dan")
		g.Memberships[cara] = g.Join(cara, "Cara")
		g.Memberships[dan] = g.Join(dan, "Dan")
		scheduleSession(g.Therapist, g.ID, feb(9, 0), 60)
		sess := scheduleSession(g.Therapist, g.ID, feb(23, 0), 60)
		// The period is 9-23 Feb; the one before, 26 Jan - 9 Feb.
		prev := func(i int) time.Time { return utc(2027, 1, 30, 12+i, 0) }
		// Ann: mood 1,2,2 (1.7) against 4,5,5 (4.7): -3.0; craving 7,7,6 (6.7) against 7: -0.3.
		for i, m := range []int{1, 2, 2} {
			reflectAt(t, h, g, g.A, "GROUP", fmt.Sprint("MARKER ann ", i), m, []int{7, 7, 6}[i], feb(12+i, 12))
		}
		for i, m := range []int{4, 5, 5} {
			reflectAt(t, h, g, g.A, "GROUP", fmt.Sprint("MARKER ann before ", i), m, 7, prev(i))
		}
		// Ben: 20 reflections, craving nineteen 7s and a 6 (6.95, shown 7.0); mood 6 against 8.
		// The craving change, 6.95 - 7 = -0.05, rounds half away from zero: -0.1.
		for i := 0; i < 20; i++ {
			c := 7
			if i == 0 {
				c = 6
			}
			reflectAt(t, h, g, g.B, "FACILITATORS", fmt.Sprint("MARKER ben ", i), 6, c, feb(10, i))
		}
		reflectAt(t, h, g, g.B, "GROUP", "MARKER ben before", 8, 7, prev(0))
		// Cara: mood 7 against 10, exactly 3.
		reflectAt(t, h, g, cara, "GROUP", "MARKER cara", 7, 0, feb(20, 12))
		reflectAt(t, h, g, cara, "GROUP", "MARKER cara before", 10, 0, prev(0))
		// Dan: mood 4 against 7,7,7,6 (6.75): -2.75, shown -2.8.
		reflectAt(t, h, g, dan, "GROUP", "MARKER dan", 4, 6, feb(21, 12))
		for i, m := range []int{7, 7, 7, 6} {
			reflectAt(t, h, g, dan, "GROUP", fmt.Sprint("MARKER dan before ", i), m, 6, prev(i))
		}

		clk.Set(feb(23, 1))
		r := mustDigest(t, g.Therapist, g.ID, sess)
		ms := digestByName(t, r)
		checkDigestMember(t, ms["Ann"], 3, fp(1.7), fp(6.7), fp(-3), fp(-0.3), ip(8), true)
		checkDigestMember(t, ms["Ben"], 20, fp(6), fp(7), fp(-2), fp(-0.1), ip(12), true)
		checkDigestMember(t, ms["Cara"], 1, fp(7), fp(0), fp(-3), fp(0), ip(2), true)
		checkDigestMember(t, ms["Dan"], 1, fp(4), fp(6), fp(-2.8), fp(0), ip(1), false)
		reasons := attentionReasons(t, g.Therapist, g.ID, sess)
		for n, want := range map[string][]string{"Ann": {"MOOD_DROP"}, "Ben": {"HIGH_CRAVING"}, "Cara": {"MOOD_DROP"}, "Dan": nil} {
			if !slices.Equal(reasons[n], want) {
				t.Errorf("%s: reasons %v, want %v", n, reasons[n], want)
			}
		}
		if names := digestNames(t, r); !slices.Equal(names, []string{"Cara", "Ann", "Ben", "Dan"}) {
			t.Errorf("order %v, want Cara, Ann, Ben (attention, fewest first), Dan", names)
		}
		if r.Num("node.digest.reflectionCount") != 25 || r.Num("node.digest.attentionCount") != 3 {
			t.Errorf("totals: count %d attention %d", r.Num("node.digest.reflectionCount"), r.Num("node.digest.attentionCount"))
		}
		// -0 is never shown.
		if strings.Contains(r.Raw, "-0,") || strings.Contains(r.Raw, "-0}") {
			t.Errorf("a negative zero: %s", r.Raw)
		}
	}, startingAt(feb(1, 12)))
}

// TestDigestReadAccounting: every reflection the digest shows is one read by the
// facilitator in its author's accounting, every time the digest is asked for; reflections
// of the period before (used only for the changes) and PRIVATE ones are not; a refused
// digest (a member, a demoted therapist, another group's therapist through nodes) adds
// nothing.
func TestDigestReadAccounting(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		g := foundedGroup(t, h)
		scheduleSession(g.Therapist, g.ID, feb(2, 0), 60)
		sess := scheduleSession(g.Therapist, g.ID, feb(9, 0), 60)
		before := reflectAt(t, h, g, g.A, "GROUP", "MARKER before", 5, 5, feb(1, 18))
		f := reflectAt(t, h, g, g.A, "FACILITATORS", "MARKER facilitators", 5, 5, feb(3, 18))
		gr := reflectAt(t, h, g, g.A, "GROUP", "MARKER group", 5, 5, feb(4, 18))
		reflectAt(t, h, g, g.A, "PRIVATE", "MARKER private", 5, 5, feb(5, 18))
		_ = before
		clk.Set(feb(9, 1))

		// Refused first.
		if r := askDigest(g.B, g.ID, sess); r.Code() != "FORBIDDEN" {
			t.Errorf("member: %s", r.Raw)
		}
		if r := askDigest(demote(t, h, g.Therapist), g.ID, sess); r.Code() != "FORBIDDEN" {
			t.Errorf("demoted therapist: %s", r.Raw)
		}
		r := g.Stranger.Raw(`query S($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on Group { id
		  digest { reflectionCount members { reflections { id body mood } } } } } }`, "S", map[string]any{"ids": []string{g.ID}})
		// Nothing: nodes comes back null (or [null]), as for any node one cannot see.
		if r.Get("nodes.0") != nil {
			t.Errorf("another group's therapist through nodes: %s", r.Raw)
		}
		noLeak(t, "stranger", r, "MARKER")
		if got := readsOf(t, g.A); len(got) != 0 {
			t.Fatalf("reads after refused digests: %v", got)
		}

		want := []string{f + "/Dr. T/FACILITATOR", gr + "/Dr. T/FACILITATOR"}
		sort.Strings(want)
		mustDigest(t, g.Therapist, g.ID, sess)
		if got := readsOf(t, g.A); !slices.Equal(got, want) {
			t.Errorf("after one digest: %v, want %v", got, want)
		}
		// A digest that selects only numbers still uses the reflections' content (mood and
		// craving): it is a read too. Asked for a second time: the reads are recorded again.
		g.Therapist.MustRaw(`query N($g: ID!, $s: ID) { node(id: $g) { ... on Group { digest(sessionID: $s) {
		  members { averageMood } } } } }`, "N", map[string]any{"g": g.ID, "s": sess})
		got := readsOf(t, g.A)
		if len(got) != 4 || !slices.Equal(slices.Compact(slices.Clone(got)), want) {
			t.Errorf("after two digests: %v, want each of %v twice", got, want)
		}
	}, startingAt(feb(1, 12)))
}

// TestDigestCoMemberTherapist: a person with the therapist role who joined the group with
// its invite code is a MEMBER of it: listed in the digest like any member, refused the
// digest, and shown only what members see (not FACILITATORS reflections of others, not the
// crisis marks).
func TestDigestCoMemberTherapist(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := foundedGroup(t, h)
		cody := h.Therapist("cody")
		g.Memberships[cody] = g.Join(cody, "Cody")
		reflectAt(t, h, g, g.A, "FACILITATORS", "MARKER ann for facilitators", 5, 5, feb(1, 8))
		reflectAt(t, h, g, g.A, "GROUP", "MARKER I want to end my life", 5, 5, feb(1, 9))
		reflectAt(t, h, g, cody, "FACILITATORS", "MARKER cody for facilitators", 5, 5, feb(1, 10))

		r := askDigest(cody, g.ID, nil)
		if r.Code() != "FORBIDDEN" || r.Get("node.digest") != nil {
			t.Errorf("co-member therapist: want FORBIDDEN, got %s", r.Raw)
		}
		noLeak(t, "co-member digest", r, "MARKER")
		got, totals, raws := reflectionsSince(t, cody, g.ID, feb(1, 0), 1)
		if !slices.Equal(got, []string{"MARKER I want to end my life/Ann", "MARKER cody for facilitators/Cody"}) || totals[0] != 2 {
			t.Errorf("co-member therapist sees %v (totalCount %v)", got, totals)
		}
		for _, raw := range raws {
			noLeak(t, "co-member since", raw, "ann for facilitators")
			if strings.Contains(raw.Raw, `"needsAttention":true`) {
				t.Errorf("co-member therapist sees a crisis mark: %s", raw.Raw)
			}
		}
		r = mustDigest(t, g.Therapist, g.ID, nil)
		ms := digestByName(t, r)
		if len(ms) != 3 {
			t.Errorf("members %v, want Ann, Ben and Cody", digestNames(t, r))
		}
		if c := ms["Cody"]; c.Count != 1 || !slices.Equal(c.Reflections, []string{"MARKER cody for facilitators"}) {
			t.Errorf("Cody in the digest: %+v", c)
		}
		if names := digestNames(t, r); names[0] != "Ann" {
			t.Errorf("Ann (crisis) should be first: %v", names)
		}
	}, startingAt(feb(1, 12)))
}

// TestDigestSecondFacilitatorWhoLeft: a second facilitator of the group gets the digest
// (and is not listed in it); once they have left they get no digest and no reflections,
// and nothing more is accounted in their name.
func TestDigestSecondFacilitatorWhoLeft(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := foundedGroup(t, h)
		second := g.Join(g.Stranger, "Dr. Second")
		if _, err := rawDB(t, h).Exec("UPDATE memberships SET role = 'FACILITATOR' WHERE id = $1", second); err != nil {
			t.Fatal(err)
		}
		f := reflectAt(t, h, g, g.A, "FACILITATORS", "MARKER for facilitators", 5, 5, feb(1, 8))
		r := mustDigest(t, g.Stranger, g.ID, nil)
		names := digestNames(t, r)
		sort.Strings(names)
		if !slices.Equal(names, []string{"Ann", "Ben"}) || r.Num("node.digest.reflectionCount") != 1 {
			t.Errorf("second facilitator's digest: %s", r.Raw)
		}
		if got := readsOf(t, g.A); !slices.Equal(got, []string{f + "/Dr. Second/FACILITATOR"}) {
			t.Errorf("reads: %v", got)
		}
		g.Stranger.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		r = askDigest(g.Stranger, g.ID, nil)
		// A former member still sees the group's name (rule.GroupQueryMembersPastAndPresent);
		// the digest is refused.
		if r.Get("node.digest") != nil || (r.Get("node") != nil && r.Code() != "FORBIDDEN" && r.Code() != "NOT_FOUND") {
			t.Errorf("after leaving: %s", r.Raw)
		}
		noLeak(t, "after leaving", r, "MARKER")
		r = g.Stranger.Op("GroupReflectionsSince", map[string]any{"groupID": g.ID, "since": rfc3339(feb(1, 0))})
		if r.Get("node.reflections.edges.0") != nil {
			t.Errorf("after leaving, GroupReflectionsSince: %s", r.Raw)
		}
		noLeak(t, "after leaving", r, "MARKER")
		if got := readsOf(t, g.A); len(got) != 1 {
			t.Errorf("reads after leaving: %v", got)
		}
	}, startingAt(feb(1, 12)))
}

// TestDigestMemberPathsToTheDigest: a member reaching the group through their own
// memberships, and an anonymous caller, get no digest.
func TestDigestMemberPathsToTheDigest(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := foundedGroup(t, h)
		g.Reflect(g.B, "FACILITATORS", "MARKER ben for facilitators")
		q := `query V { viewer { memberships { group { id digest { reflectionCount members { reflections { body } } } } } } }`
		r := g.A.Raw(q, "V", nil)
		if r.Code() != "FORBIDDEN" || r.Get("viewer.memberships.0.group.digest") != nil {
			t.Errorf("member through viewer.memberships: %s", r.Raw)
		}
		noLeak(t, "member path", r, "MARKER")
		r = h.Anonymous().Op("GroupReflectionsSince", map[string]any{"groupID": g.ID, "since": "2020-01-01T00:00:00Z"})
		if r.Code() != "UNAUTHENTICATED" || r.Get("node") != nil {
			t.Errorf("anonymous GroupReflectionsSince: %s", r.Raw)
		}
		noLeak(t, "anonymous", r, "MARKER")
	})
}

// TestDigestSinceMemberView: a member paging one at a time through GroupReflectionsSince
// sees their own reflections (any visibility) and others' GROUP ones, never others'
// FACILITATORS or PRIVATE ones; totalCount counts only those; crisis marks are not shown to
// members, not even their own.
func TestDigestSinceMemberView(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := foundedGroup(t, h)
		since := utc(2026, 1, 1, 0, 0)
		reflectAt(t, h, g, g.A, "FACILITATORS", "MARKER a facilitators", 5, 5, since.Add(1*time.Hour))
		reflectAt(t, h, g, g.A, "PRIVATE", "MARKER a private", 5, 5, since.Add(2*time.Hour))
		reflectAt(t, h, g, g.A, "GROUP", "MARKER I want to end my life", 5, 5, since.Add(3*time.Hour))
		reflectAt(t, h, g, g.B, "FACILITATORS", "MARKER b I want to die", 5, 5, since.Add(4*time.Hour))
		reflectAt(t, h, g, g.B, "GROUP", "MARKER b group", 5, 5, since.Add(5*time.Hour))
		reflectAt(t, h, g, g.Therapist, "GROUP", "MARKER therapist group", 5, 5, since.Add(6*time.Hour))

		got, totals, raws := reflectionsSince(t, g.B, g.ID, since, 1)
		want := []string{"MARKER I want to end my life/Ann", "MARKER b I want to die/Ben", "MARKER b group/Ben", "MARKER therapist group/Dr. T"}
		if !slices.Equal(got, want) {
			t.Errorf("Ben sees %v, want %v", got, want)
		}
		if fmt.Sprint(totals) != "[4 4 4 4]" {
			t.Errorf("Ben's totalCount per page %v, want 4 each", totals)
		}
		for _, raw := range raws {
			noLeak(t, "Ben's since", raw, "a facilitators", "a private")
			if strings.Contains(raw.Raw, `"needsAttention":true`) {
				t.Errorf("a member sees a crisis mark: %s", raw.Raw)
			}
		}
		got, _, _ = reflectionsSince(t, g.Therapist, g.ID, since, 2)
		want = []string{"MARKER a facilitators/Ann", "MARKER I want to end my life/Ann", "MARKER b I want to die/Ben",
			"MARKER b group/Ben", "MARKER therapist group/Dr. T"}
		if !slices.Equal(got, want) {
			t.Errorf("facilitator sees %v, want %v", got, want)
		}
	})
}

// TestDigestSincePagingTies: five reflections written at the same instant are paged
// through, two or one at a time, each exactly once, in order of id; the member's paging
// skips the facilitators-only ones among them without losing or repeating any.
func TestDigestSincePagingTies(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := foundedGroup(t, h)
		at := utc(2026, 3, 3, 3, 3)
		reflectAt(t, h, g, g.A, "GROUP", "MARKER early", 5, 5, at.Add(-time.Second))
		var tied []string
		for i, c := range []*Client{g.A, g.B, g.A, g.B, g.A} {
			vis := "GROUP"
			if i == 1 || i == 2 {
				vis = "FACILITATORS"
			}
			tied = append(tied, reflectAt(t, h, g, c, vis, fmt.Sprint("MARKER tie ", i), 5, 5, at))
		}
		reflectAt(t, h, g, g.B, "GROUP", "MARKER late", 5, 5, at.Add(time.Second))
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
			if got, totals, _ := reflectionsSince(t, g.Therapist, g.ID, at.Add(-time.Hour), first); !slices.Equal(got, all) || totals[0] != 7 {
				t.Errorf("facilitator, first %d: %v (totalCount %v), want %v", first, got, totals, all)
			}
			// Ann sees her own FACILITATORS tie (2), not Ben's (1).
			wantAnn := slices.Clone(member)
			wantAnn = slices.Insert(wantAnn, 2, "MARKER tie 2/Ann")
			if got, totals, _ := reflectionsSince(t, g.A, g.ID, at.Add(-time.Hour), first); !slices.Equal(got, wantAnn) || totals[0] != len(wantAnn) {
				t.Errorf("Ann, first %d: %v (totalCount %v), want %v", first, got, totals, wantAnn)
			}
		}
		// Since exactly the tied instant: the five and the late one.
		if got, _, _ := reflectionsSince(t, g.Therapist, g.ID, at, 2); !slices.Equal(got, all[1:]) {
			t.Errorf("since the instant: %v", got)
		}
	})
}

// TestDigestSinceFutureAndOffsets: since in the future gives nothing; since with a UTC
// offset means the same instant in UTC.
func TestDigestSinceFutureAndOffsets(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := foundedGroup(t, h)
		reflectAt(t, h, g, g.A, "GROUP", "MARKER just before", 5, 5, utc(2026, 2, 8, 23, 30))
		reflectAt(t, h, g, g.A, "GROUP", "MARKER at", 5, 5, utc(2026, 2, 9, 0, 0))
		reflectAt(t, h, g, g.B, "GROUP", "MARKER after", 5, 5, utc(2026, 2, 9, 1, 0))
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

// TestDigestDeletedAccountNotListed: a member who deleted their account is no longer in the
// digest, and nothing of theirs is counted or shown.
func TestDigestDeletedAccountNotListed(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := foundedGroup(t, h)
		g.Reflect(g.A, "FACILITATORS", "MARKER ann gone")
		g.Reflect(g.B, "GROUP", "MARKER ben stays")
		g.A.MustOp("DeleteAccount", map[string]any{"confirm": true})
		r := mustDigest(t, g.Therapist, g.ID, nil)
		if names := digestNames(t, r); !slices.Equal(names, []string{"Ben"}) || r.Num("node.digest.reflectionCount") != 1 {
			t.Errorf("after Ann deleted her account: %v %s", names, r.Raw)
		}
		noLeak(t, "digest", r, "ann gone")
		got, _, _ := reflectionsSince(t, g.Therapist, g.ID, utc(2020, 1, 1, 0, 0), 10)
		if !slices.Equal(got, []string{"MARKER ben stays/Ben"}) {
			t.Errorf("GroupReflectionsSince after deletion: %v", got)
		}
	})
}

// TestDigestTwoGroupsOneRequest: Dr. T facilitates the Tuesday group and is a plain member
// of Cody's group (Cody is a therapist). In one request, the Tuesday digest is served and
// Cody's group's is refused; only the Tuesday reflections are accounted as read; and crisis
// marks on reflections of both groups fetched together show only where Dr. T facilitates.
func TestDigestTwoGroupsOneRequest(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := foundedGroup(t, h)
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
		noLeak(t, "two digests", r, "wednesday")
		if got := readsOf(t, g.A); !slices.Equal(got, []string{inTue + "/Dr. T/FACILITATOR"}) {
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
		got, _, _ := reflectionsSince(t, g.Therapist, cg, utc(2020, 1, 1, 0, 0), 10)
		if !slices.Equal(got, []string{"MARKER wednesday I want to end my life/Ann W"}) {
			t.Errorf("Dr. T in Wednesday sees %v", got)
		}
	})
}
