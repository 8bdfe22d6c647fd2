package schedule

import (
	"testing"
	"time"

	// Zone data built into the test binary, so the tests run the same on a
	// machine without a zoneinfo database.
	_ "time/tzdata"
)

// zone loads a named zone or stops the test.
func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load zone %s: %v", name, err)
	}
	return loc
}

// utc is a short way to write an instant in UTC.
func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

// clock parses a "HH:MM" literal or stops the test.
func clock(t *testing.T, s string) Clock {
	t.Helper()
	c, err := ParseClock(s)
	if err != nil {
		t.Fatalf("ParseClock(%q): %v", s, err)
	}
	return c
}
