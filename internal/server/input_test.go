package server_test

// Input validation and error presentation: bad input gets BAD_USER_INPUT naming the field,
// changes nothing, never echoes the value, never leaks internals; every error code comes
// from the fixed set; the log never carries content, names, emails, tokens or variables.

import (
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// wrongCaseEnums are enum values in a distinctive wrong case: GraphQL enum values are case
// sensitive, and these are sent as variables, which must never reach the log.
var wrongCaseEnums = []string{"gRoUp", "pRiVaTe", "hEaRt"}

// textOfLength is a string of exactly n characters (runes): the marker, then unit repeated.
func textOfLength(n int, unit string) string {
	if utf8.RuneCountInString(unit) != 1 {
		panic("unit must be one character")
	}
	if n < len(logMarker) {
		return strings.Repeat(unit, n)
	}
	return logMarker + strings.Repeat(unit, n-len(logMarker))
}

func membershipCount(t *testing.T, c *Client) int {
	t.Helper()
	r := c.MustOp("Viewer", nil)
	ms, _ := r.Get("viewer.memberships").([]any)
	return len(ms)
}

// inputCase is one input: edit changes a valid input; field is the field that must be named
// in a BAD_USER_INPUT error, or "" when the input must be accepted.
type inputCase struct {
	name  string
	edit  func(in map[string]any)
	field string
}

func setField(k string, v any) func(map[string]any) {
	return func(in map[string]any) { in[k] = v }
}

func deleteField(k string) func(map[string]any) {
	return func(in map[string]any) { delete(in, k) }
}

func TestInputCreateReflection(t *testing.T) {
	t.Parallel()
	cases := []inputCase{
		{"valid", func(map[string]any) {}, ""},
		{"body 10000 é passes", setField("body", textOfLength(10000, "é")), ""},
		{"body 10000 emoji passes", setField("body", textOfLength(10000, "🙂")), ""},
		{"body 1 character passes", setField("body", "k"), ""},
		{"body 10001 é fails", setField("body", textOfLength(10001, "é")), "body"},
		{"body 10001 emoji fails", setField("body", textOfLength(10001, "🙂")), "body"},
		{"body 10001 ascii fails", setField("body", textOfLength(10001, "x")), "body"},
		{"body blank fails", setField("body", "   "), "body"},
		{"body whitespace fails", setField("body", "\t\n \r"), "body"},
		{"body empty fails", setField("body", ""), "body"},
		{"body null fails", setField("body", nil), "body"},
		{"body missing fails", deleteField("body"), "body"},
		{"mood 1 passes", setField("mood", 1), ""},
		{"mood 10 passes", setField("mood", 10), ""},
		{"mood 0 fails", setField("mood", 0), "mood"},
		{"mood 11 fails", setField("mood", 11), "mood"},
		{"mood -1 fails", setField("mood", -1), "mood"},
		{"mood huge fails", setField("mood", 4294967297), "mood"},
		{"mood not a number fails", setField("mood", logMarker), "mood"},
		{"mood fraction fails", setField("mood", 5.5), "mood"},
		{"mood null fails", setField("mood", nil), "mood"},
		{"craving 0 passes", setField("craving", 0), ""},
		{"craving 10 passes", setField("craving", 10), ""},
		{"craving -1 fails", setField("craving", -1), "craving"},
		{"craving 11 fails", setField("craving", 11), "craving"},
		{"prompt 500 passes", setField("prompt", textOfLength(500, "🙂")), ""},
		{"prompt null passes", setField("prompt", nil), ""},
		{"prompt 501 fails", setField("prompt", textOfLength(501, "é")), "prompt"},
		{"clientID not a uuid fails", setField("clientID", "not-a-uuid"), "clientID"},
		{"clientID nil uuid fails", setField("clientID", uuid.Nil.String()), "clientID"},
		{"clientID marker fails", setField("clientID", logMarker), "clientID"},
		{"clientID number fails", setField("clientID", 12345), "clientID"},
		{"groupID abc fails", setField("groupID", "abc"), "groupID"},
		{"groupID -1 fails", setField("groupID", "-1"), "groupID"},
		{"groupID 0 fails", setField("groupID", "0"), "groupID"},
		{"groupID marker fails", setField("groupID", logMarker), "groupID"},
		{"visibility unknown fails", setField("visibility", logMarker), "visibility"},
		{"visibility wrong case fails", setField("visibility", "gRoUp"), "visibility"},
		{"visibility null passes (PRIVATE)", setField("visibility", nil), ""},
		{"unknown input field fails", setField("unknownField", 1), "unknownField"},
	}
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		valid := func() map[string]any {
			in := reflectionInput(g.ID, "GROUP", logMarker+" a steady day")
			in["prompt"] = "What helped today? " + logMarker
			return in
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				in := valid()
				tc.edit(in)
				count, snap := myReflectionCount(t, g.A), dbSnapshot(t, h)
				r := g.A.Op("CreateReflection", map[string]any{"input": in})
				checkErrors(t, r)
				if tc.field == "" {
					if len(r.Errors) > 0 {
						t.Fatalf("valid input refused: %.600s", r.Raw)
					}
					if got := myReflectionCount(t, g.A); got != count+1 {
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
				if !rejectedNaming(t, r, tc.field) {
					return
				}
				if got := myReflectionCount(t, g.A); got != count {
					t.Errorf("a rejected create changed the reflection count: %d -> %d", count, got)
				}
				dbUnchanged(t, h, snap)
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
		checkLogLines(t, h, tokensOf(g.Therapist, g.A, g.B, g.Stranger)...)
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
	body10000 := textOfLength(10000, "🙂")
	prompt500 := textOfLength(500, "é")
	cases := []ucase{
		{"body 10000 emoji passes", in("body", body10000), "", eq("node.body", body10000)},
		{"body 10001 fails", in("body", textOfLength(10001, "é")), "body", nil},
		{"body blank fails", in("body", "   "), "body", nil},
		{"body empty fails", in("body", ""), "body", nil},
		{"mood 1 passes", in("mood", 1), "", eq("node.mood", 1)},
		{"mood 10 passes", in("mood", 10), "", eq("node.mood", 10)},
		{"mood 0 fails", in("mood", 0), "mood", nil},
		{"mood 11 fails", in("mood", 11), "mood", nil},
		{"mood not a number fails", in("mood", logMarker), "mood", nil},
		{"craving 0 passes", in("craving", 0), "", eq("node.craving", 0)},
		{"craving 10 passes", in("craving", 10), "", eq("node.craving", 10)},
		{"craving -1 fails", in("craving", -1), "craving", nil},
		{"craving 11 fails", in("craving", 11), "craving", nil},
		{"prompt 500 passes", in("prompt", prompt500), "", eq("node.prompt", prompt500)},
		{"prompt 501 fails", in("prompt", textOfLength(501, "🙂")), "prompt", nil},
		{"visibility unknown fails", in("visibility", logMarker), "visibility", nil},
		{"visibility wrong case fails", in("visibility", "pRiVaTe"), "visibility", nil},
		{"clearPrompt with a prompt fails", func(_, in map[string]any) {
			in["clearPrompt"] = true
			in["prompt"] = "new " + logMarker
		}, "clearPrompt", nil},
		{"nothing to change fails", func(map[string]any, map[string]any) {}, "input", nil},
		{"id abc fails", vr("id", "abc"), "id", nil},
		{"id -1 fails", vr("id", "-1"), "id", nil},
		{"id marker fails", vr("id", logMarker), "id", nil},
		{"expectedVersion not a number fails", vr("expectedVersion", logMarker), "expectedVersion", nil},
		{"expectedVersion null fails", vr("expectedVersion", nil), "expectedVersion", nil},
		{"one bad field among good ones fails", func(_, in map[string]any) {
			in["body"] = "a good new body " + logMarker
			in["mood"] = 7
			in["craving"] = 12
		}, "craving", nil},
	}
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		id := g.Reflect(g.A, "GROUP", logMarker+" original body")
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
				snap := dbSnapshot(t, h)
				r := g.A.Op("UpdateReflection", vars)
				checkErrors(t, r)
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
				if !rejectedNaming(t, r, tc.field) {
					return
				}
				for _, f := range []string{"node.version", "node.body", "node.mood", "node.craving", "node.prompt", "node.visibility", "node.updatedAt"} {
					if fmt.Sprint(before.Get(f)) != fmt.Sprint(after.Get(f)) {
						t.Errorf("a rejected update changed %s", f)
					}
				}
				dbUnchanged(t, h, snap)
			})
		}
		checkLogLines(t, h, tokensOf(g.Therapist, g.A, g.B, g.Stranger)...)
	})
}

func TestInputSendEncouragement(t *testing.T) {
	t.Parallel()
	msg280 := textOfLength(280, "🙂")
	cases := []inputCase{
		{"no message passes", deleteField("message"), ""},
		{"message 280 emoji passes", setField("message", msg280), ""},
		{"message 280 é passes", setField("message", textOfLength(280, "é")), ""},
		{"message 281 fails", setField("message", textOfLength(281, "🙂")), "message"},
		{"message 281 ascii fails", setField("message", textOfLength(281, "x")), "message"},
		{"clientID not a uuid fails", setField("clientID", "not-a-uuid"), "clientID"},
		{"clientID nil uuid fails", setField("clientID", uuid.Nil.String()), "clientID"},
		{"reflectionID abc fails", setField("reflectionID", "abc"), "reflectionID"},
		{"reflectionID -1 fails", setField("reflectionID", "-1"), "reflectionID"},
		{"reflectionID marker fails", setField("reflectionID", logMarker), "reflectionID"},
		{"kind unknown fails", setField("kind", logMarker), "kind"},
		{"kind wrong case fails", setField("kind", "hEaRt"), "kind"},
		{"kind missing fails", deleteField("kind"), "kind"},
	}
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				// A fresh reflection each time: one encouragement per sender and reflection.
				rid := g.Reflect(g.A, "GROUP", logMarker+" reflection for "+tc.name)
				in := map[string]any{
					"clientID":     uuid.NewString(),
					"reflectionID": rid,
					"kind":         "HEART",
					"message":      "proud of you " + logMarker,
				}
				tc.edit(in)
				count := func() int {
					return g.A.MustOp("Reflection", map[string]any{"id": rid}).Num("node.encouragements.totalCount")
				}
				snap := dbSnapshot(t, h)
				r := g.B.Op("SendEncouragement", map[string]any{"input": in})
				checkErrors(t, r)
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
				if !rejectedNaming(t, r, tc.field) {
					return
				}
				if n := count(); n != 0 {
					t.Errorf("a rejected encouragement was stored (%d)", n)
				}
				dbUnchanged(t, h, snap)
			})
		}
		checkLogLines(t, h, tokensOf(g.Therapist, g.A, g.B, g.Stranger)...)
	})
}

func TestInputCreateGroup(t *testing.T) {
	t.Parallel()
	cases := []inputCase{
		{"valid", func(map[string]any) {}, ""},
		{"displayName 40 emoji passes", setField("displayName", textOfLength(40, "🙂")), ""},
		{"displayName 40 é passes", setField("displayName", textOfLength(40, "é")), ""},
		{"displayName 1 passes", setField("displayName", "T"), ""},
		{"displayName 41 fails", setField("displayName", textOfLength(41, "é")), "displayName"},
		{"displayName 41 emoji fails", setField("displayName", textOfLength(41, "🙂")), "displayName"},
		{"displayName blank fails", setField("displayName", "   "), "displayName"},
		{"displayName empty fails", setField("displayName", ""), "displayName"},
		{"name 80 emoji passes", setField("name", textOfLength(80, "🙂")), ""},
		{"name 81 fails", setField("name", textOfLength(81, "é")), "name"},
		{"name blank fails", setField("name", " \t "), "name"},
		{"timeZone America/Chicago passes", setField("timeZone", "America/Chicago"), ""},
		{"timeZone Europe/Berlin passes", setField("timeZone", "Europe/Berlin"), ""},
		{"timeZone Mars/Olympus fails", setField("timeZone", "Mars/Olympus"), "timeZone"},
		{"timeZone Local fails", setField("timeZone", "Local"), "timeZone"},
		{"timeZone empty fails", setField("timeZone", ""), "timeZone"},
		{"timeZone marker fails", setField("timeZone", logMarker+"/Nowhere"), "timeZone"},
		{"timeZone trailing space fails", setField("timeZone", "America/Chicago "), "timeZone"},
		{"timeZone path escape fails", setField("timeZone", "../../../etc/passwd"), "timeZone"},
		{"timeZone null fails", setField("timeZone", nil), "timeZone"},
	}
	databases(t, func(t *testing.T, h *H) {
		th := h.Therapist("founder")
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				in := map[string]any{"name": "Group " + logMarker, "timeZone": "America/Chicago", "displayName": "Dr " + logMarker}
				tc.edit(in)
				count, snap := membershipCount(t, th), dbSnapshot(t, h)
				r := th.Op("CreateGroup", map[string]any{"input": in})
				checkErrors(t, r)
				if tc.field == "" {
					if len(r.Errors) > 0 {
						t.Fatalf("valid group refused: %.600s", r.Raw)
					}
					if r.Str("createGroup.name") != in["name"] || r.Str("createGroup.timeZone") != in["timeZone"] ||
						r.Str("createGroup.memberships.0.displayName") != in["displayName"] {
						t.Errorf("stored group differs from the input: %.300s", r.Raw)
					}
					if got := membershipCount(t, th); got != count+1 {
						t.Errorf("memberships %d, want %d", got, count+1)
					}
					return
				}
				if !rejectedNaming(t, r, tc.field) {
					return
				}
				if got := membershipCount(t, th); got != count {
					t.Errorf("a rejected createGroup changed the founder's memberships: %d -> %d", count, got)
				}
				dbUnchanged(t, h, snap)
			})
		}
		checkLogLines(t, h, th.Token)
	})
}

func TestInputJoinGroup(t *testing.T) {
	t.Parallel()
	cases := []inputCase{
		{"valid", func(map[string]any) {}, ""},
		{"displayName 40 emoji passes", setField("displayName", textOfLength(40, "🙂")), ""},
		{"displayName 40 é passes", setField("displayName", textOfLength(40, "é")), ""},
		{"displayName 41 fails", setField("displayName", textOfLength(41, "é")), "displayName"},
		{"displayName 41 emoji fails", setField("displayName", textOfLength(41, "🙂")), "displayName"},
		{"displayName blank fails", setField("displayName", "   "), "displayName"},
		{"displayName empty fails", setField("displayName", ""), "displayName"},
		{"displayName null fails", setField("displayName", nil), "displayName"},
		{"code empty fails", setField("code", ""), "code"},
		{"code 65 fails", setField("code", textOfLength(65, "X")), "code"},
		{"code unknown fails", setField("code", logMarker), "code"},
	}
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		var tokens []string
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := h.Member("joiner")
				tokens = append(tokens, c.Token)
				in := map[string]any{"code": g.Code, "displayName": "J " + logMarker}
				tc.edit(in)
				count, snap := membershipCount(t, c), dbSnapshot(t, h)
				r := c.Op("JoinGroup", map[string]any{"input": in})
				checkErrors(t, r)
				if tc.field == "" {
					if len(r.Errors) > 0 {
						t.Fatalf("valid join refused: %.600s", r.Raw)
					}
					if r.Str("joinGroup.displayName") != in["displayName"] {
						t.Errorf("stored display name differs from the one sent")
					}
					return
				}
				if !rejectedNaming(t, r, tc.field) {
					return
				}
				if got := membershipCount(t, c); got != count {
					t.Errorf("a rejected join changed the joiner's memberships: %d -> %d", count, got)
				}
				dbUnchanged(t, h, snap)
			})
		}
		checkLogLines(t, h, append(tokens, tokensOf(g.Therapist, g.A, g.B, g.Stranger)...)...)
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
			{"expiresInHours not a number fails", map[string]any{"groupID": g.ID, "expiresInHours": logMarker}, "expiresInHours", 0},
			{"groupID abc fails", map[string]any{"groupID": "abc", "expiresInHours": 5}, "groupID", 0},
			{"groupID -1 fails", map[string]any{"groupID": "-1", "expiresInHours": 5}, "groupID", 0},
			{"groupID marker fails", map[string]any{"groupID": logMarker}, "groupID", 0},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				snap := dbSnapshot(t, h)
				start := h.Clock.Now()
				r := g.Therapist.Op("CreateGroupInvite", tc.vars)
				checkErrors(t, r)
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
				if rejectedNaming(t, r, tc.field) {
					dbUnchanged(t, h, snap)
				}
			})
		}
		checkLogLines(t, h, tokensOf(g.Therapist, g.A, g.B, g.Stranger)...)
	})
}

func TestInputPageSize(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		g := h.NewGroup()
		var ids []string
		for i := 0; i < 3; i++ {
			ids = append(ids, g.Reflect(g.A, "GROUP", fmt.Sprintf("%s page %d", logMarker, i)))
		}
		for _, id := range ids {
			if r := Encourage(g.B, id, "go on "+logMarker); len(r.Errors) > 0 {
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
					vars := maps.Clone(o.vars)
					if first != "absent" {
						vars["first"] = first
					}
					r := g.A.Op(o.op, vars)
					checkErrors(t, r)
					n, _ := first.(int)
					switch {
					case first == nil || first == "absent":
						n = 20
					case n < 1 || n > 100:
						rejectedNaming(t, r, "first")
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
		for _, bad := range []string{"abc", "-1", "0", logMarker} {
			t.Run("GroupFeed groupID "+bad, func(t *testing.T) {
				rejectedNaming(t, g.A.Op("GroupFeed", map[string]any{"groupID": bad}), "id|groupID")
			})
			t.Run("Reflection id "+bad, func(t *testing.T) {
				rejectedNaming(t, g.A.Op("Reflection", map[string]any{"id": bad}), "id")
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
				rejectedNaming(t, r, c.field)
			})
		}
		t.Run("cursor garbage", func(t *testing.T) {
			r := g.A.Op("MyReflections", map[string]any{"first": 2, "after": logMarker})
			rejectedNaming(t, r, "after")
		})
		checkLogLines(t, h, tokensOf(g.Therapist, g.A, g.B, g.Stranger)...)
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
		nul := logMarker + "\x00after"
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
				snap := dbSnapshot(t, h)
				r := rq.send()
				checkErrors(t, r)
				if len(r.Errors) == 0 {
					return // accepted (as SQLite can store it)
				}
				if rejectedNaming(t, r, rq.field) {
					dbUnchanged(t, h, snap)
				}
			})
		}
		checkLogLines(t, h, tokensOf(g.Therapist, g.A, g.B, g.Stranger)...)
	})
}
