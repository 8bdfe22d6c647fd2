package limits

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestParseTrustedProxies(t *testing.T) {
	for _, ok := range []string{"", " ", "10.0.0.0/8", "10.0.0.0/8, 192.0.2.7 ,fd00::/8", "::ffff:10.0.0.0/104", "10.1.2.3/8"} {
		if _, err := ParseTrustedProxies(ok); err != nil {
			t.Errorf("ParseTrustedProxies(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "10.0.0/8", "proxy.internal", "10.0.0.0/8;192.0.2.0/24", "fe80::1%eth0", "*"} {
		_, err := ParseTrustedProxies(bad)
		if err == nil {
			t.Errorf("ParseTrustedProxies(%q) accepted", bad)
		} else if !strings.Contains(err.Error(), "CIDR") {
			t.Errorf("ParseTrustedProxies(%q): unclear message %q", bad, err)
		}
	}
}

func TestTrustedProxiesClientIP(t *testing.T) {
	proxies, err := ParseTrustedProxies("10.0.0.0/8, 192.0.2.7, fd00::/8, ::ffff:172.16.0.0/108")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, remote string
		xff          []string // header lines
		want         string
	}{
		{"no header", "10.1.1.1:80", nil, "10.1.1.1"},
		{"spoofed header from an untrusted peer", "203.0.113.5:4000", []string{"198.51.100.1"}, "203.0.113.5"},
		{"spoofed trusted address from an untrusted peer", "203.0.113.5:4000", []string{"10.0.0.1"}, "203.0.113.5"},
		{"one trusted proxy", "10.1.1.1:80", []string{"198.51.100.1"}, "198.51.100.1"},
		{"client's own entries left of the proxy's are ignored", "10.1.1.1:80", []string{"1.2.3.4, 5.6.7.8, 198.51.100.1"}, "198.51.100.1"},
		{"chain of proxies", "10.1.1.1:80", []string{"6.6.6.6, 198.51.100.1, 192.0.2.7, 10.9.9.9"}, "198.51.100.1"},
		{"chain over header lines", "10.1.1.1:80", []string{"6.6.6.6, 198.51.100.1", "192.0.2.7", "10.9.9.9"}, "198.51.100.1"},
		{"every hop trusted", "10.1.1.1:80", []string{"10.2.2.2, 10.3.3.3"}, "10.2.2.2"},
		{"garbage stops the walk at the proxy that sent it", "10.1.1.1:80", []string{"198.51.100.1, unknown"}, "10.1.1.1"},
		{"garbage behind the second proxy", "10.1.1.1:80", []string{"198.51.100.1, junk, 10.4.4.4"}, "10.4.4.4"},
		{"entry with a port", "10.1.1.1:80", []string{"198.51.100.1:5555"}, "198.51.100.1"},
		{"empty header", "10.1.1.1:80", []string{""}, "10.1.1.1"},
		{"IPv4-mapped peer", "[::ffff:172.16.0.9]:80", []string{"198.51.100.1"}, "198.51.100.1"},
		{"IPv6 proxy, IPv6 client as its /64", "[fd00::1]:443", []string{"2001:db8:1:2::99"}, "2001:db8:1:2::/64"},
		{"IPv6 client behind a chain", "[fd00::1]:443", []string{"2001:db8:aa:bb:cc::1, fd00::2, 10.0.0.3"}, "2001:db8:aa:bb::/64"},
		{"IPv6 entry with a port", "[fd00::1]:443", []string{"[2001:db8:1:2::99]:8080"}, "2001:db8:1:2::/64"},
		{"untrusted IPv6 peer", "[2001:db8:9:9::1]:443", []string{"198.51.100.1"}, "2001:db8:9:9::/64"},
		{"IPv4-mapped client", "10.1.1.1:80", []string{"::ffff:198.51.100.1"}, "198.51.100.1"},
	}
	for _, c := range cases {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = c.remote
		for _, line := range c.xff {
			req.Header.Add("X-Forwarded-For", line)
		}
		if got := proxies.ClientIP(req); got != c.want {
			t.Errorf("%s: ClientIP = %q, want %q", c.name, got, c.want)
		}
	}
	// Without trusted proxies the header is ignored, even from a private address.
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "10.1.1.1:80"
	req.Header.Set("X-Forwarded-For", "198.51.100.1")
	if got := (TrustedProxies{}).ClientIP(req); got != "10.1.1.1" {
		t.Errorf("no trusted proxies: %q", got)
	}
}

// TestAnonymousBehindProxy: two clients behind one trusted proxy have a bucket each, and a
// client of the proxy cannot get a fresh bucket by writing its own X-Forwarded-For.
func TestAnonymousBehindProxy(t *testing.T) {
	proxies, _ := ParseTrustedProxies("10.0.0.0/8")
	r := NewRateLimiter(RateConfig{PerMinute: 1, Burst: 1})
	r.now = func() time.Time { return t0 }
	h := r.Anonymous(proxies, func(*http.Request) bool { return true },
		http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	do := func(xff string) int {
		req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
		req.RemoteAddr = "10.0.0.1:9000"
		req.Header.Set("X-Forwarded-For", xff)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	if do("198.51.100.1") != http.StatusNoContent || do("198.51.100.2") != http.StatusNoContent {
		t.Fatal("two clients behind one proxy share a bucket")
	}
	if got := do("7.7.7.7, 198.51.100.1"); got != http.StatusTooManyRequests {
		t.Fatalf("a client's own X-Forwarded-For entry gave it a fresh bucket: %d", got)
	}
}
