package remind

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/delivery"
	"github.com/processgroup/api/ent/device"
	"github.com/processgroup/api/ent/encouragement"
	"github.com/processgroup/api/ent/groupsession"
	"github.com/processgroup/api/internal/notify/push"
	"github.com/processgroup/api/internal/notify/schedule"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/rule"
)

// sendTimeout bounds one job: loading, sending (each send has its own deadline, see
// push.FCM) and recording.
const sendTimeout = 30 * time.Second

// deps are what the workers need.
type deps struct {
	client *ent.Client
	sender push.Sender
	clock  clock.Clock
	log    *slog.Logger
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
// group, the member; nils when either is gone.
func (d *deps) sessionRecipient(ctx context.Context, sessionID, userID int) (*ent.GroupSession, *recipient, error) {
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

// deliver sends one notification to each of the recipient's devices that has not had it
// yet (key names the notification), records each accepted send, drops devices Firebase
// reports dead, and returns an error (for River to retry with backoff) if some send may
// succeed later.
func (d *deps) deliver(ctx context.Context, key string, r *recipient, build func(dev *ent.Device) push.Message) error {
	if len(r.devices) == 0 {
		return nil
	}
	ids := make([]int, len(r.devices))
	for i, dev := range r.devices {
		ids[i] = dev.ID
	}
	done, err := d.client.Delivery.Query().
		Where(delivery.Key(key), delivery.DeviceIDIn(ids...)).
		Select(delivery.FieldDeviceID).Ints(ctx)
	if err != nil {
		return err
	}
	sent := map[int]bool{}
	for _, id := range done {
		sent[id] = true
	}
	var devs []*ent.Device
	var msgs []push.Message
	for _, dev := range r.devices {
		if !sent[dev.ID] {
			devs = append(devs, dev)
			msgs = append(msgs, build(dev))
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	results, err := d.sender.Send(ctx, msgs)
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	var ok []*ent.DeliveryCreate
	var dead []int
	retry := 0
	for i, res := range results {
		switch {
		case res.Err == nil:
			ok = append(ok, d.client.Delivery.Create().SetKey(key).SetDeviceID(devs[i].ID).SetUserID(r.user.ID).SetSentAt(d.clock.Now()))
		case res.DropDevice:
			dead = append(dead, devs[i].ID)
		case res.Retry:
			retry++
		default:
			d.log.WarnContext(ctx, "push refused", "device", devs[i].ID)
		}
	}
	// Recorded even when the context is ending: Firebase has accepted these.
	rec := context.WithoutCancel(ctx)
	if len(ok) > 0 {
		if err := d.client.Delivery.CreateBulk(ok...).OnConflictColumns(delivery.FieldKey, delivery.FieldDeviceID).DoNothing().Exec(rec); err != nil {
			return fmt.Errorf("record deliveries: %w", err)
		}
	}
	if len(dead) > 0 {
		if _, err := d.client.Device.Delete().Where(device.IDIn(dead...)).Exec(rec); err != nil {
			return fmt.Errorf("drop devices: %w", err)
		}
		d.log.InfoContext(ctx, "dropped unregistered devices", "count", len(dead))
	}
	if retry > 0 {
		return fmt.Errorf("%d of %d sends failed for now", retry, len(msgs))
	}
	return nil
}

// ReminderWorker sends session reminders.
type ReminderWorker struct {
	river.WorkerDefaults[ReminderArgs]
	d *deps
}

// Timeout implements river.Worker.
func (w *ReminderWorker) Timeout(*river.Job[ReminderArgs]) time.Duration { return sendTimeout }

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
	return w.d.deliver(ctx, key, r, func(dev *ent.Device) push.Message {
		title, body := push.Reminder(dev.Locale, r.loc, s.StartsAt, now)
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
func (w *CancelledWorker) Timeout(*river.Job[CancelledArgs]) time.Duration { return sendTimeout }

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
	return w.d.deliver(ctx, key, r, func(dev *ent.Device) push.Message {
		title, body := push.Cancelled(dev.Locale, r.loc, s.StartsAt, now)
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
	return sendTimeout
}

// encouragementTTL is how long an encouragement push may wait for a device that is off.
const encouragementTTL = 24 * time.Hour

// Work implements river.Worker.
func (w *EncouragementWorker) Work(ctx context.Context, job *river.Job[EncouragementArgs]) error {
	ctx = w.d.system(ctx)
	a := job.Args
	now := w.d.clock.Now()
	e, err := w.d.client.Encouragement.Query().Where(encouragement.ID(a.EncouragementID)).WithReflection().Only(ctx)
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
	g, err := w.d.client.Group.Get(ctx, e.Edges.Reflection.GroupID)
	if err != nil {
		return err
	}
	r, err := w.d.loadRecipient(ctx, a.UserID, g.TimeZone)
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
	return w.d.deliver(ctx, key, r, func(dev *ent.Device) push.Message {
		title, body := push.Encouragement(dev.Locale)
		return push.Message{
			Token: dev.Token, Kind: push.KindEncouragement, Title: title, Body: body,
			Data:       map[string]string{"encouragementId": strconv.Itoa(e.ID)},
			CollapseID: "encouragement",
			Expires:    now.Add(encouragementTTL),
		}
	})
}
