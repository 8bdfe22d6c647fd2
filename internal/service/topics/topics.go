// Package topics is what members want to bring up at an upcoming session of their group:
// proposing a topic, withdrawing it, and the facilitators marking topics discussed. Every
// function runs as the viewer in ctx, so the privacy rules of ent/schema (internal/rule's
// Topic rules) decide what it may read and change; the functions add what the rules cannot
// express: idempotent proposals, the session's time, and all-or-nothing lists.
package topics

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/groupsession"
	"github.com/processgroup/api/ent/topic"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/platform/crypt"
	"github.com/processgroup/api/internal/rule"
	"github.com/processgroup/api/internal/service/validate"
	"github.com/processgroup/api/internal/viewer"
)

// MaxMarked is how many topics markTopicsDiscussed takes at once.
const MaxMarked = 100

// Topics proposes, withdraws and marks topics.
type Topics struct {
	keys  *crypt.Keyring
	clock clock.Clock
}

// New returns Topics that fingerprint proposals under keys and tell the time by c.
func New(keys *crypt.Keyring, c clock.Clock) *Topics {
	return &Topics{keys: keys, clock: c}
}

func (t *Topics) now() time.Time { return t.clock.Now() }

// NewTopic is a topic to propose.
type NewTopic struct {
	// ClientID is the UUID the app chose once for this topic: a retry sends it again.
	ClientID uuid.UUID
	// SessionID is the upcoming session it is for.
	SessionID int
	// Text is what the author wants to bring up (at most 280 characters, not blank).
	Text string
	// Visibility is who besides the author may read it; nil is FACILITATORS.
	Visibility *topic.Visibility
}

// Propose proposes a topic for an upcoming session (not started, not cancelled) of a group
// the viewer is currently in. The client id makes it idempotent: the same proposal again
// returns the topic already made, a different one with the same client id is refused with
// CONFLICT and changes nothing. GROUP needs the viewer's consent to share with the group in
// force (CONSENT_REQUIRED, from the Topic rule).
func (t *Topics) Propose(ctx context.Context, c *ent.Client, in NewTopic) (*ent.Topic, error) {
	// The GraphQL layer checked these already; a caller from elsewhere gets the same answer.
	if err := validate.Var("text", in.Text, "required,notblank,max=280"); err != nil {
		return nil, err
	}
	visibility := topic.VisibilityFACILITATORS
	if in.Visibility != nil {
		visibility = *in.Visibility
	}
	if err := topic.VisibilityValidator(visibility); err != nil {
		return nil, apperr.Input("visibility", "visibility must be FACILITATORS or GROUP")
	}
	v := viewer.FromContext(ctx)
	sum := t.keys.MAC("topic", in.ClientID.String(), strconv.Itoa(in.SessionID), in.Text, string(visibility))
	// A retry first: it returns what was made even if the session has started since.
	if old, err := t.existing(ctx, c, v, in.ClientID, sum); old != nil || err != nil {
		return old, err
	}
	// The session as the viewer sees it: not there for anyone outside its group.
	s, err := c.GroupSession.Get(ctx, in.SessionID)
	if ent.IsNotFound(err) {
		return nil, apperr.NotFoundf("session not found")
	}
	if err != nil {
		return nil, err
	}
	if s.Status == groupsession.StatusCANCELLED {
		return nil, apperr.Input("sessionID", "the session is cancelled; topics are for upcoming sessions")
	}
	if !s.StartsAt.After(t.now()) {
		return nil, apperr.Input("sessionID", "the session has started or is over; topics are for upcoming sessions")
	}
	author, err := rule.CurrentMembershipID(ctx, c, s.GroupID)
	if err != nil {
		return nil, err
	}
	id, err := c.Topic.Create().
		SetClientID(in.ClientID).
		SetUserID(v.UserID).
		SetGroupID(s.GroupID).
		SetSessionID(s.ID).
		SetAuthorID(author).
		SetText(in.Text).
		SetVisibility(visibility).
		SetCreateDigest(sum).
		OnConflictColumns(topic.FieldUserID, topic.FieldClientID).
		DoNothing().
		ID(ctx)
	if errors.Is(err, sql.ErrNoRows) || ent.IsNotFound(err) {
		// Another request with the same client id won the race: answer as a retry.
		old, err := t.existing(ctx, c, v, in.ClientID, sum)
		if old == nil && err == nil {
			err = errors.New("topics: topic vanished after a conflicting insert")
		}
		return old, err
	}
	if err != nil {
		return nil, err
	}
	return c.Topic.Get(ctx, id)
}

// existing finds the viewer's topic with the client id, if any, and says whether the
// proposal fingerprinted sum is a retry of the one that made it.
func (t *Topics) existing(ctx context.Context, c *ent.Client, v *viewer.Viewer, clientID uuid.UUID, sum string) (*ent.Topic, error) {
	// As the viewer: the author reads their own topics whatever their status (the topics of a
	// deleted account are nobody's, but nobody signs in as a deleted account).
	old, err := c.Topic.Query().
		Where(topic.UserID(v.UserID), topic.ClientID(clientID)).
		Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(old.CreateDigest), []byte(sum)) != 1 {
		return nil, apperr.New(apperr.Conflict, "clientID was already used for a different topic")
	}
	return old, nil
}

// Withdraw withdraws the viewer's open topic before its session starts; only its author
// reads it from then on. Withdrawing a withdrawn topic returns it unchanged; a topic already
// discussed cannot be withdrawn (CONFLICT), nor one whose session has started.
func (t *Topics) Withdraw(ctx context.Context, c *ent.Client, id int) (*ent.Topic, error) {
	cur, err := c.Topic.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, apperr.NotFoundf("topic not found")
	}
	if err != nil {
		return nil, err
	}
	if err := rule.MayWithdrawTopic(viewer.FromContext(ctx), cur); err != nil {
		return nil, err
	}
	if err := withdrawable(cur); err != nil || cur.Status == topic.StatusWITHDRAWN {
		return cur, err
	}
	// One conditional statement: a facilitator marking it discussed, or the session moved to
	// an earlier time, meanwhile, and nothing is changed.
	n, err := c.Topic.Update().
		Where(
			topic.ID(id),
			topic.StatusEQ(topic.StatusOPEN),
			topic.HasSessionWith(groupsession.StartsAtGT(t.now())),
		).
		SetStatus(topic.StatusWITHDRAWN).
		Save(ctx)
	if err != nil {
		return nil, err
	}
	cur, err = c.Topic.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		if err := withdrawable(cur); err != nil || cur.Status == topic.StatusWITHDRAWN {
			return cur, err
		}
		return nil, apperr.Input("id", "the session has started; its topics can no longer be withdrawn")
	}
	return cur, nil
}

// withdrawable refuses withdrawing a topic that was discussed.
func withdrawable(cur *ent.Topic) error {
	if cur.Status == topic.StatusDISCUSSED {
		return apperr.New(apperr.Conflict, "the topic was discussed already; it can no longer be withdrawn")
	}
	return nil
}

// MarkDiscussed marks topics discussed, for the facilitators of each one's group: all of
// them or, on any refusal, none. An id the viewer cannot read is NOT_FOUND, which is what a
// facilitator gets for a topic its author withdrew (only the author reads it then); a topic
// the viewer reads but whose group they do not facilitate is FORBIDDEN. Topics discussed
// already stay as they are; a withdrawn topic the viewer reads (their own) stays withdrawn
// and is returned as it is. The topics are returned in the order of ids, once each.
func (t *Topics) MarkDiscussed(ctx context.Context, c *ent.Client, ids []int) ([]*ent.Topic, error) {
	if len(ids) > MaxMarked {
		return nil, apperr.Input("ids", "at most 100 topics at once")
	}
	ids = unique(ids)
	if len(ids) == 0 {
		return []*ent.Topic{}, nil
	}
	ts, err := t.load(ctx, c, ids)
	if err != nil {
		return nil, err
	}
	if err := rule.MayMarkTopicsDiscussed(ctx, c, ts); err != nil {
		return nil, err
	}
	var open []int
	for _, x := range ts {
		if x.Status == topic.StatusOPEN {
			open = append(open, x.ID)
		}
	}
	if len(open) > 0 {
		if err := c.Topic.Update().
			Where(topic.IDIn(open...), topic.StatusEQ(topic.StatusOPEN)).
			SetStatus(topic.StatusDISCUSSED).
			Exec(ctx); err != nil {
			return nil, err
		}
	}
	ts, err = t.load(ctx, c, ids)
	if errors.Is(err, errGone) {
		// Withdrawn between the read and the write: refused as a whole (the caller's
		// transaction undoes the rest).
		return nil, apperr.New(apperr.Conflict, "a topic was withdrawn meanwhile; reload the session's topics and try again")
	}
	return ts, err
}

// load reads the topics of ids as the viewer, in the order of ids; NOT_FOUND if any of them
// is not there for the viewer.
func (t *Topics) load(ctx context.Context, c *ent.Client, ids []int) ([]*ent.Topic, error) {
	found, err := c.Topic.Query().Where(topic.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[int]*ent.Topic, len(found))
	for _, x := range found {
		byID[x.ID] = x
	}
	out := make([]*ent.Topic, 0, len(ids))
	for _, id := range ids {
		x, ok := byID[id]
		if !ok {
			return nil, errGone
		}
		out = append(out, x)
	}
	return out, nil
}

// errGone is a topic of the list not there for the viewer.
var errGone = apperr.NotFoundf("topic not found")

func unique(ids []int) []int {
	seen := make(map[int]bool, len(ids))
	out := make([]int, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
