package schedule

import "time"

// Weekly is a session slot that repeats every week on the same weekday at the
// same local time of day in some time zone, and lasts Duration.
type Weekly struct {
	Weekday  time.Weekday
	Start    Clock
	Duration time.Duration
}

// Occurrence is one concrete session produced by a Weekly slot.
type Occurrence struct {
	// Key is the local date the slot falls on, as "YYYY-MM-DD", such as
	// "2026-12-01". A group has at most one session of a slot per date, so
	// the key tells its sessions apart. It is the slot's date even when a
	// daylight-saving jump moves the start to a different clock reading.
	Key string
	// Start is the instant the session begins, in UTC.
	Start time.Time
	// End is Start plus the slot's Duration, in UTC.
	End time.Time
}

// Occurrences returns the sessions of w in zone loc whose Start is strictly
// after `after` and not after `until`, earliest first. It returns nil when
// there are none, when until is not after after, or when w has a weekday
// outside Sunday..Saturday or a Start outside 00:00..23:59.
//
// Each session starts at w.Start on the local clock of loc, found with
// LocalTime, so it keeps its local time across daylight-saving changes and
// follows LocalTime's rules for clock readings that are skipped or repeated.
// A nil loc means UTC. The zones of after and until do not matter.
func Occurrences(w Weekly, loc *time.Location, after, until time.Time) []Occurrence {
	if w.Weekday < time.Sunday || w.Weekday > time.Saturday || !w.Start.Valid() {
		return nil
	}
	if !until.After(after) {
		return nil
	}
	if loc == nil {
		loc = time.UTC
	}
	// A slot's instant lies within about a day of its local date, so start
	// the walk two days before the local date of after and skip what is too
	// early. Dates are stepped as plain calendar days in UTC.
	y, m, d := after.In(loc).Date()
	day := time.Date(y, m, d-2, 0, 0, 0, 0, time.UTC)
	day = day.AddDate(0, 0, (int(w.Weekday)-int(day.Weekday())+7)%7)

	var out []Occurrence
	for ; ; day = day.AddDate(0, 0, 7) {
		y, m, d := day.Date()
		start := LocalTime(y, m, d, w.Start, loc)
		if start.After(until) {
			return out
		}
		if !start.After(after) {
			continue
		}
		start = start.UTC()
		out = append(out, Occurrence{
			Key:   day.Format(time.DateOnly),
			Start: start,
			End:   start.Add(w.Duration),
		})
	}
}

// LocalTime returns the instant at which the local clock of zone loc reads c
// on the date (y, m, d), expressed in loc. A nil loc means UTC. Out-of-range
// month, day or clock values are carried over the way time.Date carries
// them (day 32 of January is 1 February).
//
// When the clocks jump forward over c on that date (the reading never
// happens), the result is moved forward by the length of the jump: 02:30 on
// 2026-03-08 in America/Chicago, where clocks go from 02:00 to 03:00, gives
// 03:30 CDT. When the clocks go back and c happens twice, the result is the
// first, earlier instant: 01:30 on 2026-11-01 in America/Chicago gives
// 01:30 CDT (06:30 UTC), not 01:30 CST an hour later.
func LocalTime(y int, m time.Month, d int, c Clock, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	// wall holds the wanted clock reading as if it were a UTC time; an
	// instant t shows that reading in a zone period with offset off exactly
	// when t == wall - off.
	wall := time.Date(y, m, d, 0, int(c), 0, 0, time.UTC)

	// Every offset in use lies well within ±26 hours, so any instant showing
	// the reading lies within that distance of wall. Walk the zone periods
	// covering that window in time order.
	const reach = 26 * time.Hour
	last := wall.Add(reach)

	var (
		gap     time.Time // the result if the reading is skipped over
		haveGap bool
		prevOff int
		prevEnd time.Time
		havePrv bool
	)
	at := wall.Add(-reach)
	for range 64 {
		z := at.In(loc)
		_, off := z.Zone()
		start, end := z.ZoneBounds()

		if havePrv && !haveGap && off > prevOff {
			// Clocks jumped forward at prevEnd from prevOff to off: the
			// readings in [prevEnd+prevOff, prevEnd+off) never happen.
			// Reading the clock with the offset from before the jump gives
			// the instant that far past the jump, which is the reading moved
			// forward by the length of the jump.
			lo := prevEnd.Add(seconds(prevOff))
			hi := prevEnd.Add(seconds(off))
			if !wall.Before(lo) && wall.Before(hi) {
				gap, haveGap = wall.Add(-seconds(prevOff)), true
			}
		}

		// Periods are visited in time order, so the first one that shows
		// the reading gives the earliest instant: for a repeated reading,
		// the one before the clocks went back.
		t := wall.Add(-seconds(off))
		if (start.IsZero() || !t.Before(start)) && (end.IsZero() || t.Before(end)) {
			return t.In(loc)
		}

		if end.IsZero() || end.After(last) || !end.After(at) {
			break
		}
		prevOff, prevEnd, havePrv = off, end, true
		at = end
	}
	if haveGap {
		return gap.In(loc)
	}
	// Not reached with real zone data; fall back to the standard library.
	return time.Date(y, m, d, 0, int(c), 0, 0, loc)
}

// seconds turns a zone offset in seconds into a Duration.
func seconds(s int) time.Duration {
	return time.Duration(s) * time.Second
}
