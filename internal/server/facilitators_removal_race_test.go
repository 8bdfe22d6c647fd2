package server_test

// A facilitator removed while they remove someone else: their removal, decided on their
// powers as they were before, must not happen nor be answered or audited as done.

import (
	"fmt"
	"testing"
)

// TestRemovalByAFacilitatorRemovedMeanwhile (PostgreSQL, where requests run at once): of
// three facilitators, the founder removes Dr. C while Dr. C removes Dr. D. Whatever the
// order, an answer of success means its removal happened, and every audited removal did.
func TestRemovalByAFacilitatorRemovedMeanwhile(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		var tally []string
		defer func() { t.Logf("answers (codes): %v", tally) }()
		for round := 0; round < 8; round++ {
			g, co, coID := coLed(t, h)
			d := h.Therapist("d")
			dID := joinWith(d, facilitatorCode(t, g.Therapist, g.ID), "Dr. D").Str("joinGroup.id")
			if dID == "" {
				t.Fatal("Dr. D did not join")
			}
			answers := make([]*Resp, 2)
			atOnce(2, func(i int) {
				if i == 0 {
					answers[i] = g.Therapist.Op("RemoveMember", map[string]any{"membershipID": coID})
				} else {
					answers[i] = co.Op("RemoveMember", map[string]any{"membershipID": dID})
				}
			})
			tally = append(tally, fmt.Sprintf("%s+%s", answers[0].Code(), answers[1].Code()))
			removed := func(id string) bool {
				return countRows(t, h, `SELECT COUNT(*) FROM memberships WHERE id = $1 AND removed`, idNum(t, id)) == 1
			}
			if answers[0].Code() != "" || !removed(coID) {
				t.Fatalf("round %d: the founder's removal of Dr. C: %s", round, answers[0].Raw)
			}
			switch code := answers[1].Code(); {
			case code == "" && !removed(dID):
				t.Fatalf("round %d: Dr. C, removed meanwhile, is told Dr. D was removed, who was not: %s", round, answers[1].Raw)
			case code != "" && code != "FORBIDDEN" && code != "NOT_FOUND":
				t.Errorf("round %d: %s", round, answers[1].Raw)
			}
			audited := countRows(t, h, `SELECT COUNT(*) FROM audit_events WHERE action = 'group.member_removed' AND subject_id = $1`, idNum(t, dID))
			if audited != 0 && !removed(dID) {
				t.Fatalf("round %d: a removal of Dr. D audited that did not happen", round)
			}
		}
	}, onlyPostgres())
}
