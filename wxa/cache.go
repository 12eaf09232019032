package wxa

import (
	"context"
	"errors"

	"github.com/haibao/haibao/internal/cache"
)

// Cache stores code images by CodeRequest.Key. Unlimited codes never
// expire and the others burn a lifetime quota, so entries need no expiry.
type Cache interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Set(ctx context.Context, key string, data []byte) error
}

// MemoryCache is a least-recently-used cache bounded by the bytes it holds.
type MemoryCache struct {
	c *cache.Cache[string, []byte]
}

// NewMemoryCache holds up to limit bytes of codes.
func NewMemoryCache(limit int) *MemoryCache {
	return &MemoryCache{c: cache.New[string, []byte](int64(limit), func(b []byte) int64 { return int64(len(b)) }, cache.Options{})}
}

func (m *MemoryCache) Get(_ context.Context, key string) ([]byte, bool, error) {
	b, ok := m.c.Get(key)
	return b, ok, nil
}

func (m *MemoryCache) Set(_ context.Context, key string, data []byte) error {
	m.c.Add(key, data)
	return nil
}

// Len is the number of codes held.
func (m *MemoryCache) Len() int { return m.c.Len() }

// Layered reads the caches in order, copying a hit into the faster ones
// before it, and writes to all of them: typically memory over disk.
type Layered []Cache

func (l Layered) Get(ctx context.Context, key string) ([]byte, bool, error) {
	for i, c := range l {
		b, ok, err := c.Get(ctx, key)
		if err != nil {
			return nil, false, err
		}
		if ok {
			for _, faster := range l[:i] {
				_ = faster.Set(ctx, key, b)
			}
			return b, true, nil
		}
	}
	return nil, false, nil
}

func (l Layered) Set(ctx context.Context, key string, data []byte) error {
	var errs []error
	for _, c := range l {
		errs = append(errs, c.Set(ctx, key, data))
	}
	return errors.Join(errs...)
}
