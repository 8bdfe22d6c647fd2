package devices

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/internal/dbtest"
	"github.com/processgroup/api/internal/notify/remind"
	"github.com/processgroup/api/internal/platform/apperr"
)

// fixture is a member A of a group with a session in three days, and Devices that plan
// reminders in the test database.
type fixture struct {
	*dbtest.Env
	devices *Devices
	g       *dbtest.Group
	a       *dbtest.Member
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	e := dbtest.New(t, dbtest.WithJobTables())
	jobs, err := remind.NewJobs(dialect.SQLite, e.DB.SQL, e.Clock)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{Env: e, devices: New(jobs, e.Clock), g: e.NewGroup("America/Chicago")}
	f.a = e.AddMember(f.g, "Ann")
	e.Session(f.g.Group, e.Clock.Now().Add(72*time.Hour), 60)
	return f
}

// update changes A's settings in a transaction, as the mutation does.
func (f *fixture) update(in SettingsChange) (*NotificationSettings, error) {
	var out *NotificationSettings
	err := f.Tx(f.As(f.a.User), func(ctx context.Context, c *ent.Client) error {
		var err error
		out, err = f.devices.UpdateSettings(ctx, c, in)
		return err
	})
	return out, err
}

// stored are A's settings as stored.
func (f *fixture) stored(t *testing.T) *NotificationSettings {
	t.Helper()
	u, err := f.Client.User.Get(f.Operator(), f.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	return Settings(u)
}

// reminders are the lead times of A's pending reminder jobs, sorted, and how many of A's
// were cancelled.
func (f *fixture) reminders(t *testing.T) (pending []int, cancelled int) {
	t.Helper()
	rc, err := river.NewClient(riversqlite.New(f.DB.SQL), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := rc.JobList(context.Background(), river.NewJobListParams().
		Kinds(remind.ReminderArgs{}.Kind()).
		States(rivertype.JobStateScheduled, rivertype.JobStateAvailable, rivertype.JobStateCancelled).First(1000))
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range res.Jobs {
		var a remind.ReminderArgs
		if err := json.Unmarshal(j.EncodedArgs, &a); err != nil {
			t.Fatal(err)
		}
		if a.UserID != f.a.ID {
			continue
		}
		if j.State == rivertype.JobStateCancelled {
			cancelled++
		} else {
			pending = append(pending, a.LeadMinutes)
		}
	}
	slices.Sort(pending)
	return pending, cancelled
}

func set(v string) Optional { return Optional{Set: true, Value: &v} }

var cleared = Optional{Set: true}

// TestQuietHoursSetOrClearedTogether pins the quiet hours: set or cleared together (the
// half left out is the stored one), strict "HH:MM" from 00:00 to 23:59, and an error names
// the field at fault; a refused change changes nothing.
func TestQuietHoursSetOrClearedTogether(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		stored     [2]string // before the change ("" for none)
		in         SettingsChange
		want       [2]string
		wrongField string
	}{
		{"set both", [2]string{}, SettingsChange{QuietHoursStart: set("22:00"), QuietHoursEnd: set("07:00")}, [2]string{"22:00", "07:00"}, ""},
		{"change the end only", [2]string{"22:00", "07:00"}, SettingsChange{QuietHoursEnd: set("06:30")}, [2]string{"22:00", "06:30"}, ""},
		{"clear both", [2]string{"22:00", "07:00"}, SettingsChange{QuietHoursStart: cleared, QuietHoursEnd: cleared}, [2]string{}, ""},
		{"clear both with empty text", [2]string{"22:00", "07:00"}, SettingsChange{QuietHoursStart: set(""), QuietHoursEnd: set("")}, [2]string{}, ""},
		{"leave both out", [2]string{"22:00", "07:00"}, SettingsChange{}, [2]string{"22:00", "07:00"}, ""},
		{"start without an end", [2]string{}, SettingsChange{QuietHoursStart: set("22:00")}, [2]string{}, "quietHoursEnd"},
		{"end without a start", [2]string{}, SettingsChange{QuietHoursEnd: set("07:00")}, [2]string{}, "quietHoursStart"},
		{"clear the start only", [2]string{"22:00", "07:00"}, SettingsChange{QuietHoursStart: cleared}, [2]string{"22:00", "07:00"}, "quietHoursStart"},
		{"clear the end only", [2]string{"22:00", "07:00"}, SettingsChange{QuietHoursEnd: cleared}, [2]string{"22:00", "07:00"}, "quietHoursEnd"},
		{"24:00", [2]string{}, SettingsChange{QuietHoursStart: set("24:00"), QuietHoursEnd: set("07:00")}, [2]string{}, "quietHoursStart"},
		{"7:00", [2]string{}, SettingsChange{QuietHoursStart: set("22:00"), QuietHoursEnd: set("7:00")}, [2]string{}, "quietHoursEnd"},
		{"23:60", [2]string{"22:00", "07:00"}, SettingsChange{QuietHoursEnd: set("23:60")}, [2]string{"22:00", "07:00"}, "quietHoursEnd"},
		{"00:00 to 23:59", [2]string{}, SettingsChange{QuietHoursStart: set("00:00"), QuietHoursEnd: set("23:59")}, [2]string{"00:00", "23:59"}, ""},
		{"both wrong: the start is named", [2]string{}, SettingsChange{QuietHoursStart: set("25:00"), QuietHoursEnd: set("7:00")}, [2]string{}, "quietHoursStart"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			if c.stored[0] != "" {
				if err := f.Client.User.UpdateOneID(f.a.ID).SetQuietHoursStart(c.stored[0]).SetQuietHoursEnd(c.stored[1]).Exec(f.Operator()); err != nil {
					t.Fatal(err)
				}
			}
			got, err := f.update(c.in)
			if c.wrongField != "" {
				var ae *apperr.Error
				if !errors.As(err, &ae) || ae.Code != apperr.BadUserInput || ae.Field != c.wrongField {
					t.Fatalf("got %v, want BAD_USER_INPUT on %s", err, c.wrongField)
				}
			} else if err != nil {
				t.Fatal(err)
			} else if str(got.QuietHoursStart) != c.want[0] || str(got.QuietHoursEnd) != c.want[1] {
				t.Errorf("answered %q–%q, want %q–%q", str(got.QuietHoursStart), str(got.QuietHoursEnd), c.want[0], c.want[1])
			}
			s := f.stored(t)
			if str(s.QuietHoursStart) != c.want[0] || str(s.QuietHoursEnd) != c.want[1] {
				t.Errorf("stored %q–%q, want %q–%q", str(s.QuietHoursStart), str(s.QuietHoursEnd), c.want[0], c.want[1])
			}
		})
	}
}

// TestTimeZoneSetting pins the member's own zone: an IANA name is kept, anything else is
// BAD_USER_INPUT on timeZone, and clearing it goes back to each group's zone.
func TestTimeZoneSetting(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if got, err := f.update(SettingsChange{TimeZone: set("Europe/Berlin")}); err != nil || str(got.TimeZone) != "Europe/Berlin" {
		t.Fatalf("set: %v, %v", got, err)
	}
	for _, bad := range []string{"Mars/Olympus", "CEST+2", "europe/berlin ", "Local", "", "../../etc/localtime"} {
		var ae *apperr.Error
		if _, err := f.update(SettingsChange{TimeZone: set(bad)}); !errors.As(err, &ae) || ae.Field != "timeZone" {
			t.Errorf("%q: %v, want BAD_USER_INPUT on timeZone", bad, err)
		}
	}
	if s := f.stored(t); str(s.TimeZone) != "Europe/Berlin" {
		t.Fatalf("stored %q after refused changes", str(s.TimeZone))
	}
	if got, err := f.update(SettingsChange{TimeZone: cleared}); err != nil || got.TimeZone != nil {
		t.Fatalf("clear: %v, %v", got, err)
	}
}

// TestLeadTimesLargestFirstAndReplanned pins the reminder lead times: stored and shown
// largest first; a change replans the member's reminders at once; the same times in
// another order are no change; none at all means no reminders (not the defaults).
func TestLeadTimesLargestFirstAndReplanned(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if got := f.stored(t).ReminderLeadMinutes; !slices.Equal(got, []int{1440, 60}) {
		t.Fatalf("defaults %v", got)
	}
	in := []int{60, 2880, 15}
	got, err := f.update(SettingsChange{ReminderLeadMinutes: in})
	if err != nil || !slices.Equal(got.ReminderLeadMinutes, []int{2880, 60, 15}) || !slices.Equal(f.stored(t).ReminderLeadMinutes, []int{2880, 60, 15}) {
		t.Fatalf("set %v: answered %v (%v), stored %v", in, got, err, f.stored(t).ReminderLeadMinutes)
	}
	if pending, _ := f.reminders(t); !slices.Equal(pending, []int{15, 60, 2880}) {
		t.Fatalf("reminders after the change: %v, want 15, 60, 2880", pending)
	}

	// The same lead times in another order: nothing to replan.
	if _, err := f.update(SettingsChange{ReminderLeadMinutes: []int{15, 60, 2880}}); err != nil {
		t.Fatal(err)
	}
	if pending, cancelled := f.reminders(t); len(pending) != 3 || cancelled != 0 {
		t.Fatalf("the same lead times replanned: %v pending, %d cancelled", pending, cancelled)
	}

	got, err = f.update(SettingsChange{ReminderLeadMinutes: []int{}})
	if err != nil || got.ReminderLeadMinutes == nil || len(got.ReminderLeadMinutes) != 0 || len(f.stored(t).ReminderLeadMinutes) != 0 {
		t.Fatalf("no lead times: answered %#v (%v), stored %#v; want none", got, err, f.stored(t).ReminderLeadMinutes)
	}
	if pending, cancelled := f.reminders(t); len(pending) != 0 || cancelled != 3 {
		t.Fatalf("after choosing no reminders: %v pending, %d cancelled; want none pending", pending, cancelled)
	}
}

// TestSettingsLeftOutStayAndPushesToggle pins a change that names one setting: the others
// stay as they were.
func TestSettingsLeftOutStayAndPushesToggle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if _, err := f.update(SettingsChange{QuietHoursStart: set("21:00"), QuietHoursEnd: set("08:00"), TimeZone: set("Asia/Tokyo"), ReminderLeadMinutes: []int{30}}); err != nil {
		t.Fatal(err)
	}
	off := false
	got, err := f.update(SettingsChange{EncouragementPushes: &off})
	if err != nil {
		t.Fatal(err)
	}
	want := NotificationSettings{ReminderLeadMinutes: []int{30}, QuietHoursStart: ptr("21:00"), QuietHoursEnd: ptr("08:00"), TimeZone: ptr("Asia/Tokyo")}
	for _, s := range []*NotificationSettings{got, f.stored(t)} {
		if s.EncouragementPushes || !slices.Equal(s.ReminderLeadMinutes, want.ReminderLeadMinutes) ||
			str(s.QuietHoursStart) != "21:00" || str(s.QuietHoursEnd) != "08:00" || str(s.TimeZone) != "Asia/Tokyo" {
			t.Errorf("settings %+v, want %+v with pushes off", s, want)
		}
	}
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func ptr[T any](v T) *T { return &v }
