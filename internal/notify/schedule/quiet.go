package schedule

import "time"

// QuietHours is a daily span of local time in some zone during which no push
// notification is sent. The span runs from Start up to but not including
// End, and wraps past midnight when End is before Start (22:00 to 07:00
// covers the night). Start equal to End means there are no quiet hours, and
// so does a Start or End that is not a valid Clock.
//
// Quiet hours go by what the local clock shows, so on the night the clocks
// go back, an hour that happens twice is quiet both times if its clock
// reading is inside the span, and on the night they jump forward the skipped
// readings simply never occur.
type QuietHours struct {
	Start, End Clock
}

// Contains reports whether instant t falls within the quiet hours on the
// local clock of zone loc: at or after Start and before End, wrapping past
// midnight when End is before Start. A nil loc means UTC; the zone t is
// expressed in does not matter.
func (q QuietHours) Contains(t time.Time, loc *time.Location) bool {
	if q.Start == q.End || !q.Start.Valid() || !q.End.Valid() {
		return false
	}
	if loc == nil {
		loc = time.UTC
	}
	local := t.In(loc)
	c := Clock(local.Hour()*60 + local.Minute())
	if q.Start < q.End {
		return c >= q.Start && c < q.End
	}
	return c >= q.Start || c < q.End
}

// NextEnd returns the first instant at or after t that is outside the quiet
// hours in zone loc: t itself if t is already outside, otherwise the moment
// the quiet hours end, expressed in loc. On a night the clocks jump forward
// past End, the quiet hours end at the jump. A nil loc means UTC.
func (q QuietHours) NextEnd(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	cur := t
	// Within one zone period the local clock runs without jumps, so the
	// quiet hours end either when the clock next reads End or at the end of
	// the period, whichever comes first. Each round moves to the next
	// period; a few rounds are enough for any real zone.
	for range 64 {
		if !q.Contains(cur, loc) {
			if cur.Equal(t) {
				return t
			}
			return cur.In(loc)
		}
		local := cur.In(loc)
		_, off := local.Zone()
		_, periodEnd := local.ZoneBounds()

		// The next reading of End after now: today if the clock has not
		// reached it yet, otherwise tomorrow.
		y, m, d := local.Date()
		if Clock(local.Hour()*60+local.Minute()) > q.End {
			d++
		}
		end := time.Date(y, m, d, 0, int(q.End), 0, 0, time.UTC).Add(-seconds(off))
		if periodEnd.IsZero() || end.Before(periodEnd) {
			return end.In(loc)
		}
		cur = periodEnd
	}
	// Not reached with real zone data.
	return cur.In(loc)
}
