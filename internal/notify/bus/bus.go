// Package bus carries the announcements of changes to the subscribers of this server: a
// change commits, then announces what changed as ids only ({kind, group, id}); each
// subscription re-reads the object as its subscriber (internal/service/live) and decides
// there what, if anything, that subscriber is sent.
//
// On PostgreSQL an announcement is a NOTIFY in the change's own transaction, so it is
// delivered when, and only when, the change commits, to every server that LISTENs (Listen).
// On SQLite, where one server owns the database, it is handed to this server's Hub after the
// commit.
//
// An announcement never carries content: no text, no names, nothing but kinds and ids.
package bus

import (
	"context"
	"slices"
	"sync"
)

// Kind is what an announcement is about.
type Kind string

const (
	// Reflection: a reflection was written (Op Created), changed or deleted. ID is the
	// reflection. (Whether it needs attention is not said: that comes from its text; the
	// facilitators' subscriptions read it again.)
	Reflection Kind = "reflection"
	// Encouragement: an encouragement was sent. ID is the encouragement, Reflection the
	// reflection it is on, User the reflection's author (its recipient).
	Encouragement Kind = "encouragement"
	// Session: a session was scheduled, moved or cancelled (Op). ID is the session.
	Session Kind = "session"
	// Member: a membership's standing changed (joined, left, removed, consent given or
	// ended, account deleted). ID is the membership, User its member.
	Member Kind = "member"
	// Mark: no change, a marker (ID a random number) that goes to no subscription. A server
	// that receives its own mark knows that every announcement committed before it has
	// reached it (Publisher.Settle).
	Mark Kind = "mark"
)

// Op says what happened to a session, or that a reflection is new.
type Op string

// The changes of a session, and a reflection's creation.
const (
	Created   Op = "created"
	Scheduled Op = "scheduled"
	Moved     Op = "moved"
	Cancelled Op = "cancelled"
)

// Event is one announcement: kinds and ids, never content.
type Event struct {
	Kind       Kind `json:"k"`
	Group      int  `json:"g"`
	ID         int  `json:"i,omitempty"`
	User       int  `json:"u,omitempty"`
	Reflection int  `json:"r,omitempty"`
	Op         Op   `json:"o,omitempty"`
}

// Hub hands the announcements this server receives to its subscriptions. A subscription
// has a bounded buffer: one that falls behind is dropped and told so (Subscription.Lost),
// never given unbounded memory.
type Hub struct {
	mu      sync.Mutex
	byGroup map[int]map[*Subscription]struct{}
	byUser  map[int]map[*Subscription]struct{}
	// down is set while the announcements may be missed (the listener lost its
	// connection): subscribing is refused until they flow again.
	down bool
	// buffer is the size of each subscription's buffer.
	buffer int
	// changed is closed, and replaced, whenever the subscriptions change (Await), or a
	// mark arrives.
	changed chan struct{}
	// marks are the last marks received (AwaitMark).
	marks []int
}

// maxMarks is how many of the last marks a hub remembers.
const maxMarks = 64

// NewHub returns a hub whose subscriptions buffer up to buffer events each.
func NewHub(buffer int) *Hub {
	if buffer < 1 {
		buffer = 1
	}
	return &Hub{
		byGroup: map[int]map[*Subscription]struct{}{},
		byUser:  map[int]map[*Subscription]struct{}{},
		buffer:  buffer,
		changed: make(chan struct{}),
	}
}

// Subscription receives the events of one group or one user.
type Subscription struct {
	hub   *Hub
	group int
	user  int
	c     chan Event
	lost  chan struct{}
	once  sync.Once
	ready bool
}

// Ready says that the subscriber is set up: what it reads at its start is read (Await
// counts ready subscriptions only).
func (s *Subscription) Ready() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	if !s.ready {
		s.ready = true
		s.hub.changedLocked()
	}
}

// Events are the announcements of the subscription's group or user, in the order received.
func (s *Subscription) Events() <-chan Event { return s.c }

// Lost is closed when the subscription may have missed events: it fell behind, or the
// server lost its listening connection. The subscriber must refetch.
func (s *Subscription) Lost() <-chan struct{} { return s.lost }

// Close ends the subscription.
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	s.hub.removeLocked(s)
	s.hub.mu.Unlock()
}

// ErrDown is returned by Subscribe while announcements may be missed.
var ErrDown = errDown{}

type errDown struct{}

func (errDown) Error() string { return "live updates are reconnecting" }

// Group subscribes to the announcements about group (its reflections, encouragement,
// sessions and memberships).
func (h *Hub) Group(group int) (*Subscription, error) {
	return h.subscribe(&Subscription{group: group})
}

// User subscribes to the encouragement sent to user.
func (h *Hub) User(user int) (*Subscription, error) {
	return h.subscribe(&Subscription{user: user})
}

func (h *Hub) subscribe(s *Subscription) (*Subscription, error) {
	s.hub, s.c, s.lost = h, make(chan Event, h.buffer), make(chan struct{})
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down {
		return nil, ErrDown
	}
	index, key := h.byGroup, s.group
	if s.user != 0 {
		index, key = h.byUser, s.user
	}
	if index[key] == nil {
		index[key] = map[*Subscription]struct{}{}
	}
	index[key][s] = struct{}{}
	h.changedLocked()
	return s, nil
}

// changedLocked wakes those who Await a change.
func (h *Hub) changedLocked() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// Await returns once ok(the number of ready subscriptions) holds, or ctx ends (tests: a
// subscription is only active once the server has set it up, which the protocol does not
// acknowledge).
func (h *Hub) Await(ctx context.Context, ok func(n int) bool) error {
	for {
		h.mu.Lock()
		n, changed := h.readyLocked(), h.changed
		h.mu.Unlock()
		if ok(n) {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (h *Hub) removeLocked(s *Subscription) {
	index, key := h.byGroup, s.group
	if s.user != 0 {
		index, key = h.byUser, s.user
	}
	if _, ok := index[key][s]; !ok {
		return
	}
	delete(index[key], s)
	if len(index[key]) == 0 {
		delete(index, key)
	}
	h.changedLocked()
}

// dropLocked ends s as lost.
func (h *Hub) dropLocked(s *Subscription) {
	h.removeLocked(s)
	s.once.Do(func() { close(s.lost) })
}

// Deliver hands ev to the subscriptions it concerns: those of its group, and for
// encouragement those of its recipient. A subscription whose buffer is full is dropped.
func (h *Hub) Deliver(ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ev.Kind == Mark {
		if len(h.marks) == maxMarks {
			h.marks = h.marks[1:]
		}
		h.marks = append(h.marks, ev.ID)
		h.changedLocked()
		return
	}
	send := func(subs map[*Subscription]struct{}) {
		for s := range subs {
			select {
			case s.c <- ev:
			default:
				h.dropLocked(s)
			}
		}
	}
	send(h.byGroup[ev.Group])
	if ev.Kind == Encouragement && ev.User != 0 {
		send(h.byUser[ev.User])
	}
}

// Down drops every subscription as lost and refuses new ones until Up: announcements may be
// missed meanwhile.
func (h *Hub) Down() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.down = true
	h.changedLocked()
	for _, index := range []map[int]map[*Subscription]struct{}{h.byGroup, h.byUser} {
		for _, subs := range index {
			for s := range subs {
				h.dropLocked(s)
			}
		}
	}
}

// Up accepts subscriptions again: announcements flow.
func (h *Hub) Up() {
	h.mu.Lock()
	h.down = false
	h.changedLocked()
	h.mu.Unlock()
}

// AwaitMark returns once the mark id has arrived, or ctx ends.
func (h *Hub) AwaitMark(ctx context.Context, id int) error {
	for {
		h.mu.Lock()
		arrived, changed := slices.Contains(h.marks, id), h.changed
		h.mu.Unlock()
		if arrived {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// AwaitUp returns once the hub accepts subscriptions, or ctx ends.
func (h *Hub) AwaitUp(ctx context.Context) error {
	for {
		h.mu.Lock()
		down, changed := h.down, h.changed
		h.mu.Unlock()
		if !down {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Len is the number of subscriptions.
func (h *Hub) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lenLocked()
}

func (h *Hub) readyLocked() int {
	n := 0
	for _, index := range []map[int]map[*Subscription]struct{}{h.byGroup, h.byUser} {
		for _, subs := range index {
			for s := range subs {
				if s.ready {
					n++
				}
			}
		}
	}
	return n
}

func (h *Hub) lenLocked() int {
	n := 0
	for _, index := range []map[int]map[*Subscription]struct{}{h.byGroup, h.byUser} {
		for _, subs := range index {
			n += len(subs)
		}
	}
	return n
}
