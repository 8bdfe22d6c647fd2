package server_test

import (
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// sharedRedis is the settings of an API whose rate limits are in the Redis of
// TEST_REDIS_URL, under keys of this test's own; it skips the test without TEST_REDIS_URL.
func sharedRedis(t *testing.T) map[string]string {
	t.Helper()
	url := os.Getenv("TEST_REDIS_URL")
	if url == "" {
		t.Skip("TEST_REDIS_URL not set")
	}
	return map[string]string{"REDIS_URL": url, "REDIS_KEY_PREFIX": "test:" + uuid.NewString() + ":"}
}

// limitOf is the limit a RATE_LIMITED answer names, "" for any other answer.
func limitOf(r *Resp) string {
	if r.Code() != "RATE_LIMITED" {
		return ""
	}
	l, _ := r.Errors[0].Extensions["limit"].(string)
	return l
}

// on is c signed in with the same token on another server.
func (c *Client) on(h *H) *Client { return &Client{h: h, UID: c.UID, Token: c.Token} }

// TestRateLimitsSharedByServers: with REDIS_URL, a member's mutations and new documents and
// an address's anonymous requests are limited across servers: the burst spent on one
// server is spent on the other. Other members are not affected.
func TestRateLimitsSharedByServers(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		setting string
		spend   func(h *H, who *Client) *Resp
	}{
		{"RATE_MUTATIONS_PER_MINUTE", func(h *H, who *Client) *Resp {
			return who.on(h).Op("UnregisterDevice", map[string]any{"token": "no-such-device"})
		}},
		{"RATE_DOCUMENTS_PER_MINUTE", func(h *H, who *Client) *Resp {
			return who.on(h).Raw("query New"+strings.ReplaceAll(uuid.NewString(), "-", "")+" { viewer { id } }", "", nil)
		}},
		{"RATE_ANONYMOUS_PER_MINUTE", func(h *H, _ *Client) *Resp {
			return h.Anonymous().Op("Viewer", nil)
		}},
	} {
		t.Run(c.setting, func(t *testing.T) {
			t.Parallel()
			settings := sharedRedis(t)
			settings[c.setting] = "3" // burst 1
			one := sqliteH(t, withSettings(settings))
			two := one.Another()
			m, other := one.Member("m"), one.Member("other")
			want := map[string]string{
				"RATE_MUTATIONS_PER_MINUTE": "mutations", "RATE_DOCUMENTS_PER_MINUTE": "documents", "RATE_ANONYMOUS_PER_MINUTE": "anonymous",
			}[c.setting]
			if r := c.spend(one, m); r.Code() == "RATE_LIMITED" || r.Code() == "INTERNAL" {
				t.Fatalf("first on server 1: %s", r.Raw)
			}
			if r := c.spend(two, m); limitOf(r) != want {
				t.Fatalf("burst spent on server 1, server 2 answered: %s", r.Raw)
			}
			if c.setting != "RATE_ANONYMOUS_PER_MINUTE" {
				if r := c.spend(two, other); r.Code() == "RATE_LIMITED" {
					t.Fatalf("another member limited: %s", r.Raw)
				}
			}
		})
	}
}

// TestRateLimitsWhileRedisIsAway: with a REDIS_URL nobody answers, every server limits on
// its own (a member's burst spent on one server still leaves the other's), logs a warning,
// and never answers UNAUTHENTICATED or INTERNAL for it.
func TestRateLimitsWhileRedisIsAway(t *testing.T) {
	t.Parallel()
	one := sqliteH(t, withSettings(map[string]string{
		"REDIS_URL":                 "redis://127.0.0.1:1/0", // refused at once
		"RATE_MUTATIONS_PER_MINUTE": "3",                     // burst 1
	}))
	two := one.Another()
	m := one.Member("m")
	mutate := func(h *H) *Resp { return m.on(h).Op("UnregisterDevice", map[string]any{"token": "no-such-device"}) }
	if r := mutate(one); r.Code() != "" {
		t.Fatalf("first mutation: %s", r.Raw)
	}
	if r := mutate(one); limitOf(r) != "mutations" {
		t.Fatalf("second mutation on the same server must be limited by the server itself: %s", r.Raw)
	}
	if r := mutate(two); r.Code() != "" {
		t.Fatalf("another server limits on its own while Redis is away: %s", r.Raw)
	}
	if !strings.Contains(one.Logs.String(), "shared store cannot be reached") {
		t.Fatalf("no warning of the outage in the log")
	}
}
