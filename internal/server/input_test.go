package server_test

// Input validation and error presentation: bad input gets BAD_USER_INPUT naming the field,
// changes nothing, never echoes the value, never leaks internals; every error code comes
// from the fixed set; the log never carries content, names, emails, tokens or variables.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/internal/rule"
)

// inpMarker is put in content, names and invalid values; it must never reach the log, and
// never come back in an error.
const inpMarker = "MARKER-LOG-91c2"

// inpCodes is the fixed set of extensions.code a client may receive.
var inpCodes = map[string]bool{
	"UNAUTHENTICATED": true,
	"FORBIDDEN":       true,
	"NOT_FOUND":       true,
	"BAD_USER_INPUT":  true,
	"CONFLICT":        true,
	"INTERNAL":        true,
}

// inpWrongCase are enum values in a distinctive wrong case: GraphQL enum values are case
// sensitive, and these are sent as variables, which must never reach the log.
var inpWrongCase = []string{"gRoUp", "pRiVaTe", "hEaRt"}

// inpText is a string of exactly n characters (runes): the marker, then unit repeated.
func inpText(n int, unit string) string {
	if utf8.RuneCountInString(unit) != 1 {
		panic("unit must be one character")
	}
	if n < len(inpMarker) {
		return strings.Repeat(unit, n)
	}
	return inpMarker + strings.Repeat(unit, n-len(inpMarker))
}

// inpCheckErrors checks every error of r: a code from the fixed set, nothing internal and
// no marker in the message or the extensions.
func inpCheckErrors(t *testing.T, r *Resp) {
	t.Helper()
	for _, e := range r.Errors {
		code, _ := e.Extensions["code"].(string)
		if !inpCodes[code] {
			t.Errorf("error code %q is outside the fixed set: %s", code, r.Raw)
		}
		for _, bad := range []string{"SELECT", "INSERT", "ent:", "pq:", ".go:", "goroutine", "/root/", "/work/"} {
			if strings.Contains(e.Message, bad) {
				t.Errorf("error message leaks internals (%q): %s", bad, r.Raw)
			}
		}
		if strings.Contains(strings.ToLower(e.Message), "sql") {
			t.Errorf("error message leaks internals (sql): %s", r.Raw)
		}
		ext, _ := json.Marshal(e.Extensions)
		if strings.Contains(e.Message, inpMarker) || strings.Contains(string(ext), inpMarker) {
			t.Errorf("error echoes the submitted value: %s", r.Raw)
		}
	}
}

// inpRejected checks that r is a BAD_USER_INPUT error naming field (in extensions.field and
// in the message); field may list alternatives separated by "|". It reports whether r was
// rejected at all.
func inpRejected(t *testing.T, r *Resp, field string) bool {
	t.Helper()
	inpCheckErrors(t, r)
	if len(r.Errors) == 0 {
		t.Errorf("want BAD_USER_INPUT on %s, got no error: %s", field, r.Raw)
		return false
	}
	if r.Code() != "BAD_USER_INPUT" {
		t.Errorf("want code BAD_USER_INPUT, got %q: %s", r.Code(), r.Raw)
	}
	if field != "" {
		got, _ := r.Errors[0].Extensions["field"].(string)
		ok := false
		for _, f := range strings.Split(field, "|") {
			if got == f && strings.Contains(r.Errors[0].Message, f) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("want extensions.field %q named in the message, got field %q, message %q: %s",
				field, got, r.Errors[0].Message, r.Raw)
		}
	}
	if strings.Contains(r.Raw, inpMarker) {
		t.Errorf("a rejected request's response echoes the submitted value: %s", r.Raw)
	}
	return true
}

// inpLogs checks everything the server logged: one JSON object a line, each with an
// "operation" or "msg" key, and none of the marker, emails or secrets (tokens).
func inpLogs(t *testing.T, h *H, secrets ...string) {
	t.Helper()
	logs := h.Logs.String()
	for i, line := range strings.Split(strings.TrimRight(logs, "\n"), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("log line %d is not JSON: %.300q", i+1, line)
			continue
		}
		_, op := m["operation"]
		_, msg := m["msg"]
		if !op && !msg {
			t.Errorf("log line %d has neither operation nor msg: %.300s", i+1, line)
		}
	}
	if strings.Contains(logs, inpMarker) || strings.Contains(logs, strings.ReplaceAll(inpMarker, "-", "_")) {
		for _, line := range strings.Split(logs, "\n") {
			if strings.Contains(line, inpMarker) || strings.Contains(line, strings.ReplaceAll(inpMarker, "-", "_")) {
				t.Errorf("the log carries submitted content/variables: %.400s", line)
			}
		}
	}
	for _, v := range inpWrongCase {
		if strings.Contains(logs, v) {
			t.Errorf("the log carries a submitted enum value %q", v)
		}
	}
	if strings.Contains(logs, "@example.invalid") {
		t.Errorf("the log carries an email address")
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("the log carries a secret (token) %.12s…", s)
		}
	}
}

func inpTokens(cs ...*Client) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Token)
	}
	return out
}

// inpSnapshot renders every row of every table a mutation could change (read as the
// system, below the API), so that a rejected mutation can be shown to have changed nothing.
func inpSnapshot(t *testing.T, h *H) string {
	t.Helper()
	ctx := rule.ForOperator(context.Background())
	c := h.App.Client()
	var b strings.Builder
	gs, err := c.Group.Query().Order(ent.Asc("id")).All(ctx)
	if err != nil {
		t.Fatalf("snapshot groups: %v", err)
	}
	for _, g := range gs {
		fmt.Fprintf(&b, "group %d %q %q %v\n", g.ID, g.Name, g.TimeZone, g.UpdatedAt.UnixNano())
	}
	ms, err := c.Membership.Query().Order(ent.Asc("id")).All(ctx)
	if err != nil {
		t.Fatalf("snapshot memberships: %v", err)
	}
	for _, m := range ms {
		fmt.Fprintf(&b, "membership %d u%d g%d %q %s %v %v\n", m.ID, m.UserID, m.GroupID, m.DisplayName, m.Role, m.LeftAt, m.Removed)
	}
	is, err := c.GroupInvite.Query().Order(ent.Asc("id")).All(ctx)
	if err != nil {
		t.Fatalf("snapshot invites: %v", err)
	}
	for _, i := range is {
		fmt.Fprintf(&b, "invite %d g%d %q %v %v\n", i.ID, i.GroupID, i.Code, i.ExpiresAt.UnixNano(), i.RevokedAt)
	}
	rs, err := c.Reflection.Query().Order(ent.Asc("id")).All(ctx)
	if err != nil {
		t.Fatalf("snapshot reflections: %v", err)
	}
	for _, r := range rs {
		p := r.Prompt
		fmt.Fprintf(&b, "reflection %d %s v%d %q m%d c%d %q %s %v %v %v\n", r.ID, r.ClientID, r.Version, r.Body,
			r.Mood, r.Craving, p, r.Visibility, r.NeedsAttention, r.DeletedAt, r.UpdatedAt.UnixNano())
	}
	es, err := c.Encouragement.Query().Order(ent.Asc("id")).All(ctx)
	if err != nil {
		t.Fatalf("snapshot encouragements: %v", err)
	}
	for _, e := range es {
		msg := e.Message
		fmt.Fprintf(&b, "encouragement %d %s r%d s%d %s %q\n", e.ID, e.ClientID, e.ReflectionID, e.SenderID, e.Kind, msg)
	}
	return b.String()
}

// inpUnchanged fails if the database differs from before.
func inpUnchanged(t *testing.T, h *H, before string) {
	t.Helper()
	if after := inpSnapshot(t, h); after != before {
		t.Errorf("a rejected request changed the database:\nbefore:\n%.2000s\nafter:\n%.2000s", before, after)
	}
}

func inpCopy(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// inpMyCount is the author's reflection count, as the app sees it.
func inpMyCount(t *testing.T, c *Client) int {
	t.Helper()
	return c.MustOp("MyReflections", map[string]any{"first": 1}).Num("viewer.reflections.totalCount")
}

func inpMembershipCount(t *testing.T, c *Client) int {
	t.Helper()
	r := c.MustOp("Viewer", nil)
	ms, _ := r.Get("viewer.memberships").([]any)
	return len(ms)
}

// inpCase is one input: edit changes a valid input; field is the field that must be named
// in a BAD_USER_INPUT error, or "" when the input must be accepted.
type inpCase struct {
	name  string
	edit  func(in map[string]any)
	field string
}

func inpSet(k string, v any) func(map[string]any) {
	return func(in map[string]any) { in[k] = v }
}

func inpDel(k string) func(map[string]any) {
	return func(in map[string]any) { delete(in, k) }
}

func TestInputCreateReflection(t *testing.T) {
	t.Parallel()
	cases := []inpCase{
		{"valid", func(map[string]any) {}, ""},
		{"body 10000 é passes", inpSet("body", inpText(10000, "é")), ""},
		{"body 10000 emoji passes", inpSet("body", inpText(10000, "🙂")), ""},
		{"body 1 character passes", inpSet("body", "k"), ""},
		{"body 10001 é fails", inpSet("body", inpText(10001, "é")), "body"},
		{"body 10001 emoji fails", inpSet("body", inpText(10001, "🙂")), "body"},
		{"body 10001 ascii fails", inpSet("body", inpText(10001, "x")), "body"},
		{"body blank fails", inpSet("body", "   "), "body"},
		{"body whitespace fails", inpSet("body", "\t\n \r"), "body"},
		{"body empty fails", inpSet("body", ""), "body"},
		{"body null fails", inpSet("body", nil), "body"},
		{"body missing fails", inpDel("body"), "body"},
		{"mood 1 passes", inpSet("mood", 1), ""},
		{"mood 10 passes", inpSet("mood", 10), ""},
		{"mood 0 fails", inpSet("mood", 0), "mood"},
		{"mood 11 fails", inpSet("mood", 11), "mood"},
		{"mood -1 fails", inpSet("mood", -1), "mood"},
		{"mood huge fails", inpSet("mood", 4294967297), "mood"},
		{"mood not a number fails", inpSet("mood", inpMarker), "mood"},
		{"mood fraction fails", inpSet("mood", 5.5), "mood"},
		{"mood null fails", inpSet("mood", nil), "mood"},
		{"craving 0 passes", inpSet("craving", 0), ""},
		{"craving 10 passes", inpSet("craving", 10), ""},
		{"craving -1 fails", inpSet("craving", -1), "craving"},
		{"craving 11 fails", inpSet("craving", 11), "craving"},
		{"prompt 500 passes", inpSet("prompt", inpText(500, "🙂")), ""},
		{"prompt null passes", inpSet("prompt", nil), ""},
		{"prompt 501 fails", inpSet("prompt", inpText(501, "é")), "prompt"},
		{"clientID not a uuid fails", inpSet("clientID", "not-a-uuid"), "clientID"},
		{"clientID nil uuid fails", inpSet("clientID", uuid.Nil.String()), "clientID"},
		{"clientID marker fails", inpSet("clientID", inpMarker), "clientID"},
		{"clientID number fails", inpSet("clientID", 12345), "clientID"},
		{"groupID abc fails", inpSet("groupID", "abc"), "groupID"},
		{"groupID -1 fails", inpSet("groupID", "-1"), "groupID"},
		{"groupID 0 fails", inpSet("groupID", "0"), "groupID"},
		{"groupID marker fails", inpSet("groupID", inpMarker), "groupID"},
		{"visibility unknown fails", inpSet("visibility", inpMarker), "visibility"},
		{"visibility wrong case fails", inpSet("visibility", "gRoUp"), "visibility"},
		{"visibility null passes (PRIVATE)", inpSet("visibility", nil), ""},
		{"unknown input field fails", inpSet("unknownField", 1), "unknownField"},
	}
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		valid := func() map[string]any {
			in := reflectionInput(g.ID, "GROUP", inpMarker+" a steady day")
			in["prompt"] = "What helped today? " + inpMarker
			return in
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				in := valid()
				tc.edit(in)
				count, snap := inpMyCount(t, g.A), inpSnapshot(t, h)
				r := g.A.Op("CreateReflection", map[string]any{"input": in})
				inpCheckErrors(t, r)
				if tc.field == "" {
					if len(r.Errors) > 0 {
						t.Fatalf("valid input refused: %.600s", r.Raw)
					}
					if got := inpMyCount(t, g.A); got != count+1 {
						t.Errorf("reflection count %d, want %d", got, count+1)
					}
					body, _ := in["body"].(string)
					got := r.Str("createReflection.reflection.body")
					if got != body || utf8.RuneCountInString(got) != utf8.RuneCountInString(body) {
						t.Errorf("stored body differs from the one sent (%d vs %d characters)",
							utf8.RuneCountInString(got), utf8.RuneCountInString(body))
					}
					if p, ok := in["prompt"].(string); ok && r.Str("createReflection.reflection.prompt") != p {
						t.Errorf("stored prompt differs from the one sent")
					}
					return
				}
				if !inpRejected(t, r, tc.field) {
					return
				}
				if got := inpMyCount(t, g.A); got != count {
					t.Errorf("a rejected create changed the reflection count: %d -> %d", count, got)
				}
				inpUnchanged(t, h, snap)
				// Nothing was kept under the clientID: the corrected request goes through.
				if id, ok := in["clientID"].(string); ok {
					if u, err := uuid.Parse(id); err == nil && u != uuid.Nil {
						fixed := valid()
						fixed["clientID"] = id
						ok := g.A.Op("CreateReflection", map[string]any{"input": fixed})
						if len(ok.Errors) > 0 {
							t.Errorf("the corrected create with the same clientID was refused: %.600s", ok.Raw)
						}
					}
				}
			})
		}
		inpLogs(t, h, inpTokens(g.Therapist, g.A, g.B, g.Stranger)...)
	})
}

func TestInputUpdateReflection(t *testing.T) {
	t.Parallel()
	type ucase struct {
		name  string
		edit  func(vars, in map[string]any)
		field string
		check func(t *testing.T, r *Resp) // for accepted updates: what the reflection now says
	}
	in := func(k string, v any) func(vars, in map[string]any) {
		return func(_, in map[string]any) { in[k] = v }
	}
	vr := func(k string, v any) func(vars, in map[string]any) {
		return func(vars, in map[string]any) {
			vars[k] = v
			in["mood"] = 5
		}
	}
	eq := func(path string, want any) func(t *testing.T, r *Resp) {
		return func(t *testing.T, r *Resp) {
			t.Helper()
			got := r.Get(path)
			if f, ok := got.(float64); ok {
				got = int(f)
			}
			if got != want {
				t.Errorf("%s = %v, want %v", path, got, want)
			}
		}
	}
	body10000 := inpText(10000, "🙂")
	prompt500 := inpText(500, "é")
	cases := []ucase{
		{"body 10000 emoji passes", in("body", body10000), "", eq("node.body", body10000)},
		{"body 10001 fails", in("body", inpText(10001, "é")), "body", nil},
		{"body blank fails", in("body", "   "), "body", nil},
		{"body empty fails", in("body", ""), "body", nil},
		{"mood 1 passes", in("mood", 1), "", eq("node.mood", 1)},
		{"mood 10 passes", in("mood", 10), "", eq("node.mood", 10)},
		{"mood 0 fails", in("mood", 0), "mood", nil},
		{"mood 11 fails", in("mood", 11), "mood", nil},
		{"mood not a number fails", in("mood", inpMarker), "mood", nil},
		{"craving 0 passes", in("craving", 0), "", eq("node.craving", 0)},
		{"craving 10 passes", in("craving", 10), "", eq("node.craving", 10)},
		{"craving -1 fails", in("craving", -1), "craving", nil},
		{"craving 11 fails", in("craving", 11), "craving", nil},
		{"prompt 500 passes", in("prompt", prompt500), "", eq("node.prompt", prompt500)},
		{"prompt 501 fails", in("prompt", inpText(501, "🙂")), "prompt", nil},
		{"visibility unknown fails", in("visibility", inpMarker), "visibility", nil},
		{"visibility wrong case fails", in("visibility", "pRiVaTe"), "visibility", nil},
		{"clearPrompt with a prompt fails", func(_, in map[string]any) {
			in["clearPrompt"] = true
			in["prompt"] = "new " + inpMarker
		}, "clearPrompt", nil},
		{"nothing to change fails", func(map[string]any, map[string]any) {}, "input", nil},
		{"id abc fails", vr("id", "abc"), "id", nil},
		{"id -1 fails", vr("id", "-1"), "id", nil},
		{"id marker fails", vr("id", inpMarker), "id", nil},
		{"expectedVersion not a number fails", vr("expectedVersion", inpMarker), "expectedVersion", nil},
		{"expectedVersion null fails", vr("expectedVersion", nil), "expectedVersion", nil},
		{"one bad field among good ones fails", func(_, in map[string]any) {
			in["body"] = "a good new body " + inpMarker
			in["mood"] = 7
			in["craving"] = 12
		}, "craving", nil},
	}
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		id := g.Reflect(g.A, "GROUP", inpMarker+" original body")
		read := func(t *testing.T) *Resp {
			t.Helper()
			return g.A.MustOp("Reflection", map[string]any{"id": id})
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := read(t)
				version := before.Num("node.version")
				input := map[string]any{}
				vars := map[string]any{"id": id, "expectedVersion": version, "input": input}
				tc.edit(vars, input)
				snap := inpSnapshot(t, h)
				r := g.A.Op("UpdateReflection", vars)
				inpCheckErrors(t, r)
				after := read(t)
				if tc.field == "" {
					if len(r.Errors) > 0 {
						t.Fatalf("valid update refused: %.600s", r.Raw)
					}
					if got := after.Num("node.version"); got != version+1 {
						t.Errorf("version %d after an update, want %d", got, version+1)
					}
					tc.check(t, after)
					return
				}
				if !inpRejected(t, r, tc.field) {
					return
				}
				for _, f := range []string{"node.version", "node.body", "node.mood", "node.craving", "node.prompt", "node.visibility", "node.updatedAt"} {
					if fmt.Sprint(before.Get(f)) != fmt.Sprint(after.Get(f)) {
						t.Errorf("a rejected update changed %s", f)
					}
				}
				inpUnchanged(t, h, snap)
			})
		}
		inpLogs(t, h, inpTokens(g.Therapist, g.A, g.B, g.Stranger)...)
	})
}

func TestInputSendEncouragement(t *testing.T) {
	t.Parallel()
	msg280 := inpText(280, "🙂")
	cases := []inpCase{
		{"no message passes", inpDel("message"), ""},
		{"message 280 emoji passes", inpSet("message", msg280), ""},
		{"message 280 é passes", inpSet("message", inpText(280, "é")), ""},
		{"message 281 fails", inpSet("message", inpText(281, "🙂")), "message"},
		{"message 281 ascii fails", inpSet("message", inpText(281, "x")), "message"},
		{"clientID not a uuid fails", inpSet("clientID", "not-a-uuid"), "clientID"},
		{"clientID nil uuid fails", inpSet("clientID", uuid.Nil.String()), "clientID"},
		{"reflectionID abc fails", inpSet("reflectionID", "abc"), "reflectionID"},
		{"reflectionID -1 fails", inpSet("reflectionID", "-1"), "reflectionID"},
		{"reflectionID marker fails", inpSet("reflectionID", inpMarker), "reflectionID"},
		{"kind unknown fails", inpSet("kind", inpMarker), "kind"},
		{"kind wrong case fails", inpSet("kind", "hEaRt"), "kind"},
		{"kind missing fails", inpDel("kind"), "kind"},
	}
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				// A fresh reflection each time: one encouragement per sender and reflection.
				rid := g.Reflect(g.A, "GROUP", inpMarker+" reflection for "+tc.name)
				in := map[string]any{
					"clientID":     uuid.NewString(),
					"reflectionID": rid,
					"kind":         "HEART",
					"message":      "proud of you " + inpMarker,
				}
				tc.edit(in)
				count := func() int {
					return g.A.MustOp("Reflection", map[string]any{"id": rid}).Num("node.encouragements.totalCount")
				}
				snap := inpSnapshot(t, h)
				r := g.B.Op("SendEncouragement", map[string]any{"input": in})
				inpCheckErrors(t, r)
				if tc.field == "" {
					if len(r.Errors) > 0 {
						t.Fatalf("valid encouragement refused: %.600s", r.Raw)
					}
					if m, ok := in["message"].(string); ok && r.Str("sendEncouragement.message") != m {
						t.Errorf("stored message differs from the one sent")
					}
					if count() != 1 {
						t.Errorf("encouragement count %d, want 1", count())
					}
					return
				}
				if !inpRejected(t, r, tc.field) {
					return
				}
				if n := count(); n != 0 {
					t.Errorf("a rejected encouragement was stored (%d)", n)
				}
				inpUnchanged(t, h, snap)
			})
		}
		inpLogs(t, h, inpTokens(g.Therapist, g.A, g.B, g.Stranger)...)
	})
}

func TestInputCreateGroup(t *testing.T) {
	t.Parallel()
	cases := []inpCase{
		{"valid", func(map[string]any) {}, ""},
		{"displayName 40 emoji passes", inpSet("displayName", inpText(40, "🙂")), ""},
		{"displayName 40 é passes", inpSet("displayName", inpText(40, "é")), ""},
		{"displayName 1 passes", inpSet("displayName", "T"), ""},
		{"displayName 41 fails", inpSet("displayName", inpText(41, "é")), "displayName"},
		{"displayName 41 emoji fails", inpSet("displayName", inpText(41, "🙂")), "displayName"},
		{"displayName blank fails", inpSet("displayName", "   "), "displayName"},
		{"displayName empty fails", inpSet("displayName", ""), "displayName"},
		{"name 80 emoji passes", inpSet("name", inpText(80, "🙂")), ""},
		{"name 81 fails", inpSet("name", inpText(81, "é")), "name"},
		{"name blank fails", inpSet("name", " \t "), "name"},
		{"timeZone America/Chicago passes", inpSet("timeZone", "America/Chicago"), ""},
		{"timeZone Europe/Berlin passes", inpSet("timeZone", "Europe/Berlin"), ""},
		{"timeZone Mars/Olympus fails", inpSet("timeZone", "Mars/Olympus"), "timeZone"},
		{"timeZone Local fails", inpSet("timeZone", "Local"), "timeZone"},
		{"timeZone empty fails", inpSet("timeZone", ""), "timeZone"},
		{"timeZone marker fails", inpSet("timeZone", inpMarker+"/Nowhere"), "timeZone"},
		{"timeZone trailing space fails", inpSet("timeZone", "America/Chicago "), "timeZone"},
		{"timeZone path escape fails", inpSet("timeZone", "../../../etc/passwd"), "timeZone"},
		{"timeZone null fails", inpSet("timeZone", nil), "timeZone"},
	}
	databases(t, func(t *testing.T, h *H) {
		th := h.Therapist("founder")
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				in := map[string]any{"name": "Group " + inpMarker, "timeZone": "America/Chicago", "displayName": "Dr " + inpMarker}
				tc.edit(in)
				count, snap := inpMembershipCount(t, th), inpSnapshot(t, h)
				r := th.Op("CreateGroup", map[string]any{"input": in})
				inpCheckErrors(t, r)
				if tc.field == "" {
					if len(r.Errors) > 0 {
						t.Fatalf("valid group refused: %.600s", r.Raw)
					}
					if r.Str("createGroup.name") != in["name"] || r.Str("createGroup.timeZone") != in["timeZone"] ||
						r.Str("createGroup.memberships.0.displayName") != in["displayName"] {
						t.Errorf("stored group differs from the input: %.300s", r.Raw)
					}
					if got := inpMembershipCount(t, th); got != count+1 {
						t.Errorf("memberships %d, want %d", got, count+1)
					}
					return
				}
				if !inpRejected(t, r, tc.field) {
					return
				}
				if got := inpMembershipCount(t, th); got != count {
					t.Errorf("a rejected createGroup changed the founder's memberships: %d -> %d", count, got)
				}
				inpUnchanged(t, h, snap)
			})
		}
		inpLogs(t, h, th.Token)
	})
}

func TestInputJoinGroup(t *testing.T) {
	t.Parallel()
	cases := []inpCase{
		{"valid", func(map[string]any) {}, ""},
		{"displayName 40 emoji passes", inpSet("displayName", inpText(40, "🙂")), ""},
		{"displayName 40 é passes", inpSet("displayName", inpText(40, "é")), ""},
		{"displayName 41 fails", inpSet("displayName", inpText(41, "é")), "displayName"},
		{"displayName 41 emoji fails", inpSet("displayName", inpText(41, "🙂")), "displayName"},
		{"displayName blank fails", inpSet("displayName", "   "), "displayName"},
		{"displayName empty fails", inpSet("displayName", ""), "displayName"},
		{"displayName null fails", inpSet("displayName", nil), "displayName"},
		{"code empty fails", inpSet("code", ""), "code"},
		{"code 65 fails", inpSet("code", inpText(65, "X")), "code"},
		{"code unknown fails", inpSet("code", inpMarker), "code"},
	}
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		var tokens []string
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := h.Member("joiner")
				tokens = append(tokens, c.Token)
				in := map[string]any{"code": g.Code, "displayName": "J " + inpMarker}
				tc.edit(in)
				count, snap := inpMembershipCount(t, c), inpSnapshot(t, h)
				r := c.Op("JoinGroup", map[string]any{"input": in})
				inpCheckErrors(t, r)
				if tc.field == "" {
					if len(r.Errors) > 0 {
						t.Fatalf("valid join refused: %.600s", r.Raw)
					}
					if r.Str("joinGroup.displayName") != in["displayName"] {
						t.Errorf("stored display name differs from the one sent")
					}
					return
				}
				if !inpRejected(t, r, tc.field) {
					return
				}
				if got := inpMembershipCount(t, c); got != count {
					t.Errorf("a rejected join changed the joiner's memberships: %d -> %d", count, got)
				}
				inpUnchanged(t, h, snap)
			})
		}
		inpLogs(t, h, append(tokens, inpTokens(g.Therapist, g.A, g.B, g.Stranger)...)...)
	})
}

func TestInputCreateGroupInvite(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		cases := []struct {
			name  string
			vars  map[string]any
			field string
			hours int // for accepted invites: how long it is valid
		}{
			{"expiresInHours 1 passes", map[string]any{"groupID": g.ID, "expiresInHours": 1}, "", 1},
			{"expiresInHours 720 passes", map[string]any{"groupID": g.ID, "expiresInHours": 720}, "", 720},
			{"expiresInHours default 72", map[string]any{"groupID": g.ID}, "", 72},
			{"expiresInHours null is the default", map[string]any{"groupID": g.ID, "expiresInHours": nil}, "", 72},
			{"expiresInHours 0 fails", map[string]any{"groupID": g.ID, "expiresInHours": 0}, "expiresInHours", 0},
			{"expiresInHours 721 fails", map[string]any{"groupID": g.ID, "expiresInHours": 721}, "expiresInHours", 0},
			{"expiresInHours -1 fails", map[string]any{"groupID": g.ID, "expiresInHours": -1}, "expiresInHours", 0},
			{"expiresInHours not a number fails", map[string]any{"groupID": g.ID, "expiresInHours": inpMarker}, "expiresInHours", 0},
			{"groupID abc fails", map[string]any{"groupID": "abc", "expiresInHours": 5}, "groupID", 0},
			{"groupID -1 fails", map[string]any{"groupID": "-1", "expiresInHours": 5}, "groupID", 0},
			{"groupID marker fails", map[string]any{"groupID": inpMarker}, "groupID", 0},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				snap := inpSnapshot(t, h)
				start := time.Now()
				r := g.Therapist.Op("CreateGroupInvite", tc.vars)
				inpCheckErrors(t, r)
				if tc.field == "" {
					if len(r.Errors) > 0 {
						t.Fatalf("valid invite refused: %.600s", r.Raw)
					}
					exp, err := time.Parse(time.RFC3339Nano, r.Str("createGroupInvite.expiresAt"))
					want := start.Add(time.Duration(tc.hours) * time.Hour)
					if err != nil || exp.Before(want.Add(-time.Minute)) || exp.After(want.Add(time.Minute)) {
						t.Errorf("expiresAt %s, want about %s", r.Str("createGroupInvite.expiresAt"), want)
					}
					return
				}
				if inpRejected(t, r, tc.field) {
					inpUnchanged(t, h, snap)
				}
			})
		}
		inpLogs(t, h, inpTokens(g.Therapist, g.A, g.B, g.Stranger)...)
	})
}

func TestInputPageSize(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		var ids []string
		for i := 0; i < 3; i++ {
			ids = append(ids, g.Reflect(g.A, "GROUP", fmt.Sprintf("%s page %d", inpMarker, i)))
		}
		for _, id := range ids {
			if r := Encourage(g.B, id, "go on "+inpMarker); len(r.Errors) > 0 {
				t.Fatal(r.Raw)
			}
		}
		ops := []struct {
			op, conn string
			vars     map[string]any
		}{
			{"GroupFeed", "node.reflections", map[string]any{"groupID": g.ID}},
			{"MyReflections", "viewer.reflections", map[string]any{}},
			{"EncouragementReceived", "viewer.encouragementReceived", map[string]any{}},
		}
		for _, o := range ops {
			for _, first := range []any{0, 101, -1, 1000000, 1, 100, nil, "absent"} {
				t.Run(fmt.Sprintf("%s first=%v", o.op, first), func(t *testing.T) {
					vars := inpCopy(o.vars)
					if first != "absent" {
						vars["first"] = first
					}
					r := g.A.Op(o.op, vars)
					inpCheckErrors(t, r)
					n, _ := first.(int)
					switch {
					case first == nil || first == "absent":
						n = 20
					case n < 1 || n > 100:
						inpRejected(t, r, "first")
						return
					}
					if len(r.Errors) > 0 {
						t.Fatalf("first=%v refused: %.600s", first, r.Raw)
					}
					edges, _ := r.Get(o.conn + ".edges").([]any)
					want := min(n, 3)
					if len(edges) != want || r.Num(o.conn+".totalCount") != 3 {
						t.Errorf("first=%v: %d edges of %d, want %d of 3", first, len(edges), r.Num(o.conn+".totalCount"), want)
					}
					if more, _ := r.Get(o.conn + ".pageInfo.hasNextPage").(bool); more != (n < 3) {
						t.Errorf("first=%v: hasNextPage %v", first, more)
					}
				})
			}
		}
		// Malformed IDs of queries.
		for _, bad := range []string{"abc", "-1", "0", inpMarker} {
			t.Run("GroupFeed groupID "+bad, func(t *testing.T) {
				inpRejected(t, g.A.Op("GroupFeed", map[string]any{"groupID": bad}), "id|groupID")
			})
			t.Run("Reflection id "+bad, func(t *testing.T) {
				inpRejected(t, g.A.Op("Reflection", map[string]any{"id": bad}), "id")
			})
		}
		for _, c := range []struct{ name, args, field string }{
			{"last 0", "last: 0", "last"},
			{"last 101", "last: 101", "last"},
			{"last -1", "last: -1", "last"},
			{"first and last", "first: 1, last: 1", ""},
		} {
			t.Run("raw "+c.name, func(t *testing.T) {
				r := g.A.Raw("query Q { viewer { reflections("+c.args+") { totalCount } } }", "Q", nil)
				inpRejected(t, r, c.field)
			})
		}
		t.Run("cursor garbage", func(t *testing.T) {
			r := g.A.Op("MyReflections", map[string]any{"first": 2, "after": inpMarker})
			inpRejected(t, r, "after")
		})
		inpLogs(t, h, inpTokens(g.Therapist, g.A, g.B, g.Stranger)...)
	})
}

// inpPost sends body as-is to /graphql with c's token.
func inpPost(t *testing.T, h *H, c *Client, contentType string, body []byte) *Resp {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if c != nil && c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	return send(t, req)
}

// TestErrorsBrokenDocuments: a document that does not parse or validate is BAD_USER_INPUT,
// runs nothing and changes nothing.
func TestErrorsBrokenDocuments(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		vars := map[string]any{"input": reflectionInput(g.ID, "GROUP", inpMarker+" secret body")}
		docs := []struct{ name, query, op string }{
			{"unterminated document", "mutation CreateReflection($input: CreateReflectionInput!) { createReflection(input: $input) { reflection { id ", "CreateReflection"},
			{"garbage document", "}}}{{{ not graphql", ""},
			{"empty document", "", ""},
			{"unknown field", "query Q { viewer { id passwordHash } }", "Q"},
			{"unknown operation name", operationDocument(t, "CreateReflection"), "NoSuchOperation"},
			{"undeclared variable", "mutation M { createReflection(input: $input) { reflection { id } } }", "M"},
			{"wrong variable type", "mutation M($input: String!) { createReflection(input: $input) { reflection { id } } }", "M"},
		}
		for _, d := range docs {
			t.Run(d.name, func(t *testing.T) {
				snap, count := inpSnapshot(t, h), inpMyCount(t, g.A)
				r := g.A.Raw(d.query, d.op, vars)
				if inpRejected(t, r, "") {
					inpUnchanged(t, h, snap)
					if got := inpMyCount(t, g.A); got != count {
						t.Errorf("reflection count %d -> %d", count, got)
					}
				}
			})
		}
		inpLogs(t, h, inpTokens(g.Therapist, g.A, g.B, g.Stranger)...)
	})
}

// TestErrorsMalformedHTTPBody: a POST body that is not a GraphQL request (bad JSON, wrong
// shape, too large) is the client's mistake: BAD_USER_INPUT, and the body (which carries
// the variables) never reaches the log.
func TestErrorsMalformedHTTPBody(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		t.Run("malformed JSON", func(t *testing.T) {
			snap := inpSnapshot(t, h)
			body := `{"query":"mutation CreateReflection($input: CreateReflectionInput!) { createReflection(input: $input) { reflection { id } } }","variables":{"input":{"body":"` + inpMarker + ` secret"}}`
			r := inpPost(t, h, g.A, "application/json", []byte(body))
			if inpRejected(t, r, "") {
				inpUnchanged(t, h, snap)
			}
		})
		t.Run("JSON of the wrong shape", func(t *testing.T) {
			r := inpPost(t, h, g.A, "application/json", []byte(`{"query":["`+inpMarker+`"],"variables":"`+inpMarker+`"}`))
			inpRejected(t, r, "")
		})
		t.Run("oversized body", func(t *testing.T) {
			snap := inpSnapshot(t, h)
			big := reflectionInput(g.ID, "GROUP", inpMarker+strings.Repeat("x", 2<<20))
			b, _ := json.Marshal(map[string]any{"query": operationDocument(t, "CreateReflection"), "operationName": "CreateReflection", "variables": map[string]any{"input": big}})
			r := inpPost(t, h, g.A, "application/json", b)
			if inpRejected(t, r, "") {
				inpUnchanged(t, h, snap)
			}
		})
		t.Run("log", func(t *testing.T) {
			inpLogs(t, h, inpTokens(g.Therapist, g.A, g.B, g.Stranger)...)
		})
	})
}

// TestErrorsGETTransport: errors of GET requests carry a code from the fixed set too.
func TestErrorsGETTransport(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		get := func(t *testing.T, rawQuery string) *Resp {
			t.Helper()
			req, _ := http.NewRequest(http.MethodGet, h.URL+"/graphql?"+rawQuery, nil)
			req.Header.Set("Authorization", "Bearer "+g.A.Token)
			return send(t, req)
		}
		t.Run("a valid query works", func(t *testing.T) {
			q := url.Values{"query": {operationDocument(t, "MyReflections")}, "operationName": {"MyReflections"}, "variables": {`{"first":5}`}}
			if r := get(t, q.Encode()); len(r.Errors) > 0 {
				t.Fatalf("GET query refused: %.400s", r.Raw)
			}
		})
		t.Run("page size over GET", func(t *testing.T) {
			q := url.Values{"query": {operationDocument(t, "MyReflections")}, "operationName": {"MyReflections"}, "variables": {`{"first":101}`}}
			inpRejected(t, get(t, q.Encode()), "first")
		})
		t.Run("malformed variables", func(t *testing.T) {
			q := url.Values{"query": {operationDocument(t, "MyReflections")}, "operationName": {"MyReflections"}, "variables": {`{"first":` + inpMarker}}
			inpRejected(t, get(t, q.Encode()), "")
		})
		t.Run("a mutation", func(t *testing.T) {
			snap := inpSnapshot(t, h)
			b, _ := json.Marshal(map[string]any{"input": reflectionInput(g.ID, "GROUP", inpMarker+" over GET")})
			q := url.Values{"query": {operationDocument(t, "CreateReflection")}, "operationName": {"CreateReflection"}, "variables": {string(b)}}
			if inpRejected(t, get(t, q.Encode()), "") {
				inpUnchanged(t, h, snap)
			}
		})
		t.Run("broken query string", func(t *testing.T) {
			inpRejected(t, get(t, "query=%zz"+inpMarker), "")
		})
		inpLogs(t, h, inpTokens(g.Therapist, g.A, g.B, g.Stranger)...)
	})
}

// TestErrorsDocumentLiterals sends invalid values written into the document itself (not as
// variables): still BAD_USER_INPUT, and the value is not echoed.
func TestErrorsDocumentLiterals(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		lit := strings.ReplaceAll(inpMarker, "-", "_") // a valid GraphQL name
		docs := []struct{ name, query, field string }{
			{"bad ID literal", `mutation M { createGroupInvite(groupID: "` + inpMarker + `", expiresInHours: 5) { id } }`, "groupID"},
			{"bad UUID literal", `mutation M { createReflection(input: {clientID: "` + inpMarker + `", groupID: "` + g.ID + `", body: "x", mood: 5, craving: 1}) { reflection { id } } }`, "clientID"},
			{"bad enum literal", `mutation M { createReflection(input: {clientID: "` + uuid.NewString() + `", groupID: "` + g.ID + `", body: "x", mood: 5, craving: 1, visibility: ` + lit + `}) { reflection { id } } }`, ""},
			{"string for an Int literal", `mutation M { createReflection(input: {clientID: "` + uuid.NewString() + `", groupID: "` + g.ID + `", body: "x", mood: "` + inpMarker + `", craving: 1}) { reflection { id } } }`, ""},
			{"out of range literal", `mutation M { createReflection(input: {clientID: "` + uuid.NewString() + `", groupID: "` + g.ID + `", body: "` + inpMarker + `", mood: 11, craving: 1}) { reflection { id } } }`, "mood"},
		}
		for _, d := range docs {
			t.Run(d.name, func(t *testing.T) {
				snap := inpSnapshot(t, h)
				r := g.A.Raw(d.query, "M", nil)
				for _, e := range r.Errors {
					if strings.Contains(e.Message, lit) {
						t.Errorf("error echoes the submitted value: %s", r.Raw)
					}
				}
				if !inpRejected(t, r, d.field) {
					return
				}
				inpUnchanged(t, h, snap)
			})
		}
		inpLogs(t, h, inpTokens(g.Therapist, g.A, g.B, g.Stranger)...)
	})
}

// TestInputNULBytes: a NUL character is bad input on every database (PostgreSQL cannot
// store it in text): it is either accepted everywhere or refused with BAD_USER_INPUT, never
// an INTERNAL error.
func TestInputNULBytes(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		rid := g.Reflect(g.A, "GROUP", "plain")
		nul := inpMarker + "\x00after"
		reqs := []struct {
			name, field string
			send        func() *Resp
		}{
			{"reflection body", "body", func() *Resp {
				return g.A.Op("CreateReflection", map[string]any{"input": reflectionInput(g.ID, "GROUP", nul)})
			}},
			{"reflection prompt", "prompt", func() *Resp {
				in := reflectionInput(g.ID, "GROUP", "fine")
				in["prompt"] = nul
				return g.A.Op("CreateReflection", map[string]any{"input": in})
			}},
			{"encouragement message", "message", func() *Resp { return Encourage(g.B, rid, nul) }},
			{"display name", "displayName", func() *Resp {
				return h.Member("nul").Op("JoinGroup", map[string]any{"input": map[string]any{"code": g.Code, "displayName": nul}})
			}},
			{"group name", "name", func() *Resp {
				return g.Therapist.Op("CreateGroup", map[string]any{"input": map[string]any{"name": nul, "timeZone": "UTC", "displayName": "T"}})
			}},
		}
		for _, rq := range reqs {
			t.Run(rq.name, func(t *testing.T) {
				snap := inpSnapshot(t, h)
				r := rq.send()
				inpCheckErrors(t, r)
				if len(r.Errors) == 0 {
					return // accepted (as SQLite can store it)
				}
				if inpRejected(t, r, rq.field) {
					inpUnchanged(t, h, snap)
				}
			})
		}
		inpLogs(t, h, inpTokens(g.Therapist, g.A, g.B, g.Stranger)...)
	})
}

// TestErrorsLogsCarryNoContent drives ordinary successful use with content, names and
// variables that carry the marker, then reads the whole log.
func TestErrorsLogsCarryNoContent(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		th := h.Therapist("lead")
		r := th.MustOp("CreateGroup", map[string]any{"input": map[string]any{
			"name": "Group " + inpMarker, "timeZone": "America/Chicago", "displayName": "Dr " + inpMarker,
		}})
		gid := r.Str("createGroup.id")
		code := th.MustOp("CreateGroupInvite", map[string]any{"groupID": gid}).Str("createGroupInvite.code")
		a, b := h.Member("a"), h.Member("b")
		a.MustOp("JoinGroup", map[string]any{"input": map[string]any{"code": code, "displayName": "Ann " + inpMarker}})
		b.MustOp("JoinGroup", map[string]any{"input": map[string]any{"code": code, "displayName": "Ben " + inpMarker}})
		a.MustOp("GrantGroupSharingConsent", map[string]any{"input": map[string]any{"groupID": gid, "textVersion": 1}})
		in := reflectionInput(gid, "GROUP", inpMarker+" today I stayed sober")
		in["prompt"] = "What helped? " + inpMarker
		rid := a.MustOp("CreateReflection", map[string]any{"input": in}).Str("createReflection.reflection.id")
		a.MustOp("CreateReflection", map[string]any{"input": in}) // a retry
		a.MustOp("UpdateReflection", map[string]any{"id": rid, "expectedVersion": 1, "input": map[string]any{"body": inpMarker + " edited"}})
		if e := Encourage(b, rid, "so proud "+inpMarker); len(e.Errors) > 0 {
			t.Fatal(e.Raw)
		}
		b.MustOp("GroupFeed", map[string]any{"groupID": gid})
		a.MustOp("Reflection", map[string]any{"id": rid})
		a.MustOp("EncouragementReceived", nil)
		// Refusals of every kind, with the marker in the variables.
		inpCheckErrors(t, a.Op("UpdateReflection", map[string]any{"id": rid, "expectedVersion": 1, "input": map[string]any{"body": inpMarker + " stale"}}))
		inpCheckErrors(t, b.Op("UpdateReflection", map[string]any{"id": rid, "expectedVersion": 2, "input": map[string]any{"body": inpMarker + " not mine"}}))
		inpCheckErrors(t, h.Member("c").Op("CreateReflection", map[string]any{"input": reflectionInput(gid, "GROUP", inpMarker+" not a member")}))
		inpCheckErrors(t, a.Op("CreateGroup", map[string]any{"input": map[string]any{"name": inpMarker, "timeZone": "UTC", "displayName": inpMarker}}))
		inpCheckErrors(t, h.Anonymous().Op("CreateReflection", map[string]any{"input": reflectionInput(gid, "GROUP", inpMarker)}))
		inpCheckErrors(t, (&Client{h: h, Token: "not-a-token-" + inpMarker}).Op("Viewer", nil))
		inpLogs(t, h, th.Token, a.Token, b.Token)
	})
}
