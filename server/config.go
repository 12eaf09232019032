package server

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/haibao/haibao/internal/jsonlimit"
)

// Config holds the service settings (flags and HAIBAO_* variables). Start
// from DefaultConfig and change what the operator set: Validate checks
// every field and fills nothing in.
type Config struct {
	// StrictCodes refuses (422 unscannable_code) every poster whose code
	// lint finds unscannable, as strict_codes: true does for one layout.
	StrictCodes bool
	APIKeys     []string // Bearer keys for POST, /v1/codes and the preview; none means open
	SigningKeys [][]byte // first signs, all verify

	BodyLimit    int64            // request body bytes
	BodyTimeout  time.Duration    // longest time to receive a request body; a slower client gets 408
	WriteTimeout time.Duration    // longest time to send a response, so a client that stops reading frees its connection
	JSON         jsonlimit.Limits // nesting depth and keys of a request body

	// MaxRequests bounds the requests past the key check at once (reading
	// their body, fetching, waiting for or holding a render slot); beyond
	// it a request is refused with 429 before its body is read.
	MaxRequests int
	// FetchConcurrency bounds the requests loading remote images and codes
	// at once. Fetching holds no render slot, so a slow image server cannot
	// starve renders.
	FetchConcurrency  int
	RenderConcurrency int           // renders (draw and encode) at once
	QueueSize         int           // requests waiting for a render or fetch slot
	QueueWait         time.Duration // longest wait for a slot
	RequestTimeout    time.Duration // whole request, after its body is read
	OutputCacheBytes  int           // recent posters kept
}

// DefaultConfig is the service's configuration when the operator sets
// nothing.
func DefaultConfig() Config {
	n := runtime.GOMAXPROCS(0)
	return Config{
		BodyLimit:         1 << 20,
		BodyTimeout:       10 * time.Second,
		WriteTimeout:      20 * time.Second,
		JSON:              jsonlimit.Limits{MaxDepth: 32, MaxValues: 10_000},
		MaxRequests:       32,
		FetchConcurrency:  16,
		RenderConcurrency: n,
		QueueSize:         4 * n,
		QueueWait:         5 * time.Second,
		RequestTimeout:    15 * time.Second,
		OutputCacheBytes:  64 << 20,
	}
}

// Validate checks the settings.
func (c Config) Validate() error {
	var errs []error
	positive := func(name string, ok bool) {
		if !ok {
			errs = append(errs, fmt.Errorf("server: %s must be positive", name))
		}
	}
	positive("BodyLimit", c.BodyLimit > 0)
	positive("BodyTimeout", c.BodyTimeout > 0)
	positive("WriteTimeout", c.WriteTimeout > 0)
	positive("MaxRequests", c.MaxRequests > 0)
	positive("FetchConcurrency", c.FetchConcurrency > 0)
	positive("RenderConcurrency", c.RenderConcurrency > 0)
	positive("QueueWait", c.QueueWait > 0)
	positive("RequestTimeout", c.RequestTimeout > 0)
	positive("OutputCacheBytes", c.OutputCacheBytes > 0)
	if c.QueueSize < 0 {
		errs = append(errs, errors.New("server: QueueSize must not be negative"))
	}
	if err := c.JSON.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("server: %w", err))
	}
	for _, k := range c.APIKeys {
		if k == "" {
			errs = append(errs, errors.New("server: an API key is empty"))
		}
	}
	return errors.Join(errs...)
}
