package server_test

// Sign-in with Firebase ID tokens (emulator-style, through the real Admin SDK), the
// emulator's limits, and the cache of verified tokens.

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/processgroup/api/internal/firebase/authemu"
	"github.com/processgroup/api/internal/server"
	"github.com/processgroup/api/internal/server/config"
)

func TestSignIn(t *testing.T) {
	t.Parallel()
	databases(t, func(t *testing.T, h *H) {
		c := h.Member("new")
		// The first request of a new Firebase user creates their member record, once.
		var wg sync.WaitGroup
		ids := make([]string, 5)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ids[i] = c.MustOp("Viewer", nil).Str("viewer.id")
			}()
		}
		wg.Wait()
		for _, id := range ids {
			if id == "" || id != ids[0] {
				t.Fatalf("one member record per Firebase user: %v", ids)
			}
		}

		now := time.Now()
		otherProject := authemu.MintToken("demo-other", map[string]any{"sub": c.UID, "user_id": c.UID}, now, now.Add(time.Hour))
		expired := authemu.MintToken(testProject, map[string]any{"sub": c.UID, "user_id": c.UID}, now.Add(-3*time.Hour), now.Add(-2*time.Hour))
		gone := h.Member("gone")
		gone.MustOp("Viewer", nil)
		goneToken, err := emu.Token(gone.UID, 2*time.Hour) // not yet seen by the server's cache
		if err != nil {
			t.Fatal(err)
		}
		emu.DeleteUser(gone.UID)
		disabled := h.Member("disabled")
		emu.SetDisabled(disabled.UID, true)

		for name, token := range map[string]string{
			"no token":        "",
			"garbage":         "not-a-jwt",
			"another project": otherProject,
			"expired":         expired,
			"deleted user":    goneToken,
			"disabled user":   disabled.Token,
		} {
			r := (&Client{h: h, Token: token}).Op("Viewer", nil)
			if r.Code() != "UNAUTHENTICATED" || r.Get("viewer") != nil {
				t.Errorf("%s: want UNAUTHENTICATED, got %s", name, r.Raw)
			}
		}
		// Mutations too, and nothing is written.
		r := h.Anonymous().Op("CreateGroup", map[string]any{"input": map[string]any{"name": "x", "timeZone": "UTC", "displayName": "x"}})
		if r.Code() != "UNAUTHENTICATED" {
			t.Fatalf("anonymous mutation: %s", r.Raw)
		}
		// The scheme is case-insensitive; anything but Bearer is refused.
		for _, hdr := range []string{"bearer " + c.Token, "Basic " + c.Token} {
			rr := postBody(t, h, nil, "application/json", []byte(`{"query":"{ viewer { id } }"}`), hdr)
			want := "bearer " + c.Token
			if (hdr == want) != (rr.Code() == "") {
				t.Errorf("header %.12q…: %s", hdr, rr.Raw)
			}
		}
	})
}

func TestSignInEmulatorNeedsDemoProject(t *testing.T) {
	t.Parallel()
	cfg, err := config.FromEnv(func(name string) string {
		switch name {
		case "DATABASE_URL":
			return "sqlite:" + t.TempDir() + "/x.db"
		case "FIREBASE_PROJECT_ID":
			return "real-clinic-project"
		case "FIREBASE_AUTH_EMULATOR_HOST":
			return emuHost
		case "ENCRYPTION_KEYS":
			return testKeys
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	app, err := server.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil {
		app.Close()
		t.Fatal("the server must refuse the emulator with a non-demo project")
	}
}

// TestSignInTokenCache: a verified token is remembered for AUTH_CACHE_TTL, so a disabled user
// keeps access at most that long, and never past the token's expiry.
func TestSignInTokenCache(t *testing.T) {
	t.Parallel()
	h := sqliteH(t, withSettings(map[string]string{"AUTH_CACHE_TTL": "3s"}))
	c := h.Member("cached")
	verified := h.Clock.Now()
	c.MustOp("Viewer", nil)
	emu.SetDisabled(c.UID, true)
	if r := c.Op("Viewer", nil); r.Code() != "" {
		if h.Clock.Now().Sub(verified) < 3*time.Second {
			t.Fatalf("a verified token was not remembered: %s", r.Raw)
		}
		t.Skipf("the machine stalled past the cache time: %s", r.Raw)
	}
	// The cache keeps a verified token for AUTH_CACHE_TTL on the application's clock.
	h.Clock.Advance(3100 * time.Millisecond)
	if r := c.Op("Viewer", nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("disabled user still signed in after the cache time: %s", r.Raw)
	}
	// Off: every request is verified.
	h = sqliteH(t, withSettings(map[string]string{"AUTH_CACHE_TTL": "0"}))
	d := h.Member("uncached")
	d.MustOp("Viewer", nil)
	emu.SetDisabled(d.UID, true)
	if r := d.Op("Viewer", nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("AUTH_CACHE_TTL=0 must verify every request: %s", r.Raw)
	}
}
