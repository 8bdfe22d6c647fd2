package server_test

// Checks many tests share: errors carry a code of the fixed set and name the bad field, the
// log carries no content, a refused request changed nothing in the database.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/processgroup/api/ent"
	"github.com/processgroup/api/internal/rule"
)

// logMarker is put in content, names and invalid values; it must never reach the log, and
// never come back in an error.
const logMarker = "MARKER-LOG-91c2"

// clientCodes is the fixed set of extensions.code a client may receive.
var clientCodes = map[string]bool{
	"UNAUTHENTICATED": true,
	"FORBIDDEN":       true,
	"NOT_FOUND":       true,
	"BAD_USER_INPUT":  true,
	"CONFLICT":        true,
	"UNAVAILABLE":     true,
	"INTERNAL":        true,
}

// checkErrors checks every error of r: a code from the fixed set, nothing internal and
// no marker in the message or the extensions.
func checkErrors(t *testing.T, r *Resp) {
	t.Helper()
	for _, e := range r.Errors {
		code, _ := e.Extensions["code"].(string)
		if !clientCodes[code] {
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
		if strings.Contains(e.Message, logMarker) || strings.Contains(string(ext), logMarker) {
			t.Errorf("error echoes the submitted value: %s", r.Raw)
		}
	}
}

// rejectedNaming checks that r is a BAD_USER_INPUT error naming field (in extensions.field and
// in the message); field may list alternatives separated by "|". It reports whether r was
// rejected at all.
func rejectedNaming(t *testing.T, r *Resp, field string) bool {
	t.Helper()
	checkErrors(t, r)
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
	if strings.Contains(r.Raw, logMarker) {
		t.Errorf("a rejected request's response echoes the submitted value: %s", r.Raw)
	}
	return true
}

// checkLogLines checks everything the server logged: one JSON object a line, each with an
// "operation" or "msg" key, and none of the marker, emails or secrets (tokens).
func checkLogLines(t *testing.T, h *H, secrets ...string) {
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
	if strings.Contains(logs, logMarker) || strings.Contains(logs, strings.ReplaceAll(logMarker, "-", "_")) {
		for _, line := range strings.Split(logs, "\n") {
			if strings.Contains(line, logMarker) || strings.Contains(line, strings.ReplaceAll(logMarker, "-", "_")) {
				t.Errorf("the log carries submitted content/variables: %.400s", line)
			}
		}
	}
	for _, v := range wrongCaseEnums {
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

func tokensOf(cs ...*Client) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Token)
	}
	return out
}

// dbSnapshot renders every row of every table a mutation could change (read as the
// system, below the API), so that a rejected mutation can be shown to have changed nothing.
func dbSnapshot(t *testing.T, h *H) string {
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

// dbUnchanged fails if the database differs from before.
func dbUnchanged(t *testing.T, h *H, before string) {
	t.Helper()
	if after := dbSnapshot(t, h); after != before {
		t.Errorf("a rejected request changed the database:\nbefore:\n%.2000s\nafter:\n%.2000s", before, after)
	}
}

// myReflectionCount is the author's reflection count, as the app sees it.
func myReflectionCount(t *testing.T, c *Client) int {
	t.Helper()
	return c.MustOp("MyReflections", map[string]any{"first": 1}).Num("viewer.reflections.totalCount")
}

// wantBadInput fails unless r is BAD_USER_INPUT naming field.
func wantBadInput(t *testing.T, what string, r *Resp, field string) {
	t.Helper()
	if r.Code() != "BAD_USER_INPUT" {
		t.Errorf("%s: want BAD_USER_INPUT, got %s", what, r.Raw)
		return
	}
	if got, _ := r.Errors[0].Extensions["field"].(string); got != field {
		t.Errorf("%s: the error names field %q, want %q: %s", what, got, field, r.Raw)
	}
}

// wantDenied fails unless r is FORBIDDEN or NOT_FOUND without data.
func wantDenied(t *testing.T, what string, r *Resp) {
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

// compactJSON is v as compact JSON.
func compactJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
