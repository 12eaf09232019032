package jobs

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/haibao/haibao/batch"
	"github.com/haibao/haibao/poster"
)

// Observer counts what jobs do, for metrics.
type Observer interface {
	Row(result batch.Status) // a row finished: stored, existing or failed
	JobEnded(status Status)  // done, failed or cancelled
	Queued(n int)            // jobs now queued or running
}

// Layouts finds a layout by name.
type Layouts func(name string) (*poster.Layout, bool)

// Config sets up a Manager.
type Config struct {
	Dir     string // where jobs are kept; required
	Engine  *poster.Engine
	Layouts Layouts
	// Sink is where posters go; nil refuses new jobs (the service has no
	// storage configured) but still serves the ones on disk.
	Sink batch.Sink
	// Redis, when set, keeps jobs (state, input, queue) in Redis, so any
	// instance answers for any job and runs queued ones, and a job whose
	// instance died resumes elsewhere. Dir then holds working copies only.
	Redis redis.UniversalClient
	// HasApp, when set, says whether a mini program name is configured;
	// a job naming another is refused.
	HasApp func(name string) bool
	// Observer, when set, is told of every row and every job's end.
	Observer Observer
	// Bulk marks a job's context so the work it causes (WeChat codes)
	// draws from the bulk budget; nil leaves the context as it is.
	Bulk func(context.Context) context.Context

	MaxBody     int64 // bytes of a POST (inline rows or an upload); default 32 MiB
	MaxQueued   int   // jobs waiting or running; default 64
	Concurrency int   // rows in flight per job; default batch's
	// Draws is how many of a job's rows compose pixels at once; default
	// half the CPUs (at least one), so live requests keep the other half.
	Draws int

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
	case c.Engine == nil || c.Layouts == nil:
		return fmt.Errorf("jobs: Engine and Layouts are required")
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
	if c.Draws == 0 {
		c.Draws = max(1, runtime.GOMAXPROCS(0)/2)
	}
	if c.Observer == nil {
		c.Observer = nopObserver{}
	}
	if c.Bulk == nil {
		c.Bulk = func(ctx context.Context) context.Context { return ctx }
	}
	return c
}

type nopObserver struct{}

func (nopObserver) Row(batch.Status) {}
func (nopObserver) JobEnded(Status)  {}
func (nopObserver) Queued(int)       {}
