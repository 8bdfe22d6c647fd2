package server_test

// The fixture (a group with a facilitator, two members and people outside it) and one helper
// per job the tests do through the API: sign in, join, consent, reflect, encourage,
// schedule, register a device, read the accounting, count rows below the API.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processgroup/api/internal/firebase/authemu"
	"github.com/processgroup/api/internal/platform/crypt"
)

// Group is a process group with a therapist (its facilitator), two members, and people
// outside it: a member of no group and a therapist of another group.
type Group struct {
	ID        string
	Therapist *Client
	A, B      *Client
	Outsider  *Client
	Stranger  *Client // a therapist who does not lead this group
	Code      string
	// Memberships maps each person in the group to their membership id.
	Memberships map[*Client]string
}

// NewGroup founds a group through the API, as the app would.
func (h *H) NewGroup() *Group {
	h.t.Helper()
	g := &Group{
		Therapist:   h.Therapist("therapist"),
		A:           h.Member("a"),
		B:           h.Member("b"),
		Outsider:    h.Member("outsider"),
		Stranger:    h.Therapist("stranger"),
		Memberships: map[*Client]string{},
	}
	r := g.Therapist.MustOp("CreateGroup", map[string]any{"input": map[string]any{
		"name": "Tuesday Group", "timeZone": "America/Chicago", "displayName": "Dr. T",
	}})
	g.ID = r.Str("createGroup.id")
	g.Memberships[g.Therapist] = r.Str("createGroup.memberships.0.id")
	g.Consent(g.Therapist)
	r = g.Therapist.MustOp("CreateGroupInvite", map[string]any{"groupID": g.ID})
	g.Code = r.Str("createGroupInvite.code")
	for name, c := range map[string]*Client{"Ann": g.A, "Ben": g.B} {
		g.Memberships[c] = g.Join(c, name)
	}
	// The stranger leads a group of their own.
	g.Stranger.MustOp("CreateGroup", map[string]any{"input": map[string]any{
		"name": "Other Group", "timeZone": "Europe/Berlin", "displayName": "Dr. S",
	}})
	return g
}

// Join makes c join g with the invite code and consent to share with it; it returns the
// membership id.
func (g *Group) Join(c *Client, name string) string {
	r := c.MustOp("JoinGroup", map[string]any{"input": map[string]any{"code": g.Code, "displayName": name}})
	g.Consent(c)
	return r.Str("joinGroup.id")
}

// Consent makes c consent to share their GROUP reflections with g.
func (g *Group) Consent(c *Client) {
	c.h.t.Helper()
	if r := grantConsent(c, g.ID, nil); len(r.Errors) > 0 {
		c.h.t.Fatalf("consent: %s", r.Raw)
	}
}

// Reflect writes a reflection as c in g with visibility; it returns its id.
func (g *Group) Reflect(c *Client, visibility, body string) string {
	r := c.MustOp("CreateReflection", map[string]any{"input": reflectionInput(g.ID, visibility, body)})
	return r.Str("createReflection.reflection.id")
}

// reflectionInput is a CreateReflectionInput of a new reflection (mood 6, craving 3).
func reflectionInput(groupID, visibility, body string) map[string]any {
	return map[string]any{
		"clientID":   uuid.NewString(),
		"groupID":    groupID,
		"body":       body,
		"mood":       6,
		"craving":    3,
		"visibility": visibility,
	}
}

// Encourage sends encouragement as c on reflection id.
func Encourage(c *Client, reflectionID, message string) *Resp {
	in := map[string]any{"clientID": uuid.NewString(), "reflectionID": reflectionID, "kind": "HEART"}
	if message != "" {
		in["message"] = message
	}
	return c.Op("SendEncouragement", map[string]any{"input": in})
}

// readsOf is the accounting of reads of c's reflections, as "reflectionID/readerName/role",
// sorted.
func readsOf(t *testing.T, c *Client) []string {
	t.Helper()
	r := c.MustOp("MyReflectionReads", map[string]any{"first": 100})
	var out []string
	edges, _ := r.Get("viewer.reflectionReads.edges").([]any)
	for _, e := range edges {
		n := e.(map[string]any)["node"].(map[string]any)
		who := "?/?"
		if rd, ok := n["reader"].(map[string]any); ok {
			who = fmt.Sprint(rd["displayName"], "/", rd["role"])
		}
		ref := "?" // a reflection deleted since
		if rf, ok := n["reflection"].(map[string]any); ok {
			ref = fmt.Sprint(rf["id"])
		}
		out = append(out, ref+"/"+who)
	}
	sort.Strings(out)
	if n := r.Num("viewer.reflectionReads.totalCount"); n != len(out) {
		t.Fatalf("reflectionReads: totalCount %d but %d edges", n, len(out))
	}
	return out
}

// mustEncourage sends encouragement and returns its id.
func mustEncourage(t *testing.T, c *Client, reflectionID, message string) string {
	t.Helper()
	r := Encourage(c, reflectionID, message)
	id := r.Str("sendEncouragement.id")
	if len(r.Errors) > 0 || id == "" {
		t.Fatalf("send encouragement: %s", r.Raw)
	}
	return id
}

// grantConsent grants c's consent for groupID with an end date (nil: none).
func grantConsent(c *Client, groupID string, expiresAt *time.Time) *Resp {
	in := map[string]any{"groupID": groupID, "textVersion": 1}
	if expiresAt != nil {
		in["expiresAt"] = expiresAt.UTC().Format(time.RFC3339Nano)
	}
	return c.Op("GrantGroupSharingConsent", map[string]any{"input": in})
}

// setWeekly sets g's weekly schedule: Tuesdays at start (local time), 90 minutes, at
// location ("" for none).
func setWeekly(g *Group, start, location string) *Resp {
	g.Therapist.h.t.Helper()
	return g.Therapist.MustOp("SetWeeklySchedule", map[string]any{"groupID": g.ID, "schedule": weeklyInput("TUESDAY", start, 90, location)})
}

// scheduleSession schedules a one-off session as c and returns its id.
func scheduleSession(c *Client, groupID string, startsAt time.Time, minutes int) string {
	c.h.t.Helper()
	r := c.MustOp("ScheduleSession", map[string]any{"input": map[string]any{
		"groupID": groupID, "startsAt": rfc3339(startsAt), "durationMinutes": minutes,
	}})
	return r.Str("scheduleSession.id")
}

// registerDevice registers a device for c and returns it.
func registerDevice(c *Client, token, platform, locale string) deviceInfo {
	c.h.t.Helper()
	in := map[string]any{"token": token, "platform": platform}
	if locale != "" {
		in["locale"] = locale
	}
	r := c.MustOp("RegisterDevice", map[string]any{"input": in})
	var d deviceInfo
	b, _ := json.Marshal(r.Get("registerDevice"))
	_ = json.Unmarshal(b, &d)
	return d
}

// deviceInfo is a Device as devicesDoc and RegisterDevice select it.
type deviceInfo struct {
	ID         string `json:"id"`
	Platform   string `json:"platform"`
	Locale     string `json:"locale"`
	CreatedAt  string `json:"createdAt"`
	LastSeenAt string `json:"lastSeenAt"`
}

// schedule makes a one-off session of g starting at start (90 minutes), as its facilitator,
// and returns its id.
func schedule(g *Group, start time.Time) string {
	g.Therapist.h.t.Helper()
	return scheduleSession(g.Therapist, g.ID, start, 90)
}

// atOnce runs n copies of f at once and waits for them.
func atOnce(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			f(i)
		}(i)
	}
	close(start)
	wg.Wait()
}

// noLeak fails when the raw answer carries any of the markers.
func noLeak(t *testing.T, what string, r *Resp, markers ...string) {
	t.Helper()
	for _, m := range markers {
		if m != "" && strings.Contains(r.Raw, m) {
			t.Errorf("%s: the answer carries %q: %.600s", what, m, r.Raw)
		}
	}
}

// countRows runs a COUNT(*) query on the server's database.
func countRows(t *testing.T, h *H, query string, args ...any) int {
	t.Helper()
	var n int
	if err := rawDB(t, h).QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// feedDoc reads a page of a group's reflections (newest first), with a where.
const feedDoc = `query Feed($groupID: ID!, $first: Int, $after: Cursor, $where: ReflectionWhereInput) {
  node(id: $groupID) {
    ... on Group {
      reflections(first: $first, after: $after, where: $where, orderBy: {direction: DESC, field: CREATED_AT}) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { id body prompt mood craving encouragementCount viewerHasEncouraged } }
      }
    }
  }
}`

// nodeAndNodesDoc reads a reflection or encouragement through node(id:) and a list of them
// through nodes(ids:).
const nodeAndNodesDoc = `query Node($id: ID!, $ids: [ID!]!) {
  node(id: $id) {
    __typename
    id
    ... on Reflection { body prompt mood craving encouragementCount viewerHasEncouraged disclosureNotice }
    ... on Encouragement { message reflection { id body } }
  }
  nodes(ids: $ids) {
    __typename
    id
    ... on Reflection { body prompt }
    ... on Encouragement { message reflection { id body } }
  }
}`

// rfc3339 writes an instant as the API does (RFC 3339, UTC).
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// utc is an instant in UTC.
func utc(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, time.UTC)
}

// madeUpID is an id in the same range as id (the same type) that nothing has.
func madeUpID(t *testing.T, id string) string {
	t.Helper()
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		t.Fatalf("id %q: %v", id, err)
	}
	return strconv.FormatInt(n+99999, 10)
}

// demote takes c's therapist role away (as set-role UID member does) and returns c with a
// fresh token.
func demote(t *testing.T, h *H, c *Client) *Client {
	t.Helper()
	emu.AddUser(authemu.User{UID: c.UID, Email: c.UID + "@example.invalid"})
	tok, err := emu.Token(c.UID, 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return &Client{h: h, UID: c.UID, Token: tok}
}

// chicago is the time zone of the fixture's group.
var chicago = mustZone("America/Chicago")

// mustZone is the IANA time zone name.
func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// madeUpReflectionID is an id in the reflections' id range that no test ever reaches.
const madeUpReflectionID = "17179999999"

// edgeIDs returns the node ids of a connection at path (".edges" is appended).
func edgeIDs(r *Resp, path string) []string {
	edges, _ := r.Get(path + ".edges").([]any)
	var ids []string
	for _, e := range edges {
		m, _ := e.(map[string]any)
		n, _ := m["node"].(map[string]any)
		if id, ok := n["id"].(string); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// membershipNames returns the display names in a memberships list at path.
func membershipNames(r *Resp, path string) []string {
	list, _ := r.Get(path).([]any)
	var names []string
	for _, x := range list {
		m, _ := x.(map[string]any)
		if s, ok := m["displayName"].(string); ok {
			names = append(names, s)
		}
	}
	sort.Strings(names)
	return names
}

// viewerGroups returns the ids of the groups in the viewer's memberships.
func viewerGroups(c *Client) []string {
	r := c.MustOp("Viewer", nil)
	list, _ := r.Get("viewer.memberships").([]any)
	var ids []string
	for _, x := range list {
		m, _ := x.(map[string]any)
		g, _ := m["group"].(map[string]any)
		if id, ok := g["id"].(string); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

func updateReflection(c *Client, id string, version int, input map[string]any) *Resp {
	return c.Op("UpdateReflection", map[string]any{"id": id, "expectedVersion": version, "input": input})
}

// weeklyInput is a WeeklyScheduleInput.
func weeklyInput(weekday, start string, minutes int, location string) map[string]any {
	w := map[string]any{"weekday": weekday, "localStartTime": start, "durationMinutes": minutes}
	if location != "" {
		w["location"] = location
	}
	return w
}

// sessionNodeDoc reads any node with the fields of sessions, devices and users.
const sessionNodeDoc = `query SSNode($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on GroupSession { startsAt endsAt status location group { id name weeklySchedule { weekday } } }
    ... on Device { platform locale lastSeenAt }
    ... on User { notificationSettings { reminderLeadMinutes timeZone quietHoursStart } devices { id } upcomingSessions { id } }
  }
}`

// sessionNodesDoc is sessionNodeDoc through nodes(ids:).
const sessionNodesDoc = `query SSNodes($ids: [ID!]!) {
  nodes(ids: $ids) {
    __typename
    id
    ... on GroupSession { startsAt status location }
    ... on Device { platform locale }
  }
}`

// Monday 2027-03-01, 06:00 in Chicago; daylight-saving time starts on Sunday 2027-03-14.
var springMonday = utc(2027, 3, 1, 12, 0)

// bigScheduledGroup is a group of the fixture with members in all, and a weekly schedule on
// Tuesdays at 18:00.
func bigScheduledGroup(t testing.TB, h *H, members int) *Group {
	g := h.NewGroup()
	for i := 2; i < members; i++ {
		c := h.Member(fmt.Sprint("m", i))
		c.MustOp("JoinGroup", map[string]any{"input": map[string]any{"code": g.Code, "displayName": fmt.Sprint("M", i)}})
	}
	setWeekly(g, "18:00", "")
	return g
}

// tuesdayMorning is 06:00 in Chicago on a Tuesday one to two weeks ahead with no change of
// daylight saving in the four weeks after it; sixPM is 18:00 that day. The push tests start
// their clock there: ahead of the real time, as River's own maintenance needs (see H.Clock),
// and clear of a change of offset unless the test is about one.
var tuesdayMorning, sixPM = aTuesdayAhead(time.Now())

func aTuesdayAhead(now time.Time) (morning, evening time.Time) {
	d := now.In(chicago).AddDate(0, 0, 7)
	for {
		day := time.Date(d.Year(), d.Month(), d.Day(), 6, 0, 0, 0, chicago)
		_, before := day.Zone()
		_, after := day.AddDate(0, 0, 28).Zone()
		if day.Weekday() == time.Tuesday && before == after {
			return day.UTC(), time.Date(d.Year(), d.Month(), d.Day(), 18, 0, 0, 0, chicago).UTC()
		}
		d = d.AddDate(0, 0, 1)
	}
}

// springForward is the next Sunday, a week or more ahead, on which Chicago's clocks go
// forward an hour (at midnight in Chicago).
func springForward(now time.Time) time.Time {
	d := now.In(chicago).AddDate(0, 0, 7)
	for {
		day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, chicago)
		next := day.AddDate(0, 0, 1)
		_, a := time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, chicago).Zone()
		_, b := time.Date(next.Year(), next.Month(), next.Day(), 12, 0, 0, 0, chicago).Zone()
		if b > a {
			return next
		}
		d = next
	}
}

// fillGroup gives g members in all (A and B, and more) and each reflections per member,
// a third of them FACILITATORS, the rest GROUP.
func fillGroup(t testing.TB, h *H, g *Group, members, each int) {
	all := []*Client{g.A, g.B}
	for i := len(all); i < members; i++ {
		c := h.Member(fmt.Sprint("m", i))
		g.Join(c, fmt.Sprint("Member ", i))
		all = append(all, c)
	}
	// Each member writes from a phone of their own: at once.
	var wg sync.WaitGroup
	for i, c := range all {
		wg.Go(func() {
			for j := 0; j < each; j++ {
				vis := "GROUP"
				if j%3 == 0 {
					vis = "FACILITATORS"
				}
				r := c.Op("CreateReflection", map[string]any{"input": map[string]any{
					"clientID": uuid.NewString(), "groupID": g.ID, "body": fmt.Sprintf("entry %d of %d", j, i),
					"mood": 1 + (i+j)%10, "craving": (i * j) % 11, "visibility": vis,
				}})
				if len(r.Errors) > 0 {
					t.Errorf("CreateReflection: %s", r.Raw)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
}

func mustKeys(t *testing.T, s string) *crypt.Keyring {
	t.Helper()
	k, err := crypt.ParseKeys(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// heldBody is a request body that holds back until released: with Expect: 100-continue the
// client sends it only once the server's handler asks for it, that is after sign-in.
type heldBody struct {
	asked   chan struct{}
	release chan struct{}
	body    *bytes.Reader
	once    sync.Once
}

func (b *heldBody) Read(p []byte) (int, error) {
	b.once.Do(func() {
		close(b.asked)
		<-b.release
	})
	return b.body.Read(p)
}

// heldRequest sends c's operation op with vars, and returns once the server has signed c in
// and asks for the body; send sends it and returns the raw answer. It is a phone whose
// request was signed in and then held up on a slow network.
func heldRequest(t *testing.T, h *H, c *Client, op string, vars map[string]any) (send func() string) {
	t.Helper()
	raw, _ := json.Marshal(map[string]any{"query": operationDocument(t, op), "operationName": op, "variables": vars})
	body := &heldBody{asked: make(chan struct{}), release: make(chan struct{}), body: bytes.NewReader(raw)}
	req, err := http.NewRequest(http.MethodPost, h.URL+"/graphql", io.NopCloser(body))
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Expect", "100-continue")
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}
	done := make(chan string, 1)
	go func() {
		res, err := client.Do(req)
		if err != nil {
			done <- "ERROR " + err.Error()
			return
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		done <- string(out)
	}()
	select {
	case <-body.asked:
	case <-time.After(time.Minute):
		t.Fatal("the server never asked for the body")
	}
	return func() string {
		close(body.release)
		return <-done
	}
}
