package jobs

import (
	"fmt"
	"net/http"
	"time"

	"github.com/haibao/haibao/batch"
	"github.com/haibao/haibao/poster"
)

// Layouts finds a layout by name.
type Layouts func(name string) (*poster.Layout, bool)

// Config sets up a Manager.
type Config struct {
	Dir     string // where jobs are kept; required
	Engine  *poster.Engine
	Layouts Layouts
	Sink    batch.Sink

	MaxBody     int64 // bytes of a POST (inline rows or an upload); default 32 MiB
	MaxQueued   int   // jobs waiting or running; default 64
	Concurrency int   // rows in flight per job; default batch's

	// WebhookSecret signs webhook bodies (X-Haibao-Signature: sha256=HEX
	// of HMAC-SHA256 over the body); webhooks are refused without it.
	WebhookSecret string
	WebhookClient *http.Client  // default: 10s timeout; the service should pass one that refuses private addresses
	Retries       int           // webhook attempts; default 5
	Backoff       time.Duration // first retry delay, doubled each time; default 1s
}

const (
	defaultMaxBody   = 32 << 20
	defaultMaxQueued = 64
)

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case c.Dir == "":
		return fmt.Errorf("jobs: Dir is required")
	case c.Engine == nil || c.Layouts == nil || c.Sink == nil:
		return fmt.Errorf("jobs: Engine, Layouts and Sink are required")
	case c.MaxBody < 0 || c.MaxQueued < 0 || c.Retries < 0 || c.Backoff < 0:
		return fmt.Errorf("jobs: limits must not be negative")
	case c.WebhookSecret != "" && len(c.WebhookSecret) < 16:
		return fmt.Errorf("jobs: WebhookSecret must be at least 16 characters")
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.MaxBody == 0 {
		c.MaxBody = defaultMaxBody
	}
	if c.MaxQueued == 0 {
		c.MaxQueued = defaultMaxQueued
	}
	if c.WebhookClient == nil {
		c.WebhookClient = &http.Client{Timeout: 10 * time.Second}
	}
	if c.Retries == 0 {
		c.Retries = 5
	}
	if c.Backoff == 0 {
		c.Backoff = time.Second
	}
	return c
}
