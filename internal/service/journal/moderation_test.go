package journal

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/encouragement"
	"github.com/processgroup/api/ent/reflection"
	"github.com/processgroup/api/internal/dbtest"
	"github.com/processgroup/api/internal/platform/apperr"
)

// TestReasonOf pins the reason of a report or a hide: trimmed, at most 500 characters
// (not bytes) after trimming, valid text; blank means none.
func TestReasonOf(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   *string
		want *string
		bad  bool
	}{
		{"none", nil, nil, false},
		{"empty", ptr(""), nil, false},
		{"blank", ptr(" \t\n "), nil, false},
		{"trimmed", ptr("  MARKER unkind \n"), ptr("MARKER unkind"), false},
		{"500 characters of two bytes", ptr(strings.Repeat("é", 500)), ptr(strings.Repeat("é", 500)), false},
		{"500 characters and spaces around", ptr("  " + strings.Repeat("x", 500) + "  "), ptr(strings.Repeat("x", 500)), false},
		{"501 characters", ptr(strings.Repeat("x", 501)), nil, true},
		{"not UTF-8", ptr("MARKER \xff\xfe"), nil, true},
	}
	for _, c := range cases {
		got, err := reasonOf(c.in)
		var ae *apperr.Error
		if c.bad {
			if !errors.As(err, &ae) || ae.Code != apperr.BadUserInput || ae.Field != "reason" || got != nil {
				t.Errorf("%s: %v, %v; want BAD_USER_INPUT on reason", c.name, got, err)
			}
			continue
		}
		if err != nil || (got == nil) != (c.want == nil) || (got != nil && *got != *c.want) {
			t.Errorf("%s: %v, %v; want %v", c.name, got, err, c.want)
		}
	}
}

// encourage sends encouragement from m on r.
func (f *fixture) encourage(t *testing.T, m *dbtest.Member, r *ent.Reflection) *ent.Encouragement {
	t.Helper()
	e, err := f.j.SendEncouragement(f.As(m.User), f.Client, NewEncouragement{ClientID: uuid.New(), ReflectionID: r.ID, Kind: encouragement.KindRELATE, Message: ptr("MARKER msg")})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestReportEncouragementRetryReturnsSame pins reporting: the recipient's report stores the
// trimmed reason and hides it from them; reporting again (a retry) returns it unchanged,
// though they no longer see it; nobody else may report it.
func TestReportEncouragementRetryReturnsSame(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.create(t, f.a, input(f.a, reflection.VisibilityGROUP))
	e := f.encourage(t, f.b, r)
	if _, err := f.j.ReportEncouragement(f.As(f.g.Facilitator.User), f.Client, e.ID, nil); code(err) != apperr.Forbidden {
		t.Fatalf("a report by someone else: %v, want FORBIDDEN", err)
	}
	first, err := f.j.ReportEncouragement(f.As(f.a.User), f.Client, e.ID, ptr("  MARKER hurtful "))
	if err != nil || first.ReportedAt == nil {
		t.Fatalf("report: %+v, %v", first, err)
	}
	if _, err := f.Client.Encouragement.Get(f.As(f.a.User), e.ID); !ent.IsNotFound(err) {
		t.Fatalf("the reporter still sees it: %v", err)
	}
	f.Clock.Advance(time.Hour)
	again, err := f.j.ReportEncouragement(f.As(f.a.User), f.Client, e.ID, ptr("another reason"))
	if err != nil || again.ID != e.ID || !again.ReportedAt.Equal(*first.ReportedAt) {
		t.Fatalf("retried report: %+v, %v; want the first report unchanged", again, err)
	}
	s, err := f.Client.Encouragement.Get(f.Operator(), e.ID)
	if err != nil || s.ReportReason != "MARKER hurtful" {
		t.Fatalf("stored reason %q (%v)", s.ReportReason, err)
	}
}

// TestModerationQueueOrder pins the facilitators' queue: what waits for a decision first,
// oldest report first; then what was hidden, latest first; hiding again changes nothing;
// members get FORBIDDEN.
func TestModerationQueueOrder(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.AddMember(f.g, "Cy")
	var es []*ent.Encouragement // e0…e3: B and C on two reflections of A
	for _, m := range []*dbtest.Member{f.b, c} {
		for range 2 {
			es = append(es, f.encourage(t, m, f.create(t, f.a, input(f.a, reflection.VisibilityGROUP))))
		}
	}
	report := func(e *ent.Encouragement) {
		f.Clock.Advance(time.Minute)
		if _, err := f.j.ReportEncouragement(f.As(f.a.User), f.Client, e.ID, nil); err != nil {
			t.Fatal(err)
		}
	}
	hide := func(e *ent.Encouragement) *ent.Encouragement {
		f.Clock.Advance(time.Minute)
		h, err := f.j.HideEncouragement(f.As(f.g.Facilitator.User), f.Client, e.ID, ptr(" MARKER rude "))
		if err != nil || h.HiddenAt == nil {
			t.Fatalf("hide: %v, %v", h, err)
		}
		return h
	}
	report(es[2])
	report(es[0])
	report(es[3])
	first := hide(es[0])
	hide(es[3])
	// e1 is hidden without a report: not in the queue.
	hide(es[1])
	if again := hide(es[0]); !again.HiddenAt.Equal(*first.HiddenAt) {
		t.Errorf("hiding again moved hidden_at from %v to %v", first.HiddenAt, again.HiddenAt)
	}

	all := func(q *ent.EncouragementQuery) (*ent.EncouragementQuery, error) { return q, nil }
	queue, err := ModerationQueue(f.As(f.g.Facilitator.User), f.Client, f.g.ID, all)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, e := range queue {
		got = append(got, e.ID)
	}
	want := []int{es[2].ID, es[3].ID, es[0].ID} // waiting: e2; hidden: e3 (later), e0
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("queue %v, want %v", got, want)
	}
	if _, err := ModerationQueue(f.As(f.a.User), f.Client, f.g.ID, all); code(err) != apperr.Forbidden {
		t.Fatalf("a member's queue: %v, want FORBIDDEN", err)
	}
}
