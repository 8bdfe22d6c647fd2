package remind

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/delivery"
	"github.com/processgroup/api/ent/device"
	"github.com/processgroup/api/internal/dbtest"
	"github.com/processgroup/api/internal/notify/push"
)

// recorder is a push.Sender that keeps what it was given and answers per token: success,
// unless fail names the token's result (failOnce: for the next send only).
type recorder struct {
	mu       sync.Mutex
	sent     []push.Message
	fail     map[string]push.Result
	failOnce map[string]push.Result
}

var _ push.Sender = (*recorder)(nil)

func (r *recorder) Send(_ context.Context, msgs []push.Message) ([]push.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]push.Result, len(msgs))
	for i, m := range msgs {
		if res, ok := r.fail[m.Token]; ok {
			out[i] = res
			continue
		}
		if res, ok := r.failOnce[m.Token]; ok {
			delete(r.failOnce, m.Token)
			out[i] = res
			continue
		}
		r.sent = append(r.sent, m)
	}
	return out, nil
}

// messages are the messages accepted so far.
func (r *recorder) messages() []push.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.sent)
}

// sender is a planner whose notification workers run, sending to a recorder.
type sender struct {
	*planner
	svc *Service
	rec *recorder
}

// newSender starts the workers of a planner's database on its clock.
func newSender(t *testing.T) *sender {
	t.Helper()
	p := newPlanner(t)
	rec := &recorder{fail: map[string]push.Result{}, failOnce: map[string]push.Result{}}
	svc, err := New(context.Background(), Config{
		Dialect: p.DB.Dialect, SQL: p.DB.SQL, Client: p.Client, Sender: rec, Clock: p.Clock,
		Log: slog.New(slog.DiscardHandler), Workers: 2, Poll: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := svc.Stop(ctx); err != nil {
			t.Errorf("stop workers: %v", err)
		}
	})
	s := &sender{planner: p, svc: svc, rec: rec}
	return s
}

// runDue runs the jobs due by the clock, within a bound.
func (s *sender) runDue(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.svc.RunDue(ctx); err != nil {
		t.Fatalf("RunDue: %v", err)
	}
}

// device registers a device of u, as the operator.
func (s *sender) device(t *testing.T, u *dbtest.User, token, locale string) *ent.Device {
	t.Helper()
	d, err := s.Client.Device.Create().SetUserID(u.ID).SetToken(token).SetPlatform(device.PlatformANDROID).SetLocale(locale).Save(s.Operator())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// bodies are the bodies of msgs by token.
func bodies(msgs []push.Message) map[string][]string {
	out := map[string][]string{}
	for _, m := range msgs {
		out[m.Token] = append(out[m.Token], m.Body)
	}
	return out
}

// checkDiscreet fails the test for a message that is not discreet.
func checkDiscreet(t *testing.T, msgs []push.Message) {
	t.Helper()
	for _, m := range msgs {
		if err := push.CheckDiscreet(m, "Ann", "Ben", "Dr. T", "Tuesday Group", "MARKER"); err != nil {
			t.Errorf("not discreet: %v", err)
		}
	}
}

// TestRunDueSendsEachReminderOnceAtItsLeadTime pins the sending of reminders: nothing before
// a lead time, each lead time's reminder once on every device at its time (worded in the
// device's locale and the group's zone, expiring at the start, collapsing per session),
// a delivery recorded per device, and nothing once the session has started.
func TestRunDueSendsEachReminderOnceAtItsLeadTime(t *testing.T) {
	t.Parallel()
	s := newSender(t)
	s.device(t, s.a.User, "token-a", "en-US")
	s.device(t, s.b.User, "token-b", "es-MX")
	startsAt := s.Clock.Now().Add(72 * time.Hour).Truncate(time.Hour) // Thursday 09:00 in Chicago
	sess := s.Session(s.g.Group, startsAt, 60)
	s.plan(t, func(ctx context.Context) error { return s.jobs.SessionsCreated(ctx, sess.ID) })

	s.runDue(t)
	if got := s.rec.messages(); len(got) != 0 {
		t.Fatalf("sent before any lead time: %v", bodies(got))
	}

	s.Clock.Set(startsAt.Add(-24*time.Hour + time.Second))
	s.runDue(t)
	s.runDue(t) // nothing is sent twice
	got := s.rec.messages()
	b := bodies(got)
	if len(got) != 2 || !slices.Equal(b["token-a"], []string{"Your group meets tomorrow at 9:00 AM"}) ||
		len(b["token-b"]) != 1 || !strings.HasPrefix(b["token-b"][0], "Tu grupo se reúne mañana") {
		t.Fatalf("day-ahead reminders: %v", b)
	}
	for _, m := range got {
		if m.Kind != push.KindReminder || m.Data["sessionId"] != strconv.Itoa(sess.ID) ||
			m.CollapseID != "s"+strconv.Itoa(sess.ID) || !m.Expires.Equal(startsAt) {
			t.Errorf("reminder %+v: want kind %s, session id %d, collapse id s%d, expiring at the start", m, push.KindReminder, sess.ID, sess.ID)
		}
	}

	s.Clock.Set(startsAt.Add(-time.Hour + time.Second))
	s.runDue(t)
	got = s.rec.messages()
	if b := bodies(got); len(got) != 4 || b["token-a"][1] != "Your group meets at 9:00 AM" {
		t.Fatalf("after the hour-ahead reminders: %v", b)
	}
	n, err := s.Client.Delivery.Query().Where(delivery.KeyHasPrefix("reminder:")).Count(s.Operator())
	if err != nil || n != 4 {
		t.Fatalf("%d deliveries recorded (%v), want 4", n, err)
	}

	s.Clock.Set(startsAt.Add(time.Minute))
	s.runDue(t)
	if got := s.rec.messages(); len(got) != 4 {
		t.Fatalf("sent after the start: %v", bodies(got[4:]))
	}
	checkDiscreet(t, s.rec.messages())
}

// TestRunDueSkipsSupersededReminder pins that a queue that fell behind sends one reminder,
// not two: when both lead times have passed, the day-ahead reminder is skipped and the
// hour-ahead one goes.
func TestRunDueSkipsSupersededReminder(t *testing.T) {
	t.Parallel()
	s := newSender(t)
	s.device(t, s.a.User, "token-a", "en-US")
	startsAt := s.Clock.Now().Add(72 * time.Hour).Truncate(time.Hour)
	sess := s.Session(s.g.Group, startsAt, 60)
	s.plan(t, func(ctx context.Context) error { return s.jobs.SessionsCreated(ctx, sess.ID) })

	s.Clock.Set(startsAt.Add(-30 * time.Minute))
	s.runDue(t)
	if b := bodies(s.rec.messages()); len(b["token-a"]) != 1 || b["token-a"][0] != "Your group meets at 9:00 AM" {
		t.Fatalf("late queue sent %v, want the hour-ahead reminder only", b)
	}
}

// TestRunDueQuietHours pins quiet hours (in the group's zone, the member having none of
// their own): a reminder due in them waits for their end if the session is later, and is
// not sent at all if the session starts first.
func TestRunDueQuietHours(t *testing.T) {
	t.Parallel()
	s := newSender(t)
	s.device(t, s.a.User, "token-a", "en-US")
	s.device(t, s.b.User, "token-b", "en-US")
	for _, u := range []*dbtest.User{s.a.User, s.b.User} {
		s.setLeads(t, u, []int{60})
	}
	// A is quiet until 08:30, B until 10:00; the session is at 09:00 in Chicago.
	quiet := map[*dbtest.User][2]string{s.a.User: {"22:00", "08:30"}, s.b.User: {"07:00", "10:00"}}
	for u, q := range quiet {
		if err := s.Client.User.UpdateOneID(u.ID).SetQuietHoursStart(q[0]).SetQuietHoursEnd(q[1]).Exec(s.Operator()); err != nil {
			t.Fatal(err)
		}
	}
	startsAt := s.Clock.Now().Add(72 * time.Hour).Truncate(time.Hour)
	sess := s.Session(s.g.Group, startsAt, 60)
	s.plan(t, func(ctx context.Context) error { return s.jobs.SessionsCreated(ctx, sess.ID) })

	s.Clock.Set(startsAt.Add(-time.Hour + time.Second)) // 08:00:01
	s.runDue(t)
	if got := s.rec.messages(); len(got) != 0 {
		t.Fatalf("sent in quiet hours: %v", bodies(got))
	}
	s.Clock.Set(startsAt.Add(-30*time.Minute + time.Second)) // 08:30:01
	s.runDue(t)
	s.Clock.Set(startsAt.Add(-time.Second))
	s.runDue(t)
	if b := bodies(s.rec.messages()); len(b["token-a"]) != 1 || len(b["token-b"]) != 0 {
		t.Fatalf("after A's quiet hours: %v, want A's reminder only (B's quiet hours outlast the session)", b)
	}
}

// TestRunDueDropsUnregisteredDevice pins that a device Firebase reports unregistered is
// forgotten, while the member's other devices get the reminder.
func TestRunDueDropsUnregisteredDevice(t *testing.T) {
	t.Parallel()
	s := newSender(t)
	dead := s.device(t, s.a.User, "token-dead", "en-US")
	s.device(t, s.a.User, "token-live", "en-US")
	s.rec.fail["token-dead"] = push.Result{Err: push.ErrNoToken, DropDevice: true}
	s.setLeads(t, s.a.User, []int{60})
	sess := s.Session(s.g.Group, s.Clock.Now().Add(3*time.Hour), 60)
	s.plan(t, func(ctx context.Context) error { return s.jobs.SessionsCreated(ctx, sess.ID) })

	s.Clock.Set(sess.StartsAt.Add(-time.Hour + time.Second))
	s.runDue(t)
	if b := bodies(s.rec.messages()); len(b["token-live"]) != 1 || len(b) != 1 {
		t.Fatalf("sent %v, want one reminder to the live device", b)
	}
	if ok, err := s.Client.Device.Query().Where(device.ID(dead.ID)).Exist(s.Operator()); err != nil || ok {
		t.Fatalf("the unregistered device is still there (%v)", err)
	}
}

// TestRunDueCancelledNotice pins the notice of a cancelled session: each current member's
// devices are told once, in their words; no reminder of it goes.
func TestRunDueCancelledNotice(t *testing.T) {
	t.Parallel()
	s := newSender(t)
	s.device(t, s.a.User, "token-a", "en-US")
	startsAt := s.Clock.Now().Add(72 * time.Hour).Truncate(time.Hour)
	sess := s.Session(s.g.Group, startsAt, 60)
	s.plan(t, func(ctx context.Context) error { return s.jobs.SessionsCreated(ctx, sess.ID) })
	sess, err := s.Client.GroupSession.UpdateOne(sess).SetStatus("CANCELLED").Save(s.Operator())
	if err != nil {
		t.Fatal(err)
	}
	s.plan(t, func(ctx context.Context) error { return s.jobs.SessionCancelled(ctx, sess) })

	s.runDue(t)
	s.Clock.Set(startsAt.Add(-time.Minute))
	s.runDue(t)
	got := s.rec.messages()
	if len(got) != 1 || got[0].Kind != push.KindCancelled || got[0].Body != "Your group on Thursday at 9:00 AM is cancelled." {
		t.Fatalf("sent %+v, want one cancellation notice", got)
	}
	checkDiscreet(t, got)
}

// TestRunDueEncouragement pins the encouragement push: sent to the author of the reflection,
// not when they turned such pushes off, and not once the encouragement was reported.
func TestRunDueEncouragement(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		setup func(t *testing.T, s *sender, e *ent.Encouragement)
		want  int
	}{
		{"sent", nil, 1},
		{"pushes turned off", func(t *testing.T, s *sender, _ *ent.Encouragement) {
			if err := s.Client.User.UpdateOneID(s.a.ID).SetEncouragementPushes(false).Exec(s.Operator()); err != nil {
				t.Fatal(err)
			}
		}, 0},
		{"reported before the push went", func(t *testing.T, s *sender, e *ent.Encouragement) {
			if err := s.Client.Encouragement.UpdateOne(e).SetReportedAt(s.Clock.Now()).Exec(s.Operator()); err != nil {
				t.Fatal(err)
			}
		}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newSender(t)
			s.device(t, s.a.User, "token-a", "en-US")
			r := s.Reflect(s.a, "FACILITATORS")
			e, err := s.Client.Encouragement.Create().SetClientID(uuid.New()).SetReflectionID(r.ID).
				SetSenderID(s.g.Facilitator.Membership.ID).SetKind("HEART").Save(s.Operator())
			if err != nil {
				t.Fatal(err)
			}
			// The workers are running: what happens before the push goes happens before it
			// is queued.
			if c.setup != nil {
				c.setup(t, s, e)
			}
			s.plan(t, func(ctx context.Context) error { return s.jobs.Encouraged(ctx, e.ID, s.a.ID) })
			s.runDue(t)
			got := s.rec.messages()
			if len(got) != c.want {
				t.Fatalf("%d pushes, want %d: %+v", len(got), c.want, got)
			}
			if c.want > 0 && (got[0].Kind != push.KindEncouragement || got[0].Body != "Someone sent you encouragement") {
				t.Fatalf("push %+v", got[0])
			}
			checkDiscreet(t, got)
		})
	}
}

// TestRunDueRetryDoesNotSendTwice pins a send that failed for now on one device: the job is
// retried later, and the retry sends to that device only; the device that got it the first
// time does not get it again.
func TestRunDueRetryDoesNotSendTwice(t *testing.T) {
	t.Parallel()
	s := newSender(t)
	s.device(t, s.a.User, "token-ok", "en-US")
	s.device(t, s.a.User, "token-flaky", "en-US")
	s.rec.mu.Lock()
	s.rec.failOnce["token-flaky"] = push.Result{Err: errors.New("unavailable"), Retry: true}
	s.rec.mu.Unlock()
	s.setLeads(t, s.a.User, []int{60})
	sess := s.Session(s.g.Group, s.Clock.Now().Add(3*time.Hour), 60)
	s.plan(t, func(ctx context.Context) error { return s.jobs.SessionsCreated(ctx, sess.ID) })

	s.Clock.Set(sess.StartsAt.Add(-time.Hour + time.Second))
	s.runDue(t)
	if b := bodies(s.rec.messages()); len(b["token-ok"]) != 1 || len(b["token-flaky"]) != 0 {
		t.Fatalf("first attempt sent %v, want the reliable device only", b)
	}
	s.Clock.Advance(10 * time.Minute) // past River's first backoff
	s.runDue(t)
	if b := bodies(s.rec.messages()); len(b["token-ok"]) != 1 || len(b["token-flaky"]) != 1 {
		t.Fatalf("after the retry: %v, want one reminder per device", b)
	}
}
