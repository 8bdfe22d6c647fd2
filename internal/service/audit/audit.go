// Package audit records security events, without content: new members, role changes,
// joins, leaves, removals, consent granted or revoked, export and deletion of accounts,
// moderation of encouragement, and denied attempts. Events written inside a mutation's
// transaction share its fate; denied attempts are written after the request, since their
// transaction rolls back.
package audit

import (
	"context"
	"fmt"
	"sync"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/internal/rule"
	"github.com/processgroup/api/internal/viewer"
)

// The actions recorded.
const (
	MemberCreated   = "member.created"
	RoleGranted     = "role.therapist.granted"
	RoleRevoked     = "role.therapist.revoked"
	GroupCreated    = "group.created"
	GroupJoined     = "group.joined"
	GroupLeft       = "group.left"
	MemberRemoved   = "group.member_removed"
	ConsentGranted  = "consent.granted"
	ConsentRevoked  = "consent.revoked"
	AccountExported = "account.exported"
	AccountDeleted  = "account.deleted"
	// GroupPromoted: a member of a group redeemed a facilitator's code of it (subject: their
	// membership; detail: the new role). Joining by such a code is GroupJoined with detail
	// FACILITATOR.
	GroupPromoted = "group.promoted"
	// EncouragementReported: a member reported encouragement they received (subject: it).
	EncouragementReported = "encouragement.reported"
	// EncouragementHidden: a facilitator hid encouragement in their group (subject: it).
	EncouragementHidden = "encouragement.hidden"
	// EncouragementReportDismissed: a facilitator judged a report harmless (subject: the
	// encouragement); it left the queue and its recipient sees it again.
	EncouragementReportDismissed = "encouragement.report_dismissed"
	// EncouragementReportWithdrawn: the recipient took their report back (subject: the
	// encouragement).
	EncouragementReportWithdrawn = "encouragement.report_withdrawn"
	Denied                       = "denied"
)

// Event is one thing to record. Detail must be a fixed, content-free word (an operation
// name, an error code), never text a person wrote.
type Event struct {
	Action    string
	GroupID   int
	SubjectID int
	Detail    string
}

// Record writes events through client (the request's transaction, if any), with the
// viewer in ctx as their actor.
func Record(ctx context.Context, client *ent.Client, events ...Event) error {
	if len(events) == 0 {
		return nil
	}
	// SECURITY: the audit table is written by the server only.
	sys := rule.ForAudit(ctx)
	builders := make([]*ent.AuditEventCreate, len(events))
	for i, e := range events {
		b := client.AuditEvent.Create().SetAction(e.Action).SetDetail(e.Detail)
		if v := viewer.FromContext(ctx); v != nil {
			b.SetActorUserID(v.UserID)
		}
		if e.GroupID != 0 {
			b.SetGroupID(e.GroupID)
		}
		if e.SubjectID != 0 {
			b.SetSubjectID(e.SubjectID)
		}
		builders[i] = b
	}
	return client.AuditEvent.CreateBulk(builders...).Exec(sys)
}

// Misses collects the ids a request looked up by node(id:)/nodes(ids:) and did not get:
// absent, or not the viewer's to see. Those that exist are audited as denied reads.
type Misses struct {
	mu  sync.Mutex
	ids []int
}

type missesKey struct{}

// WithMisses returns a copy of ctx with a fresh Misses.
func WithMisses(ctx context.Context) (context.Context, *Misses) {
	m := &Misses{}
	return context.WithValue(ctx, missesKey{}, m), m
}

// NoteMiss notes that id was asked for and not returned.
func NoteMiss(ctx context.Context, id int) {
	if m, ok := ctx.Value(missesKey{}).(*Misses); ok {
		m.mu.Lock()
		if len(m.ids) < 10 { // enough to tell a probe; bounded work per request
			m.ids = append(m.ids, id)
		}
		m.mu.Unlock()
	}
}

// Empty tells whether no id was noted.
func (m *Misses) Empty() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.ids) == 0
}

// Flush audits, as denied reads, the noted ids that exist.
func (m *Misses) Flush(ctx context.Context, client *ent.Client, operation string) error {
	m.mu.Lock()
	ids := m.ids
	m.ids = nil
	m.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	// SECURITY: an existence check as the system, for the audit only; nothing of it reaches
	// the client.
	sys := rule.ForAudit(ctx)
	var found []int
	for _, id := range ids {
		if _, err := client.Noder(sys, id); err == nil {
			found = append(found, id)
		}
	}
	if len(found) == 0 {
		return nil
	}
	// One event per request, naming the first id and how many.
	events := []Event{{Action: Denied, SubjectID: found[0], Detail: fmt.Sprintf("%s read x%d", operation, len(found))}}
	return Record(ctx, client, events...)
}
