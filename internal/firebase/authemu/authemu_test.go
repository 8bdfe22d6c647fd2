package authemu

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	firebase "firebase.google.com/go/v4"
	fbauth "firebase.google.com/go/v4/auth"
	"google.golang.org/api/option"
)

const project = "demo-test"

func post(t *testing.T, e *Emulator, path, body string, owner bool) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	if owner {
		req.Header.Set("Authorization", "Bearer owner")
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s: non-JSON answer %q", path, rec.Body.String())
	}
	return rec.Code, out
}

func errMessage(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

const base = "/identitytoolkit.googleapis.com/v1/projects/" + project

func TestHTTP(t *testing.T) {
	e := New(project)
	e.AddUser(User{UID: "u1", Email: "u1@example.org", Claims: map[string]any{"role": "therapist"}})

	code, body := post(t, e, base+"/accounts:lookup", `{"localId":["u1"]}`, true)
	users, _ := body["users"].([]any)
	if code != 200 || len(users) != 1 {
		t.Fatalf("lookup: %d %v", code, body)
	}
	u := users[0].(map[string]any)
	if u["localId"] != "u1" || u["email"] != "u1@example.org" || u["disabled"] != false ||
		u["customAttributes"] != `{"role":"therapist"}` {
		t.Fatalf("lookup user: %v", u)
	}

	code, body = post(t, e, base+"/accounts:lookup", `{"localId":["nobody"]}`, true)
	if _, has := body["users"]; code != 200 || has || body["kind"] != "identitytoolkit#GetAccountInfoResponse" {
		t.Fatalf("lookup unknown: %d %v", code, body)
	}

	for _, tt := range []struct {
		name, path, body string
		owner            bool
		code             int
		msg              string
	}{
		{"unknown path", "/nope", `{}`, true, 404, "Not Found"},
		{"tenant path", base + "/tenants/t1/accounts:lookup", `{}`, true, 404, "Not Found"},
		{"other project", "/identitytoolkit.googleapis.com/v1/projects/demo-other/accounts:lookup", `{"localId":["u1"]}`, true, 400, "single project mode"},
		{"no owner token", base + "/accounts:lookup", `{"localId":["u1"]}`, false, 401, "UNAUTHENTICATED"},
		{"bad json", base + "/accounts:update", `{`, true, 400, "INVALID_JSON"},
		{"update unknown", base + "/accounts:update", `{"localId":"nobody","disableUser":true}`, true, 400, "USER_NOT_FOUND"},
		{"delete unknown", base + "/accounts:delete", `{"localId":"nobody"}`, true, 400, "USER_NOT_FOUND"},
	} {
		code, body := post(t, e, tt.path, tt.body, tt.owner)
		if code != tt.code || !strings.Contains(errMessage(body), tt.msg) {
			t.Errorf("%s: %d %v, want %d %q", tt.name, code, body, tt.code, tt.msg)
		}
	}

	// GET on a known path is not served either.
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, base+"/accounts:lookup", nil))
	if rec.Code != 404 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Errorf("GET: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}

	if code, body := post(t, e, base+"/accounts:update", `{"localId":"u1","customAttributes":"{\"a\":1}","disableUser":true}`, true); code != 200 {
		t.Fatalf("update: %d %v", code, body)
	}
	got, _ := e.User("u1")
	if !got.Disabled || len(got.Claims) != 1 || got.Claims["a"] != float64(1) {
		t.Fatalf("after update: %+v", got)
	}
	if code, body := post(t, e, base+"/accounts:delete", `{"localId":"u1"}`, true); code != 200 {
		t.Fatalf("delete: %d %v", code, body)
	}
	if _, ok := e.User("u1"); ok {
		t.Fatal("not deleted")
	}
}

func decodePart(t *testing.T, s string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestToken(t *testing.T) {
	e := New(project)
	if _, err := e.Token("nobody", time.Hour); err == nil {
		t.Fatal("token for unknown user")
	}
	e.AddUser(User{UID: "u1", Email: "u1@example.org", Phone: "+15555550100", Claims: map[string]any{"role": "therapist", "sub": "evil"}})
	before := time.Now().Unix()
	tok, err := e.Token("u1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || parts[2] != "" {
		t.Fatalf("token shape: %q", tok)
	}
	if h := decodePart(t, parts[0]); h["alg"] != "none" || h["typ"] != "JWT" {
		t.Fatalf("header: %v", h)
	}
	c := decodePart(t, parts[1])
	iat, exp := int64(c["iat"].(float64)), int64(c["exp"].(float64))
	if c["iss"] != "https://securetoken.google.com/"+project || c["aud"] != project ||
		c["sub"] != "u1" || c["user_id"] != "u1" || c["email"] != "u1@example.org" ||
		c["phone_number"] != "+15555550100" || c["role"] != "therapist" ||
		iat < before || exp != iat+3600 {
		t.Fatalf("claims: %v", c)
	}
}

func TestMintTokenOverrides(t *testing.T) {
	iat := time.Unix(1000, 0)
	tok := MintToken("demo-a", map[string]any{"sub": "x", "aud": "demo-b"}, iat, iat.Add(time.Minute))
	c := decodePart(t, strings.Split(tok, ".")[1])
	if c["aud"] != "demo-b" || c["iss"] != "https://securetoken.google.com/demo-a" ||
		c["iat"] != float64(1000) || c["exp"] != float64(1060) || c["auth_time"] != float64(1000) {
		t.Fatalf("claims: %v", c)
	}
}

func TestUserIsACopy(t *testing.T) {
	e := New(project)
	claims := map[string]any{"role": "therapist"}
	e.AddUser(User{UID: "u", Claims: claims})
	claims["role"] = "x"
	u, _ := e.User("u")
	u.Claims["role"] = "y"
	if u2, _ := e.User("u"); u2.Claims["role"] != "therapist" {
		t.Fatalf("emulator state shared with caller: %v", u2.Claims)
	}
}

// TestAdminSDK drives the emulator with the real Admin SDK's user
// management calls, checking that the JSON shapes match what it expects.
func TestAdminSDK(t *testing.T) {
	e := New(project)
	host, closeFn, err := e.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	t.Setenv("FIREBASE_AUTH_EMULATOR_HOST", host)
	ctx := context.Background()
	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: project}, option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	c, err := app.Auth(ctx)
	if err != nil {
		t.Fatal(err)
	}

	e.AddUser(User{UID: "u1", Email: "u1@example.org", Phone: "+15555550100", Claims: map[string]any{"role": "therapist"}})
	for name, get := range map[string]func() (*fbauth.UserRecord, error){
		"uid":   func() (*fbauth.UserRecord, error) { return c.GetUser(ctx, "u1") },
		"email": func() (*fbauth.UserRecord, error) { return c.GetUserByEmail(ctx, "u1@example.org") },
		"phone": func() (*fbauth.UserRecord, error) { return c.GetUserByPhoneNumber(ctx, "+15555550100") },
	} {
		u, err := get()
		if err != nil {
			t.Fatalf("by %s: %v", name, err)
		}
		if u.UID != "u1" || u.Email != "u1@example.org" || u.PhoneNumber != "+15555550100" ||
			u.CustomClaims["role"] != "therapist" || u.Disabled || u.UserMetadata.CreationTimestamp == 0 {
			t.Fatalf("by %s: %+v", name, u)
		}
	}
	if _, err := c.GetUser(ctx, "nobody"); !fbauth.IsUserNotFound(err) {
		t.Fatalf("unknown user: %v", err)
	}

	if err := c.SetCustomUserClaims(ctx, "u1", map[string]any{"group": "g1"}); err != nil {
		t.Fatal(err)
	}
	if u, _ := e.User("u1"); len(u.Claims) != 1 || u.Claims["group"] != "g1" {
		t.Fatalf("claims: %v", u.Claims)
	}
	if err := c.SetCustomUserClaims(ctx, "u1", nil); err != nil {
		t.Fatal(err)
	}
	if u, _ := c.GetUser(ctx, "u1"); u.CustomClaims != nil {
		t.Fatalf("claims not cleared: %v", u.CustomClaims)
	}

	tok, _ := e.Token("u1", time.Hour)
	if _, err := c.VerifyIDTokenAndCheckRevoked(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateUser(ctx, "u1", (&fbauth.UserToUpdate{}).Disabled(true)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.VerifyIDToken(ctx, tok); !fbauth.IsUserDisabled(err) {
		t.Fatalf("disabled: %v", err)
	}
	if _, err := c.UpdateUser(ctx, "u1", (&fbauth.UserToUpdate{}).Disabled(false)); err != nil {
		t.Fatal(err)
	}
	// Revocation: validSince is whole seconds, so use a token issued earlier.
	old := MintToken(project, map[string]any{"sub": "u1"}, time.Now().Add(-time.Minute), time.Now().Add(time.Hour))
	if err := c.RevokeRefreshTokens(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.VerifyIDTokenAndCheckRevoked(ctx, old); !fbauth.IsIDTokenRevoked(err) {
		t.Fatalf("revoked: %v", err)
	}

	if err := c.DeleteUser(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteUser(ctx, "u1"); !fbauth.IsUserNotFound(err) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := c.VerifyIDToken(ctx, tok); !fbauth.IsUserNotFound(err) {
		t.Fatalf("deleted: %v", err)
	}
}
