package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/processgroup/api/internal/authemu"
	"github.com/processgroup/api/internal/config"
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
	var out, errOut bytes.Buffer
	if code := run(nil, &out, &errOut); code == 0 {
		t.Fatal("started with the emulator and a real project")
	}
}
