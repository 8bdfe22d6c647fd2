package server_test

// Taking a report back: a facilitator dismisses it (judged harmless), or the recipient who
// made it withdraws it. Either way the report leaves the moderation queue and the
// encouragement shows again to its recipient, unless a facilitator hid it; the audit keeps
// that it happened, without content; doing it again changes nothing; nobody else can.

import (
	"strings"
	"testing"
)

// takeBack runs op (DismissEncouragementReport or WithdrawEncouragementReport) on id as c.
func takeBack(c *Client, op, id string) *Resp {
	return c.Op(op, map[string]any{"id": id})
}

// field is the mutation's field of op.
func field(op string) string {
	if op == "DismissEncouragementReport" {
		return "dismissEncouragementReport"
	}
	return "withdrawEncouragementReport"
}

// action is the audit action of op.
func action(op string) string {
	if op == "DismissEncouragementReport" {
		return "encouragement.report_dismissed"
	}
	return "encouragement.report_withdrawn"
}

// TestModerationReportTakenBack: dismissed by a facilitator, or withdrawn by the recipient;
// the queue, the recipient's view, the stored report and the audit before and after, and
// again.
func TestModerationReportTakenBack(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		for _, op := range []string{"DismissEncouragementReport", "WithdrawEncouragementReport"} {
			t.Run(op, func(t *testing.T) {
				f := newModerationFixture(t, h)
				g := f.g
				by := map[string]*Client{"DismissEncouragementReport": g.Therapist, "WithdrawEncouragementReport": g.A}[op]
				mustReport(t, g.A, f.Hurt, reportReasonText)
				if ids := queueIDs(t, g.Therapist, g.ID); len(ids) != 1 || ids[0] != f.Hurt {
					t.Fatalf("queue before: %v", ids)
				}
				expectEncouragement(t, "the recipient, reported", g.A, f.Ref, map[string]expectedEnc{
					f.Kind: {Message: kindMessage},
				})
				eventsBefore := len(auditEvents(t, h, action(op)))

				r := takeBack(by, op, f.Hurt)
				if len(r.Errors) > 0 || r.Str(field(op)+".id") != f.Hurt || r.Get(field(op)+".reported") != false {
					t.Fatalf("%s: want {id: %s, reported: false}, got %s", op, f.Hurt, r.Raw)
				}
				noLeak(t, op, r, reportReasonText)
				if ids := queueIDs(t, g.Therapist, g.ID); len(ids) != 0 {
					t.Errorf("the queue after %s: %v", op, ids)
				}
				expectEncouragement(t, "the recipient, after "+op, g.A, f.Ref, map[string]expectedEnc{
					f.Hurt: {Message: hurtMessage},
					f.Kind: {Message: kindMessage},
				})
				if n, ids := receivedEncouragement(t, g.A); n != 2 || len(ids) != 2 {
					t.Errorf("the recipient's received list after %s: %d %v", op, n, ids)
				}
				if rep, hid := moderationStored(t, h, f.Hurt); rep || hid {
					t.Errorf("stored after %s: reported %v, hidden %v", op, rep, hid)
				}
				if n := countRows(t, h, "SELECT COUNT(*) FROM encouragements WHERE id = $1 AND report_reason IS NOT NULL AND report_reason <> ''", idNum(t, f.Hurt)); n != 0 {
					t.Errorf("the report's reason is kept after %s", op)
				}
				ev := auditEvents(t, h, action(op))
				if len(ev) != eventsBefore+1 {
					t.Fatalf("%s: %d audit events, want %d", op, len(ev), eventsBefore+1)
				}
				last := ev[len(ev)-1]
				if last.Subject != idNum(t, f.Hurt) || last.Group != idNum(t, g.ID) || last.Actor != viewerID(t, by) || last.Detail != "" {
					t.Errorf("%s audit event: %+v", op, last)
				}
				if n := countRows(t, h, "SELECT COUNT(*) FROM audit_events WHERE detail LIKE '%MARKER%'"); n != 0 {
					t.Errorf("the audit holds content")
				}
				// The report itself stays in the audit trail.
				if n := len(auditEvents(t, h, "encouragement.reported")); n < 1 {
					t.Errorf("the report's audit event is gone")
				}

				// Again: the same answer, nothing changes.
				r = takeBack(by, op, f.Hurt)
				if len(r.Errors) > 0 || r.Str(field(op)+".id") != f.Hurt || r.Get(field(op)+".reported") != false {
					t.Errorf("%s again: %s", op, r.Raw)
				}
				if n := len(auditEvents(t, h, action(op))); n != eventsBefore+1 {
					t.Errorf("%s again was audited again: %d events", op, n)
				}
				// What was never reported: nothing changes either.
				if r := takeBack(by, op, f.Kind); len(r.Errors) > 0 || r.Get(field(op)+".reported") != false {
					t.Errorf("%s of what was never reported: %s", op, r.Raw)
				}
				if n := len(auditEvents(t, h, action(op))); n != eventsBefore+1 {
					t.Errorf("%s of what was never reported was audited", op)
				}
				// It may be reported again.
				mustReport(t, g.A, f.Hurt)
				if ids := queueIDs(t, g.Therapist, g.ID); len(ids) != 1 {
					t.Errorf("reported again: queue %v", ids)
				}
			})
		}
	})
}

// TestModerationReportTakenBackStaysHidden: what a facilitator hid stays hidden from its
// recipient when the report is taken back; it leaves the queue all the same.
func TestModerationReportTakenBackStaysHidden(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		for _, op := range []string{"DismissEncouragementReport", "WithdrawEncouragementReport"} {
			t.Run(op, func(t *testing.T) {
				f := newModerationFixture(t, h)
				g := f.g
				by := map[string]*Client{"DismissEncouragementReport": g.Therapist, "WithdrawEncouragementReport": g.A}[op]
				mustReport(t, g.A, f.Hurt, reportReasonText)
				mustHide(t, g.Therapist, f.Hurt, hideReasonText)
				r := takeBack(by, op, f.Hurt)
				if len(r.Errors) > 0 || r.Str(field(op)+".id") != f.Hurt || r.Get(field(op)+".reported") != false {
					t.Fatalf("%s of a hidden one: %s", op, r.Raw)
				}
				if op == "DismissEncouragementReport" && r.Get(field(op)+".hidden") != true {
					t.Errorf("the facilitator's answer hides that it is hidden: %s", r.Raw)
				}
				if rep, hid := moderationStored(t, h, f.Hurt); rep || !hid {
					t.Errorf("stored: reported %v, hidden %v; want false, true", rep, hid)
				}
				expectEncouragement(t, "the recipient", g.A, f.Ref, map[string]expectedEnc{f.Kind: {Message: kindMessage}})
				if ids := queueIDs(t, g.Therapist, g.ID); len(ids) != 0 {
					t.Errorf("queue: %v", ids)
				}
				// The sender and the facilitators still see it, as before.
				if n := encouragementNode(t, g.B, f.Hurt); n == nil || n["message"] != hurtMessage {
					t.Errorf("the sender: %v", n)
				}
				// Again: the facilitator gets the same answer; the recipient, to whom it is
				// hidden and no longer reported, no longer finds it.
				r = takeBack(by, op, f.Hurt)
				if want := map[string]string{"DismissEncouragementReport": "", "WithdrawEncouragementReport": "NOT_FOUND"}[op]; r.Code() != want {
					t.Errorf("%s again: want %q, got %s", op, want, r.Raw)
				}
				noLeak(t, op+" again", r, hurtMessage)
				if n := len(auditEvents(t, h, action(op))); n != 1 {
					t.Errorf("%s: %d audit events, want 1", op, n)
				}
			})
		}
	})
}

// TestModerationReportTakenBackByOthers: who may not dismiss or withdraw, and what they are
// told; nothing changes.
func TestModerationReportTakenBackByOthers(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		f := newModerationFixture(t, h)
		g := f.g
		mustReport(t, g.A, f.Hurt, reportReasonText)
		madeUp := madeUpID(t, f.Hurt)
		cases := []struct {
			who  string
			c    *Client
			op   string
			id   string
			code string
		}{
			// Dismissing is the facilitators'.
			{"the recipient", g.A, "DismissEncouragementReport", f.Hurt, "NOT_FOUND"}, // hidden from her
			{"the sender", g.B, "DismissEncouragementReport", f.Hurt, "FORBIDDEN"},
			{"a peer", f.Cara, "DismissEncouragementReport", f.Hurt, "FORBIDDEN"},
			{"a member of no group", g.Outsider, "DismissEncouragementReport", f.Hurt, "NOT_FOUND"},
			{"a therapist of another group", g.Stranger, "DismissEncouragementReport", f.Hurt, "NOT_FOUND"},
			{"the facilitator, an id of nothing", g.Therapist, "DismissEncouragementReport", madeUp, "NOT_FOUND"},
			// Withdrawing is the recipient's.
			{"the facilitator", g.Therapist, "WithdrawEncouragementReport", f.Hurt, "FORBIDDEN"},
			{"the sender", g.B, "WithdrawEncouragementReport", f.Hurt, "FORBIDDEN"},
			{"a peer", f.Cara, "WithdrawEncouragementReport", f.Hurt, "FORBIDDEN"},
			{"a member of no group", g.Outsider, "WithdrawEncouragementReport", f.Hurt, "NOT_FOUND"},
			{"a therapist of another group", g.Stranger, "WithdrawEncouragementReport", f.Hurt, "NOT_FOUND"},
			{"the recipient, an id of nothing", g.A, "WithdrawEncouragementReport", madeUp, "NOT_FOUND"},
		}
		for _, c := range cases {
			r := takeBack(c.c, c.op, c.id)
			refusedWith(t, c.who+": "+c.op, r, field(c.op), c.code)
			noLeak(t, c.who+": "+c.op, r, reportReasonText)
		}
		if rep, _ := moderationStored(t, h, f.Hurt); !rep {
			t.Error("a refused attempt took the report back")
		}
		for _, op := range []string{"DismissEncouragementReport", "WithdrawEncouragementReport"} {
			if n := len(auditEvents(t, h, action(op))); n != 0 {
				t.Errorf("%s: %d audit events of refused attempts", op, n)
			}
		}
		if ids := queueIDs(t, g.Therapist, g.ID); len(ids) != 1 || ids[0] != f.Hurt {
			t.Errorf("queue after the refusals: %v", ids)
		}
		if !strings.Contains(lookAtEncouragement(t, g.A, f.Ref).Raw, kindMessage) {
			t.Error("the recipient's view changed")
		}
		// A former facilitator no longer dismisses: the founder hands over and leaves.
		co := h.Therapist("co")
		joinWith(co, facilitatorCode(t, g.Therapist, g.ID), "Dr. C")
		g.Therapist.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		refusedWith(t, "a former facilitator", takeBack(g.Therapist, "DismissEncouragementReport", f.Hurt), field("DismissEncouragementReport"), "NOT_FOUND")
		// The co-facilitator does.
		if r := takeBack(co, "DismissEncouragementReport", f.Hurt); len(r.Errors) > 0 || r.Get("dismissEncouragementReport.reported") != false {
			t.Errorf("the co-facilitator dismisses: %s", r.Raw)
		}
	})
}

// TestModerationReportTakenBackLive: the recipient's open page of the group sees the
// encouragement count fall when they report and come back when the report is dismissed or
// withdrawn, without reloading.
func TestModerationReportTakenBackLive(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		for _, op := range []string{"DismissEncouragementReport", "WithdrawEncouragementReport"} {
			t.Run(op, func(t *testing.T) {
				f := newModerationFixture(t, h)
				g := f.g
				by := map[string]*Client{"DismissEncouragementReport": g.Therapist, "WithdrawEncouragementReport": g.A}[op]
				l := feed(t, g.A, g)
				mustReport(t, g.A, f.Hurt)
				if r := wantFeed(t, l, "feed", "UPDATED", f.Ref, hurtMessage); r.Num("groupFeedChanged.reflection.encouragementCount") != 1 {
					t.Fatalf("after the report: %s", r.Raw)
				}
				if r := takeBack(by, op, f.Hurt); len(r.Errors) > 0 {
					t.Fatal(r.Raw)
				}
				if r := wantFeed(t, l, "feed", "UPDATED", f.Ref); r.Num("groupFeedChanged.reflection.encouragementCount") != 2 {
					t.Fatalf("after %s: %s", op, r.Raw)
				}
			})
		}
	})
}
