// Package schedule works out when weekly group sessions happen and when
// push notifications must wait for quiet hours to end.
//
// Everything here is defined by the local wall clock of a time zone, so a
// session at 18:00 stays at 18:00 local time when daylight saving time starts
// or ends, and its instant in UTC moves instead. Results never depend on the
// zone of the machine the code runs on.
//
// Two local clock readings need a rule of their own:
//
//   - A reading that does not exist on a date, because the clocks jump
//     forward over it (02:30 on 2026-03-08 in America/Chicago), is moved
//     forward by the length of the jump: 02:30 becomes 03:30.
//   - A reading that happens twice on a date, because the clocks go back
//     (01:30 on 2026-11-01 in America/Chicago), means the first of the two
//     instants, the one still on daylight saving time.
//
// The standard library's time.Date does not promise either choice (it picks
// differently depending on the zone), so LocalTime applies these rules itself.
package schedule

import (
	"errors"
	"fmt"
)

// Clock is a local wall-clock time of day, counted in minutes since
// midnight. Valid values run from 0 (00:00) to 1439 (23:59).
type Clock int

// minutesPerDay is the number of distinct Clock values.
const minutesPerDay = 24 * 60

// ErrInvalidClock is the error ParseClock returns (wrapped, with the bad
// input quoted) for text that is not a strict "HH:MM" time of day.
var ErrInvalidClock = errors.New(`invalid time of day: want "HH:MM" from 00:00 to 23:59`)

// ParseClock reads a time of day written as "HH:MM" on the 24-hour clock,
// with exactly two digits for the hour and two for the minute, from "00:00"
// to "23:59". Anything else, such as "24:00", "7:00", "12:60" or text with
// spaces around it, is rejected with an error that wraps ErrInvalidClock.
func ParseClock(s string) (Clock, error) {
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("schedule: %q: %w", s, ErrInvalidClock)
	}
	h, okH := twoDigits(s[0], s[1])
	m, okM := twoDigits(s[3], s[4])
	if !okH || !okM || h > 23 || m > 59 {
		return 0, fmt.Errorf("schedule: %q: %w", s, ErrInvalidClock)
	}
	return Clock(h*60 + m), nil
}

// twoDigits returns the number written by two ASCII digits, and false if
// either byte is not a digit.
func twoDigits(a, b byte) (int, bool) {
	if a < '0' || a > '9' || b < '0' || b > '9' {
		return 0, false
	}
	return int(a-'0')*10 + int(b-'0'), true
}

// Valid reports whether c is a time of day from 00:00 to 23:59.
func (c Clock) Valid() bool {
	return c >= 0 && c < minutesPerDay
}

// String writes c as "HH:MM", the form ParseClock reads. A value outside
// 00:00..23:59 is written as "Clock(N)" so that it cannot pass for a real
// time of day.
func (c Clock) String() string {
	if !c.Valid() {
		return fmt.Sprintf("Clock(%d)", int(c))
	}
	return fmt.Sprintf("%02d:%02d", c.Hour(), c.Minute())
}

// Hour returns the hour of c, from 0 to 23 for a valid Clock.
func (c Clock) Hour() int {
	return int(c) / 60
}

// Minute returns the minute within the hour of c, from 0 to 59 for a valid
// Clock.
func (c Clock) Minute() int {
	return int(c) % 60
}
