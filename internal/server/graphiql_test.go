package server_test

// GraphiQL at /: its files come from the binary, its page from this server only; in demo
// mode its header editor holds a demo member's token, and nowhere else; in headless
// Chromium it renders and runs a query and a subscription without any network beyond the
// server.

import (
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/processgroup/api/internal/server"
	"github.com/processgroup/api/internal/server/config"
)

var pageLinks = regexp.MustCompile(`(?:src|href)="(/graphiql/[^"]+)" integrity="([^"]+)"`)

// TestGraphiQLPage: outside demo mode the page carries no token; it allows only this
// server's files, each served with the integrity the page asks for and cached for good;
// the icon is ours; production serves none of it.
func TestGraphiQLPage(t *testing.T) {
	t.Parallel()
	h := sqliteH(t)
	res, body := get(t, h.URL+"/")
	if res.StatusCode != 200 || !strings.Contains(body, `id="graphiql"`) {
		t.Fatalf("GET /: %d %.300s", res.StatusCode, body)
	}
	// SECURITY: a token is prefilled in demo mode only.
	if strings.Contains(body, "Bearer") || strings.Contains(body, "eyJ") {
		t.Fatalf("the page outside demo mode carries a token: %s", body)
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self';", "connect-src 'self';", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy lacks %q: %s", want, csp)
		}
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the page (which may hold a demo token) is cacheable: %q", cc)
	}
	links := pageLinks.FindAllStringSubmatch(body, -1)
	if len(links) != 6 { // GraphiQL's style and ours, React, ReactDOM, GraphiQL, ours
		t.Fatalf("the page links %d files, want 6: %s", len(links), body)
	}
	for _, l := range links {
		u, sri := html.UnescapeString(l[1]), html.UnescapeString(l[2])
		res, data := get(t, h.URL+u)
		sum := sha512.Sum384([]byte(data))
		if got := "sha384-" + base64.StdEncoding.EncodeToString(sum[:]); res.StatusCode != 200 || got != sri {
			t.Errorf("%s: %d, integrity %s, the page asks for %s", u, res.StatusCode, got, sri)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q", u, cc)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/") {
			t.Errorf("%s: %v", u, res.Header)
		}
	}
	if res, data := get(t, h.URL+"/favicon.ico"); res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/x-icon" || !strings.HasPrefix(data, "\x00\x00\x01\x00") {
		t.Errorf("/favicon.ico: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for _, path := range []string{"/graphiql/manifest.json", "/graphiql/nope.js", "/graphiql/../server.go"} {
		if res, _ := get(t, h.URL+path); res.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", path, res.StatusCode)
		}
	}

	prod := sqliteH(t, withSettings(map[string]string{"APP_ENV": "production"}))
	for _, l := range append(links, []string{"", "/", ""}, []string{"", "/favicon.ico", ""}) {
		if res, _ := get(t, prod.URL+html.UnescapeString(l[1])); res.StatusCode != 404 {
			t.Errorf("production serves %s: %d", l[1], res.StatusCode)
		}
	}
}

func get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

// chromiumPath is Debian's chromium, or "" when it is not installed.
func chromiumPath() string {
	p, err := exec.LookPath("chromium")
	if err != nil {
		return ""
	}
	return p
}

// TestGraphiQLInChromium opens GraphiQL of a server in demo mode in headless Chromium, on a
// network where no name resolves: the page renders with the demo member's token in its
// header editor, a query run from it shows the member's data, a subscription run from it
// signs in over the websocket and shows an event, and no request leaves the server, no
// script fails and the Content-Security-Policy refuses nothing.
//
// Not parallel: demo mode points the process's FIREBASE_AUTH_EMULATOR_HOST at its own
// emulator (as TestDemoMode).
func TestGraphiQLInChromium(t *testing.T) {
	chromium := chromiumPath()
	if chromium == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed; CI must install it (apt-get install -y chromium)")
		}
		t.Skip("chromium is not installed (apt-get install -y chromium); skipping GraphiQL in a browser")
	}
	cfg, err := config.FromEnv(func(name string) string {
		if name == "DATABASE_URL" {
			return "sqlite:" + t.TempDir() + "/demo.db"
		}
		return ""
	})
	if err != nil || !cfg.Demo {
		t.Fatalf("demo mode: %v %+v", err, cfg)
	}
	t.Setenv("FIREBASE_AUTH_EMULATOR_HOST", "")
	logs := &syncBuffer{}
	t.Cleanup(func() { checkLogs(t, logs.String()) })
	app, err := server.New(context.Background(), cfg, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	srv := newTestServer(app.Handler())
	t.Cleanup(func() { srv.Close(); app.Close() })
	sam := app.DemoUsers[1]
	if sam.DisplayName != "Sam" {
		t.Fatalf("demo users: %+v", app.DemoUsers)
	}
	h := &H{t: t, URL: srv.URL}
	samID := (&Client{h: h, Token: sam.Token}).MustOp("Viewer", nil).Str("viewer.id")
	base, _ := url.Parse(srv.URL)

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// The closed network: no host name resolves (the server is 127.0.0.1).
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	// Open the tab, then record everything it does.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	var mu sync.Mutex
	var requests, problems []string
	err = chromedp.Listen(bctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, ev.Request.URL)
		case *network.EventWebSocketCreated:
			requests = append(requests, ev.URL)
		case *network.EventLoadingFailed:
			problems = append(problems, fmt.Sprintf("loading failed: %s %s", ev.ErrorText, ev.BlockedReason))
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+(&chromedp.ExceptionError{ExceptionDetails: ev.ExceptionDetails}).Error())
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				problems = append(problems, "console error: "+strings.Join(args, " "))
			}
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError {
				problems = append(problems, "log: "+ev.Entry.Text)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	snapshot := func() ([]string, []string) {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(requests), slices.Clone(problems)
	}
	// The page's own record of what its Content-Security-Policy refused.
	const recordViolations = `window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));`
	editor := func(selector string) string {
		return fmt.Sprintf(`document.querySelector(%q).CodeMirror`, selector+" .CodeMirror")
	}
	const (
		queryEditor    = ".graphiql-query-editor"
		headerEditor   = ".graphiql-editor-tool > .graphiql-editor:nth-child(2)" // variables, then headers
		responseEditor = ".graphiql-response"
		runButton      = chromedp.CSS(".graphiql-execute-button")
	)
	// response waits until the result pane holds want, and returns the pane's text.
	response := func(want string) (string, error) {
		return chromedp.Run(bctx, chromedp.Poll[string](fmt.Sprintf(`(() => { const v = %s.getValue(); return v.includes(%q) ? v : false; })()`,
			editor(responseEditor), want), chromedp.WithPollingTimeout(30*time.Second)))
	}

	start := time.Now()
	_, err = chromedp.Call(bctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: recordViolations})
	if err == nil {
		err = chromedp.Do(bctx,
			chromedp.Navigate(srv.URL+"/"),
			chromedp.WaitVisible(chromedp.CSS(queryEditor+" .CodeMirror")),
			chromedp.WaitVisible(chromedp.CSS(headerEditor+" .CodeMirror")),
		)
	}
	if err != nil {
		_, p := snapshot()
		t.Fatalf("GraphiQL did not render: %v; %v", err, p)
	}
	headers, err := chromedp.Run(bctx, chromedp.Evaluate[string](editor(headerEditor)+".getValue()"))
	var prefilled map[string]string
	if err == nil {
		err = json.Unmarshal([]byte(headers), &prefilled)
	}
	if err != nil || prefilled["Authorization"] != "Bearer "+sam.Token {
		t.Fatalf("the header editor does not hold Sam's demo token: %.60q (%v)", headers, err)
	}

	// The prefilled query, run with the prefilled token, shows Sam's data.
	if err := chromedp.Do(bctx, chromedp.Click(runButton)); err != nil {
		t.Fatal(err)
	}
	out, err := response(`"viewer"`)
	if err != nil {
		_, p := snapshot()
		t.Fatalf("no result in the result pane: %v; %v", err, p)
	}
	var result struct {
		Data struct {
			Viewer struct {
				ID          string
				Memberships []struct{ DisplayName string }
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &result); err != nil || result.Data.Viewer.ID != samID || len(result.Data.Viewer.Memberships) != 1 || result.Data.Viewer.Memberships[0].DisplayName != "Sam" {
		t.Fatalf("the result pane shows %.500s (%v), want Sam's viewer %s", out, err, samID)
	}

	// A subscription: GraphiQL signs in over the websocket with the header editor's token.
	// GraphiQL parses the editor's document 100 ms after a change, and sends a subscription
	// over the websocket once it knows it is one: wait for that before running it.
	err = chromedp.Do(bctx,
		chromedp.Evaluate[chromedp.Void](editor(queryEditor)+`.setValue("subscription Encouragements { encouragementReceived { id kind } }")`),
		chromedp.Poll[chromedp.Void](editor(queryEditor)+`.operationName === "Encouragements"`, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Click(runButton),
	)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancelWait := context.WithTimeout(ctx, 30*time.Second)
	defer cancelWait()
	if err := app.AwaitLiveSubscriptions(wctx, func(n int) bool { return n == 1 }); err != nil {
		r, p := snapshot()
		pane, _ := chromedp.Run(bctx, chromedp.Evaluate[string](editor(responseEditor)+".getValue()"))
		q, _ := chromedp.Run(bctx, chromedp.Evaluate[string](editor(queryEditor)+".getValue()"))
		t.Fatalf("GraphiQL's subscription did not start: %v; %v; requests %v; query %q; result pane %.300s", err, p, r, q, pane)
	}
	var peers []*Client
	for _, u := range app.DemoUsers {
		if u.UID != sam.UID {
			peers = append(peers, &Client{h: h, Token: u.Token})
		}
	}
	sent := encourageSam(t, peers)
	if _, err := response(sent); err != nil {
		_, p := snapshot()
		t.Fatalf("the encouragement %s did not reach the result pane: %v; %v", sent, err, p)
	}

	violations, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`window.__violations`))
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	requests, problems = snapshot()
	if len(violations) > 0 {
		t.Errorf("the Content-Security-Policy refused: %v", violations)
	}
	if len(problems) > 0 {
		t.Errorf("the page had problems: %v", problems)
	}
	// Nothing but this server: every request (scripts, styles, fonts, the query, the
	// websocket) went to it or stayed in the page (data: URLs).
	var ours int
	for _, r := range requests {
		u, err := url.Parse(r)
		switch {
		case err == nil && u.Scheme == "data":
		case err == nil && u.Host == base.Host && slices.Contains([]string{"http", "ws"}, u.Scheme):
			ours++
		default:
			t.Errorf("a request left the server: %.120s", r)
		}
	}
	for _, want := range []string{"/graphiql/graphiql/index.umd.js", "/graphql"} {
		if !slices.ContainsFunc(requests, func(r string) bool { return strings.Contains(r, want) }) {
			t.Errorf("no request for %s among %v", want, requests)
		}
	}
	if !slices.ContainsFunc(requests, func(r string) bool { return strings.HasPrefix(r, "ws://"+base.Host+"/graphql") }) {
		t.Errorf("no websocket to the server among %v", requests)
	}
	if !t.Failed() {
		t.Logf("%d requests to the server and none elsewhere; page, query and subscription in %v", ours, took.Round(time.Millisecond))
	}
}

// encourageSam sends encouragement on one of the demo member Sam's reflections from the
// first of peers that may and has not yet, and returns its id.
func encourageSam(t *testing.T, peers []*Client) string {
	t.Helper()
	for _, c := range peers {
		groupID := c.MustOp("Viewer", nil).Str("viewer.memberships.0.group.id")
		feed := c.MustOp("GroupFeed", map[string]any{"groupID": groupID, "first": 50})
		edges, _ := feed.Get("node.reflections.edges").([]any)
		for _, e := range edges {
			n := e.(map[string]any)["node"].(map[string]any)
			if n["author"].(map[string]any)["displayName"] != "Sam" || n["viewerHasEncouraged"] == true {
				continue
			}
			r := c.MustOp("SendEncouragement", map[string]any{"input": map[string]any{
				"clientID": uuid.NewString(), "reflectionID": n["id"], "kind": "HUG",
			}})
			return r.Str("sendEncouragement.id")
		}
	}
	t.Fatal("no demo user may encourage a reflection of Sam's")
	return ""
}
