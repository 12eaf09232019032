package batch

import (
	"context"
	"fmt"
	"runtime"

	"github.com/haibao/haibao/poster"
	"github.com/haibao/haibao/rows"
	"github.com/haibao/haibao/storage"
)

// Source yields the rows of a campaign; rows.Reader is one.
type Source interface {
	Next() (rows.Row, error)
}

// Sink is where posters go; storage.Store is one.
type Sink interface {
	Put(ctx context.Context, key, contentType string, body []byte, digest string) (storage.Object, error)
	Stat(ctx context.Context, key string) (storage.Object, bool, error)
}

// Config is one run.
type Config struct {
	Layout  *poster.Layout
	Format  poster.Format
	Quality int     // JPEG/WebP quality; 0 is poster.DefaultQuality
	Scale   float64 // 0 is the layout's own
	App     string  // mini program of the codes, for a layout that names none; "" is the default
	// Name, when set, names each object from its row ("{{uid}}.jpg",
	// "{{team}}/{{uid}}.png") instead of the content-addressed key.
	Name *Name
	// Concurrency is rows in flight; they mostly wait on images, codes and
	// the store. Draws is how many of them compose pixels at once.
	Concurrency int // default 4 × GOMAXPROCS
	Draws       int // default GOMAXPROCS
}

// MaxConcurrency bounds rows in flight.
const MaxConcurrency = 1024

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.Layout == nil {
		return fmt.Errorf("batch: no layout")
	}
	if c.Quality < 0 || c.Quality > 100 {
		return fmt.Errorf("batch: quality must be from 1 to 100")
	}
	if c.Scale < 0 || c.Scale > poster.MaxScale {
		return fmt.Errorf("batch: scale must be greater than 0 and at most %g", poster.MaxScale)
	}
	if c.Concurrency < 0 || c.Concurrency > MaxConcurrency {
		return fmt.Errorf("batch: concurrency must be from 1 to %d", MaxConcurrency)
	}
	if c.Draws < 0 || c.Draws > MaxConcurrency {
		return fmt.Errorf("batch: draws must be from 1 to %d", MaxConcurrency)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Quality == 0 {
		c.Quality = poster.DefaultQuality
	}
	if c.Concurrency == 0 {
		c.Concurrency = 4 * runtime.GOMAXPROCS(0)
	}
	if c.Draws == 0 {
		c.Draws = runtime.GOMAXPROCS(0)
	}
	c.Draws = min(c.Draws, c.Concurrency)
	return c
}
