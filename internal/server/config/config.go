// Package config reads the server's settings from the environment. Every setting is listed
// once, in Settings, with its default and a description: `--help` prints that list, and the
// README's configuration table mirrors it.
package config

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/processgroup/api/internal/graphql/limits"
	"github.com/processgroup/api/internal/platform/telemetry"
)

// Setting is one environment variable the server reads.
type Setting struct {
	Name        string
	Default     string
	Description string
}

// Settings lists every environment variable the server reads.
var Settings = []Setting{
	{"LISTEN_ADDR", "127.0.0.1:8080", "address the HTTP server listens on"},
	{"DATABASE_URL", "sqlite:./data/processgroup.db", "sqlite:PATH for an embedded SQLite file, or postgres://user@host:5432/db?sslmode=… for PostgreSQL"},
	{"DATABASE_MAX_CONNS", "20", "PostgreSQL: most connections this server opens for the API (the notification workers have their own pool); SQLite uses one"},
	{"APP_ENV", "production with a real Firebase project, else development", "development or production; production turns off GraphiQL and introspection and refuses demo mode"},
	{"FIREBASE_PROJECT_ID", "", "Firebase project whose ID tokens are accepted; empty means local demo mode (project demo-processgroup, a built-in emulator, seeded demo users)"},
	{"FIREBASE_AUTH_EMULATOR_HOST", "", "host:port of a Firebase Auth Emulator; accepted only with a demo- project (it turns off token signature checks)"},
	{"GOOGLE_APPLICATION_CREDENTIALS", "", "path of a Firebase service-account JSON file; empty means Google application default credentials"},
	{"AUTH_CACHE_TTL", "60s", "how long a verified ID token is remembered (0 verifies every request); a user disabled, deleted or revoked in Firebase directly loses access within this time; signOutEverywhere and deleteAccount take effect at the next request on every server"},
	{"AUTH_TIMEOUT", "5s", "how long verifying a token with Firebase may take (the Admin SDK retries 503s and network errors within it); past it the request answers UNAVAILABLE"},
	{"ENCRYPTION_KEYS", "", "data-encryption keys, \"id:base64-32-bytes\" comma-separated, the first one current (see `api new-key`); required in production"},
	{"ENCRYPTION_KEY_FILE", "beside the SQLite file", "a file holding ENCRYPTION_KEYS; outside production it is created (0600) with a fresh key if missing"},
	{"PROGRAM_NAME", "your treatment program", "the treatment program's name, as the consent to share names it"},
	{"DEMO_SEED", "true in demo mode", "seed the demo group and users at start (true/false)"},
	{"DEMO_TOKEN_TTL", "720h", "how long the demo sign-in tokens printed at start stay valid"},
	{"MAX_QUERY_DEPTH", itoa(limits.DefaultConfig().MaxDepth), "deepest field nesting an operation may have (the app needs 7; Group.memberships ↔ Membership.group cycles multiply below that)"},
	{"MAX_ALIASES", itoa(limits.DefaultConfig().MaxAliases), "most aliased fields in one operation"},
	{"MAX_DIRECTIVES", itoa(limits.DefaultConfig().MaxDirectives), "most directive uses in one operation"},
	{"MAX_TOKENS", itoa(limits.DefaultConfig().MaxTokens), "most lexical tokens in one document"},
	{"MAX_COMPLEXITY", itoa(limits.DefaultConfig().MaxComplexity), "highest cost of one operation (connections cost their page size times their contents)"},
	{"MAX_FIELDS", itoa(limits.DefaultConfig().MaxFields), "most fields in one document, fragments counted at each use; checked before validation"},
	{"MAX_SELECTIONS", itoa(limits.DefaultConfig().MaxSelections), "most fields in one selection set, with the fragments it spreads; checked before validation"},
	{"MAX_REPEATED_FIELDS", itoa(limits.DefaultConfig().MaxRepeatedFields), "most fields in one document that repeat a name of their selection set (they make validation quadratic); checked before validation"},
	{"MAX_BODY_BYTES", "1048576", "largest request body"},
	{"ALLOW_RAW_DOCUMENTS", "false", "production: also run documents sent whole or registered by hash (Automatic Persisted Queries), e.g. for an administration tool (true/false). Off, production runs only the app's trusted documents (internal/graphql/persisted/manifest.json) and refuses anything else before parsing it; development always runs both"},
	{"APQ_CACHE_SIZE", "1000", "documents registered by hash (Automatic Persisted Queries) this server remembers, least recently used forgotten first; used in development and with ALLOW_RAW_DOCUMENTS"},
	{"RATE_MUTATIONS_PER_MINUTE", itoa(limits.DefaultMutationRate().PerMinute), "mutation fields one signed-in member may run per minute (burst a third of it)"},
	{"RATE_ANONYMOUS_PER_MINUTE", itoa(limits.DefaultAnonymousRate().PerMinute), "requests without a valid token one address may make per minute (burst a third of it)"},
	{"RATE_DOCUMENTS_PER_MINUTE", itoa(limits.DefaultDocumentRate().PerMinute), "documents the server has not validated before (not the app's, once seen) one signed-in member may send per minute (burst a third of it)"},
	{"REDIS_URL", "", "redis://[user:password@]host:6379/0 (rediss:// for TLS): the mutation, anonymous and document rate limits are then shared by every server using it; empty: each server limits on its own. While Redis cannot be reached each server falls back to its own limits and logs a warning"},
	{"REDIS_KEY_PREFIX", "processgroup:", "start of this deployment's rate-limit keys in Redis (several deployments may share one Redis)"},
	{"TRUSTED_PROXIES", "", "comma-separated CIDRs of the proxies and load balancers in front of the server; a request from one of them is limited by the right-most X-Forwarded-For address that is not a trusted proxy. Empty: X-Forwarded-For is ignored and the TCP peer is the client"},
	{"FCM_ENDPOINT", "", "base URL of a fake Firebase Cloud Messaging server (tests); accepted only with a demo- project. Demo mode without it logs pushes instead of sending them"},
	{"JOB_WORKERS", "20", "notification jobs this server runs at once; 0 runs none here (an API-only server: other servers on the same PostgreSQL send)"},
	{"JOB_POLL_INTERVAL", "1s", "how often workers look for due notification jobs"},
	{"JOB_TIMEOUT", "10s", "how long a notification job may work up to its send (loading, claiming, sending to Firebase) before it is cancelled"},
	{"JOB_RESCUE_AFTER", "20s", "how long a notification job may stay running before another server takes its server for dead and runs it again (River's rescuer, every 30 s); at least JOB_TIMEOUT + 2s; with the default a crashed server's notifications go out within a minute"},
	{"SESSION_HORIZON", "672h", "how far ahead (28 days) weekly schedules produce sessions and their reminders"},
	{"WS_MAX_CONNECTIONS_PER_MEMBER", "5", "live (graphql-transport-ws) connections one member may hold open on one server; one more is closed with 4429"},
	{"WS_MAX_SUBSCRIPTIONS", "10", "subscriptions one live connection may run at once; one more is answered RATE_LIMITED"},
	{"WS_MAX_MESSAGE_BYTES", "65536", "largest message a client may send over a live connection; a larger one closes it (1009)"},
	{"WS_BUFFER", "64", "events waiting for one subscription at most; a subscriber that falls further behind is ended with RESYNC (refetch, then subscribe again)"},
	{"WS_WRITE_TIMEOUT", "10s", "how long writing one message to a live connection may take before the connection is dropped (a reader that stopped reading)"},
	{"WS_INIT_TIMEOUT", "10s", "how long a new live connection may take to send connection_init before it is closed (4408)"},
	{"WS_PING_INTERVAL", "20s", "how often the server pings a live connection; one that does not answer within twice this is closed"},
	{"METRICS_ADDR", "", "address of a separate listener serving Prometheus metrics at /metrics (e.g. 127.0.0.1:9090; keep it off the public network); empty: no metrics listener"},
	{"OTEL_EXPORTER_OTLP_ENDPOINT", "", "base URL of an OTLP/HTTP receiver (e.g. http://otel-collector:4318): traces are exported to it (at /v1/traces); empty (and no OTEL_EXPORTER_OTLP_TRACES_ENDPOINT): no traces, a no-op tracer. The exporter also honours the standard OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT, _COMPRESSION, _CERTIFICATE and OTEL_TRACES_SAMPLER"},
	{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "", "full URL traces are posted to (e.g. http://otel-collector:4318/v1/traces); wins over OTEL_EXPORTER_OTLP_ENDPOINT"},
	{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf", "OTLP protocol; only http/protobuf is supported (grpc is refused at start)"},
	{"OTEL_SERVICE_NAME", "processgroup-api", "service.name of the traces' resource (OTEL_RESOURCE_ATTRIBUTES adds more)"},
	{"LOG_LEVEL", "info", "debug, info, warn or error"},
	{"SHUTDOWN_TIMEOUT", "20s", "how long SIGTERM waits for in-flight requests"},
}

// itoa writes a default taken from the package that owns it.
func itoa(n int) string { return strconv.Itoa(n) }

// Config is the server's configuration.
type Config struct {
	ListenAddr        string
	DatabaseURL       string
	DatabaseMaxConns  int
	Production        bool
	FirebaseProjectID string
	AuthEmulatorHost  string
	CredentialsFile   string
	Demo              bool
	DemoSeed          bool
	DemoTokenTTL      time.Duration
	AuthCacheTTL      time.Duration
	AuthTimeout       time.Duration
	ProgramName       string
	EncryptionKeys    string
	EncryptionKeyFile string
	// Limits of one request, and rates.
	MaxQueryDepth, MaxAliases, MaxDirectives, MaxTokens, MaxComplexity int
	MaxFields, MaxSelections, MaxRepeatedFields                        int
	MaxBodyBytes                                                       int64
	// AllowRawDocuments lets production run documents other than the trusted ones
	// (ALLOW_RAW_DOCUMENTS); APQCacheSize bounds the documents registered by hash.
	AllowRawDocuments                              bool
	APQCacheSize                                   int
	RateMutationsPerMinute, RateAnonymousPerMinute int
	RateDocumentsPerMinute                         int
	// TrustedProxies are the proxies whose X-Forwarded-For names the client (anonymous rate).
	TrustedProxies limits.TrustedProxies
	// RedisURL, if set, is the Redis that shares the rate limits between servers; its keys
	// start with RedisKeyPrefix.
	RedisURL, RedisKeyPrefix string
	LogLevel                 string
	ShutdownTimeout          time.Duration
	// Notifications.
	FCMEndpoint    string
	JobWorkers     int
	JobPoll        time.Duration
	JobTimeout     time.Duration
	JobRescueAfter time.Duration
	SessionHorizon time.Duration
	// Live connections (graphql-transport-ws).
	WSMaxConnectionsPerMember, WSMaxSubscriptions, WSBuffer int
	WSMaxMessageBytes                                       int64
	WSWriteTimeout, WSInitTimeout, WSPingInterval           time.Duration
	// MetricsAddr is the address of the Prometheus listener; empty: none.
	MetricsAddr string
	// Tracing is the OTLP export of traces (off without an endpoint).
	Tracing telemetry.TracingConfig
}

// DemoProjectID is the Firebase project of local demo mode.
const DemoProjectID = "demo-processgroup"

// FromEnv reads the configuration from getenv (os.Getenv in production).
func FromEnv(getenv func(string) string) (Config, error) {
	get := func(name string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		for _, s := range Settings {
			if s.Name == name {
				return s.Default
			}
		}
		return ""
	}
	c := Config{
		ListenAddr:        get("LISTEN_ADDR"),
		DatabaseURL:       get("DATABASE_URL"),
		FirebaseProjectID: get("FIREBASE_PROJECT_ID"),
		AuthEmulatorHost:  get("FIREBASE_AUTH_EMULATOR_HOST"),
		CredentialsFile:   get("GOOGLE_APPLICATION_CREDENTIALS"),
		LogLevel:          get("LOG_LEVEL"),
		ProgramName:       get("PROGRAM_NAME"),
		EncryptionKeys:    strings.TrimSpace(getenv("ENCRYPTION_KEYS")),
		EncryptionKeyFile: strings.TrimSpace(getenv("ENCRYPTION_KEY_FILE")),
	}
	c.Demo = c.FirebaseProjectID == ""
	switch env := strings.TrimSpace(getenv("APP_ENV")); env {
	case "production":
		c.Production = true
	case "development":
	case "":
		// Safe by default: a real Firebase project means production unless said otherwise.
		c.Production = !c.Demo && !strings.HasPrefix(c.FirebaseProjectID, "demo-")
	default:
		return c, fmt.Errorf("APP_ENV must be development or production, not %q", env)
	}
	if c.Demo {
		if c.Production {
			return c, errors.New("production needs FIREBASE_PROJECT_ID (demo mode is for laptops)")
		}
		if c.AuthEmulatorHost != "" {
			return c, errors.New("FIREBASE_AUTH_EMULATOR_HOST needs FIREBASE_PROJECT_ID set to a demo- project")
		}
		c.FirebaseProjectID = DemoProjectID
	}
	switch v := get("ALLOW_RAW_DOCUMENTS"); v {
	case "true", "1":
		c.AllowRawDocuments = true
	case "false", "0":
	default:
		return c, fmt.Errorf("ALLOW_RAW_DOCUMENTS must be true or false, not %q", v)
	}
	switch v := getenv("DEMO_SEED"); v {
	case "":
		c.DemoSeed = c.Demo
	case "true", "1":
		c.DemoSeed = true
	case "false", "0":
	default:
		return c, fmt.Errorf("DEMO_SEED must be true or false, not %q", v)
	}
	if c.EncryptionKeys == "" && c.EncryptionKeyFile == "" {
		if c.Production {
			return c, errors.New("production needs ENCRYPTION_KEYS or ENCRYPTION_KEY_FILE")
		}
		if path, ok := strings.CutPrefix(c.DatabaseURL, "sqlite:"); ok {
			c.EncryptionKeyFile = filepath.Join(filepath.Dir(strings.TrimPrefix(path, "//")), "encryption.key")
		} else {
			c.EncryptionKeyFile = filepath.Join("data", "encryption.key")
		}
	}
	for name, dst := range map[string]*int{
		"MAX_QUERY_DEPTH": &c.MaxQueryDepth, "MAX_ALIASES": &c.MaxAliases, "MAX_DIRECTIVES": &c.MaxDirectives,
		"MAX_TOKENS": &c.MaxTokens, "MAX_COMPLEXITY": &c.MaxComplexity,
		"MAX_FIELDS": &c.MaxFields, "MAX_SELECTIONS": &c.MaxSelections, "MAX_REPEATED_FIELDS": &c.MaxRepeatedFields,
		"RATE_MUTATIONS_PER_MINUTE": &c.RateMutationsPerMinute, "RATE_ANONYMOUS_PER_MINUTE": &c.RateAnonymousPerMinute,
		"RATE_DOCUMENTS_PER_MINUTE": &c.RateDocumentsPerMinute, "APQ_CACHE_SIZE": &c.APQCacheSize,
	} {
		n, err := strconv.Atoi(get(name))
		if err != nil || n < 1 {
			return c, fmt.Errorf("%s must be a whole number above 0, not %q", name, get(name))
		}
		*dst = n
	}
	body, err := strconv.ParseInt(get("MAX_BODY_BYTES"), 10, 64)
	if err != nil || body < 1024 {
		return c, fmt.Errorf("MAX_BODY_BYTES must be a whole number of at least 1024, not %q", get("MAX_BODY_BYTES"))
	}
	c.MaxBodyBytes = body
	if c.TrustedProxies, err = limits.ParseTrustedProxies(get("TRUSTED_PROXIES")); err != nil {
		return c, fmt.Errorf("TRUSTED_PROXIES: %w", err)
	}
	c.RedisURL, c.RedisKeyPrefix = get("REDIS_URL"), get("REDIS_KEY_PREFIX")
	if c.RedisURL != "" {
		if _, err := redis.ParseURL(c.RedisURL); err != nil {
			// The URL may hold a password: name the setting, not its value.
			return c, errors.New("REDIS_URL must be a URL such as redis://host:6379/0 or rediss://user:password@host:6379/0")
		}
	}
	ttl := get("DEMO_TOKEN_TTL")
	if v := getenv("DEMO_TOKEN_TTL"); v == "" {
		ttl = "720h"
	}
	if c.DemoTokenTTL, err = time.ParseDuration(ttl); err != nil {
		return c, fmt.Errorf("DEMO_TOKEN_TTL: %w", err)
	}
	if c.AuthCacheTTL, err = time.ParseDuration(get("AUTH_CACHE_TTL")); err != nil || c.AuthCacheTTL < 0 {
		return c, fmt.Errorf("AUTH_CACHE_TTL must be a duration such as 60s or 0, not %q", get("AUTH_CACHE_TTL"))
	}
	if c.AuthTimeout, err = time.ParseDuration(get("AUTH_TIMEOUT")); err != nil || c.AuthTimeout < 100*time.Millisecond {
		return c, fmt.Errorf("AUTH_TIMEOUT must be a duration of at least 100ms, not %q", get("AUTH_TIMEOUT"))
	}
	if c.ShutdownTimeout, err = time.ParseDuration(get("SHUTDOWN_TIMEOUT")); err != nil {
		return c, fmt.Errorf("SHUTDOWN_TIMEOUT: %w", err)
	}
	c.FCMEndpoint = get("FCM_ENDPOINT")
	if c.FCMEndpoint != "" && !strings.HasPrefix(c.FirebaseProjectID, "demo-") {
		return c, errors.New("FCM_ENDPOINT is for tests: it needs FIREBASE_PROJECT_ID set to a demo- project")
	}
	if c.DatabaseMaxConns, err = strconv.Atoi(get("DATABASE_MAX_CONNS")); err != nil || c.DatabaseMaxConns < 1 {
		return c, fmt.Errorf("DATABASE_MAX_CONNS must be a whole number, 1 or more, not %q", get("DATABASE_MAX_CONNS"))
	}
	if c.JobWorkers, err = strconv.Atoi(get("JOB_WORKERS")); err != nil || c.JobWorkers < 0 {
		return c, fmt.Errorf("JOB_WORKERS must be a whole number, 0 or more, not %q", get("JOB_WORKERS"))
	}
	if c.JobPoll, err = time.ParseDuration(get("JOB_POLL_INTERVAL")); err != nil || c.JobPoll < 10*time.Millisecond {
		return c, fmt.Errorf("JOB_POLL_INTERVAL must be a duration of at least 10ms, not %q", get("JOB_POLL_INTERVAL"))
	}
	if c.JobTimeout, err = time.ParseDuration(get("JOB_TIMEOUT")); err != nil || c.JobTimeout < time.Second {
		return c, fmt.Errorf("JOB_TIMEOUT must be a duration of at least 1s, not %q", get("JOB_TIMEOUT"))
	}
	if c.JobRescueAfter, err = time.ParseDuration(get("JOB_RESCUE_AFTER")); err != nil || c.JobRescueAfter < c.JobTimeout+2*time.Second {
		return c, fmt.Errorf("JOB_RESCUE_AFTER must be a duration of at least JOB_TIMEOUT + 2s (%v), not %q", c.JobTimeout+2*time.Second, get("JOB_RESCUE_AFTER"))
	}
	if c.SessionHorizon, err = time.ParseDuration(get("SESSION_HORIZON")); err != nil || c.SessionHorizon < 7*24*time.Hour || c.SessionHorizon > 366*24*time.Hour {
		return c, fmt.Errorf("SESSION_HORIZON must be a duration from 168h (a week) to 8784h, not %q", get("SESSION_HORIZON"))
	}
	for _, n := range []struct {
		name string
		to   *int
		min  int
	}{
		{"WS_MAX_CONNECTIONS_PER_MEMBER", &c.WSMaxConnectionsPerMember, 1},
		{"WS_MAX_SUBSCRIPTIONS", &c.WSMaxSubscriptions, 1},
		{"WS_BUFFER", &c.WSBuffer, 1},
	} {
		if *n.to, err = strconv.Atoi(get(n.name)); err != nil || *n.to < n.min {
			return c, fmt.Errorf("%s must be a whole number, %d or more, not %q", n.name, n.min, get(n.name))
		}
	}
	if c.WSMaxMessageBytes, err = strconv.ParseInt(get("WS_MAX_MESSAGE_BYTES"), 10, 64); err != nil || c.WSMaxMessageBytes < 1024 {
		return c, fmt.Errorf("WS_MAX_MESSAGE_BYTES must be a whole number, 1024 or more, not %q", get("WS_MAX_MESSAGE_BYTES"))
	}
	for _, d := range []struct {
		name string
		to   *time.Duration
	}{
		{"WS_WRITE_TIMEOUT", &c.WSWriteTimeout},
		{"WS_INIT_TIMEOUT", &c.WSInitTimeout},
		{"WS_PING_INTERVAL", &c.WSPingInterval},
	} {
		if *d.to, err = time.ParseDuration(get(d.name)); err != nil || *d.to < 100*time.Millisecond {
			return c, fmt.Errorf("%s must be a duration of at least 100ms, not %q", d.name, get(d.name))
		}
	}
	if c.MetricsAddr = get("METRICS_ADDR"); c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			return c, fmt.Errorf("METRICS_ADDR must be host:port (e.g. 127.0.0.1:9090), not %q", c.MetricsAddr)
		}
	}
	c.Tracing = telemetry.TracingConfig{
		Endpoint:       get("OTEL_EXPORTER_OTLP_ENDPOINT"),
		TracesEndpoint: get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
		ServiceName:    get("OTEL_SERVICE_NAME"),
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_PROTOCOL"} {
		if p := strings.TrimSpace(getenv(name)); p != "" && p != "http/protobuf" {
			return c, fmt.Errorf("%s: only http/protobuf is supported, not %q", name, p)
		}
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"} {
		if v := get(name); v != "" && !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") {
			return c, fmt.Errorf("%s must be an http:// or https:// URL", name)
		}
	}
	return c, nil
}

// PrintHelp writes the list of settings.
func PrintHelp(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VARIABLE\tDEFAULT\tMEANING")
	for _, s := range Settings {
		d := s.Default
		if d == "" {
			d = "(empty)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, d, s.Description)
	}
	tw.Flush()
}

// Environ is os.Getenv, named for callers that pass it to FromEnv.
var Environ = os.Getenv
