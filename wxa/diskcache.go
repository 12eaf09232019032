package wxa

import (
	"bytes"
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/haibao/haibao/internal/atomicfile"
)

// DefaultDiskCacheBytes bounds the disk cache made by NewDiskCache: some
// ten to thirty thousand codes.
const DefaultDiskCacheBytes = 1 << 30

const (
	// orphanAge is how old a temporary file must be to count as left over
	// by a killed process. Younger ones may belong to another process
	// writing into the same folder right now; an atomic write takes far
	// less than this.
	orphanAge = time.Minute
	// stampEvery limits how often a hit rewrites the file's time, which
	// carries the use order over restarts.
	stampEvery = time.Hour
)

// DiskCache keeps codes as files under a folder, one per key, written
// atomically, so it survives restarts and a killed process leaves no
// half-written code behind. It holds at most limit bytes of codes and
// removes the least recently used ones beyond that. Sizes and use order
// are kept in memory, rebuilt at start from the files and their
// modification times (a hit refreshes that time at most hourly). Several
// processes may share the folder; each then keeps the bound only for
// what it has seen.
type DiskCache struct {
	dir   string
	limit int64
	now   func() time.Time

	mu    sync.Mutex
	size  int64
	order *list.List               // of *diskEntry, front: most recently used
	items map[string]*list.Element // by file name
}

type diskEntry struct {
	name    string
	size    int64
	stamped time.Time // the file's modification time as last set or seen
}

// NewDiskCache uses dir, creating it if needed, bounded by
// DefaultDiskCacheBytes.
func NewDiskCache(dir string) (*DiskCache, error) {
	return NewDiskCacheLimit(dir, DefaultDiskCacheBytes)
}

// NewDiskCacheLimit uses dir, creating it if needed, and keeps at most
// limit bytes of codes in it. It scans the folder first: codes already
// there count against the limit (the least recently used beyond it are
// removed) and temporary files left by a killed process are deleted.
func NewDiskCacheLimit(dir string, limit int64) (*DiskCache, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("wxa: disk cache limit must be positive, got %d", limit)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	d := &DiskCache{dir: dir, limit: limit, now: time.Now, order: list.New(), items: map[string]*list.Element{}}
	if err := d.scan(); err != nil {
		return nil, fmt.Errorf("wxa: disk cache %s: %w", dir, err)
	}
	d.mu.Lock()
	d.evict()
	d.mu.Unlock()
	return d, nil
}

// scan indexes the codes under dir and removes orphaned temporary files.
func (d *DiskCache) scan() error {
	var found []*diskEntry
	now := d.now()
	err := filepath.WalkDir(d.dir, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if de.IsDir() {
			// Codes sit one level down, in folders named by their first
			// two hex digits.
			if p != d.dir && filepath.Dir(p) != d.dir {
				return fs.SkipDir
			}
			return nil
		}
		if !de.Type().IsRegular() || filepath.Dir(p) == d.dir {
			return nil
		}
		info, err := de.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		name := de.Name()
		switch {
		case isTempName(name):
			if now.Sub(info.ModTime()) >= orphanAge {
				if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return err
				}
			}
		case isCodeName(name) && filepath.Base(filepath.Dir(p)) == name[:2]:
			found = append(found, &diskEntry{name: name, size: info.Size(), stamped: info.ModTime()})
		}
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortFunc(found, func(a, b *diskEntry) int { return a.stamped.Compare(b.stamped) })
	for _, e := range found {
		d.items[e.name] = d.order.PushFront(e)
		d.size += e.size
	}
	return nil
}

// isTempName matches the temporary files of internal/atomicfile.
func isTempName(name string) bool {
	return strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".tmp")
}

func isCodeName(name string) bool {
	if len(name) != 2*sha256.Size {
		return false
	}
	_, err := hex.DecodeString(name)
	return err == nil && strings.ToLower(name) == name
}

func fileName(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

func (d *DiskCache) path(name string) string {
	return filepath.Join(d.dir, name[:2], name)
}

func (d *DiskCache) Get(_ context.Context, key string) ([]byte, bool, error) {
	name := fileName(key)
	p := d.path(name)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		d.mu.Lock()
		if el, ok := d.items[name]; ok {
			d.remove(el)
		}
		d.mu.Unlock()
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	now := d.now()
	d.mu.Lock()
	el, ok := d.items[name]
	if !ok {
		// Written by another process sharing the folder.
		el = d.add(&diskEntry{name: name, size: int64(len(b)), stamped: now})
		d.evict()
	}
	d.order.MoveToFront(el)
	e := el.Value.(*diskEntry)
	stamp := now.Sub(e.stamped) >= stampEvery
	if stamp {
		e.stamped = now
	}
	d.mu.Unlock()
	if stamp {
		// Best effort: a lost stamp only makes the order after a restart
		// less exact.
		_ = os.Chtimes(p, now, now)
	}
	return b, true, nil
}

// Set stores data under key. A code larger than the whole limit is not
// stored.
func (d *DiskCache) Set(_ context.Context, key string, data []byte) error {
	if int64(len(data)) > d.limit {
		return nil
	}
	name := fileName(key)
	p := d.path(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	err := atomicfile.Write(p, 0o644, func(w io.Writer) error {
		_, err := io.Copy(w, bytes.NewReader(data))
		return err
	})
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if el, ok := d.items[name]; ok {
		d.remove(el)
	}
	d.add(&diskEntry{name: name, size: int64(len(data)), stamped: d.now()})
	d.evict()
	return nil
}

// Size is the bytes of codes held.
func (d *DiskCache) Size() int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.size
}

// Len is the number of codes held.
func (d *DiskCache) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.items)
}

// add indexes e as the most recently used. Call with d.mu held.
func (d *DiskCache) add(e *diskEntry) *list.Element {
	el := d.order.PushFront(e)
	d.items[e.name] = el
	d.size += e.size
	return el
}

// remove forgets el. Call with d.mu held.
func (d *DiskCache) remove(el *list.Element) {
	e := el.Value.(*diskEntry)
	d.order.Remove(el)
	delete(d.items, e.name)
	d.size -= e.size
}

// evict deletes the least recently used codes beyond the limit. Call with
// d.mu held.
func (d *DiskCache) evict() {
	for d.size > d.limit {
		el := d.order.Back()
		name := el.Value.(*diskEntry).name
		d.remove(el)
		// A file already gone is fine; one that cannot be removed is
		// forgotten anyway so the index cannot stall on it.
		_ = os.Remove(d.path(name))
	}
}
