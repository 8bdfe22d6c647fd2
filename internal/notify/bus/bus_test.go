package bus

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A subscription that falls behind its buffer is dropped and told so, never given more
// memory; the others keep theirs.
func TestSlowSubscriberIsDropped(t *testing.T) {
	h := NewHub(2)
	slow, err := h.Group(1)
	if err != nil {
		t.Fatal(err)
	}
	fast, _ := h.Group(1)
	for i := 1; i <= 2; i++ {
		h.Deliver(Event{Kind: Reflection, Group: 1, ID: i})
		<-fast.Events()
	}
	select {
	case <-slow.Lost():
		t.Fatal("dropped within its buffer")
	default:
	}
	h.Deliver(Event{Kind: Reflection, Group: 1, ID: 3})
	select {
	case <-slow.Lost():
	default:
		t.Fatal("a subscription past its buffer is not dropped")
	}
	if ev := <-fast.Events(); ev.ID != 3 {
		t.Fatalf("the other subscription got %+v", ev)
	}
	if n := h.Len(); n != 1 {
		t.Fatalf("%d subscriptions, want 1", n)
	}
	if len(slow.Events()) != 2 {
		t.Fatalf("the dropped subscription holds %d events, want its 2", len(slow.Events()))
	}
}

// Events go to the subscriptions of their group, and encouragement also to its recipient.
func TestRouting(t *testing.T) {
	h := NewHub(8)
	g1, _ := h.Group(1)
	g2, _ := h.Group(2)
	u7, _ := h.User(7)
	u8, _ := h.User(8)
	h.Deliver(Event{Kind: Encouragement, Group: 1, ID: 10, User: 7})
	h.Deliver(Event{Kind: Reflection, Group: 2, ID: 11, User: 8})
	for name, c := range map[string]struct {
		s    *Subscription
		want []int
	}{"group 1": {g1, []int{10}}, "group 2": {g2, []int{11}}, "user 7": {u7, []int{10}}, "user 8": {u8, nil}} {
		var got []int
		for len(c.s.Events()) > 0 {
			got = append(got, (<-c.s.Events()).ID)
		}
		if len(got) != len(c.want) || (len(got) > 0 && got[0] != c.want[0]) {
			t.Errorf("%s got %v, want %v", name, got, c.want)
		}
	}
}

// While the listener is down every subscription is lost and new ones are refused; Up
// accepts them again, and Await and AwaitUp see the changes.
func TestDownAndUp(t *testing.T) {
	h := NewHub(4)
	s, _ := h.User(1)
	h.Down()
	<-s.Lost()
	if _, err := h.Group(1); !errors.Is(err, ErrDown) {
		t.Fatalf("subscribe while down: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go h.Up()
	if err := h.AwaitUp(ctx); err != nil {
		t.Fatal(err)
	}
	go func() {
		s, _ := h.Group(1)
		s.Ready()
	}()
	if err := h.Await(ctx, func(n int) bool { return n == 1 }); err != nil {
		t.Fatal(err)
	}
	s.Close() // already gone: harmless
	if n := h.Len(); n != 1 {
		t.Fatalf("%d subscriptions, want 1", n)
	}
}

// A mark goes to no subscription; AwaitMark returns once that mark arrived, whatever other
// marks arrive (several servers mark on one database).
func TestMarks(t *testing.T) {
	h := NewHub(4)
	sub, _ := h.Group(0)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	h.Deliver(Event{Kind: Mark, ID: 7})
	if err := h.AwaitMark(ctx, 8); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("another mark: %v, want a deadline", err)
	}
	done := make(chan error, 1)
	go func() { done <- h.AwaitMark(context.Background(), 9) }()
	h.Deliver(Event{Kind: Mark, ID: 9})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-sub.Events():
		t.Fatalf("a mark reached a subscription: %+v", ev)
	default:
	}
}
