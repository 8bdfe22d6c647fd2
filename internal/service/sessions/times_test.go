package sessions

import (
	"errors"
	"testing"
	"time"

	"github.com/processgroup/api/internal/platform/apperr"
)

// frozen is a clock that does not move, for limits checked to the second.
type frozen time.Time

func (f frozen) Now() time.Time       { return time.Time(f) }
func (f frozen) NowOrNil() *time.Time { t := time.Time(f); return &t }

// TestCheckTimes pins the limits of a session: it starts in the future (not now) and
// within MaxAhead, and lasts 15 to 480 minutes; an error names the field at fault.
func TestCheckTimes(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	s := New(nil, frozen(now), 28*24*time.Hour)
	cases := []struct {
		name    string
		start   time.Time
		minutes int
		field   string
	}{
		{"tomorrow, 90 minutes", now.Add(24 * time.Hour), 90, ""},
		{"a second from now", now.Add(time.Second), 90, ""},
		{"now", now, 90, "startsAt"},
		{"a second ago", now.Add(-time.Second), 90, "startsAt"},
		{"at the farthest", now.Add(MaxAhead), 90, ""},
		{"a second too far", now.Add(MaxAhead + time.Second), 90, "startsAt"},
		{"15 minutes", now.Add(time.Hour), MinMinutes, ""},
		{"14 minutes", now.Add(time.Hour), MinMinutes - 1, "durationMinutes"},
		{"480 minutes", now.Add(time.Hour), MaxMinutes, ""},
		{"481 minutes", now.Add(time.Hour), MaxMinutes + 1, "durationMinutes"},
		{"no time", now.Add(time.Hour), 0, "durationMinutes"},
		{"both wrong: the duration first", now.Add(-time.Hour), 0, "durationMinutes"},
	}
	for _, c := range cases {
		err := s.checkTimes("startsAt", c.start, c.minutes)
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.BadUserInput || ae.Field != c.field {
			t.Errorf("%s: %v, want BAD_USER_INPUT on %s", c.name, err, c.field)
		}
	}
}
