package rule

import (
	"context"
	"time"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/groupsharingconsent"
	"github.com/processgroup/api/ent/predicate"
	"github.com/processgroup/api/ent/privacy"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/viewer"
)

// ConsentActive matches consents in force at now: not revoked and not expired. Stored
// times are UTC, and SQLite compares them as text: now is put in UTC here.
func ConsentActive(now time.Time) predicate.GroupSharingConsent {
	now = now.UTC()
	return groupsharingconsent.And(
		groupsharingconsent.RevokedAtIsNil(),
		groupsharingconsent.Or(
			groupsharingconsent.ExpiresAtIsNil(),
			groupsharingconsent.ExpiresAtGT(now),
		),
	)
}

// ConsentQueryOwner lets only the member who consented read their consents.
func ConsentQueryOwner() privacy.QueryRule {
	return privacy.GroupSharingConsentQueryRuleFunc(func(ctx context.Context, q *ent.GroupSharingConsentQuery) error {
		// SECURITY: a consent record is its member's.
		q.Where(groupsharingconsent.UserID(viewer.FromContext(ctx).UserID))
		return privacy.Allow
	})
}

// ConsentOwnerOnly lets a member grant consent only as themselves, through their own current
// membership of the group, and revoke only their own. (Leaving a group revokes as the system.)
func ConsentOwnerOnly() privacy.MutationRule {
	return privacy.GroupSharingConsentMutationRuleFunc(func(ctx context.Context, m *ent.GroupSharingConsentMutation) error {
		v := viewer.FromContext(ctx)
		if !m.Op().Is(ent.OpCreate) {
			// SECURITY: other members' consents are not matched.
			m.Where(groupsharingconsent.UserID(v.UserID))
			return privacy.Allow
		}
		uid, _ := m.UserID()
		gid, _ := m.GroupID()
		mid, _ := m.MembershipID()
		if uid != v.UserID {
			return privacy.Denyf("consent is given by the member themselves")
		}
		// SECURITY: only through the viewer's current membership of that group.
		ok, err := isCurrentMembership(ctx, m.Client(), mid, v.UserID, gid)
		if err != nil {
			return err
		}
		if !ok {
			return privacy.Denyf("not a member of the group")
		}
		return privacy.Allow
	})
}

// consentInForce answers ErrConsentRequired unless the membership's consent to share with
// its group is in force: what writing a GROUP reflection or topic needs.
func consentInForce(ctx context.Context, client *ent.Client, membershipID int) error {
	// SECURITY: sharing with the group is a disclosure that needs the author's consent.
	ok, err := client.GroupSharingConsent.Query().Where(
		groupsharingconsent.MembershipID(membershipID),
		ConsentActive(clock.FromContext(ctx).Now()),
	).Exist(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return ErrConsentRequired
	}
	return nil
}
