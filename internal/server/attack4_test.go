package server_test

// Attack on issue 4 (sessions, schedules, devices, reminders). Each test shows one problem
// found in review; a failing test is a finding.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/processgroup/api/internal/firebase/fcmfake"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/server"
)

// a4Weekly sets g's weekly schedule to Tuesday at start (90 minutes, at loc).
func a4Weekly(g *Group, start, loc string) *Resp {
	return g.Therapist.MustOp("SetWeeklySchedule", map[string]any{"groupID": g.ID, "schedule": ssWeekly("TUESDAY", start, 90, loc)})
}

// a4Kinds counts pushes by type.
func a4Kinds(p *PushH) map[string]int {
	n := map[string]int{}
	for _, m := range p.FCM.Messages() {
		n[m.Data["type"]]++
	}
	return n
}

// TestAttack4WeeklyEditResendsReminder (found on 4d5e5c0, fixed in edddf90; kept as a regression test): a facilitator fixes the room of the weekly schedule
// half an hour before the session. Every future session is deleted and produced again with
// a new id, so the reminder key (which holds the session id) is new, and dueLeads' "smallest
// lead at once" fallback sends the hour-ahead reminder a second time to every member.
func TestAttack4WeeklyEditResendsReminder(t *testing.T) {
	t.Parallel()
	pushDatabases(t, tuesdayMorning, func(t *testing.T, p *PushH) {
		g := p.NewGroup()
		registerDevice(g.A, "token-a", "en-US")
		before := a4Weekly(g, "18:00", "Room 12").Str("setWeeklySchedule.nextSession.id")
		p.Clock.Set(sixPM.Add(-time.Hour + time.Second))
		p.WaitPushes(1, 15*time.Second)
		p.Clock.Set(sixPM.Add(-30 * time.Minute))
		after := a4Weekly(g, "18:00", "Room 14").Str("setWeeklySchedule.nextSession.id")
		if before != after {
			t.Errorf("editing the location replaced today's session: id %s became %s (the app's cached session vanishes)", before, after)
		}
		time.Sleep(12 * time.Second)
		if n := p.FCM.Count(); n != 1 {
			t.Errorf("the same hour-ahead reminder reached token-a %d times: %v", n, summary(p.FCM.Messages()))
		}
	})
}

// TestAttack4RemovingScheduleTellsNobody (found on 4d5e5c0, fixed in ed6cdb6): members were reminded "Your group meets at 6:00
// PM"; the facilitator then removes the weekly schedule (the group stops meeting). The
// session is deleted outright: no "Schedule change" push, and members simply stop seeing it,
// where cancelSession would have told them.
func TestAttack4RemovingScheduleTellsNobody(t *testing.T) {
	t.Parallel()
	pushDatabases(t, tuesdayMorning, func(t *testing.T, p *PushH) {
		g := p.NewGroup()
		registerDevice(g.A, "token-a", "en-US")
		a4Weekly(g, "18:00", "")
		p.Clock.Set(sixPM.Add(-time.Hour + time.Second))
		p.WaitPushes(1, 15*time.Second)
		p.Clock.Set(sixPM.Add(-45 * time.Minute))
		g.Therapist.MustOp("SetWeeklySchedule", map[string]any{"groupID": g.ID, "schedule": nil})
		deadline := time.Now().Add(8 * time.Second)
		for time.Now().Before(deadline) && a4Kinds(p)["session_cancelled"] == 0 {
			time.Sleep(100 * time.Millisecond)
		}
		if a4Kinds(p)["session_cancelled"] == 0 {
			t.Errorf("the member reminded of today's 6 PM session was never told it is off: %v", summary(p.FCM.Messages()))
		}
	})
}

// TestAttack4QuietHoursSwallowReminder (found on 4d5e5c0, fixed in ed6cdb6): a member with a single 60-minute lead and quiet hours
// 22:00-08:00 has a session at 08:30. The reminder falls at 07:30 (quiet) and is dropped for
// good, though the quiet hours end half an hour before the session: the reminder worker
// returns nil where the cancellation and encouragement workers snooze to the end.
func TestAttack4QuietHoursSwallowReminder(t *testing.T) {
	t.Parallel()
	pushDatabases(t, tuesdayMorning, func(t *testing.T, p *PushH) {
		g := p.NewGroup()
		registerDevice(g.A, "token-a", "en-US")
		g.A.MustOp("UpdateNotificationSettings", map[string]any{"input": map[string]any{
			"reminderLeadMinutes": []int{60}, "quietHoursStart": "22:00", "quietHoursEnd": "08:00",
		}})
		// Wednesday 2026-12-02 08:30 in Chicago.
		start := time.Date(2026, 12, 2, 14, 30, 0, 0, time.UTC)
		schedule(g, start)
		p.Clock.Set(start.Add(-time.Hour + time.Second)) // 07:30, quiet
		time.Sleep(6 * time.Second)
		p.Clock.Set(start.Add(-30*time.Minute + time.Second)) // 08:00, quiet hours over
		for i := 0; i < 60 && p.FCM.Count() == 0; i++ {
			time.Sleep(200 * time.Millisecond)
		}
		if p.FCM.Count() == 0 {
			t.Errorf("no reminder at all for the 08:30 session, though quiet hours ended at 08:00")
		}
	})
}

// TestAttack4MoveAfterReminderTellsNobody (found on 4d5e5c0, fixed in ed6cdb6): members got "Your group meets tomorrow at 6:00
// PM"; the facilitator then moves the session to Thursday. Nobody hears of it until an hour
// before Thursday's session: on Wednesday evening they come to a room that is empty.
func TestAttack4MoveAfterReminderTellsNobody(t *testing.T) {
	t.Parallel()
	pushDatabases(t, tuesdayMorning, func(t *testing.T, p *PushH) {
		g := p.NewGroup()
		registerDevice(g.A, "token-a", "en-US")
		wed := sixPM.Add(24 * time.Hour)
		id := schedule(g, wed)
		p.Clock.Set(wed.Add(-24*time.Hour + time.Second)) // the day-ahead reminder
		p.WaitPushes(1, 15*time.Second)
		p.Clock.Set(wed.Add(-20 * time.Hour))
		g.Therapist.MustOp("RescheduleSession", map[string]any{"id": id, "startsAt": wed.Add(24 * time.Hour).Format(time.RFC3339)})
		time.Sleep(7 * time.Second)
		if p.FCM.Count() == 1 {
			t.Errorf("the member reminded of Wednesday 6 PM was not told the session moved to Thursday: %v", summary(p.FCM.Messages()))
		}
	})
}

// TestAttack4LeadChangeReplans (passes: a guard): lead-time changes after the session was planned. A keeps 60
// and adds 30 (her pending 60 job is cancelled and inserted again with the same unique
// args); B replaces them by 30 only (his 60 job must go, since the worker does not check the
// lead is still wanted). Expect: at 17:00 one push (A), at 17:30 two more (A and B).
func TestAttack4LeadChangeReplans(t *testing.T) {
	t.Parallel()
	pushDatabases(t, tuesdayMorning, func(t *testing.T, p *PushH) {
		g := p.NewGroup()
		registerDevice(g.A, "token-a", "en-US")
		registerDevice(g.B, "token-b", "en-US")
		schedule(g, sixPM)
		g.A.MustOp("UpdateNotificationSettings", map[string]any{"input": map[string]any{"reminderLeadMinutes": []int{1440, 60, 30}}})
		g.B.MustOp("UpdateNotificationSettings", map[string]any{"input": map[string]any{"reminderLeadMinutes": []int{30}}})
		p.Clock.Set(sixPM.Add(-time.Hour + time.Second))
		ms := p.WaitPushes(1, 15*time.Second)
		if n := byToken(ms); len(ms) != 1 || n["token-a"] != 1 {
			t.Fatalf("at 17:00: %v", summary(ms))
		}
		p.Clock.Set(sixPM.Add(-30*time.Minute + time.Second))
		ms = p.WaitPushes(3, 15*time.Second)
		if n := byToken(ms); len(ms) != 3 || n["token-a"] != 2 || n["token-b"] != 1 {
			t.Fatalf("at 17:30: %v", summary(ms))
		}
	})
}

// a4PendingReminders counts the not-yet-run reminder jobs of the user with internal id uid.
func a4PendingReminders(t *testing.T, h *H, uid string) int {
	t.Helper()
	// Only reminders of sessions that exist and are on count.
	q := `SELECT count(*) FROM river_job j JOIN group_sessions s ON s.id = json_extract(j.args, '$.session_id') AND s.status = 'SCHEDULED'
		WHERE j.kind = 'session_reminder' AND j.state IN ('scheduled','available','pending','retryable') AND json_extract(j.args, '$.user_id') = ?`
	if strings.HasPrefix(h.dbURL, "postgres") {
		q = `SELECT count(*) FROM river_job j JOIN group_sessions s ON s.id = (j.args->>'session_id')::bigint AND s.status = 'SCHEDULED'
		WHERE j.kind = 'session_reminder' AND j.state IN ('scheduled','available','pending','retryable') AND (j.args->>'user_id')::bigint = $1`
	}
	var n int
	if err := rawDB(t, h).QueryRow(q, uid).Scan(&n); err != nil {
		t.Fatalf("count jobs: %v", err)
	}
	return n
}

// a4PauseDriver pauses, once armed, the transaction that reads a group's current members
// to plan reminders (remind.Jobs.plan), right after the read: a slow moment of the
// database, so that a race that needs one shows every time.
type a4PauseDriver struct {
	dialect.Driver
	armed atomic.Bool
	hit   chan struct{}
	pause time.Duration
}

func (d *a4PauseDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &a4PauseTx{Tx: tx, d: d}, nil
}

type a4PauseTx struct {
	dialect.Tx
	d *a4PauseDriver
}

func (t *a4PauseTx) Query(ctx context.Context, q string, args, v any) error {
	err := t.Tx.Query(ctx, q, args, v)
	if strings.Contains(q, `FROM "memberships"`) && strings.Contains(q, `"group_id" IN`) && t.d.armed.CompareAndSwap(true, false) {
		close(t.d.hit)
		time.Sleep(t.d.pause)
	}
	return err
}

// TestAttack4JoinRacesWeeklySchedule (found on 4d5e5c0, fixed in ed6cdb6): a member joins while the facilitator moves the weekly
// schedule from 18:00 to 19:00. SetWeekly plans reminders for the members it read (not the
// joiner, whose membership is not committed yet) and Join's MemberChanged plans for the
// sessions it sees (the old ones, which SetWeekly is deleting): the joiner ends with no
// reminder for any session of the schedule. (The database pauses SetWeekly for a moment
// right after it read the members, where a busy server would be slow anyway.)
func TestAttack4JoinRacesWeeklySchedule(t *testing.T) {
	t.Parallel()
	pg := postgresURL()
	if pg == "" {
		t.Skip("needs TEST_POSTGRES_URL (SQLite serialises the two transactions)")
	}
	pd := &a4PauseDriver{hit: make(chan struct{}), pause: 500 * time.Millisecond}
	h := newHWith(t, freshSchema(t, pg), nil, server.WithDriver(func(d dialect.Driver) dialect.Driver {
		pd.Driver = d
		return pd
	}))
	g := h.NewGroup()
	a4Weekly(g, "18:00", "")
	aID := g.A.MustOp("NotificationSettings", nil).Str("viewer.id")
	c := h.Member("joiner")
	cID := c.MustOp("NotificationSettings", nil).Str("viewer.id")
	pd.armed.Store(true)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a4Weekly(g, "19:00", "")
	}()
	<-pd.hit
	c.MustOp("JoinGroup", map[string]any{"input": map[string]any{"code": g.Code, "displayName": "Jo"}})
	<-done
	want, got := a4PendingReminders(t, h, aID), a4PendingReminders(t, h, cID)
	if got != want {
		t.Errorf("the member who joined during the schedule change has %d pending reminders for its sessions; a member there all along has %d", got, want)
	}
}

// TestAttack4LongTokenIsInternal (found on 4d5e5c0 with 4000-character tokens, fixed in ed6cdb6): registerDevice validates the token's length in characters,
// while the column and PostgreSQL's unique btree index (at most ~2700 bytes a row) count
// bytes: a token the validation allows becomes INTERNAL instead of BAD_USER_INPUT. (Real FCM
// tokens are ASCII; this is about the error code, not about real tokens.)
func TestAttack4LongTokenIsInternal(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		a := h.Member("a")
		b := make([]byte, 1000)
		_, _ = rand.Read(b)
		for name, tok := range map[string]string{
			"2000 random hex characters":     hex.EncodeToString(b),
			"700 four-byte characters":       strings.Repeat("\U0001F600", 700),
			"2000 two-byte characters (é)":   strings.Repeat("é", 2000),
			"1000 emoji and 1000 hex digits": strings.Repeat("\U0001F600", 1000) + hex.EncodeToString(b)[:1000],
		} {
			r := a.Op("RegisterDevice", map[string]any{"input": map[string]any{"token": tok, "platform": "ANDROID"}})
			if c := r.Code(); c != "" && c != "BAD_USER_INPUT" {
				t.Errorf("%s (%d bytes) gives %s: %.200s", name, len(tok), c, r.Raw)
			}
		}
	})
}

// TestAttack4MoveBackIsNeverAnnounced (found on 4d5e5c0, fixed in ed6cdb6; see TestAttack4MoveNoticeOnceEachMove): the 6:00 PM session is reminded at 17:01; at 17:10
// it moves to 6:10 PM (members get "at 6:10 PM", which replaces the first notification on
// the device: same collapse id); at 17:15 it moves back to 6:00 PM. The reminder for 6:00
// PM is unique by (session, member, lead, start) and that job has completed, so nothing is
// sent: the last thing the member's phone says is "at 6:10 PM", for a session at 6:00.
func TestAttack4MoveBackIsNeverAnnounced(t *testing.T) {
	t.Parallel()
	pushDatabases(t, tuesdayMorning, func(t *testing.T, p *PushH) {
		g := p.NewGroup()
		registerDevice(g.A, "token-a", "en-US")
		id := schedule(g, sixPM)
		p.Clock.Set(sixPM.Add(-59 * time.Minute))
		p.WaitPushes(1, 15*time.Second)
		p.Clock.Set(sixPM.Add(-50 * time.Minute))
		g.Therapist.MustOp("RescheduleSession", map[string]any{"id": id, "startsAt": sixPM.Add(10 * time.Minute).Format(time.RFC3339)})
		p.WaitPushes(2, 15*time.Second)
		p.Clock.Set(sixPM.Add(-45 * time.Minute))
		g.Therapist.MustOp("RescheduleSession", map[string]any{"id": id, "startsAt": sixPM.Format(time.RFC3339)})
		time.Sleep(12 * time.Second)
		ms := p.FCM.Messages()
		if last := ms[len(ms)-1]; last.Body != "Your group meets at 6:00 PM" {
			t.Errorf("after moving back to 6:00 PM the member's last notification says %q: %v", last.Body, summary(ms))
		}
	})
}

// TestAttack4ScheduleChangeCost (4.7 s on 4d5e5c0, under 1 s since ed6cdb6): changing the weekly schedule of a group of 60 with a one-year
// horizon cancels every pending reminder one statement at a time (remind.Jobs.cancel: a
// JSON scan of river_job per session, then one JobCancelTx per job) inside the request's
// transaction. On SQLite that transaction holds the only connection: every other request
// waits. The test times the change and a member's read made during it.
func TestAttack4ScheduleChangeCost(t *testing.T) {
	t.Parallel()
	h := newHWith(t, "sqlite:"+t.TempDir()+"/big.db", map[string]string{"SESSION_HORIZON": a4Horizon()})
	g := h.NewGroup()
	for i := 0; i < 60; i++ {
		c := h.Member(fmt.Sprint("m", i))
		c.MustOp("JoinGroup", map[string]any{"input": map[string]any{"code": g.Code, "displayName": fmt.Sprint("M", i)}})
	}
	a4Weekly(g, "18:00", "")
	var readTook time.Duration
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(50 * time.Millisecond)
		t0 := time.Now()
		g.A.MustOp("UpcomingSessions", map[string]any{"first": 1})
		readTook = time.Since(t0)
	}()
	t0 := time.Now()
	a4Weekly(g, "19:00", "")
	took := time.Since(t0)
	<-done
	t.Logf("schedule change: %v; a member's read during it: %v", took, readTook)
	if took > 2*time.Second || readTook > 2*time.Second {
		t.Errorf("a schedule change took %v and blocked a member's read for %v", took, readTook)
	}
}

// a4Horizon is the horizon of TestAttack4ScheduleChangeCost (A4_HORIZON, default the
// largest allowed).
func a4Horizon() string {
	if v := os.Getenv("A4_HORIZON"); v != "" {
		return v
	}
	return "8784h"
}

// TestAttack4PeriodicExtensionReminds (passes: a guard): with a one-week horizon, the session after next is
// produced by the hourly job (run on start after a restart here) and its members are
// reminded of it.
func TestAttack4PeriodicExtensionReminds(t *testing.T) {
	t.Parallel()
	p := newPushH(t, "sqlite:"+t.TempDir()+"/ext.db", tuesdayMorning, map[string]string{"SESSION_HORIZON": "168h"})
	g := p.NewGroup()
	registerDevice(g.A, "token-a", "en-US")
	a4Weekly(g, "18:00", "")
	// Monday 2026-12-07 12:00 in Chicago: the schedule has produced up to Tuesday 06:00.
	p.Clock.Set(time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC))
	p.Restart()
	a := &Client{h: p.H, UID: g.A.UID, Token: g.A.Token} // the clients of the old server talk to it
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		r := a.MustOp("UpcomingSessions", map[string]any{"first": 1})
		if r.Str("viewer.upcomingSessions.0.startsAt") == "2026-12-09T00:00:00Z" {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if r := a.MustOp("UpcomingSessions", map[string]any{"first": 1}); r.Str("viewer.upcomingSessions.0.startsAt") != "2026-12-09T00:00:00Z" {
		t.Fatalf("the hourly job did not produce next Tuesday's session: %s", r.Raw)
	}
	p.Clock.Set(time.Date(2026, 12, 8, 0, 0, 1, 0, time.UTC))
	ms := p.WaitPushes(1, 15*time.Second)
	if len(ms) != 1 || ms[0].Body != "Your group meets tomorrow at 6:00 PM" {
		t.Fatalf("pushes: %v", summary(ms))
	}
}

// TestAttack4CancelRacesScheduleEdit (found on a27c21d, fixed in ed6cdb6): the facilitator cancels next week's session while a
// co-facilitator moves the weekly schedule from 18:00 to 19:00. SetWeekly lists the
// schedule's undetached sessions, then deletes them by id only; when the cancel commits in
// between, the delete still matches and removes the session the API just answered as
// CANCELLED: the members' "cancelled" notice is then dropped (the worker finds no session)
// and the slot is produced again by the new schedule.
func TestAttack4CancelRacesScheduleEdit(t *testing.T) {
	t.Parallel()
	pg := postgresURL()
	if pg == "" {
		t.Skip("needs TEST_POSTGRES_URL (SQLite serialises the two transactions)")
	}
	h := newHWith(t, freshSchema(t, pg), nil)
	g := h.NewGroup()
	a4Weekly(g, "18:00", "")
	gone := 0
	const rounds = 20
	for i := 0; i < rounds; i++ {
		_, ss := ssGroupSessions(g.A, g.ID)
		var target ssSess
		for _, s := range ss {
			if s.Status == "SCHEDULED" {
				target = s
				break
			}
		}
		var wg sync.WaitGroup
		var cancelled bool
		wg.Add(2)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i%4) * 3 * time.Millisecond)
			// NOT_FOUND when the schedule change deleted it first: fine, the facilitator is told.
			r := g.Therapist.Op("CancelSession", map[string]any{"id": target.ID})
			cancelled = r.Code() == "" && r.Str("cancelSession.status") == "CANCELLED"
		}()
		go func() {
			defer wg.Done()
			a4Weekly(g, []string{"19:00", "18:00"}[i%2], "")
		}()
		wg.Wait()
		if !cancelled {
			continue
		}
		_, ss = ssGroupSessions(g.A, g.ID)
		found := false
		for _, s := range ss {
			found = found || s.ID == target.ID
		}
		if !found {
			gone++
			t.Logf("round %d: session %s (%s) was answered CANCELLED, and is gone", i, target.ID, target.StartsAt)
		}
	}
	if gone > 0 {
		t.Errorf("%d of %d successfully cancelled sessions were deleted by the concurrent schedule change", gone, rounds)
	}
}

// TestAttack4ServersStartTogether (passes: a guard): four servers with workers start at once on an empty
// PostgreSQL schema (a deployment); all come up, and a reminder is sent once.
func TestAttack4ServersStartTogether(t *testing.T) {
	t.Parallel()
	pg := postgresURL()
	if pg == "" {
		t.Skip("needs TEST_POSTGRES_URL")
	}
	dbURL := freshSchema(t, pg)
	fcm := fcmfake.New()
	t.Cleanup(fcm.Close)
	clk := clock.NewFake(tuesdayMorning)
	set := pushSettings(fcm, nil)
	hs := make([]*H, 4)
	var wg sync.WaitGroup
	for i := range hs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hs[i] = newHWith(t, dbURL, set, server.WithClock(clk))
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	g := hs[2].NewGroup()
	registerDevice(g.A, "token-a", "en-US")
	schedule(g, sixPM)
	clk.Set(sixPM.Add(-time.Hour + time.Second))
	deadline := time.Now().Add(15 * time.Second)
	for fcm.Count() == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(2 * time.Second)
	if n := fcm.Count(); n != 1 {
		t.Fatalf("%d pushes: %v", n, summary(fcm.Messages()))
	}
}

// TestAttack4ShutdownDuringSend (found on 4d5e5c0, fixed in ed6cdb6): a deployment stops a server while a reminder is being
// sent (FCM slow). App.Close runs jobs.Stop with SHUTDOWN_TIMEOUT, which gives up and leaves
// the job running, then closes the worker pool and the database under it: Firebase accepts
// the push, but the delivery record cannot be written and the job stays "running" in
// river_job. River's rescuer (RescueStuckJobsAfter, 10 min) makes it retryable and it runs
// again with no delivery record: the same reminder a second time (10 minutes later, still
// before the session). The test stops at the evidence: an accepted push, no delivery
// record, a job left running (the harness's fake clock keeps River's leader, and so the
// rescuer, from running reliably).
func TestAttack4ShutdownDuringSend(t *testing.T) {
	t.Parallel()
	p := newPushH(t, "sqlite:"+t.TempDir()+"/stop.db", tuesdayMorning, map[string]string{"SHUTDOWN_TIMEOUT": "1s"})
	g := p.NewGroup()
	registerDevice(g.A, "token-a", "en-US")
	schedule(g, sixPM)
	p.FCM.SetLatency(9 * time.Second)
	p.Clock.Set(sixPM.Add(-time.Hour + time.Second))
	time.Sleep(5 * time.Second) // the scheduler makes the job available; the send is under way
	if n := p.FCM.Count(); n != 0 {
		t.Fatalf("the send finished before the shutdown: %d", n)
	}
	err := p.H.App.Close() // as SIGTERM does
	t.Logf("close: %v", err)
	p.H = newHWith(t, p.dbURL, p.set, server.WithClock(p.Clock))
	p.FCM.SetLatency(0)
	p.WaitPushes(1, 15*time.Second)
	time.Sleep(time.Second)
	var delivered, running int
	_ = rawDB(t, p.H).QueryRow(`SELECT count(*) FROM deliveries`).Scan(&delivered)
	_ = rawDB(t, p.H).QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'session_reminder' AND state = 'running'`).Scan(&running)
	if delivered == 0 || running > 0 {
		t.Errorf("Firebase accepted the reminder, yet %d delivery records and %d reminder jobs left running: the rescuer will send it again", delivered, running)
	}
}

// TestAttack4ScheduleRetryDoubles (found on 4d5e5c0, fixed in ed6cdb6): the therapist's phone retries scheduleSession after a
// timeout (the first request did commit). There is no client id or natural key, so the group
// now has two sessions at the same time, and every member gets every reminder twice.
func TestAttack4ScheduleRetryDoubles(t *testing.T) {
	t.Parallel()
	ssDatabases(t, tuesdayMorning, func(t *testing.T, h *H, _ *clock.Fake) {
		g := h.NewGroup()
		schedule(g, sixPM)
		schedule(g, sixPM) // the retry
		if _, l := ssGroupSessions(g.A, g.ID); len(l) != 1 {
			t.Errorf("the same session sent twice is %d sessions: %v", len(l), ssStrings(l))
		}
	})
}

// TestAttack4MoveNoticeOnceEachMove: the 6:00 PM session was reminded at 17:01. It moves to
// 6:10 PM, back to 6:00 PM, and to 6:10 PM again. Each move must reach the member exactly
// once with the new time: not twice (the smallest-lead fallback and a "moved" notice for the
// same new time), and not zero times (a reminder unique by start time, or a delivery key
// holding the start time, for a time the member was already told about once).
func TestAttack4MoveNoticeOnceEachMove(t *testing.T) {
	t.Parallel()
	pushDatabases(t, tuesdayMorning, func(t *testing.T, p *PushH) {
		g := p.NewGroup()
		registerDevice(g.A, "token-a", "en-US")
		id := schedule(g, sixPM)
		p.Clock.Set(sixPM.Add(-59 * time.Minute))
		p.WaitPushes(1, 15*time.Second)
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
			before := p.FCM.Count()
			p.Clock.Set(sixPM.Add(m.at))
			g.Therapist.MustOp("RescheduleSession", map[string]any{"id": id, "startsAt": m.to.Format(time.RFC3339)})
			time.Sleep(8 * time.Second)
			ms := p.FCM.Messages()
			if n := len(ms) - before; n != 1 || ms[len(ms)-1].Body != m.body {
				t.Errorf("move %d (to %q): %d new pushes, want one saying %q: %v", i+1, m.body, n, m.body, summary(ms[before:]))
			}
		}
	})
}

// TestAttack4JoinRacesReschedule: as TestAttack4JoinRacesWeeklySchedule, for a one-off
// session moved while a member joins. Reschedule does not hold the group row (SetWeekly and
// Schedule do), so the joiner's MemberChanged, which waits for those, does not wait for it:
// it plans the session's old time, and the move plans only the members it read. The joiner
// gets no reminder for the moved session.
func TestAttack4JoinRacesReschedule(t *testing.T) {
	t.Parallel()
	pg := postgresURL()
	if pg == "" {
		t.Skip("needs TEST_POSTGRES_URL (SQLite serialises the two transactions)")
	}
	pd := &a4PauseDriver{hit: make(chan struct{}), pause: 500 * time.Millisecond}
	h := newHWith(t, freshSchema(t, pg), nil, server.WithDriver(func(d dialect.Driver) dialect.Driver {
		pd.Driver = d
		return pd
	}))
	g := h.NewGroup()
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	id := schedule(g, start)
	aID := g.A.MustOp("NotificationSettings", nil).Str("viewer.id")
	c := h.Member("joiner")
	cID := c.MustOp("NotificationSettings", nil).Str("viewer.id")
	pd.armed.Store(true)
	done := make(chan struct{})
	go func() {
		defer close(done)
		g.Therapist.MustOp("RescheduleSession", map[string]any{"id": id, "startsAt": start.Add(24 * time.Hour).Format(time.RFC3339)})
	}()
	<-pd.hit
	c.MustOp("JoinGroup", map[string]any{"input": map[string]any{"code": g.Code, "displayName": "Jo"}})
	<-done
	want, got := a4PendingFor(t, h, aID, start.Add(24*time.Hour)), a4PendingFor(t, h, cID, start.Add(24*time.Hour))
	if want == 0 || got != want {
		t.Errorf("reminders for the moved session: the member who joined during the move has %d, a member there all along %d", got, want)
	}
}

// a4PendingFor counts the user's pending reminders for a session starting at start.
func a4PendingFor(t *testing.T, h *H, uid string, start time.Time) int {
	t.Helper()
	var n int
	err := rawDB(t, h).QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'session_reminder'
		AND state IN ('scheduled','available','pending','retryable')
		AND (args->>'user_id')::bigint = $1 AND (args->>'starts_at')::timestamptz = $2`, uid, start).Scan(&n)
	if err != nil {
		t.Fatalf("count jobs: %v", err)
	}
	return n
}
