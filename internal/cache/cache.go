// Package cache is the project's one in-memory cache: least recently used,
// bounded by the bytes its values hold (as the owner measures them), with
// optional expiry and in-flight loads shared between callers. Posters,
// remote images, QR codes, fitted images and WeChat codes all use it, so
// every cache in the process obeys the same byte budget rules.
package cache

import (
	"container/list"
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"time"
)

// Options tune a Cache. The zero value means: an entry may take the whole
// limit, and entries never expire.
type Options struct {
	// MaxEntry is the largest value stored; bigger ones are handed to the
	// caller but not kept, so one huge value cannot flush the whole cache.
	MaxEntry int64
	// TTL drops entries this long after they were added.
	TTL time.Duration
}

// Cache holds values up to a total size. It is safe for concurrent use.
type Cache[K comparable, V any] struct {
	mu       sync.Mutex
	limit    int64
	maxEntry int64
	ttl      time.Duration
	size     int64
	sizeOf   func(V) int64
	order    *list.List // front: most recently used
	items    map[K]*list.Element
	flights  map[K]*flight[V]
	now      func() time.Time
}

type entry[K comparable, V any] struct {
	key   K
	val   V
	size  int64
	added time.Time
}

// New makes a cache holding values whose sizes (as sizeOf says, in bytes)
// add up to at most limit.
func New[K comparable, V any](limit int64, sizeOf func(V) int64, opt Options) *Cache[K, V] {
	if opt.MaxEntry <= 0 || opt.MaxEntry > limit {
		opt.MaxEntry = limit
	}
	return &Cache[K, V]{
		limit: limit, maxEntry: opt.MaxEntry, ttl: opt.TTL, sizeOf: sizeOf,
		order: list.New(), items: map[K]*list.Element{}, flights: map[K]*flight[V]{},
		now: time.Now,
	}
}

// Get returns the value for key and marks it used.
func (c *Cache[K, V]) Get(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.get(key)
}

func (c *Cache[K, V]) get(key K) (V, bool) {
	if el, ok := c.items[key]; ok {
		e := el.Value.(*entry[K, V])
		if c.ttl <= 0 || c.now().Sub(e.added) < c.ttl {
			c.order.MoveToFront(el)
			return e.val, true
		}
		c.remove(el)
	}
	var zero V
	return zero, false
}

// Add stores val under key, evicting the least recently used values beyond
// the limit. A value over MaxEntry is not stored.
func (c *Cache[K, V]) Add(key K, val V) {
	n := c.sizeOf(val)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.add(key, val, n)
}

func (c *Cache[K, V]) add(key K, val V, n int64) {
	if el, ok := c.items[key]; ok {
		c.remove(el)
	}
	if n > c.maxEntry || n < 0 {
		return
	}
	c.items[key] = c.order.PushFront(&entry[K, V]{key: key, val: val, size: n, added: c.now()})
	c.size += n
	for c.size > c.limit {
		c.remove(c.order.Back())
	}
}

// Remove drops key.
func (c *Cache[K, V]) Remove(key K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.remove(el)
	}
}

// Len is the number of values held.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}

// Size is the bytes held, as sizeOf measured them.
func (c *Cache[K, V]) Size() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}

func (c *Cache[K, V]) remove(el *list.Element) {
	e := el.Value.(*entry[K, V])
	c.order.Remove(el)
	delete(c.items, e.key)
	c.size -= e.size
}

// PanicError is what a caller of Do gets when the load panicked: the panic
// is recovered in the load's goroutine so it cannot take the process down.
type PanicError struct {
	Value any
	Stack []byte
}

func (p *PanicError) Error() string { return fmt.Sprintf("cache: load panicked: %v", p.Value) }

// flight is one load in progress, shared by every caller that asked for the
// same key meanwhile.
type flight[V any] struct {
	done    chan struct{}
	val     V
	err     error
	waiters int
	cancel  context.CancelFunc
}

// Do returns the cached value for key, or loads it. Concurrent callers for
// the same key share one load. Each caller waits with its own ctx: one
// caller leaving (deadline, cancellation) never fails the others, and the
// load's own context is cancelled only when no caller is left waiting. The
// load runs with the values of the first caller's ctx but not its deadline.
// Errors are returned to every waiter and not cached.
func (c *Cache[K, V]) Do(ctx context.Context, key K, load func(ctx context.Context) (V, error)) (V, error) {
	c.mu.Lock()
	if v, ok := c.get(key); ok {
		c.mu.Unlock()
		return v, nil
	}
	f, ok := c.flights[key]
	if !ok {
		lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		f = &flight[V]{done: make(chan struct{}), cancel: cancel}
		c.flights[key] = f
		go c.run(lctx, key, f, load)
	}
	f.waiters++
	c.mu.Unlock()

	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		c.mu.Lock()
		f.waiters--
		if f.waiters == 0 {
			f.cancel()
		}
		c.mu.Unlock()
		var zero V
		return zero, ctx.Err()
	}
}

func (c *Cache[K, V]) run(ctx context.Context, key K, f *flight[V], load func(context.Context) (V, error)) {
	defer f.cancel()
	func() {
		defer func() {
			if r := recover(); r != nil {
				f.err = &PanicError{Value: r, Stack: debug.Stack()}
			}
		}()
		f.val, f.err = load(ctx)
	}()
	var n int64
	if f.err == nil {
		n = c.sizeOf(f.val)
	}
	c.mu.Lock()
	delete(c.flights, key)
	if f.err == nil {
		c.add(key, f.val, n)
	}
	c.mu.Unlock()
	close(f.done)
}
