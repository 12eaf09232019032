package remote

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/haibao/haibao/poster/picture"
)

// Config bounds what a Loader fetches. Zero fields take the defaults
// written beside them; New fills them in, Validate only checks.
type Config struct {
	// AllowHosts, when set, are the only hosts fetched from ("cdn.example.com",
	// or ".example.com" for every subdomain). An allowed host may resolve to
	// a private or loopback address: the operator vouches for it.
	AllowHosts []string

	MaxBytes  int64 // encoded image; default 10 MB
	MaxPixels int   // width × height from the header; default 40 MP
	// MaxDecodedBytes bounds the memory one decode takes, as
	// picture.DecodeCost counts it; default picture.DefaultMaxDecodedBytes
	// (64 MB).
	MaxDecodedBytes int64
	// DecodingBytes bounds the decodes in progress at once, in the same
	// bytes: a caller whose decode does not fit waits for others to finish.
	// Default 128 MB. Never below MaxDecodedBytes.
	DecodingBytes int64
	// FetchingBytes bounds the response bodies held at once: a fetch
	// reserves its Content-Length (MaxBytes when the server does not say)
	// before reading and keeps it until decoded. Default 128 MB. Never
	// below MaxBytes.
	FetchingBytes int64
	// MaxConcurrent bounds fetches in flight (distinct URLs: callers asking
	// for one URL share its fetch); further callers wait with their own
	// context. Default 32.
	MaxConcurrent int

	ConnectTimeout time.Duration // dial and TLS handshake; default 3 s
	Timeout        time.Duration // whole fetch, body included; default 10 s
	MaxRedirects   int           // default 3

	CacheBytes int64         // decoded images kept, as picture.Bytes counts them; default 128 MB
	CacheTTL   time.Duration // default 10 min
}

// Defaults.
const (
	DefaultMaxBytes       = 10 << 20
	DefaultMaxPixels      = 40_000_000
	DefaultDecodingBytes  = 128 << 20
	DefaultFetchingBytes  = 128 << 20
	DefaultMaxConcurrent  = 32
	DefaultConnectTimeout = 3 * time.Second
	DefaultTimeout        = 10 * time.Second
	DefaultMaxRedirects   = 3
	DefaultCacheBytes     = 128 << 20
	DefaultCacheTTL       = 10 * time.Minute
)

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.MaxBytes < 0 || c.MaxPixels < 0 || c.MaxDecodedBytes < 0 || c.DecodingBytes < 0 || c.FetchingBytes < 0 || c.MaxConcurrent < 0 ||
		c.ConnectTimeout < 0 || c.Timeout < 0 || c.MaxRedirects < 0 || c.CacheBytes < 0 || c.CacheTTL < 0 {
		return errors.New("remote: limits must not be negative")
	}
	d := c.withDefaults()
	if c.DecodingBytes > 0 && c.DecodingBytes < d.MaxDecodedBytes {
		return fmt.Errorf("remote: DecodingBytes %d is below MaxDecodedBytes %d: a decode could wait for ever", c.DecodingBytes, d.MaxDecodedBytes)
	}
	if c.FetchingBytes > 0 && c.FetchingBytes < d.MaxBytes {
		return fmt.Errorf("remote: FetchingBytes %d is below MaxBytes %d: a fetch could wait for ever", c.FetchingBytes, d.MaxBytes)
	}
	for _, h := range c.AllowHosts {
		if h == "" || strings.ContainsAny(h, "/:@ ") {
			return fmt.Errorf("remote: allowed host %q must be a bare host name", h)
		}
	}
	return nil
}

func (c Config) withDefaults() Config {
	setDefault(&c.MaxBytes, DefaultMaxBytes)
	setDefault(&c.MaxPixels, DefaultMaxPixels)
	setDefault(&c.MaxDecodedBytes, picture.DefaultMaxDecodedBytes)
	setDefault(&c.DecodingBytes, max(DefaultDecodingBytes, c.MaxDecodedBytes))
	setDefault(&c.FetchingBytes, max(DefaultFetchingBytes, c.MaxBytes))
	setDefault(&c.MaxConcurrent, DefaultMaxConcurrent)
	setDefault(&c.ConnectTimeout, DefaultConnectTimeout)
	setDefault(&c.Timeout, DefaultTimeout)
	setDefault(&c.MaxRedirects, DefaultMaxRedirects)
	setDefault(&c.CacheBytes, DefaultCacheBytes)
	setDefault(&c.CacheTTL, DefaultCacheTTL)
	return c
}

func setDefault[T int | int64 | time.Duration](v *T, d T) {
	if *v == 0 {
		*v = d
	}
}
