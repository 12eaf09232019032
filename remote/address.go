package remote

import (
	"context"
	"net"
	"net/url"
	"strings"
	"syscall"

	"code.dny.dev/ssrf"
)

// guardian refuses every address outside the public internet: the IANA
// special-purpose registries (loopback, private, link-local, CGNAT,
// 0.0.0.0/8, 240.0.0.0/4, multicast, documentation, benchmarking), and for
// IPv6 everything outside global unicast 2000::/3 (which covers IPv4-mapped
// and IPv4-compatible addresses, NAT64 64:ff9b::/96 and 64:ff9b:1::/48,
// site-local fec0::/10, unique local fc00::/7) plus the special ranges
// inside it (Teredo and the rest of 2001::/23, 6to4 2002::/16,
// documentation). code.dny.dev/ssrf keeps that list from the registries.
// Any port is allowed: image hosts use others than 80 and 443.
var guardian = ssrf.New(ssrf.WithAnyPort())

// allowKey marks a request's context when its host is on the allowlist, so
// the dialer lets it reach a private address.
type allowKey struct{}

// dialControl checks each address just before it is connected: after DNS
// resolution, so a name that resolves (or re-resolves) inward is caught,
// and on every address the dialer tries.
func dialControl(ctx context.Context) func(network, address string, c syscall.RawConn) error {
	if allowed, _ := ctx.Value(allowKey{}).(bool); allowed {
		return nil
	}
	return func(network, address string, c syscall.RawConn) error {
		if err := guardian.Safe(network, address, c); err != nil {
			// The guardian's text names the address: keep it out.
			return fail(ErrAddressNotAllowed, "")
		}
		return nil
	}
}

// dialContext is the transport's dialer: a copy of d checking addresses
// as the request's context says.
func dialContext(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		dd := *d
		dd.Control = dialControl(ctx)
		return dd.DialContext(ctx, network, addr)
	}
}

// checkURL refuses URLs that are not plain http(s) or whose host is outside
// the allowlist; allowed reports whether the host is on it. listName
// names the allowlist in the refusal.
func checkURL(u *url.URL, allowHosts []string, listName string) (allowed bool, err error) {
	if u.Scheme != "http" && u.Scheme != "https" {
		return false, fail(ErrSchemeNotAllowed, "only http and https are fetched")
	}
	if u.User != nil {
		return false, fail(ErrBadURL, "URLs with credentials are not fetched")
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return false, fail(ErrBadURL, "no host")
	}
	if len(allowHosts) == 0 {
		return false, nil
	}
	for _, h := range allowHosts {
		h = strings.ToLower(h)
		if host == h || (strings.HasPrefix(h, ".") && strings.HasSuffix(host, h)) {
			return true, nil
		}
	}
	return false, fail(ErrAddressNotAllowed, "host is not in the allowed "+listName)
}
