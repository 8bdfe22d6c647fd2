package rule

import (
	"context"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/membership"
	"github.com/processgroup/api/ent/user"
	"github.com/processgroup/api/internal/platform/apperr"
)

// A group is led by one to MaxFacilitators therapists: its current FACILITATOR memberships
// of people with the therapist role. Every change of that number (joining or being promoted
// as facilitator; leaving, removal and account deletion, which end a membership) first locks
// the group's current FACILITATOR memberships (holdFacilitators) and then counts them in a
// statement of its own, so that two such changes at once are decided one after the other,
// the second on what the first committed: two facilitators leaving at once leave one, two
// therapists joining a group of two at once make three. On SQLite one write transaction runs
// at a time anyway.
//
// The lock is on those memberships, not on the group's row: the group's row is held FOR
// SHARE by the planning of reminders, which a join or a leave runs after changing the
// member's own membership, and a lock on it here would deadlock with them.

// MaxFacilitators is the most current facilitators a group has.
const MaxFacilitators = 3

// ErrLastFacilitator refuses ending the membership of a group's last facilitator.
var ErrLastFacilitator = apperr.New(apperr.Conflict,
	"the group's last facilitator cannot leave, be removed or delete their account; invite another therapist to lead it first")

// ErrTooManyFacilitators refuses a facilitator beyond MaxFacilitators.
var ErrTooManyFacilitators = apperr.New(apperr.Conflict, "a group has at most 3 facilitators")

// holdFacilitators locks group groupID's current FACILITATOR memberships, in the order of
// their ids, until the transaction ends (PostgreSQL), as the viewer in ctx: the memberships of
// a group they are currently in. A newcomer, not in the group yet, locks nothing: they hold
// them after joining (MayHaveJoined).
func holdFacilitators(ctx context.Context, c *ent.Client, groupID int) error {
	_, err := c.Membership.Query().
		Where(
			membership.GroupID(groupID),
			Current(),
			membership.RoleEQ(membership.RoleFACILITATOR),
			ForUpdate(),
		).
		Order(membership.ByID()).
		IDs(ctx)
	return err
}

// facilitatorsOf returns the ids of the memberships that lead groupID: current, FACILITATOR,
// of a person with the therapist role (as their last sign-in recorded it: a therapist whose
// role was taken away leads nobody, see FacilitatorMembership, and may leave or delete their
// account). It reads as the viewer in ctx (a current member of the group reads its current
// memberships).
func facilitatorsOf(ctx context.Context, c *ent.Client, groupID int) ([]int, error) {
	return c.Membership.Query().Where(
		membership.GroupID(groupID),
		Current(),
		membership.RoleEQ(membership.RoleFACILITATOR),
		membership.HasUserWith(user.Therapist(true)),
	).IDs(ctx)
}

// IsLastFacilitator reports whether membership id is the only one among facilitators, the
// memberships that lead its group (facilitatorsOf): ending it would leave the group without
// anyone to lead it.
func IsLastFacilitator(id int, facilitators []int) bool {
	// SECURITY: a group always has someone to read FACILITATORS reflections and moderate.
	return len(facilitators) == 1 && facilitators[0] == id
}

// MayEndMembership decides whether m, a current membership of a group the viewer in ctx is
// in, may end (leaving, removal, account deletion): not while it is its group's last
// facilitator (ErrLastFacilitator). It holds the group's facilitators until the transaction
// ends and counts them after the lock, so that the decision stands until the membership ends.
func MayEndMembership(ctx context.Context, c *ent.Client, m *ent.Membership) error {
	if err := holdFacilitators(ctx, c, m.GroupID); err != nil {
		return err
	}
	ids, err := facilitatorsOf(ctx, c, m.GroupID)
	if err != nil {
		return err
	}
	if IsLastFacilitator(m.ID, ids) {
		return ErrLastFacilitator
	}
	return nil
}

// HoldForJoin holds the facilitators of grant's group before the viewer joins it, when the
// grant makes a facilitator and the viewer is in the group (a promotion): they are then locked
// before the viewer's membership changes, in the same order as leaving and removal lock them.
func HoldForJoin(ctx context.Context, c *ent.Client, g Grant) error {
	if g.Role != membership.RoleFACILITATOR {
		return nil
	}
	return holdFacilitators(ctx, c, g.GroupID)
}

// MayHaveJoined decides, after the viewer's membership was written with grant g, whether the
// group may have it: with a FACILITATOR grant, at most MaxFacilitators current FACILITATOR
// memberships, those without the therapist role included (ErrTooManyFacilitators; the
// caller's transaction then rolls the join back). The
// facilitators are held before counting, so that the count includes every facilitator
// committed before.
func MayHaveJoined(ctx context.Context, c *ent.Client, g Grant) error {
	if g.Role != membership.RoleFACILITATOR {
		return nil
	}
	if err := holdFacilitators(ctx, c, g.GroupID); err != nil {
		return err
	}
	// SECURITY: every current FACILITATOR membership counts, also one whose therapist role
	// was taken away: given back, it leads again, and the group would have a fourth.
	n, err := c.Membership.Query().Where(
		membership.GroupID(g.GroupID),
		Current(),
		membership.RoleEQ(membership.RoleFACILITATOR),
	).Count(ctx)
	if err != nil {
		return err
	}
	if n > MaxFacilitators {
		return ErrTooManyFacilitators
	}
	return nil
}
