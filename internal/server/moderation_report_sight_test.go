package server_test

// What each person sees of one encouragement through its moderation: reported, dismissed,
// reported again, hidden, withdrawn.

import (
	"fmt"
	"testing"
)

// TestModerationReportSightAfterEachStep: after each step, the encouragement as node(id:)
// gives it to the recipient, the sender, a peer, both facilitators and a facilitator whose
// therapist role was taken away ("-": not found; else "reported/hidden/reason"), and that
// the one without the role cannot dismiss the report.
func TestModerationReportSightAfterEachStep(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		f := newModerationFixture(t, h)
		g := f.g
		co := h.Therapist("co")
		joinWith(co, facilitatorCode(t, g.Therapist, g.ID), "Dr. C")
		dd := h.Therapist("dd")
		joinWith(dd, facilitatorCode(t, g.Therapist, g.ID), "Dr. D")
		demoted := demote(t, h, dd)
		viewers := []struct {
			name string
			c    *Client
		}{{"recipient", g.A}, {"sender", g.B}, {"peer", f.Cara}, {"founder", g.Therapist}, {"co-facilitator", co}, {"facilitator without the role", demoted}}
		steps := []struct {
			name string
			do   func() *Resp
			want []string // by viewer, in order
		}{
			{"reported", func() *Resp { return reportEnc(g.A, f.Hurt, reportReasonText) },
				[]string{"-", "false/false/false", "false/false/false", "true/false/true", "true/false/true", "false/false/false"}},
			{"dismissed", func() *Resp { return takeBack(co, "DismissEncouragementReport", f.Hurt) },
				[]string{"false/false/false", "false/false/false", "false/false/false", "false/false/false", "false/false/false", "false/false/false"}},
			{"reported again", func() *Resp { return reportEnc(g.A, f.Hurt) },
				[]string{"-", "false/false/false", "false/false/false", "true/false/false", "true/false/false", "false/false/false"}},
			{"hidden", func() *Resp { return hideEnc(g.Therapist, f.Hurt) },
				[]string{"-", "false/false/false", "-", "true/true/false", "true/true/false", "-"}},
			{"withdrawn", func() *Resp { return takeBack(g.A, "WithdrawEncouragementReport", f.Hurt) },
				[]string{"-", "false/false/false", "-", "false/true/false", "false/true/false", "-"}},
		}
		for _, s := range steps {
			if r := s.do(); len(r.Errors) > 0 {
				t.Fatalf("%s: %s", s.name, r.Raw)
			}
			for i, v := range viewers {
				got := "-"
				if n := encouragementNode(t, v.c, f.Hurt); n != nil {
					got = fmt.Sprintf("%v/%v/%v", n["reported"], n["hidden"], n["reportReason"] != nil)
					if n["message"] != hurtMessage {
						t.Errorf("after %s, %s reads the message as %v", s.name, v.name, n["message"])
					}
				}
				if got != s.want[i] {
					t.Errorf("after %s, %s sees %s, want %s", s.name, v.name, got, s.want[i])
				}
			}
			// The facilitator without the role dismisses nothing: refused as a peer is.
			want := "FORBIDDEN"
			if s.want[5] == "-" {
				want = "NOT_FOUND"
			}
			rep, _ := moderationStored(t, h, f.Hurt)
			refusedWith(t, "after "+s.name+", the facilitator without the role", takeBack(demoted, "DismissEncouragementReport", f.Hurt), field("DismissEncouragementReport"), want)
			if after, _ := moderationStored(t, h, f.Hurt); after != rep {
				t.Errorf("after %s, the facilitator without the role changed the report", s.name)
			}
		}
		if n := countRows(t, h, "SELECT COUNT(*) FROM audit_events WHERE action LIKE 'encouragement.%' AND detail IS NOT NULL AND detail <> ''"); n != 0 {
			t.Errorf("%d moderation audit events with a detail", n)
		}
	})
}
