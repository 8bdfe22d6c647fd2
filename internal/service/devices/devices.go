// Package devices keeps the devices a member gets notifications on and their notification
// settings.
package devices

import (
	"context"
	"slices"
	"strings"

	"entgo.io/ent/dialect/sql"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/device"
	"github.com/processgroup/api/ent/user"
	"github.com/processgroup/api/internal/notify/remind"
	"github.com/processgroup/api/internal/notify/schedule"
	"github.com/processgroup/api/internal/platform/apperr"
	"github.com/processgroup/api/internal/platform/clock"
	"github.com/processgroup/api/internal/platform/lang"
	"github.com/processgroup/api/internal/rule"
	"github.com/processgroup/api/internal/service/validate"
	"github.com/processgroup/api/internal/viewer"
)

// Registration is a device registering for notifications.
type Registration struct {
	// Token is the FCM registration token of the app on the device.
	Token    string
	Platform device.Platform
	// Locale is the device's language and region (BCP 47); nil is en-US.
	Locale *string
}

// SettingsChange is a change of notification settings: fields not set stay as they are.
type SettingsChange struct {
	// ReminderLeadMinutes, when not nil, replaces the lead times (empty: no reminders).
	ReminderLeadMinutes []int
	// QuietHoursStart and QuietHoursEnd are set or cleared together.
	QuietHoursStart, QuietHoursEnd Optional
	TimeZone                       Optional
	EncouragementPushes            *bool
}

// Optional is a setting a change may leave out (Set false), set (Value) or clear (Value nil).
type Optional struct {
	Set   bool
	Value *string
}

// Devices registers devices and changes notification settings.
type Devices struct {
	jobs  *remind.Jobs
	clock clock.Clock
}

// New returns Devices that replan reminders through jobs.
func New(jobs *remind.Jobs, c clock.Clock) *Devices {
	return &Devices{jobs: jobs, clock: c}
}

// Register adds the viewer's device, or refreshes it (platform, locale, last seen) when the
// token is known: the same token twice is one device. A token another account registered
// moves to the viewer, in the same statement.
func (d *Devices) Register(ctx context.Context, c *ent.Client, in Registration) (*ent.Device, error) {
	v := viewer.FromContext(ctx)
	locale := "en-US"
	if in.Locale != nil {
		locale = *in.Locale
	}
	now := d.clock.Now()
	// On a shared phone on which someone else signed in before, their registration of the
	// token ends (the Device policy allows it to whoever presents the token), and the
	// viewer's begins, with nothing of the other's (not even when it was made).
	proof := rule.WithTokenProof(ctx, in.Token)
	if _, err := c.Device.Delete().Where(device.Token(in.Token), device.UserIDNEQ(v.UserID)).Exec(proof); err != nil {
		return nil, err
	}
	// The privacy policy checks the row as created (owned by the viewer); a registration
	// of the same token racing this one updates the row instead of failing.
	err := c.Device.Create().
		SetUserID(v.UserID).
		SetToken(in.Token).
		SetPlatform(in.Platform).
		SetLocale(locale).
		SetLastSeenAt(now).
		OnConflictColumns(device.FieldToken).
		Update(func(u *ent.DeviceUpsert) {
			u.UpdateUserID().UpdatePlatform().UpdateLocale().UpdateLastSeenAt().UpdateUpdatedAt()
		}).
		Exec(ctx)
	if err != nil {
		return nil, err
	}
	if v.Language == "" {
		if err := defaultLanguage(ctx, c, v.UserID); err != nil {
			return nil, err
		}
	}
	// Every reminder goes to every device: the ones not seen for longest beyond MaxDevices
	// are forgotten.
	old, err := c.Device.Query().Where(device.UserID(v.UserID)).
		Order(device.ByLastSeenAt(sql.OrderDesc()), device.ByID(sql.OrderDesc())).
		Offset(MaxDevices).IDs(ctx)
	if err != nil {
		return nil, err
	}
	if len(old) > 0 {
		if _, err := c.Device.Delete().Where(device.IDIn(old...)).Exec(ctx); err != nil {
			return nil, err
		}
	}
	return c.Device.Query().Where(device.Token(in.Token)).Only(ctx)
}

// defaultLanguage gives a member who has no language yet the language of the first device
// they registered (the oldest they still have: the one just registered, for a new member),
// unless a setLanguage committed meanwhile.
func defaultLanguage(ctx context.Context, c *ent.Client, userID int) error {
	first, err := c.Device.Query().Where(device.UserID(userID)).
		Order(device.ByCreatedAt(), device.ByID()).First(ctx)
	if err != nil {
		return err
	}
	return c.User.Update().
		Where(user.ID(userID), user.LanguageIsNil()).
		SetLanguage(lang.FromLocale(first.Locale)).
		Exec(ctx)
}

// SetLanguage sets the viewer's language ("en" or "es"), which chooses the consent text,
// the disclosure notice, the push texts and the order of the crisis resources. Any other
// value is BAD_USER_INPUT naming language, and changes nothing.
func SetLanguage(ctx context.Context, c *ent.Client, language string) (*ent.User, error) {
	if err := lang.Validate(language); err != nil {
		return nil, apperr.Input("language", err.Error())
	}
	v := viewer.FromContext(ctx)
	return c.User.UpdateOneID(v.UserID).SetLanguage(language).Save(ctx)
}

// Language is the language of u, the viewer v: the column if it was read (a query may
// select only some columns), else the one v's record held at sign-in, else the default for
// a member without one.
func Language(u *ent.User, v *viewer.Viewer) string {
	if u.Language != nil {
		return lang.Or(*u.Language)
	}
	if v != nil && v.UserID == u.ID {
		return lang.Or(v.Language)
	}
	return lang.Default
}

// MaxDevices is how many devices a member keeps; registering one more forgets the one not
// seen for longest.
const MaxDevices = 10

// Unregister forgets the viewer's device with token; false if they had none with it. A
// token with a NUL character is bad input (no device has one; PostgreSQL cannot even
// compare it with text).
func (d *Devices) Unregister(ctx context.Context, c *ent.Client, token string) (bool, error) {
	if strings.IndexByte(token, 0) >= 0 {
		return false, apperr.Input("token", "must not contain NUL characters")
	}
	n, err := c.Device.Delete().Where(device.Token(token)).Exec(ctx)
	return n > 0, err
}

// List is the viewer's devices, most recently seen first.
func List(ctx context.Context, c *ent.Client) ([]*ent.Device, error) {
	v := viewer.FromContext(ctx)
	return c.Device.Query().Where(device.UserID(v.UserID)).
		Order(device.ByLastSeenAt(sql.OrderDesc()), device.ByID()).All(ctx)
}

// NotificationSettings are when and how a member is notified, as the API shows them.
type NotificationSettings struct {
	// ReminderLeadMinutes are the minutes before each session that a reminder comes, largest
	// first.
	ReminderLeadMinutes []int
	// QuietHoursStart and QuietHoursEnd bound the daily quiet hours ("HH:MM"), or are nil.
	QuietHoursStart, QuietHoursEnd *string
	// TimeZone is the member's own zone, or nil for the zone of each group.
	TimeZone *string
	// EncouragementPushes says whether encouragement is pushed.
	EncouragementPushes bool
}

// Settings are the notification settings of u.
func Settings(u *ent.User) *NotificationSettings {
	return &NotificationSettings{
		ReminderLeadMinutes: remind.LeadMinutes(u),
		QuietHoursStart:     optional(u.QuietHoursStart),
		QuietHoursEnd:       optional(u.QuietHoursEnd),
		TimeZone:            optional(u.TimeZone),
		EncouragementPushes: u.EncouragementPushes,
	}
}

// UpdateSettings changes the viewer's notification settings; a change of lead times replans
// their reminders.
func (d *Devices) UpdateSettings(ctx context.Context, c *ent.Client, in SettingsChange) (*NotificationSettings, error) {
	v := viewer.FromContext(ctx)
	u, err := c.User.Get(ctx, v.UserID)
	if err != nil {
		return nil, err
	}
	upd := c.User.UpdateOne(u)
	start, startSet := in.QuietHoursStart.Value, in.QuietHoursStart.Set
	end, endSet := in.QuietHoursEnd.Value, in.QuietHoursEnd.Set
	if startSet || endSet {
		s, e := deref(start), deref(end)
		if !startSet {
			s = u.QuietHoursStart
		}
		if !endSet {
			e = u.QuietHoursEnd
		}
		if (s == "") != (e == "") {
			field := "quietHoursEnd"
			if s == "" {
				field = "quietHoursStart"
			}
			return nil, apperr.Input(field, "quietHoursStart and quietHoursEnd are set or cleared together")
		}
		for _, f := range []struct{ name, val string }{{"quietHoursStart", s}, {"quietHoursEnd", e}} {
			if _, err := schedule.ParseClock(f.val); f.val != "" && err != nil {
				return nil, apperr.Input(f.name, f.name+` must be a 24-hour time of day "HH:MM", 00:00 to 23:59`)
			}
		}
		if s == "" {
			upd.ClearQuietHoursStart().ClearQuietHoursEnd()
		} else {
			upd.SetQuietHoursStart(s).SetQuietHoursEnd(e)
		}
	}
	if in.TimeZone.Set {
		tz := in.TimeZone.Value
		if tz == nil {
			upd.ClearTimeZone()
		} else {
			if err := validate.Var("timeZone", *tz, "tz"); err != nil {
				return nil, err
			}
			upd.SetTimeZone(*tz)
		}
	}
	if in.EncouragementPushes != nil {
		upd.SetEncouragementPushes(*in.EncouragementPushes)
	}
	leadsChanged := in.ReminderLeadMinutes != nil && !slices.Equal(remind.LargestFirst(in.ReminderLeadMinutes), remind.LeadMinutes(u))
	if in.ReminderLeadMinutes != nil {
		upd.SetReminderLeadMinutes(remind.LargestFirst(in.ReminderLeadMinutes))
	}
	u, err = upd.Where(user.ID(v.UserID)).Save(ctx)
	if err != nil {
		return nil, err
	}
	if leadsChanged {
		if err := d.jobs.MemberChanged(ctx, v.UserID); err != nil {
			return nil, err
		}
	}
	return Settings(u), nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
