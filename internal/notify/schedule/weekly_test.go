package schedule

import (
	"fmt"
	"testing"
	"time"
)

// occ is an expected occurrence: its key and its start in UTC.
type occ struct {
	key   string
	start time.Time
}

func TestOccurrences(t *testing.T) {
	const dur = 90 * time.Minute
	tue1800 := func(t *testing.T) Weekly { return Weekly{time.Tuesday, clock(t, "18:00"), dur} }

	cases := []struct {
		name         string
		zone         string
		slot         func(t *testing.T) Weekly
		after, until time.Time
		want         []occ
	}{
		// America/Chicago: CST (-6) until 2026-03-08, CDT (-5) until 2026-11-01.
		{
			name: "Chicago spring forward week", zone: "America/Chicago", slot: tue1800,
			after: utc(2026, 3, 1, 0, 0), until: utc(2026, 3, 15, 0, 0),
			want: []occ{
				{"2026-03-03", utc(2026, 3, 4, 0, 0)},
				{"2026-03-10", utc(2026, 3, 10, 23, 0)},
			},
		},
		{
			name: "Chicago fall back week", zone: "America/Chicago", slot: tue1800,
			after: utc(2026, 10, 25, 0, 0), until: utc(2026, 11, 8, 0, 0),
			want: []occ{
				{"2026-10-27", utc(2026, 10, 27, 23, 0)},
				{"2026-11-03", utc(2026, 11, 4, 0, 0)},
			},
		},
		// Europe/London: GMT (+0) until 2026-03-29, BST (+1) until 2026-10-25.
		{
			name: "London spring forward week", zone: "Europe/London",
			slot:  func(t *testing.T) Weekly { return Weekly{time.Tuesday, clock(t, "19:00"), dur} },
			after: utc(2026, 3, 22, 0, 0), until: utc(2026, 4, 5, 0, 0),
			want: []occ{
				{"2026-03-24", utc(2026, 3, 24, 19, 0)},
				{"2026-03-31", utc(2026, 3, 31, 18, 0)},
			},
		},
		{
			name: "London Sunday morning on the change day", zone: "Europe/London",
			slot:  func(t *testing.T) Weekly { return Weekly{time.Sunday, clock(t, "09:00"), dur} },
			after: utc(2026, 3, 21, 0, 0), until: utc(2026, 3, 30, 0, 0),
			want: []occ{
				{"2026-03-22", utc(2026, 3, 22, 9, 0)},
				{"2026-03-29", utc(2026, 3, 29, 8, 0)},
			},
		},
		{
			name: "London fall back week", zone: "Europe/London",
			slot:  func(t *testing.T) Weekly { return Weekly{time.Tuesday, clock(t, "19:00"), dur} },
			after: utc(2026, 10, 18, 0, 0), until: utc(2026, 11, 1, 0, 0),
			want: []occ{
				{"2026-10-20", utc(2026, 10, 20, 18, 0)},
				{"2026-10-27", utc(2026, 10, 27, 19, 0)},
			},
		},
		// Australia/Sydney: AEDT (+11) until 2026-04-05, AEST (+10) until
		// 2026-10-04. The UTC date is the day before the local date, and the
		// key must be the local one.
		{
			name: "Sydney daylight time ends", zone: "Australia/Sydney",
			slot:  func(t *testing.T) Weekly { return Weekly{time.Monday, clock(t, "07:30"), dur} },
			after: utc(2026, 3, 28, 0, 0), until: utc(2026, 4, 11, 0, 0),
			want: []occ{
				{"2026-03-30", utc(2026, 3, 29, 20, 30)},
				{"2026-04-06", utc(2026, 4, 5, 21, 30)},
			},
		},
		{
			name: "Sydney daylight time starts", zone: "Australia/Sydney",
			slot:  func(t *testing.T) Weekly { return Weekly{time.Monday, clock(t, "07:30"), dur} },
			after: utc(2026, 9, 26, 0, 0), until: utc(2026, 10, 10, 0, 0),
			want: []occ{
				{"2026-09-28", utc(2026, 9, 27, 21, 30)},
				{"2026-10-05", utc(2026, 10, 4, 20, 30)},
			},
		},
		// Asia/Kolkata: +05:30 all year.
		{
			name: "Kolkata across the US change", zone: "Asia/Kolkata", slot: tue1800,
			after: utc(2026, 3, 1, 0, 0), until: utc(2026, 3, 15, 0, 0),
			want: []occ{
				{"2026-03-03", utc(2026, 3, 3, 12, 30)},
				{"2026-03-10", utc(2026, 3, 10, 12, 30)},
			},
		},
		{
			name: "Kolkata early morning keys the local date", zone: "Asia/Kolkata",
			slot:  func(t *testing.T) Weekly { return Weekly{time.Wednesday, clock(t, "03:00"), dur} },
			after: utc(2026, 3, 1, 0, 0), until: utc(2026, 3, 10, 0, 0),
			want: []occ{
				{"2026-03-04", utc(2026, 3, 3, 21, 30)},
			},
		},
		// Clock readings skipped or repeated by the change.
		{
			name: "Chicago 02:30 skipped on 2026-03-08 moves to 03:30 CDT", zone: "America/Chicago",
			slot:  func(t *testing.T) Weekly { return Weekly{time.Sunday, clock(t, "02:30"), dur} },
			after: utc(2026, 2, 28, 0, 0), until: utc(2026, 3, 16, 0, 0),
			want: []occ{
				{"2026-03-01", utc(2026, 3, 1, 8, 30)},
				{"2026-03-08", utc(2026, 3, 8, 8, 30)},
				{"2026-03-15", utc(2026, 3, 15, 7, 30)},
			},
		},
		{
			name: "Chicago 01:30 repeated on 2026-11-01 takes CDT", zone: "America/Chicago",
			slot:  func(t *testing.T) Weekly { return Weekly{time.Sunday, clock(t, "01:30"), dur} },
			after: utc(2026, 10, 24, 0, 0), until: utc(2026, 11, 9, 0, 0),
			want: []occ{
				{"2026-10-25", utc(2026, 10, 25, 6, 30)},
				{"2026-11-01", utc(2026, 11, 1, 6, 30)},
				{"2026-11-08", utc(2026, 11, 8, 7, 30)},
			},
		},
		{
			name: "London 01:30 skipped on 2026-03-29", zone: "Europe/London",
			slot:  func(t *testing.T) Weekly { return Weekly{time.Sunday, clock(t, "01:30"), dur} },
			after: utc(2026, 3, 28, 0, 0), until: utc(2026, 3, 30, 0, 0),
			want: []occ{{"2026-03-29", utc(2026, 3, 29, 1, 30)}},
		},
		{
			name: "London 01:30 repeated on 2026-10-25 takes BST", zone: "Europe/London",
			slot:  func(t *testing.T) Weekly { return Weekly{time.Sunday, clock(t, "01:30"), dur} },
			after: utc(2026, 10, 24, 0, 0), until: utc(2026, 10, 26, 0, 0),
			want: []occ{{"2026-10-25", utc(2026, 10, 25, 0, 30)}},
		},
		{
			name: "Sydney 02:30 skipped on 2026-10-04", zone: "Australia/Sydney",
			slot:  func(t *testing.T) Weekly { return Weekly{time.Sunday, clock(t, "02:30"), dur} },
			after: utc(2026, 10, 3, 0, 0), until: utc(2026, 10, 5, 0, 0),
			want: []occ{{"2026-10-04", utc(2026, 10, 3, 16, 30)}},
		},
		{
			name: "Sydney 02:30 repeated on 2026-04-05 takes AEDT", zone: "Australia/Sydney",
			slot:  func(t *testing.T) Weekly { return Weekly{time.Sunday, clock(t, "02:30"), dur} },
			after: utc(2026, 4, 4, 0, 0), until: utc(2026, 4, 6, 0, 0),
			want: []occ{{"2026-04-05", utc(2026, 4, 4, 15, 30)}},
		},
		// Bounds: after is exclusive, until inclusive.
		{
			name: "after equal to a start leaves it out, until equal to a start keeps it", zone: "America/Chicago", slot: tue1800,
			after: utc(2026, 3, 4, 0, 0), until: utc(2026, 3, 17, 23, 0),
			want: []occ{
				{"2026-03-10", utc(2026, 3, 10, 23, 0)},
				{"2026-03-17", utc(2026, 3, 17, 23, 0)},
			},
		},
		{
			name: "after just before a start keeps it", zone: "America/Chicago", slot: tue1800,
			after: utc(2026, 3, 4, 0, 0).Add(-time.Nanosecond), until: utc(2026, 3, 4, 0, 0),
			want: []occ{{"2026-03-03", utc(2026, 3, 4, 0, 0)}},
		},
		{
			name: "until just before a start leaves it out", zone: "America/Chicago", slot: tue1800,
			after: utc(2026, 3, 1, 0, 0), until: utc(2026, 3, 10, 23, 0).Add(-time.Nanosecond),
			want: []occ{{"2026-03-03", utc(2026, 3, 4, 0, 0)}},
		},
		{
			name: "empty range on a start", zone: "America/Chicago", slot: tue1800,
			after: utc(2026, 3, 4, 0, 0), until: utc(2026, 3, 4, 0, 0),
		},
		{
			name: "until before after", zone: "America/Chicago", slot: tue1800,
			after: utc(2026, 3, 20, 0, 0), until: utc(2026, 3, 1, 0, 0),
		},
		{
			name: "range between two sessions", zone: "America/Chicago", slot: tue1800,
			after: utc(2026, 3, 4, 0, 0), until: utc(2026, 3, 10, 22, 59),
		},
		{
			name: "invalid weekday", zone: "America/Chicago",
			slot:  func(t *testing.T) Weekly { return Weekly{time.Weekday(7), clock(t, "18:00"), dur} },
			after: utc(2026, 3, 1, 0, 0), until: utc(2026, 4, 1, 0, 0),
		},
		{
			name: "invalid start clock", zone: "America/Chicago",
			slot:  func(t *testing.T) Weekly { return Weekly{time.Tuesday, Clock(1440), dur} },
			after: utc(2026, 3, 1, 0, 0), until: utc(2026, 4, 1, 0, 0),
		},
		// Eight weeks from Sunday 2026-02-01 00:00 CST to Sunday 2026-03-29
		// 00:00 CDT, spanning the spring change.
		{
			name: "eight weeks give eight sessions", zone: "America/Chicago", slot: tue1800,
			after: utc(2026, 2, 1, 6, 0), until: utc(2026, 3, 29, 5, 0),
			want: []occ{
				{"2026-02-03", utc(2026, 2, 4, 0, 0)},
				{"2026-02-10", utc(2026, 2, 11, 0, 0)},
				{"2026-02-17", utc(2026, 2, 18, 0, 0)},
				{"2026-02-24", utc(2026, 2, 25, 0, 0)},
				{"2026-03-03", utc(2026, 3, 4, 0, 0)},
				{"2026-03-10", utc(2026, 3, 10, 23, 0)},
				{"2026-03-17", utc(2026, 3, 17, 23, 0)},
				{"2026-03-24", utc(2026, 3, 24, 23, 0)},
			},
		},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			loc := zone(t, tc.zone)
			w := tc.slot(t)
			got := Occurrences(w, loc, tc.after, tc.until)
			checkOccurrences(t, got, tc.want, w.Duration)

			// The zones after and until are written in must not matter,
			// nor the machine's own zone.
			tokyo := zone(t, "Asia/Tokyo")
			again := Occurrences(w, loc, tc.after.In(tokyo), tc.until.In(time.Local))
			checkOccurrences(t, again, tc.want, w.Duration)
		})
	}
}

// checkOccurrences compares got with want and checks the fields that follow
// from the rules: UTC starts, End = Start + d, starts strictly increasing.
func checkOccurrences(t *testing.T, got []Occurrence, want []occ, d time.Duration) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d occurrences, want %d:\n got %s\nwant %v", len(got), len(want), fmtOccs(got), want)
	}
	for i, o := range got {
		if o.Key != want[i].key || !o.Start.Equal(want[i].start) {
			t.Errorf("occurrence %d = %s %s, want %s %s", i, o.Key, o.Start, want[i].key, want[i].start)
		}
		if o.Start.Location() != time.UTC || o.End.Location() != time.UTC {
			t.Errorf("occurrence %d not in UTC: %s .. %s", i, o.Start, o.End)
		}
		if !o.End.Equal(o.Start.Add(d)) {
			t.Errorf("occurrence %d ends %s, want %s", i, o.End, o.Start.Add(d))
		}
		if i > 0 && !o.Start.After(got[i-1].Start) {
			t.Errorf("occurrence %d (%s) not after the one before (%s)", i, o.Start, got[i-1].Start)
		}
	}
}

func fmtOccs(os []Occurrence) string {
	s := "["
	for _, o := range os {
		s += fmt.Sprintf(" %s@%s", o.Key, o.Start.Format(time.RFC3339))
	}
	return s + " ]"
}

// TestOccurrencesKeepLocalClock walks a year of weekly slots in several
// zones and checks that each session shows the slot's clock on its key date,
// or, where that reading is skipped, lands just after the jump.
func TestOccurrencesKeepLocalClock(t *testing.T) {
	zones := []string{"America/Chicago", "Europe/London", "Australia/Sydney", "Asia/Kolkata", "Australia/Lord_Howe", "America/Santiago"}
	clocks := []string{"00:00", "00:30", "01:30", "02:00", "02:30", "18:00", "23:59"}
	for _, name := range zones {
		loc := zone(t, name)
		for wd := time.Sunday; wd <= time.Saturday; wd++ {
			for _, cs := range clocks {
				w := Weekly{wd, clock(t, cs), time.Hour}
				got := Occurrences(w, loc, utc(2026, 1, 1, 0, 0), utc(2027, 1, 1, 0, 0))
				if len(got) < 52 || len(got) > 53 {
					t.Fatalf("%s %s %s: %d occurrences in 2026", name, wd, cs, len(got))
				}
				for i, o := range got {
					local := o.Start.In(loc)
					if i > 0 {
						prev, _ := time.Parse(time.DateOnly, got[i-1].Key)
						if next := prev.AddDate(0, 0, 7).Format(time.DateOnly); o.Key != next {
							t.Fatalf("%s %s %s: key %s follows %s", name, wd, cs, o.Key, got[i-1].Key)
						}
					}
					if local.Format("15:04") == cs && local.Format(time.DateOnly) == o.Key {
						if local.Weekday() != wd {
							t.Fatalf("%s %s %s: %s falls on %s", name, wd, cs, o.Key, local.Weekday())
						}
						continue
					}
					// Otherwise the reading must be skipped on that date: the
					// session starts in the zone period just begun by a jump
					// forward over it, as far after the jump as the reading
					// is after the clock reading just before the jump.
					jump, _ := local.ZoneBounds()
					pre := jump.Add(-time.Nanosecond).In(loc)
					post := jump.In(loc)
					const f = time.DateOnly + " 15:04"
					target := o.Key + " " + cs
					if !(pre.Format(f) < target && target < post.Format(f)) {
						t.Fatalf("%s %s %s: session %s starts at %s local, and %s is not skipped",
							name, wd, cs, o.Key, local, cs)
					}
					wantWall, _ := time.Parse(f, target)
					jumpWall, _ := time.Parse(f, jump.Add(-time.Minute).In(loc).Format(f))
					if d := o.Start.Sub(jump); d != wantWall.Sub(jumpWall.Add(time.Minute)) {
						t.Fatalf("%s %s %s: session %s starts %s after the jump, want %s",
							name, wd, cs, o.Key, d, wantWall.Sub(jumpWall.Add(time.Minute)))
					}
				}
			}
		}
	}
}
