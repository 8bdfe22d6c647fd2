package server_test

// Push notifications: session reminders, schedule-change notices and encouragement pushes,
// sent by the notification workers through the real Firebase Admin SDK to a fake FCM server.
// Each test moves the API's clock, runs the jobs that are then due (H.RunDue) and counts
// exactly what the fake FCM server accepted: nothing is waited for.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processgroup/api/internal/firebase/fcmfake"
)

// A weekly schedule produces sessions; each member's device gets each reminder once, at
// the lead time, worded in its locale and the group's zone.
func TestReminderWeeklyScheduleSendsOnce(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		registerDevice(g.A, "token-a", "ANDROID", "en-US")
		registerDevice(g.B, "token-b", "ANDROID", "en-GB")
		r := setWeekly(g, "18:00", "Room 12")
		if got := r.Str("setWeeklySchedule.nextSession.startsAt"); got != rfc3339(sixPM) {
			t.Fatalf("next session starts %s, want %s", got, rfc3339(sixPM))
		}
		h.Pushes(0)
		// 17:00 in Chicago: the one-hour reminder (the day-ahead one had passed).
		h.Clock.Set(sixPM.Add(-time.Hour + time.Second))
		ms := h.Pushes(2)
		bodies := map[string]string{}
		for _, m := range ms {
			bodies[m.Token] = m.Body
			if m.AndroidTTL == "" || m.Data["sessionId"] == "" {
				t.Errorf("push without TTL or session id: %+v", m)
			}
		}
		if bodies["token-a"] != "Your group meets at 6:00 PM" || bodies["token-b"] != "Your group meets at 18:00" {
			t.Fatalf("pushes: %v", summary(ms))
		}
		// A week later: the day-ahead reminder, then the hour-ahead one, once each.
		h.Clock.Set(sixPM.Add(6*24*time.Hour + time.Second))
		h.Pushes(4)
		h.Clock.Set(sixPM.Add(7*24*time.Hour - time.Hour + time.Second))
		ms = h.Pushes(6)
		if n := byToken(ms); n["token-a"] != 3 || n["token-b"] != 3 {
			t.Fatalf("pushes: %v", summary(ms))
		}
		if ms[2].Body != "Your group meets tomorrow at 6:00 PM" && ms[3].Body != "Your group meets tomorrow at 6:00 PM" {
			t.Errorf("day-ahead bodies: %v", summary(ms[2:4]))
		}
	}, withPush(), startingAt(tuesdayMorning))
}

// A Tuesday 18:00 session stays at 18:00 local when daylight saving starts, and its
// reminder comes an hour before 18:00 local, not 18:00 standard time.
func TestReminderAcrossDaylightSaving(t *testing.T) {
	t.Parallel()
	sunday := springForward(time.Now())
	at := func(days, hour int) time.Time {
		d := sunday.AddDate(0, 0, days)
		return time.Date(d.Year(), d.Month(), d.Day(), hour, 0, 0, 0, chicago).UTC()
	}
	// From the Monday before the change, at noon in Chicago.
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		registerDevice(g.A, "token-a", "ANDROID", "en-US")
		setWeekly(g, "18:00", "")
		r := g.Therapist.MustOp("GroupSessions", map[string]any{"groupID": g.ID, "first": 3})
		before, after := at(-5, 18), at(2, 18)
		if after.Sub(before) != 7*24*time.Hour-time.Hour {
			t.Fatalf("no daylight-saving change between %v and %v", before, after)
		}
		if a, b := r.Str("node.sessions.edges.0.node.startsAt"), r.Str("node.sessions.edges.1.node.startsAt"); a != rfc3339(before) || b != rfc3339(after) {
			t.Fatalf("sessions start %s and %s, want %s and %s", a, b, rfc3339(before), rfc3339(after))
		}
		second := r.Str("node.sessions.edges.1.node.id")
		// 17:00 daylight time on the Tuesday after the change: the hour-ahead reminder is due
		// then. The week before's session has started (no reminder any more) and the
		// day-ahead reminder of this one is superseded by the hour-ahead one.
		h.Clock.Set(at(2, 17).Add(time.Second))
		ms := h.Pushes(1)
		if ms[0].Body != "Your group meets at 6:00 PM" || ms[0].Data["sessionId"] != second {
			t.Fatalf("pushes: %v", summary(ms))
		}
	}, withPush(), startingAt(at(-6, 12)))
}

// A moved session is reminded at its new time only; a cancelled one tells its members
// once and reminds nobody.
func TestReminderRescheduleAndCancel(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		registerDevice(g.A, "token-a", "ANDROID", "en-US")
		registerDevice(g.B, "token-b", "ANDROID", "es-MX")
		moved := schedule(g, sixPM)
		cancelled := schedule(g, sixPM.Add(24*time.Hour))
		// Moved two hours later: nothing at the old lead time.
		g.Therapist.MustOp("RescheduleSession", map[string]any{"id": moved, "startsAt": rfc3339(sixPM.Add(2 * time.Hour))})
		g.Therapist.MustOp("CancelSession", map[string]any{"id": cancelled})
		ms := h.Pushes(2)
		for _, m := range ms {
			if m.Data["type"] != "session_cancelled" || m.Data["sessionId"] != cancelled {
				t.Fatalf("pushes: %v", summary(ms))
			}
		}
		if byToken(ms)["token-b"] != 1 || ms[0].Title == ms[0].Body {
			t.Fatalf("pushes: %v", summary(ms))
		}
		h.Clock.Set(sixPM.Add(-time.Hour + time.Second))
		h.Pushes(2)
		h.Clock.Set(sixPM.Add(time.Hour + time.Second))
		ms = h.Pushes(4)
		for _, m := range ms[2:] {
			if m.Data["type"] != "session_reminder" || m.Data["sessionId"] != moved {
				t.Fatalf("pushes: %v", summary(ms))
			}
		}
		// The day the cancelled session would have met: nothing.
		h.Clock.Set(sixPM.Add(23*time.Hour + time.Second))
		h.Pushes(4)
	}, withPush(), startingAt(tuesdayMorning))
}

// Quiet hours in the member's own zone hold back a reminder; a member who left gets none;
// a session that has started is not reminded.
func TestReminderQuietHoursAndLeavers(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		registerDevice(g.A, "token-a", "ANDROID", "en-US")
		registerDevice(g.B, "token-b", "ANDROID", "en-US")
		c := h.Member("c")
		registerDevice(c, "token-c", "ANDROID", "en-US")
		g.Join(c, "Cy")
		// A is in New York: 17:00 in Chicago is 18:00 there, inside 17:30–08:00.
		g.A.MustOp("UpdateNotificationSettings", map[string]any{"input": map[string]any{
			"quietHoursStart": "17:30", "quietHoursEnd": "08:00", "timeZone": "America/New_York",
		}})
		schedule(g, sixPM)
		c.MustRaw(`mutation L($g: ID!) { leaveGroup(groupID: $g) }`, "L", map[string]any{"g": g.ID})
		h.Clock.Set(sixPM.Add(-time.Hour + time.Second))
		ms := h.Pushes(1)
		if n := byToken(ms); n["token-b"] != 1 {
			t.Fatalf("pushes: %v", summary(ms))
		}
		// Started: a reminder that is late by then is dropped.
		schedule(g, sixPM.Add(3*time.Hour))
		h.Clock.Set(sixPM.Add(3*time.Hour + time.Minute))
		h.Pushes(1)
	}, withPush(), startingAt(tuesdayMorning))
}

// A member with a single 60-minute lead and quiet hours 22:00–08:00 has a session at 08:30.
// The reminder falls at 07:30, in the quiet hours, which end half an hour before the
// session: it waits for their end and is sent then, once.
func TestReminderQuietHoursWaitForTheirEnd(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		registerDevice(g.A, "token-a", "ANDROID", "en-US")
		g.A.MustOp("UpdateNotificationSettings", map[string]any{"input": map[string]any{
			"reminderLeadMinutes": []int{60}, "quietHoursStart": "22:00", "quietHoursEnd": "08:00",
		}})
		// Wednesday 08:30 in Chicago.
		start := sixPM.Add(14*time.Hour + 30*time.Minute)
		schedule(g, start)
		h.Clock.Set(start.Add(-time.Hour + time.Second)) // 07:30, quiet
		if ms := h.Pushes(0); len(ms) != 0 {
			t.Errorf("a reminder in quiet hours: %v", summary(ms))
		}
		h.Clock.Set(start.Add(-30*time.Minute + time.Second)) // 08:00, quiet hours over
		h.RunDue()
		if ms := h.FCM.Messages(); len(ms) != 1 || ms[0].Data["type"] != "session_reminder" {
			t.Errorf("the 08:30 session, quiet hours over at 08:00: %d reminders, want 1: %v", len(ms), summary(ms))
		}
	}, withPush(), startingAt(tuesdayMorning))
}

// A token Firebase reports unregistered is dropped; a send that fails for now is retried
// with backoff and reaches each device once.
func TestReminderFailures(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		registerDevice(g.A, "token-a", "ANDROID", "en-US")
		registerDevice(g.B, "token-b1", "ANDROID", "en-US")
		registerDevice(g.B, "token-b2", "ANDROID", "en-US")
		h.FCM.Unregister("token-a")
		h.FCM.FailNext("token-b1", 1, fcmfake.Unavailable)   // the SDK retries this itself
		h.FCM.FailNext("token-b2", 2, fcmfake.QuotaExceeded) // River retries this job
		schedule(g, sixPM)
		h.Clock.Set(sixPM.Add(-time.Hour + time.Second))
		h.RunDue()
		if n := byToken(h.FCM.Messages())["token-b1"]; n != 1 {
			t.Fatalf("after the SDK's own retry, token-b1 got %d pushes: %v", n, summary(h.FCM.Messages()))
		}
		// River schedules each retry by the clock with its backoff (seconds after the first
		// failure, more after the second): move past it and run it, as often as it takes.
		for i := 0; i < 4 && byToken(h.FCM.Messages())["token-b2"] == 0; i++ {
			h.Clock.Advance(2 * time.Minute)
			h.RunDue()
		}
		ms := h.Pushes(2)
		if n := byToken(ms); n["token-b1"] != 1 || n["token-b2"] != 1 {
			t.Fatalf("pushes: %v", summary(ms))
		}
		g.A.MustOp("NotificationSettings", nil)
		d := g.A.MustRaw(`query { viewer { devices { id } } }`, "", nil)
		if n := len(d.Get("viewer.devices").([]any)); n != 0 {
			t.Fatalf("the unregistered device was kept: %d devices", n)
		}
	}, withPush(), startingAt(tuesdayMorning))
}

// Someone's encouragement tells its recipient, once, unless they turned that off.
func TestEncouragementPush(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		registerDevice(g.A, "token-a", "ANDROID", "en-US")
		registerDevice(g.B, "token-b", "ANDROID", "en-US")
		ra := g.Reflect(g.A, "GROUP", "MARKER a long day")
		rb := g.Reflect(g.B, "GROUP", "MARKER a better day")
		g.B.MustOp("UpdateNotificationSettings", map[string]any{"input": map[string]any{"encouragementPushes": false}})
		in := map[string]any{"clientID": uuid.NewString(), "reflectionID": ra, "kind": "HEART"}
		g.B.MustOp("SendEncouragement", map[string]any{"input": in})
		g.B.MustOp("SendEncouragement", map[string]any{"input": in}) // a retry
		g.A.MustOp("SendEncouragement", map[string]any{"input": map[string]any{"clientID": uuid.NewString(), "reflectionID": rb, "kind": "HUG"}})
		ms := h.Pushes(1)
		if ms[0].Token != "token-a" || ms[0].Body != "Someone sent you encouragement" {
			t.Fatalf("pushes: %v", summary(ms))
		}
	}, withPush(), startingAt(tuesdayMorning))
}

// A restart between reminders loses none and repeats none.
func TestReminderAcrossRestart(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		registerDevice(g.A, "token-a", "ANDROID", "en-US")
		schedule(g, sixPM)
		schedule(g, sixPM.Add(48*time.Hour))
		h.Clock.Set(sixPM.Add(-time.Hour + time.Second))
		h.Pushes(1)
		h.Restart(nil)
		h.Clock.Set(sixPM.Add(24*time.Hour + time.Second))
		h.Pushes(2)
		h.Restart(nil)
		h.Clock.Set(sixPM.Add(47*time.Hour + time.Second))
		h.Pushes(3)
	}, withPush(), startingAt(tuesdayMorning))
}

// Two servers on one PostgreSQL send each reminder once.
func TestReminderTwoServersOnePostgres(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		h.Another()
		g := h.NewGroup()
		const extra = 12
		for i := 0; i < extra; i++ {
			c := h.Member(fmt.Sprint("m", i))
			g.Join(c, fmt.Sprint("M", i))
			registerDevice(c, fmt.Sprint("token-m", i), "ANDROID", "en-US")
		}
		schedule(g, sixPM)
		schedule(g, sixPM.Add(30*time.Minute))
		// Both hour-ahead reminders are due; neither session has started.
		h.Clock.Set(sixPM.Add(-30*time.Minute + time.Second))
		ms := h.Pushes(2 * extra)
		for tok, n := range byToken(ms) {
			if n != 2 {
				t.Errorf("%s got %d pushes", tok, n)
			}
		}
	}, withPush(), startingAt(tuesdayMorning), onlyPostgres())
}

// Four servers with workers start at once on an empty PostgreSQL schema (a deployment): all
// come up, and a reminder is sent once.
func TestReminderServersStartTogether(t *testing.T) {
	t.Parallel()
	pg := postgresURL()
	if pg == "" {
		t.Skip("needs TEST_POSTGRES_URL")
	}
	hs := newServers(t, freshDatabase(t, pg, ""), 4, withPush(), startingAt(tuesdayMorning))
	if t.Failed() {
		return
	}
	g := hs[2].NewGroup()
	registerDevice(g.A, "token-a", "ANDROID", "en-US")
	schedule(g, sixPM)
	hs[0].Clock.Set(sixPM.Add(-time.Hour + time.Second))
	hs[0].Pushes(1)
}

// Saving the weekly schedule again (or with another location) keeps the sessions it
// produced, so nobody is reminded twice; a start sent with fractions of a second is still
// reminded.
func TestReminderScheduleSavedAgainAndFractionalStart(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		registerDevice(g.A, "token-a", "ANDROID", "en-US")
		first := setWeekly(g, "18:00", "").Str("setWeeklySchedule.nextSession.id")
		// A one-off with a start in nanoseconds, two hours after the weekly session.
		g.Therapist.MustOp("ScheduleSession", map[string]any{"input": map[string]any{
			"groupID": g.ID, "startsAt": sixPM.Add(2*time.Hour + 123456789).Format(time.RFC3339Nano), "durationMinutes": 30,
		}})
		h.Clock.Set(sixPM.Add(-time.Hour + time.Second))
		h.Pushes(1)
		// Half an hour before the session, the facilitator saves it again, then adds a room.
		h.Clock.Set(sixPM.Add(-30 * time.Minute))
		setWeekly(g, "18:00", "")
		r := setWeekly(g, "18:00", "Room 12")
		if got := r.Str("setWeeklySchedule.nextSession.id"); got != first {
			t.Fatalf("the session was replaced: %s, then %s", first, got)
		}
		if got := r.Str("setWeeklySchedule.nextSession.location"); got != "Room 12" {
			t.Fatalf("location %q", got)
		}
		h.Pushes(1)
		// The one-off's hour-ahead reminder.
		h.Clock.Set(sixPM.Add(time.Hour + time.Second))
		ms := h.Pushes(2)
		if ms[1].Body != "Your group meets at 8:00 PM" {
			t.Fatalf("pushes: %v", summary(ms))
		}
	}, withPush(), startingAt(tuesdayMorning))
}

// A facilitator fixes the room of the weekly schedule half an hour before the session: the
// session keeps its id (the app's cached session stays valid) and nobody gets its
// hour-ahead reminder a second time.
func TestReminderWeeklyEditKeepsSession(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		registerDevice(g.A, "token-a", "ANDROID", "en-US")
		before := setWeekly(g, "18:00", "Room 12").Str("setWeeklySchedule.nextSession.id")
		h.Clock.Set(sixPM.Add(-time.Hour + time.Second))
		h.Pushes(1)
		h.Clock.Set(sixPM.Add(-30 * time.Minute))
		after := setWeekly(g, "18:00", "Room 14").Str("setWeeklySchedule.nextSession.id")
		if before != after {
			t.Errorf("editing the location replaced today's session: id %s became %s (the app's cached session vanishes)", before, after)
		}
		h.RunDue()
		if n := h.FCM.Count(); n != 1 {
			t.Errorf("the same hour-ahead reminder reached token-a %d times: %v", n, summary(h.FCM.Messages()))
		}
	}, withPush(), startingAt(tuesdayMorning))
}

// Members were reminded "Your group meets at 6:00 PM"; the facilitator then removes the
// weekly schedule (the group stops meeting). Today's session is cancelled, and the members
// are told once, as cancelSession would tell them.
func TestReminderRemovingScheduleTellsMembers(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		registerDevice(g.A, "token-a", "ANDROID", "en-US")
		setWeekly(g, "18:00", "")
		h.Clock.Set(sixPM.Add(-time.Hour + time.Second))
		h.Pushes(1)
		h.Clock.Set(sixPM.Add(-45 * time.Minute))
		g.Therapist.MustOp("SetWeeklySchedule", map[string]any{"groupID": g.ID, "schedule": nil})
		h.RunDue()
		if n := byKind(h.FCM.Messages())["session_cancelled"]; n != 1 {
			t.Errorf("the member reminded of today's 6 PM session was told %d times that it is off, want once: %v", n, summary(h.FCM.Messages()))
		}
	}, withPush(), startingAt(tuesdayMorning))
}

// Members got "Your group meets tomorrow at 6:00 PM"; the facilitator then moves the
// session to Thursday. They are told at once (not an hour before Thursday's session, after
// coming to an empty room on Wednesday).
func TestReminderMoveAfterReminderTellsMembers(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		registerDevice(g.A, "token-a", "ANDROID", "en-US")
		wed := sixPM.Add(24 * time.Hour)
		id := schedule(g, wed)
		h.Clock.Set(wed.Add(-24*time.Hour + time.Second)) // the day-ahead reminder
		h.Pushes(1)
		h.Clock.Set(wed.Add(-20 * time.Hour))
		g.Therapist.MustOp("RescheduleSession", map[string]any{"id": id, "startsAt": rfc3339(wed.Add(24 * time.Hour))})
		h.RunDue()
		if ms := h.FCM.Messages(); len(ms) != 2 {
			t.Errorf("the member reminded of Wednesday 6 PM got %d notices of the move to Thursday, want 1: %v", len(ms)-1, summary(ms))
		}
	}, withPush(), startingAt(tuesdayMorning))
}

// Lead times change after the session was planned. A keeps 60 and adds 30 (her pending 60
// job is cancelled and inserted again with the same unique args); B replaces them by 30
// only (his 60 job must not send). At 17:00 one push (A), at 17:30 two more (A and B).
func TestReminderLeadChangeReplans(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		registerDevice(g.A, "token-a", "ANDROID", "en-US")
		registerDevice(g.B, "token-b", "ANDROID", "en-US")
		schedule(g, sixPM)
		g.A.MustOp("UpdateNotificationSettings", map[string]any{"input": map[string]any{"reminderLeadMinutes": []int{1440, 60, 30}}})
		g.B.MustOp("UpdateNotificationSettings", map[string]any{"input": map[string]any{"reminderLeadMinutes": []int{30}}})
		h.Clock.Set(sixPM.Add(-time.Hour + time.Second))
		ms := h.Pushes(1)
		if n := byToken(ms); n["token-a"] != 1 {
			t.Fatalf("at 17:00: %v", summary(ms))
		}
		h.Clock.Set(sixPM.Add(-30*time.Minute + time.Second))
		ms = h.Pushes(3)
		if n := byToken(ms); n["token-a"] != 2 || n["token-b"] != 1 {
			t.Fatalf("at 17:30: %v", summary(ms))
		}
	}, withPush(), startingAt(tuesdayMorning))
}

// The 6:00 PM session was reminded at 17:01. It moves to 6:10 PM, back to 6:00 PM, and to
// 6:10 PM again. Each move reaches the member exactly once with the new time: not twice (the
// smallest-lead fallback and a "moved" notice for the same new time), and not zero times (a
// reminder unique by start time, or a delivery key holding the start time, for a time the
// member was already told about once). After the move back, the last thing the member's
// phone says (same collapse id) is "at 6:00 PM".
func TestReminderMoveNoticeOnceEachMove(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		registerDevice(g.A, "token-a", "ANDROID", "en-US")
		id := schedule(g, sixPM)
		h.Clock.Set(sixPM.Add(-59 * time.Minute))
		h.Pushes(1)
		moves := []struct {
			at   time.Duration
			to   time.Time
			body string
		}{
			{-50 * time.Minute, sixPM.Add(10 * time.Minute), "Your group meets at 6:10 PM"},
			{-45 * time.Minute, sixPM, "Your group meets at 6:00 PM"},
			{-40 * time.Minute, sixPM.Add(10 * time.Minute), "Your group meets at 6:10 PM"},
		}
		for i, m := range moves {
			before := h.FCM.Count()
			h.Clock.Set(sixPM.Add(m.at))
			g.Therapist.MustOp("RescheduleSession", map[string]any{"id": id, "startsAt": rfc3339(m.to)})
			h.RunDue()
			ms := h.FCM.Messages()
			if n := len(ms) - before; n != 1 || ms[len(ms)-1].Body != m.body {
				t.Errorf("move %d (to %q): %d new pushes, want one saying %q: %v", i+1, m.body, n, m.body, summary(ms[before:]))
			}
		}
	}, withPush(), startingAt(tuesdayMorning))
}

// With a one-week horizon, the session after next is produced by the hourly job (run on
// start after a restart here) and its members are reminded of it.
func TestReminderPeriodicExtension(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		registerDevice(g.A, "token-a", "ANDROID", "en-US")
		setWeekly(g, "18:00", "")
		next := sixPM.AddDate(0, 0, 7)
		// Monday noon in Chicago: the schedule has produced sessions up to Tuesday 06:00.
		h.Clock.Set(next.Add(-30 * time.Hour))
		jobs := func() int {
			var n int
			if err := rawDB(t, h).QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'extend_schedules'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := jobs()
		h.Restart(nil)
		// River's elected leader inserts the hourly job a moment after the start; nothing
		// here can drive the election, so the test waits (briefly) until the job is there,
		// then runs it.
		for deadline := time.Now().Add(30 * time.Second); jobs() == before; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the hourly job was not inserted on start")
			}
		}
		h.RunDue()
		if r := g.A.MustOp("UpcomingSessions", map[string]any{"first": 1}); r.Str("viewer.upcomingSessions.0.startsAt") != rfc3339(next) {
			t.Fatalf("the hourly job did not produce next Tuesday's session (%s): %s", rfc3339(next), r.Raw)
		}
		h.Clock.Set(next.Add(-24*time.Hour + time.Second))
		ms := h.Pushes(1)
		if ms[0].Body != "Your group meets tomorrow at 6:00 PM" {
			t.Fatalf("pushes: %v", summary(ms))
		}
	}, withPush(), startingAt(tuesdayMorning), withSettings(map[string]string{"SESSION_HORIZON": "168h"}), onlySQLite())
}

// A deployment stops a server while a reminder is being sent (FCM slow). Shutdown gives the
// send SHUTDOWN_TIMEOUT, then cancels it and waits for the job to return before the database
// closes. The cancelled send had gone out (FCM holds it, and accepts it when the server hangs
// up), so its claim stands and the next server does not send it again: the device gets the
// reminder once. The job is not left "running" (River's rescuer would run it again).
func TestReminderShutdownDuringSend(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		registerDevice(g.A, "token-a", "ANDROID", "en-US")
		schedule(g, sixPM)
		h.FCM.SetLatency(9 * time.Second)
		h.Clock.Set(sixPM.Add(-time.Hour + time.Second))
		ctx, cancel := context.WithCancel(context.Background())
		ran := make(chan struct{})
		go func() {
			defer close(ran)
			h.App.Jobs().RunDue(ctx) //nolint:errcheck // cancelled below, with the server
		}()
		for h.FCM.Pending() == 0 { // the send is under way (FCM has it and holds the answer)
			time.Sleep(time.Millisecond)
		}
		err := h.App.Close() // as SIGTERM does
		cancel()
		<-ran
		if err != nil {
			t.Errorf("the shutdown during a send: %v", err)
		}
		h.FCM.SetLatency(0)
		h.Restart(nil)
		h.Clock.Advance(2 * time.Minute) // past any retry's backoff
		h.RunDue()
		for h.FCM.Pending() > 0 { // the fake finishes taking the abandoned send
			time.Sleep(time.Millisecond)
		}
		if n := h.FCM.Count(); n != 1 {
			t.Fatalf("FCM accepted the reminder %d times, want once: %v", n, summary(h.FCM.Messages()))
		}
		claimed := countRows(t, h, `SELECT count(*) FROM deliveries`)
		running := countRows(t, h, `SELECT count(*) FROM river_job WHERE kind = 'session_reminder' AND state = 'running'`)
		if claimed != 1 || running > 0 {
			t.Errorf("%d delivery claims (want 1) and %d reminder jobs left running (the rescuer would send again)", claimed, running)
		}
	}, withPush(), startingAt(tuesdayMorning), withSettings(map[string]string{"SHUTDOWN_TIMEOUT": "1s"}))
}
