package server_test

// Moderation of encouragement (issue 5, part 4): the recipient of an encouragement (the
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
	"time"

	"github.com/processgroup/api/internal/firebase/authemu"
	"github.com/processgroup/api/internal/platform/crypt"
	"github.com/processgroup/api/internal/platform/sealed"
)

const (
	modHurt     = "MARKER-MOD-hurtful-words"
	modKind     = "MARKER-MOD-kind-words"
	modReason   = "MARKER-MOD-reason-it-hurt"
	modHideNote = "MARKER-MOD-facilitator-note"
)

// modFixture is a group with a third member, Cara, and a GROUP reflection of Ann's with two
// encouragements on it: a hurtful one from Ben and a kind one from Cara.
type modFixture struct {
	g    *Group
	Cara *Client
	Ref  string // Ann's reflection
	Hurt string // Ben's encouragement on it
	Kind string // Cara's encouragement on it
}

func modSetup(t *testing.T, h *H) *modFixture {
	t.Helper()
	g := h.NewGroup()
	cara := h.Member("cara")
	g.Memberships[cara] = g.Join(cara, "Cara")
	ref := g.Reflect(g.A, "GROUP", "MARKER-MOD-reflection")
	return &modFixture{
		g: g, Cara: cara, Ref: ref,
		Hurt: modEncourage(t, g.B, ref, modHurt),
		Kind: modEncourage(t, cara, ref, modKind),
	}
}

// modEncourage sends encouragement and returns its id.
func modEncourage(t *testing.T, c *Client, reflectionID, message string) string {
	t.Helper()
	r := Encourage(c, reflectionID, message)
	id := r.Str("sendEncouragement.id")
	if len(r.Errors) > 0 || id == "" {
		t.Fatalf("send encouragement: %s", r.Raw)
	}
	return id
}

// modReport reports encouragement id as c, with a reason if one is given.
func modReport(c *Client, id string, reason ...string) *Resp {
	vars := map[string]any{"id": id}
	if len(reason) > 0 {
		vars["reason"] = reason[0]
	}
	return c.Op("ReportEncouragement", vars)
}

// modHide hides encouragement id as c, with a reason if one is given.
func modHide(c *Client, id string, reason ...string) *Resp {
	vars := map[string]any{"id": id}
	if len(reason) > 0 {
		vars["reason"] = reason[0]
	}
	return c.Op("HideEncouragement", vars)
}

// modMustReport reports and fails unless the answer is {id, reported: true}.
func modMustReport(t *testing.T, c *Client, id string, reason ...string) {
	t.Helper()
	r := modReport(c, id, reason...)
	if len(r.Errors) > 0 || r.Str("reportEncouragement.id") != id || r.Get("reportEncouragement.reported") != true {
		t.Fatalf("report %s: want {id: %s, reported: true}, got %s", id, id, r.Raw)
	}
}

// modMustHide hides and fails unless the answer is {id, hidden: true}.
func modMustHide(t *testing.T, c *Client, id string, reason ...string) {
	t.Helper()
	r := modHide(c, id, reason...)
	if len(r.Errors) > 0 || r.Str("hideEncouragement.id") != id || r.Get("hideEncouragement.hidden") != true {
		t.Fatalf("hide %s: want {id: %s, hidden: true}, got %s", id, id, r.Raw)
	}
}

const modReflectionDoc = `query ModReflection($id: ID!) {
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

// modSeen is what one reader sees of a reflection's encouragement.
type modSeen struct {
	Count int                       // encouragementCount
	Total int                       // encouragements.totalCount
	ByID  map[string]map[string]any // the listed encouragements
	Raw   string
}

// modLook reads the reflection as c (who must be able to read it).
func modLook(t *testing.T, c *Client, reflectionID string) modSeen {
	t.Helper()
	r := c.MustRaw(modReflectionDoc, "ModReflection", map[string]any{"id": reflectionID})
	if r.Str("node.__typename") != "Reflection" {
		t.Fatalf("the reader should read reflection %s: %s", reflectionID, r.Raw)
	}
	s := modSeen{Count: r.Num("node.encouragementCount"), Total: r.Num("node.encouragements.totalCount"), ByID: map[string]map[string]any{}, Raw: r.Raw}
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

// modExpectEnc is how one reader must see one encouragement.
type modExpectEnc struct {
	Message  string
	Reported bool
	Hidden   bool
	Reason   any // nil or the reason
}

// modExpect checks what c sees on a reflection: encouragementCount, totalCount, and exactly
// the encouragements in want, each with the message, reported, hidden and reportReason c must
// see.
func modExpect(t *testing.T, who string, c *Client, reflectionID string, want map[string]modExpectEnc) modSeen {
	t.Helper()
	s := modLook(t, c, reflectionID)
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

const modNodeDoc = `query ModNode($id: ID!) {
  node(id: $id) { __typename ... on Encouragement { id message reported hidden reportReason reflection { id } } }
}`

// modNode is encouragement id as node(id:) gives it to c, or nil.
func modNode(t *testing.T, c *Client, id string) map[string]any {
	t.Helper()
	r := c.MustRaw(modNodeDoc, "ModNode", map[string]any{"id": id})
	n, _ := r.Get("node").(map[string]any)
	return n
}

// modReceived is viewer.encouragementReceived of c: its totalCount and ids.
func modReceived(t *testing.T, c *Client) (int, []string) {
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

// modListCount is the encouragementCount of reflection in GroupFeed and in MyReflections
// (the author's journal), as c sees them; -1 where it is not listed.
func modListCount(t *testing.T, c *Client, op string, vars map[string]any, reflectionID string) int {
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

// modQueue is the facilitators' moderation queue as the app asks for it (ModerationQueue).
func modQueue(t *testing.T, c *Client, groupID string) ([]map[string]any, *Resp) {
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

// modQueueIDs is the ids of the queue, in order.
func modQueueIDs(t *testing.T, c *Client, groupID string) []string {
	t.Helper()
	q, _ := modQueue(t, c, groupID)
	ids := make([]string, len(q))
	for i, e := range q {
		ids[i] = e["id"].(string)
	}
	return ids
}

const modQueueReasonsDoc = `query ModQueueReasons($groupID: ID!) {
  node(id: $groupID) { ... on Group { reportedEncouragements { id reportReason } } }
}`

// modQueueReasons maps the ids in the queue to their reportReason (nil when none).
func modQueueReasons(t *testing.T, c *Client, groupID string) map[string]any {
	t.Helper()
	r := c.MustRaw(modQueueReasonsDoc, "ModQueueReasons", map[string]any{"groupID": groupID})
	out := map[string]any{}
	list, _ := r.Get("node.reportedEncouragements").([]any)
	for _, e := range list {
		m := e.(map[string]any)
		out[m["id"].(string)] = m["reportReason"]
	}
	return out
}

func modInt(t *testing.T, id string) int {
	t.Helper()
	n, err := strconv.Atoi(id)
	if err != nil {
		t.Fatalf("id %q: %v", id, err)
	}
	return n
}

// modStored says, from the database, whether encouragement id is reported and hidden.
func modStored(t *testing.T, h *H, id string) (reported, hidden bool) {
	t.Helper()
	var rep, hid int
	err := rawDB(t, h).QueryRow(`SELECT CASE WHEN reported_at IS NULL THEN 0 ELSE 1 END,
		CASE WHEN hidden_at IS NULL THEN 0 ELSE 1 END FROM encouragements WHERE id = $1`, modInt(t, id)).Scan(&rep, &hid)
	if err != nil {
		t.Fatalf("stored state of %s: %v", id, err)
	}
	return rep == 1, hid == 1
}

// modEvent is one audit event.
type modEvent struct {
	Actor, Group, Subject int
	Detail                string
}

// modEvents lists the audit events of action, oldest first.
func modEvents(t *testing.T, h *H, action string) []modEvent {
	t.Helper()
	rows, err := rawDB(t, h).Query(`SELECT actor_user_id, group_id, subject_id, detail FROM audit_events WHERE action = $1 ORDER BY id`, action)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []modEvent
	for rows.Next() {
		var actor, group, subject sql.NullInt64
		var detail sql.NullString
		if err := rows.Scan(&actor, &group, &subject, &detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, modEvent{Actor: int(actor.Int64), Group: int(group.Int64), Subject: int(subject.Int64), Detail: detail.String})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// modUserID is c's user id, as viewer.id gives it.
func modUserID(t *testing.T, c *Client) int {
	t.Helper()
	return modInt(t, c.MustOp("Viewer", nil).Str("viewer.id"))
}

// modDemote takes c's therapist role away (as set-role UID member does) and returns c with
// a fresh token.
func modDemote(t *testing.T, h *H, c *Client) *Client {
	t.Helper()
	emu.AddUser(authemu.User{UID: c.UID, Email: c.UID + "@example.invalid"})
	tok, err := emu.Token(c.UID, 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return &Client{h: h, UID: c.UID, Token: tok}
}

// modMadeUp is an id of the same type as id that nothing has.
func modMadeUp(t *testing.T, id string) string {
	t.Helper()
	return strconv.Itoa(modInt(t, id) + 99999)
}

// modNothingModerated checks that neither encouragement of f was reported or hidden, in the
// database, in the audit, in the queue and for the recipient.
func modNothingModerated(t *testing.T, h *H, f *modFixture) {
	t.Helper()
	for _, id := range []string{f.Hurt, f.Kind} {
		if rep, hid := modStored(t, h, id); rep || hid {
			t.Errorf("encouragement %s was changed: reported %v, hidden %v", id, rep, hid)
		}
	}
	for _, action := range []string{"encouragement.reported", "encouragement.hidden"} {
		if ev := modEvents(t, h, action); len(ev) != 0 {
			t.Errorf("%s: %d audit events, want none", action, len(ev))
		}
	}
	if ids := modQueueIDs(t, f.g.Therapist, f.g.ID); len(ids) != 0 {
		t.Errorf("the queue is not empty: %v", ids)
	}
	if s := modLook(t, f.g.A, f.Ref); s.Count != 2 || s.Total != 2 {
		t.Errorf("the recipient no longer sees both encouragements: %s", s.Raw)
	}
}

// modRefused checks that an attempt was refused with code and returned nothing.
func modRefused(t *testing.T, what string, r *Resp, field, code string) {
	t.Helper()
	if r.Code() != code || r.Get(field) != nil {
		t.Errorf("%s: want %s and no data, got %s", what, code, r.Raw)
	}
	for _, m := range []string{modHurt, modKind} {
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
		f := modSetup(t, h)
		g := f.g
		// A therapist who is only a member of this group (and facilitates another one).
		g.Memberships[g.Stranger] = g.Join(g.Stranger, "Sam")
		both := map[string]modExpectEnc{f.Hurt: {Message: modHurt}, f.Kind: {Message: modKind}}
		modExpect(t, "Ann before the report", g.A, f.Ref, both)
		if n, _ := modReceived(t, g.A); n != 2 {
			t.Fatalf("Ann received %d before the report, want 2", n)
		}

		modMustReport(t, g.A, f.Hurt, "  "+modReason+" \n\t")

		// The recipient: gone everywhere, at once.
		modExpect(t, "Ann (recipient)", g.A, f.Ref, map[string]modExpectEnc{f.Kind: {Message: modKind}})
		if n, ids := modReceived(t, g.A); n != 1 || !slices.Equal(ids, []string{f.Kind}) {
			t.Errorf("Ann's encouragementReceived: %d %v, want only %s", n, ids, f.Kind)
		}
		if n := modNode(t, g.A, f.Hurt); n != nil {
			t.Errorf("Ann still gets the reported encouragement by node(id:): %v", n)
		}
		if n := modListCount(t, g.A, "GroupFeed", map[string]any{"groupID": g.ID}, f.Ref); n != 1 {
			t.Errorf("Ann's GroupFeed counts %d encouragements, want 1", n)
		}
		if n := modListCount(t, g.A, "MyReflections", nil, f.Ref); n != 1 {
			t.Errorf("Ann's MyReflections counts %d encouragements, want 1", n)
		}
		if r := g.A.MustOp("Reflection", map[string]any{"id": f.Ref}); r.Num("node.encouragementCount") != 1 ||
			r.Num("node.encouragements.totalCount") != 1 || strings.Contains(r.Raw, modHurt) {
			t.Errorf("Ann's Reflection operation still shows it: %s", r.Raw)
		}

		// Everyone else who reads the reflection: still there, and not told it was reported.
		for _, p := range []struct {
			who string
			c   *Client
		}{{"Cara (other member)", f.Cara}, {"Ben (sender)", g.B}, {"Sam (a therapist who is only a member)", g.Stranger}} {
			s := modExpect(t, p.who, p.c, f.Ref, both)
			if n := modNode(t, p.c, f.Hurt); n == nil || n["message"] != modHurt || n["reported"] != false || n["hidden"] != false || n["reportReason"] != nil {
				t.Errorf("%s by node(id:): %v", p.who, n)
			}
			if n := modListCount(t, p.c, "GroupFeed", map[string]any{"groupID": g.ID}, f.Ref); n != 2 {
				t.Errorf("%s: GroupFeed counts %d, want 2", p.who, n)
			}
			if strings.Contains(s.Raw, modReason) {
				t.Errorf("%s is shown the reason: %s", p.who, s.Raw)
			}
			if r := p.c.Raw(modQueueReasonsDoc, "ModQueueReasons", map[string]any{"groupID": g.ID}); strings.Contains(r.Raw, modReason) || strings.Contains(r.Raw, modHurt) {
				t.Errorf("%s reads the queue: %s", p.who, r.Raw)
			}
		}

		// The facilitator: sees it, reported, with the trimmed reason, and in the queue.
		modExpect(t, "the facilitator", g.Therapist, f.Ref, map[string]modExpectEnc{
			f.Hurt: {Message: modHurt, Reported: true, Reason: modReason},
			f.Kind: {Message: modKind},
		})
		if n := modNode(t, g.Therapist, f.Hurt); n == nil || n["reported"] != true || n["hidden"] != false || n["reportReason"] != modReason {
			t.Errorf("the facilitator by node(id:): %v", n)
		}
		q, raw := modQueue(t, g.Therapist, g.ID)
		if len(q) != 1 {
			t.Fatalf("the queue: want exactly the reported encouragement, got %s", raw.Raw)
		}
		e := q[0]
		sender, _ := e["sender"].(map[string]any)
		ref, _ := e["reflection"].(map[string]any)
		if e["id"] != f.Hurt || e["kind"] != "HEART" || e["message"] != modHurt || e["reported"] != true || e["hidden"] != false ||
			sender["id"] != g.Memberships[g.B] || sender["displayName"] != "Ben" || ref["id"] != f.Ref || e["createdAt"] == nil {
			t.Errorf("the queue's entry: %v", e)
		}
		if reasons := modQueueReasons(t, g.Therapist, g.ID); len(reasons) != 1 || reasons[f.Hurt] != modReason {
			t.Errorf("the queue's reportReason: %v, want %q (trimmed)", reasons, modReason)
		}
		// The therapist who is only a member has a queue of their own group, without this.
		other := g.Stranger.MustOp("Viewer", nil)
		for i := range other.Get("viewer.memberships").([]any) {
			gid := other.Str(fmt.Sprintf("viewer.memberships.%d.group.id", i))
			if gid == g.ID {
				continue
			}
			if ids := modQueueIDs(t, g.Stranger, gid); len(ids) != 0 {
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
		f := modSetup(t, h)
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
			modRefused(t, try.who+" reports", modReport(try.c, try.id, modReason), "reportEncouragement", try.code)
		}
		// Not an encouragement: made up, or a reflection's id.
		modRefused(t, "a made-up id", modReport(g.A, modMadeUp(t, f.Hurt), modReason), "reportEncouragement", "NOT_FOUND")
		modRefused(t, "a reflection's id", modReport(g.A, f.Ref, modReason), "reportEncouragement", "NOT_FOUND")
		modNothingModerated(t, h, f)

		modMustReport(t, g.A, f.Hurt, modReason)
		// A retry (the phone did not get the answer), even with another reason.
		modMustReport(t, g.A, f.Hurt, "MARKER-MOD-second-reason")
		modMustReport(t, g.A, f.Hurt)
		if ev := modEvents(t, h, "encouragement.reported"); len(ev) != 1 {
			t.Errorf("%d report events after retries, want 1", len(ev))
		}
		if reasons := modQueueReasons(t, g.Therapist, g.ID); len(reasons) != 1 || reasons[f.Hurt] != modReason {
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
			modRefused(t, try.who+" reports a reported one", modReport(try.c, f.Hurt), "reportEncouragement", try.code)
		}
		if ev := modEvents(t, h, "encouragement.reported"); len(ev) != 1 {
			t.Errorf("%d report events, want 1", len(ev))
		}
		if rep, hid := modStored(t, h, f.Kind); rep || hid {
			t.Errorf("the other encouragement changed: reported %v hidden %v", rep, hid)
		}
		if ids := modQueueIDs(t, g.Therapist, g.ID); !slices.Equal(ids, []string{f.Hurt}) {
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
		f := modSetup(t, h)
		g := f.g
		long := "MARKER-MOD-" + strings.Repeat("x", 501-len("MARKER-MOD-"))
		for _, r := range []*Resp{
			modReport(g.A, f.Hurt, long),
			modReport(g.A, f.Hurt, strings.Repeat("é", 501)),
		} {
			modRefused(t, "a report with 501 characters", r, "reportEncouragement", "BAD_USER_INPUT")
			if len(r.Errors) > 0 && r.Errors[0].Extensions["field"] != "reason" {
				t.Errorf("the error's field: %v", r.Errors[0].Extensions["field"])
			}
		}
		for _, r := range []*Resp{
			modHide(g.Therapist, f.Hurt, long),
			modHide(g.Therapist, f.Hurt, strings.Repeat("é", 501)),
		} {
			modRefused(t, "a hide with 501 characters", r, "hideEncouragement", "BAD_USER_INPUT")
			if len(r.Errors) > 0 && r.Errors[0].Extensions["field"] != "reason" {
				t.Errorf("the error's field: %v", r.Errors[0].Extensions["field"])
			}
		}
		modNothingModerated(t, h, f)

		// 500 characters (1000 bytes), padded with blanks that are trimmed: accepted whole.
		five := strings.Repeat("é", 500)
		modMustReport(t, g.A, f.Hurt, "\n  "+five+"  ")
		// Blank: no reason.
		modMustReport(t, g.A, f.Kind, " \t\n ")
		reasons := modQueueReasons(t, g.Therapist, g.ID)
		if len(reasons) != 2 || reasons[f.Hurt] != five || reasons[f.Kind] != nil {
			t.Errorf("reasons: want 500 characters for %s and null for %s, got %v", f.Hurt, f.Kind, reasons)
		}
		var n int
		if err := rawDB(t, h).QueryRow("SELECT COUNT(*) FROM encouragements WHERE id = $1 AND report_reason IS NULL", modInt(t, f.Kind)).Scan(&n); err != nil || n != 1 {
			t.Errorf("a blank reason is stored: %d %v", n, err)
		}
		// A hide with a blank reason stores none either.
		modMustHide(t, g.Therapist, f.Kind, "   ")
		if err := rawDB(t, h).QueryRow("SELECT COUNT(*) FROM encouragements WHERE id = $1 AND hide_reason IS NULL", modInt(t, f.Kind)).Scan(&n); err != nil || n != 1 {
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
		f := modSetup(t, h)
		g := f.g
		g.Memberships[g.Stranger] = g.Join(g.Stranger, "Sam")

		modMustHide(t, g.Therapist, f.Hurt, modHideNote)

		kindOnly := map[string]modExpectEnc{f.Kind: {Message: modKind}}
		modExpect(t, "Ann (recipient)", g.A, f.Ref, kindOnly)
		modExpect(t, "Cara (other member)", f.Cara, f.Ref, kindOnly)
		modExpect(t, "Sam (a therapist who is only a member)", g.Stranger, f.Ref, kindOnly)
		modExpect(t, "Ben (sender)", g.B, f.Ref, map[string]modExpectEnc{f.Hurt: {Message: modHurt}, f.Kind: {Message: modKind}})
		modExpect(t, "the facilitator", g.Therapist, f.Ref, map[string]modExpectEnc{f.Hurt: {Message: modHurt, Hidden: true}, f.Kind: {Message: modKind}})
		for _, p := range []struct {
			who     string
			c       *Client
			visible bool
		}{{"Ann", g.A, false}, {"Cara", f.Cara, false}, {"Sam", g.Stranger, false}, {"Ben", g.B, true}, {"the facilitator", g.Therapist, true}} {
			n := modNode(t, p.c, f.Hurt)
			if (n != nil) != p.visible {
				t.Errorf("%s by node(id:): %v, want visible %v", p.who, n, p.visible)
			}
			want := 1
			if p.visible {
				want = 2
			}
			if c := modListCount(t, p.c, "GroupFeed", map[string]any{"groupID": g.ID}, f.Ref); c != want {
				t.Errorf("%s: GroupFeed counts %d, want %d", p.who, c, want)
			}
		}
		if n, ids := modReceived(t, g.A); n != 1 || !slices.Equal(ids, []string{f.Kind}) {
			t.Errorf("Ann's encouragementReceived: %d %v", n, ids)
		}
		if n := modListCount(t, g.A, "MyReflections", nil, f.Ref); n != 1 {
			t.Errorf("Ann's MyReflections counts %d, want 1", n)
		}
		// Hidden without a report: not in the queue.
		if ids := modQueueIDs(t, g.Therapist, g.ID); len(ids) != 0 {
			t.Errorf("an unreported hidden encouragement is in the queue: %v", ids)
		}
		// A retry, even with another reason: the same answer, one event.
		modMustHide(t, g.Therapist, f.Hurt, "MARKER-MOD-other-note")
		modMustHide(t, g.Therapist, f.Hurt)
		if ev := modEvents(t, h, "encouragement.hidden"); len(ev) != 1 {
			t.Errorf("%d hide events, want 1", len(ev))
		}
		// The recipient cannot report what they no longer see.
		modRefused(t, "reporting a hidden one", modReport(g.A, f.Hurt, modReason), "reportEncouragement", "NOT_FOUND")
		if rep, _ := modStored(t, h, f.Hurt); rep {
			t.Error("a hidden encouragement was reported by someone who cannot see it")
		}
		if ev := modEvents(t, h, "encouragement.reported"); len(ev) != 0 {
			t.Errorf("%d report events, want 0", len(ev))
		}

		// Reported, then hidden: in the queue as both; nobody but its sender and the
		// facilitator sees it.
		modMustReport(t, g.A, f.Kind, modReason)
		modMustHide(t, g.Therapist, f.Kind)
		q, raw := modQueue(t, g.Therapist, g.ID)
		if len(q) != 1 || q[0]["id"] != f.Kind || q[0]["reported"] != true || q[0]["hidden"] != true || q[0]["message"] != modKind {
			t.Errorf("the queue: %s", raw.Raw)
		}
		modExpect(t, "Ann after both", g.A, f.Ref, map[string]modExpectEnc{})
		modExpect(t, "Cara (sender of the second)", f.Cara, f.Ref, map[string]modExpectEnc{f.Kind: {Message: modKind}})
		modExpect(t, "Ben (sender of the first)", g.B, f.Ref, map[string]modExpectEnc{f.Hurt: {Message: modHurt}})
		modExpect(t, "Sam", g.Stranger, f.Ref, map[string]modExpectEnc{})
		modExpect(t, "the facilitator after both", g.Therapist, f.Ref, map[string]modExpectEnc{
			f.Hurt: {Message: modHurt, Hidden: true},
			f.Kind: {Message: modKind, Reported: true, Hidden: true, Reason: modReason},
		})
		if n, ids := modReceived(t, g.A); n != 0 || len(ids) != 0 {
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
		f := modSetup(t, h)
		g := f.g
		try := func(who string, c *Client, code string) {
			t.Helper()
			for _, id := range []string{f.Hurt, f.Kind} {
				modRefused(t, who+" hides "+id, modHide(c, id, modHideNote), "hideEncouragement", code)
			}
		}
		try("the recipient", g.A, "FORBIDDEN")
		try("the sender", g.B, "FORBIDDEN")
		try("another member", f.Cara, "FORBIDDEN")
		try("a therapist of another group", g.Stranger, "NOT_FOUND")
		try("someone outside", g.Outsider, "NOT_FOUND")
		try("anonymous", h.Anonymous(), "UNAUTHENTICATED")
		modRefused(t, "a made-up id", modHide(g.Therapist, modMadeUp(t, f.Hurt)), "hideEncouragement", "NOT_FOUND")
		modRefused(t, "a reflection's id", modHide(g.Therapist, f.Ref), "hideEncouragement", "NOT_FOUND")
		g.Memberships[g.Stranger] = g.Join(g.Stranger, "Sam")
		try("a therapist who is only a member", g.Stranger, "FORBIDDEN")
		modNothingModerated(t, h, f)

		// A reported one: still only facilitators.
		modMustReport(t, g.A, f.Hurt, modReason)
		// (the reporter no longer sees it at all)
		modRefused(t, "the reporter hides", modHide(g.A, f.Hurt), "hideEncouragement", "NOT_FOUND")
		modRefused(t, "the sender hides", modHide(g.B, f.Hurt), "hideEncouragement", "FORBIDDEN")
		modRefused(t, "Sam hides", modHide(g.Stranger, f.Hurt), "hideEncouragement", "FORBIDDEN")

		// The role taken away: the facilitator membership alone no longer hides.
		former := modDemote(t, h, g.Therapist)
		modRefused(t, "a demoted therapist hides", modHide(former, f.Hurt), "hideEncouragement", "FORBIDDEN")
		modRefused(t, "a demoted therapist hides the unreported one", modHide(former, f.Kind), "hideEncouragement", "FORBIDDEN")
		if r := former.Op("ModerationQueue", map[string]any{"groupID": g.ID}); r.Code() != "FORBIDDEN" || r.Get("node") != nil || strings.Contains(r.Raw, modHurt) {
			t.Errorf("a demoted therapist reads the queue: %s", r.Raw)
		}
		s := modLook(t, former, f.Ref)
		if e := s.ByID[f.Hurt]; e == nil || e["reported"] != false || e["reportReason"] != nil {
			t.Errorf("a demoted therapist is told it was reported: %s", s.Raw)
		}

		for _, id := range []string{f.Hurt, f.Kind} {
			if _, hid := modStored(t, h, id); hid {
				t.Errorf("%s was hidden", id)
			}
		}
		if ev := modEvents(t, h, "encouragement.hidden"); len(ev) != 0 {
			t.Errorf("%d hide events, want 0", len(ev))
		}
		modExpect(t, "Cara", f.Cara, f.Ref, map[string]modExpectEnc{f.Hurt: {Message: modHurt}, f.Kind: {Message: modKind}})
	})
}

// Rule 3. Moderation belongs to the current facilitators: one who left the group no longer
// hides, sees the queue or sees what was hidden; a facilitator who remains does.
func TestModerationFormerFacilitatorLosesModeration(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		f := modSetup(t, h)
		g := f.g
		modMustReport(t, g.A, f.Hurt, modReason)
		// A second facilitator (the API has no way to name one yet): Sam joins, and is made
		// a facilitator in the database.
		sam := g.Join(g.Stranger, "Sam")
		if _, err := rawDB(t, h).Exec("UPDATE memberships SET role = 'FACILITATOR' WHERE id = $1", modInt(t, sam)); err != nil {
			t.Fatal(err)
		}
		if ids := modQueueIDs(t, g.Stranger, g.ID); !slices.Equal(ids, []string{f.Hurt}) {
			t.Fatalf("the second facilitator's queue: %v", ids)
		}
		modMustHide(t, g.Therapist, f.Kind)
		g.Therapist.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})

		modRefused(t, "a facilitator who left hides", modHide(g.Therapist, f.Hurt), "hideEncouragement", "NOT_FOUND")
		if r := g.Therapist.Op("ModerationQueue", map[string]any{"groupID": g.ID}); r.Get("node") != nil || strings.Contains(r.Raw, modHurt) {
			t.Errorf("a facilitator who left reads the queue: %s", r.Raw)
		}
		for _, id := range []string{f.Hurt, f.Kind} {
			if n := modNode(t, g.Therapist, id); n != nil {
				t.Errorf("a facilitator who left still sees %s: %v", id, n)
			}
		}
		if _, hid := modStored(t, h, f.Hurt); hid {
			t.Error("hidden by a facilitator who left")
		}
		// The one who remains moderates.
		modMustHide(t, g.Stranger, f.Hurt)
		ev := modEvents(t, h, "encouragement.hidden")
		if len(ev) != 2 || ev[0].Actor != modUserID(t, g.Therapist) || ev[1].Actor != modUserID(t, g.Stranger) || ev[1].Subject != modInt(t, f.Hurt) {
			t.Errorf("hide events: %+v", ev)
		}
		modExpect(t, "the remaining facilitator", g.Stranger, f.Ref, map[string]modExpectEnc{
			f.Hurt: {Message: modHurt, Reported: true, Hidden: true, Reason: modReason},
			f.Kind: {Message: modKind, Hidden: true},
		})
	})
}

// Rule 4. Only the group's facilitators read the queue: a member (even the reporter, even the
// sender) gets FORBIDDEN and no data; people outside the group do not get the group.
func TestModerationQueueIsForFacilitatorsOnly(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		f := modSetup(t, h)
		g := f.g
		modMustReport(t, g.A, f.Hurt, modReason)
		for _, p := range []struct {
			who string
			c   *Client
		}{{"the reporter", g.A}, {"the sender", g.B}, {"another member", f.Cara}} {
			r := p.c.Op("ModerationQueue", map[string]any{"groupID": g.ID})
			if r.Code() != "FORBIDDEN" || r.Get("node") != nil {
				t.Errorf("%s: want FORBIDDEN and no data, got %s", p.who, r.Raw)
			}
			if strings.Contains(r.Raw, modHurt) || strings.Contains(r.Raw, modReason) {
				t.Errorf("%s reads the queue: %s", p.who, r.Raw)
			}
		}
		for _, p := range []struct {
			who string
			c   *Client
		}{{"a therapist of another group", g.Stranger}, {"someone outside", g.Outsider}} {
			r := p.c.Op("ModerationQueue", map[string]any{"groupID": g.ID})
			if _, ok := r.Data["node"]; !ok || r.Get("node") != nil || strings.Contains(r.Raw, modHurt) {
				t.Errorf("%s: want node null, got %s", p.who, r.Raw)
			}
		}
		if r := h.Anonymous().Op("ModerationQueue", map[string]any{"groupID": g.ID}); r.Code() != "UNAUTHENTICATED" || strings.Contains(r.Raw, modHurt) {
			t.Errorf("anonymous: %s", r.Raw)
		}
		// A therapist who is only a member of the group.
		g.Join(g.Stranger, "Sam")
		if r := g.Stranger.Op("ModerationQueue", map[string]any{"groupID": g.ID}); r.Code() != "FORBIDDEN" || r.Get("node") != nil || strings.Contains(r.Raw, modHurt) {
			t.Errorf("a therapist who is only a member: %s", r.Raw)
		}
		// The facilitator does.
		if ids := modQueueIDs(t, g.Therapist, g.ID); !slices.Equal(ids, []string{f.Hurt}) {
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
		f := modSetup(t, h)
		g := f.g
		r2 := g.Reflect(g.A, "GROUP", "MARKER-MOD-second")
		r3 := g.Reflect(g.A, "FACILITATORS", "MARKER-MOD-third")
		e1, e2 := f.Hurt, f.Kind
		e3 := modEncourage(t, g.B, r2, "MARKER-MOD-e3")
		e4 := modEncourage(t, f.Cara, r2, "MARKER-MOD-e4")
		e5 := modEncourage(t, g.Therapist, r3, "MARKER-MOD-e5")
		unreported := modEncourage(t, g.Therapist, r2, "MARKER-MOD-unreported")
		// Another group's report stays in that group.
		o := h.NewGroup()
		or := o.Reflect(o.A, "GROUP", "MARKER-MOD-other-group")
		oe := modEncourage(t, o.B, or, "MARKER-MOD-other-group-enc")
		oh := modEncourage(t, o.Therapist, or, "MARKER-MOD-other-group-hidden")
		modMustReport(t, o.A, oe, modReason)
		modMustReport(t, o.A, oh)
		modMustHide(t, o.Therapist, oh)

		// Reported in an order that is neither the order of sending nor its reverse.
		for _, id := range []string{e4, e1, e5, e2, e3} {
			modMustReport(t, g.A, id)
		}
		if ids := modQueueIDs(t, g.Therapist, g.ID); !slices.Equal(ids, []string{e4, e1, e5, e2, e3}) {
			t.Fatalf("waiting, oldest report first: got %v, want %v", ids, []string{e4, e1, e5, e2, e3})
		}
		modMustHide(t, g.Therapist, e1)
		modMustHide(t, g.Therapist, e2)
		modMustHide(t, g.Therapist, unreported)
		modMustHide(t, g.Therapist, e4)
		want := []string{e5, e3, e4, e2, e1}
		q, raw := modQueue(t, g.Therapist, g.ID)
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
		few := h.Statements(func() { modQueue(t, o.Therapist, o.ID) })
		many := h.Statements(func() { modQueue(t, g.Therapist, g.ID) })
		if few != many {
			t.Errorf("the queue takes %d statements for 2 entries, %d for 5", few, many)
		}
		// Hiding again does not move it to the top.
		modMustHide(t, g.Therapist, e1)
		if ids := modQueueIDs(t, g.Therapist, g.ID); !slices.Equal(ids, want) {
			t.Errorf("a retried hide moved it: %v, want %v", ids, want)
		}
		if ids := modQueueIDs(t, o.Therapist, o.ID); !slices.Equal(ids, []string{oe, oh}) {
			t.Errorf("the other group's queue: %v, want [%s %s]", ids, oe, oh)
		}
	})
}

// Rule 5. One audit event per report and per hide, whatever the retries, naming the
// encouragement, the group and who did it, and nothing anyone wrote.
func TestModerationAuditEvents(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		f := modSetup(t, h)
		g := f.g
		modMustReport(t, g.A, f.Hurt, modReason)
		modMustReport(t, g.A, f.Hurt, modReason)
		modMustHide(t, g.Therapist, f.Hurt, modHideNote)
		modMustHide(t, g.Therapist, f.Hurt, modHideNote)
		// Refused attempts are not moderation events.
		modReport(g.B, f.Kind, modReason)
		modHide(f.Cara, f.Kind, modHideNote)

		groupID := modInt(t, g.ID)
		subject := modInt(t, f.Hurt)
		rep := modEvents(t, h, "encouragement.reported")
		if len(rep) != 1 || rep[0].Actor != modUserID(t, g.A) || rep[0].Subject != subject || rep[0].Group != groupID {
			t.Errorf("report events: %+v, want one by Ann (%d) on %d in %d", rep, modUserID(t, g.A), subject, groupID)
		}
		hid := modEvents(t, h, "encouragement.hidden")
		if len(hid) != 1 || hid[0].Actor != modUserID(t, g.Therapist) || hid[0].Subject != subject || hid[0].Group != groupID {
			t.Errorf("hide events: %+v, want one by the facilitator (%d) on %d in %d", hid, modUserID(t, g.Therapist), subject, groupID)
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
		f := modSetup(t, h)
		modMustReport(t, f.g.A, f.Hurt, modReason)
		modMustHide(t, f.g.Therapist, f.Hurt, modHideNote)
		var report, hide sql.NullString
		if err := rawDB(t, h).QueryRow("SELECT report_reason, hide_reason FROM encouragements WHERE id = $1", modInt(t, f.Hurt)).Scan(&report, &hide); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			col   string
			v     sql.NullString
			plain string
		}{{"report_reason", report, modReason}, {"hide_reason", hide, modHideNote}} {
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
		if reasons := modQueueReasons(t, f.g.Therapist, f.g.ID); reasons[f.Hurt] != modReason {
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
		f := modSetup(t, h)
		modMustReport(t, f.g.A, f.Hurt, modReason)
		modMustHide(t, f.g.Therapist, f.Hurt, modHideNote)
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
		if r := f.g.Therapist.Op("ModerationQueue", map[string]any{"groupID": f.g.ID}); len(r.Errors) > 0 || r.Str("node.reportedEncouragements.0.message") != modHurt {
			t.Errorf("the queue after rotation: %s", r.Raw)
		}
		if r := f.g.Therapist.Raw(modQueueReasonsDoc, "ModQueueReasons", map[string]any{"groupID": f.g.ID}); len(r.Errors) > 0 ||
			r.Str("node.reportedEncouragements.0.reportReason") != modReason {
			t.Errorf("the reason after rotation: %s", r.Raw)
		}
	})
}

// Rule 7. The recipient's export leaves out what they reported and what was hidden, as the
// app does; the senders' exports keep what they sent.
func TestModerationExport(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		f := modSetup(t, h)
		g := f.g
		keep := modEncourage(t, g.Therapist, f.Ref, "MARKER-MOD-kept")
		modMustReport(t, g.A, f.Hurt, modReason)
		modMustHide(t, g.Therapist, f.Kind)

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
		if len(received) != 1 || received[0].ID != modInt(t, keep) || received[0].Message != "MARKER-MOD-kept" {
			t.Errorf("Ann's export receives %+v, want only %s", received, keep)
		}
		for _, never := range []string{modHurt, modKind} {
			if strings.Contains(data, never) {
				t.Errorf("Ann's export holds %q", never)
			}
		}
		sent, _, _ := export(g.B)
		if len(sent) != 1 || sent[0].ID != modInt(t, f.Hurt) || sent[0].Message != modHurt {
			t.Errorf("Ben's export sends %+v, want his reported encouragement", sent)
		}
		sent, _, _ = export(f.Cara)
		if len(sent) != 1 || sent[0].ID != modInt(t, f.Kind) || sent[0].Message != modKind {
			t.Errorf("Cara's export sends %+v, want her hidden encouragement", sent)
		}
	})
}

// Retries racing each other (a phone resending while the first request is under way) end as
// one report and one hide: every answer is {id, true} and one event is recorded of each.
func TestModerationConcurrentRetries(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		f := modSetup(t, h)
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
					r, err := a3Post(h, c.Token, doc, op, map[string]any{"id": f.Hurt, "reason": fmt.Sprint("MARKER-MOD-race-", i)})
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
		if n := len(modEvents(t, h, "encouragement.reported")); n != 1 {
			t.Errorf("%d report events, want 1", n)
		}
		if n := len(modEvents(t, h, "encouragement.hidden")); n != 1 {
			t.Errorf("%d hide events, want 1", n)
		}
		if rep, hid := modStored(t, h, f.Hurt); !rep || !hid {
			t.Errorf("stored: reported %v hidden %v", rep, hid)
		}
	})
}

// A reflection whose author reported encouragement on it can still be deleted, and what was
// reported goes with it, out of the queue.
func TestModerationDeleteReflectionWithReportedEncouragement(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		f := modSetup(t, h)
		g := f.g
		modMustReport(t, g.A, f.Hurt, modReason)
		modMustHide(t, g.Therapist, f.Kind)
		if r := g.A.MustOp("DeleteReflection", map[string]any{"id": f.Ref}); r.Get("deleteReflection") != true {
			t.Fatalf("delete: %s", r.Raw)
		}
		if ids := modQueueIDs(t, g.Therapist, g.ID); len(ids) != 0 {
			t.Errorf("the queue still lists encouragement of a deleted reflection: %v", ids)
		}
		var n int
		if err := rawDB(t, h).QueryRow("SELECT COUNT(*) FROM encouragements WHERE reflection_id = $1", modInt(t, f.Ref)).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d encouragements of the deleted reflection are kept (%v)", n, err)
		}
		if r := modReport(g.A, f.Hurt); r.Code() != "NOT_FOUND" {
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
		registerDevice(g.A, "token-a", "en-US")
		registerDevice(g.B, "token-b", "en-US")
		ra := g.Reflect(g.A, "GROUP", "MARKER-MOD-a")
		rb := g.Reflect(g.B, "GROUP", "MARKER-MOD-b")
		reported := modEncourage(t, g.B, ra, modHurt)
		hidden := modEncourage(t, cara, ra, modKind)
		modEncourage(t, cara, rb, "MARKER-MOD-fine") // the control: pushed to Ben
		modMustReport(t, g.A, reported, modReason)
		modMustHide(t, g.Therapist, hidden)

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
