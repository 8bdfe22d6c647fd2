package digest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/membership"
)

// end is the end of the digest periods of these tests: Monday 2026-03-16, 10:00 in
// Chicago.
var end = time.Date(2026, 3, 16, 15, 0, 0, 0, time.UTC)

// daysAgo is d days before end.
func daysAgo(d float64) time.Time { return end.Add(-time.Duration(d * float64(24*time.Hour))) }

// entry is one reflection of a member: when, mood, craving, crisis language.
type entry struct {
	at      time.Time
	mood    int
	craving int
	crisis  bool
}

// repeat is n entries with mood and craving, the first `odd` of which have oddMood and
// oddCraving instead (to reach averages such as 6.95).
func repeat(n, mood, craving, odd, oddMood, oddCraving int) []entry {
	out := make([]entry, n)
	for i := range out {
		out[i] = entry{at: daysAgo(3).Add(time.Duration(i) * time.Minute), mood: mood, craving: craving}
		if i < odd {
			out[i].mood, out[i].craving = oddMood, oddCraving
		}
	}
	return out
}

// person is one member's history for build.
type person struct {
	joined time.Time
	now    []entry // in the period
	prev   []entry // in the period of equal length before it
	older  *time.Time
	// missed is their unexcused absences in a row.
	missed int
}

// digestOf builds the digest of people (membership ids 1…, user ids 101…) for the period
// of days before end, as For hands them to build.
func digestOf(t *testing.T, days int, people ...person) *Digest {
	t.Helper()
	start := daysAgo(float64(days))
	var members []*ent.Membership
	var rs []*ent.Reflection
	var prev []numbers
	last := map[int]time.Time{}
	missed := map[int]int{}
	for i, p := range people {
		uid := 101 + i
		missed[i+1] = p.missed
		members = append(members, &ent.Membership{ID: i + 1, UserID: uid, Role: membership.RoleMEMBER, JoinedAt: p.joined})
		if p.older != nil {
			last[uid] = *p.older
		}
		for _, e := range p.prev {
			if e.at.Before(start.Add(-end.Sub(start))) || !e.at.Before(start) {
				t.Fatalf("person %d: %v is not in the period before", i, e.at)
			}
			prev = append(prev, numbers{UserID: uid, Mood: e.mood, Craving: e.craving, CreatedAt: e.at})
			last[uid] = e.at
		}
		for j, e := range p.now {
			if e.at.Before(start) || !e.at.Before(end) {
				t.Fatalf("person %d: %v is not in the period", i, e.at)
			}
			rs = append(rs, &ent.Reflection{ID: 1000*uid + j, UserID: uid, Mood: e.mood, Craving: e.craving, NeedsAttention: e.crisis, CreatedAt: e.at})
			last[uid] = e.at
		}
	}
	slices.SortStableFunc(rs, func(a, b *ent.Reflection) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return build(members, rs, prev, last, missed, start, end, zone(t, "America/Chicago"))
}

// TestAttentionReasons pins who needs attention and why, at the thresholds, on the rounded
// values: crisis language in the period, an average craving of 7.0 or more, a mood average
// 3.0 or more below the period before, 14 calendar days without sharing (since joining, if
// never); several reasons in that order.
func TestAttentionReasons(t *testing.T) {
	t.Parallel()
	longAgo := daysAgo(100)
	at := func(d float64) *time.Time { x := daysAgo(d); return &x }
	cases := []struct {
		name string
		days int // length of the period (7 if 0)
		p    person
		want []Reason
	}{
		{"nothing to note", 0, person{joined: longAgo, now: []entry{{daysAgo(2), 6, 3, false}, {daysAgo(1), 6, 3, false}}, prev: []entry{{daysAgo(9), 6, 3, false}}}, nil},
		{"crisis language", 0, person{joined: longAgo, now: []entry{{daysAgo(2), 6, 3, true}, {daysAgo(1), 6, 3, false}}}, []Reason{Crisis}},
		{"craving 7.0", 0, person{joined: longAgo, now: []entry{{daysAgo(2), 6, 7, false}, {daysAgo(1), 6, 7, false}}}, []Reason{HighCrave}},
		{"craving 6.95 shows as 7.0", 0, person{joined: longAgo, now: repeat(20, 6, 7, 1, 6, 6)}, []Reason{HighCrave}},
		{"craving 6.94 shows as 6.9", 0, person{joined: longAgo, now: repeat(50, 6, 7, 3, 6, 6)}, nil},
		{"craving falling from high is still high", 0, person{joined: longAgo, now: []entry{{daysAgo(1), 6, 9, false}}, prev: []entry{{daysAgo(9), 6, 10, false}}}, []Reason{HighCrave}},
		{"mood fell 3.0", 0, person{joined: longAgo, now: []entry{{daysAgo(1), 5, 2, false}}, prev: []entry{{daysAgo(9), 8, 2, false}}}, []Reason{MoodFell}},
		{"mood fell 2.95, shown as 3.0", 0, person{joined: longAgo, now: repeat(20, 5, 2, 1, 6, 2), prev: []entry{{daysAgo(9), 8, 2, false}}}, []Reason{MoodFell}},
		{"mood fell 2.94, shown as 2.9", 0, person{joined: longAgo, now: repeat(50, 5, 2, 3, 6, 2), prev: []entry{{daysAgo(9), 8, 2, false}}}, nil},
		{"mood rose 3", 0, person{joined: longAgo, now: []entry{{daysAgo(1), 8, 2, false}}, prev: []entry{{daysAgo(9), 5, 2, false}}}, nil},
		{"low mood without a period before is no drop", 0, person{joined: longAgo, now: []entry{{daysAgo(1), 1, 2, false}}}, nil},
		{"14 calendar days since the last", 0, person{joined: longAgo, older: at(14)}, []Reason{Quiet}},
		{"13 days since the last", 0, person{joined: longAgo, prev: []entry{{daysAgo(13), 6, 3, false}}}, nil},
		{"never shared, joined 14 days ago", 0, person{joined: daysAgo(14)}, []Reason{Quiet}},
		{"never shared, joined 3 days ago", 0, person{joined: daysAgo(3)}, nil},
		{"one session missed", 0, person{joined: longAgo, older: at(3), missed: 1}, nil},
		{"two sessions missed", 0, person{joined: longAgo, older: at(3), missed: 2}, []Reason{Missed}},
		{"all five, in order", 21, person{joined: longAgo, now: []entry{{daysAgo(20), 2, 8, true}}, prev: []entry{{daysAgo(30), 9, 1, false}}, missed: 3}, []Reason{Crisis, Missed, HighCrave, MoodFell, Quiet}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			days := c.days
			if days == 0 {
				days = 7
			}
			d := digestOf(t, days, c.p)
			m := d.Members[0]
			if !slices.Equal(m.AttentionReasons, c.want) || m.AttentionReasons == nil {
				t.Errorf("reasons %#v, want %v (avg mood %v craving %v, mood change %v)", m.AttentionReasons, c.want, deref(m.AverageMood), deref(m.AverageCraving), deref(m.MoodChange))
			}
			count := 0
			if len(c.want) > 0 {
				count = 1
			}
			if m.NeedsAttention != (count == 1) || d.AttentionCount != count {
				t.Errorf("needsAttention %v, attentionCount %d, with reasons %v", m.NeedsAttention, d.AttentionCount, m.AttentionReasons)
			}
		})
	}
}

// TestBuildMemberNumbers pins what the digest says of each member: count and reflections of
// the period (oldest first), averages, changes against the period before (none without
// one), the last reflection and the calendar days since it (none if never); lists are
// empty, not nil.
func TestBuildMemberNumbers(t *testing.T) {
	t.Parallel()
	d := digestOf(t, 7,
		person{joined: daysAgo(100),
			now:  []entry{{daysAgo(5), 4, 6, false}, {daysAgo(1.5), 7, 2, false}, {daysAgo(0.1), 6, 3, false}},
			prev: []entry{{daysAgo(12), 8, 1, false}, {daysAgo(8), 7, 2, false}},
		},
		person{joined: daysAgo(100), prev: []entry{{daysAgo(10), 5, 5, false}}},
		person{joined: daysAgo(2)},
	)
	if d.ReflectionCount != 3 || len(d.Members) != 3 {
		t.Fatalf("reflection count %d, %d members", d.ReflectionCount, len(d.Members))
	}
	byID := map[int]*Member{}
	for _, m := range d.Members {
		byID[m.Membership.ID] = m
	}
	writer, quiet, fresh := byID[1], byID[2], byID[3]

	if writer.ReflectionCount != 3 || len(writer.Reflections) != 3 || !writer.Reflections[0].CreatedAt.Equal(daysAgo(5)) {
		t.Errorf("writer: %d reflections, %v", writer.ReflectionCount, writer.Reflections)
	}
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"average mood", deref(writer.AverageMood), 5.7},       // 17/3
		{"average craving", deref(writer.AverageCraving), 3.7}, // 11/3
		{"mood change", deref(writer.MoodChange), -1.8},        // 17/3 - 15/2 = -1.83
		{"craving change", deref(writer.CravingChange), 2.2},   // 11/3 - 3/2 = 2.17
		{"days since last", *writer.DaysSinceLastReflection, 0},
	} {
		if c.got != c.want {
			t.Errorf("writer's %s: %v, want %v", c.name, c.got, c.want)
		}
	}
	if !writer.LastReflectionAt.Equal(daysAgo(0.1)) {
		t.Errorf("writer's last reflection at %v", writer.LastReflectionAt)
	}

	if quiet.ReflectionCount != 0 || quiet.AverageMood != nil || quiet.MoodChange != nil || quiet.Reflections == nil || len(quiet.Reflections) != 0 {
		t.Errorf("quiet member: %+v", quiet)
	}
	if quiet.DaysSinceLastReflection == nil || *quiet.DaysSinceLastReflection != 10 {
		t.Errorf("quiet member: days since last %v, want 10", quiet.DaysSinceLastReflection)
	}
	if fresh.LastReflectionAt != nil || fresh.DaysSinceLastReflection != nil || fresh.NeedsAttention {
		t.Errorf("new member who never shared: %+v", fresh)
	}
	if !d.PeriodStart.Equal(daysAgo(7)) || !d.PeriodEnd.Equal(end) {
		t.Errorf("period %v to %v", d.PeriodStart, d.PeriodEnd)
	}
}

// TestDigestOrder pins the order of the members: crisis language first, then missed
// sessions (though they shared more than others who need attention), then the others
// who need attention, then everyone else; within each, the fewest reflections first, then
// those who never shared, then the longest since their last, then the earliest to join.
func TestDigestOrder(t *testing.T) {
	t.Parallel()
	long := daysAgo(100)
	three := []entry{{daysAgo(3), 6, 3, false}, {daysAgo(2), 6, 3, false}, {daysAgo(1), 6, 3, false}}
	d := digestOf(t, 7,
		person{joined: long, now: three},                                                        // 1: steady
		person{joined: long, prev: []entry{{daysAgo(13.9), 6, 3, false}}},                       // 2: last 13.9 days ago, 14 calendar days: quiet
		person{joined: long, now: []entry{{daysAgo(2), 6, 3, true}, {daysAgo(1), 6, 3, false}}}, // 3: crisis
		person{joined: daysAgo(1)},                                                              // 4: new, never shared
		person{joined: long, prev: []entry{{daysAgo(9), 6, 3, false}}},                          // 5: last 9 days ago
		person{joined: long, prev: []entry{{daysAgo(10.5), 6, 3, false}}},                       // 6: last 10.5 days ago
		person{joined: long, now: []entry{{daysAgo(1), 6, 8, false}}},                           // 7: high craving
		person{joined: long, now: three},                                                        // 8: like 1, joined later
		person{joined: daysAgo(20)},                                                             // 9: never shared, joined 20 days ago: quiet
		person{joined: long, now: three, missed: 2},                                             // 10: missed two sessions
	)
	var got []int
	for _, m := range d.Members {
		got = append(got, m.Membership.ID)
	}
	want := []int{3, 10, 9, 2, 7, 4, 6, 5, 1, 8}
	if !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v\n%s", got, want, describe(d))
	}
	if d.AttentionCount != 5 {
		t.Errorf("attention count %d, want 5\n%s", d.AttentionCount, describe(d))
	}
}

func describe(d *Digest) string {
	s := ""
	for _, m := range d.Members {
		s += fmt.Sprintf("  membership %d: %d reflections, last %v, reasons %v\n", m.Membership.ID, m.ReflectionCount, m.LastReflectionAt, m.AttentionReasons)
	}
	return s
}
