// Package live is what each subscriber is sent while the app is open: a group's page,
// encouragement arriving, sessions changing, and for facilitators, reflections that need
// attention.
//
// Announcements (internal/notify/bus) carry ids only. For every announcement, each
// subscription reads the object again as its subscriber, in a context of its own (the
// subscriber's memberships read afresh), through the same privacy policies as every query,
// and sends it only if the subscriber may read it now. So a subscriber who left or was
// removed, a consent revoked or expired, a reflection made private or deleted, an
// encouragement hidden or reported: each takes effect on the very next announcement.
package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/encouragement"
	"github.com/processgroup/api/ent/groupsession"
	"github.com/processgroup/api/ent/groupsharingconsent"
	"github.com/processgroup/api/ent/reflection"
	"github.com/processgroup/api/internal/notify/bus"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/rule"
	"github.com/processgroup/api/internal/service/digest"
	"github.com/processgroup/api/internal/viewer"
)

// Live opens the subscriptions of signed-in viewers.
type Live struct {
	hub    *bus.Hub
	client *ent.Client
}

// New returns the subscriptions served from hub, reading through client.
func New(hub *bus.Hub, client *ent.Client) *Live {
	return &Live{hub: hub, client: client}
}

// ErrResync ends a subscription that may have missed changes (its server lost its
// listening connection, or the subscriber fell too far behind): the app refetches what it
// shows, then subscribes again.
var ErrResync = &apperr.Error{Code: apperr.Resync, Message: "live updates may have missed changes: refetch, then subscribe again"}

// ErrReconnecting refuses a subscription while this server cannot receive announcements.
var ErrReconnecting = &apperr.Error{Code: apperr.Unavailable, Message: "live updates are reconnecting: subscribe again in a few seconds"}

// End is called once when a subscription ends with an error, before its channel closes
// (a subscription that ends without error, e.g. because the subscriber left the group,
// just closes its channel).
type End func(err error)

// FeedChangeKind is how a group's page changed.
type FeedChangeKind string

// The changes of a group's page.
const (
	Added   FeedChangeKind = "ADDED"
	Updated FeedChangeKind = "UPDATED"
	Removed FeedChangeKind = "REMOVED"
)

// FeedChange is one change of a group's page: Reflection is nil when it was REMOVED.
type FeedChange struct {
	Kind         FeedChangeKind
	ReflectionID int
	Reflection   *ent.Reflection
}

// SessionChangeKind is how a session changed.
type SessionChangeKind string

// The changes of a session.
const (
	SessionScheduled SessionChangeKind = "SCHEDULED"
	SessionMoved     SessionChangeKind = "MOVED"
	SessionCancelled SessionChangeKind = "CANCELLED"
)

// SessionChange is one change of a session of a group.
type SessionChange struct {
	Kind    SessionChangeKind
	Session *ent.GroupSession
}

// AttentionAlert is a reflection of a facilitator's group that needs attention now.
type AttentionAlert struct {
	Reasons    []digest.Reason
	Reflection *ent.Reflection
}

// event is a fresh context for handling one announcement: the subscriber's memberships are
// read again (a scope must not outlive one announcement).
func (l *Live) event(ctx context.Context) context.Context {
	return rule.WithScope(ctx, l.client)
}

// unavailable ends a subscription whose re-read failed for want of the database.
func unavailable(err error) error {
	return fmt.Errorf("%w: %w", ErrResync, err)
}

// stream runs one subscription: handle is called for each announcement with a fresh
// context, and returns false to complete the subscription.
func stream[T any](ctx context.Context, sub *bus.Subscription, end End, handle func(ctx context.Context, ev bus.Event, send func(T) bool) (bool, error)) <-chan T {
	out := make(chan T)
	sub.Ready()
	go func() {
		defer close(out)
		defer sub.Close()
		send := func(v T) bool {
			select {
			case out <- v:
				return true
			case <-ctx.Done():
				return false
			case <-sub.Lost():
				return false
			}
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-sub.Lost():
				end(ErrResync)
				return
			case ev := <-sub.Events():
				more, err := handle(ctx, ev, send)
				if err != nil {
					end(err)
					return
				}
				if !more || ctx.Err() != nil {
					return
				}
				select {
				case <-sub.Lost():
					end(ErrResync)
					return
				default:
				}
			}
		}
	}()
	return out
}

// subscribe subscribes the viewer of ctx to group's announcements once may allows it, and
// returns the context in which it was judged (for what the subscription reads at its start).
func (l *Live) subscribe(ctx context.Context, group int, may func(ctx context.Context, group int) error) (*bus.Subscription, context.Context, error) {
	ectx := l.event(ctx)
	if err := may(ectx, group); err != nil {
		return nil, nil, err
	}
	sub, err := l.hub.Group(group)
	if errors.Is(err, bus.ErrDown) {
		return nil, nil, ErrReconnecting
	}
	return sub, ectx, err
}

// member reports whether the viewer of ctx is a current member of group.
func (l *Live) member(ctx context.Context, group int) (bool, error) {
	_, err := rule.CurrentMembershipID(ctx, l.client, group)
	if errors.Is(err, rule.ErrNotInGroup) {
		return false, nil
	}
	return err == nil, err
}

// GroupFeed streams the changes of group's page as the viewer of ctx sees it. It tracks the
// reflections the viewer could read (those at the start, then those it was sent), so that
// one they no longer may read is REMOVED, and nobody is told of one they never could.
func (l *Live) GroupFeed(ctx context.Context, group int, end End) (<-chan *FeedChange, error) {
	sub, ectx, err := l.subscribe(ctx, group, l.mustBeMember)
	if err != nil {
		return nil, err
	}
	// What the viewer may read now (the newest startLimit), subscribed first so that
	// nothing falls in between; then what they were sent.
	seen := map[int]int{} // reflection → author membership
	sent := map[int]bool{}
	rows, err := l.client.Reflection.Query().
		Where(reflection.GroupID(group)).
		Order(ent.Desc(reflection.FieldID)).
		Limit(startLimit).
		Select(reflection.FieldID, reflection.FieldAuthorID).
		All(ectx)
	if err != nil {
		sub.Close()
		return nil, err
	}
	consents := &consentEnds{checked: clock.FromContext(ctx).Now()}
	if consents.next, err = l.nextConsentEnd(ectx, group, consents.checked); err != nil {
		sub.Close()
		return nil, err
	}
	for _, r := range rows {
		seen[r.ID] = r.AuthorID
	}
	return stream(ctx, sub, end, func(ctx context.Context, ev bus.Event, send func(*FeedChange) bool) (bool, error) {
		ctx = l.event(ctx)
		if ok, err := l.member(ctx, group); err != nil || !ok {
			return false, errOrNil(err)
		}
		if more, err := l.consentsEnded(ctx, group, consents, seen, sent, send); !more || err != nil {
			return more, err
		}
		switch ev.Kind {
		case bus.Reflection, bus.Encouragement:
			id := ev.ID
			if ev.Kind == bus.Encouragement {
				id = ev.Reflection
			}
			r, err := l.client.Reflection.Query().Where(reflection.ID(id), reflection.GroupID(group)).Only(ctx)
			switch {
			case ent.IsNotFound(err):
				if _, ok := seen[id]; ok {
					delete(seen, id)
					delete(sent, id)
					return send(&FeedChange{Kind: Removed, ReflectionID: id}), nil
				}
				return true, nil
			case err != nil:
				return false, unavailable(err)
			}
			// New to the subscriber: not readable before, or written just now (the start's
			// read may already hold it); once sent, it is UPDATED.
			kind := Updated
			if _, ok := seen[id]; !sent[id] && (!ok || ev.Op == bus.Created) {
				kind = Added
			}
			seen[id], sent[id] = r.AuthorID, true
			return send(&FeedChange{Kind: kind, ReflectionID: id, Reflection: r}), nil
		case bus.Member:
			// A consent given now may end by its date.
			var err error
			if consents.next, err = l.nextConsentEnd(ctx, group, consents.checked); err != nil {
				return false, unavailable(err)
			}
			return l.authorChanged(ctx, group, ev.ID, seen, sent, send)
		}
		return true, nil
	}), nil
}

// startLimit is the most reflections a group's page tracks from its start (the newest): one
// older than these that stops being readable is not sent as REMOVED (the app's page holds
// far fewer).
const startLimit = 2000

// consentEnds follows when groupmates' consents end by their dates: no change announces
// that moment.
type consentEnds struct {
	checked time.Time
	next    *time.Time
}

// nextConsentEnd is the first end date after from of a consent in force in group, if any.
func (l *Live) nextConsentEnd(ctx context.Context, group int, from time.Time) (*time.Time, error) {
	c, err := l.client.GroupSharingConsent.Query().
		Where(
			groupsharingconsent.GroupID(group),
			groupsharingconsent.RevokedAtIsNil(),
			groupsharingconsent.ExpiresAtGT(from.UTC()),
		).
		Order(ent.Asc(groupsharingconsent.FieldExpiresAt)).
		First(rule.ForLiveUpdates(ctx))
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return c.ExpiresAt, nil
}

// consentsEnded re-reads, at the first event after it, what the authors whose consent ended
// by its date shared (authorChanged): the very next event takes their consent's end into
// account.
func (l *Live) consentsEnded(ctx context.Context, group int, c *consentEnds, seen map[int]int, sent map[int]bool, send func(*FeedChange) bool) (bool, error) {
	now := clock.FromContext(ctx).Now()
	if c.next == nil || now.Before(*c.next) {
		return true, nil
	}
	ended, err := l.client.GroupSharingConsent.Query().
		Where(
			groupsharingconsent.GroupID(group),
			groupsharingconsent.RevokedAtIsNil(),
			groupsharingconsent.ExpiresAtGT(c.checked.UTC()),
			groupsharingconsent.ExpiresAtLTE(now.UTC()),
		).
		Select(groupsharingconsent.FieldMembershipID).
		Ints(rule.ForLiveUpdates(ctx))
	if err != nil {
		return false, unavailable(err)
	}
	c.checked = now
	if c.next, err = l.nextConsentEnd(ctx, group, now); err != nil {
		return false, unavailable(err)
	}
	slices.Sort(ended)
	for _, author := range slices.Compact(ended) {
		if more, err := l.authorChanged(ctx, group, author, seen, sent, send); !more || err != nil {
			return more, err
		}
	}
	return true, nil
}

// authorsLimit is the most reflections of one author a change of their standing sends as
// ADDED (newest first); the app's page shows far fewer.
const authorsLimit = 50

// authorChanged re-reads the reflections of the author membership whose standing changed
// (they left or were removed, their consent ended or began, they rejoined): those the
// viewer could read and no longer may are REMOVED, those they may read now and could not
// are ADDED.
func (l *Live) authorChanged(ctx context.Context, group, author int, seen map[int]int, sent map[int]bool, send func(*FeedChange) bool) (bool, error) {
	readable, err := l.client.Reflection.Query().
		Where(reflection.GroupID(group), reflection.AuthorID(author)).
		IDs(ctx)
	if err != nil {
		return false, unavailable(err)
	}
	var gone []int
	for id, a := range seen {
		if a == author && !slices.Contains(readable, id) {
			gone = append(gone, id)
		}
	}
	slices.Sort(gone)
	for _, id := range gone {
		delete(seen, id)
		delete(sent, id)
		if !send(&FeedChange{Kind: Removed, ReflectionID: id}) {
			return false, nil
		}
	}
	var fresh []int
	for _, id := range readable {
		if _, ok := seen[id]; !ok {
			fresh = append(fresh, id)
		}
	}
	if len(fresh) == 0 {
		return true, nil
	}
	slices.Sort(fresh)
	if len(fresh) > authorsLimit {
		fresh = fresh[len(fresh)-authorsLimit:]
	}
	rs, err := l.client.Reflection.Query().Where(reflection.IDIn(fresh...)).Order(ent.Asc(reflection.FieldID)).All(ctx)
	if err != nil {
		return false, unavailable(err)
	}
	for _, r := range rs {
		seen[r.ID], sent[r.ID] = r.AuthorID, true
		if !send(&FeedChange{Kind: Added, ReflectionID: r.ID, Reflection: r}) {
			return false, nil
		}
	}
	return true, nil
}

// EncouragementReceived streams the encouragement sent to the viewer of ctx, as they may
// see it when it arrives (not what they reported, not what a facilitator hid, only on
// reflections they may still read).
func (l *Live) EncouragementReceived(ctx context.Context, end End) (<-chan *ent.Encouragement, error) {
	v := viewer.FromContext(ctx)
	sub, err := l.hub.User(v.UserID)
	if errors.Is(err, bus.ErrDown) {
		return nil, ErrReconnecting
	}
	if err != nil {
		return nil, err
	}
	return stream(ctx, sub, end, func(ctx context.Context, ev bus.Event, send func(*ent.Encouragement) bool) (bool, error) {
		ctx = l.event(ctx)
		e, err := l.client.Encouragement.Query().
			Where(
				encouragement.ID(ev.ID),
				encouragement.HasReflectionWith(reflection.UserID(v.UserID)),
				rule.RecipientSees(),
			).
			Only(ctx)
		switch {
		case ent.IsNotFound(err):
			return true, nil
		case err != nil:
			return false, unavailable(err)
		}
		return send(e), nil
	}), nil
}

// SessionChanges streams the changes of group's sessions to a current member of it.
func (l *Live) SessionChanges(ctx context.Context, group int, end End) (<-chan *SessionChange, error) {
	sub, _, err := l.subscribe(ctx, group, l.mustBeMember)
	if err != nil {
		return nil, err
	}
	return stream(ctx, sub, end, func(ctx context.Context, ev bus.Event, send func(*SessionChange) bool) (bool, error) {
		ctx = l.event(ctx)
		if ok, err := l.member(ctx, group); err != nil || !ok {
			return false, errOrNil(err)
		}
		if ev.Kind != bus.Session {
			return true, nil
		}
		s, err := l.client.GroupSession.Query().Where(groupsession.ID(ev.ID), groupsession.GroupID(group)).Only(ctx)
		switch {
		case ent.IsNotFound(err):
			return true, nil
		case err != nil:
			return false, unavailable(err)
		}
		kind := SessionScheduled
		switch ev.Op {
		case bus.Moved:
			kind = SessionMoved
		case bus.Cancelled:
			kind = SessionCancelled
		}
		return send(&SessionChange{Kind: kind, Session: s}), nil
	}), nil
}

// ErrAttentionForbidden refuses the attention alerts of a group to anyone but its current
// facilitators (whether the group exists or not).
var ErrAttentionForbidden = apperr.New(apperr.Forbidden, "only the group's facilitators receive its attention alerts")

// Attention streams, to a facilitator of group, each reflection of the group marked as
// needing attention once, as soon as they may read it (when it is written, or when a
// reflection marked while PRIVATE is shared with them). Announcements do not say whether a
// reflection is marked (that comes from its text): every reflection announced is read
// again, and only a marked one is sent.
func (l *Live) Attention(ctx context.Context, group int, end End) (<-chan *AttentionAlert, error) {
	sub, _, err := l.subscribe(ctx, group, func(ctx context.Context, group int) error {
		err := rule.MayFacilitate(ctx, l.client, group)
		if errors.As(err, new(*apperr.Error)) {
			return ErrAttentionForbidden
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	alerted := map[int]bool{}
	return stream(ctx, sub, end, func(ctx context.Context, ev bus.Event, send func(*AttentionAlert) bool) (bool, error) {
		ctx = l.event(ctx)
		switch err := rule.MayFacilitate(ctx, l.client, group); {
		case errors.As(err, new(*apperr.Error)):
			return false, nil
		case err != nil:
			return false, unavailable(err)
		}
		if ev.Kind != bus.Reflection || alerted[ev.ID] {
			return true, nil
		}
		r, err := l.client.Reflection.Query().Where(reflection.ID(ev.ID), reflection.GroupID(group), reflection.NeedsAttention(true)).Only(ctx)
		switch {
		case ent.IsNotFound(err):
			return true, nil
		case err != nil:
			return false, unavailable(err)
		}
		alerted[r.ID] = true
		return send(&AttentionAlert{Reasons: []digest.Reason{digest.Crisis}, Reflection: r}), nil
	}), nil
}

// mustBeMember refuses a subscription to a group the viewer is not a current member of, as
// a query of it is refused: NOT_FOUND.
func (l *Live) mustBeMember(ctx context.Context, group int) error {
	ok, err := l.member(ctx, group)
	if err == nil && !ok {
		err = rule.ErrNotInGroup
	}
	return err
}

// errOrNil ends a subscription whose subscriber is no longer in the group without an error
// (it completes), and one whose check failed with ErrResync.
func errOrNil(err error) error {
	if err == nil {
		return nil
	}
	return unavailable(err)
}

// MarshalGQL implements graphql.Marshaler.
func (k FeedChangeKind) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(k))) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (k *FeedChangeKind) UnmarshalGQL(v any) error {
	s, _ := v.(string)
	switch FeedChangeKind(s) {
	case Added, Updated, Removed:
		*k = FeedChangeKind(s)
		return nil
	}
	return fmt.Errorf("%v is not a FeedChangeKind", v)
}

// MarshalGQL implements graphql.Marshaler.
func (k SessionChangeKind) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(string(k)))
}

// UnmarshalGQL implements graphql.Unmarshaler.
func (k *SessionChangeKind) UnmarshalGQL(v any) error {
	s, _ := v.(string)
	switch SessionChangeKind(s) {
	case SessionScheduled, SessionMoved, SessionCancelled:
		*k = SessionChangeKind(s)
		return nil
	}
	return fmt.Errorf("%v is not a SessionChangeKind", v)
}
