package journal

import (
	"testing"

	"github.com/google/uuid"

	"github.com/processgroup/api/ent/encouragement"
	"github.com/processgroup/api/ent/reflection"
	"github.com/processgroup/api/internal/platform/apperr"
)

// TestSendEncouragementRetryReturnsSame pins idempotent sends: the same encouragement again
// returns the one the first send made, and its author is told once.
func TestSendEncouragementRetryReturnsSame(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.create(t, f.a, input(f.a, reflection.VisibilityGROUP))
	in := NewEncouragement{ClientID: uuid.New(), ReflectionID: r.ID, Kind: encouragement.KindHEART, Message: ptr("MARKER keep going")}
	first, err := f.j.SendEncouragement(f.As(f.b.User), f.Client, in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.j.SendEncouragement(f.As(f.b.User), f.Client, in)
	if err != nil || again.ID != first.ID || again.Message != "MARKER keep going" {
		t.Fatalf("retry: %+v, %v; want encouragement %d", again, err, first.ID)
	}
	if calls := f.notes.all(); len(calls) != 1 || calls[0] != [2]int{first.ID, f.a.ID} {
		t.Fatalf("pushes queued %v, want one for %d to user %d", calls, first.ID, f.a.ID)
	}
}

// TestSendEncouragementConflicts pins one encouragement per sender and reflection, and a
// client id bound to its first content: every other send is a CONFLICT that queues nothing.
func TestSendEncouragementConflicts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		change func(in *NewEncouragement, other int)
	}{
		{"another on the same reflection", func(in *NewEncouragement, _ int) { in.ClientID = uuid.New() }},
		{"same client id, other kind", func(in *NewEncouragement, _ int) { in.Kind = encouragement.KindHUG }},
		{"same client id, a message added", func(in *NewEncouragement, _ int) { in.Message = ptr("MARKER hi") }},
		{"same client id, another reflection", func(in *NewEncouragement, other int) { in.ReflectionID = other }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			r := f.create(t, f.a, input(f.a, reflection.VisibilityGROUP))
			other := f.create(t, f.a, input(f.a, reflection.VisibilityGROUP))
			in := NewEncouragement{ClientID: uuid.New(), ReflectionID: r.ID, Kind: encouragement.KindHEART}
			if _, err := f.j.SendEncouragement(f.As(f.b.User), f.Client, in); err != nil {
				t.Fatal(err)
			}
			c.change(&in, other.ID)
			if e, err := f.j.SendEncouragement(f.As(f.b.User), f.Client, in); code(err) != apperr.Conflict || e != nil {
				t.Fatalf("got %v, %v; want CONFLICT", e, err)
			}
			if n, _ := f.Client.Encouragement.Query().Count(f.Operator()); n != 1 || len(f.notes.all()) != 1 {
				t.Fatalf("%d encouragements, %d pushes; want 1 and 1", n, len(f.notes.all()))
			}
		})
	}
}

// TestSendEncouragementOnOwnOrUnreadable pins whom encouragement may go to: not to oneself
// (FORBIDDEN), not on a reflection one cannot read (NOT_FOUND, as if it did not exist).
func TestSendEncouragementOnOwnOrUnreadable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	own := f.create(t, f.b, input(f.b, reflection.VisibilityFACILITATORS))
	private := f.create(t, f.a, input(f.a, reflection.VisibilityPRIVATE))
	cases := []struct {
		name string
		id   int
		want apperr.Code
	}{
		{"own reflection", own.ID, apperr.Forbidden},
		{"a peer's PRIVATE reflection", private.ID, apperr.NotFound},
		{"no such reflection", private.ID + 1000, apperr.NotFound},
	}
	for _, c := range cases {
		_, err := f.j.SendEncouragement(f.As(f.b.User), f.Client, NewEncouragement{ClientID: uuid.New(), ReflectionID: c.id, Kind: encouragement.KindPROUD})
		if code(err) != c.want {
			t.Errorf("%s: %v, want %s", c.name, err, c.want)
		}
	}
	if n := len(f.notes.all()); n != 0 {
		t.Errorf("%d pushes queued for refused sends", n)
	}
}
