package schedule

import (
	"testing"
	"time"
)

func TestLocalTime(t *testing.T) {
	cases := []struct {
		name      string
		zone      string
		y         int
		m         time.Month
		d         int
		clock     string
		wantUTC   time.Time
		wantLocal string // the result as shown in the zone
	}{
		{"Chicago ordinary winter day", "America/Chicago", 2026, 1, 15, "18:00", utc(2026, 1, 16, 0, 0), "2026-01-15 18:00 CST"},
		{"Chicago ordinary summer day", "America/Chicago", 2026, 7, 15, "18:00", utc(2026, 7, 15, 23, 0), "2026-07-15 18:00 CDT"},
		{"Chicago just before the jump", "America/Chicago", 2026, 3, 8, "01:59", utc(2026, 3, 8, 7, 59), "2026-03-08 01:59 CST"},
		{"Chicago skipped 02:00 moves to 03:00", "America/Chicago", 2026, 3, 8, "02:00", utc(2026, 3, 8, 8, 0), "2026-03-08 03:00 CDT"},
		{"Chicago skipped 02:30 moves to 03:30", "America/Chicago", 2026, 3, 8, "02:30", utc(2026, 3, 8, 8, 30), "2026-03-08 03:30 CDT"},
		{"Chicago skipped 02:59 moves to 03:59", "America/Chicago", 2026, 3, 8, "02:59", utc(2026, 3, 8, 8, 59), "2026-03-08 03:59 CDT"},
		{"Chicago 03:00 after the jump", "America/Chicago", 2026, 3, 8, "03:00", utc(2026, 3, 8, 8, 0), "2026-03-08 03:00 CDT"},
		{"Chicago repeated 01:00 takes CDT", "America/Chicago", 2026, 11, 1, "01:00", utc(2026, 11, 1, 6, 0), "2026-11-01 01:00 CDT"},
		{"Chicago repeated 01:30 takes CDT", "America/Chicago", 2026, 11, 1, "01:30", utc(2026, 11, 1, 6, 30), "2026-11-01 01:30 CDT"},
		{"Chicago 02:00 after falling back", "America/Chicago", 2026, 11, 1, "02:00", utc(2026, 11, 1, 8, 0), "2026-11-01 02:00 CST"},
		{"London skipped 01:30", "Europe/London", 2026, 3, 29, "01:30", utc(2026, 3, 29, 1, 30), "2026-03-29 02:30 BST"},
		{"London repeated 01:30 takes BST", "Europe/London", 2026, 10, 25, "01:30", utc(2026, 10, 25, 0, 30), "2026-10-25 01:30 BST"},
		{"Sydney skipped 02:30", "Australia/Sydney", 2026, 10, 4, "02:30", utc(2026, 10, 3, 16, 30), "2026-10-04 03:30 AEDT"},
		{"Sydney repeated 02:30 takes AEDT", "Australia/Sydney", 2026, 4, 5, "02:30", utc(2026, 4, 4, 15, 30), "2026-04-05 02:30 AEDT"},
		{"Lord Howe skipped 02:15 (half-hour jump)", "Australia/Lord_Howe", 2026, 10, 4, "02:15", utc(2026, 10, 3, 15, 45), "2026-10-04 02:45 +11"},
		{"Lord Howe repeated 01:45 takes +11", "Australia/Lord_Howe", 2026, 4, 5, "01:45", utc(2026, 4, 4, 14, 45), "2026-04-05 01:45 +11"},
		{"Kolkata", "Asia/Kolkata", 2026, 3, 8, "02:30", utc(2026, 3, 7, 21, 0), "2026-03-08 02:30 IST"},
		{"Santiago skipped midnight", "America/Santiago", 2026, 9, 6, "00:30", utc(2026, 9, 6, 4, 30), "2026-09-06 01:30 -03"},
		{"Troll skipped two hours", "Antarctica/Troll", 2026, 3, 29, "01:30", utc(2026, 3, 29, 1, 30), "2026-03-29 03:30 +02"},
		{"Troll repeated two hours takes +02", "Antarctica/Troll", 2026, 10, 25, "01:30", utc(2026, 10, 24, 23, 30), "2026-10-25 01:30 +02"},
		{"day carried into the next month", "UTC", 2026, 1, 32, "12:00", utc(2026, 2, 1, 12, 0), "2026-02-01 12:00 UTC"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			loc := zone(t, tc.zone)
			got := LocalTime(tc.y, tc.m, tc.d, clock(t, tc.clock), loc)
			if !got.Equal(tc.wantUTC) {
				t.Errorf("LocalTime = %s (%s), want %s", got, got.UTC(), tc.wantUTC)
			}
			if s := got.Format("2006-01-02 15:04 MST"); s != tc.wantLocal {
				t.Errorf("LocalTime shows %q, want %q", s, tc.wantLocal)
			}
		})
	}
	if got := LocalTime(2026, 3, 8, clock(t, "02:30"), nil); !got.Equal(utc(2026, 3, 8, 2, 30)) {
		t.Errorf("LocalTime with nil zone = %s, want 02:30 UTC", got)
	}
}

// TestLocalTimeAgainstScan checks every clock reading of every day around
// each 2026 change, in a range of zones, against a plain minute-by-minute
// scan of the zone: the first instant that shows the reading, or when none
// does, the reading moved forward by the jump that skips it.
func TestLocalTimeAgainstScan(t *testing.T) {
	zones := []string{
		"America/Chicago", "Europe/London", "Australia/Sydney", "Asia/Kolkata",
		"Australia/Lord_Howe", "America/Santiago", "America/Havana", "Antarctica/Troll",
		"Pacific/Chatham", "America/St_Johns", "Asia/Tokyo", "UTC",
	}
	for _, name := range zones {
		loc := zone(t, name)
		for _, day := range daysAroundChanges(loc, 2026) {
			// Scan every minute from 30 hours before the day to 54 hours
			// after it, in time order: note the first instant showing each
			// reading, and for each reading skipped by a jump forward, the
			// offset in force just before the jump.
			first := map[time.Time]time.Time{}
			skippedOff := map[time.Time]int{}
			var prevWall time.Time
			prevOff := 0
			for at := day.Add(-30 * time.Hour); at.Before(day.Add(54 * time.Hour)); at = at.Add(time.Minute) {
				_, off := at.In(loc).Zone()
				wall := at.Add(seconds(off))
				if _, ok := first[wall]; !ok {
					first[wall] = at
				}
				if !prevWall.IsZero() {
					for w := prevWall.Add(time.Minute); w.Before(wall); w = w.Add(time.Minute) {
						skippedOff[w] = prevOff
					}
				}
				prevWall, prevOff = wall, off
			}
			for c := Clock(0); c < minutesPerDay; c++ {
				wall := day.Add(time.Duration(c) * time.Minute)
				want, ok := first[wall]
				if !ok {
					off, skipped := skippedOff[wall]
					if !skipped {
						t.Fatalf("%s %s %s: scan found nothing", name, day.Format(time.DateOnly), c)
					}
					want = wall.Add(-seconds(off))
				}
				y, m, d := day.Date()
				if got := LocalTime(y, m, d, c, loc); !got.Equal(want) {
					t.Fatalf("%s %s %s: LocalTime = %s, scan says %s", name, day.Format(time.DateOnly), c, got, want.In(loc))
				}
			}
		}
	}
}

// daysAroundChanges lists, as UTC midnights standing for local dates, the
// local dates in year y on which loc changes its offset, with the day before
// and after each, plus one ordinary mid-January day.
func daysAroundChanges(loc *time.Location, y int) []time.Time {
	days := []time.Time{time.Date(y, 1, 15, 0, 0, 0, 0, time.UTC)}
	at := time.Date(y, 1, 1, 0, 0, 0, 0, loc)
	for {
		_, end := at.ZoneBounds()
		if end.IsZero() || end.Year() > y {
			return days
		}
		ly, lm, ld := end.Add(-time.Nanosecond).In(loc).Date()
		for k := -1; k <= 1; k++ {
			days = append(days, time.Date(ly, lm, ld+k, 0, 0, 0, 0, time.UTC))
		}
		at = end
	}
}
