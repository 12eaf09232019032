// Package remote fetches the remote images a poster names (avatars, product
// photos) without letting a request reach the service's own network: only
// http(s), no loopback, private, link-local, multicast or unspecified
// addresses (checked on the address actually dialled, so DNS rebinding
// fails, and again on every redirect), bounded bytes, pixels and time.
package remote

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/haibao/haibao/internal/cache"
	"github.com/haibao/haibao/poster/picture"
)

// Config bounds what a Loader fetches. Zero fields take the defaults.
type Config struct {
	// AllowHosts, when set, are the only hosts fetched from ("cdn.example.com",
	// or ".example.com" for every subdomain). An allowed host may resolve to
	// a private or loopback address.
	AllowHosts     []string
	MaxBytes       int64         // default 10 MB
	MaxPixels      int           // default 40 MP, read from the header before decoding
	ConnectTimeout time.Duration // default 3 s
	Timeout        time.Duration // whole fetch; default 10 s
	MaxRedirects   int           // default 3
	CacheBytes     int           // decoded images kept, in bytes of pixels; default 256 MB
	CacheTTL       time.Duration // default 10 min
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.MaxBytes < 0 || c.MaxPixels < 0 || c.ConnectTimeout < 0 || c.Timeout < 0 || c.MaxRedirects < 0 || c.CacheBytes < 0 {
		return errors.New("remote: limits must not be negative")
	}
	for _, h := range c.AllowHosts {
		if h == "" || strings.ContainsAny(h, "/:@ ") {
			return fmt.Errorf("remote: allowed host %q must be a bare host name", h)
		}
	}
	return nil
}

// ErrRefused is matched by every refusal of a URL or address; the error
// text says why.
var ErrRefused = errors.New("refused")

// Loader fetches and decodes remote images; it implements
// poster.ImageLoader.
type Loader struct {
	cfg    Config
	client *http.Client
	cache  *cache.Cache[string, image.Image]
}

type allowKey struct{}

// New builds a loader.
func New(cfg Config) (*Loader, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = 10 << 20
	}
	if cfg.MaxPixels == 0 {
		cfg.MaxPixels = 40_000_000
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 3 * time.Second
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxRedirects == 0 {
		cfg.MaxRedirects = 3
	}
	if cfg.CacheBytes == 0 {
		cfg.CacheBytes = 256 << 20
	}
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = 10 * time.Minute
	}
	l := &Loader{cfg: cfg, cache: cache.New[string, image.Image](int64(cfg.CacheBytes), pixelBytes, cache.Options{TTL: cfg.CacheTTL})}
	dialer := &net.Dialer{Timeout: cfg.ConnectTimeout}
	transport := &http.Transport{
		Proxy: nil, // a proxy would dial for us and hide the real address
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			d := *dialer
			allowed, _ := ctx.Value(allowKey{}).(bool)
			d.Control = func(network, address string, _ syscall.RawConn) error {
				if allowed {
					return nil
				}
				return checkAddr(address)
			}
			return d.DialContext(ctx, network, addr)
		},
		TLSHandshakeTimeout:   cfg.ConnectTimeout,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConnsPerHost:   8,
	}
	l.client = &http.Client{
		Transport: transport,
		Timeout:   cfg.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > cfg.MaxRedirects {
				return fmt.Errorf("%w: more than %d redirects", ErrRefused, cfg.MaxRedirects)
			}
			allowed, err := l.checkURL(req.URL)
			if err != nil {
				return err
			}
			// The next hop is judged on its own host, not the first one's.
			*req = *req.WithContext(context.WithValue(req.Context(), allowKey{}, allowed))
			return nil
		},
	}
	return l, nil
}

// checkURL refuses URLs that are not http(s) or whose host is outside the
// allowlist; allowed reports whether the host was explicitly allowed.
func (l *Loader) checkURL(u *url.URL) (allowed bool, err error) {
	if u.Scheme != "http" && u.Scheme != "https" {
		return false, fmt.Errorf("%w: only http and https URLs are fetched, not %q", ErrRefused, u.Scheme)
	}
	if u.User != nil {
		return false, fmt.Errorf("%w: URLs with credentials are not fetched", ErrRefused)
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return false, fmt.Errorf("%w: URL has no host", ErrRefused)
	}
	if len(l.cfg.AllowHosts) == 0 {
		return false, nil
	}
	for _, h := range l.cfg.AllowHosts {
		h = strings.ToLower(h)
		if host == h || (strings.HasPrefix(h, ".") && strings.HasSuffix(host, h)) {
			return true, nil
		}
	}
	return false, fmt.Errorf("%w: host %s is not in the allowed image hosts", ErrRefused, host)
}

// checkAddr refuses addresses inside the service's own network.
func checkAddr(hostport string) error {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return fmt.Errorf("%w: bad address %q", ErrRefused, hostport)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: bad address %q", ErrRefused, host)
	}
	if why := blocked(ip); why != "" {
		return fmt.Errorf("%w: address %s is %s", ErrRefused, ip, why)
	}
	return nil
}

var extraBlocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"), // NAT64 can reach IPv4 inside
}

// blocked says why ip must not be dialled, or "".
func blocked(ip netip.Addr) string {
	ip = ip.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	switch {
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate():
		return "private"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "link-local"
	case ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "multicast"
	case ip.IsUnspecified():
		return "unspecified"
	}
	for _, p := range extraBlocked {
		if p.Contains(ip) {
			return "reserved"
		}
	}
	return ""
}

// LoadImage fetches and decodes the image at rawURL.
func (l *Loader) LoadImage(ctx context.Context, rawURL string) (image.Image, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: not a URL", ErrRefused)
	}
	allowed, err := l.checkURL(u)
	if err != nil {
		return nil, err
	}
	if img, ok := l.cached(rawURL); ok {
		return img, nil
	}
	req, err := http.NewRequestWithContext(context.WithValue(ctx, allowKey{}, allowed), http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	req.Header.Set("Accept", "image/*")
	resp, err := l.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(err, ErrRefused) {
			return nil, err
		}
		return nil, fmt.Errorf("fetch failed: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch failed: HTTP %d", resp.StatusCode)
	}
	if resp.ContentLength > l.cfg.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", picture.ErrTooLarge, resp.ContentLength, l.cfg.MaxBytes)
	}
	img, _, err := picture.Decode(io.LimitReader(resp.Body, l.cfg.MaxBytes+1), picture.Limits{MaxBytes: l.cfg.MaxBytes, MaxPixels: l.cfg.MaxPixels})
	if err != nil {
		return nil, err
	}
	l.cache.Add(rawURL, img)
	return img, nil
}

func pixelBytes(img image.Image) int64 {
	b := img.Bounds()
	return int64(b.Dx()) * int64(b.Dy()) * 4
}

func (l *Loader) cached(u string) (image.Image, bool) { return l.cache.Get(u) }
