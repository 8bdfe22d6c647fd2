package server_test

// Moderation of encouragement: the recipient of an encouragement (the
// author of the reflection it was sent on) reports it, a facilitator of the group hides it.
//
//   - reported: hidden from the recipient at once; everyone else who reads the reflection
//     still sees it and is not told it was reported; facilitators see it in their queue.
//   - hidden: only the group's current facilitators and its sender see it; the sender is not
//     told.
//
// Every test tries to break one of these promises, as the app and as someone who should not
// be able to, on SQLite and on PostgreSQL. Every text carries a MARKER so that the harness's
// log check (checkLogs) fails the test if a message or a reason reaches the logs.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/processgroup/api/internal/platform/crypt"
	"github.com/processgroup/api/internal/platform/sealed"
)

const (
	hurtMessage      = "MARKER-MOD-hurtful-words"
	kindMessage      = "MARKER-MOD-kind-words"
	reportReasonText = "MARKER-MOD-reason-it-hurt"
	hideReasonText   = "MARKER-MOD-facilitator-note"
)

// moderationFixture is a group with a third member, Cara, and a GROUP reflection of Ann's with two
// encouragements on it: a hurtful one from Ben and a kind one from Cara.
type moderationFixture struct {
	g    *Group
	Cara *Client
	Ref  string // Ann's reflection
	Hurt string // Ben's encouragement on it
	Kind string // Cara's encouragement on it
}

func newModerationFixture(t *testing.T, h *H) *moderationFixture {
	t.Helper()
	g := h.NewGroup()
	cara := h.Member("cara")
	g.Memberships[cara] = g.Join(cara, "Cara")
	ref := g.Reflect(g.A, "GROUP", "MARKER-MOD-reflection")
	return &moderationFixture{
		g: g, Cara: cara, Ref: ref,
		Hurt: mustEncourage(t, g.B, ref, hurtMessage),
		Kind: mustEncourage(t, cara, ref, kindMessage),
	}
}

// reportEnc reports encouragement id as c, with a reason if one is given.
func reportEnc(c *Client, id string, reason ...string) *Resp {
	vars := map[string]any{"id": id}
	if len(reason) > 0 {
		vars["reason"] = reason[0]
	}
	return c.Op("ReportEncouragement", vars)
}

// hideEnc hides encouragement id as c, with a reason if one is given.
func hideEnc(c *Client, id string, reason ...string) *Resp {
	vars := map[string]any{"id": id}
	if len(reason) > 0 {
		vars["reason"] = reason[0]
	}
	return c.Op("HideEncouragement", vars)
}

// mustReport reports and fails unless the answer is {id, reported: true}.
func mustReport(t *testing.T, c *Client, id string, reason ...string) {
	t.Helper()
	r := reportEnc(c, id, reason...)
	if len(r.Errors) > 0 || r.Str("reportEncouragement.id") != id || r.Get("reportEncouragement.reported") != true {
		t.Fatalf("report %s: want {id: %s, reported: true}, got %s", id, id, r.Raw)
	}
}

// mustHide hides and fails unless the answer is {id, hidden: true}.
func mustHide(t *testing.T, c *Client, id string, reason ...string) {
	t.Helper()
	r := hideEnc(c, id, reason...)
	if len(r.Errors) > 0 || r.Str("hideEncouragement.id") != id || r.Get("hideEncouragement.hidden") != true {
		t.Fatalf("hide %s: want {id: %s, hidden: true}, got %s", id, id, r.Raw)
	}
}

const moderationReflectionDoc = `query ModReflection($id: ID!) {
  node(id: $id) {
    __typename
    ... on Reflection {
      id
      encouragementCount
      encouragements(first: 50) {
        totalCount
        edges { node { id message reported hidden reportReason sender { id } } }
      }
    }
  }
}`

// seenEncouragement is what one reader sees of a reflection's encouragement.
type seenEncouragement struct {
	Count int                       // encouragementCount
	Total int                       // encouragements.totalCount
	ByID  map[string]map[string]any // the listed encouragements
	Raw   string
}

// lookAtEncouragement reads the reflection as c (who must be able to read it).
func lookAtEncouragement(t *testing.T, c *Client, reflectionID string) seenEncouragement {
	t.Helper()
	r := c.MustRaw(moderationReflectionDoc, "ModReflection", map[string]any{"id": reflectionID})
	if r.Str("node.__typename") != "Reflection" {
		t.Fatalf("the reader should read reflection %s: %s", reflectionID, r.Raw)
	}
	s := seenEncouragement{Count: r.Num("node.encouragementCount"), Total: r.Num("node.encouragements.totalCount"), ByID: map[string]map[string]any{}, Raw: r.Raw}
	edges, _ := r.Get("node.encouragements.edges").([]any)
	for _, e := range edges {
		n := e.(map[string]any)["node"].(map[string]any)
		s.ByID[n["id"].(string)] = n
	}
	if len(s.ByID) != s.Total {
		t.Fatalf("totalCount %d but %d edges: %s", s.Total, len(s.ByID), r.Raw)
	}
	return s
}

// expectedEnc is how one reader must see one encouragement.
type expectedEnc struct {
	Message  string
	Reported bool
	Hidden   bool
	Reason   any // nil or the reason
}

// expectEncouragement checks what c sees on a reflection: encouragementCount, totalCount, and exactly
// the encouragements in want, each with the message, reported, hidden and reportReason c must
// see.
func expectEncouragement(t *testing.T, who string, c *Client, reflectionID string, want map[string]expectedEnc) seenEncouragement {
	t.Helper()
	s := lookAtEncouragement(t, c, reflectionID)
	if s.Count != len(want) || s.Total != len(want) {
		t.Errorf("%s: encouragementCount %d, totalCount %d, want %d: %s", who, s.Count, s.Total, len(want), s.Raw)
	}
	for id := range s.ByID {
		if _, ok := want[id]; !ok {
			t.Errorf("%s sees encouragement %s, which they must not: %s", who, id, s.Raw)
		}
	}
	for id, w := range want {
		e, ok := s.ByID[id]
		if !ok {
			t.Errorf("%s does not see encouragement %s: %s", who, id, s.Raw)
			continue
		}
		if e["message"] != w.Message || e["reported"] != w.Reported || e["hidden"] != w.Hidden || e["reportReason"] != w.Reason {
			t.Errorf("%s sees %s as message=%v reported=%v hidden=%v reportReason=%v; want %q %v %v %v",
				who, id, e["message"], e["reported"], e["hidden"], e["reportReason"], w.Message, w.Reported, w.Hidden, w.Reason)
		}
	}
	return s
}

const encouragementNodeDoc = `query ModNode($id: ID!) {
  node(id: $id) { __typename ... on Encouragement { id message reported hidden reportReason reflection { id } } }
}`

// encouragementNode is encouragement id as node(id:) gives it to c, or nil.
func encouragementNode(t *testing.T, c *Client, id string) map[string]any {
	t.Helper()
	r := c.MustRaw(encouragementNodeDoc, "ModNode", map[string]any{"id": id})
	n, _ := r.Get("node").(map[string]any)
	return n
}

// receivedEncouragement is viewer.encouragementReceived of c: its totalCount and ids.
func receivedEncouragement(t *testing.T, c *Client) (int, []string) {
	t.Helper()
	r := c.MustOp("EncouragementReceived", map[string]any{"first": 50})
	var ids []string
	edges, _ := r.Get("viewer.encouragementReceived.edges").([]any)
	for i := range edges {
		ids = append(ids, r.Str(fmt.Sprintf("viewer.encouragementReceived.edges.%d.node.id", i)))
	}
	slices.Sort(ids)
	return r.Num("viewer.encouragementReceived.totalCount"), ids
}

// listedEncouragementCount is the encouragementCount of reflection in GroupFeed and in MyReflections
// (the author's journal), as c sees them; -1 where it is not listed.
func listedEncouragementCount(t *testing.T, c *Client, op string, vars map[string]any, reflectionID string) int {
	t.Helper()
	r := c.MustOp(op, vars)
	path := "node.reflections.edges"
	if op == "MyReflections" {
		path = "viewer.reflections.edges"
	}
	edges, _ := r.Get(path).([]any)
	for i := range edges {
		if r.Str(fmt.Sprintf("%s.%d.node.id", path, i)) == reflectionID {
			return r.Num(fmt.Sprintf("%s.%d.node.encouragementCount", path, i))
		}
	}
	return -1
}

// moderationQueue is the facilitators' moderation queue as the app asks for it (ModerationQueue).
func moderationQueue(t *testing.T, c *Client, groupID string) ([]map[string]any, *Resp) {
	t.Helper()
	r := c.MustOp("ModerationQueue", map[string]any{"groupID": groupID})
	if r.Str("node.__typename") != "Group" || r.Str("node.id") != groupID {
		t.Fatalf("ModerationQueue: not the group: %s", r.Raw)
	}
	list, ok := r.Get("node.reportedEncouragements").([]any)
	if !ok {
		t.Fatalf("ModerationQueue: no list: %s", r.Raw)
	}
	out := make([]map[string]any, len(list))
	for i, e := range list {
		out[i] = e.(map[string]any)
	}
	return out, r
}

// queueIDs is the ids of the queue, in order.
func queueIDs(t *testing.T, c *Client, groupID string) []string {
	t.Helper()
	q, _ := moderationQueue(t, c, groupID)
	ids := make([]string, len(q))
	for i, e := range q {
		ids[i] = e["id"].(string)
	}
	return ids
}

const queueReasonsDoc = `query ModQueueReasons($groupID: ID!) {
  node(id: $groupID) { ... on Group { reportedEncouragements { id reportReason } } }
}`

// queueReasons maps the ids in the queue to their reportReason (nil when none).
func queueReasons(t *testing.T, c *Client, groupID string) map[string]any {
	t.Helper()
	r := c.MustRaw(queueReasonsDoc, "ModQueueReasons", map[string]any{"groupID": groupID})
	out := map[string]any{}
	list, _ := r.Get("node.reportedEncouragements").([]any)
	for _, e := range list {
		m := e.(map[string]any)
		out[m["id"].(string)] = m["reportReason"]
	}
	return out
}

func idNum(t *testing.T, id string) int {
	t.Helper()
	n, err := strconv.Atoi(id)
	if err != nil {
		t.Fatalf("id %q: %v", id, err)
	}
	return n
}

// moderationStored says, from the database, whether encouragement id is reported and hidden.
func moderationStored(t *testing.T, h *H, id string) (reported, hidden bool) {
	t.Helper()
	var rep, hid int
	err := rawDB(t, h).QueryRow(`SELECT CASE WHEN reported_at IS NULL THEN 0 ELSE 1 END,
		CASE WHEN hidden_at IS NULL THEN 0 ELSE 1 END FROM encouragements WHERE id = $1`, idNum(t, id)).Scan(&rep, &hid)
	if err != nil {
		t.Fatalf("stored state of %s: %v", id, err)
	}
	return rep == 1, hid == 1
}

// auditEvent is one audit event.
type auditEvent struct {
	Actor, Group, Subject int
	Detail                string
}

// auditEvents lists the audit events of action, oldest first.
func auditEvents(t *testing.T, h *H, action string) []auditEvent {
	t.Helper()
	rows, err := rawDB(t, h).Query(`SELECT actor_user_id, group_id, subject_id, detail FROM audit_events WHERE action = $1 ORDER BY id`, action)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []auditEvent
	for rows.Next() {
		var actor, group, subject sql.NullInt64
		var detail sql.NullString
		if err := rows.Scan(&actor, &group, &subject, &detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, auditEvent{Actor: int(actor.Int64), Group: int(group.Int64), Subject: int(subject.Int64), Detail: detail.String})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// viewerID is c's user id, as viewer.id gives it.
func viewerID(t *testing.T, c *Client) int {
	t.Helper()
	return idNum(t, c.MustOp("Viewer", nil).Str("viewer.id"))
}

// nothingModerated checks that neither encouragement of f was reported or hidden, in the
// database, in the audit, in the queue and for the recipient.
func nothingModerated(t *testing.T, h *H, f *moderationFixture) {
	t.Helper()
	for _, id := range []string{f.Hurt, f.Kind} {
		if rep, hid := moderationStored(t, h, id); rep || hid {
			t.Errorf("encouragement %s was changed: reported %v, hidden %v", id, rep, hid)
		}
	}
	for _, action := range []string{"encouragement.reported", "encouragement.hidden"} {
		if ev := auditEvents(t, h, action); len(ev) != 0 {
			t.Errorf("%s: %d audit events, want none", action, len(ev))
		}
	}
	if ids := queueIDs(t, f.g.Therapist, f.g.ID); len(ids) != 0 {
		t.Errorf("the queue is not empty: %v", ids)
	}
	if s := lookAtEncouragement(t, f.g.A, f.Ref); s.Count != 2 || s.Total != 2 {
		t.Errorf("the recipient no longer sees both encouragements: %s", s.Raw)
	}
}

// refusedWith checks that an attempt was refused with code and returned nothing.
func refusedWith(t *testing.T, what string, r *Resp, field, code string) {
	t.Helper()
	if r.Code() != code || r.Get(field) != nil {
		t.Errorf("%s: want %s and no data, got %s", what, code, r.Raw)
	}
	for _, m := range []string{hurtMessage, kindMessage} {
		if strings.Contains(r.Raw, m) {
			t.Errorf("%s: the refusal carries the message %q: %s", what, m, r.Raw)
		}
	}
}

// Rule 1. A report hides the encouragement from the recipient at once, everywhere they could
// see it (count, connection, received list, node), and from nobody else; nobody but the
// facilitators and the recipient learns it was reported; facilitators find it in their queue
// with the trimmed reason.
func TestModerationReportHidesItFromTheRecipientOnly(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		f := newModerationFixture(t, h)
		g := f.g
		// A therapist who is only a member of this group (and facilitates another one).
		g.Memberships[g.Stranger] = g.Join(g.Stranger, "Sam")
		both := map[string]expectedEnc{f.Hurt: {Message: hurtMessage}, f.Kind: {Message: kindMessage}}
		expectEncouragement(t, "Ann before the report", g.A, f.Ref, both)
		if n, _ := receivedEncouragement(t, g.A); n != 2 {
			t.Fatalf("Ann received %d before the report, want 2", n)
		}

		mustReport(t, g.A, f.Hurt, "  "+reportReasonText+" \n\t")

		// The recipient: gone everywhere, at once.
		expectEncouragement(t, "Ann (recipient)", g.A, f.Ref, map[string]expectedEnc{f.Kind: {Message: kindMessage}})
		if n, ids := receivedEncouragement(t, g.A); n != 1 || !slices.Equal(ids, []string{f.Kind}) {
			t.Errorf("Ann's encouragementReceived: %d %v, want only %s", n, ids, f.Kind)
		}
		if n := encouragementNode(t, g.A, f.Hurt); n != nil {
			t.Errorf("Ann still gets the reported encouragement by node(id:): %v", n)
		}
		if n := listedEncouragementCount(t, g.A, "GroupFeed", map[string]any{"groupID": g.ID}, f.Ref); n != 1 {
			t.Errorf("Ann's GroupFeed counts %d encouragements, want 1", n)
		}
		if n := listedEncouragementCount(t, g.A, "MyReflections", nil, f.Ref); n != 1 {
			t.Errorf("Ann's MyReflections counts %d encouragements, want 1", n)
		}
		if r := g.A.MustOp("Reflection", map[string]any{"id": f.Ref}); r.Num("node.encouragementCount") != 1 ||
			r.Num("node.encouragements.totalCount") != 1 || strings.Contains(r.Raw, hurtMessage) {
			t.Errorf("Ann's Reflection operation still shows it: %s", r.Raw)
		}

		// Everyone else who reads the reflection: still there, and not told it was reported.
		for _, p := range []struct {
			who string
			c   *Client
		}{{"Cara (other member)", f.Cara}, {"Ben (sender)", g.B}, {"Sam (a therapist who is only a member)", g.Stranger}} {
			s := expectEncouragement(t, p.who, p.c, f.Ref, both)
			if n := encouragementNode(t, p.c, f.Hurt); n == nil || n["message"] != hurtMessage || n["reported"] != false || n["hidden"] != false || n["reportReason"] != nil {
				t.Errorf("%s by node(id:): %v", p.who, n)
			}
			if n := listedEncouragementCount(t, p.c, "GroupFeed", map[string]any{"groupID": g.ID}, f.Ref); n != 2 {
				t.Errorf("%s: GroupFeed counts %d, want 2", p.who, n)
			}
			if strings.Contains(s.Raw, reportReasonText) {
				t.Errorf("%s is shown the reason: %s", p.who, s.Raw)
			}
			if r := p.c.Raw(queueReasonsDoc, "ModQueueReasons", map[string]any{"groupID": g.ID}); strings.Contains(r.Raw, reportReasonText) || strings.Contains(r.Raw, hurtMessage) {
				t.Errorf("%s reads the queue: %s", p.who, r.Raw)
			}
		}

		// The facilitator: sees it, reported, with the trimmed reason, and in the queue.
		expectEncouragement(t, "the facilitator", g.Therapist, f.Ref, map[string]expectedEnc{
			f.Hurt: {Message: hurtMessage, Reported: true, Reason: reportReasonText},
			f.Kind: {Message: kindMessage},
		})
		if n := encouragementNode(t, g.Therapist, f.Hurt); n == nil || n["reported"] != true || n["hidden"] != false || n["reportReason"] != reportReasonText {
			t.Errorf("the facilitator by node(id:): %v", n)
		}
		q, raw := moderationQueue(t, g.Therapist, g.ID)
		if len(q) != 1 {
			t.Fatalf("the queue: want exactly the reported encouragement, got %s", raw.Raw)
		}
		e := q[0]
		sender, _ := e["sender"].(map[string]any)
		ref, _ := e["reflection"].(map[string]any)
		if e["id"] != f.Hurt || e["kind"] != "HEART" || e["message"] != hurtMessage || e["reported"] != true || e["hidden"] != false ||
			sender["id"] != g.Memberships[g.B] || sender["displayName"] != "Ben" || ref["id"] != f.Ref || e["createdAt"] == nil {
			t.Errorf("the queue's entry: %v", e)
		}
		if reasons := queueReasons(t, g.Therapist, g.ID); len(reasons) != 1 || reasons[f.Hurt] != reportReasonText {
			t.Errorf("the queue's reportReason: %v, want %q (trimmed)", reasons, reportReasonText)
		}
		// The therapist who is only a member has a queue of their own group, without this.
		other := g.Stranger.MustOp("Viewer", nil)
		for i := range other.Get("viewer.memberships").([]any) {
			gid := other.Str(fmt.Sprintf("viewer.memberships.%d.group.id", i))
			if gid == g.ID {
				continue
			}
			if ids := queueIDs(t, g.Stranger, gid); len(ids) != 0 {
				t.Errorf("the queue of another group lists %v", ids)
			}
		}
	})
}

// Rule 2. Only the recipient reports: the sender, another member, the facilitator, a
// therapist of another group, someone outside and an anonymous caller are refused and change
// nothing. A retry answers as the first report did and records nothing more; the reason of
// the retry does not replace the first. Ids that are not an encouragement are NOT_FOUND.
func TestModerationOnlyTheRecipientReports(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		f := newModerationFixture(t, h)
		g := f.g
		for _, try := range []struct {
			who  string
			c    *Client
			id   string
			code string
		}{
			{"the sender", g.B, f.Hurt, "FORBIDDEN"},
			{"another member", f.Cara, f.Hurt, "FORBIDDEN"},
			{"the sender of the other", f.Cara, f.Kind, "FORBIDDEN"},
			{"the facilitator", g.Therapist, f.Hurt, "FORBIDDEN"},
			{"a therapist of another group", g.Stranger, f.Hurt, "NOT_FOUND"},
			{"someone outside", g.Outsider, f.Hurt, "NOT_FOUND"},
			{"anonymous", h.Anonymous(), f.Hurt, "UNAUTHENTICATED"},
		} {
			refusedWith(t, try.who+" reports", reportEnc(try.c, try.id, reportReasonText), "reportEncouragement", try.code)
		}
		// Not an encouragement: made up, or a reflection's id.
		refusedWith(t, "a made-up id", reportEnc(g.A, madeUpID(t, f.Hurt), reportReasonText), "reportEncouragement", "NOT_FOUND")
		refusedWith(t, "a reflection's id", reportEnc(g.A, f.Ref, reportReasonText), "reportEncouragement", "NOT_FOUND")
		nothingModerated(t, h, f)

		mustReport(t, g.A, f.Hurt, reportReasonText)
		// A retry (the phone did not get the answer), even with another reason.
		mustReport(t, g.A, f.Hurt, "MARKER-MOD-second-reason")
		mustReport(t, g.A, f.Hurt)
		if ev := auditEvents(t, h, "encouragement.reported"); len(ev) != 1 {
			t.Errorf("%d report events after retries, want 1", len(ev))
		}
		if reasons := queueReasons(t, g.Therapist, g.ID); len(reasons) != 1 || reasons[f.Hurt] != reportReasonText {
			t.Errorf("a retry changed the reason: %v", reasons)
		}
		// Once reported, still only the recipient: those who see it are still refused, and
		// the retry path does not answer anyone else.
		for _, try := range []struct {
			who  string
			c    *Client
			code string
		}{
			{"the sender", g.B, "FORBIDDEN"},
			{"another member", f.Cara, "FORBIDDEN"},
			{"the facilitator", g.Therapist, "FORBIDDEN"},
			{"a therapist of another group", g.Stranger, "NOT_FOUND"},
			{"someone outside", g.Outsider, "NOT_FOUND"},
		} {
			refusedWith(t, try.who+" reports a reported one", reportEnc(try.c, f.Hurt), "reportEncouragement", try.code)
		}
		if ev := auditEvents(t, h, "encouragement.reported"); len(ev) != 1 {
			t.Errorf("%d report events, want 1", len(ev))
		}
		if rep, hid := moderationStored(t, h, f.Kind); rep || hid {
			t.Errorf("the other encouragement changed: reported %v hidden %v", rep, hid)
		}
		if ids := queueIDs(t, g.Therapist, g.ID); !slices.Equal(ids, []string{f.Hurt}) {
			t.Errorf("queue %v, want [%s]", ids, f.Hurt)
		}
	})
}

// Rule 2 (reason). A reason is at most 500 characters (counted as characters, after
// trimming): one longer is BAD_USER_INPUT on field "reason" and changes nothing; a blank one
// is stored as none. The same holds for hiding.
func TestModerationReasonLimits(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		f := newModerationFixture(t, h)
		g := f.g
		long := "MARKER-MOD-" + strings.Repeat("x", 501-len("MARKER-MOD-"))
		for _, r := range []*Resp{
			reportEnc(g.A, f.Hurt, long),
			reportEnc(g.A, f.Hurt, strings.Repeat("é", 501)),
		} {
			refusedWith(t, "a report with 501 characters", r, "reportEncouragement", "BAD_USER_INPUT")
			if len(r.Errors) > 0 && r.Errors[0].Extensions["field"] != "reason" {
				t.Errorf("the error's field: %v", r.Errors[0].Extensions["field"])
			}
		}
		for _, r := range []*Resp{
			hideEnc(g.Therapist, f.Hurt, long),
			hideEnc(g.Therapist, f.Hurt, strings.Repeat("é", 501)),
		} {
			refusedWith(t, "a hide with 501 characters", r, "hideEncouragement", "BAD_USER_INPUT")
			if len(r.Errors) > 0 && r.Errors[0].Extensions["field"] != "reason" {
				t.Errorf("the error's field: %v", r.Errors[0].Extensions["field"])
			}
		}
		nothingModerated(t, h, f)

		// 500 characters (1000 bytes), padded with blanks that are trimmed: accepted whole.
		five := strings.Repeat("é", 500)
		mustReport(t, g.A, f.Hurt, "\n  "+five+"  ")
		// Blank: no reason.
		mustReport(t, g.A, f.Kind, " \t\n ")
		reasons := queueReasons(t, g.Therapist, g.ID)
		if len(reasons) != 2 || reasons[f.Hurt] != five || reasons[f.Kind] != nil {
			t.Errorf("reasons: want 500 characters for %s and null for %s, got %v", f.Hurt, f.Kind, reasons)
		}
		var n int
		if err := rawDB(t, h).QueryRow("SELECT COUNT(*) FROM encouragements WHERE id = $1 AND report_reason IS NULL", idNum(t, f.Kind)).Scan(&n); err != nil || n != 1 {
			t.Errorf("a blank reason is stored: %d %v", n, err)
		}
		// A hide with a blank reason stores none either.
		mustHide(t, g.Therapist, f.Kind, "   ")
		if err := rawDB(t, h).QueryRow("SELECT COUNT(*) FROM encouragements WHERE id = $1 AND hide_reason IS NULL", idNum(t, f.Kind)).Scan(&n); err != nil || n != 1 {
			t.Errorf("a blank hide reason is stored: %d %v", n, err)
		}
	})
}

// Rule 3. A hidden encouragement is seen only by the group's facilitators and its sender:
// not by the recipient, not by the other members (not even a therapist who is only a
// member), in counts as in lists. The sender is not told. A retry records nothing more. What
// was hidden without a report is not in the queue; what was reported and hidden is, as both.
func TestModerationHideLeavesOnlyFacilitatorsAndSender(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		f := newModerationFixture(t, h)
		g := f.g
		g.Memberships[g.Stranger] = g.Join(g.Stranger, "Sam")

		mustHide(t, g.Therapist, f.Hurt, hideReasonText)

		kindOnly := map[string]expectedEnc{f.Kind: {Message: kindMessage}}
		expectEncouragement(t, "Ann (recipient)", g.A, f.Ref, kindOnly)
		expectEncouragement(t, "Cara (other member)", f.Cara, f.Ref, kindOnly)
		expectEncouragement(t, "Sam (a therapist who is only a member)", g.Stranger, f.Ref, kindOnly)
		expectEncouragement(t, "Ben (sender)", g.B, f.Ref, map[string]expectedEnc{f.Hurt: {Message: hurtMessage}, f.Kind: {Message: kindMessage}})
		expectEncouragement(t, "the facilitator", g.Therapist, f.Ref, map[string]expectedEnc{f.Hurt: {Message: hurtMessage, Hidden: true}, f.Kind: {Message: kindMessage}})
		for _, p := range []struct {
			who     string
			c       *Client
			visible bool
		}{{"Ann", g.A, false}, {"Cara", f.Cara, false}, {"Sam", g.Stranger, false}, {"Ben", g.B, true}, {"the facilitator", g.Therapist, true}} {
			n := encouragementNode(t, p.c, f.Hurt)
			if (n != nil) != p.visible {
				t.Errorf("%s by node(id:): %v, want visible %v", p.who, n, p.visible)
			}
			want := 1
			if p.visible {
				want = 2
			}
			if c := listedEncouragementCount(t, p.c, "GroupFeed", map[string]any{"groupID": g.ID}, f.Ref); c != want {
				t.Errorf("%s: GroupFeed counts %d, want %d", p.who, c, want)
			}
		}
		if n, ids := receivedEncouragement(t, g.A); n != 1 || !slices.Equal(ids, []string{f.Kind}) {
			t.Errorf("Ann's encouragementReceived: %d %v", n, ids)
		}
		if n := listedEncouragementCount(t, g.A, "MyReflections", nil, f.Ref); n != 1 {
			t.Errorf("Ann's MyReflections counts %d, want 1", n)
		}
		// Hidden without a report: not in the queue.
		if ids := queueIDs(t, g.Therapist, g.ID); len(ids) != 0 {
			t.Errorf("an unreported hidden encouragement is in the queue: %v", ids)
		}
		// A retry, even with another reason: the same answer, one event.
		mustHide(t, g.Therapist, f.Hurt, "MARKER-MOD-other-note")
		mustHide(t, g.Therapist, f.Hurt)
		if ev := auditEvents(t, h, "encouragement.hidden"); len(ev) != 1 {
			t.Errorf("%d hide events, want 1", len(ev))
		}
		// The recipient cannot report what they no longer see.
		refusedWith(t, "reporting a hidden one", reportEnc(g.A, f.Hurt, reportReasonText), "reportEncouragement", "NOT_FOUND")
		if rep, _ := moderationStored(t, h, f.Hurt); rep {
			t.Error("a hidden encouragement was reported by someone who cannot see it")
		}
		if ev := auditEvents(t, h, "encouragement.reported"); len(ev) != 0 {
			t.Errorf("%d report events, want 0", len(ev))
		}

		// Reported, then hidden: in the queue as both; nobody but its sender and the
		// facilitator sees it.
		mustReport(t, g.A, f.Kind, reportReasonText)
		mustHide(t, g.Therapist, f.Kind)
		q, raw := moderationQueue(t, g.Therapist, g.ID)
		if len(q) != 1 || q[0]["id"] != f.Kind || q[0]["reported"] != true || q[0]["hidden"] != true || q[0]["message"] != kindMessage {
			t.Errorf("the queue: %s", raw.Raw)
		}
		expectEncouragement(t, "Ann after both", g.A, f.Ref, map[string]expectedEnc{})
		expectEncouragement(t, "Cara (sender of the second)", f.Cara, f.Ref, map[string]expectedEnc{f.Kind: {Message: kindMessage}})
		expectEncouragement(t, "Ben (sender of the first)", g.B, f.Ref, map[string]expectedEnc{f.Hurt: {Message: hurtMessage}})
		expectEncouragement(t, "Sam", g.Stranger, f.Ref, map[string]expectedEnc{})
		expectEncouragement(t, "the facilitator after both", g.Therapist, f.Ref, map[string]expectedEnc{
			f.Hurt: {Message: hurtMessage, Hidden: true},
			f.Kind: {Message: kindMessage, Reported: true, Hidden: true, Reason: reportReasonText},
		})
		if n, ids := receivedEncouragement(t, g.A); n != 0 || len(ids) != 0 {
			t.Errorf("Ann's encouragementReceived: %d %v", n, ids)
		}
		// A retried report answers the reporter, without telling them it was hidden or
		// showing them the facilitators' fields.
		rr := g.A.MustRaw(`mutation($id: ID!) { reportEncouragement(id: $id) { id reported hidden reportReason } }`, "", map[string]any{"id": f.Kind})
		if rr.Str("reportEncouragement.id") != f.Kind || rr.Get("reportEncouragement.reported") != true ||
			rr.Get("reportEncouragement.hidden") != false || rr.Get("reportEncouragement.reportReason") != nil {
			t.Errorf("the reporter's retry: %s", rr.Raw)
		}
		// The sender is not told, asked directly either.
		r := g.B.MustRaw(`query($id: ID!) { node(id: $id) { ... on Encouragement { id reported hidden reportReason } } }`, "", map[string]any{"id": f.Hurt})
		if r.Str("node.id") != f.Hurt || r.Get("node.reported") != false || r.Get("node.hidden") != false || r.Get("node.reportReason") != nil {
			t.Errorf("the sender is told: %s", r.Raw)
		}
	})
}

// Rule 3. Only a current facilitator of the group hides: the recipient, the sender, another
// member, a therapist of another group (outside it or only a member of it), someone outside,
// an anonymous caller and a therapist whose role was taken away are refused and change
// nothing.
func TestModerationHideIsForCurrentFacilitatorsOnly(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		f := newModerationFixture(t, h)
		g := f.g
		try := func(who string, c *Client, code string) {
			t.Helper()
			for _, id := range []string{f.Hurt, f.Kind} {
				refusedWith(t, who+" hides "+id, hideEnc(c, id, hideReasonText), "hideEncouragement", code)
			}
		}
		try("the recipient", g.A, "FORBIDDEN")
		try("the sender", g.B, "FORBIDDEN")
		try("another member", f.Cara, "FORBIDDEN")
		try("a therapist of another group", g.Stranger, "NOT_FOUND")
		try("someone outside", g.Outsider, "NOT_FOUND")
		try("anonymous", h.Anonymous(), "UNAUTHENTICATED")
		refusedWith(t, "a made-up id", hideEnc(g.Therapist, madeUpID(t, f.Hurt)), "hideEncouragement", "NOT_FOUND")
		refusedWith(t, "a reflection's id", hideEnc(g.Therapist, f.Ref), "hideEncouragement", "NOT_FOUND")
		g.Memberships[g.Stranger] = g.Join(g.Stranger, "Sam")
		try("a therapist who is only a member", g.Stranger, "FORBIDDEN")
		nothingModerated(t, h, f)

		// A reported one: still only facilitators.
		mustReport(t, g.A, f.Hurt, reportReasonText)
		// (the reporter no longer sees it at all)
		refusedWith(t, "the reporter hides", hideEnc(g.A, f.Hurt), "hideEncouragement", "NOT_FOUND")
		refusedWith(t, "the sender hides", hideEnc(g.B, f.Hurt), "hideEncouragement", "FORBIDDEN")
		refusedWith(t, "Sam hides", hideEnc(g.Stranger, f.Hurt), "hideEncouragement", "FORBIDDEN")

		// The role taken away: the facilitator membership alone no longer hides.
		former := demote(t, h, g.Therapist)
		refusedWith(t, "a demoted therapist hides", hideEnc(former, f.Hurt), "hideEncouragement", "FORBIDDEN")
		refusedWith(t, "a demoted therapist hides the unreported one", hideEnc(former, f.Kind), "hideEncouragement", "FORBIDDEN")
		if r := former.Op("ModerationQueue", map[string]any{"groupID": g.ID}); r.Code() != "FORBIDDEN" || r.Get("node") != nil || strings.Contains(r.Raw, hurtMessage) {
			t.Errorf("a demoted therapist reads the queue: %s", r.Raw)
		}
		s := lookAtEncouragement(t, former, f.Ref)
		if e := s.ByID[f.Hurt]; e == nil || e["reported"] != false || e["reportReason"] != nil {
			t.Errorf("a demoted therapist is told it was reported: %s", s.Raw)
		}

		for _, id := range []string{f.Hurt, f.Kind} {
			if _, hid := moderationStored(t, h, id); hid {
				t.Errorf("%s was hidden", id)
			}
		}
		if ev := auditEvents(t, h, "encouragement.hidden"); len(ev) != 0 {
			t.Errorf("%d hide events, want 0", len(ev))
		}
		expectEncouragement(t, "Cara", f.Cara, f.Ref, map[string]expectedEnc{f.Hurt: {Message: hurtMessage}, f.Kind: {Message: kindMessage}})
	})
}

// Rule 3. Moderation belongs to the current facilitators: one who left the group no longer
// hides, sees the queue or sees what was hidden; a facilitator who remains does.
func TestModerationFormerFacilitatorLosesModeration(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		f := newModerationFixture(t, h)
		g := f.g
		mustReport(t, g.A, f.Hurt, reportReasonText)
		// A second facilitator (the API has no way to name one yet): Sam joins, and is made
		// a facilitator in the database.
		sam := g.Join(g.Stranger, "Sam")
		if _, err := rawDB(t, h).Exec("UPDATE memberships SET role = 'FACILITATOR' WHERE id = $1", idNum(t, sam)); err != nil {
			t.Fatal(err)
		}
		if ids := queueIDs(t, g.Stranger, g.ID); !slices.Equal(ids, []string{f.Hurt}) {
			t.Fatalf("the second facilitator's queue: %v", ids)
		}
		mustHide(t, g.Therapist, f.Kind)
		g.Therapist.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})

		refusedWith(t, "a facilitator who left hides", hideEnc(g.Therapist, f.Hurt), "hideEncouragement", "NOT_FOUND")
		if r := g.Therapist.Op("ModerationQueue", map[string]any{"groupID": g.ID}); r.Get("node") != nil || strings.Contains(r.Raw, hurtMessage) {
			t.Errorf("a facilitator who left reads the queue: %s", r.Raw)
		}
		for _, id := range []string{f.Hurt, f.Kind} {
			if n := encouragementNode(t, g.Therapist, id); n != nil {
				t.Errorf("a facilitator who left still sees %s: %v", id, n)
			}
		}
		if _, hid := moderationStored(t, h, f.Hurt); hid {
			t.Error("hidden by a facilitator who left")
		}
		// The one who remains moderates.
		mustHide(t, g.Stranger, f.Hurt)
		ev := auditEvents(t, h, "encouragement.hidden")
		if len(ev) != 2 || ev[0].Actor != viewerID(t, g.Therapist) || ev[1].Actor != viewerID(t, g.Stranger) || ev[1].Subject != idNum(t, f.Hurt) {
			t.Errorf("hide events: %+v", ev)
		}
		expectEncouragement(t, "the remaining facilitator", g.Stranger, f.Ref, map[string]expectedEnc{
			f.Hurt: {Message: hurtMessage, Reported: true, Hidden: true, Reason: reportReasonText},
			f.Kind: {Message: kindMessage, Hidden: true},
		})
	})
}

// Rule 4. Only the group's facilitators read the queue: a member (even the reporter, even the
// sender) gets FORBIDDEN and no data; people outside the group do not get the group.
func TestModerationQueueIsForFacilitatorsOnly(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		f := newModerationFixture(t, h)
		g := f.g
		mustReport(t, g.A, f.Hurt, reportReasonText)
		for _, p := range []struct {
			who string
			c   *Client
		}{{"the reporter", g.A}, {"the sender", g.B}, {"another member", f.Cara}} {
			r := p.c.Op("ModerationQueue", map[string]any{"groupID": g.ID})
			if r.Code() != "FORBIDDEN" || r.Get("node") != nil {
				t.Errorf("%s: want FORBIDDEN and no data, got %s", p.who, r.Raw)
			}
			if strings.Contains(r.Raw, hurtMessage) || strings.Contains(r.Raw, reportReasonText) {
				t.Errorf("%s reads the queue: %s", p.who, r.Raw)
			}
		}
		for _, p := range []struct {
			who string
			c   *Client
		}{{"a therapist of another group", g.Stranger}, {"someone outside", g.Outsider}} {
			r := p.c.Op("ModerationQueue", map[string]any{"groupID": g.ID})
			if _, ok := r.Data["node"]; !ok || r.Get("node") != nil || strings.Contains(r.Raw, hurtMessage) {
				t.Errorf("%s: want node null, got %s", p.who, r.Raw)
			}
		}
		if r := h.Anonymous().Op("ModerationQueue", map[string]any{"groupID": g.ID}); r.Code() != "UNAUTHENTICATED" || strings.Contains(r.Raw, hurtMessage) {
			t.Errorf("anonymous: %s", r.Raw)
		}
		// A therapist who is only a member of the group.
		g.Join(g.Stranger, "Sam")
		if r := g.Stranger.Op("ModerationQueue", map[string]any{"groupID": g.ID}); r.Code() != "FORBIDDEN" || r.Get("node") != nil || strings.Contains(r.Raw, hurtMessage) {
			t.Errorf("a therapist who is only a member: %s", r.Raw)
		}
		// The facilitator does.
		if ids := queueIDs(t, g.Therapist, g.ID); !slices.Equal(ids, []string{f.Hurt}) {
			t.Errorf("the facilitator's queue: %v", ids)
		}
	})
}

// Rule 4. The queue's order: what waits for a decision first, oldest report first (not the
// order of sending), then what was hidden, latest hide first. It holds only what was
// reported, and only in its own group.
func TestModerationQueueOrder(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		f := newModerationFixture(t, h)
		g := f.g
		r2 := g.Reflect(g.A, "GROUP", "MARKER-MOD-second")
		r3 := g.Reflect(g.A, "FACILITATORS", "MARKER-MOD-third")
		e1, e2 := f.Hurt, f.Kind
		e3 := mustEncourage(t, g.B, r2, "MARKER-MOD-e3")
		e4 := mustEncourage(t, f.Cara, r2, "MARKER-MOD-e4")
		e5 := mustEncourage(t, g.Therapist, r3, "MARKER-MOD-e5")
		unreported := mustEncourage(t, g.Therapist, r2, "MARKER-MOD-unreported")
		// Another group's report stays in that group.
		o := h.NewGroup()
		or := o.Reflect(o.A, "GROUP", "MARKER-MOD-other-group")
		oe := mustEncourage(t, o.B, or, "MARKER-MOD-other-group-enc")
		oh := mustEncourage(t, o.Therapist, or, "MARKER-MOD-other-group-hidden")
		mustReport(t, o.A, oe, reportReasonText)
		mustReport(t, o.A, oh)
		mustHide(t, o.Therapist, oh)

		// Reported in an order that is neither the order of sending nor its reverse.
		for _, id := range []string{e4, e1, e5, e2, e3} {
			mustReport(t, g.A, id)
		}
		if ids := queueIDs(t, g.Therapist, g.ID); !slices.Equal(ids, []string{e4, e1, e5, e2, e3}) {
			t.Fatalf("waiting, oldest report first: got %v, want %v", ids, []string{e4, e1, e5, e2, e3})
		}
		mustHide(t, g.Therapist, e1)
		mustHide(t, g.Therapist, e2)
		mustHide(t, g.Therapist, unreported)
		mustHide(t, g.Therapist, e4)
		want := []string{e5, e3, e4, e2, e1}
		q, raw := moderationQueue(t, g.Therapist, g.ID)
		var got []string
		for _, e := range q {
			got = append(got, e["id"].(string))
		}
		if !slices.Equal(got, want) {
			t.Fatalf("waiting first, then latest hide first: got %v, want %v", got, want)
		}
		for i, e := range q {
			hidden := i >= 2
			if e["reported"] != true || e["hidden"] != hidden {
				t.Errorf("entry %d: reported %v hidden %v, want true %v: %s", i, e["reported"], e["hidden"], hidden, raw.Raw)
			}
		}
		// The queue as the app asks for it (reflection { id }) costs the same number of
		// statements for two entries (one waiting, one hidden) as for five.
		few := h.Statements(func() { moderationQueue(t, o.Therapist, o.ID) })
		many := h.Statements(func() { moderationQueue(t, g.Therapist, g.ID) })
		if few != many {
			t.Errorf("the queue takes %d statements for 2 entries, %d for 5", few, many)
		}
		// Hiding again does not move it to the top.
		mustHide(t, g.Therapist, e1)
		if ids := queueIDs(t, g.Therapist, g.ID); !slices.Equal(ids, want) {
			t.Errorf("a retried hide moved it: %v, want %v", ids, want)
		}
		if ids := queueIDs(t, o.Therapist, o.ID); !slices.Equal(ids, []string{oe, oh}) {
			t.Errorf("the other group's queue: %v, want [%s %s]", ids, oe, oh)
		}
	})
}

// Rule 5. One audit event per report and per hide, whatever the retries, naming the
// encouragement, the group and who did it, and nothing anyone wrote.
func TestModerationAuditEvents(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		f := newModerationFixture(t, h)
		g := f.g
		mustReport(t, g.A, f.Hurt, reportReasonText)
		mustReport(t, g.A, f.Hurt, reportReasonText)
		mustHide(t, g.Therapist, f.Hurt, hideReasonText)
		mustHide(t, g.Therapist, f.Hurt, hideReasonText)
		// Refused attempts are not moderation events.
		reportEnc(g.B, f.Kind, reportReasonText)
		hideEnc(f.Cara, f.Kind, hideReasonText)

		groupID := idNum(t, g.ID)
		subject := idNum(t, f.Hurt)
		rep := auditEvents(t, h, "encouragement.reported")
		if len(rep) != 1 || rep[0].Actor != viewerID(t, g.A) || rep[0].Subject != subject || rep[0].Group != groupID {
			t.Errorf("report events: %+v, want one by Ann (%d) on %d in %d", rep, viewerID(t, g.A), subject, groupID)
		}
		hid := auditEvents(t, h, "encouragement.hidden")
		if len(hid) != 1 || hid[0].Actor != viewerID(t, g.Therapist) || hid[0].Subject != subject || hid[0].Group != groupID {
			t.Errorf("hide events: %+v, want one by the facilitator (%d) on %d in %d", hid, viewerID(t, g.Therapist), subject, groupID)
		}
		for _, e := range append(rep, hid...) {
			for _, s := range []string{"MARKER", "reason", "hurt", "note"} {
				if strings.Contains(e.Detail, s) {
					t.Errorf("an audit detail carries %q: %q", s, e.Detail)
				}
			}
		}
		var n int
		if err := rawDB(t, h).QueryRow("SELECT COUNT(*) FROM audit_events WHERE detail LIKE '%MARKER%' OR action LIKE '%MARKER%'").Scan(&n); err != nil || n != 0 {
			t.Errorf("%d audit events carry text someone wrote (%v)", n, err)
		}
		// The logs are checked for the markers when the test ends (checkLogs).
	})
}

// Rule 6. Report reasons and hide notes are stored encrypted, like messages.
func TestModerationReasonsEncryptedAtRest(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		f := newModerationFixture(t, h)
		mustReport(t, f.g.A, f.Hurt, reportReasonText)
		mustHide(t, f.g.Therapist, f.Hurt, hideReasonText)
		var report, hide sql.NullString
		if err := rawDB(t, h).QueryRow("SELECT report_reason, hide_reason FROM encouragements WHERE id = $1", idNum(t, f.Hurt)).Scan(&report, &hide); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			col   string
			v     sql.NullString
			plain string
		}{{"report_reason", report, reportReasonText}, {"hide_reason", hide, hideReasonText}} {
			if !c.v.Valid || c.v.String == "" {
				t.Errorf("%s is not stored", c.col)
				continue
			}
			if strings.Contains(c.v.String, c.plain) || strings.Contains(c.v.String, "MARKER") || !crypt.IsEncrypted(c.v.String) {
				t.Errorf("%s is not a sealed value: %q", c.col, c.v.String)
			}
		}
		var n int
		if err := rawDB(t, h).QueryRow("SELECT COUNT(*) FROM encouragements WHERE report_reason LIKE '%MARKER%' OR hide_reason LIKE '%MARKER%'").Scan(&n); err != nil || n != 0 {
			t.Errorf("%d rows hold a reason in plaintext (%v)", n, err)
		}
		if reasons := queueReasons(t, f.g.Therapist, f.g.ID); reasons[f.Hurt] != reportReasonText {
			t.Errorf("the facilitator reads the reason back: %v", reasons)
		}
	})
}

// Rule 6 (rotation). The reasons are sealed columns like the others: the key rotation
// re-encrypts them, so that once the old key is dropped the encouragement (and its reflection)
// still reads, and the reason with it.
func TestModerationReasonsSurviveKeyRotation(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		f := newModerationFixture(t, h)
		mustReport(t, f.g.A, f.Hurt, reportReasonText)
		mustHide(t, f.g.Therapist, f.Hurt, hideReasonText)
		newKey, err := crypt.NewKey()
		if err != nil {
			t.Fatal(err)
		}
		both := mustKeys(t, newKey+","+testKeys)
		h.Restart(map[string]string{"ENCRYPTION_KEYS": newKey + "," + testKeys})
		if _, err := sealed.Reencrypt(context.Background(), rawDB(t, h), both); err != nil {
			t.Fatalf("re-encrypt: %v", err)
		}
		h.Restart(map[string]string{"ENCRYPTION_KEYS": newKey}) // the old key is dropped
		if r := f.g.B.Op("Reflection", map[string]any{"id": f.Ref}); len(r.Errors) > 0 || r.Num("node.encouragementCount") != 2 ||
			r.Num("node.encouragements.totalCount") != 2 {
			t.Errorf("the sender reads the reflection after rotation: %s", r.Raw)
		}
		if r := f.g.Therapist.Op("ModerationQueue", map[string]any{"groupID": f.g.ID}); len(r.Errors) > 0 || r.Str("node.reportedEncouragements.0.message") != hurtMessage {
			t.Errorf("the queue after rotation: %s", r.Raw)
		}
		if r := f.g.Therapist.Raw(queueReasonsDoc, "ModQueueReasons", map[string]any{"groupID": f.g.ID}); len(r.Errors) > 0 ||
			r.Str("node.reportedEncouragements.0.reportReason") != reportReasonText {
			t.Errorf("the reason after rotation: %s", r.Raw)
		}
	})
}

// Rule 7. The recipient's export leaves out what they reported and what was hidden, as the
// app does; the senders' exports keep what they sent.
func TestModerationExport(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		f := newModerationFixture(t, h)
		g := f.g
		keep := mustEncourage(t, g.Therapist, f.Ref, "MARKER-MOD-kept")
		mustReport(t, g.A, f.Hurt, reportReasonText)
		mustHide(t, g.Therapist, f.Kind)

		type enc struct {
			ID      int    `json:"id"`
			Message string `json:"message"`
		}
		export := func(c *Client) (sent, received []enc, data string) {
			t.Helper()
			data = c.MustOp("ExportMyData", nil).Str("exportMyData.data")
			var doc struct {
				Sent     []enc `json:"encouragementSent"`
				Received []enc `json:"encouragementReceived"`
			}
			if err := json.Unmarshal([]byte(data), &doc); err != nil {
				t.Fatalf("export is not JSON: %v", err)
			}
			return doc.Sent, doc.Received, data
		}
		_, received, data := export(g.A)
		if len(received) != 1 || received[0].ID != idNum(t, keep) || received[0].Message != "MARKER-MOD-kept" {
			t.Errorf("Ann's export receives %+v, want only %s", received, keep)
		}
		for _, never := range []string{hurtMessage, kindMessage} {
			if strings.Contains(data, never) {
				t.Errorf("Ann's export holds %q", never)
			}
		}
		sent, _, _ := export(g.B)
		if len(sent) != 1 || sent[0].ID != idNum(t, f.Hurt) || sent[0].Message != hurtMessage {
			t.Errorf("Ben's export sends %+v, want his reported encouragement", sent)
		}
		sent, _, _ = export(f.Cara)
		if len(sent) != 1 || sent[0].ID != idNum(t, f.Kind) || sent[0].Message != kindMessage {
			t.Errorf("Cara's export sends %+v, want her hidden encouragement", sent)
		}
	})
}

// Retries racing each other (a phone resending while the first request is under way) end as
// one report and one hide: every answer is {id, true} and one event is recorded of each.
func TestModerationConcurrentRetries(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		f := newModerationFixture(t, h)
		g := f.g
		race := func(c *Client, op, field string) {
			t.Helper()
			doc := operationDocument(t, op)
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make(chan string, 6)
			for i := 0; i < 6; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					<-start
					r, err := c.Try(doc, op, map[string]any{"id": f.Hurt, "reason": fmt.Sprint("MARKER-MOD-race-", i)})
					if err != nil {
						errs <- err.Error()
						return
					}
					m, _ := r.Data[field].(map[string]any)
					if len(r.Errors) > 0 || m == nil || m["id"] != f.Hurt {
						errs <- r.Raw
					}
				}(i)
			}
			close(start)
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Errorf("%s racing: %s", op, e)
			}
		}
		race(g.A, "ReportEncouragement", "reportEncouragement")
		race(g.Therapist, "HideEncouragement", "hideEncouragement")
		if n := len(auditEvents(t, h, "encouragement.reported")); n != 1 {
			t.Errorf("%d report events, want 1", n)
		}
		if n := len(auditEvents(t, h, "encouragement.hidden")); n != 1 {
			t.Errorf("%d hide events, want 1", n)
		}
		if rep, hid := moderationStored(t, h, f.Hurt); !rep || !hid {
			t.Errorf("stored: reported %v hidden %v", rep, hid)
		}
	})
}

// A reflection whose author reported encouragement on it can still be deleted, and what was
// reported goes with it, out of the queue.
func TestModerationDeleteReflectionWithReportedEncouragement(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		f := newModerationFixture(t, h)
		g := f.g
		mustReport(t, g.A, f.Hurt, reportReasonText)
		mustHide(t, g.Therapist, f.Kind)
		if r := g.A.MustOp("DeleteReflection", map[string]any{"id": f.Ref}); r.Get("deleteReflection") != true {
			t.Fatalf("delete: %s", r.Raw)
		}
		if ids := queueIDs(t, g.Therapist, g.ID); len(ids) != 0 {
			t.Errorf("the queue still lists encouragement of a deleted reflection: %v", ids)
		}
		var n int
		if err := rawDB(t, h).QueryRow("SELECT COUNT(*) FROM encouragements WHERE reflection_id = $1", idNum(t, f.Ref)).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d encouragements of the deleted reflection are kept (%v)", n, err)
		}
		if r := reportEnc(g.A, f.Hurt); r.Code() != "NOT_FOUND" {
			t.Errorf("reporting again after the delete: %s", r.Raw)
		}
	})
}

// No push tells the recipient of encouragement that was reported or hidden before the push
// went out; encouragement that was not moderated is pushed as before.
func TestModerationNoPushOnceModerated(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		cara := h.Member("cara")
		g.Join(cara, "Cara")
		registerDevice(g.A, "token-a", "ANDROID", "en-US")
		registerDevice(g.B, "token-b", "ANDROID", "en-US")
		ra := g.Reflect(g.A, "GROUP", "MARKER-MOD-a")
		rb := g.Reflect(g.B, "GROUP", "MARKER-MOD-b")
		reported := mustEncourage(t, g.B, ra, hurtMessage)
		hidden := mustEncourage(t, cara, ra, kindMessage)
		mustEncourage(t, cara, rb, "MARKER-MOD-fine") // the control: pushed to Ben
		mustReport(t, g.A, reported, reportReasonText)
		mustHide(t, g.Therapist, hidden)

		h.Restart(map[string]string{"JOB_WORKERS": "4"})
		ms := h.Pushes(1)
		if ms[0].Token != "token-b" {
			t.Fatalf("pushes: %v, want only Ben's", summary(ms))
		}
		var jobs, open int
		if err := rawDB(t, h).QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'encouragement_push'`).Scan(&jobs); err != nil || jobs != 3 {
			t.Fatalf("want 3 encouragement jobs (so that the moderated ones were looked at), got %d %v", jobs, err)
		}
		if err := rawDB(t, h).QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'encouragement_push'
			AND state NOT IN ('completed', 'cancelled', 'discarded')`).Scan(&open); err != nil || open != 0 {
			t.Fatalf("%d encouragement jobs still open (%v)", open, err)
		}
	}, withPush(), startingAt(tuesdayMorning),
		// No workers at first, so that the moderation surely comes before the push.
		withSettings(map[string]string{"JOB_WORKERS": "0"}))
}
