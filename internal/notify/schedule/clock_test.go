package schedule

import (
	"errors"
	"strconv"
	"testing"
)

func TestParseClock(t *testing.T) {
	good := []struct {
		in           string
		want         Clock
		hour, minute int
	}{
		{"00:00", 0, 0, 0},
		{"00:01", 1, 0, 1},
		{"07:00", 420, 7, 0},
		{"12:00", 720, 12, 0},
		{"18:30", 1110, 18, 30},
		{"23:59", 1439, 23, 59},
	}
	for _, tc := range good {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseClock(tc.in)
			if err != nil {
				t.Fatalf("ParseClock(%q) error: %v", tc.in, err)
			}
			if got != tc.want || got.Hour() != tc.hour || got.Minute() != tc.minute {
				t.Fatalf("ParseClock(%q) = %d (%d:%d), want %d (%d:%d)",
					tc.in, got, got.Hour(), got.Minute(), tc.want, tc.hour, tc.minute)
			}
			if s := got.String(); s != tc.in {
				t.Fatalf("String() = %q, want %q", s, tc.in)
			}
		})
	}

	bad := []string{
		"", "24:00", "7:00", "07:0", "25:00", "12:60", "99:99",
		" 12:00", "12:00 ", "12:00\n", "12.00", "12-00", "1200", "12:000",
		"-1:00", "+1:00", "12:-1", "ab:cd", "１2:00", "12：00", "07:00:00",
	}
	for _, in := range bad {
		t.Run("bad "+in, func(t *testing.T) {
			got, err := ParseClock(in)
			if err == nil {
				t.Fatalf("ParseClock(%q) = %v, want an error", in, got)
			}
			if !errors.Is(err, ErrInvalidClock) {
				t.Fatalf("ParseClock(%q) error %v does not wrap ErrInvalidClock", in, err)
			}
		})
	}
}

func TestClockStringAllValues(t *testing.T) {
	for c := Clock(0); c < minutesPerDay; c++ {
		back, err := ParseClock(c.String())
		if err != nil || back != c {
			t.Fatalf("round trip of %d via %q gave %d, %v", c, c.String(), back, err)
		}
	}
	for _, c := range []Clock{-1, 1440, 5000} {
		if c.Valid() {
			t.Errorf("Clock(%d).Valid() = true", c)
		}
		if got, want := c.String(), "Clock("+strconv.Itoa(int(c))+")"; got != want {
			t.Errorf("Clock(%d).String() = %q, want %q", c, got, want)
		}
	}
}
