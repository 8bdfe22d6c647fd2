package remind

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/attendance"
	"github.com/processgroup/api/ent/delivery"
	"github.com/processgroup/api/ent/device"
	"github.com/processgroup/api/ent/encouragement"
	"github.com/processgroup/api/ent/groupsession"
	"github.com/processgroup/api/internal/notify/push"
	"github.com/processgroup/api/internal/notify/schedule"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/rule"
)

// deps are what the workers need.
type deps struct {
	client *ent.Client
	sender push.Sender
	clock  clock.Clock
	log    *slog.Logger
	// timeout bounds a job's work before its send's outcome is known: loading, claiming,
	// sending (each send has its own deadline too, see push.FCM).
	timeout time.Duration
	// settle bounds the writes after the send (marking deliveries sent, giving back those
	// that did not go out), which go on after the job's context has ended: what Firebase
	// has accepted must be recorded even then.
	settle time.Duration
}

// system is the context of a worker's job: as the system, not as a viewer (workers read
// sessions, memberships, settings and devices to address notifications, and send nothing
// but the fixed discreet texts), on the application's clock.
func (d *deps) system(ctx context.Context) context.Context {
	return rule.ForNotifications(clock.NewContext(ctx, d.clock))
}

// recipient is a member about to be notified: their settings and devices.
type recipient struct {
	user    *ent.User
	devices []*ent.Device
	loc     *time.Location
	quiet   schedule.QuietHours
}

// locale is the locale dev's pushes are worded in: the member's language when they have one
// (set from their first device, or chosen), in the device's region; else the device's locale.
func (r *recipient) locale(dev *ent.Device) string {
	if r.user.Language == nil {
		return dev.Locale
	}
	return push.Locale(dev.Locale, *r.user.Language)
}

// loadRecipient loads the member; tz is the zone to use when they chose none.
func (d *deps) loadRecipient(ctx context.Context, userID int, tz string) (*recipient, error) {
	u, err := d.client.User.Get(ctx, userID)
	if err != nil {
		return nil, err
	}
	r := &recipient{user: u, loc: time.UTC}
	if u.TimeZone != "" {
		tz = u.TimeZone
	}
	if loc, err := time.LoadLocation(tz); err == nil {
		r.loc = loc
	}
	if u.QuietHoursStart != "" && u.QuietHoursEnd != "" {
		start, err1 := schedule.ParseClock(u.QuietHoursStart)
		end, err2 := schedule.ParseClock(u.QuietHoursEnd)
		if err1 == nil && err2 == nil {
			r.quiet = schedule.QuietHours{Start: start, End: end}
		}
	}
	r.devices, err = d.client.Device.Query().Where(device.UserID(userID)).All(ctx)
	return r, err
}

// sessionRecipient loads a session with its group and, if the member is still in that
// group, the member; nils when either is gone. It rides out a database that is unreachable
// for a moment.
func (d *deps) sessionRecipient(ctx context.Context, sessionID, userID int) (s *ent.GroupSession, r *recipient, err error) {
	err = whileUnreachable(ctx, func(ctx context.Context) error {
		s, r, err = d.loadSessionRecipient(ctx, sessionID, userID)
		return err
	})
	return s, r, err
}

// loadSessionRecipient is one try of sessionRecipient.
func (d *deps) loadSessionRecipient(ctx context.Context, sessionID, userID int) (*ent.GroupSession, *recipient, error) {
	s, err := d.client.GroupSession.Query().Where(groupsession.ID(sessionID)).WithGroup().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil, nil
	}
	if err != nil || s.Edges.Group == nil {
		return nil, nil, err
	}
	member, err := d.client.Membership.Query().Where(rule.CurrentMembershipOf(userID, s.GroupID)).Exist(ctx)
	if err != nil || !member {
		return nil, nil, err
	}
	r, err := d.loadRecipient(ctx, userID, s.Edges.Group.TimeZone)
	if err != nil {
		return nil, nil, err
	}
	return s, r, nil
}

// attemptOf names one attempt of a job: the only one that may send, mark or give back the
// deliveries it claims.
func attemptOf(job *rivertype.JobRow) string {
	return strconv.FormatInt(job.ID, 10) + "." + strconv.Itoa(job.Attempt)
}

// deliver sends one notification (key names it) to each of the recipient's devices, at most
// once per device whatever fails, and returns an error (for River to retry with backoff)
// if some send certainly did not go out and may succeed later.
//
// Firebase and the database cannot commit together, so the claim comes first: each
// device's delivery is claimed (a deliveries row, state SENDING, of this attempt) in a
// statement of its own before anything is sent, and nothing is sent that this attempt
// has not claimed. After the send, what Firebase accepted is marked SENT, what certainly
// did not go out (Firebase refused it, or it never left) is given back, and a send whose
// outcome is unknown (it went out and no answer came) keeps its claim: it counts as sent.
// A claim left by an attempt that ended (its server died mid-send, or could not reach the
// database again) is never sent again: it may have reached Firebase, and a second copy
// is what this prevents. The collapse id of every message makes a copy harmless on the
// device anyway.
func (d *deps) deliver(ctx context.Context, attempt, key string, r *recipient, build func(dev *ent.Device) push.Message) error {
	if len(r.devices) == 0 {
		return nil
	}
	ids := make([]int, len(r.devices))
	for i, dev := range r.devices {
		ids[i] = dev.ID
	}
	mine, err := d.claim(ctx, attempt, key, r.user.ID, ids)
	if err != nil {
		// The claim may have been written although its answer was lost: give back what
		// this attempt may hold, so that the retry can send it (a failure is logged).
		_ = d.settleWrites(ctx, "give back claims", func(ctx context.Context) error {
			return d.giveBack(ctx, attempt, key, ids)
		})
		return fmt.Errorf("claim deliveries: %w", err)
	}
	var devs []*ent.Device
	var msgs []push.Message
	for _, dev := range r.devices {
		if mine[dev.ID] {
			devs = append(devs, dev)
			msgs = append(msgs, build(dev))
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	results, err := d.sender.Send(ctx, msgs)
	if err != nil {
		// Nothing was sent (the context ended first); a failure is logged.
		_ = d.settleWrites(ctx, "give back claims", func(ctx context.Context) error {
			return d.giveBack(ctx, attempt, key, ids)
		})
		return fmt.Errorf("send: %w", err)
	}
	var sent, unsent, dead []int
	retry, unknown := 0, 0
	for i, res := range results {
		id := devs[i].ID
		switch {
		case res.Err == nil:
			sent = append(sent, id)
		case res.Unknown:
			unknown++ // keeps its claim: Firebase may have it
		case res.DropDevice:
			dead = append(dead, id)
			unsent = append(unsent, id)
		case res.Retry:
			retry++
			unsent = append(unsent, id)
		default:
			d.log.WarnContext(ctx, "push refused", "device", id)
			unsent = append(unsent, id)
		}
	}
	if unknown > 0 {
		d.log.WarnContext(ctx, "push outcome unknown: counted as sent, not sent again", "count", unknown)
	}
	err = d.settleWrites(ctx, "record deliveries", func(ctx context.Context) error {
		if len(sent) > 0 {
			if _, err := d.client.Delivery.Update().
				Where(delivery.Key(key), delivery.Attempt(attempt), delivery.DeviceIDIn(sent...)).
				SetState(delivery.StateSENT).Save(ctx); err != nil {
				return err
			}
		}
		if len(unsent) > 0 {
			if err := d.giveBack(ctx, attempt, key, unsent); err != nil {
				return err
			}
		}
		if len(dead) > 0 {
			if _, err := d.client.Device.Delete().Where(device.IDIn(dead...)).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record deliveries: %w", err)
	}
	if len(dead) > 0 {
		d.log.InfoContext(ctx, "dropped unregistered devices", "count", len(dead))
	}
	if retry > 0 {
		return fmt.Errorf("%d of %d sends failed for now", retry, len(msgs))
	}
	return nil
}

// claim claims key for each of the devices that has no delivery of it yet, for attempt,
// and returns the devices this attempt may send to. It tries again while the database
// fails, until ctx ends: an insert whose answer was lost may have been written, and
// asking again is how the attempt learns which claims are its own.
func (d *deps) claim(ctx context.Context, attempt, key string, userID int, ids []int) (map[int]bool, error) {
	var mine map[int]bool
	err := whileUnreachable(ctx, func(ctx context.Context) error {
		creates := make([]*ent.DeliveryCreate, len(ids))
		for i, id := range ids {
			creates[i] = d.client.Delivery.Create().SetKey(key).SetDeviceID(id).SetUserID(userID).
				SetState(delivery.StateSENDING).SetAttempt(attempt)
		}
		if err := d.client.Delivery.CreateBulk(creates...).
			OnConflictColumns(delivery.FieldKey, delivery.FieldDeviceID).DoNothing().Exec(ctx); err != nil {
			return err
		}
		rows, err := d.client.Delivery.Query().
			Where(delivery.Key(key), delivery.DeviceIDIn(ids...)).
			Select(delivery.FieldDeviceID, delivery.FieldState, delivery.FieldAttempt).All(ctx)
		if err != nil {
			return err
		}
		mine = map[int]bool{}
		doubt := 0
		for _, row := range rows {
			switch {
			case row.Attempt == attempt && row.State == delivery.StateSENDING:
				mine[row.DeviceID] = true
			case row.State == delivery.StateSENDING:
				doubt++
			}
		}
		if doubt > 0 {
			d.log.InfoContext(ctx, "deliveries claimed by an attempt that ended: not sent again", "count", doubt)
		}
		return nil
	})
	return mine, err
}

// giveBack deletes the claims of attempt on key for devices that did not get the message,
// so that a later attempt sends it.
func (d *deps) giveBack(ctx context.Context, attempt, key string, ids []int) error {
	_, err := d.client.Delivery.Delete().Where(
		delivery.Key(key), delivery.Attempt(attempt), delivery.StateEQ(delivery.StateSENDING), delivery.DeviceIDIn(ids...),
	).Exec(ctx)
	return err
}

// settleWrites runs write, and again while it fails, for up to d.settle, also after ctx has
// ended (a job cancelled at shutdown or at its timeout still records what went out). It
// logs a failure that outlasts that time: the claims concerned stay as they are (counted
// as sent).
func (d *deps) settleWrites(ctx context.Context, what string, write func(context.Context) error) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.settle)
	defer cancel()
	err := whileUnreachable(sctx, write)
	if err != nil {
		d.log.ErrorContext(ctx, "deliveries left as claimed: the database did not answer", "what", what)
	}
	return err
}

// ReminderWorker sends session reminders.
type ReminderWorker struct {
	river.WorkerDefaults[ReminderArgs]
	d *deps
}

// Timeout implements river.Worker.
func (w *ReminderWorker) Timeout(*river.Job[ReminderArgs]) time.Duration { return w.d.timeout }

// Work implements river.Worker.
func (w *ReminderWorker) Work(ctx context.Context, job *river.Job[ReminderArgs]) error {
	ctx = w.d.system(ctx)
	a := job.Args
	now := w.d.clock.Now()
	if !now.Before(a.StartsAt) {
		return nil // the session has started: too late to remind
	}
	s, r, err := w.d.sessionRecipient(ctx, a.SessionID, a.UserID)
	if err != nil || s == nil {
		return err
	}
	if s.Status != groupsession.StatusSCHEDULED || !s.StartsAt.Equal(a.StartsAt) {
		return nil // cancelled or moved: the move planned new reminders
	}
	if a.LeadMinutes != MovedLead {
		// Who said they would not come is not reminded (a move's notice still goes).
		declined, err := w.d.client.Attendance.Query().Where(
			attendance.SessionID(s.ID),
			attendance.RsvpEQ(attendance.RsvpNOT_GOING),
			attendance.HasMembershipWith(rule.CurrentMembershipOf(a.UserID, s.GroupID)),
		).Exist(ctx)
		if err != nil {
			return err
		}
		if declined {
			w.d.log.DebugContext(ctx, "reminder not sent: declined", "job", job.ID)
			return nil
		}
	}
	leads := LeadMinutes(r.user)
	if a.LeadMinutes != MovedLead && !slices.Contains(leads, a.LeadMinutes) {
		return nil // the member no longer wants a reminder this long before
	}
	if superseded(leads, a.LeadMinutes, s.StartsAt, now) {
		return nil // late (the queue was down or behind): a nearer reminder is due instead
	}
	if r.quiet.Contains(now, r.loc) {
		// Sent when the quiet hours end, if that is before the session; else not at all.
		if end := r.quiet.NextEnd(now, r.loc); end.Before(s.StartsAt) {
			return river.JobSnooze(end.Sub(now))
		}
		w.d.log.DebugContext(ctx, "reminder not sent: quiet hours", "job", job.ID)
		return nil
	}
	key := fmt.Sprintf("reminder:%d:%d:%d:%d:%d", a.SessionID, a.UserID, a.LeadMinutes, a.StartsAt.Unix(), a.Move)
	return w.d.deliver(ctx, attemptOf(job.JobRow), key, r, func(dev *ent.Device) push.Message {
		title, body := push.Reminder(r.locale(dev), r.loc, s.StartsAt, now)
		return push.Message{
			Token: dev.Token, Kind: push.KindReminder, Title: title, Body: body,
			Data:       map[string]string{"sessionId": strconv.Itoa(s.ID)},
			CollapseID: "s" + strconv.Itoa(s.ID),
			Expires:    s.StartsAt,
		}
	})
}

// superseded reports whether the member's reminder at lead has become pointless at now:
// the time of one of their smaller lead times has come too, and that one is sent instead.
func superseded(leads []int, lead int, start, now time.Time) bool {
	if lead == MovedLead {
		return false
	}
	for _, l := range leads {
		if l < lead && !start.Add(-time.Duration(l)*time.Minute).After(now) {
			return true
		}
	}
	return false
}

// CancelledWorker tells members that a session was cancelled.
type CancelledWorker struct {
	river.WorkerDefaults[CancelledArgs]
	d *deps
}

// Timeout implements river.Worker.
func (w *CancelledWorker) Timeout(*river.Job[CancelledArgs]) time.Duration { return w.d.timeout }

// Work implements river.Worker.
func (w *CancelledWorker) Work(ctx context.Context, job *river.Job[CancelledArgs]) error {
	ctx = w.d.system(ctx)
	a := job.Args
	now := w.d.clock.Now()
	s, r, err := w.d.sessionRecipient(ctx, a.SessionID, a.UserID)
	if err != nil || s == nil {
		return err
	}
	if s.Status != groupsession.StatusCANCELLED || !now.Before(s.StartsAt) {
		return nil
	}
	if r.quiet.Contains(now, r.loc) {
		// Told when the quiet hours end, unless the session would have started by then.
		if end := r.quiet.NextEnd(now, r.loc); end.Before(s.StartsAt) {
			return river.JobSnooze(end.Sub(now))
		}
		return nil
	}
	key := fmt.Sprintf("cancelled:%d:%d", a.SessionID, a.UserID)
	return w.d.deliver(ctx, attemptOf(job.JobRow), key, r, func(dev *ent.Device) push.Message {
		title, body := push.Cancelled(r.locale(dev), r.loc, s.StartsAt, now)
		return push.Message{
			Token: dev.Token, Kind: push.KindCancelled, Title: title, Body: body,
			Data:       map[string]string{"sessionId": strconv.Itoa(s.ID)},
			CollapseID: "s" + strconv.Itoa(s.ID),
			Expires:    s.StartsAt,
		}
	})
}

// EncouragementWorker tells a member that someone encouraged them.
type EncouragementWorker struct {
	river.WorkerDefaults[EncouragementArgs]
	d *deps
}

// Timeout implements river.Worker.
func (w *EncouragementWorker) Timeout(*river.Job[EncouragementArgs]) time.Duration {
	return w.d.timeout
}

// encouragementTTL is how long an encouragement push may wait for a device that is off.
const encouragementTTL = 24 * time.Hour

// Work implements river.Worker.
func (w *EncouragementWorker) Work(ctx context.Context, job *river.Job[EncouragementArgs]) error {
	ctx = w.d.system(ctx)
	a := job.Args
	now := w.d.clock.Now()
	var e *ent.Encouragement
	err := whileUnreachable(ctx, func(ctx context.Context) (err error) {
		e, err = w.d.client.Encouragement.Query().Where(encouragement.ID(a.EncouragementID)).WithReflection().Only(ctx)
		return err
	})
	if ent.IsNotFound(err) {
		return nil // deleted with its reflection
	}
	if err != nil {
		return err
	}
	if e.Edges.Reflection == nil || e.Edges.Reflection.UserID != a.UserID || e.Edges.Reflection.DeletedAt != nil {
		return nil
	}
	if !rule.RecipientMaySee(e) {
		return nil // moderated before the push went: the recipient no longer sees it
	}
	if now.Sub(job.CreatedAt) > encouragementTTL {
		return nil
	}
	var r *recipient
	err = whileUnreachable(ctx, func(ctx context.Context) error {
		g, err := w.d.client.Group.Get(ctx, e.Edges.Reflection.GroupID)
		if err != nil {
			return err
		}
		r, err = w.d.loadRecipient(ctx, a.UserID, g.TimeZone)
		return err
	})
	if err != nil {
		return err
	}
	if !r.user.EncouragementPushes {
		return nil
	}
	if r.quiet.Contains(now, r.loc) {
		return river.JobSnooze(r.quiet.NextEnd(now, r.loc).Sub(now))
	}
	key := fmt.Sprintf("encouragement:%d", a.EncouragementID)
	return w.d.deliver(ctx, attemptOf(job.JobRow), key, r, func(dev *ent.Device) push.Message {
		title, body := push.Encouragement(r.locale(dev))
		return push.Message{
			Token: dev.Token, Kind: push.KindEncouragement, Title: title, Body: body,
			Data:       map[string]string{"encouragementId": strconv.Itoa(e.ID)},
			CollapseID: "encouragement",
			Expires:    now.Add(encouragementTTL),
		}
	})
}
