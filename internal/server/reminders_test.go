package server_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processgroup/api/internal/firebase/fcmfake"
)

// registerDevice registers a device for c with token and locale.
func registerDevice(c *Client, token, locale string) string {
	r := c.MustOp("RegisterDevice", map[string]any{"input": map[string]any{
		"token": token, "platform": "ANDROID", "locale": locale,
	}})
	return r.Str("registerDevice.id")
}

// schedule makes a one-off session of g starting at start (90 minutes) and returns its id.
func schedule(g *Group, start time.Time) string {
	r := g.Therapist.MustOp("ScheduleSession", map[string]any{"input": map[string]any{
		"groupID": g.ID, "startsAt": start.Format(time.RFC3339), "durationMinutes": 90,
	}})
	return r.Str("scheduleSession.id")
}

// byToken counts the pushes per device token.
func byToken(ms []fcmfake.Message) map[string]int {
	n := map[string]int{}
	for _, m := range ms {
		n[m.Token]++
	}
	return n
}

// The clock of most reminder tests: Tuesday 2026-12-01, 06:00 in Chicago (the groups' zone).
var tuesdayMorning = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// sixPM is 18:00 in Chicago on 2026-12-01.
var sixPM = time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)

// A weekly schedule produces sessions; each member's device gets each reminder once, at
// the lead time, worded in its locale and the group's zone.
func TestReminderWeeklyScheduleSendsOnce(t *testing.T) {
	t.Parallel()
	pushDatabases(t, tuesdayMorning, func(t *testing.T, p *PushH) {
		g := p.NewGroup()
		registerDevice(g.A, "token-a", "en-US")
		registerDevice(g.B, "token-b", "en-GB")
		r := g.Therapist.MustOp("SetWeeklySchedule", map[string]any{"groupID": g.ID, "schedule": map[string]any{
			"weekday": "TUESDAY", "localStartTime": "18:00", "durationMinutes": 90, "location": "Room 12",
		}})
		if got := r.Str("setWeeklySchedule.nextSession.startsAt"); got != "2026-12-02T00:00:00Z" {
			t.Fatalf("next session starts %s", got)
		}
		p.Quiet(0, 300*time.Millisecond)
		// 17:00 in Chicago: the one-hour reminder (the day-ahead one had passed).
		p.Clock.Set(sixPM.Add(-time.Hour + time.Second))
		ms := p.WaitPushes(2, 15*time.Second)
		bodies := map[string]string{}
		for _, m := range ms {
			bodies[m.Token] = m.Body
			if m.AndroidTTL == "" || m.Data["sessionId"] == "" {
				t.Errorf("push without TTL or session id: %+v", m)
			}
		}
		if len(ms) != 2 || bodies["token-a"] != "Your group meets at 6:00 PM" || bodies["token-b"] != "Your group meets at 18:00" {
			t.Fatalf("pushes: %v", summary(ms))
		}
		// A week later: the day-ahead reminder, then the hour-ahead one, once each.
		p.Clock.Set(sixPM.Add(6*24*time.Hour + time.Second))
		p.WaitPushes(4, 15*time.Second)
		p.Clock.Set(sixPM.Add(7*24*time.Hour - time.Hour + time.Second))
		ms = p.WaitPushes(6, 15*time.Second)
		if n := byToken(ms); len(ms) != 6 || n["token-a"] != 3 || n["token-b"] != 3 {
			t.Fatalf("pushes: %v", summary(ms))
		}
		if ms[2].Body != "Your group meets tomorrow at 6:00 PM" && ms[3].Body != "Your group meets tomorrow at 6:00 PM" {
			t.Errorf("day-ahead bodies: %v", summary(ms[2:4]))
		}
	})
}

// A Tuesday 18:00 session stays at 18:00 local when daylight saving starts, and its
// reminder comes an hour before 18:00 local, not 18:00 standard time.
func TestReminderAcrossDaylightSaving(t *testing.T) {
	t.Parallel()
	// Monday 2027-03-08, 12:00 in Chicago; DST starts Sunday 2027-03-14.
	pushDatabases(t, time.Date(2027, 3, 8, 18, 0, 0, 0, time.UTC), func(t *testing.T, p *PushH) {
		g := p.NewGroup()
		registerDevice(g.A, "token-a", "en-US")
		g.Therapist.MustOp("SetWeeklySchedule", map[string]any{"groupID": g.ID, "schedule": map[string]any{
			"weekday": "TUESDAY", "localStartTime": "18:00", "durationMinutes": 60,
		}})
		r := g.Therapist.MustOp("GroupSessions", map[string]any{"groupID": g.ID, "first": 3})
		if a, b := r.Str("node.sessions.edges.0.node.startsAt"), r.Str("node.sessions.edges.1.node.startsAt"); a != "2027-03-10T00:00:00Z" || b != "2027-03-16T23:00:00Z" {
			t.Fatalf("sessions start %s and %s", a, b)
		}
		second := r.Str("node.sessions.edges.1.node.id")
		// 17:00 CDT on 2027-03-16 is 22:00Z: the hour-ahead reminder is due then. The week
		// before's session has started (no reminder any more) and the day-ahead reminder of
		// this one is superseded by the hour-ahead one.
		p.Clock.Set(time.Date(2027, 3, 16, 22, 0, 1, 0, time.UTC))
		ms := p.WaitPushes(1, 20*time.Second)
		if len(ms) != 1 || ms[0].Body != "Your group meets at 6:00 PM" || ms[0].Data["sessionId"] != second {
			t.Fatalf("pushes: %v", summary(ms))
		}
	})
}

// A moved session is reminded at its new time only; a cancelled one tells its members
// once and reminds nobody.
func TestReminderRescheduleAndCancel(t *testing.T) {
	t.Parallel()
	pushDatabases(t, tuesdayMorning, func(t *testing.T, p *PushH) {
		g := p.NewGroup()
		registerDevice(g.A, "token-a", "en-US")
		registerDevice(g.B, "token-b", "es-MX")
		moved := schedule(g, sixPM)
		cancelled := schedule(g, sixPM.Add(24*time.Hour))
		// Moved two hours later: nothing at the old lead time.
		g.Therapist.MustOp("RescheduleSession", map[string]any{"id": moved, "startsAt": sixPM.Add(2 * time.Hour).Format(time.RFC3339)})
		g.Therapist.MustOp("CancelSession", map[string]any{"id": cancelled})
		ms := p.WaitPushes(2, 15*time.Second)
		for _, m := range ms {
			if m.Data["type"] != "session_cancelled" || m.Data["sessionId"] != cancelled {
				t.Fatalf("pushes: %v", summary(ms))
			}
		}
		if byToken(ms)["token-b"] != 1 || ms[0].Title == ms[0].Body {
			t.Fatalf("pushes: %v", summary(ms))
		}
		p.Clock.Set(sixPM.Add(-time.Hour + time.Second))
		p.Quiet(2, 6*time.Second)
		p.Clock.Set(sixPM.Add(time.Hour + time.Second))
		ms = p.WaitPushes(4, 15*time.Second)
		for _, m := range ms[2:] {
			if m.Data["type"] != "session_reminder" || m.Data["sessionId"] != moved {
				t.Fatalf("pushes: %v", summary(ms))
			}
		}
		// The day the cancelled session would have met: nothing.
		p.Clock.Set(sixPM.Add(23*time.Hour + time.Second))
		p.Quiet(4, 6*time.Second)
	})
}

// Quiet hours in the member's own zone hold back a reminder; a member who left gets none;
// a session that has started is not reminded.
func TestReminderQuietHoursAndLeavers(t *testing.T) {
	t.Parallel()
	pushDatabases(t, tuesdayMorning, func(t *testing.T, p *PushH) {
		g := p.NewGroup()
		registerDevice(g.A, "token-a", "en-US")
		registerDevice(g.B, "token-b", "en-US")
		c := p.Member("c")
		registerDevice(c, "token-c", "en-US")
		g.Join(c, "Cy")
		// A is in New York: 17:00 in Chicago is 18:00 there, inside 17:30–08:00.
		g.A.MustOp("UpdateNotificationSettings", map[string]any{"input": map[string]any{
			"quietHoursStart": "17:30", "quietHoursEnd": "08:00", "timeZone": "America/New_York",
		}})
		schedule(g, sixPM)
		c.MustRaw(`mutation L($g: ID!) { leaveGroup(groupID: $g) }`, "L", map[string]any{"g": g.ID})
		p.Clock.Set(sixPM.Add(-time.Hour + time.Second))
		ms := p.WaitPushes(1, 15*time.Second)
		if n := byToken(ms); len(ms) != 1 || n["token-b"] != 1 {
			t.Fatalf("pushes: %v", summary(ms))
		}
		// Started: a reminder that is late by then is dropped.
		late := schedule(g, sixPM.Add(3*time.Hour))
		_ = late
		p.Clock.Set(sixPM.Add(3*time.Hour + time.Minute))
		p.Quiet(1, 6*time.Second)
	})
}

// A token Firebase reports unregistered is dropped; a send that fails for now is retried
// with backoff and reaches each device once.
func TestReminderFailures(t *testing.T) {
	t.Parallel()
	pushDatabases(t, tuesdayMorning, func(t *testing.T, p *PushH) {
		g := p.NewGroup()
		registerDevice(g.A, "token-a", "en-US")
		registerDevice(g.B, "token-b1", "en-US")
		registerDevice(g.B, "token-b2", "en-US")
		p.FCM.Unregister("token-a")
		p.FCM.FailNext("token-b1", 1, fcmfake.Unavailable)   // the SDK retries this itself
		p.FCM.FailNext("token-b2", 2, fcmfake.QuotaExceeded) // River retries this job
		schedule(g, sixPM)
		p.Clock.Set(sixPM.Add(-time.Hour + time.Second))
		ms := p.WaitPushes(1, 15*time.Second)
		// River's backoff after the first and second failed attempts (seconds, then more).
		for i := 0; i < 4 && byToken(p.FCM.Messages())["token-b2"] == 0; i++ {
			p.Clock.Advance(2 * time.Minute)
			time.Sleep(6 * time.Second)
		}
		ms = p.WaitPushes(2, 10*time.Second)
		if n := byToken(ms); len(ms) != 2 || n["token-b1"] != 1 || n["token-b2"] != 1 {
			t.Fatalf("pushes: %v", summary(ms))
		}
		r := g.A.MustOp("NotificationSettings", nil)
		_ = r
		d := g.A.MustRaw(`query { viewer { devices { id } } }`, "", nil)
		if n := len(d.Get("viewer.devices").([]any)); n != 0 {
			t.Fatalf("the unregistered device was kept: %d devices", n)
		}
	})
}

// Someone's encouragement tells its recipient, once, unless they turned that off.
func TestEncouragementPush(t *testing.T) {
	t.Parallel()
	pushDatabases(t, tuesdayMorning, func(t *testing.T, p *PushH) {
		g := p.NewGroup()
		registerDevice(g.A, "token-a", "en-US")
		registerDevice(g.B, "token-b", "en-US")
		ra := g.Reflect(g.A, "GROUP", "MARKER a long day")
		rb := g.Reflect(g.B, "GROUP", "MARKER a better day")
		g.B.MustOp("UpdateNotificationSettings", map[string]any{"input": map[string]any{"encouragementPushes": false}})
		in := map[string]any{"clientID": uuid.NewString(), "reflectionID": ra, "kind": "HEART"}
		g.B.MustOp("SendEncouragement", map[string]any{"input": in})
		g.B.MustOp("SendEncouragement", map[string]any{"input": in}) // a retry
		g.A.MustOp("SendEncouragement", map[string]any{"input": map[string]any{"clientID": uuid.NewString(), "reflectionID": rb, "kind": "HUG"}})
		ms := p.WaitPushes(1, 10*time.Second)
		if len(ms) != 1 || ms[0].Token != "token-a" || ms[0].Body != "Someone sent you encouragement" {
			t.Fatalf("pushes: %v", summary(ms))
		}
	})
}

// A restart between reminders loses none and repeats none.
func TestReminderAcrossRestart(t *testing.T) {
	t.Parallel()
	pushDatabases(t, tuesdayMorning, func(t *testing.T, p *PushH) {
		g := p.NewGroup()
		registerDevice(g.A, "token-a", "en-US")
		schedule(g, sixPM)
		schedule(g, sixPM.Add(48*time.Hour))
		p.Clock.Set(sixPM.Add(-time.Hour + time.Second))
		p.WaitPushes(1, 15*time.Second)
		p.Restart()
		p.Clock.Set(sixPM.Add(24*time.Hour + time.Second))
		p.WaitPushes(2, 15*time.Second)
		p.Restart()
		p.Clock.Set(sixPM.Add(47*time.Hour + time.Second))
		ms := p.WaitPushes(3, 15*time.Second)
		if len(ms) != 3 {
			t.Fatalf("pushes: %v", summary(ms))
		}
	})
}

// Two servers on one PostgreSQL send each reminder once.
func TestReminderTwoServersOnePostgres(t *testing.T) {
	t.Parallel()
	pg := postgresURL()
	if pg == "" {
		t.Skip("needs TEST_POSTGRES_URL")
	}
	p := newPushH(t, freshSchema(t, pg), tuesdayMorning, nil)
	other := p.Another()
	_ = other
	g := p.NewGroup()
	const extra = 12
	for i := 0; i < extra; i++ {
		c := p.Member(fmt.Sprint("m", i))
		g.Join(c, fmt.Sprint("M", i))
		registerDevice(c, fmt.Sprint("token-m", i), "en-US")
	}
	schedule(g, sixPM)
	schedule(g, sixPM.Add(30*time.Minute))
	// Both hour-ahead reminders are due; neither session has started.
	p.Clock.Set(sixPM.Add(-30*time.Minute + time.Second))
	ms := p.WaitPushes(2*extra, 20*time.Second)
	if len(ms) != 2*extra {
		t.Fatalf("want %d pushes, got %d", 2*extra, len(ms))
	}
	for tok, n := range byToken(ms) {
		if n != 2 {
			t.Errorf("%s got %d pushes", tok, n)
		}
	}
}

// Saving the weekly schedule again (or with another location) keeps the sessions it
// produced, so nobody is reminded twice; a start sent with fractions of a second is still
// reminded.
func TestReminderScheduleSavedAgainAndFractionalStart(t *testing.T) {
	t.Parallel()
	pushDatabases(t, tuesdayMorning, func(t *testing.T, p *PushH) {
		g := p.NewGroup()
		registerDevice(g.A, "token-a", "en-US")
		weekly := map[string]any{"weekday": "TUESDAY", "localStartTime": "18:00", "durationMinutes": 90}
		r := g.Therapist.MustOp("SetWeeklySchedule", map[string]any{"groupID": g.ID, "schedule": weekly})
		first := r.Str("setWeeklySchedule.nextSession.id")
		// A one-off with a start in nanoseconds, two hours after the weekly session.
		g.Therapist.MustOp("ScheduleSession", map[string]any{"input": map[string]any{
			"groupID": g.ID, "startsAt": sixPM.Add(2*time.Hour + 123456789).Format(time.RFC3339Nano), "durationMinutes": 30,
		}})
		p.Clock.Set(sixPM.Add(-time.Hour + time.Second))
		p.WaitPushes(1, 15*time.Second)
		// Half an hour before the session, the facilitator saves it again, then adds a room.
		p.Clock.Set(sixPM.Add(-30 * time.Minute))
		r = g.Therapist.MustOp("SetWeeklySchedule", map[string]any{"groupID": g.ID, "schedule": weekly})
		weekly["location"] = "Room 12"
		r = g.Therapist.MustOp("SetWeeklySchedule", map[string]any{"groupID": g.ID, "schedule": weekly})
		if got := r.Str("setWeeklySchedule.nextSession.id"); got != first {
			t.Fatalf("the session was replaced: %s, then %s", first, got)
		}
		if got := r.Str("setWeeklySchedule.nextSession.location"); got != "Room 12" {
			t.Fatalf("location %q", got)
		}
		p.Quiet(1, 6*time.Second)
		// The one-off's hour-ahead reminder.
		p.Clock.Set(sixPM.Add(time.Hour + time.Second))
		ms := p.WaitPushes(2, 15*time.Second)
		if len(ms) != 2 || ms[1].Body != "Your group meets at 8:00 PM" {
			t.Fatalf("pushes: %v", summary(ms))
		}
	})
}
