package devices

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/ent/device"
	"github.com/processgroup/api/internal/dbtest"
	"github.com/processgroup/api/internal/platform/apperr"
)

// register registers token for u and fails the test on an error.
func (f *fixture) register(t *testing.T, u *dbtest.User, token string, locale *string) *ent.Device {
	t.Helper()
	d, err := f.devices.Register(f.As(u), f.Client, Registration{Token: token, Platform: device.PlatformIOS, Locale: locale})
	if err != nil {
		t.Fatalf("register %s: %v", token, err)
	}
	return d
}

// devicesOf are u's devices as stored, by token.
func (f *fixture) devicesOf(t *testing.T, u *dbtest.User) map[string]*ent.Device {
	t.Helper()
	ds, err := f.Client.Device.Query().Where(device.UserID(u.ID)).All(f.Operator())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*ent.Device{}
	for _, d := range ds {
		out[d.Token] = d
	}
	return out
}

// TestRegisterSameTokenIsOneDevice pins registration at every app start: the same token is
// one device, refreshed (locale, last seen); the locale defaults to en-US.
func TestRegisterSameTokenIsOneDevice(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	first := f.register(t, f.a.User, "token-1", nil)
	if first.Locale != "en-US" {
		t.Errorf("default locale %q, want en-US", first.Locale)
	}
	f.Clock.Advance(time.Hour)
	again := f.register(t, f.a.User, "token-1", ptr("es-MX"))
	if again.ID != first.ID || again.Locale != "es-MX" || !again.LastSeenAt.After(first.LastSeenAt) {
		t.Fatalf("second registration: %+v, want device %d refreshed", again, first.ID)
	}
	if n := len(f.devicesOf(t, f.a.User)); n != 1 {
		t.Fatalf("%d devices, want 1", n)
	}
}

// TestRegisterTokenMovesToNewAccount pins a shared phone: a token another account had
// moves to the one signing in, keeping nothing of the other's registration.
func TestRegisterTokenMovesToNewAccount(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.AddMember(f.g, "Ben")
	theirs := f.register(t, b.User, "shared-phone", ptr("de-DE"))
	f.Clock.Advance(time.Hour)
	mine := f.register(t, f.a.User, "shared-phone", nil)
	if mine.UserID != f.a.ID || mine.Locale != "en-US" || !mine.LastSeenAt.After(theirs.LastSeenAt) {
		t.Fatalf("moved device %+v", mine)
	}
	if n := len(f.devicesOf(t, b.User)); n != 0 {
		t.Fatalf("the other account keeps %d devices", n)
	}
}

// TestRegisterKeepsMaxDevices pins the limit of devices: registering one more than
// MaxDevices forgets the one not seen for longest; a device seen again is kept.
func TestRegisterKeepsMaxDevices(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for i := range MaxDevices {
		f.register(t, f.a.User, fmt.Sprintf("token-%d", i), nil)
		f.Clock.Advance(time.Minute)
	}
	f.register(t, f.a.User, "token-0", nil) // the oldest, seen again
	f.Clock.Advance(time.Minute)
	f.register(t, f.a.User, "token-new", nil)
	got := f.devicesOf(t, f.a.User)
	if len(got) != MaxDevices {
		t.Fatalf("%d devices, want %d", len(got), MaxDevices)
	}
	if got["token-1"] != nil || got["token-0"] == nil || got["token-new"] == nil {
		t.Fatalf("kept %v; want token-1 (not seen for longest) forgotten", keys(got))
	}
}

// TestUnregister pins sign-out: the viewer's device is forgotten (true), a token they do
// not have answers false and leaves another member's device alone.
func TestUnregister(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.AddMember(f.g, "Ben")
	f.register(t, f.a.User, "token-a", nil)
	f.register(t, b.User, "token-b", nil)
	cases := []struct {
		token string
		want  bool
	}{{"token-a", true}, {"token-a", false}, {"token-b", false}, {"unknown", false}}
	for _, c := range cases {
		if got, err := f.devices.Unregister(f.As(f.a.User), f.Client, c.token); err != nil || got != c.want {
			t.Errorf("unregister %s: %v, %v; want %v", c.token, got, err, c.want)
		}
	}
	if len(f.devicesOf(t, b.User)) != 1 {
		t.Fatal("another member's device was forgotten")
	}
	// A NUL character is bad input naming the token, not a database error.
	_, err := f.devices.Unregister(f.As(b.User), f.Client, "token-b\x00")
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.BadUserInput || ae.Field != "token" {
		t.Fatalf("unregister with NUL: %v, want BAD_USER_INPUT on token", err)
	}
	if len(f.devicesOf(t, b.User)) != 1 {
		t.Fatal("a refused unregister forgot a device")
	}
}

func keys(m map[string]*ent.Device) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
