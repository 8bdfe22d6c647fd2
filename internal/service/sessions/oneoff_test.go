package sessions

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/groupsession"
	"github.com/processgroup/api/internal/platform/apperr"
)

// schedule makes a one-off session as the facilitator, starting at start, 60 minutes.
func (f *fixture) schedule(t *testing.T, start time.Time) *ent.GroupSession {
	t.Helper()
	var s *ent.GroupSession
	if err := f.as(func(ctx context.Context, c *ent.Client) error {
		var err error
		s, err = f.s.Schedule(ctx, c, f.g.ID, start, 60, nil)
		return err
	}); err != nil {
		t.Fatalf("schedule: %v", err)
	}
	return s
}

// TestScheduleTwiceIsOneSession pins a retried scheduling: the same start and length make
// one session, stored to the whole second.
func TestScheduleTwiceIsOneSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	start := monday.Add(48*time.Hour + 500*time.Millisecond)
	first := f.schedule(t, start)
	again := f.schedule(t, start.Add(200*time.Millisecond))
	if again.ID != first.ID || !first.StartsAt.Equal(start.Truncate(time.Second)) {
		t.Fatalf("sessions %d at %v and %d: want one, at whole seconds", first.ID, first.StartsAt, again.ID)
	}
	if n := len(f.sessions(t)); n != 1 {
		t.Fatalf("%d sessions, want 1", n)
	}
}

// TestRescheduleAndCancel pins changes of a session: a move sets the new time (keeping the
// length unless given) and marks it as changed by hand; the same move again changes
// nothing; a cancelled session cannot move; cancelling again returns it; a session that
// has started does not change.
func TestRescheduleAndCancel(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.schedule(t, monday.Add(48*time.Hour))
	to := monday.Add(72 * time.Hour)
	move := func(id int, start time.Time, minutes *int) (*ent.GroupSession, error) {
		var out *ent.GroupSession
		err := f.as(func(ctx context.Context, c *ent.Client) error {
			var err error
			out, err = f.s.Reschedule(ctx, c, id, start, minutes)
			return err
		})
		return out, err
	}
	cancel := func(id int) (*ent.GroupSession, error) {
		var out *ent.GroupSession
		err := f.as(func(ctx context.Context, c *ent.Client) error {
			var err error
			out, err = f.s.Cancel(ctx, c, id)
			return err
		})
		return out, err
	}
	moved, err := move(s.ID, to, nil)
	if err != nil || !moved.StartsAt.Equal(to) || moved.EndsAt.Sub(moved.StartsAt) != time.Hour || !moved.Detached {
		t.Fatalf("move: %+v, %v", moved, err)
	}
	ninety := 90
	if again, err := move(s.ID, to, nil); err != nil || !again.UpdatedAt.Equal(moved.UpdatedAt) {
		t.Fatalf("the same move again: %+v, %v; want it unchanged", again, err)
	}
	if longer, err := move(s.ID, to, &ninety); err != nil || longer.EndsAt.Sub(longer.StartsAt) != 90*time.Minute {
		t.Fatalf("a longer session: %+v, %v", longer, err)
	}
	first, err := cancel(s.ID)
	if err != nil || first.Status != groupsession.StatusCANCELLED {
		t.Fatalf("cancel: %+v, %v", first, err)
	}
	if again, err := cancel(s.ID); err != nil || again.Status != groupsession.StatusCANCELLED {
		t.Fatalf("cancel again: %+v, %v", again, err)
	}
	var ae *apperr.Error
	if _, err := move(s.ID, to.Add(time.Hour), nil); !errors.As(err, &ae) || ae.Field != "id" {
		t.Fatalf("moving a cancelled session: %v, want BAD_USER_INPUT on id", err)
	}

	started := f.schedule(t, monday.Add(time.Hour))
	f.Clock.Set(started.StartsAt.Add(time.Minute))
	if _, err := move(started.ID, monday.Add(96*time.Hour), nil); !errors.As(err, &ae) || ae.Field != "id" {
		t.Fatalf("moving a session under way: %v, want BAD_USER_INPUT on id", err)
	}
	if _, err := cancel(started.ID); !errors.As(err, &ae) || ae.Field != "id" {
		t.Fatalf("cancelling a session under way: %v, want BAD_USER_INPUT on id", err)
	}
}
