package server_test

// Sessions, weekly schedules, devices and notification settings through the real handler:
// every operation of schema/app-operations/sessions.graphql with known values, weekly
// schedules across both daylight-saving changes of the group's zone, bad input, the privacy
// rules of sessions and devices attacked from the wrong people, and the statement count of
// the sessions connection.
//
// Most tests run on a fake clock (no workers), so that "now", the produced sessions and the
// moment a session starts are known exactly.

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/processgroup/api/internal/firebase/authemu"
)

// ssUTC is an instant in UTC.
func ssUTC(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, time.UTC)
}

// ssAt writes an instant as the API does (RFC 3339, UTC).
func ssAt(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// ssSess is a GroupSession as SessionFields selects it.
type ssSess struct {
	ID       string  `json:"id"`
	StartsAt string  `json:"startsAt"`
	EndsAt   string  `json:"endsAt"`
	Status   string  `json:"status"`
	Location *string `json:"location"`
}

// String is the session's times, status and location ("-" for none), for comparisons.
// The API gives a session without a location as "" today rather than null (see
// TestSessionsAPISessionWithoutLocationIsNull); both read as none here.
func (s ssSess) String() string {
	loc := "-"
	if s.Location != nil && *s.Location != "" {
		loc = *s.Location
	}
	return s.StartsAt + "/" + s.EndsAt + "/" + s.Status + "/" + loc
}

// ssDecode turns the value at path (a session object) into an ssSess.
func ssDecode(v any) ssSess {
	var s ssSess
	b, _ := json.Marshal(v)
	_ = json.Unmarshal(b, &s)
	return s
}

// ssGroupSessions reads the group's sessions (up to 100) as c sees them.
func ssGroupSessions(c *Client, groupID string) (*Resp, []ssSess) {
	c.h.t.Helper()
	r := c.MustOp("GroupSessions", map[string]any{"groupID": groupID, "first": 100})
	return r, ssEdges(r)
}

// ssEdges are the sessions of a GroupSessions answer, in order.
func ssEdges(r *Resp) []ssSess {
	edges, _ := r.Get("node.sessions.edges").([]any)
	out := make([]ssSess, 0, len(edges))
	for _, e := range edges {
		m, _ := e.(map[string]any)
		out = append(out, ssDecode(m["node"]))
	}
	return out
}

// ssStrings are the sessions' String forms.
func ssStrings(l []ssSess) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = s.String()
	}
	return out
}

// ssSchedule schedules a one-off session as c and returns its id.
func ssSchedule(c *Client, groupID string, startsAt time.Time, minutes int) string {
	c.h.t.Helper()
	r := c.MustOp("ScheduleSession", map[string]any{"input": map[string]any{
		"groupID": groupID, "startsAt": ssAt(startsAt), "durationMinutes": minutes,
	}})
	return r.Str("scheduleSession.id")
}

// ssWeekly is a WeeklyScheduleInput.
func ssWeekly(weekday, start string, minutes int, location string) map[string]any {
	w := map[string]any{"weekday": weekday, "localStartTime": start, "durationMinutes": minutes}
	if location != "" {
		w["location"] = location
	}
	return w
}

// ssWantInput fails unless r is BAD_USER_INPUT naming field.
func ssWantInput(t *testing.T, what string, r *Resp, field string) {
	t.Helper()
	if r.Code() != "BAD_USER_INPUT" {
		t.Errorf("%s: want BAD_USER_INPUT, got %s", what, r.Raw)
		return
	}
	if got, _ := r.Errors[0].Extensions["field"].(string); got != field {
		t.Errorf("%s: the error names field %q, want %q: %s", what, got, field, r.Raw)
	}
}

// ssWantDenied fails unless r is FORBIDDEN or NOT_FOUND without data.
func ssWantDenied(t *testing.T, what string, r *Resp) {
	t.Helper()
	if c := r.Code(); c != "FORBIDDEN" && c != "NOT_FOUND" {
		t.Errorf("%s: want FORBIDDEN or NOT_FOUND, got %s", what, r.Raw)
	}
	for _, v := range r.Data {
		if v != nil {
			t.Errorf("%s: a refused mutation returned data: %s", what, r.Raw)
		}
	}
}

// ssNodeDoc reads any node with the fields of sessions, devices and users.
const ssNodeDoc = `query SSNode($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on GroupSession { startsAt endsAt status location group { id name weeklySchedule { weekday } } }
    ... on Device { platform locale lastSeenAt }
    ... on User { notificationSettings { reminderLeadMinutes timeZone quietHoursStart } devices { id } upcomingSessions { id } }
  }
}`

// ssNodesDoc is ssNodeDoc through nodes(ids:).
const ssNodesDoc = `query SSNodes($ids: [ID!]!) {
  nodes(ids: $ids) {
    __typename
    id
    ... on GroupSession { startsAt status location }
    ... on Device { platform locale }
  }
}`

// ssDevicesDoc lists the viewer's devices.
const ssDevicesDoc = `query SSDevices { viewer { id devices { id platform locale createdAt lastSeenAt } } }`

// ssDevice is a Device as ssDevicesDoc and RegisterDevice select it.
type ssDevice struct {
	ID         string `json:"id"`
	Platform   string `json:"platform"`
	Locale     string `json:"locale"`
	CreatedAt  string `json:"createdAt"`
	LastSeenAt string `json:"lastSeenAt"`
}

// ssDevices lists c's devices.
func ssDevices(c *Client) []ssDevice {
	c.h.t.Helper()
	r := c.Raw(ssDevicesDoc, "SSDevices", nil)
	if len(r.Errors) > 0 {
		c.h.t.Fatalf("devices: %s", r.Raw)
	}
	var out []ssDevice
	b, _ := json.Marshal(r.Get("viewer.devices"))
	_ = json.Unmarshal(b, &out)
	return out
}

// ssRegister registers a device for c and returns it.
func ssRegister(c *Client, token, platform, locale string) ssDevice {
	c.h.t.Helper()
	in := map[string]any{"token": token, "platform": platform}
	if locale != "" {
		in["locale"] = locale
	}
	r := c.MustOp("RegisterDevice", map[string]any{"input": in})
	var d ssDevice
	b, _ := json.Marshal(r.Get("registerDevice"))
	_ = json.Unmarshal(b, &d)
	return d
}

// ssSettings reads c's notification settings as raw JSON.
func ssSettings(c *Client) string {
	c.h.t.Helper()
	r := c.MustOp("NotificationSettings", nil)
	b, _ := json.Marshal(r.Get("viewer.notificationSettings"))
	return string(b)
}

// ssJSON is v as compact JSON.
func ssJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// ssMadeUp is an id in the same range as id (the same type) that nothing has.
func ssMadeUp(t *testing.T, id string) string {
	t.Helper()
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		t.Fatalf("id %q: %v", id, err)
	}
	return strconv.FormatInt(n+99999, 10)
}

// ssDemote takes c's therapist role away (as set-role UID member does) and returns c with a
// fresh token.
func ssDemote(t *testing.T, h *H, c *Client) *Client {
	t.Helper()
	emu.AddUser(authemu.User{UID: c.UID, Email: c.UID + "@example.invalid"})
	tok, err := emu.Token(c.UID, 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return &Client{h: h, UID: c.UID, Token: tok}
}

// Monday 2027-03-01, 06:00 in Chicago; daylight-saving time starts on Sunday 2027-03-14.
var ssSpring = ssUTC(2027, 3, 1, 12, 0)

// TestSessionsAPIOneOffLifecycle: a one-off session is scheduled, listed, moved (duration
// kept unless given) and cancelled (twice is fine), and nextSession and UpcomingSessions
// skip what is cancelled.
func TestSessionsAPIOneOffLifecycle(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		g := h.NewGroup()
		r, list := ssGroupSessions(g.A, g.ID)
		if r.Str("node.__typename") != "Group" || r.Str("node.timeZone") != "America/Chicago" ||
			r.Get("node.weeklySchedule") != nil || r.Get("node.nextSession") != nil ||
			r.Num("node.sessions.totalCount") != 0 || len(list) != 0 {
			t.Fatalf("a new group has no sessions: %s", r.Raw)
		}

		// Friday 2027-03-05 09:00 in Chicago, an hour, in Room 7.
		r = g.Therapist.MustOp("ScheduleSession", map[string]any{"input": map[string]any{
			"groupID": g.ID, "startsAt": "2027-03-05T15:00:00Z", "durationMinutes": 60, "location": "Room 7",
		}})
		s1 := ssDecode(r.Get("scheduleSession"))
		if s1.String() != "2027-03-05T15:00:00Z/2027-03-05T16:00:00Z/SCHEDULED/Room 7" || r.Str("scheduleSession.group.id") != g.ID || s1.ID == "" {
			t.Fatalf("scheduleSession: %s", r.Raw)
		}
		// A time given in another zone is the same instant.
		r = g.Therapist.MustOp("ScheduleSession", map[string]any{"input": map[string]any{
			"groupID": g.ID, "startsAt": "2027-03-04T09:00:00-06:00", "durationMinutes": 30,
		}})
		s2 := ssDecode(r.Get("scheduleSession"))
		if s2.String() != "2027-03-04T15:00:00Z/2027-03-04T15:30:00Z/SCHEDULED/-" {
			t.Fatalf("scheduleSession without location: %s", r.Raw)
		}

		r, list = ssGroupSessions(g.A, g.ID)
		if got := ssStrings(list); r.Num("node.sessions.totalCount") != 2 || !slices.Equal(got, []string{s2.String(), s1.String()}) {
			t.Fatalf("the member lists the sessions ascending: %v %s", got, r.Raw)
		}
		if r.Str("node.nextSession.id") != s2.ID {
			t.Fatalf("nextSession: %s", r.Raw)
		}

		// Moved: the duration stays.
		r = g.Therapist.MustOp("RescheduleSession", map[string]any{"id": s1.ID, "startsAt": "2027-03-06T17:30:00Z"})
		if got := ssDecode(r.Get("rescheduleSession")); got.ID != s1.ID || got.String() != "2027-03-06T17:30:00Z/2027-03-06T18:30:00Z/SCHEDULED/Room 7" {
			t.Fatalf("reschedule keeps the duration: %s", r.Raw)
		}
		// Moved with a new duration.
		r = g.Therapist.MustOp("RescheduleSession", map[string]any{"id": s1.ID, "startsAt": "2027-03-07T17:30:00Z", "durationMinutes": 45})
		if got := ssDecode(r.Get("rescheduleSession")); got.String() != "2027-03-07T17:30:00Z/2027-03-07T18:15:00Z/SCHEDULED/Room 7" {
			t.Fatalf("reschedule with a duration: %s", r.Raw)
		}
		// Moved again without one: the new duration (45) stays.
		r = g.Therapist.MustOp("RescheduleSession", map[string]any{"id": s1.ID, "startsAt": "2027-03-08T17:00:00Z"})
		if got := ssDecode(r.Get("rescheduleSession")); got.String() != "2027-03-08T17:00:00Z/2027-03-08T17:45:00Z/SCHEDULED/Room 7" {
			t.Fatalf("reschedule keeps the last duration: %s", r.Raw)
		}

		// Cancelled, twice.
		for i := 0; i < 2; i++ {
			r = g.Therapist.MustOp("CancelSession", map[string]any{"id": s2.ID})
			if got := ssDecode(r.Get("cancelSession")); got.ID != s2.ID || got.String() != "2027-03-04T15:00:00Z/2027-03-04T15:30:00Z/CANCELLED/-" {
				t.Fatalf("cancel #%d: %s", i+1, r.Raw)
			}
		}
		r, list = ssGroupSessions(g.B, g.ID)
		if got := ssStrings(list); !slices.Equal(got, []string{
			"2027-03-04T15:00:00Z/2027-03-04T15:30:00Z/CANCELLED/-",
			"2027-03-08T17:00:00Z/2027-03-08T17:45:00Z/SCHEDULED/Room 7",
		}) {
			t.Fatalf("the list keeps the cancelled session: %v", got)
		}
		if r.Str("node.nextSession.id") != s1.ID {
			t.Fatalf("nextSession skips the cancelled session: %s", r.Raw)
		}
		up := g.A.MustOp("UpcomingSessions", nil)
		if ups, _ := up.Get("viewer.upcomingSessions").([]any); len(ups) != 1 || up.Str("viewer.upcomingSessions.0.id") != s1.ID ||
			up.Str("viewer.upcomingSessions.0.group.id") != g.ID || up.Str("viewer.upcomingSessions.0.group.timeZone") != "America/Chicago" {
			t.Fatalf("upcoming skips the cancelled session: %s", up.Raw)
		}
		// A cancelled session cannot be moved.
		ssWantInput(t, "reschedule a cancelled session", g.Therapist.Op("RescheduleSession", map[string]any{"id": s2.ID, "startsAt": "2027-03-09T15:00:00Z"}), "id")

		// The facilitator's own node(id:) reads the session.
		n := g.Therapist.Raw(ssNodeDoc, "SSNode", map[string]any{"id": s1.ID})
		if n.Str("node.__typename") != "GroupSession" || n.Str("node.group.id") != g.ID || n.Str("node.startsAt") != "2027-03-08T17:00:00Z" {
			t.Fatalf("node(id:) of a session: %s", n.Raw)
		}

		// Once it has started it is no longer next or upcoming, but stays listed.
		clk.Set(ssUTC(2027, 3, 8, 17, 1))
		r, list = ssGroupSessions(g.A, g.ID)
		if r.Get("node.nextSession") != nil || len(list) != 2 {
			t.Fatalf("a started session is not next: %s", r.Raw)
		}
		if up := g.A.MustOp("UpcomingSessions", nil); len(up.Get("viewer.upcomingSessions").([]any)) != 0 {
			t.Fatalf("a started session is not upcoming: %s", up.Raw)
		}
	}, startingAt(ssSpring))
}

// TestSessionsAPIWeeklyScheduleAcrossDST: a Tuesday 18:00 schedule in America/Chicago
// produces its sessions at 18:00 local time on both sides of each daylight-saving change:
// 00:00Z the next day on CST (UTC-6), 23:00Z on CDT (UTC-5). A slot at a reading the change
// skips moves forward by the jump; one at a reading that happens twice is the first. The
// list pages with after.
func TestSessionsAPIWeeklyScheduleAcrossDST(t *testing.T) {
	t.Parallel()
	fall := ssUTC(2026, 10, 19, 12, 0) // Monday 2026-10-19, 07:00 in Chicago
	cases := []struct {
		name    string
		start   time.Time
		weekday string
		local   string
		want    []string // startsAt of the produced sessions (28 days ahead)
		exact   bool     // every one is at the local time exactly (no skipped reading)
	}{
		// Daylight-saving time starts on Sunday 2027-03-14.
		{"spring 2027", ssSpring, "TUESDAY", "18:00", []string{
			"2027-03-03T00:00:00Z", "2027-03-10T00:00:00Z", "2027-03-16T23:00:00Z", "2027-03-23T23:00:00Z",
		}, true},
		// Daylight-saving time ends on Sunday 2026-11-01.
		{"fall 2026", fall, "TUESDAY", "18:00", []string{
			"2026-10-20T23:00:00Z", "2026-10-27T23:00:00Z", "2026-11-04T00:00:00Z", "2026-11-11T00:00:00Z",
		}, true},
		// 02:30 does not happen on 2027-03-14: that session is at 03:30 CDT, the others at 02:30.
		{"spring 2027 skipped reading", ssSpring, "SUNDAY", "02:30", []string{
			"2027-03-07T08:30:00Z", "2027-03-14T08:30:00Z", "2027-03-21T07:30:00Z", "2027-03-28T07:30:00Z",
		}, false},
		// 01:30 happens twice on 2026-11-01: the first (CDT) is meant.
		{"fall 2026 repeated reading", fall, "SUNDAY", "01:30", []string{
			"2026-10-25T06:30:00Z", "2026-11-01T06:30:00Z", "2026-11-08T07:30:00Z", "2026-11-15T07:30:00Z",
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			databases(t, func(t *testing.T, h *H) {
				g := h.NewGroup()
				echo := `{"durationMinutes":90,"localStartTime":"` + tc.local + `","location":"Room 7","weekday":"` + tc.weekday + `"}`
				r := g.Therapist.MustOp("SetWeeklySchedule", map[string]any{"groupID": g.ID, "schedule": ssWeekly(tc.weekday, tc.local, 90, "Room 7")})
				if r.Str("setWeeklySchedule.id") != g.ID || ssJSON(r.Get("setWeeklySchedule.weeklySchedule")) != echo {
					t.Fatalf("weeklySchedule echoed: %s", r.Raw)
				}
				first, _ := time.Parse(time.RFC3339, tc.want[0])
				if got := ssDecode(r.Get("setWeeklySchedule.nextSession")); got.String() != tc.want[0]+"/"+ssAt(first.Add(90*time.Minute))+"/SCHEDULED/Room 7" {
					t.Fatalf("nextSession is the next slot at its local time in Chicago: %s", r.Raw)
				}

				want := make([]string, len(tc.want))
				for i, s := range tc.want {
					at, _ := time.Parse(time.RFC3339, s)
					if l := at.In(ssChicago(t)); tc.exact && (strings.ToUpper(l.Weekday().String()) != tc.weekday || l.Format("15:04") != tc.local) {
						t.Fatalf("test data: %s is not %s %s in Chicago", s, tc.weekday, tc.local)
					}
					want[i] = s + "/" + ssAt(at.Add(90*time.Minute)) + "/SCHEDULED/Room 7"
				}
				r, list := ssGroupSessions(g.A, g.ID)
				if got := ssStrings(list); !slices.Equal(got, want) || r.Num("node.sessions.totalCount") != len(want) {
					t.Fatalf("produced sessions:\n got %v\nwant %v\n%s", got, want, r.Raw)
				}
				if ssJSON(r.Get("node.weeklySchedule")) != echo {
					t.Fatalf("weeklySchedule read back: %s", r.Raw)
				}

				// Two pages of two.
				p1 := g.A.MustOp("GroupSessions", map[string]any{"groupID": g.ID, "first": 2})
				if got := ssStrings(ssEdges(p1)); !slices.Equal(got, want[:2]) || p1.Get("node.sessions.pageInfo.hasNextPage") != true || p1.Num("node.sessions.totalCount") != 4 {
					t.Fatalf("first page: %v %s", got, p1.Raw)
				}
				p2 := g.A.MustOp("GroupSessions", map[string]any{"groupID": g.ID, "first": 2, "after": p1.Str("node.sessions.pageInfo.endCursor")})
				if got := ssStrings(ssEdges(p2)); !slices.Equal(got, want[2:]) || p2.Get("node.sessions.pageInfo.hasNextPage") != false || p2.Num("node.sessions.totalCount") != 4 {
					t.Fatalf("second page: %v %s", got, p2.Raw)
				}

				// The members' home screen lists them too, soonest first.
				up := g.B.MustOp("UpcomingSessions", map[string]any{"first": 3})
				ups, _ := up.Get("viewer.upcomingSessions").([]any)
				if len(ups) != 3 {
					t.Fatalf("upcoming first 3: %s", up.Raw)
				}
				for i := range ups {
					if got := ssDecode(ups[i]).String(); got != want[i] {
						t.Fatalf("upcoming #%d: %s, want %s", i, got, want[i])
					}
				}
			}, startingAt(tc.start))
		})
	}
}

// ssChicago is the groups' time zone.
func ssChicago(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestSessionsAPIReplaceWeeklySchedule: a new schedule replaces the future sessions the old
// one produced that nobody moved or cancelled (those within a week, which members may have
// been reminded of, are cancelled, so members are told; later ones are removed), keeps the
// moved and the cancelled ones and never touches a session that has started; removing the
// schedule does the same with the rest.
func TestSessionsAPIReplaceWeeklySchedule(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		g := h.NewGroup()
		g.Therapist.MustOp("SetWeeklySchedule", map[string]any{"groupID": g.ID, "schedule": ssWeekly("TUESDAY", "18:00", 90, "")})
		_, list := ssGroupSessions(g.Therapist, g.ID)
		if len(list) != 4 {
			t.Fatalf("want 4 produced sessions, got %v", ssStrings(list))
		}
		past, plain, moved, cancelled := list[0], list[1], list[2], list[3]
		// The third is moved to Wednesday 2027-03-17 18:00 CDT, the fourth cancelled.
		g.Therapist.MustOp("RescheduleSession", map[string]any{"id": moved.ID, "startsAt": "2027-03-17T23:00:00Z"})
		g.Therapist.MustOp("CancelSession", map[string]any{"id": cancelled.ID})
		// Every weekly schedule produces again from now: the first Tuesday has started.
		clk.Set(ssUTC(2027, 3, 3, 0, 30))

		// Thursday 19:00 instead: 01:00Z on CST, 00:00Z on CDT.
		r := g.Therapist.MustOp("SetWeeklySchedule", map[string]any{"groupID": g.ID, "schedule": ssWeekly("THURSDAY", "19:00", 60, "Online")})
		if ssJSON(r.Get("setWeeklySchedule.weeklySchedule")) != `{"durationMinutes":60,"localStartTime":"19:00","location":"Online","weekday":"THURSDAY"}` {
			t.Fatalf("new schedule: %s", r.Raw)
		}
		if got := ssDecode(r.Get("setWeeklySchedule.nextSession")).String(); got != "2027-03-05T01:00:00Z/2027-03-05T02:00:00Z/SCHEDULED/Online" {
			t.Fatalf("nextSession of the new schedule: %s", r.Raw)
		}
		r, list = ssGroupSessions(g.A, g.ID)
		want := []string{
			"2027-03-03T00:00:00Z/2027-03-03T01:30:00Z/SCHEDULED/-", // started: unchanged
			"2027-03-05T01:00:00Z/2027-03-05T02:00:00Z/SCHEDULED/Online",
			"2027-03-10T00:00:00Z/2027-03-10T01:30:00Z/CANCELLED/-", // within a week: cancelled
			"2027-03-12T01:00:00Z/2027-03-12T02:00:00Z/SCHEDULED/Online",
			"2027-03-17T23:00:00Z/2027-03-18T00:30:00Z/SCHEDULED/-", // moved: kept
			"2027-03-19T00:00:00Z/2027-03-19T01:00:00Z/SCHEDULED/Online",
			"2027-03-23T23:00:00Z/2027-03-24T00:30:00Z/CANCELLED/-", // cancelled: kept
			"2027-03-26T00:00:00Z/2027-03-26T01:00:00Z/SCHEDULED/Online",
		}
		if got := ssStrings(list); !slices.Equal(got, want) || r.Num("node.sessions.totalCount") != len(want) {
			t.Fatalf("after replacing the schedule:\n got %v\nwant %v", got, want)
		}
		ids := map[string]string{}
		for _, s := range list {
			ids[s.StartsAt] = s.ID
		}
		if ids[past.StartsAt] != past.ID || ids["2027-03-17T23:00:00Z"] != moved.ID || ids[cancelled.StartsAt] != cancelled.ID {
			t.Fatalf("the kept sessions keep their ids: %v", ids)
		}
		if ids[plain.StartsAt] != plain.ID {
			t.Fatalf("the untouched Tuesday session within a week is kept, cancelled: %v", ids)
		}

		// The started session does not change.
		ssWantInput(t, "reschedule a started session", g.Therapist.Op("RescheduleSession", map[string]any{"id": past.ID, "startsAt": "2027-03-30T23:00:00Z"}), "id")
		ssWantInput(t, "cancel a started session", g.Therapist.Op("CancelSession", map[string]any{"id": past.ID}), "id")

		// Removing the schedule removes the future produced sessions, nothing else.
		r = g.Therapist.MustOp("SetWeeklySchedule", map[string]any{"groupID": g.ID, "schedule": nil})
		if r.Get("setWeeklySchedule.weeklySchedule") != nil || r.Str("setWeeklySchedule.nextSession.id") != moved.ID {
			t.Fatalf("schedule removed: %s", r.Raw)
		}
		r, list = ssGroupSessions(g.B, g.ID)
		thursdayCancelled := "2027-03-05T01:00:00Z/2027-03-05T02:00:00Z/CANCELLED/Online"
		if got := ssStrings(list); !slices.Equal(got, []string{want[0], thursdayCancelled, want[2], want[4], want[6]}) || r.Get("node.weeklySchedule") != nil {
			t.Fatalf("after removing the schedule: %v %s", got, r.Raw)
		}
		// Removing it again changes nothing.
		g.Therapist.MustOp("SetWeeklySchedule", map[string]any{"groupID": g.ID})
		if _, again := ssGroupSessions(g.B, g.ID); !slices.Equal(ssStrings(again), ssStrings(list)) {
			t.Fatalf("removing twice: %v", ssStrings(again))
		}
	}, startingAt(ssSpring))
}

// TestSessionsAPIUpcomingAcrossGroups: a member of two groups sees the sessions of both,
// soonest first, as many as first asks; cancelled and started ones are not upcoming.
func TestSessionsAPIUpcomingAcrossGroups(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		g1, g2 := h.NewGroup(), h.NewGroup()
		ann := g1.A
		g2.Join(ann, "Ann")
		day := func(d, hh int) time.Time { return ssUTC(2027, 3, d, hh, 0) }
		a1 := ssSchedule(g1.Therapist, g1.ID, day(2, 15), 60)
		b1 := ssSchedule(g2.Therapist, g2.ID, day(3, 15), 60)
		a2 := ssSchedule(g1.Therapist, g1.ID, day(4, 15), 60)
		b2 := ssSchedule(g2.Therapist, g2.ID, day(5, 15), 60)
		a3 := ssSchedule(g1.Therapist, g1.ID, day(6, 15), 60)
		cancelled := ssSchedule(g2.Therapist, g2.ID, day(2, 18), 60)
		g2.Therapist.MustOp("CancelSession", map[string]any{"id": cancelled})

		upcoming := func(c *Client, vars map[string]any) ([]string, []string) {
			t.Helper()
			r := c.MustOp("UpcomingSessions", vars)
			var ids, groups []string
			l, _ := r.Get("viewer.upcomingSessions").([]any)
			for i := range l {
				ids = append(ids, r.Str(fmt.Sprintf("viewer.upcomingSessions.%d.id", i)))
				groups = append(groups, r.Str(fmt.Sprintf("viewer.upcomingSessions.%d.group.id", i)))
			}
			return ids, groups
		}
		ids, groups := upcoming(ann, map[string]any{"first": 3})
		if !slices.Equal(ids, []string{a1, b1, a2}) || !slices.Equal(groups, []string{g1.ID, g2.ID, g1.ID}) {
			t.Fatalf("first 3: %v %v", ids, groups)
		}
		if ids, _ := upcoming(ann, nil); !slices.Equal(ids, []string{a1, b1, a2, b2, a3}) {
			t.Fatalf("default first: %v", ids)
		}
		if ids, _ := upcoming(ann, map[string]any{"first": 1}); !slices.Equal(ids, []string{a1}) {
			t.Fatalf("first 1: %v", ids)
		}
		// Ben is in the first group only.
		if ids, _ := upcoming(g1.B, map[string]any{"first": 100}); !slices.Equal(ids, []string{a1, a2, a3}) {
			t.Fatalf("one group: %v", ids)
		}
		// The Outsider has none.
		if ids, _ := upcoming(g1.Outsider, nil); len(ids) != 0 {
			t.Fatalf("outsider: %v", ids)
		}
		for _, n := range []int{0, -1, 101} {
			ssWantInput(t, fmt.Sprintf("first %d", n), ann.Op("UpcomingSessions", map[string]any{"first": n}), "first")
		}
		// Two days on, the first two have started.
		clk.Set(day(3, 15).Add(time.Minute))
		if ids, _ := upcoming(ann, map[string]any{"first": 2}); !slices.Equal(ids, []string{a2, b2}) {
			t.Fatalf("after two started: %v", ids)
		}
	}, startingAt(ssSpring))
}

// TestSessionsAPIBadInput: every rule on session input is BAD_USER_INPUT naming the field,
// and changes nothing.
func TestSessionsAPIBadInput(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		g := h.NewGroup()
		g.Therapist.MustOp("SetWeeklySchedule", map[string]any{"groupID": g.ID, "schedule": ssWeekly("TUESDAY", "18:00", 90, "Room 7")})
		one := ssSchedule(g.Therapist, g.ID, ssUTC(2027, 3, 5, 15, 0), 60)
		soon := ssSchedule(g.Therapist, g.ID, ssSpring.Add(time.Hour), 60)
		cancelled := ssSchedule(g.Therapist, g.ID, ssUTC(2027, 3, 6, 15, 0), 60)
		g.Therapist.MustOp("CancelSession", map[string]any{"id": cancelled})
		before, _ := ssGroupSessions(g.Therapist, g.ID)

		schedule := func(in map[string]any) *Resp {
			base := map[string]any{"groupID": g.ID, "startsAt": "2027-03-07T15:00:00Z", "durationMinutes": 60}
			for k, v := range in {
				base[k] = v
			}
			return g.Therapist.Op("ScheduleSession", map[string]any{"input": base})
		}
		weekly := func(in map[string]any) *Resp {
			base := ssWeekly("WEDNESDAY", "18:00", 60, "")
			for k, v := range in {
				base[k] = v
			}
			return g.Therapist.Op("SetWeeklySchedule", map[string]any{"groupID": g.ID, "schedule": base})
		}
		reschedule := func(vars map[string]any) *Resp {
			base := map[string]any{"id": one, "startsAt": "2027-03-07T15:00:00Z"}
			for k, v := range vars {
				base[k] = v
			}
			return g.Therapist.Op("RescheduleSession", base)
		}
		// "now" as the server reads it a moment later, and a minute ago.
		now := func() string { return ssAt(clk.Now()) }
		ago := func() string { return ssAt(clk.Now().Add(-time.Minute)) }
		cases := []struct {
			name  string
			send  func() *Resp
			field string
		}{
			{"weekly 25:00", func() *Resp { return weekly(map[string]any{"localStartTime": "25:00"}) }, "localStartTime"},
			{"weekly 7:00", func() *Resp { return weekly(map[string]any{"localStartTime": "7:00"}) }, "localStartTime"},
			{"weekly 12:60", func() *Resp { return weekly(map[string]any{"localStartTime": "12:60"}) }, "localStartTime"},
			{"weekly 24:00", func() *Resp { return weekly(map[string]any{"localStartTime": "24:00"}) }, "localStartTime"},
			{"weekly 14 minutes", func() *Resp { return weekly(map[string]any{"durationMinutes": 14}) }, "durationMinutes"},
			{"weekly 481 minutes", func() *Resp { return weekly(map[string]any{"durationMinutes": 481}) }, "durationMinutes"},
			{"weekly location 201", func() *Resp { return weekly(map[string]any{"location": strings.Repeat("x", 201)}) }, "location"},
			{"one-off 14 minutes", func() *Resp { return schedule(map[string]any{"durationMinutes": 14}) }, "durationMinutes"},
			{"one-off 481 minutes", func() *Resp { return schedule(map[string]any{"durationMinutes": 481}) }, "durationMinutes"},
			{"one-off in the past", func() *Resp { return schedule(map[string]any{"startsAt": ago()}) }, "startsAt"},
			{"one-off now", func() *Resp { return schedule(map[string]any{"startsAt": now()}) }, "startsAt"},
			{"one-off in three years", func() *Resp { return schedule(map[string]any{"startsAt": "2030-03-01T15:00:00Z"}) }, "startsAt"},
			{"one-off location 201", func() *Resp { return schedule(map[string]any{"location": strings.Repeat("x", 201)}) }, "location"},
			{"reschedule 14 minutes", func() *Resp { return reschedule(map[string]any{"durationMinutes": 14}) }, "durationMinutes"},
			{"reschedule 481 minutes", func() *Resp { return reschedule(map[string]any{"durationMinutes": 481}) }, "durationMinutes"},
			{"reschedule into the past", func() *Resp { return reschedule(map[string]any{"startsAt": ago()}) }, "startsAt"},
			{"reschedule to now", func() *Resp { return reschedule(map[string]any{"startsAt": now()}) }, "startsAt"},
			{"reschedule a cancelled session", func() *Resp { return reschedule(map[string]any{"id": cancelled}) }, "id"},
			{"startsAt not a time", func() *Resp { return schedule(map[string]any{"startsAt": "next tuesday"}) }, "startsAt"},
		}
		for _, tc := range cases {
			ssWantInput(t, tc.name, tc.send(), tc.field)
			if after, _ := ssGroupSessions(g.Therapist, g.ID); after.Raw != before.Raw {
				t.Fatalf("%s changed the sessions:\nbefore %s\nafter  %s", tc.name, before.Raw, after.Raw)
			}
		}

		// The soon session starts; it no longer moves or cancels.
		clk.Set(ssSpring.Add(time.Hour + time.Minute))
		before, _ = ssGroupSessions(g.Therapist, g.ID)
		ssWantInput(t, "reschedule a started session", g.Therapist.Op("RescheduleSession", map[string]any{"id": soon, "startsAt": "2027-03-07T15:00:00Z"}), "id")
		ssWantInput(t, "cancel a started session", g.Therapist.Op("CancelSession", map[string]any{"id": soon}), "id")
		if after, _ := ssGroupSessions(g.Therapist, g.ID); after.Raw != before.Raw {
			t.Fatalf("a started session changed:\nbefore %s\nafter  %s", before.Raw, after.Raw)
		}
	}, startingAt(ssSpring))
}

// TestSessionsAPISettingsAndDeviceBadInput: bad notification settings and device input are
// BAD_USER_INPUT naming the field, and change nothing.
func TestSessionsAPISettingsAndDeviceBadInput(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		a, b := h.Member("a"), h.Member("b")
		a.MustOp("UpdateNotificationSettings", map[string]any{"input": map[string]any{
			"reminderLeadMinutes": []int{120, 30}, "quietHoursStart": "22:00", "quietHoursEnd": "07:00",
			"timeZone": "Europe/Berlin", "encouragementPushes": false,
		}})
		wantA := `{"encouragementPushes":false,"quietHoursEnd":"07:00","quietHoursStart":"22:00","reminderLeadMinutes":[120,30],"timeZone":"Europe/Berlin"}`
		wantB := `{"encouragementPushes":true,"quietHoursEnd":null,"quietHoursStart":null,"reminderLeadMinutes":[1440,60],"timeZone":null}`
		if got := ssSettings(a); got != wantA {
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
				ssWantInput(t, tc.name, r, tc.field)
			}
			if got := ssSettings(a); got != wantA {
				t.Fatalf("%s changed A's settings: %s", tc.name, got)
			}
			if got := ssSettings(b); got != wantB {
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
				ssWantInput(t, tc.name, r, tc.field)
			}
			if l := ssDevices(a); len(l) != 0 {
				t.Fatalf("%s registered a device: %v", tc.name, l)
			}
		}
	})
}

// TestSessionsAPINotificationSettings: defaults, partial updates, clearing with null, lead
// times largest first, an empty list turns reminders off.
func TestSessionsAPINotificationSettings(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		a, b := h.Member("a"), h.Member("b")
		r := a.MustOp("NotificationSettings", nil)
		if r.Str("viewer.id") == "" {
			t.Fatalf("viewer: %s", r.Raw)
		}
		const defaults = `{"encouragementPushes":true,"quietHoursEnd":null,"quietHoursStart":null,"reminderLeadMinutes":[1440,60],"timeZone":null}`
		if got := ssSettings(a); got != defaults {
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
			if got := ssJSON(r.Get("updateNotificationSettings")); got != s.want {
				t.Fatalf("%s: returned %s\nwant %s", s.name, got, s.want)
			}
			if got := ssSettings(a); got != s.want {
				t.Fatalf("%s: read back %s\nwant %s", s.name, got, s.want)
			}
			// Nobody else's settings move.
			if got := ssSettings(b); got != defaults {
				t.Fatalf("%s changed B's settings: %s", s.name, got)
			}
		}
	})
}

// TestSessionsAPIDevices: registering is idempotent per token (same id, lastSeenAt moves),
// devices are listed most recently seen first, only their owner sees or forgets them, and a
// token registered by another account (a shared phone) moves to the new one.
func TestSessionsAPIDevices(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		a, b := h.Member("a"), h.Member("b")
		d1 := ssRegister(a, "ss-token-phone", "IOS", "en-US")
		if d1.ID == "" || d1.Platform != "IOS" || d1.Locale != "en-US" || d1.CreatedAt == "" || !strings.HasPrefix(d1.LastSeenAt, "2027-03-01T12:") {
			t.Fatalf("registered: %+v", d1)
		}
		// The next app start, an hour later, on an updated phone: one device.
		clk.Advance(time.Hour)
		again := ssRegister(a, "ss-token-phone", "ANDROID", "de-DE")
		if again.ID != d1.ID || again.CreatedAt != d1.CreatedAt || again.Platform != "ANDROID" || again.Locale != "de-DE" || !strings.HasPrefix(again.LastSeenAt, "2027-03-01T13:") {
			t.Fatalf("the same token again: %+v, first %+v", again, d1)
		}
		if l := ssDevices(a); len(l) != 1 || l[0] != again {
			t.Fatalf("one device: %+v", l)
		}
		// A second device, without a locale (en-US), seen later: listed first.
		clk.Advance(time.Hour)
		d2 := ssRegister(a, "ss-token-tablet", "WEB", "")
		if d2.ID == d1.ID || d2.Locale != "en-US" || d2.Platform != "WEB" {
			t.Fatalf("second device: %+v", d2)
		}
		if l := ssDevices(a); len(l) != 2 || l[0].ID != d2.ID || l[1].ID != d1.ID {
			t.Fatalf("most recently seen first: %+v", l)
		}

		// B cannot see A's devices or settings, by any path.
		userA := a.MustOp("NotificationSettings", nil).Str("viewer.id")
		for _, id := range []string{d1.ID, d2.ID, userA} {
			if r := b.Raw(ssNodeDoc, "SSNode", map[string]any{"id": id}); r.Get("node") != nil || strings.Contains(r.Raw, "de-DE") {
				t.Fatalf("B reads node %s: %s", id, r.Raw)
			}
		}
		if r := b.Raw(ssNodesDoc, "SSNodes", map[string]any{"ids": []string{d1.ID, d2.ID}}); r.Get("nodes.0") != nil || r.Get("nodes.1") != nil {
			t.Fatalf("B reads nodes: %s", r.Raw)
		}
		if l := ssDevices(b); len(l) != 0 {
			t.Fatalf("B lists devices: %+v", l)
		}
		// A reads their own.
		if r := a.Raw(ssNodeDoc, "SSNode", map[string]any{"id": d1.ID}); r.Str("node.locale") != "de-DE" {
			t.Fatalf("A reads their device: %s", r.Raw)
		}

		// B cannot forget A's device by its token.
		if r := b.MustOp("UnregisterDevice", map[string]any{"token": "ss-token-phone"}); r.Get("unregisterDevice") != false {
			t.Fatalf("B unregistering A's token: %s", r.Raw)
		}
		if l := ssDevices(a); len(l) != 2 {
			t.Fatalf("B's unregister removed A's device: %+v", l)
		}
		// An unknown token: false.
		if r := a.MustOp("UnregisterDevice", map[string]any{"token": "ss-token-unknown"}); r.Get("unregisterDevice") != false {
			t.Fatalf("unknown token: %s", r.Raw)
		}

		// B signs in on A's phone: the device moves to B.
		clk.Advance(time.Hour)
		moved := ssRegister(b, "ss-token-phone", "ANDROID", "en-GB")
		if moved.Locale != "en-GB" || !strings.HasPrefix(moved.LastSeenAt, "2027-03-01T15:") {
			t.Fatalf("moved device: %+v", moved)
		}
		if l := ssDevices(b); len(l) != 1 || l[0].ID != moved.ID {
			t.Fatalf("B lists the shared phone: %+v", l)
		}
		if l := ssDevices(a); len(l) != 1 || l[0].ID != d2.ID {
			t.Fatalf("A no longer lists the shared phone: %+v", l)
		}
		if r := a.Raw(ssNodeDoc, "SSNode", map[string]any{"id": moved.ID}); r.Get("node") != nil {
			t.Fatalf("A still reads the moved device: %s", r.Raw)
		}
		// A's sign-out with the old token does not take it from B.
		if r := a.MustOp("UnregisterDevice", map[string]any{"token": "ss-token-phone"}); r.Get("unregisterDevice") != false {
			t.Fatalf("A unregistering the moved token: %s", r.Raw)
		}
		if l := ssDevices(b); len(l) != 1 {
			t.Fatalf("A's unregister removed B's device: %+v", l)
		}
		// B's sign-out forgets it, once.
		if r := b.MustOp("UnregisterDevice", map[string]any{"token": "ss-token-phone"}); r.Get("unregisterDevice") != true {
			t.Fatalf("B unregistering: %s", r.Raw)
		}
		if r := b.MustOp("UnregisterDevice", map[string]any{"token": "ss-token-phone"}); r.Get("unregisterDevice") != false {
			t.Fatalf("B unregistering twice: %s", r.Raw)
		}
		if l := ssDevices(b); len(l) != 0 {
			t.Fatalf("B's devices after sign-out: %+v", l)
		}
		if l := ssDevices(a); len(l) != 1 || l[0].ID != d2.ID {
			t.Fatalf("A's tablet stays: %+v", l)
		}
		// Nobody signed in registers nothing.
		if r := h.Anonymous().Op("RegisterDevice", map[string]any{"input": map[string]any{"token": "ss-token-anon", "platform": "IOS"}}); r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("anonymous register: %s", r.Raw)
		}
	}, startingAt(ssSpring))
}

// TestSessionsAPIPrivacy: members read sessions but do not change them; people outside the
// group (a member of no group, a therapist of another group) neither read nor change them;
// a member who left or was removed no longer sees them; a therapist whose role was taken
// away no longer schedules.
func TestSessionsAPIPrivacy(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		g.Therapist.MustOp("SetWeeklySchedule", map[string]any{"groupID": g.ID, "schedule": ssWeekly("TUESDAY", "18:00", 90, "Room 7")})
		one := ssSchedule(g.Therapist, g.ID, ssUTC(2027, 3, 5, 15, 0), 60)
		before, list := ssGroupSessions(g.Therapist, g.ID)
		if len(list) != 5 {
			t.Fatalf("want 5 sessions, got %v", ssStrings(list))
		}
		produced := list[0].ID
		unchanged := func(who string) {
			t.Helper()
			if after, _ := ssGroupSessions(g.Therapist, g.ID); after.Raw != before.Raw {
				t.Fatalf("%s changed the sessions:\nbefore %s\nafter  %s", who, before.Raw, after.Raw)
			}
		}
		tryAll := func(who string, c *Client) {
			t.Helper()
			ssWantDenied(t, who+" ScheduleSession", c.Op("ScheduleSession", map[string]any{"input": map[string]any{
				"groupID": g.ID, "startsAt": "2027-03-07T15:00:00Z", "durationMinutes": 60,
			}}))
			ssWantDenied(t, who+" SetWeeklySchedule", c.Op("SetWeeklySchedule", map[string]any{"groupID": g.ID, "schedule": ssWeekly("FRIDAY", "09:00", 60, "")}))
			ssWantDenied(t, who+" SetWeeklySchedule null", c.Op("SetWeeklySchedule", map[string]any{"groupID": g.ID, "schedule": nil}))
			for _, id := range []string{one, produced} {
				ssWantDenied(t, who+" RescheduleSession", c.Op("RescheduleSession", map[string]any{"id": id, "startsAt": "2027-03-07T15:00:00Z", "durationMinutes": 30}))
				ssWantDenied(t, who+" CancelSession", c.Op("CancelSession", map[string]any{"id": id}))
			}
			unchanged(who)
		}

		// A member reads everything of the sessions, and changes nothing.
		r, l := ssGroupSessions(g.A, g.ID)
		if len(l) != 5 || r.Get("node.weeklySchedule") == nil || r.Str("node.nextSession.id") != list[0].ID {
			t.Fatalf("member reads: %s", r.Raw)
		}
		if n := g.A.Raw(ssNodeDoc, "SSNode", map[string]any{"id": one}); n.Str("node.id") != one {
			t.Fatalf("member node(id:): %s", n.Raw)
		}
		tryAll("member", g.A)

		// People outside the group get nothing.
		for _, p := range []struct {
			name string
			c    *Client
		}{{"outsider", g.Outsider}, {"stranger", g.Stranger}} {
			r := p.c.Op("GroupSessions", map[string]any{"groupID": g.ID})
			if r.Get("node") != nil && r.Code() != "NOT_FOUND" {
				t.Fatalf("%s reads the group's sessions: %s", p.name, r.Raw)
			}
			for _, id := range []string{one, produced} {
				if n := p.c.Raw(ssNodeDoc, "SSNode", map[string]any{"id": id}); n.Get("node") != nil {
					t.Fatalf("%s reads node %s: %s", p.name, id, n.Raw)
				}
			}
			if n := p.c.Raw(ssNodesDoc, "SSNodes", map[string]any{"ids": []string{one, produced}}); n.Get("nodes.0") != nil || n.Get("nodes.1") != nil {
				t.Fatalf("%s reads nodes: %s", p.name, n.Raw)
			}
			if up := p.c.MustOp("UpcomingSessions", map[string]any{"first": 100}); len(up.Get("viewer.upcomingSessions").([]any)) != 0 {
				t.Fatalf("%s has upcoming sessions: %s", p.name, up.Raw)
			}
			for _, raw := range []string{r.Raw} {
				if strings.Contains(raw, "Room 7") || strings.Contains(raw, "2027-03") {
					t.Fatalf("%s's answer carries the group's sessions: %s", p.name, raw)
				}
			}
			tryAll(p.name, p.c)
			// A hidden session and one that does not exist are refused alike.
			for _, op := range []string{"RescheduleSession", "CancelSession"} {
				vars := func(id string) map[string]any {
					return map[string]any{"id": id, "startsAt": "2027-03-07T15:00:00Z"}
				}
				hidden, missing := p.c.Op(op, vars(one)), p.c.Op(op, vars(ssMadeUp(t, one)))
				if hidden.Code() != "NOT_FOUND" || hidden.Code() != missing.Code() || hidden.Errors[0].Message != missing.Errors[0].Message {
					t.Errorf("%s %s: a hidden session %s vs a missing one %s", p.name, op, hidden.Raw, missing.Raw)
				}
			}
		}

		// A therapist who joined as a plain member does not facilitate.
		g.Join(g.Stranger, "S")
		if r, l := ssGroupSessions(g.Stranger, g.ID); len(l) != 5 {
			t.Fatalf("the therapist member reads the sessions: %s", r.Raw)
		}
		tryAll("therapist as member", g.Stranger)

		// A therapist whose role was taken away no longer schedules, though still a member.
		tryAll("demoted therapist", ssDemote(t, h, g.Therapist))

		// A member who left and one who was removed see no sessions any more.
		g.A.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		g.Therapist.MustOp("RemoveMember", map[string]any{"membershipID": g.Memberships[g.B]})
		for _, p := range []struct {
			name string
			c    *Client
		}{{"former member", g.A}, {"removed member", g.B}} {
			r := p.c.Op("GroupSessions", map[string]any{"groupID": g.ID})
			if r.Get("node") != nil {
				if r.Num("node.sessions.totalCount") != 0 || len(ssEdges(r)) != 0 || r.Get("node.nextSession") != nil {
					t.Fatalf("%s still sees sessions: %s", p.name, r.Raw)
				}
			}
			for _, id := range []string{one, produced} {
				if n := p.c.Raw(ssNodeDoc, "SSNode", map[string]any{"id": id}); n.Get("node") != nil {
					t.Fatalf("%s reads node %s: %s", p.name, id, n.Raw)
				}
			}
			if up := p.c.MustOp("UpcomingSessions", map[string]any{"first": 100}); len(up.Get("viewer.upcomingSessions").([]any)) != 0 {
				t.Fatalf("%s has upcoming sessions: %s", p.name, up.Raw)
			}
			tryAll(p.name, p.c)
		}
	}, startingAt(ssSpring))
}

// TestSessionsAPIFormerMemberSeesNoWeeklySchedule: a former member still reads the group's
// name (their journal was written in it) and nothing else: not when and where it meets.
func TestSessionsAPIFormerMemberSeesNoWeeklySchedule(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		g.Therapist.MustOp("SetWeeklySchedule", map[string]any{"groupID": g.ID, "schedule": ssWeekly("TUESDAY", "18:00", 90, "Room 7")})
		g.A.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		g.Therapist.MustOp("RemoveMember", map[string]any{"membershipID": g.Memberships[g.B]})
		for name, c := range map[string]*Client{"former member": g.A, "removed member": g.B} {
			r := c.Op("GroupSessions", map[string]any{"groupID": g.ID})
			if r.Get("node.weeklySchedule") != nil || strings.Contains(r.Raw, "Room 7") {
				t.Errorf("%s still reads when and where the group meets: %s", name, r.Raw)
			}
		}
	}, startingAt(ssSpring))
}

// TestSessionsAPISessionWithoutLocationIsNull: GroupSession.location is a nullable String;
// a session without a location has none (null), as WeeklySchedule.location does, not "".
func TestSessionsAPISessionWithoutLocationIsNull(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		r := g.Therapist.MustOp("ScheduleSession", map[string]any{"input": map[string]any{
			"groupID": g.ID, "startsAt": "2027-03-04T15:00:00Z", "durationMinutes": 30,
		}})
		if v, ok := r.Get("scheduleSession").(map[string]any)["location"]; !ok || v != nil {
			t.Errorf("scheduleSession without a location: %s", r.Raw)
		}
		r = g.Therapist.MustOp("SetWeeklySchedule", map[string]any{"groupID": g.ID, "schedule": ssWeekly("TUESDAY", "18:00", 90, "")})
		if r.Get("setWeeklySchedule.weeklySchedule.location") != nil || r.Get("setWeeklySchedule.nextSession.location") != nil {
			t.Errorf("a schedule without a location produces sessions without one: %s", r.Raw)
		}
	}, startingAt(ssSpring))
}

// TestSessionsAPIStatementsDoNotGrow: the sessions connection and nextSession run as many
// SQL statements for 40 sessions as for 5.
func TestSessionsAPIStatementsDoNotGrow(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		ssStatementsFor(t, h, g, func() int {
			var r *Resp
			n := h.Statements(func() { r = g.A.MustOp("GroupSessions", map[string]any{"groupID": g.ID, "first": 100}) })
			if len(ssEdges(r)) != r.Num("node.sessions.totalCount") || r.Get("node.nextSession") == nil {
				t.Fatalf("GroupSessions: %s", r.Raw)
			}
			return n
		})
	})
}

// TestSessionsAPIUpcomingStatementsDoNotGrow: the home screen's upcoming list (with each
// session's group) runs as many SQL statements for 40 sessions as for 5.
func TestSessionsAPIUpcomingStatementsDoNotGrow(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		ssStatementsFor(t, h, g, func() int {
			var r *Resp
			n := h.Statements(func() { r = g.A.MustOp("UpcomingSessions", map[string]any{"first": 100}) })
			if r.Str("viewer.upcomingSessions.0.group.timeZone") != "America/Chicago" {
				t.Fatalf("UpcomingSessions: %s", r.Raw)
			}
			return n
		})
	})
}

// ssStatementsFor fails unless count gives the same number with 5 and with 40 one-off
// sessions in g.
func ssStatementsFor(t *testing.T, h *H, g *Group, count func() int) {
	t.Helper()
	base := time.Now().UTC().Truncate(time.Hour).Add(48 * time.Hour)
	for i := 0; i < 5; i++ {
		ssSchedule(g.Therapist, g.ID, base.Add(time.Duration(i)*time.Hour), 60)
	}
	count() // warm up
	small := count()
	for i := 5; i < 40; i++ {
		ssSchedule(g.Therapist, g.ID, base.Add(time.Duration(i)*time.Hour), 60)
	}
	if r, l := ssGroupSessions(g.A, g.ID); len(l) != 40 {
		t.Fatalf("want 40 sessions: %s", r.Raw)
	}
	if large := count(); small != large {
		t.Errorf("%d statements for 5 sessions, %d for 40", small, large)
	} else {
		t.Logf("%d statements for 5 sessions and for 40", small)
	}
}

// TestSessionsAPIDoubleTaps: the same weekly schedule sent several times at once, and the
// same device registered several times at once (an app start racing a token refresh), end
// as if sent once, without errors.
func TestSessionsAPIDoubleTaps(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		res := make([]*Resp, 4)
		var wg sync.WaitGroup
		for i := range res {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i] = g.Therapist.Op("SetWeeklySchedule", map[string]any{"groupID": g.ID, "schedule": ssWeekly("TUESDAY", "18:00", 90, "")})
			}()
		}
		wg.Wait()
		for _, r := range res {
			if len(r.Errors) > 0 || r.Str("setWeeklySchedule.nextSession.startsAt") != "2027-03-03T00:00:00Z" {
				t.Fatalf("schedule sent at once: %s", r.Raw)
			}
		}
		if _, l := ssGroupSessions(g.A, g.ID); len(l) != 4 {
			t.Fatalf("want 4 sessions after the same schedule 4 times, got %v", ssStrings(l))
		}

		for i := range res {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i] = g.A.Op("RegisterDevice", map[string]any{"input": map[string]any{"token": "ss-token-race", "platform": "IOS"}})
			}()
		}
		wg.Wait()
		for _, r := range res {
			if len(r.Errors) > 0 || r.Str("registerDevice.id") != res[0].Str("registerDevice.id") {
				t.Fatalf("device registered at once: %s / %s", r.Raw, res[0].Raw)
			}
		}
		if l := ssDevices(g.A); len(l) != 1 {
			t.Fatalf("want one device, got %+v", l)
		}
	}, startingAt(ssSpring))
}

// TestSessionsAPIDeviceCap: a member keeps their ten most recently seen devices; an
// eleventh forgets the one not seen for longest, and refreshing a device keeps it.
func TestSessionsAPIDeviceCap(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		clk := h.Clock
		c := h.Member("cap")
		for i := 0; i < 10; i++ {
			registerDevice(c, fmt.Sprint("cap-token-", i), "en-US")
			clk.Advance(time.Minute)
		}
		registerDevice(c, "cap-token-0", "en-US") // seen again: now the most recent
		clk.Advance(time.Minute)
		registerDevice(c, "cap-token-10", "en-US")
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
	}, startingAt(ssSpring))
}
