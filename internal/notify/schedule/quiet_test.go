package schedule

import (
	"testing"
	"time"
)

func TestQuietHoursContains(t *testing.T) {
	type probe struct {
		at   time.Time
		want bool
	}
	sec := func(t time.Time, s int) time.Time { return t.Add(time.Duration(s) * time.Second) }
	cases := []struct {
		name       string
		zone       string
		start, end string
		probes     []probe
	}{
		{
			name: "daytime span, no wrap", zone: "UTC", start: "13:00", end: "15:00",
			probes: []probe{
				{utc(2026, 6, 1, 12, 59), false},
				{sec(utc(2026, 6, 1, 12, 59), 59), false},
				{utc(2026, 6, 1, 13, 0), true}, // exactly Start: inside
				{utc(2026, 6, 1, 14, 0), true},
				{sec(utc(2026, 6, 1, 14, 59), 59), true},
				{utc(2026, 6, 1, 15, 0), false}, // exactly End: outside
				{utc(2026, 6, 1, 0, 0), false},
			},
		},
		{
			name: "night span wrapping midnight", zone: "America/Chicago", start: "22:00", end: "07:00",
			// 2026-01-15 is CST, -6.
			probes: []probe{
				{utc(2026, 1, 16, 3, 59), false}, // 21:59
				{utc(2026, 1, 16, 4, 0), true},   // 22:00, Start
				{utc(2026, 1, 16, 5, 59), true},  // 23:59
				{utc(2026, 1, 16, 6, 0), true},   // 00:00
				{sec(utc(2026, 1, 16, 12, 59), 59), true},
				{utc(2026, 1, 16, 13, 0), false}, // 07:00, End
				{utc(2026, 1, 16, 18, 0), false}, // 12:00
			},
		},
		{
			name: "start equal to end means none", zone: "America/Chicago", start: "09:00", end: "09:00",
			probes: []probe{
				{utc(2026, 1, 15, 15, 0), false}, // 09:00
				{utc(2026, 1, 15, 14, 59), false},
				{utc(2026, 1, 15, 6, 0), false},
			},
		},
		{
			name: "all day but one minute", zone: "UTC", start: "00:00", end: "23:59",
			probes: []probe{
				{utc(2026, 6, 1, 0, 0), true},
				{utc(2026, 6, 1, 23, 58), true},
				{utc(2026, 6, 1, 23, 59), false},
			},
		},
		{
			name: "night of the spring jump in Chicago", zone: "America/Chicago", start: "22:00", end: "07:00",
			// 2026-03-08: 02:00 CST (08:00 UTC) becomes 03:00 CDT.
			probes: []probe{
				{utc(2026, 3, 8, 3, 59), false}, // 21:59 CST on the 7th
				{utc(2026, 3, 8, 4, 0), true},   // 22:00 CST
				{utc(2026, 3, 8, 7, 59), true},  // 01:59 CST
				{utc(2026, 3, 8, 8, 0), true},   // 03:00 CDT
				{utc(2026, 3, 8, 11, 59), true}, // 06:59 CDT
				{utc(2026, 3, 8, 12, 0), false}, // 07:00 CDT
				{utc(2026, 3, 8, 13, 0), false}, // 08:00 CDT
				{utc(2026, 3, 9, 2, 59), false}, // 21:59 CDT
				{utc(2026, 3, 9, 3, 0), true},   // 22:00 CDT
			},
		},
		{
			name: "fall-back night, 01:00 to 03:00, the repeated hour inside both times", zone: "America/Chicago", start: "01:00", end: "03:00",
			// 2026-11-01: 02:00 CDT (07:00 UTC) becomes 01:00 CST.
			probes: []probe{
				{utc(2026, 11, 1, 5, 59), false}, // 00:59 CDT
				{utc(2026, 11, 1, 6, 0), true},   // 01:00 CDT
				{utc(2026, 11, 1, 6, 30), true},  // 01:30 CDT
				{sec(utc(2026, 11, 1, 6, 59), 59), true},
				{utc(2026, 11, 1, 7, 0), true},  // 01:00 CST
				{utc(2026, 11, 1, 7, 30), true}, // 01:30 CST
				{utc(2026, 11, 1, 8, 0), true},  // 02:00 CST
				{utc(2026, 11, 1, 8, 59), true}, // 02:59 CST
				{utc(2026, 11, 1, 9, 0), false}, // 03:00 CST
			},
		},
		{
			name: "spring night, 01:00 to 03:00, the skipped hour", zone: "America/Chicago", start: "01:00", end: "03:00",
			probes: []probe{
				{utc(2026, 3, 8, 6, 59), false}, // 00:59 CST
				{utc(2026, 3, 8, 7, 0), true},   // 01:00 CST
				{utc(2026, 3, 8, 7, 59), true},  // 01:59 CST
				{utc(2026, 3, 8, 8, 0), false},  // 03:00 CDT
			},
		},
		{
			name: "span wholly inside the skipped hour never applies that night", zone: "America/Chicago", start: "02:00", end: "02:30",
			probes: []probe{
				{utc(2026, 3, 8, 7, 59), false}, // 01:59 CST
				{utc(2026, 3, 8, 8, 0), false},  // 03:00 CDT
				{utc(2026, 3, 9, 7, 0), true},   // 02:00 CDT the next night
			},
		},
		{
			name: "London fall-back night", zone: "Europe/London", start: "23:00", end: "01:30",
			// 2026-10-25: 02:00 BST (01:00 UTC) becomes 01:00 GMT.
			probes: []probe{
				{utc(2026, 10, 24, 21, 59), false}, // 22:59 BST
				{utc(2026, 10, 24, 22, 0), true},   // 23:00 BST
				{utc(2026, 10, 25, 0, 29), true},   // 01:29 BST
				{utc(2026, 10, 25, 0, 30), false},  // 01:30 BST
				{utc(2026, 10, 25, 1, 0), true},    // 01:00 GMT: the clock reads inside again
				{utc(2026, 10, 25, 1, 30), false},  // 01:30 GMT
			},
		},
		{
			name: "Sydney spring night", zone: "Australia/Sydney", start: "22:00", end: "07:00",
			// 2026-10-04: 02:00 AEST (16:00 UTC on the 3rd) becomes 03:00 AEDT.
			probes: []probe{
				{utc(2026, 10, 3, 11, 59), false}, // 21:59 AEST
				{utc(2026, 10, 3, 12, 0), true},   // 22:00 AEST
				{utc(2026, 10, 3, 16, 0), true},   // 03:00 AEDT
				{utc(2026, 10, 3, 19, 59), true},  // 06:59 AEDT
				{utc(2026, 10, 3, 20, 0), false},  // 07:00 AEDT
			},
		},
		{
			name: "Kolkata half-hour offset", zone: "Asia/Kolkata", start: "22:00", end: "07:00",
			probes: []probe{
				{utc(2026, 3, 8, 16, 29), false}, // 21:59 IST
				{utc(2026, 3, 8, 16, 30), true},  // 22:00 IST
				{utc(2026, 3, 9, 1, 29), true},   // 06:59 IST
				{utc(2026, 3, 9, 1, 30), false},  // 07:00 IST
			},
		},
	}
	tokyo := zone(t, "Asia/Tokyo")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			loc := zone(t, tc.zone)
			q := QuietHours{clock(t, tc.start), clock(t, tc.end)}
			for _, p := range tc.probes {
				if got := q.Contains(p.at, loc); got != p.want {
					t.Errorf("Contains(%s = %s local) = %v, want %v", p.at.Format(time.RFC3339), p.at.In(loc).Format("15:04:05 MST"), got, p.want)
				}
				// The zone the instant is written in must not matter.
				if got := q.Contains(p.at.In(tokyo), loc); got != p.want {
					t.Errorf("Contains(%s in Tokyo) = %v, want %v", p.at.Format(time.RFC3339), got, p.want)
				}
				if got := q.Contains(p.at.In(time.Local), loc); got != p.want {
					t.Errorf("Contains(%s in the machine zone) = %v, want %v", p.at.Format(time.RFC3339), got, p.want)
				}
			}
		})
	}
}

func TestQuietHoursInvalidClocksMeanNone(t *testing.T) {
	for _, q := range []QuietHours{{-1, 420}, {1320, 1440}, {0, 5000}} {
		at := utc(2026, 6, 1, 3, 0)
		if q.Contains(at, time.UTC) {
			t.Errorf("%v Contains 03:00", q)
		}
		if got := q.NextEnd(at, time.UTC); !got.Equal(at) {
			t.Errorf("%v NextEnd(03:00) = %s", q, got)
		}
	}
	if (QuietHours{0, 60}).Contains(utc(2026, 6, 1, 0, 30), nil) != true {
		t.Error("nil zone is not treated as UTC")
	}
}

func TestQuietHoursNextEnd(t *testing.T) {
	cases := []struct {
		name       string
		zone       string
		start, end string
		at, want   time.Time
	}{
		{"outside returns t", "UTC", "13:00", "15:00", utc(2026, 6, 1, 12, 0), utc(2026, 6, 1, 12, 0)},
		{"at End returns t", "UTC", "13:00", "15:00", utc(2026, 6, 1, 15, 0), utc(2026, 6, 1, 15, 0)},
		{"at Start", "UTC", "13:00", "15:00", utc(2026, 6, 1, 13, 0), utc(2026, 6, 1, 15, 0)},
		{"mid-span with seconds", "UTC", "13:00", "15:00", utc(2026, 6, 1, 14, 59).Add(59 * time.Second), utc(2026, 6, 1, 15, 0)},
		{"no quiet hours", "UTC", "09:00", "09:00", utc(2026, 6, 1, 9, 0), utc(2026, 6, 1, 9, 0)},
		{"before midnight, ends next morning", "America/Chicago", "22:00", "07:00", utc(2026, 1, 16, 4, 0), utc(2026, 1, 16, 13, 0)},
		{"after midnight, ends this morning", "America/Chicago", "22:00", "07:00", utc(2026, 1, 16, 9, 0), utc(2026, 1, 16, 13, 0)},
		{"spring night: 22:00 CST to 07:00 CDT is 8 hours", "America/Chicago", "22:00", "07:00", utc(2026, 3, 8, 4, 0), utc(2026, 3, 8, 12, 0)},
		{"spring night from after the jump", "America/Chicago", "22:00", "07:00", utc(2026, 3, 8, 9, 0), utc(2026, 3, 8, 12, 0)},
		{"fall-back night: 22:00 CDT to 07:00 CST is 10 hours", "America/Chicago", "22:00", "07:00", utc(2026, 11, 1, 3, 0), utc(2026, 11, 1, 13, 0)},
		{"fall-back 01:00-03:00 from the first 01:00", "America/Chicago", "01:00", "03:00", utc(2026, 11, 1, 6, 0), utc(2026, 11, 1, 9, 0)},
		{"fall-back 01:00-03:00 from the second 01:30", "America/Chicago", "01:00", "03:00", utc(2026, 11, 1, 7, 30), utc(2026, 11, 1, 9, 0)},
		{"spring 01:00-03:00 ends at the jump", "America/Chicago", "01:00", "03:00", utc(2026, 3, 8, 7, 0), utc(2026, 3, 8, 8, 0)},
		{"End skipped by the jump: ends at the jump", "America/Chicago", "22:00", "02:30", utc(2026, 3, 8, 5, 0), utc(2026, 3, 8, 8, 0)},
		{"End in the repeated hour: ends at its first reading", "America/Chicago", "22:00", "01:30", utc(2026, 11, 1, 4, 0), utc(2026, 11, 1, 6, 30)},
		{"inside again at the second reading", "America/Chicago", "22:00", "01:30", utc(2026, 11, 1, 7, 15), utc(2026, 11, 1, 7, 30)},
		{"London spring night", "Europe/London", "23:00", "07:00", utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 6, 0)},
		{"Sydney autumn night: 22:00 AEDT to 07:00 AEST", "Australia/Sydney", "22:00", "07:00", utc(2026, 4, 4, 11, 0), utc(2026, 4, 4, 21, 0)},
		{"Kolkata", "Asia/Kolkata", "22:00", "07:00", utc(2026, 3, 8, 16, 30), utc(2026, 3, 9, 1, 30)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			loc := zone(t, tc.zone)
			q := QuietHours{clock(t, tc.start), clock(t, tc.end)}
			got := q.NextEnd(tc.at, loc)
			if !got.Equal(tc.want) {
				t.Fatalf("NextEnd(%s) = %s (%s), want %s (%s)", tc.at, got.UTC(), got.In(loc), tc.want, tc.want.In(loc))
			}
			if q.Contains(got, loc) {
				t.Fatalf("NextEnd(%s) = %s is still quiet", tc.at, got.In(loc))
			}
			if got2 := q.NextEnd(tc.at.In(time.Local), loc); !got2.Equal(tc.want) {
				t.Fatalf("NextEnd in the machine zone = %s, want %s", got2, tc.want)
			}
		})
	}
}

// TestQuietHoursNextEndAgainstScan compares NextEnd with a minute-by-minute
// walk of the clock around each 2026 change in a range of zones, for many
// spans and starting instants (on and between whole minutes).
func TestQuietHoursNextEndAgainstScan(t *testing.T) {
	zones := []string{
		"America/Chicago", "Europe/London", "Australia/Sydney", "Asia/Kolkata",
		"Australia/Lord_Howe", "America/Santiago", "America/Havana", "Antarctica/Troll",
	}
	spans := [][2]string{
		{"22:00", "07:00"}, {"01:00", "03:00"}, {"02:00", "02:30"}, {"00:00", "01:00"},
		{"23:00", "00:30"}, {"01:30", "02:15"}, {"13:00", "14:00"}, {"22:00", "01:30"},
		{"02:30", "02:00"}, {"09:00", "09:00"},
	}
	for _, name := range zones {
		loc := zone(t, name)
		for _, day := range daysAroundChanges(loc, 2026) {
			from := day.Add(-18 * time.Hour)
			const n = 48 * 60    // starting minutes tested
			const tail = 26 * 60 // further minutes, long enough for any span to end
			for _, sp := range spans {
				q := QuietHours{clock(t, sp[0]), clock(t, sp[1])}
				// next[i] is the first whole minute at or after minute i
				// that is outside the quiet hours.
				next := make([]time.Time, n+tail)
				for i := len(next) - 1; i >= 0; i-- {
					at := from.Add(time.Duration(i) * time.Minute)
					if !q.Contains(at, loc) || i == len(next)-1 {
						next[i] = at
					} else {
						next[i] = next[i+1]
					}
				}
				for i := 0; i < n; i += 7 {
					at := from.Add(time.Duration(i) * time.Minute)
					if got := q.NextEnd(at, loc); !got.Equal(next[i]) {
						t.Fatalf("%s %v NextEnd(%s) = %s, scan says %s", name, q, at.In(loc), got.In(loc), next[i].In(loc))
					}
					// Part way through the minute, the clock shows the same
					// reading, so the answer is the same unless it was the
					// instant itself.
					mid := at.Add(17*time.Second + 3)
					want := mid
					if q.Contains(mid, loc) {
						want = next[i+1]
					}
					if got := q.NextEnd(mid, loc); !got.Equal(want) {
						t.Fatalf("%s %v NextEnd(%s) = %s, scan says %s", name, q, mid.In(loc), got.In(loc), want.In(loc))
					}
				}
			}
		}
	}
}
