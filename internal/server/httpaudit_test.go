package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// auditDir holds graphql-http (pinned in package.json and package-lock.json) and the
// script that runs its server audits.
const auditDir = "testdata/http-audit"

// auditResult is one audit of graphql-http's serverAudits.
type auditResult struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"` // ok, notice, warn or error
	Reason string `json:"reason"`
}

// TestGraphQLOverHTTPAudit runs every server audit of the npm graphql-http package (the
// GraphQL over HTTP spec's own conformance suite, not a selection) against a real server,
// signed in and signed out (with the anonymous rate limit raised, as it is for every
// test), and fails on any audit that is not ok: MUST, SHOULD and MAY alike. It runs in
// development mode: in production only trusted documents run, which the audits do not send
// (TestTrustedDocuments tests production). It needs Node.js and `npm ci` in auditDir
// (.ci/run does both); without them it is skipped, and on CI it fails.
func TestGraphQLOverHTTPAudit(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		skipOrFail(t, "node is not installed: the graphql-http audits need Node.js 18 or later")
	}
	if _, err := os.Stat(filepath.Join(auditDir, "node_modules", "graphql-http")); err != nil {
		skipOrFail(t, "graphql-http is not installed: run `npm ci` in internal/server/"+auditDir)
	}
	h := sqliteH(t)
	for _, who := range []struct {
		name  string
		token string
	}{{"signed in", h.Member("auditor").Token}, {"signed out", ""}} {
		t.Run(who.name, func(t *testing.T) {
			results := runAudits(t, node, h.URL+"/graphql", who.token)
			counts := map[string]map[string]int{}
			for _, r := range results {
				level, _, _ := strings.Cut(r.Name, " ")
				if counts[level] == nil {
					counts[level] = map[string]int{}
				}
				counts[level][r.Status]++
				if r.Status != "ok" {
					t.Errorf("%s %s (%s): %s", r.ID, r.Name, r.Status, r.Reason)
				}
			}
			if len(results) < 30 {
				t.Fatalf("only %d audits ran", len(results))
			}
			t.Logf("%d audits: %v", len(results), counts)
		})
	}
}

// runAudits runs the audit script against url with token (none when empty).
func runAudits(t *testing.T, node, url, token string) []auditResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "audit.js")
	cmd.Dir = auditDir
	cmd.Env = append(os.Environ(), "AUDIT_URL="+url, "AUDIT_TOKEN="+token)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("audits: %v: %s", err, stderr.String())
	}
	var results []auditResult
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var r auditResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("audit output %q: %v", sc.Text(), err)
		}
		results = append(results, r)
	}
	return results
}

// skipOrFail skips the test, or fails it on CI (where everything it needs is installed).
func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// TestApolloPersistedQueryLink runs Apollo Client 4's PersistedQueryLink (pinned beside
// the audits) against a server in development mode: the first query goes as a hash alone,
// is answered PERSISTED_QUERY_NOT_FOUND, is sent again with its document and runs; the
// second goes as the hash alone and runs, from the document the server stored.
func TestApolloPersistedQueryLink(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		skipOrFail(t, "node is not installed: Apollo Client needs Node.js")
	}
	if _, err := os.Stat(filepath.Join(auditDir, "node_modules", "@apollo", "client")); err != nil {
		skipOrFail(t, "@apollo/client is not installed: run `npm ci` in internal/server/"+auditDir)
	}
	h := sqliteH(t)
	m := h.Member("apollo")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "apq.mjs", h.URL+"/graphql", m.Token, "query Me { viewer { id } }")
	cmd.Dir = auditDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("apq.mjs: %v: %s", err, stderr.String())
	}
	var got struct {
		Calls []struct {
			Document bool
			Hash     string
			Status   int
			Code     string
		}
		First, Second struct{ Viewer struct{ ID string } }
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("apq.mjs printed %s: %v", out, err)
	}
	type call struct {
		document bool
		code     string
	}
	var calls []call
	for _, c := range got.Calls {
		if c.Hash == "" {
			t.Fatalf("a request without the hash: %s", out)
		}
		calls = append(calls, call{c.Document, c.Code})
	}
	want := []call{{false, "PERSISTED_QUERY_NOT_FOUND"}, {true, ""}, {false, ""}}
	if fmt.Sprint(calls) != fmt.Sprint(want) {
		t.Fatalf("requests %v, want %v: %s", calls, want, out)
	}
	if got.First.Viewer.ID == "" || got.Second.Viewer.ID != got.First.Viewer.ID {
		t.Fatalf("results: %s", out)
	}
}
