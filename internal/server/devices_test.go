package server_test

// Devices and notification settings: registering (one device per token, a token moving to
// another account, at most ten a member), settings and their bad input.

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestDeviceLongTokenIsBadInput: registerDevice validates the token's length, while the
// column and PostgreSQL's unique btree index (at most ~2700 bytes a row) count bytes: a long
// token of many-byte characters must be accepted or refused as BAD_USER_INPUT, never become
// INTERNAL. (Real FCM tokens are ASCII; this is about the error code, not about real tokens.)
func TestDeviceLongTokenIsBadInput(t *testing.T) {
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

// TestDeviceAndSettingsBadInput: bad notification settings and device input are
// BAD_USER_INPUT naming the field, and change nothing.
func TestDeviceAndSettingsBadInput(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		a, b := h.Member("a"), h.Member("b")
		a.MustOp("UpdateNotificationSettings", map[string]any{"input": map[string]any{
			"reminderLeadMinutes": []int{120, 30}, "quietHoursStart": "22:00", "quietHoursEnd": "07:00",
			"timeZone": "Europe/Berlin", "encouragementPushes": false,
		}})
		wantA := `{"encouragementPushes":false,"quietHoursEnd":"07:00","quietHoursStart":"22:00","reminderLeadMinutes":[120,30],"timeZone":"Europe/Berlin"}`
		wantB := `{"encouragementPushes":true,"quietHoursEnd":null,"quietHoursStart":null,"reminderLeadMinutes":[1440,60],"timeZone":null}`
		if got := settingsOf(a); got != wantA {
			t.Fatalf("settings: %s", got)
		}
		cases := []struct {
			name  string
			c     *Client
			in    map[string]any
			field string
		}{
			{"quiet start 24:00", a, map[string]any{"quietHoursStart": "24:00", "quietHoursEnd": "07:00"}, "quietHoursStart"},
			{"quiet end 24:00", a, map[string]any{"quietHoursEnd": "24:00"}, "quietHoursEnd"},
			{"quiet start 7:00", a, map[string]any{"quietHoursStart": "7:00"}, "quietHoursStart"},
			{"quiet start alone", b, map[string]any{"quietHoursStart": "22:00"}, "quietHoursEnd"},
			{"quiet end alone", b, map[string]any{"quietHoursEnd": "07:00"}, "quietHoursStart"},
			{"quiet start cleared alone", a, map[string]any{"quietHoursStart": nil}, "quietHoursStart"},
			{"quiet end cleared alone", a, map[string]any{"quietHoursStart": "23:00", "quietHoursEnd": nil}, "quietHoursEnd"},
			{"time zone Mars/Base", a, map[string]any{"timeZone": "Mars/Base"}, "timeZone"},
			{"time zone Local", a, map[string]any{"timeZone": "Local"}, "timeZone"},
			{"time zone empty", a, map[string]any{"timeZone": ""}, "timeZone"},
			{"six leads", a, map[string]any{"reminderLeadMinutes": []int{1, 2, 3, 4, 5, 6}}, "reminderLeadMinutes"},
			{"lead 0", a, map[string]any{"reminderLeadMinutes": []int{60, 0}}, "reminderLeadMinutes"},
			{"lead 10081", a, map[string]any{"reminderLeadMinutes": []int{10081}}, "reminderLeadMinutes"},
			{"duplicate lead", a, map[string]any{"reminderLeadMinutes": []int{60, 30, 60}}, "reminderLeadMinutes"},
			// A bad field next to good ones: the good ones are not applied either.
			{"bad zone with good pushes", a, map[string]any{"encouragementPushes": true, "reminderLeadMinutes": []int{15}, "timeZone": "Mars/Base"}, "timeZone"},
		}
		for _, tc := range cases {
			r := tc.c.Op("UpdateNotificationSettings", map[string]any{"input": tc.in})
			if r.Code() == "BAD_USER_INPUT" && strings.HasPrefix(fmt.Sprint(r.Errors[0].Extensions["field"]), tc.field+"[") {
				// A list element is named by its index (reminderLeadMinutes[1]): that names the field.
			} else {
				wantBadInput(t, tc.name, r, tc.field)
			}
			if got := settingsOf(a); got != wantA {
				t.Fatalf("%s changed A's settings: %s", tc.name, got)
			}
			if got := settingsOf(b); got != wantB {
				t.Fatalf("%s changed B's settings: %s", tc.name, got)
			}
		}

		devices := []struct {
			name  string
			in    map[string]any
			field string
		}{
			{"locale not a tag", map[string]any{"token": "ss-bad-1", "platform": "IOS", "locale": "not a locale!!"}, "locale"},
			{"empty token", map[string]any{"token": "", "platform": "IOS"}, "token"},
			{"blank token", map[string]any{"token": "   ", "platform": "IOS"}, "token"},
			{"token of 4097", map[string]any{"token": strings.Repeat("t", 4097), "platform": "IOS"}, "token"},
			{"unknown platform", map[string]any{"token": "ss-bad-2", "platform": "PALM"}, "platform"},
		}
		for _, tc := range devices {
			r := a.Op("RegisterDevice", map[string]any{"input": tc.in})
			if tc.field == "platform" {
				// An enum value the schema lacks fails variable coercion (named by its path).
				if r.Code() != "BAD_USER_INPUT" {
					t.Errorf("%s: %s", tc.name, r.Raw)
				}
			} else {
				wantBadInput(t, tc.name, r, tc.field)
			}
			if l := devicesOf(a); len(l) != 0 {
				t.Fatalf("%s registered a device: %v", tc.name, l)
			}
		}
	})
}

// TestDeviceNotificationSettings: defaults, partial updates, clearing with null, lead
// times largest first, an empty list turns reminders off.
func TestDeviceNotificationSettings(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		a, b := h.Member("a"), h.Member("b")
		r := a.MustOp("NotificationSettings", nil)
		if r.Str("viewer.id") == "" {
			t.Fatalf("viewer: %s", r.Raw)
		}
		const defaults = `{"encouragementPushes":true,"quietHoursEnd":null,"quietHoursStart":null,"reminderLeadMinutes":[1440,60],"timeZone":null}`
		if got := settingsOf(a); got != defaults {
			t.Fatalf("defaults: %s", got)
		}
		steps := []struct {
			name string
			in   map[string]any
			want string
		}{
			{"leads, largest first", map[string]any{"reminderLeadMinutes": []int{60, 1440, 15}},
				`{"encouragementPushes":true,"quietHoursEnd":null,"quietHoursStart":null,"reminderLeadMinutes":[1440,60,15],"timeZone":null}`},
			{"quiet hours", map[string]any{"quietHoursStart": "22:00", "quietHoursEnd": "07:00"},
				`{"encouragementPushes":true,"quietHoursEnd":"07:00","quietHoursStart":"22:00","reminderLeadMinutes":[1440,60,15],"timeZone":null}`},
			{"time zone", map[string]any{"timeZone": "Europe/Berlin"},
				`{"encouragementPushes":true,"quietHoursEnd":"07:00","quietHoursStart":"22:00","reminderLeadMinutes":[1440,60,15],"timeZone":"Europe/Berlin"}`},
			{"encouragement off", map[string]any{"encouragementPushes": false},
				`{"encouragementPushes":false,"quietHoursEnd":"07:00","quietHoursStart":"22:00","reminderLeadMinutes":[1440,60,15],"timeZone":"Europe/Berlin"}`},
			{"quiet end alone", map[string]any{"quietHoursEnd": "06:30"},
				`{"encouragementPushes":false,"quietHoursEnd":"06:30","quietHoursStart":"22:00","reminderLeadMinutes":[1440,60,15],"timeZone":"Europe/Berlin"}`},
			{"leads null", map[string]any{"reminderLeadMinutes": nil},
				`{"encouragementPushes":false,"quietHoursEnd":"06:30","quietHoursStart":"22:00","reminderLeadMinutes":[1440,60,15],"timeZone":"Europe/Berlin"}`},
			{"nothing", map[string]any{},
				`{"encouragementPushes":false,"quietHoursEnd":"06:30","quietHoursStart":"22:00","reminderLeadMinutes":[1440,60,15],"timeZone":"Europe/Berlin"}`},
			{"quiet hours cleared", map[string]any{"quietHoursStart": nil, "quietHoursEnd": nil},
				`{"encouragementPushes":false,"quietHoursEnd":null,"quietHoursStart":null,"reminderLeadMinutes":[1440,60,15],"timeZone":"Europe/Berlin"}`},
			{"time zone cleared", map[string]any{"timeZone": nil},
				`{"encouragementPushes":false,"quietHoursEnd":null,"quietHoursStart":null,"reminderLeadMinutes":[1440,60,15],"timeZone":null}`},
			{"five leads", map[string]any{"reminderLeadMinutes": []int{1, 10080, 30, 5, 120}},
				`{"encouragementPushes":false,"quietHoursEnd":null,"quietHoursStart":null,"reminderLeadMinutes":[10080,120,30,5,1],"timeZone":null}`},
			{"reminders off", map[string]any{"reminderLeadMinutes": []int{}},
				`{"encouragementPushes":false,"quietHoursEnd":null,"quietHoursStart":null,"reminderLeadMinutes":[],"timeZone":null}`},
			{"encouragement on", map[string]any{"encouragementPushes": true},
				`{"encouragementPushes":true,"quietHoursEnd":null,"quietHoursStart":null,"reminderLeadMinutes":[],"timeZone":null}`},
		}
		for _, s := range steps {
			r := a.MustOp("UpdateNotificationSettings", map[string]any{"input": s.in})
			if got := compactJSON(r.Get("updateNotificationSettings")); got != s.want {
				t.Fatalf("%s: returned %s\nwant %s", s.name, got, s.want)
			}
			if got := settingsOf(a); got != s.want {
				t.Fatalf("%s: read back %s\nwant %s", s.name, got, s.want)
			}
			// Nobody else's settings move.
			if got := settingsOf(b); got != defaults {
				t.Fatalf("%s changed B's settings: %s", s.name, got)
			}
		}
	})
}

// TestDeviceRegistration: registering is idempotent per token (same id, lastSeenAt moves),
// devices are listed most recently seen first, only their owner sees or forgets them, and a
// token registered by another account (a shared phone) moves to the new one.
func TestDeviceRegistration(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		a, b := h.Member("a"), h.Member("b")
		d1 := registerDevice(a, "ss-token-phone", "IOS", "en-US")
		if d1.ID == "" || d1.Platform != "IOS" || d1.Locale != "en-US" || d1.CreatedAt == "" || !strings.HasPrefix(d1.LastSeenAt, "2027-03-01T12:") {
			t.Fatalf("registered: %+v", d1)
		}
		// The next app start, an hour later, on an updated phone: one device.
		clk.Advance(time.Hour)
		again := registerDevice(a, "ss-token-phone", "ANDROID", "de-DE")
		if again.ID != d1.ID || again.CreatedAt != d1.CreatedAt || again.Platform != "ANDROID" || again.Locale != "de-DE" || !strings.HasPrefix(again.LastSeenAt, "2027-03-01T13:") {
			t.Fatalf("the same token again: %+v, first %+v", again, d1)
		}
		if l := devicesOf(a); len(l) != 1 || l[0] != again {
			t.Fatalf("one device: %+v", l)
		}
		// A second device, without a locale (en-US), seen later: listed first.
		clk.Advance(time.Hour)
		d2 := registerDevice(a, "ss-token-tablet", "WEB", "")
		if d2.ID == d1.ID || d2.Locale != "en-US" || d2.Platform != "WEB" {
			t.Fatalf("second device: %+v", d2)
		}
		if l := devicesOf(a); len(l) != 2 || l[0].ID != d2.ID || l[1].ID != d1.ID {
			t.Fatalf("most recently seen first: %+v", l)
		}

		// B cannot see A's devices or settings, by any path.
		userA := a.MustOp("NotificationSettings", nil).Str("viewer.id")
		for _, id := range []string{d1.ID, d2.ID, userA} {
			if r := b.Raw(sessionNodeDoc, "SSNode", map[string]any{"id": id}); r.Get("node") != nil || strings.Contains(r.Raw, "de-DE") {
				t.Fatalf("B reads node %s: %s", id, r.Raw)
			}
		}
		if r := b.Raw(sessionNodesDoc, "SSNodes", map[string]any{"ids": []string{d1.ID, d2.ID}}); r.Get("nodes.0") != nil || r.Get("nodes.1") != nil {
			t.Fatalf("B reads nodes: %s", r.Raw)
		}
		if l := devicesOf(b); len(l) != 0 {
			t.Fatalf("B lists devices: %+v", l)
		}
		// A reads their own.
		if r := a.Raw(sessionNodeDoc, "SSNode", map[string]any{"id": d1.ID}); r.Str("node.locale") != "de-DE" {
			t.Fatalf("A reads their device: %s", r.Raw)
		}

		// B cannot forget A's device by its token.
		if r := b.MustOp("UnregisterDevice", map[string]any{"token": "ss-token-phone"}); r.Get("unregisterDevice") != false {
			t.Fatalf("B unregistering A's token: %s", r.Raw)
		}
		if l := devicesOf(a); len(l) != 2 {
			t.Fatalf("B's unregister removed A's device: %+v", l)
		}
		// An unknown token: false.
		if r := a.MustOp("UnregisterDevice", map[string]any{"token": "ss-token-unknown"}); r.Get("unregisterDevice") != false {
			t.Fatalf("unknown token: %s", r.Raw)
		}

		// B signs in on A's phone: the device moves to B.
		clk.Advance(time.Hour)
		moved := registerDevice(b, "ss-token-phone", "ANDROID", "en-GB")
		if moved.Locale != "en-GB" || !strings.HasPrefix(moved.LastSeenAt, "2027-03-01T15:") {
			t.Fatalf("moved device: %+v", moved)
		}
		if l := devicesOf(b); len(l) != 1 || l[0].ID != moved.ID {
			t.Fatalf("B lists the shared phone: %+v", l)
		}
		if l := devicesOf(a); len(l) != 1 || l[0].ID != d2.ID {
			t.Fatalf("A no longer lists the shared phone: %+v", l)
		}
		if r := a.Raw(sessionNodeDoc, "SSNode", map[string]any{"id": moved.ID}); r.Get("node") != nil {
			t.Fatalf("A still reads the moved device: %s", r.Raw)
		}
		// A's sign-out with the old token does not take it from B.
		if r := a.MustOp("UnregisterDevice", map[string]any{"token": "ss-token-phone"}); r.Get("unregisterDevice") != false {
			t.Fatalf("A unregistering the moved token: %s", r.Raw)
		}
		if l := devicesOf(b); len(l) != 1 {
			t.Fatalf("A's unregister removed B's device: %+v", l)
		}
		// B's sign-out forgets it, once.
		if r := b.MustOp("UnregisterDevice", map[string]any{"token": "ss-token-phone"}); r.Get("unregisterDevice") != true {
			t.Fatalf("B unregistering: %s", r.Raw)
		}
		if r := b.MustOp("UnregisterDevice", map[string]any{"token": "ss-token-phone"}); r.Get("unregisterDevice") != false {
			t.Fatalf("B unregistering twice: %s", r.Raw)
		}
		if l := devicesOf(b); len(l) != 0 {
			t.Fatalf("B's devices after sign-out: %+v", l)
		}
		if l := devicesOf(a); len(l) != 1 || l[0].ID != d2.ID {
			t.Fatalf("A's tablet stays: %+v", l)
		}
		// Nobody signed in registers nothing.
		if r := h.Anonymous().Op("RegisterDevice", map[string]any{"input": map[string]any{"token": "ss-token-anon", "platform": "IOS"}}); r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("anonymous register: %s", r.Raw)
		}
	}, startingAt(springMonday))
}

// TestDeviceCap: a member keeps their ten most recently seen devices; an
// eleventh forgets the one not seen for longest, and refreshing a device keeps it.
func TestDeviceCap(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		c := h.Member("cap")
		for i := 0; i < 10; i++ {
			registerDevice(c, fmt.Sprint("cap-token-", i), "ANDROID", "en-US")
			clk.Advance(time.Minute)
		}
		registerDevice(c, "cap-token-0", "ANDROID", "en-US") // seen again: now the most recent
		clk.Advance(time.Minute)
		registerDevice(c, "cap-token-10", "ANDROID", "en-US")
		r := c.MustRaw(`query { viewer { devices { id } } }`, "", nil)
		if n := len(r.Get("viewer.devices").([]any)); n != 10 {
			t.Fatalf("want 10 devices, got %d", n)
		}
		if c.MustOp("UnregisterDevice", map[string]any{"token": "cap-token-1"}).Get("unregisterDevice") != false {
			t.Fatalf("the device not seen for longest is kept")
		}
		if c.MustOp("UnregisterDevice", map[string]any{"token": "cap-token-0"}).Get("unregisterDevice") != true {
			t.Fatalf("the refreshed device was forgotten")
		}
	}, startingAt(springMonday))
}

// devicesDoc lists the viewer's devices.
const devicesDoc = `query SSDevices { viewer { id devices { id platform locale createdAt lastSeenAt } } }`

// devicesOf lists c's devices.
func devicesOf(c *Client) []deviceInfo {
	c.h.t.Helper()
	r := c.Raw(devicesDoc, "SSDevices", nil)
	if len(r.Errors) > 0 {
		c.h.t.Fatalf("devices: %s", r.Raw)
	}
	var out []deviceInfo
	b, _ := json.Marshal(r.Get("viewer.devices"))
	_ = json.Unmarshal(b, &out)
	return out
}

// settingsOf reads c's notification settings as raw JSON.
func settingsOf(c *Client) string {
	c.h.t.Helper()
	r := c.MustOp("NotificationSettings", nil)
	b, _ := json.Marshal(r.Get("viewer.notificationSettings"))
	return string(b)
}
