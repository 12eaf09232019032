// Package lru is a least-recently-used cache bounded by the total size of
// its values, safe for concurrent use. The code cache, the poster cache and
// the remote image cache all keep what they can within a byte budget.
package lru

import (
	"container/list"
	"sync"
)

// Cache holds values up to a total size.
type Cache[K comparable, V any] struct {
	mu     sync.Mutex
	limit  int
	size   int
	sizeOf func(V) int
	order  *list.List // front: most recently used
	items  map[K]*list.Element
}

type entry[K comparable, V any] struct {
	key  K
	val  V
	size int
}

// New makes a cache holding values whose sizes (as sizeOf says) add up to at
// most limit.
func New[K comparable, V any](limit int, sizeOf func(V) int) *Cache[K, V] {
	return &Cache[K, V]{limit: limit, sizeOf: sizeOf, order: list.New(), items: map[K]*list.Element{}}
}

// Get returns the value for key and marks it used.
func (c *Cache[K, V]) Get(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*entry[K, V]).val, true
	}
	var zero V
	return zero, false
}

// Add stores val under key, evicting the least recently used values beyond
// the limit. A value larger than the whole limit is not stored.
func (c *Cache[K, V]) Add(key K, val V) {
	n := c.sizeOf(val)
	if n > c.limit {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.remove(el)
	}
	c.items[key] = c.order.PushFront(&entry[K, V]{key: key, val: val, size: n})
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

func (c *Cache[K, V]) remove(el *list.Element) {
	e := el.Value.(*entry[K, V])
	c.order.Remove(el)
	delete(c.items, e.key)
	c.size -= e.size
}
