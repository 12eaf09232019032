package server

import (
	"errors"
	"runtime"
	"time"
)

// Config holds the service settings (flags and HAIBAO_* variables).
type Config struct {
	APIKeys           []string      // Bearer keys for POST; none means open
	SigningKeys       [][]byte      // first signs, all verify
	BodyLimit         int64         // request body bytes; default 1 MB
	RenderConcurrency int           // renders at once; default GOMAXPROCS
	QueueSize         int           // requests waiting for a render slot; default 4 × concurrency
	QueueWait         time.Duration // longest wait for a slot; default 5 s
	RequestTimeout    time.Duration // whole request; default 15 s
	OutputCacheBytes  int           // recent posters kept; default 64 MB
	MaxScale          float64       // largest scale a request may ask; default 3
}

// Validate checks the settings and fills defaults.
func (c *Config) Validate() error {
	if c.BodyLimit < 0 || c.RenderConcurrency < 0 || c.QueueSize < 0 || c.QueueWait < 0 || c.RequestTimeout < 0 || c.OutputCacheBytes < 0 {
		return errors.New("server: limits must not be negative")
	}
	if c.BodyLimit == 0 {
		c.BodyLimit = 1 << 20
	}
	if c.RenderConcurrency == 0 {
		c.RenderConcurrency = runtime.GOMAXPROCS(0)
	}
	if c.QueueSize == 0 {
		c.QueueSize = 4 * c.RenderConcurrency
	}
	if c.QueueWait == 0 {
		c.QueueWait = 5 * time.Second
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = 15 * time.Second
	}
	if c.OutputCacheBytes == 0 {
		c.OutputCacheBytes = 64 << 20
	}
	if c.MaxScale == 0 {
		c.MaxScale = 3
	}
	if c.MaxScale > 4 {
		return errors.New("server: MaxScale must be at most 4")
	}
	return nil
}
