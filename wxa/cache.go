package wxa

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/haibao/haibao/internal/atomicfile"
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

// DiskCache keeps codes as files under a folder, one per key, written
// atomically, so it survives restarts and a killed process leaves no
// half-written code behind.
type DiskCache struct {
	dir string
}

// NewDiskCache uses dir, creating it if needed.
func NewDiskCache(dir string) (*DiskCache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &DiskCache{dir: dir}, nil
}

func (d *DiskCache) path(key string) string {
	sum := sha256.Sum256([]byte(key))
	name := hex.EncodeToString(sum[:])
	return filepath.Join(d.dir, name[:2], name)
}

func (d *DiskCache) Get(_ context.Context, key string) ([]byte, bool, error) {
	b, err := os.ReadFile(d.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

func (d *DiskCache) Set(_ context.Context, key string, data []byte) error {
	p := d.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(p, 0o644, func(w io.Writer) error {
		_, err := io.Copy(w, bytes.NewReader(data))
		return err
	})
}

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
