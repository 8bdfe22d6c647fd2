package server_test

// Reminders through faults: real API servers on one real PostgreSQL, a database that goes
// away, connections terminated while the cluster is full, a server killed in the middle of
// a dispatch. Each test counts what FCM accepted and what the database holds: every phone
// gets its reminder exactly once. The faults last real seconds and River's own timing
// (retries, the rescue of a dead server's jobs) runs on the real clock, so these tests wait
// (for counts, with bounds), and they run on PostgreSQL only: SQLite has no server to lose.
//
// They reproduce the table of issue 12, which before the delivery claims read 120, 96 and
// 80 pushes for 60 phones.

import (
	"database/sql"
	"maps"
	"testing"
	"time"
)

// reminderFleet is the group of the fault tests: thirty members with two phones each.
const reminderFleet = 30

// dispatchThroughFault runs servers API servers (workers on, real time) on one PostgreSQL
// database behind a pgProxy, gives them a group of thirty members with two phones each and
// a session whose reminders are due at once, calls fault once FCM has accepted the first
// reminder (FCM answers after 200 ms, so the dispatch is under way), waits until every
// reminder job has finished, and checks that each phone got its reminder exactly once.
func dispatchThroughFault(t *testing.T, name string, servers int, fault func(t *testing.T, db *sql.DB, px *pgProxy)) {
	databases(t, func(t *testing.T, h *H) {
		px, viaProxy := newPGProxy(t, h.dbURL)
		h.Restart(map[string]string{"DATABASE_URL": viaProxy})
		for range servers - 1 {
			h.Another()
		}
		db := directDB(t, h.dbURL)
		g, tokens := crowd(t, h, reminderFleet)
		h.FCM.SetLatency(200 * time.Millisecond)
		// An hour-ahead reminder for a session in half an hour is sent at once.
		schedule(g, time.Now().Add(30*time.Minute).Truncate(time.Minute))
		// The fault comes while FCM holds the sends of the second round of jobs: they are
		// accepted while the database is away.
		waitUntil(t, time.Minute, "the first reminders at FCM", func() bool { return h.FCM.Count() > 0 })
		waitUntil(t, time.Minute, "more reminders under way", func() bool { return h.FCM.Pending() > 0 })
		before := h.FCM.Count()
		fault(t, db, px)
		if before >= len(tokens) {
			t.Fatalf("the dispatch was over (%d pushes) before the fault", before)
		}
		t.Logf("FCM accepted %d reminders before the fault, %d during it", before, h.FCM.Count()-before)
		waitUntil(t, 2*time.Minute, "every reminder job finished", func() bool {
			return unfinished(t, db, "session_reminder") == 0
		})
		checkExactlyOnce(t, name, h.FCM, db, "session_reminder", tokens)
		// A send that outlived its job's timeout (the claim had waited for the database)
		// keeps its claim, counted as sent: FCM had it, as the count above shows.
		if n := count(t, db, `SELECT count(*) FROM deliveries WHERE state <> 'SENT'`); n > 0 {
			t.Logf("%d deliveries with an unknown outcome, counted as sent", n)
		}
	}, withPush(), onRealTime(), onlyPostgres(), withSettings(map[string]string{
		// Long enough to ride out the fault within an attempt (a job records what FCM
		// accepted for JOB_RESCUE_AFTER - JOB_TIMEOUT - 1s = 5 s after its timeout); short
		// enough that a job whose completion River gave up writing during the fault is
		// rescued at the leader's next round (every 30 s from its start).
		"JOB_TIMEOUT": "8s", "JOB_RESCUE_AFTER": "14s",
	}))
}

// The database refuses connections for 4 s during a dispatch (its connections are cut, new
// ones reset), with two servers sending. Sends that FCM accepted while the database was
// away are recorded when it is back, and not sent again.
func TestReminderFaultDatabaseDown(t *testing.T) {
	t.Parallel()
	dispatchThroughFault(t, "database refusing connections for 4 s during a dispatch, two servers", 2, func(t *testing.T, _ *sql.DB, px *pgProxy) {
		px.set(proxyRefusing)
		time.Sleep(4 * time.Second)
		px.set(proxyOpen)
	})
}

// The cluster is at its connection limit (emulated: new connections are answered with
// PostgreSQL's FATAL 53300 by the proxy, since filling the shared test server's
// max_connections would break the tests running beside) while pg_terminate_backend ends
// every connection the three servers hold, for 3 s.
func TestReminderFaultBackendsTerminatedWhenFull(t *testing.T) {
	t.Parallel()
	dispatchThroughFault(t, "pg_terminate_backend while the cluster is at max_connections, three servers", 3, func(t *testing.T, db *sql.DB, px *pgProxy) {
		px.set(proxyFull)
		if n := terminateBackends(t, db); n == 0 {
			t.Fatal("no backend of the servers to terminate")
		}
		time.Sleep(3 * time.Second)
		px.set(proxyOpen)
	})
}

// One of two servers is killed (SIGKILL) while it sends four reminders (eight pushes that
// FCM has accepted, answers not yet back) and the other is sending too. River's rescuer on
// the survivor hands the dead server's jobs to it (JOB_RESCUE_AFTER, not ten minutes); it
// finds their deliveries claimed by an attempt that ended and does not send them again.
// The servers are processes of their own, on the real clock, so that one can be killed.
func TestReminderFaultServerKilled(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		db := directDB(t, h.dbURL)
		g, tokens := crowd(t, h, reminderFleet)
		settings := func(kv map[string]string) map[string]string {
			s := map[string]string{
				"DATABASE_URL": h.dbURL, "FIREBASE_PROJECT_ID": testProject, "FIREBASE_AUTH_EMULATOR_HOST": emuHost,
				"ENCRYPTION_KEYS": testKeys, "LOG_LEVEL": "debug", "JOB_WORKERS": "4", "JOB_POLL_INTERVAL": "50ms",
			}
			maps.Copy(s, kv)
			return s
		}
		// The first server's FCM takes its messages and never answers: its sends are under
		// way when it dies (its job timeout is long, so that they still are).
		first := startServerProcess(t, settings(map[string]string{
			"FCM_ENDPOINT": h.FCM.Withholding(), "JOB_TIMEOUT": "60s", "JOB_RESCUE_AFTER": "90s",
		}))
		// It leads River (it runs alone): after its death the survivor is elected, and its
		// rescuer's first round comes at once.
		waitUntil(t, time.Minute, "the first server leads River", func() bool {
			return count(t, db, `SELECT count(*) FROM river_leader`) == 1
		})
		schedule(g, time.Now().Add(30*time.Minute).Truncate(time.Minute))
		waitUntil(t, time.Minute, "eight pushes (four reminders) under way on the first server", func() bool {
			return h.FCM.Withheld() == 8
		})
		if n := count(t, db, `SELECT count(*) FROM deliveries WHERE state = 'SENDING'`); n != 8 {
			t.Fatalf("%d deliveries claimed, want the 8 under way", n)
		}
		startServerProcess(t, settings(map[string]string{
			"FCM_ENDPOINT": h.FCM.URL, "JOB_TIMEOUT": "2s", "JOB_RESCUE_AFTER": "4s",
		}))
		waitUntil(t, time.Minute, "the second server sending", func() bool { return h.FCM.Count() > 8 })
		if n := h.FCM.Withheld(); n != 8 {
			t.Fatalf("the first server's sends ended before the kill (%d under way): FCM's deadline passed on a slow machine", n)
		}
		first.kill(t)
		killed := time.Now()
		waitUntil(t, 2*time.Minute, "the dead server's reminders rescued and finished", func() bool {
			return unfinished(t, db, "session_reminder") == 0
		})
		t.Logf("the dead server's jobs were finished by the other %v after the kill", time.Since(killed).Round(time.Second))
		checkExactlyOnce(t, "one of two servers killed with SIGKILL during a dispatch", h.FCM, db, "session_reminder", tokens)
		// The four jobs under way, and any that had finished but whose completion the dead
		// server had not written yet (River writes them in batches every 250 ms): run again,
		// they find their deliveries claimed or sent.
		if n := count(t, db, `SELECT count(*) FROM river_job WHERE kind = 'session_reminder' AND errors::text LIKE '%rescued%'`); n < 4 {
			t.Errorf("%d reminder jobs rescued, want at least the dead server's 4 under way", n)
		}
		if n := count(t, db, `SELECT count(*) FROM deliveries WHERE state = 'SENDING'`); n != 8 {
			t.Errorf("%d deliveries still claimed, want the dead server's 8 (counted as sent)", n)
		}
	}, withPush(), onlyPostgres(), withSettings(map[string]string{"JOB_WORKERS": "0"}))
}
