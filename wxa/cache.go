package wxa

import (
	"bytes"
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/haibao/haibao/internal/atomicfile"
)

// Cache stores code images by CodeRequest.Key. Unlimited codes never
// expire and the others burn a lifetime quota, so entries need no expiry.
type Cache interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Set(ctx context.Context, key string, data []byte) error
}

// MemoryCache is a least-recently-used cache bounded by the bytes it holds.
type MemoryCache struct {
	mu       sync.Mutex
	limit    int
	size     int
	order    *list.List // front: most recently used
	elements map[string]*list.Element
}

type memEntry struct {
	key  string
	data []byte
}

// NewMemoryCache holds up to limit bytes of codes.
func NewMemoryCache(limit int) *MemoryCache {
	return &MemoryCache{limit: limit, order: list.New(), elements: map[string]*list.Element{}}
}

func (m *MemoryCache) Get(_ context.Context, key string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if el, ok := m.elements[key]; ok {
		m.order.MoveToFront(el)
		return el.Value.(*memEntry).data, true, nil
	}
	return nil, false, nil
}

func (m *MemoryCache) Set(_ context.Context, key string, data []byte) error {
	if len(data) > m.limit {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if el, ok := m.elements[key]; ok {
		m.size -= len(el.Value.(*memEntry).data)
		m.order.Remove(el)
	}
	m.elements[key] = m.order.PushFront(&memEntry{key: key, data: data})
	m.size += len(data)
	for m.size > m.limit {
		el := m.order.Back()
		e := el.Value.(*memEntry)
		m.order.Remove(el)
		delete(m.elements, e.key)
		m.size -= len(e.data)
	}
	return nil
}

// Len is the number of codes held.
func (m *MemoryCache) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.elements)
}

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
