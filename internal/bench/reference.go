package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"entgo.io/contrib/entgql"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/processgroup/api/ent/reflection"
	"github.com/processgroup/api/internal/firebase/auth"
	"github.com/processgroup/api/internal/notify/remind"
	"github.com/processgroup/api/internal/platform/crypt"
	"github.com/processgroup/api/internal/server/config"
	"github.com/processgroup/api/internal/service/crisis"
)

// reference is the hand-written reference of the API's operations that the benchmark
// measures against: plain net/http, pgx and encoding/json, each operation one round trip to
// PostgreSQL (a pipelined batch where it needs several statements; the writes, which also
// queue a push through River, take a transaction).
//
// It answers the same requests as the API (the same body; it reads operationName and
// variables) with the same JSON, for the same viewer:
//   - sign-in: the Firebase ID token verified by the Admin SDK against the same emulator,
//     remembered for AUTH_CACHE_TTL as the API's token cache does, and the member record
//     found by the token's uid inside each statement;
//   - privacy: the read rules of internal/rule (reflection.go, encouragement.go,
//     membership.go, consent.go, current.go) as SQL;
//   - encryption: the stored values opened with internal/platform/crypt, with the same keys;
//   - accounting: reads of other people's reflections written to reflection_reads in the
//     statement that reads them, as the API's afterOperation writes them after answering.
//
// It is not a second implementation of the product: no subscriptions, no `after` cursors, no
// audit of denied attempts, no GroupDigest.
type reference struct {
	pool       *pgxpool.Pool
	keys       *crypt.Keyring
	tokens     *tokenCache
	detector   *crisis.Detector
	river      *river.Client[pgx.Tx]
	statements atomic.Int64
}

// newReference builds the reference from the same settings as the API.
func newReference(ctx context.Context) (http.Handler, func() int64, func() error, error) {
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		return nil, nil, nil, err
	}
	keys, err := crypt.ParseKeys(cfg.EncryptionKeys)
	if err != nil {
		return nil, nil, nil, err
	}
	fb, err := auth.New(ctx, auth.Config{ProjectID: cfg.FirebaseProjectID, EmulatorHost: cfg.AuthEmulatorHost})
	if err != nil {
		return nil, nil, nil, err
	}
	pc, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return nil, nil, nil, err
	}
	pc.MaxConns = 20 // as the API's pool (internal/platform/db)
	// Short OLTP statements: no JIT compilation unless the URL asks for it (jit=on); without
	// statistics their estimates can cross jit_above_cost, and compiling then costs far more
	// than running them.
	if _, set := pc.ConnConfig.RuntimeParams["jit"]; !set {
		pc.ConnConfig.RuntimeParams["jit"] = "off"
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, nil, nil, err
	}
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		pool.Close()
		return nil, nil, nil, err
	}
	r := &reference{
		pool:     pool,
		keys:     keys,
		tokens:   &tokenCache{verifier: fb, ttl: cfg.AuthCacheTTL, m: map[[32]byte]verified{}},
		detector: crisis.Default(),
		river:    rc,
	}
	return r, r.statements.Load, func() error { pool.Close(); return nil }, nil
}

// tokenCache remembers verified tokens for ttl, as the API's does (internal/server's
// cachedVerifier): a burst of requests costs one verification.
type tokenCache struct {
	verifier *auth.Firebase
	ttl      time.Duration
	mu       sync.Mutex
	m        map[[32]byte]verified
}

type verified struct {
	id *auth.Identity
	at time.Time
}

func (c *tokenCache) verify(ctx context.Context, token string) (*auth.Identity, error) {
	key := sha256.Sum256([]byte(token))
	now := time.Now()
	c.mu.Lock()
	v, ok := c.m[key]
	c.mu.Unlock()
	if ok && now.Sub(v.at) < c.ttl && now.Before(v.id.Expires) {
		return v.id, nil
	}
	id, err := c.verifier.Verify(ctx, token)
	if err != nil {
		return nil, err
	}
	if c.ttl > 0 {
		c.mu.Lock()
		if len(c.m) >= 10000 {
			clear(c.m)
		}
		c.m[key] = verified{id: id, at: now}
		c.mu.Unlock()
	}
	return id, nil
}

// gqlError is an error the way the API presents it.
type gqlError struct {
	code, message string
}

func (e *gqlError) Error() string { return e.message }

func fail(code, format string, args ...any) error {
	return &gqlError{code: code, message: fmt.Sprintf(format, args...)}
}

// ServeHTTP answers POST /graphql.
func (r *reference) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost || req.URL.Path != "/graphql" {
		http.NotFound(w, req)
		return
	}
	data, err := r.serve(req)
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		var ge *gqlError
		if !errors.As(err, &ge) {
			fmt.Fprintln(os.Stderr, "reference:", err)
			ge = &gqlError{code: "INTERNAL", message: "internal error"}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"errors": []any{map[string]any{"message": ge.message, "extensions": map[string]any{"code": ge.code}}},
			"data":   nil,
		})
		return
	}
	_ = json.NewEncoder(w).Encode(struct {
		Data any `json:"data"`
	}{data})
}

func (r *reference) serve(req *http.Request) (any, error) {
	ctx := req.Context()
	scheme, token, _ := strings.Cut(req.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, fail("UNAUTHENTICATED", "sign in")
	}
	id, err := r.tokens.verify(ctx, strings.TrimSpace(token))
	if err != nil {
		return nil, fail("UNAUTHENTICATED", "the Firebase ID token is missing, expired or not valid for this project")
	}
	var in struct {
		OperationName string          `json:"operationName"`
		Variables     json.RawMessage `json:"variables"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, req.Body, 1<<20)).Decode(&in); err != nil {
		return nil, fail("BAD_USER_INPUT", "the body is not a GraphQL request")
	}
	if len(in.Variables) == 0 {
		in.Variables = json.RawMessage("{}")
	}
	v := viewerOf{uid: id.UID, therapist: id.Therapist}
	switch in.OperationName {
	case "GroupFeed":
		return r.groupFeed(ctx, v, in.Variables)
	case "MyReflections":
		return r.myReflections(ctx, v, in.Variables)
	case "EncouragementReceived":
		return r.encouragementReceived(ctx, v, in.Variables)
	case "UpcomingSessions":
		return r.upcomingSessions(ctx, v, in.Variables)
	case "CreateReflection":
		return r.createReflection(ctx, v, in.Variables)
	case "SendEncouragement":
		return r.sendEncouragement(ctx, v, in.Variables)
	}
	return nil, fail("BAD_USER_INPUT", "the reference does not serve %q", in.OperationName)
}

// viewerOf is the signed-in person: their Firebase uid (their member record is found by it in
// each statement) and whether their token carries the therapist role.
type viewerOf struct {
	uid       string
	therapist bool
}

// The JSON of the answers, field for field in the order the operations select them.

// gqlTime writes a time as the API does: UTC, RFC 3339 with nanoseconds.
type gqlTime time.Time

func (t gqlTime) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, time.Time(t).UTC().Format(time.RFC3339Nano)), nil
}

// gqlID reads an ID as the API does: a string (or, leniently, a number) of a positive integer.
type gqlID int

func (id *gqlID) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return fail("BAD_USER_INPUT", "must be an ID")
	}
	*id = gqlID(n)
	return nil
}

type membershipOut struct {
	ID          int     `json:"id,string"`
	DisplayName string  `json:"displayName"`
	Role        string  `json:"role"`
	JoinedAt    gqlTime `json:"joinedAt"`
}

type authorOut struct {
	ID          int    `json:"id,string"`
	DisplayName string `json:"displayName"`
	Role        string `json:"role"`
}

type reflectionOut struct {
	ID                  int       `json:"id,string"`
	ClientID            string    `json:"clientID"`
	Body                string    `json:"body"`
	Mood                int       `json:"mood"`
	Craving             int       `json:"craving"`
	Prompt              *string   `json:"prompt"`
	Visibility          string    `json:"visibility"`
	Version             int       `json:"version"`
	CreatedAt           gqlTime   `json:"createdAt"`
	UpdatedAt           gqlTime   `json:"updatedAt"`
	Author              authorOut `json:"author"`
	EncouragementCount  int       `json:"encouragementCount"`
	ViewerHasEncouraged bool      `json:"viewerHasEncouraged"`
	// Group is what the operation selects of the reflection's group, if anything.
	Group any `json:"group,omitempty"`
}

type groupName struct {
	ID   int    `json:"id,string"`
	Name string `json:"name"`
}

type groupID struct {
	ID int `json:"id,string"`
}

type pageInfo struct {
	HasNextPage bool            `json:"hasNextPage"`
	EndCursor   json.RawMessage `json:"endCursor"`
}

type reflectionEdge struct {
	Cursor json.RawMessage `json:"cursor"`
	Node   *reflectionOut  `json:"node"`
}

type reflectionConnection struct {
	TotalCount int              `json:"totalCount"`
	PageInfo   pageInfo         `json:"pageInfo"`
	Edges      []reflectionEdge `json:"edges"`
}

// cursor is the connection cursor of a row ordered by created_at, as entgql writes it.
func cursor(id int, created time.Time) json.RawMessage {
	var b bytes.Buffer
	entgql.Cursor[int]{ID: id, Value: created}.MarshalGQL(&b)
	return b.Bytes()
}

// firstPage is the page size of a connection's first page (first, default 20), checked as
// the API checks it; the reference reads first pages only.
func firstPage(first *int, after *string) (int, error) {
	switch {
	case after != nil:
		return 0, fail("BAD_USER_INPUT", "the reference reads first pages only")
	case first == nil:
		return 20, nil
	case *first < 1 || *first > 100:
		return 0, fail("BAD_USER_INPUT", "first must be between 1 and 100")
	}
	return *first, nil
}

// decodeVars reads the variables of an operation.
func decodeVars(raw json.RawMessage, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		var ge *gqlError
		if errors.As(err, &ge) {
			return ge
		}
		return fail("BAD_USER_INPUT", "variables: %v", err)
	}
	return nil
}

// open decrypts a sealed column's value; an empty or missing one is nil, as the API shows it.
func (r *reference) open(v *string, column string) (*string, error) {
	if v == nil {
		return nil, nil
	}
	p, err := r.keys.Decrypt(*v, column)
	if err != nil || p == "" {
		return nil, err
	}
	return &p, nil
}

// batch sends the statements of b in one round trip and reads their results with read.
func (r *reference) batch(ctx context.Context, b *pgx.Batch, read func(pgx.BatchResults) error) error {
	r.statements.Add(int64(b.Len()))
	br := r.pool.SendBatch(ctx, b)
	if err := read(br); err != nil {
		br.Close()
		return err
	}
	return br.Close()
}

// SECURITY (reference): the read rules of internal/rule as SQL. me is the viewer's member
// record; v holds, for one group, the viewer's membership there (mid), whether it is current
// (cur) and whether it makes them a facilitator (fac: current, FACILITATOR, and the
// therapist role in the token). sharers are the group's members whose GROUP reflections reach
// their peers: current, with a consent in force.
const feedViewer = `WITH me AS (SELECT id FROM users WHERE firebase_uid = $1),
vm AS (
	SELECT m.id, m.left_at IS NULL AS cur, (m.left_at IS NULL AND m.role = 'FACILITATOR' AND $2::boolean) AS fac
	FROM memberships m WHERE m.user_id = (SELECT id FROM me) AND m.group_id = $3
),
v AS (SELECT (SELECT id FROM me) AS me, (SELECT id FROM vm) AS mid,
	COALESCE((SELECT cur FROM vm), false) AS cur, COALESCE((SELECT fac FROM vm), false) AS fac)`

const feedSharers = `,
sharers AS (
	SELECT a.id FROM memberships a
	WHERE a.group_id = $3 AND a.left_at IS NULL AND EXISTS (
		SELECT 1 FROM group_sharing_consents c
		WHERE c.membership_id = a.id AND c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > $4::timestamptz))
),
mine AS (SELECT id FROM memberships WHERE user_id = (SELECT id FROM me))`

// feedReadable: PRIVATE for the author only; FACILITATORS for the author and the group's
// current facilitators; GROUP also for its current members while the author shares.
const feedReadable = `r.group_id = $3 AND r.deleted_at IS NULL AND (
	r.user_id = v.me
	OR (v.fac AND r.visibility IN ('FACILITATORS', 'GROUP'))
	OR (v.cur AND r.visibility = 'GROUP' AND r.author_id IN (SELECT id FROM sharers)))`

var (
	feedGroupSQL = feedViewer + feedSharers + `
SELECT g.id, g.name, g.time_zone, (SELECT count(*) FROM reflections r WHERE ` + feedReadable + `)
FROM groups g, v
WHERE g.id = $3 AND EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = g.id AND m.user_id = v.me)`

	// Memberships are shown to those currently in the group (and one's own, and all of a
	// group one facilitates); the operation lists the current ones.
	feedMembersSQL = feedViewer + `
SELECT m.id, m.display_name, m.role, m.joined_at FROM memberships m, v
WHERE m.group_id = $3 AND m.left_at IS NULL AND (v.cur OR v.fac OR m.user_id = v.me)
ORDER BY m.role, m.joined_at`

	// The page, with the accounting of the reads it shows: one row per reflection of someone
	// else, with the reader's membership of the group. Encouragement counts as the viewer
	// sees it: all of it for a facilitator, else without what a facilitator hid, and without
	// what the viewer reported on their own reflections; their own always.
	feedPageSQL = feedViewer + feedSharers + `,
page AS (
	SELECT r.id, r.client_id, r.body, r.mood, r.craving, r.prompt, r.visibility, r.version, r.created_at, r.updated_at, r.user_id, r.author_id
	FROM reflections r, v WHERE ` + feedReadable + `
	ORDER BY r.created_at DESC, r.id DESC LIMIT $5::int + 1
),
shown AS (SELECT * FROM page ORDER BY created_at DESC, id DESC LIMIT $5::int),
reads AS (
	INSERT INTO reflection_reads (author_user_id, read_at, reader_id, reflection_id)
	SELECT s.user_id, $4::timestamptz, v.mid, s.id FROM shown s, v WHERE s.user_id <> v.me
)
SELECT s.id, s.client_id::text, s.body, s.mood, s.craving, s.prompt, s.visibility, s.version, s.created_at, s.updated_at,
	a.id, a.display_name, a.role,
	(SELECT count(*) FROM encouragements e WHERE e.reflection_id = s.id AND (v.fac OR e.sender_id IN (SELECT id FROM mine)
		OR (e.hidden_at IS NULL AND (e.reported_at IS NULL OR s.user_id <> v.me)))),
	EXISTS (SELECT 1 FROM encouragements e WHERE e.reflection_id = s.id AND e.sender_id IN (SELECT id FROM mine)),
	(SELECT count(*) FROM page) > $5::int
FROM shown s JOIN memberships a ON a.id = s.author_id, v
ORDER BY s.created_at DESC, s.id DESC`
)

type feedGroup struct {
	Typename    string               `json:"__typename"`
	ID          int                  `json:"id,string"`
	Name        string               `json:"name"`
	TimeZone    string               `json:"timeZone"`
	Memberships []membershipOut      `json:"memberships"`
	Reflections reflectionConnection `json:"reflections"`
}

// groupFeed is GroupFeed: a group, its current members and a page of the reflections the
// viewer may read, newest first.
func (r *reference) groupFeed(ctx context.Context, v viewerOf, raw json.RawMessage) (any, error) {
	var vars struct {
		GroupID gqlID `json:"groupID"`
		First   *int  `json:"first"`
		After   *string
	}
	if err := decodeVars(raw, &vars); err != nil {
		return nil, err
	}
	first, err := firstPage(vars.First, vars.After)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	gid := int(vars.GroupID)
	b := &pgx.Batch{}
	b.Queue(feedGroupSQL, v.uid, v.therapist, gid, now)
	b.Queue(feedMembersSQL, v.uid, v.therapist, gid)
	b.Queue(feedPageSQL, v.uid, v.therapist, gid, now, first)
	var g *feedGroup
	err = r.batch(ctx, b, func(br pgx.BatchResults) error {
		var fg feedGroup
		err := br.QueryRow().Scan(&fg.ID, &fg.Name, &fg.TimeZone, &fg.Reflections.TotalCount)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // not the viewer's to see: node is null
		}
		if err != nil {
			return err
		}
		g = &fg
		g.Typename = "Group"
		rows, _ := br.Query()
		g.Memberships, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (membershipOut, error) {
			var m membershipOut
			var joined time.Time
			err := row.Scan(&m.ID, &m.DisplayName, &m.Role, &joined)
			m.JoinedAt = gqlTime(joined)
			return m, err
		})
		if err != nil {
			return err
		}
		g.Reflections.Edges = make([]reflectionEdge, 0, first)
		rows, _ = br.Query()
		for rows.Next() {
			var n reflectionOut
			if err := r.scanReflection(rows, &n, &g.Reflections.PageInfo.HasNextPage); err != nil {
				rows.Close()
				return err
			}
			g.Reflections.Edges = append(g.Reflections.Edges, reflectionEdge{Cursor: cursor(n.ID, time.Time(n.CreatedAt)), Node: &n})
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	if g != nil {
		endCursor(&g.Reflections)
	}
	return struct {
		Node *feedGroup `json:"node"`
	}{g}, nil
}

// endCursor sets the connection's end cursor: the last edge's.
func endCursor(c *reflectionConnection) {
	if n := len(c.Edges); n > 0 {
		c.PageInfo.EndCursor = c.Edges[n-1].Cursor
	}
}

// scanReflection reads a row of ReflectionFields (id … updated_at, the author, the
// encouragement count, whether the viewer encouraged it) followed by extra columns, and
// opens its sealed columns.
func (r *reference) scanReflection(rows pgx.Rows, n *reflectionOut, extra ...any) error {
	var body string
	var prompt *string
	var created, updated time.Time
	dest := []any{&n.ID, &n.ClientID, &body, &n.Mood, &n.Craving, &prompt, &n.Visibility, &n.Version, &created, &updated,
		&n.Author.ID, &n.Author.DisplayName, &n.Author.Role, &n.EncouragementCount, &n.ViewerHasEncouraged}
	if err := rows.Scan(append(dest, extra...)...); err != nil {
		return err
	}
	n.CreatedAt, n.UpdatedAt = gqlTime(created), gqlTime(updated)
	var err error
	if n.Body, err = r.keys.Decrypt(body, "reflections.body"); err != nil {
		return err
	}
	n.Prompt, err = r.open(prompt, "reflections.prompt")
	return err
}

// The viewer's memberships: which groups they facilitate (current, FACILITATOR, with the
// therapist role) and which they are currently in.
const viewerMemberships = `WITH me AS (SELECT id FROM users WHERE firebase_uid = $1),
mine AS (
	SELECT m.id, m.group_id, m.left_at IS NULL AS cur, (m.left_at IS NULL AND m.role = 'FACILITATOR' AND $2::boolean) AS fac
	FROM memberships m WHERE m.user_id = (SELECT id FROM me)
)`

var (
	myCountSQL = `WITH me AS (SELECT id FROM users WHERE firebase_uid = $1)
SELECT me.id, (SELECT count(*) FROM reflections r WHERE r.user_id = me.id AND r.deleted_at IS NULL) FROM me`

	myPageSQL = viewerMemberships + `,
page AS (
	SELECT r.id, r.client_id, r.body, r.mood, r.craving, r.prompt, r.visibility, r.version, r.created_at, r.updated_at, r.user_id, r.author_id, r.group_id
	FROM reflections r WHERE r.user_id = (SELECT id FROM me) AND r.deleted_at IS NULL
	ORDER BY r.created_at DESC, r.id DESC LIMIT $3::int + 1
)
SELECT p.id, p.client_id::text, p.body, p.mood, p.craving, p.prompt, p.visibility, p.version, p.created_at, p.updated_at,
	a.id, a.display_name, a.role,
	(SELECT count(*) FROM encouragements e WHERE e.reflection_id = p.id AND (
		p.group_id IN (SELECT group_id FROM mine WHERE fac) OR e.sender_id IN (SELECT id FROM mine)
		OR (e.hidden_at IS NULL AND (e.reported_at IS NULL OR p.user_id <> (SELECT id FROM me))))),
	EXISTS (SELECT 1 FROM encouragements e WHERE e.reflection_id = p.id AND e.sender_id IN (SELECT id FROM mine)),
	g.id, g.name
FROM page p JOIN memberships a ON a.id = p.author_id JOIN groups g ON g.id = p.group_id
ORDER BY p.created_at DESC, p.id DESC`
)

type viewerReflections struct {
	ID          int                  `json:"id,string"`
	Reflections reflectionConnection `json:"reflections"`
}

// myReflections is MyReflections: the viewer's own reflections, newest first.
func (r *reference) myReflections(ctx context.Context, v viewerOf, raw json.RawMessage) (any, error) {
	var vars struct {
		First *int `json:"first"`
		After *string
	}
	if err := decodeVars(raw, &vars); err != nil {
		return nil, err
	}
	first, err := firstPage(vars.First, vars.After)
	if err != nil {
		return nil, err
	}
	b := &pgx.Batch{}
	b.Queue(myCountSQL, v.uid)
	b.Queue(myPageSQL, v.uid, v.therapist, first)
	var out viewerReflections
	out.Reflections.Edges = make([]reflectionEdge, 0, first)
	err = r.batch(ctx, b, func(br pgx.BatchResults) error {
		if err := br.QueryRow().Scan(&out.ID, &out.Reflections.TotalCount); err != nil {
			return err
		}
		rows, _ := br.Query()
		for rows.Next() {
			var n reflectionOut
			var g groupName
			if err := r.scanReflection(rows, &n, &g.ID, &g.Name); err != nil {
				rows.Close()
				return err
			}
			n.Group = g
			out.Reflections.Edges = append(out.Reflections.Edges, reflectionEdge{Cursor: cursor(n.ID, time.Time(n.CreatedAt)), Node: &n})
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	if len(out.Reflections.Edges) > first {
		out.Reflections.Edges = out.Reflections.Edges[:first]
		out.Reflections.PageInfo.HasNextPage = true
	}
	endCursor(&out.Reflections)
	return struct {
		Viewer viewerReflections `json:"viewer"`
	}{out}, nil
}

// receivedReadable: encouragement on the viewer's own (not deleted) reflections, except what
// a facilitator hid and what they reported, unless they facilitate the group or sent it.
const receivedReadable = `r.user_id = (SELECT id FROM me) AND r.deleted_at IS NULL AND (
	r.group_id IN (SELECT group_id FROM mine WHERE fac) OR e.sender_id IN (SELECT id FROM mine)
	OR (e.hidden_at IS NULL AND (e.reported_at IS NULL OR r.user_id <> (SELECT id FROM me))))`

var (
	receivedCountSQL = viewerMemberships + `
SELECT (SELECT id FROM me), count(*) FROM encouragements e JOIN reflections r ON r.id = e.reflection_id
WHERE ` + receivedReadable

	// The sender is shown to those who share a group with them now (or facilitate it).
	receivedPageSQL = viewerMemberships + `
SELECT e.id, e.kind, e.message, e.created_at, e.reflection_id, s.id, s.display_name,
	COALESCE(s.user_id = (SELECT id FROM me) OR s.group_id IN (SELECT group_id FROM mine WHERE fac)
		OR (s.left_at IS NULL AND s.group_id IN (SELECT group_id FROM mine WHERE cur)), false)
FROM encouragements e JOIN reflections r ON r.id = e.reflection_id LEFT JOIN memberships s ON s.id = e.sender_id
WHERE ` + receivedReadable + `
ORDER BY e.created_at DESC, e.id DESC LIMIT $3::int + 1`
)

type senderOut struct {
	ID          int    `json:"id,string"`
	DisplayName string `json:"displayName"`
}

type receivedNode struct {
	ID         int        `json:"id,string"`
	Kind       string     `json:"kind"`
	Message    *string    `json:"message"`
	CreatedAt  gqlTime    `json:"createdAt"`
	Sender     *senderOut `json:"sender"`
	Reflection groupID    `json:"reflection"`
}

type receivedEdge struct {
	Node *receivedNode `json:"node"`
}

type receivedConnection struct {
	TotalCount int            `json:"totalCount"`
	PageInfo   pageInfo       `json:"pageInfo"`
	Edges      []receivedEdge `json:"edges"`
}

// encouragementReceived is EncouragementReceived: encouragement on the viewer's reflections,
// newest first.
func (r *reference) encouragementReceived(ctx context.Context, v viewerOf, raw json.RawMessage) (any, error) {
	var vars struct {
		First *int `json:"first"`
		After *string
	}
	if err := decodeVars(raw, &vars); err != nil {
		return nil, err
	}
	first, err := firstPage(vars.First, vars.After)
	if err != nil {
		return nil, err
	}
	b := &pgx.Batch{}
	b.Queue(receivedCountSQL, v.uid, v.therapist)
	b.Queue(receivedPageSQL, v.uid, v.therapist, first)
	var out struct {
		ID       int                `json:"id,string"`
		Received receivedConnection `json:"encouragementReceived"`
	}
	out.Received.Edges = make([]receivedEdge, 0, first)
	var last time.Time
	err = r.batch(ctx, b, func(br pgx.BatchResults) error {
		if err := br.QueryRow().Scan(&out.ID, &out.Received.TotalCount); err != nil {
			return err
		}
		rows, _ := br.Query()
		for rows.Next() {
			var n receivedNode
			var message *string
			var created time.Time
			var sid *int
			var sname *string
			var visible bool
			if err := rows.Scan(&n.ID, &n.Kind, &message, &created, &n.Reflection.ID, &sid, &sname, &visible); err != nil {
				rows.Close()
				return err
			}
			n.CreatedAt = gqlTime(created)
			if sid != nil && visible {
				n.Sender = &senderOut{ID: *sid, DisplayName: *sname}
			}
			var err error
			if n.Message, err = r.open(message, "encouragements.message"); err != nil {
				rows.Close()
				return err
			}
			if len(out.Received.Edges) < first {
				last = created
			}
			out.Received.Edges = append(out.Received.Edges, receivedEdge{Node: &n})
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	if len(out.Received.Edges) > first {
		out.Received.Edges = out.Received.Edges[:first]
		out.Received.PageInfo.HasNextPage = true
	}
	if n := len(out.Received.Edges); n > 0 {
		out.Received.PageInfo.EndCursor = cursor(out.Received.Edges[n-1].Node.ID, last)
	}
	return struct {
		Viewer any `json:"viewer"`
	}{out}, nil
}

// The next sessions of the viewer's current groups that have not started, not cancelled.
const upcomingSQL = `WITH me AS (SELECT id FROM users WHERE firebase_uid = $1)
SELECT me.id, s.id, s.starts_at, s.ends_at, s.status, s.location, g.id, g.name, g.time_zone
FROM me LEFT JOIN LATERAL (
	SELECT gs.id, gs.starts_at, gs.ends_at, gs.status, gs.location, gs.group_id FROM group_sessions gs
	WHERE gs.status = 'SCHEDULED' AND gs.starts_at > $2::timestamptz
		AND gs.group_id IN (SELECT m.group_id FROM memberships m WHERE m.user_id = me.id AND m.left_at IS NULL)
	ORDER BY gs.starts_at, gs.id LIMIT $3::int
) s ON true
LEFT JOIN groups g ON g.id = s.group_id
ORDER BY s.starts_at, s.id`

type sessionOut struct {
	ID       int     `json:"id,string"`
	StartsAt gqlTime `json:"startsAt"`
	EndsAt   gqlTime `json:"endsAt"`
	Status   string  `json:"status"`
	Location *string `json:"location"`
	Group    struct {
		ID       int    `json:"id,string"`
		Name     string `json:"name"`
		TimeZone string `json:"timeZone"`
	} `json:"group"`
}

// upcomingSessions is UpcomingSessions: the next sessions of the viewer's groups.
func (r *reference) upcomingSessions(ctx context.Context, v viewerOf, raw json.RawMessage) (any, error) {
	var vars struct {
		First *int `json:"first"`
	}
	if err := decodeVars(raw, &vars); err != nil {
		return nil, err
	}
	first := 10
	if vars.First != nil {
		if first = *vars.First; first < 1 || first > 100 {
			return nil, fail("BAD_USER_INPUT", "first must be between 1 and 100")
		}
	}
	var out struct {
		ID       int          `json:"id,string"`
		Sessions []sessionOut `json:"upcomingSessions"`
	}
	out.Sessions = make([]sessionOut, 0, first)
	r.statements.Add(1)
	rows, _ := r.pool.Query(ctx, upcomingSQL, v.uid, time.Now().UTC(), first)
	for rows.Next() {
		var sid *int
		var s sessionOut
		var starts, ends *time.Time
		var status, name, zone *string
		var gid *int
		if err := rows.Scan(&out.ID, &sid, &starts, &ends, &status, &s.Location, &gid, &name, &zone); err != nil {
			rows.Close()
			return nil, err
		}
		if sid == nil {
			continue
		}
		s.ID, s.StartsAt, s.EndsAt, s.Status = *sid, gqlTime(*starts), gqlTime(*ends), *status
		s.Group.ID, s.Group.Name, s.Group.TimeZone = *gid, *name, *zone
		out.Sessions = append(out.Sessions, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if out.ID == 0 {
		return nil, fail("UNAUTHENTICATED", "no member record")
	}
	return struct {
		Viewer any `json:"viewer"`
	}{out}, nil
}

// A reflection written as the viewer, through their current membership of the group (held
// until the statement ends, as the API holds it until commit), with their consent in force
// when it is shared with the group; a client id used before writes nothing.
const createReflectionSQL = `WITH me AS (SELECT id FROM users WHERE firebase_uid = $1),
author AS (
	SELECT m.id, m.display_name, m.role FROM memberships m
	WHERE m.user_id = (SELECT id FROM me) AND m.group_id = $2 AND m.left_at IS NULL
	FOR SHARE
),
allowed AS (
	SELECT a.id, a.display_name, a.role FROM author a
	WHERE $8::text <> 'GROUP' OR EXISTS (
		SELECT 1 FROM group_sharing_consents c
		WHERE c.membership_id = a.id AND c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > $11::timestamptz))
),
ins AS (
	INSERT INTO reflections (created_at, updated_at, client_id, body, mood, craving, prompt, visibility, version,
		needs_attention, create_digest, group_id, author_id, user_id)
	SELECT $11::timestamptz, $11::timestamptz, $3::uuid, $4, $5, $6, $7::text, $8::text, 1, $9::boolean, $10, $2, a.id, (SELECT id FROM me)
	FROM allowed a
	ON CONFLICT (user_id, client_id) DO NOTHING
	RETURNING id, version, created_at, updated_at
)
SELECT i.id, i.version, i.created_at, i.updated_at, a.id, a.display_name, a.role FROM ins i, allowed a`

type crisisOut struct {
	Name  string  `json:"name"`
	Phone *string `json:"phone"`
	SMS   *string `json:"sms"`
	URL   *string `json:"url"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// createReflection is CreateReflection, for a new client id (a retry, or a client id used
// for something else, is refused: the benchmark never sends one).
func (r *reference) createReflection(ctx context.Context, v viewerOf, raw json.RawMessage) (any, error) {
	var vars struct {
		Input struct {
			ClientID   string  `json:"clientID"`
			GroupID    gqlID   `json:"groupID"`
			Body       string  `json:"body"`
			Mood       int     `json:"mood"`
			Craving    int     `json:"craving"`
			Prompt     *string `json:"prompt"`
			Visibility *string `json:"visibility"`
		} `json:"input"`
	}
	if err := decodeVars(raw, &vars); err != nil {
		return nil, err
	}
	in := vars.Input
	clientID, err := uuid.Parse(in.ClientID)
	vis := "PRIVATE"
	if in.Visibility != nil {
		vis = *in.Visibility
	}
	switch {
	case err != nil || clientID == uuid.Nil:
		return nil, fail("BAD_USER_INPUT", "clientID must be a UUID")
	case strings.TrimSpace(in.Body) == "" || utf8.RuneCountInString(in.Body) > 10000:
		return nil, fail("BAD_USER_INPUT", "body must be 1 to 10000 characters")
	case in.Mood < 1 || in.Mood > 10 || in.Craving < 0 || in.Craving > 10:
		return nil, fail("BAD_USER_INPUT", "mood is 1 to 10, craving 0 to 10")
	case in.Prompt != nil && utf8.RuneCountInString(*in.Prompt) > 500:
		return nil, fail("BAD_USER_INPUT", "prompt is at most 500 characters")
	case vis != "PRIVATE" && vis != "FACILITATORS" && vis != "GROUP":
		return nil, fail("BAD_USER_INPUT", "visibility")
	}
	gid := int(in.GroupID)
	sealedBody, err := r.keys.Encrypt(in.Body, "reflections.body")
	if err != nil {
		return nil, err
	}
	var sealedPrompt *string
	if in.Prompt != nil {
		p, err := r.keys.Encrypt(*in.Prompt, "reflections.prompt")
		if err != nil {
			return nil, err
		}
		sealedPrompt = &p
	}
	attention := r.detector.Detect(in.Body)
	digest := createDigest(r.keys, clientID, gid, in.Body, in.Mood, in.Craving, in.Prompt, reflection.Visibility(vis))
	now := time.Now().UTC().Truncate(time.Microsecond)
	n := reflectionOut{ClientID: clientID.String(), Body: in.Body, Mood: in.Mood, Craving: in.Craving, Prompt: in.Prompt, Visibility: vis}
	if n.Prompt != nil && *n.Prompt == "" {
		n.Prompt = nil
	}
	var created, updated time.Time
	r.statements.Add(1)
	err = r.pool.QueryRow(ctx, createReflectionSQL, v.uid, gid, clientID.String(), sealedBody, in.Mood, in.Craving, sealedPrompt, vis, attention, digest, now).
		Scan(&n.ID, &n.Version, &created, &updated, &n.Author.ID, &n.Author.DisplayName, &n.Author.Role)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fail("CONFLICT", "not written: not a current member of the group, no consent to share with it, or clientID already used")
	}
	if err != nil {
		return nil, err
	}
	n.CreatedAt, n.UpdatedAt = gqlTime(created), gqlTime(updated)
	n.Group = groupID{ID: gid}
	resources := []crisisOut{}
	if attention {
		for _, c := range r.detector.Resources("", "") {
			resources = append(resources, crisisOut{Name: c.Name, Phone: optional(c.Phone), SMS: optional(c.SMS), URL: optional(c.URL)})
		}
	}
	return struct {
		CreateReflection struct {
			Reflection      *reflectionOut `json:"reflection"`
			CrisisResources []crisisOut    `json:"crisisResources"`
		} `json:"createReflection"`
	}{CreateReflection: struct {
		Reflection      *reflectionOut `json:"reflection"`
		CrisisResources []crisisOut    `json:"crisisResources"`
	}{&n, resources}}, nil
}

// Encouragement sent as the viewer, through their current membership of the reflection's
// group (held until commit), on a reflection they may read and did not write; one per sender
// and reflection. The count is what the viewer sees on it, the new one included (the
// statement's own insert is not in its snapshot).
const sendEncouragementSQL = `WITH me AS (SELECT id FROM users WHERE firebase_uid = $1),
r AS (
	SELECT r.id, r.group_id, r.user_id FROM reflections r
	WHERE r.id = $2 AND r.deleted_at IS NULL AND r.user_id <> (SELECT id FROM me) AND (
		(r.visibility IN ('FACILITATORS', 'GROUP') AND $3::boolean AND EXISTS (
			SELECT 1 FROM memberships f WHERE f.group_id = r.group_id AND f.user_id = (SELECT id FROM me)
				AND f.left_at IS NULL AND f.role = 'FACILITATOR'))
		OR (r.visibility = 'GROUP'
			AND EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = r.group_id AND m.user_id = (SELECT id FROM me) AND m.left_at IS NULL)
			AND EXISTS (SELECT 1 FROM memberships a JOIN group_sharing_consents c ON c.membership_id = a.id
				WHERE a.id = r.author_id AND a.left_at IS NULL AND c.revoked_at IS NULL
					AND (c.expires_at IS NULL OR c.expires_at > $4::timestamptz))))
),
sender AS (
	SELECT m.id, m.display_name, m.role FROM memberships m, r
	WHERE m.user_id = (SELECT id FROM me) AND m.group_id = r.group_id AND m.left_at IS NULL
	FOR SHARE OF m
),
ins AS (
	INSERT INTO encouragements (created_at, updated_at, client_id, kind, message, sender_id, reflection_id)
	SELECT $4::timestamptz, $4::timestamptz, $5::uuid, $6::text, $7::text, s.id, r.id FROM sender s, r
	ON CONFLICT DO NOTHING
	RETURNING id, created_at
)
SELECT i.id, i.created_at, s.id, s.display_name, r.id, r.user_id,
	1 + (SELECT count(*) FROM encouragements e WHERE e.reflection_id = r.id AND (
		(s.role = 'FACILITATOR' AND $3::boolean)
		OR e.sender_id IN (SELECT id FROM memberships WHERE user_id = (SELECT id FROM me))
		OR (e.hidden_at IS NULL AND (e.reported_at IS NULL OR r.user_id <> (SELECT id FROM me)))))
FROM ins i, sender s, r`

type sentOut struct {
	ID         int       `json:"id,string"`
	ClientID   string    `json:"clientID"`
	Kind       string    `json:"kind"`
	Message    *string   `json:"message"`
	CreatedAt  gqlTime   `json:"createdAt"`
	Sender     senderOut `json:"sender"`
	Reflection struct {
		ID                  int  `json:"id,string"`
		EncouragementCount  int  `json:"encouragementCount"`
		ViewerHasEncouraged bool `json:"viewerHasEncouraged"`
	} `json:"reflection"`
}

var kinds = map[string]bool{"HEART": true, "HUG": true, "STRENGTH": true, "RELATE": true, "PROUD": true}

// sendEncouragement is SendEncouragement, for a new client id on a reflection the viewer has
// not encouraged yet (the benchmark never sends another), with its push queued in the same
// transaction, as the API queues it.
func (r *reference) sendEncouragement(ctx context.Context, v viewerOf, raw json.RawMessage) (any, error) {
	var vars struct {
		Input struct {
			ClientID     string  `json:"clientID"`
			ReflectionID gqlID   `json:"reflectionID"`
			Kind         string  `json:"kind"`
			Message      *string `json:"message"`
		} `json:"input"`
	}
	if err := decodeVars(raw, &vars); err != nil {
		return nil, err
	}
	in := vars.Input
	clientID, err := uuid.Parse(in.ClientID)
	switch {
	case err != nil || clientID == uuid.Nil:
		return nil, fail("BAD_USER_INPUT", "clientID must be a UUID")
	case !kinds[in.Kind]:
		return nil, fail("BAD_USER_INPUT", "kind")
	case in.Message != nil && utf8.RuneCountInString(*in.Message) > 280:
		return nil, fail("BAD_USER_INPUT", "message is at most 280 characters")
	}
	var sealedMessage *string
	out := sentOut{ClientID: clientID.String(), Kind: in.Kind}
	if in.Message != nil {
		m, err := r.keys.Encrypt(*in.Message, "encouragements.message")
		if err != nil {
			return nil, err
		}
		sealedMessage, out.Message = &m, optional(*in.Message)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	err = pgx.BeginFunc(ctx, r.pool, func(tx pgx.Tx) error {
		var created time.Time
		var recipient int
		r.statements.Add(1)
		err := tx.QueryRow(ctx, sendEncouragementSQL, v.uid, int(in.ReflectionID), v.therapist, now, clientID.String(), in.Kind, sealedMessage).
			Scan(&out.ID, &created, &out.Sender.ID, &out.Sender.DisplayName, &out.Reflection.ID, &recipient, &out.Reflection.EncouragementCount)
		if errors.Is(err, pgx.ErrNoRows) {
			return fail("NOT_FOUND", "reflection not found, not yours to encourage, or encouraged already")
		}
		if err != nil {
			return err
		}
		out.CreatedAt = gqlTime(created)
		out.Reflection.ViewerHasEncouraged = true
		r.statements.Add(1)
		_, err = r.river.InsertTx(ctx, tx, remind.EncouragementArgs{EncouragementID: out.ID, UserID: recipient}, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	return struct {
		Sent sentOut `json:"sendEncouragement"`
	}{out}, nil
}
