package remind

import (
	"slices"
	"testing"
	"time"

	"github.com/processgroup/api/ent"
)

// start is the start of the session of the lead-time tables: Tuesday 2026-12-01, 18:00 in
// Chicago.
var start = time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)

// before is the instant d before start.
func before(d time.Duration) time.Time { return start.Add(-d) }

// TestDueLeads pins which reminders a session gets when it is planned at now: the lead
// times still ahead, or else (if the session has not started) the smallest one, sent at
// once; none once the session has started.
func TestDueLeads(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		leads []int
		now   time.Time
		want  []int
	}{
		{"both ahead", []int{1440, 60}, before(3 * 24 * time.Hour), []int{1440, 60}},
		{"day-ahead passed", []int{1440, 60}, before(2 * time.Hour), []int{60}},
		{"day-ahead time exactly now is not ahead", []int{1440, 60}, before(24 * time.Hour), []int{60}},
		{"just before the day-ahead time", []int{1440, 60}, before(24*time.Hour + time.Second), []int{1440, 60}},
		{"short notice: the smallest, at once", []int{1440, 60}, before(30 * time.Minute), []int{60}},
		{"hour-ahead time exactly now: at once", []int{1440, 60}, before(time.Hour), []int{60}},
		{"three leads, middle one ahead", []int{2880, 120, 15}, before(3 * time.Hour), []int{120, 15}},
		{"one lead, passed", []int{1440}, before(time.Hour), []int{1440}},
		{"session starts now", []int{1440, 60}, start, nil},
		{"session has started", []int{1440, 60}, start.Add(time.Minute), nil},
		{"no lead times: no reminders", []int{}, before(3 * 24 * time.Hour), nil},
		{"nil lead times: no reminders", nil, before(3 * 24 * time.Hour), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := dueLeads(c.leads, start, c.now); !slices.Equal(got, c.want) {
				t.Errorf("dueLeads(%v, start, start-%v) = %v, want %v", c.leads, start.Sub(c.now), got, c.want)
			}
		})
	}
}

// TestAheadOnly pins the reminders of a member already told that a session moved: only the
// lead times still ahead, never one at once (the notice of the move was it).
func TestAheadOnly(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		leads []int
		now   time.Time
		want  []int
	}{
		{"both ahead", []int{1440, 60}, before(2 * 24 * time.Hour), []int{1440, 60}},
		{"one ahead", []int{1440, 60}, before(5 * time.Hour), []int{60}},
		{"none ahead: none at once", []int{1440, 60}, before(30 * time.Minute), nil},
		{"lead time exactly now is not ahead", []int{60}, before(time.Hour), nil},
		{"after the start", []int{60}, start.Add(time.Hour), nil},
		{"no leads", nil, before(2 * 24 * time.Hour), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := aheadOnly(c.leads, start, c.now); !slices.Equal(got, c.want) {
				t.Errorf("aheadOnly(%v, start, start-%v) = %v, want %v", c.leads, start.Sub(c.now), got, c.want)
			}
		})
	}
}

// TestSuperseded pins the skipping of late reminders at send time: a reminder is pointless
// once the time of one of the member's smaller lead times has come too (that one goes
// instead); the smallest is never superseded, nor is the notice of a move.
func TestSuperseded(t *testing.T) {
	t.Parallel()
	leads := []int{1440, 60}
	cases := []struct {
		name  string
		leads []int
		lead  int
		now   time.Time
		want  bool
	}{
		{"day-ahead on time", leads, 1440, before(24 * time.Hour), false},
		{"day-ahead late, hour-ahead not yet due", leads, 1440, before(2 * time.Hour), false},
		{"day-ahead late, hour-ahead due exactly now", leads, 1440, before(time.Hour), true},
		{"day-ahead late, hour-ahead overdue", leads, 1440, before(10 * time.Minute), true},
		{"hour-ahead is the smallest", leads, 60, before(time.Minute), false},
		{"notice of a move", leads, MovedLead, before(time.Minute), false},
		{"lead no longer among the member's: smaller one due", []int{30}, 1440, before(20 * time.Minute), true},
		{"only larger leads", []int{2880}, 60, before(time.Minute), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := superseded(c.leads, c.lead, start, c.now); got != c.want {
				t.Errorf("superseded(%v, %d, start, start-%v) = %v, want %v", c.leads, c.lead, start.Sub(c.now), got, c.want)
			}
		})
	}
}

// TestLeadMinutes pins a member's lead times as planning reads them: the defaults (a day
// and an hour) when they chose none, no reminders for an empty choice, largest first.
func TestLeadMinutes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		stored []int
		want   []int
	}{
		{"not chosen: defaults", nil, []int{1440, 60}},
		{"chosen none", []int{}, []int{}},
		{"largest first", []int{15, 1440, 120}, []int{1440, 120, 15}},
		{"one", []int{30}, []int{30}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := LeadMinutes(&ent.User{ReminderLeadMinutes: c.stored})
			if !slices.Equal(got, c.want) || (got == nil) != (c.want == nil) {
				t.Errorf("LeadMinutes(%#v) = %#v, want %#v", c.stored, got, c.want)
			}
		})
	}
}

// TestLargestFirstCopies pins that sorting the lead times leaves the caller's slice as it
// was (the input of a settings change is also what the API answers with).
func TestLargestFirstCopies(t *testing.T) {
	t.Parallel()
	in := []int{60, 10080, 5, 1440}
	got := LargestFirst(in)
	if want := []int{10080, 1440, 60, 5}; !slices.Equal(got, want) {
		t.Errorf("LargestFirst = %v, want %v", got, want)
	}
	if want := []int{60, 10080, 5, 1440}; !slices.Equal(in, want) {
		t.Errorf("LargestFirst changed its input to %v", in)
	}
	if got := LargestFirst(nil); got != nil {
		t.Errorf("LargestFirst(nil) = %#v, want nil (the defaults stay the defaults)", got)
	}
}
