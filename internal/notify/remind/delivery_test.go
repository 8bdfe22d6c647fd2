package remind

// Delivery claims: each device's delivery is claimed before the send, marked sent after it,
// given back when the message certainly did not go out, and left claimed (counted as sent)
// when nobody knows; a claim of another attempt is never sent again.

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/delivery"
	"github.com/processgroup/api/internal/notify/push"
)

// reminderKey is the delivery key of the hour-ahead reminder of sess for u.
func reminderKey(sess *ent.GroupSession, userID int) string {
	return fmt.Sprintf("reminder:%d:%d:%d:%d:%d", sess.ID, userID, 60, sess.StartsAt.Unix(), 0)
}

// deliveries are the delivery rows of key, by device.
func (s *sender) deliveries(t *testing.T, key string) map[int]*ent.Delivery {
	t.Helper()
	rows, err := s.Client.Delivery.Query().Where(delivery.Key(key)).All(s.Operator())
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]*ent.Delivery{}
	for _, r := range rows {
		out[r.DeviceID] = r
	}
	return out
}

// hourAhead plans a session three hours ahead for A, whose only lead time is an hour, and
// moves the clock to that reminder.
func (s *sender) hourAhead(t *testing.T) *ent.GroupSession {
	t.Helper()
	s.setLeads(t, s.a.User, []int{60})
	sess := s.Session(s.g.Group, s.Clock.Now().Add(3*time.Hour), 60)
	s.plan(t, func(ctx context.Context) error { return s.jobs.SessionsCreated(ctx, sess.ID) })
	s.Clock.Set(sess.StartsAt.Add(-time.Hour + time.Second))
	return sess
}

// A send Firebase accepted is marked SENT by the attempt that claimed it.
func TestDeliveryClaimedThenMarkedSent(t *testing.T) {
	t.Parallel()
	s := newSender(t)
	d := s.device(t, s.a.User, "token-a", "en-US")
	sess := s.hourAhead(t)
	s.runDue(t)
	rows := s.deliveries(t, reminderKey(sess, s.a.User.ID))
	if r := rows[d.ID]; len(rows) != 1 || r == nil || r.State != delivery.StateSENT || r.Attempt == "" {
		t.Fatalf("deliveries %+v, want one SENT with its attempt", rows)
	}
	if n := len(s.rec.messages()); n != 1 {
		t.Fatalf("%d pushes, want 1", n)
	}
}

// A device whose delivery another attempt claimed and never finished (its server died while
// sending) is not sent again: the message may have reached Firebase. The other device is.
func TestDeliveryClaimOfAnEndedAttemptIsNotSentAgain(t *testing.T) {
	t.Parallel()
	s := newSender(t)
	claimed := s.device(t, s.a.User, "token-claimed", "en-US")
	s.device(t, s.a.User, "token-free", "en-US")
	sess := s.hourAhead(t)
	key := reminderKey(sess, s.a.User.ID)
	if err := s.Client.Delivery.Create().SetKey(key).SetDeviceID(claimed.ID).SetUserID(s.a.User.ID).
		SetState(delivery.StateSENDING).SetAttempt("999.1").Exec(s.Operator()); err != nil {
		t.Fatal(err)
	}
	s.runDue(t)
	if b := bodies(s.rec.messages()); len(b["token-claimed"]) != 0 || len(b["token-free"]) != 1 {
		t.Fatalf("pushes %v, want the unclaimed device only", b)
	}
	rows := s.deliveries(t, key)
	if r := rows[claimed.ID]; r.State != delivery.StateSENDING || r.Attempt != "999.1" {
		t.Errorf("the ended attempt's claim became %+v", r)
	}
}

// A send whose outcome is unknown (the request went out, no answer came) keeps its claim and
// counts as sent: the job ends, and nothing sends it again.
func TestDeliveryUnknownOutcomeCountsAsSent(t *testing.T) {
	t.Parallel()
	s := newSender(t)
	d := s.device(t, s.a.User, "token-a", "en-US")
	s.rec.mu.Lock()
	s.rec.failOnce["token-a"] = push.Result{Err: context.DeadlineExceeded, Unknown: true}
	s.rec.mu.Unlock()
	sess := s.hourAhead(t)
	s.runDue(t)
	s.Clock.Advance(10 * time.Minute) // past any retry's backoff
	s.runDue(t)
	if n := len(s.rec.messages()); n != 0 {
		t.Fatalf("%d pushes after an unknown outcome, want none sent again", n)
	}
	if r := s.deliveries(t, reminderKey(sess, s.a.User.ID))[d.ID]; r == nil || r.State != delivery.StateSENDING {
		t.Fatalf("delivery %+v, want the claim kept", r)
	}
}

// A send that certainly did not go out gives its claim back, and the retry sends it.
func TestDeliveryFailedSendIsGivenBackAndRetried(t *testing.T) {
	t.Parallel()
	s := newSender(t)
	d := s.device(t, s.a.User, "token-a", "en-US")
	s.rec.mu.Lock()
	s.rec.failOnce["token-a"] = push.Result{Err: errors.New("unavailable"), Retry: true}
	s.rec.mu.Unlock()
	sess := s.hourAhead(t)
	key := reminderKey(sess, s.a.User.ID)
	s.runDue(t)
	if rows := s.deliveries(t, key); len(rows) != 0 {
		t.Fatalf("deliveries after a failed send: %+v, want the claim given back", rows)
	}
	s.Clock.Advance(10 * time.Minute) // past River's first backoff
	s.runDue(t)
	if n := len(s.rec.messages()); n != 1 {
		t.Fatalf("%d pushes after the retry, want 1", n)
	}
	if r := s.deliveries(t, key)[d.ID]; r == nil || r.State != delivery.StateSENT {
		t.Fatalf("delivery %+v, want SENT", r)
	}
}

// unreachable tells a database that cannot be reached from a statement that failed.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	opErr := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"a statement's own failure", errors.New("constraint failed"), false},
		{"not found", &ent.NotFoundError{}, false},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"the deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), false},
		{"cancelled", context.Canceled, false},
		{"terminated by an administrator", fmt.Errorf("x: %w", &pgconn.PgError{Code: "57P01"}), true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"starting up", &pgconn.PgError{Code: "57P03"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"connection reset", fmt.Errorf("query: %w", opErr), true},
		{"unexpected EOF", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{"bad connection", driver.ErrBadConn, true},
		{"closed connection", pgconn.ErrConnClosed, true},
	}
	for _, tt := range tests {
		if got := unreachable(tt.err); got != tt.want {
			t.Errorf("%s: unreachable(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}

// whileUnreachable tries again while the database cannot be reached, not after a
// statement's own failure, and not past its context.
func TestWhileUnreachable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	calls := 0
	err := whileUnreachable(ctx, func(context.Context) error {
		if calls++; calls < 3 {
			return driver.ErrBadConn
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Errorf("through two unreachable tries: %v after %d calls, want success after 3", err, calls)
	}
	calls = 0
	failed := errors.New("constraint failed")
	if err := whileUnreachable(ctx, func(context.Context) error { calls++; return failed }); err != failed || calls != 1 {
		t.Errorf("a statement's failure: %v after %d calls, want it at once", err, calls)
	}
	short, cancel := context.WithTimeout(ctx, 120*time.Millisecond)
	defer cancel()
	if err := whileUnreachable(short, func(context.Context) error { return driver.ErrBadConn }); !errors.Is(err, driver.ErrBadConn) {
		t.Errorf("past the context: %v, want the last failure", err)
	}
}
