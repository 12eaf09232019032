package remote

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// ssrfTable is every address class the loader must never dial, and a few
// public addresses it must. why is documentation only.
var ssrfTable = []struct {
	host    string
	blocked bool
	why     string
}{
	{"127.0.0.1", true, "loopback"},
	{"127.255.255.254", true, "loopback"},
	{"::1", true, "loopback"},
	{"10.0.0.1", true, "private"},
	{"172.16.0.1", true, "private"},
	{"172.31.255.254", true, "private"},
	{"192.168.1.1", true, "private"},
	{"fc00::1", true, "unique local"},
	{"fd12:3456:789a::1", true, "unique local"},
	{"169.254.169.254", true, "link-local (cloud metadata)"},
	{"fe80::1", true, "link-local"},
	{"224.0.0.1", true, "multicast"},
	{"239.1.1.1", true, "multicast"},
	{"ff02::1", true, "multicast"},
	{"0.0.0.0", true, "unspecified"},
	{"::", true, "unspecified"},
	{"0.1.2.3", true, "this network 0.0.0.0/8"},
	{"::ffff:127.0.0.1", true, "IPv4-mapped loopback"},
	{"::ffff:10.0.0.1", true, "IPv4-mapped private"},
	{"::7f00:1", true, "IPv4-compatible ::/96 (127.0.0.1)"},
	{"::a00:1", true, "IPv4-compatible ::/96 (10.0.0.1)"},
	{"2002:7f00:1::1", true, "6to4 2002::/16 embedding 127.0.0.1"},
	{"2002:a00:1::1", true, "6to4 2002::/16 embedding 10.0.0.1"},
	{"2002:c0a8:101::1", true, "6to4 2002::/16 embedding 192.168.1.1"},
	{"64:ff9b::7f00:1", true, "NAT64 64:ff9b::/96 embedding 127.0.0.1"},
	{"64:ff9b::a9fe:a9fe", true, "NAT64 64:ff9b::/96 embedding 169.254.169.254"},
	{"64:ff9b:1::a00:1", true, "local NAT64 64:ff9b:1::/48 embedding 10.0.0.1"},
	{"2001:0:4136:e378:8000:63bf:3fff:fdd2", true, "Teredo 2001::/32"},
	{"2001::1", true, "Teredo 2001::/32"},
	{"fec0::1", true, "site-local fec0::/10"},
	{"feff::1", true, "site-local fec0::/10"},
	{"100.64.0.1", true, "CGNAT 100.64.0.0/10"},
	{"100.127.255.254", true, "CGNAT 100.64.0.0/10"},
	{"240.0.0.1", true, "reserved 240.0.0.0/4"},
	{"255.255.255.255", true, "broadcast"},
	{"192.0.0.8", true, "IETF protocol assignments 192.0.0.0/24"},
	{"192.0.2.1", true, "documentation TEST-NET-1"},
	{"198.51.100.7", true, "documentation TEST-NET-2"},
	{"203.0.113.9", true, "documentation TEST-NET-3"},
	{"2001:db8::1", true, "documentation 2001:db8::/32"},
	{"3fff::1", true, "documentation 3fff::/20"},
	{"198.18.0.1", true, "benchmarking 198.18.0.0/15"},
	{"198.19.255.254", true, "benchmarking 198.18.0.0/15"},
	{"2001:2::1", true, "benchmarking 2001:2::/48"},
	{"192.88.99.1", true, "6to4 relay anycast"},

	{"8.8.8.8", false, "public"},
	{"1.1.1.1", false, "public"},
	{"100.128.0.1", false, "public, just past CGNAT"},
	{"2001:4860:4860::8888", false, "public"},
	{"2606:4700:4700::1111", false, "public"},
}

// TestDialControl checks the check the dialer makes on each address it is
// about to connect to.
func TestDialControl(t *testing.T) {
	check := dialControl(context.Background())
	for _, tt := range ssrfTable {
		ip := netip.MustParseAddr(tt.host)
		network := "tcp6"
		if ip.Unmap().Is4() {
			network = "tcp4" // Go dials a mapped address as IPv4
			ip = ip.Unmap()
		}
		err := check(network, netip.AddrPortFrom(ip, 443).String(), nil)
		if tt.blocked != (err != nil) {
			t.Errorf("%s (%s): blocked %v, want %v", tt.host, tt.why, err != nil, tt.blocked)
		}
		if err != nil && (!errors.Is(err, ErrAddressNotAllowed) || err.Error() != "address not allowed") {
			t.Errorf("%s: error %q", tt.host, err)
		}
	}
	// An allowlisted host may reach a private address.
	if c := dialControl(context.WithValue(context.Background(), allowKey{}, true)); c != nil {
		t.Error("allowlisted request is checked")
	}
}

// TestRefusesInternalAddresses is the SSRF table through the whole loader:
// none of these may be fetched, whatever listens there, and the refusal
// names no address.
func TestRefusesInternalAddresses(t *testing.T) {
	srv := newImageServer(t)
	l, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	hostURL := func(h string) string {
		if strings.Contains(h, ":") {
			h = "[" + h + "]"
		}
		return "http://" + h + ":" + srv.port + "/ok.png"
	}
	type row struct {
		url  string
		want error
	}
	rows := []row{
		{"http://localhost:" + srv.port + "/ok.png", ErrAddressNotAllowed},
		{"http://LOCALHOST:" + srv.port + "/ok.png", ErrAddressNotAllowed},
		// Shorthands some resolvers read as 127.0.0.1: refused when they do,
		// a failed lookup when they do not.
		{"http://127.1:" + srv.port + "/ok.png", nil},
		{"http://2130706433:" + srv.port + "/ok.png", nil},
		{"http://0x7f000001:" + srv.port + "/ok.png", nil},
		{"file:///etc/passwd", ErrSchemeNotAllowed},
		{"ftp://example.com/a.png", ErrSchemeNotAllowed},
		{"gopher://127.0.0.1/", ErrSchemeNotAllowed},
		{"javascript:alert(1)", ErrSchemeNotAllowed},
		{"//example.com/a.png", ErrSchemeNotAllowed},
		{"http://user:pw@example.com/a.png", ErrBadURL},
		{"http:///a.png", ErrBadURL},
		{"http://%zz/", ErrBadURL},
	}
	for _, tt := range ssrfTable {
		if tt.blocked {
			rows = append(rows, row{hostURL(tt.host), ErrAddressNotAllowed})
		}
	}
	for _, tt := range rows {
		_, err := l.LoadImage(context.Background(), tt.url)
		if err == nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.url, err, tt.want)
			continue
		}
		if leaksAddress(err.Error()) {
			t.Errorf("%s: error %q names an address", tt.url, err)
		}
	}
	if n := srv.hits.Load(); n != 0 {
		t.Errorf("the local server was reached %d times", n)
	}
}
