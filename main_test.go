package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/processgroup/api/internal/firebase/authemu"
	"github.com/processgroup/api/internal/platform/config"
)

func TestHelpListsEverySetting(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"--help"}, &out, &out); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, s := range config.Settings {
		if !strings.Contains(out.String(), s.Name) {
			t.Errorf("--help does not document %s", s.Name)
		}
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range config.Settings {
		if !strings.Contains(string(readme), "`"+s.Name+"`") {
			t.Errorf("the README's configuration table lacks %s", s.Name)
		}
	}
	if code := run([]string{"frobnicate"}, &out, &out); code != 2 {
		t.Fatalf("unknown command: exit %d", code)
	}
}

// TestSetRole drives the set-role subcommand through the real Admin SDK against the
// emulator, and checks the claim with a fresh token.
func TestSetRole(t *testing.T) {
	emu := authemu.New("demo-roles")
	host, stop, err := emu.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	emu.AddUser(authemu.User{UID: "dr-kim", Claims: map[string]any{"locale": "en"}})
	t.Setenv("FIREBASE_PROJECT_ID", "demo-roles")
	t.Setenv("FIREBASE_AUTH_EMULATOR_HOST", host)

	var out, errOut bytes.Buffer
	if code := run([]string{"set-role", "dr-kim", "therapist"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if u, _ := emu.User("dr-kim"); u.Claims["role"] != "therapist" || u.Claims["locale"] != "en" {
		t.Fatalf("claims after set-role therapist: %v", u.Claims)
	}
	if code := run([]string{"set-role", "dr-kim", "member"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if u, _ := emu.User("dr-kim"); u.Claims["role"] != nil || u.Claims["locale"] != "en" {
		t.Fatalf("claims after set-role member: %v", u.Claims)
	}
	if code := run([]string{"set-role", "dr-kim", "admin"}, &out, &errOut); code != 2 {
		t.Fatalf("bad role: exit %d", code)
	}
	if code := run([]string{"set-role", "nobody", "therapist"}, &out, &errOut); code != 1 {
		t.Fatalf("unknown user: exit %d", code)
	}
}

// TestRefusesEmulatorWithRealProject: FIREBASE_AUTH_EMULATOR_HOST turns off signature
// checks, so it is refused unless the project is a demo- one.
func TestRefusesEmulatorWithRealProject(t *testing.T) {
	t.Setenv("FIREBASE_PROJECT_ID", "clinic-prod")
	t.Setenv("FIREBASE_AUTH_EMULATOR_HOST", "127.0.0.1:9099")
	t.Setenv("DATABASE_URL", "sqlite:"+t.TempDir()+"/x.db")
	t.Setenv("ENCRYPTION_KEYS", "t:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	var out, errOut bytes.Buffer
	if code := run(nil, &out, &errOut); code == 0 || !strings.Contains(errOut.String(), "demo-") {
		t.Fatalf("started with the emulator and a real project, or refused for another reason: %s", errOut.String())
	}
}

// TestRunDemoAndSIGTERM starts the program as a newcomer would (no configuration but a data
// folder and a free port), signs in with a printed token, then sends SIGTERM: the program
// drains and exits 0.
func TestRunDemoAndSIGTERM(t *testing.T) {
	for _, k := range []string{"FIREBASE_PROJECT_ID", "FIREBASE_AUTH_EMULATOR_HOST", "APP_ENV", "DEMO_SEED"} {
		t.Setenv(k, "")
	}
	t.Setenv("DATABASE_URL", "sqlite:"+t.TempDir()+"/demo.db")
	t.Setenv("LISTEN_ADDR", "127.0.0.1:0")
	out, errOut := &lockedBuffer{}, &lockedBuffer{wrote: make(chan struct{}, 1)}
	done := make(chan int, 1)
	go func() { done <- run(nil, out, errOut) }()

	// Read the log each time the program writes to it, until it says where it listens.
	var addr string
	deadline := time.After(10 * time.Second)
	for addr == "" {
		select {
		case <-errOut.wrote:
		case <-deadline:
			t.Fatalf("the server did not start: %s", errOut.String())
		}
		for _, line := range strings.Split(errOut.String(), "\n") {
			var entry struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "listening" {
				addr = entry.Addr
			}
		}
	}
	m := regexp.MustCompile(`export TOKEN_SAM='([^']+)'`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no token printed: %s", out.String())
	}
	req, _ := http.NewRequest("POST", "http://"+addr+"/graphql", strings.NewReader(`{"query":"{ viewer { memberships { displayName } } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+m[1])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), `"displayName":"Sam"`) {
		t.Fatalf("demo sign-in: %s", body)
	}
	if strings.Contains(errOut.String(), m[1]) {
		t.Fatal("a token reached the log")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d after SIGTERM: %s", code, errOut.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	// wrote, if set, is signalled after each write.
	wrote chan struct{}
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.b.Write(p)
	if l.wrote != nil {
		select {
		case l.wrote <- struct{}{}:
		default:
		}
	}
	return n, err
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
