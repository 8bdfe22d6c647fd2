package digest

import (
	"math"
	"testing"
	"time"
)

// TestTenths pins the one-decimal rounding of the digest: half away from zero, exact at the
// halfway points (the numbers are integer ratios), and never a negative zero.
func TestTenths(t *testing.T) {
	t.Parallel()
	cases := []struct {
		num, den int
		want     float64
	}{
		{7, 1, 7},
		{13, 2, 6.5},
		{1, 3, 0.3},
		{2, 3, 0.7},
		{1, 20, 0.1},     // 0.05: half, away from zero
		{-1, 20, -0.1},   // -0.05: half, away from zero
		{3, 20, 0.2},     // 0.15
		{-3, 20, -0.2},   // -0.15
		{139, 20, 7},     // 6.95: rounds up to the high-craving threshold
		{347, 50, 6.9},   // 6.94
		{-59, 20, -3},    // -2.95: rounds to the mood-drop threshold
		{-147, 50, -2.9}, // -2.94
		{1, 40, 0},       // 0.025
		{-1, 40, 0},      // -0.025: zero, not -0
		{0, 7, 0},
		{1001, 1000, 1},
		{1005, 1000, 1},   // 1.005 rounds to 1.0 (tenths, not hundredths)
		{1050, 1000, 1.1}, // 1.05: half, away from zero
	}
	for _, c := range cases {
		got := tenths(c.num, c.den)
		if got != c.want {
			t.Errorf("tenths(%d, %d) = %v, want %v", c.num, c.den, got, c.want)
		}
		if got == 0 && math.Signbit(got) {
			t.Errorf("tenths(%d, %d) = -0, want 0", c.num, c.den)
		}
	}
}

// TestAverageAndChange pins the averages and changes as the digest shows them: the average
// of the period rounded, and the change as the exact difference of the two averages,
// rounded once (not the difference of two rounded averages).
func TestAverageAndChange(t *testing.T) {
	t.Parallel()
	avgs := []struct {
		sum, n int
		want   float64
	}{
		{12, 2, 6},
		{11, 2, 5.5},
		{10, 3, 3.3},
		{20, 3, 6.7},
	}
	for _, c := range avgs {
		if got := avg(c.sum, c.n); got == nil || *got != c.want {
			t.Errorf("avg(%d, %d) = %v, want %v", c.sum, c.n, deref(got), c.want)
		}
	}
	changes := []struct {
		name                string
		sum, n, prevSum, pn int
		want                float64
	}{
		{"no change", 10, 2, 15, 3, 0},
		{"up one", 14, 2, 6, 1, 1},
		{"down three", 4, 1, 14, 2, -3},
		{"exact difference, rounded once", 1, 3, 1, 4, 0.1}, // 1/3 - 1/4 = 0.083; rounded averages 0.3 and 0.3 differ by 0
		{"halfway down: away from zero", 101, 20, 8, 1, -3}, // 5.05 - 8 = -2.95
		{"just short of three", 253, 50, 8, 1, -2.9},        // 5.06 - 8 = -2.94
	}
	for _, c := range changes {
		if got := change(c.sum, c.n, c.prevSum, c.pn); got == nil || *got != c.want {
			t.Errorf("%s: change(%d/%d against %d/%d) = %v, want %v", c.name, c.sum, c.n, c.prevSum, c.pn, deref(got), c.want)
		}
	}
}

// TestCalendarDays pins "days since" as calendar days in the group's zone: dates, not
// 24-hour spans, in that zone, not in UTC, and not shifted by a daylight-saving change.
func TestCalendarDays(t *testing.T) {
	t.Parallel()
	chicago := zone(t, "America/Chicago")
	tokyo := zone(t, "Asia/Tokyo")
	at := func(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, loc)
	}
	cases := []struct {
		name string
		a, b time.Time
		loc  *time.Location
		want int
	}{
		{"same day", at(chicago, 2026, 3, 2, 0, 5), at(chicago, 2026, 3, 2, 23, 55), chicago, 0},
		{"two minutes over midnight", at(chicago, 2026, 3, 2, 23, 59), at(chicago, 2026, 3, 3, 0, 1), chicago, 1},
		{"23 hours within one date", at(chicago, 2026, 3, 2, 0, 30), at(chicago, 2026, 3, 2, 23, 30), chicago, 0},
		{"one date in UTC, two in Chicago", time.Date(2026, 3, 3, 5, 0, 0, 0, time.UTC), time.Date(2026, 3, 3, 7, 0, 0, 0, time.UTC), chicago, 1},
		{"two dates in UTC, one in Tokyo", time.Date(2026, 3, 2, 23, 0, 0, 0, time.UTC), time.Date(2026, 3, 3, 1, 0, 0, 0, time.UTC), tokyo, 0},
		{"across the spring change (47 hours)", at(chicago, 2026, 3, 7, 12, 0), at(chicago, 2026, 3, 9, 12, 0), chicago, 2},
		{"across the autumn change (49 hours)", at(chicago, 2026, 10, 31, 0, 30), at(chicago, 2026, 11, 2, 0, 30), chicago, 2},
		{"fourteen dates, thirteen days and an hour", at(chicago, 2026, 3, 1, 23, 30), at(chicago, 2026, 3, 15, 0, 30), chicago, 14},
		{"a year over a leap day", at(chicago, 2027, 6, 1, 9, 0), at(chicago, 2028, 6, 1, 9, 0), chicago, 366},
	}
	for _, c := range cases {
		if got := calendarDays(c.a, c.b, c.loc); got != c.want {
			t.Errorf("%s: calendarDays(%v, %v) = %d, want %d", c.name, c.a, c.b, got, c.want)
		}
	}
}

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}
