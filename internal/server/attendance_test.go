package server_test

// Who is coming and who came: answers (RSVPs) with a note for the facilitators, attendance
// recorded after the session, unexcused absences in a row, the reminders of those who said
// they would not come, and the digest's MISSED_SESSIONS and open topics.

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processgroup/api/ent/topic"
	"github.com/processgroup/api/internal/platform/crypt"
	"github.com/processgroup/api/internal/rule"
)

// briefDoc is the session's attendance as SessionBriefing selects it (without the topics and
// reflections), with the viewer's answer.
const briefDoc = `query Brief($id: ID!) {
  node(id: $id) {
    __typename
    ... on GroupSession {
      id
      startsAt
      viewerRsvp
      attendance {
        membership { id displayName role }
        rsvp
        rsvpNote
        status
        consecutiveAbsences
      }
    }
  }
}`

// respond answers session id as c.
func respond(c *Client, id, answer string, note any) *Resp {
	c.h.t.Helper()
	vars := map[string]any{"sessionID": id, "answer": answer}
	if note != nil {
		vars["note"] = note
	}
	return c.Op("RespondToSession", vars)
}

// record records attendance of session id as c: membership id → status.
func record(c *Client, id string, entries map[string]string) *Resp {
	c.h.t.Helper()
	var in []map[string]any
	for m, s := range entries {
		in = append(in, map[string]any{"membershipID": m, "status": s})
	}
	return c.Op("RecordAttendance", map[string]any{"sessionID": id, "entries": in})
}

// attendanceOf is the session's attendance as c reads it, by membership id.
func attendanceOf(t *testing.T, c *Client, id string) map[string]map[string]any {
	t.Helper()
	r := c.MustRaw(briefDoc, "Brief", map[string]any{"id": id})
	out := map[string]map[string]any{}
	list, _ := r.Get("node.attendance").([]any)
	for _, x := range list {
		row := x.(map[string]any)
		out[row["membership"].(map[string]any)["id"].(string)] = row
	}
	return out
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("id %q: %v", s, err)
	}
	return n
}

// TestAttendanceRespond: members answer until the session starts, with a note of at most
// 280 characters (trimmed; empty is none); answering again replaces the answer and the
// note; outsiders find no session; a cancelled or started session refuses; the facilitator
// may answer (listed nowhere); double taps at once make one row.
func TestAttendanceRespond(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		s := schedule(g, sixPM)
		r := respond(g.A, s, "GOING", "  running late, sorry  ")
		if r.Code() != "" || r.Str("respondToSession.viewerRsvp") != "GOING" || r.Str("respondToSession.id") != s {
			t.Fatalf("respond: %s", r.Raw)
		}
		row := attendanceOf(t, g.Therapist, s)[g.Memberships[g.A]]
		if row["rsvp"] != "GOING" || row["rsvpNote"] != "running late, sorry" {
			t.Fatalf("the facilitator reads %v", row)
		}
		// Again: the answer and the note are replaced; no note is none.
		respond(g.A, s, "NOT_GOING", nil)
		row = attendanceOf(t, g.Therapist, s)[g.Memberships[g.A]]
		if row["rsvp"] != "NOT_GOING" || row["rsvpNote"] != nil {
			t.Fatalf("after answering again: %v", row)
		}
		respond(g.A, s, "GOING", "   ")
		if row = attendanceOf(t, g.Therapist, s)[g.Memberships[g.A]]; row["rsvpNote"] != nil {
			t.Fatalf("a blank note is none: %v", row)
		}
		// 280 characters, not bytes.
		if r := respond(g.A, s, "GOING", strings.Repeat("é", 280)); r.Code() != "" {
			t.Fatalf("280 characters: %s", r.Raw)
		}
		for _, c := range []struct {
			name   string
			by     *Client
			id     string
			answer string
			note   any
			code   string
		}{
			{"281 characters", g.A, s, "GOING", strings.Repeat("a", 281), "BAD_USER_INPUT"},
			{"an outsider", g.Outsider, s, "GOING", nil, "NOT_FOUND"},
			{"a therapist of another group", g.Stranger, s, "GOING", nil, "NOT_FOUND"},
			{"no such session", g.A, madeUpID(t, s), "GOING", nil, "NOT_FOUND"},
		} {
			if r := respond(c.by, c.id, c.answer, c.note); r.Code() != c.code {
				t.Errorf("%s: %s, want %s", c.name, r.Raw, c.code)
			}
		}
		// The facilitator may answer; they are not listed (role MEMBER only).
		if r := respond(g.Therapist, s, "NOT_GOING", nil); r.Code() != "" || r.Str("respondToSession.viewerRsvp") != "NOT_GOING" {
			t.Fatalf("the facilitator answers: %s", r.Raw)
		}
		if _, listed := attendanceOf(t, g.Therapist, s)[g.Memberships[g.Therapist]]; listed {
			t.Errorf("the facilitator is listed")
		}
		// Double taps at once: all answered, one row.
		atOnce(6, func(i int) {
			if r := respond(g.B, s, []string{"GOING", "NOT_GOING"}[i%2], "tap"); r.Code() != "" {
				t.Errorf("tap %d: %s", i, r.Raw)
			}
		})
		if n := countRows(t, h, "SELECT COUNT(*) FROM attendances WHERE membership_id = $1", g.Memberships[g.B]); n != 1 {
			t.Errorf("%d rows after double taps", n)
		}
		// Cancelled, started.
		cancelled := schedule(g, sixPM.Add(24*time.Hour))
		g.Therapist.MustOp("CancelSession", map[string]any{"id": cancelled})
		if r := respond(g.A, cancelled, "GOING", nil); r.Code() != "CONFLICT" {
			t.Errorf("cancelled: %s", r.Raw)
		}
		h.Clock.Set(sixPM)
		if r := respond(g.A, s, "NOT_GOING", nil); r.Code() != "CONFLICT" {
			t.Errorf("started: %s", r.Raw)
		}
		if row := attendanceOf(t, g.Therapist, s)[g.Memberships[g.A]]; row["rsvp"] != "GOING" {
			t.Errorf("a refused answer changed the answer: %v", row)
		}
	}, startingAt(tuesdayMorning))
}

// TestAttendanceNotePrivacy: the note is read by the group's facilitators and the member,
// nobody else, by any path: GroupSession.attendance is empty to every non-facilitator (the
// member, a peer, a former facilitator), the session is not there for an outsider or a
// stranger therapist (node, nodes), viewerRsvp is each viewer's own; the member's export has
// their answer and note, a peer's does not; the note is sealed at rest; deleting the account
// empties it.
func TestAttendanceNotePrivacy(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		s := schedule(g, sixPM)
		const note = "note-marker-7731 my sponsor's wedding"
		respond(g.A, s, "NOT_GOING", note)
		if row := attendanceOf(t, g.Therapist, s)[g.Memberships[g.A]]; row["rsvpNote"] != note {
			t.Fatalf("the facilitator reads %v", row)
		}
		nodesDoc := `query N($ids: [ID!]!) { nodes(ids: $ids) { ... on GroupSession { id viewerRsvp attendance { rsvpNote rsvp } } } }`
		upcomingDoc := `query U { viewer { upcomingSessions { id viewerRsvp attendance { rsvpNote rsvp } } } }`
		for _, c := range []struct {
			name string
			by   *Client
			rsvp any
			sees bool // the session
		}{
			{"the member", g.A, "NOT_GOING", true},
			{"a peer", g.B, nil, true},
			{"an outsider", g.Outsider, nil, false},
			{"a stranger therapist", g.Stranger, nil, false},
			{"the facilitator, demoted", demote(t, h, g.Therapist), nil, true},
		} {
			r := c.by.Raw(briefDoc, "Brief", map[string]any{"id": s})
			noLeak(t, c.name+" (node)", r, note)
			if c.sees {
				if r.Str("node.id") != s || r.Get("node.viewerRsvp") != c.rsvp {
					t.Errorf("%s: %s", c.name, r.Raw)
				}
				if list, ok := r.Get("node.attendance").([]any); !ok || len(list) != 0 {
					t.Errorf("%s reads the attendance: %s", c.name, r.Raw)
				}
			} else if r.Get("node") != nil {
				t.Errorf("%s sees the session: %s", c.name, r.Raw)
			}
			noLeak(t, c.name+" (nodes)", c.by.Raw(nodesDoc, "N", map[string]any{"ids": []string{s}}), note)
			noLeak(t, c.name+" (upcomingSessions)", c.by.Raw(upcomingDoc, "U", nil), note)
		}
		// The facilitator's own view through the other paths.
		if r := g.Therapist.MustRaw(upcomingDoc, "U", nil); !strings.Contains(r.Raw, note) {
			t.Errorf("the facilitator's upcoming sessions: %s", r.Raw)
		}
		// A member who left no longer sees the session, nor their note through it.
		c := h.Member("c")
		g.Join(c, "Cy")
		respond(c, s, "GOING", note+" (c)")
		c.MustRaw(`mutation L($g: ID!) { leaveGroup(groupID: $g) }`, "L", map[string]any{"g": g.ID})
		if r := c.Raw(briefDoc, "Brief", map[string]any{"id": s}); r.Get("node") != nil {
			t.Errorf("a former member sees the session: %s", r.Raw)
		}
		// Sealed at rest.
		var stored string
		if err := rawDB(t, h).QueryRow("SELECT rsvp_note FROM attendances WHERE membership_id = $1", g.Memberships[g.A]).Scan(&stored); err != nil || !crypt.IsEncrypted(stored) || strings.Contains(stored, "marker") {
			t.Fatalf("stored note %q is not sealed: %v", stored, err)
		}
		// Export: the member's answer and note; not in a peer's.
		r := g.A.MustOp("ExportMyData", nil)
		var ex struct {
			Attendance []struct {
				SessionID int    `json:"sessionID"`
				Rsvp      string `json:"rsvp"`
				RsvpNote  string `json:"rsvpNote"`
			} `json:"attendance"`
		}
		if err := json.Unmarshal([]byte(r.Str("exportMyData.data")), &ex); err != nil {
			t.Fatal(err)
		}
		if len(ex.Attendance) != 1 || ex.Attendance[0].RsvpNote != note || ex.Attendance[0].Rsvp != "NOT_GOING" || strconv.Itoa(ex.Attendance[0].SessionID) != s {
			t.Errorf("the member's export: %+v", ex.Attendance)
		}
		noLeak(t, "a peer's export", g.B.MustOp("ExportMyData", nil), "note-marker")
		// Deleting the account empties the note.
		g.A.MustOp("DeleteAccount", map[string]any{"confirm": true})
		if n := countRows(t, h, "SELECT COUNT(*) FROM attendances WHERE membership_id = $1 AND rsvp_note IS NOT NULL", g.Memberships[g.A]); n != 0 {
			t.Errorf("the note outlived the account")
		}
	}, startingAt(tuesdayMorning))
}

// TestAttendanceRecord: facilitators record attendance once the session has started, not
// before (CONFLICT) nor for a cancelled one; members are refused (FORBIDDEN); a membership of
// another group is refused (BAD_USER_INPUT) and nothing is recorded; recording again is
// idempotent and corrects.
func TestAttendanceRecord(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		s := schedule(g, sixPM)
		a, b := g.Memberships[g.A], g.Memberships[g.B]
		if r := record(g.Therapist, s, map[string]string{a: "PRESENT"}); r.Code() != "CONFLICT" {
			t.Errorf("before the start: %s", r.Raw)
		}
		cancelled := schedule(g, sixPM.Add(-time.Hour))
		g.Therapist.MustOp("CancelSession", map[string]any{"id": cancelled})
		respond(g.A, s, "GOING", "on my way")
		h.Clock.Set(sixPM.Add(time.Minute))
		if r := record(g.Therapist, cancelled, map[string]string{a: "PRESENT"}); r.Code() != "CONFLICT" {
			t.Errorf("cancelled: %s", r.Raw)
		}
		if r := record(g.A, s, map[string]string{a: "PRESENT"}); r.Code() != "FORBIDDEN" {
			t.Errorf("a member records: %s", r.Raw)
		}
		if r := record(g.Outsider, s, map[string]string{a: "PRESENT"}); r.Code() != "NOT_FOUND" {
			t.Errorf("an outsider records: %s", r.Raw)
		}
		other := g.Stranger.MustRaw(`query { viewer { memberships { id } } }`, "", nil).Str("viewer.memberships.0.id")
		if other == "" {
			t.Fatal("no membership of the stranger's group")
		}
		before := dbSnapshot(t, h)
		if r := record(g.Therapist, s, map[string]string{a: "PRESENT", other: "ABSENT"}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("a membership of another group: %s", r.Raw)
		}
		if after := dbSnapshot(t, h); after != before {
			t.Errorf("a refused record changed something")
		}
		if n := countRows(t, h, "SELECT COUNT(*) FROM attendances WHERE status IS NOT NULL"); n != 0 {
			t.Errorf("%d records after a refused recording", n)
		}
		r := record(g.Therapist, s, map[string]string{a: "PRESENT", b: "ABSENT"})
		if r.Code() != "" {
			t.Fatalf("record: %s", r.Raw)
		}
		got := map[string]string{}
		for _, x := range r.Get("recordAttendance.attendance").([]any) {
			row := x.(map[string]any)
			got[row["membership"].(map[string]any)["id"].(string)] = row["status"].(string) + "/" + strconv.Itoa(int(row["consecutiveAbsences"].(float64)))
		}
		if got[a] != "PRESENT/0" || got[b] != "ABSENT/1" {
			t.Errorf("recorded: %v", got)
		}
		// Again, then a correction: B was excused. A's answer and note are untouched.
		record(g.Therapist, s, map[string]string{a: "PRESENT", b: "ABSENT"})
		if r := record(g.Therapist, s, map[string]string{b: "EXCUSED"}); r.Code() != "" {
			t.Fatalf("correction: %s", r.Raw)
		}
		rows := attendanceOf(t, g.Therapist, s)
		if rows[b]["status"] != "EXCUSED" || rows[b]["consecutiveAbsences"].(float64) != 0 ||
			rows[a]["status"] != "PRESENT" || rows[a]["rsvp"] != "GOING" || rows[a]["rsvpNote"] != "on my way" {
			t.Errorf("after the correction: %v", rows)
		}
		if n := countRows(t, h, "SELECT COUNT(*) FROM attendances"); n != 2 {
			t.Errorf("%d rows", n)
		}
		// A member reads none of it.
		if rows := attendanceOf(t, g.A, s); len(rows) != 0 {
			t.Errorf("a member reads %v", rows)
		}
	}, startingAt(tuesdayMorning))
}

// TestAttendanceConsecutiveAbsences: unexcused absences in a row count back over the
// recorded sessions (not cancelled, not unrecorded ones); PRESENT, EXCUSED or no entry ends
// the count. The digest lists MISSED_SESSIONS (2 or more) after CRISIS and before the other
// reasons, whatever the numbers of reflections.
func TestAttendanceConsecutiveAbsences(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		c := h.Member("c")
		cm := g.Join(c, "Cy")
		a, b := g.Memberships[g.A], g.Memberships[g.B]
		day := 24 * time.Hour
		var s []string
		for i := 0; i < 5; i++ {
			s = append(s, schedule(g, sixPM.Add(time.Duration(i)*day)))
		}
		// A cancelled session between the third and the fourth counts for nothing.
		gap := schedule(g, sixPM.Add(2*day+3*time.Hour))
		g.Therapist.MustOp("CancelSession", map[string]any{"id": gap})
		next := schedule(g, sixPM.Add(7*day))
		h.Clock.Set(sixPM.Add(4*day + time.Hour))
		plan := []map[string]string{
			{a: "ABSENT", b: "ABSENT", cm: "ABSENT"},
			{a: "ABSENT", b: "EXCUSED", cm: "ABSENT"},
			{a: "ABSENT", b: "ABSENT", cm: "PRESENT"},
			{b: "ABSENT", cm: "ABSENT"}, // nothing for A
			// the fifth: not recorded
		}
		for i, entries := range plan {
			if r := record(g.Therapist, s[i], entries); r.Code() != "" {
				t.Fatalf("record %d: %s", i, r.Raw)
			}
		}
		want := [][3]int{{1, 1, 1}, {2, 0, 2}, {3, 1, 0}, {0, 2, 1}, {0, 2, 1}}
		for i, w := range want {
			rows := attendanceOf(t, g.Therapist, s[i])
			got := [3]int{}
			for j, m := range []string{a, b, cm} {
				got[j] = int(rows[m]["consecutiveAbsences"].(float64))
			}
			if got != w {
				t.Errorf("session %d: absences in a row (A, B, C) %v, want %v", i+1, got, w)
			}
		}
		// The digest of the next session: A wrote crisis language, B missed two in a row
		// (and wrote twice), C's craving is high (one reflection).
		reflect := func(by *Client, body string, craving int) {
			in := reflectionInput(g.ID, "FACILITATORS", body)
			in["craving"] = craving
			by.MustOp("CreateReflection", map[string]any{"input": in})
		}
		reflect(g.A, "Some nights I just want to end my life.", 3)
		reflect(g.B, "steady", 3)
		reflect(g.B, "steady again", 3)
		reflect(c, "hard week", 9)
		r := g.Therapist.MustRaw(`query D($g: ID!, $s: ID) { node(id: $g) { ... on Group { digest(sessionID: $s) {
			openTopicCount members { membership { id } attentionReasons } } } } }`, "D", map[string]any{"g": g.ID, "s": next})
		var order []string
		reasons := map[string]string{}
		for _, x := range r.Get("node.digest.members").([]any) {
			m := x.(map[string]any)
			id := m["membership"].(map[string]any)["id"].(string)
			order = append(order, id)
			var rs []string
			for _, y := range m["attentionReasons"].([]any) {
				rs = append(rs, y.(string))
			}
			reasons[id] = strings.Join(rs, ",")
		}
		if strings.Join(order, " ") != strings.Join([]string{a, b, cm}, " ") {
			t.Errorf("digest order %v, want A, B, C: %s", order, r.Raw)
		}
		if reasons[a] != "CRISIS" || reasons[b] != "MISSED_SESSIONS" || reasons[cm] != "HIGH_CRAVING" {
			t.Errorf("reasons %v", reasons)
		}
	}, startingAt(tuesdayMorning))
}

// TestDigestOpenTopicCount: the digest counts the session's topics that are open, not those
// discussed, withdrawn or deleted, nor those of another session.
func TestDigestOpenTopicCount(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		s := schedule(g, sixPM)
		other := schedule(g, sixPM.Add(24*time.Hour))
		addTopics(t, h, g, s, 3, topic.StatusOPEN)
		addTopics(t, h, g, s, 1, topic.StatusDISCUSSED)
		addTopics(t, h, g, s, 1, topic.StatusWITHDRAWN)
		addTopics(t, h, g, other, 2, topic.StatusOPEN)
		ctx := rule.ForOperator(context.Background())
		gone := addTopics(t, h, g, s, 1, topic.StatusOPEN)
		h.App.Client().Topic.UpdateOneID(gone[0]).SetDeletedAt(h.Clock.Now()).ExecX(ctx)
		doc := `query D($g: ID!, $s: ID) { node(id: $g) { ... on Group { digest(sessionID: $s) { openTopicCount } } } }`
		for id, want := range map[string]int{s: 3, other: 2} {
			r := g.Therapist.MustRaw(doc, "D", map[string]any{"g": g.ID, "s": id})
			if n := r.Num("node.digest.openTopicCount"); n != want {
				t.Errorf("session %s: %d open topics, want %d", id, n, want)
			}
		}
	}, startingAt(tuesdayMorning))
}

// addTopics writes n topics of A for session sessionID below the API (the topics' service is
// another part of the issue) and returns their ids.
func addTopics(t *testing.T, h *H, g *Group, sessionID string, n int, status topic.Status) []int {
	t.Helper()
	ctx := rule.ForOperator(context.Background())
	c := h.App.Client()
	m, err := c.Membership.Get(ctx, atoi(t, g.Memberships[g.A]))
	if err != nil {
		t.Fatal(err)
	}
	var ids []int
	for i := 0; i < n; i++ {
		tp, err := c.Topic.Create().
			SetClientID(uuid.New()).SetUserID(m.UserID).SetGroupID(m.GroupID).SetSessionID(atoi(t, sessionID)).
			SetAuthorID(m.ID).SetText("topic text").SetVisibility(topic.VisibilityFACILITATORS).
			SetStatus(status).SetCreateDigest(uuid.NewString()).
			Save(ctx)
		if err != nil {
			t.Fatalf("topic: %v", err)
		}
		ids = append(ids, tp.ID)
	}
	return ids
}

// TestAttendanceReminders: who said NOT_GOING is not reminded of that session, but hears of
// its cancellation and, at once, of its move; the move resets their answer, and they are
// reminded of the new time.
func TestAttendanceReminders(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		registerDevice(g.A, "token-a", "ANDROID", "en-US")
		registerDevice(g.B, "token-b", "ANDROID", "en-US")
		day := 24 * time.Hour
		s1 := schedule(g, sixPM)
		s2 := schedule(g, sixPM.Add(day))
		s3 := schedule(g, sixPM.Add(2*day))
		for _, s := range []string{s1, s2, s3} {
			if r := respond(g.A, s, "NOT_GOING", "away"); r.Code() != "" {
				t.Fatalf("respond: %s", r.Raw)
			}
		}
		// Cancelled: both hear it.
		g.Therapist.MustOp("CancelSession", map[string]any{"id": s3})
		ms := h.Pushes(2)
		if n := byToken(ms); n["token-a"] != 1 || n["token-b"] != 1 {
			t.Fatalf("cancellation: %v", summary(ms))
		}
		// The first session's reminder: B only.
		h.Clock.Set(sixPM.Add(-time.Hour + time.Second))
		ms = h.Pushes(3)
		if ms[2].Token != "token-b" || ms[2].Data["sessionId"] != s1 {
			t.Fatalf("reminders: %v", summary(ms))
		}
		// The second session moves: A, who declined, is told at once; B, not reminded yet,
		// is not. A's answer is gone.
		moved := sixPM.Add(day + 2*time.Hour)
		g.Therapist.MustOp("RescheduleSession", map[string]any{"id": s2, "startsAt": rfc3339(moved)})
		ms = h.Pushes(4)
		if ms[3].Token != "token-a" || ms[3].Data["sessionId"] != s2 {
			t.Fatalf("move: %v", summary(ms))
		}
		if r := g.A.MustRaw(briefDoc, "Brief", map[string]any{"id": s2}); r.Get("node.viewerRsvp") != nil {
			t.Errorf("the answer survived the move: %s", r.Raw)
		}
		if n := countRows(t, h, "SELECT COUNT(*) FROM attendances WHERE session_id = $1 AND (rsvp IS NOT NULL OR rsvp_note IS NOT NULL OR rsvp_at IS NOT NULL)", s2); n != 0 {
			t.Errorf("%d answers left after the move", n)
		}
		// Both are reminded of the new time.
		h.Clock.Set(moved.Add(-time.Hour + time.Second))
		ms = h.Pushes(6)
		if n := byToken(ms[4:]); n["token-a"] != 1 || n["token-b"] != 1 || ms[4].Data["sessionId"] != s2 || ms[5].Data["sessionId"] != s2 {
			t.Fatalf("after the move: %v", summary(ms))
		}
	}, withPush(), startingAt(tuesdayMorning))
}

// TestAttendanceAnswerAgainstMove: an answer given while the session moves either comes
// after the move (it answered the new time, and stays) or before it (and the move resets
// it): an answer given for the old time never survives the move. PostgreSQL, at once.
func TestAttendanceAnswerAgainstMove(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		outcomes := map[string]int{}
		defer func() { t.Logf("answers to the old time, to the new time: %d, %d", outcomes["old"], outcomes["new"]) }()
		for i := 0; i < 12; i++ {
			old := sixPM.Add(time.Duration(24+i) * time.Hour)
			s := schedule(g, old)
			newTime := old.Add(30 * time.Minute)
			var answered *Resp
			atOnce(2, func(j int) {
				if j == 0 {
					answered = respond(g.A, s, "NOT_GOING", "away")
					return
				}
				if r := g.Therapist.Op("RescheduleSession", map[string]any{"id": s, "startsAt": rfc3339(newTime)}); r.Code() != "" {
					t.Errorf("move: %s", r.Raw)
				}
			})
			if answered.Code() != "" {
				t.Fatalf("answer: %s", answered.Raw)
			}
			kept := countRows(t, h, "SELECT COUNT(*) FROM attendances WHERE session_id = $1 AND rsvp IS NOT NULL", s)
			at := answered.Str("respondToSession.startsAt")
			if at == rfc3339(old) {
				outcomes["old"]++
			} else {
				outcomes["new"]++
			}
			switch {
			case at == rfc3339(old) && kept != 0:
				t.Fatalf("round %d: an answer to the old time survived the move", i)
			case at == rfc3339(newTime) && kept != 1:
				t.Fatalf("round %d: an answer to the new time was lost", i)
			case at != rfc3339(old) && at != rfc3339(newTime):
				t.Fatalf("round %d: answered %s", i, answered.Raw)
			}
		}
	}, onlyPostgres(), startingAt(tuesdayMorning))
}

// TestAttendanceWeeklyScheduleRemovesAnswered: a new weekly schedule removes the old
// schedule's sessions far ahead, answered ones too.
func TestAttendanceWeeklyScheduleRemovesAnswered(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		setWeekly(g, "18:00", "")
		far := farSession(t, g)
		respond(g.A, far, "NOT_GOING", "away")
		g.Therapist.MustOp("SetWeeklySchedule", map[string]any{"groupID": g.ID, "schedule": weeklyInput("WEDNESDAY", "18:00", 90, "")})
		if n := countRows(t, h, "SELECT COUNT(*) FROM attendances WHERE session_id = $1", far); n != 0 {
			t.Errorf("%d rows of a removed session", n)
		}
	}, startingAt(tuesdayMorning))
}

// farSession is a session of g's weekly schedule more than a week ahead (one a change of
// the schedule removes rather than cancels, unless something was written to it).
func farSession(t *testing.T, g *Group) string {
	t.Helper()
	for _, x := range g.Therapist.MustRaw(`query U { viewer { upcomingSessions(first: 10) { id startsAt } } }`, "U", nil).Get("viewer.upcomingSessions").([]any) {
		m := x.(map[string]any)
		at, _ := time.Parse(time.RFC3339, m["startsAt"].(string))
		if at.Sub(g.Therapist.h.Clock.Now()) > 8*24*time.Hour {
			return m["id"].(string)
		}
	}
	t.Fatal("no session more than a week ahead")
	return ""
}
