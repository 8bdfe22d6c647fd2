package auth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/processgroup/api/internal/firebase/authemu"
)

const project = "demo-processgroup"

// setup starts an authemu emulator and a Firebase client (the real Admin
// SDK) pointed at it.
func setup(t *testing.T) (*authemu.Emulator, *Firebase) {
	t.Helper()
	emu := authemu.New(project)
	host, closeFn, err := emu.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = closeFn() })
	t.Setenv(EmulatorHostEnv, host)
	f, err := New(context.Background(), Config{ProjectID: project, EmulatorHost: host})
	if err != nil {
		t.Fatal(err)
	}
	return emu, f
}

func token(t *testing.T, emu *authemu.Emulator, uid string) string {
	t.Helper()
	tok, err := emu.Token(uid, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestVerifyValidTokens(t *testing.T) {
	emu, f := setup(t)
	emu.AddUser(authemu.User{UID: "ther1", Email: "t@example.org", Claims: map[string]any{"role": "therapist"}})
	emu.AddUser(authemu.User{UID: "mem1", Email: "m@example.org", Phone: "+15555550100"})
	emu.AddUser(authemu.User{UID: "mem2", Claims: map[string]any{"role": "admin"}})
	ctx := context.Background()

	tests := []struct {
		uid  string
		want Identity
	}{
		{"ther1", Identity{UID: "ther1", Email: "t@example.org", Therapist: true}},
		{"mem1", Identity{UID: "mem1", Email: "m@example.org", Phone: "+15555550100"}},
		{"mem2", Identity{UID: "mem2"}},
	}
	for _, tt := range tests {
		id, err := f.Verify(ctx, token(t, emu, tt.uid))
		if err != nil {
			t.Fatalf("%s: %v", tt.uid, err)
		}
		if left := time.Until(id.Expires); left < 50*time.Minute || left > 61*time.Minute {
			t.Errorf("%s: Expires %v is not the token's expiry", tt.uid, id.Expires)
		}
		if !id.IssuedAt.Equal(id.Expires.Add(-time.Hour)) {
			t.Errorf("%s: IssuedAt %v is not the token's iat (an hour before %v)", tt.uid, id.IssuedAt, id.Expires)
		}
		got := *id
		got.Expires, got.IssuedAt = time.Time{}, time.Time{}
		if got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.uid, got, tt.want)
		}
	}
}

func TestVerifyRefused(t *testing.T) {
	emu, f := setup(t)
	ctx := context.Background()
	now := time.Now()
	for _, uid := range []string{"ok", "gone", "off"} {
		emu.AddUser(authemu.User{UID: uid, Email: uid + "@example.org", Claims: map[string]any{"role": "therapist"}})
	}
	good := token(t, emu, "ok")
	deleted := token(t, emu, "gone")
	emu.DeleteUser("gone")
	disabled := token(t, emu, "off")
	emu.SetDisabled("off", true)
	std := func(uid string) map[string]any {
		return map[string]any{"sub": uid, "user_id": uid, "role": "therapist"}
	}

	tests := []struct {
		name, token, reason string
	}{
		{"empty", "", "empty token"},
		{"garbage", "not-a-jwt", "invalid token"},
		{"garbage segments", "a.b.c", "invalid token"},
		{"other project", authemu.MintToken("demo-other", std("ok"), now, now.Add(time.Hour)), "invalid token"},
		{"wrong issuer", authemu.MintToken(project, map[string]any{"sub": "ok", "iss": "https://evil.example/" + project}, now, now.Add(time.Hour)), "invalid token"},
		{"no subject", authemu.MintToken(project, nil, now, now.Add(time.Hour)), "invalid token"},
		{"expired", authemu.MintToken(project, std("ok"), now.Add(-2*time.Hour), now.Add(-time.Hour)), "token expired"},
		{"issued in future", authemu.MintToken(project, std("ok"), now.Add(time.Hour), now.Add(2*time.Hour)), "invalid token"},
		{"unknown user", authemu.MintToken(project, std("nobody"), now, now.Add(time.Hour)), "user not found"},
		{"deleted user", deleted, "user not found"},
		{"disabled user", disabled, "user disabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := f.Verify(ctx, tt.token)
			if err == nil {
				t.Fatalf("accepted: %+v", id)
			}
			if !errors.Is(err, ErrUnauthenticated) {
				t.Fatalf("error %q does not wrap ErrUnauthenticated", err)
			}
			if want := "unauthenticated: " + tt.reason; err.Error() != want {
				t.Errorf("error = %q, want %q", err, want)
			}
			assertNoToken(t, err, tt.token)
		})
	}

	// The good token still works: the failures above were about the tokens.
	if _, err := f.Verify(ctx, good); err != nil {
		t.Fatal(err)
	}
}

// assertNoToken fails if the error text contains the token or its payload.
func assertNoToken(t *testing.T, err error, tok string) {
	t.Helper()
	for _, part := range append([]string{tok}, strings.Split(tok, ".")...) {
		if len(part) >= 8 && strings.Contains(err.Error(), part) {
			t.Errorf("error text %q contains (part of) the token", err)
		}
	}
}

func TestVerifyCanceledContext(t *testing.T) {
	emu, f := setup(t)
	emu.AddUser(authemu.User{UID: "u"})
	tok := token(t, emu, "u")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.Verify(ctx, tok)
	// Nothing was judged about the token: it is not refused as a bad one.
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("got %v, want ErrUnavailable and context.Canceled", err)
	}
	assertNoToken(t, err, tok)
}

// TestVerifyFirebaseOutage: when Firebase fails (5xx) or cannot be reached, a valid token is
// not reported as a bad one, and a bad token still is.
func TestVerifyFirebaseOutage(t *testing.T) {
	emu, f := setup(t)
	emu.AddUser(authemu.User{UID: "u"})
	tok := token(t, emu, "u")
	for _, fault := range []authemu.Fault{authemu.Fail500, authemu.Fail503, authemu.Drop} {
		emu.SetFault("u", fault)
		// The SDK retries 503s and network errors with seconds of backoff: the caller's
		// deadline ends that (the server gives verification AUTH_TIMEOUT).
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		_, err := f.Verify(ctx, tok)
		cancel()
		if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrUnauthenticated) {
			t.Errorf("fault %d: got %v, want ErrUnavailable", fault, err)
		}
		if err != nil {
			assertNoToken(t, err, tok)
		}
		if _, err := f.Verify(context.Background(), "not-a-jwt"); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("fault %d: a malformed token: %v, want ErrUnauthenticated", fault, err)
		}
	}
	emu.SetFault("u", authemu.NoFault)
	if _, err := f.Verify(context.Background(), tok); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
}

func TestSetTherapistRoundTrip(t *testing.T) {
	emu, f := setup(t)
	ctx := context.Background()
	emu.AddUser(authemu.User{UID: "u1", Email: "u1@example.org", Claims: map[string]any{"group": "g7", "level": 3}})

	check := func(wantTherapist bool) {
		t.Helper()
		id, err := f.Verify(ctx, token(t, emu, "u1"))
		if err != nil {
			t.Fatal(err)
		}
		if id.Therapist != wantTherapist {
			t.Fatalf("Therapist = %v, want %v", id.Therapist, wantTherapist)
		}
		u, _ := emu.User("u1")
		if u.Claims["group"] != "g7" || u.Claims["level"] != float64(3) {
			t.Fatalf("other claims lost: %v", u.Claims)
		}
		if _, has := u.Claims["role"]; has != wantTherapist {
			t.Fatalf("claims %v: role present = %v, want %v", u.Claims, has, wantTherapist)
		}
	}

	check(false)
	if err := f.SetTherapist(ctx, "u1", true); err != nil {
		t.Fatal(err)
	}
	check(true)
	if err := f.SetTherapist(ctx, "u1", true); err != nil { // idempotent
		t.Fatal(err)
	}
	check(true)
	if err := f.SetTherapist(ctx, "u1", false); err != nil {
		t.Fatal(err)
	}
	check(false)
}

func TestSetTherapistOffKeepsOtherRole(t *testing.T) {
	emu, f := setup(t)
	emu.AddUser(authemu.User{UID: "a", Claims: map[string]any{"role": "admin"}})
	if err := f.SetTherapist(context.Background(), "a", false); err != nil {
		t.Fatal(err)
	}
	if u, _ := emu.User("a"); u.Claims["role"] != "admin" {
		t.Fatalf("claims = %v", u.Claims)
	}
}

func TestSetTherapistUnknownUser(t *testing.T) {
	_, f := setup(t)
	if err := f.SetTherapist(context.Background(), "nobody", true); err == nil {
		t.Fatal("want error for unknown user")
	}
}

func TestDeleteUser(t *testing.T) {
	emu, f := setup(t)
	ctx := context.Background()
	emu.AddUser(authemu.User{UID: "d"})
	tok := token(t, emu, "d")
	if err := f.DeleteUser(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	if _, ok := emu.User("d"); ok {
		t.Fatal("user still exists")
	}
	if _, err := f.Verify(ctx, tok); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("token of deleted user: %v", err)
	}
	if err := f.DeleteUser(ctx, "d"); err != nil {
		t.Fatalf("second delete should succeed: %v", err)
	}
}

func TestConfigCheck(t *testing.T) {
	tests := []struct {
		c  Config
		ok bool
	}{
		{Config{ProjectID: "demo-x", EmulatorHost: "127.0.0.1:9099"}, true},
		{Config{ProjectID: "processgroup-prod"}, true},
		{Config{ProjectID: "demo-x"}, true},
		{Config{ProjectID: "processgroup-prod", EmulatorHost: "127.0.0.1:9099"}, false},
		{Config{ProjectID: "xdemo-x", EmulatorHost: "127.0.0.1:9099"}, false},
		{Config{ProjectID: "Demo-x", EmulatorHost: "127.0.0.1:9099"}, false},
		{Config{}, false},
		{Config{EmulatorHost: "127.0.0.1:9099"}, false},
	}
	for _, tt := range tests {
		if err := tt.c.Check(); (err == nil) != tt.ok {
			t.Errorf("%+v: Check() = %v, want ok=%v", tt.c, err, tt.ok)
		}
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	ctx := context.Background()
	t.Setenv(EmulatorHostEnv, "")
	if _, err := New(ctx, Config{ProjectID: "processgroup-prod", EmulatorHost: "127.0.0.1:9099"}); err == nil {
		t.Fatal("emulator with a non-demo project must be refused")
	}
	if os.Getenv(EmulatorHostEnv) != "" {
		t.Fatal("refused config must not set the environment")
	}
	// Environment says emulator, config says production: refuse.
	t.Setenv(EmulatorHostEnv, "127.0.0.1:9099")
	if _, err := New(ctx, Config{ProjectID: "demo-x"}); err == nil {
		t.Fatal("emulator env var without Config.EmulatorHost must be refused")
	}
}

func TestNewSetsEmulatorEnv(t *testing.T) {
	t.Setenv(EmulatorHostEnv, "")
	if _, err := New(context.Background(), Config{ProjectID: "demo-x", EmulatorHost: "127.0.0.1:9"}); err != nil {
		t.Fatal(err)
	}
	if got := os.Getenv(EmulatorHostEnv); got != "127.0.0.1:9" {
		t.Fatalf("%s = %q", EmulatorHostEnv, got)
	}
}

// TestProductionRejectsUnsigned builds a production-mode client from a
// throwaway service account file and checks that an emulator-style unsigned
// token is refused. No network is needed: the SDK rejects the header
// before fetching Google's public keys.
func TestProductionRejectsUnsigned(t *testing.T) {
	t.Setenv(EmulatorHostEnv, "")
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	sa, _ := json.Marshal(map[string]string{
		"type":           "service_account",
		"project_id":     "processgroup-prod",
		"private_key_id": "k1",
		"private_key":    string(pemKey),
		"client_email":   "sa@processgroup-prod.iam.gserviceaccount.com",
		"client_id":      "1",
		"token_uri":      "http://127.0.0.1:1/token",
	})
	file := filepath.Join(t.TempDir(), "sa.json")
	if err := os.WriteFile(file, sa, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := New(context.Background(), Config{ProjectID: "processgroup-prod", CredentialsFile: file})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok := authemu.MintToken("processgroup-prod",
		map[string]any{"sub": "u", "role": "therapist"}, now, now.Add(time.Hour))
	_, err = f.Verify(context.Background(), tok)
	if !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("unsigned token in production mode: %v", err)
	}
	assertNoToken(t, err, tok)
}
