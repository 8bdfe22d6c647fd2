package server_test

// The plan of a session: planSession (theme and prompt) by the group's facilitators, read by
// its current members; reflections written to a session's prompt (CreateReflectionInput
// .sessionID, GroupSession.reflections) under the same read rules and accounting as
// everywhere; and the once-per-session push that tells members there is a new prompt.

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/processgroup/api/internal/firebase/fcmfake"
)

// sessionPlanDoc reads a session's plan by node(id:).
const sessionPlanDoc = `query SessionPlan($sessionID: ID!) {
  session: node(id: $sessionID) { ... on GroupSession { id theme prompt } }
}`

// planSession plans session id as c, with the app's PlanSession.
func planSession(c *Client, id string, input map[string]any) *Resp {
	c.h.t.Helper()
	return c.Op("PlanSession", map[string]any{"sessionID": id, "input": input})
}

// readPlan is the theme and prompt of g's next session and of session id as c reads them
// ("-" for null, "none" when the session is not there).
func readPlan(c *Client, groupID, id string) (next, node string) {
	c.h.t.Helper()
	nextPlan := c.MustOp("NextSessionPlan", map[string]any{"groupID": groupID})
	session := c.MustRaw(sessionPlanDoc, "SessionPlan", map[string]any{"sessionID": id})
	show := func(r *Resp, path string) string {
		m, _ := r.Get(path).(map[string]any)
		if m == nil || m["id"] == nil {
			return "none"
		}
		text := func(k string) string {
			if s, ok := m[k].(string); ok {
				return s
			}
			return "-"
		}
		return text("theme") + "|" + text("prompt")
	}
	return show(nextPlan, "node.nextSession"), show(session, "session")
}

// wantError fails unless r has one error of code (and, if given, on field).
func wantError(t *testing.T, what string, r *Resp, code, field string) {
	t.Helper()
	if r.Code() != code {
		t.Fatalf("%s: %s, want %s", what, r.Raw, code)
	}
	if f, _ := r.Errors[0].Extensions["field"].(string); field != "" && f != field {
		t.Fatalf("%s: error on field %q, want %q: %s", what, f, field, r.Raw)
	}
}

// TestPlanSession: facilitators set and clear a session's theme and prompt (trimmed, counted
// in characters, a field left out stays); its members read them; nobody else plans it or
// reads it; a session that has started or was cancelled keeps its plan.
func TestPlanSession(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		sid := schedule(g, sixPM)
		r := planSession(g.Therapist, sid, map[string]any{"theme": "  Boundaries  ", "prompt": "\tWhat do you want to say no to?\n"})
		if len(r.Errors) > 0 || r.Str("planSession.theme") != "Boundaries" || r.Str("planSession.prompt") != "What do you want to say no to?" {
			t.Fatalf("plan: %s", r.Raw)
		}
		for _, c := range []*Client{g.Therapist, g.A, g.B} {
			if next, node := readPlan(c, g.ID, sid); next != "Boundaries|What do you want to say no to?" || node != next {
				t.Fatalf("the plan as read: next %s, node %s", next, node)
			}
		}

		steps := []struct {
			name  string
			input map[string]any
			code  string // "" when accepted
			field string
			want  string // theme|prompt after the step
		}{
			{"a theme of 81 characters", map[string]any{"theme": strings.Repeat("é", 81)}, "BAD_USER_INPUT", "theme", "Boundaries|What do you want to say no to?"},
			{"a prompt of 501 characters", map[string]any{"prompt": strings.Repeat("ñ", 501)}, "BAD_USER_INPUT", "prompt", "Boundaries|What do you want to say no to?"},
			{"NUL in a prompt", map[string]any{"prompt": "a\x00b"}, "BAD_USER_INPUT", "prompt", "Boundaries|What do you want to say no to?"},
			{"80 characters of theme, prompt left out", map[string]any{"theme": strings.Repeat("é", 80)}, "", "", strings.Repeat("é", 80) + "|What do you want to say no to?"},
			{"500 characters of prompt", map[string]any{"prompt": strings.Repeat("ñ", 500)}, "", "", strings.Repeat("é", 80) + "|" + strings.Repeat("ñ", 500)},
			{"null clears the theme", map[string]any{"theme": nil}, "", "", "-|" + strings.Repeat("ñ", 500)},
			{"blank clears the prompt", map[string]any{"prompt": "   "}, "", "", "-|-"},
			{"nothing to change", map[string]any{}, "", "", "-|-"},
			{"both again", map[string]any{"theme": "Trust", "prompt": "Who do you trust?"}, "", "", "Trust|Who do you trust?"},
		}
		for _, s := range steps {
			r := planSession(g.Therapist, sid, s.input)
			if s.code != "" {
				wantError(t, s.name, r, s.code, s.field)
			} else if len(r.Errors) > 0 {
				t.Fatalf("%s: %s", s.name, r.Raw)
			}
			if _, node := readPlan(g.A, g.ID, sid); node != s.want {
				t.Fatalf("%s: the plan is %q, want %q", s.name, node, s.want)
			}
		}

		// Who may plan: the group's facilitator only; anyone else as if it did not exist.
		for _, c := range []struct {
			name string
			who  *Client
			id   string
			code string
		}{
			{"a member", g.A, sid, "FORBIDDEN"},
			{"someone in no group", g.Outsider, sid, "NOT_FOUND"},
			{"another group's therapist", g.Stranger, sid, "NOT_FOUND"},
			{"a session that does not exist", g.Therapist, madeUpID(t, sid), "NOT_FOUND"},
		} {
			wantError(t, c.name, planSession(c.who, c.id, map[string]any{"theme": "MARKER theirs"}), c.code, "")
		}
		if _, node := readPlan(g.A, g.ID, sid); node != "Trust|Who do you trust?" {
			t.Fatalf("after refused plans: %s", node)
		}
		// Nobody outside the group reads it; a member who left no longer does.
		g.B.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		for name, c := range map[string]*Client{"outsider": g.Outsider, "stranger": g.Stranger, "former member": g.B} {
			noLeak(t, name, c.Op("NextSessionPlan", map[string]any{"groupID": g.ID}), "Trust", "Who do you trust?")
			noLeak(t, name, c.Raw(sessionPlanDoc, "SessionPlan", map[string]any{"sessionID": sid}), "Trust", "Who do you trust?")
			if next, node := readPlan(c, g.ID, sid); next != "none" || node != "none" {
				t.Fatalf("%s reads the plan: %s, %s", name, next, node)
			}
		}

		// A cancelled session, and one that has started, are not planned.
		cancelled := schedule(g, sixPM.Add(24*time.Hour))
		g.Therapist.MustOp("CancelSession", map[string]any{"id": cancelled})
		wantError(t, "a cancelled session", planSession(g.Therapist, cancelled, map[string]any{"theme": "Late"}), "BAD_USER_INPUT", "sessionID")
		h.Clock.Set(sixPM.Add(time.Minute))
		wantError(t, "a session under way", planSession(g.Therapist, sid, map[string]any{"theme": "Late"}), "BAD_USER_INPUT", "sessionID")
		if _, node := readPlan(g.A, g.ID, sid); node != "Trust|Who do you trust?" {
			t.Fatalf("after the start: %s", node)
		}
	}, startingAt(tuesdayMorning))
}

// answerInput is a CreateReflectionInput written to session sessionID ("" for none).
func answerInput(groupID, sessionID, visibility, body string) map[string]any {
	in := reflectionInput(groupID, visibility, body)
	if sessionID != "" {
		in["sessionID"] = sessionID
	}
	return in
}

// sessionAnswersDoc reads the reflections written to a session, and a reflection's session.
const sessionAnswersDoc = `query Answers($sessionID: ID!) {
  node(id: $sessionID) {
    ... on GroupSession { reflections(first: 50) { totalCount edges { node { id body visibility } } } }
  }
}`

// answersOf are the bodies of the reflections written to session id that c reads, sorted.
func answersOf(c *Client, id string) []string {
	c.h.t.Helper()
	r := c.MustRaw(sessionAnswersDoc, "Answers", map[string]any{"sessionID": id})
	var out []string
	edges, _ := r.Get("node.reflections.edges").([]any)
	for _, e := range edges {
		n := e.(map[string]any)["node"].(map[string]any)
		out = append(out, n["body"].(string))
	}
	if n := r.Num("node.reflections.totalCount"); n != len(out) {
		c.h.t.Fatalf("totalCount %d but %d answers: %s", n, len(out), r.Raw)
	}
	slices.Sort(out)
	return out
}

// TestSessionReflections: a reflection may answer a session of its own group that is not
// cancelled; the session is part of what makes a create a retry; the session lists its
// answers to whoever may read each one, accounted as every read; a reflection's session is
// not shown to who no longer reads the group's sessions.
func TestSessionReflections(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		other := h.NewGroup()
		other.Join(g.A, "Ann") // A is in both groups
		sid := schedule(g, sixPM)
		elsewhere := schedule(other, sixPM)
		cancelled := schedule(g, sixPM.Add(24*time.Hour))
		g.Therapist.MustOp("CancelSession", map[string]any{"id": cancelled})

		for _, c := range []struct{ name, session string }{
			{"a session of another group of the author", elsewhere},
			{"a session that does not exist", madeUpID(t, sid)},
			{"a cancelled session", cancelled},
		} {
			r := g.A.Op("CreateReflection", map[string]any{"input": answerInput(g.ID, c.session, "GROUP", "MARKER refused")})
			wantError(t, c.name, r, "BAD_USER_INPUT", "sessionID")
		}
		// Someone outside the session's group cannot answer it, nor learn that it exists.
		r := other.B.Op("CreateReflection", map[string]any{"input": answerInput(other.ID, sid, "PRIVATE", "MARKER refused")})
		wantError(t, "a session of a group the author is not in", r, "BAD_USER_INPUT", "sessionID")
		if n := countRows(t, h, `SELECT count(*) FROM reflections WHERE session_id IS NOT NULL`); n != 0 {
			t.Fatalf("%d reflections with a session after refusals", n)
		}

		in := answerInput(g.ID, sid, "PRIVATE", "MARKER private answer")
		private := g.A.MustOp("CreateReflection", map[string]any{"input": in}).Str("createReflection.reflection.id")
		if again := g.A.MustOp("CreateReflection", map[string]any{"input": in}).Str("createReflection.reflection.id"); again != private {
			t.Fatalf("a retry made reflection %s, want %s", again, private)
		}
		// The same client id with another session, or none, is another reflection: CONFLICT.
		for name, session := range map[string]any{"no session": nil, "another session": schedule(g, sixPM.Add(48*time.Hour))} {
			changed := map[string]any{}
			for k, v := range in {
				changed[k] = v
			}
			changed["sessionID"] = session
			wantError(t, name, g.A.Op("CreateReflection", map[string]any{"input": changed}), "CONFLICT", "")
		}
		g.A.MustOp("CreateReflection", map[string]any{"input": answerInput(g.ID, sid, "FACILITATORS", "MARKER for the facilitators")})
		groupAnswer := g.A.MustOp("CreateReflection", map[string]any{"input": answerInput(g.ID, sid, "GROUP", "MARKER for the group")}).Str("createReflection.reflection.id")
		g.B.MustOp("CreateReflection", map[string]any{"input": answerInput(g.ID, sid, "GROUP", "MARKER from Ben")})
		g.A.MustOp("CreateReflection", map[string]any{"input": answerInput(g.ID, "", "GROUP", "MARKER not an answer")})
		if n := countRows(t, h, `SELECT count(*) FROM reflections WHERE session_id = $1`, sid); n != 4 {
			t.Fatalf("%d reflections stored with the session, want 4", n)
		}

		before := readsOf(t, g.A)
		want := map[*Client][]string{
			g.A:         {"MARKER for the facilitators", "MARKER for the group", "MARKER from Ben", "MARKER private answer"},
			g.Therapist: {"MARKER for the facilitators", "MARKER for the group", "MARKER from Ben"},
			g.B:         {"MARKER for the group", "MARKER from Ben"},
		}
		for c, w := range want {
			if got := answersOf(c, sid); !slices.Equal(got, w) {
				t.Fatalf("answers read: %v, want %v", got, w)
			}
		}
		for name, c := range map[string]*Client{"outsider": g.Outsider, "stranger": g.Stranger} {
			r := c.Raw(sessionAnswersDoc, "Answers", map[string]any{"sessionID": sid})
			noLeak(t, name, r, "MARKER")
		}
		// Every read of A's answers by someone else is in A's accounting.
		after := readsOf(t, g.A)
		if added := len(after) - len(before); added != 3 {
			t.Fatalf("reads of A's reflections: %d new (%v, before %v), want 3: the facilitator's two and Ben's one", added, after, before)
		}
		for _, r := range after {
			if strings.HasPrefix(r, private+"/") {
				t.Fatalf("a read of the private answer: %s", r)
			}
		}
		// Without A's consent, A's GROUP answer is no longer the group's.
		g.A.MustOp("RevokeGroupSharingConsent", map[string]any{"groupID": g.ID})
		if got := answersOf(g.B, sid); !slices.Equal(got, []string{"MARKER from Ben"}) {
			t.Fatalf("after A's consent ended, Ben reads %v", got)
		}

		// A reflection's session: shown to the author while they are in the group, not after.
		sessionOf := `query S($id: ID!) { node(id: $id) { ... on Reflection { id session { id theme } } } }`
		g.Therapist.MustOp("PlanSession", map[string]any{"sessionID": sid, "input": map[string]any{"theme": "Secret theme"}})
		if got := g.A.MustRaw(sessionOf, "S", map[string]any{"id": groupAnswer}).Str("node.session.id"); got != sid {
			t.Fatalf("the answer's session: %q, want %s", got, sid)
		}
		g.A.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		r = g.A.MustRaw(sessionOf, "S", map[string]any{"id": private})
		if r.Str("node.id") != private || r.Get("node.session") != nil {
			t.Fatalf("a former member reads their answer's session: %s", r.Raw)
		}
		noLeak(t, "a former member's answer", r, "Secret theme")
	}, startingAt(tuesdayMorning))
}

// TestPromptPush: the first prompt of a session tells its members once, discreetly, on
// every device: not its facilitators, not a member who will not come or wants no reminders,
// and not again when the prompt changes or is set again.
func TestPromptPush(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		registerDevice(g.A, "token-a", "ANDROID", "en-US")
		registerDevice(g.B, "token-b", "IOS", "es-MX")
		registerDevice(g.Therapist, "token-t", "IOS", "en-US")
		off := h.Member("off")
		g.Join(off, "Olive")
		registerDevice(off, "token-off", "ANDROID", "en-US")
		off.MustOp("UpdateNotificationSettings", map[string]any{"input": map[string]any{"reminderLeadMinutes": []int{}}})
		away := h.Member("away")
		awayMembership := g.Join(away, "Abe")
		registerDevice(away, "token-away", "ANDROID", "en-US")

		sid := schedule(g, sixPM)
		// Abe said he will not come (as respondToSession records it).
		if _, err := rawDB(t, h).ExecContext(context.Background(),
			`INSERT INTO attendances (created_at, updated_at, session_id, membership_id, group_id, rsvp, rsvp_at) VALUES ($1, $1, $2, $3, $4, 'NOT_GOING', $1)`,
			h.Clock.Now().UTC(), sid, awayMembership, g.ID); err != nil {
			t.Fatal(err)
		}
		h.Pushes(0)
		// A theme alone tells nobody.
		planSession(g.Therapist, sid, map[string]any{"theme": "MARKER theme"})
		h.Pushes(0)
		r := planSession(g.Therapist, sid, map[string]any{"prompt": "MARKER What would you tell your younger self?"})
		if len(r.Errors) > 0 {
			t.Fatalf("plan: %s", r.Raw)
		}
		ms := h.Pushes(2)
		checkPushes(t, ms)
		bodies := map[string]string{}
		for _, m := range ms {
			bodies[m.Token] = m.Title + " / " + m.Body
			if m.Data["type"] != "session_prompt" || m.Data["sessionId"] != sid {
				t.Errorf("push data: %v", m.Data)
			}
		}
		if bodies["token-a"] != "New prompt / Your group has a new prompt" ||
			bodies["token-b"] != "Nueva pregunta / Tu grupo tiene una nueva pregunta para reflexionar" {
			t.Fatalf("pushes: %v", summary(ms))
		}
		// Changing the prompt, clearing it and setting it again tell nobody again.
		for _, in := range []map[string]any{{"prompt": "MARKER another"}, {"prompt": nil}, {"prompt": "MARKER again"}} {
			if r := planSession(g.Therapist, sid, in); len(r.Errors) > 0 {
				t.Fatalf("plan: %s", r.Raw)
			}
		}
		h.Pushes(2)
		// Another session's first prompt is news again.
		second := schedule(g, sixPM.Add(7*24*time.Hour))
		planSession(g.Therapist, second, map[string]any{"prompt": "MARKER next week"})
		ms = h.Pushes(5) // Abe did not say he would miss this one
		if n := byToken(ms); n["token-a"] != 2 || n["token-b"] != 2 || n["token-away"] != 1 {
			t.Fatalf("pushes: %v", summary(ms))
		}
	}, withPush(), startingAt(tuesdayMorning))
}

// TestPromptPushRechecked: what changed while a push waited for the end of quiet hours is
// seen when it is sent: a prompt cleared meanwhile, a session cancelled, a member who left
// tell nobody.
func TestPromptPushRechecked(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		for c, token := range map[*Client]string{g.A: "token-a", g.B: "token-b"} {
			registerDevice(c, token, "ANDROID", "en-US")
			// 06:00 in Chicago: quiet until 08:00.
			c.MustOp("UpdateNotificationSettings", map[string]any{"input": map[string]any{"quietHoursStart": "22:00", "quietHoursEnd": "08:00"}})
		}
		cleared, cancelled, kept := schedule(g, sixPM), schedule(g, sixPM.Add(24*time.Hour)), schedule(g, sixPM.Add(48*time.Hour))
		for _, id := range []string{cleared, cancelled, kept} {
			if r := planSession(g.Therapist, id, map[string]any{"prompt": "MARKER waits"}); len(r.Errors) > 0 {
				t.Fatalf("plan: %s", r.Raw)
			}
		}
		h.Pushes(0)
		planSession(g.Therapist, cleared, map[string]any{"prompt": nil})
		g.Therapist.MustOp("CancelSession", map[string]any{"id": cancelled})
		g.B.MustOp("LeaveGroup", map[string]any{"groupID": g.ID})
		h.Pushes(0)
		h.Clock.Advance(2*time.Hour + time.Second) // 08:00
		ms := h.Pushes(2)
		checkPushes(t, ms)
		got := summary(ms)
		slices.Sort(got)
		if got[0] != "session_cancelled/"+cancelled+": Your group tomorrow at 6:00 PM is cancelled." ||
			got[1] != "session_prompt/"+kept+": Your group has a new prompt" || ms[0].Token != "token-a" || ms[1].Token != "token-a" {
			t.Fatalf("pushes: %v", summary(ms))
		}
	}, withPush(), startingAt(tuesdayMorning))
}

// TestPromptPushQuietHours: a member in quiet hours is told when they end, if the session
// has not started by then; else not at all.
func TestPromptPushQuietHours(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		registerDevice(g.A, "token-a", "ANDROID", "en-US")
		registerDevice(g.B, "token-b", "ANDROID", "en-US")
		// 06:00 in Chicago: A's quiet hours last until 08:00, B's until 09:00.
		g.A.MustOp("UpdateNotificationSettings", map[string]any{"input": map[string]any{"quietHoursStart": "22:00", "quietHoursEnd": "08:00"}})
		g.B.MustOp("UpdateNotificationSettings", map[string]any{"input": map[string]any{"quietHoursStart": "22:00", "quietHoursEnd": "09:00"}})
		// At 08:30, between the two ends.
		sid := schedule(g, tuesdayMorning.Add(150*time.Minute))
		planSession(g.Therapist, sid, map[string]any{"prompt": "MARKER early"})
		prompts := func() []fcmfake.Message {
			h.RunDue()
			var out []fcmfake.Message
			for _, m := range h.FCM.Messages() {
				if m.Data["type"] == "session_prompt" {
					out = append(out, m)
				}
			}
			return out
		}
		if ms := prompts(); len(ms) != 0 {
			t.Fatalf("pushes in quiet hours: %v", summary(ms))
		}
		h.Clock.Advance(time.Hour + time.Second) // 07:00
		if ms := prompts(); len(ms) != 0 {
			t.Fatalf("pushes in quiet hours: %v", summary(ms))
		}
		h.Clock.Advance(time.Hour) // 08:00: A's quiet hours are over
		ms := prompts()
		if len(ms) != 1 || ms[0].Token != "token-a" {
			t.Fatalf("pushes: %v", summary(ms))
		}
		checkPushes(t, ms)
		h.Clock.Advance(time.Hour) // 09:00: the session has started; B is not told
		if ms := prompts(); len(ms) != 1 {
			t.Fatalf("pushes: %v", summary(ms))
		}
	}, withPush(), startingAt(tuesdayMorning))
}

// TestPromptPushRetried: a send that fails for now is retried, and reaches each device once:
// the device that got it on the first attempt does not get it again.
func TestPromptPushRetried(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		registerDevice(g.A, "token-a1", "ANDROID", "en-US")
		registerDevice(g.A, "token-a2", "IOS", "en-US")
		h.FCM.FailNext("token-a2", 2, fcmfake.QuotaExceeded) // River retries the job
		sid := schedule(g, sixPM)
		planSession(g.Therapist, sid, map[string]any{"prompt": "MARKER retried"})
		h.RunDue()
		for i := 0; i < 4 && byToken(h.FCM.Messages())["token-a2"] == 0; i++ {
			h.Clock.Advance(2 * time.Minute) // past the retry's backoff
			h.RunDue()
		}
		ms := h.Pushes(2)
		if n := byToken(ms); n["token-a1"] != 1 || n["token-a2"] != 1 {
			t.Fatalf("pushes: %v", summary(ms))
		}
		if n := countRows(t, h, `SELECT count(*) FROM deliveries WHERE key LIKE 'prompt:%'`); n != 2 {
			t.Fatalf("%d deliveries of the prompt, want 2", n)
		}
	}, withPush(), startingAt(tuesdayMorning))
}

// TestPromptPushOnceWhenPlannedAtOnce: two plans of a session's first prompt at the same
// time tell each member once.
func TestPromptPushOnceWhenPlannedAtOnce(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		registerDevice(g.A, "token-a", "ANDROID", "en-US")
		registerDevice(g.B, "token-b", "ANDROID", "en-US")
		sid := schedule(g, sixPM)
		atOnce(4, func(i int) {
			if r := planSession(g.Therapist, sid, map[string]any{"prompt": "MARKER at once " + strings.Repeat("!", i)}); len(r.Errors) > 0 {
				t.Errorf("plan %d: %s", i, r.Raw)
			}
		})
		ms := h.Pushes(2)
		if n := byToken(ms); n["token-a"] != 1 || n["token-b"] != 1 {
			t.Fatalf("pushes: %v", summary(ms))
		}
		if n := countRows(t, h, `SELECT count(*) FROM river_job WHERE kind = 'session_prompt'`); n != 2 {
			t.Fatalf("%d prompt jobs, want 2", n)
		}
	}, withPush(), startingAt(tuesdayMorning))
}
