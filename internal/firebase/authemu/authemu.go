// Package authemu is a small in-process fake of the Firebase Auth Emulator.
//
// It implements only the Identity Toolkit endpoints that the Firebase Admin
// SDK for Go calls to verify ID tokens and manage users:
//
//	POST /identitytoolkit.googleapis.com/v1/projects/{project}/accounts:lookup
//	POST /identitytoolkit.googleapis.com/v1/projects/{project}/accounts:update
//	POST /identitytoolkit.googleapis.com/v1/projects/{project}/accounts:delete
//
// and it mints the unsigned ID tokens ("alg":"none") that the Admin SDK
// accepts when FIREBASE_AUTH_EMULATOR_HOST is set. Users live in memory.
//
// It is used by tests and by the server's local demo mode. It provides no
// security whatsoever: anybody who can reach it can read and change users,
// and anybody can mint tokens it will vouch for. Only ever pair it with a
// "demo-" project ID (see internal/firebase/auth.Config.Check).
package authemu

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// User is a user account held by the Emulator.
type User struct {
	// UID is the Firebase user ID (the token's "sub" claim).
	UID string
	// Email is the user's email address; may be empty.
	Email string
	// Phone is the user's E.164 phone number; may be empty.
	Phone string
	// Disabled users are refused by the Admin SDK's token verification.
	Disabled bool
	// Claims are the user's custom claims (e.g. "role": "therapist").
	Claims map[string]any
}

// account is the stored form of a User plus emulator bookkeeping.
type account struct {
	User
	createdAt  time.Time
	validSince int64 // unix seconds; tokens issued before are revoked; 0 = never revoked
}

// Fault is how the Emulator fails the requests about a user, to stand for a Firebase
// outage in tests (SetFault).
type Fault int

// The faults the Emulator can play.
const (
	// NoFault serves the user's requests normally.
	NoFault Fault = iota
	// Fail500 answers 500 INTERNAL (which the Admin SDK does not retry).
	Fail500
	// Fail503 answers 503 UNAVAILABLE (which the Admin SDK retries, with backoff).
	Fail503
	// Drop closes the connection without an answer, as a crashed or unreachable server
	// does (a network error, which the Admin SDK retries, with backoff).
	Drop
)

// Emulator is an in-memory fake of the Firebase Auth Emulator for one
// project. It is safe for concurrent use. The zero value is not usable: call New.
type Emulator struct {
	projectID string
	mux       *http.ServeMux

	mu     sync.Mutex
	users  map[string]*account
	faults map[string]Fault
}

// New returns an empty Emulator serving the given project ID. Requests for
// any other project are refused, like the real emulator in
// singleProjectMode "error".
func New(projectID string) *Emulator {
	e := &Emulator{projectID: projectID, users: map[string]*account{}, faults: map[string]Fault{}}
	const prefix = "POST /identitytoolkit.googleapis.com/v1/projects/{project}/"
	e.mux = http.NewServeMux()
	e.mux.HandleFunc(prefix+"accounts:lookup", e.admin(e.lookup))
	e.mux.HandleFunc(prefix+"accounts:update", e.admin(e.update))
	e.mux.HandleFunc(prefix+"accounts:delete", e.admin(e.delete))
	e.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Not Found: "+r.Method+" "+r.URL.Path)
	})
	return e
}

// ServeHTTP serves the emulated Identity Toolkit endpoints. Unknown paths and
// methods answer 404 with a JSON error body.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mux.ServeHTTP(w, r)
}

// Start listens on addr (for example "127.0.0.1:0") and serves the Emulator
// in a background goroutine. It returns the actual host:port, suitable for
// FIREBASE_AUTH_EMULATOR_HOST, and a function that stops the server.
func (e *Emulator) Start(addr string) (hostport string, closeFn func() error, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return ln.Addr().String(), srv.Close, nil
}

// AddUser creates the user, or replaces an existing user with the same UID.
func (e *Emulator) AddUser(u User) {
	u.Claims = cloneClaims(u.Claims)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.users[u.UID] = &account{User: u, createdAt: time.Now()}
}

// User returns a copy of the user with the given UID.
func (e *Emulator) User(uid string) (User, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a, ok := e.users[uid]
	if !ok {
		return User{}, false
	}
	u := a.User
	u.Claims = cloneClaims(u.Claims)
	return u, true
}

// SetDisabled disables or re-enables a user. Unknown UIDs are ignored.
func (e *Emulator) SetDisabled(uid string, disabled bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if a, ok := e.users[uid]; ok {
		a.Disabled = disabled
	}
}

// SetFault makes every request that names uid (a lookup, an update, a deletion) fail as
// f says, until it is set back to NoFault. It is per user, so that one emulator can play an
// outage for some tests' users while it serves the others.
func (e *Emulator) SetFault(uid string, f Fault) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if f == NoFault {
		delete(e.faults, uid)
		return
	}
	e.faults[uid] = f
}

// fault is the fault of the first of uids that has one.
func (e *Emulator) fault(uids ...string) Fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, uid := range uids {
		if f, ok := e.faults[uid]; ok {
			return f
		}
	}
	return NoFault
}

// playFault fails the request as f says and reports whether it did.
func playFault(w http.ResponseWriter, f Fault) bool {
	switch f {
	case Fail500:
		writeError(w, http.StatusInternalServerError, "INTERNAL")
	case Fail503:
		writeError(w, http.StatusServiceUnavailable, "UNAVAILABLE")
	case Drop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler) // no hijacking (HTTP/2): abort the response instead
	default:
		return false
	}
	return true
}

// DeleteUser removes a user. Unknown UIDs are ignored.
func (e *Emulator) DeleteUser(uid string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.users, uid)
}

// Token mints an unsigned emulator ID token for an existing user (disabled
// users included, so that tests can check they are refused). The token
// carries the user's email, phone and custom claims as top-level claims,
// iat = now and exp = now + ttl.
func (e *Emulator) Token(uid string, ttl time.Duration) (string, error) {
	u, ok := e.User(uid)
	if !ok {
		return "", fmt.Errorf("authemu: no user with uid %q", uid)
	}
	claims := map[string]any{}
	for k, v := range u.Claims {
		claims[k] = v
	}
	identities := map[string]any{}
	provider := "custom"
	if u.Email != "" {
		claims["email"] = u.Email
		claims["email_verified"] = false
		identities["email"] = []string{u.Email}
		provider = "password"
	}
	if u.Phone != "" {
		claims["phone_number"] = u.Phone
		identities["phone"] = []string{u.Phone}
		if provider == "custom" {
			provider = "phone"
		}
	}
	claims["firebase"] = map[string]any{"identities": identities, "sign_in_provider": provider}
	claims["sub"] = u.UID
	claims["user_id"] = u.UID
	now := time.Now()
	return MintToken(e.projectID, claims, now, now.Add(ttl)), nil
}

// MintToken builds an unsigned ID token ({"alg":"none","typ":"JWT"} header,
// empty signature) as the Auth Emulator issues them. It sets iss, aud, iat,
// exp and auth_time from its arguments; any key present in claims overrides
// those defaults, which lets tests build deliberately broken tokens.
// claims should normally contain "sub" (the UID).
func MintToken(projectID string, claims map[string]any, iat, exp time.Time) string {
	payload := map[string]any{
		"iss":       "https://securetoken.google.com/" + projectID,
		"aud":       projectID,
		"iat":       iat.Unix(),
		"exp":       exp.Unix(),
		"auth_time": iat.Unix(),
	}
	for k, v := range claims {
		payload[k] = v
	}
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	body, err := json.Marshal(payload)
	if err != nil {
		// Only unmarshalable values (channels, funcs...) get here: a test bug.
		panic("authemu: MintToken: " + err.Error())
	}
	return header + "." + enc.EncodeToString(body) + "."
}

// admin wraps an endpoint handler with the checks the real emulator makes
// before serving an Admin SDK request: project ID and the "owner" token.
func (e *Emulator) admin(h func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if p := r.PathValue("project"); p != e.projectID {
			writeError(w, http.StatusBadRequest, fmt.Sprintf(
				"Multiple projectIds are not recommended in single project mode. "+
					"Requested project ID %s, but the emulator is configured for %s.", p, e.projectID))
			return
		}
		// The Admin SDK in emulator mode always sends "Bearer owner".
		if r.Header.Get("Authorization") != "Bearer owner" {
			writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		h(w, r)
	}
}

// lookup serves accounts:lookup. Unknown users are simply absent from the
// response (no "users" key at all when none match), as in the real emulator.
func (e *Emulator) lookup(w http.ResponseWriter, r *http.Request) {
	var req struct {
		LocalID     []string `json:"localId"`
		Email       []string `json:"email"`
		PhoneNumber []string `json:"phoneNumber"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if playFault(w, e.fault(req.LocalID...)) {
		return
	}
	want := func(a *account) bool {
		for _, id := range req.LocalID {
			if a.UID == id {
				return true
			}
		}
		for _, em := range req.Email {
			if a.Email != "" && a.Email == em {
				return true
			}
		}
		for _, ph := range req.PhoneNumber {
			if a.Phone != "" && a.Phone == ph {
				return true
			}
		}
		return false
	}

	e.mu.Lock()
	var users []map[string]any
	for _, a := range e.users {
		if want(a) {
			users = append(users, userInfo(a))
		}
	}
	e.mu.Unlock()

	resp := map[string]any{"kind": "identitytoolkit#GetAccountInfoResponse"}
	if len(users) > 0 {
		resp["users"] = users
	}
	writeJSON(w, http.StatusOK, resp)
}

// userInfo renders an account in the Identity Toolkit UserInfo JSON shape.
func userInfo(a *account) map[string]any {
	u := map[string]any{
		"localId":       a.UID,
		"disabled":      a.Disabled,
		"emailVerified": false,
		"createdAt":     strconv.FormatInt(a.createdAt.UnixMilli(), 10),
	}
	if a.Email != "" {
		u["email"] = a.Email
	}
	if a.Phone != "" {
		u["phoneNumber"] = a.Phone
	}
	if len(a.Claims) > 0 {
		b, _ := json.Marshal(a.Claims) // claims came from JSON or AddUser; encodable
		u["customAttributes"] = string(b)
	}
	if a.validSince != 0 {
		u["validSince"] = strconv.FormatInt(a.validSince, 10)
	}
	return u
}

// update serves accounts:update for the fields the Admin SDK sends for
// SetCustomUserClaims, disabling users and revoking refresh tokens.
// Other fields are ignored.
func (e *Emulator) update(w http.ResponseWriter, r *http.Request) {
	var req struct {
		LocalID          string  `json:"localId"`
		CustomAttributes *string `json:"customAttributes"`
		DisableUser      *bool   `json:"disableUser"`
		ValidSince       string  `json:"validSince"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if playFault(w, e.fault(req.LocalID)) {
		return
	}
	var claims map[string]any
	if req.CustomAttributes != nil {
		if err := json.Unmarshal([]byte(*req.CustomAttributes), &claims); err != nil {
			writeError(w, http.StatusBadRequest, "INVALID_CLAIMS")
			return
		}
	}
	var validSince int64
	if req.ValidSince != "" {
		v, err := strconv.ParseInt(req.ValidSince, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, "INVALID_VALID_SINCE")
			return
		}
		validSince = v
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	a, ok := e.users[req.LocalID]
	if !ok {
		writeError(w, http.StatusBadRequest, "USER_NOT_FOUND")
		return
	}
	if req.CustomAttributes != nil {
		a.Claims = claims
	}
	if req.DisableUser != nil {
		a.Disabled = *req.DisableUser
	}
	if validSince != 0 {
		a.validSince = validSince
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"kind":    "identitytoolkit#SetAccountInfoResponse",
		"localId": a.UID,
	})
}

// delete serves accounts:delete; unknown users answer USER_NOT_FOUND.
func (e *Emulator) delete(w http.ResponseWriter, r *http.Request) {
	var req struct {
		LocalID string `json:"localId"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if playFault(w, e.fault(req.LocalID)) {
		return
	}
	e.mu.Lock()
	_, ok := e.users[req.LocalID]
	delete(e.users, req.LocalID)
	e.mu.Unlock()
	if !ok {
		writeError(w, http.StatusBadRequest, "USER_NOT_FOUND")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"kind": "identitytoolkit#DeleteAccountResponse"})
}

// cloneClaims deep-copies custom claims through JSON so callers never share
// mutable maps with the Emulator.
func cloneClaims(c map[string]any) map[string]any {
	if c == nil {
		return nil
	}
	b, err := json.Marshal(c)
	if err != nil {
		panic("authemu: custom claims are not JSON-encodable: " + err.Error())
	}
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE")
		} else {
			writeError(w, http.StatusBadRequest, "INVALID_JSON")
		}
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError writes the Google API error shape the emulator uses; the Admin
// SDK maps error.message codes such as "USER_NOT_FOUND" to its own errors.
func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code":    status,
		"message": message,
		"errors":  []map[string]string{{"message": message, "reason": "invalid", "domain": "global"}},
	}})
}
