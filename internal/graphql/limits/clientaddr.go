package limits

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// TrustedProxies are the networks of the proxies and load balancers in front of the server,
// whose X-Forwarded-For header is believed. The zero value trusts nobody: every request's
// client is its TCP peer, and X-Forwarded-For is ignored.
type TrustedProxies struct {
	nets []netip.Prefix
}

// ParseTrustedProxies reads a comma-separated list of CIDRs ("10.0.0.0/8, fd00::/8"); a
// bare address is a network of one. An empty list trusts nobody.
func ParseTrustedProxies(s string) (TrustedProxies, error) {
	var p TrustedProxies
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		pfx, err := netip.ParsePrefix(part)
		if err != nil {
			addr, aerr := netip.ParseAddr(part)
			if aerr != nil || addr.Zone() != "" {
				return TrustedProxies{}, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8 or fd00::/8", part)
			}
			pfx = netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen())
		}
		if pfx.Addr().Is4In6() {
			pfx = netip.PrefixFrom(pfx.Addr().Unmap(), max(0, pfx.Bits()-96))
		}
		p.nets = append(p.nets, pfx.Masked())
	}
	return p, nil
}

// Len is the number of trusted networks.
func (p TrustedProxies) Len() int { return len(p.nets) }

// trusts reports whether addr is one of the trusted proxies.
func (p TrustedProxies) trusts(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, n := range p.nets {
		if n.Contains(addr) {
			return true
		}
	}
	return false
}

// FromProxy reports whether the TCP peer of r is one of the trusted proxies (whose headers,
// such as a W3C traceparent, may then be believed).
func (p TrustedProxies) FromProxy(r *http.Request) bool {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	return err == nil && p.trusts(ap.Addr())
}

// ClientIP is the address a request came from, as a rate-limit key (see rateKey).
//
// SECURITY: X-Forwarded-For is written by whoever sends the request, so it is read only
// when the TCP peer is a trusted proxy, and then from the right: each trusted proxy appends
// the address it received the request from, so the right-most entry that is not itself a
// trusted proxy is the first address no trusted proxy vouches for beyond, the client.
// Anything to its left is the client's own say and is ignored. An entry that is not an
// address stops the walk at the trusted proxy that forwarded it.
func (p TrustedProxies) ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	client := peer
	if len(p.nets) > 0 && p.trusts(peer) {
		hops := forwardedFor(r.Header)
		for i := len(hops) - 1; i >= 0; i-- {
			hop, ok := parseHop(hops[i])
			if !ok {
				break
			}
			client = hop
			if !p.trusts(hop) {
				break
			}
		}
	}
	return rateKey(client)
}

// forwardedFor is the list of X-Forwarded-For entries, every header line in order.
func forwardedFor(h http.Header) []string {
	var hops []string
	for _, line := range h.Values("X-Forwarded-For") {
		for _, hop := range strings.Split(line, ",") {
			hops = append(hops, strings.TrimSpace(hop))
		}
	}
	return hops
}

// parseHop reads one X-Forwarded-For entry: an address, or an address with a port.
func parseHop(s string) (netip.Addr, bool) {
	if addr, err := netip.ParseAddr(s); err == nil {
		return addr, true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr(), true
	}
	return netip.Addr{}, false
}

// rateKey is a client address as a rate-limit key: an IPv4 address as is, an IPv6 address
// as its /64 network (one customer's allocation, which they can spread over 2^64 addresses).
func rateKey(addr netip.Addr) string {
	addr = addr.Unmap().WithZone("")
	if addr.Is6() {
		if p, err := addr.Prefix(64); err == nil {
			return p.String()
		}
	}
	return addr.String()
}
