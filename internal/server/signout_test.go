package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/processgroup/api/internal/firebase/auth"
	"github.com/processgroup/api/internal/firebase/authemu"
	"github.com/processgroup/api/internal/service/signout"
)

const signOutEverywhere = `mutation SignOutEverywhere { signOutEverywhere }`

// tokenIssuedAgo mints c's user an emulator ID token issued d ago (Firebase counts issue
// times in whole seconds, and a token of the revocation's own second stays valid).
func tokenIssuedAgo(c *Client, d time.Duration) string {
	now := time.Now()
	return authemu.MintToken(testProject, map[string]any{
		"sub": c.UID, "user_id": c.UID, "email": c.UID + "@example.invalid",
	}, now.Add(-d), now.Add(time.Hour))
}

// TestSignOutEverywhere: a token cached by two servers is refused by the other server at
// its next request after signOutEverywhere on one, without waiting for AUTH_CACHE_TTL and
// without asking Firebase (which is made to fail meanwhile, so only the cached path could
// answer); a token issued after the revocation works on both.
func TestSignOutEverywhere(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, one *H) {
		two := one.Another()
		m := one.Member("m")
		old := &Client{h: one, UID: m.UID, Token: tokenIssuedAgo(m, 2*time.Second)}
		old.MustOp("Viewer", nil)
		old.on(two).MustOp("Viewer", nil) // now cached by both servers, for 60 s
		if r := old.MustRaw(signOutEverywhere, "SignOutEverywhere", nil); r.Get("signOutEverywhere") != true {
			t.Fatalf("signOutEverywhere: %s", r.Raw)
		}
		emu.SetFault(m.UID, authemu.Fail500) // a verification now would answer UNAVAILABLE
		for name, c := range map[string]*Client{"the other server": old.on(two), "the same server": old} {
			if r := c.Op("Viewer", nil); r.Code() != "UNAUTHENTICATED" {
				t.Fatalf("old token on %s after signOutEverywhere: %s", name, r.Raw)
			}
		}
		emu.SetFault(m.UID, authemu.NoFault)
		fresh, err := emu.Token(m.UID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		again := &Client{h: one, UID: m.UID, Token: fresh}
		again.MustOp("Viewer", nil)
		again.on(two).MustOp("Viewer", nil)
		// Signing out needs a signed-in viewer.
		if r := one.Anonymous().Raw(signOutEverywhere, "SignOutEverywhere", nil); r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("anonymous signOutEverywhere: %s", r.Raw)
		}
	})
}

// TestSignOutEverywhereFirebaseDown: when Firebase cannot revoke the refresh tokens, the
// mutation answers UNAVAILABLE and changes nothing; the member stays signed in.
func TestSignOutEverywhereFirebaseDown(t *testing.T) {
	t.Parallel()
	h := sqliteH(t)
	m := h.Member("m")
	old := &Client{h: h, UID: m.UID, Token: tokenIssuedAgo(m, 2*time.Second)}
	old.MustOp("Viewer", nil)
	emu.SetFault(m.UID, authemu.Fail500)
	r := old.Raw(signOutEverywhere, "SignOutEverywhere", nil)
	emu.SetFault(m.UID, authemu.NoFault)
	if r.Code() != "UNAVAILABLE" || r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
		t.Fatalf("signOutEverywhere with Firebase down: %d %v %s", r.Status, r.Header, r.Raw)
	}
	old.MustOp("Viewer", nil)
	other := h.Another()
	old.on(other).MustOp("Viewer", nil)
}

// TestSignOutByOperator: an operator signs a member out from the command line's code path
// (signout.Member, as `go run . sign-out UID` does), for instance after disabling them in
// the Firebase console: a token both servers have cached is refused by both at its next
// request; an unknown uid is reported as such.
func TestSignOutByOperator(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, one *H) {
		two := one.Another()
		m := one.Member("m")
		old := &Client{h: one, UID: m.UID, Token: tokenIssuedAgo(m, 2*time.Second)}
		old.MustOp("Viewer", nil)
		old.on(two).MustOp("Viewer", nil)
		fb, err := auth.New(context.Background(), auth.Config{ProjectID: testProject, EmulatorHost: emuHost})
		if err != nil {
			t.Fatal(err)
		}
		found, err := signout.New(fb).Member(context.Background(), one.App.Client(), m.UID)
		if err != nil || !found {
			t.Fatalf("sign-out of a member: found %v, %v", found, err)
		}
		emu.SetFault(m.UID, authemu.Fail500) // a verification now would answer UNAVAILABLE
		for name, c := range map[string]*Client{"one server": old, "the other": old.on(two)} {
			if r := c.Op("Viewer", nil); r.Code() != "UNAUTHENTICATED" {
				t.Errorf("old token on %s after the operator's sign-out: %s", name, r.Raw)
			}
		}
		emu.SetFault(m.UID, authemu.NoFault)
		if found, err := signout.New(fb).Member(context.Background(), one.App.Client(), "nobody-"+m.UID); err != nil || found {
			t.Fatalf("sign-out of an unknown uid: found %v, %v", found, err)
		}
	})
}
